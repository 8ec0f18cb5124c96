/* Running mcwallet and the other tools in integration tests (see
 * wallet_run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "json_path.h"
#include "mc/error.h"
#include "node_harness.h"
#include "wallet_run.h"

void mc_test_wallet_init(mc_test_wallet *w, size_t out_max, int timeout_ms)
{
    memset(w, 0, sizeof *w);
    w->out_max = out_max > 0 ? out_max : MC_TEST_WALLET_OUT_MAX;
    w->timeout_ms = timeout_ms > 0 ? timeout_ms : MC_TEST_WALLET_TIMEOUT_MS;
    w->out = calloc(1, w->out_max);
    assert_non_null(w->out);
    char *dir = mc_test_tmpdir();
    snprintf(w->root, sizeof w->root, "%s", dir);
    free(dir);
}

void mc_test_wallet_free(mc_test_wallet *w)
{
    json_decref(w->answer);
    w->answer = NULL;
    free(w->out);
    w->out = NULL;
    if (w->root[0] == '\0') {
        return;
    }
    const char *keep = getenv("MC_TEST_KEEP");
    if (keep != NULL && keep[0] == '1') {
        fprintf(stderr, "MC_TEST_KEEP: leaving the wallets and files in %s\n", w->root);
    } else {
        mc_test_rmtree(w->root);
    }
}

void mc_test_wallet_path(const mc_test_wallet *w, const char *name, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", w->root, name);
    assert_true(n > 0 && (size_t)n < len);
}

/* The program's name and its arguments, for messages. */
static void note_cmdline(mc_test_wallet *w, const char *const *argv)
{
    size_t len = 0;
    w->cmdline[0] = '\0';
    for (size_t i = 0; argv[i] != NULL && len < sizeof w->cmdline; i++) {
        const char *slash = i == 0 ? strrchr(argv[i], '/') : NULL;
        int n = snprintf(w->cmdline + len, sizeof w->cmdline - len, "%s%s", i > 0 ? " " : "",
                         slash != NULL ? slash + 1 : argv[i]);
        len += n > 0 ? (size_t)n : 0;
    }
}

int mc_test_wallet_exec(mc_test_wallet *w, const char *const *argv, const char *const *env)
{
    json_decref(w->answer);
    w->answer = NULL;
    note_cmdline(w, argv);
    w->status = mc_test_run(argv, env, w->out, w->out_max, w->timeout_ms);
    mc_test_check_sanitizers(w->cmdline, w->out);
    if (w->status < 0) {
        fprintf(stderr, "%s: ran past %d ms:\n%s\n", w->cmdline, w->timeout_ms, w->out);
        fail();
    }
    if (strlen(w->out) + 1 >= w->out_max) {
        fprintf(stderr, "%s: more output than the test's %zu bytes\n", w->cmdline, w->out_max);
        fail();
    }
    return w->status;
}

int mc_test_wallet_run_args(mc_test_wallet *w, const char *who, const char *const *env, bool json,
                            const char *const *args)
{
    const char *argv[MC_TEST_WALLET_ARGS_MAX + 1];
    char dir[MC_TEST_WALLET_PATH_MAX];
    size_t a = 0;
    mc_test_wallet_path(w, who, dir, sizeof dir);
    argv[a++] = mc_test_bin("MC_WALLET_BIN");
    if (w->node != NULL && w->node[0] != '\0') {
        argv[a++] = "--node";
        argv[a++] = w->node;
    }
    argv[a++] = "--wallet";
    argv[a++] = dir;
    if (json) {
        argv[a++] = "--json";
    }
    for (size_t i = 0; args[i] != NULL; i++) {
        assert_true(a < MC_TEST_WALLET_ARGS_MAX);
        argv[a++] = args[i];
    }
    argv[a] = NULL;
    return mc_test_wallet_exec(w, argv, env);
}

int mc_test_wallet_run_va(mc_test_wallet *w, const char *who, const char *const *env, bool json,
                          va_list ap)
{
    const char *args[MC_TEST_WALLET_ARGS_MAX + 1];
    size_t n = 0;
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        assert_true(n < MC_TEST_WALLET_ARGS_MAX);
        args[n++] = s;
    }
    args[n] = NULL;
    return mc_test_wallet_run_args(w, who, env, json, args);
}

int mc_test_wallet_run(mc_test_wallet *w, const char *who, ...)
{
    va_list ap;
    va_start(ap, who);
    int status = mc_test_wallet_run_va(w, who, NULL, false, ap);
    va_end(ap);
    return status;
}

void mc_test_wallet_expect(const mc_test_wallet *w, int expect, const char *text)
{
    if (w->status != expect || (text != NULL && strstr(w->out, text) == NULL)) {
        fprintf(stderr, "%s: exit %d (expected %d), output (expected to contain '%s'):\n%s\n",
                w->cmdline, w->status, expect, text != NULL ? text : "", w->out);
        fail();
    }
}

