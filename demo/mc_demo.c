/* mc-demo: a self-demonstration of the core library, run by scripts/demo.sh.
 *
 * It creates a small SEL in a directory (unit "grain", symbol "g", 2
 * decimals, one steward), opens five accounts by steward-signed OpenAccount
 * transactions, makes a few payments, shows a payment refused at the credit
 * limit and a retried payment answered as a duplicate, prints the balances
 * with their limits, shows that they sum to zero and runs the ledger's
 * invariant check. Every transaction takes the real path: encode the body,
 * sign, decode, verify, apply. Exits non-zero when anything turns out other
 * than the story expects. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mc/amount.h"
#include "mc/crypto.h"
#include "mc/error.h"
#include "mc/ledger.h"
#include "mc/tx.h"
#include "mc/types.h"

#define DEMO_ACCOUNTS 5u
#define DEMO_PATH_MAX 4096u
#define DEMO_TEXT_MAX 256u

enum { ALICE, BOB, CAROL, BAKERY, GARDEN };

typedef struct demo_account {
    const char *handle;
    mc_account_kind kind;
    mc_keypair *key;
} demo_account;

typedef struct demo {
    mc_ledger *ledger;
    mc_keypair *steward;
    mc_keypair *node;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint64_t nonce;
    unsigned decimals;
    char symbol[MC_UNIT_SYMBOL_MAX + 1];
    demo_account accounts[DEMO_ACCOUNTS];
    bool color;
} demo;

/* An amount with the unit's symbol, "-12.50 g", returned by value so that
 * several fit in one printf. */
typedef struct amount_text {
    char s[MC_AMOUNT_TEXT_MAX + MC_UNIT_SYMBOL_MAX + 2];
} amount_text;

static amount_text amount_str(const demo *d, int64_t amount)
{
    amount_text t;
    char digits[MC_AMOUNT_TEXT_MAX];
    if (mc_amount_format(amount, d->decimals, digits, sizeof digits) != MC_ERR_OK) {
        snprintf(digits, sizeof digits, "?");
    }
    snprintf(t.s, sizeof t.s, "%s %s", digits, d->symbol);
    return t;
}

static const char *style(const demo *d, const char *ansi)
{
    return d->color ? ansi : "";
}

#define BOLD(d) style(d, "\033[1m")
#define DIM(d) style(d, "\033[2m")
#define GREEN(d) style(d, "\033[32m")
#define RED(d) style(d, "\033[31m")
#define RESET(d) style(d, "\033[0m")

static void heading(const demo *d, const char *title)
{
    printf("\n%s%s%s\n", BOLD(d), title, RESET(d));
}

/* One line of the story, marked ✓ (as expected) or ✗ (refused or wrong). */
__attribute__((format(printf, 3, 4))) static void mark(const demo *d, bool ok, const char *fmt, ...)
{
    va_list ap;
    printf("  %s%s%s ", ok ? GREEN(d) : RED(d), ok ? "✓" : "✗", RESET(d));
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static int report_error(const char *what, int rc)
{
    fprintf(stderr, "mc-demo: %s: %s (%s)\n", what, mc_strerror(rc), mc_err_name(rc));
    return rc;
}

/* A body of `kind` with the ledger id and a fresh nonce. */
static mc_body demo_body(demo *d, mc_tx_kind kind)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, d->ledger_id, sizeof b.ledger_id);
    b.nonce = ++d->nonce;
    b.kind = kind;
    return b;
}

/* Encode and sign `body` by `signer`: the SignedTx bytes a wallet would send,
 * in a new malloc'd buffer. */
static int demo_sign(const mc_body *body, const mc_keypair *signer, uint8_t **out, size_t *len)
{
    uint8_t *body_bytes = NULL;
    size_t body_len = 0;
    int rc = mc_body_encode(body, &body_bytes, &body_len);
    if (rc == MC_ERR_OK) {
        rc = mc_tx_sign(body_bytes, body_len, &signer, 1, out, len);
    }
    free(body_bytes);
    return rc;
}

