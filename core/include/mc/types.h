/* Plain value types shared by the ledger API: account kinds and statuses,
 * limits, accounts. The numeric values equal those of proto/ledger.proto. */
#ifndef MC_TYPES_H
#define MC_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "mc/crypto.h"
#include "mc/text.h"

#define MC_KEEPERS_MAX 16u /* keepers of one commons */

typedef enum mc_account_kind {
    MC_KIND_MEMBER = 1,
    MC_KIND_BUSINESS = 2,
    MC_KIND_COMMONS = 3,
    MC_KIND_SYSTEM = 4,
} mc_account_kind;
#define MC_KIND_COUNT 4

typedef enum mc_account_status {
    MC_STATUS_ACTIVE = 1,
    MC_STATUS_FROZEN = 2,
    MC_STATUS_CLOSED = 3,
} mc_account_status;

typedef enum mc_visibility {
    MC_VISIBILITY_OPEN = 1,
    MC_VISIBILITY_PRIVATE = 2,
} mc_visibility;

/* min_balance <= 0 <= max_balance. */
typedef struct mc_limits {
    int64_t min_balance; /* the credit limit, <= 0 */
    int64_t max_balance; /* the ceiling, >= 0 */
} mc_limits;

typedef struct mc_account {
    uint8_t public_key[MC_PUBLIC_KEY_BYTES];
    char handle[MC_HANDLE_LEN_MAX + 1]; /* NUL-terminated */
    mc_account_kind kind;
    mc_account_status status;
    int64_t balance;
    mc_limits limits;
    uint64_t opened_height;
    bool joined;                 /* the key's holder co-signed the opening */
    uint64_t limits_height;      /* last limits change (or the opening) */
    uint64_t last_debit_height;  /* 0: never debited */
    uint64_t last_credit_height; /* 0: never credited */
    /* A COMMONS account is run by its keepers: keeper_count 0 means its own
     * key alone; else these keys, keeper_quorum (1..keeper_count) of them. */
    size_t keeper_count;
    uint8_t keepers[MC_KEEPERS_MAX][MC_PUBLIC_KEY_BYTES];
    unsigned keeper_quorum;
    uint64_t rounds; /* a COMMONS account's distribution rounds so far */
} mc_account;

/* "member", "business", "commons", "system"; NULL when out of range. */
const char *mc_account_kind_name(int kind);
/* The kind named `name`, or -1. */
int mc_account_kind_from_name(const char *name);
/* "active", "frozen", "closed"; NULL when out of range. */
const char *mc_account_status_name(int status);

#endif
