/* mcaudit: the offline verifier of exports (mc/export.h) and its reports.
 * Declarations shared by the files of the tool, and every limit it has.
 *
 *   main.c      commands, options, exit codes
 *   verify.c    `verify`: the genesis, the scratch ledger, the record loop, the end checks
 *   checks.c    what each entry and checkpoint must satisfy, in file order
 *   replay.c    the pending batch: replayed through the ledger, results compared
 *   pipeline.c  reading records into chunks; worker threads decode and verify them
 *   summary.c   the verdict in words or JSON
 *   progress.c  the progress bar on a terminal
 *   report.c    `report`: what moves money (transfers, fees, round payouts), checked
 *   report_format.c  the report as CSV, JSON or an hledger journal
 *   accounts.c  a hash map from account key to handle and kind, for reports
 *   util.c      scratch directories, times, hex and base64 text */
#ifndef MCA_AUDIT_H
#define MCA_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mc/amount.h"
#include "mc/checkpoint.h"
#include "mc/crypto.h"
#include "mc/export.h"
#include "mc/ledger.h"
#include "mc/merkle.h"
#include "mc/tx.h"

/* Exit codes. MCA_EXIT_OPERATING: could not check (I/O, no room for the
 * scratch ledger, interrupted), which says nothing about the export. */
#define MCA_EXIT_OK 0
#define MCA_EXIT_FAILED 1 /* the export does not verify (or is malformed) */
#define MCA_EXIT_USAGE 2  /* bad command line */
#define MCA_EXIT_OPERATING 3

/* Limits. */
#define MCA_THREADS_MAX 64u                  /* worker threads (--threads) */
#define MCA_CHUNK_ITEMS 256u                 /* records handed to a worker at once */
#define MCA_CHUNK_BYTES (256u << 10)         /* record bytes after which a chunk is closed */
#define MCA_CHUNKS_PER_THREAD 8u             /* chunks in flight per worker: outlast a replay */
#define MCA_CHUNKS_MAX 128u                  /* chunks in flight in all (~1 MiB each at most) */
#define MCA_BATCH_MAX 4096u                  /* entries replayed in one mc_ledger_apply_batch */
#define MCA_WHY_MAX 512u                     /* bytes of a failure's explanation */
#define MCA_PATH_MAX 4096u                   /* bytes of a path we build */
#define MCA_PROGRESS_INTERVAL_NS 100000000ll /* redraw the bar at most 10 times a second */
#define MCA_MAP_SIZE_PER_EXPORT_BYTE 8u      /* initial scratch map: this times the export size */
#define MCA_ACCOUNTS_MAX (1u << 26)          /* accounts a report maps to handles */
#define MCA_TIME_TEXT_MAX 32u                /* "2023-11-14T22:13:20Z" and then some */
#define MCA_BASE64_HASH_MAX 45u              /* base64 of 32 bytes, with its NUL */

/* Programmer errors abort; input never reaches one. */
#define MCA_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* ---- pipeline.c: records in chunks, decoded and verified by workers ---- */

typedef enum mca_item_kind {
    MCA_ITEM_ENTRY,      /* an 'E' record */
    MCA_ITEM_CHECKPOINT, /* a 'C' record */
    MCA_ITEM_GENESIS,    /* a 'G' record after the first: always a failure */
    MCA_ITEM_BROKEN,     /* the reader's error (code): the stream stops here */
} mca_item_kind;

/* One record and what the worker made of it. */
typedef struct mca_item {
    mca_item_kind kind;
    /* ENTRY: MC_ERR_OK, MC_ERR_MALFORMED (does not decode) or
     * MC_ERR_BAD_SIGNATURE; CHECKPOINT: MC_ERR_OK or MC_ERR_CHECKPOINT_INVALID;
     * BROKEN: MC_ERR_MALFORMED or MC_ERR_STORAGE_IO. */
    int code;
    uint64_t offset;             /* where the record starts in the file */
    size_t data_at, data_len;    /* its bytes in the chunk's arena */
    mc_entry entry;              /* ENTRY decoded; entry.tx owned until taken (NULL then) */
    uint8_t leaf[MC_HASH_BYTES]; /* ENTRY: mc_merkle_leaf_hash of its bytes */
    mc_checkpoint checkpoint;    /* CHECKPOINT with code OK */
} mca_item;

