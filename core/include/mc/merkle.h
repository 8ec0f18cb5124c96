/* RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing over the log:
 * leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || l || r). */
#ifndef MC_MERKLE_H
#define MC_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "mc/crypto.h"

void mc_merkle_leaf_hash(const uint8_t *entry, size_t len, uint8_t out[MC_HASH_BYTES]);
void mc_merkle_node_hash(const uint8_t left[MC_HASH_BYTES], const uint8_t right[MC_HASH_BYTES],
                         uint8_t out[MC_HASH_BYTES]);

/* Root of the tree over `n` leaf hashes held in memory (for tests and small
 * trees; the ledger computes roots from its stored subtrees). n = 0 gives
 * SHA-256 of nothing. */
void mc_merkle_root_of(const uint8_t (*leaves)[MC_HASH_BYTES], uint64_t n,
                       uint8_t out[MC_HASH_BYTES]);

/* The hash of the leaves [begin, end) of a tree, for proof generation:
 * MC_ERR_OK or an error that aborts the proof. */
typedef int (*mc_merkle_range_fn)(void *ctx, uint64_t begin, uint64_t end,
                                  uint8_t out[MC_HASH_BYTES]);

/* Hashes in a proof of a tree of at most 2^64 leaves. */
#define MC_MERKLE_PROOF_MAX 128u

/* The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162
 * section 2.1.3.1), bottom-up, into `proof` (MC_MERKLE_PROOF_MAX hashes of
 * room); *len hashes. MC_ERR_INVALID_ARGUMENT when index >= size. */
int mc_merkle_inclusion_proof(mc_merkle_range_fn range, void *ctx, uint64_t index, uint64_t size,
                              uint8_t (*proof)[MC_HASH_BYTES], size_t *len);

/* The consistency proof between the trees of size1 <= size2 leaves (RFC 9162
 * section 2.1.4.1). Empty when size1 is 0 or equals size2. */
int mc_merkle_consistency_proof(mc_merkle_range_fn range, void *ctx, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[MC_HASH_BYTES], size_t *len);

/* Verify an inclusion proof (RFC 9162 section 2.1.3.2): MC_ERR_OK or
 * MC_ERR_PROOF_INVALID. */
int mc_merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[MC_HASH_BYTES],
                               const uint8_t (*proof)[MC_HASH_BYTES], size_t len,
                               const uint8_t root[MC_HASH_BYTES]);

/* Verify a consistency proof (RFC 9162 section 2.1.4.2): that the tree of
 * size2 with root2 extends the tree of size1 with root1. MC_ERR_OK or
 * MC_ERR_PROOF_INVALID, also for size1 0: every tree extends the empty one,
 * so there is nothing to verify and the caller should not ask. */
int mc_merkle_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t root1[MC_HASH_BYTES],
                                 const uint8_t root2[MC_HASH_BYTES],
                                 const uint8_t (*proof)[MC_HASH_BYTES], size_t len);

/* The root of a tree fed one leaf at a time, in O(log n) memory (the
 * auditor streams the log through it). */
typedef struct mc_merkle_stream {
    uint64_t size;
    uint8_t nodes[64][MC_HASH_BYTES]; /* nodes[l]: the left subtree of 2^l leaves pending */
} mc_merkle_stream;

void mc_merkle_stream_init(mc_merkle_stream *s);
void mc_merkle_stream_add(mc_merkle_stream *s, const uint8_t leaf[MC_HASH_BYTES]);
/* The root of the leaves added so far (SHA-256 of nothing when none). */
void mc_merkle_stream_root(const mc_merkle_stream *s, uint8_t out[MC_HASH_BYTES]);

#endif
