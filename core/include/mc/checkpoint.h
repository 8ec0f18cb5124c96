/* Checkpoints: the node's signed statement of the log's size and root, in
 * the text format of transparency-log checkpoints (C2SP signed notes), so a
 * person can read one and a tool can parse it:
 *
 *   mc ledger 535f0235...6fd3          the ledger id, 64 hex digits
 *   1234                               the tree size, decimal
 *   3q2+7w...=                         the RFC 9162 root, base64
 *   time 1795486347                    the node's clock, unix seconds
 *                                      (an empty line)
 *   — mcnode AbCd...==                 key id (4 bytes) || Ed25519 signature
 *
 * The signature covers "mc/checkpoint/v1" || ledger_id || the four lines
 * above the empty one, each with its newline; the key id is the first four
 * bytes of SHA-256("mcnode" || "\n" || 0x01 || public key), as signed
 * notes name an Ed25519 key. The key is the node's, named in the genesis. */
#ifndef MC_CHECKPOINT_H
#define MC_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "mc/crypto.h"

#define MC_DOMAIN_CHECKPOINT "mc/checkpoint/v1"
#define MC_CHECKPOINT_KEY_NAME "mcnode"
#define MC_CHECKPOINT_TEXT_MAX 512u /* bytes of a checkpoint's text, with its NUL */

typedef struct mc_checkpoint {
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    uint64_t size;
    uint8_t root[MC_HASH_BYTES];
    int64_t time; /* unix seconds, >= 0 */
} mc_checkpoint;

/* Sign `cp` with the node's key into `out` (MC_CHECKPOINT_TEXT_MAX bytes,
 * NUL-terminated); *len is its length without the NUL. MC_ERR_OK or
 * MC_ERR_INVALID_ARGUMENT (a negative time). */
int mc_checkpoint_sign(const mc_checkpoint *cp, const mc_keypair *node_key,
                       char out[MC_CHECKPOINT_TEXT_MAX], size_t *len);

/* Parse `len` bytes of checkpoint text, strictly (every line as above, no
 * more, no less), WITHOUT checking the signature: for display. MC_ERR_OK or
 * MC_ERR_CHECKPOINT_INVALID. */
int mc_checkpoint_parse(const char *text, size_t len, mc_checkpoint *out);

/* Parse and check the signature against `node_key`: MC_ERR_OK or
 * MC_ERR_CHECKPOINT_INVALID (does not parse, another key, a bad
 * signature). `out` is untouched on failure. */
int mc_checkpoint_verify(const char *text, size_t len, const uint8_t node_key[MC_PUBLIC_KEY_BYTES],
                         mc_checkpoint *out);

#endif