typedef struct mca_chunk {
    mca_item items[MCA_CHUNK_ITEMS];
    size_t count;        /* items used, 0..MCA_CHUNK_ITEMS */
    uint8_t *arena;      /* the records' bytes */
    size_t arena_len;    /* bytes used */
    size_t arena_cap;    /* bytes allocated, <= MCA_CHUNK_BYTES + MC_EXPORT_RECORD_MAX */
    uint64_t end_offset; /* the file offset after its last record */
    bool last;           /* nothing follows: the end of the file, or a BROKEN/GENESIS item */
    int state;           /* pipeline.c's */
} mca_chunk;

typedef struct mca_pipeline mca_pipeline;

/* Start `threads` workers (1..MCA_THREADS_MAX) over the records `r` yields
 * after the genesis; checkpoints are verified with `node_key` (copied).
 * MC_ERR_OK or MC_ERR_NO_MEMORY. */
int mca_pipeline_start(mc_export_reader *r, const uint8_t node_key[MC_PUBLIC_KEY_BYTES],
                       unsigned threads, mca_pipeline **out);
/* The next chunk in file order, decoded and verified, valid until
 * mca_pipeline_release(); NULL after the chunk marked `last`. */
mca_chunk *mca_pipeline_next(mca_pipeline *p);
void mca_pipeline_release(mca_pipeline *p, mca_chunk *c);
/* Stop the workers and free everything, also chunks never released. NULL is a no-op. */
void mca_pipeline_stop(mca_pipeline *p);

/* ---- the verifier's state (verify.c, checks.c, replay.c, summary.c) ---- */

typedef enum mca_where {
    MCA_WHERE_NONE,       /* no failure */
    MCA_WHERE_HEIGHT,     /* an entry: `number` is its height */
    MCA_WHERE_GENESIS,    /* the genesis record */
    MCA_WHERE_CHECKPOINT, /* an exported checkpoint: `number` is its size */
    MCA_WHERE_TRUSTED,    /* the checkpoint given with --checkpoint */
    MCA_WHERE_OFFSET,     /* the framing: `number` is a byte offset */
    MCA_WHERE_STATE,      /* the replayed ledger's invariants */
    MCA_WHERE_OPERATING,  /* could not check (not the export's fault) */
} mca_where;

typedef struct mca_failure {
    mca_where where;
    uint64_t number; /* height, size or offset, as `where` says */
    bool has_offset; /* the record's byte offset is known */
    uint64_t offset;
    char why[MCA_WHY_MAX];
} mca_failure;

/* Entries waiting to be replayed: consecutive, all of one time. */
typedef struct mca_batch {
    mc_tx **txs; /* owned */
    uint64_t *heights;
    int *recorded; /* the result each entry records */
    uint64_t *offsets;
    uint8_t (*leaves)[MC_HASH_BYTES];
    mc_result *results;
    size_t n; /* 0..MCA_BATCH_MAX */
    int64_t time;
} mca_batch;

#define MCA_KIND_SLOTS (MC_TX_KIND_LAST - MC_TX_KIND_FIRST + 1)

typedef struct mca_verifier {
    mc_ledger *ledger; /* the scratch replay */
    mc_ledger_info info;
    uint64_t height;         /* entries taken so far */
    int64_t last_time;       /* the time of entry `height` */
    mc_merkle_stream stream; /* over the exported entries 1..height */
    /* Entries since the last checkpoint. */
    uint64_t span_first; /* the first height after it */
    int64_t span_time;   /* that entry's time */
    uint64_t span_odd;   /* the first height in the span whose time is not span_time; 0: none */
    int64_t span_odd_time;
    bool last_record_checkpoint; /* the last record taken is a checkpoint of size `height` */
    uint64_t checkpoints;
    mc_checkpoint last_checkpoint;
    /* --checkpoint */
    bool has_trusted, trusted_matched;
    mc_checkpoint trusted;
    mca_batch batch;
    /* Figures for the summary. */
    uint64_t kinds[MCA_KIND_SLOTS];
    int64_t volume; /* the amounts of the transfers, fees apart, minor units */
    bool volume_overflow;
    int64_t fees; /* the fees paid beside those amounts (replayed results), minor units */
    bool fees_overflow;
    int64_t payouts; /* what the distribution rounds paid to contributors, minor units */
    bool payouts_overflow;
    uint64_t accounts[MC_KIND_COUNT];
    uint8_t root[MC_HASH_BYTES]; /* the final root */
    mca_failure failure;         /* the first failure */
} mca_verifier;

