/* Checkpoints as signed notes (mc/checkpoint.h) against an independent
 * implementation written here with libsodium alone: the exact text of a
 * checkpoint (five lines and the signature line), its Ed25519 signature over
 * "mc/checkpoint/v1" || ledger_id || body and its key id, for ordinary,
 * empty and huge trees. Then strictness: every single-bit flip, deletion and
 * insertion of a byte anywhere in a signed text makes verification fail; a
 * text signed by another key fails; and texts that are validly signed but
 * not in the one canonical form (upper-case hex, leading zeros, sizes past
 * 2^64-1, negative times, CRLF, a missing blank line, trailing bytes...)
 * do not even parse.
 *
 * Environment: MC_CHECKPOINT_SEED (default: from the clock; printed) picks
 * the keys, ledger ids and roots. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "mc/checkpoint.h"
#include "mc/error.h"

#define DOMAIN "mc/checkpoint/v1" /* spelled out here, apart from the header */
#define DASH "\xe2\x80\x94"       /* U+2014, the em dash of signed notes */
#define TEXT_CAP 1024u
#define LINE_CAP 160u
#define BLOB_BYTES (4u + crypto_sign_BYTES)

static uint64_t rng;

static uint64_t next_random(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void random_fill(uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)next_random();
    }
}

/* A signing key known both to mc (kp) and to the reference (seed). */
typedef struct key {
    uint8_t seed[crypto_sign_SEEDBYTES];
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    mc_keypair *kp;
} key;

static void key_make(key *k)
{
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    random_fill(k->seed, sizeof k->seed);
    assert_int_equal(crypto_sign_seed_keypair(k->pk, sk, k->seed), 0);
    sodium_memzero(sk, sizeof sk);
    assert_int_equal(mc_keypair_from_seed(k->seed, &k->kp), MC_ERR_OK);
    assert_memory_equal(mc_keypair_public(k->kp), k->pk, sizeof k->pk);
}

/* SHA-256("mcnode\n" || 0x01 || pk)[0:4], as signed notes name a key. */
static void key_id(const uint8_t pk[crypto_sign_PUBLICKEYBYTES], uint8_t out[4])
{
    uint8_t buf[7 + 1 + crypto_sign_PUBLICKEYBYTES], hash[crypto_hash_sha256_BYTES];
    memcpy(buf, "mcnode\n", 7);
    buf[7] = 0x01;
    memcpy(buf + 8, pk, crypto_sign_PUBLICKEYBYTES);
    crypto_hash_sha256(hash, buf, sizeof buf);
    memcpy(out, hash, 4);
}

/* The reference signer: `body` (any text) signed as a checkpoint of ledger
 * `id` with `k`, key id `id_of` (NULL: k's own). */
