/* mcaudit report: everything in an export that moves money, in one
 * streaming pass, to stdout (report_format.c writes CSV, JSON or an hledger
 * journal):
 *   - every transfer, with the fee its payer paid beside the amount: the
 *     fee configuration (fee_bps and the fee account) is followed from the
 *     genesis through the SetFee entries in log order, and the fee is
 *     computed as the ledger does (fee_bps of the amount, rounded down; none
 *     when the fee account is the payer or the payee);
 *   - every payout of every Distribution, read from the round its log entry
 *     records (LogEntry.round): the commons pays `paid`, the sum of the
 *     payouts; payouts of 0 are left out.
 * Nothing else moves money (openings, limits, statuses, requests, roles and
 * contributions do not), so the sums of the report per account are the
 * ledger's balances. Handles come from the OpenAccount entries (accounts.c:
 * O(accounts) memory, never the log); one entry is held at a time.
 *
 * A report replays and verifies nothing (no signature, no rule past those
 * below): it refuses records that do not decode, heights out of order, a
 * refused transaction, and whatever else a verified log cannot hold and the
 * report would otherwise print (an unknown account, a fee account that is
 * not a system account, a round whose payouts do not add up), and says to
 * run `mcaudit verify`. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mc/pb/store.pb-c.h>

#include "mc/error.h"
#include "audit.h"

typedef struct report {
    mca_writer w;
    mca_accounts accounts;
    uint64_t height;
    unsigned fee_bps; /* the fee configuration at this height */
    bool has_fee_account;
    uint8_t fee_account[MC_PUBLIC_KEY_BYTES];
    char why[MCA_WHY_MAX]; /* why the export is refused; "" while it is not */
} report;

/* The entry being reported. */
typedef struct entry {
    Mc__LogEntry *record; /* owned: its height, time, result and round */
    mc_tx *tx;            /* owned */
    mc_tx_view view;      /* borrows from tx */
    char tx_id[2 * MC_TX_ID_BYTES + 1];
} entry;

__attribute__((format(printf, 2, 3))) static int refuse(report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return MC_ERR_MALFORMED;
}

static bool text_ok(const char *s)
{
    return s != NULL && mc_utf8_is_valid((const uint8_t *)s, strlen(s));
}

/* The genesis's text and fee configuration, as mc_ledger_open accepts them. */
static bool genesis_ok(const Mc__Genesis *g)
{
    const Mc__LedgerConfig *c = g->config;
    return g->decimals <= MC_DECIMALS_MAX && text_ok(g->unit_symbol) && text_ok(g->community) &&
           text_ok(g->unit_name) && c != NULL && c->fee_bps <= MC_FEE_BPS_MAX &&
           (c->fee_account.len == 0 || c->fee_account.len == MC_PUBLIC_KEY_BYTES) &&
           (c->fee_bps == 0 || c->fee_account.len != 0);
}

static int read_genesis(report *r, const uint8_t *data, size_t len)
{
    Mc__Genesis *g = mc__genesis__unpack(NULL, len, data);
    if (g == NULL || !genesis_ok(g)) {
        if (g != NULL) {
            mc__genesis__free_unpacked(g, NULL);
        }
        return refuse(r, "the genesis does not decode");
    }
    uint8_t id[MC_LEDGER_ID_BYTES];
    char hex[2 * MC_LEDGER_ID_BYTES + 1];
    mc_sha256(data, len, id);
    mc_hex_encode(id, MC_LEDGER_ID_BYTES, hex);
    r->w.decimals = g->decimals;
    r->fee_bps = g->config->fee_bps;
    r->has_fee_account = g->config->fee_account.len == MC_PUBLIC_KEY_BYTES;
    if (r->has_fee_account) {
        memcpy(r->fee_account, g->config->fee_account.data, MC_PUBLIC_KEY_BYTES);
    }
    mca_write_begin(&r->w, hex, g->community, g->unit_name, g->unit_symbol);
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
    if (rc == MC_ERR_OK) {
        mca_write_account(&r->w, mca_accounts_get(&r->accounts, key));
    }
    return rc;
}

