/* Reading a commons' contributions and rounds, and checking their
 * invariants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

typedef struct contribution_query {
    const uint8_t *id;
    mc_contribution *out;
} contribution_query;

static int contribution_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    contribution_query *q = arg;
    return mc__contribution_load(&l->store, txn, q->id, MC_TX_ID_BYTES, q->out);
}

int mc_ledger_get_contribution(mc_ledger *l, const uint8_t id[MC_TX_ID_BYTES], mc_contribution *out)
{
    contribution_query q = {.id = id, .out = out};
    return mc__ledger_read(l, contribution_read, &q);
}

/* Walk the keys commons || n of `dbi`, from n = after + 1, at most `limit`
 * (0: all), calling fn(value) until it returns non-zero. */
typedef int (*commons_fn)(mc_ledger *l, MDB_txn *txn, const MDB_val *v, void *arg);

static int commons_walk(mc_ledger *l, MDB_txn *txn, MDB_dbi dbi, const uint8_t *commons,
                        uint64_t after, size_t limit, commons_fn fn, void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(&l->store, "mdb_cursor_open", rc);
    }
    if (after == UINT64_MAX) {
        mdb_cursor_close(cur);
        return MC_ERR_OK;
    }
    uint8_t start[MC__COMMONS_KEY_BYTES];
    mc__commons_key(commons, after + 1, start);
    MDB_val k = {.mv_size = sizeof start, .mv_data = start}, v;
    int out = MC_ERR_OK;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    for (size_t seen = 0; rc == MDB_SUCCESS && (limit == 0 || seen < limit); seen++) {
        if (k.mv_size != MC__COMMONS_KEY_BYTES ||
            memcmp(k.mv_data, commons, MC_PUBLIC_KEY_BYTES) != 0 ||
            (out = fn(l, txn, &v, arg)) != 0) {
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (out == MC_ERR_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        out = mc__store_error(&l->store, "mdb_cursor_get", rc);
    }
    return out;
}

typedef struct contributions_query {
    const uint8_t *commons;
    uint64_t after;
    size_t limit;
    mc_contribution_cb cb;
    void *ctx;
} contributions_query;

static int contribution_item(mc_ledger *l, MDB_txn *txn, const MDB_val *v, void *arg)
{
    contributions_query *q = arg;
    mc_contribution c;
    int rc = mc__contribution_load(&l->store, txn, v->mv_data, v->mv_size, &c);
    if (rc != MC_ERR_OK) {
        return rc == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : rc;
    }
    return q->cb(&c, q->ctx);
}

static int contributions_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    contributions_query *q = arg;
    return commons_walk(l, txn, l->store.commons_contributions, q->commons, q->after, q->limit,
                        contribution_item, q);
}

int mc_ledger_contributions(mc_ledger *l, const uint8_t commons[MC_PUBLIC_KEY_BYTES],
                            uint64_t after_height, size_t limit, mc_contribution_cb cb, void *ctx)
{
    contributions_query q = {
        .commons = commons, .after = after_height, .limit = limit, .cb = cb, .ctx = ctx};
    return mc__ledger_read(l, contributions_read, &q);
}

/* A stored RoundRecord into *out and its payouts (malloc'd, *n of them). */
static int round_decode(const MDB_val *v, mc_round *out, mc_round_payout **payouts, size_t *n)
{
    Mc__RoundRecord *m = mc__round_record__unpack(NULL, v->mv_size, v->mv_data);
    if (m == NULL) {
        return MC_ERR_CORRUPT;
    }
    *out = (mc_round){.round = m->round,
                      .height = m->height,
                      .share_bps = m->share_bps,
                      .amount = m->amount,
                      .cap = m->cap,
                      .pot = m->pot,
                      .paid = m->paid,
                      .left = m->left,
                      .contributions = m->n_contributions};
    *n = m->n_payouts;
    *payouts = calloc(m->n_payouts ? m->n_payouts : 1, sizeof **payouts);
    int rc = *payouts == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    for (size_t i = 0; rc == MC_ERR_OK && i < m->n_payouts; i++) {
        const Mc__RoundPayout *p = m->payouts[i];
        if (p->contributor.len != MC_PUBLIC_KEY_BYTES) {
            rc = MC_ERR_CORRUPT;
            break;
        }
        memcpy((*payouts)[i].contributor, p->contributor.data, MC_PUBLIC_KEY_BYTES);
        (*payouts)[i].weight = p->weight;
        (*payouts)[i].cap = p->cap;
        (*payouts)[i].paid = p->paid;
    }
    mc__round_record__free_unpacked(m, NULL);
    return rc;
}

typedef struct rounds_query {
    const uint8_t *commons;
    uint64_t after;
    size_t limit;
    mc_round_cb cb;
    void *ctx;
} rounds_query;

static int round_item(mc_ledger *l, MDB_txn *txn, const MDB_val *v, void *arg)
{
    (void)l;
    (void)txn;
    rounds_query *q = arg;
    mc_round r;
    mc_round_payout *payouts = NULL;
    size_t n = 0;
    int rc = round_decode(v, &r, &payouts, &n);
    if (rc == MC_ERR_OK) {
        rc = q->cb(&r, payouts, n, q->ctx);
    }
    free(payouts);
    return rc;
}

static int rounds_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    rounds_query *q = arg;
    return commons_walk(l, txn, l->store.rounds, q->commons, q->after, q->limit, round_item, q);
}

int mc_ledger_rounds(mc_ledger *l, const uint8_t commons[MC_PUBLIC_KEY_BYTES], uint64_t after_round,
                     size_t limit, mc_round_cb cb, void *ctx)
{
    rounds_query q = {
        .commons = commons, .after = after_round, .limit = limit, .cb = cb, .ctx = ctx};
    return mc__ledger_read(l, rounds_read, &q);
}
