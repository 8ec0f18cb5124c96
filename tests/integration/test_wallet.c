/* mcwallet end to end: the real wallet binary against a real mcnode on
 * 127.0.0.1, every command, checked through its exit code (0 done, 1
 * refused or failed, 2 usage, 3 node unreachable) and its --json answer,
 * parsed whole by jansson (one object, nothing else on the output).
 *
 * Each test has its own node and its own wallet directories (ROOT/NAME, one
 * per person). The node is initialised with the key of a wallet identity,
 * "steward" (made with `mcwallet init steward --no-passphrase`), as one of
 * its stewards with quorum 1, so the wallet's steward commands sign alone.
 * Most identities have no passphrase (Argon2 costs time); the passphrase
 * tests use one that has.
 *
 *  - identities: init (refuses an existing name), key files 0600 in a 0700
 *    directory, encrypted (no seed) or not, identities, key, --as;
 *  - paying: info, open, balance, pay, the credit limit (exit 1, the error,
 *    nothing moved), the ceiling, the soft warning near the floor, amount
 *    syntax, unknown handles, history, accounts;
 *  - payment requests: request, requests, accept by prefix and only once
 *    (also on the ledger: a second payment of a paid request is refused),
 *    decline by the payer, cancel by the payee, the wrong side refused;
 *  - cheques: redeemed twice pays once, tampered, expired, over the limit,
 *    signed offline with the cached ledger and contacts, redeemed after the
 *    node restarted on a new port;
 *  - stewards: join then open from the join file (the account is "joined"),
 *    open with --kind/--min/--max, limits, freeze/unfreeze, close;
 *  - a private ledger: another's balance restricted, their history
 *    FORBIDDEN;
 *  - passphrases: wrong (exit 1, nothing submitted), from a file, from the
 *    environment;
 *  - the command line: help and --help for every command, --version, bad
 *    usage, an unreachable node and a silent one (exit 3).
 * Every test ends by stopping the node with SIGTERM (exit 0) and running
 * `mcnode check` on its data. Under ASan/UBSan any sanitizer report in a
 * wallet's output or the node's log fails the test. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fixture.h"
#include "json_path.h"
#include "mc/error.h"
#include "node_harness.h"
#include "wallet_run.h"

#define DAY_SECONDS 86400
#define CHEQUE_FUTURE_DAYS 30
#define SILENT_TIMEOUT_S "1"
#define SILENT_WAIT_MAX_S 10 /* a 1 s --timeout must end well within this */
#define PREFIX_DIGITS 8u     /* request id digits given to accept/decline/cancel */

/* Amounts in minor units (the ledger has 2 decimals; members -300..3000). */
#define MEMBER_MIN (-30000)
#define BUSINESS_MIN (-500000)
#define BUSINESS_MAX 5000000

typedef struct wallet_fixture {
    mc_test_node node;
    mc_test_wallet wallet;                     /* the wallets: ROOT/NAME, and the last run */
    char steward_key[MC_TEST_KEY_HEX_LEN + 1]; /* the "steward" identity's key, a node steward */
} wallet_fixture;

/* ---- running the wallet --------------------------------------------------- */

/* With the environment `env` added, in words. */
static int wallet_env(wallet_fixture *f, const char *who, const char *const *env, ...)
{
    va_list ap;
    va_start(ap, env);
    int status = mc_test_wallet_run_va(&f->wallet, who, env, false, ap);
    va_end(ap);
    return status;
}

/* With the environment `env` added, the --json answer. */
static json_t *wallet_json_env(wallet_fixture *f, const char *who, const char *const *env,
                               int expect, ...)
{
    va_list ap;
    va_start(ap, expect);
    mc_test_wallet_run_va(&f->wallet, who, env, true, ap);
    va_end(ap);
    return mc_test_wallet_answer(&f->wallet, expect, false);
}

/* The error is one of two names (where either is right). */
static void assert_error_either(json_t *o, const char *a, const char *b)
{
    const char *name = mc_test_json_string(o, "error.name");
    if (strcmp(name, a) != 0 && strcmp(name, b) != 0) {
        mc_test_json_fail(o, "error.name", a);
    }
}

/* ---- the community ---------------------------------------------------------- */

/* A new identity `name` (no passphrase) in its own wallet; the steward
 * opens its account, with the option `opt1 arg1` unless opt1 is NULL. */
static void new_member(wallet_fixture *f, const char *name, const char *opt1, const char *arg1)
{
    char key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, name, key);
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 0, "open", name, key, opt1, arg1, NULL);
    assert_string_equal(mc_test_json_string(o, "handle"), name);
    assert_string_equal(mc_test_json_string(o, "public_key"), key);
    assert_false(mc_test_json_bool(o, "joined"));
    assert_true(mc_test_json_int(o, "height") > 0);
}

/* `who`'s view of the balance of `handle` (NULL: their own). */
static int64_t balance(wallet_fixture *f, const char *who, const char *handle)
{
    json_t *o = mc_test_wallet_json(&f->wallet, who, 0, "balance", handle, NULL);
    assert_false(mc_test_json_bool(o, "restricted"));
    return mc_test_json_int(o, "balance.minor");
}

static int64_t ledger_height(wallet_fixture *f)
{
    return mc_test_json_int(mc_test_wallet_json(&f->wallet, "steward", 0, "info", NULL), "height");
}

/* The account as the node has it, through libmcclient (as a steward). */
static mc_client_account node_account(wallet_fixture *f, const char *key_hex)
{
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    assert_int_equal(mc_hex_decode(key_hex, key, sizeof key), MC_ERR_OK);
    mc_client *c = mc_test_node_client(&f->node);
    assert_int_equal(mc_client_authenticate(c, f->node.stewards[0], NULL), MC_ERR_OK);
    mc_client_account a;
    assert_int_equal(mc_client_get_account(c, key, &a), MC_ERR_OK);
    mc_client_close(c);
    return a;
}

static int setup_with(void **state, const char *visibility)
{
    wallet_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    mc_test_wallet_init(&f->wallet, 0, 0);
    mc_test_wallet_community(&f->wallet, &f->node, visibility, NULL, f->steward_key);
    return 0;
}

static int setup_open(void **state)
{
    return setup_with(state, "open");
}

static int setup_private(void **state)
{
    return setup_with(state, "private");
}

static int teardown(void **state)
{
    wallet_fixture *f = *state;
    if (f == NULL) {
        return 0;
    }
    if (f->node.root[0] != '\0') {
        mc_test_node_destroy(&f->node);
    }
    mc_test_wallet_free(&f->wallet);
    free(f);
    return 0;
}

/* ---- identities --------------------------------------------------------------- */

static void assert_mode(const char *path, mode_t mode)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if ((st.st_mode & 0777) != mode) {
        print_error("%s: mode %o, expected %o\n", path, (unsigned)(st.st_mode & 0777),
                    (unsigned)mode);
        fail();
    }
}

