/* mcwallet's shared pieces: the context of one invocation (global options,
 * the wallet directory, the identity, the connection to the node, the JSON
 * answer being built), exit codes, and the functions the command files
 * share. Private to wallet-cli/.
 *
 * Exit codes: 0 done; 1 refused by the ledger, or failed (a wrong
 * passphrase, a bad file: the stable error name is printed and in the
 * JSON); 2 usage; 3 the node is unreachable (or gave no valid answer). */
#ifndef MCW_WALLET_H
#define MCW_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <getopt.h>
#include <jansson.h>

#include "mc/amount.h"
#include "mc/client.h"
#include "mc/crypto.h"
#include "mc/ledger.h"
#include "mc/tx.h"

#define MCW_EXIT_OK 0
#define MCW_EXIT_REFUSED 1
#define MCW_EXIT_USAGE 2
#define MCW_EXIT_UNREACHABLE 3

#define MCW_PATH_MAX 4096u
#define MCW_DIR_MAX (MCW_PATH_MAX - 128u) /* room for "/keys/NAME.key" and the like */
#define MCW_NAME_MAX 32u                  /* an identity's name: [a-z0-9_.-]{1,32} */
#define MCW_PASSPHRASE_MAX 1024u
#define MCW_FILE_MAX (256u * 1024u) /* largest cheque, join or key file read */
#define MCW_AMOUNT_TEXT_MAX (MC_AMOUNT_TEXT_MAX + MC_UNIT_SYMBOL_MAX + 2u)
#define MCW_WARN_PERCENT 10 /* warn when a payment leaves the payer this close to the floor */
#define MCW_PAGE 100u       /* items asked per page */
#define MCW_CHEQUE_DAYS_DEFAULT 90

typedef struct mcw_ctx {
    /* global options */
    const char *node;      /* --node, MC_NODE or 127.0.0.1:7878 */
    char dir[MCW_DIR_MAX]; /* --wallet, else $XDG_CONFIG_HOME/mcwallet or ~/.config/mcwallet */
    const char *as;        /* --as NAME; NULL: the default identity */
    bool json;
    bool finished; /* the answer is printed (mcw_finish, or help text) */
    const char *passphrase_file;
    int timeout_ms;
    const char *prog; /* "mcwallet COMMAND" for messages */
    /* state, made on demand */
    mc_client *client;
    bool authenticated;
    bool has_info;
    bool offline; /* the node was unreachable and the cache serves: do not retry */
    mc_client_info info;
    char name[MCW_NAME_MAX + 1]; /* the identity in use, once loaded */
    uint8_t public_key[MC_PUBLIC_KEY_BYTES];
    bool has_public_key;
    mc_keypair *key; /* once unlocked */
    json_t *out;     /* the JSON answer (--json) */
    /* `propose`: write the transaction to this file instead of submitting */
    const char *proposal_out;
    bool proposed; /* it was written: the command reports nothing else */
} mcw_ctx;

/* A command: its name, a one-line summary, its usage and help text, and
 * the function that runs it (argv[0] is the command's name). */
typedef struct mcw_command {
    const char *name;
    const char *summary;
    const char *usage;
    const char *help;
    int (*run)(mcw_ctx *ctx, int argc, char **argv);
} mcw_command;

