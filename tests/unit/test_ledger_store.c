/* The ledger's storage through the public API: create, close and reopen
 * with everything intact; the lifecycle's refusals (an existing ledger, an
 * empty directory, invalid genesis parameters); the ledger id; map growth
 * and its bound; the queries over the log (entries, Merkle roots, tx ids)
 * and over accounts (history and listing, with paging); a durable ledger;
 * state numbers and deferred meta sync (one flush per commit).
 * Corruption of the LMDB files is not reachable through the public API and
 * is not tested here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "mc/merkle.h"

#define MIB (1024u * 1024u)

/* ---- helpers ------------------------------------------------------------------ */

static mc_ledger_info info_of(mc_fixture *f)
{
    mc_ledger_info info;
    assert_int_equal(mc_ledger_get_info(f->ledger, &info), MC_ERR_OK);
    return info;
}

static const mc_keypair *const *one(mc_keypair *const *kp)
{
    return (const mc_keypair *const *)kp;
}

/* The genesis the fixture uses, for the fixture's stewards (keys[] filled). */
static void fixture_params(mc_fixture *f, mc_genesis_params *p, uint8_t keys[][MC_PUBLIC_KEY_BYTES])
{
    mc_genesis_params_default(p);
    p->community = "test community";
    p->unit_name = "grain";
    p->unit_symbol = "g";
    for (size_t i = 0; i < f->steward_count; i++) {
        memcpy(keys[i], mc_keypair_public(f->stewards[i]), MC_PUBLIC_KEY_BYTES);
    }
    p->stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])keys;
    p->steward_count = f->steward_count;
    p->quorum = f->quorum;
    memset(p->node_public_key, 0x4e, MC_PUBLIC_KEY_BYTES);
    p->created_at = 1700000000;
}

/* A fixture whose ledger is created with `opts` (the fixture's own setup
 * always uses the default map size). */
static void setup_with_opts(mc_fixture *f, const mc_ledger_options *opts)
{
    mc_fixture_setup(f, 1, 1, NULL);
    mc_ledger_close(f->ledger);
    f->ledger = NULL;
    mc_test_rmtree(f->dir);
    mc_genesis_params p;
    uint8_t keys[MC_FIXTURE_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    fixture_params(f, &p, keys);
    f->opts = *opts;
    assert_int_equal(mc_ledger_create(f->dir, &p, &f->opts, &f->ledger), MC_ERR_OK);
    mc_ledger_info info = info_of(f);
    memcpy(f->ledger_id, info.ledger_id, MC_LEDGER_ID_BYTES);
}

static mc_keypair **open_members(mc_fixture *f, size_t n, const char *prefix)
{
    mc_keypair **m = calloc(n, sizeof *m);
    assert_non_null(m);
    for (size_t i = 0; i < n; i++) {
        char handle[MC_HANDLE_LEN_MAX + 1];
        snprintf(handle, sizeof handle, "%s%zu", prefix, i);
        m[i] = mc_fixture_open(f, handle, MC_KIND_MEMBER, NULL);
    }
    return m;
}

static void free_members(mc_keypair **m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mc_keypair_free(m[i]);
    }
    free(m);
}

/* A signed transfer ready to apply. */
static mc_tx *transfer_tx(mc_fixture *f, mc_keypair *payer, const mc_keypair *payee, int64_t amount,
                          const char *memo)
{
    mc_body b = mc_fixture_body(f, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(payer), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, mc_keypair_public(payee), MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    if (memo != NULL) {
        b.u.transfer.memo = (const uint8_t *)memo;
        b.u.transfer.memo_len = strlen(memo);
    }
    return mc_fixture_sign(f, &b, one(&payer), 1);
}

static mc_tx *open_tx(mc_fixture *f, mc_keypair **out, const char *handle)
{
    assert_int_equal(mc_keypair_generate(out), MC_ERR_OK);
    mc_body b = mc_fixture_body(f, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, mc_keypair_public(*out), MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = MC_KIND_MEMBER;
    return mc_fixture_sign(f, &b, (const mc_keypair *const *)f->stewards, f->quorum);
}

static void free_txs(mc_tx **txs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mc_tx_free(txs[i]);
        txs[i] = NULL;
    }
}

/* ---- captured state, for comparisons across a reopen ----------------------------- */

#define ACCOUNTS_MAX 64u
#define HISTORY_MAX 512u

typedef struct accounts {
    mc_account a[ACCOUNTS_MAX];
    size_t n;
} accounts;

static int collect_account(const mc_account *a, void *ctx)
{
    accounts *acc = ctx;
    assert_true(acc->n < ACCOUNTS_MAX);
    memcpy(&acc->a[acc->n++], a, sizeof *a);
    return 0;
}

static void list_all(mc_fixture *f, const uint8_t *after, size_t limit, accounts *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(mc_ledger_list_accounts(f->ledger, after, limit, collect_account, out),
                     MC_ERR_OK);
}

typedef struct history {
    mc_history_item items[HISTORY_MAX];
    size_t n;
} history;

static int collect_item(const mc_history_item *item, void *ctx)
{
    history *h = ctx;
    assert_true(h->n < HISTORY_MAX);
    h->items[h->n++] = *item;
    return 0;
}

static void history_of(mc_fixture *f, const uint8_t *key, uint64_t before, size_t limit,
                       history *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(mc_ledger_history(f->ledger, key, before, limit, collect_item, out),
                     MC_ERR_OK);
}

static void assert_history_equal(const history *a, const history *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->items[i].height, b->items[i].height);
        assert_int_equal(a->items[i].delta, b->items[i].delta);
        assert_int_equal(a->items[i].balance_after, b->items[i].balance_after);
    }
}

/* Walk `key`'s history in pages of `size` and compare with the whole of it. */
static void assert_paging(mc_fixture *f, const uint8_t *key, size_t size)
{
    static history all, page, joined;
    history_of(f, key, 0, 0, &all);
    assert_true(all.n > 0);
    memset(&joined, 0, sizeof joined);
    uint64_t before = 0;
    for (size_t pages = 0; pages < HISTORY_MAX; pages++) {
        history_of(f, key, before, size, &page);
        assert_true(page.n <= size);
        if (page.n == 0) {
            break;
        }
        for (size_t i = 0; i < page.n; i++) {
            assert_true(before == 0 || page.items[i].height < before);
            joined.items[joined.n++] = page.items[i];
        }
        before = page.items[page.n - 1].height;
    }
    assert_history_equal(&joined, &all);
}

/* ---- create, close, reopen ---------------------------------------------------------- */

