#include "query/text_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "strata/timestamp.h"

namespace strata::query {
namespace {

bool NeedsCsvQuotes(std::string_view s) {
  return s.find_first_of(",\"\r\n") != std::string_view::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
}

}  // namespace

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

void AppendJsonValue(const Column& col, size_t row, std::string* out) {
  if (col.IsNull(row)) {
    out->append("null");
    return;
  }
  switch (col.type()) {
    case ColumnType::kInt64:
    case ColumnType::kInt32:
    case ColumnType::kBool: AppendValue(col, row, out); break;
    case ColumnType::kFloat64:
      if (std::isfinite(col.doubles()[row])) {
        AppendValue(col, row, out);
      } else {
        std::string text;
        AppendValue(col, row, &text);
        AppendJsonString(text, out);
      }
      break;
    case ColumnType::kSymbol:
    case ColumnType::kString: AppendJsonString(col.GetString(row), out); break;
    case ColumnType::kTimestamp: {
      out->push_back('"');
      AppendTimestamp(col.int64s()[row], out);
      out->push_back('"');
      break;
    }
  }
}

void TextEncoder::Header(std::string* out) {
  if (header_done_) return;
  header_done_ = true;
  if (format_ != TextFormat::kCsv) return;
  for (size_t c = 0; c < fields_.size(); ++c) {
    if (c) out->push_back(',');
    AppendCsvField(fields_[c].name, out);
  }
  out->push_back('\n');
}

void TextEncoder::Append(const RecordBatch& batch, size_t begin, size_t end, std::string* out) {
  Header(out);
  const size_t ncols = batch.num_columns();
  for (size_t r = begin; r < end; ++r) {
    if (format_ == TextFormat::kCsv) {
      for (size_t c = 0; c < ncols; ++c) {
        if (c) out->push_back(',');
        const Column& col = batch.column(c);
        const ColumnType t = col.type();
        if (t == ColumnType::kString || t == ColumnType::kSymbol) {
          if (!col.IsNull(r)) AppendCsvField(col.GetString(r), out);
        } else {
          AppendValue(col, r, out);  // numbers, bools and timestamps never need quotes
        }
      }
    } else {
      out->push_back('{');
      for (size_t c = 0; c < ncols; ++c) {
        if (c) out->push_back(',');
        AppendJsonString(fields_[c].name, out);
        out->push_back(':');
        AppendJsonValue(batch.column(c), r, out);
      }
      out->push_back('}');
    }
    out->push_back('\n');
  }
}

void TextEncoder::Finish(std::string* out) { Header(out); }

}  // namespace strata::query
