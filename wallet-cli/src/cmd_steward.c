/* Joining and the stewards' commands. `join` writes an OpenAccount signed
 * by the member's own key (a request to join); a steward's `open` adds the
 * steward's signature to it, or opens an account for a bare public key
 * (a commons with the keepers that will run it: --keeper, --keeper-quorum);
 * `limits`, `freeze`, `unfreeze` and `close` are the steward-signed
 * SetLimits and SetStatus. The join file:
 *   {"format": "mc-join-1", "ledger_id": HEX, "handle": H, "kind": K,
 *    "public_key": HEX, "tx_id": HEX, "signed_tx": HEX} */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

#define MCW_JOIN_FORMAT "mc-join-1"

typedef struct steward_args {
    const char *out;
    const char *kind;
    const char *min, *max;
    const char *keepers[MC_KEEPERS_MAX]; /* open --keeper KEY: borrowed from argv */
    size_t keeper_count;
    const char *keeper_quorum; /* open --keeper-quorum M */
} steward_args;

/* --keeper KEY, --keeper-quorum M: for `open` only. */
static int keeper_option(mcw_ctx *ctx, steward_args *a, int opt, const char *arg)
{
    if (strcmp(ctx->prog, "mcwallet open") != 0) {
        return mcw_usage_error(ctx, "--keeper and --keeper-quorum go with open --kind commons");
    }
    if (opt == 'Q') {
        a->keeper_quorum = arg;
        return 0;
    }
    if (a->keeper_count >= MC_KEEPERS_MAX) {
        return mcw_usage_error(ctx, "at most %u keepers", MC_KEEPERS_MAX);
    }
    if (!mcw_key_text_is_valid(arg)) {
        return mcw_usage_error(ctx, "--keeper '%s': a key (64 hex digits) or a handle", arg);
    }
    a->keepers[a->keeper_count++] = arg;
    return 0;
}

