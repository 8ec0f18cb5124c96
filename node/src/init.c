/* The offline subcommands: `mcnode init` creates a ledger and the node's
 * key in a data directory and prints the ledger id; `mcnode check` verifies
 * every invariant of a ledger; `mcnode export` writes its history for an
 * auditor. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "mc/export.h"
#include "mc/ledger.h"
#include "node_internal.h"

#define MC__INIT_LIMIT_ARGS_MAX 16u

typedef struct init_args {
    const char *data_dir;
    mc_genesis_params params;
    uint8_t stewards[MC_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    size_t steward_count;
    const char *mins[MC__INIT_LIMIT_ARGS_MAX], *maxs[MC__INIT_LIMIT_ARGS_MAX];
    size_t min_count, max_count;
    bool quorum_set;
} init_args;

static void init_usage(FILE *f)
{
    fprintf(f,
            "usage: mcnode init --data DIR --steward PUBKEY_HEX [--steward PUBKEY_HEX]...\n"
            "                   [--quorum M] [--community TEXT] [--unit NAME] [--symbol SYM]\n"
            "                   [--decimals N] [--default-min [KIND=]AMOUNT]...\n"
            "                   [--default-max [KIND=]AMOUNT]... [--visibility open|private]\n"
            "\n"
            "Creates a ledger in DIR (made if missing) and the node's signing key\n"
            "(DIR/node.key, mode 0600), then prints the ledger id. Refuses a DIR that\n"
            "already holds a ledger.\n"
            "\n"
            "  --data DIR            the data directory\n"
            "  --steward PUBKEY_HEX  a steward's Ed25519 public key (64 hex digits); repeat\n"
            "                        for each steward, at most %u\n"
            "  --quorum M            steward signatures needed, 1..stewards (default 1)\n"
            "  --community TEXT      the community's name (default none)\n"
            "  --unit NAME           the unit's name (default \"unit\")\n"
            "  --symbol SYM          the unit's symbol (default \"u\")\n"
            "  --decimals N          digits after the point, 0..9 (default 2)\n"
            "  --default-min [KIND=]AMOUNT\n"
            "                        the default credit limit (a floor <= 0) of KIND\n"
            "                        (member, business, commons, system; default member);\n"
            "                        defaults: member -300, business and commons -5000\n"
            "  --default-max [KIND=]AMOUNT\n"
            "                        the default ceiling (>= 0); defaults: member 3000,\n"
            "                        business and commons 50000\n"
            "  --visibility open|private\n"
            "                        open: members see every balance (default); private:\n"
            "                        an account's balance and history are visible to it,\n"
            "                        the stewards and the auditors only\n",
            MC_STEWARDS_MAX);
}

/* The default limits of genesis.c are in hundredths; scale them to
 * `decimals` (whole units stay whole units). */
static void scale_defaults(mc_genesis_params *p)
{
    for (int k = MC_KIND_MEMBER; k < MC_KIND_SYSTEM; k++) {
        mc_limits *l = &p->default_limits[k - 1];
        int64_t lo = l->min_balance / 100, hi = l->max_balance / 100;
        for (unsigned d = 0; d < p->decimals; d++) {
            lo *= 10;
            hi *= 10;
        }
        *l = (mc_limits){lo, hi};
    }
}

/* "[KIND=]AMOUNT" into a kind and minor units. */
static int parse_kind_amount(const char *arg, unsigned decimals, int *kind, int64_t *amount)
{
    const char *eq = strchr(arg, '=');
    *kind = MC_KIND_MEMBER;
    if (eq != NULL) {
        char name[16];
        size_t n = (size_t)(eq - arg);
        if (n >= sizeof name) {
            return MC_ERR_INVALID_ARGUMENT;
        }
        memcpy(name, arg, n);
        name[n] = '\0';
        *kind = mc_account_kind_from_name(name);
        if (*kind < 0) {
            return MC_ERR_KIND_INVALID;
        }
        arg = eq + 1;
    }
    return mc_amount_parse(arg, decimals, amount);
}

