/* Small helpers of mcaudit: the clock, the scratch directory of a replay,
 * times and hashes as text, transaction kind names, and the stop flag that
 * SIGINT, SIGTERM and SIGHUP raise so that verify can remove its scratch ledger. */
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc/error.h"
#include "audit.h"

#define SCRATCH_FDS_MAX 16

int64_t mca_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int mca_scratch_make(char *out, size_t len)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0') {
        base = "/var/tmp";
    }
    int n = snprintf(out, len, "%s/mcaudit-XXXXXX", base);
    if (n < 0 || (size_t)n >= len || mkdtemp(out) == NULL) {
        out[0] = '\0';
        return MC_ERR_STORAGE_IO;
    }
    return MC_ERR_OK;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void mca_scratch_remove(const char *dir)
{
    if (dir != NULL && dir[0] != '\0') {
        nftw(dir, remove_one, SCRATCH_FDS_MAX, FTW_DEPTH | FTW_PHYS);
    }
}

static void format_time(int64_t t, bool date_only, char out[MCA_TIME_TEXT_MAX])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
        (date_only ? strftime(out, MCA_TIME_TEXT_MAX, "%Y-%m-%d", &tm)
                   : strftime(out, MCA_TIME_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm)) == 0) {
        snprintf(out, MCA_TIME_TEXT_MAX, "%lld", (long long)t);
    }
}

void mca_time_iso(int64_t t, char out[MCA_TIME_TEXT_MAX])
{
    format_time(t, false, out);
}

void mca_date(int64_t t, char out[MCA_TIME_TEXT_MAX])
{
    format_time(t, true, out);
}

void mca_base64_hash(const uint8_t hash[MC_HASH_BYTES], char out[MCA_BASE64_HASH_MAX])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < MC_HASH_BYTES; i += 3) {
        uint32_t v = (uint32_t)hash[i] << 16;
        size_t left = MC_HASH_BYTES - i;
        v |= left > 1 ? (uint32_t)hash[i + 1] << 8 : 0u;
        v |= left > 2 ? (uint32_t)hash[i + 2] : 0u;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = left > 1 ? alphabet[v >> 6 & 63] : '=';
        out[o++] = left > 2 ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
}

void mca_amount_text(int64_t amount, unsigned decimals, char out[MC_AMOUNT_TEXT_MAX])
{
    if (mc_amount_format(amount, decimals, out, MC_AMOUNT_TEXT_MAX) != MC_ERR_OK) {
        snprintf(out, MC_AMOUNT_TEXT_MAX, "%lld", (long long)amount);
    }
}

const char *mca_kind_name(int kind)
{
    static const char *const names[] = {
        "open_account",    "transfer",        "set_limits",          "set_status",
        "payment_request", "decline_request", "cancel_request",      "set_roles",
        "set_fee",         "contribution",    "review_contribution", "distribution",
    };
    _Static_assert(sizeof names / sizeof names[0] == MCA_KIND_SLOTS,
                   "a name for every transaction kind");
    if (kind < MC_TX_KIND_FIRST || kind > MC_TX_KIND_LAST) {
        return "unknown";
    }
    return names[kind - MC_TX_KIND_FIRST];
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void mca_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

bool mca_interrupted(void)
{
    return stop_requested != 0;
}
