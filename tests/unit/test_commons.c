/* Commons accounts in the ledger (mc/ledger.h), their rules one by one: the
 * keeper rule on a commons' payments, KEEPERS_INVALID at the opening, the
 * reciprocity purpose, Contribution and ReviewContribution with every
 * refusal code and the rule order between them, and every refusal of a
 * Distribution (which mc_ledger_preview_distribution answers alike). Each
 * refusal is checked to change nothing: accounts, height, log root, the
 * configuration, and the commons' contributions and rounds. The rounds'
 * arithmetic is in test_commons_rounds.c. Keys are derived from fixed
 * names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- keys and accounts ------------------------------------------------------ */

static const uint8_t *pk(const mc_keypair *kp)
{
    return mc_keypair_public(kp);
}

static int64_t balance_of(mc_fixture *f, const mc_keypair *kp)
{
    return mc_fixture_balance(f, pk(kp));
}

static mc_account account_of(mc_fixture *f, const mc_keypair *kp)
{
    mc_account a;
    assert_int_equal(mc_ledger_get_account(f->ledger, pk(kp), &a), MC_ERR_OK);
    return a;
}

/* ---- bodies ------------------------------------------------------------------ */

#define LIST_MAX (MC_KEEPERS_MAX + 1)

typedef struct key_list {
    uint8_t keys[LIST_MAX][MC_PUBLIC_KEY_BYTES];
    size_t count;
} key_list;

static void list_add(key_list *l, const mc_keypair *kp)
{
    assert_true(l->count < LIST_MAX);
    memcpy(l->keys[l->count++], pk(kp), MC_PUBLIC_KEY_BYTES);
}

/* An OpenAccount with keepers (`keepers` borrowed until signed; NULL: none). */
static mc_body open_body(mc_fixture *f, const mc_keypair *kp, const char *handle,
                         mc_account_kind kind, const key_list *keepers, unsigned quorum)
{
    mc_body b = mc_fixture_open_body(f, kp, handle, kind);
    if (keepers != NULL) {
        b.u.open_account.keepers.keys = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])keepers->keys;
        b.u.open_account.keepers.count = keepers->count;
    }
    b.u.open_account.keeper_quorum = quorum;
    return b;
}

static mc_body pay_body(mc_fixture *f, const mc_keypair *payer, const mc_keypair *payee,
                        int64_t amount, mc_purpose purpose)
{
    mc_body b = mc_fixture_transfer_body(f, payer, payee, amount);
    b.u.transfer.purpose = purpose;
    return b;
}

static mc_contribution contribution_of(mc_fixture *f, const uint8_t id[MC_TX_ID_BYTES])
{
    mc_contribution c;
    assert_int_equal(mc_ledger_get_contribution(f->ledger, id, &c), MC_ERR_OK);
    return c;
}

/* ---- fixtures ------------------------------------------------------------------ */

typedef struct world {
    mc_fixture f;
    mc_keypair *keeper[3]; /* keys only, no accounts */
    mc_keypair *garden;    /* a commons, keepers 2 of 3 */
    mc_keypair *pantry;    /* a commons run by its own key */
    mc_keypair *bakery;    /* a business */
    mc_keypair *alice, *bob;
    mc_keypair *stranger; /* no account */
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mc_fixture_setup(&w->f, 1, 1, NULL);
    const char *names[] = {"keeper one", "keeper two", "keeper three"};
    for (size_t i = 0; i < 3; i++) {
        w->keeper[i] = mc_fixture_named_key(names[i]);
    }
    w->garden =
        mc_fixture_open_commons(&w->f, "garden", (const mc_keypair *const *)w->keeper, 3, 2);
    w->pantry = mc_fixture_open_named(&w->f, "pantry", MC_KIND_COMMONS);
    w->bakery = mc_fixture_open_named(&w->f, "bakery", MC_KIND_BUSINESS);
    w->alice = mc_fixture_open_named(&w->f, "alice", MC_KIND_MEMBER);
    w->bob = mc_fixture_open_named(&w->f, "bob", MC_KIND_MEMBER);
    w->stranger = mc_fixture_named_key("stranger");
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    mc_keypair *all[] = {w->keeper[0], w->keeper[1], w->keeper[2], w->garden,  w->pantry,
                         w->bakery,    w->alice,     w->bob,       w->stranger};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        mc_keypair_free(all[i]);
    }
    mc_fixture_teardown(&w->f);
    free(w);
    return 0;
}

