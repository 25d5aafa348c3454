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

#include "testutil/cli_runner.h"
#include "testutil/server_process.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
using testing::Curl;
using testing::HttpResult;
using testing::RunStrata;
using testing::ServerProcess;

size_t CountLines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

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
