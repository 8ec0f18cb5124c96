/* What `mcbench node` prints: the parameters, the preparation, the verify
 * rates, then the run: transfers per second accepted, the ratio to the
 * all-CPU verify rate (the goal is 0.8 or more: signature checking the
 * only bottleneck), latency percentiles, the node's writer batches and
 * where the CPU time went (the node's threads, mcbench's own client
 * threads, idle). Doubles are for times and rates only. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "mc/ledger.h"
#include "mc/tx.h"
#include "node_bench.h"

#define REPORT_GOAL 0.8        /* durable transfers/s over the all-CPU verify rate */
#define REPORT_OTHERS_MAX 0.05 /* share of the CPU time others may take unremarked */

void mc__bench_report_header(const mc__bench_node_config *cfg, unsigned cpus)
{
    printf("mcbench node: %zu pre-signed transfers among %zu accounts, %zu connection(s) x "
           "depth %zu, %u CPU(s)\n",
           cfg->transfers, cfg->accounts, cfg->connections, cfg->depth, cpus);
    fflush(stdout);
}

void mc__bench_report_node(const mc__bench_node_config *cfg, const mc__bench_node *node,
                           const char *address, double seconds)
{
    if (cfg->address != NULL) {
        printf("  node: %s, already running (its settings are its own)\n", address);
        return;
    }
    printf("  node: %s, listening on %s (started in %.1f s)\n", node->bin, address, seconds);
    printf("  data: %s, log: %s\n", node->data_dir, node->log_path);
    printf("  %s; verify threads: ", cfg->no_sync
                                         ? "--sync=none: NO fsync, NOT DURABLE (comparison only)"
                                         : "durable: each answer follows the fsync of its batch");
    if (cfg->verify_threads > 0) {
        printf("%zu\n", cfg->verify_threads);
    } else {
        printf("the node's default (one per CPU)\n");
    }
    for (size_t i = 0; i < cfg->node_arg_count; i++) {
        printf("  extra mcnode run argument: %s\n", cfg->node_args[i]);
    }
    if (!cfg->no_sync && mc__bench_is_tmpfs(cfg->dir)) {
        printf("  WARNING: %s is a tmpfs (memory): fsync costs nothing there, so the\n"
               "  figures are not durable ones. Use --dir on a disk.\n",
               cfg->dir);
    }
    fflush(stdout);
}

void mc__bench_report_prepared(const mc__bench_node_config *cfg, double opened_seconds,
                               double signed_seconds, unsigned threads)
{
    printf("  off the clock: opened %zu accounts in %.1f s (pipelined); signed %zu transfers "
           "in %.1f s on %u thread(s)\n",
           cfg->accounts, opened_seconds, cfg->transfers, signed_seconds, threads);
    fflush(stdout);
}

size_t mc__bench_report_message_bytes(const uint8_t *signed_tx, size_t len)
{
    mc_tx *tx = NULL;
    int rc = mc_tx_decode(signed_tx, len, &tx);
    if (rc != MC_ERR_OK) {
        mc__bench_die("decoding a signed transfer", rc);
    }
    size_t body_len = 0;
    mc_tx_body_bytes(tx, &body_len);
    mc_tx_free(tx);
    return strlen(MC_DOMAIN_TX) + MC_LEDGER_ID_BYTES + body_len;
}

void mc__bench_report_probe(const mc__bench_node_report *rep, int which)
{
    if (which == 0) {
        printf("\nEd25519 verify of these transfers (mc_tx_verify: one signature over %zu "
               "bytes), %.0f s each\n",
               rep->message_bytes, MC_BENCH_PROBE_SECONDS);
    }
    printf("  %s the run: 1 thread %8.0f /s; %u threads (all CPUs) %8.0f /s (x%.2f)%s",
           which == 0 ? "before" : "after ", rep->probe_one[which], rep->cpus,
           rep->probe_all[which], rep->probe_all[which] / rep->probe_one[which],
           rep->probe_others[which] > REPORT_OTHERS_MAX ? "" : "\n");
    if (rep->probe_others[which] > REPORT_OTHERS_MAX) {
        printf(", others took %.0f%%\n", 100.0 * rep->probe_others[which]);
    }
    if (which == 1) {
        printf("  the ratios below use the best of each (a busy machine lowers a probe)\n");
    }
    fflush(stdout);
}

