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
#include "json_path.h"
#include "mc/error.h"
#include "node_harness.h"
#include "wallet_run.h"

#define GOV_STEWARDS 3u
#define GOV_QUORUM 2u
#define BODY_BYTE_FLIPPED 10u /* a byte of the ledger id inside the signed body */

static const char *const steward_names[GOV_STEWARDS] = {"s1", "s2", "s3"};

typedef struct gov_fixture {
    mc_test_node node;
    mc_test_wallet wallet; /* the wallets: ROOT/NAME, the proposal files, and the last run */
    char steward_keys[GOV_STEWARDS][MC_TEST_KEY_HEX_LEN + 1];
    size_t stewards;    /* s1..sN are the node's stewards */
    unsigned proposals; /* proposal files made, for their names */
} gov_fixture;

/* ---- running the wallet --------------------------------------------------- */

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

/* ---- reading answers -------------------------------------------------------- */

static void assert_message_has(json_t *o, const char *text)
{
    if (strstr(mc_test_json_string(o, "error.message"), text) == NULL) {
        mc_test_json_fail(o, "error.message", text);
    }
}

/* ---- the community ------------------------------------------------------------ */

/* The account of `key_hex` as the node has it, asked as steward s1. */
static mc_client_account node_account(gov_fixture *f, const char *key_hex)
{
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    assert_int_equal(mc_hex_decode(key_hex, key, sizeof key), MC_ERR_OK);
    mc_keypair *kp = mc_test_wallet_keypair(&f->wallet, "s1");
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
    *state = f;
    mc_test_wallet_init(&f->wallet, 0, 0);
    f->wallet.node = f->node.address;
    f->stewards = stewards;
    for (size_t i = 0; i < stewards; i++) {
        mc_test_wallet_identity(&f->wallet, steward_names[i], f->steward_keys[i]);
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
    if (f->node.root[0] != '\0') {
        mc_test_node_destroy(&f->node);
    }
    mc_test_wallet_free(&f->wallet);
    free(f);
    return 0;
}

/* ---- proposals ------------------------------------------------------------------ */

/* `who` runs `propose ARGS... --out FILE` (a new file, its path into
 * `file`) and the proposal carries 1 of `needed` signatures. */
static void propose(gov_fixture *f, const char *who, unsigned needed, char *file, size_t len, ...)
{
    const char *args[MC_TEST_WALLET_ARGS_MAX + 1];
    char name[32];
    snprintf(name, sizeof name, "proposal-%u.json", ++f->proposals);
    mc_test_wallet_path(&f->wallet, name, file, len);
    args[0] = "propose";
    va_list ap;
    va_start(ap, len);
    collect(ap, args + 1, MC_TEST_WALLET_ARGS_MAX - 3);
    va_end(ap);
    size_t n = 1;
    while (args[n] != NULL) {
        n++;
    }
    args[n++] = "--out";
    args[n++] = file;
    args[n] = NULL;
    mc_test_wallet_run_args(&f->wallet, who, NULL, true, args);
    json_t *o = mc_test_wallet_answer(&f->wallet, 0, false);
    assert_string_equal(mc_test_json_string(o, "proposal"), file);
    assert_int_equal(mc_test_json_int(o, "signatures"), 1);
    assert_int_equal(mc_test_json_int(o, "needed"), needed);
    mc_test_assert_hex(mc_test_json_string(o, "tx_id"), 2 * MC_TX_ID_BYTES);
    assert_null(json_object_get(o, "height")); /* nothing was submitted */
    assert_int_equal(access(file, F_OK), 0);
}

/* `who` co-signs FILE (--yes): the answer, after the summary in words. */
static json_t *cosign(gov_fixture *f, const char *who, const char *file, int expect)
{
    const char *args[] = {"cosign", file, "--yes", NULL};
    mc_test_wallet_run_args(&f->wallet, who, NULL, true, args);
    return mc_test_wallet_answer(&f->wallet, expect, true);
}

static json_t *submit(gov_fixture *f, const char *who, const char *file, int expect)
{
    const char *args[] = {"submit", file, NULL};
    mc_test_wallet_run_args(&f->wallet, who, NULL, true, args);
    return mc_test_wallet_answer(&f->wallet, expect, false);
}

/* The signers listed in a proposal file. */
static size_t proposal_signers(const char *file)
{
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    assert_string_equal(mc_test_json_string(doc, "format"), "mc-proposal-1");
    size_t n = mc_test_json_array_size(doc, "signers");
    json_decref(doc);
    return n;
}

/* s1 proposes ARGS, s2 (and s3 when `needed` is 3) co-sign, s1 submits:
 * the submit's answer. */
#define PASS(f, needed, ...)                                                                       \
    do {                                                                                           \
        char pass_file[MC_TEST_WALLET_PATH_MAX];                                                   \
        propose((f), "s1", (needed), pass_file, sizeof pass_file, __VA_ARGS__, NULL);              \
        for (unsigned s = 1; s < (needed); s++) {                                                  \
            cosign((f), steward_names[s], pass_file, 0);                                           \
        }                                                                                          \
        json_t *pass_o = submit((f), "s1", pass_file, 0);                                          \
        assert_true(mc_test_json_int(pass_o, "height") > 0);                                       \
        assert_false(mc_test_json_bool(pass_o, "duplicate"));                                      \
    } while (0)

/* ---- quorum ------------------------------------------------------------------------ */

static void check_info_steward(gov_fixture *f)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "s1", 0, "info", NULL);
    assert_int_equal(mc_test_json_int(o, "quorum"), GOV_QUORUM);
    assert_int_equal(mc_test_json_array_size(o, "stewards"), GOV_STEWARDS);
    for (size_t i = 0; i < GOV_STEWARDS; i++) {
        char at[16];
        snprintf(at, sizeof at, "stewards.%zu", i);
        assert_string_equal(mc_test_json_string(o, at), f->steward_keys[i]);
    }
    assert_int_equal(mc_test_json_array_size(o, "auditors"), 0);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 0);
    assert_null(json_object_get(o, "fee_account"));
    assert_string_equal(mc_test_json_string(o, "identity.name"), "s1");
    assert_string_equal(mc_test_json_string(o, "identity.public_key"), f->steward_keys[0]);
    assert_int_equal(mc_test_json_array_size(o, "identity.roles"), 1);
    assert_string_equal(mc_test_json_string(o, "identity.roles.0"), "steward");
    mc_test_wallet_run(&f->wallet, "s1", "info", NULL);
    mc_test_wallet_expect(
        &f->wallet, 0,
        "\nstewards   3, quorum 2\nauditors   0\nfee        none\nlimits     member");
    mc_test_wallet_expect(&f->wallet, 0, "\nidentity   s1 (steward)\n");
    /* A wallet without an identity: no identity, no failure. */
    o = mc_test_wallet_json(&f->wallet, "nobody", 0, "info", NULL);
    assert_null(json_object_get(o, "identity"));
    mc_test_wallet_run(&f->wallet, "nobody", "info", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "stewards   3, quorum 2");
    assert_null(strstr(f->wallet.out, "identity"));
}

