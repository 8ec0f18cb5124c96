/* Payment requests in the ledger: asking, paying once, declining,
 * cancelling; every rule's error code with state unchanged (accounts,
 * height, log root, and the request itself and both parties' open lists);
 * the open-request index and mc_ledger_check() after each step; reopen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct world {
    mc_fixture f;
    mc_keypair *alice, *bob, *carol;
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mc_fixture_setup(&w->f, 1, 1, NULL);
    mc_limits small = {-10000, 20000};
    w->alice = mc_fixture_open(&w->f, "alice", MC_KIND_MEMBER, &small);
    w->bob = mc_fixture_open(&w->f, "bob", MC_KIND_MEMBER, &small);
    w->carol = mc_fixture_open(&w->f, "carol", MC_KIND_BUSINESS, NULL);
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

static const uint8_t *pk(const mc_keypair *kp)
{
    return mc_keypair_public(kp);
}

/* `payee` asks `payer` for `amount`, signed by `signer`. */
static mc_body request_body(world *w, const mc_keypair *payee, const mc_keypair *payer,
                            int64_t amount, const char *memo)
{
    mc_body b = mc_fixture_body(&w->f, MC_TX_PAYMENT_REQUEST);
    memcpy(b.u.payment_request.payee, pk(payee), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.payment_request.payer, pk(payer), MC_PUBLIC_KEY_BYTES);
    b.u.payment_request.amount = amount;
    if (memo != NULL) {
        b.u.payment_request.memo = (const uint8_t *)memo;
        b.u.payment_request.memo_len = strlen(memo);
    }
    return b;
}

/* bob asks alice for `amount`; returns the request id. */
static void ask(world *w, int64_t amount, uint8_t id[MC_TX_ID_BYTES])
{
    mc_body b = request_body(w, w->bob, w->alice, amount, "lessons");
    mc_result r = mc_fixture_submit(&w->f, &b, (const mc_keypair *const *)&w->bob, 1);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    memcpy(id, r.tx_id, MC_TX_ID_BYTES);
}

static mc_body pay_body(world *w, const mc_keypair *payer, const mc_keypair *payee, int64_t amount,
                        const uint8_t *request_id)
{
    mc_body b = mc_fixture_transfer_body(&w->f, payer, payee, amount);
    if (request_id != NULL) {
        b.u.transfer.has_request = true;
        memcpy(b.u.transfer.request_id, request_id, MC_TX_ID_BYTES);
    }
    return b;
}

static mc_body close_body(world *w, mc_tx_kind kind, const uint8_t id[MC_TX_ID_BYTES])
{
    mc_body b = mc_fixture_body(&w->f, kind);
    memcpy(b.u.close_request.request_id, id, MC_TX_ID_BYTES);
    return b;
}

typedef struct open_list {
    size_t count;
    mc_request items[8];
} open_list;

static int collect(const mc_request *q, void *ctx)
{
    open_list *l = ctx;
    if (l->count < 8) {
        l->items[l->count] = *q;
    }
    l->count++;
    return 0;
}

static size_t open_count(world *w, const mc_keypair *who)
{
    open_list l = {0};
    assert_int_equal(mc_ledger_open_requests(w->f.ledger, pk(who), 0, 0, collect, &l), MC_ERR_OK);
    return l.count;
}

typedef struct snapshot {
    uint8_t digest[MC_HASH_BYTES];
    size_t open_alice, open_bob;
} snapshot;

static snapshot take(world *w)
{
    snapshot s;
    mc_fixture_state_digest(&w->f, s.digest);
    s.open_alice = open_count(w, w->alice);
    s.open_bob = open_count(w, w->bob);
    return s;
}

/* Sign `b` by `signers`, expect `code`, and nothing changed. */
static mc_result refused(world *w, const mc_body *b, const mc_keypair *const *signers, size_t n,
                         int code)
{
    snapshot before = take(w);
    mc_result r = mc_fixture_submit(&w->f, b, signers, n);
    MC_ASSERT_RESULT(r, code);
    assert_int_equal(r.height, 0);
    snapshot after = take(w);
    assert_memory_equal(before.digest, after.digest, MC_HASH_BYTES);
    assert_int_equal(before.open_alice, after.open_alice);
    assert_int_equal(before.open_bob, after.open_bob);
    mc_fixture_assert_invariants(&w->f);
    char words[256];
    assert_true(mc_result_describe(&r, 2, "g", words, sizeof words) > 0);
    return r;
}

