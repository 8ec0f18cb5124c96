/* The log as an auditor sees it (DESIGN.md, "The log, for auditors"): a
 * ledger with the node's checkpoint key lives through a random history
 * (openings, then transfers in random batches at an advancing time, with
 * batches refused whole), and then
 *  - it holds exactly one checkpoint per batch that grew the log, of the new
 *    size, with the root of that size and the batch's time, signed by the
 *    node, and mc_ledger_check() passes;
 *  - inclusion proofs of every transaction at several sizes and consistency
 *    proofs between many pairs of sizes verify, and equal the proofs made
 *    over the leaf hashes held in memory;
 *  - its export holds the genesis, every entry and every checkpoint in
 *    order, and replaying it on fresh ledgers (one entry at a time; and
 *    grouped as exported, with the node key) gives the same entries and
 *    root, and the same export byte for byte;
 *  - mc_ledger_sign_checkpoint() signs only what is missing, at the time of
 *    the last entry; a key other than the genesis node key is refused;
 *  - the export reader survives a file cut at every offset and bad headers.
 *
 * Environment: MC_AUDIT_SEED (default: from the clock; printed) replays the
 * same choices and results; keys and the genesis salt change from run to
 * run, which changes bytes but no result. */
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

#include <sodium.h>

#include "ledger.pb-c.h"
#include "mc/export.h"

#define MEMBERS 24u
#define TRANSFERS 320u
#define BATCH_MAX 12u
#define HEIGHT_MAX (MEMBERS + TRANSFERS)
#define RECORDS_MAX (2u * HEIGHT_MAX + 2u)
#define SIZES_PER_TX 5u
#define SMALL_RECORDS 8u

static uint64_t rng;

static uint64_t below(uint64_t n)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (z ^ (z >> 31)) % n;
}

/* The random history, built once by the group setup. */
static struct history {
    mc_fixture f;
    mc_keypair *node;
    uint64_t height;
    int64_t times[HEIGHT_MAX + 1]; /* entry time by height */
    uint8_t tx_ids[HEIGHT_MAX + 1][MC_TX_ID_BYTES];
    uint8_t leaves[HEIGHT_MAX][MC_HASH_BYTES]; /* leaf hash of height i + 1 */
    uint64_t cp_sizes[HEIGHT_MAX];             /* the checkpoints expected */
    int64_t cp_times[HEIGHT_MAX];
    size_t cp_count, batches, refused_batches, duplicates;
} hist;

/* A fresh ledger in f (one steward, quorum 1) whose genesis names `node`;
 * checkpoints signed with it when `keyed`. */
static void ledger_make(mc_fixture *f, const mc_keypair *node, bool keyed)
{
    memset(f, 0, sizeof *f);
    char *dir = mc_test_tmpdir();
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    free(dir);
    assert_int_equal(mc_keypair_generate(&f->stewards[0]), MC_ERR_OK);
    f->steward_count = 1;
    f->quorum = 1;
    mc_genesis_params p;
    mc_genesis_params_default(&p);
    p.community = "audit";
    p.stewards = (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])mc_keypair_public(f->stewards[0]);
    p.steward_count = 1;
    memcpy(p.node_public_key, mc_keypair_public(node), MC_PUBLIC_KEY_BYTES);
    p.created_at = 1700000000;
    f->opts.no_sync = true;
    f->opts.checkpoint_key = keyed ? node : NULL;
    assert_int_equal(mc_ledger_create(f->dir, &p, &f->opts, &f->ledger), MC_ERR_OK);
    mc_ledger_info info;
    assert_int_equal(mc_ledger_get_info(f->ledger, &info), MC_ERR_OK);
    memcpy(f->ledger_id, info.ledger_id, MC_LEDGER_ID_BYTES);
    f->nonce = 1;
    f->now = 1700000100;
}

