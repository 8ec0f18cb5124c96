/* libmcclient (mc/client.h) against an in-process FAKE node: a thread that
 * listens on a loopback port, reads Request frames and answers from a
 * script, recording what it saw (connections, authentications, the signed
 * bytes of each submission). Covered: address parsing, a refused
 * connection, Info checks (genesis hash, sizes), the authentication
 * signature, resends after a dropped or silent connection (same bytes,
 * authenticated again), OVERLOADED answers and connections, retries
 * running out, garbage and oversized frames, a refusal's context, queries,
 * and pipelining (answers out of order; a node that writes while the
 * client is still sending; a node that answers some and closes the
 * connection under a send). Every wait is bounded: the fake gives up after
 * FAKE_IO_TIMEOUT_MS and the client runs with short timeouts. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mc/client.h"
#include "mc/error.h"
#include "mc/frame.h"
#include "wire.pb-c.h"

#define FAKE_IO_TIMEOUT_MS 5000 /* the fake gives up on a silent peer after this */
#define FAKE_SEEN_MAX 8u        /* submissions whose bytes the fake keeps */
#define FAKE_SEEN_BYTES_MAX 512u
#define FAKE_GENESIS_BYTES 48u
#define PIPELINE_COUNT 100u
#define FLOOD_COUNT 5000u        /* submissions sent before any answer is read */
#define FLOOD_MESSAGE_BYTES 4000 /* each answered with an error this long */
#define FLOOD_MEMO_BYTES 2000u   /* requests larger than the kernel buffers can hold */
#define LOST_READ_COUNT 48u      /* submissions the fake reads before it closes */
#define LOST_ANSWER_COUNT 30u    /* of them answered, in one write, before the close */
#define LOST_SEND_MAX 100000u    /* the client sends until the close fails a send */
#define SHORT_TIMEOUT_MS 200
#define TEST_CONNECT_TIMEOUT_MS 2000

typedef enum info_variant {
    INFO_GOOD = 0,
    INFO_BAD_GENESIS,
    INFO_LONG_COMMUNITY,
    INFO_SHORT_STEWARD,
} info_variant;

typedef enum first_mode {
    FIRST_DROP = 0, /* close the connection on the first submission */
    FIRST_SILENT,   /* read it and say nothing until the client gives up */
} first_mode;

typedef struct fake fake;
typedef void (*fake_script)(fake *f);

struct fake {
    int listen_fd;
    uint16_t port;
    pthread_t thread;
    fake_script script;
    /* The ledger served. */
    uint8_t genesis[FAKE_GENESIS_BYTES];
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint8_t challenge[MC_CHALLENGE_BYTES];
    bool has_challenge;
    /* Script parameters, set before the start. */
    int expect_connections;
    info_variant info_plan[4];
    size_t info_plan_len;
    first_mode first;
    int overloaded_left;
    bool refuse_auth;
    bool small_buffers;
    /* What the fake saw. */
    int connections;
    size_t info_count;
    int auth_ok;
    int auth_bad;
    uint8_t seen[FAKE_SEEN_MAX][FAKE_SEEN_BYTES_MAX];
    size_t seen_len[FAKE_SEEN_MAX];
    bool seen_authed[FAKE_SEEN_MAX]; /* the connection was authenticated before it */
    size_t seen_count;
    size_t answered;
    char failure[256]; /* set when the client did something unexpected */
};

/* ---- the fake's I/O (runs in the fake's thread: no cmocka asserts) ------ */

static void fake_fail(fake *f, const char *what)
{
    if (f->failure[0] == '\0') {
        snprintf(f->failure, sizeof f->failure, "%s", what);
    }
}

static bool read_full(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n > 0) {
            got += (size_t)n;
        } else if (n == 0 || errno != EINTR) {
            return false; /* closed, timed out (SO_RCVTIMEO) or failed */
        }
    }
    return true;
}

static void write_full(int fd, const uint8_t *buf, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, buf + sent, len - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
        } else if (n < 0 && errno != EINTR) {
            return;
        }
    }
}

/* The next Request, or NULL when the client closed or stayed silent. */
static Mc__Request *fake_read(int fd)
{
    uint8_t header[MC_FRAME_HEADER_BYTES];
    if (!read_full(fd, header, sizeof header)) {
        return NULL;
    }
    uint32_t len = mc_frame_get_length(header);
    if (len > MC_FRAME_MAX_DEFAULT) {
        return NULL;
    }
    uint8_t *body = malloc(len > 0 ? len : 1);
    Mc__Request *req = NULL;
    if (body != NULL && read_full(fd, body, len)) {
        req = mc__request__unpack(NULL, len, body);
    }
    free(body);
    return req;
}

/* Read and drop until the client closes (or FAKE_IO_TIMEOUT_MS). */
static void fake_wait_eof(int fd)
{
    uint8_t buf[4096];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
}

static void fake_send(int fd, const Mc__Response *resp)
{
    uint8_t *frame = NULL;
    size_t len = 0;
    if (mc_frame_pack(&resp->base, &frame, &len) == 0) {
        write_full(fd, frame, len);
        free(frame);
    }
}

static void fake_send_error(int fd, uint64_t id, int code, const char *message)
{
    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__Error error = MC__ERROR__INIT;
    error.code = (uint32_t)code;
    error.name = (char *)mc_err_name(code);
    error.message = (char *)message;
    resp.id = id;
    resp.error = &error;
    fake_send(fd, &resp);
}

static void fake_send_applied(int fd, uint64_t id, uint64_t height)
{
    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__TxResult result = MC__TX_RESULT__INIT;
    result.height = height;
    resp.id = id;
    resp.kind_case = MC__RESPONSE__KIND_SUBMIT;
    resp.submit = &result;
    fake_send(fd, &resp);
}

static int fake_accept(fake *f)
{
    struct pollfd p = {.fd = f->listen_fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, FAKE_IO_TIMEOUT_MS) != 1) {
        fake_fail(f, "no connection came");
        return -1;
    }
    int fd = accept(f->listen_fd, NULL, NULL);
    if (fd < 0) {
        fake_fail(f, "accept failed");
        return -1;
    }
    struct timeval tv = {.tv_sec = FAKE_IO_TIMEOUT_MS / 1000, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    f->connections++;
    return fd;
}

/* ---- the fake's answers ------------------------------------------------- */

