/* mcaudit report end to end: a community built with the real mcwallet on a
 * real mcnode (127.0.0.1), its history exported both ways (`mcwallet audit
 * export` while the node serves, `mcnode export` after it stopped),
 * verified with the real mcaudit, and its reports reconciled with the
 * balances the node reports (`mcwallet --json accounts`):
 *   - the hledger journal, read by the REAL hledger (`hledger -f J bal`,
 *     found on PATH; scripts/setup.sh installs Debian's; the test fails
 *     when it is missing), shows exactly each account's balance, and a
 *     total of 0;
 *   - the CSV (parsed as RFC 4180) and the JSON (parsed by jansson) hold
 *     every transfer once, with its fee, fee account, purpose and memo as
 *     made, and every payout of every round (and no payout of 0); their
 *     amounts and fees, summed per account, are the balances.
 *
 * test_community. The genesis sets a fee of 2.5% (250 basis points) to the
 * key of `fees`, not yet opened: a payment is refused
 * (FEE_ACCOUNT_UNAVAILABLE) until the steward opens it as a system account.
 * Members alice, bob, carol, dan, kim, leo; the business bakery; the
 * commons garden kept by kim and leo (quorum 2). Amounts in minor units
 * (2 decimals), the fee floor(amount * bps / 10000):
 *   at 2.5%  alice -> bob 1000 "café, "x"; y"  fee 25
 *            bakery -> alice 4000               fee 100
 *            bob -> carol 39                    fee 0 (0.975 rounds down)
 *            carol -> fees 10                   fee 0 (the fee account is the payee)
 *            bakery asks alice 1550, she pays   fee 38 (request_payment)
 *   `fee 1%` (SetFee 100)
 *            bakery -> garden 30000 reciprocity fee 300
 *            alice -> garden 700                fee 7
 *   contributions: alice 10 h, bob 5 h, carol 2.5 h approved, dan 1 h
 *   rejected (each by a keeper's proposal, the other's cosign, a submit);
 *   carol frozen; round 1, 40% of 30700 capped at 5000 each: pot 12280,
 *   alice 5000, bob 5000 (both capped), carol 0 (frozen: no payout row),
 *   2280 left; carol unfrozen;
 *            garden -> bob 1000 (keepers)        fee 10
 *   `fee 0` (SetFee 0)
 *            alice -> dan 500                    fee 0
 *   carol 2 h approved; round 2, an amount of 1000: carol 1000.
 * Fees 480 in all; the fee account holds 490. 35 entries: open_account 9,
 * transfer 9, set_status 2, payment_request 1, set_fee 2, contribution 5,
 * review_contribution 5, distribution 2. Both exports verify, with a
 * summary naming every kind and the volume, fees and payouts above, and
 * give the same reports. Last, copies of the export with one entry changed
 * as a verified log never is (a round dropped, renumbered or overpaid, a
 * round on a transfer, a refused result, a fee to a member's account) stop
 * every format of the report with exit 1 and the reason.
 *
 * test_empty: a ledger with nothing in it reports nothing: a CSV header,
 * an empty JSON array, a journal hledger reads as a total of 0. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fixture.h"
#include "json_path.h"
#include "mc/amount.h"
#include "mc/error.h"
#include "mc/export.h"
#include "node_harness.h"
#include "store.pb-c.h"
#include "wallet_run.h"

#define OUT_MAX (1u << 20) /* a run's output: the reports here are a few KiB */
#define RUN_TIMEOUT_MS 60000
#define HANDLE_MAX 33u
#define ACCOUNTS_MAX 16u
#define TRANSFERS_MAX 16u
#define PAYOUTS_MAX 8u
#define ROWS_MAX 64u
#define CSV_FIELDS 12u
#define FIELD_MAX 512u
#define DECIMALS 2u

/* The figures of the header comment. */
#define FEES_TOTAL 480
#define FEES_BALANCE 490
#define ROUND1_CAP 5000
#define ROUND2_PAID 1000
#define PAYOUTS_TOTAL (2 * ROUND1_CAP + ROUND2_PAID)
#define TRANSFERS 9u
#define VOLUME 38799 /* the amounts of the 9 transfers */
#define ENTRIES 35

static const char *const csv_header[CSV_FIELDS] = {"height",      "time",    "tx_id",  "kind",
                                                   "payer",       "payee",   "amount", "fee",
                                                   "fee_account", "purpose", "round",  "memo"};

/* A transfer as it was made, to find in the reports. */
typedef struct made_transfer {
    char tx_id[MC_TEST_TX_ID_HEX_LEN + 1];
    const char *kind; /* "transfer" or "request_payment" */
    const char *payer, *payee, *purpose, *memo;
    int64_t amount, fee;
} made_transfer;

/* A payout of a round as `mcwallet rounds` shows it. */
typedef struct made_payout {
    char tx_id[MC_TEST_TX_ID_HEX_LEN + 1]; /* the Distribution's */
    uint64_t round;
    char payee[HANDLE_MAX];
    int64_t amount; /* may be 0: then no row */
} made_payout;

typedef struct balance {
    char handle[HANDLE_MAX];
    char prefix[16]; /* the journal's: members, business, commons, system */
    int64_t minor;
} balance;

/* One row of a report, from the CSV or the JSON. */
typedef struct report_row {
    uint64_t height;
    char tx_id[MC_TEST_TX_ID_HEX_LEN + 1];
    char kind[32], payer[HANDLE_MAX], payee[HANDLE_MAX], fee_account[HANDLE_MAX], purpose[16];
    int64_t amount, fee;
    uint64_t round; /* 0: none */
    char memo[FIELD_MAX];
} report_row;

