/* Command-line values shared by the subcommands: the default limits,
 * bounded integers and listen addresses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mc/error.h"
#include "mc/ledger.h"
#include "node_internal.h"

void mc__limits_default(mc_node_limits *l)
{
    l->max_frame_bytes = MC_NODE_MAX_FRAME_DEFAULT;
    l->max_connections = MC_NODE_MAX_CONNECTIONS_DEFAULT;
    l->max_in_flight = MC_NODE_MAX_IN_FLIGHT_DEFAULT;
    l->max_queue = MC_NODE_MAX_QUEUE_DEFAULT;
    l->idle_timeout_ms = MC_NODE_IDLE_TIMEOUT_MS_DEFAULT;
    l->frame_timeout_ms = MC_NODE_FRAME_TIMEOUT_MS_DEFAULT;
    l->write_buffer_bytes = MC_NODE_WRITE_BUFFER_DEFAULT;
    l->page_size = MC_NODE_PAGE_SIZE_DEFAULT;
    l->batch_max = MC_BATCH_MAX;
    unsigned cpus = uv_available_parallelism();
    l->verify_threads = cpus < 1                            ? 1
                        : cpus > MC_NODE_VERIFY_THREADS_MAX ? MC_NODE_VERIFY_THREADS_MAX
                                                            : cpus;
}

int mc__parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
    if (text == NULL || text[0] < '0' || text[0] > '9') {
        return MC_ERR_INVALID_ARGUMENT;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    *out = (uint32_t)v;
    return MC_ERR_OK;
}

int mc__split_address(const char *address, char *host, size_t host_len, int *port)
{
    const char *colon = strrchr(address, ':');
    if (colon == NULL) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    const char *start = address, *stop = colon;
    if (address[0] == '[') {
        if (colon == address || colon[-1] != ']') {
            return MC_ERR_INVALID_ARGUMENT;
        }
        start = address + 1;
        stop = colon - 1;
    }
    size_t n = (size_t)(stop - start);
    if (n == 0 && start == address) { /* ":PORT": the loopback address */
        start = "127.0.0.1";
        n = strlen(start);
    }
    uint32_t p = 0;
    if (n == 0 || n >= host_len || mc__parse_u32(colon + 1, 0, 65535, &p) != MC_ERR_OK) {
        return MC_ERR_INVALID_ARGUMENT;
    }
    memcpy(host, start, n);
    host[n] = '\0';
    *port = (int)p;
    return MC_ERR_OK;
}
