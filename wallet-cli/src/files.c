/* Small files read and written whole: key files, the ledger and contact
 * caches, cheques and join requests. Writes go to a temporary file in the
 * same directory, are fsynced and renamed into place, so a crash never
 * leaves half a key file; reads are bounded by MCW_FILE_MAX. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc/error.h"
#include "wallet.h"

int mcw_mkdirs(const char *path)
{
    char buf[MCW_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
            return -1;
        }
        *p = '/';
    }
    return mkdir(buf, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int mcw_read_file(mcw_ctx *ctx, const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return mcw_fail(ctx, errno == ENOENT ? MC_ERR_NOT_FOUND : MC_ERR_STORAGE_IO, "%s: %s", path,
                        strerror(errno));
    }
    char *buf = malloc(MCW_FILE_MAX + 1);
    size_t n = buf != NULL ? fread(buf, 1, MCW_FILE_MAX + 1, f) : 0;
    bool error = ferror(f) != 0;
    fclose(f);
    if (buf == NULL || error || n > MCW_FILE_MAX) {
        free(buf);
        return mcw_fail(ctx, MC_ERR_MALFORMED, "%s: %s", path,
                        error ? "cannot read it" : "too large for a wallet file");
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return MCW_EXIT_OK;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

int mcw_write_atomic(const char *path, const char *data, size_t len, bool private, bool overwrite)
{
    char tmp[MCW_PATH_MAX + 16];
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        return ENAMETOOLONG;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private ? 0600 : 0644);
    if (fd < 0) {
        return errno;
    }
    int rc = write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : errno;
    close(fd);
    if (rc == 0 && !overwrite && link(tmp, path) != 0) {
        rc = errno; /* link fails if `path` exists: never overwrite */
    } else if (rc == 0 && overwrite && rename(tmp, path) != 0) {
        rc = errno;
    }
    unlink(tmp);
    return rc;
}

int mcw_write_file(mcw_ctx *ctx, const char *path, const char *data, size_t len, bool private,
                   bool overwrite)
{
    int rc = mcw_write_atomic(path, data, len, private, overwrite);
    if (rc == EEXIST) {
        return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT, "%s exists; not overwriting it", path);
    }
    if (rc != 0) {
        return mcw_fail(ctx, MC_ERR_STORAGE_IO, "%s: %s", path, strerror(rc));
    }
    return MCW_EXIT_OK;
}

int mcw_write_json(mcw_ctx *ctx, const char *path, json_t *doc, bool private)
{
    return mcw_write_json_file(ctx, path, doc, private, false);
}

int mcw_write_json_file(mcw_ctx *ctx, const char *path, json_t *doc, bool private, bool overwrite)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text == NULL) {
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
    }
    size_t len = strlen(text);
    char *withnl = realloc(text, len + 2);
    if (withnl == NULL) {
        free(text);
        return mcw_fail(ctx, MC_ERR_NO_MEMORY, "out of memory");
    }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    int rc = mcw_write_file(ctx, path, withnl, len + 1, private, overwrite);
    free(withnl);
    return rc;
}

json_t *mcw_read_json(mcw_ctx *ctx, const char *path, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    *rc = mcw_read_file(ctx, path, &text, &len);
    if (*rc != MCW_EXIT_OK) {
        return NULL;
    }
    json_error_t err;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    free(text);
    if (doc == NULL || !json_is_object(doc)) {
        json_decref(doc);
        *rc = mcw_fail(ctx, MC_ERR_MALFORMED, "%s: not a JSON object (line %d: %s)", path, err.line,
                       err.text);
        return NULL;
    }
    return doc;
}

int mcw_json_hex(json_t *obj, const char *key, uint8_t *out, size_t len)
{
    const char *hex = json_string_value(json_object_get(obj, key));
    return hex != NULL && mc_hex_decode(hex, out, len) == MC_ERR_OK ? 0 : -1;
}

int mcw_json_hex_alloc(json_t *obj, const char *key, uint8_t **out, size_t *len)
{
    const char *hex = json_string_value(json_object_get(obj, key));
    size_t n = hex != NULL ? strlen(hex) : 0;
    if (n == 0 || n % 2 != 0 || n / 2 > MCW_FILE_MAX) {
        return -1;
    }
    uint8_t *buf = malloc(n / 2);
    if (buf == NULL || mc_hex_decode(hex, buf, n / 2) != MC_ERR_OK) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n / 2;
    return 0;
}
