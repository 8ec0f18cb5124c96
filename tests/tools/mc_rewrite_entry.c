/* mc_rewrite_entry: a test-only tool (built for the tests, never installed)
 * that plays a malicious node rewriting its past. It opens a STOPPED node's
 * data directory with LMDB directly and, in one write transaction:
 *
 *   - replaces the memo of the transfer at height H, re-signed by its payer
 *     (whose key is given), so the entry still verifies, replays and
 *     applies: a different but valid history;
 *   - moves the transaction's id in `txids` from the old body to the new;
 *   - rebuilds `merkle` (every leaf and every complete subtree) from the log;
 *   - re-signs, with the node's own key (DIR/node.key), every checkpoint
 *     whose root changed (those of size >= H).
 *
 * The node then serves a self-consistent history (mcnode check passes, an
 * export verifies on its own) that only an old checkpoint exposes. Only a
 * plain transfer signed by its payer alone can be rewritten (one paying a
 * payment request is named in the request's record: refused).
 *
 *   mc_rewrite_entry --data DIR --height H --memo TEXT --signer-key FILE
 *
 * FILE holds the payer's 32-byte seed in hex (as node.key does). Exit 0
 * done, 1 failed (nothing written), 2 usage. Databases and keys as in
 * core/src/store_internal.h. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <mc/pb/ledger.pb-c.h>
#include <mc/pb/store.pb-c.h>

#include "mc/checkpoint.h"
#include "mc/crypto.h"
#include "mc/error.h"
#include "mc/ledger.h"
#include "mc/merkle.h"
#include "mc/tx.h"

#define REWRITE_MAP_BYTES (64ull << 20) /* LMDB raises it to the file's own */
#define REWRITE_MAX_DBS 24u
#define REWRITE_ENTRIES_MAX (1u << 24) /* leaves held in memory */
#define REWRITE_PATH_MAX 4096u
#define REWRITE_KEY_TEXT_MAX 130u
#define REWRITE_MEMO_MAX 256u
#define MERKLE_KEY_BYTES 9u /* level (1) || index (u64 BE) */

typedef struct rewrite {
    const char *dir, *memo, *signer_path;
    uint64_t height;
    mc_keypair *node_key, *signer;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta, log, txids, merkle, checkpoints;
    uint64_t entries;                 /* the log's height */
    uint8_t (*leaves)[MC_HASH_BYTES]; /* entries leaf hashes, after the rewrite */
    uint8_t old_id[MC_TX_ID_BYTES], new_id[MC_TX_ID_BYTES];
    size_t merkle_nodes, merkle_changed, resigned;
} rewrite;

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mc_rewrite_entry: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 1;
}

static void u64_be(uint64_t v, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t be_u64(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | in[i];
    }
    return v;
}

/* A key pair from a file holding a 32-byte seed in hex (and a newline). */
static int load_key(const char *path, mc_keypair **out)
{
    char text[REWRITE_KEY_TEXT_MAX];
    uint8_t seed[MC_SECRET_SEED_BYTES];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return fail("cannot open %s", path);
    }
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        len--;
    }
    text[len] = '\0';
    int rc = len == 2 * MC_SECRET_SEED_BYTES && mc_hex_decode(text, seed, sizeof seed) == MC_ERR_OK
                 ? mc_keypair_from_seed(seed, out)
                 : MC_ERR_KEY_INVALID;
    mc_memzero(seed, sizeof seed);
    mc_memzero(text, sizeof text);
    return rc == MC_ERR_OK ? 0 : fail("%s: not a seed of 64 hex digits", path);
}

static int lmdb_fail(const char *what, int rc)
{
    fprintf(stderr, "mc_rewrite_entry: %s: %s\n", what, mdb_strerror(rc));
    return 1;
}

