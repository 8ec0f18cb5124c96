/* mcwallet's governance end to end: the real wallet binary against a real
 * mcnode on 127.0.0.1, checked through exit codes (0 done, 1 refused, 2
 * usage) and the --json answers, parsed whole by jansson.
 *
 * The node's stewards are wallet identities s1, s2, s3 (made with
 * `mcwallet init NAME --no-passphrase`), given to `mcnode init` as its only
 * stewards, so the wallet's commands sign as they would in a community.
 *
 *  - quorum (open ledger, 3 stewards, quorum 2): a steward alone is refused
 *    with QUORUM_NOT_MET and told how to propose; propose, cosign by a
 *    second steward, submit (twice: applied once); a third steward's cosign
 *    says it is already applied; a non-steward's cosign, direct command or
 *    proposal is refused (NOT_A_STEWARD); a proposal with a flipped byte of
 *    its signed transaction is refused by cosign and by submit;
 *  - roles (private ledger, 3 stewards, quorum 2): an auditor added by
 *    proposal (by key, then one by handle) reads a member's balance that
 *    members cannot, but cannot freeze; info and roles name the roles; the
 *    quorum raised to 3 makes an operation need 3 signatures;
 *  - fee (open ledger, 1 steward): shown, set in percent and in basis
 *    points to a SYSTEM account (a payment of 10.00 costs the payer 10.10,
 *    the system account gets 0.10), removed; FEE_INVALID;
 *  - roles on a quorum of 1: changed directly, ROLES_INVALID from the
 *    ledger;
 *  - commons with keepers: open --kind commons --keeper ... --keeper-quorum,
 *    the keepers on the node, KEEPERS_INVALID;
 *  - usage errors (exit 2) of roles, fee and open's keeper options; help.
 * Every test ends by stopping the node with SIGTERM (exit 0) and running
 * `mcnode check` on its data. Any sanitizer report in a wallet's output or
 * the node's log fails the test. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fixture.h"
#include "mc/error.h"
#include "node_harness.h"

#define WALLET_OUT_MAX (64u * 1024u)
#define WALLET_RUN_TIMEOUT_MS 30000
#define WALLET_ARGV_MAX 40u
#define WALLET_PATH_MAX 1024u
#define WALLET_CMDLINE_MAX 1024u
#define KEY_HEX_LEN (2u * MC_PUBLIC_KEY_BYTES)
#define GOV_STEWARDS 3u
#define GOV_QUORUM 2u
#define BODY_BYTE_FLIPPED 10u /* a byte of the ledger id inside the signed body */

static const char *const steward_names[GOV_STEWARDS] = {"s1", "s2", "s3"};

typedef struct gov_fixture {
    mc_test_node node;
    char root[512]; /* the wallets: ROOT/NAME, and the proposal files; removed by teardown */
    char steward_keys[GOV_STEWARDS][KEY_HEX_LEN + 1];
    size_t stewards; /* s1..sN are the node's stewards */
    char out[WALLET_OUT_MAX];
    char cmdline[WALLET_CMDLINE_MAX];
    int status;
    json_t *answer;     /* the last --json answer; freed by the next run */
    size_t words_len;   /* bytes of words (stderr) before the JSON answer */
    unsigned proposals; /* proposal files made, for their names */
} gov_fixture;

/* ---- running the wallet --------------------------------------------------- */

static void note_cmdline(gov_fixture *f, const char *const *argv)
{
    size_t len = 0;
    f->cmdline[0] = '\0';
    for (size_t i = 1; argv[i] != NULL && len < sizeof f->cmdline; i++) {
        int n =
            snprintf(f->cmdline + len, sizeof f->cmdline - len, "%s%s", i > 1 ? " " : "", argv[i]);
        len += n > 0 ? (size_t)n : 0;
    }
}

/* mcwallet --node NODE --wallet ROOT/who [--json] ARGS... (NULL-terminated).
 * The output (stdout and stderr) lands in f->out; returns the exit status. */
static int run_wallet(gov_fixture *f, const char *who, bool json, const char *const *args)
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
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(a < WALLET_ARGV_MAX);
        argv[a++] = args[i];
    }
    argv[a] = NULL;
    json_decref(f->answer);
    f->answer = NULL;
    note_cmdline(f, argv);
    f->status = mc_test_run(argv, NULL, f->out, sizeof f->out, WALLET_RUN_TIMEOUT_MS);
    mc_test_check_sanitizers(f->cmdline, f->out);
    if (f->status < 0) {
        fprintf(stderr, "%s: ran past %d ms:\n%s\n", f->cmdline, WALLET_RUN_TIMEOUT_MS, f->out);
        fail();
    }
    return f->status;
}

/* The NULL-terminated arguments of `ap` into `args` (room for max + 1). */
static void collect(va_list ap, const char **args, size_t max)
{
    size_t n = 0;
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        assert_true(n < max);
        args[n++] = s;
    }
    args[n] = NULL;
}

/* In words: the exit status (the output in f->out). */
static int wallet(gov_fixture *f, const char *who, ...)
{
    const char *args[WALLET_ARGV_MAX + 1];
    va_list ap;
    va_start(ap, who);
    collect(ap, args, WALLET_ARGV_MAX);
    va_end(ap);
    return run_wallet(f, who, false, args);
}

/* Assert the last run exited `expect` and said the words `text`. */
static void expect_words(const gov_fixture *f, int expect, const char *text)
{
    if (f->status != expect || (text != NULL && strstr(f->out, text) == NULL)) {
        fprintf(stderr, "%s: exit %d (expected %d), output (expected to contain '%s'):\n%s\n",
                f->cmdline, f->status, expect, text != NULL ? text : "", f->out);
        fail();
    }
}

