/* The configuration in force: default limits, stewards and quorum,
 * auditors, the fee. Stored as a LedgerConfig in `meta` ("config") and read
 * into a plain mc__config; a batch reads it once from its own transaction
 * and keeps it while SetRoles and SetFee change it, so queries from other
 * threads always see a committed configuration. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"

static bool copy_keys(const ProtobufCBinaryData *src, size_t n, size_t max,
                      uint8_t (*dst)[MC_PUBLIC_KEY_BYTES], size_t *count)
{
    if (n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (src[i].len != MC_PUBLIC_KEY_BYTES) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (memcmp(dst[j], src[i].data, MC_PUBLIC_KEY_BYTES) == 0) {
                return false; /* each key once */
            }
        }
        memcpy(dst[i], src[i].data, MC_PUBLIC_KEY_BYTES);
    }
    *count = n;
    return true;
}

static bool limits_from(const Mc__LedgerConfig *c, mc__config *out)
{
    bool seen[MC_KIND_COUNT] = {false};
    for (size_t i = 0; i < c->n_default_limits; i++) {
        const Mc__KindLimits *kl = c->default_limits[i];
        int k = (int)kl->kind;
        if (k < MC_KIND_MEMBER || k > MC_KIND_SYSTEM || kl->limits == NULL || seen[k - 1]) {
            return false;
        }
        seen[k - 1] = true;
        out->default_limits[k - 1] = (mc_limits){kl->limits->min_balance, kl->limits->max_balance};
        if (!mc__limits_valid(&out->default_limits[k - 1])) {
            return false;
        }
    }
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        if (!seen[k]) {
            return false;
        }
    }
    return true;
}

bool mc__config_from_message(const Mc__LedgerConfig *c, mc__config *out)
{
    memset(out, 0, sizeof *out);
    if (c == NULL || !limits_from(c, out) ||
        !copy_keys(c->stewards, c->n_stewards, MC_STEWARDS_MAX, out->stewards,
                   &out->steward_count) ||
        !copy_keys(c->auditors, c->n_auditors, MC_AUDITORS_MAX, out->auditors,
                   &out->auditor_count) ||
        c->fee_bps > MC_FEE_BPS_MAX ||
        (c->fee_account.len != 0 && c->fee_account.len != MC_PUBLIC_KEY_BYTES) ||
        (c->fee_bps > 0 && c->fee_account.len == 0)) {
        return false;
    }
    out->quorum = c->quorum;
    out->fee_bps = c->fee_bps;
    out->has_fee_account = c->fee_account.len == MC_PUBLIC_KEY_BYTES;
    if (out->has_fee_account) {
        memcpy(out->fee_account, c->fee_account.data, MC_PUBLIC_KEY_BYTES);
    }
    return out->steward_count >= 1 && out->quorum >= 1 && out->quorum <= out->steward_count;
}

int mc__config_decode(const void *data, size_t len, mc__config *out)
{
    Mc__LedgerConfig *c = mc__ledger_config__unpack(NULL, len, data);
    bool ok = mc__config_from_message(c, out);
    if (c != NULL) {
        mc__ledger_config__free_unpacked(c, NULL);
    }
    return ok ? MC_ERR_OK : MC_ERR_CORRUPT;
}

int mc__config_load(mc__store *s, MDB_txn *txn, mc__config *out)
{
    MDB_val v;
    int rc = mc__store_get(s, txn, s->meta, "config", 6, &v);
    if (rc == MC_ERR_NOT_FOUND) {
        return MC_ERR_CORRUPT;
    }
    return rc == MC_ERR_OK ? mc__config_decode(v.mv_data, v.mv_size, out) : rc;
}

int mc__config_pack(const mc__config *c, uint8_t buf[MC__CONFIG_BYTES_MAX], size_t *len)
{
    Mc__LedgerConfig m = MC__LEDGER_CONFIG__INIT;
    Mc__KindLimits kinds[MC_KIND_COUNT], *kind_ptrs[MC_KIND_COUNT];
    Mc__Limits limits[MC_KIND_COUNT];
    ProtobufCBinaryData stewards[MC_STEWARDS_MAX], auditors[MC_AUDITORS_MAX];
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        mc__kind_limits__init(&kinds[k]);
        mc__limits__init(&limits[k]);
        limits[k].min_balance = c->default_limits[k].min_balance;
        limits[k].max_balance = c->default_limits[k].max_balance;
        kinds[k].kind = (Mc__AccountKind)(k + 1);
        kinds[k].limits = &limits[k];
        kind_ptrs[k] = &kinds[k];
    }
    for (size_t i = 0; i < c->steward_count; i++) {
        stewards[i] = MC__BYTES(c->stewards[i], MC_PUBLIC_KEY_BYTES);
    }
    for (size_t i = 0; i < c->auditor_count; i++) {
        auditors[i] = MC__BYTES(c->auditors[i], MC_PUBLIC_KEY_BYTES);
    }
    m.n_default_limits = MC_KIND_COUNT;
    m.default_limits = kind_ptrs;
    m.n_stewards = c->steward_count;
    m.stewards = stewards;
    m.quorum = c->quorum;
    m.n_auditors = c->auditor_count;
    m.auditors = auditors;
    m.fee_bps = c->fee_bps;
    if (c->has_fee_account) {
        m.fee_account = MC__BYTES(c->fee_account, MC_PUBLIC_KEY_BYTES);
    }
    *len = mc__ledger_config__get_packed_size(&m);
    if (*len > MC__CONFIG_BYTES_MAX) {
        return MC_ERR_INVALID_ARGUMENT; /* cannot happen: every list is bounded */
    }
    mc__ledger_config__pack(&m, buf);
    return MC_ERR_OK;
}

int mc__config_save(mc__store *s, MDB_txn *txn, const mc__config *c)
{
    uint8_t buf[MC__CONFIG_BYTES_MAX];
    size_t len = 0;
    int rc = mc__config_pack(c, buf, &len);
    return rc == MC_ERR_OK ? mc__store_put(s, txn, s->meta, "config", 6, buf, len, 0) : rc;
}

static bool key_in(const uint8_t (*keys)[MC_PUBLIC_KEY_BYTES], size_t n, const uint8_t *key)
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(keys[i], key, MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    return false;
}

bool mc__config_is_steward(const mc__config *c, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    return key_in((const uint8_t(*)[MC_PUBLIC_KEY_BYTES])c->stewards, c->steward_count, key);
}

bool mc__config_is_auditor(const mc__config *c, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    return key_in((const uint8_t(*)[MC_PUBLIC_KEY_BYTES])c->auditors, c->auditor_count, key);
}

typedef struct roles_query {
    const uint8_t *key;
    unsigned roles;
} roles_query;

static int roles_read(mc_ledger *l, MDB_txn *txn, void *arg)
{
    roles_query *q = arg;
    mc__config c;
    int rc = mc__config_load(&l->store, txn, &c);
    if (rc == MC_ERR_OK) {
        q->roles = (mc__config_is_steward(&c, q->key) ? MC_ROLE_STEWARD : 0u) |
                   (mc__config_is_auditor(&c, q->key) ? MC_ROLE_AUDITOR : 0u);
    }
    return rc;
}

unsigned mc_ledger_roles(mc_ledger *l, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    roles_query q = {.key = key, .roles = 0};
    return mc__ledger_read(l, roles_read, &q) == MC_ERR_OK ? q.roles : 0u;
}

bool mc_ledger_is_steward(mc_ledger *l, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    return (mc_ledger_roles(l, key) & MC_ROLE_STEWARD) != 0;
}
