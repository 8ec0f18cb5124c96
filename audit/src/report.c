/* mcaudit report: every transfer of an export, in one streaming pass, to
 * stdout, as
 *   csv      RFC 4180 (CRLF line ends, fields quoted when they hold a comma,
 *            a quote or a line break), with a header:
 *            height,time,tx_id,kind,payer,payee,amount,memo
 *   json     an array of objects with the same fields plus amount_minor,
 *            one object per line
 *   hledger  a journal: one account per ledger account (members:alice,
 *            business:bakery, commons:garden, system:...), one transaction
 *            of two postings per transfer, in the ledger's symbol, so that
 *            `hledger -f FILE bal` shows the ledger's balances.
 * `kind` is "transfer", or "request_payment" for a transfer that pays a
 * payment request. Handles come from the OpenAccount entries (accounts.c:
 * O(accounts) memory, never the log). A report replays and verifies
 * nothing: it refuses records that do not decode, heights out of order and
 * text that a verified log cannot hold, and says to run `mcaudit verify`. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mc/pb/ledger.pb-c.h>

#include "mc/error.h"
#include "audit.h"

#define SYMBOL_TEXT_MAX (4u * MC_UNIT_SYMBOL_MAX + 1u)
#define DESCRIPTION_MAX (MC_MEMO_LEN_MAX + 1u)

typedef struct report {
    mca_format format;
    FILE *out;
    const char *path;
    mca_accounts accounts;
    unsigned decimals;
    char symbol[SYMBOL_TEXT_MAX]; /* the hledger commodity, without its quotes */
    uint64_t height;
    uint64_t transfers;
    char why[MCA_WHY_MAX]; /* why the export is refused; "" while it is not */
} report;

__attribute__((format(printf, 2, 3))) static int refuse(report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return MC_ERR_MALFORMED;
}

static const char *kind_prefix(int kind)
{
    switch (kind) {
    case MC_KIND_MEMBER:
        return "members";
    case MC_KIND_BUSINESS:
        return "business";
    case MC_KIND_COMMONS:
        return "commons";
    default:
        return "system";
    }
}

/* A byte that would break a line of the journal becomes a space; a quote
 * (which ends a quoted commodity) or a semicolon (which starts a comment)
 * becomes `instead`. */
static void journal_text(const uint8_t *in, size_t len, char instead, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        char c = (char)in[i];
        if (in[i] < 0x20 || in[i] == 0x7f) {
            c = ' ';
        } else if (c == '"' || c == ';') {
            c = instead;
        }
        out[n++] = c;
    }
    out[n] = '\0';
}

static bool text_ok(const char *s)
{
    return s != NULL && mc_utf8_is_valid((const uint8_t *)s, strlen(s));
}

static int read_genesis(report *r, const uint8_t *data, size_t len)
{
    Mc__Genesis *g = mc__genesis__unpack(NULL, len, data);
    if (g == NULL || g->decimals > MC_DECIMALS_MAX || !text_ok(g->unit_symbol) ||
        !text_ok(g->community) || !text_ok(g->unit_name)) {
        if (g != NULL) {
            mc__genesis__free_unpacked(g, NULL);
        }
        return refuse(r, "the genesis does not decode");
    }
    uint8_t id[MC_LEDGER_ID_BYTES];
    char hex[2 * MC_LEDGER_ID_BYTES + 1], community[MC_COMMUNITY_MAX + 1];
    char unit[MC_UNIT_NAME_MAX + 1];
    mc_sha256(data, len, id);
    mc_hex_encode(id, MC_LEDGER_ID_BYTES, hex);
    r->decimals = g->decimals;
    journal_text((const uint8_t *)g->unit_symbol, strlen(g->unit_symbol), '\'', r->symbol,
                 sizeof r->symbol);
    journal_text((const uint8_t *)g->community, strlen(g->community), ',', community,
                 sizeof community);
    journal_text((const uint8_t *)g->unit_name, strlen(g->unit_name), ',', unit, sizeof unit);
    if (r->format == MCA_FORMAT_HLEDGER) {
        fprintf(r->out,
                "; mcaudit report: every transfer of ledger %s\n"
                "; %s, in %s (%s), %u decimals. `hledger -f FILE bal` gives the balances.\n\n"
                "decimal-mark .\n"
                "commodity 1000.%.*s \"%s\"\n\n",
                hex, community, unit, r->symbol, r->decimals, (int)r->decimals, "000000000",
                r->symbol);
    }
    mc__genesis__free_unpacked(g, NULL);
    return MC_ERR_OK;
}

