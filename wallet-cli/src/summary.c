/* A transaction in plain words, read from its body (never from what a file
 * says about it): what a steward or a keeper reads before co-signing. Keys
 * are named by their handle when the node (already connected) knows them,
 * else as this wallet last saw them (its contacts), else by key.
 * And the quorum a transaction needs, from the ledger's configuration or
 * the commons it concerns. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

typedef struct words {
    char *buf;
    size_t len, used;
} words;

__attribute__((format(printf, 2, 3))) static void say(words *w, const char *fmt, ...)
{
    if (w->used >= w->len) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->used, w->len - w->used, fmt, ap);
    va_end(ap);
    w->used += n > 0 ? (size_t)n : 0;
}

/* "alice", or the start of the key when the node does not say. */
typedef struct name {
    char s[MC_HANDLE_LEN_MAX + 24];
} name;

static name name_of(mcw_ctx *ctx, const uint8_t *key)
{
    name n;
    mc_client_account a;
    if (key != NULL && ctx->client != NULL && ctx->authenticated &&
        mc_client_get_account(ctx->client, key, &a) == MC_ERR_OK) {
        snprintf(n.s, sizeof n.s, "%s", a.account.handle);
        mcw_contact_save(ctx, &a.account);
        return n;
    }
    /* Not connected as anyone (submit): the handle this wallet last saw. */
    if (key != NULL && mcw_contact_name(ctx, key, n.s, sizeof n.s) == 0) {
        return n;
    }
    char hex[2 * MC_PUBLIC_KEY_BYTES + 1] = "?";
    if (key != NULL) {
        mcw_hex(key, MC_PUBLIC_KEY_BYTES, hex);
    }
    snprintf(n.s, sizeof n.s, "key %.16s...", hex);
    return n;
}

static void say_keys(mcw_ctx *ctx, words *w, const char *what, mc_keys k)
{
    if (k.count == 0) {
        return;
    }
    say(w, "%s%s ", w->used > 0 ? "; " : "", what);
    for (size_t i = 0; i < k.count; i++) {
        char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
        mcw_hex(k.keys[i], MC_PUBLIC_KEY_BYTES, hex);
        name n = name_of(ctx, k.keys[i]);
        if (strncmp(n.s, "key ", 4) == 0) { /* no handle: the whole key, to check it */
            say(w, "%sthe key %s", i > 0 ? ", " : "", hex);
        } else {
            say(w, "%s%s (%.16s...)", i > 0 ? ", " : "", n.s, hex);
        }
    }
}

static void say_open(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
    mcw_hex(v->u.open_account.public_key, MC_PUBLIC_KEY_BYTES, hex);
    const char *kind = mc_account_kind_name(v->u.open_account.kind);
    say(w, "open a %s account '%.*s' for the key %s", kind != NULL ? kind : "?",
        (int)v->u.open_account.handle_len, (const char *)v->u.open_account.handle, hex);
    if (v->u.open_account.has_limits) {
        say(w, ", credit limit %s, ceiling %s",
            mcw_amount_text(ctx, v->u.open_account.limits.min_balance).s,
            mcw_amount_text(ctx, v->u.open_account.limits.max_balance).s);
    }
    if (v->u.open_account.keepers.count > 0) {
        say_keys(ctx, w, "run by the keepers", v->u.open_account.keepers);
        say(w, ", %u of whom must sign",
            v->u.open_account.keeper_quorum == 0 ? 1u : v->u.open_account.keeper_quorum);
    }
}

static void say_transfer(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    name from = name_of(ctx, v->u.transfer.payer), to = name_of(ctx, v->u.transfer.payee);
    say(w, "pay %s from %s to %s", mcw_amount_text(ctx, v->u.transfer.amount).s, from.s, to.s);
    if (v->u.transfer.purpose == MC_PURPOSE_RECIPROCITY) {
        say(w, " as reciprocity");
    }
    if (v->u.transfer.memo_len > 0) {
        say(w, ": \"%.*s\"", (int)v->u.transfer.memo_len, (const char *)v->u.transfer.memo);
    }
}

static void say_status(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    name who = name_of(ctx, v->u.set_status.account);
    int s = v->u.set_status.status;
    say(w, "%s %s",
        s == MC_STATUS_FROZEN   ? "freeze"
        : s == MC_STATUS_CLOSED ? "close for good"
                                : "make active again",
        who.s);
}

