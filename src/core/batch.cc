#include "strata/batch.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "strata/timestamp.h"

namespace strata {
namespace {

bool AllAscii(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) return false;
  }
  for (; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  }
  return true;
}

}  // namespace

void Column::AppendString(std::string_view v) {
  chars_.append(v);
  offsets_.push_back(static_cast<uint32_t>(chars_.size()));
  Grew();
}

void Column::AppendNull() {
  if (validity_.empty()) validity_.assign(size_, 1);
  switch (type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: i64_.push_back(0); break;
    case ColumnType::kInt32: i32_.push_back(0); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: f64_.push_back(0); break;
    case ColumnType::kBool: u8_.push_back(0); break;
    case ColumnType::kSymbol:
    case ColumnType::kString: offsets_.push_back(static_cast<uint32_t>(chars_.size())); break;
  }
  ++size_;
  validity_.push_back(0);
}

void Column::AppendFrom(const Column& other, size_t row) {
  if (other.IsNull(row)) {
    AppendNull();
    return;
  }
  switch (type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: AppendInt64(other.i64_[row]); break;
    case ColumnType::kInt32: AppendInt32(other.i32_[row]); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: AppendDouble(other.f64_[row]); break;
    case ColumnType::kBool: AppendBool(other.u8_[row] != 0); break;
    case ColumnType::kSymbol:
    case ColumnType::kString: AppendString(other.GetString(row)); break;
  }
}

size_t Column::StringRunEnd(size_t row) const {
  const std::string_view s = GetString(row);
  if (GetString(size_ - 1) == s) return size_;
  size_t lo = row + 1, hi = size_ - 1;  // the last row differs: the run ends at or before it
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (GetString(mid) <= s) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

bool Column::has_nulls() const {
  for (uint8_t v : validity_) {
    if (v == 0) return true;
  }
  return false;
}

Status Column::SetSizeFromStorage() {
  size_t n = 0;
  switch (type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: n = i64_.size(); break;
    case ColumnType::kInt32: n = i32_.size(); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: n = f64_.size(); break;
    case ColumnType::kBool: n = u8_.size(); break;
    case ColumnType::kSymbol:
    case ColumnType::kString:
      if (offsets_.empty() || offsets_.front() != 0 || offsets_.back() != chars_.size()) {
        return Status::Internal("string column offsets do not match its characters");
      }
      n = offsets_.size() - 1;
      break;
  }
  if (!validity_.empty() && validity_.size() != n) {
    return Status::Internal("column validity has " + std::to_string(validity_.size()) + " entries for " +
                            std::to_string(n) + " values");
  }
  size_ = n;
  return Status::OK();
}

void Column::Reserve(size_t rows, size_t chars_hint) {
  switch (type_) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: i64_.reserve(rows); break;
    case ColumnType::kInt32: i32_.reserve(rows); break;
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: f64_.reserve(rows); break;
    case ColumnType::kBool: u8_.reserve(rows); break;
    case ColumnType::kSymbol:
    case ColumnType::kString:
      offsets_.reserve(rows + 1);
      chars_.reserve(chars_hint);
      break;
  }
}

void Column::Clear() {
  size_ = 0;
  i64_.clear();
  i32_.clear();
  f64_.clear();
  u8_.clear();
  offsets_.assign(1, 0);
  chars_.clear();
  validity_.clear();
}

size_t Column::ByteSize() const {
  size_t bytes = i64_.size() * 8 + i32_.size() * 4 + f64_.size() * 8 + u8_.size() + validity_.size();
  if (IsStringLike(type_)) bytes += offsets_.size() * sizeof(uint32_t) + chars_.size();
  return bytes;
}

bool Column::Equals(const Column& other) const {
  if (type_ != other.type_ || size_ != other.size_) return false;
  for (size_t i = 0; i < size_; ++i) {
    bool null_a = IsNull(i), null_b = other.IsNull(i);
    if (null_a != null_b) return false;
    if (null_a) continue;
    switch (type_) {
      case ColumnType::kTimestamp:
      case ColumnType::kInt64:
        if (i64_[i] != other.i64_[i]) return false;
        break;
      case ColumnType::kInt32:
        if (i32_[i] != other.i32_[i]) return false;
        break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64:
        // Bitwise, so NaN equals NaN and -0 differs from +0: storage must round-trip exactly.
        if (std::memcmp(&f64_[i], &other.f64_[i], sizeof(double)) != 0) return false;
        break;
      case ColumnType::kBool:
        if (u8_[i] != other.u8_[i]) return false;
        break;
      case ColumnType::kSymbol:
      case ColumnType::kString:
        if (GetString(i) != other.GetString(i)) return false;
        break;
    }
  }
  return true;
}

Column Column::Slice(size_t begin, size_t count) const {
  Column out(type_);
  out.Reserve(count);
  for (size_t i = begin; i < begin + count; ++i) out.AppendFrom(*this, i);
  return out;
}

