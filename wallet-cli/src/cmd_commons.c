/* A commons' contributions: `contribute` (a contributor records work, in
 * hours or points, with a description and optionally the SHA-256 of an
 * evidence file), `contributions` (the list, with what the rounds paid), and
 * `approve` / `reject` (signed by the commons' keepers: at once when one
 * keeper is enough, else through a proposal the others co-sign). Also the
 * pieces the other commons commands share (cmd_rounds.c, `pay --from`).
 *
 * Weights are integers in hundredths of an hour or point ("2.5" is 250),
 * parsed from text like amounts, never through floating point; so are the
 * shares shown, computed in integers. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "mc/text.h"
#include "wallet.h"

#define MCW_WEIGHT_DECIMALS 2u
#define MCW_EVIDENCE_CHUNK 65536u /* bytes read at a time from an evidence file */
#define MCW_ID_PREFIX_MIN 4u      /* hex digits of a contribution id given by prefix */
#define MCW_ID_SHOWN 12u          /* hex digits shown in lists */

_Static_assert(crypto_hash_sha256_BYTES == MC_HASH_BYTES, "evidence is a SHA-256");

__extension__ typedef unsigned __int128 mcw_u128;

/* ---- shared with cmd_rounds.c and cmd_pay.c ------------------------------ */

mcw_weight mcw_weight_text(int64_t hundredths)
{
    mcw_weight w;
    if (mc_amount_format(hundredths, MCW_WEIGHT_DECIMALS, w.s, sizeof w.s) != MC_ERR_OK) {
        snprintf(w.s, sizeof w.s, "?");
    }
    return w;
}

json_t *mcw_weight_json(int64_t hundredths)
{
    return json_pack("{s:s, s:I}", "value", mcw_weight_text(hundredths).s, "hundredths",
                     (json_int_t)hundredths);
}

json_t *mcw_party_json(const char *handle, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    return json_pack("{s:s, s:o}", "handle", handle, "public_key",
                     mcw_hex_json(key, MC_PUBLIC_KEY_BYTES));
}

int mcw_resolve_commons(mcw_ctx *ctx, const char *who, mc_client_account *out)
{
    int rc = mcw_resolve(ctx, who, false, out);
    if (rc == MCW_EXIT_OK && out->account.kind != MC_KIND_COMMONS) {
        const char *kind = mc_account_kind_name(out->account.kind);
        rc = mcw_fail(ctx, MC_ERR_NOT_A_COMMONS, "%s is a %s account, not a commons",
                      out->account.handle, kind != NULL ? kind : "?");
    }
    return rc;
}

int mcw_require_keeper(mcw_ctx *ctx, const mcw_quorum *q)
{
    for (size_t k = 0; k < q->count; k++) {
        if (memcmp(q->keys[k], ctx->public_key, MC_PUBLIC_KEY_BYTES) == 0) {
            return MCW_EXIT_OK;
        }
    }
    return mcw_fail(ctx, MC_ERR_NOT_A_KEEPER,
                    "'%s' is not one of the %s: only their signatures count for it", ctx->name,
                    q->who);
}

/* Info, then authenticated as the identity. */
static int ready(mcw_ctx *ctx)
{
    int rc = mcw_info(ctx, false);
    return rc == MCW_EXIT_OK ? mcw_connect_as(ctx) : rc;
}

static void short_id(const uint8_t id[MC_TX_ID_BYTES], char out[MCW_ID_SHOWN + 1])
{
    char hex[2 * MC_TX_ID_BYTES + 1];
    mcw_hex(id, MC_TX_ID_BYTES, hex);
    memcpy(out, hex, MCW_ID_SHOWN);
    out[MCW_ID_SHOWN] = '\0';
}

/* ---- contribute ----------------------------------------------------------- */

typedef struct contribute_args {
    const char *hours, *points, *description, *evidence;
} contribute_args;

