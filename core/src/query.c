/* Read-only queries: ledger info, accounts, history, log entries, roots.
 * Each runs in its own LMDB read transaction, so any thread may call them
 * while the writer applies a batch. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

static int in_read(mc_ledger *l, mc__read_fn fn, void *arg)
{
    MDB_txn *txn;
    int rc = mc__store_begin_read(&l->store, &txn);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = fn(l, txn, arg);
    mc__store_end_read(&l->store, txn);
    return rc;
}

static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int info_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    mc_ledger_info *out = arg;
    const Mc__Genesis *g = l->genesis;
    const Mc__LedgerConfig *c = l->config;
    memset(out, 0, sizeof *out);
    memcpy(out->ledger_id, l->ledger_id, MC_LEDGER_ID_BYTES);
    copy_text(out->community, sizeof out->community, g->community);
    copy_text(out->unit_name, sizeof out->unit_name, g->unit_name);
    copy_text(out->unit_symbol, sizeof out->unit_symbol, g->unit_symbol);
    out->decimals = g->decimals;
    out->visibility = (mc_visibility)g->visibility;
    memcpy(out->node_public_key, g->node_public_key.data, MC_PUBLIC_KEY_BYTES);
    out->created_at = g->created_at;
    for (int k = MC_KIND_MEMBER; k <= MC_KIND_SYSTEM; k++) {
        mc__config_default_limits(c, k, &out->default_limits[k - 1]);
    }
    for (size_t i = 0; i < c->n_stewards; i++) {
        memcpy(out->stewards[i], c->stewards[i].data, MC_PUBLIC_KEY_BYTES);
    }
    out->steward_count = c->n_stewards;
    out->quorum = c->quorum;
    out->map_size = l->store.map_size;
    return mc__meta_height(&l->store, txn, &out->height);
}

int mc__ledger_read(mc_ledger *l, mc__read_fn fn, void *arg)
{
    return in_read(l, fn, arg);
}

int mc_ledger_get_info(mc_ledger *l, mc_ledger_info *out)
{
    return in_read(l, info_read, out);
}

int mc_ledger_genesis_bytes(mc_ledger *l, uint8_t **out, size_t *out_len)
{
    uint8_t *buf = malloc(l->genesis_len);
    if (buf == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    memcpy(buf, l->genesis_bytes, l->genesis_len);
    *out = buf;
    *out_len = l->genesis_len;
    return MC_ERR_OK;
}

typedef struct {
    const uint8_t *key;
    const char *handle;
    mc_account *out;
} account_query;

static int account_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    account_query *q = arg;
    const uint8_t *key = q->key;
    MDB_val v;
    if (key == NULL) {
        int rc = mc__store_get(&l->store, txn, l->store.handles, q->handle, strlen(q->handle), &v);
        if (rc != MC_ERR_OK) {
            return rc;
        }
        if (v.mv_size != MC_PUBLIC_KEY_BYTES) {
            return MC_ERR_CORRUPT;
        }
        key = v.mv_data;
    }
    return mc__account_load(&l->store, txn, key, q->out);
}

int mc_ledger_get_account(mc_ledger *l, const uint8_t key[MC_PUBLIC_KEY_BYTES], mc_account *out)
{
    account_query q = {.key = key, .out = out};
    return in_read(l, account_read, &q);
}

int mc_ledger_find_handle(mc_ledger *l, const char *handle, mc_account *out)
{
    if (handle == NULL || !mc_handle_is_valid((const uint8_t *)handle, strlen(handle))) {
        return MC_ERR_NOT_FOUND;
    }
    account_query q = {.handle = handle, .out = out};
    return in_read(l, account_read, &q);
}

typedef struct {
    const uint8_t *after;
    size_t limit;
    mc_account_cb cb;
    void *ctx;
} list_query;

static int list_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    list_query *q = arg;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, l->store.accounts, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    MDB_val k = {.mv_size = MC_PUBLIC_KEY_BYTES, .mv_data = (void *)q->after}, v;
    rc = mdb_cursor_get(cur, &k, &v, q->after ? MDB_SET_RANGE : MDB_FIRST);
    if (rc == MDB_SUCCESS && q->after && memcmp(k.mv_data, q->after, MC_PUBLIC_KEY_BYTES) == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    int out = MC_ERR_OK;
    for (size_t seen = 0; rc == MDB_SUCCESS && (q->limit == 0 || seen < q->limit); seen++) {
        mc_account a;
        out = mc__account_decode(v.mv_data, v.mv_size, &a);
        if (out != MC_ERR_OK || (out = q->cb(&a, q->ctx)) != 0) {
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

int mc_ledger_list_accounts(mc_ledger *l, const uint8_t *after_key, size_t limit, mc_account_cb cb,
                            void *ctx)
{
    list_query q = {.after = after_key, .limit = limit, .cb = cb, .ctx = ctx};
    return in_read(l, list_read, &q);
}

typedef struct {
    const uint8_t *key;
    uint64_t before;
    size_t limit;
    mc_history_cb cb;
    void *ctx;
} history_query;

static int history_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    history_query *q = arg;
    MDB_cursor *cur;
    uint8_t start[MC__HISTORY_KEY_BYTES];
    memcpy(start, q->key, MC_PUBLIC_KEY_BYTES);
    mc__u64_be(q->before == 0 ? UINT64_MAX : q->before, start + MC_PUBLIC_KEY_BYTES);
    int rc = mdb_cursor_open(txn, l->store.history, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    /* Position at the first key >= start, then step back below it. */
    MDB_val k = {.mv_size = sizeof start, .mv_data = start}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    rc = mdb_cursor_get(cur, &k, &v, rc == MDB_SUCCESS ? MDB_PREV : MDB_LAST);
    int out = MC_ERR_OK;
    for (size_t seen = 0; rc == MDB_SUCCESS && (q->limit == 0 || seen < q->limit); seen++) {
        if (k.mv_size != MC__HISTORY_KEY_BYTES ||
            memcmp(k.mv_data, q->key, MC_PUBLIC_KEY_BYTES) != 0) {
            break;
        }
        if (v.mv_size != MC__HISTORY_VALUE_BYTES) {
            out = MC_ERR_CORRUPT;
            break;
        }
        const uint8_t *kb = k.mv_data, *vb = v.mv_data;
        mc_history_item item = {.height = mc__be_u64(kb + MC_PUBLIC_KEY_BYTES),
                                .delta = (int64_t)mc__be_u64(vb),
                                .balance_after = (int64_t)mc__be_u64(vb + 8)};
        if ((out = q->cb(&item, q->ctx)) != 0) {
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    mdb_cursor_close(cur);
    if (out == MC_ERR_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        out = mc__store_error(&l->store, "mdb_cursor_get", rc);
    }
    return out;
}

int mc_ledger_history(mc_ledger *l, const uint8_t key[MC_PUBLIC_KEY_BYTES], uint64_t before_height,
                      size_t limit, mc_history_cb cb, void *ctx)
{
    history_query q = {.key = key, .before = before_height, .limit = limit, .cb = cb, .ctx = ctx};
    return in_read(l, history_read, &q);
}

static int height_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    return mc__meta_height(&l->store, txn, arg);
}

