#include "state/snapshot_writer.h"

#include <cstdio>

namespace strata::state {

SnapshotWriter::SnapshotWriter(Options options) : options_(std::move(options)) {}

SnapshotWriter::~SnapshotWriter() { Stop(); }

void SnapshotWriter::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void SnapshotWriter::Enqueue(std::string symbol, Take take) {
  {
    MutexLock lock(&mu_);
    queue_.push_back({std::move(symbol), std::move(take)});
  }
  queue_cv_.notify_one();
}

Status SnapshotWriter::WaitIdle() {
  MutexLock lock(&mu_);
  while (!queue_.empty() || writing_) idle_cv_.wait(mu_);
  Status st = first_error_;
  first_error_ = Status::OK();
  return st;
}

void SnapshotWriter::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t SnapshotWriter::written() const {
  MutexLock lock(&mu_);
  return written_;
}

uint64_t SnapshotWriter::failures() const {
  MutexLock lock(&mu_);
  return failures_;
}

void SnapshotWriter::Loop() {
  MutexLock lock(&mu_);
  for (;;) {
    while (!stop_ && queue_.empty()) queue_cv_.wait(mu_);
    if (queue_.empty()) break;  // stopped and drained
    Job job = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    mu_.unlock();
    Status st = WriteOne(&job);
    mu_.lock();
    writing_ = false;
    if (st.ok()) {
      ++written_;
    } else {
      ++failures_;
      if (first_error_.ok()) first_error_ = st;
      Warn(options_.kind + " snapshot of " + options_.table + "/" + job.symbol + " not written: " + st.ToString());
    }
    if (queue_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

Status SnapshotWriter::WriteOne(Job* job) {
  // Every event the snapshot holds is acknowledged; make them durable before the snapshot is.
  RETURN_IF_ERROR(options_.db->Sync());
  SnapshotRecord rec;
  rec.table_id = options_.table_id;
  rec.kind = options_.kind;
  rec.symbol = job->symbol;
  const RecordBatch rows = job->take(&rec);
  return options_.store->Write(options_.table, &rec, rows);
}

void SnapshotWriter::Warn(const std::string& msg) const {
  if (options_.on_warning) {
    options_.on_warning(msg);
  } else {
    std::fprintf(stderr, "strata: warning: %s\n", msg.c_str());
  }
}

}  // namespace strata::state
