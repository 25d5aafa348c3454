// The HTTP/1.1 transport of `strata serve`: Boost.Beast for parsing and serialising, blocking
// sockets, one thread per connection (README.md says why), TLS through Beast's ssl_stream when a
// certificate is given.
//
// A request's life: the header is read; `admit` (routing and auth, before any body byte is read)
// says whether to go on and how large a body may be and where it goes (memory or a file); the
// body is read (413 past the limit); `handle` runs while holding one of `threads` execution
// slots and answers through an HttpResponder, either whole (Send) or streamed with chunked
// transfer encoding (Begin / Write / End).
//
// Shutdown (Stop): the listener closes; connections waiting for a request are closed; requests
// in flight run to completion within the grace period, then their sockets are cut.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "strata/status.h"

namespace strata::server {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;                                       // "GET", "PUT", ...
  std::string target;                                       // as sent: path and query
  std::string path;                                         // percent-decoded path
  std::vector<std::pair<std::string, std::string>> params;  // decoded query parameters, in order
  HttpHeaders headers;                                      // names lower-case
  std::string peer;                                         // "127.0.0.1:53422"
  std::string body;                                         // the body when read into memory
  std::string body_file;                                    // the body's file when streamed to disk
  uint64_t body_bytes = 0;
  // Set by the admission step: who is asking (the auth file's name, "" without auth), with which
  // role (auth::Role as int; 0 without auth, when every client is admin) and which route matched
  // (the server's index).
  std::string user;
  int role = 0;
  int route = -1;

  // The last value of parameter `name` ("" when absent).
  std::string Param(std::string_view name) const;
  bool HasParam(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> Params(std::string_view name) const;
  // The header's value ("" when absent); `name` lower-case.
  std::string Header(std::string_view name) const;
};

// Percent-decoding ('+' as space in query strings): false when an escape is malformed.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

class WebSocketChannel;

class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  // A whole response with Content-Length (the body is written from `body`, not copied).
  virtual void Send(int status, std::string_view content_type, std::string_view body,
                    const HttpHeaders& extra = {}) = 0;
  // A streamed response (Transfer-Encoding: chunked): Begin, any number of Write, End. Each
  // returns false when the client is gone (the handler should stop producing).
  virtual bool Begin(int status, std::string_view content_type, const HttpHeaders& extra = {}) = 0;
  virtual bool Write(std::string_view data) = 0;
  virtual bool End() = 0;
  // Whether a status line went out already (errors after it cannot change the status).
  virtual bool started() const = 0;
  // Ends the connection without completing the response: after Begin, the client sees a
  // truncated chunked body, which is how a stream reports a failure in its middle.
  virtual void Abort() = 0;
  // Whether the request asks for a WebSocket upgrade (GET, Upgrade: websocket, no body).
  virtual bool WantsWebSocket() const { return false; }
  // Answers the upgrade (101 Switching Protocols) and hands the connection over as a WebSocket;
  // null when the handshake failed. The responder answers nothing else afterwards; the
  // connection ends when the handler returns.
  virtual std::unique_ptr<WebSocketChannel> AcceptWebSocket() { return nullptr; }
  // A function that shuts the connection's socket down, callable from any thread while the
  // handler runs (it cuts a write or read blocked on a client that stopped reading).
  virtual std::function<void()> Canceller() {
    return [] {};
  }
};

// A WebSocket connection taken over from an HTTP request (HttpResponder::AcceptWebSocket). Used
// from the handler's thread only, except Cut.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  // Sends one text message; false when the connection is gone.
  virtual bool SendText(std::string_view text) = 0;
  // Sends a close frame with `code` (RFC 6455: 1000 normal, 1001 going away, 1008 policy) and
  // `reason` (cut to 123 bytes), then waits for the peer's close frame (bounded only by a Cut).
  virtual void Close(int code, std::string_view reason) = 0;
  // Reads what the client sent meanwhile without waiting for more (pings are answered, a close
  // frame is answered and ends the connection, data messages are ignored). False once the
  // connection is closed or failed.
  virtual bool Poll() = 0;
};

struct Admission {
  int status = 0;          // 0: go on; else answer this status with `error_body` (JSON) and skip the body
  std::string error_body;  // JSON
  HttpHeaders error_headers;
  uint64_t body_limit = 0;  // 0 = no body expected (a body is still read up to 1 MiB and ignored)
  std::string body_file;    // non-empty: stream the body into this file instead of memory
  // The handler runs for as long as the client stays (a subscription): it takes no execution
  // slot, so it cannot starve queries; --max-connections still bounds it.
  bool long_lived = false;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 9000;                     // 0 = an ephemeral port (port() says which)
  std::string tls_cert_file, tls_key_file;  // PEM; both or neither
  int threads = 4;                          // requests executed at once
  int max_connections = 512;
  int idle_timeout_s = 60;   // a connection idle this long between requests is closed
  int write_timeout_s = 60;  // a client that takes no bytes of a response for this long is cut
  std::string name = "http";
  std::function<void(std::string_view)> log;  // one line per event worth logging (never a secret)
};

class HttpServer {
 public:
  using AdmitFn = std::function<Admission(HttpRequest& head)>;
  using HandleFn = std::function<void(HttpRequest& request, HttpResponder& responder)>;
  // Called after every response with the status and the seconds it took (for metrics).
  using ObserveFn = std::function<void(const HttpRequest& request, int status, double seconds)>;

  // Binds and starts accepting. IOError naming the address when it cannot bind.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options, AdmitFn admit, HandleFn handle,
                                                   ObserveFn observe = {});
  ~HttpServer();  // Stop(0)

  uint16_t port() const { return port_; }
  const std::string& address() const { return options_.address; }
  bool tls() const { return !options_.tls_cert_file.empty(); }
  int open_connections() const;

  // Stops accepting, closes idle connections, waits up to `grace` for requests in flight, then
  // cuts the rest. Idempotent.
  void Stop(std::chrono::milliseconds grace);

  struct Impl;

 private:
  HttpServer() = default;
  HttpServerOptions options_;
  uint16_t port_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server