typedef struct fixture {
    mc_test_node node;
    mc_test_wallet wallet; /* wallets and files: ROOT/NAME, and the last run */
    char steward_key[MC_TEST_KEY_HEX_LEN + 1];
    made_transfer transfers[TRANSFERS_MAX];
    size_t n_transfers;
    made_payout payouts[PAYOUTS_MAX];
    size_t n_payouts;
    balance balances[ACCOUNTS_MAX];
    size_t n_balances;
    report_row rows[ROWS_MAX];
    size_t n_rows;
} fixture;

/* ---- running the binaries --------------------------------------------------------- */

/* mcaudit ARGS... */
static int audit(fixture *f, ...)
{
    const char *argv[MC_TEST_WALLET_ARGS_MAX + 1];
    size_t a = 0;
    argv[a++] = mc_test_bin("MC_AUDIT_BIN");
    va_list ap;
    va_start(ap, f);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        assert_true(a < MC_TEST_WALLET_ARGS_MAX);
        argv[a++] = s;
    }
    va_end(ap);
    argv[a] = NULL;
    return mc_test_wallet_exec(&f->wallet, argv, NULL);
}

/* ---- reading answers ------------------------------------------------------------- */

/* A string field that may be null: "" then. */
static void jstr_or_null(json_t *o, const char *key, char *out, size_t len)
{
    json_t *v = json_object_get(o, key);
    if (json_is_null(v)) {
        out[0] = '\0';
        return;
    }
    if (!json_is_string(v) || strlen(json_string_value(v)) >= len) {
        mc_test_json_fail(o, key, "a string (or null) that fits");
    }
    snprintf(out, len, "%s", json_string_value(v));
}

static void copy_text(char *out, size_t len, const char *text)
{
    assert_true(strlen(text) < len);
    snprintf(out, len, "%s", text);
}

/* ---- the community --------------------------------------------------------------- */

/* The steward opens `name` (an identity made before) as a `kind` account. */
static void open_account(fixture *f, const char *name, const char *kind, const char *k1,
                         const char *k2)
{
    char key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_key(&f->wallet, name, key);
    json_t *o = k1 != NULL ? mc_test_wallet_json(&f->wallet, "steward", 0, "open", name, key,
                                                 "--kind", kind, "--keeper", k1, "--keeper", k2,
                                                 "--keeper-quorum", "2", NULL)
                           : mc_test_wallet_json(&f->wallet, "steward", 0, "open", name, key,
                                                 "--kind", kind, NULL);
    assert_string_equal(mc_test_json_string(o, "kind"), kind);
}

/* Remember a transfer applied (its answer in f->wallet.answer). */
static void made(fixture *f, const char *kind, const char *payer, const char *payee, int64_t amount,
                 int64_t fee, const char *purpose, const char *memo)
{
    assert_true(f->n_transfers < TRANSFERS_MAX);
    made_transfer *t = &f->transfers[f->n_transfers++];
    *t = (made_transfer){.kind = kind,
                         .payer = payer,
                         .payee = payee,
                         .purpose = purpose,
                         .memo = memo,
                         .amount = amount,
                         .fee = fee};
    copy_text(t->tx_id, sizeof t->tx_id, mc_test_json_string(f->wallet.answer, "tx_id"));
}

/* `payer` pays; the fee is the one computed by hand. */
static void pay(fixture *f, const char *payer, const char *payee, const char *amount_text,
                const char *memo, bool reciprocity, int64_t amount, int64_t fee)
{
    json_t *o = reciprocity ? mc_test_wallet_json(&f->wallet, payer, 0, "pay", payee, amount_text,
                                                  memo, "--reciprocity", NULL)
                            : mc_test_wallet_json(&f->wallet, payer, 0, "pay", payee, amount_text,
                                                  memo, NULL);
    assert_int_equal(mc_test_json_int(o, "amount.minor"), amount);
    made(f, "transfer", payer, payee, amount, fee, reciprocity ? "reciprocity" : "none", memo);
}

static void set_fee(fixture *f, const char *fee, int64_t bps)
{
    json_t *o = bps > 0 ? mc_test_wallet_json(&f->wallet, "steward", 0, "fee", fee, "--account",
                                              "fees", NULL)
                        : mc_test_wallet_json(&f->wallet, "steward", 0, "fee", fee, NULL);
    assert_int_equal(mc_test_json_int(o, "fee_bps"), bps);
}

/* A keeper's proposal of `args` (up to 6 words), the other keeper's
 * cosign, and a submit; the submit's answer stays in f->wallet.answer. */
static void by_keepers(fixture *f, const char *file_name, const char *const args[6])
{
    char file[MC_TEST_WALLET_PATH_MAX];
    const char *w[9] = {NULL};
    size_t n = 0;
    mc_test_wallet_path(&f->wallet, file_name, file, sizeof file);
    for (size_t i = 0; i < 6 && args[i] != NULL; i++) {
        w[n++] = args[i];
    }
    w[n++] = "--out";
    w[n++] = file;
    mc_test_wallet_json(&f->wallet, "kim", 0, "propose", w[0], w[1], w[2], w[3], w[4], w[5], w[6],
                        w[7], w[8], NULL);
    mc_test_wallet_run(&f->wallet, "leo", "cosign", file, "--yes", NULL);
    mc_test_wallet_expect(&f->wallet, 0, "2 of the 2 signatures");
    mc_test_wallet_json(&f->wallet, "dan", 0, "submit", file, NULL);
}

