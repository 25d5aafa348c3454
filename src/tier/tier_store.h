// TierStore: the warm and cold tiers of one database root — writing flushed rows as warm Parquet
// parts, compacting a series-day's parts, migrating warm files to the cold ObjectStore,
// retention, crash cleanup, verification and reading files for scans.
//
// Every change follows one order, so that a crash at any point leaves either the old or the new
// state visible, never both and never neither:
//   1. write new files (temp name, fsync, rename, fsync of the directory; cold: staged locally,
//      then ObjectStore::PutFile, then read back and checked);
//   2. commit the catalog in one transaction (new files live, replaced ones retired);
//   3. wait for scans that may still read the replaced files (`view_mu`, exclusive);
//   4. delete the replaced files, then their catalog rows.
// Files written but never committed and files retired but not deleted are what CleanupOnOpen
// removes (a writer's open).
//
// Immutable archives: a table with a cold_lock_days policy gets cold files locked until upload time
// + N days (FileRecord::retain_until_ns; on S3 also Object Lock retention on the object). Before
// that date nothing here deletes or replaces one: retention keeps it, a migration of late rows
// writes a part beside it instead of merging it, and the deletion of retired files skips it; each
// says so in a warning and counts it in TierRunResult::files_locked. On a local cold directory the
// catalog is the lock (the file system cannot enforce one): anyone with write access to the
// directory can still remove the file, and `strata verify` then reports it missing.
//
// Thread-safety: one mutating operation at a time (the database serialises Flush, Migrate,
// ApplyRetention); Read and Verify may run beside them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <tuple>
#include <vector>

#include "catalog/catalog.h"
#include "objstore/object_store.h"
#include "parquet/parquet_reader.h"
#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/options.h"
#include "strata/results.h"
#include "tier/policy.h"

namespace strata::tier {

class DerivedBars;  // derived_bars.h

// One series' rows to flush, in arrival order, every column of the table: `rows`, or what `load`
// appends to its argument (the table's fields, no rows) when it is set. `load` is called once, on
// a flush thread, so series are copied out of the hot tier in parallel, each thread reusing one
// buffer.
struct FlushSeries {
  int64_t table_id = 0;
  std::string symbol;
  RecordBatch rows;
  std::function<void(RecordBatch* out)> load;
  uint64_t rows_hint = 0;  // about how many rows `load` appends (to size the buffer once)
};

struct TierStoreOptions {
  FileSystem* fs = nullptr;
  std::string root;
  Catalog* catalog = nullptr;
  ObjectStore* cold = nullptr;           // the cold tier (local directory or S3)
  std::shared_mutex* view_mu = nullptr;  // scans hold it shared; see step 3 above (may be null)
  std::string default_warm_codec = "snappy";
  int default_max_warm_parts = 4;
  std::function<void(std::string_view)> on_warning;
  // True while a scan may still read the file (catalog id): its deletion is deferred (it stays
  // retired) to a later DeleteRetired or the next CleanupOnOpen. May be empty.
  std::function<bool(int64_t)> file_in_use;
  // The wall clock (ns since the epoch) for the age of incomplete uploads and for object locks
  // (a cold file's retain-until date, and whether it has passed); empty: the system's.
  std::function<int64_t()> clock;
  // CleanupOnOpen aborts the cold store's incomplete multipart uploads under a table's prefix
  // begun at least this long ago (by the server's clock; the margin covers clock skew).
  int64_t stale_upload_age_s = 3600;
  // The bytes of a quarantine file for a series' rows (the database gives the WAL's rows record,
  // so the rows are kept exactly as appended). Unset: a series that cannot be written fails the
  // whole flush, as no quarantine can be written.
  std::function<std::string(int64_t table_id, const RecordBatch& rows)> encode_quarantine;
  // Called after every successful catalog commit that adds or retires files, in commit order
  // (the database publishes the Iceberg metadata there, src/iceberg). It cannot fail the commit.
  std::function<void(const CatalogChange& change)> after_catalog_commit;
};

class TierStore {
 public:
  explicit TierStore(TierStoreOptions options);
  ~TierStore();

