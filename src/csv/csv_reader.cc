#include "csv/csv_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>

#include "strata/timestamp.h"

namespace strata {
namespace {

// Large reads keep the per-read cost (a syscall for stdin, a pread for files) out of the profile;
// a small input gets a buffer its size, so opening many small files stays cheap.
constexpr size_t kBlockBytes = size_t{4} << 20;
constexpr size_t kMinBufferBytes = size_t{4} << 10;
// Pipes deliver at most their capacity (64 KiB by default) per read.
constexpr size_t kPipeBufferBytes = size_t{256} << 10;
// String columns have 32-bit offsets; ending a batch at 1 GiB of input (plus at most one line of
// at most 1 GiB) keeps every column's characters under 4 GiB.
constexpr size_t kMaxBatchBytes = size_t{1} << 30;
constexpr size_t kMaxLineLimit = size_t{1} << 30;
// How much of a bad value or an over-long line an error message shows.
constexpr size_t kShownBytes = 60;

// 'text' for messages: cut at kShownBytes, control and non-ASCII bytes escaped.
std::string Quote(std::string_view s) { return QuoteForMessage(s, kShownBytes); }

bool EqualsIgnoreCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Skips one leading '+', which from_chars does not take; "+-1" and "+" stay invalid.
const char* SkipPlus(const char* b, const char* e) {
  if (b != e && *b == '+' && b + 1 != e && b[1] != '-' && b[1] != '+') return b + 1;
  return b;
}

std::string ColumnList(const Schema& schema) {
  std::string out;
  for (const Field& f : schema.fields()) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

}  // namespace

CsvReader::CsvReader(std::unique_ptr<ByteSource> source, const Schema& schema, CsvOptions options)
    : source_(std::move(source)), schema_(schema), options_(std::move(options)) {}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(std::unique_ptr<ByteSource> source, const Schema& schema,
                                                   CsvOptions options) {
  const std::string& name = source->name();
  if (options.batch_rows == 0) return Status::InvalidArgument(name + ": CSV batch_rows must be at least 1");
  if (options.delimiter == '"' || options.delimiter == '\r' || options.delimiter == '\n') {
    return Status::InvalidArgument(name + ": a quote or a line end cannot be the CSV delimiter");
  }
  if (const int64_t u = options.integer_ts_unit_ns;
      u != 1 && u != kNanosPerMicro && u != kNanosPerMilli && u != kNanosPerSecond) {
    return Status::InvalidArgument(name + ": the unit of integer timestamps must be 1 ns, 1 us, 1 ms or 1 s");
  }
  if (options.max_line_bytes == 0 || options.max_line_bytes > kMaxLineLimit) {
    return Status::InvalidArgument(name + ": CSV max_line_bytes must be between 1 and " +
                                   std::to_string(kMaxLineLimit));
  }
  std::unique_ptr<CsvReader> reader(new CsvReader(std::move(source), schema, std::move(options)));
  RETURN_IF_ERROR(reader->ReadHeader());
  return reader;
}

Status CsvReader::ReadHeader() {
  const std::optional<uint64_t> total = source_->TotalSize();
  cap_ = total ? static_cast<size_t>(std::clamp<uint64_t>(*total + 1, kMinBufferBytes, kBlockBytes)) : kPipeBufferBytes;
  buf_ = std::make_unique_for_overwrite<char[]>(cap_);
  std::string_view header;
  in_header_ = true;
  while (true) {
    ASSIGN_OR_RETURN(LineKind kind, NextLine(&header));
    if (kind == LineKind::kEnd) return Status::InvalidArgument(source_->name() + ": empty file, expected a header row");
    if (kind == LineKind::kTooLong) {
      return LineError(
          -1, "the header is longer than " + std::to_string(options_.max_line_bytes) + " bytes (is this a CSV file?)");
    }
    if (line_no_ == 1 && header.starts_with("\xEF\xBB\xBF")) header.remove_prefix(3);
    if (!header.empty()) break;
  }
  in_header_ = false;
  header_line_.assign(header);
  header_line_end_ = line_end_;
  RETURN_IF_ERROR(SplitFields(header));
  const size_t ncols = schema_.num_fields();
  field_of_column_.assign(ncols, -1);
  for (size_t i = 0; i < fields_.size(); ++i) {
    std::string_view name = fields_[i];
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    const int c = schema_.FieldIndex(name);
    if (c < 0) {
      return LineError(-1, "the header names column " + Quote(name) +
                               ", which the table does not have (columns: " + ColumnList(schema_) + ")");
    }
    if (field_of_column_[c] != -1) return LineError(-1, "the header names column " + Quote(name) + " twice");
    field_of_column_[c] = static_cast<int>(i);
    column_of_field_.push_back(c);
  }
  for (size_t c = 0; c < ncols; ++c) {
    if (field_of_column_[c] == -1 && !schema_.field(c).nullable) {
      return LineError(-1, "the header has no column '" + schema_.field(c).name +
                               "', which the table requires (header: " + Quote(header) + ")");
    }
  }
  values_.resize(ncols);
  is_null_.resize(ncols);
  return Status::OK();
}

Result<CsvReader::LineKind> CsvReader::NextLine(std::string_view* line) {
  size_t scanned = 0;  // bytes after pos_ already known to hold no '\n'
  while (true) {
    const char* start = buf_.get() + pos_;
    const void* nl = std::memchr(start + scanned, '\n', end_ - pos_ - scanned);
    if (nl != nullptr || (eof_ && pos_ < end_)) {
      // A line, or the last line of the input without a line end.
      const size_t len = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - start) : end_ - pos_;
      const size_t used = nl != nullptr ? len + 1 : len;
      pos_ += used;
      bytes_consumed_ += used;
      ++line_no_;
      *line = std::string_view(start, len);
      line_end_ = nl != nullptr ? "\n" : "";
      if (!line->empty() && line->back() == '\r') {
        line->remove_suffix(1);
        if (nl != nullptr) line_end_ = "\r\n";
      }
      if (line->size() <= options_.max_line_bytes) return LineKind::kLine;
      line_end_ = "";
      long_line_.assign(line->substr(0, kShownBytes)).append("...");
      *line = long_line_;
      return LineKind::kTooLong;
    }
    if (eof_) return LineKind::kEnd;
    size_t rest = end_ - pos_;
    if (rest > options_.max_line_bytes + 1) {  // +1: room for a '\r' before the '\n'
      long_line_.assign(start, std::min(rest, kShownBytes)).append("...");
      if (in_header_ || !options_.skip_bad_lines) {
        // The read ends here: do not look for the line's end, which may never come (/dev/zero).
        bytes_consumed_ += rest;
        pos_ = end_ = 0;
        eof_ = true;
        ++line_no_;
        line_end_ = "";
        *line = long_line_;
        return LineKind::kTooLong;
      }
      // Drop the line's bytes up to its newline without keeping them.
      bytes_consumed_ += rest;
      pos_ = end_ = 0;
      while (true) {
        ASSIGN_OR_RETURN(size_t got, source_->Read(buf_.get(), cap_));
        if (got == 0) {
          eof_ = true;
          break;
        }
        end_ = got;
        const void* at = std::memchr(buf_.get(), '\n', got);
        if (at != nullptr) {
          pos_ = static_cast<size_t>(static_cast<const char*>(at) - buf_.get()) + 1;
          bytes_consumed_ += pos_;
          break;
        }
        bytes_consumed_ += got;
        end_ = 0;
      }
      ++line_no_;
      line_end_ = "";
      *line = long_line_;
      return LineKind::kTooLong;
    }
    // Keep the partial line, move it to the front (into a larger buffer if it fills this one),
    // and read more behind it.
    if (rest == cap_) {
      const size_t cap = std::max(cap_ * 2, kBlockBytes);
      std::unique_ptr<char[]> bigger = std::make_unique_for_overwrite<char[]>(cap);
      std::memcpy(bigger.get(), start, rest);
      buf_ = std::move(bigger);
      cap_ = cap;
    } else if (pos_ > 0) {
      std::memmove(buf_.get(), start, rest);
    }
    pos_ = 0;
    end_ = rest;
    scanned = rest;
    ASSIGN_OR_RETURN(size_t got, source_->Read(buf_.get() + end_, cap_ - end_));
    if (got == 0) eof_ = true;
    end_ += got;
  }
}

Status CsvReader::SplitFields(std::string_view line) {
  fields_.clear();
  const char delim = options_.delimiter;
  line_has_quotes_ = std::memchr(line.data(), '"', line.size()) != nullptr;
  if (!line_has_quotes_) {
    const char* p = line.data();
    const char* const end = p + line.size();
    while (true) {
      const char* d = static_cast<const char*>(std::memchr(p, delim, static_cast<size_t>(end - p)));
      if (d == nullptr) {
        fields_.emplace_back(p, static_cast<size_t>(end - p));
        return Status::OK();
      }
      fields_.emplace_back(p, static_cast<size_t>(d - p));
      p = d + 1;
    }
  }
  // Unquoted text never outgrows the line, so reserving the line's size keeps the views into
  // unquoted_ valid while it fills.
  field_quoted_.clear();
  unquoted_.clear();
  unquoted_.reserve(line.size());
  size_t i = 0;
  while (true) {
    const size_t field = fields_.size();
    if (i < line.size() && line[i] == '"') {
      const size_t begin = unquoted_.size();
      ++i;
      while (true) {
        const size_t q = line.find('"', i);
        if (q == std::string_view::npos) {
          return FieldError(field, "unterminated quoted field (a newline inside quotes is not supported)");
        }
        unquoted_.append(line.substr(i, q - i));
        if (q + 1 < line.size() && line[q + 1] == '"') {
          unquoted_.push_back('"');
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields_.emplace_back(unquoted_.data() + begin, unquoted_.size() - begin);
      field_quoted_.push_back(1);
      if (i == line.size()) return Status::OK();
      if (line[i] != delim) return FieldError(field, "unexpected text after the closing quote");
      ++i;
    } else {
      const size_t at = line.find(delim, i);
      const std::string_view f = line.substr(i, at == std::string_view::npos ? std::string_view::npos : at - i);
      if (f.find('"') != std::string_view::npos) {
        return FieldError(field, Quote(f) + " has a quote but does not start with one");
      }
      fields_.push_back(f);
      field_quoted_.push_back(0);
      if (at == std::string_view::npos) return Status::OK();
      i = at + 1;
    }
  }
}

Status CsvReader::LineError(int column, std::string_view why) const {
  std::string msg = source_->name() + ":" + std::to_string(line_no_) + ": ";
  if (column >= 0) msg += "column '" + schema_.field(static_cast<size_t>(column)).name + "': ";
  msg += why;
  return Status::InvalidArgument(std::move(msg));
}

Status CsvReader::FieldError(size_t field, std::string_view why) const {
  if (field < column_of_field_.size()) return LineError(column_of_field_[field], why);
  return LineError(-1, "field " + std::to_string(field + 1) + ": " + std::string(why));
}

Status CsvReader::ParseValue(size_t c, std::string_view text) {
  const Field& f = schema_.field(c);
  const char* b = text.data();
  const char* const e = b + text.size();
  switch (f.type) {
    case ColumnType::kTimestamp: {
      auto parse = [&]() -> Status {
        if (ts_parser_.TryFast(text, &values_[c].i64)) return Status::OK();
        const char* digits = b != e && *b == '-' ? b + 1 : b;
        if (digits != e && std::all_of(digits, e, [](char ch) { return ch >= '0' && ch <= '9'; })) {
          return ParseIntegerTimestamp(c, text);
        }
        Result<int64_t> ts = ParseTimestamp(text);
        if (!ts.ok()) return LineError(static_cast<int>(c), ts.status().message());
        values_[c].i64 = *ts;
        return Status::OK();
      };
      RETURN_IF_ERROR(parse());
      if (f.unit == TimeUnit::kNanos) return Status::OK();
      const int64_t whole = TruncateToUnit(values_[c].i64, f.unit);
      if (whole == values_[c].i64) return Status::OK();
      if (!options_.truncate_timestamps) {
        return LineError(static_cast<int>(c), Quote(text) + " is finer than the column's " + FieldTypeName(f) +
                                                  " (`strata ingest --truncate-timestamps` rounds it down)");
      }
      values_[c].i64 = whole;
      return Status::OK();
    }
    case ColumnType::kInt32:
    case ColumnType::kInt64: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(SkipPlus(b, e), e, v);
      if (p != e || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        return LineError(static_cast<int>(c), Quote(text) + " is not an integer");
      }
      if (ec == std::errc::result_out_of_range || (f.type == ColumnType::kInt32 && (v < INT32_MIN || v > INT32_MAX))) {
        return LineError(static_cast<int>(c),
                         Quote(text) + " is out of range for " + std::string(ColumnTypeName(f.type)));
      }
      values_[c].i64 = v;
      return Status::OK();
    }
    case ColumnType::kFloat32: {
      float v = 0;
      auto [p, ec] = std::from_chars(SkipPlus(b, e), e, v);
      if (p != e || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        return LineError(static_cast<int>(c), Quote(text) + " is not a number");
      }
      if (ec == std::errc::result_out_of_range) {
        return LineError(static_cast<int>(c), Quote(text) + " is out of range for f32");
      }
      if (!options_.allow_nan && !std::isfinite(v)) {
        return LineError(static_cast<int>(c), Quote(text) +
                                                  " is not a finite number (NaN and infinities are refused; "
                                                  "`strata ingest --allow-nan` stores them)");
      }
      values_[c].f64 = v;  // the nearest float, held as a double
      return Status::OK();
    }
    case ColumnType::kFloat64: {
      double v = 0;
      auto [p, ec] = std::from_chars(SkipPlus(b, e), e, v);
      if (p != e || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
        return LineError(static_cast<int>(c), Quote(text) + " is not a number");
      }
      if (ec == std::errc::result_out_of_range) {
        return LineError(static_cast<int>(c), Quote(text) + " is out of range for f64");
      }
      if (!options_.allow_nan && !std::isfinite(v)) {
        return LineError(static_cast<int>(c), Quote(text) +
                                                  " is not a finite number (NaN and infinities are refused; "
                                                  "`strata ingest --allow-nan` stores them)");
      }
      values_[c].f64 = v;
      return Status::OK();
    }
    case ColumnType::kBool: {
      if (text == "1" || EqualsIgnoreCase(text, "true") || EqualsIgnoreCase(text, "t")) {
        values_[c].i64 = 1;
      } else if (text == "0" || EqualsIgnoreCase(text, "false") || EqualsIgnoreCase(text, "f")) {
        values_[c].i64 = 0;
      } else {
        return LineError(static_cast<int>(c), Quote(text) + " is not a bool (true, false, t, f, 1 or 0)");
      }
      return Status::OK();
    }
    case ColumnType::kSymbol:  // appended straight from the field
      if (Status st = ValidateSymbol(text); !st.ok()) return LineError(static_cast<int>(c), st.message());
      return Status::OK();
    case ColumnType::kString:  // appended straight from the field
      if (!IsValidUtf8(text)) return LineError(static_cast<int>(c), Quote(text) + " is not valid UTF-8");
      return Status::OK();
  }
  return Status::Internal("unknown column type");
}

Status CsvReader::ParseIntegerTimestamp(size_t c, std::string_view text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const int64_t unit = options_.integer_ts_unit_ns;
  int64_t ns = 0;
  if (ec != std::errc() || p != text.data() + text.size() || __builtin_mul_overflow(v, unit, &ns) ||
      !InTimestampRange(ns)) {
    const char* unit_name = unit == 1                ? "nanoseconds"
                            : unit == kNanosPerMicro ? "microseconds"
                            : unit == kNanosPerMilli ? "milliseconds"
                                                     : "seconds";
    return LineError(static_cast<int>(c),
                     "bad timestamp " + Quote(text) + ": integer " + unit_name + " outside " + kTimestampRangeText);
  }
  if (unit == 1 && ns > -CsvReader::kSmallIntegerTsNs && ns < CsvReader::kSmallIntegerTsNs) {
    if (small_integer_ts_++ == 0) first_small_integer_ts_line_ = line_no_;
  }
  values_[c].i64 = ns;
  return Status::OK();
}

Status CsvReader::ParseRow(RecordBatch* batch) {
  if (fields_.size() != column_of_field_.size()) {
    return LineError(
        -1, "expected " + std::to_string(column_of_field_.size()) + " fields, found " + std::to_string(fields_.size()));
  }
  const size_t ncols = schema_.num_fields();
  for (size_t c = 0; c < ncols; ++c) {
    const Field& f = schema_.field(c);
    const int fi = field_of_column_[c];
    is_null_[c] = 0;
    if (fi < 0) {
      is_null_[c] = 1;  // Open allows only nullable columns to be missing
      continue;
    }
    const std::string_view text = fields_[static_cast<size_t>(fi)];
    if (text.empty()) {
      const bool quoted = line_has_quotes_ && field_quoted_[static_cast<size_t>(fi)] != 0;
      if (f.type == ColumnType::kString && (quoted || !f.nullable)) continue;  // the empty string
      if (f.type == ColumnType::kSymbol && quoted) return LineError(static_cast<int>(c), "a symbol cannot be empty");
      if (f.nullable) {
        is_null_[c] = 1;
        continue;
      }
      return LineError(static_cast<int>(c), "empty value in a column that is not nullable");
    }
    RETURN_IF_ERROR(ParseValue(c, text));
  }
  for (size_t c = 0; c < ncols; ++c) {
    Column& col = batch->column(c);
    if (is_null_[c] != 0) {
      col.AppendNull();
      continue;
    }
    switch (col.type()) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64: col.AppendInt64(values_[c].i64); break;
      case ColumnType::kInt32: col.AppendInt32(static_cast<int32_t>(values_[c].i64)); break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: col.AppendDouble(values_[c].f64); break;
      case ColumnType::kBool: col.AppendBool(values_[c].i64 != 0); break;
      case ColumnType::kSymbol:
      case ColumnType::kString: col.AppendString(fields_[static_cast<size_t>(field_of_column_[c])]); break;
    }
  }
  return Status::OK();
}

Result<bool> CsvReader::Stop(Status error, RecordBatch* batch) {
  if (batch->num_rows() == 0) {
    finished_ = true;
    return error;
  }
  pending_error_ = std::move(error);
  return true;
}

Result<bool> CsvReader::Next(RecordBatch* batch) {
  // A reused batch keeps its columns' capacity, so only the first batch pays for growing them.
  if (batch->fields() != schema_.fields()) *batch = RecordBatch(schema_);
  batch->Clear();
  if (!pending_error_.ok()) {
    finished_ = true;
    return std::exchange(pending_error_, Status::OK());
  }
  if (finished_) return false;
  const uint64_t batch_start = bytes_consumed_;
  while (batch->num_rows() < options_.batch_rows && bytes_consumed_ - batch_start < kMaxBatchBytes) {
    std::string_view line;
    Result<LineKind> kind = NextLine(&line);
    if (!kind.ok()) return Stop(kind.status(), batch);
    if (*kind == LineKind::kEnd) break;
    Status st;
    if (*kind == LineKind::kTooLong) {
      st = LineError(-1, "line is longer than " + std::to_string(options_.max_line_bytes) + " bytes");
    } else {
      if (line.empty()) continue;
      st = SplitFields(line);
      if (st.ok()) st = ParseRow(batch);
      if (st.ok()) {
        ++rows_read_;
        continue;
      }
    }
    if (!options_.skip_bad_lines) return Stop(std::move(st), batch);
    ++rows_rejected_;
    if (options_.on_reject) options_.on_reject(line_no_, line, st);
  }
  return batch->num_rows() > 0;
}

}  // namespace strata
