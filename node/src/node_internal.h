/* mcnode's shared structures: the node, its connections and the life of a
 * submission. Private to node/.
 *
 * Threads: the libuv loop thread owns every connection, every buffer and
 * every counter below, answers queries from LMDB read transactions and
 * takes submissions in as bytes. Decoding and signature checks run on the
 * libuv thread pool, on submissions handed over whole (the loop does not
 * touch them meanwhile).
 * One writer thread applies verified submissions in batches, one LMDB write
 * transaction and one fsync each, and hands them back to the loop through
 * `writer.done` and an async handle once their batch is durable (writer.c
 * explains why that is one batch later); the loop answers only then, and
 * holds any answer that may tell of a state not yet durable (conn.c), so
 * nothing is acknowledged before it is on disk.
 *
 * Order: submissions reach the writer in the order the node read them,
 * whatever order their signature checks finish in (`verify` is a FIFO and
 * only its verified head moves on). */
#ifndef MC_NODE_INTERNAL_H
#define MC_NODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "mc/crypto.h"
#include "mc/ledger.h"
#include "mc/tx.h"
#include "wire.pb-c.h"

#define MC_NODE_LISTEN_DEFAULT "127.0.0.1:7878"
#define MC_NODE_PROTOCOL_VERSION 1u
#define MC_NODE_KEY_FILE "node.key"

/* Limits and their defaults (mcnode run --help lists them). */
#define MC_NODE_MAX_FRAME_DEFAULT (1u << 20)
#define MC_NODE_MAX_CONNECTIONS_DEFAULT 1024u
#define MC_NODE_MAX_IN_FLIGHT_DEFAULT 256u
#define MC_NODE_MAX_QUEUE_DEFAULT 16384u
#define MC_NODE_IDLE_TIMEOUT_MS_DEFAULT 300000u
#define MC_NODE_FRAME_TIMEOUT_MS_DEFAULT 10000u
#define MC_NODE_WRITE_BUFFER_DEFAULT (1u << 20)
#define MC_NODE_PAGE_SIZE_DEFAULT 100u
#define MC_NODE_PAGE_SIZE_MAX 1000u
#define MC_NODE_VERIFY_CHUNK_MAX 64u /* submissions per thread-pool job */
#define MC_NODE_VERIFY_CHUNK_MIN 16u /* ... at least, unless the pool is idle */
#define MC_NODE_VERIFY_THREADS_MAX 64u
#define MC_NODE_VERIFY_NICE 10            /* verify threads yield to the loop and the writer */
#define MC_NODE_READ_CHUNK 65536u         /* bytes asked of the kernel per read */
#define MC_NODE_DRAIN_GRACE_MS_MAX 10000u /* stopping: unread answers wait this long at most */

typedef enum mc_log_level {
    MC_LOG_ERROR = 0,
    MC_LOG_WARN = 1,
    MC_LOG_INFO = 2,
    MC_LOG_DEBUG = 3,
} mc_log_level;

typedef struct mc_node_limits {
    uint32_t max_frame_bytes;    /* 1..MC_FRAME_MAX_LIMIT */
    uint32_t max_connections;    /* >= 1 */
    uint32_t max_in_flight;      /* per connection, >= 1 */
    uint32_t max_queue;          /* submissions node-wide, >= 1 */
    uint32_t idle_timeout_ms;    /* >= 1 */
    uint32_t frame_timeout_ms;   /* >= 1 */
    uint32_t write_buffer_bytes; /* per connection, >= 4096 */
    uint32_t page_size;          /* 1..MC_NODE_PAGE_SIZE_MAX */
    uint32_t batch_max;          /* 1..MC_BATCH_MAX */
    uint32_t verify_threads;     /* 1..MC_NODE_VERIFY_THREADS_MAX */
} mc_node_limits;

typedef struct mc_node_config {
    const char *data_dir;
    const char *listen; /* "HOST:PORT" */
    mc_node_limits limits;
    mc_log_level log_level;
    bool no_sync; /* --sync=none: benchmarks only, not durable */
} mc_node_config;

typedef struct mc_node mc_node;
typedef struct mc_conn mc_conn;

/* A submission from its bytes to its answer. */
typedef struct mc_submission {
    struct mc_submission *next;
    mc_conn *conn; /* holds a reference */
    uint64_t request_id;
    uint8_t *raw;   /* owned: the SignedTx bytes until decoded (NULL when 0 bytes) */
    size_t raw_len; /* <= MC_TX_BYTES_MAX */
    mc_tx *tx;      /* owned: once decoded; NULL when the bytes did not decode */
    int verify_rc;  /* of decoding, then of the signature check */
    bool verified;  /* decoding and the check ran (verify_rc says how it went) */
    bool assigned;  /* a thread-pool job holds it */
    mc_result result;
    uint64_t state;       /* the ledger state its result describes; 0: none */
    bool outcome_unknown; /* STORAGE_IO: applied, but perhaps not kept by a crash */
} mc_submission;

