/* mcnode under concurrent pipelined load, and across stops in the middle of
 * it. Client threads (one connection each) pipeline pre-signed transfers;
 * the checks compare what came back, and what the ledger holds, with a plain
 * model: applied transfers replayed in height order.
 *
 *  - Four connections at once: every request is answered exactly once;
 *    applied heights follow each other without a gap or a repeat and replay
 *    within every limit; refusals name the right account, amount and limit;
 *    the balances the node serves are the sums of the applied transfers and
 *    add up to 0; `mcnode check` is clean after SIGTERM (exit 0).
 *  - The same against a node with a queue of 12 and 8 requests in flight
 *    per connection: busy connections are paused and the excess answered
 *    OVERLOADED, still once each, and never applied.
 *  - SIGTERM in the middle of a load: the node exits 0 in bounded time, the
 *    clients see the connection close (no hang), every transfer answered OK
 *    is in the ledger after a restart at its height, nothing refused or
 *    applied twice is; a connection that stops sending is answered for
 *    everything the node applied. SIGINT with an idle connection exits 0
 *    promptly.
 *  - SIGKILL at several moments of a load (after 10%, 50%, 90% of the
 *    answers): every acknowledged transfer survives at its height, every
 *    transfer sent is applied once or not at all, `mcnode check` is clean.
 *  - The same signed bytes sent from two connections at once, many times:
 *    applied once, answered to the other as a duplicate at the same height.
 *
 * Counts are sized for ASan builds on two slow cores; MC_LOAD_SCALE=N
 * (1..100) multiplies them for a heavier run by hand. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mc/error.h"
#include "node_harness.h"

#define LOAD_ACCOUNTS_MAX 64u
#define LOAD_DEPTH 64u /* pipelined submissions in flight per connection */
#define LOAD_SCALE_MAX 100u
#define LOAD_POLL_MS 2
#define LOAD_JOIN_TIMEOUT_MS 120000    /* a whole load, ASan included */
#define LOAD_PROGRESS_TIMEOUT_MS 60000 /* until the answers a stop waits for */
#define LOAD_GRACEFUL_STOP_MS 10000    /* SIGTERM under load to exit */
#define LOAD_IDLE_STOP_MS 3000         /* SIGINT with an idle connection to exit */
#define LOAD_CLOSE_SEEN_MS 5000        /* a client to notice the node went away */
#define LOAD_CHECK_TIMEOUT_MS 60000    /* `mcnode check` */
#define LOAD_OUT_MAX 4096u
#define LOAD_PAGE 100u
#define LOAD_HANDLE_MAX 16u

/* Amounts: mostly within a member's credit line of 300.00, one in ten above
 * it (refused from a balance near zero), or tiny (never refused). */
#define AMOUNT_SMALL_MAX 12000
#define AMOUNT_LARGE_MIN 35000
#define AMOUNT_LARGE_SPAN 10000u
#define AMOUNT_LARGE_ONE_IN 10u
#define AMOUNT_TINY_MAX 100u
#define LOW_CEILING 5000 /* some accounts hold at most 50.00: EXCEEDS_CEILING */

/* The concurrent load. */
#define CONCURRENT_ACCOUNTS 40u
#define CONCURRENT_LOW_CEILING 8u
#define CONCURRENT_STREAMS 4u
#define CONCURRENT_PER_STREAM 2000u
/* SIGTERM under load. */
#define GRACEFUL_ACCOUNTS 12u
#define GRACEFUL_PER_STREAM 2000u
#define GRACEFUL_STOP_PERCENT 10u
/* SIGKILL under load. */
#define KILL_ACCOUNTS 16u
#define KILL_STREAMS 3u
#define KILL_PER_STREAM 600u
/* A node with a small queue. */
#define OVERLOAD_ACCOUNTS 10u
#define OVERLOAD_STREAMS 4u
#define OVERLOAD_PER_STREAM 500u
/* The same bytes from two connections. */
#define TWICE_ACCOUNTS 20u
#define TWICE_ROUNDS 4u
#define TWICE_PER_ROUND 300u

typedef enum amount_profile { AMOUNTS_MIXED, AMOUNTS_TINY } amount_profile;

/* A pre-signed transfer. Threads only read bytes; the rest is the main
 * thread's, after the threads are joined. */
typedef struct load_tx {
    uint8_t *bytes;
    size_t len;
    uint8_t tx_id[MC_TX_ID_BYTES];
    size_t payer, payee; /* account indexes */
    int64_t amount;
    bool attempted; /* some connection handed it to send_submit */
    bool applied;   /* in the ledger (from the answers or get_tx) */
    uint64_t height;
} load_tx;

