/* The payment-request queries: an account's open requests (paged, oldest
 * first) and one request by id, with the handles of both parties. Visible
 * to whoever may see one of the parties' details (mc__sees_details). */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "node_internal.h"

/* A WireRequest and the strings it borrows. */
typedef struct wire_request {
    Mc__WireRequest w;
    mc_request q;
    mc_account payer, payee;
} wire_request;

static void request_to_wire(mc_conn *conn, const mc_request *q, wire_request *out)
{
    Mc__WireRequest *w = &out->w;
    out->q = *q;
    mc__wire_request__init(w);
    w->id = (ProtobufCBinaryData){MC_TX_ID_BYTES, out->q.id};
    w->payee = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, out->q.payee};
    w->payer = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, out->q.payer};
    w->amount = q->amount;
    w->memo = (ProtobufCBinaryData){strlen(out->q.memo), (uint8_t *)out->q.memo};
    w->status = (uint32_t)q->status;
    w->height = q->height;
    w->closed_height = q->closed_height;
    if (q->status != MC_REQUEST_OPEN) {
        w->closed_by = (ProtobufCBinaryData){MC_TX_ID_BYTES, out->q.closed_by};
    }
    mc_ledger *l = conn->node->ledger;
    w->payee_handle =
        mc_ledger_get_account(l, q->payee, &out->payee) == MC_ERR_OK ? out->payee.handle : "";
    w->payer_handle =
        mc_ledger_get_account(l, q->payer, &out->payer) == MC_ERR_OK ? out->payer.handle : "";
}

void mc__query_request(mc_conn *conn, const Mc__Request *req)
{
    const Mc__GetRequestRequest *g = req->get_request;
    if (!mc__require_auth(conn, req->id)) {
        return;
    }
    if (g->request_id.len != MC_TX_ID_BYTES) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT, "a request id is 32 bytes");
        return;
    }
    mc_request q;
    int rc = mc_ledger_get_request(conn->node->ledger, g->request_id.data, &q);
    if (rc == MC_ERR_NOT_FOUND) {
        mc__conn_send_error(conn, req->id, MC_ERR_UNKNOWN_REQUEST,
                            "no payment request has this id");
        return;
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
        return;
    }
    if (!mc__sees_details(conn, q.payer) && !mc__sees_details(conn, q.payee)) {
        mc__conn_send_error(conn, req->id, MC_ERR_FORBIDDEN,
                            "this ledger is private: a request is shown to its payer, its payee, "
                            "the stewards and the auditors");
        return;
    }
    wire_request *wr = malloc(sizeof *wr);
    if (wr == NULL) {
        mc__conn_send_error(conn, req->id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    request_to_wire(conn, &q, wr);
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_REQUEST;
    resp.request = &wr->w;
    mc__conn_send(conn, &resp);
    free(wr);
}

typedef struct request_page {
    mc_request *items;
    size_t count, cap;
} request_page;

static int collect_request(const mc_request *q, void *ctx)
{
    request_page *p = ctx;
    p->items[p->count++] = *q;
    return p->count == p->cap ? 1 : 0;
}

static void send_requests(mc_conn *conn, uint64_t id, const request_page *page, size_t n)
{
    wire_request *wr = calloc(n + 1, sizeof *wr);
    Mc__WireRequest **ptrs = calloc(n + 1, sizeof *ptrs);
    if (wr == NULL || ptrs == NULL) {
        mc__conn_send_error(conn, id, MC_ERR_NO_MEMORY, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            request_to_wire(conn, &page->items[i], &wr[i]);
            ptrs[i] = &wr[i].w;
        }
        Mc__ListRequestsResponse lr = MC__LIST_REQUESTS_RESPONSE__INIT;
        lr.n_requests = n;
        lr.requests = ptrs;
        lr.more = page->count > n;
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.id = id;
        resp.kind_case = MC__RESPONSE__KIND_REQUESTS;
        resp.requests = &lr;
        mc__conn_send(conn, &resp);
    }
    free(wr);
    free(ptrs);
}

void mc__query_list_requests(mc_conn *conn, const Mc__Request *req)
{
    const Mc__ListRequestsRequest *l = req->list_requests;
    if (!mc__require_auth(conn, req->id)) {
        return;
    }
    if (l->public_key.len != MC_PUBLIC_KEY_BYTES) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT, "a public key is 32 bytes");
        return;
    }
    if (!mc__sees_details(conn, l->public_key.data)) {
        mc__conn_send_error(conn, req->id, MC_ERR_FORBIDDEN,
                            "this ledger is private: an account's requests are shown to it, the "
                            "stewards and the auditors");
        return;
    }
    uint32_t limit = mc__page_limit(conn, l->limit);
    request_page page = {.cap = (size_t)limit + 1};
    page.items = calloc(page.cap, sizeof *page.items);
    if (page.items == NULL) {
        mc__conn_send_error(conn, req->id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    int rc = mc_ledger_open_requests(conn->node->ledger, l->public_key.data, l->after_height,
                                     page.cap, collect_request, &page);
    if (rc != MC_ERR_OK && rc != 1) {
        mc__storage_error(conn, req->id, rc);
    } else {
        send_requests(conn, req->id, &page, page.count < limit ? page.count : limit);
    }
    free(page.items);
}
