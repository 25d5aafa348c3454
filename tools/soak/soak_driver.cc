// The crash soak's writer and checker (tools/soak.sh runs them; not part of the test command).
//
//   strata_soak write ROOT LOG FIRST_BATCH SEED   append, flush, flush one table and migrate until
//                                                 killed (kill -9 is the point)
//   strata_soak check ROOT LOG                    reopen as a writer (recovery), scan every tier,
//                                                 compare with LOG; exit 1 on a lost, duplicated,
//                                                 unknown or altered row
//
// What "acknowledged" means here: a batch is acknowledged when Appender::Append returned OK. The
// writer writes "A <table> <batch> <rows>" to LOG before calling Append and "K <batch>" after it
// returned OK (one write(2) each, O_APPEND, so a kill leaves whole lines). A kill between the
// return and the "K" line leaves an acknowledged batch counted as unacknowledged, which only
// weakens the check for that batch; it never makes a loss look like a success.
//
// The promise checked: every row of every acknowledged batch is present exactly once, with the
// values it was written with; a row of a batch whose Append did not return may be present (once)
// or absent; no other row is present. Batches whose rows are partly present are counted
// ("partial") and reported, not failed: Append's contract does not promise atomicity.
//
// Row id = batch * kMaxRows + i; symbol, ts and value are functions of the id, so a row that
// comes back altered is caught too. Two tables, appended from two threads (group commit), with a
// third thread flushing, flushing one table (per-table flushed LSNs) and migrating to cold.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "strata/database.h"

namespace {

using strata::ColumnType;
using strata::Database;
using strata::RecordBatch;

constexpr uint64_t kMaxRows = 8;  // rows per batch at most
constexpr const char* kTables[] = {"t1", "t2"};
constexpr const char* kSymbols[] = {"AAA", "BBB", "CCC"};
// Five days over three months, so that flushes write few files and migration merges
// series-months that already have cold files.
constexpr int64_t kDaySeconds = 86400;
constexpr int64_t kDays[] = {20458, 20473, 20489, 20504, 20517};  // 2026-01-05 .. 2026-03-05

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser: a fixed hash of the id
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
std::string SymbolOf(uint64_t id) { return kSymbols[Mix(id) % 3]; }
int64_t TsOf(uint64_t id) {
  uint64_t h = Mix(id ^ 0x5555);
  return kDays[h % 5] * kDaySeconds * 1'000'000'000 + static_cast<int64_t>((h >> 8) % (kDaySeconds * 1'000'000'000));
}
double ValueOf(uint64_t id) { return static_cast<double>(id) * 0.25; }

void Die(const std::string& what) {
  std::fprintf(stderr, "strata_soak: %s\n", what.c_str());
  std::exit(2);
}

class Log {
 public:
  explicit Log(const std::string& path) : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)) {
    if (fd_ < 0) Die("cannot open " + path);
  }
  void Line(const std::string& line) {
    std::string l = line + "\n";
    if (::write(fd_, l.data(), l.size()) != static_cast<ssize_t>(l.size())) Die("log write failed");
  }

 private:
  int fd_;
};

strata::Schema SoakSchema() {
  return strata::Schema::Make({{"ts", ColumnType::kTimestamp},
                               {"symbol", ColumnType::kSymbol},
                               {"id", ColumnType::kInt64},
                               {"v", ColumnType::kFloat64}})
      .value();
}

RecordBatch MakeBatch(uint64_t batch, uint64_t rows) {
  RecordBatch b(SoakSchema());
  for (uint64_t i = 0; i < rows; ++i) {
    uint64_t id = batch * kMaxRows + i;
    b.column(0).AppendInt64(TsOf(id));
    b.column(1).AppendString(SymbolOf(id));
    b.column(2).AppendInt64(static_cast<int64_t>(id));
    b.column(3).AppendDouble(ValueOf(id));
  }
  return b;
}

