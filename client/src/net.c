/* The client's socket: parsing "HOST:PORT", connecting within a timeout,
 * sending while reading (so a node that pauses reading a busy connection
 * never deadlocks a pipelining caller) and cutting received bytes into
 * Response frames. The socket is non-blocking and every wait is a poll()
 * bounded by a deadline; send() uses MSG_NOSIGNAL, so a closed peer is an
 * error code and never a SIGPIPE (the library installs no signal handler). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h"
#include "mc/error.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* BSDs: SO_NOSIGPIPE is set on the socket instead */
#endif

/* take_frame(): not a whole frame buffered yet. */
#define NEED_MORE (-1)

int64_t mc__client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mc__client_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- addresses ---------------------------------------------------------- */

/* 1..65535 in decimal digits only. */
static bool port_is_valid(const char *port)
{
    size_t len = strlen(port);
    if (len == 0 || len > MC_CLIENT_PORT_TEXT_MAX) {
        return false;
    }
    unsigned long value = 0;
    for (size_t i = 0; i < len; i++) {
        if (port[i] < '0' || port[i] > '9') {
            return false;
        }
        value = value * 10u + (unsigned long)(port[i] - '0');
    }
    return value >= 1 && value <= 65535;
}

int mc__client_parse_address(mc_client *c, const char *address)
{
    size_t len = strlen(address);
    const char *host = address, *port = NULL;
    size_t host_len = 0;
    if (len > MC_CLIENT_ADDRESS_MAX) {
        mc__client_set_error(c, "address longer than %u bytes", MC_CLIENT_ADDRESS_MAX);
        return MC_ERR_INVALID_ARGUMENT;
    }
    if (address[0] == '[') {
        const char *close = strchr(address, ']');
        if (close != NULL && close[1] == ':') {
            host = address + 1;
            host_len = (size_t)(close - host);
            port = close + 2;
        }
    } else {
        const char *colon = strrchr(address, ':');
        if (colon != NULL && memchr(address, ':', (size_t)(colon - address)) == NULL) {
            host_len = (size_t)(colon - address);
            port = colon + 1;
        }
    }
    if (port == NULL || host_len == 0 || memchr(host, '[', host_len) != NULL ||
        memchr(host, ']', host_len) != NULL || !port_is_valid(port)) {
        mc__client_set_error(c, "address \"%s\": expected HOST:PORT or [IPV6]:PORT, port 1-65535",
                             address);
        return MC_ERR_INVALID_ARGUMENT;
    }
    memcpy(c->host, host, host_len);
    c->host[host_len] = '\0';
    memcpy(c->port, port, strlen(port) + 1);
    memcpy(c->address, address, len + 1);
    return MC_ERR_OK;
}

/* ---- connecting --------------------------------------------------------- */

/* Wait until `fd` has one of `events` or the deadline passes. 1 with
 * *revents, 0 on timeout, -1 on a poll failure (errno set). */
static int wait_fd(int fd, short events, int64_t deadline_ms, short *revents)
{
    for (;;) {
        int64_t left = deadline_ms - mc__client_now_ms();
        if (left < 0) {
            left = 0;
        }
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
        if (n > 0) {
            *revents = p.revents;
            return 1;
        }
        if (n < 0 && errno != EINTR) {
            return -1;
        }
        if (n == 0 && left == 0) {
            return 0;
        }
    }
}

/* Close-on-exec, non-blocking, no Nagle delay, no SIGPIPE. 0 or -1. */
static int socket_setup(int fd)
{
    int one = 1;
    int flags = fcntl(fd, F_GETFL);
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || flags < 0 ||
        fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        return -1;
    }
#ifdef SO_NOSIGPIPE
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) != 0) {
        return -1;
    }
#endif
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* One address: a connected socket, or -1 with *err an errno value. */
static int connect_one(const struct addrinfo *ai, int64_t deadline_ms, int *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (socket_setup(fd) != 0) {
        goto fail;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) {
            goto fail;
        }
        short revents = 0;
        int ready = wait_fd(fd, POLLOUT, deadline_ms, &revents);
        if (ready <= 0) {
            errno = ready == 0 ? ETIMEDOUT : errno;
            goto fail;
        }
        int so_error = 0;
        socklen_t so_len = sizeof so_error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) != 0) {
            goto fail;
        }
        if (so_error != 0) {
            errno = so_error;
            goto fail;
        }
    }
    return fd;
fail:
    *err = errno;
    close(fd);
    return -1;
}

