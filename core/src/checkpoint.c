/* Checkpoints as signed notes (see mc/checkpoint.h): signing, strict
 * parsing and verification. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "mc/checkpoint.h"
#include "mc/error.h"

#define MC__SIG_PREFIX "\xe2\x80\x94 " MC_CHECKPOINT_KEY_NAME " " /* "— mcnode " */
#define MC__KEY_ID_BYTES 4u
#define MC__SIG_BLOB_BYTES (MC__KEY_ID_BYTES + MC_SIGNATURE_BYTES)
#define MC__B64_HASH_CHARS 44u /* base64 of 32 bytes, with padding */
#define MC__B64_SIG_CHARS 92u  /* base64 of 68 bytes, with padding */
#define MC__BODY_MAX 256u

static void key_id(const uint8_t pk[MC_PUBLIC_KEY_BYTES], uint8_t out[MC__KEY_ID_BYTES])
{
    crypto_hash_sha256_state st;
    uint8_t hash[MC_HASH_BYTES];
    static const uint8_t alg = 0x01; /* Ed25519, as signed notes number it */
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)MC_CHECKPOINT_KEY_NAME "\n",
                              sizeof MC_CHECKPOINT_KEY_NAME);
    crypto_hash_sha256_update(&st, &alg, 1);
    crypto_hash_sha256_update(&st, pk, MC_PUBLIC_KEY_BYTES);
    crypto_hash_sha256_final(&st, hash);
    memcpy(out, hash, MC__KEY_ID_BYTES);
}

