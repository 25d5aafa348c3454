// Bulk column operations the Parquet reader and writer need beyond strata::Column's API.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "strata/batch.h"

namespace strata::parquet {

// Appends rows [begin, begin + count) of `src` to `dst` (same type) with bulk copies.
void AppendRange(const Column& src, size_t begin, size_t count, Column* dst);

// Keeps only the rows in `ranges` (sorted, disjoint [begin, end) pairs) of `col`.
Column SelectRanges(const Column& col, const std::vector<std::pair<size_t, size_t>>& ranges);

}  // namespace strata::parquet