/* The key files: modes, and what they hold in clear. */
static void check_key_files(wallet_fixture *f)
{
    char path[MC_TEST_WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/ids/keys", f->wallet.root);
    assert_mode(path, 0700);
    snprintf(path, sizeof path, "%s/ids/keys/plain.key", f->wallet.root);
    assert_mode(path, 0600);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_false(mc_test_json_bool(doc, "encrypted"));
    mc_test_assert_hex(mc_test_json_string(doc, "seed"), 2 * MC_SECRET_SEED_BYTES);
    json_decref(doc);

    snprintf(path, sizeof path, "%s/ids/keys/sealed.key", f->wallet.root);
    assert_mode(path, 0600);
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_true(mc_test_json_bool(doc, "encrypted"));
    assert_null(json_object_get(doc, "seed"));
    assert_string_equal(mc_test_json_string(doc, "kdf.algorithm"), "argon2id13");
    assert_string_equal(mc_test_json_string(doc, "cipher.algorithm"), "xsalsa20poly1305");
    mc_test_assert_hex(mc_test_json_string(doc, "cipher.box"), 2 * MC_SEAL_BOX_BYTES);
    json_decref(doc);
}

/* `identities`, `key` and --as. */
static void check_identity_list(wallet_fixture *f, const char *plain_key, const char *sealed_key)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "ids", 0, "identities", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "identities")), 2);
    assert_string_equal(mc_test_json_string(o, "identities.0.name"), "plain"); /* sorted by name */
    assert_string_equal(mc_test_json_string(o, "identities.0.public_key"), plain_key);
    assert_true(mc_test_json_bool(o, "identities.0.default")); /* the first one made */
    assert_false(mc_test_json_bool(o, "identities.0.encrypted"));
    assert_string_equal(mc_test_json_string(o, "identities.1.name"), "sealed");
    assert_string_equal(mc_test_json_string(o, "identities.1.public_key"), sealed_key);
    assert_false(mc_test_json_bool(o, "identities.1.default"));
    assert_true(mc_test_json_bool(o, "identities.1.encrypted"));
    mc_test_wallet_run(&f->wallet, "ids", "identities", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "* plain");

    char key[MC_TEST_KEY_HEX_LEN + 1];
    /* The default identity; no passphrase is needed for the public key. */
    mc_test_wallet_key(&f->wallet, "ids", key);
    assert_string_equal(key, plain_key);
    o = mc_test_wallet_json(&f->wallet, "ids", 0, "--as", "sealed", "key", NULL);
    assert_string_equal(mc_test_json_string(o, "public_key"), sealed_key);
    assert_string_equal(mc_test_json_string(o, "name"), "sealed");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "ids", 1, "--as", "nobody", "key", NULL), "NOT_FOUND");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "empty", 1, "key", NULL),
                              "NOT_FOUND");
    o = mc_test_wallet_json(&f->wallet, "empty", 0, "identities", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "identities")), 0);
}

/* A key file whose public key was swapped for another is refused when
 * unlocked (its seed gives another key), before anything is signed. */
static void check_swapped_key(wallet_fixture *f, const char *other_key)
{
    char path[MC_TEST_WALLET_PATH_MAX], join[MC_TEST_WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/ids/keys/plain.key", f->wallet.root);
    mc_test_wallet_path(&f->wallet, "swapped.join", join, sizeof join);
    json_t *doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    json_object_set_new(doc, "public_key", json_string(other_key));
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2)), 0);
    json_decref(doc);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "ids", 1, "join", "plain", "--out", join, NULL),
        "KEY_INVALID");
    assert_int_equal(access(join, F_OK), -1);
}

static void test_identities(void **state)
{
    wallet_fixture *f = *state;
    const char *const pass[] = {"MC_PASSPHRASE=correct horse battery", NULL};
    char plain_key[MC_TEST_KEY_HEX_LEN + 1], sealed_key[MC_TEST_KEY_HEX_LEN + 1];

    json_t *o = mc_test_wallet_json(&f->wallet, "ids", 0, "init", "plain", "--no-passphrase", NULL);
    assert_false(mc_test_json_bool(o, "encrypted"));
    assert_string_equal(mc_test_json_string(o, "name"), "plain");
    snprintf(plain_key, sizeof plain_key, "%s", mc_test_json_string(o, "public_key"));
    mc_test_assert_hex(plain_key, MC_TEST_KEY_HEX_LEN);
    o = wallet_json_env(f, "ids", pass, 0, "init", "sealed", NULL);
    assert_true(mc_test_json_bool(o, "encrypted"));
    snprintf(sealed_key, sizeof sealed_key, "%s", mc_test_json_string(o, "public_key"));
    assert_string_not_equal(plain_key, sealed_key);

    /* An existing name is refused, and its key kept. */
    o = mc_test_wallet_json(&f->wallet, "ids", 1, "init", "plain", "--no-passphrase", NULL);
    assert_non_null(strstr(mc_test_json_string(o, "error.message"), "exists"));
    wallet_json_env(f, "ids", pass, 1, "init", "sealed", NULL);
    check_key_files(f);
    check_identity_list(f, plain_key, sealed_key);

    /* Names and passphrases that do not do. */
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "ids", "init", "Bad Name", "--no-passphrase", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "ids", "init", ".hidden", "--no-passphrase", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "ids", "init", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "ids", "init", "a", "b", "--no-passphrase", NULL), 2);
    check_swapped_key(f, sealed_key);
    const char *const empty[] = {"MC_PASSPHRASE=", NULL};
    wallet_json_env(f, "ids", empty, 1, "init", "blank", NULL);
    char path[MC_TEST_WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/ids/keys/blank.key", f->wallet.root);
    assert_int_not_equal(access(path, F_OK), 0);
    mc_test_node_finish(&f->node);
}

/* ---- passphrases -------------------------------------------------------------- */

static void test_passphrase(void **state)
{
    wallet_fixture *f = *state;
    const char *const right[] = {"MC_PASSPHRASE=open sesame", NULL};
    const char *const wrong[] = {"MC_PASSPHRASE=open barley", NULL};
    char key[MC_TEST_KEY_HEX_LEN + 1], right_file[MC_TEST_WALLET_PATH_MAX];
    char wrong_file[MC_TEST_WALLET_PATH_MAX], missing[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "right.pass", right_file, sizeof right_file);
    mc_test_wallet_path(&f->wallet, "wrong.pass", wrong_file, sizeof wrong_file);
    mc_test_wallet_path(&f->wallet, "missing.pass", missing, sizeof missing);
    mc_test_write_text(right_file, "open sesame\n");
    mc_test_write_text(wrong_file, "open barley\n");

    new_member(f, "bob", NULL, NULL);
    wallet_json_env(f, "carol", right, 0, "init", "carol", NULL);
    mc_test_wallet_key(&f->wallet, "carol", key);
    mc_test_wallet_json(&f->wallet, "steward", 0, "open", "carol", key, NULL);

    /* A wrong passphrase: exit 1, WRONG_PASSPHRASE, and nothing submitted. */
    int64_t height = ledger_height(f);
    mc_test_json_assert_error(wallet_json_env(f, "carol", wrong, 1, "pay", "bob", "1", NULL),
                              "WRONG_PASSPHRASE");
    wallet_env(f, "carol", wrong, "pay", "bob", "1", NULL);
    mc_test_wallet_expect(&f->wallet, 1, "WRONG_PASSPHRASE");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "carol", 1, "--passphrase-file",
                                                  wrong_file, "pay", "bob", "1", NULL),
                              "WRONG_PASSPHRASE");
    assert_int_equal(ledger_height(f), height);
    assert_int_equal(balance(f, "bob", NULL), 0);
    mc_test_wallet_json(&f->wallet, "carol", 1, "--passphrase-file", missing, "pay", "bob", "1",
                        NULL);
    assert_int_equal(ledger_height(f), height);

    /* The right one, from a file or the environment. */
    json_t *o = mc_test_wallet_json(&f->wallet, "carol", 0, "--passphrase-file", right_file, "pay",
                                    "bob", "1.50", NULL);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -150);
    o = wallet_json_env(f, "carol", right, 0, "balance", NULL);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -150);
    assert_string_equal(mc_test_json_string(o, "handle"), "carol");
    assert_int_equal(balance(f, "bob", NULL), 150);
    mc_test_node_finish(&f->node);
}

/* ---- reading and paying --------------------------------------------------------- */

