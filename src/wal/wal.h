// The write-ahead log: an ordered, CRC-framed sequence of opaque records, each with an LSN.
//
// The WAL knows nothing about tables; a record is a payload (the database puts an encoded batch
// in it, see src/db/wal_record.h). LSNs start at 1 and are strictly consecutive across the whole
// log, except before a segment marked "after gap" (WalWriter::Open). The log is a directory of
// segment files <dir>/NNNNNNNNNN.log (10-digit sequence number); a writer only ever appends to
// the newest segment, which it created itself. The on-disk format is described in
// doc/wal_format.md.
//
// Life cycle: ReadWal(repair = true) recovers (replays and truncates a torn tail), then
// WalWriter::Open prepares a writer at the next LSN, whose first append starts a new segment;
// RemoveSegmentsUpTo drops segments once
// their records are safely elsewhere. One writer per directory at a time (the caller holds the
// database lock); any number of read-only ReadWal(repair = false) may run beside it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {

enum class FsyncMode {
  kAlways,    // Append returns after fdatasync: nothing acknowledged is lost, even on power loss
  kInterval,  // Append returns after write(); a background thread fsyncs every interval_ms
  kNone,      // Append returns after write(); the OS decides when data reaches the disk
};

struct SyncPolicy {
  FsyncMode mode = FsyncMode::kInterval;
  int interval_ms = 10;  // used by kInterval only; 1..3600000

  // "always", "none", "interval" (10 ms), "interval=10" or "interval=10ms". InvalidArgument
  // (listing the accepted forms) for anything else.
  static Result<SyncPolicy> Parse(std::string_view text);
  // The inverse of Parse: "always", "interval=10", "none".
  std::string ToString() const;
  bool operator==(const SyncPolicy&) const = default;
};

struct WalOptions {
  FileSystem* fs = nullptr;  // not owned; must outlive the writer
  std::string dir;           // e.g. <root>/wal; created if missing
  SyncPolicy sync;
  uint64_t segment_bytes = 64ull << 20;  // roll to a new segment before one would grow past this
};

// Largest payload a record may carry. Larger appends fail with InvalidArgument; readers treat a
// larger length field as corruption before allocating anything.
inline constexpr uint64_t kMaxWalPayload = 1ull << 30;

class WalWriter {
 public:
  // A writer whose first record will get LSN `next_lsn`. It writes into a NEW segment file
  // (never appends into an existing one), created at the first append, so a writer that never
  // appends adds no file; its sequence number is one more than the highest existing. The newest
  // existing segment is fsynced first, so an older segment can never end in a torn tail.
  // REQUIRES: recovery (ReadWal with repair = true) already ran, next_lsn >= 1 and next_lsn is
  // one more than the last LSN it reported, or higher with `after_gap`: the caller knows that
  // the LSNs in between need no replay (they were lost to a power failure, and LSNs at or below
  // a flushed cut must never be reused); the new segment's header then says so, and readers
  // accept the gap before it (doc/wal_format.md).
  static Result<std::unique_ptr<WalWriter>> Open(const WalOptions& options, uint64_t next_lsn, bool after_gap = false);

  ~WalWriter();  // Close()s; errors ignored
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Thread-safe. Appends one record and returns its LSN once it is durable as the policy says
  // (kAlways: fsynced; kInterval, kNone: written to the OS). Concurrent callers are batched
  // (group commit): one leader writes all pending records with one write() and, for kAlways, one
  // fsync, while the others wait. An I/O error fails every caller whose record was not yet
  // durable and every later call: the writer is then poisoned, since what reached the disk is
  // unknown. InvalidArgument (without poisoning) for a payload over kMaxWalPayload or after
  // Close().
  Result<uint64_t> Append(std::string_view payload);
  // Same, for several payloads at once (consecutive LSNs, written together); returns the last
  // LSN. An empty list returns last_lsn() without writing.
  Result<uint64_t> AppendMany(const std::vector<std::string_view>& payloads);

  // Thread-safe. Makes every record whose Append has returned durable (fsync), for any policy.
  Status Sync();

  uint64_t last_lsn() const { return last_lsn_.load(std::memory_order_acquire); }      // highest LSN assigned
  uint64_t synced_lsn() const { return synced_lsn_.load(std::memory_order_acquire); }  // highest LSN known fsynced
  // Total bytes of the segments this writer knows (existing at Open plus written since, minus
  // removed); for stats.
  uint64_t bytes_written() const { return bytes_.load(std::memory_order_acquire); }

  // Thread-safe. Deletes, oldest first, whole segments all of whose records have
  // LSN <= flushed_lsn; never the active segment. Each removal is made durable (directory
  // fsync) before the next, so a crash leaves a contiguous log.
  Status RemoveSegmentsUpTo(uint64_t flushed_lsn);

  // Thread-safe. OK, or the error that poisoned the writer (a failed write, fsync or roll, by a
  // caller or by the background syncer): what a health check reports.
  Status error() const;

