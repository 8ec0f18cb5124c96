/* Tampering with the verifiable history (issue 5), end to end: a real mcnode,
 * the real mcwallet and mcaudit, checked through exit codes (mcaudit: 0
 * verified, 1 does not verify, 3 could not check) and the words of its
 * verdict.
 *
 * Group "history": the group setup builds one history on a node (members,
 * a business, a commons run by its own key, payments, a payment request
 * paid, a cheque redeemed, a contribution approved and a round of 50%),
 * while alice's wallet remembers a checkpoint half-way and one at the end;
 * a copy of the node's data taken half-way becomes a fork that grows
 * differently; another ledger is made. The history is exported by the
 * wallet (`audit export`) and by the stopped node (`mcnode export`).
 *
 *   test_exports_agree    both exports verify; they hold the same records,
 *                         but for the checkpoint of the empty log the node
 *                         signed when it started, which only the node's has
 *   test_flip_bytes       a byte flipped (XOR 0x01 and 0xff) makes verify
 *                         fail with exit 1 and name the place: in an entry
 *                         record, "FAILED at height H" with the entry's own
 *                         height (in its 5-byte header, the reader may stop
 *                         at the record's offset instead, saying the entry
 *                         at height H was expected there); the checkpoint's
 *                         size, the genesis, or the offset otherwise. Every
 *                         byte of the magic, of every record header, of the
 *                         genesis, of the round's entry, of a plain transfer
 *                         and of the last checkpoint, and a deterministic
 *                         random sample of the rest (FLIP_SAMPLE positions,
 *                         and FLIP_PER_RECORD in each record);
 *                         MC_TAMPER_EVERY_BYTE=1 flips every byte
 *   test_structure        truncations (at the end of a checkpoint record: a
 *                         shorter signed history, which verifies alone and
 *                         fails against the final checkpoint), a dropped
 *                         entry, swapped entries, duplicated records,
 *                         trailing garbage
 *   test_ledgers_and_checkpoints  --ledger-id of another ledger; --checkpoint
 *                         with the checkpoints the wallet remembered (ok),
 *                         one of the fork (rewritten), one signed by another
 *                         key; an export whose checkpoint record is replaced
 *                         by one signed by another key
 *
 * Group "rewrite": test_rewritten_history stops a node, rewrites a
 * transfer's memo in its store with tests/tools/mc_rewrite_entry (re-signed
 * by the payer; Merkle tree and checkpoints rebuilt and re-signed with the
 * node key), restarts it: `mcnode check` and a fresh export still pass, but
 * the wallet's `checkpoint` and `proof` fail against the checkpoint it
 * remembered (HISTORY_REWRITTEN), and so does `mcaudit verify --checkpoint`.
 *
 * mcaudit runs are independent processes, FLIP_SLOTS at a time. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fixture.h"
#include "json_path.h"
#include "mc/checkpoint.h"
#include "mc/client.h"
#include "mc/error.h"
#include "mc/export.h"
#include "node_harness.h"
#include "wallet_run.h"

#define RECORDS_MAX 512u          /* records in an export of the history */
#define FILE_BYTES_MAX (1u << 20) /* an export, a checkpoint */
#define FLIP_SAMPLE 600u          /* random positions beyond the chosen ones */
#define FLIP_PER_RECORD 2u        /* random positions in each record at least */
#define FLIP_SLOTS 4u             /* mcaudit processes at once */
#define FLIP_OUT_MAX 8192u        /* bytes of one run's output kept */
#define FLIP_TIMEOUT_MS 20000     /* one mcaudit run */
#define FLIP_FAILURES_SHOWN 20u
#define FLIP_SEED 0x6d635f74616d70ull /* "mc_tamp": the sample is the same every run */

/* One record of an export: where it is and what it holds. */
typedef struct record {
    char kind;       /* 'G', 'E' or 'C' */
    size_t offset;   /* of its kind byte */
    size_t len;      /* 5 header bytes and its data */
    uint64_t number; /* E: its height; C: the size it follows (entries before it) */
} record;

typedef struct export_map {
    uint8_t *bytes;
    size_t len;
    record records[RECORDS_MAX];
    size_t count;
} export_map;

typedef struct tamper_fixture {
    mc_test_node node;
    mc_test_node fork, other; /* stopped and removed when done, or by fixture_free */
    mc_test_wallet wallet;    /* wallets and files, and the last run; removed by teardown */
    char steward_key[MC_TEST_KEY_HEX_LEN + 1]; /* the "steward" identity, a node steward */
    char ledger_hex[2 * MC_LEDGER_ID_BYTES + 1];
    /* The history (group "history"). */
    char wallet_export[MC_TEST_WALLET_PATH_MAX], node_export[MC_TEST_WALLET_PATH_MAX];
    char early_cp[MC_TEST_WALLET_PATH_MAX], final_cp[MC_TEST_WALLET_PATH_MAX]; /* alice's, copied */
    char fork_cp[MC_TEST_WALLET_PATH_MAX], other_export[MC_TEST_WALLET_PATH_MAX];
    char other_cp[MC_TEST_WALLET_PATH_MAX];
    char other_ledger_hex[2 * MC_LEDGER_ID_BYTES + 1];
    int64_t plain_height, request_height, cheque_height, round_height;
    uint64_t entries, early_size;
    export_map map;   /* of node_export */
    void *scratch[3]; /* test_flip_bytes' allocations, freed by fixture_free also on failure */
    pid_t running[FLIP_SLOTS]; /* its mcaudit processes, killed by fixture_free if left */
} tamper_fixture;

/* ---- files and processes ------------------------------------------------------------ */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    uint8_t *buf = malloc(FILE_BYTES_MAX);
    assert_non_null(buf);
    *len = fread(buf, 1, FILE_BYTES_MAX, file);
    assert_true(*len < FILE_BYTES_MAX);
    fclose(file);
    return buf;
}

/* Write the parts (pointer, length; NULL ends) one after the other. */
static void write_parts(const char *path, ...)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    va_list ap;
    va_start(ap, path);
    for (const uint8_t *p = va_arg(ap, const uint8_t *); p != NULL;
         p = va_arg(ap, const uint8_t *)) {
        size_t n = va_arg(ap, size_t);
        assert_int_equal(n == 0 || fwrite(p, 1, n, file) == n, 1);
    }
    va_end(ap);
    assert_int_equal(fclose(file), 0);
}

static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    uint8_t *bytes = read_file(from, &len);
    write_parts(to, bytes, len, NULL);
    chmod(to, 0600);
    free(bytes);
}