static void fake_answer_info(fake *f, int fd, uint64_t id)
{
    info_variant v = INFO_GOOD;
    if (f->info_plan_len > 0) {
        v = f->info_plan[f->info_count < f->info_plan_len ? f->info_count : f->info_plan_len - 1];
    }
    f->info_count++;
    static const int64_t mins[MC_KIND_COUNT] = {-30000, -500000, -500000, INT64_MIN};
    static const int64_t maxs[MC_KIND_COUNT] = {300000, 5000000, 5000000, INT64_MAX};
    Mc__Limits limits[MC_KIND_COUNT];
    Mc__KindLimits kinds[MC_KIND_COUNT], *kind_list[MC_KIND_COUNT];
    for (int i = 0; i < (int)MC_KIND_COUNT; i++) {
        mc__limits__init(&limits[i]);
        limits[i].min_balance = mins[i];
        limits[i].max_balance = maxs[i];
        mc__kind_limits__init(&kinds[i]);
        kinds[i].kind = (Mc__AccountKind)(i + 1);
        kinds[i].limits = &limits[i];
        kind_list[i] = &kinds[i];
    }
    uint8_t genesis[FAKE_GENESIS_BYTES], node_key[MC_PUBLIC_KEY_BYTES],
        steward[MC_PUBLIC_KEY_BYTES];
    memcpy(genesis, f->genesis, sizeof genesis);
    genesis[0] ^= v == INFO_BAD_GENESIS ? 1 : 0;
    memset(node_key, 0x4e, sizeof node_key);
    memset(steward, 0x53, sizeof steward);
    char community[200];
    memset(community, 'x', sizeof community - 1);
    community[sizeof community - 1] = '\0';
    ProtobufCBinaryData stewards[1] = {{v == INFO_SHORT_STEWARD ? 31u : 32u, steward}};
    Mc__NodeLimits node_limits = MC__NODE_LIMITS__INIT;
    node_limits.max_frame_bytes = MC_FRAME_MAX_DEFAULT;
    node_limits.max_in_flight = 1024;
    node_limits.page_size = 100;
    Mc__InfoResponse info = MC__INFO_RESPONSE__INIT;
    info.ledger_id = (ProtobufCBinaryData){sizeof f->ledger_id, f->ledger_id};
    info.community = v == INFO_LONG_COMMUNITY ? community : "SEL de la Vallée";
    info.unit_name = "grain";
    info.unit_symbol = "g";
    info.decimals = 2;
    info.visibility = MC__VISIBILITY__VISIBILITY_OPEN;
    info.node_public_key = (ProtobufCBinaryData){sizeof node_key, node_key};
    info.height = 1234;
    info.n_default_limits = MC_KIND_COUNT;
    info.default_limits = kind_list;
    info.n_stewards = 1;
    info.stewards = stewards;
    info.quorum = 1;
    info.created_at = 1700000000;
    info.genesis = (ProtobufCBinaryData){sizeof genesis, genesis};
    info.protocol_version = 1;
    info.limits = &node_limits;
    info.node_time = 1700000100;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = id;
    resp.kind_case = MC__RESPONSE__KIND_INFO;
    resp.info = &info;
    fake_send(fd, &resp);
}

static void fake_answer_challenge(fake *f, int fd, uint64_t id)
{
    if (mc_random_bytes(f->challenge, sizeof f->challenge) != MC_ERR_OK) {
        fake_fail(f, "no random bytes");
    }
    f->has_challenge = true;
    Mc__ChallengeResponse challenge = MC__CHALLENGE_RESPONSE__INIT;
    challenge.challenge = (ProtobufCBinaryData){sizeof f->challenge, f->challenge};
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = id;
    resp.kind_case = MC__RESPONSE__KIND_CHALLENGE;
    resp.challenge = &challenge;
    fake_send(fd, &resp);
}

/* Checks the signature twice: with mc_verify_auth, and over the message
 * "mc/auth/v1" || ledger_id || challenge assembled here. */
static bool fake_auth_verifies(fake *f, const Mc__AuthenticateRequest *a)
{
    if (!f->has_challenge || a->public_key.len != MC_PUBLIC_KEY_BYTES ||
        a->signature.len != MC_SIGNATURE_BYTES) {
        return false;
    }
    uint8_t msg[sizeof MC_DOMAIN_AUTH - 1 + MC_LEDGER_ID_BYTES + MC_CHALLENGE_BYTES];
    memcpy(msg, MC_DOMAIN_AUTH, sizeof MC_DOMAIN_AUTH - 1);
    memcpy(msg + sizeof MC_DOMAIN_AUTH - 1, f->ledger_id, MC_LEDGER_ID_BYTES);
    memcpy(msg + sizeof MC_DOMAIN_AUTH - 1 + MC_LEDGER_ID_BYTES, f->challenge, MC_CHALLENGE_BYTES);
    return mc_verify_auth(a->public_key.data, f->ledger_id, f->challenge, a->signature.data) &&
           mc_verify_raw(a->public_key.data, msg, sizeof msg, a->signature.data);
}

static void fake_answer_auth(fake *f, int fd, const Mc__Request *req, bool *authed)
{
    const Mc__AuthenticateRequest *a = req->authenticate;
    bool ok = fake_auth_verifies(f, a) && !f->refuse_auth;
    f->has_challenge = false;
    if (!ok) {
        f->auth_bad++;
        fake_send_error(fd, req->id, MC_ERR_AUTH_FAILED,
                        "authentication failed: the signature does not verify");
        return;
    }
    f->auth_ok++;
    *authed = true;
    Mc__AuthenticateResponse auth = MC__AUTHENTICATE_RESPONSE__INIT;
    auth.public_key = a->public_key;
    auth.has_account = true;
    auth.handle = "alice";
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_AUTHENTICATE;
    resp.authenticate = &auth;
    fake_send(fd, &resp);
}

static void fake_wire_account(Mc__WireAccount *w, Mc__Limits *limits, uint8_t *key,
                              const char *handle)
{
    mc__wire_account__init(w);
    mc__limits__init(limits);
    limits->min_balance = -30000;
    limits->max_balance = 300000;
    w->public_key = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, key};
    w->handle = (char *)handle;
    w->kind = MC__ACCOUNT_KIND__ACCOUNT_KIND_MEMBER;
    w->status = MC__ACCOUNT_STATUS__ACCOUNT_STATUS_ACTIVE;
    w->balance = -1234;
    w->limits = limits;
    w->opened_height = 3;
    w->joined = true;
    w->last_activity_height = 17;
}

static void fake_answer_account(int fd, const Mc__Request *req)
{
    const Mc__GetAccountRequest *g = req->get_account;
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    memset(key, 0xa1, sizeof key);
    if (g->public_key.len == MC_PUBLIC_KEY_BYTES) {
        memcpy(key, g->public_key.data, sizeof key);
    } else if (strcmp(g->handle, "alice") != 0) {
        fake_send_error(fd, req->id, MC_ERR_NOT_FOUND, "no account with the handle nobody");
        return;
    }
    Mc__WireAccount w;
    Mc__Limits limits;
    fake_wire_account(&w, &limits, key, "alice");
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_ACCOUNT;
    resp.account = &w;
    fake_send(fd, &resp);
}

static void fake_answer_accounts(int fd, const Mc__Request *req)
{
    uint8_t keys[3][MC_PUBLIC_KEY_BYTES];
    Mc__WireAccount w[3], *list[3];
    Mc__Limits limits[3];
    static const char *const handles[3] = {"ann", "bob", "cyd"};
    size_t n = req->list_accounts->limit < 3 ? req->list_accounts->limit : 3;
    for (size_t i = 0; i < 3; i++) {
        memset(keys[i], (int)i + 1, MC_PUBLIC_KEY_BYTES);
        fake_wire_account(&w[i], &limits[i], keys[i], handles[i]);
        list[i] = &w[i];
    }
    Mc__ListAccountsResponse accounts = MC__LIST_ACCOUNTS_RESPONSE__INIT;
    accounts.n_accounts = n;
    accounts.accounts = list;
    accounts.more = true;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_ACCOUNTS;
    resp.accounts = &accounts;
    fake_send(fd, &resp);
}

