/* Allocation (mc/allocation.h): mc_alloc_split against a plain reference
 * model written here (water-filling by repeated passes that freeze every
 * claim whose cap is below its share, exact 256-bit products for that test,
 * then units handed out one at a time by scanning for the largest remainder),
 * on thousands of random cases: 0 to 300 claims, weights from 1 to near
 * INT64_MAX (so that the total weight passes 2^63), caps none, zero, small
 * or huge, pots from 0 to near INT64_MAX. Each case is also checked for the
 * header's guarantees on its own: exact sums, caps kept, the exact pro-rata
 * share within one unit when no cap binds, and the water-filling fairness.
 * Then hand-computed examples, the rotation of the odd units over rounds,
 * the empty and zero cases, invalid inputs, and a split of
 * MC_ALLOC_CLAIMS_MAX claims of weight near INT64_MAX.
 *
 * Environment: MC_ALLOC_SEED (default: from the clock; printed) picks the
 * random cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mc/allocation.h"
#include "mc/error.h"

#define SENTINEL ((int64_t)0x5a5a5a5a5a5a5a5a) /* in out-parameters that must stay untouched */
#define RANDOM_CASES 4000u
#define RANDOM_CLAIMS_MAX 300u
#define NO_CAP INT64_MAX

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

static uint64_t rng;

static uint64_t next_random(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t bound)
{
    return next_random() % bound;
}

/* 0 .. INT64_MAX, spread over every magnitude. */
static int64_t any_magnitude(void)
{
    return (int64_t)((next_random() >> 1) >> below(63));
}

/* a * b, exactly, as eight 32-bit limbs (least significant first). */
typedef struct wide {
    uint32_t limb[8];
} wide;

