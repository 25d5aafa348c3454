// DatabaseImpl: the Database of strata/database.h. It ties the catalog, the write-ahead log, the
// hot tier and the tier store (warm/cold files) together; the methods are in database.cc (open,
// recovery, tables, appends, close), db_flush.cc (flush, tier operations, verify), db_read.cc
// (scans, Latest, symbols, stats) and db_quarantine.cc (series a flush set aside).
//
// Locking (clang -Wthread-safety checks the annotations; tools/thread_safety.sh):
//   close_mu_    one Close at a time.
//   flusher_mu_  the background flusher's stop flag (and its condition variable).
//   tier_op_mu_  one flush / compaction / migration / retention / bar rebuild at a time; a writable
//                Verify's listing. Close takes it before resetting wal_, so a tier operation
//                may use the WAL writer without the append gate (WalForTierOp).
//   ddl_gate_    appends hold it shared (around append_gate_); AddColumn exclusively, while it
//                flushes the table and changes its schema (db_schema.cc).
//   append_gate_ appends hold it shared (WAL append + hot insert); a flush takes it exclusively to
//                pick its LSN cut; Close exclusively to close the WAL writer.
//   view_mu_     scans hold it shared while planning; a tier commit (catalog + hot-tier drop)
//                exclusively. Shared with the tier store and the scan cursors (a plain
//                std::shared_mutex, outside the analysis).
//   catch_up_mu_ one read-only catch-up with a writer's flushes at a time.
//   flushed_mu_  the per-table flushed LSNs; a leaf (nothing is locked while it is held).
//   tables_mu_   the open-table maps.
//   dispatch_mu_ the append listeners and the LSN whose turn it is to call them (a leaf; a plain
//                std::mutex for its condition variable, outside the analysis).
// Order: close_mu_ > flusher_mu_; close_mu_ > tier_op_mu_ > ddl_gate_ > append_gate_;
// ddl_gate_ > view_mu_; ddl_gate_ > tables_mu_;
// tier_op_mu_ > view_mu_ > flushed_mu_; catch_up_mu_ > view_mu_ > flushed_mu_.
// Set at open and not changed after (no lock): fs_, lock_ (until Close), catalog_, hot_, cold_,
// tier_, sync_policy_, segment_bytes_, last_replayed_lsn_, lsn_at_open_.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "core/thread_annotations.h"
#include "db/scan.h"
#include "db/wal_record.h"
#include "hot/hot_tier.h"
#include "iceberg/iceberg.h"
#include "objstore/object_store.h"
#include "strata/database.h"
#include "tier/tier_store.h"
#include "wal/wal.h"

namespace strata::db {

// The system clock: ns since the epoch.
int64_t NowNs();

// A table as this process knows it (replaced whole when its policy changes).
struct OpenTable {
  uint32_t id;
  TableDef def;
};

class DatabaseImpl;

class AppenderImpl final : public Appender {
 public:
  AppenderImpl(DatabaseImpl* db, std::shared_ptr<const OpenTable> table) : db_(db), table_(std::move(table)) {}
  Status Append(const RecordBatch& batch) override;
  Status AppendCounted(const RecordBatch& batch, uint64_t* duplicates) override;
  const Schema& schema() const override { return table_->def.schema; }

 private:
  DatabaseImpl* db_;
  std::shared_ptr<const OpenTable> table_;
};

class DatabaseImpl final : public Database {
 public:
  DatabaseImpl(std::string root, Options options) : root_(std::move(root)), options_(std::move(options)) {}
  ~DatabaseImpl() override { Close().IgnoreError(); }

  // Takes the write lock (writers), opens the catalog, replays the WAL, opens the tiers, cleans
  // an earlier crash's leftovers and starts the background flusher (writers).
  Status OpenAll();