/* Two items; for a key starting with 0xEE the memo is one byte too long. */
static void fake_answer_history(int fd, const Mc__Request *req)
{
    uint8_t tx_id[MC_TX_ID_BYTES], other[MC_PUBLIC_KEY_BYTES], memo[MC_CLIENT_MEMO_MAX + 1];
    memset(tx_id, 0x7d, sizeof tx_id);
    memset(other, 0x0b, sizeof other);
    memset(memo, 'm', sizeof memo);
    bool bad = req->history->public_key.len > 0 && req->history->public_key.data[0] == 0xee;
    Mc__HistoryItem items[2], *list[2] = {&items[0], &items[1]};
    for (int i = 0; i < 2; i++) {
        mc__history_item__init(&items[i]);
        items[i].height = (uint64_t)(20 - i);
        items[i].time = 1700000000 + i;
        items[i].delta = i == 0 ? -500 : 700;
        items[i].balance_after = 200 - 500 * (1 - i);
        items[i].tx_id = (ProtobufCBinaryData){sizeof tx_id, tx_id};
        items[i].kind = MC_TX_TRANSFER;
        items[i].counterparty = (ProtobufCBinaryData){sizeof other, other};
        items[i].counterparty_handle = "bob";
        items[i].memo = (ProtobufCBinaryData){bad ? sizeof memo : 6u, memo};
    }
    Mc__HistoryResponse history = MC__HISTORY_RESPONSE__INIT;
    history.n_items = 2;
    history.items = list;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_HISTORY;
    resp.history = &history;
    fake_send(fd, &resp);
}

static void fake_answer_tx(int fd, const Mc__Request *req)
{
    static uint8_t entry[5] = {1, 2, 3, 4, 5};
    Mc__GetTxResponse tx = MC__GET_TX_RESPONSE__INIT;
    tx.tx_id = req->get_tx->tx_id;
    tx.height = 9;
    tx.entry = (ProtobufCBinaryData){sizeof entry, entry};
    tx.time = 1700000009;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_TX;
    resp.tx = &tx;
    fake_send(fd, &resp);
}

/* Answer anything but a submission. False for a submission. */
static bool fake_serve_common(fake *f, int fd, const Mc__Request *req, bool *authed)
{
    switch (req->kind_case) {
    case MC__REQUEST__KIND_INFO:
        fake_answer_info(f, fd, req->id);
        return true;
    case MC__REQUEST__KIND_CHALLENGE:
        fake_answer_challenge(f, fd, req->id);
        return true;
    case MC__REQUEST__KIND_AUTHENTICATE:
        fake_answer_auth(f, fd, req, authed);
        return true;
    case MC__REQUEST__KIND_GET_ACCOUNT:
        fake_answer_account(fd, req);
        return true;
    case MC__REQUEST__KIND_LIST_ACCOUNTS:
        fake_answer_accounts(fd, req);
        return true;
    case MC__REQUEST__KIND_HISTORY:
        fake_answer_history(fd, req);
        return true;
    case MC__REQUEST__KIND_GET_TX:
        fake_answer_tx(fd, req);
        return true;
    default:
        return false;
    }
}

static void fake_record(fake *f, const Mc__Request *req, bool authed)
{
    const ProtobufCBinaryData *b = &req->submit->signed_tx;
    if (f->seen_count >= FAKE_SEEN_MAX) {
        return;
    }
    if (b->len <= FAKE_SEEN_BYTES_MAX) { /* larger ones: only the length */
        memcpy(f->seen[f->seen_count], b->data, b->len);
    }
    f->seen_len[f->seen_count] = b->len;
    f->seen_authed[f->seen_count] = authed;
    f->seen_count++;
}

/* Serve until a submission comes (returned, recorded) or the client goes
 * (NULL). */
static Mc__Request *fake_serve_until_submit(fake *f, int fd, bool *authed)
{
    for (;;) {
        Mc__Request *req = fake_read(fd);
        if (req == NULL) {
            return NULL;
        }
        if (req->kind_case == MC__REQUEST__KIND_SUBMIT) {
            fake_record(f, req, *authed);
            return req;
        }
        if (!fake_serve_common(f, fd, req, authed)) {
            fake_fail(f, "unexpected request kind");
        }
        mc__request__free_unpacked(req, NULL);
    }
}

/* Serve the connection until the client closes; submissions applied. */
static void fake_serve_connection(fake *f, int fd, bool *authed)
{
    Mc__Request *req;
    while ((req = fake_serve_until_submit(f, fd, authed)) != NULL) {
        fake_send_applied(fd, req->id, 42);
        mc__request__free_unpacked(req, NULL);
    }
}

/* ---- scripts ------------------------------------------------------------ */

static void script_serve(fake *f)
{
    for (int i = 0; i < f->expect_connections; i++) {
        bool authed = false;
        int fd = fake_accept(f);
        if (fd < 0) {
            return;
        }
        fake_serve_connection(f, fd, &authed);
        close(fd);
    }
}

/* First connection: drop or ignore the submission; second: serve. */
static void script_resend(fake *f)
{
    bool authed = false;
    int fd = fake_accept(f);
    if (fd < 0) {
        return;
    }
    Mc__Request *req = fake_serve_until_submit(f, fd, &authed);
    if (req == NULL) {
        fake_fail(f, "no submission on the first connection");
    }
    mc__request__free_unpacked(req, NULL);
    if (f->first == FIRST_SILENT) {
        fake_wait_eof(fd);
    }
    close(fd);
    authed = false;
    fd = fake_accept(f);
    if (fd >= 0) {
        fake_serve_connection(f, fd, &authed);
        close(fd);
    }
}

static void script_overloaded(fake *f)
{
    bool authed = false;
    int fd = fake_accept(f);
    if (fd < 0) {
        return;
    }
    Mc__Request *req;
    while ((req = fake_serve_until_submit(f, fd, &authed)) != NULL) {
        if (f->overloaded_left > 0) {
            f->overloaded_left--;
            fake_send_error(fd, req->id, MC_ERR_OVERLOADED, "the node is overloaded; retry later");
        } else {
            fake_send_applied(fd, req->id, 7);
        }
        mc__request__free_unpacked(req, NULL);
    }
    close(fd);
}

/* Every connection: read the submission, never answer. */
static void script_silent(fake *f)
{
    for (int i = 0; i < f->expect_connections; i++) {
        bool authed = false;
        int fd = fake_accept(f);
        if (fd < 0) {
            return;
        }
        mc__request__free_unpacked(fake_serve_until_submit(f, fd, &authed), NULL);
        fake_wait_eof(fd);
        close(fd);
    }
}

/* First connection: a frame that is not a Response; second: a header
 * announcing more than MC_FRAME_MAX_LIMIT. */
