/* Logging: one line per event on stderr, "2026-11-24T10:11:12.345Z info
 * message", at or above the level chosen with --log-level. Lines are written
 * with one call so that lines from different threads never interleave. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mc/error.h"
#include "node_internal.h"

#define MC__LOG_LINE_MAX 1024u

static mc_log_level log_level = MC_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void mc_log_set_level(mc_log_level level)
{
    log_level = level;
}

int mc_log_level_parse(const char *name, mc_log_level *out)
{
    for (int i = 0; i <= (int)MC_LOG_DEBUG; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (mc_log_level)i;
            return MC_ERR_OK;
        }
    }
    return MC_ERR_INVALID_ARGUMENT;
}

void mc_log(mc_log_level level, const char *fmt, ...)
{
    if (level > log_level) {
        return;
    }
    char line[MC__LOG_LINE_MAX];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    int k = snprintf(line + n, sizeof line - n, ".%03dZ %-5s ", (int)(tv.tv_usec / 1000),
                     level_names[level]);
    n += k > 0 ? (size_t)k : 0;
    va_list ap;
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    n += k > 0 ? (size_t)k : 0;
    if (n > sizeof line - 2) {
        n = sizeof line - 2;
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w; /* nowhere to report a failing stderr */
}
