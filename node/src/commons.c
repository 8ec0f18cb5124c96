/* A commons' contributions and distribution rounds over the wire, and the
 * preview of a round. Visibility follows the commons' details
 * (mc__sees_details: an open ledger; else its keepers, the stewards and the
 * auditors): they see everything; under `private` anyone else sees only
 * their own contributions and, of a round, only their own payout. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "node_internal.h"

/* The commons named by `key`, for a request about it: OK, or answered. */
static bool load_commons(mc_conn *conn, uint64_t id, const ProtobufCBinaryData *key,
                         mc_account *out)
{
    if (!mc__require_auth(conn, id)) {
        return false;
    }
    if (key->len != MC_PUBLIC_KEY_BYTES) {
        mc__conn_send_error(conn, id, MC_ERR_INVALID_ARGUMENT, "a public key is 32 bytes");
        return false;
    }
    int rc = mc_ledger_get_account(conn->node->ledger, key->data, out);
    if (rc == MC_ERR_NOT_FOUND) {
        mc__conn_send_error(conn, id, MC_ERR_UNKNOWN_ACCOUNT, "no account with this key");
    } else if (rc != MC_ERR_OK) {
        mc__storage_error(conn, id, rc);
    } else if (out->kind != MC_KIND_COMMONS) {
        mc__conn_send_error(conn, id, MC_ERR_NOT_A_COMMONS, "%s is a %s account, not a commons",
                            out->handle, mc_account_kind_name(out->kind));
    } else {
        return true;
    }
    return false;
}

/* A WireContribution and the handles it points to. */
typedef struct wire_contribution_buf {
    mc_contribution c;
    mc_account commons, contributor;
    Mc__WireContribution w;
} wire_contribution_buf;

static void wire_contribution(mc_conn *conn, wire_contribution_buf *b)
{
    const mc_contribution *c = &b->c;
    Mc__WireContribution *w = &b->w;
    mc__wire_contribution__init(w);
    w->id = (ProtobufCBinaryData){MC_TX_ID_BYTES, (uint8_t *)c->id};
    w->commons = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)c->commons};
    w->contributor = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)c->contributor};
    w->commons_handle = "";
    w->contributor_handle = "";
    if (mc_ledger_get_account(conn->node->ledger, c->commons, &b->commons) == MC_ERR_OK) {
        w->commons_handle = b->commons.handle;
    }
    if (mc_ledger_get_account(conn->node->ledger, c->contributor, &b->contributor) == MC_ERR_OK) {
        w->contributor_handle = b->contributor.handle;
    }
    w->weight = c->weight;
    w->description = (ProtobufCBinaryData){strlen(c->description), (uint8_t *)c->description};
    if (c->has_evidence) {
        w->evidence = (ProtobufCBinaryData){MC_HASH_BYTES, (uint8_t *)c->evidence};
    }
    w->status = (uint32_t)c->status;
    w->height = c->height;
    w->reviewed_height = c->reviewed_height;
    w->round = c->round;
    w->pro_rata = c->pro_rata;
    w->paid = c->paid;
}

typedef struct contribution_page {
    wire_contribution_buf *items;
    size_t count, cap;
    const uint8_t *only; /* NULL, or the one contributor the caller may see */
} contribution_page;

static int collect_contribution(const mc_contribution *c, void *ctx)
{
    contribution_page *p = ctx;
    if (p->only != NULL && memcmp(c->contributor, p->only, MC_PUBLIC_KEY_BYTES) != 0) {
        return 0;
    }
    p->items[p->count++].c = *c;
    return p->count == p->cap ? 1 : 0;
}