static int apply_limit_args(init_args *a)
{
    for (size_t i = 0; i < a->min_count + a->max_count; i++) {
        bool is_min = i < a->min_count;
        const char *arg = is_min ? a->mins[i] : a->maxs[i - a->min_count];
        int kind;
        int64_t amount;
        if (parse_kind_amount(arg, a->params.decimals, &kind, &amount) != MC_ERR_OK) {
            fprintf(stderr, "mcnode init: --default-%s '%s': not [KIND=]AMOUNT with %u decimals\n",
                    is_min ? "min" : "max", arg, a->params.decimals);
            return 2;
        }
        mc_limits *l = &a->params.default_limits[kind - 1];
        if (is_min) {
            l->min_balance = amount;
        } else {
            l->max_balance = amount;
        }
    }
    return 0;
}

static int add_steward(init_args *a, const char *hex)
{
    if (a->steward_count >= MC_STEWARDS_MAX) {
        fprintf(stderr, "mcnode init: at most %u stewards\n", MC_STEWARDS_MAX);
        return 2;
    }
    if (mc_hex_decode(hex, a->stewards[a->steward_count], MC_PUBLIC_KEY_BYTES) != MC_ERR_OK) {
        fprintf(stderr, "mcnode init: --steward '%s': not 64 hex digits\n", hex);
        return 2;
    }
    a->steward_count++;
    return 0;
}

static int parse_init_option(init_args *a, int c, const char *arg)
{
    uint32_t v = 0;
    switch (c) {
    case 'd':
        a->data_dir = arg;
        return 0;
    case 's':
        return add_steward(a, arg);
    case 'q':
        if (mc__parse_u32(arg, 1, MC_STEWARDS_MAX, &v) != MC_ERR_OK) {
            fprintf(stderr, "mcnode init: --quorum '%s': not a number 1..%u\n", arg,
                    MC_STEWARDS_MAX);
            return 2;
        }
        a->params.quorum = v;
        a->quorum_set = true;
        return 0;
    case 'c':
        a->params.community = arg;
        return 0;
    case 'u':
        a->params.unit_name = arg;
        return 0;
    case 'y':
        a->params.unit_symbol = arg;
        return 0;
    case 'n':
        if (mc__parse_u32(arg, 0, MC_DECIMALS_MAX, &v) != MC_ERR_OK) {
            fprintf(stderr, "mcnode init: --decimals '%s': not a number 0..%u\n", arg,
                    MC_DECIMALS_MAX);
            return 2;
        }
        a->params.decimals = v;
        return 0;
    case 'm':
    case 'M':
        if ((c == 'm' ? a->min_count : a->max_count) >= MC__INIT_LIMIT_ARGS_MAX) {
            fprintf(stderr, "mcnode init: too many --default-min/--default-max\n");
            return 2;
        }
        if (c == 'm') {
            a->mins[a->min_count++] = arg;
        } else {
            a->maxs[a->max_count++] = arg;
        }
        return 0;
    case 'v':
        if (strcmp(arg, "open") != 0 && strcmp(arg, "private") != 0) {
            fprintf(stderr, "mcnode init: --visibility '%s': open or private\n", arg);
            return 2;
        }
        a->params.visibility = arg[0] == 'o' ? MC_VISIBILITY_OPEN : MC_VISIBILITY_PRIVATE;
        return 0;
    default:
        init_usage(stderr);
        return 2;
    }
}