static void test_reopen_intact(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 3, 2, NULL);
    mc_keypair **m = open_members(&f, 6, "member");
    for (size_t i = 0; i < 40; i++) {
        int64_t amount = (int64_t)(i * 37 % 900 + 1);
        MC_ASSERT_RESULT(
            mc_fixture_pay(&f, m[i % 6], mc_keypair_public(m[(i * 5 + 1) % 6]), amount, "rent"),
            i % 6 == (i * 5 + 1) % 6 ? MC_ERR_SELF_TRANSFER : MC_ERR_OK);
    }
    mc_body b = mc_fixture_body(&f, MC_TX_SET_STATUS);
    memcpy(b.u.set_status.account, mc_keypair_public(m[2]), MC_PUBLIC_KEY_BYTES);
    b.u.set_status.status = MC_STATUS_FROZEN;
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(&f, &b), MC_ERR_OK);
    b = mc_fixture_body(&f, MC_TX_SET_LIMITS);
    memcpy(b.u.set_limits.account, mc_keypair_public(m[3]), MC_PUBLIC_KEY_BYTES);
    b.u.set_limits.limits = (mc_limits){-100, 100};
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(&f, &b), MC_ERR_OK);
    mc_fixture_assert_invariants(&f);

    static accounts before, after;
    static history hist_before[6], hist_after[6];
    list_all(&f, NULL, 0, &before);
    assert_int_equal(before.n, 6);
    for (size_t i = 0; i < 6; i++) {
        history_of(&f, mc_keypair_public(m[i]), 0, 0, &hist_before[i]);
    }
    mc_ledger_info info_before = info_of(&f);
    uint8_t root_before[MC_HASH_BYTES], digest_before[MC_HASH_BYTES];
    assert_int_equal(mc_ledger_root(f.ledger, info_before.height, root_before), MC_ERR_OK);
    mc_fixture_state_digest(&f, digest_before);
    uint8_t *genesis_before = NULL;
    size_t genesis_len_before = 0;
    assert_int_equal(mc_ledger_genesis_bytes(f.ledger, &genesis_before, &genesis_len_before),
                     MC_ERR_OK);

    mc_fixture_reopen(&f);

    list_all(&f, NULL, 0, &after);
    assert_int_equal(after.n, before.n);
    assert_memory_equal(after.a, before.a, before.n * sizeof before.a[0]);
    for (size_t i = 0; i < 6; i++) {
        history_of(&f, mc_keypair_public(m[i]), 0, 0, &hist_after[i]);
        assert_history_equal(&hist_after[i], &hist_before[i]);
        assert_int_equal(hist_after[i].items[0].balance_after,
                         mc_fixture_balance(&f, mc_keypair_public(m[i])));
    }
    mc_ledger_info info_after = info_of(&f);
    assert_int_equal(info_after.height, info_before.height);
    assert_memory_equal(info_after.ledger_id, info_before.ledger_id, MC_LEDGER_ID_BYTES);
    assert_string_equal(info_after.community, "test community");
    assert_string_equal(info_after.unit_name, "grain");
    assert_string_equal(info_after.unit_symbol, "g");
    assert_int_equal(info_after.decimals, 2);
    assert_int_equal(info_after.visibility, MC_VISIBILITY_OPEN);
    assert_int_equal(info_after.created_at, 1700000000);
    assert_int_equal(info_after.steward_count, 3);
    assert_int_equal(info_after.quorum, 2);
    for (size_t i = 0; i < 3; i++) {
        assert_memory_equal(info_after.stewards[i], mc_keypair_public(f.stewards[i]),
                            MC_PUBLIC_KEY_BYTES);
    }
    assert_memory_equal(info_after.default_limits, info_before.default_limits,
                        sizeof info_before.default_limits);
    assert_int_equal(info_after.default_limits[MC_KIND_MEMBER - 1].min_balance, -30000);
    uint8_t root_after[MC_HASH_BYTES], digest_after[MC_HASH_BYTES];
    assert_int_equal(mc_ledger_root(f.ledger, info_after.height, root_after), MC_ERR_OK);
    assert_memory_equal(root_after, root_before, MC_HASH_BYTES);
    mc_fixture_state_digest(&f, digest_after);
    assert_memory_equal(digest_after, digest_before, MC_HASH_BYTES);
    uint8_t *genesis_after = NULL;
    size_t genesis_len_after = 0;
    assert_int_equal(mc_ledger_genesis_bytes(f.ledger, &genesis_after, &genesis_len_after),
                     MC_ERR_OK);
    assert_int_equal(genesis_len_after, genesis_len_before);
    assert_memory_equal(genesis_after, genesis_before, genesis_len_before);
    mc_fixture_assert_invariants(&f);

    /* The reopened ledger goes on from where it was. */
    MC_ASSERT_RESULT(mc_fixture_pay(&f, m[0], mc_keypair_public(m[1]), 5, NULL), MC_ERR_OK);
    assert_int_equal(mc_fixture_height(&f), info_before.height + 1);
    mc_fixture_assert_invariants(&f);

    free(genesis_before);
    free(genesis_after);
    free_members(m, 6);
    mc_fixture_teardown(&f);
}

static void test_create_on_existing_ledger(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 1, 1, NULL);
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    uint64_t h = mc_fixture_height(&f);
    mc_ledger_close(f.ledger);
    f.ledger = NULL;

    mc_genesis_params p;
    uint8_t keys[MC_FIXTURE_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    fixture_params(&f, &p, keys);
    mc_ledger *sentinel = (mc_ledger *)&f; /* never dereferenced */
    mc_ledger *out = sentinel;
    assert_int_equal(mc_ledger_create(f.dir, &p, &f.opts, &out), MC_ERR_LEDGER_EXISTS);
    assert_ptr_equal(out, sentinel);
    /* With different parameters too. */
    p.unit_name = "heure";
    p.decimals = 0;
    assert_int_equal(mc_ledger_create(f.dir, &p, NULL, &out), MC_ERR_LEDGER_EXISTS);
    assert_ptr_equal(out, sentinel);

    /* The existing ledger is untouched. */
    assert_int_equal(mc_ledger_open(f.dir, &f.opts, &f.ledger), MC_ERR_OK);
    mc_ledger_info info = info_of(&f);
    assert_memory_equal(info.ledger_id, f.ledger_id, MC_LEDGER_ID_BYTES);
    assert_string_equal(info.unit_name, "grain");
    assert_int_equal(info.height, h);
    mc_account acc;
    assert_int_equal(mc_ledger_find_handle(f.ledger, "alice", &acc), MC_ERR_OK);
    mc_fixture_assert_invariants(&f);
    mc_keypair_free(a);
    mc_fixture_teardown(&f);
}

