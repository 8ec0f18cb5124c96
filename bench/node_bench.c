/* `mcbench node`: how many transfers per second a running mcnode accepts
 * durably, next to the machine's Ed25519 verify rate on all cores (the
 * ceiling when signature checking is the only bottleneck).
 *
 * It starts its own mcnode (`mcnode init` + `mcnode run` in a temporary
 * directory, stopped with SIGTERM at the end) or uses one at --address.
 * Off the clock it opens K accounts (signed by the steward, limits wide
 * enough that no transfer meets them; pipelined), pre-signs N transfers
 * between random pairs on every CPU, and measures the verify rate of those
 * very transfers (mc_tx_verify) on one thread and on all. Then C threads,
 * each with its own connection, send an even share with up to D
 * outstanding; the clock runs from the first send to the last answer, and
 * each transfer's latency from its send to its answer. Every answer comes
 * after the node's fsync of its batch unless --sync=none. The node's CPU
 * time per thread (/proc) and its writer's batches (its debug log) show
 * where the time went (printed by node_report.c). */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mc/client.h"
#include "mc/error.h"
#include "mc/tx.h"
#include "node_bench.h"

#define NODE_TRANSFERS_DEFAULT 100000u
#define NODE_TRANSFERS_MAX 2000000u
#define NODE_ACCOUNTS_DEFAULT 1000u
#define NODE_ACCOUNTS_MIN 2u
#define NODE_ACCOUNTS_MAX 10000u /* each key is a guarded sodium_malloc area */
#define NODE_CONNECTIONS_DEFAULT 4u
#define NODE_DEPTH_DEFAULT 256u
#define NODE_DEPTH_MAX 16384u
#define NODE_TIMEOUT_MS_DEFAULT 60000u
#define NODE_TIMEOUT_MS_MAX 3600000u
#define NODE_IN_FLIGHT_DEFAULT 256u          /* mcnode run's --max-in-flight default */
#define NODE_QUEUE_DEFAULT 16384u            /* mcnode run's --max-queue default */
#define NODE_AMOUNT_MAX 10000                /* minor units per transfer */
#define NODE_LIMIT INT64_C(1000000000000000) /* +-1e15 minor units: never reached */
#define NODE_NUMBER_TEXT 48u

typedef struct node_data {
    mc_keypair *steward;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    char handle_prefix[16]; /* random: handles stay new on a node used before */
    mc_keypair **keys;      /* [accounts] */
    uint8_t **tx;           /* [transfers] SignedTx bytes */
    size_t *tx_len;
    uint64_t *latency_ns; /* [transfers] */
    char args_text[3][NODE_NUMBER_TEXT];
} node_data;

