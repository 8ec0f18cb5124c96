/* Submissions: taken in as raw bytes on the loop; decoded and their
 * signatures checked on the libuv thread pool; applied in batches on the
 * writer thread (one LMDB write transaction and one fsync per batch: group
 * commit); answered on the loop once durable.
 *
 * Load: at most max_queue submissions are in the node at once; beyond, a
 * new one is answered OVERLOADED at once. Each thread-pool job takes up to
 * MC_NODE_VERIFY_CHUNK_MAX submissions (and, while another runs, at least
 * MC_NODE_VERIFY_CHUNK_MIN), at most verify_threads jobs run.
 * The writer takes whatever is verified, up to batch_max, so batches grow
 * with the load: while one batch is being fsynced the next one gathers.
 *
 * Priority: the pool's threads check signatures at nice
 * MC_NODE_VERIFY_NICE, below the loop and the writer. Those two are serial
 * stages: a moment either waits for a CPU that a check holds is lost for
 * the whole node, while the checks run in parallel and catch up. */
#define _GNU_SOURCE /* syscall(SYS_gettid): setpriority() takes a thread id on Linux */

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mc/error.h"
#include "node_internal.h"

typedef struct verify_job {
    uv_work_t req;
    mc_node *node;
    size_t count;
    mc_submission *subs[MC_NODE_VERIFY_CHUNK_MAX];
} verify_job;

void mc__queue_push(mc_sub_queue *q, mc_submission *s)
{
    s->next = NULL;
    if (q->tail != NULL) {
        q->tail->next = s;
    } else {
        q->head = s;
    }
    q->tail = s;
    q->count++;
}

mc_submission *mc__queue_pop(mc_sub_queue *q)
{
    mc_submission *s = q->head;
    if (s != NULL) {
        q->head = s->next;
        if (q->head == NULL) {
            q->tail = NULL;
        }
        q->count--;
        s->next = NULL;
    }
    return s;
}

/* Move all of `from` to the end of `to`. */
void mc__queue_append(mc_sub_queue *to, mc_sub_queue *from)
{
    if (from->head == NULL) {
        return;
    }
    if (to->tail != NULL) {
        to->tail->next = from->head;
    } else {
        to->head = from->head;
    }
    to->tail = from->tail;
    to->count += from->count;
    *from = (mc_sub_queue){NULL, NULL, 0};
}

bool mc__submissions_idle(const mc_node *node)
{
    return node->queued == 0 && node->verify_jobs == 0;
}

/* The refusal's context the submitter may see: an account's balance and
 * limit only when the visibility rules show them that account's details;
 * otherwise the words name the account and the rule, without figures. */
static void redact(mc_conn *conn, mc_result *r, char *words, size_t len)
{
    const mc_node *node = conn->node;
    if (r->code == MC_ERR_OK || !r->has_account || mc__sees_details(conn, r->account)) {
        mc_result_describe(r, node->info.decimals, node->info.unit_symbol, words, len);
        return;
    }
    r->balance = 0;
    r->limit = 0;
    if (r->handle[0] != '\0') {
        snprintf(words, len, "%s: %s", r->handle, mc_strerror(r->code));
    } else {
        snprintf(words, len, "%s", mc_strerror(r->code));
    }
}

/* Let an answered submission go. */
static void release(mc_node *node, mc_submission *s)
{
    mc_conn *conn = s->conn;
    conn->in_flight--;
    node->queued--;
    mc__conn_update(conn);
    mc__conn_unref(conn);
    mc_tx_free(s->tx);
    free(s->raw);
    free(s);
}