static void say_roles(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    size_t start = w->used;
    say_keys(ctx, w, "add the stewards", v->u.set_roles.add_stewards);
    say_keys(ctx, w, "remove the stewards", v->u.set_roles.remove_stewards);
    say_keys(ctx, w, "add the auditors", v->u.set_roles.add_auditors);
    say_keys(ctx, w, "remove the auditors", v->u.set_roles.remove_auditors);
    if (v->u.set_roles.quorum != 0) {
        say(w, "%sstewards needed to sign: %u", w->used > start ? "; " : "", v->u.set_roles.quorum);
    }
}

static void say_fee(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    unsigned bps = v->u.set_fee.fee_bps;
    if (bps == 0) {
        say(w, "charge no fee on transfers");
        return;
    }
    name to = name_of(ctx, v->u.set_fee.fee_account);
    say(w,
        "charge a fee of %u.%02u%% (%u basis points) on every transfer, paid by the payer "
        "to %s",
        bps / 100, bps % 100, bps, to.s);
}

static void say_contribution(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    name who = name_of(ctx, v->u.contribution.contributor);
    name commons = name_of(ctx, v->u.contribution.commons);
    int64_t weight = v->u.contribution.weight;
    say(w, "record %lld.%02lld hours or points of work by %s for %s: \"%.*s\"",
        (long long)(weight / 100), (long long)(weight % 100), who.s, commons.s,
        (int)v->u.contribution.description_len, (const char *)v->u.contribution.description);
}

static void say_review(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    char hex[2 * MC_TX_ID_BYTES + 1] = "?";
    mc_client_contribution c;
    if (v->u.review.contribution_id_len == MC_TX_ID_BYTES) {
        mcw_hex(v->u.review.contribution_id, MC_TX_ID_BYTES, hex);
    }
    say(w, "%s the contribution %.16s...", v->u.review.approve ? "approve" : "reject", hex);
    if (ctx->client != NULL && ctx->authenticated &&
        v->u.review.contribution_id_len == MC_TX_ID_BYTES &&
        mc_client_get_contribution(ctx->client, v->u.review.contribution_id, &c) == MC_ERR_OK) {
        int64_t weight = c.contribution.weight;
        say(w, " to %s by %s: %lld.%02lld, \"%s\"", c.commons_handle, c.contributor_handle,
            (long long)(weight / 100), (long long)(weight % 100), c.contribution.description);
    }
}

static void say_distribution(mcw_ctx *ctx, words *w, const mc_tx_view *v)
{
    name commons = name_of(ctx, v->u.distribution.commons);
    unsigned bps = v->u.distribution.share_bps;
    if (bps > 0) {
        say(w, "distribute %u.%02u%% of the balance of %s", bps / 100, bps % 100, commons.s);
    } else {
        say(w, "distribute %s from %s", mcw_amount_text(ctx, v->u.distribution.amount).s,
            commons.s);
    }
    say(w, " to its approved contributions, pro rata to their weight");
    if (v->u.distribution.cap > 0) {
        say(w, ", at most %s to each contributor", mcw_amount_text(ctx, v->u.distribution.cap).s);
    }
}

void mcw_tx_summary(mcw_ctx *ctx, const mc_tx *tx, char *buf, size_t len)
{
    words w = {.buf = buf, .len = len};
    mc_tx_view v;
    buf[0] = '\0';
    mc_tx_view_of(tx, &v);
    switch (v.kind) {
    case MC_TX_OPEN_ACCOUNT:
        say_open(ctx, &w, &v);
        break;
    case MC_TX_TRANSFER:
        say_transfer(ctx, &w, &v);
        break;
    case MC_TX_SET_LIMITS: {
        name who = name_of(ctx, v.u.set_limits.account);
        say(&w, "set the limits of %s: credit limit %s, ceiling %s", who.s,
            mcw_amount_text(ctx, v.u.set_limits.limits.min_balance).s,
            mcw_amount_text(ctx, v.u.set_limits.limits.max_balance).s);
        break;
    }
    case MC_TX_SET_STATUS:
        say_status(ctx, &w, &v);
        break;
    case MC_TX_PAYMENT_REQUEST: {
        name payer = name_of(ctx, v.u.payment_request.payer);
        name payee = name_of(ctx, v.u.payment_request.payee);
        say(&w, "ask %s to pay %s to %s", payer.s,
            mcw_amount_text(ctx, v.u.payment_request.amount).s, payee.s);
        break;
    }
    case MC_TX_DECLINE_REQUEST:
    case MC_TX_CANCEL_REQUEST:
        say(&w, "%s a payment request", v.kind == MC_TX_DECLINE_REQUEST ? "decline" : "cancel");
        break;
    case MC_TX_SET_ROLES:
        say_roles(ctx, &w, &v);
        break;
    case MC_TX_SET_FEE:
        say_fee(ctx, &w, &v);
        break;
    case MC_TX_CONTRIBUTION:
        say_contribution(ctx, &w, &v);
        break;
    case MC_TX_REVIEW_CONTRIBUTION:
        say_review(ctx, &w, &v);
        break;
    case MC_TX_DISTRIBUTION:
        say_distribution(ctx, &w, &v);
        break;
    }
}

