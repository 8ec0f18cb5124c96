/* Amounts: int64_t minor units of the ledger's unit, never floating point.
 * One function pair parses and prints the text form ("-12.50") with the
 * ledger's number of decimals; every sum goes through a checked helper. */
#ifndef MC_AMOUNT_H
#define MC_AMOUNT_H

#include <stddef.h>
#include <stdint.h>

#define MC_DECIMALS_MAX 9u
/* Longest text form: sign, 19 digits, point, NUL. */
#define MC_AMOUNT_TEXT_MAX 24u

/* Parse `text` (`-?[0-9]+(\.[0-9]+)?`, at most `decimals` fractional digits,
 * no spaces, no exponent, no leading '+') into minor units.
 * "-12.5" at 2 decimals is -1250. Returns MC_ERR_OK, MC_ERR_AMOUNT_SYNTAX
 * (junk, too many decimals, decimals > MC_DECIMALS_MAX) or
 * MC_ERR_AMOUNT_OVERFLOW (out of int64_t range). `*out` is untouched on
 * failure. */
int mc_amount_parse(const char *text, unsigned decimals, int64_t *out);

/* Print `amount` with exactly `decimals` fractional digits ("-12.50", "3",
 * "0.07") into `buf` of `len` bytes, NUL-terminated. Returns MC_ERR_OK, or
 * MC_ERR_INVALID_ARGUMENT when `len` is too small (MC_AMOUNT_TEXT_MAX always
 * suffices) or decimals > MC_DECIMALS_MAX. */
int mc_amount_format(int64_t amount, unsigned decimals, char *buf, size_t len);

/* *out = a + b, or MC_ERR_AMOUNT_OVERFLOW with *out untouched. */
int mc_amount_add(int64_t a, int64_t b, int64_t *out);

/* *out = a - b, or MC_ERR_AMOUNT_OVERFLOW with *out untouched. */
int mc_amount_sub(int64_t a, int64_t b, int64_t *out);

#endif
