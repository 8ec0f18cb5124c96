/* The replay: consecutive exported entries of one time wait in a batch (up to
 * MCA_BATCH_MAX), then go through mc_ledger_apply_batch() of the scratch
 * ledger at that time, in one write transaction without fsync, as the node
 * applied them. Each must be applied (the log holds only applied
 * transactions), not as a duplicate, at its own height, with the result it
 * records; then the scratch ledger's Merkle root must equal the root of the
 * exported entries, which holds exactly when the ledger wrote, byte for
 * byte, the entries the export holds. When it does not, the entries of the
 * batch are compared one by one to name the first that differs. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "audit.h"

/* Larger batches cost less per entry on a small ledger and more on a large
 * one (LMDB's dirty-page lists grow with the transaction); 4096 measured
 * close to the best for 200,000 to 1,000,000 entries. */
_Static_assert(MCA_BATCH_MAX >= 1 && MCA_BATCH_MAX <= MC_BATCH_MAX, "a batch mc_ledger takes");

int mca_batch_init(mca_batch *b)
{
    memset(b, 0, sizeof *b);
    b->txs = calloc(MCA_BATCH_MAX, sizeof *b->txs);
    b->heights = calloc(MCA_BATCH_MAX, sizeof *b->heights);
    b->recorded = calloc(MCA_BATCH_MAX, sizeof *b->recorded);
    b->offsets = calloc(MCA_BATCH_MAX, sizeof *b->offsets);
    b->leaves = calloc(MCA_BATCH_MAX, sizeof *b->leaves);
    b->results = calloc(MCA_BATCH_MAX, sizeof *b->results);
    if (b->txs == NULL || b->heights == NULL || b->recorded == NULL || b->offsets == NULL ||
        b->leaves == NULL || b->results == NULL) {
        mca_batch_free(b);
        return MC_ERR_NO_MEMORY;
    }
    return MC_ERR_OK;
}

static void batch_clear(mca_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        mc_tx_free(b->txs[i]);
        b->txs[i] = NULL;
    }
    b->n = 0;
}

void mca_batch_free(mca_batch *b)
{
    if (b->txs != NULL) {
        batch_clear(b);
    }
    free(b->txs);
    free(b->heights);
    free(b->recorded);
    free(b->offsets);
    free(b->leaves);
    free(b->results);
    memset(b, 0, sizeof *b);
}

void mca_batch_add(mca_batch *b, mca_item *it)
{
    MCA_ASSERT(b->n < MCA_BATCH_MAX && (b->n == 0 || b->time == it->entry.time));
    b->time = it->entry.time;
    b->txs[b->n] = it->entry.tx;
    it->entry.tx = NULL;
    b->heights[b->n] = it->entry.height;
    b->recorded[b->n] = it->entry.result;
    b->offsets[b->n] = it->offset;
    memcpy(b->leaves[b->n], it->leaf, MC_HASH_BYTES);
    b->n++;
}

/* Each result as the log records it. False on the first that is not. */
static bool results_match(mca_verifier *v)
{
    const mca_batch *b = &v->batch;
    for (size_t i = 0; i < b->n; i++) {
        const mc_result *r = &b->results[i];
        char what[256];
        if (r->code != b->recorded[i]) {
            mc_result_describe(r, v->info.decimals, v->info.unit_symbol, what, sizeof what);
            mca_record(v, MCA_WHERE_HEIGHT, b->heights[i], true, b->offsets[i],
                       "replaying it gives %s (%s), but the log records %s (%d)",
                       mc_err_name(r->code), what, mc_err_name(b->recorded[i]), b->recorded[i]);
            return false;
        }
        if (r->duplicate) {
            mca_record(v, MCA_WHERE_HEIGHT, b->heights[i], true, b->offsets[i],
                       "it repeats the transaction already applied at height %llu",
                       (unsigned long long)r->height);
            return false;
        }
        if (r->height != b->heights[i]) {
            mca_record(v, MCA_WHERE_HEIGHT, b->heights[i], true, b->offsets[i],
                       "replaying it appends it at height %llu", (unsigned long long)r->height);
            return false;
        }
    }
    return true;
}

