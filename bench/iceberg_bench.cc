// What the Iceberg metadata costs (issue 16, src/iceberg).
// Cases:
//   BM_ManifestEncode/strata/N   N manifest entries (the trades template's 6 columns of statistics
//                                each) with strata's hand-written encoder, wrapped in the container
//   BM_ManifestEncode/avro_c/N   the same entries with Avro C's generic values (Debian's libavro,
//                                the peer), avro_value_write into memory: the encoding only, as
//                                Avro C's file writer cannot add Iceberg's header metadata
//   BM_Flush/iceberg/N           a flush of one small series into a table with N live files, the
//   BM_Flush/no_iceberg/N        Iceberg commit after the catalog commit (every live file listed in
//                                a new manifest) or not: what the metadata adds to a flush
// Counters: entries_per_s (CPU time) and bytes_per_entry; flushes report wall time per flush
// (it includes the fsyncs of the data file, the catalog and the metadata files).
//   STRATA_BENCH_DIR   where the databases go (default /tmp)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "iceberg/avro.h"
#include "iceberg/avro_c_reference.h"
#include "iceberg/iceberg.h"
#include "objstore/object_store.h"
#include "strata/timestamp.h"
#include "tier/tier_store.h"

namespace strata {
namespace {

using iceberg::IcebergCommitter;

std::vector<iceberg::avro_c::EntryInput> Entries(int n) {
  std::vector<iceberg::avro_c::EntryInput> out(n);
  for (int i = 0; i < n; ++i) {
    auto& e = out[i];
    e.snapshot_id = 4503599627370497;
    e.symbol = "SYM" + std::to_string(i % 500);
    e.uri = "file:///data/strata/warm/trades/date=2026-03-02/symbol=" + e.symbol + "/part-00000000000" +
            std::to_string(i) + "-3f2a9c.parquet";
    e.partition = 20514;
    e.rows = 100000 + i;
    e.bytes = 600000 + i;
    e.stats.columns.resize(6);
    for (size_t c = 0; c < 6; ++c) {
      auto& cs = e.stats.columns[c];
      cs.size = 100000 + static_cast<int64_t>(c);
      cs.values = e.rows;
      cs.nulls = 0;
      cs.lower = c == 1 || c == 5 ? e.symbol.substr(0, 3) : std::string(8, '\x01');
      cs.upper = c == 1 || c == 5 ? e.symbol : std::string(8, '\x7f');
    }
  }
  return out;
}

void BM_ManifestEncode(benchmark::State& state, bool avro_c) {
  const auto entries = Entries(static_cast<int>(state.range(0)));
  iceberg::avro_c::EntryEncoder reference(0);
  if (!reference.ok()) {
    state.SkipWithError("Avro C does not parse the manifest entry schema");
    return;
  }
  const std::string schema = iceberg::ManifestEntrySchema(0), sync(16, 's');
  size_t bytes = 0;
  for (auto _ : state) {
    if (avro_c) {
      std::string out;
      for (const auto& e : entries) {
        if (!reference.Encode(e, &out)) {
          state.SkipWithError("Avro C failed to encode");
          return;
        }
      }
      bytes = out.size();
      benchmark::DoNotOptimize(out.data());
    } else {
      iceberg::AvroEncoder body;
      for (const auto& e : entries) {
        iceberg::EncodeManifestEntry(&body, e.snapshot_id, e.uri, e.partition, e.symbol, e.rows, e.bytes, e.stats);
      }
      std::string out = iceberg::AvroContainer(schema, {{"format-version", "2"}}, body, sync);
      bytes = out.size();
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.counters["entries_per_s"] =
      benchmark::Counter(static_cast<double>(entries.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes_per_entry"] = static_cast<double>(bytes) / static_cast<double>(entries.size());
}

// A catalog, tier store and (optionally) Iceberg committer over a fresh directory, with `files`
// live warm files (one per symbol, 10 rows each).
struct Lake {
  std::string root;
  std::unique_ptr<Catalog> catalog;
  std::unique_ptr<ObjectStore> cold;
  std::unique_ptr<tier::TierStore> store;
  std::unique_ptr<IcebergCommitter> committer;
  TableInfo table;
  uint64_t cut = 1;
  int next_symbol = 0;

  Status Open(const std::string& dir, bool with_iceberg) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    root = dir;
    ASSIGN_OR_RETURN(catalog, Catalog::Open(JoinPath(root, "catalog.db"), false));
    cold = NewLocalObjectStore(DefaultFileSystem(), JoinPath(root, "cold"));
    tier::TierStoreOptions o;
    o.fs = DefaultFileSystem();
    o.root = root;
    o.catalog = catalog.get();
    o.cold = cold.get();
    if (with_iceberg) o.after_catalog_commit = [this](const CatalogChange& c) { committer->AfterCatalogCommit(c); };
    store = std::make_unique<tier::TierStore>(std::move(o));
    committer = iceberg::NewDatabaseCommitter(
        DefaultFileSystem(), root, catalog.get(), cold.get(),
        [this](const FileRecord& f) { return store->OpenReader(f); }, [](std::string_view) {});
    TableDef def;
    def.name = "trades";
    def.schema = *Schema::Template("trades");
    ASSIGN_OR_RETURN(table, catalog->CreateTable(def));
    return Status::OK();
  }

  Status Flush(int series) {
    const int64_t day = DaysFromCivil(2026, 3, 2);
    std::vector<tier::FlushSeries> s(series);
    for (int k = 0; k < series; ++k) {
      RecordBatch b(table.def.schema);
      for (int i = 0; i < 10; ++i) {
        b.column(0).AppendInt64(day * kNanosPerDay + i * 1000);
        b.column(1).AppendString("S" + std::to_string(next_symbol));
        b.column(2).AppendDouble(100.0 + i);
        b.column(3).AppendInt64(1 + i);
        b.column(4).AppendInt64(i);
        b.column(5).AppendString("Q");
      }
      s[k].table_id = table.id;
      s[k].symbol = "S" + std::to_string(next_symbol++);
      s[k].rows = std::move(b);
    }
    return store->Flush(std::move(s), cut++, nullptr).status();
  }
};

void BM_Flush(benchmark::State& state, bool with_iceberg) {
  const char* env = std::getenv("STRATA_BENCH_DIR");
  const std::string dir = std::string(env ? env : "/tmp") + "/strata_iceberg_bench";
  auto lake_ptr = std::make_unique<Lake>();
  Lake& lake = *lake_ptr;
  Status st = lake.Open(dir, with_iceberg);
  if (st.ok()) st = lake.Flush(static_cast<int>(state.range(0)));
  if (!st.ok()) {
    state.SkipWithError(st.ToString().c_str());
    return;
  }
  for (auto _ : state) {
    st = lake.Flush(1);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      return;
    }
  }
  lake_ptr.reset();
  std::filesystem::remove_all(dir);
}

BENCHMARK_CAPTURE(BM_ManifestEncode, strata, false)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_ManifestEncode, avro_c, true)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Flush, iceberg, true)
    ->Arg(10)
    ->Arg(1000)
    ->Iterations(20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Flush, no_iceberg, false)
    ->Arg(10)
    ->Arg(1000)
    ->Iterations(20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
