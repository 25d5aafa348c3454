// Query operators on one generated symbol-day held in memory (the scan is not timed):
//   as-of join of ~1M trades to ~2M quotes (left rows/s), 1-minute and 1-second bars, filter.
//   STRATA_BENCH_TRADES / STRATA_BENCH_QUOTES  rows (default 1,000,000 / 2,000,000)
//   STRATA_BENCH_DIR   where the same data is written as Parquet for DuckDB (default /tmp)
// DuckDB on the same data: node tools/interop/query_bench.mjs DIR (run from the npm directory
// tools/interop/setup.sh prints; it copies the tables into memory first, then times the queries).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "gen/market_gen.h"
#include "parquet/parquet_writer.h"
#include "query/asof.h"
#include "query/bars.h"
#include "query/filter.h"
#include "strata/timestamp.h"

namespace strata::query {
namespace {

std::vector<RecordBatch> Generate(GenKind kind, const char* env, int64_t rows) {
  GenOptions o;
  o.kind = kind;
  o.symbols = 1;
  o.rows = std::getenv(env) ? std::atoll(std::getenv(env)) : rows;
  o.day_start_ns = DaysFromCivil(2026, 3, 2) * kNanosPerDay;
  o.seed = 42;
  o.batch_rows = 65536;
  MarketGenerator gen(o);
  std::vector<RecordBatch> out;
  RecordBatch b;
  while (gen.Next(&b)) out.push_back(b);
  return out;
}

void WriteParquet(const std::vector<RecordBatch>& batches, const std::string& name) {
  const char* dir = std::getenv("STRATA_BENCH_DIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/strata_query_bench_" + name + ".parquet";
  parquet::WriterOptions o;
  o.timestamp_adjusted_to_utc = false;
  auto w = parquet::ParquetWriter::Open(DefaultFileSystem(), path, batches.front().fields(), o);
  if (!w.ok()) return;
  for (const RecordBatch& b : batches) (*w)->Write(b).IgnoreError();
  (*w)->Close().IgnoreError();
}

struct Data {
  std::vector<RecordBatch> trades, quotes;
  size_t trade_rows = 0;
  Data() {
    trades = Generate(GenKind::kTrades, "STRATA_BENCH_TRADES", 1'000'000);
    quotes = Generate(GenKind::kQuotes, "STRATA_BENCH_QUOTES", 2'000'000);
    for (const RecordBatch& b : trades) trade_rows += b.num_rows();
    WriteParquet(trades, "trades");
    WriteParquet(quotes, "quotes");
  }
};

const Data& D() {
  static Data* d = new Data();
  return *d;
}

// Streams over copies of the batches (copied outside the timed region).
std::unique_ptr<BatchStream> Copy(benchmark::State& state, const std::vector<RecordBatch>& batches) {
  state.PauseTiming();
  auto s = MakeVectorStream(batches.front().fields(), batches);
  state.ResumeTiming();
  return s;
}

uint64_t DrainRows(BatchStream* s) {
  RecordBatch b;
  uint64_t rows = 0;
  while (true) {
    auto r = s->Next(&b);
    if (!r.ok() || !*r) break;
    rows += b.num_rows();
  }
  return rows;
}

void BM_AsofJoin(benchmark::State& state) {
  const Data& d = D();
  AsofOptions o;
  o.direction = state.range(0) ? AsofDirection::kNext : AsofDirection::kPrev;
  if (state.range(1)) o.tolerance_ns = kNanosPerSecond;
  for (auto _ : state) {
    auto j = MakeAsofJoinStream(Copy(state, d.trades), Copy(state, d.quotes), o);
    benchmark::DoNotOptimize(DrainRows(j->get()));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.trade_rows));
  state.SetLabel("left rows/s");
}
BENCHMARK(BM_AsofJoin)->Args({0, 0})->Args({0, 1})->Args({1, 0})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Bars(benchmark::State& state) {
  const Data& d = D();
  for (auto _ : state) {
    auto b = MakeBarsStream(Copy(state, d.trades), state.range(0) * kNanosPerSecond);
    benchmark::DoNotOptimize(DrainRows(b->get()));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.trade_rows));
  state.SetLabel("trades/s");
}
BENCHMARK(BM_Bars)->Arg(60)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Filter(benchmark::State& state) {
  const Data& d = D();
  const char* exprs[] = {"size >= 500", "size >= 500 and exchange in ('XNAS', 'ARCX') and price > 10",
                         "symbol in ('AAPL', 'MSFT') and price > 10"};
  auto f = Filter::Compile(exprs[state.range(0)], d.trades.front().fields());
  if (!f.ok()) {
    state.SkipWithError(f.status().ToString().c_str());
    return;
  }
  std::vector<uint32_t> sel;
  uint64_t kept = 0;
  for (auto _ : state) {
    for (const RecordBatch& b : d.trades) {
      (*f)->Select(b, &sel);
      kept += sel.size();
    }
  }
  benchmark::DoNotOptimize(kept);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.trade_rows));
  state.SetLabel(exprs[state.range(0)]);
}
BENCHMARK(BM_Filter)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace strata::query

BENCHMARK_MAIN();
