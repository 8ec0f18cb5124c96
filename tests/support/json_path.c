/* JSON paths for tests (see json_path.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_path.h"

json_t *mc_test_json_at(json_t *doc, const char *path)
{
    char key[MC_TEST_JSON_KEY_MAX];
    const char *p = path;
    while (doc != NULL && *p != '\0') {
        size_t n = strcspn(p, ".");
        assert_true(n < sizeof key);
        memcpy(key, p, n);
        key[n] = '\0';
        doc = json_is_array(doc) ? json_array_get(doc, strtoul(key, NULL, 10))
                                 : json_object_get(doc, key);
        p += n + (p[n] == '.');
    }
    return doc;
}

void mc_test_json_fail(json_t *doc, const char *path, const char *what)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    fprintf(stderr, "%s is not %s in:\n%s\n", path, what, text != NULL ? text : "?");
    free(text);
    fail();
}

const char *mc_test_json_string(json_t *doc, const char *path)
{
    json_t *v = mc_test_json_at(doc, path);
    if (!json_is_string(v)) {
        mc_test_json_fail(doc, path, "a string");
    }
    return json_string_value(v);
}

int64_t mc_test_json_int(json_t *doc, const char *path)
{
    json_t *v = mc_test_json_at(doc, path);
    if (!json_is_integer(v)) {
        mc_test_json_fail(doc, path, "an integer");
    }
    return (int64_t)json_integer_value(v);
}

bool mc_test_json_bool(json_t *doc, const char *path)
{
    json_t *v = mc_test_json_at(doc, path);
    if (!json_is_boolean(v)) {
        mc_test_json_fail(doc, path, "a boolean");
    }
    return json_is_true(v);
}

size_t mc_test_json_array_size(json_t *doc, const char *path)
{
    json_t *v = mc_test_json_at(doc, path);
    if (!json_is_array(v)) {
        mc_test_json_fail(doc, path, "an array");
    }
    return json_array_size(v);
}

void mc_test_json_assert_error(json_t *answer, const char *name)
{
    if (strcmp(mc_test_json_string(answer, "error.name"), name) != 0) {
        mc_test_json_fail(answer, "error.name", name);
    }
}