/* Answer a submission and let it go. */
void mc__submission_finish(mc_node *node, mc_submission *s)
{
    mc_conn *conn = s->conn;
    mc_result *r = &s->result;
    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__TxResult tr = MC__TX_RESULT__INIT;
    Mc__Error err;
    char words[512];
    redact(conn, r, words, sizeof words);
    if (s->outcome_unknown) {
        snprintf(words, sizeof words,
                 "applied, but the storage failed to make it durable and the node stops: a "
                 "crash may still undo it; send it again once the node is back (a duplicate "
                 "answer says it was kept)");
    }
    tr.tx_id = (ProtobufCBinaryData){MC_TX_ID_BYTES, (uint8_t *)r->tx_id};
    tr.code = (uint32_t)r->code;
    tr.duplicate = r->duplicate;
    tr.height = r->height;
    if (r->has_account) {
        tr.account = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)r->account};
    }
    tr.handle = (char *)r->handle;
    tr.amount = r->amount;
    tr.balance = r->balance;
    tr.limit = r->limit;
    tr.fee = r->fee;
    resp.id = s->request_id;
    resp.kind_case = MC__RESPONSE__KIND_SUBMIT;
    resp.submit = &tr;
    if (r->code != MC_ERR_OK) {
        mc__response_error(&resp, &err, r->code, words);
    }
    mc__conn_send_as_of(conn, &resp, s->state);
    release(node, s);
}

/* A submission whose bytes did not decode: no tx id, no TxResult. */
static void finish_undecodable(mc_node *node, mc_submission *s)
{
    mc__conn_send_error(s->conn, s->request_id, s->verify_rc,
                        s->verify_rc == MC_ERR_MALFORMED
                            ? "the %zu bytes submitted are not a well-formed signed transaction"
                            : "cannot take a submission of %zu bytes now",
                        s->raw_len);
    release(node, s);
}

/* Submissions whose check failed are answered here, without the writer. */
static void finish_bad_signature(mc_node *node, mc_submission *s)
{
    memset(&s->result, 0, sizeof s->result);
    s->result.code = MC_ERR_BAD_SIGNATURE;
    memcpy(s->result.tx_id, mc_tx_id_of(s->tx), MC_TX_ID_BYTES);
    if (s->verify_rc != MC_ERR_BAD_SIGNATURE) {
        s->result.code = s->verify_rc;
    }
    mc__submission_finish(node, s);
}

/* Once per pool thread (the pool runs nothing but signature checks). A
 * failure only costs throughput. */
static void lower_thread_priority(void)
{
    static _Thread_local bool done;
    static atomic_bool failure_logged;
    if (done) {
        return;
    }
    done = true;
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), MC_NODE_VERIFY_NICE) != 0 &&
        !atomic_exchange(&failure_logged, true)) {
        mc_log(MC_LOG_DEBUG, "verify threads keep their priority: setpriority: %s",
               strerror(errno));
    }
}

/* Decoding (protobuf, the tx id's SHA-256, copies) is done here rather
 * than on the loop, which it used to keep busy for microseconds a
 * submission; malformed bytes get the same answer, only later. */
static void verify_work(uv_work_t *req)
{
    lower_thread_priority();
    verify_job *job = req->data;
    for (size_t i = 0; i < job->count; i++) {
        mc_submission *s = job->subs[i];
        s->verify_rc = mc_tx_decode(s->raw, s->raw_len, &s->tx);
        free(s->raw);
        s->raw = NULL;
        if (s->verify_rc == MC_ERR_OK) {
            s->verify_rc = mc_tx_verify(s->tx);
        }
    }
}

static void pump_verify(mc_node *node);

/* Hand the verified head of `verify` to the writer, in arrival order. */
static void release_verified(mc_node *node)
{
    mc_sub_queue ready = {NULL, NULL, 0};
    while (node->verify.head != NULL && node->verify.head->verified) {
        mc_submission *s = mc__queue_pop(&node->verify);
        if (s->tx == NULL) {
            finish_undecodable(node, s);
        } else if (s->verify_rc == MC_ERR_OK) {
            mc__queue_push(&ready, s);
        } else {
            finish_bad_signature(node, s);
        }
    }
    if (ready.count > 0) {
        mc_writer *w = &node->writer;
        uv_mutex_lock(&w->lock);
        mc__queue_append(&w->in, &ready);
        uv_cond_signal(&w->wake);
        uv_mutex_unlock(&w->lock);
    }
}