static void node_usage(FILE *f)
{
    fprintf(f,
            "usage: mcbench node [--transfers N] [--accounts K] [--connections C] [--depth D]\n"
            "                    [--sync=none] [--verify-threads T] [--node-arg ARG]...\n"
            "                    [--node-bin PATH] [--dir DIR] [--timeout-ms MS]\n"
            "       mcbench node --address HOST:PORT --steward-seed HEX [--transfers N] ...\n"
            "\n"
            "Transfers per second that mcnode accepts durably (answered after the fsync\n"
            "of their batch), with latency p50/p99/max, next to this machine's Ed25519\n"
            "verify rate on all CPUs, measured in the same run on the same transfers.\n"
            "\n"
            "  --transfers N       pre-signed transfers to send (default %u, max %u)\n"
            "  --accounts K        accounts they move between (default %u, %u..%u)\n"
            "  --connections C     client threads, one connection each (default %u, 1..%u)\n"
            "  --depth D           submissions outstanding per connection (default %u,\n"
            "                      1..%u)\n"
            "  --sync=none         run the node without fsync: NOT DURABLE, for comparison\n"
            "  --verify-threads T  the node's signature-checking threads (default: its own\n"
            "                      default, one per CPU)\n"
            "  --node-arg ARG      one more argument for `mcnode run` (repeatable), e.g.\n"
            "                      --node-arg=--batch-max=256\n"
            "  --node-bin PATH     the mcnode to start (default: ../node/mcnode next to\n"
            "                      mcbench, else mcnode on PATH)\n"
            "  --dir DIR           where the node's temporary data directory goes (default\n"
            "                      $TMPDIR or /var/tmp; on a tmpfs fsync costs nothing)\n"
            "  --timeout-ms MS     longest wait for one answer (default %u)\n"
            "  --address HOST:PORT use the node running there instead of starting one;\n"
            "                      --sync, --verify-threads and --node-arg do not apply\n"
            "  --steward-seed HEX  with --address: the 32-byte seed (64 hex digits) of a\n"
            "                      steward of its ledger (quorum 1), to open the accounts\n"
            "\n"
            "Exit status: 0 when every transfer was applied, 1 otherwise, 2 usage error.\n",
            NODE_TRANSFERS_DEFAULT, NODE_TRANSFERS_MAX, NODE_ACCOUNTS_DEFAULT, NODE_ACCOUNTS_MIN,
            NODE_ACCOUNTS_MAX, NODE_CONNECTIONS_DEFAULT, MC_BENCH_THREADS_MAX, NODE_DEPTH_DEFAULT,
            NODE_DEPTH_MAX, NODE_TIMEOUT_MS_DEFAULT);
}

static void node_config_defaults(mc__bench_node_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->transfers = NODE_TRANSFERS_DEFAULT;
    cfg->accounts = NODE_ACCOUNTS_DEFAULT;
    cfg->connections = NODE_CONNECTIONS_DEFAULT;
    cfg->depth = NODE_DEPTH_DEFAULT;
    cfg->timeout_ms = NODE_TIMEOUT_MS_DEFAULT;
    mc__bench_default_dir(cfg->dir, sizeof cfg->dir);
}

static bool parse_node_option(mc__bench_node_config *cfg, int c, const char *arg)
{
    size_t timeout = 0;
    switch (c) {
    case 'n':
        return mc__bench_parse_size(arg, 1, NODE_TRANSFERS_MAX, &cfg->transfers);
    case 'k':
        return mc__bench_parse_size(arg, NODE_ACCOUNTS_MIN, NODE_ACCOUNTS_MAX, &cfg->accounts);
    case 'c':
        return mc__bench_parse_size(arg, 1, MC_BENCH_THREADS_MAX, &cfg->connections);
    case 'D':
        return mc__bench_parse_size(arg, 1, NODE_DEPTH_MAX, &cfg->depth);
    case 's':
        cfg->no_sync = arg != NULL && strcmp(arg, "none") == 0;
        return arg == NULL || cfg->no_sync || strcmp(arg, "durable") == 0;
    case 'T':
        return mc__bench_parse_size(arg, 1, MC_BENCH_THREADS_MAX, &cfg->verify_threads);
    case 'A':
        if (cfg->node_arg_count == MC_BENCH_NODE_ARGS_MAX - 4) {
            return false; /* room for the bench's own */
        }
        cfg->node_args[cfg->node_arg_count++] = arg;
        return true;
    case 'b':
        cfg->node_bin = arg;
        return true;
    case 'd':
        return snprintf(cfg->dir, sizeof cfg->dir, "%s", arg) < (int)sizeof cfg->dir;
    case 't':
        if (!mc__bench_parse_size(arg, 1, NODE_TIMEOUT_MS_MAX, &timeout)) {
            return false;
        }
        cfg->timeout_ms = (int)timeout;
        return true;
    case 'a':
        cfg->address = arg;
        return strlen(arg) < MC_BENCH_ADDRESS_MAX;
    case 'S':
        cfg->steward_seed = arg;
        return true;
    default:
        return false;
    }
}

