// Database: ties the catalog, the write-ahead log and the hot tier together.
//
// Write path: Appender::Append validates the batch, encodes it into a WAL record, waits for the
// WAL to say durable (group commit, fsync policy), then inserts the rows into the hot tier.
// Open: take the write lock, open the catalog, replay WAL records after the flushed LSN into the
// hot tier (truncating a torn tail), then start a new WAL segment. Read-only opens skip the lock
// and never modify anything: they replay the WAL up to whatever a writer has written so far.
#include "strata/database.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "db/scan.h"
#include "db/wal_record.h"
#include "hot/hot_tier.h"
#include "objstore/object_store.h"
#include "strata/timestamp.h"
#include "tier/dedup.h"
#include "tier/derived_bars.h"
#include "tier/lake.h"
#include "tier/policy.h"
#include "tier/tier_store.h"
#include "wal/batch_codec.h"
#include "wal/wal.h"

namespace strata {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

  Status OpenAll() {
    fs_ = options_.fs != nullptr ? options_.fs : DefaultFileSystem();
    ASSIGN_OR_RETURN(bool exists, fs_->Exists(layout::CatalogPath(root_)));
    if (!exists) {
      return Status::NotFound("no strata database at " + root_ + " (create one with `strata init --root " + root_ +
                              "`)");
    }
    if (!options_.read_only) {
      std::string note = "process " + std::to_string(::getpid());
      if (!options_.process_note.empty()) note += " (" + options_.process_note + ")";
      note += " since " + FormatTimestamp(NowNs());
      auto lock = fs_->TryLock(layout::LockPath(root_), note);
      if (!lock.ok()) {
        if (lock.status().code() == StatusCode::kBusy) {
          return Status::Busy("database " + root_ + " is already open for writing (" + lock.status().message() +
                              "); open it read-only or stop that process");
        }
        return lock.status();
      }
      lock_ = std::move(*lock);
    }
    ASSIGN_OR_RETURN(catalog_, Catalog::Open(layout::CatalogPath(root_), options_.read_only));

    std::string fsync = options_.fsync;
    if (fsync.empty()) {
      ASSIGN_OR_RETURN(auto stored, catalog_->GetSetting(layout::kFsyncSetting));
      fsync = stored.value_or("interval=10");
    }
    ASSIGN_OR_RETURN(sync_policy_, SyncPolicy::Parse(fsync));
    ASSIGN_OR_RETURN(auto seg, catalog_->GetSetting(layout::kSegmentBytesSetting));
    if (seg) segment_bytes_ = std::stoull(*seg);

    HotTier::Options hot_options;
    hot_options.memory_budget_bytes = options_.hot_memory_budget_bytes;
    hot_options.on_pressure = [this](size_t) { SignalFlusher(); };
    hot_ = std::make_unique<HotTier>(std::move(hot_options));
    ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
    for (const TableInfo& t : tables) RETURN_IF_ERROR(RegisterTable(t));
    RETURN_IF_ERROR(Recover());
    for (const HotTableStats& hs : hot_->Stats()) {
      if (hs.rows > 0) first_unflushed_ns_.store(Now(), std::memory_order_relaxed);  // replayed rows age too
    }

    std::string cold_location = options_.cold_location;
    if (cold_location.empty()) {
      ASSIGN_OR_RETURN(auto stored, catalog_->GetSetting(layout::kColdLocationSetting));
      cold_location = stored.value_or("");
    }
    if (cold_location.empty()) {
      cold_ = NewLocalObjectStore(fs_, layout::ColdDir(root_));
    } else {
      auto cold = OpenObjectStore(cold_location, fs_, S3Options{});
      if (!cold.ok()) return cold.status().WithContext("opening the cold tier at " + cold_location);
      cold_ = std::move(cold).value();
    }
    tier::TierStoreOptions to;
    to.fs = fs_;
    to.root = root_;
    to.catalog = catalog_.get();
    to.cold = cold_.get();
    to.view_mu = &view_mu_;
    to.default_warm_codec = options_.warm_codec;
    to.default_max_warm_parts = options_.max_warm_parts;
    to.on_warning = [this](std::string_view msg) { Warn(msg); };
    to.file_in_use = [pins = pins_](int64_t id) { return pins->IsPinned(id); };
    to.clock = options_.clock;
    to.encode_quarantine = [](int64_t table_id, const RecordBatch& rows) {
      std::string payload;  // a WAL rows record: the rows exactly as appended, with their table
      EncodeRowsRecord(static_cast<uint32_t>(table_id), rows, &payload);
      return payload;
    };
    tier_ = std::make_unique<tier::TierStore>(std::move(to));
    if (options_.read_only) return Status::OK();
    RETURN_IF_ERROR(tier_->FinishInterruptedRuns().status());
    if (options_.clean_orphans_on_open) {
      RETURN_IF_ERROR(tier_->CleanupOnOpen().WithContext("cleaning files an earlier crash left in " + root_));
    }
    // A crash between creating a table and its derived bar tables: create and build them now.
    for (const TableInfo& t : tables) {
      ASSIGN_OR_RETURN(std::vector<TableDef> defs, tier::DerivedBarTableDefs(t.def));
      for (const TableDef& d : defs) {
        if (!catalog_->GetTable(d.name).ok()) {
          RETURN_IF_ERROR(SyncDerivedBars(t));
          break;
        }
      }
    }
    if (options_.background_flush) flusher_ = std::thread([this] { FlusherLoop(); });
    return Status::OK();
  }

  void SignalFlusher() {
    if (pressure_.exchange(true, std::memory_order_relaxed)) return;
    std::lock_guard lock(flusher_mu_);
    flusher_cv_.notify_one();
  }

  int64_t Now() const { return options_.clock ? options_.clock() : NowNs(); }