/* mcaudit verify FILE [ARGS...] (NULL-terminated). */
static int audit(tamper_fixture *f, const char *file, ...)
{
    const char *argv[MC_TEST_WALLET_ARGS_MAX + 1] = {mc_test_bin("MC_AUDIT_BIN"), "verify", file};
    size_t a = 3;
    va_list ap;
    va_start(ap, file);
    for (const char *s = va_arg(ap, const char *); s != NULL; s = va_arg(ap, const char *)) {
        assert_true(a < MC_TEST_WALLET_ARGS_MAX);
        argv[a++] = s;
    }
    va_end(ap);
    argv[a] = NULL;
    return mc_test_wallet_exec(&f->wallet, argv, NULL);
}

/* ---- the wallet ------------------------------------------------------------------- */

static json_t *wallet_json_at(tamper_fixture *f, const char *address, const char *who, int expect,
                              ...)
{
    const char *node = f->wallet.node;
    f->wallet.node = address;
    va_list ap;
    va_start(ap, expect);
    mc_test_wallet_run_va(&f->wallet, who, NULL, true, ap);
    va_end(ap);
    f->wallet.node = node;
    return mc_test_wallet_answer(&f->wallet, expect, false);
}

/* A new identity `name` (no passphrase), opened by the steward as `kind`. */
static void open_account(tamper_fixture *f, const char *name, const char *kind)
{
    char key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, name, key);
    json_t *o =
        mc_test_wallet_json(&f->wallet, "steward", 0, "open", name, key, "--kind", kind, NULL);
    assert_string_equal(mc_test_json_string(o, "handle"), name);
}

/* The checkpoint `who`'s wallet remembers: WALLET/checkpoints/LEDGER_ID. */
static void remembered_path(const tamper_fixture *f, const char *who, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s/checkpoints/%s", f->wallet.root, who, f->ledger_hex);
    assert_true(n > 0 && (size_t)n < len);
}

/* `who` runs `mcwallet checkpoint`: the size it remembers now. */
static uint64_t take_checkpoint(tamper_fixture *f, const char *who)
{
    json_t *o = mc_test_wallet_json(&f->wallet, who, 0, "checkpoint", NULL);
    return (uint64_t)mc_test_json_int(o, "tree_size");
}

static void seed_file_of(tamper_fixture *f, const char *who, const char *out_path)
{
    char path[MC_TEST_WALLET_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/keys/%s.key", f->wallet.root, who, who);
    json_t *doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    const char *seed = mc_test_json_string(doc, "seed");
    assert_int_equal(strlen(seed), 2 * MC_SECRET_SEED_BYTES);
    write_parts(out_path, (const uint8_t *)seed, strlen(seed), (const uint8_t *)"\n", (size_t)1,
                NULL);
    json_decref(doc);
}

/* ---- fixtures ---------------------------------------------------------------------- */

/* The wallets' root, the steward, and a node (started) with it as a steward. */
static tamper_fixture *fixture_new(void)
{
    tamper_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    mc_test_wallet_init(&f->wallet, 0, 0);
    f->wallet.words_first = true; /* a loud warning may come before an answer */
    mc_test_wallet_community(&f->wallet, &f->node, "open", NULL, f->steward_key);
    mc_hex_encode(f->node.ledger_id, MC_LEDGER_ID_BYTES, f->ledger_hex);
    return f;
}

static void fixture_free(tamper_fixture *f)
{
    if (f == NULL) {
        return;
    }
    mc_test_node *nodes[] = {&f->node, &f->fork, &f->other};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        if (nodes[i]->root[0] != '\0') {
            mc_test_node_destroy(nodes[i]);
        }
    }
    mc_test_wallet_free(&f->wallet);
    for (size_t i = 0; i < FLIP_SLOTS; i++) {
        if (f->running[i] > 0) {
            kill(f->running[i], SIGKILL);
            waitpid(f->running[i], NULL, 0);
        }
    }
    free(f->map.bytes);
    for (size_t i = 0; i < sizeof f->scratch / sizeof f->scratch[0]; i++) {
        free(f->scratch[i]);
    }
    free(f);
}

static void mcnode(tamper_fixture *f, const char *command, const char *dir, const char *out)
{
    const char *argv[] = {mc_test_bin("MC_NODE_BIN"),   command, "--data", dir,
                          out != NULL ? "--out" : NULL, out,     NULL};
    mc_test_wallet_exec(&f->wallet, argv, NULL);
    mc_test_wallet_expect(&f->wallet, 0, NULL);
}

/* A copy of the stopped node's data directory (the LMDB file and the node
 * key) under ROOT/fork/data: the same ledger, from here on another history. */
static void copy_node_data(tamper_fixture *f, mc_test_node *copy)
{
    memset(copy, 0, sizeof *copy);
    mc_test_wallet_path(&f->wallet, "fork", copy->root, sizeof copy->root);
    snprintf(copy->data_dir, sizeof copy->data_dir, "%s/data", copy->root);
    snprintf(copy->log_path, sizeof copy->log_path, "%s/node.log", copy->root);
    assert_int_equal(mkdir(copy->root, 0700), 0);
    assert_int_equal(mkdir(copy->data_dir, 0700), 0);
    char from[MC_TEST_WALLET_PATH_MAX], to[MC_TEST_WALLET_PATH_MAX];
    const char *files[] = {"data.mdb", "node.key"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(from, sizeof from, "%s/%s", f->node.data_dir, files[i]);
        snprintf(to, sizeof to, "%s/%s", copy->data_dir, files[i]);
        copy_file(from, to);
    }
}

/* ---- the shared history -------------------------------------------------------------- */

/* Accounts and payments; alice remembers the checkpoint of this much. */
static void history_first_half(tamper_fixture *f)
{
    open_account(f, "alice", "member");
    open_account(f, "bob", "member");
    open_account(f, "carol", "member");
    open_account(f, "shop", "business");
    open_account(f, "fund", "commons"); /* run by its own key */
    json_t *o = mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "12.50",
                                    "bread and butter", NULL);
    f->plain_height = mc_test_json_int(o, "height");
    mc_test_wallet_json(&f->wallet, "bob", 0, "pay", "carol", "3", "eggs", NULL);
    f->early_size = take_checkpoint(f, "alice");
    assert_int_equal(f->early_size, (uint64_t)f->plain_height + 1);
    char path[MC_TEST_WALLET_PATH_MAX];
    remembered_path(f, "alice", path, sizeof path);
    copy_file(path, f->early_cp);
}

