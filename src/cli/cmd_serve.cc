// strata serve, strata doctor, strata maintain
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "artifacts/model_store.h"
#include "backup/wal_archive.h"
#include "catalog/layout.h"
#include "cli/cli.h"
#include "server/health.h"
#include "server/scheduler.h"
#include "server/server.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

struct ServeArgs {
  std::string http = "127.0.0.1:9000";
  std::string ilp, pg;  // empty: the default (on, port 9009 / 8812; ILP TCP off with --auth-file)
  std::string auth_file;
  std::string tls_cert, tls_key;
  int threads = 0;
  int max_connections = 512;
  bool insecure_no_auth = false;
  bool ilp_no_new_columns = false;
  bool ilp_no_new_tables = false;
  std::vector<std::string> ilp_series_key;  // TAG or TABLE=TAG
  uint64_t ilp_max_line_kb = 1024;
  uint64_t ilp_max_connections = 64;
  std::string fsync;
  uint64_t ready_min_free_mb = 1024;
  uint64_t ready_max_flush_lag_mb = 8192;
  uint64_t ready_max_archive_lag_mb = 4096;
  int shutdown_grace_s = 10;
  int maintain_every_s = 60;
  uint64_t max_body_mb = 64;
  uint64_t subscriber_buffer_mb = 16;
  int max_subscribers = 256;
};

// "ADDR:PORT", "[v6]:PORT", ":PORT" or "PORT" (address 127.0.0.1).
Status ParseListen(const std::string& flag, const std::string& text, std::string* address, uint16_t* port) {
  std::string addr = "127.0.0.1", port_text = text;
  if (text.starts_with("[")) {
    const size_t close = text.find("]:");
    if (close == std::string::npos) return Status::InvalidArgument(flag + ": expected [ADDR]:PORT, got '" + text + "'");
    addr = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (const size_t colon = text.rfind(':'); colon != std::string::npos) {
    if (colon > 0) addr = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port_text) > 65535) {
    return Status::InvalidArgument(flag + ": '" + port_text + "' is not a port (0-65535; 0 = any free port)");
  }
  *address = addr;
  *port = static_cast<uint16_t>(std::stoul(port_text));
  return Status::OK();
}

