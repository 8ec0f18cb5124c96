/* Transactions that need several signatures: the stewards' quorum (M of N)
 * and a commons' keepers. A command builds its body and calls mcw_send:
 * when the identity's signature is enough it is submitted at once, as with
 * a quorum of 1; under `propose` it is written into a proposal file
 * instead, which others `cosign` (after reading what they sign, in words)
 * and anyone `submit`s. The proposal file:
 *   {"format": "mc-proposal-1", "ledger_id": HEX, "tx_id": HEX,
 *    "summary": TEXT, "signers": [HEX...], "signed_tx": HEX}
 * Nothing in it but the signed transaction is trusted: cosign decodes and
 * verifies it, checks the ledger, and describes it from the body itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc/error.h"
#include "wallet.h"

#define MCW_PROPOSAL_FORMAT "mc-proposal-1"

void mcw_steward_quorum(const mcw_ctx *ctx, mcw_quorum *q)
{
    memset(q, 0, sizeof *q);
    snprintf(q->who, sizeof q->who, "stewards");
    q->needed = ctx->info.ledger.quorum;
    q->count = ctx->info.ledger.steward_count;
    memcpy(q->keys, ctx->info.ledger.stewards, q->count * MC_PUBLIC_KEY_BYTES);
    q->code = MC_ERR_QUORUM_NOT_MET;
}

void mcw_keeper_quorum(const mc_account *commons, mcw_quorum *q)
{
    memset(q, 0, sizeof *q);
    snprintf(q->who, sizeof q->who, "keepers of %s", commons->handle);
    q->code = MC_ERR_KEEPER_QUORUM_NOT_MET;
    if (commons->keeper_count == 0) {
        q->needed = 1;
        q->count = 1;
        memcpy(q->keys[0], commons->public_key, MC_PUBLIC_KEY_BYTES);
        return;
    }
    q->needed = commons->keeper_quorum == 0 ? 1 : commons->keeper_quorum;
    q->count = commons->keeper_count;
    memcpy(q->keys, commons->keepers, q->count * MC_PUBLIC_KEY_BYTES);
}

/* How many of the transaction's signers count for `q`. */
static unsigned counted(const mc_tx *tx, const mcw_quorum *q)
{
    unsigned n = 0;
    for (size_t i = 0; i < mc_tx_signer_count(tx); i++) {
        for (size_t k = 0; k < q->count; k++) {
            n += memcmp(mc_tx_signer(tx, i), q->keys[k], MC_PUBLIC_KEY_BYTES) == 0;
        }
    }
    return n;
}