/* A steward alone is refused and told how to propose. */
static void check_alone(gov_fixture *f, const char *alice)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "s1", 1, "open", "alice", alice, NULL);
    mc_test_json_assert_error(o, "QUORUM_NOT_MET");
    assert_message_has(o, "needs 2 signatures of the stewards and carries 1");
    assert_message_has(o, "mcwallet propose open ... --out FILE");
    assert_message_has(o, "mcwallet cosign FILE");
    assert_null(json_object_get(o, "tx_id")); /* nothing was sent */
    mc_test_wallet_run(&f->wallet, "s1", "open", "alice", alice, NULL);
    mc_test_wallet_expect(&f->wallet, 1, "(QUORUM_NOT_MET)");
    mc_test_wallet_expect(&f->wallet, 1, "propose open");
}

/* propose, cosign, submit (twice), and a third steward's cosign after. */
static void check_propose_open(gov_fixture *f, const char *alice)
{
    char file[MC_TEST_WALLET_PATH_MAX];
    propose(f, "s1", GOV_QUORUM, file, sizeof file, "open", "alice", alice, NULL);
    assert_int_equal(proposal_signers(file), 1);
    /* The ledger counts 1 of 2. */
    mc_test_json_assert_error(submit(f, "s3", file, 1), "QUORUM_NOT_MET");
    json_t *o = cosign(f, "s2", file, 0);
    assert_int_equal(mc_test_json_int(o, "signatures"), 2);
    assert_int_equal(mc_test_json_int(o, "needed"), 2);
    assert_non_null(
        strstr(mc_test_json_string(o, "summary"), "open a member account 'alice' for the key"));
    assert_non_null(strstr(f->wallet.out, "open a member account 'alice'")); /* the words, first */
    assert_int_equal(proposal_signers(file), 2);
    o = cosign(f, "s2", file, 0);
    assert_int_equal(mc_test_json_int(o, "signatures"), 2);
    mc_test_wallet_run(&f->wallet, "s2", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "you have already signed it\n");
    mc_test_wallet_expect(&f->wallet, 0,
                          ": 2 of the 2 signatures of the stewards it needs: ready, run\n");
    o = submit(f, "alice", file, 0); /* anyone may submit */
    int64_t height = mc_test_json_int(o, "height");
    assert_int_equal(height, 1);
    assert_false(mc_test_json_bool(o, "duplicate"));
    o = submit(f, "s1", file, 0);
    assert_int_equal(mc_test_json_int(o, "height"), height);
    assert_true(mc_test_json_bool(o, "duplicate"));
    o = cosign(f, "s3", file, 0);
    assert_int_equal(mc_test_json_int(o, "signatures"), 2);
    assert_int_equal(mc_test_json_int(o, "applied_height"), height);
    assert_int_equal(proposal_signers(file), 2); /* not signed again */
    mc_test_wallet_run(&f->wallet, "s3", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "already carries enough signatures");
    mc_test_wallet_expect(&f->wallet, 0, "already applied at height 1");
    o = mc_test_wallet_json(&f->wallet, "s1", 0, "balance", "alice", NULL);
    assert_string_equal(mc_test_json_string(o, "public_key"), alice);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), 0);
}

