/* The error table of mc/error.h: every code has a distinct SNAKE_CASE name and
 * a non-empty message, names round-trip through mc_err_from_name, the values
 * that the wire and the documentation pin down are the documented ones, and a
 * value outside the table is "UNKNOWN". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "mc/error.h"

typedef struct err_row {
    int value;
    const char *name; /* the enumerator without MC_ERR_ */
} err_row;

/* The table as the header spells it, so the test sees every code. */
static const err_row rows[] = {
#define ROW(name, value, message) {MC_ERR_##name, #name},
    MC_ERROR_TABLE(ROW)
#undef ROW
};

#define ROW_COUNT (sizeof rows / sizeof rows[0])

static bool is_snake_case(const char *s)
{
    if (s[0] < 'A' || s[0] > 'Z') {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        bool ok = (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
        if (!ok) {
            return false;
        }
        if (*p == '_' && (p[1] == '_' || p[1] == '\0')) {
            return false;
        }
    }
    return true;
}

static void test_table_has_every_code(void **state)
{
    (void)state;
    /* The table is append-only: values 0..58 exist today, none is skipped. */
    assert_true(ROW_COUNT >= 59);
    for (size_t i = 0; i < ROW_COUNT; i++) {
        assert_int_equal(rows[i].value, (int)i);
    }
}

static void test_names_are_distinct_snake_case(void **state)
{
    (void)state;
    for (size_t i = 0; i < ROW_COUNT; i++) {
        const char *name = mc_err_name(rows[i].value);
        assert_non_null(name);
        assert_string_equal(name, rows[i].name);
        assert_true(is_snake_case(name));
        assert_string_not_equal(name, "UNKNOWN");
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(name, mc_err_name(rows[j].value));
        }
    }
}

static void test_messages_are_non_empty(void **state)
{
    (void)state;
    for (size_t i = 0; i < ROW_COUNT; i++) {
        const char *message = mc_strerror(rows[i].value);
        assert_non_null(message);
        assert_true(strlen(message) > 0);
        assert_string_not_equal(message, "unknown error");
    }
    assert_string_equal(mc_strerror(MC_ERR_OK), "ok");
    assert_string_equal(mc_strerror(MC_ERR_INVALID_ARGUMENT), "invalid argument");
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < ROW_COUNT; i++) {
        assert_int_equal(mc_err_from_name(mc_err_name(rows[i].value)), rows[i].value);
        assert_true(mc_err_is_known(rows[i].value));
    }
    assert_int_equal(mc_err_from_name("EXCEEDS_CREDIT_LIMIT"), 16);
    assert_int_equal(mc_err_from_name("UNKNOWN"), -1);
    assert_int_equal(mc_err_from_name("exceeds_credit_limit"), -1);
    assert_int_equal(mc_err_from_name("OK "), -1);
    assert_int_equal(mc_err_from_name(""), -1);
    assert_int_equal(mc_err_from_name(NULL), -1);
}

static void test_documented_values(void **state)
{
    (void)state;
    assert_int_equal(MC_ERR_OK, 0);
    assert_int_equal(MC_ERR_MALFORMED, 1);
    assert_int_equal(MC_ERR_EXCEEDS_CREDIT_LIMIT, 16);
    assert_int_equal(MC_ERR_EXCEEDS_CEILING, 17);
    assert_int_equal(MC_ERR_STORAGE_IO, 26);
    assert_string_equal(mc_err_name(0), "OK");
    assert_string_equal(mc_err_name(1), "MALFORMED");
    assert_string_equal(mc_err_name(16), "EXCEEDS_CREDIT_LIMIT");
    assert_string_equal(mc_err_name(17), "EXCEEDS_CEILING");
    assert_string_equal(mc_err_name(26), "STORAGE_IO");
    /* The protocol's own codes (docs/protocol.md). */
    assert_int_equal(MC_ERR_UNSUPPORTED, 46);
    assert_int_equal(MC_ERR_OVERLOADED, 47);
    assert_int_equal(MC_ERR_FRAME_TOO_LARGE, 48);
    assert_int_equal(MC_ERR_AUTH_REQUIRED, 49);
    assert_int_equal(MC_ERR_FORBIDDEN, 50);
    assert_int_equal(MC_ERR_AUTH_FAILED, 51);
    assert_int_equal(MC_ERR_SHUTTING_DOWN, 52);
    assert_int_equal(MC_ERR_TIMEOUT, 53);
    assert_int_equal(MC_ERR_UNREACHABLE, 54);
    assert_int_equal(MC_ERR_PROTOCOL, 55);
    assert_int_equal(MC_ERR_REQUEST_CLOSED, 56);
    assert_int_equal(MC_ERR_REQUEST_MISMATCH, 57);
    assert_int_equal(MC_ERR_WRONG_PASSPHRASE, 58);
}

static void test_unknown_values(void **state)
{
    (void)state;
    const int unknown[] = {-1,    (int)ROW_COUNT, (int)ROW_COUNT + 1, 1000,
                           -1000, INT32_MIN,      INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_string_equal(mc_err_name(unknown[i]), "UNKNOWN");
        assert_string_equal(mc_strerror(unknown[i]), "unknown error");
        assert_false(mc_err_is_known(unknown[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_has_every_code),
        cmocka_unit_test(test_names_are_distinct_snake_case),
        cmocka_unit_test(test_messages_are_non_empty),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_documented_values),
        cmocka_unit_test(test_unknown_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