/* One connection's work, run by its own thread. */
typedef struct load_stream {
    pthread_t thread;
    bool started;
    mc_client *client; /* owned */
    load_tx *txs;      /* borrowed: `count` of them */
    size_t count;
    bool reverse;       /* send the last first */
    uint64_t *ids;      /* ids[k]: request id of the k-th send (ascending) */
    bool *attempted;    /* per transaction of `txs` */
    unsigned *answers;  /* answers received per transaction */
    mc_result *results; /* the last answer per transaction */
    size_t sent;
    size_t stray; /* answers to no request of ours */
    int rc;       /* MC_ERR_OK, or the failure that ended the stream */
    char why[MC_CLIENT_ERROR_MAX];
    atomic_bool stop_sending;    /* set by the test: only receive from now on */
    atomic_bool sending_stopped; /* set by the stream: it will send no more */
    atomic_size_t answered;
    atomic_bool done;
} load_stream;

/* A node with accounts and the model of their balances. */
typedef struct load_world {
    mc_test_node node;
    size_t accounts;
    mc_keypair *keys[LOAD_ACCOUNTS_MAX];
    mc_limits limits[LOAD_ACCOUNTS_MAX];
    int64_t balances[LOAD_ACCOUNTS_MAX];
    uint64_t height;
    uint64_t rng;
} load_world;

/* ---- small helpers ---------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static size_t load_scale(void)
{
    const char *env = getenv("MC_LOAD_SCALE");
    long v = env != NULL ? strtol(env, NULL, 10) : 1;
    return v < 1 ? 1 : v > (long)LOAD_SCALE_MAX ? LOAD_SCALE_MAX : (size_t)v;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t rng_below(uint64_t *s, size_t n)
{
    return (size_t)(rng_next(s) % n);
}

static void tx_id_of(const uint8_t *bytes, size_t len, uint8_t out[MC_TX_ID_BYTES])
{
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(bytes, len, &tx), MC_ERR_OK);
    memcpy(out, mc_tx_id_of(tx), MC_TX_ID_BYTES);
    mc_tx_free(tx);
}

static void authenticate(mc_client *c, const mc_keypair *kp)
{
    int rc = mc_client_authenticate(c, kp, NULL);
    if (rc != MC_ERR_OK) {
        fail_msg("authenticate: %s: %s", mc_err_name(rc), mc_client_error_message(c));
    }
}

/* ---- the world: accounts, transfers, the model ------------------------- */

static int setup(void **state)
{
    load_world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mc_test_node_init(&w->node, NULL);
    mc_test_node_start(&w->node, NULL);
    w->rng = 0x9e3779b97f4a7c15u;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    load_world *w = *state;
    mc_test_node_destroy(&w->node);
    for (size_t i = 0; i < w->accounts; i++) {
        mc_keypair_free(w->keys[i]);
    }
    free(w);
    return 0;
}

/* Open `count` accounts of `kind`; the first `low_ceiling` get a ceiling of
 * LOW_CEILING, the others the ledger's defaults. */
static void world_open(load_world *w, size_t count, mc_account_kind kind, size_t low_ceiling)
{
    assert_true(count >= 2 && count <= LOAD_ACCOUNTS_MAX);
    mc_client *c = mc_test_node_client(&w->node);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    mc_limits defaults = info.ledger.default_limits[kind - 1];
    mc_limits low = {defaults.min_balance, LOW_CEILING};
    char handle[LOAD_HANDLE_MAX];
    for (size_t i = 0; i < count; i++) {
        snprintf(handle, sizeof handle, "acct%02u", (unsigned)(i % 100u));
        bool is_low = i < low_ceiling;
        w->keys[i] = mc_test_open_account(&w->node, c, handle, kind, is_low ? &low : NULL);
        w->limits[i] = is_low ? low : defaults;
    }
    w->accounts = count;
    w->height += count;
    mc_client_close(c);
}

static int64_t pick_amount(uint64_t *rng, amount_profile profile)
{
    if (profile == AMOUNTS_TINY) {
        return 1 + (int64_t)rng_below(rng, AMOUNT_TINY_MAX);
    }
    if (rng_below(rng, AMOUNT_LARGE_ONE_IN) == 0) {
        return AMOUNT_LARGE_MIN + (int64_t)rng_below(rng, AMOUNT_LARGE_SPAN);
    }
    return 1 + (int64_t)rng_below(rng, (size_t)AMOUNT_SMALL_MAX);
}

/* `count` transfers between random distinct accounts, signed here (the
 * harness hands out nonces on this thread). */
