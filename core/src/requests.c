/* Payment requests: a payee asks a payer for an amount (PaymentRequest);
 * the payer pays it with a Transfer naming it, or declines it; the payee
 * may cancel it. A request is paid at most once: paying, declining and
 * cancelling all close it for good. Stored in `requests` (id -> record) and
 * indexed while open in `open_requests` under each party, so a member's
 * open requests are one range read. The rules and their order are in
 * mc/ledger.h; this file also holds the requests' invariants and queries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

const char *mc_request_status_name(int status)
{
    static const char *const names[] = {"open", "paid", "declined", "cancelled"};
    return status >= MC_REQUEST_OPEN && status <= MC_REQUEST_CANCELLED ? names[status - 1] : NULL;
}

int mc__request_decode(const uint8_t id[MC_TX_ID_BYTES], const void *data, size_t len,
                       mc_request *out)
{
    Mc__RequestRecord *r = mc__request_record__unpack(NULL, len, data);
    if (r == NULL) {
        return MC_ERR_CORRUPT;
    }
    int rc = MC_ERR_OK;
    if (r->payee.len != MC_PUBLIC_KEY_BYTES || r->payer.len != MC_PUBLIC_KEY_BYTES ||
        r->memo.len > MC_MEMO_LEN_MAX || r->status < MC__REQUEST_STATUS__REQUEST_STATUS_OPEN ||
        r->status > MC__REQUEST_STATUS__REQUEST_STATUS_CANCELLED ||
        (r->closed_by.len != 0 && r->closed_by.len != MC_TX_ID_BYTES)) {
        rc = MC_ERR_CORRUPT;
    } else {
        memset(out, 0, sizeof *out);
        memcpy(out->id, id, MC_TX_ID_BYTES);
        memcpy(out->payee, r->payee.data, MC_PUBLIC_KEY_BYTES);
        memcpy(out->payer, r->payer.data, MC_PUBLIC_KEY_BYTES);
        out->amount = r->amount;
        if (r->memo.len > 0) {
            memcpy(out->memo, r->memo.data, r->memo.len);
        }
        out->status = (mc_request_status)r->status;
        out->height = r->height;
        out->closed_height = r->closed_height;
        if (r->closed_by.len == MC_TX_ID_BYTES) {
            memcpy(out->closed_by, r->closed_by.data, MC_TX_ID_BYTES);
        }
    }
    mc__request_record__free_unpacked(r, NULL);
    return rc;
}

static int request_save(mc__store *s, MDB_txn *txn, const mc_request *q)
{
    Mc__RequestRecord r = MC__REQUEST_RECORD__INIT;
    r.payee = MC__BYTES(q->payee, MC_PUBLIC_KEY_BYTES);
    r.payer = MC__BYTES(q->payer, MC_PUBLIC_KEY_BYTES);
    r.amount = q->amount;
    r.memo = MC__BYTES(q->memo, strlen(q->memo));
    r.status = (Mc__RequestStatus)q->status;
    r.height = q->height;
    r.closed_height = q->closed_height;
    if (q->status != MC_REQUEST_OPEN) {
        r.closed_by = MC__BYTES(q->closed_by, MC_TX_ID_BYTES);
    }
    uint8_t buf[512];
    size_t len = mc__request_record__get_packed_size(&r);
    if (len > sizeof buf) {
        return MC_ERR_INVALID_ARGUMENT; /* memo <= 140 bytes: cannot happen */
    }
    mc__request_record__pack(&r, buf);
    return mc__store_put(s, txn, s->requests, q->id, MC_TX_ID_BYTES, buf, len, 0);
}

/* Load request `id` (any length: an id of the wrong size names nothing). */
int mc__request_load(mc__store *s, MDB_txn *txn, const uint8_t *id, size_t id_len, mc_request *out)
{
    MDB_val v;
    if (id_len != MC_TX_ID_BYTES) {
        return MC_ERR_NOT_FOUND;
    }
    int rc = mc__store_get(s, txn, s->requests, id, MC_TX_ID_BYTES, &v);
    return rc == MC_ERR_OK ? mc__request_decode(id, v.mv_data, v.mv_size, out) : rc;
}

static void index_key(const uint8_t party[MC_PUBLIC_KEY_BYTES], uint64_t height,
                      uint8_t key[MC__OPEN_REQUEST_KEY_BYTES])
{
    memcpy(key, party, MC_PUBLIC_KEY_BYTES);
    mc__u64_be(height, key + MC_PUBLIC_KEY_BYTES);
}