Status Serve(Context* ctx, const ServeArgs& a) {
  server::ServerOptions o;
  o.root = ctx->root;
  RETURN_IF_ERROR(ParseListen("--http", a.http, &o.http.address, &o.http.port));
  o.http.tls_cert_file = a.tls_cert;
  o.http.tls_key_file = a.tls_key;
  o.http.threads = a.threads > 0 ? a.threads : static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  o.http.max_connections = a.max_connections;
  o.auth_file = a.auth_file;
  o.insecure_no_auth = a.insecure_no_auth;
  o.ilp_new_columns = !a.ilp_no_new_columns;
  o.ilp_new_tables = !a.ilp_no_new_tables;
  if (a.ilp_max_line_kb == 0) return Status::InvalidArgument("--ilp-max-line-kb must be at least 1");
  o.ilp_max_line_bytes = a.ilp_max_line_kb << 10;
  o.ilp_max_connections = a.ilp_max_connections;
  for (const std::string& k : a.ilp_series_key) {
    const size_t eq = k.find('=');
    const std::string table = eq == std::string::npos ? "" : k.substr(0, eq);
    const std::string tag = eq == std::string::npos ? k : k.substr(eq + 1);
    if (tag.empty() || (eq != std::string::npos && table.empty())) {
      return Status::InvalidArgument("--ilp-series-key: expected TAG or TABLE=TAG, got '" + k + "'");
    }
    if (table.empty()) {
      o.ilp_series_key_tag = tag;
    } else {
      o.ilp_series_key_tags[table] = tag;
    }
  }
  o.fsync = a.fsync;
  o.health.min_free_bytes = a.ready_min_free_mb << 20;
  o.health.max_flush_lag_bytes = a.ready_max_flush_lag_mb << 20;
  o.health.max_archive_lag_bytes = a.ready_max_archive_lag_mb << 20;
  o.shutdown_grace_ms = a.shutdown_grace_s * 1000;
  o.scheduler_interval_s = a.maintain_every_s;
  o.max_body_bytes = a.max_body_mb << 20;
  o.subscriptions.buffer_bytes = a.subscriber_buffer_mb << 20;
  o.subscriptions.max_subscribers = a.max_subscribers;
  if (a.subscriber_buffer_mb == 0) return Status::InvalidArgument("--subscriber-buffer-mb must be at least 1");
  if (a.threads < 0) return Status::InvalidArgument("--threads must be 0 (one per core) or more");
  // --ilp / --pg: ADDR:PORT, or "off". With --auth-file, ILP over TCP is off unless asked for; then
  // its clients authenticate with the file's keys (the server refuses to start when it has none).
  const auto listen = [](const std::string& flag, const std::string& given, const std::string& fallback,
                         std::string* address, int* port) -> Status {
    if (given == "off") return Status::OK();
    uint16_t p = 0;
    RETURN_IF_ERROR(ParseListen(flag, given.empty() ? fallback : given, address, &p));
    *port = p;
    return Status::OK();
  };
  if (!(a.ilp.empty() && !a.auth_file.empty())) {
    RETURN_IF_ERROR(listen("--ilp", a.ilp, "127.0.0.1:9009", &o.ilp_address, &o.ilp_port));
  }
  RETURN_IF_ERROR(listen("--pg", a.pg, "127.0.0.1:8812", &o.pg_address, &o.pg_port));

  // Every thread the server starts inherits this mask: the signals wait for sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t stop_signals = signals;
  sigaddset(&signals, SIGHUP);  // reloads --auth-file
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  ASSIGN_OR_RETURN(auto server, server::Server::Start(o));
  for (const std::string& e : server->Endpoints()) std::printf("strata serve: listening on %s\n", e.c_str());
  std::printf("strata serve: database %s (writer; stop with Ctrl-C or SIGTERM)\n", ctx->root.c_str());
  std::fflush(stdout);

  int sig = 0;
  for (;;) {
    sigwait(&signals, &sig);
    if (sig != SIGHUP) break;
    if (a.auth_file.empty()) {
      std::fprintf(stderr, "strata serve: SIGHUP: there is no --auth-file to reload\n");
      continue;
    }
    (void)server->ReloadAuth();  // logs what changed, or why the file was refused
  }
  std::fprintf(stderr,
               "strata serve: %s: stopping (finishing requests in flight for up to %d s; a second signal "
               "exits at once)\n",
               sig == SIGINT ? "SIGINT" : "SIGTERM", a.shutdown_grace_s);
  std::thread([stop_signals] {
    int second = 0;
    sigwait(&stop_signals, &second);
    // The WAL keeps every acknowledged row safe; the next open replays it.
    static const char kMsg[] = "strata serve: second signal: exiting now\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    ::_exit(1);
  }).detach();
  return server->Stop();
}

void PrintChecks(const std::vector<server::HealthCheck>& checks) {
  for (const auto& c : checks) std::printf("%-4s %-18s %s\n", c.ok ? "ok" : "FAIL", c.name.c_str(), c.detail.c_str());
}

}  // namespace

