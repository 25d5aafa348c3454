#include "query/text_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

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
    case ColumnType::kFloat32: {  // the shortest text that reads back as the same float
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<float>(column.doubles()[row]));
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
    case ColumnType::kFloat32:
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

void TimestampFormatter::Append(int64_t ns, std::string* out) {
  constexpr int64_t kMinute = 60'000'000'000;
  int64_t in_minute = ns % kMinute;
  if (in_minute < 0) in_minute += kMinute;
  const int64_t minute = (ns - in_minute) / kMinute;
  if (!valid_ || minute != minute_) {
    std::string text;
    AppendTimestamp(ns, &text);
    // Years 0000-9999 have a 17-byte prefix; others (a sign, more digits) take the slow path.
    if (text.size() < 17 || text[0] == '-' || text[16] != ':') {
      valid_ = false;
      out->append(text);
      return;
    }
    std::memcpy(prefix_, text.data(), 17);
    minute_ = minute;
    valid_ = true;
  }
  char buf[40];
  std::memcpy(buf, prefix_, 17);
  int n = 17;
  const int64_t secs = in_minute / 1'000'000'000;
  int64_t frac = in_minute % 1'000'000'000;
  buf[n++] = static_cast<char>('0' + secs / 10);
  buf[n++] = static_cast<char>('0' + secs % 10);
  if (frac != 0) {
    buf[n++] = '.';
    int width = 9;
    if (frac % 1'000'000 == 0) {
      frac /= 1'000'000;
      width = 3;
    } else if (frac % 1'000 == 0) {
      frac /= 1'000;
      width = 6;
    }
    for (int i = width - 1; i >= 0; --i) {
      buf[n + i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    n += width;
  }
  buf[n++] = 'Z';
  out->append(buf, static_cast<size_t>(n));
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
  if (ts_.size() < ncols) ts_.resize(ncols);
  for (size_t r = begin; r < end; ++r) {
    if (format_ == TextFormat::kCsv) {
      for (size_t c = 0; c < ncols; ++c) {
        if (c) out->push_back(',');
        const Column& col = batch.column(c);
        const ColumnType t = col.type();
        if (t == ColumnType::kString || t == ColumnType::kSymbol) {
          if (!col.IsNull(r)) AppendCsvField(col.GetString(r), out);
        } else if (t == ColumnType::kTimestamp) {
          if (!col.IsNull(r)) ts_[c].Append(col.int64s()[r], out);
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
        const Column& col = batch.column(c);
        if (col.type() == ColumnType::kTimestamp && !col.IsNull(r)) {
          out->push_back('"');
          ts_[c].Append(col.int64s()[r], out);
          out->push_back('"');
        } else {
          AppendJsonValue(col, r, out);
        }
      }
      out->push_back('}');
    }
    out->push_back('\n');
  }
}

void TextEncoder::Finish(std::string* out) { Header(out); }

}  // namespace strata::query
