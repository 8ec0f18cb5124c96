/* The ledger object and the pieces of the state machine shared by
 * genesis.c, apply.c, log.c, ledger.c, query.c and check.c. Private to core. */
#ifndef MC_LEDGER_INTERNAL_H
#define MC_LEDGER_INTERNAL_H

#include <pthread.h>

#include "ledger.pb-c.h"
#include "mc/ledger.h"
#include "store.pb-c.h"
#include "store_internal.h"
#include "tx_internal.h"

/* The configuration in force (config.c), as plain values. */
typedef struct mc__config {
    mc_limits default_limits[MC_KIND_COUNT]; /* index: kind - 1 */
    uint8_t stewards[MC_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    size_t steward_count; /* 1..MC_STEWARDS_MAX */
    unsigned quorum;      /* 1..steward_count */
    uint8_t auditors[MC_AUDITORS_MAX][MC_PUBLIC_KEY_BYTES];
    size_t auditor_count;
    unsigned fee_bps; /* 0..MC_FEE_BPS_MAX */
    bool has_fee_account;
    uint8_t fee_account[MC_PUBLIC_KEY_BYTES];
} mc__config;
#define MC__CONFIG_BYTES_MAX 4096u /* a packed LedgerConfig, every list full */

struct mc_ledger {
    mc__store store;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint8_t *genesis_bytes; /* exactly as stored */
    size_t genesis_len;
    Mc__Genesis *genesis;             /* decoded genesis_bytes */
    pthread_mutex_t write_lock;       /* one apply_batch at a time */
    const mc_keypair *checkpoint_key; /* signs a checkpoint per batch; may be NULL */
};

/* What one apply needs: the open write transaction and the ledger. */
typedef struct mc__apply_ctx {
    mc_ledger *ledger;
    MDB_txn *txn;
    uint64_t height; /* height of the last entry; an applied tx gets height + 1 */
    int64_t now;
    mc__config config;      /* read at the batch's start; SetRoles and SetFee change it */
    Mc__RoundRecord *round; /* a Distribution's outcome for its log entry (rounds.c) */
} mc__apply_ctx;

/* Apply one transaction inside ctx->txn. Fills `r`. Returns MC_ERR_OK when
 * the transaction was applied or refused by a rule (see r->code), or a
 * storage error that aborts the whole batch. */
int mc__apply_one(mc__apply_ctx *ctx, mc_tx *tx, mc_result *r);

/* records.c: Account records <-> mc_account. */
int mc__account_load(mc__store *s, MDB_txn *txn, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                     mc_account *out);
int mc__account_decode(const void *data, size_t len, mc_account *out);
int mc__account_save(mc__store *s, MDB_txn *txn, const mc_account *a);

/* config.c */
bool mc__config_from_message(const Mc__LedgerConfig *c, mc__config *out);
int mc__config_decode(const void *data, size_t len, mc__config *out);
int mc__config_load(mc__store *s, MDB_txn *txn, mc__config *out);
int mc__config_save(mc__store *s, MDB_txn *txn, const mc__config *c);
int mc__config_pack(const mc__config *c, uint8_t buf[MC__CONFIG_BYTES_MAX], size_t *len);
bool mc__config_is_steward(const mc__config *c, const uint8_t key[MC_PUBLIC_KEY_BYTES]);
bool mc__config_is_auditor(const mc__config *c, const uint8_t key[MC_PUBLIC_KEY_BYTES]);
bool mc__limits_valid(const mc_limits *l);

/* meta helpers */
int mc__meta_height(mc__store *s, MDB_txn *txn, uint64_t *height);
int mc__meta_set_height(mc__store *s, MDB_txn *txn, uint64_t height);

/* log.c: append an applied transaction as entry `height`, with its leaf in
 * the Merkle tree; add a history item for each account in `touched`. */
int mc__log_append(mc__apply_ctx *ctx, const mc_tx *tx, uint64_t height);
int mc__history_add(mc__apply_ctx *ctx, const mc_account *a, uint64_t height, int64_t delta);
/* The Merkle root over the first `size` leaves, from stored subtrees. */
int mc__merkle_root(mc__store *s, MDB_txn *txn, uint64_t size, uint8_t out[MC_HASH_BYTES]);
/* Read the hash stored at (level, index). */
int mc__merkle_node(mc__store *s, MDB_txn *txn, unsigned level, uint64_t index,
                    uint8_t out[MC_HASH_BYTES]);

/* apply.c: refusals and the rules other files share. mc__refuse records a
 * refusal about account `a` (may be NULL) and returns MC_ERR_OK;
 * mc__load_or_refuse loads an account a rule needs (NOT_FOUND: refused with
 * `unknown`); mc__steward_rule and (commons.c) mc__keeper_rule return the
 * rule's code (MC_ERR_OK when met), recorded in r. */
int mc__refuse(mc_result *r, int code, const mc_account *a);
void mc__refuse_key(mc_result *r, int code, const uint8_t key[MC_PUBLIC_KEY_BYTES]);
int mc__load_or_refuse(mc__apply_ctx *ctx, const uint8_t key[MC_PUBLIC_KEY_BYTES], int unknown,
                       mc_account *a, mc_result *r);
int mc__status_refusal(const mc_account *a, int closed, int frozen);
int mc__steward_rule(const mc__apply_ctx *ctx, const mc_tx *tx, const uint8_t *also, mc_result *r);
int mc__keeper_rule(const mc_tx *tx, const mc_account *commons, mc_result *r);
/* Only a's key signed (MISSING_SIGNATURE, UNEXPECTED_SIGNER). */
int mc__sole_signer(const mc_tx *tx, const mc_account *a, mc_result *r);

/* The kinds, each in its file: transfer.c, governance.c, commons.c. */
int mc__apply_transfer(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);
int mc__apply_set_roles(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);
int mc__apply_set_fee(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);
int mc__apply_contribution(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);
int mc__apply_review(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);
int mc__apply_distribution(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);

/* transfer.c: rules shared with payment requests. mc__party_rules checks
 * SELF_TRANSFER, AMOUNT_NOT_POSITIVE, MEMO_TOO_LONG, MEMO_NOT_UTF8,
 * UNKNOWN_PAYER, UNKNOWN_PAYEE (into r->code) and loads both parties;
 * mc__status_rules the closed and frozen statuses. */
int mc__party_rules(mc__apply_ctx *ctx, const uint8_t *payer_key, const uint8_t *payee_key,
                    int64_t amount, const uint8_t *memo, size_t memo_len, mc_account *payer,
                    mc_account *payee, mc_result *r);
int mc__status_rules(const mc_account *payer, const mc_account *payee, mc_result *r);

/* requests.c: payment requests. */
int mc__apply_payment_request(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);
int mc__apply_close_request(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r);
/* UNKNOWN_REQUEST, REQUEST_CLOSED, REQUEST_MISMATCH into r->code; *q holds
 * the request when it is open. */
int mc__transfer_request_rules(mc__apply_ctx *ctx, const Mc__Transfer *t, mc_request *q,
                               mc_result *r);
/* Close open request `q` as paid, declined or cancelled by tx `by`. */
int mc__request_close(mc__apply_ctx *ctx, mc_request *q, mc_request_status status,
                      const uint8_t by[MC_TX_ID_BYTES]);
int mc__request_load(mc__store *s, MDB_txn *txn, const uint8_t *id, size_t id_len, mc_request *out);
int mc__request_decode(const uint8_t id[MC_TX_ID_BYTES], const void *data, size_t len,
                       mc_request *out);
/* The requests' invariants (see mc_ledger_check). */
int mc__requests_check(mc_ledger *l, MDB_txn *txn, uint64_t height, char *why, size_t why_len);

/* Run fn(l, txn, arg) in a read transaction (query.c), or an attempt that
 * makes its own write transaction, growing the map and retrying while it
 * is full (ledger.c). */
typedef int (*mc__read_fn)(mc_ledger *l, MDB_txn *txn, void *arg);
int mc__ledger_read(mc_ledger *l, mc__read_fn fn, void *arg);
int mc__ledger_write(mc_ledger *l, int (*attempt)(mc_ledger *l, void *arg), void *arg);

/* checkpoints.c: store the checkpoint of the log's first `size` entries at
 * `time`, signed with the ledger's checkpoint key (inside a write txn). */
int mc__checkpoint_store(mc_ledger *l, MDB_txn *txn, uint64_t size, int64_t time);
/* The checkpoints' invariants (see mc_ledger_check). */
int mc__checkpoints_check(mc_ledger *l, MDB_txn *txn, uint64_t height, char *why, size_t why_len);

/* commons.c: contributions, keyed by id; indexes keyed commons || height. */
void mc__commons_key(const uint8_t commons[MC_PUBLIC_KEY_BYTES], uint64_t n,
                     uint8_t key[MC__COMMONS_KEY_BYTES]);
int mc__contribution_decode(const uint8_t id[MC_TX_ID_BYTES], const void *data, size_t len,
                            mc_contribution *out);
int mc__contribution_load(mc__store *s, MDB_txn *txn, const uint8_t *id, size_t id_len,
                          mc_contribution *out);
int mc__contribution_save(mc__store *s, MDB_txn *txn, const mc_contribution *c);

/* rounds.c: free ctx->round once its entry is logged. The invariants of
 * contributions and rounds (see mc_ledger_check). */
void mc__round_done(mc__apply_ctx *ctx);
int mc__commons_check(mc_ledger *l, MDB_txn *txn, uint64_t height, char *why, size_t why_len);

/* genesis.c */
int mc__genesis_build(const mc_genesis_params *p, uint8_t **out, size_t *out_len);
int mc__ledger_load_meta(mc_ledger *l, MDB_txn *txn);
/* A decoded genesis a ledger can be made from (fields in range, a config). */
bool mc__genesis_usable(const Mc__Genesis *g);

#endif
