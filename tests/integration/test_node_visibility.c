/* mcnode's visibility rules (DESIGN.md, "The wire protocol") through
 * libmcclient, on a ledger with members alice and bob and a business, shop;
 * alice paid bob, bob paid shop.
 *
 *  - private, as alice: her own account in full; bob's and shop's only as a
 *    directory entry (restricted, balance and limits 0); their history
 *    FORBIDDEN; list_accounts shows everyone, restricted but her; get_tx
 *    shows her transfer's entry and hides bob's payment to shop (the height
 *    still answered). Authenticating again as bob on the same connection
 *    turns the view around. A payment alice makes that a payee's ceiling
 *    refuses must not tell her that payee's balance.
 *  - private, as a steward: everything.
 *  - private and open, anonymous: account queries AUTH_REQUIRED; info,
 *    get_tx (height only) and submit work.
 *  - open, as alice: every balance and every history.
 *  - authentication: a key with no account that is no steward is refused
 *    (AUTH_FAILED) and the connection stays anonymous; a failed
 *    re-authentication does not keep the previous identity; on the raw wire,
 *    an authentication without a challenge, or with a challenge already
 *    used, is AUTH_FAILED. (A wrong signature: the client's tests.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mc/error.h"
#include "mc/frame.h"
#include "node_harness.h"
#include "wire.pb-c.h"

#define VIS_ALICE_PAYS_BOB 1000
#define VIS_BOB_PAYS_SHOP 400
#define VIS_ANONYMOUS_PAYMENT 5
#define VIS_ACCOUNTS 3u
#define VIS_LOW_CEILING_MIN (-30000)
#define VIS_LOW_CEILING 1000
#define VIS_TINY_BALANCE 123
#define VIS_OVER_TINY_CEILING 950   /* 123 + 950 > 1000 */
#define VIS_TINY_AFTER_TEXT "10.73" /* what the payment would take tiny to */
#define VIS_PAGE 10u
#define VIS_RAW_TIMEOUT_MS 5000
#define VIS_RAW_FRAME_MAX (1u << 20)

typedef struct vis_world {
    mc_test_node node;
    mc_keypair *alice, *bob, *shop;
    mc_result alice_bob; /* alice pays bob */
    mc_result bob_shop;  /* bob pays shop */
} vis_world;

/* ---- setup ---------------------------------------------------------------- */

static mc_result pay(vis_world *w, mc_client *c, const mc_keypair *payer, const mc_keypair *payee,
                     int64_t amount)
{
    size_t len = 0;
    uint8_t *tx = mc_test_transfer(&w->node, payer, mc_keypair_public(payee), amount, NULL, &len);
    mc_result r;
    int rc = mc_client_submit(c, tx, len, &r);
    free(tx);
    if (rc != MC_ERR_OK || r.code != MC_ERR_OK) {
        fail_msg("pay %lld: %s / %s: %s", (long long)amount, mc_err_name(rc), mc_err_name(r.code),
                 mc_client_error_message(c));
    }
    return r;
}

static int setup_with(void **state, const char *visibility)
{
    vis_world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mc_test_node_options o = {.visibility = visibility};
    mc_test_node_init(&w->node, &o);
    mc_test_node_start(&w->node, NULL);
    mc_client *c = mc_test_node_client(&w->node);
    w->alice = mc_test_open_account(&w->node, c, "alice", MC_KIND_MEMBER, NULL);
    w->bob = mc_test_open_account(&w->node, c, "bob", MC_KIND_MEMBER, NULL);
    w->shop = mc_test_open_account(&w->node, c, "shop", MC_KIND_BUSINESS, NULL);
    w->alice_bob = pay(w, c, w->alice, w->bob, VIS_ALICE_PAYS_BOB);
    w->bob_shop = pay(w, c, w->bob, w->shop, VIS_BOB_PAYS_SHOP);
    mc_client_close(c);
    *state = w;
    return 0;
}

static int setup_private(void **state)
{
    return setup_with(state, "private");
}

static int setup_open(void **state)
{
    return setup_with(state, "open");
}

static int teardown(void **state)
{
    vis_world *w = *state;
    mc_test_node_destroy(&w->node);
    mc_keypair_free(w->alice);
    mc_keypair_free(w->bob);
    mc_keypair_free(w->shop);
    free(w);
    return 0;
}

/* ---- what a connection sees --------------------------------------------- */

static void authenticate(mc_client *c, const mc_keypair *kp, mc_client_identity *id)
{
    int rc = mc_client_authenticate(c, kp, id);
    if (rc != MC_ERR_OK) {
        fail_msg("authenticate: %s: %s", mc_err_name(rc), mc_client_error_message(c));
    }
}

