/* The ledger state machine: one transaction at a time inside the batch's
 * write transaction. Every rule is checked, in the order documented in
 * mc/ledger.h, before anything is written, so a refusal leaves no trace. */
#include <string.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "ledger_internal.h"
#include "mc_assert.h"

/* Record a refusal concerning account `a` (may be NULL). */
int mc__refuse(mc_result *r, int code, const mc_account *a)
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

void mc__refuse_key(mc_result *r, int code, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    r->code = code;
    r->has_account = true;
    memcpy(r->account, key, MC_PUBLIC_KEY_BYTES);
}

/* The steward rule: every signer is a steward (or `also`, when not NULL),
 * and at least `quorum` stewards signed. Returns the rule's code. */
int mc__steward_rule(const mc__apply_ctx *ctx, const mc_tx *tx, const uint8_t *also, mc_result *r)
{
    const mc__config *config = &ctx->config;
    unsigned stewards = 0;
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (mc__config_is_steward(config, tx->keys[i])) {
            stewards++;
        } else if (also == NULL || memcmp(also, tx->keys[i], MC_PUBLIC_KEY_BYTES) != 0) {
            mc__refuse_key(r, MC_ERR_NOT_A_STEWARD, tx->keys[i]);
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
int mc__load_or_refuse(mc__apply_ctx *ctx, const uint8_t key[MC_PUBLIC_KEY_BYTES], int unknown,
                       mc_account *a, mc_result *r)
{
    int rc = mc__account_load(&ctx->ledger->store, ctx->txn, key, a);
    if (rc == MC_ERR_NOT_FOUND) {
        mc__refuse_key(r, unknown, key);
    }
    return rc;
}

int mc__status_refusal(const mc_account *a, int closed, int frozen)
{
    if (a->status == MC_STATUS_CLOSED) {
        return closed;
    }
    return a->status == MC_STATUS_FROZEN ? frozen : MC_ERR_OK;
}

/* A commons' keepers: distinct keys, at most MC_KEEPERS_MAX, a quorum of 1
 * to their number (of 1 for none: the commons' own key); nobody else has
 * keepers. */
static bool keepers_valid(const Mc__OpenAccount *o)
{
    size_t n = o->n_keepers;
    unsigned quorum = o->keeper_quorum == 0 ? 1 : o->keeper_quorum;
    if ((n > 0 || o->keeper_quorum != 0) && o->kind != MC__ACCOUNT_KIND__ACCOUNT_KIND_COMMONS) {
        return false;
    }
    if (n > MC_KEEPERS_MAX || quorum > (n == 0 ? 1 : n)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (memcmp(o->keepers[i].data, o->keepers[j].data, MC_PUBLIC_KEY_BYTES) == 0) {
                return false;
            }
        }
    }
    return true;
}

static int open_rules(mc__apply_ctx *ctx, const mc_tx *tx, mc_account *a, mc_result *r)
{
    const Mc__OpenAccount *o = tx->decoded->open_account;
    if (!mc_handle_is_valid(o->handle.data, o->handle.len)) {
        return mc__refuse(r, MC_ERR_HANDLE_INVALID, NULL), r->code;
    }
    if ((int)o->kind < MC_KIND_MEMBER || (int)o->kind > MC_KIND_SYSTEM) {
        return mc__refuse(r, MC_ERR_KIND_INVALID, NULL), r->code;
    }
    memset(a, 0, sizeof *a);
    memcpy(a->public_key, o->public_key.data, MC_PUBLIC_KEY_BYTES);
    memcpy(a->handle, o->handle.data, o->handle.len);
    a->kind = (mc_account_kind)o->kind;
    a->limits = o->limits != NULL ? (mc_limits){o->limits->min_balance, o->limits->max_balance}
                                  : ctx->config.default_limits[o->kind - 1];
    if (!mc__limits_valid(&a->limits)) {
        r->amount = a->limits.min_balance;
        r->limit = a->limits.max_balance;
        return mc__refuse(r, MC_ERR_LIMITS_INVALID, NULL), r->code;
    }
    if (!keepers_valid(o)) {
        return mc__refuse(r, MC_ERR_KEEPERS_INVALID, NULL), r->code;
    }
    for (size_t i = 0; i < o->n_keepers; i++) {
        memcpy(a->keepers[i], o->keepers[i].data, MC_PUBLIC_KEY_BYTES);
    }
    a->keeper_count = o->n_keepers;
    /* Stored as mc_account says: 1..keepers when there are keepers, else 0. */
    a->keeper_quorum = o->n_keepers == 0 ? 0 : o->keeper_quorum == 0 ? 1 : o->keeper_quorum;
    return mc__steward_rule(ctx, tx, a->public_key, r);
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
        return mc__refuse(r, MC_ERR_ACCOUNT_EXISTS, &existing);
    }
    if (rc != MC_ERR_NOT_FOUND) {
        return rc;
    }
    size_t handle_len = strlen(a.handle);
    rc = mc__store_get(s, ctx->txn, s->handles, a.handle, handle_len, &v);
    if (rc == MC_ERR_OK) {
        mc__refuse_key(r, MC_ERR_HANDLE_TAKEN, v.mv_data);
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
static int load_target(mc__apply_ctx *ctx, const uint8_t key[MC_PUBLIC_KEY_BYTES], mc_account *a,
                       mc_result *r)
{
    int rc = mc__load_or_refuse(ctx, key, MC_ERR_UNKNOWN_ACCOUNT, a, r);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (a->status == MC_STATUS_CLOSED) {
        mc__refuse(r, MC_ERR_ACCOUNT_CLOSED, a);
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
        return mc__refuse(r, MC_ERR_LIMITS_INVALID, NULL);
    }
    if (mc__steward_rule(ctx, tx, NULL, r) != MC_ERR_OK) {
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
        return mc__refuse(r, MC_ERR_STATUS_INVALID, NULL);
    }
    if (mc__steward_rule(ctx, tx, NULL, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    int rc = load_target(ctx, ss->account.data, &a, r);
    if (rc != MC_ERR_OK) {
        return rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
    }
    if ((int)a.status == (int)ss->status) {
        return mc__refuse(r, MC_ERR_STATUS_UNCHANGED, &a);
    }
    if ((int)ss->status == MC_STATUS_CLOSED && a.balance != 0) {
        return mc__refuse(r, MC_ERR_CLOSE_NONZERO_BALANCE, &a);
    }
    uint64_t height = ctx->height + 1;
    a.status = (mc_account_status)ss->status;
    rc = mc__account_save(&ctx->ledger->store, ctx->txn, &a);
    return rc == MC_ERR_OK ? mc__history_add(ctx, &a, height, 0) : rc;
}

/* Rules common to every kind. Returns 1 when the answer is known (refused,
 * duplicate, or a storage error in *rc), 0 to go on. */
static int common_rules(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r, int *rc)
{
    mc__store *s = &ctx->ledger->store;
    MDB_val v;
    *rc = MC_ERR_OK;
    if (!tx->verified) {
        return mc__refuse(r, MC_ERR_NOT_VERIFIED, NULL), 1;
    }
    if (memcmp(tx->decoded->ledger_id.data, ctx->ledger->ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        return mc__refuse(r, MC_ERR_WRONG_LEDGER, NULL), 1;
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
        return mc__refuse(r, MC_ERR_EXPIRED, NULL), 1;
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
        rc = mc__apply_transfer(ctx, tx, r);
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
    case MC__TX_BODY__KIND_SET_ROLES:
        rc = mc__apply_set_roles(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_SET_FEE:
        rc = mc__apply_set_fee(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_CONTRIBUTION:
        rc = mc__apply_contribution(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_REVIEW_CONTRIBUTION:
        rc = mc__apply_review(ctx, tx, r);
        break;
    case MC__TX_BODY__KIND_DISTRIBUTION:
        rc = mc__apply_distribution(ctx, tx, r);
        break;
    default:
        /* mc_tx_decode admits only the kinds above. */
        MC_ASSERT(tx->decoded->kind_case == MC__TX_BODY__KIND_TRANSFER);
        return MC_ERR_MALFORMED;
    }
    if (rc == MC_ERR_OK && r->code == MC_ERR_OK) {
        uint64_t height = ctx->height + 1;
        rc = mc__log_append(ctx, tx, height);
        if (rc == MC_ERR_OK) {
            ctx->height = height;
            r->height = height;
        }
    }
    mc__round_done(ctx);
    return rc;
}
