/* RFC 9162 hashing (see mc/merkle.h). */
#include <sodium.h>

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
