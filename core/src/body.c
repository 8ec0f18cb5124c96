/* Encoding transaction bodies (mc_body_encode, see mc/tx.h): one small
 * function per kind fills the protobuf message; what is encoded is what the
 * caller gave, since validation is the ledger's job. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "tx_internal.h"

/* Every message a body may need, alive for the packing. */
typedef struct body_msgs {
    Mc__TxBody b;
    Mc__OpenAccount open;
    Mc__Transfer transfer;
    Mc__SetLimits set_limits;
    Mc__SetStatus set_status;
    Mc__PaymentRequest request;
    Mc__DeclineRequest decline;
    Mc__CancelRequest cancel;
    Mc__SetRoles roles;
    Mc__SetFee fee;
    Mc__Contribution contribution;
    Mc__ReviewContribution review;
    Mc__Distribution distribution;
    Mc__Limits limits;
    /* the key lists, as protobuf-c wants them: one entry per key */
    ProtobufCBinaryData lists[MC__TX_KEY_LISTS][MC__TX_KEY_LIST_MAX];
} body_msgs;

/* Point `m->lists[i]` at the keys; INVALID_ARGUMENT past the list bound. */
static int fill_keys(body_msgs *m, size_t i, mc_keys keys, ProtobufCBinaryData **out, size_t *n)
{
    if (keys.count > MC__TX_KEY_LIST_MAX || (keys.count > 0 && keys.keys == NULL)) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    for (size_t k = 0; k < keys.count; k++) {
        m->lists[i][k] = MC__BYTES(keys.keys[k], MC_PUBLIC_KEY_BYTES);
    }
    *out = keys.count > 0 ? m->lists[i] : NULL;
    *n = keys.count;
    return MC_ERR_OK;
}