static int open_store(rewrite *w)
{
    int rc = mdb_env_create(&w->env);
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_maxdbs(w->env, REWRITE_MAX_DBS);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_mapsize(w->env, (size_t)REWRITE_MAP_BYTES);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_open(w->env, w->dir, 0, 0600);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_txn_begin(w->env, NULL, 0, &w->txn);
    }
    const struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[] = {{"meta", &w->meta},
               {"log", &w->log},
               {"txids", &w->txids},
               {"merkle", &w->merkle},
               {"checkpoints", &w->checkpoints}};
    for (size_t i = 0; rc == MDB_SUCCESS && i < sizeof dbs / sizeof dbs[0]; i++) {
        rc = mdb_dbi_open(w->txn, dbs[i].name, 0, dbs[i].dbi);
    }
    return rc == MDB_SUCCESS ? 0 : lmdb_fail(w->dir, rc);
}

static int get(rewrite *w, MDB_dbi dbi, const void *key, size_t key_len, MDB_val *val)
{
    MDB_val k = {.mv_size = key_len, .mv_data = (void *)key};
    return mdb_get(w->txn, dbi, &k, val);
}

static int put(rewrite *w, MDB_dbi dbi, const void *key, size_t key_len, const void *val,
               size_t val_len, unsigned flags)
{
    MDB_val k = {.mv_size = key_len, .mv_data = (void *)key};
    MDB_val v = {.mv_size = val_len, .mv_data = (void *)val};
    return mdb_put(w->txn, dbi, &k, &v, flags);
}

/* The log's height, and that node.key is the key the genesis names. */
static int check_store(rewrite *w)
{
    MDB_val v;
    int rc = get(w, w->meta, "height", 6, &v);
    if (rc != MDB_SUCCESS || v.mv_size != 8) {
        return rc != MDB_SUCCESS ? lmdb_fail("meta height", rc) : fail("bad meta height");
    }
    w->entries = be_u64(v.mv_data);
    if (w->height < 1 || w->height > w->entries || w->entries > REWRITE_ENTRIES_MAX) {
        return fail("%s: no entry at that height (or too many entries)", w->dir);
    }
    rc = get(w, w->meta, "genesis", 7, &v);
    if (rc != MDB_SUCCESS) {
        return lmdb_fail("meta genesis", rc);
    }
    Mc__Genesis *g = mc__genesis__unpack(NULL, v.mv_size, v.mv_data);
    bool ok =
        g != NULL && g->node_public_key.len == MC_PUBLIC_KEY_BYTES &&
        memcmp(g->node_public_key.data, mc_keypair_public(w->node_key), MC_PUBLIC_KEY_BYTES) == 0;
    if (g != NULL) {
        mc__genesis__free_unpacked(g, NULL);
    }
    return ok ? 0 : fail("%s/node.key is not the node key the genesis names", w->dir);
}

/* The body of the transfer `tx` with `memo` instead of its own; refuses
 * anything but a plain transfer whose body re-encodes to its signed bytes. */
