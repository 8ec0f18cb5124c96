/* Governance in the ledger (mc/ledger.h): the steward quorum on every
 * steward operation and on SYSTEM payers (a repeated signature counting
 * once), SetRoles (stewards, auditors, the quorum, and each ROLES_INVALID
 * case). The fee is in test_governance_fees.c. Every refusal is checked
 * to change nothing (mc_fixture_assert_unchanged: accounts, height, log
 * root, the configuration as mc_ledger_get_info shows it, the commons).
 * Keys are derived from fixed names, so runs are reproducible (the
 * fixture's stewards are random; no test depends on their order). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tx.pb-c.h"

/* ---- bodies ------------------------------------------------------------------ */

static const uint8_t *pk(const mc_keypair *kp)
{
    return mc_keypair_public(kp);
}

/* Up to four keys for one list of a SetRoles. */
typedef struct key_list {
    uint8_t keys[4][MC_PUBLIC_KEY_BYTES];
    size_t count;
} key_list;

static key_list list_of(const mc_keypair *a, const mc_keypair *b)
{
    key_list l = {.count = 0};
    const mc_keypair *kps[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        if (kps[i] != NULL) {
            memcpy(l.keys[l.count++], pk(kps[i]), MC_PUBLIC_KEY_BYTES);
        }
    }
    return l;
}

static mc_keys keys_of(const key_list *l)
{
    return (mc_keys){.keys = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])l->keys, .count = l->count};
}

/* A SetRoles; the lists are borrowed until the body is signed. */
static mc_body roles_body(mc_fixture *f, const key_list *add, const key_list *remove,
                          unsigned quorum)
{
    mc_body b = mc_fixture_body(f, MC_TX_SET_ROLES);
    b.u.set_roles.add_stewards = keys_of(add);
    b.u.set_roles.remove_stewards = keys_of(remove);
    b.u.set_roles.quorum = quorum;
    return b;
}

static mc_body auditors_body(mc_fixture *f, const key_list *add, const key_list *remove)
{
    mc_body b = mc_fixture_body(f, MC_TX_SET_ROLES);
    b.u.set_roles.add_auditors = keys_of(add);
    b.u.set_roles.remove_auditors = keys_of(remove);
    return b;
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

/* ---- the quorum ------------------------------------------------------------------ */

static void test_quorum_two_of_three(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    mc_body b = mc_fixture_limits_body(f, w->alice, -1000, 1000);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[0]);
    assert_int_equal(r.amount, 1);
    assert_int_equal(r.limit, 2);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[2]);
    assert_int_equal(r.amount, 1);
    MC_ASSERT_APPLIED(f, &b, s[2], s[0]);
    mc_account a;
    assert_int_equal(mc_ledger_get_account(f->ledger, pk(w->alice), &a), MC_ERR_OK);
    assert_int_equal(a.limits.min_balance, -1000);
    assert_int_equal(a.limits.max_balance, 1000);

    /* SetStatus: one refused, two and three applied. */
    b = mc_fixture_status_body(f, w->bob, MC_STATUS_FROZEN);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[1]);
    MC_ASSERT_APPLIED(f, &b, s[0], s[1], s[2]);
    /* OpenAccount: the new key co-signing does not count toward the quorum. */
    b = mc_fixture_open_body(f, w->carol, "carol", MC_KIND_MEMBER);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[1], w->carol);
    assert_int_equal(r.amount, 1);
    assert_int_equal(r.limit, 2);
    MC_ASSERT_APPLIED(f, &b, s[1], w->carol, s[2]);
    assert_int_equal(mc_ledger_get_account(f->ledger, pk(w->carol), &a), MC_ERR_OK);
    assert_true(a.joined);
    mc_fixture_assert_balanced(f);
}

static void test_not_a_steward(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    /* Every signer must be a steward, however many stewards signed. */
    mc_body b = mc_fixture_status_body(f, w->alice, MC_STATUS_FROZEN);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, s[0], s[1], w->bob);
    assert_true(r.has_account);
    assert_memory_equal(r.account, pk(w->bob), MC_PUBLIC_KEY_BYTES);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, w->bob, s[0]);
    assert_memory_equal(r.account, pk(w->bob), MC_PUBLIC_KEY_BYTES);
    key_list add = list_of(w->carol, NULL), none = {.count = 0};
    b = roles_body(f, &add, &none, 0);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, s[0], s[1], w->alice);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, w->carol);
    b = mc_fixture_fee_body(f, 0, NULL);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, w->alice, s[1], s[2]);
    mc_fixture_assert_balanced(f);
}

