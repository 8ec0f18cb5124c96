/* Pipelined load on a node: `connections` threads, each with its own
 * connection and an even share of the submissions, keep up to `depth` of
 * them outstanding (mc_client_send_submit / mc_client_recv_result) until
 * every one is answered. All threads connect first and start together; the
 * clock runs from that start to the last answer. Each submission's latency
 * is from just before its send to the receipt of its answer. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/client.h"
#include "mc/error.h"
#include "node_bench.h"

typedef struct load_thread {
    pthread_t thread;
    pthread_barrier_t *start;
    const mc__bench_load *load;
    size_t first, count; /* its share: submissions [first, first + count) */
    uint64_t *stamp_ns;  /* [count]: the send time, then the latency */
    mc_client *client;
    int rc; /* MC_ERR_OK or the failure */
    char error[MC_CLIENT_ERROR_MAX];
    size_t applied, refused;
    int refusal_code;
    char refusal[256];
} load_thread;

static void note_result(load_thread *t, const mc_result *r)
{
    if (r->code == MC_ERR_OK && !r->duplicate) {
        t->applied++;
        return;
    }
    if (t->refused++ == 0) {
        t->refusal_code = r->code; /* MC_ERR_OK with a duplicate */
        snprintf(t->refusal, sizeof t->refusal, "%s%s: %s", mc_err_name(r->code),
                 r->duplicate ? " (duplicate)" : "", mc_client_error_message(t->client));
    }
}

static int fail(load_thread *t, int rc, const char *what)
{
    snprintf(t->error, sizeof t->error, "%s: %s", what, mc_client_error_message(t->client));
    return rc;
}

/* Receive one answer and stamp its latency. */
static int receive_one(load_thread *t, uint64_t first_id, size_t sent)
{
    uint64_t id = 0;
    mc_result r;
    int rc = mc_client_recv_result(t->client, &id, &r);
    if (rc != MC_ERR_OK) {
        return fail(t, rc, "receiving an answer");
    }
    if (id < first_id || id - first_id >= sent) {
        snprintf(t->error, sizeof t->error, "an answer to request %llu, not sent",
                 (unsigned long long)id);
        return MC_ERR_PROTOCOL;
    }
    size_t k = (size_t)(id - first_id);
    t->stamp_ns[k] = mc__bench_now_ns() - t->stamp_ns[k];
    note_result(t, &r);
    return MC_ERR_OK;
}

/* Keep up to `depth` submissions in flight until all are answered. Request
 * ids of one connection are consecutive, so an answer's id gives its slot. */
static int load_loop(load_thread *t)
{
    const mc__bench_load *load = t->load;
    size_t sent = 0, received = 0;
    uint64_t first_id = 0;
    while (received < t->count) {
        while (sent < t->count && sent - received < load->depth) {
            size_t i = t->first + sent;
            uint64_t id = 0;
            t->stamp_ns[sent] = mc__bench_now_ns();
            int rc = mc_client_send_submit(t->client, load->txs[i], load->lens[i], &id);
            if (rc != MC_ERR_OK) {
                return fail(t, rc, "sending a submission");
            }
            if (sent == 0) {
                first_id = id;
            } else if (id != first_id + sent) {
                snprintf(t->error, sizeof t->error, "request ids are not consecutive");
                return MC_ERR_PROTOCOL;
            }
            sent++;
        }
        int rc = receive_one(t, first_id, sent);
        if (rc != MC_ERR_OK) {
            return rc;
        }
        received++;
    }
    return MC_ERR_OK;
}

static void *load_main(void *arg)
{
    load_thread *t = arg;
    mc_client_options opts;
    mc_client_options_default(&opts);
    opts.timeout_ms = t->load->timeout_ms;
    opts.submit_retries = 0;
    t->rc = mc_client_connect(t->load->address, &opts, &t->client);
    if (t->rc != MC_ERR_OK) {
        snprintf(t->error, sizeof t->error, "connecting to %s: %s", t->load->address,
                 mc_client_error_message(NULL));
    }
    pthread_barrier_wait(t->start);
    if (t->rc == MC_ERR_OK && t->count > 0) {
        t->rc = load_loop(t);
    }
    mc_client_close(t->client);
    t->client = NULL;
    return NULL;
}

/* Add up the threads' outcomes; the first failure is returned. */
static int load_collect(mc__bench_load *load, load_thread *ts, size_t n)
{
    int rc = MC_ERR_OK;
    for (size_t i = 0; i < n; i++) {
        load->applied += ts[i].applied;
        if (ts[i].refused > 0 && load->refused == 0) {
            load->refusal_code = ts[i].refusal_code;
            snprintf(load->refusal, sizeof load->refusal, "%s", ts[i].refusal);
        }
        load->refused += ts[i].refused;
        if (ts[i].rc != MC_ERR_OK) {
            fprintf(stderr, "mcbench: connection %zu: %s (%s)\n", i + 1, ts[i].error,
                    mc_err_name(ts[i].rc));
            rc = rc == MC_ERR_OK ? ts[i].rc : rc;
        }
    }
    return rc;
}

int mc__bench_load_run(mc__bench_load *load)
{
    size_t n = load->connections;
    if (n == 0 || n > MC_BENCH_THREADS_MAX || load->depth == 0) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    load_thread *ts = mc__bench_xcalloc(n, sizeof *ts);
    uint64_t *scratch = load->latency_ns != NULL
                            ? NULL
                            : mc__bench_xcalloc(load->count > 0 ? load->count : 1, sizeof *scratch);
    uint64_t *stamps = load->latency_ns != NULL ? load->latency_ns : scratch;
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)n + 1);
    load->applied = load->refused = 0;
    for (size_t i = 0; i < n; i++) {
        ts[i].start = &start;
        ts[i].load = load;
        ts[i].first = load->count * i / n;
        ts[i].count = load->count * (i + 1) / n - ts[i].first;
        ts[i].stamp_ns = stamps + ts[i].first;
        if (pthread_create(&ts[i].thread, NULL, load_main, &ts[i]) != 0) {
            mc__bench_die("starting a client thread", MC_ERR_NO_MEMORY);
        }
    }
    pthread_barrier_wait(&start);
    double began = mc__bench_now_seconds();
    for (size_t i = 0; i < n; i++) {
        pthread_join(ts[i].thread, NULL);
    }
    load->seconds = mc__bench_now_seconds() - began;
    pthread_barrier_destroy(&start);
    int rc = load_collect(load, ts, n);
    free(ts);
    free(scratch);
    return rc;
}