static void test_open_without_ledger(void **state)
{
    (void)state;
    char *dir = mc_test_tmpdir();
    mc_ledger *sentinel = (mc_ledger *)dir; /* never dereferenced */
    mc_ledger *l = sentinel;
    assert_int_equal(mc_ledger_open(dir, NULL, &l), MC_ERR_NO_LEDGER);
    assert_ptr_equal(l, sentinel);
    /* Opening left nothing behind. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    size_t entries = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            entries++;
        }
    }
    closedir(d);
    assert_int_equal(entries, 0);
    assert_int_equal(mc_ledger_open(dir, NULL, &l), MC_ERR_NO_LEDGER);

    char missing[600];
    snprintf(missing, sizeof missing, "%s/not-there", dir);
    assert_int_equal(mc_ledger_open(missing, NULL, &l), MC_ERR_NO_LEDGER);
    assert_ptr_equal(l, sentinel);
    mc_test_rmtree(dir);
    free(dir);
}

typedef void (*params_breaker)(mc_genesis_params *p);

static void quorum_zero(mc_genesis_params *p)
{
    p->quorum = 0;
}
static void quorum_above_stewards(mc_genesis_params *p)
{
    p->quorum = (unsigned)p->steward_count + 1;
}
static void no_stewards(mc_genesis_params *p)
{
    p->steward_count = 0;
    p->quorum = 0;
}
static void null_stewards(mc_genesis_params *p)
{
    p->stewards = NULL;
}
static void decimals_10(mc_genesis_params *p)
{
    p->decimals = 10;
}
static void member_min_positive(mc_genesis_params *p)
{
    p->default_limits[MC_KIND_MEMBER - 1].min_balance = 1;
}
static void commons_max_negative(mc_genesis_params *p)
{
    p->default_limits[MC_KIND_COMMONS - 1].max_balance = -1;
}
static void empty_unit_name(mc_genesis_params *p)
{
    p->unit_name = "";
}
static void null_unit_name(mc_genesis_params *p)
{
    p->unit_name = NULL;
}
static void empty_symbol(mc_genesis_params *p)
{
    p->unit_symbol = "";
}
static void long_unit_name(mc_genesis_params *p)
{
    p->unit_name = "abcdefghijklmnopqrstuvwxyz0123456"; /* 33 bytes */
}
static void long_symbol(mc_genesis_params *p)
{
    p->unit_symbol = "abcdefghi"; /* 9 bytes */
}
static void bad_utf8_name(mc_genesis_params *p)
{
    p->unit_name = "gr\xff";
}
static void long_community(mc_genesis_params *p)
{
    static char text[MC_COMMUNITY_MAX + 2];
    memset(text, 'c', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    p->community = text;
}
static void bad_visibility(mc_genesis_params *p)
{
    p->visibility = (mc_visibility)3;
}
static void zero_visibility(mc_genesis_params *p)
{
    p->visibility = (mc_visibility)0;
}

static void test_config_invalid(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 3, 2, NULL); /* for its stewards */
    char *dir = mc_test_tmpdir();
    uint8_t keys[MC_FIXTURE_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    const struct {
        const char *what;
        params_breaker fn;
    } cases[] = {
        {"quorum 0", quorum_zero},
        {"quorum > stewards", quorum_above_stewards},
        {"no stewards", no_stewards},
        {"NULL stewards", null_stewards},
        {"decimals 10", decimals_10},
        {"member min > 0", member_min_positive},
        {"commons max < 0", commons_max_negative},
        {"empty unit name", empty_unit_name},
        {"NULL unit name", null_unit_name},
        {"empty symbol", empty_symbol},
        {"unit name of 33 bytes", long_unit_name},
        {"symbol of 9 bytes", long_symbol},
        {"unit name not UTF-8", bad_utf8_name},
        {"community of 129 bytes", long_community},
        {"visibility 3", bad_visibility},
        {"visibility 0", zero_visibility},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_genesis_params p;
        fixture_params(&f, &p, keys);
        cases[i].fn(&p);
        mc_ledger *l = NULL;
        int rc = mc_ledger_create(dir, &p, NULL, &l);
        if (rc != MC_ERR_CONFIG_INVALID) {
            print_error("%s: expected CONFIG_INVALID, got %s\n", cases[i].what, mc_err_name(rc));
            mc_ledger_close(l);
            fail();
        }
        assert_null(l);
        assert_int_equal(mc_ledger_open(dir, NULL, &l), MC_ERR_NO_LEDGER);
    }
    /* A duplicate steward. */
    mc_genesis_params p;
    fixture_params(&f, &p, keys);
    memcpy(keys[2], keys[0], MC_PUBLIC_KEY_BYTES);
    mc_ledger *l = NULL;
    assert_int_equal(mc_ledger_create(dir, &p, NULL, &l), MC_ERR_CONFIG_INVALID);
    assert_int_equal(mc_ledger_open(dir, NULL, &l), MC_ERR_NO_LEDGER);
    assert_int_equal(mc_ledger_create(dir, NULL, NULL, &l), MC_ERR_CONFIG_INVALID);

    /* The edges that are valid: 9 decimals, 0..0 limits, quorum = stewards. */
    fixture_params(&f, &p, keys);
    p.decimals = 9;
    p.default_limits[MC_KIND_MEMBER - 1] = (mc_limits){0, 0};
    p.quorum = 3;
    p.unit_name = "abcdefghijklmnopqrstuvwxyz012345";
    assert_int_equal(mc_ledger_create(dir, &p, NULL, &l), MC_ERR_OK);
    mc_ledger_info info;
    assert_int_equal(mc_ledger_get_info(l, &info), MC_ERR_OK);
    assert_int_equal(info.decimals, 9);
    assert_int_equal(info.quorum, 3);
    assert_string_equal(info.unit_name, "abcdefghijklmnopqrstuvwxyz012345");
    mc_ledger_close(l);
    mc_test_rmtree(dir);
    free(dir);
    mc_fixture_teardown(&f);
}

static void test_ledger_id_is_genesis_hash(void **state)
{
    (void)state;
    mc_fixture f, g;
    mc_fixture_setup(&f, 2, 1, NULL);
    mc_fixture_setup(&g, 2, 1, NULL);
    uint8_t *bytes = NULL;
    size_t len = 0;
    uint8_t id[MC_HASH_BYTES];
    assert_int_equal(mc_ledger_genesis_bytes(f.ledger, &bytes, &len), MC_ERR_OK);
    assert_true(len > 0);
    mc_sha256(bytes, len, id);
    assert_memory_equal(id, f.ledger_id, MC_LEDGER_ID_BYTES);
    mc_ledger_info info = info_of(&f);
    assert_memory_equal(info.ledger_id, id, MC_LEDGER_ID_BYTES);
    free(bytes);
    /* Two communities never share an id, so a tx cannot be replayed across. */
    assert_memory_not_equal(f.ledger_id, g.ledger_id, MC_LEDGER_ID_BYTES);
    mc_fixture_reopen(&f);
    assert_int_equal(mc_ledger_genesis_bytes(f.ledger, &bytes, &len), MC_ERR_OK);
    mc_sha256(bytes, len, id);
    assert_memory_equal(id, f.ledger_id, MC_LEDGER_ID_BYTES);
    free(bytes);
    mc_fixture_teardown(&f);
    mc_fixture_teardown(&g);
}

/* ---- map growth and its bound ---------------------------------------------------------- */

/* A reader on another thread, querying while the writer grows the map
 * (queries may run concurrently with apply: see mc/ledger.h). cmocka's
 * asserts are not thread-safe, so failures are counted and checked after. */
typedef struct reader {
    mc_ledger *ledger;
    uint8_t key[MC_PUBLIC_KEY_BYTES];
    atomic_bool stop;
    atomic_uint failures;
    atomic_uint rounds;
} reader;

static int count_account(const mc_account *a, void *ctx)
{
    (void)a;
    (*(size_t *)ctx)++;
    return 0;
}

static int count_item(const mc_history_item *item, void *ctx)
{
    (void)item;
    (*(size_t *)ctx)++;
    return 0;
}

static void *reader_main(void *arg)
{
    reader *r = arg;
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = 50000};
    uint64_t last = 0;
    while (!atomic_load(&r->stop)) {
        uint64_t h = 0;
        size_t n = 0;
        mc_account a;
        uint8_t root[MC_HASH_BYTES];
        int ok = mc_ledger_height(r->ledger, &h) == MC_ERR_OK && h >= last;
        ok = ok && mc_ledger_root(r->ledger, h, root) == MC_ERR_OK;
        ok = ok && mc_ledger_get_account(r->ledger, r->key, &a) == MC_ERR_OK;
        ok = ok && mc_ledger_list_accounts(r->ledger, NULL, 4, count_account, &n) == MC_ERR_OK;
        ok = ok && mc_ledger_history(r->ledger, r->key, 0, 8, count_item, &n) == MC_ERR_OK;
        if (!ok) {
            atomic_fetch_add(&r->failures, 1u);
        }
        last = h;
        atomic_fetch_add(&r->rounds, 1u);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

#define GROW_MEMBERS 16u
#define GROW_BATCH 500u
#define GROW_BATCHES 24u

/* A map too small even for the genesis grows like any other. */
static void test_create_grows_tiny_map(void **state)
{
    (void)state;
    mc_fixture f;
    mc_ledger_options opts = {.no_sync = true, .map_size_bytes = 4096};
    setup_with_opts(&f, &opts);
    assert_true(info_of(&f).map_size > 4096);
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    mc_fixture_assert_invariants(&f);
    mc_keypair_free(a);
    mc_fixture_teardown(&f);
}

static void test_map_growth(void **state)
{
    (void)state;
    mc_fixture f;
    mc_ledger_options opts = {.no_sync = true, .map_size_bytes = MIB};
    setup_with_opts(&f, &opts);
    assert_int_equal(info_of(&f).map_size, MIB);

    static mc_tx *txs[GROW_BATCH];
    static mc_result results[GROW_BATCH];
    mc_keypair *m[GROW_MEMBERS];
    /* Opens, in one batch. */
    char handles[GROW_MEMBERS][16];
    for (size_t i = 0; i < GROW_MEMBERS; i++) {
        snprintf(handles[i], sizeof handles[i], "member%zu", i);
        txs[i] = open_tx(&f, &m[i], handles[i]);
    }
    assert_int_equal(mc_ledger_apply_batch(f.ledger, txs, GROW_MEMBERS, f.now, results), MC_ERR_OK);
    for (size_t i = 0; i < GROW_MEMBERS; i++) {
        MC_ASSERT_RESULT(results[i], MC_ERR_OK);
    }
    free_txs(txs, GROW_MEMBERS);

    static reader rd;
    rd.ledger = f.ledger;
    memcpy(rd.key, mc_keypair_public(m[0]), MC_PUBLIC_KEY_BYTES);
    atomic_init(&rd.stop, false);
    atomic_init(&rd.failures, 0u);
    atomic_init(&rd.rounds, 0u);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, reader_main, &rd), 0);

    char memo[MC_MEMO_LEN_MAX + 1];
    memset(memo, 'x', MC_MEMO_LEN_MAX);
    memo[MC_MEMO_LEN_MAX] = '\0';
    uint64_t map_size = MIB, count = 0;
    for (size_t batch = 0; batch < GROW_BATCHES; batch++) {
        for (size_t i = 0; i < GROW_BATCH; i++, count++) {
            txs[i] = transfer_tx(&f, m[count % GROW_MEMBERS], m[(count + 1) % GROW_MEMBERS],
                                 (int64_t)(count % 7 + 1), memo);
        }
        uint64_t h = mc_fixture_height(&f);
        assert_int_equal(mc_ledger_apply_batch(f.ledger, txs, GROW_BATCH, f.now, results),
                         MC_ERR_OK);
        for (size_t i = 0; i < GROW_BATCH; i++) {
            MC_ASSERT_RESULT(results[i], MC_ERR_OK);
            assert_int_equal(results[i].height, h + 1 + i);
        }
        free_txs(txs, GROW_BATCH);
        mc_ledger_info info = info_of(&f);
        assert_true(info.map_size >= map_size);
        map_size = info.map_size;
        f.now++;
    }
    /* 12,000 transfers with 140-byte memos: several MiB, so the map doubled
     * at least three times. */
    assert_true(map_size >= 8ull * MIB);
    atomic_store(&rd.stop, true);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(atomic_load(&rd.failures), 0);
    assert_true(atomic_load(&rd.rounds) > 0);
    assert_int_equal(mc_fixture_height(&f), GROW_MEMBERS + GROW_BATCH * GROW_BATCHES);
    mc_fixture_assert_invariants(&f);

    /* Reopened with the same small initial size: all there, and it grows again. */
    mc_fixture_reopen(&f);
    assert_int_equal(mc_fixture_height(&f), GROW_MEMBERS + GROW_BATCH * GROW_BATCHES);
    mc_fixture_assert_invariants(&f);
    for (size_t i = 0; i < GROW_BATCH; i++, count++) {
        txs[i] = transfer_tx(&f, m[count % GROW_MEMBERS], m[(count + 1) % GROW_MEMBERS], 1, memo);
    }
    assert_int_equal(mc_ledger_apply_batch(f.ledger, txs, GROW_BATCH, f.now, results), MC_ERR_OK);
    for (size_t i = 0; i < GROW_BATCH; i++) {
        MC_ASSERT_RESULT(results[i], MC_ERR_OK);
    }
    free_txs(txs, GROW_BATCH);
    mc_fixture_assert_invariants(&f);
    for (size_t i = 0; i < GROW_MEMBERS; i++) {
        mc_keypair_free(m[i]);
    }
    mc_fixture_teardown(&f);
}

