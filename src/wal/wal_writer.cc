// WalWriter: group commit over the active segment, segment rolling, the interval syncer.
//
// Concurrency: an appender frames its record into pending_ under mu_ and then waits. Whoever
// finds no leader at work (busy_ false) becomes the leader: it takes the whole pending_ buffer
// (swapping it with group_), drops mu_, writes it with one Append (and one Sync for kAlways),
// retakes mu_, publishes the new written/synced LSNs and wakes everyone. Records that arrived
// meanwhile form the next group. file_ and group_ belong to the thread holding busy_.
#include <algorithm>
#include <chrono>

#include "codec/crc32c.h"
#include "core/engine_metrics.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace strata {

using wal_internal::kRecordHeaderSize;
using wal_internal::kSegmentHeaderSize;

namespace {

// A group buffer that grew past this for a burst of huge records is released afterwards.
constexpr size_t kMaxRetainedBuffer = 64u << 20;

// An fsync of a segment, timed into the engine's histogram (core/engine_metrics.h).
Status TimedSync(WritableFile* f) {
  ScopedLatency timed(&EngineMetrics::Get().wal_fsync_seconds);
  return f->Sync();
}

}  // namespace

Result<std::unique_ptr<WalWriter>> WalWriter::Open(const WalOptions& options, uint64_t next_lsn, bool after_gap) {
  if (options.fs == nullptr) return Status::InvalidArgument("WalOptions.fs is not set");
  if (options.dir.empty()) return Status::InvalidArgument("WalOptions.dir is empty");
  if (options.segment_bytes == 0) return Status::InvalidArgument("WalOptions.segment_bytes must be positive");
  if (next_lsn == 0) return Status::InvalidArgument("the first WAL LSN is 1, not 0");
  if (options.sync.mode == FsyncMode::kInterval && options.sync.interval_ms <= 0) {
    return Status::InvalidArgument("fsync interval must be positive, got " + std::to_string(options.sync.interval_ms));
  }
  FileSystem* fs = options.fs;
  RETURN_IF_ERROR(fs->CreateDirs(options.dir).WithContext("creating the WAL directory"));
  ASSIGN_OR_RETURN(std::vector<wal_internal::SegmentFile> files, wal_internal::ListSegments(fs, options.dir));

  std::vector<Segment> existing;
  for (const auto& f : files) {
    ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(f.path));
    ASSIGN_OR_RETURN(uint64_t size, file->Size());
    char buf[kSegmentHeaderSize];
    ASSIGN_OR_RETURN(size_t got, file->Read(0, sizeof buf, buf));
    auto first = wal_internal::DecodeSegmentHeader(std::string_view(buf, got));
    if (!first.ok()) {
      return Status::Corruption(f.path + " offset 0: " + first.status().message() +
                                " (WAL recovery must run before a writer opens)");
    }
    existing.push_back({f.seq, first->first_lsn, size});
  }
  if (!existing.empty()) {
    const Segment& newest = existing.back();
    if (newest.first_lsn > next_lsn) {
      return Status::InvalidArgument("WAL writer asked to start at LSN " + std::to_string(next_lsn) + " but " +
                                     files.back().path + " already starts at LSN " + std::to_string(newest.first_lsn));
    }
    // The previous process may have died with unsynced bytes in the newest segment. Once a newer
    // segment exists, a torn tail there would read as corruption, so make it durable first.
    ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(files.back().path, OpenMode::kAppend));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
  }
  std::unique_ptr<WalWriter> w(new WalWriter(options, next_lsn));
  w->first_segment_flags_ = after_gap ? wal_internal::kSegmentAfterGap : 0;
  RETURN_IF_ERROR(w->Start(std::move(existing)));
  return w;
}

WalWriter::WalWriter(const WalOptions& options, uint64_t next_lsn)
    : options_(options), written_lsn_(next_lsn - 1), last_lsn_(next_lsn - 1), synced_lsn_(next_lsn - 1) {}

WalWriter::~WalWriter() { Close().IgnoreError(); }

std::string WalWriter::SegmentPath(uint64_t seq) const {
  return JoinPath(options_.dir, wal_internal::SegmentFileName(seq));
}

