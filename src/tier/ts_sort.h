// Sorting a batch's rows by their timestamp, stably (ties keep their arrival order), as every tier
// operation writes them.
#pragma once

#include <cstdint>
#include <vector>

#include "strata/batch.h"

namespace strata::tier {

// Row order [0, n) sorted by the timestamp column, stable (ties keep their order). Empty when
// already sorted (the caller can then skip a Take).
std::vector<uint32_t> StableTsOrder(const RecordBatch& batch, int ts_col);
// `batch` sorted by ts, stable.
RecordBatch SortByTs(const RecordBatch& batch, int ts_col);
// The same, without a copy when `batch` is already sorted.
RecordBatch SortByTs(RecordBatch&& batch, int ts_col);

}  // namespace strata::tier
