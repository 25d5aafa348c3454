// strata ingest TABLE FILE.csv|FILE.parquet|DIR|GLOB|-
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/cli.h"
#include "cli/ingest_parquet.h"
#include "cli/rejects.h"
#include "csv/csv_reader.h"
#include "hdf5/hdf5_table.h"
#include "io/byte_source.h"
#include "strata/timestamp.h"

namespace strata::cli {
namespace {

struct IngestArgs {
  std::string table;
  std::string file;
  std::string rejects;
  int64_t batch_rows = 65536;
  bool allow_nan = false;
  std::string ts_unit;
  bool quiet = false;
  std::string format;  // csv or parquet; default from the file name
  bool allow_lossy = false;
  bool ignore_extra_columns = false;
  bool single_pass = false;
  bool truncate_timestamps = false;
  std::string dataset;  // HDF5: the group or compound dataset
};

// --format, else the extension (.parquet/.parq/.pq, a directory or a glob of them: parquet).
Result<std::string> InputFormat(const IngestArgs& args) {
  if (!args.format.empty()) {
    if (args.format != "csv" && args.format != "parquet" && args.format != "hdf5") {
      return Status::InvalidArgument("--format " + QuoteForMessage(args.format, 20) + ": use csv, parquet or hdf5");
    }
    return args.format;
  }
  if (args.file == "-") return std::string("csv");
  auto ends = [&](std::string_view suffix) {
    return args.file.size() >= suffix.size() &&
           args.file.compare(args.file.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".parquet") || ends(".parq") || ends(".pq") || ends("/*")) return std::string("parquet");
  if (ends(".h5") || ends(".hdf5") || ends(".hdf") || ends(".he5")) return std::string("hdf5");
  std::error_code ec;
  if (std::filesystem::is_directory(args.file, ec)) return std::string("parquet");
  return std::string("csv");
}

constexpr int64_t kMaxBatchRows = int64_t{1} << 24;

Result<int64_t> ParseTsUnit(const std::string& unit) {
  if (unit == "ns") return int64_t{1};
  if (unit == "us") return kNanosPerMicro;
  if (unit == "ms") return kNanosPerMilli;
  if (unit == "s") return kNanosPerSecond;
  return Status::InvalidArgument("--ts-unit " + QuoteForMessage(unit, 20) + ": use s, ms, us or ns");
}

// Prints "\r  412 MB of 1.2 GB (34%), 6,123,456 rows, 210 MB/s" to a terminal at most 5 times a second.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}
  void Update(uint64_t bytes, std::optional<uint64_t> total, uint64_t rows) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double secs = SecondsSince(start_);
    std::string line = "\r  " + HumanBytes(bytes);
    if (total && *total > 0) {
      line += " of " + HumanBytes(*total) + " (" + std::to_string(bytes * 100 / *total) + "%)";
    }
    line += ", " + WithThousands(rows) + " rows";
    if (secs > 0) line += ", " + HumanBytes(static_cast<uint64_t>(static_cast<double>(bytes) / secs)) + "/s";
    line += "   ";
    std::fputs(line.c_str(), stderr);
    shown_ = true;
  }
  void Done() {
    if (shown_) std::fputs("\r\033[K", stderr);
  }

