/* docs/protocol.md's worked example, checked against the code.
 *
 * The document marks each example with a line `<!-- example:NAME -->`
 * followed by a fenced block: hex bytes (spaces and line breaks are ignored,
 * and so is the rest of a line after '#', an annotation), or, for
 * `refusal-message`, one line of text, and for `checkpoint`, the whole text
 * of a checkpoint. This test builds the same signed transfer with
 * mc_body_encode(), mc_keypair_from_seed() and mc_tx_sign(), frames the
 * requests and responses the way the node and the client do (a
 * 4-byte big-endian length, then the protobuf-c packed message), and asserts
 * that every marked block equals what the code produces, so the document
 * cannot drift from the code. It also rebuilds by hand the byte layouts the
 * document states (the signed message, the tx_id input, the authentication
 * message) and checks them against the library, and it runs the example
 * transfer through a real ledger to check that the results the document
 * shows (applied, refused) carry exactly the fields the ledger reports, and
 * that the log entry it shows is laid out as the ledger stores one.
 *
 * The verifiable history: the example's log entry, its leaf hash, an
 * inclusion proof with an illustrative audit path, the root it leads to,
 * and the checkpoint of that root signed with the RFC 8032 TEST 3 key as
 * the node key (mc_checkpoint_sign()), with its key id, signed message and
 * signature rebuilt by hand and checked against the text; the proof
 * verifies with mc_merkle_verify_inclusion() and the checkpoint with
 * mc_checkpoint_verify().
 *
 * MC_PROTOCOL_EXAMPLE_PRINT=1 prints every block as the code produces it, to
 * write the document again after a deliberate change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fixture.h"
#include "mc/checkpoint.h"
#include "mc/crypto.h"
#include "mc/error.h"
#include "mc/ledger.h"
#include "mc/merkle.h"
#include "mc/tx.h"
#include "store.pb-c.h"
#include "tx.pb-c.h"
#include "wire.pb-c.h"

#define DOC_PATH_BYTES 1024u
#define DOC_BYTES_MAX (1u << 20)
#define MESSAGE_BYTES 256u
#define FRAME_HEADER_BYTES 4u

/* The example's values (docs/protocol.md, "Worked example"). */
#define EXAMPLE_NONCE 1u
#define EXAMPLE_NOT_AFTER INT64_C(4102444800) /* 2100-01-01T00:00:00Z */
#define EXAMPLE_AMOUNT 1250                   /* 12.50 at 2 decimals */
#define EXAMPLE_MEMO "bread"
#define EXAMPLE_HEIGHT 42u
#define EXAMPLE_DECIMALS 2u
#define EXAMPLE_SYMBOL "g"
#define EXAMPLE_HANDLE "alice"
#define EXAMPLE_BALANCE INT64_C(-29000) /* -290.00 g before the payment */
#define EXAMPLE_LIMIT INT64_C(-30000)   /* the credit limit, -300.00 g */
#define EXAMPLE_SUBMIT_ID 1u
#define EXAMPLE_CHALLENGE_ID 2u
#define EXAMPLE_AUTH_ID 3u
#define EXAMPLE_TIME INT64_C(1767225600) /* 2026-01-01T00:00:00Z: the batch's time */
#define EXAMPLE_CHECKPOINT_ID 4u
#define EXAMPLE_INCLUSION_ID 5u
#define EXAMPLE_PATH_LEN 3u /* leaf 41 of 42: its sibling, then [32, 40), then [0, 32) */
#define KEY_ID_BYTES 4u
#define SIG_PREFIX "\xe2\x80\x94 mcnode " /* the signature line: an em dash, the key name */