  // Writes `series` as warm parts (split by UTC day, each sorted by ts) and commits them with the
  // WAL flushed LSN `cut_lsn` in one catalog transaction. A series that cannot be written (a
  // failure of that series alone: a value or a symbol the warm files refuse, an I/O error on its
  // path) does not stop the others: its rows go to a quarantine file under <root>/quarantine/
  // (fsynced before the commit) and a catalog record (CatalogChange::quarantine) in the same
  // transaction, a warning names table, symbol, ts range and reason, and the cut still advances.
  // A full disk, a crash or a busy catalog (kNoSpace, kAborted, kBusy) fails the flush instead:
  // it is not the series' fault, a later flush retries. `after_commit` runs right after the
  // commit while `view_mu` is held exclusively (the database drops the flushed hot rows there, so
  // no scan sees them twice). Then compacts the series-days it touched that have too many parts.
  // With `only_table` set, every series must be of that table and the LSN is committed as that
  // table's flushed LSN (CatalogChange::table_flushed_lsns) instead of the global one.
  Result<TierRunResult> Flush(std::vector<FlushSeries> series, uint64_t cut_lsn,
                              const std::function<void()>& after_commit,
                              std::optional<int64_t> only_table = std::nullopt);

  // Merges the live warm parts of every series-day of the table that has more than its
  // max_warm_parts into one part.
  Result<TierRunResult> CompactWarm(int64_t table_id, bool force_all = false);

  Result<TierRunResult> Migrate(const MigrateOptions& options);
  Result<TierRunResult> ApplyRetention(int64_t now_ns);

  // Marks the tier's runs (flush, compact, migrate, retention) still `running` in the catalog as
  // failed with an error that starts "interrupted": a writable open holds the lock, so no such
  // run is in progress; a process that died (kill -9, power loss) left them. Returns how many.
  Result<int> FinishInterruptedRuns();

  // Deletes retired files and their rows, temporaries, and files on storage the catalog does not
  // know. Reports what it removed through on_warning.
  Status CleanupOnOpen();
  // Lists the catalog's files and storage's (orphans), calls `after_snapshot` (may be empty), then
  // reads and checks every listed file; a file that went missing meanwhile counts only if it is
  // still live. A writable database calls it holding its tier-operation mutex and releases the
  // mutex in `after_snapshot`, so flushes run during the long part.
  Result<VerifyReport> Verify(const VerifyOptions& options, const std::function<void()>& after_snapshot = {});
  // Adds a "quarantined" problem per series a flush set aside (table, symbol, ts range, rows,
  // reason, file), and "missing"/"corrupt" when its file is gone or differs from the catalog.
  Status VerifyQuarantine(VerifyReport* report);

  // Opens a warm or cold file as Parquet, checked against its catalog record: NotFound naming it
  // when it is gone, Corruption when its size differs, it is not Parquet, or its footer disagrees
  // with the catalog (row count, columns vs the table's schema, the timestamp statistics vs the
  // recorded min/max ts). Every error names the file and suggests `strata verify`. The scan's
  // cursors open files through it too.
  Result<std::unique_ptr<parquet::ParquetReader>> OpenReader(const FileRecord& file);
  // Reads one catalog file (with options' projection and time range). Errors name the file:
  // NotFound if it is missing, Corruption if its size differs from the catalog's or it does not
  // decode.
  Result<RecordBatch> Read(const FileRecord& file, const parquet::ReadOptions& options);

  // Recomputes every series-day of the derived bar tables `source` declares (which must exist in
  // the catalog; see derived_bars.h), e.g. after bars were declared on a table with data.
  Status RebuildBars(const TableInfo& source);

  std::string ColdUri(const std::string& key) const;
  // The cold key of a cold file's uri.
  std::string ColdKeyOf(const std::string& uri) const;