/* A new fee configuration, from the next entry on: a fee account named
 * must be an open system account, and a fee > 0 needs one. */
static int take_set_fee(report *r, const mc_tx_view *view)
{
    const uint8_t *key = view->u.set_fee.fee_account;
    unsigned bps = view->u.set_fee.fee_bps;
    const mca_account_entry *a = key != NULL ? mca_accounts_get(&r->accounts, key) : NULL;
    if (bps > MC_FEE_BPS_MAX || (bps > 0 && key == NULL) ||
        (key != NULL && (a == NULL || a->kind != MC_KIND_SYSTEM))) {
        return refuse(r, "a fee of %u basis points to an account a ledger never accepts", bps);
    }
    r->fee_bps = bps;
    r->has_fee_account = key != NULL;
    memset(r->fee_account, 0, sizeof r->fee_account);
    if (key != NULL) {
        memcpy(r->fee_account, key, MC_PUBLIC_KEY_BYTES);
    }
    return MC_ERR_OK;
}

/* The fee of a transfer as the ledger charges it (core/src/transfer.c):
 * fee_bps of the amount, rounded down, paid to the fee account, which must
 * then be an open system account (even when the fee rounds to 0); none when
 * the fee account is the payer or the payee. *to is NULL when the fee is 0. */
static int transfer_fee(report *r, const mc_tx_view *view, int64_t *fee,
                        const mca_account_entry **to)
{
    const uint8_t *payer = view->u.transfer.payer, *payee = view->u.transfer.payee;
    int64_t amount = view->u.transfer.amount, bps = r->fee_bps, debit = 0;
    *fee = 0;
    *to = NULL;
    if (bps == 0 ||
        (r->has_fee_account && (memcmp(r->fee_account, payer, MC_PUBLIC_KEY_BYTES) == 0 ||
                                memcmp(r->fee_account, payee, MC_PUBLIC_KEY_BYTES) == 0))) {
        return MC_ERR_OK;
    }
    const mca_account_entry *a =
        r->has_fee_account ? mca_accounts_get(&r->accounts, r->fee_account) : NULL;
    if (a == NULL || a->kind != MC_KIND_SYSTEM) {
        return refuse(r, "a transfer with a fee while the fee account is not a system account");
    }
    /* floor(amount * bps / 10000) without overflow: bps <= 1000. */
    *fee = amount / 10000 * bps + amount % 10000 * bps / 10000;
    if (mc_amount_add(amount, *fee, &debit) != MC_ERR_OK) {
        return refuse(r, "a transfer whose amount and fee overflow");
    }
    *to = *fee > 0 ? a : NULL;
    return MC_ERR_OK;
}

static int take_transfer(report *r, const entry *e)
{
    const mc_tx_view *view = &e->view;
    const mca_account_entry *payer = mca_accounts_get(&r->accounts, view->u.transfer.payer);
    const mca_account_entry *payee = mca_accounts_get(&r->accounts, view->u.transfer.payee);
    if (payer == NULL || payee == NULL) {
        return refuse(r, "a transfer names an account that was never opened");
    }
    bool reciprocity = view->u.transfer.purpose == MC_PURPOSE_RECIPROCITY;
    if (payer == payee || view->u.transfer.amount <= 0 ||
        view->u.transfer.memo_len > MC_MEMO_LEN_MAX ||
        !mc_utf8_is_valid(view->u.transfer.memo, view->u.transfer.memo_len) ||
        (reciprocity && payee->kind != MC_KIND_COMMONS)) {
        return refuse(r, "a transfer whose parties, amount, memo or purpose a ledger never "
                         "accepts");
    }
    mca_report_row row = {
        .height = e->record->height,
        .time = e->record->time,
        .tx_id = e->tx_id,
        .kind = view->u.transfer.request_id != NULL ? "request_payment" : "transfer",
        .payer = payer,
        .payee = payee,
        .amount = view->u.transfer.amount,
        .purpose = reciprocity ? "reciprocity" : "none",
        .memo = view->u.transfer.memo,
        .memo_len = view->u.transfer.memo_len,
    };
    int rc = transfer_fee(r, view, &row.fee, &row.fee_account);
    if (rc == MC_ERR_OK) {
        mca_write_transfer(&r->w, &row);
    }
    return rc;
}