static mc_tx *open_tx(const mc_keypair *kp, const char *handle)
{
    mc_body b = mc_fixture_body(&hist.f, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = MC_KIND_MEMBER;
    return mc_fixture_sign(&hist.f, &b, (const mc_keypair *const *)hist.f.stewards, 1);
}

static mc_tx *pay_tx(const mc_keypair *payer, const mc_keypair *payee, int64_t amount)
{
    mc_body b = mc_fixture_body(&hist.f, MC_TX_TRANSFER);
    memcpy(b.u.transfer.payer, mc_keypair_public(payer), MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, mc_keypair_public(payee), MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = amount;
    return mc_fixture_sign(&hist.f, &b, &payer, 1);
}

/* One batch at a later time; what it logs is recorded. Returns the index
 * of the first transaction logged, or n. */
static size_t history_apply(mc_tx **txs, size_t n)
{
    mc_result r[BATCH_MAX];
    uint64_t before = hist.height;
    size_t first = n;
    hist.f.now += 1 + (int64_t)below(90);
    assert_int_equal(mc_ledger_apply_batch(hist.f.ledger, txs, n, hist.f.now, r), MC_ERR_OK);
    for (size_t i = 0; i < n; i++) {
        if (r[i].code != MC_ERR_OK || r[i].duplicate) {
            hist.duplicates += r[i].duplicate;
            assert_true(r[i].height <= before);
            continue;
        }
        assert_true(r[i].height == ++hist.height);
        memcpy(hist.tx_ids[hist.height], r[i].tx_id, MC_TX_ID_BYTES);
        hist.times[hist.height] = hist.f.now;
        first = first < n ? first : i;
    }
    hist.batches++;
    if (hist.height > before) {
        hist.cp_sizes[hist.cp_count] = hist.height;
        hist.cp_times[hist.cp_count++] = hist.f.now;
    } else {
        hist.refused_batches++;
    }
    return first;
}

/* A batch that logs nothing: self transfers, zero amounts, amounts past
 * every credit limit, and maybe `dup` (logged before) again. */
static void refused_batch(mc_keypair **members, mc_tx *dup)
{
    mc_tx *txs[4];
    size_t ia = (size_t)below(MEMBERS), ib = (ia + 1 + (size_t)below(MEMBERS - 1)) % MEMBERS;
    size_t fresh = 1 + (size_t)below(3), n = fresh;
    for (size_t i = 0; i < fresh; i++) {
        uint64_t how = below(3);
        txs[i] = how == 0   ? pay_tx(members[ia], members[ia], 100)
                 : how == 1 ? pay_tx(members[ia], members[ib], 0)
                            : pay_tx(members[ib], members[ia], 1000000000);
    }
    if (dup != NULL && below(2) == 0) {
        txs[n++] = dup;
    }
    uint64_t before = hist.height;
    history_apply(txs, n);
    assert_true(hist.height == before);
    for (size_t i = 0; i < fresh; i++) {
        mc_tx_free(txs[i]);
    }
}

static void open_members(mc_keypair **members)
{
    for (size_t opened = 0; opened < MEMBERS;) {
        mc_tx *txs[BATCH_MAX];
        size_t n = 1 + (size_t)below(6);
        n = n < MEMBERS - opened ? n : MEMBERS - opened;
        for (size_t i = 0; i < n; i++) {
            char handle[16];
            assert_int_equal(mc_keypair_generate(&members[opened + i]), MC_ERR_OK);
            snprintf(handle, sizeof handle, "member%zu", opened + i);
            txs[i] = open_tx(members[opened + i], handle);
        }
        assert_int_equal(history_apply(txs, n), 0);
        for (size_t i = 0; i < n; i++) {
            mc_tx_free(txs[i]);
        }
        opened += n;
    }
}

/* Transfers in random batches, some refused whole; `dup` is a transaction
 * logged earlier, sent again. */
static void transfer_batches(mc_keypair **members)
{
    mc_tx *dup = NULL;
    for (size_t sent = 0, batch = 0; sent < TRANSFERS; batch++) {
        if (batch == 1 || below(8) == 0) {
            refused_batch(members, dup);
            continue;
        }
        mc_tx *txs[BATCH_MAX];
        size_t n = 1 + (size_t)below(BATCH_MAX);
        n = n < TRANSFERS - sent ? n : TRANSFERS - sent;
        for (size_t i = 0; i < n; i++) {
            txs[i] = pay_tx(members[below(MEMBERS)], members[below(MEMBERS)],
                            1 + (int64_t)below(12000)); /* self transfers are refused */
        }
        size_t logged = history_apply(txs, n);
        for (size_t i = 0; i < n; i++) {
            if (i == logged) {
                mc_tx_free(dup);
                dup = txs[i];
            } else {
                mc_tx_free(txs[i]);
            }
        }
        sent += n;
    }
    mc_tx_free(dup);
}

static int history_setup(void **state)
{
    (void)state;
    mc_keypair *members[MEMBERS];
    mc_result none[1];
    assert_int_equal(mc_keypair_generate(&hist.node), MC_ERR_OK);
    ledger_make(&hist.f, hist.node, true);
    open_members(members);
    transfer_batches(members);
    assert_int_equal(mc_ledger_apply_batch(hist.f.ledger, NULL, 0, hist.f.now + 1, none),
                     MC_ERR_OK); /* an empty batch grows nothing either */
    for (size_t i = 0; i < MEMBERS; i++) {
        mc_keypair_free(members[i]);
    }
    for (uint64_t x = 1; x <= hist.height; x++) {
        uint8_t *entry = NULL;
        size_t len = 0;
        assert_int_equal(mc_ledger_get_entry(hist.f.ledger, x, &entry, &len), MC_ERR_OK);
        mc_merkle_leaf_hash(entry, len, hist.leaves[x - 1]);
        free(entry);
    }
    printf("history: %" PRIu64 " entries, %zu batches (%zu refused whole, %zu duplicates), "
           "%zu checkpoints\n",
           hist.height, hist.batches, hist.refused_batches, hist.duplicates, hist.cp_count);
    return 0;
}

static int history_teardown(void **state)
{
    (void)state;
    mc_fixture_teardown(&hist.f);
    mc_keypair_free(hist.node);
    return 0;
}

/* ---- checkpoints ------------------------------------------------------------ */

/* The sizes of the stored checkpoints, each verified as the node's. */
typedef struct walk {
    size_t count, stop; /* the callback stops the walk (7) after `stop` (0: never) */
    uint64_t sizes[HEIGHT_MAX + 1];
} walk;

static int collect(uint64_t size, const char *text, size_t len, void *ctx)
{
    walk *w = ctx;
    mc_checkpoint cp;
    assert_int_equal(mc_checkpoint_verify(text, len, mc_keypair_public(hist.node), &cp), MC_ERR_OK);
    assert_true(cp.size == size && w->count <= HEIGHT_MAX);
    w->sizes[w->count++] = size;
    return w->count == w->stop ? 7 : 0;
}

static walk *walk_of(mc_ledger *l, uint64_t after, size_t limit)
{
    walk *w = calloc(1, sizeof *w);
    assert_non_null(w);
    assert_int_equal(mc_ledger_checkpoints(l, after, limit, collect, w), MC_ERR_OK);
    return w;
}

static size_t checkpoint_count(mc_ledger *l)
{
    walk *w = walk_of(l, 0, 0);
    size_t n = w->count;
    free(w);
    return n;
}

/* The checkpoint of `size` in `l` is the node's for this ledger, with the
 * root of that size and time `time`; its text into `text`. */
static size_t assert_checkpoint(mc_ledger *l, uint64_t size, int64_t time,
                                char text[MC_CHECKPOINT_TEXT_MAX])
{
    mc_checkpoint cp;
    mc_ledger_info info;
    uint8_t root[MC_HASH_BYTES];
    size_t len = 0;
    assert_int_equal(mc_ledger_checkpoint_at(l, size, text, &len), MC_ERR_OK);
    assert_true(strlen(text) == len);
    assert_int_equal(mc_checkpoint_verify(text, len, mc_keypair_public(hist.node), &cp), MC_ERR_OK);
    assert_true(cp.size == size && cp.time == time);
    assert_int_equal(mc_ledger_get_info(l, &info), MC_ERR_OK);
    assert_memory_equal(cp.ledger_id, info.ledger_id, MC_LEDGER_ID_BYTES);
    assert_int_equal(mc_ledger_root(l, size, root), MC_ERR_OK);
    assert_memory_equal(cp.root, root, MC_HASH_BYTES);
    return len;
}

static void test_one_checkpoint_per_batch(void **state)
{
    (void)state;
    mc_ledger *l = hist.f.ledger;
    char text[MC_CHECKPOINT_TEXT_MAX], latest[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    walk *w = walk_of(l, 0, 0);
    assert_int_equal(w->count, hist.cp_count); /* none for the batches refused whole */
    for (size_t i = 0; i < w->count; i++) {
        assert_true(w->sizes[i] == hist.cp_sizes[i]);
        assert_checkpoint(l, w->sizes[i], hist.cp_times[i], text);
    }
    /* Every entry carries the time of its batch, that of the next checkpoint. */
    for (uint64_t x = 1, i = 0; x <= hist.height; x++) {
        uint8_t *bytes = NULL;
        mc_entry e;
        uint64_t at = 0;
        assert_int_equal(mc_ledger_get_entry(l, x, &bytes, &len), MC_ERR_OK);
        assert_int_equal(mc_entry_decode(bytes, len, &e), MC_ERR_OK);
        i += x > hist.cp_sizes[i];
        assert_true(e.height == x && e.result == MC_ERR_OK && e.time == hist.cp_times[i]);
        assert_true(e.time == hist.times[x]);
        assert_memory_equal(mc_tx_id_of(e.tx), hist.tx_ids[x], MC_TX_ID_BYTES);
        assert_int_equal(mc_ledger_find_tx(l, hist.tx_ids[x], &at), MC_ERR_OK);
        assert_true(at == x);
        mc_entry_clear(&e);
        free(bytes);
    }
    assert_true(hist.cp_sizes[hist.cp_count - 1] == hist.height);
    assert_int_equal(mc_ledger_latest_checkpoint(l, latest, &len), MC_ERR_OK);
    assert_string_equal(latest, text); /* the one at the height */
    assert_int_equal(mc_ledger_checkpoint_at(l, 0, text, &len), MC_ERR_NOT_FOUND);
    assert_int_equal(mc_ledger_checkpoint_at(l, hist.height + 1, text, &len), MC_ERR_NOT_FOUND);
    /* The walk pages: after a size, at most `limit`, stopped by the callback. */
    size_t k = hist.cp_count / 2;
    walk *page = walk_of(l, hist.cp_sizes[k], 3);
    assert_int_equal(page->count, 3);
    assert_memory_equal(page->sizes, hist.cp_sizes + k + 1, 3 * sizeof page->sizes[0]);
    walk stop = {.stop = 2};
    assert_int_equal(mc_ledger_checkpoints(l, 0, 0, collect, &stop), 7);
    assert_int_equal(stop.count, 2);
    free(page);
    free(w);
    mc_fixture_assert_invariants(&hist.f);
}

/* ---- proofs ----------------------------------------------------------------- */

/* The hash of leaves [begin, end), from the leaf hashes in memory. */
static int memory_range(void *ctx, uint64_t begin, uint64_t end, uint8_t out[MC_HASH_BYTES])
{
    (void)ctx;
    mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])hist.leaves + begin, end - begin, out);
    return MC_ERR_OK;
}

