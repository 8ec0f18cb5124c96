/* Governance by the steward quorum: SetRoles (who the stewards and the
 * auditors are, how many stewards must sign) and SetFee (the fee on
 * transfers and the SYSTEM account it goes to). Both change the
 * configuration, which the rest of the batch then uses (ctx->config) and
 * which is stored in `meta` in the batch's transaction. */
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

/* Apply `add` and `remove` to the key list `keys` (count *n, at most max):
 * false when a removed key is absent, an added one present, or a key named
 * twice in the change. */
static bool change_keys(uint8_t (*keys)[MC_PUBLIC_KEY_BYTES], size_t *n, size_t max, mc_keys add,
                        mc_keys remove)
{
    for (size_t i = 0; i < remove.count; i++) {
        size_t at = *n;
        for (size_t k = 0; k < *n; k++) {
            if (memcmp(keys[k], remove.keys[i], MC_PUBLIC_KEY_BYTES) == 0) {
                at = k;
            }
        }
        if (at == *n) {
            return false; /* not there (or removed twice) */
        }
        memmove(keys[at], keys[at + 1], (*n - at - 1) * MC_PUBLIC_KEY_BYTES);
        (*n)--;
    }
    for (size_t i = 0; i < add.count; i++) {
        for (size_t k = 0; k < *n; k++) {
            if (memcmp(keys[k], add.keys[i], MC_PUBLIC_KEY_BYTES) == 0) {
                return false; /* there already (or added twice) */
            }
        }
        if (*n >= max) {
            return false;
        }
        memcpy(keys[(*n)++], add.keys[i], MC_PUBLIC_KEY_BYTES);
    }
    return true;
}

/* Whether some key appears twice among the change's four lists (removed
 * and added again, or named as steward and auditor in one change). */
static bool named_twice(const mc_tx_view *v)
{
    const mc_keys lists[] = {v->u.set_roles.add_stewards, v->u.set_roles.remove_stewards,
                             v->u.set_roles.add_auditors, v->u.set_roles.remove_auditors};
    for (size_t a = 0; a < 4; a++) {
        for (size_t i = 0; i < lists[a].count; i++) {
            for (size_t b = a; b < 4; b++) {
                for (size_t j = a == b ? i + 1 : 0; j < lists[b].count; j++) {
                    if (memcmp(lists[a].keys[i], lists[b].keys[j], MC_PUBLIC_KEY_BYTES) == 0) {
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

/* The configuration after `roles`, or false when it is not a valid one. */
static bool roles_apply(const mc__config *now, const mc_tx_view *v, mc__config *next)
{
    *next = *now;
    if (named_twice(v)) {
        return false;
    }
    bool change = v->u.set_roles.add_stewards.count + v->u.set_roles.remove_stewards.count +
                      v->u.set_roles.add_auditors.count + v->u.set_roles.remove_auditors.count >
                  0;
    if (!change_keys(next->stewards, &next->steward_count, MC_STEWARDS_MAX,
                     v->u.set_roles.add_stewards, v->u.set_roles.remove_stewards) ||
        !change_keys(next->auditors, &next->auditor_count, MC_AUDITORS_MAX,
                     v->u.set_roles.add_auditors, v->u.set_roles.remove_auditors)) {
        return false;
    }
    if (v->u.set_roles.quorum != 0) {
        change = change || v->u.set_roles.quorum != now->quorum;
        next->quorum = v->u.set_roles.quorum;
    }
    return change && next->steward_count >= 1 && next->quorum >= 1 &&
           next->quorum <= next->steward_count;
}

int mc__apply_set_roles(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    if (mc__steward_rule(ctx, tx, NULL, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    mc_tx_view v;
    mc__config next;
    mc_tx_view_of(tx, &v);
    if (!roles_apply(&ctx->config, &v, &next)) {
        r->amount = (int64_t)next.steward_count;
        r->limit = next.quorum;
        return mc__refuse(r, MC_ERR_ROLES_INVALID, NULL);
    }
    int rc = mc__config_save(&ctx->ledger->store, ctx->txn, &next);
    if (rc == MC_ERR_OK) {
        ctx->config = next;
    }
    return rc;
}

int mc__apply_set_fee(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__SetFee *f = tx->decoded->set_fee;
    if (mc__steward_rule(ctx, tx, NULL, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    r->amount = f->fee_bps;
    r->limit = MC_FEE_BPS_MAX;
    mc_account a;
    bool has_account = f->fee_account.len == MC_PUBLIC_KEY_BYTES;
    int rc = has_account ? mc__account_load(&ctx->ledger->store, ctx->txn, f->fee_account.data, &a)
                         : MC_ERR_NOT_FOUND;
    if (rc != MC_ERR_OK && rc != MC_ERR_NOT_FOUND) {
        return rc;
    }
    bool open_system = rc == MC_ERR_OK && a.kind == MC_KIND_SYSTEM && a.status == MC_STATUS_ACTIVE;
    if (f->fee_bps > MC_FEE_BPS_MAX || (f->fee_bps > 0 && !open_system) ||
        (has_account && !open_system)) {
        return mc__refuse(r, MC_ERR_FEE_INVALID, rc == MC_ERR_OK ? &a : NULL);
    }
    mc__config next = ctx->config;
    next.fee_bps = f->fee_bps;
    next.has_fee_account = has_account;
    memset(next.fee_account, 0, MC_PUBLIC_KEY_BYTES);
    if (has_account) {
        memcpy(next.fee_account, f->fee_account.data, MC_PUBLIC_KEY_BYTES);
    }
    rc = mc__config_save(&ctx->ledger->store, ctx->txn, &next);
    if (rc == MC_ERR_OK) {
        ctx->config = next;
        rc = has_account ? mc__history_add(ctx, &a, ctx->height + 1, 0) : MC_ERR_OK;
    }
    return rc;
}