/* A round as its entry records it, checked: the commons of the
 * Distribution, numbered after the commons' last round, at this height;
 * pot = paid + left with paid > 0 (a round that pays nothing is refused);
 * payouts to opened accounts other than the commons, by ascending key
 * (so each contributor once), that add up to paid. */
static int check_round(report *r, const entry *e, mca_account_entry **commons)
{
    const Mc__RoundRecord *round = e->record->round;
    mca_account_entry *c = mca_accounts_get(&r->accounts, e->view.u.distribution.commons);
    int64_t pot = 0, sum = 0;
    if (c == NULL || c->kind != MC_KIND_COMMONS || round == NULL || round->round != c->rounds + 1 ||
        round->height != e->record->height || round->paid <= 0 || round->left < 0 ||
        mc_amount_add(round->paid, round->left, &pot) != MC_ERR_OK || pot != round->pot ||
        round->n_payouts > MC_ROUND_CONTRIBUTIONS_MAX) {
        return refuse(r, "a distribution whose commons or round a ledger never records");
    }
    for (size_t i = 0; i < round->n_payouts; i++) {
        const Mc__RoundPayout *p = round->payouts[i];
        if (p->contributor.len != MC_PUBLIC_KEY_BYTES ||
            mca_accounts_get(&r->accounts, p->contributor.data) == NULL ||
            memcmp(p->contributor.data, c->key, MC_PUBLIC_KEY_BYTES) == 0 ||
            (i > 0 && memcmp(round->payouts[i - 1]->contributor.data, p->contributor.data,
                             MC_PUBLIC_KEY_BYTES) >= 0) ||
            p->paid < 0 || mc_amount_add(sum, p->paid, &sum) != MC_ERR_OK) {
            return refuse(r, "round %llu pays an account a ledger never pays",
                          (unsigned long long)round->round);
        }
    }
    if (sum != round->paid) {
        return refuse(r, "the payouts of round %llu do not add up to what it paid",
                      (unsigned long long)round->round);
    }
    *commons = c;
    return MC_ERR_OK;
}

/* Each payout of the round that is not 0, from the commons. */
static int take_distribution(report *r, const entry *e)
{
    mca_account_entry *commons = NULL;
    int rc = check_round(r, e, &commons);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    const Mc__RoundRecord *round = e->record->round;
    commons->rounds = round->round;
    mca_report_round header = {.height = e->record->height,
                               .time = e->record->time,
                               .tx_id = e->tx_id,
                               .commons = commons,
                               .round = round->round,
                               .paid = round->paid};
    mca_write_round_begin(&r->w, &header);
    for (size_t i = 0; i < round->n_payouts; i++) {
        const Mc__RoundPayout *p = round->payouts[i];
        if (p->paid == 0) {
            continue;
        }
        mca_report_row row = {.height = header.height,
                              .time = header.time,
                              .tx_id = e->tx_id,
                              .kind = "round_payout",
                              .payer = commons,
                              .payee = mca_accounts_get(&r->accounts, p->contributor.data),
                              .amount = p->paid,
                              .round = round->round};
        mca_write_payout(&r->w, &row);
    }
    mca_write_round_end(&r->w);
    return MC_ERR_OK;
}

/* The record and its transaction, as mc_entry_decode() reads them, keeping
 * the record for its round. MC_ERR_MALFORMED or MC_ERR_NO_MEMORY on failure. */
