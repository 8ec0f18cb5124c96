/* The writer thread: the only one that writes the ledger. It takes every
 * verified submission waiting (up to batch_max, in arrival order), applies
 * them with mc_ledger_apply_batch() (one LMDB write transaction, one fsync)
 * and hands them back to the loop, which answers them. A batch that cannot
 * be made durable is answered with the storage error for each submission,
 * and the node goes on (the next batch may succeed, e.g. once disk space is
 * freed); nothing of it was applied. */
#include <stdlib.h>
#include <time.h>

#include "mc/error.h"
#include "node_internal.h"

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void apply(mc_node *node, mc_batch *b, size_t n)
{
    mc_writer *w = &node->writer;
    for (size_t i = 0; i < n; i++) {
        b->txs[i] = b->subs[i]->tx;
    }
    uint64_t start = monotonic_ms();
    int rc = mc_ledger_apply_batch(node->ledger, b->txs, n, (int64_t)time(NULL), b->results);
    uint64_t took = monotonic_ms() - start;
    size_t applied = 0;
    for (size_t i = 0; i < n; i++) {
        b->subs[i]->result = b->results[i];
        applied += b->results[i].code == MC_ERR_OK && !b->results[i].duplicate;
    }
    if (rc != MC_ERR_OK) {
        mc_log(MC_LOG_ERROR, "a batch of %zu could not be made durable: %s (%s); none applied", n,
               mc_strerror(rc), mc_ledger_last_error(node->ledger));
    } else {
        mc_log(MC_LOG_DEBUG, "batch of %zu: %zu applied, durable in %llu ms", n, applied,
               (unsigned long long)took);
    }
    w->batches++;
    w->applied += applied;
    w->refused += n - applied;
}

static void writer_main(void *arg)
{
    mc_node *node = arg;
    mc_writer *w = &node->writer;
    mc_batch *b = &w->batch;
    uv_mutex_lock(&w->lock);
    for (;;) {
        while (w->in.count == 0 && !w->stop) {
            uv_cond_wait(&w->wake, &w->lock);
        }
        if (w->in.count == 0) {
            break; /* stop, and nothing left */
        }
        size_t n = 0;
        while (n < b->cap && w->in.head != NULL) {
            b->subs[n++] = mc__queue_pop(&w->in);
        }
        uv_mutex_unlock(&w->lock);
        apply(node, b, n);
        uv_mutex_lock(&w->lock);
        for (size_t i = 0; i < n; i++) {
            mc__queue_push(&w->done, b->subs[i]);
        }
        uv_async_send(&w->done_async);
    }
    uv_mutex_unlock(&w->lock);
}

static void batch_free(mc_batch *b)
{
    free(b->subs);
    free(b->txs);
    free(b->results);
    *b = (mc_batch){0};
}

/* On the loop: answer what the writer finished. */
static void on_done(uv_async_t *async)
{
    mc_node *node = async->data;
    mc_writer *w = &node->writer;
    uv_mutex_lock(&w->lock);
    mc_sub_queue done = w->done;
    w->done = (mc_sub_queue){NULL, NULL, 0};
    uv_mutex_unlock(&w->lock);
    mc_submission *s;
    while ((s = mc__queue_pop(&done)) != NULL) {
        mc__submission_finish(node, s);
    }
    mc__node_flush(node);
    mc__node_check_drained(node);
}

int mc__writer_start(mc_node *node)
{
    mc_writer *w = &node->writer;
    mc_batch *b = &w->batch;
    b->cap = node->config->limits.batch_max;
    b->subs = calloc(b->cap, sizeof *b->subs);
    b->txs = calloc(b->cap, sizeof *b->txs);
    b->results = calloc(b->cap, sizeof *b->results);
    if (b->subs == NULL || b->txs == NULL || b->results == NULL || uv_mutex_init(&w->lock) != 0) {
        batch_free(b);
        mc_log(MC_LOG_ERROR, "out of memory for the writer");
        return MC_ERR_NO_MEMORY;
    }
    if (uv_cond_init(&w->wake) != 0) {
        uv_mutex_destroy(&w->lock);
        batch_free(b);
        return MC_ERR_NO_MEMORY;
    }
    uv_async_init(node->loop, &w->done_async, on_done);
    w->done_async.data = node;
    if (uv_thread_create(&w->thread, writer_main, node) != 0) {
        uv_close((uv_handle_t *)&w->done_async, NULL);
        uv_cond_destroy(&w->wake);
        uv_mutex_destroy(&w->lock);
        batch_free(b);
        mc_log(MC_LOG_ERROR, "cannot start the writer thread");
        return MC_ERR_NO_MEMORY;
    }
    w->started = true;
    return MC_ERR_OK;
}

void mc__writer_stop(mc_node *node)
{
    mc_writer *w = &node->writer;
    if (!w->started) {
        return;
    }
    uv_mutex_lock(&w->lock);
    w->stop = true;
    uv_cond_signal(&w->wake);
    uv_mutex_unlock(&w->lock);
    uv_thread_join(&w->thread);
    w->started = false;
    uv_close((uv_handle_t *)&w->done_async, NULL);
    uv_cond_destroy(&w->wake);
    uv_mutex_destroy(&w->lock);
    batch_free(&w->batch);
    mc_log(MC_LOG_INFO, "writer stopped: %llu batches, %llu applied, %llu not applied",
           (unsigned long long)w->batches, (unsigned long long)w->applied,
           (unsigned long long)w->refused);
}
