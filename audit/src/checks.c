/* What verify requires of the records, taken in file order after the
 * workers decoded and verified them: entries gap-free from height 1, each
 * signed for this ledger; every checkpoint signed by the genesis's node key,
 * for this ledger, of the size it follows, with the streaming Merkle root of
 * the exported entries, and with the time of every entry since the previous
 * checkpoint (the node signs one per write batch, at the batch's time, so
 * each entry's time is bound to a signature); the export ends with a
 * checkpoint of all its entries. Entries go to the pending batch that
 * replay.c replays. The first failure stops everything. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mc/pb/store.pb-c.h>

#include "mc/error.h"
#include "audit.h"

__attribute__((format(printf, 6, 0))) static void vrecord(mca_verifier *v, mca_where where,
                                                          uint64_t number, bool has_offset,
                                                          uint64_t offset, const char *fmt,
                                                          va_list ap)
{
    if (v->failure.where != MCA_WHERE_NONE) {
        return;
    }
    v->failure.where = where;
    v->failure.number = number;
    v->failure.has_offset = has_offset;
    v->failure.offset = offset;
    vsnprintf(v->failure.why, sizeof v->failure.why, fmt, ap);
}

void mca_record(mca_verifier *v, mca_where where, uint64_t number, bool has_offset, uint64_t offset,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vrecord(v, where, number, has_offset, offset, fmt, ap);
    va_end(ap);
}

void mca_fail(mca_verifier *v, mca_where where, uint64_t number, const char *fmt, ...)
{
    va_list ap;
    mca_batch_flush(v); /* the entries before the failure come first */
    va_start(ap, fmt);
    vrecord(v, where, number, false, 0, fmt, ap);
    va_end(ap);
}

void mca_fail_at(mca_verifier *v, mca_where where, uint64_t number, uint64_t offset,
                 const char *fmt, ...)
{
    va_list ap;
    mca_batch_flush(v);
    va_start(ap, fmt);
    vrecord(v, where, number, true, offset, fmt, ap);
    va_end(ap);
}

static bool failed(const mca_verifier *v)
{
    return v->failure.where != MCA_WHERE_NONE;
}

/* "alice (key 3a4f…)", "a steward (key 3a4f…)" or "key 3a4f…", from the
 * replayed ledger. */
static void account_name(mca_verifier *v, const uint8_t key[MC_PUBLIC_KEY_BYTES], char *out,
                         size_t len)
{
    char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
    mc_account a;
    mc_hex_encode(key, MC_PUBLIC_KEY_BYTES, hex);
    if (mc_ledger_get_account(v->ledger, key, &a) == MC_ERR_OK) {
        snprintf(out, len, "%s (key %.16s…)", a.handle, hex);
    } else if (mc_ledger_is_steward(v->ledger, key)) {
        snprintf(out, len, "a steward (key %.16s…)", hex);
    } else {
        snprintf(out, len, "key %.16s…", hex);
    }
}

/* Which signature of the entry `bytes` does not verify, in words. */
static void bad_signature(mca_verifier *v, const mc_tx *tx, const uint8_t *bytes, size_t len,
                          char *out, size_t out_len)
{
    mc_tx_view view;
    mc_tx_view_of(tx, &view);
    snprintf(out, out_len, "a signature does not verify");
    Mc__LogEntry *e = mc__log_entry__unpack(NULL, len, bytes);
    for (size_t i = 0; e != NULL && e->tx != NULL && i < e->tx->n_sigs; i++) {
        const Mc__Signature *s = e->tx->sigs[i];
        if (s->public_key.len != MC_PUBLIC_KEY_BYTES || s->signature.len != MC_SIGNATURE_BYTES) {
            continue; /* mc_entry_decode refuses these: not reached */
        }
        if (!mc_verify_tx(s->public_key.data, view.ledger_id, e->tx->body.data, e->tx->body.len,
                          s->signature.data)) {
            char who[128];
            account_name(v, s->public_key.data, who, sizeof who);
            snprintf(out, out_len, "signature %zu of %zu, by %s, does not verify", i + 1,
                     e->tx->n_sigs, who);
            break;
        }
    }
    if (e != NULL) {
        mc__log_entry__free_unpacked(e, NULL);
    }
}

