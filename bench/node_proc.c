/* The mcnode that `mcbench node` starts: finding the binary, `mcnode init`
 * and `mcnode run` in a temporary directory, the "listening on" line,
 * stopping by PID with SIGTERM (SIGKILL after a bound; also at exit, and
 * the child dies with mcbench: PR_SET_PDEATHSIG), what it and the machine
 * used (CPU time per thread, the disk's writes and flushes; /proc, /sys),
 * and the writer's batches from its debug log.
 * Every wait is bounded. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mc/error.h"
#include "node_bench.h"

#define PROC_OUTPUT_MAX 4096u /* bytes kept of `mcnode init`'s output */
#define PROC_LINE_MAX 1024u
#define PROC_POLL_MS 5
#define PROC_LISTENING "listening on "

static pid_t proc_running; /* the node to kill at exit, 0 when none */
static bool proc_atexit_set;

static uint64_t now_ms(void)
{
    return mc__bench_now_ns() / 1000000u;
}

static bool find_on_path(const char *name, char *out, size_t len)
{
    const char *path = getenv("PATH");
    while (path != NULL && *path != '\0') {
        const char *colon = strchr(path, ':');
        size_t n = colon != NULL ? (size_t)(colon - path) : strlen(path);
        if (n > 0 && snprintf(out, len, "%.*s/%s", (int)n, path, name) < (int)len &&
            mc__bench_executable(out)) {
            return true;
        }
        path = colon != NULL ? colon + 1 : NULL;
    }
    return false;
}

static bool find_bin(const char *given, char *bin, size_t len)
{
    if (given != NULL) {
        snprintf(bin, len, "%s", given);
        if (mc__bench_executable(bin)) {
            return true;
        }
        fprintf(stderr, "mcbench: --node-bin %s: not an executable file\n", given);
        exit(2);
    }
    return mc__bench_find_sibling("../node/mcnode", bin, len) || find_on_path("mcnode", bin, len);
}

void mc__bench_node_find(const char *given, mc__bench_node *node)
{
    char found[MC_BENCH_PATH_MAX];
    if (!find_bin(given, found, sizeof found)) {
        fprintf(stderr, "mcbench: no mcnode next to mcbench (../node/mcnode) nor on PATH; "
                        "use --node-bin PATH\n");
        exit(2);
    }
    char *real = realpath(found, NULL);
    snprintf(node->bin, sizeof node->bin, "%s", real != NULL ? real : found);
    free(real);
}

/* In the child: die with mcbench, take the signals back, wire stdout and
 * stderr, exec. Only async-signal-safe calls (mcbench has threads). */
static void child_exec(const char *const *argv, int out_fd, int err_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    mc__bench_signals_unblock();
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(argv[0], (char *const *)argv);
    static const char msg[] = "mcbench: cannot exec mcnode\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
}

static pid_t spawn(const char *const *argv, int *out_read, int err_fd)
{
    int fds[2];
    if (pipe(fds) != 0) {
        fprintf(stderr, "mcbench: pipe: %s\n", strerror(errno));
        exit(1);
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mcbench: fork: %s\n", strerror(errno));
        exit(1);
    }
    if (pid == 0) {
        close(fds[0]);
        child_exec(argv, fds[1], err_fd >= 0 ? err_fd : fds[1]);
    }
    close(fds[1]);
    *out_read = fds[0];
    return pid;
}

/* Wait for `pid` until `timeout_ms`: its status as mc__bench_node_stop
 * says, or -1 on timeout. */
static int wait_pid(pid_t pid, int timeout_ms)
{
    uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if ((r < 0 && errno != EINTR) || now_ms() >= deadline) {
            return -1;
        }
        struct timespec pause = {.tv_sec = 0, .tv_nsec = PROC_POLL_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
}

/* Read from `fd` into `out` until `stop_at_newline` sees a newline, end of
 * file, or `deadline_ms`. Returns false on timeout. */
static bool read_until(int fd, char *out, size_t cap, bool stop_at_newline, uint64_t deadline_ms)
{
    size_t len = 0;
    out[0] = '\0';
    while (len + 1 < cap) {
        uint64_t now = now_ms();
        if (now >= deadline_ms) {
            return false;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(deadline_ms - now));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false; /* timeout, or poll failed */
        }
        ssize_t got = read(fd, out + len, stop_at_newline ? 1 : cap - 1 - len);
        if (got <= 0) {
            break;
        }
        len += (size_t)got;
        out[len] = '\0';
        if (stop_at_newline && out[len - 1] == '\n') {
            break;
        }
    }
    return true;
}