/* The last run's output as one JSON object, after words on stderr when
 * `words_before` (cosign shows what it signs) or for a usage error (exit
 * 2: the message and the usage on stderr): "ok" as the exit says, and
 * on a failure an "error" with a code, its name and a message. */
static json_t *parse_answer(gov_fixture *f, int expect, bool words_before)
{
    expect_words(f, expect, NULL);
    const char *start = f->out[0] == '{' ? f->out : strstr(f->out, "\n{");
    start = start != NULL && start != f->out ? start + 1 : start;
    f->words_len = start != NULL ? (size_t)(start - f->out) : 0;
    json_error_t err;
    f->answer = start != NULL ? json_loads(start, 0, &err) : NULL;
    if (!json_is_object(f->answer) || (!words_before && expect != 2 && f->words_len > 0)) {
        fprintf(stderr, "%s: not one JSON object:\n%s\n", f->cmdline, f->out);
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
    assert_true(json_is_integer(code) && json_is_string(name));
    assert_string_equal(mc_err_name((int)json_integer_value(code)), json_string_value(name));
    assert_true(json_string_length(json_object_get(error, "message")) > 0);
    return f->answer;
}

/* With --json: the answer (valid until the next run), after asserting the
 * exit status is `expect`. */
static json_t *wallet_json(gov_fixture *f, const char *who, int expect, ...)
{
    const char *args[WALLET_ARGV_MAX + 1];
    va_list ap;
    va_start(ap, expect);
    collect(ap, args, WALLET_ARGV_MAX);
    va_end(ap);
    run_wallet(f, who, true, args);
    return parse_answer(f, expect, false);
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

static size_t jsize(json_t *o, const char *path)
{
    json_t *v = jpath(o, path);
    if (!json_is_array(v)) {
        bad_path(o, path, "an array");
    }
    return json_array_size(v);
}

static void assert_error(json_t *o, const char *name)
{
    if (strcmp(jstr(o, "error.name"), name) != 0) {
        bad_path(o, "error.name", name);
    }
}

static void assert_message_has(json_t *o, const char *text)
{
    if (strstr(jstr(o, "error.message"), text) == NULL) {
        bad_path(o, "error.message", text);
    }
}

static void assert_hex(const char *s, size_t len)
{
    assert_int_equal(strlen(s), len);
    assert_int_equal(strspn(s, "0123456789abcdef"), len);
}

/* ---- the community ------------------------------------------------------------ */

static void path_in(const gov_fixture *f, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", f->root, name);
}

static void key_of(gov_fixture *f, const char *who, char out[KEY_HEX_LEN + 1])
{
    wallet(f, who, "key", NULL);
    expect_words(f, 0, NULL);
    assert_true(strlen(f->out) == KEY_HEX_LEN + 1 && f->out[KEY_HEX_LEN] == '\n');
    memcpy(out, f->out, KEY_HEX_LEN);
    out[KEY_HEX_LEN] = '\0';
    assert_hex(out, KEY_HEX_LEN);
}

/* A new identity `name` (no passphrase) in its own wallet; its key. */
static void new_identity(gov_fixture *f, const char *name, char key[KEY_HEX_LEN + 1])
{
    wallet(f, name, "init", name, "--no-passphrase", NULL);
    expect_words(f, 0, "NOT encrypted");
    key_of(f, name, key);
}

/* The key pair kept (unencrypted) in `name`'s wallet. */
static mc_keypair *wallet_keypair(const gov_fixture *f, const char *name)
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

/* The account of `key_hex` as the node has it, asked as steward s1. */
static mc_client_account node_account(gov_fixture *f, const char *key_hex)
{
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    assert_int_equal(mc_hex_decode(key_hex, key, sizeof key), MC_ERR_OK);
    mc_keypair *kp = wallet_keypair(f, "s1");
    mc_client *c = mc_test_node_client(&f->node);
    assert_int_equal(mc_client_authenticate(c, kp, NULL), MC_ERR_OK);
    mc_client_account a;
    assert_int_equal(mc_client_get_account(c, key, &a), MC_ERR_OK);
    mc_client_close(c);
    mc_keypair_free(kp);
    return a;
}

/* `mcnode init` with the wallet identities s1..sN as its only stewards (the
 * harness would add a steward of its own), then `mcnode run`. */
static void node_init(gov_fixture *f, unsigned quorum, const char *visibility)
{
    mc_test_node *n = &f->node;
    char *dir = mc_test_tmpdir();
    snprintf(n->root, sizeof n->root, "%s", dir);
    free(dir);
    snprintf(n->data_dir, sizeof n->data_dir, "%s/data", n->root);
    snprintf(n->log_path, sizeof n->log_path, "%s/node.log", n->root);
    char quorum_text[16];
    snprintf(quorum_text, sizeof quorum_text, "%u", quorum);
    const char *argv[MC_TEST_ARGS_MAX];
    size_t a = 0;
    argv[a++] = mc_test_bin("MC_NODE_BIN");
    argv[a++] = "init";
    argv[a++] = "--data";
    argv[a++] = n->data_dir;
    const char *const fixed[] = {"--unit",   "grain",     "--symbol",     "g",
                                 "--quorum", quorum_text, "--visibility", visibility};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        argv[a++] = fixed[i];
    }
    for (size_t i = 0; i < f->stewards; i++) {
        argv[a++] = "--steward";
        argv[a++] = f->steward_keys[i];
    }
    argv[a] = NULL;
    char out[4096];
    int status = mc_test_run(argv, NULL, out, sizeof out, MC_TEST_START_TIMEOUT_MS);
    if (status != 0) {
        fprintf(stderr, "mcnode init failed (%d): %s\n", status, out);
        fail();
    }
    out[strcspn(out, "\n")] = '\0'; /* the first line: the ledger id */
    assert_int_equal(mc_hex_decode(out, n->ledger_id, MC_LEDGER_ID_BYTES), MC_ERR_OK);
    n->decimals = 2;
    mc_test_node_start(n, NULL);
}

static int setup_with(void **state, size_t stewards, unsigned quorum, const char *visibility)
{
    gov_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    char *dir = mc_test_tmpdir();
    snprintf(f->root, sizeof f->root, "%s", dir);
    free(dir);
    *state = f;
    f->stewards = stewards;
    for (size_t i = 0; i < stewards; i++) {
        new_identity(f, steward_names[i], f->steward_keys[i]);
    }
    node_init(f, quorum, visibility);
    return 0;
}

static int setup_quorum(void **state)
{
    return setup_with(state, GOV_STEWARDS, GOV_QUORUM, "open");
}

static int setup_private(void **state)
{
    return setup_with(state, GOV_STEWARDS, GOV_QUORUM, "private");
}

static int setup_single(void **state)
{
    return setup_with(state, 1, 1, "open");
}

static int teardown(void **state)
{
    gov_fixture *f = *state;
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

/* ---- proposals ------------------------------------------------------------------ */

/* `who` runs `propose ARGS... --out FILE` (a new file, its path into
 * `file`) and the proposal carries 1 of `needed` signatures. */
static void propose(gov_fixture *f, const char *who, unsigned needed, char *file, size_t len, ...)
{
    const char *args[WALLET_ARGV_MAX + 1];
    char name[32];
    snprintf(name, sizeof name, "proposal-%u.json", ++f->proposals);
    path_in(f, name, file, len);
    args[0] = "propose";
    va_list ap;
    va_start(ap, len);
    collect(ap, args + 1, WALLET_ARGV_MAX - 3);
    va_end(ap);
    size_t n = 1;
    while (args[n] != NULL) {
        n++;
    }
    args[n++] = "--out";
    args[n++] = file;
    args[n] = NULL;
    run_wallet(f, who, true, args);
    json_t *o = parse_answer(f, 0, false);
    assert_string_equal(jstr(o, "proposal"), file);
    assert_int_equal(jint(o, "signatures"), 1);
    assert_int_equal(jint(o, "needed"), needed);
    assert_hex(jstr(o, "tx_id"), 2 * MC_TX_ID_BYTES);
    assert_null(json_object_get(o, "height")); /* nothing was submitted */
    assert_int_equal(access(file, F_OK), 0);
}

/* `who` co-signs FILE (--yes): the answer, after the summary in words. */
static json_t *cosign(gov_fixture *f, const char *who, const char *file, int expect)
{
    const char *args[] = {"cosign", file, "--yes", NULL};
    run_wallet(f, who, true, args);
    return parse_answer(f, expect, true);
}

static json_t *submit(gov_fixture *f, const char *who, const char *file, int expect)
{
    const char *args[] = {"submit", file, NULL};
    run_wallet(f, who, true, args);
    return parse_answer(f, expect, false);
}

/* The signers listed in a proposal file. */
static size_t proposal_signers(const char *file)
{
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_string_equal(jstr(doc, "format"), "mc-proposal-1");
    size_t n = jsize(doc, "signers");
    json_decref(doc);
    return n;
}

/* s1 proposes ARGS, s2 (and s3 when `needed` is 3) co-sign, s1 submits:
 * the submit's answer. */
#define PASS(f, needed, ...)                                                                       \
    do {                                                                                           \
        char pass_file[WALLET_PATH_MAX];                                                           \
        propose((f), "s1", (needed), pass_file, sizeof pass_file, __VA_ARGS__, NULL);              \
        for (unsigned s = 1; s < (needed); s++) {                                                  \
            cosign((f), steward_names[s], pass_file, 0);                                           \
        }                                                                                          \
        json_t *pass_o = submit((f), "s1", pass_file, 0);                                          \
        assert_true(jint(pass_o, "height") > 0);                                                   \
        assert_false(jbool(pass_o, "duplicate"));                                                  \
    } while (0)

/* ---- quorum ------------------------------------------------------------------------ */

static void check_info_steward(gov_fixture *f)
{
    json_t *o = wallet_json(f, "s1", 0, "info", NULL);
    assert_int_equal(jint(o, "quorum"), GOV_QUORUM);
    assert_int_equal(jsize(o, "stewards"), GOV_STEWARDS);
    for (size_t i = 0; i < GOV_STEWARDS; i++) {
        char at[16];
        snprintf(at, sizeof at, "stewards.%zu", i);
        assert_string_equal(jstr(o, at), f->steward_keys[i]);
    }
    assert_int_equal(jsize(o, "auditors"), 0);
    assert_int_equal(jint(o, "fee_bps"), 0);
    assert_null(json_object_get(o, "fee_account"));
    assert_string_equal(jstr(o, "identity.name"), "s1");
    assert_string_equal(jstr(o, "identity.public_key"), f->steward_keys[0]);
    assert_int_equal(jsize(o, "identity.roles"), 1);
    assert_string_equal(jstr(o, "identity.roles.0"), "steward");
    wallet(f, "s1", "info", NULL);
    expect_words(f, 0,
                 "\nstewards   3, quorum 2\nauditors   0\nfee        none\nlimits     member");
    expect_words(f, 0, "\nidentity   s1 (steward)\n");
    /* A wallet without an identity: no identity, no failure. */
    o = wallet_json(f, "nobody", 0, "info", NULL);
    assert_null(json_object_get(o, "identity"));
    wallet(f, "nobody", "info", NULL);
    expect_words(f, 0, "stewards   3, quorum 2");
    assert_null(strstr(f->out, "identity"));
}

/* A steward alone is refused and told how to propose. */
static void check_alone(gov_fixture *f, const char *alice)
{
    json_t *o = wallet_json(f, "s1", 1, "open", "alice", alice, NULL);
    assert_error(o, "QUORUM_NOT_MET");
    assert_message_has(o, "needs 2 signatures of the stewards and carries 1");
    assert_message_has(o, "mcwallet propose open ... --out FILE");
    assert_message_has(o, "mcwallet cosign FILE");
    assert_null(json_object_get(o, "tx_id")); /* nothing was sent */
    wallet(f, "s1", "open", "alice", alice, NULL);
    expect_words(f, 1, "(QUORUM_NOT_MET)");
    expect_words(f, 1, "propose open");
}

/* propose, cosign, submit (twice), and a third steward's cosign after. */
static void check_propose_open(gov_fixture *f, const char *alice)
{
    char file[WALLET_PATH_MAX];
    propose(f, "s1", GOV_QUORUM, file, sizeof file, "open", "alice", alice, NULL);
    assert_int_equal(proposal_signers(file), 1);
    assert_error(submit(f, "s3", file, 1), "QUORUM_NOT_MET"); /* the ledger counts 1 of 2 */
    json_t *o = cosign(f, "s2", file, 0);
    assert_int_equal(jint(o, "signatures"), 2);
    assert_int_equal(jint(o, "needed"), 2);
    assert_non_null(strstr(jstr(o, "summary"), "open a member account 'alice' for the key"));
    assert_non_null(strstr(f->out, "open a member account 'alice'")); /* the words, first */
    assert_int_equal(proposal_signers(file), 2);
    o = cosign(f, "s2", file, 0);
    assert_int_equal(jint(o, "signatures"), 2);
    wallet(f, "s2", "cosign", file, "--yes", NULL);
    expect_words(f, 0, "you have already signed it\n");
    expect_words(f, 0, ": 2 of the 2 signatures of the stewards it needs: ready, run\n");
    o = submit(f, "alice", file, 0); /* anyone may submit */
    int64_t height = jint(o, "height");
    assert_int_equal(height, 1);
    assert_false(jbool(o, "duplicate"));
    o = submit(f, "s1", file, 0);
    assert_int_equal(jint(o, "height"), height);
    assert_true(jbool(o, "duplicate"));
    o = cosign(f, "s3", file, 0);
    assert_int_equal(jint(o, "signatures"), 2);
    assert_int_equal(jint(o, "applied_height"), height);
    assert_int_equal(proposal_signers(file), 2); /* not signed again */
    wallet(f, "s3", "cosign", file, "--yes", NULL);
    expect_words(f, 0, "already carries enough signatures");
    expect_words(f, 0, "already applied at height 1");
    o = wallet_json(f, "s1", 0, "balance", "alice", NULL);
    assert_string_equal(jstr(o, "public_key"), alice);
    assert_int_equal(jint(o, "balance.minor"), 0);
}

/* Someone who is not a steward: no cosign, no direct command, no proposal. */
static void check_outsider(gov_fixture *f, char *file, size_t len)
{
    propose(f, "s1", GOV_QUORUM, file, len, "freeze", "alice", NULL);
    json_t *o = cosign(f, "alice", file, 1);
    assert_error(o, "NOT_A_STEWARD");
    assert_int_equal(proposal_signers(file), 1);
    o = wallet_json(f, "alice", 1, "freeze", "alice", NULL);
    assert_error(o, "NOT_A_STEWARD");
    char other[WALLET_PATH_MAX];
    path_in(f, "outsider.json", other, sizeof other);
    o = wallet_json(f, "alice", 1, "propose", "freeze", "alice", "--out", other, NULL);
    assert_error(o, "NOT_A_STEWARD");
    assert_int_equal(access(other, F_OK), -1);
}

/* A copy of proposal `from` with the hex digit `at` of signed_tx changed
 * (negative: from the end), written to `to`. */
static void tamper(const char *from, const char *to, long at)
{
    json_t *doc = json_load_file(from, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    char *hex = strdup(jstr(doc, "signed_tx"));
    assert_non_null(hex);
    size_t len = strlen(hex), i = at < 0 ? len - (size_t)(-at) : (size_t)at;
    assert_true(i < len);
    hex[i] = hex[i] == '0' ? '1' : '0';
    json_object_set_new(doc, "signed_tx", json_string(hex));
    assert_int_equal(json_dump_file(doc, to, JSON_INDENT(2)), 0);
    json_decref(doc);
    free(hex);
}

static void check_tampered(gov_fixture *f, const char *file)
{
    char bad[WALLET_PATH_MAX];
    const long digits[] = {-1, 2 * BODY_BYTE_FLIPPED}; /* the last signature, the body */
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++) {
        path_in(f, "tampered.json", bad, sizeof bad);
        tamper(file, bad, digits[i]);
        assert_error(cosign(f, "s2", bad, 1), "BAD_SIGNATURE");
        assert_int_equal(proposal_signers(bad), 1);
        assert_error(submit(f, "s2", bad, 1), "BAD_SIGNATURE");
        unlink(bad);
    }
    json_t *o = wallet_json(f, "s1", 0, "balance", "alice", NULL);
    assert_string_equal(jstr(o, "status"), "active");
}

static void test_quorum(void **state)
{
    gov_fixture *f = *state;
    char alice[KEY_HEX_LEN + 1], file[WALLET_PATH_MAX];
    check_info_steward(f);
    new_identity(f, "alice", alice);
    check_alone(f, alice);
    check_propose_open(f, alice);
    check_outsider(f, file, sizeof file);
    check_tampered(f, file);
    mc_test_node_finish(&f->node);
}

/* ---- roles and auditors ---------------------------------------------------------- */

/* The entry of `list` (Party objects) with this key, or fail. */
static json_t *party(json_t *list, const char *key)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *p = json_array_get(list, i);
        if (strcmp(jstr(p, "public_key"), key) == 0) {
            return p;
        }
    }
    bad_path(list, key, "listed");
    return NULL;
}

