/* RFC 9162 Merkle trees (see mc/merkle.h): hashing, proofs of inclusion and
 * consistency (made over any source of subtree hashes, checked against a
 * root), and a streaming root in O(log n) memory. */
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "mc/error.h"
#include "mc/merkle.h"

void mc_merkle_leaf_hash(const uint8_t *entry, size_t len, uint8_t out[MC_HASH_BYTES])
{
    static const uint8_t prefix = 0x00;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, entry, len);
    crypto_hash_sha256_final(&st, out);
}

void mc_merkle_node_hash(const uint8_t left[MC_HASH_BYTES], const uint8_t right[MC_HASH_BYTES],
                         uint8_t out[MC_HASH_BYTES])
{
    static const uint8_t prefix = 0x01;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, left, MC_HASH_BYTES);
    crypto_hash_sha256_update(&st, right, MC_HASH_BYTES);
    crypto_hash_sha256_final(&st, out);
}

/* Largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    return k;
}

/* MTH(D[n]) of RFC 9162 section 2.1.1, recursive; depth <= 64. */
static void root_rec(const uint8_t (*leaves)[MC_HASH_BYTES], uint64_t n, uint8_t out[MC_HASH_BYTES])
{
    if (n == 1) {
        for (size_t i = 0; i < MC_HASH_BYTES; i++) {
            out[i] = leaves[0][i];
        }
        return;
    }
    uint64_t k = split_point(n);
    uint8_t left[MC_HASH_BYTES], right[MC_HASH_BYTES];
    root_rec(leaves, k, left);
    root_rec(leaves + k, n - k, right);
    mc_merkle_node_hash(left, right, out);
}

void mc_merkle_root_of(const uint8_t (*leaves)[MC_HASH_BYTES], uint64_t n,
                       uint8_t out[MC_HASH_BYTES])
{
    if (n == 0) {
        crypto_hash_sha256(out, NULL, 0);
        return;
    }
    root_rec(leaves, n, out);
}

/* ---- proofs (RFC 9162 section 2.1.3 and 2.1.4) --------------------------- */

typedef struct proof_out {
    uint8_t (*hashes)[MC_HASH_BYTES];
    size_t len;
} proof_out;

static int proof_push(mc_merkle_range_fn range, void *ctx, uint64_t begin, uint64_t end,
                      proof_out *out)
{
    if (out->len >= MC_MERKLE_PROOF_MAX) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    return range(ctx, begin, end, out->hashes[out->len++]);
}

/* PATH(m, D[begin:end]), bottom-up. */
static int path(mc_merkle_range_fn range, void *ctx, uint64_t m, uint64_t begin, uint64_t end,
                proof_out *out)
{
    uint64_t n = end - begin;
    if (n <= 1) {
        return MC_ERR_OK;
    }
    uint64_t k = split_point(n);
    int rc = m < k ? path(range, ctx, m, begin, begin + k, out)
                   : path(range, ctx, m - k, begin + k, end, out);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    return m < k ? proof_push(range, ctx, begin + k, end, out)
                 : proof_push(range, ctx, begin, begin + k, out);
}

int mc_merkle_inclusion_proof(mc_merkle_range_fn range, void *ctx, uint64_t index, uint64_t size,
                              uint8_t (*proof)[MC_HASH_BYTES], size_t *len)
{
    if (index >= size) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    proof_out out = {proof, 0};
    int rc = path(range, ctx, index, 0, size, &out);
    if (rc == MC_ERR_OK) {
        *len = out.len;
    }
    return rc;
}

/* SUBPROOF(m, D[begin:end], b). */
static int subproof(mc_merkle_range_fn range, void *ctx, uint64_t m, uint64_t begin, uint64_t end,
                    bool b, proof_out *out)
{
    uint64_t n = end - begin;
    if (m == n) {
        return b ? MC_ERR_OK : proof_push(range, ctx, begin, end, out);
    }
    uint64_t k = split_point(n);
    int rc;
    if (m <= k) {
        rc = subproof(range, ctx, m, begin, begin + k, b, out);
        return rc == MC_ERR_OK ? proof_push(range, ctx, begin + k, end, out) : rc;
    }
    rc = subproof(range, ctx, m - k, begin + k, end, false, out);
    return rc == MC_ERR_OK ? proof_push(range, ctx, begin, begin + k, out) : rc;
}

int mc_merkle_consistency_proof(mc_merkle_range_fn range, void *ctx, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[MC_HASH_BYTES], size_t *len)
{
    if (size1 > size2) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    proof_out out = {proof, 0};
    int rc = size1 == 0 || size1 == size2 ? MC_ERR_OK
                                          : subproof(range, ctx, size1, 0, size2, true, &out);
    if (rc == MC_ERR_OK) {
        *len = out.len;
    }
    return rc;
}

