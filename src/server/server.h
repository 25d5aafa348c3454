// `strata serve`: the database as a long-running process.
//
// A Server opens the database as its writer, starts the listeners (HTTP now; ILP and the
// PostgreSQL wire protocol plug in beside it), the scheduler, and serves until Stop: listeners
// stop accepting, requests in flight finish (bounded by shutdown_grace_ms), acknowledged rows are
// made durable (Sync), the database is closed and its lock released.
//
// Routes: each endpoint is a (method, path) with the role it needs (auth/auth_file.h) and a
// handler; AddRoute is how another module adds one (see README.md, "adding an endpoint").
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_file.h"
#include "server/health.h"
#include "server/http.h"
#include "server/metrics.h"
#include "server/subscribe.h"
#include "strata/database.h"

namespace strata::artifacts {
class ModelStore;
}
namespace strata::ilp {
class TcpListener;
class Writer;
struct Options;
}  // namespace strata::ilp
namespace strata::pgwire {
class Server;
}

namespace strata::server {

class Scheduler;

struct ServerOptions {
  std::string root;
  std::string process_note = "strata serve";
  std::string fsync;       // overrides the database's fsync policy for this process when set
  HttpServerOptions http;  // address, port, TLS, threads
  // Credentials; empty = no auth, which is refused unless every listener is on loopback or
  // insecure_no_auth is set.
  std::string auth_file;
  bool insecure_no_auth = false;
  HealthOptions health;
  uint64_t max_body_bytes = 64ull << 20;   // request bodies read into memory
  uint64_t max_model_bytes = 64ull << 30;  // PUT /v1/models bodies (streamed to a file)
  int shutdown_grace_ms = 10'000;
  // Maintenance jobs (migration, retention, model archiving) every this many seconds; 0 = off.
  // Flushes run on the database's own background flusher.
  int scheduler_interval_s = 60;
  std::function<void(std::string_view)> log;  // one line each; default stderr
  // InfluxDB/QuestDB line protocol over TCP (src/ilp) and the PostgreSQL wire protocol
  // (src/pgwire), each on ADDRESS:PORT when port >= 0 (0 = any free port); -1 = off. ILP over
  // HTTP (/write, /api/v2/write) is always on, behind the write role.
  std::string ilp_address = "127.0.0.1";
  int ilp_port = -1;
  // A line (HTTP or TCP) with a tag or field an existing table has no column for adds a nullable
  // column to it (ilp::Options::auto_create_columns); false (--ilp-no-new-columns): refused.
  bool ilp_new_columns = true;
  // A line (HTTP or TCP) naming a table that does not exist creates it; false
  // (--ilp-no-new-tables): refused.
  bool ilp_new_tables = true;
  // The tag that becomes a new table's series key (ilp::Options::series_key_tag, default
  // "symbol", else the line's first tag), and per table (--ilp-series-key TABLE=TAG).
  std::string ilp_series_key_tag = "symbol";
  std::map<std::string, std::string, std::less<>> ilp_series_key_tags;
  size_t ilp_max_line_bytes = 1 << 20;  // a longer line is refused (HTTP 400; TCP: connection closed)
  size_t ilp_max_connections = 64;      // ILP/TCP connections at once (more are refused, logged)
  std::string pg_address = "127.0.0.1";
  int pg_port = -1;
  // Live subscriptions (/v1/subscribe): per-subscriber buffer, how many at once.
  SubscriptionOptions subscriptions;
};

enum class Access { kNone, kRead, kWrite, kAdmin };

class Server {
 public:
  using Handler = std::function<void(HttpRequest&, HttpResponder&)>;

  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();

  // Adds an endpoint. `path` is exact, or a prefix when it ends with '/' (e.g. "/v1/models/").
  // Call before traffic arrives (Start adds the built-in ones); not thread-safe with requests.
  void AddRoute(std::string method, std::string path, Access access, Handler handler, bool body_to_file = false);