static void test_system_payer_quorum(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    mc_keypair *pool = mc_fixture_open_named(f, "pool", MC_KIND_SYSTEM);
    mc_body b = mc_fixture_transfer_body(f, pool, w->alice, 500);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[1]);
    assert_int_equal(r.amount, 1);
    assert_int_equal(r.limit, 2);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, pool);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, s[0], s[1], pool);
    MC_ASSERT_APPLIED(f, &b, s[0], s[1]);
    assert_int_equal(mc_fixture_balance(f, pk(pool)), -500);
    assert_int_equal(mc_fixture_balance(f, pk(w->alice)), 500);
    mc_keypair_free(pool);
    mc_fixture_assert_balanced(f);
}

/* Encode `body` as a SignedTx carrying `n` signatures, all under `kp`'s key,
 * and decode it: the decoder's code, and the transaction in *out. */
static int decode_signed_by(const uint8_t *body, size_t len, const mc_keypair *kp,
                            uint8_t (*sigs)[MC_SIGNATURE_BYTES], size_t n, mc_tx **out)
{
    Mc__Signature sig[4], *ptrs[4];
    assert_true(n <= 4);
    for (size_t i = 0; i < n; i++) {
        mc__signature__init(&sig[i]);
        sig[i].public_key = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)pk(kp)};
        sig[i].signature = (ProtobufCBinaryData){MC_SIGNATURE_BYTES, sigs[i]};
        ptrs[i] = &sig[i];
    }
    Mc__SignedTx st = MC__SIGNED_TX__INIT;
    st.body = (ProtobufCBinaryData){len, (uint8_t *)body};
    st.n_sigs = n;
    st.sigs = ptrs;
    size_t packed = mc__signed_tx__get_packed_size(&st);
    uint8_t *buf = malloc(packed);
    assert_non_null(buf);
    mc__signed_tx__pack(&st, buf);
    *out = NULL;
    int rc = mc_tx_decode(buf, packed, out);
    free(buf);
    return rc;
}

static void test_repeated_signature_counts_once(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_body b = mc_fixture_limits_body(f, w->alice, -2000, 2000),
            other = mc_fixture_limits_body(f, w->alice, -1, 1);
    uint8_t *body = NULL, *other_body = NULL;
    size_t len = 0, other_len = 0;
    assert_int_equal(mc_body_encode(&b, &body, &len), MC_ERR_OK);
    assert_int_equal(mc_body_encode(&other, &other_body, &other_len), MC_ERR_OK);
    uint8_t sigs[2][MC_SIGNATURE_BYTES];
    mc_sign_tx(f->stewards[0], f->ledger_id, body, len, sigs[0]);
    memcpy(sigs[1], sigs[0], MC_SIGNATURE_BYTES);

    /* The same steward's signature twice: one signer, one of two needed. */
    mc_fixture_snapshot before = mc_fixture_snapshot_take(f);
    mc_tx *tx = NULL;
    assert_int_equal(decode_signed_by(body, len, f->stewards[0], sigs, 2, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_signer_count(tx), 1);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    mc_result r;
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &r), MC_ERR_OK);
    MC_ASSERT_RESULT(r, MC_ERR_QUORUM_NOT_MET);
    assert_int_equal(r.amount, 1);
    assert_int_equal(r.limit, 2);
    /* Countersigning again with the same key changes nothing either. */
    assert_int_equal(mc_tx_cosign(tx, f->stewards[0]), MC_ERR_OK);
    assert_int_equal(mc_tx_signer_count(tx), 1);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &r), MC_ERR_OK);
    MC_ASSERT_RESULT(r, MC_ERR_QUORUM_NOT_MET);
    mc_fixture_assert_unchanged(f, &before);

    /* Another signature under the same key does not decode. */
    mc_tx *bad = NULL;
    mc_sign_tx(f->stewards[0], f->ledger_id, other_body, other_len, sigs[1]);
    assert_int_equal(decode_signed_by(body, len, f->stewards[0], sigs, 2, &bad), MC_ERR_MALFORMED);
    assert_null(bad);

    /* A second steward makes the quorum. */
    assert_int_equal(mc_tx_cosign(tx, f->stewards[1]), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &r), MC_ERR_OK);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_int_equal(r.height, before.info.height + 1);
    mc_tx_free(tx);
    free(body);
    free(other_body);
    mc_fixture_assert_balanced(f);
}

/* ---- SetRoles ------------------------------------------------------------------- */

