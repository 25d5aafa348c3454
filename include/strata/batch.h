// Columnar record batches: the unit that moves between CSV, WAL, hot tier, Parquet and scans.
//
// A Column holds values of one ColumnType contiguously: fixed-width values in a typed vector,
// strings as offsets + one character buffer (Arrow-style). Nulls are tracked in an optional
// byte-per-row validity vector that is empty while the column has no nulls.
// Not thread-safe; a batch is owned by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/schema.h"

namespace strata {

class Column {
 public:
  explicit Column(ColumnType type = ColumnType::kInt64) : type_(type) {}

  ColumnType type() const { return type_; }
  size_t size() const { return size_; }

  // Typed storage. Timestamp and i64 use int64s(); i32 int32s(); f64 doubles(); bool bools()
  // (0 or 1); symbol and string use offsets() (size()+1 entries, first 0) and chars().
  std::vector<int64_t>& int64s() { return i64_; }
  const std::vector<int64_t>& int64s() const { return i64_; }
  std::vector<int32_t>& int32s() { return i32_; }
  const std::vector<int32_t>& int32s() const { return i32_; }
  std::vector<double>& doubles() { return f64_; }
  const std::vector<double>& doubles() const { return f64_; }
  std::vector<uint8_t>& bools() { return u8_; }
  const std::vector<uint8_t>& bools() const { return u8_; }
  std::vector<uint32_t>& offsets() { return offsets_; }
  const std::vector<uint32_t>& offsets() const { return offsets_; }
  std::string& chars() { return chars_; }
  const std::string& chars() const { return chars_; }
  // One byte per row (1 = valid) or empty when no row is null.
  std::vector<uint8_t>& validity() { return validity_; }
  const std::vector<uint8_t>& validity() const { return validity_; }

  void AppendInt64(int64_t v) {
    i64_.push_back(v);
    Grew();
  }
  void AppendInt32(int32_t v) {
    i32_.push_back(v);
    Grew();
  }
  void AppendDouble(double v) {
    f64_.push_back(v);
    Grew();
  }
  void AppendBool(bool v) {
    u8_.push_back(v ? 1 : 0);
    Grew();
  }
  void AppendString(std::string_view v);
  // Appends a null: a zero/empty value marked invalid.
  void AppendNull();
  // Appends row `row` of `other` (same type).
  void AppendFrom(const Column& other, size_t row);

  std::string_view GetString(size_t i) const {
    return std::string_view(chars_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  bool IsNull(size_t i) const { return !validity_.empty() && validity_[i] == 0; }
  bool has_nulls() const;

  // Sets size() after the typed vectors were filled directly (and validity, if any).
  // Checks that every vector agrees; returns Internal otherwise.
  Status SetSizeFromStorage();

  void Reserve(size_t rows, size_t chars_hint = 0);
  void Clear();
  // Bytes of values held (what the column would take as raw arrays), for memory accounting.
  size_t ByteSize() const;

  // Row-wise equality of values and nulls.
  bool Equals(const Column& other) const;
  // A new column with rows [begin, begin+count).
  Column Slice(size_t begin, size_t count) const;
  // A new column with the given rows, in that order.
  Column Take(std::span<const uint32_t> rows) const;
  // String columns sorted ascending (a grouped stream's symbol column): the end of the run of
  // rows equal to row `row`, by binary search.
  size_t StringRunEnd(size_t row) const;

 private:
  void Grew() {
    ++size_;
    if (!validity_.empty()) validity_.push_back(1);
  }

  ColumnType type_;
  size_t size_ = 0;
  std::vector<int64_t> i64_;
  std::vector<int32_t> i32_;
  std::vector<double> f64_;
  std::vector<uint8_t> u8_;
  std::vector<uint32_t> offsets_{0};
  std::string chars_;
  std::vector<uint8_t> validity_;
};

// A set of equally long columns with their fields. A batch appended to a table has exactly the
// table's fields; a projection (a scan's output) may have any subset.
class RecordBatch {
 public:
  RecordBatch() = default;
  // An empty batch with one column per field of `schema`.
  explicit RecordBatch(const Schema& schema) : RecordBatch(schema.fields()) {}
  explicit RecordBatch(std::vector<Field> fields);
  RecordBatch(std::vector<Field> fields, std::vector<Column> columns);

  const std::vector<Field>& fields() const { return fields_; }
  size_t num_rows() const { return columns_.empty() ? 0 : columns_[0].size(); }
  size_t num_columns() const { return columns_.size(); }
  Column& column(size_t i) { return columns_[i]; }
  const Column& column(size_t i) const { return columns_[i]; }
  std::vector<Column>& columns() { return columns_; }
  const std::vector<Column>& columns() const { return columns_; }
  // Index of the column called `name`, or -1.
  int FieldIndex(std::string_view name) const;

  // Every column has num_rows() rows and the type its field says; non-nullable columns have
  // no nulls.
  Status Validate() const;
  // Validate(), the fields equal `schema`'s, and every row can be stored: timestamps within
  // [kMinTimestampNs, kMaxTimestampNs], symbols that pass ValidateSymbol, string values that are
  // valid UTF-8. Errors name the (1-based) row. f64 NaN and infinities pass (the CSV reader
  // refuses them unless told otherwise).
  Status ValidateAgainst(const Schema& schema) const;
  size_t ByteSize() const;
  void Reserve(size_t rows);
  void Clear();
  bool Equals(const RecordBatch& other) const;
  RecordBatch Slice(size_t begin, size_t count) const;
  RecordBatch Take(std::span<const uint32_t> rows) const;
  // Only the named columns, in that order. NotFound for an unknown name.
  Result<RecordBatch> Project(const std::vector<std::string>& names) const;
  // Appends all rows of `other`, whose fields must equal this one's.
  Status Append(const RecordBatch& other);

  // One row as comma-separated text, for messages and tests.
  std::string RowToString(size_t row) const;

 private:
  std::vector<Field> fields_;
  std::vector<Column> columns_;
};

// Schema evolution (doc/schema_evolution.md): columns are only ever added at the end of a
// table's schema, nullable, so rows stored before a column existed (WAL records, warm and cold
// files) have a prefix of today's fields. A column of `rows` nulls of `type`.
Column NullColumn(ColumnType type, size_t rows);
// True when `older` are the first fields of `fields` and every field after them is nullable:
// rows of `older` are rows of `fields` with NULL in the rest (equal fields: true).
bool IsEarlierSchema(const std::vector<Field>& older, const std::vector<Field>& fields);
// `batch` with null columns appended for the fields of `fields` past its own, when its fields are
// a prefix of `fields` and every missing one is nullable; InvalidArgument otherwise. `batch`
// unchanged when its fields equal `fields`.
Result<RecordBatch> PadToFields(RecordBatch batch, const std::vector<Field>& fields);

}  // namespace strata
