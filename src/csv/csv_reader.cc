#include "csv/csv_reader.h"

#include <charconv>
#include <cstring>
#include <unordered_map>

#include "strata/timestamp.h"

namespace strata {
namespace {

constexpr size_t kBlockBytes = 4 << 20;

inline bool Digit(char c) { return c >= '0' && c <= '9'; }
inline int D2(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

// "YYYY-MM-DDTHH:MM:SS" + optional ".f{1,9}" + "Z"; false if the text has another shape.
bool FastTimestamp(std::string_view s, char* cached_date, int64_t* cached_days, int64_t* out) {
  if (s.size() < 20 || s.size() > 30 || s.back() != 'Z') return false;
  const char* p = s.data();
  static constexpr int kDigits[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
  for (int i : kDigits) {
    if (!Digit(p[i])) return false;
  }
  if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':') return false;
  int64_t frac = 0;
  size_t n = s.size() - 1;  // without 'Z'
  if (n > 19) {
    if (p[19] != '.' || n == 20) return false;
    int digits = 0;
    for (size_t i = 20; i < n; ++i) {
      if (!Digit(p[i])) return false;
      frac = frac * 10 + (p[i] - '0');
      ++digits;
    }
    static constexpr int64_t kScale[] = {1, 100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};
    frac *= kScale[digits];
  }
  int hour = D2(p + 11), minute = D2(p + 14), second = D2(p + 17);
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (std::memcmp(p, cached_date, 10) != 0) {
    int year = D2(p) * 100 + D2(p + 2), month = D2(p + 5), day = D2(p + 8);
    if (month < 1 || month > 12 || day < 1 || day > 28) return false;  // let the full parser check month ends
    *cached_days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::memcpy(cached_date, p, 10);
  }
  *out = (*cached_days * 86400 + hour * 3600 + minute * 60 + second) * kNanosPerSecond + frac;
  return true;
}

std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(48);
  out.push_back('\'');
  out.append(s.substr(0, 40));
  if (s.size() > 40) out.append("...");
  out.push_back('\'');
  return out;
}

}  // namespace

Result<int64_t> ParseCsvTimestamp(std::string_view text) {
  char date[10] = {};
  int64_t days = 0, out;
  if (FastTimestamp(text, date, &days, &out)) return out;
  return ParseTimestamp(text);
}

CsvReader::CsvReader(std::unique_ptr<ByteSource> source, const Schema& schema, CsvOptions options)
    : source_(std::move(source)), schema_(schema), options_(std::move(options)) {}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::unique_ptr<ByteSource> source, const Schema& schema,
                                                   CsvOptions options) {
  if (options.batch_rows == 0) options.batch_rows = 1;
  std::unique_ptr<CsvReader> r(new CsvReader(std::move(source), schema, std::move(options)));
  r->buf_.resize(kBlockBytes);
  std::string_view header;
  while (true) {
    ASSIGN_OR_RETURN(bool got, r->NextLine(&header));
    if (!got) return Status::InvalidArgument(r->source_->name() + ": empty file, expected a header row");
    if (r->line_no_ == 1 && header.size() >= 3 && std::memcmp(header.data(), "\xEF\xBB\xBF", 3) == 0) {
      header.remove_prefix(3);
    }
    if (!header.empty()) break;
  }
  std::vector<std::string_view> names;
  RETURN_IF_ERROR(r->SplitFields(header, &names));
  r->field_of_column_.assign(schema.num_fields(), -1);
  for (size_t i = 0; i < names.size(); ++i) {
    std::string_view trimmed = names[i];
    while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
    while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
    std::string name(trimmed);
    int c = schema.FieldIndex(name);
    std::string where = r->source_->name() + ":" + std::to_string(r->line_no_) + ": header";
    if (c < 0) {
      return Status::InvalidArgument(where + " names column '" + name + "', which the table does not have (columns: " +
                                     schema.ToString() + ")");
    }
    if (r->field_of_column_[c] != -1) return Status::InvalidArgument(where + " names column '" + name + "' twice");
    r->field_of_column_[c] = static_cast<int>(i);
    r->column_of_field_.push_back(c);
  }
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    if (r->field_of_column_[c] == -1 && !schema.field(c).nullable) {
      return Status::InvalidArgument(r->source_->name() + ": header has no column '" + schema.field(c).name +
                                     "', which is required (header: " + std::string(header) + ")");
    }
  }
  return r;
}

