/* A plain driver for the fuzz target when libFuzzer is not in use (gcc, CI):
 * feeds the target valid transactions and log entries, then many
 * deterministic mutations of them (bit flips, truncations, insertions,
 * random bytes). MC_FUZZ_ITERATIONS (default 200000) and MC_FUZZ_SEED set the
 * run; the seed is printed so that a failure replays. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mc/crypto.h"
#include "mc/error.h"
#include "mc/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEED_BYTES_MAX 1024u

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t rng_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rng_next() % n);
}

/* A valid signed transfer: the seed every mutation starts from. */
static size_t make_seed(uint8_t *out)
{
    mc_keypair *kp = NULL;
    uint8_t seed[MC_SECRET_SEED_BYTES] = {7};
    if (mc_keypair_from_seed(seed, &kp) != MC_ERR_OK) {
        abort();
    }
    mc_body b;
    memset(&b, 0, sizeof b);
    b.kind = MC_TX_TRANSFER;
    b.nonce = 42;
    memset(b.u.transfer.payee, 0xab, MC_PUBLIC_KEY_BYTES);
    memcpy(b.u.transfer.payer, mc_keypair_public(kp), MC_PUBLIC_KEY_BYTES);
    b.u.transfer.amount = 1250;
    b.u.transfer.memo = (const uint8_t *)"bread";
    b.u.transfer.memo_len = 5;
    uint8_t *body = NULL, *signed_tx = NULL;
    size_t body_len = 0, len = 0;
    const mc_keypair *keys[1] = {kp};
    if (mc_body_encode(&b, &body, &body_len) != MC_ERR_OK ||
        mc_tx_sign(body, body_len, keys, 1, &signed_tx, &len) != MC_ERR_OK ||
        len > SEED_BYTES_MAX) {
        abort();
    }
    memcpy(out, signed_tx, len);
    free(body);
    free(signed_tx);
    mc_keypair_free(kp);
    return len;
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
    switch (rng_below(5)) {
    case 0: /* flip a bit */
        if (len > 0) {
            buf[rng_below(len)] ^= (uint8_t)(1u << rng_below(8));
        }
        return len;
    case 1: /* truncate */
        return rng_below(len + 1);
    case 2: /* insert a random byte */
        if (len < cap) {
            size_t at = rng_below(len + 1);
            memmove(buf + at + 1, buf + at, len - at);
            buf[at] = (uint8_t)rng_next();
            return len + 1;
        }
        return len;
    case 3: /* overwrite a byte with an extreme value */
        if (len > 0) {
            static const uint8_t extremes[] = {0x00, 0x7f, 0x80, 0xff};
            buf[rng_below(len)] = extremes[rng_below(sizeof extremes)];
        }
        return len;
    default: /* random bytes */
        len = rng_below(64);
        for (size_t i = 0; i < len; i++) {
            buf[i] = (uint8_t)rng_next();
        }
        return len;
    }
}

int main(void)
{
    const char *iter_env = getenv("MC_FUZZ_ITERATIONS");
    const char *seed_env = getenv("MC_FUZZ_SEED");
    long iterations = iter_env ? strtol(iter_env, NULL, 10) : 200000;
    rng_state = seed_env ? strtoull(seed_env, NULL, 10) : (uint64_t)time(NULL);
    printf("fuzz driver seed: %" PRIu64 " (MC_FUZZ_SEED), %ld iterations\n", rng_state, iterations);

    uint8_t seed[SEED_BYTES_MAX], buf[SEED_BYTES_MAX];
    size_t seed_len = make_seed(seed);
    LLVMFuzzerTestOneInput(seed, seed_len);
    for (long i = 0; i < iterations; i++) {
        size_t len = seed_len;
        memcpy(buf, seed, seed_len);
        for (size_t m = 1 + rng_below(4); m > 0; m--) {
            len = mutate(buf, len, sizeof buf);
        }
        LLVMFuzzerTestOneInput(buf, len);
    }
    printf("1 passed, 0 failed\n");
    return 0;
}
