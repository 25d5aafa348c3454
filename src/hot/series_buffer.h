// One series' rows in RAM: column values in chunks that never move once allocated. See the
// concurrency note in hot_tier.h.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "strata/batch.h"

namespace strata {

// A fixed-capacity block of rows. String columns keep per-row end offsets into a chunk-local
// arena; a chunk is sealed when its rows or any arena run out.
struct SeriesChunk {
  SeriesChunk(const Schema& schema, uint32_t capacity, const std::vector<size_t>& arena_bytes);
  uint32_t capacity;
  size_t allocated = 0;
  std::vector<std::unique_ptr<uint8_t[]>> fixed;    // fixed-width values, per column
  std::vector<std::unique_ptr<uint32_t[]>> ends;    // string end offsets, per column
  std::vector<std::unique_ptr<char[]>> arenas;      // string bytes, per column
  std::vector<size_t> arena_capacity;
  std::vector<std::unique_ptr<uint8_t[]>> validity; // nullable columns: 1 = valid
};

class SeriesBuffer {
 public:
  SeriesBuffer(std::string symbol, const Schema* schema);

  const std::string& symbol() const { return symbol_; }

  // Appends rows[0..n) of `batch` with `lsn`; returns bytes newly allocated.
  size_t Append(const RecordBatch& batch, const uint32_t* rows, size_t n, uint64_t lsn);

  struct Snapshot {
    uint64_t rows = 0;
    bool sorted = true;
    std::vector<std::shared_ptr<const SeriesChunk>> chunks;
    std::vector<uint64_t> first_row;  // of each chunk
  };
  Snapshot Take() const;

  // Copies the latest row into `out` (fields = schema); false if empty.
  bool CopyLatest(RecordBatch* out) const;
  // Appends rows of `snap` with ts in [from, to) to `out` (projected columns `cols`), sorted by ts.
  static void CopyRange(const Snapshot& snap, const Schema& schema, const std::vector<int>& cols, int64_t from,
                        int64_t to, const std::string& symbol, RecordBatch* out);
  // Removes rows with LSN <= lsn. Returns the change in allocated bytes (<= 0).
  int64_t DropUpTo(uint64_t lsn);

  uint64_t rows() const;
  uint64_t max_lsn() const;
  size_t allocated_bytes() const;

 private:
  struct LsnRun {
    uint64_t first_row;
    uint64_t lsn;
  };
  size_t NewChunk(const std::vector<size_t>& min_arena);
  size_t AppendLocked(const RecordBatch& batch, const uint32_t* rows, size_t n);

  const std::string symbol_;
  const Schema* schema_;
  const int ts_col_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<SeriesChunk>> chunks_;
  std::vector<uint64_t> first_row_;
  uint64_t rows_ = 0;
  uint32_t used_in_last_ = 0;
  std::vector<size_t> arena_used_;  // in the last chunk, per column
  std::vector<uint64_t> string_bytes_seen_;
  bool sorted_ = true;
  int64_t last_ts_ = INT64_MIN;
  uint64_t latest_row_ = 0;
  int64_t latest_ts_ = INT64_MIN;
  std::vector<LsnRun> lsn_runs_;
  uint64_t max_lsn_ = 0;
  size_t allocated_ = 0;
};

}  // namespace strata
