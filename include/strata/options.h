// How a database is created and opened, and the requests of its operations (scans,
// migrations, verification): the inputs of the API in strata/database.h. Plain structs with
// defaults; a caller sets the fields it cares about.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/file_system.h"

namespace strata {

struct InitOptions {
  // "always" (ack after fsync), "interval=<ms>" (fsync in the background every ms) or "none".
  std::string fsync = "interval=10";
  uint64_t wal_segment_bytes = 64ull << 20;
  // Where the cold tier lives: empty for <root>/cold, another directory, or
  // "s3://bucket/prefix" (endpoint, region and credentials from the AWS_* environment variables;
  // see src/objstore/README.md). Stored in the catalog; every later open uses it.
  std::string cold_location;
};

struct Options {
  FileSystem* fs = nullptr;  // nullptr = DefaultFileSystem()
  bool read_only = false;
  // Overrides the database's stored fsync policy for this process when non-empty.
  std::string fsync;
  size_t hot_memory_budget_bytes = 4ull << 30;
  // Receives recovery warnings (e.g. a torn WAL tail that was truncated). Default: stderr.
  std::function<void(std::string_view)> on_warning;
  // A note stored in the lock file so a second writer's error can name us ("strata ingest").
  std::string process_note;

  // Flushing hot rows to warm Parquet files (writers only). A background thread checks the
  // triggers every flush_check_interval_ms (Database::FlushTrigger) and flushes when one fires:
  // the hot rows of a table reach its policy's flush_rows (else flush_rows below), one series
  // (table, symbol) reaches the policy's flush_series_rows or flush_series_bytes (else the
  // options below; 0 = off), the oldest unflushed row was appended flush_age_ms ago, or the hot
  // tier went over flush_memory_fraction of its memory budget (signalled at once by the hot
  // tier). Database::Flush() and FlushTable() flush on demand.
  bool background_flush = true;
  uint64_t flush_rows = 8'000'000;
  uint64_t flush_series_rows = 0;
  uint64_t flush_series_bytes = 0;
  int64_t flush_age_ms = 10 * 60 * 1000;
  double flush_memory_fraction = 0.5;
  int64_t flush_check_interval_ms = 1000;
  // The wall clock (ns since the epoch) for the age trigger; tests inject one. Default: the system's.
  std::function<int64_t()> clock;
  // Warm codec when the table's policy names none: "snappy" or "lz4_raw".
  std::string warm_codec = "snappy";
  // Compact a series-day's warm parts into one when it has more than this (the table's policy's
  // max_warm_parts wins).
  int max_warm_parts = 4;
  // Remove files a crash left behind (temporaries, files written but never committed, files
  // retired but not yet deleted) when a writer opens. Read-only opens never modify anything.
  bool clean_orphans_on_open = true;
  // Overrides the stored cold location for this process when non-empty (same forms as
  // InitOptions::cold_location), e.g. to reach the same bucket through another endpoint.
  std::string cold_location;
  // Opening a database whose write-ahead log directory is missing, or whose log ends before the
  // LSN the catalog recorded as durable at the last clean close, is an error naming what is
  // missing. true goes on without those records (their rows are lost, with a warning); a writer
  // then records the log's end as durable, so later opens need no flag (CLI --accept-wal-loss).
  bool accept_wal_loss = false;
  // A replica root (`strata replica`) refuses writer opens: only the replica process itself,
  // placing the WAL it ships and flushing it, opens one for writing with this set.
  bool replica_apply = false;
  // Replaying a WAL record the database cannot apply (the hot tier refuses its rows, its table
  // is unknown, its rows do not decode) is an error naming the record's LSN, table and reason.
  // true skips such records with a warning each (their rows are lost). The records stay in the
  // log until a flush covers them, so keep the flag until then (CLI --skip-bad-wal-records).
  bool skip_bad_wal_records = false;
};

// A warm or cold file a scan answers from statistics instead of rows (ScanRequest::summarize).
struct ColumnSummary {
  std::string name;
  int64_t null_count = 0;
  // The smallest and the largest non-null value, in the column's type; empty when every value is
  // null. Exact: floats only when the file has no NaN and neither bound is a zero (whose sign
  // the statistics do not keep).
  Column bounds;
};
struct FileSummary {
  std::string tier;  // "warm" or "cold"
  std::string uri;
  std::string symbol;
  int64_t rows = 0;
  int64_t min_ts = 0, max_ts = 0;      // inclusive, from the catalog
  std::vector<ColumnSummary> columns;  // ScanRequest::summary_columns, in that order
};

struct ScanRequest {
  std::string table;
  std::vector<std::string> symbols;                       // empty = all symbols
  int64_t from_ts = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_ts = std::numeric_limits<int64_t>::max();    // exclusive
  std::vector<std::string> columns;                       // empty = every column
  std::vector<std::string> tiers;                         // "hot", "warm", "cold"; empty = all
  // NewScan: rows per batch at most; 0 = a row group that needs no merging passes through whole
  // (no copy), other batches (merged runs, hot rows) hold up to 65536 rows.
  size_t max_batch_rows = 0;
  // Columns of a row group decoded in parallel on up to this many threads; 0 = one per core, at
  // most 4.
  int decode_threads = 0;
  // Also each symbol's last row before from_ts, which a "prev" as-of join without a tolerance
  // needs: the symbol's rows then start at or before that row (from a point the file bounds
  // give: that row, or a few rows earlier), not at the beginning of time.
  bool from_last_before = false;
  // Aggregates over whole files (count, min, max): a warm or cold file whose rows all lie in
  // [from_ts, to_ts) and that no other source of its symbol overlaps in time (so the scan would
  // return every row of it, none dropped as a duplicate) is taken out of the scan: its rows are
  // not returned, its summary (the catalog's count and bounds and the footer's statistics of
  // `summary_columns`; the footer is read only when one of them is neither the ts nor the symbol
  // column) is in ScanCursor::summarized() (ScanStats::files_summarized counts them). Files whose
  // statistics are missing or inexact are scanned. Only through NewScan (Scan would drop the
  // rows silently); ignored with from_last_before.
  bool summarize = false;
  std::vector<std::string> summary_columns;
};

struct MigrateOptions {
  std::string table;                 // empty = every table
  std::optional<int64_t> before_ts;  // migrate warm files whose rows are all older than this
  bool all = false;                  // migrate every warm file
  bool apply_policy = true;          // also what warm_days and warm_max_bytes select
  std::optional<int64_t> now_ns;     // the clock for policies (tests); default: now
  std::function<void(std::string_view)> on_progress;
};

struct VerifyOptions {
  std::string tier;  // "warm", "cold" or empty for both
  std::function<void(std::string_view)> on_progress;
  // Record in the catalog when each whole file was verified (files.verified_at). A read-only
  // open writes just those times, through a writable catalog handle of its own, and skips them
  // (VerifyReport::verified_at_recorded false) when the catalog cannot be written (read-only
  // media): verifying never needs a writer.
  bool record_verified_at = true;
};

}  // namespace strata
