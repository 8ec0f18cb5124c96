/* The wallet's side of the node: connecting (anonymously, or authenticated
 * as the identity), the ledger's info, handles, building, signing and
 * submitting transactions. Two small caches in the wallet directory let
 * `cheque` and `join` work with no connection at hand: ledger.json (the
 * ledger's info and genesis, checked against its id when read back) and
 * contacts.json (handle -> key, per ledger). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "wallet.h"

/* Connect if not yet: an mc_err, printing nothing. */
static int connect_code(mcw_ctx *ctx)
{
    if (ctx->client != NULL) {
        return MC_ERR_OK;
    }
    mc_client_options opts;
    mc_client_options_default(&opts);
    opts.timeout_ms = ctx->timeout_ms;
    return mc_client_connect(ctx->node, &opts, &ctx->client);
}

static int unreachable(mcw_ctx *ctx, int code)
{
    const char *why =
        ctx->client != NULL ? mc_client_error_message(ctx->client) : mc_client_error_message(NULL);
    return mcw_fail(ctx, code, "cannot reach the node at %s: %s", ctx->node, why);
}

int mcw_connect(mcw_ctx *ctx)
{
    int code = connect_code(ctx);
    return code == MC_ERR_OK ? MCW_EXIT_OK : unreachable(ctx, code);
}

/* Connect and authenticate (the key unlocked): an mc_err, printing nothing. */
static int authenticate_code(mcw_ctx *ctx)
{
    int code = connect_code(ctx);
    if (code == MC_ERR_OK && !ctx->authenticated) {
        code = mc_client_authenticate(ctx->client, ctx->key, NULL);
        ctx->authenticated = code == MC_ERR_OK;
    }
    return code;
}

int mcw_connect_as(mcw_ctx *ctx)
{
    if (ctx->authenticated) {
        return MCW_EXIT_OK;
    }
    int rc = mcw_unlock(ctx);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    int code = authenticate_code(ctx);
    if (code == MC_ERR_OK) {
        return MCW_EXIT_OK;
    }
    if (mc_client_is_transport_error(code)) {
        return unreachable(ctx, code);
    }
    return mcw_fail(ctx, code, "the node does not accept '%s': %s", ctx->name,
                    mc_client_error_message(ctx->client));
}

static void cache_path(const mcw_ctx *ctx, const char *file, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", ctx->dir, file);
}

/* Remember the info, with the genesis it can be checked against. */
static void info_save(mcw_ctx *ctx)
{
    uint8_t *genesis = NULL;
    size_t len = 0;
    if (mc_client_genesis(ctx->client, &genesis, &len) != MC_ERR_OK) {
        return;
    }
    char *hex = malloc(2 * len + 1);
    const mc_ledger_info *l = &ctx->info.ledger;
    json_t *doc = hex == NULL ? NULL
                              : json_pack("{s:s, s:o, s:s, s:s, s:i, s:s}", "node", ctx->node,
                                          "ledger_id", mcw_hex_json(l->ledger_id, 32), "unit_name",
                                          l->unit_name, "unit_symbol", l->unit_symbol, "decimals",
                                          (int)l->decimals, "community", l->community);
    if (doc != NULL) {
        mc_hex_encode(genesis, len, hex);
        json_object_set_new(doc, "genesis", json_string(hex));
        char path[MCW_PATH_MAX];
        cache_path(ctx, "ledger.json", path, sizeof path);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (text != NULL && mcw_mkdirs(ctx->dir) == 0) {
            mcw_write_atomic(path, text, strlen(text), true, true); /* a cache: best effort */
        }
        free(text);
    }
    json_decref(doc);
    free(hex);
    free(genesis);
}

/* The cached info, when its genesis hashes to its id. */
static int info_load(mcw_ctx *ctx)
{
    char path[MCW_PATH_MAX];
    cache_path(ctx, "ledger.json", path, sizeof path);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    uint8_t *genesis = NULL, id[MC_HASH_BYTES];
    size_t len = 0;
    mc_ledger_info *l = &ctx->info.ledger;
    int ok = doc != NULL && mcw_json_hex_alloc(doc, "genesis", &genesis, &len) == 0 &&
             mcw_json_hex(doc, "ledger_id", l->ledger_id, MC_LEDGER_ID_BYTES) == 0;
    if (ok) {
        mc_sha256(genesis, len, id);
        json_int_t decimals = json_integer_value(json_object_get(doc, "decimals"));
        const char *sym = json_string_value(json_object_get(doc, "unit_symbol"));
        const char *unit = json_string_value(json_object_get(doc, "unit_name"));
        ok = memcmp(id, l->ledger_id, MC_HASH_BYTES) == 0 && decimals >= 0 &&
             decimals <= (json_int_t)MC_DECIMALS_MAX && sym != NULL && unit != NULL;
        if (ok) {
            l->decimals = (unsigned)decimals;
            snprintf(l->unit_symbol, sizeof l->unit_symbol, "%s", sym);
            snprintf(l->unit_name, sizeof l->unit_name, "%s", unit);
        }
    }
    free(genesis);
    json_decref(doc);
    return ok ? 0 : -1;
}

