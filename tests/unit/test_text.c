/* Text validation (mc/text.h) and the names of account kinds and statuses
 * (mc/types.h). Handles: named cases, then every byte value in a handle.
 * UTF-8: named valid and invalid sequences around every boundary of RFC 3629,
 * then every 1-, 2- and 3-byte input and a sweep of 4-byte inputs compared
 * against a plain decoding reference written here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "mc/text.h"
#include "mc/types.h"

static bool handle_ok(const char *s)
{
    return mc_handle_is_valid((const uint8_t *)s, strlen(s));
}

static bool utf8_ok(const char *s, size_t len)
{
    return mc_utf8_is_valid((const uint8_t *)s, len);
}

/* For string literals: the length without the terminating NUL. */
#define UTF8_OK(lit) utf8_ok(lit, sizeof(lit) - 1)

static void test_handle_accepts(void **state)
{
    (void)state;
    assert_true(handle_ok("ab"));
    assert_true(handle_ok("alice"));
    assert_true(handle_ok("a_b.c-d"));
    assert_true(handle_ok("0123456789"));
    assert_true(handle_ok("__"));
    assert_true(handle_ok(".."));
    assert_true(handle_ok("--"));
    assert_true(handle_ok("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
    assert_int_equal(strlen("abcdefghijklmnopqrstuvwxyz012345"), MC_HANDLE_LEN_MAX);
}

static void test_handle_refuses(void **state)
{
    (void)state;
    assert_false(handle_ok("Alice"));
    assert_false(handle_ok("aLICE"));
    assert_false(handle_ok("al ice"));
    assert_false(handle_ok("alice@home"));
    assert_false(handle_ok("a"));                                 /* 1 */
    assert_false(handle_ok("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
    assert_false(handle_ok(""));
    assert_false(handle_ok("al/ice"));
    assert_false(handle_ok("caf\xc3\xa9"));
    assert_false(mc_handle_is_valid((const uint8_t *)"a\0b", 3));
    assert_false(mc_handle_is_valid(NULL, 0));
    assert_false(mc_handle_is_valid(NULL, 5));
    /* Only `len` bytes count: the prefix "ab" of a longer buffer is valid. */
    assert_true(mc_handle_is_valid((const uint8_t *)"ab@", 2));
}

static bool handle_byte_allowed(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static void test_handle_every_byte(void **state)
{
    (void)state;
    unsigned allowed = 0;
    for (unsigned c = 0; c < 256; c++) {
        const uint8_t lead[2] = {(uint8_t)c, 'a'};
        const uint8_t tail[2] = {'a', (uint8_t)c};
        assert_int_equal(mc_handle_is_valid(lead, 2), handle_byte_allowed(c));
        assert_int_equal(mc_handle_is_valid(tail, 2), handle_byte_allowed(c));
        allowed += handle_byte_allowed(c) ? 1u : 0u;
    }
    assert_int_equal(allowed, 26 + 10 + 3);
}

static void test_utf8_accepts(void **state)
{
    (void)state;
    assert_true(utf8_ok("", 0));
    assert_true(UTF8_OK("hello, world"));
    assert_true(UTF8_OK("\x01\x7f"));
    assert_true(UTF8_OK("\xc3\xa9"));         /* é U+00E9 */
    assert_true(UTF8_OK("\xe2\x82\xac"));     /* € U+20AC */
    assert_true(UTF8_OK("\xf0\x9f\x98\x80")); /* 😀 U+1F600 */
    assert_true(UTF8_OK("caf\xc3\xa9 \xe2\x82\xac 5 \xf0\x9f\x98\x80"));
    assert_true(UTF8_OK("\xc2\x80"));         /* U+0080 */
    assert_true(UTF8_OK("\xdf\xbf"));         /* U+07FF */
    assert_true(UTF8_OK("\xe0\xa0\x80"));     /* U+0800 */
    assert_true(UTF8_OK("\xed\x9f\xbf"));     /* U+D7FF */
    assert_true(UTF8_OK("\xee\x80\x80"));     /* U+E000 */
    assert_true(UTF8_OK("\xef\xbf\xbf"));     /* U+FFFF */
    assert_true(UTF8_OK("\xf0\x90\x80\x80")); /* U+10000 */
    assert_true(UTF8_OK("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
    assert_true(mc_utf8_is_valid(NULL, 0));
}

static void test_utf8_refuses(void **state)
{
    (void)state;
    assert_false(UTF8_OK("\xc0\x80"));         /* overlong NUL */
    assert_false(UTF8_OK("\xc1\xbf"));         /* overlong U+007F */
    assert_false(UTF8_OK("\xe0\x80\x80"));     /* overlong */
    assert_false(UTF8_OK("\xe0\x9f\xbf"));     /* overlong U+07FF */
    assert_false(UTF8_OK("\xf0\x80\x80\x80")); /* overlong */
    assert_false(UTF8_OK("\xf0\x8f\xbf\xbf")); /* overlong U+FFFF */
    assert_false(UTF8_OK("\xed\xa0\x80"));     /* surrogate U+D800 */
    assert_false(UTF8_OK("\xed\xbf\xbf"));     /* surrogate U+DFFF */
    assert_false(UTF8_OK("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(UTF8_OK("\x80"));             /* stray continuation */
    assert_false(UTF8_OK("a\xbf"));
    assert_false(UTF8_OK("\xc3")); /* truncated */
    assert_false(UTF8_OK("\xe2\x82"));
    assert_false(UTF8_OK("\xf0\x9f\x98"));
    assert_false(UTF8_OK("ab\xc3"));
    assert_false(UTF8_OK("\xc3\x41")); /* not a continuation */
    assert_false(UTF8_OK("\xe2\x41\xac"));
    assert_false(UTF8_OK("\xe2\x82\x41"));
    assert_false(UTF8_OK("\xf0\x9f\x98\x41"));
    assert_false(UTF8_OK("\xc3\xa9\xa9")); /* one continuation too many */
    assert_false(utf8_ok("\0", 1));        /* NUL */
    assert_false(utf8_ok("a\0b", 3));
    assert_false(utf8_ok("\xc3\xa9\0", 3));
    for (unsigned c = 0xf5; c <= 0xff; c++) {
        const uint8_t seq[4] = {(uint8_t)c, 0x80, 0x80, 0x80};
        assert_false(mc_utf8_is_valid(seq, 1));
        assert_false(mc_utf8_is_valid(seq, 4));
    }
    /* A truncated sequence at the end of `len`, whatever follows in memory. */
    assert_false(utf8_ok("\xe2\x82\xac", 2));
}

/* The reference: decode the code point, then judge it (shortest form, not a
 * surrogate, at most U+10FFFF), the way RFC 3629 section 3 states the rules. */
static bool reference_utf8_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c == 0) {
            return false;
        } else if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 2;
            cp = c & 0x1f;
            min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 3;
            cp = c & 0x0f;
            min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 4;
            cp = c & 0x07;
            min = 0x10000;
        } else {
            return false;
        }
        if (len - i < n) {
            return false;
        }
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (uint32_t)(s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n;
    }
    return true;
}

static void check_against_reference(const uint8_t *s, size_t len, unsigned long *valid)
{
    bool want = reference_utf8_valid(s, len);
    bool got = mc_utf8_is_valid(s, len);
    if (got != want) {
        print_error("utf8 %02x %02x %02x %02x (len %zu): got %d, want %d\n", s[0],
                    len > 1 ? s[1] : 0, len > 2 ? s[2] : 0, len > 3 ? s[3] : 0, len, got, want);
    }
    assert_int_equal(got, want);
    *valid += want ? 1u : 0u;
}

static void test_utf8_against_reference(void **state)
{
    (void)state;
    unsigned long valid = 0;
    uint8_t s[4];
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (uint8_t)a;
        check_against_reference(s, 1, &valid);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (uint8_t)b;
            check_against_reference(s, 2, &valid);
            for (unsigned c = 0; c < 256 && a >= 0x80; c++) {
                s[2] = (uint8_t)c;
                check_against_reference(s, 3, &valid);
            }
        }
    }
    /* 4-byte leads: every second byte, the edges of the continuation range
     * for the third and fourth. */
    static const uint8_t edges[] = {0x00, 0x41, 0x7f, 0x80, 0x81, 0xbe, 0xbf, 0xc0, 0xc3, 0xff};
    for (unsigned a = 0xf0; a < 256; a++) {
        s[0] = (uint8_t)a;
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (uint8_t)b;
            for (size_t c = 0; c < sizeof edges; c++) {
                s[2] = edges[c];
                for (size_t d = 0; d < sizeof edges; d++) {
                    s[3] = edges[d];
                    check_against_reference(s, 4, &valid);
                }
            }
        }
    }
    /* The sweep is not vacuous: it met exactly the valid inputs counted by
     * hand. 1 byte: U+0001..U+007F. 2 bytes: two such, or one of the 1920
     * two-byte code points. 3 bytes (lead >= 0x80): a two-byte code point and
     * an ASCII byte, or one of the 63488 - 2048 three-byte non-surrogates.
     * 4 bytes: 48 + 3 * 64 + 16 second bytes, times 4 * 4 continuation edges. */
    assert_int_equal(valid, 127u + (127u * 127u + 1920u) + (1920u * 127u + 61440u) +
                                (48u + 3u * 64u + 16u) * 16u);
}

static void test_account_kind_names(void **state)
{
    (void)state;
    assert_int_equal(MC_KIND_MEMBER, 1);
    assert_int_equal(MC_KIND_BUSINESS, 2);
    assert_int_equal(MC_KIND_COMMONS, 3);
    assert_int_equal(MC_KIND_SYSTEM, 4);
    assert_string_equal(mc_account_kind_name(MC_KIND_MEMBER), "member");
    assert_string_equal(mc_account_kind_name(MC_KIND_BUSINESS), "business");
    assert_string_equal(mc_account_kind_name(MC_KIND_COMMONS), "commons");
    assert_string_equal(mc_account_kind_name(MC_KIND_SYSTEM), "system");
    assert_null(mc_account_kind_name(0));
    assert_null(mc_account_kind_name(MC_KIND_COUNT + 1));
    assert_null(mc_account_kind_name(-1));
    for (int k = 1; k <= MC_KIND_COUNT; k++) {
        assert_int_equal(mc_account_kind_from_name(mc_account_kind_name(k)), k);
    }
    assert_int_equal(mc_account_kind_from_name("Member"), -1);
    assert_int_equal(mc_account_kind_from_name("members"), -1);
    assert_int_equal(mc_account_kind_from_name(""), -1);
    assert_int_equal(mc_account_kind_from_name(NULL), -1);
}

static void test_account_status_names(void **state)
{
    (void)state;
    assert_int_equal(MC_STATUS_ACTIVE, 1);
    assert_int_equal(MC_STATUS_FROZEN, 2);
    assert_int_equal(MC_STATUS_CLOSED, 3);
    assert_string_equal(mc_account_status_name(MC_STATUS_ACTIVE), "active");
    assert_string_equal(mc_account_status_name(MC_STATUS_FROZEN), "frozen");
    assert_string_equal(mc_account_status_name(MC_STATUS_CLOSED), "closed");
    assert_null(mc_account_status_name(0));
    assert_null(mc_account_status_name(4));
    assert_null(mc_account_status_name(-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handle_accepts),     cmocka_unit_test(test_handle_refuses),
        cmocka_unit_test(test_handle_every_byte),  cmocka_unit_test(test_utf8_accepts),
        cmocka_unit_test(test_utf8_refuses),       cmocka_unit_test(test_utf8_against_reference),
        cmocka_unit_test(test_account_kind_names), cmocka_unit_test(test_account_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
