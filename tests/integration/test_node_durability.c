/* What the node's answers promise now that a batch is made durable by one
 * flush, the next one's (the meta page of each commit waits for the next
 * flush; see node/src/writer.c):
 *
 *  - An idle node answers a lone submission promptly, round after round:
 *    with nothing else to do, the writer syncs at once, so no answer waits
 *    for a batch that never comes. Queries sent in the same write right
 *    behind it (get_tx of that transaction, info) are answered promptly too,
 *    and agree with it: get_tx finds it at the height it was answered with,
 *    or not at all when read before it was applied.
 *  - After pipelined load and SIGTERM (exit 0), the ledger opened directly
 *    holds every transfer that was answered OK, at the height it was
 *    answered with, and nothing else; a restarted node answers each of them
 *    again as a duplicate at that height.
 *
 * Every wait is bounded; each test stops its node by PID. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mc/error.h"
#include "mc/frame.h"
#include "node_harness.h"
#include "wire.pb-c.h"

#define READ_TIMEOUT_MS 5000 /* SO_RCVTIMEO of the raw socket */
#define PROMPT_MS 2000       /* an idle node answers well within this (a flush or two) */
#define IDLE_ROUNDS 30u
#define RESPONSE_MAX_BYTES (1u << 20)
#define LOAD_TRANSFERS 600u
#define LOAD_DEPTH 64u
#define STOP_TIMEOUT_MS 10000
#define RESUBMIT_EVERY 7u /* resubmit one transfer in this many after the restart */

typedef struct parties {
    mc_keypair *alice, *bob;
} parties;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int setup(void **state)
{
    mc_test_node *n = calloc(1, sizeof *n);
    assert_non_null(n);
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

static void parties_open(mc_test_node *n, parties *p)
{
    mc_client *c = mc_test_node_client(n);
    p->alice = mc_test_open_account(n, c, "alice", MC_KIND_MEMBER, NULL);
    p->bob = mc_test_open_account(n, c, "bob", MC_KIND_MEMBER, NULL);
    mc_client_close(c);
}

static void parties_free(parties *p)
{
    mc_keypair_free(p->alice);
    mc_keypair_free(p->bob);
}

/* A transfer of 1 minor unit, alice and bob taking turns to pay. */
static uint8_t *small_transfer(mc_test_node *n, const parties *p, size_t i, size_t *len)
{
    const mc_keypair *payer = i % 2 == 0 ? p->alice : p->bob;
    const mc_keypair *payee = i % 2 == 0 ? p->bob : p->alice;
    return mc_test_transfer(n, payer, mc_keypair_public(payee), 1, NULL, len);
}

static void tx_id_of(const uint8_t *bytes, size_t len, uint8_t out[MC_TX_ID_BYTES])
{
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(bytes, len, &tx), MC_ERR_OK);
    memcpy(out, mc_tx_id_of(tx), MC_TX_ID_BYTES);
    mc_tx_free(tx);
}

/* ---- raw frames ------------------------------------------------------------- */

static void send_request(int fd, const Mc__Request *req)
{
    size_t len = mc__request__get_packed_size(req);
    uint8_t *frame = malloc(MC_FRAME_HEADER_BYTES + len);
    assert_non_null(frame);
    mc_frame_put_length(frame, (uint32_t)len);
    mc__request__pack(req, frame + MC_FRAME_HEADER_BYTES);
    size_t off = 0, total = MC_FRAME_HEADER_BYTES + len;
    while (off < total) {
        ssize_t w = send(fd, frame + off, total - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        assert_true(w > 0);
        off += (size_t)w;
    }
    free(frame);
}

/* Submit, get_tx of the same transaction and info, as ids base+0..2, sent
 * one after the other without waiting. */
static void send_submit_and_queries(int fd, uint64_t base, const uint8_t *tx, size_t len,
                                    uint8_t tx_id[MC_TX_ID_BYTES])
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__SubmitRequest submit = MC__SUBMIT_REQUEST__INIT;
    submit.signed_tx = (ProtobufCBinaryData){len, (uint8_t *)tx};
    req.id = base;
    req.kind_case = MC__REQUEST__KIND_SUBMIT;
    req.submit = &submit;
    send_request(fd, &req);
    Mc__GetTxRequest get = MC__GET_TX_REQUEST__INIT;
    get.tx_id = (ProtobufCBinaryData){MC_TX_ID_BYTES, tx_id};
    req.id = base + 1;
    req.kind_case = MC__REQUEST__KIND_GET_TX;
    req.get_tx = &get;
    send_request(fd, &req);
    Mc__InfoRequest info = MC__INFO_REQUEST__INIT;
    req.id = base + 2;
    req.kind_case = MC__REQUEST__KIND_INFO;
    req.info = &info;
    send_request(fd, &req);
}