static int parse_init(init_args *a, int argc, char **argv)
{
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"steward", required_argument, NULL, 's'},
                                            {"quorum", required_argument, NULL, 'q'},
                                            {"community", required_argument, NULL, 'c'},
                                            {"unit", required_argument, NULL, 'u'},
                                            {"symbol", required_argument, NULL, 'y'},
                                            {"decimals", required_argument, NULL, 'n'},
                                            {"default-min", required_argument, NULL, 'm'},
                                            {"default-max", required_argument, NULL, 'M'},
                                            {"visibility", required_argument, NULL, 'v'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            init_usage(stdout);
            return -1;
        }
        int rc = parse_init_option(a, c, optarg);
        if (rc != 0) {
            return rc;
        }
    }
    if (optind < argc || a->data_dir == NULL || a->steward_count == 0) {
        fprintf(stderr, "mcnode init: %s\n",
                optind < argc         ? "unexpected argument"
                : a->data_dir == NULL ? "--data DIR is required"
                                      : "at least one --steward PUBKEY_HEX is required");
        return 2;
    }
    if (a->quorum_set && a->params.quorum > a->steward_count) {
        fprintf(stderr, "mcnode init: --quorum %u is more than the %zu steward(s)\n",
                a->params.quorum, a->steward_count);
        return 2;
    }
    return 0;
}

static int create_ledger(init_args *a)
{
    char why[512] = "";
    mc_ledger *ledger = NULL;
    int rc = mc_ledger_open(a->data_dir, NULL, &ledger);
    if (rc != MC_ERR_NO_LEDGER) {
        mc_ledger_close(ledger);
        fprintf(stderr, "mcnode init: %s: %s\n", a->data_dir,
                rc == MC_ERR_OK ? "a ledger already exists there; not overwriting it"
                                : mc_strerror(rc));
        return 1;
    }
    mc_keypair *node_key = NULL;
    if (mkdir(a->data_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "mcnode init: %s: %s\n", a->data_dir, strerror(errno));
        return 1;
    }
    rc = mc__nodekey_create(a->data_dir, &node_key, why, sizeof why);
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcnode init: node key: %s\n", why);
        return 1;
    }
    memcpy(a->params.node_public_key, mc_keypair_public(node_key), MC_PUBLIC_KEY_BYTES);
    mc_keypair_free(node_key);
    a->params.stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])a->stewards;
    a->params.steward_count = a->steward_count;
    a->params.created_at = (int64_t)time(NULL);
    rc = mc_ledger_create(a->data_dir, &a->params, NULL, &ledger);
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcnode init: %s: %s%s\n", a->data_dir, mc_strerror(rc),
                rc == MC_ERR_CONFIG_INVALID ? " (limits need min <= 0 <= max; the unit 1..32 "
                                              "bytes, the symbol 1..8; stewards distinct)"
                                            : "");
        return 1;
    }
    mc_ledger_info info;
    rc = mc_ledger_get_info(ledger, &info);
    mc_ledger_close(ledger);
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcnode init: %s\n", mc_strerror(rc));
        return 1;
    }
    char hex[2 * MC_LEDGER_ID_BYTES + 1];
    mc_hex_encode(info.ledger_id, MC_LEDGER_ID_BYTES, hex);
    printf("%s\n", hex);
    return 0;
}

int mc__cmd_init(int argc, char **argv)
{
    init_args a;
    memset(&a, 0, sizeof a);
    mc_genesis_params_default(&a.params);
    int rc = parse_init(&a, argc, argv);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    scale_defaults(&a.params);
    rc = apply_limit_args(&a);
    return rc != 0 ? rc : create_ledger(&a);
}

static int count_account(const mc_account *account, void *ctx)
{
    (void)account;
    (*(size_t *)ctx)++;
    return 0;
}

static void check_usage(FILE *f)
{
    fprintf(f, "usage: mcnode check --data DIR\n"
               "\n"
               "Verifies every invariant of the ledger in DIR, offline: balances sum to\n"
               "zero and lie within their limits, handles and accounts correspond, the log\n"
               "is gap-free with every transaction id once, the Merkle leaves match the\n"
               "entries, each account's history sums to its balance.\n"
               "Exit status: 0 when all hold, 1 with the first violation.\n");
}

