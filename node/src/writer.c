/* The writer thread: the only one that writes the ledger. It takes every
 * verified submission waiting (up to batch_max, in arrival order), applies
 * them with mc_ledger_apply_batch() (one LMDB write transaction) and hands
 * them back to the loop once what their answers say is durable. A batch
 * that cannot be committed is answered with the storage error for each
 * submission, and the node goes on (the next batch may succeed, e.g. once
 * disk space is freed); nothing of it was applied.
 *
 * Durability: one flush per batch. The ledger runs with deferred meta sync
 * (MDB_NOMETASYNC): a commit flushes its data pages (fdatasync) and writes
 * its meta page without flushing it. Batch k is therefore committed but not
 * durable when its commit returns: a crash may undo it (never corrupt the
 * ledger: LMDB keeps the two last states intact). It becomes durable with
 * the next commit that changes the ledger, whose fdatasync on the same file
 * carries k's meta page to disk, or with mc_ledger_sync() (an fdatasync).
 * So the writer holds the answers of k in `held` until the ledger's durable
 * state reaches k's: under load, k+1's commit releases them; when nothing
 * else is waiting, the writer syncs at once, so no answer is stranded and
 * an idle node adds one flush to the latency of its last batch, as before.
 *
 * Held are all the answers of a batch, refusals and duplicates included: a
 * refusal for want of credit, or "applied before", tells the state of k.
 * A batch that changed nothing has the state before it, so its answers wait
 * for that one. Answers to queries obey the same rule on the loop (conn.c:
 * an answer waits until the newest state any read has seen is durable), so
 * nothing tells anybody about a state that a crash could still undo; get_tx
 * in particular is how a client learns the fate of a submission whose answer
 * it lost, and must not report one that is not on disk yet.
 *
 * A flush that fails while a state waits for it leaves that state's fate
 * unknown (the kernel may drop pages it failed to write and report success
 * on the next flush), so the ledger refuses every later write: the held
 * submissions are answered STORAGE_IO saying so, later ones SHUTTING_DOWN
 * (nothing of them applied), and the node stops with status 1. Restarted,
 * it finds a consistent ledger; clients resend, and exactly-once tells them
 * what was kept.
 *
 * With --sync=none every commit counts as durable (nothing is promised). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc/error.h"
#include "node_internal.h"

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A state committed and not yet durable: the writer owes a flush. */
static bool sync_owed(mc_node *node)
{
    return mc_ledger_durable_state(node->ledger) < mc_ledger_committed_state(node->ledger);
}

/* Fill the results of a batch that was not applied. */
static void refuse_all(mc_batch *b, size_t n, int code)
{
    for (size_t i = 0; i < n; i++) {
        mc_submission *s = b->subs[i];
        memset(&s->result, 0, sizeof s->result);
        s->result.code = code;
        memcpy(s->result.tx_id, mc_tx_id_of(s->tx), MC_TX_ID_BYTES);
        s->state = 0; /* tells nothing of the ledger */
    }
}

/* Apply a batch; each answer describes the state the ledger is in after it.
 * Returns false when durability was lost. */
static bool apply(mc_node *node, mc_batch *b, size_t n)
{
    mc_writer *w = &node->writer;
    for (size_t i = 0; i < n; i++) {
        b->txs[i] = b->subs[i]->tx;
    }
    uint64_t start = monotonic_ms();
    int rc = mc_ledger_apply_batch(node->ledger, b->txs, n, (int64_t)time(NULL), b->results);
    uint64_t took = monotonic_ms() - start;
    uint64_t state = mc_ledger_committed_state(node->ledger);
    size_t applied = 0;
    for (size_t i = 0; i < n; i++) {
        b->subs[i]->result = b->results[i];
        b->subs[i]->state = rc == MC_ERR_OK ? state : 0;
        applied += b->results[i].code == MC_ERR_OK && !b->results[i].duplicate;
    }
    w->batches++;
    w->applied += applied;
    w->refused += n - applied;
    if (rc == MC_ERR_OK) {
        mc_log(MC_LOG_DEBUG, "batch of %zu: %zu applied, committed in %llu ms", n, applied,
               (unsigned long long)took);
        return true;
    }
    mc_log(MC_LOG_ERROR, "a batch of %zu could not be committed: %s (%s); none applied", n,
           mc_strerror(rc), mc_ledger_last_error(node->ledger));
    /* Its commit may have failed in the flush that an earlier state waited
     * for: settle that state now (the ledger knows whether it can). */
    return mc_ledger_sync(node->ledger) == MC_ERR_OK;
}

