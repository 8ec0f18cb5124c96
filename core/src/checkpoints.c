/* The ledger's checkpoints: one signed per batch that grew the log, stored
 * in `checkpoints` in the batch's own write transaction (so a checkpoint is
 * durable exactly when its entries are), queried by the node and exported
 * for auditors, and checked by mc_ledger_check. */
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

int mc__checkpoint_store(mc_ledger *l, MDB_txn *txn, uint64_t size, int64_t time)
{
    mc_checkpoint cp = {.size = size, .time = time};
    memcpy(cp.ledger_id, l->ledger_id, MC_LEDGER_ID_BYTES);
    int rc = mc__merkle_root(&l->store, txn, size, cp.root);
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    if (rc == MC_ERR_OK) {
        rc = mc_checkpoint_sign(&cp, l->checkpoint_key, text, &len);
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    uint8_t key[8];
    mc__u64_be(size, key);
    return mc__store_put(&l->store, txn, l->store.checkpoints, key, sizeof key, text, len, 0);
}

/* Copy a stored checkpoint out, bounded. */
static int copy_text(const MDB_val *v, char *out, size_t *len)
{
    if (v->mv_size >= MC_CHECKPOINT_TEXT_MAX) {
        return MC_ERR_CORRUPT;
    }
    memcpy(out, v->mv_data, v->mv_size);
    out[v->mv_size] = '\0';
    *len = v->mv_size;
    return MC_ERR_OK;
}

typedef struct {
    bool latest;
    uint64_t size;
    char *out;
    size_t *len;
} checkpoint_query;

static int checkpoint_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    checkpoint_query *q = arg;
    MDB_val v;
    if (!q->latest) {
        uint8_t key[8];
        mc__u64_be(q->size, key);
        int rc = mc__store_get(&l->store, txn, l->store.checkpoints, key, sizeof key, &v);
        return rc == MC_ERR_OK ? copy_text(&v, q->out, q->len) : rc;
    }
    MDB_cursor *cur;
    MDB_val k;
    int rc = mdb_cursor_open(txn, l->store.checkpoints, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    int out = rc == MDB_SUCCESS ? copy_text(&v, q->out, q->len)
                                : mc__store_error(&l->store, "mdb_cursor_get", rc);
    mdb_cursor_close(cur);
    return out;
}

int mc_ledger_latest_checkpoint(mc_ledger *l, char *out, size_t *len)
{
    checkpoint_query q = {.latest = true, .out = out, .len = len};
    return mc__ledger_read(l, checkpoint_read, &q);
}

int mc_ledger_checkpoint_at(mc_ledger *l, uint64_t size, char *out, size_t *len)
{
    checkpoint_query q = {.size = size, .out = out, .len = len};
    return mc__ledger_read(l, checkpoint_read, &q);
}

typedef struct {
    uint64_t after;
    size_t limit;
    mc_checkpoint_cb cb;
    void *ctx;
} walk_query;

static int walk_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    walk_query *q = arg;
    MDB_cursor *cur;
    uint8_t start[8];
    mc__u64_be(q->after == UINT64_MAX ? q->after : q->after + 1, start);
    MDB_val k = {.mv_size = sizeof start, .mv_data = start}, v;
    int rc = mdb_cursor_open(txn, l->store.checkpoints, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    int out = MC_ERR_OK;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (size_t seen = 0; rc == MDB_SUCCESS && (q->limit == 0 || seen < q->limit); seen++) {
        if (k.mv_size != 8 || v.mv_size >= MC_CHECKPOINT_TEXT_MAX) {
            out = MC_ERR_CORRUPT;
            break;
        }
        if ((out = q->cb(mc__be_u64(k.mv_data), v.mv_data, v.mv_size, q->ctx)) != 0) {
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (out == MC_ERR_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        out = mc__store_error(&l->store, "mdb_cursor_get", rc);
    }
    return out;
}

int mc_ledger_checkpoints(mc_ledger *l, uint64_t after_size, size_t limit, mc_checkpoint_cb cb,
                          void *ctx)
{
    walk_query q = {.after = after_size, .limit = limit, .cb = cb, .ctx = ctx};
    return mc__ledger_read(l, walk_read, &q);
}

/* The time of log entry `height`. */
static int entry_time(mc_ledger *l, MDB_txn *txn, uint64_t height, int64_t *time)
{
    uint8_t key[8];
    MDB_val v;
    mc__u64_be(height, key);
    int rc = mc__store_get(&l->store, txn, l->store.log, key, sizeof key, &v);
    mc_entry e;
    if (rc == MC_ERR_OK) {
        rc = mc_entry_decode(v.mv_data, v.mv_size, &e) == MC_ERR_OK ? MC_ERR_OK : MC_ERR_CORRUPT;
    }
    if (rc == MC_ERR_OK) {
        *time = e.time;
        mc_entry_clear(&e);
    }
    return rc;
}

typedef struct {
    int64_t now;
} sign_arg;

static int sign_attempt(mc_ledger *l, void *arg)
{
    sign_arg *a = arg;
    mc__store *s = &l->store;
    MDB_txn *txn;
    MDB_val v;
    uint64_t height = 0;
    uint8_t key[8];
    int rc = mc__store_begin_write(s, &txn);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    int64_t time = a->now;
    rc = mc__meta_height(s, txn, &height);
    if (rc == MC_ERR_OK && height > 0) {
        rc = entry_time(l, txn, height, &time); /* a checkpoint's time is its last entry's */
    }
    if (rc == MC_ERR_OK) {
        mc__u64_be(height, key);
        rc = mc__store_get(s, txn, s->checkpoints, key, sizeof key, &v);
        rc = rc == MC_ERR_NOT_FOUND ? mc__checkpoint_store(l, txn, height, time)
                                    : rc; /* OK: one is there already */
    }
    if (rc != MC_ERR_OK) {
        mc__store_abort(s, txn);
        return rc;
    }
    return mc__store_commit(s, txn);
}

int mc_ledger_sign_checkpoint(mc_ledger *l, int64_t now)
{
    if (l->checkpoint_key == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    sign_arg a = {.now = now};
    pthread_mutex_lock(&l->write_lock);
    int rc = mc__ledger_write(l, sign_attempt, &a);
    pthread_mutex_unlock(&l->write_lock);
    return rc;
}

static int check_one(mc_ledger *l, MDB_txn *txn, uint64_t size, const MDB_val *v, uint64_t height,
                     char *why, size_t why_len)
{
    mc_checkpoint cp;
    uint8_t root[MC_HASH_BYTES];
    int64_t time = 0;
    if (mc_checkpoint_verify(v->mv_data, v->mv_size, l->genesis->node_public_key.data, &cp) !=
            MC_ERR_OK ||
        cp.size != size || memcmp(cp.ledger_id, l->ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        snprintf(why, why_len, "the checkpoint of size %llu is not the node's for this ledger",
                 (unsigned long long)size);
        return MC_ERR_INVARIANT;
    }
    int rc = size <= height ? mc__merkle_root(&l->store, txn, size, root) : MC_ERR_INVARIANT;
    if (rc == MC_ERR_OK && size > 0) {
        rc = entry_time(l, txn, size, &time);
    }
    if (rc == MC_ERR_INVARIANT || (rc == MC_ERR_OK && (memcmp(root, cp.root, MC_HASH_BYTES) != 0 ||
                                                       (size > 0 && time != cp.time)))) {
        snprintf(why, why_len, "the checkpoint of size %llu does not match the log",
                 (unsigned long long)size);
        return MC_ERR_INVARIANT;
    }
    return rc;
}

int mc__checkpoints_check(mc_ledger *l, MDB_txn *txn, uint64_t height, char *why, size_t why_len)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, l->store.checkpoints, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    int out = MC_ERR_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && out == MC_ERR_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        out = k.mv_size == 8 ? check_one(l, txn, mc__be_u64(k.mv_data), &v, height, why, why_len)
                             : MC_ERR_CORRUPT;
    }
    mdb_cursor_close(cur);
    return out == MC_ERR_OK && rc != MDB_NOTFOUND ? mc__store_error(&l->store, "mdb_cursor_get", rc)
                                                  : out;
}
