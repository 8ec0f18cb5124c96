/* Distribution rounds of a commons (mc/ledger.h, Distribution), checked
 * against a plain reference computation written here from the header's
 * words: the approved contributions oldest first, grouped by contributor in
 * key order, each capped at min(round cap, ceiling room) (0 when frozen or
 * closed), the pot split by water-filling and the largest remainder with
 * the rotation of mc/allocation.h, each contributor's payout split among
 * their contributions the same way. Every round is previewed first (the
 * preview must change nothing and announce exactly what applying does),
 * then applied, and the stored round, the balances and every settled
 * contribution are compared with the reference; the main scenarios are
 * also checked against numbers worked out by hand. Replaying the log (and
 * the outcome recorded in it) is in test_commons_replay.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_MAX 16u /* contributions, and contributors, in one reference round */

/* ---- keys and accounts ------------------------------------------------------ */

static const uint8_t *pk(const mc_keypair *kp)
{
    return mc_keypair_public(kp);
}

static mc_account account_at(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    mc_account a;
    assert_int_equal(mc_ledger_get_account(f->ledger, key, &a), MC_ERR_OK);
    return a;
}

static int64_t balance_of(mc_fixture *f, const mc_keypair *kp)
{
    return mc_fixture_balance(f, pk(kp));
}

static mc_result submit(mc_fixture *f, const mc_body *b, const mc_keypair *signer)
{
    mc_result r = mc_fixture_submit(f, b, &signer, 1);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    return r;
}

/* ---- the world ------------------------------------------------------------------ */

typedef struct world {
    mc_fixture f;
    mc_keypair *keeper[2];            /* the garden's keepers, both needed */
    mc_keypair *garden;               /* the commons */
    mc_keypair *bakery, *cobbler;     /* businesses paying reciprocity */
    mc_keypair *ada, *bea, *cy, *dee; /* members who contribute */
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mc_fixture *f = &w->f;
    mc_fixture_setup(f, 1, 1, NULL);
    w->keeper[0] = mc_fixture_named_key("keeper one");
    w->keeper[1] = mc_fixture_named_key("keeper two");
    w->garden = mc_fixture_open_commons(f, "garden", (const mc_keypair *const *)w->keeper, 2, 2);
    w->bakery = mc_fixture_open_named(f, "bakery", MC_KIND_BUSINESS);
    w->cobbler = mc_fixture_open_named(f, "cobbler", MC_KIND_BUSINESS);
    w->ada = mc_fixture_open_named(f, "ada", MC_KIND_MEMBER);
    w->bea = mc_fixture_open_named(f, "bea", MC_KIND_MEMBER);
    w->cy = mc_fixture_open_named(f, "cy", MC_KIND_MEMBER);
    w->dee = mc_fixture_open_named(f, "dee", MC_KIND_MEMBER);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    mc_keypair *all[] = {w->keeper[0], w->keeper[1], w->garden, w->bakery, w->cobbler,
                         w->ada,       w->bea,       w->cy,     w->dee};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        mc_keypair_free(all[i]);
    }
    mc_fixture_teardown(&w->f);
    free(w);
    return 0;
}

static void pay(world *w, const mc_keypair *payer, const mc_keypair *payee, int64_t amount,
                mc_purpose purpose)
{
    mc_body b = mc_fixture_transfer_body(&w->f, payer, payee, amount);
    b.u.transfer.purpose = purpose;
    submit(&w->f, &b, payer);
}

/* The two businesses pay 123.45 and 76.56 into the garden: 200.01. */
static void fund(world *w)
{
    pay(w, w->bakery, w->garden, 12345, MC_PURPOSE_RECIPROCITY);
    pay(w, w->cobbler, w->garden, 7656, MC_PURPOSE_RECIPROCITY);
    assert_int_equal(balance_of(&w->f, w->garden), 20001);
}

static void contribute(world *w, const mc_keypair *who, int64_t weight, uint8_t id[MC_TX_ID_BYTES])
{
    mc_body b = mc_fixture_contribution_body(&w->f, w->garden, who, weight, "hours in the garden");
    memcpy(id, submit(&w->f, &b, who).tx_id, MC_TX_ID_BYTES);
}

