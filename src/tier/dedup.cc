#include "tier/dedup.h"

#include <bit>
#include <functional>
#include <string_view>

#include "parquet/column_util.h"

namespace strata::tier {
namespace {

bool CellsEqual(const Column& a, size_t i, const Column& b, size_t j) {
  const bool an = a.IsNull(i), bn = b.IsNull(j);
  if (an || bn) return an == bn;
  switch (a.type()) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: return a.int64s()[i] == b.int64s()[j];
    case ColumnType::kInt32: return a.int32s()[i] == b.int32s()[j];
    case ColumnType::kFloat32:
    case ColumnType::kFloat64:
      return std::bit_cast<uint64_t>(a.doubles()[i]) == std::bit_cast<uint64_t>(b.doubles()[j]);
    case ColumnType::kBool: return a.bools()[i] == b.bools()[j];
    case ColumnType::kSymbol:
    case ColumnType::kString: return a.GetString(i) == b.GetString(j);
  }
  return false;
}

uint64_t Mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x9E3779B97F4A7C15ull + (h >> 29); }

}  // namespace

std::vector<int> IdentityColumns(const std::vector<Field>& fields, const Schema& schema,
                                 const std::optional<std::string>& key) {
  const std::string& ts = schema.field(schema.ts_index()).name;
  const std::string& symbol = schema.field(schema.symbol_index()).name;
  std::vector<int> cols;
  for (size_t c = 0; c < fields.size(); ++c) {
    const std::string& name = fields[c].name;
    if (key ? name == *key : (name != ts && name != symbol)) cols.push_back(static_cast<int>(c));
  }
  return cols;
}

bool SameIdentity(const RecordBatch& a, size_t i, const RecordBatch& b, size_t j, const std::vector<int>& cols) {
  for (int c : cols) {
    if (!CellsEqual(a.column(static_cast<size_t>(c)), i, b.column(static_cast<size_t>(c)), j)) return false;
  }
  return true;
}

void TsRunSet::Clear() {
  if (rows_ == 0) return;
  kept_.Clear();  // keeps its capacity
  rows_ = 0;
  index_.clear();
}

uint64_t TsRunSet::Hash(const RecordBatch& b, size_t i) const {
  uint64_t h = 0;
  for (int ci : cols_) {
    const Column& c = b.column(static_cast<size_t>(ci));
    if (c.IsNull(i)) {
      h = Mix(h, 0x5bd1e995);
      continue;
    }
    switch (c.type()) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: h = Mix(h, static_cast<uint64_t>(c.int64s()[i])); break;
      case ColumnType::kInt32: h = Mix(h, static_cast<uint64_t>(c.int32s()[i])); break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: h = Mix(h, std::bit_cast<uint64_t>(c.doubles()[i])); break;
      case ColumnType::kBool: h = Mix(h, c.bools()[i]); break;
      case ColumnType::kSymbol:
      case ColumnType::kString: h = Mix(h, std::hash<std::string_view>{}(c.GetString(i))); break;
    }
  }
  return h;
}

bool TsRunSet::SeenOrAdd(const RecordBatch& b, size_t i) {
  uint64_t h = 0;
  if (rows_ >= kLinear) {
    if (index_.empty()) {
      for (size_t r = 0; r < rows_; ++r) index_.emplace(Hash(kept_, r), r);
    }
    h = Hash(b, i);
    auto [lo, hi] = index_.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
      if (SameIdentity(kept_, it->second, b, i, cols_)) return true;
    }
  } else {
    for (size_t r = 0; r < rows_; ++r) {
      if (SameIdentity(kept_, r, b, i, cols_)) return true;
    }
  }
  for (size_t c = 0; c < b.num_columns(); ++c) parquet::AppendRange(b.column(c), i, 1, &kept_.column(c));
  if (!index_.empty()) index_.emplace(h, rows_);
  ++rows_;
  return false;
}

int KeyColumn(const TableDef& def) { return def.dedup_key ? def.schema.FieldIndex(*def.dedup_key) : -1; }

size_t Dedup(RecordBatch* batch, int key_col) {
  int ts_col = -1;
  for (size_t c = 0; c < batch->num_columns(); ++c) {
    if (batch->fields()[c].type == ColumnType::kTimestamp) {
      ts_col = static_cast<int>(c);
      break;
    }
  }
  if (ts_col < 0) return 0;
  std::vector<int> cols;
  if (key_col >= 0) {
    cols.push_back(key_col);
  } else {
    for (size_t c = 0; c < batch->num_columns(); ++c) {
      if (static_cast<int>(c) != ts_col) cols.push_back(static_cast<int>(c));
    }
  }
  const std::vector<int64_t>& ts = batch->column(static_cast<size_t>(ts_col)).int64s();
  const size_t n = ts.size();
  std::vector<uint32_t> keep;
  bool dropped = false;
  TsRunSet run(batch->fields(), cols);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && ts[j] == ts[i]) ++j;
    if (j - i == 1) {
      if (dropped) keep.push_back(static_cast<uint32_t>(i));
    } else {
      run.Clear();
      for (size_t r = i; r < j; ++r) {
        if (run.SeenOrAdd(*batch, r)) {
          if (!dropped) {  // the first duplicate: every row before it was kept
            dropped = true;
            keep.reserve(n);
            for (size_t q = 0; q < r; ++q) keep.push_back(static_cast<uint32_t>(q));
          }
        } else if (dropped) {
          keep.push_back(static_cast<uint32_t>(r));
        }
      }
    }
    i = j;
  }
  if (!dropped) return 0;
  const size_t removed = n - keep.size();
  *batch = batch->Take(keep);
  return removed;
}

}  // namespace strata::tier
