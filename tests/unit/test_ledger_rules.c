/* Every ledger rule of mc/ledger.h, one test per error code: the offending
 * transaction gets exactly that code, is not logged (the height does not
 * move) and leaves no trace in state (the fixture's snapshot is equal
 * before and after), and every invariant still holds. Decoder refusals
 * (MALFORMED, BAD_SIGNATURE) are built by hand-encoding protobuf wire bytes,
 * since the public API only encodes well-formed bodies. Then the positive
 * paths around the rules: duplicates, joins, SYSTEM payers, lowered limits,
 * freezing, closing and mixed batches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- refusals ------------------------------------------------------------ */

/* Apply `tx` (not freed) and check it is refused with `code`, changing nothing. */
static mc_result refused_tx(mc_fixture *f, mc_tx *tx, int code, int line)
{
    mc_fixture_snapshot before = mc_fixture_snapshot_take(f);
    mc_result r;
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &r), MC_ERR_OK);
    if (r.code != code) {
        print_error("(refusal expected by line %d)\n", line);
    }
    MC_ASSERT_RESULT(r, code);
    assert_false(r.duplicate);
    assert_int_equal(r.height, 0);
    assert_memory_equal(r.tx_id, mc_tx_id_of(tx), MC_TX_ID_BYTES);
    mc_fixture_assert_unchanged(f, &before);
    /* Every refusal can be put in words. */
    char text[256];
    int n = mc_result_describe(&r, 2, "g", text, sizeof text);
    assert_true(n > 0 && (size_t)n < sizeof text);
    assert_int_equal(strlen(text), (size_t)n);
    return r;
}

/* Sign `b` with `keys`, apply, and check the refusal as above. */
static mc_result refused(mc_fixture *f, const mc_body *b, const mc_keypair *const *keys, size_t n,
                         int code, int line)
{
    mc_tx *tx = mc_fixture_sign(f, b, keys, n);
    mc_result r = refused_tx(f, tx, code, line);
    mc_tx_free(tx);
    return r;
}

#define EXPECT_REFUSED(f, body, keys, n, code) refused((f), (body), (keys), (n), (code), __LINE__)
#define EXPECT_REFUSED_TX(f, tx, code) refused_tx((f), (tx), (code), __LINE__)

static const mc_keypair *const *stewards_of(mc_fixture *f)
{
    return (const mc_keypair *const *)f->stewards;
}

/* ---- bodies --------------------------------------------------------------- */

static mc_body transfer_body(mc_fixture *f, const uint8_t payer[MC_PUBLIC_KEY_BYTES],
                             const uint8_t payee[MC_PUBLIC_KEY_BYTES], int64_t amount)
{
    mc_body b = mc_fixture_body(f, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, payer, MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, payee, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    return b;
}

static mc_body pay_body(mc_fixture *f, const mc_keypair *payer, const mc_keypair *payee,
                        int64_t amount)
{
    return transfer_body(f, mc_keypair_public(payer), mc_keypair_public(payee), amount);
}

static mc_body open_body(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES], const char *handle,
                         int kind)
{
    mc_body b = mc_fixture_body(f, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, key, MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = (mc_account_kind)kind;
    return b;
}

static mc_body limits_body(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES], int64_t min,
                           int64_t max)
{
    mc_body b = mc_fixture_body(f, MC_TX_SET_LIMITS);
    memcpy(b.u.set_limits.account, key, MC_PUBLIC_KEY_BYTES);
    b.u.set_limits.limits.min_balance = min;
    b.u.set_limits.limits.max_balance = max;
    return b;
}

static mc_body status_body(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES], int status)
{
    mc_body b = mc_fixture_body(f, MC_TX_SET_STATUS);
    memcpy(b.u.set_status.account, key, MC_PUBLIC_KEY_BYTES);
    b.u.set_status.status = (mc_account_status)status;
    return b;
}

static void set_status(mc_fixture *f, const mc_keypair *who, int status)
{
    mc_body b = status_body(f, mc_keypair_public(who), status);
    MC_ASSERT_APPLIED_BY(f, &b, stewards_of(f), f->quorum);
}

static mc_keypair *new_key(void)
{
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    return kp;
}

static mc_account account_of(mc_fixture *f, const mc_keypair *kp)
{
    mc_account a;
    assert_int_equal(mc_ledger_get_account(f->ledger, mc_keypair_public(kp), &a), MC_ERR_OK);
    return a;
}

/* ---- hand-made protobuf wire bytes ------------------------------------------ */

typedef struct pbuf {
    uint8_t data[8192];
    size_t len;
} pbuf;

static void pb_raw(pbuf *b, const uint8_t *p, size_t n)
{
    assert_true(n <= sizeof b->data - b->len);
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
}

static void pb_varint(pbuf *b, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v != 0) {
            byte |= 0x80;
        }
        pb_raw(b, &byte, 1);
    } while (v != 0);
}

static void pb_uint(pbuf *b, unsigned field, uint64_t v)
{
    pb_varint(b, (uint64_t)field << 3);
    pb_varint(b, v);
}

static void pb_bytes(pbuf *b, unsigned field, const uint8_t *p, size_t n)
{
    pb_varint(b, (uint64_t)field << 3 | 2u);
    pb_varint(b, n);
    pb_raw(b, p, n);
}

/* A TxBody { ledger_id, nonce, transfer { payer (payer_len bytes), payee,
 * amount, request_id } } in field order, as protobuf-c writes it. */
static void hand_transfer(pbuf *out, const uint8_t *ledger_id, uint64_t nonce, const uint8_t *payer,
                          size_t payer_len, const uint8_t *payee, int64_t amount,
                          const uint8_t *request_id, size_t request_len)
{
    pbuf t = {.len = 0};
    pb_bytes(&t, 1, payer, payer_len);
    pb_bytes(&t, 2, payee, MC_PUBLIC_KEY_BYTES);
    pb_uint(&t, 3, (uint64_t)amount);
    if (request_len > 0) {
        pb_bytes(&t, 5, request_id, request_len);
    }
    out->len = 0;
    pb_bytes(out, 1, ledger_id, MC_LEDGER_ID_BYTES);
    pb_uint(out, 2, nonce);
    pb_bytes(out, 11, t.data, t.len);
}

/* Append a Signature { public_key, signature } (sizes as given) to a SignedTx. */
static void hand_sig(pbuf *st, const uint8_t *key, size_t key_len, const uint8_t *sig,
                     size_t sig_len)
{
    pbuf s = {.len = 0};
    pb_bytes(&s, 1, key, key_len);
    pb_bytes(&s, 2, sig, sig_len);
    pb_bytes(st, 2, s.data, s.len);
}

static void hand_signed(pbuf *out, const uint8_t *body, size_t body_len)
{
    out->len = 0;
    pb_bytes(out, 1, body, body_len);
}

static int decode_code(const pbuf *b)
{
    mc_tx *tx = NULL;
    int rc = mc_tx_decode(b->data, b->len, &tx);
    if (rc == MC_ERR_OK) {
        assert_non_null(tx);
    }
    mc_tx_free(tx);
    return rc;
}

/* ---- fixtures -------------------------------------------------------------- */

typedef struct world {
    mc_fixture f;
    mc_keypair *alice, *bob;
} world;

static int world_setup(void **state, size_t stewards, unsigned quorum)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mc_fixture_setup(&w->f, stewards, quorum, NULL);
    w->alice = mc_fixture_open(&w->f, "alice", MC_KIND_MEMBER, NULL);
    w->bob = mc_fixture_open(&w->f, "bob", MC_KIND_MEMBER, NULL);
    *state = w;
    return 0;
}

static int setup(void **state)
{
    return world_setup(state, 1, 1);
}

static int setup_3_of_2(void **state)
{
    return world_setup(state, 3, 2);
}

static int teardown(void **state)
{
    world *w = *state;
    mc_keypair_free(w->alice);
    mc_keypair_free(w->bob);
    mc_fixture_teardown(&w->f);
    free(w);
    return 0;
}

