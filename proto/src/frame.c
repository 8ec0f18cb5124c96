/* Frame headers and packing (see mc/frame.h). */
#include <stdlib.h>

#include "mc/frame.h"

void mc_frame_put_length(uint8_t out[MC_FRAME_HEADER_BYTES], uint32_t len)
{
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
}

uint32_t mc_frame_get_length(const uint8_t in[MC_FRAME_HEADER_BYTES])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

mc_frame_status mc_frame_parse(const uint8_t *data, size_t avail, uint32_t max, uint32_t *body_len)
{
    if (avail < MC_FRAME_HEADER_BYTES) {
        return MC_FRAME_NEED_MORE;
    }
    uint32_t len = mc_frame_get_length(data);
    *body_len = len;
    if (len > max) {
        return MC_FRAME_TOO_LARGE;
    }
    return avail - MC_FRAME_HEADER_BYTES >= len ? MC_FRAME_READY : MC_FRAME_NEED_MORE;
}

int mc_frame_pack(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len)
{
    size_t len = protobuf_c_message_get_packed_size(msg);
    if (len > MC_FRAME_MAX_LIMIT) {
        return -1;
    }
    uint8_t *buf = malloc(MC_FRAME_HEADER_BYTES + len);
    if (buf == NULL) {
        return -1;
    }
    mc_frame_put_length(buf, (uint32_t)len);
    protobuf_c_message_pack(msg, buf + MC_FRAME_HEADER_BYTES);
    *out = buf;
    *out_len = MC_FRAME_HEADER_BYTES + len;
    return 0;
}
