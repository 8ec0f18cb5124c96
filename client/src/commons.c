/* A commons through the node: its contributions, its rounds and the preview
 * of a round. Answers are checked and converted into temporaries first, so
 * out-parameters stay untouched on failure. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mc/error.h"
#include "mc/text.h"

static int contribution_convert(mc_client *c, const Mc__WireContribution *w,
                                mc_client_contribution *out)
{
    memset(out, 0, sizeof *out);
    mc_contribution *k = &out->contribution;
    if (w->status < MC_CONTRIBUTION_PENDING || w->status > MC_CONTRIBUTION_SETTLED ||
        w->description.len > MC_DESCRIPTION_MAX ||
        !mc_utf8_is_valid(w->description.data, w->description.len) ||
        (w->evidence.len != 0 && w->evidence.len != MC_HASH_BYTES)) {
        mc__client_set_error(c, "%s sent a contribution of status %u, a description of %zu bytes",
                             c->address, w->status, w->description.len);
        return MC_ERR_PROTOCOL;
    }
    k->weight = w->weight;
    if (w->description.len > 0) {
        memcpy(k->description, w->description.data, w->description.len);
    }
    k->has_evidence = w->evidence.len == MC_HASH_BYTES;
    if (k->has_evidence) {
        memcpy(k->evidence, w->evidence.data, MC_HASH_BYTES);
    }
    k->status = (mc_contribution_status)w->status;
    k->height = w->height;
    k->reviewed_height = w->reviewed_height;
    k->round = w->round;
    k->pro_rata = w->pro_rata;
    k->paid = w->paid;
    int rc = mc__client_copy_bytes(c, "contribution id", &w->id, k->id, sizeof k->id);
    rc = rc == MC_ERR_OK
             ? mc__client_copy_bytes(c, "commons", &w->commons, k->commons, sizeof k->commons)
             : rc;
    rc = rc == MC_ERR_OK ? mc__client_copy_bytes(c, "contributor", &w->contributor, k->contributor,
                                                 sizeof k->contributor)
                         : rc;
    rc = rc == MC_ERR_OK ? mc__client_copy_text(c, "commons handle", w->commons_handle,
                                                out->commons_handle, sizeof out->commons_handle)
                         : rc;
    return rc == MC_ERR_OK
               ? mc__client_copy_text(c, "contributor handle", w->contributor_handle,
                                      out->contributor_handle, sizeof out->contributor_handle)
               : rc;
}

int mc_client_get_contribution(mc_client *c, const uint8_t id[MC_TX_ID_BYTES],
                               mc_client_contribution *out)
{
    if (c == NULL || id == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__GetContributionRequest get = MC__GET_CONTRIBUTION_REQUEST__INIT;
    get.id = (ProtobufCBinaryData){MC_TX_ID_BYTES, (uint8_t *)id};
    req.kind_case = MC__REQUEST__KIND_GET_CONTRIBUTION;
    req.get_contribution = &get;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_CONTRIBUTION, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_client_contribution k;
    rc = contribution_convert(c, resp->contribution, &k);
    mc__response__free_unpacked(resp, NULL);
    if (rc == MC_ERR_OK && memcmp(k.contribution.id, id, MC_TX_ID_BYTES) != 0) {
        mc__client_set_error(c, "%s answered with another contribution than asked", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    if (rc == MC_ERR_OK) {
        *out = k;
    }
    return rc;
}

int mc_client_contributions(mc_client *c, const uint8_t commons[MC_PUBLIC_KEY_BYTES],
                            uint64_t after_height, mc_client_contribution *out, size_t cap,
                            size_t *n, bool *more)
{
    if (c == NULL || commons == NULL || out == NULL || cap == 0 || n == NULL || more == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ListContributionsRequest list = MC__LIST_CONTRIBUTIONS_REQUEST__INIT;
    list.commons = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)commons};
    list.after_height = after_height;
    list.limit = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
    req.kind_case = MC__REQUEST__KIND_LIST_CONTRIBUTIONS;
    req.list_contributions = &list;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_CONTRIBUTIONS, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    const Mc__ListContributionsResponse *r = resp->contributions;
    mc_client_contribution *tmp = calloc(r->n_contributions + 1, sizeof *tmp);
    rc = tmp == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    if (rc == MC_ERR_OK && r->n_contributions > cap) {
        mc__client_set_error(c, "%s sent %zu contributions, %zu asked", c->address,
                             r->n_contributions, cap);
        rc = MC_ERR_PROTOCOL;
    }
    for (size_t i = 0; rc == MC_ERR_OK && i < r->n_contributions; i++) {
        rc = contribution_convert(c, r->contributions[i], &tmp[i]);
    }
    if (rc == MC_ERR_OK) {
        memcpy(out, tmp, r->n_contributions * sizeof *tmp);
        *n = r->n_contributions;
        *more = r->more;
    }
    free(tmp);
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

void mc_client_round_clear(mc_client_round *r)
{
    if (r != NULL) {
        free(r->payouts);
        memset(r, 0, sizeof *r);
    }
}

static int payout_convert(mc_client *c, const Mc__WirePayout *w, mc_client_payout *out)
{
    out->payout.weight = w->weight;
    out->payout.cap = w->cap;
    out->payout.paid = w->paid;
    int rc = mc__client_copy_bytes(c, "contributor", &w->contributor, out->payout.contributor,
                                   MC_PUBLIC_KEY_BYTES);
    return rc == MC_ERR_OK
               ? mc__client_copy_text(c, "handle", w->handle, out->handle, sizeof out->handle)
               : rc;
}

static int round_convert(mc_client *c, const Mc__WireRound *w, mc_client_round *out)
{
    memset(out, 0, sizeof *out);
    out->round = (mc_round){.round = w->round,
                            .height = w->height,
                            .share_bps = w->share_bps,
                            .amount = w->amount,
                            .cap = w->cap,
                            .pot = w->pot,
                            .paid = w->paid,
                            .left = w->left,
                            .contributions = (size_t)w->contributions};
    out->restricted = w->restricted;
    out->payouts = calloc(w->n_payouts + 1, sizeof *out->payouts);
    int rc = out->payouts == NULL ? MC_ERR_NO_MEMORY
                                  : mc__client_copy_bytes(c, "commons", &w->commons, out->commons,
                                                          MC_PUBLIC_KEY_BYTES);
    for (size_t i = 0; rc == MC_ERR_OK && i < w->n_payouts; i++) {
        rc = payout_convert(c, w->payouts[i], &out->payouts[i]);
    }
    out->payout_count = w->n_payouts;
    if (rc != MC_ERR_OK) {
        mc_client_round_clear(out);
    }
    return rc;
}

int mc_client_rounds(mc_client *c, const uint8_t commons[MC_PUBLIC_KEY_BYTES], uint64_t after_round,
                     mc_client_round *out, size_t cap, size_t *n, bool *more)
{
    if (c == NULL || commons == NULL || out == NULL || cap == 0 || n == NULL || more == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ListRoundsRequest list = MC__LIST_ROUNDS_REQUEST__INIT;
    list.commons = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)commons};
    list.after_round = after_round;
    list.limit = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
    req.kind_case = MC__REQUEST__KIND_LIST_ROUNDS;
    req.list_rounds = &list;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_ROUNDS, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    const Mc__ListRoundsResponse *r = resp->rounds;
    size_t done = 0;
    if (r->n_rounds > cap) {
        mc__client_set_error(c, "%s sent %zu rounds, %zu asked", c->address, r->n_rounds, cap);
        rc = MC_ERR_PROTOCOL;
    }
    for (; rc == MC_ERR_OK && done < r->n_rounds; done++) {
        rc = round_convert(c, r->rounds[done], &out[done]);
    }
    if (rc != MC_ERR_OK) {
        while (done > 0) {
            mc_client_round_clear(&out[--done]);
        }
    } else {
        *n = r->n_rounds;
        *more = r->more;
    }
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

int mc_client_preview_distribution(mc_client *c, const uint8_t commons[MC_PUBLIC_KEY_BYTES],
                                   const mc_distribution_params *params, mc_client_round *out)
{
    if (c == NULL || commons == NULL || params == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__PreviewDistributionRequest q = MC__PREVIEW_DISTRIBUTION_REQUEST__INIT;
    q.commons = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)commons};
    q.share_bps = params->share_bps;
    q.amount = params->amount;
    q.cap = params->cap;
    req.kind_case = MC__REQUEST__KIND_PREVIEW_DISTRIBUTION;
    req.preview_distribution = &q;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_PREVIEW, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = round_convert(c, resp->preview, out);
    mc__response__free_unpacked(resp, NULL);
    return rc;
}
