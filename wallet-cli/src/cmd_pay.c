/* Paying: `pay HANDLE AMOUNT [MEMO]`, and the pieces `accept` and `redeem`
 * share with it: building a transfer and telling the payer where it left
 * them, with a soft warning near the credit limit (the ledger's hard limit
 * is unchanged). */
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

/* Warn when `balance` is within MCW_WARN_PERCENT of the floor `min`. */
static void warn_near_floor(mcw_ctx *ctx, const mc_account *a)
{
    int64_t min = a->limits.min_balance;
    if (min >= 0 || min == INT64_MIN || a->balance < min) {
        return;
    }
    int64_t room = a->balance - min; /* >= 0, no overflow: min <= balance */
    int64_t depth = -min;            /* > 0: min is neither 0 nor INT64_MIN */
    int64_t near = depth / 100 * MCW_WARN_PERCENT + depth % 100 * MCW_WARN_PERCENT / 100;
    if (room <= near) {
        mcw_warn(ctx, "%s is now at %s, within %d%% of the credit limit of %s", a->handle,
                 mcw_amount_text(ctx, a->balance).s, MCW_WARN_PERCENT, mcw_amount_text(ctx, min).s);
    }
}

int mcw_after_payment(mcw_ctx *ctx, const mc_client_account *payee, int64_t amount,
                      const mc_result *r)
{
    mc_client_account me;
    json_t *o = mcw_json(ctx);
    json_object_set_new(o, "payee", json_string(payee->account.handle));
    json_object_set_new(o, "amount", mcw_amount_json(ctx, amount));
    if (mc_client_get_account(ctx->client, ctx->public_key, &me) == MC_ERR_OK && !me.restricted) {
        json_object_set_new(o, "balance", mcw_amount_json(ctx, me.account.balance));
        mcw_print(ctx, "%s %s to %s at height %llu; %s is now at %s\n",
                  r->duplicate ? "already paid" : "paid", mcw_amount_text(ctx, amount).s,
                  payee->account.handle, (unsigned long long)r->height, me.account.handle,
                  mcw_amount_text(ctx, me.account.balance).s);
        warn_near_floor(ctx, &me.account);
    } else {
        mcw_print(ctx, "paid %s to %s at height %llu\n", mcw_amount_text(ctx, amount).s,
                  payee->account.handle, (unsigned long long)r->height);
    }
    return MCW_EXIT_OK;
}

int mcw_transfer(mcw_ctx *ctx, const mc_client_account *payee, int64_t amount, const char *memo,
                 const uint8_t *request_id, mc_result *r)
{
    mc_body b = mcw_body(ctx, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, ctx->public_key, MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, payee->account.public_key, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    if (memo != NULL) {
        b.u.transfer.memo = (const uint8_t *)memo;
        b.u.transfer.memo_len = strlen(memo);
    }
    if (request_id != NULL) {
        b.u.transfer.has_request = true;
        memcpy(b.u.transfer.request_id, request_id, MC_TX_ID_BYTES);
    }
    uint8_t *tx = NULL;
    size_t len = 0;
    int rc = mcw_sign(ctx, &b, &tx, &len);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_submit(ctx, tx, len, r);
    }
    free(tx);
    return rc;
}

int mcw_cmd_pay(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 2, 3, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *who = argv[optind], *memo = optind + 2 < argc ? argv[optind + 2] : NULL;
    int64_t amount = 0;
    mc_client_account payee;
    mc_result r;
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_parse_amount(ctx, argv[optind + 1], true, &amount);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_resolve(ctx, who, false, &payee);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_transfer(ctx, &payee, amount, memo, NULL, &r);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_after_payment(ctx, &payee, amount, &r);
    }
    return mcw_finish(ctx, rc);
}
