/* The history `mcbench audit` exports, made off the clock: a ledger whose
 * genesis names a node key, opened with that key so that every batch
 * stores its signed checkpoint as a node's write batch does; K member
 * accounts with limits no transfer meets, opened by the steward; N
 * transfers between random pairs (transfer i drawn from a sequence seeded
 * by i), signed, decoded and verified on every CPU a chunk at a time (so
 * memory stays bounded whatever N), applied in batches of
 * MC_BENCH_AUDIT_BATCH without sync, every one of them applied; then
 * mc_ledger_export(), as `mcnode export` does. Workload: up to millions
 * of transfers; the ledger takes about 820 bytes of disk per transfer and
 * the export 233 (measured at 1,000,000 transfers among 1000 accounts). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mc/crypto.h"
#include "mc/error.h"
#include "mc/export.h"
#include "mc/ledger.h"
#include "mc/tx.h"
#include "mc/types.h"

#include "audit_bench.h"

#define HISTORY_BATCH MC_BENCH_AUDIT_BATCH
#define HISTORY_CHUNK (64u * HISTORY_BATCH)     /* transfers signed before they are applied */
#define HISTORY_AMOUNT_MAX 10000                /* minor units per transfer */
#define HISTORY_LIMIT INT64_C(1000000000000000) /* +-1e15 minor units: never reached */

static const int64_t history_now = 1700000000; /* the genesis time; "now" of every batch */

typedef struct history_state {
    mc__bench_history *h;
    mc_keypair *steward;
    mc_keypair *node; /* the checkpoint key: outlives the ledger */
    mc_keypair **keys;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    mc_tx **chunk;      /* [HISTORY_CHUNK] */
    mc_result *results; /* [HISTORY_BATCH] */
} history_state;

typedef struct sign_job {
    pthread_t thread;
    history_state *st;
    size_t first, end; /* transfers [first, end) of the chunk starting at chunk_first */
    size_t chunk_first;
} sign_job;

static mc_body new_body(const history_state *st, mc_tx_kind kind, uint64_t nonce)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, st->ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = nonce;
    b.kind = kind;
    return b;
}

/* Apply txs[0..n) and free them; every one must be applied. */
static void apply_or_die(history_state *st, mc_ledger *ledger, mc_tx **txs, size_t n)
{
    int rc = mc_ledger_apply_batch(ledger, txs, n, history_now, st->results);
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcbench: %s\n", mc_ledger_last_error(ledger));
        mc__bench_die("applying a batch", rc);
    }
    for (size_t i = 0; i < n; i++) {
        if (st->results[i].code != MC_ERR_OK || st->results[i].duplicate) {
            fprintf(stderr, "mcbench: a transaction was refused: %s%s\n",
                    mc_err_name(st->results[i].code),
                    st->results[i].duplicate ? " (duplicate)" : "");
            exit(1);
        }
        mc_tx_free(txs[i]);
        txs[i] = NULL;
    }
}

static mc_ledger *create_ledger(history_state *st)
{
    uint8_t steward[1][MC_PUBLIC_KEY_BYTES];
    memcpy(steward[0], mc_keypair_public(st->steward), MC_PUBLIC_KEY_BYTES);
    mc_genesis_params p;
    mc_genesis_params_default(&p);
    p.community = "mcbench audit";
    p.stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])steward;
    p.steward_count = 1;
    p.quorum = 1;
    memcpy(p.node_public_key, mc_keypair_public(st->node), MC_PUBLIC_KEY_BYTES);
    p.created_at = history_now;
    mc_ledger_options opts = {.no_sync = true, .checkpoint_key = st->node};
    mc_ledger *ledger = NULL;
    int rc = mc_ledger_create(st->h->ledger_dir, &p, &opts, &ledger);
    mc_ledger_info info;
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_get_info(ledger, &info);
    }
    if (rc != MC_ERR_OK) {
        mc__bench_die("creating the ledger", rc);
    }
    memcpy(st->ledger_id, info.ledger_id, MC_LEDGER_ID_BYTES);
    return ledger;
}

/* Keys for the accounts and their openings (steward-signed, wide limits). */
static void open_accounts(history_state *st, mc_ledger *ledger)
{
    size_t k = st->h->accounts, pending = 0;
    st->keys = mc__bench_xcalloc(k, sizeof *st->keys);
    for (size_t i = 0; i < k; i++) {
        int rc = mc_keypair_generate(&st->keys[i]);
        if (rc != MC_ERR_OK) {
            mc__bench_die("generating a key", rc);
        }
        char handle[MC_HANDLE_LEN_MAX + 1];
        snprintf(handle, sizeof handle, "acct%zu", i);
        mc_body b = new_body(st, MC_TX_OPEN_ACCOUNT, i + 1);
        memcpy(b.u.open_account.public_key, mc_keypair_public(st->keys[i]), MC_PUBLIC_KEY_BYTES);
        b.u.open_account.handle = handle;
        b.u.open_account.kind = MC_KIND_MEMBER;
        b.u.open_account.has_limits = true;
        b.u.open_account.limits = (mc_limits){-HISTORY_LIMIT, HISTORY_LIMIT};
        st->chunk[pending++] = mc__bench_sign_decode(&b, st->steward, NULL, NULL);
        if (pending == HISTORY_BATCH || i + 1 == k) {
            apply_or_die(st, ledger, st->chunk, pending);
            pending = 0;
        }
    }
}

