// strata serve's line protocol ingest with the real clients and the process killed under load:
// QuestDB's Node client over TCP with its ECDSA key auth (a good key, a wrong key, a read-only
// key, no auth), InfluxDB's v2 Node client over HTTP with `Authorization: Token`, and kill -9 /
// SIGTERM during sustained HTTP ingest (every acknowledged request is there afterwards, whole;
// no partial request ever is).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "testutil/cli_runner.h"
#include "testutil/node_runner.h"
#include "testutil/server_process.h"

namespace strata {
namespace STRATA_UNITY_ID {

namespace fs = std::filesystem;
using testing::CliRun;
using testing::Curl;
using testing::HttpResult;
using testing::RunStrata;
using testing::ServerProcess;

// Two P-256 key pairs (made by Node's crypto.generateKeyPairSync), as JWK coordinates. The
// private halves (D) are what the clients hold.
constexpr const char* kX1 = "4-5XqQMZeC6_d0DLct1pv0mXzkYLl6wY6yi1-JOqerM";
constexpr const char* kY1 = "O07J5r4BIWyPPRKvVtDtKCLgYuN9Ui7ZZxiMGOW0CMI";
constexpr const char* kD1 = "IYthElNxhISQdwEvOiD-36jA2mEkqKosH4b6YzgMT0o";
constexpr const char* kX2 = "G1-v-bJDAQdyiVQaviSdlLI7F0s17MeOXbKZ3mLcY40";
constexpr const char* kY2 = "t_L6hh4FsoGWKTpBTU8YpJKKSipwgHJk8gUuo0APAcU";
constexpr const char* kD2 = "I3_zZsw4Z-jewU3ze5pEmsrGsSUlOtbR7Ef26i5R7X4";

class ServeIlpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.Join("db");
    ASSERT_EQ(Run("init").exit_code, 0);
  }
  CliRun Run(const std::string& args) { return RunStrata(scratch_, "--root " + root_ + " " + args); }

