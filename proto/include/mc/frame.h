/* Frames of the wire protocol (proto/wire.proto): a 4-byte big-endian length,
 * then that many bytes of a serialized Request or Response. Shared by the
 * node and the client so both cut and build frames the same way. */
#ifndef MC_FRAME_H
#define MC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#define MC_FRAME_HEADER_BYTES 4u
#define MC_FRAME_MAX_DEFAULT (1u << 20) /* the node's default maximum body */
#define MC_FRAME_MAX_LIMIT (64u << 20)  /* no configuration goes above this */

typedef enum mc_frame_status {
    MC_FRAME_NEED_MORE = 0, /* not a whole frame yet */
    MC_FRAME_READY = 1,     /* a whole frame: body at data + 4, *body_len bytes */
    MC_FRAME_TOO_LARGE = 2, /* the header announces more than `max` bytes */
} mc_frame_status;

void mc_frame_put_length(uint8_t out[MC_FRAME_HEADER_BYTES], uint32_t len);
uint32_t mc_frame_get_length(const uint8_t in[MC_FRAME_HEADER_BYTES]);

/* Look at the `avail` bytes at `data` (the start of a frame). On
 * MC_FRAME_READY or MC_FRAME_TOO_LARGE, *body_len is the announced length;
 * a whole frame takes MC_FRAME_HEADER_BYTES + *body_len bytes. */
mc_frame_status mc_frame_parse(const uint8_t *data, size_t avail, uint32_t max, uint32_t *body_len);

/* Serialize `msg` after a header into a new malloc'd buffer of
 * MC_FRAME_HEADER_BYTES + packed size bytes. Returns 0, or -1 when out of
 * memory or the message exceeds MC_FRAME_MAX_LIMIT. */
int mc_frame_pack(const ProtobufCMessage *msg, uint8_t **out, size_t *out_len);

#endif
