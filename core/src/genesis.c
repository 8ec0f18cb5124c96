/* Genesis: the parameters a community chooses when it creates its ledger,
 * their validation, and the genesis record whose SHA-256 is the ledger id. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "ledger_internal.h"

void mc_genesis_params_default(mc_genesis_params *p)
{
    memset(p, 0, sizeof *p);
    p->community = "";
    p->unit_name = "unit";
    p->unit_symbol = "u";
    p->decimals = 2;
    p->default_limits[MC_KIND_MEMBER - 1] = (mc_limits){-30000, 300000};
    p->default_limits[MC_KIND_BUSINESS - 1] = (mc_limits){-500000, 5000000};
    p->default_limits[MC_KIND_COMMONS - 1] = (mc_limits){-500000, 5000000};
    p->default_limits[MC_KIND_SYSTEM - 1] = (mc_limits){INT64_MIN, INT64_MAX};
    p->quorum = 1;
    p->visibility = MC_VISIBILITY_OPEN;
}

static bool text_ok(const char *s, size_t min, size_t max)
{
    if (s == NULL) {
        return false;
    }
    size_t len = strlen(s);
    return len >= min && len <= max && mc_utf8_is_valid((const uint8_t *)s, len);
}

static bool params_ok(const mc_genesis_params *p)
{
    return text_ok(p->community, 0, MC_COMMUNITY_MAX) &&
           text_ok(p->unit_name, 1, MC_UNIT_NAME_MAX) &&
           text_ok(p->unit_symbol, 1, MC_UNIT_SYMBOL_MAX) && p->decimals <= MC_DECIMALS_MAX &&
           (p->visibility == MC_VISIBILITY_OPEN || p->visibility == MC_VISIBILITY_PRIVATE) &&
           p->stewards != NULL && p->steward_count <= MC_STEWARDS_MAX &&
           (p->auditors != NULL || p->auditor_count == 0) && p->auditor_count <= MC_AUDITORS_MAX;
}

/* The parameters' configuration, checked by the very rules that load it
 * (distinct keys, a quorum in range, a fee with an account). */
static int genesis_config(const mc_genesis_params *p, Mc__LedgerConfig **out)
{
    mc__config c;
    memset(&c, 0, sizeof c);
    memcpy(c.default_limits, p->default_limits, sizeof c.default_limits);
    memcpy(c.stewards, p->stewards, p->steward_count * MC_PUBLIC_KEY_BYTES);
    c.steward_count = p->steward_count;
    c.quorum = p->quorum;
    if (p->auditor_count > 0) {
        memcpy(c.auditors, p->auditors, p->auditor_count * MC_PUBLIC_KEY_BYTES);
    }
    c.auditor_count = p->auditor_count;
    c.fee_bps = p->fee_bps;
    c.has_fee_account = p->fee_account != NULL;
    if (c.has_fee_account) {
        memcpy(c.fee_account, p->fee_account, MC_PUBLIC_KEY_BYTES);
    }
    uint8_t buf[MC__CONFIG_BYTES_MAX];
    size_t len = 0;
    mc__config check;
    int rc = mc__config_pack(&c, buf, &len);
    *out = rc == MC_ERR_OK ? mc__ledger_config__unpack(NULL, len, buf) : NULL;
    if (*out == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        if (!mc__limits_valid(&p->default_limits[k])) {
            return MC_ERR_CONFIG_INVALID;
        }
    }
    return mc__config_from_message(*out, &check) ? MC_ERR_OK : MC_ERR_CONFIG_INVALID;
}

int mc__genesis_build(const mc_genesis_params *p, uint8_t **out, size_t *out_len)
{
    if (p == NULL || !params_ok(p)) {
        return MC_ERR_CONFIG_INVALID;
    }
    Mc__Genesis g = MC__GENESIS__INIT;
    Mc__LedgerConfig *config = NULL;
    uint8_t salt[16];
    int rc = genesis_config(p, &config);
    if (rc != MC_ERR_OK || mc_crypto_init() != MC_ERR_OK) {
        if (config != NULL) {
            mc__ledger_config__free_unpacked(config, NULL);
        }
        return rc != MC_ERR_OK ? rc : MC_ERR_NO_MEMORY;
    }
    randombytes_buf(salt, sizeof salt);
    g.format_version = MC__STORE_FORMAT;
    g.community = (char *)p->community;
    g.unit_name = (char *)p->unit_name;
    g.unit_symbol = (char *)p->unit_symbol;
    g.decimals = p->decimals;
    g.visibility = (Mc__Visibility)p->visibility;
    g.node_public_key.data = (uint8_t *)p->node_public_key;
    g.node_public_key.len = MC_PUBLIC_KEY_BYTES;
    g.created_at = p->created_at;
    g.salt.data = salt;
    g.salt.len = sizeof salt;
    g.config = config;

    size_t len = mc__genesis__get_packed_size(&g);
    uint8_t *buf = malloc(len);
    if (buf != NULL) {
        mc__genesis__pack(&g, buf);
    }
    mc__ledger_config__free_unpacked(config, NULL);
    if (buf == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    *out = buf;
    *out_len = len;
    return MC_ERR_OK;
}

bool mc__genesis_usable(const Mc__Genesis *g)
{
    mc__config c;
    return g->decimals <= MC_DECIMALS_MAX && g->node_public_key.len == MC_PUBLIC_KEY_BYTES &&
           strlen(g->unit_name) <= MC_UNIT_NAME_MAX &&
           strlen(g->unit_symbol) <= MC_UNIT_SYMBOL_MAX &&
           strlen(g->community) <= MC_COMMUNITY_MAX && mc__config_from_message(g->config, &c);
}

/* Load genesis, ledger id and configuration from `meta` into `l`. */
int mc__ledger_load_meta(mc_ledger *l, MDB_txn *txn)
{
    mc__store *s = &l->store;
    MDB_val v;
    int rc = mc__store_get(s, txn, s->meta, "genesis", 7, &v);
    if (rc == MC_ERR_NOT_FOUND) {
        return MC_ERR_NO_LEDGER;
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    l->genesis_bytes = malloc(v.mv_size);
    if (l->genesis_bytes == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    memcpy(l->genesis_bytes, v.mv_data, v.mv_size);
    l->genesis_len = v.mv_size;
    l->genesis = mc__genesis__unpack(NULL, l->genesis_len, l->genesis_bytes);
    if (l->genesis == NULL || !mc__genesis_usable(l->genesis)) {
        snprintf(s->last_error, sizeof s->last_error, "the genesis record does not decode");
        return MC_ERR_CORRUPT;
    }
    mc_sha256(l->genesis_bytes, l->genesis_len, l->ledger_id);
    mc__config config;
    rc = mc__config_load(s, txn, &config);
    if (rc == MC_ERR_CORRUPT) {
        snprintf(s->last_error, sizeof s->last_error, "the configuration does not decode");
    }
    return rc;
}