/* ---- MALFORMED, BAD_SIGNATURE, NOT_VERIFIED -------------------------------- */

static void test_malformed_garbage(void **state)
{
    world *w = *state;
    mc_fixture_snapshot before = mc_fixture_snapshot_take(&w->f);
    static const uint8_t truncated[] = {0x0a, 0x7f, 0x01};
    static const uint8_t bad_wire_type[] = {0x0f, 0x01};
    static const uint8_t endless_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                             0xff, 0xff, 0xff, 0xff, 0xff};
    const struct {
        const uint8_t *p;
        size_t n;
    } cases[] = {{truncated, sizeof truncated},
                 {bad_wire_type, sizeof bad_wire_type},
                 {endless_varint, sizeof endless_varint},
                 {(const uint8_t *)"", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_tx *tx = NULL;
        assert_int_equal(mc_tx_decode(cases[i].p, cases[i].n, &tx), MC_ERR_MALFORMED);
        assert_null(tx);
    }
    /* More than MC_TX_BYTES_MAX bytes. */
    uint8_t *big = calloc(1, MC_TX_BYTES_MAX + 1);
    assert_non_null(big);
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(big, MC_TX_BYTES_MAX + 1, &tx), MC_ERR_MALFORMED);
    free(big);
    mc_fixture_assert_unchanged(&w->f, &before);
}

static void test_malformed_body_not_a_tx_body(void **state)
{
    world *w = *state;
    mc_fixture_snapshot before = mc_fixture_snapshot_take(&w->f);
    pbuf st;
    /* A body that is not protobuf at all. */
    static const uint8_t junk[] = {0x0a, 0x7f, 0x01};
    hand_signed(&st, junk, sizeof junk);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);
    /* A body that is another message (a Signature). */
    pbuf sigmsg = {.len = 0};
    uint8_t key[MC_PUBLIC_KEY_BYTES] = {1}, sig[MC_SIGNATURE_BYTES] = {2};
    pb_bytes(&sigmsg, 1, key, sizeof key);
    pb_bytes(&sigmsg, 2, sig, sizeof sig);
    hand_signed(&st, sigmsg.data, sigmsg.len);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);
    /* An empty body. */
    hand_signed(&st, NULL, 0);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);
    /* mc_tx_sign refuses to sign what does not decode. */
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(mc_tx_sign(junk, sizeof junk, NULL, 0, &out, &out_len), MC_ERR_MALFORMED);
    assert_null(out);
    mc_fixture_assert_unchanged(&w->f, &before);
}

static void test_malformed_short_keys_and_no_kind(void **state)
{
    world *w = *state;
    mc_fixture_snapshot before = mc_fixture_snapshot_take(&w->f);
    const uint8_t *alice = mc_keypair_public(w->alice), *bob = mc_keypair_public(w->bob);
    pbuf body, st;

    /* Sanity: the hand encoder writes what mc_body_encode writes. */
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    assert_int_equal(mc_body_encode(&b, &enc, &enc_len), MC_ERR_OK);
    hand_transfer(&body, w->f.ledger_id, b.nonce, alice, 32, bob, 500, NULL, 0);
    assert_int_equal(body.len, enc_len);
    assert_memory_equal(body.data, enc, enc_len);
    free(enc);
    hand_signed(&st, body.data, body.len);
    assert_int_equal(decode_code(&st), MC_ERR_OK);

    /* A 31-byte payer; a 33-byte payer. */
    hand_transfer(&body, w->f.ledger_id, 7, alice, 31, bob, 500, NULL, 0);
    hand_signed(&st, body.data, body.len);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);
    uint8_t *out = NULL;
    size_t out_len = 0;
    assert_int_equal(
        mc_tx_sign(body.data, body.len, (const mc_keypair *const *)&w->alice, 1, &out, &out_len),
        MC_ERR_MALFORMED);
    uint8_t long_key[33] = {0};
    hand_transfer(&body, w->f.ledger_id, 7, long_key, 33, bob, 500, NULL, 0);
    hand_signed(&st, body.data, body.len);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);

    /* No kind: ledger_id and nonce only. */
    body.len = 0;
    pb_bytes(&body, 1, w->f.ledger_id, MC_LEDGER_ID_BYTES);
    pb_uint(&body, 2, 9);
    hand_signed(&st, body.data, body.len);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);

    /* A 31-byte ledger id. */
    body.len = 0;
    pb_bytes(&body, 1, w->f.ledger_id, MC_LEDGER_ID_BYTES - 1);
    pb_uint(&body, 2, 9);
    hand_signed(&st, body.data, body.len);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);

    /* SetLimits without limits. */
    pbuf sl = {.len = 0};
    pb_bytes(&sl, 1, alice, MC_PUBLIC_KEY_BYTES);
    body.len = 0;
    pb_bytes(&body, 1, w->f.ledger_id, MC_LEDGER_ID_BYTES);
    pb_uint(&body, 2, 9);
    pb_bytes(&body, 12, sl.data, sl.len);
    hand_signed(&st, body.data, body.len);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);
    mc_fixture_assert_unchanged(&w->f, &before);
}

static void test_malformed_signatures(void **state)
{
    world *w = *state;
    mc_fixture_snapshot before = mc_fixture_snapshot_take(&w->f);
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    uint8_t *body = NULL;
    size_t body_len = 0;
    assert_int_equal(mc_body_encode(&b, &body, &body_len), MC_ERR_OK);

    enum { KEYS = MC_TX_SIGS_MAX + 1 };
    mc_keypair *keys[KEYS];
    uint8_t sigs[KEYS][MC_SIGNATURE_BYTES];
    for (size_t i = 0; i < KEYS; i++) {
        keys[i] = new_key();
        mc_sign_tx(keys[i], w->f.ledger_id, body, body_len, sigs[i]);
    }
    pbuf st;
    /* 16 distinct signatures decode and verify; 17 are refused. */
    hand_signed(&st, body, body_len);
    for (size_t i = 0; i < MC_TX_SIGS_MAX; i++) {
        hand_sig(&st, mc_keypair_public(keys[i]), 32, sigs[i], 64);
    }
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(st.data, st.len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    mc_tx_free(tx);
    hand_sig(&st, mc_keypair_public(keys[MC_TX_SIGS_MAX]), 32, sigs[MC_TX_SIGS_MAX], 64);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);

    /* One key signing twice: the same signature repeated counts once;
     * another signature under the same key is refused. */
    hand_signed(&st, body, body_len);
    hand_sig(&st, mc_keypair_public(keys[0]), 32, sigs[0], 64);
    hand_sig(&st, mc_keypair_public(keys[0]), 32, sigs[0], 64);
    assert_int_equal(mc_tx_decode(st.data, st.len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_signer_count(tx), 1);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    mc_tx_free(tx);
    hand_signed(&st, body, body_len);
    hand_sig(&st, mc_keypair_public(keys[0]), 32, sigs[0], 64);
    hand_sig(&st, mc_keypair_public(keys[0]), 32, sigs[1], 64);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);

    /* A 63-byte signature, a 65-byte one, a 31-byte key. */
    uint8_t long_sig[65] = {0};
    memcpy(long_sig, sigs[0], 64);
    const size_t sig_lens[] = {63, 65, 0};
    for (size_t i = 0; i < sizeof sig_lens / sizeof sig_lens[0]; i++) {
        hand_signed(&st, body, body_len);
        hand_sig(&st, mc_keypair_public(keys[0]), 32, long_sig, sig_lens[i]);
        assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);
    }
    hand_signed(&st, body, body_len);
    hand_sig(&st, mc_keypair_public(keys[0]), 31, sigs[0], 64);
    assert_int_equal(decode_code(&st), MC_ERR_MALFORMED);

    for (size_t i = 0; i < KEYS; i++) {
        mc_keypair_free(keys[i]);
    }
    free(body);
    mc_fixture_assert_unchanged(&w->f, &before);
}

