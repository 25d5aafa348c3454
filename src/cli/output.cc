#include "cli/output.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "strata/timestamp.h"

namespace strata::cli {
namespace {

bool NeedsCsvQuotes(std::string_view s) {
  return s.find_first_of(",\"\r\n") != std::string_view::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
}

void AppendCsvField(std::string_view s, std::string* out) {
  if (!NeedsCsvQuotes(s)) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  return Status::InvalidArgument("unknown format '" + std::string(name) + "' (table, csv or json)");
}

void AppendValue(const Column& column, size_t row, std::string* out) {
  if (column.IsNull(row)) return;
  char buf[32];
  switch (column.type()) {
    case ColumnType::kTimestamp: AppendTimestamp(column.int64s()[row], out); break;
    case ColumnType::kInt64: {
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, column.int64s()[row]);
      out->append(buf, p);
      break;
    }
    case ColumnType::kInt32: {
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, column.int32s()[row]);
      out->append(buf, p);
      break;
    }
    case ColumnType::kFloat64: {
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, column.doubles()[row]);
      out->append(buf, p);
      break;
    }
    case ColumnType::kBool: out->append(column.bools()[row] ? "true" : "false"); break;
    case ColumnType::kSymbol:
    case ColumnType::kString: out->append(column.GetString(row)); break;
  }
}

BatchPrinter::BatchPrinter(std::FILE* out, OutputFormat format, std::vector<Field> fields)
    : out_(out), format_(format), fields_(std::move(fields)) {}

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
  buf_.clear();
  if (format_ == OutputFormat::kCsv && !header_done_) {
    for (size_t c = 0; c < fields_.size(); ++c) {
      if (c) buf_.push_back(',');
      AppendCsvField(fields_[c].name, &buf_);
    }
    buf_.push_back('\n');
    header_done_ = true;
  }
  std::string value;
  for (size_t r = 0; r < n; ++r) {
    if (format_ == OutputFormat::kCsv) {
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        if (c) buf_.push_back(',');
        value.clear();
        AppendValue(batch.column(c), r, &value);
        AppendCsvField(value, &buf_);
      }
    } else {
      buf_.push_back('{');
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        if (c) buf_.push_back(',');
        AppendJsonString(fields_[c].name, &buf_);
        buf_.push_back(':');
        const Column& col = batch.column(c);
        if (col.IsNull(r)) {
          buf_.append("null");
          continue;
        }
        value.clear();
        AppendValue(col, r, &value);
        switch (col.type()) {
          case ColumnType::kInt64:
          case ColumnType::kInt32:
          case ColumnType::kBool: buf_.append(value); break;
          case ColumnType::kFloat64:
            // JSON has no NaN or infinity: write them as strings.
            if (std::isfinite(col.doubles()[r])) {
              buf_.append(value);
            } else {
              AppendJsonString(value, &buf_);
            }
            break;
          default: AppendJsonString(value, &buf_);
        }
      }
      buf_.push_back('}');
    }
    buf_.push_back('\n');
    if (buf_.size() > (1 << 20)) {
      std::fwrite(buf_.data(), 1, buf_.size(), out_);
      buf_.clear();
    }
  }
  std::fwrite(buf_.data(), 1, buf_.size(), out_);
  rows_ += n;
}

void BatchPrinter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (format_ == OutputFormat::kTable) PrintTable();
  if (format_ == OutputFormat::kCsv && !header_done_) {
    buf_.clear();
    for (size_t c = 0; c < fields_.size(); ++c) {
      if (c) buf_.push_back(',');
      AppendCsvField(fields_[c].name, &buf_);
    }
    buf_.push_back('\n');
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
    return t == ColumnType::kInt64 || t == ColumnType::kInt32 || t == ColumnType::kFloat64;
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
