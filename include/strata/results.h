// What the operations of strata/database.h report: scan statistics, database and table
// statistics, the result of a tier run (flush, compaction, migration, retention) and the report
// of a verification. Plain structs, filled by the database; src/tier fills the tier-run and
// verify types too, without depending on the Database API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

// What a streaming scan pruned and read (ScanCursor::stats()); filled as the cursor advances.
struct ScanStats {
  uint64_t files_listed = 0;             // warm/cold files the catalog holds for the table
  uint64_t files_pruned_by_catalog = 0;  // of those, outside the symbols, range or tiers
  uint64_t files_read = 0;               // opened (footer read)
  uint64_t files_from_cache = 0;         // of those, open already (footer cached in this process)
  uint64_t files_summarized = 0;         // answered from statistics (ScanRequest::summarize), rows not read
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
  // Retention and migration: cold files left alone because they are locked (policy cold_lock_days)
  // until a later date; each is also named in a warning.
  uint64_t files_locked = 0;
  double seconds = 0;
};

// A series a flush could not write and set aside under <root>/quarantine/ (the rows exactly as
// appended), with its catalog record (Database::ListQuarantined).
struct QuarantinedSeries {
  int64_t id = 0;
  std::string table;
  std::string symbol;
  int64_t min_ts = 0, max_ts = 0;  // both inclusive
  uint64_t rows = 0;
  std::string uri;  // the file, relative to the root
  std::string reason;
  int64_t created_at_ns = 0;
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

}  // namespace strata
