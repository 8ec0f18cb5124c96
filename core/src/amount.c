/* Text form of amounts and overflow-checked arithmetic (see mc/amount.h).
 * Parsing accumulates negatively so that INT64_MIN parses exactly. */
#include <stdbool.h>
#include <stdio.h>

#include "mc/amount.h"
#include "mc/error.h"

int mc_amount_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        return MC_ERR_AMOUNT_OVERFLOW;
    }
    *out = r;
    return MC_ERR_OK;
}

int mc_amount_sub(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) {
        return MC_ERR_AMOUNT_OVERFLOW;
    }
    *out = r;
    return MC_ERR_OK;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* acc = acc * 10 - digit, in the negative range. */
static int push_digit(int64_t *acc, int digit)
{
    int64_t r;
    if (__builtin_mul_overflow(*acc, 10, &r) || __builtin_sub_overflow(r, digit, &r)) {
        return MC_ERR_AMOUNT_OVERFLOW;
    }
    *acc = r;
    return MC_ERR_OK;
}

int mc_amount_parse(const char *text, unsigned decimals, int64_t *out)
{
    if (text == NULL || decimals > MC_DECIMALS_MAX) {
        return MC_ERR_AMOUNT_SYNTAX;
    }
    const char *p = text;
    bool negative = (*p == '-');
    if (negative) {
        p++;
    }
    if (!is_digit(*p)) {
        return MC_ERR_AMOUNT_SYNTAX;
    }
    int64_t acc = 0; /* minus the magnitude */
    bool overflow = false;
    for (; is_digit(*p); p++) {
        overflow = overflow || push_digit(&acc, *p - '0') != MC_ERR_OK;
    }
    unsigned frac = 0;
    if (*p == '.') {
        p++;
        if (!is_digit(*p)) {
            return MC_ERR_AMOUNT_SYNTAX;
        }
        for (; is_digit(*p); p++, frac++) {
            if (frac >= decimals) {
                return MC_ERR_AMOUNT_SYNTAX;
            }
            overflow = overflow || push_digit(&acc, *p - '0') != MC_ERR_OK;
        }
    }
    if (*p != '\0') {
        return MC_ERR_AMOUNT_SYNTAX;
    }
    for (; frac < decimals; frac++) {
        overflow = overflow || push_digit(&acc, 0) != MC_ERR_OK;
    }
    if (overflow || (!negative && acc == INT64_MIN)) {
        return MC_ERR_AMOUNT_OVERFLOW;
    }
    *out = negative ? acc : -acc;
    return MC_ERR_OK;
}

int mc_amount_format(int64_t amount, unsigned decimals, char *buf, size_t len)
{
    if (buf == NULL || decimals > MC_DECIMALS_MAX) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    /* Magnitude as unsigned so INT64_MIN has one. */
    uint64_t mag = amount < 0 ? (uint64_t)0 - (uint64_t)amount : (uint64_t)amount;
    uint64_t scale = 1;
    for (unsigned i = 0; i < decimals; i++) {
        scale *= 10;
    }
    int n;
    if (decimals == 0) {
        n = snprintf(buf, len, "%s%llu", amount < 0 ? "-" : "", (unsigned long long)mag);
    } else {
        n = snprintf(buf, len, "%s%llu.%0*llu", amount < 0 ? "-" : "",
                     (unsigned long long)(mag / scale), (int)decimals,
                     (unsigned long long)(mag % scale));
    }
    if (n < 0 || (size_t)n >= len) {
        if (len > 0) {
            buf[0] = '\0';
        }
        return MC_ERR_INVALID_ARGUMENT;
    }
    return MC_ERR_OK;
}