/* A payment request, a cheque, the commons and its round. */
static void history_second_half(tamper_fixture *f)
{
    char id[MC_TEST_TX_ID_HEX_LEN + 1], cheque[MC_TEST_WALLET_PATH_MAX];
    json_t *o =
        mc_test_wallet_json(&f->wallet, "carol", 0, "request", "alice", "4", "for the jam", NULL);
    snprintf(id, sizeof id, "%s", mc_test_json_string(o, "request_id"));
    o = mc_test_wallet_json(&f->wallet, "alice", 0, "accept", id, NULL);
    f->request_height = mc_test_json_int(o, "height");
    mc_test_wallet_path(&f->wallet, "lunch.cheque", cheque, sizeof cheque);
    mc_test_wallet_json(&f->wallet, "alice", 0, "cheque", "carol", "2", "lunch", "--out", cheque,
                        NULL);
    o = mc_test_wallet_json(&f->wallet, "carol", 0, "redeem", cheque, NULL);
    f->cheque_height = mc_test_json_int(o, "height");
    mc_test_wallet_json(&f->wallet, "shop", 0, "pay", "fund", "20", "--reciprocity", NULL);
    o = mc_test_wallet_json(&f->wallet, "carol", 0, "contribute", "fund", "--points", "2",
                            "--description", "the fund's accounts", NULL);
    snprintf(id, sizeof id, "%s", mc_test_json_string(o, "contribution_id"));
    mc_test_wallet_json(&f->wallet, "fund", 0, "approve", id, NULL);
    o = mc_test_wallet_json(&f->wallet, "fund", 0, "distribute", "fund", "--share", "50%", NULL);
    f->round_height = mc_test_json_int(o, "height");
    mc_test_wallet_json(&f->wallet, "bob", 0, "pay", "alice", "1", "thanks", NULL);
    f->entries = take_checkpoint(f, "alice"); /* extends the early one */
    char path[MC_TEST_WALLET_PATH_MAX];
    remembered_path(f, "alice", path, sizeof path);
    copy_file(path, f->final_cp);
}

/* The fork grows one entry of its own past the early checkpoint; its
 * checkpoint of early_size + 1 entries, signed by the same node key. */
static void grow_fork(tamper_fixture *f, mc_test_node *fork)
{
    mc_test_node_start(fork, NULL);
    char key[MC_TEST_KEY_HEX_LEN + 1];
    mc_test_wallet_identity(&f->wallet, "mallory", key);
    json_t *o = wallet_json_at(f, fork->address, "steward", 0, "open", "mallory", key, NULL);
    assert_int_equal(mc_test_json_int(o, "height"), (int64_t)f->early_size + 1);
    mc_client *c = mc_test_node_client(fork);
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    assert_int_equal(mc_client_checkpoint(c, 0, text, &len), MC_ERR_OK);
    mc_client_close(c);
    write_parts(f->fork_cp, (const uint8_t *)text, len, NULL);
    mc_test_node_stop_clean(fork);
}

/* Another ledger (its own genesis and node key), exported. */
static void make_other_ledger(tamper_fixture *f)
{
    mc_test_node *other = &f->other;
    mc_test_node_init(other, NULL);
    mc_hex_encode(other->ledger_id, MC_LEDGER_ID_BYTES, f->other_ledger_hex);
    mcnode(f, "export", other->data_dir, f->other_export);
    mc_test_node_start(other, NULL);
    mc_client *c = mc_test_node_client(other);
    char text[MC_CHECKPOINT_TEXT_MAX];
    size_t len = 0;
    assert_int_equal(mc_client_checkpoint(c, 0, text, &len), MC_ERR_OK);
    mc_client_close(c);
    write_parts(f->other_cp, (const uint8_t *)text, len, NULL);
    mc_test_node_stop_clean(other);
    mc_test_node_destroy(other);
    memset(other, 0, sizeof *other);
}

/* The records of the export at f->node_export. */
static void map_export(tamper_fixture *f)
{
    export_map *m = &f->map;
    m->bytes = read_file(f->node_export, &m->len);
    assert_true(m->len > MC_EXPORT_MAGIC_BYTES);
    assert_memory_equal(m->bytes, MC_EXPORT_MAGIC, MC_EXPORT_MAGIC_BYTES);
    uint64_t height = 0;
    for (size_t at = MC_EXPORT_MAGIC_BYTES; at < m->len;) {
        assert_true(m->count < RECORDS_MAX && at + 5 <= m->len);
        const uint8_t *h = m->bytes + at;
        size_t n = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
        record *r = &m->records[m->count++];
        r->kind = (char)h[0];
        r->offset = at;
        r->len = 5 + n;
        assert_true(r->kind == 'G' || r->kind == 'E' || r->kind == 'C');
        assert_int_equal(r->kind == 'G', m->count == 1);
        r->number = r->kind == 'E' ? ++height : height;
        at += r->len;
        assert_true(at <= m->len);
    }
    assert_int_equal(height, f->entries);
}

static int group_setup_history(void **state)
{
    tamper_fixture *f = fixture_new();
    *state = f;
    mc_test_wallet_path(&f->wallet, "wallet.mcx", f->wallet_export, sizeof f->wallet_export);
    mc_test_wallet_path(&f->wallet, "node.mcx", f->node_export, sizeof f->node_export);
    mc_test_wallet_path(&f->wallet, "early.cp", f->early_cp, sizeof f->early_cp);
    mc_test_wallet_path(&f->wallet, "final.cp", f->final_cp, sizeof f->final_cp);
    mc_test_wallet_path(&f->wallet, "fork.cp", f->fork_cp, sizeof f->fork_cp);
    mc_test_wallet_path(&f->wallet, "other.mcx", f->other_export, sizeof f->other_export);
    mc_test_wallet_path(&f->wallet, "other.cp", f->other_cp, sizeof f->other_cp);
    history_first_half(f);
    mc_test_node_stop_clean(&f->node);
    copy_node_data(f, &f->fork);
    mc_test_node_start(&f->node, NULL);
    history_second_half(f);
    json_t *o = mc_test_wallet_json(&f->wallet, "steward", 0, "audit", "export", "--out",
                                    f->wallet_export, NULL);
    assert_int_equal(mc_test_json_int(o, "entries"), (int64_t)f->entries);
    mc_test_node_stop_clean(&f->node);
    mcnode(f, "export", f->node.data_dir, f->node_export);
    grow_fork(f, &f->fork);
    mc_test_node_destroy(&f->fork);
    memset(&f->fork, 0, sizeof f->fork);
    make_other_ledger(f);
    map_export(f);
    return 0;
}

static int group_teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

/* ---- the two exports ----------------------------------------------------------------- */

