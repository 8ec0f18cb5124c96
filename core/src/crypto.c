/* Ed25519 keys and signatures, SHA-256, hex: the one file that calls
 * libsodium's signing API (see mc/crypto.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mc/crypto.h"
#include "mc/error.h"

_Static_assert(MC_PUBLIC_KEY_BYTES == crypto_sign_PUBLICKEYBYTES, "public key size");
_Static_assert(MC_SIGNATURE_BYTES == crypto_sign_BYTES, "signature size");
_Static_assert(MC_SECRET_SEED_BYTES == crypto_sign_SEEDBYTES, "seed size");
_Static_assert(MC_HASH_BYTES == crypto_hash_sha256_BYTES, "hash size");

struct mc_keypair {
    uint8_t public_key[crypto_sign_PUBLICKEYBYTES];
    uint8_t secret_key[crypto_sign_SECRETKEYBYTES];
};

/* Messages up to this size are assembled on the stack. */
#define MC__SIGN_STACK_BYTES 2048u

int mc_crypto_init(void)
{
    return sodium_init() < 0 ? MC_ERR_NO_MEMORY : MC_ERR_OK;
}

static mc_keypair *keypair_alloc(void)
{
    if (mc_crypto_init() != MC_ERR_OK) {
        return NULL;
    }
    return sodium_malloc(sizeof(mc_keypair));
}

int mc_keypair_generate(mc_keypair **out)
{
    mc_keypair *kp = keypair_alloc();
    if (kp == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    crypto_sign_keypair(kp->public_key, kp->secret_key);
    *out = kp;
    return MC_ERR_OK;
}

int mc_keypair_from_seed(const uint8_t seed[MC_SECRET_SEED_BYTES], mc_keypair **out)
{
    mc_keypair *kp = keypair_alloc();
    if (kp == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    crypto_sign_seed_keypair(kp->public_key, kp->secret_key, seed);
    *out = kp;
    return MC_ERR_OK;
}

void mc_keypair_free(mc_keypair *kp)
{
    if (kp != NULL) {
        sodium_free(kp); /* wipes before freeing */
    }
}

const uint8_t *mc_keypair_public(const mc_keypair *kp)
{
    return kp->public_key;
}

void mc_keypair_seed(const mc_keypair *kp, uint8_t seed[MC_SECRET_SEED_BYTES])
{
    crypto_sign_ed25519_sk_to_seed(seed, kp->secret_key);
}

void mc_sign_raw(const mc_keypair *kp, const uint8_t *msg, size_t len,
                 uint8_t sig[MC_SIGNATURE_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, len, kp->secret_key);
}

bool mc_verify_raw(const uint8_t pk[MC_PUBLIC_KEY_BYTES], const uint8_t *msg, size_t len,
                   const uint8_t sig[MC_SIGNATURE_BYTES])
{
    if (mc_crypto_init() != MC_ERR_OK) {
        return false;
    }
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

/* domain || ledger_id || data in `stack` or a malloc'd buffer. */
static uint8_t *domain_message(const char *domain, const uint8_t *ledger_id, const uint8_t *data,
                               size_t len, uint8_t *stack, size_t *msg_len)
{
    size_t domain_len = strlen(domain);
    size_t total = domain_len + MC_LEDGER_ID_BYTES + len;
    uint8_t *msg = total <= MC__SIGN_STACK_BYTES ? stack : malloc(total);
    if (msg == NULL) {
        return NULL;
    }
    memcpy(msg, domain, domain_len);
    memcpy(msg + domain_len, ledger_id, MC_LEDGER_ID_BYTES);
    if (len > 0) {
        memcpy(msg + domain_len + MC_LEDGER_ID_BYTES, data, len);
    }
    *msg_len = total;
    return msg;
}

static void sign_domain(const mc_keypair *kp, const char *domain, const uint8_t *ledger_id,
                        const uint8_t *data, size_t len, uint8_t sig[MC_SIGNATURE_BYTES])
{
    uint8_t stack[MC__SIGN_STACK_BYTES];
    size_t msg_len = 0;
    uint8_t *msg = domain_message(domain, ledger_id, data, len, stack, &msg_len);
    if (msg == NULL) {
        /* Out of memory: an all-zero signature never verifies. */
        memset(sig, 0, MC_SIGNATURE_BYTES);
        return;
    }
    mc_sign_raw(kp, msg, msg_len, sig);
    if (msg != stack) {
        free(msg);
    }
}

static bool verify_domain(const uint8_t pk[MC_PUBLIC_KEY_BYTES], const char *domain,
                          const uint8_t *ledger_id, const uint8_t *data, size_t len,
                          const uint8_t sig[MC_SIGNATURE_BYTES])
{
    uint8_t stack[MC__SIGN_STACK_BYTES];
    size_t msg_len = 0;
    uint8_t *msg = domain_message(domain, ledger_id, data, len, stack, &msg_len);
    if (msg == NULL) {
        return false;
    }
    bool ok = mc_verify_raw(pk, msg, msg_len, sig);
    if (msg != stack) {
        free(msg);
    }
    return ok;
}

void mc_sign_tx(const mc_keypair *kp, const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                const uint8_t *body, size_t len, uint8_t sig[MC_SIGNATURE_BYTES])
{
    sign_domain(kp, MC_DOMAIN_TX, ledger_id, body, len, sig);
}

bool mc_verify_tx(const uint8_t pk[MC_PUBLIC_KEY_BYTES],
                  const uint8_t ledger_id[MC_LEDGER_ID_BYTES], const uint8_t *body, size_t len,
                  const uint8_t sig[MC_SIGNATURE_BYTES])
{
    return verify_domain(pk, MC_DOMAIN_TX, ledger_id, body, len, sig);
}

void mc_sign_auth(const mc_keypair *kp, const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                  const uint8_t challenge[MC_CHALLENGE_BYTES], uint8_t sig[MC_SIGNATURE_BYTES])
{
    sign_domain(kp, MC_DOMAIN_AUTH, ledger_id, challenge, MC_CHALLENGE_BYTES, sig);
}

bool mc_verify_auth(const uint8_t pk[MC_PUBLIC_KEY_BYTES],
                    const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                    const uint8_t challenge[MC_CHALLENGE_BYTES],
                    const uint8_t sig[MC_SIGNATURE_BYTES])
{
    return verify_domain(pk, MC_DOMAIN_AUTH, ledger_id, challenge, MC_CHALLENGE_BYTES, sig);
}

void mc_memzero(void *p, size_t len)
{
    sodium_memzero(p, len);
}

int mc_random_bytes(uint8_t *out, size_t len)
{
    if (mc_crypto_init() != MC_ERR_OK) {
        return MC_ERR_NO_MEMORY;
    }
    randombytes_buf(out, len);
    return MC_ERR_OK;
}

void mc_tx_id(const uint8_t *body, size_t len, uint8_t out[MC_TX_ID_BYTES])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)MC_DOMAIN_TXID, sizeof(MC_DOMAIN_TXID) - 1);
    crypto_hash_sha256_update(&st, body, len);
    crypto_hash_sha256_final(&st, out);
}

