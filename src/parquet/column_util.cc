#include "parquet/column_util.h"

#include <sys/mman.h>

#include <cstdint>

namespace strata::parquet {
namespace {

void AdviseHugePages(const void* p, size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  uintptr_t b = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  // Advice only: failure (no THP, not a mapping of its own) changes nothing.
  if (e > b) (void)madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

template <typename T>
void ReserveVector(std::vector<T>* v, size_t more) {
  v->reserve(v->size() + more);
  AdviseHugePages(v->data(), v->capacity() * sizeof(T));
}

}  // namespace

void ReserveChars(Column* col, size_t bytes) {
  if (col->chars().capacity() >= bytes) return;
  col->chars().reserve(bytes);
  AdviseHugePages(col->chars().data(), col->chars().capacity());
}

void ReserveRows(Column* col, size_t rows) {
  switch (col->type()) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: ReserveVector(&col->int64s(), rows); break;
    case ColumnType::kInt32: ReserveVector(&col->int32s(), rows); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: ReserveVector(&col->doubles(), rows); break;
    case ColumnType::kBool: ReserveVector(&col->bools(), rows); break;
    case ColumnType::kSymbol:
    case ColumnType::kString: ReserveVector(&col->offsets(), rows); break;
  }
}

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
    case ColumnType::kFloat32:
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