/* The bakery pays `amount` into `commons` as reciprocity. */
static void reciprocity(world *w, const mc_keypair *commons, int64_t amount)
{
    mc_body b = pay_body(&w->f, w->bakery, commons, amount, MC_PURPOSE_RECIPROCITY);
    MC_ASSERT_APPLIED(&w->f, &b, w->bakery);
}

/* ---- keepers ---------------------------------------------------------------------- */

static void test_keepers_pay_out(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **k = w->keeper;
    mc_account g = account_of(f, w->garden);
    assert_int_equal(g.kind, MC_KIND_COMMONS);
    assert_int_equal(g.keeper_count, 3);
    assert_int_equal(g.keeper_quorum, 2);
    for (size_t i = 0; i < 3; i++) {
        assert_memory_equal(g.keepers[i], pk(k[i]), MC_PUBLIC_KEY_BYTES);
    }
    reciprocity(w, w->garden, 10000);
    mc_body b = pay_body(f, w->garden, w->alice, 1000, MC_PURPOSE_NONE);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_KEEPER_QUORUM_NOT_MET, k[0]);
    assert_int_equal(r.amount, 1);
    assert_int_equal(r.limit, 2);
    assert_memory_equal(r.account, pk(w->garden), MC_PUBLIC_KEY_BYTES);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, k[0], w->alice);
    assert_memory_equal(r.account, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, w->garden); /* its own key is no keeper */
    assert_memory_equal(r.account, pk(w->garden), MC_PUBLIC_KEY_BYTES);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, k[1], k[2], w->garden);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, f->stewards[0]);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_KEEPER_QUORUM_NOT_MET, k[2]);
    MC_ASSERT_APPLIED(f, &b, k[2], k[0]);
    assert_int_equal(balance_of(f, w->garden), 9000);
    assert_int_equal(balance_of(f, w->alice), 1000);
    b = pay_body(f, w->garden, w->bob, 500, MC_PURPOSE_NONE);
    MC_ASSERT_APPLIED(f, &b, k[0], k[1], k[2]);
    assert_int_equal(balance_of(f, w->garden), 8500);

    /* The keeper rule comes before the statuses. */
    mc_fixture_set_status(f, w->garden, MC_STATUS_FROZEN);
    b = pay_body(f, w->garden, w->bob, 500, MC_PURPOSE_NONE);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_KEEPER_QUORUM_NOT_MET, k[0]);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_PAYER_FROZEN, k[0], k[1]);

    /* A commons without keepers pays as any account: its own key alone. */
    reciprocity(w, w->pantry, 300);
    b = pay_body(f, w->pantry, w->alice, 100, MC_PURPOSE_NONE);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_MISSING_SIGNATURE, k[0]);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_UNEXPECTED_SIGNER, w->pantry, k[0]);
    MC_ASSERT_APPLIED(f, &b, w->pantry);
    assert_int_equal(balance_of(f, w->pantry), 200);
    mc_fixture_assert_invariants(f);
}

