/* Exports (see mc/export.h): writing records, the whole ledger in one read
 * transaction, and a bounded streaming reader. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "mc/export.h"
#include "ledger_internal.h"

struct mc_export_reader {
    FILE *f;
    uint8_t *buf; /* MC_EXPORT_RECORD_MAX bytes */
    uint64_t offset, record_offset;
};

int mc_export_begin(FILE *f)
{
    return fwrite(MC_EXPORT_MAGIC, 1, MC_EXPORT_MAGIC_BYTES, f) == MC_EXPORT_MAGIC_BYTES
               ? MC_ERR_OK
               : MC_ERR_STORAGE_IO;
}

int mc_export_write(FILE *f, mc_export_kind kind, const void *data, size_t len)
{
    if (len > MC_EXPORT_RECORD_MAX) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    uint8_t head[5] = {(uint8_t)kind, (uint8_t)(len >> 24), (uint8_t)(len >> 16),
                       (uint8_t)(len >> 8), (uint8_t)len};
    if (fwrite(head, 1, sizeof head, f) != sizeof head ||
        (len > 0 && fwrite(data, 1, len, f) != len)) {
        return MC_ERR_STORAGE_IO;
    }
    return MC_ERR_OK;
}

typedef struct export_walk {
    FILE *f;
    uint64_t entries;
} export_walk;

/* Entries 1..height, each followed by its checkpoint when one is stored. */
static int write_log(mc_ledger *l, MDB_txn *txn, export_walk *w)
{
    MDB_cursor *log, *cps;
    MDB_val k, v, ck, cv;
    if (mdb_cursor_open(txn, l->store.log, &log) != MDB_SUCCESS) {
        return MC_ERR_STORAGE_IO;
    }
    if (mdb_cursor_open(txn, l->store.checkpoints, &cps) != MDB_SUCCESS) {
        mdb_cursor_close(log);
        return MC_ERR_STORAGE_IO;
    }
    int rc = MC_ERR_OK;
    int crc = mdb_cursor_get(cps, &ck, &cv, MDB_FIRST);
    /* A checkpoint of size 0 (an empty log) comes first. */
    while (rc == MC_ERR_OK && crc == MDB_SUCCESS && mc__be_u64(ck.mv_data) == 0) {
        rc = mc_export_write(w->f, MC_EXPORT_CHECKPOINT, cv.mv_data, cv.mv_size);
        crc = mdb_cursor_get(cps, &ck, &cv, MDB_NEXT);
    }
    for (int lrc = mdb_cursor_get(log, &k, &v, MDB_FIRST); rc == MC_ERR_OK && lrc == MDB_SUCCESS;
         lrc = mdb_cursor_get(log, &k, &v, MDB_NEXT)) {
        uint64_t height = mc__be_u64(k.mv_data);
        rc = mc_export_write(w->f, MC_EXPORT_ENTRY, v.mv_data, v.mv_size);
        w->entries++;
        while (rc == MC_ERR_OK && crc == MDB_SUCCESS && mc__be_u64(ck.mv_data) <= height) {
            if (mc__be_u64(ck.mv_data) == height) {
                rc = mc_export_write(w->f, MC_EXPORT_CHECKPOINT, cv.mv_data, cv.mv_size);
            }
            crc = mdb_cursor_get(cps, &ck, &cv, MDB_NEXT);
        }
    }
    mdb_cursor_close(cps);
    mdb_cursor_close(log);
    return rc;
}

static int export_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    export_walk *w = arg;
    int rc = mc_export_begin(w->f);
    if (rc == MC_ERR_OK) {
        rc = mc_export_write(w->f, MC_EXPORT_GENESIS, l->genesis_bytes, l->genesis_len);
    }
    return rc == MC_ERR_OK ? write_log(l, txn, w) : rc;
}

int mc_ledger_export(mc_ledger *l, FILE *f, uint64_t *entries)
{
    export_walk w = {.f = f};
    int rc = mc__ledger_read(l, export_read, &w);
    if (rc == MC_ERR_OK && fflush(f) != 0) {
        rc = MC_ERR_STORAGE_IO;
    }
    if (rc == MC_ERR_OK && entries != NULL) {
        *entries = w.entries;
    }
    return rc;
}

int mc_export_reader_open(FILE *f, mc_export_reader **out)
{
    char magic[MC_EXPORT_MAGIC_BYTES];
    if (fread(magic, 1, sizeof magic, f) != sizeof magic ||
        memcmp(magic, MC_EXPORT_MAGIC, sizeof magic) != 0) {
        return MC_ERR_MALFORMED;
    }
    mc_export_reader *r = calloc(1, sizeof *r);
    if (r == NULL || (r->buf = malloc(MC_EXPORT_RECORD_MAX)) == NULL) {
        free(r);
        return MC_ERR_NO_MEMORY;
    }
    r->f = f;
    r->offset = MC_EXPORT_MAGIC_BYTES;
    *out = r;
    return MC_ERR_OK;
}

void mc_export_reader_close(mc_export_reader *r)
{
    if (r != NULL) {
        free(r->buf);
        free(r);
    }
}

int mc_export_next(mc_export_reader *r, mc_export_kind *kind, const uint8_t **data, size_t *len)
{
    uint8_t head[5];
    r->record_offset = r->offset;
    size_t got = fread(head, 1, sizeof head, r->f);
    if (got == 0 && feof(r->f)) {
        return MC_ERR_NOT_FOUND;
    }
    if (got != sizeof head) {
        return ferror(r->f) ? MC_ERR_STORAGE_IO : MC_ERR_MALFORMED;
    }
    size_t n = (size_t)head[1] << 24 | (size_t)head[2] << 16 | (size_t)head[3] << 8 | head[4];
    if ((head[0] != MC_EXPORT_GENESIS && head[0] != MC_EXPORT_ENTRY &&
         head[0] != MC_EXPORT_CHECKPOINT) ||
        n > MC_EXPORT_RECORD_MAX) {
        return MC_ERR_MALFORMED;
    }
    if (n > 0 && fread(r->buf, 1, n, r->f) != n) {
        return ferror(r->f) ? MC_ERR_STORAGE_IO : MC_ERR_MALFORMED;
    }
    r->offset += sizeof head + n;
    *kind = (mc_export_kind)head[0];
    *data = r->buf;
    *len = n;
    return MC_ERR_OK;
}

uint64_t mc_export_offset(const mc_export_reader *r)
{
    return r->record_offset;
}
