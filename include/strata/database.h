// strata's embedded database: one root directory holding a catalog, a write-ahead log and the
// tiers. This is the API a trading process or a research tool links against.
//
//   auto db = Database::Open("/data/strata", {}).value();
//   auto appender = db->NewAppender("trades").value();
//   appender->Append(batch);            // returns when the WAL says durable (fsync policy)
//   auto rows = db->Scan({.table = "trades", .symbols = {"AAPL"}, .from_ts = t0, .to_ts = t1});
//
// Thread-safety: a Database and its Appenders may be used from any number of threads at once.
// Processes: one process at a time opens a root for writing (a lock file names the holder);
// any number open it read-only and see every acknowledged row.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/schema.h"
#include "strata/status.h"

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
  // Replaying a WAL record the database cannot apply (the hot tier refuses its rows, its table
  // is unknown, its rows do not decode) is an error naming the record's LSN, table and reason.
  // true skips such records with a warning each (their rows are lost). The records stay in the
  // log until a flush covers them, so keep the flag until then (CLI --skip-bad-wal-records).
  bool skip_bad_wal_records = false;
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
};

// What a streaming scan pruned and read (ScanCursor::stats()); filled as the cursor advances.
struct ScanStats {
  uint64_t files_listed = 0;             // warm/cold files the catalog holds for the table
  uint64_t files_pruned_by_catalog = 0;  // of those, outside the symbols, range or tiers
  uint64_t files_read = 0;               // opened (footer read)
  uint64_t files_from_cache = 0;         // of those, open already (footer cached in this process)
  uint64_t row_groups_total = 0;         // in the files read
  uint64_t row_groups_read = 0;          // decoded
  uint64_t row_groups_pruned = 0;        // skipped by their ts statistics
  uint64_t row_groups_parallel = 0;      // of those decoded, on several threads (decode_threads)
  uint64_t pages_total = 0;              // data pages of column chunks read partially
  uint64_t pages_read = 0;               // of those, decoded (the rest pruned by the page index)
  uint64_t bytes_read = 0;               // fetched from warm/cold storage, footers included
  uint64_t hot_rows = 0;                 // rows taken from the hot tier
  uint64_t rows_returned = 0;
  uint64_t batches_returned = 0;
  uint64_t peak_rows_buffered = 0;  // most rows held at once in file/row-group buffers
  uint64_t merged_rows = 0;         // rows that went through the k-way merge (overlaps)
  int64_t plan_ns = 0;              // catalog listing + hot snapshot
  int64_t open_ns = 0;              // opening files and reading footers
  int64_t read_ns = 0;              // reading and decoding row groups
  int64_t merge_ns = 0;             // merging and slicing into output batches
};

// A streaming scan (Database::NewScan). Next() fills *out with the next batch and returns true,
// or returns false at the end. Batches hold rows of one symbol (at most one row group's, or
// ScanRequest::max_batch_rows); symbols come in lexicographic order, rows of a symbol in ts order (ties: cold, then
// warm, then hot rows, each in stored order). The cursor works on a snapshot taken when it was created: rows appended
// later are not seen, and files a migration, compaction or retention retires meanwhile stay readable (their deletion
// waits until the cursor is gone). A cursor must not outlive its Database; it is used from one thread at a time.
class ScanCursor {
 public:
  virtual ~ScanCursor() = default;
  virtual Result<bool> Next(RecordBatch* out) = 0;
  // The fields of every batch (the request's columns, in order; all columns when none given).
  virtual const std::vector<Field>& fields() const = 0;
  // The symbol of the batch Next() returned last.
  virtual const std::string& symbol() const = 0;
  virtual const ScanStats& stats() const = 0;
};

struct TierStats {
  std::string tier;  // "hot", "warm", "cold"
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t series = 0;
  uint64_t files = 0;
};

struct TableStats {
  std::string table;
  std::vector<TierStats> tiers;
  // Series a flush could not write and set aside under <root>/quarantine/ (`strata verify`
  // lists them), and their rows.
  uint64_t quarantined_series = 0, quarantined_rows = 0;
};

