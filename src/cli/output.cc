#include "cli/output.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "query/text_format.h"
#include "strata/timestamp.h"

namespace strata::cli {

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  return Status::InvalidArgument("unknown format '" + std::string(name) + "' (table, csv or json)");
}

void AppendValue(const Column& column, size_t row, std::string* out) { query::AppendValue(column, row, out); }

BatchPrinter::BatchPrinter(std::FILE* out, OutputFormat format, std::vector<Field> fields)
    : out_(out),
      format_(format),
      fields_(fields),
      encoder_(format == OutputFormat::kJson ? query::TextFormat::kJson : query::TextFormat::kCsv, std::move(fields)) {}

BatchPrinter::~BatchPrinter() { Finish(); }

void BatchPrinter::Print(const RecordBatch& batch) {
  const size_t n = batch.num_rows();
  if (format_ == OutputFormat::kTable) {
    for (size_t r = 0; r < n; ++r) {
      std::vector<std::string> row(batch.num_columns());
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        if (batch.column(c).IsNull(r)) {
          row[c] = "null";
        } else {
          AppendValue(batch.column(c), r, &row[c]);
        }
      }
      table_rows_.push_back(std::move(row));
    }
    rows_ += n;
    return;
  }
  // Formatted in slices of 4096 rows so that a large batch does not build one huge string.
  for (size_t begin = 0; begin < n; begin += 4096) {
    buf_.clear();
    encoder_.Append(batch, begin, std::min(n, begin + 4096), &buf_);
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
  }
  if (n == 0) {
    buf_.clear();
    encoder_.Append(batch, 0, 0, &buf_);  // the CSV header
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
  }
  rows_ += n;
}

void BatchPrinter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (format_ == OutputFormat::kTable) PrintTable();
  if (format_ != OutputFormat::kTable) {
    buf_.clear();
    encoder_.Finish(&buf_);
    std::fwrite(buf_.data(), 1, buf_.size(), out_);
  }
  std::fflush(out_);
}

void BatchPrinter::PrintTable() {
  std::vector<size_t> width(fields_.size());
  for (size_t c = 0; c < fields_.size(); ++c) width[c] = fields_[c].name.size();
  for (const auto& row : table_rows_) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  auto right_aligned = [&](size_t c) {
    ColumnType t = fields_[c].type;
    return t == ColumnType::kInt64 || t == ColumnType::kInt32 || IsFloating(t);
  };
  std::string line;
  auto emit = [&](const std::vector<std::string>& cells) {
    line.clear();
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) line.append("  ");
      size_t pad = width[c] - cells[c].size();
      if (right_aligned(c)) line.append(pad, ' ');
      line.append(cells[c]);
      if (!right_aligned(c) && c + 1 < cells.size()) line.append(pad, ' ');
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), out_);
  };
  std::vector<std::string> header;
  for (const Field& f : fields_) header.push_back(f.name);
  emit(header);
  std::vector<std::string> rule;
  for (size_t c = 0; c < fields_.size(); ++c) rule.push_back(std::string(width[c], '-'));
  emit(rule);
  for (const auto& row : table_rows_) emit(row);
  table_rows_.clear();
}

}  // namespace strata::cli
