/* What the node says of itself (Info, the genesis record) and proving a key
 * to it (challenge, then a signature). Everything the node sends is checked
 * before it is copied: key sizes, string lengths, ranges, and that the
 * genesis hashes to the ledger id. The ledger id is cached for signing the
 * authentication. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mc/amount.h"
#include "mc/error.h"

/* Ask for Info and check its genesis against its ledger id (which is then
 * cached). */
static int info_fetch(mc_client *c, Mc__Response **out)
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__InfoRequest info = MC__INFO_REQUEST__INIT;
    req.kind_case = MC__REQUEST__KIND_INFO;
    req.info = &info;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_INFO, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    const Mc__InfoResponse *r = resp->info;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES], digest[MC_HASH_BYTES];
    rc = mc__client_copy_bytes(c, "ledger id", &r->ledger_id, ledger_id, sizeof ledger_id);
    if (rc == MC_ERR_OK) {
        mc_sha256(r->genesis.data, r->genesis.len, digest);
        if (r->genesis.len == 0 || memcmp(digest, ledger_id, sizeof digest) != 0) {
            mc__client_set_error(c, "%s sent a genesis that does not hash to its ledger id",
                                 c->address);
            rc = MC_ERR_PROTOCOL;
        }
    }
    if (rc != MC_ERR_OK) {
        mc__response__free_unpacked(resp, NULL);
        return rc;
    }
    memcpy(c->ledger_id, ledger_id, sizeof ledger_id);
    c->has_ledger_id = true;
    *out = resp;
    return MC_ERR_OK;
}

/* The genesis fields: names, unit, visibility, keys. */
static int info_copy_ledger(mc_client *c, const Mc__InfoResponse *r, mc_ledger_info *out)
{
    int rc = MC_ERR_OK;
    if (r->decimals > MC_DECIMALS_MAX || (r->visibility != MC__VISIBILITY__VISIBILITY_OPEN &&
                                          r->visibility != MC__VISIBILITY__VISIBILITY_PRIVATE)) {
        mc__client_set_error(c, "%s sent decimals %u, visibility %d: out of range", c->address,
                             r->decimals, (int)r->visibility);
        return MC_ERR_PROTOCOL;
    }
    memcpy(out->ledger_id, c->ledger_id, sizeof out->ledger_id);
    out->decimals = r->decimals;
    out->visibility = (mc_visibility)r->visibility;
    out->created_at = r->created_at;
    out->height = r->height;
    rc = mc__client_copy_text(c, "community", r->community, out->community, sizeof out->community);
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "unit name", r->unit_name, out->unit_name,
                                  sizeof out->unit_name);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "unit symbol", r->unit_symbol, out->unit_symbol,
                                  sizeof out->unit_symbol);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_bytes(c, "node key", &r->node_public_key, out->node_public_key,
                                   sizeof out->node_public_key);
    }
    return rc;
}

/* Auditors and the fee. */
static int info_copy_roles(mc_client *c, const Mc__InfoResponse *r, mc_ledger_info *out)
{
    if (r->n_auditors > MC_AUDITORS_MAX || r->fee_bps > MC_FEE_BPS_MAX ||
        (r->fee_bps > 0 && r->fee_account.len == 0)) {
        mc__client_set_error(c, "%s sent %zu auditors, a fee of %u basis points", c->address,
                             r->n_auditors, r->fee_bps);
        return MC_ERR_PROTOCOL;
    }
    for (size_t i = 0; i < r->n_auditors; i++) {
        int rc = mc__client_copy_bytes(c, "auditor key", &r->auditors[i], out->auditors[i],
                                       MC_PUBLIC_KEY_BYTES);
        if (rc != MC_ERR_OK) {
            return rc;
        }
    }
    out->auditor_count = r->n_auditors;
    out->fee_bps = r->fee_bps;
    out->has_fee_account = r->fee_account.len != 0;
    return out->has_fee_account ? mc__client_copy_bytes(c, "fee account", &r->fee_account,
                                                        out->fee_account, MC_PUBLIC_KEY_BYTES)
                                : MC_ERR_OK;
}

/* The configuration: default limits per kind (each kind at most once),
 * stewards, quorum (1..stewards). */
static int info_copy_config(mc_client *c, const Mc__InfoResponse *r, mc_ledger_info *out)
{
    bool seen[MC_KIND_COUNT] = {false};
    if (r->n_default_limits > MC_KIND_COUNT || r->n_stewards > MC_STEWARDS_MAX || r->quorum < 1 ||
        r->quorum > r->n_stewards) {
        mc__client_set_error(c, "%s sent %zu default limits, %zu stewards, quorum %u", c->address,
                             r->n_default_limits, r->n_stewards, r->quorum);
        return MC_ERR_PROTOCOL;
    }
    for (size_t i = 0; i < r->n_default_limits; i++) {
        const Mc__KindLimits *kl = r->default_limits[i];
        int kind = (int)kl->kind;
        if (kind < MC_KIND_MEMBER || kind > MC_KIND_COUNT || seen[kind - 1]) {
            mc__client_set_error(c, "%s sent default limits for kind %d", c->address, kind);
            return MC_ERR_PROTOCOL;
        }
        seen[kind - 1] = true;
        int rc = mc__client_copy_limits(c, kl->limits, &out->default_limits[kind - 1]);
        if (rc != MC_ERR_OK) {
            return rc;
        }
    }
    for (size_t i = 0; i < r->n_stewards; i++) {
        int rc = mc__client_copy_bytes(c, "steward key", &r->stewards[i], out->stewards[i],
                                       MC_PUBLIC_KEY_BYTES);
        if (rc != MC_ERR_OK) {
            return rc;
        }
    }
    out->steward_count = r->n_stewards;
    out->quorum = r->quorum;
    return info_copy_roles(c, r, out);
}

