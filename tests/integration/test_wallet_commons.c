/* mcwallet and a commons, end to end: the real wallet binary against a real
 * mcnode on 127.0.0.1, checked through exit codes (0 done, 1 refused or
 * failed, 2 usage, 3 node unreachable) and --json answers parsed whole.
 *
 * The scenario of issue 6 (test_garden): a steward opens two businesses,
 * three contributors, two keepers and the commons "garden" run by both
 * keepers with a quorum of 2. The businesses pay reciprocity into it (and
 * one member an ordinary payment, which `reciprocity` leaves out); the
 * contributors record 10.00, 5.00 and 2.50 hours; approving needs both
 * keepers (propose, cosign, submit: one keeper alone is refused, a
 * non-keeper too); a rejected contribution is not paid; the previews of a
 * round give the figures computed here by hand from the rules; the round is
 * applied through a proposal, and every balance is then exactly as
 * expected; `rounds`, `contributions` and `history` show it; a second round
 * with nothing approved is refused (NO_CONTRIBUTIONS); a capped round pays a
 * part of the pro-rata value; the keepers pay out of the commons with
 * `pay --from`. Last, in its own step, the history is exported for an
 * auditor and `mcaudit verify` replays it and accepts it.
 *
 * test_own_key: a commons opened without keepers is run by its own key,
 * which approves, distributes and pays directly (no proposal), and sees the
 * applied round compared with its preview.
 *
 * test_usage: the new commands' help, usage errors (exit 2, nothing sent)
 * and an unreachable node (exit 3).
 *
 * The figures (2 decimals; amounts in minor units):
 *   garden receives 400.00 + 100.00 (bakery) and 200.00 (shop) as
 *   reciprocity, and 7.00 from alice: 707.00. A round of 40% has the pot
 *   floor(70700 * 4000 / 10000) = 28280, split pro rata to 1000:500:250,
 *   i.e. 4:2:1 of 7 parts, exactly: 16160, 8080, 4040.
 *   With --amount 1.00 (100): exact shares 57.14, 28.57, 14.29; the floors
 *   57 + 28 + 14 = 99 leave 1 unit for the largest remainder, bob's .57:
 *   57, 29, 14.
 *   With --cap 100.00: alice's 16160 is capped at 10000; the 18280 left go
 *   2:1 to bob (12186.67, capped at 10000) and carol, who takes 8280.
 *   A second round of --amount 100.00 --cap 30.00 to alice's and carol's 4.00
 *   hours and bob's 1.00: pro rata floor(10000 * 400 / 900) = 4444 and 1111;
 *   alice and carol are held at 3000 (67%), the 4000 left would all go to
 *   bob, who is held at 3000 too (270%); 1000 stays in the garden. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "fixture.h"
#include "json_path.h"
#include "mc/error.h"
#include "node_harness.h"
#include "wallet_run.h"

#define PREFIX_DIGITS 10u /* contribution id digits given with --commons */

/* The figures of the header comment. */
#define GARDEN_BALANCE 70700
#define ROUND1_POT 28280
#define ALICE_ROUND1 16160
#define BOB_ROUND1 8080
#define CAROL_ROUND1 4040
#define ALICE_PAID_IN 700 /* alice's ordinary payment into garden */
#define ROUND2_CAP 3000
#define ROUND2_PAID 9000
#define ROUND2_PRO_RATA_4H 4444
#define ROUND2_PRO_RATA_1H 1111

typedef struct wallet_fixture {
    mc_test_node node;
    mc_test_wallet wallet;                     /* the wallets: ROOT/NAME, and the last run */
    char steward_key[MC_TEST_KEY_HEX_LEN + 1]; /* the "steward" identity's key, a node steward */
} wallet_fixture;

/* ---- reading answers ------------------------------------------------------------ */

/* The element of the array `list` whose `key` (a path) is the string
 * `value`; fails when there is none. */
static json_t *find_by(json_t *list, const char *key, const char *value)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *v = mc_test_json_at(json_array_get(list, i), key);
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0) {
            return json_array_get(list, i);
        }
    }
    mc_test_json_fail(list, key, value);
    return NULL;
}

/* What a round (JSON) paid `handle`, in minor units. */
static int64_t payout(json_t *round, const char *handle)
{
    return mc_test_json_int(find_by(mc_test_json_at(round, "payouts"), "handle", handle),
                            "paid.minor");
}

/* ---- the community ---------------------------------------------------------------- */

/* A new identity `name` (no passphrase) in its own wallet, opened by the
 * steward as a `kind` account, with the keepers k1, k2 (NULL: none) and
 * the keeper quorum `quorum` (NULL: the default). */
static void open_account(wallet_fixture *f, const char *name, const char *kind, const char *k1,
                         const char *k2, const char *quorum)
{
    char key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, name, key);
    const char *args[12] = {"open", name, key, "--kind", kind};
    size_t n = 5;
    if (k1 != NULL) {
        args[n++] = "--keeper";
        args[n++] = k1;
    }
    if (k2 != NULL) {
        args[n++] = "--keeper";
        args[n++] = k2;
    }
    if (quorum != NULL) {
        args[n++] = "--keeper-quorum";
        args[n++] = quorum;
    }
    json_t *o =
        mc_test_wallet_json(&f->wallet, "steward", 0, args[0], args[1], args[2], args[3], args[4],
                            args[5], args[6], args[7], args[8], args[9], args[10], NULL);
    assert_string_equal(mc_test_json_string(o, "handle"), name);
    assert_string_equal(mc_test_json_string(o, "kind"), kind);
}

static int64_t balance(wallet_fixture *f, const char *handle)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 0, "balance", handle, NULL);
    return mc_test_json_int(o, "balance.minor");
}

