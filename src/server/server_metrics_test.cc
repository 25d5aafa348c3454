// /metrics against the work that should move it: a Server in this process on ephemeral ports,
// driven through its database, HTTP (ILP writes, model put/get) and ILP over TCP; each engine
// figure (core/engine_metrics.h) and each ingest series must grow by what was done, so a metric
// that stops being counted fails here. The scrape is then checked by promtool (Debian
// `prometheus`) when it is installed.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "server/server.h"
#include "testutil/testutil.h"

namespace strata::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr int64_t kMarch2 = 1'772'409'600'000'000'000;  // 2026-03-02T00:00:00Z

// `n` trades rows of one symbol, ts from `first_ns` a microsecond apart.
RecordBatch TradesAt(int64_t first_ns, size_t n) {
  RecordBatch b(Schema::Template("trades").value());
  for (size_t i = 0; i < n; ++i) {
    b.column(0).AppendInt64(first_ns + static_cast<int64_t>(i) * 1000);
    b.column(1).AppendString("AAA");
    b.column(2).AppendDouble(10.25);
    b.column(3).AppendInt64(7);
    b.column(4).AppendInt64(static_cast<int64_t>(i));
    b.column(5).AppendString("XNAS");
  }
  return b;
}

// The value of one series in a text exposition ("name" or "name{labels}"); -1 and a failure
// when absent.
double SeriesValue(const std::string& text, const std::string& series) {
  const std::string key = "\n" + series + " ";
  const size_t at = text.find(key);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no series " << series;
    return -1;
  }
  return std::stod(text.substr(at + key.size()));
}

// The same, 0 when absent (a labelled series before its first row); counters are process-wide,
// so the test compares scrapes before and after (also under --gtest_repeat).
double SeriesOrZero(const std::string& text, const std::string& series) {
  return text.find("\n" + series + " ") == std::string::npos ? 0 : SeriesValue(text, series);
}

class ServerMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.Join("db");
    ASSERT_OK(Database::Init(root_, {}));
    ServerOptions o;
    o.root = root_;
    o.http.port = 0;
    o.ilp_port = 0;
    o.scheduler_interval_s = 0;
    o.fsync = "always";  // every append is fsynced: the fsync histogram must count them
    o.log = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(o));
    TableDef def;
    def.name = "trades";
    def.schema = Schema::Template("trades").value();
    ASSERT_OK(server_->db()->CreateTable(def));
  }

  // One HTTP request on a connection of its own: status and body.
  std::pair<int, std::string> Request(http::verb verb, const std::string& target, const std::string& body = "") {
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->http_port()));
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return {static_cast<int>(res.result_int()), res.body()};
  }

  uint16_t IlpPort() const {
    for (const std::string& e : server_->Endpoints()) {
      if (e.starts_with("ilp://")) return static_cast<uint16_t>(std::stoi(e.substr(e.rfind(':') + 1)));
    }
    ADD_FAILURE() << "no ILP endpoint";
    return 0;
  }

  testing::TempDir tmp_;
  std::string root_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerMetricsTest, EveryFigureMovesWithTheWorkDone) {
  Database* db = server_->db();
  ASSERT_OK(db->SetTablePolicy("trades", R"({"max_warm_parts": 1})"));  // the second flush compacts
  const std::string before = server_->metrics()->Expose();

  // Library appends (protocol api), each fsynced, then two flushes of one series-day.
  const RecordBatch a = TradesAt(kMarch2 + 3'600'000'000'000, 40);
  const RecordBatch b = TradesAt(kMarch2 + 7'200'000'000'000, 60);
  ASSERT_OK(db->Append("trades", a));
  ASSERT_OK(db->Flush().status());
  ASSERT_OK(db->Append("trades", b));
  ASSERT_OK(db->Flush().status());
  MigrateOptions m;
  m.all = true;
  ASSERT_OK(db->Migrate(m).status());

  // ILP over HTTP: 3 rows into a new table.
  auto [code, body] = Request(http::verb::post, "/write",
                              "ilp_http_t,symbol=X price=1.5 1772461800000000000\n"
                              "ilp_http_t,symbol=X price=2.5 1772461800000000001\n"
                              "ilp_http_t,symbol=Y price=3.5 1772461800000000002\n");
  ASSERT_EQ(code, 204) << body;

  // ILP over TCP: 4 rows; the connection's lines are committed when it closes.
  {
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), IlpPort()));
    net::write(s, net::buffer(std::string("ilp_tcp_t,symbol=X v=1i 1772461800000000000\n"
                                          "ilp_tcp_t,symbol=X v=2i 1772461800000000001\n"
                                          "ilp_tcp_t,symbol=X v=3i 1772461800000000002\n"
                                          "ilp_tcp_t,symbol=Z v=4i 1772461800000000003\n")));
    s.shutdown(tcp::socket::shutdown_send);
    char c;
    beast::error_code ec;
    s.read_some(net::buffer(&c, 1), ec);  // the server closes once it has committed
  }
  // The commit may land just after the close: wait for the table, bounded.
  const std::string tcp_rows = "strata_ingest_rows_total{table=\"ilp_tcp_t\",protocol=\"ilp_tcp\"}";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string after = server_->metrics()->Expose();
  while (SeriesOrZero(after, tcp_rows) - SeriesOrZero(before, tcp_rows) < 4 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
    after = server_->metrics()->Expose();
  }

  // A model stored over HTTP, read twice: the first read misses the RAM cache, the second hits.
  const std::string model(100'000, 'm');
  ASSERT_EQ(Request(http::verb::put, "/v1/models/m1", model).first, 201);
  ASSERT_EQ(Request(http::verb::get, "/v1/models/m1@1").second, model);
  ASSERT_EQ(Request(http::verb::get, "/v1/models/m1@1").second, model);

  after = server_->metrics()->Expose();
  auto delta = [&](const std::string& series) { return SeriesValue(after, series) - SeriesValue(before, series); };
  EXPECT_GE(delta("strata_wal_appends_total"), 4) << "2 appends, one HTTP request, one or more TCP commits";
  EXPECT_GT(delta("strata_wal_append_bytes_total"), 100 * 6 * 8);
  EXPECT_GE(delta("strata_wal_fsync_duration_seconds_count"), 4) << "fsync=always: each append waits for one";
  EXPECT_GE(delta("strata_flush_duration_seconds_count"), 2);
  EXPECT_GE(delta("strata_flushed_rows_total"), 100);
  EXPECT_GE(delta("strata_compaction_duration_seconds_count"), 1);
  EXPECT_GE(delta("strata_migration_duration_seconds_count"), 1);
  EXPECT_EQ(delta("strata_migration_errors_total"), 0);
  EXPECT_EQ(delta("strata_flush_errors_total"), 0);
  EXPECT_EQ(delta("strata_model_cache_misses_total"), 1);
  EXPECT_EQ(delta("strata_model_cache_hits_total"), 1);
  EXPECT_GT(SeriesValue(after, "strata_model_cache_bytes"), 0);
  EXPECT_GT(SeriesValue(after, "strata_wal_fsync_duration_seconds_sum"), 0);
  // Rows and bytes per table and protocol.
  auto labelled = [&](const std::string& series) { return SeriesOrZero(after, series) - SeriesOrZero(before, series); };
  EXPECT_EQ(labelled("strata_ingest_rows_total{table=\"ilp_http_t\",protocol=\"ilp_http\"}"), 3);
  EXPECT_EQ(labelled(tcp_rows), 4);
  EXPECT_GT(labelled("strata_ingest_bytes_total{table=\"ilp_tcp_t\",protocol=\"ilp_tcp\"}"), 4 * 8);
  EXPECT_EQ(labelled("strata_ingest_rows_total{table=\"ilp_http_t\",protocol=\"ilp_tcp\"}"), 0);
  EXPECT_EQ(labelled("strata_ingest_rows_total{table=\"ilp_tcp_t\",protocol=\"ilp_http\"}"), 0);
  EXPECT_EQ(labelled("strata_ingest_rows_total{table=\"trades\",protocol=\"api\"}"), 100);
  EXPECT_EQ(labelled("strata_ingest_bytes_total{table=\"trades\",protocol=\"api\"}"),
            static_cast<double>(a.ByteSize() + b.ByteSize()));
  EXPECT_EQ(SeriesValue(after, "strata_tier_files{table=\"trades\",tier=\"cold\"}"), 1);
  EXPECT_EQ(SeriesValue(after, "strata_ilp_connections"), 0);
  EXPECT_GT(SeriesValue(after, "strata_hot_memory_budget_bytes"), 0);

  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian prometheus): the exposition was not linted";
  }
  const std::string path = tmp_.Join("metrics.txt");
  testing::WriteTextFile(path, after);
  const std::string cmd = "promtool check metrics < " + path + " > " + tmp_.Join("promtool.out") + " 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << testing::ReadTextFile(tmp_.Join("promtool.out"));
}

}  // namespace
}  // namespace strata::server
