/* Running the real command-line tools in integration tests, mcwallet above
 * all: a directory of wallets (ROOT/NAME, one per person), and the last
 * run's exit status, output and --json answer. Every run has a time limit
 * and fails the test past it, or when its output holds a sanitizer's
 * report; failures print the whole output with the command line.
 *
 * A --json answer is one JSON object, "ok" as the exit status says, and on
 * a failure an "error" with a code, the code's name and a message:
 * mc_test_wallet_answer() checks all of it. The binary comes from
 * MC_WALLET_BIN (tests/CMakeLists.txt sets it). */
#ifndef MC_TEST_WALLET_RUN_H
#define MC_TEST_WALLET_RUN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mc/crypto.h"
#include "mc/tx.h"
#include "node_harness.h"

#define MC_TEST_WALLET_OUT_MAX (64u * 1024u) /* a run's output, unless init says more */
#define MC_TEST_WALLET_TIMEOUT_MS 30000      /* a run's time, unless init says otherwise */
#define MC_TEST_WALLET_ARGS_MAX 40u          /* arguments of one run */
#define MC_TEST_WALLET_CMDLINE_MAX 1024u
#define MC_TEST_WALLET_PATH_MAX 1024u
#define MC_TEST_KEY_HEX_LEN (2u * MC_PUBLIC_KEY_BYTES)
#define MC_TEST_TX_ID_HEX_LEN (2u * MC_TX_ID_BYTES)

typedef struct mc_test_wallet {
    char root[512];   /* the wallets, ROOT/NAME: a temporary directory */
    const char *node; /* the address given with --node (borrowed); NULL or "": none */
    bool words_first; /* a --json answer may come after words (warnings on stderr) */
    int timeout_ms;   /* of one run */
    char *out;        /* the last run's stdout and stderr, NUL-terminated */
    size_t out_max;   /* bytes of `out`; a run that fills it fails the test */
    int status;       /* the last run's exit status */
    json_t *answer;   /* the last --json answer; freed by the next run */
    char cmdline[MC_TEST_WALLET_CMDLINE_MAX]; /* the last run's, for messages */
} mc_test_wallet;

/* Make the root directory; `out_max` 0 and `timeout_ms` 0 take the defaults
 * above. The rest of `w` is zeroed: set `node` and `words_first` after. */
void mc_test_wallet_init(mc_test_wallet *w, size_t out_max, int timeout_ms);
/* Free the answer and the output, and remove the root (with MC_TEST_KEEP=1
 * in the environment: keep it and say where it is). */
void mc_test_wallet_free(mc_test_wallet *w);

/* ROOT/name into `out` (asserts it fits). */
void mc_test_wallet_path(const mc_test_wallet *w, const char *name, char *out, size_t len);

/* Run argv[0] (any binary: mcaudit, mcnode) with argv, NULL-terminated,
 * and `env` as mc_test_run() adds it, into w->out; returns the exit status. */
int mc_test_wallet_exec(mc_test_wallet *w, const char *const *argv, const char *const *env);

/* mcwallet [--node NODE] --wallet ROOT/who [--json] ARGS...: the arguments
 * NULL-terminated in `args`, or in `ap`, or after `who`; they may start with
 * more global options, which win. Returns the exit status. */
int mc_test_wallet_run_args(mc_test_wallet *w, const char *who, const char *const *env, bool json,
                            const char *const *args);
int mc_test_wallet_run_va(mc_test_wallet *w, const char *who, const char *const *env, bool json,
                          va_list ap);
int mc_test_wallet_run(mc_test_wallet *w, const char *who, ...);

/* Assert the last run exited `expect` and said `text` (NULL: anything). */
void mc_test_wallet_expect(const mc_test_wallet *w, int expect, const char *text);

/* The last run's --json answer, after asserting it exited `expect`; valid
 * until the next run. The object must be all the output, unless words may
 * come first: with `after_words`, w->words_first, or on a usage error (exit
 * 2: the message and the usage are on stderr). */
json_t *mc_test_wallet_answer(mc_test_wallet *w, int expect, bool after_words);
/* Run with --json (ARGS... NULL) and return the answer as above. */
json_t *mc_test_wallet_json(mc_test_wallet *w, const char *who, int expect, ...);

/* `who`'s public key in hex, from `mcwallet key`. */
void mc_test_wallet_key(mc_test_wallet *w, const char *who, char out[MC_TEST_KEY_HEX_LEN + 1]);
/* `mcwallet init NAME --no-passphrase` in ROOT/name; its key into `key`
 * unless NULL. */
void mc_test_wallet_identity(mc_test_wallet *w, const char *name,
                             char key[MC_TEST_KEY_HEX_LEN + 1]);
/* The key pair kept, unencrypted, in `name`'s wallet; the caller frees. */
mc_keypair *mc_test_wallet_keypair(const mc_test_wallet *w, const char *name);

/* The usual community of a wallet test: the identity "steward" in `w` (its
 * key into `steward_key`), and the node `n` initialised with that key as a
 * steward beside the harness's own, quorum 1 (either signs alone),
 * `visibility` and the `more` arguments of `mcnode init` (NULL-terminated;
 * may be NULL); started. Every later run of `w` names this node. */
void mc_test_wallet_community(mc_test_wallet *w, mc_test_node *n, const char *visibility,
                              const char *const *more, char steward_key[MC_TEST_KEY_HEX_LEN + 1]);

/* Assert `s` is `len` lowercase hex digits. */
void mc_test_assert_hex(const char *s, size_t len);

#endif