/* What the node does with SignedTx bytes: decode, verify, apply. */
static int demo_apply_bytes(demo *d, const uint8_t *bytes, size_t len, mc_result *r)
{
    mc_tx *tx = NULL;
    int rc = mc_tx_decode(bytes, len, &tx);
    if (rc == MC_ERR_OK) {
        rc = mc_tx_verify(tx);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_apply(d->ledger, tx, (int64_t)time(NULL), r);
    }
    mc_tx_free(tx);
    return rc;
}

static int demo_submit(demo *d, const mc_body *body, const mc_keypair *signer, mc_result *r)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = demo_sign(body, signer, &bytes, &len);
    if (rc == MC_ERR_OK) {
        rc = demo_apply_bytes(d, bytes, len, r);
    }
    free(bytes);
    return rc;
}

/* Without --reset an existing ledger is refused by mc_ledger_create; with it,
 * the LMDB files of the previous ledger (and only those) are removed first. */
static int reset_dir(const char *dir)
{
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    bool removed = false;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[DEMO_PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s", dir, files[i]) >= (int)sizeof path) {
            fprintf(stderr, "mc-demo: directory name too long\n");
            return -1;
        }
        if (unlink(path) == 0) {
            removed = true;
        } else if (errno != ENOENT) {
            fprintf(stderr, "mc-demo: cannot remove %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    if (removed) {
        printf("Removed the previous demo ledger in %s (--reset).\n", dir);
    }
    return 0;
}

static int create_ledger(demo *d, const char *dir)
{
    uint8_t stewards[1][MC_PUBLIC_KEY_BYTES];
    memcpy(stewards[0], mc_keypair_public(d->steward), MC_PUBLIC_KEY_BYTES);

    mc_genesis_params p;
    mc_genesis_params_default(&p);
    p.community = "Demo SEL of the valley";
    p.unit_name = "grain";
    p.unit_symbol = "g";
    p.decimals = 2;
    p.stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])stewards;
    p.steward_count = 1;
    p.quorum = 1;
    memcpy(p.node_public_key, mc_keypair_public(d->node), MC_PUBLIC_KEY_BYTES);
    p.created_at = (int64_t)time(NULL);

    int rc = mc_ledger_create(dir, &p, NULL, &d->ledger);
    if (rc == MC_ERR_LEDGER_EXISTS) {
        fprintf(stderr,
                "mc-demo: %s already holds a ledger; run with --reset to replace it "
                "(scripts/demo.sh does)\n",
                dir);
        return rc;
    }
    if (rc != MC_ERR_OK) {
        return report_error("creating the ledger", rc);
    }
    mc_ledger_info info;
    rc = mc_ledger_get_info(d->ledger, &info);
    if (rc != MC_ERR_OK) {
        return report_error("reading the ledger's info", rc);
    }
    memcpy(d->ledger_id, info.ledger_id, sizeof d->ledger_id);
    d->decimals = info.decimals;
    snprintf(d->symbol, sizeof d->symbol, "%s", info.unit_symbol);

    char id_hex[2 * MC_LEDGER_ID_BYTES + 1];
    mc_hex_encode(info.ledger_id, MC_LEDGER_ID_BYTES, id_hex);
    heading(d, "A new ledger");
    printf("  community   %s\n", info.community);
    printf("  unit        %s (\"%s\"), %u decimals\n", info.unit_name, info.unit_symbol,
           info.decimals);
    printf("  stewards    %zu, quorum %u\n", info.steward_count, info.quorum);
    printf("  ledger id   %.16s…  %s(SHA-256 of the genesis record)%s\n", id_hex, DIM(d), RESET(d));
    printf("  stored in   %s  %s(LMDB, durable commits)%s\n", dir, DIM(d), RESET(d));
    return MC_ERR_OK;
}

