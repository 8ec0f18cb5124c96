/* `mcnode run`: options, opening the ledger and the node key, the listening
 * socket, signals and the graceful stop. SIGINT or SIGTERM: stop accepting
 * and reading, answer every submission already taken in once its batch is
 * durable, close the connections, close LMDB, exit 0. A second signal exits
 * at once (nothing acknowledged is lost: every answer followed an fsync). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mc/error.h"
#include "mc/frame.h"
#include "node_internal.h"

#define MC__LISTEN_BACKLOG 511
#define MC__HOST_MAX 256u

static void run_usage(FILE *f)
{
    mc_node_limits d;
    mc__limits_default(&d);
    fprintf(f,
            "usage: mcnode run --data DIR [--listen HOST:PORT] [OPTIONS]\n"
            "\n"
            "Serves the ledger in DIR. The first line on standard output is\n"
            "\"listening on HOST:PORT\" (with the port bound, also for port 0). Logs go\n"
            "to standard error, one line per event. SIGINT/SIGTERM stop it cleanly.\n"
            "\n"
            "  --data DIR                 the data directory (made by mcnode init)\n"
            "  --listen HOST:PORT         address to listen on (default %s;\n"
            "                             port 0: any free port; [::1]:PORT for IPv6)\n"
            "  --log-level LEVEL          error, warn, info (default) or debug\n"
            "limits:\n"
            "  --max-frame-bytes N        largest request frame (default %u); a larger\n"
            "                             one is answered FRAME_TOO_LARGE and the\n"
            "                             connection closed\n"
            "  --max-connections N        connections at once (default %u); beyond, a\n"
            "                             new connection is answered OVERLOADED and closed\n"
            "  --max-in-flight N          requests in flight per connection before the\n"
            "                             node stops reading it (default %u)\n"
            "  --max-queue N              submissions waiting node-wide before new ones\n"
            "                             are answered OVERLOADED (default %u)\n"
            "  --idle-timeout-ms N        close a connection silent this long (default %u)\n"
            "  --frame-timeout-ms N       drop a connection that takes longer to finish a\n"
            "                             frame it started (default %u)\n"
            "  --write-buffer-bytes N     unsent answers per connection before the node\n"
            "                             stops reading it (default %u)\n"
            "  --page-size N              most accounts or history items per answer\n"
            "                             (default %u, at most %u)\n"
            "  --batch-max N              most transactions per write batch (default %u)\n"
            "  --verify-threads N         signature-checking threads (default %u: the CPUs)\n"
            "  --sync=none                no fsync: for benchmarks only; NOT DURABLE, a\n"
            "                             crash may lose acknowledged transactions\n",
            MC_NODE_LISTEN_DEFAULT, d.max_frame_bytes, d.max_connections, d.max_in_flight,
            d.max_queue, d.idle_timeout_ms, d.frame_timeout_ms, d.write_buffer_bytes, d.page_size,
            MC_NODE_PAGE_SIZE_MAX, d.batch_max, d.verify_threads);
}

typedef struct limit_option {
    const char *name;
    size_t offset;
    uint32_t min, max;
} limit_option;

#define MC__LIMIT(name, field, min, max)                                                           \
    {                                                                                              \
        name, offsetof(mc_node_limits, field), min, max                                            \
    }

static const limit_option limit_options[] = {
    MC__LIMIT("max-frame-bytes", max_frame_bytes, 64, MC_FRAME_MAX_LIMIT),
    MC__LIMIT("max-connections", max_connections, 1, 1000000),
    MC__LIMIT("max-in-flight", max_in_flight, 1, 1000000),
    MC__LIMIT("max-queue", max_queue, 1, 10000000),
    MC__LIMIT("idle-timeout-ms", idle_timeout_ms, 1, UINT32_MAX),
    MC__LIMIT("frame-timeout-ms", frame_timeout_ms, 1, UINT32_MAX),
    MC__LIMIT("write-buffer-bytes", write_buffer_bytes, 4096, UINT32_MAX),
    MC__LIMIT("page-size", page_size, 1, MC_NODE_PAGE_SIZE_MAX),
    MC__LIMIT("batch-max", batch_max, 1, MC_BATCH_MAX),
    MC__LIMIT("verify-threads", verify_threads, 1, MC_NODE_VERIFY_THREADS_MAX),
};
#define MC__LIMIT_OPTIONS (sizeof limit_options / sizeof limit_options[0])

enum { OPT_DATA = 1000, OPT_LISTEN, OPT_LOG_LEVEL, OPT_SYNC, OPT_HELP, OPT_LIMIT0 };

static int parse_run_option(mc_node_config *cfg, int c, const char *arg)
{
    if (c >= OPT_LIMIT0 && c < OPT_LIMIT0 + (int)MC__LIMIT_OPTIONS) {
        const limit_option *o = &limit_options[c - OPT_LIMIT0];
        uint32_t *field = (uint32_t *)((char *)&cfg->limits + o->offset);
        if (mc__parse_u32(arg, o->min, o->max, field) != MC_ERR_OK) {
            fprintf(stderr, "mcnode run: --%s '%s': not a number %u..%u\n", o->name, arg, o->min,
                    o->max);
            return 2;
        }
        return 0;
    }
    switch (c) {
    case OPT_DATA:
        cfg->data_dir = arg;
        return 0;
    case OPT_LISTEN:
        cfg->listen = arg;
        return 0;
    case OPT_LOG_LEVEL:
        if (mc_log_level_parse(arg, &cfg->log_level) != MC_ERR_OK) {
            fprintf(stderr, "mcnode run: --log-level '%s': error, warn, info or debug\n", arg);
            return 2;
        }
        return 0;
    case OPT_SYNC:
        if (arg == NULL || (strcmp(arg, "none") != 0 && strcmp(arg, "full") != 0)) {
            fprintf(stderr, "mcnode run: --sync=none or --sync=full\n");
            return 2;
        }
        cfg->no_sync = strcmp(arg, "none") == 0;
        return 0;
    default:
        run_usage(stderr);
        return 2;
    }
}

static int parse_run(mc_node_config *cfg, int argc, char **argv)
{
    struct option options[5 + MC__LIMIT_OPTIONS + 1] = {
        {"data", required_argument, NULL, OPT_DATA},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"sync", optional_argument, NULL, OPT_SYNC},
        {"help", no_argument, NULL, OPT_HELP},
    };
    for (size_t i = 0; i < MC__LIMIT_OPTIONS; i++) {
        options[5 + i] =
            (struct option){limit_options[i].name, required_argument, NULL, OPT_LIMIT0 + (int)i};
    }
    options[5 + MC__LIMIT_OPTIONS] = (struct option){NULL, 0, NULL, 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (c == OPT_HELP || c == 'h') {
            run_usage(stdout);
            return -1;
        }
        int rc = parse_run_option(cfg, c, optarg);
        if (rc != 0) {
            return rc;
        }
    }
    if (optind < argc || cfg->data_dir == NULL) {
        fprintf(stderr, "mcnode run: %s (see mcnode run --help)\n",
                optind < argc ? "unexpected argument" : "--data DIR is required");
        return 2;
    }
    return 0;
}

/* Open the ledger with the node's key, which signs a checkpoint per batch
 * (and one now, if the height has none yet: a ledger just made by init). */
