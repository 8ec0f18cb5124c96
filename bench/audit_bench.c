/* `mcbench audit`: how fast `mcaudit verify` checks a long history, next to
 * the machine's Ed25519 verify rate on all CPUs (the goal: 0.8 or more of
 * it, signature checking being the one thing an auditor cannot skip).
 *
 * Off the clock it builds a ledger of K accounts and N transfers and exports
 * it (audit_history.c). Then it measures the verify rate of those very
 * transfers on one thread and on all CPUs, runs `mcaudit verify EXPORT
 * --threads T` as a child (audit_proc.c) timing the wall clock from fork to
 * exit and reading its peak resident memory and CPU time from wait4(), and
 * measures the verify rate again (a busy machine lowers a probe: the ratio
 * uses the best, the spread is printed). A verify that fails is the
 * benchmark's failure (exit 1). Doubles are for times and rates only. */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mc/crypto.h"
#include "mc/error.h"

#include "audit_bench.h"
#include "node_bench.h" /* mc__bench_machine_read */

#define AUDIT_TRANSFERS_DEFAULT 1000000u
#define AUDIT_TRANSFERS_MAX 10000000u /* about 10 GB of ledger, 2.5 GB of export */
#define AUDIT_ACCOUNTS_DEFAULT 1000u
#define AUDIT_ACCOUNTS_MIN 2u
#define AUDIT_ACCOUNTS_MAX 10000u /* each key is a guarded sodium_malloc area */
#define AUDIT_TIMEOUT_S_DEFAULT 3600u
#define AUDIT_TIMEOUT_S_MAX 86400u
#define AUDIT_GOAL 0.8         /* entries/s over the all-CPU verify rate */
#define AUDIT_OTHERS_MAX 0.05  /* share of the CPU time others may take unremarked */
#define AUDIT_PROBES 2         /* before and after the run */
#define AUDIT_BYTES_PER_MB 1e6 /* sizes in (decimal) megabytes */

typedef struct audit_probe {
    double one, all; /* mc_tx_verify per second: one thread, one per CPU */
    double others;   /* share of the machine's CPU time others took meanwhile */
} audit_probe;

static void audit_usage(FILE *f)
{
    fprintf(f,
            "usage: mcbench audit [--transfers N] [--accounts K] [--threads T] [--dir DIR]\n"
            "                     [--keep] [--mcaudit PATH] [--timeout-s S]\n"
            "\n"
            "Entries per second that `mcaudit verify` checks in an export of N transfers,\n"
            "next to this machine's Ed25519 verify rate on all CPUs, measured in the same\n"
            "run on the same transfers; and mcaudit's peak resident memory.\n"
            "\n"
            "  --transfers N   transfers in the history (default %u, max %u)\n"
            "  --accounts K    accounts they move between (default %u, %u..%u)\n"
            "  --threads T     mcaudit verify --threads (default: one per CPU, at most %u)\n"
            "  --dir DIR       where the temporary directory goes (default $TMPDIR or\n"
            "                  /var/tmp): the ledger, its export and mcaudit's scratch\n"
            "                  ledger, about 1.9 KB per transfer in all\n"
            "  --keep          keep that directory (its path is printed)\n"
            "  --mcaudit PATH  the mcaudit to run (default: ../audit/mcaudit beside mcbench)\n"
            "  --timeout-s S   kill mcaudit after S seconds (default %u)\n"
            "\n"
            "Exit status: 0 when mcaudit verified the export, 1 otherwise, 2 usage error.\n",
            AUDIT_TRANSFERS_DEFAULT, AUDIT_TRANSFERS_MAX, AUDIT_ACCOUNTS_DEFAULT,
            AUDIT_ACCOUNTS_MIN, AUDIT_ACCOUNTS_MAX, MC_BENCH_AUDIT_THREADS_MAX,
            AUDIT_TIMEOUT_S_DEFAULT);
}

static bool parse_audit_option(mc__bench_audit_config *cfg, int c, const char *arg)
{
    switch (c) {
    case 'n':
        return mc__bench_parse_size(arg, 1, AUDIT_TRANSFERS_MAX, &cfg->transfers);
    case 'k':
        return mc__bench_parse_size(arg, AUDIT_ACCOUNTS_MIN, AUDIT_ACCOUNTS_MAX, &cfg->accounts);
    case 'T':
        return mc__bench_parse_size(arg, 1, MC_BENCH_AUDIT_THREADS_MAX, &cfg->threads);
    case 'd':
        return snprintf(cfg->dir, sizeof cfg->dir, "%s", arg) < (int)sizeof cfg->dir;
    case 'K':
        cfg->keep = true;
        return true;
    case 'm':
        cfg->given = arg;
        return true;
    case 't':
        return mc__bench_parse_size(arg, 1, AUDIT_TIMEOUT_S_MAX, &cfg->timeout_s);
    default:
        return false;
    }
}

