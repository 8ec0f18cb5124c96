/* What both modes of mcbench share (mcbench.c: the core ledger alone;
 * node_bench.c: a running mcnode): clocks, fatal errors, option values,
 * temporary directories removed at exit, interruption, the programs built
 * beside mcbench, and the machine's
 * Ed25519 verify rate on signed transfers. Private to bench/. */
#ifndef MC_BENCH_H
#define MC_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc/crypto.h"
#include "mc/tx.h"

#define MC_BENCH_PATH_MAX 4096u
#define MC_BENCH_TMPDIRS_MAX 4u    /* temporary directories alive at once */
#define MC_BENCH_THREADS_MAX 256u  /* threads of any one phase */
#define MC_BENCH_PROBE_SECONDS 1.0 /* each verify-rate probe */
#define MC_BENCH_PROBE_TXS_MAX 64u /* distinct transfers each probe thread cycles through */
#define MC_BENCH_TMPFS_MAGIC 0x01021994

/* Monotonic clock. */
double mc__bench_now_seconds(void);
uint64_t mc__bench_now_ns(void);

/* splitmix64: a fast reproducible sequence (never for keys). */
uint64_t mc__bench_rng_next(uint64_t *state);

/* Print "mcbench: WHAT: message (NAME)" for the mc error `rc` and exit(1)
 * (which stops a node started by the bench and removes the temporary
 * directories). */
_Noreturn void mc__bench_die(const char *what, int rc);

/* Sign `body` with `signer` alone, then decode and verify it as the ledger
 * will; dies on any failure. The SignedTx bytes go to *bytes_out when not
 * NULL (the caller frees them). */
mc_tx *mc__bench_sign_decode(const mc_body *body, const mc_keypair *signer, uint8_t **bytes_out,
                             size_t *len_out);

/* calloc that dies when out of memory. */
void *mc__bench_xcalloc(size_t n, size_t size);

/* A decimal integer in min..max. */
bool mc__bench_parse_size(const char *text, size_t min, size_t max, size_t *out);

/* $TMPDIR, or /var/tmp (on disk, unlike /tmp on many systems). */
void mc__bench_default_dir(char *out, size_t len);

/* A new directory "PARENT/mcbench.XXXXXX" in `out`; dies on failure. It is
 * removed with everything in it by mc__bench_tmpdir_remove() or at exit. */
void mc__bench_tmpdir_make(const char *parent, char *out, size_t len);
void mc__bench_tmpdir_remove(const char *dir);
/* Forget `dir`: it is no longer removed at exit (--keep). */
void mc__bench_tmpdir_keep(const char *dir);

/* True when `dir` is on a tmpfs (memory: fsync costs nothing there). */
bool mc__bench_is_tmpfs(const char *dir);

/* True when `path` is an executable regular file. */
bool mc__bench_executable(const char *path);

/* The program at `relative` from the directory of this executable
 * (/proc/self/exe), e.g. "../audit/mcaudit", into `out`: true when it is
 * executable. */
bool mc__bench_find_sibling(const char *relative, char *out, size_t len);

/* CPUs online. */
unsigned mc__bench_cpu_count(void);

/* SIGINT, SIGTERM and SIGHUP exit(130) from a thread of their own, so the
 * atexit cleanups run. Call first in main(), before any thread or child is
 * made; a child must unblock them (mc__bench_signals_unblock) before exec. */
void mc__bench_signals_start(void);
void mc__bench_signals_unblock(void);

/* Ed25519 verifications per second of signed transfers: `threads` threads
 * at once, each calling mc_tx_verify() (exactly the node's check) in turn on
 * its own decoded copies of up to MC_BENCH_PROBE_TXS_MAX of the `count`
 * SignedTx in `signed_tx`, for `seconds`. Dies when one does not verify. */
double mc__bench_verify_rate(uint8_t *const *signed_tx, const size_t *lens, size_t count,
                             unsigned threads, double seconds);

#endif