static size_t note_sign(const key *k, const uint8_t *id_of, const uint8_t id[32], const char *body,
                        char out[TEXT_CAP])
{
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    uint8_t msg[TEXT_CAP], blob[BLOB_BYTES];
    size_t body_len = strlen(body);
    assert_true(16 + 32 + body_len <= sizeof msg);
    memcpy(msg, DOMAIN, 16);
    memcpy(msg + 16, id, 32);
    memcpy(msg + 48, body, body_len);
    assert_int_equal(crypto_sign_seed_keypair(pk, sk, k->seed), 0);
    key_id(id_of != NULL ? id_of : pk, blob);
    assert_int_equal(crypto_sign_detached(blob + 4, NULL, msg, 48 + body_len, sk), 0);
    sodium_memzero(sk, sizeof sk);
    char b64[sodium_base64_ENCODED_LEN(BLOB_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, TEXT_CAP, "%s\n" DASH " mcnode %s\n", body, b64);
    assert_true(n > 0 && (size_t)n < TEXT_CAP);
    return (size_t)n;
}

/* The four body lines of `cp`, as the reference writes them. */
typedef struct lines {
    char l[4][LINE_CAP];
} lines;

static void lines_of(const mc_checkpoint *cp, lines *out)
{
    char hex[2 * 32 + 1], b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2hex(hex, sizeof hex, cp->ledger_id, 32);
    sodium_bin2base64(b64, sizeof b64, cp->root, 32, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out->l[0], LINE_CAP, "mc ledger %s", hex);
    snprintf(out->l[1], LINE_CAP, "%" PRIu64, cp->size);
    snprintf(out->l[2], LINE_CAP, "%s", b64);
    snprintf(out->l[3], LINE_CAP, "time %" PRId64, cp->time);
}

static void body_of(const lines *ls, char out[TEXT_CAP])
{
    snprintf(out, TEXT_CAP, "%s\n%s\n%s\n%s\n", ls->l[0], ls->l[1], ls->l[2], ls->l[3]);
}

static void random_checkpoint(mc_checkpoint *cp)
{
    random_fill(cp->ledger_id, sizeof cp->ledger_id);
    random_fill(cp->root, sizeof cp->root);
    cp->size = next_random() >> (next_random() % 64);
    cp->time = (int64_t)(next_random() >> 33);
}

/* The checkpoints every test signs: random, empty, huge, extreme. */
#define CASES 6u
static void cases(mc_checkpoint out[CASES])
{
    for (size_t i = 0; i < CASES; i++) {
        random_checkpoint(&out[i]);
    }
    out[1].size = 0;
    crypto_hash_sha256(out[1].root, NULL, 0); /* the empty tree's root */
    out[1].time = 0;
    out[2].size = (uint64_t)1 << 63;
    out[3].size = UINT64_MAX;
    out[3].time = INT64_MAX;
    out[4].size = 1;
}

static void assert_same(const mc_checkpoint *a, const mc_checkpoint *b)
{
    assert_memory_equal(a->ledger_id, b->ledger_id, sizeof a->ledger_id);
    assert_true(a->size == b->size);
    assert_memory_equal(a->root, b->root, sizeof a->root);
    assert_true(a->time == b->time);
}

/* The signature line decodes to key id || a signature libsodium accepts
 * over DOMAIN || id || the body. */
static void check_signature(const char *text, size_t len, const key *k, const uint8_t id[32])
{
    const char *sep = strstr(text, "\n\n");
    assert_non_null(sep);
    size_t body_len = (size_t)(sep - text) + 1;
    const char *sig = sep + 2, *prefix = DASH " mcnode ";
    assert_memory_equal(sig, prefix, strlen(prefix));
    sig += strlen(prefix);
    size_t sig_chars = len - (size_t)(sig - text) - 1;
    assert_int_equal(sig_chars, 92);
    uint8_t blob[BLOB_BYTES], want_id[4], msg[TEXT_CAP];
    size_t got = 0;
    assert_int_equal(sodium_base642bin(blob, sizeof blob, sig, sig_chars, NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(got, BLOB_BYTES);
    key_id(k->pk, want_id);
    assert_memory_equal(blob, want_id, 4);
    memcpy(msg, DOMAIN, 16);
    memcpy(msg + 16, id, 32);
    memcpy(msg + 48, text, body_len);
    assert_int_equal(crypto_sign_verify_detached(blob + 4, msg, 48 + body_len, k->pk), 0);
}

/* The layout line by line, checked by hand for each case. */
static void check_lines(const char *text, const mc_checkpoint *cp)
{
    const char *p = text;
    assert_memory_equal(p, "mc ledger ", 10);
    for (size_t i = 0; i < 64; i++) {
        assert_true(isdigit((unsigned char)p[10 + i]) || (p[10 + i] >= 'a' && p[10 + i] <= 'f'));
    }
    assert_int_equal(p[74], '\n');
    p += 75;
    char *end = NULL;
    assert_true(strtoull(p, &end, 10) == cp->size && *end == '\n');
    assert_true(p[0] != '0' || cp->size == 0);
    p = end + 1;
    assert_int_equal(strchr(p, '\n') - p, 44);
    p += 45;
    assert_memory_equal(p, "time ", 5);
    assert_true(strtoll(p + 5, &end, 10) == cp->time && end[0] == '\n' && end[1] == '\n');
}

static void test_layout_and_round_trip(void **state)
{
    (void)state;
    key k;
    key_make(&k);
    mc_checkpoint cps[CASES];
    cases(cps);
    for (size_t i = 0; i < CASES; i++) {
        char text[MC_CHECKPOINT_TEXT_MAX], body[TEXT_CAP], want[TEXT_CAP];
        size_t len = 0;
        lines ls;
        assert_int_equal(mc_checkpoint_sign(&cps[i], k.kp, text, &len), MC_ERR_OK);
        assert_int_equal(strlen(text), len);
        lines_of(&cps[i], &ls);
        body_of(&ls, body);
        assert_int_equal(note_sign(&k, NULL, cps[i].ledger_id, body, want), len);
        assert_string_equal(text, want); /* Ed25519 is deterministic: the very same text */
        check_lines(text, &cps[i]);
        check_signature(text, len, &k, cps[i].ledger_id);
        mc_checkpoint parsed, verified;
        assert_int_equal(mc_checkpoint_parse(text, len, &parsed), MC_ERR_OK);
        assert_same(&parsed, &cps[i]);
        assert_int_equal(mc_checkpoint_verify(text, len, k.pk, &verified), MC_ERR_OK);
        assert_same(&verified, &cps[i]);
    }
    /* A negative time is not signed. */
    cps[0].time = -1;
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    assert_int_equal(mc_checkpoint_sign(&cps[0], k.kp, text, &len), MC_ERR_INVALID_ARGUMENT);
    mc_keypair_free(k.kp);
}

/* What the current mutation is, for the failure message, and how many
 * mutated texts were accepted. */
static const char *mutation = "none";
static size_t mutation_at, accepted;

/* Verification of `text` should fail and leave `out` untouched; a text
 * accepted is counted and shown (the first few), so one run lists them. */
static void expect_refused(const char *text, size_t len, const uint8_t pk[32])
{
    mc_checkpoint out, before;
    memset(&out, 0xa5, sizeof out);
    before = out;
    int rc = mc_checkpoint_verify(text, len, pk, &out);
    if (rc != MC_ERR_CHECKPOINT_INVALID && accepted++ < 8) {
        print_error("%s at byte %zu (0x%02x): got %s for %zu bytes:\n%.*s\n", mutation, mutation_at,
                    text != NULL && mutation_at < len ? text[mutation_at] & 0xff : 0,
                    mc_err_name(rc), len, (int)len, text != NULL ? text : "");
    }
    if (rc != MC_ERR_OK) {
        assert_memory_equal(&out, &before, sizeof out);
    }
}

static void assert_none_accepted(void)
{
    if (accepted > 0) {
        print_error("%zu altered checkpoints verified\n", accepted);
        accepted = 0;
        fail();
    }
}

static void assert_refused(const char *text, size_t len, const uint8_t pk[32])
{
    expect_refused(text, len, pk);
    assert_none_accepted();
}

static void mutations_of(const char *text, size_t len, const uint8_t pk[32])
{
    char buf[TEXT_CAP];
    static const char inserted[] = "0\n =a+/-\r";
    for (size_t i = 0; i < len; i++) {
        mutation_at = i;
        mutation = "bit flip";
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(buf, text, len);
            buf[i] = (char)(buf[i] ^ (1 << bit));
            expect_refused(buf, len, pk);
        }
        mutation = "deletion";
        memcpy(buf, text, i);
        memcpy(buf + i, text + i + 1, len - i - 1);
        expect_refused(buf, len - 1, pk);
        mutation = "insertion";
        for (size_t c = 0; c < sizeof inserted - 1; c++) {
            memcpy(buf, text, i);
            buf[i] = inserted[c];
            memcpy(buf + i + 1, text + i, len - i);
            expect_refused(buf, len + 1, pk);
        }
    }
    mutation = "appended byte";
    mutation_at = len;
    for (unsigned c = 0; c < 256; c++) {
        memcpy(buf, text, len);
        buf[len] = (char)c;
        expect_refused(buf, len + 1, pk);
    }
    memcpy(buf, text, len);
    memset(buf + len, '\n', 600 - len);
    expect_refused(buf, 600, pk);
}

static void test_every_byte_matters(void **state)
{
    (void)state;
    key k;
    key_make(&k);
    mc_checkpoint cps[CASES];
    cases(cps);
    for (size_t i = 0; i < CASES; i++) {
        char text[MC_CHECKPOINT_TEXT_MAX];
        size_t len = 0;
        mc_checkpoint out;
        assert_int_equal(mc_checkpoint_sign(&cps[i], k.kp, text, &len), MC_ERR_OK);
        assert_int_equal(mc_checkpoint_verify(text, len, k.pk, &out), MC_ERR_OK);
        mutations_of(text, len, k.pk);
        mutation = "cut";
        for (size_t cut = 0; cut < len; cut++) {
            mutation_at = cut;
            expect_refused(text, cut, k.pk); /* every prefix */
        }
        expect_refused(NULL, 0, k.pk);
    }
    mc_keypair_free(k.kp);
    assert_none_accepted();
}

/* Base64 is ASCII: a byte >= 0x80 in place of a character of the root or
 * of the signature is another text, not another spelling of the same one. */
static void test_base64_is_ascii(void **state)
{
    (void)state;
    key k;
    key_make(&k);
    mc_checkpoint cp, out;
    random_checkpoint(&cp);
    memset(cp.root, 0xff, sizeof cp.root); /* the root line is all '/' */
    char text[MC_CHECKPOINT_TEXT_MAX], bad[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    const char *sig = NULL;
    for (cp.time = 0; sig == NULL || strchr(sig, '/') == NULL; cp.time++) {
        assert_int_equal(mc_checkpoint_sign(&cp, k.kp, text, &len), MC_ERR_OK);
        sig = strstr(text, DASH " mcnode ") + strlen(DASH " mcnode ");
    }
    static const unsigned high[] = {0x80, 0xaf, 0xc1, 0xff};
    mutation = "high byte";
    for (size_t i = 0; i < len; i++) {
        for (size_t h = 0; h < sizeof high / sizeof high[0] && text[i] == '/'; h++) {
            memcpy(bad, text, len);
            bad[i] = (char)high[h];
            mutation_at = i;
            expect_refused(bad, len, k.pk);
            if (text + i < sig && mc_checkpoint_parse(bad, len, &out) == MC_ERR_OK &&
                accepted++ < 8) {
                print_error("the root line parses with 0x%02x at byte %zu\n", high[h], i);
            }
        }
    }
    mc_keypair_free(k.kp);
    assert_none_accepted();
}

static void test_other_key(void **state)
{
    (void)state;
    key k, other;
    key_make(&k);
    key_make(&other);
    mc_checkpoint cp, out;
    random_checkpoint(&cp);
    char text[MC_CHECKPOINT_TEXT_MAX], body[TEXT_CAP], forged[TEXT_CAP];
    size_t len = 0;
    assert_int_equal(mc_checkpoint_sign(&cp, other.kp, text, &len), MC_ERR_OK);
    assert_int_equal(mc_checkpoint_verify(text, len, other.pk, &out), MC_ERR_OK);
    assert_refused(text, len, k.pk);
    assert_int_equal(mc_checkpoint_parse(text, len, &out), MC_ERR_OK); /* parse: no key */
    /* Another key's signature under this key's id: the signature is checked. */
    lines ls;
    lines_of(&cp, &ls);
    body_of(&ls, body);
    len = note_sign(&other, k.pk, cp.ledger_id, body, forged);
    assert_refused(forged, len, k.pk);
    assert_refused(forged, len, other.pk);
    assert_int_equal(mc_checkpoint_parse(forged, len, &out), MC_ERR_OK);
    mc_keypair_free(k.kp);
    mc_keypair_free(other.kp);
}

/* Body lines replaced, by line (0..3): "%s" stands for the canonical
 * line's content after its keyword; the text is signed properly. */
static const char *const refused_lines[4][16] = {
    {"MC ledger %s", "mc ledger  %s", "mc ledger %s0", "mc ledger %.63s", "mc ledger %.63sg",
     "mc ledger %s ", "mc-ledger %s", " mc ledger %s"},
    {"0%s", "+%s", "-%s", " %s", "%s ", "00", "", "18446744073709551616", "99999999999999999999",
     "000000000000000000001", "0x10", "1e3", "184467440737095516150"},
    {"%.43s", "%s=", "%s ", " %s",
     "%.42s==", "%.40s====", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", /* 31 bytes */
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",                         /* 33 bytes */
     "//////////////////////////////////////////9=",  /* non-canonical last bits */
     "__________________________________________8="}, /* URL-safe alphabet */
    {"time -1", "time -0", "time +5", "time 01", "time  5", "time", "time ", "Time 5", "time 5 ",
     "time\t5", "time=5", "time 9223372036854775808", "time 18446744073709551615",
     "time 18446744073709551616"},
};

static const char *const accepted_lines[4][4] = {
    {"mc ledger %s"},
    {"0", "18446744073709551615", "9223372036854775808"},
    {"//////////////////////////////////////////8="},
    {"time 0", "time 9223372036854775807"},
};

/* Sign the canonical lines with line `line` replaced by `text`. */
static size_t sign_variant(const key *k, const mc_checkpoint *cp, unsigned line, const char *text,
                           char out[TEXT_CAP])
{
    lines ls;
    char canonical[LINE_CAP], body[TEXT_CAP];
    lines_of(cp, &ls);
    static const size_t keyword[4] = {10, 0, 0, 5};
    snprintf(canonical, sizeof canonical, "%s", ls.l[line] + keyword[line]);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(ls.l[line], LINE_CAP, text, canonical);
#pragma GCC diagnostic pop
    body_of(&ls, body);
    return note_sign(k, NULL, cp->ledger_id, body, out);
}

static void assert_not_parsed(const char *text, size_t len, const uint8_t pk[32])
{
    mc_checkpoint out;
    assert_int_equal(mc_checkpoint_parse(text, len, &out), MC_ERR_CHECKPOINT_INVALID);
    assert_refused(text, len, pk);
}

static void test_only_canonical_lines(void **state)
{
    (void)state;
    key k;
    key_make(&k);
    mc_checkpoint cp, out;
    random_checkpoint(&cp);
    cp.ledger_id[0] = 0xab; /* letters in the hex, whatever the seed */
    char text[TEXT_CAP];
    size_t len = 0;
    for (unsigned line = 0; line < 4; line++) {
        for (size_t i = 0; i < 16 && refused_lines[line][i] != NULL; i++) {
            len = sign_variant(&k, &cp, line, refused_lines[line][i], text);
            assert_not_parsed(text, len, k.pk);
        }
        for (size_t i = 0; i < 4 && accepted_lines[line][i] != NULL; i++) {
            len = sign_variant(&k, &cp, line, accepted_lines[line][i], text);
            assert_int_equal(mc_checkpoint_verify(text, len, k.pk, &out), MC_ERR_OK);
        }
    }
    /* Upper-case hex names the same ledger id, in a second spelling. */
    lines ls;
    char body[TEXT_CAP];
    lines_of(&cp, &ls);
    for (size_t i = 10; i < 74; i++) {
        ls.l[0][i] = (char)toupper((unsigned char)ls.l[0][i]);
    }
    body_of(&ls, body);
    len = note_sign(&k, NULL, cp.ledger_id, body, text);
    assert_not_parsed(text, len, k.pk);
    mc_keypair_free(k.kp);
}

/* Replace every `from` in `in` by `to`. */
static size_t replace_all(const char *in, const char *from, const char *to, char out[TEXT_CAP])
{
    size_t n = 0, from_len = strlen(from), to_len = strlen(to);
    for (const char *p = in; *p != '\0';) {
        assert_true(n + to_len < TEXT_CAP);
        if (strncmp(p, from, from_len) == 0) {
            memcpy(out + n, to, to_len);
            n += to_len;
            p += from_len;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return n;
}

static void test_only_canonical_text(void **state)
{
    (void)state;
    key k;
    key_make(&k);
    mc_checkpoint cp;
    random_checkpoint(&cp);
    char text[MC_CHECKPOINT_TEXT_MAX], bad[TEXT_CAP];
    size_t len = 0;
    assert_int_equal(mc_checkpoint_sign(&cp, k.kp, text, &len), MC_ERR_OK);
    static const char *const swaps[][2] = {
        {"\n", "\r\n"}, /* CRLF */
        {"\n\n", "\n"}, /* no blank line */
        {"\n\n", "\n\n\n"},
        {"\n\n", "\n \n"},
        {"\n" DASH, "\n\n" DASH},
        {DASH " mcnode ", "- mcnode "},
        {DASH " mcnode ", DASH " mcnodf "},
        {DASH " mcnode ", DASH " mcnode  "},
        {DASH " mcnode ", DASH "mcnode "},
        {DASH " mcnode ", DASH " mcnode\t"},
        {DASH, "\xe2\x80\x93"}, /* en dash */
        {"=\n", "\n"},          /* no base64 padding */
    };
    for (size_t i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
        size_t n = replace_all(text, swaps[i][0], swaps[i][1], bad);
        assert_true(n != len || memcmp(bad, text, len) != 0);
        assert_not_parsed(bad, n, k.pk);
    }
    static const char *const tails[] = {"x", "\n", " ", "\0", "\n" DASH " mcnode AAAA\n"};
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t tail = tails[i][0] != '\0' ? strlen(tails[i]) : 1;
        memcpy(bad, text, len);
        memcpy(bad + len, tails[i], tail);
        assert_not_parsed(bad, len + tail, k.pk); /* trailing garbage */
    }
    assert_not_parsed(text, len - 1, k.pk); /* no final newline */
    memcpy(bad, "\n", 1);
    memcpy(bad + 1, text, len);
    assert_not_parsed(bad, len + 1, k.pk);
    mc_keypair_free(k.kp);
}

int main(void)
{
    uint64_t seed = (uint64_t)time(NULL);
    const char *env = getenv("MC_CHECKPOINT_SEED");
    if (env != NULL && *env != '\0') {
        seed = strtoull(env, NULL, 10);
    }
    printf("checkpoint test seed: %" PRIu64 " (replay with MC_CHECKPOINT_SEED=%" PRIu64 ")\n", seed,
           seed);
    rng = seed;
    if (sodium_init() < 0) {
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_round_trip), cmocka_unit_test(test_every_byte_matters),
        cmocka_unit_test(test_base64_is_ascii),       cmocka_unit_test(test_other_key),
        cmocka_unit_test(test_only_canonical_lines),  cmocka_unit_test(test_only_canonical_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
