// db_bench: named end-to-end workloads against an embedded database, printing one line each.
//
//   build/db_bench [--workloads append_interval,append_always,latest,hot_memory,reopen] [--rows N] [--dir DIR]
//
// append_interval  in-process appends of 1,000-row trade batches, fsync=interval=10, one thread
// append_always    the same with fsync=always: rows/s and p50/p99 acknowledgement latency
// latest           Latest() lookups on a loaded hot tier, ns per lookup
// hot_memory       hot-tier bytes / raw column bytes after loading the trades
// reopen           a writer's open of a database whose WAL holds --reopen-rows rows (default 1M)
//                  not flushed: median of 5 opens that make recovery's pass over create/schema
//                  records (catalog setting wal_ddl_lsn "pending") and of 5 that skip it (a number)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "gen/market_gen.h"
#include "strata/database.h"
#include "strata/timestamp.h"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string workloads = "append_interval,append_always,latest,hot_memory";
  int64_t rows = 5'000'000;
  int64_t always_rows = 200'000;
  std::string dir = "/tmp/strata-db-bench";
  int symbols = 10;
  int64_t reopen_rows = 1'000'000;
};

void Die(const Status& st) {
  std::fprintf(stderr, "db_bench: %s\n", st.ToString().c_str());
  std::exit(1);
}

std::vector<RecordBatch> MakeBatches(int64_t rows, int symbols, size_t batch_rows) {
  GenOptions options;
  options.kind = GenKind::kTrades;
  options.rows = rows;
  options.symbols = symbols;
  options.day_start_ns = *ParseTimestamp("2026-03-02");
  options.batch_rows = batch_rows;
  options.seed = 1;
  MarketGenerator gen(options);
  std::vector<RecordBatch> out;
  RecordBatch b(gen.schema());
  while (gen.Next(&b)) out.push_back(b);
  return out;
}

