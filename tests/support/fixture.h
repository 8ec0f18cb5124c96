/* Test fixture shared by the unit tests: a fresh ledger in a temporary
 * directory with a set of steward keys, helpers that build, sign, verify
 * and apply transactions, and checks that one was applied, or refused
 * without changing anything. Every helper fails the running cmocka test on
 * an unexpected error. */
#ifndef MC_TEST_FIXTURE_H
#define MC_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "mc/amount.h"
#include "mc/crypto.h"
#include "mc/error.h"
#include "mc/ledger.h"
#include "mc/tx.h"

#define MC_FIXTURE_STEWARDS_MAX 5u

typedef struct mc_fixture {
    char dir[512];
    mc_ledger *ledger;
    mc_ledger_options opts;
    mc_keypair *stewards[MC_FIXTURE_STEWARDS_MAX];
    size_t steward_count;
    unsigned quorum;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint64_t nonce; /* next nonce handed out by mc_fixture_body() */
    int64_t now;    /* the time passed to apply; tests may move it */
} mc_fixture;

/* A new temporary directory (mkdtemp under $TMPDIR or /tmp); caller frees. */
char *mc_test_tmpdir(void);
/* rm -rf `dir`. */
void mc_test_rmtree(const char *dir);
/* Write `text` to the file `path`, created or truncated. */
void mc_test_write_text(const char *path, const char *text);
/* MC_VECTORS_DIR, or the source tree's tests/vectors. */
const char *mc_test_vectors_dir(void);

/* The genesis mc_fixture_setup() uses when given none: the defaults of
 * mc_genesis_params_default() for a "test community" counting in grain (g). */
void mc_fixture_genesis_defaults(mc_genesis_params *p);

/* Create a ledger with `stewards` fresh steward keys and quorum `quorum`,
 * default genesis parameters otherwise (decimals 2, members -300.00..3000.00),
 * without fsync. `params` may be NULL, or adjust the genesis before creation
 * (its stewards and node key are filled in by the fixture). */
void mc_fixture_setup(mc_fixture *f, size_t stewards, unsigned quorum,
                      const mc_genesis_params *params);
void mc_fixture_teardown(mc_fixture *f);
/* Close and open the ledger again. */
void mc_fixture_reopen(mc_fixture *f);

/* A body of `kind` with the fixture's ledger id and a fresh nonce. */
mc_body mc_fixture_body(mc_fixture *f, mc_tx_kind kind);

/* Encode, sign with `keys`, decode and verify: a transaction ready to apply. */
mc_tx *mc_fixture_sign(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys, size_t n);
/* Sign as above and apply; returns the result (the tx is freed). */
mc_result mc_fixture_submit(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys,
                            size_t n);
/* The first `quorum` stewards sign. */
mc_result mc_fixture_submit_stewards(mc_fixture *f, const mc_body *body);

/* Open an account for a new key pair (returned; caller frees) with `handle`,
 * `kind`, and `limits` (NULL: defaults); asserts it is applied. */
mc_keypair *mc_fixture_open(mc_fixture *f, const char *handle, mc_account_kind kind,
                            const mc_limits *limits);
/* payer pays `amount` minor units to payee; returns the result. */
mc_result mc_fixture_pay(mc_fixture *f, const mc_keypair *payer,
                         const uint8_t payee[MC_PUBLIC_KEY_BYTES], int64_t amount,
                         const char *memo);
/* The key pair whose seed is SHA-256(name): the same key on every run, for
 * tests that must not depend on random keys. The caller frees it. */
mc_keypair *mc_fixture_named_key(const char *name);
/* Open an account for mc_fixture_named_key(handle) (returned; caller
 * frees), signed by the stewards; asserts it is applied. */
mc_keypair *mc_fixture_open_named(mc_fixture *f, const char *handle, mc_account_kind kind);
/* The same for a commons kept by the `count` key pairs `keepers`, of which
 * `keeper_quorum` must sign its payments. */
mc_keypair *mc_fixture_open_commons(mc_fixture *f, const char *handle,
                                    const mc_keypair *const *keepers, size_t count,
                                    unsigned keeper_quorum);
/* The stewards set the status of `kp`'s account; asserts it is applied. */
void mc_fixture_set_status(mc_fixture *f, const mc_keypair *kp, mc_account_status status);

/* Bodies (mc_fixture_body() with a fresh nonce), to sign and apply, or to
 * change before. The key pairs and texts are borrowed until the body is
 * signed. */
mc_body mc_fixture_open_body(mc_fixture *f, const mc_keypair *kp, const char *handle,
                             mc_account_kind kind);
mc_body mc_fixture_transfer_body(mc_fixture *f, const mc_keypair *payer, const mc_keypair *payee,
                                 int64_t amount);
