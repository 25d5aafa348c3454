// strata's embedded database: one root directory holding a catalog, a write-ahead log and the
// tiers. This is the API a trading process or a research tool links against.
//
//   auto db = Database::Open("/data/strata", {}).value();
//   auto appender = db->NewAppender("trades").value();
//   appender->Append(batch);            // returns when the WAL says durable (fsync policy)
//   auto rows = db->Scan({.table = "trades", .symbols = {"AAPL"}, .from_ts = t0, .to_ts = t1});
//
// Thread-safety: a Database and its Appenders may be used from any number of threads at once.
// Processes: one process at a time opens a root for writing (a lock file names the holder);
// any number open it read-only and see every acknowledged row.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata {

struct InitOptions {
  // "always" (ack after fsync), "interval=<ms>" (fsync in the background every ms) or "none".
  std::string fsync = "interval=10";
  uint64_t wal_segment_bytes = 64ull << 20;
};

struct Options {
  FileSystem* fs = nullptr;  // nullptr = DefaultFileSystem()
  bool read_only = false;
  // Overrides the database's stored fsync policy for this process when non-empty.
  std::string fsync;
  size_t hot_memory_budget_bytes = 4ull << 30;
  // Receives recovery warnings (e.g. a torn WAL tail that was truncated). Default: stderr.
  std::function<void(std::string_view)> on_warning;
  // A note stored in the lock file so a second writer's error can name us ("strata ingest").
  std::string process_note;
};

struct ScanRequest {
  std::string table;
  std::vector<std::string> symbols;                       // empty = all symbols
  int64_t from_ts = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_ts = std::numeric_limits<int64_t>::max();    // exclusive
  std::vector<std::string> columns;                       // empty = every column
};

struct TierStats {
  std::string tier;  // "hot", "warm", "cold"
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t series = 0;
  uint64_t files = 0;
};

struct TableStats {
  std::string table;
  std::vector<TierStats> tiers;
};

struct DatabaseStats {
  std::vector<TableStats> tables;
  uint64_t wal_bytes = 0;
  uint64_t wal_segments = 0;
  uint64_t last_lsn = 0;
  uint64_t flushed_lsn = 0;
  std::string fsync;
};

class Appender {
 public:
  virtual ~Appender() = default;
  // Appends the rows of `batch` (its fields must equal the table's schema). Returns once the rows
  // are durable as the database's fsync policy says, and visible to scans in this process.
  virtual Status Append(const RecordBatch& batch) = 0;
  virtual const Schema& schema() const = 0;
};

class Database {
 public:
  // Creates an empty database at `root` (directories, catalog, settings). AlreadyExists if one is
  // there.
  static Status Init(const std::string& root, const InitOptions& options, FileSystem* fs = nullptr);
  // Opens an existing database; NotFound (with a hint to run `strata init`) if there is none.
  // A writer replays the WAL after the last flushed LSN into the hot tier, truncating a torn tail.
  static Result<std::unique_ptr<Database>> Open(const std::string& root, const Options& options);

  virtual ~Database() = default;

  virtual Status CreateTable(const TableDef& def) = 0;
  virtual Result<TableDef> GetTable(std::string_view name) = 0;
  virtual Result<std::vector<TableDef>> ListTables() = 0;

  virtual Result<std::unique_ptr<Appender>> NewAppender(std::string_view table) = 0;
  // One-off append; prefer an Appender in loops.
  virtual Status Append(std::string_view table, const RecordBatch& batch) = 0;

  // Rows of the request, one batch per symbol (symbols in lexicographic order), sorted by ts
  // within a symbol. Hot tier only until the warm tier exists.
  virtual Result<std::vector<RecordBatch>> Scan(const ScanRequest& request) = 0;
  // The latest row (greatest ts) of one symbol as a one-row batch in *out (reused without
  // allocation). NotFound if the symbol has no rows.
  virtual Status Latest(std::string_view table, std::string_view symbol, RecordBatch* out) = 0;
  virtual Result<std::vector<std::string>> Symbols(std::string_view table) = 0;

  virtual Result<DatabaseStats> Stats() = 0;
  // Makes every acknowledged row durable now (fsync), whatever the policy.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual const std::string& root() const = 0;
  virtual bool read_only() const = 0;
};

}  // namespace strata
