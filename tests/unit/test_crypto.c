/* Keys, signatures and hashes (mc/crypto.h): the Ed25519 known answers of
 * RFC 8032 section 7.1 (TEST 1, 2, 3, 1024 and SHA(abc)) through the mc API,
 * tampering with message, signature or key, the domain separation of
 * transaction signatures ("mc/tx/v1" || ledger_id || body, rebuilt here by
 * hand), the transaction id (SHA-256 of "mc/txid/v1" || body, recomputed with
 * libsodium), hex encoding and the key pair's seed and lifetime. Vectors are
 * decoded with libsodium's sodium_hex2bin, not with the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "mc/crypto.h"
#include "mc/error.h"

/* The longest known-answer message: TEST 1024 has 1023 bytes. */
#define KAT_MESSAGE_MAX 1024u
/* Larger than the stack buffer mc_sign_tx uses, to reach its heap path. */
#define LARGE_BODY_BYTES 5000u

typedef struct kat {
    const char *name;
    const char *seed;
    const char *public_key;
    const char *message;
    const char *signature;
} kat;

static const kat kats[] = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
     "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
     "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
     "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
     "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
     "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
     "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
     "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
     "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
     "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
     "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
     "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
     "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
     "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
     "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
     "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
     "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
     "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
     "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
     "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
     "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
     "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
     "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
     "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
     "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
     "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
     "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
     "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
     "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
     "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
     "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
     "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
     "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
     "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
    /* The message is SHA-512("abc"). */
    {"TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
     "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

#define KAT_COUNT (sizeof kats / sizeof kats[0])

/* Decode exactly `len` bytes of hex with libsodium. */
static void unhex(const char *hex, uint8_t *out, size_t len)
{
    size_t got = 0;
    assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &got, NULL), 0);
    assert_int_equal(got, len);
}

/* A decoded known-answer vector. */
typedef struct kat_bytes {
    uint8_t seed[MC_SECRET_SEED_BYTES];
    uint8_t public_key[MC_PUBLIC_KEY_BYTES];
    uint8_t message[KAT_MESSAGE_MAX];
    size_t message_len;
    uint8_t signature[MC_SIGNATURE_BYTES];
} kat_bytes;

static void kat_decode(const kat *k, kat_bytes *out)
{
    size_t hex_len = strlen(k->message);
    assert_int_equal(hex_len % 2, 0);
    out->message_len = hex_len / 2;
    assert_true(out->message_len <= KAT_MESSAGE_MAX);
    unhex(k->seed, out->seed, sizeof out->seed);
    unhex(k->public_key, out->public_key, sizeof out->public_key);
    unhex(k->message, out->message, out->message_len);
    unhex(k->signature, out->signature, sizeof out->signature);
}

static mc_keypair *keypair_of(const uint8_t seed[MC_SECRET_SEED_BYTES])
{
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_from_seed(seed, &kp), MC_ERR_OK);
    assert_non_null(kp);
    return kp;
}

