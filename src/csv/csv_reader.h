// Streaming CSV parser into record batches of a table's schema.
//
// Format (RFC 4180, minus newlines inside quotes):
// - The first non-blank line is the header; it names the columns, in any order. A UTF-8 BOM
//   before it is ignored; spaces around header names are ignored.
// - Fields are separated by `delimiter`. A field may be double-quoted; inside quotes the
//   delimiter is plain text and "" is one quote. A newline inside quotes is not supported: the
//   line is reported as an unterminated quoted field.
// - Lines end in LF or CRLF; the last line may have no line end; blank lines are skipped.
//
// Values:
// - timestamp: ParseTimestamp (ISO-8601, or an integer count of CsvOptions::integer_ts_unit_ns,
//   nanoseconds by default); "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" takes a fast path with identical
//   results. Only [kMinTimestampNs, kMaxTimestampNs] (1678-01-01 to 2261-12-31) is accepted.
// - i32, i64: decimal integers with an optional sign, range-checked.
// - timestamp[us], timestamp[ms]: as timestamp; a value with finer digits is a bad line unless
//   CsvOptions::truncate_timestamps (then it is rounded down).
// - f32: as f64, rounded to the nearest float; out of float range is an error.
// - f64: decimal or scientific notation; "nan", "inf", "-inf" (any case) only with
//   CsvOptions::allow_nan (otherwise the line is bad: NaN and infinities poison aggregates).
// - bool: true/false/t/f/1/0, any case.
// - string: the text as is; it must be valid UTF-8. symbol: the text as is, never empty, and
//   it must pass ValidateSymbol (valid UTF-8, no NUL, short enough for a directory name).
// - An empty field (or a column missing from the header) in a nullable column is null. An
//   empty field in a non-nullable string column is the empty string; in any other non-nullable
//   column it is an error. A quoted empty field ("") in a string column is the empty string even
//   when the column is nullable.
//
// Errors are InvalidArgument and name the source, the line and the column:
//   "trades.csv:17: column 'price': 'abc' is not a number"
//   "trades.csv:18: expected 6 fields, found 5"
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv_timestamp.h"
#include "io/byte_source.h"
#include "strata/batch.h"

namespace strata {

struct CsvOptions {
  // Any byte but '"', '\r' and '\n'.
  char delimiter = ',';
  // Rows per batch returned by Next; must be > 0.
  size_t batch_rows = 65536;
  // false (strict): the first bad line ends the read with its error.
  // true: each bad line is passed to on_reject (if set), counted in rows_rejected() and skipped.
  bool skip_bad_lines = false;
  // Called with the 1-based line number, the line's text without its line end (for an over-long
  // line: its first bytes and "..."), and why it was rejected. The views are valid only during
  // the call.
  std::function<void(uint64_t line_no, std::string_view line, const Status& why)> on_reject;
  // A line longer than this (line end excluded) is a bad line. Bounds the memory one line can
  // take when the input is not CSV at all (a binary file has no newline for megabytes). At most
  // 1 GiB.
  size_t max_line_bytes = size_t{16} << 20;
  // Store f64 NaN and infinities instead of rejecting the line.
  bool allow_nan = false;
  // Timestamps written as plain integers count this many nanoseconds each: 1 (ns), 1000 (us),
  // 1000000 (ms) or 1000000000 (s). ISO-8601 text is unaffected.
  int64_t integer_ts_unit_ns = 1;
  // A timestamp finer than its column's precision (timestamp[us]/[ms]) is rounded down instead
  // of making the line bad.
  bool truncate_timestamps = false;
};

// Reads one CSV stream. Not thread-safe: one thread at a time.
class CsvReader {
 public:
  // Reads the header and maps its names to `schema`'s columns. Errors (InvalidArgument):
  //   "FILE: empty file, expected a header row" (nothing but blank lines, or nothing at all);
  //   a header name that is not a column (the message lists the schema's columns);
  //   a name given twice; a non-nullable column missing from the header;
  //   bad options (batch_rows == 0, a delimiter of '"', '\r' or '\n', max_line_bytes > 1 GiB,
  //   an integer_ts_unit_ns other than 1, 1e3, 1e6, 1e9);
  //   a header longer than max_line_bytes (read no further than that: the input may never end).
  // Errors reading `source` are returned as they are (they name the source).
  static Result<std::unique_ptr<CsvReader>> Open(std::unique_ptr<ByteSource> source, const Schema& schema,
                                                 CsvOptions options);