static void test_keepers_invalid(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *kp = mc_fixture_named_key("new commons");
    key_list three = {.count = 0}, dup = {.count = 0}, many = {.count = 0};
    for (size_t i = 0; i < 3; i++) {
        list_add(&three, w->keeper[i]);
    }
    list_add(&dup, w->keeper[0]);
    list_add(&dup, w->keeper[1]);
    list_add(&dup, w->keeper[0]);
    mc_keypair *extra[LIST_MAX];
    for (size_t i = 0; i < LIST_MAX; i++) {
        char name[32];
        snprintf(name, sizeof name, "extra keeper %zu", i);
        extra[i] = mc_fixture_named_key(name);
        list_add(&many, extra[i]);
    }
    const struct {
        mc_account_kind kind;
        const key_list *keepers;
        unsigned quorum;
        const char *why;
    } cases[] = {
        {MC_KIND_MEMBER, &three, 2, "keepers for a member"},
        {MC_KIND_BUSINESS, &three, 1, "keepers for a business"},
        {MC_KIND_SYSTEM, &three, 0, "keepers for a SYSTEM account"},
        {MC_KIND_COMMONS, &dup, 1, "a keeper named twice"},
        {MC_KIND_COMMONS, &three, 4, "a quorum beyond the keepers"},
        {MC_KIND_COMMONS, NULL, 2, "no keepers, a quorum of 2"},
        {MC_KIND_COMMONS, &many, 1, "MC_KEEPERS_MAX + 1 keepers"},
    };
    const mc_keypair *const *s = (const mc_keypair *const *)f->stewards;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_body b =
            open_body(f, kp, "newcommons", cases[i].kind, cases[i].keepers, cases[i].quorum);
        mc_fixture_refused(f, &b, s, 1, MC_ERR_KEEPERS_INVALID, cases[i].why);
    }
    /* After the limits, before the steward rule. */
    mc_body b = open_body(f, kp, "newcommons", MC_KIND_COMMONS, &three, 4);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_KEEPERS_INVALID, w->alice);
    b.u.open_account.has_limits = true;
    b.u.open_account.limits = (mc_limits){1, 10};
    MC_ASSERT_REFUSED(f, &b, MC_ERR_LIMITS_INVALID, f->stewards[0]);

    /* MC_KEEPERS_MAX keepers, all of them needed, fit. */
    many.count = MC_KEEPERS_MAX;
    b = open_body(f, kp, "newcommons", MC_KIND_COMMONS, &many, MC_KEEPERS_MAX);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0]);
    assert_int_equal(account_of(f, kp).keeper_count, MC_KEEPERS_MAX);
    /* Keepers with quorum 0: one keeper is enough. */
    mc_keypair *shed = mc_fixture_named_key("shed");
    b = open_body(f, shed, "shed", MC_KIND_COMMONS, &three, 0);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0]);
    reciprocity(w, shed, 100);
    b = pay_body(f, shed, w->alice, 100, MC_PURPOSE_NONE);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, shed);
    MC_ASSERT_APPLIED(f, &b, w->keeper[1]);
    for (size_t i = 0; i < LIST_MAX; i++) {
        mc_keypair_free(extra[i]);
    }
    mc_keypair_free(kp);
    mc_keypair_free(shed);
    mc_fixture_assert_invariants(f);
}

/* ---- reciprocity -------------------------------------------------------------------- */

static void test_reciprocity_purpose(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_body b = pay_body(f, w->bakery, w->alice, 100, MC_PURPOSE_RECIPROCITY);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_PURPOSE_INVALID, w->bakery);
    assert_memory_equal(r.account, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    /* After the parties, before the signatures. */
    MC_ASSERT_REFUSED(f, &b, MC_ERR_PURPOSE_INVALID, w->bob);
    b = pay_body(f, w->bakery, w->stranger, 100, MC_PURPOSE_RECIPROCITY);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_UNKNOWN_PAYEE, w->bakery);
    b = pay_body(f, w->bakery, w->bob, 100, MC_PURPOSE_RECIPROCITY);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_PURPOSE_INVALID, w->bakery);
    /* Into a commons, from a business or a member, with or without keepers. */
    reciprocity(w, w->garden, 2500);
    reciprocity(w, w->pantry, 1500);
    b = pay_body(f, w->alice, w->pantry, 100, MC_PURPOSE_RECIPROCITY);
    MC_ASSERT_APPLIED(f, &b, w->alice);
    assert_int_equal(balance_of(f, w->bakery), -4000);
    assert_int_equal(balance_of(f, w->garden), 2500);
    assert_int_equal(balance_of(f, w->pantry), 1600);
    assert_int_equal(balance_of(f, w->alice), -100);
    mc_fixture_assert_invariants(f);
}

/* ---- contributions ------------------------------------------------------------------- */

/* `who` records `weight` for `commons`; returns the contribution's id. */
static void contribute(world *w, const mc_keypair *commons, const mc_keypair *who, int64_t weight,
                       uint8_t id[MC_TX_ID_BYTES])
{
    mc_body b = mc_fixture_contribution_body(&w->f, commons, who, weight, "weeding");
    mc_result r = MC_ASSERT_APPLIED(&w->f, &b, who);
    memcpy(id, r.tx_id, MC_TX_ID_BYTES);
}

