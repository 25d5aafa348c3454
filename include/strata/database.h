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

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/options.h"
#include "strata/results.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata {

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
  // ScanRequest::summarize: the files taken out of the scan, with their statistics (fixed when
  // the cursor is created).
  virtual const std::vector<FileSummary>& summarized() const {
    static const std::vector<FileSummary> kNone;
    return kNone;
  }
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

// What an append listener receives for one acknowledged append (Database::AddAppendListener).
// The batch is the appender's own, valid only during the call: copy what you keep.
struct AppendEvent {
  std::string_view table;
  const RecordBatch* batch = nullptr;  // the rows as appended (the table's schema)
  uint64_t first_lsn = 0;              // the WAL record(s) that hold them; one record per append
  uint64_t last_lsn = 0;               // today, so first_lsn == last_lsn
};

// Told of every append once it is acknowledged (durable as the fsync policy says, and visible to
// scans), from every writer path of this process: Appender::Append / AppendCounted, the one-off
// Database::Append, and what uses them (`strata ingest`, the server). See AddAppendListener.
class AppendListener {
 public:
  virtual ~AppendListener() = default;
  // Called once, while AddAppendListener registers the listener, with appends held off: every
  // append with LSN <= `lsn` is in the tables (a scan sees it), and OnAppend will be called for
  // exactly the appends above it. A listener that derives state from the tables reads them here
  // (scans work; appending, Flush, Stats and Add/RemoveAppendListener would deadlock). An error
  // fails the registration.
  virtual Status OnAttach(uint64_t lsn) {
    (void)lsn;
    return Status::OK();
  }
  // Called on the appending thread after the WAL acknowledged the append and its rows are in the
  // hot tier, before Append returns to its caller; calls never overlap and come in LSN order
  // across all appenders and tables. Must not append, flush or (un)register listeners.
  virtual void OnAppend(const AppendEvent& event) = 0;
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
  // Adds nullable column `name` of `type` at the end of the table's schema (writers only; see
  // doc/schema_evolution.md). Rows stored before read it as NULL, in every tier and in the WAL.
  // First flushes the table's hot rows to warm files, holding appends to every table meanwhile.
  // InvalidArgument for a timestamp or symbol type or a name that is not [A-Za-z_][A-Za-z0-9_]*,
  // AlreadyExists when the table has such a column, NotFound for an unknown table. Appenders made
  // before go on taking batches of the old columns; their rows get NULL in the new one.
  virtual Status AddColumn(std::string_view table, std::string_view name, ColumnType type) = 0;
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

  // Append listeners (writers only; InvalidArgument for a read-only open). A listener added
  // here sees, in LSN order, every append acknowledged after AddAppendListener returns (replayed
  // WAL records at open are not delivered: what they hold is in the tables). Returns the LSN up to
  // which appends were already in the tables (also passed to OnAttach).
  // Ordering and back-pressure: appends that the WAL acknowledged take turns by LSN to call the
  // listeners, on their own threads and before their Append returns. The WAL's group commit is
  // not held up (later appends keep being batched and written meanwhile), but an appender waits
  // for the listeners of every lower LSN, so a slow listener slows every appender of this
  // database: keep OnAppend short (apply in memory, or hand off to a queue of your own).
  virtual Result<uint64_t> AddAppendListener(std::shared_ptr<AppendListener> listener) = 0;
  // After it returns, `listener` gets no more calls. NotFound if it was not registered.
  virtual Status RemoveAppendListener(const AppendListener* listener) = 0;

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
  // Series flushes set aside (TierRunResult::series_quarantined), by table, symbol, id.
  virtual Result<std::vector<QuarantinedSeries>> ListQuarantined() = 0;
  // Puts quarantined series `id` back (writers only): appends its rows to its table exactly as
  // they were appended (log and hot tier: the next flush writes them, or sets them aside again if
  // what stopped it is still there), makes the log durable, then removes the record and the
  // file. Returns the rows restored. NotFound for an unknown id; Corruption naming the file when
  // it does not match the catalog's size and SHA-256. Any failure before the removal leaves the
  // quarantine as it was (a crash right after the append leaves the rows in both; reads drop the
  // restored copy as a duplicate, and restoring again is harmless).
  virtual Result<uint64_t> RestoreQuarantined(int64_t id) = 0;
  // Makes every acknowledged row durable now (fsync), whatever the policy.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  virtual const std::string& root() const = 0;
  virtual bool read_only() const = 0;
};

}  // namespace strata
