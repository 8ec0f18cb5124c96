/* RFC 6962 / RFC 9162 Merkle trees (mc/merkle.h) against known answers:
 * the leaf hashes of the eight leaves of the transparency-dev test tree, the
 * roots of its trees of 0..8 leaves (from $MC_VECTORS_DIR/rfc6962/README.md),
 * and every inclusion and consistency JSON file beside it through mc's
 * verifiers, which must accept exactly the files with wantErr false; on the
 * happy paths over the test tree, mc makes the very same proofs. Then every
 * proof of random trees of 1..70 leaves, made and checked, with tampering,
 * and the streaming root against the recursive one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "mc/error.h"
#include "mc/merkle.h"

#define LEAF_COUNT 8u
#define PATH_BYTES 1024u
#define WALK_DEPTH_MAX 4
#define PROOF_LEN_MAX 64u

/* The leaves (hex) of the test tree, in order. */
static const char *const leaves_hex[LEAF_COUNT] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

/* SHA-256(0x00 || leaf), computed apart from mc. */
static const char *const leaf_hashes_hex[LEAF_COUNT] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
};

/* Roots of the trees of 0..8 leaves, from the README. */
static const char *const roots_hex[LEAF_COUNT + 1] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* The mc leaf hashes of the eight leaves, filled by the group setup. */
static uint8_t leaf_hashes[LEAF_COUNT][MC_HASH_BYTES];

static void unhex(const char *hex, uint8_t *out, size_t len)
{
    size_t got = 0;
    assert_int_equal(sodium_hex2bin(out, len, hex, strlen(hex), NULL, &got, NULL), 0);
    assert_int_equal(got, len);
}

static int setup_leaves(void **state)
{
    (void)state;
    if (sodium_init() < 0) {
        return -1;
    }
    for (size_t i = 0; i < LEAF_COUNT; i++) {
        uint8_t leaf[16];
        size_t len = strlen(leaves_hex[i]) / 2;
        size_t got = 0;
        if (sodium_hex2bin(leaf, sizeof leaf, leaves_hex[i], 2 * len, NULL, &got, NULL) != 0 ||
            got != len) {
            return -1;
        }
        mc_merkle_leaf_hash(leaf, len, leaf_hashes[i]);
    }
    return 0;
}

static void test_leaf_hashes(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEAF_COUNT; i++) {
        uint8_t want[MC_HASH_BYTES];
        unhex(leaf_hashes_hex[i], want, sizeof want);
        assert_memory_equal(leaf_hashes[i], want, MC_HASH_BYTES);
    }
    /* The leaf hash is domain-separated from the plain hash. */
    uint8_t plain[MC_HASH_BYTES];
    mc_sha256(NULL, 0, plain);
    assert_memory_not_equal(leaf_hashes[0], plain, MC_HASH_BYTES);
}

static void test_node_hash(void **state)
{
    (void)state;
    /* The root of two leaves is SHA-256(0x01 || l || r). */
    uint8_t message[1 + 2 * MC_HASH_BYTES], want[MC_HASH_BYTES], got[MC_HASH_BYTES];
    message[0] = 0x01;
    memcpy(message + 1, leaf_hashes[0], MC_HASH_BYTES);
    memcpy(message + 1 + MC_HASH_BYTES, leaf_hashes[1], MC_HASH_BYTES);
    crypto_hash_sha256(want, message, sizeof message);
    mc_merkle_node_hash(leaf_hashes[0], leaf_hashes[1], got);
    assert_memory_equal(got, want, MC_HASH_BYTES);
    unhex(roots_hex[2], want, sizeof want);
    assert_memory_equal(got, want, MC_HASH_BYTES);
    /* Order matters. */
    mc_merkle_node_hash(leaf_hashes[1], leaf_hashes[0], got);
    assert_memory_not_equal(got, want, MC_HASH_BYTES);
}