static void review(world *w, const uint8_t id[MC_TX_ID_BYTES], bool approve)
{
    mc_body b = mc_fixture_review_body(&w->f, id, approve);
    MC_ASSERT_RESULT(mc_fixture_submit(&w->f, &b, (const mc_keypair *const *)w->keeper, 2),
                     MC_ERR_OK);
}

/* Contribute and have the keepers approve. */
static void approved(world *w, const mc_keypair *who, int64_t weight, uint8_t id[MC_TX_ID_BYTES])
{
    contribute(w, who, weight, id);
    review(w, id, true);
}

static mc_contribution contribution_of(mc_fixture *f, const uint8_t id[MC_TX_ID_BYTES])
{
    mc_contribution c;
    assert_int_equal(mc_ledger_get_contribution(f->ledger, id, &c), MC_ERR_OK);
    return c;
}

/* ---- the reference computation ------------------------------------------------------ */

/* Split `pot` among n claims (weights w, caps cap) as mc/allocation.h says:
 * freeze at its cap every claim whose cap is below its share of what is
 * left, until none is; floor the exact shares of the others; hand the units
 * left over one each to the largest remainders, ties going first to index
 * (round mod n), then the following indexes, wrapping. Every value here
 * stays below 2^31, so the products fit in 64 bits. */
static void ref_split(int64_t pot, const int64_t *w, const int64_t *cap, size_t n, uint64_t round,
                      int64_t *out, int64_t *left)
{
    bool frozen[REF_MAX] = {false}, changed = true;
    int64_t rest = pot, total = 0, rem[REF_MAX];
    assert_true(n >= 1 && n <= REF_MAX && pot < INT32_MAX);
    while (changed) {
        changed = false;
        rest = pot;
        total = 0;
        for (size_t i = 0; i < n; i++) {
            rest -= frozen[i] ? cap[i] : 0;
            total += frozen[i] ? 0 : w[i];
        }
        for (size_t i = 0; i < n; i++) {
            if (!frozen[i] && cap[i] * total < rest * w[i]) {
                frozen[i] = changed = true;
            }
        }
    }
    int64_t units = rest;
    for (size_t i = 0; i < n; i++) {
        out[i] = frozen[i] ? cap[i] : rest * w[i] / total;
        rem[i] = frozen[i] ? -1 : rest * w[i] % total;
        units -= frozen[i] ? 0 : out[i];
    }
    *left = total == 0 ? rest : 0;
    for (; total > 0 && units > 0; units--) {
        size_t best = n;
        for (size_t k = 0; k < n; k++) {
            size_t i = (size_t)((round + k) % n);
            if (rem[i] >= 0 && (best == n || rem[i] > rem[best])) {
                best = i;
            }
        }
        out[best]++;
        rem[best] = -1;
    }
}

typedef struct ref_person {
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    int64_t weight, cap, paid;
} ref_person;

typedef struct ref_round {
    uint64_t number;
    int64_t pot, paid, left, total_weight;
    size_t n, np;
    mc_contribution items[REF_MAX]; /* the approved contributions, oldest first */
    size_t person_of[REF_MAX];      /* items[i] belongs to people[person_of[i]] */
    int64_t item_paid[REF_MAX], item_pro_rata[REF_MAX];
    ref_person people[REF_MAX]; /* by key */
} ref_round;

static int gather_approved(const mc_contribution *c, void *ctx)
{
    ref_round *ref = ctx;
    if (c->status == MC_CONTRIBUTION_APPROVED) {
        assert_true(ref->n < REF_MAX);
        ref->items[ref->n++] = *c;
    }
    return 0;
}

/* The pot of `d` from the commons' balance. */
static int64_t ref_pot(const mc_account *commons, mc_distribution_params d)
{
    if (d.share_bps == 0) {
        return d.amount;
    }
    return commons->balance > 0 ? commons->balance * d.share_bps / 10000 : 0;
}