static void check_info(wallet_fixture *f)
{
    char id[2 * MC_LEDGER_ID_BYTES + 1];
    mc_hex_encode(f->node.ledger_id, MC_LEDGER_ID_BYTES, id);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "info", NULL);
    assert_string_equal(mc_test_json_string(o, "ledger_id"), id);
    assert_string_equal(mc_test_json_string(o, "unit.name"), "grain");
    assert_string_equal(mc_test_json_string(o, "unit.symbol"), "g");
    assert_int_equal(mc_test_json_int(o, "unit.decimals"), 2);
    assert_string_equal(mc_test_json_string(o, "visibility"), "open");
    assert_int_equal(mc_test_json_int(o, "quorum"), 1);
    assert_int_equal(mc_test_json_int(o, "default_limits.member.min.minor"), MEMBER_MIN);
    assert_string_equal(mc_test_json_string(o, "default_limits.member.min.value"), "-300.00");
    assert_int_equal(mc_test_json_int(o, "default_limits.business.max.minor"), BUSINESS_MAX);
    json_t *stewards = mc_test_json_at(o, "stewards");
    assert_int_equal(json_array_size(stewards), 2); /* the harness's and the wallet's */
    bool found = false;
    for (size_t i = 0; i < json_array_size(stewards); i++) {
        found =
            found || strcmp(json_string_value(json_array_get(stewards, i)), f->steward_key) == 0;
    }
    assert_true(found);
    mc_test_wallet_run(&f->wallet, "alice", "info", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "grain (g), 2 decimals");
    mc_test_wallet_expect(&f->wallet, 0, id);
}

/* alice (member defaults) and bob (-50.00 .. 100.00); alice pays bob 12.50. */
static void open_alice_bob(wallet_fixture *f)
{
    char key[MC_TEST_KEY_HEX_LEN + 1];
    new_member(f, "alice", NULL, NULL);
    mc_test_wallet_run(&f->wallet, "bob", "init", "bob", "--no-passphrase", NULL);
    mc_test_wallet_key(&f->wallet, "bob", key);
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 0, "open", "bob", key, "--min", "-50",
                                    "--max", "100", NULL);
    assert_string_equal(mc_test_json_string(o, "kind"), "member");
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "balance", "bob", NULL);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), 0);
    assert_int_equal(mc_test_json_int(o, "limits.min.minor"), -5000);
    assert_int_equal(mc_test_json_int(o, "limits.max.minor"), 10000);
    assert_string_equal(mc_test_json_string(o, "status"), "active");
    assert_string_equal(mc_test_json_string(o, "public_key"), key);

    o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "12.50", "bread", NULL);
    assert_int_equal(mc_test_json_int(o, "amount.minor"), 1250);
    assert_string_equal(mc_test_json_string(o, "amount.value"), "12.50");
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -1250);
    assert_string_equal(mc_test_json_string(o, "payee"), "bob");
    assert_false(mc_test_json_bool(o, "duplicate"));
    mc_test_assert_hex(mc_test_json_string(o, "tx_id"), MC_TEST_TX_ID_HEX_LEN);
    assert_null(json_object_get(o, "warnings")); /* far from the floor */
    mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", "0.50", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "paid 0.50 g to bob");
    assert_int_equal(balance(f, "alice", NULL), -1300);
    assert_int_equal(balance(f, "bob", "bob"), 1300);
}

/* A refused payment: exit 1, its error (and `words` in the human answer
 * unless NULL), and the ledger as it was. */
static void expect_refused(wallet_fixture *f, const char *payer, const char *payee,
                           const char *amount, const char *error, const char *words)
{
    int64_t height = ledger_height(f);
    int64_t payer_balance = balance(f, "steward", payer);
    int64_t payee_balance = balance(f, "steward", payee);
    json_t *o = mc_test_wallet_json(&f->wallet, payer, 1, "pay", payee, amount, NULL);
    mc_test_json_assert_error(o, error);
    mc_test_wallet_run(&f->wallet, payer, "pay", payee, amount, NULL);
    mc_test_wallet_expect(&f->wallet, 1, error);
    mc_test_wallet_expect(&f->wallet, 1, words);
    assert_int_equal(ledger_height(f), height);
    assert_int_equal(balance(f, "steward", payer), payer_balance);
    assert_int_equal(balance(f, "steward", payee), payee_balance);
}

static void check_limits(wallet_fixture *f)
{
    /* bob's ceiling is 100.00 and he holds 13.00. */
    expect_refused(f, "alice", "bob", "90", "EXCEEDS_CEILING", "ceiling of 100.00 g");
    mc_test_wallet_json(&f->wallet, "steward", 0, "limits", "bob", "--max", "3000", NULL);
    /* alice is at -13.00 above a floor of -300.00. */
    expect_refused(f, "alice", "bob", "288", "EXCEEDS_CREDIT_LIMIT", "credit limit of -300.00 g");
    /* Within 10% of the floor: paid, with a soft warning. */
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "260", NULL);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -27300);
    assert_int_equal(json_array_size(mc_test_json_at(o, "warnings")), 1);
    assert_non_null(strstr(mc_test_json_string(o, "warnings.0"), "credit limit"));
    mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", "1", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "warning: ");
    /* The hard limit still holds exactly: 26.00 left. */
    expect_refused(f, "alice", "bob", "26.01", "EXCEEDS_CREDIT_LIMIT", NULL);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "26", NULL);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), MEMBER_MIN);
    assert_non_null(mc_test_json_at(o, "warnings"));
    expect_refused(f, "alice", "bob", "0.01", "EXCEEDS_CREDIT_LIMIT", NULL);
    /* bob pays back what alice paid since 13.00. */
    mc_test_wallet_json(&f->wallet, "bob", 0, "pay", "alice", "287", NULL);
    assert_int_equal(balance(f, "alice", NULL), -1300);
}

static void check_bad_payments(wallet_fixture *f)
{
    static const char *const bad_amounts[] = {
        "1e3", "12.345", "-5", "0", "0.00", "abc", "", "1,5", "12.", "+-1", "99999999999999999999"};
    int64_t height = ledger_height(f);
    for (size_t i = 0; i < sizeof bad_amounts / sizeof bad_amounts[0]; i++) {
        mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", bad_amounts[i], NULL);
        mc_test_wallet_expect(&f->wallet, 2, "usage:");
    }
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", "1", "memo", "more", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "pay", "Not A Handle", "1", NULL), 2);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 1, "pay", "nobody", "1", NULL);
    mc_test_json_assert_error(o, "NOT_FOUND");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "pay", "alice", "1", NULL), "SELF_TRANSFER");
    char memo[200];
    memset(memo, 'm', 141);
    memo[141] = '\0';
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "pay", "bob", "1", memo, NULL),
        "MEMO_TOO_LONG");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "pay", "bob", "1", "caf\xe9", NULL),
        "MEMO_NOT_UTF8");
    assert_int_equal(ledger_height(f), height);

    /* A payee given by its key. */
    char key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_key(&f->wallet, "bob", key);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", key, "0.25", NULL);
    assert_string_equal(mc_test_json_string(o, "payee"), "bob");
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -1325);
}