static void parse_audit_args(int argc, char **argv, mc__bench_audit_config *cfg)
{
    static const struct option options[] = {
        {"transfers", required_argument, NULL, 'n'},
        {"accounts", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 'T'},
        {"dir", required_argument, NULL, 'd'},
        {"keep", no_argument, NULL, 'K'},
        {"mcaudit", required_argument, NULL, 'm'},
        {"timeout-s", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(cfg, 0, sizeof *cfg);
    cfg->transfers = AUDIT_TRANSFERS_DEFAULT;
    cfg->accounts = AUDIT_ACCOUNTS_DEFAULT;
    unsigned cpus = mc__bench_cpu_count();
    cfg->threads = cpus < MC_BENCH_AUDIT_THREADS_MAX ? cpus : MC_BENCH_AUDIT_THREADS_MAX;
    cfg->timeout_s = AUDIT_TIMEOUT_S_DEFAULT;
    mc__bench_default_dir(cfg->dir, sizeof cfg->dir);
    int c, which = -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, &which)) != -1) {
        if (c == 'h') {
            audit_usage(stdout);
            exit(0);
        }
        if (c == '?' || !parse_audit_option(cfg, c, optarg)) {
            if (c != '?') {
                fprintf(stderr, "mcbench audit: invalid value for --%s: %s\n",
                        which >= 0 ? options[which].name : "?", optarg ? optarg : "");
            }
            audit_usage(stderr);
            exit(2);
        }
    }
    if (optind != argc) {
        fprintf(stderr, "mcbench audit: unexpected argument %s\n", argv[optind]);
        audit_usage(stderr);
        exit(2);
    }
}

static double self_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* The verify rates of the history's first transfers, one thread and all. */
static void probe(const mc__bench_history *h, unsigned cpus, audit_probe *out)
{
    mc__bench_machine m0, m1;
    mc__bench_machine_read(&m0);
    double self = self_cpu_seconds();
    out->one =
        mc__bench_verify_rate(h->probe_tx, h->probe_len, h->probe_count, 1, MC_BENCH_PROBE_SECONDS);
    out->all = mc__bench_verify_rate(h->probe_tx, h->probe_len, h->probe_count, cpus,
                                     MC_BENCH_PROBE_SECONDS);
    self = self_cpu_seconds() - self;
    mc__bench_machine_read(&m1);
    double taken = m1.busy_seconds - m0.busy_seconds + m1.steal_seconds - m0.steal_seconds;
    double total = taken + m1.idle_seconds - m0.idle_seconds;
    out->others = total > 0.0 && taken > self ? (taken - self) / total : 0.0;
}

static void print_probe(const audit_probe *p, unsigned cpus, const char *when)
{
    printf("  %s: 1 thread %8.0f /s; %u threads (all CPUs) %8.0f /s (x%.2f)", when, p->one, cpus,
           p->all, p->all / p->one);
    if (p->others > AUDIT_OTHERS_MAX) {
        printf(", others took %.0f%%", 100.0 * p->others);
    }
    printf("\n");
    fflush(stdout);
}

static void print_prepared(const mc__bench_history *h)
{
    printf("  off the clock: opened %zu accounts in %.1f s; signed (and verified) %zu transfers\n"
           "  in %.1f s on %u thread(s); applied them in %.1f s, batches of %u without sync,\n"
           "  a signed checkpoint each; exported %llu entries, %.1f MB (%.0f bytes each),\n"
           "  in %.1f s: setup %.1f s in all\n",
           h->accounts, h->opened_seconds, h->transfers, h->signed_seconds, h->threads,
           h->applied_seconds, MC_BENCH_AUDIT_BATCH, (unsigned long long)h->entries,
           (double)h->export_bytes / AUDIT_BYTES_PER_MB,
           (double)h->export_bytes / (double)h->entries, h->exported_seconds,
           h->opened_seconds + h->signed_seconds + h->applied_seconds + h->exported_seconds);
    fflush(stdout);
}

/* The verdict: mcaudit's exit and its own count of the entries. */
static bool verified(const mc__bench_verify_run *run, const mc__bench_history *h)
{
    if (run->status == 0 && run->reported_entries == h->entries) {
        return true;
    }
    fprintf(stderr, "---- mcaudit's output ----\n%s----\n", run->output);
    if (run->status < 0) {
        fprintf(stderr, "mcbench: mcaudit verify did not finish within the timeout\n");
    } else if (run->status != 0) {
        fprintf(stderr, "mcbench: mcaudit verify failed: exit status %d\n", run->status);
    } else {
        fprintf(stderr, "mcbench: mcaudit verify counted %llu entries, the export holds %llu\n",
                (unsigned long long)run->reported_entries, (unsigned long long)h->entries);
    }
    return false;
}

