/* A hash map from an account's public key to its handle and kind, for the
 * reports (report.c), which name accounts by handle. Open addressing with
 * linear probing, grown at 70% load; it holds one slot per account opened
 * in the export (O(accounts) memory, never the log), at most
 * MCA_ACCOUNTS_MAX. Keys are Ed25519 public keys: all their bytes are mixed,
 * since an export may come from anyone. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "audit.h"

#define ACCOUNTS_START_CAP 1024u

static uint64_t key_hash(const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < MC_PUBLIC_KEY_BYTES; i++) {
        h = (h ^ key[i]) * 1099511628211ull;
    }
    return h ^ (h >> 29);
}

void mca_accounts_init(mca_accounts *m)
{
    memset(m, 0, sizeof *m);
}

void mca_accounts_free(mca_accounts *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static mca_account_entry *probe(const mca_accounts *m, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)key_hash(key) & mask;; i = (i + 1) & mask) {
        mca_account_entry *e = &m->slots[i];
        if (!e->used || memcmp(e->key, key, MC_PUBLIC_KEY_BYTES) == 0) {
            return e; /* the load stays under 70%: a free slot always ends the probe */
        }
    }
}

static int grow(mca_accounts *m)
{
    size_t cap = m->cap > 0 ? m->cap * 2 : ACCOUNTS_START_CAP;
    mca_accounts bigger = {calloc(cap, sizeof *bigger.slots), cap, 0};
    if (bigger.slots == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].used) {
            *probe(&bigger, m->slots[i].key) = m->slots[i];
            bigger.count++;
        }
    }
    free(m->slots);
    *m = bigger;
    return MC_ERR_OK;
}

int mca_accounts_put(mca_accounts *m, const uint8_t key[MC_PUBLIC_KEY_BYTES], const uint8_t *handle,
                     size_t handle_len, int kind)
{
    if (m->count >= MCA_ACCOUNTS_MAX) {
        return MC_ERR_NO_MEMORY;
    }
    if ((m->count + 1) * 10 > m->cap * 7 && grow(m) != MC_ERR_OK) {
        return MC_ERR_NO_MEMORY;
    }
    mca_account_entry *e = probe(m, key);
    if (e->used) {
        return MC_ERR_ACCOUNT_EXISTS;
    }
    memset(e, 0, sizeof *e);
    memcpy(e->key, key, MC_PUBLIC_KEY_BYTES);
    size_t n = handle_len < MC_HANDLE_LEN_MAX ? handle_len : MC_HANDLE_LEN_MAX;
    memcpy(e->handle, handle, n);
    e->kind = kind;
    e->used = true;
    m->count++;
    return MC_ERR_OK;
}

mca_account_entry *mca_accounts_get(const mca_accounts *m, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    if (m->cap == 0) {
        return NULL;
    }
    mca_account_entry *e = probe(m, key);
    return e->used ? e : NULL;
}