static load_tx *make_txs(load_world *w, size_t count, amount_profile profile)
{
    load_tx *txs = calloc(count, sizeof *txs);
    assert_non_null(txs);
    for (size_t i = 0; i < count; i++) {
        load_tx *t = &txs[i];
        t->payer = rng_below(&w->rng, w->accounts);
        t->payee = (t->payer + 1 + rng_below(&w->rng, w->accounts - 1)) % w->accounts;
        t->amount = pick_amount(&w->rng, profile);
        t->bytes = mc_test_transfer(&w->node, w->keys[t->payer],
                                    mc_keypair_public(w->keys[t->payee]), t->amount, NULL, &t->len);
        tx_id_of(t->bytes, t->len, t->tx_id);
    }
    return txs;
}

static void free_txs(load_tx *txs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(txs[i].bytes);
    }
    free(txs);
}

static int by_height(const void *a, const void *b)
{
    const load_tx *x = *(const load_tx *const *)a, *y = *(const load_tx *const *)b;
    return x->height < y->height ? -1 : x->height > y->height;
}

/* Take the applied transfers of `txs` into the model: their heights follow
 * the model's height with no gap and no repeat, and replayed in that order
 * each keeps both accounts within their limits. Returns how many. */
static size_t world_commit(load_world *w, load_tx *txs, size_t n)
{
    load_tx **applied = calloc(n + 1, sizeof *applied);
    assert_non_null(applied);
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (txs[i].applied) {
            applied[count++] = &txs[i];
        }
    }
    qsort(applied, count, sizeof *applied, by_height);
    for (size_t k = 0; k < count; k++) {
        const load_tx *t = applied[k];
        assert_int_equal(t->height, w->height + 1 + k);
        int64_t payer_after = w->balances[t->payer] - t->amount;
        int64_t payee_after = w->balances[t->payee] + t->amount;
        assert_true(payer_after >= w->limits[t->payer].min_balance);
        assert_true(payee_after <= w->limits[t->payee].max_balance);
        w->balances[t->payer] = payer_after;
        w->balances[t->payee] = payee_after;
    }
    w->height += count;
    free(applied);
    return count;
}

static size_t world_find(const load_world *w, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    for (size_t i = 0; i < w->accounts; i++) {
        if (memcmp(mc_keypair_public(w->keys[i]), key, MC_PUBLIC_KEY_BYTES) == 0) {
            return i;
        }
    }
    fail_msg("the node lists an account the test never opened");
    return 0;
}

/* The node's height and every balance it serves equal the model's; the
 * balances add up to 0. */
static void world_check_node(load_world *w)
{
    mc_client *c = mc_test_node_client(&w->node);
    authenticate(c, w->node.stewards[0]);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    assert_int_equal(info.ledger.height, w->height);
    mc_client_account page[LOAD_PAGE];
    uint8_t after[MC_PUBLIC_KEY_BYTES];
    const uint8_t *cursor = NULL;
    size_t seen = 0, count = 0;
    int64_t sum = 0;
    bool more = true;
    while (more) {
        assert_int_equal(mc_client_list_accounts(c, cursor, page, LOAD_PAGE, &count, &more),
                         MC_ERR_OK);
        for (size_t i = 0; i < count; i++) {
            size_t idx = world_find(w, page[i].account.public_key);
            assert_false(page[i].restricted);
            assert_int_equal(page[i].account.balance, w->balances[idx]);
            sum += page[i].account.balance;
            memcpy(after, page[i].account.public_key, MC_PUBLIC_KEY_BYTES);
            cursor = after;
        }
        seen += count;
        assert_true(seen <= w->accounts);
    }
    assert_int_equal(seen, w->accounts);
    assert_int_equal(sum, 0);
    mc_client_close(c);
}

/* `mcnode check` on the stopped node: clean, and at the model's height when
 * the model is up to date (not yet after a kill). */
static void world_run_check(load_world *w, bool at_model_height)
{
    const char *argv[] = {mc_test_bin("MC_NODE_BIN"), "check", "--data", w->node.data_dir, NULL};
    char out[LOAD_OUT_MAX], want[64];
    int status = mc_test_run(argv, NULL, out, sizeof out, LOAD_CHECK_TIMEOUT_MS);
    if (status != 0) {
        fail_msg("mcnode check exited %d: %s", status, out);
    }
    snprintf(want, sizeof want, "height %llu, %zu accounts", (unsigned long long)w->height,
             w->accounts);
    if (at_model_height && strstr(out, want) == NULL) {
        fail_msg("mcnode check says \"%s\", expected \"%s\"", out, want);
    }
}

static void world_stop_and_check(load_world *w)
{
    int status = mc_test_node_stop(&w->node, SIGTERM, MC_TEST_STOP_TIMEOUT_MS);
    if (status != 0) {
        mc_test_node_dump_log(&w->node);
        fail_msg("SIGTERM: the node exited with %d", status);
    }
    world_run_check(w, true);
}

