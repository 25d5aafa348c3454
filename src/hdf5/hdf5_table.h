// Tables in HDF5 files (libhdf5): `strata export TABLE --format hdf5` and `strata ingest TABLE
// FILE.h5 --dataset /path`.
//
// Layout written: one group per export (default `/TABLE`), one 1-D dataset per column, named as the
// column, all of the same length (row i of the table is element i of every dataset). Column per
// dataset rather than one compound dataset because a reader takes the columns it needs without
// reading the others, each column compresses on its own (shuffle + deflate, the filters every
// HDF5 build and h5py have), and h5py gives each as a plain NumPy array:
//   ts      int64, nanoseconds since 1970-01-01T00:00:00Z (attribute unit = "ns"), for every
//           timestamp precision (a timestamp[us] column's values are whole microseconds in ns)
//   symbol, string   variable-length UTF-8 strings
//   i32, i64, f32, f64   the native little-endian types; bool: h5py's bool (enum int8 FALSE/TRUE)
//   <col>.valid  for a nullable column only: bool, false where the row's value is NULL (the value
//           dataset then holds 0 / "" there). '.' cannot occur in a column name.
// Datasets are chunked (65,536 rows) and extendable. The group's attributes `strata_schema` (the
// schema spec, as `strata table create --schema` takes it) and `strata_table` record the source.
//
// Read (ingest): `path` names either such a group (its datasets matched to the table's columns by
// name) or one compound dataset (a NumPy structured array, a PyTables table: its members matched by
// name). Only lossless conversions: integers into wider integer or f64 columns (f32: at most 16
// bits), FLOAT into f32 or f64, DOUBLE into f64, integers (or a `unit` attribute "s"/"ms"/"us"/"ns"
// on the timestamp dataset) into timestamp, strings (fixed or variable length) into symbol/string,
// bool / 1-byte integers 0 and 1 into bool. A table column the file lacks must be nullable.
#pragma once

#include <memory>
#include <string>

#include "strata/batch.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata::hdf5 {

constexpr size_t kChunkRows = 65536;

class TableWriter {
 public:
  // Creates (truncates) `path` with the group `group` (intermediate groups created) for `fields`.
  static Result<std::unique_ptr<TableWriter>> Create(const std::string& path, const std::string& group,
                                                     const std::vector<Field>& fields, const std::string& table);
  virtual ~TableWriter() = default;
  // Appends the rows of `batch` (its fields must be the writer's).
  virtual Status Append(const RecordBatch& batch) = 0;
  // Flushes and closes the file; the destructor closes without reporting errors.
  virtual Status Close() = 0;
  virtual uint64_t rows() const = 0;
};

struct ReadOptions {
  bool ignore_extra_columns = false;  // file columns the table does not have are skipped
  bool allow_nan = false;             // NaN and infinite f32/f64 values are stored
  bool truncate_timestamps = false;   // values finer than a timestamp[us]/[ms] column are rounded down
  // Nanoseconds per integer of a timestamp dataset without a `unit` attribute (1: ns).
  int64_t ts_unit_ns = 1;
  size_t batch_rows = kChunkRows;
};

class TableReader {
 public:
  // Opens `path` and the group or compound dataset `object` in it, matched against `schema`.
  // Errors name the file, the object and the column.
  static Result<std::unique_ptr<TableReader>> Open(const std::string& path, const std::string& object,
                                                   const Schema& schema, const ReadOptions& options);
  virtual ~TableReader() = default;
  // The next rows into *batch (replaced); false at the end.
  virtual Result<bool> Next(RecordBatch* batch) = 0;
  virtual uint64_t total_rows() const = 0;
  virtual uint64_t rows_read() const = 0;
};

}  // namespace strata::hdf5
