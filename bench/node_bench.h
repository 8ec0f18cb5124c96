/* The pieces of `mcbench node` (node_bench.c): the mcnode process it
 * starts and watches (node_proc.c), the pipelined load it sends over
 * several connections (node_load.c) and what it prints (node_report.c).
 * Private to bench/. */
#ifndef MC_BENCH_NODE_BENCH_H
#define MC_BENCH_NODE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench.h"
#include "mc/crypto.h"

#define MC_BENCH_NODE_ARGS_MAX 32u           /* extra arguments of `mcnode run` */
#define MC_BENCH_NODE_INIT_TIMEOUT_MS 10000  /* `mcnode init` */
#define MC_BENCH_NODE_START_TIMEOUT_MS 10000 /* until "listening on" */
#define MC_BENCH_NODE_STOP_TIMEOUT_MS 30000  /* SIGTERM to exit, then SIGKILL */
#define MC_BENCH_NODE_THREADS_MAX 128u       /* threads of the node watched */
#define MC_BENCH_ADDRESS_MAX 256u

/* `mcbench node ARGS...`: argv[0] is "node". Returns the exit status. */
int mc__bench_main_node(int argc, char **argv);

typedef struct mc__bench_node_config {
    size_t transfers;      /* N */
    size_t accounts;       /* K */
    size_t connections;    /* C */
    size_t depth;          /* D */
    bool no_sync;          /* the node runs with --sync=none: not durable */
    size_t verify_threads; /* 0: the node's default */
    const char *node_args[MC_BENCH_NODE_ARGS_MAX];
    size_t node_arg_count;
    const char *node_bin;     /* NULL: found */
    const char *address;      /* NULL: start our own node */
    const char *steward_seed; /* hex, with --address */
    char dir[MC_BENCH_PATH_MAX];
    int timeout_ms;
} mc__bench_node_config;

/* ---- node_proc.c: the mcnode process ------------------------------------ */

typedef struct mc__bench_node {
    char bin[MC_BENCH_PATH_MAX];
    char root[MC_BENCH_PATH_MAX];     /* temporary directory, removed at exit */
    char data_dir[MC_BENCH_PATH_MAX]; /* root/data */
    char log_path[MC_BENCH_PATH_MAX]; /* root/node.log: the node's standard error */
    char address[MC_BENCH_ADDRESS_MAX];
    pid_t pid; /* 0: not running */
} mc__bench_node;

/* The mcnode to run: `given` when not NULL, else ../node/mcnode next to
 * this executable, else mcnode on PATH. Dies when none is executable. */
void mc__bench_node_find(const char *given, mc__bench_node *node);

/* `mcnode init --data ROOT/data --steward HEX` in a new temporary directory
 * under `parent`; the ledger id it prints into `ledger_id`. Dies on
 * failure. */
void mc__bench_node_init(mc__bench_node *node, const char *parent,
                         const uint8_t steward[MC_PUBLIC_KEY_BYTES],
                         uint8_t ledger_id[MC_LEDGER_ID_BYTES]);

/* `mcnode run --data DIR --listen 127.0.0.1:0 --log-level debug ARGS...`
 * (ARGS NULL-terminated), standard error into node->log_path; waits for
 * "listening on" and fills node->address. Dies on failure, and the node is
 * killed at exit if still running. */
void mc__bench_node_start(mc__bench_node *node, const char *const *args);

/* SIGTERM, and wait for the exit (SIGKILL after
 * MC_BENCH_NODE_STOP_TIMEOUT_MS). Returns its exit status, 128 + signal
 * when killed, -1 when it had to be killed. */
int mc__bench_node_stop(mc__bench_node *node);

/* The CPU time of the whole machine (/proc/stat, all CPUs) up to now. */
typedef struct mc__bench_machine {
    double busy_seconds;  /* user, nice, system, irq, softirq */
    double idle_seconds;  /* idle and iowait */
    double steal_seconds; /* taken by the hypervisor for other machines */
} mc__bench_machine;

void mc__bench_machine_read(mc__bench_machine *out);

/* What a process and the machine used up to now: the CPU time of each
 * thread (ascending thread id, /proc/PID/task/TID/stat), the machine's
 * CPU time, and the work of the disk
 * that holds `dir` (/sys/dev/block/MAJ:MIN/stat: every process's). */
