// Tables in HDF5 files (libhdf5): `strata export TABLE --format hdf5` and `strata ingest TABLE
// FILE.h5 --dataset /path`.
//
// Layout written by default (Layout::kPandasTable): the PyTables "table" format that pandas writes
// with `df.to_hdf(path, key, format="table", data_columns=True, index=False)`, so
// `pandas.read_hdf(path, key)` reads it directly and h5py reads `/<key>/table` as a NumPy structured
// array:
//   <group>         PyTables group attributes (CLASS, TITLE, VERSION) and pandas' table metadata
//                   (pandas_type "frame_table", table_type "appendable_frame", index_cols,
//                   values_cols, non_index_axes, data_columns, nan_rep "nan", encoding "UTF-8",
//                   levels, info; the list/dict ones pickled at protocol 0 as PyTables stores them)
//   <group>/table   one compound dataset, one row per table row, chunked, shuffle + deflate; members:
//                   `index` (int64 row number: pandas' RangeIndex), then each column under its
//                   name: timestamp int64 ns since 1970-01-01 UTC (<col>_dtype "datetime64", so
//                   pandas gives datetime64[ns], naive = UTC); i32/i64/f32/f64 native; bool uint8
//                   (dtype "bool"); symbol/string fixed-width UTF-8 bytes (width = the longest value,
//                   which is why the rows are spooled to a temporary file first: the width must be
//                   known when the dataset is created; PyTables tables have no variable-length
//                   strings). A nullable column also has the uint8 member `<col>.valid` (0 = NULL),
//                   and its NULLs hold NaN (floats), "nan" (strings, pandas' nan_rep) or 0.
//   No `_i_table` index (pandas writes none with index=False either).
// Layout::kColumns (`--layout columns`): one group per export (default `/TABLE`), one 1-D dataset
// per column, named as the column, all of the same length (row i of the table is element i of every dataset). Column
// per dataset rather than one compound dataset because a reader takes the columns it needs without reading the others,
// each column compresses on its own (shuffle + deflate, the filters every HDF5 build and h5py have), and h5py gives
// each as a plain NumPy array:
//   ts      int64, nanoseconds since 1970-01-01T00:00:00Z (attribute unit = "ns"), for every
//           timestamp precision (a timestamp[us] column's values are whole microseconds in ns)
//   symbol, string   variable-length UTF-8 strings
//   i32, i64, f32, f64   the native little-endian types; bool: h5py's bool (enum int8 FALSE/TRUE)
//   <col>.valid  for a nullable column only: bool, false where the row's value is NULL (the value
//           dataset then holds 0 / "" there). '.' cannot occur in a column name.
// Datasets are chunked (65,536 rows) and extendable. The group's attributes `strata_schema` (the
// schema spec, as `strata table create --schema` takes it) and `strata_table` record the source.
//
// Read (ingest): `path` names either a group of either layout (column datasets matched to the
// table's columns by name; a pandas/PyTables table group, pandas_type "frame_table", is read from
// its `table` dataset) or one compound dataset (a NumPy structured array, a PyTables table: its
// members matched by name). pandas tables written without data_columns keep columns in
// `values_block_K` members of K columns each (names from the pickled `values_block_K_kind`
// attribute); their `index` member is skipped, or fills the timestamp column when it is a
// DatetimeIndex (index_kind "datetime64") and no member is named as that column. In a pandas table
// a NaN in a nullable float column and the nan_rep string in a nullable string column are NULL. Only lossless
// conversions: integers into wider integer or f64 columns (f32: at most 16 bits), FLOAT into f32 or f64, DOUBLE into
// f64, integers (or a `unit` attribute "s"/"ms"/"us"/"ns" on the timestamp dataset) into timestamp, strings (fixed or
// variable length) into symbol/string, bool / 1-byte integers 0 and 1 into bool. A table column the file lacks must be
// nullable.
#pragma once

#include <memory>
#include <string>

#include "strata/batch.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata::hdf5 {

constexpr size_t kChunkRows = 65536;

enum class Layout { kPandasTable, kColumns };

class TableWriter {
 public:
  // Creates (truncates) `path` with the group `group` (intermediate groups created) for `fields`.
  static Result<std::unique_ptr<TableWriter>> Create(const std::string& path, const std::string& group,
                                                     const std::vector<Field>& fields, const std::string& table,
                                                     Layout layout = Layout::kPandasTable);
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
