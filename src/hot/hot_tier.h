// The hot tier: rows that are in the WAL but not yet in Parquet, in RAM, per series
// (table, symbol), as column buffers that grow in chunks.
//
// Concurrency: any number of threads insert and read at once. Each series has a mutex that a
// writer holds while appending and a reader holds only to snapshot (row count + chunk
// pointers); chunks never move and rows below a snapshot's count are never rewritten, so a
// reader then copies a consistent prefix without blocking writers. DropUpTo swaps in new chunks;
// readers holding a snapshot keep the old ones alive through shared_ptr.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/batch.h"

namespace strata {

struct HotScanRequest {
  uint32_t table_id = 0;
  std::vector<std::string> symbols;  // empty = every symbol of the table
  int64_t from_ts = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_ts = std::numeric_limits<int64_t>::max();    // exclusive
  std::vector<std::string> columns;  // projection; empty = all, in schema order
};

struct HotTableStats {
  uint32_t table_id = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t series = 0;
  uint64_t max_lsn = 0;
};

class SeriesBuffer;

class HotTier {
 public:
  struct Options {
    size_t memory_budget_bytes = 2ull << 30;
    // Called from the inserting thread, outside hot-tier locks, while used bytes exceed the budget.
    std::function<void(size_t used_bytes)> on_pressure;
  };

  explicit HotTier(Options options);
  ~HotTier();

  // Registers a table; idempotent for the same schema.
  Status AddTable(uint32_t table_id, const Schema& schema);
  // Inserts `batch` (fields == the table's schema), split by symbol, tagged with `lsn`.
  Status Insert(uint32_t table_id, const RecordBatch& batch, uint64_t lsn);
  // The latest row (greatest ts; the later arrival on ties) of a series, into *out (refilled,
  // keeping its capacity). NotFound if the series has no rows. O(1).
  Status Latest(uint32_t table_id, std::string_view symbol, RecordBatch* out) const;
  // One batch per symbol that has rows in range, symbols in lexicographic order, each sorted by
  // ts (stable: equal timestamps keep arrival order).
  Result<std::vector<RecordBatch>> Scan(const HotScanRequest& request) const;
  std::vector<std::string> Symbols(uint32_t table_id) const;
  std::vector<HotTableStats> Stats() const;
  size_t used_bytes() const { return used_bytes_.load(std::memory_order_relaxed); }
  // Removes every row whose LSN <= lsn (after a flush made them durable elsewhere).
  Status DropUpTo(uint64_t lsn);

 private:
  struct Table;
  Result<Table*> FindTable(uint32_t table_id) const;
  SeriesBuffer* GetOrCreateSeries(Table* table, std::string_view symbol);

  Options options_;
  mutable std::shared_mutex tables_mu_;
  std::unordered_map<uint32_t, std::unique_ptr<Table>> tables_;
  std::atomic<size_t> used_bytes_{0};
};

}  // namespace strata
