/* libmcclient's frame of work: creating and closing a client, its error
 * message, and one request with its answer (mc__client_exchange() and the
 * checks every call shares). The calls themselves are in info.c, query.c
 * and submit.c; the socket in net.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "mc/error.h"

/* The failure of the last mc_client_connect() of this thread, for
 * mc_client_error_message(NULL): a failed connect returns no client. */
static _Thread_local char connect_error[MC_CLIENT_ERROR_MAX];

void mc_client_options_default(mc_client_options *opts)
{
    opts->timeout_ms = MC_CLIENT_TIMEOUT_MS_DEFAULT;
    opts->connect_timeout_ms = MC_CLIENT_CONNECT_TIMEOUT_MS_DEFAULT;
    opts->submit_retries = MC_CLIENT_SUBMIT_RETRIES_DEFAULT;
}

void mc__client_set_error(mc_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
}

static void options_apply(mc_client *c, const mc_client_options *opts)
{
    mc_client_options_default(&c->opts);
    if (opts == NULL) {
        return;
    }
    if (opts->timeout_ms > 0) {
        c->opts.timeout_ms = opts->timeout_ms;
    }
    if (opts->connect_timeout_ms > 0) {
        c->opts.connect_timeout_ms = opts->connect_timeout_ms;
    }
    c->opts.submit_retries = opts->submit_retries;
}

int mc_client_connect(const char *address, const mc_client_options *opts, mc_client **out)
{
    connect_error[0] = '\0';
    if (address == NULL || out == NULL) {
        snprintf(connect_error, sizeof connect_error, "no address");
        return MC_ERR_INVALID_ARGUMENT;
    }
    mc_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(connect_error, sizeof connect_error, "%s", mc_strerror(MC_ERR_NO_MEMORY));
        return MC_ERR_NO_MEMORY;
    }
    c->fd = -1;
    c->next_id = 1;
    options_apply(c, opts);
    int rc = mc__client_parse_address(c, address);
    if (rc == MC_ERR_OK) {
        rc = mc__client_open(c);
    }
    if (rc != MC_ERR_OK) {
        memcpy(connect_error, c->error, sizeof connect_error);
        mc_client_close(c);
        return rc;
    }
    *out = c;
    return MC_ERR_OK;
}

void mc_client_close(mc_client *c)
{
    if (c == NULL) {
        return;
    }
    mc__client_disconnect(c);
    free(c->pending);
    free(c);
}

const char *mc_client_error_message(const mc_client *c)
{
    return c == NULL ? connect_error : c->error;
}

bool mc_client_is_transport_error(int code)
{
    return code == MC_ERR_UNREACHABLE || code == MC_ERR_TIMEOUT || code == MC_ERR_PROTOCOL;
}

int mc__client_node_error(mc_client *c, const Mc__Error *error)
{
    if (error == NULL || error->code == 0) {
        return MC_ERR_OK;
    }
    if (error->code > MC_CLIENT_ERROR_CODE_MAX) {
        mc__client_set_error(c, "%s answered with error code %u", c->address, error->code);
        return MC_ERR_PROTOCOL;
    }
    int code = (int)error->code;
    const char *words = error->message;
    mc__client_set_error(c, "%s", words != NULL && words[0] != '\0' ? words : mc_strerror(code));
    return code;
}

int mc__client_send_request(mc_client *c, Mc__Request *req, int64_t deadline_ms)
{
    req->id = c->next_id++;
    uint8_t *frame = NULL;
    size_t frame_len = 0;
    if (mc_frame_pack(&req->base, &frame, &frame_len) != 0) {
        mc__client_set_error(c, "no memory to frame a request");
        return MC_ERR_NO_MEMORY;
    }
    int rc = mc__client_send_bytes(c, frame, frame_len, deadline_ms);
    free(frame);
    return rc;
}

/* After a failed send: the node may have said why before closing (id 0,
 * e.g. OVERLOADED at its connection limit). Its error code, or `rc`. */
static int send_failure(mc_client *c, int rc)
{
    if (rc != MC_ERR_UNREACHABLE) {
        return rc;
    }
    char words[MC_CLIENT_ERROR_MAX];
    memcpy(words, c->error, sizeof words);
    Mc__Response *resp = NULL;
    while (mc__client_read_response(c, mc__client_now_ms(), &resp) == MC_ERR_OK) {
        bool why = resp->id == 0 && resp->error != NULL && resp->error->code != 0;
        if (why) {
            rc = mc__client_node_error(c, resp->error);
        }
        mc__response__free_unpacked(resp, NULL);
        if (why) {
            return rc;
        }
    }
    memcpy(c->error, words, sizeof words);
    return rc;
}

/* An answer with id 0: about the connection, which the node closes. */
static int connection_error(mc_client *c, const Mc__Response *resp)
{
    int rc = mc__client_node_error(c, resp->error);
    if (rc == MC_ERR_OK) {
        mc__client_set_error(c, "%s answered request 0, never sent", c->address);
        rc = MC_ERR_PROTOCOL;
    }
    return rc;
}