static void report_run(const mc__bench_audit_config *cfg, const mc__bench_history *h,
                       const mc__bench_verify_run *run, const audit_probe *probes)
{
    double best = probes[0].all > probes[1].all ? probes[0].all : probes[1].all;
    double worst = probes[0].all < probes[1].all ? probes[0].all : probes[1].all;
    double one = probes[0].one > probes[1].one ? probes[0].one : probes[1].one;
    double rate = (double)h->entries / run->wall_seconds;
    double cpu = run->user_seconds + run->system_seconds;
    printf("\nmcaudit verify --threads %zu: every signature, replay, checkpoint and invariant\n",
           cfg->threads);
    printf("  entries            %10llu\n", (unsigned long long)h->entries);
    printf("  elapsed            %10.2f s (fork to exit)\n", run->wall_seconds);
    printf("  entries/s          %10.0f\n", rate);
    printf("  x all-CPU verify   %10.2f (best probe, %.0f/s; %.2f of the lowest, %.0f/s)\n",
           rate / best, best, rate / worst, worst);
    printf("  x 1-CPU verify     %10.2f\n", rate / one);
    printf("  peak RSS           %10.1f MB (ru_maxrss: heap and the mapped ledger pages)\n",
           (double)run->peak_rss_bytes / AUDIT_BYTES_PER_MB);
    printf("  CPU                %10.1f s user + %.1f s system = %.2f CPUs on average%s",
           run->user_seconds, run->system_seconds, cpu / run->wall_seconds,
           run->others_share > AUDIT_OTHERS_MAX ? "" : "\n");
    if (run->others_share > AUDIT_OTHERS_MAX) {
        printf("; others took %.0f%% of the machine\n", 100.0 * run->others_share);
    }
    printf("\nmcaudit verify: %.0f entries/s = %.2f of the all-CPU verify rate (%.0f/s), "
           "goal %.1f: %s; peak RSS %.1f MB\n",
           rate, rate / best, best, AUDIT_GOAL, rate / best >= AUDIT_GOAL ? "met" : "NOT met",
           (double)run->peak_rss_bytes / AUDIT_BYTES_PER_MB);
}

static void print_header(const mc__bench_audit_config *cfg, const mc__bench_verify_run *run,
                         const char *root, unsigned cpus)
{
    printf("mcbench audit: %zu transfers among %zu accounts, mcaudit verify --threads %zu, "
           "%u CPU(s)\n",
           cfg->transfers, cfg->accounts, cfg->threads, cpus);
    printf("  mcaudit: %s\n", run->bin);
    printf("  directory: %s (%s)\n", root,
           cfg->keep ? "kept: --keep" : "removed at the end; --keep keeps it");
    fflush(stdout);
}

int mc__bench_main_audit(int argc, char **argv)
{
    mc__bench_audit_config cfg;
    parse_audit_args(argc, argv, &cfg);
    int rc = mc_crypto_init();
    if (rc != MC_ERR_OK) {
        mc__bench_die("initialising libsodium", rc);
    }
    static mc__bench_verify_run run; /* holds mcaudit's output: not on the stack */
    mc__bench_audit_find(cfg.given, &run);
    unsigned cpus = mc__bench_cpu_count();
    char root[MC_BENCH_PATH_MAX], ledger_dir[MC_BENCH_PATH_MAX + 16];
    char export_path[MC_BENCH_PATH_MAX + 16], log_path[MC_BENCH_PATH_MAX + 16];
    mc__bench_tmpdir_make(cfg.dir, root, sizeof root);
    if (cfg.keep) {
        mc__bench_tmpdir_keep(root);
    }
    snprintf(ledger_dir, sizeof ledger_dir, "%s/ledger", root);
    snprintf(export_path, sizeof export_path, "%s/history.mcx", root);
    snprintf(log_path, sizeof log_path, "%s/mcaudit.log", root);
    print_header(&cfg, &run, root, cpus);

    mc__bench_history h = {.ledger_dir = ledger_dir,
                           .export_path = export_path,
                           .transfers = cfg.transfers,
                           .accounts = cfg.accounts,
                           .threads = cpus};
    mc__bench_history_make(&h);
    print_prepared(&h);

    audit_probe probes[AUDIT_PROBES];
    printf("\nEd25519 verify of these transfers (mc_tx_verify), %.0f s each\n",
           MC_BENCH_PROBE_SECONDS);
    probe(&h, cpus, &probes[0]);
    print_probe(&probes[0], cpus, "before");
    mc__bench_audit_verify(export_path, cfg.threads, root, log_path, cfg.timeout_s, &run);
    bool ok = verified(&run, &h);
    if (ok) {
        probe(&h, cpus, &probes[1]);
        print_probe(&probes[1], cpus, "after ");
        report_run(&cfg, &h, &run, probes);
    }
    mc__bench_history_free(&h);
    if (!cfg.keep) {
        mc__bench_tmpdir_remove(root);
    } else {
        printf("kept %s: the ledger (ledger/), the export (history.mcx), mcaudit.log\n", root);
    }
    return ok ? 0 : 1;
}