// The first segment is created by the first group (LeadGroup), not here: a writer that never
// appends leaves the directory as it found it.
Status WalWriter::Start(std::vector<Segment> existing) {
  uint64_t total = 0;
  for (const Segment& s : existing) total += s.bytes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    segments_ = std::move(existing);
  }
  need_segment_ = true;
  bytes_.store(total, std::memory_order_release);
  if (options_.sync.mode == FsyncMode::kInterval) syncer_ = std::thread([this] { SyncLoop(); });
  return Status::OK();
}

// Called by the leader without mu_: creates the writer's first segment, starting at first_lsn.
Status WalWriter::CreateFirstSegment(uint64_t first_lsn) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = segments_.empty() ? 1 : segments_.back().seq + 1;
  }
  RETURN_IF_ERROR(CreateSegment(seq, first_lsn, first_segment_flags_));
  std::lock_guard<std::mutex> lock(mu_);
  segments_.push_back({seq, first_lsn, kSegmentHeaderSize});
  bytes_.fetch_add(kSegmentHeaderSize, std::memory_order_acq_rel);
  return Status::OK();
}

Status WalWriter::CreateSegment(uint64_t seq, uint64_t first_lsn, uint32_t flags) {
  const std::string path = SegmentPath(seq);
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, options_.fs->NewWritableFile(path, OpenMode::kCreateNew));
  char header[kSegmentHeaderSize];
  wal_internal::EncodeSegmentHeader(first_lsn, header, flags);
  RETURN_IF_ERROR(f->Append(std::string_view(header, sizeof header)));
  // The new name must survive a crash before any record in it is acknowledged.
  RETURN_IF_ERROR(options_.fs->SyncDir(options_.dir));
  std::unique_ptr<WritableFile> sf;
  if (options_.sync.mode == FsyncMode::kInterval) {
    ASSIGN_OR_RETURN(sf, options_.fs->NewWritableFile(path, OpenMode::kAppend));
  }
  file_ = std::move(f);
  active_bytes_ = kSegmentHeaderSize;
  std::lock_guard<std::mutex> lock(sync_mu_);
  sync_file_ = std::move(sf);
  return Status::OK();
}

Result<uint64_t> WalWriter::Append(std::string_view payload) {
  if (payload.size() > kMaxWalPayload) {
    return Status::InvalidArgument("WAL record of " + std::to_string(payload.size()) + " bytes exceeds the limit of " +
                                   std::to_string(kMaxWalPayload));
  }
  // Checksum outside the lock, so concurrent appenders checksum in parallel.
  const uint32_t crc = Crc32c(payload.data(), payload.size());
  std::unique_lock<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  if (closed_) return Status::InvalidArgument("append to closed WAL writer in " + options_.dir);
  const uint64_t lsn = last_lsn_.load(std::memory_order_relaxed) + 1;
  char header[kRecordHeaderSize];
  wal_internal::EncodeRecordHeader(static_cast<uint32_t>(payload.size()), lsn, crc, header);
  pending_.append(header, sizeof header);
  pending_.append(payload.data(), payload.size());
  last_lsn_.store(lsn, std::memory_order_release);
  CountAdd(EngineMetrics::Get().wal_appends);
  CountAdd(EngineMetrics::Get().wal_append_bytes, sizeof header + payload.size());
  return AppendLocked(lock, lsn);
}

Result<uint64_t> WalWriter::AppendMany(const std::vector<std::string_view>& payloads) {
  // Reused per thread so a steady stream of AppendMany calls allocates nothing.
  thread_local std::vector<uint32_t> crcs;
  crcs.clear();
  for (std::string_view p : payloads) {
    if (p.size() > kMaxWalPayload) {
      return Status::InvalidArgument("WAL record of " + std::to_string(p.size()) + " bytes exceeds the limit of " +
                                     std::to_string(kMaxWalPayload));
    }
    crcs.push_back(Crc32c(p.data(), p.size()));
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!error_.ok()) return error_;
  if (closed_) return Status::InvalidArgument("append to closed WAL writer in " + options_.dir);
  uint64_t lsn = last_lsn_.load(std::memory_order_relaxed);
  if (payloads.empty()) return lsn;
  for (size_t i = 0; i < payloads.size(); ++i) {
    char header[kRecordHeaderSize];
    wal_internal::EncodeRecordHeader(static_cast<uint32_t>(payloads[i].size()), ++lsn, crcs[i], header);
    pending_.append(header, sizeof header);
    pending_.append(payloads[i].data(), payloads[i].size());
    CountAdd(EngineMetrics::Get().wal_append_bytes, kRecordHeaderSize + payloads[i].size());
  }
  last_lsn_.store(lsn, std::memory_order_release);
  CountAdd(EngineMetrics::Get().wal_appends, payloads.size());
  return AppendLocked(lock, lsn);
}

