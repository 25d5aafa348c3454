// subscribe_bench: live subscriptions of `strata serve` (issue 19), with the server in this
// process on a loopback port and a Beast WebSocket client as the subscriber.
//
//   build/bench/subscribe_bench [--rate 100000] [--batch 100] [--seconds 5] [--fsync interval=10]
//                               [--stall-rows 2000000] [--runs 3] [--dir DIR]
//
// latency  Appends of `--batch` trades rows paced at `--rate` rows/s for `--seconds`, one
//          subscriber to every symbol reading as fast as it can. Per batch: from the append's
//          acknowledgement (Append returned) to the subscriber receiving the batch's last row,
//          p50/p90/p99/p99.9/max (the target: p99 <= 1 ms at 100 k rows/s on loopback).
//          The listener is called before Append returns, so a row can reach the client before
//          its acknowledgement: those count as 0 and are reported. Also from the Append call
//          (so including the WAL write) to receipt.
// stall    Unpaced appends of `--stall-rows` rows in 1,000-row batches, three ways, interleaved
//          `--runs` times: no subscriber, one subscriber that never reads (dropped when its
//          buffer fills, 16 MiB: ~300 k rows), one that reads everything. Ingest rows/s each, over
//          the whole run and over its second half (after the drop), and the ratios to none: a
//          stalled subscriber must not slow ingest. Until it is dropped, OnAppend copies every
//          row for it (the cost any subscriber has); after, it costs nothing.
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "server/server.h"
#include "strata/database.h"

namespace strata {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int64_t kBase = 1'772'461'800'000'000'000;  // 2026-03-02T14:30:00Z
const char* kSymbols[] = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM", "V"};

struct Args {
  double rate = 100'000;
  size_t batch = 100;
  double seconds = 5;
  std::string fsync = "interval=10";
  size_t stall_rows = 2'000'000;
  int runs = 3;
  std::string dir = "/tmp/strata-subscribe-bench";
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "subscribe_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) Die(std::string(what) + ": " + st.ToString());
}

// Trades rows with trade_id = first .. first + n - 1.
RecordBatch Rows(int64_t first, size_t n) {
  RecordBatch b(Schema::Template("trades").value());
  for (size_t i = 0; i < n; ++i) {
    const int64_t id = first + static_cast<int64_t>(i);
    b.column(0).AppendInt64(kBase + id * 1000);
    b.column(1).AppendString(kSymbols[id % 10]);
    b.column(2).AppendDouble(100 + static_cast<double>(id % 1000) / 100);
    b.column(3).AppendInt64(100 * (1 + id % 7));
    b.column(4).AppendInt64(id);
    b.column(5).AppendString("XNAS");
  }
  return b;
}

int64_t Ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

double Pct(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100 * static_cast<double>(v.size()));
  return static_cast<double>(v[std::min(i, v.size() - 1)]) / 1000;  // us
}

struct Subscriber {
  net::io_context io;
  websocket::stream<tcp::socket> ws{io};
  void Connect(uint16_t port, const std::string& table, int recv_buffer = 0) {
    ws.next_layer().open(tcp::v4());
    if (recv_buffer > 0) ws.next_layer().set_option(net::socket_base::receive_buffer_size(recv_buffer));
    ws.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws.handshake("127.0.0.1", "/v1/subscribe?table=" + table + "&symbol=*");
  }
  // Calls on_id(trade_id, now) for every row until `last_id` came or the stream ends.
  template <typename F>
  void ReadUntil(int64_t last_id, F on_id) {
    beast::flat_buffer buf;
    beast::error_code ec;
    static constexpr char kKey[] = "\"trade_id\":";
    for (;;) {
      buf.clear();
      ws.read(buf, ec);
      if (ec) return;
      const auto now = Clock::now();
      const std::string text = beast::buffers_to_string(buf.data());
      for (size_t at = text.find(kKey); at != std::string::npos; at = text.find(kKey, at + 1)) {
        const int64_t id = std::strtoll(text.c_str() + at + sizeof kKey - 1, nullptr, 10);
        on_id(id, now);
        if (id == last_id) return;
      }
    }
  }
};

std::unique_ptr<server::Server> StartServer(const Args& a) {
  std::filesystem::remove_all(a.dir);
  std::filesystem::create_directories(a.dir);
  const std::string root = a.dir + "/db";
  Check(Database::Init(root, {}), "init");
  server::ServerOptions o;
  o.root = root;
  o.http.port = 0;
  o.scheduler_interval_s = 0;
  o.fsync = a.fsync;
  o.health.min_free_bytes = 0;
  o.log = [](std::string_view) {};
  auto s = server::Server::Start(o);
  if (!s.ok()) Die("serve: " + s.status().ToString());
  return std::move(*s);
}

void CreateTrades(server::Server* s, const std::string& name) {
  TableDef def;
  def.name = name;
  def.schema = Schema::Template("trades").value();
  Check(s->db()->CreateTable(def), "create table");
}

