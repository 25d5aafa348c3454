// strata serve end to end: the process (startup banner, SIGTERM, the lock), every HTTP endpoint's
// answers and errors, auth by role, /ready, /metrics through promtool, streaming and clients
// that go away mid-stream.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "pgwire_client.h"
#include "testutil/cli_runner.h"
#include "testutil/node_runner.h"
#include "testutil/server_process.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
using testing::Curl;
using testing::HttpResult;
using testing::RunStrata;
using testing::ServerProcess;

size_t CountLines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

size_t Occurrences(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

// Waits (bounded) until the server's log holds `text` at least `times` times.
bool WaitForLog(const ServerProcess& server, const std::string& text, size_t times = 1) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Occurrences(server.Stderr(), text) < times) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Two P-256 key pairs for ILP over TCP (made by Node's crypto.generateKeyPairSync), JWK x, y, d.
constexpr const char* kKeyX1 = "4-5XqQMZeC6_d0DLct1pv0mXzkYLl6wY6yi1-JOqerM";
constexpr const char* kKeyY1 = "O07J5r4BIWyPPRKvVtDtKCLgYuN9Ui7ZZxiMGOW0CMI";
constexpr const char* kKeyD1 = "IYthElNxhISQdwEvOiD-36jA2mEkqKosH4b6YzgMT0o";
constexpr const char* kKeyX2 = "G1-v-bJDAQdyiVQaviSdlLI7F0s17MeOXbKZ3mLcY40";
constexpr const char* kKeyY2 = "t_L6hh4FsoGWKTpBTU8YpJKKSipwgHJk8gUuo0APAcU";

// An ILP/TCP client in Node (net + crypto only): QuestDB's key handshake as key id `feed`, two
// lines, then, once the file argv[6] exists, a third line; prints "closed" when the server closes
// the connection ("timeout" if it does not within 20 s).
constexpr const char* kIlpTcpClient = R"(
const net = require('net'), crypto = require('crypto'), fs = require('fs');
const [port, x, y, d, go] = process.argv.slice(2);
const key = crypto.createPrivateKey({key: {kty: 'EC', crv: 'P-256', x, y, d}, format: 'jwk'});
const s = net.connect(+port, '127.0.0.1');
let buf = '', authed = false;
s.on('data', (b) => {
  if (authed) return;
  buf += b;
  const nl = buf.indexOf('\n');
  if (nl < 0) return;
  authed = true;
  s.write(crypto.sign('sha256', Buffer.from(buf.slice(0, nl)), key).toString('base64') + '\n');
  s.write('rv,symbol=A v=1i 1772461800000000000\nrv,symbol=A v=2i 1772461800000000001\n');
  const t = setInterval(() => {
    if (!fs.existsSync(go)) return;
    clearInterval(t);
    s.write('rv,symbol=A v=3i 1772461800000000002\n');
    setTimeout(() => { console.log('timeout'); process.exit(0); }, 20000);
  }, 20);
});
s.on('error', () => {});
s.on('close', () => { console.log('closed'); process.exit(0); });
s.write('feed\n');
)";

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.Join("db");
    ASSERT_EQ(Run("init").exit_code, 0);
    ASSERT_EQ(Run("table create trades --template trades").exit_code, 0);
    rows_ = testing::Sanitized() ? 4000 : 20000;
    ASSERT_EQ(Run("gen trades --symbols 3 --rows " + std::to_string(rows_) + " --seed 4 --date 2026-03-02 --out " +
                  tmp_.Join("t.csv"))
                  .exit_code,
              0);
    ASSERT_EQ(Run("ingest -q trades " + tmp_.Join("t.csv")).exit_code, 0);
    ASSERT_EQ(Run("flush").exit_code, 0);
    CliRun s = Run("query trades --columns symbol --limit 1 --format csv");
    ASSERT_EQ(s.exit_code, 0) << s.err;
    symbol_ = s.out.substr(s.out.find('\n') + 1);
    symbol_.pop_back();
  }
  CliRun Run(const std::string& args) { return RunStrata(scratch_, "--root " + root_ + " " + args); }

  void StartServer(const std::string& args = "") {
    std::string error;
    ASSERT_TRUE(
        server_.Start(root_, "--http 127.0.0.1:0 --ready-min-free-mb 0 " + args, tmp_.Join("serve.err"), &error))
        << error;
  }
  HttpResult Get(const std::string& path, const std::string& args = "") {
    return Curl(scratch_, args, server_.url() + path);
  }

  testing::TempDir tmp_, scratch_;
  std::string root_, symbol_;
  int rows_ = 0;
  ServerProcess server_;
};