/* The four body lines. Returns the length, or 0 when it does not fit. */
static size_t body_of(const mc_checkpoint *cp, char *out, size_t cap)
{
    char id[2 * MC_LEDGER_ID_BYTES + 1], root[MC__B64_HASH_CHARS + 1];
    mc_hex_encode(cp->ledger_id, MC_LEDGER_ID_BYTES, id);
    sodium_bin2base64(root, sizeof root, cp->root, MC_HASH_BYTES, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, cap, "mc ledger %s\n%llu\n%s\ntime %lld\n", id,
                     (unsigned long long)cp->size, root, (long long)cp->time);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* "mc/checkpoint/v1" || ledger_id || body, into `msg`. */
static size_t signed_message(const mc_checkpoint *cp, const char *body, size_t body_len,
                             uint8_t *msg, size_t cap)
{
    size_t domain = sizeof MC_DOMAIN_CHECKPOINT - 1;
    if (domain + MC_LEDGER_ID_BYTES + body_len > cap) {
        return 0;
    }
    memcpy(msg, MC_DOMAIN_CHECKPOINT, domain);
    memcpy(msg + domain, cp->ledger_id, MC_LEDGER_ID_BYTES);
    memcpy(msg + domain + MC_LEDGER_ID_BYTES, body, body_len);
    return domain + MC_LEDGER_ID_BYTES + body_len;
}

int mc_checkpoint_sign(const mc_checkpoint *cp, const mc_keypair *node_key,
                       char out[MC_CHECKPOINT_TEXT_MAX], size_t *len)
{
    char body[MC__BODY_MAX];
    uint8_t msg[MC__BODY_MAX + 64], blob[MC__SIG_BLOB_BYTES];
    size_t body_len = cp->time >= 0 ? body_of(cp, body, sizeof body) : 0;
    size_t msg_len = body_len > 0 ? signed_message(cp, body, body_len, msg, sizeof msg) : 0;
    if (msg_len == 0) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    key_id(mc_keypair_public(node_key), blob);
    mc_sign_raw(node_key, msg, msg_len, blob + MC__KEY_ID_BYTES);
    char sig[MC__B64_SIG_CHARS + 1];
    sodium_bin2base64(sig, sizeof sig, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, MC_CHECKPOINT_TEXT_MAX, "%s\n%s%s\n", body, MC__SIG_PREFIX, sig);
    if (n <= 0 || (size_t)n >= MC_CHECKPOINT_TEXT_MAX) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    *len = (size_t)n;
    return MC_ERR_OK;
}

/* A decimal without sign or leading zero (but "0") into *out. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0')) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* The next line (without its newline) at *pos; false at the end or on a
 * line with no newline. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
    const char *nl = *pos < len ? memchr(text + *pos, '\n', len - *pos) : NULL;
    if (nl == NULL) {
        return false;
    }
    *line = text + *pos;
    *n = (size_t)(nl - *line);
    *pos = (size_t)(nl - text) + 1;
    return true;
}

/* Decode exactly `want` bytes from s[0..n) and accept only the one canonical
 * spelling: the decoded bytes must encode back to the same text. libsodium's
 * decoder alone is lenient (it reads bytes 0x80-0xff as '/'), so without this
 * one checkpoint would have many texts that verify. */
static bool base64_exact(const char *s, size_t n, uint8_t *out, size_t want)
{
    char again[sodium_base64_ENCODED_LEN(MC__SIG_BLOB_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    size_t got = 0;
    const char *end = NULL;
    if (want > MC__SIG_BLOB_BYTES ||
        sodium_base642bin(out, want, s, n, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != s + n || got != want) {
        return false;
    }
    sodium_bin2base64(again, sizeof again, out, want, sodium_base64_VARIANT_ORIGINAL);
    return strlen(again) == n && memcmp(again, s, n) == 0;
}

/* Parse the body lines into *cp; *body_len is where the empty line starts. */
static bool parse_body(const char *text, size_t len, mc_checkpoint *cp, size_t *body_len)
{
    const char *l[4];
    size_t n[4], pos = 0;
    for (int i = 0; i < 4; i++) {
        if (!next_line(text, len, &pos, &l[i], &n[i])) {
            return false;
        }
    }
    uint64_t time = 0;
    char hex[2 * MC_LEDGER_ID_BYTES + 1];
    if (n[0] != 10 + 2 * MC_LEDGER_ID_BYTES || memcmp(l[0], "mc ledger ", 10) != 0 ||
        !parse_u64(l[1], n[1], &cp->size) || !base64_exact(l[2], n[2], cp->root, MC_HASH_BYTES) ||
        n[3] < 6 || memcmp(l[3], "time ", 5) != 0 || !parse_u64(l[3] + 5, n[3] - 5, &time) ||
        time > INT64_MAX) {
        return false;
    }
    memcpy(hex, l[0] + 10, 2 * MC_LEDGER_ID_BYTES);
    hex[2 * MC_LEDGER_ID_BYTES] = '\0';
    for (size_t i = 0; i < 2 * MC_LEDGER_ID_BYTES; i++) {
        if (hex[i] >= 'A' && hex[i] <= 'F') {
            return false; /* lower case only: one text per checkpoint */
        }
    }
    cp->time = (int64_t)time;
    *body_len = pos;
    return mc_hex_decode(hex, cp->ledger_id, MC_LEDGER_ID_BYTES) == MC_ERR_OK;
}

/* Parse everything; the signature blob into `blob`. */
static bool parse_all(const char *text, size_t len, mc_checkpoint *cp, size_t *body_len,
                      uint8_t blob[MC__SIG_BLOB_BYTES])
{
    const char *line;
    size_t n, pos = 0, prefix = sizeof MC__SIG_PREFIX - 1;
    if (len >= MC_CHECKPOINT_TEXT_MAX || !parse_body(text, len, cp, body_len)) {
        return false;
    }
    pos = *body_len;
    if (!next_line(text, len, &pos, &line, &n) || n != 0 ||
        !next_line(text, len, &pos, &line, &n) || pos != len || n <= prefix ||
        memcmp(line, MC__SIG_PREFIX, prefix) != 0) {
        return false;
    }
    return base64_exact(line + prefix, n - prefix, blob, MC__SIG_BLOB_BYTES);
}

int mc_checkpoint_parse(const char *text, size_t len, mc_checkpoint *out)
{
    mc_checkpoint cp;
    size_t body_len = 0;
    uint8_t blob[MC__SIG_BLOB_BYTES];
    if (text == NULL || !parse_all(text, len, &cp, &body_len, blob)) {
        return MC_ERR_CHECKPOINT_INVALID;
    }
    *out = cp;
    return MC_ERR_OK;
}

int mc_checkpoint_verify(const char *text, size_t len, const uint8_t node_key[MC_PUBLIC_KEY_BYTES],
                         mc_checkpoint *out)
{
    mc_checkpoint cp;
    size_t body_len = 0;
    uint8_t blob[MC__SIG_BLOB_BYTES], id[MC__KEY_ID_BYTES], msg[MC__BODY_MAX + 64];
    if (text == NULL || !parse_all(text, len, &cp, &body_len, blob)) {
        return MC_ERR_CHECKPOINT_INVALID;
    }
    key_id(node_key, id);
    size_t msg_len = signed_message(&cp, text, body_len, msg, sizeof msg);
    if (msg_len == 0 || memcmp(id, blob, MC__KEY_ID_BYTES) != 0 ||
        !mc_verify_raw(node_key, msg, msg_len, blob + MC__KEY_ID_BYTES)) {
        return MC_ERR_CHECKPOINT_INVALID;
    }
    *out = cp;
    return MC_ERR_OK;
}