/* RFC 8032, section 7.1, TEST 1 (the payer) and TEST 2 (the payee). */
static const char test1_seed_hex[] =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char test1_public_hex[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char test2_public_hex[] =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
/* RFC 8032, section 7.1, TEST 3: the node's key, which signs checkpoints. */
static const char test3_seed_hex[] =
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7";
static const char test3_public_hex[] =
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025";

/* The audit path of the example's inclusion proof: illustrative hashes that
 * stand for the 41 entries before the example's (leaf 40; the subtree of
 * leaves 32..39; the subtree of leaves 0..31), each 32 equal bytes. */
static const uint8_t example_path_bytes[EXAMPLE_PATH_LEN] = {0x22, 0x33, 0x44};

typedef struct blob {
    uint8_t *data;
    size_t len;
} blob;

enum {
    B_PAYER_KEY,
    B_BODY,
    B_SIGNED_MESSAGE,
    B_SIGNATURE,
    B_TX_ID,
    B_SIGNED_TX,
    B_SUBMIT_FRAME,
    B_APPLIED_FRAME,
    B_REFUSED_FRAME,
    B_CHALLENGE_REQUEST_FRAME,
    B_CHALLENGE_RESPONSE_FRAME,
    B_AUTH_MESSAGE,
    B_AUTH_SIGNATURE,
    B_AUTH_REQUEST_FRAME,
    B_AUTH_RESPONSE_FRAME,
    B_LOG_ENTRY,
    B_LEAF_HASH,
    B_INCLUSION_HASHES,
    B_CHECKPOINT_KEY_ID,
    B_CHECKPOINT_MESSAGE,
    B_CHECKPOINT_SIGNATURE,
    B_CHECKPOINT_REQUEST_FRAME,
    B_INCLUSION_REQUEST_FRAME,
    B_INCLUSION_RESPONSE_FRAME,
    B_COUNT
};

static const char *const blob_names[] = {
    "payer-public-key",
    "body",
    "signed-message",
    "signature",
    "tx-id",
    "signed-tx",
    "submit-frame",
    "applied-frame",
    "refused-frame",
    "challenge-request-frame",
    "challenge-response-frame",
    "auth-message",
    "auth-signature",
    "auth-request-frame",
    "auth-response-frame",
    "log-entry",
    "leaf-hash",
    "inclusion-hashes",
    "checkpoint-key-id",
    "checkpoint-signed-message",
    "checkpoint-signature",
    "checkpoint-request-frame",
    "inclusion-request-frame",
    "inclusion-response-frame",
};
_Static_assert(sizeof blob_names / sizeof blob_names[0] == B_COUNT, "a name for each block");

/* The blocks of the document that are text, not hex. */
static const char *const text_names[] = {"refusal-message", "checkpoint"};
#define TEXT_COUNT (sizeof text_names / sizeof text_names[0])

typedef struct example {
    mc_keypair *payer;
    mc_keypair *node; /* signs the checkpoint */
    uint8_t payee[MC_PUBLIC_KEY_BYTES];
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint8_t challenge[MC_CHALLENGE_BYTES];
    char refusal[MESSAGE_BYTES];                   /* the words of the refusal */
    uint8_t path[EXAMPLE_PATH_LEN][MC_HASH_BYTES]; /* the inclusion proof's audit path */
    uint8_t root[MC_HASH_BYTES];                   /* the root it leads to */
    char checkpoint[MC_CHECKPOINT_TEXT_MAX];       /* signed by `node` */
    size_t checkpoint_len;
    blob b[B_COUNT];
} example;

static blob blob_copy(const uint8_t *data, size_t len)
{
    blob out = {malloc(len > 0 ? len : 1), len};
    assert_non_null(out.data);
    if (len > 0) {
        memcpy(out.data, data, len);
    }
    return out;
}

/* Two pieces one after the other. */
static blob blob_concat(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    blob out = {malloc(a_len + b_len), a_len + b_len};
    assert_non_null(out.data);
    memcpy(out.data, a, a_len);
    memcpy(out.data + a_len, b, b_len);
    return out;
}

/* A frame: the packed length as 4 bytes big-endian, then the message. */
static blob frame_of(const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    assert_true(len <= UINT32_MAX);
    blob out = {malloc(FRAME_HEADER_BYTES + len), FRAME_HEADER_BYTES + len};
    assert_non_null(out.data);
    out.data[0] = (uint8_t)(len >> 24);
    out.data[1] = (uint8_t)(len >> 16);
    out.data[2] = (uint8_t)(len >> 8);
    out.data[3] = (uint8_t)len;
    assert_int_equal(protobuf_c_message_pack(msg, out.data + FRAME_HEADER_BYTES), len);
    return out;
}

static mc_body example_body(const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                            const uint8_t payer[MC_PUBLIC_KEY_BYTES],
                            const uint8_t payee[MC_PUBLIC_KEY_BYTES])
{
    mc_body b;
    memset(&b, 0, sizeof b);
    memcpy(b.ledger_id, ledger_id, MC_LEDGER_ID_BYTES);
    b.nonce = EXAMPLE_NONCE;
    b.not_after = EXAMPLE_NOT_AFTER;
    b.kind = MC_TX_TRANSFER;
    memcpy(b.u.transfer.payer, payer, MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payee, payee, MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = EXAMPLE_AMOUNT;
    b.u.transfer.memo = (const uint8_t *)EXAMPLE_MEMO;
    b.u.transfer.memo_len = strlen(EXAMPLE_MEMO);
    return b;
}

/* The body, the message signed, the signature, the tx_id, the SignedTx. */
static void build_transfer(example *e)
{
    const uint8_t *payer = mc_keypair_public(e->payer);
    mc_body body = example_body(e->ledger_id, payer, e->payee);
    uint8_t *bytes = NULL;
    size_t len = 0;
    assert_int_equal(mc_body_encode(&body, &bytes, &len), MC_ERR_OK);
    e->b[B_PAYER_KEY] = blob_copy(payer, MC_PUBLIC_KEY_BYTES);
    e->b[B_BODY] = blob_copy(bytes, len);

    blob prefix = blob_concat((const uint8_t *)MC_DOMAIN_TX, strlen(MC_DOMAIN_TX), e->ledger_id,
                              MC_LEDGER_ID_BYTES);
    e->b[B_SIGNED_MESSAGE] = blob_concat(prefix.data, prefix.len, bytes, len);
    free(prefix.data);

    uint8_t sig[MC_SIGNATURE_BYTES], tx_id[MC_TX_ID_BYTES];
    mc_sign_tx(e->payer, e->ledger_id, bytes, len, sig);
    e->b[B_SIGNATURE] = blob_copy(sig, sizeof sig);
    mc_tx_id(bytes, len, tx_id);
    e->b[B_TX_ID] = blob_copy(tx_id, sizeof tx_id);

    const mc_keypair *keys[1] = {e->payer};
    uint8_t *signed_tx = NULL;
    size_t signed_len = 0;
    assert_int_equal(mc_tx_sign(bytes, len, keys, 1, &signed_tx, &signed_len), MC_ERR_OK);
    e->b[B_SIGNED_TX] = blob_copy(signed_tx, signed_len);
    free(signed_tx);
    free(bytes);
}

/* The answer to a submission, built from its result as
 * mc__submission_finish() (node/src/submit.c) builds it: every field of the
 * result is copied, and a refusal adds an Error with the result in words. */
static blob result_frame(const mc_result *r, uint64_t id, char *words, size_t words_len)
{
    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__TxResult tr = MC__TX_RESULT__INIT;
    Mc__Error err = MC__ERROR__INIT;
    tr.tx_id = (ProtobufCBinaryData){MC_TX_ID_BYTES, (uint8_t *)r->tx_id};
    tr.code = (uint32_t)r->code;
    tr.duplicate = r->duplicate;
    tr.height = r->height;
    if (r->has_account) {
        tr.account = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, (uint8_t *)r->account};
    }
    tr.handle = (char *)r->handle;
    tr.amount = r->amount;
    tr.balance = r->balance;
    tr.limit = r->limit;
    resp.id = id;
    resp.kind_case = MC__RESPONSE__KIND_SUBMIT;
    resp.submit = &tr;
    mc_result_describe(r, EXAMPLE_DECIMALS, EXAMPLE_SYMBOL, words, words_len);
    if (r->code != MC_ERR_OK) {
        err.code = (uint32_t)r->code;
        err.name = (char *)mc_err_name(r->code);
        err.message = words;
        resp.error = &err;
    }
    return frame_of(&resp.base);
}

/* The results the document shows. test_ledger_results checks that a real
 * ledger reports exactly these fields (but the height, illustrative). */
static mc_result applied_result(const example *e)
{
    mc_result r;
    memset(&r, 0, sizeof r);
    memcpy(r.tx_id, e->b[B_TX_ID].data, MC_TX_ID_BYTES);
    r.height = EXAMPLE_HEIGHT;
    r.amount = EXAMPLE_AMOUNT; /* a transfer's result always carries its amount */
    return r;
}

static mc_result refused_result(const example *e)
{
    mc_result r;
    memset(&r, 0, sizeof r);
    memcpy(r.tx_id, e->b[B_TX_ID].data, MC_TX_ID_BYTES);
    r.code = MC_ERR_EXCEEDS_CREDIT_LIMIT;
    r.has_account = true;
    memcpy(r.account, e->b[B_PAYER_KEY].data, MC_PUBLIC_KEY_BYTES);
    snprintf(r.handle, sizeof r.handle, "%s", EXAMPLE_HANDLE);
    r.amount = EXAMPLE_AMOUNT;
    r.balance = EXAMPLE_BALANCE;
    r.limit = EXAMPLE_LIMIT;
    return r;
}

/* The Request carrying the SignedTx, and two answers to it: applied, and
 * refused. */
static void build_submit_frames(example *e)
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__SubmitRequest submit = MC__SUBMIT_REQUEST__INIT;
    submit.signed_tx = (ProtobufCBinaryData){e->b[B_SIGNED_TX].len, e->b[B_SIGNED_TX].data};
    req.id = EXAMPLE_SUBMIT_ID;
    req.kind_case = MC__REQUEST__KIND_SUBMIT;
    req.submit = &submit;
    e->b[B_SUBMIT_FRAME] = frame_of(&req.base);

    char words[MESSAGE_BYTES];
    mc_result r = applied_result(e);
    e->b[B_APPLIED_FRAME] = result_frame(&r, EXAMPLE_SUBMIT_ID, words, sizeof words);
    r = refused_result(e);
    e->b[B_REFUSED_FRAME] = result_frame(&r, EXAMPLE_SUBMIT_ID, e->refusal, sizeof e->refusal);
}