static wide wide_mul(u128 a, u128 b)
{
    uint32_t x[4], y[4];
    for (unsigned k = 0; k < 4; k++) {
        x[k] = (uint32_t)(a >> (32 * k));
        y[k] = (uint32_t)(b >> (32 * k));
    }
    wide p = {{0}};
    for (unsigned i = 0; i < 4; i++) {
        uint64_t carry = 0;
        for (unsigned j = 0; j < 4; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + p.limb[i + j] + carry;
            p.limb[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        p.limb[i + 4] = (uint32_t)carry;
    }
    return p;
}

/* a * b < c * d, exactly. */
static bool product_less(u128 a, u128 b, u128 c, u128 d)
{
    wide l = wide_mul(a, b), r = wide_mul(c, d);
    for (unsigned k = 8; k-- > 0;) {
        if (l.limb[k] != r.limb[k]) {
            return l.limb[k] < r.limb[k];
        }
    }
    return false;
}

/* The reference: the header's description, done the slow and obvious way.
 * frozen[i] says whether claim i was frozen at its cap. */
static void model_split(int64_t pot, const mc_alloc_claim *c, size_t n, uint64_t round,
                        int64_t *out, int64_t *left, bool *frozen)
{
    u128 w_total = 0;
    int64_t rest = pot;
    for (size_t i = 0; i < n; i++) {
        frozen[i] = false;
    }
    for (bool changed = true; changed;) { /* freeze until no cap binds */
        w_total = 0;
        rest = pot;
        for (size_t i = 0; i < n; i++) {
            if (frozen[i]) {
                rest -= c[i].cap;
            } else {
                w_total += (uint64_t)c[i].weight;
            }
        }
        changed = false;
        for (size_t i = 0; i < n; i++) {
            if (!frozen[i] && product_less((u128)c[i].cap, w_total, (u128)rest,
                                           (u128)c[i].weight)) { /* cap < rest * w / W */
                frozen[i] = changed = true;
            }
        }
    }
    u128 remainder[RANDOM_CLAIMS_MAX];
    bool served[RANDOM_CLAIMS_MAX];
    int64_t units = rest;
    for (size_t i = 0; i < n; i++) {
        out[i] = c[i].cap;
        served[i] = frozen[i];
        if (!frozen[i]) {
            out[i] = (int64_t)((u128)rest * (u128)c[i].weight / w_total);
            remainder[i] = (u128)rest * (u128)c[i].weight % w_total;
            units -= out[i];
        }
    }
    *left = w_total == 0 ? rest : 0;
    for (; w_total != 0 && units > 0; units--) {
        size_t best = n;
        for (size_t k = 0; k < n; k++) { /* from index round mod n onwards */
            size_t i = (size_t)((round % n + k) % n);
            if (!served[i] && (best == n || remainder[i] > remainder[best])) {
                best = i;
            }
        }
        assert_true(best < n);
        served[best] = true;
        out[best]++;
    }
}

/* What the header promises, checked from the inputs and outputs alone. */
static void check_guarantees(int64_t pot, const mc_alloc_claim *c, size_t n, const int64_t *out,
                             int64_t left)
{
    i128 paid = left, caps = 0;
    u128 w_total = 0;
    bool all_at_cap = true, no_cap_binds = true;
    size_t lo = n, hi = n; /* lo: min (out+1)/w under cap; hi: max (out-1)/w */
    for (size_t i = 0; i < n; i++) {
        assert_true(out[i] >= 0 && out[i] <= c[i].cap);
        paid += out[i];
        caps += c[i].cap;
        w_total += (uint64_t)c[i].weight;
        all_at_cap = all_at_cap && out[i] == c[i].cap;
        if (out[i] < c[i].cap &&
            (lo == n || (i128)(out[i] + 1) * c[lo].weight < (i128)(out[lo] + 1) * c[i].weight)) {
            lo = i;
        }
        if (hi == n || (i128)(out[i] - 1) * c[hi].weight > (i128)(out[hi] - 1) * c[i].weight) {
            hi = i;
        }
    }
    assert_true(paid == pot);
    assert_true(left >= 0);
    assert_true(left == 0 || all_at_cap);
    if (caps <= pot) { /* everyone reaches the cap; the rest stays */
        assert_true(all_at_cap && left == pot - caps);
    }
    /* Water-filling: a claim under its cap is at the water level within one
     * unit, and no claim is above it: (out_j - 1) / w_j < (out_i + 1) / w_i. */
    if (lo != n) {
        assert_true((i128)(out[hi] - 1) * c[lo].weight < (i128)(out[lo] + 1) * c[hi].weight);
    }
    for (size_t i = 0; i < n; i++) {
        no_cap_binds =
            no_cap_binds && !product_less((u128)c[i].cap, w_total, (u128)pot, (u128)c[i].weight);
    }
    for (size_t i = 0; no_cap_binds && i < n; i++) { /* the exact share, floor or ceil */
        u128 exact = (u128)pot * (u128)c[i].weight;
        u128 floor = exact / w_total, ceil = floor + (exact % w_total != 0);
        assert_true((u128)out[i] >= floor && (u128)out[i] <= ceil);
    }
}

static void check_case(int64_t pot, const mc_alloc_claim *c, size_t n, uint64_t round)
{
    int64_t out[RANDOM_CLAIMS_MAX], want[RANDOM_CLAIMS_MAX], left = SENTINEL, want_left;
    bool frozen[RANDOM_CLAIMS_MAX];
    assert_true(n <= RANDOM_CLAIMS_MAX);
    assert_int_equal(mc_alloc_split(pot, c, n, round, out, &left), MC_ERR_OK);
    check_guarantees(pot, c, n, out, left);
    model_split(pot, c, n, round, want, &want_left, frozen);
    assert_true(left == want_left);
    for (size_t i = 0; i < n; i++) {
        if (out[i] != want[i]) {
            print_error("pot %" PRId64 " n %zu round %" PRIu64 ": claim %zu got %" PRId64
                        ", model %" PRId64 "\n",
                        pot, n, round, i, out[i], want[i]);
        }
        assert_true(out[i] == want[i]);
        assert_true(!frozen[i] || out[i] == c[i].cap); /* frozen: exactly the cap */
    }
}

static void expect_split(int64_t pot, const mc_alloc_claim *c, size_t n, uint64_t round,
                         const int64_t *want, int64_t want_left)
{
    int64_t out[8], left = SENTINEL;
    assert_int_equal(mc_alloc_split(pot, c, n, round, out, &left), MC_ERR_OK);
    for (size_t i = 0; i < n; i++) {
        assert_true(out[i] == want[i]);
    }
    assert_true(left == want_left);
    check_case(pot, c, n, round);
}

static void test_examples(void **state)
{
    (void)state;
    const mc_alloc_claim thirds[] = {{1, NO_CAP}, {1, NO_CAP}, {1, NO_CAP}};
    expect_split(100, thirds, 3, 0, (const int64_t[]){34, 33, 33}, 0);
    expect_split(100, thirds, 3, 1, (const int64_t[]){33, 34, 33}, 0);
    expect_split(100, thirds, 3, 2, (const int64_t[]){33, 33, 34}, 0);
    expect_split(100, thirds, 3, 3, (const int64_t[]){34, 33, 33}, 0);
    expect_split(101, thirds, 3, 2, (const int64_t[]){34, 33, 34}, 0); /* 2, then 0 */
    /* 1000 to weights 1, 2, 7, claim 1 capped at 100: the level is
     * 1000 / 10 = 100 per weight, claim 1's share 200 > 100, so it is frozen
     * at 100; 900 is left to weights 1 and 7 (W = 8): 112.5 and 787.5. The
     * floors 112 + 787 leave one unit, the remainders tie (4/8 each): at
     * round 0 rank 0 is claim 0; at round 1 the order is 1, 2, 0 so claim 2;
     * at round 2 claim 2 comes first. */
    const mc_alloc_claim capped[] = {{1, NO_CAP}, {2, 100}, {7, NO_CAP}};
    expect_split(1000, capped, 3, 0, (const int64_t[]){113, 100, 787}, 0);
    expect_split(1000, capped, 3, 1, (const int64_t[]){112, 100, 788}, 0);
    expect_split(1000, capped, 3, 2, (const int64_t[]){112, 100, 788}, 0);
    /* A cascade: 100 to four weights of 1, caps 10 and 27. Level 25: claim 0
     * (10) is frozen, claim 1 (27) is not yet; 90 over 3 gives level 30,
     * now claim 1 is frozen; 63 over 2 is 31.5 each, the odd unit to claim 2
     * (rank 2 before rank 3). */
    const mc_alloc_claim cascade[] = {{1, 10}, {1, 27}, {1, NO_CAP}, {1, NO_CAP}};
    expect_split(100, cascade, 4, 0, (const int64_t[]){10, 27, 32, 31}, 0);
    expect_split(100, cascade, 4, 3, (const int64_t[]){10, 27, 31, 32}, 0);
    /* 7 to weights 3 and 1: 5.25 and 1.75, floors 5 + 1, the unit goes to
     * the larger remainder (3/4 against 1/4) whatever the round. */
    const mc_alloc_claim unequal[] = {{3, NO_CAP}, {1, NO_CAP}};
    expect_split(7, unequal, 2, 0, (const int64_t[]){5, 2}, 0);
    expect_split(7, unequal, 2, 1, (const int64_t[]){5, 2}, 0);
    /* Every cap binds: 10 to caps 2, 2, 2 pays 6 and leaves 4; zero caps
     * take nothing. A cap equal to the exact share does not bind. */
    const mc_alloc_claim small[] = {{1, 2}, {5, 2}, {9, 2}};
    expect_split(10, small, 3, 0, (const int64_t[]){2, 2, 2}, 4);
    const mc_alloc_claim zero[] = {{1, 0}, {1, NO_CAP}, {1, 0}};
    expect_split(10, zero, 3, 0, (const int64_t[]){0, 10, 0}, 0);
    const mc_alloc_claim exact[] = {{1, 25}, {3, 75}};
    expect_split(100, exact, 2, 0, (const int64_t[]){25, 75}, 0);
    /* Near the limits: INT64_MAX = 3 * 3074457345618258602 + 1 to three
     * weights of INT64_MAX (W > 2^64); one claim alone takes everything. */
    const mc_alloc_claim huge[] = {{INT64_MAX, NO_CAP}, {INT64_MAX, NO_CAP}, {INT64_MAX, NO_CAP}};
    expect_split(INT64_MAX, huge, 3, 1,
                 (const int64_t[]){3074457345618258602, 3074457345618258603, 3074457345618258602},
                 0);
    const mc_alloc_claim alone[] = {{INT64_MAX, INT64_MAX - 1}};
    expect_split(INT64_MAX, alone, 1, 5, (const int64_t[]){INT64_MAX - 1}, 1);
}

static void test_empty_and_zero(void **state)
{
    (void)state;
    int64_t left = SENTINEL;
    assert_int_equal(mc_alloc_split(500, NULL, 0, 7, NULL, &left), MC_ERR_OK);
    assert_true(left == 500);
    const mc_alloc_claim c[] = {{1, NO_CAP}, {INT64_MAX, 0}, {3, 9}};
    expect_split(0, c, 3, 0, (const int64_t[]){0, 0, 0}, 0);
}

static void expect_invalid(int64_t pot, const mc_alloc_claim *c, size_t n)
{
    int64_t out[4] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL}, left = SENTINEL;
    assert_int_equal(mc_alloc_split(pot, c, n, 0, out, &left), MC_ERR_INVALID_ARGUMENT);
    for (size_t i = 0; i < 4; i++) {
        assert_true(out[i] == SENTINEL);
    }
    assert_true(left == SENTINEL);
}

static void test_invalid(void **state)
{
    (void)state;
    expect_invalid(100, (const mc_alloc_claim[]){{1, 5}, {0, 5}}, 2);
    expect_invalid(100, (const mc_alloc_claim[]){{1, 5}, {-1, 5}}, 2);
    expect_invalid(100, (const mc_alloc_claim[]){{INT64_MIN, 5}}, 1);
    expect_invalid(100, (const mc_alloc_claim[]){{1, 5}, {1, 5}, {1, -1}}, 3);
    expect_invalid(100, (const mc_alloc_claim[]){{1, INT64_MIN}}, 1);
    expect_invalid(-1, (const mc_alloc_claim[]){{1, 5}}, 1);
    expect_invalid(INT64_MIN, NULL, 0);
    expect_invalid(100, NULL, 2);
    /* Too many claims: refused before any of them is read. */
    expect_invalid(100, (const mc_alloc_claim[]){{1, 5}}, MC_ALLOC_CLAIMS_MAX + 1);
    int64_t out = SENTINEL;
    const mc_alloc_claim one = {1, 5};
    assert_int_equal(mc_alloc_split(1, &one, 1, 0, &out, NULL), MC_ERR_INVALID_ARGUMENT);
    assert_int_equal(mc_alloc_split(1, &one, 1, 0, NULL, &out), MC_ERR_INVALID_ARGUMENT);
    assert_true(out == SENTINEL);
}

/* n equal claims, a pot of q * n + k units (k < n): each round gives q + 1
 * to exactly k claims, and over n consecutive rounds (from any start) every
 * claim gets q * n + k in total: the odd units go round. */
static void test_rotation(void **state)
{
    (void)state;
    mc_alloc_claim c[RANDOM_CLAIMS_MAX];
    int64_t out[RANDOM_CLAIMS_MAX], total[RANDOM_CLAIMS_MAX], left;
    static const size_t sizes[] = {1, 2, 3, 7, 10, 64, 257};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        int64_t weight = 1 + (int64_t)below(3) * (INT64_MAX / 2);
        for (size_t i = 0; i < n; i++) {
            c[i] = (mc_alloc_claim){weight, NO_CAP};
        }
        for (size_t t = 0; t < 6; t++) {
            int64_t k = (int64_t)below(n), q = t % 2 ? any_magnitude() / (int64_t)n / 2 : 0;
            uint64_t start = t < 2 ? 0 : below(UINT64_MAX - n);
            for (size_t i = 0; i < n; i++) {
                total[i] = 0;
            }
            for (uint64_t r = start; r < start + n; r++) {
                assert_int_equal(mc_alloc_split(q * (int64_t)n + k, c, n, r, out, &left),
                                 MC_ERR_OK);
                int64_t odd = 0;
                for (size_t i = 0; i < n; i++) {
                    assert_true(out[i] == q || out[i] == q + 1);
                    odd += out[i] - q;
                    total[i] += out[i];
                }
                assert_true(odd == k && left == 0);
            }
            for (size_t i = 0; i < n; i++) {
                assert_true(total[i] == q * (int64_t)n + k);
            }
        }
    }
}

