/* Payment requests through the node: an account's open requests (paged)
 * and one request by id. Answers are checked and converted into a
 * temporary first, so out-parameters stay untouched on failure. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mc/error.h"
#include "mc/text.h"

static int request_convert(mc_client *c, const Mc__WireRequest *w, mc_client_request *out)
{
    memset(out, 0, sizeof *out);
    mc_request *q = &out->request;
    bool closed_ok =
        w->status == MC_REQUEST_OPEN ? w->closed_by.len == 0 : w->closed_by.len == MC_TX_ID_BYTES;
    if (w->status < MC_REQUEST_OPEN || w->status > MC_REQUEST_CANCELLED || !closed_ok ||
        w->memo.len > MC_MEMO_LEN_MAX ||
        (w->memo.len > 0 && !mc_utf8_is_valid(w->memo.data, w->memo.len))) {
        mc__client_set_error(c, "%s sent a request of status %u with a memo of %zu bytes",
                             c->address, w->status, w->memo.len);
        return MC_ERR_PROTOCOL;
    }
    q->amount = w->amount;
    q->status = (mc_request_status)w->status;
    q->height = w->height;
    q->closed_height = w->closed_height;
    if (w->memo.len > 0) {
        memcpy(q->memo, w->memo.data, w->memo.len);
    }
    if (w->closed_by.len == MC_TX_ID_BYTES) {
        memcpy(q->closed_by, w->closed_by.data, MC_TX_ID_BYTES);
    }
    int rc = mc__client_copy_bytes(c, "request id", &w->id, q->id, sizeof q->id);
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_bytes(c, "payee", &w->payee, q->payee, sizeof q->payee);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_bytes(c, "payer", &w->payer, q->payer, sizeof q->payer);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "payee handle", w->payee_handle, out->payee_handle,
                                  sizeof out->payee_handle);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "payer handle", w->payer_handle, out->payer_handle,
                                  sizeof out->payer_handle);
    }
    return rc;
}

int mc_client_get_request(mc_client *c, const uint8_t id[MC_TX_ID_BYTES], mc_client_request *out)
{
    if (c == NULL || id == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__GetRequestRequest get = MC__GET_REQUEST_REQUEST__INIT;
    get.request_id.data = (uint8_t *)id;
    get.request_id.len = MC_TX_ID_BYTES;
    req.kind_case = MC__REQUEST__KIND_GET_REQUEST;
    req.get_request = &get;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_REQUEST, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_client_request r;
    rc = request_convert(c, resp->request, &r);
    mc__response__free_unpacked(resp, NULL);
    if (rc == MC_ERR_OK && memcmp(r.request.id, id, MC_TX_ID_BYTES) != 0) {
        mc__client_set_error(c, "%s answered with another request than asked", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    if (rc == MC_ERR_OK) {
        *out = r;
    }
    return rc;
}

static int requests_convert(mc_client *c, const Mc__ListRequestsResponse *r, size_t cap,
                            mc_client_request *out)
{
    if (r->n_requests > cap) {
        mc__client_set_error(c, "%s sent %zu requests, %zu asked", c->address, r->n_requests, cap);
        return MC_ERR_PROTOCOL;
    }
    mc_client_request *tmp = calloc(r->n_requests > 0 ? r->n_requests : 1, sizeof *tmp);
    if (tmp == NULL) {
        mc__client_set_error(c, "no memory for %zu requests", r->n_requests);
        return MC_ERR_NO_MEMORY;
    }
    int rc = MC_ERR_OK;
    for (size_t i = 0; i < r->n_requests && rc == MC_ERR_OK; i++) {
        rc = request_convert(c, r->requests[i], &tmp[i]);
    }
    if (rc == MC_ERR_OK && r->n_requests > 0) {
        memcpy(out, tmp, r->n_requests * sizeof *tmp);
    }
    free(tmp);
    return rc;
}

int mc_client_open_requests(mc_client *c, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                            uint64_t after_height, mc_client_request *out, size_t cap, size_t *n,
                            bool *more)
{
    if (c == NULL || key == NULL || out == NULL || cap == 0 || n == NULL || more == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ListRequestsRequest list = MC__LIST_REQUESTS_REQUEST__INIT;
    list.public_key.data = (uint8_t *)key;
    list.public_key.len = MC_PUBLIC_KEY_BYTES;
    list.after_height = after_height;
    list.limit = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
    req.kind_case = MC__REQUEST__KIND_LIST_REQUESTS;
    req.list_requests = &list;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_REQUESTS, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = requests_convert(c, resp->requests, cap, out);
    if (rc == MC_ERR_OK) {
        *n = resp->requests->n_requests;
        *more = resp->requests->more;
    }
    mc__response__free_unpacked(resp, NULL);
    return rc;
}
