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

struct mc_ledger {
    mc__store store;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint8_t *genesis_bytes; /* exactly as stored */
    size_t genesis_len;
    Mc__Genesis *genesis;             /* decoded genesis_bytes */
    Mc__LedgerConfig *config;         /* the configuration in force */
    pthread_mutex_t write_lock;       /* one apply_batch at a time */
    const mc_keypair *checkpoint_key; /* signs a checkpoint per batch; may be NULL */
};

/* What one apply needs: the open write transaction and the ledger. */
typedef struct mc__apply_ctx {
    mc_ledger *ledger;
    MDB_txn *txn;
    uint64_t height; /* height of the last entry; an applied tx gets height + 1 */
    int64_t now;
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

/* The default limits of `kind` in `config`. MC_ERR_KIND_INVALID when absent. */
int mc__config_default_limits(const Mc__LedgerConfig *config, int kind, mc_limits *out);
bool mc__config_is_steward(const Mc__LedgerConfig *config, const uint8_t key[32]);
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

/* apply.c: rules shared with payment requests. mc__party_rules checks
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

/* genesis.c */
int mc__genesis_build(const mc_genesis_params *p, uint8_t **out, size_t *out_len);
int mc__ledger_load_meta(mc_ledger *l, MDB_txn *txn);
/* A decoded genesis a ledger can be made from (fields in range, a config). */
bool mc__genesis_usable(const Mc__Genesis *g);

#endif
