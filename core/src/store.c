/* The LMDB environment: opening, transactions, durable commits, map growth
 * and the one place where LMDB and errno codes become mc_err (see
 * store_internal.h for the databases and keys). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc/error.h"
#include "store_internal.h"

void mc__u64_be(uint64_t v, uint8_t out[8])
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

uint64_t mc__be_u64(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | in[i];
    }
    return v;
}

int mc__store_error(mc__store *s, const char *what, int rc)
{
    int err;
    switch (rc) {
    case MDB_SUCCESS:
        return MC_ERR_OK;
    case MDB_NOTFOUND:
        return MC_ERR_NOT_FOUND;
    case MDB_MAP_FULL:
        if (s != NULL) {
            s->map_full = true;
        }
        err = MC_ERR_STORAGE_FULL;
        break;
    case ENOSPC:
        err = MC_ERR_STORAGE_FULL;
        break;
    case ENOMEM:
        err = MC_ERR_NO_MEMORY;
        break;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
        err = MC_ERR_CORRUPT;
        break;
    default:
        err = MC_ERR_STORAGE_IO;
        break;
    }
    if (s != NULL) {
        snprintf(s->last_error, sizeof s->last_error, "%s: %s", what, mdb_strerror(rc));
    }
    return err;
}

static int open_dbis(mc__store *s)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(s, "mdb_txn_begin", rc);
    }
    struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[] = {{"meta", &s->meta},
               {"accounts", &s->accounts},
               {"handles", &s->handles},
               {"txids", &s->txids},
               {"log", &s->log},
               {"history", &s->history},
               {"merkle", &s->merkle},
               {"requests", &s->requests},
               {"open_requests", &s->open_requests},
               {"checkpoints", &s->checkpoints},
               {"contributions", &s->contributions},
               {"commons_contributions", &s->commons_contributions},
               {"settle_queue", &s->settle_queue},
               {"rounds", &s->rounds}};
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
        rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE, dbs[i].dbi);
        if (rc != MDB_SUCCESS) {
            mdb_txn_abort(txn);
            return mc__store_error(s, "mdb_dbi_open", rc);
        }
    }
    rc = mdb_txn_commit(txn);
    return rc == MDB_SUCCESS ? MC_ERR_OK : mc__store_error(s, "mdb_txn_commit", rc);
}

static int prepare_dir(mc__store *s, const char *dir, bool create)
{
    char data_file[4096];
    if (snprintf(data_file, sizeof data_file, "%s/data.mdb", dir) >= (int)sizeof data_file) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return mc__store_error(s, "mkdir", errno);
    }
    if (!create && access(data_file, F_OK) != 0) {
        return MC_ERR_NO_LEDGER;
    }
    return MC_ERR_OK;
}

static int env_open(mc__store *s, const char *dir)
{
    int rc = mdb_env_create(&s->env);
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_maxdbs(s->env, MC__STORE_MAX_DBS);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_mapsize(s->env, (size_t)s->map_size);
    }
    if (rc == MDB_SUCCESS) {
        unsigned flags = MDB_NOTLS | (s->no_sync ? MDB_NOSYNC : 0u) |
                         (s->meta_sync_deferred ? MDB_NOMETASYNC : 0u);
        rc = mdb_env_open(s->env, dir, flags, 0600);
    }
    if (rc != MDB_SUCCESS) {
        return mc__store_error(s, "mdb_env_open", rc);
    }
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    s->map_size = info.me_mapsize; /* LMDB raises a map smaller than the data in use */
    return MC_ERR_OK;
}

/* Number the state found at opening. With deferred meta sync, a process
 * that stopped without syncing may have left its last commit in the page
 * cache only: flush it, so that nothing read from it is told before it is
 * on disk. */
static int states_init(mc__store *s)
{
    if (s->meta_sync_deferred) {
        int rc = mdb_env_sync(s->env, 1);
        if (rc != MDB_SUCCESS) {
            return mc__store_error(s, "mdb_env_sync", rc);
        }
    }
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    atomic_init(&s->committed_state, (uint64_t)info.me_last_txnid);
    atomic_init(&s->durable_state, (uint64_t)info.me_last_txnid);
    atomic_init(&s->read_state, (uint64_t)info.me_last_txnid);
    return MC_ERR_OK;
}

int mc__store_open(mc__store *s, const char *dir, const mc_ledger_options *opts, bool create)
{
    memset(s, 0, sizeof *s);
    s->no_sync = opts != NULL && opts->no_sync;
    s->meta_sync_deferred = opts != NULL && opts->meta_sync_deferred && !s->no_sync;
    s->map_size =
        opts != NULL && opts->map_size_bytes ? opts->map_size_bytes : MC__STORE_MAP_DEFAULT;
    s->map_size_max =
        opts != NULL && opts->map_size_max ? opts->map_size_max : MC__STORE_MAP_MAX_DEFAULT;
    if (s->map_size < MC__STORE_MAP_MIN) {
        s->map_size = MC__STORE_MAP_MIN;
    }
    if (s->map_size > s->map_size_max) {
        s->map_size_max = s->map_size;
    }
    if (pthread_rwlock_init(&s->resize_lock, NULL) != 0) {
        return MC_ERR_NO_MEMORY;
    }
    s->lock_ready = true;
    int rc = prepare_dir(s, dir, create);
    if (rc == MC_ERR_OK) {
        rc = env_open(s, dir);
    }
    if (rc == MC_ERR_OK) {
        rc = open_dbis(s);
    }
    if (rc == MC_ERR_OK) {
        rc = states_init(s);
    }
    if (rc != MC_ERR_OK) {
        mc__store_close(s);
    }
    return rc;
}

