/* Reading the ledger: `info`, `balance`, `history`, `accounts`. Amounts in
 * the ledger's unit; on a private ledger what the node hides stays hidden
 * ("restricted"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

#define MCW_HISTORY_DEFAULT 20u

static json_t *limits_json(const mcw_ctx *ctx, const mc_limits *l)
{
    return json_pack("{s:o, s:o}", "min", mcw_amount_json(ctx, l->min_balance), "max",
                     mcw_amount_json(ctx, l->max_balance));
}

static void info_json(mcw_ctx *ctx)
{
    const mc_client_info *i = &ctx->info;
    const mc_ledger_info *l = &i->ledger;
    json_t *o = mcw_json(ctx), *stewards = json_array(), *defaults = json_object();
    for (size_t k = 0; k < l->steward_count; k++) {
        json_array_append_new(stewards, mcw_hex_json(l->stewards[k], MC_PUBLIC_KEY_BYTES));
    }
    for (int k = MC_KIND_MEMBER; k <= MC_KIND_SYSTEM; k++) {
        json_object_set_new(defaults, mc_account_kind_name(k),
                            limits_json(ctx, &l->default_limits[k - 1]));
    }
    json_object_set_new(o, "ledger_id", mcw_hex_json(l->ledger_id, MC_LEDGER_ID_BYTES));
    json_object_set_new(o, "node", json_string(ctx->node));
    json_object_set_new(o, "community", json_string(l->community));
    json_object_set_new(o, "unit",
                        json_pack("{s:s, s:s, s:i}", "name", l->unit_name, "symbol", l->unit_symbol,
                                  "decimals", (int)l->decimals));
    json_object_set_new(o, "visibility",
                        json_string(l->visibility == MC_VISIBILITY_OPEN ? "open" : "private"));
    json_object_set_new(o, "height", json_integer((json_int_t)l->height));
    json_object_set_new(o, "node_public_key", mcw_hex_json(l->node_public_key, 32));
    json_object_set_new(o, "stewards", stewards);
    json_object_set_new(o, "quorum", json_integer(l->quorum));
    json_object_set_new(o, "default_limits", defaults);
}

int mcw_cmd_info(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 0, 0, &done);
    if (rc != 0 || done) {
        return rc;
    }
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK && mcw_has_identity(ctx)) {
        rc = mcw_identity(ctx); /* its public key only: says its roles */
    }
    if (rc != MCW_EXIT_OK) {
        return mcw_finish(ctx, rc);
    }
    const mc_ledger_info *l = &ctx->info.ledger;
    char id[2 * MC_LEDGER_ID_BYTES + 1];
    mcw_hex(l->ledger_id, MC_LEDGER_ID_BYTES, id);
    info_json(ctx);
    mcw_print(ctx, "ledger     %s\n", id);
    if (l->community[0] != '\0') {
        mcw_print(ctx, "community  %s\n", l->community);
    }
    mcw_print(ctx, "unit       %s (%s), %u decimals\n", l->unit_name, l->unit_symbol, l->decimals);
    mcw_print(ctx, "visibility %s\nheight     %llu\nstewards   %zu, quorum %u\n",
              l->visibility == MC_VISIBILITY_OPEN ? "open" : "private",
              (unsigned long long)l->height, l->steward_count, l->quorum);
    mcw_info_roles(ctx); /* auditors, fee */
    for (int k = MC_KIND_MEMBER; k <= MC_KIND_SYSTEM; k++) {
        const mc_limits *d = &l->default_limits[k - 1];
        mcw_print(ctx, "limits     %-9s %s .. %s\n", mc_account_kind_name(k),
                  mcw_amount_text(ctx, d->min_balance).s, mcw_amount_text(ctx, d->max_balance).s);
    }
    mcw_print(ctx, "node       %s\n", ctx->node);
    mcw_info_identity(ctx);
    return mcw_finish(ctx, MCW_EXIT_OK);
}