  // The Database API (strata/database.h).
  Status CreateTable(const TableDef& def) override EXCLUDES(tier_op_mu_, tables_mu_);
  Status AddColumn(std::string_view table, std::string_view name, ColumnType type) override
      EXCLUDES(tier_op_mu_, ddl_gate_, tables_mu_);
  Result<TableDef> GetTable(std::string_view name) override;
  Result<std::vector<TableDef>> ListTables() override;
  Result<std::unique_ptr<Appender>> NewAppender(std::string_view table) override;
  Status Append(std::string_view table, const RecordBatch& batch) override;
  Result<std::vector<RecordBatch>> Scan(const ScanRequest& request) override;
  Result<std::unique_ptr<ScanCursor>> NewScan(const ScanRequest& request) override EXCLUDES(catch_up_mu_);
  Status Latest(std::string_view table, std::string_view symbol, RecordBatch* out) override;
  Result<std::vector<std::string>> Symbols(std::string_view table) override;
  Result<DatabaseStats> Stats() override EXCLUDES(append_gate_);
  Result<TierRunResult> Flush() override EXCLUDES(tier_op_mu_);
  Result<TierRunResult> FlushTable(std::string_view name) override EXCLUDES(tier_op_mu_);
  std::string FlushTrigger() override;
  Result<std::optional<TierRunResult>> FlushIfDue() override EXCLUDES(tier_op_mu_);
  Result<TierRunResult> Migrate(const MigrateOptions& options) override EXCLUDES(tier_op_mu_);
  Result<TierRunResult> ApplyRetention(std::optional<int64_t> now_ns) override EXCLUDES(tier_op_mu_);
  Status SetTablePolicy(std::string_view table, std::string_view policy_json) override EXCLUDES(tier_op_mu_);
  Result<VerifyReport> Verify(const VerifyOptions& options) override EXCLUDES(tier_op_mu_);
  Result<std::vector<QuarantinedSeries>> ListQuarantined() override;
  Result<uint64_t> RestoreQuarantined(int64_t id) override EXCLUDES(tier_op_mu_, append_gate_);
  Status Sync() override EXCLUDES(append_gate_);
  Status AppendAtomically(const std::vector<TableRows>& batches) override EXCLUDES(append_gate_);
  HotMemoryUse HotMemory() override { return {hot_->used_bytes(), options_.hot_memory_budget_bytes}; }
  Result<uint64_t> AddAppendListener(std::shared_ptr<AppendListener> listener) override EXCLUDES(append_gate_);
  Status RemoveAppendListener(const AppendListener* listener) override EXCLUDES(append_gate_);
  // Safe against concurrent calls (the first closes, later ones return OK) and against
  // concurrent appends, flushes and tier operations: they either finish first or fail with
  // "is closed".
  Status Close() override EXCLUDES(close_mu_, flusher_mu_, tier_op_mu_, append_gate_);
  const std::string& root() const override { return root_; }
  bool read_only() const override { return options_.read_only; }

  // For AppenderImpl.
  Status CheckWritable() const;
  Status AppendTo(const OpenTable& table, const RecordBatch& batch, bool validated = false) EXCLUDES(append_gate_);
  // How many rows of `batch` duplicate a row that arrived before them (tier/dedup.h): rows of
  // the table in the batch's time range (a scan: every tier, already without duplicates), then the
  // batch's rows in order, in one open-addressing table keyed by (symbol, ts).
  Result<uint64_t> CountDuplicates(const OpenTable& table, const RecordBatch& batch);

 private:
  static constexpr int kMaxReadRetries = 100;

  // The flushed LSNs in the catalog: the global one and the per-table ones above it.
  struct FlushedState {
    uint64_t global = 0;
    std::map<int64_t, uint64_t> tables;
    bool operator==(const FlushedState&) const = default;
  };

