/* A connection's requests: decoding the Request envelope, dispatching it,
 * and authentication (a challenge per connection, answered by a signature
 * over "mc/auth/v1" || ledger_id || challenge). An undecodable frame is
 * answered MALFORMED with id 0, an unknown request UNSUPPORTED with its id;
 * neither touches the ledger. */
#include <string.h>

#include "mc/error.h"
#include "node_internal.h"

void mc__response_error(Mc__Response *resp, Mc__Error *err, int code, const char *message)
{
    mc__error__init(err);
    err->code = (uint32_t)code;
    err->name = (char *)mc_err_name(code);
    err->message = (char *)message;
    resp->error = err;
}

static void on_challenge(mc_conn *conn, const Mc__Request *req)
{
    if (mc_random_bytes(conn->challenge, sizeof conn->challenge) != MC_ERR_OK) {
        mc__conn_send_error(conn, req->id, MC_ERR_NO_MEMORY, "no randomness for a challenge");
        return;
    }
    conn->has_challenge = true;
    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__ChallengeResponse ch = MC__CHALLENGE_RESPONSE__INIT;
    ch.challenge.data = conn->challenge;
    ch.challenge.len = sizeof conn->challenge;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_CHALLENGE;
    resp.challenge = &ch;
    mc__conn_send(conn, &resp);
}

static void on_authenticate(mc_conn *conn, const Mc__Request *req)
{
    const Mc__AuthenticateRequest *a = req->authenticate;
    mc_node *node = conn->node;
    if (!conn->has_challenge) {
        mc__conn_send_error(conn, req->id, MC_ERR_AUTH_FAILED,
                            "ask for a challenge first; each challenge serves once");
        return;
    }
    conn->has_challenge = false;
    if (a->public_key.len != MC_PUBLIC_KEY_BYTES || a->signature.len != MC_SIGNATURE_BYTES ||
        !mc_verify_auth(a->public_key.data, node->info.ledger_id, conn->challenge,
                        a->signature.data)) {
        mc__conn_send_error(conn, req->id, MC_ERR_AUTH_FAILED,
                            "the signature does not verify for this key, ledger and challenge");
        return;
    }
    mc_account account;
    bool has_account = mc_ledger_get_account(node->ledger, a->public_key.data, &account) == 0;
    bool steward = mc_ledger_is_steward(node->ledger, a->public_key.data);
    if (!has_account && !steward) {
        mc__conn_send_error(conn, req->id, MC_ERR_AUTH_FAILED,
                            "this key holds no account on this ledger and is not a steward");
        return;
    }
    conn->authenticated = true;
    memcpy(conn->identity, a->public_key.data, MC_PUBLIC_KEY_BYTES);
    mc_log(MC_LOG_DEBUG, "conn %llu: authenticated as %s%s", (unsigned long long)conn->serial,
           has_account ? account.handle : "(no account)", steward ? " (steward)" : "");
    Mc__Response resp = MC__RESPONSE__INIT;
    Mc__AuthenticateResponse ar = MC__AUTHENTICATE_RESPONSE__INIT;
    ar.public_key.data = conn->identity;
    ar.public_key.len = MC_PUBLIC_KEY_BYTES;
    ar.has_account = has_account;
    ar.handle = has_account ? account.handle : "";
    ar.steward = steward;
    resp.id = req->id;
    resp.kind_case = MC__RESPONSE__KIND_AUTHENTICATE;
    resp.authenticate = &ar;
    mc__conn_send(conn, &resp);
}

static void dispatch(mc_conn *conn, const Mc__Request *req)
{
    switch (req->kind_case) {
    case MC__REQUEST__KIND_SUBMIT:
        mc__submit(conn, req->id, req->submit->signed_tx.data, req->submit->signed_tx.len);
        break;
    case MC__REQUEST__KIND_INFO:
        mc__query_info(conn, req);
        break;
    case MC__REQUEST__KIND_CHALLENGE:
        on_challenge(conn, req);
        break;
    case MC__REQUEST__KIND_AUTHENTICATE:
        on_authenticate(conn, req);
        break;
    case MC__REQUEST__KIND_GET_ACCOUNT:
        mc__query_account(conn, req);
        break;
    case MC__REQUEST__KIND_LIST_ACCOUNTS:
        mc__query_list_accounts(conn, req);
        break;
    case MC__REQUEST__KIND_HISTORY:
        mc__query_history(conn, req);
        break;
    case MC__REQUEST__KIND_GET_TX:
        mc__query_tx(conn, req);
        break;
    case MC__REQUEST__KIND_LIST_REQUESTS:
        mc__query_list_requests(conn, req);
        break;
    case MC__REQUEST__KIND_GET_REQUEST:
        mc__query_request(conn, req);
        break;
    case MC__REQUEST__KIND_CHECKPOINT:
        mc__query_checkpoint(conn, req);
        break;
    case MC__REQUEST__KIND_INCLUSION_PROOF:
        mc__query_inclusion(conn, req);
        break;
    case MC__REQUEST__KIND_CONSISTENCY_PROOF:
        mc__query_consistency(conn, req);
        break;
    case MC__REQUEST__KIND_LOG:
        mc__query_log(conn, req);
        break;
    default:
        mc__conn_send_error(conn, req->id, MC_ERR_UNSUPPORTED,
                            "this node (protocol %u) does not know this request",
                            MC_NODE_PROTOCOL_VERSION);
        break;
    }
}

void mc__session_frame(mc_conn *conn, const uint8_t *frame, size_t len)
{
    Mc__Request *req = mc__request__unpack(NULL, len, frame);
    if (req == NULL) {
        mc_log(MC_LOG_DEBUG, "conn %llu: a frame of %zu bytes is not a Request",
               (unsigned long long)conn->serial, len);
        mc__conn_send_error(conn, 0, MC_ERR_MALFORMED,
                            "a frame of %zu bytes does not decode as a Request", len);
        return;
    }
    dispatch(conn, req);
    mc__request__free_unpacked(req, NULL);
}