/* Challenge, signature over "mc/auth/v1" || ledger_id || challenge, and the
 * answers (built as node/src/session.c builds them). */
static void build_auth_frames(example *e)
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__ChallengeRequest ch_req = MC__CHALLENGE_REQUEST__INIT;
    req.id = EXAMPLE_CHALLENGE_ID;
    req.kind_case = MC__REQUEST__KIND_CHALLENGE;
    req.challenge = &ch_req;
    e->b[B_CHALLENGE_REQUEST_FRAME] = frame_of(&req.base);

    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__ChallengeResponse ch = MC__CHALLENGE_RESPONSE__INIT;
    ch.challenge = (ProtobufCBinaryData){MC_CHALLENGE_BYTES, e->challenge};
    resp.id = EXAMPLE_CHALLENGE_ID;
    resp.kind_case = MC__RESPONSE__KIND_CHALLENGE;
    resp.challenge = &ch;
    e->b[B_CHALLENGE_RESPONSE_FRAME] = frame_of(&resp.base);

    blob prefix = blob_concat((const uint8_t *)MC_DOMAIN_AUTH, strlen(MC_DOMAIN_AUTH), e->ledger_id,
                              MC_LEDGER_ID_BYTES);
    e->b[B_AUTH_MESSAGE] = blob_concat(prefix.data, prefix.len, e->challenge, MC_CHALLENGE_BYTES);
    free(prefix.data);
    uint8_t sig[MC_SIGNATURE_BYTES];
    mc_sign_auth(e->payer, e->ledger_id, e->challenge, sig);
    e->b[B_AUTH_SIGNATURE] = blob_copy(sig, sizeof sig);

    Mc__AuthenticateRequest auth = MC__AUTHENTICATE_REQUEST__INIT;
    auth.public_key = (ProtobufCBinaryData){MC_PUBLIC_KEY_BYTES, e->b[B_PAYER_KEY].data};
    auth.signature = (ProtobufCBinaryData){MC_SIGNATURE_BYTES, e->b[B_AUTH_SIGNATURE].data};
    req.id = EXAMPLE_AUTH_ID;
    req.kind_case = MC__REQUEST__KIND_AUTHENTICATE;
    req.authenticate = &auth;
    e->b[B_AUTH_REQUEST_FRAME] = frame_of(&req.base);

    Mc__AuthenticateResponse ar = MC__AUTHENTICATE_RESPONSE__INIT;
    ar.public_key = auth.public_key;
    ar.has_account = true;
    ar.handle = EXAMPLE_HANDLE;
    ar.steward = false;
    resp.id = EXAMPLE_AUTH_ID;
    resp.kind_case = MC__RESPONSE__KIND_AUTHENTICATE;
    resp.authenticate = &ar;
    e->b[B_AUTH_RESPONSE_FRAME] = frame_of(&resp.base);
}