static void send_contributions(mc_conn *conn, uint64_t id, contribution_page *p, size_t n)
{
    Mc__WireContribution **ptrs = calloc(n + 1, sizeof *ptrs);
    if (ptrs == NULL) {
        mc__conn_send_error(conn, id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        wire_contribution(conn, &p->items[i]);
        ptrs[i] = &p->items[i].w;
    }
    Mc__ListContributionsResponse lr = MC__LIST_CONTRIBUTIONS_RESPONSE__INIT;
    lr.n_contributions = n;
    lr.contributions = ptrs;
    lr.more = p->count > n;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = id;
    resp.kind_case = MC__RESPONSE__KIND_CONTRIBUTIONS;
    resp.contributions = &lr;
    mc__conn_send(conn, &resp);
    free(ptrs);
}

void mc__query_contributions(mc_conn *conn, const Mc__Request *req)
{
    const Mc__ListContributionsRequest *q = req->list_contributions;
    mc_account commons;
    if (!load_commons(conn, req->id, &q->commons, &commons)) {
        return;
    }
    uint32_t limit = mc__page_limit(conn, q->limit);
    contribution_page p = {.cap = (size_t)limit + 1};
    p.only = mc__sees_details(conn, commons.public_key) ? NULL : conn->identity;
    p.items = calloc(p.cap, sizeof *p.items);
    if (p.items == NULL) {
        mc__conn_send_error(conn, req->id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    int rc = mc_ledger_contributions(conn->node->ledger, commons.public_key, q->after_height, 0,
                                     collect_contribution, &p);
    if (rc != MC_ERR_OK && rc != 1) {
        mc__storage_error(conn, req->id, rc);
    } else {
        send_contributions(conn, req->id, &p, p.count < limit ? p.count : limit);
    }
    free(p.items);
}

void mc__query_contribution(mc_conn *conn, const Mc__Request *req)
{
    const Mc__GetContributionRequest *q = req->get_contribution;
    if (!mc__require_auth(conn, req->id)) {
        return;
    }
    if (q->id.len != MC_TX_ID_BYTES) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT,
                            "a contribution id is 32 bytes");
        return;
    }
    wire_contribution_buf *b = calloc(1, sizeof *b);
    int rc = b == NULL ? MC_ERR_NO_MEMORY
                       : mc_ledger_get_contribution(conn->node->ledger, q->id.data, &b->c);
    if (rc == MC_ERR_NOT_FOUND) {
        mc__conn_send_error(conn, req->id, MC_ERR_UNKNOWN_CONTRIBUTION, "no such contribution");
    } else if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
    } else if (memcmp(b->c.contributor, conn->identity, MC_PUBLIC_KEY_BYTES) != 0 &&
               !mc__sees_details(conn, b->c.commons)) {
        mc__conn_send_error(conn, req->id, MC_ERR_FORBIDDEN,
                            "this ledger is private: a contribution is shown to its contributor, "
                            "the commons' keepers, the stewards and the auditors");
    } else {
        wire_contribution(conn, b);
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.id = req->id;
        resp.kind_case = MC__RESPONSE__KIND_CONTRIBUTION;
        resp.contribution = &b->w;
        mc__conn_send(conn, &resp);
    }
    free(b);
}

/* A page of rounds holds at most this many payouts (but always one round),
 * so that an answer stays well under the client's frame limit. */
#define ROUND_PAGE_PAYOUTS 10000u

/* A WireRound, its payouts and their handles, owned. */
typedef struct wire_round_buf {
    Mc__WireRound w;
    uint8_t commons[MC_PUBLIC_KEY_BYTES];
    mc_round_payout *raw;
    mc_account *accounts;
    Mc__WirePayout *payouts;
    Mc__WirePayout **ptrs;
} wire_round_buf;

static void wire_round_free(wire_round_buf *b)
{
    free(b->raw);
    free(b->accounts);
    free(b->payouts);
    free(b->ptrs);
}

/* Fill `b` from a round; `only`: a caller who sees only their own payout. */
static int wire_round(mc_conn *conn, const uint8_t *commons, const mc_round *r,
                      const mc_round_payout *payouts, size_t n, const uint8_t *only,
                      wire_round_buf *b)
{
    memset(b, 0, sizeof *b);
    b->raw = calloc(n + 1, sizeof *b->raw);
    b->accounts = calloc(n + 1, sizeof *b->accounts);
    b->payouts = calloc(n + 1, sizeof *b->payouts);
    b->ptrs = calloc(n + 1, sizeof *b->ptrs);
    if (b->raw == NULL || b->accounts == NULL || b->payouts == NULL || b->ptrs == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    memcpy(b->commons, commons, MC_PUBLIC_KEY_BYTES);
    Mc__WireRound *w = &b->w;
    mc__wire_round__init(w);
    w->commons = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, b->commons};
    w->round = r->round;
    w->height = r->height;
    w->contributions = r->contributions;
    w->restricted = only != NULL;
    if (only == NULL) {
        w->share_bps = r->share_bps;
        w->amount = r->amount;
        w->cap = r->cap;
        w->pot = r->pot;
        w->paid = r->paid;
        w->left = r->left;
    }
    for (size_t i = 0; i < n; i++) {
        if (only != NULL && memcmp(payouts[i].contributor, only, MC_PUBLIC_KEY_BYTES) != 0) {
            continue;
        }
        size_t k = w->n_payouts++;
        Mc__WirePayout *p = &b->payouts[k];
        b->raw[k] = payouts[i];
        mc__wire_payout__init(p);
        p->contributor = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, b->raw[k].contributor};
        p->handle = "";
        if (mc_ledger_get_account(conn->node->ledger, b->raw[k].contributor, &b->accounts[k]) ==
            MC_ERR_OK) {
            p->handle = b->accounts[k].handle;
        }
        p->weight = payouts[i].weight;
        p->cap = payouts[i].cap;
        p->paid = payouts[i].paid;
        b->ptrs[k] = p;
    }
    w->payouts = b->ptrs;
    return MC_ERR_OK;
}