int mc__client_open(mc_client *c)
{
    struct addrinfo hints, *list = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(c->host, c->port, &hints, &list);
    if (gai != 0) {
        mc__client_set_error(c, "resolve %s: %s", c->host, gai_strerror(gai));
        return MC_ERR_UNREACHABLE;
    }
    int64_t deadline_ms = mc__client_now_ms() + c->opts.connect_timeout_ms;
    int err = ENOENT;
    int fd = -1;
    for (const struct addrinfo *ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = connect_one(ai, deadline_ms, &err);
    }
    freeaddrinfo(list);
    if (fd < 0) {
        mc__client_set_error(c, "connect %s: %s", c->address, strerror(err));
        return MC_ERR_UNREACHABLE;
    }
    c->fd = fd;
    c->peer_closed = false;
    return MC_ERR_OK;
}

void mc__client_disconnect(mc_client *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
    c->peer_closed = false;
    c->lost = false;
    free(c->inbox.buf);
    memset(&c->inbox, 0, sizeof c->inbox);
    c->pending_len = 0;
    c->outstanding = 0;
}

bool mc__client_peer_gone(mc_client *c)
{
    if (c->peer_closed) {
        return c->inbox.end == c->inbox.start;
    }
    short revents = 0;
    if (wait_fd(c->fd, POLLIN, mc__client_now_ms(), &revents) <= 0) {
        return false;
    }
    uint8_t byte;
    ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* ---- the inbox ---------------------------------------------------------- */

/* Make room for `want` more bytes after the buffered ones, within
 * MC_CLIENT_INBOX_BYTES_MAX. Returns the room there is (maybe less). */
static size_t inbox_reserve(mc__inbox *in, size_t want)
{
    if (in->start > 0 && in->cap - in->end < want) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (in->cap - in->end < want && in->cap < MC_CLIENT_INBOX_BYTES_MAX) {
        size_t cap = in->cap > 0 ? in->cap : MC_CLIENT_READ_CHUNK_BYTES;
        while (cap - in->end < want && cap < MC_CLIENT_INBOX_BYTES_MAX) {
            cap *= 2;
        }
        cap = cap > MC_CLIENT_INBOX_BYTES_MAX ? MC_CLIENT_INBOX_BYTES_MAX : cap;
        uint8_t *buf = realloc(in->buf, cap);
        if (buf != NULL) {
            in->buf = buf;
            in->cap = cap;
        }
    }
    return in->cap - in->end;
}

/* One recv() into the inbox. MC_ERR_OK (maybe nothing read, maybe the end
 * of the stream: c->peer_closed), MC_ERR_UNREACHABLE or MC_ERR_NO_MEMORY. */
static int read_some(mc_client *c)
{
    size_t room = inbox_reserve(&c->inbox, MC_CLIENT_READ_CHUNK_BYTES);
    if (room == 0) {
        mc__client_set_error(c, "no memory to buffer answers from %s", c->address);
        return MC_ERR_NO_MEMORY;
    }
    room = room > MC_CLIENT_READ_CHUNK_BYTES ? MC_CLIENT_READ_CHUNK_BYTES : room;
    ssize_t n = recv(c->fd, c->inbox.buf + c->inbox.end, room, 0);
    if (n > 0) {
        c->inbox.end += (size_t)n;
    } else if (n == 0) {
        c->peer_closed = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        mc__client_set_error(c, "receive from %s: %s", c->address, strerror(errno));
        return MC_ERR_UNREACHABLE;
    }
    return MC_ERR_OK;
}

void mc__client_disconnect_keep_answers(mc_client *c)
{
    if (c->outstanding == 0 || c->fd < 0) {
        mc__client_disconnect(c);
        return;
    }
    /* Answers may wait in the socket still, ahead of the node's close. */
    memcpy(c->lost_error, c->error, sizeof c->lost_error);
    for (unsigned reads = 0; !c->peer_closed && reads < MC_CLIENT_LOST_READS_MAX; reads++) {
        size_t before = c->inbox.end - c->inbox.start;
        if (read_some(c) != MC_ERR_OK || c->inbox.end - c->inbox.start == before) {
            break;
        }
    }
    memcpy(c->error, c->lost_error, sizeof c->error);
    close(c->fd);
    c->fd = -1;
    c->peer_closed = false;
    c->lost = true;
}

/* Cut one Response off the inbox: MC_ERR_OK with *out, NEED_MORE with
 * *missing (bytes still to come), MC_ERR_PROTOCOL or MC_ERR_NO_MEMORY. */
static int take_frame(mc_client *c, Mc__Response **out, size_t *missing)
{
    mc__inbox *in = &c->inbox;
    size_t avail = in->end - in->start;
    uint32_t body_len = 0;
    mc_frame_status st = mc_frame_parse(in->buf + in->start, avail, MC_FRAME_MAX_LIMIT, &body_len);
    if (st == MC_FRAME_TOO_LARGE) {
        mc__client_set_error(c, "%s sent a frame of %u bytes, above the limit of %u", c->address,
                             body_len, MC_FRAME_MAX_LIMIT);
        return MC_ERR_PROTOCOL;
    }
    if (st == MC_FRAME_NEED_MORE) {
        size_t whole = avail < MC_FRAME_HEADER_BYTES ? MC_FRAME_HEADER_BYTES
                                                     : MC_FRAME_HEADER_BYTES + (size_t)body_len;
        *missing = whole - avail;
        return NEED_MORE;
    }
    Mc__Response *resp =
        mc__response__unpack(NULL, body_len, in->buf + in->start + MC_FRAME_HEADER_BYTES);
    in->start += MC_FRAME_HEADER_BYTES + (size_t)body_len;
    if (in->start == in->end) {
        in->start = in->end = 0;
        if (in->cap > MC_CLIENT_INBOX_KEEP_BYTES) {
            free(in->buf);
            memset(in, 0, sizeof *in);
        }
    }
    if (resp == NULL) {
        mc__client_set_error(c, "%s sent a frame that is not a Response", c->address);
        return MC_ERR_PROTOCOL;
    }
    *out = resp;
    return MC_ERR_OK;
}

int mc__client_read_response(mc_client *c, int64_t deadline_ms, Mc__Response **out)
{
    for (;;) {
        size_t missing = MC_FRAME_HEADER_BYTES;
        int rc = c->inbox.end > c->inbox.start ? take_frame(c, out, &missing) : NEED_MORE;
        if (rc != NEED_MORE) {
            return rc;
        }
        if (c->lost) {
            mc__client_set_error(c, "%s; %zu submissions sent before got no answer", c->lost_error,
                                 c->outstanding);
            return MC_ERR_UNREACHABLE;
        }
        if (c->peer_closed) {
            mc__client_set_error(c, "%s closed the connection", c->address);
            return MC_ERR_UNREACHABLE;
        }
        if (inbox_reserve(&c->inbox, missing) < missing) {
            mc__client_set_error(c, "no memory for a frame of %zu bytes", missing);
            return MC_ERR_NO_MEMORY;
        }
        short revents = 0;
        int ready = wait_fd(c->fd, POLLIN, deadline_ms, &revents);
        if (ready == 0) {
            mc__client_set_error(c, "no answer from %s within %d ms", c->address,
                                 c->opts.timeout_ms);
            return MC_ERR_TIMEOUT;
        }
        if (ready < 0) {
            mc__client_set_error(c, "poll: %s", strerror(errno));
            return MC_ERR_UNREACHABLE;
        }
        rc = read_some(c);
        if (rc != MC_ERR_OK) {
            return rc;
        }
    }
}

/* ---- sending ------------------------------------------------------------ */

int mc__client_send_bytes(mc_client *c, const uint8_t *data, size_t len, int64_t deadline_ms)
{
    size_t sent = 0;
    while (sent < len) {
        short events = POLLOUT;
        if (!c->peer_closed && inbox_reserve(&c->inbox, MC_CLIENT_READ_CHUNK_BYTES) > 0) {
            events |= POLLIN;
        }
        short revents = 0;
        int ready = wait_fd(c->fd, events, deadline_ms, &revents);
        if (ready == 0) {
            mc__client_set_error(c, "%s did not take a request within %d ms", c->address,
                                 c->opts.timeout_ms);
            return MC_ERR_TIMEOUT;
        }
        if (ready < 0) {
            mc__client_set_error(c, "poll: %s", strerror(errno));
            return MC_ERR_UNREACHABLE;
        }
        if ((revents & POLLIN) != 0) {
            int rc = read_some(c);
            if (rc != MC_ERR_OK) {
                return rc;
            }
        }
        if ((revents & (POLLOUT | POLLERR | POLLHUP)) == 0) {
            continue;
        }
        ssize_t n = send(c->fd, data + sent, len - sent, MSG_NOSIGNAL);
        if (n >= 0) {
            sent += (size_t)n;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            mc__client_set_error(c, "send to %s: %s", c->address, strerror(errno));
            return MC_ERR_UNREACHABLE;
        }
    }
    return MC_ERR_OK;
}