std::unique_ptr<Database> FreshDb(const Args& args, const std::string& fsync) {
  std::filesystem::remove_all(args.dir);
  InitOptions init;
  init.fsync = fsync;
  Status st = Database::Init(args.dir, init);
  if (!st.ok()) Die(st);
  auto db = Database::Open(args.dir, {});
  if (!db.ok()) Die(db.status());
  st = (*db)->CreateTable({"trades", *Schema::Template("trades"), "trade_id"});
  if (!st.ok()) Die(st);
  return std::move(*db);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

void Append(const Args& args, const std::string& fsync, int64_t rows, const char* name) {
  std::vector<RecordBatch> batches = MakeBatches(rows, args.symbols, 1000);
  auto db = FreshDb(args, fsync);
  auto appender = db->NewAppender("trades");
  if (!appender.ok()) Die(appender.status());
  std::vector<double> latencies_us;
  latencies_us.reserve(batches.size());
  auto start = Clock::now();
  int64_t done = 0;
  for (const RecordBatch& b : batches) {
    auto t0 = Clock::now();
    Status st = (*appender)->Append(b);
    if (!st.ok()) Die(st);
    latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    done += static_cast<int64_t>(b.num_rows());
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  Status st = db->Close();
  if (!st.ok()) Die(st);
  std::printf("%-16s rows=%-9lld batch=1000 fsync=%-11s %10.0f rows/s  ack p50=%.1f us p99=%.1f us\n", name,
              static_cast<long long>(done), fsync.c_str(), static_cast<double>(done) / secs,
              Percentile(latencies_us, 0.5), Percentile(latencies_us, 0.99));
}

void LatestAndMemory(const Args& args, bool latest, bool memory) {
  std::vector<RecordBatch> batches = MakeBatches(args.rows, args.symbols, 65536);
  auto db = FreshDb(args, "none");
  uint64_t raw = 0;
  for (const RecordBatch& b : batches) {
    Status st = db->Append("trades", b);
    if (!st.ok()) Die(st);
    // Raw column bytes without the symbol column, which the hot tier keeps once per series.
    for (size_t c = 0; c < b.num_columns(); ++c) {
      if (b.fields()[c].type != ColumnType::kSymbol) raw += b.column(c).ByteSize();
    }
  }
  if (memory) {
    auto stats = db->Stats();
    if (!stats.ok()) Die(stats.status());
    uint64_t hot = stats->tables[0].tiers[0].bytes;
    std::printf("%-16s rows=%-9lld raw column bytes=%llu hot bytes=%llu ratio=%.3f\n", "hot_memory",
                static_cast<long long>(args.rows), static_cast<unsigned long long>(raw),
                static_cast<unsigned long long>(hot), static_cast<double>(hot) / static_cast<double>(raw));
  }
  if (latest) {
    auto symbols = db->Symbols("trades");
    if (!symbols.ok()) Die(symbols.status());
    RecordBatch row;
    const int kLookups = 2'000'000;
    std::vector<double> runs;
    for (int rep = 0; rep < 5; ++rep) {
      auto start = Clock::now();
      for (int i = 0; i < kLookups; ++i) {
        Status st = db->Latest("trades", (*symbols)[static_cast<size_t>(i) % symbols->size()], &row);
        if (!st.ok()) Die(st);
      }
      runs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kLookups);
    }
    std::printf("%-16s lookups=%d x5 via Database::Latest  median %.1f ns/lookup\n", "latest", kLookups,
                Percentile(runs, 0.5));
  }
}

void Reopen(const Args& args) {
  std::filesystem::remove_all(args.dir);
  InitOptions init;
  init.fsync = "none";
  init.wal_segment_bytes = 64ull << 20;
  Status st = Database::Init(args.dir, init);
  if (!st.ok()) Die(st);
  Options o;
  o.background_flush = false;  // every row stays in the WAL
  {
    auto db = Database::Open(args.dir, o);
    if (!db.ok()) Die(db.status());
    st = (*db)->CreateTable({"trades", *Schema::Template("trades"), "trade_id"});
    if (!st.ok()) Die(st);
    for (const RecordBatch& b : MakeBatches(args.reopen_rows, args.symbols, 10'000)) {
      st = (*db)->Append("trades", b);
      if (!st.ok()) Die(st);
    }
    st = (*db)->Close();
    if (!st.ok()) Die(st);
  }
  uint64_t wal_bytes = 0;
  for (const auto& e : std::filesystem::directory_iterator(layout::WalDir(args.dir))) wal_bytes += e.file_size();
  std::vector<double> with_pass, without;
  for (int rep = 0; rep < 5; ++rep) {
    for (bool pass : {true, false}) {
      {
        auto catalog = Catalog::Open(layout::CatalogPath(args.dir), /*read_only=*/false);
        if (!catalog.ok()) Die(catalog.status());
        st = (*catalog)->PutSetting(layout::kWalDdlLsnSetting, pass ? "pending" : "1");
        if (!st.ok()) Die(st);
      }
      auto t0 = Clock::now();
      auto db = Database::Open(args.dir, o);
      if (!db.ok()) Die(db.status());
      (pass ? with_pass : without).push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      st = (*db)->Close();
      if (!st.ok()) Die(st);
    }
  }
  const double a = Percentile(with_pass, 0.5), b = Percentile(without, 0.5);
  std::printf("%-16s rows=%-9lld wal=%.1f MB  open with the pass median %.0f ms, skipped %.0f ms (x%.2f)\n", "reopen",
              static_cast<long long>(args.reopen_rows), static_cast<double>(wal_bytes) / 1e6, a, b, a / b);
}

}  // namespace
}  // namespace strata

int main(int argc, char** argv) {
  strata::Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--workloads")
      args.workloads = argv[i + 1];
    else if (flag == "--rows")
      args.rows = std::stoll(argv[i + 1]);
    else if (flag == "--always-rows")
      args.always_rows = std::stoll(argv[i + 1]);
    else if (flag == "--reopen-rows")
      args.reopen_rows = std::stoll(argv[i + 1]);
    else if (flag == "--dir")
      args.dir = argv[i + 1];
    else {
      std::fprintf(stderr,
                   "usage: db_bench [--workloads LIST] [--rows N] [--always-rows N] [--reopen-rows N] [--dir DIR]\n");
      return 2;
    }
  }
  auto has = [&](const char* w) {
    return ("," + args.workloads + ",").find(std::string(",") + w + ",") != std::string::npos;
  };
  if (has("append_interval")) strata::Append(args, "interval=10", args.rows, "append_interval");
  if (has("append_always")) strata::Append(args, "always", args.always_rows, "append_always");
  if (has("latest") || has("hot_memory")) strata::LatestAndMemory(args, has("latest"), has("hot_memory"));
  if (has("reopen")) strata::Reopen(args);
  std::filesystem::remove_all(args.dir);
  return 0;
}
