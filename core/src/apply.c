/* The ledger state machine: one transaction at a time inside the batch's
 * write transaction. Every rule is checked, in the order documented in
 * mc/ledger.h, before anything is written, so a refusal leaves no trace. */
#include <string.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "ledger_internal.h"
#include "mc_assert.h"

/* Record a refusal concerning account `a` (may be NULL). */
static int refuse(mc_result *r, int code, const mc_account *a)
{
    r->code = code;
    if (a != NULL) {
        r->has_account = true;
        memcpy(r->account, a->public_key, MC_PUBLIC_KEY_BYTES);
        memcpy(r->handle, a->handle, sizeof r->handle);
        r->balance = a->balance;
    }
    return MC_ERR_OK;
}

static void refuse_key(mc_result *r, int code, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    r->code = code;
    r->has_account = true;
    memcpy(r->account, key, MC_PUBLIC_KEY_BYTES);
}

/* The steward rule: every signer is a steward (or `also`, when not NULL),
 * and at least `quorum` stewards signed. Returns the rule's code. */
static int steward_rule(const mc__apply_ctx *ctx, const mc_tx *tx, const uint8_t *also,
                        mc_result *r)
{
    const Mc__LedgerConfig *config = ctx->ledger->config;
    unsigned stewards = 0;
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (mc__config_is_steward(config, tx->keys[i])) {
            stewards++;
        } else if (also == NULL || memcmp(also, tx->keys[i], MC_PUBLIC_KEY_BYTES) != 0) {
            refuse_key(r, MC_ERR_NOT_A_STEWARD, tx->keys[i]);
            return r->code;
        }
    }
    if (stewards < config->quorum) {
        r->code = MC_ERR_QUORUM_NOT_MET;
        r->amount = stewards;
        r->limit = config->quorum;
        return r->code;
    }
    return MC_ERR_OK;
}

/* Load an account that a rule needs: OK, NOT_FOUND (refused with
 * `unknown`), or a storage error. */
static int load_or_refuse(mc__apply_ctx *ctx, const uint8_t key[32], int unknown, mc_account *a,
                          mc_result *r)
{
    int rc = mc__account_load(&ctx->ledger->store, ctx->txn, key, a);
    if (rc == MC_ERR_NOT_FOUND) {
        refuse_key(r, unknown, key);
    }
    return rc;
}

static int status_refusal(const mc_account *a, int closed, int frozen)
{
    if (a->status == MC_STATUS_CLOSED) {
        return closed;
    }
    return a->status == MC_STATUS_FROZEN ? frozen : MC_ERR_OK;
}

/* The rules on a payment's parties, amount and memo that need no account:
 * SELF_TRANSFER, AMOUNT_NOT_POSITIVE, MEMO_TOO_LONG, MEMO_NOT_UTF8. */
static int payment_stateless(const uint8_t *payer, const uint8_t *payee, int64_t amount,
                             const uint8_t *memo, size_t memo_len, mc_result *r)
{
    r->amount = amount;
    if (memcmp(payer, payee, MC_PUBLIC_KEY_BYTES) == 0) {
        return refuse(r, MC_ERR_SELF_TRANSFER, NULL), r->code;
    }
    if (amount <= 0) {
        return refuse(r, MC_ERR_AMOUNT_NOT_POSITIVE, NULL), r->code;
    }
    if (memo_len > MC_MEMO_LEN_MAX) {
        return refuse(r, MC_ERR_MEMO_TOO_LONG, NULL), r->code;
    }
    if (!mc_utf8_is_valid(memo, memo_len)) {
        return refuse(r, MC_ERR_MEMO_NOT_UTF8, NULL), r->code;
    }
    return MC_ERR_OK;
}

/* Load both parties: UNKNOWN_PAYER, UNKNOWN_PAYEE (in r->code), or a
 * storage error. */
