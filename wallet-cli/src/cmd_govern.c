/* Governance by the stewards: `roles` (who the stewards and the auditors
 * are, and how many stewards must sign: a SetRoles) and `fee` (the fee on
 * transfers and the SYSTEM account it goes to: a SetFee). Both are signed
 * through mcw_send with the stewards' quorum, so `propose roles ...` and
 * `propose fee ...` work; asked for no change, they show what the ledger
 * has now. Also what `info` says of these roles and of the fee, and the KEY
 * arguments of these commands and of `open --keeper`: 64 hex digits, or the
 * handle of an account whose key is meant. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

#define MCW_ROLE_KEYS_MAX MC_STEWARDS_MAX /* keys in one list of a roles change */
_Static_assert(MC_AUDITORS_MAX == MC_STEWARDS_MAX, "one bound for every list of a roles change");
#define MCW_PERCENT_DIGITS_MAX 4u /* digits of a fee before its decimal point */
#define MCW_OPT_LIST 1000         /* getopt values of the four key lists of `roles` */

bool mcw_key_text_is_valid(const char *text)
{
    size_t len = strlen(text);
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    return (len == 2 * MC_PUBLIC_KEY_BYTES && mc_hex_decode(text, key, sizeof key) == MC_ERR_OK) ||
           mc_handle_is_valid((const uint8_t *)text, len);
}

int mcw_key_of(mcw_ctx *ctx, const char *text, uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    uint8_t decoded[MC_PUBLIC_KEY_BYTES];
    if (strlen(text) == 2 * MC_PUBLIC_KEY_BYTES &&
        mc_hex_decode(text, decoded, sizeof decoded) == MC_ERR_OK) {
        memcpy(key, decoded, MC_PUBLIC_KEY_BYTES);
        return MCW_EXIT_OK;
    }
    mc_client_account a;
    int rc = mcw_resolve(ctx, text, false, &a);
    if (rc == MCW_EXIT_OK) {
        memcpy(key, a.account.public_key, MC_PUBLIC_KEY_BYTES);
    }
    return rc;
}

/* The handle of the account of `key` into `out` ("" when none is known):
 * MC_ERR_OK, NOT_FOUND (the key holds no account), or another mc_err when
 * the wallet cannot ask (no authenticated connection: AUTH_REQUIRED). */
static int handle_of(mcw_ctx *ctx, const uint8_t *key, char out[MC_HANDLE_LEN_MAX + 1])
{
    mc_client_account a;
    out[0] = '\0';
    if (!ctx->authenticated) {
        return MC_ERR_AUTH_REQUIRED;
    }
    int code = mc_client_get_account(ctx->client, key, &a);
    if (code == MC_ERR_OK) {
        snprintf(out, MC_HANDLE_LEN_MAX + 1, "%s", a.account.handle);
    }
    return code;
}

/* For a listing: authenticate as the identity, when there is one and the
 * node knows its key, to name keys by their handles; without one, or when
 * the node does not know it, the listing shows the keys alone. Fails only
 * when the identity cannot be unlocked. */
static int listing_session(mcw_ctx *ctx)
{
    if (!mcw_has_identity(ctx) || ctx->authenticated) {
        return MCW_EXIT_OK;
    }
    int rc = mcw_unlock(ctx);
    if (rc == MCW_EXIT_OK && ctx->client != NULL) {
        ctx->authenticated = mc_client_authenticate(ctx->client, ctx->key, NULL) == MC_ERR_OK;
    }
    return rc;
}

static json_t *party_json(const uint8_t *key, const char *handle)
{
    return json_pack("{s:s, s:o}", "handle", handle, "public_key",
                     mcw_hex_json(key, MC_PUBLIC_KEY_BYTES));
}