static int decode_entry(const uint8_t *data, size_t len, entry *e)
{
    uint8_t keys[MC_TX_SIGS_MAX][MC_PUBLIC_KEY_BYTES], sigs[MC_TX_SIGS_MAX][MC_SIGNATURE_BYTES];
    memset(e, 0, sizeof *e);
    e->record = mc__log_entry__unpack(NULL, len, data);
    const Mc__SignedTx *signed_tx = e->record != NULL ? e->record->tx : NULL;
    int rc =
        signed_tx != NULL && signed_tx->n_sigs <= MC_TX_SIGS_MAX ? MC_ERR_OK : MC_ERR_MALFORMED;
    for (size_t i = 0; rc == MC_ERR_OK && i < signed_tx->n_sigs; i++) {
        const Mc__Signature *s = signed_tx->sigs[i];
        if (s->public_key.len != MC_PUBLIC_KEY_BYTES || s->signature.len != MC_SIGNATURE_BYTES) {
            rc = MC_ERR_MALFORMED;
        } else {
            memcpy(keys[i], s->public_key.data, MC_PUBLIC_KEY_BYTES);
            memcpy(sigs[i], s->signature.data, MC_SIGNATURE_BYTES);
        }
    }
    if (rc == MC_ERR_OK) {
        rc = mc_tx_from_parts(
            signed_tx->body.data, signed_tx->body.len, (const uint8_t(*)[MC_PUBLIC_KEY_BYTES])keys,
            (const uint8_t(*)[MC_SIGNATURE_BYTES])sigs, signed_tx->n_sigs, &e->tx);
    }
    if (rc == MC_ERR_OK) {
        mc_tx_view_of(e->tx, &e->view);
        mc_hex_encode(mc_tx_id_of(e->tx), MC_TX_ID_BYTES, e->tx_id);
    }
    return rc;
}

static void entry_clear(entry *e)
{
    mc_tx_free(e->tx);
    if (e->record != NULL) {
        mc__log_entry__free_unpacked(e->record, NULL);
    }
    memset(e, 0, sizeof *e);
}

static int take_entry(report *r, const uint8_t *data, size_t len)
{
    entry e;
    unsigned long long height = (unsigned long long)r->height + 1;
    int rc = decode_entry(data, len, &e);
    if (rc == MC_ERR_MALFORMED) {
        rc = refuse(r, "the entry at height %llu does not decode", height);
    } else if (rc == MC_ERR_OK && e.record->height != height) {
        rc = refuse(r, "the entry at height %llu records height %llu", height,
                    (unsigned long long)e.record->height);
    } else if (rc == MC_ERR_OK && e.record->result != MC_ERR_OK) {
        rc = refuse(r, "the entry at height %llu records a refused transaction (%s)", height,
                    mc_err_name((int)e.record->result));
    } else if (rc == MC_ERR_OK &&
               (e.record->round != NULL) != (e.view.kind == MC_TX_DISTRIBUTION)) {
        rc = refuse(r, "the entry at height %llu is a %s %s a round", height,
                    mca_kind_name(e.view.kind), e.record->round != NULL ? "with" : "without");
    } else if (rc == MC_ERR_OK && e.view.kind == MC_TX_OPEN_ACCOUNT) {
        rc = take_opening(r, &e.view);
    } else if (rc == MC_ERR_OK && e.view.kind == MC_TX_SET_FEE) {
        rc = take_set_fee(r, &e.view);
    } else if (rc == MC_ERR_OK && e.view.kind == MC_TX_TRANSFER) {
        rc = take_transfer(r, &e);
    } else if (rc == MC_ERR_OK && e.view.kind == MC_TX_DISTRIBUTION) {
        rc = take_distribution(r, &e);
    }
    r->height++;
    entry_clear(&e);
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
    if (rc == MC_ERR_OK) {
        rc = take_records(r, reader);
    }
    if (rc == MC_ERR_OK) {
        mca_write_end(&r->w);
    }
    return rc;
}

int mca_report(const char *path, mca_format format)
{
    report r;
    memset(&r, 0, sizeof r);
    r.w.format = format;
    r.w.out = stdout;
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
    if (fflush(r.w.out) != 0 || ferror(r.w.out)) {
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
