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
};

// "timestamp", "symbol", "i32", "i64", "f64", "string", "bool".
std::string_view ColumnTypeName(ColumnType type);
Result<ColumnType> ParseColumnType(std::string_view name);
// Bytes of one value for fixed-width types; 0 for string-like types.
int FixedWidth(ColumnType type);
inline bool IsStringLike(ColumnType t) { return t == ColumnType::kSymbol || t == ColumnType::kString; }

struct Field {
  std::string name;
  ColumnType type;
  bool nullable = false;
  bool operator==(const Field&) const = default;
};

class Schema {
 public:
  Schema() = default;

  // Validates: names non-empty, unique, [A-Za-z_][A-Za-z0-9_]*; exactly one timestamp and one
  // symbol column, neither nullable.
  static Result<Schema> Make(std::vector<Field> fields);
  // Parses "ts:timestamp,symbol:symbol,price:f64,note:string?" ("?" marks a nullable column).
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

// A table's definition as stored in the catalog.
struct TableDef {
  std::string name;
  Schema schema;
  std::optional<std::string> dedup_key;  // a column name, or none
  std::string policy_json = "{}";        // tier policies; interpreted by the tier module

  // Table names follow the column-name rule and must not collide with reserved paths.
  static Status ValidateName(std::string_view name);
  // Checks that dedup_key, when set, names a non-symbol, non-timestamp column.
  Status Validate() const;
};

}  // namespace strata