static bool key_in(const uint8_t (*keys)[MC_PUBLIC_KEY_BYTES], size_t n, const uint8_t *key)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(keys[i], key, MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- what info says ------------------------------------------------------------ */

void mcw_info_roles(mcw_ctx *ctx)
{
    const mc_ledger_info *l = &ctx->info.ledger;
    json_t *o = mcw_json(ctx), *auditors = json_array();
    for (size_t i = 0; i < l->auditor_count; i++) {
        json_array_append_new(auditors, mcw_hex_json(l->auditors[i], MC_PUBLIC_KEY_BYTES));
    }
    json_object_set_new(o, "auditors", auditors);
    json_object_set_new(o, "fee_bps", json_integer(l->fee_bps));
    if (l->has_fee_account) {
        json_object_set_new(o, "fee_account", mcw_hex_json(l->fee_account, MC_PUBLIC_KEY_BYTES));
    }
    mcw_print(ctx, "auditors   %zu\n", l->auditor_count);
    if (l->fee_bps == 0) {
        mcw_print(ctx, "fee        none\n");
        return;
    }
    char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
    mcw_hex(l->fee_account, MC_PUBLIC_KEY_BYTES, hex);
    mcw_print(ctx, "fee        %u.%02u%% (%u basis points) to the key %.16s...\n", l->fee_bps / 100,
              l->fee_bps % 100, l->fee_bps, hex);
}

void mcw_info_identity(mcw_ctx *ctx)
{
    if (!ctx->has_public_key) {
        return;
    }
    const mc_ledger_info *l = &ctx->info.ledger;
    bool steward = key_in(l->stewards, l->steward_count, ctx->public_key);
    bool auditor = key_in(l->auditors, l->auditor_count, ctx->public_key);
    json_t *roles = json_array();
    if (steward) {
        json_array_append_new(roles, json_string("steward"));
    }
    if (auditor) {
        json_array_append_new(roles, json_string("auditor"));
    }
    json_object_set_new(mcw_json(ctx), "identity",
                        json_pack("{s:s, s:o, s:o}", "name", ctx->name, "public_key",
                                  mcw_hex_json(ctx->public_key, MC_PUBLIC_KEY_BYTES), "roles",
                                  roles));
    mcw_print(ctx, "identity   %s (%s)\n", ctx->name,
              steward && auditor ? "steward, auditor"
              : steward          ? "steward"
              : auditor          ? "auditor"
                                 : "no role");
}

/* ---- roles ----------------------------------------------------------------------- */

enum { ADD_STEWARDS, REMOVE_STEWARDS, ADD_AUDITORS, REMOVE_AUDITORS, ROLE_LISTS };

typedef struct roles_args {
    const char *text[ROLE_LISTS][MCW_ROLE_KEYS_MAX]; /* KEY arguments, borrowed from argv */
    size_t count[ROLE_LISTS];
    unsigned quorum; /* 1..MC_STEWARDS_MAX; 0: unchanged */
} roles_args;

static int roles_option(mcw_ctx *ctx, roles_args *a, int opt, const char *arg)
{
    static const char *const names[ROLE_LISTS] = {"--add-steward", "--remove-steward",
                                                  "--add-auditor", "--remove-auditor"};
    if (opt == 'q') {
        char *end;
        unsigned long v = strtoul(arg, &end, 10);
        if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || v < 1 || v > MC_STEWARDS_MAX) {
            return mcw_usage_error(ctx, "--quorum '%s': a number of stewards, 1 to %u", arg,
                                   MC_STEWARDS_MAX);
        }
        a->quorum = (unsigned)v;
        return 0;
    }
    size_t list = (size_t)(opt - MCW_OPT_LIST);
    if (!mcw_key_text_is_valid(arg)) {
        return mcw_usage_error(ctx, "%s '%s': a key (64 hex digits) or a handle", names[list], arg);
    }
    if (a->count[list] >= MCW_ROLE_KEYS_MAX) {
        return mcw_usage_error(ctx, "%s: at most %u keys", names[list], MCW_ROLE_KEYS_MAX);
    }
    a->text[list][a->count[list]++] = arg;
    return 0;
}