static int contribute_parse(mcw_ctx *ctx, int argc, char **argv, contribute_args *a, bool *done)
{
    static const struct option options[] = {{"hours", required_argument, NULL, 'H'},
                                            {"points", required_argument, NULL, 'P'},
                                            {"description", required_argument, NULL, 'd'},
                                            {"evidence", required_argument, NULL, 'e'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    memset(a, 0, sizeof *a);
    while ((rc = mcw_getopt(ctx, argc, argv, "hd:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        const char **slot = opt == 'H'   ? &a->hours
                            : opt == 'P' ? &a->points
                            : opt == 'd' ? &a->description
                                         : &a->evidence;
        if (*slot != NULL) {
            return mcw_usage_error(ctx, "each option once");
        }
        *slot = optarg;
    }
    if (rc != 0 || *done) {
        return rc;
    }
    if ((a->hours == NULL) == (a->points == NULL)) {
        return mcw_usage_error(ctx, "give --hours H or --points P (one of them)");
    }
    if (a->description == NULL) {
        return mcw_usage_error(ctx, "--description TEXT is required");
    }
    return argc - optind != 1 ? mcw_usage_error(ctx, "one COMMONS") : 0;
}

/* "2.5" hours or points: 250 hundredths, 0.01 to MC_WEIGHT_MAX. */
static int parse_weight(mcw_ctx *ctx, const char *option, const char *text, int64_t *out)
{
    int64_t w = 0;
    if (mc_amount_parse(text, MCW_WEIGHT_DECIMALS, &w) != MC_ERR_OK || w <= 0 ||
        w > MC_WEIGHT_MAX) {
        return mcw_usage_error(ctx,
                               "--%s '%s': a number above 0 and at most %s, with at most two "
                               "decimals (e.g. 2.5)",
                               option, text, mcw_weight_text(MC_WEIGHT_MAX).s);
    }
    *out = w;
    return MCW_EXIT_OK;
}

static int check_description(mcw_ctx *ctx, const char *text)
{
    size_t len = strlen(text);
    if (len == 0 || len > MC_DESCRIPTION_MAX) {
        return mcw_fail(ctx, MC_ERR_DESCRIPTION_INVALID,
                        "the description is %zu bytes: it must be 1 to %u bytes", len,
                        MC_DESCRIPTION_MAX);
    }
    if (!mc_utf8_is_valid((const uint8_t *)text, len)) {
        return mcw_fail(ctx, MC_ERR_DESCRIPTION_INVALID, "the description is not valid UTF-8");
    }
    return MCW_EXIT_OK;
}

/* The SHA-256 of the file at `path`, read in chunks. */
static int evidence_hash(mcw_ctx *ctx, const char *path, uint8_t out[MC_HASH_BYTES])
{
    if (sodium_init() < 0) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "libsodium cannot start"); /* as core's */
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return mcw_fail(ctx, errno == ENOENT ? MC_ERR_NOT_FOUND : MC_ERR_STORAGE_IO,
                        "--evidence %s: %s", path, strerror(errno));
    }
    uint8_t *buf = malloc(MCW_EVIDENCE_CHUNK);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    size_t n = 0;
    while (buf != NULL && (n = fread(buf, 1, MCW_EVIDENCE_CHUNK, f)) > 0) {
        crypto_hash_sha256_update(&st, buf, n);
    }
    bool error = buf == NULL || ferror(f) != 0;
    fclose(f);
    free(buf);
    if (error) {
        return mcw_fail(ctx, MC_ERR_STORAGE_IO, "--evidence %s: cannot read it", path);
    }
    crypto_hash_sha256_final(&st, out);
    return MCW_EXIT_OK;
}

static void contributed(mcw_ctx *ctx, const contribute_args *a, const mc_client_account *commons,
                        int64_t weight, const uint8_t *evidence, const mc_result *r)
{
    char id[MCW_ID_SHOWN + 1];
    const char *unit = a->hours != NULL ? "hours" : "points";
    short_id(r->tx_id, id);
    json_t *o = mcw_json(ctx);
    json_object_set_new(o, "contribution_id", mcw_hex_json(r->tx_id, MC_TX_ID_BYTES));
    json_object_set_new(o, "commons", json_string(commons->account.handle));
    json_object_set_new(o, "weight", mcw_weight_json(weight));
    json_object_set_new(o, "unit", json_string(unit));
    json_object_set_new(o, "description", json_string(a->description));
    json_object_set_new(o, "status", json_string("pending"));
    if (evidence != NULL) {
        json_object_set_new(o, "evidence", mcw_hex_json(evidence, MC_HASH_BYTES));
    }
    mcw_print(ctx,
              "recorded %s %s of work for %s at height %llu: contribution %s\n"
              "it waits for the keepers of %s to approve it\n",
              mcw_weight_text(weight).s, unit, commons->account.handle,
              (unsigned long long)r->height, id, commons->account.handle);
}

int mcw_cmd_contribute(mcw_ctx *ctx, int argc, char **argv)
{
    contribute_args a;
    bool done = false;
    int rc = contribute_parse(ctx, argc, argv, &a, &done);
    if (rc != 0 || done) {
        return rc;
    }
    int64_t weight = 0;
    uint8_t evidence[MC_HASH_BYTES];
    mc_client_account commons;
    mc_result r;
    rc = a.hours != NULL ? parse_weight(ctx, "hours", a.hours, &weight)
                         : parse_weight(ctx, "points", a.points, &weight);
    rc = rc == MCW_EXIT_OK ? check_description(ctx, a.description) : rc;
    rc = rc == MCW_EXIT_OK && a.evidence != NULL ? evidence_hash(ctx, a.evidence, evidence) : rc;
    rc = rc == MCW_EXIT_OK ? ready(ctx) : rc;
    rc = rc == MCW_EXIT_OK ? mcw_resolve_commons(ctx, argv[optind], &commons) : rc;
    uint8_t *tx = NULL;
    size_t len = 0;
    if (rc == MCW_EXIT_OK) {
        mc_body b = mcw_body(ctx, MC_TX_CONTRIBUTION);
        memcpy(b.u.contribution.commons, commons.account.public_key, MC_PUBLIC_KEY_BYTES);
        memcpy(b.u.contribution.contributor, ctx->public_key, MC_PUBLIC_KEY_BYTES);
        b.u.contribution.weight = weight;
        b.u.contribution.description = a.description;
        b.u.contribution.has_evidence = a.evidence != NULL;
        if (a.evidence != NULL) {
            memcpy(b.u.contribution.evidence, evidence, MC_HASH_BYTES);
        }
        rc = mcw_sign(ctx, &b, &tx, &len);
    }
    rc = rc == MCW_EXIT_OK ? mcw_submit(ctx, tx, len, &r) : rc;
    free(tx);
    if (rc == MCW_EXIT_OK) {
        contributed(ctx, &a, &commons, weight, a.evidence != NULL ? evidence : NULL, &r);
    }
    return mcw_finish(ctx, rc);
}

/* ---- listing --------------------------------------------------------------- */

typedef int (*contribution_cb)(mcw_ctx *ctx, const mc_client_contribution *c, void *arg);

/* Every contribution to `commons` the node shows the identity, oldest
 * first, page by page. */
static int each_contribution(mcw_ctx *ctx, const uint8_t *commons, contribution_cb cb, void *arg)
{
    mc_client_contribution *page = calloc(MCW_PAGE, sizeof *page);
    if (page == NULL) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
    }
    uint64_t after = 0;
    bool more = true;
    int rc = MCW_EXIT_OK;
    while (more && rc == MCW_EXIT_OK) {
        size_t n = 0;
        int code = mc_client_contributions(ctx->client, commons, after, page, MCW_PAGE, &n, &more);
        if (code != MC_ERR_OK) {
            rc = mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
            break;
        }
        for (size_t i = 0; i < n && rc == MCW_EXIT_OK; i++) {
            rc = cb(ctx, &page[i], arg);
        }
        after = n > 0 ? page[n - 1].contribution.height : after;
        more = more && n > 0;
    }
    free(page);
    return rc;
}

/* What a settled contribution was paid, in whole percent of its pro-rata
 * value, rounded down: below 100 when a cap held its contributor, above
 * for those who took what the capped ones could not (100 for a pro-rata
 * value of 0). */
static int64_t paid_percent(const mc_contribution *c)
{
    if (c->pro_rata <= 0 || c->paid <= 0) {
        return c->pro_rata <= 0 ? 100 : 0;
    }
    mcw_u128 percent = (mcw_u128)(uint64_t)c->paid * 100u / (uint64_t)c->pro_rata;
    return percent > INT64_MAX ? INT64_MAX : (int64_t)percent;
}

/* The words for what a settled contribution was paid. Within one unit of
 * its pro-rata value is in full: whole units are handed out by the largest
 * remainder, a contributor's payout split again among their contributions. */
static void paid_words(const mc_contribution *c, char *out, size_t len)
{
    if (c->paid < c->pro_rata - 1) {
        snprintf(out, len, "partial remuneration: %lld%% of its pro-rata value",
                 (long long)paid_percent(c));
    } else if (c->paid - 1 > c->pro_rata) {
        snprintf(out, len, "%lld%% of its pro-rata value, as others were capped",
                 (long long)paid_percent(c));
    } else {
        snprintf(out, len, "in full");
    }
}

static json_t *contribution_json(const mcw_ctx *ctx, const mc_client_contribution *cc)
{
    const mc_contribution *c = &cc->contribution;
    const char *status = mc_contribution_status_name(c->status);
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:s, s:s, s:I, s:I}", "id",
                          mcw_hex_json(c->id, MC_TX_ID_BYTES), "commons",
                          mcw_party_json(cc->commons_handle, c->commons), "contributor",
                          mcw_party_json(cc->contributor_handle, c->contributor), "weight",
                          mcw_weight_json(c->weight), "description", c->description, "status",
                          status != NULL ? status : "?", "height", (json_int_t)c->height,
                          "reviewed_height", (json_int_t)c->reviewed_height);
    if (c->has_evidence) {
        json_object_set_new(o, "evidence", mcw_hex_json(c->evidence, MC_HASH_BYTES));
    }
    if (c->status == MC_CONTRIBUTION_SETTLED) {
        json_object_set_new(o, "round", json_integer((json_int_t)c->round));
        json_object_set_new(o, "pro_rata", mcw_amount_json(ctx, c->pro_rata));
        json_object_set_new(o, "paid", mcw_amount_json(ctx, c->paid));
        json_object_set_new(o, "paid_percent", json_integer((json_int_t)paid_percent(c)));
    }
    return o;
}