  int64_t Now() const;
  // One table's rows of a WAL record.
  using TablePart = std::pair<const OpenTable*, const RecordBatch*>;
  // Appends `payload` (a rows record of `parts`) to the WAL, then its rows to the hot tier, then
  // tells the listeners; the one path of AppendTo and AppendAtomically.
  Status AppendRecord(std::string_view payload, std::span<const TablePart> parts) EXCLUDES(ddl_gate_, append_gate_);
  // AppendRecord's part after the schema check (ddl_gate_ held shared).
  Status AppendRecordLocked(std::string_view payload, std::span<const TablePart> parts) EXCLUDES(append_gate_);
  // AppendRecord once a column was added (db_schema.cc): parts of a table whose schema grew since
  // their appender was made get NULL in the new columns, and the record is encoded again.
  Status AppendWithCurrentSchemas(std::string_view payload, std::span<const TablePart> parts) REQUIRES_SHARED(ddl_gate_)
      EXCLUDES(append_gate_);
  // Calls the append listeners for the append at `lsn` in LSN order (see database.cc).
  void NotifyListeners(const OpenTable& table, const RecordBatch& batch, uint64_t lsn, bool deliver);
  // The turn of a record without rows: no listener is called.
  void PassListenerTurn(uint64_t lsn);
  void Warn(std::string_view msg);
  Status ClosedError() const { return Status::InvalidArgument("database " + root_ + " is closed"); }

  // Open and recovery (database.cc).
  // A read-only open reads the flushed LSN, then the WAL; a writer flushing and removing
  // segments in between makes the WAL look truncated. Start over when the flushed LSNs moved.
  Status Recover() EXCLUDES(flushed_mu_);
  Status RecoverOnce() EXCLUDES(flushed_mu_, append_gate_);
  // One WAL record into the hot tier, skipping records at or below their table's flushed LSN
  // (`table_flushed`). Errors name the LSN and the table.
  Status ReplayRecord(uint64_t lsn, std::string_view payload, const std::map<int64_t, uint64_t>& table_flushed,
                      std::optional<uint32_t> only_table = std::nullopt);
  // Recovery's first pass (db_schema.cc): the create records (CreateTable), schema records
  // (AddColumn) and policy records (SetTablePolicy) after the flushed LSN, applied in LSN order before any row is
  // replayed, since the hot tier holds a table's rows in one schema and a row's table must be known. A create record's
  // tables that the catalog lacks are created with the record's ids (those it has, same id and name, are skipped); a
  // schema record whose schema extends the table's updates the catalog; one the table has already, or more, is skipped
  // (a read-only open changes the tables in memory only). Anything else is Corruption naming the record's LSN and the
  // table. Reads the WAL after `wal.after_lsn` once, decoding nothing but those records; *last_lsn is raised to the LSN
  // of the last one.
  Status ApplyWalSchemas(const WalReadOptions& wal, uint64_t* last_lsn) EXCLUDES(tables_mu_);
  Status ApplyWalSchema(const SchemaRecord& rec, const std::string& where) EXCLUDES(tables_mu_);
  Status ApplyWalCreate(const std::vector<CreatedTable>& tables, const std::string& where) EXCLUDES(tables_mu_);
  // A policy record (SetTablePolicy): its derived tables as ApplyWalCreate, then the table's
  // policy when the catalog's differs.
  Status ApplyWalPolicy(const PolicyRecord& rec, const std::string& where) EXCLUDES(tables_mu_);
  // Before a create or schema record is written: the catalog's kWalDdlLsnSetting (layout.h) says
  // "pending", so that an open after a crash reads the log for it. After the catalog has the
  // change: the WAL's last LSN, at or after the record's.
  Status NoteWalDdl();
  Status NoteWalDdlDone() REQUIRES(tier_op_mu_);
  // The commit point of a DDL change (CreateTable, AddColumn, SetTablePolicy): NoteWalDdl, then
  // `record` appended and synced. Errors say what `where` left: nothing changed, or `thing` there
  // after a reopen if the record reached the disk. The caller then commits the catalog and calls
  // NoteWalDdlDone in the same transaction.
  Status LogDdlRecord(std::string_view record, const std::string& where, std::string_view kind, std::string_view thing)
      REQUIRES(tier_op_mu_);
  // A read-only open replays no rows at open: each table's WAL records reach its hot tier the
  // first time the table is read (scans, Latest, Symbols; Stats: every table), so a process that
  // reads one table never holds the others' hot rows.
  Status EnsureReplayed(uint32_t table_id) EXCLUDES(lazy_mu_, catch_up_mu_, flushed_mu_);
  Status EnsureAllReplayed() EXCLUDES(lazy_mu_, catch_up_mu_, flushed_mu_, tables_mu_);

