/* The verdict of mcaudit verify: a summary in words on stdout when the
 * export verifies, one "FAILED ..." line naming the first bad height (or the
 * genesis, a checkpoint, a byte offset) otherwise, or, with --json, one
 * object with "ok" and either the figures or "failure". Operating errors
 * (not the export's fault) go to stderr. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "audit.h"

#define SUMMARY_COLUMNS 100 /* the kinds line wraps before this */
#define SUMMARY_FIGURE_MAX (MC_AMOUNT_TEXT_MAX + MC_UNIT_SYMBOL_MAX + 16u)

static const char *const kind_plural[MC_KIND_COUNT] = {"members", "businesses", "commons",
                                                       "system"};

static uint64_t accounts_total(const mca_verifier *v)
{
    uint64_t n = 0;
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        n += v->accounts[k];
    }
    return n;
}

static double per_second(uint64_t n, double seconds)
{
    return seconds > 0 ? (double)n / seconds : 0.0;
}

/* Every kind by name with its count, wrapped under the label. */
static void print_kinds(const mca_verifier *v)
{
    int column = printf("  kinds       ");
    for (int k = 0; k < (int)MCA_KIND_SLOTS; k++) {
        char item[64];
        int n = snprintf(item, sizeof item, "%s %llu%s", mca_kind_name(k + MC_TX_KIND_FIRST),
                         (unsigned long long)v->kinds[k], k + 1 < (int)MCA_KIND_SLOTS ? "," : "");
        if (k > 0 && column + 1 + n > SUMMARY_COLUMNS) {
            column = printf("\n              ") - 1;
        } else if (k > 0) {
            column += printf(" ");
        }
        column += printf("%s", item);
    }
    printf("\n");
}

/* "1234.00 g", or "more than ..." when the sum overflowed. */
static void figure_text(const mca_verifier *v, int64_t sum, bool overflow, char *out, size_t len)
{
    char amount[MC_AMOUNT_TEXT_MAX];
    mca_amount_text(sum, v->info.decimals, amount);
    snprintf(out, len, "%s%s %s", overflow ? "more than " : "", amount, v->info.unit_symbol);
}

/* What moved money: transfers (their amounts), the fees paid beside them,
 * and the distribution rounds. */
static void print_money(const mca_verifier *v)
{
    char volume[SUMMARY_FIGURE_MAX], fees[SUMMARY_FIGURE_MAX], payouts[SUMMARY_FIGURE_MAX];
    figure_text(v, v->volume, v->volume_overflow, volume, sizeof volume);
    figure_text(v, v->fees, v->fees_overflow, fees, sizeof fees);
    figure_text(v, v->payouts, v->payouts_overflow, payouts, sizeof payouts);
    printf("  volume      %s in %llu transfers (their amounts, fees apart)\n", volume,
           (unsigned long long)v->kinds[MC_TX_TRANSFER - MC_TX_KIND_FIRST]);
    printf("  fees        %s, paid beside those amounts to the fee account\n", fees);
    printf("  rounds      %s paid to contributors out of commons in %llu distribution rounds\n",
           payouts, (unsigned long long)v->kinds[MC_TX_DISTRIBUTION - MC_TX_KIND_FIRST]);
}

void mca_summary_print(const mca_verifier *v, const char *path, double seconds, unsigned threads)
{
    char id[2 * MC_LEDGER_ID_BYTES + 1], root[MCA_BASE64_HASH_MAX], when[MCA_TIME_TEXT_MAX];
    mc_hex_encode(v->info.ledger_id, MC_LEDGER_ID_BYTES, id);
    mca_base64_hash(v->root, root);
    mca_time_iso(v->last_checkpoint.time, when);
    printf("%s verifies: every signature, every replayed result, every checkpoint.\n", path);
    printf("  ledger      %s\n", id);
    printf("  community   %s\n", v->info.community);
    printf("  unit        %s (%s), %u decimals\n", v->info.unit_name, v->info.unit_symbol,
           v->info.decimals);
    printf("  entries     %llu, signed by %llu checkpoints\n", (unsigned long long)v->height,
           (unsigned long long)v->checkpoints);
    printf("  accounts    %llu:", (unsigned long long)accounts_total(v));
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        printf("%s %llu %s", k > 0 ? "," : "", (unsigned long long)v->accounts[k], kind_plural[k]);
    }
    printf("\n");
    print_money(v);
    print_kinds(v);
    printf("  root        %s, as the checkpoint of size %llu signs at %s\n", root,
           (unsigned long long)v->last_checkpoint.size, when);
    if (v->has_trusted) {
        printf("  trusted     the checkpoint of size %llu given with --checkpoint is part of "
               "this history\n",
               (unsigned long long)v->trusted.size);
    }
    printf("  invariants  hold (mc_ledger_check on the replayed ledger)\n");
    printf("  time        %.2f s, %.0f entries/s, %u verifying threads\n", seconds,
           per_second(v->height, seconds), threads);
}

