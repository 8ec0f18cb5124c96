/* mc_ledger_check(): every invariant of the ledger over the whole store, in
 * one read transaction. Costs O(accounts + log + history); the node runs it
 * offline (`mcnode check`), the tests after every scenario. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "mc/merkle.h"
#include "ledger_internal.h"

typedef struct {
    mc_ledger *l;
    MDB_txn *txn;
    char *why;
    size_t why_len;
    uint64_t height;
} checker;

__attribute__((format(printf, 2, 3))) static int violation(checker *c, const char *fmt, ...)
{
    if (c->why != NULL && c->why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, c->why_len, fmt, ap);
        va_end(ap);
    }
    return MC_ERR_INVARIANT;
}

static int cursor_open(checker *c, MDB_dbi dbi, MDB_cursor **cur)
{
    int rc = mdb_cursor_open(c->txn, dbi, cur);
    return rc == MDB_SUCCESS ? MC_ERR_OK : mc__store_error(&c->l->store, "mdb_cursor_open", rc);
}

/* Walk end: NOTFOUND is the normal end of a walk. */
static int walk_end(checker *c, MDB_cursor *cur, int rc, int out)
{
    mdb_cursor_close(cur);
    if (out == MC_ERR_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        return mc__store_error(&c->l->store, "mdb_cursor_get", rc);
    }
    return out;
}

static int check_account(checker *c, const mc_account *a)
{
    MDB_val v;
    if (!mc__limits_valid(&a->limits)) {
        return violation(c, "account %s: limits %lld..%lld do not bracket 0", a->handle,
                         (long long)a->limits.min_balance, (long long)a->limits.max_balance);
    }
    if (a->balance < a->limits.min_balance && a->last_debit_height >= a->limits_height) {
        return violation(c, "account %s: balance %lld below its limit %lld after a debit",
                         a->handle, (long long)a->balance, (long long)a->limits.min_balance);
    }
    if (a->balance > a->limits.max_balance && a->last_credit_height >= a->limits_height) {
        return violation(c, "account %s: balance %lld above its ceiling %lld after a credit",
                         a->handle, (long long)a->balance, (long long)a->limits.max_balance);
    }
    if (a->kind < MC_KIND_MEMBER || a->kind > MC_KIND_SYSTEM || a->status < MC_STATUS_ACTIVE ||
        a->status > MC_STATUS_CLOSED) {
        return violation(c, "account %s: unknown kind or status", a->handle);
    }
    if (a->status == MC_STATUS_CLOSED && a->balance != 0) {
        return violation(c, "account %s: closed with balance %lld", a->handle,
                         (long long)a->balance);
    }
    if (a->opened_height == 0 || a->opened_height > c->height) {
        return violation(c, "account %s: opened at height %llu of %llu", a->handle,
                         (unsigned long long)a->opened_height, (unsigned long long)c->height);
    }
    int rc =
        mc__store_get(&c->l->store, c->txn, c->l->store.handles, a->handle, strlen(a->handle), &v);
    if (rc == MC_ERR_NOT_FOUND ||
        (rc == MC_ERR_OK && (v.mv_size != MC_PUBLIC_KEY_BYTES ||
                             memcmp(v.mv_data, a->public_key, MC_PUBLIC_KEY_BYTES) != 0))) {
        return violation(c, "account %s: its handle does not point back to it", a->handle);
    }
    return rc;
}

/* Each account's own invariants; balances sum to zero; one handle each. */
static int check_accounts(checker *c)
{
    MDB_cursor *cur;
    MDB_val k, v;
    __extension__ __int128 sum = 0;
    size_t accounts = 0;
    int out = cursor_open(c, c->l->store.accounts, &cur);
    if (out != MC_ERR_OK) {
        return out;
    }
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (; rc == MDB_SUCCESS && out == MC_ERR_OK; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        mc_account a;
        out = mc__account_decode(v.mv_data, v.mv_size, &a);
        if (out == MC_ERR_OK && (k.mv_size != MC_PUBLIC_KEY_BYTES ||
                                 memcmp(k.mv_data, a.public_key, MC_PUBLIC_KEY_BYTES) != 0)) {
            out = violation(c, "account %s: stored under another key", a.handle);
        }
        if (out == MC_ERR_OK) {
            out = check_account(c, &a);
        }
        sum += a.balance;
        accounts++;
    }
    out = walk_end(c, cur, rc, out);
    if (out == MC_ERR_OK && sum != 0) {
        out = violation(c, "the balances sum to %lld, not 0", (long long)sum);
    }
    MDB_stat st;
    if (out == MC_ERR_OK && mdb_stat(c->txn, c->l->store.handles, &st) == MDB_SUCCESS &&
        st.ms_entries != accounts) {
        out = violation(c, "%zu handles for %zu accounts", (size_t)st.ms_entries, accounts);
    }
    return out;
}

