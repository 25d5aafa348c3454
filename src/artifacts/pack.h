// Pack files: append-only files of chunk records under <root>/artifacts/packs/.
//
//   pack   := header record*
//   header := "STRATAPK" u32 format_version(=1) u32 reserved(=0)                 (16 bytes)
//   record := "SCK1" u8 codec u8[3] zero u32 raw_len u32 stored_len u8[32] sha256  (48 bytes)
//             payload[stored_len]
// Integers are little-endian. codec is a CompressionType (0 = stored raw). sha256 is the
// chunk id: the digest of the raw (decompressed) bytes. The catalog's artifact_chunks row points
// at the payload (offset of its first byte), so a load reads a raw payload with one read
// straight into its destination; the record header makes a pack self-describing (a lost
// catalog could be rebuilt from the packs, and a catalog row can be cross-checked).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "codec/compression.h"
#include "io/sha256.h"
#include "strata/file_system.h"

namespace strata::artifacts {

inline constexpr size_t kPackHeaderSize = 16;
inline constexpr size_t kRecordHeaderSize = 48;

// "pack-0000000007.pack"
std::string PackFileName(int64_t pack_id);

// Where a stored chunk lives.
struct ChunkLocation {
  int64_t pack_id = 0;
  uint64_t offset = 0;  // of the payload
  uint32_t stored_len = 0;
  uint32_t raw_len = 0;
  CompressionType codec = CompressionType::kNone;
};

std::string EncodeRecordHeader(const Sha256Digest& id, CompressionType codec, uint32_t raw_len, uint32_t stored_len);

// Appends records to one pack file with large writes. Not thread-safe.
class PackWriter {
 public:
  // Creates (truncating any orphan of that name) a new pack, or reopens an existing one for
  // append after cutting it back to `committed_bytes` (bytes past that were written by a put or
  // gc that never committed, so nothing refers to them).
  static Result<std::unique_ptr<PackWriter>> Open(FileSystem* fs, const std::string& dir, int64_t pack_id, bool create,
                                                  uint64_t committed_bytes);
  // Adds one record; returns the payload's offset.
  Result<uint64_t> Add(const Sha256Digest& id, CompressionType codec, uint32_t raw_len, std::string_view payload);
  // Writes what is buffered, fsyncs the file and, for a new pack, its directory. After this the
  // records may be committed to the catalog.
  Status Finish();
  uint64_t size() const { return size_; }
  int64_t pack_id() const { return pack_id_; }
  bool created() const { return created_; }

 private:
  PackWriter() = default;
  Status Flush();
  FileSystem* fs_ = nullptr;
  std::string dir_;
  int64_t pack_id_ = 0;
  bool created_ = false;
  std::unique_ptr<WritableFile> file_;
  std::string buffer_;
  uint64_t size_ = 0;  // including what is buffered
};

}  // namespace strata::artifacts