static const char *where_name(mca_where where)
{
    switch (where) {
    case MCA_WHERE_HEIGHT:
        return "height";
    case MCA_WHERE_GENESIS:
        return "genesis";
    case MCA_WHERE_CHECKPOINT:
        return "checkpoint";
    case MCA_WHERE_TRUSTED:
        return "trusted_checkpoint";
    case MCA_WHERE_OFFSET:
        return "offset";
    case MCA_WHERE_STATE:
        return "state";
    case MCA_WHERE_OPERATING:
        return "operating";
    case MCA_WHERE_NONE:
        break;
    }
    return "none";
}

void mca_failure_print(const mca_failure *f)
{
    char at[64] = "";
    if (f->has_offset && f->where != MCA_WHERE_OFFSET) {
        snprintf(at, sizeof at, " (byte offset %llu)", (unsigned long long)f->offset);
    }
    unsigned long long n = (unsigned long long)f->number;
    switch (f->where) {
    case MCA_WHERE_HEIGHT:
        printf("FAILED at height %llu%s: %s\n", n, at, f->why);
        break;
    case MCA_WHERE_GENESIS:
        printf("FAILED in the genesis: %s\n", f->why);
        break;
    case MCA_WHERE_CHECKPOINT:
        printf("FAILED in the checkpoint of size %llu%s: %s\n", n, at, f->why);
        break;
    case MCA_WHERE_TRUSTED:
        printf("FAILED against the trusted checkpoint: %s\n", f->why);
        break;
    case MCA_WHERE_OFFSET:
        printf("FAILED at byte offset %llu: %s\n", n, f->why);
        break;
    case MCA_WHERE_STATE:
        printf("FAILED in the replayed ledger's state: %s\n", f->why);
        break;
    case MCA_WHERE_OPERATING:
    case MCA_WHERE_NONE:
        fprintf(stderr, "mcaudit: cannot verify: %s\n", f->why);
        break;
    }
}

/* A JSON string of `text`, with any byte of a broken UTF-8 sequence (a
 * path, a message cut short) replaced by '?'. */
static json_t *json_text(const char *text)
{
    json_t *s = json_string(text);
    if (s != NULL) {
        return s;
    }
    char safe[MCA_PATH_MAX];
    size_t n = 0;
    for (; text[n] != '\0' && n + 1 < sizeof safe; n++) {
        safe[n] = (unsigned char)text[n] < 0x80 ? text[n] : '?';
    }
    safe[n] = '\0';
    return json_string(safe);
}

static json_t *failure_json(const mca_failure *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "where", json_string(where_name(f->where)));
    if (f->where == MCA_WHERE_HEIGHT) {
        json_object_set_new(o, "height", json_integer((json_int_t)f->number));
    } else if (f->where == MCA_WHERE_CHECKPOINT || f->where == MCA_WHERE_TRUSTED) {
        json_object_set_new(o, "size", json_integer((json_int_t)f->number));
    }
    if (f->has_offset || f->where == MCA_WHERE_OFFSET) {
        json_object_set_new(
            o, "offset",
            json_integer((json_int_t)(f->where == MCA_WHERE_OFFSET ? f->number : f->offset)));
    }
    json_object_set_new(o, "why", json_text(f->why));
    return o;
}