/* A LogEntry as the ledger stores one (core/src/log.c): the height, the
 * batch's time, the SignedTx exactly as submitted, and result 0 (absent). */
static blob entry_of(const blob *signed_tx, uint64_t height, int64_t time)
{
    Mc__SignedTx *st = mc__signed_tx__unpack(NULL, signed_tx->len, signed_tx->data);
    assert_non_null(st);
    Mc__LogEntry entry = MC__LOG_ENTRY__INIT;
    entry.height = height;
    entry.time = time;
    entry.tx = st;
    entry.result = MC_ERR_OK;
    size_t len = mc__log_entry__get_packed_size(&entry);
    blob out = {malloc(len), len};
    assert_non_null(out.data);
    assert_int_equal(mc__log_entry__pack(&entry, out.data), len);
    mc__signed_tx__free_unpacked(st, NULL);
    return out;
}

/* The example's leaf, the illustrative audit path, and the hashes that lead
 * from the leaf to the root. Leaf index 41 (101001 in binary) of a tree of
 * 42 leaves: RFC 9162's verification takes every hash of this path as a
 * left sibling, so each step is SHA-256(01 || path[i] || the step before). */
static void build_tree(example *e)
{
    uint8_t leaf[MC_HASH_BYTES], steps[EXAMPLE_PATH_LEN][MC_HASH_BYTES];
    e->b[B_LOG_ENTRY] = entry_of(&e->b[B_SIGNED_TX], EXAMPLE_HEIGHT, EXAMPLE_TIME);
    mc_merkle_leaf_hash(e->b[B_LOG_ENTRY].data, e->b[B_LOG_ENTRY].len, leaf);
    e->b[B_LEAF_HASH] = blob_copy(leaf, sizeof leaf);
    const uint8_t *below = leaf;
    for (size_t i = 0; i < EXAMPLE_PATH_LEN; i++) {
        memset(e->path[i], example_path_bytes[i], MC_HASH_BYTES);
        mc_merkle_node_hash(e->path[i], below, steps[i]);
        below = steps[i];
    }
    memcpy(e->root, steps[EXAMPLE_PATH_LEN - 1], MC_HASH_BYTES);
    e->b[B_INCLUSION_HASHES] = blob_copy(&steps[0][0], sizeof steps);
}

/* The checkpoint of the example's tree, signed with the node's key by
 * mc_checkpoint_sign(), and the pieces of it rebuilt by hand from
 * mc/checkpoint.h: the key id, the signed message, the signature. */
