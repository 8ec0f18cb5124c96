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
    Mc__Limits limits;
} body_msgs;

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
    default:
        return MC_ERR_INVALID_ARGUMENT;
    }
}

int mc_body_encode(const mc_body *body, uint8_t **out, size_t *out_len)
{
    body_msgs m;
    mc__tx_body__init(&m.b);
    mc__open_account__init(&m.open);
    mc__transfer__init(&m.transfer);
    mc__set_limits__init(&m.set_limits);
    mc__set_status__init(&m.set_status);
    mc__payment_request__init(&m.request);
    mc__decline_request__init(&m.decline);
    mc__cancel_request__init(&m.cancel);
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
