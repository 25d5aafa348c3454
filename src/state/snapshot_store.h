// State snapshots: Parquet files under <root>/state/<table>/symbol=<SYM>/ recorded in the
// catalog's state_snapshots table (migration 7).
//
// A snapshot of kind K for (table, symbol) at `ts` is the state after every event of the series
// with a timestamp at or before ts; rebuilding the state at T >= ts reads it and applies the
// events in (ts, T]. The file is written first (temp name, fsync, rename, directory fsync), then
// recorded; a crash between the two leaves an unrecorded file that nothing reads (and that the
// next snapshot of the same (symbol, ts) replaces).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/database.h"
#include "strata/status.h"

namespace strata {
class Catalog;
}

namespace strata::state {

struct SnapshotRecord {
  int64_t id = 0;
  int64_t table_id = 0;
  std::string kind;  // "book"
  std::string symbol;
  int64_t ts = 0;
  uint64_t events = 0;  // events the state had applied (informational)
  std::string uri;      // relative to the root
  int64_t bytes = 0;
  std::string meta_json;  // e.g. the book's counters
};

class SnapshotStore {
 public:
  // The catalog of `db`'s root, opened by this store (read-only when db is); files through `fs`
  // (nullptr: the default file system), which should be the one `db` was opened with.
  static Result<std::unique_ptr<SnapshotStore>> Open(Database* db, FileSystem* fs);
  ~SnapshotStore();

  // The catalog id of a table; NotFound naming it.
  Result<int64_t> TableId(std::string_view table);
  // The newest snapshot of the series with ts <= max_ts, or nullopt.
  Result<std::optional<SnapshotRecord>> Latest(int64_t table_id, std::string_view kind, std::string_view symbol,
                                               int64_t max_ts);
  // Writes `rows` as the snapshot file and records it (rec.id, uri and bytes are filled).
  Status Write(std::string_view table, SnapshotRecord* rec, const RecordBatch& rows);
  Result<RecordBatch> Read(const SnapshotRecord& rec);
  Result<uint64_t> Count(int64_t table_id, std::string_view kind);
  // The symbols with a snapshot of this kind, sorted.
  Result<std::vector<std::string>> Symbols(int64_t table_id, std::string_view kind);

 private:
  SnapshotStore(Database* db, FileSystem* fs, std::unique_ptr<Catalog> catalog);
  // False when the catalog predates migration 7 (a read-only open of an old database).
  Result<bool> HasTable();

  Database* db_;
  FileSystem* fs_;
  std::unique_ptr<Catalog> catalog_;
};

}  // namespace strata::state
