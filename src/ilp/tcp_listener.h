// ILP over TCP (QuestDB's port 9009 protocol, InfluxDB line protocol without replies): a listener
// that accepts connections and feeds each one's bytes to its own StreamWriter.
//
//   ilp::TcpListenerOptions o;
//   o.port = 9009;                                   // 0: an ephemeral port (tests)
//   ASSIGN_OR_RETURN(auto listener, ilp::TcpListener::Start(db, o));
//   ... listener->port() ...
//   listener->Stop();                                // or the destructor
//
// Threads: the listener owns them (one accepting, one per connection, at most max_connections),
// rather than running on a caller's io_context: applying a batch is blocking work (parsing, then
// waiting for the WAL to say durable), which must not stall an event loop that also serves HTTP;
// a blocked connection thread is also how backpressure works (below). With 2-4 busy feeds a
// thread each is also the fastest arrangement: the WAL's group commit batches their appends.
//
// A connection's complete lines are committed in batches (StreamWriter: up to max_batch_rows, and
// whenever the socket has nothing more to read right now). A bad line: the rows before it are
// kept, the error is logged with the connection and line number, and the connection is closed
// (the protocol has no error channel). Backpressure: while `over_budget` says so (by default, the
// hot tier holds more than its memory budget, see Database::HotMemory), connections stop reading;
// the kernel's socket buffers fill and TCP slows the senders. No acknowledged row is dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ilp/ilp.h"
#include "strata/database.h"
#include "strata/status.h"

namespace strata::ilp {

// What TcpListenerOptions::handshake gets: the connection before any line is read, to exchange
// bytes with the client (QuestDB's key id + ECDSA P-256 challenge) on the connection's thread.
struct TcpHandshake {
  std::string peer;  // "1.2.3.4:5678"
  // Reads up to n bytes (blocking); 0 at the end of the stream. IOError when the socket fails.
  std::function<Result<size_t>(char* buf, size_t n)> read;
  std::function<Status(std::string_view bytes)> write;
  // Bytes the handshake read past its end: the line parser gets them first.
  std::string leftover;
  // Who the handshake let in (e.g. the key id); TcpListenerOptions::still_allowed gets it.
  std::string identity;
};

struct TcpListenerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 9009;  // 0: the system picks one (see TcpListener::port())
  size_t max_connections = 64;
  // Bytes read from a socket at a time; a connection holds this plus at most one partial line
  // (Options::max_line_bytes).
  size_t read_buffer_bytes = 1 << 20;
  Options ilp;
  // Called for each accepted connection with its peer ("1.2.3.4:5678") before anything is read:
  // an error closes it, logged with the reason (the server's auth hook). Default: accept all.
  std::function<Status(std::string_view peer)> approve;
  // Then, on the connection's own thread, before any line: e.g. authentication. An error closes
  // the connection, logged with the reason. Default: none.
  std::function<Status(TcpHandshake& handshake)> handshake;
  // After a handshake, before the lines of each read are parsed: an error (the identity's
  // credentials were revoked since, e.g. by an auth file reload) closes the connection, logged;
  // the rows of that read and any not committed yet are not stored. Default: none.
  std::function<Status(std::string_view identity)> still_allowed;
  // The whole handshake must be over within this time, or the connection is closed (a client
  // that connects and says nothing does not hold a connection slot).
  int handshake_timeout_ms = 10000;
  // One line per event (connection refused or closed on an error); default: stderr.
  std::function<void(std::string_view)> log;
  // While true, connections stop reading. Default: the database's hot tier is over its budget.
  std::function<bool()> over_budget;
  int backpressure_check_ms = 2;  // how often a paused connection checks over_budget again
};

struct TcpListenerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections, or not approved
  uint64_t connections_active = 0;
  uint64_t bad_lines = 0;  // connections closed on a bad line
  uint64_t rows = 0;       // rows committed
  uint64_t bytes = 0;      // bytes read
  uint64_t backpressure_waits = 0;
};

class TcpListener {
 public:
  // Binds, listens and starts accepting. IOError naming the address when the port cannot be bound.
  static Result<std::unique_ptr<TcpListener>> Start(Database* db, TcpListenerOptions options);
  virtual ~TcpListener() = default;
  // The bound port (the ephemeral one when options.port was 0).
  virtual uint16_t port() const = 0;
  // Stops accepting, ends every connection (committing the complete lines it had read), joins the
  // threads. Idempotent; the destructor calls it.
  virtual void Stop() = 0;
  virtual TcpListenerStats stats() const = 0;
};

}  // namespace strata::ilp