static int node_open(mc_node *node)
{
    const mc_node_config *cfg = node->config;
    char why[512] = "";
    int rc = mc__nodekey_load(cfg->data_dir, &node->node_key, why, sizeof why);
    if (rc != MC_ERR_OK) {
        mc_log(MC_LOG_ERROR, "cannot load the node key: %s", why);
        return rc;
    }
    /* One flush per batch; writer.c holds the answers until it is durable. */
    mc_ledger_options opts = {
        .no_sync = cfg->no_sync, .meta_sync_deferred = true, .checkpoint_key = node->node_key};
    rc = mc_ledger_open(cfg->data_dir, &opts, &node->ledger);
    if (rc != MC_ERR_OK) {
        mc_log(MC_LOG_ERROR, "cannot open the ledger in %s: %s%s", cfg->data_dir, mc_strerror(rc),
               rc == MC_ERR_NO_LEDGER     ? " (run mcnode init first)"
               : rc == MC_ERR_KEY_INVALID ? ": node.key is not the node key the genesis names"
                                          : "");
        return rc;
    }
    rc = mc_ledger_get_info(node->ledger, &node->info);
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_genesis_bytes(node->ledger, &node->genesis, &node->genesis_len);
    }
    if (rc == MC_ERR_OK) {
        rc = mc_ledger_sign_checkpoint(node->ledger, (int64_t)time(NULL));
    }
    if (rc != MC_ERR_OK) {
        mc_log(MC_LOG_ERROR, "cannot read the ledger in %s: %s", cfg->data_dir, mc_strerror(rc));
        return rc;
    }
    return MC_ERR_OK;
}