/* Encode and sign a transfer alice -> bob: SignedTx bytes and where the body sits. */
static uint8_t *signed_transfer(world *w, size_t *len, size_t *body_offset)
{
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    uint8_t *body = NULL, *st = NULL;
    size_t body_len = 0;
    assert_int_equal(mc_body_encode(&b, &body, &body_len), MC_ERR_OK);
    assert_int_equal(mc_tx_sign(body, body_len, (const mc_keypair *const *)&w->alice, 1, &st, len),
                     MC_ERR_OK);
    *body_offset = SIZE_MAX;
    for (size_t i = 0; i + body_len <= *len; i++) {
        if (memcmp(st + i, body, body_len) == 0) {
            *body_offset = i;
            break;
        }
    }
    assert_true(*body_offset != SIZE_MAX);
    free(body);
    return st;
}

static void test_bad_signature(void **state)
{
    world *w = *state;
    mc_fixture_snapshot before = mc_fixture_snapshot_take(&w->f);
    size_t len = 0, body_offset = 0;
    uint8_t *st = signed_transfer(w, &len, &body_offset);
    mc_tx *tx = NULL;

    /* Untouched: verifies. */
    assert_int_equal(mc_tx_decode(st, len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    assert_true(mc_tx_is_verified(tx));
    mc_tx_free(tx);

    /* A flipped signature byte: the signature is the SignedTx's last field. */
    st[len - 1] ^= 0x01;
    assert_int_equal(mc_tx_decode(st, len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_BAD_SIGNATURE);
    assert_false(mc_tx_is_verified(tx));
    EXPECT_REFUSED_TX(&w->f, tx, MC_ERR_NOT_VERIFIED);
    mc_tx_free(tx);
    st[len - 1] ^= 0x01;

    /* A flipped body byte, inside the ledger id (the body still decodes). */
    st[body_offset + 2 + 5] ^= 0x80;
    assert_int_equal(mc_tx_decode(st, len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_BAD_SIGNATURE);
    assert_false(mc_tx_is_verified(tx));
    EXPECT_REFUSED_TX(&w->f, tx, MC_ERR_NOT_VERIFIED);
    mc_tx_free(tx);
    st[body_offset + 2 + 5] ^= 0x80;

    /* A flipped byte of the payer key inside the body. */
    st[body_offset + 34 + 2 + 2 + 3] ^= 0x01; /* ledger_id field, nonce field, transfer tags */
    assert_int_equal(mc_tx_decode(st, len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_BAD_SIGNATURE);
    mc_tx_free(tx);

    free(st);
    mc_fixture_assert_unchanged(&w->f, &before);
}

static void test_not_verified(void **state)
{
    world *w = *state;
    size_t len = 0, body_offset = 0;
    uint8_t *st = signed_transfer(w, &len, &body_offset);
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(st, len, &tx), MC_ERR_OK);
    assert_false(mc_tx_is_verified(tx));
    EXPECT_REFUSED_TX(&w->f, tx, MC_ERR_NOT_VERIFIED);
    /* Once verified, the very same tx applies. */
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    mc_result r;
    assert_int_equal(mc_ledger_apply(w->f.ledger, tx, w->f.now, &r), MC_ERR_OK);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    mc_tx_free(tx);
    free(st);
    mc_fixture_assert_invariants(&w->f);
}

/* ---- rules common to every kind ----------------------------------------------- */

static void test_wrong_ledger(void **state)
{
    world *w = *state;
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    b.ledger_id[0] ^= 0xff;
    EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_WRONG_LEDGER);
    b = open_body(&w->f, mc_keypair_public(w->alice), "carol", MC_KIND_MEMBER);
    b.ledger_id[31] ^= 0x01;
    EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_WRONG_LEDGER);
}

static void test_expired(void **state)
{
    world *w = *state;
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    b.not_after = w->f.now - 1;
    EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_EXPIRED);
    b = status_body(&w->f, mc_keypair_public(w->bob), MC_STATUS_FROZEN);
    b.not_after = 1;
    EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_EXPIRED);
    /* not_after == now is still in time. */
    b = pay_body(&w->f, w->alice, w->bob, 500);
    b.not_after = w->f.now;
    MC_ASSERT_APPLIED_BY(&w->f, &b, (const mc_keypair *const *)&w->alice, 1);
    mc_fixture_assert_invariants(&w->f);
}

/* ---- Transfer ------------------------------------------------------------------ */

static void test_unknown_payer(void **state)
{
    world *w = *state;
    mc_keypair *stranger = new_key();
    mc_body b = pay_body(&w->f, stranger, w->bob, 500);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&stranger, 1, MC_ERR_UNKNOWN_PAYER);
    assert_true(r.has_account);
    assert_memory_equal(r.account, mc_keypair_public(stranger), MC_PUBLIC_KEY_BYTES);
    mc_keypair_free(stranger);
}

static void test_unknown_payee(void **state)
{
    world *w = *state;
    mc_keypair *stranger = new_key();
    mc_body b = pay_body(&w->f, w->alice, stranger, 500);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_UNKNOWN_PAYEE);
    assert_true(r.has_account);
    assert_memory_equal(r.account, mc_keypair_public(stranger), MC_PUBLIC_KEY_BYTES);
    mc_keypair_free(stranger);
}

static void test_self_transfer(void **state)
{
    world *w = *state;
    mc_body b = pay_body(&w->f, w->alice, w->alice, 500);
    EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_SELF_TRANSFER);
}

static void test_amount_not_positive(void **state)
{
    world *w = *state;
    const int64_t amounts[] = {0, -1, -500, INT64_MIN};
    for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
        mc_body b = pay_body(&w->f, w->alice, w->bob, amounts[i]);
        mc_result r = EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1,
                                     MC_ERR_AMOUNT_NOT_POSITIVE);
        assert_int_equal(r.amount, amounts[i]);
    }
}

static void test_amount_overflow(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *sys = mc_fixture_open(f, "system", MC_KIND_SYSTEM, NULL);
    mc_limits unlimited_up = {-30000, INT64_MAX};
    mc_keypair *rich = mc_fixture_open(f, "rich", MC_KIND_MEMBER, &unlimited_up);
    mc_account a = account_of(f, sys);
    assert_int_equal(a.limits.min_balance, INT64_MIN);
    assert_int_equal(a.limits.max_balance, INT64_MAX);

    mc_body b = pay_body(f, sys, rich, INT64_MAX);
    MC_ASSERT_APPLIED_BY(f, &b, stewards_of(f), f->quorum);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(rich)), INT64_MAX);

    /* The payee's balance would overflow. */
    b = pay_body(f, sys, rich, 1);
    mc_result r = EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_AMOUNT_OVERFLOW);
    assert_memory_equal(r.account, mc_keypair_public(rich), MC_PUBLIC_KEY_BYTES);
    /* Take the SYSTEM account to INT64_MIN exactly, then one more unit. */
    b = pay_body(f, sys, w->alice, 1);
    MC_ASSERT_APPLIED_BY(f, &b, stewards_of(f), f->quorum);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(sys)), INT64_MIN);
    b = pay_body(f, sys, w->alice, 1);
    r = EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_AMOUNT_OVERFLOW);
    assert_memory_equal(r.account, mc_keypair_public(sys), MC_PUBLIC_KEY_BYTES);
    /* A member paying INT64_MAX hits its credit limit, not an overflow. */
    b = pay_body(f, w->bob, sys, INT64_MAX);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->bob, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    mc_fixture_assert_invariants(f);
    mc_keypair_free(sys);
    mc_keypair_free(rich);
}