static void test_exports_agree(void **state)
{
    tamper_fixture *f = *state;
    audit(f, f->wallet_export, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "verifies: every signature");
    audit(f, f->node_export, "--ledger-id", f->ledger_hex, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "verifies: every signature");
    char words[128];
    snprintf(words, sizeof words, "entries     %llu, signed by %llu checkpoints",
             (unsigned long long)f->entries, (unsigned long long)f->entries + 1);
    mc_test_wallet_expect(&f->wallet, 0, words);

    /* The node's export = the wallet's with the node's checkpoint of the
     * empty log (signed when it first started) right after the genesis:
     * the wallet asks for checkpoints after entries, and none follows 0. */
    const export_map *m = &f->map;
    assert_true(m->count >= 3 && m->records[1].kind == 'C' && m->records[1].number == 0);
    assert_true(m->records[2].kind == 'E');
    size_t len = 0;
    uint8_t *w = read_file(f->wallet_export, &len);
    const record *c0 = &m->records[1];
    assert_int_equal(len, m->len - c0->len);
    assert_memory_equal(w, m->bytes, c0->offset);
    assert_memory_equal(w + c0->offset, m->bytes + c0->offset + c0->len, len - c0->offset);
    free(w);
}

/* ---- flipped bytes --------------------------------------------------------------------- */

typedef struct flip_job {
    size_t pos;
    uint8_t mask;
} flip_job;

typedef struct flip_slot {
    pid_t pid; /* 0: free */
    int fd;
    char path[MC_TEST_WALLET_PATH_MAX];
    char out[FLIP_OUT_MAX];
    size_t out_len;
    flip_job job;
    struct timespec started;
} flip_slot;

typedef struct flip_run {
    tamper_fixture *f;
    flip_slot slots[FLIP_SLOTS];
    size_t done, failures;
    size_t at_height, in_checkpoint, in_genesis, at_offset; /* verdicts, for the summary */
    char report[FLIP_FAILURES_SHOWN * 1024];
    size_t report_len;
} flip_run;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* The record holding byte `pos`, or NULL in the magic. */
static const record *record_at(const export_map *m, size_t pos)
{
    for (size_t i = 0; i < m->count; i++) {
        if (pos >= m->records[i].offset && pos < m->records[i].offset + m->records[i].len) {
            return &m->records[i];
        }
    }
    return NULL;
}

/* Whether `out` holds the text printf makes of `fmt` and the rest. */
__attribute__((format(printf, 2, 3))) static bool says(const char *out, const char *fmt, ...)
{
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return strstr(out, text) != NULL;
}

/* "FAILED at height H" followed by " (byte offset" or ":". */
static bool names_height(const char *out, uint64_t h)
{
    unsigned long long n = (unsigned long long)h;
    return says(out, "FAILED at height %llu (", n) || says(out, "FAILED at height %llu:", n);
}

/* Whether the verdict on byte `pos` flipped is the one expected; why not. */
static bool verdict_ok(const export_map *m, size_t pos, int status, const char *out,
                       const char **why)
{
    const record *r = record_at(m, pos);
    bool header = r != NULL && pos < r->offset + 5;
    unsigned long long number = r != NULL ? (unsigned long long)r->number : 0;
    bool at_offset =
        r != NULL && says(out, "FAILED at byte offset %llu:", (unsigned long long)r->offset);
    *why = "the exit status is not 1";
    if (status != 1) {
        return false;
    }
    *why = "the verdict does not name the place";
    if (r == NULL) {
        return says(out, "FAILED at byte offset %d: not an export", 0);
    }
    switch (r->kind) {
    case 'G':
        return strstr(out, "FAILED in the genesis: ") != NULL ||
               says(out, "FAILED at byte offset %u:", MC_EXPORT_MAGIC_BYTES);
    case 'E':
        *why = header ? "the verdict names neither the entry's height nor its record"
                      : "the verdict does not name the entry's height";
        return names_height(out, r->number) ||
               (header && at_offset && says(out, "the entry at height %llu or", number));
    default:
        *why = "the verdict does not name the checkpoint";
        return says(out, "FAILED in the checkpoint of size %llu (", number) ||
               says(out, "FAILED in the checkpoint of size %llu:", number) ||
               (header && at_offset) ||
               (r == &m->records[1] && /* the first signed record: blamed on the genesis */
                strstr(out, "FAILED in the genesis: the genesis is for ledger") != NULL);
    }
}

static void flip_note_failure(flip_run *fr, const flip_slot *s, int status, const char *why)
{
    fr->failures++;
    if (fr->failures > FLIP_FAILURES_SHOWN) {
        return;
    }
    const record *r = record_at(&fr->f->map, s->job.pos);
    int n = snprintf(fr->report + fr->report_len, sizeof fr->report - fr->report_len,
                     "byte %zu ^ 0x%02x (%s %c record at %zu, number %llu): exit %d, %s:\n%.600s\n",
                     s->job.pos, s->job.mask,
                     r != NULL && s->job.pos < r->offset + 5 ? "header of" : "in",
                     r != NULL ? r->kind : 'M', r != NULL ? r->offset : 0,
                     r != NULL ? (unsigned long long)r->number : 0ull, status, why, s->out);
    if (n > 0 && (size_t)n < sizeof fr->report - fr->report_len) {
        fr->report_len += (size_t)n;
    }
}

static void flip_start(flip_run *fr, flip_slot *s, const flip_job *job)
{
    const export_map *m = &fr->f->map;
    uint8_t *bytes = m->bytes;
    bytes[job->pos] ^= job->mask;
    write_parts(s->path, bytes, m->len, NULL);
    bytes[job->pos] ^= job->mask;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *argv[] = {mc_test_bin("MC_AUDIT_BIN"), "verify", s->path, NULL};
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, STDIN_FILENO);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    fr->f->running[s - fr->slots] = pid;
    s->pid = pid;
    s->fd = fds[0];
    s->out_len = 0;
    s->job = *job;
    clock_gettime(CLOCK_MONOTONIC, &s->started);
}

/* The slot's process has closed its output (or ran too long): judge it. */
static void flip_finish(flip_run *fr, flip_slot *s, bool timed_out)
{
    int status = -1, raw = 0;
    if (timed_out) {
        kill(s->pid, SIGKILL);
    }
    if (waitpid(s->pid, &raw, 0) == s->pid && !timed_out) {
        status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    }
    close(s->fd);
    fr->f->running[s - fr->slots] = 0;
    s->pid = 0;
    s->out[s->out_len] = '\0';
    const char *why = "it ran too long";
    bool sanitizer = mc_test_has_sanitizer_report(s->out);
    if (timed_out || sanitizer || !verdict_ok(&fr->f->map, s->job.pos, status, s->out, &why)) {
        flip_note_failure(fr, s, status, sanitizer ? "a sanitizer report" : why);
    }
    fr->at_height += strstr(s->out, "FAILED at height ") != NULL;
    fr->in_checkpoint += strstr(s->out, "FAILED in the checkpoint of size ") != NULL;
    fr->in_genesis += strstr(s->out, "FAILED in the genesis: ") != NULL;
    fr->at_offset += strstr(s->out, "FAILED at byte offset ") != NULL;
    fr->done++;
}

