/* Commons: the keeper rule, contributions and their review. A contributor
 * records work for a commons (Contribution, signed alone); the commons'
 * keepers approve or reject it (ReviewContribution, the keeper rule); an
 * approved contribution waits in `settle_queue` for a distribution round
 * (rounds.c). Contributions are indexed by commons for listing. */
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

const char *mc_contribution_status_name(int status)
{
    static const char *const names[] = {"pending", "approved", "rejected", "settled"};
    return status >= MC_CONTRIBUTION_PENDING && status <= MC_CONTRIBUTION_SETTLED
               ? names[status - 1]
               : NULL;
}

/* A commons' keepers: those named at its opening, else its own key. */
static bool is_keeper(const mc_account *commons, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    if (commons->keeper_count == 0) {
        return memcmp(commons->public_key, key, MC_PUBLIC_KEY_BYTES) == 0;
    }
    for (size_t i = 0; i < commons->keeper_count; i++) {
        if (memcmp(commons->keepers[i], key, MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    return false;
}

int mc__keeper_rule(const mc_tx *tx, const mc_account *commons, mc_result *r)
{
    unsigned keepers = 0, quorum = commons->keeper_quorum == 0 ? 1 : commons->keeper_quorum;
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (!is_keeper(commons, tx->keys[i])) {
            mc__refuse_key(r, MC_ERR_NOT_A_KEEPER, tx->keys[i]);
            return r->code;
        }
        keepers++;
    }
    if (keepers < quorum) {
        mc__refuse(r, MC_ERR_KEEPER_QUORUM_NOT_MET, commons);
        r->amount = keepers;
        r->limit = quorum;
        return r->code;
    }
    return MC_ERR_OK;
}

void mc__commons_key(const uint8_t commons[MC_PUBLIC_KEY_BYTES], uint64_t n,
                     uint8_t key[MC__COMMONS_KEY_BYTES])
{
    memcpy(key, commons, MC_PUBLIC_KEY_BYTES);
    mc__u64_be(n, key + MC_PUBLIC_KEY_BYTES);
}

int mc__contribution_decode(const uint8_t id[MC_TX_ID_BYTES], const void *data, size_t len,
                            mc_contribution *out)
{
    Mc__ContributionRecord *c = mc__contribution_record__unpack(NULL, len, data);
    if (c == NULL) {
        return MC_ERR_CORRUPT;
    }
    int rc = MC_ERR_OK;
    if (c->commons.len != MC_PUBLIC_KEY_BYTES || c->contributor.len != MC_PUBLIC_KEY_BYTES ||
        c->description.len > MC_DESCRIPTION_MAX ||
        (c->evidence.len != 0 && c->evidence.len != MC_HASH_BYTES) ||
        c->status < MC__CONTRIBUTION_STATUS__CONTRIBUTION_STATUS_PENDING ||
        c->status > MC__CONTRIBUTION_STATUS__CONTRIBUTION_STATUS_SETTLED) {
        rc = MC_ERR_CORRUPT;
    } else {
        memset(out, 0, sizeof *out);
        memcpy(out->id, id, MC_TX_ID_BYTES);
        memcpy(out->commons, c->commons.data, MC_PUBLIC_KEY_BYTES);
        memcpy(out->contributor, c->contributor.data, MC_PUBLIC_KEY_BYTES);
        out->weight = c->weight;
        if (c->description.len > 0) {
            memcpy(out->description, c->description.data, c->description.len);
        }
        out->has_evidence = c->evidence.len == MC_HASH_BYTES;
        if (out->has_evidence) {
            memcpy(out->evidence, c->evidence.data, MC_HASH_BYTES);
        }
        out->status = (mc_contribution_status)c->status;
        out->height = c->height;
        out->reviewed_height = c->reviewed_height;
        out->round = c->round;
        out->pro_rata = c->pro_rata;
        out->paid = c->paid;
    }
    mc__contribution_record__free_unpacked(c, NULL);
    return rc;
}

int mc__contribution_load(mc__store *s, MDB_txn *txn, const uint8_t *id, size_t id_len,
                          mc_contribution *out)
{
    MDB_val v;
    if (id_len != MC_TX_ID_BYTES) {
        return MC_ERR_NOT_FOUND;
    }
    int rc = mc__store_get(s, txn, s->contributions, id, MC_TX_ID_BYTES, &v);
    return rc == MC_ERR_OK ? mc__contribution_decode(id, v.mv_data, v.mv_size, out) : rc;
}

int mc__contribution_save(mc__store *s, MDB_txn *txn, const mc_contribution *c)
{
    Mc__ContributionRecord m = MC__CONTRIBUTION_RECORD__INIT;
    m.commons = MC__BYTES(c->commons, MC_PUBLIC_KEY_BYTES);
    m.contributor = MC__BYTES(c->contributor, MC_PUBLIC_KEY_BYTES);
    m.weight = c->weight;
    m.description = MC__BYTES(c->description, strlen(c->description));
    if (c->has_evidence) {
        m.evidence = MC__BYTES(c->evidence, MC_HASH_BYTES);
    }
    m.status = (Mc__ContributionStatus)c->status;
    m.height = c->height;
    m.reviewed_height = c->reviewed_height;
    m.round = c->round;
    m.pro_rata = c->pro_rata;
    m.paid = c->paid;
    uint8_t buf[MC_DESCRIPTION_MAX + 256];
    size_t len = mc__contribution_record__get_packed_size(&m);
    if (len > sizeof buf) {
        return MC_ERR_INVALID_ARGUMENT; /* cannot happen: the description is bounded */
    }
    mc__contribution_record__pack(&m, buf);
    return mc__store_put(s, txn, s->contributions, c->id, MC_TX_ID_BYTES, buf, len, 0);
}

/* The rules of a Contribution up to its signer; loads both accounts. */
static int contribution_rules(mc__apply_ctx *ctx, const Mc__Contribution *c, mc_account *commons,
                              mc_account *who, mc_result *r)
{
    r->amount = c->weight;
    if (c->weight <= 0 || c->weight > MC_WEIGHT_MAX) {
        r->limit = MC_WEIGHT_MAX;
        return mc__refuse(r, MC_ERR_WEIGHT_INVALID, NULL);
    }
    if (c->description.len == 0 || c->description.len > MC_DESCRIPTION_MAX ||
        !mc_utf8_is_valid(c->description.data, c->description.len)) {
        return mc__refuse(r, MC_ERR_DESCRIPTION_INVALID, NULL);
    }
    int rc = mc__load_or_refuse(ctx, c->commons.data, MC_ERR_UNKNOWN_ACCOUNT, commons, r);
    if (rc == MC_ERR_OK && commons->kind != MC_KIND_COMMONS) {
        return mc__refuse(r, MC_ERR_NOT_A_COMMONS, commons);
    }
    if (rc == MC_ERR_OK && commons->status == MC_STATUS_CLOSED) {
        return mc__refuse(r, MC_ERR_ACCOUNT_CLOSED, commons);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__load_or_refuse(ctx, c->contributor.data, MC_ERR_UNKNOWN_ACCOUNT, who, r);
    }
    if (rc == MC_ERR_OK && who->status == MC_STATUS_CLOSED) {
        return mc__refuse(r, MC_ERR_ACCOUNT_CLOSED, who);
    }
    if (rc == MC_ERR_OK && memcmp(who->public_key, commons->public_key, MC_PUBLIC_KEY_BYTES) == 0) {
        return mc__refuse(r, MC_ERR_SELF_TRANSFER, who); /* a round cannot pay it */
    }
    return rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
}

int mc__apply_contribution(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__Contribution *c = tx->decoded->contribution;
    mc_account commons, who;
    int rc = contribution_rules(ctx, c, &commons, &who, r);
    if (rc != MC_ERR_OK || r->code != MC_ERR_OK || mc__sole_signer(tx, &who, r) != MC_ERR_OK) {
        return rc;
    }
    mc__store *s = &ctx->ledger->store;
    uint64_t height = ctx->height + 1;
    mc_contribution rec;
    memset(&rec, 0, sizeof rec);
    memcpy(rec.id, tx->tx_id, MC_TX_ID_BYTES);
    memcpy(rec.commons, commons.public_key, MC_PUBLIC_KEY_BYTES);
    memcpy(rec.contributor, who.public_key, MC_PUBLIC_KEY_BYTES);
    rec.weight = c->weight;
    memcpy(rec.description, c->description.data, c->description.len);
    rec.has_evidence = c->evidence.len == MC_HASH_BYTES;
    if (rec.has_evidence) {
        memcpy(rec.evidence, c->evidence.data, MC_HASH_BYTES);
    }
    rec.status = MC_CONTRIBUTION_PENDING;
    rec.height = height;
    uint8_t key[MC__COMMONS_KEY_BYTES];
    mc__commons_key(commons.public_key, height, key);
    rc = mc__contribution_save(s, ctx->txn, &rec);
    if (rc == MC_ERR_OK) {
        rc = mc__store_put(s, ctx->txn, s->commons_contributions, key, sizeof key, rec.id,
                           MC_TX_ID_BYTES, MDB_NOOVERWRITE);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &who, height, 0);
    }
    return rc == MC_ERR_OK ? mc__history_add(ctx, &commons, height, 0) : rc;
}

int mc__apply_review(mc__apply_ctx *ctx, const mc_tx *tx, mc_result *r)
{
    const Mc__ReviewContribution *rv = tx->decoded->review_contribution;
    mc__store *s = &ctx->ledger->store;
    mc_contribution c;
    mc_account commons;
    int rc =
        mc__contribution_load(s, ctx->txn, rv->contribution_id.data, rv->contribution_id.len, &c);
    if (rc == MC_ERR_NOT_FOUND) {
        return mc__refuse(r, MC_ERR_UNKNOWN_CONTRIBUTION, NULL);
    }
    if (rc == MC_ERR_OK && c.status != MC_CONTRIBUTION_PENDING) {
        return mc__refuse(r, MC_ERR_CONTRIBUTION_CLOSED, NULL);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__account_load(s, ctx->txn, c.commons, &commons);
    }
    if (rc != MC_ERR_OK) {
        return rc == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : rc;
    }
    if (mc__keeper_rule(tx, &commons, r) != MC_ERR_OK) {
        return MC_ERR_OK;
    }
    uint64_t height = ctx->height + 1;
    c.status = rv->approve ? MC_CONTRIBUTION_APPROVED : MC_CONTRIBUTION_REJECTED;
    c.reviewed_height = height;
    rc = mc__contribution_save(s, ctx->txn, &c);
    if (rc == MC_ERR_OK && rv->approve) {
        uint8_t key[MC__COMMONS_KEY_BYTES];
        mc__commons_key(c.commons, c.height, key);
        rc = mc__store_put(s, ctx->txn, s->settle_queue, key, sizeof key, c.id, MC_TX_ID_BYTES,
                           MDB_NOOVERWRITE);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__history_add(ctx, &commons, height, 0);
    }
    /* The contributor sees the review in their history too. */
    mc_account who;
    int found = rc == MC_ERR_OK ? mc__account_load(s, ctx->txn, c.contributor, &who) : rc;
    return found == MC_ERR_OK          ? mc__history_add(ctx, &who, height, 0)
           : found == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT
                                       : found;
}