// Waits until `last` is durable per the policy, leading groups whenever no one else is.
Result<uint64_t> WalWriter::AppendLocked(std::unique_lock<std::mutex>& lock, uint64_t last) {
  const bool always = options_.sync.mode == FsyncMode::kAlways;
  for (;;) {
    uint64_t done = always ? synced_lsn_.load(std::memory_order_relaxed) : written_lsn_;
    if (done >= last) return last;
    if (!error_.ok()) return error_;
    if (!busy_) {
      LeadGroup(lock);
    } else {
      cv_.wait(lock);
    }
  }
}

void WalWriter::LeadGroup(std::unique_lock<std::mutex>& lock) {
  busy_ = true;
  group_.swap(pending_);
  const uint64_t first = written_lsn_ + 1;
  const uint64_t last = last_lsn_.load(std::memory_order_relaxed);
  lock.unlock();

  Status st;
  uint64_t rolled_synced = 0;
  if (need_segment_) {
    need_segment_ = false;
    st = CreateFirstSegment(first);
  }
  if (st.ok() && file_ == nullptr) {
    st = Status::Internal("WAL writer has no open segment");
  } else if (st.ok() && active_bytes_ > kSegmentHeaderSize && active_bytes_ + group_.size() > options_.segment_bytes) {
    st = RollTo(first, &rolled_synced);
  }
  if (st.ok()) st = file_->Append(group_);
  if (st.ok()) active_bytes_ += group_.size();
  if (st.ok() && options_.sync.mode == FsyncMode::kAlways) st = TimedSync(file_.get());
  const uint64_t group_bytes = group_.size();
  group_.clear();
  if (group_.capacity() > kMaxRetainedBuffer) std::string().swap(group_);

  lock.lock();
  busy_ = false;
  if (rolled_synced > synced_lsn_.load(std::memory_order_relaxed)) {
    synced_lsn_.store(rolled_synced, std::memory_order_release);
  }
  if (st.ok()) {
    written_lsn_ = last;
    bytes_.fetch_add(group_bytes, std::memory_order_acq_rel);
    if (options_.sync.mode == FsyncMode::kAlways) synced_lsn_.store(last, std::memory_order_release);
  } else if (error_.ok()) {
    // file_ is gone only when a roll failed half way; the directory then says enough.
    const std::string& where = file_ ? file_->path() : options_.dir;
    error_ = st.WithContext("WAL write of LSNs " + std::to_string(first) + ".." + std::to_string(last) + " to " +
                            where + " failed; the WAL writer is stopped");
  }
  cv_.notify_all();
}

// Called by the leader without mu_: finishes the active segment and starts the next one.
Status WalWriter::RollTo(uint64_t first_lsn, uint64_t* rolled_synced_lsn) {
  // The old segment is complete and durable before the next one exists, so only the newest
  // segment can ever end in a torn tail.
  RETURN_IF_ERROR(TimedSync(file_.get()));
  *rolled_synced_lsn = first_lsn - 1;
  Status close = file_->Close();
  file_.reset();
  RETURN_IF_ERROR(close);
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    segments_.back().bytes = active_bytes_;
    seq = segments_.back().seq + 1;
  }
  RETURN_IF_ERROR(CreateSegment(seq, first_lsn));
  std::lock_guard<std::mutex> lock(mu_);
  segments_.push_back({seq, first_lsn, kSegmentHeaderSize});
  bytes_.fetch_add(kSegmentHeaderSize, std::memory_order_acq_rel);
  return Status::OK();
}

