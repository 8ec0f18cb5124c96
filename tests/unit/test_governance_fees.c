/* The fee on transfers (mc/ledger.h, SetFee and the transfer rules): set by
 * the stewards or at genesis, fee_bps of the amount rounded down, paid by
 * the payer to the fee account beside the amount; none when the fee account
 * pays or is paid; the credit limit counts it; FEE_ACCOUNT_UNAVAILABLE and
 * every FEE_INVALID case, and CONFIG_INVALID for a genesis fee without an
 * account. Every refusal is checked to change nothing (accounts, height, log
 * root, the configuration, the commons), and balances always sum to 0.
 * Keys are derived from fixed names. The steward quorum and SetRoles are in
 * test_governance.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t *pk(const mc_keypair *kp)
{
    return mc_keypair_public(kp);
}

/* ---- fixtures ------------------------------------------------------------------ */

typedef struct world {
    mc_fixture f;
    mc_keypair *alice, *bob, *carol; /* carol: no account */
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mc_fixture_setup(&w->f, 3, 2, NULL);
    w->alice = mc_fixture_open_named(&w->f, "alice", MC_KIND_MEMBER);
    w->bob = mc_fixture_open_named(&w->f, "bob", MC_KIND_MEMBER);
    w->carol = mc_fixture_named_key("carol");
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    mc_keypair_free(w->alice);
    mc_keypair_free(w->bob);
    mc_keypair_free(w->carol);
    mc_fixture_teardown(&w->f);
    free(w);
    return 0;
}

/* ---- fees ------------------------------------------------------------------------ */

static int64_t balance_of(mc_fixture *f, const mc_keypair *kp)
{
    return mc_fixture_balance(f, pk(kp));
}

/* alice pays bob `amount`: applied, with the fee `fee` to `fees`. */
static void pay_with_fee(world *w, const mc_keypair *fees, int64_t amount, int64_t fee)
{
    mc_fixture *f = &w->f;
    int64_t alice = balance_of(f, w->alice), bob = balance_of(f, w->bob);
    int64_t collected = balance_of(f, fees);
    mc_result r = mc_fixture_pay(f, w->alice, pk(w->bob), amount, NULL);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_int_equal(r.fee, fee);
    assert_int_equal(balance_of(f, w->alice), alice - amount - fee);
    assert_int_equal(balance_of(f, w->bob), bob + amount);
    assert_int_equal(balance_of(f, fees), collected + fee);
}

/* Open the SYSTEM account "fees" and set a fee of `fee_bps` to it. */
static mc_keypair *open_fees(world *w, unsigned fee_bps)
{
    mc_fixture *f = &w->f;
    mc_keypair *fees = mc_fixture_open_named(f, "fees", MC_KIND_SYSTEM);
    mc_body b = mc_fixture_fee_body(f, fee_bps, fees);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0], f->stewards[1]);
    mc_ledger_info info = mc_fixture_info(f);
    assert_int_equal(info.fee_bps, fee_bps);
    assert_true(info.has_fee_account);
    assert_memory_equal(info.fee_account, pk(fees), MC_PUBLIC_KEY_BYTES);
    return fees;
}

static void test_fee_payments(void **state)
{
    world *w = *state;
    mc_keypair *fees = open_fees(w, 250); /* 2.5% */
    pay_with_fee(w, fees, 1000, 25);      /* 10.00 costs alice 10.25 */
    pay_with_fee(w, fees, 1001, 25);      /* 25.025 rounds down */
    pay_with_fee(w, fees, 39, 0);         /* 0.975: no fee */
    pay_with_fee(w, fees, 40, 1);
    pay_with_fee(w, fees, 1, 0);
    assert_int_equal(balance_of(&w->f, w->alice), -(1000 + 1001 + 39 + 40 + 1) - 51);
    assert_int_equal(balance_of(&w->f, fees), 51);
    mc_fixture_assert_balanced(&w->f);
    /* Back to no fee. */
    mc_body b = mc_fixture_fee_body(&w->f, 0, NULL);
    MC_ASSERT_APPLIED(&w->f, &b, w->f.stewards[2], w->f.stewards[0]);
    mc_ledger_info info = mc_fixture_info(&w->f);
    assert_int_equal(info.fee_bps, 0);
    assert_false(info.has_fee_account);
    pay_with_fee(w, fees, 1000, 0);
    mc_keypair_free(fees);
    mc_fixture_assert_balanced(&w->f);
}