static void check_history_accounts(wallet_fixture *f)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "history", "--limit", "2", NULL);
    assert_string_equal(mc_test_json_string(o, "handle"), "alice");
    assert_int_equal(json_array_size(mc_test_json_at(o, "items")), 2);
    assert_true(mc_test_json_bool(o, "more"));
    assert_int_equal(mc_test_json_int(o, "items.0.delta.minor"), -25); /* the newest first */
    assert_int_equal(mc_test_json_int(o, "items.0.balance_after.minor"), -1325);
    assert_string_equal(mc_test_json_string(o, "items.0.counterparty.handle"), "bob");
    assert_string_equal(mc_test_json_string(o, "items.0.kind"), "payment");
    int64_t newest = mc_test_json_int(o, "items.0.height");
    assert_true(mc_test_json_int(o, "items.1.height") < newest);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "history", "--limit", "0", NULL);
    size_t items = json_array_size(mc_test_json_at(o, "items"));
    assert_int_equal(items, 8); /* opened, 12.50, 0.50, 260, 1, 26, bob's 287, 0.25 */
    assert_false(mc_test_json_bool(o, "more"));
    char last[32];
    snprintf(last, sizeof last, "items.%zu", items - 1);
    json_t *opened = mc_test_json_at(o, last);
    assert_string_equal(mc_test_json_string(opened, "kind"), "opened");
    assert_string_equal(mc_test_json_string(o, "items.6.memo"), "bread");
    /* An open ledger: bob reads alice's history. */
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "history", "alice", "--limit", "1", NULL);
    assert_int_equal(mc_test_json_int(o, "items.0.height"), newest);
    mc_test_wallet_run(&f->wallet, "alice", "history", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "bread");
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "history", "--limit", "x", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "history", "a", "b", NULL), 2);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "history", "nobody", NULL), "NOT_FOUND");

    o = mc_test_wallet_json(&f->wallet, "alice", 0, "accounts", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "accounts")), 2);
    assert_string_equal(mc_test_json_string(o, "accounts.0.handle"), "alice");
    assert_string_equal(mc_test_json_string(o, "accounts.1.handle"), "bob");
    assert_int_equal(mc_test_json_int(o, "accounts.0.balance.minor"), -1325);
    assert_int_equal(mc_test_json_int(o, "total.minor"), 0);
    mc_test_wallet_run(&f->wallet, "steward", "accounts", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "total");
    /* The steward holds no account: no balance of its own. */
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "steward", 1, "balance", NULL),
                              "NOT_FOUND");
}

static void test_payments(void **state)
{
    wallet_fixture *f = *state;
    open_alice_bob(f);
    check_info(f);
    check_limits(f);
    check_bad_payments(f);
    check_history_accounts(f);
    mc_test_node_finish(&f->node);
}

/* ---- payment requests ------------------------------------------------------------ */

/* `payee` asks `payer` for `amount`: the request's id. */
static void ask(wallet_fixture *f, const char *payee, const char *payer, const char *amount,
                char id[MC_TEST_TX_ID_HEX_LEN + 1])
{
    json_t *o =
        mc_test_wallet_json(&f->wallet, payee, 0, "request", payer, amount, "for bread", NULL);
    assert_string_equal(mc_test_json_string(o, "payer"), payer);
    snprintf(id, MC_TEST_TX_ID_HEX_LEN + 1, "%s", mc_test_json_string(o, "request_id"));
    mc_test_assert_hex(id, MC_TEST_TX_ID_HEX_LEN);
}

static void prefix_of(const char *id, char out[PREFIX_DIGITS + 1])
{
    memcpy(out, id, PREFIX_DIGITS);
    out[PREFIX_DIGITS] = '\0';
}

/* A second payment of a paid request, signed by the payer and submitted
 * straight to the node, is refused by the ledger itself. */
static void pay_request_again(wallet_fixture *f, const char *id_hex)
{
    mc_keypair *alice = mc_test_wallet_keypair(&f->wallet, "alice");
    char bob_hex[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_key(&f->wallet, "bob", bob_hex);
    mc_body b = mc_test_body(&f->node, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(alice), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(mc_hex_decode(bob_hex, b.u.transfer.payee, MC_PUBLIC_KEY_BYTES), MC_ERR_OK);
    b.u.transfer.amount = 500;
    b.u.transfer.has_request = true;
    assert_int_equal(mc_hex_decode(id_hex, b.u.transfer.request_id, MC_TX_ID_BYTES), MC_ERR_OK);
    size_t len = 0;
    const mc_keypair *keys[] = {alice};
    uint8_t *tx = mc_test_sign(&b, keys, 1, &len);
    mc_client *c = mc_test_node_client(&f->node);
    mc_result r;
    assert_int_equal(mc_client_submit(c, tx, len, &r), MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_REQUEST_CLOSED);
    mc_client_close(c);
    free(tx);
    mc_keypair_free(alice);
}

static void check_accept(wallet_fixture *f)
{
    char id[MC_TEST_TX_ID_HEX_LEN + 1], prefix[PREFIX_DIGITS + 1];
    ask(f, "bob", "alice", "5", id);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "requests", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "to_pay")), 1);
    assert_int_equal(json_array_size(mc_test_json_at(o, "waiting")), 0);
    assert_string_equal(mc_test_json_string(o, "to_pay.0.id"), id);
    assert_string_equal(mc_test_json_string(o, "to_pay.0.payee.handle"), "bob");
    assert_int_equal(mc_test_json_int(o, "to_pay.0.amount.minor"), 500);
    assert_string_equal(mc_test_json_string(o, "to_pay.0.memo"), "for bread");
    assert_string_equal(mc_test_json_string(o, "to_pay.0.status"), "open");
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "requests", NULL);
    assert_string_equal(mc_test_json_string(o, "waiting.0.id"), id);
    assert_int_equal(json_array_size(mc_test_json_at(o, "to_pay")), 0);
    prefix_of(id, prefix);
    mc_test_wallet_run(&f->wallet, "alice", "requests", NULL);
    mc_test_wallet_expect(&f->wallet, 0, prefix);

    /* Accepted by a prefix of its id: paid once. */
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "accept", prefix, NULL);
    assert_string_equal(mc_test_json_string(o, "request_id"), id);
    assert_int_equal(mc_test_json_int(o, "amount.minor"), 500);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -500);
    int64_t height = ledger_height(f);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 1, "accept", id, NULL),
                              "REQUEST_CLOSED");
    /* By prefix: no longer among the open ones. */
    mc_test_wallet_json(&f->wallet, "alice", 1, "accept", prefix, NULL);
    pay_request_again(f, id);
    assert_int_equal(ledger_height(f), height);
    assert_int_equal(balance(f, "alice", NULL), -500);
    assert_int_equal(balance(f, "bob", NULL), 500);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "requests", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "to_pay")), 0);
}

static void check_decline_cancel(wallet_fixture *f)
{
    char id[MC_TEST_TX_ID_HEX_LEN + 1], prefix[PREFIX_DIGITS + 1];
    ask(f, "bob", "alice", "6", id);
    prefix_of(id, prefix);
    /* Only the payer pays or declines, only the payee cancels. */
    mc_test_wallet_json(&f->wallet, "bob", 1, "accept", id, NULL);
    mc_test_wallet_json(&f->wallet, "bob", 1, "decline", prefix, NULL);
    mc_test_wallet_json(&f->wallet, "alice", 1, "cancel", prefix, NULL);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "decline", prefix, NULL);
    assert_string_equal(mc_test_json_string(o, "request_id"), id);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 1, "accept", id, NULL),
                              "REQUEST_CLOSED");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, "cancel", id, NULL),
                              "REQUEST_CLOSED");

    ask(f, "bob", "alice", "7", id);
    prefix_of(id, prefix);
    /* A prefix that matches nothing (or not one). */
    mc_test_wallet_json(&f->wallet, "alice", 1, "decline", "00000000", NULL);
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "cancel", prefix, NULL);
    assert_string_equal(mc_test_json_string(o, "request_id"), id);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 1, "accept", id, NULL),
                              "REQUEST_CLOSED");
    mc_test_wallet_run(&f->wallet, "alice", "requests", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "no open payment request");
    assert_int_equal(balance(f, "alice", NULL), -500);

    /* Prefixes too short, and not hex. */
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "accept", "abc", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "accept", "zzzz", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "accept", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "bob", "request", "alice", "1.001", NULL), 2);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "bob", 1, "request", "nobody", "1", NULL), "NOT_FOUND");
}