/* The account a read command is about: HANDLE, or the identity's own. */
static int target_account(mcw_ctx *ctx, const char *who, mc_client_account *out)
{
    int rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_connect_as(ctx);
    }
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    if (who != NULL) {
        return mcw_resolve(ctx, who, false, out);
    }
    int code = mc_client_get_account(ctx->client, ctx->public_key, out);
    if (code == MC_ERR_NOT_FOUND) {
        return mcw_fail(ctx, code, "'%s' holds no account on this ledger yet", ctx->name);
    }
    return code == MC_ERR_OK ? MCW_EXIT_OK
                             : mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
}

static json_t *account_json(const mcw_ctx *ctx, const mc_client_account *ca)
{
    const mc_account *a = &ca->account;
    json_t *o =
        json_pack("{s:s, s:o, s:s, s:s, s:b, s:I}", "handle", a->handle, "public_key",
                  mcw_hex_json(a->public_key, MC_PUBLIC_KEY_BYTES), "kind",
                  mc_account_kind_name(a->kind), "status", mc_account_status_name(a->status),
                  "restricted", ca->restricted, "opened_height", (json_int_t)a->opened_height);
    if (!ca->restricted) {
        json_object_set_new(o, "balance", mcw_amount_json(ctx, a->balance));
        json_object_set_new(o, "limits", limits_json(ctx, &a->limits));
    }
    if (a->keeper_count > 0) { /* who runs a commons is public, like its kind */
        json_t *keepers = json_array();
        for (size_t i = 0; i < a->keeper_count; i++) {
            json_array_append_new(keepers, mcw_hex_json(a->keepers[i], MC_PUBLIC_KEY_BYTES));
        }
        json_object_set_new(o, "keepers", keepers);
        json_object_set_new(o, "keeper_quorum", json_integer(a->keeper_quorum));
    }
    if (a->kind == MC_KIND_COMMONS) {
        json_object_set_new(o, "rounds", json_integer((json_int_t)a->rounds));
    }
    return o;
}

int mcw_cmd_balance(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 0, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_client_account ca;
    rc = target_account(ctx, optind < argc ? argv[optind] : NULL, &ca);
    if (rc != MCW_EXIT_OK) {
        return mcw_finish(ctx, rc);
    }
    const mc_account *a = &ca.account;
    json_t *fields = account_json(ctx, &ca);
    json_object_update(mcw_json(ctx), fields);
    json_decref(fields);
    if (ca.restricted) {
        mcw_print(ctx, "%s: %s %s; its balance is private to it, the stewards and the auditors\n",
                  a->handle, mc_account_status_name(a->status), mc_account_kind_name(a->kind));
        return mcw_finish(ctx, MCW_EXIT_OK);
    }
    mcw_print(ctx, "%s  %s\n", a->handle, mcw_amount_text(ctx, a->balance).s);
    mcw_print(ctx, "  credit limit %s, ceiling %s, %s %s\n",
              mcw_amount_text(ctx, a->limits.min_balance).s,
              mcw_amount_text(ctx, a->limits.max_balance).s, mc_account_status_name(a->status),
              mc_account_kind_name(a->kind));
    return mcw_finish(ctx, MCW_EXIT_OK);
}

static const char *kind_word(mc_tx_kind kind)
{
    switch (kind) {
    case MC_TX_OPEN_ACCOUNT:
        return "opened";
    case MC_TX_TRANSFER:
        return "payment";
    case MC_TX_SET_LIMITS:
        return "limits";
    case MC_TX_SET_STATUS:
        return "status";
    case MC_TX_PAYMENT_REQUEST:
        return "request";
    case MC_TX_DECLINE_REQUEST:
        return "declined";
    case MC_TX_CANCEL_REQUEST:
        return "cancelled";
    case MC_TX_SET_ROLES:
        return "roles";
    case MC_TX_SET_FEE:
        return "fee";
    case MC_TX_CONTRIBUTION:
        return "work";
    case MC_TX_REVIEW_CONTRIBUTION:
        return "review";
    case MC_TX_DISTRIBUTION:
        return "round";
    }
    return "?";
}

/* The word of the kind column: a payment marked as reciprocity says so. */
static const char *history_word(const mc_client_history_item *h)
{
    if (h->kind == MC_TX_TRANSFER && h->purpose == MC_PURPOSE_RECIPROCITY) {
        return "reciprocity";
    }
    return kind_word(h->kind);
}