int mcw_info(mcw_ctx *ctx, bool offline_ok)
{
    if (ctx->has_info) {
        return MCW_EXIT_OK;
    }
    int code = connect_code(ctx);
    if (code == MC_ERR_OK) {
        code = mc_client_info_get(ctx->client, &ctx->info);
    }
    if (code == MC_ERR_OK) {
        ctx->has_info = true;
        info_save(ctx);
        return MCW_EXIT_OK;
    }
    if (offline_ok && mc_client_is_transport_error(code) && info_load(ctx) == 0) {
        ctx->has_info = true;
        ctx->offline = true;
        mcw_warn(ctx,
                 "the node at %s is unreachable; using the ledger remembered from the last "
                 "connection",
                 ctx->node);
        return MCW_EXIT_OK;
    }
    return mc_client_is_transport_error(code)
               ? unreachable(ctx, code)
               : mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
}

int mcw_parse_amount(mcw_ctx *ctx, const char *text, bool positive, int64_t *out)
{
    int64_t v = 0;
    int rc = mc_amount_parse(text, ctx->info.ledger.decimals, &v);
    if (rc != MC_ERR_OK) {
        return mcw_usage_error(ctx, "'%s' is not an amount of %s with at most %u decimals", text,
                               ctx->info.ledger.unit_name, ctx->info.ledger.decimals);
    }
    if (positive && v <= 0) {
        return mcw_usage_error(ctx, "the amount must be greater than zero");
    }
    *out = v;
    return MCW_EXIT_OK;
}

/* contacts.json: {"<ledger id hex>": {"handle": "<key hex>", ...}} */
void mcw_contact_save(mcw_ctx *ctx, const mc_account *a)
{
    char path[MCW_PATH_MAX], id[2 * MC_LEDGER_ID_BYTES + 1];
    cache_path(ctx, "contacts.json", path, sizeof path);
    mc_hex_encode(ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES, id);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        doc = json_object();
    }
    json_t *ledger = json_object_get(doc, id);
    if (!json_is_object(ledger)) {
        ledger = json_object();
        json_object_set_new(doc, id, ledger);
    }
    json_t *known = json_object_get(ledger, a->handle);
    json_t *key = mcw_hex_json(a->public_key, MC_PUBLIC_KEY_BYTES);
    if (!json_equal(known, key)) {
        json_object_set(ledger, a->handle, key);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (text != NULL && mcw_mkdirs(ctx->dir) == 0) {
            mcw_write_atomic(path, text, strlen(text), true, true); /* a cache: best effort */
        }
        free(text);
    }
    json_decref(key);
    json_decref(doc);
}

static int contact_load(mcw_ctx *ctx, const char *handle, uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    char path[MCW_PATH_MAX], id[2 * MC_LEDGER_ID_BYTES + 1];
    cache_path(ctx, "contacts.json", path, sizeof path);
    mc_hex_encode(ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES, id);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    int rc = mcw_json_hex(json_object_get(doc, id), handle, key, MC_PUBLIC_KEY_BYTES);
    json_decref(doc);
    return rc;
}

int mcw_contact_name(mcw_ctx *ctx, const uint8_t key[MC_PUBLIC_KEY_BYTES], char *handle, size_t len)
{
    char path[MCW_PATH_MAX], id[2 * MC_LEDGER_ID_BYTES + 1], hex[2 * MC_PUBLIC_KEY_BYTES + 1];
    cache_path(ctx, "contacts.json", path, sizeof path);
    mc_hex_encode(ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES, id);
    mc_hex_encode(key, MC_PUBLIC_KEY_BYTES, hex);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    const char *name;
    json_t *value;
    int rc = -1;
    json_object_foreach(json_object_get(doc, id), name, value)
    {
        if (rc != 0 && json_is_string(value) && strcmp(json_string_value(value), hex) == 0) {
            snprintf(handle, len, "%s", name);
            rc = 0;
        }
    }
    json_decref(doc);
    return rc;
}

/* Offline: an account known only by its key (and handle). */
static void offline_account(const char *handle, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                            mc_client_account *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->account.public_key, key, MC_PUBLIC_KEY_BYTES);
    snprintf(out->account.handle, sizeof out->account.handle, "%s", handle);
    out->restricted = true;
}