static json_t *figures_json(const mca_verifier *v)
{
    char root[MCA_BASE64_HASH_MAX], when[MCA_TIME_TEXT_MAX], volume[MC_AMOUNT_TEXT_MAX];
    char fees[MC_AMOUNT_TEXT_MAX], payouts[MC_AMOUNT_TEXT_MAX];
    json_t *o = json_object(), *accounts = json_object(), *kinds = json_object();
    for (int k = 0; k < MC_KIND_COUNT; k++) {
        json_object_set_new(accounts, mc_account_kind_name(k + 1),
                            json_integer((json_int_t)v->accounts[k]));
    }
    json_object_set_new(accounts, "total", json_integer((json_int_t)accounts_total(v)));
    for (int k = 0; k < (int)MCA_KIND_SLOTS; k++) {
        json_object_set_new(kinds, mca_kind_name(k + MC_TX_KIND_FIRST),
                            json_integer((json_int_t)v->kinds[k]));
    }
    mca_base64_hash(v->root, root);
    mca_time_iso(v->last_checkpoint.time, when);
    mca_amount_text(v->volume, v->info.decimals, volume);
    mca_amount_text(v->fees, v->info.decimals, fees);
    mca_amount_text(v->payouts, v->info.decimals, payouts);
    json_object_set_new(o, "entries", json_integer((json_int_t)v->height));
    json_object_set_new(o, "checkpoints", json_integer((json_int_t)v->checkpoints));
    json_object_set_new(o, "accounts", accounts);
    json_object_set_new(o, "kinds", kinds);
    json_object_set_new(o, "volume", json_string(volume));
    json_object_set_new(o, "volume_minor", json_integer((json_int_t)v->volume));
    json_object_set_new(o, "volume_overflow", json_boolean(v->volume_overflow));
    json_object_set_new(o, "transfers",
                        json_integer((json_int_t)v->kinds[MC_TX_TRANSFER - MC_TX_KIND_FIRST]));
    json_object_set_new(o, "fees", json_string(fees));
    json_object_set_new(o, "fees_minor", json_integer((json_int_t)v->fees));
    json_object_set_new(o, "fees_overflow", json_boolean(v->fees_overflow));
    json_object_set_new(o, "round_payouts", json_string(payouts));
    json_object_set_new(o, "round_payouts_minor", json_integer((json_int_t)v->payouts));
    json_object_set_new(o, "round_payouts_overflow", json_boolean(v->payouts_overflow));
    json_object_set_new(o, "root", json_string(root));
    json_object_set_new(o, "checkpoint_size", json_integer((json_int_t)v->last_checkpoint.size));
    json_object_set_new(o, "checkpoint_time", json_string(when));
    if (v->has_trusted) {
        json_object_set_new(o, "trusted_checkpoint_size",
                            json_integer((json_int_t)v->trusted.size));
    }
    return o;
}

static void ledger_json(json_t *o, const mca_verifier *v)
{
    char id[2 * MC_LEDGER_ID_BYTES + 1];
    if (v->ledger == NULL) {
        return; /* the genesis was never read */
    }
    mc_hex_encode(v->info.ledger_id, MC_LEDGER_ID_BYTES, id);
    json_object_set_new(o, "ledger_id", json_string(id));
    json_object_set_new(o, "community", json_string(v->info.community));
    json_object_set_new(o, "unit_name", json_string(v->info.unit_name));
    json_object_set_new(o, "unit_symbol", json_string(v->info.unit_symbol));
    json_object_set_new(o, "decimals", json_integer(v->info.decimals));
}

int mca_summary_json(const mca_verifier *v, const char *path, double seconds, unsigned threads)
{
    bool ok = v->failure.where == MCA_WHERE_NONE;
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_boolean(ok));
    json_object_set_new(o, "file", json_text(path));
    ledger_json(o, v);
    if (ok) {
        json_object_update_new(o, figures_json(v));
    } else {
        json_object_set_new(o, "failure", failure_json(&v->failure));
    }
    json_object_set_new(o, "seconds", json_real(seconds));
    json_object_set_new(o, "entries_per_second", json_real(per_second(v->height, seconds)));
    json_object_set_new(o, "threads", json_integer(threads));
    int rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(o);
    return rc == 0 ? MC_ERR_OK : MC_ERR_STORAGE_IO;
}
