/* The invariants of contributions and distribution rounds (part of
 * mc_ledger_check): every contribution belongs to a commons and is indexed
 * under it; exactly the approved ones wait in the settle queue; a settled
 * one names a round of its commons; every round adds up (pot = paid + left,
 * the payouts sum to paid, none past its cap), and a commons has exactly
 * the rounds its counter says. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

typedef struct commons_checker {
    mc_ledger *l;
    MDB_txn *txn;
    uint64_t height;
    char *why;
    size_t why_len;
    size_t contributions, approved, rounds;
} commons_checker;

__attribute__((format(printf, 2, 3))) static int violation(commons_checker *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, c->why_len, fmt, ap);
    va_end(ap);
    return MC_ERR_INVARIANT;
}

/* Whether `dbi` maps commons || n to `id`. */
static int indexed(commons_checker *c, MDB_dbi dbi, const uint8_t *commons, uint64_t n,
                   const uint8_t *id, bool *yes)
{
    uint8_t key[MC__COMMONS_KEY_BYTES];
    MDB_val v;
    mc__commons_key(commons, n, key);
    int rc = mc__store_get(&c->l->store, c->txn, dbi, key, sizeof key, &v);
    *yes = rc == MC_ERR_OK && v.mv_size == MC_TX_ID_BYTES &&
           memcmp(v.mv_data, id, MC_TX_ID_BYTES) == 0;
    return rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
}

static int check_contribution(commons_checker *c, const mc_contribution *k)
{
    mc_account commons;
    mc__store *s = &c->l->store;
    bool listed = false, queued = false;
    unsigned long long h = k->height;
    int rc = mc__account_load(s, c->txn, k->commons, &commons);
    if (rc == MC_ERR_NOT_FOUND || (rc == MC_ERR_OK && commons.kind != MC_KIND_COMMONS)) {
        return violation(c, "contribution at height %llu: its commons is not a commons", h);
    }
    rc = rc == MC_ERR_OK ? indexed(c, s->commons_contributions, k->commons, h, k->id, &listed) : rc;
    rc = rc == MC_ERR_OK ? indexed(c, s->settle_queue, k->commons, h, k->id, &queued) : rc;
    if (rc != MC_ERR_OK) {
        return rc;
    }
    bool approved = k->status == MC_CONTRIBUTION_APPROVED;
    bool settled = k->status == MC_CONTRIBUTION_SETTLED;
    bool reviewed = k->status != MC_CONTRIBUTION_PENDING;
    if (!listed || queued != approved || h == 0 || h > c->height || k->weight <= 0 ||
        (reviewed ? k->reviewed_height <= h || k->reviewed_height > c->height
                  : k->reviewed_height != 0)) {
        return violation(c,
                         "contribution at height %llu: not indexed, queued or dated as "
                         "its status says",
                         h);
    }
    if (settled ? k->round == 0 || k->round > commons.rounds || k->paid < 0 || k->pro_rata < 0
                : k->round != 0 || k->paid != 0 || k->pro_rata != 0) {
        return violation(c, "contribution at height %llu: round %llu of %llu, paid %lld", h,
                         (unsigned long long)k->round, (unsigned long long)commons.rounds,
                         (long long)k->paid);
    }
    c->contributions++;
    c->approved += approved;
    return MC_ERR_OK;
}

static int check_contributions(commons_checker *c)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(c->txn, c->l->store.contributions, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&c->l->store, "mdb_cursor_open", rc);
    }
    int out = MC_ERR_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && out == MC_ERR_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        mc_contribution x;
        if (k.mv_size != MC_TX_ID_BYTES ||
            mc__contribution_decode(k.mv_data, v.mv_data, v.mv_size, &x) != MC_ERR_OK) {
            out = violation(c, "a contribution record does not decode");
            break;
        }
        out = check_contribution(c, &x);
    }
    mdb_cursor_close(cur);
    return out == MC_ERR_OK && rc != MDB_NOTFOUND
               ? mc__store_error(&c->l->store, "mdb_cursor_get", rc)
               : out;
}

