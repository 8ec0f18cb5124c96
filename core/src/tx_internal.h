/* The decoded transaction, shared by tx.c (decode, verify) and the ledger
 * (apply). Private to core. */
#ifndef MC_TX_INTERNAL_H
#define MC_TX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc/tx.h"
#include "tx.pb-c.h"

#define MC__TX_KEY_LISTS 4u     /* key lists in one body (SetRoles has four) */
#define MC__TX_KEY_LIST_MAX 64u /* keys in one list */

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
    /* The key lists of the body (keepers, roles), copied whole in order, so
     * views can borrow them as arrays; `lists[i]` starts list i. */
    uint8_t (*flat)[MC_PUBLIC_KEY_BYTES];
    size_t lists[MC__TX_KEY_LISTS][2]; /* [offset, count] */
};

/* A SignedTx message borrowing a tx's bytes, for packing (valid while the
 * tx lives and `m` is in scope). */
typedef struct mc__signed_tx_msg {
    Mc__SignedTx st;
    Mc__Signature sigs[MC_TX_SIGS_MAX];
    Mc__Signature *sig_ptrs[MC_TX_SIGS_MAX];
} mc__signed_tx_msg;
void mc__tx_to_message(const mc_tx *tx, mc__signed_tx_msg *m);

/* txshape.c: the structure a body must have (sizes of keys and hashes,
 * bounded lists, known enum values), and its key lists made flat. */
bool mc__body_well_formed(const Mc__TxBody *b);
int mc__tx_flatten(mc_tx *tx);

/* True when `key` signed `tx`. */
bool mc__tx_signed_by(const mc_tx *tx, const uint8_t key[MC_PUBLIC_KEY_BYTES]);

#endif
