/* Amounts (mc/amount.h): the text grammar accepted and refused by
 * mc_amount_parse, exact printing by mc_amount_format, the int64_t edges in
 * both directions, a parse(format(x)) == x property over random values and
 * every number of decimals, and the overflow checks of add and sub. Every
 * refusal also checks that the out-parameter was left untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mc/amount.h"
#include "mc/error.h"

/* Written into out-parameters before a call that must fail. */
#define SENTINEL ((int64_t)0x5a5a5a5a5a5a5a5a)

#define RANDOM_ROUNDS 4000u

static int64_t parsed(const char *text, unsigned decimals)
{
    int64_t out = SENTINEL;
    int rc = mc_amount_parse(text, decimals, &out);
    if (rc != MC_ERR_OK) {
        print_error("parse \"%s\" at %u decimals: %s\n", text, decimals, mc_err_name(rc));
    }
    assert_int_equal(rc, MC_ERR_OK);
    return out;
}

static void assert_refused(const char *text, unsigned decimals, int code)
{
    int64_t out = SENTINEL;
    int rc = mc_amount_parse(text, decimals, &out);
    if (rc != code) {
        print_error("parse \"%s\" at %u decimals: got %s, want %s\n",
                    text != NULL ? text : "(null)", decimals, mc_err_name(rc), mc_err_name(code));
    }
    assert_int_equal(rc, code);
    assert_true(out == SENTINEL);
}

static void assert_formats(int64_t amount, unsigned decimals, const char *want)
{
    char buf[MC_AMOUNT_TEXT_MAX];
    assert_int_equal(mc_amount_format(amount, decimals, buf, sizeof buf), MC_ERR_OK);
    assert_string_equal(buf, want);
}

static void test_parse_accepts(void **state)
{
    (void)state;
    assert_true(parsed("-12.5", 2) == -1250);
    assert_true(parsed("3", 2) == 300);
    assert_true(parsed("0.07", 2) == 7);
    assert_true(parsed("-0.07", 2) == -7);
    assert_true(parsed("12.34", 2) == 1234);
    assert_true(parsed("12.3", 2) == 1230);
    assert_true(parsed("0", 2) == 0);
    assert_true(parsed("-0", 2) == 0);
    assert_true(parsed("007", 0) == 7);
    assert_true(parsed("42", 0) == 42);
    assert_true(parsed("-42", 0) == -42);
    assert_true(parsed("0.000000001", 9) == 1);
    assert_true(parsed("1", 9) == 1000000000);
}

static void test_parse_refuses_syntax(void **state)
{
    (void)state;
    static const char *const junk[] = {
        "12.345", "1e3", "",         "-",   "+1",  " 1",   "1 ",  ".5",    "5.",    "1.2.3",
        "0x10",   "--1", "-.5",      "1,5", "a",   "1a",   "\t1", "1\n",   "-+1",   "1.-5",
        "1..5",   "1.a", "\xd9\xa3", "NaN", "inf", "1.2 ", "- 1", "1_000", "1.2e1", "12.3.",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        assert_refused(junk[i], 2, MC_ERR_AMOUNT_SYNTAX);
    }
    assert_refused("4.2", 0, MC_ERR_AMOUNT_SYNTAX);
    assert_refused("4.", 0, MC_ERR_AMOUNT_SYNTAX);
    assert_refused("0.0000000001", 9, MC_ERR_AMOUNT_SYNTAX);
    /* More decimals than the format allows at all. */
    assert_refused("1", MC_DECIMALS_MAX + 1, MC_ERR_AMOUNT_SYNTAX);
    assert_refused(NULL, 2, MC_ERR_AMOUNT_SYNTAX);
}

static void test_parse_int64_edges(void **state)
{
    (void)state;
    assert_true(parsed("9223372036854775807", 0) == INT64_MAX);
    assert_true(parsed("-9223372036854775808", 0) == INT64_MIN);
    assert_true(parsed("92233720368547758.07", 2) == INT64_MAX);
    assert_true(parsed("-92233720368547758.08", 2) == INT64_MIN);
    assert_true(parsed("9223372036.854775807", 9) == INT64_MAX);
    assert_true(parsed("-9223372036.854775808", 9) == INT64_MIN);
    /* One more in either direction. */
    assert_refused("9223372036854775808", 0, MC_ERR_AMOUNT_OVERFLOW);
    assert_refused("-9223372036854775809", 0, MC_ERR_AMOUNT_OVERFLOW);
    assert_refused("92233720368547758.08", 2, MC_ERR_AMOUNT_OVERFLOW);
    assert_refused("-92233720368547758.09", 2, MC_ERR_AMOUNT_OVERFLOW);
    /* In range as text, out of range once scaled. */
    assert_refused("92233720368547759", 2, MC_ERR_AMOUNT_OVERFLOW);
    assert_refused("99999999999999999999999999999", 0, MC_ERR_AMOUNT_OVERFLOW);
    assert_refused("-99999999999999999999999999999", 0, MC_ERR_AMOUNT_OVERFLOW);
}

