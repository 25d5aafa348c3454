// strata parquet inspect | cat | write: our Parquet reader and writer on their own, for any file.
#include <chrono>
#include <cstdio>
#include <map>

#include "cli/cli.h"
#include "cli/output.h"
#include "cli/rejects.h"
#include "csv/csv_reader.h"
#include "io/byte_source.h"
#include "parquet/inspect.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

Status Inspect(const std::string& file) {
  std::string text;
  RETURN_IF_ERROR(parquet::InspectParquet(DefaultFileSystem(), file, &text));
  std::fwrite(text.data(), 1, text.size(), stdout);
  return Status::OK();
}

struct CatArgs {
  std::string file;
  std::string columns;
  int64_t limit = -1;
  int64_t offset = 0;
  std::string format = "csv";
  std::string from;
  std::string to;
};

Status Cat(const CatArgs& args) {
  ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(args.format));
  if (args.limit < -1) return Status::InvalidArgument("--limit must be 0 or more");
  if (args.offset < 0) return Status::InvalidArgument("--offset must be 0 or more");
  ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(DefaultFileSystem(), args.file));
  parquet::ReadOptions options;
  options.columns = SplitCommaList(args.columns);
  options.row_offset = args.offset;
  options.row_limit = args.limit;
  if (!args.from.empty() || !args.to.empty()) {
    parquet::TimeRange range;
    if (!args.from.empty()) {
      ASSIGN_OR_RETURN(range.from, ParseTimestamp(args.from));
    }
    if (!args.to.empty()) {
      ASSIGN_OR_RETURN(range.to, ParseTimestamp(args.to));
    }
    if (range.from > range.to) return Status::InvalidArgument("--from is after --to");
    options.time_range = range;
  }
  ASSIGN_OR_RETURN(std::vector<Field> fields, reader->FieldsFor(options.columns));
  ASSIGN_OR_RETURN(std::vector<int> row_groups, reader->SelectRowGroups(options));

  // Stream row group by row group: a large file is never held in memory whole. The row range
  // is counted across row groups here, since each row group is read on its own.
  BatchPrinter printer(stdout, format, fields);
  parquet::ReadOptions per_group = options;
  per_group.row_offset = 0;
  per_group.row_limit = -1;
  int64_t first_row_of_group = 0;
  int group_index = 0;
  int64_t remaining = args.limit;
  RecordBatch batch;
  for (int rg = 0; rg < reader->num_row_groups() && remaining != 0; ++rg) {
    const int64_t group_rows = reader->row_group_num_rows(rg);
    const int64_t group_start = first_row_of_group;
    first_row_of_group += group_rows;
    if (group_index >= static_cast<int>(row_groups.size()) || row_groups[group_index] != rg) continue;
    ++group_index;
    if (group_start + group_rows <= args.offset) continue;
    RETURN_IF_ERROR(reader->ReadRowGroupInto(rg, per_group, &batch));
    size_t skip = args.offset > group_start ? static_cast<size_t>(args.offset - group_start) : 0;
    if (skip > 0 || (remaining >= 0 && static_cast<size_t>(remaining) < batch.num_rows())) {
      size_t take = batch.num_rows() - std::min(skip, batch.num_rows());
      if (remaining >= 0) take = std::min<size_t>(take, static_cast<size_t>(remaining));
      batch = batch.Slice(skip, take);
    }
    printer.Print(batch);
    if (remaining > 0) remaining -= static_cast<int64_t>(batch.num_rows());
  }
  printer.Finish();
  return Status::OK();
}

struct WriteArgs {
  std::string in;
  std::string out;
  std::string template_name;
  std::string schema;
  std::string codec = "zstd";
  int level = 0;
  std::string encoding = "strongest";
  std::vector<std::string> column_encodings;
  int page_version = 1;
  int64_t row_group_rows = 1 << 20;
  int64_t page_rows = 20000;
  bool no_page_index = false;
  bool no_crc = false;
  bool no_stats = false;
  std::string rejects;
  bool quiet = false;
};

