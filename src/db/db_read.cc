// Reading through DatabaseImpl (db_impl.h): scans (with a read-only process catching up with a
// writer's flushes), Latest, symbols, stats.
#include <limits>
#include <map>
#include <set>

#include "catalog/layout.h"
#include "db/db_impl.h"
#include "strata/timestamp.h"

namespace strata::db {

Result<std::vector<RecordBatch>> DatabaseImpl::Scan(const ScanRequest& request) {
  ASSIGN_OR_RETURN(auto cursor, NewScan(request));
  return DrainScan(cursor.get());
}

Result<std::unique_ptr<ScanCursor>> DatabaseImpl::NewScan(const ScanRequest& request) {
  if (request.from_ts > request.to_ts) {
    return Status::InvalidArgument("time range is backwards: from " + FormatTimestamp(request.from_ts) +
                                   " is after to " + FormatTimestamp(request.to_ts));
  }
  ASSIGN_OR_RETURN(auto table, TableByName(request.table));
  ScanContext ctx;
  ctx.open_file = [tier = tier_.get()](const FileRecord& file) { return tier->OpenReader(file); };
  ctx.catalog = catalog_.get();
  ctx.hot = hot_.get();
  ctx.view_mu = &view_mu_;
  ctx.pins = pins_;
  ctx.readers = readers_;
  if (!options_.read_only) return NewScanCursor(ctx, table->id, table->def, request);
  RETURN_IF_ERROR(EnsureReplayed(table->id));
  // A read-only process learns of a writer's flushes from the catalog: it drops the flushed rows
  // from its hot tier, then the cursor lists the files. A flush committing in between would put
  // its rows in both; so the flushed LSNs are read again after planning, and the plan is redone
  // until they did not move (flushes are the only commits that move rows out of the hot tier,
  // and every one moves a flushed LSN).
  for (int attempt = 1;; ++attempt) {
    ASSIGN_OR_RETURN(FlushedState before, CatchUpWithFlushes());
    ASSIGN_OR_RETURN(auto cursor, NewScanCursor(ctx, table->id, table->def, request));
    ASSIGN_OR_RETURN(FlushedState after, ReadFlushedState());
    if (after == before) return cursor;
    if (attempt >= kMaxReadRetries) {
      return Status::Busy("scan of " + table->def.name + ": the writer of " + root_ + " flushed " +
                          std::to_string(attempt) + " times while the scan was planned; retry");
    }
  }
}

Result<DatabaseImpl::FlushedState> DatabaseImpl::ReadFlushedState() {
  FlushedState s;
  ASSIGN_OR_RETURN(WalState state, catalog_->GetWalState());
  s.global = state.flushed_lsn;
  ASSIGN_OR_RETURN(s.tables, catalog_->GetTableFlushedLsns());
  return s;
}

Result<DatabaseImpl::FlushedState> DatabaseImpl::CatchUpWithFlushes() {
  ASSIGN_OR_RETURN(FlushedState state, ReadFlushedState());
  MutexLock lock(&catch_up_mu_);  // the only writer of flushed_lsn_ and table_flushed_ here
  if (state.global > flushed_lsn_) {
    std::unique_lock view(view_mu_);
    RETURN_IF_ERROR(hot_->DropUpTo(state.global));
    flushed_lsn_ = state.global;
  }
  for (const auto& [id, lsn] : state.tables) {
    uint64_t known = 0;
    {
      MutexLock flushed(&flushed_mu_);
      known = table_flushed_[id];
    }
    if (lsn <= std::max<uint64_t>(known, flushed_lsn_)) continue;
    std::unique_lock view(view_mu_);
    Status st = hot_->DropUpTo(lsn, static_cast<uint32_t>(id));
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    MutexLock flushed(&flushed_mu_);
    table_flushed_[id] = lsn;
  }
  return state;
}

Result<bool> DatabaseImpl::LatestByScan(const std::string& table, std::string_view symbol, int64_t ts,
                                        RecordBatch* out) {
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

Status DatabaseImpl::Latest(std::string_view table, std::string_view symbol, RecordBatch* out) {
  bool tied = false;
  {
    // The hot path: the table's id without copying its shared_ptr (an atomic increment and
    // decrement are a tenth of this call's budget).
    ReaderMutexLock lock(&tables_mu_);
    auto it = tables_by_name_.find(table);
    if (it != tables_by_name_.end()) {
      const uint32_t id = it->second->id;
      const int ts_col = it->second->def.schema.ts_index();
      lock.Unlock();
      if (options_.read_only) RETURN_IF_ERROR(EnsureReplayed(id));
      int64_t flushed_max = 0;
      Status st = hot_->Latest(id, symbol, out, &tied, &flushed_max);
      // No other hot row at its ts and no warm/cold row at or after it: the answer.
      if (st.ok() && !tied && out->column(ts_col).int64s()[0] > flushed_max) return st;
      if (st.code() != StatusCode::kNotFound && !st.ok()) return st;
    }
  }
  ASSIGN_OR_RETURN(auto t, TableByName(table));
  FileQuery q;
  q.table_id = t->id;
  q.symbol = std::string(symbol);
  std::vector<FileRecord> files;
  int64_t files_max = std::numeric_limits<int64_t>::min();
  Status st;
  {
    // The hot row and the files from one state (a flush commits its files and drops their hot
    // rows under view_mu_ exclusive), so the hot tier may keep the files' greatest ts: later
    // calls take the hot path while the series' newest row is hot and newer than every file's.
    std::shared_lock view(view_mu_);
    st = hot_->Latest(t->id, symbol, out, &tied);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    ASSIGN_OR_RETURN(files, catalog_->ListFiles(q));
    for (const FileRecord& f : files) files_max = std::max(files_max, f.max_ts);
    hot_->SetFlushedMaxTs(t->id, symbol, files_max);
  }
  if (st.ok()) {
    const int64_t ts = out->column(t->def.schema.ts_index()).int64s()[0];
    if (ts > files_max) {
      if (!tied) return Status::OK();
      // Other rows share the latest ts: answer as a scan does (one rule for duplicates everywhere).
      ASSIGN_OR_RETURN(bool found, LatestByScan(t->def.name, symbol, ts, out));
      if (found) return Status::OK();
      return hot_->Latest(t->id, symbol, out);
    }
    // A file holds a row at or after the hot row's ts: a newer row, or the first arrival of a
    // duplicate. The scan at the files' greatest ts below decides, over files and hot rows alike.
  }
  // The newest row of the file with the greatest max_ts. A compaction or migration (in another
  // process, or this one: Latest pins nothing) may retire and delete that file between the
  // listing and the read; then list again. A file still listed as live is really missing.
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) {
      ASSIGN_OR_RETURN(files, catalog_->ListFiles(q));
    }
    if (files.empty()) return st.ok() ? hot_->Latest(t->id, symbol, out) : st;
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
      // A file written before columns were added lacks them: NULL (doc/schema_evolution.md).
      ASSIGN_OR_RETURN(*out, PadToFields(b->Slice(b->num_rows() - 1, 1), t->def.schema.fields()));
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

Result<std::vector<std::string>> DatabaseImpl::Symbols(std::string_view table) {
  ASSIGN_OR_RETURN(auto t, TableByName(table));
  RETURN_IF_ERROR(EnsureReplayed(t->id));
  std::set<std::string> all;
  for (std::string& s : hot_->Symbols(t->id)) all.insert(std::move(s));
  FileQuery q;
  q.table_id = t->id;
  ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
  for (const FileRecord& f : files) all.insert(f.symbol);
  return std::vector<std::string>(all.begin(), all.end());
}

Result<DatabaseStats> DatabaseImpl::Stats() {
  RETURN_IF_ERROR(EnsureAllReplayed());
  DatabaseStats stats;
  stats.fsync = sync_policy_.ToString();
  stats.flushed_lsn = flushed_lsn_;
  {
    ReaderMutexLock gate(&append_gate_);  // Close resets wal_ under the gate
    stats.last_lsn = wal_ ? wal_->last_lsn() : last_replayed_lsn_;
  }
  ASSIGN_OR_RETURN(WalDirStats wal, StatWalDir(fs_, layout::WalDir(root_)));
  stats.wal_bytes = wal.bytes;
  stats.wal_segments = wal.segments;
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

}  // namespace strata::db
