/* Transactions as values: every kind built with mc_body_encode(), signed,
 * decoded again and read back through mc_tx_view_of(), the body bytes and
 * the signers exactly as signed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "mc/tx.h"

typedef struct keys {
    mc_keypair *a, *b;
} keys;

static int setup(void **state)
{
    keys *k = calloc(1, sizeof *k);
    assert_non_null(k);
    assert_int_equal(mc_keypair_generate(&k->a), MC_ERR_OK);
    assert_int_equal(mc_keypair_generate(&k->b), MC_ERR_OK);
    *state = k;
    return 0;
}

static int teardown(void **state)
{
    keys *k = *state;
    mc_keypair_free(k->a);
    mc_keypair_free(k->b);
    free(k);
    return 0;
}

static mc_body body_of(mc_tx_kind kind)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memset(b.ledger_id, 0x5a, sizeof b.ledger_id);
    b.nonce = 77;
    b.not_after = 1900000000;
    b.kind = kind;
    return b;
}

/* Encode, sign with `signers`, decode; checks the body bytes and signers. */
static mc_tx *round_trip(const mc_body *body, const mc_keypair *const *signers, size_t n)
{
    uint8_t *bytes = NULL, *signed_tx = NULL;
    size_t len = 0, signed_len = 0;
    assert_int_equal(mc_body_encode(body, &bytes, &len), MC_ERR_OK);
    assert_int_equal(mc_tx_sign(bytes, len, signers, n, &signed_tx, &signed_len), MC_ERR_OK);
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(signed_tx, signed_len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);

    size_t body_len = 0;
    const uint8_t *body_bytes = mc_tx_body_bytes(tx, &body_len);
    assert_int_equal(body_len, len);
    assert_memory_equal(body_bytes, bytes, len);
    assert_int_equal(mc_tx_signer_count(tx), n);
    for (size_t i = 0; i < n; i++) {
        assert_memory_equal(mc_tx_signer(tx, i), mc_keypair_public(signers[i]),
                            MC_PUBLIC_KEY_BYTES);
    }
    assert_null(mc_tx_signer(tx, n));
    free(bytes);
    free(signed_tx);
    return tx;
}

static void check_common(const mc_tx_view *v, mc_tx_kind kind)
{
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    memset(ledger_id, 0x5a, sizeof ledger_id);
    assert_memory_equal(v->ledger_id, ledger_id, MC_LEDGER_ID_BYTES);
    assert_int_equal(v->nonce, 77);
    assert_int_equal(v->not_after, 1900000000);
    assert_int_equal(v->kind, kind);
}