struct DatabaseStats {
  std::vector<TableStats> tables;
  uint64_t wal_bytes = 0;
  uint64_t wal_segments = 0;
  uint64_t last_lsn = 0;
  uint64_t flushed_lsn = 0;
  std::string fsync;
};

// What a flush, compaction, migration or retention pass did.
struct TierRunResult {
  uint64_t rows_in = 0, rows_out = 0;  // rows read and written (differ by dedup)
  uint64_t files_in = 0, files_out = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t duplicates_removed = 0;
  uint64_t flushed_lsn = 0;  // flush: the WAL LSN now covered by warm files
  // Derived bar tables: series-days whose bars were recomputed, and of those, the ones whose
  // source rows were read back from storage (a day with earlier parts, or a migration) rather
  // than taken from the rows a flush had just written.
  uint64_t bar_days_rebuilt = 0, bar_days_read = 0;
  // Flush: series whose rows could not be written as warm files and were set aside under
  // <root>/quarantine/ (reported by `strata verify` and `stats`), and their rows.
  uint64_t series_quarantined = 0, rows_quarantined = 0;
  double seconds = 0;
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

struct VerifyProblem {
  std::string kind;  // "missing", "corrupt", "orphan", "quarantined" (a series a flush set aside)
  std::string uri;   // relative to the root (warm, local cold) or the object store's URI
  std::string detail;
};

struct VerifyReport {
  std::vector<int64_t> verified_file_ids;  // catalog ids of the files found whole
  bool verified_at_recorded = false;       // their files.verified_at now says when
  uint64_t files_checked = 0;
  uint64_t bytes_checked = 0;
  uint64_t rows_checked = 0;
  std::vector<VerifyProblem> problems;
  bool ok() const { return problems.empty(); }
};

class Appender {
 public:
  virtual ~Appender() = default;
  // Appends the rows of `batch` (its fields must equal the table's schema). Returns once the rows
  // are durable as the database's fsync policy says, and visible to scans in this process.
  virtual Status Append(const RecordBatch& batch) = 0;
  // Append, and sets *duplicates to how many of the batch's rows every read will drop as
  // duplicates of rows that arrived before them, in any tier or earlier in the batch (same series
  // and ts, and the same dedup key, or equal in every column for a table without one; the first
  // arrival wins). They are still written to the log and the hot tier. Costs a scan of the
  // batch's time range before appending (next to nothing for rows newer than the table's) and
  // a hash of every row's (symbol, ts).
  virtual Status AppendCounted(const RecordBatch& batch, uint64_t* duplicates) = 0;
  virtual const Schema& schema() const = 0;
};

// Database::HotMemory.
struct HotMemoryUse {
  uint64_t used_bytes = 0;
  uint64_t budget_bytes = 0;  // Options::hot_memory_budget_bytes
};

// One table's rows in Database::AppendAtomically.
struct TableRows {
  std::string_view table;
  const RecordBatch* batch = nullptr;
};

class Database {
 public:
  // Creates an empty database at `root` (directories, catalog, settings). AlreadyExists if one is
  // there.
  static Status Init(const std::string& root, const InitOptions& options, FileSystem* fs = nullptr);
  // Opens an existing database; NotFound (with a hint to run `strata init`) if there is none.
  // A writer replays the WAL after the last flushed LSN into the hot tier, truncating a torn tail.
  static Result<std::unique_ptr<Database>> Open(const std::string& root, const Options& options);

  virtual ~Database() = default;

  virtual Status CreateTable(const TableDef& def) = 0;
  virtual Result<TableDef> GetTable(std::string_view name) = 0;
  virtual Result<std::vector<TableDef>> ListTables() = 0;