#define FULL_MAP (256u * 1024u)
#define FULL_BATCH 100u

static void test_map_size_max(void **state)
{
    (void)state;
    mc_fixture f;
    mc_ledger_options opts = {
        .no_sync = true, .map_size_bytes = FULL_MAP, .map_size_max = FULL_MAP};
    setup_with_opts(&f, &opts);
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    mc_keypair *b = mc_fixture_open(&f, "bob", MC_KIND_MEMBER, NULL);
    char memo[MC_MEMO_LEN_MAX + 1];
    memset(memo, 'y', MC_MEMO_LEN_MAX);
    memo[MC_MEMO_LEN_MAX] = '\0';

    static mc_tx *txs[FULL_BATCH];
    static mc_result results[FULL_BATCH];
    int rc = MC_ERR_OK;
    size_t batches = 0;
    for (; batches < 200 && rc == MC_ERR_OK; batches++) {
        for (size_t i = 0; i < FULL_BATCH; i++) {
            txs[i] = i % 2 ? transfer_tx(&f, a, b, 1, memo) : transfer_tx(&f, b, a, 1, memo);
        }
        uint8_t digest[MC_HASH_BYTES], after[MC_HASH_BYTES];
        mc_fixture_state_digest(&f, digest);
        uint64_t h = mc_fixture_height(&f);
        rc = mc_ledger_apply_batch(f.ledger, txs, FULL_BATCH, f.now, results);
        if (rc == MC_ERR_OK) {
            free_txs(txs, FULL_BATCH);
            continue;
        }
        assert_int_equal(rc, MC_ERR_STORAGE_FULL);
        for (size_t i = 0; i < FULL_BATCH; i++) {
            MC_ASSERT_RESULT(results[i], MC_ERR_STORAGE_FULL);
            assert_int_equal(results[i].height, 0);
            assert_false(results[i].duplicate);
            assert_memory_equal(results[i].tx_id, mc_tx_id_of(txs[i]), MC_TX_ID_BYTES);
        }
        assert_int_equal(mc_fixture_height(&f), h);
        mc_fixture_state_digest(&f, after);
        assert_memory_equal(after, digest, MC_HASH_BYTES);
        assert_true(strlen(mc_ledger_last_error(f.ledger)) > 0);
        uint64_t found = 0;
        assert_int_equal(mc_ledger_find_tx(f.ledger, mc_tx_id_of(txs[0]), &found),
                         MC_ERR_NOT_FOUND);
    }
    assert_int_equal(rc, MC_ERR_STORAGE_FULL);
    assert_true(batches > 1); /* some batches fitted first */
    assert_int_equal(info_of(&f).map_size, FULL_MAP);
    mc_fixture_assert_invariants(&f);

    /* The same batch, once the bound is raised, applies. */
    uint64_t h = mc_fixture_height(&f);
    f.opts.map_size_max = 0;
    mc_fixture_reopen(&f);
    assert_int_equal(mc_ledger_apply_batch(f.ledger, txs, FULL_BATCH, f.now, results), MC_ERR_OK);
    for (size_t i = 0; i < FULL_BATCH; i++) {
        MC_ASSERT_RESULT(results[i], MC_ERR_OK);
    }
    assert_int_equal(mc_fixture_height(&f), h + FULL_BATCH);
    assert_true(info_of(&f).map_size > FULL_MAP);
    mc_fixture_assert_invariants(&f);
    free_txs(txs, FULL_BATCH);
    mc_keypair_free(a);
    mc_keypair_free(b);
    mc_fixture_teardown(&f);
}