/* `kp`'s account in full (balance, limits) or as a directory entry only. */
static void expect_account(mc_client *c, const mc_keypair *kp, bool restricted, int64_t balance)
{
    mc_client_account a;
    int rc = mc_client_get_account(c, mc_keypair_public(kp), &a);
    if (rc != MC_ERR_OK) {
        fail_msg("get_account: %s: %s", mc_err_name(rc), mc_client_error_message(c));
    }
    assert_int_equal(a.restricted, restricted);
    assert_true(a.account.handle[0] != '\0');
    assert_int_equal(a.account.status, MC_STATUS_ACTIVE);
    if (restricted) {
        assert_int_equal(a.account.balance, 0);
        assert_int_equal(a.account.limits.min_balance, 0);
        assert_int_equal(a.account.limits.max_balance, 0);
        assert_int_equal(a.last_activity_height, 0);
    } else {
        assert_int_equal(a.account.balance, balance);
        assert_true(a.account.limits.min_balance < 0);
        assert_true(a.last_activity_height > 0);
    }
}

/* `kp`'s history: `items` of them, or refused with `code`. */
static void expect_history(mc_client *c, const mc_keypair *kp, int code, size_t items)
{
    mc_client_history_item page[VIS_PAGE];
    size_t n = 0;
    bool more = false;
    int rc = mc_client_history(c, mc_keypair_public(kp), 0, page, VIS_PAGE, &n, &more);
    if (rc != code) {
        fail_msg("history: %s, expected %s (%s)", mc_err_name(rc), mc_err_name(code),
                 mc_client_error_message(c));
    }
    if (code == MC_ERR_OK) {
        assert_int_equal(n, items);
        assert_false(more);
    }
}

/* A transaction by id: always its height and result; its entry only when
 * `visible`. */
static void expect_tx(mc_client *c, const uint8_t tx_id[MC_TX_ID_BYTES], uint64_t height,
                      bool visible)
{
    mc_client_tx t;
    int rc = mc_client_get_tx(c, tx_id, &t);
    if (rc != MC_ERR_OK) {
        fail_msg("get_tx: %s: %s", mc_err_name(rc), mc_client_error_message(c));
    }
    assert_int_equal(t.height, height);
    assert_int_equal(t.result, MC_ERR_OK);
    assert_int_equal(t.entry != NULL, visible);
    if (visible) {
        mc_entry e;
        assert_int_equal(mc_entry_decode(t.entry, t.entry_len, &e), MC_ERR_OK);
        assert_memory_equal(mc_tx_id_of(e.tx), tx_id, MC_TX_ID_BYTES);
        mc_entry_clear(&e);
    }
    free(t.entry);
}

/* The whole directory: every account listed, restricted unless it is
 * `self` (NULL: none is restricted). */
static void expect_list(mc_client *c, const mc_keypair *self, bool all_visible)
{
    mc_client_account page[VIS_PAGE];
    size_t n = 0;
    bool more = true;
    assert_int_equal(mc_client_list_accounts(c, NULL, page, VIS_PAGE, &n, &more), MC_ERR_OK);
    assert_int_equal(n, VIS_ACCOUNTS);
    assert_false(more);
    for (size_t i = 0; i < n; i++) {
        bool mine = self != NULL && memcmp(page[i].account.public_key, mc_keypair_public(self),
                                           MC_PUBLIC_KEY_BYTES) == 0;
        assert_int_equal(page[i].restricted, !(all_visible || mine));
        if (page[i].restricted) {
            assert_int_equal(page[i].account.balance, 0);
        }
    }
}

/* ---- private ledger ------------------------------------------------------ */