/* Read what the running slots wrote; finish those done or past their time. */
static void flip_poll(flip_run *fr)
{
    struct pollfd p[FLIP_SLOTS];
    flip_slot *busy[FLIP_SLOTS];
    nfds_t n = 0;
    for (size_t i = 0; i < FLIP_SLOTS; i++) {
        if (fr->slots[i].pid != 0) {
            busy[n] = &fr->slots[i];
            p[n++] = (struct pollfd){.fd = fr->slots[i].fd, .events = POLLIN};
        }
    }
    int ready = poll(p, n, 100);
    if (ready < 0 && errno != EINTR) {
        fail();
    }
    for (nfds_t i = 0; i < n; i++) {
        flip_slot *s = busy[i];
        if (ready > 0 && p[i].revents != 0) {
            char buf[4096];
            ssize_t got = read(s->fd, buf, sizeof buf);
            if (got <= 0) {
                flip_finish(fr, s, false);
                continue;
            }
            size_t take = (size_t)got < FLIP_OUT_MAX - 1 - s->out_len
                              ? (size_t)got
                              : FLIP_OUT_MAX - 1 - s->out_len;
            memcpy(s->out + s->out_len, buf, take);
            s->out_len += take;
        } else if (seconds_since(&s->started) * 1000 > FLIP_TIMEOUT_MS) {
            flip_finish(fr, s, true);
        }
    }
}