static void test_requests(void **state)
{
    wallet_fixture *f = *state;
    new_member(f, "alice", NULL, NULL);
    new_member(f, "bob", NULL, NULL);
    check_accept(f);
    check_decline_cancel(f);
    mc_test_node_finish(&f->node);
}

/* ---- cheques ---------------------------------------------------------------------- */

/* A copy of the cheque `from` with the hex digit at `index` (negative:
 * from the end) of its signed_tx changed, written to `to`. */
static void tamper(const char *from, const char *to, long index)
{
    json_t *doc = json_load_file(from, 0, NULL);
    assert_non_null(doc);
    const char *hex = mc_test_json_string(doc, "signed_tx");
    size_t len = strlen(hex);
    size_t at = index >= 0 ? (size_t)index : len - (size_t)(-index);
    assert_true(at < len);
    char *copy = strdup(hex);
    assert_non_null(copy);
    copy[at] = copy[at] == '0' ? '1' : '0';
    json_object_set_new(doc, "signed_tx", json_string(copy));
    assert_int_equal(json_dump_file(doc, to, JSON_INDENT(2)), 0);
    free(copy);
    json_decref(doc);
}

static void check_cheque_file(const char *path, const char *tx_id)
{
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_string_equal(mc_test_json_string(doc, "format"), "mc-cheque-1");
    assert_string_equal(mc_test_json_string(doc, "tx_id"), tx_id);
    assert_string_equal(mc_test_json_string(doc, "payee.handle"), "bob");
    assert_int_equal(mc_test_json_int(doc, "amount.minor"), 300);
    assert_true(strlen(mc_test_json_string(doc, "signed_tx")) > 0);
    assert_null(json_object_get(doc, "ok"));
    json_decref(doc);
}

/* Written, redeemed, redeemed again: paid once. */
static void check_redeem_twice(wallet_fixture *f, const char *cheque)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "cheque", "bob", "3", "lunch", "--out",
                                    cheque, NULL);
    assert_int_equal(mc_test_json_int(o, "amount.minor"), 300);
    assert_string_equal(mc_test_json_string(o, "payee.handle"), "bob");
    assert_string_equal(mc_test_json_string(o, "memo"), "lunch");
    assert_string_equal(mc_test_json_string(o, "file"), cheque);
    assert_null(json_object_get(o, "signed_tx"));
    char tx_id[MC_TEST_TX_ID_HEX_LEN + 1];
    snprintf(tx_id, sizeof tx_id, "%s", mc_test_json_string(o, "tx_id"));
    check_cheque_file(cheque, tx_id);
    int64_t alice = balance(f, "alice", NULL), bob = balance(f, "bob", NULL);

    o = mc_test_wallet_json(&f->wallet, "bob", 0, "redeem", cheque, NULL);
    assert_false(mc_test_json_bool(o, "duplicate"));
    assert_string_equal(mc_test_json_string(o, "tx_id"), tx_id);
    assert_string_equal(mc_test_json_string(o, "payer"), "alice");
    assert_int_equal(mc_test_json_int(o, "amount.minor"), 300);
    int64_t height = mc_test_json_int(o, "height");
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "redeem", cheque, NULL);
    assert_true(mc_test_json_bool(o, "duplicate"));
    assert_int_equal(mc_test_json_int(o, "height"), height);
    mc_test_wallet_run(&f->wallet, "bob", "redeem", cheque, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "already redeemed");
    assert_int_equal(balance(f, "alice", NULL), alice - 300);
    assert_int_equal(balance(f, "bob", NULL), bob + 300);
    assert_int_equal(ledger_height(f), height);
}

/* Altered, not a cheque, no file: refused, nothing submitted. */
static void check_bad_cheques(wallet_fixture *f)
{
    char altered[MC_TEST_WALLET_PATH_MAX], other[MC_TEST_WALLET_PATH_MAX];
    char missing[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "altered.json", altered, sizeof altered);
    mc_test_wallet_path(&f->wallet, "other.json", other, sizeof other);
    mc_test_wallet_path(&f->wallet, "missing.json", missing, sizeof missing);
    int64_t height = ledger_height(f);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "alice", "cheque", "bob", "2", "--out", other, NULL), 0);
    tamper(other, altered, -10); /* in the signature */
    assert_error_either(mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", altered, NULL),
                        "BAD_SIGNATURE", "MALFORMED");
    tamper(other, altered, 0); /* the first byte */
    assert_error_either(mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", altered, NULL),
                        "BAD_SIGNATURE", "MALFORMED");
    mc_test_write_text(altered, "{\"format\": \"mc-join-1\"}\n");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", altered, NULL),
                              "MALFORMED");
    mc_test_write_text(altered, "not json");
    mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", altered, NULL);
    mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", missing, NULL);
    assert_int_equal(ledger_height(f), height);
}

/* Usage: an expired date, junk validity, no --out; an existing file. */
static void check_cheque_usage(wallet_fixture *f, const char *cheque)
{
    char missing[MC_TEST_WALLET_PATH_MAX], other2[MC_TEST_WALLET_PATH_MAX], until[16];
    mc_test_wallet_path(&f->wallet, "missing.json", missing, sizeof missing);
    mc_test_wallet_path(&f->wallet, "other2.json", other2, sizeof other2);
    int64_t height = ledger_height(f);
    time_t later = time(NULL) + (time_t)CHEQUE_FUTURE_DAYS * DAY_SECONDS;
    struct tm tm;
    strftime(until, sizeof until, "%Y-%m-%d", gmtime_r(&later, &tm));
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "cheque", "bob", "1", "--out", missing,
                                        "--valid-until", "2001-02-03", NULL),
                     2);
    assert_int_equal(access(missing, F_OK), -1);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "cheque", "bob", "1", "--out", missing,
                                        "--valid-until", "soon", NULL),
                     2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "cheque", "bob", "1", "--out", missing,
                                        "--valid-days", "0", NULL),
                     2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "cheque", "bob", "1", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "alice", "cheque", "bob", "1.234", "--out", missing, NULL),
        2);
    assert_int_equal(access(missing, F_OK), -1);
    /* The --out file exists. */
    mc_test_wallet_json(&f->wallet, "alice", 1, "cheque", "bob", "1", "--out", cheque, NULL);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "cheque", "bob", "1", "--out", missing,
                                    "--valid-until", until, NULL);
    assert_string_equal(mc_test_json_string(o, "valid_until"), until);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "cheque", "bob", "1", "--out", other2,
                            "--valid-days", "1", NULL);
    assert_true(mc_test_json_int(o, "not_after") > (int64_t)time(NULL));
    assert_true(mc_test_json_int(o, "not_after") <= (int64_t)time(NULL) + 2 * DAY_SECONDS);
    assert_int_equal(ledger_height(f), height);
}

/* A cheque file made by hand: alice pays bob 1.00 on `ledger_id`, valid
 * until `not_after`, signed with alice's key. */
