/* The key store: each identity is DIR/keys/NAME.key, a JSON document, mode
 * 0600 in a 0700 directory:
 *   {"format": "mc-key-1", "name": NAME, "public_key": HEX, "encrypted": true,
 *    "kdf": {"algorithm": "argon2id13", "opslimit": N, "memlimit": N,
 *            "salt": HEX},
 *    "cipher": {"algorithm": "xsalsa20poly1305", "nonce": HEX, "box": HEX}}
 * or, with --no-passphrase, "encrypted": false and "seed": HEX. DIR/default
 * names the default identity. The public key is kept in clear so that
 * `key` and `identities` need no passphrase; unlocking checks that the seed
 * gives that key, so a tampered file is refused. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

#define MCW_KEY_FORMAT "mc-key-1"

bool mcw_name_is_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MCW_NAME_MAX || name[0] == '.') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static int key_path(const mcw_ctx *ctx, const char *name, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/keys/%s.key", ctx->dir, name);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

static json_t *sealed_json(const mc_sealed_seed *s)
{
    json_t *kdf = json_pack("{s:s, s:I, s:I, s:o}", "algorithm", "argon2id13", "opslimit",
                            (json_int_t)s->opslimit, "memlimit", (json_int_t)s->memlimit, "salt",
                            mcw_hex_json(s->salt, sizeof s->salt));
    json_t *cipher = json_pack("{s:s, s:o, s:o}", "algorithm", "xsalsa20poly1305", "nonce",
                               mcw_hex_json(s->nonce, sizeof s->nonce), "box",
                               mcw_hex_json(s->box, sizeof s->box));
    return json_pack("{s:o, s:o}", "kdf", kdf, "cipher", cipher);
}

/* The key file's document for `seed` (sealed when `passphrase`). */
static json_t *key_doc(const char *name, const uint8_t seed[MC_SECRET_SEED_BYTES],
                       const uint8_t public_key[MC_PUBLIC_KEY_BYTES], const char *passphrase)
{
    json_t *doc =
        json_pack("{s:s, s:s, s:o, s:b}", "format", MCW_KEY_FORMAT, "name", name, "public_key",
                  mcw_hex_json(public_key, MC_PUBLIC_KEY_BYTES), "encrypted", passphrase != NULL);
    if (doc == NULL) {
        return NULL;
    }
    if (passphrase == NULL) {
        json_object_set_new(doc, "seed", mcw_hex_json(seed, MC_SECRET_SEED_BYTES));
        return doc;
    }
    mc_sealed_seed s;
    if (mc_seed_seal(seed, passphrase, strlen(passphrase), &s) != MC_ERR_OK) {
        json_decref(doc);
        return NULL;
    }
    json_t *sealed = sealed_json(&s);
    json_object_update(doc, sealed);
    json_decref(sealed);
    return doc;
}

static int set_default(mcw_ctx *ctx, const char *name)
{
    char path[MCW_PATH_MAX];
    snprintf(path, sizeof path, "%s/default", ctx->dir);
    char line[MCW_NAME_MAX + 2];
    int n = snprintf(line, sizeof line, "%s\n", name);
    return mcw_write_file(ctx, path, line, (size_t)n, true, true);
}

static bool has_default(const mcw_ctx *ctx)
{
    char path[MCW_PATH_MAX];
    snprintf(path, sizeof path, "%s/default", ctx->dir);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        fclose(f);
    }
    return f != NULL;
}

bool mcw_has_identity(const mcw_ctx *ctx)
{
    return ctx->as != NULL || has_default(ctx);
}

int mcw_keystore_create(mcw_ctx *ctx, const char *name, const char *passphrase,
                        uint8_t public_key[MC_PUBLIC_KEY_BYTES])
{
    char dir[MCW_PATH_MAX], path[MCW_PATH_MAX];
    snprintf(dir, sizeof dir, "%s/keys", ctx->dir);
    if (key_path(ctx, name, path, sizeof path) != 0 || mcw_mkdirs(dir) != 0) {
        return mcw_fail(ctx, MC_ERR_STORAGE_IO, "%s: %s", dir, strerror(errno));
    }
    mc_keypair *kp = NULL;
    if (mc_keypair_generate(&kp) != MC_ERR_OK) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "cannot make a key pair");
    }
    uint8_t seed[MC_SECRET_SEED_BYTES];
    mc_keypair_seed(kp, seed);
    memcpy(public_key, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    mc_keypair_free(kp);
    json_t *doc = key_doc(name, seed, public_key, passphrase);
    mc_memzero(seed, sizeof seed);
    if (doc == NULL) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "cannot seal the key");
    }
    int rc = mcw_write_json(ctx, path, doc, true);
    json_decref(doc); /* the plain seed, if any, is in freed memory: a test or a kiosk */
    if (rc == MCW_EXIT_OK && !has_default(ctx)) {
        rc = set_default(ctx, name);
    }
    return rc;
}