static void node_release(mc_node *node)
{
    mc_ledger_close(node->ledger);
    mc_keypair_free(node->node_key);
    free(node->genesis);
}

static void on_connection(uv_stream_t *server, int status)
{
    mc_node *node = server->data;
    if (status < 0) {
        mc_log(MC_LOG_WARN, "accept: %s", uv_strerror(status));
        return;
    }
    mc__conn_accept(node);
}

static int resolve(const char *listen, struct sockaddr_storage *addr, char *host, int *port)
{
    if (mc__split_address(listen, host, MC__HOST_MAX, port) != MC_ERR_OK) {
        return UV_EINVAL;
    }
    if (strcmp(host, "localhost") == 0) {
        snprintf(host, MC__HOST_MAX, "127.0.0.1");
    }
    if (uv_ip4_addr(host, *port, (struct sockaddr_in *)addr) == 0) {
        return 0;
    }
    return uv_ip6_addr(host, *port, (struct sockaddr_in6 *)addr);
}

/* Bind and listen; print "listening on HOST:PORT" as the first line of
 * standard output. */
static int listen_on(mc_node *node)
{
    char host[MC__HOST_MAX];
    int port = 0;
    struct sockaddr_storage addr;
    int rc = resolve(node->config->listen, &addr, host, &port);
    if (rc != 0) {
        mc_log(MC_LOG_ERROR, "--listen %s: not HOST:PORT with a numeric host",
               node->config->listen);
        return rc;
    }
    uv_tcp_init(node->loop, &node->listener);
    node->listener.data = node;
    rc = uv_tcp_bind(&node->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&node->listener, MC__LISTEN_BACKLOG, on_connection);
    }
    if (rc != 0) {
        mc_log(MC_LOG_ERROR, "cannot listen on %s: %s", node->config->listen, uv_strerror(rc));
        return rc;
    }
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&node->listener, (struct sockaddr *)&bound, &len);
    port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                             : ((struct sockaddr_in *)&bound)->sin_port);
    bool v6 = bound.ss_family == AF_INET6;
    printf("listening on %s%s%s:%d\n", v6 ? "[" : "", host, v6 ? "]" : "", port);
    fflush(stdout);
    mc_log(MC_LOG_INFO, "listening on %s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
    return 0;
}

static void on_signal(uv_signal_t *handle, int signum)
{
    mc_node *node = handle->data;
    if (node->stopping) {
        mc_log(MC_LOG_WARN, "second signal (%s): exiting now", strsignal(signum));
        fflush(NULL);
        _exit(1);
    }
    mc__node_stop(node, strsignal(signum));
}

void mc__node_stop(mc_node *node, const char *why)
{
    mc_log(MC_LOG_INFO, "%s: stopping: no new connections; answering %u submission(s) in flight",
           why, node->queued);
    node->stopping = true;
    uv_close((uv_handle_t *)&node->listener, NULL);
    mc_conn *next;
    for (mc_conn *c = node->conns; c != NULL; c = next) {
        next = c->next;
        mc__conn_update(c); /* stops reading; answers SHUTTING_DOWN to frames not yet taken */
    }
    mc__node_flush(node);
    mc__node_check_drained(node);
}