static void parse_node_args(int argc, char **argv, mc__bench_node_config *cfg)
{
    static const struct option options[] = {
        {"transfers", required_argument, NULL, 'n'},
        {"accounts", required_argument, NULL, 'k'},
        {"connections", required_argument, NULL, 'c'},
        {"depth", required_argument, NULL, 'D'},
        {"sync", optional_argument, NULL, 's'},
        {"verify-threads", required_argument, NULL, 'T'},
        {"node-arg", required_argument, NULL, 'A'},
        {"node-bin", required_argument, NULL, 'b'},
        {"dir", required_argument, NULL, 'd'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"address", required_argument, NULL, 'a'},
        {"steward-seed", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    node_config_defaults(cfg);
    int c, which = -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, &which)) != -1) {
        if (c == 'h') {
            node_usage(stdout);
            exit(0);
        }
        if (c == '?' || !parse_node_option(cfg, c, optarg)) {
            if (c != '?') {
                fprintf(stderr, "mcbench node: invalid value for --%s: %s\n",
                        which >= 0 ? options[which].name : "?", optarg ? optarg : "");
            }
            node_usage(stderr);
            exit(2);
        }
    }
    if (optind != argc || (cfg->address != NULL) != (cfg->steward_seed != NULL)) {
        fprintf(stderr, "mcbench node: %s\n",
                optind != argc ? "unexpected argument"
                               : "--address and --steward-seed go together");
        node_usage(stderr);
        exit(2);
    }
}

/* The steward's key: made here for our own node, from the seed otherwise. */
static void steward_key(const mc__bench_node_config *cfg, node_data *data)
{
    int rc = MC_ERR_OK;
    if (cfg->steward_seed == NULL) {
        rc = mc_keypair_generate(&data->steward);
    } else {
        uint8_t seed[MC_SECRET_SEED_BYTES];
        rc = mc_hex_decode(cfg->steward_seed, seed, sizeof seed);
        if (rc == MC_ERR_OK) {
            rc = mc_keypair_from_seed(seed, &data->steward);
        }
        mc_memzero(seed, sizeof seed);
    }
    if (rc != MC_ERR_OK) {
        mc__bench_die("the steward's key (--steward-seed: 64 hex digits)", rc);
    }
    uint8_t salt[4];
    if (mc_random_bytes(salt, sizeof salt) != MC_ERR_OK) {
        mc__bench_die("random bytes", MC_ERR_NO_MEMORY);
    }
    snprintf(data->handle_prefix, sizeof data->handle_prefix, "b%02x%02x%02x%02x", salt[0], salt[1],
             salt[2], salt[3]);
}

/* The ledger id of the node at `address`. */
static void fetch_ledger_id(const mc__bench_node_config *cfg, node_data *data)
{
    mc_client *c = NULL;
    mc_client_options opts;
    mc_client_options_default(&opts);
    opts.timeout_ms = cfg->timeout_ms;
    int rc = mc_client_connect(cfg->address, &opts, &c);
    mc_client_info info;
    if (rc == MC_ERR_OK) {
        rc = mc_client_info_get(c, &info);
    }
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcbench: %s: %s\n", cfg->address, mc_client_error_message(c));
        mc_client_close(c);
        mc__bench_die("asking the node for its ledger", rc);
    }
    memcpy(data->ledger_id, info.ledger.ledger_id, MC_LEDGER_ID_BYTES);
    mc_client_close(c);
}