static int64_t ledger_height(wallet_fixture *f)
{
    return mc_test_json_int(mc_test_wallet_json(&f->wallet, "steward", 0, "info", NULL), "height");
}

/* The account as the node has it, through libmcclient (as a steward). */
static mc_client_account node_account(wallet_fixture *f, const char *who)
{
    char hex[MC_TEST_KEY_HEX_LEN + 1];
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    mc_test_wallet_key(&f->wallet, who, hex);
    assert_int_equal(mc_hex_decode(hex, key, sizeof key), MC_ERR_OK);
    mc_client *c = mc_test_node_client(&f->node);
    assert_int_equal(mc_client_authenticate(c, f->node.stewards[0], NULL), MC_ERR_OK);
    mc_client_account a;
    assert_int_equal(mc_client_get_account(c, key, &a), MC_ERR_OK);
    mc_client_close(c);
    return a;
}

static int setup(void **state)
{
    wallet_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    mc_test_wallet_init(&f->wallet, 0, 0);
    mc_test_wallet_community(&f->wallet, &f->node, "open", NULL, f->steward_key);
    return 0;
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

/* ---- the garden: reciprocity ------------------------------------------------------ */

static void open_garden(wallet_fixture *f)
{
    open_account(f, "bakery", "business", NULL, NULL, NULL);
    open_account(f, "shop", "business", NULL, NULL, NULL);
    open_account(f, "kim", "member", NULL, NULL, NULL);
    open_account(f, "leo", "member", NULL, NULL, NULL);
    open_account(f, "alice", "member", NULL, NULL, NULL);
    open_account(f, "bob", "member", NULL, NULL, NULL);
    open_account(f, "carol", "member", NULL, NULL, NULL);
    open_account(f, "garden", "commons", "kim", "leo", "2");
    mc_client_account g = node_account(f, "garden");
    assert_int_equal(g.account.kind, MC_KIND_COMMONS);
    assert_int_equal(g.account.keeper_count, 2);
    assert_int_equal(g.account.keeper_quorum, 2);
}

/* A transfer marked as reciprocity to a member, signed by the bakery and
 * submitted straight to the node: the ledger itself refuses it. */
static void reciprocity_to_member_on_ledger(wallet_fixture *f)
{
    mc_keypair *bakery = mc_test_wallet_keypair(&f->wallet, "bakery");
    char alice[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_key(&f->wallet, "alice", alice);
    mc_body b = mc_test_body(&f->node, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(bakery), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(mc_hex_decode(alice, b.u.transfer.payee, MC_PUBLIC_KEY_BYTES), MC_ERR_OK);
    b.u.transfer.amount = 100;
    b.u.transfer.purpose = MC_PURPOSE_RECIPROCITY;
    size_t len = 0;
    const mc_keypair *keys[] = {bakery};
    uint8_t *tx = mc_test_sign(&b, keys, 1, &len);
    mc_client *c = mc_test_node_client(&f->node);
    mc_result r;
    assert_int_equal(mc_client_submit(c, tx, len, &r), MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_PURPOSE_INVALID);
    mc_client_close(c);
    free(tx);
    mc_keypair_free(bakery);
}

static void pay_reciprocity(wallet_fixture *f)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "bakery", 0, "pay", "garden", "400", "week 1",
                                    "--reciprocity", NULL);
    assert_string_equal(mc_test_json_string(o, "purpose"), "reciprocity");
    assert_int_equal(mc_test_json_int(o, "balance.minor"), -40000);
    o = mc_test_wallet_json(&f->wallet, "shop", 0, "pay", "--reciprocity", "garden", "200", NULL);
    assert_string_equal(mc_test_json_string(o, "purpose"), "reciprocity");
    mc_test_wallet_run(&f->wallet, "bakery", "pay", "garden", "100", "week 2", "--reciprocity",
                       NULL);
    mc_test_wallet_expect(&f->wallet, 0, "paid 100.00 g to garden");
    /* An ordinary payment, not reciprocity. */
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "garden", "7", "seeds", NULL);
    assert_string_equal(mc_test_json_string(o, "purpose"), "none");
    assert_int_equal(balance(f, "garden"), GARDEN_BALANCE);

    /* Only into a commons: refused by the wallet, and by the ledger. */
    int64_t height = ledger_height(f);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "bakery", 1, "pay", "alice", "1", "--reciprocity", NULL),
        "PURPOSE_INVALID");
    mc_test_wallet_run(&f->wallet, "bakery", "pay", "alice", "1", "--reciprocity", NULL);
    mc_test_wallet_expect(&f->wallet, 1, "alice is a member account");
    reciprocity_to_member_on_ledger(f);
    assert_int_equal(ledger_height(f), height);
    assert_int_equal(balance(f, "alice"), -ALICE_PAID_IN);
}

