/* The node's own Ed25519 key, which the genesis names and which signs
 * checkpoints: DIR/node.key holds its 32-byte seed in hex and a newline,
 * mode 0600, like an SSH host key (the node must start unattended). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mc/error.h"
#include "node_internal.h"

#define MC__KEY_TEXT_BYTES (2u * MC_SECRET_SEED_BYTES + 1u) /* hex and newline */

static int key_path(const char *dir, char *path, size_t len)
{
    int n = snprintf(path, len, "%s/%s", dir, MC_NODE_KEY_FILE);
    return n > 0 && (size_t)n < len ? MC_ERR_OK : MC_ERR_INVALID_ARGUMENT;
}

static int read_all(int fd, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return MC_ERR_STORAGE_IO;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    *len = n;
    return MC_ERR_OK;
}

int mc__nodekey_load(const char *dir, mc_keypair **out, char *why, size_t why_len)
{
    char path[4096], text[MC__KEY_TEXT_BYTES + 2];
    if (key_path(dir, path, sizeof path) != MC_ERR_OK) {
        snprintf(why, why_len, "path too long");
        return MC_ERR_INVALID_ARGUMENT;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? MC_ERR_NOT_FOUND : MC_ERR_STORAGE_IO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
        mc_log(MC_LOG_WARN, "%s is readable by others (mode %03o): chmod 600 it", path,
               (unsigned)(st.st_mode & 0777));
    }
    size_t len = 0;
    int rc = read_all(fd, text, sizeof text - 1, &len);
    close(fd);
    uint8_t seed[MC_SECRET_SEED_BYTES];
    if (rc == MC_ERR_OK) {
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
            len--;
        }
        text[len] = '\0';
        rc = mc_hex_decode(text, seed, sizeof seed) == MC_ERR_OK ? MC_ERR_OK : MC_ERR_KEY_INVALID;
    }
    if (rc == MC_ERR_OK) {
        rc = mc_keypair_from_seed(seed, out);
    }
    mc_memzero(seed, sizeof seed);
    mc_memzero(text, sizeof text);
    if (rc != MC_ERR_OK) {
        snprintf(why, why_len, "%s: %s", path,
                 rc == MC_ERR_KEY_INVALID ? "not 64 hex digits" : mc_strerror(rc));
    }
    return rc;
}

static int write_key(const char *path, const mc_keypair *kp, char *why, size_t why_len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return MC_ERR_STORAGE_IO;
    }
    uint8_t seed[MC_SECRET_SEED_BYTES];
    char text[MC__KEY_TEXT_BYTES + 1];
    mc_keypair_seed(kp, seed);
    mc_hex_encode(seed, sizeof seed, text);
    text[MC__KEY_TEXT_BYTES - 1] = '\n';
    ssize_t w = write(fd, text, MC__KEY_TEXT_BYTES);
    int rc = w == (ssize_t)MC__KEY_TEXT_BYTES && fsync(fd) == 0 ? MC_ERR_OK : MC_ERR_STORAGE_IO;
    if (rc != MC_ERR_OK) {
        snprintf(why, why_len, "%s: %s", path, w < 0 ? strerror(errno) : "short write");
    }
    close(fd);
    mc_memzero(seed, sizeof seed);
    mc_memzero(text, sizeof text);
    if (rc != MC_ERR_OK) {
        unlink(path);
    }
    return rc;
}

int mc__nodekey_create(const char *dir, mc_keypair **out, char *why, size_t why_len)
{
    char path[4096];
    if (key_path(dir, path, sizeof path) != MC_ERR_OK) {
        snprintf(why, why_len, "path too long");
        return MC_ERR_INVALID_ARGUMENT;
    }
    int rc = mc__nodekey_load(dir, out, why, why_len);
    if (rc != MC_ERR_NOT_FOUND) {
        return rc; /* an earlier init left its key: reuse it, it was never published */
    }
    mc_keypair *kp = NULL;
    rc = mc_keypair_generate(&kp);
    if (rc == MC_ERR_OK) {
        rc = write_key(path, kp, why, why_len);
    }
    if (rc != MC_ERR_OK) {
        mc_keypair_free(kp);
        return rc;
    }
    *out = kp;
    return MC_ERR_OK;
}
