/* mcwallet: the command-line wallet. Parses the global options (they come
 * before the command), finds the command and runs it; the command prints
 * its answer (in words, or one JSON object with --json) and returns the exit
 * code (wallet.h). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

#ifndef MC_VERSION
#define MC_VERSION "0.1.0"
#endif

#define MCW_TIMEOUT_S_MAX 3600

/* $XDG_CONFIG_HOME/mcwallet, else ~/.config/mcwallet. */
static int default_dir(char *out, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/') {
        n = snprintf(out, len, "%s/mcwallet", xdg);
    } else if (home != NULL && home[0] != '\0') {
        n = snprintf(out, len, "%s/.config/mcwallet", home);
    } else {
        return -1;
    }
    return n > 0 && (size_t)n < len ? 0 : -1;
}

enum { OPT_NODE = 1000, OPT_WALLET, OPT_AS, OPT_JSON, OPT_PASSFILE, OPT_TIMEOUT, OPT_VERSION };

static int global_option(mcw_ctx *ctx, int c, const char *arg)
{
    long v;
    char *end;
    switch (c) {
    case OPT_NODE:
        ctx->node = arg;
        return 0;
    case OPT_WALLET:
        if (snprintf(ctx->dir, sizeof ctx->dir, "%s", arg) >= (int)sizeof ctx->dir) {
            fprintf(stderr, "mcwallet: --wallet: path too long\n");
            return MCW_EXIT_USAGE;
        }
        return 0;
    case OPT_AS:
        ctx->as = arg;
        return 0;
    case OPT_JSON:
        ctx->json = true;
        return 0;
    case OPT_PASSFILE:
        ctx->passphrase_file = arg;
        return 0;
    case OPT_TIMEOUT:
        v = strtol(arg, &end, 10);
        if (*arg == '\0' || *end != '\0' || v < 1 || v > MCW_TIMEOUT_S_MAX) {
            fprintf(stderr, "mcwallet: --timeout '%s': seconds, 1..%d\n", arg, MCW_TIMEOUT_S_MAX);
            return MCW_EXIT_USAGE;
        }
        ctx->timeout_ms = (int)v * 1000;
        return 0;
    default:
        mcw_usage(stderr);
        return MCW_EXIT_USAGE;
    }
}

/* Global options up to the command; *first is the command's index. */
static int parse_globals(mcw_ctx *ctx, int argc, char **argv, int *first, bool *done)
{
    static const struct option options[] = {
        {"node", required_argument, NULL, OPT_NODE},
        {"wallet", required_argument, NULL, OPT_WALLET},
        {"as", required_argument, NULL, OPT_AS},
        {"json", no_argument, NULL, OPT_JSON},
        {"passphrase-file", required_argument, NULL, OPT_PASSFILE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
        if (c == 'h' || c == OPT_VERSION) {
            if (c == 'h') {
                mcw_usage(stdout);
            } else {
                printf("mcwallet %s\n", MC_VERSION);
            }
            *done = true;
            ctx->finished = true; /* text, also with --json */
            return 0;
        }
        int rc = global_option(ctx, c, optarg);
        if (rc != 0) {
            return rc;
        }
    }
    *first = optind;
    return 0;
}

static int run(mcw_ctx *ctx, int argc, char **argv)
{
    int first = 0;
    bool done = false;
    int rc = parse_globals(ctx, argc, argv, &first, &done);
    if (rc != 0 || done) {
        return rc;
    }
    if (first >= argc) {
        mcw_usage(stderr);
        ctx->finished = true;
        return MCW_EXIT_USAGE;
    }
    const mcw_command *cmd = mcw_command_find(argv[first]);
    if (cmd == NULL) {
        return mcw_usage_error(ctx, "unknown command '%s' (try 'mcwallet help')", argv[first]);
    }
    if (ctx->node == NULL) {
        const char *env = getenv("MC_NODE");
        ctx->node = env != NULL && env[0] != '\0' ? env : MC_CLIENT_ADDRESS_DEFAULT;
    }
    if (ctx->dir[0] == '\0' && default_dir(ctx->dir, sizeof ctx->dir) != 0) {
        fprintf(stderr, "mcwallet: no wallet directory: set HOME or use --wallet DIR\n");
        return MCW_EXIT_USAGE;
    }
    static char prog[64];
    snprintf(prog, sizeof prog, "mcwallet %s", cmd->name);
    ctx->prog = prog;
    optind = 0; /* glibc: 0 re-initialises getopt, forgetting the "+" of the globals */
    return cmd->run(ctx, argc - first, argv + first);
}

int main(int argc, char **argv)
{
    mcw_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.prog = "mcwallet";
    ctx.timeout_ms = MC_CLIENT_TIMEOUT_MS_DEFAULT;
    int status = run(&ctx, argc, argv);
    mcw_finish(&ctx, status); /* one JSON answer on every path, usage errors too */
    mcw_close(&ctx);
    return status;
}