Column Column::Take(std::span<const uint32_t> rows) const {
  Column out(type_);
  out.Reserve(rows.size());
  for (uint32_t r : rows) out.AppendFrom(*this, r);
  return out;
}

RecordBatch::RecordBatch(std::vector<Field> fields) : fields_(std::move(fields)) {
  columns_.reserve(fields_.size());
  for (const Field& f : fields_) columns_.emplace_back(f.type);
}

RecordBatch::RecordBatch(std::vector<Field> fields, std::vector<Column> columns)
    : fields_(std::move(fields)), columns_(std::move(columns)) {}

int RecordBatch::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status RecordBatch::Validate() const {
  if (columns_.size() != fields_.size()) {
    return Status::InvalidArgument("batch has " + std::to_string(columns_.size()) + " columns for " +
                                   std::to_string(fields_.size()) + " fields");
  }
  size_t n = num_rows();
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& c = columns_[i];
    if (c.type() != fields_[i].type) {
      return Status::InvalidArgument("column '" + fields_[i].name + "' holds " + std::string(ColumnTypeName(c.type())) +
                                     " values but its field is " + std::string(ColumnTypeName(fields_[i].type)));
    }
    if (c.size() != n) {
      return Status::InvalidArgument("column '" + fields_[i].name + "' has " + std::to_string(c.size()) +
                                     " rows, expected " + std::to_string(n));
    }
    if (!fields_[i].nullable && c.has_nulls()) {
      return Status::InvalidArgument("column '" + fields_[i].name + "' is not nullable but holds nulls");
    }
  }
  return Status::OK();
}

Status RecordBatch::ValidateAgainst(const Schema& schema) const {
  if (fields_ != schema.fields()) {
    std::string have;
    for (const Field& f : fields_)
      have += (have.empty() ? "" : ",") + f.name + ":" + FieldTypeName(f) + (f.nullable ? "?" : "");
    return Status::InvalidArgument("batch columns (" + have + ") do not match the table schema (" + schema.ToString() +
                                   ")");
  }
  RETURN_IF_ERROR(Validate());
  // What the hot tier, the WAL replay and the warm files need of every row, checked before the
  // batch reaches the WAL: a row refused after it is durable would fail every replay.
  const size_t n = num_rows();
  auto row_error = [](size_t row, const Status& why) {
    return Status::InvalidArgument("row " + std::to_string(row + 1) + ": " + why.message());
  };
  const std::vector<int64_t>& ts = columns_[static_cast<size_t>(schema.ts_index())].int64s();
  for (size_t r = 0; r < n; ++r) {
    if (!InTimestampRange(ts[r])) return row_error(r, CheckTimestampRange(ts[r]));
  }
  if (const Field& tf = fields_[static_cast<size_t>(schema.ts_index())]; tf.unit != TimeUnit::kNanos) {
    for (size_t r = 0; r < n; ++r) {
      if (TruncateToUnit(ts[r], tf.unit) != ts[r]) {
        return Status::InvalidArgument("row " + std::to_string(r + 1) + ": column '" + tf.name +
                                       "': " + FormatTimestamp(ts[r]) + " is finer than its " + FieldTypeName(tf));
      }
    }
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (fields_[c].type != ColumnType::kFloat32) continue;
    const std::vector<double>& d = columns_[c].doubles();
    for (size_t r = 0; r < n; ++r) {
      if (!IsExactFloat(d[r])) {
        return Status::InvalidArgument("row " + std::to_string(r + 1) + ": column '" + fields_[c].name +
                                       "': " + std::to_string(d[r]) + " is not a 32-bit float (f32)");
      }
    }
  }
  const Column& sym = columns_[static_cast<size_t>(schema.symbol_index())];
  for (size_t r = 0; r < n; ++r) {
    if (Status st = ValidateSymbol(sym.GetString(r)); !st.ok()) return row_error(r, st);
  }
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (fields_[c].type != ColumnType::kString) continue;
    const Column& col = columns_[c];
    if (AllAscii(col.chars())) continue;  // the common case, checked 8 bytes at a time
    for (size_t r = 0; r < n; ++r) {
      if (!IsValidUtf8(col.GetString(r))) {
        return Status::InvalidArgument("row " + std::to_string(r + 1) + ": column '" + fields_[c].name +
                                       "': " + QuoteForMessage(col.GetString(r), 60) + " is not valid UTF-8");
      }
    }
  }
  return Status::OK();
}

size_t RecordBatch::ByteSize() const {
  size_t bytes = 0;
  for (const Column& c : columns_) bytes += c.ByteSize();
  return bytes;
}

void RecordBatch::Reserve(size_t rows) {
  for (Column& c : columns_) c.Reserve(rows, IsStringLike(c.type()) ? rows * 8 : 0);
}

void RecordBatch::Clear() {
  for (Column& c : columns_) c.Clear();
}