static void check_roles_list(gov_fixture *f, const char *who, const char *aud, const char *bob)
{
    json_t *o = wallet_json(f, who, 0, "roles", NULL);
    assert_int_equal(jint(o, "quorum"), GOV_QUORUM);
    assert_int_equal(jsize(o, "stewards"), GOV_STEWARDS);
    assert_string_equal(jstr(party(jpath(o, "stewards"), f->steward_keys[0]), "handle"), "s1");
    assert_string_equal(jstr(party(jpath(o, "stewards"), f->steward_keys[1]), "handle"), "");
    assert_int_equal(jsize(o, "auditors"), 2);
    assert_string_equal(jstr(party(jpath(o, "auditors"), aud), "handle"), "");
    assert_string_equal(jstr(party(jpath(o, "auditors"), bob), "handle"), "bob");
    wallet(f, who, "roles", NULL);
    expect_words(f, 0, "stewards   3, quorum 2\n");
    expect_words(f, 0, "auditors   2\n");
    char line[KEY_HEX_LEN + 16];
    snprintf(line, sizeof line, "  %s  s1\n", f->steward_keys[0]);
    expect_words(f, 0, line);
    snprintf(line, sizeof line, "  %s\n", aud);
    expect_words(f, 0, line);
}

/* The auditor (no account) reads a private ledger and acts on nothing. */
static void check_auditor(gov_fixture *f, const char *aud)
{
    json_t *o = wallet_json(f, "aud", 0, "info", NULL);
    assert_int_equal(jsize(o, "identity.roles"), 1);
    assert_string_equal(jstr(o, "identity.roles.0"), "auditor");
    assert_string_equal(jstr(o, "auditors.0"), aud);
    wallet(f, "aud", "info", NULL);
    expect_words(f, 0, "\nauditors   1\n");
    expect_words(f, 0, "\nidentity   aud (auditor)\n");
    o = wallet_json(f, "aud", 0, "balance", "alice", NULL);
    assert_false(jbool(o, "restricted"));
    assert_int_equal(jint(o, "balance.minor"), 0);
    assert_int_equal(jint(o, "limits.min.minor"), -30000);
    o = wallet_json(f, "bob", 0, "balance", "alice", NULL); /* a member may not */
    assert_true(jbool(o, "restricted"));
    assert_null(json_object_get(o, "balance"));
    o = wallet_json(f, "aud", 0, "accounts", NULL);
    assert_int_equal(jint(o, "total.minor"), 0); /* every balance visible */
    assert_error(wallet_json(f, "aud", 1, "freeze", "alice", NULL), "NOT_A_STEWARD");
    char file[WALLET_PATH_MAX];
    path_in(f, "aud.json", file, sizeof file);
    o = wallet_json(f, "aud", 1, "propose", "freeze", "alice", "--out", file, NULL);
    assert_error(o, "NOT_A_STEWARD");
    assert_string_equal(jstr(wallet_json(f, "s1", 0, "balance", "alice", NULL), "status"),
                        "active");
}

