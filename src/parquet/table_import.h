// TableImport: a foreign Parquet file read as batches of a table's schema, for `strata ingest`.
//
// Columns are matched by name. Open() decides from the footer alone whether every table column
// can be filled without losing information, and refuses the file otherwise, before any row is
// read:
//
//   table type    accepted Parquet columns
//   timestamp     INT64 TIMESTAMP(MILLIS|MICROS|NANOS) (any UTC flag), TIMESTAMP_MILLIS/MICROS,
//                 INT96; INT32 DATE (midnight UTC)
//   i64           INT64 (signed, no annotation or INT(64)); INT32 (signed, INT(8|16|32)); UINT(8|16|32)
//   i32           INT32 (signed, INT(8|16|32)); UINT(8|16)
//   f64           DOUBLE, FLOAT, FLOAT16; DECIMAL only with allow_lossy (nearest double)
//   bool          BOOLEAN
//   symbol/string BYTE_ARRAY (STRING, ENUM, JSON or no annotation; must hold valid UTF-8)
//
// Anything else (UINT_64, TIME, INT64 without a timestamp annotation into a timestamp column,
// FIXED_LEN_BYTE_ARRAY, ...) is refused with the file, the column, its Parquet type and the
// table's type. A table column the file lacks is refused unless it is nullable (then null); a
// file column the table lacks is refused unless ignore_extra_columns. A nullable file column
// into a non-nullable table column is accepted while it holds no null: statistics that count
// nulls refuse the file at Open, otherwise the row group holding the null is refused on read.
//
// ReadRowGroup() then converts and validates one row group at a time (bounded memory) exactly
// as CSV rows are: RecordBatch::ValidateAgainst (timestamp range, symbols, UTF-8) and, unless
// allow_nan, no NaN or infinite f64. Every error names the file, and where it applies the row
// group, column and row (1-based within the file).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "parquet/parquet_reader.h"
#include "strata/batch.h"
#include "strata/schema.h"

namespace strata::parquet {

struct ImportOptions {
  bool allow_lossy = false;           // DECIMAL -> f64; DOUBLE, DECIMAL -> f32
  bool ignore_extra_columns = false;  // file columns the table does not have are skipped
  bool allow_nan = false;             // NaN and infinite f64 values are stored
  bool truncate_timestamps = false;   // values finer than a timestamp[us]/[ms] column are rounded down
  bool verify_checksums = true;
  std::string table;  // for messages
};

class TableImport {
 public:
  // `name` (stdin: "<stdin>") names the file in messages.
  static Result<std::unique_ptr<TableImport>> Open(std::unique_ptr<RangeSource> source, const Schema& schema,
                                                   const ImportOptions& options);
  static Result<std::unique_ptr<TableImport>> Open(FileSystem* fs, const std::string& path, const Schema& schema,
                                                   const ImportOptions& options);
  ~TableImport();

  const std::string& name() const;
  int num_row_groups() const;
  int64_t num_rows() const;
  // Uncompressed bytes of the column chunks read (what decoding produces), for throughput.
  uint64_t uncompressed_bytes() const;
  // Row group `row_group` as rows of the table's schema in *out (its memory reused). On error
  // *out is unspecified.
  Status ReadRowGroup(int row_group, RecordBatch* out);

 private:
  struct Plan;
  TableImport(std::unique_ptr<ParquetReader> reader, Schema schema, ImportOptions options);
  Status Prepare();

  std::unique_ptr<ParquetReader> reader_;
  Schema schema_;
  ImportOptions options_;
  std::vector<Plan> plans_;  // one per table column
  ReadOptions read_;
  RecordBatch raw_;
  uint64_t uncompressed_ = 0;
  std::vector<int64_t> first_row_;  // first file row (0-based) of each row group
};

}  // namespace strata::parquet