static int take_opening(report *r, const mc_tx_view *view)
{
    const uint8_t *key = view->u.open_account.public_key;
    const uint8_t *handle = view->u.open_account.handle;
    size_t len = view->u.open_account.handle_len;
    int kind = view->u.open_account.kind;
    if (!mc_handle_is_valid(handle, len) || kind < MC_KIND_MEMBER || kind > MC_KIND_SYSTEM) {
        return refuse(r, "an account opening with an invalid handle or kind");
    }
    int rc = mca_accounts_put(&r->accounts, key, handle, len, kind);
    if (rc == MC_ERR_ACCOUNT_EXISTS) {
        return refuse(r, "a second opening of one account");
    }
    if (rc == MC_ERR_OK && r->format == MCA_FORMAT_HLEDGER) {
        char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
        mc_hex_encode(key, MC_PUBLIC_KEY_BYTES, hex);
        fprintf(r->out, "account %s:%.*s  ; key:%s\n", kind_prefix(kind), (int)len,
                (const char *)handle, hex);
    }
    return rc;
}

/* One transfer, ready to print. */
typedef struct row {
    uint64_t height;
    int64_t time;
    char tx_id[2 * MC_TX_ID_BYTES + 1];
    const char *kind;
    mca_account_entry payer, payee;
    char amount[MC_AMOUNT_TEXT_MAX];
    int64_t amount_minor;
    const uint8_t *memo;
    size_t memo_len;
} row;

static void csv_field(FILE *out, const char *s, size_t len)
{
    if (len == 0) {
        return;
    }
    bool quote = false;
    for (size_t i = 0; i < len && !quote; i++) {
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    }
    if (!quote) {
        fwrite(s, 1, len, out);
        return;
    }
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            putc('"', out);
        }
        putc(s[i], out);
    }
    putc('"', out);
}

static void write_csv(report *r, const row *w)
{
    char when[MCA_TIME_TEXT_MAX];
    mca_time_iso(w->time, when);
    fprintf(r->out, "%llu,%s,%s,%s,", (unsigned long long)w->height, when, w->tx_id, w->kind);
    csv_field(r->out, w->payer.handle, strlen(w->payer.handle));
    putc(',', r->out);
    csv_field(r->out, w->payee.handle, strlen(w->payee.handle));
    fprintf(r->out, ",%s,", w->amount);
    csv_field(r->out, (const char *)w->memo, w->memo_len);
    fputs("\r\n", r->out);
}

static void write_json(report *r, const row *w)
{
    char when[MCA_TIME_TEXT_MAX];
    mca_time_iso(w->time, when);
    json_t *o = json_object();
    json_object_set_new(o, "height", json_integer((json_int_t)w->height));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "tx_id", json_string(w->tx_id));
    json_object_set_new(o, "kind", json_string(w->kind));
    json_object_set_new(o, "payer", json_string(w->payer.handle));
    json_object_set_new(o, "payee", json_string(w->payee.handle));
    json_object_set_new(o, "amount", json_string(w->amount));
    json_object_set_new(o, "amount_minor", json_integer((json_int_t)w->amount_minor));
    json_object_set_new(o, "memo",
                        json_stringn(w->memo_len > 0 ? (const char *)w->memo : "", w->memo_len));
    fputs(r->transfers > 0 ? ",\n" : "\n", r->out);
    json_dumpf(o, r->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
}

static void write_hledger(report *r, const row *w)
{
    char date[MCA_TIME_TEXT_MAX], description[DESCRIPTION_MAX];
    mca_date(w->time, date);
    journal_text(w->memo, w->memo_len, ',', description, sizeof description);
    size_t start = strspn(description, " ");
    fprintf(r->out, "%s (%llu) %s  ; tx:%s\n", date, (unsigned long long)w->height,
            description[start] != '\0' ? description + start : "transfer", w->tx_id);
    fprintf(r->out, "    %s:%s  -%s \"%s\"\n", kind_prefix(w->payer.kind), w->payer.handle,
            w->amount, r->symbol);
    fprintf(r->out, "    %s:%s  %s \"%s\"\n\n", kind_prefix(w->payee.kind), w->payee.handle,
            w->amount, r->symbol);
}

static int take_transfer(report *r, const mc_entry *e, const mc_tx_view *view)
{
    const mca_account_entry *payer = mca_accounts_get(&r->accounts, view->u.transfer.payer);
    const mca_account_entry *payee = mca_accounts_get(&r->accounts, view->u.transfer.payee);
    if (payer == NULL || payee == NULL) {
        return refuse(r, "a transfer names an account that was never opened");
    }
    if (view->u.transfer.amount <= 0 || view->u.transfer.memo_len > MC_MEMO_LEN_MAX ||
        !mc_utf8_is_valid(view->u.transfer.memo, view->u.transfer.memo_len)) {
        return refuse(r, "a transfer whose amount or memo a ledger never accepts");
    }
    row w = {.height = e->height, .time = e->time, .payer = *payer, .payee = *payee};
    mc_hex_encode(mc_tx_id_of(e->tx), MC_TX_ID_BYTES, w.tx_id);
    w.kind = view->u.transfer.request_id != NULL ? "request_payment" : "transfer";
    w.amount_minor = view->u.transfer.amount;
    mca_amount_text(w.amount_minor, r->decimals, w.amount);
    w.memo = view->u.transfer.memo;
    w.memo_len = view->u.transfer.memo_len;
    if (r->format == MCA_FORMAT_CSV) {
        write_csv(r, &w);
    } else if (r->format == MCA_FORMAT_JSON) {
        write_json(r, &w);
    } else {
        write_hledger(r, &w);
    }
    r->transfers++;
    return MC_ERR_OK;
}