/* Add (or, with `remove`, delete) the index entries of both parties. */
static int index_update(mc__store *s, MDB_txn *txn, const mc_request *q, bool remove)
{
    const uint8_t *parties[2] = {q->payer, q->payee};
    for (int i = 0; i < 2; i++) {
        uint8_t key[MC__OPEN_REQUEST_KEY_BYTES];
        index_key(parties[i], q->height, key);
        int rc;
        if (remove) {
            MDB_val k = {.mv_size = sizeof key, .mv_data = key};
            rc = mc__store_error(s, "mdb_del", mdb_del(txn, s->open_requests, &k, NULL));
        } else {
            rc = mc__store_put(s, txn, s->open_requests, key, sizeof key, q->id, MC_TX_ID_BYTES,
                               MDB_NOOVERWRITE);
        }
        if (rc != MC_ERR_OK) {
            return rc == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : rc;
        }
    }
    return MC_ERR_OK;
}

int mc__request_close(mc__apply_ctx *ctx, mc_request *q, mc_request_status status,
                      const uint8_t by[MC_TX_ID_BYTES])
{
    mc__store *s = &ctx->ledger->store;
    int rc = index_update(s, ctx->txn, q, true);
    q->status = status;
    q->closed_height = ctx->height + 1;
    memcpy(q->closed_by, by, MC_TX_ID_BYTES);
    return rc == MC_ERR_OK ? request_save(s, ctx->txn, q) : rc;
}

/* The request a transfer names must exist, be open and match it. */
int mc__transfer_request_rules(mc__apply_ctx *ctx, const Mc__Transfer *t, mc_request *q,
                               mc_result *r)
{
    int rc =
        mc__request_load(&ctx->ledger->store, ctx->txn, t->request_id.data, t->request_id.len, q);
    if (rc == MC_ERR_NOT_FOUND) {
        r->code = MC_ERR_UNKNOWN_REQUEST;
        return MC_ERR_OK;
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (q->status != MC_REQUEST_OPEN) {
        r->code = MC_ERR_REQUEST_CLOSED;
        return MC_ERR_OK;
    }
    if (memcmp(q->payer, t->payer.data, MC_PUBLIC_KEY_BYTES) != 0 ||
        memcmp(q->payee, t->payee.data, MC_PUBLIC_KEY_BYTES) != 0 || q->amount != t->amount) {
        /* The request's amount is told only to whoever may see its payer's
         * details (the node redacts it otherwise): the signatures are
         * checked after this rule. */
        mc__refuse_key(r, MC_ERR_REQUEST_MISMATCH, q->payer);
        r->limit = q->amount;
    }
    return MC_ERR_OK;
}

/* Exactly `key` signed (MISSING_SIGNATURE, UNEXPECTED_SIGNER). */
static int sole_signer(const mc_tx *tx, const uint8_t key[MC_PUBLIC_KEY_BYTES], mc_result *r)
{
    if (!mc__tx_signed_by(tx, key)) {
        r->code = MC_ERR_MISSING_SIGNATURE;
        r->has_account = true;
        memcpy(r->account, key, MC_PUBLIC_KEY_BYTES);
        return r->code;
    }
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (memcmp(tx->keys[i], key, MC_PUBLIC_KEY_BYTES) != 0) {
            r->code = MC_ERR_UNEXPECTED_SIGNER;
            r->has_account = true;
            memcpy(r->account, tx->keys[i], MC_PUBLIC_KEY_BYTES);
            return r->code;
        }
    }
    return MC_ERR_OK;
}