TEST_F(ServeTest, ReadEndpointsAnswerAsTheCliDoes) {
  StartServer();
  EXPECT_EQ(server_.url().rfind("http://127.0.0.1:", 0), 0u) << server_.url();

  HttpResult r = Get("/health");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  r = Get("/ready");
  EXPECT_EQ(r.code, 200) << r.body;
  EXPECT_TRUE(nlohmann::json::parse(r.body)["ready"].get<bool>());

  r = Get("/v1/tables");
  ASSERT_EQ(r.code, 200);
  auto tables = nlohmann::json::parse(r.body)["tables"];
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0]["name"], "trades");
  EXPECT_EQ(tables[0]["columns"].size(), 6u);
  r = Get("/v1/tables/trades");
  ASSERT_EQ(r.code, 200);
  uint64_t warm_rows = 0;
  const auto table = nlohmann::json::parse(r.body);
  for (const auto& t : table["stats"]["tiers"]) {
    if (t["tier"] == "warm") warm_rows = t["rows"].get<uint64_t>();
  }
  EXPECT_EQ(warm_rows, static_cast<uint64_t>(rows_));
  r = Get("/v1/stats");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body)["tables"][0]["table"], "trades");

  // A read-only CLI works beside the server (which holds the writer lock), and /v1/query answers
  // exactly what `strata query` prints.
  const std::string q = "--symbol " + symbol_ + " --from 2026-03-02T14:00 --to 2026-03-02T16:00";
  CliRun cli = Run("query trades " + q + " --format csv");
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  ASSERT_GT(CountLines(cli.out), 10u);
  r = Get("/v1/query?table=trades&symbol=" + symbol_ + "&from=2026-03-02T14:00&to=2026-03-02T16:00&format=csv");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body, cli.out);
  EXPECT_NE(r.headers.find("chunked"), std::string::npos) << r.headers;
  cli = Run("query trades " + q + " --bars 5m --format json");
  r = Get("/v1/query?table=trades&symbol=" + symbol_ + "&from=2026-03-02T14:00&to=2026-03-02T16:00&bars=5m");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body, cli.out);
  cli = Run("query trades --where \"size >= 500\" --columns ts,symbol,size --limit 7 --format csv");
  r = Get("/v1/query?table=trades&where=size%20%3E%3D%20500&columns=ts,symbol,size&limit=7&format=csv");
  EXPECT_EQ(r.body, cli.out);
  EXPECT_EQ(CountLines(r.body), 8u);
  r = Get("/v1/query?table=trades&symbol=" + symbol_ + "&limit=5&format=parquet");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.body.substr(0, 4), "PAR1");

  cli = Run("latest trades --format json");
  r = Get("/v1/latest?table=trades");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.body, cli.out);
  EXPECT_EQ(CountLines(r.body), 3u);
  r = Get("/v1/latest?table=trades&symbol=" + symbol_ + "&format=csv");
  EXPECT_EQ(CountLines(r.body), 2u);

  // QuestDB's /exec and /exp, through SQL.
  r = Get("/exec?query=SELECT%20count(*)%20AS%20n%20FROM%20trades");
  ASSERT_EQ(r.code, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["query"], "SELECT count(*) AS n FROM trades");
  EXPECT_EQ(j["columns"][0]["name"], "n");
  EXPECT_EQ(j["columns"][0]["type"], "LONG");
  EXPECT_EQ(j["dataset"][0][0].get<int64_t>(), rows_);
  EXPECT_EQ(j["count"], 1);
  EXPECT_TRUE(j["timings"].contains("execute"));
  r = Get("/exec?query=SELECT%20ts,price%20FROM%20trades&limit=3,5");
  j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["count"], 2);
  EXPECT_EQ(j["columns"][0]["type"], "TIMESTAMP");
  const std::string sql = "SELECT ts, symbol, price FROM trades WHERE symbol = '" + symbol_ + "' ORDER BY ts LIMIT 100";
  cli = RunStrata(scratch_, "--root " + root_ + " sql \"" + sql + "\" --format csv");
  r = Curl(scratch_, "-G --data-urlencode \"query=" + sql + "\"", server_.url() + "/exp");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.body, cli.out);
  r = Curl(scratch_, "-G --data-urlencode \"query=" + sql + "\" --data fmt=parquet", server_.url() + "/exp");
  EXPECT_EQ(r.body.substr(0, 4), "PAR1");
}

TEST_F(ServeTest, ErrorsAreJsonWithTheRightStatus) {
  StartServer("--max-body-mb 1");
  auto expect_error = [&](const HttpResult& r, int code, const std::string& text) {
    EXPECT_EQ(r.code, code) << r.body;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.body;
    EXPECT_NE(j["message"].get<std::string>().find(text), std::string::npos) << r.body;
    EXPECT_TRUE(j.contains("code")) << r.body;
  };
  expect_error(Get("/nope"), 404, "no endpoint /nope");
  expect_error(Get("/v1/tables", "-X DELETE"), 405, "DELETE is not allowed on /v1/tables");
  expect_error(Get("/v1/tables/nope"), 404, "nope");
  expect_error(Get("/v1/query?table=nope"), 404, "nope");
  expect_error(Get("/v1/query?table=trades&colums=ts"), 400, "unknown parameter 'colums'");
  expect_error(Get("/v1/query?table=trades&from=yesterday"), 400, "from:");
  expect_error(Get("/v1/query?table=trades&from=2026-03-03&to=2026-03-02"), 400, "backwards");
  expect_error(Get("/v1/query?table=trades&columns=nope"), 400, "nope");
  expect_error(Get("/v1/query?table=trades&format=xml"), 400, "format");
  expect_error(Get("/v1/query"), 400, "table: missing");
  expect_error(Get("/v1/latest?table=trades&symbol=NOPE"), 404, "NOPE");
  expect_error(Get("/exec?query=SELEC%201"), 400, "");
  expect_error(Get("/v1/models/nope@1"), 404, "nope");
  // A body over --max-body-mb: 413 before it is read.
  const std::string big = tmp_.Join("big");
  testing::WriteTextFile(big, std::string(2 << 20, 'x'));
  expect_error(Get("/v1/flush", "-X POST --data-binary @" + big), 413, "over the limit");
  // The server is still fine.
  EXPECT_EQ(Get("/health").code, 200);
}

TEST_F(ServeTest, ModelPutGetAndRanges) {
  StartServer();
  std::string bytes;
  for (uint32_t i = 0; i < 300000; ++i) bytes.push_back(static_cast<char>((i * 7919u) >> 3));
  const std::string file = tmp_.Join("model.bin");
  testing::WriteTextFile(file, bytes);
  HttpResult r = Get("/v1/models/alpha", "-X PUT --data-binary @" + file);
  ASSERT_EQ(r.code, 201) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["version"], 1);
  r = Get("/v1/models/alpha", "-X PUT --data-binary @" + file);
  EXPECT_EQ(nlohmann::json::parse(r.body)["version"], 2);
  r = Get("/v1/models/alpha@1");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.body, bytes);
  r = Get("/v1/models/alpha", "-H 'Range: bytes=1000-1999'");
  ASSERT_EQ(r.code, 206);
  EXPECT_EQ(r.body, bytes.substr(1000, 1000));
  EXPECT_NE(r.headers.find("bytes 1000-1999/300000"), std::string::npos) << r.headers;
  r = Get("/v1/models/alpha@2", "-H 'Range: bytes=-10'");
  EXPECT_EQ(r.body, bytes.substr(bytes.size() - 10));
  EXPECT_EQ(Get("/v1/models/alpha", "-H 'Range: bytes=300000-'").code, 416);
  EXPECT_EQ(Get("/v1/models/a@b", "-X PUT --data-binary @" + file).code, 400);
}

