// A FileSystem for tests: fails chosen operations and simulates crashes and power loss.
//
// FaultInjectionFileSystem wraps a base FileSystem (normally DefaultFileSystem() over a TempDir)
// and passes every call through, except that it can
//  - fail the n-th future operation of one kind (FailNth) with a chosen error;
//  - cut the n-th future write short (ShortWriteNth): a prefix lands, then an error;
//  - act as a full disk (SetSpaceLimit);
//  - crash (CrashAtOp): the n-th future mutating operation and every call after it, reads
//    included, fail with Aborted and change nothing, as if the process had died right there;
//  - simulate power loss (DropUnsyncedData): put the disk back to what was durable.
//
// Durability model: what survives DropUnsyncedData() is what POSIX promises, at its strictest.
//  - File contents are durable as of the file's last successful WritableFile::Sync(), through any
//    handle of that file (fdatasync works on the file, not on the handle). Bytes appended since,
//    and Truncate()s since, are lost. A Sync that fails (injected, not a crash) loses the bytes
//    that were unsynced then for good, as Linux does: a later successful Sync makes the bytes
//    written after them durable, but those read as zeros after power loss.
//  - A directory entry (a created file or directory, a rename, a removal) is durable once its
//    parent directory has been SyncDir'ed after it. Until then power loss undoes it: a created file
//    vanishes, a created directory vanishes with everything in it (synced or not), a rename is
//    reverted (and the file it replaced comes back), a removed file or directory comes back. What
//    comes back has its durable contents.
//  - A rename across directories changes both: SyncDir only the target's directory and the file
//    may survive under both names. Renaming a directory is not modelled (returns Unsupported).
//  - Whatever existed when this object first touched a directory counts as durable, and so does
//    a file it finds that something else created later (a SQLite database, a lock file written by
//    TryLock): those it never removes or rewrites unless they were changed through it.
//  - Symbolic links are not modelled: they count as what they point to.
// Durable and current contents of every file changed through this object are kept in memory (tests
// use small files). Paths are compared as text after dropping "." components and repeated '/'
// (".." and symlinks are not resolved), so spell each file one way (absolute paths from TempDir).
//
// Counting crash points: run a scenario once on a fresh instance and read mutating_ops() = N; then
// for k = 1..N, on a fresh instance: CrashAtOp(k), run the scenario, DropUnsyncedData(), reopen the
// database on the same instance (or on the base file system) and check its invariants.
//
// Thread-safety: every method, including those of the files it opens, may be called from any thread;
// one mutex serialises them all, base I/O included, so a Sync() records exactly the bytes that reached
// the file before it. Files opened here must not outlive this object; after DropUnsyncedData() they
// fail with Aborted (the process that owned them is gone).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/file_system.h"

namespace strata {

// The mutating operations: each call of one of these is one op for counting and injection.
enum class FsOp {
  kWrite,      // WritableFile::Append
  kSync,       // WritableFile::Sync
  kRename,     // FileSystem::Rename
  kCreate,     // FileSystem::NewWritableFile, in any mode (opening an existing file for append counts)
  kRemove,     // FileSystem::RemoveFile and RemoveDir
  kSyncDir,    // FileSystem::SyncDir
  kTruncate,   // FileSystem::Truncate
  kCreateDir,  // FileSystem::CreateDirs (one op per call, however many levels it creates)
};
// "write", "sync", "rename", "create", "remove", "sync_dir", "truncate", "create_dir".
std::string_view FsOpName(FsOp op);

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // REQUIRES: `base` outlives this object and is not changed behind its back during a scenario.
  explicit FaultInjectionFileSystem(FileSystem* base);
  ~FaultInjectionFileSystem() override;
  FaultInjectionFileSystem(const FaultInjectionFileSystem&) = delete;
  FaultInjectionFileSystem& operator=(const FaultInjectionFileSystem&) = delete;

  // Fails the n-th (1 = the next) future op of kind `op` with `error`, or by default with an IOError
  // naming the op and the path. The failing op changes nothing. One-shot; several may be pending.
  // n < 1 is ignored.
  void FailNth(FsOp op, int n, Status error = Status());
  // Fails every future op of kind `op` whose path contains `fragment` with `error` (default: an
  // IOError naming the op and path), until cleared with an empty fragment. Not one-shot: e.g. the
  // flush of one series (its symbol is in its paths) fails on every attempt.
  void FailPathsContaining(FsOp op, std::string fragment, Status error = Status());
  // The n-th future write appends only the first `bytes` bytes of its data (all of it if shorter),
  // then fails with `error`, by default an IOError naming the path and the byte counts. One-shot;
  // n < 1 is ignored.
  void ShortWriteNth(int n, size_t bytes, Status error = Status());
  // A full disk: once bytes_written() would exceed `bytes`, a write lands only what still fits
  // (as a real write(2) does) and fails with NoSpace naming the path; later writes fail outright.
  // Removing or truncating files frees nothing: raise the limit to model freed space.
  void SetSpaceLimit(uint64_t bytes);
  // Bytes appended through this object since it was constructed.
  uint64_t bytes_written() const;

