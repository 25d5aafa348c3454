#include "server/server.h"

#include <sys/stat.h>

#include <boost/asio/ip/address.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "artifacts/model_store.h"
#include "catalog/layout.h"
#include "ilp/ilp.h"
#include "ilp/tcp_listener.h"
#include "pgwire/server.h"
#include "server/scheduler.h"

namespace strata::server {
namespace {

std::string_view CodeName(int http_status) {
  switch (http_status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "too_large";
    case 416: return "range_not_satisfiable";
    case 501: return "unsupported";
    case 503: return "unavailable";
    case 507: return "no_space";
    default: return http_status >= 500 ? "internal" : "error";
  }
}

bool Base64Decode(std::string_view in, std::string* out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = val(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

std::string_view AccessName(Access a) {
  switch (a) {
    case Access::kNone: return "none";
    case Access::kRead: return "read";
    case Access::kWrite: return "write";
    case Access::kAdmin: return "admin";
  }
  return "?";
}

}  // namespace

Status CheckOpenBind(const std::string& flag, const std::string& address, bool insecure_no_auth) {
  if (IsLoopback(address) || insecure_no_auth) return Status::OK();
  return Status::InvalidArgument(flag + " " + address +
                                 " is not a loopback address and there is no --auth-file: give one (see `strata "
                                 "serve --help`), or --insecure-no-auth to serve anyone who can connect");
}

bool IsLoopback(const std::string& address) {
  if (address == "localhost") return true;
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(address, ec);
  return !ec && a.is_loopback();
}

int HttpStatusOf(const Status& st) {
  switch (st.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kUnsupported: return 400;  // SQL or options strata does not run: the client's to change
    case StatusCode::kBusy: return 503;
    case StatusCode::kNoSpace: return 507;
    default: return 500;
  }
}

std::string ErrorJson(std::string_view code, std::string_view message) {
  nlohmann::json j = {{"code", code}, {"message", message}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void SendError(HttpResponder& resp, int http_status, std::string_view code, std::string_view message) {
  if (resp.started()) {
    resp.Abort();  // too late for a status: cut the stream so the client sees it incomplete
    return;
  }
  resp.Send(http_status, "application/json", ErrorJson(code, message));
}

void SendError(HttpResponder& resp, const Status& st) {
  const int http = HttpStatusOf(st);
  SendError(resp, http, CodeName(http), st.message());
}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  std::unique_ptr<Server> s(new Server());
  s->options_ = options;
  if (!s->options_.log) {
    s->options_.log = [](std::string_view line) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  if (!options.auth_file.empty()) {
    ASSIGN_OR_RETURN(auth::AuthFile f, auth::AuthFile::Load(options.auth_file, s->options_.log));
    s->auth_ = std::make_shared<const auth::AuthFile>(std::move(f));
  } else {
    RETURN_IF_ERROR(CheckOpenBind("--http", options.http.address, options.insecure_no_auth));
  }
  Options db_options;
  db_options.process_note = options.process_note;
  db_options.fsync = options.fsync;
  db_options.on_warning = s->options_.log;
  ASSIGN_OR_RETURN(s->db_, Database::Open(options.root, db_options));
  s->temp_dir_ = JoinPath(options.root, layout::kTmpDirName);
  ::mkdir(s->temp_dir_.c_str(), 0700);

  s->RegisterMetrics();
  s->AddBuiltinRoutes();
  s->AddQueryRoutes();
  s->AddModelRoutes();
  s->AddAdminRoutes();
  s->AddIlpRoutes();
  s->AddSubscribeRoutes();

  HttpServerOptions http = options.http;
  http.log = s->options_.log;
  Server* self = s.get();
  ASSIGN_OR_RETURN(s->http_, HttpServer::Start(
                                 http, [self](HttpRequest& r) { return self->Admit(r); },
                                 [self](HttpRequest& r, HttpResponder& w) { self->Handle(r, w); },
                                 [self](const HttpRequest& r, int st, double sec) { self->Observe(r, st, sec); }));
  RETURN_IF_ERROR(s->StartIlpAndPg());
  if (options.scheduler_interval_s > 0) {
    s->scheduler_ = std::make_unique<Scheduler>(self, options.scheduler_interval_s);
  }
  if (!s->auth_) {
    s->Log("no --auth-file: every client is admin; listening on loopback only");
  } else {
    s->Log("auth: " + std::to_string(s->auth_->size()) + " credential(s) and " + std::to_string(s->auth_->key_count()) +
           " ILP/TCP key(s) from " + options.auth_file + " (SIGHUP reloads it)");
  }
  return s;
}

std::shared_ptr<const auth::AuthFile> Server::auth() const {
  std::lock_guard lock(auth_mu_);
  return auth_;
}

Status Server::ReloadAuth() {
  if (!auth_on()) return Status::InvalidArgument("no --auth-file to reload (every client is admin)");
  std::lock_guard reload(reload_mu_);
  const auto refuse = [this](const Status& st) {
    Log("auth: reload refused, the previous credentials stay in force: " + st.message());
    return st;
  };
  auto loaded = auth::AuthFile::Load(options_.auth_file, options_.log);
  if (!loaded.ok()) return refuse(loaded.status());
  if (ilp_tcp_ && loaded->key_count() == 0) {
    return refuse(Status::InvalidArgument(options_.auth_file +
                                          ": no keys for ILP over TCP, which --ilp serves (lines NAME write "
                                          "ec-p-256-sha256 X Y)"));
  }
  auto next = std::make_shared<const auth::AuthFile>(std::move(*loaded));
  std::shared_ptr<const auth::AuthFile> prev;
  {
    std::lock_guard lock(auth_mu_);
    prev = std::move(auth_);
    auth_ = next;
  }
  const std::vector<std::string> users = prev->CredentialsRevokedBy(*next);
  const std::vector<std::string> keys = prev->KeysRevokedBy(*next);
  int closed = 0;
  if (subs_ && !users.empty()) {
    closed = subs_->CloseUsers(std::set<std::string>(users.begin(), users.end()),
                               "credentials revoked (the auth file changed)");
  }
  std::string line = "auth: reloaded " + options_.auth_file + ": " + std::to_string(next->size()) +
                     " credential(s) and " + std::to_string(next->key_count()) + " ILP/TCP key(s)";
  const auto list = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (!users.empty()) {
    line += "; revoked: " + list(users) + " (" + std::to_string(closed) + " subscription(s) closed)";
  }
  if (!keys.empty()) line += "; ILP/TCP keys revoked: " + list(keys);
  Log(line);
  return Status::OK();
}

Server::~Server() { (void)Stop(); }

void Server::Log(std::string_view line) { options_.log(line); }

std::vector<std::string> Server::Endpoints() const {
  std::vector<std::string> out;
  if (http_) {
    std::string host = http_->address();
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    out.push_back(std::string(http_->tls() ? "https://" : "http://") + host + ":" + std::to_string(http_->port()));
  }
  if (ilp_tcp_) out.push_back("ilp://" + options_.ilp_address + ":" + std::to_string(ilp_tcp_->port()));
  if (pg_) out.push_back("postgresql://" + options_.pg_address + ":" + std::to_string(pg_->port()));
  return out;
}

uint16_t Server::http_port() const { return http_ ? http_->port() : 0; }

void Server::AddRoute(std::string method, std::string path, Access access, Handler handler, bool body_to_file) {
  const bool prefix = !path.empty() && path.back() == '/';
  routes_.push_back({std::move(method), std::move(path), access, std::move(handler), body_to_file, prefix});
}

std::string Server::TempPath(std::string_view what) {
  return JoinPath(temp_dir_, "serve-" + std::to_string(::getpid()) + "-" + std::to_string(temp_seq_.fetch_add(1)) +
                                 "-" + std::string(what));
}

Admission Server::Admit(HttpRequest& req) {
  Admission adm;
  int path_match = -1;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    const bool match = r.prefix ? req.path.starts_with(r.path) && req.path.size() > r.path.size() : req.path == r.path;
    if (!match) continue;
    if (path_match < 0) path_match = static_cast<int>(i);
    if (r.method == req.method) {
      req.route = static_cast<int>(i);
      break;
    }
  }
  if (req.route < 0) {
    if (path_match < 0) {
      adm.status = 404;
      adm.error_body = ErrorJson("not_found", "no endpoint " + req.path + " (see `strata serve --help`)");
    } else {
      std::string allow;
      for (const Route& r : routes_) {
        if (r.path == routes_[path_match].path) allow += (allow.empty() ? "" : ", ") + r.method;
      }
      adm.status = 405;
      adm.error_body =
          ErrorJson("method_not_allowed", req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")");
      adm.error_headers.emplace_back("Allow", allow);
    }
    return adm;
  }
  const Route& route = routes_[req.route];
  const std::shared_ptr<const auth::AuthFile> auth = this->auth();
  if (auth && route.access != Access::kNone) {
    const std::string header = req.Header("authorization");
    std::optional<auth::Credential> cred;
    if (header.size() > 7 && (header.starts_with("Bearer ") || header.starts_with("bearer "))) {
      cred = auth->FindBySecret(std::string_view(header).substr(7));
    } else if (header.size() > 6 && (header.starts_with("Token ") || header.starts_with("token "))) {
      cred = auth->FindBySecret(std::string_view(header).substr(6));  // InfluxDB v2 clients
    } else if (header.size() > 6 && (header.starts_with("Basic ") || header.starts_with("basic "))) {
      std::string decoded;
      if (Base64Decode(std::string_view(header).substr(6), &decoded)) {
        const size_t colon = decoded.find(':');
        if (colon != std::string::npos) cred = auth->Check(decoded.substr(0, colon), decoded.substr(colon + 1));
      }
    }
    if (!cred) {
      adm.status = 401;
      adm.error_body = ErrorJson("unauthorized", header.empty() ? "this endpoint needs credentials: Authorization: "
                                                                  "Bearer TOKEN, Token TOKEN or Basic auth"
                                                                : "the credentials are not valid");
      adm.error_headers.emplace_back("WWW-Authenticate", "Bearer realm=\"strata\", Basic realm=\"strata\"");
      Log("http: 401 " + req.method + " " + req.path + " from " + req.peer);
      return adm;
    }
    req.user = cred->name;
    req.role = static_cast<int>(cred->role);
    const auth::Role need = route.access == Access::kRead    ? auth::Role::kRead
                            : route.access == Access::kWrite ? auth::Role::kWrite
                                                             : auth::Role::kAdmin;
    if (!auth::Allows(cred->role, need)) {
      adm.status = 403;
      adm.error_body =
          ErrorJson("forbidden", cred->name + " has role " + std::string(auth::RoleName(cred->role)) + "; " +
                                     req.method + " " + route.path + " needs " + std::string(AccessName(route.access)));
      return adm;
    }
  }
  if (route.body_to_file) {
    adm.body_limit = options_.max_model_bytes;
    adm.body_file = TempPath("body");
  } else {
    adm.body_limit = options_.max_body_bytes;
  }
  adm.long_lived = route.long_lived;
  return adm;
}

void Server::Handle(HttpRequest& req, HttpResponder& resp) {
  const Route& route = routes_[req.route];
  route.handler(req, resp);
  if (!req.body_file.empty()) ::unlink(req.body_file.c_str());
}

void Server::Observe(const HttpRequest& req, int status, double seconds) {
  const std::string endpoint = req.route >= 0 ? routes_[req.route].path : "unmatched";
  http_requests_->Inc({endpoint, std::to_string(status)});
  http_latency_->Observe(seconds, {endpoint});
}

void Server::CountQuery(const std::string& kind, double seconds, uint64_t rows, bool ok) {
  queries_->Inc({kind, ok ? "ok" : "error"});
  query_latency_->Observe(seconds, {kind});
  rows_out_->Inc({kind}, static_cast<double>(rows));
}

void Server::AddSubscribeRoutes() {
  SubscriptionOptions so = options_.subscriptions;
  if (auth_on()) {
    so.authorized = [this](std::string_view user) {
      const auto file = auth();
      return file && file->Lookup(user).has_value();
    };
  }
  subs_ = std::make_unique<Subscriptions>(db_.get(), &metrics_, std::move(so));
  AddRoute("GET", "/v1/subscribe", Access::kRead,
           [this](HttpRequest& req, HttpResponder& resp) { subs_->Handle(req, resp); });
  routes_.back().long_lived = true;
}

Result<artifacts::ModelStore*> Server::models() {
  std::lock_guard lock(models_mu_);
  if (!models_) {
    artifacts::ModelStoreOptions o;
    ASSIGN_OR_RETURN(models_, artifacts::ModelStore::Open(options_.root, o));
  }
  return models_.get();
}

Status Server::Stop() {
  std::lock_guard lock(stop_mu_);
  if (stopped_) return stop_status_;
  stopped_ = true;
  if (ilp_tcp_) ilp_tcp_->Stop();  // commits the complete lines each connection had read
  if (pg_) pg_->Stop();
  if (subs_) subs_->Shutdown();  // subscribers get their close reason and leave
  if (http_) http_->Stop(std::chrono::milliseconds(options_.shutdown_grace_ms));
  scheduler_.reset();  // waits for a running job
  subs_.reset();
  {
    std::lock_guard ml(models_mu_);
    models_.reset();
  }
  if (db_) {
    Status st = db_->Sync();
    Status close = db_->Close();
    stop_status_ = !st.ok() ? st : close;
  }
  Log(stop_status_.ok() ? "stopped: every acknowledged row is durable"
                        : "stopped with an error: " + stop_status_.ToString());
  return stop_status_;
}

void Server::RegisterMetrics() {
  http_requests_ = metrics_.Counter("strata_http_requests_total", "HTTP requests by endpoint and status code.",
                                    {"endpoint", "code"});
  http_latency_ = metrics_.Histogram("strata_http_request_duration_seconds",
                                     "HTTP request latency from header to last byte, by endpoint.",
                                     Metrics::LatencyBuckets(), {"endpoint"});
  queries_ = metrics_.Counter("strata_queries_total", "Queries by kind (query, sql, latest) and outcome.",
                              {"kind", "outcome"});
  query_latency_ = metrics_.Histogram("strata_query_duration_seconds", "Query latency by kind.",
                                      Metrics::LatencyBuckets(), {"kind"});
  rows_out_ = metrics_.Counter("strata_query_rows_total", "Rows returned by queries, by kind.", {"kind"});
  MetricFamily* conns = metrics_.Gauge("strata_http_connections", "Open HTTP connections.");
  MetricFamily* tier_rows = metrics_.Gauge("strata_tier_rows", "Rows per table and tier.", {"table", "tier"});
  MetricFamily* tier_bytes = metrics_.Gauge("strata_tier_bytes", "Bytes per table and tier.", {"table", "tier"});
  MetricFamily* tier_files =
      metrics_.Gauge("strata_tier_files", "Files per table and tier (warm, cold).", {"table", "tier"});
  MetricFamily* quarantined =
      metrics_.Gauge("strata_quarantined_rows", "Rows flushes set aside, per table.", {"table"});
  MetricFamily* wal_bytes = metrics_.Gauge("strata_wal_bytes", "Bytes of write-ahead log on disk.");
  MetricFamily* wal_segments = metrics_.Gauge("strata_wal_segments", "Write-ahead log segments on disk.");
  MetricFamily* last_lsn = metrics_.Gauge("strata_wal_last_lsn", "Last WAL LSN written.");
  MetricFamily* flushed_lsn = metrics_.Gauge("strata_wal_flushed_lsn", "WAL LSN covered by warm files.");
  MetricFamily* disk_free = metrics_.Gauge("strata_disk_free_bytes", "Free bytes on the file system of the root.");
  MetricFamily* up = metrics_.Gauge("strata_up", "1 while the server serves.");
  MetricFamily* ilp_conns = metrics_.Gauge("strata_ilp_connections", "Open ILP TCP connections.");
  MetricFamily* pg_conns = metrics_.Gauge("strata_pg_connections", "Open PostgreSQL wire connections.");
  MetricFamily* hot_used = metrics_.Gauge("strata_hot_memory_bytes", "Bytes the hot tier holds.");
  MetricFamily* hot_budget = metrics_.Gauge("strata_hot_memory_budget_bytes", "The hot tier's memory budget.");
  MetricFamily* cache_bytes = metrics_.Gauge("strata_model_cache_bytes", "Bytes of models in the RAM cache.");
  metrics_.ExportEngineMetrics();
  metrics_.OnCollect([=, this](Metrics*) {
    up->Set(1);
    if (http_) conns->Set(http_->open_connections());
    ilp_conns->Set(ilp_tcp_ ? static_cast<double>(ilp_tcp_->stats().connections_active) : 0);
    pg_conns->Set(pg_ ? pg_->connections() : 0);
    const HotMemoryUse hot = db_->HotMemory();
    hot_used->Set(static_cast<double>(hot.used_bytes));
    hot_budget->Set(static_cast<double>(hot.budget_bytes));
    {
      std::lock_guard ml(models_mu_);
      cache_bytes->Set(models_ ? static_cast<double>(models_->cache_bytes()) : 0);
    }
    auto stats = db_->Stats();
    if (stats.ok()) {
      tier_rows->Clear();
      tier_bytes->Clear();
      tier_files->Clear();
      quarantined->Clear();
      for (const TableStats& t : stats->tables) {
        for (const TierStats& ts : t.tiers) {
          tier_rows->Set(static_cast<double>(ts.rows), {t.table, ts.tier});
          tier_bytes->Set(static_cast<double>(ts.bytes), {t.table, ts.tier});
          if (ts.tier != "hot") tier_files->Set(static_cast<double>(ts.files), {t.table, ts.tier});
        }
        quarantined->Set(static_cast<double>(t.quarantined_rows), {t.table});
      }
      wal_bytes->Set(static_cast<double>(stats->wal_bytes));
      wal_segments->Set(static_cast<double>(stats->wal_segments));
      last_lsn->Set(static_cast<double>(stats->last_lsn));
      flushed_lsn->Set(static_cast<double>(stats->flushed_lsn));
    }
    auto probe = options_.health.free_space_probe ? options_.health.free_space_probe : StatvfsFreeBytes;
    auto free_bytes = probe(options_.root);
    if (free_bytes.ok()) disk_free->Set(static_cast<double>(*free_bytes));
  });
}

void Server::AddBuiltinRoutes() {
  AddRoute("GET", "/health", Access::kNone,
           [](HttpRequest&, HttpResponder& resp) { resp.Send(200, "application/json", R"({"status":"ok"})"); });
  AddRoute("GET", "/ready", Access::kNone, [this](HttpRequest&, HttpResponder& resp) {
    std::vector<HealthCheck> checks = RunHealthChecks(options_.root, db_.get(), options_.health);
    nlohmann::json j;
    j["ready"] = AllOk(checks);
    j["checks"] = nlohmann::json::array();
    nlohmann::json reasons = nlohmann::json::array();
    for (const HealthCheck& c : checks) {
      j["checks"].push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
      if (!c.ok) reasons.push_back(c.name + ": " + c.detail);
    }
    j["reasons"] = reasons;
    resp.Send(AllOk(checks) ? 200 : 503, "application/json", j.dump());
  });
  AddRoute("GET", "/metrics", Access::kRead, [this](HttpRequest&, HttpResponder& resp) {
    resp.Send(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.Expose());
  });
}

}  // namespace strata::server