/* checks.c: take the records of a chunk in order; stop at the first failure
 * (v->failure.where != MCA_WHERE_NONE afterwards). */
void mca_take_chunk(mca_verifier *v, mca_chunk *c);
/* The end of the stream: the last record must be a checkpoint of every entry. */
void mca_take_end(mca_verifier *v, uint64_t end_offset);

/* Record a failure unless one is recorded already (no replay). */
__attribute__((format(printf, 6, 7))) void mca_record(mca_verifier *v, mca_where where,
                                                      uint64_t number, bool has_offset,
                                                      uint64_t offset, const char *fmt, ...);
/* Record a failure unless one is recorded already; replays the pending batch
 * first, since the entries before the failure come first. */
__attribute__((format(printf, 4, 5))) void mca_fail(mca_verifier *v, mca_where where,
                                                    uint64_t number, const char *fmt, ...);
/* As mca_fail, with the record's byte offset. */
__attribute__((format(printf, 5, 6))) void mca_fail_at(mca_verifier *v, mca_where where,
                                                       uint64_t number, uint64_t offset,
                                                       const char *fmt, ...);

/* replay.c */
int mca_batch_init(mca_batch *b);
void mca_batch_free(mca_batch *b);
/* Append the entry of `it` (taking its tx); the caller has flushed when the
 * time differs or the batch is full. */
void mca_batch_add(mca_batch *b, mca_item *it);
/* Replay the pending entries, compare results and bytes, empty the batch.
 * Failures go to v->failure (without flushing again). */
void mca_batch_flush(mca_verifier *v);

/* summary.c */
void mca_summary_print(const mca_verifier *v, const char *path, double seconds, unsigned threads);
int mca_summary_json(const mca_verifier *v, const char *path, double seconds, unsigned threads);
void mca_failure_print(const mca_failure *f);

/* verify.c */
typedef struct mca_verify_options {
    const char *path;
    const char *checkpoint_path; /* NULL: none */
    const char *ledger_id_hex;   /* NULL: none */
    unsigned threads;            /* 0: one per CPU */
    bool json;
} mca_verify_options;
int mca_verify(const mca_verify_options *o);

/* progress.c */
typedef struct mca_progress {
    bool enabled;
    uint64_t total_bytes;
    int64_t start_ns, last_ns;
    bool drawn;
} mca_progress;
void mca_progress_start(mca_progress *p, uint64_t total_bytes);
void mca_progress_update(mca_progress *p, uint64_t entries, uint64_t done_bytes);
void mca_progress_finish(mca_progress *p);

/* accounts.c */
typedef struct mca_account_entry {
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    char handle[MC_HANDLE_LEN_MAX + 1];
    int kind;
    uint64_t rounds; /* a commons' distribution rounds so far (report.c) */
    bool used;
} mca_account_entry;
typedef struct mca_accounts {
    mca_account_entry *slots;
    size_t cap;   /* a power of two */
    size_t count; /* <= cap * 7 / 10 */
} mca_accounts;
void mca_accounts_init(mca_accounts *m);
void mca_accounts_free(mca_accounts *m);
/* MC_ERR_OK, MC_ERR_ACCOUNT_EXISTS or MC_ERR_NO_MEMORY (also past MCA_ACCOUNTS_MAX). */
int mca_accounts_put(mca_accounts *m, const uint8_t key[MC_PUBLIC_KEY_BYTES], const uint8_t *handle,
                     size_t handle_len, int kind);
