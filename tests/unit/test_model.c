/* A randomized model test of the ledger (SQLite's habit, see STYLE.md): a
 * long random sequence of operations is applied both to the real LMDB ledger,
 * in random batches through mc_ledger_apply_batch(), and to a plain in-memory
 * reference model written here from the rules and their order as documented
 * at the top of mc/ledger.h (and mc/text.h, mc/types.h). Every result (code,
 * duplicate flag, height, tx id) must equal the model's prediction; every few
 * thousand operations, and at the end, every account is compared field by
 * field, the height and the number of accounts too, and mc_ledger_check()
 * runs. The ledger is also closed and reopened now and then.
 *
 * The generator aims at every rule: a pool of 30 to 60 open accounts with
 * small limits (credit limits and ceilings break often), transfers that fit
 * and transfers that break each rule in turn, SYSTEM payers signed by the
 * stewards, openings, limit and status changes with good and bad steward
 * signatures, exact resubmissions of earlier transactions, expired,
 * wrong-ledger and unverified ones, and bytes that must not decode
 * (MALFORMED) or not verify (BAD_SIGNATURE).
 *
 * Environment: MC_MODEL_SEED (default: from the clock; printed as "model test
 * seed: N") and MC_MODEL_OPS (default 100000). Every key and choice comes
 * from the seed, so a seed replays the same operations and results; only the
 * ledger id (the genesis is salted) and the fixture's steward keys change
 * from run to run, which changes bytes but no result. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MODEL_OPS_DEFAULT 100000u
#define MODEL_BATCH_MAX 64u /* transactions per apply_batch, 1..this */
#define MODEL_STEWARDS 3u
#define MODEL_QUORUM 2u
#define MODEL_LIVE_LOW 30u        /* open accounts: opening is favoured below this */
#define MODEL_LIVE_HIGH 60u       /* ... and stops at this */
#define MODEL_STATE_EVERY 2000u   /* ops between full state comparisons */
#define MODEL_CHECK_EVERY 10000u  /* ops between mc_ledger_check() runs */
#define MODEL_REOPEN_EVERY 25000u /* ops between close + reopen */
#define MODEL_COVERAGE_OPS 20000u /* from this many ops on, every code must be hit */
#define MODEL_MEMO_CAP 256u
#define MODEL_HANDLE_CAP 48u
#define MODEL_RING 512u    /* recent signed transactions kept for resubmission */
#define MODEL_OLD 256u     /* ... and a sample of older ones */
#define MODEL_STRANGERS 4u /* key pairs that never get an account */
#define MODEL_CODES 64u
#define MODEL_KEY MC_PUBLIC_KEY_BYTES

/* ---- deterministic randomness (splitmix64) ------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* ---- a hash map from 32-byte keys (public keys, hashes) to u64 ----------- */

typedef struct map32_slot {
    uint8_t key[32];
    uint64_t value;
    bool used;
} map32_slot;

typedef struct map32 {
    map32_slot *slots;
    size_t cap; /* a power of two */
    size_t count;
} map32;

static void map32_init(map32 *m, size_t cap)
{
    m->slots = calloc(cap, sizeof *m->slots);
    assert_non_null(m->slots);
    m->cap = cap;
    m->count = 0;
}

static map32_slot *map32_slot_of(const map32 *m, const uint8_t key[32])
{
    uint64_t h;
    memcpy(&h, key, sizeof h);
    size_t i = (size_t)(h & (m->cap - 1));
    while (m->slots[i].used && memcmp(m->slots[i].key, key, 32) != 0) {
        i = (i + 1) & (m->cap - 1);
    }
    return &m->slots[i];
}

static void map32_put(map32 *m, const uint8_t key[32], uint64_t value)
{
    if ((m->count + 1) * 2 > m->cap) {
        map32 bigger;
        map32_init(&bigger, m->cap * 2);
        for (size_t i = 0; i < m->cap; i++) {
            if (m->slots[i].used) {
                *map32_slot_of(&bigger, m->slots[i].key) = m->slots[i];
            }
        }
        bigger.count = m->count;
        free(m->slots);
        *m = bigger;
    }
    map32_slot *s = map32_slot_of(m, key);
    if (!s->used) {
        s->used = true;
        memcpy(s->key, key, 32);
        m->count++;
    }
    s->value = value;
}

static bool map32_get(const map32 *m, const uint8_t key[32], uint64_t *value)
{
    const map32_slot *s = map32_slot_of(m, key);
    if (s->used && value != NULL) {
        *value = s->value;
    }
    return s->used;
}

static void map32_free(map32 *m)
{
    free(m->slots);
    m->slots = NULL;
}

/* ---- the reference model ------------------------------------------------- */

typedef struct model_account {
    uint8_t key[MODEL_KEY];
    char handle[MC_HANDLE_LEN_MAX + 1];
    int kind;
    int status;
    int64_t balance;
    mc_limits limits;
    uint64_t opened_height;
    uint64_t limits_height;
    uint64_t last_debit_height;
    uint64_t last_credit_height;
    bool joined;
} model_account;

typedef struct model {
    model_account *accounts;
    size_t count;
    size_t cap;
    map32 by_key;    /* public key -> account index */
    map32 by_handle; /* SHA-256 of the handle -> account index */
    map32 applied;   /* tx id -> height */
    uint64_t height;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint8_t stewards[MODEL_STEWARDS][MODEL_KEY];
    unsigned quorum;
    mc_limits defaults[MC_KIND_COUNT];
} model;

/* What a transaction says, as plain data. */
typedef struct model_tx {
    uint8_t tx_id[MC_TX_ID_BYTES];
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint64_t nonce;
    int64_t not_after;
    mc_tx_kind kind;
    uint8_t signers[MC_TX_SIGS_MAX][MODEL_KEY];
    size_t signer_count;
    uint8_t key[MODEL_KEY];        /* open: the new key; limits, status: the account */
    char handle[MODEL_HANDLE_CAP]; /* open */
    int account_kind;              /* open */
    bool has_limits;               /* open; set_limits always has them */
    mc_limits limits;              /* open, set_limits */
    int status;                    /* set_status */
    uint8_t payer[MODEL_KEY];      /* transfer */
    uint8_t payee[MODEL_KEY];
    int64_t amount;
    uint8_t memo[MODEL_MEMO_CAP];
    size_t memo_len;
    bool has_request_id;
} model_tx;

typedef struct model_result {
    int code;
    bool duplicate;
    uint64_t height;
} model_result;

static void model_handle_key(const char *handle, uint8_t out[32])
{
    mc_sha256((const uint8_t *)handle, strlen(handle), out);
}

/* tx_id = SHA-256("mc/txid/v1" || body). */
static void model_tx_id(const uint8_t *body, size_t len, uint8_t out[MC_TX_ID_BYTES])
{
    size_t domain = strlen(MC_DOMAIN_TXID);
    uint8_t *buf = malloc(domain + len);
    assert_non_null(buf);
    memcpy(buf, MC_DOMAIN_TXID, domain);
    memcpy(buf + domain, body, len);
    mc_sha256(buf, domain + len, out);
    free(buf);
}

static model_account *model_find(const model *m, const uint8_t key[MODEL_KEY])
{
    uint64_t i;
    return map32_get(&m->by_key, key, &i) ? &m->accounts[i] : NULL;
}

static bool model_handle_taken(const model *m, const char *handle)
{
    uint8_t hk[32];
    model_handle_key(handle, hk);
    return map32_get(&m->by_handle, hk, NULL);
}

static bool model_is_steward(const model *m, const uint8_t key[MODEL_KEY])
{
    for (size_t i = 0; i < MODEL_STEWARDS; i++) {
        if (memcmp(m->stewards[i], key, MODEL_KEY) == 0) {
            return true;
        }
    }
    return false;
}

static bool model_signed_by(const model_tx *t, const uint8_t key[MODEL_KEY])
{
    for (size_t i = 0; i < t->signer_count; i++) {
        if (memcmp(t->signers[i], key, MODEL_KEY) == 0) {
            return true;
        }
    }
    return false;
}

/* [a-z0-9_.-]{2,32} */
static bool model_handle_valid(const char *h)
{
    size_t len = strlen(h);
    if (len < MC_HANDLE_LEN_MIN || len > MC_HANDLE_LEN_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

/* RFC 3629 by decoding each code point: no overlong form, no surrogate,
 * nothing above U+10FFFF; NUL refused (mc/text.h). */
static bool model_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t c = s[i];
        size_t len;
        uint32_t least;
        if (c == 0) {
            return false;
        } else if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, c &= 0x1F, least = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, c &= 0x0F, least = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, c &= 0x07, least = 0x10000;
        } else {
            return false;
        }
        if (n - i < len) {
            return false;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return false;
            }
            c = (c << 6) | (s[i + k] & 0x3Fu);
        }
        if (c < least || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
            return false;
        }
        i += len;
    }
    return true;
}

static bool model_limits_valid(mc_limits l)
{
    return l.min_balance <= 0 && 0 <= l.max_balance;
}

static bool model_add_overflows(int64_t a, int64_t b)
{
    return (b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b);
}

static bool model_sub_overflows(int64_t a, int64_t b)
{
    return (b > 0 && a < INT64_MIN + b) || (b < 0 && a > INT64_MAX + b);
}

/* Every signer is a steward (or `also`), then at least `quorum` stewards. */
static int model_steward_rule(const model *m, const model_tx *t, const uint8_t *also)
{
    for (size_t i = 0; i < t->signer_count; i++) {
        bool is_also = also != NULL && memcmp(also, t->signers[i], MODEL_KEY) == 0;
        if (!model_is_steward(m, t->signers[i]) && !is_also) {
            return MC_ERR_NOT_A_STEWARD;
        }
    }
    unsigned stewards = 0;
    for (size_t i = 0; i < t->signer_count; i++) {
        stewards += model_is_steward(m, t->signers[i]) ? 1u : 0u;
    }
    return stewards >= m->quorum ? MC_ERR_OK : MC_ERR_QUORUM_NOT_MET;
}

static int model_transfer_signers(const model *m, const model_tx *t, const model_account *payer)
{
    if (payer->kind == MC_KIND_SYSTEM) {
        return model_steward_rule(m, t, NULL);
    }
    if (!model_signed_by(t, payer->key)) {
        return MC_ERR_MISSING_SIGNATURE;
    }
    for (size_t i = 0; i < t->signer_count; i++) {
        if (memcmp(t->signers[i], payer->key, MODEL_KEY) != 0) {
            return MC_ERR_UNEXPECTED_SIGNER;
        }
    }
    return MC_ERR_OK;
}

static int model_transfer(model *m, const model_tx *t, uint64_t height)
{
    if (memcmp(t->payer, t->payee, MODEL_KEY) == 0) {
        return MC_ERR_SELF_TRANSFER;
    }
    if (t->amount <= 0) {
        return MC_ERR_AMOUNT_NOT_POSITIVE;
    }
    if (t->memo_len > MC_MEMO_LEN_MAX) {
        return MC_ERR_MEMO_TOO_LONG;
    }
    if (!model_utf8_valid(t->memo, t->memo_len)) {
        return MC_ERR_MEMO_NOT_UTF8;
    }
    if (t->has_request_id) {
        return MC_ERR_UNKNOWN_REQUEST;
    }
    model_account *payer = model_find(m, t->payer);
    if (payer == NULL) {
        return MC_ERR_UNKNOWN_PAYER;
    }
    model_account *payee = model_find(m, t->payee);
    if (payee == NULL) {
        return MC_ERR_UNKNOWN_PAYEE;
    }
    int code = model_transfer_signers(m, t, payer);
    if (code != MC_ERR_OK) {
        return code;
    }
    if (payer->status != MC_STATUS_ACTIVE) {
        return payer->status == MC_STATUS_CLOSED ? MC_ERR_PAYER_CLOSED : MC_ERR_PAYER_FROZEN;
    }
    if (payee->status != MC_STATUS_ACTIVE) {
        return payee->status == MC_STATUS_CLOSED ? MC_ERR_PAYEE_CLOSED : MC_ERR_PAYEE_FROZEN;
    }
    if (model_sub_overflows(payer->balance, t->amount) ||
        model_add_overflows(payee->balance, t->amount)) {
        return MC_ERR_AMOUNT_OVERFLOW;
    }
    if (payer->balance - t->amount < payer->limits.min_balance) {
        return MC_ERR_EXCEEDS_CREDIT_LIMIT;
    }
    if (payee->balance + t->amount > payee->limits.max_balance) {
        return MC_ERR_EXCEEDS_CEILING;
    }
    payer->balance -= t->amount;
    payer->last_debit_height = height;
    payee->balance += t->amount;
    payee->last_credit_height = height;
    return MC_ERR_OK;
}