/* The quorum raised to 3: an operation needs all three. */
static void check_quorum_three(gov_fixture *f)
{
    PASS(f, GOV_QUORUM, "roles", "--quorum", "3");
    json_t *o = wallet_json(f, "s2", 0, "info", NULL);
    assert_int_equal(jint(o, "quorum"), 3);
    assert_error(wallet_json(f, "s1", 1, "roles", "--quorum", "2", NULL), "QUORUM_NOT_MET");
    char file[WALLET_PATH_MAX];
    propose(f, "s1", 3, file, sizeof file, "freeze", "alice", NULL);
    o = cosign(f, "s2", file, 0);
    assert_int_equal(jint(o, "signatures"), 2);
    assert_int_equal(jint(o, "needed"), 3);
    assert_error(submit(f, "s2", file, 1), "QUORUM_NOT_MET");
    o = cosign(f, "s3", file, 0);
    assert_int_equal(jint(o, "signatures"), 3);
    assert_int_equal(jint(o, "needed"), 3);
    o = submit(f, "aud", file, 0);
    assert_false(jbool(o, "duplicate"));
    o = wallet_json(f, "s3", 0, "balance", "alice", NULL);
    assert_string_equal(jstr(o, "status"), "frozen");
}

/* A commons opened by proposal: the co-signer reads its keepers. */
static void check_commons_proposal(gov_fixture *f, const char *alice, const char *bob)
{
    char garden[KEY_HEX_LEN + 1], file[WALLET_PATH_MAX], words[512];
    new_identity(f, "garden", garden);
    propose(f, "s1", GOV_QUORUM, file, sizeof file, "open", "garden", garden, "--kind", "commons",
            "--keeper", "alice", "--keeper", bob, "--keeper-quorum", "2", NULL);
    assert_null(json_object_get(f->answer, "keepers")); /* a proposal says nothing else */
    json_t *o = cosign(f, "s2", file, 0);
    snprintf(words, sizeof words,
             "open a commons account 'garden' for the key %s; run by the keepers alice (%.16s...), "
             "bob (%.16s...), 2 of whom must sign",
             garden, alice, bob);
    assert_string_equal(jstr(o, "summary"), words);
    submit(f, "s1", file, 0);
    o = wallet_json(f, "s1", 0, "balance", "garden", NULL);
    assert_string_equal(jstr(o, "kind"), "commons");
    mc_client_account a = node_account(f, garden);
    assert_int_equal(a.account.keeper_count, 2);
    assert_int_equal(a.account.keeper_quorum, 2);
}

