/* mcbench: how fast the ledger applies transfers, next to the machine's
 * physical limits. `mcbench node ...` benchmarks a running mcnode instead
 * (node_bench.c), `mcbench audit ...` the offline auditor on a long history
 * (audit_bench.c); `mcbench [core] ...`, this file, the core ledger alone.
 *
 * It pre-signs N transfers among K accounts (random pairs, amounts far inside
 * wide limits so that every one is applied), then, for each batch size, on a
 * fresh ledger in a temporary directory, applies them through
 * mc_ledger_apply_batch() and reports transfers per second:
 *   - verify on:  mc_tx_decode + mc_tx_verify of each transaction inside the
 *                 timed loop (what a single-threaded node does);
 *   - verify off: decoding and verification done before the timer (the
 *                 ledger alone: the node verifies on a thread pool).
 * In the same run it measures the raw Ed25519 verify rate (mc_verify_raw over
 * a 100-byte message) and the raw LMDB commit rate (one small put per commit)
 * and prints every figure as a ratio to those. By default every run is made
 * durable (fsync on each commit, the headline) and again without sync,
 * labelled as such. Everything runs on one thread; doubles are used for
 * times and rates only, never for amounts. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "mc/crypto.h"
#include "mc/error.h"
#include "mc/ledger.h"
#include "mc/tx.h"
#include "mc/types.h"

#include "audit_bench.h"
#include "bench.h"
#include "node_bench.h"

#define BENCH_TRANSFERS_DEFAULT 20000u
#define BENCH_TRANSFERS_MAX 1000000u
#define BENCH_ACCOUNTS_DEFAULT 1000u
#define BENCH_ACCOUNTS_MIN 2u
#define BENCH_ACCOUNTS_MAX 100000u
#define BENCH_BATCH_SIZES_MAX 16u
#define BENCH_SECONDS_DEFAULT 2.0 /* cap on each measured run */
#define BENCH_SECONDS_MAX 3600.0
#define BENCH_PROBE_SECONDS 1.0 /* each raw probe */
#define BENCH_PATH_MAX MC_BENCH_PATH_MAX
#define BENCH_MESSAGE_BYTES 100u
#define BENCH_AMOUNT_MAX 10000                /* minor units per transfer */
#define BENCH_LIMIT INT64_C(1000000000000000) /* +-1e15 minor units: never reached */

typedef struct bench_config {
    size_t transfers;
    size_t accounts;
    size_t batches[BENCH_BATCH_SIZES_MAX];
    size_t batch_count;
    bool durable; /* run with fsync */
    bool no_sync; /* run without */
    double seconds;
    char dir[BENCH_PATH_MAX]; /* parent of the temporary directories */
} bench_config;

/* Everything prepared before any timer starts. */
typedef struct bench_data {
    mc_keypair *steward;
    uint8_t steward_key[1][MC_PUBLIC_KEY_BYTES];
    uint8_t node_key[MC_PUBLIC_KEY_BYTES];
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    mc_keypair **keys;                 /* [accounts] */
    char template_dir[BENCH_PATH_MAX]; /* the ledger every run starts from a copy of */
    uint8_t **signed_tx;               /* [transfers] SignedTx bytes */
    size_t *signed_len;                /* [transfers] */
    mc_tx **verified;                  /* [transfers] decoded and verified */
    mc_result *results;                /* [MC_BATCH_MAX] */
    mc_tx **batch;                     /* [MC_BATCH_MAX] */
} bench_data;

typedef struct bench_run {
    size_t batch;
    bool verify;
    bool durable;
    size_t done;
    double seconds;
    double rate;
} bench_run;

typedef struct bench_probes {
    double verify_rate;
    double commit_rate_durable;
    double commit_rate_no_sync;
} bench_probes;