Result<parquet::WriterOptions> WriterOptionsFrom(const WriteArgs& args) {
  parquet::WriterOptions options;
  ASSIGN_OR_RETURN(options.compression, ParseCompressionType(args.codec));
  options.compression_level = args.level;
  ASSIGN_OR_RETURN(options.default_encoding, parquet::ParseColumnEncoding(args.encoding));
  for (const std::string& spec : args.column_encodings) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--column-encoding '" + spec +
                                     "': want COLUMN=ENCODING, e.g. price=byte_stream_split");
    }
    ASSIGN_OR_RETURN(options.column_encodings[spec.substr(0, eq)], parquet::ParseColumnEncoding(spec.substr(eq + 1)));
  }
  if (args.page_version != 1 && args.page_version != 2) return Status::InvalidArgument("--page-version must be 1 or 2");
  options.page_version = args.page_version == 1 ? parquet::PageVersion::kV1 : parquet::PageVersion::kV2;
  options.row_group_rows = args.row_group_rows;
  options.page_rows = args.page_rows;
  options.write_page_index = !args.no_page_index;
  options.write_page_crc = !args.no_crc;
  options.write_statistics = !args.no_stats;
  options.atomic = true;
  return options;
}

Status Write(const WriteArgs& args) {
  auto start = std::chrono::steady_clock::now();
  Schema schema;
  if (!args.template_name.empty()) {
    ASSIGN_OR_RETURN(schema, Schema::Template(args.template_name));
  } else if (!args.schema.empty()) {
    ASSIGN_OR_RETURN(schema, Schema::Parse(args.schema));
  } else {
    return Status::InvalidArgument("parquet write needs --template NAME or --schema 'name:type,...'");
  }
  ASSIGN_OR_RETURN(parquet::WriterOptions options, WriterOptionsFrom(args));
  RETURN_IF_ERROR(CheckOutputIsNotInput(args.out, {args.in}));
  CsvOptions csv_options;
  csv_options.allow_nan = true;          // a file conversion: Parquet holds NaN and infinities as they are
  std::unique_ptr<RejectsFile> rejects;  // before the input is opened: creating it truncates
  if (!args.rejects.empty()) {
    ASSIGN_OR_RETURN(rejects, RejectsFile::Open(args.rejects, args.in));
  }

  std::unique_ptr<ByteSource> source;
  if (args.in == "-") {
    source = StdinSource();
  } else {
    ASSIGN_OR_RETURN(source, OpenFileSource(DefaultFileSystem(), args.in));
  }
  std::unique_ptr<CsvReader> reader;
  if (rejects) rejects->Attach(&csv_options, &reader);
  ASSIGN_OR_RETURN(reader, CsvReader::Open(std::move(source), schema, csv_options));
  // A writer that is not closed removes its temp file: a failed conversion leaves no OUT behind,
  // and an existing OUT is replaced only by a complete file.
  ASSIGN_OR_RETURN(auto writer, parquet::ParquetWriter::Open(DefaultFileSystem(), args.out, schema.fields(), options));
  RecordBatch batch(schema);
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
    if (!more) break;
    RETURN_IF_ERROR(writer->Write(batch).WithContext("writing " + args.out));
  }
  RETURN_IF_ERROR(writer->Close().WithContext("writing " + args.out));
  if (rejects) RETURN_IF_ERROR(rejects->Close());
  if (!args.quiet) {
    const double secs = SecondsSince(start);
    const int64_t rows = writer->rows_written();
    std::printf("wrote %s rows to %s: %s (%.2f bytes/row), %s %s, encodings %s, in %.2f s", WithThousands(rows).c_str(),
                args.out.c_str(), HumanBytes(writer->bytes_written()).c_str(),
                rows > 0 ? static_cast<double>(writer->bytes_written()) / static_cast<double>(rows) : 0.0,
                std::string(CompressionTypeName(options.compression)).c_str(),
                args.level != 0 ? ("level " + std::to_string(args.level)).c_str() : "default level",
                args.encoding.c_str(), secs);
    if (rejects)
      std::printf("; %s rejected -> %s", WithThousands(reader->rows_rejected()).c_str(), args.rejects.c_str());
    std::printf("\n");
  }
  return Status::OK();
}

}  // namespace