static void test_roles(void **state)
{
    gov_fixture *f = *state;
    char alice[KEY_HEX_LEN + 1], bob[KEY_HEX_LEN + 1], aud[KEY_HEX_LEN + 1];
    new_identity(f, "alice", alice);
    new_identity(f, "bob", bob);
    new_identity(f, "aud", aud);
    PASS(f, GOV_QUORUM, "open", "s1", f->steward_keys[0]);
    PASS(f, GOV_QUORUM, "open", "alice", alice);
    PASS(f, GOV_QUORUM, "open", "bob", bob);
    check_commons_proposal(f, alice, bob);
    assert_string_equal(jstr(wallet_json(f, "s1", 0, "info", NULL), "visibility"), "private");
    assert_error(wallet_json(f, "aud", 1, "balance", "alice", NULL), "AUTH_FAILED");
    json_t *o = wallet_json(f, "aud", 0, "info", NULL);
    assert_int_equal(jsize(o, "identity.roles"), 0);
    wallet(f, "aud", "info", NULL);
    expect_words(f, 0, "\nidentity   aud (no role)\n");

    char file[WALLET_PATH_MAX];
    propose(f, "s1", GOV_QUORUM, file, sizeof file, "roles", "--add-auditor", aud, NULL);
    o = cosign(f, "s2", file, 0);
    char words[KEY_HEX_LEN + 32];
    snprintf(words, sizeof words, "add the auditors the key %s", aud);
    assert_string_equal(jstr(o, "summary"), words);
    submit(f, "s1", file, 0);
    check_auditor(f, aud);
    PASS(f, GOV_QUORUM, "roles", "--add-auditor", "bob"); /* by handle */
    check_roles_list(f, "s1", aud, bob);
    check_roles_list(f, "aud", aud, bob);
    check_quorum_three(f);
    mc_test_node_finish(&f->node);
}

