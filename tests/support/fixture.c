/* The shared test fixture (see fixture.h). */
#include <stddef.h>
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

void mc_test_write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    assert_int_equal(fputs(text, file) >= 0, 1);
    assert_int_equal(fclose(file), 0);
}

const char *mc_test_vectors_dir(void)
{
    const char *dir = getenv("MC_VECTORS_DIR");
    return dir && *dir ? dir : "tests/vectors";
}

void mc_fixture_genesis_defaults(mc_genesis_params *p)
{
    mc_genesis_params_default(p);
    p->community = "test community";
    p->unit_name = "grain";
    p->unit_symbol = "g";
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
        mc_fixture_genesis_defaults(&p);
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

mc_keypair *mc_fixture_named_key(const char *name)
{
    uint8_t seed[MC_SECRET_SEED_BYTES];
    mc_keypair *kp = NULL;
    mc_sha256((const uint8_t *)name, strlen(name), seed);
    assert_int_equal(mc_keypair_from_seed(seed, &kp), MC_ERR_OK);
    mc_memzero(seed, sizeof seed);
    return kp;
}

mc_keypair *mc_fixture_open_named(mc_fixture *f, const char *handle, mc_account_kind kind)
{
    mc_keypair *kp = mc_fixture_named_key(handle);
    mc_body b = mc_fixture_open_body(f, kp, handle, kind);
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(f, &b), MC_ERR_OK);
    return kp;
}

mc_keypair *mc_fixture_open_commons(mc_fixture *f, const char *handle,
                                    const mc_keypair *const *keepers, size_t count,
                                    unsigned keeper_quorum)
{
    uint8_t keys[MC_KEEPERS_MAX][MC_PUBLIC_KEY_BYTES];
    assert_true(count <= MC_KEEPERS_MAX);
    for (size_t i = 0; i < count; i++) {
        memcpy(keys[i], mc_keypair_public(keepers[i]), MC_PUBLIC_KEY_BYTES);
    }
    mc_keypair *kp = mc_fixture_named_key(handle);
    mc_body b = mc_fixture_open_body(f, kp, handle, MC_KIND_COMMONS);
    b.u.open_account.keepers = (mc_keys){(const uint8_t(*)[MC_PUBLIC_KEY_BYTES])keys, count};
    b.u.open_account.keeper_quorum = keeper_quorum;
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(f, &b), MC_ERR_OK);
    return kp;
}

void mc_fixture_set_status(mc_fixture *f, const mc_keypair *kp, mc_account_status status)
{
    mc_body b = mc_fixture_status_body(f, kp, status);
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(f, &b), MC_ERR_OK);
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

