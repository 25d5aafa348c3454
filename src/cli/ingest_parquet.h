// `strata ingest TABLE FILE.parquet|DIR|GLOB|-` (--format parquet): Parquet files appended to a
// table through the WAL, row group by row group. See parquet/table_import.h for the column rules.
#pragma once

#include <string>

#include "cli/cli.h"
#include "parquet/table_import.h"

namespace strata::cli {

struct ParquetIngestArgs {
  std::string table;
  std::string input;  // a file, a directory (its *.parquet files), a glob, or "-" (stdin)
  bool allow_lossy = false;
  bool ignore_extra_columns = false;
  bool allow_nan = false;
  bool truncate_timestamps = false;  // values finer than a timestamp[us]/[ms] column are rounded down
  bool single_pass = false;          // skip the checking pass: a file failing midway keeps its earlier row groups
  bool quiet = false;
};

// The files `input` names, in order: itself; a directory's *.parquet (sorted); a glob's matches
// (sorted). NotFound when nothing matches.
Result<std::vector<std::string>> ExpandParquetInputs(const std::string& input);

Status IngestParquet(Context* ctx, const ParquetIngestArgs& args);

// One file (`path` on `fs`, or "-": stdin) appended row group by row group, one Append per row
// group. With `check_first`, every row group is read, converted and checked before the first is
// appended, so a file that fails changes nothing. *rows grows by the rows appended (acknowledged,
// also on failure), *bytes by the file's uncompressed column bytes on success. `batch` is scratch.
Status IngestParquetFile(Appender* appender, FileSystem* fs, const std::string& path,
                         const parquet::ImportOptions& options, bool check_first, RecordBatch* batch, uint64_t* rows,
                         uint64_t* bytes);

}  // namespace strata::cli
