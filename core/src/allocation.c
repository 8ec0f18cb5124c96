/* Allocation (see mc/allocation.h): splitting a pot among weighted claims by
 * water-filling under caps, then the largest-remainder method with a
 * rotating tie-break. Called once per distribution round of a commons, with
 * up to MC_ALLOC_CLAIMS_MAX claims; O(n log n) time, one temporary array of
 * n entries.
 *
 * Exactness. Everything is integer arithmetic in 128 bits, with no input
 * limit beyond those of the header:
 *  - weights and amounts are < 2^63, so a product of two fits in 127 bits;
 *  - the total weight of n <= 100000 claims is < 2^63 * 2^17 = 2^80;
 *  - the water-filling test cap * W < rest * w would need 143 bits, so it is
 *    made as cap < ceil(rest * w / W) instead: the same test, since cap is
 *    an integer, with a 127-bit numerator and an 80-bit divisor.
 * Sorting goes through qsort with comparators that are total orders (ties
 * fall back on the index or on the rotated index, both unique), so the
 * result does not depend on the C library's qsort. */
#include <stdlib.h>

#include "mc/allocation.h"
#include "mc/error.h"
#include "mc_assert.h"

__extension__ typedef unsigned __int128 u128;

/* One claim during a split; the array is reordered, `index` says whose. */
typedef struct share {
    u128 remainder; /* (rest * weight) mod W, once unfrozen claims are floored */
    int64_t weight; /* > 0 */
    int64_t cap;    /* >= 0 */
    int64_t paid;   /* the payout so far */
    uint32_t index; /* position in the caller's arrays */
    uint32_t rank;  /* (index - round) mod n: the order among equal remainders */
} share;

static int check_arguments(int64_t pot, const mc_alloc_claim *claims, size_t n, const int64_t *out,
                           const int64_t *left)
{
    if (pot < 0 || n > MC_ALLOC_CLAIMS_MAX || left == NULL ||
        (n > 0 && (claims == NULL || out == NULL))) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < n; i++) {
        if (claims[i].weight <= 0 || claims[i].cap < 0) {
            return MC_ERR_INVALID_ARGUMENT;
        }
    }
    return MC_ERR_OK;
}

/* Increasing cap / weight, compared exactly by cross-multiplication (each
 * product < 2^126); then increasing index. */
static int compare_cap_per_weight(const void *pa, const void *pb)
{
    const share *a = pa, *b = pb;
    u128 lhs = (u128)a->cap * (u128)b->weight;
    u128 rhs = (u128)b->cap * (u128)a->weight;
    if (lhs != rhs) {
        return lhs < rhs ? -1 : 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Decreasing remainder; among equal remainders, increasing rank. */
static int compare_remainder(const void *pa, const void *pb)
{
    const share *a = pa, *b = pb;
    if (a->remainder != b->remainder) {
        return a->remainder > b->remainder ? -1 : 1;
    }
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

/* Water-filling over shares sorted by compare_cap_per_weight. The water
 * level is rest / W (W: the weight of the claims not frozen); a claim whose
 * cap is below its ideal share rest * w / W is frozen at its cap, which
 * raises the level (what it leaves is above the average), so the claims
 * freeze in increasing order of cap / weight and the first that does not
 * bind ends the loop: every later one has a larger cap per weight. Returns
 * the number of frozen shares (a prefix); *rest and *weight_left are what
 * the others share. */
static size_t freeze_capped(share *s, size_t n, int64_t pot, int64_t *rest, u128 *weight_left)
{
    u128 weight_total = 0;
    for (size_t i = 0; i < n; i++) {
        weight_total += (uint64_t)s[i].weight;
    }
    int64_t r = pot;
    size_t frozen = 0;
    for (; frozen < n; frozen++) { /* weight_total > 0: claims frozen..n-1 are in it */
        u128 ideal = (u128)r * (u128)s[frozen].weight;
        u128 ideal_ceil = ideal / weight_total + (ideal % weight_total != 0);
        if ((u128)s[frozen].cap >= ideal_ceil) {
            break;
        }
        MC_ASSERT(s[frozen].cap < r); /* cap < rest * w / W <= rest */
        s[frozen].paid = s[frozen].cap;
        r -= s[frozen].cap;
        weight_total -= (uint64_t)s[frozen].weight;
    }
    *rest = r;
    *weight_left = weight_total;
    return frozen;
}

/* Largest remainder: the m unfrozen shares get the floor of rest * w / W,
 * then one unit each, in decreasing order of remainder, until `rest` is
 * used up (fewer than m units). Equal remainders go by rank, that is from
 * index (round mod n) onwards, wrapping around: as the round number grows,
 * the claim served first moves on by one, so the odd units circulate among
 * equal claims instead of always going to the same ones. No payout passes
 * its cap: cap * W >= rest * w, so cap >= the ceiling of the exact share. */
static void round_largest_remainder(share *s, size_t m, int64_t rest, u128 weight_left)
{
    int64_t floors = 0;
    for (size_t i = 0; i < m; i++) {
        u128 ideal = (u128)rest * (u128)s[i].weight;
        s[i].paid = (int64_t)(ideal / weight_left); /* <= rest */
        s[i].remainder = ideal % weight_left;
        floors += s[i].paid; /* sum of floors <= rest */
    }
    uint64_t units = (uint64_t)(rest - floors);
    MC_ASSERT(units < m || m == 0);
    qsort(s, m, sizeof *s, compare_remainder);
    for (size_t i = 0; i < units; i++) {
        MC_ASSERT(s[i].paid < s[i].cap);
        s[i].paid++;
    }
}

int mc_alloc_split(int64_t pot, const mc_alloc_claim *claims, size_t n, uint64_t round,
                   int64_t *out, int64_t *left)
{
    int rc = check_arguments(pot, claims, n, out, left);
    if (rc != MC_ERR_OK) {
        return rc;
    }
    if (n == 0) {
        *left = pot;
        return MC_ERR_OK;
    }
    share *s = malloc(n * sizeof *s);
    if (s == NULL) {
        return MC_ERR_NO_MEMORY;
    }
    size_t first = (size_t)(round % n);
    for (size_t i = 0; i < n; i++) {
        s[i] = (share){.weight = claims[i].weight,
                       .cap = claims[i].cap,
                       .index = (uint32_t)i,
                       .rank = (uint32_t)((i + n - first) % n)};
    }
    qsort(s, n, sizeof *s, compare_cap_per_weight);
    int64_t rest;
    u128 weight_left;
    size_t frozen = freeze_capped(s, n, pot, &rest, &weight_left);
    int64_t remaining = rest;
    if (frozen < n) {
        round_largest_remainder(s + frozen, n - frozen, rest, weight_left);
        remaining = 0;
    }
    for (size_t i = 0; i < n; i++) {
        out[s[i].index] = s[i].paid;
    }
    *left = remaining;
    free(s);
    return MC_ERR_OK;
}
