/* The shared test fixture (see fixture.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftw.h>
#include <unistd.h>

#include <sodium.h>

#include "fixture.h"

char *mc_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/mc-test-XXXXXX", base && *base ? base : "/tmp");
    char *dir = strdup(path);
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void mc_test_rmtree(const char *dir)
{
    if (dir != NULL && dir[0] != '\0') {
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
}

const char *mc_test_vectors_dir(void)
{
    const char *dir = getenv("MC_VECTORS_DIR");
    return dir && *dir ? dir : "tests/vectors";
}

void mc_fixture_setup(mc_fixture *f, size_t stewards, unsigned quorum,
                      const mc_genesis_params *params)
{
    assert_true(stewards >= 1 && stewards <= MC_FIXTURE_STEWARDS_MAX);
    memset(f, 0, sizeof *f);
    char *dir = mc_test_tmpdir();
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    free(dir);

    uint8_t keys[MC_FIXTURE_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    for (size_t i = 0; i < stewards; i++) {
        assert_int_equal(mc_keypair_generate(&f->stewards[i]), MC_ERR_OK);
        memcpy(keys[i], mc_keypair_public(f->stewards[i]), MC_PUBLIC_KEY_BYTES);
    }
    f->steward_count = stewards;
    f->quorum = quorum;

    mc_genesis_params p;
    if (params != NULL) {
        p = *params;
    } else {
        mc_genesis_params_default(&p);
        p.community = "test community";
        p.unit_name = "grain";
        p.unit_symbol = "g";
    }
    p.stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])keys;
    p.steward_count = stewards;
    p.quorum = quorum;
    memset(p.node_public_key, 0x4e, MC_PUBLIC_KEY_BYTES);
    p.created_at = 1700000000;

    f->opts.no_sync = true;
    assert_int_equal(mc_ledger_create(f->dir, &p, &f->opts, &f->ledger), MC_ERR_OK);
    mc_ledger_info info;
    assert_int_equal(mc_ledger_get_info(f->ledger, &info), MC_ERR_OK);
    memcpy(f->ledger_id, info.ledger_id, MC_LEDGER_ID_BYTES);
    f->nonce = 1;
    f->now = 1700000100;
}

void mc_fixture_teardown(mc_fixture *f)
{
    mc_ledger_close(f->ledger);
    f->ledger = NULL;
    for (size_t i = 0; i < f->steward_count; i++) {
        mc_keypair_free(f->stewards[i]);
        f->stewards[i] = NULL;
    }
    mc_test_rmtree(f->dir);
}

void mc_fixture_reopen(mc_fixture *f)
{
    mc_ledger_close(f->ledger);
    f->ledger = NULL;
    assert_int_equal(mc_ledger_open(f->dir, &f->opts, &f->ledger), MC_ERR_OK);
}

mc_body mc_fixture_body(mc_fixture *f, mc_tx_kind kind)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, f->ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = f->nonce++;
    b.kind = kind;
    return b;
}

mc_tx *mc_fixture_sign(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys, size_t n)
{
    (void)f;
    uint8_t *bytes = NULL, *signed_bytes = NULL;
    size_t len = 0, signed_len = 0;
    mc_tx *tx = NULL;
    assert_int_equal(mc_body_encode(body, &bytes, &len), MC_ERR_OK);
    assert_int_equal(mc_tx_sign(bytes, len, keys, n, &signed_bytes, &signed_len), MC_ERR_OK);
    assert_int_equal(mc_tx_decode(signed_bytes, signed_len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    free(bytes);
    free(signed_bytes);
    return tx;
}

mc_result mc_fixture_submit(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys,
                            size_t n)
{
    mc_result r;
    mc_tx *tx = mc_fixture_sign(f, body, keys, n);
    assert_int_equal(mc_ledger_apply(f->ledger, tx, f->now, &r), MC_ERR_OK);
    mc_tx_free(tx);
    return r;
}

mc_result mc_fixture_submit_stewards(mc_fixture *f, const mc_body *body)
{
    return mc_fixture_submit(f, body, (const mc_keypair *const *)f->stewards, f->quorum);
}

mc_keypair *mc_fixture_open(mc_fixture *f, const char *handle, mc_account_kind kind,
                            const mc_limits *limits)
{
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    mc_body b = mc_fixture_body(f, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = kind;
    if (limits != NULL) {
        b.u.open_account.has_limits = true;
        b.u.open_account.limits = *limits;
    }
    mc_result r = mc_fixture_submit_stewards(f, &b);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    return kp;
}

mc_result mc_fixture_pay(mc_fixture *f, const mc_keypair *payer,
                         const uint8_t payee[MC_PUBLIC_KEY_BYTES], int64_t amount, const char *memo)
{
    mc_body b = mc_fixture_body(f, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(payer), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, payee, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    if (memo != NULL) {
        b.u.transfer.memo = (const uint8_t *)memo;
        b.u.transfer.memo_len = strlen(memo);
    }
    return mc_fixture_submit(f, &b, &payer, 1);
}

int64_t mc_fixture_balance(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    mc_account a;
    assert_int_equal(mc_ledger_get_account(f->ledger, key, &a), MC_ERR_OK);
    return a.balance;
}

static int digest_account(const mc_account *a, void *ctx)
{
    crypto_hash_sha256_state *st = ctx;
    crypto_hash_sha256_update(st, (const uint8_t *)a, sizeof *a);
    return 0;
}

void mc_fixture_state_digest(mc_fixture *f, uint8_t out[MC_HASH_BYTES])
{
    crypto_hash_sha256_state st;
    uint64_t height = 0;
    crypto_hash_sha256_init(&st);
    assert_int_equal(mc_ledger_height(f->ledger, &height), MC_ERR_OK);
    crypto_hash_sha256_update(&st, (const uint8_t *)&height, sizeof height);
    assert_int_equal(mc_ledger_list_accounts(f->ledger, NULL, 0, digest_account, &st), MC_ERR_OK);
    uint8_t root[MC_HASH_BYTES];
    assert_int_equal(mc_ledger_root(f->ledger, height, root), MC_ERR_OK);
    crypto_hash_sha256_update(&st, root, sizeof root);
    crypto_hash_sha256_final(&st, out);
}

void mc_fixture_assert_invariants(mc_fixture *f)
{
    char why[256];
    int rc = mc_ledger_check(f->ledger, why, sizeof why);
    if (rc != MC_ERR_OK) {
        print_error("invariant violated: %s: %s\n", mc_err_name(rc), why);
        fail();
    }
}
