/* Exports: a ledger's whole history in one self-contained, streamable file,
 * for auditors (mcaudit verify). The file is the 12 bytes "mc-export-1\n",
 * then records, each a kind byte, a 4-byte big-endian length and that many
 * bytes:
 *   'G'  the genesis record, exactly as stored (first, once);
 *   'E'  a log entry, exactly as stored, in height order from 1;
 *   'C'  a checkpoint's text, right after the entry at its size (the node
 *        signs one per batch; the last record is the latest checkpoint).
 * A reader holds one record at a time, so memory stays flat however long
 * the log is. */
#ifndef MC_EXPORT_H
#define MC_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mc/ledger.h"

#define MC_EXPORT_MAGIC "mc-export-1\n"
#define MC_EXPORT_MAGIC_BYTES 12u
#define MC_EXPORT_RECORD_MAX (1u << 20) /* bytes of one record's data */

typedef enum mc_export_kind {
    MC_EXPORT_GENESIS = 'G',
    MC_EXPORT_ENTRY = 'E',
    MC_EXPORT_CHECKPOINT = 'C',
} mc_export_kind;

/* Write the magic to `f`. MC_ERR_OK or MC_ERR_STORAGE_IO. */
int mc_export_begin(FILE *f);
/* Write one record. MC_ERR_OK, MC_ERR_INVALID_ARGUMENT (too large) or
 * MC_ERR_STORAGE_IO. */
int mc_export_write(FILE *f, mc_export_kind kind, const void *data, size_t len);

/* The whole ledger into `f`: magic, genesis, every entry with the stored
 * checkpoints after theirs, in one read transaction (a consistent
 * snapshot, also of a ledger a node is serving). *entries (may be NULL)
 * receives how many entries were written. */
int mc_ledger_export(mc_ledger *ledger, FILE *f, uint64_t *entries);

typedef struct mc_export_reader mc_export_reader;

/* Start reading `f` (the caller closes it): MC_ERR_OK, MC_ERR_MALFORMED (not
 * an export) or MC_ERR_NO_MEMORY. */
int mc_export_reader_open(FILE *f, mc_export_reader **out);
void mc_export_reader_close(mc_export_reader *r);

/* The next record: MC_ERR_OK with its kind and data (valid until the next
 * call), MC_ERR_NOT_FOUND at the clean end of the file, MC_ERR_MALFORMED (an
 * unknown kind, a record cut short or over MC_EXPORT_RECORD_MAX) or
 * MC_ERR_STORAGE_IO. */
int mc_export_next(mc_export_reader *r, mc_export_kind *kind, const uint8_t **data, size_t *len);

/* The offset in the file where the last record read starts. */
uint64_t mc_export_offset(const mc_export_reader *r);

#endif