static void build_checkpoint(example *e)
{
    uint8_t seed[MC_SECRET_SEED_BYTES];
    assert_int_equal(mc_hex_decode(test3_seed_hex, seed, sizeof seed), MC_ERR_OK);
    assert_int_equal(mc_keypair_from_seed(seed, &e->node), MC_ERR_OK);
    mc_memzero(seed, sizeof seed);

    mc_checkpoint cp = {.size = EXAMPLE_HEIGHT, .time = EXAMPLE_TIME};
    memcpy(cp.ledger_id, e->ledger_id, MC_LEDGER_ID_BYTES);
    memcpy(cp.root, e->root, MC_HASH_BYTES);
    assert_int_equal(mc_checkpoint_sign(&cp, e->node, e->checkpoint, &e->checkpoint_len),
                     MC_ERR_OK);

    /* key id: the first 4 bytes of SHA-256("mcnode" || "\n" || 01 || key) */
    static const char name[] = MC_CHECKPOINT_KEY_NAME "\n";
    uint8_t id_input[sizeof name - 1 + 1 + MC_PUBLIC_KEY_BYTES], hash[MC_HASH_BYTES];
    memcpy(id_input, name, sizeof name - 1);
    id_input[sizeof name - 1] = 0x01;
    memcpy(id_input + sizeof name, mc_keypair_public(e->node), MC_PUBLIC_KEY_BYTES);
    mc_sha256(id_input, sizeof id_input, hash);
    e->b[B_CHECKPOINT_KEY_ID] = blob_copy(hash, KEY_ID_BYTES);

    /* "mc/checkpoint/v1" || ledger_id || the four lines of the note's body */
    char hex[2 * MC_LEDGER_ID_BYTES + 1], root64[MC_CHECKPOINT_TEXT_MAX],
        body[MC_CHECKPOINT_TEXT_MAX];
    mc_hex_encode(e->ledger_id, MC_LEDGER_ID_BYTES, hex);
    sodium_bin2base64(root64, sizeof root64, e->root, MC_HASH_BYTES,
                      sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(body, sizeof body, "mc ledger %s\n%u\n%s\ntime %lld\n", hex, EXAMPLE_HEIGHT,
                     root64, (long long)EXAMPLE_TIME);
    assert_true(n > 0 && (size_t)n < sizeof body);
    blob prefix = blob_concat((const uint8_t *)MC_DOMAIN_CHECKPOINT, strlen(MC_DOMAIN_CHECKPOINT),
                              e->ledger_id, MC_LEDGER_ID_BYTES);
    e->b[B_CHECKPOINT_MESSAGE] =
        blob_concat(prefix.data, prefix.len, (const uint8_t *)body, (size_t)n);
    free(prefix.data);
    uint8_t sig[MC_SIGNATURE_BYTES];
    mc_sign_raw(e->node, e->b[B_CHECKPOINT_MESSAGE].data, e->b[B_CHECKPOINT_MESSAGE].len, sig);
    e->b[B_CHECKPOINT_SIGNATURE] = blob_copy(sig, sizeof sig);
}

/* Asking for the latest checkpoint, and an anonymous caller's inclusion
 * proof of the example's transfer (built as node/src/audit.c builds it:
 * without the entry, which the caller may not see, with the checkpoint). */
static void build_history_frames(example *e)
{
    Mc__Request req = MC__REQUEST__INIT;
    Mc__CheckpointRequest cq = MC__CHECKPOINT_REQUEST__INIT; /* tree_size 0: the latest */
    req.id = EXAMPLE_CHECKPOINT_ID;
    req.kind_case = MC__REQUEST__KIND_CHECKPOINT;
    req.checkpoint = &cq;
    e->b[B_CHECKPOINT_REQUEST_FRAME] = frame_of(&req.base);

    Mc__InclusionProofRequest iq = MC__INCLUSION_PROOF_REQUEST__INIT;
    iq.tx_id = (ProtobufCBinaryData){MC_TX_ID_BYTES, e->b[B_TX_ID].data};
    iq.tree_size = EXAMPLE_HEIGHT;
    req.id = EXAMPLE_INCLUSION_ID;
    req.kind_case = MC__REQUEST__KIND_INCLUSION_PROOF;
    req.inclusion_proof = &iq;
    e->b[B_INCLUSION_REQUEST_FRAME] = frame_of(&req.base);

    ProtobufCBinaryData path[EXAMPLE_PATH_LEN];
    for (size_t i = 0; i < EXAMPLE_PATH_LEN; i++) {
        path[i] = (ProtobufCBinaryData){MC_HASH_BYTES, e->path[i]};
    }
    Mc__InclusionProofResponse ip = MC__INCLUSION_PROOF_RESPONSE__INIT;
    ip.leaf_index = EXAMPLE_HEIGHT - 1;
    ip.tree_size = EXAMPLE_HEIGHT;
    ip.leaf_hash = (ProtobufCBinaryData){MC_HASH_BYTES, e->b[B_LEAF_HASH].data};
    ip.n_audit_path = EXAMPLE_PATH_LEN;
    ip.audit_path = path;
    ip.checkpoint = e->checkpoint;
    Mc__Response resp = MC__RESPONSE__INIT;
    resp.id = EXAMPLE_INCLUSION_ID;
    resp.kind_case = MC__RESPONSE__KIND_INCLUSION_PROOF;
    resp.inclusion_proof = &ip;
    e->b[B_INCLUSION_RESPONSE_FRAME] = frame_of(&resp.base);
}

static void example_build(example *e)
{
    uint8_t seed[MC_SECRET_SEED_BYTES];
    memset(e, 0, sizeof *e);
    assert_int_equal(mc_hex_decode(test1_seed_hex, seed, sizeof seed), MC_ERR_OK);
    assert_int_equal(mc_keypair_from_seed(seed, &e->payer), MC_ERR_OK);
    mc_memzero(seed, sizeof seed);
    assert_int_equal(mc_hex_decode(test2_public_hex, e->payee, sizeof e->payee), MC_ERR_OK);
    memset(e->ledger_id, 0x11, sizeof e->ledger_id); /* illustrative */
    for (size_t i = 0; i < sizeof e->challenge; i++) {
        e->challenge[i] = (uint8_t)i; /* illustrative: the node's are random */
    }
    build_transfer(e);
    build_submit_frames(e);
    build_auth_frames(e);
    build_tree(e);
    build_checkpoint(e);
    build_history_frames(e);
}

static void example_free(example *e)
{
    for (size_t i = 0; i < B_COUNT; i++) {
        free(e->b[i].data);
    }
    mc_keypair_free(e->payer);
    mc_keypair_free(e->node);
}

static int setup(void **state)
{
    example *e = malloc(sizeof *e);
    assert_non_null(e);
    example_build(e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    example *e = *state;
    example_free(e);
    free(e);
    return 0;
}

/* ---- the document -------------------------------------------------------- */

/* docs/protocol.md, found from MC_VECTORS_DIR (<source>/tests/vectors). */
static char *doc_read(void)
{
    char path[DOC_PATH_BYTES];
    int n = snprintf(path, sizeof path, "%s/../../docs/protocol.md", mc_test_vectors_dir());
    assert_true(n > 0 && (size_t)n < sizeof path);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        print_error("cannot open %s\n", path);
    }
    assert_non_null(f);
    char *doc = malloc(DOC_BYTES_MAX + 1);
    assert_non_null(doc);
    size_t len = fread(doc, 1, DOC_BYTES_MAX, f);
    fclose(f);
    assert_true(len < DOC_BYTES_MAX);
    doc[len] = '\0';
    return doc;
}

/* The content of the fenced block after `<!-- example:NAME -->` (malloc'd),
 * or NULL when the document has no such marker. */
static char *doc_block(const char *doc, const char *name)
{
    char marker[128];
    snprintf(marker, sizeof marker, "<!-- example:%s -->\n", name);
    const char *at = strstr(doc, marker);
    if (at == NULL) {
        return NULL;
    }
    const char *fence = strstr(at + strlen(marker), "```");
    assert_non_null(fence);
    const char *start = strchr(fence, '\n');
    assert_non_null(start);
    start++;
    const char *end = strstr(start, "```");
    assert_non_null(end);
    size_t len = (size_t)(end - start);
    char *out = malloc(len + 1);
    assert_non_null(out);
    memcpy(out, start, len);
    out[len] = '\0';
    return out;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The bytes of a block of hex: blanks are ignored, '#' starts an annotation
 * that runs to the end of the line. Fails the test on anything else. */
static blob hex_block(const char *text, const char *name)
{
    blob out = {malloc(strlen(text) / 2 + 1), 0};
    assert_non_null(out.data);
    int high = -1;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '#') {
            while (p[1] != '\0' && p[1] != '\n') {
                p++;
            }
            continue;
        }
        if (*p == ' ' || *p == '\n' || *p == '\t') {
            continue;
        }
        int d = hex_digit(*p);
        if (d < 0) {
            print_error("example:%s: '%c' is not hex\n", name, *p);
            fail();
        }
        if (high < 0) {
            high = d;
        } else {
            out.data[out.len++] = (uint8_t)(high << 4 | d);
            high = -1;
        }
    }
    if (high >= 0) {
        print_error("example:%s: an odd number of hex digits\n", name);
        fail();
    }
    return out;
}

