/* Transfers, in the order of their rules (mc/ledger.h): the checks that
 * need no account, a payment request it pays, the parties, the purpose, who
 * signs (the payer; the stewards for a SYSTEM payer; the keepers of a
 * commons opened with keepers), the statuses, the fee to the community's
 * SYSTEM account, the limits. Shared with payment requests: the checks on
 * parties, amount and memo, and the statuses. */
#include <string.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "ledger_internal.h"

/* The rules on a payment's parties, amount and memo that need no account:
 * SELF_TRANSFER, AMOUNT_NOT_POSITIVE, MEMO_TOO_LONG, MEMO_NOT_UTF8. */
static int payment_stateless(const uint8_t *payer, const uint8_t *payee, int64_t amount,
                             const uint8_t *memo, size_t memo_len, mc_result *r)
{
    r->amount = amount;
    if (memcmp(payer, payee, MC_PUBLIC_KEY_BYTES) == 0) {
        return mc__refuse(r, MC_ERR_SELF_TRANSFER, NULL), r->code;
    }
    if (amount <= 0) {
        return mc__refuse(r, MC_ERR_AMOUNT_NOT_POSITIVE, NULL), r->code;
    }
    if (memo_len > MC_MEMO_LEN_MAX) {
        return mc__refuse(r, MC_ERR_MEMO_TOO_LONG, NULL), r->code;
    }
    if (!mc_utf8_is_valid(memo, memo_len)) {
        return mc__refuse(r, MC_ERR_MEMO_NOT_UTF8, NULL), r->code;
    }
    return MC_ERR_OK;
}

/* Load both parties: UNKNOWN_PAYER, UNKNOWN_PAYEE (in r->code), or a
 * storage error. */
static int load_parties(mc__apply_ctx *ctx, const uint8_t *payer_key, const uint8_t *payee_key,
                        mc_account *payer, mc_account *payee, mc_result *r)
{
    int rc = mc__load_or_refuse(ctx, payer_key, MC_ERR_UNKNOWN_PAYER, payer, r);
    if (rc == MC_ERR_OK) {
        rc = mc__load_or_refuse(ctx, payee_key, MC_ERR_UNKNOWN_PAYEE, payee, r);
    }
    return rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
}