/* The default identity's name from DIR/default. */
static int default_name(mcw_ctx *ctx, char *out, size_t len)
{
    char path[MCW_PATH_MAX];
    snprintf(path, sizeof path, "%s/default", ctx->dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return mcw_fail(ctx, MC_ERR_NOT_FOUND,
                        "no identity in %s: create one with `mcwallet init NAME`", ctx->dir);
    }
    bool ok = fgets(out, (int)len, f) != NULL;
    fclose(f);
    out[ok ? strcspn(out, "\r\n") : 0] = '\0';
    if (!mcw_name_is_valid(out)) {
        return mcw_fail(ctx, MC_ERR_CORRUPT, "%s does not name an identity", path);
    }
    return MCW_EXIT_OK;
}

static json_t *load_doc(mcw_ctx *ctx, const char *name, int *rc)
{
    char path[MCW_PATH_MAX];
    if (!mcw_name_is_valid(name) || key_path(ctx, name, path, sizeof path) != 0) {
        *rc = mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT, "'%s' is not an identity's name", name);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        *rc = mcw_fail(ctx, MC_ERR_NOT_FOUND, "no identity '%s' in %s (see `mcwallet identities`)",
                       name, ctx->dir);
        return NULL;
    }
    fclose(f);
    json_t *doc = mcw_read_json(ctx, path, rc);
    if (doc != NULL && !json_is_string(json_object_get(doc, "format"))) {
        json_decref(doc);
        *rc = mcw_fail(ctx, MC_ERR_CORRUPT, "%s is not a key file", path);
        return NULL;
    }
    return doc;
}

int mcw_identity(mcw_ctx *ctx)
{
    if (ctx->has_public_key) {
        return MCW_EXIT_OK;
    }
    int rc = MCW_EXIT_OK;
    if (ctx->as != NULL) {
        snprintf(ctx->name, sizeof ctx->name, "%s", ctx->as);
    } else if ((rc = default_name(ctx, ctx->name, sizeof ctx->name)) != MCW_EXIT_OK) {
        return rc;
    }
    json_t *doc = load_doc(ctx, ctx->name, &rc);
    if (doc == NULL) {
        return rc;
    }
    if (mcw_json_hex(doc, "public_key", ctx->public_key, MC_PUBLIC_KEY_BYTES) != 0) {
        rc = mcw_fail(ctx, MC_ERR_CORRUPT, "the key file of '%s' has no valid public key",
                      ctx->name);
    } else {
        ctx->has_public_key = true;
    }
    json_decref(doc);
    return rc;
}

static int sealed_from_json(json_t *doc, mc_sealed_seed *s)
{
    json_t *kdf = json_object_get(doc, "kdf"), *cipher = json_object_get(doc, "cipher");
    json_int_t ops = json_integer_value(json_object_get(kdf, "opslimit"));
    json_int_t mem = json_integer_value(json_object_get(kdf, "memlimit"));
    const char *alg = json_string_value(json_object_get(kdf, "algorithm"));
    if (alg == NULL || strcmp(alg, "argon2id13") != 0 || ops <= 0 || mem <= 0 ||
        mcw_json_hex(kdf, "salt", s->salt, sizeof s->salt) != 0 ||
        mcw_json_hex(cipher, "nonce", s->nonce, sizeof s->nonce) != 0 ||
        mcw_json_hex(cipher, "box", s->box, sizeof s->box) != 0) {
        return -1;
    }
    s->opslimit = (uint64_t)ops;
    s->memlimit = (uint64_t)mem;
    return 0;
}