static int roles_parse(mcw_ctx *ctx, int argc, char **argv, roles_args *a, bool *done)
{
    static const struct option options[] = {
        {"add-steward", required_argument, NULL, MCW_OPT_LIST + ADD_STEWARDS},
        {"remove-steward", required_argument, NULL, MCW_OPT_LIST + REMOVE_STEWARDS},
        {"add-auditor", required_argument, NULL, MCW_OPT_LIST + ADD_AUDITORS},
        {"remove-auditor", required_argument, NULL, MCW_OPT_LIST + REMOVE_AUDITORS},
        {"quorum", required_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int opt, rc;
    memset(a, 0, sizeof *a);
    while ((rc = mcw_getopt(ctx, argc, argv, "h", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        if ((rc = roles_option(ctx, a, opt, optarg)) != 0) {
            return rc;
        }
    }
    if (rc != 0 || *done) {
        return rc;
    }
    return argc > optind
               ? mcw_usage_error(ctx, "'%s': roles takes options only (see --help)", argv[optind])
               : 0;
}

/* The keys of `keys` with their handles, as `field` of the answer. */
static void list_keys(mcw_ctx *ctx, const char *field, const uint8_t (*keys)[MC_PUBLIC_KEY_BYTES],
                      size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        char hex[2 * MC_PUBLIC_KEY_BYTES + 1], handle[MC_HANDLE_LEN_MAX + 1];
        mcw_hex(keys[i], MC_PUBLIC_KEY_BYTES, hex);
        handle_of(ctx, keys[i], handle);
        json_array_append_new(list, party_json(keys[i], handle));
        mcw_print(ctx, "  %s%s%s\n", hex, handle[0] != '\0' ? "  " : "", handle);
    }
    json_object_set_new(mcw_json(ctx), field, list);
}

static void roles_report(mcw_ctx *ctx)
{
    const mc_ledger_info *l = &ctx->info.ledger;
    json_object_set_new(mcw_json(ctx), "quorum", json_integer(l->quorum));
    mcw_print(ctx, "stewards   %zu, quorum %u\n", l->steward_count, l->quorum);
    list_keys(ctx, "stewards", l->stewards, l->steward_count);
    mcw_print(ctx, "auditors   %zu\n", l->auditor_count);
    list_keys(ctx, "auditors", l->auditors, l->auditor_count);
}

static int roles_change(mcw_ctx *ctx, const roles_args *a, mc_result *r)
{
    uint8_t keys[ROLE_LISTS][MCW_ROLE_KEYS_MAX][MC_PUBLIC_KEY_BYTES];
    mc_body b = mcw_body(ctx, MC_TX_SET_ROLES);
    mc_keys *lists[ROLE_LISTS] = {&b.u.set_roles.add_stewards, &b.u.set_roles.remove_stewards,
                                  &b.u.set_roles.add_auditors, &b.u.set_roles.remove_auditors};
    for (size_t l = 0; l < ROLE_LISTS; l++) {
        for (size_t i = 0; i < a->count[l]; i++) {
            int rc = mcw_key_of(ctx, a->text[l][i], keys[l][i]);
            if (rc != MCW_EXIT_OK) {
                return rc;
            }
        }
        lists[l]->keys = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])keys[l];
        lists[l]->count = a->count[l];
    }
    b.u.set_roles.quorum = a->quorum;
    mcw_quorum q;
    mcw_steward_quorum(ctx, &q);
    return mcw_send(ctx, &b, &q, r);
}

/* The ledger's info again, after a change. */
static int refresh_info(mcw_ctx *ctx)
{
    ctx->has_info = false;
    return mcw_info(ctx, false);
}

int mcw_cmd_roles(mcw_ctx *ctx, int argc, char **argv)
{
    roles_args a;
    bool done = false;
    int rc = roles_parse(ctx, argc, argv, &a, &done);
    if (rc != 0 || done) {
        return rc;
    }
    bool change = a.quorum != 0;
    for (size_t l = 0; l < ROLE_LISTS; l++) {
        change = change || a.count[l] > 0;
    }
    mc_result r;
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = change ? mcw_connect_as(ctx) : listing_session(ctx);
    }
    if (rc == MCW_EXIT_OK && change) {
        rc = roles_change(ctx, &a, &r);
        if (rc == MCW_EXIT_OK && !ctx->proposed) {
            mcw_print(ctx, "roles changed at height %llu\n", (unsigned long long)r.height);
            rc = refresh_info(ctx);
        }
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed) {
        roles_report(ctx);
    }
    return mcw_finish(ctx, rc);
}

/* ---- fee ------------------------------------------------------------------------- */

/* A fee: a percentage with at most two decimals ("2.5%", "2.50%") or whole
 * basis points ("250"); integers only. -1 when it is neither. */
static int parse_fee(const char *text, unsigned long *bps)
{
    size_t len = strlen(text), whole = strspn(text, "0123456789");
    bool percent = len > 0 && text[len - 1] == '%';
    size_t end = percent ? len - 1 : len, at = whole;
    if (whole == 0 || whole > MCW_PERCENT_DIGITS_MAX) {
        return -1;
    }
    unsigned long v = 0, hundredths = 0;
    for (size_t i = 0; i < whole; i++) {
        v = v * 10 + (unsigned long)(text[i] - '0');
    }
    if (percent && at < end && text[at] == '.') {
        size_t digits = strspn(text + at + 1, "0123456789");
        if (digits == 0 || digits > 2) {
            return -1;
        }
        hundredths = (unsigned long)(text[at + 1] - '0') * 10 +
                     (digits == 2 ? (unsigned long)(text[at + 2] - '0') : 0);
        at += 1 + digits;
    }
    if (at != end) {
        return -1;
    }
    *bps = percent ? v * 100 + hundredths : v;
    return 0;
}

typedef struct fee_args {
    bool set;            /* a fee was given */
    unsigned bps;        /* 0..MC_FEE_BPS_MAX */
    const char *account; /* --account HANDLE, or NULL */
} fee_args;

