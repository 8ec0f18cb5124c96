/* Test fixture shared by the unit tests: a fresh ledger in a temporary
 * directory with a set of steward keys, and helpers that build, sign,
 * verify and apply transactions. Every helper fails the running cmocka test
 * on an unexpected error. */
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
/* MC_VECTORS_DIR, or the source tree's tests/vectors. */
const char *mc_test_vectors_dir(void);

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

/* The account's balance (asserts it exists). */
int64_t mc_fixture_balance(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES]);

/* SHA-256 over every account record and the height: equal digests before and
 * after prove that a refused transaction changed nothing. */
void mc_fixture_state_digest(mc_fixture *f, uint8_t out[MC_HASH_BYTES]);

/* Fails the test unless mc_ledger_check() passes. */
void mc_fixture_assert_invariants(mc_fixture *f);

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

#endif
