/* mcaudit: the offline auditor of an mc ledger. Parses the command line,
 * runs `verify` (verify.c) or `report` (report.c) and returns their exit
 * code: 0 verified (or reported), 1 the export does not verify (or is
 * malformed), 2 a usage error, 3 it could not be checked (I/O, no room for
 * the scratch ledger, interrupted). Needs nothing but the export file: no
 * network, no node. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "audit.h"

#ifndef MC_VERSION
#define MC_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: mcaudit verify FILE [--checkpoint CPFILE] [--ledger-id HEX] [--threads N]\n"
            "                           [--json]\n"
            "       mcaudit report FILE --format csv|json|hledger\n"
            "       mcaudit --help | --version\n"
            "\n"
            "Offline checks of an export of an mc ledger (`mcnode export`), needing nothing\n"
            "else: no node, no network. FILE may be - for stdin.\n"
            "\n"
            "verify  checks the whole history: the genesis (its SHA-256 is the ledger id),\n"
            "        every transaction signature (on all cores), every checkpoint's signature\n"
            "        by the node key the genesis names; replays every entry through the\n"
            "        ledger's state machine in a scratch ledger (removed afterwards) and\n"
            "        compares each recorded result and byte; recomputes the Merkle root and\n"
            "        compares it with every signed checkpoint, whose time must be that of the\n"
            "        entries it closes; checks the ledger's invariants at the end. Prints a\n"
            "        summary (entries, accounts, the volume of transfers, their fees, round\n"
            "        payouts, transactions by kind), or the first failure: \"FAILED at\n"
            "        height H: why\" (or in the genesis, in a checkpoint, at a byte\n"
            "        offset). A progress bar shows on a terminal only.\n"
            "  --checkpoint CPFILE  a checkpoint you trust (its text, as the node signed it):\n"
            "                  it must verify with the genesis's node key, and the export\n"
            "                  must contain its history (same root at its size): a rewritten\n"
            "                  or shortened history fails\n"
            "  --ledger-id HEX the ledger id you expect (64 hex digits)\n"
            "  --threads N     signature-checking threads (default: one per CPU)\n"
            "  --json          the verdict as one JSON object\n"
            "  The scratch ledger goes under $TMPDIR (default /var/tmp) and needs about as\n"
            "  much room as the node's ledger.\n"
            "\n"
            "report  writes what moves money to stdout: every transfer with its fee, and\n"
            "        every payout of a distribution round (kind round_payout), as csv\n"
            "        (RFC 4180, header height,time,tx_id,kind,payer,payee,amount,fee,\n"
            "        fee_account,purpose,round,memo), json (an array of objects with the\n"
            "        same fields, amount_minor and fee_minor) or hledger (a journal:\n"
            "        `hledger -f FILE bal` shows the ledger's balances). It verifies\n"
            "        nothing: run verify first.\n"
            "\n"
            "Exit status: 0 ok, 1 the export does not verify (or is malformed), 2 usage,\n"
            "3 could not check (I/O error, no room, interrupted).\n");
}

enum { OPT_CHECKPOINT = 1000, OPT_LEDGER_ID, OPT_THREADS, OPT_JSON, OPT_FORMAT, OPT_HELP };

static const struct option options[] = {{"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
                                        {"ledger-id", required_argument, NULL, OPT_LEDGER_ID},
                                        {"threads", required_argument, NULL, OPT_THREADS},
                                        {"json", no_argument, NULL, OPT_JSON},
                                        {"format", required_argument, NULL, OPT_FORMAT},
                                        {"help", no_argument, NULL, OPT_HELP},
                                        {NULL, 0, NULL, 0}};

typedef struct command_line {
    mca_verify_options verify;
    const char *format; /* report's --format; NULL: not given */
    bool help;
} command_line;

static int parse_threads(const char *arg, unsigned *out)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || n < 1 || n > (long)MCA_THREADS_MAX) {
        fprintf(stderr, "mcaudit: --threads '%s': a number from 1 to %u\n", arg, MCA_THREADS_MAX);
        return MCA_EXIT_USAGE;
    }
    *out = (unsigned)n;
    return MCA_EXIT_OK;
}