/* A figure of the summary: a sum that says so when it no longer fits. */
static void add_figure(int64_t *sum, bool *overflow, int64_t amount)
{
    if (!*overflow && mc_amount_add(*sum, amount, sum) != MC_ERR_OK) {
        *overflow = true;
    }
}

/* The fees and round payouts of the replayed batch, as the ledger computed
 * them: a transfer's result carries its fee, a round's what it paid. */
static void add_figures(mca_verifier *v)
{
    const mca_batch *b = &v->batch;
    for (size_t i = 0; i < b->n; i++) {
        mc_tx_kind kind = mc_tx_kind_of(b->txs[i]);
        if (kind == MC_TX_TRANSFER) {
            add_figure(&v->fees, &v->fees_overflow, b->results[i].fee);
        } else if (kind == MC_TX_DISTRIBUTION) {
            add_figure(&v->payouts, &v->payouts_overflow, b->results[i].amount);
        }
    }
}

/* Name the first entry of the batch whose replayed bytes differ. */
static void find_different(mca_verifier *v)
{
    const mca_batch *b = &v->batch;
    for (size_t i = 0; i < b->n; i++) {
        uint8_t *bytes = NULL, leaf[MC_HASH_BYTES];
        size_t len = 0;
        int rc = mc_ledger_get_entry(v->ledger, b->heights[i], &bytes, &len);
        if (rc != MC_ERR_OK) {
            mca_record(v, MCA_WHERE_OPERATING, b->heights[i], false, 0,
                       "reading the replayed entry: %s", mc_strerror(rc));
            return;
        }
        mc_merkle_leaf_hash(bytes, len, leaf);
        free(bytes);
        if (memcmp(leaf, b->leaves[i], MC_HASH_BYTES) != 0) {
            mca_record(v, MCA_WHERE_HEIGHT, b->heights[i], true, b->offsets[i],
                       "the exported entry is not the one the ledger writes when it replays the "
                       "transaction (a field was altered, added or encoded otherwise)");
            return;
        }
    }
    mca_record(v, MCA_WHERE_HEIGHT, b->heights[b->n - 1], false, 0,
               "the replayed log's Merkle root differs from the exported one");
}

static void bytes_match(mca_verifier *v)
{
    const mca_batch *b = &v->batch;
    uint64_t last = b->heights[b->n - 1];
    uint8_t replayed[MC_HASH_BYTES], exported[MC_HASH_BYTES];
    MCA_ASSERT(v->stream.size == last);
    int rc = mc_ledger_root(v->ledger, last, replayed);
    if (rc != MC_ERR_OK) {
        mca_record(v, MCA_WHERE_OPERATING, last, false, 0, "the replayed root: %s",
                   mc_strerror(rc));
        return;
    }
    mc_merkle_stream_root(&v->stream, exported);
    if (memcmp(replayed, exported, MC_HASH_BYTES) != 0) {
        find_different(v);
    }
}

void mca_batch_flush(mca_verifier *v)
{
    mca_batch *b = &v->batch;
    if (b->n == 0) {
        return;
    }
    if (v->failure.where == MCA_WHERE_NONE) {
        int rc = mc_ledger_apply_batch(v->ledger, b->txs, b->n, b->time, b->results);
        if (rc != MC_ERR_OK) {
            mca_record(v, MCA_WHERE_OPERATING, b->heights[0], false, 0,
                       "replaying into the scratch ledger: %s (%s)", mc_strerror(rc),
                       mc_ledger_last_error(v->ledger));
        } else if (results_match(v)) {
            add_figures(v);
            bytes_match(v);
        }
    }
    batch_clear(b);
}