/* `who` contributes `hours` to garden; its keepers approve (or reject) it. */
static void contribution(fixture *f, const char *who, const char *hours, bool approve,
                         const char *file_name)
{
    char id[MC_TEST_TX_ID_HEX_LEN + 1];
    json_t *o = mc_test_wallet_json(&f->wallet, who, 0, "contribute", "garden", "--hours", hours,
                                    "--description", "work in the garden", NULL);
    copy_text(id, sizeof id, mc_test_json_string(o, "contribution_id"));
    const char *args[6] = {approve ? "approve" : "reject", id, NULL};
    by_keepers(f, file_name, args);
}

/* ---- test_community: building it ------------------------------------------------ */

static void open_community(fixture *f)
{
    const char *names[] = {"alice", "bob", "carol", "dan", "kim", "leo", "bakery", "garden"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        mc_test_wallet_identity(&f->wallet, names[i], NULL);
    }
    for (size_t i = 0; i < 6; i++) {
        open_account(f, names[i], "member", NULL, NULL);
    }
    open_account(f, "bakery", "business", NULL, NULL);
    char kim[MC_TEST_KEY_HEX_LEN + 1], leo[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_key(&f->wallet, "kim", kim);
    mc_test_wallet_key(&f->wallet, "leo", leo);
    open_account(f, "garden", "commons", kim, leo);

    /* The genesis's fee account is not open yet: no payment goes through. */
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 1, "pay", "bob", "10", NULL);
    assert_string_equal(mc_test_json_string(o, "error.name"), "FEE_ACCOUNT_UNAVAILABLE");
    open_account(f, "fees", "system", NULL, NULL);
}

static void pay_with_fees(fixture *f)
{
    /* 2.5% from the genesis. */
    pay(f, "alice", "bob", "10", "café, \"x\"; y", false, 1000, 25);
    pay(f, "bakery", "alice", "40", "bread", false, 4000, 100);
    pay(f, "bob", "carol", "0.39", "a stamp", false, 39, 0);
    pay(f, "carol", "fees", "0.10", "a gift to the fee account", false, 10, 0);
    json_t *o =
        mc_test_wallet_json(&f->wallet, "bakery", 0, "request", "alice", "15.50", "flour", NULL);
    char request[MC_TEST_TX_ID_HEX_LEN + 1];
    copy_text(request, sizeof request, mc_test_json_string(o, "request_id"));
    mc_test_wallet_json(&f->wallet, "alice", 0, "accept", request, NULL);
    made(f, "request_payment", "alice", "bakery", 1550, 38, "none", "flour");

    /* 1% from here on. */
    set_fee(f, "1%", 100);
    pay(f, "bakery", "garden", "300", "week 1", true, 30000, 300);
    pay(f, "alice", "garden", "7", "seeds", false, 700, 7);
}

/* What `mcwallet rounds garden` says round `number` paid, remembered. */
static void note_round(fixture *f, uint64_t number, const char *tx_id)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "rounds", "garden", NULL);
    json_t *round = NULL;
    for (size_t i = 0; (round = json_array_get(mc_test_json_at(o, "rounds"), i)) != NULL; i++) {
        if ((uint64_t)mc_test_json_int(round, "round") == number) {
            break;
        }
    }
    assert_non_null(round);
    json_t *payouts = mc_test_json_at(round, "payouts");
    for (size_t i = 0; i < json_array_size(payouts); i++) {
        assert_true(f->n_payouts < PAYOUTS_MAX);
        made_payout *p = &f->payouts[f->n_payouts++];
        copy_text(p->tx_id, sizeof p->tx_id, tx_id);
        p->round = number;
        copy_text(p->payee, sizeof p->payee,
                  mc_test_json_string(json_array_get(payouts, i), "handle"));
        p->amount = mc_test_json_int(json_array_get(payouts, i), "paid.minor");
    }
}

static int64_t payout_of(const fixture *f, uint64_t round, const char *payee)
{
    for (size_t i = 0; i < f->n_payouts; i++) {
        if (f->payouts[i].round == round && strcmp(f->payouts[i].payee, payee) == 0) {
            return f->payouts[i].amount;
        }
    }
    fprintf(stderr, "round %llu has no payout to %s\n", (unsigned long long)round, payee);
    fail();
    return -1;
}

static void run_rounds(fixture *f)
{
    char tx_id[MC_TEST_TX_ID_HEX_LEN + 1];
    contribution(f, "alice", "10", true, "c1.json");
    contribution(f, "bob", "5", true, "c2.json");
    contribution(f, "carol", "2.5", true, "c3.json");
    contribution(f, "dan", "1", false, "c4.json");
    mc_test_wallet_json(&f->wallet, "steward", 0, "freeze", "carol", NULL);
    const char *round1[6] = {"distribute", "garden", "--share", "40%", "--cap", "50"};
    by_keepers(f, "round1.json", round1);
    copy_text(tx_id, sizeof tx_id, mc_test_json_string(f->wallet.answer, "tx_id"));
    note_round(f, 1, tx_id);
    assert_int_equal(payout_of(f, 1, "alice"), ROUND1_CAP);
    assert_int_equal(payout_of(f, 1, "bob"), ROUND1_CAP);
    assert_int_equal(payout_of(f, 1, "carol"), 0); /* frozen */
    mc_test_wallet_json(&f->wallet, "steward", 0, "unfreeze", "carol", NULL);

    const char *pay_out[6] = {"pay", "bob", "10", "tools", "--from", "garden"};
    by_keepers(f, "pay.json", pay_out);
    made(f, "transfer", "garden", "bob", 1000, 10, "none", "tools");
    set_fee(f, "0", 0);
    pay(f, "alice", "dan", "5", "", false, 500, 0);

    contribution(f, "carol", "2", true, "c5.json");
    const char *round2[6] = {"distribute", "garden", "--amount", "10", NULL};
    by_keepers(f, "round2.json", round2);
    copy_text(tx_id, sizeof tx_id, mc_test_json_string(f->wallet.answer, "tx_id"));
    note_round(f, 2, tx_id);
    assert_int_equal(payout_of(f, 2, "carol"), ROUND2_PAID);
}

