// Live state benchmarks (src/state/README.md, BENCHMARKS.md): one L2 update applied to an
// OrderBook (median and p99 over blocks of updates), best bid/ask and top-10 reads, the same
// stream through a std::map book (the peer), and rebuilding books from snapshots + replay.
//   build-bench/state_bench --benchmark_min_time=1s
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "state/order_book.h"
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
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata::state

BENCHMARK_MAIN();