static int check_round(commons_checker *c, const MDB_val *k, const MDB_val *v)
{
    mc_account commons;
    Mc__RoundRecord *m = mc__round_record__unpack(NULL, v->mv_size, v->mv_data);
    if (k->mv_size != MC__COMMONS_KEY_BYTES || m == NULL) {
        mc__round_record__free_unpacked(m, NULL);
        return violation(c, "a round record does not decode");
    }
    uint64_t n = mc__be_u64((const uint8_t *)k->mv_data + MC_PUBLIC_KEY_BYTES);
    int rc = mc__account_load(&c->l->store, c->txn, k->mv_data, &commons);
    bool ok = rc == MC_ERR_OK && commons.kind == MC_KIND_COMMONS && m->round == n && n >= 1 &&
              n <= commons.rounds && m->height <= c->height && m->pot > 0 && m->paid >= 0 &&
              m->left >= 0 && m->paid <= m->pot && m->left == m->pot - m->paid;
    int64_t sum = 0;
    for (size_t i = 0; ok && i < m->n_payouts; i++) {
        const Mc__RoundPayout *p = m->payouts[i];
        ok = p->paid >= 0 && p->paid <= p->cap && p->paid <= m->paid - sum;
        sum += ok ? p->paid : 0;
    }
    ok = ok && sum == m->paid;
    mc__round_record__free_unpacked(m, NULL);
    if (rc != MC_ERR_OK && rc != MC_ERR_NOT_FOUND) {
        return rc;
    }
    c->rounds++;
    return ok ? MC_ERR_OK
              : violation(c,
                          "round %llu of a commons: its counter, amounts or payouts do not add "
                          "up",
                          (unsigned long long)n);
}

static int check_rounds(commons_checker *c)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(c->txn, c->l->store.rounds, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&c->l->store, "mdb_cursor_open", rc);
    }
    int out = MC_ERR_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && out == MC_ERR_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        out = check_round(c, &k, &v);
    }
    mdb_cursor_close(cur);
    return out == MC_ERR_OK && rc != MDB_NOTFOUND
               ? mc__store_error(&c->l->store, "mdb_cursor_get", rc)
               : out;
}

/* The sum of every commons' round counter. */
static int counted_rounds(commons_checker *c, uint64_t *sum)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(c->txn, c->l->store.accounts, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&c->l->store, "mdb_cursor_open", rc);
    }
    int out = MC_ERR_OK;
    *sum = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS && out == MC_ERR_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        mc_account a;
        out = mc__account_decode(v.mv_data, v.mv_size, &a);
        *sum += out == MC_ERR_OK ? a.rounds : 0;
    }
    mdb_cursor_close(cur);
    return out == MC_ERR_OK && rc != MDB_NOTFOUND
               ? mc__store_error(&c->l->store, "mdb_cursor_get", rc)
               : out;
}

int mc__commons_check(mc_ledger *l, MDB_txn *txn, uint64_t height, char *why, size_t why_len)
{
    commons_checker c = {.l = l, .txn = txn, .height = height, .why = why, .why_len = why_len};
    MDB_stat listed, queued;
    uint64_t counted = 0;
    int rc = check_contributions(&c);
    rc = rc == MC_ERR_OK ? check_rounds(&c) : rc;
    rc = rc == MC_ERR_OK ? counted_rounds(&c, &counted) : rc;
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (mdb_stat(txn, l->store.commons_contributions, &listed) != MDB_SUCCESS ||
        mdb_stat(txn, l->store.settle_queue, &queued) != MDB_SUCCESS) {
        return MC_ERR_STORAGE_IO;
    }
    if (listed.ms_entries != c.contributions || queued.ms_entries != c.approved) {
        return violation(&c,
                         "%zu contributions listed and %zu queued for %zu recorded, %zu "
                         "approved",
                         (size_t)listed.ms_entries, (size_t)queued.ms_entries, c.contributions,
                         c.approved);
    }
    if (counted != c.rounds) {
        return violation(&c, "%zu round records for %llu rounds counted by the commons", c.rounds,
                         (unsigned long long)counted);
    }
    return MC_ERR_OK;
}