static int parse_args(mcw_ctx *ctx, int argc, char **argv, steward_args *a, int nargs, bool *done)
{
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'},    {"kind", required_argument, NULL, 'k'},
        {"min", required_argument, NULL, 'm'},    {"max", required_argument, NULL, 'M'},
        {"keeper", required_argument, NULL, 'K'}, {"keeper-quorum", required_argument, NULL, 'Q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int opt, rc;
    memset(a, 0, sizeof *a);
    while ((rc = mcw_getopt(ctx, argc, argv, "ho:k:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        if (opt == 'K' || opt == 'Q') {
            if ((rc = keeper_option(ctx, a, opt, optarg)) != 0) {
                return rc;
            }
            continue;
        }
        const char **slot = opt == 'o'   ? &a->out
                            : opt == 'k' ? &a->kind
                            : opt == 'm' ? &a->min
                                         : &a->max;
        *slot = optarg;
    }
    if (rc != 0 || *done) {
        return rc;
    }
    return argc - optind != nargs ? mcw_usage_error(ctx, "wrong number of arguments") : 0;
}

static int kind_of(mcw_ctx *ctx, const char *name, int *kind)
{
    *kind = name != NULL ? mc_account_kind_from_name(name) : MC_KIND_MEMBER;
    return *kind < 0
               ? mcw_usage_error(ctx, "--kind '%s': member, business, commons or system", name)
               : 0;
}

/* Sign as a steward and submit, or write a proposal (see proposal.c). */
static int sign_submit(mcw_ctx *ctx, const mc_body *b, mc_result *r)
{
    mcw_quorum q;
    mcw_steward_quorum(ctx, &q);
    return mcw_send(ctx, b, &q, r);
}

int mcw_cmd_join(mcw_ctx *ctx, int argc, char **argv)
{
    steward_args a;
    bool done = false;
    int kind = 0, rc = parse_args(ctx, argc, argv, &a, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *handle = argv[optind];
    if (a.out == NULL) {
        return mcw_usage_error(ctx, "--out FILE is required");
    }
    if ((rc = kind_of(ctx, a.kind, &kind)) != 0) {
        return rc;
    }
    if (kind == MC_KIND_SYSTEM) {
        return mcw_usage_error(ctx, "--kind: member, business or commons (stewards open system "
                                    "accounts themselves)");
    }
    if (!mc_handle_is_valid((const uint8_t *)handle, strlen(handle))) {
        return mcw_usage_error(ctx, "'%s': a handle is 2 to 32 of a-z 0-9 _ . -", handle);
    }
    rc = mcw_info(ctx, true);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_unlock(ctx);
    }
    uint8_t *tx = NULL;
    size_t len = 0;
    if (rc == MCW_EXIT_OK) {
        mc_body b = mcw_body(ctx, MC_TX_OPEN_ACCOUNT);
        memcpy(b.u.open_account.public_key, ctx->public_key, MC_PUBLIC_KEY_BYTES);
        b.u.open_account.handle = handle;
        b.u.open_account.kind = (mc_account_kind)kind;
        rc = mcw_sign(ctx, &b, &tx, &len);
    }
    if (rc == MCW_EXIT_OK) {
        char *hex = malloc(2 * len + 1);
        uint8_t id[MC_TX_ID_BYTES];
        mc_tx *decoded = NULL;
        if (hex != NULL && mc_tx_decode(tx, len, &decoded) == MC_ERR_OK) {
            memcpy(id, mc_tx_id_of(decoded), sizeof id);
            mc_hex_encode(tx, len, hex);
            json_t *doc = json_pack(
                "{s:s, s:o, s:s, s:s, s:o, s:o, s:s}", "format", MCW_JOIN_FORMAT, "ledger_id",
                mcw_hex_json(ctx->info.ledger.ledger_id, 32), "handle", handle, "kind",
                mc_account_kind_name(kind), "public_key", mcw_hex_json(ctx->public_key, 32),
                "tx_id", mcw_hex_json(id, MC_TX_ID_BYTES), "signed_tx", hex);
            rc = mcw_write_json(ctx, a.out, doc, true);
            json_decref(doc);
        } else {
            rc = mcw_fail(ctx, MC_ERR_NO_MEMORY, "cannot write the join request");
        }
        mc_tx_free(decoded);
        free(hex);
    }
    free(tx);
    if (rc == MCW_EXIT_OK) {
        json_object_set_new(mcw_json(ctx), "handle", json_string(handle));
        json_object_set_new(mcw_json(ctx), "file", json_string(a.out));
        mcw_print(ctx,
                  "join request for %s written to %s: give it to a steward, who runs\n"
                  "  mcwallet open %s %s\n",
                  handle, a.out, handle, a.out);
    }
    return mcw_finish(ctx, rc);
}

/* A member's join request: their signed OpenAccount for this ledger. */
static int read_join(mcw_ctx *ctx, const char *path, const char *handle, mc_tx **tx)
{
    int rc;
    json_t *doc = mcw_read_json(ctx, path, &rc);
    if (doc == NULL) {
        return rc;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    const char *format = json_string_value(json_object_get(doc, "format"));
    bool ok = format != NULL && strcmp(format, MCW_JOIN_FORMAT) == 0 &&
              mcw_json_hex_alloc(doc, "signed_tx", &bytes, &len) == 0;
    json_decref(doc);
    int code = ok ? mc_tx_decode(bytes, len, tx) : MC_ERR_MALFORMED;
    free(bytes);
    if (code == MC_ERR_OK && mc_tx_kind_of(*tx) != MC_TX_OPEN_ACCOUNT) {
        code = MC_ERR_MALFORMED;
    }
    code = code == MC_ERR_OK ? mc_tx_verify(*tx) : code;
    mc_tx_view v;
    if (code == MC_ERR_OK) {
        mc_tx_view_of(*tx, &v);
        if (memcmp(v.ledger_id, ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
            return mcw_fail(ctx, MC_ERR_WRONG_LEDGER, "%s is for another ledger", path);
        }
        if (v.u.open_account.handle_len != strlen(handle) ||
            memcmp(v.u.open_account.handle, handle, strlen(handle)) != 0 ||
            mc_tx_signer_count(*tx) != 1 ||
            memcmp(mc_tx_signer(*tx, 0), v.u.open_account.public_key, MC_PUBLIC_KEY_BYTES) != 0) {
            return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                            "%s is not a request to join as %s, signed by the joining key", path,
                            handle);
        }
    }
    return code == MC_ERR_OK ? MCW_EXIT_OK
                             : mcw_fail(ctx, code, "%s is not a valid join request", path);
}

/* --min and --max over `base`: an omitted one keeps its value. */
static int limits_of(mcw_ctx *ctx, const steward_args *a, mc_limits base, mc_limits *out)
{
    *out = base;
    if (a->min != NULL && mcw_parse_amount(ctx, a->min, false, &out->min_balance) != 0) {
        return MCW_EXIT_USAGE;
    }
    if (a->max != NULL && mcw_parse_amount(ctx, a->max, false, &out->max_balance) != 0) {
        return MCW_EXIT_USAGE;
    }
    return MCW_EXIT_OK;
}

/* `run_by`: how the opening names the keepers of a commons ("" when none). */
static void opened(mcw_ctx *ctx, const char *handle, int kind, const uint8_t *key, bool joined,
                   const char *run_by, const mc_result *r)
{
    char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
    mcw_hex(key, MC_PUBLIC_KEY_BYTES, hex);
    json_object_set_new(mcw_json(ctx), "handle", json_string(handle));
    json_object_set_new(mcw_json(ctx), "kind", json_string(mc_account_kind_name(kind)));
    json_object_set_new(mcw_json(ctx), "public_key", json_string(hex));
    json_object_set_new(mcw_json(ctx), "joined", json_boolean(joined));
    mcw_print(ctx, "opened %s (%s) for key %.16s... at height %llu%s%s\n", handle,
              mc_account_kind_name(kind), hex, (unsigned long long)r->height,
              joined ? ", at its holder's request" : "", run_by);
}

static int set_limits(mcw_ctx *ctx, const uint8_t *key, mc_limits l, mc_result *r)
{
    mc_body b = mcw_body(ctx, MC_TX_SET_LIMITS);
    memcpy(b.u.set_limits.account, key, MC_PUBLIC_KEY_BYTES);
    b.u.set_limits.limits = l;
    return sign_submit(ctx, &b, r);
}

/* --min/--max for an account opened from a join request: a signed request
 * cannot carry them, so they follow in a SetLimits; checked first, so that
 * it cannot fail after the opening. */
static int join_limits(mcw_ctx *ctx, const steward_args *a, int kind, mc_limits *l)
{
    int rc = limits_of(ctx, a, ctx->info.ledger.default_limits[kind - 1], l);
    if (rc == MCW_EXIT_OK && !(l->min_balance <= 0 && l->max_balance >= 0)) {
        rc = mcw_fail(
            ctx, MC_ERR_LIMITS_INVALID, "limits %s .. %s: the floor must be <= 0 <= the ceiling",
            mcw_amount_text(ctx, l->min_balance).s, mcw_amount_text(ctx, l->max_balance).s);
    }
    return rc;
}

static int open_from_join(mcw_ctx *ctx, const steward_args *a, const char *handle, const char *path)
{
    mc_tx *tx = NULL;
    int rc = read_join(ctx, path, handle, &tx);
    mc_tx_view v;
    bool set = a->min != NULL || a->max != NULL;
    mc_limits l = {0, 0};
    if (rc == MCW_EXIT_OK) {
        mc_tx_view_of(tx, &v);
        int kind = 0;
        if (a->kind != NULL &&
            (kind_of(ctx, a->kind, &kind) != 0 || kind != v.u.open_account.kind)) {
            rc = mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                          "the join request asks for a %s account: a signed request cannot be "
                          "changed",
                          mc_account_kind_name(v.u.open_account.kind));
        } else if (a->keeper_count > 0) {
            rc = mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                          "a signed join request cannot carry keepers: the member asks again "
                          "with a key of their own, or you open the commons for its key");
        } else if (set) {
            rc = join_limits(ctx, a, v.u.open_account.kind, &l);
        }
    }
    mc_result r, lr;
    if (rc == MCW_EXIT_OK && set && ctx->proposal_out != NULL) {
        rc = mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                      "a signed join request cannot carry limits: propose the opening, then "
                      "`mcwallet propose limits %s ...` once it is applied",
                      handle);
    }
    if (rc == MCW_EXIT_OK) {
        mcw_quorum q;
        mcw_steward_quorum(ctx, &q);
        int code = mc_tx_cosign(tx, ctx->key);
        rc = code == MC_ERR_OK ? mcw_send_tx(ctx, tx, &q, &r)
                               : mcw_fail(ctx, code, "cannot add your signature");
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed) {
        opened(ctx, handle, v.u.open_account.kind, v.u.open_account.public_key, true, "", &r);
    }
    if (rc == MCW_EXIT_OK && set) {
        rc = set_limits(ctx, v.u.open_account.public_key, l, &lr);
        mcw_result_json(ctx, &r); /* the answer is the opening's; the limits beside it */
        json_object_set_new(mcw_json(ctx), "limits_height",
                            json_integer(rc == MCW_EXIT_OK ? (json_int_t)lr.height : 0));
        mcw_print(ctx, "limits of %s: %s .. %s\n", handle, mcw_amount_text(ctx, l.min_balance).s,
                  mcw_amount_text(ctx, l.max_balance).s);
    }
    mc_tx_free(tx);
    return rc;
}

