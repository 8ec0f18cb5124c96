/* Submitting signed transactions: one at a time with retries
 * (mc_client_submit) or pipelined (mc_client_send_submit and
 * mc_client_recv_result).
 *
 * A resend is always the same signed bytes, so it is safe: the ledger
 * applies a transaction once and answers a duplicate with the original
 * result. Resends happen after OVERLOADED (same connection) and after a
 * timeout or a lost connection (a new connection, authenticated again),
 * each after a wait that doubles from MC_CLIENT_BACKOFF_MS_FIRST, at most
 * opts.submit_retries of them in all.
 *
 * Pipelined submissions are kept in c->pending, ids ascending (ids only
 * grow); an answer is matched by binary search and marked received, and
 * received entries are swept out when the array is full, so it holds at
 * most about twice MC_CLIENT_OUTSTANDING_MAX entries. When a send fails,
 * the connection is closed but the submissions and the answers already
 * received stay (c->lost): the node may have applied and answered many
 * while the client was sending, and the caller must learn of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mc/error.h"

/* The tx_id of signed bytes, when they decode. */
static bool local_tx_id(const uint8_t *signed_tx, size_t len, uint8_t out[MC_TX_ID_BYTES])
{
    mc_tx *tx = NULL;
    if (mc_tx_decode(signed_tx, len, &tx) != MC_ERR_OK) {
        memset(out, 0, MC_TX_ID_BYTES);
        return false;
    }
    memcpy(out, mc_tx_id_of(tx), MC_TX_ID_BYTES);
    mc_tx_free(tx);
    return true;
}

/* The refusal context of a TxResult. */
static int result_context(mc_client *c, const Mc__TxResult *t, mc_result *r)
{
    if (t->code > MC_CLIENT_ERROR_CODE_MAX ||
        (t->account.len != 0 && t->account.len != MC_PUBLIC_KEY_BYTES)) {
        mc__client_set_error(c, "%s sent a result with code %u, an account of %zu bytes",
                             c->address, t->code, t->account.len);
        return MC_ERR_PROTOCOL;
    }
    r->code = (int)t->code;
    r->duplicate = t->duplicate;
    r->height = t->height;
    r->has_account = t->account.len == MC_PUBLIC_KEY_BYTES;
    if (r->has_account) {
        memcpy(r->account, t->account.data, MC_PUBLIC_KEY_BYTES);
    }
    r->amount = t->amount;
    r->balance = t->balance;
    r->limit = t->limit;
    r->fee = t->fee;
    return mc__client_copy_text(c, "handle", t->handle, r->handle, sizeof r->handle);
}

/* The outcome in a TxResult; `tx_id` (NULL when the signed bytes do not
 * decode) is what the node's tx_id must equal, and stands in for it when
 * the node sent none. */