static int parse_ledger_id(const char *arg, const char **out)
{
    uint8_t id[MC_LEDGER_ID_BYTES];
    if (strlen(arg) != 2 * MC_LEDGER_ID_BYTES || mc_hex_decode(arg, id, sizeof id) != MC_ERR_OK) {
        fprintf(stderr, "mcaudit: --ledger-id '%s': 64 hex digits\n", arg);
        return MCA_EXIT_USAGE;
    }
    *out = arg;
    return MCA_EXIT_OK;
}

static int parse_option(command_line *cl, int c, const char *arg)
{
    switch (c) {
    case OPT_CHECKPOINT:
        cl->verify.checkpoint_path = arg;
        return MCA_EXIT_OK;
    case OPT_LEDGER_ID:
        return parse_ledger_id(arg, &cl->verify.ledger_id_hex);
    case OPT_THREADS:
        return parse_threads(arg, &cl->verify.threads);
    case OPT_JSON:
        cl->verify.json = true;
        return MCA_EXIT_OK;
    case OPT_FORMAT:
        cl->format = arg;
        return MCA_EXIT_OK;
    case OPT_HELP:
        cl->help = true;
        return MCA_EXIT_OK;
    default:
        return MCA_EXIT_USAGE; /* getopt_long said why */
    }
}

/* The options and the one FILE after the command name (argv[0] here). */
static int parse_command(int argc, char **argv, command_line *cl)
{
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if ((rc = parse_option(cl, c, optarg)) != MCA_EXIT_OK) {
            return rc;
        }
    }
    if (cl->help) {
        return MCA_EXIT_OK;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "%s: one FILE expected (mcaudit --help)\n", argv[0]);
        return MCA_EXIT_USAGE;
    }
    cl->verify.path = argv[optind];
    return MCA_EXIT_OK;
}

static int run_verify(command_line *cl)
{
    if (cl->format != NULL) {
        fprintf(stderr, "mcaudit verify: --format is an option of report\n");
        return MCA_EXIT_USAGE;
    }
    return mca_verify(&cl->verify);
}

static int run_report(command_line *cl)
{
    static const struct {
        const char *name;
        mca_format format;
    } formats[] = {
        {"csv", MCA_FORMAT_CSV}, {"json", MCA_FORMAT_JSON}, {"hledger", MCA_FORMAT_HLEDGER}};
    const mca_verify_options *v = &cl->verify;
    if (v->checkpoint_path != NULL || v->ledger_id_hex != NULL || v->threads != 0 || v->json) {
        fprintf(stderr, "mcaudit report: --checkpoint, --ledger-id, --threads and --json are "
                        "options of verify\n");
        return MCA_EXIT_USAGE;
    }
    for (size_t i = 0; cl->format != NULL && i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(cl->format, formats[i].name) == 0) {
            return mca_report(v->path, formats[i].format);
        }
    }
    fprintf(stderr, "mcaudit report: --format csv, json or hledger\n");
    return MCA_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return MCA_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("mcaudit %s\n", MC_VERSION);
        return MCA_EXIT_OK;
    }
    if (argc < 2 || (strcmp(argv[1], "verify") != 0 && strcmp(argv[1], "report") != 0)) {
        usage(stderr);
        return MCA_EXIT_USAGE;
    }
    static char verify_name[] = "mcaudit verify", report_name[] = "mcaudit report";
    bool verify = strcmp(argv[1], "verify") == 0;
    argv[1] = verify ? verify_name : report_name; /* getopt_long's messages name it */
    command_line cl;
    memset(&cl, 0, sizeof cl);
    int rc = parse_command(argc - 1, argv + 1, &cl);
    if (rc != MCA_EXIT_OK || cl.help) {
        if (cl.help) {
            usage(stdout);
        }
        return rc;
    }
    return verify ? run_verify(&cl) : run_report(&cl);
}