static const int64_t bench_now = 1700000000; /* the genesis time; "now" of every batch */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mcbench [core] [--transfers N] [--accounts K] [--batch B[,B...]]\n"
            "               [--sync[=MODE]] [--seconds S] [--dir DIR]\n"
            "       mcbench node [OPTIONS]   a running mcnode instead: mcbench node --help\n"
            "       mcbench audit [OPTIONS]  mcaudit verify on a history: mcbench audit --help\n"
            "\n"
            "The core ledger alone (mc_ledger_apply_batch) at several batch sizes:\n"
            "  --transfers N   pre-signed transfers to apply (default %u, max %u)\n"
            "  --accounts K    accounts they move between (default %u, %u..%u)\n"
            "  --batch LIST    batch sizes, each 1..%u (default 1,16,128,1024)\n"
            "  --sync[=MODE]   durable: fsync every commit (--sync alone); none: no fsync,\n"
            "                  NOT durable, for comparison only; both (default)\n"
            "  --seconds S     stop each measured run after S seconds (default %.0f)\n"
            "  --dir DIR       where the temporary ledgers go (default $TMPDIR or /var/tmp)\n",
            BENCH_TRANSFERS_DEFAULT, BENCH_TRANSFERS_MAX, BENCH_ACCOUNTS_DEFAULT,
            BENCH_ACCOUNTS_MIN, BENCH_ACCOUNTS_MAX, MC_BATCH_MAX, BENCH_SECONDS_DEFAULT);
}

static bool parse_batches(const char *text, bench_config *cfg)
{
    char copy[256];
    if (snprintf(copy, sizeof copy, "%s", text) >= (int)sizeof copy) {
        return false;
    }
    cfg->batch_count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        if (cfg->batch_count == BENCH_BATCH_SIZES_MAX ||
            !mc__bench_parse_size(tok, 1, MC_BATCH_MAX, &cfg->batches[cfg->batch_count])) {
            return false;
        }
        cfg->batch_count++;
    }
    return cfg->batch_count > 0;
}

static bool parse_sync(const char *mode, bench_config *cfg)
{
    if (mode == NULL || strcmp(mode, "durable") == 0) {
        cfg->durable = true;
        cfg->no_sync = false;
    } else if (strcmp(mode, "none") == 0) {
        cfg->durable = false;
        cfg->no_sync = true;
    } else if (strcmp(mode, "both") == 0) {
        cfg->durable = true;
        cfg->no_sync = true;
    } else {
        return false;
    }
    return true;
}

static bool parse_seconds(const char *text, double *out)
{
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v > 0.0) || v > BENCH_SECONDS_MAX) {
        return false;
    }
    *out = v;
    return true;
}

static void config_defaults(bench_config *cfg)
{
    static const size_t batches[] = {1, 16, 128, 1024};
    memset(cfg, 0, sizeof *cfg);
    cfg->transfers = BENCH_TRANSFERS_DEFAULT;
    cfg->accounts = BENCH_ACCOUNTS_DEFAULT;
    memcpy(cfg->batches, batches, sizeof batches);
    cfg->batch_count = sizeof batches / sizeof batches[0];
    cfg->durable = true;
    cfg->no_sync = true;
    cfg->seconds = BENCH_SECONDS_DEFAULT;
    mc__bench_default_dir(cfg->dir, sizeof cfg->dir);
}