static void check_inclusion(uint64_t index, uint64_t size)
{
    uint8_t proof[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES], want[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
    uint8_t root[MC_HASH_BYTES];
    size_t len = 0, want_len = 0;
    assert_int_equal(mc_ledger_inclusion_proof(hist.f.ledger, index, size, proof, &len), MC_ERR_OK);
    assert_int_equal(mc_ledger_root(hist.f.ledger, size, root), MC_ERR_OK);
    const uint8_t(*p)[MC_HASH_BYTES] = (const uint8_t(*)[MC_HASH_BYTES])proof;
    assert_int_equal(mc_merkle_verify_inclusion(index, size, hist.leaves[index], p, len, root),
                     MC_ERR_OK);
    assert_int_equal(mc_merkle_inclusion_proof(memory_range, NULL, index, size, want, &want_len),
                     MC_ERR_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(proof, want, len * MC_HASH_BYTES);
    if (index + 1 < size) { /* another leaf does not verify with this proof */
        assert_int_equal(
            mc_merkle_verify_inclusion(index, size, hist.leaves[index + 1], p, len, root),
            MC_ERR_PROOF_INVALID);
    }
}

static void check_consistency(uint64_t size1, uint64_t size2)
{
    uint8_t proof[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES], want[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
    uint8_t root1[MC_HASH_BYTES], root2[MC_HASH_BYTES];
    size_t len = 0, want_len = 0;
    assert_int_equal(mc_ledger_consistency_proof(hist.f.ledger, size1, size2, proof, &len),
                     MC_ERR_OK);
    assert_int_equal(mc_ledger_root(hist.f.ledger, size1, root1), MC_ERR_OK);
    assert_int_equal(mc_ledger_root(hist.f.ledger, size2, root2), MC_ERR_OK);
    assert_int_equal(mc_merkle_verify_consistency(size1, size2, root1, root2,
                                                  (const uint8_t(*)[MC_HASH_BYTES])proof, len),
                     MC_ERR_OK);
    assert_int_equal(mc_merkle_consistency_proof(memory_range, NULL, size1, size2, want, &want_len),
                     MC_ERR_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(proof, want, len * MC_HASH_BYTES);
}

static void test_proofs(void **state)
{
    (void)state;
    uint64_t height = hist.height;
    mc_merkle_stream stream;
    mc_merkle_stream_init(&stream);
    for (uint64_t size = 0; size <= height; size++) { /* the roots, leaf by leaf */
        uint8_t root[MC_HASH_BYTES], want[MC_HASH_BYTES];
        if (size > 0) {
            mc_merkle_stream_add(&stream, hist.leaves[size - 1]);
        }
        mc_merkle_stream_root(&stream, want);
        assert_int_equal(mc_ledger_root(hist.f.ledger, size, root), MC_ERR_OK);
        assert_memory_equal(root, want, MC_HASH_BYTES);
    }
    for (uint64_t x = 1; x <= height; x++) { /* each transaction, from its height on */
        uint64_t sizes[SIZES_PER_TX] = {x, height};
        for (size_t i = 2; i < SIZES_PER_TX; i++) {
            sizes[i] = x + below(height - x + 1);
        }
        for (size_t i = 0; i < SIZES_PER_TX; i++) {
            check_inclusion(x - 1, sizes[i]);
        }
        check_consistency(x, x); /* and between sizes */
        check_consistency(x, height);
        check_consistency(x, x + below(height - x + 1));
        check_consistency(1 + below(x), x);
    }
    uint8_t proof[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES], root[MC_HASH_BYTES];
    size_t len = 99;
    mc_ledger *l = hist.f.ledger;
    assert_int_equal(mc_ledger_consistency_proof(l, 0, height, proof, &len), MC_ERR_OK);
    assert_int_equal(len, 0);
    assert_int_equal(mc_ledger_inclusion_proof(l, 0, height + 1, proof, &len),
                     MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_ledger_inclusion_proof(l, height, height, proof, &len),
                     MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_ledger_consistency_proof(l, 1, height + 1, proof, &len),
                     MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_ledger_consistency_proof(l, height, height - 1, proof, &len),
                     MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_ledger_root(l, height + 1, root), MC_ERR_INVALID_ARGUMENT);
}

/* ---- exports -------------------------------------------------------------- */

/* A file holding `len` bytes of `buf`, at its start. */
static FILE *file_of(const uint8_t *buf, size_t len)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    rewind(f);
    return f;
}

static uint8_t *export_of(mc_ledger *l, size_t *len, uint64_t *entries)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(mc_ledger_export(l, f, entries), MC_ERR_OK);
    long end = ftell(f);
    assert_true(end > 0);
    uint8_t *buf = malloc((size_t)end);
    assert_non_null(buf);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)end, f), (size_t)end);
    fclose(f);
    *len = (size_t)end;
    return buf;
}

