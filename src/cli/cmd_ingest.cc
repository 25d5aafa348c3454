// strata ingest TABLE FILE.csv|-
#include <chrono>
#include <cstdio>

#include "cli/cli.h"
#include "csv/csv_reader.h"
#include "io/byte_source.h"

namespace strata::cli {
namespace {

struct IngestArgs {
  std::string table;
  std::string file;
  std::string rejects;
  size_t batch_rows = 65536;
  bool quiet = false;
};

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

Status Ingest(Context* ctx, const IngestArgs& args) {
  auto start = std::chrono::steady_clock::now();
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

  std::unique_ptr<WritableFile> rejects;
  Status reject_error;
  uint64_t reasons_shown = 0;
  CsvOptions options;
  options.batch_rows = args.batch_rows;
  if (!args.rejects.empty()) {
    ASSIGN_OR_RETURN(rejects, DefaultFileSystem()->NewWritableFile(args.rejects, OpenMode::kTruncate));
    options.skip_bad_lines = true;
    options.on_reject = [&](uint64_t line_no, std::string_view line, const Status& why) {
      if (reasons_shown < 5 && !args.quiet) {
        std::fprintf(stderr, "strata: rejected %s\n", why.message().c_str());
      }
      ++reasons_shown;
      (void)line_no;
      if (!reject_error.ok()) return;
      std::string text(line);
      text.push_back('\n');
      reject_error = rejects->Append(text);
    };
  }
  ASSIGN_OR_RETURN(auto reader, CsvReader::Open(std::move(source), appender->schema(), options));

  Progress progress(StderrIsTerminal() && !args.quiet);
  RecordBatch batch(appender->schema());
  uint64_t stored = 0;
  Status failure;
  while (true) {
    auto more = reader->Next(&batch);
    if (!more.ok()) {
      failure = more.status();
      break;
    }
    if (!*more) break;
    Status st = appender->Append(batch);
    if (!st.ok()) {
      failure = st;
      break;
    }
    stored += batch.num_rows();
    progress.Update(reader->bytes_read(), total, stored);
  }
  progress.Done();
  if (rejects) {
    Status st = rejects->Close();
    if (reject_error.ok()) reject_error = st;
  }
  Status close = db->Close();
  if (!failure.ok()) {
    return Status(failure.code(), failure.message() + " (ingest stopped; the " + WithThousands(stored) +
                                      " rows before it are stored" +
                                      (args.rejects.empty() ? "; use --rejects FILE to skip bad lines" : "") + ")");
  }
  RETURN_IF_ERROR(close);
  RETURN_IF_ERROR(reject_error.WithContext("writing rejects to " + args.rejects));
  double secs = SecondsSince(start);
  if (!args.quiet) {
    std::printf(
        "ingested %s rows into %s from %s in %.2f s (%s, %s/s)", WithThousands(stored).c_str(), args.table.c_str(),
        source_name.c_str(), secs, HumanBytes(reader->bytes_read()).c_str(),
        HumanBytes(static_cast<uint64_t>(static_cast<double>(reader->bytes_read()) / std::max(secs, 1e-9))).c_str());
    if (!args.rejects.empty()) {
      std::printf("; %s rejected -> %s", WithThousands(reader->rows_rejected()).c_str(), args.rejects.c_str());
    }
    std::printf("\n");
  }
  return Status::OK();
}

}  // namespace

void AddIngestCommand(CLI::App& app, Context* ctx) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand("ingest", "append the rows of a CSV file to a table");
  cmd->add_option("table", args->table, "table name")->required();
  cmd->add_option("file", args->file, "CSV file with a header row naming the columns (any order); - for stdin")
      ->required();
  cmd->add_option("--rejects", args->rejects,
                  "write bad lines to this file and ingest the rest (default: stop at the first bad line)");
  cmd->add_option("--batch-rows", args->batch_rows, "rows per appended batch")->capture_default_str();
  cmd->add_flag("-q,--quiet", args->quiet, "print nothing on success");
  cmd->footer(
      "Every acknowledged batch is in the write-ahead log (durable as the database's fsync policy says).\n"
      "Timestamps: ISO-8601 (2026-03-02T14:30:00.123456789Z, offsets allowed) or integer ns since epoch.\n"
      "Examples:\n"
      "  strata ingest trades trades.csv\n"
      "  strata ingest quotes quotes.csv --rejects bad-quotes.csv\n"
      "  zcat day.csv.gz | strata ingest trades -");
  cmd->callback([ctx, args] { Run(ctx, [&] { return Ingest(ctx, *args); }); });
}

}  // namespace strata::cli
