// Hot-tier micro-benchmarks: Insert rows/s (1,000-row trade batches over ~10 symbols, as the
// database appends them), Latest ns/op, and a one-symbol range scan.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hot/hot_tier.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

constexpr size_t kBatchRows = 1000;
constexpr size_t kDistinctBatches = 256;  // pre-built, cycled: generation stays out of the timing

const Schema& Trades() {
  static const Schema schema = Schema::Template("trades").value();
  return schema;
}

void Check(const Status& st) {
  if (!st.ok()) {
    std::fprintf(stderr, "hot_bench: %s\n", st.ToString().c_str());
    std::abort();
  }
}

// Batches of kBatchRows rows over `symbols` symbols, timestamps increasing across batches.
std::vector<RecordBatch> Batches(int symbols) {
  std::vector<RecordBatch> out;
  for (size_t i = 0; i < kDistinctBatches; ++i) {
    out.push_back(testing::MakeTrades(kBatchRows, symbols, static_cast<int64_t>(i * kBatchRows) * 1'000'000, i + 1));
  }
  return out;
}

// Insert throughput. The tier is emptied with DropUpTo (untimed) every 2M rows, as a flush would,
// so memory stays bounded and chunk allocation is part of what is measured. Arg 1: symbols per
// batch; arg 2: 1 = reuse dropped chunk memory (the default), 0 = no pool, so chunks go back to the
// allocator and new ones may touch fresh pages (page faults, slow on VMs).
void BM_HotInsert(benchmark::State& state) {
  const int symbols = static_cast<int>(state.range(0));
  const std::vector<RecordBatch> batches = Batches(symbols);
  HotTier::Options options;
  if (state.range(1) == 0) options.chunk_pool_bytes = 0;
  HotTier hot(options);
  Check(hot.AddTable(1, Trades()));
  uint64_t lsn = 0;
  for (auto _ : state) {
    const RecordBatch& b = batches[lsn % kDistinctBatches];
    ++lsn;
    Check(hot.Insert(1, b, lsn));
    if (lsn % 2000 == 0) {
      state.PauseTiming();
      Check(hot.DropUpTo(lsn));
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatchRows));
  const uint64_t held = (lsn % 2000) * kBatchRows;
  if (held > 0) state.counters["bytes_per_row"] = static_cast<double>(hot.used_bytes()) / static_cast<double>(held);
}
BENCHMARK(BM_HotInsert)->ArgsProduct({{1, 10, 100, 1000}, {1}})->Args({10, 0});

// Latest of one of 10 series, into a reused batch.
void BM_HotLatest(benchmark::State& state) {
  HotTier hot({});
  Check(hot.AddTable(1, Trades()));
  const std::vector<RecordBatch> batches = Batches(10);
  for (size_t i = 0; i < 100; ++i) Check(hot.Insert(1, batches[i], i + 1));
  const std::vector<std::string> symbols = {"S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"};
  RecordBatch out;
  Check(hot.Latest(1, "S0", &out));
  size_t i = 0;
  for (auto _ : state) {
    Check(hot.Latest(1, symbols[i++ % symbols.size()], &out));
    benchmark::DoNotOptimize(out.column(0).int64s().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_HotLatest);

// A 1%-of-series time-range scan of one symbol out of 10, all columns.
void BM_HotScanRange(benchmark::State& state) {
  HotTier hot({});
  Check(hot.AddTable(1, Trades()));
  const std::vector<RecordBatch> batches = Batches(10);
  for (size_t i = 0; i < kDistinctBatches; ++i) Check(hot.Insert(1, batches[i], i + 1));
  const int64_t span = static_cast<int64_t>(kDistinctBatches * kBatchRows) * 1'000'000;
  size_t rows = 0;
  int64_t from = 0;
  for (auto _ : state) {
    HotScanRequest req{.table_id = 1, .symbols = {"S3"}, .from_ts = from, .to_ts = from + span / 100};
    auto out = hot.Scan(req);
    Check(out.status());
    for (const RecordBatch& b : *out) rows += b.num_rows();
    from = (from + span / 37) % (span - span / 100);
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}
BENCHMARK(BM_HotScanRange);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
