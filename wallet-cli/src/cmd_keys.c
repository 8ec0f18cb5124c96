/* Identities: `init` makes a key pair, `key` prints the public key,
 * `identities` lists them. None of them needs the node. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "wallet.h"

int mcw_cmd_init(mcw_ctx *ctx, int argc, char **argv)
{
    static const struct option options[] = {{"no-passphrase", no_argument, NULL, 'n'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    bool plain = false, done = false;
    int opt, rc;
    while ((rc = mcw_getopt(ctx, argc, argv, "h", options, &opt, &done)) == 0 && !done &&
           opt != -1) {
        plain = plain || opt == 'n';
    }
    if (rc != 0 || done) {
        return rc;
    }
    if (optind != argc - 1) {
        return mcw_usage_error(ctx, "give one NAME");
    }
    const char *name = argv[optind];
    if (!mcw_name_is_valid(name)) {
        return mcw_usage_error(
            ctx, "'%s': a name is 1 to 32 of a-z 0-9 _ . - (not starting with .)", name);
    }
    char pass[MCW_PASSPHRASE_MAX];
    if (!plain) {
        char prompt[MCW_NAME_MAX + 48];
        snprintf(prompt, sizeof prompt, "New passphrase for %s: ", name);
        rc = mcw_passphrase(ctx, prompt, true, pass, sizeof pass);
        if (rc != MCW_EXIT_OK) {
            return mcw_finish(ctx, rc);
        }
    }
    uint8_t pk[MC_PUBLIC_KEY_BYTES];
    rc = mcw_keystore_create(ctx, name, plain ? NULL : pass, pk);
    mc_memzero(pass, sizeof pass);
    if (rc == MCW_EXIT_OK) {
        char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
        mcw_hex(pk, sizeof pk, hex);
        json_object_set_new(mcw_json(ctx), "name", json_string(name));
        json_object_set_new(mcw_json(ctx), "public_key", json_string(hex));
        json_object_set_new(mcw_json(ctx), "encrypted", json_boolean(!plain));
        mcw_print(ctx, "created identity %s%s\npublic key %s\n", name,
                  plain ? " (secret key NOT encrypted)" : "", hex);
    }
    return mcw_finish(ctx, rc);
}

/* Commands without options but --help. */
static int no_options(mcw_ctx *ctx, int argc, char **argv, int min_args, int max_args, bool *done)
{
    static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt, rc;
    while ((rc = mcw_getopt(ctx, argc, argv, "h", options, &opt, done)) == 0 && !*done &&
           opt != -1) {
    }
    if (rc != 0 || *done) {
        return rc;
    }
    int n = argc - optind;
    if (n < min_args || n > max_args) {
        return mcw_usage_error(ctx, "wrong number of arguments");
    }
    return 0;
}

int mcw_parse_plain(mcw_ctx *ctx, int argc, char **argv, int min_args, int max_args, bool *done)
{
    return no_options(ctx, argc, argv, min_args, max_args, done);
}

int mcw_cmd_key(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = no_options(ctx, argc, argv, 0, 0, &done);
    if (rc != 0 || done) {
        return rc;
    }
    rc = mcw_identity(ctx);
    if (rc == MCW_EXIT_OK) {
        char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
        mcw_hex(ctx->public_key, MC_PUBLIC_KEY_BYTES, hex);
        json_object_set_new(mcw_json(ctx), "name", json_string(ctx->name));
        json_object_set_new(mcw_json(ctx), "public_key", json_string(hex));
        mcw_print(ctx, "%s\n", hex);
    }
    return mcw_finish(ctx, rc);
}

static int list_one(mcw_ctx *ctx, const char *name, const uint8_t *public_key, bool encrypted,
                    bool is_default, void *arg)
{
    json_t *list = arg;
    char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
    mcw_hex(public_key, MC_PUBLIC_KEY_BYTES, hex);
    json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:b}", "name", name, "public_key", hex,
                                          "encrypted", encrypted, "default", is_default));
    mcw_print(ctx, "%c %-20s %s%s\n", is_default ? '*' : ' ', name, hex,
              encrypted ? "" : "  (not encrypted)");
    return MCW_EXIT_OK;
}

int mcw_cmd_identities(mcw_ctx *ctx, int argc, char **argv)
{
    bool done = false;
    int rc = no_options(ctx, argc, argv, 0, 0, &done);
    if (rc != 0 || done) {
        return rc;
    }
    json_t *list = json_array();
    json_object_set_new(mcw_json(ctx), "identities", list);
    rc = mcw_keystore_list(ctx, list_one, list);
    if (rc == MCW_EXIT_OK && json_array_size(list) == 0) {
        mcw_print(ctx, "no identity in %s yet: create one with `mcwallet init NAME`\n", ctx->dir);
    }
    return mcw_finish(ctx, rc);
}