static void script_garbage(fake *f)
{
    static const uint8_t garbage[] = {0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t oversized[] = {0x7f, 0xff, 0xff, 0xff, 0, 0};
    for (int i = 0; i < 2; i++) {
        int fd = fake_accept(f);
        if (fd < 0) {
            return;
        }
        mc__request__free_unpacked(fake_read(fd), NULL);
        write_full(fd, i == 0 ? garbage : oversized, i == 0 ? sizeof garbage : sizeof oversized);
        fake_wait_eof(fd);
        close(fd);
    }
}

/* A refusal: the TxResult's context and the words in Response.error. */
static void script_refusal(fake *f)
{
    bool authed = false;
    int fd = fake_accept(f);
    if (fd < 0) {
        return;
    }
    Mc__Request *req = fake_serve_until_submit(f, fd, &authed);
    if (req != NULL) {
        uint8_t account[MC_PUBLIC_KEY_BYTES];
        memset(account, 0xa1, sizeof account);
        Mc__TxResult result = MC__TX_RESULT__INIT;
        result.code = MC_ERR_EXCEEDS_CREDIT_LIMIT;
        result.account = (ProtobufCBinaryData){sizeof account, account};
        result.handle = "alice";
        result.amount = 5000;
        result.balance = -28000;
        result.limit = -30000;
        Mc__Error error = MC__ERROR__INIT;
        error.code = MC_ERR_EXCEEDS_CREDIT_LIMIT;
        error.name = "EXCEEDS_CREDIT_LIMIT";
        error.message = "paying 50.00 g would take alice to -330.00 g, below the credit limit "
                        "of -300.00 g";
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.id = req->id;
        resp.error = &error;
        resp.kind_case = MC__RESPONSE__KIND_SUBMIT;
        resp.submit = &result;
        fake_send(fd, &resp);
        mc__request__free_unpacked(req, NULL);
        fake_serve_connection(f, fd, &authed);
    }
    close(fd);
}

/* Each connection is refused for load with an id-0 answer. */
static void script_connection_overloaded(fake *f)
{
    for (int i = 0; i < f->expect_connections; i++) {
        int fd = fake_accept(f);
        if (fd < 0) {
            return;
        }
        fake_send_error(fd, 0, MC_ERR_OVERLOADED, "too many connections (2 at most)");
        shutdown(fd, SHUT_WR);
        fake_wait_eof(fd);
        close(fd);
    }
}

/* Every connection: answer one request, then close it (an idle timeout). */
static void script_close_when_idle(fake *f)
{
    for (int i = 0; i < f->expect_connections; i++) {
        bool authed = false;
        int fd = fake_accept(f);
        if (fd < 0) {
            return;
        }
        Mc__Request *req = fake_read(fd);
        if (req == NULL || !fake_serve_common(f, fd, req, &authed)) {
            fake_fail(f, "expected one request that is not a submission");
        }
        mc__request__free_unpacked(req, NULL);
        close(fd);
    }
}

/* Read PIPELINE_COUNT submissions, then answer them in another order: each
 * tenth with an OVERLOADED error, the others applied (no tx_id sent). */
static void script_pipeline(fake *f)
{
    bool authed = false;
    uint64_t ids[PIPELINE_COUNT];
    int fd = fake_accept(f);
    if (fd < 0) {
        return;
    }
    for (size_t i = 0; i < PIPELINE_COUNT; i++) {
        Mc__Request *req = fake_serve_until_submit(f, fd, &authed);
        if (req == NULL) {
            fake_fail(f, "fewer submissions than expected");
            close(fd);
            return;
        }
        ids[i] = req->id;
        mc__request__free_unpacked(req, NULL);
    }
    for (size_t i = 0; i < PIPELINE_COUNT; i++) {
        size_t k = (i * 37u + 11u) % PIPELINE_COUNT; /* 37 is prime to 100 */
        if (k % 10u == 0) {
            fake_send_error(fd, ids[k], MC_ERR_OVERLOADED, "the node is overloaded; retry later");
        } else {
            fake_send_applied(fd, ids[k], 100 + k);
        }
        f->answered++;
    }
    fake_serve_connection(f, fd, &authed);
    close(fd);
}

/* Answer each submission at once with a long error, blocking when the
 * client does not read: with small buffers, a client that only sends
 * would deadlock. */
static void script_flood(fake *f)
{
    static char message[FLOOD_MESSAGE_BYTES];
    memset(message, 'w', sizeof message - 1);
    bool authed = false;
    int fd = fake_accept(f);
    if (fd < 0) {
        return;
    }
    for (size_t i = 0; i < FLOOD_COUNT; i++) {
        Mc__Request *req = fake_serve_until_submit(f, fd, &authed);
        if (req == NULL) {
            fake_fail(f, "fewer flood submissions than expected");
            break;
        }
        fake_send_error(fd, req->id, MC_ERR_MALFORMED, message);
        f->answered++;
        mc__request__free_unpacked(req, NULL);
    }
    fake_wait_eof(fd);
    close(fd);
}

/* Read LOST_READ_COUNT submissions, answer the first LOST_ANSWER_COUNT of
 * them in one write and close the connection while the client is still
 * sending (unread requests: a reset). Then serve a second connection. */
static void script_answer_then_close(fake *f)
{
    enum { ANSWER_BYTES_MAX = 64 };
    static uint8_t answers[LOST_ANSWER_COUNT * ANSWER_BYTES_MAX];
    size_t len = 0;
    bool authed = false;
    int fd = fake_accept(f);
    if (fd < 0) {
        return;
    }
    for (size_t i = 0; i < LOST_READ_COUNT; i++) {
        Mc__Request *req = fake_serve_until_submit(f, fd, &authed);
        if (req == NULL) {
            fake_fail(f, "fewer submissions than expected before the close");
            break;
        }
        if (i < LOST_ANSWER_COUNT) {
            Mc__Response resp = MC__RESPONSE__INIT;
            Mc__TxResult result = MC__TX_RESULT__INIT;
            result.height = 100 + i;
            resp.id = req->id;
            resp.kind_case = MC__RESPONSE__KIND_SUBMIT;
            resp.submit = &result;
            size_t body = mc__response__get_packed_size(&resp);
            if (MC_FRAME_HEADER_BYTES + body <= ANSWER_BYTES_MAX) {
                mc_frame_put_length(answers + len, (uint32_t)body);
                len += MC_FRAME_HEADER_BYTES;
                len += mc__response__pack(&resp, answers + len);
                f->answered++;
            } else {
                fake_fail(f, "an answer larger than ANSWER_BYTES_MAX");
            }
        }
        mc__request__free_unpacked(req, NULL);
    }
    write_full(fd, answers, len);
    close(fd);
    authed = false;
    fd = fake_accept(f);
    if (fd >= 0) {
        fake_serve_connection(f, fd, &authed);
        close(fd);
    }
}

/* ---- starting and stopping the fake ------------------------------------- */

static void *fake_main(void *arg)
{
    fake *f = arg;
    f->script(f);
    return NULL;
}

static void fake_init(fake *f)
{
    memset(f, 0, sizeof *f);
    f->listen_fd = -1;
    f->expect_connections = 1;
    for (size_t i = 0; i < sizeof f->genesis; i++) {
        f->genesis[i] = (uint8_t)(i * 7u + 3u);
    }
    mc_sha256(f->genesis, sizeof f->genesis, f->ledger_id);
}

/* Listen on the loopback address of `family` (port chosen by the kernel)
 * and run `script` in a thread. */
static void fake_start(fake *f, int family, fake_script script)
{
    int fd = socket(family, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int one = 1, small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (f->small_buffers) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    }
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
    assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    f->port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                       : ((struct sockaddr_in *)&ss)->sin_port);
    f->listen_fd = fd;
    f->script = script;
    assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

/* Join the thread, close, and fail when the fake saw something wrong. */
static void fake_stop(fake *f)
{
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    close(f->listen_fd);
    if (f->failure[0] != '\0') {
        print_error("fake node: %s\n", f->failure);
    }
    assert_string_equal(f->failure, "");
}

/* ---- client helpers ----------------------------------------------------- */

static mc_client_options options(int timeout_ms, unsigned retries)
{
    mc_client_options o;
    mc_client_options_default(&o);
    o.timeout_ms = timeout_ms;
    o.connect_timeout_ms = TEST_CONNECT_TIMEOUT_MS;
    o.submit_retries = retries;
    return o;
}

static mc_client *connect_to(const fake *f, int timeout_ms, unsigned retries)
{
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%u", (unsigned)f->port);
    mc_client_options o = options(timeout_ms, retries);
    mc_client *c = NULL;
    int rc = mc_client_connect(address, &o, &c);
    if (rc != MC_ERR_OK) {
        print_error("connect %s: %s\n", address, mc_client_error_message(NULL));
    }
    assert_int_equal(rc, MC_ERR_OK);
    return c;
}

/* A signed transfer from `payer` with a memo of `memo_len` bytes (more than
 * the ledger allows, when a test wants large frames); the caller frees *out. */
static void signed_transfer_memo(const mc_keypair *payer, uint64_t nonce, size_t memo_len,
                                 uint8_t **out, size_t *len)
{
    static uint8_t memo[FLOOD_MEMO_BYTES];
    memset(memo, 'm', sizeof memo);
    assert_true(memo_len <= sizeof memo);
    mc_body b;
    memset(&b, 0, sizeof b);
    memset(b.ledger_id, 0x11, sizeof b.ledger_id);
    b.nonce = nonce;
    b.kind = MC_TX_TRANSFER;
    memcpy(b.u.transfer.payer, mc_keypair_public(payer), MC_PUBLIC_KEY_BYTES);
    memset(b.u.transfer.payee, 0x22, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = 500;
    b.u.transfer.memo = memo_len > 0 ? memo : NULL;
    b.u.transfer.memo_len = memo_len;
    uint8_t *body = NULL;
    size_t body_len = 0;
    assert_int_equal(mc_body_encode(&b, &body, &body_len), MC_ERR_OK);
    const mc_keypair *keys[1] = {payer};
    assert_int_equal(mc_tx_sign(body, body_len, keys, 1, out, len), MC_ERR_OK);
    free(body);
}

static void signed_transfer(const mc_keypair *payer, uint64_t nonce, uint8_t **out, size_t *len)
{
    signed_transfer_memo(payer, nonce, 0, out, len);
}

static void tx_id_of(const uint8_t *signed_tx, size_t len, uint8_t out[MC_TX_ID_BYTES])
{
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(signed_tx, len, &tx), MC_ERR_OK);
    memcpy(out, mc_tx_id_of(tx), MC_TX_ID_BYTES);
    mc_tx_free(tx);
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL) {
        print_error("\"%s\" does not contain \"%s\"\n", text, part);
        fail();
    }
}

