#include "csv/csv_timestamp.h"

#include <cstring>

#include "strata/timestamp.h"

namespace strata {
namespace {

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline int TwoDigits(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Years whose every instant fits int64 nanoseconds (the full range is 1677-09-21 to
// 2262-04-11); the partial edge years go to ParseTimestamp, which range-checks exactly.
constexpr int kFirstSafeYear = 1678;
constexpr int kLastSafeYear = 2261;

}  // namespace

bool CsvTimestampParser::TryFast(std::string_view s, int64_t* out) {
  // 20 = "YYYY-MM-DDTHH:MM:SSZ", 30 = the same with ".fffffffff".
  if (s.size() < 20 || s.size() > 30 || s.back() != 'Z') return false;
  const char* p = s.data();
  if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':') return false;
  if (!(IsDigit(p[11]) && IsDigit(p[12]) && IsDigit(p[14]) && IsDigit(p[15]) && IsDigit(p[17]) && IsDigit(p[18]))) {
    return false;
  }
  int64_t frac = 0;
  const size_t end = s.size() - 1;  // index of 'Z'
  if (end > 19) {
    if (p[19] != '.' || end == 20) return false;
    for (size_t i = 20; i < end; ++i) {
      if (!IsDigit(p[i])) return false;
      frac = frac * 10 + (p[i] - '0');
    }
    static constexpr int64_t kScale[] = {1, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
    frac *= kScale[end - 20];
  }
  const int hour = TwoDigits(p + 11), minute = TwoDigits(p + 14), second = TwoDigits(p + 17);
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (std::memcmp(p, date_, 10) != 0) {
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
      if (!IsDigit(p[i])) return false;
    }
    const int year = TwoDigits(p) * 100 + TwoDigits(p + 2), month = TwoDigits(p + 5), day = TwoDigits(p + 8);
    if (year < kFirstSafeYear || year > kLastSafeYear || month < 1 || month > 12 || day < 1 ||
        day > DaysInMonth(year, month)) {
      return false;
    }
    days_ = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::memcpy(date_, p, 10);
  }
  *out = (days_ * 86400 + hour * 3600 + minute * 60 + second) * kNanosPerSecond + frac;
  return true;
}

Result<int64_t> CsvTimestampParser::Parse(std::string_view text) {
  int64_t ns;
  if (TryFast(text, &ns)) return ns;
  return ParseTimestamp(text);
}

Result<int64_t> ParseCsvTimestamp(std::string_view text) {
  CsvTimestampParser parser;
  return parser.Parse(text);
}

}  // namespace strata