typedef struct record {
    mc_export_kind kind;
    const uint8_t *data; /* into the export's bytes */
    size_t len;
} record;

/* The records of an export held in memory, read back through the reader;
 * *end is what ended them (the open's failure or the last next's code). */
static size_t records_of(const uint8_t *buf, size_t len, record *out, size_t cap, int *end)
{
    FILE *f = file_of(buf, len);
    mc_export_reader *r = NULL;
    size_t n = 0;
    uint64_t offset = MC_EXPORT_MAGIC_BYTES;
    int rc = mc_export_reader_open(f, &r);
    while (rc == MC_ERR_OK) {
        mc_export_kind kind;
        const uint8_t *data = NULL;
        size_t dlen = 0;
        rc = mc_export_next(r, &kind, &data, &dlen);
        if (rc == MC_ERR_OK) {
            assert_true(n < cap && mc_export_offset(r) == offset);
            assert_true(offset + 5 + dlen <= len);
            assert_memory_equal(data, buf + offset + 5, dlen);
            out[n++] = (record){kind, buf + offset + 5, dlen};
            offset += 5 + dlen;
        }
    }
    *end = rc;
    mc_export_reader_close(r);
    fclose(f);
    return n;
}

static void assert_record(const record *r, mc_export_kind kind, const void *data, size_t len)
{
    assert_int_equal(r->kind, kind);
    assert_int_equal(r->len, len);
    assert_memory_equal(r->data, data, len);
}