static void test_contribution_recorded(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    char longest[MC_DESCRIPTION_MAX + 1] = "";
    for (size_t i = 0; i < MC_DESCRIPTION_MAX / 2; i++) {
        strcat(longest, "\xc3\xa9"); /* é, two bytes */
    }
    mc_body b = mc_fixture_contribution_body(f, w->garden, w->alice, MC_WEIGHT_MAX, longest);
    b.u.contribution.has_evidence = true;
    mc_sha256((const uint8_t *)"photo", 5, b.u.contribution.evidence);
    mc_result r = MC_ASSERT_APPLIED(f, &b, w->alice);
    mc_contribution c = contribution_of(f, r.tx_id);
    assert_memory_equal(c.id, r.tx_id, MC_TX_ID_BYTES);
    assert_memory_equal(c.commons, pk(w->garden), MC_PUBLIC_KEY_BYTES);
    assert_memory_equal(c.contributor, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(c.weight, MC_WEIGHT_MAX);
    assert_string_equal(c.description, longest);
    assert_true(c.has_evidence);
    assert_memory_equal(c.evidence, b.u.contribution.evidence, MC_HASH_BYTES);
    assert_int_equal(c.status, MC_CONTRIBUTION_PENDING);
    assert_int_equal(c.height, r.height);
    assert_int_equal(c.reviewed_height, 0);
    assert_int_equal(c.round, 0);
    assert_int_equal(c.pro_rata, 0);
    assert_int_equal(c.paid, 0);
    assert_string_equal(mc_contribution_status_name(c.status), "pending");
    assert_int_equal(balance_of(f, w->garden), 0); /* no money moves */

    /* The snapshot sees contributions (so "unchanged" means something). */
    uint8_t id[MC_TX_ID_BYTES];
    mc_fixture_snapshot before = mc_fixture_snapshot_take(f);
    contribute(w, w->garden, w->bob, 5, id);
    mc_fixture_snapshot after = mc_fixture_snapshot_take(f);
    assert_memory_not_equal(after.commons, before.commons, MC_HASH_BYTES);

    /* A frozen contributor and a frozen commons may still record work. */
    mc_fixture_set_status(f, w->bob, MC_STATUS_FROZEN);
    mc_fixture_set_status(f, w->pantry, MC_STATUS_FROZEN);
    contribute(w, w->pantry, w->bob, 1, id);
    assert_int_equal(contribution_of(f, id).weight, 1);
    /* A business contributes too, to a commons run by its own key. */
    contribute(w, w->pantry, w->bakery, 250, id);
    assert_int_equal(mc_ledger_get_contribution(f->ledger, pk(w->alice), &c), MC_ERR_NOT_FOUND);
    mc_fixture_assert_invariants(f);
}

static void test_contribution_refusals(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_body b = mc_fixture_contribution_body(f, w->garden, w->alice, 0, "weeding");
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_WEIGHT_INVALID, w->alice);
    assert_int_equal(r.amount, 0);
    assert_int_equal(r.limit, MC_WEIGHT_MAX);
    b = mc_fixture_contribution_body(f, w->garden, w->alice, -100, "weeding");
    MC_ASSERT_REFUSED(f, &b, MC_ERR_WEIGHT_INVALID, w->alice);
    b = mc_fixture_contribution_body(f, w->garden, w->alice, MC_WEIGHT_MAX + 1, "");
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_WEIGHT_INVALID, w->bob); /* the first rule */
    assert_int_equal(r.amount, MC_WEIGHT_MAX + 1);

    char too_long[MC_DESCRIPTION_MAX + 2];
    memset(too_long, 'a', MC_DESCRIPTION_MAX + 1);
    too_long[MC_DESCRIPTION_MAX + 1] = '\0';
    const char *bad_descriptions[] = {"", too_long, "caf\xc3", "\xff\xfe"};
    for (size_t i = 0; i < 4; i++) {
        b = mc_fixture_contribution_body(f, w->stranger, w->alice, 100, bad_descriptions[i]);
        MC_ASSERT_REFUSED(f, &b, MC_ERR_DESCRIPTION_INVALID, w->bob);
    }

    /* The commons: unknown, not a commons, closed; then the contributor. */
    b = mc_fixture_contribution_body(f, w->stranger, w->stranger, 100, "weeding");
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_UNKNOWN_ACCOUNT, w->bob);
    assert_memory_equal(r.account, pk(w->stranger), MC_PUBLIC_KEY_BYTES);
    b = mc_fixture_contribution_body(f, w->bakery, w->stranger, 100, "weeding");
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_COMMONS, w->bob);
    assert_memory_equal(r.account, pk(w->bakery), MC_PUBLIC_KEY_BYTES);
    mc_keypair *shed = mc_fixture_open_named(f, "shed", MC_KIND_COMMONS);
    mc_fixture_set_status(f, shed, MC_STATUS_CLOSED);
    b = mc_fixture_contribution_body(f, shed, w->stranger, 100, "weeding");
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_ACCOUNT_CLOSED, w->bob);
    assert_memory_equal(r.account, pk(shed), MC_PUBLIC_KEY_BYTES);
    b = mc_fixture_contribution_body(f, w->garden, w->stranger, 100, "weeding");
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_UNKNOWN_ACCOUNT, w->stranger);
    assert_memory_equal(r.account, pk(w->stranger), MC_PUBLIC_KEY_BYTES);
    mc_fixture_set_status(f, w->bob, MC_STATUS_CLOSED);
    b = mc_fixture_contribution_body(f, w->garden, w->bob, 100, "weeding");
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_ACCOUNT_CLOSED, w->bob);
    assert_memory_equal(r.account, pk(w->bob), MC_PUBLIC_KEY_BYTES);
    b = mc_fixture_contribution_body(f, w->pantry, w->pantry, 100, "weeding");
    MC_ASSERT_REFUSED(f, &b, MC_ERR_SELF_TRANSFER, w->pantry);

    /* The contributor signs, alone. */
    b = mc_fixture_contribution_body(f, w->garden, w->alice, 100, "weeding");
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_MISSING_SIGNATURE, w->keeper[0], w->keeper[1]);
    assert_memory_equal(r.account, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_MISSING_SIGNATURE, f->stewards[0]);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_UNEXPECTED_SIGNER, w->alice, w->keeper[0]);
    assert_memory_equal(r.account, pk(w->keeper[0]), MC_PUBLIC_KEY_BYTES);
    MC_ASSERT_APPLIED(f, &b, w->alice);
    mc_keypair_free(shed);
    mc_fixture_assert_invariants(f);
}