static void print_hex(const char *label, const uint8_t *data, size_t len)
{
    print_message("%s (%zu bytes):\n", label, len);
    for (size_t i = 0; i < len; i++) {
        print_message("%02x%s", data[i], (i + 1) % 32 == 0 || i + 1 == len ? "\n" : " ");
    }
}

/* ---- tests --------------------------------------------------------------- */

/* Every hex block of the document is what the code produces. */
static void test_doc_hex_blocks(void **state)
{
    const example *e = *state;
    char *doc = doc_read();
    for (size_t i = 0; i < B_COUNT; i++) {
        char *text = doc_block(doc, blob_names[i]);
        if (text == NULL) {
            print_error("docs/protocol.md has no <!-- example:%s --> block\n", blob_names[i]);
            fail();
        }
        blob got = hex_block(text, blob_names[i]);
        const blob *want = &e->b[i];
        if (got.len != want->len || memcmp(got.data, want->data, want->len) != 0) {
            print_error("docs/protocol.md, example:%s differs from the code\n", blob_names[i]);
            print_hex("document", got.data, got.len);
            print_hex("code", want->data, want->len);
            fail();
        }
        free(got.data);
        free(text);
    }
    free(doc);
}

/* Every marker of the document (a line starting `<!-- example:`) names a
 * block this test checks: none is left unchecked by a typo or a rename. */
static void test_doc_markers_known(void **state)
{
    (void)state;
    static const char prefix[] = "\n<!-- example:";
    char *doc = doc_read();
    size_t found = 0;
    for (const char *at = strstr(doc, prefix); at != NULL; at = strstr(at + 1, prefix)) {
        const char *name = at + strlen(prefix);
        size_t len = strcspn(name, " \n");
        bool known = false;
        for (size_t i = 0; i < TEXT_COUNT && !known; i++) {
            known = len == strlen(text_names[i]) && strncmp(name, text_names[i], len) == 0;
        }
        for (size_t i = 0; i < B_COUNT && !known; i++) {
            known = len == strlen(blob_names[i]) && strncmp(name, blob_names[i], len) == 0;
        }
        if (!known) {
            print_error("docs/protocol.md: unknown marker example:%.*s\n", (int)len, name);
            fail();
        }
        found++;
    }
    assert_int_equal(found, B_COUNT + TEXT_COUNT);
    free(doc);
}

/* The refusal's words in the document are mc_result_describe()'s. */
static void test_doc_refusal_message(void **state)
{
    const example *e = *state;
    char *doc = doc_read();
    char *text = doc_block(doc, "refusal-message");
    assert_non_null(text);
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ')) {
        text[--len] = '\0';
    }
    assert_string_equal(text, e->refusal);
    free(text);
    free(doc);
}

/* The checkpoint's text in the document is mc_checkpoint_sign()'s, byte
 * for byte (the block holds the whole note, its final newline included). */
static void test_doc_checkpoint(void **state)
{
    const example *e = *state;
    char *doc = doc_read();
    char *text = doc_block(doc, "checkpoint");
    assert_non_null(text);
    if (strcmp(text, e->checkpoint) != 0) {
        print_error("docs/protocol.md, example:checkpoint differs from the code:\n%s",
                    e->checkpoint);
        fail();
    }
    free(text);
    free(doc);
}

/* The key pair of the RFC 8032 TEST 1 seed is TEST 1's public key. */
static void test_rfc8032_key(void **state)
{
    const example *e = *state;
    uint8_t want[MC_PUBLIC_KEY_BYTES];
    assert_int_equal(mc_hex_decode(test1_public_hex, want, sizeof want), MC_ERR_OK);
    assert_memory_equal(mc_keypair_public(e->payer), want, sizeof want);
    assert_int_equal(mc_hex_decode(test3_public_hex, want, sizeof want), MC_ERR_OK);
    assert_memory_equal(mc_keypair_public(e->node), want, sizeof want);
}

/* The history's layouts as the document states them: the leaf hash is
 * SHA-256(00 || entry) and a node SHA-256(01 || left || right); the audit
 * path leads from the leaf to the root (mc_merkle_verify_inclusion()); the
 * checkpoint is the four body lines, an empty line, and "— mcnode " with
 * the base64 of key id || signature, where the signature is Ed25519 over
 * "mc/checkpoint/v1" || ledger_id || the body; it verifies with the node's
 * key and says what was signed. */