/* ---- tests -------------------------------------------------------------- */

static void test_address_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "nohost",   "1.2.3.4:",  ":x",    "[::1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:12a",
        "::1:7878", "[::1]7878", "[]:80", "",     "host:-1",     "127.0.0.1:007878"};
    mc_client_options o = options(SHORT_TIMEOUT_MS, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_client *c = (mc_client *)&o; /* must stay untouched */
        int rc = mc_client_connect(bad[i], &o, &c);
        if (rc != MC_ERR_INVALID_ARGUMENT) {
            print_error("address \"%s\": %s\n", bad[i], mc_err_name(rc));
        }
        assert_int_equal(rc, MC_ERR_INVALID_ARGUMENT);
        assert_ptr_equal(c, (mc_client *)&o);
        assert_string_not_equal(mc_client_error_message(NULL), "");
    }
    mc_client *c = NULL;
    assert_int_equal(mc_client_connect(NULL, &o, &c), MC_ERR_INVALID_ARGUMENT);
}

/* "127.0.0.1:PORT", "localhost:PORT" (whichever address family it resolves
 * to first) and "[::1]:PORT" connect, and the default options work. */
static void connect_and_ask(const char *address, const mc_client_options *opts)
{
    mc_client *c = NULL;
    int rc = mc_client_connect(address, opts, &c);
    if (rc != MC_ERR_OK) {
        print_error("%s: %s\n", address, mc_client_error_message(NULL));
    }
    assert_int_equal(rc, MC_ERR_OK);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    assert_string_equal(mc_client_error_message(c), "");
    mc_client_close(c);
}

/* "127.0.0.1:PORT" (default options), "localhost:PORT" (whichever address
 * family it resolves to first) and "[::1]:PORT" connect. */
/* Whether this system resolves "localhost" to 127.0.0.1: a minimal chroot
 * without /etc/hosts does not, and that is the system's business, not the
 * client's. */
static bool localhost_resolves(void)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo("localhost", NULL, &hints, &res) != 0)
        return false;
    freeaddrinfo(res);
    return true;
}

static void test_address_accepted(void **state)
{
    (void)state;
    mc_client_options o = options(2000, 0);
    bool by_name = localhost_resolves();
    char address[64];
    fake f;
    fake_init(&f);
    f.expect_connections = by_name ? 2 : 1;
    fake_start(&f, AF_INET, script_serve);
    snprintf(address, sizeof address, "127.0.0.1:%u", (unsigned)f.port);
    connect_and_ask(address, NULL);
    if (by_name) {
        snprintf(address, sizeof address, "localhost:%u", (unsigned)f.port);
        connect_and_ask(address, &o);
    } else {
        print_message("localhost does not resolve here; name lookup not tested\n");
    }
    fake_stop(&f);
    assert_int_equal(f.connections, by_name ? 2 : 1);

    fake_init(&f);
    fake_start(&f, AF_INET6, script_serve);
    snprintf(address, sizeof address, "[::1]:%u", (unsigned)f.port);
    connect_and_ask(address, &o);
    fake_stop(&f);
    assert_int_equal(f.connections, 1);
    mc_client_close(NULL);
}

