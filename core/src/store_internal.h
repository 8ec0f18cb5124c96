/* The LMDB store under the ledger: one environment and its named databases.
 *
 *   meta      "genesis" -> Genesis bytes (its SHA-256 is the ledger id)
 *             "ledger_id" -> 32 bytes, "config" -> LedgerConfig bytes,
 *             "height" -> u64 big-endian, "format" -> u32 big-endian
 *   accounts  public key (32) -> Account
 *   handles   handle bytes -> public key (32)
 *   txids     tx_id (32) -> height (u64 big-endian)
 *   log       height (u64 big-endian) -> LogEntry bytes
 *   history   public key (32) || height (u64 BE) -> delta (i64 BE) || balance after (i64 BE)
 *   merkle    level (1) || index (u64 BE) -> hash (32) of a complete subtree
 *   checkpoints  tree size (u64 BE) -> checkpoint text signed by the node
 *             (mc/checkpoint.h), one per batch that grew the log
 *   contributions  contribution id (32) -> ContributionRecord
 *   commons_contributions  commons key (32) || height (u64 BE) -> contribution id
 *   settle_queue  commons key (32) || height (u64 BE) -> id, for each approved
 *             contribution no round has settled yet
 *   rounds    commons key (32) || round (u64 BE) -> RoundRecord
 *   requests  request id (32) -> RequestRecord
 *   open_requests  public key (32) || height (u64 BE) -> request id (32), one
 *             entry for each party of each open request
 *
 * Threads: any number of readers and one writer. A reader or the writer holds
 * `resize_lock` shared for the life of its LMDB transaction; growing the map
 * takes it exclusively, since LMDB requires that no transaction of this
 * process is active while mdb_env_set_mapsize() runs. Private to core. */
#ifndef MC_STORE_INTERNAL_H
#define MC_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <lmdb.h>

#include "mc/ledger.h"

#define MC__STORE_MAP_DEFAULT (64ull << 20)
#define MC__STORE_MAP_MIN (64ull << 10) /* room for the empty databases */
#define MC__STORE_MAP_MAX_DEFAULT (1ull << 40)
#define MC__STORE_MAX_DBS 24u
#define MC__STORE_FORMAT 1u
#define MC__HISTORY_KEY_BYTES (MC_PUBLIC_KEY_BYTES + 8u)
#define MC__HISTORY_VALUE_BYTES 16u
#define MC__MERKLE_KEY_BYTES 9u
#define MC__OPEN_REQUEST_KEY_BYTES (MC_PUBLIC_KEY_BYTES + 8u)
#define MC__COMMONS_KEY_BYTES (MC_PUBLIC_KEY_BYTES + 8u) /* commons || u64 BE */

typedef struct mc__store {
    MDB_env *env;
    MDB_dbi meta, accounts, handles, txids, log, history, merkle, requests, open_requests,
        checkpoints, contributions, commons_contributions, settle_queue, rounds;
    bool no_sync;
    bool meta_sync_deferred; /* MDB_NOMETASYNC (never with no_sync) */
    /* State numbers (LMDB transaction ids), see mc_ledger_durable_state():
     * written by the committing thread (committed, durable) or by any
     * reader (read, a maximum); read by any thread. */
    _Atomic uint64_t committed_state, durable_state, read_state;
    /* A flush failed while a committed state waited for it (deferred meta
     * sync): whether that state reached the disk is unknown, and a later
     * flush could succeed without carrying it (the kernel may have dropped
     * the pages it failed to write). No write or sync succeeds any more. */
    bool flush_failed;
    uint64_t map_size;
    uint64_t map_size_max;
    pthread_rwlock_t resize_lock;
    bool lock_ready;
    bool map_full;        /* the last failure was MDB_MAP_FULL: growing helps */
    char last_error[160]; /* the last storage failure, for messages */
} mc__store;

/* Open the environment in `dir`. With `create`, the directory is made if
 * missing and an empty environment is allowed; without it, a directory with
 * no data file gives MC_ERR_NO_LEDGER. Opens (creating) every database. */
int mc__store_open(mc__store *s, const char *dir, const mc_ledger_options *opts, bool create);
void mc__store_close(mc__store *s);

int mc__store_begin_read(mc__store *s, MDB_txn **txn);
void mc__store_end_read(mc__store *s, MDB_txn *txn);
int mc__store_begin_write(mc__store *s, MDB_txn **txn);
/* Commit durably (unless no_sync; with meta_sync_deferred, the meta page
 * waits for the next commit or mc__store_sync()); the transaction is gone
 * either way. Advances the state numbers when the commit changed anything. */
int mc__store_commit(mc__store *s, MDB_txn *txn);
/* Flush what is committed and not yet durable (nothing when all is). */
int mc__store_sync(mc__store *s);
void mc__store_abort(mc__store *s, MDB_txn *txn);

/* Double the map size (bounded by map_size_max). No transaction of the
 * calling thread may be open. MC_ERR_STORAGE_FULL at the bound. */
int mc__store_grow(mc__store *s);

/* Translate an LMDB or errno code into an mc_err, remembering `what` and the
 * LMDB message in s->last_error for anything but NOT_FOUND. */
int mc__store_error(mc__store *s, const char *what, int rc);

/* Get: MC_ERR_OK (val valid until the end of the transaction), MC_ERR_NOT_FOUND
 * or a storage error. */
int mc__store_get(mc__store *s, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len,
                  MDB_val *val);
int mc__store_put(mc__store *s, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len,
                  const void *val, size_t val_len, unsigned flags);

void mc__u64_be(uint64_t v, uint8_t out[8]);
uint64_t mc__be_u64(const uint8_t in[8]);

#endif