static int take_entry(report *r, const uint8_t *data, size_t len)
{
    mc_entry e;
    if (mc_entry_decode(data, len, &e) != MC_ERR_OK) {
        return refuse(r, "the entry at height %llu does not decode",
                      (unsigned long long)r->height + 1);
    }
    int rc = MC_ERR_OK;
    mc_tx_view view;
    mc_tx_view_of(e.tx, &view);
    if (e.height != r->height + 1) {
        rc = refuse(r, "the entry at height %llu records height %llu",
                    (unsigned long long)r->height + 1, (unsigned long long)e.height);
    } else if (view.kind == MC_TX_OPEN_ACCOUNT) {
        rc = take_opening(r, &view);
    } else if (view.kind == MC_TX_TRANSFER) {
        rc = take_transfer(r, &e, &view);
    }
    r->height = e.height;
    mc_entry_clear(&e);
    return rc;
}

/* Every record after the genesis. */
static int take_records(report *r, mc_export_reader *reader)
{
    for (;;) {
        mc_export_kind kind;
        const uint8_t *data;
        size_t len = 0;
        int rc = mc_export_next(reader, &kind, &data, &len);
        if (rc == MC_ERR_NOT_FOUND) {
            return MC_ERR_OK;
        }
        if (rc == MC_ERR_MALFORMED) {
            return refuse(r, "the export is cut short or malformed after height %llu",
                          (unsigned long long)r->height);
        }
        if (rc == MC_ERR_OK && kind == MC_EXPORT_GENESIS) {
            return refuse(r, "a second genesis record");
        }
        if (rc == MC_ERR_OK && kind == MC_EXPORT_ENTRY) {
            rc = take_entry(r, data, len);
        }
        if (rc != MC_ERR_OK) {
            return rc;
        }
    }
}

static int run(report *r, mc_export_reader *reader)
{
    mc_export_kind kind;
    const uint8_t *data;
    size_t len = 0;
    int rc = mc_export_next(reader, &kind, &data, &len);
    if (rc == MC_ERR_NOT_FOUND || (rc == MC_ERR_OK && kind != MC_EXPORT_GENESIS)) {
        return refuse(r, "the first record is not the genesis");
    }
    if (rc == MC_ERR_OK) {
        rc = read_genesis(r, data, len);
    }
    if (rc == MC_ERR_OK && r->format == MCA_FORMAT_CSV) {
        fputs("height,time,tx_id,kind,payer,payee,amount,memo\r\n", r->out);
    } else if (rc == MC_ERR_OK && r->format == MCA_FORMAT_JSON) {
        fputs("[", r->out);
    }
    if (rc == MC_ERR_OK) {
        rc = take_records(r, reader);
    }
    if (rc == MC_ERR_OK && r->format == MCA_FORMAT_JSON) {
        fputs("\n]\n", r->out);
    }
    return rc;
}

int mca_report(const char *path, mca_format format)
{
    report r;
    memset(&r, 0, sizeof r);
    r.format = format;
    r.out = stdout;
    r.path = path;
    mca_accounts_init(&r.accounts);
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "mcaudit: cannot open %s: %s\n", path, strerror(errno));
        return MCA_EXIT_OPERATING;
    }
    mc_export_reader *reader = NULL;
    int rc = mc_export_reader_open(f, &reader);
    if (rc == MC_ERR_MALFORMED) {
        rc = refuse(&r, "not an export: it does not start with \"mc-export-1\"");
    }
    if (rc == MC_ERR_OK) {
        rc = run(&r, reader);
    }
    uint64_t offset = reader != NULL ? mc_export_offset(reader) : 0;
    mc_export_reader_close(reader);
    if (!is_stdin) {
        fclose(f);
    }
    mca_accounts_free(&r.accounts);
    if (fflush(r.out) != 0 || ferror(r.out)) {
        fprintf(stderr, "mcaudit: writing the report failed\n");
        return MCA_EXIT_OPERATING;
    }
    if (rc == MC_ERR_MALFORMED) {
        fprintf(stderr,
                "mcaudit: %s: at byte offset %llu: %s. The report stops here; run `mcaudit "
                "verify` on the export.\n",
                path, (unsigned long long)offset, r.why);
        return MCA_EXIT_FAILED;
    }
    if (rc != MC_ERR_OK) {
        fprintf(stderr, "mcaudit: %s: %s\n", path, mc_strerror(rc));
        return MCA_EXIT_OPERATING;
    }
    return MCA_EXIT_OK;
}