/* Whether `kp`'s key is among the `n` keys (in no particular order). */
static bool listed(const uint8_t (*keys)[MC_PUBLIC_KEY_BYTES], size_t n, const mc_keypair *kp)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(keys[i], pk(kp), MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    return false;
}

static bool info_has_steward(const mc_ledger_info *info, const mc_keypair *kp)
{
    return listed((const uint8_t(*)[MC_PUBLIC_KEY_BYTES])info->stewards, info->steward_count, kp);
}

static bool info_has_auditor(const mc_ledger_info *info, const mc_keypair *kp)
{
    return listed((const uint8_t(*)[MC_PUBLIC_KEY_BYTES])info->auditors, info->auditor_count, kp);
}

static void test_set_roles_add_raise_remove(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    key_list none = {.count = 0}, carol = list_of(w->carol, NULL), s1 = list_of(s[1], NULL);
    assert_int_equal(mc_ledger_roles(f->ledger, pk(w->carol)), 0);

    /* Add carol as a steward, the quorum unchanged (0). */
    mc_body b = roles_body(f, &carol, &none, 0);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[0]);
    MC_ASSERT_APPLIED(f, &b, s[0], s[2]);
    mc_ledger_info info = mc_fixture_info(f);
    assert_int_equal(info.steward_count, 4);
    assert_int_equal(info.quorum, 2);
    assert_true(info_has_steward(&info, w->carol));
    assert_int_equal(mc_ledger_roles(f->ledger, pk(w->carol)), MC_ROLE_STEWARD);
    assert_true(mc_ledger_is_steward(f->ledger, pk(w->carol)));
    /* carol now counts toward the quorum. */
    b = mc_fixture_limits_body(f, w->alice, -500, 500);
    MC_ASSERT_APPLIED(f, &b, w->carol, s[1]);

    /* Raise the quorum to 3: two stewards are no longer enough. */
    b = roles_body(f, &none, &none, 3);
    MC_ASSERT_APPLIED(f, &b, s[0], w->carol);
    assert_int_equal(mc_fixture_info(f).quorum, 3);
    b = mc_fixture_limits_body(f, w->alice, -600, 600);
    mc_result r = MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[0], s[1]);
    assert_int_equal(r.amount, 2);
    assert_int_equal(r.limit, 3);
    MC_ASSERT_APPLIED(f, &b, s[0], s[1], w->carol);

    /* Remove s[1]: 3 stewards, quorum 3; s[1] signs as a stranger. */
    b = roles_body(f, &none, &s1, 0);
    MC_ASSERT_APPLIED(f, &b, s[0], s[1], s[2]);
    info = mc_fixture_info(f);
    assert_int_equal(info.steward_count, 3);
    assert_false(info_has_steward(&info, s[1]));
    assert_int_equal(mc_ledger_roles(f->ledger, pk(s[1])), 0);
    b = mc_fixture_limits_body(f, w->alice, -700, 700);
    r = MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, s[0], s[1], s[2], w->carol);
    assert_memory_equal(r.account, pk(s[1]), MC_PUBLIC_KEY_BYTES);
    MC_ASSERT_APPLIED(f, &b, s[0], s[2], w->carol);

    /* The configuration is stored: a reopened ledger shows the same. */
    info = mc_fixture_info(f);
    mc_fixture_reopen(f);
    mc_ledger_info again = mc_fixture_info(f);
    assert_memory_equal(&again, &info, sizeof info);
    mc_fixture_assert_balanced(f);
}

