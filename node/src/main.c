/* mcnode: the mutual-credit node. Dispatches the subcommands (init, run,
 * check), --version and help. Exit codes follow the Unix conventions: 0
 * done, 1 failed (the message says why), 2 usage error. */
#include <stdio.h>
#include <string.h>

#include "node_internal.h"

#ifndef MC_VERSION
#define MC_VERSION "0.1.0"
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: mcnode COMMAND [OPTIONS]\n"
               "\n"
               "commands:\n"
               "  init   create a ledger and the node's key in a data directory\n"
               "  run    serve the ledger over TCP\n"
               "  check  verify every invariant of a ledger, offline\n"
               "  export write the ledger's history to a file for an auditor\n"
               "  help [COMMAND]  this text, or a command's options\n"
               "\n"
               "  mcnode --version\n"
               "  mcnode COMMAND --help\n"
               "\n"
               "exit status: 0 done, 1 failed, 2 usage error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("mcnode %s\n", MC_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc >= 3 && strcmp(cmd, "help") == 0) {
            char help[] = "--help";
            char *sub[] = {argv[2], help, NULL};
            if (strcmp(argv[2], "init") == 0) {
                return mc__cmd_init(2, sub);
            }
            if (strcmp(argv[2], "run") == 0) {
                return mc__cmd_run(2, sub);
            }
            if (strcmp(argv[2], "check") == 0) {
                return mc__cmd_check(2, sub);
            }
            if (strcmp(argv[2], "export") == 0) {
                return mc__cmd_export(2, sub);
            }
            fprintf(stderr, "mcnode: no command '%s'\n", argv[2]);
            return 2;
        }
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "init") == 0) {
        return mc__cmd_init(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "run") == 0) {
        return mc__cmd_run(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "check") == 0) {
        return mc__cmd_check(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "export") == 0) {
        return mc__cmd_export(argc - 1, argv + 1);
    }
    fprintf(stderr, "mcnode: unknown command '%s' (try 'mcnode help')\n", cmd);
    return 2;
}