int mcw_resolve(mcw_ctx *ctx, const char *who, bool offline_ok, mc_client_account *out)
{
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    bool by_key =
        strlen(who) == 2 * MC_PUBLIC_KEY_BYTES && mc_hex_decode(who, key, sizeof key) == MC_ERR_OK;
    if (!by_key && !mc_handle_is_valid((const uint8_t *)who, strlen(who))) {
        return mcw_usage_error(ctx, "'%s' is neither a handle ([a-z0-9_.-], 2 to 32) nor a key",
                               who);
    }
    int rc = offline_ok ? mcw_unlock(ctx) : mcw_connect_as(ctx);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    int code = ctx->offline ? MC_ERR_UNREACHABLE : authenticate_code(ctx);
    if (code == MC_ERR_OK) {
        code = by_key ? mc_client_get_account(ctx->client, key, out)
                      : mc_client_find_handle(ctx->client, who, out);
    }
    if (code == MC_ERR_OK) {
        mcw_contact_save(ctx, &out->account);
        return MCW_EXIT_OK;
    }
    if (offline_ok && mc_client_is_transport_error(code) &&
        (by_key || contact_load(ctx, who, key) == 0)) {
        offline_account(by_key ? "" : who, key, out);
        return MCW_EXIT_OK;
    }
    if (code == MC_ERR_NOT_FOUND) {
        return mcw_fail(ctx, code, "no account %s%s on this ledger", by_key ? "with the key " : "",
                        who);
    }
    if (offline_ok && mc_client_is_transport_error(code)) {
        return mcw_fail(ctx, code,
                        "cannot reach the node at %s, and '%s' is not among the contacts this "
                        "wallet remembers: give the payee's key (64 hex digits) instead",
                        ctx->node, who);
    }
    if (mc_client_is_transport_error(code)) {
        return unreachable(ctx, code);
    }
    return mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
}

int mcw_check_memo(mcw_ctx *ctx, const char *memo)
{
    size_t len = memo != NULL ? strlen(memo) : 0;
    if (len > MC_MEMO_LEN_MAX) {
        return mcw_fail(ctx, MC_ERR_MEMO_TOO_LONG, "the memo is %zu bytes; at most %u", len,
                        MC_MEMO_LEN_MAX);
    }
    if (len > 0 && !mc_utf8_is_valid((const uint8_t *)memo, len)) {
        return mcw_fail(ctx, MC_ERR_MEMO_NOT_UTF8, "the memo is not valid UTF-8");
    }
    return MCW_EXIT_OK;
}

mc_body mcw_body(const mcw_ctx *ctx, mc_tx_kind kind)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES);
    uint8_t nonce[8];
    if (mc_random_bytes(nonce, sizeof nonce) != MC_ERR_OK) {
        memset(nonce, 0, sizeof nonce);
    }
    for (int i = 0; i < 8; i++) {
        b.nonce = b.nonce << 8 | nonce[i];
    }
    b.kind = kind;
    return b;
}

int mcw_sign(mcw_ctx *ctx, const mc_body *body, uint8_t **out, size_t *out_len)
{
    int rc = mcw_unlock(ctx);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    int code = mc_body_encode(body, &bytes, &len);
    if (code == MC_ERR_OK) {
        const mc_keypair *keys[] = {ctx->key};
        code = mc_tx_sign(bytes, len, keys, 1, out, out_len);
    }
    free(bytes);
    return code == MC_ERR_OK ? MCW_EXIT_OK : mcw_fail(ctx, code, "cannot sign the transaction");
}

void mcw_result_json(mcw_ctx *ctx, const mc_result *r)
{
    json_t *o = mcw_json(ctx);
    json_object_set_new(o, "tx_id", mcw_hex_json(r->tx_id, MC_TX_ID_BYTES));
    json_object_set_new(o, "height", json_integer((json_int_t)r->height));
    json_object_set_new(o, "duplicate", json_boolean(r->duplicate));
}

int mcw_submit(mcw_ctx *ctx, const uint8_t *signed_tx, size_t len, mc_result *result)
{
    int rc = mcw_connect(ctx);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    int code = mc_client_submit(ctx->client, signed_tx, len, result);
    if (code != MC_ERR_OK) {
        return mcw_fail(ctx, code, "no answer from the node at %s: %s", ctx->node,
                        mc_client_error_message(ctx->client));
    }
    if (result->code != MC_ERR_OK) {
        json_object_set_new(mcw_json(ctx), "tx_id", mcw_hex_json(result->tx_id, MC_TX_ID_BYTES));
        return mcw_fail(ctx, result->code, "refused: %s", mc_client_error_message(ctx->client));
    }
    mcw_result_json(ctx, result);
    return MCW_EXIT_OK;
}

void mcw_close(mcw_ctx *ctx)
{
    mc_client_close(ctx->client);
    ctx->client = NULL;
    mc_keypair_free(ctx->key);
    ctx->key = NULL;
    json_decref(ctx->out);
    ctx->out = NULL;
}