/* ---- queries over accounts ---------------------------------------------------------- */

static void test_history_paging(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 1, 1, NULL);
    mc_keypair **m = open_members(&f, 4, "m");
    const uint8_t *alice = mc_keypair_public(m[0]);
    /* Interleave alice's items with other accounts' to test the key boundary. */
    size_t alice_items = 1; /* the opening */
    for (size_t i = 0; i < 30; i++) {
        size_t payer = i % 4, payee = (i * 3 + 1) % 4;
        if (payer == payee) {
            payee = (payee + 1) % 4;
        }
        MC_ASSERT_RESULT(
            mc_fixture_pay(&f, m[payer], mc_keypair_public(m[payee]), (int64_t)(100 + i), NULL),
            MC_ERR_OK);
        alice_items += payer == 0 || payee == 0;
    }
    mc_body b = mc_fixture_body(&f, MC_TX_SET_LIMITS); /* a zero-delta item */
    memcpy(b.u.set_limits.account, alice, MC_PUBLIC_KEY_BYTES);
    b.u.set_limits.limits = (mc_limits){-20000, 20000};
    MC_ASSERT_RESULT(mc_fixture_submit_stewards(&f, &b), MC_ERR_OK);
    alice_items++;

    static history all, page;
    history_of(&f, alice, 0, 0, &all);
    assert_int_equal(all.n, alice_items);
    assert_int_equal(all.items[0].height, mc_fixture_height(&f));
    assert_int_equal(all.items[0].delta, 0);
    assert_int_equal(all.items[0].balance_after, mc_fixture_balance(&f, alice));
    mc_account acc;
    assert_int_equal(mc_ledger_get_account(f.ledger, alice, &acc), MC_ERR_OK);
    assert_int_equal(all.items[all.n - 1].height, acc.opened_height);
    assert_int_equal(all.items[all.n - 1].delta, 0);
    assert_int_equal(all.items[all.n - 1].balance_after, 0);
    for (size_t i = 0; i + 1 < all.n; i++) {
        assert_true(all.items[i].height > all.items[i + 1].height);
        assert_int_equal(all.items[i].balance_after - all.items[i].delta,
                         all.items[i + 1].balance_after);
    }

    /* Pages of 4 (of 3 for the others), each starting below the last
     * height seen, add up to the whole history: for every account, so that
     * the first and the last key of the index are both walked. */
    for (size_t k = 0; k < 4; k++) {
        assert_paging(&f, mc_keypair_public(m[k]), k == 0 ? 4 : 3);
    }

    /* before_height excludes that height; 1 excludes everything. */
    history_of(&f, alice, all.items[2].height, 0, &page);
    assert_int_equal(page.n, all.n - 3);
    assert_int_equal(page.items[0].height, all.items[3].height);
    history_of(&f, alice, 1, 0, &page);
    assert_int_equal(page.n, 0);
    history_of(&f, alice, UINT64_MAX, 1, &page);
    assert_int_equal(page.n, 1);
    assert_int_equal(page.items[0].height, all.items[0].height);

    /* Every account's history is its own and adds up to its balance. */
    for (size_t k = 0; k < 4; k++) {
        history_of(&f, mc_keypair_public(m[k]), 0, 0, &page);
        int64_t sum = 0;
        for (size_t i = 0; i < page.n; i++) {
            sum += page.items[i].delta;
        }
        assert_int_equal(sum, mc_fixture_balance(&f, mc_keypair_public(m[k])));
    }
    /* An unknown key has no history. */
    uint8_t nobody[MC_PUBLIC_KEY_BYTES];
    memset(nobody, 0xff, sizeof nobody);
    history_of(&f, nobody, 0, 0, &page);
    assert_int_equal(page.n, 0);
    memset(nobody, 0x00, sizeof nobody);
    history_of(&f, nobody, 0, 0, &page);
    assert_int_equal(page.n, 0);
    free_members(m, 4);
    mc_fixture_teardown(&f);
}

