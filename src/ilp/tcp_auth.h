// QuestDB's authentication for ILP over TCP, as a TcpListenerOptions::handshake:
//
//   client -> server   KEY_ID "\n"
//   server -> client   CHALLENGE "\n"      (challenge_bytes random letters and digits)
//   client -> server   base64(ECDSA P-256 SHA-256 signature of CHALLENGE, DER) "\n"
//
// then the lines. A failure (unknown key id, bad signature, a line over max_line_bytes, the
// client leaving) closes the connection, logged by the listener with the reason; the protocol
// has no error channel, so the client only sees the close. This is what `@questdb/nodejs-client`
// speaks with `username=KEY_ID;token=D` (or `auth: {keyId, token}`), and QuestDB's other
// clients alike. Who holds which key is the caller's (`verify`; the server's is the auth file,
// src/auth/auth_file.h).
//
//   o.handshake = [&](ilp::TcpHandshake& h) { return ilp::QuestDbAuthHandshake(h, verify); };
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "ilp/tcp_listener.h"
#include "strata/status.h"

namespace strata::ilp {

// OK when `signature` (decoded from the client's base64) is key_id's signature of `challenge`;
// otherwise an error saying why (never echoing the signature).
using TcpKeyVerifier =
    std::function<Status(std::string_view key_id, std::string_view challenge, std::string_view signature)>;

struct TcpAuthOptions {
  size_t challenge_bytes = 512;  // as QuestDB
  size_t max_line_bytes = 1024;  // the key id line and the signature line
};

Status QuestDbAuthHandshake(TcpHandshake& h, const TcpKeyVerifier& verify, const TcpAuthOptions& options = {});

}  // namespace strata::ilp