static void flip_all(tamper_fixture *f, const flip_job *jobs, size_t n_jobs)
{
    flip_run *fr = f->scratch[2] = calloc(1, sizeof *fr);
    assert_non_null(fr);
    fr->f = f;
    for (size_t i = 0; i < FLIP_SLOTS; i++) {
        char name[32];
        snprintf(name, sizeof name, "flip-%zu.mcx", i);
        mc_test_wallet_path(&f->wallet, name, fr->slots[i].path, sizeof fr->slots[i].path);
    }
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    size_t next = 0;
    while (fr->done < n_jobs) {
        for (size_t i = 0; i < FLIP_SLOTS && next < n_jobs; i++) {
            if (fr->slots[i].pid == 0) {
                flip_start(fr, &fr->slots[i], &jobs[next++]);
            }
        }
        flip_poll(fr);
    }
    fprintf(stderr,
            "flipped %zu bytes of %zu (each ^ 0x01 and ^ 0xff): %zu mcaudit runs in %.1f s, "
            "%zu with a wrong verdict; verdicts: %zu at a height, %zu in a checkpoint, %zu in "
            "the genesis, %zu at a byte offset\n",
            n_jobs / 2, f->map.len, n_jobs, seconds_since(&start), fr->failures, fr->at_height,
            fr->in_checkpoint, fr->in_genesis, fr->at_offset);
    if (fr->failures > 0) {
        fprintf(stderr, "%s%s", fr->report,
                fr->failures > FLIP_FAILURES_SHOWN ? "(more not shown)\n" : "");
    }
    size_t failures = fr->failures;
    free(fr);
    f->scratch[2] = NULL;
    assert_int_equal(failures, 0);
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const record *find_record(const export_map *m, char kind, uint64_t number)
{
    for (size_t i = 0; i < m->count; i++) {
        if (m->records[i].kind == kind && m->records[i].number == number) {
            return &m->records[i];
        }
    }
    fail();
    return NULL;
}

static void choose_record(const export_map *m, bool *chosen, char kind, uint64_t number)
{
    const record *r = find_record(m, kind, number);
    memset(chosen + r->offset, 1, r->len);
}

/* The positions to flip: see the header comment. */
static size_t choose_positions(const tamper_fixture *f, bool *chosen)
{
    const export_map *m = &f->map;
    const char *every = getenv("MC_TAMPER_EVERY_BYTE");
    if (every != NULL && every[0] == '1') {
        memset(chosen, 1, m->len);
        return m->len;
    }
    memset(chosen, 1, MC_EXPORT_MAGIC_BYTES);
    for (size_t i = 0; i < m->count; i++) {
        memset(chosen + m->records[i].offset, 1, 5);
    }
    memset(chosen + m->records[0].offset, 1, m->records[0].len); /* the genesis */
    choose_record(m, chosen, 'E', (uint64_t)f->round_height);
    choose_record(m, chosen, 'E', (uint64_t)f->plain_height);
    choose_record(m, chosen, 'C', f->entries);
    uint64_t seed = FLIP_SEED;
    for (size_t i = 0; i < m->count; i++) {
        const record *r = &m->records[i];
        for (unsigned k = 0; k < FLIP_PER_RECORD; k++) {
            chosen[r->offset + 5 + next_random(&seed) % (r->len - 5)] = 1;
        }
    }
    size_t count = 0;
    for (size_t i = 0; i < m->len; i++) {
        count += chosen[i];
    }
    for (size_t added = 0; added < FLIP_SAMPLE && count < m->len;) {
        size_t pos = (size_t)(next_random(&seed) % m->len);
        if (!chosen[pos]) {
            chosen[pos] = 1;
            count++;
            added++;
        }
    }
    return count;
}

static void test_flip_bytes(void **state)
{
    tamper_fixture *f = *state;
    const export_map *m = &f->map;
    bool *chosen = f->scratch[0] = calloc(m->len, sizeof *chosen);
    flip_job *jobs = f->scratch[1] = calloc(2 * m->len, sizeof *jobs);
    assert_true(chosen != NULL && jobs != NULL);
    size_t positions = choose_positions(f, chosen), n = 0;
    for (size_t pos = 0; pos < m->len; pos++) {
        if (chosen[pos]) {
            jobs[n++] = (flip_job){pos, 0x01};
            jobs[n++] = (flip_job){pos, 0xff};
        }
    }
    assert_int_equal(n, 2 * positions);
    free(chosen);
    f->scratch[0] = NULL;
    flip_all(f, jobs, n);
    free(jobs);
    f->scratch[1] = NULL;
}

/* ---- the file's structure ---------------------------------------------------------------- */

/* The export cut at `at`: exit 1, or, at the end of a checkpoint record
 * (a shorter history, signed), exit 0 alone and exit 1 against the final
 * checkpoint, which it lacks. */
static void truncated(tamper_fixture *f, const char *file, size_t at)
{
    const export_map *m = &f->map;
    if (at >= m->len) {
        return; /* the whole export */
    }
    write_parts(file, m->bytes, at, NULL);
    const record *r = at > MC_EXPORT_MAGIC_BYTES ? record_at(m, at - 1) : NULL;
    bool after_checkpoint = r != NULL && r->kind == 'C' && r->offset + r->len == at;
    audit(f, file, NULL);
    if (!after_checkpoint) {
        mc_test_wallet_expect(&f->wallet, 1, "FAILED ");
        return;
    }
    mc_test_wallet_expect(&f->wallet, 0, "verifies");
    audit(f, file, "--checkpoint", f->final_cp, NULL);
    mc_test_wallet_expect(&f->wallet, 1,
                          "FAILED against the trusted checkpoint: the export ends at height");
}

static void check_truncations(tamper_fixture *f, const char *file)
{
    const export_map *m = &f->map;
    size_t cuts[] = {0,
                     1,
                     MC_EXPORT_MAGIC_BYTES - 1,
                     MC_EXPORT_MAGIC_BYTES,
                     MC_EXPORT_MAGIC_BYTES + 3,
                     m->records[0].offset + m->records[0].len / 2,
                     m->len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        truncated(f, file, cuts[i]);
    }
    for (size_t i = 0; i < m->count; i++) { /* every record's end, and its middle */
        const record *r = &m->records[i];
        truncated(f, file, r->offset + r->len);
        truncated(f, file, r->offset + 2);
        truncated(f, file, r->offset + 5 + (r->len - 5) / 2);
    }
    audit(f, f->node_export, "--checkpoint", f->final_cp, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "given with --checkpoint is part of this history");
}

/* The export with records [a, b) replaced by `mid` (mid_len bytes). */
static void splice(const tamper_fixture *f, const char *file, size_t a, size_t b,
                   const uint8_t *mid, size_t mid_len)
{
    const export_map *m = &f->map;
    write_parts(file, m->bytes, a, mid != NULL ? mid : m->bytes, mid_len, m->bytes + b, m->len - b,
                NULL);
}

static void check_dropped_and_swapped(tamper_fixture *f, const char *file)
{
    const export_map *m = &f->map;
    uint64_t k = (uint64_t)f->cheque_height;
    const record *e = find_record(m, 'E', k), *c = find_record(m, 'C', k);
    const record *e2 = find_record(m, 'E', k + 1), *c2 = find_record(m, 'C', k + 1);
    assert_true(c->offset == e->offset + e->len && e2->offset == c->offset + c->len);

    splice(f, file, e->offset, e->offset + e->len, NULL, 0); /* entry k dropped */
    audit(f, file, NULL);
    mc_test_wallet_expect(&f->wallet, 1, "FAILED in the checkpoint of size");
    splice(f, file, e->offset, c->offset + c->len, NULL, 0); /* and its checkpoint */
    audit(f, file, NULL);
    char words[96];
    snprintf(words, sizeof words, "FAILED at height %llu", (unsigned long long)k);
    mc_test_wallet_expect(&f->wallet, 1, words);
    mc_test_wallet_expect(&f->wallet, 1, "where");

    size_t len = e2->len + c->len + e->len; /* entries k and k + 1 swapped */
    uint8_t *mid = malloc(len + c2->len);
    assert_non_null(mid);
    memcpy(mid, m->bytes + e2->offset, e2->len);
    memcpy(mid + e2->len, m->bytes + c->offset, c->len);
    memcpy(mid + e2->len + c->len, m->bytes + e->offset, e->len);
    splice(f, file, e->offset, e2->offset + e2->len, mid, len);
    audit(f, file, NULL);
    mc_test_wallet_expect(&f->wallet, 1, words);
    memcpy(mid, m->bytes + e2->offset, e2->len + c2->len); /* with their checkpoints */
    memcpy(mid + e2->len + c2->len, m->bytes + e->offset, e->len + c->len);
    splice(f, file, e->offset, c2->offset + c2->len, mid, e->len + c->len + e2->len + c2->len);
    audit(f, file, NULL);
    mc_test_wallet_expect(&f->wallet, 1, words);
    free(mid);
}

static void check_duplicates(tamper_fixture *f, const char *file)
{
    const export_map *m = &f->map;
    uint64_t k = (uint64_t)f->cheque_height;
    const record *g = &m->records[0], *e = find_record(m, 'E', k), *c = find_record(m, 'C', k);
    char words[96];
    snprintf(words, sizeof words, "FAILED at height %llu", (unsigned long long)k + 1);
    splice(f, file, e->offset, e->offset, m->bytes + e->offset, e->len); /* E E C */
    audit(f, file, NULL);
    mc_test_wallet_expect(&f->wallet, 1, words);
    splice(f, file, c->offset + c->len, c->offset + c->len, m->bytes + e->offset, e->len);
    audit(f, file, NULL); /* E C E */
    mc_test_wallet_expect(&f->wallet, 1, words);
    splice(f, file, g->offset + g->len, g->offset + g->len, m->bytes + g->offset, g->len); /* G G */
    audit(f, file, NULL);
    mc_test_wallet_expect(&f->wallet, 1, "a second genesis record");
}

/* A checkpoint record repeated: the store holds one checkpoint per size and
 * both exports write each once, so a second one of the same size is not
 * an export's (and would be counted twice). */
static void check_duplicate_checkpoints(tamper_fixture *f, const char *file)
{
    const export_map *m = &f->map;
    uint64_t sizes[] = {(uint64_t)f->cheque_height, f->entries};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const record *c = find_record(m, 'C', sizes[i]);
        splice(f, file, c->offset + c->len, c->offset + c->len, m->bytes + c->offset, c->len);
        audit(f, file, NULL); /* E C C */
        char words[96];
        snprintf(words, sizeof words, "FAILED in the checkpoint of size %llu",
                 (unsigned long long)sizes[i]);
        mc_test_wallet_expect(&f->wallet, 1, words);
    }
}

static void check_trailing(tamper_fixture *f, const char *file)
{
    const export_map *m = &f->map;
    static const uint8_t garbage[] = "garbage\n", zero[1] = {0};
    const record *e1 = find_record(m, 'E', 1);
    write_parts(file, m->bytes, m->len, garbage, sizeof garbage - 1, NULL);
    audit(f, file, NULL);
    char words[96];
    snprintf(words, sizeof words, "FAILED at byte offset %zu:", m->len);
    mc_test_wallet_expect(&f->wallet, 1, words);
    write_parts(file, m->bytes, m->len, zero, sizeof zero, NULL);
    audit(f, file, NULL);
    mc_test_wallet_expect(&f->wallet, 1, words);
    write_parts(file, m->bytes, m->len, m->bytes + e1->offset, e1->len, NULL); /* entry 1 again */
    audit(f, file, NULL);
    snprintf(words, sizeof words, "FAILED at height %llu", (unsigned long long)f->entries + 1);
    mc_test_wallet_expect(&f->wallet, 1, words);
}

