/* Transactions: building and signing bodies (wallet, tests, benchmarks) and
 * decoding and verifying signed transactions (node, auditor).
 *
 * Life of a transaction on the node: mc_tx_decode() the SignedTx bytes from
 * the network, mc_tx_verify() its signatures (thread-safe, run on worker
 * threads), then mc_ledger_apply_batch(). The body is kept as the exact bytes
 * that were signed. */
#ifndef MC_TX_H
#define MC_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc/crypto.h"
#include "mc/types.h"

/* Bounds on what a decoder accepts. */
#define MC_TX_BYTES_MAX 65536u /* a whole SignedTx */
#define MC_TX_SIGS_MAX 16u     /* signatures on one transaction */

typedef enum mc_tx_kind {
    MC_TX_OPEN_ACCOUNT = 10,
    MC_TX_TRANSFER = 11,
    MC_TX_SET_LIMITS = 12,
    MC_TX_SET_STATUS = 13,
    MC_TX_PAYMENT_REQUEST = 14,
    MC_TX_DECLINE_REQUEST = 15,
    MC_TX_CANCEL_REQUEST = 16,
    MC_TX_SET_ROLES = 17,
    MC_TX_SET_FEE = 18,
    MC_TX_CONTRIBUTION = 19,
    MC_TX_REVIEW_CONTRIBUTION = 20,
    MC_TX_DISTRIBUTION = 21,
} mc_tx_kind;
#define MC_TX_KIND_FIRST MC_TX_OPEN_ACCOUNT
#define MC_TX_KIND_LAST MC_TX_DISTRIBUTION /* kinds are numbered without gaps */

/* What a transfer is for (proto/tx.proto Purpose). */
typedef enum mc_purpose {
    MC_PURPOSE_NONE = 0,
    MC_PURPOSE_RECIPROCITY = 1, /* a business's share paid into a commons */
} mc_purpose;

/* A list of keys borrowed for an encode or a view. */
typedef struct mc_keys {
    const uint8_t (*keys)[MC_PUBLIC_KEY_BYTES];
    size_t count;
} mc_keys;

/* A transaction body to encode. Pointers are borrowed for the call only. */
typedef struct mc_body {
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint64_t nonce;
    int64_t not_after; /* unix seconds; 0 = never expires */
    mc_tx_kind kind;
    union {
        struct {
            uint8_t public_key[MC_PUBLIC_KEY_BYTES];
            const char *handle;
            mc_account_kind kind;
            bool has_limits; /* false: the ledger's defaults for `kind` */
            mc_limits limits;
            mc_keys keepers;        /* a commons' keepers; none: its own key */
            unsigned keeper_quorum; /* 0: 1 */
        } open_account;
        struct {
            uint8_t payer[MC_PUBLIC_KEY_BYTES];
            uint8_t payee[MC_PUBLIC_KEY_BYTES];
            int64_t amount;
            const uint8_t *memo; /* may be NULL */
            size_t memo_len;
            bool has_request; /* pays the payment request `request_id` */
            uint8_t request_id[MC_TX_ID_BYTES];
            mc_purpose purpose;
        } transfer;
        struct {
            uint8_t account[MC_PUBLIC_KEY_BYTES];
            mc_limits limits;
        } set_limits;
        struct {
            uint8_t account[MC_PUBLIC_KEY_BYTES];
            mc_account_status status;
        } set_status;
        struct {
            uint8_t payee[MC_PUBLIC_KEY_BYTES]; /* who asks, and signs */
            uint8_t payer[MC_PUBLIC_KEY_BYTES];
            int64_t amount;
            const uint8_t *memo; /* may be NULL */
            size_t memo_len;
        } payment_request;
        struct {
            uint8_t request_id[MC_TX_ID_BYTES];
        } close_request; /* MC_TX_DECLINE_REQUEST and MC_TX_CANCEL_REQUEST */
        struct {
            mc_keys add_stewards, remove_stewards, add_auditors, remove_auditors;
            unsigned quorum; /* 0: unchanged */
        } set_roles;
        struct {
            unsigned fee_bps;
            bool has_fee_account;
            uint8_t fee_account[MC_PUBLIC_KEY_BYTES];
        } set_fee;
        struct {
            uint8_t commons[MC_PUBLIC_KEY_BYTES];
            uint8_t contributor[MC_PUBLIC_KEY_BYTES];
            int64_t weight;
            const char *description; /* NUL-terminated */
            bool has_evidence;
            uint8_t evidence[MC_HASH_BYTES];
        } contribution;
        struct {
            uint8_t contribution_id[MC_TX_ID_BYTES];
            bool approve;
        } review;
        struct {
            uint8_t commons[MC_PUBLIC_KEY_BYTES];
            unsigned share_bps;
            int64_t amount;
            int64_t cap;
        } distribution;
    } u;
} mc_body;

/* Serialize `body` into a new malloc'd buffer (*out, *out_len); the caller
 * frees it. Encodes what it is given: validation is the ledger's job.
 * Returns MC_ERR_OK, MC_ERR_INVALID_ARGUMENT (unknown kind, NULL handle) or
 * MC_ERR_NO_MEMORY. */
int mc_body_encode(const mc_body *body, uint8_t **out, size_t *out_len);

/* Sign `body` (exact bytes) with each of `n` key pairs and serialize the
 * SignedTx into a new malloc'd buffer. The ledger id is read from the body;
 * a body that does not decode gives MC_ERR_MALFORMED. */
