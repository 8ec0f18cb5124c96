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
               {"checkpoints", &s->checkpoints}};
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
        unsigned flags = MDB_NOTLS | (s->no_sync ? MDB_NOSYNC : 0u);
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

int mc__store_open(mc__store *s, const char *dir, const mc_ledger_options *opts, bool create)
{
    memset(s, 0, sizeof *s);
    s->no_sync = opts != NULL && opts->no_sync;
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
    if (rc != MC_ERR_OK) {
        mc__store_close(s);
    }
    return rc;
}

void mc__store_close(mc__store *s)
{
    if (s->env != NULL) {
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

int mc__store_begin_read(mc__store *s, MDB_txn **txn)
{
    return begin(s, MDB_RDONLY, txn);
}

void mc__store_end_read(mc__store *s, MDB_txn *txn)
{
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&s->resize_lock);
}

int mc__store_begin_write(mc__store *s, MDB_txn **txn)
{
    return begin(s, 0, txn);
}

int mc__store_commit(mc__store *s, MDB_txn *txn)
{
    int rc = mdb_txn_commit(txn);
    pthread_rwlock_unlock(&s->resize_lock);
    return rc == MDB_SUCCESS ? MC_ERR_OK : mc__store_error(s, "mdb_txn_commit", rc);
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
