/* Private to libmcclient: the client structure, its limits, and the
 * functions the client's files share (net.c: sockets and frames; client.c:
 * one request and its answer; info.c, query.c, submit.c: the calls). */
#ifndef MC_CLIENT_INTERNAL_H
#define MC_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mc/client.h"
#include "mc/frame.h"
#include "wire.pb-c.h"

/* Limits of the client. */
#define MC_CLIENT_ADDRESS_MAX 255u        /* bytes of "HOST:PORT" */
#define MC_CLIENT_PORT_TEXT_MAX 5u        /* digits of a port */
#define MC_CLIENT_READ_CHUNK_BYTES 65536u /* most bytes asked of one recv() */
#define MC_CLIENT_INBOX_KEEP_BYTES 65536u /* an empty inbox larger than this is freed */
#define MC_CLIENT_LOST_READS_MAX 1024u    /* reads of what a failed connection still holds */
#define MC_CLIENT_INBOX_BYTES_MAX                                                                  \
    (MC_FRAME_HEADER_BYTES + MC_FRAME_MAX_LIMIT + MC_CLIENT_READ_CHUNK_BYTES)
#define MC_CLIENT_OUTSTANDING_MAX 65536u                      /* pipelined submissions in flight */
#define MC_CLIENT_SUBMIT_BYTES_MAX (MC_FRAME_MAX_LIMIT - 64u) /* a SignedTx, framed */
#define MC_CLIENT_BACKOFF_MS_FIRST 20                         /* wait before the first resend */
#define MC_CLIENT_BACKOFF_MS_MAX 1000                         /* the wait doubles up to this */
#define MC_CLIENT_ERROR_CODE_MAX 65535u /* a node's error code above this is invalid */

/* A pipelined submission not yet answered. */
typedef struct mc__pending {
    uint64_t id;
    bool received;
    bool has_tx_id; /* the signed bytes decoded: tx_id is theirs */
    uint8_t tx_id[MC_TX_ID_BYTES];
} mc__pending;

/* Bytes received and not yet cut into frames: buf[start, end). */
typedef struct mc__inbox {
    uint8_t *buf;
    size_t start, end, cap; /* cap <= MC_CLIENT_INBOX_BYTES_MAX */
} mc__inbox;

struct mc_client {
    char address[MC_CLIENT_ADDRESS_MAX + 1];
    char host[MC_CLIENT_ADDRESS_MAX + 1];
    char port[MC_CLIENT_PORT_TEXT_MAX + 1];
    mc_client_options opts; /* defaults applied: timeouts > 0 */
    int fd;                 /* -1: not connected; the next call reconnects */
    bool peer_closed;       /* the node closed its side: nothing more will come */
    uint64_t next_id;       /* the next request id; starts at 1 */
    mc__inbox inbox;
    /* Pipelined submissions, ids ascending (some maybe received). */
    mc__pending *pending;
    size_t pending_len, pending_cap;
    size_t outstanding; /* entries of `pending` not received */
    /* The connection failed with submissions outstanding: fd is -1, the
     * inbox holds what was received before (whole frames first, maybe part
     * of one after), handed out by mc_client_recv_result() until none is
     * left; the other calls fail until then. Why, in lost_error. */
    bool lost;
    char lost_error[MC_CLIENT_ERROR_MAX];
    /* Authentication, repeated after a reconnect; borrowed from the caller. */
    const mc_keypair *keypair;
    bool has_ledger_id;
    uint8_t ledger_id[MC_LEDGER_ID_BYTES];
    char error[MC_CLIENT_ERROR_MAX];
};

/* ---- net.c: addresses, sockets, frames ---------------------------------- */

/* Split "HOST:PORT" or "[IPV6]:PORT" into c->host and c->port.
 * MC_ERR_INVALID_ARGUMENT (with a message) when it does not parse. */
int mc__client_parse_address(mc_client *c, const char *address);

/* Resolve c->host and connect within opts.connect_timeout_ms. MC_ERR_OK or
 * MC_ERR_UNREACHABLE with a message. */
int mc__client_open(mc_client *c);

/* Close the socket, drop buffered bytes and pipelined submissions (their
 * answers can no longer come). The next call reconnects. */
void mc__client_disconnect(mc_client *c);

/* After a failure of the connection (its message in c->error): with
 * submissions outstanding, read what the socket still holds (without
 * waiting, within the inbox's bound), close it and keep the submissions
 * and the inbox for mc_client_recv_result() (c->lost). Without any,
 * mc__client_disconnect(). */