typedef struct mc__bench_usage {
    size_t threads;
    pid_t tid[MC_BENCH_NODE_THREADS_MAX];
    double seconds[MC_BENCH_NODE_THREADS_MAX]; /* user + system */
    mc__bench_machine machine;
    bool has_disk;
    uint64_t disk_writes, disk_sectors_written, disk_flushes, disk_busy_ms;
} mc__bench_usage;

/* `dir` may be NULL: no disk figures. */
void mc__bench_usage_read(pid_t pid, const char *dir, mc__bench_usage *out);

/* The writer's batches logged ("batch of N: ... committed in T ms", debug
 * level) after byte `offset` of the log, and its syncs when idle ("idle:
 * state S durable in T ms"). */
typedef struct mc__bench_batches {
    size_t count;
    size_t transactions;
    size_t largest;
    uint64_t commit_ms; /* sum of each batch's apply + commit (one fdatasync) */
    size_t idle_syncs;
    uint64_t idle_sync_ms;
} mc__bench_batches;

long mc__bench_log_size(const mc__bench_node *node);
void mc__bench_log_batches(const mc__bench_node *node, long offset, mc__bench_batches *out);

/* ---- node_load.c: pipelined submissions --------------------------------- */

typedef struct mc__bench_load {
    /* in */
    const char *address;
    uint8_t *const *txs; /* SignedTx bytes, [count] */
    const size_t *lens;
    size_t count;
    size_t connections;   /* threads, one connection each; the txs split evenly */
    size_t depth;         /* most submissions outstanding per connection */
    int timeout_ms;       /* the longest wait for one answer */
    uint64_t *latency_ns; /* [count] or NULL: send to answer, per submission */
    /* out */
    double seconds; /* from the first send to the last answer */
    size_t applied;
    size_t refused; /* answered, but not applied (or a duplicate) */
    int refusal_code;
    char refusal[256]; /* the first refusal in words */
} mc__bench_load;

/* Send every submission and wait for every answer. MC_ERR_OK when each was
 * answered (load->refused says how many were not applied); otherwise the
 * transport failure of a connection, its words on stderr. */
int mc__bench_load_run(mc__bench_load *load);

/* ---- node_report.c: what is printed -------------------------------------- */

typedef struct mc__bench_node_report {
    unsigned cpus;
    size_t message_bytes; /* what one signature covers: "mc/tx/v1" || ledger_id || body */
    double verify_one;    /* mc_tx_verify per second, one thread: the best probe */
    double verify_all;    /* the same, one thread per CPU: the best probe */
    double probe_one[2], probe_all[2]; /* before and after the run */
    double probe_others[2];            /* share of the CPU time others took meanwhile */
    mc__bench_load load;
    long log_offset; /* the node's log before the run */
    mc__bench_usage before, after;
    double self_cpu_seconds; /* mcbench's own CPU time during the run */
    pid_t node_pid;          /* 0: not ours */
    int stop_status;
    mc__bench_batches batches;
    int check_rc;
    char check_why[512];
    uint64_t height;
} mc__bench_node_report;

void mc__bench_report_header(const mc__bench_node_config *cfg, unsigned cpus);
void mc__bench_report_node(const mc__bench_node_config *cfg, const mc__bench_node *node,
                           const char *address, double seconds);
void mc__bench_report_prepared(const mc__bench_node_config *cfg, double opened_seconds,
                               double signed_seconds, unsigned threads);
/* The bytes one signature of this SignedTx covers. */
size_t mc__bench_report_message_bytes(const uint8_t *signed_tx, size_t len);
/* The verify rates of probe `which` (0: before the run, 1: after it). */
void mc__bench_report_probe(const mc__bench_node_report *rep, int which);
/* mc_ledger_check on the stopped node's ledger; its height into rep. */
void mc__bench_report_check(const mc__bench_node *node, mc__bench_node_report *rep);
/* The figures of the run; sorts `latency_ns`. */
void mc__bench_report_run(const mc__bench_node_config *cfg, mc__bench_node_report *rep,
                          uint64_t *latency_ns);

#endif