  // "http://127.0.0.1:9000", "ilp://127.0.0.1:9009", "postgresql://127.0.0.1:8812": one per
  // listener, HTTP first, for the startup banner and tests.
  std::vector<std::string> Endpoints() const;
  uint16_t http_port() const;
  Database* db() { return db_.get(); }
  Metrics* metrics() { return &metrics_; }
  Subscriptions* subscriptions() { return subs_.get(); }
  // The credentials in force (null without --auth-file). A reload swaps them: callers keep the
  // snapshot for one check (a request's admission, a handshake) and take it again for the next.
  std::shared_ptr<const auth::AuthFile> auth() const;
  bool auth_on() const { return !options_.auth_file.empty(); }
  // Re-reads --auth-file (strata serve does it on SIGHUP). New credentials work from the next
  // request; a credential the new file removes, gives another secret or a lower role is refused
  // from the next request, its live subscriptions are closed now (WebSocket 1008 / SSE event
  // `close` with code `revoked`), its PostgreSQL sessions end at their next statement and its
  // ILP/TCP connections are closed before their next bytes are stored. A file that cannot be
  // read or parsed (the error names the file and line, never a secret), or one without ILP keys
  // while --ilp listens, is refused and logged, and the previous credentials stay in force.
  Status ReloadAuth();
  const ServerOptions& options() const { return options_; }
  // The model store, opened on first use.
  Result<artifacts::ModelStore*> models();
  void Log(std::string_view line);

  // Graceful stop (idempotent); the first error of syncing or closing the database.
  Status Stop();

 private:
  Server() = default;
  struct Route {
    std::string method, path;
    Access access;
    Handler handler;
    bool body_to_file;
    bool prefix;
    bool long_lived = false;  // runs without an execution slot (Admission::long_lived)
  };
  Admission Admit(HttpRequest& req);
  void Handle(HttpRequest& req, HttpResponder& resp);
  void Observe(const HttpRequest& req, int status, double seconds);
  void AddBuiltinRoutes();
  void AddQueryRoutes();
  void AddModelRoutes();
  void AddAdminRoutes();
  void AddIlpRoutes();
  void AddSubscribeRoutes();
  Status StartIlpAndPg();
  void SetIlpOptions(ilp::Options* o) const;  // the --ilp-* flags, for HTTP and TCP alike
  void RegisterMetrics();

  ServerOptions options_;
  std::unique_ptr<Database> db_;
  mutable std::mutex auth_mu_;                  // guards auth_ (the pointer, not the file)
  std::shared_ptr<const auth::AuthFile> auth_;  // null: no auth
  std::mutex reload_mu_;                        // one ReloadAuth at a time
  Metrics metrics_;
  std::vector<Route> routes_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<ilp::Writer> ilp_writer_;
  std::unique_ptr<ilp::TcpListener> ilp_tcp_;
  std::unique_ptr<pgwire::Server> pg_;
  std::unique_ptr<Subscriptions> subs_;
  std::mutex models_mu_;
  std::unique_ptr<artifacts::ModelStore> models_;
  std::atomic<uint64_t> temp_seq_{0};
  std::mutex stop_mu_;
  bool stopped_ = false;
  Status stop_status_;
  std::string temp_dir_;

  MetricFamily* http_requests_ = nullptr;
  MetricFamily* http_latency_ = nullptr;
  MetricFamily* queries_ = nullptr;
  MetricFamily* query_latency_ = nullptr;
  MetricFamily* rows_out_ = nullptr;

 public:
  // For the handlers (routes_*.cc).
  std::string TempPath(std::string_view what);
  void CountQuery(const std::string& kind, double seconds, uint64_t rows, bool ok);
};

// Whether `address` is a loopback address (127.0.0.0/8, ::1, "localhost").
bool IsLoopback(const std::string& address);
// Without an auth file: InvalidArgument naming `flag` unless `address` is loopback or the user
// said --insecure-no-auth (every listener, HTTP, ILP and PG wire, follows this rule).
Status CheckOpenBind(const std::string& flag, const std::string& address, bool insecure_no_auth);

// The JSON error body {"code": ..., "message": ...} and the HTTP status of a Status.
int HttpStatusOf(const Status& status);
std::string ErrorJson(std::string_view code, std::string_view message);
void SendError(HttpResponder& resp, const Status& status);
void SendError(HttpResponder& resp, int http_status, std::string_view code, std::string_view message);

}  // namespace strata::server