/* The other party in words, for the history of `me`: "to bob", "from
 * alice"; work "for garden" (in the contributor's history) or "by alice"
 * (in a commons'); a review "of alice"'s work (in a commons' history) or
 * "by garden" (in the contributor's); a round "to contributors" (in
 * the commons' history; "from garden" in a contributor's). */
static void other_party(const mc_account *me, const mc_client_history_item *h, char *out,
                        size_t len)
{
    const char *who = h->counterparty_handle[0] ? h->counterparty_handle : "?", *how;
    out[0] = '\0';
    if (!h->has_counterparty) {
        if (h->kind == MC_TX_DISTRIBUTION) {
            snprintf(out, len, "to contributors");
        }
        return;
    }
    switch (h->kind) {
    case MC_TX_CONTRIBUTION:
        how = me->kind == MC_KIND_COMMONS ? "by" : "for";
        break;
    case MC_TX_REVIEW_CONTRIBUTION:
        how = me->kind == MC_KIND_COMMONS ? "of" : "by"; /* of alice's work; by garden */
        break;
    default:
        how = h->delta < 0 ? "to" : h->delta > 0 ? "from" : "with";
        break;
    }
    snprintf(out, len, "%s %s", how, who);
}

static void history_item(mcw_ctx *ctx, const mc_account *me, json_t *list,
                         const mc_client_history_item *h)
{
    char when[32], other[MC_HANDLE_LEN_MAX + 24];
    mcw_time_text(h->time, when, sizeof when);
    other_party(me, h, other, sizeof other);
    json_t *o = json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:s}", "height", (json_int_t)h->height,
                          "time", (json_int_t)h->time, "kind", kind_word(h->kind), "delta",
                          mcw_amount_json(ctx, h->delta), "balance_after",
                          mcw_amount_json(ctx, h->balance_after), "tx_id",
                          mcw_hex_json(h->tx_id, MC_TX_ID_BYTES), "memo", h->memo);
    if (h->kind == MC_TX_TRANSFER) {
        json_object_set_new(
            o, "purpose",
            json_string(h->purpose == MC_PURPOSE_RECIPROCITY ? "reciprocity" : "none"));
    }
    if (h->has_counterparty) {
        json_object_set_new(o, "counterparty",
                            json_pack("{s:s, s:o}", "handle", h->counterparty_handle, "public_key",
                                      mcw_hex_json(h->counterparty, 32)));
    }
    json_array_append_new(list, o);
    mcw_print(ctx, "%6llu  %s  %-11s %14s %14s  %-20s %s\n", (unsigned long long)h->height, when,
              history_word(h), h->delta != 0 ? mcw_amount_text(ctx, h->delta).s : "",
              mcw_amount_text(ctx, h->balance_after).s, other, h->memo);
}