static int new_body(rewrite *w, const mc_tx *tx, uint8_t **out, size_t *out_len)
{
    mc_tx_view v;
    mc_tx_view_of(tx, &v);
    if (v.kind != MC_TX_TRANSFER || v.u.transfer.request_id != NULL) {
        return fail("refused: the entry is not a plain transfer (one paying no request)");
    }
    if (mc_tx_signer_count(tx) != 1 ||
        memcmp(mc_tx_signer(tx, 0), mc_keypair_public(w->signer), MC_PUBLIC_KEY_BYTES) != 0) {
        return fail("refused: the transfer is not signed by the --signer-key alone");
    }
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, v.ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = v.nonce;
    b.not_after = v.not_after;
    b.kind = MC_TX_TRANSFER;
    memcpy(b.u.transfer.payer, v.u.transfer.payer, MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, v.u.transfer.payee, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = v.u.transfer.amount;
    b.u.transfer.memo = v.u.transfer.memo;
    b.u.transfer.memo_len = v.u.transfer.memo_len;
    b.u.transfer.purpose = v.u.transfer.purpose;
    size_t signed_len = 0, len = 0;
    const uint8_t *signed_body = mc_tx_body_bytes(tx, &signed_len);
    uint8_t *same = NULL;
    int rc = mc_body_encode(&b, &same, &len);
    bool round_trips = rc == MC_ERR_OK && len == signed_len && memcmp(same, signed_body, len) == 0;
    free(same);
    if (!round_trips) {
        return fail("refused: the body does not re-encode to its signed bytes");
    }
    b.u.transfer.memo = (const uint8_t *)w->memo;
    b.u.transfer.memo_len = strlen(w->memo);
    return mc_body_encode(&b, out, out_len) == MC_ERR_OK ? 0 : fail("encoding the body");
}

/* The entry `e` with the transaction signed over `body`; malloc'd. */
static int new_entry(rewrite *w, const Mc__LogEntry *e, const uint8_t *body, size_t body_len,
                     uint8_t **out, size_t *out_len)
{
    const mc_keypair *keys[] = {w->signer};
    uint8_t *signed_tx = NULL;
    size_t signed_len = 0;
    if (mc_tx_sign(body, body_len, keys, 1, &signed_tx, &signed_len) != MC_ERR_OK) {
        return fail("signing the new body");
    }
    Mc__SignedTx *st = mc__signed_tx__unpack(NULL, signed_len, signed_tx);
    free(signed_tx);
    if (st == NULL) {
        return fail("the signed transaction does not decode");
    }
    Mc__LogEntry ne = *e; /* height, time, result and round as they were */
    ne.tx = st;
    *out_len = mc__log_entry__get_packed_size(&ne);
    *out = malloc(*out_len);
    if (*out != NULL) {
        mc__log_entry__pack(&ne, *out);
    }
    mc__signed_tx__free_unpacked(st, NULL);
    mc_tx_id(body, body_len, w->new_id);
    return *out != NULL ? 0 : fail("out of memory");
}

/* Replace log entry H and its id in `txids`. */
static int rewrite_entry(rewrite *w)
{
    uint8_t key[8], *body = NULL, *entry = NULL;
    size_t body_len = 0, entry_len = 0;
    MDB_val v;
    u64_be(w->height, key);
    int rc = get(w, w->log, key, sizeof key, &v);
    if (rc != MDB_SUCCESS) {
        return lmdb_fail("log", rc);
    }
    mc_entry decoded;
    Mc__LogEntry *e = mc__log_entry__unpack(NULL, v.mv_size, v.mv_data);
    if (e == NULL || mc_entry_decode(v.mv_data, v.mv_size, &decoded) != MC_ERR_OK) {
        if (e != NULL) {
            mc__log_entry__free_unpacked(e, NULL);
        }
        return fail("the stored entry does not decode");
    }
    memcpy(w->old_id, mc_tx_id_of(decoded.tx), MC_TX_ID_BYTES);
    int out = new_body(w, decoded.tx, &body, &body_len);
    if (out == 0) {
        out = new_entry(w, e, body, body_len, &entry, &entry_len);
    }
    mc_entry_clear(&decoded);
    mc__log_entry__free_unpacked(e, NULL);
    free(body);
    MDB_val k = {.mv_size = MC_TX_ID_BYTES, .mv_data = w->old_id};
    rc = out == 0 ? mdb_del(w->txn, w->txids, &k, NULL) : MDB_SUCCESS;
    if (out == 0 && rc == MDB_SUCCESS) {
        rc = put(w, w->txids, w->new_id, MC_TX_ID_BYTES, key, sizeof key, MDB_NOOVERWRITE);
    }
    if (out == 0 && rc == MDB_SUCCESS) {
        rc = put(w, w->log, key, sizeof key, entry, entry_len, 0);
    }
    free(entry);
    return out != 0 ? out : rc == MDB_SUCCESS ? 0 : lmdb_fail("rewriting the entry", rc);
}

/* Every leaf hash of the (rewritten) log, heights 1..entries in order. */
static int read_leaves(rewrite *w)
{
    w->leaves = calloc((size_t)w->entries, MC_HASH_BYTES);
    if (w->leaves == NULL) {
        return fail("out of memory");
    }
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(w->txn, w->log, &cur);
    if (rc != MDB_SUCCESS) {
        return lmdb_fail("log cursor", rc);
    }
    uint64_t n = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && n < w->entries;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8 || be_u64(k.mv_data) != n + 1) {
            break;
        }
        mc_merkle_leaf_hash(v.mv_data, v.mv_size, w->leaves[n++]);
    }
    mdb_cursor_close(cur);
    return n == w->entries ? 0 : fail("%s: the log is not heights 1..height", w->dir);
}