static void check_reciprocity(wallet_fixture *f)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "reciprocity", "garden", NULL);
    assert_string_equal(mc_test_json_string(o, "commons"), "garden");
    assert_int_equal(json_array_size(mc_test_json_at(o, "payers")), 2);
    assert_string_equal(mc_test_json_string(o, "payers.0.handle"), "bakery"); /* the most first */
    assert_int_equal(mc_test_json_int(o, "payers.0.amount.minor"), 50000);
    assert_int_equal(mc_test_json_int(o, "payers.0.payments"), 2);
    assert_string_equal(mc_test_json_string(o, "payers.1.handle"), "shop");
    assert_int_equal(mc_test_json_int(o, "payers.1.amount.minor"), 20000);
    assert_int_equal(mc_test_json_int(o, "payers.1.payments"), 1);
    /* alice's 7.00 is not reciprocity. */
    assert_int_equal(mc_test_json_int(o, "total.minor"), 70000);
    assert_int_equal(mc_test_json_int(o, "payments"), 3);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "reciprocity", "garden", "--since",
                            "1970-01-01", NULL);
    assert_int_equal(mc_test_json_int(o, "total.minor"), 70000);
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "reciprocity", "garden", "--since",
                            "2999-01-01", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "payers")), 0);
    assert_int_equal(mc_test_json_int(o, "total.minor"), 0);
    assert_string_equal(mc_test_json_string(o, "since"), "2999-01-01");
    mc_test_wallet_run(&f->wallet, "kim", "reciprocity", "garden", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "500.00 g  in 2 payments");
    mc_test_wallet_expect(&f->wallet, 0, "700.00 g  in 3 payments");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "reciprocity", "bakery", NULL),
        "NOT_A_COMMONS");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "reciprocity", "nowhere", NULL), "NOT_FOUND");
}

/* ---- the garden: contributions and their review ------------------------------------ */

typedef struct garden_ids {
    char alice[MC_TEST_TX_ID_HEX_LEN + 1], bob[MC_TEST_TX_ID_HEX_LEN + 1];
    char carol[MC_TEST_TX_ID_HEX_LEN + 1];
    char stray[MC_TEST_TX_ID_HEX_LEN + 1]; /* bob's second one, rejected */
} garden_ids;

/* `who` contributes; the contribution's id into `id`. */
static void contribute(wallet_fixture *f, const char *who, const char *unit, const char *weight,
                       int64_t hundredths, const char *description,
                       char id[MC_TEST_TX_ID_HEX_LEN + 1])
{
    json_t *o = mc_test_wallet_json(&f->wallet, who, 0, "contribute", "garden", unit, weight,
                                    "--description", description, NULL);
    assert_int_equal(mc_test_json_int(o, "weight.hundredths"), hundredths);
    assert_string_equal(mc_test_json_string(o, "status"), "pending");
    assert_string_equal(mc_test_json_string(o, "commons"), "garden");
    assert_null(json_object_get(o, "evidence"));
    snprintf(id, MC_TEST_TX_ID_HEX_LEN + 1, "%s", mc_test_json_string(o, "contribution_id"));
    assert_int_equal(strlen(id), MC_TEST_TX_ID_HEX_LEN);
}

/* alice's, with the SHA-256 of an evidence file. */
static void contribute_with_evidence(wallet_fixture *f, char id[MC_TEST_TX_ID_HEX_LEN + 1])
{
    static const char text[] = "photo of the weeded beds\n";
    char path[MC_TEST_WALLET_PATH_MAX], hex[2 * crypto_hash_sha256_BYTES + 1];
    uint8_t hash[crypto_hash_sha256_BYTES];
    mc_test_wallet_path(&f->wallet, "evidence.txt", path, sizeof path);
    mc_test_write_text(path, text);
    crypto_hash_sha256(hash, (const uint8_t *)text, sizeof text - 1);
    mc_hex_encode(hash, sizeof hash, hex);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "contribute", "garden", "--hours", "10",
                                    "--description", "weeding the beds", "--evidence", path, NULL);
    assert_int_equal(mc_test_json_int(o, "weight.hundredths"), 1000);
    assert_string_equal(mc_test_json_string(o, "unit"), "hours");
    assert_string_equal(mc_test_json_string(o, "evidence"), hex);
    snprintf(id, MC_TEST_TX_ID_HEX_LEN + 1, "%s", mc_test_json_string(o, "contribution_id"));
}

static void check_contribute_errors(wallet_fixture *f)
{
    char long_text[MC_DESCRIPTION_MAX + 2], missing[MC_TEST_WALLET_PATH_MAX];
    memset(long_text, 'd', MC_DESCRIPTION_MAX + 1);
    long_text[MC_DESCRIPTION_MAX + 1] = '\0';
    mc_test_wallet_path(&f->wallet, "no-such-file", missing, sizeof missing);
    int64_t height = ledger_height(f);
    const char *c = "contribute", *d = "--description";
    assert_int_equal(mc_test_wallet_run(&f->wallet, "bob", c, "garden", "--hours", "1", "--points",
                                        "1", d, "x", NULL),
                     2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "bob", c, "garden", d, "x", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "bob", c, "garden", "--hours", "1", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "bob", c, "garden", "--hours", "1.234", d, "x", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "bob", c, "garden", "--hours", "0", d, "x", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "bob", c, "garden", "--hours", "-1", d, "x", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "bob", c, "garden", "--hours", "1e3", d, "x", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "bob", c, "garden", "--hours", "1000000.01", d, "x", NULL),
        2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "bob", c, "--hours", "1", d, "x", NULL), 2);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "bob", 1, c, "garden", "--hours", "1", d, long_text, NULL),
        "DESCRIPTION_INVALID");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "bob", 1, c, "garden", "--hours", "1", d, "", NULL),
        "DESCRIPTION_INVALID");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "bob", 1, c, "garden", "--hours", "1", d, "caf\xe9", NULL),
        "DESCRIPTION_INVALID");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "bob", 1, c, "alice", "--hours", "1", d, "x", NULL),
        "NOT_A_COMMONS");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, c, "garden", "--hours", "1",
                                                  d, "x", "--evidence", missing, NULL),
                              "NOT_FOUND");
    assert_int_equal(ledger_height(f), height);
}

/* A keeper's `propose VERB ID --commons garden`, the other keeper's cosign,
 * and anyone's submit: the contribution is then `status`. */