/* Someone who is not a steward: no cosign, no direct command, no proposal. */
static void check_outsider(gov_fixture *f, char *file, size_t len)
{
    propose(f, "s1", GOV_QUORUM, file, len, "freeze", "alice", NULL);
    json_t *o = cosign(f, "alice", file, 1);
    mc_test_json_assert_error(o, "NOT_A_STEWARD");
    assert_int_equal(proposal_signers(file), 1);
    o = mc_test_wallet_json(&f->wallet, "alice", 1, "freeze", "alice", NULL);
    mc_test_json_assert_error(o, "NOT_A_STEWARD");
    char other[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "outsider.json", other, sizeof other);
    o = mc_test_wallet_json(&f->wallet, "alice", 1, "propose", "freeze", "alice", "--out", other,
                            NULL);
    mc_test_json_assert_error(o, "NOT_A_STEWARD");
    assert_int_equal(access(other, F_OK), -1);
}

/* A copy of proposal `from` with the hex digit `at` of signed_tx changed
 * (negative: from the end), written to `to`. */
static void tamper(const char *from, const char *to, long at)
{
    json_t *doc = json_load_file(from, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(doc);
    char *hex = strdup(mc_test_json_string(doc, "signed_tx"));
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
    char bad[MC_TEST_WALLET_PATH_MAX];
    const long digits[] = {-1, 2 * BODY_BYTE_FLIPPED}; /* the last signature, the body */
    for (size_t i = 0; i < sizeof digits / sizeof digits[0]; i++) {
        mc_test_wallet_path(&f->wallet, "tampered.json", bad, sizeof bad);
        tamper(file, bad, digits[i]);
        mc_test_json_assert_error(cosign(f, "s2", bad, 1), "BAD_SIGNATURE");
        assert_int_equal(proposal_signers(bad), 1);
        mc_test_json_assert_error(submit(f, "s2", bad, 1), "BAD_SIGNATURE");
        unlink(bad);
    }
    json_t *o = mc_test_wallet_json(&f->wallet, "s1", 0, "balance", "alice", NULL);
    assert_string_equal(mc_test_json_string(o, "status"), "active");
}

static void test_quorum(void **state)
{
    gov_fixture *f = *state;
    char alice[MC_TEST_KEY_HEX_LEN + 1], file[MC_TEST_WALLET_PATH_MAX];
    check_info_steward(f);
    mc_test_wallet_identity(&f->wallet, "alice", alice);
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
        if (strcmp(mc_test_json_string(p, "public_key"), key) == 0) {
            return p;
        }
    }
    mc_test_json_fail(list, key, "listed");
    return NULL;
}