void mc__client_disconnect_keep_answers(mc_client *c);

/* True when the node has closed the connection and sent nothing more (a
 * connection it closed while idle): checked without waiting. */
bool mc__client_peer_gone(mc_client *c);

/* Monotonic clock, milliseconds. */
int64_t mc__client_now_ms(void);
void mc__client_sleep_ms(int ms);

/* Send all `len` bytes before `deadline_ms`, reading answers into the inbox
 * meanwhile (the node may stop reading until we read). MC_ERR_OK,
 * MC_ERR_TIMEOUT or MC_ERR_UNREACHABLE. */
int mc__client_send_bytes(mc_client *c, const uint8_t *data, size_t len, int64_t deadline_ms);

/* The next Response of the connection (free with mc__response__free_unpacked),
 * waiting until `deadline_ms`. MC_ERR_OK, MC_ERR_TIMEOUT, MC_ERR_UNREACHABLE,
 * MC_ERR_PROTOCOL (oversized or undecodable frame) or MC_ERR_NO_MEMORY. On a
 * lost connection (c->lost): the whole frames left in the inbox, then
 * MC_ERR_UNREACHABLE at once. */
int mc__client_read_response(mc_client *c, int64_t deadline_ms, Mc__Response **out);

/* ---- client.c: one request, one answer ---------------------------------- */

/* printf into c->error (truncated to fit). */
void mc__client_set_error(mc_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The code of a Response.error (MC_ERR_OK when absent or 0), its message
 * into c->error. MC_ERR_PROTOCOL for a code out of range. */
int mc__client_node_error(mc_client *c, const Mc__Error *error);

/* Give `req` the next id, frame it and send it before `deadline_ms`. */
int mc__client_send_request(mc_client *c, Mc__Request *req, int64_t deadline_ms);

/* Send `req` and wait for the Response with its id (others are stale
 * answers to requests that timed out and are dropped). MC_ERR_OK with
 * *out (the caller inspects its error and kind); a transport failure (the
 * connection is then closed); or the error of a connection-level answer
 * (id 0: the node closes the connection, so it is closed here too). */
int mc__client_exchange(mc_client *c, Mc__Request *req, Mc__Response **out);

/* mc__client_exchange() on a connected client without pipelined
 * submissions outstanding, then: the node's error code when it refused, or
 * MC_ERR_PROTOCOL when the answer is not of kind `want`. */
int mc__client_request(mc_client *c, Mc__Request *req, Mc__Response__KindCase want,
                       Mc__Response **out);

/* Blocking calls wait for the answer to their own request only:
 * MC_ERR_INVALID_ARGUMENT (message set) while pipelined submissions are
 * outstanding, MC_ERR_UNREACHABLE when their connection is lost. */
int mc__client_refuse_while_pipelining(mc_client *c);

/* MC_ERR_UNREACHABLE (message set) while the answers of a lost connection
 * wait for mc_client_recv_result() (c->lost): no reconnect before they are
 * received. MC_ERR_OK otherwise. */
int mc__client_refuse_while_lost(mc_client *c);

/* Reconnect when not connected (or the node closed the connection while
 * idle), and authenticate again with the remembered
 * key pair. */
int mc__client_ensure_connected(mc_client *c);

/* mc__client_ensure_connected(), then mc__client_request(). */
int mc__client_call(mc_client *c, Mc__Request *req, Mc__Response__KindCase want,
                    Mc__Response **out);

/* Copy a string of the node into `out` (`cap` bytes, NUL included).
 * MC_ERR_PROTOCOL (message set) when it does not fit. */
int mc__client_copy_text(mc_client *c, const char *what, const char *text, char *out, size_t cap);

/* Copy exactly `len` bytes. MC_ERR_PROTOCOL (message set) when `data` has
 * another size. */
int mc__client_copy_bytes(mc_client *c, const char *what, const ProtobufCBinaryData *data,
                          uint8_t *out, size_t len);

/* Limits of the node, checked: min <= 0 <= max (NULL: both 0). */
int mc__client_copy_limits(mc_client *c, const Mc__Limits *limits, mc_limits *out);

/* ---- info.c ------------------------------------------------------------- */

/* Authenticate the current connection with `kp` (challenge, signature). */
int mc__client_authenticate_connection(mc_client *c, const mc_keypair *kp, mc_client_identity *out);

#endif