/* The most `a` may take: its ceiling's room if active, at most the round's cap. */
static int64_t ref_cap(const mc_account *a, int64_t round_cap)
{
    int64_t room = 0;
    if (a->status == MC_STATUS_ACTIVE && a->balance < a->limits.max_balance) {
        room = a->limits.max_balance - a->balance;
    }
    return round_cap > 0 && round_cap < room ? round_cap : room;
}

/* Group ref->items by contributor, in key order. */
static void ref_group(mc_fixture *f, ref_round *ref, int64_t round_cap)
{
    for (size_t i = 0; i < ref->n; i++) {
        const uint8_t *key = ref->items[i].contributor;
        size_t at = 0;
        while (at < ref->np && memcmp(ref->people[at].key, key, MC_PUBLIC_KEY_BYTES) < 0) {
            at++;
        }
        if (at == ref->np || memcmp(ref->people[at].key, key, MC_PUBLIC_KEY_BYTES) != 0) {
            memmove(&ref->people[at + 1], &ref->people[at], (ref->np - at) * sizeof *ref->people);
            memset(&ref->people[at], 0, sizeof ref->people[at]);
            memcpy(ref->people[at].key, key, MC_PUBLIC_KEY_BYTES);
            mc_account a = account_at(f, key);
            ref->people[at].cap = ref_cap(&a, round_cap);
            ref->np++;
        }
        ref->people[at].weight += ref->items[i].weight;
        ref->total_weight += ref->items[i].weight;
    }
    for (size_t i = 0; i < ref->n; i++) {
        for (size_t p = 0; p < ref->np; p++) {
            if (memcmp(ref->people[p].key, ref->items[i].contributor, MC_PUBLIC_KEY_BYTES) == 0) {
                ref->person_of[i] = p;
            }
        }
    }
}

/* Split person p's payout among their contributions, oldest first. */
static void ref_settle_person(ref_round *ref, size_t p)
{
    int64_t w[REF_MAX], cap[REF_MAX], out[REF_MAX], left = 0;
    size_t index[REF_MAX], k = 0;
    for (size_t i = 0; i < ref->n; i++) {
        if (ref->person_of[i] == p) {
            index[k] = i;
            w[k] = ref->items[i].weight;
            cap[k++] = ref->people[p].paid; /* no cap binds */
        }
    }
    ref_split(ref->people[p].paid, w, cap, k, ref->number, out, &left);
    assert_int_equal(left, 0);
    for (size_t j = 0; j < k; j++) {
        ref->item_paid[index[j]] = out[j];
        ref->item_pro_rata[index[j]] = ref->pot * w[j] / ref->total_weight;
    }
}

/* What a round of `d` on the garden must do now. */
static void ref_compute(world *w, mc_distribution_params d, ref_round *ref)
{
    mc_fixture *f = &w->f;
    memset(ref, 0, sizeof *ref);
    mc_account commons = account_at(f, pk(w->garden));
    ref->number = commons.rounds + 1;
    ref->pot = ref_pot(&commons, d);
    assert_int_equal(mc_ledger_contributions(f->ledger, pk(w->garden), 0, 0, gather_approved, ref),
                     MC_ERR_OK);
    assert_true(ref->n > 0 && ref->pot > 0);
    ref_group(f, ref, d.cap);
    int64_t weights[REF_MAX], caps[REF_MAX], out[REF_MAX];
    for (size_t p = 0; p < ref->np; p++) {
        weights[p] = ref->people[p].weight;
        caps[p] = ref->people[p].cap;
    }
    ref_split(ref->pot, weights, caps, ref->np, ref->number, out, &ref->left);
    for (size_t p = 0; p < ref->np; p++) {
        ref->people[p].paid = out[p];
        ref->paid += out[p];
        ref_settle_person(ref, p);
    }
    assert_int_equal(ref->paid + ref->left, ref->pot);
}

static int64_t ref_paid_to(const ref_round *ref, const mc_keypair *kp)
{
    for (size_t p = 0; p < ref->np; p++) {
        if (memcmp(ref->people[p].key, pk(kp), MC_PUBLIC_KEY_BYTES) == 0) {
            return ref->people[p].paid;
        }
    }
    fail_msg("not in the round");
    return -1;
}

/* ---- running a round ------------------------------------------------------------------ */

