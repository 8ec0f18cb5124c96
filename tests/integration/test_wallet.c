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
#include "mc/error.h"
#include "node_harness.h"

#define WALLET_OUT_MAX (64u * 1024u)
#define WALLET_RUN_TIMEOUT_MS 30000
#define WALLET_ARGV_MAX 32u
#define WALLET_PATH_MAX 1024u
#define WALLET_CMDLINE_MAX 1024u
#define KEY_HEX_LEN (2u * MC_PUBLIC_KEY_BYTES)
#define TX_ID_HEX_LEN (2u * MC_TX_ID_BYTES)
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
    char root[512];                    /* the wallets: ROOT/NAME; removed by teardown */
    char steward_key[KEY_HEX_LEN + 1]; /* the "steward" identity's key, a node steward */
    char out[WALLET_OUT_MAX];          /* the last run's stdout and stderr */
    char cmdline[WALLET_CMDLINE_MAX];  /* the last run's arguments, for messages */
    int status;                        /* the last run's exit status */
    json_t *answer;                    /* the last --json answer; freed by the next run */
} wallet_fixture;

/* ---- running the wallet --------------------------------------------------- */

/* Failures print the whole output with fprintf (cmocka's print_error cuts
 * long messages), then fail(). */

static void note_cmdline(wallet_fixture *f, const char *const *argv)
{
    size_t len = 0;
    f->cmdline[0] = '\0';
    for (size_t i = 1; argv[i] != NULL && len < sizeof f->cmdline; i++) {
        int n =
            snprintf(f->cmdline + len, sizeof f->cmdline - len, "%s%s", i > 1 ? " " : "", argv[i]);
        len += n > 0 ? (size_t)n : 0;
    }
}

/* mcwallet --node NODE --wallet ROOT/who [--json] ARGS... (ARGS from `ap`,
 * NULL-terminated; they may start with more global options, which win).
 * The output lands in f->out; returns the exit status. */
static int run_wallet(wallet_fixture *f, const char *who, const char *const *env, bool json,
                      va_list ap)
{
    const char *argv[WALLET_ARGV_MAX + 1];
    char dir[WALLET_PATH_MAX];
    size_t a = 0;
    snprintf(dir, sizeof dir, "%s/%s", f->root, who);
    argv[a++] = mc_test_bin("MC_WALLET_BIN");
    if (f->node.address[0] != '\0') {
        argv[a++] = "--node";
        argv[a++] = f->node.address;
    }
    argv[a++] = "--wallet";
    argv[a++] = dir;
    if (json) {
        argv[a++] = "--json";
    }
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        assert_true(a < WALLET_ARGV_MAX);
        argv[a++] = s;
    }
    argv[a] = NULL;
    json_decref(f->answer);
    f->answer = NULL;
    note_cmdline(f, argv);
    f->status = mc_test_run(argv, env, f->out, sizeof f->out, WALLET_RUN_TIMEOUT_MS);
    mc_test_check_sanitizers(f->cmdline, f->out);
    if (f->status < 0) {
        fprintf(stderr, "%s: ran past %d ms:\n%s\n", f->cmdline, WALLET_RUN_TIMEOUT_MS, f->out);
        fail();
    }
    return f->status;
}

/* In words: the exit status (the output in f->out). */
static int wallet(wallet_fixture *f, const char *who, ...)
{
    va_list ap;
    va_start(ap, who);
    int status = run_wallet(f, who, NULL, false, ap);
    va_end(ap);
    return status;
}

static int wallet_env(wallet_fixture *f, const char *who, const char *const *env, ...)
{
    va_list ap;
    va_start(ap, env);
    int status = run_wallet(f, who, env, false, ap);
    va_end(ap);
    return status;
}

/* Assert the last run exited `expect` and said the words `text`. */
static void expect_words(const wallet_fixture *f, int expect, const char *text)
{
    if (f->status != expect || (text != NULL && strstr(f->out, text) == NULL)) {
        fprintf(stderr, "%s: exit %d (expected %d), output (expected to contain '%s'):\n%s\n",
                f->cmdline, f->status, expect, text != NULL ? text : "", f->out);
        fail();
    }
}

/* The last run's output as one JSON object: "ok" as the exit says, and on
 * a failure an "error" with a code, its name and a message. */
static json_t *parse_answer(wallet_fixture *f, int expect)
{
    expect_words(f, expect, NULL);
    json_error_t err;
    f->answer = json_loads(f->out, 0, &err);
    if (!json_is_object(f->answer)) {
        fprintf(stderr, "%s: not one JSON object (%s at line %d):\n%s\n", f->cmdline, err.text,
                err.line, f->out);
        fail();
    }
    json_t *ok = json_object_get(f->answer, "ok");
    assert_true(json_is_boolean(ok));
    assert_int_equal(json_is_true(ok), expect == 0);
    json_t *error = json_object_get(f->answer, "error");
    if (expect == 0) {
        assert_null(error);
        return f->answer;
    }
    json_t *code = json_object_get(error, "code"), *name = json_object_get(error, "name");
    json_t *message = json_object_get(error, "message");
    assert_true(json_is_integer(code) && json_is_string(name) && json_is_string(message));
    assert_string_equal(mc_err_name((int)json_integer_value(code)), json_string_value(name));
    assert_true(json_string_length(message) > 0);
    return f->answer;
}

/* With --json: the answer (valid until the next run), after asserting the
 * exit status is `expect`. */
static json_t *wallet_json(wallet_fixture *f, const char *who, int expect, ...)
{
    va_list ap;
    va_start(ap, expect);
    run_wallet(f, who, NULL, true, ap);
    va_end(ap);
    return parse_answer(f, expect);
}

static json_t *wallet_json_env(wallet_fixture *f, const char *who, const char *const *env,
                               int expect, ...)
{
    va_list ap;
    va_start(ap, expect);
    run_wallet(f, who, env, true, ap);
    va_end(ap);
    return parse_answer(f, expect);
}

/* ---- reading answers -------------------------------------------------------- */

/* The value at "a.b.0.c" (a number indexes an array), or NULL. */
static json_t *jpath(json_t *o, const char *path)
{
    char key[64];
    const char *p = path;
    while (o != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");
        assert_true(n < sizeof key);
        memcpy(key, p, n);
        key[n] = '\0';
        o = json_is_array(o) ? json_array_get(o, strtoul(key, NULL, 10)) : json_object_get(o, key);
        p += n + (p[n] == '.');
    }
    return o;
}

static void bad_path(json_t *o, const char *path, const char *what)
{
    char *text = json_dumps(o, JSON_INDENT(2));
    fprintf(stderr, "%s is not %s in:\n%s\n", path, what, text != NULL ? text : "?");
    free(text);
    fail();
}

static const char *jstr(json_t *o, const char *path)
{
    json_t *v = jpath(o, path);
    if (!json_is_string(v)) {
        bad_path(o, path, "a string");
    }
    return json_string_value(v);
}

static int64_t jint(json_t *o, const char *path)
{
    json_t *v = jpath(o, path);
    if (!json_is_integer(v)) {
        bad_path(o, path, "an integer");
    }
    return (int64_t)json_integer_value(v);
}

static bool jbool(json_t *o, const char *path)
{
    json_t *v = jpath(o, path);
    if (!json_is_boolean(v)) {
        bad_path(o, path, "a boolean");
    }
    return json_is_true(v);
}