static void verify_after(uv_work_t *req, int status)
{
    verify_job *job = req->data;
    mc_node *node = job->node;
    (void)status; /* jobs are never cancelled */
    for (size_t i = 0; i < job->count; i++) {
        job->subs[i]->verified = true;
    }
    node->verify_jobs--;
    node->verify_checked += job->count;
    free(job);
    release_verified(node);
    pump_verify(node);
    mc__node_flush(node);
    mc__node_check_drained(node);
}

/* How many submissions the next job takes; 0: none now. An idle pool
 * shares what there is among its threads, however little (a lone
 * submission waits for nothing). A busy one takes MC_NODE_VERIFY_CHUNK_MIN
 * at least: under a trickle of submissions, jobs of one or two cost more in
 * wakeups and queueing than they save, and whatever is left waits at most
 * until a running job ends (verify_after pumps again). */
static size_t verify_chunk(const mc_node *node, bool pool_was_idle)
{
    size_t unassigned = node->verify_unassigned;
    size_t free_threads = node->config->limits.verify_threads - node->verify_jobs;
    size_t chunk = (unassigned + free_threads - 1) / free_threads;
    if (!pool_was_idle) {
        if (unassigned < MC_NODE_VERIFY_CHUNK_MIN) {
            return 0;
        }
        chunk = chunk < MC_NODE_VERIFY_CHUNK_MIN ? MC_NODE_VERIFY_CHUNK_MIN : chunk;
    }
    return chunk > MC_NODE_VERIFY_CHUNK_MAX ? MC_NODE_VERIFY_CHUNK_MAX : chunk;
}

/* Start jobs for unassigned submissions while threads are free. */
static void pump_verify(mc_node *node)
{
    uint32_t threads = node->config->limits.verify_threads;
    bool pool_was_idle = node->verify_jobs == 0;
    while (node->verify_next != NULL && node->verify_jobs < threads) {
        size_t chunk = verify_chunk(node, pool_was_idle);
        if (chunk == 0) {
            return;
        }
        verify_job *job = malloc(sizeof *job);
        if (job == NULL) {
            return; /* retried when a running job ends */
        }
        job->node = node;
        job->count = 0;
        job->req.data = job;
        while (job->count < chunk && node->verify_next != NULL) {
            node->verify_next->assigned = true;
            node->verify_unassigned--;
            job->subs[job->count++] = node->verify_next;
            node->verify_next = node->verify_next->next;
        }
        uv_queue_work(node->loop, &job->req, verify_work, verify_after);
        node->verify_jobs++;
        node->verify_jobs_started++;
    }
}

void mc__submit(mc_conn *conn, uint64_t id, const uint8_t *bytes, size_t len)
{
    mc_node *node = conn->node;
    if (node->queued >= node->config->limits.max_queue) {
        mc__conn_send_error(conn, id, MC_ERR_OVERLOADED,
                            "%u submissions are waiting, this node's limit; retry later",
                            node->queued);
        return;
    }
    if (len > MC_TX_BYTES_MAX) { /* mc_tx_decode's first check, without the copy */
        mc__conn_send_error(conn, id, MC_ERR_MALFORMED,
                            "the %zu bytes submitted are not a well-formed signed transaction",
                            len);
        return;
    }
    mc_submission *s = calloc(1, sizeof *s);
    uint8_t *raw = len > 0 ? malloc(len) : NULL; /* none: mc_tx_decode answers MALFORMED */
    if (s == NULL || (len > 0 && raw == NULL)) {
        free(s);
        free(raw);
        mc__conn_send_error(conn, id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    if (len > 0) {
        memcpy(raw, bytes, len);
    }
    s->conn = conn;
    s->request_id = id;
    s->raw = raw;
    s->raw_len = len;
    conn->refs++;
    conn->in_flight++;
    node->queued++;
    mc__queue_push(&node->verify, s);
    node->verify_unassigned++;
    if (node->verify_next == NULL) {
        node->verify_next = s;
    }
    pump_verify(node);
}