/* ---- streams: one connection pipelining, on its own thread ------------- */

static size_t stream_index(const load_stream *s, size_t k)
{
    return s->reverse ? s->count - 1 - k : k;
}

static void stream_init(load_stream *s, load_world *w, load_tx *txs, size_t count, bool reverse)
{
    memset(s, 0, sizeof *s);
    s->client = mc_test_node_client(&w->node);
    /* As a steward, who may see every account: refusals then carry their
     * figures (an anonymous submitter gets them without balance and limit). */
    authenticate(s->client, w->node.stewards[0]);
    s->txs = txs;
    s->count = count;
    s->reverse = reverse;
    s->ids = calloc(count + 1, sizeof *s->ids);
    s->attempted = calloc(count + 1, sizeof *s->attempted);
    s->answers = calloc(count + 1, sizeof *s->answers);
    s->results = calloc(count + 1, sizeof *s->results);
    assert_true(s->ids && s->attempted && s->answers && s->results);
    atomic_init(&s->stop_sending, false);
    atomic_init(&s->sending_stopped, false);
    atomic_init(&s->answered, 0);
    atomic_init(&s->done, false);
}

static void stream_free(load_stream *s)
{
    mc_client_close(s->client);
    free(s->ids);
    free(s->attempted);
    free(s->answers);
    free(s->results);
    memset(s, 0, sizeof *s);
}

static int stream_send(load_stream *s)
{
    const load_tx *t = &s->txs[stream_index(s, s->sent)];
    s->attempted[stream_index(s, s->sent)] = true;
    int rc = mc_client_send_submit(s->client, t->bytes, t->len, &s->ids[s->sent]);
    if (rc == MC_ERR_OK) {
        s->sent++;
    }
    return rc;
}

/* Send order of request `id` (ids ascend), or s->sent when none. */
static size_t stream_find(const load_stream *s, uint64_t id)
{
    size_t lo = 0, hi = s->sent;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ids[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < s->sent && s->ids[lo] == id ? lo : s->sent;
}

static int stream_receive(load_stream *s)
{
    uint64_t id = 0;
    mc_result r;
    int rc = mc_client_recv_result(s->client, &id, &r);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    size_t k = stream_find(s, id);
    if (k == s->sent) {
        s->stray++;
        return MC_ERR_OK;
    }
    size_t i = stream_index(s, k);
    s->answers[i]++;
    s->results[i] = r;
    atomic_fetch_add(&s->answered, 1);
    return MC_ERR_OK;
}

/* Keep LOAD_DEPTH submissions in flight until everything is sent and
 * answered, the test says stop sending, or the connection fails. No cmocka
 * asserts here: they must run on the main thread. */
static void *stream_main(void *arg)
{
    load_stream *s = arg;
    int rc = MC_ERR_OK;
    while (rc == MC_ERR_OK) {
        bool stop = atomic_load(&s->stop_sending);
        if (stop) {
            atomic_store(&s->sending_stopped, true);
        }
        bool more = s->sent < s->count && !stop;
        size_t outstanding = mc_client_outstanding(s->client);
        if (more && outstanding < LOAD_DEPTH) {
            rc = stream_send(s);
        } else if (outstanding > 0) {
            rc = stream_receive(s);
        } else {
            break;
        }
    }
    s->rc = rc;
    atomic_store(&s->sending_stopped, true);
    if (rc != MC_ERR_OK) {
        snprintf(s->why, sizeof s->why, "%s", mc_client_error_message(s->client));
    }
    atomic_store(&s->done, true);
    return NULL;
}

static void streams_start(load_stream *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pthread_create(&s[i].thread, NULL, stream_main, &s[i]), 0);
        s[i].started = true;
    }
}

static size_t streams_answered(load_stream *s, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += atomic_load(&s[i].answered);
    }
    return total;
}

static bool streams_done(load_stream *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!atomic_load(&s[i].done)) {
            return false;
        }
    }
    return true;
}

/* Join the streams within `timeout_ms`; past it, kill the node so that
 * every client call returns, join, and fail. */
static void streams_join(load_stream *s, size_t n, load_world *w, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    while (!streams_done(s, n) && now_ms() < deadline) {
        sleep_ms(LOAD_POLL_MS);
    }
    bool hung = !streams_done(s, n);
    if (hung) {
        mc_test_node_dump_log(&w->node);
        mc_test_node_stop(&w->node, SIGKILL, MC_TEST_STOP_TIMEOUT_MS);
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i].started) {
            pthread_join(s[i].thread, NULL);
            s[i].started = false;
        }
    }
    if (hung) {
        fail_msg("the client threads did not finish within %d ms", timeout_ms);
    }
}

