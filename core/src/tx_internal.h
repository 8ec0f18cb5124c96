/* The decoded transaction, shared by tx.c (decode, verify) and the ledger
 * (apply). Private to core. */
#ifndef MC_TX_INTERNAL_H
#define MC_TX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc/tx.h"
#include "tx.pb-c.h"

/* Borrow `n` bytes at `ptr` as a protobuf bytes field. */
#define MC__BYTES(ptr, n) ((ProtobufCBinaryData){.len = (n), .data = (uint8_t *)(ptr)})

struct mc_tx {
    uint8_t *body; /* the exact signed bytes, owned */
    size_t body_len;
    Mc__TxBody *decoded; /* owned; structurally valid (see mc_tx_decode) */
    size_t sig_count;    /* <= MC_TX_SIGS_MAX, keys distinct */
    uint8_t keys[MC_TX_SIGS_MAX][MC_PUBLIC_KEY_BYTES];
    uint8_t sigs[MC_TX_SIGS_MAX][MC_SIGNATURE_BYTES];
    uint8_t tx_id[MC_TX_ID_BYTES];
    bool verified;
};

/* A SignedTx message borrowing a tx's bytes, for packing (valid while the
 * tx lives and `m` is in scope). */
typedef struct mc__signed_tx_msg {
    Mc__SignedTx st;
    Mc__Signature sigs[MC_TX_SIGS_MAX];
    Mc__Signature *sig_ptrs[MC_TX_SIGS_MAX];
} mc__signed_tx_msg;
void mc__tx_to_message(const mc_tx *tx, mc__signed_tx_msg *m);

/* True when `key` signed `tx`. */
bool mc__tx_signed_by(const mc_tx *tx, const uint8_t key[MC_PUBLIC_KEY_BYTES]);

#endif