static void test_private_member(void **state)
{
    vis_world *w = *state;
    mc_client *c = mc_test_node_client(&w->node);
    mc_client_identity id;
    authenticate(c, w->alice, &id);
    assert_true(id.has_account);
    assert_string_equal(id.handle, "alice");
    assert_false(id.steward);

    expect_account(c, w->alice, false, -VIS_ALICE_PAYS_BOB);
    expect_account(c, w->bob, true, 0);
    expect_account(c, w->shop, true, 0);
    mc_client_account a;
    assert_int_equal(mc_client_find_handle(c, "bob", &a), MC_ERR_OK); /* enough to pay bob */
    assert_true(a.restricted);
    assert_memory_equal(a.account.public_key, mc_keypair_public(w->bob), MC_PUBLIC_KEY_BYTES);
    expect_history(c, w->alice, MC_ERR_OK, 2);
    expect_history(c, w->bob, MC_ERR_FORBIDDEN, 0);
    assert_non_null(strstr(mc_client_error_message(c), "private"));
    expect_history(c, w->shop, MC_ERR_FORBIDDEN, 0);
    expect_list(c, w->alice, false);
    expect_tx(c, w->alice_bob.tx_id, w->alice_bob.height, true);
    expect_tx(c, w->bob_shop.tx_id, w->bob_shop.height, false);

    /* The same connection, now as bob: the view turns around. */
    authenticate(c, w->bob, &id);
    assert_string_equal(id.handle, "bob");
    expect_account(c, w->bob, false, VIS_ALICE_PAYS_BOB - VIS_BOB_PAYS_SHOP);
    expect_account(c, w->alice, true, 0);
    expect_history(c, w->bob, MC_ERR_OK, 3);
    expect_history(c, w->alice, MC_ERR_FORBIDDEN, 0);
    expect_list(c, w->bob, false);
    expect_tx(c, w->bob_shop.tx_id, w->bob_shop.height, true);
    expect_tx(c, w->alice_bob.tx_id, w->alice_bob.height, true); /* bob is the payee */
    mc_client_close(c);
}

static void test_private_steward(void **state)
{
    vis_world *w = *state;
    mc_client *c = mc_test_node_client(&w->node);
    mc_client_identity id;
    authenticate(c, w->node.stewards[0], &id);
    assert_true(id.steward);
    assert_false(id.has_account);
    expect_account(c, w->alice, false, -VIS_ALICE_PAYS_BOB);
    expect_account(c, w->bob, false, VIS_ALICE_PAYS_BOB - VIS_BOB_PAYS_SHOP);
    expect_account(c, w->shop, false, VIS_BOB_PAYS_SHOP);
    expect_history(c, w->alice, MC_ERR_OK, 2);
    expect_history(c, w->bob, MC_ERR_OK, 3);
    expect_history(c, w->shop, MC_ERR_OK, 2);
    expect_list(c, NULL, true);
    expect_tx(c, w->alice_bob.tx_id, w->alice_bob.height, true);
    expect_tx(c, w->bob_shop.tx_id, w->bob_shop.height, true);
    mc_client_close(c);
}

/* An anonymous connection: no account query, but info, transactions by id
 * (height only) and submissions. */
static void expect_anonymous(vis_world *w, mc_visibility visibility)
{
    mc_client *c = mc_test_node_client(&w->node);
    mc_client_account a;
    mc_client_history_item items[VIS_PAGE];
    size_t n = 0;
    bool more = false;
    assert_int_equal(mc_client_get_account(c, mc_keypair_public(w->alice), &a),
                     MC_ERR_AUTH_REQUIRED);
    assert_int_equal(mc_client_find_handle(c, "bob", &a), MC_ERR_AUTH_REQUIRED);
    assert_int_equal(mc_client_list_accounts(c, NULL, &a, 1, &n, &more), MC_ERR_AUTH_REQUIRED);
    assert_int_equal(
        mc_client_history(c, mc_keypair_public(w->alice), 0, items, VIS_PAGE, &n, &more),
        MC_ERR_AUTH_REQUIRED);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    assert_int_equal(info.ledger.visibility, visibility);
    assert_int_equal(info.ledger.height, w->bob_shop.height);
    expect_tx(c, w->alice_bob.tx_id, w->alice_bob.height, false);
    mc_result r = pay(w, c, w->shop, w->alice, VIS_ANONYMOUS_PAYMENT);
    assert_false(r.duplicate);
    assert_int_equal(r.height, w->bob_shop.height + 1);
    authenticate(c, w->alice, NULL);
    expect_account(c, w->alice, false, VIS_ANONYMOUS_PAYMENT - VIS_ALICE_PAYS_BOB);
    mc_client_close(c);
}

static void test_private_anonymous(void **state)
{
    expect_anonymous(*state, MC_VISIBILITY_PRIVATE);
}

/* A refusal must not show the payer what a private ledger hides: the
 * balance of a payee the payer may not see (here through EXCEEDS_CEILING,
 * whose context and words carry the payee's balance). */