/* Start our own node: init, then run with room for the load's depth. */
static void start_node(const mc__bench_node_config *cfg, node_data *data, mc__bench_node *node)
{
    const char *args[MC_BENCH_NODE_ARGS_MAX + 1];
    size_t a = 0;
    size_t queue = cfg->connections * cfg->depth;
    mc__bench_node_find(cfg->node_bin, node);
    mc__bench_node_init(node, cfg->dir, mc_keypair_public(data->steward), data->ledger_id);
    if (cfg->no_sync) {
        args[a++] = "--sync=none";
    }
    snprintf(data->args_text[0], NODE_NUMBER_TEXT, "--max-in-flight=%zu",
             cfg->depth > NODE_IN_FLIGHT_DEFAULT ? cfg->depth : NODE_IN_FLIGHT_DEFAULT);
    snprintf(data->args_text[1], NODE_NUMBER_TEXT, "--max-queue=%zu",
             queue > NODE_QUEUE_DEFAULT ? queue : NODE_QUEUE_DEFAULT);
    args[a++] = data->args_text[0];
    args[a++] = data->args_text[1];
    if (cfg->verify_threads > 0) {
        snprintf(data->args_text[2], NODE_NUMBER_TEXT, "--verify-threads=%zu", cfg->verify_threads);
        args[a++] = data->args_text[2];
    }
    for (size_t i = 0; i < cfg->node_arg_count; i++) {
        args[a++] = cfg->node_args[i];
    }
    args[a] = NULL;
    mc__bench_node_start(node, args);
}

static uint8_t *sign_body(const mc_body *body, const mc_keypair *signer, size_t *len)
{
    uint8_t *body_bytes = NULL, *bytes = NULL;
    size_t body_len = 0;
    int rc = mc_body_encode(body, &body_bytes, &body_len);
    if (rc == MC_ERR_OK) {
        rc = mc_tx_sign(body_bytes, body_len, &signer, 1, &bytes, len);
    }
    free(body_bytes);
    if (rc != MC_ERR_OK) {
        mc__bench_die("signing a transaction", rc);
    }
    return bytes;
}

static mc_body new_body(const node_data *data, mc_tx_kind kind, uint64_t nonce)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, data->ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = nonce;
    b.kind = kind;
    return b;
}

static void free_signed(uint8_t **txs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(txs[i]);
    }
    free(txs);
}

/* Keys for the accounts and their openings (steward-signed, wide limits),
 * sent pipelined on one connection; every one must be applied. */
static void open_accounts(const mc__bench_node_config *cfg, node_data *data, const char *address)
{
    size_t k = cfg->accounts;
    uint8_t **txs = mc__bench_xcalloc(k, sizeof *txs);
    size_t *lens = mc__bench_xcalloc(k, sizeof *lens);
    data->keys = mc__bench_xcalloc(k, sizeof *data->keys);
    for (size_t i = 0; i < k; i++) {
        int rc = mc_keypair_generate(&data->keys[i]);
        if (rc != MC_ERR_OK) {
            mc__bench_die("generating a key", rc);
        }
        char handle[64]; /* "bXXXXXXXX-I": 15 bytes at most */
        snprintf(handle, sizeof handle, "%s-%zu", data->handle_prefix, i);
        mc_body b = new_body(data, MC_TX_OPEN_ACCOUNT, i + 1);
        memcpy(b.u.open_account.public_key, mc_keypair_public(data->keys[i]), MC_PUBLIC_KEY_BYTES);
        b.u.open_account.handle = handle;
        b.u.open_account.kind = MC_KIND_MEMBER;
        b.u.open_account.has_limits = true;
        b.u.open_account.limits = (mc_limits){-NODE_LIMIT, NODE_LIMIT};
        txs[i] = sign_body(&b, data->steward, &lens[i]);
    }
    mc__bench_load load = {.address = address,
                           .txs = txs,
                           .lens = lens,
                           .count = k,
                           .connections = 1,
                           .depth = cfg->depth,
                           .timeout_ms = cfg->timeout_ms};
    int rc = mc__bench_load_run(&load);
    if (rc != MC_ERR_OK) {
        mc__bench_die("opening the accounts", rc);
    }
    if (load.refused > 0) {
        fprintf(stderr, "mcbench: %zu of %zu account openings refused, first: %s\n", load.refused,
                k, load.refusal);
        exit(1);
    }
    free_signed(txs, k);
    free(lens);
}