void mc__store_close(mc__store *s)
{
    if (s->env != NULL) {
        (void)mc__store_sync(s); /* best effort: a caller that must know syncs first */
        mdb_env_close(s->env);
        s->env = NULL;
    }
    if (s->lock_ready) {
        pthread_rwlock_destroy(&s->resize_lock);
        s->lock_ready = false;
    }
}

static int begin(mc__store *s, unsigned flags, MDB_txn **txn)
{
    pthread_rwlock_rdlock(&s->resize_lock);
    int rc = mdb_txn_begin(s->env, NULL, flags, txn);
    if (rc != MDB_SUCCESS) {
        pthread_rwlock_unlock(&s->resize_lock);
        return mc__store_error(s, "mdb_txn_begin", rc);
    }
    return MC_ERR_OK;
}

/* Raise s->read_state to the snapshot that a read transaction sees. */
static void note_read(mc__store *s, MDB_txn *txn)
{
    uint64_t seen = (uint64_t)mdb_txn_id(txn);
    uint64_t known = atomic_load(&s->read_state);
    while (known < seen && !atomic_compare_exchange_weak(&s->read_state, &known, seen)) {
    }
}

int mc__store_begin_read(mc__store *s, MDB_txn **txn)
{
    int rc = begin(s, MDB_RDONLY, txn);
    if (rc == MC_ERR_OK) {
        note_read(s, *txn);
    }
    return rc;
}

void mc__store_end_read(mc__store *s, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&s->resize_lock);
}

static int refuse_after_flush_failure(mc__store *s)
{
    snprintf(s->last_error, sizeof s->last_error,
             "an earlier flush failed: what reached the disk is unknown; reopen the ledger");
    return MC_ERR_STORAGE_IO;
}

int mc__store_begin_write(mc__store *s, MDB_txn **txn)
{
    if (s->flush_failed) {
        return refuse_after_flush_failure(s);
    }
    return begin(s, 0, txn);
}

/* A commit that changed anything wrote its meta page with its own id
 * (LMDB skips both flush and meta of a commit with nothing to write). It
 * flushed the data file first, which with deferred meta sync also carried
 * the meta page of the commit before to disk. */
static void states_after_commit(mc__store *s, uint64_t id)
{
    MDB_envinfo info;
    mdb_env_info(s->env, &info);
    if ((uint64_t)info.me_last_txnid != id) {
        return;
    }
    uint64_t before = atomic_load(&s->committed_state);
    atomic_store(&s->committed_state, id);
    atomic_store(&s->durable_state, s->meta_sync_deferred ? before : id);
}

/* Whether a failed commit may have failed in a flush, with a state
 * pending: only a full map and a failed allocation surely came first. */
static void note_commit_failure(mc__store *s, int rc)
{
    if (rc != MDB_MAP_FULL && rc != ENOMEM &&
        atomic_load(&s->durable_state) != atomic_load(&s->committed_state)) {
        s->flush_failed = true;
    }
}

int mc__store_commit(mc__store *s, MDB_txn *txn)
{
    uint64_t id = (uint64_t)mdb_txn_id(txn);
    int rc = mdb_txn_commit(txn);
    if (rc == MDB_SUCCESS) {
        states_after_commit(s, id); /* before a resize may move the meta pages */
    } else {
        note_commit_failure(s, rc);
    }
    pthread_rwlock_unlock(&s->resize_lock);
    return rc == MDB_SUCCESS ? MC_ERR_OK : mc__store_error(s, "mdb_txn_commit", rc);
}

int mc__store_sync(mc__store *s)
{
    if (s->flush_failed) {
        return refuse_after_flush_failure(s);
    }
    uint64_t committed = atomic_load(&s->committed_state);
    if (atomic_load(&s->durable_state) == committed) {
        return MC_ERR_OK;
    }
    int rc = mdb_env_sync(s->env, 1);
    if (rc != MDB_SUCCESS) {
        s->flush_failed = true;
        return mc__store_error(s, "mdb_env_sync", rc);
    }
    atomic_store(&s->durable_state, committed);
    return MC_ERR_OK;
}

void mc__store_abort(mc__store *s, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&s->resize_lock);
}

int mc__store_grow(mc__store *s)
{
    if (s->map_size >= s->map_size_max) {
        snprintf(s->last_error, sizeof s->last_error, "map size at its maximum of %llu bytes",
                 (unsigned long long)s->map_size_max);
        return MC_ERR_STORAGE_FULL;
    }
    uint64_t next = s->map_size * 2 > s->map_size_max ? s->map_size_max : s->map_size * 2;
    pthread_rwlock_wrlock(&s->resize_lock);
    int rc = mdb_env_set_mapsize(s->env, (size_t)next);
    pthread_rwlock_unlock(&s->resize_lock);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(s, "mdb_env_set_mapsize", rc);
    }
    s->map_size = next;
    return MC_ERR_OK;
}

int mc__store_get(mc__store *s, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len,
                  MDB_val *val)
{
    MDB_val k = {.mv_size = key_len, .mv_data = (void *)key};
    return mc__store_error(s, "mdb_get", mdb_get(txn, dbi, &k, val));
}

int mc__store_put(mc__store *s, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_len,
                  const void *val, size_t val_len, unsigned flags)
{
    MDB_val k = {.mv_size = key_len, .mv_data = (void *)key};
    MDB_val v = {.mv_size = val_len, .mv_data = (void *)val};
    return mc__store_error(s, "mdb_put", mdb_put(txn, dbi, &k, &v, flags));
}
