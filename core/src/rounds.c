/* Distribution rounds of a commons. A round takes the approved
 * contributions waiting in `settle_queue` (oldest first), groups them by
 * contributor (ordered by key, so the order never depends on timing), caps
 * each contributor at the round's cap and at what their ceiling leaves, and
 * splits the pot with mc_alloc_split under the round's number. The plan is
 * computed the same way to apply a Distribution and to preview one, and its
 * outcome is written into the round's log entry (ctx->round) and into
 * `rounds` (key: commons || round number), so a replay computes and checks
 * the very same payouts. */
#include <stdlib.h>
#include <string.h>

#include "mc/allocation.h"
#include "mc/amount.h"
#include "mc/error.h"
#include "ledger_internal.h"

__extension__ typedef unsigned __int128 u128;

typedef struct round_person {
    mc_account account;
    int64_t weight; /* the sum of their contributions' weights in the round */
    int64_t cap;
    int64_t paid;
    size_t first, count; /* their contributions: items[order[first..first+count)] */
} round_person;

typedef struct round_plan {
    mc_account commons;
    mc_round round;
    mc_contribution *items; /* the contributions settled, oldest first */
    size_t n, size;
    size_t *order;        /* indexes of items, by contributor then age */
    round_person *people; /* ordered by key */
    size_t np;
} round_plan;

static void plan_free(round_plan *p)
{
    free(p->items);
    free(p->order);
    free(p->people);
    memset(p, 0, sizeof *p);
}

/* Room for one more item. */
static int plan_grow(round_plan *p)
{
    if (p->n < p->size) {
        return MC_ERR_OK;
    }
    size_t size = p->size == 0 ? 64 : 2 * p->size;
    mc_contribution *items = realloc(p->items, size * sizeof *items);
    if (items == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    p->items = items;
    p->size = size;
    return MC_ERR_OK;
}

/* floor(a * b / c) for a, b >= 0, c > 0, when it fits (it does: b <= c). */
static int64_t mul_div(int64_t a, int64_t b, int64_t c)
{
    return (int64_t)((u128)(uint64_t)a * (uint64_t)b / (uint64_t)c);
}

/* The approved contributions of `commons` waiting for a round, oldest
 * first, at most MC_ROUND_CONTRIBUTIONS_MAX, into p->items. */
static int gather(mc__store *s, MDB_txn *txn, const uint8_t *commons, round_plan *p)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, s->settle_queue, &cur);
    if (rc != MDB_SUCCESS) {
        return mc__store_error(s, "mdb_cursor_open", rc);
    }
    uint8_t start[MC__COMMONS_KEY_BYTES];
    mc__commons_key(commons, 0, start);
    MDB_val k = {.mv_size = sizeof start, .mv_data = start}, v;
    int out = MC_ERR_OK;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == MDB_SUCCESS && p->n < MC_ROUND_CONTRIBUTIONS_MAX &&
           k.mv_size == MC__COMMONS_KEY_BYTES &&
           memcmp(k.mv_data, commons, MC_PUBLIC_KEY_BYTES) == 0) {
        if ((out = plan_grow(p)) != MC_ERR_OK) {
            break;
        }
        mc_contribution *c = &p->items[p->n];
        out = mc__contribution_load(s, txn, v.mv_data, v.mv_size, c);
        if (out != MC_ERR_OK || c->status != MC_CONTRIBUTION_APPROVED ||
            memcmp(c->commons, commons, MC_PUBLIC_KEY_BYTES) != 0) {
            out = out == MC_ERR_OK || out == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : out;
            break;
        }
        p->n++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (out == MC_ERR_OK && rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        out = mc__store_error(s, "mdb_cursor_get", rc);
    }
    return out;
}

typedef struct sort_item {
    const uint8_t *key; /* the contributor */
    size_t index;       /* in p->items */
} sort_item;

