/* The integration-test harness (see node_harness.h): processes by PID with
 * bounded waits, a temporary data directory, and transaction helpers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "fixture.h"
#include "mc/error.h"
#include "node_harness.h"

#define MC__OUT_MAX 4096u

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *mc_test_bin(const char *var)
{
    const char *path = getenv(var);
    if (path == NULL || path[0] == '\0') {
        print_error("%s is not set (run the test through ctest)\n", var);
        fail();
    }
    return path;
}

/* Wait for `pid` up to `timeout_ms`; the exit status as mc_test_node_stop
 * documents, or -1 on timeout. */
static int wait_pid(pid_t pid, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (now_ms() >= deadline) {
            return -1;
        }
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 5000000};
        nanosleep(&pause, NULL);
    }
}

/* In the child: die with the parent, add `env`, exec. */
static void child_exec(const char *const *argv, const char *const *env, int out_fd, int err_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        putenv((char *)env[i]);
    }
    execv(argv[0], (char *const *)argv);
    fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int mc_test_run(const char *const *argv, const char *const *env, char *out, size_t out_len,
                int timeout_ms)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_exec(argv, env, fds[1], fds[1]);
    }
    close(fds[1]);
    size_t len = 0;
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    bool timed_out = false;
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline) {
            timed_out = true;
            break;
        }
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int r = poll(&p, 1, (int)(deadline - now));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        char buf[4096];
        ssize_t got = read(fds[0], buf, sizeof buf);
        if (got <= 0) {
            break;
        }
        size_t room = out_len > len + 1 ? out_len - len - 1 : 0;
        size_t take = (size_t)got < room ? (size_t)got : room;
        memcpy(out + len, buf, take);
        len += take;
    }
    close(fds[0]);
    if (out_len > 0) {
        out[len] = '\0';
    }
    if (timed_out) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    int status = wait_pid(pid, timeout_ms);
    if (status < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return status;
}

void mc_test_node_init(mc_test_node *n, const mc_test_node_options *o)
{
    memset(n, 0, sizeof *n);
    char *dir = mc_test_tmpdir();
    snprintf(n->root, sizeof n->root, "%s", dir);
    free(dir);
    snprintf(n->data_dir, sizeof n->data_dir, "%s/data", n->root);
    snprintf(n->log_path, sizeof n->log_path, "%s/node.log", n->root);
    n->steward_count = o != NULL && o->stewards ? o->stewards : 1;
    n->quorum = o != NULL && o->quorum ? o->quorum : 1;
    assert_true(n->steward_count <= MC_TEST_STEWARDS_MAX);

    const char *argv[MC_TEST_ARGS_MAX + 2 * MC_TEST_STEWARDS_MAX];
    char keys[MC_TEST_STEWARDS_MAX][2 * MC_PUBLIC_KEY_BYTES + 1], quorum[16];
    size_t a = 0;
    argv[a++] = mc_test_bin("MC_NODE_BIN");
    argv[a++] = "init";
    argv[a++] = "--data";
    argv[a++] = n->data_dir;
    argv[a++] = "--unit";
    argv[a++] = "grain";
    argv[a++] = "--symbol";
    argv[a++] = "g";
    for (size_t i = 0; i < n->steward_count; i++) {
        assert_int_equal(mc_keypair_generate(&n->stewards[i]), MC_ERR_OK);
        mc_hex_encode(mc_keypair_public(n->stewards[i]), MC_PUBLIC_KEY_BYTES, keys[i]);
        argv[a++] = "--steward";
        argv[a++] = keys[i];
    }
    snprintf(quorum, sizeof quorum, "%u", n->quorum);
    argv[a++] = "--quorum";
    argv[a++] = quorum;
    argv[a++] = "--visibility";
    argv[a++] = o != NULL && o->visibility ? o->visibility : "open";
    for (size_t i = 0; o != NULL && o->extra != NULL && o->extra[i] != NULL; i++) {
        assert_true(a < MC_TEST_ARGS_MAX + MC_TEST_STEWARDS_MAX);
        argv[a++] = o->extra[i];
    }
    argv[a] = NULL;
    char out[MC__OUT_MAX];
    int status = mc_test_run(argv, NULL, out, sizeof out, MC_TEST_START_TIMEOUT_MS);
    if (status != 0) {
        print_error("mcnode init failed (%d): %s\n", status, out);
        fail();
    }
    char *nl = strchr(out, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    assert_int_equal(mc_hex_decode(out, n->ledger_id, MC_LEDGER_ID_BYTES), MC_ERR_OK);
    n->decimals = 2;
}

/* Read the first line of the node's stdout: "listening on HOST:PORT". */
static int read_port(int fd, int timeout_ms)
{
    char line[256];
    size_t len = 0;
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    while (len < sizeof line - 1) {
        uint64_t now = now_ms();
        if (now >= deadline) {
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)(deadline - now)) <= 0) {
            continue;
        }
        ssize_t got = read(fd, line + len, 1);
        if (got <= 0) {
            return -1;
        }
        if (line[len] == '\n') {
            break;
        }
        len++;
    }
    line[len] = '\0';
    const char *colon = strrchr(line, ':');
    return strncmp(line, "listening on ", 13) == 0 && colon != NULL ? atoi(colon + 1) : -1;
}