  bool StartServer(const std::string& args, std::string* error = nullptr) {
    std::string e;
    const bool ok = server_.Start(root_, "--http 127.0.0.1:0 --ready-min-free-mb 0 --maintain-every 0 " + args,
                                  tmp_.Join("serve.err"), &e);
    if (error) *error = e;
    return ok;
  }
  std::string AuthFile(const std::string& text) {
    const std::string path = tmp_.Join("auth");
    testing::WriteTextFile(path, text);
    ::chmod(path.c_str(), 0600);
    return path;
  }
  HttpResult Exec(const std::string& sql, const std::string& token = "") {
    std::string q;
    for (char c : sql) q += c == ' ' ? std::string("%20") : c == '*' ? std::string("%2A") : std::string(1, c);
    return Curl(scratch_, token.empty() ? "" : "-H 'Authorization: Bearer " + token + "'",
                server_.url() + "/exec?query=" + q);
  }
  // The first row of a SELECT over /exec (empty when it fails).
  nlohmann::json FirstRow(const std::string& sql, const std::string& token = "") {
    HttpResult r = Exec(sql, token);
    if (r.code != 200) return nlohmann::json::array();
    auto j = nlohmann::json::parse(r.body);
    return j["dataset"].empty() ? nlohmann::json::array() : j["dataset"][0];
  }
  // Waits (bounded) until the server's stderr holds `text`.
  bool WaitForLog(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (server_.Stderr().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  // The npm directory with the clients, and the scripts copied next to node_modules.
  std::string Npm(const std::string& package) {
    const std::string npm = testing::NpmDir();
    EXPECT_EQ(std::system("node --version > /dev/null 2>&1"), 0) << "node is not installed";
    EXPECT_TRUE(fs::exists(npm + "/node_modules/" + package))
        << "npm package " << package << " is missing -- run tools/interop/setup.sh (it installs into " << npm << ")";
    fs::path tools = fs::path(__FILE__).parent_path().parent_path() / "tools" / "interop";
    if (!fs::exists(tools)) tools = fs::current_path() / "tools" / "interop";
    for (const char* s : {"questdb_ilp_send.mjs", "influx_write.mjs"}) {
      fs::copy_file(tools / s, fs::path(npm) / s, fs::copy_options::overwrite_existing);
    }
    return npm;
  }

  void SendWithQuestDbAndCheckEveryRow(bool tcp);

  testing::TempDir tmp_, scratch_;
  std::string root_;
  ServerProcess server_;
};

// QuestDB's Node client over TCP with `username`/`token` (its ECDSA P-256 key auth): the right
// key's rows arrive whole; a wrong key, a key of role read and a client without auth are closed
// after the challenge, logged, and store nothing.
TEST_F(ServeIlpTest, QuestDbTcpClientAuthenticatesWithItsKey) {
  const std::string npm = Npm("@questdb/nodejs-client");
  if (HasFailure()) return;
  const std::string auth = AuthFile(std::string("reader read reader-token-1\n") + "feed write ec-p-256-sha256 " + kX1 +
                                    " " + kY1 + "\n" + "viewer read ec-p-256-sha256 " + kX2 + " " + kY2 + "\n");
  ASSERT_TRUE(StartServer("--ilp 127.0.0.1:0 --auth-file " + auth)) << server_.Stderr();
  const int port = server_.ListenerPort("ilp://");
  ASSERT_GT(port, 0);
  const int64_t rows = testing::Sanitized() ? 500 : 2'000;  // the rows' content: the tests below
  const auto send = [&](const std::string& extra, int64_t n, int first_connection) {
    ::setenv("QDB_ILP_EXTRA", extra.c_str(), 1);  // the script's extra client config
    auto out = testing::RunNode(npm, "questdb_ilp_send.mjs " + std::to_string(port) + " " + std::to_string(n) + " 1 " +
                                         std::to_string(first_connection));
    ::unsetenv("QDB_ILP_EXTRA");
    return out;
  };
  auto ok = send(std::string("username=feed;token=") + kD1 + ";", rows, 0);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  // The server commits when the connection closes: wait (bounded) for the rows.
  nlohmann::json row;
  for (int i = 0; i < 3000; ++i) {
    row = FirstRow("SELECT count(*), sum(size), min(ts), max(ts) FROM trades", "reader-token-1");
    if (row.size() == 4 && row[0] == rows) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(row.size(), 4u) << server_.Stderr();
  EXPECT_EQ(row[0], rows);
  EXPECT_EQ(row[1], rows * (rows - 1) / 2);  // size = i for i in [0, rows)

  // Refused: each one's connection is closed after the challenge and nothing of it is stored.
  // (The client cannot tell before it writes: the protocol has no error channel.)
  (void)send(std::string("username=feed;token=") + kD2 + ";", 100, 1);
  EXPECT_TRUE(WaitForLog("key feed: the signature does not verify")) << server_.Stderr();
  (void)send(std::string("username=viewer;token=") + kD2 + ";", 100, 2);
  EXPECT_TRUE(WaitForLog("key viewer has role read; sending lines needs write")) << server_.Stderr();
  (void)send("", 100, 3);
  EXPECT_TRUE(WaitForLog("(a client without authentication?)")) << server_.Stderr();
  (void)send("username=nobody;token=" + std::string(kD1) + ";", 100, 4);
  EXPECT_TRUE(WaitForLog("unknown key id 'nobody'")) << server_.Stderr();
  EXPECT_EQ(FirstRow("SELECT count(*) FROM trades", "reader-token-1")[0], rows);
  EXPECT_EQ(server_.Stderr().find(kD1), std::string::npos);
  EXPECT_EQ(server_.StopWith(SIGTERM), 0) << server_.Stderr();
}

// Records of a CSV text (RFC 4180 quoting: fields with commas, quotes or newlines).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rec.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      rec.push_back(std::move(field));
      field.clear();
      out.push_back(std::move(rec));
      rec.clear();
    } else {
      field += c;
    }
  }
  return out;
}