static void merkle_key(unsigned level, uint64_t index, uint8_t key[MERKLE_KEY_BYTES])
{
    key[0] = (uint8_t)level;
    u64_be(index, key + 1);
}

/* Store subtree (level, index) = hash, counting the ones that change. */
static int merkle_put(rewrite *w, unsigned level, uint64_t index, const uint8_t hash[MC_HASH_BYTES])
{
    uint8_t key[MERKLE_KEY_BYTES];
    MDB_val v;
    merkle_key(level, index, key);
    int rc = get(w, w->merkle, key, sizeof key, &v);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        return rc;
    }
    w->merkle_nodes++;
    if (rc == MDB_NOTFOUND || v.mv_size != MC_HASH_BYTES ||
        memcmp(v.mv_data, hash, MC_HASH_BYTES) != 0) {
        w->merkle_changed++;
        return put(w, w->merkle, key, sizeof key, hash, MC_HASH_BYTES, 0);
    }
    return MDB_SUCCESS;
}

/* Every leaf and every complete subtree, as core's log.c appends them:
 * leaf i at (0, i); a right child completes its parent. */
static int rebuild_merkle(rewrite *w)
{
    uint8_t(*level_hashes)[MC_HASH_BYTES] = calloc((size_t)w->entries, MC_HASH_BYTES);
    if (level_hashes == NULL) {
        return fail("out of memory");
    }
    memcpy(level_hashes, w->leaves, (size_t)w->entries * MC_HASH_BYTES);
    uint64_t count = w->entries;
    int rc = MDB_SUCCESS;
    for (unsigned level = 0; count > 0 && rc == MDB_SUCCESS; level++) {
        for (uint64_t i = 0; i < count && rc == MDB_SUCCESS; i++) {
            rc = merkle_put(w, level, i, level_hashes[i]);
        }
        for (uint64_t i = 0; i + 1 < count; i += 2) {
            mc_merkle_node_hash(level_hashes[i], level_hashes[i + 1], level_hashes[i / 2]);
        }
        count /= 2;
    }
    free(level_hashes);
    return rc == MDB_SUCCESS ? 0 : lmdb_fail("merkle", rc);
}

/* Re-sign checkpoint `size` (stored text `v`) when its root changed. */
static int resign_checkpoint(rewrite *w, uint64_t size, const MDB_val *v)
{
    mc_checkpoint cp;
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    if (mc_checkpoint_verify(v->mv_data, v->mv_size, mc_keypair_public(w->node_key), &cp) !=
            MC_ERR_OK ||
        cp.size != size || size > w->entries) {
        return fail("%s: a stored checkpoint is not the node's", w->dir);
    }
    uint8_t root[MC_HASH_BYTES];
    mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])w->leaves, size, root);
    if (memcmp(root, cp.root, MC_HASH_BYTES) == 0) {
        return 0;
    }
    memcpy(cp.root, root, MC_HASH_BYTES);
    if (mc_checkpoint_sign(&cp, w->node_key, text, &len) != MC_ERR_OK) {
        return fail("signing a checkpoint");
    }
    uint8_t key[8];
    u64_be(size, key);
    int rc = put(w, w->checkpoints, key, sizeof key, text, len, 0);
    w->resigned++;
    return rc == MDB_SUCCESS ? 0 : lmdb_fail("checkpoints", rc);
}