bool RecordBatch::Equals(const RecordBatch& other) const {
  if (fields_ != other.fields_ || columns_.size() != other.columns_.size()) return false;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (!columns_[i].Equals(other.columns_[i])) return false;
  }
  return true;
}

RecordBatch RecordBatch::Slice(size_t begin, size_t count) const {
  std::vector<Column> cols;
  cols.reserve(columns_.size());
  for (const Column& c : columns_) cols.push_back(c.Slice(begin, count));
  return RecordBatch(fields_, std::move(cols));
}

RecordBatch RecordBatch::Take(std::span<const uint32_t> rows) const {
  std::vector<Column> cols;
  cols.reserve(columns_.size());
  for (const Column& c : columns_) cols.push_back(c.Take(rows));
  return RecordBatch(fields_, std::move(cols));
}

Result<RecordBatch> RecordBatch::Project(const std::vector<std::string>& names) const {
  std::vector<Field> fields;
  std::vector<Column> cols;
  for (const std::string& name : names) {
    int i = FieldIndex(name);
    if (i < 0) return Status::NotFound("no column '" + name + "'");
    fields.push_back(fields_[i]);
    cols.push_back(columns_[i]);
  }
  return RecordBatch(std::move(fields), std::move(cols));
}

Status RecordBatch::Append(const RecordBatch& other) {
  if (fields_ != other.fields_) return Status::InvalidArgument("cannot append a batch with different columns");
  for (size_t c = 0; c < columns_.size(); ++c) {
    Column& dst = columns_[c];
    const Column& src = other.columns_[c];
    if (src.validity().empty() && dst.validity().empty()) {
      switch (dst.type()) {
        case ColumnType::kTimestamp:
        case ColumnType::kInt64:
          dst.int64s().insert(dst.int64s().end(), src.int64s().begin(), src.int64s().end());
          break;
        case ColumnType::kInt32:
          dst.int32s().insert(dst.int32s().end(), src.int32s().begin(), src.int32s().end());
          break;
        case ColumnType::kFloat32:
        case ColumnType::kFloat64:
          dst.doubles().insert(dst.doubles().end(), src.doubles().begin(), src.doubles().end());
          break;
        case ColumnType::kBool: dst.bools().insert(dst.bools().end(), src.bools().begin(), src.bools().end()); break;
        case ColumnType::kSymbol:
        case ColumnType::kString: {
          uint32_t base = static_cast<uint32_t>(dst.chars().size());
          dst.chars().append(src.chars());
          for (size_t i = 1; i < src.offsets().size(); ++i) dst.offsets().push_back(base + src.offsets()[i]);
          break;
        }
      }
      RETURN_IF_ERROR(dst.SetSizeFromStorage());
    } else {
      for (size_t r = 0; r < src.size(); ++r) dst.AppendFrom(src, r);
    }
  }
  return Status::OK();
}

std::string RecordBatch::RowToString(size_t row) const {
  std::string out;
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (c) out += ',';
    const Column& col = columns_[c];
    if (col.IsNull(row)) continue;
    switch (col.type()) {
      case ColumnType::kTimestamp: AppendTimestamp(col.int64s()[row], &out); break;
      case ColumnType::kInt64: out += std::to_string(col.int64s()[row]); break;
      case ColumnType::kInt32: out += std::to_string(col.int32s()[row]); break;
      case ColumnType::kFloat32:
      case ColumnType::kFloat64: {
        char buf[32];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, col.doubles()[row]);
        out.append(buf, p);
        break;
      }
      case ColumnType::kBool: out += col.bools()[row] ? "true" : "false"; break;
      case ColumnType::kSymbol:
      case ColumnType::kString: out += col.GetString(row); break;
    }
  }
  return out;
}

Column NullColumn(ColumnType type, size_t rows) {
  Column c(type);
  c.Reserve(rows);
  for (size_t r = 0; r < rows; ++r) c.AppendNull();
  return c;
}

bool IsEarlierSchema(const std::vector<Field>& older, const std::vector<Field>& fields) {
  if (older.size() > fields.size()) return false;
  for (size_t i = 0; i < older.size(); ++i) {
    if (older[i] != fields[i]) return false;
  }
  for (size_t i = older.size(); i < fields.size(); ++i) {
    if (!fields[i].nullable) return false;
  }
  return true;
}

Result<RecordBatch> PadToFields(RecordBatch batch, const std::vector<Field>& fields) {
  const std::vector<Field>& have = batch.fields();
  if (have == fields) return batch;
  if (!IsEarlierSchema(have, fields)) {
    return Status::InvalidArgument("batch has " + std::to_string(have.size()) + " columns that are not the first " +
                                   "columns of " + std::to_string(fields.size()) +
                                   " fields followed by nullable ones only");
  }
  const size_t rows = batch.num_rows();
  std::vector<Column> cols = std::move(batch.columns());
  for (size_t i = have.size(); i < fields.size(); ++i) cols.push_back(NullColumn(fields[i].type, rows));
  return RecordBatch(fields, std::move(cols));
}

}  // namespace strata