/* Every account's balance as the node reports it; the sum is 0. */
static void read_balances(fixture *f)
{
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 0, "accounts", NULL);
    json_t *list = mc_test_json_at(o, "accounts");
    f->n_balances = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *a = json_array_get(list, i);
        assert_true(f->n_balances < ACCOUNTS_MAX);
        balance *b = &f->balances[f->n_balances++];
        const char *kind = mc_test_json_string(a, "kind");
        copy_text(b->handle, sizeof b->handle, mc_test_json_string(a, "handle"));
        copy_text(b->prefix, sizeof b->prefix,
                  strcmp(kind, "member") == 0     ? "members"
                  : strcmp(kind, "business") == 0 ? "business"
                                                  : kind);
        b->minor = mc_test_json_int(a, "balance.minor");
    }
    assert_int_equal(mc_test_json_int(o, "total.minor"), 0);
}

static int64_t balance_of(const fixture *f, const char *handle)
{
    for (size_t i = 0; i < f->n_balances; i++) {
        if (strcmp(f->balances[i].handle, handle) == 0) {
            return f->balances[i].minor;
        }
    }
    fprintf(stderr, "no account %s\n", handle);
    fail();
    return 0;
}

static size_t balance_index(const fixture *f, const char *handle)
{
    for (size_t i = 0; i < f->n_balances; i++) {
        if (strcmp(f->balances[i].handle, handle) == 0) {
            return i;
        }
    }
    fprintf(stderr, "the report names %s, which the node does not list\n", handle);
    fail();
    return 0;
}

/* The wallet's export while the node runs, then the node stopped (exit 0)
 * and `mcnode export` of its data. */
