/* The ledger: a deterministic state machine over accounts, stored in LMDB.
 *
 * mc_ledger_apply_batch() applies already-decoded-and-verified transactions
 * in one write transaction and one durable commit (the node's group commit);
 * the auditor and the tests replay a log through the same function. A
 * transaction is checked completely before anything is written, so a
 * rejected one leaves no trace; rejected transactions are answered but not
 * logged. Applying a transaction whose tx_id is already in the log answers
 * the original result with `duplicate` set and changes nothing.
 *
 * The rules, in the order they are checked (the first failure is the answer):
 *
 *  every kind: signatures verified (NOT_VERIFIED); body.ledger_id is this
 *   ledger's (WRONG_LEDGER); already applied (duplicate, OK); not_after != 0
 *   and now > not_after (EXPIRED).
 *
 *  Structure is mc_tx_decode()'s job (MALFORMED there: key sizes, a kind,
 *   the limits of SetLimits, a purpose or an evidence hash out of shape);
 *   apply sees only well-formed bodies.
 *
 *  Transfer: payer == payee (SELF_TRANSFER); amount <= 0
 *   (AMOUNT_NOT_POSITIVE); memo > 140 bytes (MEMO_TOO_LONG); memo not UTF-8
 *   (MEMO_NOT_UTF8); request_id set and naming no request (UNKNOWN_REQUEST),
 *   a request no longer open (REQUEST_CLOSED), or one whose payer, payee or
 *   amount differ (REQUEST_MISMATCH); payer unknown (UNKNOWN_PAYER); payee
 *   unknown (UNKNOWN_PAYEE); purpose reciprocity to an account that is not a
 *   commons (PURPOSE_INVALID); signatures: for a SYSTEM payer the steward
 *   rule, for a commons opened with keepers the keeper rule, otherwise the
 *   payer must sign (MISSING_SIGNATURE) and nobody else (UNEXPECTED_SIGNER);
 *   payer closed (PAYER_CLOSED), frozen (PAYER_FROZEN); payee closed
 *   (PAYEE_CLOSED), frozen (PAYEE_FROZEN); while fee_bps > 0 (and the fee
 *   account is neither payer nor payee) the fee account must be an open,
 *   active SYSTEM account, even for a payment whose fee (fee_bps of the
 *   amount, rounded down) is 0 (FEE_ACCOUNT_UNAVAILABLE); payer balance -
 *   amount - fee, payee balance + amount or the fee account's balance + fee
 *   overflows (AMOUNT_OVERFLOW); payer balance - amount - fee < payer min
 *   (EXCEEDS_CREDIT_LIMIT); payee balance + amount > payee max, or the fee
 *   account's past its max (EXCEEDS_CEILING).
 *
 *  The steward rule (OpenAccount, SetLimits, SetStatus, SetRoles, SetFee,
 *   SYSTEM payers): every signer is a steward (NOT_A_STEWARD; for
 *   OpenAccount the new key may sign too), and at least `quorum` stewards
 *   signed (QUORUM_NOT_MET).
 *
 *  The keeper rule (a commons opened with keepers paying out; reviewing a
 *   contribution and distributing for any commons, whose keeper is then its
 *   own key unless keepers were named): every signer is a keeper
 *   (NOT_A_KEEPER) and at least keeper_quorum of them signed
 *   (KEEPER_QUORUM_NOT_MET).
 *
 *  OpenAccount: handle valid (HANDLE_INVALID); kind MEMBER..SYSTEM
 *   (KIND_INVALID); limits, when given, min <= 0 <= max (LIMITS_INVALID);
 *   keepers only for a commons, distinct, at most MC_KEEPERS_MAX, with a
 *   quorum of 1 to their number (KEEPERS_INVALID); steward rule; key already
 *   has an account (ACCOUNT_EXISTS); handle taken (HANDLE_TAKEN).
 *
 *  SetLimits: min <= 0 <= max (LIMITS_INVALID); steward rule; account
 *   unknown (UNKNOWN_ACCOUNT); account closed (ACCOUNT_CLOSED). A limit set
 *   past the balance blocks further payments in that direction; it never
 *   moves money.
 *
 *  SetStatus: status ACTIVE, FROZEN or CLOSED (STATUS_INVALID); steward
 *   rule; account unknown (UNKNOWN_ACCOUNT); account closed
 *   (ACCOUNT_CLOSED); same status (STATUS_UNCHANGED); CLOSED with a non-zero
 *   balance (CLOSE_NONZERO_BALANCE).
 *
 *  PaymentRequest (the payee asks the payer): as a transfer from payer to
 *   payee up to the statuses: SELF_TRANSFER, AMOUNT_NOT_POSITIVE,
 *   MEMO_TOO_LONG, MEMO_NOT_UTF8, UNKNOWN_PAYER, UNKNOWN_PAYEE; the payee
 *   signs (MISSING_SIGNATURE) and nobody else (UNEXPECTED_SIGNER); payer
 *   closed or frozen, payee closed or frozen (PAYER_CLOSED...). Limits are
 *   checked when it is paid. Paying it is a Transfer naming it; it is paid
 *   at most once.
 *
 *  DeclineRequest (by the request's payer) and CancelRequest (by its payee):
 *   request unknown (UNKNOWN_REQUEST); no longer open (REQUEST_CLOSED); the
 *   payer (decline) or payee (cancel) signs (MISSING_SIGNATURE) and nobody
 *   else (UNEXPECTED_SIGNER).
 *
 *  SetRoles: steward rule; every removed key was there and every added one
 *   was not, no key named twice in the change (not even as a steward and as
 *   an auditor), 1..MC_STEWARDS_MAX stewards left, at most
 *   MC_AUDITORS_MAX auditors, a quorum of 1..stewards, and some change
 *   (ROLES_INVALID).
 *
 *  SetFee: steward rule; fee_bps <= MC_FEE_BPS_MAX, a fee > 0 names an
 *   account, and an account named (for a fee of 0 too) is an open, active
 *   SYSTEM account (FEE_INVALID).
 *
 *  Contribution: weight 1..MC_WEIGHT_MAX (WEIGHT_INVALID); description
 *   1..MC_DESCRIPTION_MAX bytes of UTF-8 (DESCRIPTION_INVALID); commons
 *   unknown (UNKNOWN_ACCOUNT), not a commons (NOT_A_COMMONS), closed
 *   (ACCOUNT_CLOSED); contributor unknown (UNKNOWN_ACCOUNT), closed
 *   (ACCOUNT_CLOSED), the commons itself (SELF_TRANSFER); the contributor
 *   signs (MISSING_SIGNATURE) and nobody else (UNEXPECTED_SIGNER).
 *
 *  ReviewContribution: contribution unknown (UNKNOWN_CONTRIBUTION); already
 *   reviewed (CONTRIBUTION_CLOSED); the keeper rule of its commons.
 *
 *  Distribution: one of share_bps (1..10000) or amount (> 0), cap >= 0
 *   (SHARE_INVALID); commons unknown (UNKNOWN_ACCOUNT), not a commons
 *   (NOT_A_COMMONS), closed or frozen (PAYER_CLOSED, PAYER_FROZEN); the
 *   keeper rule; no approved contribution waiting (NO_CONTRIBUTIONS); the
 *   pot (the share of a positive balance, rounded down, or the amount) is 0
 *   (NOTHING_TO_DISTRIBUTE: a round that paid nothing would still settle
 *   the contributions) or past the commons' credit limit
 *   (EXCEEDS_CREDIT_LIMIT); nobody may receive anything, every contributor
 *   being frozen, closed or at their ceiling (NOTHING_TO_DISTRIBUTE). The
 *   round (numbered 1, 2, ... per commons) pays the pot to the
 *   contributors of the oldest MC_ROUND_CONTRIBUTIONS_MAX approved
 *   contributions, grouped by contributor and ordered by key, pro
 *   rata to weight, each at most the cap and what the contributor's ceiling
 *   leaves (nothing to one frozen or closed), by mc_alloc_split with the
 *   round's number; a contributor's payout is split among their
 *   contributions the same way. It settles those contributions (each
 *   records its exact pro-rata share of the pot, rounded down, and what it
 *   was paid), leaves in the commons what nobody could take, and writes its
 *   outcome (every payout) into its log entry, so a replay checks it.

 * Threads: one thread applies at a time; queries may run from any thread
 * concurrently with it (each uses its own LMDB read transaction). */