 private:
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

// An HDF5 group (one dataset per column) or compound dataset, appended batch by batch through the
// WAL after the whole file was read and checked once (a file that fails changes nothing).
Status IngestHdf5(Context* ctx, const IngestArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  if (args.dataset.empty()) {
    return Status::InvalidArgument(
        "HDF5 input needs --dataset /PATH: the group strata export wrote (pandas or columns layout), a pandas "
        "to_hdf(format=\"table\") key, or a compound dataset");
  }
  if (args.file == "-") return Status::InvalidArgument("HDF5 cannot be read from stdin: name the file");
  if (!args.rejects.empty() || args.allow_lossy || args.single_pass) {
    return Status::InvalidArgument("--rejects, --allow-lossy and --single-pass do not apply to HDF5 input");
  }
  hdf5::ReadOptions options;
  options.ignore_extra_columns = args.ignore_extra_columns;
  options.allow_nan = args.allow_nan;
  options.truncate_timestamps = args.truncate_timestamps;
  if (!args.ts_unit.empty()) {
    ASSIGN_OR_RETURN(options.ts_unit_ns, ParseTsUnit(args.ts_unit));
  }
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata ingest " + args.file));
  ASSIGN_OR_RETURN(auto appender, db->NewAppender(args.table));
  RecordBatch batch;
  {
    ASSIGN_OR_RETURN(auto check, hdf5::TableReader::Open(args.file, args.dataset, appender->schema(), options));
    while (true) {
      Result<bool> more = check->Next(&batch);
      if (!more.ok()) return Status(more.status().code(), more.status().message() + " (nothing is stored)");
      if (!*more) break;
      if (Status st = batch.ValidateAgainst(appender->schema()); !st.ok()) {
        return Status(st.code(), args.file + " " + args.dataset + ", rows " + std::to_string(check->rows_read() + 1) +
                                     " on: " + st.message() + " (nothing is stored)");
      }
    }
  }
  ASSIGN_OR_RETURN(auto reader, hdf5::TableReader::Open(args.file, args.dataset, appender->schema(), options));
  uint64_t stored = 0;
  Status failure;
  while (true) {
    Result<bool> more = reader->Next(&batch);
    if (!more.ok()) {
      failure = more.status();
      break;
    }
    if (!*more) break;
    if (failure = appender->Append(batch); !failure.ok()) break;
    stored += batch.num_rows();
  }
  Status close = db->Close();
  if (!failure.ok()) {
    return Status(failure.code(),
                  failure.message() + " (ingest stopped; the " + WithThousands(stored) + " rows before it are stored)");
  }
  RETURN_IF_ERROR(close);
  if (!args.quiet) {
    std::printf("ingested %s rows into %s from %s %s in %.2f s\n", WithThousands(stored).c_str(), args.table.c_str(),
                args.file.c_str(), args.dataset.c_str(), SecondsSince(start));
  }
  return Status::OK();
}

Status Ingest(Context* ctx, const IngestArgs& args) {
  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::string format, InputFormat(args));
  if (format == "hdf5") return IngestHdf5(ctx, args);
  if (!args.dataset.empty()) return Status::InvalidArgument("--dataset applies to HDF5 input only");
  if (format == "parquet") {
    if (!args.rejects.empty() || !args.ts_unit.empty()) {
      return Status::InvalidArgument("--rejects and --ts-unit apply to CSV input only");
    }
    return IngestParquet(ctx, {.table = args.table,
                               .input = args.file,
                               .allow_lossy = args.allow_lossy,
                               .ignore_extra_columns = args.ignore_extra_columns,
                               .allow_nan = args.allow_nan,
                               .truncate_timestamps = args.truncate_timestamps,
                               .single_pass = args.single_pass,
                               .quiet = args.quiet});
  }
  if (args.allow_lossy || args.ignore_extra_columns || args.single_pass) {
    return Status::InvalidArgument(
        "--allow-lossy, --ignore-extra-columns and --single-pass apply to Parquet input only");
  }
  if (args.batch_rows < 1 || args.batch_rows > kMaxBatchRows) {
    return Status::InvalidArgument("--batch-rows must be between 1 and " + std::to_string(kMaxBatchRows) + ", got " +
                                   std::to_string(args.batch_rows));
  }
  CsvOptions options;
  options.batch_rows = static_cast<size_t>(args.batch_rows);
  options.allow_nan = args.allow_nan;
  options.truncate_timestamps = args.truncate_timestamps;
  if (!args.ts_unit.empty()) {
    ASSIGN_OR_RETURN(options.integer_ts_unit_ns, ParseTsUnit(args.ts_unit));
  }
  // Before anything is opened: creating the rejects file would truncate the input.
  std::unique_ptr<RejectsFile> rejects;
  if (!args.rejects.empty()) {
    ASSIGN_OR_RETURN(rejects, RejectsFile::Open(args.rejects, args.file));
  }
  ASSIGN_OR_RETURN(auto db, ctx->OpenDatabase(false, "strata ingest " + args.file));
  ASSIGN_OR_RETURN(auto appender, db->NewAppender(args.table));

