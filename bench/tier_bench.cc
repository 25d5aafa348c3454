// Tier throughput and sizes on generated market data (src/gen): one trading day, 10 symbols,
// 10M trades and 20M quotes by default.
//   STRATA_BENCH_TRADES  trades to generate (default 10,000,000; quotes are twice as many)
//   STRATA_BENCH_DIR     where the databases go (default /tmp); each case makes its own
//   STRATA_BENCH_KEEP=1  keep the databases (to read the lake with DuckDB: bench/tier_duckdb.mjs)
//   STRATA_BENCH_COLD_LEVEL  ZSTD level of cold files (table policy cold_zstd_level; default 9)
//   STRATA_BENCH_PERF_CTL  a perf control FIFO: the timed part is bracketed with "enable"/"disable",
//                          so `perf record -D -1 --control fifo:$CTL` profiles only what is timed:
//     mkfifo /tmp/ctl
//     STRATA_BENCH_PERF_CTL=/tmp/ctl perf record -g -D -1 --control fifo:/tmp/ctl
//       build/bench/tier_bench --benchmark_filter=BM_Flush/trades_snappy
// Cases:
//   flush/<table>/<codec>  appends every row (untimed), then times Database::Flush (hot -> warm)
//   migrate/<table>        appends and flushes (untimed), then times Migrate(all) (warm -> cold)
// Counters: rows_per_s (wall), cpu_s (user + system CPU of the whole process, every thread, during
// the timed part: steadier than wall time on a shared machine) and rows_per_cpu_s, bytes_per_row
// (whole files) and per column (compressed column chunks).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "gen/market_gen.h"
#include "parquet/parquet_reader.h"
#include "strata/database.h"

namespace strata {
namespace {

int64_t TradeRows() {
  const char* env = std::getenv("STRATA_BENCH_TRADES");
  return env ? std::atoll(env) : 10'000'000;
}

const std::vector<RecordBatch>& Data(GenKind kind) {
  static std::map<GenKind, std::vector<RecordBatch>>* cache = new std::map<GenKind, std::vector<RecordBatch>>();
  auto it = cache->find(kind);
  if (it != cache->end()) return it->second;
  GenOptions o;
  o.kind = kind;
  o.rows = kind == GenKind::kTrades ? TradeRows() : 2 * TradeRows();
  o.symbols = 10;
  o.day_start_ns = 1772409600000000000LL;  // 2026-03-02
  o.batch_rows = 1 << 16;
  MarketGenerator gen(o);
  std::vector<RecordBatch> batches;
  RecordBatch b;
  while (gen.Next(&b)) batches.push_back(b);
  return (*cache)[kind] = std::move(batches);
}

std::string BenchRoot(const std::string& name) {
  const char* dir = std::getenv("STRATA_BENCH_DIR");
  return std::string(dir ? dir : "/tmp") + "/strata_tier_bench_" + name;
}

// Tells perf (see STRATA_BENCH_PERF_CTL above) to start or stop sampling.
void PerfControl(const char* command) {
  static FILE* ctl = [] {
    const char* path = std::getenv("STRATA_BENCH_PERF_CTL");
    return path != nullptr ? std::fopen(path, "w") : nullptr;
  }();
  if (ctl == nullptr) return;
  std::fputs(command, ctl);
  std::fflush(ctl);
}

// User + system CPU seconds of this process so far (all threads).
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

bool Keep() {
  const char* k = std::getenv("STRATA_BENCH_KEEP");
  return k != nullptr && std::string(k) == "1";
}

std::unique_ptr<Database> FreshDb(benchmark::State& state, const std::string& name, const std::string& table,
                                  const std::string& codec, bool bars = false) {
  const std::string root = BenchRoot(name);
  std::filesystem::remove_all(root);
  Status st = Database::Init(root, {.fsync = "none"});
  if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  Options o;
  o.background_flush = false;
  o.hot_memory_budget_bytes = 16ull << 30;
  o.warm_codec = codec;
  auto db = Database::Open(root, o);
  if (!db.ok()) {
    state.SkipWithError(db.status().ToString().c_str());
    return nullptr;
  }
  TableDef def{table, *Schema::Template(table), std::nullopt, "{}"};
  if (table == "trades") def.dedup_key = "trade_id";
  std::vector<std::string> policy;
  if (const char* level = std::getenv("STRATA_BENCH_COLD_LEVEL"))
    policy.push_back(R"("cold_zstd_level":)" + std::string(level));
  if (bars) policy.push_back(R"("bars":["1m","1d"])");
  def.policy_json = "{";
  for (size_t i = 0; i < policy.size(); ++i) def.policy_json += (i ? "," : "") + policy[i];
  def.policy_json += "}";
  st = (*db)->CreateTable(def);
  if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  return std::move(*db);
}

void AppendAll(benchmark::State& state, Database* db, const std::string& table, GenKind kind) {
  for (const RecordBatch& b : Data(kind)) {
    Status st = db->Append(table, b);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return;
    }
  }
}

// Bytes per row of every column over the files of one tier.
void ColumnCounters(benchmark::State& state, const std::string& dir, uint64_t rows) {
  std::map<std::string, int64_t> bytes;
  uint64_t total = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().extension() != ".parquet") continue;
    total += e.file_size();
    auto reader = parquet::ParquetReader::Open(DefaultFileSystem(), e.path().string());
    if (!reader.ok()) continue;
    for (const parquet::RowGroup& rg : (*reader)->metadata().row_groups) {
      for (const parquet::ColumnChunk& c : rg.columns) {
        if (c.meta_data) bytes[c.meta_data->path_in_schema.back()] += c.meta_data->total_compressed_size;
      }
    }
  }
  state.counters["bytes_per_row"] = static_cast<double>(total) / static_cast<double>(rows);
  for (const auto& [col, b] : bytes) {
    state.counters["B/row:" + col] = static_cast<double>(b) / static_cast<double>(rows);
  }
}