mc_body mc_fixture_limits_body(mc_fixture *f, const mc_keypair *kp, int64_t min, int64_t max);
mc_body mc_fixture_status_body(mc_fixture *f, const mc_keypair *kp, mc_account_status status);
/* A SetFee of `fee_bps` to `account` (NULL: no fee account). */
mc_body mc_fixture_fee_body(mc_fixture *f, unsigned fee_bps, const mc_keypair *account);
mc_body mc_fixture_contribution_body(mc_fixture *f, const mc_keypair *commons,
                                     const mc_keypair *contributor, int64_t weight,
                                     const char *description);
mc_body mc_fixture_review_body(mc_fixture *f, const uint8_t contribution_id[MC_TX_ID_BYTES],
                               bool approve);
mc_body mc_fixture_distribution_body(mc_fixture *f, const mc_keypair *commons,
                                     mc_distribution_params d);

/* The account's balance (asserts it exists). */
int64_t mc_fixture_balance(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES]);
/* The ledger's height (entries in its log). */
uint64_t mc_fixture_height(mc_fixture *f);
/* mc_ledger_get_info() with map_size 0 (storage, not state), so that two
 * can be compared whole. */
mc_ledger_info mc_fixture_info(mc_fixture *f);

/* SHA-256 over every account record and the height: equal digests before and
 * after prove that a refused transaction changed nothing. */
void mc_fixture_state_digest(mc_fixture *f, uint8_t out[MC_HASH_BYTES]);

/* All a transaction can change, to compare before and after one. */
typedef struct mc_fixture_snapshot {
    uint64_t height;
    uint8_t state[MC_HASH_BYTES];   /* mc_fixture_state_digest(): accounts, height, log root */
    uint8_t commons[MC_HASH_BYTES]; /* the contributions and rounds of every commons */
    mc_ledger_info info;            /* the configuration; map_size 0 (storage, not state) */
} mc_fixture_snapshot;

mc_fixture_snapshot mc_fixture_snapshot_take(mc_fixture *f);
/* Fails the test unless the ledger is as in `before` and mc_ledger_check()
 * passes. */
void mc_fixture_assert_unchanged(mc_fixture *f, const mc_fixture_snapshot *before);

/* Fails the test unless mc_ledger_check() passes. */
void mc_fixture_assert_invariants(mc_fixture *f);
/* Fails the test unless the balances sum to 0 and mc_ledger_check() passes. */
void mc_fixture_assert_balanced(mc_fixture *f);

/* Sign `body` with `keys` and apply it: it must be refused with `code`
 * (height 0) and change nothing (mc_fixture_assert_unchanged()). Returns the
 * result; `where` names the expectation when the code is another. */
mc_result mc_fixture_refused(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys,
                             size_t n, int code, const char *where);
/* Sign `body` with `keys` and apply it: it must be applied as a new entry
 * (not a duplicate) at the height after the last. Returns the result;
 * `where` as above. */
mc_result mc_fixture_applied(mc_fixture *f, const mc_body *body, const mc_keypair *const *keys,
                             size_t n, const char *where);

/* Assert that `r` has code `code`, printing both names when not. */
#define MC_ASSERT_RESULT(r, expected)                                                              \
    do {                                                                                           \
        int mc__got = (r).code;                                                                    \
        if (mc__got != (expected)) {                                                               \
            print_error("%s:%d: expected %s, got %s\n", __FILE__, __LINE__, mc_err_name(expected), \
                        mc_err_name(mc__got));                                                     \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

#define MC__STRING(x) #x
#define MC__LINE(x) "line " MC__STRING(x)

/* The listed key pairs as an array, and how many they are. */
#define MC_KEYS(...) ((const mc_keypair *const[]){__VA_ARGS__})
#define MC_KEY_COUNT(...) (sizeof MC_KEYS(__VA_ARGS__) / sizeof(const mc_keypair *))

/* mc_fixture_refused() and mc_fixture_applied() signed by the key pairs
 * listed last (or by the `n` of `keys`); the expectation is the caller's
 * line. */
#define MC_ASSERT_REFUSED(f, body, code, ...)                                                      \
    mc_fixture_refused((f), (body), MC_KEYS(__VA_ARGS__), MC_KEY_COUNT(__VA_ARGS__), (code),       \
                       MC__LINE(__LINE__))
#define MC_ASSERT_APPLIED(f, body, ...)                                                            \
    MC_ASSERT_APPLIED_BY(f, body, MC_KEYS(__VA_ARGS__), MC_KEY_COUNT(__VA_ARGS__))
#define MC_ASSERT_APPLIED_BY(f, body, keys, n)                                                     \
    mc_fixture_applied((f), (body), (keys), (n), MC__LINE(__LINE__))

#endif
