/* Payment requests: `request` (the payee asks), `requests` (open ones to
 * and from me), `accept` (pay it), `decline` (the payer) and `cancel` (the
 * payee). Each is a signed transaction of the ledger. An ID may be given
 * whole (64 hex digits) or as a unique prefix among my open requests. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

#define MCW_ID_PREFIX_MIN 4u /* hex digits */
#define MCW_ID_SHOWN 12u     /* hex digits shown in lists */

static void short_id(const uint8_t id[MC_TX_ID_BYTES], char out[MCW_ID_SHOWN + 1])
{
    char hex[2 * MC_TX_ID_BYTES + 1];
    mcw_hex(id, MC_TX_ID_BYTES, hex);
    memcpy(out, hex, MCW_ID_SHOWN);
    out[MCW_ID_SHOWN] = '\0';
}

/* Info, then authenticated as the identity. */
static int ready(mcw_ctx *ctx)
{
    int rc = mcw_info(ctx, false);
    return rc == MCW_EXIT_OK ? mcw_connect_as(ctx) : rc;
}

int mcw_cmd_request(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 2, 3, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *memo = optind + 2 < argc ? argv[optind + 2] : NULL;
    int64_t amount = 0;
    mc_client_account payer;
    rc = ready(ctx);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_parse_amount(ctx, argv[optind + 1], true, &amount);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_resolve(ctx, argv[optind], false, &payer);
    }
    mc_result r;
    uint8_t *tx = NULL;
    size_t len = 0;
    if (rc == MCW_EXIT_OK) {
        mc_body b = mcw_body(ctx, MC_TX_PAYMENT_REQUEST);
        memcpy(b.u.payment_request.payee, ctx->public_key, MC_PUBLIC_KEY_BYTES);
        memcpy(b.u.payment_request.payer, payer.account.public_key, MC_PUBLIC_KEY_BYTES);
        b.u.payment_request.amount = amount;
        b.u.payment_request.memo = (const uint8_t *)memo;
        b.u.payment_request.memo_len = memo != NULL ? strlen(memo) : 0;
        rc = mcw_sign(ctx, &b, &tx, &len);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_submit(ctx, tx, len, &r);
    }
    free(tx);
    if (rc == MCW_EXIT_OK) {
        char id[MCW_ID_SHOWN + 1];
        short_id(r.tx_id, id);
        json_object_set_new(mcw_json(ctx), "request_id", mcw_hex_json(r.tx_id, MC_TX_ID_BYTES));
        json_object_set_new(mcw_json(ctx), "payer", json_string(payer.account.handle));
        json_object_set_new(mcw_json(ctx), "amount", mcw_amount_json(ctx, amount));
        mcw_print(ctx, "asked %s for %s: request %s\n", payer.account.handle,
                  mcw_amount_text(ctx, amount).s, id);
    }
    return mcw_finish(ctx, rc);
}

typedef int (*request_cb)(mcw_ctx *ctx, const mc_client_request *q, void *arg);

/* Every open request of the identity, page by page. */
static int each_open(mcw_ctx *ctx, request_cb cb, void *arg)
{
    mc_client_request *page = calloc(MCW_PAGE, sizeof *page);
    if (page == NULL) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
    }
    uint64_t after = 0;
    bool more = true;
    int rc = MCW_EXIT_OK;
    while (more && rc == MCW_EXIT_OK) {
        size_t n = 0;
        int code =
            mc_client_open_requests(ctx->client, ctx->public_key, after, page, MCW_PAGE, &n, &more);
        if (code != MC_ERR_OK) {
            rc = mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
            break;
        }
        for (size_t i = 0; i < n && rc == MCW_EXIT_OK; i++) {
            rc = cb(ctx, &page[i], arg);
        }
        after = n > 0 ? page[n - 1].request.height : after;
        more = more && n > 0;
    }
    free(page);
    return rc;
}

