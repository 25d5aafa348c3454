#include "tier/lake.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string_view>

#include "catalog/layout.h"
#include "strata/timestamp.h"

namespace strata::tier {
namespace {

std::string Seq6(int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%06lld.parquet", static_cast<long long>(seq));
  return buf;
}

}  // namespace

std::string EscapePartitionValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if (IsPlainPartitionByte(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  if (out.empty() || out == "." || out == "..") out = "%" + out;  // never a special directory name
  return out;
}

std::string WarmSeriesDayDir(std::string_view table, int64_t day, std::string_view symbol) {
  return std::string(layout::kWarmDirName) + "/" + std::string(table) + "/date=" + FormatDate(DayStartNs(day)) +
         "/symbol=" + EscapePartitionValue(symbol);
}

std::string WarmRelPath(std::string_view table, int64_t day, std::string_view symbol, int64_t seq) {
  return WarmSeriesDayDir(table, day, symbol) + "/" + Seq6(seq);
}

std::string ColdSeriesMonthPrefix(std::string_view table, int64_t month, std::string_view symbol) {
  const int64_t year = 1970 + (month >= 0 ? month / 12 : -((-month - 1) / 12) - 1);
  const int64_t mon = month - (year - 1970) * 12 + 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "/year=%04lld/month=%02lld/symbol=", static_cast<long long>(year),
                static_cast<long long>(mon));
  return std::string(table) + buf + EscapePartitionValue(symbol);
}

std::string ColdKey(std::string_view table, int64_t month, std::string_view symbol, int64_t seq) {
  return ColdSeriesMonthPrefix(table, month, symbol) + "/" + Seq6(seq);
}

std::optional<int64_t> PartSeq(std::string_view path) {
  const size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  constexpr std::string_view kPrefix = "part-", kSuffix = ".parquet";
  if (name.size() <= kPrefix.size() + kSuffix.size() || name.substr(0, kPrefix.size()) != kPrefix ||
      name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  int64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

int64_t MonthOf(int64_t ns) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(DayOf(ns), &y, &m, &d);
  return (y - 1970) * 12 + (m - 1);
}

namespace {

// days * kNanosPerDay, clamped to the int64 range.
int64_t SaturatingDayNs(int64_t days) {
  int64_t ns;
  if (__builtin_mul_overflow(days, kNanosPerDay, &ns)) return days < 0 ? INT64_MIN : INT64_MAX;
  return ns;
}

}  // namespace

int64_t DayStartNs(int64_t day) { return SaturatingDayNs(day); }

int64_t DayLastNs(int64_t day) {
  if (day >= INT64_MAX / kNanosPerDay) return INT64_MAX;  // the last, partial day of int64 or later
  const int64_t next = SaturatingDayNs(day + 1);
  return next == INT64_MIN ? INT64_MIN : next - 1;
}

int64_t MonthStartNs(int64_t month) {
  // Months beyond any int64 timestamp saturate before the calendar maths can overflow.
  constexpr int64_t kMonthLimit = int64_t{1} << 40;
  if (month > kMonthLimit) return INT64_MAX;
  if (month < -kMonthLimit) return INT64_MIN;
  const int64_t year = 1970 + (month >= 0 ? month / 12 : -((-month - 1) / 12) - 1);
  const int64_t mon = month - (year - 1970) * 12 + 1;
  return SaturatingDayNs(DaysFromCivil(year, static_cast<unsigned>(mon), 1));
}

}  // namespace strata::tier