  std::string FlushTrigger() override {
    if (options_.read_only || closed_.load(std::memory_order_acquire)) return "";
    const size_t used = hot_->used_bytes();
    if (static_cast<double>(used) >
        options_.flush_memory_fraction * static_cast<double>(options_.hot_memory_budget_bytes)) {
      return "memory: the hot tier holds " + std::to_string(used) + " bytes";
    }
    const int64_t first = first_unflushed_ns_.load(std::memory_order_relaxed);
    if (first != 0 && Now() - first >= options_.flush_age_ms * 1'000'000) {
      return "age: the oldest unflushed row was appended " + std::to_string((Now() - first) / 1'000'000) + " ms ago";
    }
    for (const HotTableStats& hs : hot_->Stats()) {
      uint64_t rows = options_.flush_rows, series_rows = options_.flush_series_rows,
               series_bytes = options_.flush_series_bytes;
      auto t = TableById(hs.table_id);
      if (!t.ok()) continue;
      const std::string& name = (*t)->def.name;
      auto policy = tier::TablePolicy::Parse((*t)->def.policy_json);
      if (policy.ok()) {
        if (policy->flush_rows) rows = static_cast<uint64_t>(*policy->flush_rows);
        if (policy->flush_series_rows) series_rows = static_cast<uint64_t>(*policy->flush_series_rows);
        if (policy->flush_series_bytes) series_bytes = static_cast<uint64_t>(*policy->flush_series_bytes);
      }
      if (rows > 0 && hs.rows >= rows) return "rows: table " + name + " has " + std::to_string(hs.rows) + " hot rows";
      if (series_rows > 0 && hs.max_series_rows >= series_rows) {
        return "series rows: a series of table " + name + " has " + std::to_string(hs.max_series_rows) + " hot rows";
      }
      if (series_bytes > 0 && hs.max_series_rows > 0 && hs.max_series_bytes >= series_bytes) {
        return "series bytes: a series of table " + name + " holds " + std::to_string(hs.max_series_bytes) + " bytes";
      }
    }
    return "";
  }

  Result<std::optional<TierRunResult>> FlushIfDue() override {
    RETURN_IF_ERROR(CheckWritable());
    if (FlushTrigger().empty()) return std::optional<TierRunResult>();
    ASSIGN_OR_RETURN(TierRunResult r, Flush());
    return std::optional<TierRunResult>(std::move(r));
  }