void AddServeCommands(CLI::App& app, Context* ctx) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* s = app.add_subcommand("serve", "run the database as a server: HTTP API, /metrics, health, scheduler");
  s->add_option("--http", a->http, "listen for HTTP on ADDR:PORT (default 127.0.0.1:9000; port 0 = any free port)");
  s->add_option("--ilp", a->ilp,
                "InfluxDB/QuestDB line protocol over TCP on ADDR:PORT, or off (default 127.0.0.1:9009; with "
                "--auth-file off unless given, and then clients authenticate with QuestDB's ECDSA keys: lines "
                "NAME write ec-p-256-sha256 X Y in the file)");
  s->add_flag("--ilp-no-new-columns", a->ilp_no_new_columns,
              "refuse a line protocol line (HTTP or TCP) with a tag or field its existing table has no column for "
              "(default: add it as a nullable column)");
  s->add_flag("--ilp-no-new-tables", a->ilp_no_new_tables,
              "refuse a line protocol line (HTTP or TCP) naming a table that does not exist (default: create it "
              "from the line: tags are string columns, the series-key tag the symbol column, fields typed by the "
              "protocol, the timestamp ts)");
  s->add_option("--ilp-series-key", a->ilp_series_key,
                "the tag that becomes the series key (symbol column) of a table the line protocol creates: TAG "
                "for every table, or TABLE=TAG for one; repeatable (default: the tag named symbol, else the "
                "line's first tag)");
  s->add_option("--ilp-max-line-kb", a->ilp_max_line_kb,
                "longest line protocol line, KiB (default 1024): over HTTP a longer one fails its request (400 "
                "naming the line), over TCP it closes the connection");
  s->add_option("--ilp-max-connections", a->ilp_max_connections,
                "line protocol TCP connections at once (default 64; more are refused and logged)");
  s->add_option("--pg", a->pg,
                "PostgreSQL wire protocol (psql, psycopg2, node-postgres, Grafana) on ADDR:PORT, or off (default "
                "127.0.0.1:8812; passwords from --auth-file, SCRAM-SHA-256)");
  s->add_option("--auth-file", a->auth_file,
                "credentials, one per line: NAME ROLE SECRET (role read, write or admin; # comments), or for ILP "
                "over TCP NAME ROLE ec-p-256-sha256 X Y (the client's public key, JWK x and y); SIGHUP reloads "
                "it (a malformed file is refused and the old credentials stay)");
  s->add_flag("--insecure-no-auth", a->insecure_no_auth,
              "serve a non-loopback address without --auth-file (anyone who can connect is admin)");
  s->add_option("--tls-cert", a->tls_cert, "PEM certificate chain: serve HTTPS (with --tls-key)");
  s->add_option("--tls-key", a->tls_key, "PEM private key of --tls-cert");
  s->add_option("--threads", a->threads, "requests executed at once (default: one per core, at least 2)");
  s->add_option("--max-connections", a->max_connections, "open connections at most (default 512; more get 503)");
  s->add_option("--max-body-mb", a->max_body_mb,
                "largest request body read into memory, MiB (default 64; 413 past it)");
  s->add_option("--fsync", a->fsync, "override the database's fsync policy: always, interval=MS or none");
  s->add_option("--ready-min-free-mb", a->ready_min_free_mb,
                "/ready fails when the root's disk has less free space than this, MiB (default 1024)");
  s->add_option("--ready-max-flush-lag-mb", a->ready_max_flush_lag_mb,
                "/ready fails when more WAL than this waits for a flush, MiB (default 8192)");
  s->add_option("--ready-max-archive-lag-mb", a->ready_max_archive_lag_mb,
                "with a WAL archive set (`strata archive set`): /ready fails when more WAL than this waits to "
                "be archived, MiB (default 4096)");
  s->add_option("--shutdown-grace", a->shutdown_grace_s,
                "on SIGTERM/SIGINT, seconds requests in flight may take before they are cut (default 10)");
  s->add_option("--maintain-every", a->maintain_every_s,
                "seconds between maintenance passes: migration, retention, model archiving (default 60; 0 = off)");
  s->add_option("--subscriber-buffer-mb", a->subscriber_buffer_mb,
                "rows waiting to be sent to one /v1/subscribe client, MiB; a subscriber that falls this far "
                "behind is dropped with a close reason, ingest never waits for it (default 16)");
  s->add_option("--max-subscribers", a->max_subscribers, "live subscriptions at once (default 256; more get 503)");
  s->footer(
      "The server is the database's writer (it holds the lock); read-only commands (query, stats, sql,\n"
      "verify) keep working beside it. Without --auth-file it listens on loopback only and every client is\n"
      "admin. It prints the address it listens on (with port 0, the port it got).\n"
      "Endpoints (role needed with --auth-file):\n"
      "  GET  /health  /ready                                  (none)  liveness; readiness with reasons (503)\n"
      "  GET  /metrics                                         read    Prometheus text format\n"
      "  GET  /v1/tables  /v1/tables/NAME  /v1/stats           read    JSON\n"
      "  GET  /v1/latest?table=T[&symbol=S,...]&format=json|csv read\n"
      "  GET  /v1/query?table=T&symbol=S&from=&to=&columns=&bars=&asof=&where=&limit=&format=json|csv|parquet\n"
      "                                                        read    the options of `strata query`\n"
      "  GET  /exec?query=SQL[&limit=N]                        read    QuestDB's JSON (columns, dataset, count)\n"
      "  GET  /exp?query=SQL[&fmt=csv|parquet]                 read    QuestDB's CSV export\n"
      "  GET  /v1/models/NAME[@VERSION|@ALIAS]                 read    the model's bytes (Range honoured)\n"
      "  PUT  /v1/models/NAME                                  write   store the body as a new version\n"
      "  GET  /v1/subscribe?table=T&symbol=S,...|*[&from=TS][&format=json|csv]\n"
      "                                                        read    live rows over a WebSocket, or server-sent\n"
      "                                                                events (Accept: text/event-stream); from=\n"
      "                                                                replays stored rows first, then live\n"
      "  POST /v1/flush[?table=T]  /v1/migrate  /v1/retention  /v1/maintain   admin\n"
      "  POST /v1/tables {\"name\",\"template\"|\"schema\",\"dedup_key\",\"policy\"}   admin   create a table\n"
      "  POST /v1/tables/NAME/columns {\"name\",\"type\"}            admin   add a nullable column\n"
      "  PUT  /v1/tables/NAME/policy {\"warm_days\":7,...}         admin   set (merge) its tier policy\n"
      "  POST /write  /api/v2/write[?precision=n|u|ms|s]       write   line protocol; one request is one\n"
      "                                                        transaction (204 once durable; 400 names the line)\n"
      "/exec (and PostgreSQL clients) run SELECT with read, INSERT with write, ALTER TABLE ... ADD COLUMN\n"
      "with admin.\n"
      "Line protocol over TCP (--ilp) and PostgreSQL clients (--pg) have listeners of their own.\n"
      "SIGHUP re-reads --auth-file: new credentials work at once; removed or changed ones are refused\n"
      "from their next request, their subscriptions closed, their PostgreSQL sessions ended at their next\n"
      "statement and their ILP/TCP connections closed before more lines are stored. A malformed file\n"
      "is refused (logged with its line) and the old credentials stay in force.\n"
      "Credentials over HTTP: Authorization: Bearer SECRET (or Token SECRET, as InfluxDB clients send), or\n"
      "Basic NAME:SECRET. Over ILP/TCP: QuestDB's key id + ECDSA P-256 challenge (the client's username= is\n"
      "NAME, its token= the private key d; the server holds only x and y).\n"
      "Examples:\n"
      "  strata serve --root /data/strata\n"
      "  strata serve --http 0.0.0.0:9000 --auth-file /etc/strata/auth --tls-cert cert.pem --tls-key key.pem\n"
      "  curl -s 'localhost:9000/v1/query?table=trades&symbol=AAPL&from=2026-03-02T14:00&to=2026-03-02T15:00'\n"
      "  curl -s -G localhost:9000/exp --data-urlencode \"query=SELECT * FROM trades WHERE symbol = 'AAPL'\"\n"
      "  curl -s -H \"Authorization: Bearer $TOKEN\" localhost:9000/metrics\n"
      "  curl -N -H 'Accept: text/event-stream' 'localhost:9000/v1/subscribe?table=trades&symbol=AAPL,MSFT'\n"
      "  curl -s --data-binary 'trades,symbol=AAPL price=187.5,size=100i 1772461800000000000' localhost:9000/write\n"
      "  psql -h 127.0.0.1 -p 8812 -c 'SELECT count(*) FROM trades'\n"
      "  curl -s -u ops:$TOKEN --data '{\"name\":\"fills\",\"template\":\"fills\"}' localhost:9000/v1/tables\n"
      "  kill -HUP $(pidof strata)   # re-read --auth-file\n"
      "See src/server/README.md; tools/strata.service is a systemd unit.");
  s->callback([ctx, a] { Run(ctx, [&] { return Serve(ctx, *a); }); });

  auto min_free = std::make_shared<uint64_t>(1024);
  CLI::App* d = app.add_subcommand("doctor", "the readiness checks of `strata serve` (/ready), from the command line");
  d->add_option("--ready-min-free-mb", *min_free, "fail when the root's disk has less free space than this, MiB");
  d->footer(
      "Checks: free disk space under the root, the WAL directory takes writes (skipped while a server holds\n"
      "the database), the catalog passes SQLite's quick_check, flush lag, and with a WAL archive set the\n"
      "archive lag (WAL not archived yet). Exit status 1 when one fails.\n"
      "Example:\n"
      "  strata doctor --root /data/strata");
  d->callback([ctx, min_free] {
    Run(ctx, [&]() -> Status {
      server::HealthOptions o;
      o.min_free_bytes = *min_free << 20;
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(true, ""));
      // The WAL write probe only while no writer holds the database (we hold its lock meanwhile).
      std::vector<server::HealthCheck> checks;
      bool probe_wal = false;
      {
        auto lock = DefaultFileSystem()->TryLock(layout::LockPath(ctx->root), "strata doctor");
        probe_wal = lock.ok();
        checks = server::RunHealthChecks(ctx->root, db.get(), o, probe_wal);
      }
      PrintChecks(checks);
      if (!probe_wal) std::printf("(wal_writable skipped: another process holds the database for writing)\n");
      if (!server::AllOk(checks)) return Status::Aborted("doctor: some checks failed (above)");
      return Status::OK();
    });
  });

  // `strata maintain` and `strata serve` run the due backup schedules at the end of every pass
  // (the server module does not depend on backup). Set here, with the commands that run it: the
  // CLI registers only the group of the command given (CommandGroups, cli.cc).
  server::SetExtraMaintenance([ctx](server::MaintenanceReport* report) {
    backup::ScheduleRunReport r = backup::RunDueSchedules(DefaultFileSystem(), ctx->root, WallClockNs());
    for (std::string& line : r.lines) report->lines.push_back(std::move(line));
    if (!r.status.ok() && report->status.ok()) report->status = r.status;
  });
  CLI::App* m = app.add_subcommand("maintain", "run one pass of every due maintenance job (for cron)");
  m->footer(
      "What `strata serve` runs every --maintain-every seconds: a flush when a trigger fires, migration by\n"
      "warm_days / warm_max_bytes, retention by cold_days, archiving of model versions at stage archived,\n"
      "then every due `strata backup schedule` (WAL archiving, backups, backup verifies).\n"
      "Each job is a `runs` row. Needs the writer lock (stop the server, or let it do this itself).\n"
      "Example (crontab):\n"
      "  */10 * * * * strata --root /data/strata maintain");
  m->callback([ctx] {
    Run(ctx, [&]() -> Status {
      ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata maintain"));
      artifacts::ModelStoreOptions mo;
      auto models = artifacts::ModelStore::Open(ctx->root, mo);
      server::MaintenanceReport r = server::RunMaintenancePass(db.get(), models.ok() ? models->get() : nullptr);
      for (const std::string& line : r.lines) std::printf("%s\n", line.c_str());
      if (r.lines.empty()) std::printf("nothing was due\n");
      RETURN_IF_ERROR(r.status);
      return db->Close();
    });
  });
}

}  // namespace strata::cli