static void review_by_both(wallet_fixture *f, const char *verb, const char *id, const char *name,
                           const char *status)
{
    char file[MC_TEST_WALLET_PATH_MAX], prefix[PREFIX_DIGITS + 1];
    mc_test_wallet_path(&f->wallet, name, file, sizeof file);
    memcpy(prefix, id, PREFIX_DIGITS);
    prefix[PREFIX_DIGITS] = '\0';
    json_t *o = mc_test_wallet_json(&f->wallet, "kim", 0, "propose", verb, prefix, "--commons",
                                    "garden", "--out", file, NULL);
    assert_int_equal(mc_test_json_int(o, "signatures"), 1);
    assert_int_equal(mc_test_json_int(o, "needed"), 2);
    /* In words: it shows the summary. */
    mc_test_wallet_run(&f->wallet, "leo", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "2 of the 2 signatures");
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "submit", file, NULL);
    assert_false(mc_test_json_bool(o, "duplicate"));
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "contributions", "garden", "--status", "all",
                            NULL);
    assert_string_equal(
        mc_test_json_string(find_by(mc_test_json_at(o, "contributions"), "id", id), "status"),
        status);
}

static void check_review_refusals(wallet_fixture *f, const garden_ids *ids)
{
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "alone.json", file, sizeof file);
    int64_t height = ledger_height(f);
    /* One keeper of two: refused before anything is sent, with the way out. */
    json_t *o = mc_test_wallet_json(&f->wallet, "kim", 1, "approve", ids->alice, NULL);
    mc_test_json_assert_error(o, "KEEPER_QUORUM_NOT_MET");
    assert_non_null(strstr(mc_test_json_string(o, "error.message"), "propose"));
    /* A proposal with one signature, submitted: refused by the ledger. */
    mc_test_wallet_json(&f->wallet, "kim", 0, "propose", "approve", ids->alice, "--out", file,
                        NULL);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, "submit", file, NULL),
                              "KEEPER_QUORUM_NOT_MET");
    /* Not a keeper: refused, also as a co-signer. */
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "approve", ids->alice, NULL), "NOT_A_KEEPER");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 1, "reject", ids->bob, NULL),
                              "NOT_A_KEEPER");
    mc_test_wallet_run(&f->wallet, "alice", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 1, "NOT_A_KEEPER");
    /* Unknown, ambiguous or malformed ids. */
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "kim", 1, "approve",
                                                  "0000000000000000000000000000000000000000000000"
                                                  "000000000000000000",
                                                  NULL),
                              "UNKNOWN_CONTRIBUTION");
    /* A prefix needs --commons. */
    assert_int_equal(mc_test_wallet_run(&f->wallet, "kim", "approve", "abcd", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", "approve", "abc", "--commons", "garden", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", "approve", "wxyz", "--commons", "garden", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "kim", "approve", NULL), 2);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "kim", 1, "approve", ids->alice,
                                                  "--commons", "bakery", NULL),
                              "NOT_A_COMMONS");
    assert_int_equal(ledger_height(f), height);
}

static void review_contributions(wallet_fixture *f, garden_ids *ids)
{
    contribute_with_evidence(f, ids->alice);
    contribute(f, "bob", "--hours", "5.00", 500, "watering", ids->bob);
    contribute(f, "carol", "--points", "2.5", 250, "compost", ids->carol);
    contribute(f, "bob", "--hours", "1", 100, "not for the garden", ids->stray);
    check_contribute_errors(f);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "contributions", "garden", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "contributions")), 4);
    assert_string_equal(mc_test_json_string(o, "contributions.0.status"), "pending");
    /* Oldest first. */
    assert_string_equal(mc_test_json_string(o, "contributions.0.contributor.handle"), "alice");
    check_review_refusals(f, ids);

    review_by_both(f, "approve", ids->alice, "a1.json", "approved");
    review_by_both(f, "approve", ids->bob, "a2.json", "approved");
    review_by_both(f, "approve", ids->carol, "a3.json", "approved");
    review_by_both(f, "reject", ids->stray, "r1.json", "rejected");
    /* Reviewed once only. */
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "kim", 1, "approve", ids->stray, NULL),
        "CONTRIBUTION_CLOSED");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "kim", 1, "reject", ids->alice, NULL),
                              "CONTRIBUTION_CLOSED");

    /* The default hides the rejected one; --status picks. */
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "contributions", "garden", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "contributions")), 3);
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "contributions", "garden", "--status", "rejected",
                            NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "contributions")), 1);
    assert_string_equal(mc_test_json_string(o, "contributions.0.id"), ids->stray);
    o = mc_test_wallet_json(&f->wallet, "bob", 0, "contributions", "garden", "--status", "approved",
                            NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "contributions")), 3);
    mc_test_wallet_run(&f->wallet, "bob", "contributions", "garden", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "1 more not shown");
    mc_test_wallet_expect(&f->wallet, 0, "weeding the beds");
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "bob", "contributions", "garden", "--status", "done", NULL),
        2);
}

/* ---- the garden: the round ------------------------------------------------------------ */

