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

static bool stewards_ok(const mc_genesis_params *p)
{
    if (p->stewards == NULL || p->steward_count < 1 || p->steward_count > MC_STEWARDS_MAX ||
        p->quorum < 1 || p->quorum > p->steward_count) {
        return false;
    }
    for (size_t i = 0; i < p->steward_count; i++) {
        for (size_t j = 0; j < i; j++) {
            if (memcmp(p->stewards[i], p->stewards[j], MC_PUBLIC_KEY_BYTES) == 0) {
                return false;
            }
        }
    }
    return true;
}

static bool params_ok(const mc_genesis_params *p)
{
    if (!text_ok(p->community, 0, MC_COMMUNITY_MAX) ||
        !text_ok(p->unit_name, 1, MC_UNIT_NAME_MAX) ||
        !text_ok(p->unit_symbol, 1, MC_UNIT_SYMBOL_MAX) || p->decimals > MC_DECIMALS_MAX ||
        (p->visibility != MC_VISIBILITY_OPEN && p->visibility != MC_VISIBILITY_PRIVATE)) {
        return false;
    }
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        if (!mc__limits_valid(&p->default_limits[k])) {
            return false;
        }
    }
    return stewards_ok(p);
}

int mc__genesis_build(const mc_genesis_params *p, uint8_t **out, size_t *out_len)
{
    if (p == NULL || !params_ok(p)) {
        return MC_ERR_CONFIG_INVALID;
    }
    Mc__Genesis g = MC__GENESIS__INIT;
    Mc__LedgerConfig config = MC__LEDGER_CONFIG__INIT;
    Mc__KindLimits kinds[MC_KIND_COUNT];
    Mc__KindLimits *kind_ptrs[MC_KIND_COUNT];
    Mc__Limits limits[MC_KIND_COUNT];
    ProtobufCBinaryData stewards[MC_STEWARDS_MAX];
    uint8_t salt[16];

    for (int k = 0; k < MC_KIND_COUNT; k++) {
        mc__kind_limits__init(&kinds[k]);
        mc__limits__init(&limits[k]);
        limits[k].min_balance = p->default_limits[k].min_balance;
        limits[k].max_balance = p->default_limits[k].max_balance;
        kinds[k].kind = (Mc__AccountKind)(k + 1);
        kinds[k].limits = &limits[k];
        kind_ptrs[k] = &kinds[k];
    }
    for (size_t i = 0; i < p->steward_count; i++) {
        stewards[i].data = (uint8_t *)p->stewards[i];
        stewards[i].len = MC_PUBLIC_KEY_BYTES;
    }
    config.n_default_limits = MC_KIND_COUNT;
    config.default_limits = kind_ptrs;
    config.n_stewards = p->steward_count;
    config.stewards = stewards;
    config.quorum = p->quorum;

    if (mc_crypto_init() != MC_ERR_OK) {
        return MC_ERR_NO_MEMORY;
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
    g.config = &config;

    size_t len = mc__genesis__get_packed_size(&g);
    uint8_t *buf = malloc(len);
    if (buf == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    mc__genesis__pack(&g, buf);
    *out = buf;
    *out_len = len;
    return MC_ERR_OK;
}

/* A configuration as stored must be usable: a check after reading it back. */
static bool config_usable(const Mc__LedgerConfig *c)
{
    if (c == NULL || c->n_stewards < 1 || c->n_stewards > MC_STEWARDS_MAX || c->quorum < 1 ||
        c->quorum > c->n_stewards) {
        return false;
    }
    for (size_t i = 0; i < c->n_stewards; i++) {
        if (c->stewards[i].len != MC_PUBLIC_KEY_BYTES) {
            return false;
        }
    }
    mc_limits l;
    for (int k = MC_KIND_MEMBER; k <= MC_KIND_SYSTEM; k++) {
        if (mc__config_default_limits(c, k, &l) != MC_ERR_OK || !mc__limits_valid(&l)) {
            return false;
        }
    }
    return true;
}

bool mc__genesis_usable(const Mc__Genesis *g)
{
    return g->decimals <= MC_DECIMALS_MAX && g->node_public_key.len == MC_PUBLIC_KEY_BYTES &&
           strlen(g->unit_name) <= MC_UNIT_NAME_MAX &&
           strlen(g->unit_symbol) <= MC_UNIT_SYMBOL_MAX &&
           strlen(g->community) <= MC_COMMUNITY_MAX && config_usable(g->config);
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
    rc = mc__store_get(s, txn, s->meta, "config", 6, &v);
    if (rc != MC_ERR_OK) {
        return rc == MC_ERR_NOT_FOUND ? MC_ERR_CORRUPT : rc;
    }
    l->config = mc__ledger_config__unpack(NULL, v.mv_size, v.mv_data);
    if (!config_usable(l->config)) {
        snprintf(s->last_error, sizeof s->last_error, "the configuration does not decode");
        return MC_ERR_CORRUPT;
    }
    return MC_ERR_OK;
}