static json_t *request_json(const mcw_ctx *ctx, const mc_client_request *q)
{
    const mc_request *r = &q->request;
    return json_pack("{s:o, s:{s:s, s:o}, s:{s:s, s:o}, s:o, s:s, s:s, s:I}", "id",
                     mcw_hex_json(r->id, MC_TX_ID_BYTES), "payer", "handle", q->payer_handle,
                     "public_key", mcw_hex_json(r->payer, 32), "payee", "handle", q->payee_handle,
                     "public_key", mcw_hex_json(r->payee, 32), "amount",
                     mcw_amount_json(ctx, r->amount), "memo", r->memo, "status",
                     mc_request_status_name(r->status), "height", (json_int_t)r->height);
}

static int list_one(mcw_ctx *ctx, const mc_client_request *q, void *arg)
{
    json_t *lists = arg;
    bool to_pay = memcmp(q->request.payer, ctx->public_key, MC_PUBLIC_KEY_BYTES) == 0;
    json_array_append_new(json_object_get(lists, to_pay ? "to_pay" : "waiting"),
                          request_json(ctx, q));
    char id[MCW_ID_SHOWN + 1];
    short_id(q->request.id, id);
    mcw_print(ctx, "%s  %s %-20s %14s  %s\n", id, to_pay ? "to pay  " : "asked of",
              to_pay ? q->payee_handle : q->payer_handle, mcw_amount_text(ctx, q->request.amount).s,
              q->request.memo);
    return MCW_EXIT_OK;
}

int mcw_cmd_requests(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 0, 0, &done);
    if (rc != 0 || done) {
        return rc;
    }
    rc = ready(ctx);
    if (rc != MCW_EXIT_OK) {
        return mcw_finish(ctx, rc);
    }
    json_t *lists = json_pack("{s:[], s:[]}", "to_pay", "waiting");
    json_object_update(mcw_json(ctx), lists);
    rc = each_open(ctx, list_one, mcw_json(ctx));
    json_decref(lists);
    if (rc == MCW_EXIT_OK && json_array_size(json_object_get(mcw_json(ctx), "to_pay")) == 0 &&
        json_array_size(json_object_get(mcw_json(ctx), "waiting")) == 0) {
        mcw_print(ctx, "no open payment request to or from %s\n", ctx->name);
    }
    return mcw_finish(ctx, rc);
}

typedef struct prefix_match {
    const char *prefix;
    size_t count;
    mc_client_request found;
} prefix_match;

static int match_one(mcw_ctx *ctx, const mc_client_request *q, void *arg)
{
    (void)ctx;
    prefix_match *m = arg;
    if (mcw_id_has_prefix(q->request.id, m->prefix)) {
        m->found = *q;
        m->count++;
    }
    return MCW_EXIT_OK;
}

/* The request named by ID: whole, or a unique prefix among my open ones. */
static int find_request(mcw_ctx *ctx, const char *arg, mc_client_request *out)
{
    char prefix[2 * MC_TX_ID_BYTES + 1];
    size_t n = strlen(arg);
    if (n < MCW_ID_PREFIX_MIN || n > 2 * MC_TX_ID_BYTES) {
        return mcw_usage_error(ctx, "'%s': a request id is %u to 64 hex digits", arg,
                               MCW_ID_PREFIX_MIN);
    }
    for (size_t i = 0; i <= n; i++) {
        prefix[i] = (char)tolower((unsigned char)arg[i]);
        if (i < n && !isxdigit((unsigned char)arg[i])) {
            return mcw_usage_error(ctx, "'%s': a request id is hex digits", arg);
        }
    }
    if (n == 2 * MC_TX_ID_BYTES) {
        uint8_t id[MC_TX_ID_BYTES];
        mc_hex_decode(prefix, id, sizeof id);
        int code = mc_client_get_request(ctx->client, id, out);
        return code == MC_ERR_OK ? MCW_EXIT_OK
                                 : mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
    }
    prefix_match m = {.prefix = prefix};
    int rc = each_open(ctx, match_one, &m);
    if (rc == MCW_EXIT_OK && m.count != 1) {
        return mcw_fail(ctx, m.count == 0 ? MC_ERR_UNKNOWN_REQUEST : MC_ERR_INVALID_ARGUMENT,
                        m.count == 0 ? "no open request of yours starts with %s (a paid, declined "
                                       "or cancelled one needs its whole id)"
                                     : "several open requests start with %s: give more digits",
                        prefix);
    }
    *out = m.found;
    return rc;
}