static void test_memo_too_long(void **state)
{
    world *w = *state;
    char memo[MC_MEMO_LEN_MAX + 2];
    memset(memo, 'm', sizeof memo - 1);
    memo[sizeof memo - 1] = '\0'; /* 141 bytes */
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    b.u.transfer.memo = (const uint8_t *)memo;
    b.u.transfer.memo_len = strlen(memo);
    EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_MEMO_TOO_LONG);
    /* 140 bytes, and 140 bytes of multi-byte UTF-8, are accepted. */
    b = pay_body(&w->f, w->alice, w->bob, 500);
    b.u.transfer.memo = (const uint8_t *)memo;
    b.u.transfer.memo_len = MC_MEMO_LEN_MAX;
    MC_ASSERT_APPLIED_BY(&w->f, &b, (const mc_keypair *const *)&w->alice, 1);
    char euros[MC_MEMO_LEN_MAX + 1] = "";
    for (size_t i = 0; i < 46; i++) {
        strcat(euros, "\xe2\x82\xac"); /* 138 bytes */
    }
    strcat(euros, "ab");
    assert_int_equal(strlen(euros), MC_MEMO_LEN_MAX);
    MC_ASSERT_RESULT(mc_fixture_pay(&w->f, w->alice, mc_keypair_public(w->bob), 1, euros),
                     MC_ERR_OK);
    mc_fixture_assert_invariants(&w->f);
}

static void test_memo_not_utf8(void **state)
{
    world *w = *state;
    const char *const bad[] = {"\xff", "caf\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
        b.u.transfer.memo = (const uint8_t *)bad[i];
        b.u.transfer.memo_len = strlen(bad[i]);
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_MEMO_NOT_UTF8);
    }
    /* An embedded NUL is refused too. */
    static const uint8_t nul[] = {'a', 0, 'b'};
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    b.u.transfer.memo = nul;
    b.u.transfer.memo_len = sizeof nul;
    EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_MEMO_NOT_UTF8);
    MC_ASSERT_RESULT(mc_fixture_pay(&w->f, w->alice, mc_keypair_public(w->bob), 1, "caf\xc3\xa9"),
                     MC_ERR_OK);
}

/* mc_body has no request_id: the TxBody is hand-encoded, then signed and
 * decoded through the public API. */
static void test_unknown_request(void **state)
{
    world *w = *state;
    pbuf body;
    static const uint8_t request[16] = {0xaa, 0xbb};
    hand_transfer(&body, w->f.ledger_id, 4242, mc_keypair_public(w->alice), 32,
                  mc_keypair_public(w->bob), 500, request, sizeof request);
    uint8_t *st = NULL;
    size_t st_len = 0;
    assert_int_equal(
        mc_tx_sign(body.data, body.len, (const mc_keypair *const *)&w->alice, 1, &st, &st_len),
        MC_ERR_OK);
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(st, st_len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    EXPECT_REFUSED_TX(&w->f, tx, MC_ERR_UNKNOWN_REQUEST);
    mc_tx_free(tx);
    free(st);
}

static void test_payer_frozen(void **state)
{
    world *w = *state;
    set_status(&w->f, w->alice, MC_STATUS_FROZEN);
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_PAYER_FROZEN);
    assert_string_equal(r.handle, "alice");
}

static void test_payer_closed(void **state)
{
    world *w = *state;
    set_status(&w->f, w->alice, MC_STATUS_CLOSED);
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_PAYER_CLOSED);
    assert_string_equal(r.handle, "alice");
}

static void test_payee_frozen(void **state)
{
    world *w = *state;
    set_status(&w->f, w->bob, MC_STATUS_FROZEN);
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_PAYEE_FROZEN);
    assert_string_equal(r.handle, "bob");
}

static void test_payee_closed(void **state)
{
    world *w = *state;
    set_status(&w->f, w->bob, MC_STATUS_CLOSED);
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_PAYEE_CLOSED);
    assert_string_equal(r.handle, "bob");
}

static void describe(mc_fixture *f, const mc_result *r, char *buf, size_t len)
{
    mc_ledger_info info;
    assert_int_equal(mc_ledger_get_info(f->ledger, &info), MC_ERR_OK);
    int n = mc_result_describe(r, info.decimals, info.unit_symbol, buf, len);
    assert_true(n > 0 && (size_t)n < len);
}

static void test_exceeds_credit_limit(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const mc_keypair *const *alice = (const mc_keypair *const *)&w->alice;
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->alice, mc_keypair_public(w->bob), 1250, NULL), MC_ERR_OK);
    mc_body b = pay_body(f, w->alice, w->bob, 30000);
    mc_result r = EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    assert_true(r.has_account);
    assert_memory_equal(r.account, mc_keypair_public(w->alice), MC_PUBLIC_KEY_BYTES);
    assert_string_equal(r.handle, "alice");
    assert_int_equal(r.amount, 30000);
    assert_int_equal(r.balance, -1250);
    assert_int_equal(r.limit, -30000);
    char text[256];
    describe(f, &r, text, sizeof text);
    assert_string_equal(text, "paying 300.00 g would take alice to -312.50 g, below the credit "
                              "limit of -300.00 g");
    /* Exactly at the limit is accepted; one minor unit past is refused. */
    b = pay_body(f, w->alice, w->bob, 30000 - 1250);
    MC_ASSERT_APPLIED_BY(f, &b, alice, 1);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(w->alice)), -30000);
    b = pay_body(f, w->alice, w->bob, 1);
    r = EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    describe(f, &r, text, sizeof text);
    assert_string_equal(text, "paying 0.01 g would take alice to -300.01 g, below the credit "
                              "limit of -300.00 g");
}

static void test_exceeds_ceiling(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_limits small = {-100, 1000};
    mc_keypair *carol = mc_fixture_open(f, "carol", MC_KIND_MEMBER, &small);
    const mc_keypair *const *alice = (const mc_keypair *const *)&w->alice;
    mc_body b = pay_body(f, w->alice, carol, 1000);
    MC_ASSERT_APPLIED_BY(f, &b, alice, 1);
    b = pay_body(f, w->alice, carol, 1);
    mc_result r = EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_EXCEEDS_CEILING);
    assert_string_equal(r.handle, "carol");
    assert_int_equal(r.balance, 1000);
    assert_int_equal(r.limit, 1000);
    assert_int_equal(r.amount, 1);
    char text[256];
    describe(f, &r, text, sizeof text);
    assert_string_equal(
        text, "receiving 0.01 g would take carol to 10.01 g, above the ceiling of 10.00 g");
    mc_keypair_free(carol);
}

/* ---- OpenAccount ------------------------------------------------------------------ */

static void test_account_exists(void **state)
{
    world *w = *state;
    mc_body b = open_body(&w->f, mc_keypair_public(w->alice), "alice2", MC_KIND_MEMBER);
    mc_result r = EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_ACCOUNT_EXISTS);
    assert_string_equal(r.handle, "alice");
}

static void test_handle_taken(void **state)
{
    world *w = *state;
    mc_keypair *kp = new_key();
    mc_body b = open_body(&w->f, mc_keypair_public(kp), "alice", MC_KIND_MEMBER);
    mc_result r = EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_HANDLE_TAKEN);
    assert_true(r.has_account);
    assert_memory_equal(r.account, mc_keypair_public(w->alice), MC_PUBLIC_KEY_BYTES);
    mc_keypair_free(kp);
}

static void test_handle_invalid(void **state)
{
    world *w = *state;
    mc_keypair *kp = new_key();
    const char *const bad[] = {"",       "a",      "Alice",
                               "al ice", "al/ice", "\xc3\xa9t\xc3\xa9",
                               "a+",     "ali:ce", "abcdefghijklmnopqrstuvwxyz0123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_body b = open_body(&w->f, mc_keypair_public(kp), bad[i], MC_KIND_MEMBER);
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_HANDLE_INVALID);
    }
    /* The edges that are valid. */
    const char *const good[] = {"ab", "a.b-c_9", "abcdefghijklmnopqrstuvwxyz012345"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        mc_keypair *k = new_key();
        mc_body b = open_body(&w->f, mc_keypair_public(k), good[i], MC_KIND_MEMBER);
        MC_ASSERT_APPLIED_BY(&w->f, &b, stewards_of(&w->f), w->f.quorum);
        mc_keypair_free(k);
    }
    mc_keypair_free(kp);
    mc_fixture_assert_invariants(&w->f);
}