void mc__bench_node_init(mc__bench_node *node, const char *parent,
                         const uint8_t steward[MC_PUBLIC_KEY_BYTES],
                         uint8_t ledger_id[MC_LEDGER_ID_BYTES])
{
    mc__bench_tmpdir_make(parent, node->root, sizeof node->root);
    snprintf(node->data_dir, sizeof node->data_dir, "%.4000s/data", node->root);
    snprintf(node->log_path, sizeof node->log_path, "%.4000s/node.log", node->root);
    char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
    mc_hex_encode(steward, MC_PUBLIC_KEY_BYTES, hex);
    const char *argv[] = {node->bin,     "init",    "--data", node->data_dir, "--steward", hex,
                          "--community", "mcbench", NULL};
    int out = -1;
    pid_t pid = spawn(argv, &out, -1);
    char text[PROC_OUTPUT_MAX];
    bool in_time =
        read_until(out, text, sizeof text, false, now_ms() + MC_BENCH_NODE_INIT_TIMEOUT_MS);
    close(out);
    int status = wait_pid(pid, in_time ? MC_BENCH_NODE_INIT_TIMEOUT_MS : 0);
    if (status < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    char *nl = strchr(text, '\n');
    if (nl != NULL) {
        *nl = '\0';
    }
    if (status != 0 || mc_hex_decode(text, ledger_id, MC_LEDGER_ID_BYTES) != MC_ERR_OK) {
        if (nl != NULL) {
            *nl = '\n';
        }
        fprintf(stderr, "mcbench: %s init failed (status %d): %s\n", node->bin, status, text);
        exit(1);
    }
}

static void kill_at_exit(void)
{
    if (proc_running > 0) {
        kill(proc_running, SIGKILL);
        waitpid(proc_running, NULL, 0);
        proc_running = 0;
    }
}

static void print_log_tail(const mc__bench_node *node)
{
    FILE *f = fopen(node->log_path, "r");
    char line[PROC_LINE_MAX];
    fprintf(stderr, "---- %s ----\n", node->log_path);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        fputs(line, stderr);
    }
    fprintf(stderr, "----\n");
    if (f != NULL) {
        fclose(f);
    }
}

static void start_argv(const mc__bench_node *node, const char *const *args, const char **argv)
{
    size_t a = 0;
    argv[a++] = node->bin;
    argv[a++] = "run";
    argv[a++] = "--data";
    argv[a++] = node->data_dir;
    argv[a++] = "--listen";
    argv[a++] = "127.0.0.1:0";
    argv[a++] = "--log-level";
    argv[a++] = "debug"; /* the writer's batches, read by mc__bench_log_batches */
    for (size_t i = 0; args != NULL && args[i] != NULL && i < MC_BENCH_NODE_ARGS_MAX; i++) {
        argv[a++] = args[i];
    }
    argv[a] = NULL;
}

void mc__bench_node_start(mc__bench_node *node, const char *const *args)
{
    const char *argv[MC_BENCH_NODE_ARGS_MAX + 10];
    start_argv(node, args, argv);
    int log_fd = open(node->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        fprintf(stderr, "mcbench: %s: %s\n", node->log_path, strerror(errno));
        exit(1);
    }
    int out = -1;
    if (!proc_atexit_set) {
        atexit(kill_at_exit); /* after the temporary directory's: runs before it */
        proc_atexit_set = true;
    }
    node->pid = proc_running = spawn(argv, &out, log_fd);
    close(log_fd);
    char line[PROC_LINE_MAX];
    read_until(out, line, sizeof line, true, now_ms() + MC_BENCH_NODE_START_TIMEOUT_MS);
    close(out); /* the node writes nothing more on standard output */
    const char *colon = strrchr(line, ':');
    if (strncmp(line, PROC_LISTENING, strlen(PROC_LISTENING)) != 0 || colon == NULL) {
        print_log_tail(node);
        fprintf(stderr, "mcbench: %s run did not say where it listens within %d ms\n", node->bin,
                MC_BENCH_NODE_START_TIMEOUT_MS);
        exit(1);
    }
    line[strcspn(line, "\n")] = '\0';
    snprintf(node->address, sizeof node->address, "%.200s", line + strlen(PROC_LISTENING));
}