static void test_ask_and_pay_once(void **state)
{
    world *w = *state;
    uint8_t id[MC_TX_ID_BYTES];
    ask(w, 1500, id);
    mc_request q;
    assert_int_equal(mc_ledger_get_request(w->f.ledger, id, &q), MC_ERR_OK);
    assert_int_equal(q.status, MC_REQUEST_OPEN);
    assert_int_equal(q.amount, 1500);
    assert_string_equal(q.memo, "lessons");
    assert_memory_equal(q.payer, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    assert_memory_equal(q.payee, pk(w->bob), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(open_count(w, w->alice), 1);
    assert_int_equal(open_count(w, w->bob), 1);
    assert_int_equal(open_count(w, w->carol), 0);
    assert_int_equal(mc_fixture_balance(&w->f, pk(w->alice)), 0); /* asking moves nothing */
    mc_fixture_assert_invariants(&w->f);

    mc_body pay = pay_body(w, w->alice, w->bob, 1500, id);
    mc_result r = mc_fixture_submit(&w->f, &pay, (const mc_keypair *const *)&w->alice, 1);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_int_equal(mc_fixture_balance(&w->f, pk(w->alice)), -1500);
    assert_int_equal(mc_ledger_get_request(w->f.ledger, id, &q), MC_ERR_OK);
    assert_int_equal(q.status, MC_REQUEST_PAID);
    assert_int_equal(q.closed_height, r.height);
    assert_memory_equal(q.closed_by, r.tx_id, MC_TX_ID_BYTES);
    assert_int_equal(open_count(w, w->alice), 0);
    assert_int_equal(open_count(w, w->bob), 0);
    mc_fixture_assert_invariants(&w->f);

    /* A second payment of the same request: refused, paid once. */
    mc_body again = pay_body(w, w->alice, w->bob, 1500, id);
    refused(w, &again, (const mc_keypair *const *)&w->alice, 1, MC_ERR_REQUEST_CLOSED);
    assert_int_equal(mc_fixture_balance(&w->f, pk(w->alice)), -1500);
    /* Resubmitting the very same payment is a duplicate, not a second one. */
    mc_tx *tx = mc_fixture_sign(&w->f, &pay, (const mc_keypair *const *)&w->alice, 1);
    assert_int_equal(mc_ledger_apply(w->f.ledger, tx, w->f.now, &r), MC_ERR_OK);
    assert_true(r.duplicate);
    mc_tx_free(tx);
    assert_int_equal(mc_fixture_balance(&w->f, pk(w->alice)), -1500);

    mc_fixture_reopen(&w->f);
    assert_int_equal(mc_ledger_get_request(w->f.ledger, id, &q), MC_ERR_OK);
    assert_int_equal(q.status, MC_REQUEST_PAID);
    mc_fixture_assert_invariants(&w->f);
}

static void test_pay_rules(void **state)
{
    world *w = *state;
    const mc_keypair *const alice[] = {w->alice};
    uint8_t id[MC_TX_ID_BYTES], unknown[MC_TX_ID_BYTES];
    ask(w, 1500, id);
    memset(unknown, 0x42, sizeof unknown);
    mc_body b = pay_body(w, w->alice, w->bob, 1500, unknown);
    refused(w, &b, alice, 1, MC_ERR_UNKNOWN_REQUEST);
    b = pay_body(w, w->alice, w->bob, 1499, id);
    mc_result r = refused(w, &b, alice, 1, MC_ERR_REQUEST_MISMATCH);
    assert_int_equal(r.amount, 1499);
    assert_int_equal(r.limit, 1500);
    /* It concerns the request's payer: the node tells the amount only to
     * whoever may see that account's details. */
    assert_true(r.has_account);
    assert_memory_equal(r.account, mc_keypair_public(w->alice), MC_PUBLIC_KEY_BYTES);
    b = pay_body(w, w->alice, w->carol, 1500, id); /* another payee */
    refused(w, &b, alice, 1, MC_ERR_REQUEST_MISMATCH);
    b = pay_body(w, w->carol, w->bob, 1500, id); /* another payer */
    refused(w, &b, (const mc_keypair *const *)&w->carol, 1, MC_ERR_REQUEST_MISMATCH);
    /* Earlier rules come first: a self-payment naming a request. */
    b = pay_body(w, w->alice, w->alice, 1500, id);
    refused(w, &b, alice, 1, MC_ERR_SELF_TRANSFER);
    /* Later rules still apply: the payer must sign; the credit limit holds. */
    b = pay_body(w, w->alice, w->bob, 1500, id);
    refused(w, &b, (const mc_keypair *const *)&w->bob, 1, MC_ERR_MISSING_SIGNATURE);
    uint8_t big[MC_TX_ID_BYTES];
    ask(w, 10001, big);
    b = pay_body(w, w->alice, w->bob, 10001, big);
    refused(w, &b, alice, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    mc_request q;
    assert_int_equal(mc_ledger_get_request(w->f.ledger, big, &q), MC_ERR_OK);
    assert_int_equal(q.status, MC_REQUEST_OPEN); /* a refused payment leaves it open */
}

static void test_request_rules(void **state)
{
    world *w = *state;
    const mc_keypair *const bob[] = {w->bob};
    mc_body b = request_body(w, w->bob, w->bob, 100, NULL);
    refused(w, &b, bob, 1, MC_ERR_SELF_TRANSFER);
    b = request_body(w, w->bob, w->alice, 0, NULL);
    refused(w, &b, bob, 1, MC_ERR_AMOUNT_NOT_POSITIVE);
    char memo[MC_MEMO_LEN_MAX + 2];
    memset(memo, 'm', sizeof memo - 1);
    memo[sizeof memo - 1] = '\0';
    b = request_body(w, w->bob, w->alice, 100, memo);
    refused(w, &b, bob, 1, MC_ERR_MEMO_TOO_LONG);
    b = request_body(w, w->bob, w->alice, 100, "\xff");
    refused(w, &b, bob, 1, MC_ERR_MEMO_NOT_UTF8);
    mc_keypair *stranger = NULL;
    assert_int_equal(mc_keypair_generate(&stranger), MC_ERR_OK);
    b = request_body(w, w->bob, stranger, 100, NULL);
    refused(w, &b, bob, 1, MC_ERR_UNKNOWN_PAYER);
    b = request_body(w, stranger, w->alice, 100, NULL);
    refused(w, &b, (const mc_keypair *const *)&stranger, 1, MC_ERR_UNKNOWN_PAYEE);
    /* Only the payee asks, alone. */
    b = request_body(w, w->bob, w->alice, 100, NULL);
    refused(w, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_MISSING_SIGNATURE);
    const mc_keypair *both[] = {w->bob, w->alice};
    refused(w, &b, both, 2, MC_ERR_UNEXPECTED_SIGNER);
    /* Frozen parties. */
    mc_body freeze = mc_fixture_body(&w->f, MC_TX_SET_STATUS);
    memcpy(freeze.u.set_status.account, pk(w->alice), MC_PUBLIC_KEY_BYTES);
    freeze.u.set_status.status = MC_STATUS_FROZEN;
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(&w->f, &freeze), MC_ERR_OK);
    b = request_body(w, w->bob, w->alice, 100, NULL);
    refused(w, &b, bob, 1, MC_ERR_PAYER_FROZEN);
    b = request_body(w, w->alice, w->bob, 100, NULL);
    refused(w, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_PAYEE_FROZEN);
    mc_keypair_free(stranger);
}

static void test_decline_and_cancel(void **state)
{
    world *w = *state;
    const mc_keypair *const alice[] = {w->alice}, *const bob[] = {w->bob};
    uint8_t id[MC_TX_ID_BYTES], unknown[MC_TX_ID_BYTES];
    memset(unknown, 7, sizeof unknown);
    ask(w, 300, id);
    mc_body b = close_body(w, MC_TX_DECLINE_REQUEST, unknown);
    refused(w, &b, alice, 1, MC_ERR_UNKNOWN_REQUEST);
    b = close_body(w, MC_TX_DECLINE_REQUEST, id); /* the payee cannot decline */
    refused(w, &b, bob, 1, MC_ERR_MISSING_SIGNATURE);
    b = close_body(w, MC_TX_CANCEL_REQUEST, id); /* the payer cannot cancel */
    refused(w, &b, alice, 1, MC_ERR_MISSING_SIGNATURE);
    const mc_keypair *both[] = {w->alice, w->bob};
    b = close_body(w, MC_TX_DECLINE_REQUEST, id);
    refused(w, &b, both, 2, MC_ERR_UNEXPECTED_SIGNER);

    b = close_body(w, MC_TX_DECLINE_REQUEST, id);
    mc_result r = mc_fixture_submit(&w->f, &b, alice, 1);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    mc_request q;
    assert_int_equal(mc_ledger_get_request(w->f.ledger, id, &q), MC_ERR_OK);
    assert_int_equal(q.status, MC_REQUEST_DECLINED);
    assert_memory_equal(q.closed_by, r.tx_id, MC_TX_ID_BYTES);
    assert_int_equal(open_count(w, w->alice), 0);
    mc_fixture_assert_invariants(&w->f);
    /* Closed for good: no payment, no cancel. */
    b = pay_body(w, w->alice, w->bob, 300, id);
    refused(w, &b, alice, 1, MC_ERR_REQUEST_CLOSED);
    b = close_body(w, MC_TX_CANCEL_REQUEST, id);
    refused(w, &b, bob, 1, MC_ERR_REQUEST_CLOSED);

    uint8_t second[MC_TX_ID_BYTES];
    ask(w, 400, second);
    b = close_body(w, MC_TX_CANCEL_REQUEST, second);
    MC_ASSERT_RESULT(mc_fixture_submit(&w->f, &b, bob, 1), MC_ERR_OK);
    assert_int_equal(mc_ledger_get_request(w->f.ledger, second, &q), MC_ERR_OK);
    assert_int_equal(q.status, MC_REQUEST_CANCELLED);
    assert_string_equal(mc_request_status_name(q.status), "cancelled");
    b = close_body(w, MC_TX_DECLINE_REQUEST, second);
    refused(w, &b, alice, 1, MC_ERR_REQUEST_CLOSED);
    mc_fixture_assert_invariants(&w->f);
}

/* Several open requests: listed oldest first for each party; paying one in
 * the middle keeps the others. */
static void test_open_lists(void **state)
{
    world *w = *state;
    uint8_t ids[3][MC_TX_ID_BYTES];
    for (int i = 0; i < 3; i++) {
        ask(w, 100 + i, ids[i]);
    }
    mc_body other = request_body(w, w->carol, w->alice, 50, NULL);
    MC_ASSERT_RESULT(mc_fixture_submit(&w->f, &other, (const mc_keypair *const *)&w->carol, 1),
                     MC_ERR_OK);
    open_list l = {0};
    assert_int_equal(mc_ledger_open_requests(w->f.ledger, pk(w->alice), 0, 0, collect, &l),
                     MC_ERR_OK);
    assert_int_equal(l.count, 4);
    assert_true(l.items[0].height < l.items[1].height && l.items[1].height < l.items[2].height);
    assert_memory_equal(l.items[0].id, ids[0], MC_TX_ID_BYTES);
    uint64_t first_height = l.items[0].height;
    l.count = 0;
    assert_int_equal(mc_ledger_open_requests(w->f.ledger, pk(w->alice), 0, 2, collect, &l),
                     MC_ERR_OK);
    assert_int_equal(l.count, 2);
    l.count = 0; /* paged: after the first one */
    assert_int_equal(
        mc_ledger_open_requests(w->f.ledger, pk(w->alice), first_height, 0, collect, &l),
        MC_ERR_OK);
    assert_int_equal(l.count, 3);
    assert_memory_equal(l.items[0].id, ids[1], MC_TX_ID_BYTES);
    mc_body pay = pay_body(w, w->alice, w->bob, 101, ids[1]);
    MC_ASSERT_RESULT(mc_fixture_submit(&w->f, &pay, (const mc_keypair *const *)&w->alice, 1),
                     MC_ERR_OK);
    assert_int_equal(open_count(w, w->alice), 3);
    assert_int_equal(open_count(w, w->bob), 2);
    assert_int_equal(open_count(w, w->carol), 1);
    mc_fixture_assert_invariants(&w->f);
    mc_fixture_reopen(&w->f);
    assert_int_equal(open_count(w, w->alice), 3);
    mc_fixture_assert_invariants(&w->f);
}

/* A request and its payment in one batch, then a decline of a paid one in
 * the next: later transactions of a batch see the earlier ones. */
static void test_in_one_batch(void **state)
{
    world *w = *state;
    mc_body ask_body = request_body(w, w->bob, w->alice, 700, NULL);
    mc_tx *asked = mc_fixture_sign(&w->f, &ask_body, (const mc_keypair *const *)&w->bob, 1);
    mc_body pay = pay_body(w, w->alice, w->bob, 700, mc_tx_id_of(asked));
    mc_tx *paid = mc_fixture_sign(&w->f, &pay, (const mc_keypair *const *)&w->alice, 1);
    mc_body decline = close_body(w, MC_TX_DECLINE_REQUEST, mc_tx_id_of(asked));
    mc_tx *declined = mc_fixture_sign(&w->f, &decline, (const mc_keypair *const *)&w->alice, 1);
    mc_tx *batch[] = {asked, paid, declined};
    mc_result r[3];
    assert_int_equal(mc_ledger_apply_batch(w->f.ledger, batch, 3, w->f.now, r), MC_ERR_OK);
    MC_ASSERT_RESULT(r[0], MC_ERR_OK);
    MC_ASSERT_RESULT(r[1], MC_ERR_OK);
    MC_ASSERT_RESULT(r[2], MC_ERR_REQUEST_CLOSED);
    assert_int_equal(mc_fixture_balance(&w->f, pk(w->bob)), 700);
    mc_tx_free(asked);
    mc_tx_free(paid);
    mc_tx_free(declined);
    mc_fixture_assert_invariants(&w->f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ask_and_pay_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pay_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_decline_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_one_batch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