static void test_kind_invalid(void **state)
{
    world *w = *state;
    mc_keypair *kp = new_key();
    const int kinds[] = {0, 5, 9};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        mc_body b = open_body(&w->f, mc_keypair_public(kp), "carol", kinds[i]);
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_KIND_INVALID);
        b = open_body(&w->f, mc_keypair_public(kp), "carol", kinds[i]);
        b.u.open_account.has_limits = true;
        b.u.open_account.limits = (mc_limits){-10, 10};
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_KIND_INVALID);
    }
    mc_keypair_free(kp);
}

static void test_not_a_steward(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *kp = new_key();
    /* A steward and a stranger. */
    const mc_keypair *keys[] = {f->stewards[0], w->bob};
    mc_body b = open_body(f, mc_keypair_public(kp), "carol", MC_KIND_MEMBER);
    mc_result r = EXPECT_REFUSED(f, &b, keys, 2, MC_ERR_NOT_A_STEWARD);
    assert_memory_equal(r.account, mc_keypair_public(w->bob), MC_PUBLIC_KEY_BYTES);
    /* A member alone. */
    b = limits_body(f, mc_keypair_public(w->alice), -100, 100);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_NOT_A_STEWARD);
    b = status_body(f, mc_keypair_public(w->alice), MC_STATUS_FROZEN);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_NOT_A_STEWARD);
    /* The account's own key with a steward, on SetStatus: not allowed. */
    const mc_keypair *own[] = {f->stewards[0], w->alice};
    b = status_body(f, mc_keypair_public(w->alice), MC_STATUS_FROZEN);
    EXPECT_REFUSED(f, &b, own, 2, MC_ERR_NOT_A_STEWARD);
    mc_keypair_free(kp);
}

static void test_quorum_not_met(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    assert_int_equal(f->quorum, 2);
    mc_keypair *kp = new_key();
    const mc_keypair *const *one = stewards_of(f);
    mc_body b = open_body(f, mc_keypair_public(kp), "carol", MC_KIND_MEMBER);
    mc_result r = EXPECT_REFUSED(f, &b, one, 1, MC_ERR_QUORUM_NOT_MET);
    char text[256];
    describe(f, &r, text, sizeof text);
    assert_string_equal(text, "1 of the 2 steward signatures needed");
    /* The new key co-signing does not count toward the quorum. */
    const mc_keypair *with_new[] = {f->stewards[1], kp};
    b = open_body(f, mc_keypair_public(kp), "carol", MC_KIND_MEMBER);
    EXPECT_REFUSED(f, &b, with_new, 2, MC_ERR_QUORUM_NOT_MET);
    /* No signature at all. */
    b = open_body(f, mc_keypair_public(kp), "carol", MC_KIND_MEMBER);
    EXPECT_REFUSED(f, &b, NULL, 0, MC_ERR_QUORUM_NOT_MET);
    b = limits_body(f, mc_keypair_public(w->alice), -100, 100);
    EXPECT_REFUSED(f, &b, one, 1, MC_ERR_QUORUM_NOT_MET);
    b = status_body(f, mc_keypair_public(w->alice), MC_STATUS_FROZEN);
    EXPECT_REFUSED(f, &b, one + 2, 1, MC_ERR_QUORUM_NOT_MET);
    /* Any two of the three stewards will do. */
    const mc_keypair *two[] = {f->stewards[2], f->stewards[0]};
    b = open_body(f, mc_keypair_public(kp), "carol", MC_KIND_MEMBER);
    MC_ASSERT_APPLIED_BY(f, &b, two, 2);
    mc_keypair_free(kp);
    mc_fixture_assert_invariants(f);
}

static void test_limits_invalid(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *kp = new_key();
    const mc_limits bad[] = {{1, 100}, {-100, -1}, {INT64_MAX, INT64_MAX}, {INT64_MIN, INT64_MIN}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_body b = open_body(f, mc_keypair_public(kp), "carol", MC_KIND_MEMBER);
        b.u.open_account.has_limits = true;
        b.u.open_account.limits = bad[i];
        mc_result r = EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_LIMITS_INVALID);
        assert_int_equal(r.amount, bad[i].min_balance);
        assert_int_equal(r.limit, bad[i].max_balance);
        b = limits_body(f, mc_keypair_public(w->alice), bad[i].min_balance, bad[i].max_balance);
        EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_LIMITS_INVALID);
    }
    /* 0..0 is valid. */
    mc_body b = limits_body(f, mc_keypair_public(w->alice), 0, 0);
    MC_ASSERT_APPLIED_BY(f, &b, stewards_of(f), f->quorum);
    mc_keypair_free(kp);
    mc_fixture_assert_invariants(f);
}

/* ---- SetLimits, SetStatus ------------------------------------------------------------ */

static void test_close_nonzero_balance(void **state)
{
    world *w = *state;
    MC_ASSERT_RESULT(mc_fixture_pay(&w->f, w->alice, mc_keypair_public(w->bob), 100, NULL),
                     MC_ERR_OK);
    mc_body b = status_body(&w->f, mc_keypair_public(w->alice), MC_STATUS_CLOSED);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_CLOSE_NONZERO_BALANCE);
    assert_int_equal(r.balance, -100);
    char text[256];
    describe(&w->f, &r, text, sizeof text);
    assert_string_equal(text, "alice cannot close with a balance of -1.00 g");
    b = status_body(&w->f, mc_keypair_public(w->bob), MC_STATUS_CLOSED);
    EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_CLOSE_NONZERO_BALANCE);
    /* A frozen account with a balance cannot close either. */
    set_status(&w->f, w->bob, MC_STATUS_FROZEN);
    b = status_body(&w->f, mc_keypair_public(w->bob), MC_STATUS_CLOSED);
    EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_CLOSE_NONZERO_BALANCE);
}

static void test_unknown_account(void **state)
{
    world *w = *state;
    mc_keypair *kp = new_key();
    mc_body b = limits_body(&w->f, mc_keypair_public(kp), -100, 100);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_UNKNOWN_ACCOUNT);
    assert_memory_equal(r.account, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b = status_body(&w->f, mc_keypair_public(kp), MC_STATUS_FROZEN);
    EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_UNKNOWN_ACCOUNT);
    mc_keypair_free(kp);
}

static void test_missing_signature(void **state)
{
    world *w = *state;
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    /* Signed by the payee instead. */
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, (const mc_keypair *const *)&w->bob, 1, MC_ERR_MISSING_SIGNATURE);
    assert_string_equal(r.handle, "alice");
    /* Signed by a steward. */
    EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_MISSING_SIGNATURE);
    /* Not signed at all. */
    EXPECT_REFUSED(&w->f, &b, NULL, 0, MC_ERR_MISSING_SIGNATURE);
}

static void test_unexpected_signer(void **state)
{
    world *w = *state;
    mc_body b = pay_body(&w->f, w->alice, w->bob, 500);
    const mc_keypair *payer_first[] = {w->alice, w->bob};
    mc_result r = EXPECT_REFUSED(&w->f, &b, payer_first, 2, MC_ERR_UNEXPECTED_SIGNER);
    assert_memory_equal(r.account, mc_keypair_public(w->bob), MC_PUBLIC_KEY_BYTES);
    const mc_keypair *payer_last[] = {w->f.stewards[0], w->alice};
    r = EXPECT_REFUSED(&w->f, &b, payer_last, 2, MC_ERR_UNEXPECTED_SIGNER);
    assert_memory_equal(r.account, mc_keypair_public(w->f.stewards[0]), MC_PUBLIC_KEY_BYTES);
}

