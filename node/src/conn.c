/* Connections: accepting, reading and cutting frames, writing answers, the
 * limits of one connection (frame size, requests in flight, unsent bytes,
 * idle time, time to finish a started frame) and closing.
 *
 * A connection is read while it has fewer than max_in_flight requests
 * unanswered and fewer than write_buffer_bytes unsent; otherwise the node
 * stops reading it and TCP pushes back on the client. Frames already read
 * wait in the read buffer until there is room again. Answers queue in
 * `wbuf` and go out in one uv_write per connection per loop turn
 * (mc__node_flush). A connection's memory is freed when both of its handles
 * are closed and no submission refers to it any more.
 *
 * Durability of what answers tell: the ledger's last commit may not be
 * durable yet (deferred meta sync, see writer.c), and a query reads it.
 * Each answer is marked with the newest state it may describe, and `wbuf`
 * goes out only once the ledger's durable state has reached its mark: an
 * answer never tells of a transfer that a crash could still undo (a balance,
 * a history, get_tx: how a client learns the fate of a submission whose
 * answer it lost). The writer syncs as soon as it has nothing else to do,
 * so the wait is at most one batch. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "mc/frame.h"
#include "node_internal.h"

typedef struct write_req {
    uv_write_t req;
    mc_conn *conn;
    uint8_t *data;
    size_t len;
} write_req;

uint64_t mc__now_ms(const mc_node *node)
{
    return uv_now(node->loop);
}

static void conn_maybe_free(mc_conn *conn)
{
    if (conn->handles_open > 0 || conn->refs > 0) {
        return;
    }
    mc_node *node = conn->node;
    free(conn);
    mc__node_check_drained(node);
}

static void on_handle_closed(uv_handle_t *handle)
{
    mc_conn *conn = handle->data;
    conn->handles_open--;
    conn_maybe_free(conn);
}

void mc__conn_unref(mc_conn *conn)
{
    conn->refs--;
    conn_maybe_free(conn);
}

static void flush_list_remove(mc_conn *conn)
{
    mc_conn **p = &conn->node->flush_list;
    while (*p != NULL && *p != conn) {
        p = &(*p)->flush_next;
    }
    if (*p == conn) {
        *p = conn->flush_next;
    }
    conn->in_flush_list = false;
}

void mc__conn_close(mc_conn *conn)
{
    if (conn->closing) {
        return;
    }
    mc_node *node = conn->node;
    conn->closing = true;
    mc_log(MC_LOG_DEBUG, "conn %llu (%s): closed", (unsigned long long)conn->serial, conn->peer);
    if (conn->prev != NULL) {
        conn->prev->next = conn->next;
    } else {
        node->conns = conn->next;
    }
    if (conn->next != NULL) {
        conn->next->prev = conn->prev;
    }
    node->conn_count--;
    if (conn->in_flush_list) {
        flush_list_remove(conn);
    }
    free(conn->rbuf);
    free(conn->wbuf);
    conn->rbuf = conn->wbuf = NULL;
    conn->rlen = conn->rcap = conn->wlen = conn->wcap = 0;
    uv_close((uv_handle_t *)&conn->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&conn->timer, on_handle_closed);
}

static int buf_reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (*cap >= need) {
        return 0;
    }
    size_t next = *cap ? *cap : 4096;
    while (next < need) {
        next *= 2;
    }
    uint8_t *p = realloc(*buf, next);
    if (p == NULL) {
        return -1;
    }
    *buf = p;
    *cap = next;
    return 0;
}

void mc__conn_send(mc_conn *conn, const Mc__Response *resp)
{
    mc__conn_send_as_of(conn, resp, mc_ledger_read_state(conn->node->ledger));
}

void mc__conn_send_as_of(mc_conn *conn, const Mc__Response *resp, uint64_t state)
{
    if (conn->closing) {
        return;
    }
    if (state > conn->wbuf_state) {
        conn->wbuf_state = state;
    }
    size_t len = mc__response__get_packed_size(resp);
    if (len > MC_FRAME_MAX_LIMIT ||
        buf_reserve(&conn->wbuf, &conn->wcap, conn->wlen + MC_FRAME_HEADER_BYTES + len) != 0) {
        mc_log(MC_LOG_ERROR, "conn %llu: out of memory for an answer of %zu bytes; closing",
               (unsigned long long)conn->serial, len);
        mc__conn_close(conn);
        return;
    }
    mc_frame_put_length(conn->wbuf + conn->wlen, (uint32_t)len);
    mc__response__pack(resp, conn->wbuf + conn->wlen + MC_FRAME_HEADER_BYTES);
    conn->wlen += MC_FRAME_HEADER_BYTES + len;
    if (!conn->in_flush_list) {
        conn->in_flush_list = true;
        conn->flush_next = conn->node->flush_list;
        conn->node->flush_list = conn;
    }
}

void mc__conn_send_error(mc_conn *conn, uint64_t id, int code, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__Error err;
    resp.id = id;
    mc__response_error(&resp, &err, code, message);
    mc__conn_send(conn, &resp);
}

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    mc_conn *conn = w->conn;
    conn->writing_bytes -= w->len;
    conn->last_write_ms = mc__now_ms(conn->node);
    free(w->data);
    free(w);
    if (status < 0 && status != UV_ECANCELED) {
        mc_log(MC_LOG_DEBUG, "conn %llu: write: %s", (unsigned long long)conn->serial,
               uv_strerror(status));
        mc__conn_close(conn);
        return;
    }
    mc__conn_update(conn);      /* may take more frames in, whose answers... */
    mc__node_flush(conn->node); /* ...go out now */
}