int mc_tx_sign(const uint8_t *body, size_t body_len, const mc_keypair *const *keys, size_t n,
               uint8_t **out, size_t *out_len);

/* A decoded signed transaction (opaque). */
typedef struct mc_tx mc_tx;

/* Decode SignedTx bytes and the body inside. The result owns copies of
 * everything; `bytes` may be freed after the call. Returns MC_ERR_OK,
 * MC_ERR_MALFORMED (undecodable, too large, a key or signature of the wrong
 * size, no kind, more than MC_TX_SIGS_MAX signatures, one key with two
 * different signatures) or MC_ERR_NO_MEMORY. A key repeated with the same
 * signature counts once: the copy is dropped. */
int mc_tx_decode(const uint8_t *bytes, size_t len, mc_tx **out);

/* Build an mc_tx from a body and its signatures given apart, as a log entry
 * or an export holds them. Same errors as mc_tx_decode(). */
int mc_tx_from_parts(const uint8_t *body, size_t body_len,
                     const uint8_t (*keys)[MC_PUBLIC_KEY_BYTES],
                     const uint8_t (*sigs)[MC_SIGNATURE_BYTES], size_t n, mc_tx **out);

/* Add the signature of `kp` over the transaction's body (a steward
 * countersigning a member's join request, a co-signer of a proposal). The
 * transaction is no longer marked verified. Signing again with a key that
 * already signed changes nothing (Ed25519 signatures are deterministic);
 * MC_ERR_MALFORMED when it holds MC_TX_SIGS_MAX signatures. */
int mc_tx_cosign(mc_tx *tx, const mc_keypair *kp);

/* Verify every signature over "mc/tx/v1" || body.ledger_id || body.
 * Returns MC_ERR_OK (and marks the transaction verified) or
 * MC_ERR_BAD_SIGNATURE. Safe to call from any thread on distinct txs. */
int mc_tx_verify(mc_tx *tx);

bool mc_tx_is_verified(const mc_tx *tx);
const uint8_t *mc_tx_id_of(const mc_tx *tx); /* 32 bytes, valid as long as tx */
mc_tx_kind mc_tx_kind_of(const mc_tx *tx);
/* The SignedTx bytes, re-serialized (the body inside is the exact signed
 * bytes). New malloc'd buffer. */
int mc_tx_encode(const mc_tx *tx, uint8_t **out, size_t *out_len);

/* The exact signed body bytes; valid as long as `tx`. */
const uint8_t *mc_tx_body_bytes(const mc_tx *tx, size_t *len);

/* The signers, in the order of the SignedTx: key i is 32 bytes, valid as long
 * as `tx`; i < mc_tx_signer_count(tx). */
size_t mc_tx_signer_count(const mc_tx *tx);
const uint8_t *mc_tx_signer(const mc_tx *tx, size_t i);

/* A read-only view of a decoded body, for display (the wallet, the node's
 * history answers, the auditor's reports). Every pointer borrows from `tx`
 * and stays valid as long as it; text fields are not NUL-terminated and are
 * whatever the signer put there (the ledger validates them on apply). */
typedef struct mc_tx_view {
    const uint8_t *ledger_id; /* MC_LEDGER_ID_BYTES */
    uint64_t nonce;
    int64_t not_after;
    mc_tx_kind kind;
    union {
        struct {
            const uint8_t *public_key;
            const uint8_t *handle;
            size_t handle_len;
            int kind; /* mc_account_kind, unchecked */
            bool has_limits;
            mc_limits limits;
            mc_keys keepers;
            unsigned keeper_quorum;
        } open_account;
        struct {
            const uint8_t *payer;
            const uint8_t *payee;
            int64_t amount;
            const uint8_t *memo;
            size_t memo_len;
            const uint8_t *request_id; /* NULL when none */
            size_t request_id_len;     /* MC_TX_ID_BYTES when it names a request */
            mc_purpose purpose;
        } transfer;
        struct {
            const uint8_t *account;
            mc_limits limits;
        } set_limits;
        struct {
            const uint8_t *account;
            int status; /* mc_account_status, unchecked */
        } set_status;
        struct {
            const uint8_t *payee;
            const uint8_t *payer;
            int64_t amount;
            const uint8_t *memo;
            size_t memo_len;
        } payment_request;
        struct {
            const uint8_t *request_id;
            size_t request_id_len; /* MC_TX_ID_BYTES when it names a request */
        } close_request;           /* decline and cancel */
        struct {
            mc_keys add_stewards, remove_stewards, add_auditors, remove_auditors;
            unsigned quorum;
        } set_roles;
        struct {
            unsigned fee_bps;
            const uint8_t *fee_account; /* NULL when none */
        } set_fee;
        struct {
            const uint8_t *commons;
            const uint8_t *contributor;
            int64_t weight;
            const uint8_t *description;
            size_t description_len;
            const uint8_t *evidence; /* NULL when none */
        } contribution;
        struct {
            const uint8_t *contribution_id;
            size_t contribution_id_len; /* MC_TX_ID_BYTES when it names one */
            bool approve;
        } review;
        struct {
            const uint8_t *commons;
            unsigned share_bps;
            int64_t amount;
            int64_t cap;
        } distribution;
    } u;
} mc_tx_view;

void mc_tx_view_of(const mc_tx *tx, mc_tx_view *out);

/* NULL is a no-op. */
void mc_tx_free(mc_tx *tx);

#endif