/* The worker's verdict and the height; true when the entry fails. */
static bool entry_broken(mca_verifier *v, const mca_chunk *c, const mca_item *it, uint64_t expect)
{
    char why[256];
    if (it->code == MC_ERR_MALFORMED) {
        mca_fail_at(v, MCA_WHERE_HEIGHT, expect, it->offset,
                    "the entry does not decode (a damaged record, or not an entry)");
        return true;
    }
    if (it->code == MC_ERR_BAD_SIGNATURE) {
        mca_batch_flush(v); /* so that the signer's handle is known */
        bad_signature(v, it->entry.tx, c->arena + it->data_at, it->data_len, why, sizeof why);
        mca_fail_at(v, MCA_WHERE_HEIGHT, expect, it->offset, "%s", why);
        return true;
    }
    if (it->code != MC_ERR_OK) {
        mca_fail_at(v, MCA_WHERE_OPERATING, expect, it->offset, "decoding the entry: %s",
                    mc_strerror(it->code));
        return true;
    }
    if (it->entry.height != expect) {
        mca_fail_at(v, MCA_WHERE_HEIGHT, expect, it->offset,
                    "the entry records height %llu where %llu comes next (a gap, a repeat, or "
                    "an altered height)",
                    (unsigned long long)it->entry.height, (unsigned long long)expect);
        return true;
    }
    return false;
}

/* A ledger id that is not the genesis's: in the first signed record, the
 * genesis is the likelier culprit. */
static void wrong_ledger(mca_verifier *v, mca_where where, uint64_t number, uint64_t offset,
                         const uint8_t id[MC_LEDGER_ID_BYTES], const char *what)
{
    char theirs[2 * MC_LEDGER_ID_BYTES + 1], ours[2 * MC_LEDGER_ID_BYTES + 1];
    mc_hex_encode(id, MC_LEDGER_ID_BYTES, theirs);
    mc_hex_encode(v->info.ledger_id, MC_LEDGER_ID_BYTES, ours);
    if (v->height == 0 && v->checkpoints == 0) {
        mca_fail(v, MCA_WHERE_GENESIS, 0,
                 "the genesis is for ledger %.16s…, but %s is signed for ledger %.16s…: the "
                 "genesis was altered or belongs to another log",
                 ours, what, theirs);
        return;
    }
    mca_fail_at(v, where, number, offset, "signed for ledger %.16s…, not this one (%.16s…)", theirs,
                ours);
}

/* Figures for the summary. */
static void count(mca_verifier *v, const mc_tx_view *view)
{
    MCA_ASSERT(view->kind >= MC_TX_KIND_FIRST && view->kind <= MC_TX_KIND_LAST);
    v->kinds[view->kind - MC_TX_KIND_FIRST]++;
    if (view->kind == MC_TX_TRANSFER && !v->volume_overflow &&
        mc_amount_add(v->volume, view->u.transfer.amount, &v->volume) != MC_ERR_OK) {
        v->volume_overflow = true;
    }
}

/* The entries since the last checkpoint: the first, its time, the first odd one. */
static void span_add(mca_verifier *v, uint64_t height, int64_t time)
{
    if (height == v->span_first) {
        v->span_time = time;
        v->span_odd = 0;
    } else if (v->span_odd == 0 && time != v->span_time) {
        v->span_odd = height;
        v->span_odd_time = time;
    }
}