static int fee_parse(mcw_ctx *ctx, int argc, char **argv, fee_args *a, bool *done)
{
    static const struct option options[] = {{"account", required_argument, NULL, 'a'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    memset(a, 0, sizeof *a);
    while ((rc = mcw_getopt(ctx, argc, argv, "h", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        a->account = optarg;
    }
    if (rc != 0 || *done) {
        return rc;
    }
    if (argc - optind > 1) {
        return mcw_usage_error(ctx, "one fee at most");
    }
    unsigned long bps = 0;
    a->set = argc - optind == 1;
    if (a->set && (parse_fee(argv[optind], &bps) != 0 || bps > MC_FEE_BPS_MAX)) {
        return mcw_usage_error(ctx,
                               "'%s': a fee in percent with at most two decimals (2.5%%) or in "
                               "basis points (250), at most %u%% (%u)",
                               argv[optind], MC_FEE_BPS_MAX / 100, MC_FEE_BPS_MAX);
    }
    a->bps = (unsigned)bps;
    if (a->account != NULL && (!a->set || a->bps == 0)) {
        return mcw_usage_error(ctx, "--account names where a fee above 0 goes");
    }
    return 0;
}

/* The account the fee goes to: --account, else the ledger's present one. */
static int fee_account(mcw_ctx *ctx, const char *who, uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    const mc_ledger_info *l = &ctx->info.ledger;
    if (who == NULL) {
        if (!l->has_fee_account) {
            return mcw_usage_error(ctx, "give --account HANDLE: the system account the fee goes "
                                        "to");
        }
        memcpy(key, l->fee_account, MC_PUBLIC_KEY_BYTES);
        return MCW_EXIT_OK;
    }
    mc_client_account a;
    int rc = mcw_resolve(ctx, who, false, &a);
    if (rc == MCW_EXIT_OK && a.account.kind != MC_KIND_SYSTEM) {
        return mcw_fail(ctx, MC_ERR_FEE_INVALID,
                        "%s is a %s account: the fee goes to a system account", a.account.handle,
                        mc_account_kind_name(a.account.kind));
    }
    if (rc == MCW_EXIT_OK) {
        memcpy(key, a.account.public_key, MC_PUBLIC_KEY_BYTES);
    }
    return rc;
}

static int fee_set(mcw_ctx *ctx, const fee_args *a, mc_result *r)
{
    mc_body b = mcw_body(ctx, MC_TX_SET_FEE);
    b.u.set_fee.fee_bps = a->bps;
    if (a->bps > 0) {
        int rc = fee_account(ctx, a->account, b.u.set_fee.fee_account);
        if (rc != MCW_EXIT_OK) {
            return rc;
        }
        b.u.set_fee.has_fee_account = true;
    }
    mcw_quorum q;
    mcw_steward_quorum(ctx, &q);
    return mcw_send(ctx, &b, &q, r);
}

static void fee_report(mcw_ctx *ctx)
{
    const mc_ledger_info *l = &ctx->info.ledger;
    char percent[16], hex[2 * MC_PUBLIC_KEY_BYTES + 1], handle[MC_HANDLE_LEN_MAX + 1];
    snprintf(percent, sizeof percent, "%u.%02u", l->fee_bps / 100, l->fee_bps % 100);
    json_object_set_new(mcw_json(ctx), "fee_bps", json_integer(l->fee_bps));
    json_object_set_new(mcw_json(ctx), "percent", json_string(percent));
    if (l->fee_bps == 0) {
        mcw_print(ctx, "no fee\n");
        return;
    }
    int code = handle_of(ctx, l->fee_account, handle);
    mcw_hex(l->fee_account, MC_PUBLIC_KEY_BYTES, hex);
    json_object_set_new(mcw_json(ctx), "account", party_json(l->fee_account, handle));
    if (code == MC_ERR_OK) {
        mcw_print(ctx, "%s%% (%u basis points) to %s\n", percent, l->fee_bps, handle);
    } else {
        mcw_print(ctx, "%s%% (%u basis points) to the key %.16s...%s\n", percent, l->fee_bps, hex,
                  code == MC_ERR_NOT_FOUND ? ", which holds no account" : "");
    }
}

int mcw_cmd_fee(mcw_ctx *ctx, int argc, char **argv)
{
    fee_args a;
    bool done = false;
    int rc = fee_parse(ctx, argc, argv, &a, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_result r;
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = a.set ? mcw_connect_as(ctx) : listing_session(ctx);
    }
    if (rc == MCW_EXIT_OK && a.set) {
        rc = fee_set(ctx, &a, &r);
        if (rc == MCW_EXIT_OK && !ctx->proposed) {
            mcw_print(ctx, "fee set at height %llu\n", (unsigned long long)r.height);
            rc = refresh_info(ctx);
        }
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed) {
        fee_report(ctx);
    }
    return mcw_finish(ctx, rc);
}
