// Parquet writer and reader throughput on generated trades (src/gen), raw column bytes per
// second, plus file sizes in bytes per row.
//   STRATA_BENCH_ROWS  rows to generate (default 10,000,000)
//   STRATA_BENCH_DIR   where the files go (default /tmp)
//   STRATA_BENCH_ZSTD_LEVEL  zstd level of the "strongest" file (default: zstd's default, 3)
// Compare with DuckDB on the same files: node tools/interop/duckdb_bench.mjs FILE (after
// tools/interop/setup.sh; run it from the npm cache directory setup.sh prints).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "generated_trades.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"

namespace strata::parquet {
namespace {

const RecordBatch& Trades() { return bench::GeneratedTrades(10'000'000); }

std::string PathFor(const std::string& name) {
  const char* dir = std::getenv("STRATA_BENCH_DIR");
  return std::string(dir ? dir : "/tmp") + "/strata_bench_" + name + ".parquet";
}

WriterOptions Snappy() { return {}; }
WriterOptions ZstdStrongest() {
  WriterOptions o;
  o.compression = CompressionType::kZstd;
  o.default_encoding = ColumnEncoding::kStrongest;
  // The same int64 ns values either way; without the UTC flag DuckDB reads TIMESTAMP_NS instead
  // of truncating to microseconds, so the files it writes for the size comparison hold the same
  // values as ours.
  o.timestamp_adjusted_to_utc = false;
  if (const char* level = std::getenv("STRATA_BENCH_ZSTD_LEVEL")) o.compression_level = std::atoi(level);
  return o;
}

void Write(benchmark::State& state, const std::string& name, WriterOptions options) {
  const RecordBatch& batch = Trades();
  std::string path = PathFor(name);
  for (auto _ : state) {
    Status st = WriteParquetFile(DefaultFileSystem(), path, batch, options);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  uint64_t size = DefaultFileSystem()->FileSize(path).ValueOr(0);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.ByteSize()));
  state.counters["file_MB"] = static_cast<double>(size) / 1e6;
  state.counters["bytes_per_row"] = static_cast<double>(size) / static_cast<double>(batch.num_rows());
}

void BM_WriteSnappy(benchmark::State& state) { Write(state, "snappy", Snappy()); }
void BM_WriteZstdStrongest(benchmark::State& state) { Write(state, "zstd_strongest", ZstdStrongest()); }

// Row group by row group into reused column buffers: what a scan does.
void BM_ReadStream(benchmark::State& state, const std::string& name) {
  const RecordBatch& batch = Trades();
  auto reader = ParquetReader::Open(DefaultFileSystem(), PathFor(name));
  if (!reader.ok()) return state.SkipWithError(reader.status().ToString().c_str());
  RecordBatch buf;
  for (auto _ : state) {
    size_t rows = 0;
    for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
      Status st = (*reader)->ReadRowGroupInto(g, {}, &buf);
      if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
      rows += buf.num_rows();
    }
    benchmark::DoNotOptimize(rows);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.ByteSize()));
}

// The whole file into one batch.
void BM_ReadAll(benchmark::State& state, const std::string& name) {
  const RecordBatch& batch = Trades();
  for (auto _ : state) {
    auto b = ReadParquetFile(DefaultFileSystem(), PathFor(name));
    if (!b.ok()) return state.SkipWithError(b.status().ToString().c_str());
    benchmark::DoNotOptimize(b->num_rows());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.ByteSize()));
}

// One hour of the session (of 6.5) through statistics and the page index.
void BM_ReadHour(benchmark::State& state) {
  ReadOptions o;
  int64_t open = 1772409600000000000LL + 14 * 3600'000'000'000LL + 30 * 60'000'000'000LL;
  o.time_range = TimeRange{"ts", open + 3600'000'000'000LL, open + 2 * 3600'000'000'000LL};
  for (auto _ : state) {
    auto b = ReadParquetFile(DefaultFileSystem(), PathFor("snappy"), o);
    if (!b.ok()) return state.SkipWithError(b.status().ToString().c_str());
    state.counters["rows"] = static_cast<double>(b->num_rows());
  }
}

BENCHMARK(BM_WriteSnappy)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_WriteZstdStrongest)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(BM_ReadStream, snappy, std::string("snappy"))->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(BM_ReadStream, zstd_strongest, std::string("zstd_strongest"))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);
BENCHMARK_CAPTURE(BM_ReadAll, snappy, std::string("snappy"))->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ReadHour)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace strata::parquet

BENCHMARK_MAIN();