static void test_private_refusal_hides_payee_balance(void **state)
{
    vis_world *w = *state;
    mc_client *c = mc_test_node_client(&w->node);
    mc_limits low = {VIS_LOW_CEILING_MIN, VIS_LOW_CEILING};
    mc_keypair *tiny = mc_test_open_account(&w->node, c, "tiny", MC_KIND_MEMBER, &low);
    pay(w, c, w->bob, tiny, VIS_TINY_BALANCE);
    authenticate(c, w->alice, NULL);
    expect_account(c, tiny, true, 0);
    size_t len = 0;
    uint8_t *tx = mc_test_transfer(&w->node, w->alice, mc_keypair_public(tiny),
                                   VIS_OVER_TINY_CEILING, NULL, &len);
    mc_result r;
    int rc = mc_client_submit(c, tx, len, &r);
    char words[MC_CLIENT_ERROR_MAX];
    snprintf(words, sizeof words, "%s", mc_client_error_message(c));
    free(tx);
    mc_keypair_free(tiny);
    mc_client_close(c);
    assert_int_equal(rc, MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_EXCEEDS_CEILING);
    if (r.balance != 0 || strstr(words, VIS_TINY_AFTER_TEXT) != NULL) {
        fail_msg("a private ledger told alice tiny's balance: %lld in the result, words \"%s\"",
                 (long long)r.balance, words);
    }
}

/* ---- open ledger ---------------------------------------------------------- */

static void test_open_member(void **state)
{
    vis_world *w = *state;
    mc_client *c = mc_test_node_client(&w->node);
    authenticate(c, w->alice, NULL);
    expect_account(c, w->alice, false, -VIS_ALICE_PAYS_BOB);
    expect_account(c, w->bob, false, VIS_ALICE_PAYS_BOB - VIS_BOB_PAYS_SHOP);
    expect_account(c, w->shop, false, VIS_BOB_PAYS_SHOP);
    expect_history(c, w->bob, MC_ERR_OK, 3);
    expect_history(c, w->shop, MC_ERR_OK, 2);
    mc_client_history_item items[VIS_PAGE];
    size_t n = 0;
    bool more = false;
    assert_int_equal(mc_client_history(c, mc_keypair_public(w->bob), 0, items, VIS_PAGE, &n, &more),
                     MC_ERR_OK);
    assert_int_equal(items[0].delta, -VIS_BOB_PAYS_SHOP);
    assert_string_equal(items[0].counterparty_handle, "shop");
    expect_list(c, w->alice, true);
    expect_tx(c, w->bob_shop.tx_id, w->bob_shop.height, true);
    mc_client_close(c);
}

static void test_open_anonymous(void **state)
{
    expect_anonymous(*state, MC_VISIBILITY_OPEN);
}

/* ---- authentication ------------------------------------------------------ */

static void test_auth_failures(void **state)
{
    vis_world *w = *state;
    mc_keypair *stranger = NULL;
    assert_int_equal(mc_keypair_generate(&stranger), MC_ERR_OK);
    mc_client *c = mc_test_node_client(&w->node);
    mc_client_account a;

    /* No account, no steward: refused; the connection stays anonymous. */
    assert_int_equal(mc_client_authenticate(c, stranger, NULL), MC_ERR_AUTH_FAILED);
    assert_non_null(strstr(mc_client_error_message(c), "no account"));
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    assert_int_equal(mc_client_get_account(c, mc_keypair_public(w->alice), &a),
                     MC_ERR_AUTH_REQUIRED);

    /* A failed re-authentication keeps no identity (alice's included). */
    authenticate(c, w->alice, NULL);
    expect_account(c, w->alice, false, -VIS_ALICE_PAYS_BOB);
    assert_int_equal(mc_client_authenticate(c, stranger, NULL), MC_ERR_AUTH_FAILED);
    assert_int_equal(mc_client_get_account(c, mc_keypair_public(w->alice), &a),
                     MC_ERR_AUTH_REQUIRED);
    mc_client_close(c);
    mc_keypair_free(stranger);
}

/* ---- the raw wire: challenges --------------------------------------------- */

static bool recv_all(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n <= 0) {
            return false;
        }
        got += (size_t)n;
    }
    return true;
}

/* Send `req` with id `id` and return the answer (asserting its id). */
static Mc__Response *raw_call(int fd, Mc__Request *req, uint64_t id)
{
    uint8_t *frame = NULL, header[MC_FRAME_HEADER_BYTES];
    size_t len = 0;
    req->id = id;
    assert_int_equal(mc_frame_pack(&req->base, &frame, &len), 0);
    assert_int_equal(send(fd, frame, len, MSG_NOSIGNAL), (ssize_t)len);
    free(frame);
    assert_true(recv_all(fd, header, sizeof header));
    uint32_t body_len = mc_frame_get_length(header);
    assert_true(body_len <= VIS_RAW_FRAME_MAX);
    uint8_t *body = malloc(body_len + 1u);
    assert_non_null(body);
    assert_true(recv_all(fd, body, body_len));
    Mc__Response *resp = mc__response__unpack(NULL, body_len, body);
    free(body);
    assert_non_null(resp);
    assert_int_equal(resp->id, id);
    return resp;
}