static int open_accounts(demo *d)
{
    heading(d, "Opening accounts (each an OpenAccount signed by the steward)");
    for (size_t i = 0; i < DEMO_ACCOUNTS; i++) {
        demo_account *a = &d->accounts[i];
        int rc = mc_keypair_generate(&a->key);
        if (rc != MC_ERR_OK) {
            return report_error("generating a key", rc);
        }
        mc_body b = demo_body(d, MC_TX_OPEN_ACCOUNT);
        memcpy(b.u.open_account.public_key, mc_keypair_public(a->key), MC_PUBLIC_KEY_BYTES);
        b.u.open_account.handle = a->handle;
        b.u.open_account.kind = a->kind;
        b.u.open_account.has_limits = false; /* the ledger's defaults for the kind */

        mc_result r;
        rc = demo_submit(d, &b, d->steward, &r);
        if (rc == MC_ERR_OK && r.code != MC_ERR_OK) {
            rc = r.code;
        }
        if (rc != MC_ERR_OK) {
            return report_error(a->handle, rc);
        }
        mc_account acct;
        rc = mc_ledger_get_account(d->ledger, mc_keypair_public(a->key), &acct);
        if (rc != MC_ERR_OK) {
            return report_error("reading an account", rc);
        }
        mark(d, true, "%-7s %-9s may go down to %s, up to %s", acct.handle,
             mc_account_kind_name((int)acct.kind), amount_str(d, acct.limits.min_balance).s,
             amount_str(d, acct.limits.max_balance).s);
    }
    return MC_ERR_OK;
}

typedef struct payment {
    int payer;
    int payee;
    const char *amount; /* text form, parsed with mc_amount_parse */
    const char *memo;
    int expect; /* the result the story expects */
} payment;

static int build_payment(demo *d, const payment *p, mc_body *b)
{
    int64_t amount = 0;
    int rc = mc_amount_parse(p->amount, d->decimals, &amount);
    if (rc != MC_ERR_OK) {
        return report_error(p->amount, rc);
    }
    *b = demo_body(d, MC_TX_TRANSFER);
    memcpy(b->u.transfer.payer, mc_keypair_public(d->accounts[p->payer].key), MC_PUBLIC_KEY_BYTES);
    memcpy(b->u.transfer.payee, mc_keypair_public(d->accounts[p->payee].key), MC_PUBLIC_KEY_BYTES);
    b->u.transfer.amount = amount;
    b->u.transfer.memo = (const uint8_t *)p->memo;
    b->u.transfer.memo_len = strlen(p->memo);
    return MC_ERR_OK;
}

/* Pay, print the outcome, and check it is the one the story expects. If
 * `signed_out` is not NULL it receives the SignedTx bytes (caller frees). */
static int pay(demo *d, const payment *p, uint8_t **signed_out, size_t *signed_len)
{
    mc_body b;
    int rc = build_payment(d, p, &b);
    uint8_t *bytes = NULL;
    size_t len = 0;
    mc_result r;
    if (rc == MC_ERR_OK) {
        rc = demo_sign(&b, d->accounts[p->payer].key, &bytes, &len);
    }
    if (rc == MC_ERR_OK) {
        rc = demo_apply_bytes(d, bytes, len, &r);
    }
    if (rc != MC_ERR_OK) {
        free(bytes);
        return report_error("submitting a payment", rc);
    }
    const char *payer = d->accounts[p->payer].handle;
    const char *payee = d->accounts[p->payee].handle;
    amount_text amount = amount_str(d, b.u.transfer.amount);
    if (r.code == MC_ERR_OK) {
        mark(d, true, "%-7s → %-7s %10s  %-32s %s(log height %llu)%s", payer, payee, amount.s,
             p->memo, DIM(d), (unsigned long long)r.height, RESET(d));
    } else {
        char why[DEMO_TEXT_MAX];
        mc_result_describe(&r, d->decimals, d->symbol, why, sizeof why);
        mark(d, false, "%-7s → %-7s %10s  %-32s %srefused: %s%s", payer, payee, amount.s, p->memo,
             RED(d), mc_err_name(r.code), RESET(d));
        printf("      %s\n", why);
    }
    if (signed_out != NULL) {
        *signed_out = bytes;
        *signed_len = len;
    } else {
        free(bytes);
    }
    if (r.code != p->expect) {
        fprintf(stderr, "mc-demo: expected %s, got %s\n", mc_err_name(p->expect),
                mc_err_name(r.code));
        return MC_ERR_INVARIANT;
    }
    return MC_ERR_OK;
}

