/* Transactions: encoding bodies, signing, decoding and verifying SignedTx
 * (see mc/tx.h). mc_tx_decode() enforces structure (sizes of keys and
 * signatures, a kind, the fields each kind needs) so that the state machine
 * only ever sees well-formed bodies and answers with rule errors. */
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "tx_internal.h"

static int tx_new(const uint8_t *body, size_t body_len, mc_tx **out)
{
    if (body_len > MC_TX_BYTES_MAX) {
        return MC_ERR_MALFORMED;
    }
    mc_tx *tx = calloc(1, sizeof *tx);
    if (tx == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    tx->body = malloc(body_len > 0 ? body_len : 1);
    if (tx->body == NULL) {
        free(tx);
        return MC_ERR_NO_MEMORY;
    }
    if (body_len > 0) {
        memcpy(tx->body, body, body_len);
    }
    tx->body_len = body_len;
    tx->decoded = mc__tx_body__unpack(NULL, body_len, tx->body);
    if (tx->decoded == NULL || !mc__body_well_formed(tx->decoded)) {
        mc_tx_free(tx);
        return MC_ERR_MALFORMED;
    }
    if (mc__tx_flatten(tx) != MC_ERR_OK) {
        mc_tx_free(tx);
        return MC_ERR_NO_MEMORY;
    }
    mc_tx_id(tx->body, tx->body_len, tx->tx_id);
    *out = tx;
    return MC_ERR_OK;
}

/* Adds one signature; MALFORMED on a wrong size or too many. A key signs
 * once: the same signature again is dropped (a signer counted twice counts
 * once), another signature by the same key is MALFORMED (which one would
 * count?). */
static int tx_add_sig(mc_tx *tx, const uint8_t *key, size_t key_len, const uint8_t *sig,
                      size_t sig_len)
{
    if (key_len != MC_PUBLIC_KEY_BYTES || sig_len != MC_SIGNATURE_BYTES) {
        return MC_ERR_MALFORMED;
    }
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (memcmp(tx->keys[i], key, MC_PUBLIC_KEY_BYTES) == 0) {
            return memcmp(tx->sigs[i], sig, MC_SIGNATURE_BYTES) == 0 ? MC_ERR_OK : MC_ERR_MALFORMED;
        }
    }
    if (tx->sig_count >= MC_TX_SIGS_MAX) {
        return MC_ERR_MALFORMED;
    }
    memcpy(tx->keys[tx->sig_count], key, MC_PUBLIC_KEY_BYTES);
    memcpy(tx->sigs[tx->sig_count], sig, MC_SIGNATURE_BYTES);
    tx->sig_count++;
    return MC_ERR_OK;
}

int mc_tx_from_parts(const uint8_t *body, size_t body_len,
                     const uint8_t (*keys)[MC_PUBLIC_KEY_BYTES],
                     const uint8_t (*sigs)[MC_SIGNATURE_BYTES], size_t n, mc_tx **out)
{
    if (n > MC_TX_SIGS_MAX) {
        return MC_ERR_MALFORMED;
    }
    mc_tx *tx = NULL;
    int rc = tx_new(body, body_len, &tx);
    for (size_t i = 0; rc == MC_ERR_OK && i < n; i++) {
        rc = tx_add_sig(tx, keys[i], MC_PUBLIC_KEY_BYTES, sigs[i], MC_SIGNATURE_BYTES);
    }
    if (rc != MC_ERR_OK) {
        mc_tx_free(tx);
        return rc;
    }
    *out = tx;
    return MC_ERR_OK;
}

int mc_tx_decode(const uint8_t *bytes, size_t len, mc_tx **out)
{
    if (bytes == NULL || len > MC_TX_BYTES_MAX) {
        return MC_ERR_MALFORMED;
    }
    Mc__SignedTx *st = mc__signed_tx__unpack(NULL, len, bytes);
    if (st == NULL) {
        return MC_ERR_MALFORMED;
    }
    mc_tx *tx = NULL;
    int rc =
        st->n_sigs > MC_TX_SIGS_MAX ? MC_ERR_MALFORMED : tx_new(st->body.data, st->body.len, &tx);
    for (size_t i = 0; rc == MC_ERR_OK && i < st->n_sigs; i++) {
        const Mc__Signature *s = st->sigs[i];
        rc = tx_add_sig(tx, s->public_key.data, s->public_key.len, s->signature.data,
                        s->signature.len);
    }
    mc__signed_tx__free_unpacked(st, NULL);
    if (rc != MC_ERR_OK) {
        mc_tx_free(tx);
        return rc;
    }
    *out = tx;
    return MC_ERR_OK;
}

