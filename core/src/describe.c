/* Results in words: what a wallet prints when the ledger refuses. Each
 * message names the account, the amount and the limit involved. */
#include <stdio.h>
#include <string.h>

#include "mc/amount.h"
#include "mc/error.h"
#include "mc/ledger.h"

/* "alice", or the start of the key in hex when the handle is unknown. */
static void who(const mc_result *r, char *buf, size_t len)
{
    if (r->handle[0] != '\0') {
        snprintf(buf, len, "%s", r->handle);
    } else if (r->has_account) {
        char hex[2 * MC_PUBLIC_KEY_BYTES + 1];
        mc_hex_encode(r->account, MC_PUBLIC_KEY_BYTES, hex);
        snprintf(buf, len, "key %.16s…", hex);
    } else {
        snprintf(buf, len, "the account");
    }
}

static void money(int64_t v, unsigned decimals, const char *symbol, char *buf, size_t len)
{
    char num[MC_AMOUNT_TEXT_MAX];
    if (mc_amount_format(v, decimals, num, sizeof num) != MC_ERR_OK) {
        snprintf(num, sizeof num, "%lld", (long long)v);
    }
    snprintf(buf, len, "%s %s", num, symbol);
}

int mc_result_describe(const mc_result *r, unsigned decimals, const char *symbol, char *buf,
                       size_t len)
{
    char name[80], amount[48], after[48], limit[48];
    const char *sym = symbol != NULL ? symbol : "";
    int64_t moved = 0;
    who(r, name, sizeof name);
    money(r->amount, decimals, sym, amount, sizeof amount);
    money(r->limit, decimals, sym, limit, sizeof limit);
    switch (r->code) {
    case MC_ERR_OK:
        if (r->duplicate) {
            return snprintf(buf, len, "already applied at height %llu",
                            (unsigned long long)r->height);
        }
        return snprintf(buf, len, "applied at height %llu", (unsigned long long)r->height);
    case MC_ERR_EXCEEDS_CREDIT_LIMIT:
        if (mc_amount_sub(r->balance, r->amount, &moved) != MC_ERR_OK ||
            mc_amount_sub(moved, r->fee, &moved) != MC_ERR_OK) {
            moved = INT64_MIN;
        }
        money(moved, decimals, sym, after, sizeof after);
        if (r->fee > 0) {
            char fee[48];
            money(r->fee, decimals, sym, fee, sizeof fee);
            return snprintf(buf, len,
                            "paying %s and its fee of %s would take %s to %s, below the "
                            "credit limit of %s",
                            amount, fee, name, after, limit);
        }
        return snprintf(buf, len, "paying %s would take %s to %s, below the credit limit of %s",
                        amount, name, after, limit);
    case MC_ERR_EXCEEDS_CEILING:
        mc_amount_add(r->balance, r->amount, &moved);
        money(moved, decimals, sym, after, sizeof after);
        return snprintf(buf, len, "receiving %s would take %s to %s, above the ceiling of %s",
                        amount, name, after, limit);
    case MC_ERR_CLOSE_NONZERO_BALANCE:
        money(r->balance, decimals, sym, after, sizeof after);
        return snprintf(buf, len, "%s cannot close with a balance of %s", name, after);
    case MC_ERR_QUORUM_NOT_MET:
        return snprintf(buf, len, "%lld of the %lld steward signatures needed",
                        (long long)r->amount, (long long)r->limit);
    case MC_ERR_KEEPER_QUORUM_NOT_MET:
        return snprintf(buf, len, "%lld of the %lld keeper signatures %s needs",
                        (long long)r->amount, (long long)r->limit, name);
    case MC_ERR_LIMITS_INVALID:
        money(r->amount, decimals, sym, after, sizeof after);
        return snprintf(buf, len, "limits %s..%s: the floor must be <= 0 <= the ceiling", after,
                        limit);
    case MC_ERR_REQUEST_MISMATCH:
        money(r->limit, decimals, sym, after, sizeof after);
        return snprintf(buf, len,
                        "paying %s does not match the request, which asks %s from its "
                        "payer to its payee",
                        amount, after);
    case MC_ERR_AMOUNT_NOT_POSITIVE:
        return snprintf(buf, len, "the amount %s is not greater than zero", amount);
    default:
        if (r->has_account) {
            return snprintf(buf, len, "%s: %s", name, mc_strerror(r->code));
        }
        return snprintf(buf, len, "%s", mc_strerror(r->code));
    }
}