#ifndef MC_LEDGER_H
#define MC_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc/checkpoint.h"
#include "mc/crypto.h"
#include "mc/merkle.h"
#include "mc/tx.h"
#include "mc/types.h"

#define MC_STEWARDS_MAX 32u
#define MC_AUDITORS_MAX 32u
#define MC_FEE_BPS_MAX 1000u /* 10% */
#define MC_UNIT_NAME_MAX 32u
#define MC_UNIT_SYMBOL_MAX 8u
#define MC_COMMUNITY_MAX 128u
#define MC_BATCH_MAX 8192u /* transactions in one apply_batch call */

typedef struct mc_ledger mc_ledger;

typedef struct mc_ledger_options {
    bool no_sync; /* no fsync on commit: benchmarks and tests only */
    /* The node's key (the genesis names it): when set, every batch that
     * grows the log also stores a checkpoint of the new size signed with it,
     * at the batch's time, in the same transaction. Borrowed: it must outlive
     * the ledger. NULL: no checkpoints (an auditor's scratch replay). */
    const mc_keypair *checkpoint_key;
    /* One flush per commit instead of two: a commit flushes its data but
     * not its meta page, which the next commit that changes the ledger, or
     * mc_ledger_sync(), flushes. A crash may undo the last commit, never
     * corrupt the ledger; see mc_ledger_durable_state(). Off: every commit
     * is durable when apply_batch returns. No effect with no_sync. */
    bool meta_sync_deferred;
    uint64_t map_size_bytes; /* initial LMDB map size (>= 64 KiB); 0: 64 MiB */
    uint64_t map_size_max;   /* the map never grows past this; 0: 1 TiB */
} mc_ledger_options;

