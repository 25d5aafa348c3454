// Column statistics: min, max, null and NaN counts of a page or column chunk, gathered by the
// writer and encoded as Parquet stores them (PLAIN bytes; strings without a length prefix).
//
// Orders follow the spec's TYPE_ORDER: signed for integers and timestamps, numeric for doubles
// with NaN left out (counted in nan_count instead), false < true, unsigned bytes for strings.
// A zero minimum is written as -0.0 and a zero maximum as +0.0, as the spec asks, so readers
// that compare with <= never exclude the other zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parquet/format.h"
#include "strata/batch.h"

namespace strata::parquet {

// Strings longer than this are truncated in statistics and the page index: a shorter lower
// bound for min, and a prefix with its last byte raised for max.
inline constexpr size_t kMaxStatBytes = 64;

class ValueStats {
 public:
  explicit ValueStats(ColumnType type) : type_(type) {}

  // Folds in values[rows] of a column: `rows` is [begin, end), nulls (validity 0) are counted.
  void Update(const Column& col, size_t begin, size_t end);
  void Merge(const ValueStats& other);

  bool has_min_max() const { return has_; }
  int64_t null_count() const { return nulls_; }
  int64_t nan_count() const { return nans_; }
  bool only_nan() const { return !has_ && nans_ > 0; }

  // PLAIN-encoded bounds; REQUIRES: has_min_max(). *exact is false when a string was truncated.
  std::string EncodedMin(bool* exact) const;
  std::string EncodedMax(bool* exact) const;

  // Parquet Statistics for the column chunk (or page header).
  Statistics ToThrift() const;

 private:
  ColumnType type_;
  bool has_ = false;
  int64_t nulls_ = 0;
  int64_t nans_ = 0;
  int64_t imin_ = 0, imax_ = 0;  // int64, timestamp, i32, bool
  double dmin_ = 0, dmax_ = 0;
  std::string smin_, smax_;
};

// Decodes an INT64 statistic (8 little-endian bytes); nullopt if the size is wrong.
std::optional<int64_t> DecodeInt64Stat(std::string_view bytes);

// The strongest bounds of a column chunk's statistics as int64 (for timestamp pruning):
// min_value/max_value when present, else the deprecated signed min/max.
bool Int64Bounds(const Statistics& s, int64_t* min, int64_t* max);

}  // namespace strata::parquet