static int collect_ids(const mc_contribution *c, void *ctx)
{
    key_list *l = ctx; /* ids are 32 bytes too */
    assert_true(l->count < LIST_MAX);
    memcpy(l->keys[l->count++], c->id, MC_TX_ID_BYTES);
    return 0;
}

static void test_contributions_listed(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    uint8_t ids[4][MC_TX_ID_BYTES];
    contribute(w, w->garden, w->alice, 100, ids[0]);
    contribute(w, w->pantry, w->alice, 200, ids[1]);
    contribute(w, w->garden, w->bob, 300, ids[2]);
    contribute(w, w->garden, w->alice, 400, ids[3]);
    key_list got = {.count = 0};
    assert_int_equal(mc_ledger_contributions(f->ledger, pk(w->garden), 0, 0, collect_ids, &got),
                     MC_ERR_OK);
    assert_int_equal(got.count, 3);
    assert_memory_equal(got.keys[0], ids[0], MC_TX_ID_BYTES);
    assert_memory_equal(got.keys[1], ids[2], MC_TX_ID_BYTES);
    assert_memory_equal(got.keys[2], ids[3], MC_TX_ID_BYTES);
    /* After a height, at most a limit. */
    got.count = 0;
    uint64_t after = contribution_of(f, ids[0]).height;
    assert_int_equal(mc_ledger_contributions(f->ledger, pk(w->garden), after, 1, collect_ids, &got),
                     MC_ERR_OK);
    assert_int_equal(got.count, 1);
    assert_memory_equal(got.keys[0], ids[2], MC_TX_ID_BYTES);
    got.count = 0;
    assert_int_equal(mc_ledger_contributions(f->ledger, pk(w->pantry), 0, 0, collect_ids, &got),
                     MC_ERR_OK);
    assert_int_equal(got.count, 1);
    assert_memory_equal(got.keys[0], ids[1], MC_TX_ID_BYTES);
    mc_fixture_assert_invariants(f);
}

