/* The verifiable history over the wire: checkpoints, proofs of inclusion
 * and consistency, and the log itself for exports. Checkpoints and
 * consistency proofs are public (they reveal sizes and hashes only); an
 * inclusion proof carries the entry only where visibility allows; the log
 * only where every entry is visible (an open ledger, or a steward). */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "node_internal.h"

void mc__query_checkpoint(mc_conn *conn, const Mc__Request *req)
{
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    uint64_t size = req->checkpoint->tree_size;
    int rc = size == 0 ? mc_ledger_latest_checkpoint(conn->node->ledger, text, &len)
                       : mc_ledger_checkpoint_at(conn->node->ledger, size, text, &len);
    if (rc == MC_ERR_NOT_FOUND) {
        mc__conn_send_error(conn, req->id, rc, "no checkpoint of %llu entries is stored",
                            (unsigned long long)size);
        return;
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
        return;
    }
    Mc__CheckpointResponse cr = MC__CHECKPOINT_RESPONSE__INIT;
    cr.text = text;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_CHECKPOINT;
    resp.checkpoint = &cr;
    mc__conn_send(conn, &resp);
}

/* The size a proof is asked at: given, or the latest checkpoint's. */
static int proof_size(mc_node *node, uint64_t asked, uint64_t *size, char *cp, size_t *cp_len)
{
    int rc = asked == 0 ? mc_ledger_latest_checkpoint(node->ledger, cp, cp_len)
                        : mc_ledger_checkpoint_at(node->ledger, asked, cp, cp_len);
    mc_checkpoint parsed;
    if (rc == MC_ERR_OK && mc_checkpoint_parse(cp, *cp_len, &parsed) == MC_ERR_OK) {
        *size = parsed.size;
        return MC_ERR_OK;
    }
    *cp_len = 0;
    if (rc != MC_ERR_NOT_FOUND || asked == 0) {
        return rc == MC_ERR_OK ? MC_ERR_CORRUPT : rc;
    }
    *size = asked; /* no checkpoint there: the proof is still good against a root */
    return MC_ERR_OK;
}

static void send_inclusion(mc_conn *conn, uint64_t id, uint64_t height, uint64_t size,
                           const char *cp, const uint8_t (*path)[MC_HASH_BYTES], size_t len)
{
    uint8_t *entry = NULL, leaf[MC_HASH_BYTES];
    size_t entry_len = 0;
    mc_entry e = {0};
    int rc = mc_ledger_get_entry(conn->node->ledger, height, &entry, &entry_len);
    if (rc == MC_ERR_OK) {
        rc = mc_entry_decode(entry, entry_len, &e) == MC_ERR_OK ? MC_ERR_OK : MC_ERR_CORRUPT;
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, id, rc);
        free(entry);
        return;
    }
    mc_merkle_leaf_hash(entry, entry_len, leaf);
    ProtobufCBinaryData hashes[MC_MERKLE_PROOF_MAX];
    for (size_t i = 0; i < len; i++) {
        hashes[i] = (ProtobufCBinaryData){MC_HASH_BYTES, (uint8_t *)path[i]};
    }
    Mc__InclusionProofResponse ip = MC__INCLUSION_PROOF_RESPONSE__INIT;
    ip.leaf_index = height - 1;
    ip.tree_size = size;
    ip.leaf_hash = (ProtobufCBinaryData){MC_HASH_BYTES, leaf};
    ip.n_audit_path = len;
    ip.audit_path = hashes;
    ip.checkpoint = (char *)cp;
    if (mc__tx_visible(conn, e.tx)) {
        ip.entry = (ProtobufCBinaryData){entry_len, entry};
    }
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = id;
    resp.kind_case = MC__RESPONSE__KIND_INCLUSION_PROOF;
    resp.inclusion_proof = &ip;
    mc__conn_send(conn, &resp);
    mc_entry_clear(&e);
    free(entry);
}

void mc__query_inclusion(mc_conn *conn, const Mc__Request *req)
{
    const Mc__InclusionProofRequest *q = req->inclusion_proof;
    mc_node *node = conn->node;
    if (q->tx_id.len != MC_TX_ID_BYTES) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT, "a tx_id is 32 bytes");
        return;
    }
    uint64_t height = 0, size = 0;
    char cp[MC_CHECKPOINT_TEXT_MAX] = "";
    size_t cp_len = 0, len = 0;
    uint8_t path[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
    int rc = mc_ledger_find_tx(node->ledger, q->tx_id.data, &height);
    if (rc == MC_ERR_OK) {
        rc = proof_size(node, q->tree_size, &size, cp, &cp_len);
    }
    if (rc == MC_ERR_OK && height > size) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT,
                            "the transaction is at height %llu, past the tree of %llu entries",
                            (unsigned long long)height, (unsigned long long)size);
        return;
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_inclusion_proof(node->ledger, height - 1, size, path, &len);
    }
    if (rc == MC_ERR_NOT_FOUND || rc == MC_ERR_INVALID_ARGUMENT) {
        mc__conn_send_error(conn, req->id, rc,
                            rc == MC_ERR_NOT_FOUND ? "no applied transaction has this id"
                                                   : "the tree size is past the log's height");
        return;
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
        return;
    }
    send_inclusion(conn, req->id, height, size, cp, (const uint8_t(*)[MC_HASH_BYTES])path, len);
}

