// SnapshotWriter: the one background thread of a live state view (LiveBooks, LivePositions) that
// writes the snapshots the appending threads capture.
//
// The listener captures a snapshot on the appending thread (a copy of what it needs, cheap) and
// enqueues it with a function that turns it into the snapshot's record fields and rows; that
// function runs on the writer thread. The writer first makes every acknowledged row durable
// (Database::Sync), so a snapshot never survives a power loss that its events do not, then writes
// the Parquet file and records it (SnapshotStore::Write). A failure is counted, reported by the
// next WaitIdle and warned about; it does not stop the writer (the snapshot only saves replay).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "core/thread_annotations.h"
#include "state/snapshot_store.h"
#include "strata/batch.h"
#include "strata/database.h"
#include "strata/status.h"

namespace strata::state {

class SnapshotWriter {
 public:
  struct Options {
    Database* db = nullptr;
    SnapshotStore* store = nullptr;  // not owned; outlives the writer
    std::string table;               // the event table the snapshots are of
    int64_t table_id = 0;
    std::string kind;  // SnapshotRecord::kind ("book", "positions")
    // Snapshot errors; empty: printed on stderr as "strata: warning: ...".
    std::function<void(std::string_view)> on_warning;
  };
  // Fills the record's ts, events and meta_json (the rest is the writer's) and returns the rows.
  // Called once, on the writer thread.
  using Take = std::function<RecordBatch(SnapshotRecord* rec)>;

  explicit SnapshotWriter(Options options);
  ~SnapshotWriter();  // Stop()
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Starts the thread; Enqueue before Start queues (written once started).
  void Start();
  // Queues the snapshot of `symbol`.
  void Enqueue(std::string symbol, Take take) EXCLUDES(mu_);
  // Waits until every queued snapshot is written (or failed); returns the first failure since the
  // previous call.
  Status WaitIdle() EXCLUDES(mu_);
  // Writes what is queued, then ends the thread. Idempotent.
  void Stop() EXCLUDES(mu_);

  uint64_t written() const EXCLUDES(mu_);
  uint64_t failures() const EXCLUDES(mu_);

 private:
  struct Job {
    std::string symbol;
    Take take;
  };
  void Loop() EXCLUDES(mu_);
  Status WriteOne(Job* job);
  void Warn(const std::string& msg) const;

  const Options options_;
  mutable Mutex mu_;
  std::condition_variable_any queue_cv_, idle_cv_;
  std::deque<Job> queue_ GUARDED_BY(mu_);
  bool writing_ GUARDED_BY(mu_) = false;
  bool stop_ GUARDED_BY(mu_) = false;
  uint64_t written_ GUARDED_BY(mu_) = 0;
  uint64_t failures_ GUARDED_BY(mu_) = 0;
  Status first_error_ GUARDED_BY(mu_);
  std::thread thread_;  // started and joined by the owner's thread
};

}  // namespace strata::state
