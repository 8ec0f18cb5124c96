/* What the wallet prints. In words by default: answers on stdout, warnings
 * and failures on stderr. With --json, one object on stdout at the end:
 * the command's fields, "ok": true|false, and on failure "error": {"code",
 * "name", "message"} (docs/wallet.md). Amounts are shown in the ledger's
 * unit ("12.50 g") and, in JSON, both as text and in minor units. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "wallet.h"

json_t *mcw_json(mcw_ctx *ctx)
{
    if (ctx->out == NULL) {
        ctx->out = json_object();
    }
    return ctx->out;
}

void mcw_print(mcw_ctx *ctx, const char *fmt, ...)
{
    if (ctx->json) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void mcw_warn(mcw_ctx *ctx, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (ctx->json) {
        json_t *warnings = json_object_get(mcw_json(ctx), "warnings");
        if (warnings == NULL) {
            warnings = json_array();
            json_object_set_new(mcw_json(ctx), "warnings", warnings);
        }
        json_array_append_new(warnings, json_string(text));
        return;
    }
    fprintf(stderr, "warning: %s\n", text);
}

int mcw_exit_code(int code)
{
    if (code == MC_ERR_OK) {
        return MCW_EXIT_OK;
    }
    return mc_client_is_transport_error(code) ? MCW_EXIT_UNREACHABLE : MCW_EXIT_REFUSED;
}

int mcw_fail(mcw_ctx *ctx, int code, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (ctx->json) {
        json_t *err = json_object();
        json_object_set_new(err, "code", json_integer(code));
        json_object_set_new(err, "name", json_string(mc_err_name(code)));
        json_object_set_new(err, "message", json_string(text));
        json_object_set_new(mcw_json(ctx), "error", err);
    } else {
        fprintf(stderr, "%s: %s (%s)\n", ctx->prog, text, mc_err_name(code));
    }
    return mcw_exit_code(code);
}

int mcw_finish(mcw_ctx *ctx, int status)
{
    if (ctx->finished) {
        return status;
    }
    ctx->finished = true;
    if (!ctx->json) {
        fflush(stdout);
        return status;
    }
    json_t *out = mcw_json(ctx);
    json_object_set_new(out, "ok", json_boolean(status == MCW_EXIT_OK));
    char *text = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text != NULL) {
        printf("%s\n", text);
        free(text);
    }
    fflush(stdout);
    return status;
}

mcw_amount mcw_amount_text(const mcw_ctx *ctx, int64_t amount)
{
    mcw_amount a;
    char num[MC_AMOUNT_TEXT_MAX];
    unsigned decimals = ctx->has_info ? ctx->info.ledger.decimals : 0;
    if (mc_amount_format(amount, decimals, num, sizeof num) != MC_ERR_OK) {
        snprintf(num, sizeof num, "%lld", (long long)amount);
    }
    snprintf(a.s, sizeof a.s, "%s %s", num, ctx->has_info ? ctx->info.ledger.unit_symbol : "");
    return a;
}

json_t *mcw_amount_json(const mcw_ctx *ctx, int64_t amount)
{
    char num[MC_AMOUNT_TEXT_MAX];
    unsigned decimals = ctx->has_info ? ctx->info.ledger.decimals : 0;
    if (mc_amount_format(amount, decimals, num, sizeof num) != MC_ERR_OK) {
        num[0] = '\0';
    }
    json_t *o = json_object();
    json_object_set_new(o, "value", json_string(num));
    json_object_set_new(o, "minor", json_integer((json_int_t)amount));
    return o;
}

void mcw_hex(const uint8_t *data, size_t len, char *out)
{
    mc_hex_encode(data, len, out);
}

bool mcw_id_has_prefix(const uint8_t *id, const char *prefix)
{
    char hex[2 * MC_TX_ID_BYTES + 1];
    mc_hex_encode(id, MC_TX_ID_BYTES, hex);
    return strncmp(hex, prefix, strlen(prefix)) == 0;
}

json_t *mcw_hex_json(const uint8_t *data, size_t len)
{
    char hex[2 * 64 + 1];
    if (len > 64) {
        return json_null();
    }
    mc_hex_encode(data, len, hex);
    return json_string(hex);
}

void mcw_time_text(int64_t unix_seconds, char *out, size_t len)
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%d %H:%M", &tm) == 0) {
        snprintf(out, len, "%lld", (long long)unix_seconds);
    }
}