static void check_previews(wallet_fixture *f)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "distribute", "garden", "--share",
                                    "40%", "--dry-run", NULL);
    json_t *pv = mc_test_json_at(o, "preview");
    assert_int_equal(mc_test_json_int(pv, "round"), 1);
    assert_int_equal(mc_test_json_int(pv, "share_bps"), 4000);
    assert_int_equal(mc_test_json_int(pv, "pot.minor"), ROUND1_POT);
    assert_int_equal(mc_test_json_int(pv, "paid.minor"), ROUND1_POT);
    assert_int_equal(mc_test_json_int(pv, "left.minor"), 0);
    assert_int_equal(mc_test_json_int(pv, "contributions"), 3);
    assert_int_equal(payout(pv, "alice"), ALICE_ROUND1);
    assert_int_equal(payout(pv, "bob"), BOB_ROUND1);
    assert_int_equal(payout(pv, "carol"), CAROL_ROUND1);
    assert_null(json_object_get(o, "round")); /* nothing applied */
    mc_test_wallet_run(&f->wallet, "alice", "distribute", "garden", "--share", "40", "--dry-run",
                       NULL);
    mc_test_wallet_expect(&f->wallet, 0, "161.60 g");
    mc_test_wallet_expect(&f->wallet, 0, "pot 282.80 g");

    /* The largest remainder: 57.14, 28.57, 14.29 of one grain. */
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "distribute", "garden", "--amount", "1",
                            "--dry-run", NULL);
    pv = mc_test_json_at(o, "preview");
    assert_int_equal(mc_test_json_int(pv, "pot.minor"), 100);
    assert_int_equal(payout(pv, "alice"), 57);
    assert_int_equal(payout(pv, "bob"), 29);
    assert_int_equal(payout(pv, "carol"), 14);

    /* Water-filling under a cap of 100.00. */
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "distribute", "garden", "--share", "40%",
                            "--cap", "100", "--dry-run", NULL);
    pv = mc_test_json_at(o, "preview");
    assert_int_equal(payout(pv, "alice"), 10000);
    assert_int_equal(payout(pv, "bob"), 10000);
    assert_int_equal(payout(pv, "carol"), ROUND1_POT - 20000);
    assert_int_equal(mc_test_json_int(pv, "left.minor"), 0);
    assert_int_equal(
        mc_test_json_int(find_by(mc_test_json_at(pv, "payouts"), "handle", "alice"), "cap.minor"),
        10000);
}

static void check_distribute_refusals(wallet_fixture *f)
{
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "dry.json", file, sizeof file);
    int64_t height = ledger_height(f);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "distribute", "garden", "--share", "40%", NULL),
        "NOT_A_KEEPER");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "kim", 1, "distribute", "garden", "--share", "40%", NULL),
        "KEEPER_QUORUM_NOT_MET");
    const char *d = "distribute";
    assert_int_equal(mc_test_wallet_run(&f->wallet, "kim", d, "garden", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", d, "garden", "--share", "40%", "--amount", "1", NULL),
        2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", d, "garden", "--share", "0%", "--dry-run", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", d, "garden", "--share", "100.01%", "--dry-run", NULL),
        2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", d, "garden", "--share", "x%", "--dry-run", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", d, "garden", "--amount", "1.001", "--dry-run", NULL),
        2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", d, "garden", "--amount", "1", "--cap", "0", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "kim", "propose", d, "garden", "--share", "4%",
                                        "--dry-run", "--out", file, NULL),
                     2);
    assert_int_equal(access(file, F_OK), -1);
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "kim", 1, d, "bakery", "--share", "40%", "--dry-run", NULL),
        "NOT_A_COMMONS");
    assert_int_equal(ledger_height(f), height);
}

/* Proposed by kim with its preview, co-signed by leo, submitted. */
static void distribute_round(wallet_fixture *f)
{
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "round1.json", file, sizeof file);
    json_t *o = mc_test_wallet_json(&f->wallet, "kim", 0, "propose", "distribute", "garden",
                                    "--share", "40%", "--out", file, NULL);
    assert_int_equal(payout(mc_test_json_at(o, "preview"), "alice"), ALICE_ROUND1);
    assert_int_equal(mc_test_json_int(o, "signatures"), 1);
    assert_string_equal(mc_test_json_string(o, "proposal"), file);
    assert_int_equal(balance(f, "garden"), GARDEN_BALANCE); /* nothing applied yet */
    mc_test_wallet_run(&f->wallet, "leo", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "distribute 40.00% of the balance of garden");
    o = mc_test_wallet_json(&f->wallet, "bakery", 0, "submit", file, NULL);
    assert_false(mc_test_json_bool(o, "duplicate"));

    /* Exactly as computed by hand. */
    assert_int_equal(balance(f, "garden"), GARDEN_BALANCE - ROUND1_POT);
    assert_int_equal(balance(f, "alice"), ALICE_ROUND1 - ALICE_PAID_IN);
    assert_int_equal(balance(f, "bob"), BOB_ROUND1);
    assert_int_equal(balance(f, "carol"), CAROL_ROUND1);
    assert_int_equal(balance(f, "kim"), 0);
}

