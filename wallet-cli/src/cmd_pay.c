/* Paying: `pay HANDLE AMOUNT [MEMO] [--reciprocity] [--from COMMONS]`, and
 * the pieces `accept` and `redeem` share with it: building a transfer and
 * telling the payer where it left them, with a soft warning near the credit
 * limit (the ledger's hard limit is unchanged). --reciprocity marks a
 * business's share paid into a commons (the ledger takes it only into a
 * commons); --from pays out of a commons the identity keeps, signed by its
 * keepers (a proposal when one keeper is not enough). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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
    char paid[2 * MCW_AMOUNT_TEXT_MAX + 32];
    json_t *o = mcw_json(ctx);
    json_object_set_new(o, "payee", json_string(payee->account.handle));
    json_object_set_new(o, "amount", mcw_amount_json(ctx, amount));
    json_object_set_new(o, "fee", mcw_amount_json(ctx, r->fee));
    if (r->fee > 0) {
        snprintf(paid, sizeof paid, "%s (and a fee of %s)", mcw_amount_text(ctx, amount).s,
                 mcw_amount_text(ctx, r->fee).s);
    } else {
        snprintf(paid, sizeof paid, "%s", mcw_amount_text(ctx, amount).s);
    }
    if (mc_client_get_account(ctx->client, ctx->public_key, &me) == MC_ERR_OK && !me.restricted) {
        json_object_set_new(o, "balance", mcw_amount_json(ctx, me.account.balance));
        mcw_print(ctx, "%s %s to %s at height %llu; %s is now at %s\n",
                  r->duplicate ? "already paid" : "paid", paid, payee->account.handle,
                  (unsigned long long)r->height, me.account.handle,
                  mcw_amount_text(ctx, me.account.balance).s);
        warn_near_floor(ctx, &me.account);
    } else {
        mcw_print(ctx, "paid %s to %s at height %llu\n", paid, payee->account.handle,
                  (unsigned long long)r->height);
    }
    return MCW_EXIT_OK;
}

/* A transfer of `amount` from `payer` to `payee`; `memo` borrowed. */
static mc_body transfer_body(const mcw_ctx *ctx, const uint8_t *payer,
                             const mc_client_account *payee, int64_t amount, const char *memo,
                             mc_purpose purpose)
{
    mc_body b = mcw_body(ctx, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, payer, MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, payee->account.public_key, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    b.u.transfer.purpose = purpose;
    if (memo != NULL) {
        b.u.transfer.memo = (const uint8_t *)memo;
        b.u.transfer.memo_len = strlen(memo);
    }
    return b;
}

/* Sign as the identity and submit. */
static int sign_submit(mcw_ctx *ctx, const mc_body *b, mc_result *r)
{
    uint8_t *tx = NULL;
    size_t len = 0;
    int rc = mcw_sign(ctx, b, &tx, &len);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_submit(ctx, tx, len, r);
    }
    free(tx);
    return rc;
}

int mcw_transfer(mcw_ctx *ctx, const mc_client_account *payee, int64_t amount, const char *memo,
                 const uint8_t *request_id, mc_result *r)
{
    mc_body b = transfer_body(ctx, ctx->public_key, payee, amount, memo, MC_PURPOSE_NONE);
    if (request_id != NULL) {
        b.u.transfer.has_request = true;
        memcpy(b.u.transfer.request_id, request_id, MC_TX_ID_BYTES);
    }
    return sign_submit(ctx, &b, r);
}

typedef struct pay_args {
    bool reciprocity;
    const char *from; /* a commons the identity keeps, or NULL */
} pay_args;

