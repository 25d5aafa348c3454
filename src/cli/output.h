// Writing record batches as text: an aligned table for people, CSV and JSON lines for programs.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "query/text_format.h"
#include "strata/batch.h"

namespace strata::cli {

enum class OutputFormat { kTable, kCsv, kJson };
Result<OutputFormat> ParseOutputFormat(std::string_view name);

// Appends one value as text: timestamps ISO-8601 (all their digits), doubles in the shortest form
// that parses back to the same double, bools true/false, nulls as "" (CSV/table) — JSON handles
// nulls itself.
void AppendValue(const Column& column, size_t row, std::string* out);

// Streams batches to a FILE*. CSV: a header row, RFC-4180 quoting where needed. JSON: one object
// per row. Table: buffers up to `table_row_limit` rows to align the columns, then prints.
class BatchPrinter {
 public:
  BatchPrinter(std::FILE* out, OutputFormat format, std::vector<Field> fields);
  ~BatchPrinter();
  void Print(const RecordBatch& batch);
  // Flushes buffered table rows. Called by the destructor too.
  void Finish();
  uint64_t rows_printed() const { return rows_; }

 private:
  void PrintTable();
  std::FILE* out_;
  OutputFormat format_;
  std::vector<Field> fields_;
  std::vector<std::vector<std::string>> table_rows_;
  query::TextEncoder encoder_;  // CSV and JSON
  bool finished_ = false;
  uint64_t rows_ = 0;
  std::string buf_;
};

}  // namespace strata::cli