static void test_roots(void **state)
{
    (void)state;
    for (uint64_t n = 0; n <= LEAF_COUNT; n++) {
        uint8_t want[MC_HASH_BYTES], got[MC_HASH_BYTES];
        unhex(roots_hex[n], want, sizeof want);
        mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])leaf_hashes, n, got);
        if (memcmp(got, want, sizeof got) != 0) {
            print_error("root of %u leaves differs\n", (unsigned)n);
        }
        assert_memory_equal(got, want, MC_HASH_BYTES);
    }
    uint8_t got[MC_HASH_BYTES];
    mc_merkle_root_of(NULL, 0, got);
    uint8_t want[MC_HASH_BYTES];
    unhex(roots_hex[0], want, sizeof want);
    assert_memory_equal(got, want, MC_HASH_BYTES);
}

/* ---- the inclusion JSON files ------------------------------------------- */

typedef struct inclusion_counts {
    unsigned files;     /* every inclusion JSON read */
    unsigned happy;     /* wantErr false, over the eight-leaf tree */
    unsigned single;    /* wantErr false, a one-leaf tree of another leaf */
    unsigned refused;   /* wantErr true, refused by the verifier */
    unsigned leaf_seen; /* bit i: leaf i was the leafHash of a happy path */
} inclusion_counts;

/* Base64 (original variant) of exactly one hash; false for anything else. */
static bool hash_of_base64(const json_t *value, uint8_t out[MC_HASH_BYTES])
{
    const char *b64 = json_string_value(value);
    if (b64 == NULL) {
        return false;
    }
    size_t len = 0;
    const char *end = NULL;
    uint8_t bin[MC_HASH_BYTES + 3];
    if (sodium_base642bin(bin, sizeof bin, b64, strlen(b64), NULL, &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        *end != '\0' || len != MC_HASH_BYTES) {
        return false;
    }
    memcpy(out, bin, MC_HASH_BYTES);
    return true;
}

/* A root as the files give it: a hash, or (in additional/) any bytes,
 * which map to 32 by SHA-256 so that equal roots stay equal and different
 * ones different. */
static bool root_of_base64(const json_t *value, uint8_t out[MC_HASH_BYTES])
{
    const char *b64 = json_string_value(value);
    uint8_t bin[256];
    size_t len = 0;
    const char *end = NULL;
    if (b64 == NULL ||
        sodium_base642bin(bin, sizeof bin, b64, strlen(b64), NULL, &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        *end != '\0') {
        return false;
    }
    if (len == MC_HASH_BYTES) {
        memcpy(out, bin, MC_HASH_BYTES);
    } else {
        crypto_hash_sha256(out, bin, len);
    }
    return true;
}

/* A JSON number as uint64_t; values beyond 2^63 (the files hold 2^64 - 1)
 * become UINT64_MAX, which no tree here reaches. */
static uint64_t index_of(const json_t *value)
{
    assert_true(json_is_number(value));
    double d = json_number_value(value);
    assert_true(d >= 0);
    return d >= 9223372036854775808.0 ? UINT64_MAX : (uint64_t)d;
}

/* The hash of leaves [begin, end) of leaf_hashes[], for proof generation. */
static int array_range(void *ctx, uint64_t begin, uint64_t end, uint8_t out[MC_HASH_BYTES])
{
    const uint8_t(*leaves)[MC_HASH_BYTES] = ctx;
    mc_merkle_root_of(leaves + begin, end - begin, out);
    return 0;
}

static bool inclusion_verifies(uint64_t index, uint64_t size, const uint8_t leaf[MC_HASH_BYTES],
                               const uint8_t (*proof)[MC_HASH_BYTES], size_t proof_len,
                               const uint8_t root[MC_HASH_BYTES])
{
    return mc_merkle_verify_inclusion(index, size, leaf, proof, proof_len, root) == 0;
}

/* Decode the proof array (null is the empty proof); false when an element
 * is not one base64 hash or there are too many. */
static bool proof_of(const json_t *value, uint8_t (*proof)[MC_HASH_BYTES], size_t *len)
{
    *len = 0;
    if (json_is_null(value)) {
        return true;
    }
    assert_true(json_is_array(value));
    if (json_array_size(value) > PROOF_LEN_MAX) {
        return false;
    }
    for (size_t i = 0; i < json_array_size(value); i++) {
        if (!hash_of_base64(json_array_get(value, i), proof[i])) {
            return false;
        }
    }
    *len = json_array_size(value);
    return true;
}

/* A happy path: its leaf and root are those mc computes. */
static void check_happy(const char *path, uint64_t index, uint64_t size,
                        const uint8_t leaf[MC_HASH_BYTES], const uint8_t root[MC_HASH_BYTES],
                        size_t proof_len, inclusion_counts *counts)
{
    if (index < LEAF_COUNT && memcmp(leaf, leaf_hashes[index], MC_HASH_BYTES) == 0) {
        counts->happy++;
        counts->leaf_seen |= 1u << index;
        assert_true(size <= LEAF_COUNT);
        uint8_t got[MC_HASH_BYTES];
        mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])leaf_hashes, size, got);
        if (memcmp(got, root, MC_HASH_BYTES) != 0) {
            print_error("%s: root differs\n", path);
        }
        assert_memory_equal(got, root, MC_HASH_BYTES);
        return;
    }
    /* Not a leaf of the eight-leaf tree: only the one-leaf tree of
     * single-entry/, whose root is its leaf. */
    for (size_t i = 0; i < LEAF_COUNT; i++) {
        assert_memory_not_equal(leaf, leaf_hashes[i], MC_HASH_BYTES);
    }
    if (size != 1 || index != 0 || proof_len != 0) {
        print_error("%s: a happy path outside the test tree\n", path);
    }
    assert_true(size == 1 && index == 0 && proof_len == 0);
    uint8_t got[MC_HASH_BYTES];
    mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])leaf, 1, got);
    assert_memory_equal(got, root, MC_HASH_BYTES);
    counts->single++;
}

