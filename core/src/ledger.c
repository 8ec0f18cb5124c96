/* The ledger's lifecycle (create, open, close) and the batch entry point:
 * many verified transactions, one LMDB write transaction, one durable
 * commit. A full map is grown and the batch replayed from the start, which
 * gives the same results since apply is deterministic. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

/* A batch is retried at most this many times after growing the map. */
#define MC__GROW_ATTEMPTS_MAX 40

static int ledger_alloc(mc_ledger **out)
{
    if (mc_crypto_init() != MC_ERR_OK) {
        return MC_ERR_NO_MEMORY;
    }
    mc_ledger *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    if (pthread_mutex_init(&l->write_lock, NULL) != 0) {
        free(l);
        return MC_ERR_NO_MEMORY;
    }
    *out = l;
    return MC_ERR_OK;
}

void mc_ledger_close(mc_ledger *l)
{
    if (l == NULL) {
        return;
    }
    mc__store_close(&l->store);
    if (l->genesis != NULL) {
        mc__genesis__free_unpacked(l->genesis, NULL);
    }
    free(l->genesis_bytes);
    pthread_mutex_destroy(&l->write_lock);
    free(l);
}

static int load(mc_ledger *l)
{
    MDB_txn *txn;
    int rc = mc__store_begin_read(&l->store, &txn);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__ledger_load_meta(l, txn);
    mc__store_end_read(&l->store, txn);
    return rc;
}

/* The checkpoint key, when given, must be the node key the genesis names. */
static int set_checkpoint_key(mc_ledger *l, const mc_ledger_options *opts)
{
    const mc_keypair *kp = opts != NULL ? opts->checkpoint_key : NULL;
    if (kp != NULL &&
        memcmp(mc_keypair_public(kp), l->genesis->node_public_key.data, MC_PUBLIC_KEY_BYTES) != 0) {
        return MC_ERR_KEY_INVALID;
    }
    l->checkpoint_key = kp;
    return MC_ERR_OK;
}

int mc_ledger_open(const char *dir, const mc_ledger_options *opts, mc_ledger **out)
{
    mc_ledger *l;
    int rc = ledger_alloc(&l);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__store_open(&l->store, dir, opts, false);
    if (rc == MC_ERR_OK) {
        rc = load(l);
    }
    if (rc == MC_ERR_OK) {
        rc = set_checkpoint_key(l, opts);
    }
    if (rc != MC_ERR_OK) {
        mc_ledger_close(l);
        return rc;
    }
    *out = l;
    return MC_ERR_OK;
}

/* Write genesis, config and format into an empty store. */
static int write_genesis(mc_ledger *l, const uint8_t *genesis, size_t len)
{
    mc__store *s = &l->store;
    MDB_txn *txn;
    MDB_val v;
    int rc = mc__store_begin_write(s, &txn);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__store_get(s, txn, s->meta, "genesis", 7, &v);
    if (rc == MC_ERR_OK) {
        mc__store_abort(s, txn);
        return MC_ERR_LEDGER_EXISTS;
    }
    Mc__Genesis *g = mc__genesis__unpack(NULL, len, genesis);
    if (g == NULL) {
        mc__store_abort(s, txn);
        return MC_ERR_NO_MEMORY;
    }
    size_t config_len = mc__ledger_config__get_packed_size(g->config);
    uint8_t *config = malloc(config_len);
    uint8_t format[8], ledger_id[MC_LEDGER_ID_BYTES];
    mc__u64_be(MC__STORE_FORMAT, format);
    mc_sha256(genesis, len, ledger_id);
    rc = config == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    if (rc == MC_ERR_OK) {
        mc__ledger_config__pack(g->config, config);
        rc = mc__store_put(s, txn, s->meta, "genesis", 7, genesis, len, 0);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__store_put(s, txn, s->meta, "config", 6, config, config_len, 0);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__store_put(s, txn, s->meta, "ledger_id", 9, ledger_id, sizeof ledger_id, 0);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__store_put(s, txn, s->meta, "format", 6, format, sizeof format, 0);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__meta_set_height(s, txn, 0);
    }
    free(config);
    mc__genesis__free_unpacked(g, NULL);
    if (rc != MC_ERR_OK) {
        mc__store_abort(s, txn);
        return rc;
    }
    return mc__store_commit(s, txn);
}

/* Run `attempt` until it succeeds or fails for another reason than a full
 * map, growing the map in between. Each attempt is one whole transaction,
 * so a retry starts from the committed state. */
static int with_growth(mc_ledger *l, int (*attempt)(mc_ledger *l, void *arg), void *arg)
{
    int rc = MC_ERR_OK;
    for (int i = 0; i <= MC__GROW_ATTEMPTS_MAX; i++) {
        l->store.map_full = false;
        rc = attempt(l, arg);
        if (!l->store.map_full || mc__store_grow(&l->store) != MC_ERR_OK) {
            break;
        }
    }
    return rc;
}

int mc__ledger_write(mc_ledger *l, int (*attempt)(mc_ledger *l, void *arg), void *arg)
{
    return with_growth(l, attempt, arg);
}

typedef struct {
    const uint8_t *bytes;
    size_t len;
} genesis_arg;