typedef struct seen_round {
    mc_round round;
    mc_round_payout payouts[REF_MAX];
    size_t n, calls;
} seen_round;

static int collect_round(const mc_round *r, const mc_round_payout *payouts, size_t n, void *ctx)
{
    seen_round *s = ctx;
    assert_true(n <= REF_MAX);
    s->round = *r;
    memcpy(s->payouts, payouts, n * sizeof *payouts);
    s->n = n;
    s->calls++;
    return 0;
}

/* `s` is what the reference says of round `ref` of parameters `d` at `height`. */
static void assert_round(const seen_round *s, const ref_round *ref, mc_distribution_params d,
                         uint64_t height)
{
    assert_int_equal(s->calls, 1);
    assert_int_equal(s->round.round, ref->number);
    assert_int_equal(s->round.height, height);
    assert_int_equal(s->round.share_bps, d.share_bps);
    assert_int_equal(s->round.amount, d.amount);
    assert_int_equal(s->round.cap, d.cap);
    assert_int_equal(s->round.pot, ref->pot);
    assert_int_equal(s->round.paid, ref->paid);
    assert_int_equal(s->round.left, ref->left);
    assert_int_equal(s->round.contributions, ref->n);
    assert_int_equal(s->n, ref->np);
    for (size_t p = 0; p < ref->np; p++) {
        assert_memory_equal(s->payouts[p].contributor, ref->people[p].key, MC_PUBLIC_KEY_BYTES);
        assert_int_equal(s->payouts[p].weight, ref->people[p].weight);
        assert_int_equal(s->payouts[p].cap, ref->people[p].cap);
        assert_int_equal(s->payouts[p].paid, ref->people[p].paid);
    }
}

/* Preview, check it changed nothing, apply with both keepers, and check the
 * stored round, the balances and the settled contributions against the
 * reference (returned in *ref). */
static void run_round(world *w, mc_distribution_params d, ref_round *ref)
{
    mc_fixture *f = &w->f;
    ref_compute(w, d, ref);
    uint8_t digest[MC_HASH_BYTES], after[MC_HASH_BYTES];
    uint64_t height = 0;
    seen_round preview = {.calls = 0}, stored = {.calls = 0};
    mc_fixture_state_digest(f, digest);
    assert_int_equal(mc_ledger_height(f->ledger, &height), MC_ERR_OK);
    assert_int_equal(mc_ledger_preview_distribution(f->ledger, pk(w->garden), &d, &preview.round,
                                                    collect_round, &preview),
                     MC_ERR_OK);
    mc_fixture_state_digest(f, after);
    assert_memory_equal(after, digest, MC_HASH_BYTES);
    for (size_t i = 0; i < ref->n; i++) { /* nothing settled by the preview */
        mc_contribution c = contribution_of(f, ref->items[i].id);
        assert_memory_equal(&c, &ref->items[i], sizeof c);
    }
    assert_round(&preview, ref, d, height + 1);

    int64_t before[REF_MAX], commons = balance_of(f, w->garden);
    for (size_t p = 0; p < ref->np; p++) {
        before[p] = account_at(f, ref->people[p].key).balance;
    }
    mc_body b = mc_fixture_distribution_body(f, w->garden, d);
    mc_result r = mc_fixture_submit(f, &b, (const mc_keypair *const *)w->keeper, 2);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_int_equal(r.height, height + 1);

    assert_int_equal(
        mc_ledger_rounds(f->ledger, pk(w->garden), ref->number - 1, 0, collect_round, &stored),
        MC_ERR_OK);
    assert_round(&stored, ref, d, height + 1);
    assert_int_equal(balance_of(f, w->garden), commons - ref->paid);
    assert_int_equal(account_at(f, pk(w->garden)).rounds, ref->number);
    for (size_t p = 0; p < ref->np; p++) {
        assert_int_equal(account_at(f, ref->people[p].key).balance,
                         before[p] + ref->people[p].paid);
    }
    for (size_t i = 0; i < ref->n; i++) {
        mc_contribution c = contribution_of(f, ref->items[i].id);
        assert_int_equal(c.status, MC_CONTRIBUTION_SETTLED);
        assert_int_equal(c.round, ref->number);
        assert_int_equal(c.pro_rata, ref->item_pro_rata[i]);
        assert_int_equal(c.paid, ref->item_paid[i]);
    }
    mc_fixture_assert_balanced(f);
}