static void check_inclusion_file(const char *path, inclusion_counts *counts)
{
    json_error_t error;
    json_t *doc = json_load_file(path, JSON_DECODE_INT_AS_REAL, &error);
    if (doc == NULL) {
        print_error("%s:%d: %s\n", path, error.line, error.text);
    }
    assert_non_null(doc);
    const json_t *want_err = json_object_get(doc, "wantErr");
    assert_true(json_is_boolean(want_err));
    uint64_t index = index_of(json_object_get(doc, "leafIdx"));
    uint64_t size = index_of(json_object_get(doc, "treeSize"));

    uint8_t leaf[MC_HASH_BYTES], root[MC_HASH_BYTES];
    static uint8_t proof[PROOF_LEN_MAX][MC_HASH_BYTES];
    size_t proof_len = 0;
    bool decoded = hash_of_base64(json_object_get(doc, "leafHash"), leaf) &&
                   hash_of_base64(json_object_get(doc, "root"), root) &&
                   proof_of(json_object_get(doc, "proof"), proof, &proof_len);
    bool verifies =
        decoded && inclusion_verifies(index, size, leaf, (const uint8_t(*)[MC_HASH_BYTES])proof,
                                      proof_len, root);
    if (verifies != json_is_false(want_err)) {
        print_error("%s: verifier says %d, wantErr %d\n", path, verifies, json_is_true(want_err));
    }
    assert_int_equal(verifies, json_is_false(want_err));
    if (json_is_false(want_err)) {
        check_happy(path, index, size, leaf, root, proof_len, counts);
        if (index < LEAF_COUNT && size <= LEAF_COUNT &&
            memcmp(leaf, leaf_hashes[index], MC_HASH_BYTES) == 0) {
            /* mc makes the same proof. */
            uint8_t made[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
            size_t made_len = 0;
            assert_int_equal(
                mc_merkle_inclusion_proof(array_range, leaf_hashes, index, size, made, &made_len),
                0);
            assert_int_equal(made_len, proof_len);
            assert_memory_equal(made, proof, proof_len * MC_HASH_BYTES);
        }
    } else {
        counts->refused++;
    }
    counts->files++;
    json_decref(doc);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

typedef void (*file_fn)(const char *path, void *ctx);

static void walk(const char *dir, int depth, file_fn fn, void *ctx)
{
    assert_true(depth <= WALK_DEPTH_MAX);
    DIR *d = opendir(dir);
    if (d == NULL) {
        print_error("cannot open %s\n", dir);
    }
    assert_non_null(d);
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char path[PATH_BYTES];
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        assert_true(n > 0 && (size_t)n < sizeof path);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(path, depth + 1, fn, ctx);
        } else if (ends_with(e->d_name, ".json")) {
            fn(path, ctx);
        }
    }
    closedir(d);
}

