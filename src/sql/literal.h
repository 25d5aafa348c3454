// The texts inside SQL's time literals and time-series clauses, to nanoseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/status.h"

namespace strata::sql {

// INTERVAL text: one or more "<integer> <unit>" parts, the space optional ("5 minutes",
// "1m", "1 hour 30 minutes", "-2 days", "250ms"); units ns, us, ms, s, m, h, d, w and their
// words (nanosecond(s), microsecond(s), millisecond(s), second(s)/sec(s), minute(s)/min(s),
// hour(s), day(s), week(s)), case-insensitive. Months and years are refused (their length
// varies). A bare integer is that many `default_unit_ns` (INTERVAL '5' MINUTE); 0 means none.
Result<int64_t> ParseIntervalText(std::string_view text, int64_t default_unit_ns = 0);

// The ns of one unit word ("minute", "minutes", "m", ...) for INTERVAL '5' MINUTE, or 0.
int64_t IntervalUnitNs(std::string_view word);

// "5 minutes", "90 seconds", "-1 day", "1500 nanoseconds": the largest unit that is exact.
std::string FormatInterval(int64_t ns);

// A SAMPLE BY step, QuestDB's form: the unit suffix, case-sensitive: ns, us or U, ms or T, s,
// m, h, d, w. Months (M) and years (y) are refused as unsupported.
Result<int64_t> ParseSampleStep(int64_t count, std::string_view unit);
// "1m", "90s", "250ms": the largest exact unit.
std::string FormatSampleStep(int64_t ns);

}  // namespace strata::sql