/* Entry `h` decodes, carries height h, and its tx_id points back to h. */
static int check_entry(checker *c, uint64_t h, const MDB_val *v)
{
    mc_entry e;
    MDB_val id;
    if (mc_entry_decode(v->mv_data, v->mv_size, &e) != MC_ERR_OK) {
        return violation(c, "log entry %llu does not decode", (unsigned long long)h);
    }
    int out = MC_ERR_OK;
    if (e.height != h || e.result != MC_ERR_OK) {
        out = violation(c, "log entry %llu records height %llu, result %d", (unsigned long long)h,
                        (unsigned long long)e.height, e.result);
    }
    if (out == MC_ERR_OK) {
        int rc = mc__store_get(&c->l->store, c->txn, c->l->store.txids, mc_tx_id_of(e.tx),
                               MC_TX_ID_BYTES, &id);
        if (rc == MC_ERR_OK && (id.mv_size != 8 || mc__be_u64(id.mv_data) != h)) {
            out = violation(c, "log entry %llu: its tx_id points elsewhere", (unsigned long long)h);
        } else if (rc == MC_ERR_NOT_FOUND) {
            out = violation(c, "log entry %llu: its tx_id is not indexed", (unsigned long long)h);
        } else {
            out = rc;
        }
    }
    uint8_t leaf[MC_HASH_BYTES], stored[MC_HASH_BYTES];
    if (out == MC_ERR_OK) {
        mc_merkle_leaf_hash(v->mv_data, v->mv_size, leaf);
        out = mc__merkle_node(&c->l->store, c->txn, 0, h - 1, stored);
        if (out == MC_ERR_CORRUPT || (out == MC_ERR_OK && memcmp(leaf, stored, 32) != 0)) {
            out =
                violation(c, "log entry %llu: Merkle leaf missing or wrong", (unsigned long long)h);
        }
    }
    mc_entry_clear(&e);
    return out;
}

/* Heights 1..height, gap-free; as many tx ids as entries. */
static int check_log(checker *c)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t expect = 1;
    int out = cursor_open(c, c->l->store.log, &cur);
    if (out != MC_ERR_OK) {
        return out;
    }
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (; rc == MDB_SUCCESS && out == MC_ERR_OK; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint64_t h = k.mv_size == 8 ? mc__be_u64(k.mv_data) : 0;
        if (h != expect) {
            out = violation(c, "the log has a gap: expected height %llu, found %llu",
                            (unsigned long long)expect, (unsigned long long)h);
        } else {
            out = check_entry(c, h, &v);
        }
        expect++;
    }
    out = walk_end(c, cur, rc, out);
    if (out == MC_ERR_OK && expect - 1 != c->height) {
        out = violation(c, "the log holds %llu entries, the height says %llu",
                        (unsigned long long)(expect - 1), (unsigned long long)c->height);
    }
    MDB_stat st;
    if (out == MC_ERR_OK && mdb_stat(c->txn, c->l->store.txids, &st) == MDB_SUCCESS &&
        st.ms_entries != c->height) {
        out = violation(c, "%zu transaction ids for %llu entries", (size_t)st.ms_entries,
                        (unsigned long long)c->height);
    }
    return out;
}

/* The history of one account ends; its last balance must be the account's. */
static int history_close(checker *c, const uint8_t *key, int64_t balance)
{
    mc_account a;
    int rc = mc__account_load(&c->l->store, c->txn, key, &a);
    if (rc == MC_ERR_NOT_FOUND) {
        return violation(c, "history of an account that does not exist");
    }
    if (rc == MC_ERR_OK && a.balance != balance) {
        return violation(c, "account %s: balance %lld, its history sums to %lld", a.handle,
                         (long long)a.balance, (long long)balance);
    }
    return rc;
}