static void test_structure(void **state)
{
    tamper_fixture *f = *state;
    char file[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "structure.mcx", file, sizeof file);
    check_truncations(f, file);
    check_dropped_and_swapped(f, file);
    check_trailing(f, file);
    check_duplicates(f, file);
    check_duplicate_checkpoints(f, file);
}

/* ---- ledgers and trusted checkpoints --------------------------------------------------- */

/* `from`'s checkpoint re-signed by a key of the test's: the same four lines,
 * another signature line. Written to `to`; the text into `text`. */
static size_t sign_with_other_key(const char *from, const char *to,
                                  char text[MC_CHECKPOINT_TEXT_MAX])
{
    size_t len = 0;
    uint8_t *orig = read_file(from, &len);
    mc_checkpoint cp;
    assert_int_equal(mc_checkpoint_parse((const char *)orig, len, &cp), MC_ERR_OK);
    mc_keypair *other = NULL;
    assert_int_equal(mc_keypair_generate(&other), MC_ERR_OK);
    size_t out_len = 0;
    assert_int_equal(mc_checkpoint_sign(&cp, other, text, &out_len), MC_ERR_OK);
    mc_keypair_free(other);
    const char *sig = strstr(text, "\n\n");
    assert_non_null(sig);
    size_t body = (size_t)(sig - text) + 2; /* up to the signature line */
    assert_int_equal(out_len, len);
    assert_memory_equal(text, orig, body);
    assert_memory_not_equal(text + body, orig + body, len - body);
    free(orig);
    write_parts(to, (const uint8_t *)text, out_len, NULL);
    return out_len;
}

static void check_ledger_ids(tamper_fixture *f)
{
    audit(f, f->other_export, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "verifies");
    audit(f, f->other_export, "--ledger-id", f->ledger_hex, NULL);
    mc_test_wallet_expect(&f->wallet, 1, "FAILED in the genesis: its ledger id is");
    audit(f, f->node_export, "--ledger-id", f->other_ledger_hex, NULL);
    mc_test_wallet_expect(&f->wallet, 1, "FAILED in the genesis: its ledger id is");
    audit(f, f->wallet_export, "--ledger-id", f->ledger_hex, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "verifies");
}

static void check_trusted(tamper_fixture *f)
{
    const char *exports[] = {f->node_export, f->wallet_export};
    for (size_t i = 0; i < 2; i++) {
        audit(f, exports[i], "--checkpoint", f->early_cp, NULL);
        mc_test_wallet_expect(&f->wallet, 0, "given with --checkpoint is part of this history");
        audit(f, exports[i], "--checkpoint", f->final_cp, NULL);
        mc_test_wallet_expect(&f->wallet, 0, "given with --checkpoint is part of this history");
        audit(f, exports[i], "--checkpoint", f->fork_cp, NULL);
        mc_test_wallet_expect(&f->wallet, 1, "FAILED against the trusted checkpoint: ");
        mc_test_wallet_expect(&f->wallet, 1, "the history was rewritten");
        audit(f, exports[i], "--checkpoint", f->other_cp, NULL);
        mc_test_wallet_expect(&f->wallet, 1, "FAILED against the trusted checkpoint: ");
    }
    char other[MC_TEST_WALLET_PATH_MAX], text[MC_CHECKPOINT_TEXT_MAX];
    mc_test_wallet_path(&f->wallet, "other-key.cp", other, sizeof other);
    sign_with_other_key(f->final_cp, other, text);
    audit(f, f->node_export, "--checkpoint", other, NULL);
    mc_test_wallet_expect(&f->wallet, 1,
                          "is not a checkpoint signed by the node key the genesis names");
    sign_with_other_key(f->early_cp, other, text);
    audit(f, f->node_export, "--checkpoint", other, NULL);
    mc_test_wallet_expect(&f->wallet, 1,
                          "is not a checkpoint signed by the node key the genesis names");
}

/* The export with the checkpoint record of `size` replaced by the same
 * checkpoint signed by another key (the same length). */
static void replaced_checkpoint_record(tamper_fixture *f, uint64_t size)
{
    const export_map *m = &f->map;
    const record *c = find_record(m, 'C', size);
    char cp_file[MC_TEST_WALLET_PATH_MAX], file[MC_TEST_WALLET_PATH_MAX];
    char text[MC_CHECKPOINT_TEXT_MAX];
    mc_test_wallet_path(&f->wallet, "record.cp", cp_file, sizeof cp_file);
    mc_test_wallet_path(&f->wallet, "replaced.mcx", file, sizeof file);
    write_parts(cp_file, m->bytes + c->offset + 5, c->len - 5, NULL);
    size_t len = sign_with_other_key(cp_file, cp_file, text);
    assert_int_equal(len, c->len - 5);
    splice(f, file, c->offset + 5, c->offset + c->len, (const uint8_t *)text, len);
    audit(f, file, NULL);
    char words[128];
    snprintf(words, sizeof words, "FAILED in the checkpoint of size %llu",
             (unsigned long long)size);
    mc_test_wallet_expect(&f->wallet, 1, words);
    mc_test_wallet_expect(&f->wallet, 1,
                          "its signature does not verify with the node key the genesis names");
}

static void test_ledgers_and_checkpoints(void **state)
{
    tamper_fixture *f = *state;
    check_ledger_ids(f);
    check_trusted(f);
    replaced_checkpoint_record(f, 0);
    replaced_checkpoint_record(f, f->early_size);
    replaced_checkpoint_record(f, f->entries);
}

/* ---- a node rewrites its past ------------------------------------------------------------ */

static int setup_rewrite(void **state)
{
    *state = fixture_new();
    return 0;
}

/* The remembered checkpoint is refused loudly and kept. */
static void expect_rewritten(tamper_fixture *f, const char *who, const uint8_t *kept,
                             size_t kept_len)
{
    mc_test_wallet_run(&f->wallet, who, "checkpoint", NULL);
    mc_test_wallet_expect(&f->wallet, 1, "!!! HISTORY REWRITTEN !!!");
    mc_test_wallet_expect(&f->wallet, 1, "(HISTORY_REWRITTEN)");
    mc_test_wallet_expect(&f->wallet, 1, "does not contain the tree of");
    json_t *o = mc_test_wallet_json(&f->wallet, who, 1, "checkpoint", NULL);
    mc_test_json_assert_error(o, "HISTORY_REWRITTEN");
    assert_memory_equal(mc_test_json_string(o, "remembered"), kept, kept_len);
    char path[MC_TEST_WALLET_PATH_MAX];
    remembered_path(f, who, path, sizeof path);
    size_t len = 0;
    uint8_t *now = read_file(path, &len);
    assert_int_equal(len, kept_len);
    assert_memory_equal(now, kept, len);
    free(now);
}