 private:
  struct WrittenFile {
    FileRecord record;
  };
  Status WriteFlush(std::vector<FlushSeries>& series, uint64_t cut_lsn, const std::function<void()>& after_commit,
                    std::optional<int64_t> only_table, std::set<std::tuple<int64_t, std::string, int64_t>>* touched,
                    TierRunResult* r);
  // Writes `rows` (one series' rows, which a flush could not write as warm files) to a file under
  // <root>/quarantine/ durably and returns its record (not committed).
  Result<QuarantineRecord> WriteQuarantine(const TableInfo& table, const std::string& symbol, const RecordBatch& rows,
                                           uint64_t cut_lsn, const Status& reason);
  Result<TableInfo> Table(int64_t table_id);
  // The table's schema, cached (OpenReader checks every file against it).
  Result<std::shared_ptr<const Schema>> SchemaOf(int64_t table_id, bool refresh = false);
  Status CheckFooter(const FileRecord& file, const parquet::ParquetReader& reader);
  Result<TablePolicy> PolicyOf(const TableInfo& info);
  Result<FileRecord> WriteWarmPart(const TableInfo& table, const TablePolicy& policy, const std::string& symbol,
                                   int64_t day, const RecordBatch& sorted, uint64_t max_lsn,
                                   const std::vector<std::string>& replaces = {},
                                   const std::vector<std::pair<std::string, std::string>>& extra_key_values = {});
  Result<int64_t> NextSeq(int64_t table_id, Tier tier, const std::string& symbol, const std::string& dir_prefix);
  Result<RecordBatch> ReadAll(const FileRecord& file, const Schema& schema);
  // Deletes the storage of retired `files` (after waiting for readers), then their catalog rows.
  Status DeleteRetired(const std::vector<FileRecord>& files);
  Status DeleteStorage(const FileRecord& file);
  // Commits `change`. A failure other than the catalog refusing the change leaves the store
  // stopped (CheckUsable fails): the commit may still be durable, so the caller must not delete
  // what it wrote, and the next open decides from the catalog.
  Status CommitChange(const CatalogChange& change);
  Status CheckUsable() const;
  // Migrates one series-month group; adds to *result.
  Status MigrateGroup(const TableInfo& table, const TablePolicy& policy, const std::string& symbol, int64_t month,
                      std::vector<FileRecord> inputs, TierRunResult* result);
  // Relative paths of every file under root/warm, and keys of every cold object.
  Result<std::vector<std::string>> ListWarmFiles();
  // The tier's own namespace: files under warm/<table>/ (relative paths) or cold keys under
  // <table>/ of these tables (tier_check.cc).
  Result<std::vector<std::string>> ListTierFiles(const std::vector<TableInfo>& tables, Tier tier);
  // Whether a catalog row's uri has the shape of a file the tier writes for `table_name`; a row
  // that does not is never read from nor deleted through.
  bool IsTierUriOf(const FileRecord& file, const std::string& table_name) const;
  // Whether an unlisted file is provably a leftover of an operation that did not commit (every
  // row of it is still elsewhere: in live files it replaces, or after `flushed_lsn` in the WAL).
  Result<bool> ProvenLeftover(const std::string& uri, Tier tier, const TableInfo& table,
                              const std::set<std::string>& live, uint64_t flushed_lsn);
  // Aborts the cold store's incomplete multipart uploads of the table's cold keys older than
  // stale_upload_age_s (a migration whose process died mid-upload). A store that cannot list or
  // abort them is warned about, not an error.
  // *cannot_list is set when the listing failed (one warning per open, not one per table).
  Status AbortStaleUploads(const TableInfo& table, bool* cannot_list);
  // Moves an unlisted file to <root>/quarantine/ (cold objects: copied there, then deleted).
  Status Quarantine(const std::string& uri, Tier tier);
  void Warn(std::string_view msg);
  void WaitForReaders();
  int64_t NowNs() const;  // options_.clock, or the wall clock

  TierStoreOptions options_;
  FileSystem* fs_;
  Catalog* catalog_;
  uint64_t staged_ = 0;
  int64_t lock_now_ns_ = 0;            // set by ApplyRetention while it deletes: its now_ns (the later clock wins)
  Status commit_failed_;               // set by CommitChange; see there
  std::unique_ptr<DerivedBars> bars_;  // keeps derived bar tables in step with every commit
  std::mutex schemas_mu_;
  std::map<int64_t, std::shared_ptr<const Schema>> schemas_;  // by table id; guarded by schemas_mu_
};

}  // namespace strata::tier