static void test_fee_credit_limit(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *fees = open_fees(w, 250);
    mc_keypair *dan = mc_fixture_open_named(f, "dan", MC_KIND_MEMBER);
    /* 295.00 fits dan's -300.00 alone, not with its 7.37 fee. */
    mc_body b = mc_fixture_transfer_body(f, dan, w->bob, 29500);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_EXCEEDS_CREDIT_LIMIT, dan);
    assert_int_equal(r.fee, 737);
    assert_int_equal(r.amount, 29500);
    assert_int_equal(r.balance, 0);
    assert_int_equal(r.limit, -30000);
    assert_true(r.has_account);
    assert_memory_equal(r.account, pk(dan), MC_PUBLIC_KEY_BYTES);
    /* 292.70 + 7.31 is one unit past; 292.69 + 7.31 lands on the limit. */
    b = mc_fixture_transfer_body(f, w->alice, w->bob, 29270);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_EXCEEDS_CREDIT_LIMIT, w->alice);
    assert_int_equal(r.fee, 731);
    pay_with_fee(w, fees, 29269, 731);
    assert_int_equal(balance_of(f, w->alice), -30000);
    /* Without the fee, dan's payment passes. */
    b = mc_fixture_fee_body(f, 0, NULL);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0], f->stewards[1]);
    b = mc_fixture_transfer_body(f, dan, w->bob, 29500);
    r = MC_ASSERT_APPLIED(f, &b, dan);
    assert_int_equal(r.fee, 0);
    assert_int_equal(balance_of(f, dan), -29500);
    assert_int_equal(balance_of(f, fees), 731);
    mc_keypair_free(fees);
    mc_keypair_free(dan);
    mc_fixture_assert_balanced(f);
}

static void test_fee_account_unavailable(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *fees = open_fees(w, 250);
    mc_fixture_set_status(f, fees, MC_STATUS_FROZEN);
    mc_body b = mc_fixture_transfer_body(f, w->alice, w->bob, 1000);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, w->alice);
    /* The statuses come before the fee, the fee before the limits. */
    b = mc_fixture_transfer_body(f, w->alice, w->bob, 1000000);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, w->alice);
    mc_fixture_set_status(f, w->bob, MC_STATUS_FROZEN);
    b = mc_fixture_transfer_body(f, w->alice, w->bob, 1000);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_PAYEE_FROZEN, w->alice);
    mc_fixture_set_status(f, w->bob, MC_STATUS_ACTIVE);
    /* Closed (at a zero balance) is unavailable too; active again is fine. */
    mc_fixture_set_status(f, fees, MC_STATUS_CLOSED);
    b = mc_fixture_transfer_body(f, w->alice, w->bob, 1000);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, w->alice);
    b = mc_fixture_fee_body(f, 250, fees); /* nor can a fee name it now */
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_INVALID, f->stewards[0], f->stewards[1]);
    mc_keypair *fees2 = mc_fixture_open_named(f, "fees2", MC_KIND_SYSTEM);
    b = mc_fixture_fee_body(f, 250, fees2);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0], f->stewards[1]);
    pay_with_fee(w, fees2, 1000, 25);
    mc_keypair_free(fees);
    mc_keypair_free(fees2);
    mc_fixture_assert_balanced(f);
}