// Row i of tools/interop/questdb_ilp_send.mjs (one connection) as strata prints it.
std::vector<std::string> QuestDbRow(int64_t i) {
  char ts[64];
  const int64_t micros = i;  // 1000 ns apart from 14:30:00
  if (micros % 1'000'000 == 0) {
    std::snprintf(ts, sizeof ts, "2026-03-02T14:30:%02dZ", static_cast<int>(micros / 1'000'000));
  } else if (micros % 1000 == 0) {  // whole milliseconds print as such
    std::snprintf(ts, sizeof ts, "2026-03-02T14:30:%02d.%03dZ", static_cast<int>(micros / 1'000'000),
                  static_cast<int>(micros % 1'000'000 / 1000));
  } else {
    std::snprintf(ts, sizeof ts, "2026-03-02T14:30:%02d.%06dZ", static_cast<int>(micros / 1'000'000),
                  static_cast<int>(micros % 1'000'000));
  }
  std::ostringstream price;
  price << 100 + static_cast<double>(i % 1000) / 4;
  return {ts,
          "S" + std::to_string(i % 7),
          "X" + std::to_string(i % 3),
          price.str(),
          std::to_string(i),
          i % 2 == 0 ? "true" : "false",
          i % 10 == 0 ? "n " + std::to_string(i) + ", \"q\" \\ x=y\nz" : ""};
}

// Checks that `records` are rows 0..rows-1 of questdb_ilp_send.mjs, each exactly once.
void ExpectEveryRowOnce(const std::vector<std::vector<std::string>>& records, int64_t rows, const char* where) {
  std::vector<bool> seen(static_cast<size_t>(rows), false);
  for (const auto& rec : records) {
    ASSERT_EQ(rec.size(), 7u) << where;
    const int64_t i = std::stoll(rec[4]);  // size = i
    ASSERT_TRUE(i >= 0 && i < rows && !seen[i]) << where << ": row " << i << " unexpected or twice";
    seen[i] = true;
    ASSERT_EQ(rec, QuestDbRow(i)) << where << ": row " << i;
  }
  EXPECT_EQ(records.size(), static_cast<size_t>(rows)) << where;
}

// QuestDB's Node client (with auth: an ECDSA key over TCP, a bearer token over HTTP): every row
// comes back exactly, through /exp (CSV) and through `strata query` (JSON lines).
// STRATA_ILP_E2E_ROWS sets the row count (bench/ilp_peers_bench.sh runs it with 1 M rows).
void ServeIlpTest::SendWithQuestDbAndCheckEveryRow(bool tcp) {
  const std::string npm = Npm("@questdb/nodejs-client");
  if (HasFailure()) return;
  const std::string auth = AuthFile(std::string("reader read reader-token-1\nfeed write feed-token-12\n") +
                                    "feed write ec-p-256-sha256 " + kX1 + " " + kY1 + "\n");
  ASSERT_TRUE(StartServer(tcp ? "--ilp 127.0.0.1:0 --auth-file " + auth : "--auth-file " + auth)) << server_.Stderr();
  const int port = tcp ? server_.ListenerPort("ilp://") : server_.port();
  ASSERT_GT(port, 0);
  int64_t rows = testing::Sanitized() ? 2'000 : 20'000;
  if (const char* n = std::getenv("STRATA_ILP_E2E_ROWS"); n && *n) rows = std::atoll(n);
  ::setenv("QDB_ILP_PROTOCOL", tcp ? "tcp" : "http", 1);
  ::setenv("QDB_ILP_EXTRA", tcp ? (std::string("username=feed;token=") + kD1 + ";").c_str() : "token=feed-token-12;",
           1);
  const auto t0 = std::chrono::steady_clock::now();
  auto out = testing::RunNode(npm, "questdb_ilp_send.mjs " + std::to_string(port) + " " + std::to_string(rows) + " 1");
  ::unsetenv("QDB_ILP_PROTOCOL");
  ::unsetenv("QDB_ILP_EXTRA");
  ASSERT_TRUE(out.ok()) << out.status().ToString() << server_.Stderr();
  if (tcp) {  // committed when the connection closes, after the client returned: wait (bounded)
    for (int i = 0; i < 6000 && FirstRow("SELECT count(*) FROM trades", "reader-token-1") != nlohmann::json{rows};
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::printf("%s: %lld rows sent and stored in %.2f s\n", tcp ? "ILP/TCP" : "ILP/HTTP", static_cast<long long>(rows),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  HttpResult r = Curl(scratch_, "-H 'Authorization: Bearer reader-token-1'",
                      server_.url() + "/exp?query=SELECT%20%2A%20FROM%20trades");
  ASSERT_EQ(r.code, 200) << r.body;
  auto got = ParseCsv(r.body);
  r.body.clear();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0], (std::vector<std::string>{"ts", "symbol", "exchange", "price", "size", "side", "note"}));
  got.erase(got.begin());
  ExpectEveryRowOnce(got, rows, "/exp");
  got.clear();
  EXPECT_EQ(server_.StopWith(SIGTERM), 0) << server_.Stderr();

  CliRun q = Run("query trades --format json");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::istringstream lines(q.out);
  std::string line;
  std::vector<std::vector<std::string>> cli;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    std::ostringstream price;
    price << j["price"].get<double>();
    cli.push_back({j["ts"], j["symbol"], j["exchange"], price.str(), std::to_string(j["size"].get<int64_t>()),
                   j["side"].get<bool>() ? "true" : "false", j["note"].is_null() ? "" : j["note"].get<std::string>()});
  }
  ExpectEveryRowOnce(cli, rows, "strata query");
}