/* Wait until the streams have `target` answers in all (or are done). */
static void streams_wait_answers(load_stream *s, size_t n, size_t target)
{
    uint64_t deadline = now_ms() + LOAD_PROGRESS_TIMEOUT_MS;
    while (streams_answered(s, n) < target && !streams_done(s, n)) {
        if (now_ms() >= deadline) {
            fail_msg("only %zu of %zu answers within %d ms", streams_answered(s, n), target,
                     LOAD_PROGRESS_TIMEOUT_MS);
        }
        sleep_ms(LOAD_POLL_MS);
    }
}

/* Ask a stream to send no more and wait until it is only receiving, so
 * that whatever comes next finds no request of it half sent. */
static void stream_stop_sending(load_stream *s)
{
    atomic_store(&s->stop_sending, true);
    uint64_t deadline = now_ms() + LOAD_PROGRESS_TIMEOUT_MS;
    while (!atomic_load(&s->sending_stopped)) {
        if (now_ms() >= deadline) {
            fail_msg("a client thread did not stop sending within %d ms", LOAD_PROGRESS_TIMEOUT_MS);
        }
        sleep_ms(LOAD_POLL_MS);
    }
}

static void stream_expect_ok(const load_stream *s)
{
    if (s->rc != MC_ERR_OK) {
        fail_msg("a client thread failed: %s: %s", mc_err_name(s->rc), s->why);
    }
    assert_int_equal(s->stray, 0);
    assert_int_equal(s->sent, s->count);
    for (size_t j = 0; j < s->count; j++) {
        assert_int_equal(s->answers[j], 1);
        assert_memory_equal(s->results[j].tx_id, s->txs[j].tx_id, MC_TX_ID_BYTES);
    }
}

/* After a stop: the stream ended because the connection closed (or it was
 * through); never a timeout, never a protocol error. */
static void stream_expect_closed(const load_stream *s)
{
    if (s->rc != MC_ERR_OK && s->rc != MC_ERR_UNREACHABLE) {
        fail_msg("a client thread ended with %s, not a closed connection: %s", mc_err_name(s->rc),
                 s->why);
    }
    assert_int_equal(s->stray, 0);
}

/* ---- what the answers and the ledger say ------------------------------- */

/* A refusal of the concurrent load: over the payer's credit limit or the
 * payee's ceiling, naming that account, the amount and the limit. */
static void check_refusal(const load_world *w, const load_tx *t, const mc_result *r, size_t *credit,
                          size_t *ceiling)
{
    assert_true(r->has_account);
    assert_int_equal(r->amount, t->amount);
    assert_int_equal(r->height, 0);
    if (r->code == MC_ERR_EXCEEDS_CREDIT_LIMIT) {
        assert_memory_equal(r->account, mc_keypair_public(w->keys[t->payer]), MC_PUBLIC_KEY_BYTES);
        assert_int_equal(r->limit, w->limits[t->payer].min_balance);
        assert_true(r->balance - t->amount < r->limit);
        (*credit)++;
    } else if (r->code == MC_ERR_EXCEEDS_CEILING) {
        assert_memory_equal(r->account, mc_keypair_public(w->keys[t->payee]), MC_PUBLIC_KEY_BYTES);
        assert_int_equal(r->limit, w->limits[t->payee].max_balance);
        assert_true(r->balance + t->amount > r->limit);
        (*ceiling)++;
    } else {
        fail_msg("a transfer of %lld was answered %s", (long long)t->amount, mc_err_name(r->code));
    }
}

/* Mark the transfers a stream was told are applied (exactly once each). */
static void take_answers(const load_world *w, load_stream *s, size_t *credit, size_t *ceiling)
{
    for (size_t j = 0; j < s->count; j++) {
        const mc_result *r = &s->results[j];
        load_tx *t = &s->txs[j];
        if (r->code != MC_ERR_OK) {
            check_refusal(w, t, r, credit, ceiling);
            continue;
        }
        assert_false(r->duplicate);
        assert_true(r->height > 0);
        t->applied = true;
        t->height = r->height;
    }
}

/* Ask the node by id which of the transfers some stream sent are in the
 * ledger, and at which height. (One never sent cannot be: world_commit()
 * checks that the height grew by exactly the number found.) */
