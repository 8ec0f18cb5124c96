/* mcbench's small shared helpers (see bench.h): clocks, fatal errors,
 * option values, temporary directories removed at exit (also after a
 * failure or an interruption) and the CPU count. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mc/error.h"
#include "mc/tx.h"

#define BENCH_RMTREE_FDS 16

static char bench_tmpdirs[MC_BENCH_TMPDIRS_MAX][MC_BENCH_PATH_MAX];
static pthread_mutex_t bench_tmpdirs_lock = PTHREAD_MUTEX_INITIALIZER;
static bool bench_atexit_set;

double mc__bench_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t mc__bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t mc__bench_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void mc__bench_die(const char *what, int rc)
{
    fprintf(stderr, "mcbench: %s: %s (%s)\n", what, mc_strerror(rc), mc_err_name(rc));
    exit(1);
}

void *mc__bench_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL) {
        mc__bench_die("allocating", MC_ERR_NO_MEMORY);
    }
    return p;
}

bool mc__bench_parse_size(const char *text, size_t min, size_t max, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < min || v > max) {
        return false;
    }
    *out = (size_t)v;
    return true;
}

void mc__bench_default_dir(char *out, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, len, "%s", tmp != NULL && tmp[0] != '\0' ? tmp : "/var/tmp");
}

static int rmtree_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int rc = type == FTW_DP ? rmdir(path) : unlink(path);
    if (rc != 0) {
        fprintf(stderr, "mcbench: warning: cannot remove %s: %s\n", path, strerror(errno));
    }
    return 0; /* remove what can be removed */
}

void mc__bench_tmpdir_remove(const char *dir)
{
    char copy[MC_BENCH_PATH_MAX];
    snprintf(copy, sizeof copy, "%s", dir);
    pthread_mutex_lock(&bench_tmpdirs_lock);
    for (size_t i = 0; i < MC_BENCH_TMPDIRS_MAX; i++) {
        if (strcmp(bench_tmpdirs[i], copy) == 0) {
            bench_tmpdirs[i][0] = '\0';
        }
    }
    pthread_mutex_unlock(&bench_tmpdirs_lock);
    nftw(copy, rmtree_entry, BENCH_RMTREE_FDS, FTW_DEPTH | FTW_PHYS);
}

void mc__bench_tmpdir_keep(const char *dir)
{
    pthread_mutex_lock(&bench_tmpdirs_lock);
    for (size_t i = 0; i < MC_BENCH_TMPDIRS_MAX; i++) {
        if (strcmp(bench_tmpdirs[i], dir) == 0) {
            bench_tmpdirs[i][0] = '\0';
        }
    }
    pthread_mutex_unlock(&bench_tmpdirs_lock);
}

static void remove_tmpdirs_at_exit(void)
{
    for (size_t i = 0; i < MC_BENCH_TMPDIRS_MAX; i++) {
        char dir[MC_BENCH_PATH_MAX];
        pthread_mutex_lock(&bench_tmpdirs_lock);
        memcpy(dir, bench_tmpdirs[i], sizeof dir);
        pthread_mutex_unlock(&bench_tmpdirs_lock);
        if (dir[0] != '\0') {
            mc__bench_tmpdir_remove(dir);
        }
    }
}

void mc__bench_tmpdir_make(const char *parent, char *out, size_t len)
{
    if (snprintf(out, len, "%s/mcbench.XXXXXX", parent) >= (int)len || mkdtemp(out) == NULL) {
        fprintf(stderr, "mcbench: cannot create a directory in %s: %s\n", parent, strerror(errno));
        exit(1);
    }
    pthread_mutex_lock(&bench_tmpdirs_lock);
    if (!bench_atexit_set) {
        atexit(remove_tmpdirs_at_exit);
        bench_atexit_set = true;
    }
    size_t i = 0;
    while (i < MC_BENCH_TMPDIRS_MAX && bench_tmpdirs[i][0] != '\0') {
        i++;
    }
    if (i == MC_BENCH_TMPDIRS_MAX) {
        fprintf(stderr, "mcbench: more than %u temporary directories at once\n",
                MC_BENCH_TMPDIRS_MAX);
        abort();
    }
    snprintf(bench_tmpdirs[i], sizeof bench_tmpdirs[i], "%s", out);
    pthread_mutex_unlock(&bench_tmpdirs_lock);
}

bool mc__bench_is_tmpfs(const char *dir)
{
    struct statfs fs;
    return statfs(dir, &fs) == 0 && fs.f_type == MC_BENCH_TMPFS_MAGIC;
}

bool mc__bench_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool mc__bench_find_sibling(const char *relative, char *out, size_t len)
{
    char self[MC_BENCH_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        return false;
    }
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash == NULL) {
        return false;
    }
    *slash = '\0';
    return snprintf(out, len, "%s/%s", self, relative) < (int)len && mc__bench_executable(out);
}

unsigned mc__bench_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > (long)MC_BENCH_THREADS_MAX ? MC_BENCH_THREADS_MAX : (unsigned)n;
}

static void bench_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

static void *signal_main(void *arg)
{
    sigset_t *set = arg;
    int sig = 0;
    if (sigwait(set, &sig) == 0) {
        fprintf(stderr, "mcbench: interrupted by %s; cleaning up\n", strsignal(sig));
        exit(130);
    }
    return NULL;
}

void mc__bench_signals_start(void)
{
    static sigset_t set;
    bench_signal_set(&set);
    pthread_t thread;
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ||
        pthread_create(&thread, NULL, signal_main, &set) != 0) {
        fprintf(stderr, "mcbench: cannot set up signal handling\n");
        exit(1);
    }
    pthread_detach(thread);
}

void mc__bench_signals_unblock(void)
{
    sigset_t set;
    bench_signal_set(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

mc_tx *mc__bench_sign_decode(const mc_body *body, const mc_keypair *signer, uint8_t **bytes_out,
                             size_t *len_out)
{
    uint8_t *body_bytes = NULL, *bytes = NULL;
    size_t body_len = 0, len = 0;
    mc_tx *tx = NULL;
    int rc = mc_body_encode(body, &body_bytes, &body_len);
    if (rc == MC_ERR_OK) {
        rc = mc_tx_sign(body_bytes, body_len, &signer, 1, &bytes, &len);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_tx_decode(bytes, len, &tx);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_tx_verify(tx);
    }
    if (rc != MC_ERR_OK) {
        mc__bench_die("signing a transaction", rc);
    }
    free(body_bytes);
    if (bytes_out != NULL) {
        *bytes_out = bytes;
        *len_out = len;
    } else {
        free(bytes);
    }
    return tx;
}
