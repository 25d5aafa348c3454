#include "cli/ingest_parquet.h"

#include <glob.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>

#include "parquet/table_import.h"

namespace strata::cli {

Result<std::vector<std::string>> ExpandParquetInputs(const std::string& input) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  if (input.find_first_of("*?[") != std::string::npos && !fs::exists(input, ec)) {
    glob_t g{};
    const int rc = glob(input.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    }
    globfree(&g);
    if (out.empty()) return Status::NotFound("no file matches " + input);
    std::sort(out.begin(), out.end());
    return out;
  }
  if (fs::is_directory(input, ec)) {
    for (const auto& entry : fs::directory_iterator(input, ec)) {
      if (entry.path().extension() == ".parquet" && !entry.is_directory(ec)) out.push_back(entry.path().string());
    }
    if (ec) return Status::IOError("cannot list " + input + ": " + ec.message());
    if (out.empty()) return Status::NotFound("no *.parquet file in directory " + input);
    std::sort(out.begin(), out.end());
    return out;
  }
  out.push_back(input);
  return out;
}

Status IngestParquetFile(Appender* appender, FileSystem* fs, const std::string& path,
                         const parquet::ImportOptions& options, bool check_first, RecordBatch* batch, uint64_t* rows,
                         uint64_t* bytes) {
  std::unique_ptr<parquet::TableImport> import;
  if (path == "-") {
    std::string data((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return Status::IOError("cannot read Parquet from stdin");
    ASSIGN_OR_RETURN(import, parquet::TableImport::Open(parquet::MakeStringRangeSource(std::move(data), "<stdin>"),
                                                        appender->schema(), options));
  } else {
    ASSIGN_OR_RETURN(import, parquet::TableImport::Open(fs, path, appender->schema(), options));
  }
  if (check_first) {
    for (int rg = 0; rg < import->num_row_groups(); ++rg) {
      Status st = import->ReadRowGroup(rg, batch);
      if (!st.ok()) return Status(st.code(), st.message() + " (nothing of this file is stored)");
    }
  }
  uint64_t stored = 0;
  for (int rg = 0; rg < import->num_row_groups(); ++rg) {
    Status st = import->ReadRowGroup(rg, batch);
    if (st.ok() && batch->num_rows() > 0) st = appender->Append(*batch);
    if (!st.ok()) {
      *rows += stored;
      if (stored == 0) return Status(st.code(), st.message() + " (nothing of this file is stored)");
      return Status(st.code(), st.message() + " (the " + WithThousands(stored) + " rows of its row groups before " +
                                   std::to_string(rg) + " are stored)");
    }
    stored += batch->num_rows();
  }
  *rows += stored;
  *bytes += import->uncompressed_bytes();
  return Status::OK();
}

Status IngestParquet(Context* ctx, const ParquetIngestArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> files;
  if (args.input == "-") {
    files.push_back("-");
  } else {
    ASSIGN_OR_RETURN(files, ExpandParquetInputs(args.input));
  }
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata ingest " + args.input));
  ASSIGN_OR_RETURN(auto appender, db->NewAppender(args.table));
  parquet::ImportOptions options;
  options.allow_lossy = args.allow_lossy;
  options.ignore_extra_columns = args.ignore_extra_columns;
  options.allow_nan = args.allow_nan;
  options.truncate_timestamps = args.truncate_timestamps;
  options.table = args.table;
  RecordBatch batch(appender->schema().fields());
  uint64_t rows = 0, bytes = 0, rows_of_done_files = 0;
  size_t done = 0;
  Status failure;
  for (const std::string& f : files) {
    failure =
        IngestParquetFile(appender.get(), DefaultFileSystem(), f, options, !args.single_pass, &batch, &rows, &bytes);
    if (!failure.ok()) break;
    ++done;
    rows_of_done_files = rows;
  }
  Status close = db->Close();
  if (!failure.ok()) {
    if (files.size() == 1) return failure;
    return Status(failure.code(), failure.message() + " (ingest stopped at file " + std::to_string(done + 1) + " of " +
                                      std::to_string(files.size()) + "; the " + WithThousands(rows_of_done_files) +
                                      " rows of the files before it are stored)");
  }
  RETURN_IF_ERROR(close);
  const double secs = SecondsSince(start);
  if (!args.quiet) {
    std::printf("ingested %s rows into %s from %s file%s in %.2f s (%s of column data, %s/s)\n",
                WithThousands(rows).c_str(), args.table.c_str(), WithThousands(files.size()).c_str(),
                files.size() == 1 ? "" : "s", secs, HumanBytes(bytes).c_str(),
                HumanBytes(static_cast<uint64_t>(static_cast<double>(bytes) / std::max(secs, 1e-9))).c_str());
  }
  return Status::OK();
}

}  // namespace strata::cli