  void FlusherLoop() {
    std::unique_lock lock(flusher_mu_);
    while (!stop_flusher_) {
      flusher_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, options_.flush_check_interval_ms)),
                           [&] { return stop_flusher_ || pressure_.load(std::memory_order_relaxed); });
      if (stop_flusher_) break;
      lock.unlock();
      pressure_.store(false, std::memory_order_relaxed);
      auto r = FlushIfDue();
      if (!r.ok()) Warn("background flush failed: " + r.status().ToString());
      lock.lock();
    }
  }

  // A read-only open reads the flushed LSN, then the WAL; a writer flushing and removing
  // segments in between makes the WAL look truncated. Start over when the flushed LSNs moved.
  Status Recover() {
    for (int attempt = 1;; ++attempt) {
      Status st = RecoverOnce();
      if (st.ok() || !options_.read_only || attempt >= kMaxReadRetries) return st;
      ASSIGN_OR_RETURN(FlushedState now, ReadFlushedState());
      if (now.global == flushed_lsn_ && now.tables == table_flushed_) return st;
      RETURN_IF_ERROR(hot_->DropUpTo(std::numeric_limits<uint64_t>::max()));
    }
  }

  // One WAL record into the hot tier. Errors name the LSN and the table.
  Status ReplayRecord(uint64_t lsn, std::string_view payload) {
    const std::string where = "WAL record LSN " + std::to_string(lsn);
    auto parts = ParseRecordParts(payload);
    if (!parts.ok()) return parts.status().WithContext(where);
    // A multi-table record is decoded whole before any of it reaches the hot tier: a part that
    // cannot be replayed leaves none of the transaction applied.
    std::vector<std::pair<uint32_t, RecordBatch>> decoded;
    for (const RowsRecordHeader& rec : *parts) {
      if (auto it = table_flushed_.find(rec.table_id); it != table_flushed_.end() && lsn <= it->second) continue;
      auto table = TableById(rec.table_id);
      if (!table.ok()) return table.status().WithContext(where);
      const std::string what = where + " (table " + (*table)->def.name + ")";
      auto batch = DecodeBatch(rec.encoded_batch, (*table)->def.schema.fields());
      if (!batch.ok()) return batch.status().WithContext(what);
      decoded.emplace_back((*table)->id, std::move(batch).value());
    }
    for (const auto& [id, batch] : decoded) {
      Status st = hot_->Insert(id, batch, lsn);
      if (!st.ok()) {
        auto table = TableById(id);
        return st.WithContext(where + " (table " + (table.ok() ? (*table)->def.name : std::to_string(id)) +
                              ") refused by the hot tier");
      }
    }
    return Status::OK();
  }

  Status RecoverOnce() {
    ASSIGN_OR_RETURN(WalState wal_state, catalog_->GetWalState());
    flushed_lsn_ = wal_state.flushed_lsn;
    // Tables flushed on their own since: their records up to their LSN are in warm files already.
    ASSIGN_OR_RETURN(table_flushed_, catalog_->GetTableFlushedLsns());
    WalReadOptions ro;
    ro.fs = fs_;
    ro.dir = layout::WalDir(root_);
    ro.after_lsn = wal_state.flushed_lsn;
    ro.repair = !options_.read_only;
    ASSIGN_OR_RETURN(bool wal_exists, fs_->Exists(ro.dir));
    bool loss_accepted = false;
    const std::string accept_hint =
        "restore it, or open with --accept-wal-loss (Options::accept_wal_loss) to go on without those rows";
    if (!wal_exists) {
      std::string msg = "the write-ahead log directory " + ro.dir + " is missing: rows appended after LSN " +
                        std::to_string(wal_state.flushed_lsn) + " (the last flush) are lost; " + accept_hint;
      if (!options_.accept_wal_loss) return Status::NotFound(msg);
      Warn("accepted: " + msg);
      loss_accepted = true;
    }
    uint64_t wal_last = 0;  // the log's last LSN (0: no segment)
    uint64_t wal_segments = 0;
    uint64_t skipped = 0;
    if (wal_exists) {
      auto replay = [&](uint64_t lsn, std::string_view payload) -> Status {
        Status st = ReplayRecord(lsn, payload);
        if (st.ok()) return st;
        if (!options_.skip_bad_wal_records) {
          return Status(st.code(), st.message() +
                                       "; to open anyway, skip such records (their rows are lost) with "
                                       "--skip-bad-wal-records (Options::skip_bad_wal_records)");
        }
        ++skipped;
        Warn("skipped " + st.message());
        return Status::OK();
      };
      auto result = ReadWal(ro, replay);
      if (!result.ok()) return result.status().WithContext("recovering the write-ahead log of " + root_);
      for (const std::string& w : result->warnings) Warn(w);
      wal_last = result->last_lsn;
      wal_segments = result->segments;
    }
    if (skipped > 0) {
      Warn("skipped " + std::to_string(skipped) + " WAL record(s) that could not be replayed; they stay in the log " +
           "until a flush covers them (`strata flush`)");
    }
    // What the log and the flushes account for must reach what the last clean close made durable.
    const uint64_t end = std::max(wal_last, wal_state.flushed_lsn);
    if (wal_exists && end < wal_state.durable_lsn) {
      std::string msg = "the write-ahead log in " + ro.dir + " ends at LSN " + std::to_string(end) + " but LSN " +
                        std::to_string(wal_state.durable_lsn) + " was durable at the last clean close: records " +
                        std::to_string(end + 1) + ".." + std::to_string(wal_state.durable_lsn) +
                        " are missing (a deleted or older segment?); " + accept_hint;
      if (!options_.accept_wal_loss) return Status::Corruption(msg);
      Warn("accepted: " + msg);
      loss_accepted = true;
    }
    last_replayed_lsn_ = end;
    if (options_.read_only) return Status::OK();
    if (loss_accepted && end < wal_state.durable_lsn) {
      RETURN_IF_ERROR(catalog_->SetDurableLsn(end).WithContext("recording the accepted WAL loss"));
    }
    // The next LSN is above every flushed cut: a reused LSN at or below a table's cut would be
    // skipped by the next replay although it was acknowledged.
    uint64_t last = end;
    for (const auto& [id, lsn] : table_flushed_) last = std::max(last, lsn);
    if (last > wal_last && wal_segments > 0 && !loss_accepted) {
      Warn("the write-ahead log ends at LSN " + std::to_string(wal_last) + ", below LSN " + std::to_string(last) +
           " that a flush recorded: the records in between were not synced before a power failure (rows of tables "
           "flushed past them are in warm files); new records start at LSN " +
           std::to_string(last + 1));
    }
    RETURN_IF_ERROR(fs_->CreateDirs(ro.dir));
    WalOptions wo;
    wo.fs = fs_;
    wo.dir = ro.dir;
    wo.sync = sync_policy_;
    wo.segment_bytes = segment_bytes_;
    ASSIGN_OR_RETURN(wal_, WalWriter::Open(wo, last + 1, /*after_gap=*/last > wal_last));
    lsn_at_open_ = last;
    return Status::OK();
  }

  void Warn(std::string_view msg) {
    if (options_.on_warning) {
      options_.on_warning(msg);
    } else {
      std::fprintf(stderr, "strata: warning: %.*s\n", static_cast<int>(msg.size()), msg.data());
    }
  }

  Status RegisterTable(const TableInfo& info) {
    auto table = std::make_shared<OpenTable>(OpenTable{static_cast<uint32_t>(info.id), info.def});
    RETURN_IF_ERROR(hot_->AddTable(table->id, table->def.schema));
    std::unique_lock lock(tables_mu_);
    tables_by_name_[info.def.name] = table;
    tables_by_id_[table->id] = table;
    return Status::OK();
  }

  Result<std::shared_ptr<const OpenTable>> TableByName(std::string_view name) {
    {
      std::shared_lock lock(tables_mu_);
      auto it = tables_by_name_.find(name);  // heterogeneous: no allocation on the Latest path
      if (it != tables_by_name_.end()) return it->second;
    }
    // Another process may have created it since we opened.
    ASSIGN_OR_RETURN(TableInfo info, catalog_->GetTable(name));
    RETURN_IF_ERROR(RegisterTable(info));
    return TableByName(name);
  }

  Result<std::shared_ptr<const OpenTable>> TableById(uint32_t id) {
    {
      std::shared_lock lock(tables_mu_);
      auto it = tables_by_id_.find(id);
      if (it != tables_by_id_.end()) return it->second;
    }
    auto info = catalog_->GetTableById(id);
    if (!info.ok())
      return Status::Corruption("WAL record names table id " + std::to_string(id) + " which the catalog does not know");
    RETURN_IF_ERROR(RegisterTable(*info));
    return TableById(id);
  }

  Status ClosedError() const { return Status::InvalidArgument("database " + root_ + " is closed"); }

  Status CheckWritable() const {
    if (options_.read_only) return Status::InvalidArgument("database " + root_ + " is open read-only");
    if (closed_.load(std::memory_order_acquire)) return ClosedError();
    return Status::OK();
  }

  // A flush's LSN cut: every record at or below it is in the hot tier (appends hold the gate
  // shared while they append and insert) and, once this returns, fsynced in the WAL, so that a
  // flushed LSN the catalog commits never runs ahead of the durable log (a power loss would
  // otherwise leave the log ending below it). Refuses when the WAL writer has failed: the cut
  // would include appends that were never acknowledged.
  // REQUIRES: tier_op_mu_ held (Close cannot reset wal_ meanwhile).
  Result<uint64_t> FlushCut(bool reset_age) {
    if (closed_.load(std::memory_order_acquire)) return ClosedError();
    uint64_t cut;
    {
      std::unique_lock gate(append_gate_);
      cut = wal_->last_lsn();
      if (reset_age) first_unflushed_ns_.store(0, std::memory_order_relaxed);
    }
    Status synced = wal_->Sync();
    if (!synced.ok()) {
      if (reset_age) first_unflushed_ns_.store(Now(), std::memory_order_relaxed);
      return Status(synced.code(), "flush refused: the write-ahead log cannot be made durable up to LSN " +
                                       std::to_string(cut) + " (" + synced.message() +
                                       "); reopen the database to recover from the log");
    }
    if (wal_->synced_lsn() < cut) {
      return Status::Internal("flush: the write-ahead log is synced to LSN " + std::to_string(wal_->synced_lsn()) +
                              ", below the cut " + std::to_string(cut));
    }
    return cut;
  }

  Status CreateTable(const TableDef& def) override {
    RETURN_IF_ERROR(CheckWritable());
    RETURN_IF_ERROR(def.Validate());
    RETURN_IF_ERROR(tier::DerivedBarTableDefs(def).status());
    // The table and its derived bar tables in one transaction: a clash creates nothing.
    TableInfo info;
    std::vector<TableInfo> created;
    RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(info, catalog_->CreateTable(def));
      ASSIGN_OR_RETURN(created, CreateDerivedBarTables(def));
      return Status::OK();
    }));
    RETURN_IF_ERROR(RegisterTable(info));
    for (const TableInfo& t : created) RETURN_IF_ERROR(RegisterTable(t));
    return Status::OK();  // a new table has no rows to build bars from
  }

  // Creates the derived bar tables the policy of `source` declares that do not exist yet, and
  // returns them; AlreadyExists naming the table when a bar table's name is taken by a table that
  // is not derived from `source`. Meant to run inside the caller's catalog transaction.
  Result<std::vector<TableInfo>> CreateDerivedBarTables(const TableDef& source) {
    ASSIGN_OR_RETURN(std::vector<TableDef> defs, tier::DerivedBarTableDefs(source));
    std::vector<TableInfo> created;
    for (const TableDef& d : defs) {
      auto existing = catalog_->GetTable(d.name);
      if (existing.ok()) {
        if (existing->def.policy_json != d.policy_json) {
          return Status::AlreadyExists("table " + d.name + " exists and is not a bar table derived from " +
                                       source.name + "; nothing was changed (choose other intervals, or rename " +
                                       "that table's data into a new table)");
        }
        continue;
      }
      if (existing.status().code() != StatusCode::kNotFound) return existing.status();
      ASSIGN_OR_RETURN(TableInfo info, catalog_->CreateTable(d));
      created.push_back(std::move(info));
    }
    return created;
  }

  // The derived bar tables the policy of `source` declares (src/tier/derived_bars.h): creates
  // the missing ones (in one transaction) and recomputes their bars from the rows already in warm
  // and cold.
  Status SyncDerivedBars(const TableInfo& source) {
    ASSIGN_OR_RETURN(std::vector<TableDef> defs, tier::DerivedBarTableDefs(source.def));
    if (defs.empty()) return Status::OK();
    std::vector<TableInfo> created;
    RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(created, CreateDerivedBarTables(source.def));
      return Status::OK();
    }));
    for (const TableInfo& t : created) RETURN_IF_ERROR(RegisterTable(t));
    std::lock_guard op(tier_op_mu_);
    return tier_->RebuildBars(source);
  }

  Result<TableDef> GetTable(std::string_view name) override {
    ASSIGN_OR_RETURN(auto t, TableByName(name));
    return t->def;
  }

  Result<std::vector<TableDef>> ListTables() override {
    ASSIGN_OR_RETURN(auto infos, catalog_->ListTables());
    std::vector<TableDef> out;
    for (auto& info : infos) out.push_back(std::move(info.def));
    return out;
  }

  Result<std::unique_ptr<Appender>> NewAppender(std::string_view table) override {
    RETURN_IF_ERROR(CheckWritable());
    ASSIGN_OR_RETURN(auto t, TableByName(table));
    return std::unique_ptr<Appender>(new AppenderImpl(this, std::move(t)));
  }

  Status Append(std::string_view table, const RecordBatch& batch) override {
    ASSIGN_OR_RETURN(auto appender, NewAppender(table));
    return appender->Append(batch);
  }

  Status AppendTo(const OpenTable& table, const RecordBatch& batch, bool validated = false) {
    RETURN_IF_ERROR(CheckWritable());
    if (!validated) {
      RETURN_IF_ERROR(batch.ValidateAgainst(table.def.schema).WithContext("append to " + table.def.name));
    }
    if (batch.num_rows() == 0) return Status::OK();
    thread_local std::string payload;
    EncodeRowsRecord(table.id, batch, &payload);
    // Shared: a flush takes the gate exclusively to pick its LSN cut, so every row at or below the
    // cut is in the hot tier when the flush collects it.
    std::shared_lock gate(append_gate_);
    if (closed_.load(std::memory_order_acquire)) return ClosedError();  // Close() won the race
    ASSIGN_OR_RETURN(uint64_t lsn, wal_->Append(payload));
    if (first_unflushed_ns_.load(std::memory_order_relaxed) == 0) {
      int64_t expected = 0;
      first_unflushed_ns_.compare_exchange_strong(expected, Now(), std::memory_order_relaxed);
    }
    return hot_->Insert(table.id, batch, lsn);
  }

  Status AppendAtomically(const std::vector<TableRows>& batches) override {
    RETURN_IF_ERROR(CheckWritable());
    std::vector<std::pair<std::shared_ptr<const OpenTable>, const RecordBatch*>> tables;
    for (const TableRows& tr : batches) {
      if (tr.batch == nullptr || tr.batch->num_rows() == 0) continue;
      ASSIGN_OR_RETURN(auto t, TableByName(tr.table));
      RETURN_IF_ERROR(tr.batch->ValidateAgainst(t->def.schema).WithContext("append to " + t->def.name));
      tables.emplace_back(std::move(t), tr.batch);
    }
    if (tables.empty()) return Status::OK();
    if (tables.size() == 1) return AppendTo(*tables[0].first, *tables[0].second, /*validated=*/true);
    std::vector<std::pair<uint32_t, const RecordBatch*>> parts;
    for (const auto& [t, b] : tables) parts.emplace_back(t->id, b);
    thread_local std::string payload;
    EncodeMultiRowsRecord(parts, &payload);
    std::shared_lock gate(append_gate_);
    if (closed_.load(std::memory_order_acquire)) return ClosedError();
    ASSIGN_OR_RETURN(uint64_t lsn, wal_->Append(payload));
    if (first_unflushed_ns_.load(std::memory_order_relaxed) == 0) {
      int64_t expected = 0;
      first_unflushed_ns_.compare_exchange_strong(expected, Now(), std::memory_order_relaxed);
    }
    for (const auto& [t, b] : tables) RETURN_IF_ERROR(hot_->Insert(t->id, *b, lsn));
    return Status::OK();
  }

  // How many rows of `batch` duplicate a row that arrived before them (tier/dedup.h): rows of
  // the table in the batch's time range (a scan: every tier, already without duplicates), then the
  // batch's rows in order, in one open-addressing table keyed by (symbol, ts).
  Result<uint64_t> CountDuplicates(const OpenTable& table, const RecordBatch& batch) {
    const size_t n = batch.num_rows();
    if (n == 0) return uint64_t{0};
    const Schema& schema = table.def.schema;
    const size_t ts_col = static_cast<size_t>(schema.ts_index());
    const size_t sym_col = static_cast<size_t>(schema.symbol_index());
    const std::vector<int64_t>& ts = batch.column(ts_col).int64s();
    const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
    ScanRequest req;
    req.table = table.def.name;
    req.from_ts = *lo;
    req.to_ts = *hi == std::numeric_limits<int64_t>::max() ? *hi : *hi + 1;  // above kMaxTimestampNs anyway
    ASSIGN_OR_RETURN(std::vector<RecordBatch> existing, Scan(req));
    const std::vector<int> cols = tier::IdentityColumns(batch.fields(), schema, table.def.dedup_key);
    size_t total = n;
    for (const RecordBatch& b : existing) total += b.num_rows();
    size_t cap = 16;
    while (cap < total * 2) cap <<= 1;
    struct Slot {
      uint64_t key = 0;
      uint32_t src = 0;  // 0 = empty; k = existing[k - 1]; existing.size() + 1 = the batch
      uint32_t row = 0;
    };
    std::vector<Slot> slots(cap);
    const uint32_t self = static_cast<uint32_t>(existing.size() + 1);
    auto source = [&](uint32_t src) -> const RecordBatch& { return src == self ? batch : existing[src - 1]; };
    // True when the row duplicates one already in the table; otherwise it is added.
    auto seen_or_add = [&](uint32_t src, size_t row) {
      const RecordBatch& b = source(src);
      const std::string_view sym = b.column(sym_col).GetString(row);
      const int64_t t = b.column(ts_col).int64s()[row];
      uint64_t key = std::hash<std::string_view>()(sym) * 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(t);
      key ^= key >> 29;
      for (size_t i = key & (cap - 1);; i = (i + 1) & (cap - 1)) {
        Slot& s = slots[i];
        if (s.src == 0) {
          s = {key, src, static_cast<uint32_t>(row)};
          return false;
        }
        if (s.key != key) continue;
        const RecordBatch& o = source(s.src);
        if (o.column(ts_col).int64s()[s.row] == t && o.column(sym_col).GetString(s.row) == sym &&
            tier::SameIdentity(b, row, o, s.row, cols)) {
          return true;
        }
      }
    };
    for (uint32_t k = 0; k < existing.size(); ++k) {
      for (size_t i = 0; i < existing[k].num_rows(); ++i) seen_or_add(k + 1, i);
    }
    uint64_t duplicates = 0;
    for (size_t i = 0; i < n; ++i) duplicates += seen_or_add(self, i) ? 1 : 0;
    return duplicates;
  }

  Result<TierRunResult> Flush() override {
    RETURN_IF_ERROR(CheckWritable());
    std::lock_guard op(tier_op_mu_);
    ASSIGN_OR_RETURN(const uint64_t cut, FlushCut(/*reset_age=*/true));
    TierRunResult result;
    result.flushed_lsn = flushed_lsn_;
    if (cut <= flushed_lsn_) return result;
    std::vector<tier::FlushSeries> input;
    for (HotTier::PendingSeries& s : hot_->PendingUpTo(cut)) {  // copied by the flush threads
      input.push_back(
          {static_cast<int64_t>(s.table_id), std::move(s.symbol), RecordBatch(), std::move(s.load), s.rows_hint});
    }
    auto flushed = tier_->Flush(std::move(input), cut, [&] {
      hot_->DropUpTo(cut).IgnoreError();
      flushed_lsn_ = cut;
      std::erase_if(table_flushed_, [&](const auto& e) { return e.second <= cut; });
    });
    if (!flushed.ok()) {
      if (flushed_lsn_ != cut) first_unflushed_ns_.store(Now(), std::memory_order_relaxed);  // retry by age later
      return flushed.status();
    }
    result = *flushed;
    RETURN_IF_ERROR(wal_->RemoveSegmentsUpTo(cut).WithContext("deleting flushed WAL segments"));
    return result;
  }

  Result<TierRunResult> FlushTable(std::string_view name) override {
    RETURN_IF_ERROR(CheckWritable());
    ASSIGN_OR_RETURN(auto table, TableByName(name));
    std::lock_guard op(tier_op_mu_);
    ASSIGN_OR_RETURN(const uint64_t cut, FlushCut(/*reset_age=*/false));
    const int64_t id = table->id;
    uint64_t done = flushed_lsn_;
    if (auto it = table_flushed_.find(id); it != table_flushed_.end()) done = std::max(done, it->second);
    TierRunResult result;
    result.flushed_lsn = done;
    if (cut <= done) return result;
    std::vector<tier::FlushSeries> input;
    for (HotTier::PendingSeries& s : hot_->PendingUpTo(cut, table->id)) {
      input.push_back({id, std::move(s.symbol), RecordBatch(), std::move(s.load), s.rows_hint});
    }
    auto flushed = tier_->Flush(
        std::move(input), cut,
        [&] {
          hot_->DropUpTo(cut, table->id).IgnoreError();
          table_flushed_[id] = cut;
        },
        id);
    if (!flushed.ok()) return flushed.status();
    return *flushed;
  }

  Result<TierRunResult> Migrate(const MigrateOptions& options) override {
    RETURN_IF_ERROR(CheckWritable());
    std::lock_guard op(tier_op_mu_);
    if (closed_.load(std::memory_order_acquire)) return ClosedError();
    return tier_->Migrate(options);
  }

  Result<TierRunResult> ApplyRetention(std::optional<int64_t> now_ns) override {
    RETURN_IF_ERROR(CheckWritable());
    std::lock_guard op(tier_op_mu_);
    if (closed_.load(std::memory_order_acquire)) return ClosedError();
    return tier_->ApplyRetention(now_ns.value_or(NowNs()));
  }

  Status SetTablePolicy(std::string_view table, std::string_view policy_json) override {
    RETURN_IF_ERROR(CheckWritable());
    ASSIGN_OR_RETURN(tier::TablePolicy update, tier::TablePolicy::Parse(policy_json));
    ASSIGN_OR_RETURN(TableInfo info, catalog_->GetTable(table));
    ASSIGN_OR_RETURN(tier::TablePolicy policy, tier::TablePolicy::Parse(info.def.policy_json));
    policy.MergeFrom(update);
    info.def.policy_json = policy.ToJson();
    if (update.bars) RETURN_IF_ERROR(tier::DerivedBarTableDefs(info.def).status());
    // The policy and the bar tables it declares in one transaction: a failure changes nothing.
    std::vector<TableInfo> created;
    RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
      RETURN_IF_ERROR(catalog_->SetTablePolicy(table, info.def.policy_json));
      if (update.bars) {
        ASSIGN_OR_RETURN(created, CreateDerivedBarTables(info.def));
      }
      return Status::OK();
    }));
    auto updated = std::make_shared<OpenTable>(OpenTable{static_cast<uint32_t>(info.id), info.def});
    std::unique_lock lock(tables_mu_);
    tables_by_name_[info.def.name] = updated;
    tables_by_id_[updated->id] = updated;
    lock.unlock();
    for (const TableInfo& t : created) RETURN_IF_ERROR(RegisterTable(t));
    if (!update.bars) return Status::OK();
    std::lock_guard op(tier_op_mu_);
    return tier_->RebuildBars(info);
  }

  Result<VerifyReport> Verify(const VerifyOptions& options) override {
    VerifyReport report;
    if (options_.read_only) {
      ASSIGN_OR_RETURN(report, tier_->Verify(options));
    } else {
      // The file listing between tier operations, so a part this process is about to commit is
      // never taken for an orphan; the long part (reading and hashing every file) beside them.
      std::unique_lock op(tier_op_mu_);
      ASSIGN_OR_RETURN(report, tier_->Verify(options, [&] { op.unlock(); }));
    }
    RETURN_IF_ERROR(tier_->VerifyQuarantine(&report));
    // A writable catalog took the times as each file passed (TierStore::Verify).
    if (options.record_verified_at && options_.read_only) {
      report.verified_at_recorded = RecordVerified(report.verified_file_ids);
    }
    return report;
  }

  // Stamps files.verified_at of `ids` now, in one transaction, for a read-only open: through a
  // writable catalog handle of its own (only these rows change; a writer in another process goes
  // on). False when the catalog cannot be written (read-only media).
  bool RecordVerified(const std::vector<int64_t>& ids) {
    if (ids.empty()) return true;
    auto writable = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/false);
    if (!writable.ok()) return false;
    Catalog* catalog = writable->get();
    const int64_t now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    Status st = catalog->InTransaction([&]() -> Status {
      for (int64_t id : ids) {
        Status marked = catalog->MarkVerified(id, now);
        // A file retired and removed by a writer since it was checked has no row to stamp.
        if (!marked.ok() && !marked.IsNotFound()) return marked;
      }
      return Status::OK();
    });
    return st.ok();
  }

  Result<std::vector<RecordBatch>> Scan(const ScanRequest& request) override {
    ASSIGN_OR_RETURN(auto cursor, NewScan(request));
    return db::DrainScan(cursor.get());
  }

  Result<std::unique_ptr<ScanCursor>> NewScan(const ScanRequest& request) override {
    if (request.from_ts > request.to_ts) {
      return Status::InvalidArgument("time range is backwards: from " + FormatTimestamp(request.from_ts) +
                                     " is after to " + FormatTimestamp(request.to_ts));
    }
    ASSIGN_OR_RETURN(auto table, TableByName(request.table));
    db::ScanContext ctx;
    ctx.open_file = [tier = tier_.get()](const FileRecord& file) { return tier->OpenReader(file); };
    ctx.catalog = catalog_.get();
    ctx.hot = hot_.get();
    ctx.view_mu = &view_mu_;
    ctx.pins = pins_;
    ctx.readers = readers_;
    if (!options_.read_only) return db::NewScanCursor(ctx, table->id, table->def, request);
    // A read-only process learns of a writer's flushes from the catalog: it drops the flushed rows
    // from its hot tier, then the cursor lists the files. A flush committing in between would put
    // its rows in both; so the flushed LSNs are read again after planning, and the plan is redone
    // until they did not move (flushes are the only commits that move rows out of the hot tier,
    // and every one moves a flushed LSN).
    for (int attempt = 1;; ++attempt) {
      ASSIGN_OR_RETURN(FlushedState before, CatchUpWithFlushes());
      ASSIGN_OR_RETURN(auto cursor, db::NewScanCursor(ctx, table->id, table->def, request));
      ASSIGN_OR_RETURN(FlushedState after, ReadFlushedState());
      if (after == before) return cursor;
      if (attempt >= kMaxReadRetries) {
        return Status::Busy("scan of " + table->def.name + ": the writer of " + root_ + " flushed " +
                            std::to_string(attempt) + " times while the scan was planned; retry");
      }
    }
  }

  static constexpr int kMaxReadRetries = 100;

  // The flushed LSNs in the catalog: the global one and the per-table ones above it.
  struct FlushedState {
    uint64_t global = 0;
    std::map<int64_t, uint64_t> tables;
    bool operator==(const FlushedState&) const = default;
  };
  Result<FlushedState> ReadFlushedState() {
    FlushedState s;
    ASSIGN_OR_RETURN(WalState state, catalog_->GetWalState());
    s.global = state.flushed_lsn;
    ASSIGN_OR_RETURN(s.tables, catalog_->GetTableFlushedLsns());
    return s;
  }

  // A read-only process: rows a writer flushed since we replayed the WAL are in warm files now.
  // Returns the catalog state whose flushes the hot tier now reflects.
  Result<FlushedState> CatchUpWithFlushes() {
    ASSIGN_OR_RETURN(FlushedState state, ReadFlushedState());
    std::lock_guard lock(catch_up_mu_);
    if (state.global > flushed_lsn_) {
      std::unique_lock view(view_mu_);
      RETURN_IF_ERROR(hot_->DropUpTo(state.global));
      flushed_lsn_ = state.global;
    }
    for (const auto& [id, lsn] : state.tables) {
      uint64_t& known = table_flushed_[id];
      if (lsn <= std::max<uint64_t>(known, flushed_lsn_)) continue;
      std::unique_lock view(view_mu_);
      Status st = hot_->DropUpTo(lsn, static_cast<uint32_t>(id));
      if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
      known = lsn;
    }
    return state;
  }

  // The last row a scan of the series returns at `ts`: the rows at that ts with duplicates
  // dropped by the scan's rule (tier/dedup.h, first arrival wins), in arrival order. False when the
  // scan has no row there.
  Result<bool> LatestByScan(const std::string& table, std::string_view symbol, int64_t ts, RecordBatch* out) {
    if (ts == std::numeric_limits<int64_t>::max()) return false;  // [ts, ts + 1) is not expressible
    ScanRequest req;
    req.table = table;
    req.symbols = {std::string(symbol)};
    req.from_ts = ts;
    req.to_ts = ts + 1;
    ASSIGN_OR_RETURN(std::vector<RecordBatch> batches, Scan(req));
    for (auto it = batches.rbegin(); it != batches.rend(); ++it) {
      if (it->num_rows() == 0) continue;
      *out = it->Slice(it->num_rows() - 1, 1);
      return true;
    }
    return false;
  }

  Status Latest(std::string_view table, std::string_view symbol, RecordBatch* out) override {
    bool tied = false;
    {
      // The hot path: the table's id without copying its shared_ptr (an atomic increment and
      // decrement are a tenth of this call's budget).
      std::shared_lock lock(tables_mu_);
      auto it = tables_by_name_.find(table);
      if (it != tables_by_name_.end()) {
        const uint32_t id = it->second->id;
        lock.unlock();
        Status st = hot_->Latest(id, symbol, out, &tied);
        if (st.ok() && !tied) return st;
        if (st.code() != StatusCode::kNotFound && !st.ok()) return st;
      }
    }
    ASSIGN_OR_RETURN(auto t, TableByName(table));
    Status st = hot_->Latest(t->id, symbol, out, &tied);
    if (st.ok() && tied) {
      // Other rows share the latest ts: answer as a scan does (one rule for duplicates everywhere).
      const int64_t ts = out->column(t->def.schema.ts_index()).int64s()[0];
      ASSIGN_OR_RETURN(bool found, LatestByScan(t->def.name, symbol, ts, out));
      if (found) return Status::OK();
      return hot_->Latest(t->id, symbol, out);
    }
    if (st.code() != StatusCode::kNotFound) return st;
    // Flushed: the newest row of the file with the greatest max_ts. A compaction or migration (in
    // another process, or this one: Latest pins nothing) may retire and delete that file between
    // the listing and the read; then list again. A file still listed as live is really missing.
    for (int attempt = 1;; ++attempt) {
      FileQuery q;
      q.table_id = t->id;
      q.symbol = std::string(symbol);
      ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
      if (files.empty()) return st;
      const FileRecord* best = &files[0];
      for (const FileRecord& f : files) {
        if (f.max_ts > best->max_ts) best = &f;
      }
      // Several files may hold rows at that ts (parts of a series-day, a warm and a cold copy):
      // the scan's merge drops duplicates across them as for every other read (and lists again).
      ASSIGN_OR_RETURN(bool found, LatestByScan(t->def.name, symbol, best->max_ts, out));
      if (found) return Status::OK();
      parquet::ReadOptions ro;
      ro.time_range =
          parquet::TimeRange{t->def.schema.field(t->def.schema.ts_index()).name, best->max_ts,
                             best->max_ts == std::numeric_limits<int64_t>::max() ? best->max_ts : best->max_ts + 1};
      Result<RecordBatch> b = tier_->Read(*best, ro);
      if (b.ok()) {
        if (b->num_rows() == 0) return Status::Corruption("file " + best->uri + " has no row at its recorded max_ts");
        *out = b->Slice(b->num_rows() - 1, 1);
        return Status::OK();
      }
      if (!b.status().IsNotFound() || attempt >= 8) return b.status();
      ASSIGN_OR_RETURN(auto now_live, catalog_->ListFiles(q));
      const int64_t id = best->id;
      if (std::any_of(now_live.begin(), now_live.end(), [id](const FileRecord& f) { return f.id == id; })) {
        return b.status();
      }
    }
  }

  Result<std::vector<std::string>> Symbols(std::string_view table) override {
    ASSIGN_OR_RETURN(auto t, TableByName(table));
    std::set<std::string> all;
    for (std::string& s : hot_->Symbols(t->id)) all.insert(std::move(s));
    FileQuery q;
    q.table_id = t->id;
    ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
    for (const FileRecord& f : files) all.insert(f.symbol);
    return std::vector<std::string>(all.begin(), all.end());
  }

  Result<DatabaseStats> Stats() override {
    DatabaseStats stats;
    stats.fsync = sync_policy_.ToString();
    stats.flushed_lsn = flushed_lsn_;
    {
      std::shared_lock gate(append_gate_);  // Close resets wal_ under the gate
      stats.last_lsn = wal_ ? wal_->last_lsn() : last_replayed_lsn_;
    }
    std::string wal_dir = layout::WalDir(root_);
    ASSIGN_OR_RETURN(bool wal_exists, fs_->Exists(wal_dir));
    if (wal_exists) {
      ASSIGN_OR_RETURN(auto names, fs_->ListDir(wal_dir));
      for (const std::string& n : names) {
        if (n.size() < 4 || n.substr(n.size() - 4) != ".log") continue;
        ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(JoinPath(wal_dir, n)));
        stats.wal_bytes += size;
        ++stats.wal_segments;
      }
    }
    ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
    std::vector<HotTableStats> hot = hot_->Stats();
    for (const TableInfo& info : tables) {
      TableStats ts;
      ts.table = info.def.name;
      TierStats h{"hot"};
      for (const HotTableStats& hs : hot) {
        if (hs.table_id == static_cast<uint32_t>(info.id)) {
          h.rows = hs.rows;
          h.bytes = hs.bytes;
          h.series = hs.series;
        }
      }
      ts.tiers.push_back(h);
      for (Tier tier : {Tier::kWarm, Tier::kCold}) {
        FileQuery q;
        q.table_id = info.id;
        q.tier = tier;
        ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
        TierStats s{std::string(TierName(tier))};
        std::map<std::string, bool> symbols;
        for (const FileRecord& f : files) {
          s.rows += static_cast<uint64_t>(f.row_count);
          s.bytes += static_cast<uint64_t>(f.bytes);
          symbols[f.symbol] = true;
        }
        s.files = files.size();
        s.series = symbols.size();
        ts.tiers.push_back(s);
      }
      ASSIGN_OR_RETURN(auto quarantined, catalog_->ListQuarantine(info.id));
      for (const QuarantineRecord& q : quarantined) {
        ts.quarantined_rows += static_cast<uint64_t>(q.row_count);
        ++ts.quarantined_series;
      }
      stats.tables.push_back(std::move(ts));
    }
    return stats;
  }

  HotMemoryUse HotMemory() override { return {hot_->used_bytes(), options_.hot_memory_budget_bytes}; }

  Status Sync() override {
    RETURN_IF_ERROR(CheckWritable());
    std::shared_lock gate(append_gate_);
    if (closed_.load(std::memory_order_acquire)) return ClosedError();
    return wal_->Sync();
  }

  // Safe against concurrent calls (the first closes, later ones return OK) and against
  // concurrent appends, flushes and tier operations: they either finish first or fail with
  // "is closed".
  Status Close() override {
    std::lock_guard closing(close_mu_);
    if (closed_.load(std::memory_order_acquire)) return Status::OK();
    if (flusher_.joinable()) {
      {
        std::lock_guard lock(flusher_mu_);
        stop_flusher_ = true;
      }
      flusher_cv_.notify_all();
      flusher_.join();
    }
    // From here on new appends, flushes and tier operations fail with "is closed" (so that a busy
    // stream of them cannot starve Close); the ones in flight finish first.
    closed_.store(true, std::memory_order_release);
    std::lock_guard op(tier_op_mu_);      // no flush or tier operation is running
    std::unique_lock gate(append_gate_);  // no append is in the WAL writer
    Status st;
    if (wal_) {
      st = wal_->Close();
      // Only when this process appended: otherwise the log ends where it did at open.
      if (st.ok() && wal_->last_lsn() > lsn_at_open_) st = catalog_->SetDurableLsn(wal_->last_lsn());
    }
    wal_.reset();
    gate.unlock();
    lock_.reset();
    return st;
  }

  const std::string& root() const override { return root_; }
  bool read_only() const override { return options_.read_only; }

 private:
  std::string root_;
  Options options_;
  FileSystem* fs_ = nullptr;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<HotTier> hot_;
  std::unique_ptr<WalWriter> wal_;
  SyncPolicy sync_policy_;
  uint64_t segment_bytes_ = 64ull << 20;
  std::atomic<uint64_t> flushed_lsn_{0};
  // Per-table flushed LSNs above flushed_lsn_ (FlushTable). Writers: guarded by tier_op_mu_ after
  // open; read-only opens: by catch_up_mu_.
  std::map<int64_t, uint64_t> table_flushed_;
  uint64_t last_replayed_lsn_ = 0;
  uint64_t lsn_at_open_ = 0;  // the writer's last LSN before its first append
  std::mutex close_mu_;       // one Close at a time
  std::atomic<bool> closed_{false};

  std::unique_ptr<ObjectStore> cold_;
  std::unique_ptr<tier::TierStore> tier_;
  std::shared_mutex append_gate_;  // appends shared; a flush's cut exclusive
  std::shared_mutex view_mu_;      // scans shared; a tier commit + hot drop exclusive
  std::mutex tier_op_mu_;          // one flush / migration / retention at a time
  std::mutex catch_up_mu_;
  std::atomic<int64_t> first_unflushed_ns_{0};
  std::atomic<bool> pressure_{false};
  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool stop_flusher_ = false;  // guarded by flusher_mu_
  std::thread flusher_;
  // Files that open scan cursors may still read: their deletion waits (see db/scan.h).
  std::shared_ptr<db::FilePins> pins_ = std::make_shared<db::FilePins>();
  std::shared_ptr<db::ReaderCache> readers_ = std::make_shared<db::ReaderCache>();

  std::shared_mutex tables_mu_;
  std::map<std::string, std::shared_ptr<const OpenTable>, std::less<>> tables_by_name_;
  std::map<uint32_t, std::shared_ptr<const OpenTable>> tables_by_id_;
};

