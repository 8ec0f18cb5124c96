/* The node end to end through libmcclient: init prints the ledger id and
 * refuses to overwrite; info matches the genesis; accounts are opened,
 * payments applied, refused with their words and context, resubmissions
 * answered as duplicates; history, accounts and transactions are served;
 * SIGTERM stops it with exit 0; a restart finds everything; `mcnode check`
 * is clean; the command line answers --help, --version and bad usage with
 * the documented exit codes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "node_harness.h"

static int setup(void **state)
{
    mc_test_node *n = calloc(1, sizeof *n);
    mc_test_node_init(n, NULL);
    mc_test_node_start(n, NULL);
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    mc_test_node_destroy(*state);
    free(*state);
    return 0;
}

static void authenticate(mc_client *c, const mc_keypair *kp)
{
    int rc = mc_client_authenticate(c, kp, NULL);
    if (rc != MC_ERR_OK) {
        print_error("authenticate: %s: %s\n", mc_err_name(rc), mc_client_error_message(c));
        fail();
    }
}

static mc_result pay(mc_test_node *n, mc_client *c, const mc_keypair *payer,
                     const mc_keypair *payee, int64_t amount, const char *memo)
{
    size_t len = 0;
    uint8_t *tx = mc_test_transfer(n, payer, mc_keypair_public(payee), amount, memo, &len);
    mc_result r;
    assert_int_equal(mc_client_submit(c, tx, len, &r), MC_ERR_OK);
    free(tx);
    return r;
}

static int64_t balance(mc_client *c, const mc_keypair *kp)
{
    mc_client_account a;
    assert_int_equal(mc_client_get_account(c, mc_keypair_public(kp), &a), MC_ERR_OK);
    assert_false(a.restricted);
    return a.account.balance;
}

static void test_info(void **state)
{
    mc_test_node *n = *state;
    mc_client *c = mc_test_node_client(n);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    assert_memory_equal(info.ledger.ledger_id, n->ledger_id, MC_LEDGER_ID_BYTES);
    assert_string_equal(info.ledger.unit_name, "grain");
    assert_string_equal(info.ledger.unit_symbol, "g");
    assert_int_equal(info.ledger.decimals, 2);
    assert_int_equal(info.ledger.height, 0);
    assert_int_equal(info.ledger.steward_count, 1);
    assert_memory_equal(info.ledger.stewards[0], mc_keypair_public(n->stewards[0]),
                        MC_PUBLIC_KEY_BYTES);
    assert_int_equal(info.ledger.default_limits[MC_KIND_MEMBER - 1].min_balance, -30000);
    assert_int_equal(info.protocol_version, 1);
    assert_true(info.max_frame_bytes >= 65536);
    assert_true(info.page_size >= 1);
    uint8_t *genesis = NULL, id[MC_HASH_BYTES];
    size_t len = 0;
    assert_int_equal(mc_client_genesis(c, &genesis, &len), MC_ERR_OK);
    mc_sha256(genesis, len, id);
    assert_memory_equal(id, n->ledger_id, MC_HASH_BYTES);
    free(genesis);
    mc_client_close(c);
}

static void test_payments(void **state)
{
    mc_test_node *n = *state;
    mc_client *c = mc_test_node_client(n);
    mc_keypair *alice = mc_test_open_account(n, c, "alice", MC_KIND_MEMBER, NULL);
    mc_keypair *bob = mc_test_open_account(n, c, "bob", MC_KIND_MEMBER, NULL);
    authenticate(c, alice);

    mc_result r = pay(n, c, alice, bob, 2500, "bread");
    assert_int_equal(r.code, MC_ERR_OK);
    assert_false(r.duplicate);
    assert_int_equal(r.height, 3);
    assert_int_equal(balance(c, alice), -2500);
    assert_int_equal(balance(c, bob), 2500);

    /* Over the credit limit (-300.00): refused, with words and context. */
    r = pay(n, c, alice, bob, 28000, NULL);
    assert_int_equal(r.code, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    assert_true(r.has_account);
    assert_string_equal(r.handle, "alice");
    assert_int_equal(r.amount, 28000);
    assert_int_equal(r.balance, -2500);
    assert_int_equal(r.limit, -30000);
    assert_non_null(strstr(mc_client_error_message(c), "below the credit limit of -300.00 g"));
    assert_int_equal(balance(c, alice), -2500);

    /* The same signed bytes again: the original result, flagged. */
    size_t len = 0;
    uint8_t *tx = mc_test_transfer(n, bob, mc_keypair_public(alice), 100, "back", &len);
    mc_result first, again;
    assert_int_equal(mc_client_submit(c, tx, len, &first), MC_ERR_OK);
    assert_int_equal(mc_client_submit(c, tx, len, &again), MC_ERR_OK);
    assert_int_equal(first.code, MC_ERR_OK);
    assert_int_equal(again.code, MC_ERR_OK);
    assert_true(again.duplicate);
    assert_int_equal(again.height, first.height);
    assert_memory_equal(again.tx_id, first.tx_id, MC_TX_ID_BYTES);
    assert_int_equal(balance(c, alice), -2400);
    free(tx);

    /* The transaction by id, with its entry (alice is a party). */
    mc_client_tx t;
    assert_int_equal(mc_client_get_tx(c, first.tx_id, &t), MC_ERR_OK);
    assert_int_equal(t.height, first.height);
    assert_int_equal(t.result, MC_ERR_OK);
    assert_non_null(t.entry);
    mc_entry e;
    assert_int_equal(mc_entry_decode(t.entry, t.entry_len, &e), MC_ERR_OK);
    assert_memory_equal(mc_tx_id_of(e.tx), first.tx_id, MC_TX_ID_BYTES);
    mc_entry_clear(&e);
    free(t.entry);
    uint8_t unknown[MC_TX_ID_BYTES] = {1, 2, 3};
    assert_int_equal(mc_client_get_tx(c, unknown, &t), MC_ERR_NOT_FOUND);

    /* History, newest first, with the counterparty and memo. */
    mc_client_history_item items[8];
    size_t count = 0;
    bool more = true;
    assert_int_equal(mc_client_history(c, mc_keypair_public(alice), 0, items, 8, &count, &more),
                     MC_ERR_OK);
    assert_int_equal(count, 3); /* opening, paying bob, bob paying back */
    assert_false(more);
    assert_int_equal(items[0].delta, 100);
    assert_int_equal(items[0].balance_after, -2400);
    assert_string_equal(items[0].counterparty_handle, "bob");
    assert_string_equal(items[0].memo, "back");
    assert_int_equal(items[1].delta, -2500);
    assert_string_equal(items[1].memo, "bread");
    assert_int_equal(items[2].kind, MC_TX_OPEN_ACCOUNT);
    /* Paged: one at a time. */
    assert_int_equal(mc_client_history(c, mc_keypair_public(alice), 0, items, 1, &count, &more),
                     MC_ERR_OK);
    assert_int_equal(count, 1);
    assert_true(more);
    assert_int_equal(
        mc_client_history(c, mc_keypair_public(alice), items[0].height, items, 1, &count, &more),
        MC_ERR_OK);
    assert_int_equal(items[0].delta, -2500);

    /* Handles resolve; unknown ones are NOT_FOUND. */
    mc_client_account a;
    assert_int_equal(mc_client_find_handle(c, "bob", &a), MC_ERR_OK);
    assert_memory_equal(a.account.public_key, mc_keypair_public(bob), MC_PUBLIC_KEY_BYTES);
    assert_int_equal(mc_client_find_handle(c, "nobody", &a), MC_ERR_NOT_FOUND);

    mc_keypair_free(alice);
    mc_keypair_free(bob);
    mc_client_close(c);
}

