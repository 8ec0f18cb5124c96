/* libmcclient: a small blocking client of mcnode (proto/wire.proto,
 * docs/protocol.md), used by the wallet, the benchmark and the tests.
 *
 * One mc_client is one TCP connection, used by one thread at a time. Every
 * call sends its request and waits for the answer, at most `timeout_ms`.
 * mc_client_submit() retries after OVERLOADED (after a short wait), and
 * after a timeout or a lost connection by reconnecting (and authenticating
 * again with the same key), always sending the same signed bytes: that is
 * safe, because the ledger applies a transaction at most once and answers a
 * resubmission with its original result. For
 * pipelining (the benchmark, the tests), mc_client_send_submit() and
 * mc_client_recv_result() keep many submissions in flight on one connection;
 * do not mix them with the blocking calls while any is outstanding.
 *
 * Return values: MC_ERR_OK, the node's error code for the request
 * (NOT_FOUND, FORBIDDEN, AUTH_REQUIRED, ...; its words are in
 * mc_client_error_message()), or a transport failure: MC_ERR_UNREACHABLE
 * (cannot connect, or the connection was lost), MC_ERR_TIMEOUT (no answer in
 * time, retries included), MC_ERR_PROTOCOL (the node sent something that is
 * not a valid answer), MC_ERR_NO_MEMORY. Out-parameters are untouched on
 * failure. */
#ifndef MC_CLIENT_H
#define MC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc/checkpoint.h"
#include "mc/crypto.h"
#include "mc/ledger.h"
#include "mc/merkle.h"
#include "mc/tx.h"
#include "mc/types.h"

#define MC_CLIENT_ADDRESS_DEFAULT "127.0.0.1:7878"
#define MC_CLIENT_TIMEOUT_MS_DEFAULT 10000
#define MC_CLIENT_CONNECT_TIMEOUT_MS_DEFAULT 5000
#define MC_CLIENT_SUBMIT_RETRIES_DEFAULT 3u
#define MC_CLIENT_MEMO_MAX 140u
#define MC_CLIENT_ERROR_MAX 512u /* bytes of an error message, NUL included */

typedef struct mc_client mc_client;

typedef struct mc_client_options {
    int timeout_ms;          /* wait for one answer; <= 0: MC_CLIENT_TIMEOUT_MS_DEFAULT */
    int connect_timeout_ms;  /* <= 0: MC_CLIENT_CONNECT_TIMEOUT_MS_DEFAULT */
    unsigned submit_retries; /* resends after a timeout or lost connection; 0: none */
} mc_client_options;

/* Defaults: the values above, submit_retries MC_CLIENT_SUBMIT_RETRIES_DEFAULT. */
void mc_client_options_default(mc_client_options *opts);

/* Connect to `address`: "HOST:PORT", "[IPV6]:PORT" (HOST a name or a
 * numeric address). `opts` may be NULL (defaults). MC_ERR_INVALID_ARGUMENT
 * for an address that does not parse, MC_ERR_UNREACHABLE when no connection
 * can be made in time. */
int mc_client_connect(const char *address, const mc_client_options *opts, mc_client **out);

/* Close the connection and free. NULL is a no-op. */
void mc_client_close(mc_client *c);

/* The last failure in words: the node's message, or what went wrong on the
 * way ("connect 127.0.0.1:7878: Connection refused"). "" when none. Valid
 * until the next call on `c`. With `c` NULL: why the last
 * mc_client_connect() of the calling thread failed. */
const char *mc_client_error_message(const mc_client *c);

/* True for MC_ERR_UNREACHABLE, MC_ERR_TIMEOUT and MC_ERR_PROTOCOL: the node
 * gave no valid answer. */
bool mc_client_is_transport_error(int code);

/* What the node says of itself and its ledger. `ledger` has every field of
 * mc_ledger_info but map_size (0); the client checks that the genesis the
 * node sent hashes to the ledger id (else MC_ERR_PROTOCOL). */
typedef struct mc_client_info {
    mc_ledger_info ledger;
    uint32_t protocol_version;
    uint32_t max_frame_bytes;
    uint32_t max_in_flight;
    uint32_t page_size;
    int64_t node_time; /* the node's clock, unix seconds */
} mc_client_info;

int mc_client_info_get(mc_client *c, mc_client_info *out);

/* The genesis record exactly as the node holds it, in a new malloc'd buffer
 * (its SHA-256 is the ledger id; checked). */
int mc_client_genesis(mc_client *c, uint8_t **out, size_t *out_len);