static void check_settled(wallet_fixture *f, const garden_ids *ids)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "carol", 0, "rounds", "garden", NULL);
    assert_int_equal(json_array_size(mc_test_json_at(o, "rounds")), 1);
    json_t *r = mc_test_json_at(o, "rounds.0");
    assert_int_equal(mc_test_json_int(r, "round"), 1);
    assert_int_equal(mc_test_json_int(r, "share_bps"), 4000);
    assert_int_equal(mc_test_json_int(r, "pot.minor"), ROUND1_POT);
    assert_int_equal(mc_test_json_int(r, "left.minor"), 0);
    assert_int_equal(payout(r, "alice"), ALICE_ROUND1);
    assert_int_equal(payout(r, "bob"), BOB_ROUND1);
    assert_int_equal(payout(r, "carol"), CAROL_ROUND1);
    assert_int_equal(mc_test_json_int(find_by(mc_test_json_at(r, "payouts"), "handle", "carol"),
                                      "weight.hundredths"),
                     250);
    mc_test_wallet_run(&f->wallet, "carol", "rounds", "garden", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "round 1 at height");
    mc_test_wallet_expect(&f->wallet, 0, "40.00% of the balance");

    o = mc_test_wallet_json(&f->wallet, "carol", 0, "contributions", "garden", "--status",
                            "settled", NULL);
    json_t *list = mc_test_json_at(o, "contributions");
    assert_int_equal(json_array_size(list), 3);
    json_t *c = find_by(list, "id", ids->alice);
    assert_int_equal(mc_test_json_int(c, "round"), 1);
    assert_int_equal(mc_test_json_int(c, "paid.minor"), ALICE_ROUND1);
    assert_int_equal(mc_test_json_int(c, "pro_rata.minor"), ALICE_ROUND1);
    assert_int_equal(mc_test_json_int(c, "paid_percent"), 100);
    assert_int_equal(mc_test_json_int(find_by(list, "id", ids->carol), "paid.minor"), CAROL_ROUND1);
    mc_test_wallet_run(&f->wallet, "carol", "contributions", "garden", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "round 1: pro rata 40.40 g, paid 40.40 g (in full)");

    /* Nothing approved is left: a second round is refused, nothing written. */
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "round2.json", file, sizeof file);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "kim", 1, "distribute", "garden",
                                                  "--share", "40%", "--dry-run", NULL),
                              "NO_CONTRIBUTIONS");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "kim", 1, "propose", "distribute",
                                                  "garden", "--share", "40%", "--out", file, NULL),
                              "NO_CONTRIBUTIONS");
    assert_int_equal(access(file, F_OK), -1);
}

/* A round whose cap binds: 4.00 hours each for alice and carol, 1.00 for
 * bob, 100.00 to pay, at most 30.00 each (the header comment). */
static void capped_round(wallet_fixture *f)
{
    char a[MC_TEST_TX_ID_HEX_LEN + 1], c[MC_TEST_TX_ID_HEX_LEN + 1], b[MC_TEST_TX_ID_HEX_LEN + 1];
    char file[MC_TEST_WALLET_PATH_MAX];
    contribute(f, "alice", "--hours", "4", 400, "pruning", a);
    contribute(f, "carol", "--hours", "4.00", 400, "fencing", c);
    contribute(f, "bob", "--hours", "1", 100, "mending a hose", b);
    review_by_both(f, "approve", a, "a4.json", "approved");
    review_by_both(f, "approve", c, "a5.json", "approved");
    review_by_both(f, "approve", b, "a6.json", "approved");
    mc_test_wallet_path(&f->wallet, "round2.json", file, sizeof file);
    int64_t garden = balance(f, "garden"), alice = balance(f, "alice"), bob = balance(f, "bob");
    mc_test_wallet_json(&f->wallet, "leo", 0, "propose", "distribute", "garden", "--amount", "100",
                        "--cap", "30", "--out", file, NULL);
    mc_test_wallet_run(&f->wallet, "kim", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "at most 30.00 g to each contributor");
    mc_test_wallet_json(&f->wallet, "kim", 0, "submit", file, NULL);
    assert_int_equal(balance(f, "garden"), garden - ROUND2_PAID);
    assert_int_equal(balance(f, "alice"), alice + ROUND2_CAP);
    assert_int_equal(balance(f, "bob"), bob + ROUND2_CAP);

    json_t *o = mc_test_wallet_json(&f->wallet, "kim", 0, "contributions", "garden", "--status",
                                    "settled", NULL);
    json_t *s = find_by(mc_test_json_at(o, "contributions"), "id", a);
    assert_int_equal(mc_test_json_int(s, "round"), 2);
    assert_int_equal(mc_test_json_int(s, "pro_rata.minor"), ROUND2_PRO_RATA_4H);
    assert_int_equal(mc_test_json_int(s, "paid.minor"), ROUND2_CAP);
    assert_int_equal(mc_test_json_int(s, "paid_percent"), 67);
    s = find_by(mc_test_json_at(o, "contributions"), "id", b);
    assert_int_equal(mc_test_json_int(s, "pro_rata.minor"), ROUND2_PRO_RATA_1H);
    assert_int_equal(mc_test_json_int(s, "paid.minor"), ROUND2_CAP);
    assert_int_equal(mc_test_json_int(s, "paid_percent"), 270);
    mc_test_wallet_run(&f->wallet, "kim", "contributions", "garden", "--status", "settled", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "partial remuneration: 67% of its pro-rata value");
    mc_test_wallet_expect(&f->wallet, 0, "270% of its pro-rata value, as others were capped");
    o = mc_test_wallet_json(&f->wallet, "kim", 0, "rounds", "garden", NULL);
    assert_int_equal(mc_test_json_int(o, "rounds.1.round"), 2);
    assert_int_equal(mc_test_json_int(o, "rounds.1.paid.minor"), ROUND2_PAID);
    assert_int_equal(mc_test_json_int(o, "rounds.1.left.minor"), 10000 - ROUND2_PAID);
    assert_int_equal(mc_test_json_int(o, "rounds.1.cap.minor"), ROUND2_CAP);
    assert_int_equal(mc_test_json_int(o, "rounds.1.amount.minor"), 10000);
    assert_int_equal(mc_test_json_int(o, "rounds.1.contributions"), 3);
}

