/* Fuzz target for every decoder of untrusted bytes: frames and the
 * Request/Response envelopes (network), SignedTx (network), LogEntry (disk,
 * exports), amount text and UTF-8 (users). Whatever the
 * input, the decoders must answer with an error code or a value, never
 * crash, leak or read out of bounds; what decodes must re-encode to bytes
 * that decode to the same transaction id. Built for libFuzzer with
 * -DMC_FUZZ=ON (clang), and with driver.c as a plain ctest otherwise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mc/amount.h"
#include "mc/frame.h"
#include "wire.pb-c.h"
#include "mc/error.h"
#include "mc/ledger.h"
#include "mc/text.h"
#include "mc/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_signed_tx(const uint8_t *data, size_t size)
{
    mc_tx *tx = NULL;
    if (mc_tx_decode(data, size, &tx) != MC_ERR_OK) {
        return;
    }
    (void)mc_tx_verify(tx);
    uint8_t *again = NULL;
    size_t again_len = 0;
    if (mc_tx_encode(tx, &again, &again_len) == MC_ERR_OK) {
        mc_tx *tx2 = NULL;
        if (mc_tx_decode(again, again_len, &tx2) != MC_ERR_OK ||
            memcmp(mc_tx_id_of(tx), mc_tx_id_of(tx2), MC_TX_ID_BYTES) != 0) {
            abort(); /* re-encoding changed the transaction */
        }
        mc_tx_free(tx2);
        free(again);
    }
    mc_tx_free(tx);
}

static void fuzz_entry(const uint8_t *data, size_t size)
{
    mc_entry e;
    if (mc_entry_decode(data, size, &e) == MC_ERR_OK) {
        mc_entry_clear(&e);
    }
}

static void fuzz_text(const uint8_t *data, size_t size)
{
    char text[64];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    int64_t v = 0;
    unsigned decimals = size > 0 ? data[0] % 10u : 2u;
    if (mc_amount_parse(text, decimals, &v) == MC_ERR_OK) {
        char back[MC_AMOUNT_TEXT_MAX];
        int64_t v2 = 0;
        if (mc_amount_format(v, decimals, back, sizeof back) != MC_ERR_OK ||
            mc_amount_parse(back, decimals, &v2) != MC_ERR_OK || v2 != v) {
            abort(); /* parse and format must round-trip */
        }
    }
    (void)mc_utf8_is_valid(data, size);
    (void)mc_handle_is_valid(data, size);
}

static void fuzz_wire(const uint8_t *data, size_t size)
{
    uint32_t len = 0;
    if (mc_frame_parse(data, size, MC_FRAME_MAX_DEFAULT, &len) == MC_FRAME_READY &&
        (size_t)len + MC_FRAME_HEADER_BYTES > size) {
        abort(); /* a ready frame must lie inside the input */
    }
    Mc__Request *req = mc__request__unpack(NULL, size, data);
    if (req != NULL) {
        uint8_t *frame = NULL;
        size_t frame_len = 0;
        if (mc_frame_pack(&req->base, &frame, &frame_len) == 0) {
            if (mc_frame_parse(frame, frame_len, MC_FRAME_MAX_LIMIT, &len) != MC_FRAME_READY) {
                abort(); /* what we pack, we must be able to cut */
            }
            free(frame);
        }
        mc__request__free_unpacked(req, NULL);
    }
    Mc__Response *resp = mc__response__unpack(NULL, size, data);
    if (resp != NULL) {
        mc__response__free_unpacked(resp, NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_wire(data, size);
    fuzz_signed_tx(data, size);
    fuzz_entry(data, size);
    fuzz_text(data, size);
    return 0;
}