static int pay_parse(mcw_ctx *ctx, int argc, char **argv, pay_args *a, bool *done)
{
    static const struct option options[] = {{"reciprocity", no_argument, NULL, 'r'},
                                            {"from", required_argument, NULL, 'f'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    memset(a, 0, sizeof *a);
    while ((rc = mcw_getopt(ctx, argc, argv, "h", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        if (opt == 'r') {
            a->reciprocity = true;
        } else {
            a->from = optarg;
        }
    }
    if (rc != 0 || *done) {
        return rc;
    }
    int n = argc - optind;
    if (n < 2 || n > 3) {
        return mcw_usage_error(ctx, "wrong number of arguments");
    }
    if (ctx->proposal_out != NULL && a->from == NULL) {
        return mcw_usage_error(ctx, "propose pay is for a commons' keepers: give --from COMMONS");
    }
    return 0;
}

/* --reciprocity: only into a commons (the ledger's PURPOSE_INVALID). */
static int check_reciprocity(mcw_ctx *ctx, const mc_client_account *payee)
{
    if (payee->account.kind == MC_KIND_COMMONS) {
        return MCW_EXIT_OK;
    }
    const char *kind = mc_account_kind_name(payee->account.kind);
    return mcw_fail(ctx, MC_ERR_PURPOSE_INVALID,
                    "reciprocity is paid into a commons, and %s is a %s account: pay it without "
                    "--reciprocity",
                    payee->account.handle, kind != NULL ? kind : "?");
}

/* Out of the commons `from`, signed by its keepers. */
static int pay_from(mcw_ctx *ctx, const char *from, const mc_client_account *payee, int64_t amount,
                    const char *memo, mc_purpose purpose)
{
    mc_client_account commons;
    mcw_quorum q;
    mc_result r;
    int rc = mcw_resolve_commons(ctx, from, &commons);
    if (rc == MCW_EXIT_OK) {
        mcw_keeper_quorum(&commons.account, &q);
        rc = mcw_require_keeper(ctx, &q);
    }
    rc = rc == MCW_EXIT_OK ? mcw_check_memo(ctx, memo) : rc;
    if (rc == MCW_EXIT_OK) {
        mc_body b = transfer_body(ctx, commons.account.public_key, payee, amount, memo, purpose);
        rc = mcw_send(ctx, &b, &q, &r);
    }
    if (rc != MCW_EXIT_OK || ctx->proposed) {
        return rc;
    }
    json_t *o = mcw_json(ctx);
    json_object_set_new(o, "payer", json_string(commons.account.handle));
    json_object_set_new(o, "payee", json_string(payee->account.handle));
    json_object_set_new(o, "amount", mcw_amount_json(ctx, amount));
    json_object_set_new(o, "purpose",
                        json_string(purpose == MC_PURPOSE_RECIPROCITY ? "reciprocity" : "none"));
    mc_client_account after;
    if (mc_client_get_account(ctx->client, commons.account.public_key, &after) == MC_ERR_OK &&
        !after.restricted) {
        json_object_set_new(o, "balance", mcw_amount_json(ctx, after.account.balance));
        mcw_print(ctx, "%s %s from %s to %s at height %llu; %s is now at %s\n",
                  r.duplicate ? "already paid" : "paid", mcw_amount_text(ctx, amount).s,
                  commons.account.handle, payee->account.handle, (unsigned long long)r.height,
                  commons.account.handle, mcw_amount_text(ctx, after.account.balance).s);
    } else {
        mcw_print(ctx, "paid %s from %s to %s at height %llu\n", mcw_amount_text(ctx, amount).s,
                  commons.account.handle, payee->account.handle, (unsigned long long)r.height);
    }
    return MCW_EXIT_OK;
}

int mcw_cmd_pay(mcw_ctx *ctx, int argc, char **argv)
{
    pay_args a;
    bool done = false;
    int rc = pay_parse(ctx, argc, argv, &a, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *who = argv[optind], *memo = optind + 2 < argc ? argv[optind + 2] : NULL;
    mc_purpose purpose = a.reciprocity ? MC_PURPOSE_RECIPROCITY : MC_PURPOSE_NONE;
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
    if (rc == MCW_EXIT_OK && a.reciprocity) {
        rc = check_reciprocity(ctx, &payee);
    }
    if (rc == MCW_EXIT_OK && a.from != NULL) {
        return mcw_finish(ctx, pay_from(ctx, a.from, &payee, amount, memo, purpose));
    }
    if (rc == MCW_EXIT_OK) {
        mc_body b = transfer_body(ctx, ctx->public_key, &payee, amount, memo, purpose);
        rc = sign_submit(ctx, &b, &r);
    }
    if (rc == MCW_EXIT_OK) {
        json_object_set_new(mcw_json(ctx), "purpose",
                            json_string(a.reciprocity ? "reciprocity" : "none"));
        rc = mcw_after_payment(ctx, &payee, amount, &r);
    }
    return mcw_finish(ctx, rc);
}