/* mc_rewrite_entry --data DIR --height H --memo MEMO --signer-key KEY. */
static int rewrite_tool(tamper_fixture *f, const char *height, const char *memo, const char *key)
{
    const char *argv[] = {mc_test_bin("MC_REWRITE_BIN"),
                          "--data",
                          f->node.data_dir,
                          "--height",
                          height,
                          "--memo",
                          memo,
                          "--signer-key",
                          key,
                          NULL};
    return mc_test_wallet_exec(&f->wallet, argv, NULL);
}

/* The node (stopped) rewrites the transfer at `height`: "for the garden",
 * signed again by alice, the tree and every later checkpoint rebuilt and
 * signed by the node key. Locally nothing shows: mcnode check passes. The
 * new transaction id into `new_id`. */
static void rewrite_past(tamper_fixture *f, const char *height,
                         char new_id[MC_TEST_TX_ID_HEX_LEN + 1])
{
    char alice[MC_TEST_WALLET_PATH_MAX], bob[MC_TEST_WALLET_PATH_MAX];
    mc_test_wallet_path(&f->wallet, "alice.seed", alice, sizeof alice);
    mc_test_wallet_path(&f->wallet, "bob.seed", bob, sizeof bob);
    seed_file_of(f, "alice", alice);
    seed_file_of(f, "bob", bob);
    /* What the tool refuses, writing nothing. */
    assert_int_equal(rewrite_tool(f, height, "x", bob), 1); /* not the payer's key */
    mc_test_wallet_expect(&f->wallet, 1, "not signed by the --signer-key");
    assert_int_equal(rewrite_tool(f, "1", "x", alice), 1); /* an account's opening */
    mc_test_wallet_expect(&f->wallet, 1, "not a plain transfer");
    assert_int_equal(rewrite_tool(f, "99", "x", alice), 1);
    mc_test_wallet_expect(&f->wallet, 1, "no entry at that height");
    assert_int_equal(rewrite_tool(f, "0", "x", alice), 2);
    mcnode(f, "check", f->node.data_dir, NULL);

    rewrite_tool(f, height, "for the garden", alice);
    mc_test_wallet_expect(&f->wallet, 0, "checkpoints re-signed by the node key");
    const char *at = strstr(f->wallet.out, "new tx id ");
    assert_non_null(at);
    memcpy(new_id, at + 10, MC_TEST_TX_ID_HEX_LEN);
    new_id[MC_TEST_TX_ID_HEX_LEN] = '\0';
    mcnode(f, "check", f->node.data_dir, NULL);
}

static void test_rewritten_history(void **state)
{
    tamper_fixture *f = *state;
    char rent_id[MC_TEST_TX_ID_HEX_LEN + 1], new_id[MC_TEST_TX_ID_HEX_LEN + 1], height[24];
    char path[MC_TEST_WALLET_PATH_MAX], export_file[MC_TEST_WALLET_PATH_MAX];
    open_account(f, "alice", "member");
    open_account(f, "bob", "member");
    json_t *o =
        mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "40", "rent for May", NULL);
    snprintf(rent_id, sizeof rent_id, "%s", mc_test_json_string(o, "tx_id"));
    snprintf(height, sizeof height, "%lld", (long long)mc_test_json_int(o, "height"));
    mc_test_wallet_json(&f->wallet, "bob", 0, "pay", "alice", "5", "change", NULL);
    mc_test_wallet_json(&f->wallet, "alice", 0, "pay", "bob", "1", "tip", NULL);
    uint64_t size = take_checkpoint(f, "alice");
    mc_test_wallet_run(&f->wallet, "alice", "proof", rent_id, NULL);
    mc_test_wallet_expect(&f->wallet, 0, "is in the log of");
    remembered_path(f, "alice", path, sizeof path);
    size_t kept_len = 0;
    uint8_t *kept = read_file(path, &kept_len);

    mc_test_node_stop_clean(&f->node);
    rewrite_past(f, height, new_id);
    mc_test_node_start(&f->node, NULL);
    expect_rewritten(f, "alice", kept, kept_len); /* the same size, another root */
    mc_test_wallet_json(&f->wallet, "bob", 0, "pay", "alice", "2", "after", NULL);
    mc_test_wallet_path(&f->wallet, "after.mcx", export_file, sizeof export_file);
    mc_test_wallet_json(&f->wallet, "steward", 0, "audit", "export", "--out", export_file, NULL);
    audit(f, export_file, NULL);
    /* Self-consistent: only an old checkpoint tells. */
    mc_test_wallet_expect(&f->wallet, 0, "verifies");
    assert_int_equal(take_checkpoint(f, "bob"), size + 1); /* bob remembered nothing */
    mc_test_wallet_run(&f->wallet, "bob", "proof", new_id, NULL);
    mc_test_wallet_expect(&f->wallet, 0,
                          "is in the log of"); /* to bob, the forged entry is proven */

    /* alice remembered the checkpoint of `size` entries: the log of size + 1
     * does not extend it. */
    expect_rewritten(f, "alice", kept, kept_len);
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 1, "proof", rent_id, NULL),
                              "HISTORY_REWRITTEN");
    mc_test_json_assert_error(mc_test_wallet_json(&f->wallet, "alice", 1, "proof", new_id, NULL),
                              "HISTORY_REWRITTEN");
    mc_test_wallet_run(&f->wallet, "alice", "proof", rent_id, NULL);
    mc_test_wallet_expect(&f->wallet, 1, "HISTORY REWRITTEN");
    audit(f, export_file, "--checkpoint", path, NULL);
    mc_test_wallet_expect(&f->wallet, 1, "FAILED against the trusted checkpoint: ");
    mc_test_wallet_expect(&f->wallet, 1, "the history was rewritten");
    free(kept);
}

static int teardown_rewrite(void **state)
{
    fixture_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest history[] = {
        cmocka_unit_test(test_exports_agree),
        cmocka_unit_test(test_flip_bytes),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_ledgers_and_checkpoints),
    };
    const struct CMUnitTest rewrite[] = {
        cmocka_unit_test_setup_teardown(test_rewritten_history, setup_rewrite, teardown_rewrite),
    };
    int failed =
        cmocka_run_group_tests_name("history", history, group_setup_history, group_teardown);
    failed += cmocka_run_group_tests_name("rewrite", rewrite, NULL, NULL);
    return failed;
}
