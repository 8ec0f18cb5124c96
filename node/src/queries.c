/* The read-only requests: ledger info, accounts, history, transactions.
 * Each runs in LMDB read transactions on the loop thread.
 *
 * Visibility (DESIGN.md): anonymous connections get the ledger info and the
 * height of a transaction by id; account queries need an authenticated
 * connection (AUTH_REQUIRED). Under `open` visibility an authenticated member
 * sees every account, balance and history. Under `private` every member sees
 * the directory (key, handle, kind, status: enough to pay someone) but a
 * balance, limits and history only of their own account; stewards see all.
 * A log entry is shown when the caller may see one of the accounts it
 * involves (or signed it). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc/error.h"
#include "node_internal.h"

static void send_response(mc_conn *conn, Mc__Response *resp, uint64_t id)
{
    resp->id = id;
    mc__conn_send(conn, resp);
}

/* May the caller see the balance, limits and history of `key`? */
bool mc__sees_details(mc_conn *conn, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    mc_node *node = conn->node;
    if (!conn->authenticated) {
        return false;
    }
    if (node->info.visibility == MC_VISIBILITY_OPEN ||
        memcmp(conn->identity, key, MC_PUBLIC_KEY_BYTES) == 0) {
        return true;
    }
    return mc_ledger_is_steward(node->ledger, conn->identity);
}

bool mc__require_auth(mc_conn *conn, uint64_t id)
{
    if (conn->authenticated) {
        return true;
    }
    mc__conn_send_error(conn, id, MC_ERR_AUTH_REQUIRED,
                        "authenticate first (a challenge, then a signature with your key)");
    return false;
}

void mc__storage_error(mc_conn *conn, uint64_t id, int rc)
{
    mc_log(MC_LOG_ERROR, "read failed: %s (%s)", mc_strerror(rc),
           mc_ledger_last_error(conn->node->ledger));
    mc__conn_send_error(conn, id, rc, "%s", mc_strerror(rc));
}

void mc__query_info(mc_conn *conn, const Mc__Request *req)
{
    mc_node *node = conn->node;
    mc_ledger_info info;
    int rc = mc_ledger_get_info(node->ledger, &info);
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
        return;
    }
    Mc__InfoResponse ir = MC__INFO_RESPONSE__INIT;
    Mc__NodeLimits limits = MC__NODE_LIMITS__INIT;
    Mc__KindLimits kinds[MC_KIND_COUNT], *kind_ptrs[MC_KIND_COUNT];
    Mc__Limits kind_limits[MC_KIND_COUNT];
    ProtobufCBinaryData stewards[MC_STEWARDS_MAX];
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        mc__kind_limits__init(&kinds[k]);
        mc__limits__init(&kind_limits[k]);
        kind_limits[k].min_balance = info.default_limits[k].min_balance;
        kind_limits[k].max_balance = info.default_limits[k].max_balance;
        kinds[k].kind = (Mc__AccountKind)(k + 1);
        kinds[k].limits = &kind_limits[k];
        kind_ptrs[k] = &kinds[k];
    }
    for (size_t i = 0; i < info.steward_count; i++) {
        stewards[i] = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, info.stewards[i]};
    }
    ir.ledger_id = (ProtobufCBinaryData){MC_LEDGER_ID_BYTES, info.ledger_id};
    ir.community = info.community;
    ir.unit_name = info.unit_name;
    ir.unit_symbol = info.unit_symbol;
    ir.decimals = info.decimals;
    ir.visibility = (Mc__Visibility)info.visibility;
    ir.node_public_key = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, info.node_public_key};
    ir.height = info.height;
    ir.n_default_limits = MC_KIND_COUNT;
    ir.default_limits = kind_ptrs;
    ir.n_stewards = info.steward_count;
    ir.stewards = stewards;
    ir.quorum = info.quorum;
    ir.created_at = info.created_at;
    ir.genesis = (ProtobufCBinaryData){node->genesis_len, node->genesis};
    ir.protocol_version = MC_NODE_PROTOCOL_VERSION;
    limits.max_frame_bytes = node->config->limits.max_frame_bytes;
    limits.max_in_flight = node->config->limits.max_in_flight;
    limits.page_size = node->config->limits.page_size;
    ir.limits = &limits;
    ir.node_time = (int64_t)time(NULL);
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.kind_case = MC__RESPONSE__KIND_INFO;
    resp.info = &ir;
    send_response(conn, &resp, req->id);
}