typedef struct sign_job {
    pthread_t thread;
    const mc__bench_node_config *cfg;
    node_data *data;
    size_t first, end;
} sign_job;

/* Transfer i: a payer and another payee drawn from a sequence seeded by i
 * (the same set whatever the number of threads), 1..NODE_AMOUNT_MAX units. */
static void *sign_main(void *arg)
{
    sign_job *job = arg;
    node_data *data = job->data;
    size_t k = job->cfg->accounts;
    for (size_t i = job->first; i < job->end; i++) {
        uint64_t rng = i + 1;
        size_t payer = (size_t)(mc__bench_rng_next(&rng) % k);
        size_t payee = (size_t)(mc__bench_rng_next(&rng) % (k - 1));
        payee += payee >= payer; /* any account but the payer */
        mc_body b = new_body(data, MC_TX_TRANSFER, k + 1 + i);
        memcpy(b.u.transfer.payer, mc_keypair_public(data->keys[payer]), MC_PUBLIC_KEY_BYTES);
        memcpy(b.u.transfer.payee, mc_keypair_public(data->keys[payee]), MC_PUBLIC_KEY_BYTES);
        b.u.transfer.amount = 1 + (int64_t)(mc__bench_rng_next(&rng) % NODE_AMOUNT_MAX);
        data->tx[i] = sign_body(&b, data->keys[payer], &data->tx_len[i]);
    }
    return NULL;
}

/* Pre-sign the transfers on every CPU. */
static void sign_transfers(const mc__bench_node_config *cfg, node_data *data, unsigned threads)
{
    size_t n = cfg->transfers;
    data->tx = mc__bench_xcalloc(n, sizeof *data->tx);
    data->tx_len = mc__bench_xcalloc(n, sizeof *data->tx_len);
    data->latency_ns = mc__bench_xcalloc(n, sizeof *data->latency_ns);
    sign_job *jobs = mc__bench_xcalloc(threads, sizeof *jobs);
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (sign_job){
            .cfg = cfg, .data = data, .first = n * t / threads, .end = n * (t + 1) / threads};
        if (pthread_create(&jobs[t].thread, NULL, sign_main, &jobs[t]) != 0) {
            mc__bench_die("starting a signing thread", MC_ERR_NO_MEMORY);
        }
    }
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(jobs[t].thread, NULL);
    }
    free(jobs);
}

static double self_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* The timed run, with what the node's threads, mcbench and the machine
 * used around it. */
static int measure(const mc__bench_node_config *cfg, node_data *data, const mc__bench_node *node,
                   const char *address, mc__bench_node_report *rep)
{
    mc__bench_load *load = &rep->load;
    *load = (mc__bench_load){.address = address,
                             .txs = data->tx,
                             .lens = data->tx_len,
                             .count = cfg->transfers,
                             .connections = cfg->connections,
                             .depth = cfg->depth,
                             .timeout_ms = cfg->timeout_ms,
                             .latency_ns = data->latency_ns};
    pid_t pid = node->pid > 0 ? node->pid : getpid(); /* not ours: the machine figures only */
    rep->log_offset = node->pid > 0 ? mc__bench_log_size(node) : 0;
    const char *dir = node->pid > 0 ? node->data_dir : NULL;
    mc__bench_usage_read(pid, dir, &rep->before);
    double self = self_cpu_seconds();
    int rc = mc__bench_load_run(load);
    rep->self_cpu_seconds = self_cpu_seconds() - self;
    mc__bench_usage_read(pid, dir, &rep->after);
    return rc;
}