  std::unique_ptr<ByteSource> source;
  if (args.file == "-") {
    source = StdinSource();
  } else {
    ASSIGN_OR_RETURN(source, OpenFileSource(DefaultFileSystem(), args.file));
  }
  std::optional<uint64_t> total = source->TotalSize();
  std::string source_name = source->name();

  uint64_t reasons_shown = 0;
  std::unique_ptr<CsvReader> reader;
  if (rejects) {
    rejects->Attach(&options, &reader);
    options.on_reject = [&, write = std::move(options.on_reject)](uint64_t line_no, std::string_view line,
                                                                  const Status& why) {
      if (reasons_shown < 5 && !args.quiet) std::fprintf(stderr, "strata: rejected %s\n", why.message().c_str());
      ++reasons_shown;
      write(line_no, line, why);
    };
  }
  ASSIGN_OR_RETURN(reader, CsvReader::Open(std::move(source), appender->schema(), options));

  Progress progress(StderrIsTerminal() && !args.quiet);
  RecordBatch batch(appender->schema());
  uint64_t stored = 0;
  uint64_t duplicates = 0;  // of the stored rows: what every read drops (tier/dedup.h)
  Status failure;
  bool bad_input = false;  // the failure is a bad line (which --rejects would skip)
  while (true) {
    auto more = reader->Next(&batch);
    if (!more.ok()) {
      failure = more.status();
      bad_input = failure.code() == StatusCode::kInvalidArgument;
      break;
    }
    if (!*more) break;
    uint64_t dups = 0;
    Status st = appender->AppendCounted(batch, &dups);
    if (!st.ok()) {
      failure = st;
      break;
    }
    stored += batch.num_rows();
    duplicates += dups;
    progress.Update(reader->bytes_read(), total, stored);
  }
  progress.Done();
  Status reject_error = rejects ? rejects->Close() : Status::OK();
  Status close = db->Close();
  if (!failure.ok()) {
    return Status(failure.code(),
                  failure.message() + " (ingest stopped; the " + WithThousands(stored) + " rows before it are stored" +
                      (args.rejects.empty() && bad_input ? "; use --rejects FILE to skip bad lines" : "") + ")");
  }
  RETURN_IF_ERROR(close);
  RETURN_IF_ERROR(reject_error);
  if (reader->small_integer_timestamps() > 0 && args.ts_unit.empty()) {
    std::fprintf(stderr,
                 "strata: warning: %s integer timestamps (the first on line %llu of %s) are before "
                 "1970-01-12 when read as nanoseconds; if they are seconds or milliseconds, ingest again with "
                 "--ts-unit s or --ts-unit ms (--ts-unit ns silences this)\n",
                 WithThousands(reader->small_integer_timestamps()).c_str(),
                 static_cast<unsigned long long>(reader->first_small_integer_timestamp_line()), source_name.c_str());
  }
  double secs = SecondsSince(start);
  if (!args.quiet) {
    std::printf(
        "ingested %s rows into %s from %s in %.2f s (%s, %s/s)", WithThousands(stored).c_str(), args.table.c_str(),
        source_name.c_str(), secs, HumanBytes(reader->bytes_read()).c_str(),
        HumanBytes(static_cast<uint64_t>(static_cast<double>(reader->bytes_read()) / std::max(secs, 1e-9))).c_str());
    if (!args.rejects.empty()) {
      std::printf("; %s rejected -> %s", WithThousands(reader->rows_rejected()).c_str(), args.rejects.c_str());
    }
    std::printf("; %s duplicates dropped", WithThousands(duplicates).c_str());
    std::printf("\n");
  }
  return Status::OK();
}

}  // namespace

void AddIngestCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand("ingest", "append the rows of a CSV, Parquet or HDF5 file to a table");
  cmd->add_option("table", args->table, "table name")->required();
  cmd->add_option("file", args->file,
                  "CSV file with a header row naming the columns (any order); a Parquet file, a directory of them "
                  "or a quoted glob ('day/*.parquet'); an HDF5 file (with --dataset); - for stdin")
      ->required();
  cmd->add_option("--format", args->format,
                  "csv, parquet or hdf5 (default: parquet for .parquet/.parq/.pq names and directories, hdf5 for "
                  ".h5/.hdf5/.hdf/.he5, else csv)");
  cmd->add_option("--dataset", args->dataset,
                  "HDF5: a group strata export wrote, a pandas to_hdf(format='table') key, or a compound dataset");
  cmd->add_flag("--truncate-timestamps", args->truncate_timestamps,
                "round timestamps finer than a timestamp[us]/timestamp[ms] column down (default: refuse them)");
  cmd->add_flag(
      "--allow-lossy", args->allow_lossy,
      "Parquet: store DECIMAL columns in f64 columns (nearest double), DOUBLE/DECIMAL in f32 (nearest float)");
  cmd->add_flag("--ignore-extra-columns", args->ignore_extra_columns,
                "Parquet, HDF5: skip file columns the table does not have (default: refuse the file)");
  cmd->add_flag("--single-pass", args->single_pass,
                "Parquet: do not check a file wholly before appending it (faster; a file that fails midway keeps "
                "the row groups before the failure)");
  cmd->add_option("--rejects", args->rejects,
                  "write bad lines to this file and ingest the rest (default: stop at the first bad line)");
  cmd->add_option("--batch-rows", args->batch_rows, "rows per appended batch (1 to 16,777,216)")->capture_default_str();
  cmd->add_flag("--allow-nan", args->allow_nan,
                "store NaN and infinite f64 values (default: such a line is bad; bars skip NaN prices)");
  cmd->add_option("--ts-unit", args->ts_unit,
                  "unit of timestamps written as plain integers: s, ms, us or ns (default ns; ISO-8601 text is "
                  "unaffected)");
  cmd->add_flag("-q,--quiet", args->quiet, "print nothing on success");
  cmd->footer(
      "Every acknowledged batch is in the write-ahead log (durable as the database's fsync policy says).\n"
      "Timestamps: ISO-8601 (2026-03-02T14:30:00.123456789Z, offsets allowed) or integer ns since epoch\n"
      "(other units with --ts-unit), from 1678-01-01 to 2261-12-31 UTC. Symbols: UTF-8, not empty, no NUL,\n"
      "at most 248 bytes as a directory name. Strings: valid UTF-8. f64: finite unless --allow-nan.\n"
      "--rejects FILE gets the header row and then each bad line with its own line end, so it can be\n"
      "fixed and ingested again; it must not be the input file.\n"
      "Parquet: columns matched by name; only lossless conversions (INT32->i64, TIMESTAMP MILLIS/MICROS->ns,\n"
      "DATE->timestamp, FLOAT->f64, strings->symbol/string); a missing column must be nullable. Each file is\n"
      "read and checked row group by row group before any row is appended: a file that fails changes nothing.\n"
      "Duplicates (same symbol and ts, and the same dedup key, or equal in every column for a table\n"
      "without one) are kept in the log but every read drops them, the first arrival winning; the\n"
      "summary counts them (\"N duplicates dropped\").\n"
      "HDF5: columns matched by name (datasets of the group, or members of the compound dataset; pandas\n"
      "tables by their column names, values_block members too, a DatetimeIndex as the timestamps, NaN and\n"
      "nan_rep as NULL in nullable columns); only lossless conversions; timestamps are integers in ns (a\n"
      "dataset's unit attribute, pandas' datetime64 or --ts-unit says otherwise). The whole file is\n"
      "checked before any row is appended.\n"
      "A timestamp finer than a timestamp[us]/[ms] column is refused unless --truncate-timestamps.\n"
      "Examples:\n"
      "  strata ingest trades trades.csv\n"
      "  strata ingest quotes quotes.csv --rejects bad-quotes.csv\n"
      "  zcat day.csv.gz | strata ingest trades -\n"
      "  strata ingest trades 'dumps/2026-03-*.parquet'\n"
      "  cat day.parquet | strata ingest trades - --format parquet\n"
      "  strata ingest trades day.h5 --dataset /trades");
  cmd->callback([ctx, args] { Run(ctx, [&] { return Ingest(ctx, *args); }); });
}

}  // namespace strata::cli