static void read_exact(int fd, uint8_t *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = recv(fd, p + got, len - got, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            fail_msg("no answer from the node (%s)", r == 0 ? "closed" : strerror(errno));
        }
        got += (size_t)r;
    }
}

static Mc__Response *recv_response(int fd)
{
    uint8_t header[MC_FRAME_HEADER_BYTES];
    read_exact(fd, header, sizeof header);
    uint32_t len = mc_frame_get_length(header);
    assert_true(len <= RESPONSE_MAX_BYTES);
    uint8_t *body = malloc(len ? len : 1);
    assert_non_null(body);
    read_exact(fd, body, len);
    Mc__Response *resp = mc__response__unpack(NULL, len, body);
    free(body);
    assert_non_null(resp);
    return resp;
}

/* ---- the tests ---------------------------------------------------------------- */

/* The three answers of one round, checked against each other. */
typedef struct round_answers {
    uint64_t height;    /* the submission's */
    uint64_t tx_height; /* get_tx's; 0: not found */
    uint64_t info_height;
} round_answers;

static void take_answer(const Mc__Response *resp, uint64_t base, round_answers *a)
{
    if (resp->id == base) {
        if (resp->error != NULL && resp->error->code != 0) {
            fail_msg("the submission was answered %s: %s", resp->error->name, resp->error->message);
        }
        assert_int_equal(resp->kind_case, MC__RESPONSE__KIND_SUBMIT);
        a->height = resp->submit->height;
    } else if (resp->id == base + 1) {
        if (resp->error != NULL && resp->error->code != 0) {
            assert_int_equal(resp->error->code, MC_ERR_NOT_FOUND);
            return;
        }
        assert_int_equal(resp->kind_case, MC__RESPONSE__KIND_TX);
        a->tx_height = resp->tx->height;
    } else {
        assert_int_equal(resp->id, base + 2);
        assert_int_equal(resp->kind_case, MC__RESPONSE__KIND_INFO);
        a->info_height = resp->info->height;
    }
}

static void test_idle_node_answers_promptly(void **state)
{
    mc_test_node *n = *state;
    parties p;
    parties_open(n, &p);
    int fd = mc_test_node_socket(n, READ_TIMEOUT_MS);
    uint64_t slowest = 0, found = 0;
    for (size_t i = 0; i < IDLE_ROUNDS; i++) {
        size_t len = 0;
        uint8_t *tx = small_transfer(n, &p, i, &len);
        uint8_t id[MC_TX_ID_BYTES];
        tx_id_of(tx, len, id);
        uint64_t base = 1 + 3 * (uint64_t)i, start = now_ms();
        send_submit_and_queries(fd, base, tx, len, id);
        round_answers a = {0, 0, 0};
        for (int k = 0; k < 3; k++) {
            Mc__Response *resp = recv_response(fd);
            take_answer(resp, base, &a);
            mc__response__free_unpacked(resp, NULL);
        }
        uint64_t took = now_ms() - start;
        slowest = took > slowest ? took : slowest;
        if (took >= PROMPT_MS) {
            mc_test_node_dump_log(n);
            fail_msg("round %zu: an idle node took %llu ms to answer", i, (unsigned long long)took);
        }
        assert_true(a.height > 0);
        assert_true(a.tx_height == 0 || a.tx_height == a.height);
        assert_true(a.info_height + 1 >= a.height && a.info_height <= a.height);
        found += a.tx_height != 0;
        free(tx);
    }
    print_message("%u lone submissions on an idle node: slowest round %llu ms; get_tx right "
                  "behind found %llu of them\n",
                  IDLE_ROUNDS, (unsigned long long)slowest, (unsigned long long)found);
    close(fd);
    parties_free(&p);
    assert_int_equal(mc_test_node_stop(n, SIGTERM, STOP_TIMEOUT_MS), 0);
}

typedef struct sent_tx {
    uint8_t *bytes;
    size_t len;
    uint8_t tx_id[MC_TX_ID_BYTES];
    uint64_t request_id;
    uint64_t height; /* answered OK at this height; 0: no such answer */
} sent_tx;