  // Tables (database.cc).
  Status RegisterTable(const TableInfo& info) EXCLUDES(tables_mu_);
  Result<std::shared_ptr<const OpenTable>> TableByName(std::string_view name) EXCLUDES(tables_mu_);
  Result<std::shared_ptr<const OpenTable>> TableById(uint32_t id) EXCLUDES(tables_mu_);
  // Creates the derived bar tables the policy of `source` declares that do not exist yet, and
  // returns them; AlreadyExists naming the table when a bar table's name is taken by a table that
  // is not derived from `source`. Meant to run inside the caller's catalog transaction.
  Result<std::vector<TableInfo>> CreateDerivedBarTables(const TableDef& source);
  // The derived bar tables of `source` that the catalog lacks (the same checks, nothing created).
  Result<std::vector<TableDef>> MissingDerivedBarTables(const TableDef& source);
  // The derived bar tables the policy of `source` declares (src/tier/derived_bars.h): creates
  // the missing ones (in one transaction) and recomputes their bars from the rows already in warm
  // and cold.
  Status SyncDerivedBars(const TableInfo& source) EXCLUDES(tier_op_mu_);

  // Flushing (db_flush.cc).
  void SignalFlusher() EXCLUDES(flusher_mu_);
  void FlusherLoop() EXCLUDES(flusher_mu_);
  // The WAL writer for a tier operation: Close resets wal_ holding tier_op_mu_ (after setting
  // closed_), so a tier operation that checked closed_ under tier_op_mu_ may use it without the
  // append gate.
  WalWriter* WalForTierOp() REQUIRES(tier_op_mu_);
  // A flush's LSN cut: every record at or below it is in the hot tier (appends hold the gate
  // shared while they append and insert) and, once this returns, fsynced in the WAL, so that a
  // flushed LSN the catalog commits never runs ahead of the durable log (a power loss would
  // otherwise leave the log ending below it). Refuses when the WAL writer has failed: the cut
  // would include appends that were never acknowledged.
  Result<uint64_t> FlushCut(bool reset_age) REQUIRES(tier_op_mu_) EXCLUDES(append_gate_);
  // Flush and FlushTable: the hot rows appended so far of every table (`only_table` empty) or
  // of one. Every table: the cut becomes the global flushed LSN and WAL segments wholly at or
  // below it are deleted. One table: the cut becomes that table's flushed LSN; no segment is
  // deleted.
  Result<TierRunResult> FlushLocked(std::optional<uint32_t> only_table) REQUIRES(tier_op_mu_) EXCLUDES(flushed_mu_);
  // Deletes WAL segments wholly at or below `flushed`, and with a WAL archive set only archived ones.
  Status RemoveFlushedSegments(uint64_t flushed) REQUIRES(tier_op_mu_);
  // Stamps files.verified_at of `ids` now, in one transaction, for a read-only open: through a
  // writable catalog handle of its own (only these rows change; a writer in another process goes
  // on). False when the catalog cannot be written (read-only media).
  bool RecordVerified(const std::vector<int64_t>& ids);
  // Verify's Iceberg check: problems of metadata that lags the catalog (src/iceberg).
  Status CheckIceberg(VerifyReport* report) EXCLUDES(tier_op_mu_);