/* ---- the rounds -------------------------------------------------------------------------- */

/* 10.00, 5.00 and 2.50 hours approved; one more pending, one rejected. */
static void three_contributors(world *w, uint8_t ids[3][MC_TX_ID_BYTES],
                               uint8_t pending[MC_TX_ID_BYTES], uint8_t rejected[MC_TX_ID_BYTES])
{
    approved(w, w->ada, 1000, ids[0]);
    approved(w, w->bea, 500, ids[1]);
    contribute(w, w->ada, 700, pending);
    approved(w, w->cy, 250, ids[2]);
    contribute(w, w->bea, 300, rejected);
    review(w, rejected, false);
}

static void assert_untouched(mc_fixture *f, const uint8_t id[MC_TX_ID_BYTES], int status)
{
    mc_contribution c = contribution_of(f, id);
    assert_int_equal(c.status, status);
    assert_int_equal(c.round, 0);
    assert_int_equal(c.pro_rata, 0);
    assert_int_equal(c.paid, 0);
}

static void test_round_end_to_end(void **state)
{
    world *w = *state;
    uint8_t ids[3][MC_TX_ID_BYTES], pending[MC_TX_ID_BYTES], rejected[MC_TX_ID_BYTES];
    fund(w);
    three_contributors(w, ids, pending, rejected);
    ref_round ref;
    run_round(w, (mc_distribution_params){.share_bps = 4000}, &ref);
    /* By hand: pot = floor(20001 * 40%) = 8000; exact shares 4571.43,
     * 2285.71, 1142.86; floors 4571 + 2285 + 1142 = 7998; the two units go to
     * the remainders 1500 (cy) and 1250 (bea), not 750 (ada). */
    assert_int_equal(ref.pot, 8000);
    assert_int_equal(ref.left, 0);
    assert_int_equal(balance_of(&w->f, w->ada), 4571);
    assert_int_equal(balance_of(&w->f, w->bea), 2286);
    assert_int_equal(balance_of(&w->f, w->cy), 1143);
    assert_int_equal(balance_of(&w->f, w->garden), 12001);
    const int64_t pro_rata[3] = {4571, 2285, 1142}, paid[3] = {4571, 2286, 1143};
    for (size_t i = 0; i < 3; i++) {
        mc_contribution c = contribution_of(&w->f, ids[i]);
        assert_int_equal(c.pro_rata, pro_rata[i]);
        assert_int_equal(c.paid, paid[i]);
        assert_string_equal(mc_contribution_status_name(c.status), "settled");
    }
    assert_untouched(&w->f, pending, MC_CONTRIBUTION_PENDING);
    assert_untouched(&w->f, rejected, MC_CONTRIBUTION_REJECTED);
}

static void test_round_cap_binds(void **state)
{
    world *w = *state;
    uint8_t ids[3][MC_TX_ID_BYTES], pending[MC_TX_ID_BYTES], rejected[MC_TX_ID_BYTES];
    fund(w);
    three_contributors(w, ids, pending, rejected);
    ref_round ref;
    run_round(w, (mc_distribution_params){.share_bps = 4000, .cap = 4000}, &ref);
    /* ada's 4571.43 passes the cap: she gets exactly 4000, and the other
     * 4000 is split 500:250 = 2666.67 + 1333.33, the unit to bea. */
    assert_int_equal(balance_of(&w->f, w->ada), 4000);
    assert_int_equal(balance_of(&w->f, w->bea), 2667);
    assert_int_equal(balance_of(&w->f, w->cy), 1333);
    assert_int_equal(ref.left, 0);
    /* The pro-rata share ignores the cap: ada was paid less than hers. */
    mc_contribution c = contribution_of(&w->f, ids[0]);
    assert_int_equal(c.pro_rata, 4571);
    assert_int_equal(c.paid, 4000);
}