static int model_open(model *m, const model_tx *t, uint64_t height)
{
    if (!model_handle_valid(t->handle)) {
        return MC_ERR_HANDLE_INVALID;
    }
    if (t->account_kind < MC_KIND_MEMBER || t->account_kind > MC_KIND_SYSTEM) {
        return MC_ERR_KIND_INVALID;
    }
    if (t->has_limits && !model_limits_valid(t->limits)) {
        return MC_ERR_LIMITS_INVALID;
    }
    int code = model_steward_rule(m, t, t->key);
    if (code != MC_ERR_OK) {
        return code;
    }
    if (model_find(m, t->key) != NULL) {
        return MC_ERR_ACCOUNT_EXISTS;
    }
    if (model_handle_taken(m, t->handle)) {
        return MC_ERR_HANDLE_TAKEN;
    }
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->accounts = realloc(m->accounts, m->cap * sizeof *m->accounts);
        assert_non_null(m->accounts);
    }
    model_account *a = &m->accounts[m->count];
    memset(a, 0, sizeof *a);
    memcpy(a->key, t->key, MODEL_KEY);
    snprintf(a->handle, sizeof a->handle, "%.*s", (int)MC_HANDLE_LEN_MAX, t->handle); /* valid */
    a->kind = t->account_kind;
    a->status = MC_STATUS_ACTIVE;
    a->limits = t->has_limits ? t->limits : m->defaults[t->account_kind - 1];
    a->opened_height = height;
    a->limits_height = height;
    a->joined = model_signed_by(t, t->key);
    uint8_t hk[32];
    model_handle_key(a->handle, hk);
    map32_put(&m->by_key, a->key, m->count);
    map32_put(&m->by_handle, hk, m->count);
    m->count++;
    return MC_ERR_OK;
}

/* The target of a steward operation: known and not closed. */
static int model_target(const model *m, const model_tx *t, model_account **out)
{
    *out = model_find(m, t->key);
    if (*out == NULL) {
        return MC_ERR_UNKNOWN_ACCOUNT;
    }
    return (*out)->status == MC_STATUS_CLOSED ? MC_ERR_ACCOUNT_CLOSED : MC_ERR_OK;
}

static int model_set_limits(model *m, const model_tx *t, uint64_t height)
{
    model_account *a;
    if (!model_limits_valid(t->limits)) {
        return MC_ERR_LIMITS_INVALID;
    }
    int code = model_steward_rule(m, t, NULL);
    if (code == MC_ERR_OK) {
        code = model_target(m, t, &a);
    }
    if (code == MC_ERR_OK) {
        a->limits = t->limits;
        a->limits_height = height;
    }
    return code;
}

static int model_set_status(model *m, const model_tx *t)
{
    model_account *a;
    if (t->status < MC_STATUS_ACTIVE || t->status > MC_STATUS_CLOSED) {
        return MC_ERR_STATUS_INVALID;
    }
    int code = model_steward_rule(m, t, NULL);
    if (code == MC_ERR_OK) {
        code = model_target(m, t, &a);
    }
    if (code != MC_ERR_OK) {
        return code;
    }
    if (a->status == t->status) {
        return MC_ERR_STATUS_UNCHANGED;
    }
    if (t->status == MC_STATUS_CLOSED && a->balance != 0) {
        return MC_ERR_CLOSE_NONZERO_BALANCE;
    }
    a->status = t->status;
    return MC_ERR_OK;
}

/* The model's answer to `t` at time `now`, applying it when accepted. */
static model_result model_apply(model *m, const model_tx *t, bool verified, int64_t now)
{
    model_result r = {MC_ERR_OK, false, 0};
    uint64_t height = m->height + 1;
    if (!verified) {
        r.code = MC_ERR_NOT_VERIFIED;
    } else if (memcmp(t->ledger_id, m->ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        r.code = MC_ERR_WRONG_LEDGER;
    } else if (map32_get(&m->applied, t->tx_id, &r.height)) {
        r.duplicate = true;
    } else if (t->not_after != 0 && now > t->not_after) {
        r.code = MC_ERR_EXPIRED;
    } else if (t->kind == MC_TX_TRANSFER) {
        r.code = model_transfer(m, t, height);
    } else if (t->kind == MC_TX_OPEN_ACCOUNT) {
        r.code = model_open(m, t, height);
    } else if (t->kind == MC_TX_SET_LIMITS) {
        r.code = model_set_limits(m, t, height);
    } else {
        r.code = model_set_status(m, t);
    }
    if (r.code == MC_ERR_OK && !r.duplicate) {
        m->height = height;
        r.height = height;
        map32_put(&m->applied, t->tx_id, height);
    }
    return r;
}

static size_t model_live(const model *m)
{
    size_t live = 0;
    for (size_t i = 0; i < m->count; i++) {
        live += m->accounts[i].status != MC_STATUS_CLOSED ? 1u : 0u;
    }
    return live;
}

/* ---- the generator ------------------------------------------------------- */

typedef struct gen_key {
    mc_keypair *kp;
    bool owned; /* false: the fixture's steward keys */
} gen_key;

/* A signed transaction kept for resubmission: its exact bytes. */
typedef struct record {
    uint8_t *bytes;
    size_t len;
    model_tx t;
} record;

typedef struct op {
    const char *name;
    size_t idx; /* op index in the run */
    model_tx t;
    const mc_keypair *signers[MC_TX_SIGS_MAX];
    size_t signer_count;
    bool skip_verify; /* apply without mc_tx_verify: NOT_VERIFIED */
    mc_tx *tx;
    model_result expected;
} op;

enum {
    MAL_TRUNCATED,
    MAL_BAD_WIRE_TYPE,
    MAL_EMPTY,
    MAL_EMPTY_BODY,
    MAL_NO_KIND,
    MAL_LEDGER_ID_SIZE,
    MAL_PARTY_KEY_SIZE,
    MAL_OPEN_KEY_SIZE,
    MAL_NO_LIMITS,
    MAL_STATUS_KEY_SIZE,
    MAL_SIG_KEY_SIZE,
    MAL_SIG_SIZE,
    MAL_TOO_MANY_SIGS,
    MAL_SAME_SIGNER,
    MAL_TOO_LARGE,
    MAL_BODY_VARINT,
    MAL_BODY_GARBAGE,
    MAL_COUNT
};

static const char *const MAL_NAMES[MAL_COUNT] = {
    "truncated",      "bad wire type",  "empty",         "empty body",        "no kind",
    "ledger id size", "party key size", "open key size", "no limits",         "status key size",
    "sig key size",   "sig size",       "17 sigs",       "same signer twice", "too large",
    "body as varint", "body garbage"};

#define MODEL_OP_KINDS 40u

typedef struct stats {
    unsigned long codes[MODEL_CODES]; /* ledger results by code, duplicates apart */
    unsigned long duplicates;
    unsigned long malformed[MAL_COUNT];
    unsigned long bad_signature;
    unsigned long ops[MODEL_OP_KINDS];
    unsigned long batches;
    unsigned long applied_to_ledger;
} stats;

typedef struct gen {
    uint64_t seed;
    uint64_t rng;
    mc_fixture f;
    model m;
    gen_key *keys;
    size_t key_count;
    size_t key_cap;
    map32 key_index; /* public key -> keys[] index */
    const mc_keypair *strangers[MODEL_STRANGERS];
    uint64_t nonce;
    int64_t now;
    record ring[MODEL_RING];
    size_t ring_next;
    size_t ring_count;
    record old[MODEL_OLD];
    size_t old_count;
    stats st;
} gen;

enum { OP_SKIP, OP_BUILD, OP_READY, OP_DONE };

static size_t rnd_below(gen *g, size_t n)
{
    return n == 0 ? 0 : (size_t)(splitmix64(&g->rng) % n);
}

/* Uniform in [lo, hi]. */
static int64_t rnd_range(gen *g, int64_t lo, int64_t hi)
{
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    uint64_t r = splitmix64(&g->rng);
    if (span != UINT64_MAX) {
        r %= span + 1;
    }
    return (int64_t)((uint64_t)lo + r);
}

static bool rnd_percent(gen *g, unsigned percent)
{
    return rnd_below(g, 100) < percent;
}

static void rnd_bytes(gen *g, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint8_t)splitmix64(&g->rng);
    }
}

static int64_t sat_sub(int64_t a, int64_t b)
{
    if (b < 0 && a > INT64_MAX + b) {
        return INT64_MAX;
    }
    if (b > 0 && a < INT64_MIN + b) {
        return INT64_MIN;
    }
    return a - b;
}

static void gen_key_add(gen *g, mc_keypair *kp, bool owned)
{
    if (g->key_count == g->key_cap) {
        g->key_cap = g->key_cap ? g->key_cap * 2 : 256;
        g->keys = realloc(g->keys, g->key_cap * sizeof *g->keys);
        assert_non_null(g->keys);
    }
    g->keys[g->key_count] = (gen_key){kp, owned};
    map32_put(&g->key_index, mc_keypair_public(kp), g->key_count);
    g->key_count++;
}

/* A new key pair from the seed. */
static const mc_keypair *gen_key_new(gen *g)
{
    uint8_t seed[MC_SECRET_SEED_BYTES];
    mc_keypair *kp = NULL;
    rnd_bytes(g, seed, sizeof seed);
    assert_int_equal(mc_keypair_from_seed(seed, &kp), MC_ERR_OK);
    memset(seed, 0, sizeof seed);
    gen_key_add(g, kp, true);
    return kp;
}

/* The key pair of `key`, or NULL when we hold none (a key made of random
 * bytes that got an account). */
static const mc_keypair *gen_key_find(const gen *g, const uint8_t key[MODEL_KEY])
{
    uint64_t i;
    return map32_get(&g->key_index, key, &i) ? g->keys[i].kp : NULL;
}

/* ---- picking accounts ---------------------------------------------------- */

typedef bool (*account_filter)(const model_account *a);

static bool f_any(const model_account *a)
{
    (void)a;
    return true;
}
static bool f_open(const model_account *a)
{
    return a->status != MC_STATUS_CLOSED;
}
static bool f_active(const model_account *a)
{
    return a->status == MC_STATUS_ACTIVE;
}
static bool f_active_user(const model_account *a)
{
    return a->status == MC_STATUS_ACTIVE && a->kind != MC_KIND_SYSTEM;
}
static bool f_open_user(const model_account *a)
{
    return a->status != MC_STATUS_CLOSED && a->kind != MC_KIND_SYSTEM;
}
static bool f_system(const model_account *a)
{
    return a->status != MC_STATUS_CLOSED && a->kind == MC_KIND_SYSTEM;
}
static bool f_active_system(const model_account *a)
{
    return a->status == MC_STATUS_ACTIVE && a->kind == MC_KIND_SYSTEM;
}
static bool f_frozen(const model_account *a)
{
    return a->status == MC_STATUS_FROZEN;
}
static bool f_closed(const model_account *a)
{
    return a->status == MC_STATUS_CLOSED;
}
static bool f_zero(const model_account *a)
{
    return a->status != MC_STATUS_CLOSED && a->balance == 0;
}
static bool f_nonzero(const model_account *a)
{
    return a->status != MC_STATUS_CLOSED && a->balance != 0;
}

