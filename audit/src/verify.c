/* mcaudit verify: the whole check of an export, in one pass over the file.
 * The genesis comes first; its SHA-256 is the ledger id and it names the
 * node key. A scratch ledger is created from it in a temporary directory
 * (removed at the end, on every path), without fsync and without a
 * checkpoint key, since the replay signs nothing. The records then stream
 * through the pipeline (pipeline.c: parallel decoding and signature checks)
 * into the checks (checks.c) and the replay (replay.c). At the end the
 * replayed ledger's invariants are checked (mc_ledger_check) and its root
 * is compared with the last checkpoint's. Memory is bounded by the limits
 * in audit.h, not by the length of the log; the scratch ledger grows on
 * disk as the node's did. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mc/pb/ledger.pb-c.h>

#include "mc/error.h"
#include "audit.h"

#define SCRATCH_MAP_MIN_BYTES (64ull << 20)

typedef struct verify_run {
    const mca_verify_options *o;
    FILE *f;
    uint64_t file_size;
    mc_export_reader *reader;
    char scratch[MCA_PATH_MAX];
    mca_pipeline *pipeline;
    mca_verifier v;
    unsigned threads;
    mca_progress progress;
} verify_run;

static bool failed(const verify_run *run)
{
    return run->v.failure.where != MCA_WHERE_NONE;
}

/* The export, or stdin for "-" (a pipe: no size, so no progress bar). */
static void open_export(verify_run *run)
{
    struct stat st;
    bool is_stdin = strcmp(run->o->path, "-") == 0;
    run->f = is_stdin ? stdin : fopen(run->o->path, "rb");
    if (run->f == NULL || fstat(fileno(run->f), &st) != 0) {
        mca_record(&run->v, MCA_WHERE_OPERATING, 0, false, 0, "cannot open %s: %s", run->o->path,
                   strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        mca_record(&run->v, MCA_WHERE_OPERATING, 0, false, 0, "%s is a directory", run->o->path);
        return;
    }
    run->file_size = S_ISREG(st.st_mode) && st.st_size > 0 ? (uint64_t)st.st_size : 0;
    int rc = mc_export_reader_open(run->f, &run->reader);
    if (rc == MC_ERR_MALFORMED) {
        mca_record(&run->v, MCA_WHERE_OFFSET, 0, true, 0,
                   "not an export: it does not start with \"mc-export-1\"");
    } else if (rc != MC_ERR_OK) {
        mca_record(&run->v, MCA_WHERE_OPERATING, 0, false, 0, "%s", mc_strerror(rc));
    }
}

static mc_ledger_options scratch_options(const verify_run *run)
{
    mc_ledger_options opts;
    memset(&opts, 0, sizeof opts);
    opts.no_sync = true;
    opts.checkpoint_key = NULL;
    uint64_t guess = run->file_size * MCA_MAP_SIZE_PER_EXPORT_BYTE;
    opts.map_size_bytes = guess > SCRATCH_MAP_MIN_BYTES ? guess : SCRATCH_MAP_MIN_BYTES;
    return opts;
}

/* True when the genesis decodes with a configuration. Core's
 * mc_ledger_create_from_genesis dereferences the configuration before it
 * checks the record (a NULL dereference on a record without one), so the
 * auditor, who reads records from anyone, checks first. */
static bool genesis_has_config(const uint8_t *genesis, size_t len)
{
    Mc__Genesis *g = mc__genesis__unpack(NULL, len, genesis);
    bool ok = g != NULL && g->config != NULL;
    if (g != NULL) {
        mc__genesis__free_unpacked(g, NULL);
    }
    return ok;
}

/* Create the scratch ledger from the genesis record. */
static void scratch_create(verify_run *run, const uint8_t *genesis, size_t len)
{
    mca_verifier *v = &run->v;
    if (!genesis_has_config(genesis, len)) {
        mca_record(v, MCA_WHERE_GENESIS, 0, true, MC_EXPORT_MAGIC_BYTES,
                   "it does not decode as a usable genesis (no configuration)");
        return;
    }
    if (mca_scratch_make(run->scratch, sizeof run->scratch) != MC_ERR_OK) {
        mca_record(v, MCA_WHERE_OPERATING, 0, false, 0,
                   "cannot make a scratch directory under $TMPDIR or /var/tmp");
        return;
    }
    mc_ledger_options opts = scratch_options(run);
    int rc = mc_ledger_create_from_genesis(run->scratch, genesis, len, &opts, &v->ledger);
    if (rc == MC_ERR_CORRUPT || rc == MC_ERR_CONFIG_INVALID) {
        mca_record(v, MCA_WHERE_GENESIS, 0, true, MC_EXPORT_MAGIC_BYTES,
                   "it does not decode as a usable genesis (%s)", mc_err_name(rc));
    } else if (rc != MC_ERR_OK) {
        mca_record(v, MCA_WHERE_OPERATING, 0, false, 0, "creating the scratch ledger in %s: %s",
                   run->scratch, mc_strerror(rc));
    } else if ((rc = mc_ledger_get_info(v->ledger, &v->info)) != MC_ERR_OK) {
        mca_record(v, MCA_WHERE_OPERATING, 0, false, 0, "the scratch ledger: %s", mc_strerror(rc));
    }
}

/* The ledger id the auditor expects (--ledger-id). */
static void check_ledger_id(verify_run *run, const uint8_t id[MC_LEDGER_ID_BYTES])
{
    uint8_t want[MC_LEDGER_ID_BYTES];
    char hex[2 * MC_LEDGER_ID_BYTES + 1];
    if (run->o->ledger_id_hex == NULL) {
        return;
    }
    mc_hex_encode(id, MC_LEDGER_ID_BYTES, hex);
    MCA_ASSERT(mc_hex_decode(run->o->ledger_id_hex, want, sizeof want) == MC_ERR_OK);
    if (memcmp(want, id, MC_LEDGER_ID_BYTES) != 0) {
        mca_record(&run->v, MCA_WHERE_GENESIS, 0, true, MC_EXPORT_MAGIC_BYTES,
                   "its ledger id is %s, not the expected %s", hex, run->o->ledger_id_hex);
    }
}

static void read_genesis(verify_run *run)
{
    mc_export_kind kind;
    const uint8_t *data;
    size_t len = 0;
    int rc = mc_export_next(run->reader, &kind, &data, &len);
    if (rc == MC_ERR_NOT_FOUND || (rc == MC_ERR_OK && kind != MC_EXPORT_GENESIS)) {
        mca_record(&run->v, MCA_WHERE_GENESIS, 0, true, MC_EXPORT_MAGIC_BYTES, "%s",
                   rc == MC_ERR_NOT_FOUND ? "the export ends before its genesis record"
                                          : "the first record is not the genesis");
        return;
    }
    if (rc != MC_ERR_OK) {
        mca_record(&run->v, rc == MC_ERR_MALFORMED ? MCA_WHERE_OFFSET : MCA_WHERE_OPERATING,
                   MC_EXPORT_MAGIC_BYTES, true, MC_EXPORT_MAGIC_BYTES,
                   "the export is cut short or malformed: the genesis record was expected here");
        return;
    }
    uint8_t id[MC_LEDGER_ID_BYTES];
    mc_sha256(data, len, id);
    check_ledger_id(run, id);
    if (!failed(run)) {
        scratch_create(run, data, len);
    }
    if (!failed(run) && memcmp(id, run->v.info.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        mca_record(&run->v, MCA_WHERE_GENESIS, 0, true, MC_EXPORT_MAGIC_BYTES,
                   "the scratch ledger's id is not the SHA-256 of the genesis");
    }
}

/* The checkpoint the auditor trusts (--checkpoint), as a file of its text. */
static void load_trusted(verify_run *run)
{
    mca_verifier *v = &run->v;
    char text[MC_CHECKPOINT_TEXT_MAX];
    FILE *f = fopen(run->o->checkpoint_path, "rb");
    if (f == NULL) {
        mca_record(v, MCA_WHERE_OPERATING, 0, false, 0, "cannot open %s: %s",
                   run->o->checkpoint_path, strerror(errno));
        return;
    }
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    int rc = len < sizeof text
                 ? mc_checkpoint_verify(text, len, v->info.node_public_key, &v->trusted)
                 : MC_ERR_CHECKPOINT_INVALID;
    while (rc != MC_ERR_OK && len >= 2 && text[len - 1] == '\n' && text[len - 2] == '\n') {
        len--; /* tolerate blank lines after the signature */
        rc = mc_checkpoint_verify(text, len, v->info.node_public_key, &v->trusted);
    }
    if (rc != MC_ERR_OK) {
        mca_record(v, MCA_WHERE_TRUSTED, 0, false, 0,
                   "%s is not a checkpoint signed by the node key the genesis names",
                   run->o->checkpoint_path);
        return;
    }
    if (memcmp(v->trusted.ledger_id, v->info.ledger_id, MC_LEDGER_ID_BYTES) != 0) {
        mca_record(v, MCA_WHERE_TRUSTED, v->trusted.size, false, 0,
                   "it is a checkpoint of another ledger than this export's");
        return;
    }
    v->has_trusted = true;
    uint8_t empty[MC_HASH_BYTES];
    mc_merkle_stream_root(&v->stream, empty);
    if (v->trusted.size == 0) {
        v->trusted_matched = memcmp(empty, v->trusted.root, MC_HASH_BYTES) == 0;
        if (!v->trusted_matched) {
            mca_record(v, MCA_WHERE_TRUSTED, 0, false, 0,
                       "it signs a log of 0 entries with a root that is not the empty tree's");
        }
    }
}

static void run_records(verify_run *run)
{
    mca_verifier *v = &run->v;
    int rc = mca_pipeline_start(run->reader, v->info.node_public_key, run->threads, &run->pipeline);
    if (rc != MC_ERR_OK) {
        mca_record(v, MCA_WHERE_OPERATING, 0, false, 0, "starting the workers: %s",
                   mc_strerror(rc));
        return;
    }
    mca_progress_start(&run->progress, run->file_size);
    uint64_t end = mc_export_offset(run->reader);
    mca_chunk *c;
    while (!failed(run) && (c = mca_pipeline_next(run->pipeline)) != NULL) {
        mca_take_chunk(v, c);
        end = c->end_offset;
        mca_pipeline_release(run->pipeline, c);
        mca_progress_update(&run->progress, v->height, end);
        if (mca_interrupted()) {
            mca_record(v, MCA_WHERE_OPERATING, 0, false, 0, "interrupted");
        }
    }
    if (!failed(run)) {
        mca_take_end(v, end);
    }
    mca_progress_finish(&run->progress);
}

static int count_account(const mc_account *a, void *ctx)
{
    mca_verifier *v = ctx;
    if (a->kind >= MC_KIND_MEMBER && a->kind <= MC_KIND_SYSTEM) {
        v->accounts[a->kind - 1]++;
    }
    return 0;
}

/* The replayed ledger's invariants, its root, its accounts. */
static void final_checks(verify_run *run)
{
    mca_verifier *v = &run->v;
    char why[MCA_WHY_MAX];
    int rc = mc_ledger_check(v->ledger, why, sizeof why);
    if (rc == MC_ERR_INVARIANT) {
        mca_record(v, MCA_WHERE_STATE, 0, false, 0, "%s", why);
        return;
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_root(v->ledger, v->height, v->root);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_list_accounts(v->ledger, NULL, 0, count_account, v);
    }
    if (rc != MC_ERR_OK) {
        mca_record(v, MCA_WHERE_OPERATING, 0, false, 0, "the scratch ledger: %s (%s)",
                   mc_strerror(rc), mc_ledger_last_error(v->ledger));
    } else if (memcmp(v->root, v->last_checkpoint.root, MC_HASH_BYTES) != 0) {
        mca_record(v, MCA_WHERE_STATE, 0, false, 0,
                   "the replayed ledger's root is not the last checkpoint's");
    }
}

static unsigned threads_of(const mca_verify_options *o)
{
    long n = o->threads > 0 ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) {
        n = 1;
    }
    return n > (long)MCA_THREADS_MAX ? MCA_THREADS_MAX : (unsigned)n;
}

static int finish(const verify_run *run, double seconds)
{
    const mca_failure *f = &run->v.failure;
    if (run->o->json) {
        mca_summary_json(&run->v, run->o->path, seconds, run->threads);
    } else if (f->where == MCA_WHERE_NONE) {
        mca_summary_print(&run->v, run->o->path, seconds, run->threads);
    } else {
        mca_failure_print(f);
    }
    if (f->where == MCA_WHERE_NONE) {
        return MCA_EXIT_OK;
    }
    return f->where == MCA_WHERE_OPERATING ? MCA_EXIT_OPERATING : MCA_EXIT_FAILED;
}

int mca_verify(const mca_verify_options *o)
{
    verify_run run;
    memset(&run, 0, sizeof run);
    run.o = o;
    run.threads = threads_of(o);
    if (mca_batch_init(&run.v.batch) != MC_ERR_OK) {
        fprintf(stderr, "mcaudit: out of memory\n");
        return MCA_EXIT_OPERATING;
    }
    mc_merkle_stream_init(&run.v.stream);
    run.v.span_first = 1;
    int64_t start_ns = mca_now_ns();
    mca_signals_install();
    open_export(&run);
    if (!failed(&run)) {
        read_genesis(&run);
    }
    if (!failed(&run) && o->checkpoint_path != NULL) {
        load_trusted(&run);
    }
    if (!failed(&run)) {
        run_records(&run);
    }
    if (!failed(&run)) {
        final_checks(&run);
    }
    mca_pipeline_stop(run.pipeline);
    double seconds = (double)(mca_now_ns() - start_ns) / 1e9;
    int code = finish(&run, seconds);
    mca_batch_free(&run.v.batch);
    mc_ledger_close(run.v.ledger);
    mca_scratch_remove(run.scratch);
    mc_export_reader_close(run.reader);
    if (run.f != NULL && run.f != stdin) {
        fclose(run.f);
    }
    return code;
}
