// Byte-range access to a Parquet file: a local file through the FileSystem, an in-memory
// buffer, or (in the cold tier) an object store answering ranged GETs. The reader asks for the
// footer first, then only the column chunks and page-index ranges it needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata::parquet {

class RangeSource {
 public:
  virtual ~RangeSource() = default;
  // Returns exactly bytes [offset, offset + n); a range past the end is an error (Corruption
  // naming the source: the file is shorter than its metadata says).
  virtual Result<std::string> ReadRange(uint64_t offset, uint64_t n) = 0;
  // The same bytes as a view that stays valid until the next call with the same `scratch` (or
  // for a mapped file, as long as the source lives). The default reads into *scratch; sources
  // that hold the bytes already (a memory map) return them without copying.
  virtual Result<std::string_view> ReadRangeView(uint64_t offset, uint64_t n, std::string* scratch);
  virtual Result<uint64_t> Size() = 0;
  // The path or URI, for error messages.
  virtual const std::string& name() const = 0;
  // True when ReadRange/ReadRangeView may be called from several threads at once (each with its
  // own scratch): a memory map or a buffer. A reader then decodes columns in parallel.
  virtual bool concurrent_reads() const { return false; }
};

// Reads a local file: through fs->MapFile(path) (zero-copy views), or fs->NewRandomAccessFile
// where the file cannot be mapped (empty files, file systems without mmap).
Result<std::unique_ptr<RangeSource>> OpenFileRangeSource(FileSystem* fs, const std::string& path);
// Reads through an already open RandomAccessFile (an ObjectStore's OpenRead: ranged GETs on S3).
Result<std::unique_ptr<RangeSource>> MakeRandomAccessRangeSource(std::unique_ptr<RandomAccessFile> file);
// Reads a memory-mapped file (zero-copy views; several threads may read at once).
std::unique_ptr<RangeSource> MakeMappedRangeSource(std::unique_ptr<MappedFile> map);
// Serves a buffer (tests, data already in memory).
std::unique_ptr<RangeSource> MakeStringRangeSource(std::string data, std::string name);

}  // namespace strata::parquet