/* A random model account passing `ok`, other than `except`; NULL if none. */
static model_account *pick(gen *g, account_filter ok, const model_account *except)
{
    size_t n = 0;
    for (size_t i = 0; i < g->m.count; i++) {
        n += &g->m.accounts[i] != except && ok(&g->m.accounts[i]) ? 1u : 0u;
    }
    if (n == 0) {
        return NULL;
    }
    size_t k = rnd_below(g, n);
    for (size_t i = 0; i < g->m.count; i++) {
        if (&g->m.accounts[i] != except && ok(&g->m.accounts[i]) && k-- == 0) {
            return &g->m.accounts[i];
        }
    }
    return NULL;
}

/* Mostly an open account, sometimes any (closed ones included). */
static model_account *pick_party(gen *g, const model_account *except)
{
    model_account *a = rnd_percent(g, 90) ? pick(g, f_open, except) : NULL;
    return a != NULL ? a : pick(g, f_any, except);
}

/* ---- signers ------------------------------------------------------------- */

/* Add `kp` at a random place among the signers, unless already there. */
static void sign_add(gen *g, op *o, const mc_keypair *kp)
{
    if (kp == NULL || o->signer_count == MC_TX_SIGS_MAX) {
        return;
    }
    for (size_t i = 0; i < o->signer_count; i++) {
        if (memcmp(mc_keypair_public(o->signers[i]), mc_keypair_public(kp), MODEL_KEY) == 0) {
            return;
        }
    }
    size_t at = rnd_below(g, o->signer_count + 1);
    memmove(&o->signers[at + 1], &o->signers[at], (o->signer_count - at) * sizeof o->signers[0]);
    o->signers[at] = kp;
    o->signer_count++;
}

