/* The shape of a transaction body, before any rule: key and hash sizes,
 * bounded key lists, known enum values (mc_tx_decode refuses anything else
 * as MALFORMED, so the state machine only sees well-formed bodies), the key
 * lists copied flat, and the read-only view of a decoded body. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "tx_internal.h"

static bool key_ok(ProtobufCBinaryData b)
{
    return b.len == MC_PUBLIC_KEY_BYTES;
}

static bool key_list_ok(const ProtobufCBinaryData *keys, size_t n)
{
    if (n > MC__TX_KEY_LIST_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!key_ok(keys[i])) {
            return false;
        }
    }
    return true;
}

static bool roles_ok(const Mc__SetRoles *r)
{
    return key_list_ok(r->add_stewards, r->n_add_stewards) &&
           key_list_ok(r->remove_stewards, r->n_remove_stewards) &&
           key_list_ok(r->add_auditors, r->n_add_auditors) &&
           key_list_ok(r->remove_auditors, r->n_remove_auditors);
}

static bool contribution_ok(const Mc__Contribution *c)
{
    return key_ok(c->commons) && key_ok(c->contributor) &&
           (c->evidence.len == 0 || c->evidence.len == MC_HASH_BYTES);
}

bool mc__body_well_formed(const Mc__TxBody *b)
{
    if (b->ledger_id.len != MC_LEDGER_ID_BYTES) {
        return false;
    }
    switch (b->kind_case) {
    case MC__TX_BODY__KIND_OPEN_ACCOUNT:
        return key_ok(b->open_account->public_key) &&
               key_list_ok(b->open_account->keepers, b->open_account->n_keepers);
    case MC__TX_BODY__KIND_TRANSFER:
        return key_ok(b->transfer->payer) && key_ok(b->transfer->payee) &&
               (b->transfer->purpose == MC__PURPOSE__PURPOSE_NONE ||
                b->transfer->purpose == MC__PURPOSE__PURPOSE_RECIPROCITY);
    case MC__TX_BODY__KIND_SET_LIMITS:
        return key_ok(b->set_limits->account) && b->set_limits->limits != NULL;
    case MC__TX_BODY__KIND_SET_STATUS:
        return key_ok(b->set_status->account);
    case MC__TX_BODY__KIND_PAYMENT_REQUEST:
        return key_ok(b->payment_request->payee) && key_ok(b->payment_request->payer);
    case MC__TX_BODY__KIND_DECLINE_REQUEST:
    case MC__TX_BODY__KIND_CANCEL_REQUEST:
    case MC__TX_BODY__KIND_REVIEW_CONTRIBUTION:
        return true; /* an id that names nothing is an UNKNOWN_... rule */
    case MC__TX_BODY__KIND_SET_ROLES:
        return roles_ok(b->set_roles);
    case MC__TX_BODY__KIND_SET_FEE:
        return b->set_fee->fee_account.len == 0 || key_ok(b->set_fee->fee_account);
    case MC__TX_BODY__KIND_CONTRIBUTION:
        return contribution_ok(b->contribution);
    case MC__TX_BODY__KIND_DISTRIBUTION:
        return key_ok(b->distribution->commons);
    default:
        return false;
    }
}

/* The key lists of a body: up to MC__TX_KEY_LISTS of them. */
static size_t key_lists(const Mc__TxBody *b, const ProtobufCBinaryData **lists, size_t *counts)
{
    if (b->kind_case == MC__TX_BODY__KIND_OPEN_ACCOUNT) {
        lists[0] = b->open_account->keepers;
        counts[0] = b->open_account->n_keepers;
        return 1;
    }
    if (b->kind_case != MC__TX_BODY__KIND_SET_ROLES) {
        return 0;
    }
    const Mc__SetRoles *r = b->set_roles;
    lists[0] = r->add_stewards, counts[0] = r->n_add_stewards;
    lists[1] = r->remove_stewards, counts[1] = r->n_remove_stewards;
    lists[2] = r->add_auditors, counts[2] = r->n_add_auditors;
    lists[3] = r->remove_auditors, counts[3] = r->n_remove_auditors;
    return 4;
}

int mc__tx_flatten(mc_tx *tx)
{
    const ProtobufCBinaryData *lists[MC__TX_KEY_LISTS];
    size_t counts[MC__TX_KEY_LISTS], total = 0;
    size_t n = key_lists(tx->decoded, lists, counts);
    for (size_t i = 0; i < n; i++) {
        total += counts[i];
    }
    if (total == 0) {
        return MC_ERR_OK;
    }
    tx->flat = malloc(total * sizeof *tx->flat);
    if (tx->flat == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        tx->lists[i][0] = at;
        tx->lists[i][1] = counts[i];
        for (size_t k = 0; k < counts[i]; k++) {
            memcpy(tx->flat[at++], lists[i][k].data, MC_PUBLIC_KEY_BYTES);
        }
    }
    return MC_ERR_OK;
}

static mc_keys list_of(const mc_tx *tx, size_t i)
{
    mc_keys k = {NULL, tx->lists[i][1]};
    if (k.count > 0) {
        k.keys = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])tx->flat + tx->lists[i][0];
    }
    return k;
}

static mc_limits limits_of(const Mc__Limits *l)
{
    return (mc_limits){l->min_balance, l->max_balance};
}