void mc__node_check_drained(mc_node *node)
{
    if (!node->stopping || node->closed || !mc__submissions_idle(node)) {
        return;
    }
    node->closed = true;
    node->closed_ms = mc__now_ms(node);
    mc__node_flush(node);
    mc_conn *next;
    for (mc_conn *c = node->conns; c != NULL; c = next) {
        next = c->next;
        c->close_after_write = true;
        mc__conn_update(c); /* closes now, or once its answers are written */
    }
    mc__writer_stop(node);
    mc_log(MC_LOG_INFO, "verify: %llu submissions in %llu thread-pool jobs",
           (unsigned long long)node->verify_checked, (unsigned long long)node->verify_jobs_started);
    uv_close((uv_handle_t *)&node->sigint, NULL);
    uv_close((uv_handle_t *)&node->sigterm, NULL);
}

static void log_start(const mc_node *node)
{
    char id[2 * MC_LEDGER_ID_BYTES + 1];
    mc_hex_encode(node->info.ledger_id, MC_LEDGER_ID_BYTES, id);
    mc_log(MC_LOG_INFO, "ledger %s (%s%s%s, unit %s), height %llu, %s visibility%s", id,
           node->info.community[0] ? "\"" : "", node->info.community,
           node->info.community[0] ? "\"" : "no community name", node->info.unit_name,
           (unsigned long long)node->info.height,
           node->info.visibility == MC_VISIBILITY_OPEN ? "open" : "private",
           node->config->no_sync ? "; --sync=none: NOT DURABLE" : "");
}

int mc__server_run(mc_node *node)
{
    node->loop = uv_default_loop();
    int rc = listen_on(node);
    if (rc == 0) {
        rc = mc__writer_start(node);
    }
    if (rc != 0) {
        if (!uv_is_closing((uv_handle_t *)&node->listener)) {
            uv_close((uv_handle_t *)&node->listener, NULL);
        }
        uv_run(node->loop, UV_RUN_DEFAULT);
        uv_loop_close(node->loop);
        return 1;
    }
    uv_signal_init(node->loop, &node->sigint);
    uv_signal_init(node->loop, &node->sigterm);
    node->sigint.data = node->sigterm.data = node;
    uv_signal_start(&node->sigint, on_signal, SIGINT);
    uv_signal_start(&node->sigterm, on_signal, SIGTERM);
    log_start(node);
    uv_run(node->loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(node->loop);
    if (rc != 0) {
        mc_log(MC_LOG_WARN, "event loop closed with handles open: %s", uv_strerror(rc));
    }
    return node->exit_code;
}

/* The thread pool must have its size before its first job. */
static void set_thread_pool(const mc_node_config *cfg)
{
    const char *env = getenv("UV_THREADPOOL_SIZE");
    if (env != NULL && env[0] != '\0') {
        mc_log(MC_LOG_INFO, "UV_THREADPOOL_SIZE=%s from the environment", env);
        return;
    }
    char value[16];
    snprintf(value, sizeof value, "%u", cfg->limits.verify_threads);
    setenv("UV_THREADPOOL_SIZE", value, 1);
}

int mc__cmd_run(int argc, char **argv)
{
    mc_node_config cfg = {.listen = MC_NODE_LISTEN_DEFAULT, .log_level = MC_LOG_INFO};
    mc__limits_default(&cfg.limits);
    int rc = parse_run(&cfg, argc, argv);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    mc_log_set_level(cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    set_thread_pool(&cfg);
    mc_node node;
    memset(&node, 0, sizeof node);
    node.config = &cfg;
    if (node_open(&node) != MC_ERR_OK) {
        node_release(&node);
        return 1;
    }
    rc = mc__server_run(&node);
    node_release(&node);
    if (rc == 0) {
        mc_log(MC_LOG_INFO, "stopped cleanly");
    }
    return rc;
}
