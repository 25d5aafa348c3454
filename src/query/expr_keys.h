// Row keys over columns, shared by the hash aggregate and the hash join: hashing a row of several
// key columns and comparing two rows. f64 keys are normalised (-0.0 == 0.0, NaN == NaN, as
// DuckDB groups them); symbol and string compare as bytes; i32, i64, bool and timestamp keys of
// the same row value hash alike.
#pragma once

#include <cstdint>
#include <vector>

#include "strata/batch.h"

namespace strata::query {

// hashes[i] = hash of row i of `keys` (all of equal length); a null hashes to a fixed value.
void HashKeyRows(const std::vector<const Column*>& keys, std::vector<uint64_t>* hashes);
// The hash of row i alone: HashKeyRows' hashes[i] (for grouped input, where only the first row of
// each run of equal keys needs one).
uint64_t HashKeyRow(const std::vector<const Column*>& keys, size_t i);
// Row `i` of `a` equals row `j` of `b` column by column (columns of comparable types). Two nulls
// are equal (grouping); callers that want SQL equality (joins) skip rows with a null key first.
bool KeyRowsEqual(const std::vector<const Column*>& a, size_t i, const std::vector<const Column*>& b, size_t j);
// True when any key column is null at row i.
bool AnyKeyNull(const std::vector<const Column*>& keys, size_t i);
// Three-way comparison of row i of `a` and row j of `b` (same type): nulls compare equal to each
// other and the caller orders them; f64 by CompareDoubles; strings byte-wise.
int CompareValues(const Column& a, size_t i, const Column& b, size_t j);

}  // namespace strata::query
