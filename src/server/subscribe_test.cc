// /v1/subscribe end to end inside one process: a Server on an ephemeral port, a Beast WebSocket
// client, curl for server-sent events.
#include "server/subscribe.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/server.h"
#include "testutil/testutil.h"

namespace strata::server {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

constexpr int64_t kBase = 1'700'000'000'000'000'000;
constexpr int64_t kSentinel = 1'000'000'000;

// trades rows with trade_id = seq for seq in [first, first + n): symbol S<seq % 3>, ts increasing
// with seq (so a stream in LSN order and a replay in ts order are both in seq order).
RecordBatch Rows(int64_t first, size_t n, const std::string& only_symbol = "") {
  RecordBatch b(Schema::Template("trades").value());
  for (size_t i = 0; i < n; ++i) {
    const int64_t seq = first + static_cast<int64_t>(i);
    b.column(0).AppendInt64(kBase + seq * 1000);
    b.column(1).AppendString(only_symbol.empty() ? "S" + std::to_string(seq % 3) : only_symbol);
    b.column(2).AppendDouble(100.5);
    b.column(3).AppendInt64(100);
    b.column(4).AppendInt64(seq);
    b.column(5).AppendString("XNAS");
  }
  return b;
}

class SubscribeTest : public ::testing::Test {
 protected:
  void StartServer(SubscriptionOptions so = {}) {
    root_ = tmp_.Join("db");
    ASSERT_OK(Database::Init(root_, {}));
    ServerOptions o;
    o.root = root_;
    o.http.port = 0;
    o.scheduler_interval_s = 0;
    o.fsync = "none";
    o.subscriptions = so;
    o.log = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(server_, Server::Start(o));
    TableDef def;
    def.name = "trades";
    def.schema = Schema::Template("trades").value();
    ASSERT_OK(server_->db()->CreateTable(def));
  }

  // The trade ids of JSON lines (one or more per message).
  static void AddIds(std::string_view text, std::vector<int64_t>* ids) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      if (nl > pos) ids->push_back(nlohmann::json::parse(text.substr(pos, nl - pos)).at("trade_id").get<int64_t>());
      pos = nl + 1;
    }
  }

  // Every seq of S0 and S1 in [0, n) then the sentinel, each once and in order.
  static void ExpectExactlyOnce(const std::vector<int64_t>& ids, int64_t n, std::vector<int> symbols) {
    std::vector<int64_t> want;
    for (int64_t s = 0; s < n; ++s) {
      if (std::find(symbols.begin(), symbols.end(), static_cast<int>(s % 3)) != symbols.end()) want.push_back(s);
    }
    want.push_back(kSentinel);
    ASSERT_EQ(ids.size(), want.size());
    for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], want[i]) << "at " << i;
  }

  // Answers a plain GET (no upgrade): status and body.
  std::pair<int, std::string> Get(const std::string& target, const std::string& accept = "text/event-stream") {
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->http_port()));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!accept.empty()) req.set(http::field::accept, accept);
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return {static_cast<int>(res.result_int()), res.body()};
  }

  testing::TempDir tmp_;
  std::string root_;
  std::unique_ptr<Server> server_;
};

// Ingest runs in a thread (with flushes, so rows move from hot to warm while the replay reads)
// before, during and after the subscription attaches: the subscriber sees every row of its
// symbols exactly once, in order, across the replay/live switch.
TEST_F(SubscribeTest, WebSocketReplayThenLiveExactlyOnceWhileIngesting) {
  const size_t kBatch = testing::Sanitized() ? 50 : 200;
  std::mutex append_mu;  // seq order == LSN order, whoever appends
  int64_t next_seq = 0;
  auto append_next = [&] {
    std::lock_guard lock(append_mu);
    ASSERT_OK(server_->db()->Append("trades", Rows(next_seq, kBatch)));
    next_seq += static_cast<int64_t>(kBatch);
  };
  SubscriptionOptions so;
  // Appends right before and right after the registration: the first batch must come in the
  // replay only, the second live only.
  so.test_hook = [&](std::string_view) { append_next(); };
  StartServer(so);
  std::atomic<int> batches{0};
  std::atomic<bool> stop{false};
  std::thread ingest([&] {
    while (!stop.load()) {
      append_next();
      if (batches.fetch_add(1) % 8 == 7) ASSERT_OK(server_->db()->Flush().status());
    }
  });
  while (batches.load() < 20) std::this_thread::yield();

  net::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->http_port()));
  ws.handshake("127.0.0.1", "/v1/subscribe?table=trades&symbol=S0,S1&from=" + std::to_string(kBase));
  const int attached_at = batches.load();
  while (batches.load() < attached_at + 20) std::this_thread::yield();
  stop.store(true);
  ingest.join();
  const int64_t n = next_seq;
  ASSERT_OK(server_->db()->Append("trades", Rows(kSentinel, 1, "S0")));

  std::vector<int64_t> ids;
  beast::flat_buffer buf;
  while (ids.empty() || ids.back() != kSentinel) {
    buf.clear();
    ws.read(buf);
    AddIds(beast::buffers_to_string(buf.data()), &ids);
  }
  ExpectExactlyOnce(ids, n, {0, 1});
  EXPECT_EQ(server_->subscriptions()->active(), 1);
  ws.close(websocket::close_code::normal);
}

