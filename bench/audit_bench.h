/* The pieces of `mcbench audit` (audit_bench.c): the history it builds and
 * exports off the clock (audit_history.c) and the `mcaudit verify` child it
 * times (audit_proc.c). Private to bench/. */
#ifndef MC_BENCH_AUDIT_BENCH_H
#define MC_BENCH_AUDIT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

#define MC_BENCH_AUDIT_THREADS_MAX 64u   /* mcaudit's own bound on --threads */
#define MC_BENCH_AUDIT_BATCH 1024u       /* transactions per batch: one checkpoint each */
#define MC_BENCH_AUDIT_OUTPUT_MAX 16384u /* bytes of mcaudit's output kept */

/* `mcbench audit ARGS...`: argv[0] is "audit". Returns the exit status. */
int mc__bench_main_audit(int argc, char **argv);

typedef struct mc__bench_audit_config {
    size_t transfers;  /* N */
    size_t accounts;   /* K */
    size_t threads;    /* mcaudit verify --threads */
    size_t timeout_s;  /* the longest mcaudit verify may take */
    bool keep;         /* leave the directory (ledger, export) in place */
    const char *given; /* --mcaudit, or NULL: found beside mcbench */
    char dir[MC_BENCH_PATH_MAX];
} mc__bench_audit_config;

/* ---- audit_history.c: the history and its export ------------------------ */

typedef struct mc__bench_history {
    /* in */
    const char *ledger_dir;
    const char *export_path;
    size_t transfers, accounts;
    unsigned threads; /* signing threads */
    /* out: what was made, and how long each step took */
    double opened_seconds, signed_seconds, applied_seconds, exported_seconds;
    uint64_t entries;      /* in the export: account openings and transfers */
    uint64_t export_bytes; /* its size */
    /* Copies of the first transfers, SignedTx bytes, for the verify probe. */
    uint8_t *probe_tx[MC_BENCH_PROBE_TXS_MAX];
    size_t probe_len[MC_BENCH_PROBE_TXS_MAX];
    size_t probe_count;
} mc__bench_history;

/* A ledger (no sync, the node's checkpoint per batch) in h->ledger_dir with
 * h->accounts open and h->transfers applied in batches, every one of them
 * applied, then exported to h->export_path. Dies on any failure. */
void mc__bench_history_make(mc__bench_history *h);
void mc__bench_history_free(mc__bench_history *h);

/* ---- audit_proc.c: the mcaudit child ------------------------------------ */

typedef struct mc__bench_verify_run {
    char bin[MC_BENCH_PATH_MAX];
    int status;          /* exit status; 128 + signal when killed; -1 timed out */
    double wall_seconds; /* fork to the child's exit */
    double user_seconds, system_seconds;
    uint64_t peak_rss_bytes;                /* ru_maxrss of the child */
    double others_share;                    /* of the machine's CPU time others took meanwhile */
    uint64_t reported_entries;              /* from its summary; 0 when absent */
    char output[MC_BENCH_AUDIT_OUTPUT_MAX]; /* its stdout then stderr, cut short */
} mc__bench_verify_run;

/* The mcaudit to run into run->bin: `given` when not NULL, else
 * ../audit/mcaudit beside this executable. Exits 2 when not executable. */
void mc__bench_audit_find(const char *given, mc__bench_verify_run *run);

/* `mcaudit verify FILE --threads T` with TMPDIR=scratch_parent (its scratch
 * ledger goes beside the export), output into `log_path`; waits at most
 * `timeout_s` (SIGKILL then). Fills `run`. Dies when it cannot start. */
void mc__bench_audit_verify(const char *file, size_t threads, const char *scratch_parent,
                            const char *log_path, size_t timeout_s, mc__bench_verify_run *run);

#endif