/* The keepers of a commons to open, checked before the node is asked
 * anything: *quorum 1..keepers, 0 when none are named. */
static int keepers_check(mcw_ctx *ctx, const steward_args *a, unsigned *quorum)
{
    int kind = 0;
    *quorum = 0;
    if (a->keeper_count == 0 && a->keeper_quorum == NULL) {
        return 0;
    }
    if (kind_of(ctx, a->kind, &kind) != 0) {
        return MCW_EXIT_USAGE;
    }
    if (kind != MC_KIND_COMMONS) {
        return mcw_usage_error(ctx, "keepers run a commons: give --kind commons");
    }
    if (a->keeper_count == 0) {
        return mcw_usage_error(ctx, "--keeper-quorum goes with --keeper KEY");
    }
    unsigned long v = 1;
    char *end = NULL;
    if (a->keeper_quorum != NULL) {
        v = strtoul(a->keeper_quorum, &end, 10);
        if (a->keeper_quorum[0] < '0' || a->keeper_quorum[0] > '9' || *end != '\0' || v < 1 ||
            v > a->keeper_count) {
            return mcw_usage_error(ctx, "--keeper-quorum '%s': 1 to the %zu keepers named",
                                   a->keeper_quorum, a->keeper_count);
        }
    }
    *quorum = (unsigned)v;
    return 0;
}