  // Replaces the contents of *batch with up to batch_rows rows (fields = the schema's; a batch
  // with other fields is rebuilt, a batch with the same fields keeps its capacity). Returns true
  // when it holds at least one row, false at the end of input.
  // Strict mode: at a bad line, first returns true with the good rows before it (if any); the
  // next call returns the line's error. After any error, further calls return false.
  // A batch may also end early, before batch_rows, once it holds 1 GiB of input, so that string
  // columns stay within their 32-bit offsets.
  Result<bool> Next(RecordBatch* batch);

  // Bytes of input consumed so far (header and blank lines included), for progress.
  uint64_t bytes_read() const { return bytes_consumed_; }
  // Good rows returned (or about to be returned) in batches so far.
  uint64_t rows_read() const { return rows_read_; }
  // Bad lines skipped (skip_bad_lines mode only).
  uint64_t rows_rejected() const { return rows_rejected_; }
  // Integer timestamps read as nanoseconds (integer_ts_unit_ns == 1) that fall within
  // kSmallIntegerTsNs of the epoch: most likely seconds or milliseconds read as nanoseconds. With
  // the line number of the first, for a warning.
  static constexpr int64_t kSmallIntegerTsNs = 1'000'000'000'000'000;  // 1e15 ns: 1970-01-12
  uint64_t small_integer_timestamps() const { return small_integer_ts_; }
  uint64_t first_small_integer_timestamp_line() const { return first_small_integer_ts_line_; }
  // The number of the last line consumed (1 = the first line of the input).
  uint64_t line_number() const { return line_no_; }
  const std::string& source_name() const { return source_->name(); }
  // The header line as read (BOM and line end removed), and its line end: "\n", "\r\n" or ""
  // at the end of input.
  const std::string& header_line() const { return header_line_; }
  std::string_view header_line_end() const { return header_line_end_; }
  // The line end of the last line consumed ("\n", "\r\n", or "" for a last line without one
  // or an over-long line), so that a rejected line can be written back exactly.
  std::string_view line_end() const { return line_end_; }

 private:
  enum class LineKind { kLine, kTooLong, kEnd };
  union Value {
    int64_t i64;
    double f64;
  };

  CsvReader(std::unique_ptr<ByteSource> source, const Schema& schema, CsvOptions options);
  Status ReadHeader();
  // The next line without its line end. For kTooLong the line has been skipped and *line is
  // its first bytes followed by "...".
  Result<LineKind> NextLine(std::string_view* line);
  // Splits `line` into fields_ (unquoting into unquoted_ where needed).
  Status SplitFields(std::string_view line);
  // Parses fields_ into one row of *batch; on error the batch is left unchanged.
  Status ParseRow(RecordBatch* batch);
  Status ParseValue(size_t column, std::string_view text);
  // A timestamp written as an integer of options_.integer_ts_unit_ns units.
  Status ParseIntegerTimestamp(size_t column, std::string_view text);
  // "FILE:LINE: column 'name': why", or "FILE:LINE: why" for column < 0.
  Status LineError(int column, std::string_view why) const;
  // The error for field `field` of the current line: names its column when the header has one.
  Status FieldError(size_t field, std::string_view why) const;
  // Ends the batch at an error: with rows in hand, return them and keep the error for later.
  Result<bool> Stop(Status error, RecordBatch* batch);

  std::unique_ptr<ByteSource> source_;
  Schema schema_;
  CsvOptions options_;

  // Input window: buf_[pos_, end_) is read but not yet consumed.
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;       // the source returned 0
  bool finished_ = false;  // an error was returned; Next returns false from now on
  std::string long_line_;  // the shown prefix of an over-long line
  std::string header_line_;
  std::string_view header_line_end_;
  std::string_view line_end_;

  uint64_t bytes_consumed_ = 0;
  uint64_t line_no_ = 0;
  uint64_t rows_read_ = 0;
  uint64_t rows_rejected_ = 0;
  uint64_t small_integer_ts_ = 0;
  uint64_t first_small_integer_ts_line_ = 0;
  bool in_header_ = false;  // NextLine does not skip an over-long header line to its end
  Status pending_error_;

  std::vector<int> column_of_field_;  // header field -> schema column
  std::vector<int> field_of_column_;  // schema column -> header field, or -1 (always null)

  // The current line, split. Views into the line or into unquoted_.
  std::vector<std::string_view> fields_;
  std::vector<uint8_t> field_quoted_;  // per field; filled only when line_has_quotes_
  bool line_has_quotes_ = false;
  std::string unquoted_;

  // The current row, converted before any of it is appended so a bad field leaves no trace.
  std::vector<Value> values_;
  std::vector<uint8_t> is_null_;
  CsvTimestampParser ts_parser_;
};

}  // namespace strata