/* ---- the fee ------------------------------------------------------------------------ */

static int64_t balance_of(gov_fixture *f, const char *handle)
{
    json_t *o = wallet_json(f, "alice", 0, "balance", handle, NULL);
    assert_false(jbool(o, "restricted"));
    return jint(o, "balance.minor");
}

static void check_fee_shown(gov_fixture *f, const char *sys)
{
    json_t *o = wallet_json(f, "alice", 0, "fee", NULL);
    assert_int_equal(jint(o, "fee_bps"), 100);
    assert_string_equal(jstr(o, "percent"), "1.00");
    assert_string_equal(jstr(o, "account.handle"), "system");
    assert_string_equal(jstr(o, "account.public_key"), sys);
    wallet(f, "alice", "fee", NULL);
    expect_words(f, 0, "1.00% (100 basis points) to system\n");
    o = wallet_json(f, "nobody", 0, "fee", NULL); /* no identity: the key only */
    assert_string_equal(jstr(o, "account.handle"), "");
    char stranger[KEY_HEX_LEN + 1];
    new_identity(f, "stranger", stranger); /* a key the node does not know: the same */
    o = wallet_json(f, "stranger", 0, "fee", NULL);
    assert_int_equal(jint(o, "fee_bps"), 100);
    assert_string_equal(jstr(o, "account.handle"), "");
    wallet(f, "stranger", "fee", NULL);
    expect_words(f, 0, "1.00% (100 basis points) to the key ");
    o = wallet_json(f, "stranger", 0, "roles", NULL);
    assert_string_equal(jstr(o, "stewards.0.public_key"), f->steward_keys[0]);
    assert_string_equal(jstr(o, "stewards.0.handle"), "");
    assert_error(wallet_json(f, "stranger", 1, "fee", "2%", NULL), "AUTH_FAILED");
    o = wallet_json(f, "alice", 0, "info", NULL);
    assert_int_equal(jint(o, "fee_bps"), 100);
    assert_string_equal(jstr(o, "fee_account"), sys);
    assert_int_equal(jsize(o, "identity.roles"), 0);
    wallet(f, "alice", "info", NULL);
    expect_words(f, 0, "\nfee        1.00% (100 basis points) to the key ");
    expect_words(f, 0, "\nidentity   alice (no role)\n");
}