static void assert_error(json_t *o, const char *name)
{
    if (strcmp(jstr(o, "error.name"), name) != 0) {
        bad_path(o, "error.name", name);
    }
}

/* The error is one of two names (where either is right). */
static void assert_error_either(json_t *o, const char *a, const char *b)
{
    const char *name = jstr(o, "error.name");
    if (strcmp(name, a) != 0 && strcmp(name, b) != 0) {
        bad_path(o, "error.name", a);
    }
}

static void assert_hex(const char *s, size_t len)
{
    assert_int_equal(strlen(s), len);
    assert_int_equal(strspn(s, "0123456789abcdef"), len);
}

/* ---- the community ---------------------------------------------------------- */

static void path_in(const wallet_fixture *f, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", f->root, name);
}

static void key_of(wallet_fixture *f, const char *who, char out[KEY_HEX_LEN + 1])
{
    wallet(f, who, "key", NULL);
    expect_words(f, 0, NULL);
    assert_true(strlen(f->out) == KEY_HEX_LEN + 1 && f->out[KEY_HEX_LEN] == '\n');
    memcpy(out, f->out, KEY_HEX_LEN);
    out[KEY_HEX_LEN] = '\0';
    assert_hex(out, KEY_HEX_LEN);
}

/* A new identity `name` (no passphrase) in its own wallet; the steward
 * opens its account, with the option `opt1 arg1` unless opt1 is NULL. */
static void new_member(wallet_fixture *f, const char *name, const char *opt1, const char *arg1)
{
    char key[KEY_HEX_LEN + 1];
    wallet(f, name, "init", name, "--no-passphrase", NULL);
    expect_words(f, 0, "NOT encrypted");
    key_of(f, name, key);
    json_t *o = wallet_json(f, "steward", 0, "open", name, key, opt1, arg1, NULL);
    assert_string_equal(jstr(o, "handle"), name);
    assert_string_equal(jstr(o, "public_key"), key);
    assert_false(jbool(o, "joined"));
    assert_true(jint(o, "height") > 0);
}

/* `who`'s view of the balance of `handle` (NULL: their own). */
static int64_t balance(wallet_fixture *f, const char *who, const char *handle)
{
    json_t *o = wallet_json(f, who, 0, "balance", handle, NULL);
    assert_false(jbool(o, "restricted"));
    return jint(o, "balance.minor");
}

static int64_t ledger_height(wallet_fixture *f)
{
    return jint(wallet_json(f, "steward", 0, "info", NULL), "height");
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

/* The key pair kept (unencrypted) in `name`'s wallet. */
static mc_keypair *wallet_keypair(const wallet_fixture *f, const char *name)
{
    char path[WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/keys/%s.key", f->root, name, name);
    json_t *doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    uint8_t seed[MC_SECRET_SEED_BYTES];
    assert_int_equal(mc_hex_decode(jstr(doc, "seed"), seed, sizeof seed), MC_ERR_OK);
    json_decref(doc);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_from_seed(seed, &kp), MC_ERR_OK);
    mc_memzero(seed, sizeof seed);
    return kp;
}

static int setup_with(void **state, const char *visibility)
{
    wallet_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    char *dir = mc_test_tmpdir();
    snprintf(f->root, sizeof f->root, "%s", dir);
    free(dir);
    *state = f;
    wallet(f, "steward", "init", "steward", "--no-passphrase", NULL);
    expect_words(f, 0, NULL);
    key_of(f, "steward", f->steward_key);
    /* The harness adds its own steward; either signs alone (quorum 1). */
    const char *extra[] = {"--steward", f->steward_key, NULL};
    mc_test_node_options o = {.quorum = 1, .visibility = visibility, .extra = extra};
    mc_test_node_init(&f->node, &o);
    mc_test_node_start(&f->node, NULL);
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
    json_decref(f->answer);
    if (f->node.root[0] != '\0') {
        mc_test_node_destroy(&f->node);
    }
    const char *keep = getenv("MC_TEST_KEEP");
    if (keep != NULL && keep[0] == '1') {
        fprintf(stderr, "MC_TEST_KEEP: leaving the wallets in %s\n", f->root);
    } else if (f->root[0] != '\0') {
        mc_test_rmtree(f->root);
    }
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
    char path[WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/ids/keys", f->root);
    assert_mode(path, 0700);
    snprintf(path, sizeof path, "%s/ids/keys/plain.key", f->root);
    assert_mode(path, 0600);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_false(jbool(doc, "encrypted"));
    assert_hex(jstr(doc, "seed"), 2 * MC_SECRET_SEED_BYTES);
    json_decref(doc);

    snprintf(path, sizeof path, "%s/ids/keys/sealed.key", f->root);
    assert_mode(path, 0600);
    doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_true(jbool(doc, "encrypted"));
    assert_null(json_object_get(doc, "seed"));
    assert_string_equal(jstr(doc, "kdf.algorithm"), "argon2id13");
    assert_string_equal(jstr(doc, "cipher.algorithm"), "xsalsa20poly1305");
    assert_hex(jstr(doc, "cipher.box"), 2 * MC_SEAL_BOX_BYTES);
    json_decref(doc);
}

/* `identities`, `key` and --as. */
static void check_identity_list(wallet_fixture *f, const char *plain_key, const char *sealed_key)
{
    json_t *o = wallet_json(f, "ids", 0, "identities", NULL);
    assert_int_equal(json_array_size(jpath(o, "identities")), 2);
    assert_string_equal(jstr(o, "identities.0.name"), "plain"); /* sorted by name */
    assert_string_equal(jstr(o, "identities.0.public_key"), plain_key);
    assert_true(jbool(o, "identities.0.default")); /* the first one made */
    assert_false(jbool(o, "identities.0.encrypted"));
    assert_string_equal(jstr(o, "identities.1.name"), "sealed");
    assert_string_equal(jstr(o, "identities.1.public_key"), sealed_key);
    assert_false(jbool(o, "identities.1.default"));
    assert_true(jbool(o, "identities.1.encrypted"));
    wallet(f, "ids", "identities", NULL);
    expect_words(f, 0, "* plain");

    char key[KEY_HEX_LEN + 1];
    key_of(f, "ids", key); /* the default; no passphrase needed for the public key */
    assert_string_equal(key, plain_key);
    o = wallet_json(f, "ids", 0, "--as", "sealed", "key", NULL);
    assert_string_equal(jstr(o, "public_key"), sealed_key);
    assert_string_equal(jstr(o, "name"), "sealed");
    assert_error(wallet_json(f, "ids", 1, "--as", "nobody", "key", NULL), "NOT_FOUND");
    assert_error(wallet_json(f, "empty", 1, "key", NULL), "NOT_FOUND");
    o = wallet_json(f, "empty", 0, "identities", NULL);
    assert_int_equal(json_array_size(jpath(o, "identities")), 0);
}

/* A key file whose public key was swapped for another is refused when
 * unlocked (its seed gives another key), before anything is signed. */
static void check_swapped_key(wallet_fixture *f, const char *other_key)
{
    char path[WALLET_PATH_MAX], join[WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/ids/keys/plain.key", f->root);
    path_in(f, "swapped.join", join, sizeof join);
    json_t *doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    json_object_set_new(doc, "public_key", json_string(other_key));
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2)), 0);
    json_decref(doc);
    assert_error(wallet_json(f, "ids", 1, "join", "plain", "--out", join, NULL), "KEY_INVALID");
    assert_int_equal(access(join, F_OK), -1);
}