int mc__cmd_check(int argc, char **argv)
{
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            check_usage(stdout);
            return 0;
        }
        if (c != 'd') {
            check_usage(stderr);
            return 2;
        }
        dir = optarg;
    }
    if (dir == NULL || optind < argc) {
        check_usage(stderr);
        return 2;
    }
    mc_ledger *ledger = NULL;
    int rc = mc_ledger_open(dir, NULL, &ledger);
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcnode check: %s: %s\n", dir, mc_strerror(rc));
        return 1;
    }
    char why[512] = "";
    size_t accounts = 0;
    uint64_t height = 0;
    rc = mc_ledger_check(ledger, why, sizeof why);
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_height(ledger, &height);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_list_accounts(ledger, NULL, 0, count_account, &accounts);
    }
    if (rc == MC_ERR_OK) {
        printf("ok: %s: height %llu, %zu accounts, every invariant holds\n", dir,
               (unsigned long long)height, accounts);
    } else if (rc == MC_ERR_INVARIANT) {
        fprintf(stderr, "mcnode check: %s: invariant violated: %s\n", dir, why);
    } else {
        fprintf(stderr, "mcnode check: %s: %s (%s)\n", dir, mc_strerror(rc),
                mc_ledger_last_error(ledger));
    }
    mc_ledger_close(ledger);
    return rc == MC_ERR_OK ? 0 : 1;
}

static void export_usage(FILE *f)
{
    fprintf(f, "usage: mcnode export --data DIR --out FILE\n"
               "\n"
               "Writes the ledger's whole history to FILE for an auditor (mcaudit verify):\n"
               "the genesis, every log entry exactly as stored, and the node's signed\n"
               "checkpoints, ending with the latest. A consistent snapshot: it may run\n"
               "while the node serves the ledger. FILE is written whole or not at all.\n");
}

static int export_to(const char *dir, const char *path)
{
    char why[4096 + 128] = "", tmp[4096];
    mc_keypair *key = NULL;
    mc_ledger *ledger = NULL;
    uint64_t entries = 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        fprintf(stderr, "mcnode export: %s: path too long\n", path);
        return 1;
    }
    int rc = mc__nodekey_load(dir, &key, why, sizeof why);
    mc_ledger_options opts = {.checkpoint_key = key};
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_open(dir, &opts, &ledger);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_sign_checkpoint(ledger, (int64_t)time(NULL)); /* ends on a checkpoint */
    }
    FILE *f = rc == MC_ERR_OK ? fopen(tmp, "wb") : NULL;
    if (rc == MC_ERR_OK && f == NULL) {
        snprintf(why, sizeof why, "%s: %s", tmp, strerror(errno));
        rc = MC_ERR_STORAGE_IO;
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_export(ledger, f, &entries);
    }
    if (f != NULL && (fsync(fileno(f)) != 0 || fclose(f) != 0) && rc == MC_ERR_OK) {
        rc = MC_ERR_STORAGE_IO;
    }
    if (rc == MC_ERR_OK && rename(tmp, path) != 0) {
        snprintf(why, sizeof why, "%s: %s", path, strerror(errno));
        rc = MC_ERR_STORAGE_IO;
    }
    if (rc != MC_ERR_OK) {
        unlink(tmp);
        fprintf(stderr, "mcnode export: %s: %s\n", why[0] ? why : dir, mc_strerror(rc));
    } else {
        printf("exported %llu entries to %s\n", (unsigned long long)entries, path);
    }
    mc_ledger_close(ledger);
    mc_keypair_free(key);
    return rc == MC_ERR_OK ? 0 : 1;
}

int mc__cmd_export(int argc, char **argv)
{
    static const struct option options[] = {{"data", required_argument, NULL, 'd'},
                                            {"out", required_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *dir = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == 'h') {
            export_usage(stdout);
            return 0;
        }
        if (c != 'd' && c != 'o') {
            export_usage(stderr);
            return 2;
        }
        *(c == 'd' ? &dir : &out) = optarg;
    }
    if (dir == NULL || out == NULL || optind < argc) {
        export_usage(stderr);
        return 2;
    }
    return export_to(dir, out);
}
