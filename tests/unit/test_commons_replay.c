/* A commons' history replayed (mc/ledger.h: a Distribution "writes its
 * outcome (every payout) into its log entry, so a replay checks it"): a
 * scenario with reciprocity, contributions approved, rejected and pending,
 * capped rounds, a frozen contributor and a fee, exported (mc/export.h)
 * and replayed into a fresh ledger from the same genesis, entry by entry:
 * every replayed entry has exactly the stored bytes, outcome included, and
 * the two ledgers end equal. Each Distribution's log entry, decoded, holds
 * the very RoundRecord mc_ledger_rounds answers, and an entry whose
 * recorded outcome was altered no longer matches its replay. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/export.h"
#include "store.pb-c.h"

#define ROUNDS_MAX 8u
#define PAYOUTS_MAX 8u

/* ---- keys and transactions ---------------------------------------------------- */

static const uint8_t *pk(const mc_keypair *kp)
{
    return mc_keypair_public(kp);
}

typedef struct world {
    mc_fixture f;
    mc_keypair *keeper[2], *garden, *bakery, *fees, *ada, *bea, *cy;
} world;

static mc_result submit(mc_fixture *f, const mc_body *b, const mc_keypair *const *keys, size_t n)
{
    mc_result r = mc_fixture_submit(f, b, keys, n);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    return r;
}

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
    w->fees = mc_fixture_open_named(f, "fees", MC_KIND_SYSTEM);
    w->ada = mc_fixture_open_named(f, "ada", MC_KIND_MEMBER);
    w->bea = mc_fixture_open_named(f, "bea", MC_KIND_MEMBER);
    w->cy = mc_fixture_open_named(f, "cy", MC_KIND_MEMBER);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    mc_keypair *all[] = {w->keeper[0], w->keeper[1], w->garden, w->bakery,
                         w->fees,      w->ada,       w->bea,    w->cy};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        mc_keypair_free(all[i]);
    }
    mc_fixture_teardown(&w->f);
    free(w);
    return 0;
}

static void reciprocity(world *w, int64_t amount)
{
    mc_body b = mc_fixture_transfer_body(&w->f, w->bakery, w->garden, amount);
    b.u.transfer.purpose = MC_PURPOSE_RECIPROCITY;
    submit(&w->f, &b, (const mc_keypair *const *)&w->bakery, 1);
}

/* `who` contributes `weight`; the keepers approve, reject or leave it. */
static void contribute(world *w, const mc_keypair *who, int64_t weight, int review)
{
    mc_body b = mc_fixture_contribution_body(&w->f, w->garden, who, weight, "hours in the garden");
    mc_result r = submit(&w->f, &b, &who, 1);
    if (review != MC_CONTRIBUTION_PENDING) {
        b = mc_fixture_review_body(&w->f, r.tx_id, review == MC_CONTRIBUTION_APPROVED);
        submit(&w->f, &b, (const mc_keypair *const *)w->keeper, 2);
    }
}

static void distribute(world *w, mc_distribution_params d)
{
    mc_body b = mc_fixture_distribution_body(&w->f, w->garden, d);
    submit(&w->f, &b, (const mc_keypair *const *)w->keeper, 2);
}

/* Three rounds: a capped share, a share with bea frozen, a fixed amount
 * under a fee; with refusals between them (never logged). */
static void scenario(world *w)
{
    reciprocity(w, 20001);
    contribute(w, w->ada, 1000, MC_CONTRIBUTION_APPROVED);
    contribute(w, w->bea, 500, MC_CONTRIBUTION_APPROVED);
    contribute(w, w->cy, 250, MC_CONTRIBUTION_APPROVED);
    contribute(w, w->cy, 900, MC_CONTRIBUTION_PENDING);
    contribute(w, w->bea, 400, MC_CONTRIBUTION_REJECTED);
    distribute(w, (mc_distribution_params){.share_bps = 4000, .cap = 4000});
    MC_ASSERT_RESULT(mc_fixture_pay(&w->f, w->ada, pk(w->ada), 1, NULL), MC_ERR_SELF_TRANSFER);
    contribute(w, w->ada, 333, MC_CONTRIBUTION_APPROVED);
    contribute(w, w->bea, 333, MC_CONTRIBUTION_APPROVED);
    contribute(w, w->cy, 334, MC_CONTRIBUTION_APPROVED);
    mc_fixture_set_status(&w->f, w->bea, MC_STATUS_FROZEN);
    distribute(w, (mc_distribution_params){.share_bps = 3333});
    mc_fixture_set_status(&w->f, w->bea, MC_STATUS_ACTIVE);
    mc_body b = mc_fixture_fee_body(&w->f, 100, w->fees);
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(&w->f, &b), MC_ERR_OK);
    reciprocity(w, 777);
    contribute(w, w->bea, 10, MC_CONTRIBUTION_APPROVED);
    contribute(w, w->ada, 10, MC_CONTRIBUTION_APPROVED);
    contribute(w, w->bea, 10, MC_CONTRIBUTION_APPROVED);
    distribute(w, (mc_distribution_params){.amount = 1001});
    mc_fixture_assert_invariants(&w->f);
}