static void parse_args(int argc, char **argv, bench_config *cfg)
{
    static const struct option options[] = {
        {"transfers", required_argument, NULL, 'n'},
        {"accounts", required_argument, NULL, 'k'},
        {"batch", required_argument, NULL, 'b'},
        {"sync", optional_argument, NULL, 's'},
        {"seconds", required_argument, NULL, 't'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    config_defaults(cfg);
    int c;
    while ((c = getopt_long(argc, argv, "n:k:b:t:d:h", options, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'n':
            ok = mc__bench_parse_size(optarg, 1, BENCH_TRANSFERS_MAX, &cfg->transfers);
            break;
        case 'k':
            ok = mc__bench_parse_size(optarg, BENCH_ACCOUNTS_MIN, BENCH_ACCOUNTS_MAX,
                                      &cfg->accounts);
            break;
        case 'b':
            ok = parse_batches(optarg, cfg);
            break;
        case 's':
            ok = parse_sync(optarg, cfg);
            break;
        case 't':
            ok = parse_seconds(optarg, &cfg->seconds);
            break;
        case 'd':
            ok = snprintf(cfg->dir, sizeof cfg->dir, "%s", optarg) < (int)sizeof cfg->dir;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            ok = false;
            break;
        }
        if (!ok) {
            if (c != '?') {
                fprintf(stderr, "mcbench: invalid value for option -%c: %s\n", c, optarg);
            }
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc) {
        usage(stderr);
        exit(2);
    }
}

static void genesis_params(bench_data *data, mc_genesis_params *p)
{
    mc_genesis_params_default(p);
    p->community = "mcbench";
    p->unit_name = "unit";
    p->unit_symbol = "u";
    p->decimals = 2;
    p->stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])data->steward_key;
    p->steward_count = 1;
    p->quorum = 1;
    memcpy(p->node_public_key, data->node_key, MC_PUBLIC_KEY_BYTES);
    p->created_at = bench_now;
}

/* A new ledger in `dir`; its id goes into data->ledger_id. */
static mc_ledger *create_ledger(bench_data *data, const char *dir)
{
    mc_genesis_params p;
    genesis_params(data, &p);
    mc_ledger_options opts = {.no_sync = true, .map_size_bytes = 0, .map_size_max = 0};
    mc_ledger *ledger = NULL;
    int rc = mc_ledger_create(dir, &p, &opts, &ledger);
    if (rc != MC_ERR_OK) {
        mc__bench_die("creating a ledger", rc);
    }
    mc_ledger_info info;
    rc = mc_ledger_get_info(ledger, &info);
    if (rc != MC_ERR_OK) {
        mc__bench_die("reading the ledger's info", rc);
    }
    memcpy(data->ledger_id, info.ledger_id, MC_LEDGER_ID_BYTES);
    return ledger;
}

static mc_body new_body(const bench_data *data, mc_tx_kind kind, uint64_t nonce)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, data->ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = nonce;
    b.kind = kind;
    return b;
}

static void apply_or_die(mc_ledger *ledger, mc_tx *const *txs, size_t n, mc_result *results,
                         const char *what);

/* Keys for the accounts, and their openings (signed by the steward, wide
 * limits) applied to the template ledger. */
static void prepare_accounts(const bench_config *cfg, bench_data *data, mc_ledger *ledger)
{
    data->keys = mc__bench_xcalloc(cfg->accounts, sizeof *data->keys);
    size_t pending = 0;
    for (size_t i = 0; i < cfg->accounts; i++) {
        int rc = mc_keypair_generate(&data->keys[i]);
        if (rc != MC_ERR_OK) {
            mc__bench_die("generating a key", rc);
        }
        char handle[MC_HANDLE_LEN_MAX + 1];
        snprintf(handle, sizeof handle, "acct%zu", i);
        mc_body b = new_body(data, MC_TX_OPEN_ACCOUNT, i + 1);
        memcpy(b.u.open_account.public_key, mc_keypair_public(data->keys[i]), MC_PUBLIC_KEY_BYTES);
        b.u.open_account.handle = handle;
        b.u.open_account.kind = MC_KIND_MEMBER;
        b.u.open_account.has_limits = true;
        b.u.open_account.limits.min_balance = -BENCH_LIMIT;
        b.u.open_account.limits.max_balance = BENCH_LIMIT;
        data->batch[pending++] = mc__bench_sign_decode(&b, data->steward, NULL, NULL);
        if (pending == MC_BATCH_MAX || i + 1 == cfg->accounts) {
            apply_or_die(ledger, data->batch, pending, data->results, "opening accounts");
            for (size_t j = 0; j < pending; j++) {
                mc_tx_free(data->batch[j]);
            }
            pending = 0;
        }
    }
}

static void prepare_transfers(const bench_config *cfg, bench_data *data)
{
    uint64_t rng = 42;
    data->signed_tx = mc__bench_xcalloc(cfg->transfers, sizeof *data->signed_tx);
    data->signed_len = mc__bench_xcalloc(cfg->transfers, sizeof *data->signed_len);
    data->verified = mc__bench_xcalloc(cfg->transfers, sizeof *data->verified);
    for (size_t i = 0; i < cfg->transfers; i++) {
        size_t payer = (size_t)(mc__bench_rng_next(&rng) % cfg->accounts);
        size_t payee = (size_t)(mc__bench_rng_next(&rng) % (cfg->accounts - 1));
        if (payee >= payer) {
            payee++; /* any account but the payer */
        }
        mc_body b = new_body(data, MC_TX_TRANSFER, i + 1);
        memcpy(b.u.transfer.payer, mc_keypair_public(data->keys[payer]), MC_PUBLIC_KEY_BYTES);
        memcpy(b.u.transfer.payee, mc_keypair_public(data->keys[payee]), MC_PUBLIC_KEY_BYTES);
        b.u.transfer.amount = 1 + (int64_t)(mc__bench_rng_next(&rng) % BENCH_AMOUNT_MAX);
        data->verified[i] =
            mc__bench_sign_decode(&b, data->keys[payer], &data->signed_tx[i], &data->signed_len[i]);
    }
}

/* Keys, the template ledger with every account open, and the signed
 * transfers: everything made before any timer starts. Every measured run
 * starts from a copy of the template (same ledger id, so the pre-signed
 * transfers apply to each: a genesis carries a random salt). */
static void prepare(const bench_config *cfg, bench_data *data)
{
    mc_keypair *node = NULL;
    int rc = mc_keypair_generate(&data->steward);
    if (rc == MC_ERR_OK) {
        rc = mc_keypair_generate(&node);
    }
    if (rc != MC_ERR_OK) {
        mc__bench_die("generating keys", rc);
    }
    memcpy(data->steward_key[0], mc_keypair_public(data->steward), MC_PUBLIC_KEY_BYTES);
    memcpy(data->node_key, mc_keypair_public(node), MC_PUBLIC_KEY_BYTES);
    mc_keypair_free(node);

    data->results = mc__bench_xcalloc(MC_BATCH_MAX, sizeof *data->results);
    data->batch = mc__bench_xcalloc(MC_BATCH_MAX, sizeof *data->batch);
    mc__bench_tmpdir_make(cfg->dir, data->template_dir, sizeof data->template_dir);
    mc_ledger *ledger = create_ledger(data, data->template_dir);
    prepare_accounts(cfg, data, ledger);
    mc_ledger_close(ledger);
    prepare_transfers(cfg, data);
}

static void release(const bench_config *cfg, bench_data *data)
{
    for (size_t i = 0; i < cfg->accounts; i++) {
        mc_keypair_free(data->keys[i]);
    }
    for (size_t i = 0; i < cfg->transfers; i++) {
        mc_tx_free(data->verified[i]);
        free(data->signed_tx[i]);
    }
    free(data->keys);
    free(data->verified);
    free(data->signed_tx);
    free(data->signed_len);
    free(data->results);
    free(data->batch);
    mc_keypair_free(data->steward);
    mc__bench_tmpdir_remove(data->template_dir);
}

static void require_applied(const mc_result *results, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (results[i].code != MC_ERR_OK || results[i].duplicate) {
            fprintf(stderr, "mcbench: %s: a transaction was refused: %s%s\n", what,
                    mc_err_name(results[i].code), results[i].duplicate ? " (duplicate)" : "");
            exit(1);
        }
    }
}