static void test_history_layouts(void **state)
{
    const example *e = *state;
    const blob *entry = &e->b[B_LOG_ENTRY];
    uint8_t hash[MC_HASH_BYTES];
    blob leaf_input = blob_concat((const uint8_t *)"\x00", 1, entry->data, entry->len);
    mc_sha256(leaf_input.data, leaf_input.len, hash);
    assert_memory_equal(hash, e->b[B_LEAF_HASH].data, MC_HASH_BYTES);
    free(leaf_input.data);
    uint8_t node_input[1 + 2 * MC_HASH_BYTES];
    node_input[0] = 0x01;
    memcpy(node_input + 1, e->path[0], MC_HASH_BYTES);
    memcpy(node_input + 1 + MC_HASH_BYTES, e->b[B_LEAF_HASH].data, MC_HASH_BYTES);
    mc_sha256(node_input, sizeof node_input, hash);
    assert_memory_equal(hash, e->b[B_INCLUSION_HASHES].data, MC_HASH_BYTES);
    assert_int_equal(mc_merkle_verify_inclusion(
                         EXAMPLE_HEIGHT - 1, EXAMPLE_HEIGHT, e->b[B_LEAF_HASH].data,
                         (const uint8_t(*)[MC_HASH_BYTES])e->path, EXAMPLE_PATH_LEN, e->root),
                     MC_ERR_OK);
    assert_int_equal(mc_merkle_verify_inclusion(
                         EXAMPLE_HEIGHT - 1, EXAMPLE_HEIGHT - 1, e->b[B_LEAF_HASH].data,
                         (const uint8_t(*)[MC_HASH_BYTES])e->path, EXAMPLE_PATH_LEN, e->root),
                     MC_ERR_PROOF_INVALID);

    /* The whole note, rebuilt. */
    size_t prefix = strlen(MC_DOMAIN_CHECKPOINT) + MC_LEDGER_ID_BYTES;
    const blob *msg = &e->b[B_CHECKPOINT_MESSAGE];
    uint8_t sig_blob[KEY_ID_BYTES + MC_SIGNATURE_BYTES];
    memcpy(sig_blob, e->b[B_CHECKPOINT_KEY_ID].data, KEY_ID_BYTES);
    memcpy(sig_blob + KEY_ID_BYTES, e->b[B_CHECKPOINT_SIGNATURE].data, MC_SIGNATURE_BYTES);
    char sig64[MC_CHECKPOINT_TEXT_MAX], want[MC_CHECKPOINT_TEXT_MAX];
    sodium_bin2base64(sig64, sizeof sig64, sig_blob, sizeof sig_blob,
                      sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(want, sizeof want, "%.*s\n%s%s\n", (int)(msg->len - prefix),
                     (const char *)msg->data + prefix, SIG_PREFIX, sig64);
    assert_true(n > 0 && (size_t)n < sizeof want);
    assert_string_equal(e->checkpoint, want);
    assert_int_equal(e->checkpoint_len, (size_t)n);
    assert_true(mc_verify_raw(mc_keypair_public(e->node), msg->data, msg->len,
                              e->b[B_CHECKPOINT_SIGNATURE].data));

    mc_checkpoint cp;
    assert_int_equal(
        mc_checkpoint_verify(e->checkpoint, e->checkpoint_len, mc_keypair_public(e->node), &cp),
        MC_ERR_OK);
    assert_memory_equal(cp.ledger_id, e->ledger_id, MC_LEDGER_ID_BYTES);
    assert_int_equal(cp.size, EXAMPLE_HEIGHT);
    assert_memory_equal(cp.root, e->root, MC_HASH_BYTES);
    assert_true(cp.time == EXAMPLE_TIME);
    /* Another key (the payer's) does not verify it. */
    assert_int_equal(
        mc_checkpoint_verify(e->checkpoint, e->checkpoint_len, mc_keypair_public(e->payer), &cp),
        MC_ERR_CHECKPOINT_INVALID);
}

/* The layouts the document states: the signature is plain Ed25519 over
 * "mc/tx/v1" || ledger_id || body, the tx_id SHA-256 over "mc/txid/v1" ||
 * body, the authentication signature Ed25519 over "mc/auth/v1" ||
 * ledger_id || challenge; the SignedTx carries the body bytes unchanged. */
static void test_layouts(void **state)
{
    const example *e = *state;
    const blob *body = &e->b[B_BODY];
    assert_true(mc_verify_raw(e->b[B_PAYER_KEY].data, e->b[B_SIGNED_MESSAGE].data,
                              e->b[B_SIGNED_MESSAGE].len, e->b[B_SIGNATURE].data));
    uint8_t raw_sig[MC_SIGNATURE_BYTES];
    mc_sign_raw(e->payer, e->b[B_SIGNED_MESSAGE].data, e->b[B_SIGNED_MESSAGE].len, raw_sig);
    assert_memory_equal(raw_sig, e->b[B_SIGNATURE].data, MC_SIGNATURE_BYTES);

    blob id_input =
        blob_concat((const uint8_t *)MC_DOMAIN_TXID, strlen(MC_DOMAIN_TXID), body->data, body->len);
    uint8_t id[MC_HASH_BYTES];
    mc_sha256(id_input.data, id_input.len, id);
    assert_memory_equal(id, e->b[B_TX_ID].data, MC_HASH_BYTES);
    free(id_input.data);

    mc_sign_raw(e->payer, e->b[B_AUTH_MESSAGE].data, e->b[B_AUTH_MESSAGE].len, raw_sig);
    assert_memory_equal(raw_sig, e->b[B_AUTH_SIGNATURE].data, MC_SIGNATURE_BYTES);

    Mc__SignedTx *st = mc__signed_tx__unpack(NULL, e->b[B_SIGNED_TX].len, e->b[B_SIGNED_TX].data);
    assert_non_null(st);
    assert_int_equal(st->body.len, body->len);
    assert_memory_equal(st->body.data, body->data, body->len);
    assert_int_equal(st->n_sigs, 1);
    assert_memory_equal(st->sigs[0]->public_key.data, e->b[B_PAYER_KEY].data, MC_PUBLIC_KEY_BYTES);
    assert_memory_equal(st->sigs[0]->signature.data, e->b[B_SIGNATURE].data, MC_SIGNATURE_BYTES);
    mc__signed_tx__free_unpacked(st, NULL);
}

/* The node's decoder takes the SignedTx: it verifies, with the same tx_id. */
static void test_node_decodes(void **state)
{
    const example *e = *state;
    mc_tx *tx = NULL;
    assert_int_equal(mc_tx_decode(e->b[B_SIGNED_TX].data, e->b[B_SIGNED_TX].len, &tx), MC_ERR_OK);
    assert_int_equal(mc_tx_verify(tx), MC_ERR_OK);
    assert_memory_equal(mc_tx_id_of(tx), e->b[B_TX_ID].data, MC_TX_ID_BYTES);
    mc_tx_view v;
    mc_tx_view_of(tx, &v);
    assert_int_equal(v.nonce, EXAMPLE_NONCE);
    assert_true(v.not_after == EXAMPLE_NOT_AFTER);
    assert_true(v.u.transfer.amount == EXAMPLE_AMOUNT);
    mc_tx_free(tx);

    const blob *f = &e->b[B_SUBMIT_FRAME];
    Mc__Request *req =
        mc__request__unpack(NULL, f->len - FRAME_HEADER_BYTES, f->data + FRAME_HEADER_BYTES);
    assert_non_null(req);
    assert_int_equal(req->kind_case, MC__REQUEST__KIND_SUBMIT);
    assert_int_equal(req->submit->signed_tx.len, e->b[B_SIGNED_TX].len);
    mc__request__free_unpacked(req, NULL);
}

/* Open an account for `key` (no secret needed: the stewards sign). */
static void open_account(mc_fixture *f, const uint8_t key[MC_PUBLIC_KEY_BYTES], const char *handle)
{
    mc_body b = mc_fixture_body(f, MC_TX_OPEN_ACCOUNT);
    memcpy(b.u.open_account.public_key, key, MC_PUBLIC_KEY_BYTES);
    b.u.open_account.handle = handle;
    b.u.open_account.kind = MC_KIND_MEMBER;
    mc_result r = mc_fixture_submit_stewards(f, &b);
    MC_ASSERT_RESULT(r, MC_ERR_OK);
}

/* The context fields of two results agree (the tx id and height aside). */
static void assert_same_context(const mc_result *got, const mc_result *want)
{
    MC_ASSERT_RESULT(*got, want->code);
    assert_int_equal(got->duplicate, want->duplicate);
    assert_int_equal(got->has_account, want->has_account);
    assert_memory_equal(got->account, want->account, MC_PUBLIC_KEY_BYTES);
    assert_string_equal(got->handle, want->handle);
    assert_true(got->amount == want->amount);
    assert_true(got->balance == want->balance);
    assert_true(got->limit == want->limit);
}

/* A real ledger (unit "g", 2 decimals, members down to -300.00) reports
 * the results the document shows: the example transfer applied, and, once
 * alice stands at -290.00, the same transfer (another nonce) refused with
 * the refusal's context and words. */
static void test_ledger_results(void **state)
{
    const example *e = *state;
    const uint8_t *payer = mc_keypair_public(e->payer);
    const mc_keypair *keys[1] = {e->payer};
    mc_fixture f;
    mc_fixture_setup(&f, 1, 1, NULL);
    f.now = EXAMPLE_TIME;
    open_account(&f, payer, EXAMPLE_HANDLE);
    open_account(&f, e->payee, "bob");

    mc_body body = example_body(f.ledger_id, payer, e->payee);
    mc_result r = mc_fixture_submit(&f, &body, keys, 1);
    mc_result want = applied_result(e);
    assert_same_context(&r, &want);
    assert_true(r.height > 0);

    /* The entry stored is laid out as the document's (its own height). */
    uint8_t *bytes = NULL, *stored = NULL;
    size_t len = 0, stored_len = 0;
    assert_int_equal(mc_body_encode(&body, &bytes, &len), MC_ERR_OK);
    blob signed_tx = {NULL, 0};
    assert_int_equal(mc_tx_sign(bytes, len, keys, 1, &signed_tx.data, &signed_tx.len), MC_ERR_OK);
    blob entry = entry_of(&signed_tx, r.height, EXAMPLE_TIME);
    assert_int_equal(mc_ledger_get_entry(f.ledger, r.height, &stored, &stored_len), MC_ERR_OK);
    assert_int_equal(stored_len, entry.len);
    assert_memory_equal(stored, entry.data, entry.len);
    free(stored);
    free(entry.data);
    free(signed_tx.data);
    free(bytes);

    int64_t rest = -EXAMPLE_BALANCE - EXAMPLE_AMOUNT; /* down to -290.00 */
    MC_ASSERT_RESULT(mc_fixture_pay(&f, e->payer, e->payee, rest, NULL), MC_ERR_OK);
    body.nonce = EXAMPLE_NONCE + 1;
    r = mc_fixture_submit(&f, &body, keys, 1);
    want = refused_result(e);
    assert_same_context(&r, &want);
    assert_int_equal(r.height, 0);
    char words[MESSAGE_BYTES];
    mc_result_describe(&r, EXAMPLE_DECIMALS, EXAMPLE_SYMBOL, words, sizeof words);
    assert_string_equal(words, e->refusal);
    mc_fixture_teardown(&f);
}

static void print_example(void)
{
    example e;
    example_build(&e);
    for (size_t i = 0; i < B_COUNT; i++) {
        print_hex(blob_names[i], e.b[i].data, e.b[i].len);
    }
    print_message("refusal-message:\n%s\n", e.refusal);
    print_message("checkpoint:\n%s", e.checkpoint);
    example_free(&e);
}

int main(void)
{
    const char *print = getenv("MC_PROTOCOL_EXAMPLE_PRINT");
    if (print != NULL && print[0] == '1') {
        print_example();
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_key),       cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_node_decodes),      cmocka_unit_test(test_ledger_results),
        cmocka_unit_test(test_doc_hex_blocks),    cmocka_unit_test(test_doc_refusal_message),
        cmocka_unit_test(test_doc_markers_known), cmocka_unit_test(test_history_layouts),
        cmocka_unit_test(test_doc_checkpoint),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