static int64_t random_weight(unsigned mode, int64_t same)
{
    switch (mode) {
    case 0:
        return 1 + (int64_t)below(10);
    case 1:
        return 1 + (int64_t)below(1000000);
    case 2:
        return INT64_MAX - (int64_t)below(1000); /* the total passes 2^63 */
    case 3:
        return same;
    default:
        return 1 + any_magnitude() / 2;
    }
}

static int64_t random_cap(unsigned mode, int64_t pot, size_t n)
{
    switch (mode == 4 ? below(4) : mode) {
    case 0:
        return NO_CAP;
    case 1:
        return (int64_t)below(pot / (int64_t)n > INT64_MAX / 2
                                  ? INT64_MAX
                                  : (uint64_t)(pot / (int64_t)n) * 2 + 2); /* near a fair share */
    case 2:
        return below(2) ? 0 : NO_CAP;
    default:
        return below(2) ? any_magnitude() : NO_CAP - (int64_t)below(1000);
    }
}

static int64_t random_pot(size_t n)
{
    switch (below(5)) {
    case 0:
        return below(4) ? (int64_t)below(1000) : 0;
    case 1:
        return (int64_t)below(n + 1); /* fewer units than claims */
    case 2:
        return INT64_MAX - (int64_t)below(1000);
    default:
        return any_magnitude();
    }
}