static void test_connect_unreachable(void **state)
{
    (void)state;
    /* A bound socket that does not listen: connections to it are refused. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    char address[64];
    snprintf(address, sizeof address, "127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    mc_client_options o = options(SHORT_TIMEOUT_MS, 0);
    mc_client *c = NULL;
    assert_int_equal(mc_client_connect(address, &o, &c), MC_ERR_UNREACHABLE);
    assert_null(c);
    assert_true(mc_client_is_transport_error(MC_ERR_UNREACHABLE));
    assert_contains(mc_client_error_message(NULL), address);
    assert_contains(mc_client_error_message(NULL), "refused");
    close(fd);
}

static void test_info(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.info_plan[0] = INFO_GOOD;
    f.info_plan[1] = INFO_LONG_COMMUNITY;
    f.info_plan[2] = INFO_SHORT_STEWARD;
    f.info_plan[3] = INFO_GOOD;
    f.info_plan_len = 4;
    fake_start(&f, AF_INET, script_serve);
    mc_client *c = connect_to(&f, 2000, 0);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    assert_memory_equal(info.ledger.ledger_id, f.ledger_id, MC_LEDGER_ID_BYTES);
    assert_string_equal(info.ledger.community, "SEL de la Vallée");
    assert_string_equal(info.ledger.unit_name, "grain");
    assert_string_equal(info.ledger.unit_symbol, "g");
    assert_int_equal(info.ledger.decimals, 2);
    assert_int_equal(info.ledger.visibility, MC_VISIBILITY_OPEN);
    assert_int_equal(info.ledger.height, 1234);
    assert_int_equal(info.ledger.default_limits[0].min_balance, -30000);
    assert_int_equal(info.ledger.default_limits[3].max_balance, INT64_MAX);
    assert_int_equal(info.ledger.steward_count, 1);
    assert_int_equal(info.ledger.quorum, 1);
    assert_int_equal(info.ledger.map_size, 0);
    assert_int_equal(info.max_in_flight, 1024);
    assert_int_equal(info.page_size, 100);
    assert_int_equal(info.node_time, 1700000100);
    /* Out-of-range answers are refused, the caller's copy untouched. */
    mc_client_info before = info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_PROTOCOL);
    assert_contains(mc_client_error_message(c), "community");
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_PROTOCOL);
    assert_contains(mc_client_error_message(c), "steward");
    assert_memory_equal(&before, &info, sizeof info);
    uint8_t *genesis = NULL;
    size_t genesis_len = 0;
    assert_int_equal(mc_client_genesis(c, &genesis, &genesis_len), MC_ERR_OK);
    assert_int_equal(genesis_len, sizeof f.genesis);
    assert_memory_equal(genesis, f.genesis, genesis_len);
    free(genesis);
    mc_client_close(c);
    fake_stop(&f);
}

static void test_info_bad_genesis(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.info_plan[0] = INFO_BAD_GENESIS;
    f.info_plan_len = 1;
    fake_start(&f, AF_INET, script_serve);
    mc_client *c = connect_to(&f, 2000, 0);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_PROTOCOL);
    assert_contains(mc_client_error_message(c), "genesis");
    uint8_t *genesis = NULL;
    size_t genesis_len = 0;
    assert_int_equal(mc_client_genesis(c, &genesis, &genesis_len), MC_ERR_PROTOCOL);
    assert_null(genesis);
    mc_client_close(c);
    fake_stop(&f);
}

/* The fake checks the signature over "mc/auth/v1" || ledger_id || challenge,
 * the ledger id fetched by the client itself; then a refusal. */
static void test_authenticate(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    fake_start(&f, AF_INET, script_serve);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    mc_client *c = connect_to(&f, 2000, 0);
    mc_client_identity id;
    assert_int_equal(mc_client_authenticate(c, kp, &id), MC_ERR_OK);
    assert_memory_equal(id.public_key, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    assert_true(id.has_account);
    assert_string_equal(id.handle, "alice");
    assert_false(id.steward);
    assert_int_equal(mc_client_authenticate(c, kp, NULL), MC_ERR_OK);
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.auth_ok, 2);
    assert_int_equal(f.auth_bad, 0);
    assert_int_equal(f.info_count, 1); /* the ledger id is cached */

    fake_init(&f);
    f.refuse_auth = true;
    fake_start(&f, AF_INET, script_serve);
    c = connect_to(&f, 2000, 0);
    assert_int_equal(mc_client_authenticate(c, kp, &id), MC_ERR_AUTH_FAILED);
    assert_contains(mc_client_error_message(c), "does not verify");
    assert_false(mc_client_is_transport_error(MC_ERR_AUTH_FAILED));
    mc_client_close(c);
    fake_stop(&f);
    mc_keypair_free(kp);
}

/* The first connection is dropped (or stays silent past the timeout) with
 * the submission unanswered: the client reconnects, authenticates again,
 * and sends the same bytes. */
static void run_resend(first_mode first)
{
    fake f;
    fake_init(&f);
    f.first = first;
    fake_start(&f, AF_INET, script_resend);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    uint8_t *tx = NULL;
    size_t tx_len = 0;
    signed_transfer(kp, 1, &tx, &tx_len);
    mc_client *c = connect_to(&f, SHORT_TIMEOUT_MS, 2);
    assert_int_equal(mc_client_authenticate(c, kp, NULL), MC_ERR_OK);
    mc_result r;
    int rc = mc_client_submit(c, tx, tx_len, &r);
    if (rc != MC_ERR_OK) {
        print_error("submit: %s: %s\n", mc_err_name(rc), mc_client_error_message(c));
    }
    assert_int_equal(rc, MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_OK);
    assert_int_equal(r.height, 42);
    uint8_t want_id[MC_TX_ID_BYTES];
    tx_id_of(tx, tx_len, want_id);
    assert_memory_equal(r.tx_id, want_id, MC_TX_ID_BYTES);
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.connections, 2);
    assert_int_equal(f.auth_ok, 2);
    assert_int_equal(f.seen_count, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(f.seen_len[i], tx_len);
        assert_memory_equal(f.seen[i], tx, tx_len);
        assert_true(f.seen_authed[i]);
    }
    free(tx);
    mc_keypair_free(kp);
}

static void test_submit_resend_after_drop(void **state)
{
    (void)state;
    run_resend(FIRST_DROP);
}

static void test_submit_resend_after_silence(void **state)
{
    (void)state;
    run_resend(FIRST_SILENT);
}

static void test_submit_overloaded_then_applied(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.overloaded_left = 2;
    fake_start(&f, AF_INET, script_overloaded);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    uint8_t *tx = NULL;
    size_t tx_len = 0;
    signed_transfer(kp, 2, &tx, &tx_len);
    mc_client *c = connect_to(&f, 2000, MC_CLIENT_SUBMIT_RETRIES_DEFAULT);
    mc_result r;
    assert_int_equal(mc_client_submit(c, tx, tx_len, &r), MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_OK);
    assert_int_equal(r.height, 7);
    assert_string_equal(mc_client_error_message(c), "");
    /* Overloaded past the retries: answered, with out->code OVERLOADED. */
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.connections, 1);
    assert_int_equal(f.seen_count, 3);

    fake_init(&f);
    f.overloaded_left = 100;
    fake_start(&f, AF_INET, script_overloaded);
    c = connect_to(&f, 2000, 1);
    assert_int_equal(mc_client_submit(c, tx, tx_len, &r), MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_OVERLOADED);
    assert_contains(mc_client_error_message(c), "overloaded");
    uint8_t want_id[MC_TX_ID_BYTES];
    tx_id_of(tx, tx_len, want_id);
    assert_memory_equal(r.tx_id, want_id, MC_TX_ID_BYTES);
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.seen_count, 2);
    free(tx);
    mc_keypair_free(kp);
}

