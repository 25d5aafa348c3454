// Timestamps: int64 nanoseconds since 1970-01-01T00:00:00Z.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata {

inline constexpr int64_t kNanosPerMicro = 1'000;
inline constexpr int64_t kNanosPerMilli = 1'000'000;
inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
inline constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
inline constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;

// The timestamps strata stores: 1678-01-01T00:00:00Z through 2261-12-31T23:59:59.999999999Z,
// the whole years inside int64 nanoseconds (whose range is 1677-09-21 to 2262-04-11). The margin
// keeps the day and month arithmetic of every stored timestamp (the next day's start, the month's
// first and next month's first ns, bar buckets up to a day) inside int64. Every way in (CSV,
// RecordBatch::ValidateAgainst, query ranges, ParseTimestamp) refuses anything outside it.
inline constexpr int64_t kMinTimestampNs = -106650 * kNanosPerDay;     // 1678-01-01T00:00:00Z
inline constexpr int64_t kMaxTimestampNs = 106651 * kNanosPerDay - 1;  // 2261-12-31T23:59:59.999999999Z
inline constexpr bool InTimestampRange(int64_t ns) { return ns >= kMinTimestampNs && ns <= kMaxTimestampNs; }
// "the supported range 1678-01-01T00:00:00Z to 2261-12-31T23:59:59.999999999Z", for messages.
inline constexpr char kTimestampRangeText[] =
    "the supported range 1678-01-01T00:00:00Z to 2261-12-31T23:59:59.999999999Z";
// OK, or InvalidArgument "timestamp T (N ns) is outside the supported range ...".
Status CheckTimestampRange(int64_t ns);

// Now, from the system clock (wall time, not monotonic): for records such as verified_at.
int64_t WallClockNs();

// Accepts (within [kMinTimestampNs, kMaxTimestampNs]; anything else is an error):
//   ISO-8601 dates and times: "2026-03-02", "2026-03-02T14:00", "2026-03-02T14:00:05",
//   "2026-03-02 14:00:05.123456789" (a space may replace 'T'), with up to 9 fractional digits,
//   and an optional zone "Z", "+05:30", "-0400" or "+05" (no zone means UTC);
//   an integer count of nanoseconds since the epoch: "1772460000000000000".
// Errors name the text and what is wrong with it.
Result<int64_t> ParseTimestamp(std::string_view text);

// "2026-03-02T14:00:05.123Z": UTC, with 0, 3, 6 or 9 fractional digits (the fewest that are
// exact), so that ParseTimestamp(FormatTimestamp(t)) == t for every t in the supported range.
// Any int64 formats (years 1677 and 2262 included).
std::string FormatTimestamp(int64_t ns);
// Appends the same text to `out` (no allocation when `out` has room).
void AppendTimestamp(int64_t ns, std::string* out);

// Parses a duration: "500ms", "1s", "1m", "15m", "1h", "1d", "250us", "100ns", or plain ns.
Result<int64_t> ParseDuration(std::string_view text);

// Days since the epoch for a civil date, and back (proleptic Gregorian).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

// "YYYY-MM-DD" of the UTC day containing `ns`.
std::string FormatDate(int64_t ns);
// Floor division of ns by a day: the UTC day number. Defined for every int64, INT64_MIN included.
inline constexpr int64_t DayOf(int64_t ns) { return ns / kNanosPerDay - (ns % kNanosPerDay < 0 ? 1 : 0); }
// Floor of ns to a multiple of `step` (> 0), saturating at INT64_MIN when that multiple is
// below the int64 range.
inline constexpr int64_t FloorToMultiple(int64_t ns, int64_t step) {
  const int64_t q = ns / step - (ns % step < 0 ? 1 : 0);
  return q < INT64_MIN / step ? INT64_MIN : q * step;
}

}  // namespace strata
