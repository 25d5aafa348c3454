// The PostgreSQL wire protocol listener: psql, psycopg2/pandas, node-postgres, Grafana and every
// other PostgreSQL client query strata's SQL (src/sql/) over protocol 3.0.
//
//   pgwire::ServerOptions opts;
//   opts.address = "127.0.0.1";
//   opts.port = 8812;                                   // 0: an ephemeral port (tests)
//   opts.credentials = [&](std::string_view user) -> std::optional<pgwire::Credential> {...};
//   pgwire::Server pg(db, opts);
//   RETURN_IF_ERROR(pg.Start());                        // bound and accepting when it returns
//   ... pg.port() ...
//   pg.Stop();                                          // closes every connection, joins threads
//
// Threads: the server owns them. One thread accepts (on an io_context of its own); each
// connection runs on a thread of its own with blocking reads and writes, because a query is a
// blocking pull of column batches from the engine (CPU and disk bound): on a shared event loop it
// would stall every other connection and the HTTP server. Connections are few (max_connections).
// See README.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata {
class Database;
}

namespace strata::pgwire {

enum class Role { kRead, kWrite, kAdmin };

struct Credential {
  std::string secret;  // the user's password (a token of the server's auth file)
  Role role = Role::kRead;
};

enum class AuthMethod { kScramSha256, kMd5, kCleartext };

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8812;  // 0: pick a free port (see Server::port())
  // nullopt for an unknown user. No function: no passwords (trust); then `address` must be a
  // loopback address, or Start() refuses.
  std::function<std::optional<Credential>(std::string_view user)> credentials;
  AuthMethod auth_method = AuthMethod::kScramSha256;
  int max_connections = 64;
  // A frontend message longer than this (Query text, Bind values) closes the connection with
  // 08P01 / 54000.
  size_t max_message_bytes = 64u << 20;
  // Output is written to the socket whenever this many bytes are buffered (and at each
  // ReadyForQuery / Flush / PortalSuspended): a result streams batch by batch in bounded memory.
  size_t send_buffer_bytes = 256u << 10;
  // What server_version says (ParameterStatus, version(), SHOW server_version).
  std::string server_version = "15.0 (strata)";
  // Warnings (a client that broke the protocol, a failed write). Default: none.
  std::function<void(std::string_view)> on_log;
};

class Server {
 public:
  Server(Database* db, ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. InvalidArgument for a bad address or a non-loopback address
  // without credentials; IOError when the port cannot be bound.
  Status Start();
  // Stops accepting, closes every connection (a running query stops at its next batch) and
  // joins the threads. Idempotent.
  void Stop();
  // The bound port (after Start).
  uint16_t port() const;
  // Connections open now.
  int connections() const;

  struct Stats {
    uint64_t statements_bound = 0;  // SELECTs parsed and bound for a Query or a Bind
    uint64_t prepared_reuses = 0;   // Binds that reused the plan their statement's Parse bound
  };
  Stats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace strata::pgwire