// Server-sent events with curl -N: the replay, the live rows, and at shutdown a final event.
TEST_F(SubscribeTest, ServerSentEventsWithCurlAndAShutdownEvent) {
  StartServer();
  ASSERT_OK(server_->db()->Append("trades", Rows(0, 300)));
  ASSERT_OK(server_->db()->Flush().status());
  ASSERT_OK(server_->db()->Append("trades", Rows(300, 300)));
  const std::string cmd =
      "curl -sN -H 'Accept: text/event-stream' 'http://127.0.0.1:" + std::to_string(server_->http_port()) +
      "/v1/subscribe?table=trades&symbol=S1&from=" + std::to_string(kBase) + "'";
  FILE* curl = ::popen(cmd.c_str(), "r");
  ASSERT_NE(curl, nullptr);
  while (server_->subscriptions()->active() < 1) std::this_thread::yield();
  ASSERT_OK(server_->db()->Append("trades", Rows(600, 300)));
  ASSERT_OK(server_->db()->Append("trades", Rows(kSentinel, 1, "S1")));

  std::vector<int64_t> ids;
  std::string last_event, close_data;
  char line[4096];
  std::thread stopper;
  while (std::fgets(line, sizeof line, curl) != nullptr) {
    std::string l(line);
    if (l.starts_with("event: ")) last_event = l;
    if (!l.starts_with("data: ")) continue;
    if (last_event.starts_with("event: close")) {
      close_data = l;
      continue;
    }
    AddIds(std::string_view(l).substr(6), &ids);
    if (ids.back() == kSentinel && !stopper.joinable()) stopper = std::thread([&] { ASSERT_OK(server_->Stop()); });
  }
  ::pclose(curl);
  if (stopper.joinable()) stopper.join();
  ExpectExactlyOnce(ids, 900, {1});
  EXPECT_NE(close_data.find("\"code\":\"shutdown\""), std::string::npos) << close_data;
  EXPECT_NE(close_data.find("server shutting down"), std::string::npos) << close_data;
}

// A subscriber that never reads: once its buffer is full it is dropped (counted), ingest goes on
// unhindered, and the client, when it reads at last, finds the close reason after the rows.
TEST_F(SubscribeTest, AStalledSubscriberIsDroppedAndIngestGoesOn) {
  SubscriptionOptions so;
  so.buffer_bytes = 64 << 10;
  so.close_grace = std::chrono::minutes(1);  // the close frame waits for this test's read
  StartServer(so);
  net::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().open(tcp::v4());
  ws.next_layer().set_option(net::socket_base::receive_buffer_size(4096));
  ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->http_port()));
  ws.handshake("127.0.0.1", "/v1/subscribe?table=trades&symbol=*");
  auto app = server_->db()->NewAppender("trades").value();
  // Fills the socket buffers, then the subscriber's 64 KiB: a few MiB of JSON at most.
  const int kMaxBatches = 400;
  int64_t seq = 0;
  int batches = 0;
  for (; batches < kMaxBatches && server_->subscriptions()->dropped() == 0; ++batches) {
    ASSERT_OK(app->Append(Rows(seq, 500)));
    seq += 500;
  }
  ASSERT_EQ(server_->subscriptions()->dropped(), 1u) << "not dropped after " << batches << " batches";
  for (int i = 0; i < 50; ++i) {  // ingest after the drop completes (the listener never blocks)
    ASSERT_OK(app->Append(Rows(seq, 500)));
    seq += 500;
  }
  const std::string metrics = server_->metrics()->Expose();
  EXPECT_NE(metrics.find("strata_subscribers_dropped_total 1\n"), std::string::npos);

  beast::flat_buffer buf;
  beast::error_code ec;
  for (;;) {
    buf.clear();
    ws.read(buf, ec);
    if (ec) break;
  }
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws.reason().code, 1008);
  EXPECT_NE(std::string(ws.reason().reason.c_str()).find("too slow"), std::string::npos) << ws.reason().reason;
}