TEST_F(ServeIlpTest, QuestDbTcpClientRowsComeBackThroughExpAndQuery) { SendWithQuestDbAndCheckEveryRow(true); }
TEST_F(ServeIlpTest, QuestDbHttpClientRowsComeBackThroughExpAndQuery) { SendWithQuestDbAndCheckEveryRow(false); }

TEST_F(ServeIlpTest, TcpWithAnAuthFileWithoutKeysIsRefusedSayingWhy) {
  const std::string auth = AuthFile("feed write feed-token-12\n");
  std::string error;
  ASSERT_FALSE(StartServer("--ilp 127.0.0.1:0 --auth-file " + auth, &error));
  EXPECT_NE(error.find("--ilp (line protocol over TCP) with --auth-file " + auth + " which has no keys for it"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("NAME write ec-p-256-sha256 X Y"), std::string::npos) << error;
  // Without --ilp, the same file serves HTTP (ILP over TCP is off by default with --auth-file).
  ASSERT_TRUE(StartServer("--auth-file " + auth)) << server_.Stderr();
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
}

// InfluxDB's v2 Node client: /api/v2/write with `Authorization: Token`, batches of 1000 lines
// gzipped; every point comes back as written. A read token gets 403, a wrong one 401.
TEST_F(ServeIlpTest, InfluxDbClientWritesWithTokenAuth) {
  const std::string npm = Npm("@influxdata/influxdb-client");
  if (HasFailure()) return;
  const std::string auth = AuthFile("reader read reader-token-1\nfeed write feed-token-12\n");
  ASSERT_TRUE(StartServer("--auth-file " + auth)) << server_.Stderr();
  const int64_t rows = testing::Sanitized() ? 1'500 : 5'000;
  auto out = testing::RunNode(npm, "influx_write.mjs " + server_.url() + " feed-token-12 " + std::to_string(rows));
  ASSERT_TRUE(out.ok()) << out.status().ToString() << server_.Stderr();
  EXPECT_EQ(nlohmann::json::parse(*out)["rows"], rows);

  HttpResult r = Curl(scratch_, "-H 'Authorization: Token reader-token-1'",
                      server_.url() + "/v1/query?table=quotes&format=csv&columns=ts,symbol,venue,ask,bid,firm,qty");
  ASSERT_EQ(r.code, 200) << r.body;
  std::istringstream lines(r.body);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "ts,symbol,venue,ask,bid,firm,qty");
  std::map<int64_t, std::string> got;  // by qty (= i)
  while (std::getline(lines, line)) {
    const size_t last = line.rfind(',');
    got[std::stoll(line.substr(last + 1))] = line.substr(line.find(',') + 1, last - line.find(',') - 1);
  }
  ASSERT_EQ(got.size(), static_cast<size_t>(rows));
  for (int64_t i = 0; i < rows; ++i) {
    const double bid = 50 + static_cast<double>(i) / 8;
    std::ostringstream want;
    want << "S" << i % 5 << ",V" << i % 2 << "," << bid + 0.25 << "," << bid << "," << (i % 3 == 0 ? "true" : "false");
    ASSERT_EQ(got[i], want.str()) << "point " << i;
  }
  HttpResult ts = Curl(scratch_, "-H 'Authorization: Token reader-token-1'",
                       server_.url() + "/exec?query=SELECT%20min(ts),max(ts)%20FROM%20quotes");
  ASSERT_EQ(ts.code, 200) << ts.body;
  char last[64];
  std::snprintf(last, sizeof last, "2026-03-02T14:30:00.%06dZ", static_cast<int>(rows - 1));  // i * 1000 ns
  EXPECT_EQ(nlohmann::json::parse(ts.body)["dataset"][0], nlohmann::json::array({"2026-03-02T14:30:00Z", last}))
      << ts.body;

  auto refused = testing::RunNode(npm, "influx_write.mjs " + server_.url() + " reader-token-1 10");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("reader has role read"), std::string::npos) << refused.status().message();
  refused = testing::RunNode(npm, "influx_write.mjs " + server_.url() + " not-a-token 10");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("the credentials are not valid"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
}