static void test_fee_account_as_party(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *fees = open_fees(w, 1000); /* 10%, the most */
    /* Paying the fee account: no fee on top. */
    mc_result r = mc_fixture_pay(f, w->alice, pk(fees), 1000, NULL);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_int_equal(r.fee, 0);
    assert_int_equal(balance_of(f, w->alice), -1000);
    assert_int_equal(balance_of(f, fees), 1000);
    /* The fee account paying (signed by the stewards): no fee either. */
    mc_body b = mc_fixture_transfer_body(f, fees, w->bob, 1500);
    r = MC_ASSERT_APPLIED(f, &b, f->stewards[1], f->stewards[2]);
    assert_int_equal(r.fee, 0);
    assert_int_equal(balance_of(f, fees), -500);
    assert_int_equal(balance_of(f, w->bob), 1500);
    /* Another SYSTEM payer does pay it. */
    mc_keypair *pool = mc_fixture_open_named(f, "pool", MC_KIND_SYSTEM);
    b = mc_fixture_transfer_body(f, pool, w->bob, 2000);
    r = MC_ASSERT_APPLIED(f, &b, f->stewards[1], f->stewards[2]);
    assert_int_equal(r.fee, 200);
    assert_int_equal(balance_of(f, pool), -2200);
    assert_int_equal(balance_of(f, fees), -300);
    pay_with_fee(w, fees, 1000, 100);
    mc_keypair_free(fees);
    mc_keypair_free(pool);
    mc_fixture_assert_balanced(f);
}

static void test_set_fee_invalid(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    mc_keypair *fees = mc_fixture_open_named(f, "fees", MC_KIND_SYSTEM);
    mc_body b = mc_fixture_fee_body(f, 250, w->alice); /* a member account */
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_INVALID, s[0], s[1]);
    b = mc_fixture_fee_body(f, MC_FEE_BPS_MAX + 1, fees);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_INVALID, s[0], s[1]);
    assert_int_equal(r.amount, 1001);
    assert_int_equal(r.limit, 1000);
    b = mc_fixture_fee_body(f, 250, NULL); /* a fee to nobody */
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_INVALID, s[0], s[1]);
    b = mc_fixture_fee_body(f, 250, w->carol); /* no account */
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_INVALID, s[0], s[1]);
    b = mc_fixture_fee_body(f, MC_FEE_BPS_MAX + 1, fees); /* the steward rule first */
    MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[0]);
    mc_fixture_set_status(f, fees, MC_STATUS_FROZEN);
    b = mc_fixture_fee_body(f, 250, fees);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_INVALID, s[0], s[1]);
    mc_fixture_set_status(f, fees, MC_STATUS_ACTIVE);
    b = mc_fixture_fee_body(f, MC_FEE_BPS_MAX, fees);
    MC_ASSERT_APPLIED(f, &b, s[0], s[1]);
    assert_int_equal(mc_fixture_info(f).fee_bps, MC_FEE_BPS_MAX);
    pay_with_fee(w, fees, 999, 99);
    mc_keypair_free(fees);
    mc_fixture_assert_balanced(f);
}

/* The fee account has limits like any account: its ceiling refuses a fee. */
static void test_fee_account_ceiling(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *fees = mc_fixture_named_key("fees");
    mc_body b = mc_fixture_open_body(f, fees, "fees", MC_KIND_SYSTEM);
    b.u.open_account.has_limits = true;
    b.u.open_account.limits = (mc_limits){-100, 30};
    MC_ASSERT_APPLIED(f, &b, f->stewards[0], f->stewards[1]);
    b = mc_fixture_fee_body(f, 250, fees);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0], f->stewards[1]);
    pay_with_fee(w, fees, 1000, 25);
    b = mc_fixture_transfer_body(f, w->alice, w->bob, 1000);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_EXCEEDS_CEILING, w->alice);
    assert_memory_equal(r.account, pk(fees), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(r.limit, 30);
    assert_int_equal(r.fee, 25);
    pay_with_fee(w, fees, 200, 5); /* up to the ceiling exactly */
    assert_int_equal(balance_of(f, fees), 30);
    mc_keypair_free(fees);
    mc_fixture_assert_balanced(f);
}