static void test_round_ceiling_room(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    uint8_t ids[3][MC_TX_ID_BYTES], pending[MC_TX_ID_BYTES], rejected[MC_TX_ID_BYTES];
    fund(w);
    three_contributors(w, ids, pending, rejected);
    /* cy's ceiling is 10.00 and she holds 5.00: room for 5.00. */
    mc_body b = mc_fixture_limits_body(f, w->cy, -30000, 1000);
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(f, &b), MC_ERR_OK);
    pay(w, w->bakery, w->cy, 500, MC_PURPOSE_NONE);
    ref_round ref;
    run_round(w, (mc_distribution_params){.share_bps = 4000, .cap = 4000}, &ref);
    /* Caps: ada min(4000, 3000.00) = 4000, bea 4000, cy min(4000, 500) = 500;
     * ada and cy are held at theirs, bea takes the remaining 3500. */
    assert_int_equal(ref_paid_to(&ref, w->ada), 4000);
    assert_int_equal(ref_paid_to(&ref, w->bea), 3500);
    assert_int_equal(ref_paid_to(&ref, w->cy), 500);
    assert_int_equal(balance_of(f, w->cy), 1000); /* at her ceiling */
    assert_int_equal(ref.left, 0);
}

static void test_round_frozen_and_closed(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    uint8_t ids[3][MC_TX_ID_BYTES], pending[MC_TX_ID_BYTES], rejected[MC_TX_ID_BYTES];
    uint8_t dee[MC_TX_ID_BYTES];
    fund(w);
    three_contributors(w, ids, pending, rejected);
    approved(w, w->dee, 250, dee);
    mc_fixture_set_status(f, w->bea, MC_STATUS_FROZEN);
    mc_fixture_set_status(f, w->dee, MC_STATUS_CLOSED);
    ref_round ref;
    run_round(w, (mc_distribution_params){.share_bps = 4000}, &ref);
    /* bea and dee can take nothing: ada and cy share 8000 as 1000:250. */
    assert_int_equal(balance_of(f, w->ada), 6400);
    assert_int_equal(balance_of(f, w->cy), 1600);
    assert_int_equal(balance_of(f, w->bea), 0);
    assert_int_equal(balance_of(f, w->dee), 0);
    /* Settled all the same, with their share on record (total weight 2000). */
    mc_contribution c = contribution_of(f, ids[1]);
    assert_int_equal(c.status, MC_CONTRIBUTION_SETTLED);
    assert_int_equal(c.pro_rata, 2000);
    assert_int_equal(c.paid, 0);
    c = contribution_of(f, dee);
    assert_int_equal(c.status, MC_CONTRIBUTION_SETTLED);
    assert_int_equal(c.pro_rata, 1000);
    assert_int_equal(c.paid, 0);
}

static void test_round_second_round(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    uint8_t ids[3][MC_TX_ID_BYTES], pending[MC_TX_ID_BYTES], rejected[MC_TX_ID_BYTES];
    uint8_t more[2][MC_TX_ID_BYTES], later[MC_TX_ID_BYTES], never[MC_TX_ID_BYTES];
    fund(w);
    three_contributors(w, ids, pending, rejected);
    ref_round ref;
    run_round(w, (mc_distribution_params){.share_bps = 4000}, &ref);
    /* Approved after round 1: two of ada's; waiting: bea's; rejected: cy's. */
    approved(w, w->ada, 300, more[0]);
    contribute(w, w->bea, 100, later);
    approved(w, w->ada, 400, more[1]);
    contribute(w, w->cy, 100, never);
    review(w, never, false);
    run_round(w, (mc_distribution_params){.share_bps = 5000}, &ref);
    /* pot = floor(12001 / 2) = 6000, all to ada, split 300:400 = 2571.43 +
     * 3428.57: the unit to the larger remainder, the second. */
    assert_int_equal(ref.number, 2);
    assert_int_equal(ref.n, 2);
    assert_int_equal(balance_of(f, w->ada), 4571 + 6000);
    assert_int_equal(balance_of(f, w->bea), 2286);
    mc_contribution c = contribution_of(f, more[0]);
    assert_int_equal(c.round, 2);
    assert_int_equal(c.pro_rata, 2571);
    assert_int_equal(c.paid, 2571);
    c = contribution_of(f, more[1]);
    assert_int_equal(c.pro_rata, 3428);
    assert_int_equal(c.paid, 3429);
    assert_int_equal(contribution_of(f, ids[0]).round, 1); /* not paid twice */
    assert_untouched(f, later, MC_CONTRIBUTION_PENDING);
    assert_untouched(f, never, MC_CONTRIBUTION_REJECTED);
    assert_untouched(f, pending, MC_CONTRIBUTION_PENDING);
    /* Approved after round 2, paid by round 3 alone (a fixed amount). */
    review(w, later, true);
    run_round(w, (mc_distribution_params){.amount = 1000}, &ref);
    assert_int_equal(ref.number, 3);
    assert_int_equal(ref.n, 1);
    assert_int_equal(balance_of(f, w->bea), 2286 + 1000);
    seen_round last = {.calls = 0};
    assert_int_equal(mc_ledger_rounds(f->ledger, pk(w->garden), 0, 0, collect_round, &last),
                     MC_ERR_OK);
    assert_int_equal(last.calls, 3);
    assert_int_equal(last.round.round, 3);
}