static void view_account_ops(const mc_tx *tx, mc_tx_view *out)
{
    const Mc__TxBody *b = tx->decoded;
    if (b->kind_case == MC__TX_BODY__KIND_OPEN_ACCOUNT) {
        out->u.open_account.public_key = b->open_account->public_key.data;
        out->u.open_account.handle = b->open_account->handle.data;
        out->u.open_account.handle_len = b->open_account->handle.len;
        out->u.open_account.kind = (int)b->open_account->kind;
        out->u.open_account.has_limits = b->open_account->limits != NULL;
        if (b->open_account->limits != NULL) {
            out->u.open_account.limits = limits_of(b->open_account->limits);
        }
        out->u.open_account.keepers = list_of(tx, 0);
        out->u.open_account.keeper_quorum = b->open_account->keeper_quorum;
    } else if (b->kind_case == MC__TX_BODY__KIND_SET_LIMITS) {
        out->u.set_limits.account = b->set_limits->account.data;
        out->u.set_limits.limits = limits_of(b->set_limits->limits);
    } else {
        out->u.set_status.account = b->set_status->account.data;
        out->u.set_status.status = (int)b->set_status->status;
    }
}

static void view_payments(const Mc__TxBody *b, mc_tx_view *out)
{
    if (b->kind_case == MC__TX_BODY__KIND_TRANSFER) {
        const Mc__Transfer *t = b->transfer;
        out->u.transfer.payer = t->payer.data;
        out->u.transfer.payee = t->payee.data;
        out->u.transfer.amount = t->amount;
        out->u.transfer.memo = t->memo.data;
        out->u.transfer.memo_len = t->memo.len;
        out->u.transfer.request_id = t->request_id.len ? t->request_id.data : NULL;
        out->u.transfer.request_id_len = t->request_id.len;
        out->u.transfer.purpose = (mc_purpose)t->purpose;
    } else if (b->kind_case == MC__TX_BODY__KIND_PAYMENT_REQUEST) {
        const Mc__PaymentRequest *p = b->payment_request;
        out->u.payment_request.payee = p->payee.data;
        out->u.payment_request.payer = p->payer.data;
        out->u.payment_request.amount = p->amount;
        out->u.payment_request.memo = p->memo.data;
        out->u.payment_request.memo_len = p->memo.len;
    } else {
        const ProtobufCBinaryData *id = b->kind_case == MC__TX_BODY__KIND_DECLINE_REQUEST
                                            ? &b->decline_request->request_id
                                            : &b->cancel_request->request_id;
        out->u.close_request.request_id = id->data;
        out->u.close_request.request_id_len = id->len;
    }
}

static void view_commons(const Mc__TxBody *b, mc_tx_view *out)
{
    if (b->kind_case == MC__TX_BODY__KIND_CONTRIBUTION) {
        const Mc__Contribution *c = b->contribution;
        out->u.contribution.commons = c->commons.data;
        out->u.contribution.contributor = c->contributor.data;
        out->u.contribution.weight = c->weight;
        out->u.contribution.description = c->description.data;
        out->u.contribution.description_len = c->description.len;
        out->u.contribution.evidence = c->evidence.len ? c->evidence.data : NULL;
    } else if (b->kind_case == MC__TX_BODY__KIND_REVIEW_CONTRIBUTION) {
        out->u.review.contribution_id = b->review_contribution->contribution_id.data;
        out->u.review.contribution_id_len = b->review_contribution->contribution_id.len;
        out->u.review.approve = b->review_contribution->approve;
    } else {
        const Mc__Distribution *d = b->distribution;
        out->u.distribution.commons = d->commons.data;
        out->u.distribution.share_bps = d->share_bps;
        out->u.distribution.amount = d->amount;
        out->u.distribution.cap = d->cap;
    }
}

static void view_governance(const mc_tx *tx, mc_tx_view *out)
{
    const Mc__TxBody *b = tx->decoded;
    if (b->kind_case == MC__TX_BODY__KIND_SET_ROLES) {
        out->u.set_roles.add_stewards = list_of(tx, 0);
        out->u.set_roles.remove_stewards = list_of(tx, 1);
        out->u.set_roles.add_auditors = list_of(tx, 2);
        out->u.set_roles.remove_auditors = list_of(tx, 3);
        out->u.set_roles.quorum = b->set_roles->quorum;
    } else {
        out->u.set_fee.fee_bps = b->set_fee->fee_bps;
        out->u.set_fee.fee_account =
            b->set_fee->fee_account.len ? b->set_fee->fee_account.data : NULL;
    }
}

void mc_tx_view_of(const mc_tx *tx, mc_tx_view *out)
{
    const Mc__TxBody *b = tx->decoded;
    memset(out, 0, sizeof *out);
    out->ledger_id = b->ledger_id.data;
    out->nonce = b->nonce;
    out->not_after = b->not_after;
    out->kind = (mc_tx_kind)b->kind_case;
    switch (out->kind) {
    case MC_TX_OPEN_ACCOUNT:
    case MC_TX_SET_LIMITS:
    case MC_TX_SET_STATUS:
        view_account_ops(tx, out);
        break;
    case MC_TX_TRANSFER:
    case MC_TX_PAYMENT_REQUEST:
    case MC_TX_DECLINE_REQUEST:
    case MC_TX_CANCEL_REQUEST:
        view_payments(b, out);
        break;
    case MC_TX_SET_ROLES:
    case MC_TX_SET_FEE:
        view_governance(tx, out);
        break;
    case MC_TX_CONTRIBUTION:
    case MC_TX_REVIEW_CONTRIBUTION:
    case MC_TX_DISTRIBUTION:
        view_commons(b, out);
        break;
    }
}