static void raw_challenge(int fd, uint64_t id, uint8_t out[MC_CHALLENGE_BYTES])
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ChallengeRequest ask = MC__CHALLENGE_REQUEST__INIT;
    req.kind_case = MC__REQUEST__KIND_CHALLENGE;
    req.challenge = &ask;
    Mc__Response *resp = raw_call(fd, &req, id);
    assert_int_equal(resp->kind_case, MC__RESPONSE__KIND_CHALLENGE);
    assert_int_equal(resp->challenge->challenge.len, MC_CHALLENGE_BYTES);
    memcpy(out, resp->challenge->challenge.data, MC_CHALLENGE_BYTES);
    mc__response__free_unpacked(resp, NULL);
}

/* Authenticate as `kp` with a signature over `challenge`: the error code
 * of the answer (0 when accepted). */
static uint32_t raw_authenticate(int fd, uint64_t id, const vis_world *w, const mc_keypair *kp,
                                 const uint8_t challenge[MC_CHALLENGE_BYTES])
{
    uint8_t sig[MC_SIGNATURE_BYTES];
    mc_sign_auth(kp, w->node.ledger_id, challenge, sig);
    Mc__Request req = MC__REQUEST__INIT;
    Mc__AuthenticateRequest auth = MC__AUTHENTICATE_REQUEST__INIT;
    auth.public_key = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)mc_keypair_public(kp)};
    auth.signature = (ProtobufCBinaryData){MC_SIGNATURE_BYTES, sig};
    req.kind_case = MC__REQUEST__KIND_AUTHENTICATE;
    req.authenticate = &auth;
    Mc__Response *resp = raw_call(fd, &req, id);
    uint32_t code = resp->error != NULL ? resp->error->code : 0;
    if (code == 0) {
        assert_int_equal(resp->kind_case, MC__RESPONSE__KIND_AUTHENTICATE);
        assert_true(resp->authenticate->has_account);
    }
    mc__response__free_unpacked(resp, NULL);
    return code;
}

/* Bob's account as the raw connection sees it: restricted or not. */
static bool raw_bob_restricted(int fd, uint64_t id, const vis_world *w)
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__GetAccountRequest get = MC__GET_ACCOUNT_REQUEST__INIT;
    get.public_key =
        (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)mc_keypair_public(w->bob)};
    req.kind_case = MC__REQUEST__KIND_GET_ACCOUNT;
    req.get_account = &get;
    Mc__Response *resp = raw_call(fd, &req, id);
    assert_null(resp->error);
    assert_int_equal(resp->kind_case, MC__RESPONSE__KIND_ACCOUNT);
    bool restricted = resp->account->restricted;
    mc__response__free_unpacked(resp, NULL);
    return restricted;
}

static void test_raw_challenges(void **state)
{
    vis_world *w = *state;
    int fd = mc_test_node_socket(&w->node, VIS_RAW_TIMEOUT_MS);
    uint8_t challenge[MC_CHALLENGE_BYTES] = {0}, second[MC_CHALLENGE_BYTES];
    /* Without asking for a challenge: refused, whatever was signed. */
    assert_int_equal(raw_authenticate(fd, 1, w, w->alice, challenge), MC_ERR_AUTH_FAILED);
    raw_challenge(fd, 2, challenge);
    assert_int_equal(raw_authenticate(fd, 3, w, w->alice, challenge), MC_ERR_OK);
    assert_true(raw_bob_restricted(fd, 4, w));
    /* A challenge serves once: the same signature again is refused. */
    assert_int_equal(raw_authenticate(fd, 5, w, w->bob, challenge), MC_ERR_AUTH_FAILED);
    raw_challenge(fd, 6, second);
    assert_true(memcmp(second, challenge, MC_CHALLENGE_BYTES) != 0);
    assert_int_equal(raw_authenticate(fd, 7, w, w->bob, second), MC_ERR_OK);
    assert_false(raw_bob_restricted(fd, 8, w));
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_private_member, setup_private, teardown),
        cmocka_unit_test_setup_teardown(test_private_steward, setup_private, teardown),
        cmocka_unit_test_setup_teardown(test_private_anonymous, setup_private, teardown),
        cmocka_unit_test_setup_teardown(test_private_refusal_hides_payee_balance, setup_private,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_open_member, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_open_anonymous, setup_open, teardown),
        cmocka_unit_test_setup_teardown(test_auth_failures, setup_private, teardown),
        cmocka_unit_test_setup_teardown(test_raw_challenges, setup_private, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