static int fill_open(const mc_body *body, body_msgs *m)
{
    if (body->u.open_account.handle == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    m->open.public_key = MC__BYTES(body->u.open_account.public_key, MC_PUBLIC_KEY_BYTES);
    m->open.handle = MC__BYTES(body->u.open_account.handle, strlen(body->u.open_account.handle));
    m->open.kind = (Mc__AccountKind)body->u.open_account.kind;
    if (body->u.open_account.has_limits) {
        m->limits.min_balance = body->u.open_account.limits.min_balance;
        m->limits.max_balance = body->u.open_account.limits.max_balance;
        m->open.limits = &m->limits;
    }
    m->open.keeper_quorum = body->u.open_account.keeper_quorum;
    int rc = fill_keys(m, 0, body->u.open_account.keepers, &m->open.keepers, &m->open.n_keepers);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    m->b.kind_case = MC__TX_BODY__KIND_OPEN_ACCOUNT;
    m->b.open_account = &m->open;
    return MC_ERR_OK;
}

static int fill_transfer(const mc_body *body, body_msgs *m)
{
    m->transfer.payer = MC__BYTES(body->u.transfer.payer, MC_PUBLIC_KEY_BYTES);
    m->transfer.payee = MC__BYTES(body->u.transfer.payee, MC_PUBLIC_KEY_BYTES);
    m->transfer.amount = body->u.transfer.amount;
    if (body->u.transfer.memo != NULL) {
        m->transfer.memo = MC__BYTES(body->u.transfer.memo, body->u.transfer.memo_len);
    }
    if (body->u.transfer.has_request) {
        m->transfer.request_id = MC__BYTES(body->u.transfer.request_id, MC_TX_ID_BYTES);
    }
    m->transfer.purpose = (Mc__Purpose)body->u.transfer.purpose;
    m->b.kind_case = MC__TX_BODY__KIND_TRANSFER;
    m->b.transfer = &m->transfer;
    return MC_ERR_OK;
}

static int fill_set_limits(const mc_body *body, body_msgs *m)
{
    m->set_limits.account = MC__BYTES(body->u.set_limits.account, MC_PUBLIC_KEY_BYTES);
    m->limits.min_balance = body->u.set_limits.limits.min_balance;
    m->limits.max_balance = body->u.set_limits.limits.max_balance;
    m->set_limits.limits = &m->limits;
    m->b.kind_case = MC__TX_BODY__KIND_SET_LIMITS;
    m->b.set_limits = &m->set_limits;
    return MC_ERR_OK;
}

static int fill_set_status(const mc_body *body, body_msgs *m)
{
    m->set_status.account = MC__BYTES(body->u.set_status.account, MC_PUBLIC_KEY_BYTES);
    m->set_status.status = (Mc__AccountStatus)body->u.set_status.status;
    m->b.kind_case = MC__TX_BODY__KIND_SET_STATUS;
    m->b.set_status = &m->set_status;
    return MC_ERR_OK;
}

static int fill_request(const mc_body *body, body_msgs *m)
{
    m->request.payee = MC__BYTES(body->u.payment_request.payee, MC_PUBLIC_KEY_BYTES);
    m->request.payer = MC__BYTES(body->u.payment_request.payer, MC_PUBLIC_KEY_BYTES);
    m->request.amount = body->u.payment_request.amount;
    if (body->u.payment_request.memo != NULL) {
        m->request.memo = MC__BYTES(body->u.payment_request.memo, body->u.payment_request.memo_len);
    }
    m->b.kind_case = MC__TX_BODY__KIND_PAYMENT_REQUEST;
    m->b.payment_request = &m->request;
    return MC_ERR_OK;
}

static int fill_close_request(const mc_body *body, body_msgs *m)
{
    ProtobufCBinaryData id = MC__BYTES(body->u.close_request.request_id, MC_TX_ID_BYTES);
    if (body->kind == MC_TX_DECLINE_REQUEST) {
        m->decline.request_id = id;
        m->b.kind_case = MC__TX_BODY__KIND_DECLINE_REQUEST;
        m->b.decline_request = &m->decline;
    } else {
        m->cancel.request_id = id;
        m->b.kind_case = MC__TX_BODY__KIND_CANCEL_REQUEST;
        m->b.cancel_request = &m->cancel;
    }
    return MC_ERR_OK;
}

static int fill_roles(const mc_body *body, body_msgs *m)
{
    Mc__SetRoles *r = &m->roles;
    int rc = fill_keys(m, 0, body->u.set_roles.add_stewards, &r->add_stewards, &r->n_add_stewards);
    if (rc == MC_ERR_OK) {
        rc = fill_keys(m, 1, body->u.set_roles.remove_stewards, &r->remove_stewards,
                       &r->n_remove_stewards);
    }
    if (rc == MC_ERR_OK) {
        rc = fill_keys(m, 2, body->u.set_roles.add_auditors, &r->add_auditors, &r->n_add_auditors);
    }
    if (rc == MC_ERR_OK) {
        rc = fill_keys(m, 3, body->u.set_roles.remove_auditors, &r->remove_auditors,
                       &r->n_remove_auditors);
    }
    r->quorum = body->u.set_roles.quorum;
    m->b.kind_case = MC__TX_BODY__KIND_SET_ROLES;
    m->b.set_roles = r;
    return rc;
}

static int fill_fee(const mc_body *body, body_msgs *m)
{
    m->fee.fee_bps = body->u.set_fee.fee_bps;
    if (body->u.set_fee.has_fee_account) {
        m->fee.fee_account = MC__BYTES(body->u.set_fee.fee_account, MC_PUBLIC_KEY_BYTES);
    }
    m->b.kind_case = MC__TX_BODY__KIND_SET_FEE;
    m->b.set_fee = &m->fee;
    return MC_ERR_OK;
}

static int fill_contribution(const mc_body *body, body_msgs *m)
{
    Mc__Contribution *c = &m->contribution;
    const char *text = body->u.contribution.description;
    c->commons = MC__BYTES(body->u.contribution.commons, MC_PUBLIC_KEY_BYTES);
    c->contributor = MC__BYTES(body->u.contribution.contributor, MC_PUBLIC_KEY_BYTES);
    c->weight = body->u.contribution.weight;
    if (text != NULL) {
        c->description = MC__BYTES(text, strlen(text));
    }
    if (body->u.contribution.has_evidence) {
        c->evidence = MC__BYTES(body->u.contribution.evidence, MC_HASH_BYTES);
    }
    m->b.kind_case = MC__TX_BODY__KIND_CONTRIBUTION;
    m->b.contribution = c;
    return MC_ERR_OK;
}

static int fill_review(const mc_body *body, body_msgs *m)
{
    m->review.contribution_id = MC__BYTES(body->u.review.contribution_id, MC_TX_ID_BYTES);
    m->review.approve = body->u.review.approve;
    m->b.kind_case = MC__TX_BODY__KIND_REVIEW_CONTRIBUTION;
    m->b.review_contribution = &m->review;
    return MC_ERR_OK;
}

static int fill_distribution(const mc_body *body, body_msgs *m)
{
    m->distribution.commons = MC__BYTES(body->u.distribution.commons, MC_PUBLIC_KEY_BYTES);
    m->distribution.share_bps = body->u.distribution.share_bps;
    m->distribution.amount = body->u.distribution.amount;
    m->distribution.cap = body->u.distribution.cap;
    m->b.kind_case = MC__TX_BODY__KIND_DISTRIBUTION;
    m->b.distribution = &m->distribution;
    return MC_ERR_OK;
}

static int fill_kind(const mc_body *body, body_msgs *m)
{
    switch (body->kind) {
    case MC_TX_OPEN_ACCOUNT:
        return fill_open(body, m);
    case MC_TX_TRANSFER:
        return fill_transfer(body, m);
    case MC_TX_SET_LIMITS:
        return fill_set_limits(body, m);
    case MC_TX_SET_STATUS:
        return fill_set_status(body, m);
    case MC_TX_PAYMENT_REQUEST:
        return fill_request(body, m);
    case MC_TX_DECLINE_REQUEST:
    case MC_TX_CANCEL_REQUEST:
        return fill_close_request(body, m);
    case MC_TX_SET_ROLES:
        return fill_roles(body, m);
    case MC_TX_SET_FEE:
        return fill_fee(body, m);
    case MC_TX_CONTRIBUTION:
        return fill_contribution(body, m);
    case MC_TX_REVIEW_CONTRIBUTION:
        return fill_review(body, m);
    case MC_TX_DISTRIBUTION:
        return fill_distribution(body, m);
    default:
        return MC_ERR_INVALID_ARGUMENT;
    }
}

int mc_body_encode(const mc_body *body, uint8_t **out, size_t *out_len)
{
    body_msgs m; /* about 5 KiB with the key lists */
    mc__tx_body__init(&m.b);
    mc__open_account__init(&m.open);
    mc__transfer__init(&m.transfer);
    mc__set_limits__init(&m.set_limits);
    mc__set_status__init(&m.set_status);
    mc__payment_request__init(&m.request);
    mc__decline_request__init(&m.decline);
    mc__cancel_request__init(&m.cancel);
    mc__set_roles__init(&m.roles);
    mc__set_fee__init(&m.fee);
    mc__contribution__init(&m.contribution);
    mc__review_contribution__init(&m.review);
    mc__distribution__init(&m.distribution);
    mc__limits__init(&m.limits);
    m.b.ledger_id = MC__BYTES(body->ledger_id, MC_LEDGER_ID_BYTES);
    m.b.nonce = body->nonce;
    m.b.not_after = body->not_after;
    int rc = fill_kind(body, &m);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    size_t len = mc__tx_body__get_packed_size(&m.b);
    uint8_t *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    mc__tx_body__pack(&m.b, buf);
    *out = buf;
    *out_len = len;
    return MC_ERR_OK;
}