/* `count` distinct stewards, in random order. */
static void sign_stewards(gen *g, op *o, size_t count)
{
    size_t order[MODEL_STEWARDS];
    for (size_t i = 0; i < MODEL_STEWARDS; i++) {
        order[i] = i;
    }
    for (size_t i = MODEL_STEWARDS - 1; i > 0; i--) {
        size_t j = rnd_below(g, i + 1), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    for (size_t i = 0; i < count && i < MODEL_STEWARDS; i++) {
        sign_add(g, o, g->f.stewards[order[i]]);
    }
}

static void sign_quorum(gen *g, op *o)
{
    sign_stewards(g, o, MODEL_QUORUM + rnd_below(g, MODEL_STEWARDS - MODEL_QUORUM + 1));
}

static const mc_keypair *stranger(gen *g)
{
    return g->strangers[rnd_below(g, MODEL_STRANGERS)];
}

/* A key pair that is no steward's: an account's or a stranger's. */
static const mc_keypair *non_steward(gen *g, const model_account *except)
{
    const model_account *a = rnd_percent(g, 50) ? pick(g, f_any, except) : NULL;
    const mc_keypair *kp = a != NULL ? gen_key_find(g, a->key) : NULL;
    return kp != NULL && !model_is_steward(&g->m, a->key) ? kp : stranger(g);
}

/* Steward signatures that break the steward rule (or, rarely, do not). */
static void sign_stewards_badly(gen *g, op *o)
{
    switch (rnd_below(g, 4)) {
    case 0:
        break; /* nobody */
    case 1:
        sign_stewards(g, o, MODEL_QUORUM - 1);
        break;
    case 2:
        sign_quorum(g, o);
        sign_add(g, o, non_steward(g, NULL));
        break;
    default:
        sign_add(g, o, non_steward(g, NULL));
        break;
    }
}

/* How the payer signs: a SYSTEM payer by the steward quorum, else itself. */
static void sign_as_payer(gen *g, op *o, const model_account *payer)
{
    if (payer->kind == MC_KIND_SYSTEM) {
        sign_quorum(g, o);
        return;
    }
    const mc_keypair *kp = gen_key_find(g, payer->key);
    sign_add(g, o, kp != NULL ? kp : stranger(g));
}

/* ---- memos and handles --------------------------------------------------- */

static size_t utf8_put(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* A valid code point (no NUL, no surrogate) often at a boundary. */
static uint32_t rnd_code_point(gen *g)
{
    static const uint32_t edges[] = {0x01,   0x7F,   0x80,    0x7FF,    0x800,  0xD7FF,
                                     0xE000, 0xFFFF, 0x10000, 0x10FFFF, 0x20AC, 0xE9};
    if (rnd_percent(g, 25)) {
        return edges[rnd_below(g, sizeof edges / sizeof edges[0])];
    }
    switch (rnd_below(g, 4)) {
    case 0:
        return (uint32_t)rnd_range(g, 0x20, 0x7E);
    case 1:
        return (uint32_t)rnd_range(g, 0x80, 0x7FF);
    case 2: {
        uint32_t cp = (uint32_t)rnd_range(g, 0x800, 0xFFFF - 0x800);
        return cp >= 0xD800 ? cp + 0x800 : cp; /* skip the surrogates */
    }
    default:
        return (uint32_t)rnd_range(g, 0x10000, 0x10FFFF);
    }
}

/* Exactly `len` bytes of valid UTF-8 into `out`. */
static void memo_fill(gen *g, uint8_t *out, size_t len)
{
    size_t i = 0;
    bool ascii = rnd_percent(g, 40);
    while (i < len) {
        uint8_t buf[4];
        size_t n = utf8_put(ascii ? (uint32_t)rnd_range(g, 0x20, 0x7E) : rnd_code_point(g), buf);
        if (n > len - i) {
            n = utf8_put((uint32_t)rnd_range(g, 0x20, 0x7E), buf);
        }
        memcpy(out + i, buf, n);
        i += n;
    }
}

static void memo_insert(model_tx *t, size_t at, const uint8_t *bytes, size_t n)
{
    assert_true(t->memo_len + n <= MODEL_MEMO_CAP && at <= t->memo_len);
    memmove(t->memo + at + n, t->memo + at, t->memo_len - at);
    memcpy(t->memo + at, bytes, n);
    t->memo_len += n;
}

/* Byte sequences that are not UTF-8 (overlong, surrogate, too high,
 * truncated, stray continuation, NUL). */
static const struct {
    uint8_t b[4];
    size_t n;
} BAD_UTF8[] = {
    {{0x80}, 1},
    {{0xBF}, 1},
    {{0xC0, 0xAF}, 2},
    {{0xC1, 0xBF}, 2},
    {{0xE0, 0x80, 0x80}, 3},
    {{0xE0, 0x9F, 0xBF}, 3},
    {{0xED, 0xA0, 0x80}, 3},
    {{0xED, 0xBF, 0xBF}, 3},
    {{0xF0, 0x80, 0x80, 0x80}, 4},
    {{0xF0, 0x8F, 0xBF, 0xBF}, 4},
    {{0xF4, 0x90, 0x80, 0x80}, 4},
    {{0xF5, 0x80, 0x80, 0x80}, 4},
    {{0xF8, 0x88, 0x80, 0x80}, 4},
    {{0xFE}, 1},
    {{0xFF}, 1},
    {{0xC3}, 1},
    {{0xE2, 0x82}, 2},
    {{0xF0, 0x9F, 0x98}, 3},
    {{0xE2, 0x28, 0xA1}, 3},
    {{0xC3, 0x28}, 2},
    {{0x00}, 1},
};

static void memo_break(gen *g, model_tx *t)
{
    size_t k = rnd_below(g, sizeof BAD_UTF8 / sizeof BAD_UTF8[0]);
    memo_insert(t, rnd_below(g, t->memo_len + 1), BAD_UTF8[k].b, BAD_UTF8[k].n);
}

/* A memo of one of several shapes; the model decides what it is. */
static void memo_random(gen *g, model_tx *t)
{
    size_t variant = rnd_below(g, 7);
    switch (variant) {
    case 0: /* valid */
        t->memo_len = rnd_below(g, MC_MEMO_LEN_MAX + 1);
        break;
    case 1: /* valid, at the limit */
        t->memo_len = MC_MEMO_LEN_MAX;
        break;
    case 2: /* too long, often by one byte */
        t->memo_len = MC_MEMO_LEN_MAX + 1 + (rnd_percent(g, 50) ? 0 : rnd_below(g, 60));
        break;
    case 3: /* made invalid below, within the limit */
    case 4:
        t->memo_len = rnd_below(g, MC_MEMO_LEN_MAX - 3);
        break;
    case 5: /* too long and invalid */
        t->memo_len = MC_MEMO_LEN_MAX + 1 + (rnd_percent(g, 50) ? 0 : rnd_below(g, 40));
        break;
    default: /* random bytes */
        t->memo_len = rnd_below(g, MC_MEMO_LEN_MAX + 1);
        rnd_bytes(g, t->memo, t->memo_len);
        return;
    }
    memo_fill(g, t->memo, t->memo_len);
    if (variant >= 3) {
        memo_break(g, t);
    }
}

static const char HANDLE_CHARS[] = "abcdefghijklmnopqrstuvwxyz0123456789_.-";

static void handle_chars(gen *g, char *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = HANDLE_CHARS[rnd_below(g, sizeof HANDLE_CHARS - 1)];
    }
    out[len] = '\0';
}

/* A valid handle, sometimes short enough to collide. */
static void handle_fresh(gen *g, char out[MODEL_HANDLE_CAP])
{
    size_t len = rnd_percent(g, 5)   ? MC_HANDLE_LEN_MIN
                 : rnd_percent(g, 5) ? MC_HANDLE_LEN_MAX
                                     : (size_t)rnd_range(g, 3, MC_HANDLE_LEN_MAX);
    handle_chars(g, out, len);
}

static void handle_invalid(gen *g, char out[MODEL_HANDLE_CAP])
{
    static const char *const bad[] = {"A", " ", "@", "/", "+", "~", "\xc3\xa9", "\t", "!", "Z"};
    size_t len = (size_t)rnd_range(g, 2, 20);
    switch (rnd_below(g, 5)) {
    case 0:
        handle_chars(g, out, rnd_below(g, MC_HANDLE_LEN_MIN)); /* "" or one char */
        return;
    case 1:
        handle_chars(g, out, MC_HANDLE_LEN_MAX + 1 + (rnd_percent(g, 50) ? 0 : rnd_below(g, 8)));
        return;
    default: {
        char tail[MODEL_HANDLE_CAP];
        handle_chars(g, out, len);
        size_t at = rnd_below(g, len + 1);
        snprintf(tail, sizeof tail, "%s", out + at);
        snprintf(out + at, MODEL_HANDLE_CAP - at, "%s%s", bad[rnd_below(g, 10)], tail);
        return;
    }
    }
}

/* ---- transfers ----------------------------------------------------------- */

static void transfer_set(gen *g, op *o, const uint8_t payer[MODEL_KEY],
                         const uint8_t payee[MODEL_KEY], int64_t amount)
{
    o->t.kind = MC_TX_TRANSFER;
    memcpy(o->t.payer, payer, MODEL_KEY);
    memcpy(o->t.payee, payee, MODEL_KEY);
    o->t.amount = amount;
    o->t.memo_len = rnd_percent(g, 50) ? 0 : rnd_below(g, 24);
    memo_fill(g, o->t.memo, o->t.memo_len);
}

/* The most `payer` can pay `payee` within both limits (may be <= 0). */
static int64_t transfer_room(const model_account *payer, const model_account *payee)
{
    int64_t room = sat_sub(payer->balance, payer->limits.min_balance);
    int64_t room_payee = sat_sub(payee->limits.max_balance, payee->balance);
    return room_payee < room ? room_payee : room;
}

static int op_transfer_fit(gen *g, op *o)
{
    model_account *payer = pick(g, f_active, NULL);
    model_account *payee = pick(g, f_active, payer);
    if (payer == NULL || payee == NULL) {
        return OP_SKIP;
    }
    int64_t room = transfer_room(payer, payee);
    int64_t amount = room >= 1 ? rnd_range(g, 1, room < 300 ? room : 300) : rnd_range(g, 1, 10);
    transfer_set(g, o, payer->key, payee->key, amount);
    sign_as_payer(g, o, payer);
    return OP_BUILD;
}

static int op_transfer_random(gen *g, op *o)
{
    model_account *payer = pick_party(g, NULL);
    model_account *payee = pick_party(g, payer);
    if (payer == NULL || payee == NULL) {
        return OP_SKIP;
    }
    transfer_set(g, o, payer->key, payee->key, rnd_range(g, 1, 250));
    sign_as_payer(g, o, payer);
    return OP_BUILD;
}

/* Just past what the payer may pay. */
static int op_transfer_credit(gen *g, op *o)
{
    model_account *payer = pick(g, f_active_user, NULL);
    model_account *payee = pick(g, f_active, payer);
    if (payer == NULL || payee == NULL) {
        return OP_SKIP;
    }
    int64_t room = sat_sub(payer->balance, payer->limits.min_balance);
    int64_t amount = rnd_range(g, 1, 20);
    if (room >= 0 && room < INT64_MAX - 100) {
        amount += room;
    }
    transfer_set(g, o, payer->key, payee->key, amount);
    sign_as_payer(g, o, payer);
    return OP_BUILD;
}

/* Just past what the payee may receive; often from a SYSTEM payer, whose
 * credit is unlimited by default. */
static int op_transfer_ceiling(gen *g, op *o)
{
    model_account *payee = pick(g, f_active, NULL);
    model_account *payer = rnd_percent(g, 50) ? pick(g, f_active_system, payee) : NULL;
    payer = payer != NULL ? payer : pick(g, f_active, payee);
    if (payer == NULL || payee == NULL) {
        return OP_SKIP;
    }
    int64_t room = sat_sub(payee->limits.max_balance, payee->balance);
    int64_t amount = rnd_range(g, 1, 20);
    if (room >= 0 && room < INT64_MAX - 100) {
        amount += room;
    }
    transfer_set(g, o, payer->key, payee->key, amount);
    sign_as_payer(g, o, payer);
    return OP_BUILD;
}

/* Bring an account back to zero (so that it may close). */
static int op_transfer_settle(gen *g, op *o)
{
    model_account *a = pick(g, f_nonzero, NULL);
    model_account *other = pick(g, f_active, a);
    if (a == NULL || other == NULL || a->balance == INT64_MIN) {
        return OP_SKIP;
    }
    model_account *payer = a->balance > 0 ? a : other;
    model_account *payee = a->balance > 0 ? other : a;
    transfer_set(g, o, payer->key, payee->key, a->balance > 0 ? a->balance : -a->balance);
    sign_as_payer(g, o, payer);
    return OP_BUILD;
}

static int op_transfer_self(gen *g, op *o)
{
    model_account *a = pick_party(g, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    transfer_set(g, o, a->key, a->key, rnd_range(g, -5, 100));
    sign_as_payer(g, o, a);
    return OP_BUILD;
}

static int op_transfer_nonpositive(gen *g, op *o)
{
    static const int64_t amounts[] = {0, -1, -100, INT64_MIN, INT64_MIN + 1};
    int64_t amount = amounts[rnd_below(g, sizeof amounts / sizeof amounts[0])];
    model_account *payer = pick_party(g, NULL);
    model_account *payee = pick_party(g, payer);
    if (payer != NULL && payee != NULL && rnd_percent(g, 50)) {
        transfer_set(g, o, payer->key, payee->key, amount);
        sign_as_payer(g, o, payer);
        return OP_BUILD;
    }
    /* Between unknown keys: the amount is checked before the parties. */
    uint8_t payer_key[MODEL_KEY], payee_key[MODEL_KEY];
    rnd_bytes(g, payer_key, sizeof payer_key);
    rnd_bytes(g, payee_key, sizeof payee_key);
    transfer_set(g, o, payer_key, payee_key, amount);
    sign_add(g, o, stranger(g));
    return OP_BUILD;
}

static int op_transfer_unknown_payer(gen *g, op *o)
{
    const mc_keypair *s = stranger(g);
    model_account *payee = rnd_percent(g, 70) ? pick_party(g, NULL) : NULL;
    uint8_t unknown[MODEL_KEY];
    rnd_bytes(g, unknown, sizeof unknown);
    transfer_set(g, o, mc_keypair_public(s), payee != NULL ? payee->key : unknown,
                 rnd_range(g, 1, 100));
    sign_add(g, o, s);
    return OP_BUILD;
}

static int op_transfer_unknown_payee(gen *g, op *o)
{
    model_account *payer = pick_party(g, NULL);
    if (payer == NULL) {
        return OP_SKIP;
    }
    uint8_t unknown[MODEL_KEY];
    rnd_bytes(g, unknown, sizeof unknown);
    transfer_set(g, o, payer->key, unknown, rnd_range(g, 1, 100));
    sign_as_payer(g, o, payer);
    return OP_BUILD;
}

static int op_transfer_memo(gen *g, op *o)
{
    if (op_transfer_fit(g, o) == OP_SKIP) {
        return OP_SKIP;
    }
    memo_random(g, &o->t);
    return OP_BUILD;
}

/* A request_id (payment requests do not exist yet): UNKNOWN_REQUEST. */
static int op_transfer_request(gen *g, op *o)
{
    if (op_transfer_fit(g, o) == OP_SKIP) {
        return OP_SKIP;
    }
    o->t.has_request_id = true;
    if (rnd_percent(g, 20)) {
        memo_random(g, &o->t);
    }
    return OP_BUILD;
}

/* A member's payment signed by the wrong set of keys. */
static int op_transfer_signers(gen *g, op *o)
{
    model_account *payer = pick(g, f_open_user, NULL);
    model_account *payee = pick(g, f_open, payer);
    if (payer == NULL || payee == NULL) {
        return OP_SKIP;
    }
    transfer_set(g, o, payer->key, payee->key, rnd_range(g, 1, 100));
    const mc_keypair *own = gen_key_find(g, payer->key);
    switch (rnd_below(g, 5)) {
    case 0:
        break; /* no signature */
    case 1:
        sign_add(g, o, non_steward(g, payer));
        break;
    case 2:
        sign_add(g, o, own);
        sign_add(g, o, non_steward(g, payer));
        break;
    case 3:
        sign_add(g, o, own);
        sign_stewards(g, o, 1);
        break;
    default:
        sign_quorum(g, o);
        break;
    }
    return OP_BUILD;
}

/* A SYSTEM payer: the steward rule, with good and bad signer sets. */
static int op_transfer_system(gen *g, op *o)
{
    model_account *payer = pick(g, f_system, NULL);
    model_account *payee = pick_party(g, payer);
    if (payer == NULL || payee == NULL) {
        return OP_SKIP;
    }
    int64_t room = transfer_room(payer, payee);
    bool fit = room >= 1 && rnd_percent(g, 50);
    transfer_set(g, o, payer->key, payee->key,
                 fit ? rnd_range(g, 1, room < 300 ? room : 300) : rnd_range(g, 1, 300));
    const mc_keypair *own = gen_key_find(g, payer->key);
    size_t variant = rnd_below(g, 10);
    if (variant < 5) {
        sign_quorum(g, o);
    } else if (variant == 5) {
        sign_stewards(g, o, 1);
    } else if (variant == 6) {
        sign_add(g, o, own);
    } else if (variant == 7) {
        sign_quorum(g, o);
        sign_add(g, o, own);
    } else if (variant == 9) {
        sign_quorum(g, o);
        sign_add(g, o, non_steward(g, payer));
    } /* 8: unsigned */
    return OP_BUILD;
}

/* Amounts near INT64_MAX: AMOUNT_OVERFLOW wherever a balance is not 0. */
static int op_transfer_huge(gen *g, op *o)
{
    model_account *payer = pick_party(g, NULL);
    model_account *payee = pick_party(g, payer);
    if (payer == NULL || payee == NULL) {
        return OP_SKIP;
    }
    int64_t amount = rnd_percent(g, 50) ? INT64_MAX - rnd_range(g, 0, 3)
                                        : rnd_range(g, INT64_MAX / 2, INT64_MAX);
    transfer_set(g, o, payer->key, payee->key, amount);
    sign_as_payer(g, o, payer);
    return OP_BUILD;
}

/* ---- openings ------------------------------------------------------------ */

static int rnd_kind(gen *g)
{
    size_t r = rnd_below(g, 100);
    return r < 50   ? MC_KIND_MEMBER
           : r < 70 ? MC_KIND_BUSINESS
           : r < 85 ? MC_KIND_COMMONS
                    : MC_KIND_SYSTEM;
}

/* Valid limits: mostly small, sometimes the edges. */
static mc_limits rnd_limits(gen *g)
{
    mc_limits l = {-rnd_range(g, 0, 400), rnd_range(g, 0, 600)};
    switch (rnd_below(g, 20)) {
    case 0:
        l.min_balance = 0;
        break;
    case 1:
        l.max_balance = 0;
        break;
    case 2:
        l.min_balance = INT64_MIN;
        break;
    case 3:
        l.max_balance = INT64_MAX;
        break;
    default:
        break;
    }
    return l;
}

static mc_limits rnd_bad_limits(gen *g)
{
    mc_limits l = rnd_limits(g);
    switch (rnd_below(g, 5)) {
    case 0:
        l.min_balance = rnd_range(g, 1, 500);
        break;
    case 1:
        l.max_balance = -rnd_range(g, 1, 500);
        break;
    case 2:
        l = (mc_limits){rnd_range(g, 1, 500), -rnd_range(g, 1, 500)};
        break;
    case 3:
        l.min_balance = INT64_MAX;
        break;
    default:
        l.max_balance = INT64_MIN;
        break;
    }
    return l;
}

static void open_set(gen *g, op *o, const uint8_t key[MODEL_KEY], const char *handle, int kind)
{
    o->t.kind = MC_TX_OPEN_ACCOUNT;
    memcpy(o->t.key, key, MODEL_KEY);
    snprintf(o->t.handle, sizeof o->t.handle, "%s", handle);
    o->t.account_kind = kind;
    o->t.has_limits = !rnd_percent(g, 20);
    if (o->t.has_limits) {
        o->t.limits = rnd_limits(g);
    }
}

static int op_open_valid(gen *g, op *o)
{
    const mc_keypair *kp = gen_key_new(g);
    char handle[MODEL_HANDLE_CAP];
    handle_fresh(g, handle);
    open_set(g, o, mc_keypair_public(kp), handle, rnd_kind(g));
    sign_quorum(g, o);
    if (rnd_percent(g, 30)) {
        sign_add(g, o, kp); /* a join request: the new key co-signs */
    }
    return OP_BUILD;
}

static int op_open_dup_key(gen *g, op *o)
{
    model_account *a = pick(g, f_any, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    char handle[MODEL_HANDLE_CAP];
    handle_fresh(g, handle);
    open_set(g, o, a->key, handle, rnd_kind(g));
    sign_quorum(g, o);
    if (rnd_percent(g, 30)) {
        sign_add(g, o, gen_key_find(g, a->key));
    }
    return OP_BUILD;
}

static int op_open_taken_handle(gen *g, op *o)
{
    model_account *a = pick(g, f_any, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    uint8_t key[MODEL_KEY];
    rnd_bytes(g, key, sizeof key);
    open_set(g, o, key, a->handle, rnd_kind(g));
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_open_bad_handle(gen *g, op *o)
{
    uint8_t key[MODEL_KEY];
    char handle[MODEL_HANDLE_CAP];
    rnd_bytes(g, key, sizeof key);
    handle_invalid(g, handle);
    open_set(g, o, key, handle, rnd_kind(g));
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_open_bad_kind(gen *g, op *o)
{
    static const int kinds[] = {0, 5, 6, 42, 1000, -1};
    uint8_t key[MODEL_KEY];
    char handle[MODEL_HANDLE_CAP];
    rnd_bytes(g, key, sizeof key);
    handle_fresh(g, handle);
    open_set(g, o, key, handle, kinds[rnd_below(g, 6)]);
    sign_quorum(g, o);
    return OP_BUILD;
}

/* Custom limits: invalid ones, or valid extremes for a real new key. */
static int op_open_limits(gen *g, op *o)
{
    bool bad = rnd_percent(g, 60);
    uint8_t key[MODEL_KEY];
    char handle[MODEL_HANDLE_CAP];
    if (bad) {
        rnd_bytes(g, key, sizeof key);
    } else {
        memcpy(key, mc_keypair_public(gen_key_new(g)), MODEL_KEY);
    }
    handle_fresh(g, handle);
    open_set(g, o, key, handle, rnd_kind(g));
    o->t.has_limits = true;
    if (bad) {
        o->t.limits = rnd_bad_limits(g);
    } else {
        static const mc_limits edges[] = {
            {0, 0}, {INT64_MIN, INT64_MAX}, {INT64_MIN, 0}, {0, INT64_MAX}, {-1, 1}};
        o->t.limits = edges[rnd_below(g, 5)];
    }
    sign_quorum(g, o);
    return OP_BUILD;
}

/* Too few stewards, or a signer who is neither a steward nor the new key. */
static int op_open_signers(gen *g, op *o)
{
    size_t j = rnd_below(g, MODEL_STRANGERS);
    const mc_keypair *joiner = g->strangers[j], *other = non_steward(g, NULL);
    if (other == joiner) {
        other = g->strangers[(j + 1) % MODEL_STRANGERS]; /* else the open would succeed */
    }
    char handle[MODEL_HANDLE_CAP];
    handle_fresh(g, handle);
    open_set(g, o, mc_keypair_public(joiner), handle, rnd_kind(g));
    switch (rnd_below(g, 5)) {
    case 0:
        break;
    case 1:
        sign_stewards(g, o, MODEL_QUORUM - 1);
        sign_add(g, o, joiner);
        break;
    case 2:
        sign_quorum(g, o);
        sign_add(g, o, other);
        if (rnd_percent(g, 50)) {
            sign_add(g, o, joiner);
        }
        break;
    case 3:
        sign_add(g, o, joiner);
        break;
    default:
        sign_stewards(g, o, MODEL_QUORUM - 1);
        break;
    }
    return OP_BUILD;
}

/* An account for a steward's own key: its signature counts as a steward's. */
static int op_open_steward_key(gen *g, op *o)
{
    const mc_keypair *s = g->f.stewards[rnd_below(g, MODEL_STEWARDS)];
    char handle[MODEL_HANDLE_CAP];
    handle_fresh(g, handle);
    open_set(g, o, mc_keypair_public(s), handle, rnd_kind(g));
    if (rnd_percent(g, 50)) {
        sign_add(g, o, s);
        sign_stewards(g, o, rnd_below(g, MODEL_STEWARDS) + 1);
    } else {
        sign_quorum(g, o);
    }
    return OP_BUILD;
}

/* ---- limits and status --------------------------------------------------- */

static void limits_set(op *o, const uint8_t key[MODEL_KEY], mc_limits l)
{
    o->t.kind = MC_TX_SET_LIMITS;
    memcpy(o->t.key, key, MODEL_KEY);
    o->t.limits = l;
    o->t.has_limits = true;
}

static void status_set(op *o, const uint8_t key[MODEL_KEY], int status)
{
    o->t.kind = MC_TX_SET_STATUS;
    memcpy(o->t.key, key, MODEL_KEY);
    o->t.status = status;
}

/* An unknown key, or a closed account's. */
static void target_gone(gen *g, uint8_t key[MODEL_KEY])
{
    model_account *a = rnd_percent(g, 50) ? pick(g, f_closed, NULL) : NULL;
    if (a != NULL) {
        memcpy(key, a->key, MODEL_KEY);
    } else {
        rnd_bytes(g, key, MODEL_KEY);
    }
}

static int op_limits_valid(gen *g, op *o)
{
    model_account *a = rnd_percent(g, 90) ? pick(g, f_open, NULL) : pick(g, f_any, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    limits_set(o, a->key, rnd_limits(g));
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_limits_invalid(gen *g, op *o)
{
    model_account *a = pick(g, f_any, NULL);
    uint8_t key[MODEL_KEY];
    target_gone(g, key);
    limits_set(o, a != NULL && rnd_percent(g, 70) ? a->key : key, rnd_bad_limits(g));
    if (rnd_percent(g, 70)) {
        sign_quorum(g, o);
    } else {
        sign_stewards_badly(g, o);
    }
    return OP_BUILD;
}

/* Limits past the balance: allowed, they block further payments that way. */
static int op_limits_below(gen *g, op *o)
{
    model_account *a = pick(g, f_nonzero, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    mc_limits l = a->limits;
    if (a->balance < 0) {
        l.min_balance = rnd_range(g, a->balance + 1, 0);
    } else {
        l.max_balance = rnd_range(g, 0, a->balance - 1);
    }
    limits_set(o, a->key, l);
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_limits_target(gen *g, op *o)
{
    uint8_t key[MODEL_KEY];
    target_gone(g, key);
    limits_set(o, key, rnd_limits(g));
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_limits_signers(gen *g, op *o)
{
    model_account *a = pick(g, f_open, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    limits_set(o, a->key, rnd_limits(g));
    sign_stewards_badly(g, o);
    return OP_BUILD;
}

static int op_status_freeze(gen *g, op *o)
{
    model_account *a = pick(g, f_active, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    status_set(o, a->key, MC_STATUS_FROZEN);
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_status_unfreeze(gen *g, op *o)
{
    model_account *a = pick(g, f_frozen, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    status_set(o, a->key, MC_STATUS_ACTIVE);
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_status_close_zero(gen *g, op *o)
{
    model_account *a = pick(g, f_zero, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    status_set(o, a->key, MC_STATUS_CLOSED);
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_status_close_nonzero(gen *g, op *o)
{
    model_account *a = pick(g, f_nonzero, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    status_set(o, a->key, MC_STATUS_CLOSED);
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_status_unchanged(gen *g, op *o)
{
    model_account *a = pick(g, f_open, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    status_set(o, a->key, a->status);
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_status_target(gen *g, op *o)
{
    uint8_t key[MODEL_KEY];
    target_gone(g, key);
    status_set(o, key, (int)rnd_range(g, MC_STATUS_ACTIVE, MC_STATUS_CLOSED));
    sign_quorum(g, o);
    return OP_BUILD;
}

static int op_status_invalid(gen *g, op *o)
{
    static const int statuses[] = {0, 4, 5, 99, -1};
    model_account *a = pick(g, f_any, NULL);
    uint8_t key[MODEL_KEY];
    target_gone(g, key);
    status_set(o, a != NULL && rnd_percent(g, 70) ? a->key : key, statuses[rnd_below(g, 5)]);
    if (rnd_percent(g, 70)) {
        sign_quorum(g, o);
    } else {
        sign_stewards_badly(g, o);
    }
    return OP_BUILD;
}

static int op_status_signers(gen *g, op *o)
{
    model_account *a = pick(g, f_open, NULL);
    if (a == NULL) {
        return OP_SKIP;
    }
    status_set(o, a->key, a->status == MC_STATUS_ACTIVE ? MC_STATUS_FROZEN : MC_STATUS_ACTIVE);
    sign_stewards_badly(g, o);
    return OP_BUILD;
}

/* ---- failures ------------------------------------------------------------ */

static void key_name(const gen *g, const uint8_t key[MODEL_KEY], char *out, size_t len)
{
    const model_account *a = model_find(&g->m, key);
    char hex[9];
    mc_hex_encode(key, 4, hex);
    for (size_t i = 0; i < MODEL_STEWARDS; i++) {
        if (memcmp(mc_keypair_public(g->f.stewards[i]), key, MODEL_KEY) == 0) {
            snprintf(out, len, "steward%zu%s%s", i, a ? "/" : "", a ? a->handle : "");
            return;
        }
    }
    snprintf(out, len, "%s%s", a ? a->handle : "?", a ? "" : hex);
}

static void op_describe(const gen *g, const op *o, char *buf, size_t len)
{
    const model_tx *t = &o->t;
    char a[64], b[64];
    size_t n = 0;
    if (t->kind == MC_TX_TRANSFER) {
        key_name(g, t->payer, a, sizeof a);
        key_name(g, t->payee, b, sizeof b);
        n += (size_t)snprintf(buf, len, "transfer %s -> %s amount %" PRId64 ", memo %zu bytes%s", a,
                              b, t->amount, t->memo_len, t->has_request_id ? ", request_id" : "");
    } else if (t->kind == MC_TX_OPEN_ACCOUNT) {
        key_name(g, t->key, a, sizeof a);
        n += (size_t)snprintf(buf, len, "open key %s handle \"%s\" kind %d limits ", a, t->handle,
                              t->account_kind);
        if (t->has_limits) {
            n += (size_t)snprintf(buf + n, len - n, "%" PRId64 "..%" PRId64, t->limits.min_balance,
                                  t->limits.max_balance);
        } else {
            n += (size_t)snprintf(buf + n, len - n, "default");
        }
    } else if (t->kind == MC_TX_SET_LIMITS) {
        key_name(g, t->key, a, sizeof a);
        n += (size_t)snprintf(buf, len, "set_limits %s %" PRId64 "..%" PRId64, a,
                              t->limits.min_balance, t->limits.max_balance);
    } else {
        key_name(g, t->key, a, sizeof a);
        n += (size_t)snprintf(buf, len, "set_status %s -> %d", a, t->status);
    }
    for (size_t i = 0; i < t->signer_count && n < len; i++) {
        key_name(g, t->signers[i], a, sizeof a);
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i == 0 ? ", signed by " : " ", a);
    }
    if (n < len) {
        snprintf(buf + n, len - n, "%s, not_after %" PRId64 "%s%s",
                 t->signer_count == 0 ? ", unsigned" : "", t->not_after,
                 memcmp(t->ledger_id, g->m.ledger_id, MC_LEDGER_ID_BYTES) ? ", other ledger" : "",
                 o->skip_verify ? ", not verified" : "");
    }
}

/* Fail the test, naming the op, the codes (none when -1) and the seed. */
static void op_fail(const gen *g, const op *o, const char *what, int expected, int got)
{
    char desc[1024];
    op_describe(g, o, desc, sizeof desc);
    print_error("model test: op %zu (%s: %s): %s%s%s%s%s\n"
                "model test: seed %" PRIu64 " (replay with MC_MODEL_SEED=%" PRIu64 ")\n",
                o->idx, o->name, desc, what, expected < 0 ? "" : ": expected ",
                expected < 0 ? "" : mc_err_name(expected), got < 0 ? "" : ", got ",
                got < 0 ? "" : mc_err_name(got), g->seed, g->seed);
    fail();
}

/* ---- building, decoding and resubmitting --------------------------------- */

static mc_body body_of(const model_tx *t)
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, t->ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = t->nonce;
    b.not_after = t->not_after;
    b.kind = t->kind;
    if (t->kind == MC_TX_OPEN_ACCOUNT) {
        memcpy(b.u.open_account.public_key, t->key, MODEL_KEY);
        b.u.open_account.handle = t->handle;
        b.u.open_account.kind = (mc_account_kind)t->account_kind;
        b.u.open_account.has_limits = t->has_limits;
        b.u.open_account.limits = t->limits;
    } else if (t->kind == MC_TX_TRANSFER) {
        memcpy(b.u.transfer.payer, t->payer, MODEL_KEY);
        memcpy(b.u.transfer.payee, t->payee, MODEL_KEY);
        b.u.transfer.amount = t->amount;
        b.u.transfer.memo = t->memo_len > 0 ? t->memo : NULL;
        b.u.transfer.memo_len = t->memo_len;
    } else if (t->kind == MC_TX_SET_LIMITS) {
        memcpy(b.u.set_limits.account, t->key, MODEL_KEY);
        b.u.set_limits.limits = t->limits;
    } else {
        memcpy(b.u.set_status.account, t->key, MODEL_KEY);
        b.u.set_status.status = (mc_account_status)t->status;
    }
    return b;
}

/* Protobuf wire bytes by hand, for what mc_body_encode() cannot say. */
typedef struct pb {
    uint8_t *buf;
    size_t len;
    size_t cap;
} pb;

static void pb_raw(pb *p, const void *data, size_t n)
{
    if (p->len + n > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        while (cap < p->len + n) {
            cap *= 2;
        }
        p->buf = realloc(p->buf, cap);
        assert_non_null(p->buf);
        p->cap = cap;
    }
    if (n > 0) {
        memcpy(p->buf + p->len, data, n);
    }
    p->len += n;
}

static void pb_varint(pb *p, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v != 0) {
            b[n] = (uint8_t)(b[n] | 0x80);
        }
        n++;
    } while (v != 0);
    pb_raw(p, b, n);
}

static void pb_key(pb *p, unsigned field, unsigned wire_type)
{
    pb_varint(p, ((uint64_t)field << 3) | wire_type);
}

static void pb_bytes_field(pb *p, unsigned field, const void *data, size_t n)
{
    pb_key(p, field, 2);
    pb_varint(p, n);
    pb_raw(p, data, n);
}

static void pb_varint_field(pb *p, unsigned field, uint64_t v)
{
    pb_key(p, field, 0);
    pb_varint(p, v);
}

static void pb_free(pb *p)
{
    free(p->buf);
    memset(p, 0, sizeof *p);
}

typedef struct raw_sig {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *sig;
    size_t sig_len;
} raw_sig;

/* SignedTx { bytes body = 1; repeated Signature { key = 1; sig = 2 } sigs = 2; } */
static void encode_sigs(pb *out, const raw_sig *sigs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pb inner = {0};
        pb_bytes_field(&inner, 1, sigs[i].key, sigs[i].key_len);
        pb_bytes_field(&inner, 2, sigs[i].sig, sigs[i].sig_len);
        pb_bytes_field(out, 2, inner.buf, inner.len);
        pb_free(&inner);
    }
}

static void encode_signed(pb *out, const uint8_t *body, size_t body_len, const raw_sig *sigs,
                          size_t n)
{
    pb_bytes_field(out, 1, body, body_len);
    encode_sigs(out, sigs, n);
}

/* TxBody's common fields, then `kind_field` holding `inner`. */
static void encode_body(pb *out, const uint8_t *ledger_id, size_t id_len, const model_tx *t,
                        unsigned kind_field, const pb *inner)
{
    pb_bytes_field(out, 1, ledger_id, id_len);
    pb_varint_field(out, 2, t->nonce);
    if (t->not_after != 0) {
        pb_varint_field(out, 3, (uint64_t)t->not_after);
    }
    if (kind_field != 0) {
        pb_bytes_field(out, kind_field, inner->buf, inner->len);
    }
}

/* A Transfer body, with a request_id when `t` says so. Payer and payee
 * keys of `key_len` bytes (32 unless malformed on purpose). */
static void encode_transfer(pb *out, const model_tx *t, size_t key_len)
{
    static const uint8_t request_id[] = "request-1";
    pb inner = {0};
    pb_bytes_field(&inner, 1, t->payer, key_len);
    pb_bytes_field(&inner, 2, t->payee, MODEL_KEY);
    if (t->amount != 0) {
        pb_varint_field(&inner, 3, (uint64_t)t->amount);
    }
    if (t->memo_len > 0) {
        pb_bytes_field(&inner, 4, t->memo, t->memo_len);
    }
    if (t->has_request_id) {
        pb_bytes_field(&inner, 5, request_id, sizeof request_id - 1);
    }
    encode_body(out, t->ledger_id, MC_LEDGER_ID_BYTES, t, 11, &inner);
    pb_free(&inner);
}

/* Decode bytes that must decode, check the tx id and (unless asked not to)
 * verify. */
static mc_tx *decode_checked(const gen *g, const op *o, const uint8_t *bytes, size_t len)
{
    mc_tx *tx = NULL;
    int rc = mc_tx_decode(bytes, len, &tx);
    if (rc != MC_ERR_OK) {
        op_fail(g, o, "mc_tx_decode", MC_ERR_OK, rc);
    }
    if (memcmp(mc_tx_id_of(tx), o->t.tx_id, MC_TX_ID_BYTES) != 0) {
        op_fail(g, o, "mc_tx_id_of() is not SHA-256(\"mc/txid/v1\" || body)", -1, -1);
    }
    if (!o->skip_verify) {
        rc = mc_tx_verify(tx);
        if (rc != MC_ERR_OK) {
            op_fail(g, o, "mc_tx_verify", MC_ERR_OK, rc);
        }
    }
    return tx;
}

static void record_push(gen *g, uint8_t *bytes, size_t len, const model_tx *t)
{
    record *slot = &g->ring[g->ring_next];
    if (slot->bytes != NULL) {
        if (rnd_below(g, 4) == 0) {
            record *old = g->old_count < MODEL_OLD ? &g->old[g->old_count++]
                                                   : &g->old[rnd_below(g, MODEL_OLD)];
            free(old->bytes);
            *old = *slot;
        } else {
            free(slot->bytes);
        }
    }
    slot->bytes = bytes;
    slot->len = len;
    slot->t = *t;
    g->ring_next = (g->ring_next + 1) % MODEL_RING;
    g->ring_count += g->ring_count < MODEL_RING ? 1u : 0u;
}

/* Sometimes a not_after (past, now, future, negative), another ledger's id,
 * or no verification. */
static void op_perturb(gen *g, op *o)
{
    size_t r = rnd_below(g, 1000);
    if (r < 20) {
        rnd_bytes(g, o->t.ledger_id, MC_LEDGER_ID_BYTES);
    } else if (r < 40) {
        o->t.not_after = g->now - rnd_range(g, 1, 1000);
    } else if (r < 45) {
        o->t.not_after = -rnd_range(g, 1, 1000000);
    } else if (r < 60) {
        o->t.not_after = g->now;
    } else if (r < 250) {
        o->t.not_after = g->now + rnd_range(g, 1, 600);
    }
    o->skip_verify = rnd_below(g, 1000) < 10;
}

/* Encode, sign, decode and verify; keep the signed bytes for resubmission. */
static void op_build(gen *g, op *o)
{
    pb body = {0};
    if (o->t.has_request_id) {
        encode_transfer(&body, &o->t, MODEL_KEY);
    } else {
        mc_body b = body_of(&o->t);
        uint8_t *bytes = NULL;
        size_t len = 0;
        assert_int_equal(mc_body_encode(&b, &bytes, &len), MC_ERR_OK);
        pb_raw(&body, bytes, len);
        free(bytes);
    }
    model_tx_id(body.buf, body.len, o->t.tx_id);
    o->t.signer_count = o->signer_count;
    for (size_t i = 0; i < o->signer_count; i++) {
        memcpy(o->t.signers[i], mc_keypair_public(o->signers[i]), MODEL_KEY);
    }
    uint8_t *signed_bytes = NULL;
    size_t signed_len = 0;
    int rc =
        mc_tx_sign(body.buf, body.len, o->signers, o->signer_count, &signed_bytes, &signed_len);
    if (rc != MC_ERR_OK) {
        op_fail(g, o, "mc_tx_sign", MC_ERR_OK, rc);
    }
    pb_free(&body);
    o->tx = decode_checked(g, o, signed_bytes, signed_len);
    record_push(g, signed_bytes, signed_len, &o->t);
}

/* The exact signed bytes of an earlier transaction, applied or not. */
static int op_resubmit(gen *g, op *o)
{
    record *r = NULL;
    if (g->old_count > 0 && rnd_percent(g, 20)) {
        r = &g->old[rnd_below(g, g->old_count)];
    } else if (g->ring_count > 0) {
        r = &g->ring[rnd_below(g, g->ring_count)];
    }
    if (r == NULL) {
        return OP_SKIP;
    }
    o->t = r->t;
    o->skip_verify = rnd_percent(g, 5);
    o->tx = decode_checked(g, o, r->bytes, r->len);
    return OP_READY;
}

/* A flipped byte in a signature, or a signature under another key:
 * mc_tx_verify() refuses it, and the ledger refuses it unverified. */
static int op_bad_signature(gen *g, op *o)
{
    if (op_transfer_fit(g, o) == OP_SKIP) {
        return OP_SKIP;
    }
    mc_body b = body_of(&o->t);
    uint8_t *body = NULL, sigs[MC_TX_SIGS_MAX][MC_SIGNATURE_BYTES], other[MODEL_KEY];
    size_t body_len = 0, n = o->signer_count;
    raw_sig rs[MC_TX_SIGS_MAX];
    assert_int_equal(mc_body_encode(&b, &body, &body_len), MC_ERR_OK);
    model_tx_id(body, body_len, o->t.tx_id);
    o->t.signer_count = n;
    for (size_t i = 0; i < n; i++) {
        memcpy(o->t.signers[i], mc_keypair_public(o->signers[i]), MODEL_KEY);
        mc_sign_tx(o->signers[i], o->t.ledger_id, body, body_len, sigs[i]);
        rs[i] = (raw_sig){o->t.signers[i], MODEL_KEY, sigs[i], MC_SIGNATURE_BYTES};
    }
    size_t j = rnd_below(g, n);
    if (rnd_percent(g, 70)) {
        sigs[j][rnd_below(g, MC_SIGNATURE_BYTES)] ^= (uint8_t)rnd_range(g, 1, 255);
    } else {
        rnd_bytes(g, other, sizeof other);
        rs[j].key = other;
        memcpy(o->t.signers[j], other, MODEL_KEY);
    }
    pb out = {0};
    encode_signed(&out, body, body_len, rs, n);
    free(body);
    o->skip_verify = true;
    mc_tx *tx = decode_checked(g, o, out.buf, out.len);
    pb_free(&out);
    int rc = mc_tx_verify(tx);
    if (rc != MC_ERR_BAD_SIGNATURE || mc_tx_is_verified(tx)) {
        op_fail(g, o, "mc_tx_verify of a bad signature", MC_ERR_BAD_SIGNATURE, rc);
    }
    g->st.bad_signature++;
    if (rnd_percent(g, 50)) {
        o->tx = tx; /* handed to the ledger anyway: NOT_VERIFIED */
        return OP_READY;
    }
    mc_tx_free(tx);
    return OP_DONE;
}

/* ---- malformed bytes ----------------------------------------------------- */

/* A body that is malformed by structure (variants MAL_NO_KIND..MAL_STATUS_KEY_SIZE). */
static void malformed_body(gen *g, size_t variant, const model_tx *t, pb *body)
{
    static const size_t bad_sizes[] = {0, 1, 31, 33, 64};
    size_t bad = bad_sizes[rnd_below(g, 5)];
    pb inner = {0};
    if (variant == MAL_NO_KIND) {
        encode_body(body, t->ledger_id, MC_LEDGER_ID_BYTES, t, 0, NULL);
    } else if (variant == MAL_LEDGER_ID_SIZE) {
        uint8_t id[64] = {0};
        memcpy(id, t->ledger_id, MC_LEDGER_ID_BYTES);
        pb_bytes_field(&inner, 1, t->payer, MODEL_KEY);
        pb_bytes_field(&inner, 2, t->payee, MODEL_KEY);
        encode_body(body, id, bad, t, 11, &inner);
    } else if (variant == MAL_PARTY_KEY_SIZE) {
        encode_transfer(body, t, bad > MODEL_KEY ? MODEL_KEY - 1 : bad);
    } else if (variant == MAL_OPEN_KEY_SIZE) {
        pb_bytes_field(&inner, 1, t->payer, bad > MODEL_KEY ? MODEL_KEY - 1 : bad);
        pb_bytes_field(&inner, 2, "alice", 5);
        pb_varint_field(&inner, 3, MC_KIND_MEMBER);
        encode_body(body, t->ledger_id, MC_LEDGER_ID_BYTES, t, 10, &inner);
    } else if (variant == MAL_NO_LIMITS) {
        pb_bytes_field(&inner, 1, t->payer, MODEL_KEY);
        encode_body(body, t->ledger_id, MC_LEDGER_ID_BYTES, t, 12, &inner);
    } else {
        pb_bytes_field(&inner, 1, t->payer, bad > MODEL_KEY ? MODEL_KEY - 1 : bad);
        pb_varint_field(&inner, 2, MC_STATUS_FROZEN);
        encode_body(body, t->ledger_id, MC_LEDGER_ID_BYTES, t, 13, &inner);
    }
    pb_free(&inner);
}

/* The SignedTx bytes of malformed variant `variant`. */
static void malformed_bytes(gen *g, size_t variant, pb *out)
{
    static uint8_t zeros[MC_TX_BYTES_MAX + 1];
    uint8_t keys[MC_TX_SIGS_MAX + 1][MODEL_KEY], sigs[MC_TX_SIGS_MAX + 1][MC_SIGNATURE_BYTES];
    raw_sig rs[MC_TX_SIGS_MAX + 1];
    model_tx t;
    memset(&t, 0, sizeof t);
    memcpy(t.ledger_id, g->f.ledger_id, MC_LEDGER_ID_BYTES);
    t.nonce = g->nonce++;
    rnd_bytes(g, t.payer, MODEL_KEY);
    rnd_bytes(g, t.payee, MODEL_KEY);
    t.amount = rnd_range(g, 1, 100);
    rnd_bytes(g, &keys[0][0], sizeof keys);
    rnd_bytes(g, &sigs[0][0], sizeof sigs);
    for (size_t i = 0; i <= MC_TX_SIGS_MAX; i++) {
        rs[i] = (raw_sig){keys[i], MODEL_KEY, sigs[i], MC_SIGNATURE_BYTES};
    }
    size_t n = 1 + rnd_below(g, 3);
    pb body = {0};
    if (variant >= MAL_NO_KIND && variant <= MAL_STATUS_KEY_SIZE) {
        malformed_body(g, variant, &t, &body);
    } else if (variant == MAL_BODY_GARBAGE) {
        static const uint8_t garbage[][3] = {
            {0xFF, 0xFF, 0xFF}, {0x0F, 0x00, 0x00}, {0x0A, 0x40, 0x00}};
        pb_raw(&body, garbage[rnd_below(g, 3)], 3);
    } else if (variant != MAL_EMPTY_BODY) {
        encode_transfer(&body, &t, MODEL_KEY);
    }
    if (variant == MAL_SIG_KEY_SIZE) {
        rs[rnd_below(g, n)].key_len = rnd_percent(g, 50) ? 31 : 0;
    } else if (variant == MAL_SIG_SIZE) {
        rs[rnd_below(g, n)].sig_len = rnd_percent(g, 50) ? 63 : 65;
    } else if (variant == MAL_TOO_MANY_SIGS) {
        n = MC_TX_SIGS_MAX + 1;
    } else if (variant == MAL_SAME_SIGNER) {
        n = 2 + rnd_below(g, 2);
        rs[n - 1].key = rs[rnd_below(g, n - 1)].key;
    }
    if (variant == MAL_EMPTY) {
        /* no bytes at all */
    } else if (variant == MAL_BODY_VARINT) {
        pb_varint_field(out, 1, 5); /* the body as a varint */
        encode_sigs(out, rs, n);
    } else {
        encode_signed(out, body.buf, body.len, rs, n);
    }
    if (variant == MAL_TRUNCATED) {
        out->len -= 1 + rnd_below(g, 101); /* inside the last signature entry (102 bytes) */
    } else if (variant == MAL_BAD_WIRE_TYPE) {
        uint8_t tag = rnd_percent(g, 50) ? 0x0F : 0x16; /* wire types 7 and 6 */
        pb_raw(out, &tag, 1);
    } else if (variant == MAL_TOO_LARGE) {
        pb_bytes_field(out, 9, zeros, sizeof zeros);
    }
    pb_free(&body);
}

static int op_malformed(gen *g, op *o)
{
    size_t variant = rnd_below(g, MAL_COUNT);
    if (variant == MAL_TOO_LARGE && !rnd_percent(g, 20)) {
        variant = MAL_TRUNCATED; /* the large one is slow: make it rarer */
    }
    pb out = {0};
    malformed_bytes(g, variant, &out);
    static const uint8_t nothing[1] = {0};
    mc_tx *tx = NULL;
    int rc = mc_tx_decode(out.len > 0 ? out.buf : nothing, out.len, &tx);
    if (rc != MC_ERR_MALFORMED || tx != NULL) {
        o->name = MAL_NAMES[variant];
        op_fail(g, o, "mc_tx_decode of malformed bytes", MC_ERR_MALFORMED, rc);
    }
    pb_free(&out);
    g->st.malformed[variant]++;
    return OP_DONE;
}

/* ---- the run ------------------------------------------------------------- */

typedef int (*op_fn)(gen *g, op *o);

enum { POOL_NONE, POOL_GROWS, POOL_SHRINKS };

typedef struct op_kind {
    const char *name;
    unsigned weight;
    op_fn fn;
    int pool; /* weight adjusted to keep 30..60 accounts open */
} op_kind;

static const op_kind OPS[] = {
    {"transfer.fit", 16, op_transfer_fit, POOL_NONE},
    {"transfer.random", 10, op_transfer_random, POOL_NONE},
    {"transfer.credit", 5, op_transfer_credit, POOL_NONE},
    {"transfer.ceiling", 5, op_transfer_ceiling, POOL_NONE},
    {"transfer.settle", 4, op_transfer_settle, POOL_NONE},
    {"transfer.self", 1, op_transfer_self, POOL_NONE},
    {"transfer.nonpositive", 1, op_transfer_nonpositive, POOL_NONE},
    {"transfer.unknown_payer", 1, op_transfer_unknown_payer, POOL_NONE},
    {"transfer.unknown_payee", 1, op_transfer_unknown_payee, POOL_NONE},
    {"transfer.memo", 3, op_transfer_memo, POOL_NONE},
    {"transfer.request_id", 1, op_transfer_request, POOL_NONE},
    {"transfer.signers", 3, op_transfer_signers, POOL_NONE},
    {"transfer.system", 4, op_transfer_system, POOL_NONE},
    {"transfer.huge", 1, op_transfer_huge, POOL_NONE},
    {"open.valid", 3, op_open_valid, POOL_GROWS},
    {"open.dup_key", 1, op_open_dup_key, POOL_NONE},
    {"open.taken_handle", 1, op_open_taken_handle, POOL_NONE},
    {"open.bad_handle", 1, op_open_bad_handle, POOL_NONE},
    {"open.bad_kind", 1, op_open_bad_kind, POOL_NONE},
    {"open.limits", 1, op_open_limits, POOL_NONE},
    {"open.signers", 2, op_open_signers, POOL_NONE},
    {"open.steward_key", 1, op_open_steward_key, POOL_NONE},
    {"limits.valid", 3, op_limits_valid, POOL_NONE},
    {"limits.invalid", 1, op_limits_invalid, POOL_NONE},
    {"limits.below_balance", 2, op_limits_below, POOL_NONE},
    {"limits.target", 1, op_limits_target, POOL_NONE},
    {"limits.signers", 1, op_limits_signers, POOL_NONE},
    {"status.freeze", 2, op_status_freeze, POOL_NONE},
    {"status.unfreeze", 2, op_status_unfreeze, POOL_NONE},
    {"status.close_zero", 2, op_status_close_zero, POOL_SHRINKS},
    {"status.close_nonzero", 1, op_status_close_nonzero, POOL_NONE},
    {"status.unchanged", 1, op_status_unchanged, POOL_NONE},
    {"status.target", 1, op_status_target, POOL_NONE},
    {"status.invalid", 1, op_status_invalid, POOL_NONE},
    {"status.signers", 1, op_status_signers, POOL_NONE},
    {"resubmit", 5, op_resubmit, POOL_NONE},
    {"malformed", 3, op_malformed, POOL_NONE},
    {"bad_signature", 2, op_bad_signature, POOL_NONE},
};
#define OPS_COUNT (sizeof OPS / sizeof OPS[0])
_Static_assert(OPS_COUNT <= MODEL_OP_KINDS, "stats.ops too small");

static unsigned op_weight(size_t i, size_t live)
{
    if (OPS[i].pool == POOL_GROWS) {
        return live < MODEL_LIVE_LOW ? 30u : live < MODEL_LIVE_HIGH ? OPS[i].weight : 0u;
    }
    if (OPS[i].pool == POOL_SHRINKS) {
        return live > MODEL_LIVE_LOW ? OPS[i].weight : 0u;
    }
    return OPS[i].weight;
}

/* Generate op number `idx` into `o`. Returns OP_DONE when it was checked
 * before reaching the ledger, else o->tx is ready to apply. */
static int op_generate(gen *g, op *o, size_t idx)
{
    size_t live = model_live(&g->m);
    unsigned total = 0;
    for (size_t i = 0; i < OPS_COUNT; i++) {
        total += op_weight(i, live);
    }
    for (;;) {
        size_t r = rnd_below(g, total), i = 0;
        while (r >= op_weight(i, live)) {
            r -= op_weight(i, live);
            i++;
        }
        memset(o, 0, sizeof *o);
        o->name = OPS[i].name;
        o->idx = idx;
        memcpy(o->t.ledger_id, g->f.ledger_id, MC_LEDGER_ID_BYTES);
        o->t.nonce = g->nonce++;
        int kind = OPS[i].fn(g, o);
        if (kind == OP_SKIP) {
            continue;
        }
        g->st.ops[i]++;
        if (kind == OP_BUILD) {
            op_perturb(g, o);
            op_build(g, o);
        }
        return kind;
    }
}

static void result_check(gen *g, const op *o, const mc_result *r)
{
    const model_result *e = &o->expected;
    if (r->code != e->code || r->duplicate != e->duplicate || r->height != e->height) {
        char desc[1024];
        op_describe(g, o, desc, sizeof desc);
        print_error("model test: op %zu (%s): %s\n"
                    "  expected %s duplicate=%d height=%" PRIu64 "\n"
                    "  got      %s duplicate=%d height=%" PRIu64 "\n"
                    "model test: seed %" PRIu64 " (replay with MC_MODEL_SEED=%" PRIu64 ")\n",
                    o->idx, o->name, desc, mc_err_name(e->code), e->duplicate, e->height,
                    mc_err_name(r->code), r->duplicate, r->height, g->seed, g->seed);
        fail();
    }
    if (memcmp(r->tx_id, o->t.tx_id, MC_TX_ID_BYTES) != 0) {
        op_fail(g, o, "result.tx_id is not the transaction's id", -1, -1);
    }
    if (e->duplicate) {
        g->st.duplicates++;
    } else if ((unsigned)e->code < MODEL_CODES) {
        g->st.codes[e->code]++;
    }
}

static void batch_apply(gen *g, op *batch, size_t n)
{
    mc_tx *txs[MODEL_BATCH_MAX] = {0};
    mc_result results[MODEL_BATCH_MAX];
    for (size_t i = 0; i < n; i++) {
        txs[i] = batch[i].tx;
    }
    int rc = mc_ledger_apply_batch(g->f.ledger, txs, n, g->now, results);
    if (rc != MC_ERR_OK) {
        print_error("model test: apply_batch of ops %zu..%zu: %s (%s), seed %" PRIu64 "\n",
                    batch[0].idx, batch[n - 1].idx, mc_err_name(rc),
                    mc_ledger_last_error(g->f.ledger), g->seed);
        fail();
    }
    for (size_t i = 0; i < n; i++) {
        result_check(g, &batch[i], &results[i]);
        mc_tx_free(batch[i].tx);
        batch[i].tx = NULL;
    }
    g->st.batches++;
    g->st.applied_to_ledger += n;
}

/* ---- full state comparison ----------------------------------------------- */

static void state_fail(const gen *g, size_t ops, const char *handle, const char *what,
                       int64_t expected, int64_t got)
{
    print_error("model test: state after op %zu: account %s: %s: expected %" PRId64 ", got %" PRId64
                "\nmodel test: seed %" PRIu64 " (replay with "
                "MC_MODEL_SEED=%" PRIu64 ")\n",
                ops, handle, what, expected, got, g->seed, g->seed);
    fail();
}

#define MODEL_FIELD(what, e, a)                                                                    \
    do {                                                                                           \
        if ((int64_t)(e) != (int64_t)(a)) {                                                        \
            state_fail(g, ops, ma->handle, what, (int64_t)(e), (int64_t)(a));                      \
        }                                                                                          \
    } while (0)

static void account_compare(const gen *g, size_t ops, const model_account *ma)
{
    mc_account a;
    int rc = mc_ledger_get_account(g->f.ledger, ma->key, &a);
    MODEL_FIELD("mc_ledger_get_account", MC_ERR_OK, rc);
    if (strcmp(a.handle, ma->handle) != 0) {
        print_error("model test: state after op %zu: handle \"%s\", expected \"%s\" (seed %" PRIu64
                    ")\n",
                    ops, a.handle, ma->handle, g->seed);
        fail();
    }
    MODEL_FIELD("public_key", 0, memcmp(a.public_key, ma->key, MODEL_KEY));
    MODEL_FIELD("kind", ma->kind, a.kind);
    MODEL_FIELD("status", ma->status, a.status);
    MODEL_FIELD("balance", ma->balance, a.balance);
    MODEL_FIELD("min_balance", ma->limits.min_balance, a.limits.min_balance);
    MODEL_FIELD("max_balance", ma->limits.max_balance, a.limits.max_balance);
    MODEL_FIELD("opened_height", ma->opened_height, a.opened_height);
    MODEL_FIELD("joined", ma->joined, a.joined);
    MODEL_FIELD("limits_height", ma->limits_height, a.limits_height);
    MODEL_FIELD("last_debit_height", ma->last_debit_height, a.last_debit_height);
    MODEL_FIELD("last_credit_height", ma->last_credit_height, a.last_credit_height);
}

typedef struct list_ctx {
    const gen *g;
    size_t count;
    size_t unknown;
} list_ctx;

static int list_count(const mc_account *a, void *ctx)
{
    list_ctx *c = ctx;
    c->count++;
    c->unknown += model_find(&c->g->m, a->public_key) == NULL ? 1u : 0u;
    return 0;
}

/* Every account, the account count, the height, the sum of balances, and
 * where a sample of recent transactions stand. */
static void state_compare(gen *g, size_t ops)
{
    uint64_t wrapped_sum = 0, height = 0;
    for (size_t i = 0; i < g->m.count; i++) {
        account_compare(g, ops, &g->m.accounts[i]);
        wrapped_sum += (uint64_t)g->m.accounts[i].balance;
    }
    const char *const none = "(all)";
    list_ctx c = {g, 0, 0};
    assert_int_equal(mc_ledger_list_accounts(g->f.ledger, NULL, 0, list_count, &c), MC_ERR_OK);
    if (c.count != g->m.count || c.unknown != 0 || wrapped_sum != 0) {
        print_error("model test: state after op %zu: %zu accounts (%zu unknown to the model), "
                    "model has %zu; model balances sum to %" PRId64 " (seed %" PRIu64 ")\n",
                    ops, c.count, c.unknown, g->m.count, (int64_t)wrapped_sum, g->seed);
        fail();
    }
    assert_int_equal(mc_ledger_height(g->f.ledger, &height), MC_ERR_OK);
    if (height != g->m.height) {
        state_fail(g, ops, none, "height", (int64_t)g->m.height, (int64_t)height);
    }
    for (size_t i = 0; i < 32 && g->ring_count > 0; i++) {
        const record *r = &g->ring[rnd_below(g, g->ring_count)];
        uint64_t want = 0, got = 0;
        bool applied = map32_get(&g->m.applied, r->t.tx_id, &want);
        int rc = mc_ledger_find_tx(g->f.ledger, r->t.tx_id, &got);
        if (rc != (applied ? MC_ERR_OK : MC_ERR_NOT_FOUND) || got != want) {
            state_fail(g, ops, none, "mc_ledger_find_tx height", (int64_t)want, (int64_t)got);
        }
    }
}

/* ---- setup, run, report -------------------------------------------------- */

static uint64_t env_u64(const char *name, uint64_t otherwise)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? (uint64_t)strtoull(v, NULL, 0) : otherwise;
}

static uint64_t clock_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void gen_setup(gen *g, uint64_t seed)
{
    mc_genesis_params p;
    mc_genesis_params_default(&p);
    g->seed = seed;
    g->rng = seed;
    mc_fixture_setup(&g->f, MODEL_STEWARDS, MODEL_QUORUM, NULL);
    memcpy(g->m.ledger_id, g->f.ledger_id, MC_LEDGER_ID_BYTES);
    g->m.quorum = MODEL_QUORUM;
    memcpy(g->m.defaults, p.default_limits, sizeof g->m.defaults);
    map32_init(&g->m.by_key, 1024);
    map32_init(&g->m.by_handle, 1024);
    map32_init(&g->m.applied, 1u << 16);
    map32_init(&g->key_index, 1024);
    for (size_t i = 0; i < MODEL_STEWARDS; i++) {
        memcpy(g->m.stewards[i], mc_keypair_public(g->f.stewards[i]), MODEL_KEY);
        gen_key_add(g, g->f.stewards[i], false);
    }
    for (size_t i = 0; i < MODEL_STRANGERS; i++) {
        g->strangers[i] = gen_key_new(g);
    }
    g->nonce = 1;
    g->now = g->f.now;
}

static void gen_teardown(gen *g)
{
    for (size_t i = 0; i < MODEL_RING; i++) {
        free(g->ring[i].bytes);
    }
    for (size_t i = 0; i < g->old_count; i++) {
        free(g->old[i].bytes);
    }
    for (size_t i = 0; i < g->key_count; i++) {
        if (g->keys[i].owned) {
            mc_keypair_free(g->keys[i].kp);
        }
    }
    free(g->keys);
    map32_free(&g->key_index);
    map32_free(&g->m.by_key);
    map32_free(&g->m.by_handle);
    map32_free(&g->m.applied);
    free(g->m.accounts);
    mc_fixture_teardown(&g->f);
}

/* Checks between batches, when `done` crossed a multiple of each period. */
static void periodic_checks(gen *g, size_t before, size_t done)
{
    if (before / MODEL_REOPEN_EVERY != done / MODEL_REOPEN_EVERY) {
        mc_fixture_reopen(&g->f);
    }
    if (before / MODEL_STATE_EVERY != done / MODEL_STATE_EVERY) {
        state_compare(g, done);
    }
    if (before / MODEL_CHECK_EVERY != done / MODEL_CHECK_EVERY) {
        mc_fixture_assert_invariants(&g->f);
    }
}

static void run(gen *g, size_t total)
{
    op *batch = calloc(MODEL_BATCH_MAX, sizeof *batch);
    assert_non_null(batch);
    size_t done = 0;
    while (done < total) {
        size_t want = 1 + rnd_below(g, MODEL_BATCH_MAX), n = 0, before = done;
        g->now += rnd_range(g, 0, 30);
        while (n < want && done < total) {
            op *o = &batch[n];
            int kind = op_generate(g, o, done++);
            if (kind == OP_DONE) {
                continue;
            }
            o->expected = model_apply(&g->m, &o->t, !o->skip_verify, g->now);
            n++;
        }
        if (n > 0) {
            batch_apply(g, batch, n);
        }
        periodic_checks(g, before, done);
    }
    free(batch);
}

/* Every rule's code, and the decoder's. */
static const int COVERED[] = {
    MC_ERR_OK,
    MC_ERR_NOT_VERIFIED,
    MC_ERR_WRONG_LEDGER,
    MC_ERR_EXPIRED,
    MC_ERR_SELF_TRANSFER,
    MC_ERR_AMOUNT_NOT_POSITIVE,
    MC_ERR_MEMO_TOO_LONG,
    MC_ERR_MEMO_NOT_UTF8,
    MC_ERR_UNKNOWN_REQUEST,
    MC_ERR_UNKNOWN_PAYER,
    MC_ERR_UNKNOWN_PAYEE,
    MC_ERR_MISSING_SIGNATURE,
    MC_ERR_UNEXPECTED_SIGNER,
    MC_ERR_PAYER_CLOSED,
    MC_ERR_PAYER_FROZEN,
    MC_ERR_PAYEE_CLOSED,
    MC_ERR_PAYEE_FROZEN,
    MC_ERR_AMOUNT_OVERFLOW,
    MC_ERR_EXCEEDS_CREDIT_LIMIT,
    MC_ERR_EXCEEDS_CEILING,
    MC_ERR_NOT_A_STEWARD,
    MC_ERR_QUORUM_NOT_MET,
    MC_ERR_HANDLE_INVALID,
    MC_ERR_KIND_INVALID,
    MC_ERR_LIMITS_INVALID,
    MC_ERR_ACCOUNT_EXISTS,
    MC_ERR_HANDLE_TAKEN,
    MC_ERR_UNKNOWN_ACCOUNT,
    MC_ERR_ACCOUNT_CLOSED,
    MC_ERR_STATUS_INVALID,
    MC_ERR_STATUS_UNCHANGED,
    MC_ERR_CLOSE_NONZERO_BALANCE,
};

static void report(const gen *g, size_t total)
{
    const stats *st = &g->st;
    unsigned long malformed = 0;
    printf("model test: %zu ops, %lu applied to the ledger in %lu batches, height %" PRIu64
           ", %zu accounts (%zu open)\n",
           total, st->applied_to_ledger, st->batches, g->m.height, g->m.count, model_live(&g->m));
    printf("model test: ledger results\n");
    for (unsigned c = 0; c < MODEL_CODES; c++) {
        if (st->codes[c] > 0) {
            printf("  %-24s %8lu\n", mc_err_name((int)c), st->codes[c]);
        }
    }
    printf("  %-24s %8lu\n", "OK (duplicate)", st->duplicates);
    printf("model test: refused before the ledger\n");
    for (size_t v = 0; v < MAL_COUNT; v++) {
        malformed += st->malformed[v];
    }
    printf("  %-24s %8lu  (", "MALFORMED", malformed);
    for (size_t v = 0; v < MAL_COUNT; v++) {
        printf("%s%s %lu", v ? ", " : "", MAL_NAMES[v], st->malformed[v]);
    }
    printf(")\n  %-24s %8lu\n", "BAD_SIGNATURE", st->bad_signature);
    printf("model test: ops by kind\n");
    for (size_t i = 0; i < OPS_COUNT; i++) {
        printf("  %-24s %8lu\n", OPS[i].name, st->ops[i]);
    }
    fflush(stdout);
}

static void coverage_check(const gen *g)
{
    bool missing = false;
    for (size_t i = 0; i < sizeof COVERED / sizeof COVERED[0]; i++) {
        if (g->st.codes[COVERED[i]] == 0) {
            print_error("model test: no op got %s\n", mc_err_name(COVERED[i]));
            missing = true;
        }
    }
    for (size_t v = 0; v < MAL_COUNT; v++) {
        if (g->st.malformed[v] == 0) {
            print_error("model test: no malformed op of kind \"%s\"\n", MAL_NAMES[v]);
            missing = true;
        }
    }
    if (missing || g->st.duplicates == 0 || g->st.bad_signature == 0) {
        print_error("model test: the generator misses a rule (seed %" PRIu64 ")\n", g->seed);
        fail();
    }
}

/* Setup and teardown run apart from the test so that a failing run still
 * removes its ledger directory. */
static int model_setup(void **state)
{
    uint64_t seed = env_u64("MC_MODEL_SEED", clock_seed());
    printf("model test seed: %" PRIu64 "\n", seed);
    fflush(stdout);
    gen *g = calloc(1, sizeof *g);
    assert_non_null(g);
    gen_setup(g, seed);
    *state = g;
    return 0;
}

static int model_teardown(void **state)
{
    gen_teardown(*state);
    free(*state);
    return 0;
}

static void test_model_random_ops(void **state)
{
    gen *g = *state;
    size_t total = (size_t)env_u64("MC_MODEL_OPS", MODEL_OPS_DEFAULT);
    run(g, total);
    state_compare(g, total);
    mc_fixture_assert_invariants(&g->f);
    report(g, total);
    if (total >= MODEL_COVERAGE_OPS) {
        coverage_check(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_model_random_ops, model_setup, model_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