static int by_contributor(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    int c = memcmp(x->key, y->key, MC_PUBLIC_KEY_BYTES);
    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/* The most `a` may receive in this round: nothing when it is not active,
 * else what its ceiling leaves, at most the round's cap. */
static int64_t person_cap(const mc_account *a, int64_t round_cap)
{
    int64_t room = 0;
    if (a->status == MC_STATUS_ACTIVE && a->balance < a->limits.max_balance &&
        mc_amount_sub(a->limits.max_balance, a->balance, &room) != MC_ERR_OK) {
        room = INT64_MAX;
    }
    return round_cap > 0 && round_cap < room ? round_cap : room;
}

/* Group p->items by contributor into p->people (ordered by key). */
static int group(mc__store *s, MDB_txn *txn, round_plan *p, int64_t round_cap)
{
    sort_item *sorted = malloc(p->n * sizeof *sorted);
    p->order = malloc(p->n * sizeof *p->order);
    p->people = calloc(p->n, sizeof *p->people);
    if (sorted == NULL || p->order == NULL || p->people == NULL) {
        free(sorted);
        return MC_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < p->n; i++) {
        sorted[i] = (sort_item){.key = p->items[i].contributor, .index = i};
    }
    qsort(sorted, p->n, sizeof *sorted, by_contributor);
    int rc = MC_ERR_OK;
    for (size_t k = 0; rc == MC_ERR_OK && k < p->n; k++) {
        const mc_contribution *c = &p->items[sorted[k].index];
        p->order[k] = sorted[k].index;
        if (p->np == 0 || memcmp(p->people[p->np - 1].account.public_key, c->contributor,
                                 MC_PUBLIC_KEY_BYTES) != 0) {
            round_person *who = &p->people[p->np++];
            rc = mc__account_load(s, txn, c->contributor, &who->account);
            rc = rc == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : rc;
            who->cap = rc == MC_ERR_OK ? person_cap(&who->account, round_cap) : 0;
            who->first = k;
        }
        p->people[p->np - 1].weight += c->weight; /* <= 10^4 * 10^8: no overflow */
        p->people[p->np - 1].count++;
    }
    free(sorted);
    return rc;
}

/* Split the pot among the people under their caps. */
static int split(round_plan *p)
{
    mc_alloc_claim *claims = malloc(p->np * sizeof *claims);
    int64_t *out = malloc(p->np * sizeof *out);
    int rc = claims == NULL || out == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    for (size_t i = 0; rc == MC_ERR_OK && i < p->np; i++) {
        claims[i] = (mc_alloc_claim){.weight = p->people[i].weight, .cap = p->people[i].cap};
    }
    if (rc == MC_ERR_OK) {
        rc = mc_alloc_split(p->round.pot, claims, p->np, p->round.round, out, &p->round.left);
    }
    for (size_t i = 0; rc == MC_ERR_OK && i < p->np; i++) {
        p->people[i].paid = out[i];
    }
    p->round.paid = p->round.pot - p->round.left;
    free(claims);
    free(out);
    return rc;
}

/* Shape, the commons and its status: the rules before the signatures. */
static int round_rules(mc__apply_ctx *ctx, const uint8_t *commons, const mc_distribution_params *d,
                       round_plan *p, mc_result *r)
{
    if ((d->share_bps > 0) == (d->amount != 0) || d->share_bps > 10000 || d->amount < 0 ||
        d->cap < 0) {
        return mc__refuse(r, MC_ERR_SHARE_INVALID, NULL);
    }
    int rc = mc__load_or_refuse(ctx, commons, MC_ERR_UNKNOWN_ACCOUNT, &p->commons, r);
    if (rc != MC_ERR_OK) {
        return rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
    }
    if (p->commons.kind != MC_KIND_COMMONS) {
        return mc__refuse(r, MC_ERR_NOT_A_COMMONS, &p->commons);
    }
    int code = mc__status_refusal(&p->commons, MC_ERR_PAYER_CLOSED, MC_ERR_PAYER_FROZEN);
    return code != MC_ERR_OK ? mc__refuse(r, code, &p->commons) : MC_ERR_OK;
}

/* The pot: the share of a positive balance (rounded down) or the amount,
 * within the commons' credit limit. */
static int round_pot(const mc_distribution_params *d, round_plan *p, mc_result *r)
{
    const mc_account *c = &p->commons;
    int64_t pot = d->amount, after = 0;
    if (d->share_bps > 0) {
        pot = c->balance > 0 ? mul_div(c->balance, d->share_bps, 10000) : 0;
    }
    r->amount = pot;
    if (pot == 0) {
        return mc__refuse(r, MC_ERR_NOTHING_TO_DISTRIBUTE, c);
    }
    if (mc_amount_sub(c->balance, pot, &after) != MC_ERR_OK || after < c->limits.min_balance) {
        mc__refuse(r, MC_ERR_EXCEEDS_CREDIT_LIMIT, c);
        r->limit = c->limits.min_balance;
        return r->code;
    }
    p->round.pot = pot;
    return MC_ERR_OK;
}

/* Everything a round's rules decide, in their documented order, and its
 * payouts per contributor. `tx` NULL: a preview, no signatures to check. */
static int plan_round(mc__apply_ctx *ctx, const uint8_t *commons, const mc_distribution_params *d,
                      const mc_tx *tx, round_plan *p, mc_result *r)
{
    mc__store *s = &ctx->ledger->store;
    int rc = round_rules(ctx, commons, d, p, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK ||
        (tx != NULL && mc__keeper_rule(tx, &p->commons, r) != MC_ERR_OK)) {
        return rc;
    }
    rc = gather(s, ctx->txn, commons, p);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (p->n == 0) {
        return mc__refuse(r, MC_ERR_NO_CONTRIBUTIONS, &p->commons);
    }
    if (round_pot(d, p, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    p->round = (mc_round){.round = p->commons.rounds + 1,
                          .height = ctx->height + 1,
                          .share_bps = d->share_bps,
                          .amount = d->amount,
                          .cap = d->cap,
                          .pot = p->round.pot,
                          .contributions = p->n};
    rc = group(s, ctx->txn, p, d->cap);
    rc = rc == MC_ERR_OK ? split(p) : rc;
    if (rc == MC_ERR_OK && p->round.paid == 0) {
        /* Everyone frozen, closed or at their ceiling: settling the
         * contributions for nothing would take their claim away. */
        return mc__refuse(r, MC_ERR_NOTHING_TO_DISTRIBUTE, &p->commons);
    }
    return rc;
}

/* Settle person `who`'s contributions: their payout split among them by
 * weight; each records its exact pro-rata share of the pot. */
static int settle_person(mc__apply_ctx *ctx, round_plan *p, const round_person *who,
                         int64_t total_weight)
{
    mc__store *s = &ctx->ledger->store;
    mc_alloc_claim *claims = malloc(who->count * sizeof *claims);
    int64_t *out = malloc(who->count * sizeof *out), left = 0;
    int rc = claims == NULL || out == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    for (size_t k = 0; rc == MC_ERR_OK && k < who->count; k++) {
        claims[k] =
            (mc_alloc_claim){.weight = p->items[p->order[who->first + k]].weight, .cap = INT64_MAX};
    }
    if (rc == MC_ERR_OK) {
        rc = mc_alloc_split(who->paid, claims, who->count, p->round.round, out, &left);
    }
    for (size_t k = 0; rc == MC_ERR_OK && k < who->count; k++) {
        mc_contribution *c = &p->items[p->order[who->first + k]];
        uint8_t key[MC__COMMONS_KEY_BYTES];
        c->status = MC_CONTRIBUTION_SETTLED;
        c->round = p->round.round;
        c->pro_rata = mul_div(p->round.pot, c->weight, total_weight);
        c->paid = out[k];
        rc = mc__contribution_save(s, ctx->txn, c);
        mc__commons_key(c->commons, c->height, key);
        MDB_val k2 = {.mv_size = sizeof key, .mv_data = key};
        if (rc == MC_ERR_OK && (rc = mdb_del(ctx->txn, s->settle_queue, &k2, NULL)) != 0) {
            rc = mc__store_error(s, "mdb_del", rc);
        }
    }
    free(claims);
    free(out);
    return rc;
}

/* Move the money: the commons pays, each contributor receives (possibly
 * nothing: the history still shows them the round). */
static int pay(mc__apply_ctx *ctx, round_plan *p, uint64_t height)
{
    mc__store *s = &ctx->ledger->store;
    p->commons.balance -= p->round.paid; /* within its credit limit: round_pot */
    p->commons.last_debit_height = height;
    p->commons.rounds = p->round.round;
    int rc = mc__account_save(s, ctx->txn, &p->commons);
    rc = rc == MC_ERR_OK ? mc__history_add(ctx, &p->commons, height, -p->round.paid) : rc;
    for (size_t i = 0; rc == MC_ERR_OK && i < p->np; i++) {
        round_person *who = &p->people[i];
        if (who->paid > 0) {
            who->account.balance += who->paid; /* at most its ceiling: person_cap */
            who->account.last_credit_height = height;
            rc = mc__account_save(s, ctx->txn, &who->account);
        }
        rc = rc == MC_ERR_OK ? mc__history_add(ctx, &who->account, height, who->paid) : rc;
    }
    return rc;
}

/* The round's record, packed into *out (malloc'd). */
static int record_pack(const round_plan *p, uint8_t **out, size_t *len)
{
    Mc__RoundRecord m = MC__ROUND_RECORD__INIT;
    Mc__RoundPayout *payouts = calloc(p->np, sizeof *payouts);
    Mc__RoundPayout **ptrs = calloc(p->np, sizeof *ptrs);
    ProtobufCBinaryData *ids = calloc(p->n, sizeof *ids);
    int rc = payouts == NULL || ptrs == NULL || ids == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    for (size_t i = 0; rc == MC_ERR_OK && i < p->np; i++) {
        mc__round_payout__init(&payouts[i]);
        payouts[i].contributor = MC__BYTES(p->people[i].account.public_key, MC_PUBLIC_KEY_BYTES);
        payouts[i].weight = p->people[i].weight;
        payouts[i].cap = p->people[i].cap;
        payouts[i].paid = p->people[i].paid;
        ptrs[i] = &payouts[i];
    }
    for (size_t i = 0; rc == MC_ERR_OK && i < p->n; i++) {
        ids[i] = MC__BYTES(p->items[i].id, MC_TX_ID_BYTES);
    }
    m.round = p->round.round;
    m.height = p->round.height;
    m.share_bps = p->round.share_bps;
    m.amount = p->round.amount;
    m.cap = p->round.cap;
    m.pot = p->round.pot;
    m.paid = p->round.paid;
    m.left = p->round.left;
    m.n_payouts = p->np;
    m.payouts = ptrs;
    m.n_contributions = p->n;
    m.contributions = ids;
    *len = rc == MC_ERR_OK ? mc__round_record__get_packed_size(&m) : 0;
    *out = rc == MC_ERR_OK ? malloc(*len ? *len : 1) : NULL;
    if (rc == MC_ERR_OK && *out == NULL) {
        rc = MC_ERR_NO_MEMORY;
    }
    if (rc == MC_ERR_OK) {
        mc__round_record__pack(&m, *out);
    }
    free(payouts);
    free(ptrs);
    free(ids);
    return rc;
}

/* Store the round under commons || round and keep its outcome (its own
 * copy, which outlives the plan) for the log entry. */
static int record_round(mc__apply_ctx *ctx, const round_plan *p)
{
    mc__store *s = &ctx->ledger->store;
    uint8_t *buf = NULL, key[MC__COMMONS_KEY_BYTES];
    size_t len = 0;
    int rc = record_pack(p, &buf, &len);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc__commons_key(p->commons.public_key, p->round.round, key);
    rc = mc__store_put(s, ctx->txn, s->rounds, key, sizeof key, buf, len, MDB_NOOVERWRITE);
    if (rc == MC_ERR_OK) {
        ctx->round = mc__round_record__unpack(NULL, len, buf);
        rc = ctx->round == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    }
    free(buf);
    return rc;
}

void mc__round_done(mc__apply_ctx *ctx)
{
    if (ctx->round != NULL) {
        mc__round_record__free_unpacked(ctx->round, NULL);
        ctx->round = NULL;
    }
}

int mc__apply_distribution(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__Distribution *m = tx->decoded->distribution;
    mc_distribution_params d = {.share_bps = m->share_bps, .amount = m->amount, .cap = m->cap};
    round_plan p;
    memset(&p, 0, sizeof p);
    int rc = plan_round(ctx, m->commons.data, &d, tx, &p, r);
    if (rc == MC_ERR_OK && r->code == MC_ERR_OK) {
        int64_t total = 0;
        for (size_t i = 0; i < p.np; i++) {
            total += p.people[i].weight;
        }
        for (size_t i = 0; rc == MC_ERR_OK && i < p.np; i++) {
            rc = settle_person(ctx, &p, &p.people[i], total);
        }
        rc = rc == MC_ERR_OK ? pay(ctx, &p, p.round.height) : rc;
        rc = rc == MC_ERR_OK ? record_round(ctx, &p) : rc;
        r->amount = p.round.paid;
    }
    plan_free(&p);
    return rc;
}

typedef struct preview_query {
    const uint8_t *commons;
    const mc_distribution_params *params;
    mc_round *out;
    mc_round_cb cb;
    void *ctx;
    int code; /* the rule that would refuse the round */
} preview_query;

static int preview_payouts(const round_plan *p, const preview_query *q)
{
    mc_round_payout *payouts = calloc(p->np, sizeof *payouts);
    if (payouts == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < p->np; i++) {
        memcpy(payouts[i].contributor, p->people[i].account.public_key, MC_PUBLIC_KEY_BYTES);
        payouts[i].weight = p->people[i].weight;
        payouts[i].cap = p->people[i].cap;
        payouts[i].paid = p->people[i].paid;
    }
    int rc = q->cb(&p->round, payouts, p->np, q->ctx);
    free(payouts);
    return rc;
}

static int preview_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    preview_query *q = arg;
    mc__apply_ctx ctx = {.ledger = l, .txn = txn};
    mc_result r;
    round_plan p;
    memset(&r, 0, sizeof r);
    memset(&p, 0, sizeof p);
    int rc = mc__meta_height(&l->store, txn, &ctx.height);
    rc = rc == MC_ERR_OK ? plan_round(&ctx, q->commons, q->params, NULL, &p, &r) : rc;
    q->code = r.code;
    if (rc == MC_ERR_OK && r.code == MC_ERR_OK) {
        *q->out = p.round; /* untouched on a refusal or a failure */
        rc = q->cb != NULL ? preview_payouts(&p, q) : MC_ERR_OK;
    }
    plan_free(&p);
    return rc;
}

int mc_ledger_preview_distribution(mc_ledger *l, const uint8_t commons[MC_PUBLIC_KEY_BYTES],
                                   const mc_distribution_params *params, mc_round *out,
                                   mc_round_cb cb, void *ctx)
{
    preview_query q = {.commons = commons, .params = params, .out = out, .cb = cb, .ctx = ctx};
    int rc = mc__ledger_read(l, preview_read, &q);
    return rc != MC_ERR_OK ? rc : q.code;
}