static void vectors_dir(const char *kind, char *out, size_t len)
{
    const char *vectors = getenv("MC_VECTORS_DIR");
    if (vectors == NULL) {
        print_error("MC_VECTORS_DIR is not set\n");
    }
    assert_non_null(vectors);
    int n = snprintf(out, len, "%s/rfc6962/%s", vectors, kind);
    assert_true(n > 0 && (size_t)n < len);
}

static void inclusion_file(const char *path, void *ctx)
{
    check_inclusion_file(path, ctx);
}

static void test_inclusion_vectors(void **state)
{
    (void)state;
    char dir[PATH_BYTES];
    vectors_dir("inclusion", dir, sizeof dir);
    inclusion_counts counts = {0};
    walk(dir, 0, inclusion_file, &counts);
    print_message("inclusion: %u files, %u happy paths, %u single-entry, %u refused\n",
                  counts.files, counts.happy, counts.single, counts.refused);
    /* As shipped: 98 files, the happy paths of inclusion/0..4 and
     * single-entry/matching-root-and-leaf.json, all others refused. */
    assert_true(counts.files >= 98);
    assert_true(counts.happy >= 5);
    assert_true(counts.single >= 1);
    assert_int_equal(counts.files, counts.happy + counts.single + counts.refused);
    /* Leaves 0, 1, 2 and 5 are the leafHash of some happy path. */
    assert_int_equal(counts.leaf_seen & 0x27u, 0x27u);
}

typedef struct consistency_counts {
    unsigned files, happy, refused;
} consistency_counts;

/* A consistency file through mc_merkle_verify_consistency; a happy path
 * over the test tree also gets the same proof from mc. */
static void consistency_file(const char *path, void *ctx)
{
    consistency_counts *counts = ctx;
    json_error_t error;
    json_t *doc = json_load_file(path, JSON_DECODE_INT_AS_REAL, &error);
    assert_non_null(doc);
    const json_t *want_err = json_object_get(doc, "wantErr");
    assert_true(json_is_boolean(want_err));
    uint64_t size1 = index_of(json_object_get(doc, "size1"));
    uint64_t size2 = index_of(json_object_get(doc, "size2"));
    uint8_t root1[MC_HASH_BYTES], root2[MC_HASH_BYTES];
    static uint8_t proof[PROOF_LEN_MAX][MC_HASH_BYTES];
    size_t len = 0;
    bool decoded = root_of_base64(json_object_get(doc, "root1"), root1) &&
                   root_of_base64(json_object_get(doc, "root2"), root2) &&
                   proof_of(json_object_get(doc, "proof"), proof, &len);
    bool verifies =
        decoded && mc_merkle_verify_consistency(size1, size2, root1, root2,
                                                (const uint8_t(*)[MC_HASH_BYTES])proof, len) == 0;
    if (verifies != json_is_false(want_err)) {
        print_error("%s: verifier says %d, wantErr %d\n", path, verifies, json_is_true(want_err));
    }
    assert_int_equal(verifies, json_is_false(want_err));
    if (json_is_false(want_err) && size2 <= LEAF_COUNT) {
        uint8_t made[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES];
        size_t made_len = 0;
        assert_int_equal(
            mc_merkle_consistency_proof(array_range, leaf_hashes, size1, size2, made, &made_len),
            0);
        assert_int_equal(made_len, len);
        assert_memory_equal(made, proof, len * MC_HASH_BYTES);
        counts->happy++;
    } else if (json_is_true(want_err)) {
        counts->refused++;
    }
    counts->files++;
    json_decref(doc);
}

static void test_consistency_vectors(void **state)
{
    (void)state;
    char dir[PATH_BYTES];
    vectors_dir("consistency", dir, sizeof dir);
    consistency_counts counts = {0};
    walk(dir, 0, consistency_file, &counts);
    print_message("consistency: %u files, %u happy paths over the test tree, %u refused\n",
                  counts.files, counts.happy, counts.refused);
    assert_true(counts.files >= 80);
    assert_true(counts.happy >= 5);
    assert_true(counts.refused >= 70);
}