/* A node refusing connections for load (answer id 0, then close). */
static void test_connection_overloaded(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.expect_connections = 3;
    fake_start(&f, AF_INET, script_connection_overloaded);
    mc_client *c = connect_to(&f, 2000, 1);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OVERLOADED);
    assert_contains(mc_client_error_message(c), "too many connections");
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    uint8_t *tx = NULL;
    size_t tx_len = 0;
    signed_transfer(kp, 3, &tx, &tx_len);
    mc_result r;
    assert_int_equal(mc_client_submit(c, tx, tx_len, &r), MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_OVERLOADED);
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.connections, 3);
    free(tx);
    mc_keypair_free(kp);
}

static void test_submit_retries_exhausted(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.expect_connections = 3;
    fake_start(&f, AF_INET, script_silent);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    uint8_t *tx = NULL;
    size_t tx_len = 0;
    signed_transfer(kp, 4, &tx, &tx_len);
    mc_client *c = connect_to(&f, SHORT_TIMEOUT_MS / 2, 2);
    mc_result r;
    memset(&r, 0x5c, sizeof r);
    mc_result before = r;
    assert_int_equal(mc_client_submit(c, tx, tx_len, &r), MC_ERR_TIMEOUT);
    assert_memory_equal(&r, &before, sizeof r);
    assert_contains(mc_client_error_message(c), "2 resends");
    assert_true(mc_client_is_transport_error(MC_ERR_TIMEOUT));
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.connections, 3);
    assert_int_equal(f.seen_count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_memory_equal(f.seen[i], tx, tx_len);
    }
    free(tx);
    mc_keypair_free(kp);
}

/* A connection the node closed while idle is replaced before the next call. */
static void test_reconnect_when_idle_closed(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.expect_connections = 2;
    fake_start(&f, AF_INET, script_close_when_idle);
    mc_client *c = connect_to(&f, 2000, 0);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
    nanosleep(&pause, NULL); /* the node's close reaches the client */
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.connections, 2);
}

/* A frame that is not a Response, then (on the automatic reconnect) one
 * announcing more than MC_FRAME_MAX_LIMIT. */
static void test_garbage_frames(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    fake_start(&f, AF_INET, script_garbage);
    mc_client *c = connect_to(&f, 2000, 0);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_PROTOCOL);
    assert_contains(mc_client_error_message(c), "not a Response");
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_PROTOCOL);
    assert_contains(mc_client_error_message(c), "above the limit");
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.connections, 2);
}

static void test_submit_refusal_context(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    fake_start(&f, AF_INET, script_refusal);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    uint8_t *tx = NULL;
    size_t tx_len = 0;
    signed_transfer(kp, 5, &tx, &tx_len);
    mc_client *c = connect_to(&f, 2000, 0);
    mc_result r;
    assert_int_equal(mc_client_submit(c, tx, tx_len, &r), MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_EXCEEDS_CREDIT_LIMIT);
    assert_false(r.duplicate);
    assert_true(r.has_account);
    uint8_t account[MC_PUBLIC_KEY_BYTES];
    memset(account, 0xa1, sizeof account);
    assert_memory_equal(r.account, account, sizeof account);
    assert_string_equal(r.handle, "alice");
    assert_int_equal(r.amount, 5000);
    assert_int_equal(r.balance, -28000);
    assert_int_equal(r.limit, -30000);
    uint8_t want_id[MC_TX_ID_BYTES];
    tx_id_of(tx, tx_len, want_id);
    assert_memory_equal(r.tx_id, want_id, MC_TX_ID_BYTES);
    assert_string_equal(mc_client_error_message(c), "paying 50.00 g would take alice to -330.00 "
                                                    "g, below the credit limit of -300.00 g");
    /* The next call clears the message. */
    assert_int_equal(mc_client_submit(c, tx, tx_len, &r), MC_ERR_OK);
    assert_int_equal(r.code, MC_ERR_OK);
    assert_string_equal(mc_client_error_message(c), "");
    mc_client_close(c);
    fake_stop(&f);
    free(tx);
    mc_keypair_free(kp);
}

static void test_queries(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    fake_start(&f, AF_INET, script_serve);
    mc_client *c = connect_to(&f, 2000, 0);
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    memset(key, 0x3c, sizeof key);
    mc_client_account a;
    assert_int_equal(mc_client_get_account(c, key, &a), MC_ERR_OK);
    assert_memory_equal(a.account.public_key, key, sizeof key);
    assert_string_equal(a.account.handle, "alice");
    assert_int_equal(a.account.kind, MC_KIND_MEMBER);
    assert_int_equal(a.account.status, MC_STATUS_ACTIVE);
    assert_int_equal(a.account.balance, -1234);
    assert_int_equal(a.account.limits.min_balance, -30000);
    assert_true(a.account.joined);
    assert_false(a.restricted);
    assert_int_equal(a.last_activity_height, 17);
    assert_int_equal(mc_client_find_handle(c, "alice", &a), MC_ERR_OK);
    assert_int_equal(mc_client_find_handle(c, "nobody", &a), MC_ERR_NOT_FOUND);
    assert_contains(mc_client_error_message(c), "nobody");
    assert_int_equal(mc_client_find_handle(c, "", &a), MC_ERR_INVALID_ARGUMENT);

    mc_client_account page[2];
    size_t n = 0;
    bool more = false;
    assert_int_equal(mc_client_list_accounts(c, NULL, page, 2, &n, &more), MC_ERR_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_string_equal(page[1].account.handle, "bob");

    mc_client_history_item items[2];
    assert_int_equal(mc_client_history(c, key, 0, items, 2, &n, &more), MC_ERR_OK);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(items[0].height, 20);
    assert_int_equal(items[0].delta, -500);
    assert_int_equal(items[1].kind, MC_TX_TRANSFER);
    assert_true(items[1].has_counterparty);
    assert_string_equal(items[1].counterparty_handle, "bob");
    assert_string_equal(items[1].memo, "mmmmmm");
    /* Too many items for `cap`, or a memo too long: refused. */
    assert_int_equal(mc_client_history(c, key, 0, items, 1, &n, &more), MC_ERR_PROTOCOL);
    memset(key, 0xee, sizeof key);
    assert_int_equal(mc_client_history(c, key, 0, items, 2, &n, &more), MC_ERR_PROTOCOL);

    mc_client_tx tx;
    assert_int_equal(mc_client_get_tx(c, key, &tx), MC_ERR_OK);
    assert_memory_equal(tx.tx_id, key, MC_TX_ID_BYTES);
    assert_int_equal(tx.height, 9);
    assert_int_equal(tx.entry_len, 5);
    assert_int_equal(tx.entry[4], 5);
    free(tx.entry);
    mc_client_close(c);
    fake_stop(&f);
}

/* PIPELINE_COUNT submissions in flight, answered in another order: each id
 * comes back once with its own tx_id. */
static void test_pipelining(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    fake_start(&f, AF_INET, script_pipeline);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    mc_client *c = connect_to(&f, 2000, 0);
    uint64_t ids[PIPELINE_COUNT];
    uint8_t tx_ids[PIPELINE_COUNT][MC_TX_ID_BYTES];
    for (size_t i = 0; i < PIPELINE_COUNT; i++) {
        uint8_t *tx = NULL;
        size_t tx_len = 0;
        signed_transfer(kp, 100 + i, &tx, &tx_len);
        tx_id_of(tx, tx_len, tx_ids[i]);
        assert_int_equal(mc_client_send_submit(c, tx, tx_len, &ids[i]), MC_ERR_OK);
        assert_true(i == 0 || ids[i] > ids[i - 1]);
        free(tx);
    }
    assert_int_equal(mc_client_outstanding(c), PIPELINE_COUNT);
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_INVALID_ARGUMENT);
    bool received[PIPELINE_COUNT] = {false};
    size_t overloaded = 0;
    for (size_t i = 0; i < PIPELINE_COUNT; i++) {
        uint64_t id = 0;
        mc_result r;
        assert_int_equal(mc_client_recv_result(c, &id, &r), MC_ERR_OK);
        size_t k = 0;
        while (k < PIPELINE_COUNT && ids[k] != id) {
            k++;
        }
        assert_true(k < PIPELINE_COUNT);
        assert_false(received[k]);
        received[k] = true;
        assert_memory_equal(r.tx_id, tx_ids[k], MC_TX_ID_BYTES);
        if (r.code == MC_ERR_OVERLOADED) {
            overloaded++;
        }
        assert_true(r.code == MC_ERR_OVERLOADED || r.height == 100 + k);
    }
    assert_int_equal(overloaded, PIPELINE_COUNT / 10);
    assert_int_equal(mc_client_outstanding(c), 0);
    uint64_t id = 0;
    mc_result r;
    assert_int_equal(mc_client_recv_result(c, &id, &r), MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_OK);
    mc_client_close(c);
    fake_stop(&f);
    mc_keypair_free(kp);
}

