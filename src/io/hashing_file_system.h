// HashingFileSystem: a FileSystem that passes every call through to another one and computes the
// SHA-256 of every byte appended through the writable files it creates, so that a writer learns
// the digest of a file it just wrote without reading it back.
//
//   HashingFileSystem hfs(fs);
//   RETURN_IF_ERROR(parquet::WriteParquetFile(&hfs, path, batch, {.atomic = true}));  // temp + rename
//   ASSIGN_OR_RETURN(FileDigest d, hfs.DigestOf(path));   // follows the rename
//
// The digest is of the bytes handed to the base file system's WritableFile::Append that it
// reported written (a failed Append poisons the digest: DigestOf then fails). A file opened in
// OpenMode::kAppend has bytes this object never saw, so it gets no digest. Rename moves a
// recorded digest to the new name; RemoveFile and Truncate forget it.
//
// Thread-safety: like any FileSystem (a mutex guards the digest map); each file object is used by
// one thread at a time, and hashes its bytes in that thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "strata/file_system.h"

namespace strata {

struct FileDigest {
  std::string sha256;  // 64 lowercase hex digits
  uint64_t bytes = 0;
};

class HashingFileSystem final : public FileSystem {
 public:
  // REQUIRES: `base` outlives this object and every file it opens.
  explicit HashingFileSystem(FileSystem* base);
  ~HashingFileSystem() override;

  // The digest of the file last written at `path` (or renamed to it) through this object, recorded
  // when its writer was closed. NotFound if none; IOError if an append to it failed.
  Result<FileDigest> DigestOf(const std::string& path) const;

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, OpenMode mode) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override { return base_->MapFile(path); }
  Result<bool> Exists(const std::string& path) override { return base_->Exists(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override { return base_->ListDir(dir); }
  Status CreateDirs(const std::string& dir) override { return base_->CreateDirs(dir); }
  Status RemoveFile(const std::string& path) override;
  Status RemoveDir(const std::string& dir) override { return base_->RemoveDir(dir); }
  Status Rename(const std::string& from, const std::string& to) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override { return base_->SyncDir(dir); }
  Result<std::unique_ptr<FileLock>> TryLock(const std::string& path, std::string_view owner_note) override {
    return base_->TryLock(path, owner_note);
  }

 private:
  class File;
  struct Entry {
    FileDigest digest;
    bool poisoned = false;
  };
  void Record(const std::string& path, Entry entry);

  FileSystem* const base_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> digests_;
};

}  // namespace strata