/* A WireAccount borrowing from `a` and `limits` (both outlive the send). */
static void wire_account(mc_conn *conn, const mc_account *a, Mc__WireAccount *w, Mc__Limits *limits)
{
    mc__wire_account__init(w);
    mc__limits__init(limits);
    w->public_key = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)a->public_key};
    w->handle = (char *)a->handle;
    w->kind = (Mc__AccountKind)a->kind;
    w->status = (Mc__AccountStatus)a->status;
    w->opened_height = a->opened_height;
    w->joined = a->joined;
    if (!mc__sees_details(conn, a->public_key)) {
        w->restricted = true;
        return;
    }
    w->balance = a->balance;
    limits->min_balance = a->limits.min_balance;
    limits->max_balance = a->limits.max_balance;
    w->limits = limits;
    uint64_t last =
        a->last_debit_height > a->last_credit_height ? a->last_debit_height : a->last_credit_height;
    w->last_activity_height = last > a->limits_height ? last : a->limits_height;
}

void mc__query_account(mc_conn *conn, const Mc__Request *req)
{
    const Mc__GetAccountRequest *g = req->get_account;
    if (!mc__require_auth(conn, req->id)) {
        return;
    }
    bool by_key = g->public_key.len > 0, by_handle = g->handle != NULL && g->handle[0] != '\0';
    if (by_key == by_handle || (by_key && g->public_key.len != MC_PUBLIC_KEY_BYTES)) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT,
                            "give exactly one of a public key (32 bytes) or a handle");
        return;
    }
    mc_account a;
    int rc = by_key ? mc_ledger_get_account(conn->node->ledger, g->public_key.data, &a)
                    : mc_ledger_find_handle(conn->node->ledger, g->handle, &a);
    if (rc == MC_ERR_NOT_FOUND) {
        if (by_key) {
            mc__conn_send_error(conn, req->id, rc, "no account with this key");
        } else {
            mc__conn_send_error(conn, req->id, rc, "no account with the handle '%.32s'", g->handle);
        }
        return;
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
        return;
    }
    Mc__WireAccount w;
    Mc__Limits limits;
    wire_account(conn, &a, &w, &limits);
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.kind_case = MC__RESPONSE__KIND_ACCOUNT;
    resp.account = &w;
    send_response(conn, &resp, req->id);
}

typedef struct account_page {
    mc_account *items;
    size_t count, cap;
} account_page;

static int collect_account(const mc_account *a, void *ctx)
{
    account_page *p = ctx;
    p->items[p->count++] = *a;
    return p->count == p->cap ? 1 : 0;
}

uint32_t mc__page_limit(const mc_conn *conn, uint32_t asked)
{
    uint32_t page = conn->node->config->limits.page_size;
    return asked == 0 || asked > page ? page : asked;
}