static int write_genesis_attempt(mc_ledger *l, void *arg)
{
    genesis_arg *g = arg;
    return write_genesis(l, g->bytes, g->len);
}

int mc_ledger_create_from_genesis(const char *dir, const uint8_t *genesis, size_t len,
                                  const mc_ledger_options *opts, mc_ledger **out)
{
    /* Everything that can refuse is checked before anything is written, so
     * that a refusal leaves no ledger behind in `dir`. */
    Mc__Genesis *g = genesis != NULL ? mc__genesis__unpack(NULL, len, genesis) : NULL;
    bool usable = g != NULL && mc__genesis_usable(g);
    const mc_keypair *kp = opts != NULL ? opts->checkpoint_key : NULL;
    bool key_ok = !usable || kp == NULL ||
                  memcmp(mc_keypair_public(kp), g->node_public_key.data, MC_PUBLIC_KEY_BYTES) == 0;
    if (g != NULL) {
        mc__genesis__free_unpacked(g, NULL);
    }
    if (!usable || !key_ok) {
        return usable ? MC_ERR_KEY_INVALID : MC_ERR_CORRUPT;
    }
    mc_ledger *l;
    int rc = ledger_alloc(&l);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__store_open(&l->store, dir, opts, true);
    if (rc == MC_ERR_OK) {
        genesis_arg arg = {genesis, len};
        rc = with_growth(l, write_genesis_attempt, &arg);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__store_sync(&l->store); /* the genesis is durable, deferred meta or not */
    }
    if (rc == MC_ERR_OK) {
        rc = load(l); /* checks that the genesis is usable */
    }
    if (rc == MC_ERR_OK) {
        rc = set_checkpoint_key(l, opts);
    }
    if (rc != MC_ERR_OK) {
        mc_ledger_close(l);
        return rc;
    }
    *out = l;
    return MC_ERR_OK;
}

int mc_ledger_create(const char *dir, const mc_genesis_params *params,
                     const mc_ledger_options *opts, mc_ledger **out)
{
    uint8_t *genesis = NULL;
    size_t len = 0;
    int rc = mc__genesis_build(params, &genesis, &len);
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_create_from_genesis(dir, genesis, len, opts, out);
    }
    free(genesis);
    return rc;
}

typedef struct {
    mc_tx *const *txs;
    size_t n;
    int64_t now;
    mc_result *results;
} batch_arg;

/* One attempt at the batch. Returns the storage outcome. */
static int batch_attempt(mc_ledger *l, void *arg)
{
    batch_arg *b = arg;
    mc__store *s = &l->store;
    mc__apply_ctx ctx = {.ledger = l, .now = b->now};
    int rc = mc__store_begin_write(s, &ctx.txn);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__meta_height(s, ctx.txn, &ctx.height);
    if (rc == MC_ERR_OK) {
        rc = mc__config_load(s, ctx.txn, &ctx.config);
    }
    uint64_t start = ctx.height;
    for (size_t i = 0; rc == MC_ERR_OK && i < b->n; i++) {
        rc = mc__apply_one(&ctx, b->txs[i], &b->results[i]);
    }
    if (rc == MC_ERR_OK && ctx.height != start) {
        rc = mc__meta_set_height(s, ctx.txn, ctx.height);
    }
    if (rc == MC_ERR_OK && ctx.height != start && l->checkpoint_key != NULL) {
        rc = mc__checkpoint_store(l, ctx.txn, ctx.height, b->now);
    }
    if (rc != MC_ERR_OK) {
        mc__store_abort(s, ctx.txn);
        return rc;
    }
    return mc__store_commit(s, ctx.txn);
}

int mc_ledger_apply_batch(mc_ledger *l, mc_tx *const *txs, size_t n, int64_t now,
                          mc_result *results)
{
    if (n > MC_BATCH_MAX) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    batch_arg arg = {.txs = txs, .n = n, .now = now, .results = results};
    pthread_mutex_lock(&l->write_lock);
    int rc = with_growth(l, batch_attempt, &arg);
    pthread_mutex_unlock(&l->write_lock);
    if (rc != MC_ERR_OK) {
        for (size_t i = 0; i < n; i++) {
            memset(&results[i], 0, sizeof results[i]);
            results[i].code = rc;
            memcpy(results[i].tx_id, mc_tx_id_of(txs[i]), MC_TX_ID_BYTES);
        }
    }
    return rc;
}

int mc_ledger_apply(mc_ledger *l, mc_tx *tx, int64_t now, mc_result *result)
{
    return mc_ledger_apply_batch(l, &tx, 1, now, result);
}

uint64_t mc_ledger_committed_state(mc_ledger *l)
{
    return atomic_load(&l->store.committed_state);
}

uint64_t mc_ledger_durable_state(mc_ledger *l)
{
    return atomic_load(&l->store.durable_state);
}

uint64_t mc_ledger_read_state(mc_ledger *l)
{
    return atomic_load(&l->store.read_state);
}

int mc_ledger_sync(mc_ledger *l)
{
    pthread_mutex_lock(&l->write_lock);
    int rc = mc__store_sync(&l->store);
    pthread_mutex_unlock(&l->write_lock);
    return rc;
}

const char *mc_ledger_last_error(mc_ledger *l)
{
    return l->store.last_error;
}