int mc_ledger_height(mc_ledger *l, uint64_t *out)
{
    return in_read(l, height_read, out);
}

typedef struct {
    const uint8_t *key;
    bool steward;
} steward_query;

static int steward_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    steward_query *q = arg;
    MDB_val v;
    int rc = mc__store_get(&l->store, txn, l->store.meta, "config", 6, &v);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    Mc__LedgerConfig *config = mc__ledger_config__unpack(NULL, v.mv_size, v.mv_data);
    if (config == NULL) {
        return MC_ERR_CORRUPT;
    }
    q->steward = mc__config_is_steward(config, q->key);
    mc__ledger_config__free_unpacked(config, NULL);
    return MC_ERR_OK;
}

bool mc_ledger_is_steward(mc_ledger *l, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    steward_query q = {.key = key, .steward = false};
    return in_read(l, steward_read, &q) == MC_ERR_OK && q.steward;
}

typedef struct {
    const uint8_t *tx_id;
    uint64_t *height;
} find_query;

static int find_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    find_query *q = arg;
    MDB_val v;
    int rc = mc__store_get(&l->store, txn, l->store.txids, q->tx_id, MC_TX_ID_BYTES, &v);
    if (rc == MC_ERR_OK) {
        if (v.mv_size != 8) {
            return MC_ERR_CORRUPT;
        }
        *q->height = mc__be_u64(v.mv_data);
    }
    return rc;
}