int mc__party_rules(mc__apply_ctx *ctx, const uint8_t *payer_key, const uint8_t *payee_key,
                    int64_t amount, const uint8_t *memo, size_t memo_len, mc_account *payer,
                    mc_account *payee, mc_result *r)
{
    if (payment_stateless(payer_key, payee_key, amount, memo, memo_len, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    return load_parties(ctx, payer_key, payee_key, payer, payee, r);
}

int mc__status_rules(const mc_account *payer, const mc_account *payee, mc_result *r)
{
    int code = mc__status_refusal(payer, MC_ERR_PAYER_CLOSED, MC_ERR_PAYER_FROZEN);
    if (code != MC_ERR_OK) {
        return mc__refuse(r, code, payer), code;
    }
    code = mc__status_refusal(payee, MC_ERR_PAYEE_CLOSED, MC_ERR_PAYEE_FROZEN);
    if (code != MC_ERR_OK) {
        return mc__refuse(r, code, payee), code;
    }
    return MC_ERR_OK;
}

/* Only `key` signed (MISSING_SIGNATURE, UNEXPECTED_SIGNER). */
int mc__sole_signer(const mc_tx *tx, const mc_account *a, mc_result *r)
{
    if (!mc__tx_signed_by(tx, a->public_key)) {
        return mc__refuse(r, MC_ERR_MISSING_SIGNATURE, a), r->code;
    }
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (memcmp(tx->keys[i], a->public_key, MC_PUBLIC_KEY_BYTES) != 0) {
            mc__refuse_key(r, MC_ERR_UNEXPECTED_SIGNER, tx->keys[i]);
            return r->code;
        }
    }
    return MC_ERR_OK;
}

static int transfer_signers(const mc__apply_ctx *ctx, const mc_tx *tx, const mc_account *payer,
                            mc_result *r)
{
    if (payer->kind == MC_KIND_SYSTEM) {
        return mc__steward_rule(ctx, tx, NULL, r);
    }
    if (payer->kind == MC_KIND_COMMONS && payer->keeper_count > 0) {
        return mc__keeper_rule(tx, payer, r);
    }
    return mc__sole_signer(tx, payer, r);
}

/* What a transfer moves: the payer's, payee's and fee account's balances
 * after it. */
typedef struct transfer_plan {
    mc_account payer, payee, fee_account;
    int64_t fee;
    bool has_fee;
} transfer_plan;

/* The fee of `amount` (fee_bps of it, rounded down) and its account, which
 * must be an active SYSTEM account; none when it is payer or payee. */
static int fee_rules(mc__apply_ctx *ctx, transfer_plan *p, int64_t amount, mc_result *r)
{
    const mc__config *c = &ctx->config;
    if (c->fee_bps == 0 ||
        (c->has_fee_account &&
         (memcmp(c->fee_account, p->payer.public_key, MC_PUBLIC_KEY_BYTES) == 0 ||
          memcmp(c->fee_account, p->payee.public_key, MC_PUBLIC_KEY_BYTES) == 0))) {
        return MC_ERR_OK;
    }
    __extension__ unsigned __int128 fee = (unsigned __int128)amount * c->fee_bps / 10000u;
    p->fee = (int64_t)fee; /* <= amount / 10 */
    r->fee = p->fee;
    /* Checked even when the fee rounds to 0: whether a payment goes through
     * must not depend on its size while the fee account is unavailable. */
    int rc = c->has_fee_account
                 ? mc__account_load(&ctx->ledger->store, ctx->txn, c->fee_account, &p->fee_account)
                 : MC_ERR_NOT_FOUND;
    if (rc == MC_ERR_NOT_FOUND ||
        (rc == MC_ERR_OK &&
         (p->fee_account.kind != MC_KIND_SYSTEM || p->fee_account.status != MC_STATUS_ACTIVE))) {
        if (rc == MC_ERR_OK) {
            mc__refuse(r, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, &p->fee_account);
        } else if (c->has_fee_account) {
            mc__refuse_key(r, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, c->fee_account);
        } else {
            mc__refuse(r, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, NULL);
        }
        r->amount = p->fee;
        return MC_ERR_OK;
    }
    p->has_fee = rc == MC_ERR_OK && p->fee > 0;
    return rc;
}

/* Balances after the transfer and its fee, or a refusal. */
static int transfer_balances(transfer_plan *p, int64_t amount, mc_result *r)
{
    int64_t debit = 0, payer_after = 0, payee_after = 0, fee_after = 0;
    if (mc_amount_add(amount, p->fee, &debit) != MC_ERR_OK ||
        mc_amount_sub(p->payer.balance, debit, &payer_after) != MC_ERR_OK) {
        return mc__refuse(r, MC_ERR_AMOUNT_OVERFLOW, &p->payer), r->code;
    }
    if (mc_amount_add(p->payee.balance, amount, &payee_after) != MC_ERR_OK) {
        return mc__refuse(r, MC_ERR_AMOUNT_OVERFLOW, &p->payee), r->code;
    }
    if (p->has_fee && mc_amount_add(p->fee_account.balance, p->fee, &fee_after) != MC_ERR_OK) {
        return mc__refuse(r, MC_ERR_AMOUNT_OVERFLOW, &p->fee_account), r->code;
    }
    if (payer_after < p->payer.limits.min_balance) {
        mc__refuse(r, MC_ERR_EXCEEDS_CREDIT_LIMIT, &p->payer);
        r->limit = p->payer.limits.min_balance;
        return r->code;
    }
    if (payee_after > p->payee.limits.max_balance) {
        mc__refuse(r, MC_ERR_EXCEEDS_CEILING, &p->payee);
        r->limit = p->payee.limits.max_balance;
        return r->code;
    }
    if (p->has_fee && fee_after > p->fee_account.limits.max_balance) {
        mc__refuse(r, MC_ERR_EXCEEDS_CEILING, &p->fee_account);
        r->amount = p->fee;
        r->limit = p->fee_account.limits.max_balance;
        return r->code;
    }
    p->payer.balance = payer_after;
    p->payee.balance = payee_after;
    p->fee_account.balance = fee_after;
    return MC_ERR_OK;
}

/* Everything a transfer's rules decide, in their documented order. */
static int transfer_rules(mc__apply_ctx *ctx, const mc_tx *tx, mc_request *request,
                          transfer_plan *p, mc_result *r)
{
    const Mc__Transfer *t = tx->decoded->transfer;
    if (payment_stateless(t->payer.data, t->payee.data, t->amount, t->memo.data, t->memo.len, r) !=
        MC_ERR_OK) {
        return MC_ERR_OK;
    }
    int rc = MC_ERR_OK;
    if (t->request_id.len != 0) {
        rc = mc__transfer_request_rules(ctx, t, request, r);
        if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
            return rc;
        }
    }
    rc = load_parties(ctx, t->payer.data, t->payee.data, &p->payer, &p->payee, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
        return rc;
    }
    if (t->purpose == MC__PURPOSE__PURPOSE_RECIPROCITY && p->payee.kind != MC_KIND_COMMONS) {
        return mc__refuse(r, MC_ERR_PURPOSE_INVALID, &p->payee);
    }
    if (transfer_signers(ctx, tx, &p->payer, r) != MC_ERR_OK ||
        mc__status_rules(&p->payer, &p->payee, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    rc = fee_rules(ctx, p, t->amount, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
        return rc;
    }
    transfer_balances(p, t->amount, r);
    return MC_ERR_OK;
}

int mc__apply_transfer(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__Transfer *t = tx->decoded->transfer;
    mc__store *s = &ctx->ledger->store;
    transfer_plan p;
    mc_request request;
    memset(&p, 0, sizeof p);
    int rc = transfer_rules(ctx, tx, &request, &p, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
        return rc;
    }
    uint64_t height = ctx->height + 1;
    p.payer.last_debit_height = height;
    p.payee.last_credit_height = height;
    rc = mc__account_save(s, ctx->txn, &p.payer);
    if (rc == MC_ERR_OK) {
        rc = mc__account_save(s, ctx->txn, &p.payee);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &p.payer, height, -(t->amount + p.fee));
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &p.payee, height, t->amount);
    }
    if (rc == MC_ERR_OK && p.has_fee) {
        p.fee_account.last_credit_height = height;
        rc = mc__account_save(s, ctx->txn, &p.fee_account);
        rc = rc == MC_ERR_OK ? mc__history_add(ctx, &p.fee_account, height, p.fee) : rc;
    }
    if (rc == MC_ERR_OK && t->request_id.len != 0) {
        rc = mc__request_close(ctx, &request, MC_REQUEST_PAID, tx->tx_id);
    }
    return rc;
}