void mc__query_consistency(mc_conn *conn, const Mc__Request *req)
{
    const Mc__ConsistencyProofRequest *q = req->consistency_proof;
    uint8_t proof[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
    size_t len = 0;
    if (q->size1 == 0 || q->size1 > q->size2) {
        mc__conn_send_error(conn, req->id, MC_ERR_INVALID_ARGUMENT,
                            "a consistency proof needs 1 <= size1 <= size2");
        return;
    }
    int rc = mc_ledger_consistency_proof(conn->node->ledger, q->size1, q->size2, proof, &len);
    if (rc == MC_ERR_INVALID_ARGUMENT) {
        mc__conn_send_error(conn, req->id, rc, "size2 %llu is past the log's height",
                            (unsigned long long)q->size2);
        return;
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
        return;
    }
    ProtobufCBinaryData hashes[MC_MERKLE_PROOF_MAX];
    for (size_t i = 0; i < len; i++) {
        hashes[i] = (ProtobufCBinaryData){MC_HASH_BYTES, proof[i]};
    }
    Mc__ConsistencyProofResponse cr = MC__CONSISTENCY_PROOF_RESPONSE__INIT;
    cr.size1 = q->size1;
    cr.size2 = q->size2;
    cr.n_proof = len;
    cr.proof = hashes;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_CONSISTENCY_PROOF;
    resp.consistency_proof = &cr;
    mc__conn_send(conn, &resp);
}

/* One page of log records: entries and the checkpoints after them. */
typedef struct log_page {
    Mc__LogRecord *records;
    Mc__LogRecord **ptrs;
    uint8_t **entries;
    char (*checkpoints)[MC_CHECKPOINT_TEXT_MAX];
    size_t n, cap;
} log_page;

static void log_page_free(log_page *p, size_t entries)
{
    for (size_t i = 0; p->entries != NULL && i < entries; i++) {
        free(p->entries[i]);
    }
    free(p->records);
    free(p->ptrs);
    free(p->entries);
    free(p->checkpoints);
}

static int log_fill(mc_node *node, uint64_t from, uint64_t to, log_page *p)
{
    int rc = MC_ERR_OK;
    for (uint64_t h = from; h <= to && rc == MC_ERR_OK; h++) {
        size_t i = (size_t)(h - from), len = 0;
        Mc__LogRecord *r = &p->records[p->n];
        mc__log_record__init(r);
        r->height = h;
        rc = mc_ledger_get_entry(node->ledger, h, &p->entries[i], &len);
        r->entry = (ProtobufCBinaryData){len, p->entries[i]};
        p->ptrs[p->n++] = r;
        if (rc != MC_ERR_OK) {
            break;
        }
        rc = mc_ledger_checkpoint_at(node->ledger, h, p->checkpoints[i], &len);
        if (rc == MC_ERR_OK) {
            r = &p->records[p->n];
            mc__log_record__init(r);
            r->height = h;
            r->checkpoint = p->checkpoints[i];
            p->ptrs[p->n++] = r;
        }
        rc = rc == MC_ERR_NOT_FOUND ? MC_ERR_OK : rc;
    }
    return rc;
}

void mc__query_log(mc_conn *conn, const Mc__Request *req)
{
    const Mc__LogRequest *q = req->log;
    mc_node *node = conn->node;
    if (!mc__require_auth(conn, req->id)) {
        return;
    }
    if (node->info.visibility != MC_VISIBILITY_OPEN &&
        !mc_ledger_is_steward(node->ledger, conn->identity)) {
        mc__conn_send_error(conn, req->id, MC_ERR_FORBIDDEN,
                            "this ledger is private: its whole log is shown to the stewards and "
                            "the auditors");
        return;
    }
    uint64_t height = 0;
    int rc = mc_ledger_height(node->ledger, &height);
    uint64_t from = q->from_height == 0 ? 1 : q->from_height;
    uint32_t limit = mc__page_limit(conn, q->limit);
    uint64_t to = from > height ? from - 1 : height - from + 1 > limit ? from + limit - 1 : height;
    size_t count = (size_t)(to + 1 - from);
    log_page p = {.cap = 2 * count + 1};
    p.records = calloc(p.cap, sizeof *p.records);
    p.ptrs = calloc(p.cap, sizeof *p.ptrs);
    p.entries = calloc(count + 1, sizeof *p.entries);
    p.checkpoints = calloc(count + 1, sizeof *p.checkpoints);
    if (rc == MC_ERR_OK && (!p.records || !p.ptrs || !p.entries || !p.checkpoints)) {
        rc = MC_ERR_NO_MEMORY;
    }
    if (rc == MC_ERR_OK) {
        rc = log_fill(node, from, to, &p);
    }
    if (rc != MC_ERR_OK) {
        mc__storage_error(conn, req->id, rc);
    } else {
        Mc__LogResponse lr = MC__LOG_RESPONSE__INIT;
        lr.n_records = p.n;
        lr.records = p.ptrs;
        lr.more = to < height;
        Mc__Response resp = MC__RESPONSE__INIT;
        resp.id = req->id;
        resp.kind_case = MC__RESPONSE__KIND_LOG;
        resp.log = &lr;
        mc__conn_send(conn, &resp);
    }
    log_page_free(&p, count);
}
