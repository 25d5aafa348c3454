// Live state benchmarks (src/state/README.md, BENCHMARKS.md): one L2 update applied to an
// OrderBook (median and p99 over blocks of updates), best bid/ask and top-10 reads, the same
// stream through a std::map book (the peer), rebuilding books from snapshots + replay, the book at a
// past T over a 5 M-update day, one fill applied to positions and fills appended + applied live.
//   build-bench/state_bench --benchmark_min_time=1s
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "bars/order_book.h"
#include "state/positions.h"
#include "state/state_test_util.h"
#include "strata/state.h"
#include "testutil/testutil.h"

namespace strata::state {
namespace {

struct Op {
  BookSide side;
  BookAction action;
  double price, size;
};

// A feed-like stream: levels near the top change most (geometric depth, mean ~3 ticks), a quarter
// of updates delete, the mid drifts a tick now and then.
std::vector<Op> MakeStream(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<int> depth(0.3);
  std::vector<Op> ops;
  ops.reserve(n);
  int64_t mid_ticks = 40000;  // price = ticks * 0.01
  for (size_t i = 0; i < n; ++i) {
    if (rng() % 1000 == 0) mid_ticks += rng() % 2 ? 1 : -1;
    const bool bid = rng() % 2 == 0;
    const int d = 1 + std::min(depth(rng), 200);
    const int64_t ticks = bid ? mid_ticks - d : mid_ticks + d;
    const bool del = rng() % 4 == 0;
    ops.push_back({bid ? BookSide::kBid : BookSide::kAsk, del ? BookAction::kDelete : BookAction::kUpdate,
                   static_cast<double>(ticks) * 0.01, del ? 0.0 : static_cast<double>(1 + rng() % 500)});
  }
  return ops;
}

// The peer: the std::map book most open-source C++ books use.
struct MapBook {
  std::map<double, double, std::greater<>> bids;
  std::map<double, double> asks;
  void Apply(const Op& op) {
    auto apply = [&](auto& m) {
      if (op.action == BookAction::kDelete || op.size == 0) {
        m.erase(op.price);
      } else {
        m[op.price] = op.size;
      }
    };
    if (op.side == BookSide::kBid) {
      apply(bids);
    } else {
      apply(asks);
    }
  }
};

constexpr size_t kBlock = 32;  // updates per timed block (a clock read costs ~20 ns)

template <typename Book>
void ApplyBench(benchmark::State& state) {
  const std::vector<Op> ops = MakeStream(1 << 20, 1);
  Book book;
  for (size_t i = 0; i < 100'000; ++i) {  // warm up: a populated book
    if constexpr (std::is_same_v<Book, OrderBook>) {
      book.Apply(ops[i].side, ops[i].action, ops[i].price, ops[i].size);
    } else {
      book.Apply(ops[i]);
    }
  }
  std::vector<double> block_ns;
  size_t i = 100'000;
  for (auto _ : state) {
    if (i + kBlock > ops.size()) i = 100'000;
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t j = 0; j < kBlock; ++j) {
      const Op& op = ops[i + j];
      if constexpr (std::is_same_v<Book, OrderBook>) {
        book.Apply(op.side, op.action, op.price, op.size);
      } else {
        book.Apply(op);
      }
    }
    const auto t1 = std::chrono::steady_clock::now();
    block_ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kBlock);
    i += kBlock;
  }
  std::sort(block_ns.begin(), block_ns.end());
  state.counters["median_ns"] = block_ns[block_ns.size() / 2];
  state.counters["p99_ns"] = block_ns[block_ns.size() * 99 / 100];
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBlock));
}

void BM_OrderBookApply(benchmark::State& state) { ApplyBench<OrderBook>(state); }
void BM_MapBookApply(benchmark::State& state) { ApplyBench<MapBook>(state); }
BENCHMARK(BM_OrderBookApply);
BENCHMARK(BM_MapBookApply);