static void conn_flush(mc_conn *conn)
{
    write_req *w = malloc(sizeof *w);
    if (w == NULL) {
        mc__conn_close(conn);
        return;
    }
    w->conn = conn;
    w->data = conn->wbuf;
    w->len = conn->wlen;
    conn->wbuf = NULL;
    conn->wlen = conn->wcap = 0;
    conn->wbuf_state = 0;
    uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)w->len);
    int rc = uv_write(&w->req, (uv_stream_t *)&conn->tcp, &buf, 1, on_write);
    if (rc != 0) {
        free(w->data);
        free(w);
        mc__conn_close(conn);
        return;
    }
    if (conn->writing_bytes == 0) {
        conn->last_write_ms = mc__now_ms(conn->node); /* the stall clock starts now */
    }
    conn->writing_bytes += w->len;
}

/* Write out every connection's answers whose state is durable; the others
 * stay in the list until the writer reports a sync (its on_done flushes). */
void mc__node_flush(mc_node *node)
{
    uint64_t durable = mc_ledger_durable_state(node->ledger);
    mc_conn *waiting = NULL;
    while (node->flush_list != NULL) {
        mc_conn *conn = node->flush_list;
        node->flush_list = conn->flush_next;
        if (!conn->closing && conn->wlen > 0 && conn->wbuf_state > durable) {
            conn->flush_next = waiting;
            waiting = conn;
            continue;
        }
        conn->in_flush_list = false;
        if (!conn->closing && conn->wlen > 0) {
            conn_flush(conn);
        }
    }
    node->flush_list = waiting;
}

/* True when rbuf holds the start of a frame that has not fully arrived. */
static bool partial_frame(const mc_conn *conn)
{
    uint32_t len = 0;
    return conn->rlen > 0 &&
           mc_frame_parse(conn->rbuf, conn->rlen, UINT32_MAX, &len) == MC_FRAME_NEED_MORE;
}

/* Why a connection's timer is set. */
typedef enum timer_reason {
    TIMER_NONE,
    TIMER_FRAME,   /* a frame started and not finished */
    TIMER_IDLE,    /* nothing asked, nothing owed */
    TIMER_STALLED, /* answers owed that the client does not read */
    TIMER_DRAIN,   /* the node has stopped: its last answers get a grace */
} timer_reason;

static timer_reason next_deadline(const mc_conn *conn, uint64_t *deadline)
{
    const mc_node *node = conn->node;
    const mc_node_limits *lim = &node->config->limits;
    if (node->closed) {
        uint32_t grace = lim->idle_timeout_ms < MC_NODE_DRAIN_GRACE_MS_MAX
                             ? lim->idle_timeout_ms
                             : MC_NODE_DRAIN_GRACE_MS_MAX;
        *deadline = node->closed_ms + grace;
        return TIMER_DRAIN;
    }
    if (partial_frame(conn) && conn->reading) { /* paused by us: not the client's delay */
        *deadline = conn->frame_started_ms + lim->frame_timeout_ms;
        return TIMER_FRAME;
    }
    if (conn->writing_bytes > 0) {
        *deadline = conn->last_write_ms + lim->idle_timeout_ms;
        return TIMER_STALLED;
    }
    if (conn->in_flight == 0 && conn->wlen == 0) {
        *deadline = conn->last_activity_ms + lim->idle_timeout_ms;
        return TIMER_IDLE;
    }
    return TIMER_NONE;
}