/* Whose index, in key order, among the three. */
static size_t key_rank(const mc_keypair *const who[3], size_t i)
{
    size_t rank = 0;
    for (size_t j = 0; j < 3; j++) {
        rank += memcmp(pk(who[j]), pk(who[i]), MC_PUBLIC_KEY_BYTES) < 0;
    }
    return rank;
}

static void test_round_rotation(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const mc_keypair *const who[3] = {w->ada, w->bea, w->cy};
    size_t odd_unit_to[3];
    for (uint64_t round = 1; round <= 3; round++) {
        int64_t before[3];
        for (size_t i = 0; i < 3; i++) {
            uint8_t id[MC_TX_ID_BYTES];
            approved(w, who[i], 100, id);
            before[i] = balance_of(f, who[i]);
        }
        ref_round ref;
        run_round(w, (mc_distribution_params){.amount = 301}, &ref);
        /* 100 each, and the odd unit to the one at index (round mod 3). */
        for (size_t i = 0; i < 3; i++) {
            int64_t got = balance_of(f, who[i]) - before[i];
            assert_true(got == 100 || got == 101);
            if (got == 101) {
                odd_unit_to[round - 1] = i;
                assert_int_equal(key_rank(who, i), round % 3);
            }
        }
    }
    assert_int_not_equal(odd_unit_to[0], odd_unit_to[1]);
    assert_int_not_equal(odd_unit_to[1], odd_unit_to[2]);
    assert_int_equal(balance_of(f, w->garden), -903);
}

static void test_preview_repeatable(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    uint8_t ids[3][MC_TX_ID_BYTES], pending[MC_TX_ID_BYTES], rejected[MC_TX_ID_BYTES];
    fund(w);
    three_contributors(w, ids, pending, rejected);
    mc_distribution_params d = {.share_bps = 2500, .cap = 2000};
    seen_round a = {.calls = 0}, b = {.calls = 0};
    mc_round out;
    assert_int_equal(
        mc_ledger_preview_distribution(f->ledger, pk(w->garden), &d, &out, collect_round, &a),
        MC_ERR_OK);
    assert_int_equal(
        mc_ledger_preview_distribution(f->ledger, pk(w->garden), &d, &out, collect_round, &b),
        MC_ERR_OK);
    assert_memory_equal(&a.payouts, &b.payouts, sizeof a.payouts);
    assert_int_equal(a.round.pot, b.round.pot);
    assert_int_equal(out.pot, 5000); /* the round itself, without a callback too */
    assert_int_equal(out.round, 1);
    assert_int_equal(mc_ledger_preview_distribution(f->ledger, pk(w->garden), &d, &out, NULL, NULL),
                     MC_ERR_OK);
    assert_int_equal(out.paid, a.round.paid);
    ref_round ref;
    run_round(w, d, &ref); /* applying gives what was previewed */
    assert_int_equal(ref.paid, a.round.paid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_cap_binds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_ceiling_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_frozen_and_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_second_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preview_repeatable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