/* ---- reviews ----------------------------------------------------------------------- */

static void test_review(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **k = w->keeper;
    uint8_t yes[MC_TX_ID_BYTES], no[MC_TX_ID_BYTES], own[MC_TX_ID_BYTES], other[MC_TX_ID_BYTES];
    contribute(w, w->garden, w->alice, 100, yes);
    contribute(w, w->garden, w->bob, 200, no);
    contribute(w, w->pantry, w->alice, 300, own);

    /* Unknown: a random id, and a transaction that is no contribution. */
    memset(other, 0x5a, sizeof other);
    mc_body b = mc_fixture_review_body(f, other, true);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_UNKNOWN_CONTRIBUTION, k[0], k[1]);
    b = pay_body(f, w->alice, w->bob, 5, MC_PURPOSE_NONE);
    memcpy(other, MC_ASSERT_APPLIED(f, &b, w->alice).tx_id, MC_TX_ID_BYTES);
    b = mc_fixture_review_body(f, other, true);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_UNKNOWN_CONTRIBUTION, w->stranger);

    /* The keeper rule of its commons. */
    b = mc_fixture_review_body(f, yes, true);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_KEEPER_QUORUM_NOT_MET, k[1]);
    assert_int_equal(r.amount, 1);
    assert_int_equal(r.limit, 2);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, k[1], w->alice); /* not its contributor */
    assert_memory_equal(r.account, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, w->garden);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, f->stewards[0]);
    r = MC_ASSERT_APPLIED(f, &b, k[1], k[2]);
    mc_contribution c = contribution_of(f, yes);
    assert_int_equal(c.status, MC_CONTRIBUTION_APPROVED);
    assert_int_equal(c.reviewed_height, r.height);
    b = mc_fixture_review_body(f, no, false);
    r = MC_ASSERT_APPLIED(f, &b, k[0], k[2]);
    c = contribution_of(f, no);
    assert_int_equal(c.status, MC_CONTRIBUTION_REJECTED);
    assert_int_equal(c.reviewed_height, r.height);
    assert_string_equal(mc_contribution_status_name(c.status), "rejected");

    /* Reviewed once: closed, before the keeper rule. */
    b = mc_fixture_review_body(f, yes, false);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_CONTRIBUTION_CLOSED, k[0], k[1]);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_CONTRIBUTION_CLOSED, w->stranger);
    b = mc_fixture_review_body(f, no, true);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_CONTRIBUTION_CLOSED, k[0], k[1]);

    /* A commons without keepers: its own key reviews. */
    b = mc_fixture_review_body(f, own, true);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, k[0]);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, w->pantry, w->alice);
    mc_fixture_refused(f, &b, NULL, 0, MC_ERR_KEEPER_QUORUM_NOT_MET, "no signature");
    MC_ASSERT_APPLIED(f, &b, w->pantry);
    assert_int_equal(contribution_of(f, own).status, MC_CONTRIBUTION_APPROVED);
    mc_fixture_assert_invariants(f);
}

/* ---- distribution refusals ------------------------------------------------------------ */

static void approve(world *w, const uint8_t id[MC_TX_ID_BYTES])
{
    mc_body b = mc_fixture_review_body(&w->f, id, true);
    MC_ASSERT_APPLIED(&w->f, &b, w->keeper[0], w->keeper[1]);
}

/* The preview's answer for `commons` and `d`, which changes nothing. */
static int preview_code(world *w, const mc_keypair *commons, mc_distribution_params d)
{
    mc_fixture_snapshot before = mc_fixture_snapshot_take(&w->f);
    mc_round out;
    int rc = mc_ledger_preview_distribution(w->f.ledger, pk(commons), &d, &out, NULL, NULL);
    mc_fixture_assert_unchanged(&w->f, &before);
    return rc;
}