static void craft_cheque(wallet_fixture *f, const char *path, const uint8_t *ledger_id,
                         int64_t not_after)
{
    mc_keypair *alice = mc_test_wallet_keypair(&f->wallet, "alice");
    char bob_hex[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_key(&f->wallet, "bob", bob_hex);
    mc_body b = mc_test_body(&f->node, MC_TX_TRANSFER);
    memcpy(b.ledger_id, ledger_id, MC_LEDGER_ID_BYTES);
    b.not_after = not_after;
    memcpy(b.u.transfer.payer, mc_keypair_public(alice), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(mc_hex_decode(bob_hex, b.u.transfer.payee, MC_PUBLIC_KEY_BYTES), MC_ERR_OK);
    b.u.transfer.amount = 100;
    size_t len = 0;
    const mc_keypair *keys[] = {alice};
    uint8_t *tx = mc_test_sign(&b, keys, 1, &len);
    char *hex = malloc(2 * len + 1);
    assert_non_null(hex);
    mc_hex_encode(tx, len, hex);
    json_t *doc = json_pack("{s:s, s:s}", "format", "mc-cheque-1", "signed_tx", hex);
    assert_int_equal(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
    free(hex);
    free(tx);
    mc_keypair_free(alice);
}

/* Cheques the wallet would not write: expired, for another ledger. */
static void check_crafted_cheques(wallet_fixture *f)
{
    char path[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "crafted.json", path, sizeof path);
    int64_t height = ledger_height(f);
    craft_cheque(f, path, f->node.ledger_id, (int64_t)time(NULL) - DAY_SECONDS);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", path, NULL),
                              "EXPIRED");
    uint8_t other[MC_LEDGER_ID_BYTES];
    memcpy(other, f->node.ledger_id, sizeof other);
    other[0] ^= 1;
    craft_cheque(f, path, other, 0);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", path, NULL),
                              "WRONG_LEDGER");
    assert_int_equal(ledger_height(f), height);
}

/* A cheque beyond the payer's credit limit is written, and refused. */
static void check_cheque_over_limit(wallet_fixture *f)
{
    char big[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "big.json", big, sizeof big);
    mc_test_wallet_json(&f->wallet, "alice", 0, "cheque", "bob", "400", "--out", big, NULL);
    int64_t alice = balance(f, "alice", NULL);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, "redeem", big, NULL),
                              "EXCEEDS_CREDIT_LIMIT");
    assert_int_equal(balance(f, "alice", NULL), alice);
}

/* Signed while the node is down (the ledger and bob's key from the
 * wallet's caches), redeemed once it is back on a new port. */
static void check_offline_cheque(wallet_fixture *f)
{
    char cheque[MC_TEST_WALLET_PATH_MAX], stray[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "offline.json", cheque, sizeof cheque);
    mc_test_wallet_path(&f->wallet, "stray.json", stray, sizeof stray);
    int64_t alice = balance(f, "alice", NULL), bob = balance(f, "bob", NULL);
    assert_int_equal(mc_test_node_stop(&f->node, SIGTERM, MC_TEST_STOP_TIMEOUT_MS), 0);

    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "cheque", "bob", "4.25", "offline",
                                    "--out", cheque, NULL);
    assert_int_equal(mc_test_json_int(o, "amount.minor"), 425);
    assert_non_null(strstr(mc_test_json_string(o, "warnings.0"), "unreachable"));
    /* carol was never looked up: no key for her handle. */
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 3, "cheque", "carol", "1", "--out", stray, NULL),
        "UNREACHABLE");
    assert_int_equal(access(stray, F_OK), -1);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 3, "redeem", cheque, NULL),
                              "UNREACHABLE");

    mc_test_node_start(&f->node, NULL);
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "redeem", cheque, NULL);
    assert_false(mc_test_json_bool(o, "duplicate"));
    assert_int_equal(mc_test_json_int(o, "amount.minor"), 425);
    assert_int_equal(balance(f, "alice", NULL), alice - 425);
    assert_int_equal(balance(f, "bob", NULL), bob + 425);
}

/* A memo that is not UTF-8: refused by its name (or as usage), no file.
 * (The node may be down: a cheque needs none.) */
static void check_cheque_memo(wallet_fixture *f)
{
    char missing[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "memo.json", missing, sizeof missing);
    if (mc_test_wallet_run(&f->wallet, "alice", "cheque", "bob", "1", "caf\xe9", "--out", missing,
                           NULL) != 2) {
        mc_test_wallet_expect(&f->wallet, 1, "MEMO_NOT_UTF8");
    }
    assert_int_equal(access(missing, F_OK), -1);
}

static void test_cheques(void **state)
{
    wallet_fixture *f = *state;
    char cheque[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "cheque.json", cheque, sizeof cheque);
    new_member(f, "alice", NULL, NULL);
    new_member(f, "bob", NULL, NULL);
    /* bob is now in alice's contacts. */
    assert_int_equal(mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", "1", NULL), 0);
    check_redeem_twice(f, cheque);
    check_bad_cheques(f);
    check_cheque_usage(f, cheque);
    check_cheque_over_limit(f);
    check_crafted_cheques(f);
    check_offline_cheque(f);
    mc_test_node_finish(&f->node);
    check_cheque_memo(f);
}

/* ---- stewards ------------------------------------------------------------------------ */

/* carol asks to join with a signed file; the steward opens it. */
static void check_join(wallet_fixture *f)
{
    char join[MC_TEST_WALLET_PATH_MAX], key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_path(&f->wallet, "carol.join", join, sizeof join);
    mc_test_wallet_run(&f->wallet, "carol", "init", "carol", "--no-passphrase", NULL);
    mc_test_wallet_key(&f->wallet, "carol", key);
    /* No --out. */
    assert_int_equal(mc_test_wallet_run(&f->wallet, "carol", "join", "carol", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "carol", "join", "carol", "--out", join,
                                        "--kind", "x", NULL),
                     2);
    json_t *o = mc_test_wallet_json(&f->wallet, "carol", 0, "join", "carol", "--out", join, NULL);
    assert_string_equal(mc_test_json_string(o, "handle"), "carol");
    json_t *doc = json_load_file(join, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_string_equal(mc_test_json_string(doc, "format"), "mc-join-1");
    assert_string_equal(mc_test_json_string(doc, "public_key"), key);
    assert_string_equal(mc_test_json_string(doc, "kind"), "member");
    json_decref(doc);

    /* Not by a non-steward, not for another handle or kind, not altered. */
    int64_t height = ledger_height(f);
    char altered[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "altered.join", altered, sizeof altered);
    tamper(join, altered, -10);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "steward", 1, "open", "carol", altered, NULL),
        "BAD_SIGNATURE");
    assert_error_either(mc_test_wallet_json(&f->wallet, "alice", 1, "open", "carol", join, NULL),
                        "NOT_A_STEWARD", "QUORUM_NOT_MET");
    mc_test_wallet_json(&f->wallet, "steward", 1, "open", "carla", join, NULL);
    mc_test_wallet_json(&f->wallet, "steward", 1, "open", "carol", join, "--kind", "business",
                        NULL);
    assert_int_equal(ledger_height(f), height);

    o = mc_test_wallet_json(&f->wallet, "steward", 0, "open", "carol", join, "--min", "-20",
                            "--max", "40", NULL);
    assert_true(mc_test_json_bool(o, "joined"));
    assert_string_equal(mc_test_json_string(o, "public_key"), key);
    mc_client_account a = node_account(f, key);
    assert_true(a.account.joined);
    assert_string_equal(a.account.handle, "carol");
    assert_int_equal(a.account.limits.min_balance, -2000);
    assert_int_equal(a.account.limits.max_balance, 4000);
    o = mc_test_wallet_json(&f->wallet, "carol", 0, "balance", NULL);
    assert_int_equal(mc_test_json_int(o, "limits.min.minor"), -2000);
    mc_test_wallet_key(&f->wallet, "alice", key);
    assert_false(node_account(f, key).account.joined); /* opened for a bare key */
    /* The same join request again: the same signed bytes, applied once. */
    o = mc_test_wallet_json(&f->wallet, "steward", 0, "open", "carol", join, NULL);
    assert_true(mc_test_json_bool(o, "duplicate"));
    assert_int_equal(ledger_height(f), height + 2); /* the opening, then the limits */
}