static void test_set_roles_invalid(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    key_list none = {.count = 0}, carol = list_of(w->carol, NULL), s0 = list_of(s[0], NULL);
    key_list s01 = list_of(s[0], s[1]), twice = list_of(w->carol, w->carol);
    key_list all = list_of(s[0], s[1]);
    memcpy(all.keys[all.count++], pk(s[2]), MC_PUBLIC_KEY_BYTES);
    const struct {
        const key_list *add, *remove;
        unsigned quorum;
        const char *why;
    } cases[] = {
        {&none, &none, 4, "a quorum beyond the 3 stewards"},
        {&carol, &none, 5, "a quorum beyond the 4 there would be"},
        {&none, &carol, 0, "removing a key that is no steward"},
        {&s0, &none, 0, "adding a steward again"},
        {&none, &none, 0, "no change at all"},
        {&none, &none, 2, "the quorum it already has"},
        {&twice, &none, 0, "one key added twice"},
        {&none, &s01, 0, "one steward left under a quorum of 2"},
        {&none, &all, 1, "no steward left"},
        {&carol, &carol, 0, "one stranger both added and removed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_body b = roles_body(f, cases[i].add, cases[i].remove, cases[i].quorum);
        mc_fixture_refused(f, &b, (const mc_keypair *const *)s, 2, MC_ERR_ROLES_INVALID,
                           cases[i].why);
    }
    /* The steward rule comes first. */
    mc_body b = roles_body(f, &none, &none, 4);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_QUORUM_NOT_MET, s[0]);
    /* At most MC_STEWARDS_MAX stewards: 3 + 29 fit, one more does not. */
    enum { MORE = MC_STEWARDS_MAX - 3 + 1 };
    uint8_t more[MORE][MC_PUBLIC_KEY_BYTES];
    for (size_t i = 0; i < MORE; i++) {
        memset(more[i], (int)(0x10 + i), MC_PUBLIC_KEY_BYTES);
    }
    b = roles_body(f, &none, &none, 0);
    b.u.set_roles.add_stewards = (mc_keys){(const uint8_t(*)[MC_PUBLIC_KEY_BYTES])more, MORE};
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0], s[1]);
    b.u.set_roles.add_stewards.count = MORE - 1;
    MC_ASSERT_APPLIED(f, &b, s[0], s[1]);
    assert_int_equal(mc_fixture_info(f).steward_count, MC_STEWARDS_MAX);
    mc_fixture_assert_balanced(f);
}

/* "Nobody named twice" (mc/ledger.h, SetRoles): one key removed and added
 * in the same change is refused, for stewards and for auditors alike. */
static void test_set_roles_key_named_twice(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    key_list none = {.count = 0}, s0 = list_of(s[0], NULL), carol = list_of(w->carol, NULL);
    mc_body b = auditors_body(f, &carol, &none);
    MC_ASSERT_APPLIED(f, &b, s[0], s[1]);
    b = auditors_body(f, &carol, &carol);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0], s[1]);
    b = roles_body(f, &s0, &s0, 0);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0], s[1]);
    mc_fixture_assert_balanced(f);
}

/* Later transactions of a batch see the roles an earlier one set; a
 * refused change sets nothing. */
static void test_set_roles_within_a_batch(void **state)
{
    world *w = *state;
    mc_fixture *f = &w->f;
    mc_keypair **s = f->stewards;
    key_list none = {.count = 0}, carol = list_of(w->carol, NULL);
    const mc_keypair *two[] = {s[0], s[1]}, *three[] = {s[0], s[1], s[2]};
    const mc_keypair *with_carol[] = {w->carol, s[2], s[1]};
    mc_body bodies[5] = {roles_body(f, &none, &none, 3), mc_fixture_limits_body(f, w->alice, -1, 1),
                         mc_fixture_limits_body(f, w->alice, -2, 2),
                         roles_body(f, &carol, &none, 9), mc_fixture_limits_body(f, w->bob, -3, 3)};
    const mc_keypair *const *keys[5] = {two, two, three, three, with_carol};
    const size_t n[5] = {2, 2, 3, 3, 3};
    const int want[5] = {MC_ERR_OK, MC_ERR_QUORUM_NOT_MET, MC_ERR_OK, MC_ERR_ROLES_INVALID,
                         MC_ERR_NOT_A_STEWARD};
    mc_tx *txs[5];
    mc_result r[5];
    for (size_t i = 0; i < 5; i++) {
        txs[i] = mc_fixture_sign(f, &bodies[i], keys[i], n[i]);
    }
    uint64_t h = mc_fixture_height(f);
    assert_int_equal(mc_ledger_apply_batch(f->ledger, txs, 5, f->now, r), MC_ERR_OK);
    for (size_t i = 0; i < 5; i++) {
        MC_ASSERT_RESULT(r[i], want[i]);
        mc_tx_free(txs[i]);
    }
    assert_int_equal(mc_fixture_height(f), h + 2);
    mc_ledger_info info = mc_fixture_info(f);
    assert_int_equal(info.quorum, 3);
    assert_int_equal(info.steward_count, 3);
    assert_false(info_has_steward(&info, w->carol));
    mc_fixture_assert_balanced(f);
}

/* ---- auditors ------------------------------------------------------------------- */

static void genesis_defaults(mc_genesis_params *p)
{
    mc_genesis_params_default(p);
    p->community = "test community";
    p->unit_name = "grain";
    p->unit_symbol = "g";
}