/* The export of `l`: genesis, [the checkpoint of size 0], then each entry
 * with its checkpoint right after it; the last record the latest checkpoint. */
static void assert_export_layout(mc_ledger *l, const record *recs, size_t n)
{
    uint8_t *genesis = NULL;
    size_t len = 0, i = 1;
    uint64_t height = 0;
    char text[MC_CHECKPOINT_TEXT_MAX];
    assert_int_equal(mc_ledger_genesis_bytes(l, &genesis, &len), MC_ERR_OK);
    assert_true(n >= 1);
    assert_record(&recs[0], MC_EXPORT_GENESIS, genesis, len);
    free(genesis);
    assert_int_equal(mc_ledger_height(l, &height), MC_ERR_OK);
    if (mc_ledger_checkpoint_at(l, 0, text, &len) == MC_ERR_OK) {
        assert_record(&recs[i++], MC_EXPORT_CHECKPOINT, text, len);
    }
    for (uint64_t x = 1; x <= height; x++) {
        uint8_t *entry = NULL;
        assert_int_equal(mc_ledger_get_entry(l, x, &entry, &len), MC_ERR_OK);
        assert_true(i < n);
        assert_record(&recs[i++], MC_EXPORT_ENTRY, entry, len);
        free(entry);
        if (mc_ledger_checkpoint_at(l, x, text, &len) == MC_ERR_OK) {
            assert_true(i < n);
            assert_record(&recs[i++], MC_EXPORT_CHECKPOINT, text, len);
        }
    }
    assert_int_equal(i, n);
    if (mc_ledger_latest_checkpoint(l, text, &len) == MC_ERR_OK) {
        assert_record(&recs[n - 1], MC_EXPORT_CHECKPOINT, text, len);
    }
}

static void test_export(void **state)
{
    (void)state;
    static record recs[RECORDS_MAX];
    size_t len = 0;
    uint64_t entries = 0;
    int end = 0;
    uint8_t *buf = export_of(hist.f.ledger, &len, &entries);
    assert_true(entries == hist.height);
    assert_memory_equal(buf, MC_EXPORT_MAGIC, MC_EXPORT_MAGIC_BYTES);
    size_t n = records_of(buf, len, recs, RECORDS_MAX, &end);
    assert_int_equal(end, MC_ERR_NOT_FOUND);
    assert_int_equal(n, 1 + hist.height + hist.cp_count);
    assert_export_layout(hist.f.ledger, recs, n);
    free(buf);
}

/* ---- replay ------------------------------------------------------------- */

typedef struct replay {
    mc_ledger *one, *grouped; /* one entry per batch, no key; as exported, keyed */
    char *dirs[2];
    mc_tx *batch[BATCH_MAX];
    int64_t time;
    size_t n;
} replay;

static void replay_entry(replay *rp, const record *r)
{
    mc_entry e;
    mc_result res;
    assert_int_equal(mc_entry_decode(r->data, r->len, &e), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(e.tx), MC_ERR_OK);
    assert_int_equal(mc_ledger_apply(rp->one, e.tx, e.time, &res), MC_ERR_OK);
    assert_true(res.code == MC_ERR_OK && !res.duplicate && res.height == e.height);
    assert_true(rp->n < BATCH_MAX && (rp->n == 0 || rp->time == e.time));
    rp->time = e.time;
    rp->batch[rp->n++] = e.tx; /* owned by the batch now */
}