typedef struct list_state {
    unsigned mask; /* bit 1 << status: the statuses shown */
    json_t *list;
    size_t shown, hidden;
} list_state;

static int list_one(mcw_ctx *ctx, const mc_client_contribution *cc, void *arg)
{
    list_state *s = arg;
    const mc_contribution *c = &cc->contribution;
    if ((s->mask & (1u << c->status)) == 0) {
        s->hidden++;
        return MCW_EXIT_OK;
    }
    char id[MCW_ID_SHOWN + 1];
    short_id(c->id, id);
    const char *status = mc_contribution_status_name(c->status);
    json_array_append_new(s->list, contribution_json(ctx, cc));
    mcw_print(ctx, "%s  %-16s %10s  %-8s  %s\n", id, cc->contributor_handle,
              mcw_weight_text(c->weight).s, status != NULL ? status : "?", c->description);
    if (c->status == MC_CONTRIBUTION_SETTLED) {
        char share[96];
        paid_words(c, share, sizeof share);
        mcw_print(ctx, "%14sround %llu: pro rata %s, paid %s (%s)\n", "",
                  (unsigned long long)c->round, mcw_amount_text(ctx, c->pro_rata).s,
                  mcw_amount_text(ctx, c->paid).s, share);
    }
    s->shown++;
    return MCW_EXIT_OK;
}