void Latency(server::Server* s, const Args& a) {
  CreateTrades(s, "trades");
  const size_t n = static_cast<size_t>(a.rate * a.seconds / static_cast<double>(a.batch));
  std::vector<RecordBatch> batches;
  batches.reserve(n);
  for (size_t k = 0; k < n; ++k) batches.push_back(Rows(static_cast<int64_t>(k * a.batch), a.batch));
  std::vector<int64_t> call(n), ack(n);
  std::vector<std::atomic<int64_t>> recv(n);
  const int64_t last_id = static_cast<int64_t>(n * a.batch - 1);

  Subscriber sub;
  sub.Connect(s->http_port(), "trades");
  std::thread reader([&] {
    sub.ReadUntil(last_id, [&](int64_t id, Clock::time_point at) {
      if (static_cast<size_t>(id) % a.batch == a.batch - 1) recv[static_cast<size_t>(id) / a.batch].store(Ns(at));
    });
  });
  auto app = s->db()->NewAppender("trades");
  if (!app.ok()) Die(app.status().ToString());
  const auto t0 = Clock::now();
  const double batch_ns = 1e9 * static_cast<double>(a.batch) / a.rate;
  for (size_t k = 0; k < n; ++k) {
    std::this_thread::sleep_until(t0 +
                                  std::chrono::nanoseconds(static_cast<int64_t>(batch_ns * static_cast<double>(k))));
    call[k] = Ns(Clock::now());
    Check((*app)->Append(batches[k]), "append");
    ack[k] = Ns(Clock::now());
  }
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  reader.join();
  std::vector<int64_t> from_ack, from_call;
  size_t before_ack = 0, missing = 0;
  for (size_t k = 0; k < n; ++k) {
    const int64_t r = recv[k].load();
    if (r == 0) {
      ++missing;
      continue;
    }
    if (r < ack[k]) ++before_ack;
    from_ack.push_back(std::max<int64_t>(0, r - ack[k]));
    from_call.push_back(r - call[k]);
  }
  std::vector<int64_t> append_ns(n);
  for (size_t k = 0; k < n; ++k) append_ns[k] = ack[k] - call[k];
  std::printf("latency: %zu rows in %zu appends of %zu over %.2f s = %.0f rows/s offered (target %.0f), fsync=%s\n",
              n * a.batch, n, a.batch, wall, static_cast<double>(n * a.batch) / wall, a.rate, a.fsync.c_str());
  std::printf(
      "ack_to_subscriber_us: p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f (%zu of %zu batches reached the client "
      "before their Append returned; %zu missing)\n",
      Pct(from_ack, 50), Pct(from_ack, 90), Pct(from_ack, 99), Pct(from_ack, 99.9), Pct(from_ack, 100), before_ack, n,
      missing);
  std::printf("call_to_subscriber_us: p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f max=%.1f\n", Pct(from_call, 50),
              Pct(from_call, 90), Pct(from_call, 99), Pct(from_call, 99.9), Pct(from_call, 100));
  std::printf("append_us: p50=%.1f p99=%.1f\n", Pct(append_ns, 50), Pct(append_ns, 99));
  // The server's own share (its histogram: from the append's queueing to the socket write).
  const std::string m = s->metrics()->Expose();
  auto series = [&](const std::string& name) {
    const size_t at = m.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::atof(m.c_str() + at + name.size() + 2);
  };
  const double total = series("strata_subscription_delivery_seconds_count");
  std::printf(
      "server_delivery (queued to written): %.0f appends, %.1f%% within 250 us, %.1f%% within 1 ms, mean %.1f us\n",
      total, 100 * series("strata_subscription_delivery_seconds_bucket{le=\"0.00025\"}") / total,
      100 * series("strata_subscription_delivery_seconds_bucket{le=\"0.001\"}") / total,
      1e6 * series("strata_subscription_delivery_seconds_sum") / total);
  sub.ws.close(websocket::close_code::normal);
}

// Unpaced ingest of stall_rows rows into a fresh table: rows/s over the whole run and over its
// second half (by then a stalled subscriber has been dropped).
struct Rate {
  double whole = 0, second_half = 0;
  int64_t dropped_at = -1;  // the append after which the subscriber was dropped
};