// bars: the table declares derived 1m and 1d bar tables, which the flush builds too.
void BM_Flush(benchmark::State& state, std::string table, GenKind kind, std::string codec, bool bars = false) {
  const std::string name = "flush_" + table + "_" + codec + (bars ? "_bars" : "");
  uint64_t rows = 0;
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = FreshDb(state, name, table, codec, bars);
    if (!db) return;
    AppendAll(state, db.get(), table, kind);
    state.ResumeTiming();
    PerfControl("enable\n");
    const double cpu0 = ProcessCpuSeconds();
    auto r = db->Flush();
    cpu += ProcessCpuSeconds() - cpu0;
    PerfControl("disable\n");
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    rows = r->rows_out;
    state.counters["files"] = static_cast<double>(r->files_out);
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["cpu_s"] = cpu / static_cast<double>(state.iterations());
  state.counters["rows_per_cpu_s"] = static_cast<double>(rows * state.iterations()) / cpu;
  ColumnCounters(state, BenchRoot(name) + "/warm", rows);
  if (!Keep()) std::filesystem::remove_all(BenchRoot(name));
}

void BM_Migrate(benchmark::State& state, std::string table, GenKind kind) {
  const std::string name = "migrate_" + table;
  uint64_t rows = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto db = FreshDb(state, name, table, "snappy");
    if (!db) return;
    AppendAll(state, db.get(), table, kind);
    if (auto f = db->Flush(); !f.ok()) {
      state.SkipWithError(f.status().ToString().c_str());
      return;
    }
    state.ResumeTiming();
    MigrateOptions m;
    m.all = true;
    auto r = db->Migrate(m);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    rows = r->rows_out;
    state.counters["files"] = static_cast<double>(r->files_out);
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(rows * state.iterations()), benchmark::Counter::kIsRate);
  ColumnCounters(state, BenchRoot(name) + "/cold", rows);
  if (!Keep()) std::filesystem::remove_all(BenchRoot(name));
}

BENCHMARK_CAPTURE(BM_Flush, trades_snappy, std::string("trades"), GenKind::kTrades, std::string("snappy"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Flush, trades_lz4_raw, std::string("trades"), GenKind::kTrades, std::string("lz4_raw"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Flush, trades_snappy_bars, std::string("trades"), GenKind::kTrades, std::string("snappy"), true)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Flush, quotes_snappy, std::string("quotes"), GenKind::kQuotes, std::string("snappy"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Migrate, trades, std::string("trades"), GenKind::kTrades)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
BENCHMARK_CAPTURE(BM_Migrate, quotes, std::string("quotes"), GenKind::kQuotes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