typedef struct mc_genesis_params {
    const char *community;                   /* free text, <= MC_COMMUNITY_MAX bytes UTF-8 */
    const char *unit_name;                   /* 1..MC_UNIT_NAME_MAX bytes UTF-8, e.g. "grain" */
    const char *unit_symbol;                 /* 1..MC_UNIT_SYMBOL_MAX bytes UTF-8, e.g. "g" */
    unsigned decimals;                       /* 0..MC_DECIMALS_MAX */
    mc_limits default_limits[MC_KIND_COUNT]; /* index: kind - 1 */
    const uint8_t (*stewards)[MC_PUBLIC_KEY_BYTES];
    size_t steward_count; /* 1..MC_STEWARDS_MAX, distinct keys */
    unsigned quorum;      /* 1..steward_count */
    const uint8_t (*auditors)[MC_PUBLIC_KEY_BYTES];
    size_t auditor_count; /* 0..MC_AUDITORS_MAX, distinct keys */
    unsigned fee_bps;     /* fee on transfers, basis points, 0..MC_FEE_BPS_MAX */
    /* The key of the SYSTEM account the fee goes to (required when fee_bps
     * > 0). Transfers are refused (FEE_ACCOUNT_UNAVAILABLE) until the
     * stewards open it as a SYSTEM account. */
    const uint8_t *fee_account;
    mc_visibility visibility;
    uint8_t node_public_key[MC_PUBLIC_KEY_BYTES];
    int64_t created_at; /* unix seconds */
} mc_genesis_params;