/* The batch up to a checkpoint, applied at once: the same checkpoint. */
static void replay_checkpoint(replay *rp, const record *r)
{
    mc_result res[BATCH_MAX];
    mc_checkpoint cp;
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    assert_int_equal(mc_checkpoint_parse((const char *)r->data, r->len, &cp), MC_ERR_OK);
    assert_int_equal(mc_ledger_apply_batch(rp->grouped, rp->batch, rp->n, rp->time, res),
                     MC_ERR_OK);
    for (size_t i = 0; i < rp->n; i++) {
        assert_true(res[i].code == MC_ERR_OK && res[i].height == cp.size - rp->n + 1 + i);
        mc_tx_free(rp->batch[i]);
    }
    rp->n = 0;
    assert_int_equal(mc_ledger_checkpoint_at(rp->grouped, cp.size, text, &len), MC_ERR_OK);
    assert_true(len == r->len && memcmp(text, r->data, len) == 0);
}

static mc_ledger *replay_ledger(char **dir, const record *genesis, const mc_keypair *key)
{
    mc_ledger_options opts = {.no_sync = true, .checkpoint_key = key};
    mc_ledger *l = NULL;
    mc_ledger_info info;
    *dir = mc_test_tmpdir();
    assert_int_equal(mc_ledger_create_from_genesis(*dir, genesis->data, genesis->len, &opts, &l),
                     MC_ERR_OK);
    assert_int_equal(mc_ledger_get_info(l, &info), MC_ERR_OK);
    assert_memory_equal(info.ledger_id, hist.f.ledger_id, MC_LEDGER_ID_BYTES);
    return l;
}

/* A refused creation leaves no ledger behind: the same directory takes the
 * right genesis and key afterwards. */
static void test_create_refusals_write_nothing(void **state)
{
    (void)state;
    uint8_t *genesis = NULL, *bare = NULL;
    size_t len = 0;
    mc_ledger *l = NULL;
    mc_keypair *stranger = NULL;
    char *dir = mc_test_tmpdir();
    assert_int_equal(mc_ledger_genesis_bytes(hist.f.ledger, &genesis, &len), MC_ERR_OK);
    assert_int_equal(mc_keypair_generate(&stranger), MC_ERR_OK);
    /* Another node's key: refused before the genesis is written. */
    mc_ledger_options opts = {.no_sync = true, .checkpoint_key = stranger};
    assert_int_equal(mc_ledger_create_from_genesis(dir, genesis, len, &opts, &l),
                     MC_ERR_KEY_INVALID);
    assert_int_equal(mc_ledger_open(dir, NULL, &l), MC_ERR_NO_LEDGER);
    /* A genesis that decodes but has no configuration (it crashed once). */
    Mc__Genesis *g = mc__genesis__unpack(NULL, len, genesis);
    assert_non_null(g);
    Mc__LedgerConfig *config = g->config;
    g->config = NULL;
    size_t bare_len = mc__genesis__get_packed_size(g);
    bare = malloc(bare_len);
    assert_non_null(bare);
    mc__genesis__pack(g, bare);
    g->config = config;
    mc__genesis__free_unpacked(g, NULL);
    opts.checkpoint_key = NULL;
    assert_int_equal(mc_ledger_create_from_genesis(dir, bare, bare_len, &opts, &l), MC_ERR_CORRUPT);
    assert_int_equal(mc_ledger_open(dir, NULL, &l), MC_ERR_NO_LEDGER);
    /* The right key in the same directory. */
    opts.checkpoint_key = hist.node;
    assert_int_equal(mc_ledger_create_from_genesis(dir, genesis, len, &opts, &l), MC_ERR_OK);
    mc_ledger_close(l);
    mc_keypair_free(stranger);
    free(bare);
    free(genesis);
    mc_test_rmtree(dir);
    free(dir);
}