/* Every proof mc makes for trees of 1..TREE_MAX random leaves verifies, and
 * a flipped bit, a shortened proof, another index or another root does not.
 * (A size alone is no secret: RFC 9162 proofs bind the root, and a proof
 * for n leaves may also check for n + 1 against the same root.) */
#define TREE_MAX 70u

static void tamper_checks(uint64_t i, uint64_t n, const uint8_t (*leaves)[MC_HASH_BYTES],
                          const uint8_t root[MC_HASH_BYTES], uint8_t (*proof)[MC_HASH_BYTES],
                          size_t len)
{
    const uint8_t(*p)[MC_HASH_BYTES] = (const uint8_t(*)[MC_HASH_BYTES])proof;
    assert_int_equal(mc_merkle_verify_inclusion(i, n, leaves[i], p, len, root), 0);
    if (n > 1) {
        assert_int_not_equal(mc_merkle_verify_inclusion((i + 1) % n, n, leaves[i], p, len, root),
                             0);
    }
    if (len > 0) {
        proof[len / 2][i % MC_HASH_BYTES] ^= 0x10;
        assert_int_not_equal(mc_merkle_verify_inclusion(i, n, leaves[i], p, len, root), 0);
        proof[len / 2][i % MC_HASH_BYTES] ^= 0x10;
        assert_int_not_equal(mc_merkle_verify_inclusion(i, n, leaves[i], p, len - 1, root), 0);
    }
}

static void test_random_trees(void **state)
{
    (void)state;
    static uint8_t leaves[TREE_MAX][MC_HASH_BYTES], roots[TREE_MAX + 1][MC_HASH_BYTES];
    randombytes_buf(leaves, sizeof leaves);
    for (uint64_t n = 0; n <= TREE_MAX; n++) {
        mc_merkle_root_of((const uint8_t(*)[MC_HASH_BYTES])leaves, n, roots[n]);
    }
    mc_merkle_stream stream;
    mc_merkle_stream_init(&stream);
    uint8_t proof[MC_MERKLE_PROOF_MAX][MC_HASH_BYTES], got[MC_HASH_BYTES];
    size_t len = 0;
    for (uint64_t n = 1; n <= TREE_MAX; n++) {
        mc_merkle_stream_add(&stream, leaves[n - 1]);
        mc_merkle_stream_root(&stream, got);
        assert_memory_equal(got, roots[n], MC_HASH_BYTES);
        for (uint64_t i = 0; i < n; i++) {
            assert_int_equal(mc_merkle_inclusion_proof(array_range, leaves, i, n, proof, &len), 0);
            tamper_checks(i, n, (const uint8_t(*)[MC_HASH_BYTES])leaves, roots[n], proof, len);
        }
        for (uint64_t m = 0; m <= n; m++) {
            assert_int_equal(mc_merkle_consistency_proof(array_range, leaves, m, n, proof, &len),
                             0);
            const uint8_t(*p)[MC_HASH_BYTES] = (const uint8_t(*)[MC_HASH_BYTES])proof;
            assert_int_equal(mc_merkle_verify_consistency(m, n, roots[m], roots[n], p, len),
                             m == 0 ? MC_ERR_PROOF_INVALID : MC_ERR_OK);
            if (m > 0 && m < n) {
                assert_int_not_equal(
                    mc_merkle_verify_consistency(m, n, roots[m - 1], roots[n], p, len), 0);
                assert_int_not_equal(
                    mc_merkle_verify_consistency(m, n, roots[m], roots[n - 1], p, len), 0);
            }
        }
    }
    assert_int_not_equal(mc_merkle_inclusion_proof(array_range, leaves, 5, 5, proof, &len), 0);
    assert_int_not_equal(mc_merkle_consistency_proof(array_range, leaves, 6, 5, proof, &len), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_hashes),
        cmocka_unit_test(test_node_hash),
        cmocka_unit_test(test_roots),
        cmocka_unit_test(test_inclusion_vectors),
        cmocka_unit_test(test_consistency_vectors),
        cmocka_unit_test(test_random_trees),
    };
    return cmocka_run_group_tests(tests, setup_leaves, NULL);
}