/* Each account's history: running sums of deltas match balances after. */
static int check_history(checker *c)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    bool have = false;
    int64_t running = 0;
    int out = cursor_open(c, c->l->store.history, &cur);
    if (out != MC_ERR_OK) {
        return out;
    }
    int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (; rc == MDB_SUCCESS && out == MC_ERR_OK; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != MC__HISTORY_KEY_BYTES || v.mv_size != MC__HISTORY_VALUE_BYTES) {
            out = violation(c, "a history record has the wrong size");
            break;
        }
        const uint8_t *kb = k.mv_data, *vb = v.mv_data;
        if (have && memcmp(kb, key, MC_PUBLIC_KEY_BYTES) != 0) {
            out = history_close(c, key, running);
            running = 0;
        }
        memcpy(key, kb, MC_PUBLIC_KEY_BYTES);
        have = true;
        uint64_t h = mc__be_u64(kb + MC_PUBLIC_KEY_BYTES);
        int64_t delta = (int64_t)mc__be_u64(vb), after = (int64_t)mc__be_u64(vb + 8);
        if (out == MC_ERR_OK &&
            (h == 0 || h > c->height || mc_amount_add(running, delta, &running) != MC_ERR_OK ||
             running != after)) {
            out = violation(c, "history at height %llu does not add up", (unsigned long long)h);
        }
    }
    out = walk_end(c, cur, rc, out);
    if (out == MC_ERR_OK && have) {
        out = history_close(c, key, running);
    }
    return out;
}

static int check_merkle(checker *c)
{
    MDB_stat st;
    uint8_t root[MC_HASH_BYTES];
    int rc = mdb_stat(c->txn, c->l->store.merkle, &st);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&c->l->store, "mdb_stat", rc);
    }
    /* A tree of n leaves stores n leaves and n - popcount(n) inner nodes. */
    uint64_t expect = 2 * c->height - (uint64_t)__builtin_popcountll(c->height);
    if (st.ms_entries != expect) {
        return violation(c, "the Merkle tree stores %zu nodes, expected %llu",
                         (size_t)st.ms_entries, (unsigned long long)expect);
    }
    rc = mc__merkle_root(&c->l->store, c->txn, c->height, root);
    return rc == MC_ERR_CORRUPT ? violation(c, "the Merkle tree is incomplete") : rc;
}

static int check_read(mc_ledger *l, MDB_txn *txn, char *why, size_t why_len)
{
    checker c = {.l = l, .txn = txn, .why = why, .why_len = why_len};
    int rc = mc__meta_height(&l->store, txn, &c.height);
    if (rc == MC_ERR_OK) {
        rc = check_accounts(&c);
    }
    if (rc == MC_ERR_OK) {
        rc = check_log(&c);
    }
    if (rc == MC_ERR_OK) {
        rc = check_merkle(&c);
    }
    if (rc == MC_ERR_OK) {
        rc = check_history(&c);
    }
    char dummy[1];
    char *msg = why != NULL ? why : dummy;
    size_t msg_len = why != NULL ? why_len : sizeof dummy;
    if (rc == MC_ERR_OK) {
        rc = mc__requests_check(l, txn, c.height, msg, msg_len);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__checkpoints_check(l, txn, c.height, msg, msg_len);
    }
    return rc;
}

int mc_ledger_check(mc_ledger *l, char *why, size_t why_len)
{
    MDB_txn *txn;
    if (why != NULL && why_len > 0) {
        why[0] = '\0';
    }
    int rc = mc__store_begin_read(&l->store, &txn);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = check_read(l, txn, why, why_len);
    mc__store_end_read(&l->store, txn);
    if (rc != MC_ERR_OK && rc != MC_ERR_INVARIANT && why != NULL && why_len > 0 && !why[0]) {
        snprintf(why, why_len, "%s (%s)", mc_strerror(rc), l->store.last_error);
    }
    return rc;
}