static void check_trusted(mca_verifier *v)
{
    uint8_t root[MC_HASH_BYTES];
    char ours[MCA_BASE64_HASH_MAX], theirs[MCA_BASE64_HASH_MAX];
    mc_merkle_stream_root(&v->stream, root);
    if (memcmp(root, v->trusted.root, MC_HASH_BYTES) == 0) {
        v->trusted_matched = true;
        return;
    }
    mca_base64_hash(root, ours);
    mca_base64_hash(v->trusted.root, theirs);
    mca_fail(v, MCA_WHERE_TRUSTED, v->trusted.size,
             "the exported entries 1..%llu have root %s, the trusted checkpoint signs %s: the "
             "history was rewritten",
             (unsigned long long)v->trusted.size, ours, theirs);
}

static void take_entry(mca_verifier *v, const mca_chunk *c, mca_item *it)
{
    uint64_t expect = v->height + 1;
    if (entry_broken(v, c, it, expect)) {
        return;
    }
    mc_tx_view view;
    mc_tx_view_of(it->entry.tx, &view);
    if (memcmp(view.ledger_id, v->info.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        wrong_ledger(v, MCA_WHERE_HEIGHT, expect, it->offset, view.ledger_id,
                     "the entry at height 1");
        return;
    }
    mca_batch *b = &v->batch;
    if (b->n > 0 && (b->time != it->entry.time || b->n == MCA_BATCH_MAX)) {
        mca_batch_flush(v);
        if (failed(v)) {
            return;
        }
    }
    count(v, &view);
    mc_merkle_stream_add(&v->stream, it->leaf);
    span_add(v, expect, it->entry.time);
    v->height = expect;
    v->last_time = it->entry.time;
    v->last_record_checkpoint = false;
    mca_batch_add(b, it);
    if (v->has_trusted && v->trusted.size == expect) {
        check_trusted(v);
    }
}

/* Every entry since the previous checkpoint has this checkpoint's time;
 * with none, the checkpoint has the time of the entry at its size. */
static void checkpoint_time(mca_verifier *v, const mca_item *it)
{
    const mc_checkpoint *cp = &it->checkpoint;
    char want[MCA_TIME_TEXT_MAX], got[MCA_TIME_TEXT_MAX];
    mca_time_iso(cp->time, want);
    if (cp->size > 0 && v->span_first <= cp->size) {
        uint64_t bad = v->span_time != cp->time ? v->span_first : v->span_odd;
        int64_t bad_time = bad == v->span_first ? v->span_time : v->span_odd_time;
        if (bad != 0) {
            mca_time_iso(bad_time, got);
            mca_fail(v, MCA_WHERE_HEIGHT, bad,
                     "the entry's time %s is not %s, the time of the checkpoint of size %llu that "
                     "closes its batch (or the checkpoint of its own batch is missing)",
                     got, want, (unsigned long long)cp->size);
        }
    } else if (cp->size > 0 && cp->time != v->last_time) {
        mca_time_iso(v->last_time, got);
        mca_fail_at(v, MCA_WHERE_CHECKPOINT, cp->size, it->offset,
                    "its time %s is not %s, the time of the entry at height %llu", want, got,
                    (unsigned long long)cp->size);
    }
}

static void take_checkpoint(mca_verifier *v, const mca_chunk *c, const mca_item *it)
{
    uint64_t size = v->height;
    const mc_checkpoint *cp = &it->checkpoint;
    if (it->code != MC_ERR_OK) {
        mc_checkpoint parsed;
        bool parses = mc_checkpoint_parse((const char *)c->arena + it->data_at, it->data_len,
                                          &parsed) == MC_ERR_OK;
        if (parses && v->height == 0 && v->checkpoints == 0 &&
            memcmp(parsed.ledger_id, v->info.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
            wrong_ledger(v, MCA_WHERE_CHECKPOINT, size, it->offset, parsed.ledger_id,
                         "the first checkpoint");
            return;
        }
        mca_fail_at(v, MCA_WHERE_CHECKPOINT, size, it->offset, "%s",
                    parses ? "its signature does not verify with the node key the genesis names"
                           : "it does not parse as a checkpoint");
        return;
    }
    if (memcmp(cp->ledger_id, v->info.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        wrong_ledger(v, MCA_WHERE_CHECKPOINT, size, it->offset, cp->ledger_id,
                     "the first checkpoint");
        return;
    }
    if (cp->size != size) {
        mca_fail_at(v, MCA_WHERE_CHECKPOINT, size, it->offset,
                    "it signs a log of %llu entries but follows the entry at height %llu",
                    (unsigned long long)cp->size, (unsigned long long)size);
        return;
    }
    if (v->last_record_checkpoint) {
        mca_fail_at(v, MCA_WHERE_CHECKPOINT, size, it->offset,
                    "a second checkpoint of size %llu: a node signs one per size, and an export "
                    "holds it once",
                    (unsigned long long)size);
        return;
    }
    checkpoint_time(v, it);
    uint8_t root[MC_HASH_BYTES];
    mc_merkle_stream_root(&v->stream, root);
    if (!failed(v) && memcmp(root, cp->root, MC_HASH_BYTES) != 0) {
        char ours[MCA_BASE64_HASH_MAX], theirs[MCA_BASE64_HASH_MAX];
        mca_base64_hash(root, ours);
        mca_base64_hash(cp->root, theirs);
        mca_fail_at(v, MCA_WHERE_CHECKPOINT, size, it->offset,
                    "it signs root %s, but the exported entries 1..%llu have root %s", theirs,
                    (unsigned long long)size, ours);
    }
    if (failed(v)) {
        return;
    }
    v->checkpoints++;
    v->last_checkpoint = *cp;
    v->span_first = size + 1;
    v->span_odd = 0;
    v->last_record_checkpoint = true;
}

static void take_broken(mca_verifier *v, const mca_item *it)
{
    unsigned long long next = (unsigned long long)v->height + 1;
    if (it->kind == MCA_ITEM_GENESIS) {
        mca_fail_at(v, MCA_WHERE_OFFSET, it->offset, it->offset,
                    "a second genesis record, where the entry at height %llu or a checkpoint "
                    "should come",
                    next);
    } else if (it->code == MC_ERR_MALFORMED) {
        mca_fail_at(v, MCA_WHERE_OFFSET, it->offset, it->offset,
                    "the export is cut short or malformed (a record's kind or length is wrong); "
                    "the entry at height %llu or a checkpoint was expected here",
                    next);
    } else {
        mca_fail_at(v, MCA_WHERE_OPERATING, it->offset, it->offset, "reading the export: %s",
                    mc_strerror(it->code));
    }
}

void mca_take_chunk(mca_verifier *v, mca_chunk *c)
{
    for (size_t i = 0; i < c->count && !failed(v); i++) {
        mca_item *it = &c->items[i];
        switch (it->kind) {
        case MCA_ITEM_ENTRY:
            take_entry(v, c, it);
            break;
        case MCA_ITEM_CHECKPOINT:
            take_checkpoint(v, c, it);
            break;
        case MCA_ITEM_GENESIS:
        case MCA_ITEM_BROKEN:
            take_broken(v, it);
            break;
        }
    }
}

void mca_take_end(mca_verifier *v, uint64_t end_offset)
{
    if (!v->last_record_checkpoint && v->height >= v->span_first) {
        mca_fail(v, MCA_WHERE_HEIGHT, v->span_first,
                 "no checkpoint signs the entries from height %llu to %llu: the export ends "
                 "without one",
                 (unsigned long long)v->span_first, (unsigned long long)v->height);
    } else if (!v->last_record_checkpoint) {
        mca_fail_at(v, MCA_WHERE_OFFSET, end_offset, end_offset,
                    "the export ends without any checkpoint: nothing in it is signed");
    }
    mca_batch_flush(v);
    if (!failed(v) && v->has_trusted && !v->trusted_matched) {
        mca_fail(v, MCA_WHERE_TRUSTED, v->trusted.size,
                 "the export ends at height %llu, before the trusted checkpoint's size %llu: "
                 "entries the node had signed are missing",
                 (unsigned long long)v->height, (unsigned long long)v->trusted.size);
    }
}