  // Crash point: the n-th (1 = the next) future mutating op, and every call after it (mutating or
  // not), fails with Aborted and changes nothing: that op with "crashed at <op> <path>", later calls
  // with "crashed at <op> <path>; <their op> <their path> refused after the crash". n < 1 disarms.
  void CrashAtOp(int n);
  bool crashed() const;
  // Mutating ops attempted (including failed and refused ones) since construction or ResetCounters().
  int mutating_ops() const;
  // Ops of one kind attempted since construction or ResetCounters() (e.g. how many fsyncs).
  int ops(FsOp op) const;
  // Zeroes mutating_ops() and ops(); pending faults and the crash point keep counting from where they were.
  void ResetCounters();

  // Power loss: puts every file and directory changed through this object back to its durable state
  // (see the model above), then clears the crashed state, the crash point and pending FailNth and
  // ShortWriteNth faults (the space limit stays), so the scenario can reopen on this object. Works
  // with or without a crash first; what is on disk afterwards counts as durable.
  // REQUIRES: no call on this object or its files is in progress.
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
  // Never failed by injection, but refused after a crash like everything else.
  Result<std::unique_ptr<FileLock>> TryLock(const std::string& path, std::string_view owner_note) override;

 private:
  friend class FaultWritableFile;

  // A file's bytes now and as of its last Sync (for a file found on disk: as found).
  struct Inode {
    std::string live;
    std::string durable;
    // Byte ranges [first, second) that were unsynced when a Sync of the file failed. Linux marks
    // those pages clean after a writeback error: a later successful Sync does not write them, so
    // they never become durable (a power loss leaves zeros there).
    std::vector<std::pair<size_t, size_t>> lost;
  };
  // A directory entry. kOriginal: there when we listed the directory and untouched since, so it is
  // durable and we never needed to know what it is. `id` indexes inodes_ (kFile) or dirs_ (kDir).
  struct Entry {
    enum Kind { kOriginal, kFile, kDir } kind = kOriginal;
    int id = -1;
    bool operator==(const Entry&) const = default;
  };
  using Entries = std::map<std::string, Entry>;
  // A directory's entries now and as of its last SyncDir (for a directory found on disk: as found).
  struct DirNode {
    Entries live;
    Entries durable;
  };
  struct Fault {
    FsOp op;
    int countdown;  // fires when it reaches 0
    Status error;
    std::optional<size_t> short_write_bytes;  // set: a short write rather than a failure
  };

  // All REQUIRE mu_ held.
  Status Refused(std::string_view what) const;
  // Counts one `op` on `what` ("<op> <path>"); returns the crash or injected failure, if any.
  // A firing short write is reported through `short_write` instead.
  Status Inject(FsOp op, const std::string& what, std::optional<Fault>* short_write = nullptr);
  // The node of directory `dir` (normalised), listing it on first use.
  Result<int> TrackDir(const std::string& dir);
  // The entry `name` of directory node `dir_id` at `dir`, resolved to kFile/kDir (loading a file's
  // contents); nullopt if there is none.
  Result<std::optional<Entry>> Resolve(int dir_id, const std::string& dir, const std::string& name);
  void ForgetDirsUnder(const std::string& path);
  Status RestoreDir(const std::string& path, int dir_id, bool recreated);

  // WritableFile operations, for FaultWritableFile.
  Status FileAppend(int inode, uint64_t epoch, const std::string& path, std::string_view data, WritableFile* base);
  Status FileSync(int inode, uint64_t epoch, const std::string& path, WritableFile* base);
  Status FileClose(uint64_t epoch, const std::string& path, WritableFile* base);

  FileSystem* const base_;
  mutable std::mutex mu_;
  // Injection state.
  std::vector<Fault> faults_;
  struct PathFault {
    FsOp op;
    std::string fragment;
    Status error;
  };
  std::vector<PathFault> path_faults_;
  int crash_countdown_ = 0;  // 0: no crash armed
  bool crashed_ = false;
  std::string crash_message_;
  int ops_ = 0;
  std::array<int, 8> ops_by_kind_{};  // indexed by FsOp
  uint64_t space_limit_ = UINT64_MAX;
  uint64_t bytes_written_ = 0;
  // Durability state. dir_at_ maps the normalised path of every directory we track to its node.
  // Deques: references to elements stay valid while more are added.
  std::deque<Inode> inodes_;
  std::deque<DirNode> dirs_;
  std::map<std::string, int> dir_at_;
  uint64_t epoch_ = 0;  // bumped by DropUnsyncedData: files opened before it are dead
};

}  // namespace strata
