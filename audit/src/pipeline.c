/* The verify pipeline. The caller's thread reads records into chunks from a
 * fixed ring (MCA_CHUNKS_PER_THREAD chunks per worker, each of at most
 * MCA_CHUNK_ITEMS records and about MCA_CHUNK_BYTES bytes, so memory stays
 * flat however long the log is); worker threads decode each entry, verify its
 * signatures, hash its Merkle leaf and verify each checkpoint's signature, in
 * parallel; the caller takes the chunks back in file order. The expected
 * workload is an export of millions of small entries: the workers are busy
 * with Ed25519, the caller with the replay. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "audit.h"

#define RECORD_HEAD_BYTES 5u /* a record's kind and length */
#define ARENA_START_BYTES (64u << 10)
#define ARENA_MAX_BYTES (MCA_CHUNK_BYTES + MC_EXPORT_RECORD_MAX)

enum { CHUNK_FREE, CHUNK_READY, CHUNK_BUSY, CHUNK_DONE };

struct mca_pipeline {
    mc_export_reader *reader;
    uint8_t node_key[MC_PUBLIC_KEY_BYTES];
    uint64_t position; /* file offset after the last record read */
    pthread_mutex_t lock;
    pthread_cond_t work; /* a chunk became READY, or the workers must stop */
    pthread_cond_t done; /* a chunk became DONE */
    mca_chunk *ring;
    size_t slots;
    /* Sequence numbers; chunk s lives in ring[s % slots]. The caller's
     * thread alone writes head and tail (tail under the lock). */
    uint64_t head;      /* the next chunk handed out, in order */
    uint64_t tail;      /* the next chunk to fill */
    uint64_t next_work; /* the next READY chunk a worker takes (under the lock) */
    bool eof;           /* the chunk marked `last` is filled: read no more */
    bool stopping;      /* under the lock */
    pthread_t threads[MCA_THREADS_MAX];
    unsigned started;
};

static void check_entry(mca_item *it, const uint8_t *data)
{
    it->code = mc_entry_decode(data, it->data_len, &it->entry);
    if (it->code != MC_ERR_OK) {
        it->entry.tx = NULL;
        return;
    }
    mc_merkle_leaf_hash(data, it->data_len, it->leaf);
    it->code = mc_tx_verify(it->entry.tx);
}

static void check_chunk(const mca_pipeline *p, mca_chunk *c)
{
    for (size_t i = 0; i < c->count; i++) {
        mca_item *it = &c->items[i];
        const uint8_t *data = c->arena + it->data_at;
        if (it->kind == MCA_ITEM_ENTRY) {
            check_entry(it, data);
        } else if (it->kind == MCA_ITEM_CHECKPOINT) {
            it->code = mc_checkpoint_verify((const char *)data, it->data_len, p->node_key,
                                            &it->checkpoint);
        }
    }
}

static void *worker_main(void *arg)
{
    mca_pipeline *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stopping && p->next_work == p->tail) {
            pthread_cond_wait(&p->work, &p->lock);
        }
        if (p->stopping) {
            break;
        }
        mca_chunk *c = &p->ring[p->next_work % p->slots];
        p->next_work++;
        c->state = CHUNK_BUSY;
        pthread_mutex_unlock(&p->lock);
        check_chunk(p, c);
        pthread_mutex_lock(&p->lock);
        c->state = CHUNK_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Room for `len` more bytes in the arena. */