/* The keepers' keys into `keys`, and their names into `run_by` for the
 * words. */
static int keepers_resolve(mcw_ctx *ctx, const steward_args *a, unsigned quorum,
                           uint8_t (*keys)[MC_PUBLIC_KEY_BYTES], char *run_by, size_t len)
{
    size_t used = 0;
    for (size_t i = 0; i < a->keeper_count; i++) {
        int rc = mcw_key_of(ctx, a->keepers[i], keys[i]);
        if (rc != MCW_EXIT_OK) {
            return rc;
        }
        bool hex = strlen(a->keepers[i]) == 2 * MC_PUBLIC_KEY_BYTES;
        int n =
            snprintf(run_by + used, len - used, "%s%.*s%s", i == 0 ? ", run by the keepers " : ", ",
                     hex ? 16 : MC_HANDLE_LEN_MAX, a->keepers[i], hex ? "..." : "");
        used += n > 0 && (size_t)n < len - used ? (size_t)n : 0;
    }
    snprintf(run_by + used, len - used, " (%u of them must sign)", quorum);
    return MCW_EXIT_OK;
}

static int open_for_key(mcw_ctx *ctx, const steward_args *a, const char *handle,
                        const uint8_t key[MC_PUBLIC_KEY_BYTES], unsigned keeper_quorum)
{
    int kind = 0;
    if (kind_of(ctx, a->kind, &kind) != 0) {
        return MCW_EXIT_USAGE;
    }
    mc_body b = mcw_body(ctx, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, key, MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = (mc_account_kind)kind;
    if (a->min != NULL || a->max != NULL) {
        b.u.open_account.has_limits = true;
        if (limits_of(ctx, a, ctx->info.ledger.default_limits[kind - 1],
                      &b.u.open_account.limits) != MCW_EXIT_OK) {
            return MCW_EXIT_USAGE;
        }
    }
    uint8_t keepers[MC_KEEPERS_MAX][MC_PUBLIC_KEY_BYTES];
    char run_by[MC_KEEPERS_MAX * (MC_HANDLE_LEN_MAX + 2) + 64] = "";
    mc_result r;
    int rc = keeper_quorum == 0
                 ? MCW_EXIT_OK
                 : keepers_resolve(ctx, a, keeper_quorum, keepers, run_by, sizeof run_by);
    if (rc == MCW_EXIT_OK) {
        b.u.open_account.keepers.keys = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])keepers;
        b.u.open_account.keepers.count = a->keeper_count;
        b.u.open_account.keeper_quorum = keeper_quorum;
        rc = sign_submit(ctx, &b, &r);
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed && keeper_quorum > 0) {
        json_t *list = json_array();
        for (size_t i = 0; i < a->keeper_count; i++) {
            json_array_append_new(list, mcw_hex_json(keepers[i], MC_PUBLIC_KEY_BYTES));
        }
        json_object_set_new(mcw_json(ctx), "keepers", list);
        json_object_set_new(mcw_json(ctx), "keeper_quorum", json_integer(keeper_quorum));
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed) {
        opened(ctx, handle, kind, key, false, run_by, &r);
    }
    return rc;
}