static void test_list_accounts_paged(void **state)
{
    mc_test_node *n = *state;
    mc_client *c = mc_test_node_client(n);
    char handle[16];
    mc_keypair *first = NULL;
    for (int i = 0; i < 25; i++) {
        snprintf(handle, sizeof handle, "member%02d", i);
        mc_keypair *kp = mc_test_open_account(n, c, handle, MC_KIND_MEMBER, NULL);
        if (first == NULL) {
            first = kp;
        } else {
            mc_keypair_free(kp);
        }
    }
    authenticate(c, first);
    mc_client_account page[10];
    size_t count = 0, total = 0;
    bool more = true;
    uint8_t after[MC_PUBLIC_KEY_BYTES];
    const uint8_t *cursor = NULL;
    while (more) {
        assert_int_equal(mc_client_list_accounts(c, cursor, page, 10, &count, &more), MC_ERR_OK);
        for (size_t i = 0; i < count; i++) {
            if (cursor != NULL) {
                assert_true(memcmp(page[i].account.public_key, after, MC_PUBLIC_KEY_BYTES) > 0);
            }
            memcpy(after, page[i].account.public_key, MC_PUBLIC_KEY_BYTES);
            cursor = after;
        }
        total += count;
        assert_true(total <= 25);
    }
    assert_int_equal(total, 25);
    mc_keypair_free(first);
    mc_client_close(c);
}