int mc_tx_sign(const uint8_t *body, size_t body_len, const mc_keypair *const *keys, size_t n,
               uint8_t **out, size_t *out_len)
{
    if (n > MC_TX_SIGS_MAX) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    mc_tx *tx = NULL;
    int rc = tx_new(body, body_len, &tx);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    for (size_t i = 0; i < n && rc == MC_ERR_OK; i++) {
        uint8_t sig[MC_SIGNATURE_BYTES];
        mc_sign_tx(keys[i], tx->decoded->ledger_id.data, tx->body, tx->body_len, sig);
        rc = tx_add_sig(tx, mc_keypair_public(keys[i]), MC_PUBLIC_KEY_BYTES, sig, sizeof sig);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_tx_encode(tx, out, out_len);
    }
    mc_tx_free(tx);
    return rc;
}

int mc_tx_cosign(mc_tx *tx, const mc_keypair *kp)
{
    uint8_t sig[MC_SIGNATURE_BYTES];
    mc_sign_tx(kp, tx->decoded->ledger_id.data, tx->body, tx->body_len, sig);
    int rc = tx_add_sig(tx, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES, sig, sizeof sig);
    if (rc == MC_ERR_OK) {
        tx->verified = false;
    }
    return rc;
}

void mc__tx_to_message(const mc_tx *tx, mc__signed_tx_msg *m)
{
    mc__signed_tx__init(&m->st);
    for (size_t i = 0; i < tx->sig_count; i++) {
        mc__signature__init(&m->sigs[i]);
        m->sigs[i].public_key = MC__BYTES(tx->keys[i], MC_PUBLIC_KEY_BYTES);
        m->sigs[i].signature = MC__BYTES(tx->sigs[i], MC_SIGNATURE_BYTES);
        m->sig_ptrs[i] = &m->sigs[i];
    }
    m->st.body = MC__BYTES(tx->body, tx->body_len);
    m->st.n_sigs = tx->sig_count;
    m->st.sigs = m->sig_ptrs;
}

int mc_tx_encode(const mc_tx *tx, uint8_t **out, size_t *out_len)
{
    mc__signed_tx_msg m;
    mc__tx_to_message(tx, &m);
    size_t len = mc__signed_tx__get_packed_size(&m.st);
    uint8_t *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    mc__signed_tx__pack(&m.st, buf);
    *out = buf;
    *out_len = len;
    return MC_ERR_OK;
}

int mc_tx_verify(mc_tx *tx)
{
    if (mc_crypto_init() != MC_ERR_OK) {
        return MC_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (!mc_verify_tx(tx->keys[i], tx->decoded->ledger_id.data, tx->body, tx->body_len,
                          tx->sigs[i])) {
            tx->verified = false;
            return MC_ERR_BAD_SIGNATURE;
        }
    }
    tx->verified = true;
    return MC_ERR_OK;
}

bool mc__tx_signed_by(const mc_tx *tx, const uint8_t key[MC_PUBLIC_KEY_BYTES])
{
    for (size_t i = 0; i < tx->sig_count; i++) {
        if (memcmp(tx->keys[i], key, MC_PUBLIC_KEY_BYTES) == 0) {
            return true;
        }
    }
    return false;
}

bool mc_tx_is_verified(const mc_tx *tx)
{
    return tx->verified;
}

const uint8_t *mc_tx_id_of(const mc_tx *tx)
{
    return tx->tx_id;
}

mc_tx_kind mc_tx_kind_of(const mc_tx *tx)
{
    return (mc_tx_kind)tx->decoded->kind_case;
}

const uint8_t *mc_tx_body_bytes(const mc_tx *tx, size_t *len)
{
    *len = tx->body_len;
    return tx->body;
}

size_t mc_tx_signer_count(const mc_tx *tx)
{
    return tx->sig_count;
}

const uint8_t *mc_tx_signer(const mc_tx *tx, size_t i)
{
    return i < tx->sig_count ? tx->keys[i] : NULL;
}

void mc_tx_free(mc_tx *tx)
{
    if (tx == NULL) {
        return;
    }
    if (tx->decoded != NULL) {
        mc__tx_body__free_unpacked(tx->decoded, NULL);
    }
    free(tx->flat);
    free(tx->body);
    free(tx);
}