static void test_distribution_shape(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const mc_distribution_params bad[] = {
        {.share_bps = 0, .amount = 0, .cap = 0},     /* neither */
        {.share_bps = 100, .amount = 100, .cap = 0}, /* both */
        {.share_bps = 10001, .amount = 0, .cap = 0}, {.share_bps = 0, .amount = -1, .cap = 0},
        {.share_bps = 100, .amount = 0, .cap = -1},
    };
    const mc_keypair *commons[] = {w->garden, w->stranger}; /* before the commons */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t j = 0; j < 2; j++) {
            mc_body b = mc_fixture_distribution_body(f, commons[j], bad[i]);
            MC_ASSERT_REFUSED(f, &b, MC_ERR_SHARE_INVALID, w->keeper[0], w->keeper[1]);
            assert_int_equal(preview_code(w, commons[j], bad[i]), MC_ERR_SHARE_INVALID);
        }
    }
    mc_distribution_params ok = {.share_bps = 10000};
    mc_body b = mc_fixture_distribution_body(f, w->stranger, ok);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_UNKNOWN_ACCOUNT, w->stranger);
    assert_memory_equal(r.account, pk(w->stranger), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(preview_code(w, w->stranger, ok), MC_ERR_UNKNOWN_ACCOUNT);
    b = mc_fixture_distribution_body(f, w->bakery, ok);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_COMMONS, w->bakery);
    assert_int_equal(preview_code(w, w->bakery, ok), MC_ERR_NOT_A_COMMONS);
    mc_fixture_assert_invariants(f);
}

static void test_distribution_commons_rules(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **k = w->keeper;
    mc_distribution_params half = {.share_bps = 5000};
    reciprocity(w, w->garden, 1000);
    /* Keepers first, then "no approved contribution": a pending one and a rejected one. */
    uint8_t pending[MC_TX_ID_BYTES], rejected[MC_TX_ID_BYTES], ok[MC_TX_ID_BYTES];
    contribute(w, w->garden, w->alice, 100, pending);
    contribute(w, w->garden, w->bob, 100, rejected);
    mc_body b = mc_fixture_review_body(f, rejected, false);
    MC_ASSERT_APPLIED(f, &b, k[1], k[2]);
    b = mc_fixture_distribution_body(f, w->garden, half);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_KEEPER_QUORUM_NOT_MET, k[0]);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, k[0], w->alice);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NO_CONTRIBUTIONS, k[0], k[1]);
    assert_int_equal(preview_code(w, w->garden, half), MC_ERR_NO_CONTRIBUTIONS);

    /* Frozen or closed: before the keeper rule. */
    contribute(w, w->garden, w->alice, 100, ok);
    approve(w, ok);
    mc_fixture_set_status(f, w->garden, MC_STATUS_FROZEN);
    b = mc_fixture_distribution_body(f, w->garden, half);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_PAYER_FROZEN, w->stranger);
    assert_memory_equal(r.account, pk(w->garden), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(preview_code(w, w->garden, half), MC_ERR_PAYER_FROZEN);
    mc_fixture_set_status(f, w->garden, MC_STATUS_ACTIVE);
    mc_keypair *shed = mc_fixture_open_named(f, "shed", MC_KIND_COMMONS);
    mc_fixture_set_status(f, shed, MC_STATUS_CLOSED);
    b = mc_fixture_distribution_body(f, shed, half);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_PAYER_CLOSED, w->stranger);
    assert_int_equal(preview_code(w, shed, half), MC_ERR_PAYER_CLOSED);

    /* A commons without keepers: its own key distributes. */
    uint8_t own[MC_TX_ID_BYTES];
    contribute(w, w->pantry, w->alice, 100, own);
    b = mc_fixture_review_body(f, own, true);
    MC_ASSERT_APPLIED(f, &b, w->pantry);
    b = mc_fixture_distribution_body(f, w->pantry, half);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, f->stewards[0]);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_KEEPER, w->alice);
    mc_keypair_free(shed);
    mc_fixture_assert_invariants(f);
}

