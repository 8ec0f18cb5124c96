/* The formats of mcaudit report (report.c decides what goes in, checked;
 * this file only writes it), to the writer's stream:
 *   csv      RFC 4180 (CRLF line ends, fields quoted when they hold a comma,
 *            a quote or a line break), with a header:
 *            height,time,tx_id,kind,payer,payee,amount,fee,fee_account,purpose,round,memo
 *   json     an array of objects with the same fields plus amount_minor and
 *            fee_minor, one object per line; fee_account, purpose and round
 *            are null where the CSV leaves them empty
 *   hledger  a journal: one account per ledger account (members:alice,
 *            business:bakery, commons:garden, system:fees), one transaction
 *            per transfer (the payer's posting, the payee's, and the fee
 *            account's when there is a fee) and one per distribution round
 *            (the commons' posting and one per contributor paid), in the
 *            ledger's symbol, so that `hledger -f FILE bal` shows the
 *            ledger's balances.
 * Every amount is the ledger's text form ("12.50"); `fee` is "0.00" where
 * there is none. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mc/error.h"
#include "audit.h"

#define DESCRIPTION_MAX (MC_MEMO_LEN_MAX + 1u)

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

void mca_write_begin(mca_writer *w, const char *ledger_id_hex, const char *community,
                     const char *unit_name, const char *unit_symbol)
{
    char community_text[MC_COMMUNITY_MAX + 1], unit_text[MC_UNIT_NAME_MAX + 1];
    journal_text((const uint8_t *)unit_symbol, strlen(unit_symbol), '\'', w->symbol,
                 sizeof w->symbol);
    if (w->format == MCA_FORMAT_CSV) {
        fputs("height,time,tx_id,kind,payer,payee,amount,fee,fee_account,purpose,round,memo\r\n",
              w->out);
        return;
    }
    if (w->format == MCA_FORMAT_JSON) {
        fputs("[", w->out);
        return;
    }
    journal_text((const uint8_t *)community, strlen(community), ',', community_text,
                 sizeof community_text);
    journal_text((const uint8_t *)unit_name, strlen(unit_name), ',', unit_text, sizeof unit_text);
    fprintf(w->out,
            "; mcaudit report: every transfer, fee and round payout of ledger %s\n"
            "; %s, in %s (%s), %u decimals. `hledger -f FILE bal` gives the balances.\n\n"
            "decimal-mark .\n"
            "commodity 1000.%.*s \"%s\"\n\n",
            ledger_id_hex, community_text, unit_text, w->symbol, w->decimals, (int)w->decimals,
            "000000000", w->symbol);
}

void mca_write_account(mca_writer *w, const mca_account_entry *a)
{
    if (w->format == MCA_FORMAT_HLEDGER) {
        char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
        mc_hex_encode(a->key, MC_PUBLIC_KEY_BYTES, hex);
        fprintf(w->out, "account %s:%s  ; key:%s\n", kind_prefix(a->kind), a->handle, hex);
    }
}

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

static void write_csv(mca_writer *w, const mca_report_row *row)
{
    char when[MCA_TIME_TEXT_MAX], amount[MC_AMOUNT_TEXT_MAX], fee[MC_AMOUNT_TEXT_MAX];
    mca_time_iso(row->time, when);
    mca_amount_text(row->amount, w->decimals, amount);
    mca_amount_text(row->fee, w->decimals, fee);
    fprintf(w->out, "%llu,%s,%s,%s,", (unsigned long long)row->height, when, row->tx_id, row->kind);
    csv_field(w->out, row->payer->handle, strlen(row->payer->handle));
    putc(',', w->out);
    csv_field(w->out, row->payee->handle, strlen(row->payee->handle));
    fprintf(w->out, ",%s,%s,", amount, fee);
    if (row->fee_account != NULL) {
        csv_field(w->out, row->fee_account->handle, strlen(row->fee_account->handle));
    }
    fprintf(w->out, ",%s,", row->purpose != NULL ? row->purpose : "");
    if (row->round > 0) {
        fprintf(w->out, "%llu", (unsigned long long)row->round);
    }
    putc(',', w->out);
    csv_field(w->out, (const char *)row->memo, row->memo_len);
    fputs("\r\n", w->out);
    w->rows++;
}

static void write_json(mca_writer *w, const mca_report_row *row)
{
    char when[MCA_TIME_TEXT_MAX], amount[MC_AMOUNT_TEXT_MAX], fee[MC_AMOUNT_TEXT_MAX];
    mca_time_iso(row->time, when);
    mca_amount_text(row->amount, w->decimals, amount);
    mca_amount_text(row->fee, w->decimals, fee);
    json_t *o = json_object();
    json_object_set_new(o, "height", json_integer((json_int_t)row->height));
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "tx_id", json_string(row->tx_id));
    json_object_set_new(o, "kind", json_string(row->kind));
    json_object_set_new(o, "payer", json_string(row->payer->handle));
    json_object_set_new(o, "payee", json_string(row->payee->handle));
    json_object_set_new(o, "amount", json_string(amount));
    json_object_set_new(o, "amount_minor", json_integer((json_int_t)row->amount));
    json_object_set_new(o, "fee", json_string(fee));
    json_object_set_new(o, "fee_minor", json_integer((json_int_t)row->fee));
    json_object_set_new(o, "fee_account",
                        row->fee_account != NULL ? json_string(row->fee_account->handle)
                                                 : json_null());
    json_object_set_new(o, "purpose",
                        row->purpose != NULL ? json_string(row->purpose) : json_null());
    json_object_set_new(o, "round",
                        row->round > 0 ? json_integer((json_int_t)row->round) : json_null());
    json_object_set_new(
        o, "memo", json_stringn(row->memo_len > 0 ? (const char *)row->memo : "", row->memo_len));
    fputs(w->rows > 0 ? ",\n" : "\n", w->out);
    json_dumpf(o, w->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    w->rows++;
}

/* "    members:alice  -12.50 "g"" */
static void posting(mca_writer *w, const mca_account_entry *a, int64_t amount)
{
    char text[MC_AMOUNT_TEXT_MAX];
    mca_amount_text(amount, w->decimals, text);
    fprintf(w->out, "    %s:%s  %s \"%s\"\n", kind_prefix(a->kind), a->handle, text, w->symbol);
}