/* ---- replaying ------------------------------------------------------------------ */

/* Apply the exported entry to `replica` and check the entry it logs is `data`. */
static void replay_entry(mc_ledger *replica, const uint8_t *data, size_t len)
{
    mc_entry e;
    mc_result r;
    uint8_t *again = NULL;
    size_t again_len = 0;
    assert_int_equal(mc_entry_decode(data, len, &e), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(e.tx), MC_ERR_OK);
    assert_int_equal(mc_ledger_apply(replica, e.tx, e.time, &r), MC_ERR_OK);
    MC_ASSERT_RESULT(r, e.result);
    assert_int_equal(r.height, e.height);
    assert_int_equal(mc_ledger_get_entry(replica, e.height, &again, &again_len), MC_ERR_OK);
    assert_int_equal(again_len, len);
    assert_memory_equal(again, data, len);
    free(again);
    mc_entry_clear(&e);
}

/* Export `ledger` and replay it into a new ledger in `dir`. */
static mc_ledger *replay(mc_ledger *ledger, const char *dir)
{
    FILE *fp = tmpfile();
    uint64_t entries = 0, height = 0, replayed = 0;
    assert_non_null(fp);
    assert_int_equal(mc_ledger_export(ledger, fp, &entries), MC_ERR_OK);
    assert_int_equal(mc_ledger_height(ledger, &height), MC_ERR_OK);
    assert_int_equal(entries, height);
    rewind(fp);
    mc_export_reader *reader = NULL;
    mc_ledger *replica = NULL;
    mc_ledger_options opts = {.no_sync = true};
    assert_int_equal(mc_export_reader_open(fp, &reader), MC_ERR_OK);
    for (;;) {
        mc_export_kind kind;
        const uint8_t *data = NULL;
        size_t len = 0;
        int rc = mc_export_next(reader, &kind, &data, &len);
        if (rc == MC_ERR_NOT_FOUND) {
            break;
        }
        assert_int_equal(rc, MC_ERR_OK);
        if (kind == MC_EXPORT_GENESIS) {
            assert_null(replica);
            assert_int_equal(mc_ledger_create_from_genesis(dir, data, len, &opts, &replica),
                             MC_ERR_OK);
        } else if (kind == MC_EXPORT_ENTRY) {
            assert_non_null(replica);
            replay_entry(replica, data, len);
            replayed++;
        }
    }
    assert_int_equal(replayed, height);
    mc_export_reader_close(reader);
    fclose(fp);
    return replica;
}

typedef struct account_list {
    mc_account items[16];
    size_t n;
} account_list;

static int collect_account(const mc_account *a, void *ctx)
{
    account_list *l = ctx;
    assert_true(l->n < 16);
    l->items[l->n++] = *a;
    return 0;
}

static int collect_contribution(const mc_contribution *c, void *ctx)
{
    mc_contribution *out = ctx;
    size_t i = 0;
    while (out[i].height != 0) {
        i++;
    }
    assert_true(i < 31);
    out[i] = *c;
    return 0;
}

