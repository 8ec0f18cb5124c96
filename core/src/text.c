/* Handle and UTF-8 validation (see mc/text.h). */
#include "mc/text.h"

bool mc_handle_is_valid(const uint8_t *handle, size_t len)
{
    if (handle == NULL || len < MC_HANDLE_LEN_MIN || len > MC_HANDLE_LEN_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = handle[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Length of the sequence starting with lead byte `c` and the bounds of its
 * second byte (RFC 3629, table 3-7 of Unicode), or 0 for an invalid lead. */
static size_t utf8_lead(uint8_t c, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        *lo = c == 0xE0 ? 0xA0 : 0x80;
        *hi = c == 0xED ? 0x9F : 0xBF;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        *lo = c == 0xF0 ? 0x90 : 0x80;
        *hi = c == 0xF4 ? 0x8F : 0xBF;
        return 4;
    }
    return 0;
}

bool mc_utf8_is_valid(const uint8_t *text, size_t len)
{
    if (text == NULL) {
        return len == 0;
    }
    size_t i = 0;
    while (i < len) {
        uint8_t c = text[i];
        if (c == 0) {
            return false;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        uint8_t lo, hi;
        size_t n = utf8_lead(c, &lo, &hi);
        if (n == 0 || len - i < n) {
            return false;
        }
        if (text[i + 1] < lo || text[i + 1] > hi) {
            return false;
        }
        for (size_t k = 2; k < n; k++) {
            if (text[i + k] < 0x80 || text[i + k] > 0xBF) {
                return false;
            }
        }
        i += n;
    }
    return true;
}