static bool sync_now(mc_node *node)
{
    uint64_t start = monotonic_ms();
    int rc = mc_ledger_sync(node->ledger);
    node->writer.syncs++;
    if (rc != MC_ERR_OK) {
        return false;
    }
    mc_log(MC_LOG_DEBUG, "idle: state %llu durable in %llu ms",
           (unsigned long long)mc_ledger_durable_state(node->ledger),
           (unsigned long long)(monotonic_ms() - start));
    return true;
}

/* Under the lock: move to `done` what may be answered now. */
static void settle(mc_node *node)
{
    mc_writer *w = &node->writer;
    uint64_t durable = mc_ledger_durable_state(node->ledger);
    while (w->held.head != NULL && (w->held.head->state <= durable || w->failed)) {
        mc_submission *s = mc__queue_pop(&w->held);
        if (s->state > durable) {
            memset(&s->result, 0, sizeof s->result);
            s->result.code = MC_ERR_STORAGE_IO;
            memcpy(s->result.tx_id, mc_tx_id_of(s->tx), MC_TX_ID_BYTES);
            s->outcome_unknown = true;
            s->state = 0;
        }
        mc__queue_push(&w->done, s);
    }
}

/* Under the lock: durability is lost; say so once. */
static void fail(mc_node *node)
{
    if (!node->writer.failed) {
        mc_log(MC_LOG_ERROR,
               "a flush failed: the last %llu state(s) may not be on disk (%s); stopping",
               (unsigned long long)(mc_ledger_committed_state(node->ledger) -
                                    mc_ledger_durable_state(node->ledger)),
               mc_ledger_last_error(node->ledger));
    }
    node->writer.failed = true;
}

/* Under the lock, released meanwhile: one batch from `in`. */
static void write_batch(mc_node *node)
{
    mc_writer *w = &node->writer;
    mc_batch *b = &w->batch;
    size_t n = 0;
    while (n < b->cap && w->in.head != NULL) {
        b->subs[n++] = mc__queue_pop(&w->in);
    }
    bool failed = w->failed;
    uv_mutex_unlock(&w->lock);
    bool ok = true;
    if (failed) {
        refuse_all(b, n, MC_ERR_SHUTTING_DOWN);
    } else {
        ok = apply(node, b, n);
    }
    uv_mutex_lock(&w->lock);
    for (size_t i = 0; i < n; i++) {
        mc__queue_push(b->subs[i]->state == 0 ? &w->done : &w->held, b->subs[i]);
    }
    if (!ok) {
        fail(node);
    }
}

static void writer_main(void *arg)
{
    mc_node *node = arg;
    mc_writer *w = &node->writer;
    uv_mutex_lock(&w->lock);
    for (;;) {
        bool owed = !w->failed && sync_owed(node);
        if (w->in.count == 0 && !owed) {
            if (w->stop) {
                break; /* stop, and nothing left */
            }
            uv_cond_wait(&w->wake, &w->lock);
            continue;
        }
        if (w->in.count > 0) {
            write_batch(node);
        } else {
            uv_mutex_unlock(&w->lock);
            bool ok = sync_now(node);
            uv_mutex_lock(&w->lock);
            if (!ok) {
                fail(node);
            }
        }
        settle(node);
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

/* On the loop: answer what the writer finished; answers to queries that
 * waited for a durable state go out too (mc__node_flush). */
static void on_done(uv_async_t *async)
{
    mc_node *node = async->data;
    mc_writer *w = &node->writer;
    uv_mutex_lock(&w->lock);
    mc_sub_queue done = w->done;
    w->done = (mc_sub_queue){NULL, NULL, 0};
    bool failed = w->failed;
    uv_mutex_unlock(&w->lock);
    mc_submission *s;
    while ((s = mc__queue_pop(&done)) != NULL) {
        mc__submission_finish(node, s);
    }
    if (failed && !node->stopping) {
        node->exit_code = 1;
        mc__node_stop(node, "the ledger cannot be made durable");
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
    uv_thread_join(&w->thread); /* it syncs what is owed before it ends */
    w->started = false;
    uv_close((uv_handle_t *)&w->done_async, NULL);
    uv_cond_destroy(&w->wake);
    uv_mutex_destroy(&w->lock);
    batch_free(&w->batch);
    mc__node_flush(node); /* answers to queries that waited for that sync */
    mc_log(MC_LOG_INFO,
           "writer stopped: %llu batches, %llu applied, %llu not applied, %llu idle syncs",
           (unsigned long long)w->batches, (unsigned long long)w->applied,
           (unsigned long long)w->refused, (unsigned long long)w->syncs);
}
