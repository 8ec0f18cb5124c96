/* The verifiable history through the node: checkpoints, inclusion and
 * consistency proofs, and the log for exports. The client checks shapes
 * and sizes; verifying signatures and proofs is the caller's (the wallet,
 * with the node key of the genesis), so nothing here is trusted blindly. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mc/error.h"

int mc_client_checkpoint(mc_client *c, uint64_t tree_size, char *out, size_t *len)
{
    if (c == NULL || out == NULL || len == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__CheckpointRequest q = MC__CHECKPOINT_REQUEST__INIT;
    q.tree_size = tree_size;
    req.kind_case = MC__REQUEST__KIND_CHECKPOINT;
    req.checkpoint = &q;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_CHECKPOINT, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__client_copy_text(c, "checkpoint", resp->checkpoint->text, out, MC_CHECKPOINT_TEXT_MAX);
    if (rc == MC_ERR_OK) {
        *len = strlen(out);
    }
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

/* Copy a list of hashes, each exactly 32 bytes. */
static int copy_hashes(mc_client *c, size_t n, const ProtobufCBinaryData *list,
                       uint8_t (*out)[MC_HASH_BYTES])
{
    if (n > MC_MERKLE_PROOF_MAX) {
        mc__client_set_error(c, "%s sent a proof of %zu hashes", c->address, n);
        return MC_ERR_PROTOCOL;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = mc__client_copy_bytes(c, "proof hash", &list[i], out[i], MC_HASH_BYTES);
        if (rc != MC_ERR_OK) {
            return rc;
        }
    }
    return MC_ERR_OK;
}

static int inclusion_convert(mc_client *c, const Mc__InclusionProofResponse *r,
                             mc_client_inclusion *out)
{
    memset(out, 0, sizeof *out);
    out->leaf_index = r->leaf_index;
    out->tree_size = r->tree_size;
    out->path_len = r->n_audit_path;
    int rc = mc__client_copy_bytes(c, "leaf hash", &r->leaf_hash, out->leaf_hash, MC_HASH_BYTES);
    if (rc == MC_ERR_OK) {
        rc = copy_hashes(c, r->n_audit_path, r->audit_path, out->audit_path);
    }
    if (rc == MC_ERR_OK) {
        rc = mc__client_copy_text(c, "checkpoint", r->checkpoint, out->checkpoint,
                                  sizeof out->checkpoint);
    }
    if (rc == MC_ERR_OK && r->entry.len > 0) {
        out->entry = malloc(r->entry.len);
        if (out->entry == NULL) {
            return MC_ERR_NO_MEMORY;
        }
        memcpy(out->entry, r->entry.data, r->entry.len);
        out->entry_len = r->entry.len;
    }
    return rc;
}

int mc_client_inclusion_proof(mc_client *c, const uint8_t tx_id[MC_TX_ID_BYTES], uint64_t tree_size,
                              mc_client_inclusion *out)
{
    if (c == NULL || tx_id == NULL || out == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__InclusionProofRequest q = MC__INCLUSION_PROOF_REQUEST__INIT;
    q.tx_id = (ProtobufCBinaryData){MC_TX_ID_BYTES, (uint8_t *)tx_id};
    q.tree_size = tree_size;
    req.kind_case = MC__REQUEST__KIND_INCLUSION_PROOF;
    req.inclusion_proof = &q;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_INCLUSION_PROOF, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    mc_client_inclusion *tmp = malloc(sizeof *tmp);
    rc = tmp != NULL ? inclusion_convert(c, resp->inclusion_proof, tmp) : MC_ERR_NO_MEMORY;
    mc__response__free_unpacked(resp, NULL);
    if (rc == MC_ERR_OK) {
        *out = *tmp;
    } else if (tmp != NULL) {
        free(tmp->entry);
    }
    free(tmp);
    return rc;
}

int mc_client_consistency_proof(mc_client *c, uint64_t size1, uint64_t size2,
                                uint8_t (*proof)[MC_HASH_BYTES], size_t *len)
{
    if (c == NULL || proof == NULL || len == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ConsistencyProofRequest q = MC__CONSISTENCY_PROOF_REQUEST__INIT;
    q.size1 = size1;
    q.size2 = size2;
    req.kind_case = MC__REQUEST__KIND_CONSISTENCY_PROOF;
    req.consistency_proof = &q;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_CONSISTENCY_PROOF, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    const Mc__ConsistencyProofResponse *r = resp->consistency_proof;
    uint8_t tmp[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
    if (r->size1 != size1 || r->size2 != size2) {
        mc__client_set_error(c, "%s answered with a proof of other sizes", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    if (rc == MC_ERR_OK) {
        rc = copy_hashes(c, r->n_proof, r->proof, tmp);
    }
    if (rc == MC_ERR_OK) {
        memcpy(proof, tmp, r->n_proof * MC_HASH_BYTES);
        *len = r->n_proof;
    }
    mc__response__free_unpacked(resp, NULL);
    return rc;
}

/* Hand the records of a log page to `cb`, checking their order. */
static int log_records(mc_client *c, const Mc__LogResponse *r, uint64_t from, mc_client_log_cb cb,
                       void *ctx, uint64_t *next)
{
    uint64_t expect = from;
    for (size_t i = 0; i < r->n_records; i++) {
        const Mc__LogRecord *rec = r->records[i];
        bool entry = rec->entry.len > 0;
        bool checkpoint = rec->checkpoint != NULL && rec->checkpoint[0] != '\0';
        if (entry == checkpoint || (entry && rec->height != expect) ||
            (checkpoint && rec->height + 1 != expect) ||
            (checkpoint && strlen(rec->checkpoint) >= MC_CHECKPOINT_TEXT_MAX)) {
            mc__client_set_error(c, "%s sent log records out of order", c->address);
            return MC_ERR_PROTOCOL;
        }
        int rc = entry ? cb(rec->height, rec->entry.data, rec->entry.len, NULL, ctx)
                       : cb(rec->height, NULL, 0, rec->checkpoint, ctx);
        if (rc != 0) {
            return rc;
        }
        expect += entry;
    }
    *next = expect;
    return MC_ERR_OK;
}

int mc_client_log(mc_client *c, uint64_t from_height, uint32_t limit, mc_client_log_cb cb,
                  void *ctx, uint64_t *next, bool *more)
{
    if (c == NULL || cb == NULL || next == NULL || more == NULL || from_height == 0) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    c->error[0] = '\0';
    Mc__Request req = MC__REQUEST__INIT;
    Mc__LogRequest q = MC__LOG_REQUEST__INIT;
    q.from_height = from_height;
    q.limit = limit;
    req.kind_case = MC__REQUEST__KIND_LOG;
    req.log = &q;
    Mc__Response *resp = NULL;
    int rc = mc__client_call(c, &req, MC__RESPONSE__KIND_LOG, &resp);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = log_records(c, resp->log, from_height, cb, ctx, next);
    if (rc == MC_ERR_OK) {
        *more = resp->log->more;
    }
    mc__response__free_unpacked(resp, NULL);
    return rc;
}