typedef struct stopper {
    size_t calls, stop_at;
} stopper;

static int stop_after(const mc_account *a, void *ctx)
{
    (void)a;
    stopper *s = ctx;
    return ++s->calls == s->stop_at ? 7 : 0;
}

static void test_list_accounts_paging(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 1, 1, NULL);
    mc_keypair **m = open_members(&f, 13, "acct");
    static accounts all, page, joined;
    list_all(&f, NULL, 0, &all);
    assert_int_equal(all.n, 13);
    for (size_t i = 0; i + 1 < all.n; i++) {
        assert_true(memcmp(all.a[i].public_key, all.a[i + 1].public_key, MC_PUBLIC_KEY_BYTES) < 0);
    }
    for (size_t k = 0; k < 13; k++) {
        bool seen = false;
        for (size_t i = 0; i < all.n; i++) {
            seen |= memcmp(all.a[i].public_key, mc_keypair_public(m[k]), MC_PUBLIC_KEY_BYTES) == 0;
        }
        assert_true(seen);
    }

    /* Pages of 5 after the last key seen. */
    memset(&joined, 0, sizeof joined);
    const uint8_t *after = NULL;
    uint8_t last[MC_PUBLIC_KEY_BYTES];
    for (size_t pages = 0; pages < 20; pages++) {
        list_all(&f, after, 5, &page);
        assert_true(page.n <= 5);
        if (page.n == 0) {
            break;
        }
        memcpy(&joined.a[joined.n], page.a, page.n * sizeof page.a[0]);
        joined.n += page.n;
        memcpy(last, page.a[page.n - 1].public_key, MC_PUBLIC_KEY_BYTES);
        after = last;
    }
    assert_int_equal(joined.n, all.n);
    assert_memory_equal(joined.a, all.a, all.n * sizeof all.a[0]);

    /* After the last key: nothing. After a key that is no account: the next one. */
    list_all(&f, all.a[all.n - 1].public_key, 0, &page);
    assert_int_equal(page.n, 0);
    uint8_t between[MC_PUBLIC_KEY_BYTES];
    memcpy(between, all.a[4].public_key, MC_PUBLIC_KEY_BYTES);
    for (int i = MC_PUBLIC_KEY_BYTES - 1; i >= 0; i--) { /* key + 1 */
        if (++between[i] != 0) {
            break;
        }
    }
    list_all(&f, between, 1, &page);
    assert_int_equal(page.n, 1);
    assert_memory_equal(page.a[0].public_key, all.a[5].public_key, MC_PUBLIC_KEY_BYTES);
    uint8_t zero[MC_PUBLIC_KEY_BYTES] = {0};
    list_all(&f, zero, 0, &page);
    assert_int_equal(page.n, all.n);

    /* A non-zero return stops the walk and is returned. */
    stopper s = {.calls = 0, .stop_at = 3};
    assert_int_equal(mc_ledger_list_accounts(f.ledger, NULL, 0, stop_after, &s), 7);
    assert_int_equal(s.calls, 3);
    free_members(m, 13);
    mc_fixture_teardown(&f);
}

/* ---- queries over the log -------------------------------------------------------------- */

#define LOG_TXS_MAX 64u

typedef struct logged {
    uint8_t tx_id[MC_TX_ID_BYTES];
    int64_t time;
    mc_tx_kind kind;
} logged;

static void test_log_entries_and_roots(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 1, 1, NULL);
    static logged log[LOG_TXS_MAX + 1]; /* by height */
    uint8_t root0[MC_HASH_BYTES], empty[MC_HASH_BYTES];
    assert_int_equal(mc_ledger_root(f.ledger, 0, root0), MC_ERR_OK);
    mc_merkle_root_of(NULL, 0, empty);
    assert_memory_equal(root0, empty, MC_HASH_BYTES);

    mc_keypair *m[3];
    const char *handles[] = {"ann", "ben", "cat"};
    uint64_t n = 0;
    for (size_t i = 0; i < 3; i++) {
        mc_tx *tx = open_tx(&f, &m[i], handles[i]);
        mc_result r;
        assert_int_equal(mc_ledger_apply(f.ledger, tx, f.now, &r), MC_ERR_OK);
        MC_ASSERT_RESULT(r, MC_ERR_OK);
        n = r.height;
        memcpy(log[n].tx_id, r.tx_id, MC_TX_ID_BYTES);
        log[n].time = f.now;
        log[n].kind = MC_TX_OPEN_ACCOUNT;
        mc_tx_free(tx);
    }
    /* Batches of transfers, some refused (not logged), at moving times. */
    for (size_t batch = 0; batch < 8; batch++) {
        mc_tx *txs[5];
        mc_result results[5];
        for (size_t i = 0; i < 5; i++) {
            int64_t amount = i == 3 ? 1000000 : (int64_t)(batch * 10 + i + 1);
            txs[i] = transfer_tx(&f, m[i % 3], m[(i + 1) % 3], amount, "log");
        }
        f.now += 17;
        assert_int_equal(mc_ledger_apply_batch(f.ledger, txs, 5, f.now, results), MC_ERR_OK);
        for (size_t i = 0; i < 5; i++) {
            if (i == 3) {
                MC_ASSERT_RESULT(results[i], MC_ERR_EXCEEDS_CREDIT_LIMIT);
                uint64_t h = 0;
                assert_int_equal(mc_ledger_find_tx(f.ledger, mc_tx_id_of(txs[i]), &h),
                                 MC_ERR_NOT_FOUND);
                continue;
            }
            MC_ASSERT_RESULT(results[i], MC_ERR_OK);
            assert_int_equal(results[i].height, n + 1);
            n++;
            assert_true(n <= LOG_TXS_MAX);
            memcpy(log[n].tx_id, results[i].tx_id, MC_TX_ID_BYTES);
            log[n].time = f.now;
            log[n].kind = MC_TX_TRANSFER;
        }
        free_txs(txs, 5);
    }
    assert_int_equal(mc_fixture_height(&f), n);

    static uint8_t leaves[LOG_TXS_MAX][MC_HASH_BYTES];
    for (uint64_t h = 1; h <= n; h++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        assert_int_equal(mc_ledger_get_entry(f.ledger, h, &bytes, &len), MC_ERR_OK);
        mc_merkle_leaf_hash(bytes, len, leaves[h - 1]);
        mc_entry e;
        assert_int_equal(mc_entry_decode(bytes, len, &e), MC_ERR_OK);
        assert_int_equal(e.height, h);
        assert_int_equal(e.time, log[h].time);
        assert_int_equal(e.result, MC_ERR_OK);
        assert_non_null(e.tx);
        assert_memory_equal(mc_tx_id_of(e.tx), log[h].tx_id, MC_TX_ID_BYTES);
        assert_int_equal(mc_tx_kind_of(e.tx), log[h].kind);
        assert_int_equal(mc_tx_verify(e.tx), MC_ERR_OK); /* signatures kept as signed */
        mc_entry_clear(&e);
        assert_null(e.tx);
        free(bytes);
        uint64_t found = 0;
        assert_int_equal(mc_ledger_find_tx(f.ledger, log[h].tx_id, &found), MC_ERR_OK);
        assert_int_equal(found, h);
    }
    for (uint64_t size = 0; size <= n; size++) {
        uint8_t root[MC_HASH_BYTES], expect[MC_HASH_BYTES];
        assert_int_equal(mc_ledger_root(f.ledger, size, root), MC_ERR_OK);
        mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])leaves, size, expect);
        if (memcmp(root, expect, MC_HASH_BYTES) != 0) {
            print_error("root of size %llu differs\n", (unsigned long long)size);
            fail();
        }
    }
    uint8_t root[MC_HASH_BYTES];
    assert_int_not_equal(mc_ledger_root(f.ledger, n + 1, root), MC_ERR_OK);
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(mc_ledger_get_entry(f.ledger, 0, &bytes, &len), MC_ERR_NOT_FOUND);
    assert_int_equal(mc_ledger_get_entry(f.ledger, n + 1, &bytes, &len), MC_ERR_NOT_FOUND);
    uint8_t unknown[MC_TX_ID_BYTES] = {1, 2, 3};
    uint64_t found = 0;
    assert_int_equal(mc_ledger_find_tx(f.ledger, unknown, &found), MC_ERR_NOT_FOUND);
    static const uint8_t junk[] = {0x0a, 0x7f, 0x01};
    mc_entry e;
    assert_int_equal(mc_entry_decode(junk, sizeof junk, &e), MC_ERR_MALFORMED);

    /* The same after a reopen. */
    mc_fixture_reopen(&f);
    for (uint64_t size = 0; size <= n; size += 5) {
        uint8_t expect[MC_HASH_BYTES];
        assert_int_equal(mc_ledger_root(f.ledger, size, root), MC_ERR_OK);
        mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])leaves, size, expect);
        assert_memory_equal(root, expect, MC_HASH_BYTES);
    }
    mc_fixture_assert_invariants(&f);
    for (size_t i = 0; i < 3; i++) {
        mc_keypair_free(m[i]);
    }
    mc_fixture_teardown(&f);
}

