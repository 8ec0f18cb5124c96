/* Cheques, for exchanges with no connection at hand. `cheque` signs a
 * transfer that expires at the end of a chosen day (the body's not_after)
 * and writes it to a file; `redeem` checks it and submits it. What the
 * wallet shows of a cheque comes from the signed body itself, never from
 * the file's descriptive fields; redeeming twice pays once, because the
 * ledger applies a transaction once and answers the second time with the
 * first result. The file:
 *   {"format": "mc-cheque-1", "ledger_id": HEX, "payer": {...},
 *    "payee": {...}, "amount": {...}, "memo": TEXT, "not_after": UNIX,
 *    "valid_until": "YYYY-MM-DD", "tx_id": HEX, "signed_tx": HEX} */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc/error.h"
#include "wallet.h"

#define MCW_CHEQUE_FORMAT "mc-cheque-1"
#define MCW_CHEQUE_DAYS_MAX 3660
#define MCW_DAY_SECONDS 86400

typedef struct cheque_args {
    const char *out;
    long days;
    const char *until;
} cheque_args;

static int parse_cheque(mcw_ctx *ctx, int argc, char **argv, cheque_args *a, bool *done)
{
    static const struct option options[] = {{"out", required_argument, NULL, 'o'},
                                            {"valid-days", required_argument, NULL, 'd'},
                                            {"valid-until", required_argument, NULL, 'u'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    a->days = MCW_CHEQUE_DAYS_DEFAULT;
    while ((rc = mcw_getopt(ctx, argc, argv, "ho:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        char *end;
        if (opt == 'o') {
            a->out = optarg;
        } else if (opt == 'u') {
            a->until = optarg;
        } else {
            a->days = strtol(optarg, &end, 10);
            if (*end != '\0' || a->days < 1 || a->days > MCW_CHEQUE_DAYS_MAX) {
                return mcw_usage_error(ctx, "--valid-days '%s': 1..%d", optarg,
                                       MCW_CHEQUE_DAYS_MAX);
            }
        }
    }
    if (rc != 0 || *done) {
        return rc;
    }
    if (a->out == NULL) {
        return mcw_usage_error(ctx, "--out FILE is required");
    }
    int n = argc - optind;
    return n < 2 || n > 3 ? mcw_usage_error(ctx, "give HANDLE AMOUNT [MEMO]") : 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): timegm() is not POSIX. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The end (23:59:59 UTC) of the day `until` (YYYY-MM-DD), or of today +
 * `days`. */
static int not_after_of(mcw_ctx *ctx, const cheque_args *a, int64_t *out)
{
    int64_t now = (int64_t)time(NULL);
    if (a->until == NULL) {
        *out = (now / MCW_DAY_SECONDS + a->days + 1) * MCW_DAY_SECONDS - 1;
        return MCW_EXIT_OK;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(a->until, "%Y-%m-%d", &tm);
    if (end == NULL || *end != '\0') {
        return mcw_usage_error(ctx, "--valid-until '%s': a date, YYYY-MM-DD", a->until);
    }
    int64_t day = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * MCW_DAY_SECONDS;
    if (day + MCW_DAY_SECONDS <= now || day - now > (int64_t)MCW_CHEQUE_DAYS_MAX * 86400) {
        return mcw_usage_error(ctx, "--valid-until %s: a day from today on, within %d days",
                               a->until, MCW_CHEQUE_DAYS_MAX);
    }
    *out = day + MCW_DAY_SECONDS - 1;
    return MCW_EXIT_OK;
}

static json_t *cheque_doc(mcw_ctx *ctx, const mc_client_account *payee, int64_t amount,
                          const char *memo, int64_t not_after, const uint8_t *tx, size_t len)
{
    char *hex = malloc(2 * len + 1), day[16];
    mc_tx *decoded = NULL;
    if (hex == NULL || mc_tx_decode(tx, len, &decoded) != MC_ERR_OK) {
        free(hex);
        return NULL;
    }
    mc_hex_encode(tx, len, hex);
    time_t t = (time_t)not_after;
    struct tm tm;
    strftime(day, sizeof day, "%Y-%m-%d", gmtime_r(&t, &tm));
    json_t *doc = json_pack(
        "{s:s, s:o, s:{s:s, s:o}, s:{s:s, s:o}, s:o, s:s, s:s, s:I, s:s, s:o, s:s}", "format",
        MCW_CHEQUE_FORMAT, "ledger_id", mcw_hex_json(ctx->info.ledger.ledger_id, 32), "payer",
        "handle", ctx->name, "public_key", mcw_hex_json(ctx->public_key, 32), "payee", "handle",
        payee->account.handle, "public_key", mcw_hex_json(payee->account.public_key, 32), "amount",
        mcw_amount_json(ctx, amount), "unit", ctx->info.ledger.unit_symbol, "memo",
        memo != NULL ? memo : "", "not_after", (json_int_t)not_after, "valid_until", day, "tx_id",
        mcw_hex_json(mc_tx_id_of(decoded), MC_TX_ID_BYTES), "signed_tx", hex);
    mc_tx_free(decoded);
    free(hex);
    return doc;
}

int mcw_cmd_cheque(mcw_ctx *ctx, int argc, char **argv)
{
    cheque_args a = {0};
    bool done = false;
    int rc = parse_cheque(ctx, argc, argv, &a, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *memo = optind + 2 < argc ? argv[optind + 2] : NULL;
    int64_t amount = 0, not_after = 0;
    mc_client_account payee;
    rc = mcw_check_memo(ctx, memo);
    if (rc != MCW_EXIT_OK) {
        return mcw_finish(ctx, rc);
    }
    rc = mcw_info(ctx, true);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_parse_amount(ctx, argv[optind + 1], true, &amount);
    }
    if (rc == MCW_EXIT_OK) {
        rc = not_after_of(ctx, &a, &not_after);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_resolve(ctx, argv[optind], true, &payee);
    }
    uint8_t *tx = NULL;
    size_t len = 0;
    if (rc == MCW_EXIT_OK) {
        mc_body b = mcw_body(ctx, MC_TX_TRANSFER);
        b.not_after = not_after;
        memcpy(b.u.transfer.payer, ctx->public_key, MC_PUBLIC_KEY_BYTES);
        memcpy(b.u.transfer.payee, payee.account.public_key, MC_PUBLIC_KEY_BYTES);
        b.u.transfer.amount = amount;
        b.u.transfer.memo = (const uint8_t *)memo;
        b.u.transfer.memo_len = memo != NULL ? strlen(memo) : 0;
        rc = mcw_sign(ctx, &b, &tx, &len);
    }
    json_t *doc =
        rc == MCW_EXIT_OK ? cheque_doc(ctx, &payee, amount, memo, not_after, tx, len) : NULL;
    if (rc == MCW_EXIT_OK) {
        rc = doc != NULL ? mcw_write_json(ctx, a.out, doc, true) /* like cash: private */
                         : mcw_fail(ctx, MC_ERR_NO_MEMORY, "cannot write the cheque");
    }
    if (rc == MCW_EXIT_OK) {
        json_object_update(mcw_json(ctx), doc);
        json_object_del(mcw_json(ctx), "signed_tx");
        json_object_set_new(mcw_json(ctx), "file", json_string(a.out));
        char who[2 * MC_PUBLIC_KEY_BYTES + 1];
        mcw_hex(payee.account.public_key, MC_PUBLIC_KEY_BYTES, who);
        if (payee.account.handle[0] != '\0') {
            snprintf(who, sizeof who, "%s", payee.account.handle);
        } else {
            who[16] = '\0'; /* the start of the key */
        }
        mcw_print(ctx, "cheque of %s to %s, valid until %s, written to %s\n",
                  mcw_amount_text(ctx, amount).s, who,
                  json_string_value(json_object_get(doc, "valid_until")), a.out);
    }
    json_decref(doc);
    free(tx);
    return mcw_finish(ctx, rc);
}

/* Read and check a cheque: a transfer, signed by its payer, for this
 * ledger. *tx is decoded from the signed bytes. */
static int read_cheque(mcw_ctx *ctx, const char *path, uint8_t **bytes, size_t *len, mc_tx **tx)
{
    int rc;
    json_t *doc = mcw_read_json(ctx, path, &rc);
    if (doc == NULL) {
        return rc;
    }
    const char *format = json_string_value(json_object_get(doc, "format"));
    rc = format != NULL && strcmp(format, MCW_CHEQUE_FORMAT) == 0 &&
                 mcw_json_hex_alloc(doc, "signed_tx", bytes, len) == 0
             ? MCW_EXIT_OK
             : mcw_fail(ctx, MC_ERR_MALFORMED, "%s is not a cheque", path);
    json_decref(doc);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    int code = mc_tx_decode(*bytes, *len, tx);
    if (code == MC_ERR_OK && mc_tx_kind_of(*tx) != MC_TX_TRANSFER) {
        code = MC_ERR_MALFORMED;
    }
    if (code == MC_ERR_OK) {
        code = mc_tx_verify(*tx);
    }
    mc_tx_view v;
    if (code == MC_ERR_OK) {
        mc_tx_view_of(*tx, &v);
        if (memcmp(v.ledger_id, ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
            code = MC_ERR_WRONG_LEDGER;
        }
    }
    if (code != MC_ERR_OK) {
        return mcw_fail(ctx, code, "%s: %s", path,
                        code == MC_ERR_WRONG_LEDGER ? "this cheque is for another ledger"
                        : code == MC_ERR_BAD_SIGNATURE
                            ? "its signature does not verify: it was altered"
                            : "not a signed payment");
    }
    return MCW_EXIT_OK;
}

static void redeemed(mcw_ctx *ctx, const mc_tx *tx, const mc_result *r)
{
    mc_tx_view v;
    mc_tx_view_of(tx, &v);
    mc_client_account payer, payee;
    bool known = mc_client_get_account(ctx->client, v.u.transfer.payer, &payer) == MC_ERR_OK;
    bool known_payee = mc_client_get_account(ctx->client, v.u.transfer.payee, &payee) == MC_ERR_OK;
    const char *who = known ? payer.account.handle : "the payer";
    const char *to = known_payee ? payee.account.handle : "its payee";
    json_object_set_new(mcw_json(ctx), "payer", json_string(known ? payer.account.handle : ""));
    json_object_set_new(mcw_json(ctx), "payee",
                        json_string(known_payee ? payee.account.handle : ""));
    json_object_set_new(mcw_json(ctx), "amount", mcw_amount_json(ctx, v.u.transfer.amount));
    if (memcmp(v.u.transfer.payee, ctx->public_key, MC_PUBLIC_KEY_BYTES) != 0) {
        mcw_warn(ctx, "this cheque pays %s, not you (%s)", to, ctx->name);
    }
    if (r->duplicate) {
        mcw_print(ctx,
                  "this cheque of %s from %s to %s was already redeemed at height %llu; "
                  "nothing was paid now\n",
                  mcw_amount_text(ctx, v.u.transfer.amount).s, who, to,
                  (unsigned long long)r->height);
        return;
    }
    mcw_print(ctx, "redeemed %s from %s to %s at height %llu\n",
              mcw_amount_text(ctx, v.u.transfer.amount).s, who, to, (unsigned long long)r->height);
}

int mcw_cmd_redeem(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 1, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    mc_tx *tx = NULL;
    mc_result r;
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = read_cheque(ctx, argv[optind], &bytes, &len, &tx);
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_connect_as(ctx); /* as the payee: a refusal then shows its figures */
    }
    if (rc == MCW_EXIT_OK) {
        rc = mcw_submit(ctx, bytes, len, &r);
    }
    if (rc == MCW_EXIT_OK) {
        redeemed(ctx, tx, &r);
    }
    mc_tx_free(tx);
    free(bytes);
    return mcw_finish(ctx, rc);
}
