// Timestamp parsing for CSV ingest: the same results as ParseTimestamp, faster for the shape
// that dominates market data files, "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z".
#pragma once

#include <cstdint>
#include <string_view>

#include "strata/status.h"

namespace strata {

// Remembers the day number of the last date it converted: consecutive rows of a file almost
// always share a date, so the calendar arithmetic runs once per day instead of once per row.
// Not thread-safe; one per reader.
class CsvTimestampParser {
 public:
  // Sets *out and returns true when `text` has the common shape and is valid; returns false
  // (and leaves *out alone) for every other text, valid or not, so the caller can fall back to
  // ParseTimestamp. Whenever it returns true, *out == *ParseTimestamp(text).
  bool TryFast(std::string_view text, int64_t* out);

  // Exactly ParseTimestamp(text), value and error alike.
  Result<int64_t> Parse(std::string_view text);

 private:
  char date_[10] = {};  // "YYYY-MM-DD" of days_, or zeros (matches no text) before the first
  int64_t days_ = 0;
};

// A one-shot CsvTimestampParser::Parse.
Result<int64_t> ParseCsvTimestamp(std::string_view text);

}  // namespace strata