static void write_hledger(mca_writer *w, const mca_report_row *row)
{
    char date[MCA_TIME_TEXT_MAX], description[DESCRIPTION_MAX];
    int64_t debit = 0;
    MCA_ASSERT(mc_amount_add(row->amount, row->fee, &debit) == MC_ERR_OK); /* report.c checks */
    mca_date(row->time, date);
    journal_text(row->memo, row->memo_len, ',', description, sizeof description);
    size_t start = strspn(description, " ");
    fprintf(w->out, "%s (%llu) %s  ; tx:%s", date, (unsigned long long)row->height,
            description[start] != '\0' ? description + start : "transfer", row->tx_id);
    if (row->purpose != NULL && strcmp(row->purpose, "none") != 0) {
        fprintf(w->out, ", purpose:%s", row->purpose);
    }
    fputs("\n", w->out);
    posting(w, row->payer, -debit);
    posting(w, row->payee, row->amount);
    if (row->fee > 0) {
        posting(w, row->fee_account, row->fee);
    }
    fputs("\n", w->out);
}

void mca_write_transfer(mca_writer *w, const mca_report_row *row)
{
    if (w->format == MCA_FORMAT_CSV) {
        write_csv(w, row);
    } else if (w->format == MCA_FORMAT_JSON) {
        write_json(w, row);
    } else {
        write_hledger(w, row);
    }
}

void mca_write_round_begin(mca_writer *w, const mca_report_round *r)
{
    if (w->format != MCA_FORMAT_HLEDGER) {
        return;
    }
    char date[MCA_TIME_TEXT_MAX];
    mca_date(r->time, date);
    fprintf(w->out, "%s (%llu) round %llu of %s  ; tx:%s, round:%llu\n", date,
            (unsigned long long)r->height, (unsigned long long)r->round, r->commons->handle,
            r->tx_id, (unsigned long long)r->round);
    posting(w, r->commons, -r->paid);
}

void mca_write_payout(mca_writer *w, const mca_report_row *row)
{
    if (w->format == MCA_FORMAT_CSV) {
        write_csv(w, row);
    } else if (w->format == MCA_FORMAT_JSON) {
        write_json(w, row);
    } else {
        posting(w, row->payee, row->amount);
    }
}

void mca_write_round_end(mca_writer *w)
{
    if (w->format == MCA_FORMAT_HLEDGER) {
        fputs("\n", w->out);
    }
}

void mca_write_end(mca_writer *w)
{
    if (w->format == MCA_FORMAT_JSON) {
        fputs("\n]\n", w->out);
    }
}