typedef struct mc_client_identity {
    uint8_t public_key[MC_PUBLIC_KEY_BYTES];
    bool has_account;
    char handle[MC_HANDLE_LEN_MAX + 1];
    bool steward;
} mc_client_identity;

/* Prove the key of `kp` to the node (challenge, then a signature over
 * "mc/auth/v1" || ledger_id || challenge). The client keeps the pointer to
 * authenticate again after a reconnect: `kp` must stay valid until the
 * client is closed or authenticates with another key. `out` may be NULL.
 * MC_ERR_AUTH_FAILED when the node refuses. */
int mc_client_authenticate(mc_client *c, const mc_keypair *kp, mc_client_identity *out);

/* Submit SignedTx bytes and wait for the outcome. Returns MC_ERR_OK when the
 * node answered about the transaction: out->code then says applied (0,
 * maybe with out->duplicate) or why not (a ledger rule, MALFORMED,
 * BAD_SIGNATURE, OVERLOADED...), with the node's words in
 * mc_client_error_message(). Otherwise a transport failure after the
 * retries. */
int mc_client_submit(mc_client *c, const uint8_t *signed_tx, size_t len, mc_result *out);

/* An account as the caller may see it. `restricted`: the ledger is private
 * and the caller may see only the key, handle, kind and status (balance and
 * limits are 0). */
typedef struct mc_client_account {
    mc_account account;
    bool restricted;
    uint64_t last_activity_height;
} mc_client_account;

/* NOT_FOUND when no such account; AUTH_REQUIRED on an anonymous
 * connection. */
int mc_client_get_account(mc_client *c, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                          mc_client_account *out);
int mc_client_find_handle(mc_client *c, const char *handle, mc_client_account *out);

/* One page of accounts in key order after `after` (NULL: from the first):
 * at most `cap` (and the node's page size) into `out`, their number in *n,
 * *more when another page follows (ask again with after = the last key). */
int mc_client_list_accounts(mc_client *c, const uint8_t *after, mc_client_account *out, size_t cap,
                            size_t *n, bool *more);

typedef struct mc_client_history_item {
    uint64_t height;
    int64_t time;
    int64_t delta;
    int64_t balance_after;
    uint8_t tx_id[MC_TX_ID_BYTES];
    mc_tx_kind kind;
    bool has_counterparty;
    uint8_t counterparty[MC_PUBLIC_KEY_BYTES];
    char counterparty_handle[MC_HANDLE_LEN_MAX + 1];
    char memo[MC_CLIENT_MEMO_MAX + 1]; /* NUL-terminated */
} mc_client_history_item;

/* One page of an account's history, newest first, below `before_height`
 * (0: from the newest): at most `cap` items, *n of them, *more as above
 * (ask again with before_height = the last item's height). FORBIDDEN when a
 * private ledger hides it from the caller. */
int mc_client_history(mc_client *c, const uint8_t key[MC_PUBLIC_KEY_BYTES], uint64_t before_height,
                      mc_client_history_item *out, size_t cap, size_t *n, bool *more);

typedef struct mc_client_tx {
    uint8_t tx_id[MC_TX_ID_BYTES];
    uint64_t height;
    int result;
    int64_t time;
    uint8_t *entry; /* the LogEntry as stored, malloc'd (free it); NULL when hidden */
    size_t entry_len;
} mc_client_tx;

/* A transaction of the log by id; NOT_FOUND when it was never applied. */
int mc_client_get_tx(mc_client *c, const uint8_t tx_id[MC_TX_ID_BYTES], mc_client_tx *out);

/* A payment request with the handles of its parties ("" when unknown). */
typedef struct mc_client_request {
    mc_request request;
    char payer_handle[MC_HANDLE_LEN_MAX + 1];
    char payee_handle[MC_HANDLE_LEN_MAX + 1];
} mc_client_request;

/* One page of the open payment requests of `key` (as payer or payee),
 * oldest first, made after `after_height` (0: from the first): at most
 * `cap`, *n of them, *more when another page follows (ask again with
 * after_height = the last one's height). FORBIDDEN on a private ledger for
 * another member's requests. */
int mc_client_open_requests(mc_client *c, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                            uint64_t after_height, mc_client_request *out, size_t cap, size_t *n,
                            bool *more);

/* A payment request by id, open or closed: UNKNOWN_REQUEST when none. */
int mc_client_get_request(mc_client *c, const uint8_t id[MC_TX_ID_BYTES], mc_client_request *out);