/* Reasonable defaults for a SEL: unit "unit"/"u", 2 decimals, members
 * -300.00..+3000.00, businesses and commons -5000.00..+50000.00, SYSTEM
 * unlimited, visibility open, quorum 1. The caller sets the stewards and the
 * node key. */
void mc_genesis_params_default(mc_genesis_params *p);

/* Create a new ledger in directory `dir` (created if missing) with the given
 * genesis; the genesis record is written durably. The genesis carries 16
 * random bytes of salt, so two ledgers created with equal parameters still
 * have different ledger ids and nothing signed for one applies to the
 * other. Returns MC_ERR_OK,
 * MC_ERR_CONFIG_INVALID, MC_ERR_LEDGER_EXISTS, MC_ERR_STORAGE_IO,
 * MC_ERR_STORAGE_FULL or MC_ERR_NO_MEMORY. `opts` may be NULL. */
int mc_ledger_create(const char *dir, const mc_genesis_params *params,
                     const mc_ledger_options *opts, mc_ledger **out);

/* Open an existing ledger. MC_ERR_NO_LEDGER when `dir` holds none,
 * MC_ERR_CORRUPT when its records do not decode. */
int mc_ledger_open(const char *dir, const mc_ledger_options *opts, mc_ledger **out);

/* Close, after every query and apply has returned. NULL is a no-op. */
void mc_ledger_close(mc_ledger *ledger);

