// The hot tier: rows that are in the WAL but not yet in Parquet, held in RAM per series
// (table, symbol) as column buffers that grow in chunks (see series_buffer.h for the layout and
// the memory-ordering argument).
//
// Thread-safety: every method may be called from any number of threads at once. Inserts into
// different series run in parallel; inserts into one series serialise on that series' writer
// mutex. Readers (Latest, Scan, Symbols, Stats) never wait for writers: each reads a prefix of
// every series that ends at an Insert boundary (a concurrent Insert's part of a series is wholly
// in or wholly out). Only DropUpTo briefly excludes readers of a series, to swap its storage.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"

namespace strata {

struct HotScanRequest {
  uint32_t table_id = 0;
  std::vector<std::string> symbols;                       // empty = every symbol of the table
  int64_t from_ts = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_ts = std::numeric_limits<int64_t>::max();    // exclusive
  std::vector<std::string> columns;                       // projection; empty = all, in schema order
};

struct HotTableStats {
  uint32_t table_id = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;   // allocated bytes of the table's series (capacity, not just rows)
  uint64_t series = 0;  // series with at least one row
  uint64_t max_lsn = 0;
  uint64_t max_series_rows = 0;   // rows of the table's largest series (a per-series flush trigger)
  uint64_t max_series_bytes = 0;  // allocated bytes of the table's largest series
};

class HotTier {
 public:
  struct Options {
    size_t memory_budget_bytes = 2ull << 30;
    // Called (outside any hot-tier lock, from the inserting thread) when used bytes cross the
    // budget; the database uses it to trigger a flush. Called after every Insert that leaves
    // used_bytes() over budget, so it must be cheap (signal, do not flush inline) and thread-safe.
    std::function<void(size_t used_bytes)> on_pressure;
    // Memory of dropped chunks kept for reuse by later inserts instead of being freed, so that
    // ingest after a flush writes to pages already mapped (a page fault per fresh 4 KiB page is
    // what dominates insert cost otherwise). Not counted in used_bytes(); see pooled_bytes().
    size_t chunk_pool_bytes = 256ull << 20;
  };

  explicit HotTier(Options options);
  ~HotTier();
  HotTier(const HotTier&) = delete;
  HotTier& operator=(const HotTier&) = delete;

  // Registers a table. OK again for the same schema; InvalidArgument for a different one.
  Status AddTable(uint32_t table_id, const Schema& schema);
  // Gives a registered table a new schema (a column added: Database::AddColumn). REQUIRES: no
  // Insert into the table runs meanwhile. Busy when the table holds rows (flush
  // them first), NotFound for an unknown table. Its old, empty series stay allocated (readers
  // may hold them) but are no longer found; the next rows start new series of the new schema.
  Status ReplaceSchema(uint32_t table_id, const Schema& schema);

  // Inserts the rows of `batch`, split by symbol, tagging them with `lsn` (the series' max LSN
  // becomes at least `lsn`). Out-of-order timestamps are accepted and kept in arrival order.
  // REQUIRES: batch.ValidateAgainst(schema) would pass; Insert re-checks only the fields and the
  // column shapes (NotFound for an unknown table, InvalidArgument otherwise, and for an empty
  // symbol; then nothing is inserted).
  Status Insert(uint32_t table_id, const RecordBatch& batch, uint64_t lsn);

  // The latest row of one series (greatest ts; on equal ts the later arrival), written into *out:
  // refilled in place when *out already has the table's fields (keeping its capacity, so a reused
  // `out` does not allocate), else replaced by a one-row batch of the table's fields. NotFound if
  // the table or series does not exist or has no rows. O(1): a hash lookup and one row copied.
  // `tied` (may be null) is set when other rows of the series have the same ts: some may be
  // duplicates (tier/dedup.h: the first arrival wins), which the hot tier does not drop, so the
  // caller must then decide from the deduplicated rows at that ts (what a scan returns).
  // `flushed_max_ts` (may be null): the greatest ts of the series' rows in warm/cold files as far as
  // the hot tier knows (SeriesBuffer::flushed_max_ts: INT64_MAX when unknown); a row there at or
  // after the hot row's ts may be the latest, or the first arrival of a duplicate.
  Status Latest(uint32_t table_id, std::string_view symbol, RecordBatch* out, bool* tied = nullptr,
                int64_t* flushed_max_ts = nullptr) const;
  // Records the greatest ts of the series' rows in warm/cold files (INT64_MIN: none), read from the
  // catalog. No-op for a series without a hot buffer. REQUIRES: no DropUpTo of the series runs
  // between the catalog read and this call (the database holds its scan lock across both).
  void SetFlushedMaxTs(uint32_t table_id, std::string_view symbol, int64_t ts);

  // Rows of the requested symbols with ts in [from_ts, to_ts), projected, sorted by ts within each
  // symbol (stable: equal timestamps keep arrival order); one batch per symbol that has such rows,
  // symbols in lexicographic order. Unknown symbols are skipped (they may live in other tiers).
  // NotFound for an unknown table, InvalidArgument for an unknown column.
  Result<std::vector<RecordBatch>> Scan(const HotScanRequest& request) const;

  // Symbols of the table that have rows, sorted. Empty for an unknown table.
  std::vector<std::string> Symbols(uint32_t table_id) const;
  // One entry per registered table, by table id.
  std::vector<HotTableStats> Stats() const;
  // Bytes allocated by all series (chunk capacity, string blocks, directories, headers).
  size_t used_bytes() const { return used_bytes_.load(std::memory_order_relaxed); }
  // Bytes of dropped chunk memory held for reuse (at most Options::chunk_pool_bytes).
  size_t pooled_bytes() const;

  // Removes every row inserted with an LSN <= lsn (after a flush made them durable elsewhere) and
  // frees their memory. Rows with a greater LSN stay, in their order, with their LSNs. A series
  // emptied this way keeps a small header (a few hundred bytes) so that readers never race with its
  // deletion; it no longer appears in Symbols() or in Stats().series.
  // With `table_id` set, only that table's rows are removed (a one-table flush).
  Status DropUpTo(uint64_t lsn, std::optional<uint32_t> table_id = std::nullopt);

  // A flush's input without copying it: one entry per series that may hold rows inserted with
  // an LSN <= lsn (order: table id, then symbol; with `table_id` set, only that table's), whose
  // `load` appends those rows (all columns, arrival order; possibly none) to *out (the table's
  // fields, no rows) when called, from any thread, so a flush copies series in parallel, one at
  // a time per thread, into a buffer it reuses (fresh memory for every series costs a page fault
  // per 4 KiB). Runs beside inserts.
  // REQUIRES: no DropUpTo runs until every `load` has returned; the HotTier outlives them.
  struct PendingSeries {
    uint32_t table_id = 0;
    std::string symbol;
    std::function<void(RecordBatch* out)> load;
    uint64_t rows_hint = 0;  // the series' rows when listed (at least what `load` copies, barring drops)
  };
  std::vector<PendingSeries> PendingUpTo(uint64_t lsn, std::optional<uint32_t> table_id = std::nullopt) const;

 private:
  struct State;

  const Options options_;
  const std::unique_ptr<State> state_;
  std::atomic<size_t> used_bytes_{0};
};

}  // namespace strata