static void test_account_closed(void **state)
{
    world *w = *state;
    set_status(&w->f, w->alice, MC_STATUS_CLOSED);
    mc_body b = limits_body(&w->f, mc_keypair_public(w->alice), -100, 100);
    mc_result r = EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_ACCOUNT_CLOSED);
    assert_string_equal(r.handle, "alice");
    /* A closed account stays closed: no SetStatus applies to it. */
    const int statuses[] = {MC_STATUS_ACTIVE, MC_STATUS_FROZEN, MC_STATUS_CLOSED};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        b = status_body(&w->f, mc_keypair_public(w->alice), statuses[i]);
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_ACCOUNT_CLOSED);
    }
}

static void test_status_unchanged(void **state)
{
    world *w = *state;
    mc_body b = status_body(&w->f, mc_keypair_public(w->alice), MC_STATUS_ACTIVE);
    mc_result r =
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_STATUS_UNCHANGED);
    assert_string_equal(r.handle, "alice");
    set_status(&w->f, w->alice, MC_STATUS_FROZEN);
    b = status_body(&w->f, mc_keypair_public(w->alice), MC_STATUS_FROZEN);
    EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_STATUS_UNCHANGED);
}

static void test_status_invalid(void **state)
{
    world *w = *state;
    const int statuses[] = {0, 4, 9};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        mc_body b = status_body(&w->f, mc_keypair_public(w->alice), statuses[i]);
        EXPECT_REFUSED(&w->f, &b, stewards_of(&w->f), w->f.quorum, MC_ERR_STATUS_INVALID);
    }
}

/* ---- the order of the rules ------------------------------------------------------------ */

static void test_rule_order_common_and_transfer(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const mc_keypair *const *alice = (const mc_keypair *const *)&w->alice;
    mc_keypair *stranger = new_key(), *other = new_key();

    /* NOT_VERIFIED before WRONG_LEDGER before EXPIRED. */
    mc_body b = pay_body(f, w->alice, w->bob, 500);
    b.ledger_id[0] ^= 1;
    b.not_after = 1;
    uint8_t *body = NULL, *st = NULL;
    size_t body_len = 0, st_len = 0;
    assert_int_equal(mc_body_encode(&b, &body, &body_len), MC_ERR_OK);
    assert_int_equal(mc_tx_sign(body, body_len, alice, 1, &st, &st_len), MC_ERR_OK);
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(st, st_len, &tx), MC_ERR_OK);
    EXPECT_REFUSED_TX(f, tx, MC_ERR_NOT_VERIFIED);
    mc_tx_free(tx);
    free(body);
    free(st);
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_WRONG_LEDGER);

    /* EXPIRED before the transfer rules. */
    b = pay_body(f, w->alice, w->alice, 0);
    b.not_after = 1;
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_EXPIRED);

    /* SELF_TRANSFER, AMOUNT_NOT_POSITIVE, MEMO_TOO_LONG, MEMO_NOT_UTF8, in
     * that order, before any account is looked at. */
    uint8_t memo[MC_MEMO_LEN_MAX + 60];
    memset(memo, 0xff, sizeof memo);
    b = pay_body(f, stranger, stranger, 0);
    b.u.transfer.memo = memo;
    b.u.transfer.memo_len = sizeof memo;
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_SELF_TRANSFER);
    b = pay_body(f, stranger, other, 0);
    b.u.transfer.memo = memo;
    b.u.transfer.memo_len = sizeof memo;
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_AMOUNT_NOT_POSITIVE);
    b = pay_body(f, stranger, other, 5);
    b.u.transfer.memo = memo;
    b.u.transfer.memo_len = sizeof memo;
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_MEMO_TOO_LONG);
    b.u.transfer.memo_len = 10;
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_MEMO_NOT_UTF8);

    /* UNKNOWN_REQUEST before UNKNOWN_PAYER. */
    pbuf hand;
    static const uint8_t request[8] = {1, 2, 3};
    hand_transfer(&hand, f->ledger_id, 99, mc_keypair_public(stranger), 32,
                  mc_keypair_public(other), 5, request, sizeof request);
    assert_int_equal(mc_tx_sign(hand.data, hand.len, alice, 1, &st, &st_len), MC_ERR_OK);
    assert_int_equal(mc_tx_decode(st, st_len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    EXPECT_REFUSED_TX(f, tx, MC_ERR_UNKNOWN_REQUEST);
    mc_tx_free(tx);
    free(st);

    /* UNKNOWN_PAYER before UNKNOWN_PAYEE before the signatures. */
    b = pay_body(f, stranger, other, 5);
    EXPECT_REFUSED(f, &b, NULL, 0, MC_ERR_UNKNOWN_PAYER);
    b = pay_body(f, w->alice, other, 5);
    EXPECT_REFUSED(f, &b, NULL, 0, MC_ERR_UNKNOWN_PAYEE);

    /* Signatures before statuses. */
    set_status(f, w->alice, MC_STATUS_FROZEN);
    set_status(f, w->bob, MC_STATUS_FROZEN);
    b = pay_body(f, w->alice, w->bob, 10000000);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->bob, 1, MC_ERR_MISSING_SIGNATURE);
    const mc_keypair *two[] = {w->alice, w->bob};
    EXPECT_REFUSED(f, &b, two, 2, MC_ERR_UNEXPECTED_SIGNER);
    /* Payer status before payee status before the amounts. */
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_PAYER_FROZEN);
    set_status(f, w->alice, MC_STATUS_ACTIVE);
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_PAYEE_FROZEN);
    set_status(f, w->bob, MC_STATUS_ACTIVE);
    /* The credit limit before the ceiling (both are exceeded). */
    EXPECT_REFUSED(f, &b, alice, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    /* A closed payer before a frozen payee. */
    mc_keypair *carol = mc_fixture_open(f, "carol", MC_KIND_MEMBER, NULL);
    set_status(f, carol, MC_STATUS_CLOSED);
    set_status(f, w->bob, MC_STATUS_FROZEN);
    b = pay_body(f, carol, w->bob, 5);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&carol, 1, MC_ERR_PAYER_CLOSED);
    b = pay_body(f, w->bob, carol, 5);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->bob, 1, MC_ERR_PAYER_FROZEN);

    mc_keypair_free(carol);
    mc_keypair_free(stranger);
    mc_keypair_free(other);
}

static void test_rule_order_steward_kinds(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const mc_keypair *const *stranger = (const mc_keypair *const *)&w->bob;
    const uint8_t *alice = mc_keypair_public(w->alice);
    mc_keypair *kp = new_key();
    const uint8_t *fresh = mc_keypair_public(kp);

    /* OpenAccount: HANDLE_INVALID, KIND_INVALID, LIMITS_INVALID, the steward
     * rule, ACCOUNT_EXISTS, HANDLE_TAKEN. */
    mc_body b = open_body(f, alice, "A", 9);
    b.u.open_account.has_limits = true;
    b.u.open_account.limits = (mc_limits){1, -1};
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_HANDLE_INVALID);
    b.u.open_account.handle = "bob";
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_KIND_INVALID);
    b.u.open_account.kind = MC_KIND_MEMBER;
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_LIMITS_INVALID);
    b.u.open_account.has_limits = false;
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_NOT_A_STEWARD);
    EXPECT_REFUSED(f, &b, NULL, 0, MC_ERR_QUORUM_NOT_MET);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_ACCOUNT_EXISTS);
    memcpy(b.u.open_account.public_key, fresh, MC_PUBLIC_KEY_BYTES);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_HANDLE_TAKEN);

    /* SetLimits: LIMITS_INVALID, the steward rule, UNKNOWN_ACCOUNT. */
    b = limits_body(f, fresh, 5, -5);
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_LIMITS_INVALID);
    b = limits_body(f, fresh, -5, 5);
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_NOT_A_STEWARD);
    EXPECT_REFUSED(f, &b, NULL, 0, MC_ERR_QUORUM_NOT_MET);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_UNKNOWN_ACCOUNT);

    /* SetStatus: STATUS_INVALID, the steward rule, UNKNOWN_ACCOUNT,
     * ACCOUNT_CLOSED, STATUS_UNCHANGED, CLOSE_NONZERO_BALANCE. */
    b = status_body(f, fresh, 7);
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_STATUS_INVALID);
    b = status_body(f, fresh, MC_STATUS_CLOSED);
    EXPECT_REFUSED(f, &b, stranger, 1, MC_ERR_NOT_A_STEWARD);
    EXPECT_REFUSED(f, &b, NULL, 0, MC_ERR_QUORUM_NOT_MET);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_UNKNOWN_ACCOUNT);
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->alice, mc_keypair_public(w->bob), 100, NULL), MC_ERR_OK);
    set_status(f, w->alice, MC_STATUS_FROZEN);
    b = status_body(f, alice, MC_STATUS_FROZEN);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_STATUS_UNCHANGED);
    b = status_body(f, alice, MC_STATUS_CLOSED);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_CLOSE_NONZERO_BALANCE);
    mc_keypair_free(kp);
}