Status AppenderImpl::Append(const RecordBatch& batch) { return db_->AppendTo(*table_, batch); }

Status AppenderImpl::AppendCounted(const RecordBatch& batch, uint64_t* duplicates) {
  RETURN_IF_ERROR(db_->CheckWritable());
  RETURN_IF_ERROR(batch.ValidateAgainst(table_->def.schema).WithContext("append to " + table_->def.name));
  ASSIGN_OR_RETURN(*duplicates, db_->CountDuplicates(*table_, batch));
  return db_->AppendTo(*table_, batch, /*validated=*/true);
}

}  // namespace

Status Database::Init(const std::string& root, const InitOptions& options, FileSystem* fs) {
  if (fs == nullptr) fs = DefaultFileSystem();
  if (!options.cold_location.empty()) {
    // Refuse a malformed location before anything is created, not at every later open.
    auto store = OpenObjectStore(options.cold_location, fs, S3Options{});
    if (!store.ok()) return store.status().WithContext("cold tier location");
  }
  ASSIGN_OR_RETURN(SyncPolicy policy, SyncPolicy::Parse(options.fsync));
  if (options.wal_segment_bytes < 4096) return Status::InvalidArgument("WAL segment size must be at least 4096 bytes");
  const std::string catalog_path = layout::CatalogPath(root);
  ASSIGN_OR_RETURN(bool exists, fs->Exists(catalog_path));
  if (exists) return Status::AlreadyExists("a strata database already exists at " + root);
  // A directory that holds a database's files but no catalog lost its catalog: a new, empty one
  // would make every file there an orphan of the next writer's open.
  const std::string catalog_wal = std::string(layout::kCatalogFileName) + "-wal";
  for (const std::string& name :
       {std::string(layout::kWalDirName), std::string(layout::kWarmDirName), std::string(layout::kColdDirName),
        std::string(layout::kTmpDirName), std::string(layout::kQuarantineDirName), catalog_wal,
        std::string(layout::kArtifactsDirName)}) {
    const std::string path = JoinPath(root, name);
    ASSIGN_OR_RETURN(bool there, fs->Exists(path));
    if (!there) continue;
    auto entries = fs->ListDir(path);
    if (entries.ok() && entries->empty()) continue;  // an empty directory holds nothing
    return Status::AlreadyExists(root + " holds a strata database's data (" + name +
                                 ") but no catalog; if the catalog was lost, rebuild it with `strata "
                                 "recover-catalog --root " +
                                 root + "`; to start a new database, use an empty directory");
  }
  RETURN_IF_ERROR(fs->CreateDirs(root));
  RETURN_IF_ERROR(fs->CreateDirs(layout::WalDir(root)));
  // Atomic: a failure (a full disk) leaves no catalog rather than an empty one.
  Status st = Catalog::CreateAtomically(fs, catalog_path, [&](Catalog* catalog) -> Status {
    RETURN_IF_ERROR(catalog->PutSetting(layout::kFsyncSetting, policy.ToString()));
    RETURN_IF_ERROR(catalog->PutSetting(layout::kSegmentBytesSetting, std::to_string(options.wal_segment_bytes)));
    if (!options.cold_location.empty()) {
      RETURN_IF_ERROR(catalog->PutSetting(layout::kColdLocationSetting, options.cold_location));
    }
    return Status::OK();
  });
  return st.WithContext("creating the catalog of " + root);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& root, const Options& options) {
  auto db = std::make_unique<DatabaseImpl>(root, options);
  RETURN_IF_ERROR(db->OpenAll());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace strata
