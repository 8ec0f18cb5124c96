/* The log: each applied transaction becomes entry `height` (its bytes are
 * the Merkle leaf), indexed by tx_id, with its leaf hash and every complete
 * subtree above it stored in `merkle` so that the root of any past tree size
 * takes O(log n) reads. Also the per-account history index. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "mc/merkle.h"
#include "ledger_internal.h"

static void merkle_key(unsigned level, uint64_t index, uint8_t key[MC__MERKLE_KEY_BYTES])
{
    key[0] = (uint8_t)level;
    mc__u64_be(index, key + 1);
}

int mc__merkle_node(mc__store *s, MDB_txn *txn, unsigned level, uint64_t index,
                    uint8_t out[MC_HASH_BYTES])
{
    uint8_t key[MC__MERKLE_KEY_BYTES];
    MDB_val v;
    merkle_key(level, index, key);
    int rc = mc__store_get(s, txn, s->merkle, key, sizeof key, &v);
    if (rc == MC_ERR_NOT_FOUND) {
        return MC_ERR_CORRUPT;
    }
    if (rc == MC_ERR_OK) {
        if (v.mv_size != MC_HASH_BYTES) {
            return MC_ERR_CORRUPT;
        }
        memcpy(out, v.mv_data, MC_HASH_BYTES);
    }
    return rc;
}

/* Store leaf `index` and every subtree it completes. */
static int merkle_append(mc__store *s, MDB_txn *txn, uint64_t index,
                         const uint8_t leaf[MC_HASH_BYTES])
{
    uint8_t key[MC__MERKLE_KEY_BYTES];
    uint8_t hash[MC_HASH_BYTES], left[MC_HASH_BYTES];
    memcpy(hash, leaf, MC_HASH_BYTES);
    unsigned level = 0;
    for (;;) {
        merkle_key(level, index, key);
        int rc = mc__store_put(s, txn, s->merkle, key, sizeof key, hash, MC_HASH_BYTES, 0);
        if (rc != MC_ERR_OK || (index & 1) == 0) {
            return rc; /* a left child completes nothing yet */
        }
        rc = mc__merkle_node(s, txn, level, index - 1, left);
        if (rc != MC_ERR_OK) {
            return rc;
        }
        mc_merkle_node_hash(left, hash, hash);
        index >>= 1;
        level++;
    }
}

int mc__merkle_root(mc__store *s, MDB_txn *txn, uint64_t size, uint8_t out[MC_HASH_BYTES])
{
    if (size == 0) {
        mc_sha256(NULL, 0, out);
        return MC_ERR_OK;
    }
    /* The perfect subtrees of `size`, right to left: the lowest set bit is
     * the rightmost subtree. acc = H(subtree, acc) walking leftwards. */
    uint8_t acc[MC_HASH_BYTES], node[MC_HASH_BYTES];
    bool have = false;
    for (unsigned level = 0; level < 64; level++) {
        uint64_t bit = (uint64_t)1 << level;
        if ((size & bit) == 0) {
            continue;
        }
        uint64_t offset = size & ~((bit << 1) - 1); /* leaves left of this subtree */
        if (level == 63) {
            offset = 0;
        }
        int rc = mc__merkle_node(s, txn, level, offset >> level, node);
        if (rc != MC_ERR_OK) {
            return rc;
        }
        if (have) {
            mc_merkle_node_hash(node, acc, acc);
        } else {
            memcpy(acc, node, MC_HASH_BYTES);
            have = true;
        }
    }
    memcpy(out, acc, MC_HASH_BYTES);
    return MC_ERR_OK;
}

/* Serialize the log entry for `tx` at `height`; malloc'd. */
static int entry_encode(const mc_tx *tx, uint64_t height, int64_t now, Mc__RoundRecord *round,
                        uint8_t **out, size_t *out_len)
{
    Mc__LogEntry e = MC__LOG_ENTRY__INIT;
    mc__signed_tx_msg m;
    mc__tx_to_message(tx, &m);
    e.height = height;
    e.time = now;
    e.tx = &m.st;
    e.result = MC_ERR_OK;
    e.round = round;
    size_t len = mc__log_entry__get_packed_size(&e);
    uint8_t *buf = malloc(len);
    if (buf == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    mc__log_entry__pack(&e, buf);
    *out = buf;
    *out_len = len;
    return MC_ERR_OK;
}

int mc__log_append(mc__apply_ctx *ctx, const mc_tx *tx, uint64_t height)
{
    mc__store *s = &ctx->ledger->store;
    uint8_t *entry = NULL;
    size_t len = 0;
    uint8_t key[8], leaf[MC_HASH_BYTES];
    int rc = entry_encode(tx, height, ctx->now, ctx->round, &entry, &len);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc__u64_be(height, key);
    rc = mc__store_put(s, ctx->txn, s->log, key, sizeof key, entry, len, MDB_APPEND);
    if (rc == MC_ERR_OK) {
        rc = mc__store_put(s, ctx->txn, s->txids, tx->tx_id, MC_TX_ID_BYTES, key, sizeof key,
                           MDB_NOOVERWRITE);
    }
    if (rc == MC_ERR_OK) {
        mc_merkle_leaf_hash(entry, len, leaf);
        rc = merkle_append(s, ctx->txn, height - 1, leaf);
    }
    free(entry);
    return rc;
}

int mc__history_add(mc__apply_ctx *ctx, const mc_account *a, uint64_t height, int64_t delta)
{
    mc__store *s = &ctx->ledger->store;
    uint8_t key[MC__HISTORY_KEY_BYTES], val[MC__HISTORY_VALUE_BYTES];
    memcpy(key, a->public_key, MC_PUBLIC_KEY_BYTES);
    mc__u64_be(height, key + MC_PUBLIC_KEY_BYTES);
    mc__u64_be((uint64_t)delta, val);
    mc__u64_be((uint64_t)a->balance, val + 8);
    return mc__store_put(s, ctx->txn, s->history, key, sizeof key, val, sizeof val, 0);
}