TEST_F(ServeTest, RolesAreEnforcedOnEveryEndpointAndTokensNeverLogged) {
  const std::string auth = tmp_.Join("auth");
  testing::WriteTextFile(auth,
                         "# test credentials\nreader read tok-read-111\nwriter write tok-write-222\n"
                         "boss admin tok-admin-333\n");
  ::chmod(auth.c_str(), 0600);
  StartServer("--auth-file " + auth);
  const std::string file = tmp_.Join("m.bin");
  testing::WriteTextFile(file, std::string(1000, 'm'));
  struct Endpoint {
    std::string args, path;
    int need;  // 0 none, 1 read, 2 write, 3 admin
    int ok_code;
  } endpoints[] = {
      {"", "/health", 0, 200},
      {"", "/ready", 0, 200},
      {"", "/metrics", 1, 200},
      {"", "/v1/tables", 1, 200},
      {"", "/v1/tables/trades", 1, 200},
      {"", "/v1/stats", 1, 200},
      {"", "/v1/latest?table=trades", 1, 200},
      {"", "/v1/query?table=trades&limit=3", 1, 200},
      {"", "/exec?query=SELECT%201", 1, 200},
      {"", "/exp?query=SELECT%201", 1, 200},
      {"-X PUT --data-binary @" + file, "/v1/models/m", 2, 201},
      {"", "/v1/models/m", 1, 200},
      {"-X POST", "/v1/flush", 3, 200},
      {"-X POST", "/v1/migrate", 3, 200},
      {"-X POST", "/v1/retention", 3, 200},
      {"-X POST", "/v1/maintain", 3, 200},
      {"-X POST --data-binary 'rt,symbol=A v=1i 1772461800000000000'", "/write", 2, 204},
      {"-X POST --data-binary 'rt,symbol=A v=2i 1772461800000000001'", "/api/v2/write", 2, 204},
      {"", "/settings", 1, 200},
      // Past admission a plain GET (no WebSocket, no event stream) is the handler's 400.
      {"", "/v1/subscribe?table=trades&symbol=*", 1, 400},
  };
  const std::pair<std::string, int> who[] = {{"-H 'Authorization: Bearer tok-read-111'", 1},
                                             {"-H 'Authorization: Bearer tok-write-222'", 2},
                                             {"-u boss:tok-admin-333", 3}};
  for (const Endpoint& e : endpoints) {
    // Write first so that the model exists for the read that follows.
    for (int i = 2; i >= 0; --i) {
      HttpResult r = Get(e.path, e.args + " " + who[i].first);
      const int expect = who[i].second >= e.need ? e.ok_code : 403;
      EXPECT_EQ(r.code, expect) << e.path << " as role " << who[i].second << ": " << r.body;
    }
    HttpResult anon = Get(e.path, e.args);
    EXPECT_EQ(anon.code, e.need == 0 ? e.ok_code : 401) << e.path;
    HttpResult wrong = Get(e.path, e.args + " -H 'Authorization: Bearer tok-wrong-999'");
    EXPECT_EQ(wrong.code, e.need == 0 ? e.ok_code : 401) << e.path;
    HttpResult wrong_basic = Get(e.path, e.args + " -u boss:tok-read-111");
    EXPECT_EQ(wrong_basic.code, e.need == 0 ? e.ok_code : 401) << e.path;
  }
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
  const std::string log = server_.Stderr();
  EXPECT_NE(log.find("401"), std::string::npos) << log;  // refusals are logged...
  for (const char* secret : {"tok-read-111", "tok-write-222", "tok-admin-333", "tok-wrong-999"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log:\n" << log;  // ...tokens never
  }
}

// SIGHUP re-reads --auth-file: a new token works, a removed one is refused on its next HTTP
// request, its open subscription is closed with the reason, its PostgreSQL session ends at its
// next statement and an ILP/TCP connection of a removed key is closed before its next lines are
// stored; a malformed file is refused (logged with file and line) and the old tokens stay; no
// token is ever logged.
TEST_F(ServeTest, AuthFileReloadsOnSighup) {
  const std::string auth = tmp_.Join("auth");
  const auto write_auth = [&](const std::string& text) {
    testing::WriteTextFile(auth + ".new", text);
    ::chmod((auth + ".new").c_str(), 0600);
    ASSERT_EQ(std::rename((auth + ".new").c_str(), auth.c_str()), 0);
  };
  const std::string keys = std::string("feed write ec-p-256-sha256 ") + kKeyX1 + " " + kKeyY1 +
                           "\nfeed2 write ec-p-256-sha256 " + kKeyX2 + " " + kKeyY2 + "\n";
  write_auth("reader read tok-read-111\nboss admin tok-admin-333\n" + keys);
  StartServer("--auth-file " + auth + " --ilp 127.0.0.1:0 --pg 127.0.0.1:0");
  const int ilp_port = server_.ListenerPort("ilp://");
  const int pg_port = server_.ListenerPort("postgresql://");
  ASSERT_GT(ilp_port, 0);
  ASSERT_GT(pg_port, 0);
  const std::string reader = "-H 'Authorization: Bearer tok-read-111'", boss = "-u boss:tok-admin-333",
                    newbie = "-H 'Authorization: Bearer tok-new-444'";
  EXPECT_EQ(Get("/v1/tables", reader).code, 200);
  EXPECT_EQ(Get("/v1/tables", newbie).code, 401);
  const auto count_rv = [&]() -> int64_t {
    HttpResult r = Get("/exec?query=SELECT%20count(*)%20AS%20n%20FROM%20rv", boss);
    if (r.code != 200) return -1;
    return nlohmann::json::parse(r.body)["dataset"][0][0].get<int64_t>();
  };

  // Sessions of reader (SSE subscription, PostgreSQL) and of boss (PostgreSQL), opened before.
  const std::string sse = tmp_.Join("sse.txt");
  std::thread subscriber([&] {
    const std::string cmd = "curl -s -N --max-time 120 -H 'Accept: text/event-stream' " + reader + " '" +
                            server_.url() + "/v1/subscribe?table=trades&symbol=*' > '" + sse + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Get("/metrics", boss).body.find("\nstrata_subscribers 1\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
  }
  pgwire::testing::RawClient pg_reader, pg_boss;
  ASSERT_OK(pg_reader.Connect(static_cast<uint16_t>(pg_port)));
  ASSERT_OK(pg_reader.Login("reader", "tok-read-111"));
  ASSERT_OK(pg_boss.Connect(static_cast<uint16_t>(pg_port)));
  ASSERT_OK(pg_boss.Login("boss", "tok-admin-333"));
  ASSERT_OK(pg_reader.Query("SELECT 1"));
  ASSERT_OK(pg_reader.ReadUntil().status());
  // An ILP/TCP connection with key feed: its first two lines are stored before the reload.
  const std::string client = tmp_.Join("ilp_client.js"), go = tmp_.Join("go");
  testing::WriteTextFile(client, kIlpTcpClient);
  Result<std::string> node_out = std::string();
  std::thread feeder([&] {
    node_out = testing::RunNode(
        tmp_.path(), client + " " + std::to_string(ilp_port) + " " + kKeyX1 + " " + kKeyY1 + " " + kKeyD1 + " " + go);
  });
  int64_t n = -1;
  for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       (n = count_rv()) != 2 && std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(n, 2) << server_.Stderr();

  // Reload: reader and key feed removed, newbie added, boss and feed2 kept.
  write_auth("boss admin tok-admin-333\nnewbie read tok-new-444\nfeed2 write ec-p-256-sha256 " + std::string(kKeyX2) +
             " " + kKeyY2 + "\n");
  server_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(server_, "auth: reloaded")) << server_.Stderr();
  EXPECT_EQ(Get("/v1/tables", newbie).code, 200);
  EXPECT_EQ(Get("/v1/tables", reader).code, 401);
  EXPECT_EQ(Get("/v1/tables", boss).code, 200);
  subscriber.join();  // the server closed the subscription
  const std::string events = testing::ReadTextFile(sse);
  EXPECT_NE(events.find("event: close"), std::string::npos) << events;
  EXPECT_NE(events.find("revoked"), std::string::npos) << events;
  ASSERT_OK(pg_reader.Query("SELECT 1"));
  auto fatal = pg_reader.Read();
  ASSERT_OK(fatal.status());
  EXPECT_EQ(fatal->type, 'E');
  EXPECT_EQ(fatal->Field('C'), "28000") << fatal->Field('M');
  EXPECT_NE(fatal->Field('M').find("revoked"), std::string::npos) << fatal->Field('M');
  ASSERT_OK(pg_boss.Query("SELECT 1"));  // boss's session goes on
  auto rows = pg_boss.ReadUntil();
  ASSERT_OK(rows.status());
  EXPECT_EQ(rows->front().type, 'T');
  testing::WriteTextFile(go, "");  // the feeder sends its third line: refused, connection closed
  feeder.join();
  ASSERT_OK(node_out.status());
  EXPECT_EQ(*node_out, "closed\n");
  EXPECT_TRUE(WaitForLog(server_, "key feed was revoked")) << server_.Stderr();
  EXPECT_EQ(count_rv(), 2);

  // A malformed file is refused, naming the file and line; the credentials in force stay.
  write_auth("boss admin tok-admin-333\nmallory read tok-mallory-777 oops\n");
  server_.Signal(SIGHUP);
  ASSERT_TRUE(WaitForLog(server_, "auth: reload refused")) << server_.Stderr();
  EXPECT_NE(server_.Stderr().find(auth + " line 2: expected NAME ROLE SECRET"), std::string::npos) << server_.Stderr();
  EXPECT_EQ(Get("/v1/tables", "-H 'Authorization: Bearer tok-mallory-777'").code, 401);
  EXPECT_EQ(Get("/v1/tables", newbie).code, 200);
  EXPECT_EQ(Get("/v1/tables", reader).code, 401);

  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
  const std::string log = server_.Stderr();
  EXPECT_NE(log.find("revoked: reader (1 subscription(s) closed)"), std::string::npos) << log;
  EXPECT_NE(log.find("ILP/TCP keys revoked: feed"), std::string::npos) << log;
  for (const char* secret : {"tok-read-111", "tok-admin-333", "tok-new-444", "tok-mallory-777"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log:\n" << log;
  }
}

// Table DDL over HTTP (POST /v1/tables, POST /v1/tables/NAME/columns, PUT /v1/tables/NAME/policy)
// and SQL that writes through /exec and PostgreSQL: each role refused or allowed as documented,
// and clear 4xx answers to bad requests.
TEST_F(ServeTest, TableDdlAndSqlWritesByRole) {
  const std::string auth = tmp_.Join("auth");
  testing::WriteTextFile(auth, "reader read tok-read-111\nwriter write tok-write-222\nboss admin tok-admin-333\n");
  ::chmod(auth.c_str(), 0600);
  StartServer("--auth-file " + auth + " --pg 127.0.0.1:0");
  const int pg_port = server_.ListenerPort("postgresql://");
  ASSERT_GT(pg_port, 0);
  const std::string who[] = {"-H 'Authorization: Bearer tok-read-111'", "-H 'Authorization: Bearer tok-write-222'",
                             "-u boss:tok-admin-333"};
  const std::string body = tmp_.Join("body.json");
  const auto call = [&](const std::string& method, const std::string& path, const std::string& json,
                        const std::string& as) {
    testing::WriteTextFile(body, json);
    return Get(path, "-X " + method + " -H 'Content-Type: application/json' --data-binary @" + body + " " + as);
  };
  struct Case {
    std::string method, path, json;
    int need;  // 2 write, 3 admin
    int ok_code;
  } cases[] = {
      {"POST", "/v1/tables",
       R"({"name":"fills","schema":"ts:timestamp,symbol:symbol,px:f64,qty:i64",)"
       R"("dedup_key":"qty","policy":{"cold_days":3650}})",
       3, 201},
      {"POST", "/v1/tables", R"({"name":"quotes","template":"quotes"})", 3, 201},
      {"POST", "/v1/tables/fills/columns", R"({"name":"venue","type":"string"})", 3, 201},
      {"PUT", "/v1/tables/fills/policy", R"({"warm_days":7})", 3, 200},
  };
  for (const Case& c : cases) {
    for (int role = 0; role < 3; ++role) {  // read, write, then admin: only the last one changes anything
      HttpResult r = call(c.method, c.path, c.json, who[role]);
      EXPECT_EQ(r.code, role + 1 >= c.need ? c.ok_code : 403)
          << c.method << " " << c.path << " as " << who[role] << ": " << r.body;
    }
    EXPECT_EQ(call(c.method, c.path, c.json, "").code, 401) << c.path;
  }
  const auto sql = [&](const std::string& q, const std::string& as) {
    return Curl(scratch_, "-G --data-urlencode \"query=" + q + "\" " + as, server_.url() + "/exec");
  };
  // qty is the dedup key: each INSERT a row of its own.
  const auto insert = [](int qty) {
    return "INSERT INTO fills (ts, symbol, px, qty, venue) VALUES (TIMESTAMP '2026-03-02 10:00:00', 'AAPL', 187.5, " +
           std::to_string(qty) + ", 'XNAS')";
  };
  const int insert_codes[] = {403, 200, 200}, alter_codes[] = {403, 403, 200};
  for (int role = 0; role < 3; ++role) {
    HttpResult r = sql(insert(100 + role), who[role]);
    EXPECT_EQ(r.code, insert_codes[role]) << who[role] << ": " << r.body;
    r = sql("ALTER TABLE fills ADD COLUMN note" + std::to_string(role) + " VARCHAR", who[role]);
    EXPECT_EQ(r.code, alter_codes[role]) << who[role] << ": " << r.body;
    if (r.code == 403) {
      EXPECT_NE(r.body.find("ALTER TABLE needs admin"), std::string::npos) << r.body;
    }
  }
  HttpResult r = Get("/v1/tables/fills", who[0]);
  ASSERT_EQ(r.code, 200) << r.body;
  auto def = nlohmann::json::parse(r.body);
  std::vector<std::string> columns;
  for (const auto& c : def["columns"]) columns.push_back(c["name"]);
  EXPECT_EQ(columns, (std::vector<std::string>{"ts", "symbol", "px", "qty", "venue", "note2"}));
  EXPECT_EQ(def["dedup_key"], "qty");
  EXPECT_EQ(def["policy"]["warm_days"], 7);
  EXPECT_EQ(def["policy"]["cold_days"], 3650);
  r = sql("SELECT count(*) FROM fills", who[0]);
  EXPECT_EQ(nlohmann::json::parse(r.body)["dataset"][0][0], 2) << r.body;
  EXPECT_EQ(Get("/v1/tables/quotes", who[0]).code, 200);

  // Bad requests, as admin.
  struct Bad {
    std::string method, path, json;
    int code;
    std::string text;
  } bad[] = {
      {"POST", "/v1/tables", "not json", 400, "must be a JSON object"},
      {"POST", "/v1/tables", R"({"name":"x","schema":"ts:timestamp,symbol:symbol","colour":1})", 400,
       "unknown field 'colour'"},
      {"POST", "/v1/tables", R"({"name":"x"})", 400, "give one of template"},
      {"POST", "/v1/tables", R"({"name":"x","template":"trades","schema":"ts:timestamp"})", 400, "give one of"},
      {"POST", "/v1/tables", R"({"template":"trades"})", 400, "name: missing"},
      {"POST", "/v1/tables", R"({"name":"x","template":"nope"})", 400, "template: "},
      {"POST", "/v1/tables", R"({"name":"x","schema":"ts:timestamp,symbol:symbol,px:money"})", 400, "money"},
      {"POST", "/v1/tables", R"({"name":"x","template":"trades","policy":{"warm_days":"soon"}})", 400,
       "warm_days must be an integer"},
      {"POST", "/v1/tables", R"({"name":"fills","template":"trades"})", 409, "fills"},
      {"POST", "/v1/tables/nope/columns", R"({"name":"c","type":"i64"})", 404, "nope"},
      {"POST", "/v1/tables/fills/columns", R"({"name":"c","type":"money"})", 400, "money"},
      {"POST", "/v1/tables/fills/columns", R"({"name":"c"})", 400, "name and type"},
      {"POST", "/v1/tables/fills/columns", R"({"name":"venue","type":"string"})", 409, "venue"},
      {"POST", "/v1/tables/fills/other", R"({})", 404, "/v1/tables/NAME/columns"},
      {"PUT", "/v1/tables/fills/policy", R"({"warm_weeks":1})", 400, "unknown key 'warm_weeks'"},
      {"PUT", "/v1/tables/fills/policy", R"({})", 400, "at least one"},
      {"PUT", "/v1/tables/nope/policy", R"({"warm_days":1})", 404, "nope"},
      {"DELETE", "/v1/tables/fills", "", 405, "allowed: GET, POST, PUT"},
  };
  for (const Bad& b : bad) {
    r = call(b.method, b.path, b.json, who[2]);
    EXPECT_EQ(r.code, b.code) << b.method << " " << b.path << " " << b.json << ": " << r.body;
    EXPECT_NE(r.body.find(b.text), std::string::npos) << b.method << " " << b.path << " " << b.json << ": " << r.body;
  }

  // The same rule over PostgreSQL wire: INSERT needs write, ALTER TABLE admin (SQLSTATE 42501).
  const std::pair<std::string, std::string> users[] = {
      {"reader", "tok-read-111"}, {"writer", "tok-write-222"}, {"boss", "tok-admin-333"}};
  const char* pg_insert[] = {"42501", "", ""};
  const char* pg_alter[] = {"42501", "42501", ""};
  for (int role = 0; role < 3; ++role) {
    pgwire::testing::RawClient pg;
    ASSERT_OK(pg.Connect(static_cast<uint16_t>(pg_port)));
    ASSERT_OK(pg.Login(users[role].first, users[role].second));
    for (const auto& [q, code] :
         {std::pair<std::string, const char*>{insert(200 + role), pg_insert[role]},
          {"ALTER TABLE fills ADD COLUMN pg" + std::to_string(role) + " BIGINT", pg_alter[role]}}) {
      ASSERT_OK(pg.Query(q));
      auto msgs = pg.ReadUntil();
      ASSERT_OK(msgs.status());
      std::string got;
      for (const auto& m : *msgs) {
        if (m.type == 'E') got = m.Field('C');
      }
      EXPECT_EQ(got, code) << users[role].first << ": " << q;
    }
  }
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
}

// --ilp-series-key picks the series-key tag of tables the line protocol creates (per table, or
// for all); --ilp-no-new-tables refuses a line naming a table that does not exist;
// --ilp-max-line-kb limits a line.
TEST_F(ServeTest, LineProtocolTableCreationFlags) {
  StartServer("--ilp-series-key fx=pair --ilp-series-key venue");
  const std::string body = tmp_.Join("lines.ilp");
  testing::WriteTextFile(body,
                         "fx,venue=EBS,pair=EURUSD bid=1.0841 1772461800000000000\n"
                         "ticks,region=eu,venue=XNAS price=187.5 1772461800000000001\n"
                         "misc,region=eu price=1.5 1772461800000000002\n");
  HttpResult r = Get("/write", "-X POST --data-binary @" + body);
  ASSERT_EQ(r.code, 204) << r.body;
  const auto symbol_column = [&](const std::string& table) {
    HttpResult t = Get("/v1/tables/" + table);
    const auto def = nlohmann::json::parse(t.body);
    for (const auto& c : def["columns"]) {
      if (c["type"] == "symbol") return c["name"].get<std::string>();
    }
    return std::string("none: ") + t.body;
  };
  EXPECT_EQ(symbol_column("fx"), "pair");
  EXPECT_EQ(symbol_column("ticks"), "venue");
  EXPECT_EQ(symbol_column("misc"), "region");  // no such tag: the line's first
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);

  ServerProcess bad;
  std::string error;
  ASSERT_FALSE(bad.Start(root_, "--http 127.0.0.1:0 --ilp-series-key =x", tmp_.Join("e"), &error));
  EXPECT_NE(error.find("--ilp-series-key: expected TAG or TABLE=TAG"), std::string::npos) << error;

  ServerProcess strict;
  ASSERT_TRUE(strict.Start(root_, "--http 127.0.0.1:0 --ready-min-free-mb 0 --ilp-no-new-tables --ilp-max-line-kb 1",
                           tmp_.Join("e2"), &error))
      << error;
  // --ilp-max-line-kb: a line over 1 KiB fails its request, naming the line and the limit.
  testing::WriteTextFile(body, "fx,pair=USDJPY bid=149.12 1772461801000000000\nfx,pair=X note=\"" +
                                   std::string(1100, 'n') + "\" 1772461801000000001\n");
  r = Curl(scratch_, "-X POST --data-binary @" + body, strict.url() + "/write");
  EXPECT_EQ(r.code, 400) << r.body;
  EXPECT_NE(r.body.find("longer than the limit of 1024 bytes"), std::string::npos) << r.body;
  testing::WriteTextFile(body,
                         "fx,pair=USDJPY bid=149.12 1772461801000000000\n"
                         "fresh,symbol=A v=1 1772461801000000000\n");
  r = Curl(scratch_, "-X POST --data-binary @" + body, strict.url() + "/write");
  EXPECT_EQ(r.code, 400) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["line"], 2) << r.body;
  EXPECT_NE(r.body.find("fresh"), std::string::npos) << r.body;
  testing::WriteTextFile(body, "fx,pair=USDJPY bid=149.12 1772461801000000000\n");
  r = Curl(scratch_, "-X POST --data-binary @" + body, strict.url() + "/write");
  EXPECT_EQ(r.code, 204) << r.body;
  EXPECT_EQ(Curl(scratch_, "", strict.url() + "/v1/tables/fresh").code, 404);
  EXPECT_EQ(strict.StopWith(SIGTERM), 0);
}

TEST_F(ServeTest, ServesHttpsWithTheGivenCertificate) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  const std::string cert = tmp_.Join("cert.pem"), key = tmp_.Join("key.pem");
  const std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                          " -days 1 -subj /CN=localhost >/dev/null 2>&1";
  ASSERT_EQ(std::system(gen.c_str()), 0);
  StartServer("--tls-cert " + cert + " --tls-key " + key);
  ASSERT_EQ(server_.url().rfind("https://127.0.0.1:", 0), 0u) << server_.url();
  // The certificate names localhost: ask for that name.
  HttpResult r =
      Curl(scratch_, "--cacert " + cert + " --resolve localhost:" + std::to_string(server_.port()) + ":127.0.0.1",
           "https://localhost:" + std::to_string(server_.port()) + "/v1/query?table=trades&limit=2&format=csv");
  EXPECT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(CountLines(r.body), 3u);
  // Plain HTTP to the TLS port gets no answer; the server carries on.
  EXPECT_NE(Curl(scratch_, "-m 5", "http://127.0.0.1:" + std::to_string(server_.port()) + "/health").code, 200);
  EXPECT_EQ(Curl(scratch_, "-k", server_.url() + "/health").code, 200);
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
}