static bool in_quorum(const mcw_quorum *q, const uint8_t *key)
{
    for (size_t k = 0; k < q->count; k++) {
        if (memcmp(key, q->keys[k], MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    return false;
}

static bool signed_by(const mc_tx *tx, const uint8_t *key)
{
    for (size_t i = 0; i < mc_tx_signer_count(tx); i++) {
        if (memcmp(mc_tx_signer(tx, i), key, MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    return false;
}

/* The refusal of a signer who is not one of `q`'s keys. */
static int outsider_code(const mcw_quorum *q)
{
    return q->code == MC_ERR_QUORUM_NOT_MET ? MC_ERR_NOT_A_STEWARD : MC_ERR_NOT_A_KEEPER;
}

/* The height where `tx` was applied; 0 when not (or the node does not say). */
static uint64_t applied_height(mcw_ctx *ctx, const mc_tx *tx)
{
    mc_client_tx t;
    if (ctx->client == NULL || mc_client_get_tx(ctx->client, mc_tx_id_of(tx), &t) != MC_ERR_OK) {
        return 0;
    }
    free(t.entry);
    return t.height;
}

/* Write `tx` as a proposal to `path` (overwriting: cosign rewrites it). */
static int write_proposal(mcw_ctx *ctx, const mc_tx *tx, const char *path, bool overwrite)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    char summary[1024];
    int code = mc_tx_encode(tx, &bytes, &len);
    char *hex = code == MC_ERR_OK ? malloc(2 * len + 1) : NULL;
    if (hex == NULL) {
        free(bytes);
        return mcw_fail(ctx, code != MC_ERR_OK ? code : MC_ERR_NO_MEMORY,
                        "cannot write the proposal");
    }
    mc_hex_encode(bytes, len, hex);
    mcw_tx_summary(ctx, tx, summary, sizeof summary);
    json_t *signers = json_array();
    for (size_t i = 0; i < mc_tx_signer_count(tx); i++) {
        json_array_append_new(signers, mcw_hex_json(mc_tx_signer(tx, i), MC_PUBLIC_KEY_BYTES));
    }
    json_t *doc = json_pack("{s:s, s:o, s:o, s:s, s:o, s:s}", "format", MCW_PROPOSAL_FORMAT,
                            "ledger_id", mcw_hex_json(ctx->info.ledger.ledger_id, 32), "tx_id",
                            mcw_hex_json(mc_tx_id_of(tx), MC_TX_ID_BYTES), "summary", summary,
                            "signers", signers, "signed_tx", hex);
    int rc = mcw_write_json_file(ctx, path, doc, false, overwrite);
    json_decref(doc);
    free(hex);
    free(bytes);
    return rc;
}

/* Tell where a proposal stands: signatures counted, and what comes next. */
static void proposal_status(mcw_ctx *ctx, const mc_tx *tx, const mcw_quorum *q, const char *path)
{
    unsigned n = counted(tx, q);
    json_object_set_new(mcw_json(ctx), "proposal", json_string(path));
    json_object_set_new(mcw_json(ctx), "signatures", json_integer(n));
    json_object_set_new(mcw_json(ctx), "needed", json_integer(q->needed));
    json_object_set_new(mcw_json(ctx), "tx_id", mcw_hex_json(mc_tx_id_of(tx), MC_TX_ID_BYTES));
    uint64_t height = n >= q->needed ? applied_height(ctx, tx) : 0;
    if (height > 0) {
        json_object_set_new(mcw_json(ctx), "applied_height", json_integer((json_int_t)height));
        mcw_print(ctx,
                  "%s: %u of the %u signatures of the %s it needs: already applied at height "
                  "%llu\n",
                  path, n, q->needed, q->who, (unsigned long long)height);
    } else if (n >= q->needed) {
        mcw_print(ctx,
                  "%s: %u of the %u signatures of the %s it needs: ready, run\n"
                  "  mcwallet submit %s\n",
                  path, n, q->needed, q->who, path);
    } else {
        mcw_print(ctx,
                  "%s: %u of the %u signatures of the %s it needs; the others run\n"
                  "  mcwallet cosign %s\n",
                  path, n, q->needed, q->who, path);
    }
}

int mcw_send_tx(mcw_ctx *ctx, mc_tx *tx, const mcw_quorum *q, mc_result *r)
{
    memset(r, 0, sizeof *r);
    bool quorum_rule = q->code == MC_ERR_QUORUM_NOT_MET || q->code == MC_ERR_KEEPER_QUORUM_NOT_MET;
    if (quorum_rule && !in_quorum(q, ctx->public_key)) {
        return mcw_fail(ctx, outsider_code(q),
                        "your key is not one of the %s: your signature does not count", q->who);
    }
    if (ctx->proposal_out != NULL) {
        int rc = write_proposal(ctx, tx, ctx->proposal_out, false);
        if (rc == MCW_EXIT_OK) {
            ctx->proposed = true;
            proposal_status(ctx, tx, q, ctx->proposal_out);
        }
        return rc;
    }
    unsigned n = counted(tx, q);
    if (n < q->needed) {
        const char *space = strchr(ctx->prog, ' ');
        return mcw_fail(ctx, q->code,
                        "this needs %u signatures of the %s and carries %u: write it as a "
                        "proposal with\n  mcwallet propose %s ... --out FILE\nhave the others "
                        "run `mcwallet cosign FILE`, then `mcwallet submit FILE`",
                        q->needed, q->who, n, space != NULL ? space + 1 : "COMMAND");
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    int code = mc_tx_encode(tx, &bytes, &len);
    int rc = code == MC_ERR_OK ? mcw_submit(ctx, bytes, len, r)
                               : mcw_fail(ctx, code, "cannot encode the transaction");
    free(bytes);
    return rc;
}

int mcw_send(mcw_ctx *ctx, const mc_body *b, const mcw_quorum *q, mc_result *r)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    mc_tx *tx = NULL;
    int rc = mcw_sign(ctx, b, &bytes, &len);
    if (rc == MCW_EXIT_OK) {
        int code = mc_tx_decode(bytes, len, &tx);
        rc = code == MC_ERR_OK ? mcw_send_tx(ctx, tx, q, r)
                               : mcw_fail(ctx, code, "cannot decode what was signed");
    }
    mc_tx_free(tx);
    free(bytes);
    return rc;
}

/* The commands `propose` may run: those whose transaction needs a quorum. */
static bool proposable(const char *name)
{
    static const char *const names[] = {"open",    "limits", "freeze",    "unfreeze",
                                        "close",   "roles",  "fee",       "pay",
                                        "approve", "reject", "distribute"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Take --out FILE (or --out=FILE, -o FILE) out of argv, wherever it is. */
static int take_out(mcw_ctx *ctx, int *argc, char **argv, const char **out)
{
    *out = NULL;
    for (int i = 1; i < *argc; i++) {
        bool eq = strncmp(argv[i], "--out=", 6) == 0;
        bool pair = strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0;
        if (!eq && !pair) {
            continue;
        }
        if (*out != NULL || (pair && i + 1 >= *argc)) {
            return mcw_usage_error(ctx, "give --out FILE once");
        }
        *out = eq ? argv[i] + 6 : argv[i + 1];
        int drop = eq ? 1 : 2;
        memmove(&argv[i], &argv[i + drop], (size_t)(*argc - i - drop + 1) * sizeof *argv);
        *argc -= drop;
        i--;
    }
    return *out == NULL ? mcw_usage_error(ctx, "--out FILE is required") : 0;
}

int mcw_cmd_propose(mcw_ctx *ctx, int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        return mcw_command_usage(ctx, mcw_command_find("propose"), false);
    }
    if (argc < 2 || !proposable(argv[1])) {
        return mcw_usage_error(ctx, "propose what? open, limits, freeze, unfreeze, close, roles, "
                                    "fee, pay --from COMMONS, approve, reject or distribute");
    }
    const char *out = NULL;
    int rc = take_out(ctx, &argc, argv, &out);
    if (rc != 0) {
        return rc;
    }
    const mcw_command *cmd = mcw_command_find(argv[1]);
    static char prog[64];
    snprintf(prog, sizeof prog, "mcwallet %s", cmd->name);
    ctx->prog = prog;
    ctx->proposal_out = out;
    optind = 0;
    return cmd->run(ctx, argc - 1, argv + 1);
}

/* A proposal file: its transaction, decoded and verified, for this ledger. */
static int read_proposal(mcw_ctx *ctx, const char *path, mc_tx **tx)
{
    int rc;
    json_t *doc = mcw_read_json(ctx, path, &rc);
    if (doc == NULL) {
        return rc;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    const char *format = json_string_value(json_object_get(doc, "format"));
    bool ok = format != NULL && strcmp(format, MCW_PROPOSAL_FORMAT) == 0 &&
              mcw_json_hex_alloc(doc, "signed_tx", &bytes, &len) == 0;
    json_decref(doc);
    int code = ok ? mc_tx_decode(bytes, len, tx) : MC_ERR_MALFORMED;
    free(bytes);
    code = code == MC_ERR_OK ? mc_tx_verify(*tx) : code;
    if (code != MC_ERR_OK) {
        return mcw_fail(ctx, code, "%s is not a valid proposal (%s)", path, mc_strerror(code));
    }
    mc_tx_view v;
    mc_tx_view_of(*tx, &v);
    if (memcmp(v.ledger_id, ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        return mcw_fail(ctx, MC_ERR_WRONG_LEDGER, "%s is for another ledger", path);
    }
    return MCW_EXIT_OK;
}

/* "yes" on the terminal, or --yes. */
static bool confirmed(mcw_ctx *ctx, bool yes)
{
    if (yes) {
        return true;
    }
    if (!isatty(STDIN_FILENO) || ctx->json) {
        return false;
    }
    char line[16] = "";
    fprintf(stderr, "sign this? [y/N] ");
    fflush(stderr);
    return fgets(line, sizeof line, stdin) != NULL && (line[0] == 'y' || line[0] == 'Y');
}

typedef struct cosign_args {
    bool yes;
    const char *out;
} cosign_args;

static int cosign_parse(mcw_ctx *ctx, int argc, char **argv, cosign_args *a, bool *done)
{
    static const struct option options[] = {{"yes", no_argument, NULL, 'y'},
                                            {"out", required_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    memset(a, 0, sizeof *a);
    while ((rc = mcw_getopt(ctx, argc, argv, "hyo:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        if (opt == 'y') {
            a->yes = true;
        } else {
            a->out = optarg;
        }
    }
    if (rc == 0 && !*done && argc - optind != 1) {
        return mcw_usage_error(ctx, "one FILE");
    }
    return rc;
}

int mcw_cmd_cosign(mcw_ctx *ctx, int argc, char **argv)
{
    cosign_args a;
    bool done = false;
    int rc = cosign_parse(ctx, argc, argv, &a, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *path = argv[optind];
    mc_tx *tx = NULL;
    mcw_quorum q;
    char summary[1024];
    rc = mcw_info(ctx, false);
    rc = rc == MCW_EXIT_OK ? read_proposal(ctx, path, &tx) : rc;
    rc = rc == MCW_EXIT_OK ? mcw_unlock(ctx) : rc;
    rc = rc == MCW_EXIT_OK ? mcw_quorum_of(ctx, tx, &q) : rc;
    if (rc == MCW_EXIT_OK) {
        mcw_tx_summary(ctx, tx, summary, sizeof summary);
        json_object_set_new(mcw_json(ctx), "summary", json_string(summary));
        fprintf(ctx->json ? stderr : stdout, "%s\n", summary);
        if (!in_quorum(&q, ctx->public_key)) {
            rc = mcw_fail(ctx, outsider_code(&q),
                          "your key is not one of the %s: your signature would not count", q.who);
        } else if (signed_by(tx, ctx->public_key)) {
            mcw_print(ctx, "you have already signed it\n");
        } else if (counted(tx, &q) >= q.needed) {
            mcw_print(ctx, "it already carries enough signatures: yours is not added\n");
        } else if (!confirmed(ctx, a.yes)) {
            rc = mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                          "not signed (answer y, or give --yes when not on a terminal)");
        } else {
            int code = mc_tx_cosign(tx, ctx->key);
            rc = code == MC_ERR_OK ? write_proposal(ctx, tx, a.out ? a.out : path, a.out == NULL)
                                   : mcw_fail(ctx, code, "cannot add your signature");
        }
    }
    if (rc == MCW_EXIT_OK) {
        proposal_status(ctx, tx, &q, a.out ? a.out : path);
    }
    mc_tx_free(tx);
    return mcw_finish(ctx, rc);
}

int mcw_cmd_submit(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 1, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    const char *path = argv[optind];
    mc_tx *tx = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    mc_result r;
    char summary[1024];
    rc = mcw_info(ctx, false);
    rc = rc == MCW_EXIT_OK ? read_proposal(ctx, path, &tx) : rc;
    if (rc == MCW_EXIT_OK) {
        int code = mc_tx_encode(tx, &bytes, &len);
        rc = code == MC_ERR_OK ? mcw_submit(ctx, bytes, len, &r)
                               : mcw_fail(ctx, code, "cannot encode the proposal");
    }
    if (rc == MCW_EXIT_OK) {
        mcw_tx_summary(ctx, tx, summary, sizeof summary);
        json_object_set_new(mcw_json(ctx), "summary", json_string(summary));
        mcw_print(ctx, "applied at height %llu%s: %s\n", (unsigned long long)r.height,
                  r.duplicate ? " (already, earlier)" : "", summary);
    }
    free(bytes);
    mc_tx_free(tx);
    return mcw_finish(ctx, rc);
}