static void test_view_transfer(void **state)
{
    keys *k = *state;
    mc_body b = body_of(MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(k->a), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = 1250;
    b.u.transfer.memo = (const uint8_t *)"bread";
    b.u.transfer.memo_len = 5;
    const mc_keypair *signers[] = {k->a};
    mc_tx *tx = round_trip(&b, signers, 1);
    mc_tx_view v;
    mc_tx_view_of(tx, &v);
    check_common(&v, MC_TX_TRANSFER);
    assert_memory_equal(v.u.transfer.payer, mc_keypair_public(k->a), MC_PUBLIC_KEY_BYTES);
    assert_memory_equal(v.u.transfer.payee, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(v.u.transfer.amount, 1250);
    assert_int_equal(v.u.transfer.memo_len, 5);
    assert_memory_equal(v.u.transfer.memo, "bread", 5);
    assert_int_equal(mc_tx_kind_of(tx), MC_TX_TRANSFER);
    mc_tx_free(tx);
}

static void test_view_open_account(void **state)
{
    keys *k = *state;
    mc_body b = body_of(MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = "bakery";
    b.u.open_account.kind = MC_KIND_BUSINESS;
    const mc_keypair *signers[] = {k->a, k->b};
    mc_tx *tx = round_trip(&b, signers, 2);
    mc_tx_view v;
    mc_tx_view_of(tx, &v);
    check_common(&v, MC_TX_OPEN_ACCOUNT);
    assert_memory_equal(v.u.open_account.public_key, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(v.u.open_account.handle_len, 6);
    assert_memory_equal(v.u.open_account.handle, "bakery", 6);
    assert_int_equal(v.u.open_account.kind, MC_KIND_BUSINESS);
    assert_false(v.u.open_account.has_limits);
    mc_tx_free(tx);

    b.u.open_account.has_limits = true;
    b.u.open_account.limits = (mc_limits){-100, 200};
    tx = round_trip(&b, signers, 1);
    mc_tx_view_of(tx, &v);
    assert_true(v.u.open_account.has_limits);
    assert_int_equal(v.u.open_account.limits.min_balance, -100);
    assert_int_equal(v.u.open_account.limits.max_balance, 200);
    mc_tx_free(tx);
}

static void test_view_set_limits_and_status(void **state)
{
    keys *k = *state;
    const mc_keypair *signers[] = {k->a};
    mc_body b = body_of(MC_TX_SET_LIMITS);
    memcpy(b.u.set_limits.account, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    b.u.set_limits.limits = (mc_limits){-5000, 0};
    mc_tx *tx = round_trip(&b, signers, 1);
    mc_tx_view v;
    mc_tx_view_of(tx, &v);
    check_common(&v, MC_TX_SET_LIMITS);
    assert_memory_equal(v.u.set_limits.account, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(v.u.set_limits.limits.min_balance, -5000);
    assert_int_equal(v.u.set_limits.limits.max_balance, 0);
    mc_tx_free(tx);

    b = body_of(MC_TX_SET_STATUS);
    memcpy(b.u.set_status.account, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    b.u.set_status.status = MC_STATUS_FROZEN;
    tx = round_trip(&b, signers, 1);
    mc_tx_view_of(tx, &v);
    check_common(&v, MC_TX_SET_STATUS);
    assert_memory_equal(v.u.set_status.account, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(v.u.set_status.status, MC_STATUS_FROZEN);
    mc_tx_free(tx);
}

/* Re-encoding a decoded transaction gives the same SignedTx bytes. */
static void test_encode_is_stable(void **state)
{
    keys *k = *state;
    mc_body b = body_of(MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(k->a), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = 1;
    uint8_t *bytes = NULL, *signed_tx = NULL, *again = NULL;
    size_t len = 0, signed_len = 0, again_len = 0;
    const mc_keypair *signers[] = {k->a};
    assert_int_equal(mc_body_encode(&b, &bytes, &len), MC_ERR_OK);
    assert_int_equal(mc_tx_sign(bytes, len, signers, 1, &signed_tx, &signed_len), MC_ERR_OK);
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(signed_tx, signed_len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_encode(tx, &again, &again_len), MC_ERR_OK);
    assert_int_equal(again_len, signed_len);
    assert_memory_equal(again, signed_tx, signed_len);
    mc_tx_free(tx);
    free(bytes);
    free(signed_tx);
    free(again);
}

/* A second signer added to a decoded transaction: both verify, the body is
 * unchanged, and a signer signing again still counts once. */
static void test_cosign(void **state)
{
    keys *k = *state;
    mc_body b = body_of(MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, mc_keypair_public(k->b), MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = "joiner";
    b.u.open_account.kind = MC_KIND_MEMBER;
    const mc_keypair *member[] = {k->b};
    mc_tx *tx = round_trip(&b, member, 1);
    uint8_t id[MC_TX_ID_BYTES];
    memcpy(id, mc_tx_id_of(tx), sizeof id);
    assert_int_equal(mc_tx_cosign(tx, k->a), MC_ERR_OK);
    assert_false(mc_tx_is_verified(tx));
    assert_int_equal(mc_tx_signer_count(tx), 2);
    assert_memory_equal(mc_tx_signer(tx, 1), mc_keypair_public(k->a), MC_PUBLIC_KEY_BYTES);
    assert_memory_equal(mc_tx_id_of(tx), id, sizeof id);
    assert_int_equal(mc_tx_cosign(tx, k->a), MC_ERR_OK);
    assert_int_equal(mc_tx_signer_count(tx), 2);
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(mc_tx_encode(tx, &bytes, &len), MC_ERR_OK);
    mc_tx *again = NULL;
    assert_int_equal(mc_tx_decode(bytes, len, &again), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(again), MC_ERR_OK);
    assert_int_equal(mc_tx_signer_count(again), 2);
    mc_tx_free(again);
    mc_tx_free(tx);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_transfer),
        cmocka_unit_test(test_view_open_account),
        cmocka_unit_test(test_view_set_limits_and_status),
        cmocka_unit_test(test_encode_is_stable),
        cmocka_unit_test(test_cosign),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