void mc__bench_report_check(const mc__bench_node *node, mc__bench_node_report *rep)
{
    mc_ledger *ledger = NULL;
    int rc = mc_ledger_open(node->data_dir, NULL, &ledger);
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_check(ledger, rep->check_why, sizeof rep->check_why);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_height(ledger, &rep->height);
    }
    if (rc != MC_ERR_OK && rep->check_why[0] == '\0') {
        snprintf(rep->check_why, sizeof rep->check_why, "%s", mc_strerror(rc));
    }
    mc_ledger_close(ledger);
    rep->check_rc = rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile `p` (0..100] of sorted `v`, in ms. */
static double percentile_ms(const uint64_t *v, size_t n, unsigned p)
{
    size_t rank = (n * p + 99) / 100;
    return n == 0 ? 0.0 : (double)v[rank > 0 ? rank - 1 : 0] / 1e6;
}

/* CPU seconds of thread `after_index` between the two readings. */
static double thread_delta(const mc__bench_node_report *rep, size_t after_index)
{
    pid_t tid = rep->after.tid[after_index];
    double after = rep->after.seconds[after_index];
    for (size_t i = 0; i < rep->before.threads; i++) {
        if (rep->before.tid[i] == tid) {
            return after - rep->before.seconds[i];
        }
    }
    return after; /* a thread started during the run */
}

static void report_cpu_line(const char *what, double seconds, double wall)
{
    printf("  %-34s %6.2f  (%3.0f%% of one CPU)\n", what, seconds, 100.0 * seconds / wall);
}

/* The node's threads in creation order: the loop (main thread), the writer
 * (started next, by mc__writer_start), then libuv's thread pool (started at
 * the first signature check). */
static void report_cpu(const mc__bench_node_report *rep)
{
    double wall = rep->load.seconds, node = 0.0, pool = 0.0;
    size_t pool_threads = 0;
    char what[64];
    printf("CPU time during the run, in CPU-s (%u CPUs x %.2f s = %.2f):\n", rep->cpus, wall,
           wall * rep->cpus);
    for (size_t i = 0; i < rep->after.threads; i++) {
        double d = thread_delta(rep, i);
        node += d;
        if (rep->after.tid[i] == rep->node_pid) {
            report_cpu_line("node loop (main thread)", d, wall);
        } else if (i == 1) {
            report_cpu_line("node writer (apply, commit, fsync)", d, wall);
        } else {
            pool += d;
            pool_threads++;
        }
    }
    snprintf(what, sizeof what, "node thread pool (%zu threads)", pool_threads);
    report_cpu_line(what, pool, wall);
    printf("    the signature checks alone: %zu / %.0f per s = %.2f\n", rep->load.count,
           rep->verify_one, (double)rep->load.count / rep->verify_one);
    snprintf(what, sizeof what, "mcbench client (%zu connections)", rep->load.connections);
    report_cpu_line(what, rep->self_cpu_seconds, wall);
    const mc__bench_machine *m0 = &rep->before.machine, *m1 = &rep->after.machine;
    double others = m1->busy_seconds - m0->busy_seconds - node - rep->self_cpu_seconds;
    double steal = m1->steal_seconds - m0->steal_seconds;
    others = others > 0.0 ? others : 0.0;
    report_cpu_line("other processes, kernel threads", others, wall);
    report_cpu_line("stolen by the hypervisor (steal)", steal, wall);
    report_cpu_line("idle (I/O wait included)", m1->idle_seconds - m0->idle_seconds, wall);
    if (others + steal > REPORT_OTHERS_MAX * wall * rep->cpus) {
        printf("  WARNING: %.0f%% of the CPU time went to other processes or machines: the\n"
               "  figures are low; run again on a quiet machine\n",
               100.0 * (others + steal) / (wall * rep->cpus));
    }
}

