/* Reading the ledger through the node: one account (by key or handle), a
 * page of accounts, a page of an account's history, a transaction by id.
 * Each answer is checked and converted into a temporary first, so the
 * caller's out-parameters stay untouched on failure. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mc/error.h"

static int account_convert(mc_client *c, const Mc__WireAccount *w, mc_client_account *out)
{
    memset(out, 0, sizeof *out);
    mc_account *a = &out->account;
    int kind = (int)w->kind, status = (int)w->status;
    if (kind < MC_KIND_MEMBER || kind > MC_KIND_SYSTEM || status < MC_STATUS_ACTIVE ||
        status > MC_STATUS_CLOSED) {
        mc__client_set_error(c, "%s sent an account of kind %d, status %d", c->address, kind,
                             status);
        return MC_ERR_PROTOCOL;
    }
    a->kind = (mc_account_kind)kind;
    a->status = (mc_account_status)status;
    a->balance = w->balance;
    a->opened_height = w->opened_height;
    a->joined = w->joined;
    out->restricted = w->restricted;
    out->last_activity_height = w->last_activity_height;
    a->rounds = w->rounds;
    if (w->n_keepers > MC_KEEPERS_MAX || w->keeper_quorum > w->n_keepers ||
        (w->n_keepers > 0 && w->keeper_quorum == 0)) {
        mc__client_set_error(c, "%s sent an account with %zu keepers, a quorum of %u", c->address,
                             w->n_keepers, w->keeper_quorum);
        return MC_ERR_PROTOCOL;
    }
    a->keeper_count = w->n_keepers;
    a->keeper_quorum = w->keeper_quorum;
    for (size_t i = 0; i < w->n_keepers; i++) {
        int rc =
            mc__client_copy_bytes(c, "keeper", &w->keepers[i], a->keepers[i], MC_PUBLIC_KEY_BYTES);
        if (rc != MC_ERR_OK) {
            return rc;
        }
    }
    int rc =
        mc__client_copy_bytes(c, "public key", &w->public_key, a->public_key, sizeof a->public_key);
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "handle", w->handle, a->handle, sizeof a->handle);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_limits(c, w->limits, &a->limits);
    }
    return rc;
}

/* GetAccount by key (`key` non-NULL) or by handle. */
static int account_get(mc_client *c, const uint8_t *key, const char *handle, mc_client_account *out)
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__GetAccountRequest get = MC__GET_ACCOUNT_REQUEST__INIT;
    if (key != NULL) {
        get.public_key.data = (uint8_t *)key;
        get.public_key.len = MC_PUBLIC_KEY_BYTES;
    } else {
        get.handle = (char *)handle;
    }
    req.kind_case = MC__REQUEST__KIND_GET_ACCOUNT;
    req.get_account = &get;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_ACCOUNT, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_client_account account;
    rc = account_convert(c, resp->account, &account);
    mc__response__free_unpacked(resp, NULL);
    bool same = key != NULL ? memcmp(account.account.public_key, key, MC_PUBLIC_KEY_BYTES) == 0
                            : strcmp(account.account.handle, handle) == 0;
    if (rc == MC_ERR_OK && !same) {
        mc__client_set_error(c, "%s answered with another account than asked", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    if (rc == MC_ERR_OK) {
        *out = account;
    }
    return rc;
}

int mc_client_get_account(mc_client *c, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                          mc_client_account *out)
{
    if (c == NULL || key == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    return account_get(c, key, NULL, out);
}

int mc_client_find_handle(mc_client *c, const char *handle, mc_client_account *out)
{
    if (c == NULL || handle == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    size_t len = strlen(handle);
    if (len == 0 || len > MC_HANDLE_LEN_MAX) {
        mc__client_set_error(c, "a handle is 1 to %u bytes", MC_HANDLE_LEN_MAX);
        return MC_ERR_INVALID_ARGUMENT;
    }
    return account_get(c, NULL, handle, out);
}

/* At most UINT32_MAX asked at once (the node caps at its page size). */
static uint32_t page_limit(size_t cap)
{
    return cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
}

static int accounts_convert(mc_client *c, const Mc__ListAccountsResponse *r, size_t cap,
                            mc_client_account *out)
{
    if (r->n_accounts > cap) {
        mc__client_set_error(c, "%s sent %zu accounts, %zu asked", c->address, r->n_accounts, cap);
        return MC_ERR_PROTOCOL;
    }
    mc_client_account *tmp = calloc(r->n_accounts > 0 ? r->n_accounts : 1, sizeof *tmp);
    if (tmp == NULL) {
        mc__client_set_error(c, "no memory for %zu accounts", r->n_accounts);
        return MC_ERR_NO_MEMORY;
    }
    int rc = MC_ERR_OK;
    for (size_t i = 0; i < r->n_accounts && rc == MC_ERR_OK; i++) {
        rc = account_convert(c, r->accounts[i], &tmp[i]);
    }
    if (rc == MC_ERR_OK && r->n_accounts > 0) {
        memcpy(out, tmp, r->n_accounts * sizeof *tmp);
    }
    free(tmp);
    return rc;
}

int mc_client_list_accounts(mc_client *c, const uint8_t *after, mc_client_account *out, size_t cap,
                            size_t *n, bool *more)
{
    if (c == NULL || out == NULL || cap == 0 || n == NULL || more == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ListAccountsRequest list = MC__LIST_ACCOUNTS_REQUEST__INIT;
    if (after != NULL) {
        list.after.data = (uint8_t *)after;
        list.after.len = MC_PUBLIC_KEY_BYTES;
    }
    list.limit = page_limit(cap);
    req.kind_case = MC__REQUEST__KIND_LIST_ACCOUNTS;
    req.list_accounts = &list;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_ACCOUNTS, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = accounts_convert(c, resp->accounts, cap, out);
    if (rc == MC_ERR_OK) {
        *n = resp->accounts->n_accounts;
        *more = resp->accounts->more;
    }
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

static bool tx_kind_is_valid(uint32_t kind)
{
    return kind >= MC_TX_KIND_FIRST && kind <= MC_TX_KIND_LAST;
}

static int history_item_convert(mc_client *c, const Mc__HistoryItem *h, mc_client_history_item *out)
{
    memset(out, 0, sizeof *out);
    if (!tx_kind_is_valid(h->kind) || h->memo.len > MC_CLIENT_MEMO_MAX ||
        (h->memo.len > 0 && !mc_utf8_is_valid(h->memo.data, h->memo.len)) ||
        (h->counterparty.len != 0 && h->counterparty.len != MC_PUBLIC_KEY_BYTES)) {
        mc__client_set_error(c,
                             "%s sent a history item of kind %u, a memo of %zu bytes, a "
                             "counterparty of %zu bytes",
                             c->address, h->kind, h->memo.len, h->counterparty.len);
        return MC_ERR_PROTOCOL;
    }
    out->height = h->height;
    out->time = h->time;
    out->delta = h->delta;
    out->balance_after = h->balance_after;
    out->kind = (mc_tx_kind)h->kind;
    out->purpose = h->purpose == MC_PURPOSE_RECIPROCITY ? MC_PURPOSE_RECIPROCITY : MC_PURPOSE_NONE;
    out->has_counterparty = h->counterparty.len == MC_PUBLIC_KEY_BYTES;
    if (out->has_counterparty) {
        memcpy(out->counterparty, h->counterparty.data, MC_PUBLIC_KEY_BYTES);
    }
    if (h->memo.len > 0) {
        memcpy(out->memo, h->memo.data, h->memo.len);
    }
    int rc = mc__client_copy_bytes(c, "tx id", &h->tx_id, out->tx_id, sizeof out->tx_id);
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "counterparty handle", h->counterparty_handle,
                                  out->counterparty_handle, sizeof out->counterparty_handle);
    }
    return rc;
}

static int history_convert(mc_client *c, const Mc__HistoryResponse *r, size_t cap,
                           mc_client_history_item *out)
{
    if (r->n_items > cap) {
        mc__client_set_error(c, "%s sent %zu history items, %zu asked", c->address, r->n_items,
                             cap);
        return MC_ERR_PROTOCOL;
    }
    mc_client_history_item *tmp = calloc(r->n_items > 0 ? r->n_items : 1, sizeof *tmp);
    if (tmp == NULL) {
        mc__client_set_error(c, "no memory for %zu history items", r->n_items);
        return MC_ERR_NO_MEMORY;
    }
    int rc = MC_ERR_OK;
    for (size_t i = 0; i < r->n_items && rc == MC_ERR_OK; i++) {
        rc = history_item_convert(c, r->items[i], &tmp[i]);
    }
    if (rc == MC_ERR_OK && r->n_items > 0) {
        memcpy(out, tmp, r->n_items * sizeof *tmp);
    }
    free(tmp);
    return rc;
}

int mc_client_history(mc_client *c, const uint8_t key[MC_PUBLIC_KEY_BYTES], uint64_t before_height,
                      mc_client_history_item *out, size_t cap, size_t *n, bool *more)
{
    if (c == NULL || key == NULL || out == NULL || cap == 0 || n == NULL || more == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__HistoryRequest history = MC__HISTORY_REQUEST__INIT;
    history.public_key.data = (uint8_t *)key;
    history.public_key.len = MC_PUBLIC_KEY_BYTES;
    history.before_height = before_height;
    history.limit = page_limit(cap);
    req.kind_case = MC__REQUEST__KIND_HISTORY;
    req.history = &history;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_HISTORY, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = history_convert(c, resp->history, cap, out);
    if (rc == MC_ERR_OK) {
        *n = resp->history->n_items;
        *more = resp->history->more;
    }
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

static int tx_convert(mc_client *c, const Mc__GetTxResponse *r, const uint8_t tx_id[MC_TX_ID_BYTES],
                      mc_client_tx *out)
{
    memset(out, 0, sizeof *out);
    int rc = mc__client_copy_bytes(c, "tx id", &r->tx_id, out->tx_id, sizeof out->tx_id);
    if (rc == MC_ERR_OK && memcmp(out->tx_id, tx_id, MC_TX_ID_BYTES) != 0) {
        mc__client_set_error(c, "%s answered with another transaction than asked", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    if (rc == MC_ERR_OK && r->result > MC_CLIENT_ERROR_CODE_MAX) {
        mc__client_set_error(c, "%s sent a result code %u", c->address, r->result);
        rc = MC_ERR_PROTOCOL;
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    out->height = r->height;
    out->result = (int)r->result;
    out->time = r->time;
    if (r->entry.len > 0) {
        out->entry = malloc(r->entry.len);
        if (out->entry == NULL) {
            mc__client_set_error(c, "no memory for an entry of %zu bytes", r->entry.len);
            return MC_ERR_NO_MEMORY;
        }
        memcpy(out->entry, r->entry.data, r->entry.len);
        out->entry_len = r->entry.len;
    }
    return MC_ERR_OK;
}

int mc_client_get_tx(mc_client *c, const uint8_t tx_id[MC_TX_ID_BYTES], mc_client_tx *out)
{
    if (c == NULL || tx_id == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__GetTxRequest get = MC__GET_TX_REQUEST__INIT;
    get.tx_id.data = (uint8_t *)tx_id;
    get.tx_id.len = MC_TX_ID_BYTES;
    req.kind_case = MC__REQUEST__KIND_GET_TX;
    req.get_tx = &get;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_TX, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_client_tx tx;
    rc = tx_convert(c, resp->tx, tx_id, &tx);
    mc__response__free_unpacked(resp, NULL);
    if (rc == MC_ERR_OK) {
        *out = tx;
    }
    return rc;
}