static void test_auditors(void **state)
{
    (void)state;
    mc_keypair *ann = mc_fixture_named_key("auditor ann"),
               *ben = mc_fixture_named_key("auditor ben");
    mc_keypair *cid = mc_fixture_named_key("auditor cid");
    uint8_t genesis_auditors[1][MC_PUBLIC_KEY_BYTES];
    memcpy(genesis_auditors[0], pk(ann), MC_PUBLIC_KEY_BYTES);
    mc_genesis_params p;
    genesis_defaults(&p);
    p.auditors = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])genesis_auditors;
    p.auditor_count = 1;
    mc_fixture fx, *f = &fx;
    mc_fixture_setup(f, 2, 1, &p);
    mc_keypair **s = f->stewards;
    mc_ledger_info info = mc_fixture_info(f);
    assert_int_equal(info.auditor_count, 1);
    assert_true(info_has_auditor(&info, ann));
    assert_int_equal(mc_ledger_roles(f->ledger, pk(ann)), MC_ROLE_AUDITOR);
    assert_false(mc_ledger_is_steward(f->ledger, pk(ann)));
    assert_int_equal(mc_ledger_roles(f->ledger, pk(s[0])), MC_ROLE_STEWARD);

    /* Add ben and cid, remove ann, in one change. */
    key_list add = list_of(ben, cid), remove = list_of(ann, NULL), none = {.count = 0};
    mc_body b = auditors_body(f, &add, &remove);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, ann);
    MC_ASSERT_APPLIED(f, &b, s[1]);
    info = mc_fixture_info(f);
    assert_int_equal(info.auditor_count, 2);
    assert_true(info_has_auditor(&info, ben));
    assert_true(info_has_auditor(&info, cid));
    assert_false(info_has_auditor(&info, ann));
    assert_int_equal(mc_ledger_roles(f->ledger, pk(ann)), 0);
    assert_int_equal(mc_ledger_roles(f->ledger, pk(ben)), MC_ROLE_AUDITOR);
    assert_int_equal(info.steward_count, 2); /* stewards untouched */

    /* An auditor is not a steward; ROLES_INVALID for auditors too. */
    b = mc_fixture_fee_body(f, 0, NULL);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_NOT_A_STEWARD, ben);
    b = auditors_body(f, &none, &remove); /* ann is no longer one */
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0]);
    key_list ben_list = list_of(ben, NULL), twice = list_of(ann, ann);
    b = auditors_body(f, &ben_list, &none); /* already one */
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0]);
    b = auditors_body(f, &twice, &none);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0]);
    b = auditors_body(f, &add, &none);
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0]);
    /* At most MC_AUDITORS_MAX auditors: 2 + 30 fit, one more does not. */
    enum { MORE = MC_AUDITORS_MAX - 2 + 1 };
    uint8_t more[MORE][MC_PUBLIC_KEY_BYTES];
    for (size_t i = 0; i < MORE; i++) {
        memset(more[i], (int)(0x40 + i), MC_PUBLIC_KEY_BYTES);
    }
    b = auditors_body(f, &none, &none);
    b.u.set_roles.add_auditors = (mc_keys){(const uint8_t(*)[MC_PUBLIC_KEY_BYTES])more, MORE};
    MC_ASSERT_REFUSED(f, &b, MC_ERR_ROLES_INVALID, s[0]);
    b.u.set_roles.add_auditors.count = MORE - 1;
    MC_ASSERT_APPLIED(f, &b, s[0]);
    assert_int_equal(mc_fixture_info(f).auditor_count, MC_AUDITORS_MAX);
    b = auditors_body(f, &none, &none);
    b.u.set_roles.remove_auditors =
        (mc_keys){(const uint8_t(*)[MC_PUBLIC_KEY_BYTES])more, MORE - 1};
    MC_ASSERT_APPLIED(f, &b, s[0]);
    /* Removing every auditor is fine. */
    b = auditors_body(f, &none, &add);
    MC_ASSERT_APPLIED(f, &b, s[0]);
    assert_int_equal(mc_fixture_info(f).auditor_count, 0);
    assert_int_equal(mc_ledger_roles(f->ledger, pk(cid)), 0);
    mc_fixture_assert_balanced(f);
    mc_fixture_teardown(f);
    mc_keypair_free(ann);
    mc_keypair_free(ben);
    mc_keypair_free(cid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quorum_two_of_three, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_steward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_payer_quorum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_signature_counts_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_roles_add_raise_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_roles_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_roles_key_named_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_roles_within_a_batch, setup, teardown),
        cmocka_unit_test(test_auditors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