/* ---- the positive paths around the rules ------------------------------------------- */

static void test_duplicate(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const mc_keypair *const *alice = (const mc_keypair *const *)&w->alice;
    mc_body b = pay_body(f, w->alice, w->bob, 700);
    b.not_after = f->now;
    mc_tx *tx = mc_fixture_sign(f, &b, alice, 1);
    mc_result r, again;
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &r), MC_ERR_OK);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_false(r.duplicate);
    uint64_t h = r.height;
    assert_int_equal(h, mc_fixture_height(f));

    /* Again, later (past its expiry: the duplicate check comes first). */
    mc_fixture_snapshot before = mc_fixture_snapshot_take(f);
    f->now += 3600;
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &again), MC_ERR_OK);
    MC_ASSERT_RESULT(again, MC_ERR_OK);
    assert_true(again.duplicate);
    assert_int_equal(again.height, h);
    assert_memory_equal(again.tx_id, r.tx_id, MC_TX_ID_BYTES);
    mc_fixture_assert_unchanged(f, &before);
    /* A fresh decode of the same bytes, after a reopen: same answer. */
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(mc_tx_encode(tx, &bytes, &len), MC_ERR_OK);
    mc_tx_free(tx);
    mc_fixture_reopen(f);
    assert_int_equal(mc_tx_decode(bytes, len, &tx), MC_ERR_OK);
    free(bytes);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &again), MC_ERR_OK);
    MC_ASSERT_RESULT(again, MC_ERR_OK);
    assert_true(again.duplicate);
    assert_int_equal(again.height, h);
    mc_fixture_assert_unchanged(f, &before);

    /* Inside one batch: the second copy is a duplicate of the first. */
    b = pay_body(f, w->alice, w->bob, 300);
    mc_tx *tx2 = mc_fixture_sign(f, &b, alice, 1);
    mc_tx *batch[] = {tx2, tx2, tx};
    mc_result results[3];
    assert_int_equal(mc_ledger_apply_batch(f->ledger, batch, 3, f->now, results), MC_ERR_OK);
    MC_ASSERT_RESULT(results[0], MC_ERR_OK);
    assert_false(results[0].duplicate);
    assert_int_equal(results[0].height, h + 1);
    MC_ASSERT_RESULT(results[1], MC_ERR_OK);
    assert_true(results[1].duplicate);
    assert_int_equal(results[1].height, h + 1);
    MC_ASSERT_RESULT(results[2], MC_ERR_OK);
    assert_true(results[2].duplicate);
    assert_int_equal(results[2].height, h);
    assert_int_equal(mc_fixture_height(f), h + 1);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(w->alice)), -1000);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(w->bob)), 1000);
    uint64_t found = 0;
    assert_int_equal(mc_ledger_find_tx(f->ledger, mc_tx_id_of(tx2), &found), MC_ERR_OK);
    assert_int_equal(found, h + 1);
    mc_tx_free(tx);
    mc_tx_free(tx2);
    mc_fixture_assert_invariants(f);
}

static void test_refusal_not_remembered(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_body b = pay_body(f, w->alice, w->bob, 40000);
    mc_tx *tx = mc_fixture_sign(f, &b, (const mc_keypair *const *)&w->alice, 1);
    EXPECT_REFUSED_TX(f, tx, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    uint64_t h = 0;
    assert_int_equal(mc_ledger_find_tx(f->ledger, mc_tx_id_of(tx), &h), MC_ERR_NOT_FOUND);
    mc_body l = limits_body(f, mc_keypair_public(w->alice), -50000, 300000);
    MC_ASSERT_APPLIED_BY(f, &l, stewards_of(f), f->quorum);
    /* The same transaction, once refused, applies when the rule allows it. */
    mc_result r;
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &r), MC_ERR_OK);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_false(r.duplicate);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(w->alice)), -40000);
    mc_tx_free(tx);
    mc_fixture_assert_invariants(f);
}

static void test_open_joined(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *carol = new_key();
    const mc_keypair *keys[] = {f->stewards[0], carol};
    mc_body b = open_body(f, mc_keypair_public(carol), "carol", MC_KIND_BUSINESS);
    mc_result r = MC_ASSERT_APPLIED_BY(f, &b, keys, 2);
    mc_account a = account_of(f, carol);
    assert_true(a.joined);
    assert_string_equal(a.handle, "carol");
    assert_int_equal(a.kind, MC_KIND_BUSINESS);
    assert_int_equal(a.status, MC_STATUS_ACTIVE);
    assert_int_equal(a.balance, 0);
    assert_int_equal(a.opened_height, r.height);
    assert_int_equal(a.limits.min_balance, -500000);
    assert_int_equal(a.limits.max_balance, 5000000);
    mc_account by_handle;
    assert_int_equal(mc_ledger_find_handle(f->ledger, "carol", &by_handle), MC_ERR_OK);
    assert_memory_equal(by_handle.public_key, mc_keypair_public(carol), MC_PUBLIC_KEY_BYTES);
    /* Opened by the stewards alone: not joined. */
    a = account_of(f, w->alice);
    assert_false(a.joined);
    /* The new key may sign first. */
    mc_keypair *dave = new_key();
    const mc_keypair *first[] = {dave, f->stewards[0]};
    b = open_body(f, mc_keypair_public(dave), "dave", MC_KIND_MEMBER);
    MC_ASSERT_APPLIED_BY(f, &b, first, 2);
    assert_true(account_of(f, dave).joined);
    mc_keypair_free(carol);
    mc_keypair_free(dave);
    mc_fixture_assert_invariants(f);
}

static void test_system_payer_needs_quorum(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair *sys = new_key();
    const mc_keypair *open_keys[] = {f->stewards[0], f->stewards[1]};
    mc_body b = open_body(f, mc_keypair_public(sys), "community", MC_KIND_SYSTEM);
    MC_ASSERT_APPLIED_BY(f, &b, open_keys, 2);

    b = pay_body(f, sys, w->alice, 5000);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&sys, 1, MC_ERR_NOT_A_STEWARD);
    EXPECT_REFUSED(f, &b, stewards_of(f), 1, MC_ERR_QUORUM_NOT_MET);
    const mc_keypair *with_own[] = {f->stewards[0], f->stewards[1], sys};
    EXPECT_REFUSED(f, &b, with_own, 3, MC_ERR_NOT_A_STEWARD);
    const mc_keypair *quorum[] = {f->stewards[1], f->stewards[2]};
    MC_ASSERT_APPLIED_BY(f, &b, quorum, 2);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(sys)), -5000);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(w->alice)), 5000);
    /* Paying into the SYSTEM account is an ordinary transfer (a write-off). */
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->alice, mc_keypair_public(sys), 5000, "write-off"),
                     MC_ERR_OK);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(sys)), 0);
    mc_keypair_free(sys);
    mc_fixture_assert_invariants(f);
}