static void resolve_by_get_tx(load_world *w, load_tx *txs, size_t n, const load_stream *s,
                              size_t ns)
{
    for (size_t k = 0; k < ns; k++) {
        for (size_t j = 0; j < s[k].count; j++) {
            s[k].txs[j].attempted |= s[k].attempted[j];
        }
    }
    mc_client *c = mc_test_node_client(&w->node);
    for (size_t i = 0; i < n; i++) {
        load_tx *t = &txs[i];
        t->applied = false;
        if (!t->attempted) {
            continue;
        }
        mc_client_tx got;
        int rc = mc_client_get_tx(c, t->tx_id, &got);
        if (rc == MC_ERR_NOT_FOUND) {
            continue;
        }
        if (rc != MC_ERR_OK) {
            fail_msg("get_tx: %s: %s", mc_err_name(rc), mc_client_error_message(c));
        }
        assert_memory_equal(got.tx_id, t->tx_id, MC_TX_ID_BYTES);
        assert_int_equal(got.result, MC_ERR_OK);
        free(got.entry);
        t->applied = true;
        t->height = got.height;
    }
    mc_client_close(c);
}

/* What a stream was told agrees with the ledger: answered OK means applied
 * at that height; answered anything else means not applied (each transfer
 * was sent once). */
static void stream_check_answers(const load_stream *s)
{
    for (size_t j = 0; j < s->count; j++) {
        const mc_result *r = &s->results[j];
        const load_tx *t = &s->txs[j];
        assert_true(s->answers[j] <= 1);
        if (s->answers[j] == 0) {
            continue;
        }
        assert_memory_equal(r->tx_id, t->tx_id, MC_TX_ID_BYTES);
        if (r->code == MC_ERR_OK) {
            assert_false(r->duplicate);
            if (!t->applied) {
                fail_msg("a transfer answered OK at height %llu is not in the ledger",
                         (unsigned long long)r->height);
            }
            assert_int_equal(r->height, t->height);
        } else {
            assert_false(t->applied);
        }
    }
}

/* A blocking call on `c` after the node went away fails as a transport
 * error, promptly. */
static void expect_client_sees_close(mc_client *c)
{
    uint64_t start = now_ms();
    mc_client_info info;
    int rc = mc_client_info_get(c, &info);
    if (!mc_client_is_transport_error(rc)) {
        fail_msg("after the stop, info answered %s", mc_err_name(rc));
    }
    assert_true(now_ms() - start < LOAD_CLOSE_SEEN_MS);
}

/* ---- the tests ---------------------------------------------------------- */

static void test_concurrent_pipelined(void **state)
{
    load_world *w = *state;
    size_t per = CONCURRENT_PER_STREAM * load_scale(), total = per * CONCURRENT_STREAMS;
    world_open(w, CONCURRENT_ACCOUNTS, MC_KIND_MEMBER, CONCURRENT_LOW_CEILING);
    load_tx *txs = make_txs(w, total, AMOUNTS_MIXED);
    load_stream s[CONCURRENT_STREAMS];
    for (size_t k = 0; k < CONCURRENT_STREAMS; k++) {
        stream_init(&s[k], w, txs + k * per, per, false);
    }
    uint64_t start = now_ms();
    streams_start(s, CONCURRENT_STREAMS);
    streams_join(s, CONCURRENT_STREAMS, w, LOAD_JOIN_TIMEOUT_MS);
    uint64_t took = now_ms() - start;

    size_t credit = 0, ceiling = 0;
    for (size_t k = 0; k < CONCURRENT_STREAMS; k++) {
        stream_expect_ok(&s[k]);
        take_answers(w, &s[k], &credit, &ceiling);
    }
    size_t applied = world_commit(w, txs, total);
    print_message("%zu transfers on %u connections in %llu ms: %zu applied, %zu over a credit "
                  "limit, %zu over a ceiling\n",
                  total, CONCURRENT_STREAMS, (unsigned long long)took, applied, credit, ceiling);
    assert_int_equal(applied + credit + ceiling, total);
    assert_true(applied > 0);
    assert_true(credit > 0);
    assert_true(ceiling > 0);
    world_check_node(w);
    world_stop_and_check(w);
    for (size_t k = 0; k < CONCURRENT_STREAMS; k++) {
        stream_free(&s[k]);
    }
    free_txs(txs, total);
}

/* A node with a queue of 12 submissions and 8 requests in flight per
 * connection, under four pipelining connections: it stops reading busy
 * connections and answers OVERLOADED past its queue, yet every request is
 * answered exactly once and nothing answered OVERLOADED is applied. */