static void *sign_main(void *arg)
{
    sign_job *job = arg;
    history_state *st = job->st;
    size_t k = st->h->accounts;
    for (size_t i = job->first; i < job->end; i++) {
        uint64_t rng = i + 1;
        size_t payer = (size_t)(mc__bench_rng_next(&rng) % k);
        size_t payee = (size_t)(mc__bench_rng_next(&rng) % (k - 1));
        payee += payee >= payer; /* any account but the payer */
        mc_body b = new_body(st, MC_TX_TRANSFER, k + 1 + i);
        memcpy(b.u.transfer.payer, mc_keypair_public(st->keys[payer]), MC_PUBLIC_KEY_BYTES);
        memcpy(b.u.transfer.payee, mc_keypair_public(st->keys[payee]), MC_PUBLIC_KEY_BYTES);
        b.u.transfer.amount = 1 + (int64_t)(mc__bench_rng_next(&rng) % HISTORY_AMOUNT_MAX);
        bool probe = i < MC_BENCH_PROBE_TXS_MAX;
        st->chunk[i - job->chunk_first] =
            mc__bench_sign_decode(&b, st->keys[payer], probe ? &st->h->probe_tx[i] : NULL,
                                  probe ? &st->h->probe_len[i] : NULL);
    }
    return NULL;
}

/* Sign transfers [first, first + n) into st->chunk on h->threads threads. */
static void sign_chunk(history_state *st, size_t first, size_t n)
{
    unsigned threads = st->h->threads;
    sign_job jobs[MC_BENCH_THREADS_MAX];
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (sign_job){.st = st,
                             .first = first + n * t / threads,
                             .end = first + n * (t + 1) / threads,
                             .chunk_first = first};
        if (pthread_create(&jobs[t].thread, NULL, sign_main, &jobs[t]) != 0) {
            mc__bench_die("starting a signing thread", MC_ERR_NO_MEMORY);
        }
    }
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(jobs[t].thread, NULL);
    }
}

static void apply_transfers(history_state *st, mc_ledger *ledger)
{
    mc__bench_history *h = st->h;
    for (size_t first = 0; first < h->transfers; first += HISTORY_CHUNK) {
        size_t n = h->transfers - first < HISTORY_CHUNK ? h->transfers - first : HISTORY_CHUNK;
        double t0 = mc__bench_now_seconds();
        sign_chunk(st, first, n);
        double t1 = mc__bench_now_seconds();
        for (size_t done = 0; done < n; done += HISTORY_BATCH) {
            size_t b = n - done < HISTORY_BATCH ? n - done : HISTORY_BATCH;
            apply_or_die(st, ledger, &st->chunk[done], b);
        }
        h->signed_seconds += t1 - t0;
        h->applied_seconds += mc__bench_now_seconds() - t1;
    }
    h->probe_count = h->transfers < MC_BENCH_PROBE_TXS_MAX ? h->transfers : MC_BENCH_PROBE_TXS_MAX;
}

/* As `mcnode export`: a checkpoint of the whole log (the last batch stored
 * one already), then the export. */
static void export_history(mc__bench_history *h, mc_ledger *ledger)
{
    int rc = mc_ledger_sign_checkpoint(ledger, history_now);
    FILE *f = rc == MC_ERR_OK ? fopen(h->export_path, "wb") : NULL;
    if (rc == MC_ERR_OK && f == NULL) {
        fprintf(stderr, "mcbench: %s: %s\n", h->export_path, strerror(errno));
        exit(1);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_export(ledger, f, &h->entries);
    }
    if (f != NULL && fclose(f) != 0 && rc == MC_ERR_OK) {
        rc = MC_ERR_STORAGE_IO;
    }
    struct stat st;
    if (rc == MC_ERR_OK && stat(h->export_path, &st) != 0) {
        rc = MC_ERR_STORAGE_IO;
    }
    if (rc != MC_ERR_OK) {
        mc__bench_die("exporting the ledger", rc);
    }
    h->export_bytes = (uint64_t)st.st_size;
}

static void generate_keys(history_state *st)
{
    int rc = mc_keypair_generate(&st->steward);
    if (rc == MC_ERR_OK) {
        rc = mc_keypair_generate(&st->node);
    }
    if (rc != MC_ERR_OK) {
        mc__bench_die("generating keys", rc);
    }
}

void mc__bench_history_make(mc__bench_history *h)
{
    if (h->accounts < 2 || h->threads == 0 || h->threads > MC_BENCH_THREADS_MAX) {
        mc__bench_die("making the history", MC_ERR_INVALID_ARGUMENT);
    }
    history_state st = {.h = h};
    st.chunk = mc__bench_xcalloc(HISTORY_CHUNK, sizeof *st.chunk);
    st.results = mc__bench_xcalloc(HISTORY_BATCH, sizeof *st.results);
    generate_keys(&st);
    double t0 = mc__bench_now_seconds();
    mc_ledger *ledger = create_ledger(&st);
    open_accounts(&st, ledger);
    h->opened_seconds = mc__bench_now_seconds() - t0;
    apply_transfers(&st, ledger);
    t0 = mc__bench_now_seconds();
    export_history(h, ledger);
    h->exported_seconds = mc__bench_now_seconds() - t0;
    mc_ledger_close(ledger);
    for (size_t i = 0; i < h->accounts; i++) {
        mc_keypair_free(st.keys[i]);
    }
    free(st.keys);
    mc_keypair_free(st.node);
    mc_keypair_free(st.steward);
    free(st.results);
    free(st.chunk);
}

void mc__bench_history_free(mc__bench_history *h)
{
    for (size_t i = 0; i < MC_BENCH_PROBE_TXS_MAX; i++) {
        free(h->probe_tx[i]);
        h->probe_tx[i] = NULL;
    }
    h->probe_count = 0;
}