Result<bool> CsvReader::NextLine(std::string_view* line) {
  while (true) {
    const char* start = buf_.data() + pos_;
    const void* nl = std::memchr(start, '\n', end_ - pos_);
    if (nl != nullptr) {
      size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      *line = std::string_view(start, len);
      pos_ += len + 1;
      bytes_consumed_ += len + 1;
      ++line_no_;
      if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
      return true;
    }
    if (eof_) {
      if (pos_ == end_) return false;
      // A last line without a newline.
      *line = std::string_view(start, end_ - pos_);
      bytes_consumed_ += end_ - pos_;
      pos_ = end_;
      ++line_no_;
      if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
      return true;
    }
    // Move the partial line to the front and read more; grow for lines longer than a block.
    size_t rest = end_ - pos_;
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, rest);
      pos_ = 0;
      end_ = rest;
    }
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    ASSIGN_OR_RETURN(size_t got, source_->Read(buf_.data() + end_, buf_.size() - end_));
    if (got == 0) eof_ = true;
    end_ += got;
  }
}

Status CsvReader::SplitFields(std::string_view line, std::vector<std::string_view>* fields) {
  fields->clear();
  const char delim = options_.delimiter;
  if (std::memchr(line.data(), '"', line.size()) == nullptr) {
    size_t start = 0;
    while (true) {
      const void* d = std::memchr(line.data() + start, delim, line.size() - start);
      if (d == nullptr) {
        fields->emplace_back(line.data() + start, line.size() - start);
        return Status::OK();
      }
      size_t at = static_cast<size_t>(static_cast<const char*>(d) - line.data());
      fields->emplace_back(line.data() + start, at - start);
      start = at + 1;
    }
  }
  // Quoted fields: unescape into unquoted_, reserved up front so views into it stay valid.
  unquoted_.clear();
  unquoted_.reserve(line.size());
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      size_t begin = unquoted_.size();
      ++i;
      while (true) {
        if (i >= line.size()) {
          return LineError("", "unterminated quoted field (newlines inside quoted fields are not supported)");
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            unquoted_.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        unquoted_.push_back(line[i++]);
      }
      fields->emplace_back(unquoted_.data() + begin, unquoted_.size() - begin);
      if (i == line.size()) return Status::OK();
      if (line[i] != delim) return LineError("", "unexpected text after a closing quote");
      ++i;
    } else {
      size_t at = line.find(delim, i);
      std::string_view f = line.substr(i, at == std::string_view::npos ? std::string_view::npos : at - i);
      if (f.find('"') != std::string_view::npos) return LineError("", "a quote inside an unquoted field");
      fields->push_back(f);
      if (at == std::string_view::npos) return Status::OK();
      i = at + 1;
    }
  }
}

Status CsvReader::LineError(const std::string& column, const std::string& why) const {
  std::string msg = source_->name() + ":" + std::to_string(line_no_) + ": ";
  if (!column.empty()) msg += "column '" + column + "': ";
  return Status::InvalidArgument(msg + why);
}