static void apply_or_die(mc_ledger *ledger, mc_tx *const *txs, size_t n, mc_result *results,
                         const char *what)
{
    int rc = mc_ledger_apply_batch(ledger, txs, n, bench_now, results);
    if (rc != MC_ERR_OK) {
        mc__bench_die(what, rc);
    }
    require_applied(results, n, what);
}

/* Copy the closed template's data file into `dir` (made durable by fsync). */
static void copy_data_file(const char *from_dir, const char *to_dir)
{
    char from[BENCH_PATH_MAX + 16];
    char to[BENCH_PATH_MAX + 16];
    snprintf(from, sizeof from, "%s/data.mdb", from_dir);
    snprintf(to, sizeof to, "%s/data.mdb", to_dir);
    int in = open(from, O_RDONLY);
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
    bool ok = in >= 0 && out >= 0;
    static uint8_t buf[1 << 16];
    while (ok) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n <= 0) {
            ok = n == 0;
            break;
        }
        ok = write(out, buf, (size_t)n) == n;
    }
    ok = ok && fsync(out) == 0;
    if (in >= 0) {
        close(in);
    }
    if (out >= 0 && close(out) != 0) {
        ok = false;
    }
    if (!ok) {
        fprintf(stderr, "mcbench: copying %s to %s: %s\n", from, to, strerror(errno));
        exit(1);
    }
}