static void report_batches(const mc__bench_node_report *rep)
{
    const mc__bench_batches *b = &rep->batches;
    const mc__bench_usage *u0 = &rep->before, *u1 = &rep->after;
    if (u1->has_disk) {
        double written = (double)(u1->disk_sectors_written - u0->disk_sectors_written) * 512.0;
        printf("disk (all processes): %.1f MB written = %.1f KB per transfer, in %llu writes "
               "and %llu flushes; busy %.0f%% of the run\n",
               written / 1e6, written / 1e3 / (double)rep->load.count,
               (unsigned long long)(u1->disk_writes - u0->disk_writes),
               (unsigned long long)(u1->disk_flushes - u0->disk_flushes),
               (double)(u1->disk_busy_ms - u0->disk_busy_ms) / 10.0 / rep->load.seconds);
    }
    if (b->count == 0) {
        printf("writer: no batch in the node's log\n");
        return;
    }
    printf("writer: %zu batches of %.0f transfers on average (largest %zu); apply + commit "
           "(one fdatasync each): %.2f s in all, %.0f%% of the run; %zu syncs when idle: "
           "%.2f s\n",
           b->count, (double)b->transactions / (double)b->count, b->largest,
           (double)b->commit_ms / 1000.0, 100.0 * (double)b->commit_ms / 1000.0 / rep->load.seconds,
           b->idle_syncs, (double)b->idle_sync_ms / 1000.0);
}

static void report_headline(const mc__bench_node_config *cfg, const mc__bench_node_report *rep,
                            double rate, const uint64_t *lat, size_t n)
{
    double ratio = rate / rep->verify_all;
    printf("\n%s: %.0f transfers/s accepted = %.2f of the all-CPU verify rate (%.0f/s), "
           "goal %.1f: %s\n",
           cfg->address != NULL ? "The node at --address"
           : cfg->no_sync       ? "NOT DURABLE (--sync=none)"
                                : "Durable",
           rate, ratio, rep->verify_all, REPORT_GOAL, ratio >= REPORT_GOAL ? "met" : "NOT met");
    printf("latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu connections x depth %zu)\n",
           percentile_ms(lat, n, 50), percentile_ms(lat, n, 99), percentile_ms(lat, n, 100),
           cfg->connections, cfg->depth);
}

void mc__bench_report_run(const mc__bench_node_config *cfg, mc__bench_node_report *rep,
                          uint64_t *latency_ns)
{
    const mc__bench_load *load = &rep->load;
    size_t n = load->count;
    double rate = load->seconds > 0.0 ? (double)load->applied / load->seconds : 0.0;
    qsort(latency_ns, n, sizeof *latency_ns, cmp_u64);
    printf("\n%s\n", cfg->address != NULL
                         ? "THE NODE AT --address: durable unless it runs with --sync=none"
                     : cfg->no_sync ? "NOT DURABLE: the node ran with --sync=none (no fsync)"
                                    : "DURABLE: every answer followed the fsync of its batch");
    printf("  applied            %10zu of %zu (not applied: %zu)\n", load->applied, n,
           load->refused);
    if (load->refused > 0) {
        printf("  first refusal      %s\n", load->refusal);
    }
    printf("  elapsed            %10.2f s\n", load->seconds);
    printf("  transfers/s        %10.0f\n", rate);
    printf("  x all-CPU verify   %10.2f\n", rate / rep->verify_all);
    printf("  x 1-CPU verify     %10.2f\n", rate / rep->verify_one);
    printf("  latency ms         p50 %.1f  p99 %.1f  max %.1f\n", percentile_ms(latency_ns, n, 50),
           percentile_ms(latency_ns, n, 99), percentile_ms(latency_ns, n, 100));
    if (rep->node_pid > 0) {
        printf("\n");
        report_batches(rep);
        report_cpu(rep);
        printf("node stopped with SIGTERM: exit status %d; ledger check: %s (height %llu)\n",
               rep->stop_status, rep->check_rc == MC_ERR_OK ? "ok" : rep->check_why,
               (unsigned long long)rep->height);
    } else {
        printf("  (the node is not ours: no CPU or batch figures)\n");
        printf("  mcbench client CPU %.2f s\n", rep->self_cpu_seconds);
    }
    report_headline(cfg, rep, rate, latency_ns, n);
}