static int result_from_tx_result(mc_client *c, const Mc__TxResult *t, const uint8_t *tx_id,
                                 mc_result *r)
{
    int rc = result_context(c, t, r);
    if (rc != MC_ERR_OK || t->tx_id.len == 0) {
        if (rc == MC_ERR_OK && tx_id != NULL) {
            memcpy(r->tx_id, tx_id, MC_TX_ID_BYTES);
        }
        return rc;
    }
    rc = mc__client_copy_bytes(c, "tx id", &t->tx_id, r->tx_id, MC_TX_ID_BYTES);
    if (rc == MC_ERR_OK && tx_id != NULL && memcmp(r->tx_id, tx_id, MC_TX_ID_BYTES) != 0) {
        mc__client_set_error(c, "%s answered about another transaction", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    return rc;
}

/* The outcome of one submission from the node's answer about it: a
 * TxResult (with the refusal's words in Response.error), or only an error
 * (MALFORMED, BAD_SIGNATURE, OVERLOADED...). */
static int result_convert(mc_client *c, const Mc__Response *resp, const uint8_t *tx_id,
                          mc_result *out)
{
    mc_result r;
    memset(&r, 0, sizeof r);
    int code = mc__client_node_error(c, resp->error);
    if (code == MC_ERR_PROTOCOL) {
        return code;
    }
    if (resp->kind_case == MC__RESPONSE__KIND_SUBMIT) {
        int rc = result_from_tx_result(c, resp->submit, tx_id, &r);
        if (rc != MC_ERR_OK) {
            return rc;
        }
        if (r.code != MC_ERR_OK && code == MC_ERR_OK) {
            mc__client_set_error(c, "%s", mc_strerror(r.code));
        }
    } else if (code != MC_ERR_OK && resp->kind_case == MC__RESPONSE__KIND__NOT_SET) {
        r.code = code;
        if (tx_id != NULL) {
            memcpy(r.tx_id, tx_id, MC_TX_ID_BYTES);
        }
    } else {
        mc__client_set_error(c, "%s answered a submission with neither a result nor an error",
                             c->address);
        return MC_ERR_PROTOCOL;
    }
    *out = r;
    return MC_ERR_OK;
}

static void submit_request_init(Mc__Request *req, Mc__SubmitRequest *submit,
                                const uint8_t *signed_tx, size_t len)
{
    mc__request__init(req);
    mc__submit_request__init(submit);
    submit->signed_tx.data = (uint8_t *)signed_tx;
    submit->signed_tx.len = len;
    req->kind_case = MC__REQUEST__KIND_SUBMIT;
    req->submit = submit;
}

/* One attempt: (re)connect, send, wait. MC_ERR_OK with *out when the node
 * answered about the transaction, else the failure. */
static int submit_once(mc_client *c, const uint8_t *signed_tx, size_t len, const uint8_t *tx_id,
                       mc_result *out)
{
    Mc__Request req;
    Mc__SubmitRequest submit;
    submit_request_init(&req, &submit, signed_tx, len);
    c->error[0] = '\0'; /* only this attempt's words */
    int rc = mc__client_ensure_connected(c);
    Mc__Response *resp = NULL;
    if (rc == MC_ERR_OK) {
        rc = mc__client_exchange(c, &req, &resp);
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = result_convert(c, resp, tx_id, out);
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

static bool submit_args_ok(mc_client *c, const uint8_t *signed_tx, size_t len)
{
    if (signed_tx == NULL || len == 0 || len > MC_CLIENT_SUBMIT_BYTES_MAX) {
        mc__client_set_error(c, "a signed transaction is 1 to %u bytes",
                             MC_CLIENT_SUBMIT_BYTES_MAX);
        return false;
    }
    return true;
}

/* Whether a failed attempt may be sent again: the node was overloaded
 * (answer or connection-level), or no answer came. */
static bool submit_may_resend(int rc, const mc_result *r)
{
    if (rc == MC_ERR_OK) {
        return r->code == MC_ERR_OVERLOADED;
    }
    return rc == MC_ERR_OVERLOADED || rc == MC_ERR_TIMEOUT || rc == MC_ERR_UNREACHABLE;
}

/* Add the number of resends to the message of the last failure. */
static void note_resends(mc_client *c, unsigned resends)
{
    size_t len = strlen(c->error);
    snprintf(c->error + len, sizeof c->error - len, " (after %u resends)", resends);
}

int mc_client_submit(mc_client *c, const uint8_t *signed_tx, size_t len, mc_result *out)
{
    if (c == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    if (!submit_args_ok(c, signed_tx, len)) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    int rc = mc__client_refuse_while_pipelining(c);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    uint8_t tx_id[MC_TX_ID_BYTES];
    const uint8_t *id = local_tx_id(signed_tx, len, tx_id) ? tx_id : NULL;
    int backoff_ms = MC_CLIENT_BACKOFF_MS_FIRST;
    mc_result r;
    for (unsigned resends = 0;; resends++) {
        memset(&r, 0, sizeof r);
        rc = submit_once(c, signed_tx, len, id, &r);
        if (!submit_may_resend(rc, &r) || resends >= c->opts.submit_retries) {
            if (rc == MC_ERR_OVERLOADED) { /* the node refused the connection */
                r.code = rc;
                memcpy(r.tx_id, tx_id, sizeof r.tx_id);
                rc = MC_ERR_OK;
            }
            if (rc == MC_ERR_OK) {
                *out = r;
            } else if (resends > 0 && mc_client_is_transport_error(rc)) {
                note_resends(c, resends);
            }
            return rc;
        }
        mc__client_sleep_ms(backoff_ms);
        backoff_ms =
            backoff_ms * 2 > MC_CLIENT_BACKOFF_MS_MAX ? MC_CLIENT_BACKOFF_MS_MAX : backoff_ms * 2;
    }
}

/* ---- pipelining --------------------------------------------------------- */

/* Room for one more pending entry: sweep out received entries, grow when
 * more than half stay. */
static int pending_reserve(mc_client *c)
{
    if (c->pending_len < c->pending_cap) {
        return MC_ERR_OK;
    }
    size_t kept = 0;
    for (size_t i = 0; i < c->pending_len; i++) {
        if (!c->pending[i].received) {
            c->pending[kept++] = c->pending[i];
        }
    }
    c->pending_len = kept;
    if (kept < c->pending_cap / 2) {
        return MC_ERR_OK;
    }
    size_t cap = c->pending_cap > 0 ? c->pending_cap * 2 : 64;
    mc__pending *grown = realloc(c->pending, cap * sizeof *grown);
    if (grown == NULL) {
        mc__client_set_error(c, "no memory to track %zu submissions", cap);
        return MC_ERR_NO_MEMORY;
    }
    c->pending = grown;
    c->pending_cap = cap;
    return MC_ERR_OK;
}

/* The outstanding entry of request `id`, or NULL. */
static mc__pending *pending_find(mc_client *c, uint64_t id)
{
    size_t lo = 0, hi = c->pending_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->pending[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo < c->pending_len && c->pending[lo].id == id && !c->pending[lo].received) {
        return &c->pending[lo];
    }
    return NULL;
}

int mc_client_send_submit(mc_client *c, const uint8_t *signed_tx, size_t len, uint64_t *request_id)
{
    if (c == NULL || request_id == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    if (!submit_args_ok(c, signed_tx, len)) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    if (c->outstanding >= MC_CLIENT_OUTSTANDING_MAX) {
        mc__client_set_error(c, "%u submissions outstanding: receive answers first",
                             MC_CLIENT_OUTSTANDING_MAX);
        return MC_ERR_OVERLOADED;
    }
    int rc = mc__client_refuse_while_lost(c);
    if (rc == MC_ERR_OK && c->outstanding == 0) {
        rc = mc__client_ensure_connected(c);
    }
    if (rc == MC_ERR_OK) {
        rc = pending_reserve(c);
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc__pending *p = &c->pending[c->pending_len];
    memset(p, 0, sizeof *p);
    p->has_tx_id = local_tx_id(signed_tx, len, p->tx_id);
    Mc__Request req;
    Mc__SubmitRequest submit;
    submit_request_init(&req, &submit, signed_tx, len);
    rc = mc__client_send_request(c, &req, mc__client_now_ms() + c->opts.timeout_ms);
    if (rc != MC_ERR_OK) {
        /* Part of a frame may be sent: the stream is lost, not what came in. */
        mc__client_disconnect_keep_answers(c);
        return rc;
    }
    p->id = req.id;
    c->pending_len++;
    c->outstanding++;
    *request_id = req.id;
    return MC_ERR_OK;
}

/* An answer to a pipelined submission, or a stale one (MC_ERR_OK, *matched
 * false: dropped), or a failure. */
static int recv_match(mc_client *c, const Mc__Response *resp, bool *matched, uint64_t *request_id,
                      mc_result *out)
{
    *matched = false;
    if (resp->id == 0) {
        int rc = mc__client_node_error(c, resp->error);
        if (rc == MC_ERR_OK) {
            mc__client_set_error(c, "%s answered request 0, never sent", c->address);
            rc = MC_ERR_PROTOCOL;
        }
        return rc;
    }
    if (resp->id >= c->next_id) {
        mc__client_set_error(c, "%s answered request %llu, never sent", c->address,
                             (unsigned long long)resp->id);
        return MC_ERR_PROTOCOL;
    }
    mc__pending *p = pending_find(c, resp->id);
    if (p == NULL) {
        return MC_ERR_OK;
    }
    int rc = result_convert(c, resp, p->has_tx_id ? p->tx_id : NULL, out);
    if (rc == MC_ERR_OK) {
        p->received = true;
        c->outstanding--;
        if (c->outstanding == 0) {
            c->pending_len = 0;
        }
        *request_id = resp->id;
        *matched = true;
    }
    return rc;
}

int mc_client_recv_result(mc_client *c, uint64_t *request_id, mc_result *out)
{
    if (c == NULL || request_id == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    if (c->outstanding == 0) {
        mc__client_set_error(c, "no pipelined submission outstanding");
        return MC_ERR_INVALID_ARGUMENT;
    }
    int64_t deadline_ms = mc__client_now_ms() + c->opts.timeout_ms;
    for (;;) {
        Mc__Response *resp = NULL;
        int rc = mc__client_read_response(c, deadline_ms, &resp);
        bool matched = false;
        if (rc == MC_ERR_OK) {
            rc = recv_match(c, resp, &matched, request_id, out);
            mc__response__free_unpacked(resp, NULL);
        }
        if (rc != MC_ERR_OK) {
            mc__client_disconnect(c);
            return rc;
        }
        if (matched) {
            if (c->lost && c->outstanding == 0) {
                mc__client_disconnect(c); /* every answer came: the next call reconnects */
            }
            return MC_ERR_OK;
        }
    }
}

size_t mc_client_outstanding(const mc_client *c)
{
    return c != NULL ? c->outstanding : 0;
}