static void test_overload(void **state)
{
    static const char *const small_queue[] = {"--max-queue", "12", "--max-in-flight", "8", NULL};
    load_world *w = *state;
    size_t per = OVERLOAD_PER_STREAM * load_scale(), total = per * OVERLOAD_STREAMS;
    world_open(w, OVERLOAD_ACCOUNTS, MC_KIND_BUSINESS, 0);
    assert_int_equal(mc_test_node_stop(&w->node, SIGTERM, MC_TEST_STOP_TIMEOUT_MS), 0);
    mc_test_node_start(&w->node, small_queue);
    load_tx *txs = make_txs(w, total, AMOUNTS_TINY);
    load_stream s[OVERLOAD_STREAMS];
    for (size_t k = 0; k < OVERLOAD_STREAMS; k++) {
        stream_init(&s[k], w, txs + k * per, per, false);
    }
    streams_start(s, OVERLOAD_STREAMS);
    streams_join(s, OVERLOAD_STREAMS, w, LOAD_JOIN_TIMEOUT_MS);
    size_t overloaded = 0;
    for (size_t k = 0; k < OVERLOAD_STREAMS; k++) {
        stream_expect_ok(&s[k]);
        for (size_t j = 0; j < per; j++) {
            const mc_result *r = &s[k].results[j];
            if (r->code == MC_ERR_OK) {
                assert_false(r->duplicate);
                s[k].txs[j].applied = true;
                s[k].txs[j].height = r->height;
                continue;
            }
            assert_int_equal(r->code, MC_ERR_OVERLOADED);
            assert_int_equal(r->height, 0);
            overloaded++;
        }
    }
    size_t applied = world_commit(w, txs, total);
    print_message("queue of 12: %zu transfers: %zu applied, %zu OVERLOADED\n", total, applied,
                  overloaded);
    assert_int_equal(applied + overloaded, total);
    assert_true(applied > 0);
    assert_true(overloaded > 0);
    world_check_node(w);
    world_stop_and_check(w);
    for (size_t k = 0; k < OVERLOAD_STREAMS; k++) {
        stream_free(&s[k]);
    }
    free_txs(txs, total);
}

/* SIGTERM in the middle: stream 0 stops sending just before the signal, so
 * everything the node took from it must reach it answered. Stream 1 goes
 * on sending, and is held only to "answered OK means applied": when the
 * node closes the connection under a send, mc_client_send_submit() drops
 * the answers the client had already buffered (a known client weakness). */
static void test_sigterm_under_load(void **state)
{
    load_world *w = *state;
    size_t per = GRACEFUL_PER_STREAM * load_scale(), total = 2 * per;
    world_open(w, GRACEFUL_ACCOUNTS, MC_KIND_MEMBER, 0);
    load_tx *txs = make_txs(w, total, AMOUNTS_MIXED);
    load_stream s[2];
    stream_init(&s[0], w, txs, per, false);
    stream_init(&s[1], w, txs + per, per, false);
    streams_start(s, 2);
    streams_wait_answers(s, 2, total * GRACEFUL_STOP_PERCENT / 100);
    stream_stop_sending(&s[0]);
    uint64_t start = now_ms();
    int status = mc_test_node_stop(&w->node, SIGTERM, LOAD_GRACEFUL_STOP_MS);
    uint64_t took = now_ms() - start;
    if (status != 0) {
        mc_test_node_dump_log(&w->node);
        fail_msg("SIGTERM under load: exit status %d after %llu ms", status,
                 (unsigned long long)took);
    }
    streams_join(s, 2, w, LOAD_CLOSE_SEEN_MS);
    print_message("SIGTERM after %zu answers: exit 0 in %llu ms; sent %zu + %zu, answered %zu\n",
                  total * GRACEFUL_STOP_PERCENT / 100, (unsigned long long)took, s[0].sent,
                  s[1].sent, streams_answered(s, 2));
    for (size_t k = 0; k < 2; k++) {
        stream_expect_closed(&s[k]);
        expect_client_sees_close(s[k].client);
    }
    assert_true(s[1].sent < s[1].count); /* the signal came in the middle */
    world_run_check(w, false);

    mc_test_node_start(&w->node, NULL);
    resolve_by_get_tx(w, txs, total, s, 2);
    for (size_t j = 0; j < s[0].count; j++) {
        if (s[0].txs[j].applied && s[0].answers[j] != 1) {
            fail_msg("transfer %zu was applied but its connection never got the answer", j);
        }
    }
    stream_check_answers(&s[0]);
    stream_check_answers(&s[1]);
    world_commit(w, txs, total);
    world_check_node(w);
    world_stop_and_check(w);
    stream_free(&s[0]);
    stream_free(&s[1]);
    free_txs(txs, total);
}

/* SIGINT with one idle connection and one stopped in the middle of a frame
 * header: the node exits 0 promptly and the client sees the close. */