int mc__client_exchange(mc_client *c, Mc__Request *req, Mc__Response **out)
{
    int64_t deadline_ms = mc__client_now_ms() + c->opts.timeout_ms;
    int rc = mc__client_send_request(c, req, deadline_ms);
    if (rc != MC_ERR_OK) {
        rc = send_failure(c, rc);
        mc__client_disconnect(c);
        return rc;
    }
    for (;;) {
        Mc__Response *resp = NULL;
        rc = mc__client_read_response(c, deadline_ms, &resp);
        if (rc != MC_ERR_OK) {
            mc__client_disconnect(c);
            return rc;
        }
        if (resp->id == req->id) {
            *out = resp;
            return MC_ERR_OK;
        }
        if (resp->id == 0 || resp->id >= c->next_id) {
            rc = resp->id == 0 ? connection_error(c, resp) : MC_ERR_PROTOCOL;
            if (resp->id != 0) {
                mc__client_set_error(c, "%s answered request %llu, never sent", c->address,
                                     (unsigned long long)resp->id);
            }
            mc__response__free_unpacked(resp, NULL);
            mc__client_disconnect(c);
            return rc;
        }
        /* A late answer to a request that timed out earlier: dropped. */
        mc__response__free_unpacked(resp, NULL);
    }
}

static const char *kind_name(Mc__Response__KindCase kind)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field(&mc__response__descriptor, (unsigned)kind);
    return field != NULL ? field->name : "nothing";
}

int mc__client_refuse_while_lost(mc_client *c)
{
    if (!c->lost) {
        return MC_ERR_OK;
    }
    mc__client_set_error(c, "%s; receive the answers to the %zu submissions outstanding first",
                         c->lost_error, c->outstanding);
    return MC_ERR_UNREACHABLE;
}

int mc__client_refuse_while_pipelining(mc_client *c)
{
    if (c->outstanding == 0) {
        return MC_ERR_OK;
    }
    if (c->lost) {
        return mc__client_refuse_while_lost(c);
    }
    mc__client_set_error(c, "%zu pipelined submissions outstanding: receive them first",
                         c->outstanding);
    return MC_ERR_INVALID_ARGUMENT;
}

int mc__client_request(mc_client *c, Mc__Request *req, Mc__Response__KindCase want,
                       Mc__Response **out)
{
    Mc__Response *resp = NULL;
    int rc = mc__client_refuse_while_pipelining(c);
    if (rc == MC_ERR_OK) {
        rc = mc__client_exchange(c, req, &resp);
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    rc = mc__client_node_error(c, resp->error);
    if (rc == MC_ERR_OK && resp->kind_case != want) {
        mc__client_set_error(c, "%s answered with %s, expected %s", c->address,
                             kind_name(resp->kind_case), kind_name(want));
        rc = MC_ERR_PROTOCOL;
    }
    if (rc != MC_ERR_OK) {
        mc__response__free_unpacked(resp, NULL);
        return rc;
    }
    *out = resp;
    return MC_ERR_OK;
}

int mc__client_ensure_connected(mc_client *c)
{
    if (c->fd >= 0 && !mc__client_peer_gone(c)) {
        return MC_ERR_OK;
    }
    mc__client_disconnect(c); /* none, or one the node closed while idle */
    int rc = mc__client_open(c);
    if (rc == MC_ERR_OK && c->keypair != NULL) {
        rc = mc__client_authenticate_connection(c, c->keypair, NULL);
        if (rc != MC_ERR_OK) {
            mc__client_disconnect(c);
        }
    }
    return rc;
}

int mc__client_call(mc_client *c, Mc__Request *req, Mc__Response__KindCase want, Mc__Response **out)
{
    int rc = mc__client_refuse_while_pipelining(c);
    if (rc == MC_ERR_OK) {
        rc = mc__client_ensure_connected(c);
    }
    if (rc != MC_ERR_OK) {
        return rc;
    }
    return mc__client_request(c, req, want, out);
}

int mc__client_copy_text(mc_client *c, const char *what, const char *text, char *out, size_t cap)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len >= cap) {
        mc__client_set_error(c, "%s sent a %s of %zu bytes, at most %zu allowed", c->address, what,
                             len, cap - 1);
        return MC_ERR_PROTOCOL;
    }
    if (len > 0) {
        memcpy(out, text, len);
    }
    out[len] = '\0';
    return MC_ERR_OK;
}

int mc__client_copy_bytes(mc_client *c, const char *what, const ProtobufCBinaryData *data,
                          uint8_t *out, size_t len)
{
    if (data->len != len) {
        mc__client_set_error(c, "%s sent a %s of %zu bytes, expected %zu", c->address, what,
                             data->len, len);
        return MC_ERR_PROTOCOL;
    }
    if (len > 0) {
        memcpy(out, data->data, len);
    }
    return MC_ERR_OK;
}

int mc__client_copy_limits(mc_client *c, const Mc__Limits *limits, mc_limits *out)
{
    mc_limits l = {0, 0};
    if (limits != NULL) {
        l.min_balance = limits->min_balance;
        l.max_balance = limits->max_balance;
    }
    if (l.min_balance > 0 || l.max_balance < 0) {
        mc__client_set_error(c, "%s sent limits %lld..%lld, not min <= 0 <= max", c->address,
                             (long long)l.min_balance, (long long)l.max_balance);
        return MC_ERR_PROTOCOL;
    }
    *out = l;
    return MC_ERR_OK;
}