static void check_open_limits(wallet_fixture *f)
{
    char key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_run(&f->wallet, "shop", "init", "shop", "--no-passphrase", NULL);
    mc_test_wallet_key(&f->wallet, "shop", key);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "steward", "open", "shop", key, "--kind", "shop", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "steward", "open", "S!", key, NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "steward", "open", "shop", NULL), 2);
    assert_error_either(mc_test_wallet_json(&f->wallet, "alice", 1, "open", "shop", key, NULL),
                        "NOT_A_STEWARD", "QUORUM_NOT_MET");
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 0, "open", "shop", key, "--kind",
                                    "business", NULL);
    assert_string_equal(mc_test_json_string(o, "kind"), "business");
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "balance", "shop", NULL);
    assert_string_equal(mc_test_json_string(o, "kind"), "business");
    assert_int_equal(mc_test_json_int(o, "limits.min.minor"), BUSINESS_MIN);
    assert_int_equal(mc_test_json_int(o, "limits.max.minor"), BUSINESS_MAX);
    assert_error_either(mc_test_wallet_json(&f->wallet, "steward", 1, "open", "shop", key, NULL),
                        "HANDLE_TAKEN", "ACCOUNT_EXISTS");

    /* limits: an omitted bound keeps its value; carol's floor is -20.00. */
    assert_int_equal(mc_test_wallet_run(&f->wallet, "steward", "limits", "carol", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "steward", "limits", "carol", "--min", "x", NULL), 2);
    o = mc_test_wallet_json(&f->wallet, "steward", 0, "limits", "carol", "--min", "-10", NULL);
    assert_string_equal(mc_test_json_string(o, "handle"), "carol");
    assert_int_equal(mc_test_json_int(o, "limits.min.minor"), -1000);
    assert_int_equal(mc_test_json_int(o, "limits.max.minor"), 4000);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "steward", 1, "limits", "carol", "--min", "5", NULL),
        "LIMITS_INVALID");
    mc_test_wallet_json(&f->wallet, "alice", 1, "limits", "carol", "--min", "-1000", NULL);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "steward", 1, "limits", "nobody", "--min", "-1", NULL),
        "NOT_FOUND");
    assert_int_equal(node_account(f, key).account.limits.min_balance, BUSINESS_MIN);
    expect_refused(f, "carol", "alice", "10.01", "EXCEEDS_CREDIT_LIMIT", NULL);
    mc_test_wallet_json(&f->wallet, "carol", 0, "pay", "alice", "10", NULL);
}

static void check_freeze(wallet_fixture *f)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 0, "freeze", "alice", NULL);
    assert_string_equal(mc_test_json_string(o, "status"), "frozen");
    assert_string_equal(mc_test_json_string(o, "handle"), "alice");
    expect_refused(f, "bob", "alice", "1", "PAYEE_FROZEN", NULL);
    expect_refused(f, "alice", "bob", "1", "PAYER_FROZEN", NULL);
    assert_string_equal(
        mc_test_json_string(mc_test_wallet_json(&f->wallet, "bob", 0, "balance", "alice", NULL),
                            "status"),
        "frozen");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "steward", 1, "freeze", "alice", NULL), "STATUS_UNCHANGED");
    mc_test_wallet_json(&f->wallet, "bob", 1, "unfreeze", "alice", NULL); /* not a steward */
    o = mc_test_wallet_json(&f->wallet, "steward", 0, "unfreeze", "alice", NULL);
    assert_string_equal(mc_test_json_string(o, "status"), "active");
    mc_test_wallet_run(&f->wallet, "steward", "freeze", "bob", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "bob is now frozen");
    mc_test_wallet_run(&f->wallet, "steward", "unfreeze", "bob", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "bob is now active");
    mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "1", NULL);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "steward", "freeze", NULL), 2);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "steward", 1, "freeze", "nobody", NULL), "NOT_FOUND");
}

static void check_close(wallet_fixture *f)
{
    /* bob holds 1.00: he cannot close until he is at zero. */
    int64_t height = ledger_height(f);
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 1, "close", "bob", NULL);
    mc_test_json_assert_error(o, "CLOSE_NONZERO_BALANCE");
    mc_test_wallet_run(&f->wallet, "steward", "close", "bob", NULL);
    mc_test_wallet_expect(&f->wallet, 1, "CLOSE_NONZERO_BALANCE");
    assert_int_equal(ledger_height(f), height);
    assert_string_equal(
        mc_test_json_string(mc_test_wallet_json(&f->wallet, "bob", 0, "balance", NULL), "status"),
        "active");
    mc_test_wallet_json(&f->wallet, "bob", 1, "close", "bob", NULL); /* not a steward */

    mc_test_wallet_json(&f->wallet, "bob", 0, "pay", "alice", "1", NULL);
    o = mc_test_wallet_json(&f->wallet, "steward", 0, "close", "bob", NULL);
    assert_string_equal(mc_test_json_string(o, "status"), "closed");
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "balance", "bob", NULL);
    assert_string_equal(mc_test_json_string(o, "status"), "closed");
    assert_int_equal(mc_test_json_int(o, "balance.minor"), 0);
    expect_refused(f, "alice", "bob", "1", "PAYEE_CLOSED", NULL);
    /* By handle, the closed account too. */
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "accounts", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "accounts")), 4);
    assert_string_equal(mc_test_json_string(o, "accounts.0.handle"), "alice");
    assert_string_equal(mc_test_json_string(o, "accounts.1.handle"), "bob");
    assert_string_equal(mc_test_json_string(o, "accounts.1.status"), "closed");
    assert_string_equal(mc_test_json_string(o, "accounts.2.handle"), "carol");
    assert_string_equal(mc_test_json_string(o, "accounts.3.handle"), "shop");
    assert_string_equal(mc_test_json_string(o, "accounts.3.kind"), "business");
    assert_int_equal(mc_test_json_int(o, "total.minor"), 0);
    mc_test_wallet_json(&f->wallet, "steward", 1, "unfreeze", "bob", NULL); /* closed for good */
}

static void test_stewards(void **state)
{
    wallet_fixture *f = *state;
    new_member(f, "alice", NULL, NULL);
    new_member(f, "bob", NULL, NULL);
    check_join(f);
    check_open_limits(f);
    check_freeze(f);
    check_close(f);
    mc_test_node_finish(&f->node);
}

/* ---- a private ledger ------------------------------------------------------------------ */

