/* Integration-test harness: a real mcnode in a temporary data directory on
 * 127.0.0.1 with a port the kernel picks, and helpers to talk to it through
 * libmcclient or raw bytes. Every wait is bounded; every process started is
 * stopped by PID in mc_test_node_destroy() (and dies with the test process
 * should that crash: PR_SET_PDEATHSIG). The node's log goes to DIR/node.log
 * and is printed when a start fails or a test asks for it.
 *
 * The binaries come from the environment set by tests/CMakeLists.txt:
 * MC_NODE_BIN (and MC_WALLET_BIN for the wallet's tests). */
#ifndef MC_TEST_NODE_HARNESS_H
#define MC_TEST_NODE_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

#include "mc/client.h"
#include "mc/crypto.h"
#include "mc/ledger.h"
#include "mc/tx.h"

#define MC_TEST_STEWARDS_MAX 5u
#define MC_TEST_START_TIMEOUT_MS 10000
#define MC_TEST_STOP_TIMEOUT_MS 10000
#define MC_TEST_ARGS_MAX 32u
#define MC_TEST_CHECK_TIMEOUT_MS 30000 /* `mcnode check` after a test */
#define MC_TEST_LOG_MAX (1u << 20)     /* bytes of a node's log scanned for sanitizer reports */

typedef struct mc_test_node {
    char root[512];     /* temporary directory, removed by destroy */
    char data_dir[600]; /* root/data */
    char log_path[600]; /* root/node.log */
    char address[64];   /* "127.0.0.1:PORT" once started */
    int port;
    pid_t pid; /* 0 when not running */
    mc_keypair *stewards[MC_TEST_STEWARDS_MAX];
    size_t steward_count;
    unsigned quorum;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    unsigned decimals;
    uint64_t nonce;
} mc_test_node;

typedef struct mc_test_node_options {
    size_t stewards;          /* 0: 1 */
    unsigned quorum;          /* 0: 1 */
    const char *visibility;   /* NULL: open */
    const char *const *extra; /* more `mcnode init` arguments, NULL-terminated; may be NULL */
} mc_test_node_options;

/* Path of a binary from the environment variable `var`; fails the test when
 * unset. */
const char *mc_test_bin(const char *var);

/* Make the keys and the temporary directory and run `mcnode init` (asserts
 * it succeeds). `o` may be NULL. */
void mc_test_node_init(mc_test_node *n, const mc_test_node_options *o);

/* `mcnode run --data DIR --listen 127.0.0.1:0 ARGS...` (ARGS NULL-terminated,
 * may be NULL); waits for "listening on" and fills address and port. A
 * restart after a stop reuses the data directory on a new port. */
void mc_test_node_start(mc_test_node *n, const char *const *args);

/* Send `signal` and wait up to `timeout_ms` for the exit; returns the exit
 * status (0..255), 128 + signal when killed by one, or -1 on timeout (the
 * node is then killed with SIGKILL). */
int mc_test_node_stop(mc_test_node *n, int signal, int timeout_ms);

/* Stop the node if it runs (SIGKILL), free the keys, remove the directory
 * (with MC_TEST_KEEP=1 in the environment: keep it and print the log). */
void mc_test_node_destroy(mc_test_node *n);

/* Print the node's log to stderr (for failures). */
void mc_test_node_dump_log(const mc_test_node *n);

/* Whether `text` (a run's output, a log) holds a sanitizer's report. */
bool mc_test_has_sanitizer_report(const char *text);
/* Fail the test when it does; `what` names the text in the message. */
void mc_test_check_sanitizers(const char *what, const char *text);

/* Stop the node with SIGTERM: it must exit 0 (else its log is printed), and
 * its whole log (at most MC_TEST_LOG_MAX bytes) hold no sanitizer report. */
void mc_test_node_stop_clean(mc_test_node *n);

/* mc_test_node_stop_clean(), then `mcnode check` on its data must pass:
 * how a test that changed the ledger ends. */
void mc_test_node_finish(mc_test_node *n);

/* A TCP port on 127.0.0.1 bound to `*fd` (the caller closes it) and not
 * listening: a connection there is refused. */
int mc_test_closed_port(int *fd);

/* A client connected to the node with short timeouts (asserts it connects). */
mc_client *mc_test_node_client(const mc_test_node *n);

/* A raw TCP connection to the node (a blocking socket with a receive
 * timeout of `timeout_ms`); asserts it connects. */
int mc_test_node_socket(const mc_test_node *n, int timeout_ms);

/* Run argv[0] with argv (NULL-terminated) and no stdin, capture stdout and
 * stderr together into `out` (NUL-terminated, truncated to out_len) and
 * return the exit status, or -1 when it ran past `timeout_ms` (then
 * killed). `env` (NULL-terminated "NAME=VALUE", may be NULL) is added to
 * the environment. */
int mc_test_run(const char *const *argv, const char *const *env, char *out, size_t out_len,
                int timeout_ms);

/* A body of `kind` for this node's ledger with a fresh nonce. */
mc_body mc_test_body(mc_test_node *n, mc_tx_kind kind);

/* Encode and sign `body` with `keys`: SignedTx bytes, malloc'd. */
uint8_t *mc_test_sign(const mc_body *body, const mc_keypair *const *keys, size_t n_keys,
                      size_t *len);

/* Submit through `c` signed by the first `quorum` stewards; returns the
 * result (asserts the node answered). */
mc_result mc_test_submit_stewards(mc_test_node *n, mc_client *c, const mc_body *body);

/* Open an account (steward-signed) for a new key pair, asserting it is
 * applied; the caller frees the key. `limits` NULL: defaults. */
mc_keypair *mc_test_open_account(mc_test_node *n, mc_client *c, const char *handle,
                                 mc_account_kind kind, const mc_limits *limits);

/* Signed transfer bytes from `payer` to `payee` (malloc'd). */
uint8_t *mc_test_transfer(mc_test_node *n, const mc_keypair *payer,
                          const uint8_t payee[MC_PUBLIC_KEY_BYTES], int64_t amount,
                          const char *memo, size_t *len);

#endif