void mc_sha256(const uint8_t *data, size_t len, uint8_t out[MC_HASH_BYTES])
{
    crypto_hash_sha256(out, data, len);
}

void mc_hex_encode(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int mc_hex_decode(const char *hex, uint8_t *out, size_t len)
{
    if (hex == NULL || strlen(hex) != 2 * len) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < 2 * len; i++) {
        if (hex_value(hex[i]) < 0) {
            return MC_ERR_INVALID_ARGUMENT;
        }
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
    }
    return MC_ERR_OK;
}

_Static_assert(MC_SEAL_SALT_BYTES == crypto_pwhash_SALTBYTES, "salt size");
_Static_assert(MC_SEAL_NONCE_BYTES == crypto_secretbox_NONCEBYTES, "nonce size");
_Static_assert(MC_SEAL_BOX_BYTES == MC_SECRET_SEED_BYTES + crypto_secretbox_MACBYTES, "box size");

/* The secretbox key of a passphrase, in guarded memory; NULL on failure. */
static uint8_t *seal_key(const mc_sealed_seed *s, const char *passphrase, size_t len)
{
    uint8_t *key = sodium_malloc(crypto_secretbox_KEYBYTES);
    if (key == NULL) {
        return NULL;
    }
    if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, passphrase, len, s->salt,
                      (unsigned long long)s->opslimit, (size_t)s->memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_free(key);
        return NULL;
    }
    return key;
}

int mc_seed_seal(const uint8_t seed[MC_SECRET_SEED_BYTES], const char *passphrase, size_t len,
                 mc_sealed_seed *out)
{
    if (mc_crypto_init() != MC_ERR_OK) {
        return MC_ERR_NO_MEMORY;
    }
    mc_sealed_seed s;
    randombytes_buf(s.salt, sizeof s.salt);
    randombytes_buf(s.nonce, sizeof s.nonce);
    s.opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    s.memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    uint8_t *key = seal_key(&s, passphrase, len);
    if (key == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    crypto_secretbox_easy(s.box, seed, MC_SECRET_SEED_BYTES, s.nonce, key);
    sodium_free(key);
    *out = s;
    return MC_ERR_OK;
}

int mc_seed_open(const mc_sealed_seed *sealed, const char *passphrase, size_t len,
                 uint8_t seed[MC_SECRET_SEED_BYTES])
{
    if (mc_crypto_init() != MC_ERR_OK) {
        return MC_ERR_NO_MEMORY;
    }
    if (sealed->opslimit < crypto_pwhash_OPSLIMIT_MIN ||
        sealed->opslimit > crypto_pwhash_OPSLIMIT_SENSITIVE ||
        sealed->memlimit < crypto_pwhash_MEMLIMIT_MIN ||
        sealed->memlimit > crypto_pwhash_MEMLIMIT_SENSITIVE) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    uint8_t *key = seal_key(sealed, passphrase, len);
    if (key == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    uint8_t *plain = sodium_malloc(MC_SECRET_SEED_BYTES);
    int rc = plain == NULL ? MC_ERR_NO_MEMORY : MC_ERR_OK;
    if (rc == MC_ERR_OK && crypto_secretbox_open_easy(plain, sealed->box, sizeof sealed->box,
                                                      sealed->nonce, key) != 0) {
        rc = MC_ERR_WRONG_PASSPHRASE;
    }
    if (rc == MC_ERR_OK) {
        memcpy(seed, plain, MC_SECRET_SEED_BYTES);
    }
    sodium_free(plain);
    sodium_free(key);
    return rc;
}