static void export_both(fixture *f, const char *by_wallet, const char *by_node)
{
    if (by_wallet != NULL) {
        mc_test_wallet_json(&f->wallet, "steward", 0, "audit", "export", "--out", by_wallet, NULL);
    }
    mc_test_node_stop_clean(&f->node);
    const char *argv[] = {
        mc_test_bin("MC_NODE_BIN"), "export", "--data", f->node.data_dir, "--out", by_node, NULL};
    mc_test_wallet_exec(&f->wallet, argv, NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
}

/* ---- the verdict ------------------------------------------------------------------ */

static void check_verify_words(fixture *f, const char *file)
{
    static const char *const words[] = {
        "verifies: every signature",
        "volume      387.99 g in 9 transfers (their amounts, fees apart)",
        "fees        4.80 g, paid beside those amounts",
        "rounds      110.00 g paid to contributors out of commons in 2 distribution rounds",
        "open_account 9,",
        "transfer 9,",
        "set_status 2,",
        "payment_request 1,",
        "set_roles 0,",
        "set_fee 2,",
        "contribution 5,",
        "review_contribution 5,",
        "distribution 2\n"};
    audit(f, "verify", file, NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        mc_test_wallet_expect(&f->wallet, 0, words[i]);
    }
}

static void check_verify_json(fixture *f, const char *file)
{
    audit(f, "verify", file, "--json", NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
    json_t *o = json_loads(f->wallet.out, 0, NULL);
    assert_non_null(o);
    assert_true(json_is_true(json_object_get(o, "ok")));
    assert_int_equal(mc_test_json_int(o, "entries"), ENTRIES);
    assert_int_equal(mc_test_json_int(o, "transfers"), TRANSFERS);
    assert_int_equal(mc_test_json_int(o, "volume_minor"), VOLUME);
    assert_int_equal(mc_test_json_int(o, "fees_minor"), FEES_TOTAL);
    assert_int_equal(mc_test_json_int(o, "round_payouts_minor"), PAYOUTS_TOTAL);
    assert_int_equal(mc_test_json_int(o, "kinds.set_fee"), 2);
    assert_int_equal(mc_test_json_int(o, "kinds.distribution"), 2);
    assert_int_equal(mc_test_json_int(o, "kinds.contribution"), 5);
    assert_int_equal(mc_test_json_int(o, "kinds.review_contribution"), 5);
    assert_int_equal(mc_test_json_int(o, "kinds.set_roles"), 0);
    assert_int_equal(json_object_size(mc_test_json_at(o, "kinds")), 12);
    json_decref(o);
}

/* ---- the CSV and JSON reports ------------------------------------------------------ */

/* One RFC 4180 record at *at (CRLF ends it) into `fields`; returns their
 * number (0 at the end of the text) and moves *at past it. */
static size_t csv_record(const char **at, char fields[CSV_FIELDS][FIELD_MAX])
{
    const char *p = *at;
    size_t n = 0;
    if (*p == '\0') {
        return 0;
    }
    for (;;) {
        assert_true(n < CSV_FIELDS);
        char *field = fields[n++];
        size_t len = 0;
        if (*p == '"') {
            for (p++; !(p[0] == '"' && p[1] != '"'); p++) {
                assert_true(*p != '\0' && len + 1 < FIELD_MAX); /* an unterminated quote */
                p += p[0] == '"';                               /* "" is one quote */
                field[len++] = *p;
            }
            p++;
        } else {
            for (; *p != ',' && *p != '\r' && *p != '\0'; p++) {
                assert_true(*p != '\n' && *p != '"' && len + 1 < FIELD_MAX);
                field[len++] = *p;
            }
        }
        field[len] = '\0';
        if (*p == ',') {
            p++;
            continue;
        }
        assert_true(p[0] == '\r' && p[1] == '\n');
        *at = p + 2;
        return n;
    }
}

static int64_t amount_minor(const char *text)
{
    int64_t v = 0;
    if (mc_amount_parse(text, DECIMALS, &v) != MC_ERR_OK) {
        fprintf(stderr, "'%s' is not an amount of %u decimals\n", text, DECIMALS);
        fail();
    }
    return v;
}

static void parse_csv(fixture *f, const char *text)
{
    char fields[CSV_FIELDS][FIELD_MAX];
    const char *p = text;
    assert_int_equal(csv_record(&p, fields), CSV_FIELDS);
    for (size_t i = 0; i < CSV_FIELDS; i++) {
        assert_string_equal(fields[i], csv_header[i]);
    }
    f->n_rows = 0;
    for (size_t n; (n = csv_record(&p, fields)) > 0;) {
        assert_int_equal(n, CSV_FIELDS);
        assert_true(f->n_rows < ROWS_MAX);
        report_row *r = &f->rows[f->n_rows++];
        memset(r, 0, sizeof *r);
        r->height = strtoull(fields[0], NULL, 10);
        copy_text(r->tx_id, sizeof r->tx_id, fields[2]);
        copy_text(r->kind, sizeof r->kind, fields[3]);
        copy_text(r->payer, sizeof r->payer, fields[4]);
        copy_text(r->payee, sizeof r->payee, fields[5]);
        r->amount = amount_minor(fields[6]);
        r->fee = amount_minor(fields[7]);
        copy_text(r->fee_account, sizeof r->fee_account, fields[8]);
        copy_text(r->purpose, sizeof r->purpose, fields[9]);
        r->round = fields[10][0] != '\0' ? strtoull(fields[10], NULL, 10) : 0;
        copy_text(r->memo, sizeof r->memo, fields[11]);
        assert_int_equal(strlen(fields[1]), strlen("2023-11-14T22:13:20Z"));
    }
}

static void parse_json_row(json_t *o, report_row *r)
{
    memset(r, 0, sizeof *r);
    r->height = (uint64_t)mc_test_json_int(o, "height");
    copy_text(r->tx_id, sizeof r->tx_id, mc_test_json_string(o, "tx_id"));
    copy_text(r->kind, sizeof r->kind, mc_test_json_string(o, "kind"));
    copy_text(r->payer, sizeof r->payer, mc_test_json_string(o, "payer"));
    copy_text(r->payee, sizeof r->payee, mc_test_json_string(o, "payee"));
    r->amount = mc_test_json_int(o, "amount_minor");
    assert_int_equal(amount_minor(mc_test_json_string(o, "amount")), r->amount);
    r->fee = mc_test_json_int(o, "fee_minor");
    assert_int_equal(amount_minor(mc_test_json_string(o, "fee")), r->fee);
    jstr_or_null(o, "fee_account", r->fee_account, sizeof r->fee_account);
    jstr_or_null(o, "purpose", r->purpose, sizeof r->purpose);
    json_t *round = json_object_get(o, "round");
    assert_true(json_is_null(round) || json_is_integer(round));
    r->round = json_is_integer(round) ? (uint64_t)json_integer_value(round) : 0;
    copy_text(r->memo, sizeof r->memo, mc_test_json_string(o, "memo"));
    mc_test_json_string(o, "time");
    assert_int_equal(json_object_size(o), 14);
}

static void parse_json(fixture *f, const char *text)
{
    json_error_t err;
    json_t *list = json_loads(text, 0, &err);
    if (!json_is_array(list)) {
        fprintf(stderr, "the JSON report is not an array (%s):\n%s\n", err.text, text);
        fail();
    }
    assert_true(json_array_size(list) <= ROWS_MAX);
    f->n_rows = json_array_size(list);
    for (size_t i = 0; i < f->n_rows; i++) {
        parse_json_row(json_array_get(list, i), &f->rows[i]);
    }
    json_decref(list);
}

/* The one row of `kind` class (payout or not) with this tx_id and payee. */
static const report_row *find_row(const fixture *f, const char *tx_id, bool payout,
                                  const char *payee, const char *format)
{
    const report_row *found = NULL;
    size_t n = 0;
    for (size_t i = 0; i < f->n_rows; i++) {
        const report_row *r = &f->rows[i];
        if (strcmp(r->tx_id, tx_id) == 0 && (strcmp(r->kind, "round_payout") == 0) == payout &&
            strcmp(r->payee, payee) == 0) {
            found = r;
            n++;
        }
    }
    if (n != 1) {
        fprintf(stderr, "%s report: %zu rows of tx %s to %s, not 1\n", format, n, tx_id, payee);
        fail();
    }
    return found;
}

static void check_transfer_rows(const fixture *f, const char *format)
{
    for (size_t i = 0; i < f->n_transfers; i++) {
        const made_transfer *t = &f->transfers[i];
        const report_row *r = find_row(f, t->tx_id, false, t->payee, format);
        assert_string_equal(r->kind, t->kind);
        assert_string_equal(r->payer, t->payer);
        assert_int_equal(r->amount, t->amount);
        assert_int_equal(r->fee, t->fee);
        assert_string_equal(r->fee_account, t->fee > 0 ? "fees" : "");
        assert_string_equal(r->purpose, t->purpose);
        assert_string_equal(r->memo, t->memo);
        assert_int_equal(r->round, 0);
    }
}

/* Every payout that is not 0, from garden, with its round; none of 0. */
static void check_payout_rows(const fixture *f, const char *format)
{
    size_t paid = 0;
    for (size_t i = 0; i < f->n_payouts; i++) {
        const made_payout *p = &f->payouts[i];
        if (p->amount == 0) {
            for (size_t k = 0; k < f->n_rows; k++) {
                const report_row *r = &f->rows[k];
                assert_false(strcmp(r->tx_id, p->tx_id) == 0 && strcmp(r->payee, p->payee) == 0);
            }
            continue;
        }
        const report_row *r = find_row(f, p->tx_id, true, p->payee, format);
        assert_string_equal(r->payer, "garden");
        assert_int_equal(r->amount, p->amount);
        assert_int_equal(r->round, p->round);
        assert_int_equal(r->fee, 0);
        assert_string_equal(r->fee_account, "");
        assert_string_equal(r->purpose, "");
        assert_string_equal(r->memo, "");
        paid++;
    }
    assert_int_equal(paid, 3); /* alice and bob in round 1, carol in round 2 */
}

/* The rows of a report, checked against what was made, and summed per
 * account (the payer pays the amount and the fee, the payee gets the
 * amount, the fee account the fee): the node's balances. */
static void check_rows(const fixture *f, const char *format)
{
    int64_t sums[ACCOUNTS_MAX] = {0};
    size_t payouts = 0;
    for (size_t i = 0; i < f->n_rows; i++) {
        const report_row *r = &f->rows[i];
        assert_true(i == 0 || r->height >= f->rows[i - 1].height); /* log order */
        payouts += strcmp(r->kind, "round_payout") == 0;
        sums[balance_index(f, r->payer)] -= r->amount + r->fee;
        sums[balance_index(f, r->payee)] += r->amount;
        if (r->fee > 0) {
            sums[balance_index(f, r->fee_account)] += r->fee;
        }
    }
    assert_int_equal(f->n_rows - payouts, f->n_transfers);
    check_transfer_rows(f, format);
    check_payout_rows(f, format);
    for (size_t i = 0; i < f->n_balances; i++) {
        if (sums[i] != f->balances[i].minor) {
            fprintf(stderr, "%s report: %s sums to %lld, the node says %lld\n", format,
                    f->balances[i].handle, (long long)sums[i], (long long)f->balances[i].minor);
            fail();
        }
    }
}

/* ---- hledger ---------------------------------------------------------------------- */

/* The hledger on PATH; the test fails without it (scripts/setup.sh
 * installs Debian's). */
static void find_hledger(char *out, size_t len)
{
    const char *path = getenv("PATH");
    for (const char *p = path != NULL ? path : ""; *p != '\0';) {
        size_t n = strcspn(p, ":");
        snprintf(out, len, "%.*s/hledger", (int)n, p);
        if (n > 0 && access(out, X_OK) == 0) {
            return;
        }
        p += n + (p[n] == ':');
    }
    fprintf(stderr,
            "hledger is not on PATH (%s): this test reconciles the journal with the "
            "real hledger; install it with scripts/setup.sh (Debian's hledger)\n",
            path != NULL ? path : "unset");
    fail();
}

/* `hledger -f JOURNAL bal` in a UTF-8 locale (hledger refuses UTF-8 text
 * in any other); its output in f->wallet.out. */
static void hledger_bal(fixture *f, const char *journal)
{
    char hledger[MC_TEST_WALLET_PATH_MAX];
    find_hledger(hledger, sizeof hledger);
    const char *argv[] = {hledger, "-f", journal, "bal", NULL};
    const char *env[] = {"LANG=C.UTF-8", "LC_ALL=C.UTF-8", NULL};
    mc_test_wallet_exec(&f->wallet, argv, env);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
}

/* Each line of `hledger bal`: "AMOUNT SYMBOL  PREFIX:HANDLE", then a rule
 * and the total; every account the node lists at its balance (an account
 * at 0 is left out), nothing else, and a total of 0. */
static void check_hledger_bal(fixture *f, const char *symbol)
{
    bool seen[ACCOUNTS_MAX] = {false}, total = false, rule = false;
    char *save = NULL;
    for (char *line = strtok_r(f->wallet.out, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char amount[64], unit[16], account[64];
        int n = sscanf(line, " %63s %15s %63s", amount, unit, account);
        if (n == 1 && strspn(amount, "-") == strlen(amount)) {
            rule = true;
        } else if (n == 1 && rule && !total) {
            assert_string_equal(amount, "0");
            total = true;
        } else {
            assert_int_equal(n, 3);
            assert_false(rule);
            assert_string_equal(unit, symbol);
            char *colon = strchr(account, ':');
            assert_non_null(colon);
            *colon = '\0';
            size_t i = balance_index(f, colon + 1);
            assert_string_equal(account, f->balances[i].prefix);
            assert_false(seen[i]);
            seen[i] = true;
            if (amount_minor(amount) != f->balances[i].minor) {
                fprintf(stderr, "hledger bal: %s:%s at %s, the node says %lld minor units\n",
                        account, colon + 1, amount, (long long)f->balances[i].minor);
                fail();
            }
        }
    }
    assert_true(rule && total);
    for (size_t i = 0; i < f->n_balances; i++) {
        if (!seen[i] && f->balances[i].minor != 0) {
            fprintf(stderr, "hledger bal leaves out %s (%lld)\n", f->balances[i].handle,
                    (long long)f->balances[i].minor);
            fail();
        }
    }
}

/* The journal of `file`: written to ROOT/NAME, read back by hledger. */
static void check_journal(fixture *f, const char *file, const char *name)
{
    char journal[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, name, journal, sizeof journal);
    audit(f, "report", file, "--format", "hledger", NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
    mc_test_write_text(journal, f->wallet.out);
    hledger_bal(f, journal);
    check_hledger_bal(f, "g");
}

/* The CSV and JSON reports of `file`; the CSV text into `csv` (malloc'd). */
static void check_reports(fixture *f, const char *file, char **csv)
{
    audit(f, "report", file, "--format", "csv", NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
    *csv = strdup(f->wallet.out);
    assert_non_null(*csv);
    parse_csv(f, f->wallet.out);
    check_rows(f, "CSV");
    audit(f, "report", file, "--format", "json", NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
    parse_json(f, f->wallet.out);
    check_rows(f, "JSON");
}

/* ---- what a report refuses ----------------------------------------------------------- */

/* Changes a verified log can never hold, each made to one entry of an
 * export (signatures are not redone: the report checks none, and
 * `mcaudit verify` refuses each file too). */
typedef enum mutation {
    DROP_ROUND,        /* the first Distribution loses its round */
    RENUMBER_ROUND,    /* its round is numbered 5 */
    OVERPAY,           /* its first payout is 1 more than the round paid */
    ROUND_ON_TRANSFER, /* the first transfer carries a round */
    REFUSED_RESULT,    /* the first transfer records a refusal */
    FEE_TO_MEMBER,     /* the first SetFee names the first account opened, a member */
} mutation;

typedef struct mutator {
    mutation m;
    bool done;
    bool has_member;
    uint8_t member[MC_PUBLIC_KEY_BYTES];
    Mc__RoundRecord fake; /* the round put on a transfer */
} mutator;

/* The first SetFee's body, sent to the member's key instead. */
static void redirect_fee(mutator *mu, Mc__LogEntry *e, Mc__TxBody *body)
{
    ProtobufCBinaryData *account = &body->set_fee->fee_account;
    assert_true(mu->has_member && account->len == MC_PUBLIC_KEY_BYTES);
    memcpy(account->data, mu->member, MC_PUBLIC_KEY_BYTES);
    size_t len = mc__tx_body__get_packed_size(body);
    assert_true(len <= e->tx->body.len); /* same fields, same sizes */
    e->tx->body.len = mc__tx_body__pack(body, e->tx->body.data);
}

/* Change `e` when it is the entry `mu` looks for; true when it was. */
static bool mutate_entry(mutator *mu, Mc__LogEntry *e)
{
    Mc__TxBody *body = mc__tx_body__unpack(NULL, e->tx->body.len, e->tx->body.data);
    assert_non_null(body);
    bool changed = false;
    if (body->kind_case == MC__TX_BODY__KIND_OPEN_ACCOUNT && !mu->has_member) {
        memcpy(mu->member, body->open_account->public_key.data, MC_PUBLIC_KEY_BYTES);
        mu->has_member = true;
    } else if (body->kind_case == MC__TX_BODY__KIND_DISTRIBUTION && mu->m <= OVERPAY) {
        if (mu->m == DROP_ROUND) {
            mc__round_record__free_unpacked(e->round, NULL);
            e->round = NULL;
        } else if (mu->m == RENUMBER_ROUND) {
            e->round->round = 5;
        } else {
            e->round->payouts[0]->paid++;
        }
        changed = true;
    } else if (body->kind_case == MC__TX_BODY__KIND_TRANSFER &&
               (mu->m == ROUND_ON_TRANSFER || mu->m == REFUSED_RESULT)) {
        mc__round_record__init(&mu->fake);
        mu->fake.round = 1;
        mu->fake.height = e->height;
        e->round = mu->m == ROUND_ON_TRANSFER ? &mu->fake : NULL;
        e->result = mu->m == REFUSED_RESULT ? (uint32_t)MC_ERR_EXCEEDS_CREDIT_LIMIT : 0;
        changed = true;
    } else if (body->kind_case == MC__TX_BODY__KIND_SET_FEE && mu->m == FEE_TO_MEMBER) {
        redirect_fee(mu, e, body);
        changed = true;
    }
    mc__tx_body__free_unpacked(body, NULL);
    return changed;
}

/* Write `data` (an entry) to `out`, changed when it is the one. */
static void copy_entry(mutator *mu, FILE *out, const uint8_t *data, size_t len)
{
    Mc__LogEntry *e = mc__log_entry__unpack(NULL, len, data);
    assert_non_null(e);
    assert_non_null(e->tx);
    if (mu->done || !mutate_entry(mu, e)) {
        assert_int_equal(mc_export_write(out, MC_EXPORT_ENTRY, data, len), MC_ERR_OK);
        mc__log_entry__free_unpacked(e, NULL);
        return;
    }
    mu->done = true;
    size_t size = mc__log_entry__get_packed_size(e);
    uint8_t *bytes = malloc(size);
    assert_non_null(bytes);
    mc__log_entry__pack(e, bytes);
    assert_int_equal(mc_export_write(out, MC_EXPORT_ENTRY, bytes, size), MC_ERR_OK);
    free(bytes);
    if (e->round == &mu->fake) {
        e->round = NULL; /* not the unpacker's to free */
    }
    mc__log_entry__free_unpacked(e, NULL);
}

/* `from` copied record by record into `to`, with the mutation made. */
static void mutate_export(const char *from, const char *to, mutation m)
{
    mutator mu = {.m = m};
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_true(in != NULL && out != NULL);
    mc_export_reader *reader = NULL;
    assert_int_equal(mc_export_reader_open(in, &reader), MC_ERR_OK);
    assert_int_equal(mc_export_begin(out), MC_ERR_OK);
    mc_export_kind kind;
    const uint8_t *data = NULL;
    size_t len = 0;
    int rc;
    while ((rc = mc_export_next(reader, &kind, &data, &len)) == MC_ERR_OK) {
        if (kind == MC_EXPORT_ENTRY) {
            copy_entry(&mu, out, data, len);
        } else {
            assert_int_equal(mc_export_write(out, kind, data, len), MC_ERR_OK);
        }
    }
    assert_int_equal(rc, MC_ERR_NOT_FOUND);
    assert_true(mu.done);
    mc_export_reader_close(reader);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Each mutation of `file`: the report stops with exit 1 and says why, in
 * every format; verify refuses it too. */
static void check_refusals(fixture *f, const char *file)
{
    static const struct {
        mutation m;
        const char *why;
    } cases[] = {
        {DROP_ROUND, "is a distribution without a round"},
        {RENUMBER_ROUND, "a distribution whose commons or round a ledger never records"},
        {OVERPAY, "the payouts of round 1 do not add up to what it paid"},
        {ROUND_ON_TRANSFER, "is a transfer with a round"},
        {REFUSED_RESULT, "records a refused transaction (EXCEEDS_CREDIT_LIMIT)"},
        {FEE_TO_MEMBER, "a fee of 100 basis points to an account a ledger never accepts"},
    };
    static const char *const formats[] = {"csv", "json", "hledger"};
    char bad[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "mutated.audit", bad, sizeof bad);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mutate_export(file, bad, cases[i].m);
        for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++) {
            audit(f, "report", bad, "--format", formats[k], NULL);
            mc_test_wallet_expect(&f->wallet, 1, cases[i].why);
            mc_test_wallet_expect(&f->wallet, 1,
                                  "The report stops here; run `mcaudit verify` on the export.");
        }
        audit(f, "verify", bad, NULL);
        mc_test_wallet_expect(&f->wallet, 1, "FAILED");
    }
}

/* ---- the tests -------------------------------------------------------------------- */

static int setup_with(void **state, bool fee)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    mc_test_wallet_init(&f->wallet, OUT_MAX, RUN_TIMEOUT_MS);
    char fees[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, "fees", fees);
    const char *with_fee[] = {
        "--community", "Vallée du test", "--unit", "grain", "--symbol", "g", "--fee-bps",
        "250",         "--fee-account",  fees,     NULL};
    const char *without[] = {"--symbol", "g", NULL};
    mc_test_wallet_community(&f->wallet, &f->node, "open", fee ? with_fee : without,
                             f->steward_key);
    return 0;
}

static int setup(void **state)
{
    return setup_with(state, true);
}

static int setup_plain(void **state)
{
    return setup_with(state, false);
}

static int teardown(void **state)
{
    fixture *f = *state;
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

static void test_community(void **state)
{
    fixture *f = *state;
    char by_wallet[MC_TEST_WALLET_PATH_MAX], by_node[MC_TEST_WALLET_PATH_MAX];
    open_community(f);
    pay_with_fees(f);
    run_rounds(f);
    read_balances(f);
    assert_int_equal(balance_of(f, "fees"), FEES_BALANCE);
    assert_int_equal(balance_of(f, "garden"), 30700 - 2 * ROUND1_CAP - 1010 - ROUND2_PAID);
    assert_int_equal(balance_of(f, "kim"), 0);

    mc_test_wallet_path(&f->wallet, "by-wallet.audit", by_wallet, sizeof by_wallet);
    mc_test_wallet_path(&f->wallet, "by-node.audit", by_node, sizeof by_node);
    export_both(f, by_wallet, by_node);
    check_verify_words(f, by_wallet);
    check_verify_json(f, by_node);

    char *csv_wallet = NULL, *csv_node = NULL;
    check_reports(f, by_wallet, &csv_wallet);
    check_reports(f, by_node, &csv_node);
    assert_string_equal(csv_wallet, csv_node); /* one history, however exported */
    free(csv_wallet);
    free(csv_node);
    check_journal(f, by_wallet, "by-wallet.journal");
    check_journal(f, by_node, "by-node.journal");
    check_refusals(f, by_node);
}

static void test_empty(void **state)
{
    fixture *f = *state;
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "empty.audit", file, sizeof file);
    read_balances(f);
    assert_int_equal(f->n_balances, 0);
    export_both(f, NULL, file);
    audit(f, "verify", file, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "volume      0.00 g in 0 transfers");
    audit(f, "report", file, "--format", "csv", NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
    assert_string_equal(f->wallet.out, "height,time,tx_id,kind,payer,payee,amount,fee,fee_account,"
                                       "purpose,round,memo\r\n");
    audit(f, "report", file, "--format", "json", NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
    parse_json(f, f->wallet.out);
    assert_int_equal(f->n_rows, 0);
    check_journal(f, file, "empty.journal");
}

int main(void)
{
    /* Hermetic: the node and the passphrase only from the tests. */
    unsetenv("MC_NODE");
    unsetenv("MC_PASSPHRASE");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_community, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup_plain, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