static void check_roles_list(gov_fixture *f, const char *who, const char *aud, const char *bob)
{
    json_t *o = mc_test_wallet_json(&f->wallet, who, 0, "roles", NULL);
    assert_int_equal(mc_test_json_int(o, "quorum"), GOV_QUORUM);
    assert_int_equal(mc_test_json_array_size(o, "stewards"), GOV_STEWARDS);
    assert_string_equal(
        mc_test_json_string(party(mc_test_json_at(o, "stewards"), f->steward_keys[0]), "handle"),
        "s1");
    assert_string_equal(
        mc_test_json_string(party(mc_test_json_at(o, "stewards"), f->steward_keys[1]), "handle"),
        "");
    assert_int_equal(mc_test_json_array_size(o, "auditors"), 2);
    assert_string_equal(mc_test_json_string(party(mc_test_json_at(o, "auditors"), aud), "handle"),
                        "");
    assert_string_equal(mc_test_json_string(party(mc_test_json_at(o, "auditors"), bob), "handle"),
                        "bob");
    mc_test_wallet_run(&f->wallet, who, "roles", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "stewards   3, quorum 2\n");
    mc_test_wallet_expect(&f->wallet, 0, "auditors   2\n");
    char line[MC_TEST_KEY_HEX_LEN + 16];
    snprintf(line, sizeof line, "  %s  s1\n", f->steward_keys[0]);
    mc_test_wallet_expect(&f->wallet, 0, line);
    snprintf(line, sizeof line, "  %s\n", aud);
    mc_test_wallet_expect(&f->wallet, 0, line);
}

/* The auditor (no account) reads a private ledger and acts on nothing. */
static void check_auditor(gov_fixture *f, const char *aud)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "aud", 0, "info", NULL);
    assert_int_equal(mc_test_json_array_size(o, "identity.roles"), 1);
    assert_string_equal(mc_test_json_string(o, "identity.roles.0"), "auditor");
    assert_string_equal(mc_test_json_string(o, "auditors.0"), aud);
    mc_test_wallet_run(&f->wallet, "aud", "info", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "\nauditors   1\n");
    mc_test_wallet_expect(&f->wallet, 0, "\nidentity   aud (auditor)\n");
    o = mc_test_wallet_json(&f->wallet, "aud", 0, "balance", "alice", NULL);
    assert_false(mc_test_json_bool(o, "restricted"));
    assert_int_equal(mc_test_json_int(o, "balance.minor"), 0);
    assert_int_equal(mc_test_json_int(o, "limits.min.minor"), -30000);
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "balance", "alice", NULL); /* a member may not */
    assert_true(mc_test_json_bool(o, "restricted"));
    assert_null(json_object_get(o, "balance"));
    o = mc_test_wallet_json(&f->wallet, "aud", 0, "accounts", NULL);
    assert_int_equal(mc_test_json_int(o, "total.minor"), 0); /* every balance visible */
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "aud", 1, "freeze", "alice", NULL),
                              "NOT_A_STEWARD");
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "aud.json", file, sizeof file);
    o = mc_test_wallet_json(&f->wallet, "aud", 1, "propose", "freeze", "alice", "--out", file,
                            NULL);
    mc_test_json_assert_error(o, "NOT_A_STEWARD");
    assert_string_equal(
        mc_test_json_string(mc_test_wallet_json(&f->wallet, "s1", 0, "balance", "alice", NULL),
                            "status"),
        "active");
}

/* The quorum raised to 3: an operation needs all three. */
static void check_quorum_three(gov_fixture *f)
{
    PASS(f, GOV_QUORUM, "roles", "--quorum", "3");
    json_t *o = mc_test_wallet_json(&f->wallet, "s2", 0, "info", NULL);
    assert_int_equal(mc_test_json_int(o, "quorum"), 3);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "s1", 1, "roles", "--quorum", "2", NULL), "QUORUM_NOT_MET");
    char file[MC_TEST_WALLET_PATH_MAX];
    propose(f, "s1", 3, file, sizeof file, "freeze", "alice", NULL);
    o = cosign(f, "s2", file, 0);
    assert_int_equal(mc_test_json_int(o, "signatures"), 2);
    assert_int_equal(mc_test_json_int(o, "needed"), 3);
    mc_test_json_assert_error(submit(f, "s2", file, 1), "QUORUM_NOT_MET");
    o = cosign(f, "s3", file, 0);
    assert_int_equal(mc_test_json_int(o, "signatures"), 3);
    assert_int_equal(mc_test_json_int(o, "needed"), 3);
    o = submit(f, "aud", file, 0);
    assert_false(mc_test_json_bool(o, "duplicate"));
    o = mc_test_wallet_json(&f->wallet, "s3", 0, "balance", "alice", NULL);
    assert_string_equal(mc_test_json_string(o, "status"), "frozen");
}