static int arena_reserve(mca_chunk *c, size_t len)
{
    size_t need = c->arena_len + len;
    MCA_ASSERT(need <= ARENA_MAX_BYTES);
    if (need <= c->arena_cap) {
        return MC_ERR_OK;
    }
    size_t cap = c->arena_cap > 0 ? c->arena_cap : ARENA_START_BYTES;
    while (cap < need) {
        cap *= 2;
    }
    cap = cap < ARENA_MAX_BYTES ? cap : ARENA_MAX_BYTES;
    uint8_t *arena = realloc(c->arena, cap);
    if (arena == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    c->arena = arena;
    c->arena_cap = cap;
    return MC_ERR_OK;
}

/* Read one record into item `it` of `c`. Returns false when the chunk
 * must end here (the end of the file, an error, a stray genesis). */
static bool read_item(mca_pipeline *p, mca_chunk *c, mca_item *it)
{
    mc_export_kind kind;
    const uint8_t *data;
    size_t len = 0;
    int rc = mc_export_next(p->reader, &kind, &data, &len);
    memset(it, 0, sizeof *it);
    it->offset = mc_export_offset(p->reader);
    if (rc == MC_ERR_OK) {
        p->position = it->offset + RECORD_HEAD_BYTES + len;
        rc = kind == MC_EXPORT_GENESIS ? MC_ERR_OK : arena_reserve(c, len);
    }
    if (rc != MC_ERR_OK) {
        it->kind = MCA_ITEM_BROKEN;
        it->code = rc;
        return false;
    }
    if (kind == MC_EXPORT_GENESIS) {
        it->kind = MCA_ITEM_GENESIS;
        return false;
    }
    it->kind = kind == MC_EXPORT_ENTRY ? MCA_ITEM_ENTRY : MCA_ITEM_CHECKPOINT;
    it->data_at = c->arena_len;
    it->data_len = len;
    if (len > 0) {
        memcpy(c->arena + c->arena_len, data, len);
    }
    c->arena_len += len;
    return true;
}

static void fill_chunk(mca_pipeline *p, mca_chunk *c)
{
    c->count = 0;
    c->arena_len = 0;
    c->last = false;
    while (c->count < MCA_CHUNK_ITEMS && c->arena_len < MCA_CHUNK_BYTES) {
        mca_item *it = &c->items[c->count];
        bool more = read_item(p, c, it);
        if (!more && it->kind == MCA_ITEM_BROKEN && it->code == MC_ERR_NOT_FOUND) {
            c->last = true; /* the clean end of the file */
            break;
        }
        c->count++;
        if (!more) {
            c->last = true;
            break;
        }
    }
    c->end_offset = p->position;
}

/* Fill every free slot of the ring and hand the chunks to the workers. */
static void fill_ring(mca_pipeline *p)
{
    while (!p->eof && p->tail - p->head < p->slots) {
        mca_chunk *c = &p->ring[p->tail % p->slots];
        fill_chunk(p, c);
        p->eof = c->last;
        pthread_mutex_lock(&p->lock);
        c->state = CHUNK_READY;
        p->tail++;
        pthread_cond_signal(&p->work);
        pthread_mutex_unlock(&p->lock);
    }
}

mca_chunk *mca_pipeline_next(mca_pipeline *p)
{
    fill_ring(p);
    if (p->head == p->tail) {
        return NULL;
    }
    mca_chunk *c = &p->ring[p->head % p->slots];
    pthread_mutex_lock(&p->lock);
    while (c->state != CHUNK_DONE) {
        pthread_cond_wait(&p->done, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return c;
}

static void chunk_clear(mca_chunk *c)
{
    for (size_t i = 0; i < c->count; i++) {
        mc_entry_clear(&c->items[i].entry);
    }
    c->count = 0;
}

void mca_pipeline_release(mca_pipeline *p, mca_chunk *c)
{
    MCA_ASSERT(c == &p->ring[p->head % p->slots]);
    chunk_clear(c);
    c->state = CHUNK_FREE;
    p->head++;
}

int mca_pipeline_start(mc_export_reader *r, const uint8_t node_key[MC_PUBLIC_KEY_BYTES],
                       unsigned threads, mca_pipeline **out)
{
    MCA_ASSERT(threads >= 1 && threads <= MCA_THREADS_MAX);
    mca_pipeline *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    p->slots = (size_t)threads * MCA_CHUNKS_PER_THREAD;
    p->slots = p->slots < MCA_CHUNKS_MAX ? p->slots : MCA_CHUNKS_MAX;
    p->ring = calloc(p->slots, sizeof *p->ring);
    if (p->ring == NULL || pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p->ring);
        free(p);
        return MC_ERR_NO_MEMORY;
    }
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->reader = r;
    p->position = mc_export_offset(r);
    memcpy(p->node_key, node_key, MC_PUBLIC_KEY_BYTES);
    for (; p->started < threads; p->started++) {
        if (pthread_create(&p->threads[p->started], NULL, worker_main, p) != 0) {
            mca_pipeline_stop(p);
            return MC_ERR_NO_MEMORY;
        }
    }
    *out = p;
    return MC_ERR_OK;
}

void mca_pipeline_stop(mca_pipeline *p)
{
    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->started; i++) {
        pthread_join(p->threads[i], NULL);
    }
    for (size_t i = 0; i < p->slots; i++) {
        chunk_clear(&p->ring[i]);
        free(p->ring[i].arena);
    }
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->ring);
    free(p);
}