// Gzip bodies: inflated (InfluxDB's clients send them), bounded by the body limit once inflated
// (413), refused when corrupt (400); other encodings 415. Nothing of a refused body is stored.
TEST_F(ServeIlpTest, GzipBodiesAreInflatedWithinTheBodyLimit) {
  ASSERT_TRUE(StartServer("--max-body-mb 1")) << server_.Stderr();
  const std::string plain = tmp_.Join("b.ilp"), gz = tmp_.Join("b.ilp.gz");
  testing::WriteTextFile(plain, "g,symbol=A v=1i 1\ng,symbol=B v=2i 2\n");
  ASSERT_EQ(std::system(("gzip -c " + plain + " > " + gz).c_str()), 0);
  HttpResult r = Curl(scratch_, "-H 'Content-Encoding: gzip' --data-binary @" + gz, server_.url() + "/write");
  EXPECT_EQ(r.code, 204) << r.body;
  // 3 MB of lines that gzip to a few KB: past the 1 MiB limit once inflated.
  std::string big;
  for (int i = 0; big.size() < (3u << 20); ++i)
    big += "g,symbol=C v=" + std::to_string(i) + "i " + std::to_string(10 + i) + "\n";
  testing::WriteTextFile(plain, big);
  ASSERT_EQ(std::system(("gzip -c " + plain + " > " + gz).c_str()), 0);
  r = Curl(scratch_, "-H 'Content-Encoding: gzip' --data-binary @" + gz, server_.url() + "/write");
  EXPECT_EQ(r.code, 413) << r.body;
  EXPECT_NE(r.body.find("inflates past the request size limit"), std::string::npos) << r.body;
  testing::WriteTextFile(plain, "not gzip at all");
  r = Curl(scratch_, "-H 'Content-Encoding: gzip' --data-binary @" + plain, server_.url() + "/write");
  EXPECT_EQ(r.code, 400) << r.body;
  EXPECT_NE(r.body.find("not valid gzip"), std::string::npos) << r.body;
  r = Curl(scratch_, "-H 'Content-Encoding: br' --data-binary @" + plain, server_.url() + "/write");
  EXPECT_EQ(r.code, 415) << r.body;
  EXPECT_EQ(FirstRow("SELECT count(*) FROM g"), nlohmann::json{2});
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
}