int mc__apply_payment_request(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__PaymentRequest *p = tx->decoded->payment_request;
    mc_account payer, payee;
    int rc = mc__party_rules(ctx, p->payer.data, p->payee.data, p->amount, p->memo.data,
                             p->memo.len, &payer, &payee, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK) {
        return rc;
    }
    if (sole_signer(tx, payee.public_key, r) != MC_ERR_OK ||
        mc__status_rules(&payer, &payee, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    mc_request q;
    memset(&q, 0, sizeof q);
    memcpy(q.id, tx->tx_id, MC_TX_ID_BYTES);
    memcpy(q.payee, payee.public_key, MC_PUBLIC_KEY_BYTES);
    memcpy(q.payer, payer.public_key, MC_PUBLIC_KEY_BYTES);
    q.amount = p->amount;
    if (p->memo.len > 0) {
        memcpy(q.memo, p->memo.data, p->memo.len);
    }
    q.status = MC_REQUEST_OPEN;
    q.height = ctx->height + 1;
    mc__store *s = &ctx->ledger->store;
    rc = request_save(s, ctx->txn, &q);
    if (rc == MC_ERR_OK) {
        rc = index_update(s, ctx->txn, &q, false);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &payee, q.height, 0);
    }
    return rc == MC_ERR_OK ? mc__history_add(ctx, &payer, q.height, 0) : rc;
}

int mc__apply_close_request(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    bool decline = tx->decoded->kind_case == MC__TX_BODY__KIND_DECLINE_REQUEST;
    const ProtobufCBinaryData *id = decline ? &tx->decoded->decline_request->request_id
                                            : &tx->decoded->cancel_request->request_id;
    mc__store *s = &ctx->ledger->store;
    mc_request q;
    int rc = mc__request_load(s, ctx->txn, id->data, id->len, &q);
    if (rc == MC_ERR_NOT_FOUND) {
        r->code = MC_ERR_UNKNOWN_REQUEST;
        return MC_ERR_OK;
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    r->amount = q.amount;
    if (q.status != MC_REQUEST_OPEN) {
        r->code = MC_ERR_REQUEST_CLOSED;
        return MC_ERR_OK;
    }
    if (sole_signer(tx, decline ? q.payer : q.payee, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    mc_account payer, payee;
    rc = mc__account_load(s, ctx->txn, q.payer, &payer);
    if (rc == MC_ERR_OK) {
        rc = mc__account_load(s, ctx->txn, q.payee, &payee);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__request_close(ctx, &q, decline ? MC_REQUEST_DECLINED : MC_REQUEST_CANCELLED,
                               tx->tx_id);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &payee, ctx->height + 1, 0);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &payer, ctx->height + 1, 0);
    }
    return rc == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : rc;
}

/* Every open_requests entry points at an open request of that party and
 * height; returns how many entries there are. */
static int check_index(mc_ledger *l, MDB_txn *txn, size_t *entries, char *why, size_t why_len)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, l->store.open_requests, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    int out = MC_ERR_OK;
    *entries = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && out == MC_ERR_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        mc_request q;
        const uint8_t *key = k.mv_data;
        if (k.mv_size != MC__OPEN_REQUEST_KEY_BYTES || v.mv_size != MC_TX_ID_BYTES ||
            mc__request_load(&l->store, txn, v.mv_data, v.mv_size, &q) != MC_ERR_OK ||
            q.status != MC_REQUEST_OPEN || q.height != mc__be_u64(key + MC_PUBLIC_KEY_BYTES) ||
            (memcmp(key, q.payer, MC_PUBLIC_KEY_BYTES) != 0 &&
             memcmp(key, q.payee, MC_PUBLIC_KEY_BYTES) != 0)) {
            snprintf(why, why_len,
                     "an open-request index entry points at no open request of its "
                     "account and height");
            out = MC_ERR_INVARIANT;
        }
        (*entries)++;
    }
    mdb_cursor_close(cur);
    return out == MC_ERR_OK && rc != MDB_NOTFOUND ? mc__store_error(&l->store, "mdb_cursor_get", rc)
                                                  : out;
}

/* One request's own invariants. */
static int check_request(mc_ledger *l, MDB_txn *txn, const mc_request *q, uint64_t height,
                         char *why, size_t why_len)
{
    MDB_val v;
    bool open = q->status == MC_REQUEST_OPEN;
    if (q->amount <= 0 || q->height == 0 || q->height > height ||
        (open ? q->closed_height != 0
              : q->closed_height <= q->height || q->closed_height > height)) {
        snprintf(why, why_len, "payment request at height %llu: amount or heights out of range",
                 (unsigned long long)q->height);
        return MC_ERR_INVARIANT;
    }
    if (!open) {
        int rc = mc__store_get(&l->store, txn, l->store.txids, q->closed_by, MC_TX_ID_BYTES, &v);
        if (rc == MC_ERR_NOT_FOUND ||
            (rc == MC_ERR_OK && (v.mv_size != 8 || mc__be_u64(v.mv_data) != q->closed_height))) {
            snprintf(why, why_len,
                     "payment request at height %llu: closed by no logged "
                     "transaction at height %llu",
                     (unsigned long long)q->height, (unsigned long long)q->closed_height);
            return MC_ERR_INVARIANT;
        }
        return rc;
    }
    return MC_ERR_OK;
}

int mc__requests_check(mc_ledger *l, MDB_txn *txn, uint64_t height, char *why, size_t why_len)
{
    MDB_cursor *cur;
    MDB_val k, v;
    size_t open = 0, entries = 0;
    int rc = mdb_cursor_open(txn, l->store.requests, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    int out = MC_ERR_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && out == MC_ERR_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        mc_request q;
        if (k.mv_size != MC_TX_ID_BYTES ||
            mc__request_decode(k.mv_data, v.mv_data, v.mv_size, &q) != MC_ERR_OK) {
            snprintf(why, why_len, "a payment request record does not decode");
            out = MC_ERR_INVARIANT;
            break;
        }
        open += q.status == MC_REQUEST_OPEN;
        out = check_request(l, txn, &q, height, why, why_len);
    }
    mdb_cursor_close(cur);
    if (out == MC_ERR_OK && rc != MDB_NOTFOUND) {
        out = mc__store_error(&l->store, "mdb_cursor_get", rc);
    }
    if (out == MC_ERR_OK) {
        out = check_index(l, txn, &entries, why, why_len);
    }
    if (out == MC_ERR_OK && entries != 2 * open) {
        snprintf(why, why_len, "%zu open-request index entries for %zu open requests", entries,
                 open);
        out = MC_ERR_INVARIANT;
    }
    return out;
}