/* A fresh ledger in `dir`: a copy of the template, opened durable or not. */
static mc_ledger *open_copy(const bench_data *data, const char *dir, bool durable)
{
    copy_data_file(data->template_dir, dir);
    mc_ledger_options opts = {.no_sync = !durable, .map_size_bytes = 0, .map_size_max = 0};
    mc_ledger *ledger = NULL;
    int rc = mc_ledger_open(dir, &opts, &ledger);
    if (rc != MC_ERR_OK) {
        mc__bench_die("opening a copy of the template ledger", rc);
    }
    mc_ledger_info info;
    rc = mc_ledger_get_info(ledger, &info);
    if (rc != MC_ERR_OK) {
        mc__bench_die("reading the ledger's info", rc);
    }
    if (memcmp(info.ledger_id, data->ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        fprintf(stderr, "mcbench: the copied ledger has another id\n");
        exit(1);
    }
    return ledger;
}

/* Decode and verify transfers [first, first + n) from their bytes into
 * data->batch (the work of a node that verifies on its writer thread). */
static void decode_batch(bench_data *data, size_t first, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        mc_tx *tx = NULL;
        int rc = mc_tx_decode(data->signed_tx[first + j], data->signed_len[first + j], &tx);
        if (rc == MC_ERR_OK) {
            rc = mc_tx_verify(tx);
        }
        if (rc != MC_ERR_OK) {
            mc__bench_die("decoding a transfer", rc);
        }
        data->batch[j] = tx;
    }
}

/* The timed loop: apply the transfers in batches of run->batch until all are
 * applied or cfg->seconds have passed. */
static void timed_run(const bench_config *cfg, bench_data *data, mc_ledger *ledger, bench_run *run)
{
    size_t done = 0;
    double start = mc__bench_now_seconds();
    double elapsed = 0.0;
    while (done < cfg->transfers && elapsed < cfg->seconds) {
        size_t n = cfg->transfers - done < run->batch ? cfg->transfers - done : run->batch;
        if (run->verify) {
            decode_batch(data, done, n);
            apply_or_die(ledger, data->batch, n, data->results, "applying transfers");
            for (size_t j = 0; j < n; j++) {
                mc_tx_free(data->batch[j]);
            }
        } else {
            apply_or_die(ledger, &data->verified[done], n, data->results, "applying transfers");
        }
        done += n;
        elapsed = mc__bench_now_seconds() - start;
    }
    run->done = done;
    run->seconds = elapsed;
    run->rate = elapsed > 0.0 ? (double)done / elapsed : 0.0;
}

static void measure(const bench_config *cfg, bench_data *data, bench_run *run)
{
    char dir[BENCH_PATH_MAX];
    mc__bench_tmpdir_make(cfg->dir, dir, sizeof dir);
    mc_ledger *ledger = open_copy(data, dir, run->durable);
    timed_run(cfg, data, ledger, run);

    char why[512] = "";
    int rc = mc_ledger_check(ledger, why, sizeof why);
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcbench: mc_ledger_check after the run: %s: %s\n", mc_err_name(rc), why);
        exit(1);
    }
    mc_ledger_close(ledger);
    mc__bench_tmpdir_remove(dir);
}

/* Raw Ed25519: verifications per second of one signature over 100 bytes. */
static double probe_verify(void)
{
    mc_keypair *kp = NULL;
    int rc = mc_keypair_generate(&kp);
    if (rc != MC_ERR_OK) {
        mc__bench_die("generating a key", rc);
    }
    uint8_t msg[BENCH_MESSAGE_BYTES];
    uint8_t sig[MC_SIGNATURE_BYTES];
    for (size_t i = 0; i < sizeof msg; i++) {
        msg[i] = (uint8_t)i;
    }
    mc_sign_raw(kp, msg, sizeof msg, sig);
    size_t count = 0;
    double start = mc__bench_now_seconds();
    double elapsed = 0.0;
    while (elapsed < BENCH_PROBE_SECONDS) {
        for (int i = 0; i < 64; i++) {
            if (!mc_verify_raw(mc_keypair_public(kp), msg, sizeof msg, sig)) {
                fprintf(stderr, "mcbench: a valid signature failed to verify\n");
                exit(1);
            }
        }
        count += 64;
        elapsed = mc__bench_now_seconds() - start;
    }
    mc_keypair_free(kp);
    return (double)count / elapsed;
}

