// ParquetReader: a Parquet file in, strata RecordBatches out.
//
// Open() reads only the footer (one ranged read of the file's tail, a second if the footer is
// larger). Reads then fetch only what they need: the column chunks of the requested columns in
// the selected row groups, or, when a time range or row range selects part of a row group and
// the file has a page index, only the dictionary page and the data pages that overlap.
//
// Selection, applied in this order:
//   columns       names to read (empty: all); a nested or otherwise unreadable column is
//                 Unsupported, e.g. "unsupported nested column tags"
//   row_offset/   a range of the file's rows [row_offset, row_offset + row_limit)
//   row_limit
//   time_range    rows whose timestamp column value lies in [from, to). Row groups are pruned by
//                 column statistics and pages by the page index, then rows are filtered
//                 exactly; rows with a null timestamp never match.
//
// Column types follow schema_mapping.h. Not thread-safe: use one reader per thread (the
// RangeSource is read from one thread at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parquet/format.h"
#include "parquet/parquet_options.h"
#include "parquet/range_source.h"
#include "parquet/schema_mapping.h"
#include "strata/batch.h"
#include "strata/file_system.h"

namespace strata::parquet {

struct TimeRange {
  std::string column;  // empty: the file's first timestamp column
  int64_t from = INT64_MIN;
  int64_t to = INT64_MAX;  // exclusive
};

struct ReadOptions {
  std::vector<std::string> columns;
  int64_t row_offset = 0;
  int64_t row_limit = -1;  // -1: to the end
  std::optional<TimeRange> time_range;
  bool use_page_index = true;
  // Columns of a row group decoded at once, on up to this many threads (1: the calling thread
  // only). Used for reads of 32k rows or more from sources that allow concurrent reads.
  int decode_threads = 1;
};

class ParquetReader {
 public:
  static Result<std::unique_ptr<ParquetReader>> Open(FileSystem* fs, const std::string& path,
                                                     const ReaderOptions& options = {});
  static Result<std::unique_ptr<ParquetReader>> Open(std::unique_ptr<RangeSource> source,
                                                     const ReaderOptions& options = {});
  ~ParquetReader();
  ParquetReader(const ParquetReader&) = delete;
  ParquetReader& operator=(const ParquetReader&) = delete;

  const std::string& name() const;
  uint64_t file_size() const;
  const FileMetaData& metadata() const;
  // Every top-level column, readable or not (see ColumnInfo::unsupported).
  const std::vector<ColumnInfo>& columns() const;
  // Index in columns() of the column called `name`, or -1.
  int FindColumn(std::string_view name) const;
  // The readable fields for `names` (empty: all columns); NotFound or Unsupported otherwise.
  Result<std::vector<Field>> FieldsFor(const std::vector<std::string>& names) const;

  int64_t num_rows() const;
  int num_row_groups() const;
  int64_t row_group_num_rows(int row_group) const;
  // Min and max (in ns) of a timestamp column in a row group from its statistics; false if the
  // statistics do not say (absent, or a column type they cannot describe).
  bool TimestampBounds(int row_group, int column, int64_t* min, int64_t* max) const;
  // A timestamp of column `column` that the statistics (row groups, then the page index) show
  // the file holds before `before`, as late as they can tell: a row group's or page's max below
  // `before`, or the min of one that straddles it. A scan from it includes the file's last row
  // before `before`, given exact statistics (what writers produce for integers). nullopt when
  // the file has no such row or no statistics to tell.
  std::optional<int64_t> LastTimestampBefore(int column, int64_t before);

  // The null count and the exact smallest and largest non-null value of column `column` over the
  // whole file, from the row groups' statistics, in the column's strata type (`bounds`: two
  // values, or none when every value is null). nullopt when the statistics of a row group are
  // missing or not exact: no null count, truncated string bounds, a float column with NaNs or
  // without a NaN count, a float bound of zero (its sign is not kept), a converted type.
  struct ColumnStatistics {
    int64_t null_count = 0;
    Column bounds;
  };
  std::optional<ColumnStatistics> ExactColumnStatistics(int column) const;

  // Row groups that may hold selected rows (by row range and statistics).
  Result<std::vector<int>> SelectRowGroups(const ReadOptions& options) const;
  // The selected rows of one row group.
  Result<RecordBatch> ReadRowGroup(int row_group, const ReadOptions& options);
  // The same into *out, reusing its columns' memory when its fields already match (the way to
  // stream a file row group by row group without allocating for each). On error *out is empty.
  Status ReadRowGroupInto(int row_group, const ReadOptions& options, RecordBatch* out);
  // All selected rows.
  Result<RecordBatch> Read(const ReadOptions& options = {});

  // Frees the scratch memory reads keep for the next read (decoded pages of partly read row
  // groups, candidate rows of a time-range read, chunk bytes of unmapped sources: up to a few
  // row groups' worth). For a reader kept open but idle, e.g. in a cache of open files.
  void ReleaseBuffers();

  // Bytes fetched from the source so far, footer included (to see what pruning saved).
  uint64_t bytes_read() const;
  // Data pages of the column chunks read through the page index (partial row groups) so far, and
  // how many of them were decoded: pages_total() - pages_read() were pruned by the page index.
  uint64_t pages_total() const;
  uint64_t pages_read() const;
  // Row groups whose columns were decoded on more than one thread (ReadOptions::decode_threads).
  uint64_t parallel_reads() const;

 private:
  class Impl;
  explicit ParquetReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads the whole file at `path`.
Result<RecordBatch> ReadParquetFile(FileSystem* fs, const std::string& path, const ReadOptions& options = {});

}  // namespace strata::parquet