static void on_timer(uv_timer_t *timer);

static void arm_timer(mc_conn *conn)
{
    uint64_t now = mc__now_ms(conn->node), deadline = 0;
    if (next_deadline(conn, &deadline) == TIMER_NONE) {
        uv_timer_stop(&conn->timer);
        return;
    }
    uv_timer_start(&conn->timer, on_timer, deadline > now ? deadline - now : 0, 0);
}

static void on_timer(uv_timer_t *timer)
{
    static const char *const why[] = {
        [TIMER_FRAME] = "a frame it started is unfinished",
        [TIMER_IDLE] = "idle",
        [TIMER_STALLED] = "it does not read its answers",
        [TIMER_DRAIN] = "the node stops and its last answers are unread",
    };
    mc_conn *conn = timer->data;
    uint64_t now = mc__now_ms(conn->node), deadline = 0;
    timer_reason reason = next_deadline(conn, &deadline);
    if (reason != TIMER_NONE && now >= deadline) {
        mc_log(reason == TIMER_IDLE ? MC_LOG_DEBUG : MC_LOG_INFO, "conn %llu (%s): %s; closing",
               (unsigned long long)conn->serial, conn->peer, why[reason]);
        mc__conn_close(conn);
        return;
    }
    arm_timer(conn);
}

/* Stopping: whole frames read but not yet handled are answered
 * SHUTTING_DOWN (with their ids when they decode), so their senders know to
 * resend them once the node is back; nothing of them was applied. */
static void refuse_buffered(mc_conn *conn)
{
    uint32_t max = conn->node->config->limits.max_frame_bytes;
    size_t off = 0;
    uint32_t len = 0;
    while (mc_frame_parse(conn->rbuf + off, conn->rlen - off, max, &len) == MC_FRAME_READY) {
        Mc__Request *req = mc__request__unpack(NULL, len, conn->rbuf + off + MC_FRAME_HEADER_BYTES);
        mc__conn_send_error(conn, req != NULL ? req->id : 0, MC_ERR_SHUTTING_DOWN,
                            "the node is shutting down and did not take this request; resend "
                            "it once the node is back");
        if (req != NULL) {
            mc__request__free_unpacked(req, NULL);
        }
        off += MC_FRAME_HEADER_BYTES + (size_t)len;
    }
    conn->rlen = 0;
}

/* Cut and handle the whole frames in rbuf while the connection has room. */
static void process_frames(mc_conn *conn)
{
    const mc_node *node = conn->node;
    if (node->stopping) {
        refuse_buffered(conn);
        return;
    }
    const mc_node_limits *lim = &node->config->limits;
    size_t off = 0;
    while (!conn->closing && !conn->close_after_write && !node->stopping &&
           conn->in_flight < lim->max_in_flight &&
           conn->writing_bytes + conn->wlen < lim->write_buffer_bytes) {
        uint32_t len = 0;
        mc_frame_status st =
            mc_frame_parse(conn->rbuf + off, conn->rlen - off, lim->max_frame_bytes, &len);
        if (st == MC_FRAME_NEED_MORE) {
            break;
        }
        if (st == MC_FRAME_TOO_LARGE) {
            mc_log(MC_LOG_INFO, "conn %llu (%s): frame of %u bytes over the limit of %u; closing",
                   (unsigned long long)conn->serial, conn->peer, len, lim->max_frame_bytes);
            mc__conn_send_error(conn, 0, MC_ERR_FRAME_TOO_LARGE,
                                "a frame of %u bytes is over this node's limit of %u bytes", len,
                                lim->max_frame_bytes);
            conn->close_after_write = true;
            conn->rlen = off = 0;
            break;
        }
        mc__session_frame(conn, conn->rbuf + off + MC_FRAME_HEADER_BYTES, len);
        off += MC_FRAME_HEADER_BYTES + (size_t)len;
    }
    if (off > 0 && !conn->closing) {
        memmove(conn->rbuf, conn->rbuf + off, conn->rlen - off);
        conn->rlen -= off;
        conn->frame_started_ms = mc__now_ms(node); /* what remains began arriving by now */
    }
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    mc_conn *conn = handle->data;
    if (buf_reserve(&conn->rbuf, &conn->rcap, conn->rlen + MC_NODE_READ_CHUNK) != 0) {
        *buf = uv_buf_init(NULL, 0); /* on_read gets UV_ENOBUFS */
        return;
    }
    *buf = uv_buf_init((char *)conn->rbuf + conn->rlen, (unsigned)(conn->rcap - conn->rlen));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    mc_conn *conn = stream->data;
    mc_node *node = conn->node;
    if (nread < 0) {
        if (nread != UV_EOF) {
            mc_log(MC_LOG_DEBUG, "conn %llu: read: %s", (unsigned long long)conn->serial,
                   uv_strerror((int)nread));
            mc__conn_close(conn);
            return;
        }
        /* The peer is done sending; it still gets the answers in flight. */
        conn->close_after_write = true;
        mc__conn_update(conn);
        return;
    }
    if (nread == 0) {
        return;
    }
    if (conn->rlen == 0) {
        conn->frame_started_ms = mc__now_ms(node);
    }
    conn->rlen += (size_t)nread;
    conn->last_activity_ms = mc__now_ms(node);
    mc__conn_update(conn);
    mc__node_flush(node);
}

