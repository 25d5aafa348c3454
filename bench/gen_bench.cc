// Throughput of the synthetic market-data generator: rows/s of MarketGenerator::Next and of
// WriteCsv into a sink that discards its input (so no disk is measured).
//   gen_bench --benchmark_filter=Csv
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>

#include "gen/market_gen.h"
#include "strata/timestamp.h"

namespace strata {
namespace {

constexpr int64_t kRows = 1'000'000;

GenOptions Options(GenKind kind, int symbols) {
  GenOptions o;
  o.kind = kind;
  o.symbols = symbols;
  o.rows = kRows;
  o.day_start_ns = *ParseTimestamp("2026-03-02");
  o.seed = 1;
  return o;
}

// Counts bytes and drops them.
class NullSink : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    size_ += data.size();
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  uint64_t size_ = 0;
  std::string path_ = "/dev/null";
};

// Includes construction: its first pass over the arrival spacings is part of the cost.
void BM_Next(benchmark::State& state, GenKind kind) {
  const int symbols = static_cast<int>(state.range(0));
  for (auto _ : state) {
    MarketGenerator gen(Options(kind, symbols));
    RecordBatch batch;
    size_t rows = 0;
    while (gen.Next(&batch)) rows += batch.num_rows();
    benchmark::DoNotOptimize(rows);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK_CAPTURE(BM_Next, trades, GenKind::kTrades)->Arg(8)->Arg(500)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Next, quotes, GenKind::kQuotes)->Arg(8)->Arg(500)->Unit(benchmark::kMillisecond);

void BM_WriteCsv(benchmark::State& state, GenKind kind) {
  const int symbols = static_cast<int>(state.range(0));
  uint64_t bytes = 0;
  for (auto _ : state) {
    MarketGenerator gen(Options(kind, symbols));
    NullSink sink;
    Status st = WriteCsv(&gen, &sink);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return;
    }
    bytes += sink.Size();
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK_CAPTURE(BM_WriteCsv, trades, GenKind::kTrades)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteCsv, quotes, GenKind::kQuotes)->Arg(8)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