typedef struct mc_ledger_info {
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    char community[MC_COMMUNITY_MAX + 1];
    char unit_name[MC_UNIT_NAME_MAX + 1];
    char unit_symbol[MC_UNIT_SYMBOL_MAX + 1];
    unsigned decimals;
    mc_visibility visibility;
    uint8_t node_public_key[MC_PUBLIC_KEY_BYTES];
    int64_t created_at;
    mc_limits default_limits[MC_KIND_COUNT];
    uint8_t stewards[MC_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    size_t steward_count;
    unsigned quorum;
    uint8_t auditors[MC_AUDITORS_MAX][MC_PUBLIC_KEY_BYTES];
    size_t auditor_count;
    unsigned fee_bps; /* fee on transfers, basis points (0: none) */
    bool has_fee_account;
    uint8_t fee_account[MC_PUBLIC_KEY_BYTES];
    uint64_t height;   /* entries in the log */
    uint64_t map_size; /* current LMDB map size, bytes */
} mc_ledger_info;

int mc_ledger_get_info(mc_ledger *ledger, mc_ledger_info *out);

/* The genesis record exactly as stored (its SHA-256 is the ledger id), in a
 * new malloc'd buffer. */
int mc_ledger_genesis_bytes(mc_ledger *ledger, uint8_t **out, size_t *out_len);

/* The outcome of one transaction, with what a message needs to name the
 * account, the amount and the limit involved. */
typedef struct mc_result {
    int code;        /* mc_err; MC_ERR_OK when applied */
    bool duplicate;  /* applied earlier: this is the original result */
    uint64_t height; /* log height when applied, else 0 */
    uint8_t tx_id[MC_TX_ID_BYTES];
    /* Context of a refusal, when it concerns an account: */
    bool has_account;
    uint8_t account[MC_PUBLIC_KEY_BYTES];
    char handle[MC_HANDLE_LEN_MAX + 1]; /* "" when unknown */
    int64_t amount;                     /* the amount involved */
    int64_t balance;                    /* the account's balance before */
    int64_t limit;                      /* the limit that refused it */
    int64_t fee;                        /* the fee the payer pays beside the amount */
} mc_result;

/* Apply `n` (<= MC_BATCH_MAX) decoded and verified transactions in order, in
 * one LMDB write transaction and one durable commit, at time `now` (unix
 * seconds, recorded in each log entry). Later transactions see the effects of
 * earlier ones in the same batch. results[i] receives transaction i's
 * outcome. Returns MC_ERR_OK when the batch is durable (each result then says
 * applied or refused), or MC_ERR_STORAGE_FULL / MC_ERR_STORAGE_IO /
 * MC_ERR_NO_MEMORY when it could not be made durable: then nothing was
 * applied and every result carries that code. A full map grows (up to
 * map_size_max) and the batch is retried transparently. */
int mc_ledger_apply_batch(mc_ledger *ledger, mc_tx *const *txs, size_t n, int64_t now,
                          mc_result *results);

/* A batch of one. */
int mc_ledger_apply(mc_ledger *ledger, mc_tx *tx, int64_t now, mc_result *result);

/* States and durability. Each commit that changes the ledger makes a new
 * state, numbered in increasing order (LMDB's transaction id). A state is
 * committed when apply_batch returns, and readers may see it from then on;
 * it is durable once no crash can undo it. The results of an apply_batch
 * describe the state mc_ledger_committed_state() returns right after it
 * (the batch's own, or the one before when the batch changed nothing).
 *
 * With meta_sync_deferred, a state is durable after the next commit that
 * changes the ledger (its flush covers the meta page of the one before)
 * or after mc_ledger_sync(); so whoever tells anybody about a state must
 * wait until mc_ledger_durable_state() reaches its number. Otherwise the
 * durable state is always the committed one (with no_sync by decree: no_sync
 * promises nothing). Opening a ledger with meta_sync_deferred makes what it
 * finds durable first; closing it syncs what is pending.
 *
 * Any thread may ask these three; each is one atomic read. */
uint64_t mc_ledger_committed_state(mc_ledger *ledger);
uint64_t mc_ledger_durable_state(mc_ledger *ledger);
/* The newest state that any read transaction of this ledger has read (the
 * queries above and below): an answer built from queries describes at most
 * this state. Once apply_batch has returned, it is at most the committed
 * state. */
uint64_t mc_ledger_read_state(mc_ledger *ledger);

/* Make the committed state durable (mdb_env_sync with force); at once when
 * it already is. Call it from the thread that applies. Returns MC_ERR_OK or
 * MC_ERR_STORAGE_IO. With meta_sync_deferred, once a flush has failed while
 * a state waited for it (here, or in the commit of a failed apply_batch),
 * whether that state reached the disk is unknown: the operating system may
 * drop the pages it could not write and let a later flush succeed without
 * them. From then on every sync and apply_batch fails with
 * MC_ERR_STORAGE_IO: tell nobody about a state past the durable one, and
 * reopen the ledger (what the disk holds is consistent; the states after the
 * durable one may be lost). */
int mc_ledger_sync(mc_ledger *ledger);

/* One line describing `r` in words, with amounts in the ledger's unit:
 * "paying 50.00 g would take alice to -320.00 g, below the credit limit of
 * -300.00 g". Returns the length written (snprintf-like). */
int mc_result_describe(const mc_result *r, unsigned decimals, const char *symbol, char *buf,
                       size_t len);

/* Queries. Each runs in its own read transaction. NOT_FOUND when absent. */
int mc_ledger_get_account(mc_ledger *ledger, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                          mc_account *out);
int mc_ledger_find_handle(mc_ledger *ledger, const char *handle, mc_account *out);

/* Calls `cb` for each account in key order, starting after `after_key` (NULL:
 * from the first), at most `limit` times (0: no limit). A non-zero return
 * from `cb` stops the walk and is returned. */
typedef int (*mc_account_cb)(const mc_account *account, void *ctx);
int mc_ledger_list_accounts(mc_ledger *ledger, const uint8_t *after_key, size_t limit,
                            mc_account_cb cb, void *ctx);

typedef struct mc_history_item {
    uint64_t height;
    int64_t delta;         /* change of this account's balance */
    int64_t balance_after; /* its balance after the transaction */
} mc_history_item;

/* An account's history, newest first, starting below `before_height`
 * (0: from the newest), at most `limit` items (0: no limit). */
typedef int (*mc_history_cb)(const mc_history_item *item, void *ctx);
int mc_ledger_history(mc_ledger *ledger, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                      uint64_t before_height, size_t limit, mc_history_cb cb, void *ctx);

int mc_ledger_height(mc_ledger *ledger, uint64_t *out);

typedef enum mc_request_status {
    MC_REQUEST_OPEN = 1,
    MC_REQUEST_PAID = 2,
    MC_REQUEST_DECLINED = 3,
    MC_REQUEST_CANCELLED = 4,
} mc_request_status;

/* A payment request: the payee asks the payer for `amount`. */
typedef struct mc_request {
    uint8_t id[MC_TX_ID_BYTES]; /* the tx_id of the PaymentRequest */
    uint8_t payee[MC_PUBLIC_KEY_BYTES];
    uint8_t payer[MC_PUBLIC_KEY_BYTES];
    int64_t amount;
    char memo[MC_MEMO_LEN_MAX + 1]; /* UTF-8, NUL-terminated */
    mc_request_status status;
    uint64_t height;                   /* when it was made */
    uint64_t closed_height;            /* when paid, declined or cancelled; 0 while open */
    uint8_t closed_by[MC_TX_ID_BYTES]; /* the transaction that closed it */
} mc_request;

/* The accounts a transaction concerns (a transfer's or a request's payer
 * and payee; the account opened, limited or given a status; for a decline
 * or cancel, the request's parties; the fee account of a SetFee; a
 * contribution's commons and contributor, also for its review; the commons
 * of a round, whose contributors see their payout in their history), at
 * most MC_TX_PARTIES_MAX, into `out`
 * (32 bytes each). Returns how many, or a negative mc_err on a storage
 * failure. For visibility and statements. */
#define MC_TX_PARTIES_MAX 2u
int mc_ledger_tx_parties(mc_ledger *ledger, const mc_tx *tx,
                         uint8_t out[MC_TX_PARTIES_MAX][MC_PUBLIC_KEY_BYTES]);

/* Contributions to a commons and its distribution rounds. */
#define MC_WEIGHT_MAX 100000000 /* 1,000,000.00 hours or points */
#define MC_DESCRIPTION_MAX 280u
#define MC_ROUND_CONTRIBUTIONS_MAX 10000u /* contributions one round settles */

typedef enum mc_contribution_status {
    MC_CONTRIBUTION_PENDING = 1,
    MC_CONTRIBUTION_APPROVED = 2,
    MC_CONTRIBUTION_REJECTED = 3,
    MC_CONTRIBUTION_SETTLED = 4, /* approved, then settled by a round */
} mc_contribution_status;

typedef struct mc_contribution {
    uint8_t id[MC_TX_ID_BYTES]; /* the tx_id of the Contribution */
    uint8_t commons[MC_PUBLIC_KEY_BYTES];
    uint8_t contributor[MC_PUBLIC_KEY_BYTES];
    int64_t weight; /* hundredths of an hour or point */
    char description[MC_DESCRIPTION_MAX + 1];
    bool has_evidence;
    uint8_t evidence[MC_HASH_BYTES];
    mc_contribution_status status;
    uint64_t height, reviewed_height;
    uint64_t round;   /* the round that settled it, 0 before */
    int64_t pro_rata; /* its exact share of that round, rounded down */
    int64_t paid;     /* what the round paid it */
} mc_contribution;

/* "pending", "approved", "rejected", "settled"; NULL when out of range. */
const char *mc_contribution_status_name(int status);

int mc_ledger_get_contribution(mc_ledger *ledger, const uint8_t id[MC_TX_ID_BYTES],
                               mc_contribution *out);

/* The contributions to `commons`, oldest first, recorded after
 * `after_height` (0: from the first), at most `limit` (0: all). */
typedef int (*mc_contribution_cb)(const mc_contribution *c, void *ctx);
int mc_ledger_contributions(mc_ledger *ledger, const uint8_t commons[MC_PUBLIC_KEY_BYTES],
                            uint64_t after_height, size_t limit, mc_contribution_cb cb, void *ctx);

typedef struct mc_round {
    uint64_t round, height;
    unsigned share_bps; /* 0 when a fixed amount */
    int64_t amount;     /* 0 when a share */
    int64_t cap;        /* 0: none */
    int64_t pot, paid, left;
    size_t contributions; /* settled by the round */
} mc_round;

typedef struct mc_round_payout {
    uint8_t contributor[MC_PUBLIC_KEY_BYTES];
    int64_t weight; /* the sum of the contributor's contributions in the round */
    int64_t cap;    /* the most the contributor could take */
    int64_t paid;
} mc_round_payout;

/* The rounds of `commons` after `after_round` (0: from the first), at most
 * `limit` (0: all); `payouts` (n of them) is valid during the call. */
typedef int (*mc_round_cb)(const mc_round *r, const mc_round_payout *payouts, size_t n, void *ctx);
int mc_ledger_rounds(mc_ledger *ledger, const uint8_t commons[MC_PUBLIC_KEY_BYTES],
                     uint64_t after_round, size_t limit, mc_round_cb cb, void *ctx);

/* What a Distribution of `commons` with these parameters would do now, by
 * the same rules and computation as applying it, without applying it (a
 * keeper's dry run): the round into *out and its payouts to `cb` (NULL:
 * none). Returns MC_ERR_OK, the rule's code that would refuse it, or a
 * storage error. Signatures are not checked. */
typedef struct mc_distribution_params {
    unsigned share_bps;
    int64_t amount;
    int64_t cap;
} mc_distribution_params;
int mc_ledger_preview_distribution(mc_ledger *ledger, const uint8_t commons[MC_PUBLIC_KEY_BYTES],
                                   const mc_distribution_params *params, mc_round *out,
                                   mc_round_cb cb, void *ctx);

/* "open", "paid", "declined", "cancelled"; NULL when out of range. */
const char *mc_request_status_name(int status);

/* The request with id `id`; NOT_FOUND when there is none. */
int mc_ledger_get_request(mc_ledger *ledger, const uint8_t id[MC_TX_ID_BYTES], mc_request *out);

/* The open requests of which `key` is the payer or the payee, oldest first,
 * made after `after_height` (0: from the first), at most `limit` (0: all).
 * A non-zero return of `cb` stops the walk and is returned. */
typedef int (*mc_request_cb)(const mc_request *request, void *ctx);
int mc_ledger_open_requests(mc_ledger *ledger, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                            uint64_t after_height, size_t limit, mc_request_cb cb, void *ctx);

/* The roles of `key` in the configuration as committed now (read in its own
 * transaction, so any thread may ask while the writer applies): a mask of
 * MC_ROLE_STEWARD and MC_ROLE_AUDITOR (auditors read every account and
 * nothing else). 0 on a storage failure too. */
#define MC_ROLE_STEWARD 1u
#define MC_ROLE_AUDITOR 2u
unsigned mc_ledger_roles(mc_ledger *ledger, const uint8_t key[MC_PUBLIC_KEY_BYTES]);
bool mc_ledger_is_steward(mc_ledger *ledger, const uint8_t key[MC_PUBLIC_KEY_BYTES]);

/* The height at which `tx_id` was applied; NOT_FOUND when never applied. */
int mc_ledger_find_tx(mc_ledger *ledger, const uint8_t tx_id[MC_TX_ID_BYTES], uint64_t *height);

/* The log entry at `height` (1..height) exactly as stored, in a new malloc'd
 * buffer (its leaf hash is mc_merkle_leaf_hash of these bytes). */
int mc_ledger_get_entry(mc_ledger *ledger, uint64_t height, uint8_t **out, size_t *out_len);

/* A decoded log entry. */
typedef struct mc_entry {
    uint64_t height;
    int64_t time;
    int result;
    mc_tx *tx; /* owned */
} mc_entry;
/* Decode log entry bytes. MC_ERR_MALFORMED when they do not decode. */
int mc_entry_decode(const uint8_t *bytes, size_t len, mc_entry *out);
void mc_entry_clear(mc_entry *entry);

/* The RFC 9162 root of the log's first `size` entries (size <= height). */
int mc_ledger_root(mc_ledger *ledger, uint64_t size, uint8_t out[MC_HASH_BYTES]);

/* Proofs over the log from its stored subtrees, O(log n) reads each, at any
 * size up to the height (RFC 9162): the inclusion of entry `index` (0-based:
 * height index + 1) in the first `size` entries, and the consistency of the
 * first size1 with the first size2. `proof` has room for
 * MC_MERKLE_PROOF_MAX hashes. MC_ERR_INVALID_ARGUMENT for sizes past the
 * height or an index past the size. */
int mc_ledger_inclusion_proof(mc_ledger *ledger, uint64_t index, uint64_t size,
                              uint8_t (*proof)[MC_HASH_BYTES], size_t *len);
int mc_ledger_consistency_proof(mc_ledger *ledger, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[MC_HASH_BYTES], size_t *len);

/* Checkpoints, as stored by the batches (mc_ledger_options.checkpoint_key):
 * the latest (the greatest size), or the one of exactly `size` entries,
 * its text into `out` (MC_CHECKPOINT_TEXT_MAX bytes, NUL-terminated).
 * NOT_FOUND when there is none. */
int mc_ledger_latest_checkpoint(mc_ledger *ledger, char *out, size_t *len);
int mc_ledger_checkpoint_at(mc_ledger *ledger, uint64_t size, char *out, size_t *len);

/* Sign and store a checkpoint of the current height at time `now`, unless
 * one is stored for it already (a node starting on a ledger just made by
 * init). MC_ERR_INVALID_ARGUMENT without a checkpoint key. */
int mc_ledger_sign_checkpoint(mc_ledger *ledger, int64_t now);

/* The stored checkpoints of sizes above `after_size`, in order, at most
 * `limit` (0: all). A non-zero return of `cb` stops the walk and is
 * returned; `text` is valid during the call. */
typedef int (*mc_checkpoint_cb)(uint64_t size, const char *text, size_t len, void *ctx);
int mc_ledger_checkpoints(mc_ledger *ledger, uint64_t after_size, size_t limit, mc_checkpoint_cb cb,
                          void *ctx);

/* Create a ledger in `dir` from a genesis record given whole (an auditor
 * replaying an export: the ledger id is then the same). Errors as
 * mc_ledger_create; MC_ERR_CORRUPT when the record does not decode. */
int mc_ledger_create_from_genesis(const char *dir, const uint8_t *genesis, size_t len,
                                  const mc_ledger_options *opts, mc_ledger **out);

/* Check every invariant over the whole store: balances sum to 0; each
 * account's limits are valid and its balance within them (or outside only on
 * the side a later limit change put it, never moved there by a payment);
 * handles and accounts correspond one to one; the log is gap-free from 1 to
 * the height, each entry decodes and its tx_id appears once in the id index,
 * pointing at it; the Merkle leaves match the entries; each account's history
 * sums to its balance; every open payment request is indexed under both
 * parties and nothing else is, every closed one names the transaction that
 * closed it; every stored checkpoint is signed by the node key of the
 * genesis, for this ledger, with the root of its size and the time of the
 * entry at its size. Returns MC_ERR_OK, or MC_ERR_INVARIANT with the first
 * violation written into `why` (may be NULL), or a storage error. */
int mc_ledger_check(mc_ledger *ledger, char *why, size_t why_len);

/* The last storage failure in words ("mdb_txn_commit: Input/output error"),
 * or "". Valid until the next call on the ledger. */
const char *mc_ledger_last_error(mc_ledger *ledger);

#endif