/* Resubmitting an applied transaction answers the original result and
 * changes nothing: a client may always retry after a timeout. */
static int retry(demo *d, const uint8_t *bytes, size_t len)
{
    uint64_t before = 0;
    uint64_t after = 0;
    mc_result r;
    int rc = mc_ledger_height(d->ledger, &before);
    if (rc == MC_ERR_OK) {
        rc = demo_apply_bytes(d, bytes, len, &r);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_height(d->ledger, &after);
    }
    if (rc != MC_ERR_OK) {
        return report_error("retrying a payment", rc);
    }
    bool ok = r.code == MC_ERR_OK && r.duplicate && after == before;
    mark(d, ok, "alice's first payment, sent again as after a timeout: %s%s, height %llu",
         mc_err_name(r.code), r.duplicate ? " (duplicate)" : "", (unsigned long long)r.height);
    mark(d, ok, "nothing changed: the log still holds %llu entries", (unsigned long long)after);
    if (!ok) {
        fprintf(stderr, "mc-demo: a retried payment was not answered as a duplicate\n");
        return MC_ERR_INVARIANT;
    }
    return MC_ERR_OK;
}

static int payments(demo *d)
{
    static const payment story[] = {
        {ALICE, BAKERY, "12.50", "bread for the week", MC_ERR_OK},
        {BAKERY, GARDEN, "1.25", "reciprocity share, 10%", MC_ERR_OK},
        {BOB, ALICE, "45", "two hours of bike repair", MC_ERR_OK},
        {CAROL, BOB, "20.00", "jam and honey", MC_ERR_OK},
        {ALICE, CAROL, "8.00", "tomato seedlings", MC_ERR_OK},
        {CAROL, BAKERY, "280.00", "catering for the village fete", MC_ERR_OK},
        {CAROL, GARDEN, "15.00", "a season's plot", MC_ERR_EXCEEDS_CREDIT_LIMIT},
    };
    uint8_t *first = NULL;
    size_t first_len = 0;
    heading(d, "Payments (each signed by its payer)");
    int rc = MC_ERR_OK;
    for (size_t i = 0; i < sizeof story / sizeof story[0] && rc == MC_ERR_OK; i++) {
        rc = pay(d, &story[i], i == 0 ? &first : NULL, &first_len);
    }
    if (rc == MC_ERR_OK) {
        heading(d, "Exactly once");
        rc = retry(d, first, first_len);
    }
    free(first);
    return rc;
}

static void print_row(const demo *d, const mc_account *a)
{
    printf("  %-8s %-9s %-7s %14s %14s %14s\n", a->handle, mc_account_kind_name((int)a->kind),
           mc_account_status_name((int)a->status), amount_str(d, a->balance).s,
           amount_str(d, a->limits.min_balance).s, amount_str(d, a->limits.max_balance).s);
}

typedef struct sum_ctx {
    int64_t sum;
    size_t count;
    int rc;
} sum_ctx;

static int sum_account(const mc_account *a, void *ctx)
{
    sum_ctx *s = ctx;
    s->count++;
    s->rc = mc_amount_add(s->sum, a->balance, &s->sum);
    return s->rc;
}

static int balances(demo *d)
{
    heading(d, "Balances");
    printf("  %s%-8s %-9s %-7s %14s %14s %14s%s\n", DIM(d), "account", "kind", "status", "balance",
           "credit limit", "ceiling", RESET(d));
    for (size_t i = 0; i < DEMO_ACCOUNTS; i++) {
        mc_account a;
        int rc = mc_ledger_get_account(d->ledger, mc_keypair_public(d->accounts[i].key), &a);
        if (rc != MC_ERR_OK) {
            return report_error("reading an account", rc);
        }
        print_row(d, &a);
    }
    sum_ctx s = {0, 0, MC_ERR_OK};
    int rc = mc_ledger_list_accounts(d->ledger, NULL, 0, sum_account, &s);
    if (rc != MC_ERR_OK) {
        return report_error("summing the balances", rc);
    }
    mark(d, s.sum == 0, "sum of all %zu balances: %s  %s(every unit someone holds, someone owes)%s",
         s.count, amount_str(d, s.sum).s, DIM(d), RESET(d));
    return s.sum == 0 ? MC_ERR_OK : MC_ERR_INVARIANT;
}