static void test_replay(void **state)
{
    (void)state;
    static record recs[RECORDS_MAX];
    size_t len = 0, copy_len = 0;
    int end = 0;
    uint8_t *buf = export_of(hist.f.ledger, &len, NULL);
    size_t n = records_of(buf, len, recs, RECORDS_MAX, &end);
    replay rp = {.n = 0};
    rp.one = replay_ledger(&rp.dirs[0], &recs[0], NULL);
    rp.grouped = replay_ledger(&rp.dirs[1], &recs[0], hist.node);
    for (size_t i = 1; i < n; i++) {
        if (recs[i].kind == MC_EXPORT_ENTRY) {
            replay_entry(&rp, &recs[i]);
        } else {
            replay_checkpoint(&rp, &recs[i]);
        }
    }
    assert_int_equal(rp.n, 0);
    uint8_t *copy = export_of(rp.grouped, &copy_len, NULL);
    assert_true(copy_len == len && memcmp(copy, buf, len) == 0); /* the very same export */
    for (uint64_t x = 1; x <= hist.height; x++) {
        uint8_t *a = NULL, *b = NULL;
        size_t a_len = 0, b_len = 0;
        assert_int_equal(mc_ledger_get_entry(hist.f.ledger, x, &a, &a_len), MC_ERR_OK);
        assert_int_equal(mc_ledger_get_entry(rp.one, x, &b, &b_len), MC_ERR_OK);
        assert_true(a_len == b_len && memcmp(a, b, a_len) == 0);
        free(a);
        free(b);
    }
    uint8_t want[MC_HASH_BYTES], root[MC_HASH_BYTES];
    char text[MC_CHECKPOINT_TEXT_MAX];
    assert_int_equal(mc_ledger_root(hist.f.ledger, hist.height, want), MC_ERR_OK);
    assert_int_equal(mc_ledger_root(rp.one, hist.height, root), MC_ERR_OK);
    assert_memory_equal(root, want, MC_HASH_BYTES);
    assert_int_equal(mc_ledger_latest_checkpoint(rp.one, text, &len), MC_ERR_NOT_FOUND);
    for (size_t k = 0; k < 2; k++) {
        mc_fixture f = {.ledger = k == 0 ? rp.one : rp.grouped};
        mc_fixture_assert_invariants(&f);
        mc_ledger_close(f.ledger);
        mc_test_rmtree(rp.dirs[k]);
        free(rp.dirs[k]);
    }
    free(copy);
    free(buf);
}

/* ---- signing what is missing, and only with the node key ------------------ */

static void test_sign_checkpoint(void **state)
{
    (void)state;
    char before[MC_CHECKPOINT_TEXT_MAX], after[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    /* The height has its checkpoint: nothing to do. */
    assert_int_equal(mc_ledger_latest_checkpoint(hist.f.ledger, before, &len), MC_ERR_OK);
    assert_int_equal(mc_ledger_sign_checkpoint(hist.f.ledger, hist.f.now + 1000), MC_ERR_OK);
    assert_int_equal(mc_ledger_latest_checkpoint(hist.f.ledger, after, &len), MC_ERR_OK);
    assert_string_equal(before, after);
    assert_int_equal(checkpoint_count(hist.f.ledger), hist.cp_count);
    /* A ledger made without the key has none, and cannot sign. */
    mc_fixture f;
    mc_keypair *other = NULL;
    ledger_make(&f, hist.node, false);
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    f.now += 60;
    mc_keypair *b = mc_fixture_open(&f, "bob", MC_KIND_MEMBER, NULL);
    int64_t last = f.now;
    assert_int_equal(mc_ledger_latest_checkpoint(f.ledger, before, &len), MC_ERR_NOT_FOUND);
    assert_int_equal(mc_ledger_sign_checkpoint(f.ledger, last), MC_ERR_INVALID_ARGUMENT);
    /* Reopened with a key that is not the genesis node key: refused. */
    assert_int_equal(mc_keypair_generate(&other), MC_ERR_OK);
    mc_ledger_close(f.ledger);
    f.ledger = NULL;
    f.opts.checkpoint_key = other;
    assert_int_equal(mc_ledger_open(f.dir, &f.opts, &f.ledger), MC_ERR_KEY_INVALID);
    assert_null(f.ledger);
    /* With the node key: one checkpoint at the height, at its last entry's
     * time (not `now`), signed once however often asked. */
    f.opts.checkpoint_key = hist.node;
    mc_fixture_reopen(&f);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mc_ledger_sign_checkpoint(f.ledger, last + 500 + i), MC_ERR_OK);
        assert_checkpoint(f.ledger, 2, last, before);
        assert_int_equal(checkpoint_count(f.ledger), 1);
    }
    f.now += 60; /* and the batches sign theirs */
    MC_ASSERT_RESULT(mc_fixture_pay(&f, a, mc_keypair_public(b), 5, NULL), MC_ERR_OK);
    assert_checkpoint(f.ledger, 3, f.now, after);
    mc_fixture_assert_invariants(&f);
    mc_keypair_free(a);
    mc_keypair_free(b);
    mc_keypair_free(other);
    mc_fixture_teardown(&f);
}

/* ---- the export reader on bad files --------------------------------------- */