/* A commons opened by proposal: the co-signer reads its keepers. */
static void check_commons_proposal(gov_fixture *f, const char *alice, const char *bob)
{
    char garden[MC_TEST_KEY_HEX_LEN + 1], file[MC_TEST_WALLET_PATH_MAX], words[512];
    mc_test_wallet_identity(&f->wallet, "garden", garden);
    propose(f, "s1", GOV_QUORUM, file, sizeof file, "open", "garden", garden, "--kind", "commons",
            "--keeper", "alice", "--keeper", bob, "--keeper-quorum", "2", NULL);
    assert_null(json_object_get(f->wallet.answer, "keepers")); /* a proposal says nothing else */
    json_t *o = cosign(f, "s2", file, 0);
    snprintf(words, sizeof words,
             "open a commons account 'garden' for the key %s; run by the keepers alice (%.16s...), "
             "bob (%.16s...), 2 of whom must sign",
             garden, alice, bob);
    assert_string_equal(mc_test_json_string(o, "summary"), words);
    submit(f, "s1", file, 0);
    o = mc_test_wallet_json(&f->wallet, "s1", 0, "balance", "garden", NULL);
    assert_string_equal(mc_test_json_string(o, "kind"), "commons");
    mc_client_account a = node_account(f, garden);
    assert_int_equal(a.account.keeper_count, 2);
    assert_int_equal(a.account.keeper_quorum, 2);
}

static void test_roles(void **state)
{
    gov_fixture *f = *state;
    char alice[MC_TEST_KEY_HEX_LEN + 1], bob[MC_TEST_KEY_HEX_LEN + 1], aud[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, "alice", alice);
    mc_test_wallet_identity(&f->wallet, "bob", bob);
    mc_test_wallet_identity(&f->wallet, "aud", aud);
    PASS(f, GOV_QUORUM, "open", "s1", f->steward_keys[0]);
    PASS(f, GOV_QUORUM, "open", "alice", alice);
    PASS(f, GOV_QUORUM, "open", "bob", bob);
    check_commons_proposal(f, alice, bob);
    assert_string_equal(
        mc_test_json_string(mc_test_wallet_json(&f->wallet, "s1", 0, "info", NULL), "visibility"),
        "private");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "aud", 1, "balance", "alice", NULL),
                              "AUTH_FAILED");
    json_t *o = mc_test_wallet_json(&f->wallet, "aud", 0, "info", NULL);
    assert_int_equal(mc_test_json_array_size(o, "identity.roles"), 0);
    mc_test_wallet_run(&f->wallet, "aud", "info", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "\nidentity   aud (no role)\n");

    char file[MC_TEST_WALLET_PATH_MAX];
    propose(f, "s1", GOV_QUORUM, file, sizeof file, "roles", "--add-auditor", aud, NULL);
    o = cosign(f, "s2", file, 0);
    char words[MC_TEST_KEY_HEX_LEN + 32];
    snprintf(words, sizeof words, "add the auditors the key %s", aud);
    assert_string_equal(mc_test_json_string(o, "summary"), words);
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
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "balance", handle, NULL);
    assert_false(mc_test_json_bool(o, "restricted"));
    return mc_test_json_int(o, "balance.minor");
}