/* The node's checkpoint: the latest (tree_size 0) or the one of exactly
 * tree_size entries, its text into `out` (MC_CHECKPOINT_TEXT_MAX bytes,
 * NUL-terminated). The caller verifies it (mc_checkpoint_verify with the
 * node key of the genesis). NOT_FOUND when none is stored at that size. */
int mc_client_checkpoint(mc_client *c, uint64_t tree_size, char *out, size_t *len);

/* An inclusion proof as the node sends it (not yet verified). */
typedef struct mc_client_inclusion {
    uint64_t leaf_index; /* height - 1 */
    uint64_t tree_size;
    uint8_t leaf_hash[MC_HASH_BYTES];
    uint8_t audit_path[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
    size_t path_len;
    uint8_t *entry; /* the LogEntry, malloc'd (free it); NULL when hidden */
    size_t entry_len;
    char checkpoint[MC_CHECKPOINT_TEXT_MAX]; /* of tree_size; "" when none */
} mc_client_inclusion;

/* The proof that transaction `tx_id` is in the tree of tree_size entries
 * (0: the latest checkpoint's). NOT_FOUND when never applied. */
int mc_client_inclusion_proof(mc_client *c, const uint8_t tx_id[MC_TX_ID_BYTES], uint64_t tree_size,
                              mc_client_inclusion *out);

/* The consistency proof from size1 to size2 entries (1 <= size1 <= size2),
 * into `proof` (MC_MERKLE_PROOF_MAX hashes of room). */
int mc_client_consistency_proof(mc_client *c, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[MC_HASH_BYTES], size_t *len);

/* One page of the log from `from_height`: `cb` is called for each entry
 * (checkpoint NULL) and each checkpoint (entry NULL) in order; *next is
 * the height to ask for next, *more when there is more. FORBIDDEN unless
 * the caller may see the whole log. */
typedef int (*mc_client_log_cb)(uint64_t height, const uint8_t *entry, size_t entry_len,
                                const char *checkpoint, void *ctx);
int mc_client_log(mc_client *c, uint64_t from_height, uint32_t limit, mc_client_log_cb cb,
                  void *ctx, uint64_t *next, bool *more);

/* Pipelining: send a submission without waiting; *request_id identifies its
 * answer. While it sends, the client reads the answers that arrive (a node
 * may stop reading a connection until its answers are read). With
 * MC_CLIENT_OUTSTANDING_MAX outstanding: MC_ERR_OVERLOADED, nothing sent.
 * Connects first (again) when none is outstanding.
 *
 * A transport failure (MC_ERR_UNREACHABLE, e.g. the node closed the
 * connection; MC_ERR_TIMEOUT, the node took nothing in time;
 * MC_ERR_NO_MEMORY) closes the connection. This submission gets no id and
 * never reached the node whole, so it is not applied. The ones sent before
 * stay outstanding, and the answers to them already received (read while
 * sending, or still in the socket's buffer) are kept: the connection is
 * "lost" until mc_client_recv_result() has handed them out and reported the
 * rest. Meanwhile this call and the blocking calls fail at once with
 * MC_ERR_UNREACHABLE, without reconnecting; after that, the next call
 * reconnects. */
int mc_client_send_submit(mc_client *c, const uint8_t *signed_tx, size_t len, uint64_t *request_id);

/* Wait for the next answer to a pipelined submission (in whatever order the
 * node answers): its request id and outcome (out->code as for
 * mc_client_submit; OVERLOADED and other request errors land there too).
 * MC_ERR_INVALID_ARGUMENT when none is outstanding.
 *
 * The whole answers already received always come first. On a lost
 * connection (see mc_client_send_submit) each call returns the next of
 * them without waiting; when none is left, MC_ERR_UNREACHABLE with the
 * failure's words and how many submissions got no answer. No retry here:
 * that failure, or one met here (the node closed the connection, a
 * timeout, MC_ERR_PROTOCOL for an answer to an id never sent or a frame
 * that does not decode, the node's error about the whole connection with
 * id 0), closes the connection and drops every submission still
 * outstanding (mc_client_outstanding() is 0). Whether those were applied is
 * unknown: after the next call reconnects, submit the same bytes again
 * (safe: a duplicate is answered with the original result) or look them up
 * with mc_client_get_tx(). */
int mc_client_recv_result(mc_client *c, uint64_t *request_id, mc_result *out);

/* Submissions sent with mc_client_send_submit() and not yet received by
 * mc_client_recv_result(), those of a lost connection included until it
 * reports them. */
size_t mc_client_outstanding(const mc_client *c);

#endif