static void test_anonymous_limits(void **state)
{
    mc_test_node *n = *state;
    mc_client *c = mc_test_node_client(n);
    mc_keypair *alice = mc_test_open_account(n, c, "alice", MC_KIND_MEMBER, NULL);
    mc_client_account a;
    assert_int_equal(mc_client_get_account(c, mc_keypair_public(alice), &a), MC_ERR_AUTH_REQUIRED);
    /* A key that holds nothing cannot authenticate. */
    mc_keypair *stranger = NULL;
    assert_int_equal(mc_keypair_generate(&stranger), MC_ERR_OK);
    assert_int_equal(mc_client_authenticate(c, stranger, NULL), MC_ERR_AUTH_FAILED);
    mc_client_identity id;
    assert_int_equal(mc_client_authenticate(c, n->stewards[0], &id), MC_ERR_OK);
    assert_true(id.steward);
    assert_false(id.has_account);
    assert_int_equal(mc_client_get_account(c, mc_keypair_public(alice), &a), MC_ERR_OK);
    mc_keypair_free(stranger);
    mc_keypair_free(alice);
    mc_client_close(c);
}

static int run_node(mc_test_node *n, const char *const *args, char *out, size_t len)
{
    const char *argv[16];
    size_t a = 0;
    argv[a++] = mc_test_bin("MC_NODE_BIN");
    for (size_t i = 0; args[i] != NULL && a < 15; i++) {
        argv[a++] = args[i];
    }
    argv[a] = NULL;
    (void)n;
    return mc_test_run(argv, NULL, out, len, 30000);
}

static void test_stop_restart_check(void **state)
{
    mc_test_node *n = *state;
    mc_client *c = mc_test_node_client(n);
    mc_keypair *alice = mc_test_open_account(n, c, "alice", MC_KIND_MEMBER, NULL);
    mc_keypair *bob = mc_test_open_account(n, c, "bob", MC_KIND_BUSINESS, NULL);
    assert_int_equal(pay(n, c, alice, bob, 1234, NULL).code, MC_ERR_OK);
    mc_client_close(c);

    assert_int_equal(mc_test_node_stop(n, SIGTERM, MC_TEST_STOP_TIMEOUT_MS), 0);
    char out[4096];
    const char *check[] = {"check", "--data", n->data_dir, NULL};
    assert_int_equal(run_node(n, check, out, sizeof out), 0);
    assert_non_null(strstr(out, "height 3, 2 accounts"));
    const char *again[] = {"init", "--data", n->data_dir, "--steward", "00", NULL};
    assert_int_equal(run_node(n, again, out, sizeof out), 2); /* bad key: usage */

    mc_test_node_start(n, NULL);
    c = mc_test_node_client(n);
    authenticate(c, alice);
    assert_int_equal(balance(c, alice), -1234);
    assert_int_equal(balance(c, bob), 1234);
    mc_keypair_free(alice);
    mc_keypair_free(bob);
    mc_client_close(c);
}

static void test_command_line(void **state)
{
    mc_test_node *n = *state;
    char out[8192], key[2 * MC_PUBLIC_KEY_BYTES + 1];
    mc_hex_encode(mc_keypair_public(n->stewards[0]), MC_PUBLIC_KEY_BYTES, key);
    const char *version[] = {"--version", NULL};
    assert_int_equal(run_node(n, version, out, sizeof out), 0);
    assert_non_null(strstr(out, "mcnode "));
    const char *help[] = {"help", NULL};
    assert_int_equal(run_node(n, help, out, sizeof out), 0);
    const char *run_help[] = {"run", "--help", NULL};
    assert_int_equal(run_node(n, run_help, out, sizeof out), 0);
    assert_non_null(strstr(out, "--max-frame-bytes"));
    assert_non_null(strstr(out, "--max-in-flight"));
    assert_non_null(strstr(out, "--max-queue"));
    assert_non_null(strstr(out, "--idle-timeout-ms"));
    assert_non_null(strstr(out, "--frame-timeout-ms"));
    assert_non_null(strstr(out, "--max-connections"));
    const char *bogus[] = {"frobnicate", NULL};
    assert_int_equal(run_node(n, bogus, out, sizeof out), 2);
    const char *bad_limit[] = {"run", "--data", n->data_dir, "--max-queue", "zero", NULL};
    assert_int_equal(run_node(n, bad_limit, out, sizeof out), 2);
    /* init refuses to overwrite the running ledger's directory. */
    const char *overwrite[] = {"init", "--data", n->data_dir, "--steward", key, NULL};
    assert_int_equal(run_node(n, overwrite, out, sizeof out), 1);
    assert_non_null(strstr(out, "already exists"));
    /* check on a directory with no ledger fails. */
    char empty[700];
    snprintf(empty, sizeof empty, "%s/empty", n->root);
    const char *check[] = {"check", "--data", empty, NULL};
    assert_int_equal(run_node(n, check, out, sizeof out), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_payments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_accounts_paged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_restart_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