typedef struct round_page {
    mc_conn *conn;
    const uint8_t *commons;
    const uint8_t *only;
    wire_round_buf *items;
    size_t count, cap, payouts;
    bool more;
    int error;
} round_page;

static int collect_round(const mc_round *r, const mc_round_payout *payouts, size_t n, void *ctx)
{
    round_page *p = ctx;
    if (p->count == p->cap || (p->count > 0 && p->payouts + n > ROUND_PAGE_PAYOUTS)) {
        p->more = true;
        return 1;
    }
    p->error = wire_round(p->conn, p->commons, r, payouts, n, p->only, &p->items[p->count]);
    p->payouts += n;
    p->count++;
    return p->error != MC_ERR_OK ? 1 : 0;
}

static void send_rounds(mc_conn *conn, uint64_t id, round_page *p)
{
    Mc__WireRound **ptrs = calloc(p->count + 1, sizeof *ptrs);
    if (ptrs == NULL) {
        mc__conn_send_error(conn, id, MC_ERR_NO_MEMORY, "out of memory");
        return;
    }
    for (size_t i = 0; i < p->count; i++) {
        ptrs[i] = &p->items[i].w;
    }
    Mc__ListRoundsResponse lr = MC__LIST_ROUNDS_RESPONSE__INIT;
    lr.n_rounds = p->count;
    lr.rounds = ptrs;
    lr.more = p->more;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = id;
    resp.kind_case = MC__RESPONSE__KIND_ROUNDS;
    resp.rounds = &lr;
    mc__conn_send(conn, &resp);
    free(ptrs);
}

void mc__query_rounds(mc_conn *conn, const Mc__Request *req)
{
    const Mc__ListRoundsRequest *q = req->list_rounds;
    mc_account commons;
    if (!load_commons(conn, req->id, &q->commons, &commons)) {
        return;
    }
    round_page p = {.conn = conn, .commons = commons.public_key};
    p.cap = mc__page_limit(conn, q->limit);
    p.only = mc__sees_details(conn, commons.public_key) ? NULL : conn->identity;
    p.items = calloc(p.cap, sizeof *p.items);
    int rc = p.items == NULL ? MC_ERR_NO_MEMORY
                             : mc_ledger_rounds(conn->node->ledger, commons.public_key,
                                                q->after_round, 0, collect_round, &p);
    rc = rc == 1 ? p.error : rc;
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
    } else {
        send_rounds(conn, req->id, &p);
    }
    for (size_t i = 0; i < p.count; i++) {
        wire_round_free(&p.items[i]);
    }
    free(p.items);
}

typedef struct preview_out {
    mc_conn *conn;
    const uint8_t *commons;
    wire_round_buf b;
    int error;
} preview_out;

static int preview_round(const mc_round *r, const mc_round_payout *payouts, size_t n, void *ctx)
{
    preview_out *o = ctx;
    o->error = wire_round(o->conn, o->commons, r, payouts, n, NULL, &o->b);
    return o->error;
}

/* A keeper's dry run (or a steward's, an auditor's: whoever sees the
 * commons' balance, which the round's pot reveals). */
void mc__query_preview(mc_conn *conn, const Mc__Request *req)
{
    const Mc__PreviewDistributionRequest *q = req->preview_distribution;
    mc_account commons;
    if (!load_commons(conn, req->id, &q->commons, &commons)) {
        return;
    }
    if (!mc__sees_details(conn, commons.public_key)) {
        mc__conn_send_error(conn, req->id, MC_ERR_FORBIDDEN,
                            "this ledger is private: a round of %s is previewed by its keepers, "
                            "the stewards and the auditors",
                            commons.handle);
        return;
    }
    mc_distribution_params params = {.share_bps = q->share_bps, .amount = q->amount, .cap = q->cap};
    mc_round round;
    preview_out o = {.conn = conn, .commons = commons.public_key};
    int rc = mc_ledger_preview_distribution(conn->node->ledger, commons.public_key, &params, &round,
                                            preview_round, &o);
    rc = rc == MC_ERR_OK ? o.error : rc;
    if (rc == MC_ERR_OK) {
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.id = req->id;
        resp.kind_case = MC__RESPONSE__KIND_PREVIEW;
        resp.preview = &o.b.w;
        mc__conn_send(conn, &resp);
    } else if (rc == MC_ERR_STORAGE_IO || rc == MC_ERR_STORAGE_FULL || rc == MC_ERR_CORRUPT ||
               rc == MC_ERR_NO_MEMORY) {
        mc__storage_error(conn, req->id, rc);
    } else {
        mc__conn_send_error(conn, req->id, rc, "%s: %s", commons.handle, mc_strerror(rc));
    }
    wire_round_free(&o.b);
}