/* Verify rates of one thread and of all CPUs, on these very transfers. */
static void probe(const mc__bench_node_config *cfg, const node_data *data,
                  mc__bench_node_report *rep, int which)
{
    mc__bench_machine m0, m1;
    mc__bench_machine_read(&m0);
    double self = self_cpu_seconds();
    double one =
        mc__bench_verify_rate(data->tx, data->tx_len, cfg->transfers, 1, MC_BENCH_PROBE_SECONDS);
    double all = mc__bench_verify_rate(data->tx, data->tx_len, cfg->transfers, rep->cpus,
                                       MC_BENCH_PROBE_SECONDS);
    self = self_cpu_seconds() - self;
    mc__bench_machine_read(&m1);
    double taken = m1.busy_seconds - m0.busy_seconds + m1.steal_seconds - m0.steal_seconds;
    double total = taken + m1.idle_seconds - m0.idle_seconds;
    rep->probe_others[which] = total > 0.0 && taken > self ? (taken - self) / total : 0.0;
    rep->probe_one[which] = one;
    rep->probe_all[which] = all;
    rep->verify_one = one > rep->verify_one ? one : rep->verify_one;
    rep->verify_all = all > rep->verify_all ? all : rep->verify_all;
    mc__bench_report_probe(rep, which);
}

static void release(const mc__bench_node_config *cfg, node_data *data)
{
    for (size_t i = 0; data->keys != NULL && i < cfg->accounts; i++) {
        mc_keypair_free(data->keys[i]);
    }
    free(data->keys);
    if (data->tx != NULL) {
        free_signed(data->tx, cfg->transfers);
    }
    free(data->tx_len);
    free(data->latency_ns);
    mc_keypair_free(data->steward);
}

/* Everything before the clock: the node, the accounts, the signed
 * transfers and the verify rates. */
static const char *prepare(const mc__bench_node_config *cfg, node_data *data, mc__bench_node *node,
                           mc__bench_node_report *rep)
{
    double t0 = mc__bench_now_seconds();
    steward_key(cfg, data);
    const char *address = cfg->address;
    if (address == NULL) {
        start_node(cfg, data, node);
        address = node->address;
    } else {
        fetch_ledger_id(cfg, data);
    }
    mc__bench_report_node(cfg, node, address, mc__bench_now_seconds() - t0);
    t0 = mc__bench_now_seconds();
    open_accounts(cfg, data, address);
    double opened = mc__bench_now_seconds() - t0;
    t0 = mc__bench_now_seconds();
    sign_transfers(cfg, data, rep->cpus);
    mc__bench_report_prepared(cfg, opened, mc__bench_now_seconds() - t0, rep->cpus);
    rep->message_bytes = mc__bench_report_message_bytes(data->tx[0], data->tx_len[0]);
    probe(cfg, data, rep, 0);
    return address;
}

int mc__bench_main_node(int argc, char **argv)
{
    mc__bench_node_config cfg;
    parse_node_args(argc, argv, &cfg);
    int rc = mc_crypto_init();
    if (rc != MC_ERR_OK) {
        mc__bench_die("initialising libsodium", rc);
    }
    mc__bench_node_report rep;
    memset(&rep, 0, sizeof rep);
    rep.cpus = mc__bench_cpu_count();
    mc__bench_report_header(&cfg, rep.cpus);
    node_data data;
    memset(&data, 0, sizeof data);
    mc__bench_node node;
    memset(&node, 0, sizeof node);
    const char *address = prepare(&cfg, &data, &node, &rep);

    rc = measure(&cfg, &data, &node, address, &rep);
    if (node.pid > 0) {
        rep.node_pid = node.pid;
        rep.stop_status = mc__bench_node_stop(&node);
        mc__bench_log_batches(&node, rep.log_offset, &rep.batches);
        mc__bench_report_check(&node, &rep);
    }
    if (rc != MC_ERR_OK) {
        mc__bench_die("sending the transfers", rc);
    }
    probe(&cfg, &data, &rep, 1); /* the best of two: a busy machine lowers a probe */
    mc__bench_report_run(&cfg, &rep, data.latency_ns);
    release(&cfg, &data);
    return rep.load.refused > 0 || rep.check_rc != MC_ERR_OK ? 1 : 0;
}