static void test_identities(void **state)
{
    wallet_fixture *f = *state;
    const char *const pass[] = {"MC_PASSPHRASE=correct horse battery", NULL};
    char plain_key[KEY_HEX_LEN + 1], sealed_key[KEY_HEX_LEN + 1];

    json_t *o = wallet_json(f, "ids", 0, "init", "plain", "--no-passphrase", NULL);
    assert_false(jbool(o, "encrypted"));
    assert_string_equal(jstr(o, "name"), "plain");
    snprintf(plain_key, sizeof plain_key, "%s", jstr(o, "public_key"));
    assert_hex(plain_key, KEY_HEX_LEN);
    o = wallet_json_env(f, "ids", pass, 0, "init", "sealed", NULL);
    assert_true(jbool(o, "encrypted"));
    snprintf(sealed_key, sizeof sealed_key, "%s", jstr(o, "public_key"));
    assert_string_not_equal(plain_key, sealed_key);

    /* An existing name is refused, and its key kept. */
    o = wallet_json(f, "ids", 1, "init", "plain", "--no-passphrase", NULL);
    assert_non_null(strstr(jstr(o, "error.message"), "exists"));
    wallet_json_env(f, "ids", pass, 1, "init", "sealed", NULL);
    check_key_files(f);
    check_identity_list(f, plain_key, sealed_key);

    /* Names and passphrases that do not do. */
    assert_int_equal(wallet(f, "ids", "init", "Bad Name", "--no-passphrase", NULL), 2);
    assert_int_equal(wallet(f, "ids", "init", ".hidden", "--no-passphrase", NULL), 2);
    assert_int_equal(wallet(f, "ids", "init", NULL), 2);
    assert_int_equal(wallet(f, "ids", "init", "a", "b", "--no-passphrase", NULL), 2);
    check_swapped_key(f, sealed_key);
    const char *const empty[] = {"MC_PASSPHRASE=", NULL};
    wallet_json_env(f, "ids", empty, 1, "init", "blank", NULL);
    char path[WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/ids/keys/blank.key", f->root);
    assert_int_not_equal(access(path, F_OK), 0);
    mc_test_node_finish(&f->node);
}

/* ---- passphrases -------------------------------------------------------------- */

static void test_passphrase(void **state)
{
    wallet_fixture *f = *state;
    const char *const right[] = {"MC_PASSPHRASE=open sesame", NULL};
    const char *const wrong[] = {"MC_PASSPHRASE=open barley", NULL};
    char key[KEY_HEX_LEN + 1], right_file[WALLET_PATH_MAX], wrong_file[WALLET_PATH_MAX];
    char missing[WALLET_PATH_MAX];
    path_in(f, "right.pass", right_file, sizeof right_file);
    path_in(f, "wrong.pass", wrong_file, sizeof wrong_file);
    path_in(f, "missing.pass", missing, sizeof missing);
    mc_test_write_text(right_file, "open sesame\n");
    mc_test_write_text(wrong_file, "open barley\n");

    new_member(f, "bob", NULL, NULL);
    wallet_json_env(f, "carol", right, 0, "init", "carol", NULL);
    key_of(f, "carol", key);
    wallet_json(f, "steward", 0, "open", "carol", key, NULL);

    /* A wrong passphrase: exit 1, WRONG_PASSPHRASE, and nothing submitted. */
    int64_t height = ledger_height(f);
    assert_error(wallet_json_env(f, "carol", wrong, 1, "pay", "bob", "1", NULL),
                 "WRONG_PASSPHRASE");
    wallet_env(f, "carol", wrong, "pay", "bob", "1", NULL);
    expect_words(f, 1, "WRONG_PASSPHRASE");
    assert_error(
        wallet_json(f, "carol", 1, "--passphrase-file", wrong_file, "pay", "bob", "1", NULL),
        "WRONG_PASSPHRASE");
    assert_int_equal(ledger_height(f), height);
    assert_int_equal(balance(f, "bob", NULL), 0);
    wallet_json(f, "carol", 1, "--passphrase-file", missing, "pay", "bob", "1", NULL);
    assert_int_equal(ledger_height(f), height);

    /* The right one, from a file or the environment. */
    json_t *o =
        wallet_json(f, "carol", 0, "--passphrase-file", right_file, "pay", "bob", "1.50", NULL);
    assert_int_equal(jint(o, "balance.minor"), -150);
    o = wallet_json_env(f, "carol", right, 0, "balance", NULL);
    assert_int_equal(jint(o, "balance.minor"), -150);
    assert_string_equal(jstr(o, "handle"), "carol");
    assert_int_equal(balance(f, "bob", NULL), 150);
    mc_test_node_finish(&f->node);
}

/* ---- reading and paying --------------------------------------------------------- */

static void check_info(wallet_fixture *f)
{
    char id[2 * MC_LEDGER_ID_BYTES + 1];
    mc_hex_encode(f->node.ledger_id, MC_LEDGER_ID_BYTES, id);
    json_t *o = wallet_json(f, "alice", 0, "info", NULL);
    assert_string_equal(jstr(o, "ledger_id"), id);
    assert_string_equal(jstr(o, "unit.name"), "grain");
    assert_string_equal(jstr(o, "unit.symbol"), "g");
    assert_int_equal(jint(o, "unit.decimals"), 2);
    assert_string_equal(jstr(o, "visibility"), "open");
    assert_int_equal(jint(o, "quorum"), 1);
    assert_int_equal(jint(o, "default_limits.member.min.minor"), MEMBER_MIN);
    assert_string_equal(jstr(o, "default_limits.member.min.value"), "-300.00");
    assert_int_equal(jint(o, "default_limits.business.max.minor"), BUSINESS_MAX);
    json_t *stewards = jpath(o, "stewards");
    assert_int_equal(json_array_size(stewards), 2); /* the harness's and the wallet's */
    bool found = false;
    for (size_t i = 0; i < json_array_size(stewards); i++) {
        found =
            found || strcmp(json_string_value(json_array_get(stewards, i)), f->steward_key) == 0;
    }
    assert_true(found);
    wallet(f, "alice", "info", NULL);
    expect_words(f, 0, "grain (g), 2 decimals");
    expect_words(f, 0, id);
}

/* alice (member defaults) and bob (-50.00 .. 100.00); alice pays bob 12.50. */
static void open_alice_bob(wallet_fixture *f)
{
    char key[KEY_HEX_LEN + 1];
    new_member(f, "alice", NULL, NULL);
    wallet(f, "bob", "init", "bob", "--no-passphrase", NULL);
    key_of(f, "bob", key);
    json_t *o =
        wallet_json(f, "steward", 0, "open", "bob", key, "--min", "-50", "--max", "100", NULL);
    assert_string_equal(jstr(o, "kind"), "member");
    o = wallet_json(f, "alice", 0, "balance", "bob", NULL);
    assert_int_equal(jint(o, "balance.minor"), 0);
    assert_int_equal(jint(o, "limits.min.minor"), -5000);
    assert_int_equal(jint(o, "limits.max.minor"), 10000);
    assert_string_equal(jstr(o, "status"), "active");
    assert_string_equal(jstr(o, "public_key"), key);

    o = wallet_json(f, "alice", 0, "pay", "bob", "12.50", "bread", NULL);
    assert_int_equal(jint(o, "amount.minor"), 1250);
    assert_string_equal(jstr(o, "amount.value"), "12.50");
    assert_int_equal(jint(o, "balance.minor"), -1250);
    assert_string_equal(jstr(o, "payee"), "bob");
    assert_false(jbool(o, "duplicate"));
    assert_hex(jstr(o, "tx_id"), TX_ID_HEX_LEN);
    assert_null(json_object_get(o, "warnings")); /* far from the floor */
    wallet(f, "alice", "pay", "bob", "0.50", NULL);
    expect_words(f, 0, "paid 0.50 g to bob");
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
    json_t *o = wallet_json(f, payer, 1, "pay", payee, amount, NULL);
    assert_error(o, error);
    wallet(f, payer, "pay", payee, amount, NULL);
    expect_words(f, 1, error);
    expect_words(f, 1, words);
    assert_int_equal(ledger_height(f), height);
    assert_int_equal(balance(f, "steward", payer), payer_balance);
    assert_int_equal(balance(f, "steward", payee), payee_balance);
}

static void check_limits(wallet_fixture *f)
{
    /* bob's ceiling is 100.00 and he holds 13.00. */
    expect_refused(f, "alice", "bob", "90", "EXCEEDS_CEILING", "ceiling of 100.00 g");
    wallet_json(f, "steward", 0, "limits", "bob", "--max", "3000", NULL);
    /* alice is at -13.00 above a floor of -300.00. */
    expect_refused(f, "alice", "bob", "288", "EXCEEDS_CREDIT_LIMIT", "credit limit of -300.00 g");
    /* Within 10% of the floor: paid, with a soft warning. */
    json_t *o = wallet_json(f, "alice", 0, "pay", "bob", "260", NULL);
    assert_int_equal(jint(o, "balance.minor"), -27300);
    assert_int_equal(json_array_size(jpath(o, "warnings")), 1);
    assert_non_null(strstr(jstr(o, "warnings.0"), "credit limit"));
    wallet(f, "alice", "pay", "bob", "1", NULL);
    expect_words(f, 0, "warning: ");
    /* The hard limit still holds exactly: 26.00 left. */
    expect_refused(f, "alice", "bob", "26.01", "EXCEEDS_CREDIT_LIMIT", NULL);
    o = wallet_json(f, "alice", 0, "pay", "bob", "26", NULL);
    assert_int_equal(jint(o, "balance.minor"), MEMBER_MIN);
    assert_non_null(jpath(o, "warnings"));
    expect_refused(f, "alice", "bob", "0.01", "EXCEEDS_CREDIT_LIMIT", NULL);
    /* bob pays back what alice paid since 13.00. */
    wallet_json(f, "bob", 0, "pay", "alice", "287", NULL);
    assert_int_equal(balance(f, "alice", NULL), -1300);
}

static void check_bad_payments(wallet_fixture *f)
{
    static const char *const bad_amounts[] = {
        "1e3", "12.345", "-5", "0", "0.00", "abc", "", "1,5", "12.", "+-1", "99999999999999999999"};
    int64_t height = ledger_height(f);
    for (size_t i = 0; i < sizeof bad_amounts / sizeof bad_amounts[0]; i++) {
        wallet(f, "alice", "pay", "bob", bad_amounts[i], NULL);
        expect_words(f, 2, "usage:");
    }
    assert_int_equal(wallet(f, "alice", "pay", "bob", NULL), 2);
    assert_int_equal(wallet(f, "alice", "pay", "bob", "1", "memo", "more", NULL), 2);
    assert_int_equal(wallet(f, "alice", "pay", "Not A Handle", "1", NULL), 2);
    json_t *o = wallet_json(f, "alice", 1, "pay", "nobody", "1", NULL);
    assert_error(o, "NOT_FOUND");
    assert_error(wallet_json(f, "alice", 1, "pay", "alice", "1", NULL), "SELF_TRANSFER");
    char memo[200];
    memset(memo, 'm', 141);
    memo[141] = '\0';
    assert_error(wallet_json(f, "alice", 1, "pay", "bob", "1", memo, NULL), "MEMO_TOO_LONG");
    assert_error(wallet_json(f, "alice", 1, "pay", "bob", "1", "caf\xe9", NULL), "MEMO_NOT_UTF8");
    assert_int_equal(ledger_height(f), height);

    /* A payee given by its key. */
    char key[KEY_HEX_LEN + 1];
    key_of(f, "bob", key);
    o = wallet_json(f, "alice", 0, "pay", key, "0.25", NULL);
    assert_string_equal(jstr(o, "payee"), "bob");
    assert_int_equal(jint(o, "balance.minor"), -1325);
}

static void check_history_accounts(wallet_fixture *f)
{
    json_t *o = wallet_json(f, "alice", 0, "history", "--limit", "2", NULL);
    assert_string_equal(jstr(o, "handle"), "alice");
    assert_int_equal(json_array_size(jpath(o, "items")), 2);
    assert_true(jbool(o, "more"));
    assert_int_equal(jint(o, "items.0.delta.minor"), -25); /* the newest first */
    assert_int_equal(jint(o, "items.0.balance_after.minor"), -1325);
    assert_string_equal(jstr(o, "items.0.counterparty.handle"), "bob");
    assert_string_equal(jstr(o, "items.0.kind"), "payment");
    int64_t newest = jint(o, "items.0.height");
    assert_true(jint(o, "items.1.height") < newest);
    o = wallet_json(f, "alice", 0, "history", "--limit", "0", NULL);
    size_t items = json_array_size(jpath(o, "items"));
    assert_int_equal(items, 8); /* opened, 12.50, 0.50, 260, 1, 26, bob's 287, 0.25 */
    assert_false(jbool(o, "more"));
    char last[32];
    snprintf(last, sizeof last, "items.%zu", items - 1);
    json_t *opened = jpath(o, last);
    assert_string_equal(jstr(opened, "kind"), "opened");
    assert_string_equal(jstr(o, "items.6.memo"), "bread");
    o = wallet_json(f, "bob", 0, "history", "alice", "--limit", "1", NULL); /* open ledger */
    assert_int_equal(jint(o, "items.0.height"), newest);
    wallet(f, "alice", "history", NULL);
    expect_words(f, 0, "bread");
    assert_int_equal(wallet(f, "alice", "history", "--limit", "x", NULL), 2);
    assert_int_equal(wallet(f, "alice", "history", "a", "b", NULL), 2);
    assert_error(wallet_json(f, "alice", 1, "history", "nobody", NULL), "NOT_FOUND");

    o = wallet_json(f, "alice", 0, "accounts", NULL);
    assert_int_equal(json_array_size(jpath(o, "accounts")), 2);
    assert_string_equal(jstr(o, "accounts.0.handle"), "alice");
    assert_string_equal(jstr(o, "accounts.1.handle"), "bob");
    assert_int_equal(jint(o, "accounts.0.balance.minor"), -1325);
    assert_int_equal(jint(o, "total.minor"), 0);
    wallet(f, "steward", "accounts", NULL);
    expect_words(f, 0, "total");
    /* The steward holds no account: no balance of its own. */
    assert_error(wallet_json(f, "steward", 1, "balance", NULL), "NOT_FOUND");
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
                char id[TX_ID_HEX_LEN + 1])
{
    json_t *o = wallet_json(f, payee, 0, "request", payer, amount, "for bread", NULL);
    assert_string_equal(jstr(o, "payer"), payer);
    snprintf(id, TX_ID_HEX_LEN + 1, "%s", jstr(o, "request_id"));
    assert_hex(id, TX_ID_HEX_LEN);
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
    mc_keypair *alice = wallet_keypair(f, "alice");
    char bob_hex[KEY_HEX_LEN + 1];
    key_of(f, "bob", bob_hex);
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
    char id[TX_ID_HEX_LEN + 1], prefix[PREFIX_DIGITS + 1];
    ask(f, "bob", "alice", "5", id);
    json_t *o = wallet_json(f, "alice", 0, "requests", NULL);
    assert_int_equal(json_array_size(jpath(o, "to_pay")), 1);
    assert_int_equal(json_array_size(jpath(o, "waiting")), 0);
    assert_string_equal(jstr(o, "to_pay.0.id"), id);
    assert_string_equal(jstr(o, "to_pay.0.payee.handle"), "bob");
    assert_int_equal(jint(o, "to_pay.0.amount.minor"), 500);
    assert_string_equal(jstr(o, "to_pay.0.memo"), "for bread");
    assert_string_equal(jstr(o, "to_pay.0.status"), "open");
    o = wallet_json(f, "bob", 0, "requests", NULL);
    assert_string_equal(jstr(o, "waiting.0.id"), id);
    assert_int_equal(json_array_size(jpath(o, "to_pay")), 0);
    prefix_of(id, prefix);
    wallet(f, "alice", "requests", NULL);
    expect_words(f, 0, prefix);

    /* Accepted by a prefix of its id: paid once. */
    o = wallet_json(f, "alice", 0, "accept", prefix, NULL);
    assert_string_equal(jstr(o, "request_id"), id);
    assert_int_equal(jint(o, "amount.minor"), 500);
    assert_int_equal(jint(o, "balance.minor"), -500);
    int64_t height = ledger_height(f);
    assert_error(wallet_json(f, "alice", 1, "accept", id, NULL), "REQUEST_CLOSED");
    wallet_json(f, "alice", 1, "accept", prefix, NULL); /* no longer among the open ones */
    pay_request_again(f, id);
    assert_int_equal(ledger_height(f), height);
    assert_int_equal(balance(f, "alice", NULL), -500);
    assert_int_equal(balance(f, "bob", NULL), 500);
    o = wallet_json(f, "alice", 0, "requests", NULL);
    assert_int_equal(json_array_size(jpath(o, "to_pay")), 0);
}

static void check_decline_cancel(wallet_fixture *f)
{
    char id[TX_ID_HEX_LEN + 1], prefix[PREFIX_DIGITS + 1];
    ask(f, "bob", "alice", "6", id);
    prefix_of(id, prefix);
    /* Only the payer pays or declines, only the payee cancels. */
    wallet_json(f, "bob", 1, "accept", id, NULL);
    wallet_json(f, "bob", 1, "decline", prefix, NULL);
    wallet_json(f, "alice", 1, "cancel", prefix, NULL);
    json_t *o = wallet_json(f, "alice", 0, "decline", prefix, NULL);
    assert_string_equal(jstr(o, "request_id"), id);
    assert_error(wallet_json(f, "alice", 1, "accept", id, NULL), "REQUEST_CLOSED");
    assert_error(wallet_json(f, "bob", 1, "cancel", id, NULL), "REQUEST_CLOSED");

    ask(f, "bob", "alice", "7", id);
    prefix_of(id, prefix);
    wallet_json(f, "alice", 1, "decline", "00000000", NULL); /* matches nothing (or not one) */
    o = wallet_json(f, "bob", 0, "cancel", prefix, NULL);
    assert_string_equal(jstr(o, "request_id"), id);
    assert_error(wallet_json(f, "alice", 1, "accept", id, NULL), "REQUEST_CLOSED");
    wallet(f, "alice", "requests", NULL);
    expect_words(f, 0, "no open payment request");
    assert_int_equal(balance(f, "alice", NULL), -500);

    assert_int_equal(wallet(f, "alice", "accept", "abc", NULL), 2);  /* too short */
    assert_int_equal(wallet(f, "alice", "accept", "zzzz", NULL), 2); /* not hex */
    assert_int_equal(wallet(f, "alice", "accept", NULL), 2);
    assert_int_equal(wallet(f, "bob", "request", "alice", "1.001", NULL), 2);
    assert_error(wallet_json(f, "bob", 1, "request", "nobody", "1", NULL), "NOT_FOUND");
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
    const char *hex = jstr(doc, "signed_tx");
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
    assert_string_equal(jstr(doc, "format"), "mc-cheque-1");
    assert_string_equal(jstr(doc, "tx_id"), tx_id);
    assert_string_equal(jstr(doc, "payee.handle"), "bob");
    assert_int_equal(jint(doc, "amount.minor"), 300);
    assert_true(strlen(jstr(doc, "signed_tx")) > 0);
    assert_null(json_object_get(doc, "ok"));
    json_decref(doc);
}

/* Written, redeemed, redeemed again: paid once. */
static void check_redeem_twice(wallet_fixture *f, const char *cheque)
{
    json_t *o = wallet_json(f, "alice", 0, "cheque", "bob", "3", "lunch", "--out", cheque, NULL);
    assert_int_equal(jint(o, "amount.minor"), 300);
    assert_string_equal(jstr(o, "payee.handle"), "bob");
    assert_string_equal(jstr(o, "memo"), "lunch");
    assert_string_equal(jstr(o, "file"), cheque);
    assert_null(json_object_get(o, "signed_tx"));
    char tx_id[TX_ID_HEX_LEN + 1];
    snprintf(tx_id, sizeof tx_id, "%s", jstr(o, "tx_id"));
    check_cheque_file(cheque, tx_id);
    int64_t alice = balance(f, "alice", NULL), bob = balance(f, "bob", NULL);

    o = wallet_json(f, "bob", 0, "redeem", cheque, NULL);
    assert_false(jbool(o, "duplicate"));
    assert_string_equal(jstr(o, "tx_id"), tx_id);
    assert_string_equal(jstr(o, "payer"), "alice");
    assert_int_equal(jint(o, "amount.minor"), 300);
    int64_t height = jint(o, "height");
    o = wallet_json(f, "bob", 0, "redeem", cheque, NULL);
    assert_true(jbool(o, "duplicate"));
    assert_int_equal(jint(o, "height"), height);
    wallet(f, "bob", "redeem", cheque, NULL);
    expect_words(f, 0, "already redeemed");
    assert_int_equal(balance(f, "alice", NULL), alice - 300);
    assert_int_equal(balance(f, "bob", NULL), bob + 300);
    assert_int_equal(ledger_height(f), height);
}

/* Altered, not a cheque, no file: refused, nothing submitted. */
static void check_bad_cheques(wallet_fixture *f)
{
    char altered[WALLET_PATH_MAX], other[WALLET_PATH_MAX], missing[WALLET_PATH_MAX];
    path_in(f, "altered.json", altered, sizeof altered);
    path_in(f, "other.json", other, sizeof other);
    path_in(f, "missing.json", missing, sizeof missing);
    int64_t height = ledger_height(f);
    assert_int_equal(wallet(f, "alice", "cheque", "bob", "2", "--out", other, NULL), 0);
    tamper(other, altered, -10); /* in the signature */
    assert_error_either(wallet_json(f, "bob", 1, "redeem", altered, NULL), "BAD_SIGNATURE",
                        "MALFORMED");
    tamper(other, altered, 0); /* the first byte */
    assert_error_either(wallet_json(f, "bob", 1, "redeem", altered, NULL), "BAD_SIGNATURE",
                        "MALFORMED");
    mc_test_write_text(altered, "{\"format\": \"mc-join-1\"}\n");
    assert_error(wallet_json(f, "bob", 1, "redeem", altered, NULL), "MALFORMED");
    mc_test_write_text(altered, "not json");
    wallet_json(f, "bob", 1, "redeem", altered, NULL);
    wallet_json(f, "bob", 1, "redeem", missing, NULL);
    assert_int_equal(ledger_height(f), height);
}

/* Usage: an expired date, junk validity, no --out; an existing file. */
static void check_cheque_usage(wallet_fixture *f, const char *cheque)
{
    char missing[WALLET_PATH_MAX], other2[WALLET_PATH_MAX], until[16];
    path_in(f, "missing.json", missing, sizeof missing);
    path_in(f, "other2.json", other2, sizeof other2);
    int64_t height = ledger_height(f);
    time_t later = time(NULL) + (time_t)CHEQUE_FUTURE_DAYS * DAY_SECONDS;
    struct tm tm;
    strftime(until, sizeof until, "%Y-%m-%d", gmtime_r(&later, &tm));
    assert_int_equal(wallet(f, "alice", "cheque", "bob", "1", "--out", missing, "--valid-until",
                            "2001-02-03", NULL),
                     2);
    assert_int_equal(access(missing, F_OK), -1);
    assert_int_equal(
        wallet(f, "alice", "cheque", "bob", "1", "--out", missing, "--valid-until", "soon", NULL),
        2);
    assert_int_equal(
        wallet(f, "alice", "cheque", "bob", "1", "--out", missing, "--valid-days", "0", NULL), 2);
    assert_int_equal(wallet(f, "alice", "cheque", "bob", "1", NULL), 2);
    assert_int_equal(wallet(f, "alice", "cheque", "bob", "1.234", "--out", missing, NULL), 2);
    assert_int_equal(access(missing, F_OK), -1);
    wallet_json(f, "alice", 1, "cheque", "bob", "1", "--out", cheque, NULL); /* exists */
    json_t *o = wallet_json(f, "alice", 0, "cheque", "bob", "1", "--out", missing, "--valid-until",
                            until, NULL);
    assert_string_equal(jstr(o, "valid_until"), until);
    o = wallet_json(f, "alice", 0, "cheque", "bob", "1", "--out", other2, "--valid-days", "1",
                    NULL);
    assert_true(jint(o, "not_after") > (int64_t)time(NULL));
    assert_true(jint(o, "not_after") <= (int64_t)time(NULL) + 2 * DAY_SECONDS);
    assert_int_equal(ledger_height(f), height);
}

/* A cheque file made by hand: alice pays bob 1.00 on `ledger_id`, valid
 * until `not_after`, signed with alice's key. */
static void craft_cheque(wallet_fixture *f, const char *path, const uint8_t *ledger_id,
                         int64_t not_after)
{
    mc_keypair *alice = wallet_keypair(f, "alice");
    char bob_hex[KEY_HEX_LEN + 1];
    key_of(f, "bob", bob_hex);
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
    char path[WALLET_PATH_MAX];
    path_in(f, "crafted.json", path, sizeof path);
    int64_t height = ledger_height(f);
    craft_cheque(f, path, f->node.ledger_id, (int64_t)time(NULL) - DAY_SECONDS);
    assert_error(wallet_json(f, "bob", 1, "redeem", path, NULL), "EXPIRED");
    uint8_t other[MC_LEDGER_ID_BYTES];
    memcpy(other, f->node.ledger_id, sizeof other);
    other[0] ^= 1;
    craft_cheque(f, path, other, 0);
    assert_error(wallet_json(f, "bob", 1, "redeem", path, NULL), "WRONG_LEDGER");
    assert_int_equal(ledger_height(f), height);
}

/* A cheque beyond the payer's credit limit is written, and refused. */
static void check_cheque_over_limit(wallet_fixture *f)
{
    char big[WALLET_PATH_MAX];
    path_in(f, "big.json", big, sizeof big);
    wallet_json(f, "alice", 0, "cheque", "bob", "400", "--out", big, NULL);
    int64_t alice = balance(f, "alice", NULL);
    assert_error(wallet_json(f, "bob", 1, "redeem", big, NULL), "EXCEEDS_CREDIT_LIMIT");
    assert_int_equal(balance(f, "alice", NULL), alice);
}

/* Signed while the node is down (the ledger and bob's key from the
 * wallet's caches), redeemed once it is back on a new port. */
static void check_offline_cheque(wallet_fixture *f)
{
    char cheque[WALLET_PATH_MAX], stray[WALLET_PATH_MAX];
    path_in(f, "offline.json", cheque, sizeof cheque);
    path_in(f, "stray.json", stray, sizeof stray);
    int64_t alice = balance(f, "alice", NULL), bob = balance(f, "bob", NULL);
    assert_int_equal(mc_test_node_stop(&f->node, SIGTERM, MC_TEST_STOP_TIMEOUT_MS), 0);

    json_t *o =
        wallet_json(f, "alice", 0, "cheque", "bob", "4.25", "offline", "--out", cheque, NULL);
    assert_int_equal(jint(o, "amount.minor"), 425);
    assert_non_null(strstr(jstr(o, "warnings.0"), "unreachable"));
    /* carol was never looked up: no key for her handle. */
    assert_error(wallet_json(f, "alice", 3, "cheque", "carol", "1", "--out", stray, NULL),
                 "UNREACHABLE");
    assert_int_equal(access(stray, F_OK), -1);
    assert_error(wallet_json(f, "bob", 3, "redeem", cheque, NULL), "UNREACHABLE");

    mc_test_node_start(&f->node, NULL);
    o = wallet_json(f, "bob", 0, "redeem", cheque, NULL);
    assert_false(jbool(o, "duplicate"));
    assert_int_equal(jint(o, "amount.minor"), 425);
    assert_int_equal(balance(f, "alice", NULL), alice - 425);
    assert_int_equal(balance(f, "bob", NULL), bob + 425);
}

/* A memo that is not UTF-8: refused by its name (or as usage), no file.
 * (The node may be down: a cheque needs none.) */
static void check_cheque_memo(wallet_fixture *f)
{
    char missing[WALLET_PATH_MAX];
    path_in(f, "memo.json", missing, sizeof missing);
    if (wallet(f, "alice", "cheque", "bob", "1", "caf\xe9", "--out", missing, NULL) != 2) {
        expect_words(f, 1, "MEMO_NOT_UTF8");
    }
    assert_int_equal(access(missing, F_OK), -1);
}

static void test_cheques(void **state)
{
    wallet_fixture *f = *state;
    char cheque[WALLET_PATH_MAX];
    path_in(f, "cheque.json", cheque, sizeof cheque);
    new_member(f, "alice", NULL, NULL);
    new_member(f, "bob", NULL, NULL);
    assert_int_equal(wallet(f, "alice", "pay", "bob", "1", NULL), 0); /* bob now in contacts */
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
    char join[WALLET_PATH_MAX], key[KEY_HEX_LEN + 1];
    path_in(f, "carol.join", join, sizeof join);
    wallet(f, "carol", "init", "carol", "--no-passphrase", NULL);
    key_of(f, "carol", key);
    assert_int_equal(wallet(f, "carol", "join", "carol", NULL), 2); /* no --out */
    assert_int_equal(wallet(f, "carol", "join", "carol", "--out", join, "--kind", "x", NULL), 2);
    json_t *o = wallet_json(f, "carol", 0, "join", "carol", "--out", join, NULL);
    assert_string_equal(jstr(o, "handle"), "carol");
    json_t *doc = json_load_file(join, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_string_equal(jstr(doc, "format"), "mc-join-1");
    assert_string_equal(jstr(doc, "public_key"), key);
    assert_string_equal(jstr(doc, "kind"), "member");
    json_decref(doc);

    /* Not by a non-steward, not for another handle or kind, not altered. */
    int64_t height = ledger_height(f);
    char altered[WALLET_PATH_MAX];
    path_in(f, "altered.join", altered, sizeof altered);
    tamper(join, altered, -10);
    assert_error(wallet_json(f, "steward", 1, "open", "carol", altered, NULL), "BAD_SIGNATURE");
    assert_error_either(wallet_json(f, "alice", 1, "open", "carol", join, NULL), "NOT_A_STEWARD",
                        "QUORUM_NOT_MET");
    wallet_json(f, "steward", 1, "open", "carla", join, NULL);
    wallet_json(f, "steward", 1, "open", "carol", join, "--kind", "business", NULL);
    assert_int_equal(ledger_height(f), height);

    o = wallet_json(f, "steward", 0, "open", "carol", join, "--min", "-20", "--max", "40", NULL);
    assert_true(jbool(o, "joined"));
    assert_string_equal(jstr(o, "public_key"), key);
    mc_client_account a = node_account(f, key);
    assert_true(a.account.joined);
    assert_string_equal(a.account.handle, "carol");
    assert_int_equal(a.account.limits.min_balance, -2000);
    assert_int_equal(a.account.limits.max_balance, 4000);
    o = wallet_json(f, "carol", 0, "balance", NULL);
    assert_int_equal(jint(o, "limits.min.minor"), -2000);
    key_of(f, "alice", key);
    assert_false(node_account(f, key).account.joined); /* opened for a bare key */
    /* The same join request again: the same signed bytes, applied once. */
    o = wallet_json(f, "steward", 0, "open", "carol", join, NULL);
    assert_true(jbool(o, "duplicate"));
    assert_int_equal(ledger_height(f), height + 2); /* the opening, then the limits */
}

static void check_open_limits(wallet_fixture *f)
{
    char key[KEY_HEX_LEN + 1];
    wallet(f, "shop", "init", "shop", "--no-passphrase", NULL);
    key_of(f, "shop", key);
    assert_int_equal(wallet(f, "steward", "open", "shop", key, "--kind", "shop", NULL), 2);
    assert_int_equal(wallet(f, "steward", "open", "S!", key, NULL), 2);
    assert_int_equal(wallet(f, "steward", "open", "shop", NULL), 2);
    assert_error_either(wallet_json(f, "alice", 1, "open", "shop", key, NULL), "NOT_A_STEWARD",
                        "QUORUM_NOT_MET");
    json_t *o = wallet_json(f, "steward", 0, "open", "shop", key, "--kind", "business", NULL);
    assert_string_equal(jstr(o, "kind"), "business");
    o = wallet_json(f, "alice", 0, "balance", "shop", NULL);
    assert_string_equal(jstr(o, "kind"), "business");
    assert_int_equal(jint(o, "limits.min.minor"), BUSINESS_MIN);
    assert_int_equal(jint(o, "limits.max.minor"), BUSINESS_MAX);
    assert_error_either(wallet_json(f, "steward", 1, "open", "shop", key, NULL), "HANDLE_TAKEN",
                        "ACCOUNT_EXISTS");

    /* limits: an omitted bound keeps its value; carol's floor is -20.00. */
    assert_int_equal(wallet(f, "steward", "limits", "carol", NULL), 2);
    assert_int_equal(wallet(f, "steward", "limits", "carol", "--min", "x", NULL), 2);
    o = wallet_json(f, "steward", 0, "limits", "carol", "--min", "-10", NULL);
    assert_string_equal(jstr(o, "handle"), "carol");
    assert_int_equal(jint(o, "limits.min.minor"), -1000);
    assert_int_equal(jint(o, "limits.max.minor"), 4000);
    assert_error(wallet_json(f, "steward", 1, "limits", "carol", "--min", "5", NULL),
                 "LIMITS_INVALID");
    wallet_json(f, "alice", 1, "limits", "carol", "--min", "-1000", NULL);
    assert_error(wallet_json(f, "steward", 1, "limits", "nobody", "--min", "-1", NULL),
                 "NOT_FOUND");
    assert_int_equal(node_account(f, key).account.limits.min_balance, BUSINESS_MIN);
    expect_refused(f, "carol", "alice", "10.01", "EXCEEDS_CREDIT_LIMIT", NULL);
    wallet_json(f, "carol", 0, "pay", "alice", "10", NULL);
}

static void check_freeze(wallet_fixture *f)
{
    json_t *o = wallet_json(f, "steward", 0, "freeze", "alice", NULL);
    assert_string_equal(jstr(o, "status"), "frozen");
    assert_string_equal(jstr(o, "handle"), "alice");
    expect_refused(f, "bob", "alice", "1", "PAYEE_FROZEN", NULL);
    expect_refused(f, "alice", "bob", "1", "PAYER_FROZEN", NULL);
    assert_string_equal(jstr(wallet_json(f, "bob", 0, "balance", "alice", NULL), "status"),
                        "frozen");
    assert_error(wallet_json(f, "steward", 1, "freeze", "alice", NULL), "STATUS_UNCHANGED");
    wallet_json(f, "bob", 1, "unfreeze", "alice", NULL); /* not a steward */
    o = wallet_json(f, "steward", 0, "unfreeze", "alice", NULL);
    assert_string_equal(jstr(o, "status"), "active");
    wallet(f, "steward", "freeze", "bob", NULL);
    expect_words(f, 0, "bob is now frozen");
    wallet(f, "steward", "unfreeze", "bob", NULL);
    expect_words(f, 0, "bob is now active");
    wallet_json(f, "alice", 0, "pay", "bob", "1", NULL);
    assert_int_equal(wallet(f, "steward", "freeze", NULL), 2);
    assert_error(wallet_json(f, "steward", 1, "freeze", "nobody", NULL), "NOT_FOUND");
}

static void check_close(wallet_fixture *f)
{
    /* bob holds 1.00: he cannot close until he is at zero. */
    int64_t height = ledger_height(f);
    json_t *o = wallet_json(f, "steward", 1, "close", "bob", NULL);
    assert_error(o, "CLOSE_NONZERO_BALANCE");
    wallet(f, "steward", "close", "bob", NULL);
    expect_words(f, 1, "CLOSE_NONZERO_BALANCE");
    assert_int_equal(ledger_height(f), height);
    assert_string_equal(jstr(wallet_json(f, "bob", 0, "balance", NULL), "status"), "active");
    wallet_json(f, "bob", 1, "close", "bob", NULL); /* not a steward */

    wallet_json(f, "bob", 0, "pay", "alice", "1", NULL);
    o = wallet_json(f, "steward", 0, "close", "bob", NULL);
    assert_string_equal(jstr(o, "status"), "closed");
    o = wallet_json(f, "alice", 0, "balance", "bob", NULL);
    assert_string_equal(jstr(o, "status"), "closed");
    assert_int_equal(jint(o, "balance.minor"), 0);
    expect_refused(f, "alice", "bob", "1", "PAYEE_CLOSED", NULL);
    o = wallet_json(f, "alice", 0, "accounts", NULL); /* by handle, the closed one too */
    assert_int_equal(json_array_size(jpath(o, "accounts")), 4);
    assert_string_equal(jstr(o, "accounts.0.handle"), "alice");
    assert_string_equal(jstr(o, "accounts.1.handle"), "bob");
    assert_string_equal(jstr(o, "accounts.1.status"), "closed");
    assert_string_equal(jstr(o, "accounts.2.handle"), "carol");
    assert_string_equal(jstr(o, "accounts.3.handle"), "shop");
    assert_string_equal(jstr(o, "accounts.3.kind"), "business");
    assert_int_equal(jint(o, "total.minor"), 0);
    wallet_json(f, "steward", 1, "unfreeze", "bob", NULL); /* closed for good */
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
    assert_string_equal(jstr(wallet_json(f, "alice", 0, "info", NULL), "visibility"), "private");
    json_t *o = wallet_json(f, "alice", 0, "pay", "bob", "5", NULL);
    assert_int_equal(jint(o, "balance.minor"), -500);

    /* alice sees her own account, and only the directory entry of bob's. */
    assert_int_equal(balance(f, "alice", NULL), -500);
    o = wallet_json(f, "alice", 0, "balance", "bob", NULL);
    assert_true(jbool(o, "restricted"));
    assert_string_equal(jstr(o, "handle"), "bob");
    assert_string_equal(jstr(o, "status"), "active");
    assert_null(json_object_get(o, "balance"));
    assert_null(json_object_get(o, "limits"));
    wallet(f, "alice", "balance", "bob", NULL);
    expect_words(f, 0, "private");
    assert_null(strstr(f->out, "5.00"));
    assert_error(wallet_json(f, "alice", 1, "history", "bob", NULL), "FORBIDDEN");
    wallet(f, "alice", "history", "bob", NULL);
    expect_words(f, 1, "FORBIDDEN");
    o = wallet_json(f, "alice", 0, "history", NULL);
    assert_int_equal(jint(o, "items.0.delta.minor"), -500);
    o = wallet_json(f, "alice", 0, "accounts", NULL);
    assert_int_equal(json_array_size(jpath(o, "accounts")), 2);
    assert_false(jbool(o, "accounts.0.restricted")); /* alice */
    assert_true(jbool(o, "accounts.1.restricted"));  /* bob */
    assert_null(jpath(o, "accounts.1.balance"));
    assert_null(json_object_get(o, "total"));
    assert_error(wallet_json(f, "alice", 1, "limits", "bob", "--min", "-1", NULL), "FORBIDDEN");

    /* The stewards see everything. */
    assert_int_equal(balance(f, "steward", "bob"), 500);
    o = wallet_json(f, "steward", 0, "history", "bob", NULL);
    assert_int_equal(jint(o, "items.0.delta.minor"), 500);
    assert_int_equal(jint(wallet_json(f, "steward", 0, "accounts", NULL), "total.minor"), 0);
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
    wallet(f, "cli", "--version", NULL);
    expect_words(f, 0, "mcwallet ");
    wallet(f, "cli", "--help", NULL);
    expect_words(f, 0, "exit status");
    wallet(f, "cli", "help", NULL);
    for (size_t i = 0; i < sizeof command_names / sizeof command_names[0]; i++) {
        snprintf(usage, sizeof usage, "\n  %s ", command_names[i]);
        expect_words(f, 0, usage);
    }
    for (size_t i = 0; i < sizeof command_names / sizeof command_names[0]; i++) {
        snprintf(usage, sizeof usage, "usage: mcwallet [OPTIONS] %s", command_names[i]);
        wallet(f, "cli", "help", command_names[i], NULL);
        expect_words(f, 0, usage);
        if (strcmp(command_names[i], "help") != 0) { /* see check_help_help */
            wallet(f, "cli", command_names[i], "--help", NULL);
            expect_words(f, 0, usage);
        }
    }
    wallet(f, "cli", "cheque", "-h", NULL);
    expect_words(f, 0, "--valid-days");
    wallet(f, "cli", "open", "--help", NULL);
    expect_words(f, 0, "--max AMOUNT");
}

/* `help --help` is help's own help, like every other command's --help. */
static void check_help_help(wallet_fixture *f)
{
    wallet(f, "cli", "help", "--help", NULL);
    expect_words(f, 0, "usage: mcwallet [OPTIONS] help [COMMAND]");
    wallet(f, "cli", "help", "-h", NULL);
    expect_words(f, 0, "usage: mcwallet [OPTIONS] help [COMMAND]");
}

static void check_usage(wallet_fixture *f)
{
    wallet(f, "cli", "frobnicate", NULL);
    expect_words(f, 2, "unknown command");
    assert_int_equal(wallet(f, "cli", "help", "frobnicate", NULL), 2);
    assert_int_equal(wallet(f, "cli", NULL), 2);
    assert_int_equal(wallet(f, "cli", "--bogus", "info", NULL), 2);
    assert_int_equal(wallet(f, "cli", "--timeout", "0", "info", NULL), 2);
    assert_int_equal(wallet(f, "cli", "--timeout", "x", "info", NULL), 2);
    assert_int_equal(wallet(f, "cli", "info", "extra", NULL), 2);
    assert_int_equal(wallet(f, "cli", "key", "extra", NULL), 2);
    assert_int_equal(wallet(f, "cli", "balance", "--bogus", NULL), 2);
    assert_int_equal(wallet(f, "cli", "requests", "x", NULL), 2);
    assert_int_equal(wallet(f, "cli", "redeem", NULL), 2);
    /* Global options go before the command. */
    assert_int_equal(wallet(f, "cli", "info", "--json", NULL), 2);
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
    wallet(f, "cli", "init", "cli", "--no-passphrase", NULL);
    for (size_t i = 0; i < sizeof node_commands / sizeof node_commands[0]; i++) {
        const char *const *c = node_commands[i];
        json_t *o = wallet_json(f, "cli", 3, "--node", address, c[0], c[1], c[2], c[3], c[4]);
        assert_error(o, "UNREACHABLE");
        wallet(f, "cli", "--node", address, c[0], c[1], c[2], c[3], c[4]);
        expect_words(f, 3, "UNREACHABLE");
    }
    /* Nothing cached in this wallet: no offline join or cheque either. */
    char file[WALLET_PATH_MAX];
    path_in(f, "cli.out", file, sizeof file);
    wallet_json(f, "cli", 3, "--node", address, "join", "cli", "--out", file, NULL);
    wallet_json(f, "cli", 3, "--node", address, "cheque", "bob", "1", "--out", file, NULL);
    assert_int_equal(access(file, F_OK), -1);
    /* Through the environment too. */
    char env_node[80];
    snprintf(env_node, sizeof env_node, "MC_NODE=%s", address);
    const char *const env[] = {env_node, NULL};
    f->node.address[0] = '\0'; /* no --node: MC_NODE */
    wallet_env(f, "cli", env, "info", NULL);
    expect_words(f, 3, address);
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
    json_t *o =
        wallet_json(f, "cli", 3, "--node", address, "--timeout", SILENT_TIMEOUT_S, "info", NULL);
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