Rate IngestRate(server::Server* s, const Args& a, const std::string& table, const std::string& mode) {
  CreateTrades(s, table);
  constexpr size_t kBatch = 1000;
  const size_t n = std::max<size_t>(2, a.stall_rows / kBatch);
  std::vector<RecordBatch> batches;
  for (size_t k = 0; k < n; ++k) batches.push_back(Rows(static_cast<int64_t>(k * kBatch), kBatch));
  std::unique_ptr<Subscriber> sub;
  std::thread reader;
  if (mode != "none") {
    sub = std::make_unique<Subscriber>();
    sub->Connect(s->http_port(), table, mode == "stalled" ? 4096 : 0);
    if (mode == "live") {
      reader = std::thread([&] { sub->ReadUntil(static_cast<int64_t>(n * kBatch - 1), [](int64_t, auto) {}); });
    }
  }
  auto app = s->db()->NewAppender(table);
  if (!app.ok()) Die(app.status().ToString());
  const uint64_t dropped_before = s->subscriptions()->dropped();
  Rate rate;
  const auto t0 = Clock::now();
  Clock::time_point half;
  for (size_t k = 0; k < n; ++k) {
    if (k == n / 2) half = Clock::now();
    Check((*app)->Append(batches[k]), "append");
    if (rate.dropped_at < 0 && s->subscriptions()->dropped() > dropped_before)
      rate.dropped_at = static_cast<int64_t>(k);
  }
  const auto t1 = Clock::now();
  rate.whole = static_cast<double>(n * kBatch) / std::chrono::duration<double>(t1 - t0).count();
  rate.second_half = static_cast<double>((n - n / 2) * kBatch) / std::chrono::duration<double>(t1 - half).count();
  if (reader.joinable()) reader.join();
  if (mode == "stalled" && (rate.dropped_at < 0 || rate.dropped_at >= static_cast<int64_t>(n / 2))) {
    std::printf("  (the stalled subscriber was not dropped in the first half: raise --stall-rows)\n");
  }
  if (mode == "live" && rate.dropped_at >= 0) std::printf("  (the reading subscriber fell behind and was dropped)\n");
  if (sub) {
    beast::error_code ec;
    sub->ws.next_layer().close(ec);
  }
  // The next run starts with no subscriber thread still at work and an empty hot tier.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (s->subscriptions()->active() > 0 && Clock::now() < deadline) std::this_thread::yield();
  Check(s->db()->Flush().status(), "flush");
  return rate;
}

void Stall(server::Server* s, const Args& a) {
  std::vector<Rate> none, stalled, live;
  for (int r = 0; r < a.runs; ++r) {
    const std::string t = std::to_string(r);
    // The order rotates from run to run, so that each mode runs first, second and third (a run
    // right after another's flush is not the same as one after a pause).
    for (int i = 0; i < 3; ++i) {
      switch ((r + i) % 3) {
        case 0: none.push_back(IngestRate(s, a, "none_" + t, "none")); break;
        case 1: stalled.push_back(IngestRate(s, a, "stalled_" + t, "stalled")); break;
        default: live.push_back(IngestRate(s, a, "live_" + t, "live")); break;
      }
    }
    std::printf(
        "stall run %d (rows/s whole / second half): none %.0f / %.0f, stalled %.0f / %.0f (dropped after append %lld "
        "of %zu), live %.0f / %.0f\n",
        r + 1, none.back().whole, none.back().second_half, stalled.back().whole, stalled.back().second_half,
        static_cast<long long>(stalled.back().dropped_at), a.stall_rows / 1000, live.back().whole,
        live.back().second_half);
  }
  auto median = [](const std::vector<Rate>& rates, bool half) {
    std::vector<double> v;
    for (const Rate& r : rates) v.push_back(half ? r.second_half : r.whole);
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  for (bool half : {false, true}) {
    const double m_none = median(none, half), m_stalled = median(stalled, half), m_live = median(live, half);
    std::printf(
        "stall %s: median ingest %.0f rows/s with no subscriber, %.0f with a stalled one (ratio %.2f), %.0f with a "
        "reading one (ratio %.2f)\n",
        half ? "second half" : "whole run", m_none, m_stalled, m_stalled / m_none, m_live, m_live / m_none);
  }
  std::printf("stall: %zu rows per run in 1000-row appends, %d runs interleaved, %llu subscribers dropped in all\n",
              a.stall_rows, a.runs, static_cast<unsigned long long>(s->subscriptions()->dropped()));
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  strata::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) strata::Die("missing value for " + flag);
    const char* v = argv[++i];
    if (flag == "--rate") {
      a.rate = std::atof(v);
    } else if (flag == "--batch") {
      a.batch = static_cast<size_t>(std::atoll(v));
    } else if (flag == "--seconds") {
      a.seconds = std::atof(v);
    } else if (flag == "--fsync") {
      a.fsync = v;
    } else if (flag == "--stall-rows") {
      a.stall_rows = static_cast<size_t>(std::atoll(v));
    } else if (flag == "--runs") {
      a.runs = std::atoi(v);
    } else if (flag == "--dir") {
      a.dir = v;
    } else {
      strata::Die("unknown flag " + flag);
    }
  }
  if (a.rate <= 0 || a.batch == 0 || a.seconds <= 0) strata::Die("--rate, --batch and --seconds must be positive");
  auto server = strata::StartServer(a);
  strata::Latency(server.get(), a);
  if (a.stall_rows > 0 && a.runs > 0) strata::Stall(server.get(), a);
  strata::Check(server->Stop(), "stop");
  std::filesystem::remove_all(a.dir);
  return 0;
}
