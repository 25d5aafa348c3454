// ParquetWriter: strata RecordBatches in, one standard Parquet file out.
//
// Rows are buffered until a row group is full (WriterOptions::row_group_rows), then encoded
// column by column and appended to the file; a batch holding whole row groups is encoded in
// place without copying. Close() writes the page index, the footer (with the strata field list
// in its key-value metadata) and, with options.atomic, renames the temp file into place after
// fsyncing it, then fsyncs the directory.
//
// Every file access goes through the FileSystem. Not thread-safe. A writer destroyed without a
// successful Close() removes what it wrote (best effort).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "parquet/parquet_options.h"
#include "strata/batch.h"
#include "strata/file_system.h"

namespace strata::parquet {

class ParquetWriter {
 public:
  // Creates the file (or its temp file). InvalidArgument for an encoding that cannot store a
  // column's type, a bad codec level, or non-positive sizes.
  static Result<std::unique_ptr<ParquetWriter>> Open(FileSystem* fs, const std::string& path, std::vector<Field> fields,
                                                     const WriterOptions& options = {});
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  // Appends the rows of `batch`, whose fields must equal the writer's (InvalidArgument
  // otherwise, and the writer stays usable). Any other error (I/O, full disk) is final: every
  // later Write and Close returns it.
  Status Write(const RecordBatch& batch);
  // Write() of the file's last rows: the final short row group is encoded straight from `batch`
  // instead of being copied into the writer's buffer first (same file). More writes after it are
  // allowed but leave that short row group in the middle of the file.
  Status WriteLast(const RecordBatch& batch);
  // Finishes the file. InvalidArgument if already closed.
  Status Close();

  const std::vector<Field>& fields() const;
  int64_t rows_written() const;
  // Bytes in the file so far (after Close: the file size).
  uint64_t bytes_written() const;

 private:
  class Impl;
  explicit ParquetWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Writes `batch` as the whole file at `path`.
Status WriteParquetFile(FileSystem* fs, const std::string& path, const RecordBatch& batch,
                        const WriterOptions& options = {});

}  // namespace strata::parquet