/* help.c */
extern const mcw_command mcw_commands[];
extern const size_t mcw_command_count;
const mcw_command *mcw_command_find(const char *name);
void mcw_usage(FILE *f);
int mcw_command_usage(mcw_ctx *ctx, const mcw_command *cmd, bool to_stderr);
/* For the commands: a usage error (prints the usage, returns 2). */
int mcw_usage_error(mcw_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A command with no option but --help and between min_args and max_args
 * arguments (from optind). Returns 0 (or 2 after a usage message). */
int mcw_parse_plain(mcw_ctx *ctx, int argc, char **argv, int min_args, int max_args, bool *done);
/* Parse a command's options with getopt_long; "-h"/"--help" prints its help
 * and sets *done (return 0). Returns 0, or 2 after a usage message. */
int mcw_getopt(mcw_ctx *ctx, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *opt, bool *done);

/* output.c: what commands print. Human text goes to stdout (warnings to
 * stderr); with --json a single object goes to stdout at the end. */
json_t *mcw_json(mcw_ctx *ctx); /* the answer object (created on first use) */
void mcw_print(mcw_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mcw_warn(mcw_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A failure: prints "mcwallet: WHAT: message (NAME)" (or the JSON error)
 * and returns the exit code for `code`. */
int mcw_fail(mcw_ctx *ctx, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Finish: print the JSON answer (with "ok") when --json. Returns `status`. */
int mcw_finish(mcw_ctx *ctx, int status);
/* The exit code of an mc_err: 0, 1, 3 for transport failures. */
int mcw_exit_code(int code);
/* "12.50 g" in the ledger's unit (info must be loaded). */
typedef struct mcw_amount {
    char s[MCW_AMOUNT_TEXT_MAX];
} mcw_amount;
mcw_amount mcw_amount_text(const mcw_ctx *ctx, int64_t amount);
/* JSON for an amount: {"value":"12.50","minor":1250} */
json_t *mcw_amount_json(const mcw_ctx *ctx, int64_t amount);
json_t *mcw_hex_json(const uint8_t *data, size_t len);
void mcw_hex(const uint8_t *data, size_t len, char *out); /* 2*len+1 bytes */
/* Whether the id (MC_TX_ID_BYTES) in lowercase hex starts with `prefix`. */
bool mcw_id_has_prefix(const uint8_t *id, const char *prefix);
/* "2026-11-24 10:11" (UTC) */
void mcw_time_text(int64_t unix_seconds, char *out, size_t len);

/* keystore.c: identities in DIR/keys/NAME.key (JSON, mode 0600). */
int mcw_keystore_create(mcw_ctx *ctx, const char *name, const char *passphrase,
                        uint8_t public_key[MC_PUBLIC_KEY_BYTES]);
/* The identity in use: --as NAME or the default. Loads its public key. */
int mcw_identity(mcw_ctx *ctx);
/* Whether there is an identity to use (--as, or a default), quietly. */
bool mcw_has_identity(const mcw_ctx *ctx);
/* Unlock the identity's secret key (asks for the passphrase if needed). */
int mcw_unlock(mcw_ctx *ctx);
typedef int (*mcw_identity_cb)(mcw_ctx *ctx, const char *name, const uint8_t *public_key,
                               bool encrypted, bool is_default, void *arg);
int mcw_keystore_list(mcw_ctx *ctx, mcw_identity_cb cb, void *arg);
bool mcw_name_is_valid(const char *name);

/* passphrase.c: MC_PASSPHRASE, --passphrase-file, or a prompt on the
 * terminal without echo (twice with `confirm`). */
int mcw_passphrase(mcw_ctx *ctx, const char *prompt, bool confirm, char *out, size_t cap);

/* session.c: the node. */
/* Connect (anonymously) if not yet. */
int mcw_connect(mcw_ctx *ctx);
/* Connect and authenticate as the identity (unlocking it). */
int mcw_connect_as(mcw_ctx *ctx);
/* The ledger's info (cached in DIR/ledger.json for offline use). With
 * `offline_ok`, the cache serves when the node is unreachable. */
int mcw_info(mcw_ctx *ctx, bool offline_ok);
/* Parse an amount in the ledger's unit; fails with a usage message. */
int mcw_parse_amount(mcw_ctx *ctx, const char *text, bool positive, int64_t *out);
/* An account by handle, or by 64 hex digits of its key. Remembers the
 * handle's key in DIR/contacts.json; with `offline_ok` that cache serves
 * when the node is unreachable. */
int mcw_resolve(mcw_ctx *ctx, const char *who, bool offline_ok, mc_client_account *out);
/* The contacts cache: remember an account's handle and key; find the
 * handle of a key (0, or -1 when unknown). */
void mcw_contact_save(mcw_ctx *ctx, const mc_account *a);
int mcw_contact_name(mcw_ctx *ctx, const uint8_t key[MC_PUBLIC_KEY_BYTES], char *handle,
                     size_t len);
/* A memo the ledger will take: at most 140 bytes of UTF-8 (MEMO_TOO_LONG,
 * MEMO_NOT_UTF8); NULL is fine. Checked before anything is signed offline. */
int mcw_check_memo(mcw_ctx *ctx, const char *memo);
/* The body of `kind` for this ledger with a random nonce. */
mc_body mcw_body(const mcw_ctx *ctx, mc_tx_kind kind);
/* Sign `body` with the identity's key (unlocking it): SignedTx bytes. */
int mcw_sign(mcw_ctx *ctx, const mc_body *body, uint8_t **out, size_t *out_len);
/* Submit signed bytes; on a refusal print the words and return 1. `what`
 * names the action for messages ("pay"). *result filled when answered. */
int mcw_submit(mcw_ctx *ctx, const uint8_t *signed_tx, size_t len, mc_result *result);
/* The result of an applied transaction into the JSON answer and words. */
void mcw_result_json(mcw_ctx *ctx, const mc_result *r);
void mcw_close(mcw_ctx *ctx);

/* files.c: small files read and written whole. */
int mcw_read_file(mcw_ctx *ctx, const char *path, char **out, size_t *len);
/* Write `data` to `path` (mode 0600 when `private`), atomically (a temporary
 * then rename); refuses to overwrite unless `overwrite`. The first returns
 * 0 or an errno value and prints nothing (for caches). */
int mcw_write_atomic(const char *path, const char *data, size_t len, bool private, bool overwrite);
int mcw_write_file(mcw_ctx *ctx, const char *path, const char *data, size_t len, bool private,
                   bool overwrite);
/* mkdir -p with mode 0700. */
int mcw_mkdirs(const char *path);
/* Encode/decode JSON files written by the wallet (cheques, join requests). */
int mcw_write_json(mcw_ctx *ctx, const char *path, json_t *doc, bool private);
int mcw_write_json_file(mcw_ctx *ctx, const char *path, json_t *doc, bool private, bool overwrite);
json_t *mcw_read_json(mcw_ctx *ctx, const char *path, int *rc);
/* Hex <-> bytes within JSON documents. */
int mcw_json_hex(json_t *obj, const char *key, uint8_t *out, size_t len);
int mcw_json_hex_alloc(json_t *obj, const char *key, uint8_t **out, size_t *len);

/* cmd_pay.c: sign and submit a transfer from the identity (paying a
 * request when `request_id` is not NULL), and report it with the payer's new
 * balance (and a warning near the credit limit). */
int mcw_transfer(mcw_ctx *ctx, const mc_client_account *payee, int64_t amount, const char *memo,
                 const uint8_t *request_id, mc_result *r);
int mcw_after_payment(mcw_ctx *ctx, const mc_client_account *payee, int64_t amount,
                      const mc_result *r);

/* proposal.c: who must sign (the stewards' quorum, a commons' keepers),
 * and sending a transaction: submitted when its signatures are enough,
 * written as a proposal under `propose` (ctx->proposed then set), else a
 * failure that explains how to gather the others. */
typedef struct mcw_quorum {
    char who[64]; /* "stewards", "keepers of garden" */
    unsigned needed;
    uint8_t keys[MC_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES]; /* whose signatures count */
    size_t count;
    int code; /* QUORUM_NOT_MET or KEEPER_QUORUM_NOT_MET */
} mcw_quorum;
void mcw_steward_quorum(const mcw_ctx *ctx, mcw_quorum *q); /* info must be loaded */
void mcw_keeper_quorum(const mc_account *commons, mcw_quorum *q);
int mcw_send(mcw_ctx *ctx, const mc_body *b, const mcw_quorum *q, mc_result *r);
int mcw_send_tx(mcw_ctx *ctx, mc_tx *tx, const mcw_quorum *q, mc_result *r);

/* summary.c: a transaction in plain words (what a co-signer reads before
 * signing), and the quorum it needs (asking the node about a commons). */
void mcw_tx_summary(mcw_ctx *ctx, const mc_tx *tx, char *buf, size_t len);
int mcw_quorum_of(mcw_ctx *ctx, const mc_tx *tx, mcw_quorum *q);

/* cmd_govern.c: a KEY argument (64 hex digits, or the handle of an account
 * whose key is meant): its syntax, and its key (looking the handle up on
 * the node); and what `info` says of the auditors, the fee and the
 * identity's roles (info loaded; the identity's public key, if loaded). */
bool mcw_key_text_is_valid(const char *text);
int mcw_key_of(mcw_ctx *ctx, const char *text, uint8_t key[MC_PUBLIC_KEY_BYTES]);
void mcw_info_roles(mcw_ctx *ctx);
void mcw_info_identity(mcw_ctx *ctx);

/* cmd_commons.c: pieces the commons commands share (cmd_rounds.c, `pay
 * --from`). Weights are hundredths of an hour or point ("10.00" is 1000). */
#define MCW_WEIGHT_TEXT_MAX MC_AMOUNT_TEXT_MAX
typedef struct mcw_weight {
    char s[MCW_WEIGHT_TEXT_MAX];
} mcw_weight;
mcw_weight mcw_weight_text(int64_t hundredths);
json_t *mcw_weight_json(int64_t hundredths); /* {"value": "10.00", "hundredths": 1000} */
json_t *mcw_party_json(const char *handle, const uint8_t key[MC_PUBLIC_KEY_BYTES]);
/* The account `who` (handle or key), which must be a commons (NOT_A_COMMONS). */
int mcw_resolve_commons(mcw_ctx *ctx, const char *who, mc_client_account *out);
/* The identity must be one of the keys of `q` (else NOT_A_KEEPER, in words). */
int mcw_require_keeper(mcw_ctx *ctx, const mcw_quorum *q);

/* The commands (cmd_*.c). */
int mcw_cmd_init(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_key(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_identities(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_info(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_balance(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_history(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_accounts(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_pay(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_request(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_requests(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_accept(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_decline(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_cancel(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_cheque(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_redeem(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_join(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_open(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_limits(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_freeze(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_unfreeze(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_close(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_checkpoint(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_proof(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_audit(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_propose(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_cosign(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_submit(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_reciprocity(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_contribute(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_contributions(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_approve(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_reject(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_distribute(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_rounds(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_roles(mcw_ctx *ctx, int argc, char **argv);
int mcw_cmd_fee(mcw_ctx *ctx, int argc, char **argv);

#endif
