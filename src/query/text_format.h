// Record batches as text: CSV (RFC 4180) and JSON lines, appended to a string so that any sink
// (stdout for the CLI, an HTTP chunk for the server) can take them batch by batch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"

namespace strata::query {

// Appends one value as text: timestamps ISO-8601 (all their digits), doubles in the shortest form
// that parses back to the same double, bools true/false, nulls as "" (callers that need a null
// marker check IsNull first).
void AppendValue(const Column& column, size_t row, std::string* out);
// Appends `s` as one CSV field, quoted when it holds a comma, quote, CR/LF or edge spaces.
void AppendCsvField(std::string_view s, std::string* out);
// Appends `s` as a JSON string literal (quotes and escapes).
void AppendJsonString(std::string_view s, std::string* out);
// Appends one value as a JSON value: numbers and bools bare (NaN and infinities as strings, JSON
// has none), null as null, the rest as strings.
void AppendJsonValue(const Column& column, size_t row, std::string* out);

// AppendTimestamp's text, faster for runs of timestamps in the same minute (a column of ticks):
// the "YYYY-MM-DDTHH:MM:" prefix of the last minute is kept and only the seconds and fraction are
// written. Same output as AppendTimestamp for every value.
class TimestampFormatter {
 public:
  void Append(int64_t ns, std::string* out);

 private:
  int64_t minute_ = 0;
  bool valid_ = false;
  char prefix_[17];
};

enum class TextFormat { kCsv, kJson };

// Formats batches of fixed fields: CSV writes a header line before the first row (Finish writes
// it when there were no rows); JSON writes one object per row.
class TextEncoder {
 public:
  TextEncoder(TextFormat format, std::vector<Field> fields) : format_(format), fields_(std::move(fields)) {}
  // Appends rows [begin, end) of `batch` to *out.
  void Append(const RecordBatch& batch, size_t begin, size_t end, std::string* out);
  void Append(const RecordBatch& batch, std::string* out) { Append(batch, 0, batch.num_rows(), out); }
  // Appends what an empty result still needs (the CSV header).
  void Finish(std::string* out);

 private:
  void Header(std::string* out);
  TextFormat format_;
  std::vector<Field> fields_;
  bool header_done_ = false;
  std::vector<TimestampFormatter> ts_;  // one per column
};

}  // namespace strata::query
