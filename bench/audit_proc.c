/* The `mcaudit verify` child of `mcbench audit`: finding the binary (beside
 * mcbench by default), fork and exec with TMPDIR pointing at the bench's
 * directory (so the scratch ledger goes beside the export and is removed
 * with it), its output into a log file, and the wait: wall clock from the
 * fork to the exit, CPU time and peak resident memory from wait4()'s
 * rusage, the machine's CPU time around it (/proc/stat) to tell how much
 * others took. The child dies with mcbench (PR_SET_PDEATHSIG) and is
 * killed at exit; the wait is bounded by a timeout. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* wait4(): BSD, not POSIX; Linux is what mcbench runs on */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit_bench.h"
#include "node_bench.h" /* mc__bench_machine_read */

#define PROC_POLL_NS 1000000L /* between two looks at the child: 1 ms */
#define PROC_ENV_MAX 4096u    /* variables passed on */
#define PROC_ENTRIES_LINE "\n  entries "

extern char **environ;

static pid_t proc_running; /* the child to kill at exit, 0 when none */
static bool proc_atexit_set;
static atomic_bool proc_exiting; /* exit() under way in another thread (interrupted) */

void mc__bench_audit_find(const char *given, mc__bench_verify_run *run)
{
    char found[MC_BENCH_PATH_MAX];
    if (given != NULL) {
        snprintf(found, sizeof found, "%s", given);
        if (!mc__bench_executable(found)) {
            fprintf(stderr, "mcbench: --mcaudit %s: not an executable file\n", given);
            exit(2);
        }
    } else if (!mc__bench_find_sibling("../audit/mcaudit", found, sizeof found)) {
        fprintf(stderr, "mcbench: no mcaudit beside mcbench (../audit/mcaudit); build it or "
                        "use --mcaudit PATH\n");
        exit(2);
    }
    char *real = realpath(found, NULL);
    snprintf(run->bin, sizeof run->bin, "%s", real != NULL ? real : found);
    free(real);
}

static void kill_at_exit(void)
{
    atomic_store(&proc_exiting, true); /* before the kill: the waiter sees it after */
    if (proc_running > 0) {
        kill(proc_running, SIGKILL);
        waitpid(proc_running, NULL, 0);
        proc_running = 0;
    }
}

/* This process's environment with TMPDIR replaced by `tmpdir_var`
 * ("TMPDIR=..."), in `envp` (room for PROC_ENV_MAX + 2). */
static void child_env(const char *tmpdir_var, char **envp)
{
    size_t n = 0;
    for (size_t i = 0; environ[i] != NULL && n < PROC_ENV_MAX; i++) {
        if (strncmp(environ[i], "TMPDIR=", 7) != 0) {
            envp[n++] = environ[i];
        }
    }
    envp[n++] = (char *)tmpdir_var;
    envp[n] = NULL;
}

/* In the child: only async-signal-safe calls (mcbench has threads). */
static void child_exec(char *const *argv, char *const *envp, int log_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    mc__bench_signals_unblock();
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(argv[0], argv, envp);
    static const char msg[] = "mcbench: cannot exec mcaudit\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
}

static pid_t spawn(char *const *argv, char *const *envp, const char *log_path)
{
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        fprintf(stderr, "mcbench: %s: %s\n", log_path, strerror(errno));
        exit(1);
    }
    if (!proc_atexit_set) {
        atexit(kill_at_exit); /* after the temporary directory's: runs before it */
        proc_atexit_set = true;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "mcbench: fork: %s\n", strerror(errno));
        exit(1);
    }
    if (pid == 0) {
        child_exec(argv, envp, log_fd);
    }
    proc_running = pid;
    close(log_fd);
    return pid;
}

static double timeval_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* Wait for `pid` until `deadline` (monotonic seconds), then kill it. */
static void wait_child(pid_t pid, double started, double deadline, mc__bench_verify_run *run)
{
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        double now = mc__bench_now_seconds();
        while (r != 0 && atomic_load(&proc_exiting)) {
            pause(); /* killed by the exit under way: it ends the process */
        }
        if (r == pid) {
            run->wall_seconds = now - started;
            run->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if ((r < 0 && errno != EINTR) || now >= deadline) {
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &ru);
            run->wall_seconds = now - started;
            run->status = -1;
            break;
        }
        struct timespec pause = {.tv_sec = 0, .tv_nsec = PROC_POLL_NS};
        nanosleep(&pause, NULL);
    }
    proc_running = 0;
    run->user_seconds = timeval_seconds(ru.ru_utime);
    run->system_seconds = timeval_seconds(ru.ru_stime);
    run->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u; /* Linux: kilobytes */
}

/* Its output into run->output, and the entries its summary counted. */
static void read_output(const char *log_path, mc__bench_verify_run *run)
{
    FILE *f = fopen(log_path, "r");
    size_t n = f != NULL ? fread(run->output, 1, sizeof run->output - 1, f) : 0;
    run->output[n] = '\0';
    if (f != NULL) {
        fclose(f);
    }
    unsigned long long entries = 0;
    const char *line = strstr(run->output, PROC_ENTRIES_LINE);
    if (line != NULL && sscanf(line + strlen(PROC_ENTRIES_LINE), "%llu", &entries) == 1) {
        run->reported_entries = entries;
    }
}

void mc__bench_audit_verify(const char *file, size_t threads, const char *scratch_parent,
                            const char *log_path, size_t timeout_s, mc__bench_verify_run *run)
{
    char threads_text[24], tmpdir_var[MC_BENCH_PATH_MAX + 8];
    snprintf(threads_text, sizeof threads_text, "%zu", threads);
    snprintf(tmpdir_var, sizeof tmpdir_var, "TMPDIR=%s", scratch_parent);
    char *argv[] = {run->bin, "verify", (char *)file, "--threads", threads_text, NULL};
    static char *envp[PROC_ENV_MAX + 2];
    child_env(tmpdir_var, envp);

    mc__bench_machine m0, m1;
    mc__bench_machine_read(&m0);
    double started = mc__bench_now_seconds();
    pid_t pid = spawn(argv, envp, log_path);
    wait_child(pid, started, started + (double)timeout_s, run);
    mc__bench_machine_read(&m1);

    double child = run->user_seconds + run->system_seconds;
    double taken = m1.busy_seconds - m0.busy_seconds + m1.steal_seconds - m0.steal_seconds;
    double total = taken + m1.idle_seconds - m0.idle_seconds;
    run->others_share = total > 0.0 && taken > child ? (taken - child) / total : 0.0;
    read_output(log_path, run);
}
