/* Validation of the text users choose: handles and memos. */
#ifndef MC_TEXT_H
#define MC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_HANDLE_LEN_MIN 2u
#define MC_HANDLE_LEN_MAX 32u
#define MC_MEMO_LEN_MAX 140u

/* True when `handle` (`len` bytes, no NUL needed) matches [a-z0-9_.-]{2,32}. */
bool mc_handle_is_valid(const uint8_t *handle, size_t len);

/* True when the `len` bytes are well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). NUL bytes are refused. */
bool mc_utf8_is_valid(const uint8_t *text, size_t len);

#endif