int mc_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[MC_HASH_BYTES],
                               const uint8_t (*proof)[MC_HASH_BYTES], size_t len,
                               const uint8_t root[MC_HASH_BYTES])
{
    if (index >= size) {
        return MC_ERR_PROOF_INVALID;
    }
    uint64_t fn = index, sn = size - 1;
    uint8_t r[MC_HASH_BYTES];
    memcpy(r, leaf, MC_HASH_BYTES);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0) {
            return MC_ERR_PROOF_INVALID;
        }
        if ((fn & 1) || fn == sn) {
            mc_merkle_node_hash(proof[i], r, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            mc_merkle_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(r, root, MC_HASH_BYTES) == 0 ? MC_ERR_OK : MC_ERR_PROOF_INVALID;
}

/* The consistency check of RFC 9162 section 2.1.4.2 on a proof whose first
 * hash (proof[0]) is the starting point. */
static int consistency_walk(uint64_t size1, uint64_t size2, const uint8_t root1[MC_HASH_BYTES],
                            const uint8_t root2[MC_HASH_BYTES],
                            const uint8_t (*proof)[MC_HASH_BYTES], size_t len)
{
    uint64_t fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[MC_HASH_BYTES], sr[MC_HASH_BYTES];
    memcpy(fr, proof[0], MC_HASH_BYTES);
    memcpy(sr, proof[0], MC_HASH_BYTES);
    for (size_t i = 1; i < len; i++) {
        if (sn == 0) {
            return MC_ERR_PROOF_INVALID;
        }
        if ((fn & 1) || fn == sn) {
            mc_merkle_node_hash(proof[i], fr, fr);
            mc_merkle_node_hash(proof[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            mc_merkle_node_hash(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && memcmp(fr, root1, MC_HASH_BYTES) == 0 && memcmp(sr, root2, MC_HASH_BYTES) == 0
               ? MC_ERR_OK
               : MC_ERR_PROOF_INVALID;
}

int mc_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[MC_HASH_BYTES],
                                 const uint8_t root2[MC_HASH_BYTES],
                                 const uint8_t (*proof)[MC_HASH_BYTES], size_t len)
{
    /* Nothing is proved about the empty tree (every log extends it): as
     * the reference verifier, refuse size1 0; callers skip the check. */
    if (size1 == 0 || size1 > size2 || len > MC_MERKLE_PROOF_MAX) {
        return MC_ERR_PROOF_INVALID;
    }
    if (size1 == size2) {
        return len == 0 && memcmp(root1, root2, MC_HASH_BYTES) == 0 ? MC_ERR_OK
                                                                    : MC_ERR_PROOF_INVALID;
    }
    if ((size1 & (size1 - 1)) == 0) {
        /* size1 a power of two: its root is the proof's starting point */
        uint8_t with_root[MC_MERKLE_PROOF_MAX + 1][MC_HASH_BYTES];
        memcpy(with_root[0], root1, MC_HASH_BYTES);
        memcpy(with_root[1], proof, len * MC_HASH_BYTES);
        return consistency_walk(size1, size2, root1, root2,
                                (const uint8_t(*)[MC_HASH_BYTES])with_root, len + 1);
    }
    return len == 0 ? MC_ERR_PROOF_INVALID
                    : consistency_walk(size1, size2, root1, root2, proof, len);
}

/* ---- streaming root ------------------------------------------------------ */

void mc_merkle_stream_init(mc_merkle_stream *s)
{
    s->size = 0;
}

void mc_merkle_stream_add(mc_merkle_stream *s, const uint8_t leaf[MC_HASH_BYTES])
{
    uint8_t h[MC_HASH_BYTES];
    memcpy(h, leaf, MC_HASH_BYTES);
    unsigned level = 0;
    while (s->size >> level & 1) {
        mc_merkle_node_hash(s->nodes[level], h, h);
        level++;
    }
    memcpy(s->nodes[level], h, MC_HASH_BYTES);
    s->size++;
}

void mc_merkle_stream_root(const mc_merkle_stream *s, uint8_t out[MC_HASH_BYTES])
{
    if (s->size == 0) {
        crypto_hash_sha256(out, NULL, 0);
        return;
    }
    uint8_t acc[MC_HASH_BYTES];
    bool have = false;
    for (unsigned level = 0; level < 64; level++) {
        if (!(s->size >> level & 1)) {
            continue;
        }
        if (have) {
            mc_merkle_node_hash(s->nodes[level], acc, acc);
        } else {
            memcpy(acc, s->nodes[level], MC_HASH_BYTES);
            have = true;
        }
    }
    memcpy(out, acc, MC_HASH_BYTES);
}
