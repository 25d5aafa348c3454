// Rebuilding a lost catalog from the tier files themselves (`strata recover-catalog`).
//
// Every warm and cold file carries its table's definition, tier, symbol and highest WAL LSN in
// its footer's key-value metadata (tier_files.h); its row count, time range, size and SHA-256 come
// from the file. Files a newer file says it replaces (a compaction or migration whose old files
// were not deleted yet) and all but the newest part of a derived bar series-day are left out:
// the next writer's open moves them to quarantine/ (or deletes derived ones).
//
// Tables keep the ids their files record (the WAL's records name tables by id).
//
// The WAL's flushed LSN cannot be read back exactly; it is set so that every WAL record that is
// not in a file is replayed and none that is: the global flushed LSN just below the WAL's first
// record (or, with an empty WAL, the highest LSN any file holds) and each table's flushed LSN at
// the highest LSN its files hold.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "objstore/object_store.h"
#include "strata/file_system.h"

namespace strata::tier {

struct RecoverCatalogOptions {
  FileSystem* fs = nullptr;
  std::string root;
  ObjectStore* cold = nullptr;
  std::optional<uint64_t> wal_first_lsn;    // the first record in the WAL, if it has any
  uint64_t wal_last_lsn = 0;                // the last LSN the WAL knows (0: none)
  std::set<int64_t> wal_table_ids;          // the table ids the WAL's records name
  std::set<int64_t> wal_created_table_ids;  // the table ids the WAL's create records create
  std::function<void(std::string_view)> on_warning;
  std::function<void(std::string_view)> on_progress;
};

struct RecoverCatalogResult {
  uint64_t tables = 0, files = 0, rows = 0, bytes = 0;
  uint64_t left_out = 0;  // superseded or unreadable files not put in the catalog
  uint64_t flushed_lsn = 0;
};

// Fills `catalog` (new and empty) from the files under the root's warm/ and in `cold`.
Result<RecoverCatalogResult> RecoverCatalog(const RecoverCatalogOptions& options, Catalog* catalog);

}  // namespace strata::tier