  // Reading (db_read.cc).
  Result<FlushedState> ReadFlushedState();
  // A read-only process: rows a writer flushed since we replayed the WAL are in warm files now.
  // Returns the catalog state whose flushes the hot tier now reflects.
  Result<FlushedState> CatchUpWithFlushes() EXCLUDES(catch_up_mu_, flushed_mu_);
  // The last row a scan of the series returns at `ts`: the rows at that ts with duplicates
  // dropped by the scan's rule (tier/dedup.h, first arrival wins), in arrival order. False when the
  // scan has no row there.
  Result<bool> LatestByScan(const std::string& table, std::string_view symbol, int64_t ts, RecordBatch* out);

  const std::string root_;
  const Options options_;
  FileSystem* fs_ = nullptr;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<HotTier> hot_;
  std::unique_ptr<ObjectStore> cold_;
  std::unique_ptr<iceberg::IcebergCommitter> iceberg_;  // Iceberg metadata (src/iceberg)
  std::unique_ptr<tier::TierStore> tier_;
  SyncPolicy sync_policy_;
  uint64_t segment_bytes_ = 64ull << 20;
  uint64_t last_replayed_lsn_ = 0;
  uint64_t lsn_at_open_ = 0;  // the writer's last LSN before its first append

  Mutex close_mu_;
  std::atomic<bool> closed_{false};

  SharedMutex ddl_gate_;
  // Columns added by this process (AddColumn): until the first, no appender can hold a table
  // whose schema is out of date, and AppendRecord skips the check.
  std::atomic<uint64_t> columns_added_{0};
  SharedMutex append_gate_;
  std::unique_ptr<WalWriter> wal_ GUARDED_BY(append_gate_);

  Mutex tier_op_mu_;
  // Set when a create record is in the WAL but its catalog commit failed: the record holds table
  // ids the catalog may hand out again, so no table is created until the database is reopened.
  Status ddl_broken_ GUARDED_BY(tier_op_mu_);
  std::shared_mutex view_mu_;
  Mutex catch_up_mu_;
  Mutex lazy_mu_;
  std::set<uint32_t> replayed_tables_ GUARDED_BY(lazy_mu_);  // read-only: tables whose WAL records are in hot_
  // Every WAL record at or below it is in warm files (written under view_mu_ exclusive).
  std::atomic<uint64_t> flushed_lsn_{0};
  Mutex flushed_mu_;
  // Per-table flushed LSNs above flushed_lsn_ (FlushTable).
  std::map<int64_t, uint64_t> table_flushed_ GUARDED_BY(flushed_mu_);

  // When the oldest unflushed row was appended (0: none); the age trigger.
  std::atomic<int64_t> first_unflushed_ns_{0};
  std::atomic<bool> pressure_{false};  // the hot tier asked for a flush
  Mutex flusher_mu_;
  std::condition_variable_any flusher_cv_;
  bool stop_flusher_ GUARDED_BY(flusher_mu_) = false;
  std::thread flusher_;

  // Files that open scan cursors may still read: their deletion waits (see db/scan.h).
  std::shared_ptr<FilePins> pins_ = std::make_shared<FilePins>();
  std::shared_ptr<ReaderCache> readers_ = std::make_shared<ReaderCache>();

  // Append listeners (NotifyListeners): the list is replaced, never changed in place, so a turn
  // holding a copy calls a stable list. Changed with append_gate_ exclusive and dispatch_mu_.
  using ListenerList = std::vector<std::shared_ptr<AppendListener>>;
  std::atomic<bool> has_listeners_{false};
  std::mutex dispatch_mu_;
  std::condition_variable dispatch_cv_;
  uint64_t dispatched_lsn_ = 0;                    // guarded by dispatch_mu_
  std::shared_ptr<const ListenerList> listeners_;  // guarded by dispatch_mu_

  SharedMutex tables_mu_;
  std::map<std::string, std::shared_ptr<const OpenTable>, std::less<>> tables_by_name_ GUARDED_BY(tables_mu_);
  std::map<uint32_t, std::shared_ptr<const OpenTable>> tables_by_id_ GUARDED_BY(tables_mu_);
};

}  // namespace strata::db
