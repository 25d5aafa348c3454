// ILP ingest: the parser alone (MB/s, rows/s on one core), the writer into a database (parse +
// build batches + WAL append + hot insert, no network), and the TCP listener on loopback with 2
// and 4 connections sending trades lines as QuestDB's clients write them, under
// fsync=interval=10. The target for TCP: >= 2 M rows/s on this 2-core machine.
//   build-dev/ilp_bench [--benchmark_filter=...]      ILP_BENCH_ROWS: rows per connection (1 M)
// The senders are threads of this process writing prepared buffers (cheap next to the server's
// work; they share the machine's two cores with it). The background flusher is off: this measures
// ingest into the hot tier and the WAL, not flushing.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ilp/ilp.h"
#include "ilp/parser.h"
#include "ilp/tcp_listener.h"
#include "strata/database.h"

namespace strata {
namespace {

const char* kSymbols[] = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRK.B", "JPM", "V"};
const char* kExchanges[] = {"XNAS", "XNYS", "ARCX", "BATS"};

size_t RowsPerConnection() {
  const char* env = std::getenv("ILP_BENCH_ROWS");
  return env ? std::strtoull(env, nullptr, 10) : 1'000'000;
}

// Lines like: trades,symbol=AAPL,exchange=XNAS price=187.53,size=100i,trade_id=1234567i 1772461800123456789
std::string TradesLines(size_t rows, int connection) {
  std::string out;
  out.reserve(rows * 100);
  char buf[256];
  uint64_t x = 0x9E3779B97F4A7C15ull * (connection + 1);
  int64_t ts = 1772461800000000000 + connection * 7;
  for (size_t i = 0; i < rows; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ts += 1000 + static_cast<int64_t>(x % 20000);
    const int n = std::snprintf(
        buf, sizeof buf, "trades,symbol=%s,exchange=%s price=%.2f,size=%di,trade_id=%lldi %lld\n", kSymbols[x % 10],
        kExchanges[(x >> 8) % 4], 100 + static_cast<double>(x % 100000) / 100,
        static_cast<int>(100 * (1 + (x >> 20) % 10)),
        static_cast<long long>(connection * 100'000'000LL + static_cast<long long>(i)), static_cast<long long>(ts));
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void BM_Parse(benchmark::State& state) {
  static const std::string text = TradesLines(500'000, 0);
  ilp::Line line;
  size_t rows = 0;
  for (auto _ : state) {
    ilp::LineSplitter lines(text);
    std::string_view one;
    uint64_t no;
    while (lines.Next(&one, &no)) {
      if (!ilp::ParseLine(one, &line).empty()) state.SkipWithError("parse error");
      ++rows;
    }
    benchmark::DoNotOptimize(line.fields.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(text.size() * state.iterations()));
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);

struct BenchDb {
  std::string root;
  std::unique_ptr<Database> db;
  BenchDb() {
    const char* tmp = std::getenv("TMPDIR");
    root = std::string(tmp ? tmp : "/tmp") + "/strata-ilp-bench-" + std::to_string(getpid());
    std::filesystem::remove_all(root);
    InitOptions init;
    init.fsync = "interval=10";
    if (!Database::Init(root, init).ok()) std::abort();
    Options o;
    o.background_flush = false;
    db = std::move(Database::Open(root, o)).value();
  }
  ~BenchDb() {
    db.reset();
    std::filesystem::remove_all(root);
  }
};

// Parse + batches + AppendAtomically, one thread, no network.
void BM_StreamWriter(benchmark::State& state) {
  static const std::string text = TradesLines(RowsPerConnection(), 0);
  for (auto _ : state) {
    state.PauseTiming();
    auto bench = std::make_unique<BenchDb>();
    state.ResumeTiming();
    ilp::StreamWriter writer(bench->db.get(), {});
    ilp::WriteResult r;
    for (size_t at = 0; at < text.size(); at += 1 << 20) {
      if (!writer.Feed(std::string_view(text).substr(at, 1 << 20), &r).ok()) state.SkipWithError("feed");
    }
    if (!writer.Finish(&r).ok()) state.SkipWithError("finish");
    state.PauseTiming();
    bench.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(text.size() * state.iterations()));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(RowsPerConnection() * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StreamWriter)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The TCP listener on loopback: `connections` senders, each its own rows, all at once.
void BM_TcpListener(benchmark::State& state) {
  const int connections = static_cast<int>(state.range(0));
  static std::vector<std::string> texts;
  while (texts.size() < static_cast<size_t>(connections)) {
    texts.push_back(TradesLines(RowsPerConnection(), static_cast<int>(texts.size())));
  }
  const uint64_t total = RowsPerConnection() * static_cast<uint64_t>(connections);
  for (auto _ : state) {
    state.PauseTiming();
    auto bench = std::make_unique<BenchDb>();
    ilp::TcpListenerOptions o;
    o.port = 0;
    auto listener = std::move(ilp::TcpListener::Start(bench->db.get(), o)).value();
    state.ResumeTiming();
    std::vector<std::thread> senders;
    for (int c = 0; c < connections; ++c) {
      senders.emplace_back([&, c] {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket s(io);
        s.connect({boost::asio::ip::make_address("127.0.0.1"), listener->port()});
        boost::asio::write(s, boost::asio::buffer(texts[c]));
        s.shutdown(boost::asio::ip::tcp::socket::shutdown_send);
        char buf[16];
        boost::system::error_code ec;
        while (!ec) s.read_some(boost::asio::buffer(buf), ec);  // the server closes when done
      });
    }
    for (std::thread& t : senders) t.join();
    state.PauseTiming();
    if (listener->stats().rows != total) state.SkipWithError("rows missing");
    listener->Stop();
    listener.reset();
    bench.reset();
    state.ResumeTiming();
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(total * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TcpListener)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