static int check(demo *d)
{
    char why[DEMO_TEXT_MAX] = "";
    uint64_t height = 0;
    uint8_t root[MC_HASH_BYTES];
    char root_hex[2 * MC_HASH_BYTES + 1];
    heading(d, "Audit");
    int rc = mc_ledger_check(d->ledger, why, sizeof why);
    if (rc != MC_ERR_OK) {
        mark(d, false, "mc_ledger_check: an invariant does not hold");
        fprintf(stderr, "mc-demo: %s: %s\n", mc_err_name(rc), why);
        return rc;
    }
    mark(d, true, "mc_ledger_check passed: balances sum to 0 and lie within their limits,");
    printf("    the log is gap-free, every tx id appears once, the Merkle leaves match\n");
    rc = mc_ledger_height(d->ledger, &height);
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_root(d->ledger, height, root);
    }
    if (rc != MC_ERR_OK) {
        return report_error("reading the log's root", rc);
    }
    mc_hex_encode(root, MC_HASH_BYTES, root_hex);
    mark(d, true, "log of %llu entries, Merkle root (RFC 9162) %.16s…", (unsigned long long)height,
         root_hex);
    return MC_ERR_OK;
}

static int run(demo *d, const char *dir)
{
    int rc = mc_keypair_generate(&d->steward);
    if (rc == MC_ERR_OK) {
        rc = mc_keypair_generate(&d->node);
    }
    if (rc != MC_ERR_OK) {
        return report_error("generating keys", rc);
    }
    rc = create_ledger(d, dir);
    if (rc == MC_ERR_OK) {
        rc = open_accounts(d);
    }
    if (rc == MC_ERR_OK) {
        rc = payments(d);
    }
    if (rc == MC_ERR_OK) {
        rc = balances(d);
    }
    if (rc == MC_ERR_OK) {
        rc = check(d);
    }
    return rc;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mc-demo [--reset] DIR\n"
               "  Creates a demo mutual-credit ledger in DIR and walks through accounts,\n"
               "  payments, a refusal at the credit limit and the invariant check.\n"
               "  --reset  remove a ledger already in DIR first (otherwise it is refused)\n");
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    bool reset = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reset") == 0) {
            reset = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] != '-' && dir == NULL) {
            dir = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (dir == NULL) {
        usage(stderr);
        return 2;
    }
    demo d;
    memset(&d, 0, sizeof d);
    d.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    printf("%smc-demo%s: a mutual-credit ledger, step by step, with the core library\n", BOLD(&d),
           RESET(&d));
    if (reset && reset_dir(dir) != 0) {
        return 1;
    }
    const demo_account accounts[DEMO_ACCOUNTS] = {
        {"alice", MC_KIND_MEMBER, NULL},   {"bob", MC_KIND_MEMBER, NULL},
        {"carol", MC_KIND_MEMBER, NULL},   {"bakery", MC_KIND_BUSINESS, NULL},
        {"garden", MC_KIND_COMMONS, NULL},
    };
    memcpy(d.accounts, accounts, sizeof accounts);

    int rc = run(&d, dir);
    mc_ledger_close(d.ledger);
    for (size_t i = 0; i < DEMO_ACCOUNTS; i++) {
        mc_keypair_free(d.accounts[i].key);
    }
    mc_keypair_free(d.node);
    mc_keypair_free(d.steward);
    if (rc == MC_ERR_OK) {
        printf("\n%sDone.%s The ledger stays in %s (mc-demo --reset starts afresh).\n", BOLD(&d),
               RESET(&d), dir);
        return 0;
    }
    return 1;
}
