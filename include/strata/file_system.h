// The one file-system interface that every strata file access goes through.
//
// Production code uses PosixFileSystem (DefaultFileSystem()). Tests swap in a
// FaultInjectionFileSystem (src/io/fault_injection_fs.h) that fails chosen operations, reports
// a full disk, or simulates a crash by dropping everything not yet made durable.
//
// Durability contract (as POSIX): appended bytes are durable after WritableFile::Sync(); a
// newly created, renamed or removed directory entry is durable after SyncDir() of its parent.
//
// All paths are plain strings; implementations are thread-safe; file objects are not (one
// thread at a time per object).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace strata {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data` or fails (a short write from the OS is retried; ENOSPC => NoSpace).
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  // Closes the file; further calls fail. The destructor closes without reporting.
  virtual Status Close() = 0;
  // Bytes in the file (existing bytes when opened for append, plus everything appended).
  virtual uint64_t Size() const = 0;
  virtual const std::string& path() const = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at `offset` into `scratch`; returns bytes read (fewer only at EOF).
  virtual Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const = 0;
  virtual Result<uint64_t> Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A read-only memory map of a whole file. Unmapped on destruction.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::string_view data() const = 0;
  virtual const std::string& path() const = 0;
};

// An exclusive advisory lock held by this process; released on destruction or process exit.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class OpenMode {
  kTruncate,   // create or empty the file
  kAppend,     // create or keep the file, append at its end
  kCreateNew,  // fail with AlreadyExists if the file exists
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, OpenMode mode) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) = 0;

  virtual Result<bool> Exists(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  // Names (not paths) of the entries in `dir`, sorted; excludes "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // Creates `dir` and any missing parents; OK if it exists.
  virtual Status CreateDirs(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& dir) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Cuts a file to `size` bytes.
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Makes the directory's entries (creates, renames, removes) durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Takes an exclusive lock on `path` (created if missing) without waiting; Busy if another
  // process holds it. `owner_note` is written into the file for the error message of the next
  // process that finds it locked (the Busy message quotes it); releasing the lock empties it.
  virtual Result<std::unique_ptr<FileLock>> TryLock(const std::string& path, std::string_view owner_note) = 0;

  // Convenience built on the primitives above.
  Result<std::string> ReadFile(const std::string& path);
  // Writes `data` to path atomically: temp file, fsync, rename, fsync of the directory.
  Status WriteFileAtomic(const std::string& path, std::string_view data);
  // Removes `dir` and everything under it; OK if it does not exist.
  Status RemoveAll(const std::string& dir);
};

// Checks, before any byte is written, that writing `output` cannot destroy an input: OK when
// `output` does not exist or is not the same file (device and inode, links followed) as any of
// `inputs`; inputs that do not exist (or "-" for stdin) are skipped. The error names both paths.
Status CheckOutputIsNotInput(const std::string& output, const std::vector<std::string>& inputs);

// Checks that `path` may be replaced by a temp-file-then-rename write: OK when it does not exist
// or is a regular file. A symbolic link, FIFO, device, socket or directory there is refused with
// a message saying what it is (the rename would replace it with a regular file: `/dev/full` would
// stop being a device, a symlink would stop pointing at its target).
Status CheckReplaceableByRename(const std::string& path);

// The process-wide POSIX file system.
FileSystem* DefaultFileSystem();

// Path helpers.
std::string JoinPath(std::string_view a, std::string_view b);
std::string DirName(std::string_view path);
std::string BaseName(std::string_view path);

}  // namespace strata