  virtual Result<std::unique_ptr<Appender>> NewAppender(std::string_view table) = 0;
  // One-off append; prefer an Appender in loops.
  virtual Status Append(std::string_view table, const RecordBatch& batch) = 0;
  // Appends rows to several tables as ONE transaction: one WAL record (one checksum), so after a
  // crash at any point either every batch is replayed or none is (an ILP request across tables).
  // Each batch must have its table's fields; any error (unknown table, a row that cannot be
  // stored, named by table and row) appends nothing. Returns once durable as the fsync policy
  // says. A table may appear more than once; empty batches are skipped.
  virtual Status AppendAtomically(const std::vector<TableRows>& batches) = 0;

  // Rows of the request, one batch per symbol (symbols in lexicographic order), sorted by ts
  // within a symbol (ties: cold, then warm, then hot rows, each in their stored order). Reads the
  // hot tier and the warm and cold files the catalog lists for the table, symbols and range; a
  // row moving between tiers (flush, migration) is seen exactly once. A file that is missing or
  // damaged fails the scan with an error naming it.
  // Drains NewScan(request), one batch per symbol.
  virtual Result<std::vector<RecordBatch>> Scan(const ScanRequest& request) = 0;
  // The same rows as a stream of bounded batches (see ScanCursor): memory stays around one
  // Parquet row group per file being merged, whatever the range. InvalidArgument for from > to,
  // an unknown column or tier; NotFound for an unknown table; an unknown symbol yields no rows.
  virtual Result<std::unique_ptr<ScanCursor>> NewScan(const ScanRequest& request) = 0;
  // The latest row (greatest ts) of one symbol as a one-row batch in *out (reused without
  // allocation). NotFound if the symbol has no rows.
  virtual Status Latest(std::string_view table, std::string_view symbol, RecordBatch* out) = 0;
  virtual Result<std::vector<std::string>> Symbols(std::string_view table) = 0;

  virtual Result<DatabaseStats> Stats() = 0;
  // What the hot tier holds now, cheaply (an atomic load): network ingest stops reading from its
  // senders while used > budget, until the flusher has drained it (backpressure, src/ilp).
  virtual HotMemoryUse HotMemory() = 0;

  // Tiers (writers only, except Verify). Flush writes every hot row appended so far to warm
  // Parquet files, commits them with the WAL's flushed LSN, then drops them from RAM and deletes
  // WAL segments wholly flushed; appends continue meanwhile. Compacts series-days that got too
  // many parts.
  virtual Result<TierRunResult> Flush() = 0;
  // Flushes only `table`'s hot rows appended so far; they are committed with a per-table flushed
  // LSN, so reopening replays the WAL for the other tables and skips this one's flushed rows.
  // WAL segments are deleted only by a full Flush(). NotFound for an unknown table.
  virtual Result<TierRunResult> FlushTable(std::string_view table) = 0;
  // Which flush trigger fires now ("" if none): "rows: ...", "series rows: ...",
  // "series bytes: ...", "age: ...", "memory: ...". Always "" for read-only opens.
  virtual std::string FlushTrigger() = 0;
  // Flush() if FlushTrigger() fires (what the background flusher runs); nullopt if none did.
  virtual Result<std::optional<TierRunResult>> FlushIfDue() = 0;
  // Moves warm files to the cold tier (merged per series-month, sorted, deduplicated, re-encoded).
  virtual Result<TierRunResult> Migrate(const MigrateOptions& options) = 0;
  // Deletes cold files older than the tables' cold_days (tables without it: nothing).
  virtual Result<TierRunResult> ApplyRetention(std::optional<int64_t> now_ns = std::nullopt) = 0;
  // Sets the table's tier policy (JSON object; see src/tier/policy.h), merged into the current one.
  virtual Status SetTablePolicy(std::string_view table, std::string_view policy_json) = 0;
  // Re-reads every warm/cold file: size and SHA-256 against the catalog, valid Parquet with the
  // recorded row count; lists missing, corrupt and orphan files.
  virtual Result<VerifyReport> Verify(const VerifyOptions& options) = 0;
  // Makes every acknowledged row durable now (fsync), whatever the policy.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual const std::string& root() const = 0;
  virtual bool read_only() const = 0;
};

}  // namespace strata