int mc__bench_node_stop(mc__bench_node *node)
{
    if (node->pid <= 0) {
        return 0;
    }
    kill(node->pid, SIGTERM);
    int status = wait_pid(node->pid, MC_BENCH_NODE_STOP_TIMEOUT_MS);
    if (status < 0) {
        fprintf(stderr, "mcbench: the node did not stop within %d ms of SIGTERM; killing it\n",
                MC_BENCH_NODE_STOP_TIMEOUT_MS);
        kill(node->pid, SIGKILL);
        waitpid(node->pid, NULL, 0);
    }
    node->pid = proc_running = 0;
    return status;
}

/* utime + stime of /proc/PID/task/TID/stat, in seconds; < 0 when unreadable. */
static double thread_seconds(pid_t pid, pid_t tid)
{
    char path[64], text[PROC_LINE_MAX];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1.0;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *p = strrchr(text, ')'); /* the name may hold spaces */
    unsigned long long utime = 0, stime = 0;
    /* after ")": state, then fields 4..13, then utime (14) and stime (15) */
    if (p == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                            &stime) != 2) {
        return -1.0;
    }
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_tid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static void read_threads(pid_t pid, mc__bench_usage *out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    out->threads = 0;
    DIR *d = opendir(path);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL && out->threads < MC_BENCH_NODE_THREADS_MAX) {
        long tid = strtol(e->d_name, NULL, 10);
        if (tid > 0) {
            out->tid[out->threads++] = (pid_t)tid;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    qsort(out->tid, out->threads, sizeof out->tid[0], cmp_tid);
    for (size_t i = 0; i < out->threads; i++) {
        out->seconds[i] = thread_seconds(pid, out->tid[i]);
    }
}

/* The counters of the block device holding `dir`: writes completed (field
 * 5), sectors written (7), time busy (10), flushes completed (16). */
static void read_disk(const char *dir, mc__bench_usage *out)
{
    struct stat st;
    char path[96];
    unsigned long long v[17] = {0};
    out->has_disk = false;
    if (dir == NULL || stat(dir, &st) != 0) {
        return;
    }
    snprintf(path, sizeof path, "/sys/dev/block/%u:%u/stat", major(st.st_dev), minor(st.st_dev));
    FILE *f = fopen(path, "r");
    int n = f == NULL ? 0
                      : fscanf(f,
                               "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                               "%llu %llu %llu %llu %llu",
                               &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9],
                               &v[10], &v[11], &v[12], &v[13], &v[14], &v[15], &v[16]);
    if (f != NULL) {
        fclose(f);
    }
    if (n >= 11) {
        out->has_disk = true;
        out->disk_writes = v[4];
        out->disk_sectors_written = v[6];
        out->disk_busy_ms = v[9];
        out->disk_flushes = n >= 16 ? v[15] : 0;
    }
}

/* The first line of /proc/stat: user nice system idle iowait irq softirq
 * steal, in clock ticks, for all CPUs. */
void mc__bench_machine_read(mc__bench_machine *out)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                            &v[3], &v[4], &v[5], &v[6], &v[7]) != 8) {
        memset(v, 0, sizeof v);
    }
    if (f != NULL) {
        fclose(f);
    }
    double tick = (double)sysconf(_SC_CLK_TCK);
    out->busy_seconds = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / tick;
    out->idle_seconds = (double)(v[3] + v[4]) / tick;
    out->steal_seconds = (double)v[7] / tick;
}

void mc__bench_usage_read(pid_t pid, const char *dir, mc__bench_usage *out)
{
    read_threads(pid, out);
    mc__bench_machine_read(&out->machine);
    read_disk(dir, out);
}

long mc__bench_log_size(const mc__bench_node *node)
{
    struct stat st;
    return stat(node->log_path, &st) == 0 ? (long)st.st_size : 0;
}

void mc__bench_log_batches(const mc__bench_node *node, long offset, mc__bench_batches *out)
{
    *out = (mc__bench_batches){0};
    FILE *f = fopen(node->log_path, "r");
    if (f == NULL || fseek(f, offset, SEEK_SET) != 0) {
        if (f != NULL) {
            fclose(f);
        }
        return;
    }
    char line[PROC_LINE_MAX];
    while (fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "batch of ");
        size_t n = 0, applied = 0;
        unsigned long long ms = 0;
        if (p != NULL &&
            sscanf(p, "batch of %zu: %zu applied, committed in %llu ms", &n, &applied, &ms) == 3) {
            out->count++;
            out->transactions += n;
            out->largest = n > out->largest ? n : out->largest;
            out->commit_ms += ms;
        }
        p = strstr(line, "idle: state ");
        if (p != NULL && sscanf(p, "idle: state %*u durable in %llu ms", &ms) == 1) {
            out->idle_syncs++;
            out->idle_sync_ms += ms;
        }
    }
    fclose(f);
}
