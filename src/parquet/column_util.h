// Bulk column operations the Parquet reader and writer need beyond strata::Column's API.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "strata/batch.h"

namespace strata::parquet {

// Appends rows [begin, begin + count) of `src` to `dst` (same type) with bulk copies.
void AppendRange(const Column& src, size_t begin, size_t count, Column* dst);

// Reserves room for `rows` more rows and, for large reservations, asks the kernel to back them
// with transparent huge pages: a 10-million-row read otherwise spends much of its time faulting
// in 4 KiB pages.
void ReserveRows(Column* col, size_t rows);
// The same for the characters of a string column: room for `bytes` characters in all.
void ReserveChars(Column* col, size_t bytes);

// Keeps only the rows in `ranges` (sorted, disjoint [begin, end) pairs) of `col`.
Column SelectRanges(const Column& col, const std::vector<std::pair<size_t, size_t>>& ranges);

}  // namespace strata::parquet