static int setup_sodium(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void test_rfc8032_known_answers(void **state)
{
    (void)state;
    static const size_t message_lens[] = {0, 1, 2, 1023, 64};
    for (size_t i = 0; i < KAT_COUNT; i++) {
        kat_bytes v;
        kat_decode(&kats[i], &v);
        assert_int_equal(v.message_len, message_lens[i]);
        mc_keypair *kp = keypair_of(v.seed);
        assert_memory_equal(mc_keypair_public(kp), v.public_key, MC_PUBLIC_KEY_BYTES);

        uint8_t sig[MC_SIGNATURE_BYTES];
        mc_sign_raw(kp, v.message, v.message_len, sig);
        if (memcmp(sig, v.signature, sizeof sig) != 0) {
            print_error("%s: signature differs\n", kats[i].name);
        }
        assert_memory_equal(sig, v.signature, MC_SIGNATURE_BYTES);
        assert_true(mc_verify_raw(v.public_key, v.message, v.message_len, v.signature));

        uint8_t seed[MC_SECRET_SEED_BYTES];
        mc_keypair_seed(kp, seed);
        assert_memory_equal(seed, v.seed, MC_SECRET_SEED_BYTES);
        mc_keypair_free(kp);
    }
}

static void test_tampering_fails(void **state)
{
    (void)state;
    for (size_t i = 0; i < KAT_COUNT; i++) {
        kat_bytes v;
        kat_decode(&kats[i], &v);
        /* Every bit of the signature. */
        for (size_t bit = 0; bit < 8 * MC_SIGNATURE_BYTES; bit++) {
            v.signature[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_false(mc_verify_raw(v.public_key, v.message, v.message_len, v.signature));
            v.signature[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        /* Every bit of the public key. */
        for (size_t bit = 0; bit < 8 * MC_PUBLIC_KEY_BYTES; bit++) {
            v.public_key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_false(mc_verify_raw(v.public_key, v.message, v.message_len, v.signature));
            v.public_key[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        /* A bit of the first, middle and last message byte; a byte more or less. */
        if (v.message_len > 0) {
            const size_t at[] = {0, v.message_len / 2, v.message_len - 1};
            for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
                v.message[at[k]] ^= 0x01;
                assert_false(mc_verify_raw(v.public_key, v.message, v.message_len, v.signature));
                v.message[at[k]] ^= 0x01;
            }
            assert_false(mc_verify_raw(v.public_key, v.message, v.message_len - 1, v.signature));
        }
        v.message[v.message_len] = 0;
        assert_false(mc_verify_raw(v.public_key, v.message, v.message_len + 1, v.signature));
        /* Untouched, it still verifies. */
        assert_true(mc_verify_raw(v.public_key, v.message, v.message_len, v.signature));
    }
}

/* "mc/tx/v1" || ledger_id || body, built by hand; returns its length. */
static size_t tx_message(const uint8_t ledger_id[MC_LEDGER_ID_BYTES], const uint8_t *body,
                         size_t len, uint8_t *out, size_t out_len)
{
    const size_t domain_len = strlen("mc/tx/v1");
    assert_int_equal(domain_len, 8);
    assert_true(domain_len + MC_LEDGER_ID_BYTES + len <= out_len);
    memcpy(out, "mc/tx/v1", domain_len);
    memcpy(out + domain_len, ledger_id, MC_LEDGER_ID_BYTES);
    if (len > 0) {
        memcpy(out + domain_len + MC_LEDGER_ID_BYTES, body, len);
    }
    return domain_len + MC_LEDGER_ID_BYTES + len;
}

/* Sign `body` as a transaction and check the domain separation. */
static void check_tx_signature(const mc_keypair *kp, const uint8_t *body, size_t len)
{
    static uint8_t message[8 + MC_LEDGER_ID_BYTES + LARGE_BODY_BYTES];
    uint8_t ledger_id[MC_LEDGER_ID_BYTES], other_ledger[MC_LEDGER_ID_BYTES];
    for (size_t i = 0; i < MC_LEDGER_ID_BYTES; i++) {
        ledger_id[i] = (uint8_t)i;
        other_ledger[i] = (uint8_t)i;
    }
    other_ledger[MC_LEDGER_ID_BYTES - 1] ^= 0x80;
    const uint8_t *pk = mc_keypair_public(kp);

    uint8_t sig[MC_SIGNATURE_BYTES];
    mc_sign_tx(kp, ledger_id, body, len, sig);
    assert_true(mc_verify_tx(pk, ledger_id, body, len, sig));
    assert_false(mc_verify_tx(pk, other_ledger, body, len, sig));
    assert_false(mc_verify_raw(pk, body, len, sig));

    /* Equal to a plain signature over the message assembled here. */
    size_t message_len = tx_message(ledger_id, body, len, message, sizeof message);
    uint8_t by_hand[MC_SIGNATURE_BYTES];
    mc_sign_raw(kp, message, message_len, by_hand);
    assert_memory_equal(sig, by_hand, MC_SIGNATURE_BYTES);
    assert_int_equal(crypto_sign_verify_detached(sig, message, message_len, pk), 0);

    /* A raw signature over the body is not a transaction signature. */
    uint8_t raw[MC_SIGNATURE_BYTES];
    mc_sign_raw(kp, body, len, raw);
    assert_false(mc_verify_tx(pk, ledger_id, body, len, raw));
    if (len > 0) {
        assert_false(mc_verify_tx(pk, ledger_id, body, len - 1, sig));
    }
}

static void test_tx_signature_domain(void **state)
{
    (void)state;
    kat_bytes v;
    kat_decode(&kats[0], &v);
    mc_keypair *kp = keypair_of(v.seed);

    static const uint8_t body[] = {0x0a, 0x20, 0x01, 0x02, 0x03, 0x10,
                                   0xe8, 0x07, 0x1a, 0x02, 'h',  'i'};
    check_tx_signature(kp, body, sizeof body);
    check_tx_signature(kp, NULL, 0);

    static uint8_t large[LARGE_BODY_BYTES];
    for (size_t i = 0; i < sizeof large; i++) {
        large[i] = (uint8_t)(i * 7u + 3u);
    }
    check_tx_signature(kp, large, sizeof large);
    mc_keypair_free(kp);
}

/* An authentication signature covers "mc/auth/v1" || ledger_id || challenge
 * and is neither a transaction signature nor valid for another ledger. */
static void test_auth_signature_domain(void **state)
{
    (void)state;
    kat_bytes v;
    kat_decode(&kats[1], &v);
    mc_keypair *kp = keypair_of(v.seed);
    const uint8_t *pk = mc_keypair_public(kp);
    uint8_t ledger_id[MC_LEDGER_ID_BYTES], other[MC_LEDGER_ID_BYTES];
    uint8_t challenge[MC_CHALLENGE_BYTES], sig[MC_SIGNATURE_BYTES], by_hand[MC_SIGNATURE_BYTES];
    memset(ledger_id, 0x11, sizeof ledger_id);
    memcpy(other, ledger_id, sizeof other);
    other[0] ^= 1;
    assert_int_equal(mc_random_bytes(challenge, sizeof challenge), MC_ERR_OK);

    mc_sign_auth(kp, ledger_id, challenge, sig);
    assert_true(mc_verify_auth(pk, ledger_id, challenge, sig));
    assert_false(mc_verify_auth(pk, other, challenge, sig));
    assert_false(mc_verify_tx(pk, ledger_id, challenge, sizeof challenge, sig));

    uint8_t message[10 + MC_LEDGER_ID_BYTES + MC_CHALLENGE_BYTES];
    memcpy(message, "mc/auth/v1", 10);
    memcpy(message + 10, ledger_id, MC_LEDGER_ID_BYTES);
    memcpy(message + 10 + MC_LEDGER_ID_BYTES, challenge, MC_CHALLENGE_BYTES);
    mc_sign_raw(kp, message, sizeof message, by_hand);
    assert_memory_equal(sig, by_hand, MC_SIGNATURE_BYTES);

    challenge[5] ^= 0x40;
    assert_false(mc_verify_auth(pk, ledger_id, challenge, sig));
    mc_keypair_free(kp);
}

static void test_random_bytes_differ(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    assert_int_equal(mc_random_bytes(a, sizeof a), MC_ERR_OK);
    assert_int_equal(mc_random_bytes(b, sizeof b), MC_ERR_OK);
    assert_memory_not_equal(a, b, sizeof a);
}

/* A sealed seed opens with its passphrase only, and a damaged box or
 * absurd costs are refused. */
static void test_seed_seal(void **state)
{
    (void)state;
    uint8_t seed[MC_SECRET_SEED_BYTES], back[MC_SECRET_SEED_BYTES];
    memset(back, 0, sizeof back);
    assert_int_equal(mc_random_bytes(seed, sizeof seed), MC_ERR_OK);
    mc_sealed_seed s, other;
    assert_int_equal(mc_seed_seal(seed, "correct horse", 13, &s), MC_ERR_OK);
    assert_memory_not_equal(s.box, seed, sizeof seed);
    assert_int_equal(mc_seed_open(&s, "correct horse", 13, back), MC_ERR_OK);
    assert_memory_equal(back, seed, sizeof seed);
    uint8_t untouched[MC_SECRET_SEED_BYTES];
    memset(untouched, 0xee, sizeof untouched);
    memcpy(back, untouched, sizeof back);
    assert_int_equal(mc_seed_open(&s, "correct horsf", 13, back), MC_ERR_WRONG_PASSPHRASE);
    assert_int_equal(mc_seed_open(&s, "", 0, back), MC_ERR_WRONG_PASSPHRASE);
    assert_memory_equal(back, untouched, sizeof back);
    other = s;
    other.box[3] ^= 1;
    assert_int_equal(mc_seed_open(&other, "correct horse", 13, back), MC_ERR_WRONG_PASSPHRASE);
    other = s;
    other.salt[0] ^= 1;
    assert_int_equal(mc_seed_open(&other, "correct horse", 13, back), MC_ERR_WRONG_PASSPHRASE);
    other = s;
    other.memlimit = (uint64_t)1 << 40;
    assert_int_equal(mc_seed_open(&other, "correct horse", 13, back), MC_ERR_INVALID_ARGUMENT);
    other = s;
    other.opslimit = 0;
    assert_int_equal(mc_seed_open(&other, "correct horse", 13, back), MC_ERR_INVALID_ARGUMENT);
    /* Two seals of one seed differ (fresh salt and nonce). */
    assert_int_equal(mc_seed_seal(seed, "correct horse", 13, &other), MC_ERR_OK);
    assert_memory_not_equal(other.box, s.box, sizeof s.box);
}

static void test_tx_id(void **state)
{
    (void)state;
    static const uint8_t body[] = {0x08, 0x01, 0x12, 0x03, 'a', 'b', 'c'};
    uint8_t got[MC_TX_ID_BYTES], want[MC_TX_ID_BYTES];
    mc_tx_id(body, sizeof body, got);

    uint8_t message[sizeof "mc/txid/v1" - 1 + sizeof body];
    memcpy(message, "mc/txid/v1", sizeof "mc/txid/v1" - 1);
    memcpy(message + sizeof "mc/txid/v1" - 1, body, sizeof body);
    crypto_hash_sha256(want, message, sizeof message);
    assert_memory_equal(got, want, MC_TX_ID_BYTES);

    /* Not the bare hash of the body. */
    uint8_t bare[MC_HASH_BYTES];
    mc_sha256(body, sizeof body, bare);
    assert_memory_not_equal(got, bare, MC_HASH_BYTES);

    /* The empty body: SHA-256("mc/txid/v1"). */
    mc_tx_id(NULL, 0, got);
    crypto_hash_sha256(want, (const uint8_t *)"mc/txid/v1", 10);
    assert_memory_equal(got, want, MC_TX_ID_BYTES);
}

static void test_sha256_known_answer(void **state)
{
    (void)state;
    uint8_t got[MC_HASH_BYTES], want[MC_HASH_BYTES];
    mc_sha256((const uint8_t *)"abc", 3, got);
    unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, sizeof want);
    assert_memory_equal(got, want, MC_HASH_BYTES);
    mc_sha256(NULL, 0, got);
    unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, sizeof want);
    assert_memory_equal(got, want, MC_HASH_BYTES);
}

static void test_hex(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char text[2 * sizeof bytes + 1];
    mc_hex_encode(bytes, sizeof bytes, text);
    assert_string_equal(text, "00017f80abff");

    uint8_t back[sizeof bytes];
    assert_int_equal(mc_hex_decode("00017f80abff", back, sizeof back), MC_ERR_OK);
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_int_equal(mc_hex_decode("00017F80ABFF", back, sizeof back), MC_ERR_OK);
    assert_memory_equal(back, bytes, sizeof bytes);

    char empty[1];
    mc_hex_encode(NULL, 0, empty);
    assert_string_equal(empty, "");
    assert_int_equal(mc_hex_decode("", back, 0), MC_ERR_OK);

    /* Random round trips of every length up to 64. */
    for (size_t len = 1; len <= 64; len++) {
        uint8_t data[64], decoded[64];
        char hex[2 * 64 + 1];
        randombytes_buf(data, len);
        mc_hex_encode(data, len, hex);
        assert_int_equal(strlen(hex), 2 * len);
        assert_int_equal(mc_hex_decode(hex, decoded, len), MC_ERR_OK);
        assert_memory_equal(decoded, data, len);
    }
}

static void test_hex_refuses(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        size_t len;
    } bad[] = {
        {"abc", 1}, {"abc", 2},
        {"a", 1},   {"0g", 1},
        {"g0", 1},  {"zz", 1},
        {" 1", 1},  {"1 ", 1},
        {"+1", 1},  {"-1", 1},
        {"0x", 1},  {"abcd", 1},
        {"ab", 2},  {"", 1},
        {"ab", 0},  {"0:", 1},
        {"/0", 1},  {"@0", 1},
        {"G0", 1},  {"`0", 1},
        {"0\n", 1}, {"00112233445566778899aabbccddeeff0", 16},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        memset(out, 0xa5, sizeof out);
        if (mc_hex_decode(bad[i].hex, out, bad[i].len) != MC_ERR_INVALID_ARGUMENT) {
            print_error("hex \"%s\" as %zu bytes was accepted\n", bad[i].hex, bad[i].len);
        }
        assert_int_equal(mc_hex_decode(bad[i].hex, out, bad[i].len), MC_ERR_INVALID_ARGUMENT);
        for (size_t k = 0; k < sizeof out; k++) {
            assert_int_equal(out[k], 0xa5);
        }
    }
    uint8_t out[1];
    assert_int_equal(mc_hex_decode(NULL, out, 1), MC_ERR_INVALID_ARGUMENT);
}

static void test_keypair_seed_round_trip(void **state)
{
    (void)state;
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_generate(&kp), MC_ERR_OK);
    assert_non_null(kp);
    uint8_t seed[MC_SECRET_SEED_BYTES];
    mc_keypair_seed(kp, seed);
    mc_keypair *again = keypair_of(seed);
    assert_memory_equal(mc_keypair_public(again), mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    uint8_t seed_again[MC_SECRET_SEED_BYTES];
    mc_keypair_seed(again, seed_again);
    assert_memory_equal(seed_again, seed, MC_SECRET_SEED_BYTES);

    /* The two sign alike (Ed25519 is deterministic). */
    uint8_t a[MC_SIGNATURE_BYTES], b[MC_SIGNATURE_BYTES];
    mc_sign_raw(kp, seed, sizeof seed, a);
    mc_sign_raw(again, seed, sizeof seed, b);
    assert_memory_equal(a, b, MC_SIGNATURE_BYTES);

    /* Two generated key pairs differ. */
    mc_keypair *other = NULL;
    assert_int_equal(mc_keypair_generate(&other), MC_ERR_OK);
    assert_memory_not_equal(mc_keypair_public(other), mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    assert_false(mc_verify_raw(mc_keypair_public(other), seed, sizeof seed, a));

    sodium_memzero(seed, sizeof seed);
    sodium_memzero(seed_again, sizeof seed_again);
    mc_keypair_free(other);
    mc_keypair_free(again);
    mc_keypair_free(kp);
}

static void test_keypair_free_null(void **state)
{
    (void)state;
    mc_keypair_free(NULL);
    assert_int_equal(mc_crypto_init(), MC_ERR_OK);
    assert_int_equal(mc_crypto_init(), MC_ERR_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032_known_answers),
        cmocka_unit_test(test_tampering_fails),
        cmocka_unit_test(test_tx_signature_domain),
        cmocka_unit_test(test_auth_signature_domain),
        cmocka_unit_test(test_random_bytes_differ),
        cmocka_unit_test(test_seed_seal),
        cmocka_unit_test(test_tx_id),
        cmocka_unit_test(test_sha256_known_answer),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_hex_refuses),
        cmocka_unit_test(test_keypair_seed_round_trip),
        cmocka_unit_test(test_keypair_free_null),
    };
    return cmocka_run_group_tests(tests, setup_sodium, NULL);
}