void AddParquetCommands(CLI::App& app, Context* ctx) {
  CLI::App* pq = app.add_subcommand("parquet", "inspect, print and write Parquet files (any writer's, not only ours)");
  pq->require_subcommand(1);

  auto inspect_file = std::make_shared<std::string>();
  CLI::App* inspect =
      pq->add_subcommand("inspect", "print a Parquet file's schema, row groups, encodings and statistics");
  inspect->add_option("file", *inspect_file, "Parquet file")->required();
  inspect->footer(
      "Shows: size, writer, rows; each column's Parquet and strata types; key-value metadata; per row\n"
      "group and column chunk the codec, encodings, compressed/raw bytes, min/max/null statistics and\n"
      "whether a page index exists.\n"
      "Example:\n"
      "  strata parquet inspect warm/trades/date=2026-03-02/symbol=AAPL/part-000001.parquet");
  inspect->callback([ctx, inspect_file] { Run(ctx, [&] { return Inspect(*inspect_file); }); });

  auto cat_args = std::make_shared<CatArgs>();
  CLI::App* cat = pq->add_subcommand("cat", "print a Parquet file's rows as CSV, JSON lines or a table");
  cat->add_option("file", cat_args->file, "Parquet file")->required();
  cat->add_option("--columns", cat_args->columns, "comma-separated columns to print (default: all)");
  cat->add_option("--limit", cat_args->limit, "print at most N rows");
  cat->add_option("--offset", cat_args->offset, "skip the first N rows");
  cat->add_option("--from", cat_args->from, "only rows with the timestamp column >= this (ISO-8601 or ns)");
  cat->add_option("--to", cat_args->to, "only rows with the timestamp column < this");
  cat->add_option("--format", cat_args->format, "csv (header row), json (one object per line) or table")
      ->capture_default_str();
  cat->footer(
      "CSV: timestamps as ISO-8601 with all their digits, floats in the shortest form that parses back\n"
      "to the same double, an empty field for null. Only the requested columns' bytes are read; with\n"
      "--from/--to, row groups and pages outside the range are skipped by statistics and page index.\n"
      "Examples:\n"
      "  strata parquet cat trades.parquet --limit 5\n"
      "  strata parquet cat trades.parquet --columns ts,price --from 2026-03-02T14:30Z --to 2026-03-02T14:31Z\n"
      "  strata parquet cat trades.parquet --format json | head");
  cat->callback([ctx, cat_args] { Run(ctx, [&] { return Cat(*cat_args); }); });

  auto write_args = std::make_shared<WriteArgs>();
  CLI::App* write = pq->add_subcommand("write", "convert a CSV file to Parquet");
  write->add_option("in", write_args->in, "CSV file with a header row naming the columns (any order); - for stdin")
      ->required();
  write->add_option("out", write_args->out, "Parquet file to write (replaced atomically)")->required();
  auto* tmpl = write->add_option("--template", write_args->template_name, "schema template: trades, quotes or bars");
  auto* schema = write->add_option("--schema", write_args->schema,
                                   "schema, e.g. 'ts:timestamp,symbol:symbol,px:f64,qty:i64,venue:string?'");
  tmpl->excludes(schema);
  write->add_option("--codec", write_args->codec, "none, snappy, lz4_raw, zstd or gzip")->capture_default_str();
  write->add_option("--level", write_args->level, "compression level (zstd 1-22, gzip 1-9; 0 = the codec's default)");
  write
      ->add_option("--encoding", write_args->encoding,
                   "strongest (smallest: tries each encoding per column chunk), auto (what most writers do),\n"
                   "plain, dictionary, delta_binary_packed, byte_stream_split, delta_length_byte_array,\n"
                   "delta_byte_array or rle; applies to every column that can take it")
      ->capture_default_str();
  write->add_option("--column-encoding", write_args->column_encodings, "COLUMN=ENCODING for one column (repeatable)");
  write->add_option("--page-version", write_args->page_version, "data page version, 1 or 2")->capture_default_str();
  write->add_option("--row-group-rows", write_args->row_group_rows, "rows per row group")->capture_default_str();
  write->add_option("--page-rows", write_args->page_rows, "at most this many rows per data page")
      ->capture_default_str();
  write->add_flag("--no-page-index", write_args->no_page_index, "don't write ColumnIndex/OffsetIndex");
  write->add_flag("--no-crc", write_args->no_crc, "don't write page CRCs");
  write->add_flag("--no-stats", write_args->no_stats, "don't write column statistics");
  write->add_option("--rejects", write_args->rejects,
                    "write bad CSV lines to this file and convert the rest (default: stop at the first bad line)");
  write->add_flag("-q,--quiet", write_args->quiet, "print nothing on success");
  write->footer(
      "Examples:\n"
      "  strata parquet write trades.csv trades.parquet --template trades\n"
      "  strata parquet write trades.csv trades.parquet --template trades --codec zstd --level 9\n"
      "  strata parquet write fills.csv fills.parquet --schema 'ts:timestamp,symbol:symbol,px:f64,qty:i64' \\\n"
      "      --codec snappy --encoding auto --column-encoding px=byte_stream_split");
  write->callback([ctx, write_args] { Run(ctx, [&] { return Write(*write_args); }); });
}

}  // namespace strata::cli