TEST_F(SubscribeTest, BadParametersAreClear400sAndAnUnknownTableIs404) {
  StartServer();
  auto expect = [&](const std::string& target, int status, const std::string& words, const std::string& accept) {
    auto [code, body] = Get(target, accept);
    EXPECT_EQ(code, status) << target << ": " << body;
    EXPECT_NE(body.find(words), std::string::npos) << target << ": " << body;
  };
  const std::string sse = "text/event-stream";
  expect("/v1/subscribe?symbol=S0", 400, "table: missing", sse);
  expect("/v1/subscribe?table=nope&symbol=S0", 404, "nope", sse);
  expect("/v1/subscribe?table=trades", 400, "symbol: missing", sse);
  expect("/v1/subscribe?table=trades&symbol=,", 400, "symbol: no symbol", sse);
  expect("/v1/subscribe?table=trades&symbol=S0&format=xml", 400, "format: json or csv", sse);
  expect("/v1/subscribe?table=trades&symbol=S0&from=yesterday", 400, "from", sse);
  expect("/v1/subscribe?table=trades&symbol=S0&bogus=1", 400, "unknown parameter 'bogus'", sse);
  expect("/v1/subscribe?table=trades&symbol=S0", 400, "WebSocket", "");

  net::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->http_port()));
  websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, "127.0.0.1", "/v1/subscribe?table=nope&symbol=S0", ec);
  EXPECT_EQ(ec, websocket::error::upgrade_declined);  // (Beast 1.74 leaves `res` unset here)
}

// CSV: a header message first, then rows; every append of a subscribed symbol arrives.
TEST_F(SubscribeTest, CsvLiveRows) {
  StartServer();
  net::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->http_port()));
  ws.handshake("127.0.0.1", "/v1/subscribe?table=trades&symbol=S2&format=csv");
  ASSERT_OK(server_->db()->Append("trades", Rows(0, 6)));
  std::string all;
  beast::flat_buffer buf;
  while (std::count(all.begin(), all.end(), '\n') < 3) {
    buf.clear();
    ws.read(buf);
    all += beast::buffers_to_string(buf.data());
  }
  EXPECT_EQ(all,
            "ts,symbol,price,size,trade_id,exchange\n"
            "2023-11-14T22:13:20.000002Z,S2,100.5,100,2,XNAS\n"
            "2023-11-14T22:13:20.000005Z,S2,100.5,100,5,XNAS\n");
}

// /metrics carries the subscription figures, and they move with the work done (the engine's
// own figures: server_metrics_test.cc).
TEST_F(SubscribeTest, MetricsCountEngineWorkAndSubscribers) {
  StartServer();
  auto value = [&](const std::string& text, const std::string& series) -> double {
    const size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no series " << series;
      return -1;
    }
    return std::stod(text.substr(at + series.size() + 2));
  };
  const std::string before = server_->metrics()->Expose();
  net::io_context io;
  websocket::stream<tcp::socket> ws(io);
  ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->http_port()));
  ws.handshake("127.0.0.1", "/v1/subscribe?table=trades&symbol=S0");
  for (int i = 0; i < 3; ++i) ASSERT_OK(server_->db()->Append("trades", Rows(i * 30, 30)));
  ASSERT_OK(server_->db()->Flush().status());
  ASSERT_OK(server_->db()->Sync());
  beast::flat_buffer buf;
  std::vector<int64_t> ids;
  while (ids.size() < 30) {
    buf.clear();
    ws.read(buf);
    AddIds(beast::buffers_to_string(buf.data()), &ids);
  }
  // The delivery is counted right after the write the client has just read: wait for it, bounded.
  std::string after = server_->metrics()->Expose();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (after.find("\nstrata_subscription_rows_total 30\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
    after = server_->metrics()->Expose();
  }
  EXPECT_GE(value(after, "strata_wal_appends_total") - value(before, "strata_wal_appends_total"), 3);
  EXPECT_GT(value(after, "strata_wal_append_bytes_total"), value(before, "strata_wal_append_bytes_total"));
  EXPECT_GE(value(after, "strata_flush_duration_seconds_count") - value(before, "strata_flush_duration_seconds_count"),
            1);
  EXPECT_GE(value(after, "strata_flushed_rows_total") - value(before, "strata_flushed_rows_total"), 90);
  EXPECT_EQ(value(after, "strata_subscribers"), 1);
  EXPECT_EQ(value(after, "strata_subscriptions_total"), 1);
  EXPECT_EQ(value(after, "strata_subscription_rows_total"), 30);
  EXPECT_EQ(value(after, "strata_subscription_delivery_seconds_count"), 3);
  EXPECT_EQ(value(after, "strata_subscribers_dropped_total"), 0);
  EXPECT_GT(value(after, "strata_hot_memory_budget_bytes"), 0);
  ws.close(websocket::close_code::normal);
}

}  // namespace
}  // namespace strata::server
