/* An account's history, newest first and paged: each item is the change of
 * the balance at a height, with what a statement needs beside it (the time,
 * the kind of transaction, the other party and the memo or description,
 * a transfer's purpose), read from the log entry at that height. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "node_internal.h"

typedef struct history_page {
    mc_history_item *items;
    size_t count, cap;
} history_page;

/* Storage for one answer's items; every pointer of `items` points in here. */
typedef struct history_out {
    Mc__HistoryItem *items;
    Mc__HistoryItem **ptrs;
    mc_entry *entries;
    mc_account *counterparties;
    uint8_t (*tx_ids)[MC_TX_ID_BYTES];
    uint8_t (*parties)[MC_TX_PARTIES_MAX][MC_PUBLIC_KEY_BYTES];
} history_out;

static int collect_item(const mc_history_item *item, void *ctx)
{
    history_page *p = ctx;
    p->items[p->count++] = *item;
    return p->count == p->cap ? 1 : 0;
}

/* The other party of a transaction for the history of `key`: of a payment,
 * a request or a contribution, the party that is not `key`; of a transfer
 * whose fee `key` received, the payer; of a round, the commons (for a
 * contributor). NULL when none. */
static const uint8_t *counterparty_of(const uint8_t *key,
                                      const uint8_t (*parties)[MC_PUBLIC_KEY_BYTES], int n)
{
    bool first = n >= 1 && memcmp(parties[0], key, MC_PUBLIC_KEY_BYTES) == 0;
    if (n == 2) {
        return first ? parties[1] : parties[0];
    }
    return n == 1 && !first ? parties[0] : NULL;
}

/* Fill `out` for the history item `h` of account `key` from its entry. */
static int fill_item(mc_conn *conn, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                     const mc_history_item *h, history_out *o, size_t i)
{
    Mc__HistoryItem *it = &o->items[i];
    mc_entry *e = &o->entries[i];
    uint8_t *bytes = NULL;
    size_t len = 0;
    mc__history_item__init(it);
    it->height = h->height;
    it->delta = h->delta;
    it->balance_after = h->balance_after;
    int rc = mc_ledger_get_entry(conn->node->ledger, h->height, &bytes, &len);
    if (rc == MC_ERR_OK) {
        rc = mc_entry_decode(bytes, len, e) == MC_ERR_OK ? MC_ERR_OK : MC_ERR_CORRUPT;
    }
    free(bytes);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_tx_view v;
    mc_tx_view_of(e->tx, &v);
    memcpy(o->tx_ids[i], mc_tx_id_of(e->tx), MC_TX_ID_BYTES);
    it->time = e->time;
    it->tx_id = (ProtobufCBinaryData){MC_TX_ID_BYTES, o->tx_ids[i]};
    it->kind = (uint32_t)v.kind;
    it->counterparty_handle = "";
    if (v.kind == MC_TX_TRANSFER) {
        it->memo = (ProtobufCBinaryData){v.u.transfer.memo_len, (uint8_t *)v.u.transfer.memo};
        it->purpose = (uint32_t)v.u.transfer.purpose;
    } else if (v.kind == MC_TX_CONTRIBUTION) {
        it->memo = (ProtobufCBinaryData){v.u.contribution.description_len,
                                         (uint8_t *)v.u.contribution.description};
    } else if (v.kind == MC_TX_REVIEW_CONTRIBUTION) {
        static const char approved[] = "approved", rejected[] = "rejected";
        const char *word = v.u.review.approve ? approved : rejected;
        it->memo = (ProtobufCBinaryData){strlen(word), (uint8_t *)word};
    } else if (v.kind == MC_TX_PAYMENT_REQUEST) {
        it->memo = (ProtobufCBinaryData){v.u.payment_request.memo_len,
                                         (uint8_t *)v.u.payment_request.memo};
    }
    int n = mc_ledger_tx_parties(conn->node->ledger, e->tx, o->parties[i]);
    const uint8_t *other =
        counterparty_of(key, (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])o->parties[i], n);
    if (other != NULL) {
        it->counterparty = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)other};
        if (mc_ledger_get_account(conn->node->ledger, other, &o->counterparties[i]) == MC_ERR_OK) {
            it->counterparty_handle = o->counterparties[i].handle;
        }
    }
    o->ptrs[i] = it;
    return MC_ERR_OK;
}

static void history_out_free(history_out *o, size_t n)
{
    if (o->entries != NULL) {
        for (size_t i = 0; i < n; i++) {
            mc_entry_clear(&o->entries[i]);
        }
    }
    free(o->items);
    free(o->ptrs);
    free(o->entries);
    free(o->counterparties);
    free(o->tx_ids);
    free(o->parties);
}

static void send_history(mc_conn *conn, uint64_t id, const uint8_t *key, const history_page *page,
                         size_t n)
{
    history_out o = {
        .items = calloc(n + 1, sizeof *o.items),
        .ptrs = calloc(n + 1, sizeof *o.ptrs),
        .entries = calloc(n + 1, sizeof *o.entries),
        .counterparties = calloc(n + 1, sizeof *o.counterparties),
        .tx_ids = calloc(n + 1, sizeof *o.tx_ids),
        .parties = calloc(n + 1, sizeof *o.parties),
    };
    bool allocated = o.items && o.ptrs && o.entries && o.counterparties && o.tx_ids && o.parties;
    int rc = allocated ? MC_ERR_OK : MC_ERR_NO_MEMORY;
    for (size_t i = 0; i < n && rc == MC_ERR_OK; i++) {
        rc = fill_item(conn, key, &page->items[i], &o, i);
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, id, rc);
    } else {
        Mc__HistoryResponse hr = MC__HISTORY_RESPONSE__INIT;
        hr.n_items = n;
        hr.items = o.ptrs;
        hr.more = page->count > n;
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.id = id;
        resp.kind_case = MC__RESPONSE__KIND_HISTORY;
        resp.history = &hr;
        mc__conn_send(conn, &resp);
    }
    history_out_free(&o, n);
}

void mc__query_history(mc_conn *conn, const Mc__Request *req)
{
    const Mc__HistoryRequest *h = req->history;
    mc_node *node = conn->node;
    if (!mc__require_auth(conn, req->id)) {
        return;
    }
    if (h->public_key.len != MC_PUBLIC_KEY_BYTES) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT, "a public key is 32 bytes");
        return;
    }
    mc_account a;
    int rc = mc_ledger_get_account(node->ledger, h->public_key.data, &a);
    if (rc != MC_ERR_OK) {
        if (rc == MC_ERR_NOT_FOUND) {
            mc__conn_send_error(conn, req->id, rc, "no account with this key");
        } else {
            mc__storage_error(conn, req->id, rc);
        }
        return;
    }
    if (!mc__sees_details(conn, a.public_key)) {
        mc__conn_send_error(conn, req->id, MC_ERR_FORBIDDEN,
                            "this ledger is private: %s's history is shown to %s, the stewards "
                            "and the auditors",
                            a.handle, a.handle);
        return;
    }
    uint32_t limit = mc__page_limit(conn, h->limit);
    history_page page = {.cap = (size_t)limit + 1};
    page.items = calloc(page.cap, sizeof *page.items);
    if (page.items == NULL) {
        mc__conn_send_error(conn, req->id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    rc = mc_ledger_history(node->ledger, a.public_key, h->before_height, page.cap, collect_item,
                           &page);
    if (rc != MC_ERR_OK && rc != 1) {
        mc__storage_error(conn, req->id, rc);
    } else {
        send_history(conn, req->id, a.public_key, &page, page.count < limit ? page.count : limit);
    }
    free(page.items);
}
