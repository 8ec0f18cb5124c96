/* A commons' money: what came in as reciprocity (`reciprocity`: who paid
 * how much, read from the commons' history) and what its distribution
 * rounds paid out (`distribute`, `rounds`).
 *
 * `distribute` always shows first what the node's own ledger computes for
 * the round (a dry run, by the rules that will apply it: pro rata under the
 * caps, largest remainder); with --dry-run it stops there, else the keepers
 * sign it (a proposal when one keeper is not enough). Once applied, the
 * round as the ledger recorded it is shown, and compared with the preview:
 * the balance or the approved contributions may have moved in between. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "wallet.h"

#define MCW_DAY_SECONDS 86400
#define MCW_BPS_DECIMALS 2u /* "40%" is 4000 basis points: a percent with two decimals */
#define MCW_BPS_MAX 10000u

/* Info, then authenticated as the identity. */
static int ready(mcw_ctx *ctx)
{
    int rc = mcw_info(ctx, false);
    return rc == MCW_EXIT_OK ? mcw_connect_as(ctx) : rc;
}

/* ---- reciprocity -------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil, as cmd_cheque.c): timegm() is not POSIX. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* --since YYYY-MM-DD: the start of that day, UTC. */
static int parse_day(mcw_ctx *ctx, const char *text, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%Y-%m-%d", &tm);
    if (end == NULL || *end != '\0') {
        return mcw_usage_error(ctx, "--since '%s': a date, YYYY-MM-DD", text);
    }
    *out = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * MCW_DAY_SECONDS;
    return MCW_EXIT_OK;
}

typedef struct payer {
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    char handle[MC_HANDLE_LEN_MAX + 1];
    int64_t total;
    size_t payments;
} payer;

typedef struct payer_list {
    payer *items;
    size_t count, cap;
    int64_t total;
    size_t payments;
} payer_list;

/* Add a reciprocity payment of `h` to its payer's total. */
static int add_payment(mcw_ctx *ctx, payer_list *l, const mc_client_history_item *h)
{
    payer *p = NULL;
    for (size_t i = 0; i < l->count && p == NULL; i++) {
        p = memcmp(l->items[i].key, h->counterparty, MC_PUBLIC_KEY_BYTES) == 0 ? &l->items[i]
                                                                               : NULL;
    }
    if (p == NULL && l->count == l->cap) {
        size_t cap = l->cap * 2 + 16;
        payer *items = realloc(l->items, cap * sizeof *items);
        if (items == NULL) {
            return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
        }
        l->items = items;
        l->cap = cap;
    }
    if (p == NULL) {
        p = &l->items[l->count++];
        memset(p, 0, sizeof *p);
        memcpy(p->key, h->counterparty, MC_PUBLIC_KEY_BYTES);
        snprintf(p->handle, sizeof p->handle, "%s", h->counterparty_handle);
    }
    if (mc_amount_add(p->total, h->delta, &p->total) != MC_ERR_OK ||
        mc_amount_add(l->total, h->delta, &l->total) != MC_ERR_OK) {
        return mcw_fail(ctx, MC_ERR_AMOUNT_OVERFLOW, "the totals overflow");
    }
    p->payments++;
    l->payments++;
    return MCW_EXIT_OK;
}

/* The reciprocity paid into `commons` from `since` on: the whole history
 * is read (log times follow the node's clock, which may step back). */
static int collect_reciprocity(mcw_ctx *ctx, const mc_account *commons, int64_t since,
                               payer_list *l)
{
    mc_client_history_item *page = calloc(MCW_PAGE, sizeof *page);
    if (page == NULL) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
    }
    uint64_t before = 0;
    bool more = true;
    int rc = MCW_EXIT_OK;
    while (more && rc == MCW_EXIT_OK) {
        size_t n = 0;
        int code =
            mc_client_history(ctx->client, commons->public_key, before, page, MCW_PAGE, &n, &more);
        if (code != MC_ERR_OK) {
            rc = mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
            break;
        }
        for (size_t i = 0; i < n && rc == MCW_EXIT_OK; i++) {
            const mc_client_history_item *h = &page[i];
            if (h->kind == MC_TX_TRANSFER && h->purpose == MC_PURPOSE_RECIPROCITY && h->delta > 0 &&
                h->has_counterparty && h->time >= since) {
                rc = add_payment(ctx, l, h);
            }
        }
        before = n > 0 ? page[n - 1].height : before;
        more = more && n > 0;
    }
    free(page);
    return rc;
}