static int load_parties(mc__apply_ctx *ctx, const uint8_t *payer_key, const uint8_t *payee_key,
                        mc_account *payer, mc_account *payee, mc_result *r)
{
    int rc = load_or_refuse(ctx, payer_key, MC_ERR_UNKNOWN_PAYER, payer, r);
    if (rc == MC_ERR_OK) {
        rc = load_or_refuse(ctx, payee_key, MC_ERR_UNKNOWN_PAYEE, payee, r);
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
    int code = status_refusal(payer, MC_ERR_PAYER_CLOSED, MC_ERR_PAYER_FROZEN);
    if (code != MC_ERR_OK) {
        return refuse(r, code, payer), code;
    }
    code = status_refusal(payee, MC_ERR_PAYEE_CLOSED, MC_ERR_PAYEE_FROZEN);
    if (code != MC_ERR_OK) {
        return refuse(r, code, payee), code;
    }
    return MC_ERR_OK;
}

static int transfer_signers(const mc__apply_ctx *ctx, const mc_tx *tx, const mc_account *payer,
                            mc_result *r)
{
    if (payer->kind == MC_KIND_SYSTEM) {
        if (steward_rule(ctx, tx, NULL, r) != MC_ERR_OK) {
            return r->code;
        }
        return MC_ERR_OK;
    }
    if (!mc__tx_signed_by(tx, payer->public_key)) {
        return refuse(r, MC_ERR_MISSING_SIGNATURE, payer), r->code;
    }
    if (tx->sig_count != 1) {
        for (size_t i = 0; i < tx->sig_count; i++) {
            if (memcmp(tx->keys[i], payer->public_key, MC_PUBLIC_KEY_BYTES) != 0) {
                refuse_key(r, MC_ERR_UNEXPECTED_SIGNER, tx->keys[i]);
                return r->code;
            }
        }
    }
    return MC_ERR_OK;
}

/* Balances after the transfer, or a refusal. */
static int transfer_balances(const mc_account *payer, const mc_account *payee, int64_t amount,
                             int64_t *payer_after, int64_t *payee_after, mc_result *r)
{
    if (mc__status_rules(payer, payee, r) != MC_ERR_OK) {
        return r->code;
    }
    if (mc_amount_sub(payer->balance, amount, payer_after) != MC_ERR_OK) {
        return refuse(r, MC_ERR_AMOUNT_OVERFLOW, payer), r->code;
    }
    if (mc_amount_add(payee->balance, amount, payee_after) != MC_ERR_OK) {
        return refuse(r, MC_ERR_AMOUNT_OVERFLOW, payee), r->code;
    }
    if (*payer_after < payer->limits.min_balance) {
        refuse(r, MC_ERR_EXCEEDS_CREDIT_LIMIT, payer);
        r->limit = payer->limits.min_balance;
        return r->code;
    }
    if (*payee_after > payee->limits.max_balance) {
        refuse(r, MC_ERR_EXCEEDS_CEILING, payee);
        r->limit = payee->limits.max_balance;
        return r->code;
    }
    return MC_ERR_OK;
}

/* Everything a transfer's rules decide, in their documented order. */
static int transfer_rules(mc__apply_ctx *ctx, const mc_tx *tx, mc_request *request,
                          mc_account *payer, mc_account *payee, mc_result *r)
{
    const Mc__Transfer *t = tx->decoded->transfer;
    if (payment_stateless(t->payer.data, t->payee.data, t->amount, t->memo.data, t->memo.len, r) !=
        MC_ERR_OK) {
        return MC_ERR_OK;
    }
    if (t->request_id.len != 0) {
        int rc = mc__transfer_request_rules(ctx, t, request, r);
        if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
            return rc;
        }
    }
    int rc = load_parties(ctx, t->payer.data, t->payee.data, payer, payee, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
        return rc;
    }
    int64_t payer_after, payee_after;
    if (transfer_signers(ctx, tx, payer, r) != MC_ERR_OK ||
        transfer_balances(payer, payee, t->amount, &payer_after, &payee_after, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    payer->balance = payer_after;
    payee->balance = payee_after;
    return MC_ERR_OK;
}

static int apply_transfer(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__Transfer *t = tx->decoded->transfer;
    mc__store *s = &ctx->ledger->store;
    mc_account payer, payee;
    mc_request request;
    int rc = transfer_rules(ctx, tx, &request, &payer, &payee, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
        return rc;
    }
    uint64_t height = ctx->height + 1;
    payer.last_debit_height = height;
    payee.last_credit_height = height;
    rc = mc__account_save(s, ctx->txn, &payer);
    if (rc == MC_ERR_OK) {
        rc = mc__account_save(s, ctx->txn, &payee);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &payer, height, -t->amount);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &payee, height, t->amount);
    }
    if (rc == MC_ERR_OK && t->request_id.len != 0) {
        rc = mc__request_close(ctx, &request, MC_REQUEST_PAID, tx->tx_id);
    }
    return rc;
}