/* The fake answers while the client is still sending, and stops reading
 * when the client does not read: the client must read while it sends. */
static void test_pipelining_reads_while_sending(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.small_buffers = true;
    fake_start(&f, AF_INET, script_flood);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    uint8_t *tx = NULL;
    size_t tx_len = 0;
    signed_transfer_memo(kp, 6, FLOOD_MEMO_BYTES, &tx, &tx_len);
    mc_client *c = connect_to(&f, 3000, 0);
    for (size_t i = 0; i < FLOOD_COUNT; i++) {
        uint64_t id = 0;
        int rc = mc_client_send_submit(c, tx, tx_len, &id);
        if (rc != MC_ERR_OK) {
            print_error("send %zu: %s: %s\n", i, mc_err_name(rc), mc_client_error_message(c));
        }
        assert_int_equal(rc, MC_ERR_OK);
    }
    for (size_t i = 0; i < FLOOD_COUNT; i++) {
        uint64_t id = 0;
        mc_result r;
        assert_int_equal(mc_client_recv_result(c, &id, &r), MC_ERR_OK);
        assert_int_equal(id, i + 1); /* this fake answers in order */
        assert_int_equal(r.code, MC_ERR_MALFORMED);
    }
    assert_int_equal(strlen(mc_client_error_message(c)), MC_CLIENT_ERROR_MAX - 1);
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.answered, FLOOD_COUNT);
    free(tx);
    mc_keypair_free(kp);
}

/* The node answers some pipelined submissions and closes the connection
 * while the client is still sending: mc_client_send_submit() fails, yet
 * the answers that came before are all handed out, then UNREACHABLE for
 * the rest; the next call reconnects. */
static void test_pipelining_answers_survive_close(void **state)
{
    (void)state;
    fake f;
    fake_init(&f);
    f.small_buffers = true;
    fake_start(&f, AF_INET, script_answer_then_close);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    uint8_t *tx = NULL;
    size_t tx_len = 0;
    signed_transfer_memo(kp, 9, FLOOD_MEMO_BYTES, &tx, &tx_len);
    mc_client *c = connect_to(&f, 3000, 0);
    size_t sent = 0;
    uint64_t id = 0;
    int rc = MC_ERR_OK;
    while (sent < LOST_SEND_MAX && (rc = mc_client_send_submit(c, tx, tx_len, &id)) == MC_ERR_OK) {
        assert_int_equal(id, sent + 1);
        sent++;
    }
    assert_int_equal(rc, MC_ERR_UNREACHABLE);
    assert_true(sent >= LOST_READ_COUNT);
    assert_int_equal(mc_client_outstanding(c), sent);
    /* No reconnect while answers of the lost connection wait. */
    mc_client_info info;
    assert_int_equal(mc_client_info_get(c, &info), MC_ERR_UNREACHABLE);
    assert_int_equal(mc_client_send_submit(c, tx, tx_len, &id), MC_ERR_UNREACHABLE);
    assert_int_equal(mc_client_outstanding(c), sent);
    mc_result r;
    for (size_t i = 0; i < LOST_ANSWER_COUNT; i++) {
        rc = mc_client_recv_result(c, &id, &r);
        if (rc != MC_ERR_OK) {
            print_error("answer %zu: %s: %s\n", i, mc_err_name(rc), mc_client_error_message(c));
        }
        assert_int_equal(rc, MC_ERR_OK);
        assert_int_equal(id, i + 1);
        assert_int_equal(r.code, MC_ERR_OK);
        assert_int_equal(r.height, 100 + i);
        assert_int_equal(mc_client_outstanding(c), sent - i - 1);
    }
    assert_int_equal(mc_client_recv_result(c, &id, &r), MC_ERR_UNREACHABLE);
    assert_contains(mc_client_error_message(c), "got no answer");
    assert_int_equal(mc_client_outstanding(c), 0);
    assert_int_equal(mc_client_recv_result(c, &id, &r), MC_ERR_INVALID_ARGUMENT);
    /* The next call reconnects; ids go on growing. */
    assert_int_equal(mc_client_send_submit(c, tx, tx_len, &id), MC_ERR_OK);
    assert_true(id > sent);
    uint64_t got = 0;
    assert_int_equal(mc_client_recv_result(c, &got, &r), MC_ERR_OK);
    assert_int_equal(got, id);
    assert_int_equal(r.height, 42);
    mc_client_close(c);
    fake_stop(&f);
    assert_int_equal(f.answered, LOST_ANSWER_COUNT);
    free(tx);
    mc_keypair_free(kp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_refused),
        cmocka_unit_test(test_address_accepted),
        cmocka_unit_test(test_connect_unreachable),
        cmocka_unit_test(test_info),
        cmocka_unit_test(test_info_bad_genesis),
        cmocka_unit_test(test_authenticate),
        cmocka_unit_test(test_submit_resend_after_drop),
        cmocka_unit_test(test_submit_resend_after_silence),
        cmocka_unit_test(test_submit_overloaded_then_applied),
        cmocka_unit_test(test_connection_overloaded),
        cmocka_unit_test(test_submit_retries_exhausted),
        cmocka_unit_test(test_reconnect_when_idle_closed),
        cmocka_unit_test(test_garbage_frames),
        cmocka_unit_test(test_submit_refusal_context),
        cmocka_unit_test(test_queries),
        cmocka_unit_test(test_pipelining),
        cmocka_unit_test(test_pipelining_reads_while_sending),
        cmocka_unit_test(test_pipelining_answers_survive_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