static void test_sigint_idle(void **state)
{
    load_world *w = *state;
    mc_client *c = mc_test_node_client(&w->node);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    int raw = mc_test_node_socket(&w->node, LOAD_CLOSE_SEEN_MS);
    const uint8_t half_header[2] = {0, 0};
    assert_int_equal(send(raw, half_header, sizeof half_header, 0), (ssize_t)sizeof half_header);
    uint64_t start = now_ms();
    int status = mc_test_node_stop(&w->node, SIGINT, LOAD_IDLE_STOP_MS);
    if (status != 0) {
        mc_test_node_dump_log(&w->node);
        fail_msg("SIGINT with idle connections: exit status %d", status);
    }
    print_message("SIGINT with idle connections: exit 0 in %llu ms\n",
                  (unsigned long long)(now_ms() - start));
    expect_client_sees_close(c);
    close(raw);
    mc_client_close(c);
    world_run_check(w, true);
}

/* One load killed with SIGKILL once `percent` of the answers came back;
 * then the node is restarted on the same data and everything is checked. */
static void kill_round(load_world *w, size_t per, unsigned percent)
{
    size_t total = per * KILL_STREAMS;
    load_tx *txs = make_txs(w, total, AMOUNTS_MIXED);
    load_stream s[KILL_STREAMS];
    for (size_t k = 0; k < KILL_STREAMS; k++) {
        stream_init(&s[k], w, txs + k * per, per, false);
    }
    streams_start(s, KILL_STREAMS);
    streams_wait_answers(s, KILL_STREAMS, total * percent / 100);
    assert_int_equal(mc_test_node_stop(&w->node, SIGKILL, MC_TEST_STOP_TIMEOUT_MS), 128 + SIGKILL);
    streams_join(s, KILL_STREAMS, w, LOAD_CLOSE_SEEN_MS);
    size_t answered = streams_answered(s, KILL_STREAMS);
    for (size_t k = 0; k < KILL_STREAMS; k++) {
        stream_expect_closed(&s[k]);
    }
    world_run_check(w, false); /* the killed node's data, before any restart */

    mc_test_node_start(&w->node, NULL);
    resolve_by_get_tx(w, txs, total, s, KILL_STREAMS);
    for (size_t k = 0; k < KILL_STREAMS; k++) {
        stream_check_answers(&s[k]);
    }
    size_t applied = world_commit(w, txs, total);
    print_message("SIGKILL at %u%%: %zu answers, %zu applied of %zu\n", percent, answered, applied,
                  total);
    world_check_node(w);
    for (size_t k = 0; k < KILL_STREAMS; k++) {
        stream_free(&s[k]);
    }
    free_txs(txs, total);
}

static void test_sigkill_under_load(void **state)
{
    static const unsigned percents[] = {10, 50, 90};
    load_world *w = *state;
    world_open(w, KILL_ACCOUNTS, MC_KIND_MEMBER, 0);
    for (size_t i = 0; i < sizeof percents / sizeof percents[0]; i++) {
        kill_round(w, KILL_PER_STREAM * load_scale(), percents[i]);
    }
    world_stop_and_check(w);
}

/* Both connections were told the same: applied once, at one height, and a
 * duplicate for the other. */
static void twice_check(load_tx *t, const mc_result *a, const mc_result *b)
{
    if (a->code != MC_ERR_OK || b->code != MC_ERR_OK) {
        fail_msg("the same transfer answered %s and %s", mc_err_name(a->code),
                 mc_err_name(b->code));
    }
    assert_true(a->height > 0);
    assert_int_equal(a->height, b->height);
    if (a->duplicate == b->duplicate) {
        fail_msg("the same transfer at height %llu answered duplicate=%d twice",
                 (unsigned long long)a->height, a->duplicate);
    }
    t->applied = true;
    t->height = a->height;
}

/* The same signed bytes from two connections at once (in the same order,
 * or in opposite orders every other round): applied once each. Business
 * accounts and tiny amounts, so no limit refuses anything. */
static void test_same_bytes_twice(void **state)
{
    load_world *w = *state;
    size_t per = TWICE_PER_ROUND * load_scale();
    world_open(w, TWICE_ACCOUNTS, MC_KIND_BUSINESS, 0);
    for (size_t round = 0; round < TWICE_ROUNDS; round++) {
        load_tx *txs = make_txs(w, per, AMOUNTS_TINY);
        load_stream s[2];
        stream_init(&s[0], w, txs, per, false);
        stream_init(&s[1], w, txs, per, round % 2 == 1);
        streams_start(s, 2);
        streams_join(s, 2, w, LOAD_JOIN_TIMEOUT_MS);
        stream_expect_ok(&s[0]);
        stream_expect_ok(&s[1]);
        for (size_t j = 0; j < per; j++) {
            twice_check(&txs[j], &s[0].results[j], &s[1].results[j]);
        }
        assert_int_equal(world_commit(w, txs, per), per);
        stream_free(&s[0]);
        stream_free(&s[1]);
        free_txs(txs, per);
    }
    world_check_node(w);
    world_stop_and_check(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_concurrent_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_under_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigint_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_under_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_bytes_twice, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