typedef struct mc_sub_queue {
    mc_submission *head, *tail;
    size_t count;
} mc_sub_queue;

struct mc_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    mc_node *node;
    mc_conn *prev, *next; /* node->conns */
    uint64_t serial;
    char peer[INET6_ADDRSTRLEN + 8]; /* "HOST:PORT" */
    int handles_open;                /* tcp and timer not yet closed */
    unsigned refs;                   /* submissions in progress */
    bool closing;
    bool reading;
    bool close_after_write;
    /* input: bytes read and not yet cut into frames */
    uint8_t *rbuf;
    size_t rlen, rcap;
    uint64_t frame_started_ms; /* when the partial frame in rbuf began */
    uint64_t last_activity_ms;
    uint64_t last_write_ms; /* the last write completed (or the first began) */
    uint32_t in_flight;     /* requests read and not yet answered */
    /* output: frames not yet handed to uv_write, and bytes being written */
    uint8_t *wbuf;
    size_t wlen, wcap;
    uint64_t wbuf_state; /* wbuf waits until this ledger state is durable */
    size_t writing_bytes;
    mc_conn *flush_next;
    bool in_flush_list;
    /* authentication */
    bool has_challenge;
    uint8_t challenge[MC_CHALLENGE_BYTES];
    bool authenticated;
    uint8_t identity[MC_PUBLIC_KEY_BYTES];
};

/* The writer's arrays, batch_max long, allocated once. */
typedef struct mc_batch {
    mc_submission **subs;
    mc_tx **txs;
    mc_result *results;
    size_t cap;
} mc_batch;

typedef struct mc_writer {
    uv_thread_t thread;
    uv_mutex_t lock;
    uv_cond_t wake;
    mc_sub_queue in;   /* verified, in order, for the writer */
    mc_sub_queue done; /* applied (or failed), durable, for the loop */
    mc_sub_queue held; /* applied, waiting for their state to be durable */
    bool stop;
    bool started;
    bool failed; /* a flush failed: durability lost; the node stops */
    uv_async_t done_async;
    mc_batch batch;                            /* the writer thread's */
    uint64_t batches, applied, refused, syncs; /* written by the writer thread only */
} mc_writer;

struct mc_node {
    const mc_node_config *config;
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_signal_t sigint, sigterm;
    mc_ledger *ledger;
    mc_ledger_info info; /* static fields; the height is read afresh */
    uint8_t *genesis;
    size_t genesis_len;
    mc_keypair *node_key;
    mc_conn *conns;
    uint32_t conn_count;
    uint64_t conn_serial;
    mc_conn *flush_list;
    /* submissions: `verify` in arrival order, then the writer */
    mc_sub_queue verify;
    mc_submission *verify_next;                   /* first submission no job holds yet */
    uint32_t verify_unassigned;                   /* from verify_next to the tail */
    uint32_t verify_jobs;                         /* thread-pool jobs running */
    uint64_t verify_jobs_started, verify_checked; /* for the log at the stop */
    uint32_t queued;                              /* submissions read and not yet answered */
    mc_writer writer;
    bool stopping;
    bool closed;        /* everything answered: connections close as answers go out */
    uint64_t closed_ms; /* when it closed */
    int exit_code;
};

/* log.c: one line per event on stderr: time, level, message. */
void mc_log_set_level(mc_log_level level);
int mc_log_level_parse(const char *name, mc_log_level *out);
__attribute__((format(printf, 2, 3))) void mc_log(mc_log_level level, const char *fmt, ...);

/* nodekey.c: the node's Ed25519 key in DIR/node.key (hex seed, mode 0600). */
int mc__nodekey_load(const char *dir, mc_keypair **out, char *why, size_t why_len);
/* Load the key if the file exists (reusing a key that a failed init left),
 * else create it with O_EXCL. */
int mc__nodekey_create(const char *dir, mc_keypair **out, char *why, size_t why_len);

/* options.c: command-line parsing. */
void mc__limits_default(mc_node_limits *l);
int mc__parse_u32(const char *text, uint32_t min, uint32_t max, uint32_t *out);
/* "HOST:PORT", "[V6]:PORT" or ":PORT" (127.0.0.1) into host (brackets
 * removed) and port. */