static void lmdb_die(const char *what, int rc)
{
    fprintf(stderr, "mcbench: LMDB %s: %s\n", what, mdb_strerror(rc));
    exit(1);
}

/* Commits of one write transaction holding one small put in `env`, per second. */
static double commit_loop(MDB_env *env, MDB_dbi dbi)
{
    uint8_t value[BENCH_MESSAGE_BYTES] = {0};
    uint64_t count = 0;
    double start = mc__bench_now_seconds();
    double elapsed = 0.0;
    while (elapsed < BENCH_PROBE_SECONDS) {
        MDB_txn *txn = NULL;
        uint8_t key[8];
        for (int i = 0; i < 8; i++) {
            key[i] = (uint8_t)(count >> (56 - 8 * i)); /* big-endian: appends */
        }
        MDB_val k = {.mv_size = sizeof key, .mv_data = key};
        MDB_val v = {.mv_size = sizeof value, .mv_data = value};
        int rc = mdb_txn_begin(env, NULL, 0, &txn);
        if (rc == MDB_SUCCESS) {
            rc = mdb_put(txn, dbi, &k, &v, 0);
        }
        if (rc == MDB_SUCCESS) {
            rc = mdb_txn_commit(txn);
        } else if (txn != NULL) {
            mdb_txn_abort(txn);
        }
        if (rc != MDB_SUCCESS) {
            lmdb_die("commit", rc);
        }
        count++;
        elapsed = mc__bench_now_seconds() - start;
    }
    return (double)count / elapsed;
}

/* Raw LMDB: durable (or not) commits per second in a fresh environment. */
static double probe_commit(const bench_config *cfg, bool durable)
{
    char dir[BENCH_PATH_MAX];
    mc__bench_tmpdir_make(cfg->dir, dir, sizeof dir);
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi = 0;
    int rc = mdb_env_create(&env);
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_set_mapsize(env, (size_t)1 << 30);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_env_open(env, dir, durable ? 0u : MDB_NOSYNC, 0600);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_txn_begin(env, NULL, 0, &txn);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_dbi_open(txn, NULL, 0, &dbi);
    }
    if (rc == MDB_SUCCESS) {
        rc = mdb_txn_commit(txn);
    }
    if (rc != MDB_SUCCESS) {
        lmdb_die("setup", rc);
    }
    double rate = commit_loop(env, dbi);
    mdb_env_close(env);
    mc__bench_tmpdir_remove(dir);
    return rate;
}

static void print_header(const bench_config *cfg)
{
    printf("mcbench: %zu pre-signed transfers among %zu accounts, batch sizes", cfg->transfers,
           cfg->accounts);
    for (size_t i = 0; i < cfg->batch_count; i++) {
        printf("%s%zu", i == 0 ? " " : ",", cfg->batches[i]);
    }
    printf("\n  each run on a fresh ledger under %s, stopped after %.1f s if not done;\n"
           "  one thread: the node will verify signatures on a thread pool\n",
           cfg->dir, cfg->seconds);
    if (mc__bench_is_tmpfs(cfg->dir)) {
        printf("  WARNING: %s is a tmpfs (memory): fsync costs nothing there, so the\n"
               "  durable figures are not durable. Use --dir on a disk.\n",
               cfg->dir);
    }
}

static void print_probes(const bench_config *cfg, const bench_probes *p)
{
    printf("\nPhysical limits of this machine (1 s each)\n");
    printf("  Ed25519 verify, %u-byte message (mc_verify_raw)   %12.0f /s\n", BENCH_MESSAGE_BYTES,
           p->verify_rate);
    if (cfg->durable) {
        printf("  LMDB commit of one small put, durable (fsync)    %12.0f /s\n",
               p->commit_rate_durable);
    }
    if (cfg->no_sync) {
        printf("  LMDB commit of one small put, no sync            %12.0f /s\n",
               p->commit_rate_no_sync);
    }
}