static void check_fee_shown(gov_fixture *f, const char *sys)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "fee", NULL);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 100);
    assert_string_equal(mc_test_json_string(o, "percent"), "1.00");
    assert_string_equal(mc_test_json_string(o, "account.handle"), "system");
    assert_string_equal(mc_test_json_string(o, "account.public_key"), sys);
    mc_test_wallet_run(&f->wallet, "alice", "fee", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "1.00% (100 basis points) to system\n");
    o = mc_test_wallet_json(&f->wallet, "nobody", 0, "fee", NULL); /* no identity: the key only */
    assert_string_equal(mc_test_json_string(o, "account.handle"), "");
    char stranger[MC_TEST_KEY_HEX_LEN + 1];
    /* A key the node does not know: the same. */
    mc_test_wallet_identity(&f->wallet, "stranger", stranger);
    o = mc_test_wallet_json(&f->wallet, "stranger", 0, "fee", NULL);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 100);
    assert_string_equal(mc_test_json_string(o, "account.handle"), "");
    mc_test_wallet_run(&f->wallet, "stranger", "fee", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "1.00% (100 basis points) to the key ");
    o = mc_test_wallet_json(&f->wallet, "stranger", 0, "roles", NULL);
    assert_string_equal(mc_test_json_string(o, "stewards.0.public_key"), f->steward_keys[0]);
    assert_string_equal(mc_test_json_string(o, "stewards.0.handle"), "");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "stranger", 1, "fee", "2%", NULL),
                              "AUTH_FAILED");
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "info", NULL);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 100);
    assert_string_equal(mc_test_json_string(o, "fee_account"), sys);
    assert_int_equal(mc_test_json_array_size(o, "identity.roles"), 0);
    mc_test_wallet_run(&f->wallet, "alice", "info", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "\nfee        1.00% (100 basis points) to the key ");
    mc_test_wallet_expect(&f->wallet, 0, "\nidentity   alice (no role)\n");
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
        json_t *o =
            mc_test_wallet_json(&f->wallet, "s1", 2, "fee", bad[i][0], bad[i][1], bad[i][2], NULL);
        mc_test_json_assert_error(o, "INVALID_ARGUMENT");
    }
    /* No fee account yet (the fee is 0): say where it goes. */
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "s1", 2, "fee", "1%", NULL),
                              "INVALID_ARGUMENT");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "s1", 1, "fee", "1%", "--account", "alice", NULL),
        "FEE_INVALID");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "s1", 1, "fee", "1%", "--account", "nobody", NULL),
        "NOT_FOUND");
}

static void test_fee(void **state)
{
    gov_fixture *f = *state;
    char alice[MC_TEST_KEY_HEX_LEN + 1], bob[MC_TEST_KEY_HEX_LEN + 1], sys[MC_TEST_KEY_HEX_LEN + 1];
    json_t *o = mc_test_wallet_json(&f->wallet, "s1", 0, "fee", NULL);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 0);
    assert_string_equal(mc_test_json_string(o, "percent"), "0.00");
    assert_null(json_object_get(o, "account"));
    mc_test_wallet_run(&f->wallet, "s1", "fee", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "no fee\n");
    mc_test_wallet_identity(&f->wallet, "alice", alice);
    mc_test_wallet_identity(&f->wallet, "bob", bob);
    mc_test_wallet_identity(&f->wallet, "sys", sys);
    mc_test_wallet_json(&f->wallet, "s1", 0, "open", "alice", alice, NULL);
    mc_test_wallet_json(&f->wallet, "s1", 0, "open", "bob", bob, NULL);
    check_fee_usage(f);
    o = mc_test_wallet_json(&f->wallet, "s1", 0, "open", "system", sys, "--kind", "system", NULL);
    assert_string_equal(mc_test_json_string(o, "kind"), "system");

    o = mc_test_wallet_json(&f->wallet, "s1", 0, "fee", "1%", "--account", "system", NULL);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 100);
    assert_string_equal(mc_test_json_string(o, "account.handle"), "system");
    assert_true(mc_test_json_int(o, "height") > 0);
    assert_false(mc_test_json_bool(o, "duplicate"));
    check_fee_shown(f, sys);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "10.00", NULL);
    assert_int_equal(mc_test_json_int(o, "fee.minor"), 10);
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -1010);
    /* The fee rounds down to 0. */
    mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", "0.01", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "paid 0.01 g to bob");
    mc_test_wallet_run(&f->wallet, "alice", "pay", "bob", "10.00", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "paid 10.00 g (and a fee of 0.10 g) to bob");
    assert_int_equal(balance_of(f, "alice"), -1010 - 1 - 1010);
    assert_int_equal(balance_of(f, "bob"), 1000 + 1 + 1000);
    assert_int_equal(balance_of(f, "system"), 20);

    o = mc_test_wallet_json(&f->wallet, "s1", 0, "fee", "0", NULL);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 0);
    assert_null(json_object_get(o, "account"));
    assert_null(
        json_object_get(mc_test_wallet_json(&f->wallet, "s1", 0, "info", NULL), "fee_account"));
    mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "10.00", NULL);
    assert_int_equal(balance_of(f, "alice"), -3021);
    assert_int_equal(balance_of(f, "system"), 20);

    mc_test_wallet_run(&f->wallet, "s1", "fee", "250", "--account", "system", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "2.50% (250 basis points) to system\n");
    o = mc_test_wallet_json(&f->wallet, "s1", 0, "fee", "0.25%", NULL); /* the present account */
    assert_int_equal(mc_test_json_int(o, "fee_bps"), 25);
    assert_string_equal(mc_test_json_string(o, "account.public_key"), sys);
    assert_int_equal(
        mc_test_json_int(mc_test_wallet_json(&f->wallet, "s1", 0, "fee", "10%", NULL), "fee_bps"),
        1000);
    mc_test_wallet_run(&f->wallet, "s1", "fee", "0", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "no fee\n");
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
        json_t *o = mc_test_wallet_json(&f->wallet, "s1", 2, "roles", bad[i][0], bad[i][1],
                                        bad[i][2], NULL);
        mc_test_json_assert_error(o, "INVALID_ARGUMENT");
    }
}