static int info_convert(mc_client *c, const Mc__InfoResponse *r, mc_client_info *out)
{
    memset(out, 0, sizeof *out);
    int rc = info_copy_ledger(c, r, &out->ledger);
    if (rc == MC_ERR_OK) {
        rc = info_copy_config(c, r, &out->ledger);
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    out->protocol_version = r->protocol_version;
    out->node_time = r->node_time;
    if (r->limits != NULL) {
        if (r->limits->max_frame_bytes > MC_FRAME_MAX_LIMIT) {
            mc__client_set_error(c, "%s sent a frame limit of %u bytes, above %u", c->address,
                                 r->limits->max_frame_bytes, MC_FRAME_MAX_LIMIT);
            return MC_ERR_PROTOCOL;
        }
        out->max_frame_bytes = r->limits->max_frame_bytes;
        out->max_in_flight = r->limits->max_in_flight;
        out->page_size = r->limits->page_size;
    }
    return MC_ERR_OK;
}

int mc_client_info_get(mc_client *c, mc_client_info *out)
{
    if (c == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Response *resp = NULL;
    int rc = info_fetch(c, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_client_info info;
    rc = info_convert(c, resp->info, &info);
    mc__response__free_unpacked(resp, NULL);
    if (rc == MC_ERR_OK) {
        *out = info;
    }
    return rc;
}

int mc_client_genesis(mc_client *c, uint8_t **out, size_t *out_len)
{
    if (c == NULL || out == NULL || out_len == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Response *resp = NULL;
    int rc = info_fetch(c, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    size_t len = resp->info->genesis.len; /* > 0: checked by info_fetch() */
    uint8_t *copy = malloc(len);
    if (copy == NULL) {
        mc__response__free_unpacked(resp, NULL);
        mc__client_set_error(c, "no memory for a genesis of %zu bytes", len);
        return MC_ERR_NO_MEMORY;
    }
    memcpy(copy, resp->info->genesis.data, len);
    mc__response__free_unpacked(resp, NULL);
    *out = copy;
    *out_len = len;
    return MC_ERR_OK;
}

/* A fresh challenge of this connection. */
static int challenge_get(mc_client *c, uint8_t challenge[MC_CHALLENGE_BYTES])
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ChallengeRequest ask = MC__CHALLENGE_REQUEST__INIT;
    req.kind_case = MC__REQUEST__KIND_CHALLENGE;
    req.challenge = &ask;
    Mc__Response *resp = NULL;
    int rc = mc__client_request(c, &req, MC__RESPONSE__KIND_CHALLENGE, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__client_copy_bytes(c, "challenge", &resp->challenge->challenge, challenge,
                               MC_CHALLENGE_BYTES);
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

static int identity_convert(mc_client *c, const mc_keypair *kp, const Mc__AuthenticateResponse *r,
                            mc_client_identity *out)
{
    memset(out, 0, sizeof *out);
    int rc = mc__client_copy_bytes(c, "public key", &r->public_key, out->public_key,
                                   sizeof out->public_key);
    if (rc == MC_ERR_OK && memcmp(out->public_key, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES)) {
        mc__client_set_error(c, "%s authenticated another key than ours", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "handle", r->handle, out->handle, sizeof out->handle);
    }
    out->has_account = r->has_account;
    out->steward = r->steward;
    out->auditor = r->auditor;
    return rc;
}

int mc__client_authenticate_connection(mc_client *c, const mc_keypair *kp, mc_client_identity *out)
{
    Mc__Response *resp = NULL;
    uint8_t challenge[MC_CHALLENGE_BYTES], sig[MC_SIGNATURE_BYTES];
    int rc = c->has_ledger_id ? MC_ERR_OK : info_fetch(c, &resp);
    mc__response__free_unpacked(resp, NULL); /* only the cached ledger id is needed */
    resp = NULL;
    if (rc == MC_ERR_OK) {
        rc = challenge_get(c, challenge);
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_sign_auth(kp, c->ledger_id, challenge, sig);
    Mc__Request req = MC__REQUEST__INIT;
    Mc__AuthenticateRequest auth = MC__AUTHENTICATE_REQUEST__INIT;
    auth.public_key.data = (uint8_t *)mc_keypair_public(kp);
    auth.public_key.len = MC_PUBLIC_KEY_BYTES;
    auth.signature.data = sig;
    auth.signature.len = sizeof sig;
    req.kind_case = MC__REQUEST__KIND_AUTHENTICATE;
    req.authenticate = &auth;
    rc = mc__client_request(c, &req, MC__RESPONSE__KIND_AUTHENTICATE, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_client_identity identity;
    rc = identity_convert(c, kp, resp->authenticate, &identity);
    mc__response__free_unpacked(resp, NULL);
    if (rc == MC_ERR_OK && out != NULL) {
        *out = identity;
    }
    return rc;
}

int mc_client_authenticate(mc_client *c, const mc_keypair *kp, mc_client_identity *out)
{
    if (c == NULL || kp == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    int rc = mc__client_refuse_while_pipelining(c);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    /* Forget the previous key first: the caller may free it after this call. */
    bool had_key = c->keypair != NULL;
    c->keypair = NULL;
    rc = mc__client_ensure_connected(c);
    if (rc == MC_ERR_OK) {
        rc = mc__client_authenticate_connection(c, kp, out);
    }
    if (rc == MC_ERR_OK) {
        c->keypair = kp;
    } else if (had_key) {
        /* The node may still hold the previous identity: start afresh. */
        mc__client_disconnect(c);
    }
    return rc;
}