/* A small keyed ledger with a checkpoint of the empty log: its export. */
static uint8_t *small_export(size_t *len)
{
    mc_fixture f;
    char text[MC_CHECKPOINT_TEXT_MAX];
    uint8_t root[MC_HASH_BYTES], empty[MC_HASH_BYTES];
    ledger_make(&f, hist.node, true);
    assert_int_equal(mc_ledger_sign_checkpoint(f.ledger, 1700000050), MC_ERR_OK);
    assert_checkpoint(f.ledger, 0, 1700000050, text); /* the empty log's, at `now` */
    assert_int_equal(mc_ledger_root(f.ledger, 0, root), MC_ERR_OK);
    crypto_hash_sha256(empty, NULL, 0);
    assert_memory_equal(root, empty, MC_HASH_BYTES);
    mc_keypair *a = mc_fixture_open(&f, "alice", MC_KIND_MEMBER, NULL);
    f.now += 5;
    mc_keypair *b = mc_fixture_open(&f, "bob", MC_KIND_MEMBER, NULL);
    MC_ASSERT_RESULT(mc_fixture_pay(&f, a, mc_keypair_public(b), 5, "for the bread"), MC_ERR_OK);
    mc_fixture_assert_invariants(&f);
    record recs[SMALL_RECORDS];
    int end = 0;
    uint8_t *buf = export_of(f.ledger, len, NULL);
    size_t n = records_of(buf, *len, recs, SMALL_RECORDS, &end);
    assert_int_equal(n, SMALL_RECORDS); /* G C0 E1 C1 E2 C2 E3 C3 */
    assert_int_equal(end, MC_ERR_NOT_FOUND);
    assert_export_layout(f.ledger, recs, n);
    mc_keypair_free(a);
    mc_keypair_free(b);
    mc_fixture_teardown(&f);
    return buf;
}

/* A copy of `buf` with `len` bytes at `at` replaced: its records are `n`
 * good ones, then MALFORMED. */
static void assert_malformed_after(const uint8_t *buf, size_t len, size_t at, const void *bytes,
                                   size_t bytes_len, size_t n)
{
    record recs[SMALL_RECORDS];
    int end = 0;
    uint8_t *bad = malloc(len);
    assert_non_null(bad);
    memcpy(bad, buf, len);
    memcpy(bad + at, bytes, bytes_len);
    assert_int_equal(records_of(bad, len, recs, SMALL_RECORDS, &end), n);
    assert_int_equal(end, MC_ERR_MALFORMED);
    free(bad);
}

static void test_reader_robustness(void **state)
{
    (void)state;
    size_t len = 0, bounds[SMALL_RECORDS + 1], count = 1;
    int end = 0;
    record recs[SMALL_RECORDS];
    uint8_t *buf = small_export(&len);
    bounds[0] = MC_EXPORT_MAGIC_BYTES; /* where each record starts, and the end */
    size_t n = records_of(buf, len, recs, SMALL_RECORDS, &end);
    for (size_t i = 0; i < n; i++) {
        bounds[count++] = (size_t)(recs[i].data - buf) + recs[i].len;
    }
    assert_int_equal(bounds[n], len);
    for (size_t cut = 0, whole = 0; cut <= len; cut++) { /* a file cut anywhere */
        whole += whole < n && bounds[whole + 1] <= cut;
        size_t got = records_of(buf, cut, recs, SMALL_RECORDS, &end);
        bool clean = cut >= MC_EXPORT_MAGIC_BYTES && bounds[whole] == cut;
        assert_int_equal(end, clean ? MC_ERR_NOT_FOUND : MC_ERR_MALFORMED);
        assert_int_equal(got, cut >= MC_EXPORT_MAGIC_BYTES ? whole : 0);
    }
    static const uint8_t kinds[] = {0, 'X', 'g', 'e', 'c', 0xff};
    for (size_t i = 0; i < n; i++) { /* a kind unknown */
        for (size_t k = 0; k < sizeof kinds; k++) {
            assert_malformed_after(buf, len, bounds[i], &kinds[k], 1, i);
        }
    }
    static const uint8_t lengths[][4] = {
        {0, 0x10, 0, 1}, {0xff, 0xff, 0xff, 0xff}, {0, 0x10, 0, 0}};
    for (size_t k = 0; k < 3; k++) { /* a length over the bound, or past the end */
        assert_malformed_after(buf, len, bounds[1] + 1, lengths[k], 4, 1);
    }
    for (size_t i = 0; i < MC_EXPORT_MAGIC_BYTES; i++) { /* a bad magic */
        uint8_t c = buf[i] ^ 0x20;
        assert_malformed_after(buf, len, i, &c, 1, 0);
    }
    FILE *f = file_of(buf, 0);
    assert_int_equal(mc_export_write(f, MC_EXPORT_ENTRY, buf, MC_EXPORT_RECORD_MAX + 1),
                     MC_ERR_INVALID_ARGUMENT);
    fclose(f);
    free(buf);
}

int main(void)
{
    uint64_t seed = (uint64_t)time(NULL);
    const char *env = getenv("MC_AUDIT_SEED");
    if (env != NULL && *env != '\0') {
        seed = strtoull(env, NULL, 10);
    }
    printf("audit log test seed: %" PRIu64 " (replay with MC_AUDIT_SEED=%" PRIu64 ")\n", seed,
           seed);
    rng = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_checkpoint_per_batch),
        cmocka_unit_test(test_proofs),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_replay),
        cmocka_unit_test(test_create_refusals_write_nothing),
        cmocka_unit_test(test_sign_checkpoint),
        cmocka_unit_test(test_reader_robustness),
    };
    return cmocka_run_group_tests(tests, history_setup, history_teardown);
}