static void test_roles_direct(void **state)
{
    gov_fixture *f = *state;
    char aud[MC_TEST_KEY_HEX_LEN + 1], other[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, "aud", aud);
    mc_test_wallet_identity(&f->wallet, "other", other);
    check_roles_usage(f);
    json_t *o = mc_test_wallet_json(&f->wallet, "s1", 0, "roles", "--add-auditor", aud, NULL);
    assert_true(mc_test_json_int(o, "height") > 0);
    assert_int_equal(mc_test_json_array_size(o, "auditors"), 1);
    assert_string_equal(mc_test_json_string(o, "auditors.0.public_key"), aud);
    assert_int_equal(mc_test_json_int(o, "quorum"), 1);
    mc_test_wallet_run(&f->wallet, "s1", "roles", "--remove-auditor", aud, "--add-auditor", other,
                       NULL);
    mc_test_wallet_expect(&f->wallet, 0, "roles changed at height 2\nstewards   1, quorum 1\n");
    mc_test_wallet_expect(&f->wallet, 0, other);
    assert_null(strstr(f->wallet.out, aud));
    /* The ledger judges the rest, in its words: `aud` is not one now. */
    o = mc_test_wallet_json(&f->wallet, "s1", 1, "roles", "--remove-auditor", aud, NULL);
    mc_test_json_assert_error(o, "ROLES_INVALID");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "s1", 1, "roles", "--quorum", "2", NULL), "ROLES_INVALID");
    o = mc_test_wallet_json(&f->wallet, "s1", 1, "roles", "--add-steward", f->steward_keys[0],
                            NULL);
    mc_test_json_assert_error(o, "ROLES_INVALID");
    o = mc_test_wallet_json(&f->wallet, "s1", 1, "roles", "--remove-steward", f->steward_keys[0],
                            NULL);
    mc_test_json_assert_error(o, "ROLES_INVALID"); /* no steward left */
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "s1", 1, "roles", "--add-auditor", "nobody", NULL),
        "NOT_FOUND");
    /* A second steward, then two must sign. */
    o = mc_test_wallet_json(&f->wallet, "s1", 0, "roles", "--add-steward", other, "--quorum", "2",
                            NULL);
    assert_int_equal(mc_test_json_int(o, "quorum"), 2);
    assert_int_equal(mc_test_json_array_size(o, "stewards"), 2);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "s1", 1, "roles", "--quorum", "1", NULL), "QUORUM_NOT_MET");
    mc_test_node_finish(&f->node);
}

/* ---- commons with keepers ---------------------------------------------------------------- */

static void check_keeper_usage(gov_fixture *f, const char *key)
{
    char join[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "g.join", join, sizeof join);
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
        json_t *o = mc_test_wallet_json(&f->wallet, "s1", 2, "open", "park", key, b[0], b[1], b[2],
                                        b[3], b[4], b[5], NULL);
        mc_test_json_assert_error(o, "INVALID_ARGUMENT");
    }
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "s1", 2, "limits", "alice", "--keeper", "bob", NULL),
        "INVALID_ARGUMENT");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 2, "join", "g", "--out",
                                                  join, "--keeper", "bob", NULL),
                              "INVALID_ARGUMENT");
    assert_int_equal(access(join, F_OK), -1);
}