TEST_F(ServeTest, MaintainRunsWhatThePoliciesSayOnce) {
  // The generated day is long past: a 30-day warm policy sends it to the cold tier.
  ASSERT_EQ(Run("table set-policy trades --warm-days 30").exit_code, 0);
  CliRun m = Run("maintain");
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_NE(m.out.find("migrate: 3 file(s) in"), std::string::npos) << m.out;
  m = Run("maintain");
  EXPECT_EQ(m.out, "nothing was due\n");
  CliRun cold = Run("query trades --tiers cold --columns ts --format csv");
  EXPECT_EQ(CountLines(cold.out), static_cast<size_t>(rows_) + 1);
}

TEST_F(ServeTest, TheSchedulerMigratesOnItsOwn) {
  ASSERT_EQ(Run("table set-policy trades --warm-days 30").exit_code, 0);
  StartServer("--maintain-every 1");
  // Readiness-style wait on a condition (bounded): the cold tier holds every row.
  uint64_t cold = 0;
  for (int i = 0; i < 300 && cold != static_cast<uint64_t>(rows_); ++i) {
    HttpResult r = Get("/v1/tables/trades");
    const auto j = nlohmann::json::parse(r.body);
    for (const auto& t : j["stats"]["tiers"]) {
      if (t["tier"] == "cold") cold = t["rows"].get<uint64_t>();
    }
    if (cold != static_cast<uint64_t>(rows_)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(cold, static_cast<uint64_t>(rows_));
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
  EXPECT_NE(server_.Stderr().find("scheduler: migrate:"), std::string::npos) << server_.Stderr();
}

TEST_F(ServeTest, NonLoopbackWithoutAuthIsRefused) {
  ServerProcess s;
  std::string error;
  ASSERT_FALSE(s.Start(root_, "--http 0.0.0.0:0", tmp_.Join("e"), &error));
  EXPECT_EQ(s.exit_code(), 1);
  EXPECT_NE(error.find("--insecure-no-auth"), std::string::npos) << error;
  ServerProcess t;
  ASSERT_FALSE(t.Start(root_, "--http 127.0.0.1:0 --auth-file " + tmp_.Join("missing"), tmp_.Join("e2"), &error));
  EXPECT_NE(error.find("--auth-file"), std::string::npos) << error;
}

// --max-subscribers and --subscriber-buffer-mb reach the server: with one allowed, a second
// subscriber gets 503 while the first (curl -N, server-sent events) streams, and SIGTERM ends the
// first with the shutdown event.
TEST_F(ServeTest, SubscriptionLimitsFromTheCommandLine) {
  ServerProcess bad;
  std::string error;
  ASSERT_FALSE(bad.Start(root_, "--http 127.0.0.1:0 --subscriber-buffer-mb 0", tmp_.Join("e0"), &error));
  EXPECT_NE(error.find("--subscriber-buffer-mb"), std::string::npos) << error;
  StartServer("--max-subscribers 1 --subscriber-buffer-mb 1");
  const std::string out = tmp_.Join("sse.txt");
  const std::string url = server_.url() + "/v1/subscribe?table=trades&symbol=*";
  std::thread first([&] {
    const std::string cmd = "curl -s -N --max-time 120 -H 'Accept: text/event-stream' '" + url + "' > '" + out + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Get("/metrics").body.find("\nstrata_subscribers 1\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
  }
  HttpResult second = Get("/v1/subscribe?table=trades&symbol=*", "-H 'Accept: text/event-stream'");
  EXPECT_EQ(second.code, 503);
  EXPECT_NE(second.body.find("too many subscribers (1)"), std::string::npos) << second.body;
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
  first.join();
  EXPECT_NE(testing::ReadTextFile(out).find("event: close"), std::string::npos) << testing::ReadTextFile(out);
}

TEST_F(ServeTest, ReadyTurns503WhenTheDiskIsFull) {
  // A minimum free space no disk has: the injected equivalent of a full disk.
  std::string error;
  ASSERT_TRUE(server_.Start(root_, "--http 127.0.0.1:0 --ready-min-free-mb 1000000000000", tmp_.Join("e"), &error))
      << error;
  HttpResult r = Get("/ready");
  EXPECT_EQ(r.code, 503);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_FALSE(j["ready"].get<bool>());
  ASSERT_EQ(j["reasons"].size(), 1u) << r.body;
  EXPECT_EQ(j["reasons"][0].get<std::string>().rfind("disk_free: ", 0), 0u) << r.body;
  EXPECT_EQ(Get("/health").code, 200);  // alive, just not ready
  // strata doctor prints the same checks.
  CliRun d = Run("doctor --ready-min-free-mb 1000000000000");
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.out.find("FAIL disk_free"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("ok   catalog_integrity"), std::string::npos) << d.out;
  d = Run("doctor --ready-min-free-mb 0");
  EXPECT_EQ(d.exit_code, 0) << d.out << d.err;
}

TEST_F(ServeTest, MetricsPassPromtool) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool not installed (Debian prometheus)";
  StartServer();
  ASSERT_EQ(Get("/v1/query?table=trades&limit=10").code, 200);
  ASSERT_EQ(Get("/nope").code, 404);
  HttpResult r = Get("/metrics");
  ASSERT_EQ(r.code, 200);
  EXPECT_NE(r.headers.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(r.body.find("strata_http_requests_total{endpoint=\"/v1/query\",code=\"200\"} 1"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("strata_http_requests_total{endpoint=\"unmatched\",code=\"404\"} 1"), std::string::npos);
  EXPECT_NE(r.body.find("strata_tier_rows{table=\"trades\",tier=\"warm\"} " + std::to_string(rows_)),
            std::string::npos);
  EXPECT_NE(r.body.find("strata_query_duration_seconds_bucket{kind=\"query\",le=\"+Inf\"} 1"), std::string::npos);
  EXPECT_NE(r.body.find("strata_disk_free_bytes "), std::string::npos);
  // The engine's own figures and the subscription ones (their values: src/server/subscribe_test.cc).
  for (const char* family :
       {"strata_wal_appends_total ", "strata_wal_fsync_duration_seconds_bucket{le=\"0.001\"} ",
        "strata_flush_duration_seconds_count ", "strata_compaction_duration_seconds_sum ",
        "strata_migration_duration_seconds_count ", "strata_model_cache_misses_total ", "strata_model_cache_bytes ",
        "strata_hot_memory_bytes ", "strata_subscribers ", "strata_subscribers_dropped_total ",
        "strata_subscription_delivery_seconds_count ", "strata_ilp_connections ", "strata_pg_connections "}) {
    EXPECT_NE(r.body.find(family), std::string::npos) << family;
  }
  EXPECT_EQ(r.body.find(symbol_), std::string::npos) << "no symbol labels";
  const std::string path = tmp_.Join("metrics.txt");
  testing::WriteTextFile(path, r.body);
  const std::string cmd = "promtool check metrics < " + path + " > " + tmp_.Join("promtool.out") + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << testing::ReadTextFile(tmp_.Join("promtool.out"));
}

TEST_F(ServeTest, AClientLeavingMidStreamDoesNotHurtTheServer) {
  StartServer();
  // Each client reads a little of a large result and hangs up.
  for (int i = 0; i < 4; ++i) {
    const std::string cmd = "curl -s -N '" + server_.url() +
                            "/exp?query=SELECT%20*%20FROM%20trades%20a' 2>/dev/null | head -c 2000 > /dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  }
  HttpResult r = Get("/v1/query?table=trades&columns=ts&format=csv");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(CountLines(r.body), static_cast<size_t>(rows_) + 1);
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
}

TEST_F(ServeTest, SigtermKeepsEveryAcknowledgedWriteAndReleasesTheLock) {
  StartServer();
  // Writers store model versions while the server is told to stop; every 201 must survive.
  const std::string file = tmp_.Join("w.bin");
  testing::WriteTextFile(file, std::string(20000, 'w'));
  std::atomic<int> acked{0};
  std::atomic<bool> go_on{true};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      testing::TempDir mine;
      while (go_on) {
        HttpResult r = Curl(mine, "-X PUT --data-binary @" + file, server_.url() + "/v1/models/w" + std::to_string(w));
        if (r.code == 201) {
          ++acked;
        } else {
          break;  // refused or cut: the server is stopping
        }
      }
    });
  }
  while (acked < 6) std::this_thread::yield();  // some writes acknowledged before the signal
  EXPECT_EQ(server_.StopWith(SIGTERM), 0) << server_.Stderr();
  go_on = false;
  for (auto& t : writers) t.join();
  EXPECT_NE(server_.Stderr().find("every acknowledged row is durable"), std::string::npos) << server_.Stderr();
  // The lock is free again (a writer command runs) and every acknowledged version is there.
  CliRun f = Run("flush");
  EXPECT_EQ(f.exit_code, 0) << f.err;
  CliRun l = Run("model list");
  ASSERT_EQ(l.exit_code, 0) << l.err;
  int versions = 0;
  for (int w = 0; w < 3; ++w) {
    CliRun v = Run("model list w" + std::to_string(w));
    versions += v.exit_code == 0 ? static_cast<int>(CountLines(v.out)) : 0;
  }
  EXPECT_GE(versions, acked.load()) << l.out;
}

// The write side: line protocol over HTTP (one request = one transaction across tables, a bad line
// stores nothing and names its line in QuestDB's JSON), over TCP (bash's /dev/tcp as the client),
// and psql reading it all back over the PostgreSQL wire protocol of the same process.
TEST_F(ServeTest, LineProtocolOverHttpAndTcpThenPsqlOverPgWire) {
  StartServer("--ilp 127.0.0.1:0 --pg 127.0.0.1:0");
  const int ilp_port = server_.ListenerPort("ilp://");
  const int pg_port = server_.ListenerPort("postgresql://");
  ASSERT_GT(ilp_port, 0);
  ASSERT_GT(pg_port, 0);
  const auto count = [&](const std::string& table) {
    HttpResult r = Get("/exec?query=SELECT%20count(*)%20AS%20n%20FROM%20" + table);
    if (r.code != 200) return int64_t{-1};
    return nlohmann::json::parse(r.body)["dataset"][0][0].get<int64_t>();
  };
  const std::string body = tmp_.Join("ok.ilp");
  testing::WriteTextFile(body,
                         "fx,symbol=EURUSD bid=1.0841,ask=1.0843 1772461800000000000\n"
                         "fx,symbol=USDJPY bid=149.12,ask=149.15 1772461800000000001\n"
                         "ticks,symbol=AAPL price=187.5,size=100i,venue=\"XNAS\" 1772461800000000002\n");
  HttpResult r = Get("/write", "-X POST --data-binary @" + body);
  ASSERT_EQ(r.code, 204) << r.body;
  EXPECT_EQ(count("fx"), 2);
  EXPECT_EQ(count("ticks"), 1);

  testing::WriteTextFile(body,
                         "fx,symbol=EURUSD bid=1.0844,ask=1.0846 1772461801000000000\n"
                         "ticks,symbol=AAPL price=oops 1772461801000000000\n");
  r = Get("/api/v2/write?precision=n", "-X POST --data-binary @" + body);
  ASSERT_EQ(r.code, 400) << r.body;
  const auto err = nlohmann::json::parse(r.body);
  EXPECT_EQ(err["line"], 2) << r.body;
  EXPECT_NE(err["message"].get<std::string>().find("line 2"), std::string::npos) << r.body;
  EXPECT_EQ(count("fx"), 2) << "a refused request stored its good line";

  // TCP: the lines are committed when the connection closes; wait for them (bounded).
  const std::string send =
      "printf 'fx,symbol=GBPUSD bid=1.27,ask=1.2702 1772461802000000000\\n"
      "fx,symbol=GBPUSD bid=1.2701,ask=1.2703 1772461802000000001\\n' > /dev/tcp/127.0.0.1/" +
      std::to_string(ilp_port);
  ASSERT_EQ(std::system(("bash -c \"" + send + "\"").c_str()), 0);
  int64_t n = 0;
  for (int i = 0; i < 2000 && (n = count("fx")) < 4; ++i) std::this_thread::yield();
  EXPECT_EQ(n, 4);

  const std::string out = scratch_.Join("psql.out");
  const int rc = std::system(("psql -h 127.0.0.1 -p " + std::to_string(pg_port) +
                              " -U strata -d strata -At -c 'SELECT count(*) FROM fx' >" + out + " 2>&1 </dev/null")
                                 .c_str());
  EXPECT_EQ(rc, 0) << testing::ReadTextFile(out);
  EXPECT_EQ(testing::ReadTextFile(out), "4\n");
  EXPECT_EQ(server_.StopWith(SIGTERM), 0) << server_.Stderr();
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