static int by_total(const void *a, const void *b)
{
    const payer *x = a, *y = b;
    if (x->total != y->total) {
        return x->total < y->total ? 1 : -1;
    }
    return strcmp(x->handle, y->handle);
}

static void show_reciprocity(mcw_ctx *ctx, const mc_account *commons, const char *since,
                             const payer_list *l)
{
    json_t *list = json_array();
    json_object_set_new(mcw_json(ctx), "commons", json_string(commons->handle));
    if (since != NULL) {
        json_object_set_new(mcw_json(ctx), "since", json_string(since));
    }
    json_object_set_new(mcw_json(ctx), "payers", list);
    json_object_set_new(mcw_json(ctx), "total", mcw_amount_json(ctx, l->total));
    json_object_set_new(mcw_json(ctx), "payments", json_integer((json_int_t)l->payments));
    if (l->count == 0) {
        mcw_print(ctx, "no reciprocity paid into %s%s%s\n", commons->handle,
                  since != NULL ? " since " : "", since != NULL ? since : "");
        return;
    }
    mcw_print(ctx, "reciprocity paid into %s%s%s:\n", commons->handle,
              since != NULL ? " since " : "", since != NULL ? since : "");
    for (size_t i = 0; i < l->count; i++) {
        const payer *p = &l->items[i];
        json_t *o = mcw_party_json(p->handle, p->key);
        json_object_set_new(o, "amount", mcw_amount_json(ctx, p->total));
        json_object_set_new(o, "payments", json_integer((json_int_t)p->payments));
        json_array_append_new(list, o);
        mcw_print(ctx, "  %-20s %16s  in %zu payment%s\n", p->handle[0] ? p->handle : "?",
                  mcw_amount_text(ctx, p->total).s, p->payments, p->payments == 1 ? "" : "s");
    }
    mcw_print(ctx, "  %-20s %16s  in %zu payment%s\n", "total", mcw_amount_text(ctx, l->total).s,
              l->payments, l->payments == 1 ? "" : "s");
}