static size_t find_request(const sent_tx *txs, size_t n, uint64_t request_id)
{
    for (size_t i = 0; i < n; i++) {
        if (txs[i].request_id == request_id) {
            return i;
        }
    }
    fail_msg("an answer to request %llu, which was never sent", (unsigned long long)request_id);
    return 0;
}

/* Keep LOAD_DEPTH submissions in flight until all are answered. */
static void pipeline(mc_client *c, sent_tx *txs, size_t n)
{
    size_t sent = 0, answered = 0;
    while (answered < n) {
        if (sent < n && mc_client_outstanding(c) < LOAD_DEPTH) {
            assert_int_equal(
                mc_client_send_submit(c, txs[sent].bytes, txs[sent].len, &txs[sent].request_id),
                MC_ERR_OK);
            sent++;
            continue;
        }
        uint64_t id = 0;
        mc_result r;
        int rc = mc_client_recv_result(c, &id, &r);
        if (rc != MC_ERR_OK) {
            fail_msg("receiving: %s: %s", mc_err_name(rc), mc_client_error_message(c));
        }
        sent_tx *t = &txs[find_request(txs, sent, id)];
        assert_memory_equal(r.tx_id, t->tx_id, MC_TX_ID_BYTES);
        assert_int_equal(r.code, MC_ERR_OK);
        assert_false(r.duplicate);
        t->height = r.height;
        answered++;
    }
}

/* The stopped node's ledger, opened directly, holds every transfer at the
 * height its answer gave, and nothing more. */
static void expect_in_ledger(const mc_test_node *n, const sent_tx *txs, size_t count,
                             uint64_t height_before)
{
    mc_ledger *ledger = NULL;
    assert_int_equal(mc_ledger_open(n->data_dir, NULL, &ledger), MC_ERR_OK);
    for (size_t i = 0; i < count; i++) {
        uint64_t height = 0;
        assert_int_equal(mc_ledger_find_tx(ledger, txs[i].tx_id, &height), MC_ERR_OK);
        assert_int_equal(height, txs[i].height);
    }
    uint64_t height = 0;
    assert_int_equal(mc_ledger_height(ledger, &height), MC_ERR_OK);
    assert_int_equal(height, height_before + count);
    assert_int_equal(mc_ledger_check(ledger, NULL, 0), MC_ERR_OK);
    mc_ledger_close(ledger);
}

static void expect_duplicates(mc_test_node *n, const sent_tx *txs, size_t count)
{
    mc_client *c = mc_test_node_client(n);
    for (size_t i = 0; i < count; i += RESUBMIT_EVERY) {
        mc_result r;
        assert_int_equal(mc_client_submit(c, txs[i].bytes, txs[i].len, &r), MC_ERR_OK);
        assert_int_equal(r.code, MC_ERR_OK);
        assert_true(r.duplicate);
        assert_int_equal(r.height, txs[i].height);
    }
    mc_client_close(c);
}

static void test_acknowledged_survive_stop(void **state)
{
    mc_test_node *n = *state;
    parties p;
    parties_open(n, &p);
    uint64_t height_before = 2;
    sent_tx *txs = calloc(LOAD_TRANSFERS, sizeof *txs);
    assert_non_null(txs);
    for (size_t i = 0; i < LOAD_TRANSFERS; i++) {
        txs[i].bytes = small_transfer(n, &p, i, &txs[i].len);
        tx_id_of(txs[i].bytes, txs[i].len, txs[i].tx_id);
    }
    mc_client *c = mc_test_node_client(n);
    pipeline(c, txs, LOAD_TRANSFERS);
    mc_client_close(c);
    int status = mc_test_node_stop(n, SIGTERM, STOP_TIMEOUT_MS);
    if (status != 0) {
        mc_test_node_dump_log(n);
        fail_msg("SIGTERM: exit status %d", status);
    }
    expect_in_ledger(n, txs, LOAD_TRANSFERS, height_before);
    mc_test_node_start(n, NULL);
    expect_duplicates(n, txs, LOAD_TRANSFERS);
    assert_int_equal(mc_test_node_stop(n, SIGTERM, STOP_TIMEOUT_MS), 0);
    for (size_t i = 0; i < LOAD_TRANSFERS; i++) {
        free(txs[i].bytes);
    }
    free(txs);
    parties_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_node_answers_promptly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acknowledged_survive_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