static void test_private(void **state)
{
    wallet_fixture *f = *state;
    new_member(f, "alice", NULL, NULL);
    new_member(f, "bob", NULL, NULL);
    assert_string_equal(
        mc_test_json_string(mc_test_wallet_json(&f->wallet, "alice", 0, "info", NULL),
                            "visibility"),
        "private");
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "5", NULL);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -500);

    /* alice sees her own account, and only the directory entry of bob's. */
    assert_int_equal(balance(f, "alice", NULL), -500);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "balance", "bob", NULL);
    assert_true(mc_test_json_bool(o, "restricted"));
    assert_string_equal(mc_test_json_string(o, "handle"), "bob");
    assert_string_equal(mc_test_json_string(o, "status"), "active");
    assert_null(json_object_get(o, "balance"));
    assert_null(json_object_get(o, "limits"));
    mc_test_wallet_run(&f->wallet, "alice", "balance", "bob", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "private");
    assert_null(strstr(f->wallet.out, "5.00"));
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 1, "history", "bob", NULL),
                              "FORBIDDEN");
    mc_test_wallet_run(&f->wallet, "alice", "history", "bob", NULL);
    mc_test_wallet_expect(&f->wallet, 1, "FORBIDDEN");
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "history", NULL);
    assert_int_equal(mc_test_json_int(o, "items.0.delta.minor"), -500);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "accounts", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "accounts")), 2);
    assert_false(mc_test_json_bool(o, "accounts.0.restricted")); /* alice */
    assert_true(mc_test_json_bool(o, "accounts.1.restricted"));  /* bob */
    assert_null(mc_test_json_at(o, "accounts.1.balance"));
    assert_null(json_object_get(o, "total"));
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "limits", "bob", "--min", "-1", NULL),
        "FORBIDDEN");

    /* The stewards see everything. */
    assert_int_equal(balance(f, "steward", "bob"), 500);
    o = mc_test_wallet_json(&f->wallet, "steward", 0, "history", "bob", NULL);
    assert_int_equal(mc_test_json_int(o, "items.0.delta.minor"), 500);
    assert_int_equal(
        mc_test_json_int(mc_test_wallet_json(&f->wallet, "steward", 0, "accounts", NULL),
                         "total.minor"),
        0);
    mc_test_node_finish(&f->node);
}

/* ---- the command line ------------------------------------------------------------------ */

static const char *const command_names[] = {
    "init",    "key",      "identities", "info",     "balance", "history", "accounts", "pay",
    "request", "requests", "accept",     "decline",  "cancel",  "cheque",  "redeem",   "join",
    "open",    "limits",   "freeze",     "unfreeze", "close",   "help"};

static void check_help(wallet_fixture *f)
{
    char usage[64];
    mc_test_wallet_run(&f->wallet, "cli", "--version", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "mcwallet ");
    mc_test_wallet_run(&f->wallet, "cli", "--help", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "exit status");
    mc_test_wallet_run(&f->wallet, "cli", "help", NULL);
    for (size_t i = 0; i < sizeof command_names / sizeof command_names[0]; i++) {
        snprintf(usage, sizeof usage, "\n  %s ", command_names[i]);
        mc_test_wallet_expect(&f->wallet, 0, usage);
    }
    for (size_t i = 0; i < sizeof command_names / sizeof command_names[0]; i++) {
        snprintf(usage, sizeof usage, "usage: mcwallet [OPTIONS] %s", command_names[i]);
        mc_test_wallet_run(&f->wallet, "cli", "help", command_names[i], NULL);
        mc_test_wallet_expect(&f->wallet, 0, usage);
        if (strcmp(command_names[i], "help") != 0) { /* see check_help_help */
            mc_test_wallet_run(&f->wallet, "cli", command_names[i], "--help", NULL);
            mc_test_wallet_expect(&f->wallet, 0, usage);
        }
    }
    mc_test_wallet_run(&f->wallet, "cli", "cheque", "-h", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "--valid-days");
    mc_test_wallet_run(&f->wallet, "cli", "open", "--help", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "--max AMOUNT");
}

/* `help --help` is help's own help, like every other command's --help. */
static void check_help_help(wallet_fixture *f)
{
    mc_test_wallet_run(&f->wallet, "cli", "help", "--help", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "usage: mcwallet [OPTIONS] help [COMMAND]");
    mc_test_wallet_run(&f->wallet, "cli", "help", "-h", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "usage: mcwallet [OPTIONS] help [COMMAND]");
}

static void check_usage(wallet_fixture *f)
{
    mc_test_wallet_run(&f->wallet, "cli", "frobnicate", NULL);
    mc_test_wallet_expect(&f->wallet, 2, "unknown command");
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "help", "frobnicate", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "--bogus", "info", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "--timeout", "0", "info", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "--timeout", "x", "info", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "info", "extra", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "key", "extra", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "balance", "--bogus", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "requests", "x", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "redeem", NULL), 2);
    /* Global options go before the command. */
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "info", "--json", NULL), 2);
}

/* Every command that needs the node (its arguments, NULL-padded). */
static const char *const node_commands[][5] = {{"info"},
                                               {"balance"},
                                               {"balance", "bob"},
                                               {"history"},
                                               {"accounts"},
                                               {"pay", "bob", "1"},
                                               {"request", "bob", "1"},
                                               {"requests"},
                                               {"accept", "abcd"},
                                               {"decline", "abcd"},
                                               {"cancel", "abcd"},
                                               {"redeem", "no-such-cheque.json"},
                                               {"open", "bob", "bob.join"},
                                               {"limits", "bob", "--min", "-1"},
                                               {"freeze", "bob"},
                                               {"unfreeze", "bob"},
                                               {"close", "bob"}};

static void check_unreachable(wallet_fixture *f)
{
    int fd = -1;
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%d", mc_test_closed_port(&fd));
    mc_test_wallet_run(&f->wallet, "cli", "init", "cli", "--no-passphrase", NULL);
    for (size_t i = 0; i < sizeof node_commands / sizeof node_commands[0]; i++) {
        const char *const *c = node_commands[i];
        json_t *o = mc_test_wallet_json(&f->wallet, "cli", 3, "--node", address, c[0], c[1], c[2],
                                        c[3], c[4]);
        mc_test_json_assert_error(o, "UNREACHABLE");
        mc_test_wallet_run(&f->wallet, "cli", "--node", address, c[0], c[1], c[2], c[3], c[4]);
        mc_test_wallet_expect(&f->wallet, 3, "UNREACHABLE");
    }
    /* Nothing cached in this wallet: no offline join or cheque either. */
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "cli.out", file, sizeof file);
    mc_test_wallet_json(&f->wallet, "cli", 3, "--node", address, "join", "cli", "--out", file,
                        NULL);
    mc_test_wallet_json(&f->wallet, "cli", 3, "--node", address, "cheque", "bob", "1", "--out",
                        file, NULL);
    assert_int_equal(access(file, F_OK), -1);
    /* Through the environment too. */
    char env_node[80];
    snprintf(env_node, sizeof env_node, "MC_NODE=%s", address);
    const char *const env[] = {env_node, NULL};
    f->node.address[0] = '\0'; /* no --node: MC_NODE */
    wallet_env(f, "cli", env, "info", NULL);
    mc_test_wallet_expect(&f->wallet, 3, address);
    close(fd);
}

/* A node that accepts and never answers: --timeout bounds the wait. */
static void check_silent_node(wallet_fixture *f)
{
    int fd = -1;
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%d", mc_test_closed_port(&fd));
    assert_int_equal(listen(fd, 4), 0);
    time_t start = time(NULL);
    json_t *o = mc_test_wallet_json(&f->wallet, "cli", 3, "--node", address, "--timeout",
                                    SILENT_TIMEOUT_S, "info", NULL);
    assert_error_either(o, "TIMEOUT", "UNREACHABLE");
    assert_true(time(NULL) - start <= SILENT_WAIT_MAX_S);
    close(fd);
}

static void test_command_line(void **state)
{
    wallet_fixture *f = *state;
    new_member(f, "bob", NULL, NULL);
    mc_test_node_finish(&f->node); /* this test needs no node but the stopped one's data */
    check_help(f);
    check_usage(f);
    check_silent_node(f);
    check_unreachable(f);
    check_help_help(f);
}

int main(void)
{
    /* Hermetic: the node and the passphrase only from the tests. */
    unsetenv("MC_NODE");
    unsetenv("MC_PASSPHRASE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_identities, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_passphrase, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_payments, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_requests, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_cheques, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_stewards, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_private, setup_private, teardown),
        cmocka_unit_test_setup_teardown(test_command_line, setup_open, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