/* ---- storage failures and batch bounds ----------------------------------------------- */

static void test_storage_errors(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 1, 1, NULL); /* for its stewards */
    mc_genesis_params p;
    uint8_t keys[MC_FIXTURE_STEWARDS_MAX][MC_PUBLIC_KEY_BYTES];
    fixture_params(&f, &p, keys);
    char *dir = mc_test_tmpdir();
    char path[600];
    mc_ledger *l = NULL;

    /* A directory that cannot be made. */
    snprintf(path, sizeof path, "%s/missing/parent", dir);
    assert_int_equal(mc_ledger_create(path, &p, NULL, &l), MC_ERR_STORAGE_IO);
    assert_null(l);
    /* A regular file where the directory should be. */
    snprintf(path, sizeof path, "%s/file", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("not a directory\n", fp);
    fclose(fp);
    assert_int_equal(mc_ledger_create(path, &p, NULL, &l), MC_ERR_STORAGE_IO);
    assert_null(l);
    assert_int_not_equal(mc_ledger_open(path, NULL, &l), MC_ERR_OK);
    assert_null(l);

    /* A data file that is not an LMDB environment: corrupt, not "no ledger". */
    snprintf(path, sizeof path, "%s/garbage", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    char data[640];
    snprintf(data, sizeof data, "%s/data.mdb", path);
    fp = fopen(data, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < 3 * 4096; i++) {
        fputc(0xab, fp);
    }
    fclose(fp);
    assert_int_equal(mc_ledger_open(path, NULL, &l), MC_ERR_CORRUPT);
    assert_null(l);
    mc_test_rmtree(dir);
    free(dir);
    mc_fixture_teardown(&f);
}

static void test_batch_bounds(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 1, 1, NULL);
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    mc_keypair *b = mc_fixture_open(&f, "bob", MC_KIND_MEMBER, NULL);
    uint8_t digest[MC_HASH_BYTES], after[MC_HASH_BYTES];
    mc_fixture_state_digest(&f, digest);
    /* An empty batch is a no-op. */
    mc_result r;
    assert_int_equal(mc_ledger_apply_batch(f.ledger, NULL, 0, f.now, &r), MC_ERR_OK);
    /* More than MC_BATCH_MAX is refused outright. */
    mc_tx **txs = calloc(MC_BATCH_MAX + 1, sizeof *txs);
    mc_result *results = calloc(MC_BATCH_MAX + 1, sizeof *results);
    assert_non_null(txs);
    assert_non_null(results);
    mc_tx *tx = transfer_tx(&f, a, b, 1, NULL);
    for (size_t i = 0; i <= MC_BATCH_MAX; i++) {
        txs[i] = tx;
    }
    assert_int_equal(mc_ledger_apply_batch(f.ledger, txs, MC_BATCH_MAX + 1, f.now, results),
                     MC_ERR_INVALID_ARGUMENT);
    mc_fixture_state_digest(&f, after);
    assert_memory_equal(after, digest, MC_HASH_BYTES);
    /* MC_BATCH_MAX copies of one tx: applied once, the rest duplicates. */
    uint64_t h = mc_fixture_height(&f);
    assert_int_equal(mc_ledger_apply_batch(f.ledger, txs, MC_BATCH_MAX, f.now, results), MC_ERR_OK);
    MC_ASSERT_RESULT(results[0], MC_ERR_OK);
    assert_false(results[0].duplicate);
    for (size_t i = 1; i < MC_BATCH_MAX; i++) {
        MC_ASSERT_RESULT(results[i], MC_ERR_OK);
        assert_true(results[i].duplicate);
        assert_int_equal(results[i].height, h + 1);
    }
    assert_int_equal(mc_fixture_height(&f), h + 1);
    mc_fixture_assert_invariants(&f);
    mc_tx_free(tx);
    free(txs);
    free(results);
    mc_keypair_free(a);
    mc_keypair_free(b);
    mc_fixture_teardown(&f);
}

/* ---- a durable ledger ---------------------------------------------------------------- */

