// Parquet Modular Encryption overhead (issue 15: flush and full-scan throughput with encryption
// on within 10% of off). The same generated trades written and read with and without AES-256-GCM,
// in the warm tier's configuration (snappy, auto encodings) and the cold tier's (zstd, strongest).
// Write = what a flush or migration does per file; ReadStream = a full scan (row group by row
// group into reused buffers).
//   STRATA_BENCH_ROWS  rows to generate (default 4,000,000)
//   STRATA_BENCH_DIR   where the files go (default /tmp)
// Run with --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true on a shared
// machine and compare medians.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "generated_trades.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"

namespace strata::parquet {
namespace {

const RecordBatch& Trades() { return bench::GeneratedTrades(4'000'000); }

const crypto::StaticKeyProvider& Keys() {
  static auto* keys = [] {
    auto* k = new crypto::StaticKeyProvider("bench keys");
    k->Add("bench", crypto::SecretKey(std::string(32, 'k'))).IgnoreError();
    return k;
  }();
  return *keys;
}

std::string PathFor(const std::string& name) {
  const char* dir = std::getenv("STRATA_BENCH_DIR");
  return std::string(dir ? dir : "/tmp") + "/strata_crypto_bench_" + name + ".parquet";
}

WriterOptions Options(bool cold, bool encrypted) {
  WriterOptions o;
  o.timestamp_adjusted_to_utc = false;
  if (cold) {
    o.compression = CompressionType::kZstd;
    o.default_encoding = ColumnEncoding::kStrongest;
  }
  if (encrypted) o.encryption = FileEncryption{"bench", *Keys().GetKey("bench"), true};
  return o;
}

std::string Name(bool cold, bool encrypted) {
  return std::string(cold ? "cold" : "warm") + (encrypted ? "_encrypted" : "_plain");
}

void BM_Write(benchmark::State& state, bool cold, bool encrypted) {
  const RecordBatch& batch = Trades();
  const std::string path = PathFor(Name(cold, encrypted));
  const WriterOptions options = Options(cold, encrypted);
  for (auto _ : state) {
    Status st = WriteParquetFile(DefaultFileSystem(), path, batch, options);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.ByteSize()));
  state.counters["file_MB"] = static_cast<double>(DefaultFileSystem()->FileSize(path).ValueOr(0)) / 1e6;
}

void BM_ReadStream(benchmark::State& state, bool cold, bool encrypted) {
  const RecordBatch& batch = Trades();
  const std::string path = PathFor(Name(cold, encrypted));
  if (!DefaultFileSystem()->FileSize(path).ok()) {
    Status st = WriteParquetFile(DefaultFileSystem(), path, batch, Options(cold, encrypted));
    if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
  }
  ReaderOptions ro;
  ro.keys = &Keys();
  auto reader = ParquetReader::Open(DefaultFileSystem(), path, ro);
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

BENCHMARK_CAPTURE(BM_Write, warm_plain, false, false)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_Write, warm_encrypted, false, true)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(BM_Write, cold_plain, true, false)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(BM_Write, cold_encrypted, true, true)->Unit(benchmark::kMillisecond)->Iterations(2);
BENCHMARK_CAPTURE(BM_ReadStream, warm_plain, false, false)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(BM_ReadStream, warm_encrypted, false, true)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(BM_ReadStream, cold_plain, true, false)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK_CAPTURE(BM_ReadStream, cold_encrypted, true, true)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace strata::parquet

BENCHMARK_MAIN();