std::unique_ptr<Database> OpenDb(const std::string& root) {
  strata::Options o;
  const char* fsync = std::getenv("STRATA_SOAK_FSYNC");  // tools/soak.sh sets it; default "always"
  o.fsync = fsync && *fsync ? fsync : "always";
  o.process_note = "strata_soak";
  // Small flush triggers, so the background flusher runs as well as the explicit flushes.
  o.flush_rows = 3000;
  o.flush_check_interval_ms = 20;
  auto db = Database::Open(root, o);
  if (!db.ok()) Die("open " + root + ": " + db.status().ToString());
  return std::move(db).value();
}

int Write(const std::string& root, const std::string& log_path, uint64_t first_batch, uint64_t seed) {
  Log log(log_path);
  auto db = OpenDb(root);
  std::atomic<uint64_t> next_batch{first_batch};
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 31 + t);
      auto app = db->NewAppender(kTables[t]);
      if (!app.ok()) Die("appender: " + app.status().ToString());
      for (;;) {
        uint64_t batch = next_batch.fetch_add(1);
        uint64_t rows = 1 + rng() % kMaxRows;
        RecordBatch b = MakeBatch(batch, rows);
        log.Line("A " + std::string(kTables[t]) + " " + std::to_string(batch) + " " + std::to_string(rows));
        strata::Status st = (*app)->Append(b);
        if (!st.ok()) Die("append batch " + std::to_string(batch) + ": " + st.ToString());
        log.Line("K " + std::to_string(batch));
      }
    });
  }
  std::mt19937_64 rng(seed);
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
    switch (rng() % 6) {
      case 0:
      case 1: {
        auto r = db->Flush();
        if (!r.ok()) Die("flush: " + r.status().ToString());
        break;
      }
      case 2:
      case 3: {
        auto r = db->FlushTable(kTables[rng() % 2]);
        if (!r.ok()) Die("flush table: " + r.status().ToString());
        break;
      }
      case 4: {
        strata::MigrateOptions m;
        m.all = true;
        auto r = db->Migrate(m);
        if (!r.ok()) Die("migrate: " + r.status().ToString());
        break;
      }
      default: break;
    }
  }
}

struct BatchInfo {
  int table = -1;
  uint64_t rows = 0;
  bool acked = false;
  uint64_t present = 0;
};

