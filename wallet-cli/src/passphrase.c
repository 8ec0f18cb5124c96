/* Passphrases: from MC_PASSPHRASE, from --passphrase-file FILE (its first
 * line), or asked on the terminal (/dev/tty) with echo off, twice when a
 * new one is chosen. Never from a pipe on stdin: a passphrase typed there
 * would echo and land in shell history. The caller wipes the buffer. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "mc/error.h"
#include "wallet.h"

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
}

static int from_file(mcw_ctx *ctx, char *out, size_t cap)
{
    FILE *f = fopen(ctx->passphrase_file, "r");
    if (f == NULL) {
        return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT, "--passphrase-file %s: %s",
                        ctx->passphrase_file, strerror(errno));
    }
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    if (!ok) {
        return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT, "--passphrase-file %s: empty",
                        ctx->passphrase_file);
    }
    chomp(out);
    return MCW_EXIT_OK;
}

/* Read a line from the terminal `fd` with echo off. */
static int read_hidden(int fd, const char *prompt, char *out, size_t cap)
{
    struct termios old, quiet;
    if (tcgetattr(fd, &old) != 0) {
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        return -1;
    }
    size_t n = 0;
    int rc = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0 || c == '\n' || c == '\r') {
            rc = r < 0 ? -1 : 0;
            break;
        }
        if (n + 1 < cap) {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        rc = -1;
    }
    return rc;
}

static int from_terminal(mcw_ctx *ctx, const char *prompt, bool confirm, char *out, size_t cap)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                        "a passphrase is needed and there is no terminal to ask it on: set "
                        "MC_PASSPHRASE or use --passphrase-file FILE");
    }
    char again[MCW_PASSPHRASE_MAX];
    int rc = read_hidden(fd, prompt, out, cap);
    if (rc == 0 && confirm) {
        rc = read_hidden(fd, "Same passphrase again: ", again, sizeof again);
        if (rc == 0 && strcmp(out, again) != 0) {
            rc = 1;
        }
    }
    mc_memzero(again, sizeof again);
    close(fd);
    if (rc != 0) {
        mc_memzero(out, cap);
        return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                        rc > 0 ? "the two passphrases differ" : "cannot read the passphrase");
    }
    return MCW_EXIT_OK;
}

int mcw_passphrase(mcw_ctx *ctx, const char *prompt, bool confirm, char *out, size_t cap)
{
    const char *env = getenv("MC_PASSPHRASE");
    int rc;
    if (ctx->passphrase_file != NULL) {
        rc = from_file(ctx, out, cap);
    } else if (env != NULL) {
        rc = snprintf(out, cap, "%s", env) < (int)cap
                 ? MCW_EXIT_OK
                 : mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT, "MC_PASSPHRASE is too long");
    } else {
        rc = from_terminal(ctx, prompt, confirm, out, cap);
    }
    if (rc == MCW_EXIT_OK && confirm && out[0] == '\0') {
        return mcw_fail(ctx, MC_ERR_INVALID_ARGUMENT,
                        "an empty passphrase protects nothing; use --no-passphrase to mean it");
    }
    return rc;
}
