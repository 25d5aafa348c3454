#include "parquet/column_util.h"

namespace strata::parquet {

void AppendRange(const Column& src, size_t begin, size_t count, Column* dst) {
  if (count == 0) return;
  size_t old = dst->size();
  bool src_nulls = !src.validity().empty();
  switch (src.type()) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64:
      dst->int64s().insert(dst->int64s().end(), src.int64s().begin() + begin, src.int64s().begin() + begin + count);
      break;
    case ColumnType::kInt32:
      dst->int32s().insert(dst->int32s().end(), src.int32s().begin() + begin, src.int32s().begin() + begin + count);
      break;
    case ColumnType::kFloat64:
      dst->doubles().insert(dst->doubles().end(), src.doubles().begin() + begin, src.doubles().begin() + begin + count);
      break;
    case ColumnType::kBool:
      dst->bools().insert(dst->bools().end(), src.bools().begin() + begin, src.bools().begin() + begin + count);
      break;
    case ColumnType::kSymbol:
    case ColumnType::kString: {
      uint32_t first = src.offsets()[begin], last = src.offsets()[begin + count];
      uint32_t shift = static_cast<uint32_t>(dst->chars().size()) - first;
      dst->chars().append(src.chars(), first, last - first);
      auto& off = dst->offsets();
      size_t at = off.size();
      off.resize(at + count);
      for (size_t i = 0; i < count; ++i) off[at + i] = src.offsets()[begin + 1 + i] + shift;
      break;
    }
  }
  if (src_nulls || !dst->validity().empty()) {
    auto& v = dst->validity();
    if (v.empty()) v.assign(old, 1);
    if (src_nulls) {
      v.insert(v.end(), src.validity().begin() + begin, src.validity().begin() + begin + count);
    } else {
      v.resize(old + count, 1);
    }
  }
  dst->SetSizeFromStorage().IgnoreError();  // consistent by construction
}

Column SelectRanges(const Column& col, const std::vector<std::pair<size_t, size_t>>& ranges) {
  Column out(col.type());
  size_t total = 0;
  for (const auto& r : ranges) total += r.second - r.first;
  out.Reserve(total);
  for (const auto& r : ranges) AppendRange(col, r.first, r.second - r.first, &out);
  return out;
}

}  // namespace strata::parquet
