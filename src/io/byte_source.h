// Sequential byte streams for ingest: a file through the FileSystem, stdin, or a string (tests).
//
// A ByteSource is read front to back once. Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "strata/file_system.h"

namespace strata {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into buf; returns how many (fewer than n is not the end). 0 means the
  // end of the stream, and every later call returns 0 too. Errors name the source.
  // REQUIRES: buf has room for n bytes.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Total bytes, for progress; nullopt for pipes.
  virtual std::optional<uint64_t> TotalSize() const = 0;
  // The file path, or "<stdin>".
  virtual const std::string& name() const = 0;
};

// Reads `path` through fs->NewRandomAccessFile; TotalSize() is the file's size when opened.
// A path that is not a regular file (a pipe such as <(cmd), a FIFO, a character device) is read
// as a stream with read(2) instead, with no TotalSize; a directory is an InvalidArgument error.
// REQUIRES: `fs` outlives the source (a file object may refer back to its file system).
Result<std::unique_ptr<ByteSource>> OpenFileSource(FileSystem* fs, const std::string& path);
// Reads file descriptor 0 (not closed by the source); name "<stdin>"; no TotalSize.
std::unique_ptr<ByteSource> StdinSource();
// Serves `data`; for tests and small in-memory inputs.
std::unique_ptr<ByteSource> StringSource(std::string data, std::string name);

}  // namespace strata
