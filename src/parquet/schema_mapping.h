// How strata columns map to Parquet columns and back.
//
// Writing: timestamp -> INT64 TIMESTAMP(NANOS) (isAdjustedToUTC false unless asked; see
// WriterOptions::timestamp_adjusted_to_utc); symbol, string -> BYTE_ARRAY STRING;
// f64 -> DOUBLE; i64 -> INT64; i32 -> INT32; bool -> BOOLEAN; nullable -> OPTIONAL. The strata
// field list is also stored in the key-value metadata under kStrataSchemaKey, so that symbol vs
// string (and timestamp) survive a round trip.
//
// Reading a file without our metadata:
//   INT64 + TIMESTAMP (any unit) or TIMESTAMP_MILLIS/MICROS -> timestamp (scaled to ns)
//   INT96                                                   -> timestamp (Impala/Spark layout)
//   INT64 (incl. UINT_64 as its bit pattern, TIME)          -> i64
//   INT32 (incl. DATE as days, INT_8/16, UINT_8/16, TIME)   -> i32;  UINT_32 -> i64
//   DECIMAL on INT32/INT64/BYTE_ARRAY/FIXED                 -> f64 (nearest double)
//   FLOAT, DOUBLE, FLOAT16                                  -> f64
//   BOOLEAN -> bool;  BYTE_ARRAY (any annotation) and other FIXED_LEN_BYTE_ARRAY -> string
//   OPTIONAL -> nullable
// Groups and REPEATED fields are nested columns: listed, but reading them is Unsupported
// ("unsupported nested column X").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parquet/format.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata::parquet {

inline constexpr const char* kStrataSchemaKey = "strata.schema";

// How a stored value becomes a strata value.
enum class Conversion : uint8_t {
  kNone,
  kMillisToNanos,
  kMicrosToNanos,
  kInt96ToNanos,
  kFloatToDouble,
  kUint32ToInt64,
  kDecimalToDouble,  // INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY unscaled values
  kFloat16ToDouble,
};

// One top-level column of a file.
struct ColumnInfo {
  Field field;              // strata name, type, nullability
  std::string unsupported;  // non-empty: why it cannot be read (nested, unknown type, ...)
  int leaf_index = -1;      // the column chunk index in every row group (first leaf for groups)
  int schema_index = -1;    // its element in FileMetaData::schema
  int leaf_count = 1;       // leaves under this column (>1 for groups)
  Type physical = Type::kInt64;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY width
  int max_def_level = 0;    // 0 required, 1 optional
  Conversion conversion = Conversion::kNone;
  int32_t decimal_scale = 0;
};

// Maps a file's schema. Corruption when the schema tree is malformed (child counts that do not
// add up, a leaf without a type); Unsupported columns are reported in ColumnInfo::unsupported.
Result<std::vector<ColumnInfo>> MapFileSchema(const FileMetaData& metadata);

// The Parquet schema elements (root first) for strata fields.
std::vector<SchemaElement> ToParquetSchema(const std::vector<Field>& fields, bool timestamp_adjusted_to_utc = false);
Type PhysicalType(ColumnType type);

// The inverse of FieldsToString (core/schema_text.h): accepts any field list, unlike Schema::Parse,
// which insists on a table's timestamp and symbol columns.
Result<std::vector<Field>> ParseFields(std::string_view text);

}  // namespace strata::parquet