/* --status NAME: the mask of the statuses shown. */
static int status_mask(mcw_ctx *ctx, const char *name, unsigned *mask)
{
    unsigned all = 0;
    for (int s = MC_CONTRIBUTION_PENDING; s <= MC_CONTRIBUTION_SETTLED; s++) {
        all |= 1u << s;
        if (name != NULL && strcmp(name, mc_contribution_status_name(s)) == 0) {
            *mask = 1u << s;
            return MCW_EXIT_OK;
        }
    }
    if (name == NULL || strcmp(name, "all") == 0) {
        *mask = name == NULL ? all & ~(1u << MC_CONTRIBUTION_REJECTED) : all;
        return MCW_EXIT_OK;
    }
    return mcw_usage_error(ctx, "--status '%s': pending, approved, rejected, settled or all", name);
}

static int contributions_parse(mcw_ctx *ctx, int argc, char **argv, unsigned *mask, bool *done)
{
    static const struct option options[] = {{"status", required_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    const char *status = NULL;
    while ((rc = mcw_getopt(ctx, argc, argv, "hs:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        status = optarg;
    }
    if (rc != 0 || *done) {
        return rc;
    }
    if (argc - optind != 1) {
        return mcw_usage_error(ctx, "one COMMONS");
    }
    return status_mask(ctx, status, mask);
}

int mcw_cmd_contributions(mcw_ctx *ctx, int argc, char **argv)
{
    list_state s = {0};
    bool done = false;
    int rc = contributions_parse(ctx, argc, argv, &s.mask, &done);
    if (rc != 0 || done) {
        return rc;
    }
    mc_client_account commons;
    rc = ready(ctx);
    rc = rc == MCW_EXIT_OK ? mcw_resolve_commons(ctx, argv[optind], &commons) : rc;
    if (rc != MCW_EXIT_OK) {
        return mcw_finish(ctx, rc);
    }
    s.list = json_array();
    json_object_set_new(mcw_json(ctx), "commons", json_string(commons.account.handle));
    json_object_set_new(mcw_json(ctx), "contributions", s.list);
    rc = each_contribution(ctx, commons.account.public_key, list_one, &s);
    if (rc == MCW_EXIT_OK && s.shown == 0) {
        mcw_print(ctx, "no contribution to %s to show\n", commons.account.handle);
    }
    if (rc == MCW_EXIT_OK && s.hidden > 0) {
        mcw_print(ctx, "(%zu more not shown: --status all shows every one)\n", s.hidden);
    }
    return mcw_finish(ctx, rc);
}

/* ---- approve and reject ------------------------------------------------------ */

typedef struct prefix_match {
    const char *prefix;
    size_t count;
    mc_client_contribution found;
} prefix_match;

static int match_one(mcw_ctx *ctx, const mc_client_contribution *c, void *arg)
{
    (void)ctx;
    prefix_match *m = arg;
    if (mcw_id_has_prefix(c->contribution.id, m->prefix)) {
        m->found = *c;
        m->count++;
    }
    return MCW_EXIT_OK;
}

/* An id in lowercase hex, whole or a prefix; a prefix needs a commons. */
static int id_syntax(mcw_ctx *ctx, const char *arg, const char *commons, char *out)
{
    size_t n = strlen(arg);
    if (n < MCW_ID_PREFIX_MIN || n > 2 * MC_TX_ID_BYTES) {
        return mcw_usage_error(ctx, "'%s': a contribution id is %u to 64 hex digits", arg,
                               MCW_ID_PREFIX_MIN);
    }
    for (size_t i = 0; i <= n; i++) {
        out[i] = (char)tolower((unsigned char)arg[i]);
        if (i < n && !isxdigit((unsigned char)arg[i])) {
            return mcw_usage_error(ctx, "'%s': a contribution id is hex digits", arg);
        }
    }
    if (n < 2 * MC_TX_ID_BYTES && commons == NULL) {
        return mcw_usage_error(ctx, "give the whole id (64 hex digits), or --commons COMMONS "
                                    "to find it by a prefix");
    }
    return MCW_EXIT_OK;
}

/* The contribution named by `id` (checked by id_syntax): whole, or a
 * unique prefix among the contributions to `commons`. */
static int find_contribution(mcw_ctx *ctx, const char *id, const char *commons,
                             mc_client_contribution *out)
{
    mc_client_account ca;
    int rc = commons != NULL ? mcw_resolve_commons(ctx, commons, &ca) : MCW_EXIT_OK;
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    if (strlen(id) == 2 * MC_TX_ID_BYTES) {
        uint8_t bytes[MC_TX_ID_BYTES];
        mc_hex_decode(id, bytes, sizeof bytes);
        int code = mc_client_get_contribution(ctx->client, bytes, out);
        if (code != MC_ERR_OK) {
            return mcw_fail(ctx, code, "%s", mc_client_error_message(ctx->client));
        }
        if (commons != NULL &&
            memcmp(out->contribution.commons, ca.account.public_key, MC_PUBLIC_KEY_BYTES) != 0) {
            return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT, "this contribution is to %s, not to %s",
                            out->commons_handle, ca.account.handle);
        }
        return MCW_EXIT_OK;
    }
    prefix_match m = {.prefix = id};
    rc = each_contribution(ctx, ca.account.public_key, match_one, &m);
    if (rc == MCW_EXIT_OK && m.count != 1) {
        return mcw_fail(ctx, m.count == 0 ? MC_ERR_UNKNOWN_CONTRIBUTION : MC_ERR_INVALID_ARGUMENT,
                        m.count == 0 ? "no contribution to %s starts with %s"
                                     : "several contributions to %s start with %s: give more "
                                       "digits",
                        ca.account.handle, id);
    }
    *out = m.found;
    return rc;
}

static int check_pending(mcw_ctx *ctx, const mc_contribution *c)
{
    if (c->status == MC_CONTRIBUTION_PENDING) {
        return MCW_EXIT_OK;
    }
    if (c->status == MC_CONTRIBUTION_SETTLED) {
        return mcw_fail(ctx, MC_ERR_CONTRIBUTION_CLOSED,
                        "this contribution was approved at height %llu and settled by round %llu",
                        (unsigned long long)c->reviewed_height, (unsigned long long)c->round);
    }
    const char *status = mc_contribution_status_name(c->status);
    return mcw_fail(ctx, MC_ERR_CONTRIBUTION_CLOSED,
                    "this contribution was already %s at height %llu",
                    status != NULL ? status : "reviewed", (unsigned long long)c->reviewed_height);
}

static int review_parse(mcw_ctx *ctx, int argc, char **argv, const char **commons, bool *done)
{
    static const struct option options[] = {{"commons", required_argument, NULL, 'c'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    int opt, rc;
    *commons = NULL;
    while ((rc = mcw_getopt(ctx, argc, argv, "hc:", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
        *commons = optarg;
    }
    if (rc == 0 && !*done && argc - optind != 1) {
        return mcw_usage_error(ctx, "one ID");
    }
    return rc;
}

static void reviewed(mcw_ctx *ctx, const mc_client_contribution *cc, bool approve,
                     const mc_result *r)
{
    const mc_contribution *c = &cc->contribution;
    char id[MCW_ID_SHOWN + 1];
    short_id(c->id, id);
    json_object_set_new(mcw_json(ctx), "contribution_id", mcw_hex_json(c->id, MC_TX_ID_BYTES));
    json_object_set_new(mcw_json(ctx), "status", json_string(approve ? "approved" : "rejected"));
    json_object_set_new(mcw_json(ctx), "commons", json_string(cc->commons_handle));
    json_object_set_new(mcw_json(ctx), "contributor", json_string(cc->contributor_handle));
    json_object_set_new(mcw_json(ctx), "weight", mcw_weight_json(c->weight));
    mcw_print(ctx, "%s contribution %s of %s to %s (%s, \"%s\") at height %llu\n",
              approve ? "approved" : "rejected", id, cc->contributor_handle, cc->commons_handle,
              mcw_weight_text(c->weight).s, c->description, (unsigned long long)r->height);
}

static int review(mcw_ctx *ctx, int argc, char **argv, bool approve)
{
    const char *commons_arg = NULL;
    char id[2 * MC_TX_ID_BYTES + 1];
    bool done = false;
    int rc = review_parse(ctx, argc, argv, &commons_arg, &done);
    if (rc != 0 || done) {
        return rc;
    }
    if ((rc = id_syntax(ctx, argv[optind], commons_arg, id)) != 0) {
        return rc;
    }
    mc_client_contribution cc;
    mc_client_account commons;
    mcw_quorum q;
    mc_result r;
    rc = ready(ctx);
    rc = rc == MCW_EXIT_OK ? find_contribution(ctx, id, commons_arg, &cc) : rc;
    rc = rc == MCW_EXIT_OK ? check_pending(ctx, &cc.contribution) : rc;
    if (rc == MCW_EXIT_OK) {
        int code = mc_client_get_account(ctx->client, cc.contribution.commons, &commons);
        rc = code == MC_ERR_OK ? MCW_EXIT_OK
                               : mcw_fail(ctx, code, "cannot look up the commons: %s",
                                          mc_client_error_message(ctx->client));
    }
    if (rc == MCW_EXIT_OK) {
        mcw_keeper_quorum(&commons.account, &q);
        rc = mcw_require_keeper(ctx, &q);
    }
    if (rc == MCW_EXIT_OK) {
        mc_body b = mcw_body(ctx, MC_TX_REVIEW_CONTRIBUTION);
        memcpy(b.u.review.contribution_id, cc.contribution.id, MC_TX_ID_BYTES);
        b.u.review.approve = approve;
        rc = mcw_send(ctx, &b, &q, &r);
    }
    if (rc == MCW_EXIT_OK && !ctx->proposed) {
        reviewed(ctx, &cc, approve, &r);
    }
    return mcw_finish(ctx, rc);
}

int mcw_cmd_approve(mcw_ctx *ctx, int argc, char **argv)
{
    return review(ctx, argc, argv, true);
}

int mcw_cmd_reject(mcw_ctx *ctx, int argc, char **argv)
{
    return review(ctx, argc, argv, false);
}
