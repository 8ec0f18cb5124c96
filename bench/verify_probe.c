/* The machine's Ed25519 verify rate, measured on the node's own work: each
 * thread decodes its own copies of real signed transfers (so the message
 * is "mc/tx/v1" || ledger_id || body, of a transfer's real size) and calls
 * mc_tx_verify() on them in turn for about a second. All threads start
 * together; the rate is every verification over the wall time. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "mc/error.h"
#include "mc/tx.h"

#define PROBE_CHECK_EVERY 16u /* verifications between two looks at the clock */

typedef struct probe_thread {
    pthread_t thread;
    pthread_barrier_t *start;
    mc_tx *txs[MC_BENCH_PROBE_TXS_MAX];
    size_t tx_count;
    double seconds;
    uint64_t done;
} probe_thread;

static void *probe_main(void *arg)
{
    probe_thread *t = arg;
    pthread_barrier_wait(t->start);
    double stop = mc__bench_now_seconds() + t->seconds;
    size_t next = 0;
    do {
        for (unsigned i = 0; i < PROBE_CHECK_EVERY; i++) {
            if (mc_tx_verify(t->txs[next]) != MC_ERR_OK) {
                fprintf(stderr, "mcbench: a valid signed transfer failed to verify\n");
                exit(1);
            }
            next = next + 1 == t->tx_count ? 0 : next + 1;
        }
        t->done += PROBE_CHECK_EVERY;
    } while (mc__bench_now_seconds() < stop);
    return NULL;
}

static void probe_decode(probe_thread *t, uint8_t *const *signed_tx, const size_t *lens,
                         size_t count)
{
    t->tx_count = count < MC_BENCH_PROBE_TXS_MAX ? count : MC_BENCH_PROBE_TXS_MAX;
    for (size_t i = 0; i < t->tx_count; i++) {
        int rc = mc_tx_decode(signed_tx[i], lens[i], &t->txs[i]);
        if (rc != MC_ERR_OK) {
            mc__bench_die("decoding a signed transfer", rc);
        }
    }
}

double mc__bench_verify_rate(uint8_t *const *signed_tx, const size_t *lens, size_t count,
                             unsigned threads, double seconds)
{
    if (count == 0 || threads == 0 || threads > MC_BENCH_THREADS_MAX) {
        mc__bench_die("probing the verify rate", MC_ERR_INVALID_ARGUMENT);
    }
    probe_thread *ts = mc__bench_xcalloc(threads, sizeof *ts);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, threads + 1);
    for (unsigned i = 0; i < threads; i++) {
        ts[i].start = &start;
        ts[i].seconds = seconds;
        probe_decode(&ts[i], signed_tx, lens, count);
        if (pthread_create(&ts[i].thread, NULL, probe_main, &ts[i]) != 0) {
            mc__bench_die("starting a probe thread", MC_ERR_NO_MEMORY);
        }
    }
    pthread_barrier_wait(&start);
    double began = mc__bench_now_seconds();
    uint64_t done = 0;
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(ts[i].thread, NULL);
        done += ts[i].done;
        for (size_t j = 0; j < ts[i].tx_count; j++) {
            mc_tx_free(ts[i].txs[j]);
        }
    }
    double elapsed = mc__bench_now_seconds() - began;
    pthread_barrier_destroy(&start);
    free(ts);
    return elapsed > 0.0 ? (double)done / elapsed : 0.0;
}