static void test_durable(void **state)
{
    (void)state;
    mc_fixture f;
    mc_ledger_options opts = {.no_sync = false};
    setup_with_opts(&f, &opts);
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    mc_keypair *b = mc_fixture_open(&f, "bob", MC_KIND_MEMBER, NULL);
    MC_ASSERT_RESULT(mc_fixture_pay(&f, a, mc_keypair_public(b), 1234, "durable"), MC_ERR_OK);
    MC_ASSERT_RESULT(mc_fixture_pay(&f, b, mc_keypair_public(a), 234, NULL), MC_ERR_OK);
    uint8_t digest[MC_HASH_BYTES], after[MC_HASH_BYTES];
    mc_fixture_state_digest(&f, digest);
    mc_fixture_reopen(&f);
    mc_fixture_state_digest(&f, after);
    assert_memory_equal(after, digest, MC_HASH_BYTES);
    assert_int_equal(mc_fixture_height(&f), 4);
    assert_int_equal(mc_fixture_balance(&f, mc_keypair_public(a)), -1000);
    assert_int_equal(mc_fixture_balance(&f, mc_keypair_public(b)), 1000);
    /* Opened without options (NULL): durable by default. */
    mc_ledger_close(f.ledger);
    assert_int_equal(mc_ledger_open(f.dir, NULL, &f.ledger), MC_ERR_OK);
    MC_ASSERT_RESULT(mc_fixture_pay(&f, a, mc_keypair_public(b), 1, NULL), MC_ERR_OK);
    mc_fixture_assert_invariants(&f);
    mc_keypair_free(a);
    mc_keypair_free(b);
    mc_fixture_teardown(&f);
}

/* ---- state numbers and deferred meta sync ---------------------------------------- */

typedef struct states {
    uint64_t committed, durable, read;
} states;

static states states_of(mc_fixture *f)
{
    return (states){mc_ledger_committed_state(f->ledger), mc_ledger_durable_state(f->ledger),
                    mc_ledger_read_state(f->ledger)};
}

/* With deferred meta sync a commit is durable once the next commit that
 * changes the ledger, or a sync, has flushed; a batch that changes nothing
 * (a refusal) makes no new state and flushes nothing; reads record the
 * newest state they saw; closing syncs, and a reopened ledger holds every
 * committed transaction with nothing pending. */
static void test_deferred_meta_sync(void **state)
{
    (void)state;
    mc_fixture f;
    mc_ledger_options opts = {.meta_sync_deferred = true};
    setup_with_opts(&f, &opts);
    states s0 = states_of(&f);
    assert_int_equal(s0.durable, s0.committed); /* the genesis is durable */
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    states s1 = states_of(&f);
    assert_true(s1.committed > s0.committed);
    assert_int_equal(s1.durable, s0.committed);
    mc_keypair *b = mc_fixture_open(&f, "bob", MC_KIND_MEMBER, NULL);
    states s2 = states_of(&f);
    assert_true(s2.committed > s1.committed);
    assert_int_equal(s2.durable, s1.committed); /* carried by bob's commit */
    MC_ASSERT_RESULT(mc_fixture_pay(&f, a, mc_keypair_public(b), 99999, NULL),
                     MC_ERR_EXCEEDS_CREDIT_LIMIT);
    states s3 = states_of(&f);
    assert_int_equal(s3.committed, s2.committed);
    assert_int_equal(s3.durable, s2.durable);
    assert_true(s3.read <= s3.committed);
    assert_int_equal(mc_fixture_balance(&f, mc_keypair_public(a)), 0);
    assert_int_equal(states_of(&f).read, s2.committed);
    assert_int_equal(mc_ledger_sync(f.ledger), MC_ERR_OK);
    assert_int_equal(states_of(&f).durable, s2.committed);
    assert_int_equal(mc_ledger_sync(f.ledger), MC_ERR_OK); /* nothing pending */
    MC_ASSERT_RESULT(mc_fixture_pay(&f, a, mc_keypair_public(b), 700, NULL), MC_ERR_OK);
    states s4 = states_of(&f);
    assert_true(s4.committed > s2.committed);
    assert_int_equal(s4.durable, s2.committed);
    mc_fixture_reopen(&f); /* closing syncs */
    states s5 = states_of(&f);
    assert_int_equal(s5.committed, s4.committed);
    assert_int_equal(s5.durable, s4.committed);
    assert_int_equal(mc_fixture_height(&f), 3);
    assert_int_equal(mc_fixture_balance(&f, mc_keypair_public(b)), 700);
    mc_fixture_assert_invariants(&f);
    mc_keypair_free(a);
    mc_keypair_free(b);
    mc_fixture_teardown(&f);
}

/* Without deferred meta sync (and with no_sync, which promises nothing)
 * every commit counts as durable at once. */
static void test_states_without_deferral(void **state)
{
    (void)state;
    const mc_ledger_options modes[] = {
        {.no_sync = false}, {.no_sync = true}, {.no_sync = true, .meta_sync_deferred = true}};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        mc_fixture f;
        setup_with_opts(&f, &modes[m]);
        states s0 = states_of(&f);
        mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
        states s1 = states_of(&f);
        assert_true(s1.committed > s0.committed);
        assert_int_equal(s1.durable, s1.committed);
        assert_int_equal(mc_ledger_sync(f.ledger), MC_ERR_OK);
        mc_keypair_free(a);
        mc_fixture_teardown(&f);
    }
}

static void test_is_steward(void **state)
{
    (void)state;
    mc_fixture f;
    mc_fixture_setup(&f, 3, 2, NULL);
    for (size_t i = 0; i < f.steward_count; i++) {
        assert_true(mc_ledger_is_steward(f.ledger, mc_keypair_public(f.stewards[i])));
    }
    mc_keypair *member = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    assert_false(mc_ledger_is_steward(f.ledger, mc_keypair_public(member)));
    mc_ledger_info info = info_of(&f);
    assert_false(mc_ledger_is_steward(f.ledger, info.node_public_key));
    mc_keypair_free(member);
    mc_fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reopen_intact),
        cmocka_unit_test(test_create_on_existing_ledger),
        cmocka_unit_test(test_open_without_ledger),
        cmocka_unit_test(test_config_invalid),
        cmocka_unit_test(test_ledger_id_is_genesis_hash),
        cmocka_unit_test(test_create_grows_tiny_map),
        cmocka_unit_test(test_map_growth),
        cmocka_unit_test(test_map_size_max),
        cmocka_unit_test(test_history_paging),
        cmocka_unit_test(test_list_accounts_paging),
        cmocka_unit_test(test_log_entries_and_roots),
        cmocka_unit_test(test_storage_errors),
        cmocka_unit_test(test_batch_bounds),
        cmocka_unit_test(test_durable),
        cmocka_unit_test(test_deferred_meta_sync),
        cmocka_unit_test(test_states_without_deferral),
        cmocka_unit_test(test_is_steward),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
