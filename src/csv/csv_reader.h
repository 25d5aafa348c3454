// Streaming CSV parser into record batches of a table's schema.
//
// The header row names the columns, in any order. Fields may be double-quoted ("" is a quote
// inside quotes); LF or CRLF line ends; blank lines are skipped; a UTF-8 BOM is ignored.
// Newlines inside quoted fields are refused. Errors name the file, the line and the column.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "strata/batch.h"

namespace strata {

struct CsvOptions {
  char delimiter = ',';
  size_t batch_rows = 65536;
  // When true, bad lines are passed to on_reject and skipped; else the first one is an error.
  bool skip_bad_lines = false;
  std::function<void(uint64_t line_no, std::string_view line, const Status& why)> on_reject;
};

class CsvReader {
 public:
  // Reads the header and maps it to `schema`'s columns. Errors: empty input, a header name that
  // is no column, a duplicate name, a missing non-nullable column.
  static Result<std::unique_ptr<CsvReader>> Open(std::unique_ptr<ByteSource> source, const Schema& schema,
                                                 CsvOptions options);

  // Refills *batch (fields = the schema's) with up to batch_rows rows; false at the end.
  // Strict mode: at a bad line, returns the rows before it first; the next call fails with
  // "FILE:LINE: column 'x': why".
  Result<bool> Next(RecordBatch* batch);

  uint64_t bytes_read() const { return bytes_consumed_; }
  uint64_t rows_read() const { return rows_read_; }
  uint64_t rows_rejected() const { return rows_rejected_; }
  uint64_t line_number() const { return line_no_; }

 private:
  CsvReader(std::unique_ptr<ByteSource> source, const Schema& schema, CsvOptions options);
  // The next line without its line end, or false at the end of input.
  Result<bool> NextLine(std::string_view* line);
  Status SplitFields(std::string_view line, std::vector<std::string_view>* fields);
  // Parses one line into the batch; on failure the batch is unchanged.
  Status ParseLine(std::string_view line, RecordBatch* batch);
  Status LineError(const std::string& column, const std::string& why) const;

  std::unique_ptr<ByteSource> source_;
  Schema schema_;
  CsvOptions options_;
  std::string buf_;
  size_t pos_ = 0;  // next unread byte in buf_
  size_t end_ = 0;  // bytes valid in buf_
  bool eof_ = false;
  uint64_t bytes_consumed_ = 0;
  uint64_t line_no_ = 0;
  uint64_t rows_read_ = 0;
  uint64_t rows_rejected_ = 0;
  Status pending_error_;
  std::vector<int> column_of_field_;  // header field -> schema column
  std::vector<int> field_of_column_;  // schema column -> header field, or -1 (null)
  std::vector<std::string_view> fields_;
  std::string unquoted_;  // scratch for quoted fields
  // Cache of the last date seen in a timestamp (most rows share it).
  char last_date_[10] = {};
  int64_t last_date_days_ = 0;
};

// Parses a timestamp field; the common "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" shape has a fast path
// that gives the same results as ParseTimestamp.
Result<int64_t> ParseCsvTimestamp(std::string_view text);

}  // namespace strata
