// Test helpers for the WAL tests: a file system that fails chosen operations, segment builders
// and a collecting reader. Test-only (included by *_test.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "codec/crc32c.h"
#include "strata/file_system.h"
#include "testutil/testutil.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace strata::wal_test {

// Wraps the POSIX file system. Counts WritableFile Append and Sync calls across all files and can
// fail the Nth of each (1-based, counted from construction); a failing Append may first write
// half its bytes, as a short write would. An optional hook runs before every Sync.
class FaultyFileSystem : public FileSystem {
 public:
  std::atomic<int> appends{0};
  std::atomic<int> syncs{0};
  std::atomic<int> fail_append_at{0};  // 0 = never
  std::atomic<int> fail_sync_at{0};    // 0 = never
  std::atomic<bool> short_write{false};
  std::atomic<int> injected{0};       // failures injected so far
  std::function<void()> before_sync;  // set before use, never while files are in use

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, OpenMode mode) override {
    ASSIGN_OR_RETURN(auto f, base_->NewWritableFile(path, mode));
    return std::unique_ptr<WritableFile>(new File(this, std::move(f)));
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override { return base_->MapFile(path); }
  Result<bool> Exists(const std::string& path) override { return base_->Exists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override { return base_->ListDir(dir); }
  Status CreateDirs(const std::string& dir) override { return base_->CreateDirs(dir); }
  Status RemoveFile(const std::string& path) override { return base_->RemoveFile(path); }
  Status RemoveDir(const std::string& dir) override { return base_->RemoveDir(dir); }
  Status Rename(const std::string& from, const std::string& to) override { return base_->Rename(from, to); }
  Status Truncate(const std::string& path, uint64_t size) override { return base_->Truncate(path, size); }
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Result<std::unique_ptr<FileLock>> TryLock(const std::string& path, std::string_view note) override {
    return base_->TryLock(path, note);
  }

 private:
  class File : public WritableFile {
   public:
    File(FaultyFileSystem* fs, std::unique_ptr<WritableFile> f) : fs_(fs), f_(std::move(f)) {}
    Status Append(std::string_view data) override {
      int n = ++fs_->appends;
      if (n == fs_->fail_append_at) {
        ++fs_->injected;
        if (fs_->short_write) f_->Append(data.substr(0, data.size() / 2)).IgnoreError();
        return Status::IOError("write " + path() + ": injected failure");
      }
      return f_->Append(data);
    }
    Status Sync() override {
      if (fs_->before_sync) fs_->before_sync();
      int n = ++fs_->syncs;
      if (n == fs_->fail_sync_at) {
        ++fs_->injected;
        return Status::IOError("fdatasync " + path() + ": injected failure");
      }
      return f_->Sync();
    }
    Status Close() override { return f_->Close(); }
    uint64_t Size() const override { return f_->Size(); }
    const std::string& path() const override { return f_->path(); }

   private:
    FaultyFileSystem* fs_;
    std::unique_ptr<WritableFile> f_;
  };

  FileSystem* base_ = DefaultFileSystem();
};

struct Record {
  uint64_t lsn;
  std::string payload;
  bool operator==(const Record&) const = default;
};

// Reads the whole log (records after `after_lsn`) into memory.
inline Result<std::pair<WalReadResult, std::vector<Record>>> ReadAll(const std::string& dir, bool repair,
                                                                     uint64_t after_lsn = 0,
                                                                     FileSystem* fs = DefaultFileSystem()) {
  std::vector<Record> records;
  WalReadOptions o;
  o.fs = fs;
  o.dir = dir;
  o.repair = repair;
  o.after_lsn = after_lsn;
  ASSIGN_OR_RETURN(WalReadResult r, ReadWal(o, [&](uint64_t lsn, std::string_view p) {
                     records.push_back({lsn, std::string(p)});
                     return Status::OK();
                   }));
  return std::make_pair(std::move(r), std::move(records));
}

// The bytes of a segment holding `records` (given LSNs, which need not be consecutive).
inline std::string BuildSegment(uint64_t first_lsn, const std::vector<Record>& records, uint32_t flags = 0) {
  std::string out(wal_internal::kSegmentHeaderSize, '\0');
  wal_internal::EncodeSegmentHeader(first_lsn, out.data(), flags);
  for (const Record& r : records) {
    char h[wal_internal::kRecordHeaderSize];
    wal_internal::EncodeRecordHeader(static_cast<uint32_t>(r.payload.size()), r.lsn,
                                     Crc32c(r.payload.data(), r.payload.size()), h);
    out.append(h, sizeof h);
    out += r.payload;
  }
  return out;
}

// Records first..first+n-1 with payloads "record-<lsn>" padded to vary in length.
inline std::vector<Record> MakeRecords(uint64_t first, size_t n) {
  std::vector<Record> out;
  for (size_t i = 0; i < n; ++i) {
    uint64_t lsn = first + i;
    out.push_back({lsn, "record-" + std::to_string(lsn) + std::string(lsn % 37, static_cast<char>('a' + lsn % 26))});
  }
  return out;
}

inline std::string SegPath(const std::string& dir, uint64_t seq) {
  return JoinPath(dir, wal_internal::SegmentFileName(seq));
}

// Polls `done` until it holds or `limit` passes; for waiting on a background thread.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace strata::wal_test