/* The quorum of the commons `key`. */
static int commons_quorum(mcw_ctx *ctx, const uint8_t *key, mcw_quorum *q)
{
    mc_client_account a;
    int code = mc_client_get_account(ctx->client, key, &a);
    if (code != MC_ERR_OK) {
        return mcw_fail(ctx, code, "cannot look up the commons: %s",
                        mc_client_error_message(ctx->client));
    }
    mcw_keeper_quorum(&a.account, q);
    return MCW_EXIT_OK;
}

/* One signer: `key` alone. */
static void sole(mcw_quorum *q, const uint8_t *key)
{
    memset(q, 0, sizeof *q);
    snprintf(q->who, sizeof q->who, "account holders");
    q->needed = 1;
    q->count = 1;
    memcpy(q->keys[0], key, MC_PUBLIC_KEY_BYTES);
    q->code = MC_ERR_MISSING_SIGNATURE;
}

static int transfer_quorum(mcw_ctx *ctx, const mc_tx_view *v, mcw_quorum *q)
{
    mc_client_account payer;
    int code = mc_client_get_account(ctx->client, v->u.transfer.payer, &payer);
    if (code != MC_ERR_OK) {
        return mcw_fail(ctx, code, "cannot look up the payer: %s",
                        mc_client_error_message(ctx->client));
    }
    if (payer.account.kind == MC_KIND_SYSTEM) {
        mcw_steward_quorum(ctx, q);
    } else if (payer.account.kind == MC_KIND_COMMONS && payer.account.keeper_count > 0) {
        mcw_keeper_quorum(&payer.account, q);
    } else {
        sole(q, v->u.transfer.payer);
    }
    return MCW_EXIT_OK;
}

int mcw_quorum_of(mcw_ctx *ctx, const mc_tx *tx, mcw_quorum *q)
{
    mc_tx_view v;
    mc_client_contribution c;
    mc_tx_view_of(tx, &v);
    int rc = mcw_connect_as(ctx);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    switch (v.kind) {
    case MC_TX_TRANSFER:
        return transfer_quorum(ctx, &v, q);
    case MC_TX_DISTRIBUTION:
        return commons_quorum(ctx, v.u.distribution.commons, q);
    case MC_TX_REVIEW_CONTRIBUTION:
        if (v.u.review.contribution_id_len != MC_TX_ID_BYTES ||
            mc_client_get_contribution(ctx->client, v.u.review.contribution_id, &c) != MC_ERR_OK) {
            return mcw_fail(ctx, MC_ERR_UNKNOWN_CONTRIBUTION, "no such contribution");
        }
        return commons_quorum(ctx, c.contribution.commons, q);
    case MC_TX_CONTRIBUTION:
        sole(q, v.u.contribution.contributor);
        return MCW_EXIT_OK;
    case MC_TX_PAYMENT_REQUEST:
        sole(q, v.u.payment_request.payee);
        return MCW_EXIT_OK;
    case MC_TX_DECLINE_REQUEST:
    case MC_TX_CANCEL_REQUEST:
        sole(q, mc_tx_signer_count(tx) > 0 ? mc_tx_signer(tx, 0) : ctx->public_key);
        return MCW_EXIT_OK;
    default:
        mcw_steward_quorum(ctx, q); /* open, limits, status, roles, fee */
        return MCW_EXIT_OK;
    }
}
