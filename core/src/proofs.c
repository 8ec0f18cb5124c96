/* Merkle proofs over the ledger's log, from the subtree hashes `merkle`
 * stores: a perfect, aligned range is one read; any other range of a proof
 * is a right edge, made of O(log n) of them. */
#include "mc/error.h"
#include "ledger_internal.h"

typedef struct range_ctx {
    mc_ledger *l;
    MDB_txn *txn;
} range_ctx;

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    return k;
}

static int store_range(void *arg, uint64_t begin, uint64_t end, uint8_t out[MC_HASH_BYTES])
{
    range_ctx *c = arg;
    uint64_t n = end - begin;
    if (n == 0) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    if ((n & (n - 1)) == 0 && begin % n == 0) {
        unsigned level = 0;
        while ((uint64_t)1 << level != n) {
            level++;
        }
        return mc__merkle_node(&c->l->store, c->txn, level, begin >> level, out);
    }
    uint8_t left[MC_HASH_BYTES], right[MC_HASH_BYTES];
    uint64_t k = split_point(n);
    int rc = store_range(arg, begin, begin + k, left);
    if (rc == MC_ERR_OK) {
        rc = store_range(arg, begin + k, end, right);
    }
    if (rc == MC_ERR_OK) {
        mc_merkle_node_hash(left, right, out);
    }
    return rc;
}

typedef struct proof_query {
    bool inclusion;
    uint64_t a, b; /* index and size, or size1 and size2 */
    uint8_t (*proof)[MC_HASH_BYTES];
    size_t *len;
} proof_query;

static int proof_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    proof_query *q = arg;
    uint64_t height = 0;
    int rc = mc__meta_height(&l->store, txn, &height);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (q->b > height) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    range_ctx c = {l, txn};
    return q->inclusion
               ? mc_merkle_inclusion_proof(store_range, &c, q->a, q->b, q->proof, q->len)
               : mc_merkle_consistency_proof(store_range, &c, q->a, q->b, q->proof, q->len);
}

int mc_ledger_inclusion_proof(mc_ledger *l, uint64_t index, uint64_t size,
                              uint8_t (*proof)[MC_HASH_BYTES], size_t *len)
{
    proof_query q = {.inclusion = true, .a = index, .b = size, .proof = proof, .len = len};
    return mc__ledger_read(l, proof_read, &q);
}

int mc_ledger_consistency_proof(mc_ledger *l, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[MC_HASH_BYTES], size_t *len)
{
    proof_query q = {.a = size1, .b = size2, .proof = proof, .len = len};
    return mc__ledger_read(l, proof_read, &q);
}