static int open_rules(mc__apply_ctx *ctx, const mc_tx *tx, mc_account *a, mc_result *r)
{
    const Mc__OpenAccount *o = tx->decoded->open_account;
    if (!mc_handle_is_valid(o->handle.data, o->handle.len)) {
        return refuse(r, MC_ERR_HANDLE_INVALID, NULL), r->code;
    }
    if ((int)o->kind < MC_KIND_MEMBER || (int)o->kind > MC_KIND_SYSTEM) {
        return refuse(r, MC_ERR_KIND_INVALID, NULL), r->code;
    }
    memset(a, 0, sizeof *a);
    memcpy(a->public_key, o->public_key.data, MC_PUBLIC_KEY_BYTES);
    memcpy(a->handle, o->handle.data, o->handle.len);
    a->kind = (mc_account_kind)o->kind;
    if (o->limits != NULL) {
        a->limits = (mc_limits){o->limits->min_balance, o->limits->max_balance};
    } else if (mc__config_default_limits(ctx->ledger->config, (int)o->kind, &a->limits) !=
               MC_ERR_OK) {
        return refuse(r, MC_ERR_KIND_INVALID, NULL), r->code;
    }
    if (!mc__limits_valid(&a->limits)) {
        r->amount = a->limits.min_balance;
        r->limit = a->limits.max_balance;
        return refuse(r, MC_ERR_LIMITS_INVALID, NULL), r->code;
    }
    return steward_rule(ctx, tx, a->public_key, r);
}