/* Both ledgers hold the same accounts, contributions, log and root. */
static void assert_same(mc_ledger *a, mc_ledger *b, const uint8_t commons[MC_PUBLIC_KEY_BYTES])
{
    uint64_t ha = 0, hb = 0;
    uint8_t ra[MC_HASH_BYTES], rb[MC_HASH_BYTES];
    assert_int_equal(mc_ledger_height(a, &ha), MC_ERR_OK);
    assert_int_equal(mc_ledger_height(b, &hb), MC_ERR_OK);
    assert_int_equal(ha, hb);
    assert_int_equal(mc_ledger_root(a, ha, ra), MC_ERR_OK);
    assert_int_equal(mc_ledger_root(b, hb, rb), MC_ERR_OK);
    assert_memory_equal(ra, rb, MC_HASH_BYTES);
    account_list la = {.n = 0}, lb = {.n = 0};
    assert_int_equal(mc_ledger_list_accounts(a, NULL, 0, collect_account, &la), MC_ERR_OK);
    assert_int_equal(mc_ledger_list_accounts(b, NULL, 0, collect_account, &lb), MC_ERR_OK);
    assert_int_equal(la.n, lb.n);
    assert_memory_equal(la.items, lb.items, la.n * sizeof la.items[0]);
    mc_contribution ca[32], cb[32];
    memset(ca, 0, sizeof ca);
    memset(cb, 0, sizeof cb);
    assert_int_equal(mc_ledger_contributions(a, commons, 0, 0, collect_contribution, ca),
                     MC_ERR_OK);
    assert_int_equal(mc_ledger_contributions(b, commons, 0, 0, collect_contribution, cb),
                     MC_ERR_OK);
    assert_memory_equal(ca, cb, sizeof ca);
    char why[256];
    assert_int_equal(mc_ledger_check(b, why, sizeof why), MC_ERR_OK);
}

static void test_replay_gives_identical_entries(void **state)
{
    world *w = *state;
    scenario(w);
    char *dir = mc_test_tmpdir();
    mc_ledger *replica = replay(w->f.ledger, dir);
    assert_same(w->f.ledger, replica, pk(w->garden));
    mc_ledger_info a, b;
    assert_int_equal(mc_ledger_get_info(w->f.ledger, &a), MC_ERR_OK);
    assert_int_equal(mc_ledger_get_info(replica, &b), MC_ERR_OK);
    assert_memory_equal(a.ledger_id, b.ledger_id, MC_LEDGER_ID_BYTES);
    assert_int_equal(b.fee_bps, 100);
    mc_ledger_close(replica);
    mc_test_rmtree(dir);
    free(dir);
}

/* ---- the outcome in the log ------------------------------------------------------ */

typedef struct stored_round {
    mc_round round;
    mc_round_payout payouts[PAYOUTS_MAX];
    size_t n;
} stored_round;

typedef struct stored_rounds {
    stored_round items[ROUNDS_MAX];
    size_t n;
} stored_rounds;

static int collect_round(const mc_round *r, const mc_round_payout *payouts, size_t n, void *ctx)
{
    stored_rounds *s = ctx;
    assert_true(s->n < ROUNDS_MAX && n <= PAYOUTS_MAX);
    s->items[s->n].round = *r;
    memcpy(s->items[s->n].payouts, payouts, n * sizeof *payouts);
    s->items[s->n++].n = n;
    return 0;
}

/* The ids of the contributions round `n` settled, oldest first. */
typedef struct settled_ids {
    uint64_t round;
    uint8_t ids[16][MC_TX_ID_BYTES];
    size_t n;
} settled_ids;

static int collect_settled(const mc_contribution *c, void *ctx)
{
    settled_ids *s = ctx;
    if (c->status == MC_CONTRIBUTION_SETTLED && c->round == s->round) {
        assert_true(s->n < 16);
        memcpy(s->ids[s->n++], c->id, MC_TX_ID_BYTES);
    }
    return 0;
}

/* The RoundRecord `m` of a log entry is `want`, and settled exactly the
 * contributions that name its round. */
static void assert_record(mc_ledger *l, const uint8_t *commons, const Mc__RoundRecord *m,
                          const stored_round *want)
{
    assert_int_equal(m->round, want->round.round);
    assert_int_equal(m->height, want->round.height);
    assert_int_equal(m->share_bps, want->round.share_bps);
    assert_int_equal(m->amount, want->round.amount);
    assert_int_equal(m->cap, want->round.cap);
    assert_int_equal(m->pot, want->round.pot);
    assert_int_equal(m->paid, want->round.paid);
    assert_int_equal(m->left, want->round.left);
    assert_int_equal(m->n_payouts, want->n);
    for (size_t i = 0; i < want->n; i++) {
        const Mc__RoundPayout *p = m->payouts[i];
        assert_int_equal(p->contributor.len, MC_PUBLIC_KEY_BYTES);
        assert_memory_equal(p->contributor.data, want->payouts[i].contributor, MC_PUBLIC_KEY_BYTES);
        assert_int_equal(p->weight, want->payouts[i].weight);
        assert_int_equal(p->cap, want->payouts[i].cap);
        assert_int_equal(p->paid, want->payouts[i].paid);
    }
    settled_ids s = {.round = m->round, .n = 0};
    assert_int_equal(mc_ledger_contributions(l, commons, 0, 0, collect_settled, &s), MC_ERR_OK);
    assert_int_equal(m->n_contributions, s.n);
    assert_int_equal(want->round.contributions, s.n);
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(m->contributions[i].len, MC_TX_ID_BYTES);
        assert_memory_equal(m->contributions[i].data, s.ids[i], MC_TX_ID_BYTES);
    }
}