static int resign_checkpoints(rewrite *w)
{
    size_t cap = (size_t)w->entries + 1; /* one a size, 0..entries */
    uint64_t *sizes = calloc(cap, sizeof *sizes);
    size_t n = 0;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = sizes != NULL ? mdb_cursor_open(w->txn, w->checkpoints, &cur) : ENOMEM;
    if (rc != MDB_SUCCESS) {
        free(sizes);
        return lmdb_fail("checkpoints", rc);
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
         rc == MDB_SUCCESS && k.mv_size == 8 && n < cap;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        sizes[n++] = be_u64(k.mv_data);
    }
    mdb_cursor_close(cur);
    int out = 0;
    for (size_t i = 0; i < n && out == 0; i++) {
        uint8_t key[8];
        u64_be(sizes[i], key);
        rc = get(w, w->checkpoints, key, sizeof key, &v);
        out = rc == MDB_SUCCESS ? resign_checkpoint(w, sizes[i], &v) : lmdb_fail("checkpoint", rc);
    }
    free(sizes);
    return out;
}

static void report(const rewrite *w)
{
    char old_hex[2 * MC_TX_ID_BYTES + 1], new_hex[2 * MC_TX_ID_BYTES + 1];
    mc_hex_encode(w->old_id, MC_TX_ID_BYTES, old_hex);
    mc_hex_encode(w->new_id, MC_TX_ID_BYTES, new_hex);
    printf("rewrote the entry at height %llu of %llu: memo \"%s\"\n"
           "old tx id %s\nnew tx id %s\n"
           "merkle: %zu of %zu stored hashes changed; %zu checkpoints re-signed by the node key\n",
           (unsigned long long)w->height, (unsigned long long)w->entries, w->memo, old_hex, new_hex,
           w->merkle_changed, w->merkle_nodes, w->resigned);
}

static int run(rewrite *w)
{
    char path[REWRITE_PATH_MAX];
    if (snprintf(path, sizeof path, "%s/node.key", w->dir) >= (int)sizeof path) {
        return fail("%s: path too long", w->dir);
    }
    int out = load_key(path, &w->node_key);
    if (out == 0) {
        out = load_key(w->signer_path, &w->signer);
    }
    if (out == 0) {
        out = open_store(w);
    }
    out = out != 0 ? out : check_store(w);
    out = out != 0 ? out : rewrite_entry(w);
    out = out != 0 ? out : read_leaves(w);
    out = out != 0 ? out : rebuild_merkle(w);
    out = out != 0 ? out : resign_checkpoints(w);
    if (w->txn != NULL && out != 0) {
        mdb_txn_abort(w->txn);
    } else if (w->txn != NULL) {
        int rc = mdb_txn_commit(w->txn);
        out = rc == MDB_SUCCESS ? 0 : lmdb_fail("commit", rc);
    }
    if (out == 0) {
        report(w);
    }
    mdb_env_close(w->env);
    free(w->leaves);
    mc_keypair_free(w->node_key);
    mc_keypair_free(w->signer);
    return out;
}

static int usage(void)
{
    fprintf(stderr, "usage: mc_rewrite_entry --data DIR --height H --memo TEXT --signer-key "
                    "FILE\n(a test tool: rewrites a stopped node's past; see its source)\n");
    return 2;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"height", required_argument, NULL, 'H'},
                                            {"memo", required_argument, NULL, 'm'},
                                            {"signer-key", required_argument, NULL, 'k'},
                                            {NULL, 0, NULL, 0}};
    rewrite w;
    memset(&w, 0, sizeof w);
    char *end = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (c == 'd') {
            w.dir = optarg;
        } else if (c == 'H') {
            w.height = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0') {
                return usage();
            }
        } else if (c == 'm') {
            w.memo = optarg;
        } else if (c == 'k') {
            w.signer_path = optarg;
        } else {
            return usage();
        }
    }
    if (optind != argc || w.dir == NULL || w.memo == NULL || w.signer_path == NULL ||
        w.height == 0 || strlen(w.memo) > REWRITE_MEMO_MAX) {
        return usage();
    }
    if (mc_crypto_init() != MC_ERR_OK) {
        return fail("libsodium does not initialize");
    }
    return run(&w);
}