void WalWriter::SyncLoop() {
  const auto interval = std::chrono::milliseconds(options_.sync.interval_ms);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_syncer_) {
    syncer_cv_.wait_for(lock, interval, [this] { return stop_syncer_; });
    if (stop_syncer_) break;
    const uint64_t target = written_lsn_;
    if (!error_.ok() || target <= synced_lsn_.load(std::memory_order_relaxed)) continue;
    lock.unlock();
    // Everything up to `target` is in the active segment or in one a roll already synced.
    Status st;
    std::string path;
    {
      std::lock_guard<std::mutex> g(sync_mu_);
      if (sync_file_ != nullptr) {
        path = sync_file_->path();
        st = TimedSync(sync_file_.get());
      }
    }
    lock.lock();
    if (st.ok()) {
      if (target > synced_lsn_.load(std::memory_order_relaxed)) synced_lsn_.store(target, std::memory_order_release);
    } else if (error_.ok()) {
      error_ = st.WithContext("background fsync of " + path + " failed; the WAL writer is stopped");
      cv_.notify_all();
    }
  }
}

Status WalWriter::Sync() {
  std::unique_lock<std::mutex> lock(mu_);
  while (busy_ && error_.ok()) cv_.wait(lock);
  if (!error_.ok()) return error_;
  const uint64_t target = written_lsn_;
  if (file_ == nullptr || target <= synced_lsn_.load(std::memory_order_relaxed)) return Status::OK();
  busy_ = true;
  lock.unlock();
  Status st = TimedSync(file_.get());
  lock.lock();
  busy_ = false;
  if (st.ok()) {
    if (target > synced_lsn_.load(std::memory_order_relaxed)) synced_lsn_.store(target, std::memory_order_release);
  } else if (error_.ok()) {
    error_ = st.WithContext("WAL fsync failed; the WAL writer is stopped");
  }
  cv_.notify_all();
  return error_;
}

Status WalWriter::RemoveSegmentsUpTo(uint64_t flushed_lsn) {
  std::lock_guard<std::mutex> serial(remove_mu_);
  for (;;) {
    Segment victim;
    {
      std::lock_guard<std::mutex> lock(mu_);
      // segments_[1].first_lsn - 1 is the last LSN segments_[0] can hold.
      if (segments_.size() < 2 || segments_[1].first_lsn - 1 > flushed_lsn) return Status::OK();
      victim = segments_.front();
    }
    const std::string path = SegmentPath(victim.seq);
    Status st = options_.fs->RemoveFile(path);
    if (!st.ok() && !st.IsNotFound()) return st.WithContext("removing flushed WAL segment");
    // One removal durable before the next: a crash must leave a contiguous run of segments.
    RETURN_IF_ERROR(options_.fs->SyncDir(options_.dir).WithContext("removing flushed WAL segment " + path));
    std::lock_guard<std::mutex> lock(mu_);
    segments_.erase(segments_.begin());
    bytes_.fetch_sub(victim.bytes, std::memory_order_acq_rel);
  }
}

Status WalWriter::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Status WalWriter::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::OK();
    closed_ = true;
    stop_syncer_ = true;
  }
  syncer_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();

  std::unique_lock<std::mutex> lock(mu_);
  // Appends already framed before Close still get written (by their own callers or by us).
  while (busy_ || (!pending_.empty() && error_.ok())) {
    if (!busy_) {
      LeadGroup(lock);
    } else {
      cv_.wait(lock);
    }
  }
  busy_ = true;
  const bool healthy = error_.ok();
  lock.unlock();
  Status st;
  if (file_ != nullptr) {
    if (healthy) st = file_->Sync();
    Status close = file_->Close();
    if (st.ok()) st = close;
    file_.reset();
  }
  {
    std::lock_guard<std::mutex> g(sync_mu_);
    if (sync_file_ != nullptr) sync_file_->Close().IgnoreError();
    sync_file_.reset();
  }
  lock.lock();
  busy_ = false;
  if (st.ok() && healthy) {
    synced_lsn_.store(written_lsn_, std::memory_order_release);
  } else if (error_.ok()) {
    error_ = st.WithContext("closing the WAL writer in " + options_.dir);
  }
  cv_.notify_all();
  return error_;
}

}  // namespace strata