static void test_keepers(void **state)
{
    gov_fixture *f = *state;
    char alice[MC_TEST_KEY_HEX_LEN + 1], bob[MC_TEST_KEY_HEX_LEN + 1];
    char garden[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, "alice", alice);
    mc_test_wallet_identity(&f->wallet, "bob", bob);
    mc_test_wallet_identity(&f->wallet, "garden", garden);
    mc_test_wallet_json(&f->wallet, "s1", 0, "open", "alice", alice, NULL);
    mc_test_wallet_json(&f->wallet, "s1", 0, "open", "bob", bob, NULL);
    check_keeper_usage(f, garden);
    json_t *o = mc_test_wallet_json(&f->wallet, "s1", 1, "open", "garden", garden, "--kind",
                                    "commons", "--keeper", "alice", "--keeper", alice, NULL);
    mc_test_json_assert_error(o, "KEEPERS_INVALID"); /* the same key twice */
    o = mc_test_wallet_json(&f->wallet, "s1", 1, "open", "garden", garden, "--kind", "commons",
                            "--keeper", "nobody", NULL);
    mc_test_json_assert_error(o, "NOT_FOUND");

    o = mc_test_wallet_json(&f->wallet, "s1", 0, "open", "garden", garden, "--kind", "commons",
                            "--keeper", "alice", "--keeper", bob, "--keeper-quorum", "2", NULL);
    assert_string_equal(mc_test_json_string(o, "kind"), "commons");
    assert_int_equal(mc_test_json_array_size(o, "keepers"), 2);
    assert_string_equal(mc_test_json_string(o, "keepers.0"), alice);
    assert_string_equal(mc_test_json_string(o, "keepers.1"), bob);
    assert_int_equal(mc_test_json_int(o, "keeper_quorum"), 2);
    mc_client_account a = node_account(f, garden);
    assert_int_equal(a.account.kind, MC_KIND_COMMONS);
    assert_int_equal(a.account.keeper_count, 2);
    assert_int_equal(a.account.keeper_quorum, 2);
    char hex[MC_TEST_KEY_HEX_LEN + 1];
    mc_hex_encode(a.account.keepers[0], MC_PUBLIC_KEY_BYTES, hex);
    assert_string_equal(hex, alice);
    mc_hex_encode(a.account.keepers[1], MC_PUBLIC_KEY_BYTES, hex);
    assert_string_equal(hex, bob);

    char park[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, "park", park);
    mc_test_wallet_run(&f->wallet, "s1", "open", "park", park, "--kind", "commons", "--keeper",
                       "bob", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "opened park (commons) for key ");
    mc_test_wallet_expect(&f->wallet, 0, ", run by the keepers bob (1 of them must sign)\n");
    a = node_account(f, park);
    assert_int_equal(a.account.keeper_count, 1);
    assert_int_equal(a.account.keeper_quorum, 1);
    o = mc_test_wallet_json(&f->wallet, "s1", 0, "open", "plain", f->steward_keys[0], "--kind",
                            "commons", NULL);
    assert_null(json_object_get(o, "keepers")); /* run by its own key */
    mc_test_node_finish(&f->node);
}

/* ---- help ------------------------------------------------------------------------------------ */

static void test_help(void **state)
{
    gov_fixture *f = *state;
    mc_test_wallet_run(&f->wallet, "cli", "help", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "\n  roles ");
    mc_test_wallet_expect(&f->wallet, 0, "\n  fee ");
    static const char *const names[] = {"roles", "fee"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char usage[64];
        snprintf(usage, sizeof usage, "usage: mcwallet [OPTIONS] %s", names[i]);
        mc_test_wallet_run(&f->wallet, "cli", "help", names[i], NULL);
        mc_test_wallet_expect(&f->wallet, 0, usage);
        mc_test_wallet_run(&f->wallet, "cli", names[i], "--help", NULL);
        mc_test_wallet_expect(&f->wallet, 0, usage);
    }
    mc_test_wallet_run(&f->wallet, "cli", "roles", "--help", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "--add-auditor KEY");
    mc_test_wallet_run(&f->wallet, "cli", "fee", "-h", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "--account HANDLE");
    mc_test_wallet_run(&f->wallet, "cli", "open", "--help", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "--keeper-quorum M");
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
