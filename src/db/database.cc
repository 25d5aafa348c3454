// Database: ties the catalog, the write-ahead log and the hot tier together (db_impl.h).
//
// Write path: Appender::Append validates the batch, encodes it into a WAL record, waits for the
// WAL to say durable (group commit, fsync policy), then inserts the rows into the hot tier.
// Open: take the write lock, open the catalog, apply the WAL's create and schema records (tables
// created, columns added) after the flushed LSN unless the catalog has them all, replay its rows
// records into the hot tier (truncating a torn tail), then start a new WAL segment. Read-only opens
// skip the lock and never modify anything: they replay the WAL up to whatever a writer has written
// so far.
// This file: open, recovery, tables, appends, close; db_flush.cc: flushes and tier operations;
// db_read.cc: scans, Latest, stats.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <limits>

#include "catalog/layout.h"
#include "core/engine_metrics.h"
#include "db/db_impl.h"
#include "db/wal_record.h"
#include "strata/timestamp.h"
#include "tier/dedup.h"
#include "tier/derived_bars.h"
#include "tier/policy.h"
#include "wal/batch_codec.h"

namespace strata {
namespace db {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t DatabaseImpl::Now() const { return options_.clock ? options_.clock() : NowNs(); }

Status DatabaseImpl::OpenAll() {
  fs_ = options_.fs != nullptr ? options_.fs : DefaultFileSystem();
  ASSIGN_OR_RETURN(bool exists, fs_->Exists(layout::CatalogPath(root_)));
  if (!exists) {
    return Status::NotFound("no strata database at " + root_ + " (create one with `strata init --root " + root_ + "`)");
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
  if (!options_.read_only && !options_.replica_apply) {
    ASSIGN_OR_RETURN(auto replica_of, catalog_->GetSetting(layout::kReplicaSourceSetting));
    if (replica_of && !replica_of->empty()) {
      return Status::InvalidArgument("database " + root_ + " is a read-only replica of " + *replica_of +
                                     " (strata replica): it takes no writes; read it, or make it a writable "
                                     "primary with `strata replica promote --root " +
                                     root_ + "`");
    }
  }

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
  to.after_catalog_commit = [this](const CatalogChange& change) { iceberg_->AfterCatalogCommit(change); };
  tier_ = std::make_unique<tier::TierStore>(std::move(to));
  iceberg_ = iceberg::NewDatabaseCommitter(
      fs_, root_, catalog_.get(), cold_.get(), [this](const FileRecord& f) { return tier_->OpenReader(f); },
      [this](std::string_view msg) { Warn(msg); });
  if (options_.read_only) return Status::OK();
  RETURN_IF_ERROR(tier_->FinishInterruptedRuns().status());
  if (options_.clean_orphans_on_open) {
    RETURN_IF_ERROR(tier_->CleanupOnOpen().WithContext("cleaning files an earlier crash left in " + root_));
  }
  iceberg_->CatchUp();  // a crash between a catalog commit and its Iceberg commit
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

Status DatabaseImpl::Recover() {
  for (int attempt = 1;; ++attempt) {
    Status st = RecoverOnce();
    if (st.ok() || !options_.read_only || attempt >= kMaxReadRetries) return st;
    ASSIGN_OR_RETURN(FlushedState now, ReadFlushedState());
    {
      MutexLock lock(&flushed_mu_);
      if (now.global == flushed_lsn_ && now.tables == table_flushed_) return st;
    }
    RETURN_IF_ERROR(hot_->DropUpTo(std::numeric_limits<uint64_t>::max()));
  }
}

Status DatabaseImpl::ReplayRecord(uint64_t lsn, std::string_view payload,
                                  const std::map<int64_t, uint64_t>& table_flushed,
                                  std::optional<uint32_t> only_table) {
  const std::string where = "WAL record LSN " + std::to_string(lsn);
  auto parts = ParseRecordParts(payload);
  if (!parts.ok()) return parts.status().WithContext(where);
  // A multi-table record is decoded whole before any of it reaches the hot tier: a part that
  // cannot be replayed leaves none of the transaction applied.
  std::vector<std::pair<uint32_t, RecordBatch>> decoded;
  for (const RowsRecordHeader& rec : *parts) {
    if (only_table && rec.table_id != *only_table) continue;
    if (auto it = table_flushed.find(rec.table_id); it != table_flushed.end() && lsn <= it->second) continue;
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

Status DatabaseImpl::RecoverOnce() {
  ASSIGN_OR_RETURN(WalState wal_state, catalog_->GetWalState());
  flushed_lsn_ = wal_state.flushed_lsn;
  // Tables flushed on their own since: their records up to their LSN are in warm files already.
  using FlushedLsns = std::map<int64_t, uint64_t>;
  ASSIGN_OR_RETURN(const FlushedLsns table_flushed, catalog_->GetTableFlushedLsns());
  {
    MutexLock lock(&flushed_mu_);
    table_flushed_ = table_flushed;
  }
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
    // Tables created and columns added (create and schema records) first: the rows before and
    // after them decode in the widened schema (the earlier ones padded with NULLs). A second pass
    // over the same records, skipped when the catalog says it has every such record's change
    // (layout::kWalDdlLsnSetting is a number: none is pending).
    ASSIGN_OR_RETURN(std::optional<std::string> ddl, catalog_->GetSetting(layout::kWalDdlLsnSetting));
    const bool applied = ddl && !ddl->empty() && ddl->find_first_not_of("0123456789") == std::string::npos;
    if (!applied) {
      uint64_t last_ddl = 0;
      Status schemas = ApplyWalSchemas(ro, &last_ddl);
      if (!schemas.ok()) return schemas.WithContext("recovering the write-ahead log of " + root_);
      if (!options_.read_only) {
        RETURN_IF_ERROR(catalog_->PutSetting(layout::kWalDdlLsnSetting, std::to_string(last_ddl))
                            .WithContext("recording that the catalog has the write-ahead log's create and schema "
                                         "records"));
      }
    }
    auto replay = [&](uint64_t lsn, std::string_view payload) -> Status {
      if (options_.read_only) return Status::OK();  // read lazily, table by table (EnsureReplayed)
      Status st = ReplayRecord(lsn, payload, table_flushed);
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
  for (const auto& [id, lsn] : table_flushed) last = std::max(last, lsn);
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
  ASSIGN_OR_RETURN(std::unique_ptr<WalWriter> wal, WalWriter::Open(wo, last + 1, /*after_gap=*/last > wal_last));
  {
    WriterMutexLock gate(&append_gate_);
    wal_ = std::move(wal);
  }
  lsn_at_open_ = last;
  return Status::OK();
}

Status DatabaseImpl::EnsureReplayed(uint32_t table_id) {
  if (!options_.read_only) return Status::OK();
  MutexLock lazy(&lazy_mu_);
  if (replayed_tables_.count(table_id)) return Status::OK();
  for (int attempt = 1;; ++attempt) {
    // The hot tier first reflects the flushes committed so far; the table's records after them
    // are replayed. A flush committing meanwhile is caught up with by the read that follows
    // (its rows leave the hot tier by LSN); one that deletes a segment under the reader makes it
    // fail: then the table's rows are dropped and read again.
    ASSIGN_OR_RETURN(FlushedState before, CatchUpWithFlushes());
    WalReadOptions ro;
    ro.fs = fs_;
    ro.dir = layout::WalDir(root_);
    ro.after_lsn = before.global;
    ro.repair = false;
    Status st;
    ASSIGN_OR_RETURN(bool wal_exists, fs_->Exists(ro.dir));
    if (wal_exists) {
      uint64_t skipped = 0;
      auto replay = [&](uint64_t lsn, std::string_view payload) -> Status {
        Status r = ReplayRecord(lsn, payload, before.tables, table_id);
        if (r.ok() || !options_.skip_bad_wal_records) {
          return r.ok() ? r
                        : Status(r.code(), r.message() +
                                               "; to open anyway, skip such records (their rows are lost) with "
                                               "--skip-bad-wal-records (Options::skip_bad_wal_records)");
        }
        ++skipped;
        Warn("skipped " + r.message());
        return Status::OK();
      };
      auto result = ReadWal(ro, replay);
      st = result.ok() ? Status::OK() : result.status().WithContext("reading the write-ahead log of " + root_);
    }
    if (st.ok()) {
      replayed_tables_.insert(table_id);
      return st;
    }
    ASSIGN_OR_RETURN(FlushedState now, ReadFlushedState());
    Status dropped = hot_->DropUpTo(std::numeric_limits<uint64_t>::max(), table_id);
    if (!dropped.ok() && dropped.code() != StatusCode::kNotFound) return dropped;
    if (now == before || attempt >= kMaxReadRetries) return st;
  }
}

Status DatabaseImpl::EnsureAllReplayed() {
  if (!options_.read_only) return Status::OK();
  std::vector<uint32_t> ids;
  {
    ReaderMutexLock lock(&tables_mu_);
    for (const auto& [id, t] : tables_by_id_) ids.push_back(id);
  }
  for (uint32_t id : ids) RETURN_IF_ERROR(EnsureReplayed(id));
  return Status::OK();
}

void DatabaseImpl::Warn(std::string_view msg) {
  if (options_.on_warning) {
    options_.on_warning(msg);
  } else {
    std::fprintf(stderr, "strata: warning: %.*s\n", static_cast<int>(msg.size()), msg.data());
  }
}

Status DatabaseImpl::RegisterTable(const TableInfo& info) {
  auto table = std::make_shared<OpenTable>(OpenTable{static_cast<uint32_t>(info.id), info.def});
  RETURN_IF_ERROR(hot_->AddTable(table->id, table->def.schema));
  WriterMutexLock lock(&tables_mu_);
  tables_by_name_[info.def.name] = table;
  tables_by_id_[table->id] = table;
  return Status::OK();
}

Result<std::shared_ptr<const OpenTable>> DatabaseImpl::TableByName(std::string_view name) {
  {
    ReaderMutexLock lock(&tables_mu_);
    auto it = tables_by_name_.find(name);  // heterogeneous: no allocation on the Latest path
    if (it != tables_by_name_.end()) return it->second;
  }
  // Another process may have created it since we opened.
  ASSIGN_OR_RETURN(TableInfo info, catalog_->GetTable(name));
  RETURN_IF_ERROR(RegisterTable(info));
  return TableByName(name);
}

Result<std::shared_ptr<const OpenTable>> DatabaseImpl::TableById(uint32_t id) {
  {
    ReaderMutexLock lock(&tables_mu_);
    auto it = tables_by_id_.find(id);
    if (it != tables_by_id_.end()) return it->second;
  }
  auto info = catalog_->GetTableById(id);
  if (!info.ok())
    return Status::Corruption("WAL record names table id " + std::to_string(id) + " which the catalog does not know");
  RETURN_IF_ERROR(RegisterTable(*info));
  return TableById(id);
}

Status DatabaseImpl::CheckWritable() const {
  if (options_.read_only) return Status::InvalidArgument("database " + root_ + " is open read-only");
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  return Status::OK();
}

Status DatabaseImpl::CreateTable(const TableDef& def) {
  RETURN_IF_ERROR(CheckWritable());
  RETURN_IF_ERROR(def.Validate());
  RETURN_IF_ERROR(tier::DerivedBarTableDefs(def).status());
  const std::string where = "create table " + def.name;
  // No flush moves the flushed LSN past the create record before the catalog has the table, and
  // table ids are handed out one call at a time (SetTablePolicy creates bar tables under it too).
  MutexLock op(&tier_op_mu_);
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  RETURN_IF_ERROR(ddl_broken_);
  // The table and the derived bar tables its policy declares, with the ids the catalog gives next.
  auto clash = catalog_->GetTable(def.name);
  if (clash.ok()) return Status::AlreadyExists("table " + def.name + " already exists; nothing was changed");
  if (clash.status().code() != StatusCode::kNotFound) return clash.status();
  ASSIGN_OR_RETURN(std::vector<TableDef> bars, MissingDerivedBarTables(def));
  ASSIGN_OR_RETURN(int64_t next, catalog_->NextTableId());
  std::vector<CreatedTable> tables;
  tables.push_back({static_cast<uint32_t>(next), def});
  for (TableDef& d : bars) tables.push_back({static_cast<uint32_t>(++next), std::move(d)});
  // The commit point: the create record, durable, with an LSN of its own before every row of the
  // table. Every replay (crash recovery, point-in-time restore) creates the tables it names that
  // the catalog lacks before it replays a row (ApplyWalSchemas).
  std::string record;
  EncodeCreateRecord(tables, &record, WallClockNs());
  RETURN_IF_ERROR(LogDdlRecord(record, where, "create record", "the table"));
  // The table and its derived bar tables in one transaction, with the record's ids.
  std::vector<TableInfo> created;
  // The lambda runs here, inside this call, where tier_op_mu_ is held.
  Status cataloged = catalog_->InTransaction([&]() REQUIRES(tier_op_mu_) -> Status {
    created.clear();
    for (const CreatedTable& t : tables) {
      ASSIGN_OR_RETURN(TableInfo info, catalog_->CreateTable(t.def, t.table_id));
      created.push_back(std::move(info));
    }
    return NoteWalDdlDone();
  });
  if (!cataloged.ok()) {
    // The record holds ids the catalog did not take: a second create would reuse them.
    ddl_broken_ =
        Status(cataloged.code(), where + ": the table is in the write-ahead log but the catalog refused it (" +
                                     cataloged.message() + "); reopen the database, its recovery creates the table");
    return ddl_broken_;
  }
  for (const TableInfo& t : created) RETURN_IF_ERROR(RegisterTable(t));
  return Status::OK();  // a new table has no rows to build bars from
}

Result<std::vector<TableDef>> DatabaseImpl::MissingDerivedBarTables(const TableDef& source) {
  ASSIGN_OR_RETURN(std::vector<TableDef> defs, tier::DerivedBarTableDefs(source));
  std::vector<TableDef> missing;
  for (TableDef& d : defs) {
    auto existing = catalog_->GetTable(d.name);
    if (existing.ok()) {
      if (existing->def.policy_json != d.policy_json || !(existing->def.schema == d.schema)) {
        return Status::AlreadyExists("table " + d.name + " exists and is not a table derived from " + source.name +
                                     " with these columns; nothing was changed (choose other intervals, or rename " +
                                     "that table's data into a new table)");
      }
      continue;
    }
    if (existing.status().code() != StatusCode::kNotFound) return existing.status();
    missing.push_back(std::move(d));
  }
  return missing;
}

Result<std::vector<TableInfo>> DatabaseImpl::CreateDerivedBarTables(const TableDef& source) {
  ASSIGN_OR_RETURN(std::vector<TableDef> defs, MissingDerivedBarTables(source));
  std::vector<TableInfo> created;
  for (const TableDef& d : defs) {
    ASSIGN_OR_RETURN(TableInfo info, catalog_->CreateTable(d));
    created.push_back(std::move(info));
  }
  return created;
}

Status DatabaseImpl::SyncDerivedBars(const TableInfo& source) {
  ASSIGN_OR_RETURN(std::vector<TableDef> defs, tier::DerivedBarTableDefs(source.def));
  if (defs.empty()) return Status::OK();
  std::vector<TableInfo> created;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(created, CreateDerivedBarTables(source.def));
    return Status::OK();
  }));
  for (const TableInfo& t : created) RETURN_IF_ERROR(RegisterTable(t));
  MutexLock op(&tier_op_mu_);
  return tier_->RebuildBars(source);
}

Result<TableDef> DatabaseImpl::GetTable(std::string_view name) {
  ASSIGN_OR_RETURN(auto t, TableByName(name));
  return t->def;
}

Result<std::vector<TableDef>> DatabaseImpl::ListTables() {
  ASSIGN_OR_RETURN(auto infos, catalog_->ListTables());
  std::vector<TableDef> out;
  for (auto& info : infos) out.push_back(std::move(info.def));
  return out;
}

Result<std::unique_ptr<Appender>> DatabaseImpl::NewAppender(std::string_view table) {
  RETURN_IF_ERROR(CheckWritable());
  ASSIGN_OR_RETURN(auto t, TableByName(table));
  return std::unique_ptr<Appender>(new AppenderImpl(this, std::move(t)));
}

Status DatabaseImpl::Append(std::string_view table, const RecordBatch& batch) {
  ASSIGN_OR_RETURN(auto appender, NewAppender(table));
  return appender->Append(batch);
}

Status DatabaseImpl::AppendTo(const OpenTable& table, const RecordBatch& batch, bool validated) {
  RETURN_IF_ERROR(CheckWritable());
  if (!validated) {
    RETURN_IF_ERROR(batch.ValidateAgainst(table.def.schema).WithContext("append to " + table.def.name));
  }
  if (batch.num_rows() == 0) return Status::OK();
  thread_local std::string payload;
  // The commit time point-in-time recovery cuts at: read before the record enters the WAL.
  EncodeRowsRecord(table.id, batch, &payload, WallClockNs());
  const TablePart part{&table, &batch};
  return AppendRecord(payload, {&part, 1});
}

Status DatabaseImpl::AppendRecord(std::string_view payload, std::span<const TablePart> parts) {
  ReaderMutexLock ddl(&ddl_gate_);  // no column is added while this append runs
  if (columns_added_.load(std::memory_order_relaxed) == 0) return AppendRecordLocked(payload, parts);
  return AppendWithCurrentSchemas(payload, parts);
}

Status DatabaseImpl::AppendRecordLocked(std::string_view payload, std::span<const TablePart> parts) {
  // Shared: a flush takes the gate exclusively to pick its LSN cut, so every row at or below the
  // cut is in the hot tier when the flush collects it.
  ReaderMutexLock gate(&append_gate_);
  if (closed_.load(std::memory_order_acquire)) return ClosedError();  // Close() won the race
  ASSIGN_OR_RETURN(uint64_t lsn, wal_->Append(payload));
  if (first_unflushed_ns_.load(std::memory_order_relaxed) == 0) {
    int64_t expected = 0;
    first_unflushed_ns_.compare_exchange_strong(expected, Now(), std::memory_order_relaxed);
  }
  Status inserted = Status::OK();
  for (const auto& [t, b] : parts) {
    inserted = hot_->Insert(t->id, *b, lsn);
    if (!inserted.ok()) break;
  }
  if (inserted.ok()) {
    for (const auto& [t, b] : parts) EngineMetrics::Get().ingest.Add(t->def.name, b->num_rows(), b->ByteSize());
  }
  // Every part shares the record's LSN; the LSN's turn is taken even when an insert failed, so
  // that later appends are not left waiting for it.
  if (has_listeners_.load(std::memory_order_acquire)) {
    if (parts.empty()) PassListenerTurn(lsn);  // a record without rows (AddColumn's) takes its turn too
    for (const auto& [t, b] : parts) NotifyListeners(*t, *b, lsn, inserted.ok());
  }
  return inserted;
}

void DatabaseImpl::PassListenerTurn(uint64_t lsn) {
  {
    std::unique_lock lock(dispatch_mu_);
    dispatch_cv_.wait(lock, [&] { return dispatched_lsn_ + 1 >= lsn; });
    dispatched_lsn_ = lsn;
  }
  dispatch_cv_.notify_all();
}

// Appends take turns by LSN (a turnstile on dispatched_lsn_) to call the listeners, so they see
// appends in WAL order whichever appender thread got its acknowledgement first. Every LSN takes
// its turn, also when its rows were refused by the hot tier (then no listener is called), so the
// next one can go. The WAL never acknowledges an LSN above one it failed (a failure poisons it),
// so no turn waits for an LSN that will not come. The caller holds append_gate_ shared (since
// before the WAL append), so registrations (gate exclusive) never see an append in flight.
void DatabaseImpl::NotifyListeners(const OpenTable& table, const RecordBatch& batch, uint64_t lsn, bool deliver) {
  std::shared_ptr<const ListenerList> listeners;
  {
    std::unique_lock lock(dispatch_mu_);
    dispatch_cv_.wait(lock, [&] { return dispatched_lsn_ + 1 >= lsn; });
    listeners = listeners_;
  }
  if (deliver && listeners) {
    AppendEvent event{table.def.name, &batch, lsn, lsn};
    for (const auto& l : *listeners) l->OnAppend(event);
  }
  {
    std::lock_guard lock(dispatch_mu_);
    dispatched_lsn_ = lsn;
  }
  dispatch_cv_.notify_all();
}

Result<uint64_t> DatabaseImpl::AddAppendListener(std::shared_ptr<AppendListener> listener) {
  RETURN_IF_ERROR(CheckWritable());
  if (listener == nullptr) return Status::InvalidArgument("AddAppendListener: null listener");
  WriterMutexLock gate(&append_gate_);  // no append between its WAL record and its listeners
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  const uint64_t lsn = wal_->last_lsn();
  RETURN_IF_ERROR(listener->OnAttach(lsn));
  std::lock_guard lock(dispatch_mu_);
  auto next = std::make_shared<ListenerList>(listeners_ ? *listeners_ : ListenerList{});
  next->push_back(std::move(listener));
  listeners_ = std::move(next);
  dispatched_lsn_ = lsn;
  has_listeners_.store(true, std::memory_order_release);
  return lsn;
}

Status DatabaseImpl::RemoveAppendListener(const AppendListener* listener) {
  WriterMutexLock gate(&append_gate_);
  std::lock_guard lock(dispatch_mu_);
  if (listeners_ == nullptr) return Status::NotFound("no such append listener");
  auto next = std::make_shared<ListenerList>(*listeners_);
  const size_t before = next->size();
  std::erase_if(*next, [&](const auto& l) { return l.get() == listener; });
  if (next->size() == before) return Status::NotFound("no such append listener");
  has_listeners_.store(!next->empty(), std::memory_order_release);
  listeners_ = next->empty() ? nullptr : std::move(next);
  return Status::OK();
}

Status DatabaseImpl::AppendAtomically(const std::vector<TableRows>& batches) {
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
  EncodeMultiRowsRecord(parts, &payload, WallClockNs());
  std::vector<TablePart> records;
  for (const auto& [t, b] : tables) records.push_back({t.get(), b});
  return AppendRecord(payload, records);
}

Result<uint64_t> DatabaseImpl::CountDuplicates(const OpenTable& table, const RecordBatch& batch) {
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

Status DatabaseImpl::SetTablePolicy(std::string_view table, std::string_view policy_json) {
  RETURN_IF_ERROR(CheckWritable());
  ASSIGN_OR_RETURN(tier::TablePolicy update, tier::TablePolicy::Parse(policy_json));
  const std::string where = "set the policy of table " + std::string(table);
  // Bar tables it creates take table ids: not while CreateTable has logged ids of its own.
  MutexLock op(&tier_op_mu_);
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  RETURN_IF_ERROR(ddl_broken_);
  ASSIGN_OR_RETURN(TableInfo info, catalog_->GetTable(table));
  ASSIGN_OR_RETURN(tier::TablePolicy policy, tier::TablePolicy::Parse(info.def.policy_json));
  policy.MergeFrom(update);
  info.def.policy_json = policy.ToJson();
  const bool derives = update.bars || update.book_samples || update.book_depth;
  if (derives) RETURN_IF_ERROR(tier::DerivedBarTableDefs(info.def).status());
  // The derived tables it declares, with the ids the catalog gives next.
  PolicyRecord rec{static_cast<uint32_t>(info.id), info.def.policy_json, {}};
  if (derives) {
    ASSIGN_OR_RETURN(std::vector<TableDef> missing, MissingDerivedBarTables(info.def));
    ASSIGN_OR_RETURN(int64_t next, catalog_->NextTableId());
    for (TableDef& d : missing) rec.created.push_back({static_cast<uint32_t>(next++), std::move(d)});
  }
  // The commit point: the policy record, durable. Every replay (crash recovery, point-in-time
  // restore) applies the policy and creates the derived tables the catalog lacks (ApplyWalSchemas).
  std::string record;
  EncodePolicyRecord(rec, &record, WallClockNs());
  RETURN_IF_ERROR(LogDdlRecord(record, where, "policy record", "the policy"));
  // The policy and the derived tables in one transaction, with the record's ids.
  std::vector<TableInfo> created;
  // The lambda runs here, inside this call, where tier_op_mu_ is held.
  Status cataloged = catalog_->InTransaction([&]() REQUIRES(tier_op_mu_) -> Status {
    created.clear();
    RETURN_IF_ERROR(catalog_->SetTablePolicy(table, info.def.policy_json));
    for (const CreatedTable& t : rec.created) {
      ASSIGN_OR_RETURN(TableInfo made, catalog_->CreateTable(t.def, t.table_id));
      created.push_back(std::move(made));
    }
    return NoteWalDdlDone();
  });
  if (!cataloged.ok()) {
    Status failed(cataloged.code(), where + ": the policy is in the write-ahead log but the catalog refused it (" +
                                        cataloged.message() + "); reopen the database, its recovery applies it");
    // The record holds table ids the catalog did not take: a second change would reuse them.
    if (!rec.created.empty()) ddl_broken_ = failed;
    return failed;
  }
  auto updated = std::make_shared<OpenTable>(OpenTable{static_cast<uint32_t>(info.id), info.def});
  {
    WriterMutexLock lock(&tables_mu_);
    tables_by_name_[info.def.name] = updated;
    tables_by_id_[updated->id] = updated;
  }
  for (const TableInfo& t : created) RETURN_IF_ERROR(RegisterTable(t));
  if (!derives) return Status::OK();
  return tier_->RebuildBars(info);
}

Status DatabaseImpl::Sync() {
  RETURN_IF_ERROR(CheckWritable());
  ReaderMutexLock gate(&append_gate_);
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  return wal_->Sync();
}

Status DatabaseImpl::Close() {
  MutexLock closing(&close_mu_);
  if (closed_.load(std::memory_order_acquire)) return Status::OK();
  if (flusher_.joinable()) {
    {
      MutexLock lock(&flusher_mu_);
      stop_flusher_ = true;
    }
    flusher_cv_.notify_all();
    flusher_.join();
  }
  // From here on new appends, flushes and tier operations fail with "is closed" (so that a busy
  // stream of them cannot starve Close); the ones in flight finish first.
  closed_.store(true, std::memory_order_release);
  MutexLock op(&tier_op_mu_);           // no flush or tier operation is running
  WriterMutexLock gate(&append_gate_);  // no append is in the WAL writer
  Status st;
  if (wal_) {
    st = wal_->Close();
    // Only when this process appended: otherwise the log ends where it did at open.
    if (st.ok() && wal_->last_lsn() > lsn_at_open_) st = catalog_->SetDurableLsn(wal_->last_lsn());
  }
  wal_.reset();
  gate.Unlock();
  lock_.reset();
  return st;
}

Status AppenderImpl::Append(const RecordBatch& batch) { return db_->AppendTo(*table_, batch); }

Status AppenderImpl::AppendCounted(const RecordBatch& batch, uint64_t* duplicates) {
  RETURN_IF_ERROR(db_->CheckWritable());
  RETURN_IF_ERROR(batch.ValidateAgainst(table_->def.schema).WithContext("append to " + table_->def.name));
  ASSIGN_OR_RETURN(*duplicates, db_->CountDuplicates(*table_, batch));
  return db_->AppendTo(*table_, batch, /*validated=*/true);
}

}  // namespace db

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
    RETURN_IF_ERROR(catalog->PutSetting(layout::kWalDdlLsnSetting, "0"));  // an empty log holds none
    if (!options.cold_location.empty()) {
      RETURN_IF_ERROR(catalog->PutSetting(layout::kColdLocationSetting, options.cold_location));
    }
    return Status::OK();
  });
  return st.WithContext("creating the catalog of " + root);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& root, const Options& options) {
  auto db = std::make_unique<db::DatabaseImpl>(root, options);
  RETURN_IF_ERROR(db->OpenAll());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace strata