static void check_fee_usage(gov_fixture *f)
{
    static const char *const bad[][3] = {{"2.5"},
                                         {"1.234%"},
                                         {"11%"},
                                         {"1001"},
                                         {"-1"},
                                         {"abc"},
                                         {"1%%"},
                                         {".5%"},
                                         {"1.%"},
                                         {"%"},
                                         {""},
                                         {"1", "2"},
                                         {"10000%"},
                                         {"0x10"},
                                         {"0", "--account", "system"},
                                         {"--account", "system"},
                                         {"1%", "--bogus"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = wallet_json(f, "s1", 2, "fee", bad[i][0], bad[i][1], bad[i][2], NULL);
        assert_error(o, "INVALID_ARGUMENT");
    }
    /* No fee account yet (the fee is 0): say where it goes. */
    assert_error(wallet_json(f, "s1", 2, "fee", "1%", NULL), "INVALID_ARGUMENT");
    assert_error(wallet_json(f, "s1", 1, "fee", "1%", "--account", "alice", NULL), "FEE_INVALID");
    assert_error(wallet_json(f, "s1", 1, "fee", "1%", "--account", "nobody", NULL), "NOT_FOUND");
}

static void test_fee(void **state)
{
    gov_fixture *f = *state;
    char alice[KEY_HEX_LEN + 1], bob[KEY_HEX_LEN + 1], sys[KEY_HEX_LEN + 1];
    json_t *o = wallet_json(f, "s1", 0, "fee", NULL);
    assert_int_equal(jint(o, "fee_bps"), 0);
    assert_string_equal(jstr(o, "percent"), "0.00");
    assert_null(json_object_get(o, "account"));
    wallet(f, "s1", "fee", NULL);
    expect_words(f, 0, "no fee\n");
    new_identity(f, "alice", alice);
    new_identity(f, "bob", bob);
    new_identity(f, "sys", sys);
    wallet_json(f, "s1", 0, "open", "alice", alice, NULL);
    wallet_json(f, "s1", 0, "open", "bob", bob, NULL);
    check_fee_usage(f);
    o = wallet_json(f, "s1", 0, "open", "system", sys, "--kind", "system", NULL);
    assert_string_equal(jstr(o, "kind"), "system");

    o = wallet_json(f, "s1", 0, "fee", "1%", "--account", "system", NULL);
    assert_int_equal(jint(o, "fee_bps"), 100);
    assert_string_equal(jstr(o, "account.handle"), "system");
    assert_true(jint(o, "height") > 0);
    assert_false(jbool(o, "duplicate"));
    check_fee_shown(f, sys);
    o = wallet_json(f, "alice", 0, "pay", "bob", "10.00", NULL);
    assert_int_equal(jint(o, "fee.minor"), 10);
    assert_int_equal(jint(o, "balance.minor"), -1010);
    wallet(f, "alice", "pay", "bob", "0.01", NULL); /* the fee rounds down to 0 */
    expect_words(f, 0, "paid 0.01 g to bob");
    wallet(f, "alice", "pay", "bob", "10.00", NULL);
    expect_words(f, 0, "paid 10.00 g (and a fee of 0.10 g) to bob");
    assert_int_equal(balance_of(f, "alice"), -1010 - 1 - 1010);
    assert_int_equal(balance_of(f, "bob"), 1000 + 1 + 1000);
    assert_int_equal(balance_of(f, "system"), 20);

    o = wallet_json(f, "s1", 0, "fee", "0", NULL);
    assert_int_equal(jint(o, "fee_bps"), 0);
    assert_null(json_object_get(o, "account"));
    assert_null(json_object_get(wallet_json(f, "s1", 0, "info", NULL), "fee_account"));
    wallet_json(f, "alice", 0, "pay", "bob", "10.00", NULL);
    assert_int_equal(balance_of(f, "alice"), -3021);
    assert_int_equal(balance_of(f, "system"), 20);

    wallet(f, "s1", "fee", "250", "--account", "system", NULL);
    expect_words(f, 0, "2.50% (250 basis points) to system\n");
    o = wallet_json(f, "s1", 0, "fee", "0.25%", NULL); /* the present account */
    assert_int_equal(jint(o, "fee_bps"), 25);
    assert_string_equal(jstr(o, "account.public_key"), sys);
    assert_int_equal(jint(wallet_json(f, "s1", 0, "fee", "10%", NULL), "fee_bps"), 1000);
    wallet(f, "s1", "fee", "0", NULL);
    expect_words(f, 0, "no fee\n");
    mc_test_node_finish(&f->node);
}

/* ---- roles on a quorum of 1 ------------------------------------------------------------- */

static void check_roles_usage(gov_fixture *f)
{
    static const char *const bad[][3] = {{"--quorum", "0"},
                                         {"--quorum", "33"},
                                         {"--quorum", "x"},
                                         {"--quorum", "-1"},
                                         {"--add-steward", "NOT A KEY"},
                                         {"--remove-auditor", "Bob"},
                                         {"--add-auditor", "abcd!"},
                                         {"extra"},
                                         {"--bogus"},
                                         {"--quorum"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *o = wallet_json(f, "s1", 2, "roles", bad[i][0], bad[i][1], bad[i][2], NULL);
        assert_error(o, "INVALID_ARGUMENT");
    }
}

static void test_roles_direct(void **state)
{
    gov_fixture *f = *state;
    char aud[KEY_HEX_LEN + 1], other[KEY_HEX_LEN + 1];
    new_identity(f, "aud", aud);
    new_identity(f, "other", other);
    check_roles_usage(f);
    json_t *o = wallet_json(f, "s1", 0, "roles", "--add-auditor", aud, NULL);
    assert_true(jint(o, "height") > 0);
    assert_int_equal(jsize(o, "auditors"), 1);
    assert_string_equal(jstr(o, "auditors.0.public_key"), aud);
    assert_int_equal(jint(o, "quorum"), 1);
    wallet(f, "s1", "roles", "--remove-auditor", aud, "--add-auditor", other, NULL);
    expect_words(f, 0, "roles changed at height 2\nstewards   1, quorum 1\n");
    expect_words(f, 0, other);
    assert_null(strstr(f->out, aud));
    /* The ledger judges the rest, in its words. */
    o = wallet_json(f, "s1", 1, "roles", "--remove-auditor", aud, NULL); /* not one now */
    assert_error(o, "ROLES_INVALID");
    assert_error(wallet_json(f, "s1", 1, "roles", "--quorum", "2", NULL), "ROLES_INVALID");
    o = wallet_json(f, "s1", 1, "roles", "--add-steward", f->steward_keys[0], NULL);
    assert_error(o, "ROLES_INVALID");
    o = wallet_json(f, "s1", 1, "roles", "--remove-steward", f->steward_keys[0], NULL);
    assert_error(o, "ROLES_INVALID"); /* no steward left */
    assert_error(wallet_json(f, "s1", 1, "roles", "--add-auditor", "nobody", NULL), "NOT_FOUND");
    /* A second steward, then two must sign. */
    o = wallet_json(f, "s1", 0, "roles", "--add-steward", other, "--quorum", "2", NULL);
    assert_int_equal(jint(o, "quorum"), 2);
    assert_int_equal(jsize(o, "stewards"), 2);
    assert_error(wallet_json(f, "s1", 1, "roles", "--quorum", "1", NULL), "QUORUM_NOT_MET");
    mc_test_node_finish(&f->node);
}

/* ---- commons with keepers ---------------------------------------------------------------- */

static void check_keeper_usage(gov_fixture *f, const char *key)
{
    char join[WALLET_PATH_MAX];
    path_in(f, "g.join", join, sizeof join);
    static const char *const bad[][6] = {
        {"--keeper", "alice"},
        {"--kind", "member", "--keeper", "alice"},
        {"--kind", "commons", "--keeper-quorum", "1"},
        {"--kind", "commons", "--keeper", "alice", "--keeper-quorum", "2"},
        {"--kind", "commons", "--keeper", "alice", "--keeper-quorum", "0"},
        {"--kind", "commons", "--keeper", "alice", "--keeper-quorum", "x"},
        {"--kind", "commons", "--keeper", "NOT A KEY"},
        {"--kind", "commons", "--keeper"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const *b = bad[i];
        json_t *o =
            wallet_json(f, "s1", 2, "open", "park", key, b[0], b[1], b[2], b[3], b[4], b[5], NULL);
        assert_error(o, "INVALID_ARGUMENT");
    }
    assert_error(wallet_json(f, "s1", 2, "limits", "alice", "--keeper", "bob", NULL),
                 "INVALID_ARGUMENT");
    assert_error(wallet_json(f, "alice", 2, "join", "g", "--out", join, "--keeper", "bob", NULL),
                 "INVALID_ARGUMENT");
    assert_int_equal(access(join, F_OK), -1);
}

static void test_keepers(void **state)
{
    gov_fixture *f = *state;
    char alice[KEY_HEX_LEN + 1], bob[KEY_HEX_LEN + 1], garden[KEY_HEX_LEN + 1];
    new_identity(f, "alice", alice);
    new_identity(f, "bob", bob);
    new_identity(f, "garden", garden);
    wallet_json(f, "s1", 0, "open", "alice", alice, NULL);
    wallet_json(f, "s1", 0, "open", "bob", bob, NULL);
    check_keeper_usage(f, garden);
    json_t *o = wallet_json(f, "s1", 1, "open", "garden", garden, "--kind", "commons", "--keeper",
                            "alice", "--keeper", alice, NULL);
    assert_error(o, "KEEPERS_INVALID"); /* the same key twice */
    o = wallet_json(f, "s1", 1, "open", "garden", garden, "--kind", "commons", "--keeper", "nobody",
                    NULL);
    assert_error(o, "NOT_FOUND");

    o = wallet_json(f, "s1", 0, "open", "garden", garden, "--kind", "commons", "--keeper", "alice",
                    "--keeper", bob, "--keeper-quorum", "2", NULL);
    assert_string_equal(jstr(o, "kind"), "commons");
    assert_int_equal(jsize(o, "keepers"), 2);
    assert_string_equal(jstr(o, "keepers.0"), alice);
    assert_string_equal(jstr(o, "keepers.1"), bob);
    assert_int_equal(jint(o, "keeper_quorum"), 2);
    mc_client_account a = node_account(f, garden);
    assert_int_equal(a.account.kind, MC_KIND_COMMONS);
    assert_int_equal(a.account.keeper_count, 2);
    assert_int_equal(a.account.keeper_quorum, 2);
    char hex[KEY_HEX_LEN + 1];
    mc_hex_encode(a.account.keepers[0], MC_PUBLIC_KEY_BYTES, hex);
    assert_string_equal(hex, alice);
    mc_hex_encode(a.account.keepers[1], MC_PUBLIC_KEY_BYTES, hex);
    assert_string_equal(hex, bob);

    char park[KEY_HEX_LEN + 1];
    new_identity(f, "park", park);
    wallet(f, "s1", "open", "park", park, "--kind", "commons", "--keeper", "bob", NULL);
    expect_words(f, 0, "opened park (commons) for key ");
    expect_words(f, 0, ", run by the keepers bob (1 of them must sign)\n");
    a = node_account(f, park);
    assert_int_equal(a.account.keeper_count, 1);
    assert_int_equal(a.account.keeper_quorum, 1);
    o = wallet_json(f, "s1", 0, "open", "plain", f->steward_keys[0], "--kind", "commons", NULL);
    assert_null(json_object_get(o, "keepers")); /* run by its own key */
    mc_test_node_finish(&f->node);
}

/* ---- help ------------------------------------------------------------------------------------ */

static void test_help(void **state)
{
    gov_fixture *f = *state;
    wallet(f, "cli", "help", NULL);
    expect_words(f, 0, "\n  roles ");
    expect_words(f, 0, "\n  fee ");
    static const char *const names[] = {"roles", "fee"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "usage: mcwallet [OPTIONS] %s", names[i]);
        wallet(f, "cli", "help", names[i], NULL);
        expect_words(f, 0, usage);
        wallet(f, "cli", names[i], "--help", NULL);
        expect_words(f, 0, usage);
    }
    wallet(f, "cli", "roles", "--help", NULL);
    expect_words(f, 0, "--add-auditor KEY");
    wallet(f, "cli", "fee", "-h", NULL);
    expect_words(f, 0, "--account HANDLE");
    wallet(f, "cli", "open", "--help", NULL);
    expect_words(f, 0, "--keeper-quorum M");
    mc_test_node_finish(&f->node);
}

int main(void)
{
    /* Hermetic: the node and the passphrase only from the tests. */
    unsetenv("MC_NODE");
    unsetenv("MC_PASSPHRASE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quorum, setup_quorum, teardown),
        cmocka_unit_test_setup_teardown(test_roles, setup_private, teardown),
        cmocka_unit_test_setup_teardown(test_fee, setup_single, teardown),
        cmocka_unit_test_setup_teardown(test_roles_direct, setup_single, teardown),
        cmocka_unit_test_setup_teardown(test_keepers, setup_single, teardown),
        cmocka_unit_test_setup_teardown(test_help, setup_single, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