static void test_distribution_pot_rules(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **k = w->keeper;
    uint8_t id[MC_TX_ID_BYTES];
    contribute(w, w->garden, w->alice, 100, id);
    approve(w, id);
    /* A share of nothing: a zero balance, a negative one, or one that rounds to 0. */
    mc_distribution_params all = {.share_bps = 10000}, tiny = {.share_bps = 1};
    mc_body b = mc_fixture_distribution_body(f, w->garden, all);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOTHING_TO_DISTRIBUTE, k[0], k[1]);
    assert_int_equal(r.amount, 0);
    assert_int_equal(preview_code(w, w->garden, all), MC_ERR_NOTHING_TO_DISTRIBUTE);
    b = pay_body(f, w->garden, w->bob, 700, MC_PURPOSE_NONE);
    MC_ASSERT_APPLIED(f, &b, k[0], k[2]);
    b = mc_fixture_distribution_body(f, w->garden, all);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOTHING_TO_DISTRIBUTE, k[0], k[1]);
    assert_int_equal(preview_code(w, w->garden, all), MC_ERR_NOTHING_TO_DISTRIBUTE);
    reciprocity(w, w->garden, 700 + 9999);
    b = mc_fixture_distribution_body(f, w->garden, tiny);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOTHING_TO_DISTRIBUTE, k[0], k[1]);
    assert_int_equal(preview_code(w, w->garden, tiny), MC_ERR_NOTHING_TO_DISTRIBUTE);
    /* A pot nobody may take (the only contributor frozen): settling the
     * contribution for nothing would take the claim away. */
    mc_body st = mc_fixture_body(f, MC_TX_SET_STATUS);
    memcpy(st.u.set_status.account, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    st.u.set_status.status = MC_STATUS_FROZEN;
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(f, &st), MC_ERR_OK);
    b = mc_fixture_distribution_body(f, w->garden, all);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOTHING_TO_DISTRIBUTE, k[0], k[1]);
    assert_memory_equal(r.account, pk(w->garden), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(preview_code(w, w->garden, all), MC_ERR_NOTHING_TO_DISTRIBUTE);
    assert_int_equal(contribution_of(f, id).status, MC_CONTRIBUTION_APPROVED);
    st = mc_fixture_body(f, MC_TX_SET_STATUS);
    memcpy(st.u.set_status.account, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    st.u.set_status.status = MC_STATUS_ACTIVE;
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(f, &st), MC_ERR_OK);

    /* A fixed amount may take the commons below zero, not past its credit limit. */
    mc_account g = account_of(f, w->garden);
    assert_int_equal(g.limits.min_balance, -500000);
    mc_distribution_params past = {.amount = 9999 + 500000 + 1};
    b = mc_fixture_distribution_body(f, w->garden, past);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_EXCEEDS_CREDIT_LIMIT, k[0], k[1]);
    assert_int_equal(r.amount, past.amount);
    assert_int_equal(r.limit, -500000);
    assert_int_equal(r.balance, 9999);
    assert_memory_equal(r.account, pk(w->garden), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(preview_code(w, w->garden, past), MC_ERR_EXCEEDS_CREDIT_LIMIT);
    /* One unit less is a round (alice takes up to her 3000.00 ceiling). */
    past.amount--;
    assert_int_equal(preview_code(w, w->garden, past), MC_ERR_OK);
    b = mc_fixture_distribution_body(f, w->garden, past);
    MC_ASSERT_APPLIED(f, &b, k[0], k[1]);
    assert_int_equal(balance_of(f, w->alice), 300000);
    assert_int_equal(balance_of(f, w->garden), 9999 - 300000);
    mc_contribution c = contribution_of(f, id);
    assert_int_equal(c.status, MC_CONTRIBUTION_SETTLED);
    assert_int_equal(c.pro_rata, past.amount);
    assert_int_equal(c.paid, 300000);
    /* Settled: closed to reviews, and no contribution waits any more. */
    b = mc_fixture_review_body(f, id, false);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_CONTRIBUTION_CLOSED, k[0], k[1]);
    b = mc_fixture_distribution_body(f, w->garden, (mc_distribution_params){.amount = 1});
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NO_CONTRIBUTIONS, k[0], k[1]);
    mc_fixture_assert_invariants(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keepers_pay_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keepers_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reciprocity_purpose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contribution_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contribution_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_contributions_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review, setup, teardown),
        cmocka_unit_test_setup_teardown(test_distribution_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_distribution_commons_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_distribution_pot_rules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