int Check(const std::string& root, const std::string& log_path) {
  std::unordered_map<uint64_t, BatchInfo> batches;
  {
    std::ifstream in(log_path);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream s(line);
      char kind = 0;
      s >> kind;
      if (kind == 'A') {
        std::string table;
        uint64_t batch = 0, rows = 0;
        s >> table >> batch >> rows;
        batches[batch] = BatchInfo{table == kTables[0] ? 0 : 1, rows, false, 0};
      } else if (kind == 'K') {
        uint64_t batch = 0;
        s >> batch;
        auto it = batches.find(batch);
        if (it == batches.end()) Die("log: K before A for batch " + std::to_string(batch));
        it->second.acked = true;
      }
      // A torn last line (no newline) cannot happen: each line is one write(2).
    }
  }
  auto db = OpenDb(root);
  uint64_t rows_seen = 0, duplicates = 0, unknown = 0, altered = 0;
  std::unordered_map<uint64_t, uint32_t> count;
  for (int t = 0; t < 2; ++t) {
    strata::ScanRequest req;
    req.table = kTables[t];
    auto cursor = db->NewScan(req);
    if (!cursor.ok()) Die("scan " + req.table + ": " + cursor.status().ToString());
    RecordBatch b;
    for (;;) {
      auto more = (*cursor)->Next(&b);
      if (!more.ok()) Die("scan " + req.table + ": " + more.status().ToString());
      if (!*more) break;
      const auto& ts = b.column(0).int64s();
      const auto& ids = b.column(2).int64s();
      const auto& vs = b.column(3).doubles();
      for (size_t r = 0; r < b.num_rows(); ++r) {
        ++rows_seen;
        uint64_t id = static_cast<uint64_t>(ids[r]);
        auto it = batches.find(id / kMaxRows);
        if (it == batches.end() || it->second.table != t || id % kMaxRows >= it->second.rows) {
          if (unknown++ < 5) std::fprintf(stderr, "unknown row: table %s id %" PRIu64 "\n", kTables[t], id);
          continue;
        }
        if (ts[r] != TsOf(id) || b.column(1).GetString(r) != SymbolOf(id) || vs[r] != ValueOf(id)) {
          if (altered++ < 5) std::fprintf(stderr, "altered row: %s\n", b.RowToString(r).c_str());
        }
        if (++count[id] > 1) {
          if (duplicates++ < 5) std::fprintf(stderr, "duplicate row: table %s id %" PRIu64 "\n", kTables[t], id);
        } else {
          ++it->second.present;
        }
      }
    }
  }
  uint64_t acked_batches = 0, acked_rows = 0, lost = 0, unacked_present = 0, partial = 0;
  std::map<uint64_t, uint64_t> lost_batches;
  for (const auto& [batch, info] : batches) {
    if (info.acked) {
      ++acked_batches;
      acked_rows += info.rows;
      if (info.present < info.rows) {
        lost += info.rows - info.present;
        lost_batches[batch] = info.rows - info.present;
      }
    } else {
      unacked_present += info.present;
      if (info.present != 0 && info.present != info.rows) ++partial;
    }
  }
  int shown = 0;
  for (const auto& [batch, n] : lost_batches) {
    if (shown++ == 5) break;
    std::fprintf(stderr, "lost: %" PRIu64 " rows of acknowledged batch %" PRIu64 "\n", n, batch);
  }
  std::printf("batches=%zu acked_batches=%" PRIu64 " acked_rows=%" PRIu64 " rows_seen=%" PRIu64
              " unacked_rows_present=%" PRIu64 " partial_batches=%" PRIu64 " lost=%" PRIu64 " duplicates=%" PRIu64
              " unknown=%" PRIu64 " altered=%" PRIu64 "\n",
              batches.size(), acked_batches, acked_rows, rows_seen, unacked_present, partial, lost, duplicates, unknown,
              altered);
  strata::Status st = db->Close();
  if (!st.ok()) Die("close: " + st.ToString());
  // The operations this database has run so far, by kind and outcome: "interrupted" ones are those
  // a kill interrupted (a writable open marks them failed, with an error saying so).
  auto catalog = strata::Catalog::Open(strata::layout::CatalogPath(root), /*read_only=*/true);
  if (!catalog.ok()) Die("catalog: " + catalog.status().ToString());
  auto runs = (*catalog)->ListRuns(std::nullopt, 1 << 30);
  if (!runs.ok()) Die("runs: " + runs.status().ToString());
  std::map<std::string, uint64_t> by_kind;
  for (const auto& r : *runs) {
    const bool interrupted = r.status == "running" || r.error.rfind("interrupted", 0) == 0;
    ++by_kind["runs_" + r.kind + "_" + (interrupted ? "interrupted" : r.status)];
  }
  std::string line;
  for (const auto& [k, n] : by_kind) line += " " + k + "=" + std::to_string(n);
  std::printf("%s\n", line.empty() ? "" : line.c_str() + 1);
  return lost + duplicates + unknown + altered == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv, argv + argc);
  if (a.size() == 6 && a[1] == "write") return Write(a[2], a[3], std::stoull(a[4]), std::stoull(a[5]));
  if (a.size() == 4 && a[1] == "check") return Check(a[2], a[3]);
  std::fprintf(stderr,
               "usage: strata_soak write ROOT LOG FIRST_BATCH SEED | strata_soak check ROOT LOG\n"
               "(run by tools/soak.sh)\n");
  return 2;
}