static int history_limit(mcw_ctx *ctx, int argc, char **argv, unsigned long *limit, bool *done)
{
    static const struct option options[] = {{"limit", required_argument, NULL, 'n'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    *limit = MCW_HISTORY_DEFAULT;
    while ((rc = mcw_getopt(ctx, argc, argv, "hn:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        char *end;
        *limit = strtoul(optarg, &end, 10);
        if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0') {
            return mcw_usage_error(ctx, "--limit '%s': a number (0: all)", optarg);
        }
    }
    if (rc == 0 && !*done && argc - optind > 1) {
        return mcw_usage_error(ctx, "at most one HANDLE");
    }
    return rc;
}

int mcw_cmd_history(mcw_ctx *ctx, int argc, char **argv)
{
    unsigned long limit;
    bool done = false;
    int rc = history_limit(ctx, argc, argv, &limit, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_client_account ca;
    rc = target_account(ctx, optind < argc ? argv[optind] : NULL, &ca);
    if (rc != MCW_EXIT_OK) {
        return mcw_finish(ctx, rc);
    }
    json_t *list = json_array();
    json_object_set_new(mcw_json(ctx), "handle", json_string(ca.account.handle));
    json_object_set_new(mcw_json(ctx), "items", list);
    mc_client_history_item page[MCW_PAGE];
    uint64_t before = 0;
    unsigned long shown = 0;
    bool more = true;
    while (more && (limit == 0 || shown < limit)) {
        size_t want = limit == 0 || limit - shown > MCW_PAGE ? MCW_PAGE : limit - shown, n = 0;
        int code =
            mc_client_history(ctx->client, ca.account.public_key, before, page, want, &n, &more);
        if (code != MC_ERR_OK) {
            return mcw_finish(ctx, mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client)));
        }
        for (size_t i = 0; i < n; i++) {
            history_item(ctx, &ca.account, list, &page[i]);
        }
        shown += n;
        before = n > 0 ? page[n - 1].height : 0;
        more = more && n > 0;
    }
    json_object_set_new(mcw_json(ctx), "more", json_boolean(more));
    return mcw_finish(ctx, MCW_EXIT_OK);
}

typedef struct account_list {
    mc_client_account *items;
    size_t count, cap;
} account_list;

/* Every account, page by page. */
static int fetch_accounts(mcw_ctx *ctx, account_list *l)
{
    bool more = true;
    while (more) {
        if (l->cap - l->count < MCW_PAGE) {
            size_t cap = l->cap * 2 + MCW_PAGE;
            mc_client_account *p = realloc(l->items, cap * sizeof *p);
            if (p == NULL) {
                return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
            }
            l->items = p;
            l->cap = cap;
        }
        const uint8_t *after = l->count > 0 ? l->items[l->count - 1].account.public_key : NULL;
        size_t n = 0;
        int code =
            mc_client_list_accounts(ctx->client, after, l->items + l->count, MCW_PAGE, &n, &more);
        if (code != MC_ERR_OK) {
            return mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
        }
        l->count += n;
        more = more && n > 0;
    }
    return MCW_EXIT_OK;
}

static int by_handle(const void *a, const void *b)
{
    return strcmp(((const mc_client_account *)a)->account.handle,
                  ((const mc_client_account *)b)->account.handle);
}

static void print_account(mcw_ctx *ctx, const mc_client_account *ca)
{
    const mc_account *a = &ca->account;
    if (ca->restricted) {
        mcw_print(ctx, "%-20s %-9s %-7s %14s\n", a->handle, mc_account_kind_name(a->kind),
                  mc_account_status_name(a->status), "(private)");
        return;
    }
    mcw_print(ctx, "%-20s %-9s %-7s %14s  limits %s .. %s\n", a->handle,
              mc_account_kind_name(a->kind), mc_account_status_name(a->status),
              mcw_amount_text(ctx, a->balance).s, mcw_amount_text(ctx, a->limits.min_balance).s,
              mcw_amount_text(ctx, a->limits.max_balance).s);
}

int mcw_cmd_accounts(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 0, 0, &done);
    if (rc != 0 || done) {
        return rc;
    }
    account_list l = {0};
    rc = mcw_info(ctx, false);
    if (rc == MCW_EXIT_OK) {
        rc = mcw_connect_as(ctx);
    }
    if (rc == MCW_EXIT_OK) {
        rc = fetch_accounts(ctx, &l);
    }
    if (rc != MCW_EXIT_OK) {
        free(l.items);
        return mcw_finish(ctx, rc);
    }
    qsort(l.items, l.count, sizeof *l.items, by_handle);
    json_t *list = json_array();
    json_object_set_new(mcw_json(ctx), "accounts", list);
    bool all_visible = true;
    int64_t total = 0;
    for (size_t i = 0; i < l.count; i++) {
        json_array_append_new(list, account_json(ctx, &l.items[i]));
        print_account(ctx, &l.items[i]);
        all_visible = all_visible && !l.items[i].restricted;
        total += l.items[i].restricted ? 0 : l.items[i].account.balance; /* sums to 0 */
    }
    if (all_visible) {
        json_object_set_new(mcw_json(ctx), "total", mcw_amount_json(ctx, total));
        mcw_print(ctx, "%-38s %14s  (the balances of a mutual-credit ledger sum to zero)\n",
                  "total", mcw_amount_text(ctx, total).s);
    }
    free(l.items);
    return mcw_finish(ctx, MCW_EXIT_OK);
}
