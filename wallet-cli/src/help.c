/* The command table: each command's name, summary, usage and help, and the
 * `help` command; plus the per-command option parsing every command uses. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

static int cmd_help(mcw_ctx *ctx, int argc, char **argv);

const mcw_command mcw_commands[] = {
    {"init", "create a key pair (an identity) in the wallet", "init NAME [--no-passphrase]",
     "Creates a new Ed25519 key pair named NAME ([a-z0-9_.-], at most 32) and keeps\n"
     "it in the wallet directory, its secret key encrypted with a passphrase\n"
     "(Argon2id, then XSalsa20-Poly1305), file mode 0600. The passphrase comes from\n"
     "MC_PASSPHRASE, --passphrase-file FILE, or is asked twice on the terminal.\n"
     "The first identity becomes the default; others are used with --as NAME.\n"
     "  --no-passphrase   keep the secret key unencrypted (a test or a kiosk)\n",
     mcw_cmd_init},
    {"key", "print the identity's public key in hex", "key",
     "Prints the public key of the identity (--as NAME, or the default): the\n"
     "64 hex digits a steward needs to open your account.\n",
     mcw_cmd_key},
    {"identities", "list the identities of the wallet", "identities",
     "Lists the wallet's identities: name, public key, whether the secret key\n"
     "is encrypted, and which one is the default.\n",
     mcw_cmd_identities},
    {"info", "the ledger: community, unit, height, stewards", "info",
     "Shows the ledger the node serves: its id, community, unit and decimals,\n"
     "visibility, height, the default limits of each kind of account, the\n"
     "stewards and the quorum. Needs no identity.\n",
     mcw_cmd_info},
    {"balance", "an account's balance and limits", "balance [HANDLE]",
     "Shows the balance of HANDLE (default: your own account), its credit limit\n"
     "(the floor) and its ceiling, and its status. On a private ledger only your\n"
     "own account's balance is shown to you (stewards see all).\n",
     mcw_cmd_balance},
    {"history", "an account's transactions, newest first", "history [HANDLE] [--limit N]",
     "Lists the transactions of HANDLE (default: yours), newest first: height,\n"
     "date, the change of the balance, the balance after, the other party and\n"
     "the memo.\n"
     "  --limit N   at most N items (default 20; 0: all)\n",
     mcw_cmd_history},
    {"accounts", "every account: handle, kind, balance, limits", "accounts",
     "Lists every account of the ledger with its kind, status, balance and\n"
     "limits (on a private ledger, balances are shown only where you may see\n"
     "them).\n",
     mcw_cmd_accounts},
    {"pay", "pay someone", "pay HANDLE AMOUNT [MEMO]",
     "Pays AMOUNT (in the ledger's unit, e.g. 12.50) to HANDLE, with an optional\n"
     "memo (at most 140 bytes). Warns when the payment leaves you within 10% of\n"
     "your credit limit. A refusal says why in words and exits 1.\n",
     mcw_cmd_pay},
    {"request", "ask someone to pay you", "request HANDLE AMOUNT [MEMO]",
     "Asks HANDLE to pay you AMOUNT. The request is a signed transaction of the\n"
     "ledger; HANDLE sees it in `requests` and accepts or declines it.\n",
     mcw_cmd_request},
    {"requests", "open payment requests to and from you", "requests",
     "Lists the open payment requests you must answer and those you wait on,\n"
     "with their ids (a unique prefix of an id is enough for accept, decline and\n"
     "cancel).\n",
     mcw_cmd_requests},
    {"accept", "pay a payment request", "accept ID",
     "Pays the payment request ID (or a unique prefix of it among your open\n"
     "requests). A request is paid at most once.\n",
     mcw_cmd_accept},
    {"decline", "refuse a payment request made to you", "decline ID",
     "Declines the payment request ID, made to you. It can no longer be paid.\n", mcw_cmd_decline},
    {"cancel", "withdraw a payment request you made", "cancel ID",
     "Cancels the payment request ID that you made. It can no longer be paid.\n", mcw_cmd_cancel},
    {"cheque", "sign a payment offline, into a file", "cheque HANDLE AMOUNT [MEMO] --out FILE",
     "Signs a payment of AMOUNT to HANDLE without a connection (the ledger and\n"
     "HANDLE's key come from the wallet's cache, or give HANDLE as 64 hex digits),\n"
     "valid until a date, and writes it to FILE. The payee redeems it with\n"
     "`redeem FILE`; redeeming twice pays once.\n"
     "  --out FILE          where to write the cheque (required)\n"
     "  --valid-days N      valid for N days (default 90)\n"
     "  --valid-until DATE  valid until DATE (YYYY-MM-DD, end of that day UTC)\n",
     mcw_cmd_cheque},
    {"redeem", "cash a cheque", "redeem FILE",
     "Submits the cheque in FILE. A cheque already redeemed is not paid again:\n"
     "the wallet says when it was.\n",
     mcw_cmd_redeem},
    {"join", "ask to join: a signed request for a steward", "join HANDLE --out FILE [--kind KIND]",
     "Writes a request to open an account named HANDLE for your key, signed by\n"
     "you, to FILE. Give it to a steward, who runs `open HANDLE FILE`.\n"
     "  --out FILE    where to write the join request (required)\n"
     "  --kind KIND   member (default), business or commons\n",
     mcw_cmd_join},
    {"open", "(steward) open an account",
     "open HANDLE PUBKEY|JOIN_FILE [--kind KIND] [--min AMOUNT] [--max AMOUNT]",
     "Opens an account named HANDLE for a public key (64 hex digits) or from a\n"
     "member's join request file (which the member signed: the account records\n"
     "that its holder asked to join). Signed by you, a steward.\n"
     "  --kind KIND     member (default), business, commons or system\n"
     "  --min AMOUNT    the credit limit (<= 0; default: the ledger's for KIND)\n"
     "  --max AMOUNT    the ceiling (>= 0; default: the ledger's for KIND)\n",
     mcw_cmd_open},
    {"limits", "(steward) set an account's credit limit and ceiling",
     "limits HANDLE [--min AMOUNT] [--max AMOUNT]",
     "Sets HANDLE's credit limit (--min, <= 0) and ceiling (--max, >= 0); an\n"
     "omitted one keeps its value. A limit set past the balance blocks payments\n"
     "in that direction; it never moves money.\n",
     mcw_cmd_limits},
    {"freeze", "(steward) block an account's payments", "freeze HANDLE",
     "Freezes HANDLE: it can neither pay nor be paid until unfrozen.\n", mcw_cmd_freeze},
    {"unfreeze", "(steward) unblock an account", "unfreeze HANDLE",
     "Makes a frozen account active again.\n", mcw_cmd_unfreeze},
    {"close", "(steward) close an account at a zero balance", "close HANDLE",
     "Closes HANDLE for good. Only at a balance of exactly zero.\n", mcw_cmd_close},
    {"checkpoint", "fetch, verify and remember the node's signed checkpoint", "checkpoint",
     "Fetches the node's latest checkpoint (the size and Merkle root of the log,\n"
     "signed with the node key named in the ledger's genesis), verifies it, and\n"
     "remembers it in the wallet. From the second time on, it also verifies a\n"
     "consistency proof that the log still extends the checkpoint remembered:\n"
     "if it does not, the history was rewritten, which is reported loudly (exit 1,\n"
     "HISTORY_REWRITTEN) and the remembered checkpoint is kept as evidence.\n",
     mcw_cmd_checkpoint},
    {"proof", "prove a transaction is in the log", "proof TXID",
     "Fetches and verifies a checkpoint (as `checkpoint` does), then the proof that\n"
     "transaction TXID (64 hex digits) is in the log of that checkpoint, and\n"
     "verifies it: the entry is the transaction's, its leaf hash leads to the\n"
     "signed root. Prints the leaf index, tree size, leaf hash, audit path, root\n"
     "and the checkpoint.\n",
     mcw_cmd_proof},
    {"audit", "export the whole history for an auditor", "audit export --out FILE",
     "Writes the ledger's whole history (the genesis, every log entry exactly as\n"
     "stored, the node's checkpoints) to FILE, for `mcaudit verify FILE`. Needs an\n"
     "open ledger, or a steward's or auditor's identity.\n",
     mcw_cmd_audit},
    {"help", "help on a command", "help [COMMAND]",
     "Without COMMAND, lists the commands; with it, shows that command's help.\n", cmd_help},
};

const size_t mcw_command_count = sizeof mcw_commands / sizeof mcw_commands[0];

const mcw_command *mcw_command_find(const char *name)
{
    for (size_t i = 0; i < mcw_command_count; i++) {
        if (strcmp(mcw_commands[i].name, name) == 0) {
            return &mcw_commands[i];
        }
    }
    return NULL;
}

void mcw_usage(FILE *f)
{
    fprintf(f, "usage: mcwallet [--node HOST:PORT] [--wallet DIR] [--as NAME] [--json]\n"
               "                [--passphrase-file FILE] [--timeout SECONDS] COMMAND ...\n"
               "\n"
               "commands:\n");
    for (size_t i = 0; i < mcw_command_count; i++) {
        fprintf(f, "  %-11s %s\n", mcw_commands[i].name, mcw_commands[i].summary);
    }
    fprintf(f,
            "\n"
            "  --node HOST:PORT   the node (default: $MC_NODE, else %s)\n"
            "  --wallet DIR       the wallet directory (default: $XDG_CONFIG_HOME/mcwallet\n"
            "                     or ~/.config/mcwallet)\n"
            "  --as NAME          the identity to use (default: the wallet's default)\n"
            "  --json             answer with one JSON object (docs/wallet.md)\n"
            "  --passphrase-file FILE  read the passphrase from FILE (or set MC_PASSPHRASE)\n"
            "  --timeout SECONDS  wait at most this long for the node (default 10)\n"
            "\n"
            "exit status: 0 done, 1 refused or failed, 2 usage, 3 node unreachable\n"
            "'mcwallet help COMMAND' or 'mcwallet COMMAND --help' for a command's options\n",
            MC_CLIENT_ADDRESS_DEFAULT);
}

int mcw_command_usage(mcw_ctx *ctx, const mcw_command *cmd, bool to_stderr)
{
    ctx->finished = true; /* help is text, also with --json */
    FILE *f = to_stderr ? stderr : stdout;
    fprintf(f, "usage: mcwallet [OPTIONS] %s\n\n%s", cmd->usage, cmd->help);
    return to_stderr ? MCW_EXIT_USAGE : MCW_EXIT_OK;
}