int mcw_cmd_open(mcw_ctx *ctx, int argc, char **argv)
{
    steward_args a;
    bool done = false;
    int rc = parse_args(ctx, argc, argv, &a, 2, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *handle = argv[optind], *what = argv[optind + 1];
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    unsigned keeper_quorum = 0;
    if (!mc_handle_is_valid((const uint8_t *)handle, strlen(handle))) {
        return mcw_usage_error(ctx, "'%s': a handle is 2 to 32 of a-z 0-9 _ . -", handle);
    }
    if ((rc = keepers_check(ctx, &a, &keeper_quorum)) != 0) {
        return rc;
    }
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_connect_as(ctx);
    }
    if (rc == MCW_EXIT_OK) {
        rc = strlen(what) == 2 * MC_PUBLIC_KEY_BYTES && mc_hex_decode(what, key, sizeof key) == 0
                 ? open_for_key(ctx, &a, handle, key, keeper_quorum)
                 : open_from_join(ctx, &a, handle, what);
    }
    return mcw_finish(ctx, rc);
}

int mcw_cmd_limits(mcw_ctx *ctx, int argc, char **argv)
{
    steward_args a;
    bool done = false;
    int rc = parse_args(ctx, argc, argv, &a, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    if (a.min == NULL && a.max == NULL) {
        return mcw_usage_error(ctx, "give --min AMOUNT, --max AMOUNT or both");
    }
    mc_client_account target;
    mc_limits l;
    mc_result r;
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_resolve(ctx, argv[optind], false, &target);
    }
    if (rc == MCW_EXIT_OK && target.restricted && (a.min == NULL || a.max == NULL)) {
        rc = mcw_fail(ctx, MC_ERR_FORBIDDEN,
                      "%s's limits are hidden from you: give both --min "
                      "and --max",
                      target.account.handle);
    }
    if (rc == MCW_EXIT_OK) {
        rc = limits_of(ctx, &a, target.account.limits, &l);
    }
    if (rc == MCW_EXIT_OK) {
        rc = set_limits(ctx, target.account.public_key, l, &r);
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed) {
        json_object_set_new(mcw_json(ctx), "handle", json_string(target.account.handle));
        json_object_set_new(mcw_json(ctx), "limits",
                            json_pack("{s:o, s:o}", "min", mcw_amount_json(ctx, l.min_balance),
                                      "max", mcw_amount_json(ctx, l.max_balance)));
        mcw_print(ctx, "%s: credit limit %s, ceiling %s (height %llu)\n", target.account.handle,
                  mcw_amount_text(ctx, l.min_balance).s, mcw_amount_text(ctx, l.max_balance).s,
                  (unsigned long long)r.height);
    }
    return mcw_finish(ctx, rc);
}

static int set_status(mcw_ctx *ctx, int argc, char **argv, mc_account_status status)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 1, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_client_account target;
    mc_result r;
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_resolve(ctx, argv[optind], false, &target);
    }
    if (rc == MCW_EXIT_OK) {
        mc_body b = mcw_body(ctx, MC_TX_SET_STATUS);
        memcpy(b.u.set_status.account, target.account.public_key, MC_PUBLIC_KEY_BYTES);
        b.u.set_status.status = status;
        rc = sign_submit(ctx, &b, &r);
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed) {
        json_object_set_new(mcw_json(ctx), "handle", json_string(target.account.handle));
        json_object_set_new(mcw_json(ctx), "status", json_string(mc_account_status_name(status)));
        mcw_print(ctx, "%s is now %s (height %llu)\n", target.account.handle,
                  mc_account_status_name(status), (unsigned long long)r.height);
    }
    return mcw_finish(ctx, rc);
}

int mcw_cmd_freeze(mcw_ctx *ctx, int argc, char **argv)
{
    return set_status(ctx, argc, argv, MC_STATUS_FROZEN);
}

int mcw_cmd_unfreeze(mcw_ctx *ctx, int argc, char **argv)
{
    return set_status(ctx, argc, argv, MC_STATUS_ACTIVE);
}

int mcw_cmd_close(mcw_ctx *ctx, int argc, char **argv)
{
    return set_status(ctx, argc, argv, MC_STATUS_CLOSED);
}