static void test_limit_lowered_below_balance(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const uint8_t *alice = mc_keypair_public(w->alice), *bob = mc_keypair_public(w->bob);
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->alice, bob, 20000, NULL), MC_ERR_OK);
    mc_body b = limits_body(f, alice, -10000, 300000);
    MC_ASSERT_APPLIED_BY(f, &b, stewards_of(f), f->quorum);
    b = limits_body(f, bob, -30000, 10000);
    MC_ASSERT_APPLIED_BY(f, &b, stewards_of(f), f->quorum);
    /* Nothing moved, and the store is consistent. */
    assert_int_equal(mc_fixture_balance(f, alice), -20000);
    assert_int_equal(mc_fixture_balance(f, bob), 20000);
    mc_fixture_assert_invariants(f);
    /* Alice may not pay, Bob may not receive. */
    b = pay_body(f, w->alice, w->bob, 1);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    /* Bob may pay and Alice receive, even while still outside the limits. */
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->bob, alice, 5000, NULL), MC_ERR_OK);
    assert_int_equal(mc_fixture_balance(f, alice), -15000);
    mc_fixture_assert_invariants(f);
    b = pay_body(f, w->alice, w->bob, 1);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->bob, alice, 6000, NULL), MC_ERR_OK);
    /* Back within the limit: Alice pays down to it exactly. */
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->alice, bob, 1000, NULL), MC_ERR_OK);
    assert_int_equal(mc_fixture_balance(f, alice), -10000);
    b = pay_body(f, w->alice, w->bob, 1);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    mc_fixture_reopen(f);
    mc_fixture_assert_invariants(f);
}

static void test_freeze_unfreeze(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const uint8_t *alice = mc_keypair_public(w->alice), *bob = mc_keypair_public(w->bob);
    set_status(f, w->alice, MC_STATUS_FROZEN);
    assert_int_equal(account_of(f, w->alice).status, MC_STATUS_FROZEN);
    mc_body b = pay_body(f, w->alice, w->bob, 100);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_PAYER_FROZEN);
    b = pay_body(f, w->bob, w->alice, 100);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->bob, 1, MC_ERR_PAYEE_FROZEN);
    /* A frozen account's limits may still change. */
    b = limits_body(f, alice, -20000, 20000);
    MC_ASSERT_APPLIED_BY(f, &b, stewards_of(f), f->quorum);
    set_status(f, w->alice, MC_STATUS_ACTIVE);
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->alice, bob, 100, NULL), MC_ERR_OK);
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->bob, alice, 300, NULL), MC_ERR_OK);
    assert_int_equal(mc_fixture_balance(f, alice), 200);
    mc_fixture_assert_invariants(f);
}

static void test_close_at_zero(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const uint8_t *alice = mc_keypair_public(w->alice), *bob = mc_keypair_public(w->bob);
    /* Back to zero, then closed. */
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->alice, bob, 100, NULL), MC_ERR_OK);
    MC_ASSERT_RESULT(mc_fixture_pay(f, w->bob, alice, 100, NULL), MC_ERR_OK);
    set_status(f, w->alice, MC_STATUS_CLOSED);
    assert_int_equal(account_of(f, w->alice).status, MC_STATUS_CLOSED);
    mc_body b = pay_body(f, w->alice, w->bob, 100);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->alice, 1, MC_ERR_PAYER_CLOSED);
    b = pay_body(f, w->bob, w->alice, 100);
    EXPECT_REFUSED(f, &b, (const mc_keypair *const *)&w->bob, 1, MC_ERR_PAYEE_CLOSED);
    /* The key and the handle stay taken. */
    b = open_body(f, alice, "alice3", MC_KIND_MEMBER);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_ACCOUNT_EXISTS);
    mc_keypair *kp = new_key();
    b = open_body(f, mc_keypair_public(kp), "alice", MC_KIND_MEMBER);
    EXPECT_REFUSED(f, &b, stewards_of(f), f->quorum, MC_ERR_HANDLE_TAKEN);
    /* A frozen account at zero closes too. */
    set_status(f, w->bob, MC_STATUS_FROZEN);
    set_status(f, w->bob, MC_STATUS_CLOSED);
    mc_keypair_free(kp);
    mc_fixture_assert_invariants(f);
}

static void test_batch_mixed(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    const mc_keypair *const *alice = (const mc_keypair *const *)&w->alice;
    const mc_keypair *const *bob = (const mc_keypair *const *)&w->bob;
    mc_keypair *carol = new_key();
    uint64_t h = mc_fixture_height(f);

    mc_body bodies[7];
    const mc_keypair *const *signers[7];
    size_t nsig[7];
    bodies[0] = pay_body(f, w->alice, w->bob, 10000); /* ok: alice -100.00 */
    signers[0] = alice;
    bodies[1] = pay_body(f, w->alice, w->bob, 25000); /* refused: would be -350.00 */
    signers[1] = alice;
    bodies[2] = pay_body(f, w->bob, w->alice, 5000); /* ok: alice -50.00 */
    signers[2] = bob;
    bodies[3] = pay_body(f, w->alice, w->bob, 25000); /* ok now: alice -300.00 */
    signers[3] = alice;
    bodies[4] = pay_body(f, w->alice, carol, 1); /* refused: carol unknown yet */
    signers[4] = alice;
    bodies[5] = open_body(f, mc_keypair_public(carol), "carol", MC_KIND_MEMBER); /* ok */
    signers[5] = stewards_of(f);
    bodies[6] = pay_body(f, w->bob, carol, 700); /* ok: sees carol */
    signers[6] = bob;
    for (size_t i = 0; i < 7; i++) {
        nsig[i] = 1;
    }
    mc_tx *txs[7];
    for (size_t i = 0; i < 7; i++) {
        txs[i] = mc_fixture_sign(f, &bodies[i], signers[i], nsig[i]);
    }
    mc_result results[7];
    assert_int_equal(mc_ledger_apply_batch(f->ledger, txs, 7, f->now, results), MC_ERR_OK);
    const int expect[7] = {MC_ERR_OK, MC_ERR_EXCEEDS_CREDIT_LIMIT, MC_ERR_OK,
                           MC_ERR_OK, MC_ERR_UNKNOWN_PAYEE,        MC_ERR_OK,
                           MC_ERR_OK};
    uint64_t next = h + 1;
    for (size_t i = 0; i < 7; i++) {
        MC_ASSERT_RESULT(results[i], expect[i]);
        assert_false(results[i].duplicate);
        assert_memory_equal(results[i].tx_id, mc_tx_id_of(txs[i]), MC_TX_ID_BYTES);
        if (expect[i] == MC_ERR_OK) {
            assert_int_equal(results[i].height, next);
            next++;
        } else {
            assert_int_equal(results[i].height, 0);
        }
    }
    assert_int_equal(mc_fixture_height(f), h + 5);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(w->alice)), -30000);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(w->bob)), 30000 - 700);
    assert_int_equal(mc_fixture_balance(f, mc_keypair_public(carol)), 700);
    for (size_t i = 0; i < 7; i++) {
        mc_tx_free(txs[i]);
    }
    mc_keypair_free(carol);
    mc_fixture_assert_invariants(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_malformed_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_body_not_a_tx_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_short_keys_and_no_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_signatures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_verified, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_payer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_payee, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amount_not_positive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amount_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memo_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memo_not_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payer_frozen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payer_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payee_frozen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payee_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exceeds_credit_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exceeds_ceiling, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_exists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_taken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handle_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kind_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_steward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quorum_not_met, setup_3_of_2, teardown),
        cmocka_unit_test_setup_teardown(test_limits_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_nonzero_balance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unexpected_signer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_order_common_and_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_order_steward_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusal_not_remembered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_joined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_payer_needs_quorum, setup_3_of_2, teardown),
        cmocka_unit_test_setup_teardown(test_limit_lowered_below_balance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_freeze_unfreeze, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_at_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_mixed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