/* NULL when unknown; valid until the next put. */
mca_account_entry *mca_accounts_get(const mca_accounts *m, const uint8_t key[MC_PUBLIC_KEY_BYTES]);

/* report.c: the pass over the export; report_format.c: the three formats */
typedef enum mca_format {
    MCA_FORMAT_CSV,
    MCA_FORMAT_JSON,
    MCA_FORMAT_HLEDGER,
} mca_format;
int mca_report(const char *path, mca_format format);

#define MCA_SYMBOL_TEXT_MAX (4u * MC_UNIT_SYMBOL_MAX + 1u)

/* Where a report goes and how. */
typedef struct mca_writer {
    mca_format format;
    FILE *out;
    unsigned decimals;                /* the ledger's */
    char symbol[MCA_SYMBOL_TEXT_MAX]; /* the hledger commodity, without its quotes */
    uint64_t rows;                    /* CSV and JSON rows written */
} mca_writer;

/* One row of a report: a transfer with its fee, or one payout of a
 * distribution round. Borrowed pointers, valid for the call. */
typedef struct mca_report_row {
    uint64_t height;
    int64_t time;
    const char *tx_id; /* hex */
    const char *kind;  /* "transfer", "request_payment" or "round_payout" */
    const mca_account_entry *payer, *payee;
    int64_t amount;                       /* > 0, minor units */
    int64_t fee;                          /* >= 0, paid by the payer beside the amount */
    const mca_account_entry *fee_account; /* where the fee goes; NULL when it is 0 */
    const char *purpose;                  /* "none" or "reciprocity"; NULL for a payout */
    uint64_t round;                       /* a payout's round (1, 2, ...); 0 for a transfer */
    const uint8_t *memo;                  /* UTF-8, not NUL-terminated; may be NULL */
    size_t memo_len;
} mca_report_row;

/* A distribution round: the commons pays `paid`, the sum of its payouts. */
typedef struct mca_report_round {
    uint64_t height;
    int64_t time;
    const char *tx_id;
    const mca_account_entry *commons;
    uint64_t round;
    int64_t paid;
} mca_report_round;

/* The header (the CSV header, "[", the journal's preamble naming the
 * ledger), from the genesis's unit, community and ledger id (hex). */
void mca_write_begin(mca_writer *w, const char *ledger_id_hex, const char *community,
                     const char *unit_name, const char *unit_symbol);
/* An account opened: a journal's `account` directive. */
void mca_write_account(mca_writer *w, const mca_account_entry *a);
void mca_write_transfer(mca_writer *w, const mca_report_row *row);
/* A round: begin, each payout that is not 0, end. */
void mca_write_round_begin(mca_writer *w, const mca_report_round *r);
void mca_write_payout(mca_writer *w, const mca_report_row *row);
void mca_write_round_end(mca_writer *w);
void mca_write_end(mca_writer *w);

/* util.c */
int64_t mca_now_ns(void);
/* A fresh directory for the scratch ledger under $TMPDIR or /var/tmp. */
int mca_scratch_make(char *out, size_t len);
/* rm -rf; quiet. */
void mca_scratch_remove(const char *dir);
/* "2023-11-14T22:13:20Z" (or the number, when out of range). */
void mca_time_iso(int64_t t, char out[MCA_TIME_TEXT_MAX]);
/* "2023-11-14". */
void mca_date(int64_t t, char out[MCA_TIME_TEXT_MAX]);
void mca_base64_hash(const uint8_t hash[MC_HASH_BYTES], char out[MCA_BASE64_HASH_MAX]);
/* The amount in the unit, "-12.50", or the minor units when it does not print. */
void mca_amount_text(int64_t amount, unsigned decimals, char out[MC_AMOUNT_TEXT_MAX]);
/* The name of a transaction kind: "transfer", "open_account", ... */
const char *mca_kind_name(int kind);
/* Stop requested by SIGINT, SIGTERM or SIGHUP (verify checks it between chunks). */
void mca_signals_install(void);
bool mca_interrupted(void);

#endif
