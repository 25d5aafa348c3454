// Column types, fields and table schemas.
//
// Every table has exactly one `timestamp` column (int64 ns since the Unix epoch, UTC) and one
// `symbol` column (the series key). A table may name a dedup key: rows with the same
// (symbol, ts, key) are one row (without a key: rows equal in every column); see
// src/tier/dedup.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata {

enum class ColumnType : uint8_t {
  kTimestamp = 1,  // int64 ns since epoch, UTC
  kSymbol = 2,     // string, dictionary-encoded in storage; the series key
  kInt32 = 3,
  kInt64 = 4,
  kFloat64 = 5,
  kString = 6,
  kBool = 7,
  // 32-bit IEEE float. Held in memory as doubles (Column::doubles()) whose every value is exactly
  // a float (RecordBatch::ValidateAgainst checks); stored as Parquet FLOAT, 4 bytes a value.
  kFloat32 = 8,
};

// "timestamp", "symbol", "i32", "i64", "f64", "string", "bool", "f32".
std::string_view ColumnTypeName(ColumnType type);
Result<ColumnType> ParseColumnType(std::string_view name);
// Bytes of one value in memory for fixed-width types (f32: 8, it is held as a double); 0 for
// string-like types.
int FixedWidth(ColumnType type);
inline bool IsStringLike(ColumnType t) { return t == ColumnType::kSymbol || t == ColumnType::kString; }
// f64 or f32: values in Column::doubles().
inline bool IsFloating(ColumnType t) { return t == ColumnType::kFloat64 || t == ColumnType::kFloat32; }
// True when `v` is exactly a float (NaN and infinities included): what an f32 column holds.
bool IsExactFloat(double v);

// The precision a timestamp column stores: values in memory are always int64 ns, but a
// `timestamp[us]` / `timestamp[ms]` column holds only whole micro/milliseconds and its warm and
// cold files store TIMESTAMP(MICROS/MILLIS) (smaller files; many feeds are microsecond).
enum class TimeUnit : uint8_t { kNanos = 0, kMicros = 1, kMillis = 2 };
// 1, 1000 or 1000000: nanoseconds per stored unit.
inline int64_t NanosPerUnit(TimeUnit u) { return u == TimeUnit::kMillis ? 1000000 : u == TimeUnit::kMicros ? 1000 : 1; }
// "ns", "us", "ms".
std::string_view TimeUnitName(TimeUnit u);
// `ns` rounded down (toward -inf) to a whole `unit`.
inline int64_t TruncateToUnit(int64_t ns, TimeUnit u) {
  const int64_t d = NanosPerUnit(u);
  int64_t q = ns / d;
  if (ns % d < 0) --q;
  return q * d;
}

struct Field {
  std::string name;
  ColumnType type;
  bool nullable = false;
  TimeUnit unit = TimeUnit::kNanos;  // timestamp columns only; always kNanos for other types
  bool operator==(const Field&) const = default;
};
// The type as a schema spec writes it: ColumnTypeName, or "timestamp[us]" / "timestamp[ms]".
std::string FieldTypeName(const Field& f);
// Parses a type name as FieldTypeName writes it into f->type and f->unit.
Status ParseFieldType(std::string_view name, Field* f);

class Schema {
 public:
  Schema() = default;

  // Validates: names non-empty, unique, [A-Za-z_][A-Za-z0-9_]*; exactly one timestamp and one
  // symbol column, neither nullable.
  static Result<Schema> Make(std::vector<Field> fields);
  // Parses "ts:timestamp,symbol:symbol,price:f64,note:string?" ("?" marks a nullable column;
  // "timestamp[us]" / "timestamp[ms]" a coarser timestamp, see TimeUnit).
  static Result<Schema> Parse(std::string_view spec);
  // Built-in templates: "trades", "quotes", "bars".
  static Result<Schema> Template(std::string_view name);
  static std::vector<std::string> TemplateNames();

  const std::vector<Field>& fields() const { return fields_; }
  size_t num_fields() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  int ts_index() const { return ts_index_; }
  int symbol_index() const { return symbol_index_; }
  // Index of the column called `name`, or -1.
  int FieldIndex(std::string_view name) const;

  // The inverse of Parse.
  std::string ToString() const;

  bool operator==(const Schema& other) const { return fields_ == other.fields_; }

 private:
  std::vector<Field> fields_;
  int ts_index_ = -1;
  int symbol_index_ = -1;
};

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF). Stored strings must be: JSON output and Parquet STRING columns require it.
bool IsValidUtf8NonAscii(std::string_view text);  // the general case, out of line
inline bool IsValidUtf8(std::string_view text) {
  for (unsigned char c : text) {
    if (c >= 0x80) return IsValidUtf8NonAscii(text);
  }
  return true;  // ASCII, the usual case, checked inline
}

// Bytes that a symbol keeps as they are in a "symbol=..." partition directory name; every other
// byte becomes "%XX" (see tier::EscapePartitionValue).
inline bool IsPlainPartitionByte(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}
// The longest escaped symbol: "symbol=" plus it must fit a 255-byte directory name.
inline constexpr size_t kMaxEscapedSymbolBytes = 255 - 7;
// A symbol strata can store: not empty, valid UTF-8, no NUL byte, and at most
// kMaxEscapedSymbolBytes once escaped (248 plain bytes, 82 bytes that all need escaping).
// The error says which rule is broken and quotes at most the first 60 bytes, escaped.
Status ValidateSymbolSlow(std::string_view symbol);
inline Status ValidateSymbol(std::string_view symbol) {
  // The usual symbol ("AAPL", "BRK.B") is plain bytes only, checked inline.
  if (symbol.empty() || symbol.size() > kMaxEscapedSymbolBytes) return ValidateSymbolSlow(symbol);
  for (unsigned char c : symbol) {
    if (!IsPlainPartitionByte(c)) return ValidateSymbolSlow(symbol);
  }
  return Status::OK();
}

// A table's definition as stored in the catalog.
struct TableDef {
  std::string name;
  Schema schema;
  std::optional<std::string> dedup_key;  // a column name, or none
  std::string policy_json = "{}";        // tier policies; interpreted by the tier module

  // Table names follow the column-name rule, are at most kMaxTableNameBytes long and must not
  // collide with reserved paths.
  static constexpr size_t kMaxTableNameBytes = 128;
  static Status ValidateName(std::string_view name);
  // Checks that dedup_key, when set, names a non-symbol, non-timestamp column.
  Status Validate() const;
};

}  // namespace strata