/* mc/ledger.h, mc_genesis_params.fee_account: "Transfers are refused
 * (FEE_ACCOUNT_UNAVAILABLE) until the stewards open it as a SYSTEM
 * account" -- transfers whose fee rounds down to 0 included. */
static void test_fee_account_unopened_refuses_small_transfers(void **state)
{
    (void)state;
    mc_keypair *fees = mc_fixture_named_key("fees");
    mc_genesis_params p;
    mc_fixture_genesis_defaults(&p);
    p.fee_bps = 250;
    p.fee_account = pk(fees);
    world w = {.alice = NULL};
    mc_fixture_setup(&w.f, 1, 1, &p);
    w.alice = mc_fixture_open_named(&w.f, "alice", MC_KIND_MEMBER);
    w.bob = mc_fixture_open_named(&w.f, "bob", MC_KIND_MEMBER);
    mc_body b =
        mc_fixture_transfer_body(&w.f, w.alice, w.bob, 39); /* a fee of 0.975, rounded to 0 */
    mc_fixture_snapshot before = mc_fixture_snapshot_take(&w.f);
    mc_result r = mc_fixture_submit(&w.f, &b, (const mc_keypair *const *)&w.alice, 1);
    mc_keypair_free(fees);
    mc_keypair_free(w.alice);
    mc_keypair_free(w.bob);
    if (r.code != MC_ERR_FEE_ACCOUNT_UNAVAILABLE) {
        mc_fixture_teardown(&w.f);
        fail_msg("a 0.39 transfer before the fee account is opened: %s, not "
                 "FEE_ACCOUNT_UNAVAILABLE",
                 mc_err_name(r.code));
    }
    mc_fixture_assert_unchanged(&w.f, &before);
    mc_fixture_teardown(&w.f);
}

/* mc_ledger_create's code for `p` in a new directory; no ledger is left there. */
static int create_code(const mc_genesis_params *p)
{
    char *dir = mc_test_tmpdir();
    mc_ledger *l = NULL;
    mc_ledger_options opts = {.no_sync = true};
    int rc = mc_ledger_create(dir, p, &opts, &l);
    mc_ledger_close(l);
    if (rc != MC_ERR_OK) {
        assert_int_equal(mc_ledger_open(dir, NULL, &l), MC_ERR_NO_LEDGER);
    }
    mc_test_rmtree(dir);
    free(dir);
    return rc;
}

static void test_genesis_fee_config(void **state)
{
    (void)state;
    mc_keypair *steward = mc_fixture_named_key("steward"), *fees = mc_fixture_named_key("fees");
    uint8_t stewards[1][MC_PUBLIC_KEY_BYTES], auditors[2][MC_PUBLIC_KEY_BYTES];
    memcpy(stewards[0], pk(steward), MC_PUBLIC_KEY_BYTES);
    memcpy(auditors[0], pk(fees), MC_PUBLIC_KEY_BYTES);
    memcpy(auditors[1], pk(fees), MC_PUBLIC_KEY_BYTES);
    mc_genesis_params p;
    mc_fixture_genesis_defaults(&p);
    p.stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])stewards;
    p.steward_count = 1;
    p.quorum = 1;
    assert_int_equal(create_code(&p), MC_ERR_OK);
    p.fee_bps = 250; /* a fee, but no account */
    assert_int_equal(create_code(&p), MC_ERR_CONFIG_INVALID);
    p.fee_account = pk(fees);
    assert_int_equal(create_code(&p), MC_ERR_OK);
    p.fee_bps = MC_FEE_BPS_MAX + 1;
    assert_int_equal(create_code(&p), MC_ERR_CONFIG_INVALID);
    p.fee_bps = 0;
    p.auditors = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])auditors;
    p.auditor_count = 2; /* the same auditor twice */
    assert_int_equal(create_code(&p), MC_ERR_CONFIG_INVALID);
    mc_keypair_free(steward);
    mc_keypair_free(fees);
}

