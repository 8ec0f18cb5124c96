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

#endif
