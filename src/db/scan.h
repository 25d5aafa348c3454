// The streaming cross-tier scan behind Database::NewScan (and Database::Scan, which drains it).
//
// A cursor is planned under the database's view lock (shared): it lists the catalog's live files
// of the table and copies the hot tier's rows of the request, so it sees one consistent state —
// a flush commits its files and drops the hot rows under the same lock held exclusively, and a
// migration retires warm files and adds cold ones in one catalog transaction, so a row moving
// between tiers is seen exactly once. The listed files are pinned (FilePins) until the cursor is
// destroyed: TierStore defers deleting a retired file while it is pinned (the file stays retired
// in the catalog and is deleted by a later tier operation or the next writer's open).
//
// Per symbol (lexicographic order), the sources — cold files, warm files, the hot rows — are
// merged by ts: a source is opened only when the merge reaches its catalog min_ts, holds one row
// group at a time, and hands out runs of rows found by binary search of its sorted ts column. When
// sources do not overlap in time (the usual case: one file per series-day or series-month) each
// row group passes through whole, without copying.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "hot/hot_tier.h"
#include "parquet/parquet_reader.h"
#include "strata/database.h"

namespace strata::db {

// Catalog file ids that live cursors may still read. Thread-safe.
class FilePins {
 public:
  void Pin(const std::vector<int64_t>& ids);
  void Unpin(const std::vector<int64_t>& ids);
  bool IsPinned(int64_t id) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<int64_t, int> counts_;
};

// Open Parquet readers of catalog files (footer parsed, file mapped, decode buffers warm), kept
// between scans so that repeated small queries skip the open, the footer and fresh memory. A
// reader is used by one cursor at a time: Take() removes it, Put() returns it. Catalog ids are
// never reused, so a cached reader of a retired file is only ever evicted. Thread-safe.
class ReaderCache {
 public:
  explicit ReaderCache(size_t capacity = 64) : capacity_(capacity) {}
  std::unique_ptr<parquet::ParquetReader> Take(int64_t file_id);
  void Put(int64_t file_id, std::unique_ptr<parquet::ParquetReader> reader);

 private:
  std::mutex mu_;
  size_t capacity_;
  uint64_t clock_ = 0;
  struct Entry {
    uint64_t used;
    std::unique_ptr<parquet::ParquetReader> reader;
  };
  std::unordered_multimap<int64_t, Entry> entries_;
};

// What a cursor needs from the database. Everything but `pins` must outlive the cursor.
struct ScanContext {
  // Opens a warm or cold file checked against its catalog record (tier::TierStore::OpenReader).
  std::function<Result<std::unique_ptr<parquet::ParquetReader>>(const FileRecord&)> open_file;
  Catalog* catalog = nullptr;
  HotTier* hot = nullptr;
  std::shared_mutex* view_mu = nullptr;  // held shared while planning
  std::shared_ptr<FilePins> pins;
  std::shared_ptr<ReaderCache> readers;  // may be null
};

// Validates `request` (range, columns, tiers) and plans a cursor over table `table_id`.
Result<std::unique_ptr<ScanCursor>> NewScanCursor(const ScanContext& ctx, uint32_t table_id, const TableDef& def,
                                                  const ScanRequest& request);

// Drains a cursor into one batch per symbol (what Database::Scan returns).
Result<std::vector<RecordBatch>> DrainScan(ScanCursor* cursor);

}  // namespace strata::db
