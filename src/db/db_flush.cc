// Flushing and the tier operations of DatabaseImpl (db_impl.h): the flush triggers and the
// background flusher, flushes, migration, retention, verify.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>
#include <thread>

#include "catalog/layout.h"
#include "core/engine_metrics.h"
#include "db/db_impl.h"
#include "tier/policy.h"

namespace strata::db {

void DatabaseImpl::SignalFlusher() {
  if (pressure_.exchange(true, std::memory_order_relaxed)) return;
  MutexLock lock(&flusher_mu_);
  flusher_cv_.notify_one();
}

std::string DatabaseImpl::FlushTrigger() {
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

Result<std::optional<TierRunResult>> DatabaseImpl::FlushIfDue() {
  RETURN_IF_ERROR(CheckWritable());
  if (FlushTrigger().empty()) return std::optional<TierRunResult>();
  ASSIGN_OR_RETURN(TierRunResult r, Flush());
  return std::optional<TierRunResult>(std::move(r));
}

void DatabaseImpl::FlusherLoop() {
  const auto interval = std::chrono::milliseconds(std::max<int64_t>(1, options_.flush_check_interval_ms));
  flusher_mu_.lock();
  while (!stop_flusher_) {
    // SignalFlusher sets pressure_ before taking flusher_mu_ to notify: checked under the mutex,
    // no signal is lost. A spurious wakeup only checks the triggers early.
    if (!pressure_.load(std::memory_order_relaxed)) flusher_cv_.wait_for(flusher_mu_, interval);
    if (stop_flusher_) break;
    flusher_mu_.unlock();
    pressure_.store(false, std::memory_order_relaxed);
    auto r = FlushIfDue();
    if (!r.ok()) Warn("background flush failed: " + r.status().ToString());
    flusher_mu_.lock();
  }
  flusher_mu_.unlock();
}

// Close sets closed_, then resets wal_ holding tier_op_mu_ and the append gate: with
// tier_op_mu_ held and closed_ checked under it, wal_ stays valid without the gate.
WalWriter* DatabaseImpl::WalForTierOp() NO_THREAD_SAFETY_ANALYSIS { return wal_.get(); }

Result<uint64_t> DatabaseImpl::FlushCut(bool reset_age) {
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  uint64_t cut;
  {
    WriterMutexLock gate(&append_gate_);
    cut = wal_->last_lsn();
    if (reset_age) first_unflushed_ns_.store(0, std::memory_order_relaxed);
  }
  WalWriter* wal = WalForTierOp();
  Status synced = wal->Sync();
  if (!synced.ok()) {
    if (reset_age) first_unflushed_ns_.store(Now(), std::memory_order_relaxed);
    return Status(synced.code(), "flush refused: the write-ahead log cannot be made durable up to LSN " +
                                     std::to_string(cut) + " (" + synced.message() +
                                     "); reopen the database to recover from the log");
  }
  if (wal->synced_lsn() < cut) {
    return Status::Internal("flush: the write-ahead log is synced to LSN " + std::to_string(wal->synced_lsn()) +
                            ", below the cut " + std::to_string(cut));
  }
  return cut;
}

Result<TierRunResult> DatabaseImpl::Flush() {
  RETURN_IF_ERROR(CheckWritable());
  MutexLock op(&tier_op_mu_);
  return FlushLocked(std::nullopt);
}

Result<TierRunResult> DatabaseImpl::FlushTable(std::string_view name) {
  RETURN_IF_ERROR(CheckWritable());
  ASSIGN_OR_RETURN(auto table, TableByName(name));
  MutexLock op(&tier_op_mu_);
  return FlushLocked(table->id);
}

Result<TierRunResult> DatabaseImpl::FlushLocked(std::optional<uint32_t> only_table) {
  const bool all = !only_table.has_value();
  // Only a flush of every table empties the hot tier, so only it restarts the age trigger.
  ASSIGN_OR_RETURN(const uint64_t cut, FlushCut(/*reset_age=*/all));
  uint64_t done = flushed_lsn_;
  if (only_table) {
    MutexLock lock(&flushed_mu_);
    if (auto it = table_flushed_.find(*only_table); it != table_flushed_.end()) done = std::max(done, it->second);
  }
  TierRunResult result;
  result.flushed_lsn = done;
  if (cut <= done) {
    // Nothing new to flush; segments archived since the last flush may go now.
    if (all) RETURN_IF_ERROR(RemoveFlushedSegments(done));
    return result;
  }
  ScopedLatency timed(&EngineMetrics::Get().flush_seconds);  // flushes that had rows to write
  std::vector<tier::FlushSeries> input;
  for (HotTier::PendingSeries& s : hot_->PendingUpTo(cut, only_table)) {  // copied by the flush threads
    input.push_back(
        {static_cast<int64_t>(s.table_id), std::move(s.symbol), RecordBatch(), std::move(s.load), s.rows_hint});
  }
  std::optional<int64_t> table_id;
  if (only_table) table_id = static_cast<int64_t>(*only_table);
  auto flushed = tier_->Flush(
      std::move(input), cut,
      [&] {
        hot_->DropUpTo(cut, only_table).IgnoreError();
        MutexLock lock(&flushed_mu_);
        if (all) {
          flushed_lsn_ = cut;
          std::erase_if(table_flushed_, [&](const auto& e) { return e.second <= cut; });
        } else {
          table_flushed_[*only_table] = cut;
        }
      },
      table_id);
  if (!flushed.ok()) {
    CountAdd(EngineMetrics::Get().flush_errors);
    if (all && flushed_lsn_ != cut) first_unflushed_ns_.store(Now(), std::memory_order_relaxed);  // retry by age later
    return flushed.status();
  }
  // Segments are deleted by a flush of every table only: the others may still need them.
  if (all) RETURN_IF_ERROR(RemoveFlushedSegments(cut));
  CountAdd(EngineMetrics::Get().flushed_rows, flushed->rows_in);
  return *flushed;
}

Status DatabaseImpl::RemoveFlushedSegments(uint64_t flushed) {
  // With a WAL archive set, a segment goes only once it is archived (src/backup/wal_archive.h).
  uint64_t removable = flushed;
  ASSIGN_OR_RETURN(auto archive, catalog_->GetSetting(layout::kWalArchiveSetting));
  if (archive && !archive->empty()) {
    ASSIGN_OR_RETURN(auto archived, catalog_->GetSetting(layout::kWalArchivedLsnSetting));
    removable = std::min<uint64_t>(flushed, archived ? std::strtoull(archived->c_str(), nullptr, 10) : 0);
  }
  return WalForTierOp()->RemoveSegmentsUpTo(removable).WithContext("deleting flushed WAL segments");
}

Result<TierRunResult> DatabaseImpl::Migrate(const MigrateOptions& options) {
  RETURN_IF_ERROR(CheckWritable());
  MutexLock op(&tier_op_mu_);
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  ScopedLatency timed(&EngineMetrics::Get().migration_seconds);
  Result<TierRunResult> r = tier_->Migrate(options);
  if (!r.ok()) CountAdd(EngineMetrics::Get().migration_errors);
  return r;
}

Result<TierRunResult> DatabaseImpl::ApplyRetention(std::optional<int64_t> now_ns) {
  RETURN_IF_ERROR(CheckWritable());
  MutexLock op(&tier_op_mu_);
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  return tier_->ApplyRetention(now_ns.value_or(Now()));
}

Result<VerifyReport> DatabaseImpl::Verify(const VerifyOptions& options) {
  VerifyReport report;
  if (options_.read_only) {
    ASSIGN_OR_RETURN(report, tier_->Verify(options));
  } else {
    // The file listing between tier operations, so a part this process is about to commit is
    // never taken for an orphan; the long part (reading and hashing every file) beside them.
    std::unique_lock<Mutex> op(tier_op_mu_);
    ASSIGN_OR_RETURN(report, tier_->Verify(options, [&] { op.unlock(); }));
  }
  RETURN_IF_ERROR(tier_->VerifyQuarantine(&report));
  if (options.tier.empty()) RETURN_IF_ERROR(CheckIceberg(&report));  // metadata that lags the catalog
  // A writable catalog took the times as each file passed (TierStore::Verify).
  if (options.record_verified_at && options_.read_only) {
    report.verified_at_recorded = RecordVerified(report.verified_file_ids);
  }
  return report;
}

Status DatabaseImpl::CheckIceberg(VerifyReport* report) {
  if (!options_.read_only) {
    // Between tier operations: each one's Iceberg commit follows its catalog commit under this lock.
    MutexLock op(&tier_op_mu_);
    return iceberg_->Check(report);
  }
  // Another process's tier operation may be between its catalog commit and its Iceberg commit
  // (milliseconds apart): a lag counts only when it lasts (about 1.5 s of checks).
  VerifyReport iceberg;
  for (int attempt = 0;; ++attempt) {
    iceberg.problems.clear();
    RETURN_IF_ERROR(iceberg_->Check(&iceberg));
    if (iceberg.problems.empty() || attempt == 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
  }
  for (VerifyProblem& p : iceberg.problems) report->problems.push_back(std::move(p));
  return Status::OK();
}

bool DatabaseImpl::RecordVerified(const std::vector<int64_t>& ids) {
  if (ids.empty()) return true;
  auto writable = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/false);
  if (!writable.ok()) return false;
  Catalog* catalog = writable->get();
  const int64_t now = NowNs();
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

}  // namespace strata::db