static int apply_open(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    mc__store *s = &ctx->ledger->store;
    mc_account a, existing;
    MDB_val v;
    if (open_rules(ctx, tx, &a, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    int rc = mc__account_load(s, ctx->txn, a.public_key, &existing);
    if (rc == MC_ERR_OK) {
        return refuse(r, MC_ERR_ACCOUNT_EXISTS, &existing);
    }
    if (rc != MC_ERR_NOT_FOUND) {
        return rc;
    }
    size_t handle_len = strlen(a.handle);
    rc = mc__store_get(s, ctx->txn, s->handles, a.handle, handle_len, &v);
    if (rc == MC_ERR_OK) {
        refuse_key(r, MC_ERR_HANDLE_TAKEN, v.mv_data);
        memcpy(r->handle, a.handle, sizeof r->handle);
        return MC_ERR_OK;
    }
    if (rc != MC_ERR_NOT_FOUND) {
        return rc;
    }
    uint64_t height = ctx->height + 1;
    a.status = MC_STATUS_ACTIVE;
    a.opened_height = height;
    a.limits_height = height;
    a.joined = mc__tx_signed_by(tx, a.public_key);
    rc = mc__account_save(s, ctx->txn, &a);
    if (rc == MC_ERR_OK) {
        rc = mc__store_put(s, ctx->txn, s->handles, a.handle, handle_len, a.public_key,
                           MC_PUBLIC_KEY_BYTES, MDB_NOOVERWRITE);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &a, height, 0);
    }
    return rc;
}

/* Load the target of a steward operation that must exist and be open. */
static int load_target(mc__apply_ctx *ctx, const uint8_t key[32], mc_account *a, mc_result *r)
{
    int rc = load_or_refuse(ctx, key, MC_ERR_UNKNOWN_ACCOUNT, a, r);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (a->status == MC_STATUS_CLOSED) {
        refuse(r, MC_ERR_ACCOUNT_CLOSED, a);
        return MC_ERR_NOT_FOUND; /* refused: stop here */
    }
    return MC_ERR_OK;
}

static int apply_set_limits(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__SetLimits *sl = tx->decoded->set_limits;
    mc_limits limits = {sl->limits->min_balance, sl->limits->max_balance};
    mc_account a;
    if (!mc__limits_valid(&limits)) {
        r->amount = limits.min_balance;
        r->limit = limits.max_balance;
        return refuse(r, MC_ERR_LIMITS_INVALID, NULL);
    }
    if (steward_rule(ctx, tx, NULL, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    int rc = load_target(ctx, sl->account.data, &a, r);
    if (rc != MC_ERR_OK) {
        return rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
    }
    uint64_t height = ctx->height + 1;
    a.limits = limits;
    a.limits_height = height;
    rc = mc__account_save(&ctx->ledger->store, ctx->txn, &a);
    return rc == MC_ERR_OK ? mc__history_add(ctx, &a, height, 0) : rc;
}

static int apply_set_status(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__SetStatus *ss = tx->decoded->set_status;
    mc_account a;
    if ((int)ss->status < MC_STATUS_ACTIVE || (int)ss->status > MC_STATUS_CLOSED) {
        return refuse(r, MC_ERR_STATUS_INVALID, NULL);
    }
    if (steward_rule(ctx, tx, NULL, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    int rc = load_target(ctx, ss->account.data, &a, r);
    if (rc != MC_ERR_OK) {
        return rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
    }
    if ((int)a.status == (int)ss->status) {
        return refuse(r, MC_ERR_STATUS_UNCHANGED, &a);
    }
    if ((int)ss->status == MC_STATUS_CLOSED && a.balance != 0) {
        return refuse(r, MC_ERR_CLOSE_NONZERO_BALANCE, &a);
    }
    uint64_t height = ctx->height + 1;
    a.status = (mc_account_status)ss->status;
    rc = mc__account_save(&ctx->ledger->store, ctx->txn, &a);
    return rc == MC_ERR_OK ? mc__history_add(ctx, &a, height, 0) : rc;
}

/* Rules common to every kind. Returns 1 when the answer is already known
 * (refused or duplicate), 0 to go on, or a negative... storage error via *rc. */
static int common_rules(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r, int *rc)
{
    mc__store *s = &ctx->ledger->store;
    MDB_val v;
    *rc = MC_ERR_OK;
    if (!tx->verified) {
        return refuse(r, MC_ERR_NOT_VERIFIED, NULL), 1;
    }
    if (memcmp(tx->decoded->ledger_id.data, ctx->ledger->ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        return refuse(r, MC_ERR_WRONG_LEDGER, NULL), 1;
    }
    *rc = mc__store_get(s, ctx->txn, s->txids, tx->tx_id, MC_TX_ID_BYTES, &v);
    if (*rc == MC_ERR_OK) {
        if (v.mv_size != 8) {
            *rc = MC_ERR_CORRUPT;
            return 1;
        }
        r->code = MC_ERR_OK;
        r->duplicate = true;
        r->height = mc__be_u64(v.mv_data);
        return 1;
    }
    if (*rc != MC_ERR_NOT_FOUND) {
        return 1;
    }
    *rc = MC_ERR_OK;
    if (tx->decoded->not_after != 0 && ctx->now > tx->decoded->not_after) {
        return refuse(r, MC_ERR_EXPIRED, NULL), 1;
    }
    return 0;
}

int mc__apply_one(mc__apply_ctx *ctx, mc_tx *tx, mc_result *r)
{
    memset(r, 0, sizeof *r);
    memcpy(r->tx_id, tx->tx_id, MC_TX_ID_BYTES);
    int rc;
    if (common_rules(ctx, tx, r, &rc)) {
        return rc;
    }
    switch (tx->decoded->kind_case) {
    case MC__TX_BODY__KIND_TRANSFER:
        rc = apply_transfer(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_OPEN_ACCOUNT:
        rc = apply_open(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_SET_LIMITS:
        rc = apply_set_limits(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_SET_STATUS:
        rc = apply_set_status(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_PAYMENT_REQUEST:
        rc = mc__apply_payment_request(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_DECLINE_REQUEST:
    case MC__TX_BODY__KIND_CANCEL_REQUEST:
        rc = mc__apply_close_request(ctx, tx, r);
        break;
    default:
        /* mc_tx_decode admits only the kinds above. */
        MC_ASSERT(tx->decoded->kind_case == MC__TX_BODY__KIND_TRANSFER);
        return MC_ERR_MALFORMED;
    }
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
        return rc;
    }
    uint64_t height = ctx->height + 1;
    rc = mc__log_append(ctx, tx, height);
    if (rc == MC_ERR_OK) {
        ctx->height = height;
        r->height = height;
    }
    return rc;
}
