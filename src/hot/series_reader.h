// Reading a published prefix of a hot series into RecordBatch columns (internal to src/hot).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "hot/series_chunk.h"
#include "strata/batch.h"

namespace strata {

// What a reader may read of one series: its first `rows` rows, chunk by chunk. Built by
// SeriesBuffer under its reader lock from published counts; valid while that lock is held.
struct SeriesView {
  struct Part {
    const SeriesChunk* chunk = nullptr;
    uint64_t first_row = 0;  // series row number of the chunk's row 0
    uint32_t rows = 0;       // rows of this chunk inside the view
  };
  std::vector<Part> parts;
  uint64_t rows = 0;
  uint64_t sorted_rows = 0;  // rows [0, sorted_rows) are in non-decreasing ts order
};

// Appends to *out the view's rows with ts in [from, to), sorted by ts (stable: equal timestamps in
// arrival order). Column k of *out takes schema column cols[k]; the symbol column is filled with
// `symbol`. REQUIRES: *out has no rows and its columns have the types of those schema columns.
void ScanView(const SeriesView& view, const Schema& schema, std::string_view symbol, int64_t from, int64_t to,
              const std::vector<int>& cols, RecordBatch* out);

// Appends rows [begin, end) of the view in arrival order, every column of `schema`, to *out.
// REQUIRES: *out has no rows, fields == schema's; end <= view.rows.
void CopyArrivalOrder(const SeriesView& view, const Schema& schema, std::string_view symbol, uint64_t begin,
                      uint64_t end, RecordBatch* out);

// Refills every column of *out (fields == schema's) with row `row` of `chunk`: Clear() then one
// value, so a reused batch keeps its capacity and does not allocate.
void CopyOneRow(const SeriesChunk& chunk, uint32_t row, const Schema& schema, std::string_view symbol,
                RecordBatch* out);

}  // namespace strata
