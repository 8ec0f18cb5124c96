/* Reading JSON documents in tests (the wallet's --json answers, its key and
 * proposal files): a value by its path, "a.b.0.c" (a number indexes an
 * array), and typed readers that fail the running cmocka test, printing the
 * whole document, when the value is missing or of another type. Nothing
 * here takes a reference: returned values are borrowed from `doc`. */
#ifndef MC_TEST_JSON_PATH_H
#define MC_TEST_JSON_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MC_TEST_JSON_KEY_MAX 64u /* bytes of one step of a path, NUL included */

/* The value at `path` in `doc`, or NULL when there is none. */
json_t *mc_test_json_at(json_t *doc, const char *path);

/* The string, integer, boolean at `path`, or the size of the array there. */
const char *mc_test_json_string(json_t *doc, const char *path);
int64_t mc_test_json_int(json_t *doc, const char *path);
bool mc_test_json_bool(json_t *doc, const char *path);
size_t mc_test_json_array_size(json_t *doc, const char *path);

/* Fail the test: the value at `path` is not `what` ("a string", or the
 * expected value); prints `doc`. */
void mc_test_json_fail(json_t *doc, const char *path, const char *what);

/* Fail the test unless `answer`'s error.name is `name`. */
void mc_test_json_assert_error(json_t *answer, const char *name);

#endif