static void test_genesis_fee(void **state)
{
    (void)state;
    mc_keypair *fees = mc_fixture_named_key("fees");
    mc_genesis_params p;
    mc_fixture_genesis_defaults(&p);
    p.fee_bps = 250;
    p.fee_account = pk(fees);
    world w = {.alice = NULL};
    mc_fixture_setup(&w.f, 1, 1, &p);
    mc_fixture *f = &w.f;
    mc_ledger_info info = mc_fixture_info(f);
    assert_int_equal(info.fee_bps, 250);
    assert_true(info.has_fee_account);
    assert_memory_equal(info.fee_account, pk(fees), MC_PUBLIC_KEY_BYTES);
    w.alice = mc_fixture_open_named(f, "alice", MC_KIND_MEMBER);
    w.bob = mc_fixture_open_named(f, "bob", MC_KIND_MEMBER);
    /* Refused until the fee account is opened as a SYSTEM account. */
    mc_body b = mc_fixture_transfer_body(f, w.alice, w.bob, 1000);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, w.alice);
    b = mc_fixture_open_body(f, fees, "fees", MC_KIND_MEMBER);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0]);
    b = mc_fixture_transfer_body(f, w.alice, w.bob, 1000);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_FEE_ACCOUNT_UNAVAILABLE, w.alice);
    /* The key has a member account for good: a SetFee names a SYSTEM one. */
    mc_keypair *system = mc_fixture_open_named(f, "fees-system", MC_KIND_SYSTEM);
    b = mc_fixture_fee_body(f, 250, system);
    MC_ASSERT_APPLIED(f, &b, f->stewards[0]);
    pay_with_fee(&w, system, 1000, 25);
    assert_int_equal(balance_of(f, fees), 0);
    mc_keypair_free(system);
    mc_keypair_free(fees);
    mc_fixture_assert_balanced(f);
    mc_keypair_free(w.alice);
    mc_keypair_free(w.bob);
    mc_fixture_teardown(f);
}

static void test_genesis_fee_opened_as_system(void **state)
{
    (void)state;
    mc_keypair *fees = mc_fixture_named_key("fees");
    mc_genesis_params p;
    mc_fixture_genesis_defaults(&p);
    p.fee_bps = 100;
    p.fee_account = pk(fees);
    world w = {.alice = NULL};
    mc_fixture_setup(&w.f, 1, 1, &p);
    w.alice = mc_fixture_open_named(&w.f, "alice", MC_KIND_MEMBER);
    w.bob = mc_fixture_open_named(&w.f, "bob", MC_KIND_MEMBER);
    mc_body b = mc_fixture_open_body(&w.f, fees, "fees", MC_KIND_SYSTEM);
    MC_ASSERT_APPLIED(&w.f, &b, w.f.stewards[0]);
    pay_with_fee(&w, fees, 12345, 123);
    pay_with_fee(&w, fees, 99, 0);
    pay_with_fee(&w, fees, 100, 1);
    mc_fixture_assert_balanced(&w.f);
    mc_keypair_free(fees);
    mc_keypair_free(w.alice);
    mc_keypair_free(w.bob);
    mc_fixture_teardown(&w.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fee_payments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee_credit_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee_account_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee_account_as_party, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_fee_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee_account_ceiling, setup, teardown),
        cmocka_unit_test(test_fee_account_unopened_refuses_small_transfers),
        cmocka_unit_test(test_genesis_fee_config),
        cmocka_unit_test(test_genesis_fee),
        cmocka_unit_test(test_genesis_fee_opened_as_system),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
