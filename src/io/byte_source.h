// Sequential byte streams: a file through the FileSystem, stdin, or a string (tests).
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
  // Reads up to n bytes; 0 means the end of the stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Total bytes, for progress; nullopt for pipes.
  virtual std::optional<uint64_t> TotalSize() const = 0;
  // The file path, or "<stdin>".
  virtual const std::string& name() const = 0;
};

Result<std::unique_ptr<ByteSource>> OpenFileSource(FileSystem* fs, const std::string& path);
std::unique_ptr<ByteSource> StdinSource();
std::unique_ptr<ByteSource> StringSource(std::string data, std::string name);

}  // namespace strata
