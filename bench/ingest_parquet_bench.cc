// Parquet ingest (issue 16): where the time of `strata ingest TABLE FILE.parquet` goes, in
// uncompressed column bytes per second (the column chunks' total_uncompressed_size), one core.
//   decode        ParquetReader::ReadRowGroupInto, every row group into reused buffers
//   import        + TableImport's conversions and checks (ValidateAgainst, NaN, nulls)
//   ingest        + Appender::Append of each row group (WAL with fsync none, hot tier), one pass
//   ingest_checked  the CLI's default: the whole file imported (checked) first, then appended
// The input: STRATA_BENCH_PARQUET (bench/ingest_parquet_bench.sh passes a DuckDB-written file of
// trades), else STRATA_BENCH_ROWS (default 5,000,000) generated trades written by our writer
// (snappy) to STRATA_BENCH_DIR (default /tmp). Compare with DuckDB's INSERT ... read_parquet
// in the same run: bench/ingest_parquet_bench.sh.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gen/market_gen.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "parquet/table_import.h"
#include "strata/database.h"

namespace strata {
namespace {

std::string Dir() {
  const char* dir = std::getenv("STRATA_BENCH_DIR");
  return dir ? dir : "/tmp";
}

const std::string& InputPath() {
  static std::string* path = [] {
    if (const char* p = std::getenv("STRATA_BENCH_PARQUET"); p && *p) return new std::string(p);
    auto* out = new std::string(Dir() + "/strata_ingest_bench.parquet");
    const char* env = std::getenv("STRATA_BENCH_ROWS");
    GenOptions o;
    o.rows = env ? std::atoll(env) : 5'000'000;
    o.symbols = 8;
    o.day_start_ns = 1772409600000000000LL;  // 2026-03-02
    o.batch_rows = 1 << 20;
    MarketGenerator gen(o);
    auto writer = parquet::ParquetWriter::Open(DefaultFileSystem(), *out, gen.schema().fields(), {});
    RecordBatch b;
    while (gen.Next(&b)) (*writer)->Write(b).IgnoreError();
    (*writer)->Close().IgnoreError();
    return out;
  }();
  return *path;
}

Schema Trades() { return *Schema::Template("trades"); }

void BM_Decode(benchmark::State& state) {
  auto reader = parquet::ParquetReader::Open(DefaultFileSystem(), InputPath());
  if (!reader.ok()) return state.SkipWithError(reader.status().ToString().c_str());
  auto import = parquet::TableImport::Open(DefaultFileSystem(), InputPath(), Trades(), {});
  if (!import.ok()) return state.SkipWithError(import.status().ToString().c_str());
  parquet::ReadOptions ro;
  const Schema schema = Trades();
  for (const Field& f : schema.fields()) ro.columns.push_back(f.name);
  RecordBatch buf;
  for (auto _ : state) {
    for (int g = 0; g < (*reader)->num_row_groups(); ++g) {
      Status st = (*reader)->ReadRowGroupInto(g, ro, &buf);
      if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (*import)->uncompressed_bytes()));
  state.counters["rows"] = static_cast<double>((*reader)->num_rows());
}

void BM_Import(benchmark::State& state) {
  auto import = parquet::TableImport::Open(DefaultFileSystem(), InputPath(), Trades(), {});
  if (!import.ok()) return state.SkipWithError(import.status().ToString().c_str());
  RecordBatch buf;
  for (auto _ : state) {
    for (int g = 0; g < (*import)->num_row_groups(); ++g) {
      Status st = (*import)->ReadRowGroup(g, &buf);
      if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (*import)->uncompressed_bytes()));
}

void Ingest(benchmark::State& state, bool checked) {
  const std::string root = Dir() + "/strata_ingest_bench_db";
  uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(root);
    Status st = Database::Init(root, {.fsync = "none"});
    auto db = Database::Open(root, {});
    if (st.ok() && db.ok()) st = (*db)->CreateTable({"trades", Trades(), std::nullopt, "{}"});
    if (!st.ok() || !db.ok()) return state.SkipWithError((st.ok() ? db.status() : st).ToString().c_str());
    state.ResumeTiming();
    auto appender = (*db)->NewAppender("trades");
    auto import = parquet::TableImport::Open(DefaultFileSystem(), InputPath(), Trades(), {});
    if (!import.ok() || !appender.ok()) return state.SkipWithError("open failed");
    RecordBatch buf;
    if (checked) {
      for (int g = 0; g < (*import)->num_row_groups() && st.ok(); ++g) st = (*import)->ReadRowGroup(g, &buf);
    }
    for (int g = 0; g < (*import)->num_row_groups() && st.ok(); ++g) {
      st = (*import)->ReadRowGroup(g, &buf);
      if (st.ok()) st = (*appender)->Append(buf);
    }
    if (!st.ok()) return state.SkipWithError(st.ToString().c_str());
    bytes += (*import)->uncompressed_bytes();
    state.PauseTiming();
    appender->reset();
    (*db)->Close().IgnoreError();
    db->reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  std::filesystem::remove_all(root);
}

void BM_Ingest(benchmark::State& state) { Ingest(state, false); }
void BM_IngestChecked(benchmark::State& state) { Ingest(state, true); }

BENCHMARK(BM_Decode)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_Import)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_Ingest)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_IngestChecked)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