int mc_ledger_find_tx(mc_ledger *l, const uint8_t tx_id[MC_TX_ID_BYTES], uint64_t *height)
{
    find_query q = {.tx_id = tx_id, .height = height};
    return in_read(l, find_read, &q);
}

typedef struct {
    uint64_t height;
    uint8_t **out;
    size_t *out_len;
} entry_query;

static int entry_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    entry_query *q = arg;
    uint8_t key[8];
    MDB_val v;
    mc__u64_be(q->height, key);
    int rc = mc__store_get(&l->store, txn, l->store.log, key, sizeof key, &v);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    uint8_t *buf = malloc(v.mv_size > 0 ? v.mv_size : 1);
    if (buf == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    memcpy(buf, v.mv_data, v.mv_size);
    *q->out = buf;
    *q->out_len = v.mv_size;
    return MC_ERR_OK;
}

int mc_ledger_get_entry(mc_ledger *l, uint64_t height, uint8_t **out, size_t *out_len)
{
    entry_query q = {.height = height, .out = out, .out_len = out_len};
    return in_read(l, entry_read, &q);
}

typedef struct {
    uint64_t size;
    uint8_t *out;
} root_query;

static int root_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    root_query *q = arg;
    uint64_t height;
    int rc = mc__meta_height(&l->store, txn, &height);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (q->size > height) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    return mc__merkle_root(&l->store, txn, q->size, q->out);
}

int mc_ledger_root(mc_ledger *l, uint64_t size, uint8_t out[MC_HASH_BYTES])
{
    root_query q = {.size = size, .out = out};
    return in_read(l, root_read, &q);
}

int mc_entry_decode(const uint8_t *bytes, size_t len, mc_entry *out)
{
    Mc__LogEntry *e = mc__log_entry__unpack(NULL, len, bytes);
    if (e == NULL) {
        return MC_ERR_MALFORMED;
    }
    int rc = MC_ERR_MALFORMED;
    mc_tx *tx = NULL;
    if (e->tx != NULL && e->tx->n_sigs <= MC_TX_SIGS_MAX) {
        uint8_t keys[MC_TX_SIGS_MAX][32], sigs[MC_TX_SIGS_MAX][64];
        rc = MC_ERR_OK;
        for (size_t i = 0; i < e->tx->n_sigs && rc == MC_ERR_OK; i++) {
            const Mc__Signature *s = e->tx->sigs[i];
            if (s->public_key.len != 32 || s->signature.len != 64) {
                rc = MC_ERR_MALFORMED;
            } else {
                memcpy(keys[i], s->public_key.data, 32);
                memcpy(sigs[i], s->signature.data, 64);
            }
        }
        if (rc == MC_ERR_OK) {
            rc = mc_tx_from_parts(e->tx->body.data, e->tx->body.len, (const uint8_t(*)[32])keys,
                                  (const uint8_t(*)[64])sigs, e->tx->n_sigs, &tx);
        }
    }
    if (rc == MC_ERR_OK) {
        out->height = e->height;
        out->time = e->time;
        out->result = (int)e->result;
        out->tx = tx;
    }
    mc__log_entry__free_unpacked(e, NULL);
    return rc;
}