static int reciprocity_parse(mcw_ctx *ctx, int argc, char **argv, const char **since, bool *done)
{
    static const struct option options[] = {{"since", required_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    *since = NULL;
    while ((rc = mcw_getopt(ctx, argc, argv, "hs:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        *since = optarg;
    }
    if (rc == 0 && !*done && argc - optind != 1) {
        return mcw_usage_error(ctx, "one COMMONS");
    }
    return rc;
}

int mcw_cmd_reciprocity(mcw_ctx *ctx, int argc, char **argv)
{
    const char *since = NULL;
    bool done = false;
    int rc = reciprocity_parse(ctx, argc, argv, &since, &done);
    if (rc != 0 || done) {
        return rc;
    }
    int64_t from = INT64_MIN;
    if (since != NULL && (rc = parse_day(ctx, since, &from)) != 0) {
        return rc;
    }
    mc_client_account commons;
    payer_list l = {0};
    rc = ready(ctx);
    rc = rc == MCW_EXIT_OK ? mcw_resolve_commons(ctx, argv[optind], &commons) : rc;
    rc = rc == MCW_EXIT_OK ? collect_reciprocity(ctx, &commons.account, from, &l) : rc;
    if (rc == MCW_EXIT_OK) {
        if (l.count > 0) {
            qsort(l.items, l.count, sizeof *l.items, by_total);
        }
        show_reciprocity(ctx, &commons.account, since, &l);
    }
    free(l.items);
    return mcw_finish(ctx, rc);
}

/* ---- showing a round ------------------------------------------------------------ */

/* "40.00% of the balance" or "120.00 g", and ", at most X each". */
static void round_terms(const mcw_ctx *ctx, const mc_round *r, char *out, size_t len)
{
    int n = r->share_bps > 0 ? snprintf(out, len, "%u.%02u%% of the balance", r->share_bps / 100,
                                        r->share_bps % 100)
                             : snprintf(out, len, "%s", mcw_amount_text(ctx, r->amount).s);
    size_t used = n > 0 ? (size_t)n : 0;
    if (used < len) {
        snprintf(out + used, len - used, r->cap > 0 ? ", at most %s to each" : ", no cap",
                 mcw_amount_text(ctx, r->cap).s);
    }
}

static json_t *round_json(const mcw_ctx *ctx, const mc_client_round *cr)
{
    const mc_round *r = &cr->round;
    json_t *payouts = json_array();
    for (size_t i = 0; i < cr->payout_count; i++) {
        const mc_client_payout *p = &cr->payouts[i];
        json_t *o = mcw_party_json(p->handle, p->payout.contributor);
        json_object_set_new(o, "weight", mcw_weight_json(p->payout.weight));
        json_object_set_new(o, "cap", mcw_amount_json(ctx, p->payout.cap));
        json_object_set_new(o, "paid", mcw_amount_json(ctx, p->payout.paid));
        json_array_append_new(payouts, o);
    }
    return json_pack("{s:I, s:I, s:i, s:o, s:o, s:o, s:o, s:o, s:I, s:b, s:o}", "round",
                     (json_int_t)r->round, "height", (json_int_t)r->height, "share_bps",
                     (int)r->share_bps, "amount", mcw_amount_json(ctx, r->amount), "cap",
                     mcw_amount_json(ctx, r->cap), "pot", mcw_amount_json(ctx, r->pot), "paid",
                     mcw_amount_json(ctx, r->paid), "left", mcw_amount_json(ctx, r->left),
                     "contributions", (json_int_t)r->contributions, "restricted", cr->restricted,
                     "payouts", payouts);
}

/* The payouts as a table, then the pot. */
static void round_table(mcw_ctx *ctx, const mc_client_round *cr, const char *commons)
{
    const mc_round *r = &cr->round;
    mcw_print(ctx, "  %-20s %10s %16s %16s\n", "contributor", "weight", "cap", "payout");
    for (size_t i = 0; i < cr->payout_count; i++) {
        const mc_round_payout *p = &cr->payouts[i].payout;
        mcw_print(ctx, "  %-20s %10s %16s %16s\n",
                  cr->payouts[i].handle[0] ? cr->payouts[i].handle : "?",
                  mcw_weight_text(p->weight).s,
                  p->cap == INT64_MAX ? "none" : mcw_amount_text(ctx, p->cap).s,
                  mcw_amount_text(ctx, p->paid).s);
    }
    if (cr->restricted) {
        mcw_print(ctx, "  (the round's figures and the others' payouts are private)\n");
        return;
    }
    mcw_print(ctx, "  pot %s, paid %s, left in %s %s (%zu contribution%s settled)\n",
              mcw_amount_text(ctx, r->pot).s, mcw_amount_text(ctx, r->paid).s, commons,
              mcw_amount_text(ctx, r->left).s, r->contributions, r->contributions == 1 ? "" : "s");
}

/* Whether two rounds pay the same. */
static bool same_payouts(const mc_client_round *a, const mc_client_round *b)
{
    if (a->round.pot != b->round.pot || a->round.paid != b->round.paid ||
        a->round.left != b->round.left || a->round.contributions != b->round.contributions ||
        a->payout_count != b->payout_count) {
        return false;
    }
    for (size_t i = 0; i < a->payout_count; i++) {
        const mc_round_payout *x = &a->payouts[i].payout, *y = &b->payouts[i].payout;
        if (memcmp(x->contributor, y->contributor, MC_PUBLIC_KEY_BYTES) != 0 ||
            x->paid != y->paid || x->weight != y->weight) {
            return false;
        }
    }
    return true;
}

/* ---- rounds -------------------------------------------------------------------- */

/* `cb` returns an exit code, and sets *stop to end the walk early. */
typedef int (*round_cb)(mcw_ctx *ctx, const mc_client_round *r, void *arg, bool *stop);

/* The rounds of `commons` after `after`, page by page. */
static int each_round(mcw_ctx *ctx, const uint8_t *commons, uint64_t after, round_cb cb, void *arg)
{
    mc_client_round *page = calloc(MCW_PAGE, sizeof *page);
    if (page == NULL) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
    }
    bool more = true, stop = false;
    int rc = MCW_EXIT_OK;
    while (more && !stop && rc == MCW_EXIT_OK) {
        size_t n = 0;
        int code = mc_client_rounds(ctx->client, commons, after, page, MCW_PAGE, &n, &more);
        if (code != MC_ERR_OK) {
            rc = mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
            break;
        }
        for (size_t i = 0; i < n; i++) {
            rc = rc == MCW_EXIT_OK && !stop ? cb(ctx, &page[i], arg, &stop) : rc;
            mc_client_round_clear(&page[i]);
        }
        after = n > 0 ? page[n - 1].round.round : after;
        more = more && n > 0;
    }
    free(page);
    return rc;
}

typedef struct rounds_state {
    const char *commons;
    json_t *list;
} rounds_state;

static int show_round(mcw_ctx *ctx, const mc_client_round *r, void *arg, bool *stop)
{
    (void)stop;
    rounds_state *s = arg;
    char terms[160];
    round_terms(ctx, &r->round, terms, sizeof terms);
    json_array_append_new(s->list, round_json(ctx, r));
    mcw_print(ctx, "round %llu at height %llu: %s\n", (unsigned long long)r->round.round,
              (unsigned long long)r->round.height, r->restricted ? "(private)" : terms);
    round_table(ctx, r, s->commons);
    return MCW_EXIT_OK;
}

int mcw_cmd_rounds(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = mcw_parse_plain(ctx, argc, argv, 1, 1, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_client_account commons;
    rc = ready(ctx);
    rc = rc == MCW_EXIT_OK ? mcw_resolve_commons(ctx, argv[optind], &commons) : rc;
    if (rc != MCW_EXIT_OK) {
        return mcw_finish(ctx, rc);
    }
    rounds_state s = {.commons = commons.account.handle, .list = json_array()};
    json_object_set_new(mcw_json(ctx), "commons", json_string(commons.account.handle));
    json_object_set_new(mcw_json(ctx), "rounds", s.list);
    rc = each_round(ctx, commons.account.public_key, 0, show_round, &s);
    if (rc == MCW_EXIT_OK && json_array_size(s.list) == 0) {
        mcw_print(ctx, "%s has had no distribution round yet\n", commons.account.handle);
    }
    return mcw_finish(ctx, rc);
}

/* ---- distribute ------------------------------------------------------------------ */

typedef struct distribute_args {
    const char *share, *amount, *cap;
    bool dry_run;
} distribute_args;

static int distribute_parse(mcw_ctx *ctx, int argc, char **argv, distribute_args *a, bool *done)
{
    static const struct option options[] = {
        {"share", required_argument, NULL, 's'}, {"amount", required_argument, NULL, 'a'},
        {"cap", required_argument, NULL, 'c'},   {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int opt, rc;
    memset(a, 0, sizeof *a);
    while ((rc = mcw_getopt(ctx, argc, argv, "hn", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        if (opt == 'n') {
            a->dry_run = true;
            continue;
        }
        const char **slot = opt == 's' ? &a->share : opt == 'a' ? &a->amount : &a->cap;
        *slot = optarg;
    }
    if (rc != 0 || *done) {
        return rc;
    }
    if ((a->share == NULL) == (a->amount == NULL)) {
        return mcw_usage_error(ctx, "give --share PERCENT or --amount AMOUNT (one of them)");
    }
    if (a->dry_run && ctx->proposal_out != NULL) {
        return mcw_usage_error(ctx, "--dry-run signs nothing: run `distribute --dry-run` "
                                    "without propose");
    }
    return argc - optind != 1 ? mcw_usage_error(ctx, "one COMMONS") : 0;
}

/* "40%", "40", "12.5%": basis points, 1..10000. */
static int parse_share(mcw_ctx *ctx, const char *text, unsigned *bps)
{
    char number[MC_AMOUNT_TEXT_MAX];
    size_t len = strlen(text);
    int64_t v = 0;
    if (len > 0 && text[len - 1] == '%') {
        len--;
    }
    if (len == 0 || len >= sizeof number) {
        return mcw_usage_error(ctx, "--share '%s': a percentage, e.g. 40%%", text);
    }
    memcpy(number, text, len);
    number[len] = '\0';
    if (mc_amount_parse(number, MCW_BPS_DECIMALS, &v) != MC_ERR_OK || v < 1 || v > MCW_BPS_MAX) {
        return mcw_usage_error(ctx, "--share '%s': 0.01%% to 100%%, at most two decimals", text);
    }
    *bps = (unsigned)v;
    return MCW_EXIT_OK;
}

/* The parameters, the amounts in the ledger's unit (info loaded). */
static int distribution_params(mcw_ctx *ctx, const distribute_args *a, mc_distribution_params *p)
{
    memset(p, 0, sizeof *p);
    int rc = a->share != NULL ? parse_share(ctx, a->share, &p->share_bps)
                              : mcw_parse_amount(ctx, a->amount, true, &p->amount);
    if (rc == MCW_EXIT_OK && a->cap != NULL) {
        rc = mcw_parse_amount(ctx, a->cap, true, &p->cap);
    }
    return rc;
}

static int preview(mcw_ctx *ctx, const mc_account *commons, const mc_distribution_params *p,
                   mc_client_round *out)
{
    int code = mc_client_preview_distribution(ctx->client, commons->public_key, p, out);
    if (code != MC_ERR_OK) {
        return mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
    }
    char terms[160];
    round_terms(ctx, &out->round, terms, sizeof terms);
    json_object_set_new(mcw_json(ctx), "commons", json_string(commons->handle));
    json_object_set_new(mcw_json(ctx), "preview", round_json(ctx, out));
    mcw_print(ctx, "round %llu of %s, preview: %s\n", (unsigned long long)out->round.round,
              commons->handle, terms);
    round_table(ctx, out, commons->handle);
    return MCW_EXIT_OK;
}

typedef struct round_search {
    uint64_t height;
    mc_client_round found; /* owns its payouts when found */
    bool has;
} round_search;

static int take_round(mcw_ctx *ctx, const mc_client_round *r, void *arg, bool *stop)
{
    round_search *s = arg;
    if (r->round.height != s->height) {
        return MCW_EXIT_OK;
    }
    s->found = *r;
    s->found.payouts = calloc(r->payout_count + 1, sizeof *r->payouts);
    if (s->found.payouts == NULL) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
    }
    memcpy(s->found.payouts, r->payouts, r->payout_count * sizeof *r->payouts);
    s->has = true;
    *stop = true;
    return MCW_EXIT_OK;
}

/* The round applied at `r->height` as the ledger recorded it, against the
 * preview `pv`. */
static int applied(mcw_ctx *ctx, const mc_account *commons, const mc_client_round *pv,
                   const mc_result *r)
{
    round_search s = {.height = r->height};
    uint64_t after = pv->round.round > 0 ? pv->round.round - 1 : 0;
    int rc = each_round(ctx, commons->public_key, after, take_round, &s);
    if (rc == MCW_EXIT_OK && !s.has && after > 0) {
        rc = each_round(ctx, commons->public_key, 0, take_round, &s); /* applied earlier */
    }
    if (rc == MCW_EXIT_OK && !s.has) {
        rc = mcw_fail(ctx, MC_ERR_NOT_FOUND,
                      "applied at height %llu, but the node lists no round "
                      "of %s there",
                      (unsigned long long)r->height, commons->handle);
    }
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    bool same = same_payouts(pv, &s.found);
    json_object_set_new(mcw_json(ctx), "round", round_json(ctx, &s.found));
    json_object_set_new(mcw_json(ctx), "as_previewed", json_boolean(same));
    mcw_print(ctx, "round %llu of %s applied at height %llu%s, %s:\n",
              (unsigned long long)s.found.round.round, commons->handle,
              (unsigned long long)r->height, r->duplicate ? " (earlier)" : "",
              same ? "as previewed" : "NOT as previewed");
    round_table(ctx, &s.found, commons->handle);
    if (!same) {
        mcw_warn(ctx,
                 "round %llu differs from the preview: the balance of %s or its approved "
                 "contributions changed in between; the figures above are the ledger's",
                 (unsigned long long)s.found.round.round, commons->handle);
    }
    mc_client_round_clear(&s.found);
    return MCW_EXIT_OK;
}

int mcw_cmd_distribute(mcw_ctx *ctx, int argc, char **argv)
{
    distribute_args a;
    bool done = false;
    int rc = distribute_parse(ctx, argc, argv, &a, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_distribution_params p;
    mc_client_account commons;
    mc_client_round pv = {0};
    mcw_quorum q;
    mc_result r;
    rc = ready(ctx);
    rc = rc == MCW_EXIT_OK ? distribution_params(ctx, &a, &p) : rc;
    rc = rc == MCW_EXIT_OK ? mcw_resolve_commons(ctx, argv[optind], &commons) : rc;
    if (rc == MCW_EXIT_OK && !a.dry_run) {
        mcw_keeper_quorum(&commons.account, &q);
        rc = mcw_require_keeper(ctx, &q);
    }
    rc = rc == MCW_EXIT_OK ? preview(ctx, &commons.account, &p, &pv) : rc;
    if (rc == MCW_EXIT_OK && !a.dry_run) {
        mc_body b = mcw_body(ctx, MC_TX_DISTRIBUTION);
        memcpy(b.u.distribution.commons, commons.account.public_key, MC_PUBLIC_KEY_BYTES);
        b.u.distribution.share_bps = p.share_bps;
        b.u.distribution.amount = p.amount;
        b.u.distribution.cap = p.cap;
        rc = mcw_send(ctx, &b, &q, &r);
        if (rc == MCW_EXIT_OK && !ctx->proposed) {
            rc = applied(ctx, &commons.account, &pv, &r);
        }
    }
    mc_client_round_clear(&pv);
    return mcw_finish(ctx, rc);
}