/* Out of the garden: both keepers sign. */
static void pay_from_garden(wallet_fixture *f)
{
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "pay.json", file, sizeof file);
    int64_t garden = balance(f, "garden"), bob = balance(f, "bob");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "kim", 1, "pay", "bob", "10", "--from", "garden", NULL),
        "KEEPER_QUORUM_NOT_MET");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "bob", 1, "pay", "bob", "10", "--from", "garden", NULL),
        "NOT_A_KEEPER");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "kim", 1, "pay", "bob", "10", "--from", "bakery", NULL),
        "NOT_A_COMMONS");
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "kim", "propose", "pay", "bob", "10", "--out", file, NULL),
        2);
    json_t *o = mc_test_wallet_json(&f->wallet, "kim", 0, "propose", "pay", "bob", "10", "tools",
                                    "--from", "garden", "--out", file, NULL);
    assert_int_equal(mc_test_json_int(o, "needed"), 2);
    mc_test_wallet_run(&f->wallet, "leo", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "pay 10.00 g from garden to bob");
    mc_test_wallet_json(&f->wallet, "leo", 0, "submit", file, NULL);
    assert_int_equal(balance(f, "garden"), garden - 1000);
    assert_int_equal(balance(f, "bob"), bob + 1000);
}

static void check_history(wallet_fixture *f)
{
    json_t *o =
        mc_test_wallet_json(&f->wallet, "alice", 0, "history", "garden", "--limit", "0", NULL);
    json_t *items = mc_test_json_at(o, "items");
    size_t reciprocity = 0, rounds = 0, work = 0, reviews = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *it = json_array_get(items, i);
        const char *kind = mc_test_json_string(it, "kind");
        json_t *purpose = json_object_get(it, "purpose");
        reciprocity +=
            json_is_string(purpose) && strcmp(json_string_value(purpose), "reciprocity") == 0;
        rounds += strcmp(kind, "round") == 0;
        work += strcmp(kind, "work") == 0;
        reviews += strcmp(kind, "review") == 0;
        if (strcmp(kind, "payment") == 0) {
            assert_true(json_is_string(purpose));
        }
    }
    assert_int_equal(reciprocity, 3);
    assert_int_equal(rounds, 2);
    assert_int_equal(work, 7);
    assert_int_equal(reviews, 7);
    mc_test_wallet_run(&f->wallet, "alice", "history", "garden", "--limit", "0", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "reciprocity");
    mc_test_wallet_expect(&f->wallet, 0, "from bakery");
    mc_test_wallet_expect(&f->wallet, 0, "to contributors");
    mc_test_wallet_expect(&f->wallet, 0, "by carol");

    /* alice's side: her work for the garden and what the round paid her. */
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "history", "--limit", "0", NULL);
    json_t *round = find_by(mc_test_json_at(o, "items"), "kind", "round");
    assert_int_equal(mc_test_json_int(round, "delta.minor"), 3000); /* the newest: round 2 */
    assert_string_equal(mc_test_json_string(round, "counterparty.handle"), "garden");
    /* ... and the keepers' review of it, with its outcome. */
    json_t *reviewed = find_by(mc_test_json_at(o, "items"), "kind", "review");
    assert_string_equal(mc_test_json_string(reviewed, "counterparty.handle"), "garden");
    assert_string_equal(mc_test_json_string(reviewed, "memo"), "approved");
    assert_int_equal(mc_test_json_int(reviewed, "delta.minor"), 0);
    mc_test_wallet_run(&f->wallet, "alice", "history", "--limit", "0", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "for garden");
    mc_test_wallet_expect(&f->wallet, 0, "by garden");
    mc_test_wallet_expect(&f->wallet, 0, "161.60 g");
}

/* The whole history for an auditor, and mcaudit's verdict on it. */
static void export_for_audit(wallet_fixture *f)
{
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "garden.audit", file, sizeof file);
    int64_t height = ledger_height(f);
    json_t *o =
        mc_test_wallet_json(&f->wallet, "steward", 0, "audit", "export", "--out", file, NULL);
    assert_int_equal(mc_test_json_int(o, "entries"), height);
    assert_int_equal(access(file, R_OK), 0);
    /* The auditor replays the whole history offline, the rounds' payouts
     * included, and accepts it. */
    static char out[16384];
    const char *argv[] = {mc_test_bin("MC_AUDIT_BIN"), "verify", file, "--json", NULL};
    int status = mc_test_run(argv, NULL, out, sizeof out, 120000);
    if (status != 0) {
        print_error("mcaudit verify exited %d:\n%s\n", status, out);
    }
    assert_int_equal(status, 0);
    json_error_t err;
    json_t *summary = json_loads(out, 0, &err);
    assert_non_null(summary);
    assert_int_equal(mc_test_json_int(summary, "entries"), height);
    json_decref(summary);
}

static void test_garden(void **state)
{
    wallet_fixture *f = *state;
    garden_ids ids;
    open_garden(f);
    pay_reciprocity(f);
    check_reciprocity(f);
    review_contributions(f, &ids);
    check_previews(f);
    check_distribute_refusals(f);
    distribute_round(f);
    check_settled(f, &ids);
    capped_round(f);
    pay_from_garden(f);
    check_history(f);

    /* ---- the export for mcaudit, its own step ---- */
    export_for_audit(f);
    mc_test_node_finish(&f->node);
}

/* ---- a commons run by its own key ------------------------------------------------------ */

