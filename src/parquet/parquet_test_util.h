// Test helpers for the Parquet module: batches with every column type and edge values.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "strata/batch.h"

namespace strata::parquet::testing {

// Columns: one of each strata type, required, then each again as nullable ("n_" prefix).
// Values include the edges: int64/int32 min and max, NaN, +-inf, -0.0, empty strings, long
// strings; nullable columns are null on roughly every `null_every`-th row (0: never null).
// With valid_utf8 the strings are valid UTF-8 (other readers reject anything else in a STRING
// column); otherwise some hold arbitrary bytes.
inline RecordBatch MakeAllTypes(size_t rows, uint64_t seed, int null_every = 5, bool valid_utf8 = false) {
  std::vector<Field> fields = {
      {"ts", ColumnType::kTimestamp, false}, {"sym", ColumnType::kSymbol, false}, {"f", ColumnType::kFloat64, false},
      {"i", ColumnType::kInt64, false},      {"k", ColumnType::kInt32, false},    {"s", ColumnType::kString, false},
      {"b", ColumnType::kBool, false},
  };
  size_t base = fields.size();
  for (size_t c = 0; c < base; ++c) fields.push_back({"n_" + fields[c].name, fields[c].type, true});
  RecordBatch batch(fields);
  std::mt19937_64 rng(seed);
  const double kDoubles[] = {0.0,
                             -0.0,
                             1.5,
                             -2.25,
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             std::nan(""),
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::denorm_min()};
  const int64_t kInts[] = {0, 1, -1, INT64_MIN, INT64_MAX, 1234567890123LL};
  const int32_t kInt32s[] = {0, -1, INT32_MIN, INT32_MAX, 77};
  int64_t ts = 1772460000000000000LL;
  for (size_t r = 0; r < rows; ++r) {
    ts += 1000 + static_cast<int64_t>(rng() % 5000);
    double d = rng() % 4 == 0 ? kDoubles[rng() % 9] : 100.0 + static_cast<double>(rng() % 10000) / 100.0;
    int64_t i = rng() % 4 == 0 ? kInts[rng() % 6] : static_cast<int64_t>(rng() % 1000) * 100;
    int32_t k = rng() % 4 == 0 ? kInt32s[rng() % 5] : static_cast<int32_t>(rng() % 5000) - 2500;
    std::string sym = "S" + std::to_string(rng() % 37);
    std::string s;
    switch (rng() % 6) {
      case 0: s = ""; break;
      case 1: s = std::string(100 + rng() % 50, 'x') + std::to_string(r); break;  // long: truncated stats
      case 2:
        s = (valid_utf8 ? "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac " : "\xff\xfe binary-ish ") +
            std::to_string(rng() % 100);
        break;
      default: s = "note-" + std::to_string(rng() % 300);
    }
    bool b = rng() % 3 == 0;
    for (int pass = 0; pass < 2; ++pass) {
      size_t o = pass * base;
      bool null = pass == 1 && null_every > 0 && rng() % null_every == 0;
      auto& cols = batch.columns();
      if (null) {
        for (size_t c = 0; c < base; ++c) cols[o + c].AppendNull();
        continue;
      }
      cols[o + 0].AppendInt64(ts);
      cols[o + 1].AppendString(sym);
      cols[o + 2].AppendDouble(d);
      cols[o + 3].AppendInt64(i);
      cols[o + 4].AppendInt32(k);
      cols[o + 5].AppendString(s);
      cols[o + 6].AppendBool(b);
    }
  }
  return batch;
}

// Explains the first difference between two batches ("" if equal).
inline std::string FirstDifference(const RecordBatch& a, const RecordBatch& b) {
  if (a.fields() != b.fields()) return "fields differ";
  if (a.num_rows() != b.num_rows()) {
    return "rows differ: " + std::to_string(a.num_rows()) + " vs " + std::to_string(b.num_rows());
  }
  for (size_t c = 0; c < a.num_columns(); ++c) {
    if (a.column(c).Equals(b.column(c))) continue;
    for (size_t r = 0; r < a.num_rows(); ++r) {
      if (!a.column(c).Slice(r, 1).Equals(b.column(c).Slice(r, 1))) {
        return "column " + a.fields()[c].name + " row " + std::to_string(r) + ": " + a.RowToString(r) + " vs " +
               b.RowToString(r);
      }
    }
    return "column " + a.fields()[c].name + " differs";
  }
  return "";
}

}  // namespace strata::parquet::testing
