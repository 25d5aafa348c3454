#include "strata/timestamp.h"

#include <charconv>
#include <chrono>
#include <limits>

namespace strata {
namespace {

// Reads exactly `n` digits at s[*pos]; false if any is not a digit.
bool ReadDigits(std::string_view s, size_t* pos, int n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

Status BadTimestamp(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad timestamp " + QuoteForMessage(text, 60) + ": " + std::string(why));
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

void AppendDigits(int64_t v, int width, std::string* out) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, width);
}

}  // namespace

Status CheckTimestampRange(int64_t ns) {
  if (InTimestampRange(ns)) return Status::OK();
  return Status::InvalidArgument("timestamp " + FormatTimestamp(ns) + " (" + std::to_string(ns) + " ns) is outside " +
                                 kTimestampRangeText);
}

// Howard Hinnant's civil-date algorithms (public domain description of the calendar maths).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (*month <= 2);
}

Result<int64_t> ParseTimestamp(std::string_view text) {
  std::string_view s = text;
  if (s.empty()) return BadTimestamp(text, "empty");
  // Integer nanoseconds: only digits, optionally after a leading '-'.
  bool all_digits = true;
  for (size_t i = (s[0] == '-' ? 1 : 0); i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') {
      all_digits = false;
      break;
    }
  }
  if (all_digits && s.size() > (s[0] == '-' ? 1u : 0u)) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !InTimestampRange(v)) {
      return BadTimestamp(text, std::string("integer nanoseconds outside ") + kTimestampRangeText);
    }
    return v;
  }
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0;
  if (!ReadDigits(s, &pos, 4, &year) || pos >= s.size() || s[pos] != '-') {
    return BadTimestamp(text, "expected YYYY-MM-DD at the start, or integer nanoseconds");
  }
  ++pos;
  if (!ReadDigits(s, &pos, 2, &month) || pos >= s.size() || s[pos] != '-') {
    return BadTimestamp(text, "expected a 2-digit month");
  }
  ++pos;
  if (!ReadDigits(s, &pos, 2, &day)) return BadTimestamp(text, "expected a 2-digit day");
  if (month < 1 || month > 12) return BadTimestamp(text, "month out of range");
  if (day < 1 || day > DaysInMonth(year, static_cast<unsigned>(month))) return BadTimestamp(text, "day out of range");
  int64_t hour = 0, minute = 0, second = 0, frac = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!ReadDigits(s, &pos, 2, &hour)) return BadTimestamp(text, "expected a 2-digit hour");
    if (pos >= s.size() || s[pos] != ':') return BadTimestamp(text, "expected ':' after the hour");
    ++pos;
    if (!ReadDigits(s, &pos, 2, &minute)) return BadTimestamp(text, "expected 2-digit minutes");
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &second)) return BadTimestamp(text, "expected 2-digit seconds");
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (digits == 9) return BadTimestamp(text, "more than 9 fractional digits");
          frac = frac * 10 + (s[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0) return BadTimestamp(text, "expected digits after the decimal point");
        for (int i = digits; i < 9; ++i) frac *= 10;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return BadTimestamp(text, "time of day out of range");
  }
  int64_t offset_seconds = 0;
  if (pos < s.size()) {
    char c = s[pos];
    if (c == 'Z' || c == 'z') {
      ++pos;
    } else if (c == '+' || c == '-') {
      ++pos;
      int64_t oh = 0, om = 0;
      if (!ReadDigits(s, &pos, 2, &oh)) return BadTimestamp(text, "expected a 2-digit zone offset hour");
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (pos < s.size() && !ReadDigits(s, &pos, 2, &om)) return BadTimestamp(text, "expected 2-digit zone minutes");
      if (oh > 23 || om > 59) return BadTimestamp(text, "zone offset out of range");
      offset_seconds = (oh * 3600 + om * 60) * (c == '+' ? 1 : -1);
    }
  }
  if (pos != s.size()) return BadTimestamp(text, "unexpected " + QuoteForMessage(s.substr(pos), 20) + " at the end");
  // The year has 4 digits, so none of this overflows; the range check comes after.
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  constexpr int64_t kMinSeconds = kMinTimestampNs / kNanosPerSecond;
  constexpr int64_t kMaxSeconds = kMaxTimestampNs / kNanosPerSecond;
  if (seconds < kMinSeconds || seconds > kMaxSeconds) {
    return BadTimestamp(text, std::string("outside ") + kTimestampRangeText);
  }
  return seconds * kNanosPerSecond + frac;
}

void AppendTimestamp(int64_t ns, std::string* out) {
  int64_t days = DayOf(ns);
  // ns % day rather than ns - days * day: the product overflows near INT64_MIN.
  int64_t in_day = ns % kNanosPerDay;
  if (in_day < 0) in_day += kNanosPerDay;
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  int64_t secs = in_day / kNanosPerSecond;
  int64_t frac = in_day % kNanosPerSecond;
  if (year < 0) {
    out->push_back('-');
    year = -year;
  }
  AppendDigits(year, 4, out);
  out->push_back('-');
  AppendDigits(month, 2, out);
  out->push_back('-');
  AppendDigits(day, 2, out);
  out->push_back('T');
  AppendDigits(secs / 3600, 2, out);
  out->push_back(':');
  AppendDigits(secs / 60 % 60, 2, out);
  out->push_back(':');
  AppendDigits(secs % 60, 2, out);
  if (frac != 0) {
    out->push_back('.');
    if (frac % kNanosPerMilli == 0) {
      AppendDigits(frac / kNanosPerMilli, 3, out);
    } else if (frac % kNanosPerMicro == 0) {
      AppendDigits(frac / kNanosPerMicro, 6, out);
    } else {
      AppendDigits(frac, 9, out);
    }
  }
  out->push_back('Z');
}

std::string FormatTimestamp(int64_t ns) {
  std::string out;
  out.reserve(32);
  AppendTimestamp(ns, &out);
  return out;
}

std::string FormatDate(int64_t ns) {
  int64_t year;
  unsigned month, day;
  CivilFromDays(DayOf(ns), &year, &month, &day);
  std::string out;
  AppendDigits(year, 4, &out);
  out.push_back('-');
  AppendDigits(month, 2, &out);
  out.push_back('-');
  AppendDigits(day, 2, &out);
  return out;
}

Result<int64_t> ParseDuration(std::string_view text) {
  std::string_view s = text;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p == s.data() || n < 0) {
    return Status::InvalidArgument("bad duration '" + std::string(text) + "': expected e.g. 500ms, 1s, 5m, 1h, 1d");
  }
  std::string_view unit(p, s.data() + s.size() - p);
  int64_t mult;
  if (unit.empty() || unit == "ns")
    mult = 1;
  else if (unit == "us")
    mult = kNanosPerMicro;
  else if (unit == "ms")
    mult = kNanosPerMilli;
  else if (unit == "s")
    mult = kNanosPerSecond;
  else if (unit == "m" || unit == "min")
    mult = kNanosPerMinute;
  else if (unit == "h")
    mult = kNanosPerHour;
  else if (unit == "d")
    mult = kNanosPerDay;
  else
    return Status::InvalidArgument("bad duration unit in '" + std::string(text) + "' (ns, us, ms, s, m, h, d)");
  int64_t out;
  if (__builtin_mul_overflow(n, mult, &out)) return Status::InvalidArgument("duration too large: " + std::string(text));
  return out;
}

int64_t WallClockNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace strata