OrderBook Populated() {
  OrderBook book;
  for (const Op& op : MakeStream(200'000, 2)) book.Apply(op.side, op.action, op.price, op.size);
  return book;
}

void BM_OrderBookBestBidAsk(benchmark::State& state) {
  const OrderBook book = Populated();
  for (auto _ : state) {
    auto b = book.BestBid();
    auto a = book.BestAsk();
    benchmark::DoNotOptimize(b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_OrderBookBestBidAsk);

void BM_OrderBookTop10(benchmark::State& state) {
  const OrderBook book = Populated();
  std::vector<BookLevel> bids, asks;
  bids.reserve(10);
  asks.reserve(10);
  for (auto _ : state) {
    book.Top(BookSide::kBid, 10, &bids);
    book.Top(BookSide::kAsk, 10, &asks);
    benchmark::DoNotOptimize(bids.data());
    benchmark::DoNotOptimize(asks.data());
  }
}
BENCHMARK(BM_OrderBookTop10);

// Books of 10 symbols in a database: appended (live books attached, snapshots every `snap`
// events per symbol, 0 = none), then rebuilt by a new Attach after reopening. Reports the rebuild
// time and rate.
void BM_RebuildBooks(benchmark::State& state) {
  const uint64_t snap = static_cast<uint64_t>(state.range(0));
  const size_t events = static_cast<size_t>(state.range(1));
  strata::testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  if (!Database::Init(root, init).ok()) return state.SkipWithError("init");
  Options o;
  o.background_flush = false;
  {
    auto db = Database::Open(root, o).value();
    if (!db->CreateTable({"l2", *Schema::Template("book")}).ok()) return state.SkipWithError("create");
    BookOptions bo;
    bo.snapshot_every_events = snap;
    bo.snapshot_every_ns = 0;
    std::shared_ptr<LiveBooks> books;
    if (snap > 0) books = LiveBooks::Attach(db.get(), "l2", bo).value();
    std::mt19937_64 rng(3);
    int64_t ts = 1'780'000'000'000'000'000;
    for (size_t done = 0; done < events; done += 10'000) {
      if (!db->Append("l2", testing::MakeBookEvents(rng, 10, 10'000, &ts, 1000)).ok())
        return state.SkipWithError("append");
    }
    if (books) {
      if (!books->Detach().ok()) return state.SkipWithError("snapshots");
    }
    if (!db->Flush().ok()) return state.SkipWithError("flush");
  }
  double seconds = 0;
  uint64_t replayed = 0;
  for (auto _ : state) {
    auto db = Database::Open(root, o).value();
    BookOptions bo;
    bo.snapshot_every_events = 0;  // measure the rebuild only
    bo.snapshot_every_ns = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto books = LiveBooks::Attach(db.get(), "l2", bo).value();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    replayed += books->stats().events_replayed;
    books->Detach().IgnoreError();
  }
  state.counters["rebuild_s"] = seconds / static_cast<double>(state.iterations());
  state.counters["replayed"] = static_cast<double>(replayed) / static_cast<double>(state.iterations());
  state.counters["replay_per_s"] = static_cast<double>(replayed) / seconds;
}
BENCHMARK(BM_RebuildBooks)
    ->Args({0, 1'000'000})
    ->Args({10'000, 1'000'000})
    ->Args({10'000, 10'000'000})  // the case: 10 M updates, with snapshots
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

// One fill applied to positions (state only: PositionBook::ApplyRow on a fills batch, 20 accounts x
// 50 symbols, buys and sells crossing zero, fees), median and p99 over blocks like ApplyBench.
void BM_PositionsApplyFill(benchmark::State& state) {
  const size_t n = 1 << 18;
  RecordBatch fills(*Schema::Template("fills"));
  std::mt19937_64 rng(5);
  for (size_t i = 0; i < n; ++i) {
    fills.column(0).AppendInt64(static_cast<int64_t>(i));
    fills.column(1).AppendString("SYM" + std::to_string(rng() % 50));
    fills.column(2).AppendString("acct" + std::to_string(rng() % 20));
    fills.column(3).AppendString(rng() % 2 ? "buy" : "sell");
    fills.column(4).AppendDouble(static_cast<double>(1 + rng() % 100));
    fills.column(5).AppendDouble(100 + static_cast<double>(rng() % 1000) * 0.01);
    fills.column(6).AppendDouble(0.01);
    fills.column(7).AppendString("o" + std::to_string(i / 3));
    fills.column(8).AppendString("f" + std::to_string(i));
  }
  const FillColumns cols = FillColumns::Resolve("fills", *Schema::Template("fills")).value();
  PositionBook book;
  for (size_t i = 0; i < 10'000; ++i) book.ApplyRow(fills, i, cols);  // every position exists
  std::vector<double> block_ns;
  size_t i = 10'000;
  for (auto _ : state) {
    if (i + kBlock > n) i = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (size_t j = 0; j < kBlock; ++j) benchmark::DoNotOptimize(book.ApplyRow(fills, i + j, cols));
    const auto t1 = std::chrono::steady_clock::now();
    block_ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / kBlock);
    i += kBlock;
  }
  std::sort(block_ns.begin(), block_ns.end());
  state.counters["median_ns"] = block_ns[block_ns.size() / 2];
  state.counters["p99_ns"] = block_ns[block_ns.size() * 99 / 100];
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBlock));
}
BENCHMARK(BM_PositionsApplyFill);

// End to end: fills appended in batches of `batch` rows to a database opened with
// fsync=interval=10 (ms) with a LivePositions attached (applied before Append returns); the same
// appends without it (attach = 0) are the baseline.
void BM_AppendApplyFills(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const bool attach = state.range(1) != 0;
  strata::testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "interval=10";
  if (!Database::Init(root, init).ok()) return state.SkipWithError("init");
  Options o;
  o.background_flush = false;
  auto db = Database::Open(root, o).value();
  TableDef def{"fills", *Schema::Template("fills")};
  def.dedup_key = "fill_id";
  if (!db->CreateTable(def).ok()) return state.SkipWithError("create");
  std::shared_ptr<LivePositions> live;
  if (attach) live = LivePositions::Attach(db.get(), "fills", {}).value();
  std::mt19937_64 rng(6);
  int64_t ts = 1'780'000'000'000'000'000;
  uint64_t id = 0;
  auto make = [&] {
    RecordBatch b(def.schema);
    for (size_t i = 0; i < batch; ++i) {
      b.column(0).AppendInt64(ts += 1000);
      b.column(1).AppendString("SYM" + std::to_string(rng() % 50));
      b.column(2).AppendString("acct" + std::to_string(rng() % 20));
      b.column(3).AppendString(rng() % 2 ? "buy" : "sell");
      b.column(4).AppendDouble(static_cast<double>(1 + rng() % 100));
      b.column(5).AppendDouble(100 + static_cast<double>(rng() % 1000) * 0.01);
      b.column(6).AppendDouble(0.01);
      b.column(7).AppendString("o" + std::to_string(id / 3));
      b.column(8).AppendString("f" + std::to_string(id++));
    }
    return b;
  };
  uint64_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    RecordBatch b = make();
    state.ResumeTiming();
    if (!db->Append("fills", b).ok()) return state.SkipWithError("append");
    rows += batch;
  }
  if (live) {
    if (live->Positions().fills != rows) return state.SkipWithError("a fill was not applied");
    live->Detach().IgnoreError();
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}
BENCHMARK(BM_AppendApplyFills)
    ->Args({1, 1})
    ->Args({1, 0})
    ->Args({100, 1})
    ->Args({100, 0})
    ->Args({1000, 1})
    ->Args({1000, 0})
    ->UseRealTime();

// The book at a past T: one symbol-day of `events` updates (5 M: one update every ~17 ms of event
// time) appended with a LiveBooks attached writing a snapshot every `every_s` seconds of event
// time, flushed to warm; then BookAt at random times of the day (a snapshot + the events after it).
void BM_BookAtPastT(benchmark::State& state) {
  const size_t events = static_cast<size_t>(state.range(0));
  const int64_t every_s = state.range(1);
  const int64_t day = 86'400'000'000'000;
  const int64_t step = day / static_cast<int64_t>(events);
  const int64_t t0 = 1'780'012'800'000'000'000;  // midnight UTC
  strata::testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  if (!Database::Init(root, init).ok()) return state.SkipWithError("init");
  Options o;
  o.background_flush = false;
  auto db = Database::Open(root, o).value();
  if (!db->CreateTable({"l2", *Schema::Template("book")}).ok()) return state.SkipWithError("create");
  {
    BookOptions bo;
    bo.snapshot_every_events = 0;
    bo.snapshot_every_ns = every_s * 1'000'000'000;
    auto books = LiveBooks::Attach(db.get(), "l2", bo).value();
    const std::vector<Op> ops = MakeStream(events, 7);
    const Schema book = *Schema::Template("book");
    for (size_t done = 0; done < events;) {
      RecordBatch b(book);
      for (size_t i = 0; i < 50'000 && done < events; ++i, ++done) {
        const Op& op = ops[done];
        b.column(0).AppendInt64(t0 + static_cast<int64_t>(done) * step);
        b.column(1).AppendString("BTC-USD");
        b.column(2).AppendString(op.side == BookSide::kBid ? "bid" : "ask");
        b.column(3).AppendDouble(op.price);
        b.column(4).AppendDouble(op.size);
        b.column(5).AppendString(op.action == BookAction::kDelete ? "delete" : "update");
      }
      if (!db->Append("l2", b).ok()) return state.SkipWithError("append");
    }
    if (!books->Detach().ok()) return state.SkipWithError("snapshots");
    state.counters["snapshots"] = static_cast<double>(books->stats().snapshots_written);
  }
  if (!db->Flush().ok()) return state.SkipWithError("flush");
  std::mt19937_64 rng(8);
  // Wall and this thread's CPU time per call (BookAt runs on the calling thread): on a shared
  // machine the wall time includes waiting for a core, the CPU time does not.
  auto thread_cpu_ms = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  };
  // One BookAt per iteration; then the same number of calls on one BookReader (what BookAt opens
  // every call, opened once), at other random times.
  std::vector<double> ms, cpu_ms, reader_ms, reader_cpu_ms;
  auto timed = [&](const std::function<Result<BookView>(int64_t)>& fn, std::vector<double>* wall,
                   std::vector<double>* cpu) -> bool {
    const int64_t at = t0 + static_cast<int64_t>(rng() % static_cast<uint64_t>(day));
    const auto a = std::chrono::steady_clock::now();
    const double c = thread_cpu_ms();
    auto v = fn(at);
    cpu->push_back(thread_cpu_ms() - c);
    wall->push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    if (!v.ok()) {
      state.SkipWithError(v.status().ToString().c_str());
      return false;
    }
    benchmark::DoNotOptimize(v->bids.size());
    return true;
  };
  for (auto _ : state) {
    if (!timed([&](int64_t at) { return BookAt(db.get(), "l2", "BTC-USD", at, 10); }, &ms, &cpu_ms)) return;
  }
  auto reader = BookReader::Open(db.get(), "l2");
  if (!reader.ok()) return state.SkipWithError(reader.status().ToString().c_str());
  while (reader_ms.size() < ms.size()) {
    if (!timed([&](int64_t at) { return (*reader)->At("BTC-USD", at, 10); }, &reader_ms, &reader_cpu_ms)) return;
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto p99 = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() * 99 / 100];
  };
  state.counters["median_ms"] = median(ms);
  state.counters["p99_ms"] = p99(ms);
  state.counters["median_cpu_ms"] = median(cpu_ms);
  state.counters["p99_cpu_ms"] = p99(cpu_ms);
  state.counters["reader_median_ms"] = median(reader_ms);
  state.counters["reader_median_cpu_ms"] = median(reader_cpu_ms);
  state.counters["reader_p99_cpu_ms"] = p99(reader_cpu_ms);
}
// Every second is the case (86,400 snapshot files: ~25 min to write on the loaded dev
// machine); every 10 s replays up to 10x more events per read.
BENCHMARK(BM_BookAtPastT)
    ->Args({5'000'000, 10})
    ->Args({5'000'000, 1})
    ->Iterations(200)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata::state

BENCHMARK_MAIN();