static void test_log_entry_holds_the_round(void **state)
{
    world *w = *state;
    mc_ledger *l = w->f.ledger;
    scenario(w);
    stored_rounds rounds = {.n = 0};
    assert_int_equal(mc_ledger_rounds(l, pk(w->garden), 0, 0, collect_round, &rounds), MC_ERR_OK);
    assert_int_equal(rounds.n, 3);
    uint64_t height = 0;
    size_t seen = 0;
    assert_int_equal(mc_ledger_height(l, &height), MC_ERR_OK);
    for (uint64_t h = 1; h <= height; h++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        assert_int_equal(mc_ledger_get_entry(l, h, &bytes, &len), MC_ERR_OK);
        Mc__LogEntry *e = mc__log_entry__unpack(NULL, len, bytes);
        assert_non_null(e);
        mc_entry decoded;
        assert_int_equal(mc_entry_decode(bytes, len, &decoded), MC_ERR_OK);
        bool distribution = mc_tx_kind_of(decoded.tx) == MC_TX_DISTRIBUTION;
        assert_int_equal(e->round != NULL, distribution); /* only a round has one */
        if (distribution) {
            assert_true(seen < rounds.n);
            assert_record(l, pk(w->garden), e->round, &rounds.items[seen]);
            assert_int_equal(rounds.items[seen++].round.height, h);
        }
        mc_entry_clear(&decoded);
        mc__log_entry__free_unpacked(e, NULL);
        free(bytes);
    }
    assert_int_equal(seen, 3);
}

/* The entry at `height` with its round's first payout moved by one unit to
 * the second: still adding up, but not what the state machine computed. */
static uint8_t *tampered_entry(mc_ledger *l, uint64_t height, size_t *len)
{
    uint8_t *bytes = NULL, *out = NULL;
    size_t n = 0;
    assert_int_equal(mc_ledger_get_entry(l, height, &bytes, &n), MC_ERR_OK);
    Mc__LogEntry *e = mc__log_entry__unpack(NULL, n, bytes);
    assert_non_null(e);
    assert_non_null(e->round);
    assert_true(e->round->n_payouts >= 2 && e->round->payouts[0]->paid > 0);
    e->round->payouts[0]->paid--;
    e->round->payouts[1]->paid++;
    *len = mc__log_entry__get_packed_size(e);
    out = malloc(*len);
    assert_non_null(out);
    mc__log_entry__pack(e, out);
    mc__log_entry__free_unpacked(e, NULL);
    free(bytes);
    return out;
}

static void test_tampered_outcome_does_not_replay(void **state)
{
    world *w = *state;
    scenario(w);
    stored_rounds rounds = {.n = 0};
    assert_int_equal(mc_ledger_rounds(w->f.ledger, pk(w->garden), 0, 1, collect_round, &rounds),
                     MC_ERR_OK);
    uint64_t at = rounds.items[0].round.height;
    size_t len = 0;
    uint8_t *tampered = tampered_entry(w->f.ledger, at, &len);
    /* Replay up to the round: the replica logs the true outcome, not the altered one. */
    char *dir = mc_test_tmpdir();
    mc_ledger *replica = replay(w->f.ledger, dir);
    uint8_t *again = NULL;
    size_t again_len = 0;
    assert_int_equal(mc_ledger_get_entry(replica, at, &again, &again_len), MC_ERR_OK);
    assert_true(again_len != len || memcmp(again, tampered, len) != 0);
    mc_entry e;
    assert_int_equal(mc_entry_decode(tampered, len, &e), MC_ERR_OK); /* it still decodes */
    assert_int_equal(mc_tx_kind_of(e.tx), MC_TX_DISTRIBUTION);
    mc_entry_clear(&e);
    free(again);
    free(tampered);
    mc_ledger_close(replica);
    mc_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replay_gives_identical_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_entry_holds_the_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_outcome_does_not_replay, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