static void test_format_exact(void **state)
{
    (void)state;
    assert_formats(-1250, 2, "-12.50");
    assert_formats(7, 2, "0.07");
    assert_formats(-7, 2, "-0.07");
    assert_formats(300, 0, "300");
    assert_formats(300, 2, "3.00");
    assert_formats(0, 0, "0");
    assert_formats(0, 2, "0.00");
    assert_formats(-1, 0, "-1");
    assert_formats(1, 9, "0.000000001");
    assert_formats(INT64_MAX, 0, "9223372036854775807");
    assert_formats(INT64_MIN, 0, "-9223372036854775808");
    assert_formats(INT64_MAX, 2, "92233720368547758.07");
    assert_formats(INT64_MIN, 2, "-92233720368547758.08");
    assert_formats(INT64_MIN, 9, "-9223372036.854775808");
}

static void test_format_refuses(void **state)
{
    (void)state;
    char buf[MC_AMOUNT_TEXT_MAX];
    /* "-12.50" needs 7 bytes with its NUL. */
    memset(buf, 'x', sizeof buf);
    assert_int_equal(mc_amount_format(-1250, 2, buf, 6), MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(mc_amount_format(-1250, 2, buf, 7), MC_ERR_OK);
    assert_string_equal(buf, "-12.50");
    assert_int_equal(mc_amount_format(5, 0, buf, 1), MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_amount_format(5, 0, buf, 0), MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_amount_format(5, 0, NULL, 10), MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_amount_format(5, MC_DECIMALS_MAX + 1, buf, sizeof buf),
                     MC_ERR_INVALID_ARGUMENT);
}

/* splitmix64: a fixed sequence, so a failure reproduces. */
static uint64_t next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The number of fractional digits of `text`. */
static unsigned fraction_digits(const char *text)
{
    const char *point = strchr(text, '.');
    return point == NULL ? 0u : (unsigned)strlen(point + 1);
}

static void test_round_trip_random(void **state)
{
    (void)state;
    uint64_t seed = 8032;
    for (unsigned i = 0; i < RANDOM_ROUNDS; i++) {
        uint64_t bits = next_random(&seed);
        /* Spread the magnitudes over 0..63 bits; the low bit picks the sign. */
        int64_t magnitude = (int64_t)((bits >> 1) >> (next_random(&seed) % 64u));
        int64_t amount = (bits & 1u) ? -magnitude - 1 : magnitude;
        unsigned decimals = i % (MC_DECIMALS_MAX + 1);
        char buf[MC_AMOUNT_TEXT_MAX];
        assert_int_equal(mc_amount_format(amount, decimals, buf, sizeof buf), MC_ERR_OK);
        assert_int_equal(fraction_digits(buf), decimals);
        assert_true(parsed(buf, decimals) == amount);
    }
    for (unsigned decimals = 0; decimals <= MC_DECIMALS_MAX; decimals++) {
        const int64_t edges[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX - 1, INT64_MAX};
        for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
            char buf[MC_AMOUNT_TEXT_MAX];
            assert_int_equal(mc_amount_format(edges[i], decimals, buf, sizeof buf), MC_ERR_OK);
            assert_true(parsed(buf, decimals) == edges[i]);
        }
    }
}

static void test_add_sub(void **state)
{
    (void)state;
    int64_t out = 0;
    assert_int_equal(mc_amount_add(2, 3, &out), MC_ERR_OK);
    assert_true(out == 5);
    assert_int_equal(mc_amount_add(INT64_MAX, INT64_MIN, &out), MC_ERR_OK);
    assert_true(out == -1);
    assert_int_equal(mc_amount_add(INT64_MAX - 1, 1, &out), MC_ERR_OK);
    assert_true(out == INT64_MAX);
    assert_int_equal(mc_amount_sub(2, 3, &out), MC_ERR_OK);
    assert_true(out == -1);
    assert_int_equal(mc_amount_sub(-1, INT64_MIN, &out), MC_ERR_OK);
    assert_true(out == INT64_MAX);
    assert_int_equal(mc_amount_sub(INT64_MIN + 1, 1, &out), MC_ERR_OK);
    assert_true(out == INT64_MIN);

    out = SENTINEL;
    assert_int_equal(mc_amount_add(INT64_MAX, 1, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_int_equal(mc_amount_add(INT64_MIN, -1, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_int_equal(mc_amount_add(INT64_MAX, INT64_MAX, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_int_equal(mc_amount_add(INT64_MIN, INT64_MIN, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_int_equal(mc_amount_sub(INT64_MIN, 1, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_int_equal(mc_amount_sub(INT64_MAX, -1, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_int_equal(mc_amount_sub(0, INT64_MIN, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_int_equal(mc_amount_sub(INT64_MAX, INT64_MIN, &out), MC_ERR_AMOUNT_OVERFLOW);
    assert_true(out == SENTINEL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),     cmocka_unit_test(test_parse_refuses_syntax),
        cmocka_unit_test(test_parse_int64_edges), cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_format_refuses),    cmocka_unit_test(test_round_trip_random),
        cmocka_unit_test(test_add_sub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