int mcw_usage_error(mcw_ctx *ctx, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (ctx->json) {
        json_object_set_new(mcw_json(ctx), "error",
                            json_pack("{s:i, s:s, s:s}", "code", MC_ERR_INVALID_ARGUMENT, "name",
                                      mc_err_name(MC_ERR_INVALID_ARGUMENT), "message", text));
    }
    fprintf(stderr, "%s: %s", ctx->prog, text);
    const char *space = strchr(ctx->prog, ' ');
    const mcw_command *cmd = space != NULL ? mcw_command_find(space + 1) : NULL;
    if (cmd != NULL) {
        fprintf(stderr, "\nusage: mcwallet [OPTIONS] %s\n", cmd->usage);
    } else {
        fprintf(stderr, "\n");
    }
    return MCW_EXIT_USAGE;
}

int mcw_getopt(mcw_ctx *ctx, int argc, char **argv, const char *shortopts,
               const struct option *longopts, int *opt, bool *done)
{
    *done = false;
    *opt = getopt_long(argc, argv, shortopts, longopts, NULL);
    if (*opt == 'h') {
        const char *space = strchr(ctx->prog, ' ');
        const mcw_command *cmd = space != NULL ? mcw_command_find(space + 1) : NULL;
        if (cmd != NULL) {
            mcw_command_usage(ctx, cmd, false);
        }
        *done = true;
        return 0;
    }
    if (*opt == '?' || *opt == ':') {
        return mcw_usage_error(ctx, "bad option (see --help)");
    }
    return 0;
}

static int cmd_help(mcw_ctx *ctx, int argc, char **argv)
{
    if (argc < 2) {
        mcw_usage(stdout);
        ctx->finished = true;
        return MCW_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        return mcw_command_usage(ctx, mcw_command_find("help"), false);
    }
    const mcw_command *cmd = mcw_command_find(argv[1]);
    if (cmd == NULL) {
        return mcw_usage_error(ctx, "no command '%s'", argv[1]);
    }
    return mcw_command_usage(ctx, cmd, false);
}