Status CsvReader::ParseLine(std::string_view line, RecordBatch* batch) {
  RETURN_IF_ERROR(SplitFields(line, &fields_));
  if (fields_.size() != column_of_field_.size()) {
    return LineError("", "expected " + std::to_string(column_of_field_.size()) + " fields, found " +
                             std::to_string(fields_.size()));
  }
  // Convert every field before appending any, so a bad field leaves the batch unchanged.
  union Value {
    int64_t i64;
    double f64;
  };
  Value values[64];
  std::vector<Value> many;
  Value* vals = values;
  const size_t ncols = schema_.num_fields();
  if (ncols > 64) {
    many.resize(ncols);
    vals = many.data();
  }
  uint64_t null_mask_small = 0;
  std::vector<bool> nulls(ncols > 64 ? ncols : 0);
  auto set_null = [&](size_t c) {
    if (ncols > 64) nulls[c] = true; else null_mask_small |= uint64_t{1} << c;
  };
  auto is_null = [&](size_t c) { return ncols > 64 ? bool(nulls[c]) : ((null_mask_small >> c) & 1) != 0; };
  for (size_t c = 0; c < ncols; ++c) {
    const Field& f = schema_.field(c);
    int fi = field_of_column_[c];
    std::string_view text = fi < 0 ? std::string_view() : fields_[static_cast<size_t>(fi)];
    if (text.empty()) {
      if (f.nullable) {
        set_null(c);
        continue;
      }
      if (f.type == ColumnType::kString) continue;
      return LineError(f.name, "empty value in a column that is not nullable");
    }
    const char* b = text.data();
    const char* e = b + text.size();
    switch (f.type) {
      case ColumnType::kTimestamp: {
        if (!FastTimestamp(text, last_date_, &last_date_days_, &vals[c].i64)) {
          auto ts = ParseTimestamp(text);
          if (!ts.ok()) return LineError(f.name, ts.status().message());
          vals[c].i64 = *ts;
        }
        break;
      }
      case ColumnType::kInt64:
      case ColumnType::kInt32: {
        if (*b == '+') ++b;
        int64_t v = 0;
        auto [p, ec] = std::from_chars(b, e, v);
        if (ec == std::errc::result_out_of_range || (f.type == ColumnType::kInt32 && (v < INT32_MIN || v > INT32_MAX))) {
          return LineError(f.name, Quote(text) + " is out of range for " + std::string(ColumnTypeName(f.type)));
        }
        if (ec != std::errc() || p != e) return LineError(f.name, Quote(text) + " is not an integer");
        vals[c].i64 = v;
        break;
      }
      case ColumnType::kFloat64: {
        if (*b == '+') ++b;
        double v = 0;
        auto [p, ec] = std::from_chars(b, e, v);
        if (ec != std::errc() || p != e) return LineError(f.name, Quote(text) + " is not a number");
        vals[c].f64 = v;
        break;
      }
      case ColumnType::kBool: {
        if (text == "true" || text == "TRUE" || text == "True" || text == "1" || text == "t" || text == "T") {
          vals[c].i64 = 1;
        } else if (text == "false" || text == "FALSE" || text == "False" || text == "0" || text == "f" || text == "F") {
          vals[c].i64 = 0;
        } else {
          return LineError(f.name, Quote(text) + " is not a bool (true/false/1/0)");
        }
        break;
      }
      case ColumnType::kSymbol:
      case ColumnType::kString: break;
    }
  }
  for (size_t c = 0; c < ncols; ++c) {
    Column& col = batch->column(c);
    if (is_null(c)) {
      col.AppendNull();
      continue;
    }
    switch (col.type()) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: col.AppendInt64(vals[c].i64); break;
      case ColumnType::kInt32: col.AppendInt32(static_cast<int32_t>(vals[c].i64)); break;
      case ColumnType::kFloat64: col.AppendDouble(vals[c].f64); break;
      case ColumnType::kBool: col.AppendBool(vals[c].i64 != 0); break;
      case ColumnType::kSymbol:
      case ColumnType::kString: {
        int fi = field_of_column_[c];
        col.AppendString(fi < 0 ? std::string_view() : fields_[static_cast<size_t>(fi)]);
      }
    }
  }
  return Status::OK();
}

Result<bool> CsvReader::Next(RecordBatch* batch) {
  if (!pending_error_.ok()) {
    Status st = pending_error_;
    pending_error_ = Status::OK();
    eof_ = true;
    pos_ = end_;
    return st;
  }
  if (batch->fields() != schema_.fields()) *batch = RecordBatch(schema_);
  batch->Clear();
  while (batch->num_rows() < options_.batch_rows) {
    std::string_view line;
    ASSIGN_OR_RETURN(bool got, NextLine(&line));
    if (!got) break;
    if (line.empty()) continue;
    Status st = ParseLine(line, batch);
    if (st.ok()) {
      ++rows_read_;
      continue;
    }
    if (options_.skip_bad_lines) {
      ++rows_rejected_;
      if (options_.on_reject) options_.on_reject(line_no_, line, st);
      continue;
    }
    if (batch->num_rows() == 0) return st;
    pending_error_ = st;
    return true;
  }
  return batch->num_rows() > 0;
}

}  // namespace strata