static void send_accounts(mc_conn *conn, uint64_t id, const account_page *page, size_t n)
{
    Mc__WireAccount *w = calloc(n + 1, sizeof *w);
    Mc__WireAccount **ptrs = calloc(n + 1, sizeof *ptrs);
    Mc__Limits *limits = calloc(n + 1, sizeof *limits);
    if (w == NULL || ptrs == NULL || limits == NULL) {
        mc__conn_send_error(conn, id, MC_ERR_NO_MEMORY, "out of memory");
    } else {
        for (size_t i = 0; i < n; i++) {
            wire_account(conn, &page->items[i], &w[i], &limits[i]);
            ptrs[i] = &w[i];
        }
        Mc__ListAccountsResponse lr = MC__LIST_ACCOUNTS_RESPONSE__INIT;
        lr.n_accounts = n;
        lr.accounts = ptrs;
        lr.more = page->count > n;
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.kind_case = MC__RESPONSE__KIND_ACCOUNTS;
        resp.accounts = &lr;
        send_response(conn, &resp, id);
    }
    free(w);
    free(ptrs);
    free(limits);
}

void mc__query_list_accounts(mc_conn *conn, const Mc__Request *req)
{
    const Mc__ListAccountsRequest *l = req->list_accounts;
    if (!mc__require_auth(conn, req->id)) {
        return;
    }
    if (l->after.len != 0 && l->after.len != MC_PUBLIC_KEY_BYTES) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT,
                            "`after` is empty or a 32-byte public key");
        return;
    }
    uint32_t limit = mc__page_limit(conn, l->limit);
    account_page page = {.cap = (size_t)limit + 1};
    page.items = calloc(page.cap, sizeof *page.items);
    if (page.items == NULL) {
        mc__conn_send_error(conn, req->id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    int rc = mc_ledger_list_accounts(conn->node->ledger, l->after.len ? l->after.data : NULL,
                                     page.cap, collect_account, &page);
    if (rc != MC_ERR_OK && rc != 1) {
        mc__storage_error(conn, req->id, rc);
    } else {
        send_accounts(conn, req->id, &page, page.count < limit ? page.count : limit);
    }
    free(page.items);
}

/* May the caller see `tx`: it signed it, or it may see one of the accounts
 * the transaction concerns. */
bool mc__tx_visible(mc_conn *conn, const mc_tx *tx)
{
    if (!conn->authenticated) {
        return false;
    }
    for (size_t i = 0; i < mc_tx_signer_count(tx); i++) {
        if (memcmp(mc_tx_signer(tx, i), conn->identity, MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    uint8_t parties[MC_TX_PARTIES_MAX][MC_PUBLIC_KEY_BYTES];
    int n = mc_ledger_tx_parties(conn->node->ledger, tx, parties);
    for (int i = 0; i < n; i++) {
        if (mc__sees_details(conn, parties[i])) {
            return true;
        }
    }
    return false;
}

void mc__query_tx(mc_conn *conn, const Mc__Request *req)
{
    const Mc__GetTxRequest *g = req->get_tx;
    mc_node *node = conn->node;
    if (g->tx_id.len != MC_TX_ID_BYTES) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT, "a tx_id is 32 bytes");
        return;
    }
    uint64_t height = 0;
    uint8_t *entry = NULL;
    size_t entry_len = 0;
    mc_entry e = {0};
    int rc = mc_ledger_find_tx(node->ledger, g->tx_id.data, &height);
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_get_entry(node->ledger, height, &entry, &entry_len);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_entry_decode(entry, entry_len, &e) == MC_ERR_OK ? MC_ERR_OK : MC_ERR_CORRUPT;
    }
    if (rc == MC_ERR_NOT_FOUND) {
        mc__conn_send_error(conn, req->id, rc, "no applied transaction has this id");
    } else if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
    } else {
        Mc__GetTxResponse tr = MC__GET_TX_RESPONSE__INIT;
        tr.tx_id = g->tx_id;
        tr.height = height;
        tr.result = (uint32_t)e.result;
        tr.time = e.time;
        if (mc__tx_visible(conn, e.tx)) {
            tr.entry = (ProtobufCBinaryData){entry_len, entry};
        }
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.kind_case = MC__RESPONSE__KIND_TX;
        resp.tx = &tr;
        send_response(conn, &resp, req->id);
    }
    mc_entry_clear(&e);
    free(entry);
}