static void test_own_key(void **state)
{
    wallet_fixture *f = *state;
    char id[MC_TEST_TX_ID_HEX_LEN + 1];
    open_account(f, "fund", "commons", NULL, NULL, NULL);
    open_account(f, "alice", "member", NULL, NULL, NULL);
    open_account(f, "bob", "member", NULL, NULL, NULL);
    mc_test_wallet_json(&f->wallet, "bob", 0, "pay", "fund", "50", "--reciprocity", NULL);
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "contribute", "fund", "--points", "3",
                                    "--description", "accounts of the fund", NULL);
    snprintf(id, sizeof id, "%s", mc_test_json_string(o, "contribution_id"));
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "bob", 1, "approve", id, NULL),
                              "NOT_A_KEEPER");
    /* Its own key: quorum 1, at once. */
    o = mc_test_wallet_json(&f->wallet, "fund", 0, "approve", id, NULL);
    assert_string_equal(mc_test_json_string(o, "status"), "approved");
    assert_string_equal(mc_test_json_string(o, "contributor"), "alice");
    assert_true(mc_test_json_int(o, "height") > 0);

    o = mc_test_wallet_json(&f->wallet, "fund", 0, "distribute", "fund", "--share", "50%", NULL);
    assert_int_equal(payout(mc_test_json_at(o, "preview"), "alice"), 2500);
    assert_int_equal(payout(mc_test_json_at(o, "round"), "alice"), 2500);
    assert_true(mc_test_json_bool(o, "as_previewed"));
    assert_int_equal(mc_test_json_int(o, "round.round"), 1);
    assert_int_equal(mc_test_json_int(o, "round.height"), mc_test_json_int(o, "height"));
    assert_int_equal(balance(f, "alice"), 2500);
    assert_int_equal(balance(f, "fund"), 2500);

    o = mc_test_wallet_json(&f->wallet, "fund", 0, "pay", "bob", "5", "--from", "fund", NULL);
    assert_string_equal(mc_test_json_string(o, "payer"), "fund");
    assert_int_equal(mc_test_json_int(o, "balance.minor"), 2000);
    mc_test_wallet_run(&f->wallet, "fund", "pay", "bob", "1", "--from", "fund", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "paid 1.00 g from fund to bob");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "alice", 1, "pay", "bob", "1", "--from", "fund", NULL),
        "NOT_A_KEEPER");

    /* In words: the preview, then the round as applied. */
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "contribute", "fund", "--points", "1",
                            "--description", "more", NULL);
    snprintf(id, sizeof id, "%s", mc_test_json_string(o, "contribution_id"));
    mc_test_wallet_run(&f->wallet, "fund", "reject", id, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "rejected contribution");
    mc_test_json_assert_error(
        mc_test_wallet_json(&f->wallet, "fund", 1, "distribute", "fund", "--share", "50%", NULL),
        "NO_CONTRIBUTIONS");
    mc_test_node_finish(&f->node);
}

/* ---- the command line ------------------------------------------------------------------- */

static const char *const commons_commands[] = {"reciprocity", "contribute", "contributions",
                                               "approve",     "reject",     "distribute",
                                               "rounds",      "pay"};

static void check_unreachable(wallet_fixture *f)
{
    static const char *const node_commands[][6] = {
        {"reciprocity", "garden"},
        {"contribute", "garden", "--hours", "1", "--description", "x"},
        {"contributions", "garden"},
        {"approve", "abcd", "--commons", "garden"},
        {"reject", "abcd", "--commons", "garden"},
        {"distribute", "garden", "--share", "40%"},
        {"rounds", "garden"},
        {"pay", "bob", "1", "--from", "garden"}};
    int fd = -1;
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%d", mc_test_closed_port(&fd));
    for (size_t i = 0; i < sizeof node_commands / sizeof node_commands[0]; i++) {
        const char *const *c = node_commands[i];
        json_t *o = mc_test_wallet_json(&f->wallet, "cli", 3, "--node", address, c[0], c[1], c[2],
                                        c[3], c[4], c[5], NULL);
        mc_test_json_assert_error(o, "UNREACHABLE");
    }
    close(fd);
}

static void test_usage(void **state)
{
    wallet_fixture *f = *state;
    char usage[64];
    mc_test_wallet_run(&f->wallet, "cli", "init", "cli", "--no-passphrase", NULL);
    mc_test_wallet_run(&f->wallet, "cli", "help", NULL);
    for (size_t i = 0; i < sizeof commons_commands / sizeof commons_commands[0]; i++) {
        snprintf(usage, sizeof usage, "\n  %s ", commons_commands[i]);
        mc_test_wallet_expect(&f->wallet, 0, usage);
    }
    for (size_t i = 0; i < sizeof commons_commands / sizeof commons_commands[0]; i++) {
        snprintf(usage, sizeof usage, "usage: mcwallet [OPTIONS] %s", commons_commands[i]);
        mc_test_wallet_run(&f->wallet, "cli", "help", commons_commands[i], NULL);
        mc_test_wallet_expect(&f->wallet, 0, usage);
        mc_test_wallet_run(&f->wallet, "cli", commons_commands[i], "--help", NULL);
        mc_test_wallet_expect(&f->wallet, 0, usage);
        assert_int_equal(
            mc_test_wallet_run(&f->wallet, "cli", commons_commands[i], "--bogus", NULL), 2);
    }
    mc_test_wallet_run(&f->wallet, "cli", "pay", "--help", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "--reciprocity");
    mc_test_wallet_run(&f->wallet, "cli", "distribute", "-h", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "--dry-run");

    /* Usage errors are found before the node is asked (it is stopped). */
    mc_test_node_finish(&f->node);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "reciprocity", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "reciprocity", "a", "b", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "reciprocity", "garden", "--since",
                                        "yesterday", NULL),
                     2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "rounds", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "contributions", NULL), 2);
    assert_int_equal(
        mc_test_wallet_run(&f->wallet, "cli", "contributions", "garden", "--status", "x", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "reject", "abcd", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "pay", "bob", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "pay", "bob", "1", "memo", "more", NULL),
                     2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "pay", "bob", "1", "--from", NULL), 2);
    assert_int_equal(mc_test_wallet_run(&f->wallet, "cli", "distribute", "garden", NULL), 2);
    check_unreachable(f);
}

int main(void)
{
    /* Hermetic: the node and the passphrase only from the tests. */
    unsetenv("MC_NODE");
    unsetenv("MC_PASSPHRASE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_garden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