// Sustained HTTP ingest by `writers` threads, each request K rows tagged with its request id;
// returns once `acked_before` requests were acknowledged (the caller then signals the server)
// and the threads run until their request fails.
class IngestLoad {
 public:
  static constexpr int kRowsPerRequest = 50;
  IngestLoad(const std::string& url, int writers) {
    for (int w = 0; w < writers; ++w) {
      threads_.emplace_back([this, url, w] {
        testing::TempDir mine;
        const std::string body = mine.Join("body.ilp");
        for (int64_t seq = 0;; ++seq) {
          const int64_t id = w * 1'000'000 + seq;
          std::string text;
          for (int k = 0; k < kRowsPerRequest; ++k) {
            text += "load,symbol=W" + std::to_string(w) + " req=" + std::to_string(id) + "i,k=" + std::to_string(k) +
                    "i " + std::to_string(1772461800000000000 + id * 1000 + k) + "\n";
          }
          testing::WriteTextFile(body, text);
          HttpResult r = Curl(mine, "-X POST --data-binary @" + body, url + "/write");
          if (r.code != 204) break;  // the server is gone or stopping
          std::lock_guard lock(mu_);
          acked_.insert(id);
        }
      });
    }
  }
  ~IngestLoad() { Join(); }
  size_t Acked() {
    std::lock_guard lock(mu_);
    return acked_.size();
  }
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::set<int64_t> acked() {
    std::lock_guard lock(mu_);
    return acked_;
  }

 private:
  std::mutex mu_;
  std::set<int64_t> acked_;
  std::vector<std::thread> threads_;
};

// Every acknowledged request is stored whole; any other request is stored whole or not at all.
void ExpectWholeRequests(const std::string& csv, const std::set<int64_t>& acked, size_t writers) {
  std::map<int64_t, std::set<int64_t>> ks;  // req -> k
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  ASSERT_EQ(line, "req,k");
  while (std::getline(lines, line)) {
    const size_t comma = line.find(',');
    ks[std::stoll(line.substr(0, comma))].insert(std::stoll(line.substr(comma + 1)));
  }
  for (int64_t id : acked) {
    ASSERT_TRUE(ks.count(id)) << "acknowledged request " << id << " is missing";
  }
  for (const auto& [id, k] : ks) {
    EXPECT_EQ(k.size(), static_cast<size_t>(IngestLoad::kRowsPerRequest)) << "request " << id << " is partial";
  }
  EXPECT_LE(ks.size(), acked.size() + writers) << "at most one unacknowledged request per writer";
}

TEST_F(ServeIlpTest, KillDashNineDuringHttpIngestKeepsEveryAcknowledgedRequestWhole) {
  ASSERT_TRUE(StartServer("")) << server_.Stderr();
  const size_t before = testing::Sanitized() ? 10 : 40;
  std::set<int64_t> acked;
  {
    IngestLoad load(server_.url(), 2);
    while (load.Acked() < before) std::this_thread::yield();
    EXPECT_EQ(server_.StopWith(SIGKILL), 128 + SIGKILL);
    load.Join();
    acked = load.acked();
  }
  // After a restart (the WAL replayed), through the server.
  ASSERT_TRUE(StartServer("")) << server_.Stderr();
  HttpResult r = Curl(scratch_, "", server_.url() + "/v1/query?table=load&columns=req,k&format=csv");
  ASSERT_EQ(r.code, 200) << r.body;
  ExpectWholeRequests(r.body, acked, 2);
  EXPECT_EQ(server_.StopWith(SIGTERM), 0);
}

TEST_F(ServeIlpTest, SigtermUnderHttpIngestExitsZeroAndLosesNothingAcknowledged) {
  ASSERT_TRUE(StartServer("")) << server_.Stderr();
  const size_t before = testing::Sanitized() ? 10 : 40;
  std::set<int64_t> acked;
  {
    IngestLoad load(server_.url(), 3);
    while (load.Acked() < before) std::this_thread::yield();
    EXPECT_EQ(server_.StopWith(SIGTERM), 0) << server_.Stderr();
    load.Join();
    acked = load.acked();
  }
  EXPECT_NE(server_.Stderr().find("every acknowledged row is durable"), std::string::npos) << server_.Stderr();
  CliRun q = Run("query load --columns req,k --format csv");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  ExpectWholeRequests(q.out, acked, 3);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
