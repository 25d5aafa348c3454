// A FileSystem for tests that fails chosen operations and simulates crashes.
//
// It wraps a base FileSystem (normally POSIX over a temp dir) and can:
//  - fail the Nth write/sync/rename/... with a chosen error (IOError, NoSpace, ...),
//  - make the Nth write a short write (part of the data lands, then an error),
//  - act as a full disk once a byte budget is spent,
//  - crash at the Nth mutating operation: that operation and everything after it fails with
//    Aborted, as if the process had died there;
//  - then simulate power loss: DropUnsyncedData() reverts every file written through it to its
//    last synced contents and undoes creates, renames and removes whose directory was not synced.
// To test every crash point of a scenario: run it once and read mutating_ops() = N, then for each
// k in 1..N run it on a fresh instance with CrashAtOp(k), DropUnsyncedData(), reopen, check.
// Directories created are not undone (a simplification: they are empty or hold tracked files).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "strata/file_system.h"

namespace strata {

enum class FsOp { kWrite, kSync, kRename, kCreate, kRemove, kSyncDir, kTruncate, kCreateDir };
std::string_view FsOpName(FsOp op);

class FaultInjectionFileSystem final : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem* base);

  // Fails the n-th future op of kind `op` (1 = the next one) with `error` (default: IOError
  // naming the op and path). One-shot.
  void FailNth(FsOp op, int n, Status error = Status());
  // The n-th future write appends only `bytes` bytes, then fails with `error` (default IOError).
  void ShortWriteNth(int n, size_t bytes, Status error = Status());
  // Writes fail with NoSpace once the bytes written through this FS would exceed `bytes`.
  void SetSpaceLimit(uint64_t bytes);
  // The n-th future mutating op and every op after it fail with Aborted("crashed at ...").
  void CrashAtOp(int n);
  bool crashed() const;
  int mutating_ops() const;
  void ResetCounters();
  // Power loss after a crash (or at any time): see the header comment. Clears the crash.
  Status DropUnsyncedData();

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override;
  Result<bool> Exists(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDirs(const std::string& dir) override;
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  Result<std::unique_ptr<FileLock>> TryLock(const std::string& path, std::string_view owner_note) override;

 private:
  friend class FaultWritableFile;
  // Counts a mutating op and decides whether it fails. REQUIRES: mu_ not held.
  Status Check(FsOp op, const std::string& path);
  Status CheckAlive() const;
  Status OnWrite(const std::string& path, std::string_view data, size_t* allowed);
  void OnSynced(const std::string& path);

  // What survives power loss for a file written through us.
  struct Durable {
    bool saved = false;        // durable contents are `contents` (file was truncated/replaced)
    std::string contents;
    uint64_t synced_size = 0;  // otherwise: the first synced_size bytes of the file
  };
  struct DirOp {
    enum Kind { kCreated, kRenamed, kRemoved } kind;
    std::string path;                       // created / removed / rename target
    std::string from;                       // rename source
    std::optional<std::string> old_target;  // rename: what `path` held before; remove: contents
    std::optional<Durable> durable;         // remove: the removed file's durability state
  };

  FileSystem* base_;
  mutable std::mutex mu_;
  std::map<FsOp, int> counts_;
  struct Planned {
    FsOp op;
    int at;  // fire when counts_[op] reaches this
    Status error;
  };
  std::vector<Planned> planned_;
  int short_write_at_ = 0;
  size_t short_write_bytes_ = 0;
  Status short_write_error_;
  uint64_t space_limit_ = UINT64_MAX;
  uint64_t bytes_written_ = 0;
  int crash_at_ = 0;
  int ops_ = 0;
  bool crashed_ = false;
  std::string crash_what_;
  std::map<std::string, Durable> files_;
  std::vector<DirOp> dir_ops_;
};

}  // namespace strata