/* "ok" as the exit says; on a failure, an error with a code, its name and a
 * message. */
static void check_answer(json_t *answer, int expect)
{
    json_t *ok = json_object_get(answer, "ok");
    assert_true(json_is_boolean(ok));
    assert_int_equal(json_is_true(ok), expect == 0);
    json_t *error = json_object_get(answer, "error");
    if (expect == 0) {
        assert_null(error);
        return;
    }
    json_t *code = json_object_get(error, "code"), *name = json_object_get(error, "name");
    assert_true(json_is_integer(code) && json_is_string(name));
    assert_string_equal(mc_err_name((int)json_integer_value(code)), json_string_value(name));
    assert_true(json_string_length(json_object_get(error, "message")) > 0);
}

json_t *mc_test_wallet_answer(mc_test_wallet *w, int expect, bool after_words)
{
    mc_test_wallet_expect(w, expect, NULL);
    const char *start = w->out;
    if (after_words || w->words_first || expect == 2) {
        /* The object starts a line: the first one, or one after the words. */
        start = w->out[0] == '{' ? w->out : strstr(w->out, "\n{");
        start = start != NULL && start != w->out ? start + 1 : start;
    }
    json_error_t err;
    w->answer = start != NULL ? json_loads(start, 0, &err) : NULL;
    if (!json_is_object(w->answer)) {
        fprintf(stderr, "%s: not one JSON object (%s at line %d):\n%s\n", w->cmdline,
                start != NULL ? err.text : "none", start != NULL ? err.line : 0, w->out);
        fail();
    }
    check_answer(w->answer, expect);
    return w->answer;
}

json_t *mc_test_wallet_json(mc_test_wallet *w, const char *who, int expect, ...)
{
    va_list ap;
    va_start(ap, expect);
    mc_test_wallet_run_va(w, who, NULL, true, ap);
    va_end(ap);
    return mc_test_wallet_answer(w, expect, false);
}

void mc_test_assert_hex(const char *s, size_t len)
{
    assert_int_equal(strlen(s), len);
    assert_int_equal(strspn(s, "0123456789abcdef"), len);
}

void mc_test_wallet_key(mc_test_wallet *w, const char *who, char out[MC_TEST_KEY_HEX_LEN + 1])
{
    mc_test_wallet_run(w, who, "key", NULL);
    mc_test_wallet_expect(w, 0, NULL);
    assert_true(strlen(w->out) == MC_TEST_KEY_HEX_LEN + 1 && w->out[MC_TEST_KEY_HEX_LEN] == '\n');
    memcpy(out, w->out, MC_TEST_KEY_HEX_LEN);
    out[MC_TEST_KEY_HEX_LEN] = '\0';
    mc_test_assert_hex(out, MC_TEST_KEY_HEX_LEN);
}

void mc_test_wallet_identity(mc_test_wallet *w, const char *name, char key[MC_TEST_KEY_HEX_LEN + 1])
{
    mc_test_wallet_run(w, name, "init", name, "--no-passphrase", NULL);
    mc_test_wallet_expect(w, 0, "NOT encrypted");
    if (key != NULL) {
        mc_test_wallet_key(w, name, key);
    }
}

mc_keypair *mc_test_wallet_keypair(const mc_test_wallet *w, const char *name)
{
    char path[MC_TEST_WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/keys/%s.key", w->root, name, name);
    json_t *doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    uint8_t seed[MC_SECRET_SEED_BYTES];
    assert_int_equal(mc_hex_decode(mc_test_json_string(doc, "seed"), seed, sizeof seed), MC_ERR_OK);
    json_decref(doc);
    mc_keypair *kp = NULL;
    assert_int_equal(mc_keypair_from_seed(seed, &kp), MC_ERR_OK);
    mc_memzero(seed, sizeof seed);
    return kp;
}

void mc_test_wallet_community(mc_test_wallet *w, mc_test_node *n, const char *visibility,
                              const char *const *more, char steward_key[MC_TEST_KEY_HEX_LEN + 1])
{
    w->node = n->address; /* empty until the node is started */
    mc_test_wallet_identity(w, "steward", steward_key);
    const char *extra[MC_TEST_ARGS_MAX] = {"--steward", steward_key};
    size_t a = 2;
    for (size_t i = 0; more != NULL && more[i] != NULL; i++) {
        assert_true(a + 1 < MC_TEST_ARGS_MAX);
        extra[a++] = more[i];
    }
    extra[a] = NULL;
    mc_test_node_options o = {.quorum = 1, .visibility = visibility, .extra = extra};
    mc_test_node_init(n, &o);
    mc_test_node_start(n, NULL);
}