  // Writes nothing more: waits for in-flight appends, fsyncs, closes the segment and stops the
  // background thread. Returns the poisoning error if there was one. Later Appends fail; a second
  // Close returns OK.
  Status Close();

 private:
  struct Segment {
    uint64_t seq;
    uint64_t first_lsn;
    uint64_t bytes;  // size; for the active segment, kept up to date by the leader
  };

  WalWriter(const WalOptions& options, uint64_t next_lsn);
  Status Start(std::vector<Segment> existing);
  Result<uint64_t> AppendLocked(std::unique_lock<std::mutex>& lock, uint64_t last);
  void LeadGroup(std::unique_lock<std::mutex>& lock);
  Status RollTo(uint64_t first_lsn, uint64_t* rolled_synced_lsn);
  Status CreateFirstSegment(uint64_t first_lsn);
  Status CreateSegment(uint64_t seq, uint64_t first_lsn, uint32_t flags = 0);
  void SyncLoop();
  std::string SegmentPath(uint64_t seq) const;

  const WalOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;         // signalled whenever a leader, Sync or Close finishes
  std::condition_variable syncer_cv_;  // wakes the interval syncer for Close
  std::string pending_;                // framed records waiting for a leader; guarded by mu_
  uint64_t written_lsn_;               // highest LSN handed to write(); guarded by mu_
  bool busy_ = false;                  // a leader, Sync or Close owns file_; guarded by mu_
  bool closed_ = false;                // guarded by mu_
  bool stop_syncer_ = false;           // guarded by mu_
  Status error_;                       // the poisoning error; guarded by mu_
  std::vector<Segment> segments_;      // oldest first, the last is active; guarded by mu_

  // Owned by whoever set busy_ (the leader), never touched by two threads at once.
  std::unique_ptr<WritableFile> file_;
  std::string group_;  // the buffer the leader writes; swapped with pending_
  uint64_t active_bytes_ = 0;
  bool need_segment_ = false;         // the first group creates the writer's first segment
  uint32_t first_segment_flags_ = 0;  // header flags of that segment (kSegmentAfterGap)

  // The interval syncer fsyncs through its own handle on the active segment, so fsync runs
  // beside the leader's write() instead of stalling appenders (POSIX fdatasync on any
  // descriptor flushes the file). sync_mu_ guards sync_file_; the leader swaps it on a roll.
  std::mutex sync_mu_;
  std::unique_ptr<WritableFile> sync_file_;
  std::thread syncer_;

  std::atomic<uint64_t> last_lsn_;
  std::atomic<uint64_t> synced_lsn_;
  std::atomic<uint64_t> bytes_{0};
  std::mutex remove_mu_;  // serializes RemoveSegmentsUpTo
};

struct WalReadOptions {
  FileSystem* fs = nullptr;
  std::string dir;
  uint64_t after_lsn = 0;  // deliver only records with LSN > after_lsn
  bool repair = true;      // true (writer's recovery): truncate a torn tail, with a warning.
                           // false (read-only readers, while a writer may be mid-append):
                           // stop quietly at a torn tail, modify nothing.
};

struct WalReadResult {
  uint64_t last_lsn = 0;  // highest LSN seen in the log (even if <= after_lsn), or implied by the
                          // newest segment header when it holds no records; 0 if none
  uint64_t records = 0;   // records delivered
  uint64_t segments = 0;
  uint64_t bytes = 0;                 // bytes of all segments (before any repair)
  std::vector<std::string> warnings;  // e.g. "wal/0000000003.log: torn tail at offset 81920 (1234 bytes) truncated"
};

// Reads all segments in order, calling fn(lsn, payload) for each record with LSN > after_lsn.
// The payload view is valid only during the call. An error from fn stops the read and is
// returned. A missing directory reads as an empty log.
//
// Only the newest segment may end in a torn tail (a crash mid-append): from the first bad
// record on, fewer bytes than a record header remain, or the record's length runs past the end,
// or every remaining byte is zero, or the bad record ends exactly at the end of the file; and no
// valid record follows the bad one (a damaged length field is not a torn write). Any
// other bad record, a bad segment header, or an LSN that is not the previous one plus one is
// Corruption naming the segment and byte offset; nothing is skipped silently. Records after
// `after_lsn` that are missing because the log starts later are Corruption too.
Result<WalReadResult> ReadWal(const WalReadOptions& options,
                              const std::function<Status(uint64_t lsn, std::string_view payload)>& fn);

// What a log directory holds: its segment files and their total size in bytes.
struct WalDirStats {
  uint64_t segments = 0;
  uint64_t bytes = 0;
};
// The segments of the log in `dir` (other names ignored); a missing directory holds none.
// Modifies nothing, so it runs beside a writer: a segment the writer removes meanwhile is not
// counted.
Result<WalDirStats> StatWalDir(FileSystem* fs, const std::string& dir);

}  // namespace strata