mc_body mc_fixture_open_body(mc_fixture *f, const mc_keypair *kp, const char *handle,
                             mc_account_kind kind)
{
    mc_body b = mc_fixture_body(f, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = kind;
    return b;
}

mc_body mc_fixture_transfer_body(mc_fixture *f, const mc_keypair *payer, const mc_keypair *payee,
                                 int64_t amount)
{
    mc_body b = mc_fixture_body(f, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(payer), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, mc_keypair_public(payee), MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    return b;
}

mc_body mc_fixture_limits_body(mc_fixture *f, const mc_keypair *kp, int64_t min, int64_t max)
{
    mc_body b = mc_fixture_body(f, MC_TX_SET_LIMITS);
    memcpy(b.u.set_limits.account, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b.u.set_limits.limits = (mc_limits){min, max};
    return b;
}

mc_body mc_fixture_status_body(mc_fixture *f, const mc_keypair *kp, mc_account_status status)
{
    mc_body b = mc_fixture_body(f, MC_TX_SET_STATUS);
    memcpy(b.u.set_status.account, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b.u.set_status.status = status;
    return b;
}

mc_body mc_fixture_fee_body(mc_fixture *f, unsigned fee_bps, const mc_keypair *account)
{
    mc_body b = mc_fixture_body(f, MC_TX_SET_FEE);
    b.u.set_fee.fee_bps = fee_bps;
    if (account != NULL) {
        b.u.set_fee.has_fee_account = true;
        memcpy(b.u.set_fee.fee_account, mc_keypair_public(account), MC_PUBLIC_KEY_BYTES);
    }
    return b;
}

mc_body mc_fixture_contribution_body(mc_fixture *f, const mc_keypair *commons,
                                     const mc_keypair *contributor, int64_t weight,
                                     const char *description)
{
    mc_body b = mc_fixture_body(f, MC_TX_CONTRIBUTION);
    memcpy(b.u.contribution.commons, mc_keypair_public(commons), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.contribution.contributor, mc_keypair_public(contributor), MC_PUBLIC_KEY_BYTES);
    b.u.contribution.weight = weight;
    b.u.contribution.description = description;
    return b;
}

mc_body mc_fixture_review_body(mc_fixture *f, const uint8_t contribution_id[MC_TX_ID_BYTES],
                               bool approve)
{
    mc_body b = mc_fixture_body(f, MC_TX_REVIEW_CONTRIBUTION);
    memcpy(b.u.review.contribution_id, contribution_id, MC_TX_ID_BYTES);
    b.u.review.approve = approve;
    return b;
}

mc_body mc_fixture_distribution_body(mc_fixture *f, const mc_keypair *commons,
                                     mc_distribution_params d)
{
    mc_body b = mc_fixture_body(f, MC_TX_DISTRIBUTION);
    memcpy(b.u.distribution.commons, mc_keypair_public(commons), MC_PUBLIC_KEY_BYTES);
    b.u.distribution.share_bps = d.share_bps;
    b.u.distribution.amount = d.amount;
    b.u.distribution.cap = d.cap;
    return b;
}

int64_t mc_fixture_balance(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    mc_account a;
    assert_int_equal(mc_ledger_get_account(f->ledger, key, &a), MC_ERR_OK);
    return a.balance;
}

uint64_t mc_fixture_height(mc_fixture *f)
{
    uint64_t h = 0;
    assert_int_equal(mc_ledger_height(f->ledger, &h), MC_ERR_OK);
    return h;
}

mc_ledger_info mc_fixture_info(mc_fixture *f)
{
    mc_ledger_info info;
    assert_int_equal(mc_ledger_get_info(f->ledger, &info), MC_ERR_OK);
    info.map_size = 0;
    return info;
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

static int sum_balance(const mc_account *a, void *ctx)
{
    *(int64_t *)ctx += a->balance;
    return 0;
}

void mc_fixture_assert_balanced(mc_fixture *f)
{
    int64_t sum = 0;
    assert_int_equal(mc_ledger_list_accounts(f->ledger, NULL, 0, sum_balance, &sum), MC_ERR_OK);
    assert_int_equal(sum, 0);
    mc_fixture_assert_invariants(f);
}

static int hash_contribution(const mc_contribution *c, void *ctx)
{
    crypto_hash_sha256_update(ctx, (const uint8_t *)c, sizeof *c); /* zeroed when decoded */
    return 0;
}

/* A round, without the padding after share_bps, and its payouts (zeroed). */
static int hash_round(const mc_round *r, const mc_round_payout *payouts, size_t n, void *ctx)
{
    size_t head = offsetof(mc_round, share_bps) + sizeof r->share_bps;
    crypto_hash_sha256_update(ctx, (const uint8_t *)r, head);
    crypto_hash_sha256_update(ctx, (const uint8_t *)&r->amount,
                              sizeof *r - offsetof(mc_round, amount));
    crypto_hash_sha256_update(ctx, (const uint8_t *)payouts, n * sizeof *payouts);
    return 0;
}

typedef struct commons_hash {
    mc_ledger *ledger;
    crypto_hash_sha256_state *st;
} commons_hash;

/* The contributions and rounds of every commons. */
static int hash_commons(const mc_account *a, void *ctx)
{
    const commons_hash *q = ctx;
    if (a->kind == MC_KIND_COMMONS) {
        assert_int_equal(
            mc_ledger_contributions(q->ledger, a->public_key, 0, 0, hash_contribution, q->st),
            MC_ERR_OK);
        assert_int_equal(mc_ledger_rounds(q->ledger, a->public_key, 0, 0, hash_round, q->st),
                         MC_ERR_OK);
    }
    return 0;
}

mc_fixture_snapshot mc_fixture_snapshot_take(mc_fixture *f)
{
    mc_fixture_snapshot s;
    crypto_hash_sha256_state st;
    commons_hash q = {f->ledger, &st};
    memset(&s, 0, sizeof s);
    s.height = mc_fixture_height(f);
    mc_fixture_state_digest(f, s.state);
    crypto_hash_sha256_init(&st);
    assert_int_equal(mc_ledger_list_accounts(f->ledger, NULL, 0, hash_commons, &q), MC_ERR_OK);
    crypto_hash_sha256_final(&st, s.commons);
    s.info = mc_fixture_info(f);
    return s;
}

void mc_fixture_assert_unchanged(mc_fixture *f, const mc_fixture_snapshot *before)
{
    mc_fixture_snapshot after = mc_fixture_snapshot_take(f);
    assert_int_equal(after.height, before->height);
    assert_memory_equal(after.state, before->state, MC_HASH_BYTES);
    assert_memory_equal(after.commons, before->commons, MC_HASH_BYTES);
    assert_memory_equal(&after.info, &before->info, sizeof after.info);
    mc_fixture_assert_invariants(f);
}

mc_result mc_fixture_refused(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys,
                             size_t n, int code, const char *where)
{
    mc_fixture_snapshot before = mc_fixture_snapshot_take(f);
    mc_result r = mc_fixture_submit(f, body, keys, n);
    if (r.code != code) {
        print_error("(refusal expected by %s)\n", where);
    }
    MC_ASSERT_RESULT(r, code);
    assert_int_equal(r.height, 0);
    mc_fixture_assert_unchanged(f, &before);
    return r;
}

mc_result mc_fixture_applied(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys,
                             size_t n, const char *where)
{
    uint64_t h = mc_fixture_height(f);
    mc_result r = mc_fixture_submit(f, body, keys, n);
    if (r.code != MC_ERR_OK) {
        print_error("(success expected by %s)\n", where);
    }
    MC_ASSERT_RESULT(r, MC_ERR_OK);
    assert_false(r.duplicate);
    assert_int_equal(r.height, h + 1);
    assert_int_equal(mc_fixture_height(f), h + 1);
    return r;
}
