/* Stored records: Account <-> mc_account, configuration lookups and the
 * height counter in `meta`. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "ledger_internal.h"
#include "mc_assert.h"

static int keepers_from(const Mc__Account *a, mc_account *out)
{
    for (size_t i = 0; i < a->n_keepers; i++) {
        if (a->keepers[i].len != MC_PUBLIC_KEY_BYTES) {
            return MC_ERR_CORRUPT;
        }
        memcpy(out->keepers[i], a->keepers[i].data, MC_PUBLIC_KEY_BYTES);
    }
    out->keeper_count = a->n_keepers;
    return MC_ERR_OK;
}

int mc__account_decode(const void *data, size_t len, mc_account *out)
{
    Mc__Account *a = mc__account__unpack(NULL, len, data);
    if (a == NULL) {
        return MC_ERR_CORRUPT;
    }
    int rc = MC_ERR_OK;
    if (a->public_key.len != MC_PUBLIC_KEY_BYTES || a->handle.len > MC_HANDLE_LEN_MAX ||
        a->limits == NULL || a->n_keepers > MC_KEEPERS_MAX) {
        rc = MC_ERR_CORRUPT;
    } else {
        memset(out, 0, sizeof *out);
        memcpy(out->public_key, a->public_key.data, MC_PUBLIC_KEY_BYTES);
        memcpy(out->handle, a->handle.data, a->handle.len);
        out->handle[a->handle.len] = '\0';
        out->kind = (mc_account_kind)a->kind;
        out->status = (mc_account_status)a->status;
        out->balance = a->balance;
        out->limits.min_balance = a->limits->min_balance;
        out->limits.max_balance = a->limits->max_balance;
        out->opened_height = a->opened_height;
        out->joined = a->joined;
        out->limits_height = a->limits_height;
        out->last_debit_height = a->last_debit_height;
        out->last_credit_height = a->last_credit_height;
        out->keeper_quorum = a->keeper_quorum;
        out->rounds = a->rounds;
        rc = keepers_from(a, out);
    }
    mc__account__free_unpacked(a, NULL);
    return rc;
}

int mc__account_load(mc__store *s, MDB_txn *txn, const uint8_t key[MC_PUBLIC_KEY_BYTES],
                     mc_account *out)
{
    MDB_val v;
    int rc = mc__store_get(s, txn, s->accounts, key, MC_PUBLIC_KEY_BYTES, &v);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    return mc__account_decode(v.mv_data, v.mv_size, out);
}

int mc__account_save(mc__store *s, MDB_txn *txn, const mc_account *a)
{
    Mc__Account rec = MC__ACCOUNT__INIT;
    Mc__Limits limits = MC__LIMITS__INIT;
    ProtobufCBinaryData keepers[MC_KEEPERS_MAX];
    uint8_t buf[1024];
    rec.public_key.data = (uint8_t *)a->public_key;
    rec.public_key.len = MC_PUBLIC_KEY_BYTES;
    rec.handle.data = (uint8_t *)a->handle;
    rec.handle.len = strlen(a->handle);
    rec.kind = (Mc__AccountKind)a->kind;
    rec.status = (Mc__AccountStatus)a->status;
    rec.balance = a->balance;
    limits.min_balance = a->limits.min_balance;
    limits.max_balance = a->limits.max_balance;
    rec.limits = &limits;
    rec.opened_height = a->opened_height;
    rec.joined = a->joined;
    rec.limits_height = a->limits_height;
    rec.last_debit_height = a->last_debit_height;
    rec.last_credit_height = a->last_credit_height;
    for (size_t i = 0; i < a->keeper_count && i < MC_KEEPERS_MAX; i++) {
        keepers[i] = MC__BYTES(a->keepers[i], MC_PUBLIC_KEY_BYTES);
    }
    rec.n_keepers = a->keeper_count;
    rec.keepers = keepers;
    rec.keeper_quorum = a->keeper_quorum;
    rec.rounds = a->rounds;
    size_t len = mc__account__get_packed_size(&rec);
    MC_ASSERT(len <= sizeof buf);
    mc__account__pack(&rec, buf);
    return mc__store_put(s, txn, s->accounts, a->public_key, MC_PUBLIC_KEY_BYTES, buf, len, 0);
}

bool mc__limits_valid(const mc_limits *l)
{
    return l->min_balance <= 0 && l->max_balance >= 0;
}

int mc__meta_height(mc__store *s, MDB_txn *txn, uint64_t *height)
{
    MDB_val v;
    int rc = mc__store_get(s, txn, s->meta, "height", 6, &v);
    if (rc == MC_ERR_NOT_FOUND) {
        *height = 0;
        return MC_ERR_OK;
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (v.mv_size != 8) {
        return MC_ERR_CORRUPT;
    }
    *height = mc__be_u64(v.mv_data);
    return MC_ERR_OK;
}

int mc__meta_set_height(mc__store *s, MDB_txn *txn, uint64_t height)
{
    uint8_t buf[8];
    mc__u64_be(height, buf);
    return mc__store_put(s, txn, s->meta, "height", 6, buf, sizeof buf, 0);
}
