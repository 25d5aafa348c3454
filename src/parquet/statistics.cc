#include "parquet/statistics.h"

#include <cmath>
#include <cstring>

namespace strata::parquet {
namespace {

std::string Le64(int64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }
std::string Le32(int32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string LeDouble(double v) { return std::string(reinterpret_cast<const char*>(&v), 8); }
std::string LeFloat(double v) {
  float f = static_cast<float>(v);
  return std::string(reinterpret_cast<const char*>(&f), 4);
}

std::string TruncateMin(const std::string& s, bool* exact) {
  *exact = s.size() <= kMaxStatBytes;
  return *exact ? s : s.substr(0, kMaxStatBytes);
}

std::string TruncateMax(const std::string& s, bool* exact) {
  *exact = true;
  if (s.size() <= kMaxStatBytes) return s;
  std::string t = s.substr(0, kMaxStatBytes);
  // Raise the last byte that can be raised; everything after it goes.
  while (!t.empty() && static_cast<unsigned char>(t.back()) == 0xff) t.pop_back();
  if (t.empty()) return s;  // all 0xff: no shorter upper bound exists
  t.back() = static_cast<char>(static_cast<unsigned char>(t.back()) + 1);
  *exact = false;
  return t;
}

template <typename T>
void MinMax(const T* v, const uint8_t* valid, size_t n, bool* has, int64_t* mn, int64_t* mx) {
  int64_t lo = *mn, hi = *mx;
  bool any = *has;
  if (valid == nullptr) {
    if (n == 0) return;
    if (!any) lo = hi = v[0];
    for (size_t i = 0; i < n; ++i) {
      int64_t x = v[i];
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    any = true;
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (!valid[i]) continue;
      int64_t x = v[i];
      if (!any) {
        lo = hi = x;
        any = true;
      }
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
  }
  *has = any;
  *mn = lo;
  *mx = hi;
}

}  // namespace

void ValueStats::Update(const Column& col, size_t begin, size_t end) {
  size_t n = end - begin;
  const uint8_t* valid = col.validity().empty() ? nullptr : col.validity().data() + begin;
  if (valid != nullptr) {
    for (size_t i = 0; i < n; ++i) nulls_ += valid[i] == 0;
  }
  switch (type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: MinMax(col.int64s().data() + begin, valid, n, &has_, &imin_, &imax_); break;
    case ColumnType::kInt32: MinMax(col.int32s().data() + begin, valid, n, &has_, &imin_, &imax_); break;
    case ColumnType::kBool: MinMax(col.bools().data() + begin, valid, n, &has_, &imin_, &imax_); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: {
      const double* v = col.doubles().data() + begin;
      for (size_t i = 0; i < n; ++i) {
        if (valid != nullptr && !valid[i]) continue;
        double x = v[i];
        if (std::isnan(x)) {
          ++nans_;
          continue;
        }
        if (!has_) {
          dmin_ = dmax_ = x;
          has_ = true;
        }
        dmin_ = x < dmin_ ? x : dmin_;
        dmax_ = x > dmax_ ? x : dmax_;
      }
      break;
    }
    case ColumnType::kSymbol:
    case ColumnType::kString: {
      // Track views and copy once at the end: most values are neither the min nor the max.
      std::string_view lo, hi;
      bool any = false;
      for (size_t i = begin; i < end; ++i) {
        if (valid != nullptr && !valid[i - begin]) continue;
        std::string_view s = col.GetString(i);
        if (!any) {
          lo = hi = s;
          any = true;
          continue;
        }
        if (s < lo) lo = s;
        if (s > hi) hi = s;
      }
      if (any) {
        if (!has_ || lo < std::string_view(smin_)) smin_.assign(lo);
        if (!has_ || hi > std::string_view(smax_)) smax_.assign(hi);
        has_ = true;
      }
      break;
    }
  }
}

void ValueStats::Merge(const ValueStats& o) {
  nulls_ += o.nulls_;
  nans_ += o.nans_;
  if (!o.has_) return;
  if (!has_) {
    imin_ = o.imin_, imax_ = o.imax_, dmin_ = o.dmin_, dmax_ = o.dmax_, smin_ = o.smin_, smax_ = o.smax_;
    has_ = true;
    return;
  }
  imin_ = std::min(imin_, o.imin_);
  imax_ = std::max(imax_, o.imax_);
  dmin_ = std::min(dmin_, o.dmin_);
  dmax_ = std::max(dmax_, o.dmax_);
  if (o.smin_ < smin_) smin_ = o.smin_;
  if (o.smax_ > smax_) smax_ = o.smax_;
}

std::string ValueStats::EncodedMin(bool* exact) const {
  *exact = true;
  switch (type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: return Le64(imin_);
    case ColumnType::kInt32: return Le32(static_cast<int32_t>(imin_));
    case ColumnType::kBool: return std::string(1, static_cast<char>(imin_ != 0));
    case ColumnType::kFloat64: return LeDouble(dmin_ == 0 ? -0.0 : dmin_);
    case ColumnType::kFloat32: return LeFloat(dmin_ == 0 ? -0.0 : dmin_);
    case ColumnType::kSymbol:
    case ColumnType::kString: return TruncateMin(smin_, exact);
  }
  return "";
}

std::string ValueStats::EncodedMax(bool* exact) const {
  *exact = true;
  switch (type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: return Le64(imax_);
    case ColumnType::kInt32: return Le32(static_cast<int32_t>(imax_));
    case ColumnType::kBool: return std::string(1, static_cast<char>(imax_ != 0));
    case ColumnType::kFloat64: return LeDouble(dmax_ == 0 ? 0.0 : dmax_);
    case ColumnType::kFloat32: return LeFloat(dmax_ == 0 ? 0.0 : dmax_);
    case ColumnType::kSymbol:
    case ColumnType::kString: return TruncateMax(smax_, exact);
  }
  return "";
}

Statistics ValueStats::ToThrift() const {
  Statistics s;
  s.null_count = nulls_;
  if (IsFloating(type_)) s.nan_count = nans_;
  if (has_) {
    bool min_exact, max_exact;
    s.min_value = EncodedMin(&min_exact);
    s.max_value = EncodedMax(&max_exact);
    s.is_min_value_exact = min_exact;
    s.is_max_value_exact = max_exact;
    // The deprecated fields use signed order, which agrees with ours for numbers but not for
    // strings; old readers get them only where they mean the same thing.
    if (!IsStringLike(type_)) {
      s.min = s.min_value;
      s.max = s.max_value;
    }
  }
  return s;
}

std::optional<int64_t> DecodeInt64Stat(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  int64_t v;
  std::memcpy(&v, bytes.data(), 8);
  return v;
}

bool Int64Bounds(const Statistics& s, int64_t* min, int64_t* max) {
  std::optional<int64_t> lo, hi;
  if (s.min_value && s.max_value) {
    lo = DecodeInt64Stat(*s.min_value);
    hi = DecodeInt64Stat(*s.max_value);
  } else if (s.min && s.max) {
    lo = DecodeInt64Stat(*s.min);
    hi = DecodeInt64Stat(*s.max);
  }
  if (!lo || !hi) return false;
  *min = *lo;
  *max = *hi;
  return true;
}

}  // namespace strata::parquet