int mc__split_address(const char *address, char *host, size_t host_len, int *port);

/* init.c, server.c: the subcommands. Return the process exit code. */
int mc__cmd_init(int argc, char **argv);
int mc__cmd_run(int argc, char **argv);
int mc__cmd_check(int argc, char **argv);
int mc__cmd_export(int argc, char **argv);

/* server.c: the loop. */
int mc__server_run(mc_node *node);
void mc__node_check_drained(mc_node *node);
/* Stop as on SIGTERM: no new connections or requests; answer what is in
 * flight, then exit with node->exit_code. */
void mc__node_stop(mc_node *node, const char *why);

/* conn.c: connections. */
void mc__conn_accept(mc_node *node);
void mc__conn_close(mc_conn *conn);
void mc__conn_unref(mc_conn *conn);
/* Queue a packed Response for `conn` (dropped when the connection is
 * closing); written out by mc__node_flush() once the ledger state `state`
 * (which the answer may describe) is durable. mc__conn_send() takes the
 * newest state any read has seen: right for anything read from the ledger,
 * merely cautious for the rest. */
void mc__conn_send_as_of(mc_conn *conn, const Mc__Response *resp, uint64_t state);
void mc__conn_send(mc_conn *conn, const Mc__Response *resp);
void mc__conn_send_error(mc_conn *conn, uint64_t id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Read again, or stop, as the limits say; process frames already buffered. */
void mc__conn_update(mc_conn *conn);
void mc__node_flush(mc_node *node);
uint64_t mc__now_ms(const mc_node *node);

/* session.c: one decoded frame of a connection. */
void mc__session_frame(mc_conn *conn, const uint8_t *frame, size_t len);
void mc__response_error(Mc__Response *resp, Mc__Error *err, int code, const char *message);

/* queries.c: the read-only requests, answered from LMDB read transactions
 * on the loop thread under the ledger's visibility rules. */
void mc__query_info(mc_conn *conn, const Mc__Request *req);
void mc__query_account(mc_conn *conn, const Mc__Request *req);
void mc__query_list_accounts(mc_conn *conn, const Mc__Request *req);
void mc__query_history(mc_conn *conn, const Mc__Request *req);
void mc__query_tx(mc_conn *conn, const Mc__Request *req);
void mc__query_request(mc_conn *conn, const Mc__Request *req);
void mc__query_list_requests(mc_conn *conn, const Mc__Request *req);
/* audit.c: the verifiable history. */
void mc__query_checkpoint(mc_conn *conn, const Mc__Request *req);
void mc__query_inclusion(mc_conn *conn, const Mc__Request *req);
void mc__query_consistency(mc_conn *conn, const Mc__Request *req);
void mc__query_log(mc_conn *conn, const Mc__Request *req);
/* commons.c: contributions, rounds and a round's preview. */
void mc__query_contributions(mc_conn *conn, const Mc__Request *req);
void mc__query_contribution(mc_conn *conn, const Mc__Request *req);
void mc__query_rounds(mc_conn *conn, const Mc__Request *req);
void mc__query_preview(mc_conn *conn, const Mc__Request *req);
/* Shared by the queries: */
bool mc__tx_visible(mc_conn *conn, const mc_tx *tx); /* signed it, or sees a party */
bool mc__sees_details(mc_conn *conn, const uint8_t key[MC_PUBLIC_KEY_BYTES]);
/* An open ledger, or a steward or an auditor of a private one. */
bool mc__sees_everything(mc_conn *conn);
bool mc__require_auth(mc_conn *conn, uint64_t id); /* else answers AUTH_REQUIRED */
void mc__storage_error(mc_conn *conn, uint64_t id, int rc);
uint32_t mc__page_limit(const mc_conn *conn, uint32_t asked);

/* submit.c: submissions and their signature checks on the thread pool. */
void mc__submit(mc_conn *conn, uint64_t id, const uint8_t *bytes, size_t len);
bool mc__submissions_idle(const mc_node *node);
/* Answer `s` from s->result, release its connection and free it. */
void mc__submission_finish(mc_node *node, mc_submission *s);
void mc__queue_push(mc_sub_queue *q, mc_submission *s);
mc_submission *mc__queue_pop(mc_sub_queue *q);
void mc__queue_append(mc_sub_queue *to, mc_sub_queue *from);

/* writer.c: the writer thread. */
int mc__writer_start(mc_node *node);
/* Join the (idle) writer and close its async handle. */
void mc__writer_stop(mc_node *node);

#endif