void mc_entry_clear(mc_entry *entry)
{
    if (entry != NULL) {
        mc_tx_free(entry->tx);
        entry->tx = NULL;
    }
}

typedef struct {
    const uint8_t *id;
    mc_request *out;
} request_query;

static int request_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    request_query *q = arg;
    return mc__request_load(&l->store, txn, q->id, MC_TX_ID_BYTES, q->out);
}

int mc_ledger_get_request(mc_ledger *l, const uint8_t id[MC_TX_ID_BYTES], mc_request *out)
{
    request_query q = {.id = id, .out = out};
    return in_read(l, request_read, &q);
}

typedef struct {
    const uint8_t *key;
    uint64_t after;
    size_t limit;
    mc_request_cb cb;
    void *ctx;
} open_requests_query;

static int open_requests_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    open_requests_query *q = arg;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, l->store.open_requests, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    uint8_t start[MC__OPEN_REQUEST_KEY_BYTES];
    memcpy(start, q->key, MC_PUBLIC_KEY_BYTES);
    mc__u64_be(q->after == UINT64_MAX ? q->after : q->after + 1, start + MC_PUBLIC_KEY_BYTES);
    MDB_val k = {.mv_size = sizeof start, .mv_data = start}, v;
    int out = MC_ERR_OK;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (size_t seen = 0; rc == MDB_SUCCESS && (q->limit == 0 || seen < q->limit); seen++) {
        if (k.mv_size != MC__OPEN_REQUEST_KEY_BYTES ||
            memcmp(k.mv_data, q->key, MC_PUBLIC_KEY_BYTES) != 0) {
            break;
        }
        mc_request r;
        out = mc__request_load(&l->store, txn, v.mv_data, v.mv_size, &r);
        if (out != MC_ERR_OK || (out = q->cb(&r, q->ctx)) != 0) {
            out = out == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : out;
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

int mc_ledger_open_requests(mc_ledger *l, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                            uint64_t after_height, size_t limit, mc_request_cb cb, void *ctx)
{
    open_requests_query q = {
        .key = key, .after = after_height, .limit = limit, .cb = cb, .ctx = ctx};
    return in_read(l, open_requests_read, &q);
}

int mc_ledger_tx_parties(mc_ledger *l, const mc_tx *tx,
                         uint8_t out[MC_TX_PARTIES_MAX][MC_PUBLIC_KEY_BYTES])
{
    mc_tx_view v;
    mc_tx_view_of(tx, &v);
    const uint8_t *a = NULL, *b = NULL;
    mc_request q;
    switch (v.kind) {
    case MC_TX_TRANSFER:
        a = v.u.transfer.payer, b = v.u.transfer.payee;
        break;
    case MC_TX_PAYMENT_REQUEST:
        a = v.u.payment_request.payer, b = v.u.payment_request.payee;
        break;
    case MC_TX_OPEN_ACCOUNT:
        a = v.u.open_account.public_key;
        break;
    case MC_TX_SET_LIMITS:
        a = v.u.set_limits.account;
        break;
    case MC_TX_SET_STATUS:
        a = v.u.set_status.account;
        break;
    case MC_TX_DECLINE_REQUEST:
    case MC_TX_CANCEL_REQUEST: {
        if (v.u.close_request.request_id_len != MC_TX_ID_BYTES) {
            return 0;
        }
        int rc = mc_ledger_get_request(l, v.u.close_request.request_id, &q);
        if (rc == MC_ERR_NOT_FOUND) {
            return 0;
        }
        if (rc != MC_ERR_OK) {
            return -rc;
        }
        a = q.payer, b = q.payee;
        break;
    }
    }
    int n = 0;
    if (a != NULL) {
        memcpy(out[n++], a, MC_PUBLIC_KEY_BYTES);
    }
    if (b != NULL) {
        memcpy(out[n++], b, MC_PUBLIC_KEY_BYTES);
    }
    return n;
}