static void print_table_head(bool durable)
{
    if (durable) {
        printf("\nDURABLE: fsync on every batch commit (the default; the headline figures)\n");
    } else {
        printf("\nNO SYNC: no fsync, NOT durable (a crash may lose the last batches);\n"
               "for comparison only\n");
    }
    printf("  %6s %7s %10s %8s %13s %10s %10s\n", "batch", "verify", "transfers", "seconds",
           "transfers/s", "x verify", "x commit");
}

static void print_run(const bench_run *run, const bench_probes *p)
{
    double commit = run->durable ? p->commit_rate_durable : p->commit_rate_no_sync;
    printf("  %6zu %7s %10zu %8.2f %13.0f %10.3f %10.3f\n", run->batch, run->verify ? "on" : "off",
           run->done, run->seconds, run->rate, run->rate / p->verify_rate, run->rate / commit);
    fflush(stdout);
}

/* Runs every batch size with verification on and off; returns the best rate
 * with verification on. */
static double run_mode(const bench_config *cfg, bench_data *data, const bench_probes *p,
                       bool durable, size_t *best_batch)
{
    double best = 0.0;
    print_table_head(durable);
    for (size_t i = 0; i < cfg->batch_count; i++) {
        for (int verify = 1; verify >= 0; verify--) {
            bench_run run = {.batch = cfg->batches[i], .verify = verify != 0, .durable = durable};
            measure(cfg, data, &run);
            print_run(&run, p);
            if (run.verify && run.rate > best) {
                best = run.rate;
                *best_batch = run.batch;
            }
        }
    }
    return best;
}

static int main_core(int argc, char **argv)
{
    bench_config cfg;
    parse_args(argc, argv, &cfg);
    int rc = mc_crypto_init();
    if (rc != MC_ERR_OK) {
        mc__bench_die("initialising libsodium", rc);
    }
    print_header(&cfg);
    double start = mc__bench_now_seconds();

    bench_data data;
    memset(&data, 0, sizeof data);
    prepare(&cfg, &data);
    printf("  signed %zu transfers and %zu account openings in %.1f s\n", cfg.transfers,
           cfg.accounts, mc__bench_now_seconds() - start);

    bench_probes probes = {probe_verify(), 0.0, 0.0};
    if (cfg.durable) {
        probes.commit_rate_durable = probe_commit(&cfg, true);
    }
    if (cfg.no_sync) {
        probes.commit_rate_no_sync = probe_commit(&cfg, false);
    }
    print_probes(&cfg, &probes);
    printf("\n  verify on:  mc_tx_decode + mc_tx_verify inside the timed loop\n"
           "  verify off: decoded and verified before the timer starts\n"
           "  x verify:   transfers/s divided by the raw Ed25519 verify rate\n"
           "  x commit:   transfers/s divided by the raw LMDB commit rate (same durability)\n");

    size_t best_batch = 0;
    double headline = 0.0;
    if (cfg.durable) {
        headline = run_mode(&cfg, &data, &probes, true, &best_batch);
    }
    if (cfg.no_sync) {
        size_t batch = 0;
        double rate = run_mode(&cfg, &data, &probes, false, &batch);
        if (!cfg.durable) {
            headline = rate;
            best_batch = batch;
        }
    }
    printf("\nHeadline (%s, signatures verified, batch %zu): %.0f transfers/s, %.2f of the raw "
           "verify rate\n",
           cfg.durable ? "durable" : "NO SYNC, not durable", best_batch, headline,
           headline / probes.verify_rate);
    printf("Total time %.1f s\n", mc__bench_now_seconds() - start);
    release(&cfg, &data);
    return 0;
}

int main(int argc, char **argv)
{
    mc__bench_signals_start();
    if (argc > 1 && strcmp(argv[1], "node") == 0) {
        return mc__bench_main_node(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "audit") == 0) {
        return mc__bench_main_audit(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "core") == 0) {
        return main_core(argc - 1, argv + 1);
    }
    return main_core(argc, argv);
}