void mc_test_node_start(mc_test_node *n, const char *const *args)
{
    assert_int_equal(n->pid, 0);
    const char *argv[MC_TEST_ARGS_MAX + 8];
    size_t a = 0;
    argv[a++] = mc_test_bin("MC_NODE_BIN");
    argv[a++] = "run";
    argv[a++] = "--data";
    argv[a++] = n->data_dir;
    argv[a++] = "--listen";
    argv[a++] = "127.0.0.1:0";
    for (size_t i = 0; args != NULL && args[i] != NULL; i++) {
        assert_true(a < MC_TEST_ARGS_MAX + 6);
        argv[a++] = args[i];
    }
    argv[a] = NULL;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int log_fd = open(n->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(log_fd >= 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child_exec(argv, NULL, fds[1], log_fd);
    }
    close(fds[1]);
    close(log_fd);
    n->pid = pid;
    n->port = read_port(fds[0], MC_TEST_START_TIMEOUT_MS);
    close(fds[0]); /* later stdout writes would get EPIPE; the node writes none */
    if (n->port <= 0) {
        mc_test_node_dump_log(n);
        print_error("mcnode run did not say where it listens\n");
        fail();
    }
    snprintf(n->address, sizeof n->address, "127.0.0.1:%d", n->port);
}

int mc_test_node_stop(mc_test_node *n, int signal, int timeout_ms)
{
    if (n->pid == 0) {
        return 0;
    }
    kill(n->pid, signal);
    int status = wait_pid(n->pid, timeout_ms);
    if (status < 0) {
        kill(n->pid, SIGKILL);
        waitpid(n->pid, NULL, 0);
    }
    n->pid = 0;
    return status;
}

void mc_test_node_destroy(mc_test_node *n)
{
    mc_test_node_stop(n, SIGKILL, MC_TEST_STOP_TIMEOUT_MS);
    const char *keep = getenv("MC_TEST_KEEP");
    if (keep != NULL && keep[0] == '1') {
        fprintf(stderr, "MC_TEST_KEEP: leaving %s\n", n->root);
        mc_test_node_dump_log(n);
        return;
    }
    for (size_t i = 0; i < n->steward_count; i++) {
        mc_keypair_free(n->stewards[i]);
        n->stewards[i] = NULL;
    }
    mc_test_rmtree(n->root);
}

void mc_test_node_dump_log(const mc_test_node *n)
{
    FILE *f = fopen(n->log_path, "r");
    if (f == NULL) {
        return;
    }
    char line[1024];
    fprintf(stderr, "---- %s ----\n", n->log_path);
    while (fgets(line, sizeof line, f) != NULL) {
        fputs(line, stderr);
    }
    fprintf(stderr, "----\n");
    fclose(f);
}

bool mc_test_has_sanitizer_report(const char *text)
{
    static const char *const marks[] = {
        "ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer", "ERROR: ThreadSanitizer"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        if (strstr(text, marks[i]) != NULL) {
            return true;
        }
    }
    return false;
}

void mc_test_check_sanitizers(const char *what, const char *text)
{
    if (mc_test_has_sanitizer_report(text)) {
        fprintf(stderr, "%s: a sanitizer report:\n%s\n", what, text);
        fail();
    }
}

void mc_test_node_stop_clean(mc_test_node *n)
{
    int status = mc_test_node_stop(n, SIGTERM, MC_TEST_STOP_TIMEOUT_MS);
    if (status != 0) {
        mc_test_node_dump_log(n);
    }
    assert_int_equal(status, 0);
    FILE *log = fopen(n->log_path, "r");
    assert_non_null(log);
    char *text = calloc(1, MC_TEST_LOG_MAX + 1);
    assert_non_null(text);
    size_t len = fread(text, 1, MC_TEST_LOG_MAX + 1, log);
    fclose(log);
    assert_true(len <= MC_TEST_LOG_MAX); /* all of it is checked */
    text[len] = '\0';
    mc_test_check_sanitizers("the node's log", text);
    free(text);
}

void mc_test_node_finish(mc_test_node *n)
{
    mc_test_node_stop_clean(n);
    const char *argv[] = {mc_test_bin("MC_NODE_BIN"), "check", "--data", n->data_dir, NULL};
    char out[MC__OUT_MAX];
    int status = mc_test_run(argv, NULL, out, sizeof out, MC_TEST_CHECK_TIMEOUT_MS);
    mc_test_check_sanitizers("mcnode check", out);
    if (status != 0) {
        fprintf(stderr, "mcnode check: exit %d:\n%s\n", status, out);
        fail();
    }
}

int mc_test_closed_port(int *fd)
{
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(*fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    assert_int_equal(bind(*fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    assert_int_equal(getsockname(*fd, (struct sockaddr *)&addr, &len), 0);
    return ntohs(addr.sin_port);
}

mc_client *mc_test_node_client(const mc_test_node *n)
{
    mc_client_options opts;
    mc_client_options_default(&opts);
    opts.timeout_ms = 10000;
    opts.connect_timeout_ms = 5000;
    mc_client *c = NULL;
    int rc = mc_client_connect(n->address, &opts, &c);
    if (rc != MC_ERR_OK) {
        print_error("connect %s: %s\n", n->address, mc_err_name(rc));
        fail();
    }
    return c;
}

int mc_test_node_socket(const mc_test_node *n, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)n->port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

mc_body mc_test_body(mc_test_node *n, mc_tx_kind kind)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, n->ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = ++n->nonce;
    b.kind = kind;
    return b;
}

uint8_t *mc_test_sign(const mc_body *body, const mc_keypair *const *keys, size_t n_keys,
                      size_t *len)
{
    uint8_t *bytes = NULL, *signed_tx = NULL;
    size_t body_len = 0;
    assert_int_equal(mc_body_encode(body, &bytes, &body_len), MC_ERR_OK);
    assert_int_equal(mc_tx_sign(bytes, body_len, keys, n_keys, &signed_tx, len), MC_ERR_OK);
    free(bytes);
    return signed_tx;
}

mc_result mc_test_submit_stewards(mc_test_node *n, mc_client *c, const mc_body *body)
{
    size_t len = 0;
    uint8_t *tx = mc_test_sign(body, (const mc_keypair *const *)n->stewards, n->quorum, &len);
    mc_result r;
    int rc = mc_client_submit(c, tx, len, &r);
    free(tx);
    if (rc != MC_ERR_OK) {
        print_error("submit: %s: %s\n", mc_err_name(rc), mc_client_error_message(c));
        fail();
    }
    return r;
}

mc_keypair *mc_test_open_account(mc_test_node *n, mc_client *c, const char *handle,
                                 mc_account_kind kind, const mc_limits *limits)
{
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    mc_body b = mc_test_body(n, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = kind;
    if (limits != NULL) {
        b.u.open_account.has_limits = true;
        b.u.open_account.limits = *limits;
    }
    mc_result r = mc_test_submit_stewards(n, c, &b);
    if (r.code != MC_ERR_OK) {
        print_error("open %s: %s: %s\n", handle, mc_err_name(r.code), mc_client_error_message(c));
        fail();
    }
    return kp;
}

uint8_t *mc_test_transfer(mc_test_node *n, const mc_keypair *payer,
                          const uint8_t payee[MC_PUBLIC_KEY_BYTES], int64_t amount,
                          const char *memo, size_t *len)
{
    mc_body b = mc_test_body(n, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(payer), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, payee, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    if (memo != NULL) {
        b.u.transfer.memo = (const uint8_t *)memo;
        b.u.transfer.memo_len = strlen(memo);
    }
    return mc_test_sign(&b, &payer, 1, len);
}
