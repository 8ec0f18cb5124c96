/* Keys, signatures and hashes, through libsodium (Ed25519, SHA-256).
 * Every signature is domain-separated: a transaction signature covers
 * "mc/tx/v1" || ledger_id || body, and nothing else is signed with the same
 * prefix. Secret keys live in sodium_malloc memory (guarded, locked, wiped on
 * free) behind the opaque mc_keypair. */
#ifndef MC_CRYPTO_H
#define MC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_PUBLIC_KEY_BYTES 32u
#define MC_SECRET_SEED_BYTES 32u
#define MC_SIGNATURE_BYTES 64u
#define MC_HASH_BYTES 32u
#define MC_LEDGER_ID_BYTES MC_HASH_BYTES
#define MC_TX_ID_BYTES MC_HASH_BYTES

#define MC_DOMAIN_TX "mc/tx/v1"
#define MC_DOMAIN_TXID "mc/txid/v1"
#define MC_DOMAIN_AUTH "mc/auth/v1"
#define MC_CHALLENGE_BYTES 32u

typedef struct mc_keypair mc_keypair;

/* Initialise libsodium. Idempotent and thread-safe; every mc entry point that
 * needs it calls it, so callers need not. Returns MC_ERR_OK or
 * MC_ERR_NO_MEMORY. */
int mc_crypto_init(void);

/* A new random key pair in *out. Free with mc_keypair_free(). */
int mc_keypair_generate(mc_keypair **out);

/* The key pair of a 32-byte seed (RFC 8032 secret key). The caller wipes its
 * copy of the seed. */
int mc_keypair_from_seed(const uint8_t seed[MC_SECRET_SEED_BYTES], mc_keypair **out);

/* Wipes and frees. NULL is a no-op. */
void mc_keypair_free(mc_keypair *kp);

/* The public key; valid as long as `kp`. */
const uint8_t *mc_keypair_public(const mc_keypair *kp);

/* Copies the 32-byte seed out (for the wallet's encrypted key file); the
 * caller wipes it. */
void mc_keypair_seed(const mc_keypair *kp, uint8_t seed[MC_SECRET_SEED_BYTES]);

/* Plain Ed25519 over `msg`, no domain: for known-answer tests and for
 * callers that build their own domain-separated message. */
void mc_sign_raw(const mc_keypair *kp, const uint8_t *msg, size_t len,
                 uint8_t sig[MC_SIGNATURE_BYTES]);
__attribute__((warn_unused_result)) bool mc_verify_raw(const uint8_t pk[MC_PUBLIC_KEY_BYTES],
                                                       const uint8_t *msg, size_t len,
                                                       const uint8_t sig[MC_SIGNATURE_BYTES]);

/* Signature of a transaction body: Ed25519 over
 * "mc/tx/v1" || ledger_id || body. */
void mc_sign_tx(const mc_keypair *kp, const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                const uint8_t *body, size_t len, uint8_t sig[MC_SIGNATURE_BYTES]);
__attribute__((warn_unused_result)) bool mc_verify_tx(const uint8_t pk[MC_PUBLIC_KEY_BYTES],
                                                      const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                                                      const uint8_t *body, size_t len,
                                                      const uint8_t sig[MC_SIGNATURE_BYTES]);

/* Proof of a key for a connection: Ed25519 over
 * "mc/auth/v1" || ledger_id || challenge, the challenge being the node's
 * random bytes for this connection. */
void mc_sign_auth(const mc_keypair *kp, const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                  const uint8_t challenge[MC_CHALLENGE_BYTES], uint8_t sig[MC_SIGNATURE_BYTES]);
__attribute__((warn_unused_result)) bool mc_verify_auth(const uint8_t pk[MC_PUBLIC_KEY_BYTES],
                                                        const uint8_t ledger_id[MC_LEDGER_ID_BYTES],
                                                        const uint8_t challenge[MC_CHALLENGE_BYTES],
                                                        const uint8_t sig[MC_SIGNATURE_BYTES]);

/* `len` bytes from the system's CSPRNG. MC_ERR_OK or MC_ERR_NO_MEMORY (no
 * libsodium). */
int mc_random_bytes(uint8_t *out, size_t len);

/* A secret seed encrypted under a passphrase, for key files at rest:
 * key = Argon2id(passphrase, salt, opslimit, memlimit) (crypto_pwhash),
 * box = XSalsa20-Poly1305 of the seed under that key (crypto_secretbox). */
#define MC_SEAL_SALT_BYTES 16u
#define MC_SEAL_NONCE_BYTES 24u
#define MC_SEAL_BOX_BYTES (MC_SECRET_SEED_BYTES + 16u)
typedef struct mc_sealed_seed {
    uint8_t salt[MC_SEAL_SALT_BYTES];
    uint8_t nonce[MC_SEAL_NONCE_BYTES];
    uint8_t box[MC_SEAL_BOX_BYTES];
    uint64_t opslimit; /* Argon2id passes */
    uint64_t memlimit; /* Argon2id memory, bytes */
} mc_sealed_seed;

/* Seal `seed` under the `len` bytes of `passphrase` with libsodium's
 * interactive Argon2id costs and fresh random salt and nonce. MC_ERR_OK or
 * MC_ERR_NO_MEMORY. */
int mc_seed_seal(const uint8_t seed[MC_SECRET_SEED_BYTES], const char *passphrase, size_t len,
                 mc_sealed_seed *out);

/* Open a sealed seed: MC_ERR_OK, MC_ERR_WRONG_PASSPHRASE (the box does not
 * open: a wrong passphrase or a damaged file), MC_ERR_INVALID_ARGUMENT
 * (costs out of libsodium's range, or above its "sensitive" level: a file
 * asking for more would be an attack on the machine), MC_ERR_NO_MEMORY.
 * `seed` is untouched on failure. */
int mc_seed_open(const mc_sealed_seed *sealed, const char *passphrase, size_t len,
                 uint8_t seed[MC_SECRET_SEED_BYTES]);

/* Wipe `len` bytes in a way the compiler does not optimise away. */
void mc_memzero(void *p, size_t len);

/* tx_id = SHA-256("mc/txid/v1" || body). */
void mc_tx_id(const uint8_t *body, size_t len, uint8_t out[MC_TX_ID_BYTES]);

/* SHA-256 of `len` bytes. */
void mc_sha256(const uint8_t *data, size_t len, uint8_t out[MC_HASH_BYTES]);

/* Lower-case hex of `len` bytes into `out` (2 * len + 1 bytes). */
void mc_hex_encode(const uint8_t *data, size_t len, char *out);

/* Parse exactly `len` bytes of hex (either case) from a NUL-terminated
 * string. MC_ERR_OK or MC_ERR_INVALID_ARGUMENT; `out` untouched on failure. */
int mc_hex_decode(const char *hex, uint8_t *out, size_t len);

#endif