static void test_random(void **state)
{
    (void)state;
    mc_alloc_claim c[RANDOM_CLAIMS_MAX];
    for (unsigned t = 0; t < RANDOM_CASES; t++) {
        uint64_t size = below(4);
        size_t n = (size_t)(size == 0 ? below(4) : size < 3 ? below(40) : below(301));
        int64_t pot = random_pot(n);
        unsigned weight_mode = (unsigned)below(5), cap_mode = (unsigned)below(5);
        int64_t same = 1 + any_magnitude() / 2;
        for (size_t i = 0; i < n; i++) {
            c[i].weight = random_weight(weight_mode, same);
            c[i].cap = random_cap(cap_mode, pot, n);
        }
        check_case(pot, c, n, below(2) ? below(1000) : next_random());
    }
}

/* The most claims, all of weight near INT64_MAX (W near 2^80), every other
 * one capped at 1: too big for the quadratic model, so the guarantees
 * alone. */
static void test_most_claims(void **state)
{
    (void)state;
    size_t n = MC_ALLOC_CLAIMS_MAX;
    mc_alloc_claim *c = malloc(n * sizeof *c);
    int64_t *out = malloc(n * sizeof *out), left;
    assert_non_null(c);
    assert_non_null(out);
    for (unsigned capped = 0; capped < 2; capped++) {
        for (size_t i = 0; i < n; i++) {
            c[i] = (mc_alloc_claim){INT64_MAX - (int64_t)(i % 3), capped && i % 2 ? 1 : NO_CAP};
        }
        assert_int_equal(mc_alloc_split(INT64_MAX, c, n, 12345, out, &left), MC_ERR_OK);
        check_guarantees(INT64_MAX, c, n, out, left);
    }
    free(out);
    free(c);
}

int main(void)
{
    uint64_t seed = (uint64_t)time(NULL);
    const char *env = getenv("MC_ALLOC_SEED");
    if (env != NULL) {
        seed = strtoull(env, NULL, 10);
    }
    printf("allocation test seed: %" PRIu64 " (replay with MC_ALLOC_SEED=%" PRIu64 ")\n", seed,
           seed);
    rng = seed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples), cmocka_unit_test(test_empty_and_zero),
        cmocka_unit_test(test_invalid),  cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_random),   cmocka_unit_test(test_most_claims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