/* The seed of an identity's document, asking for the passphrase. */
static int doc_seed(mcw_ctx *ctx, json_t *doc, uint8_t seed[MC_SECRET_SEED_BYTES])
{
    if (!json_is_true(json_object_get(doc, "encrypted"))) {
        return mcw_json_hex(doc, "seed", seed, MC_SECRET_SEED_BYTES) == 0
                   ? MCW_EXIT_OK
                   : mcw_fail(ctx, MC_ERR_CORRUPT, "the key file of '%s' is damaged", ctx->name);
    }
    mc_sealed_seed s;
    if (sealed_from_json(doc, &s) != 0) {
        return mcw_fail(ctx, MC_ERR_CORRUPT, "the key file of '%s' is damaged", ctx->name);
    }
    char prompt[MCW_NAME_MAX + 32], pass[MCW_PASSPHRASE_MAX];
    snprintf(prompt, sizeof prompt, "Passphrase for %s: ", ctx->name);
    int rc = mcw_passphrase(ctx, prompt, false, pass, sizeof pass);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    int open = mc_seed_open(&s, pass, strlen(pass), seed);
    mc_memzero(pass, sizeof pass);
    if (open == MC_ERR_WRONG_PASSPHRASE) {
        return mcw_fail(ctx, open, "wrong passphrase for '%s'", ctx->name);
    }
    return open == MC_ERR_OK ? MCW_EXIT_OK
                             : mcw_fail(ctx, open, "cannot open the key of '%s'", ctx->name);
}

int mcw_unlock(mcw_ctx *ctx)
{
    if (ctx->key != NULL) {
        return MCW_EXIT_OK;
    }
    int rc = mcw_identity(ctx);
    json_t *doc = rc == MCW_EXIT_OK ? load_doc(ctx, ctx->name, &rc) : NULL;
    if (doc == NULL) {
        return rc;
    }
    uint8_t seed[MC_SECRET_SEED_BYTES];
    rc = doc_seed(ctx, doc, seed);
    json_decref(doc);
    if (rc != MCW_EXIT_OK) {
        return rc;
    }
    rc = mc_keypair_from_seed(seed, &ctx->key);
    mc_memzero(seed, sizeof seed);
    if (rc != MC_ERR_OK) {
        return mcw_fail(ctx, rc, "cannot load the key");
    }
    if (memcmp(mc_keypair_public(ctx->key), ctx->public_key, MC_PUBLIC_KEY_BYTES) != 0) {
        mc_keypair_free(ctx->key);
        ctx->key = NULL;
        return mcw_fail(ctx, MC_ERR_KEY_INVALID,
                        "the key file of '%s' holds another key than its public key says",
                        ctx->name);
    }
    return MCW_EXIT_OK;
}

int mcw_keystore_list(mcw_ctx *ctx, mcw_identity_cb cb, void *arg)
{
    char dir[MCW_PATH_MAX], def[MCW_NAME_MAX + 2] = "";
    snprintf(dir, sizeof dir, "%s/keys", ctx->dir);
    struct dirent **entries = NULL;
    int count = scandir(dir, &entries, NULL, alphasort);
    if (count < 0) {
        return errno == ENOENT ? MCW_EXIT_OK
                               : mcw_fail(ctx, MC_ERR_STORAGE_IO, "%s: %s", dir, strerror(errno));
    }
    char path[MCW_PATH_MAX];
    snprintf(path, sizeof path, "%s/default", ctx->dir);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        if (fgets(def, sizeof def, f) != NULL) {
            def[strcspn(def, "\r\n")] = '\0';
        }
        fclose(f);
    }
    int rc = MCW_EXIT_OK;
    for (int i = 0; i < count && rc == MCW_EXIT_OK; i++) {
        const struct dirent *e = entries[i];
        size_t n = strlen(e->d_name);
        char name[MCW_NAME_MAX + 1];
        if (n < 5 || n - 4 > MCW_NAME_MAX || strcmp(e->d_name + n - 4, ".key") != 0) {
            continue;
        }
        memcpy(name, e->d_name, n - 4);
        name[n - 4] = '\0';
        json_t *doc = mcw_name_is_valid(name) ? load_doc(ctx, name, &rc) : NULL;
        uint8_t pk[MC_PUBLIC_KEY_BYTES];
        if (doc != NULL && mcw_json_hex(doc, "public_key", pk, sizeof pk) == 0) {
            rc = cb(ctx, name, pk, json_is_true(json_object_get(doc, "encrypted")),
                    strcmp(name, def) == 0, arg);
        }
        json_decref(doc);
    }
    for (int i = 0; i < count; i++) {
        free(entries[i]);
    }
    free(entries);
    return rc;
}
