/* The verifiable history from a member's side: `checkpoint` fetches the
 * node's signed checkpoint, checks it against the node key of the genesis
 * and, from the second time on, that the log still extends the checkpoint
 * remembered (a consistency proof): a rewritten history is reported loudly
 * and the remembered checkpoint kept. `proof TXID` proves a transaction is
 * in the log of such a checkpoint. `audit export` writes the whole history
 * for mcaudit. The remembered checkpoint is DIR/checkpoints/LEDGER_ID. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc/error.h"
#include "mc/export.h"
#include "wallet.h"

typedef struct checked {
    mc_checkpoint cp;
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len;
    bool had_earlier; /* a checkpoint was remembered and this one extends it */
    uint64_t earlier_size;
} checked;

static int remembered_path(const mcw_ctx *ctx, char *out, size_t len)
{
    char id[2 * MC_LEDGER_ID_BYTES + 1];
    mc_hex_encode(ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES, id);
    int n = snprintf(out, len, "%s/checkpoints/%s", ctx->dir, id);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The remembered checkpoint, verified; 1 when there is none. */
static int load_remembered(mcw_ctx *ctx, checked *out)
{
    char path[MCW_PATH_MAX];
    FILE *f = remembered_path(ctx, path, sizeof path) == 0 ? fopen(path, "r") : NULL;
    if (f == NULL) {
        return 1;
    }
    out->len = fread(out->text, 1, sizeof out->text - 1, f);
    fclose(f);
    out->text[out->len] = '\0';
    if (mc_checkpoint_verify(out->text, out->len, ctx->info.ledger.node_public_key, &out->cp) !=
        MC_ERR_OK) {
        return mcw_fail(ctx, MC_ERR_CHECKPOINT_INVALID,
                        "the checkpoint remembered in %s is damaged; move it away to start afresh",
                        path);
    }
    return 0;
}

static int remember(mcw_ctx *ctx, const checked *c)
{
    char path[MCW_PATH_MAX], dir[MCW_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/checkpoints", ctx->dir);
    if (remembered_path(ctx, path, sizeof path) != 0 || mcw_mkdirs(dir) != 0) {
        return mcw_fail(ctx, MC_ERR_STORAGE_IO, "%s: %s", dir, strerror(errno));
    }
    return mcw_write_file(ctx, path, c->text, c->len, true, true);
}

static int rewritten(mcw_ctx *ctx, const checked *old, const checked *now, const char *why)
{
    fprintf(stderr,
            "\n!!! HISTORY REWRITTEN !!!\n"
            "The node at %s now shows a log that does not extend the one it signed before:\n"
            "%s.\nThe checkpoint remembered (size %llu) is kept; keep it as evidence.\n\n",
            ctx->node, why, (unsigned long long)old->cp.size);
    json_object_set_new(mcw_json(ctx), "remembered", json_string(old->text));
    json_object_set_new(mcw_json(ctx), "received", json_string(now->text));
    return mcw_fail(ctx, MC_ERR_HISTORY_REWRITTEN, "%s", why);
}

/* `now` must extend `old`: same root at the same size, or a consistency
 * proof from old's size to now's. */
static int check_extends(mcw_ctx *ctx, const checked *old, const checked *now)
{
    char why[256];
    if (now->cp.size < old->cp.size) {
        snprintf(why, sizeof why, "it has %llu entries, fewer than the %llu remembered",
                 (unsigned long long)now->cp.size, (unsigned long long)old->cp.size);
        return rewritten(ctx, old, now, why);
    }
    if (old->cp.size == 0) {
        return MCW_EXIT_OK; /* every log extends the empty one */
    }
    uint8_t proof[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
    size_t len = 0;
    int code = MC_ERR_OK;
    if (now->cp.size > old->cp.size) {
        code = mc_client_consistency_proof(ctx->client, old->cp.size, now->cp.size, proof, &len);
    }
    if (code != MC_ERR_OK) {
        return mcw_fail(ctx, code, "no consistency proof: %s",
                        mc_client_error_message(ctx->client));
    }
    if (mc_merkle_verify_consistency(old->cp.size, now->cp.size, old->cp.root, now->cp.root,
                                     (const uint8_t(*)[MC_HASH_BYTES])proof, len) != MC_ERR_OK) {
        snprintf(why, sizeof why,
                 "its tree of %llu entries does not contain the tree of %llu remembered",
                 (unsigned long long)now->cp.size, (unsigned long long)old->cp.size);
        return rewritten(ctx, old, now, why);
    }
    return MCW_EXIT_OK;
}

/* Fetch the latest checkpoint, verify it, check it extends the remembered
 * one, and remember it. */
static int fresh_checkpoint(mcw_ctx *ctx, checked *now)
{
    memset(now, 0, sizeof *now);
    int rc = mcw_info(ctx, false);
    int code = rc == MCW_EXIT_OK ? mc_client_checkpoint(ctx->client, 0, now->text, &now->len) : 0;
    if (rc != MCW_EXIT_OK || code != MC_ERR_OK) {
        return rc != MCW_EXIT_OK ? rc
                                 : mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
    }
    if (mc_checkpoint_verify(now->text, now->len, ctx->info.ledger.node_public_key, &now->cp) !=
            MC_ERR_OK ||
        memcmp(now->cp.ledger_id, ctx->info.ledger.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        return mcw_fail(ctx, MC_ERR_CHECKPOINT_INVALID,
                        "the node's checkpoint is not signed by this ledger's node key");
    }
    checked old;
    rc = load_remembered(ctx, &old);
    if (rc == 0) {
        rc = check_extends(ctx, &old, now);
        now->had_earlier = rc == MCW_EXIT_OK;
        now->earlier_size = old.cp.size;
    } else if (rc == 1) {
        rc = MCW_EXIT_OK;
    }
    return rc == MCW_EXIT_OK ? remember(ctx, now) : rc;
}

static void checkpoint_json(mcw_ctx *ctx, const checked *c)
{
    json_t *o = mcw_json(ctx);
    json_object_set_new(o, "tree_size", json_integer((json_int_t)c->cp.size));
    json_object_set_new(o, "root", mcw_hex_json(c->cp.root, MC_HASH_BYTES));
    json_object_set_new(o, "time", json_integer((json_int_t)c->cp.time));
    json_object_set_new(o, "checkpoint", json_string(c->text));
}

int mcw_cmd_checkpoint(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 0, 0, &done);
    if (rc != 0 || done) {
        return rc;
    }
    checked now;
    rc = fresh_checkpoint(ctx, &now);
    if (rc == MCW_EXIT_OK) {
        checkpoint_json(ctx, &now);
        json_object_set_new(mcw_json(ctx), "consistent_with",
                            now.had_earlier ? json_integer((json_int_t)now.earlier_size)
                                            : json_null());
        char when[32];
        mcw_time_text(now.cp.time, when, sizeof when);
        mcw_print(ctx, "checkpoint: %llu entries, signed by the node at %s\n%s",
                  (unsigned long long)now.cp.size, when, now.text);
        if (now.had_earlier) {
            mcw_print(ctx,
                      "it extends the checkpoint of %llu entries remembered: the history "
                      "was not rewritten\n",
                      (unsigned long long)now.earlier_size);
        } else {
            mcw_print(ctx, "remembered: the next `mcwallet checkpoint` proves the log extends "
                           "it\n");
        }
    }
    return mcw_finish(ctx, rc);
}

/* An inclusion proof, verified against `cp`: the leaf is the entry's hash
 * (when the node shows the entry) and the entry is transaction `tx_id`. */
static int verify_inclusion(mcw_ctx *ctx, const uint8_t tx_id[MC_TX_ID_BYTES], const checked *cp,
                            const mc_client_inclusion *p)
{
    if (p->entry != NULL) {
        uint8_t leaf[MC_HASH_BYTES];
        mc_entry e;
        mc_merkle_leaf_hash(p->entry, p->entry_len, leaf);
        bool ok = memcmp(leaf, p->leaf_hash, MC_HASH_BYTES) == 0 &&
                  mc_entry_decode(p->entry, p->entry_len, &e) == MC_ERR_OK;
        ok = ok && memcmp(mc_tx_id_of(e.tx), tx_id, MC_TX_ID_BYTES) == 0 &&
             e.height == p->leaf_index + 1;
        if (ok || p->entry_len > 0) {
            mc_entry_clear(&e);
        }
        if (!ok) {
            return mcw_fail(ctx, MC_ERR_PROOF_INVALID,
                            "the node's entry is not this transaction, or not its leaf");
        }
    } else {
        mcw_warn(ctx,
                 "the entry is hidden from you: the proof shows that leaf %llu is in the "
                 "log, not which transaction it holds",
                 (unsigned long long)p->leaf_index);
    }
    if (p->tree_size != cp->cp.size ||
        mc_merkle_verify_inclusion(p->leaf_index, p->tree_size, p->leaf_hash,
                                   (const uint8_t(*)[MC_HASH_BYTES])p->audit_path, p->path_len,
                                   cp->cp.root) != MC_ERR_OK) {
        return mcw_fail(ctx, MC_ERR_PROOF_INVALID,
                        "the inclusion proof does not lead to the checkpoint's root");
    }
    return MCW_EXIT_OK;
}

static void proof_output(mcw_ctx *ctx, const checked *cp, const mc_client_inclusion *p)
{
    json_t *o = mcw_json(ctx), *path = json_array();
    char hex[2 * MC_HASH_BYTES + 1];
    for (size_t i = 0; i < p->path_len; i++) {
        json_array_append_new(path, mcw_hex_json(p->audit_path[i], MC_HASH_BYTES));
    }
    json_object_set_new(o, "leaf_index", json_integer((json_int_t)p->leaf_index));
    json_object_set_new(o, "height", json_integer((json_int_t)(p->leaf_index + 1)));
    json_object_set_new(o, "leaf_hash", mcw_hex_json(p->leaf_hash, MC_HASH_BYTES));
    json_object_set_new(o, "audit_path", path);
    checkpoint_json(ctx, cp);
    mcw_print(ctx, "transaction at height %llu is in the log of %llu entries signed by the node\n",
              (unsigned long long)(p->leaf_index + 1), (unsigned long long)cp->cp.size);
    mcw_hex(p->leaf_hash, MC_HASH_BYTES, hex);
    mcw_print(ctx, "leaf index  %llu\ntree size   %llu\nleaf hash   %s\n",
              (unsigned long long)p->leaf_index, (unsigned long long)p->tree_size, hex);
    for (size_t i = 0; i < p->path_len; i++) {
        mcw_hex(p->audit_path[i], MC_HASH_BYTES, hex);
        mcw_print(ctx, "%-11s %s\n", i == 0 ? "audit path" : "", hex);
    }
    mcw_hex(cp->cp.root, MC_HASH_BYTES, hex);
    mcw_print(ctx, "root        %s\n%s", hex, cp->text);
}

int mcw_cmd_proof(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 1, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    uint8_t tx_id[MC_TX_ID_BYTES];
    if (mc_hex_decode(argv[optind], tx_id, sizeof tx_id) != MC_ERR_OK) {
        return mcw_usage_error(ctx, "'%s': a transaction id is 64 hex digits", argv[optind]);
    }
    checked cp;
    mc_client_inclusion p;
    memset(&p, 0, sizeof p);
    rc = fresh_checkpoint(ctx, &cp);
    if (rc == MCW_EXIT_OK && mcw_has_identity(ctx)) {
        rc = mcw_connect_as(ctx); /* the entry is shown to its parties */
    }
    int code = rc == MCW_EXIT_OK ? mc_client_inclusion_proof(ctx->client, tx_id, cp.cp.size, &p)
                                 : MC_ERR_OK;
    if (code != MC_ERR_OK) {
        rc = mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
    }
    if (rc == MCW_EXIT_OK) {
        rc = verify_inclusion(ctx, tx_id, &cp, &p);
    }
    if (rc == MCW_EXIT_OK) {
        proof_output(ctx, &cp, &p);
    }
    free(p.entry);
    return mcw_finish(ctx, rc);
}

typedef struct export_state {
    FILE *f;
    uint64_t entries;
    char last[MC_CHECKPOINT_TEXT_MAX];
    size_t last_len;
} export_state;

static int export_record(uint64_t height, const uint8_t *entry, size_t len, const char *checkpoint,
                         void *arg)
{
    export_state *s = arg;
    (void)height;
    if (entry != NULL) {
        s->entries++;
        return mc_export_write(s->f, MC_EXPORT_ENTRY, entry, len);
    }
    s->last_len = strlen(checkpoint);
    memcpy(s->last, checkpoint, s->last_len + 1);
    return mc_export_write(s->f, MC_EXPORT_CHECKPOINT, checkpoint, s->last_len);
}

/* Genesis, then the log page by page (a checkpoint of an empty log first). */
static int export_write(mcw_ctx *ctx, export_state *s)
{
    uint8_t *genesis = NULL;
    size_t len = 0;
    int code = mc_client_genesis(ctx->client, &genesis, &len);
    if (code == MC_ERR_OK) {
        code = mc_export_begin(s->f);
    }
    if (code == MC_ERR_OK) {
        code = mc_export_write(s->f, MC_EXPORT_GENESIS, genesis, len);
    }
    free(genesis);
    uint64_t next = 1;
    bool more = true;
    if (code == MC_ERR_OK && ctx->info.ledger.height == 0 &&
        mc_client_checkpoint(ctx->client, 0, s->last, &s->last_len) == MC_ERR_OK) {
        code = mc_export_write(s->f, MC_EXPORT_CHECKPOINT, s->last, s->last_len);
        more = false;
    }
    while (code == MC_ERR_OK && more) {
        code = mc_client_log(ctx->client, next, 0, export_record, s, &next, &more);
    }
    return code;
}

static int audit_export(mcw_ctx *ctx, const char *path)
{
    char tmp[MCW_PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    export_state s = {0};
    int rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_connect_as(ctx);
    }
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    s.f = fopen(tmp, "wb");
    if (s.f == NULL) {
        return mcw_fail(ctx, MC_ERR_STORAGE_IO, "%s: %s", tmp, strerror(errno));
    }
    int code = export_write(ctx, &s);
    if (fclose(s.f) != 0 && code == MC_ERR_OK) {
        code = MC_ERR_STORAGE_IO;
    }
    mc_checkpoint cp;
    if (code == MC_ERR_OK &&
        mc_checkpoint_verify(s.last, s.last_len, ctx->info.ledger.node_public_key, &cp) !=
            MC_ERR_OK) {
        code = MC_ERR_CHECKPOINT_INVALID;
    }
    if (code == MC_ERR_OK && rename(tmp, path) != 0) {
        code = MC_ERR_STORAGE_IO;
    }
    if (code != MC_ERR_OK) {
        unlink(tmp);
        const char *why = ctx->client != NULL ? mc_client_error_message(ctx->client) : "";
        return mcw_fail(ctx, code, "cannot export to %s%s%s", path, why[0] ? ": " : "", why);
    }
    json_object_set_new(mcw_json(ctx), "entries", json_integer((json_int_t)s.entries));
    json_object_set_new(mcw_json(ctx), "file", json_string(path));
    json_object_set_new(mcw_json(ctx), "checkpoint", json_string(s.last));
    mcw_print(ctx,
              "exported %llu entries to %s, ending on the checkpoint of size %llu\n"
              "verify it offline with: mcaudit verify %s\n",
              (unsigned long long)s.entries, path, (unsigned long long)cp.size, path);
    return MCW_EXIT_OK;
}

int mcw_cmd_audit(mcw_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {{"out", required_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *out = NULL;
    bool done = false;
    int opt, rc;
    while ((rc = mcw_getopt(ctx, argc, argv, "ho:", options, &opt, &done)) == 0 && !done &&
           opt != -1) {
        out = optarg;
    }
    if (rc != 0 || done) {
        return rc;
    }
    if (argc - optind != 1 || strcmp(argv[optind], "export") != 0) {
        return mcw_usage_error(ctx, "the audit command is `audit export --out FILE`");
    }
    if (out == NULL) {
        return mcw_usage_error(ctx, "--out FILE is required");
    }
    return mcw_finish(ctx, audit_export(ctx, out));
}
