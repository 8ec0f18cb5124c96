/* Allocation: dividing an amount among claims pro rata to their weights,
 * under caps, in whole minor units, exactly and reproducibly. The commons'
 * distribution rounds use it (a share of the commons' balance to the
 * approved contributions), and a replay of the log must give the very same
 * payouts on any machine, so everything is integer arithmetic.
 *
 * mc_alloc_split(pot, claims, n, round, out, &left):
 *  1. Water-filling: each claim's ideal share is pot_left * weight / the
 *     total weight of the claims not yet frozen; a claim whose cap is below
 *     its ideal share is frozen at its cap and the rest is re-split among the
 *     others, until no cap binds (as Liberapay splits a team's income).
 *  2. The claims left share what remains in whole minor units by the
 *     largest-remainder method: each gets the floor of its exact share, and
 *     the units left over go one each to the largest remainders, ties broken
 *     by a rotation that changes with `round`: among equal remainders, the
 *     claim at index (round mod n) comes first, then the following indexes,
 *     wrapping around.
 *  3. What no claim may take (every claim at its cap) is `left`.
 * Guarantees: sum(out) + left == pot; 0 <= out[i] <= cap of i; a claim with
 * no binding cap gets its exact share rounded down or up (within one minor
 * unit); equal weights and caps get equal payouts but for the odd units,
 * which the rotation spreads across rounds (evenly when the same claims come
 * in the same order round after round; the round number still moves the
 * first tie-break when they change). */
#ifndef MC_ALLOCATION_H
#define MC_ALLOCATION_H

#include <stddef.h>
#include <stdint.h>

#define MC_ALLOC_CLAIMS_MAX 100000u /* claims in one split */

typedef struct mc_alloc_claim {
    int64_t weight; /* > 0 */
    int64_t cap;    /* >= 0; the most it may receive (INT64_MAX: no cap) */
} mc_alloc_claim;

/* Split `pot` (>= 0) among the `n` claims (1..MC_ALLOC_CLAIMS_MAX; n == 0
 * leaves everything in *left, and `claims` and `out` may then be NULL).
 * out[i] receives claim i's payout. Returns MC_ERR_OK, or
 * MC_ERR_INVALID_ARGUMENT (a weight <= 0, a cap < 0, pot < 0, too many
 * claims, a NULL pointer) or MC_ERR_NO_MEMORY, both with `out` and `left`
 * untouched. */
int mc_alloc_split(int64_t pot, const mc_alloc_claim *claims, size_t n, uint64_t round,
                   int64_t *out, int64_t *left);

#endif