/* The request must be open and `me_payer` says which side I must be. */
static int check_request(mcw_ctx *ctx, const mc_client_request *q, bool me_payer, const char *verb)
{
    const mc_request *r = &q->request;
    if (r->status != MC_REQUEST_OPEN) {
        return mcw_fail(ctx, MC_ERR_REQUEST_CLOSED, "this request was %s at height %llu",
                        mc_request_status_name(r->status), (unsigned long long)r->closed_height);
    }
    const uint8_t *side = me_payer ? r->payer : r->payee;
    if (memcmp(side, ctx->public_key, MC_PUBLIC_KEY_BYTES) != 0) {
        return mcw_fail(ctx, MC_ERR_MISSING_SIGNATURE, "only the request's %s (%s) can %s it",
                        me_payer ? "payer" : "payee", me_payer ? q->payer_handle : q->payee_handle,
                        verb);
    }
    return MCW_EXIT_OK;
}

int mcw_cmd_accept(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 1, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_client_request q;
    mc_result r;
    memset(&q, 0, sizeof q);
    rc = ready(ctx);
    if (rc == MCW_EXIT_OK) {
        rc = find_request(ctx, argv[optind], &q);
    }
    if (rc == MCW_EXIT_OK) {
        rc = check_request(ctx, &q, true, "accept");
    }
    mc_client_account payee;
    memset(&payee, 0, sizeof payee);
    memcpy(payee.account.public_key, q.request.payee, MC_PUBLIC_KEY_BYTES);
    snprintf(payee.account.handle, sizeof payee.account.handle, "%s", q.payee_handle);
    if (rc == MCW_EXIT_OK) {
        json_object_set_new(mcw_json(ctx), "request_id",
                            mcw_hex_json(q.request.id, MC_TX_ID_BYTES));
        rc = mcw_transfer(ctx, &payee, q.request.amount,
                          q.request.memo[0] != '\0' ? q.request.memo : NULL, q.request.id, &r);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_after_payment(ctx, &payee, q.request.amount, &r);
    }
    return mcw_finish(ctx, rc);
}

static int close_request(mcw_ctx *ctx, int argc, char **argv, bool decline)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 1, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_client_request q;
    mc_result r;
    uint8_t *tx = NULL;
    size_t len = 0;
    rc = ready(ctx);
    if (rc == MCW_EXIT_OK) {
        rc = find_request(ctx, argv[optind], &q);
    }
    if (rc == MCW_EXIT_OK) {
        rc = check_request(ctx, &q, decline, decline ? "decline" : "cancel");
    }
    if (rc == MCW_EXIT_OK) {
        mc_body b = mcw_body(ctx, decline ? MC_TX_DECLINE_REQUEST : MC_TX_CANCEL_REQUEST);
        memcpy(b.u.close_request.request_id, q.request.id, MC_TX_ID_BYTES);
        rc = mcw_sign(ctx, &b, &tx, &len);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_submit(ctx, tx, len, &r);
    }
    free(tx);
    if (rc == MCW_EXIT_OK) {
        char id[MCW_ID_SHOWN + 1];
        short_id(q.request.id, id);
        json_object_set_new(mcw_json(ctx), "request_id",
                            mcw_hex_json(q.request.id, MC_TX_ID_BYTES));
        mcw_print(ctx, "%s request %s (%s %s %s)\n", decline ? "declined" : "cancelled", id,
                  mcw_amount_text(ctx, q.request.amount).s, decline ? "from" : "to",
                  decline ? q.payee_handle : q.payer_handle);
    }
    return mcw_finish(ctx, rc);
}

int mcw_cmd_decline(mcw_ctx *ctx, int argc, char **argv)
{
    return close_request(ctx, argc, argv, true);
}

int mcw_cmd_cancel(mcw_ctx *ctx, int argc, char **argv)
{
    return close_request(ctx, argc, argv, false);
}
