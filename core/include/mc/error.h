/* Stable error codes of mc: one code per ledger rule, plus the operating
 * errors of the library. One X-macro table generates the enum, the stable
 * SNAKE_CASE names (used on the wire and in --json) and the messages, so they
 * never drift. Values are explicit and append-only: never renumber, never
 * reuse a retired value. */
#ifndef MC_ERROR_H
#define MC_ERROR_H

/* X(NAME, value, message) */
#define MC_ERROR_TABLE(X)                                                                          \
    X(OK, 0, "ok")                                                                                 \
    X(MALFORMED, 1, "the transaction or record could not be decoded")                              \
    X(BAD_SIGNATURE, 2, "a signature does not verify")                                             \
    X(WRONG_LEDGER, 3, "the transaction was signed for another ledger")                            \
    X(EXPIRED, 4, "the transaction expired before it was applied")                                 \
    X(UNKNOWN_PAYER, 5, "the payer has no account on this ledger")                                 \
    X(UNKNOWN_PAYEE, 6, "the payee has no account on this ledger")                                 \
    X(SELF_TRANSFER, 7, "payer and payee are the same account")                                    \
    X(AMOUNT_NOT_POSITIVE, 8, "the amount must be greater than zero")                              \
    X(AMOUNT_OVERFLOW, 9, "the amount or a resulting balance is out of range")                     \
    X(MEMO_TOO_LONG, 10, "the memo is longer than 140 bytes")                                      \
    X(MEMO_NOT_UTF8, 11, "the memo is not valid UTF-8")                                            \
    X(PAYER_FROZEN, 12, "the payer's account is frozen")                                           \
    X(PAYER_CLOSED, 13, "the payer's account is closed")                                           \
    X(PAYEE_FROZEN, 14, "the payee's account is frozen")                                           \
    X(PAYEE_CLOSED, 15, "the payee's account is closed")                                           \
    X(EXCEEDS_CREDIT_LIMIT, 16, "the payment would take the payer below their credit limit")       \
    X(EXCEEDS_CEILING, 17, "the payment would take the payee above their balance ceiling")         \
    X(ACCOUNT_EXISTS, 18, "an account with this key already exists")                               \
    X(HANDLE_TAKEN, 19, "the handle is already taken")                                             \
    X(HANDLE_INVALID, 20, "a handle is 2 to 32 characters among a-z 0-9 _ . -")                    \
    X(NOT_A_STEWARD, 21, "a signer is not a steward of this ledger")                               \
    X(QUORUM_NOT_MET, 22, "too few stewards signed")                                               \
    X(LIMITS_INVALID, 23, "limits must satisfy min <= 0 <= max")                                   \
    X(CLOSE_NONZERO_BALANCE, 24, "an account closes only at a zero balance")                       \
    X(STORAGE_FULL, 25, "the storage is full")                                                     \
    X(STORAGE_IO, 26, "the storage failed to read or write")                                       \
    X(UNKNOWN_ACCOUNT, 27, "no account with this key")                                             \
    X(MISSING_SIGNATURE, 28, "the transaction lacks a signature it needs")                         \
    X(UNEXPECTED_SIGNER, 29, "the transaction carries a signature it does not need")               \
    X(ACCOUNT_CLOSED, 30, "the account is closed")                                                 \
    X(STATUS_UNCHANGED, 31, "the account already has this status")                                 \
    X(KIND_INVALID, 32, "unknown account kind")                                                    \
    X(STATUS_INVALID, 33, "unknown account status")                                                \
    X(UNKNOWN_REQUEST, 34, "no such payment request")                                              \
    X(AMOUNT_SYNTAX, 35, "not an amount in this ledger's unit")                                    \
    X(INVALID_ARGUMENT, 36, "invalid argument")                                                    \
    X(NOT_FOUND, 37, "not found")                                                                  \
    X(NO_MEMORY, 38, "out of memory")                                                              \
    X(CONFIG_INVALID, 39, "the ledger configuration is invalid")                                   \
    X(LEDGER_EXISTS, 40, "a ledger already exists in this directory")                              \
    X(NO_LEDGER, 41, "no ledger in this directory")                                                \
    X(CORRUPT, 42, "the stored ledger is corrupt")                                                 \
    X(INVARIANT, 43, "a ledger invariant does not hold")                                           \
    X(NOT_VERIFIED, 44, "the transaction's signatures were not verified")                          \
    X(KEY_INVALID, 45, "not a valid key")                                                          \
    X(UNSUPPORTED, 46, "the node does not support this request")                                   \
    X(OVERLOADED, 47, "the node is overloaded; retry later")                                       \
    X(FRAME_TOO_LARGE, 48, "the frame is larger than the node accepts")                            \
    X(AUTH_REQUIRED, 49, "this request needs an authenticated connection")                         \
    X(FORBIDDEN, 50, "the ledger's visibility rules do not show this to you")                      \
    X(AUTH_FAILED, 51, "authentication failed: no challenge, a bad signature, or an unknown key")  \
    X(SHUTTING_DOWN, 52, "the node is shutting down")                                              \
    X(TIMEOUT, 53, "no answer from the node in time")                                              \
    X(UNREACHABLE, 54, "cannot reach the node")                                                    \
    X(PROTOCOL, 55, "the peer broke the protocol")                                                 \
    X(REQUEST_CLOSED, 56, "the payment request was already paid, declined or cancelled")           \
    X(REQUEST_MISMATCH, 57, "the payment does not match the request's payer, payee or amount")     \
    X(WRONG_PASSPHRASE, 58, "wrong passphrase for this key")                                       \
    X(PROOF_INVALID, 59, "the Merkle proof does not verify")                                       \
    X(HISTORY_REWRITTEN, 60,                                                                       \
      "the log does not extend an earlier checkpoint: history was rewritten")                      \
    X(CHECKPOINT_INVALID, 61,                                                                      \
      "the checkpoint does not parse or is not signed by the ledger's node")                       \
    X(REPLAY_MISMATCH, 62, "replaying the log does not give what the log records")                 \
    X(ROOT_MISMATCH, 63, "the log's Merkle root is not the one its checkpoint signs")              \
    X(ROLES_INVALID, 64, "the roles change leaves no valid stewards, or names a key twice")        \
    X(FEE_INVALID, 65, "a fee is 0 to 1000 basis points, paid to an open SYSTEM account")          \
    X(FEE_ACCOUNT_UNAVAILABLE, 66, "the fee account is missing, frozen or closed")                 \
    X(NOT_A_KEEPER, 67, "a signer is not a keeper of this commons")                                \
    X(KEEPER_QUORUM_NOT_MET, 68, "too few keepers of this commons signed")                         \
    X(NOT_A_COMMONS, 69, "the account is not a commons")                                           \
    X(KEEPERS_INVALID, 70, "keepers are distinct keys of a commons, with a quorum they can meet")  \
    X(UNKNOWN_CONTRIBUTION, 71, "no such contribution")                                            \
    X(CONTRIBUTION_CLOSED, 72, "the contribution was already reviewed or settled")                 \
    X(WEIGHT_INVALID, 73, "a contribution's weight is more than 0 and at most 1000000.00")         \
    X(DESCRIPTION_INVALID, 74, "a description is 1 to 280 bytes of UTF-8")                         \
    X(SHARE_INVALID, 75, "a round pays a share of 0.01% to 100% or a fixed amount, not both")      \
    X(NO_CONTRIBUTIONS, 76, "no approved contribution waits to be settled")                        \
    X(PURPOSE_INVALID, 77, "reciprocity is paid into a commons account")                           \
    X(NOTHING_TO_DISTRIBUTE, 78, "the round would pay nothing: no pot, or nobody who may receive")

typedef enum mc_err {
#define MC__ERR_ENUM(name, value, message) MC_ERR_##name = value,
    MC_ERROR_TABLE(MC__ERR_ENUM)
#undef MC__ERR_ENUM
} mc_err;

/* The stable SNAKE_CASE name of `err` ("EXCEEDS_CREDIT_LIMIT"), or "UNKNOWN"
 * for a value not in the table. Static storage. */
const char *mc_err_name(int err);

/* A one-line English message for `err`. Static storage. */
const char *mc_strerror(int err);

/* The code whose stable name is `name`, or -1. */
int mc_err_from_name(const char *name);

/* 1 when `err` is a value of the table, else 0. */
int mc_err_is_known(int err);

#endif