void mc__conn_update(mc_conn *conn)
{
    if (conn->closing) {
        return;
    }
    mc_node *node = conn->node;
    const mc_node_limits *lim = &node->config->limits;
    process_frames(conn);
    if (conn->closing) {
        return;
    }
    bool unsent_ok = conn->writing_bytes + conn->wlen < lim->write_buffer_bytes;
    bool want = !node->stopping && !conn->close_after_write &&
                conn->in_flight < lim->max_in_flight && unsent_ok;
    if (want && !conn->reading) {
        conn->reading = uv_read_start((uv_stream_t *)&conn->tcp, on_alloc, on_read) == 0;
        conn->frame_started_ms = mc__now_ms(node); /* the time to finish a frame restarts */
    } else if (!want && conn->reading) {
        uv_read_stop((uv_stream_t *)&conn->tcp);
        conn->reading = false;
    }
    if (conn->close_after_write && conn->in_flight == 0 && conn->wlen == 0 &&
        conn->writing_bytes == 0) {
        mc__conn_close(conn);
        return;
    }
    arm_timer(conn);
}

static void peer_name(mc_conn *conn)
{
    struct sockaddr_storage addr;
    int len = sizeof addr;
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&conn->tcp, (struct sockaddr *)&addr, &len) == 0) {
        if (addr.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&addr)->sin_port);
        }
    }
    snprintf(conn->peer, sizeof conn->peer, "%s:%d", host, port);
}

static mc_conn *conn_new(mc_node *node)
{
    mc_conn *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        return NULL;
    }
    conn->node = node;
    conn->serial = ++node->conn_serial;
    uv_tcp_init(node->loop, &conn->tcp);
    uv_timer_init(node->loop, &conn->timer);
    conn->tcp.data = conn->timer.data = conn;
    conn->handles_open = 2;
    conn->next = node->conns;
    if (node->conns != NULL) {
        node->conns->prev = conn;
    }
    node->conns = conn;
    node->conn_count++;
    conn->last_activity_ms = mc__now_ms(node);
    return conn;
}

void mc__conn_accept(mc_node *node)
{
    bool full = node->conn_count >= node->config->limits.max_connections;
    mc_conn *conn = conn_new(node);
    if (conn == NULL) {
        mc_log(MC_LOG_ERROR, "out of memory for a new connection");
        return;
    }
    if (uv_accept((uv_stream_t *)&node->listener, (uv_stream_t *)&conn->tcp) != 0) {
        mc__conn_close(conn);
        return;
    }
    uv_tcp_nodelay(&conn->tcp, 1);
    peer_name(conn);
    if (node->stopping) {
        mc__conn_close(conn);
        return;
    }
    if (full) {
        mc_log(MC_LOG_WARN, "conn %llu (%s): refused: %u connections already",
               (unsigned long long)conn->serial, conn->peer, node->config->limits.max_connections);
        mc__conn_send_error(conn, 0, MC_ERR_OVERLOADED,
                            "this node serves at most %u connections at once; retry later",
                            node->config->limits.max_connections);
        conn->close_after_write = true;
        mc__node_flush(node);
        return;
    }
    mc_log(MC_LOG_DEBUG, "conn %llu (%s): accepted", (unsigned long long)conn->serial, conn->peer);
    mc__conn_update(conn);
}
