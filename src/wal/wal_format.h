// Byte layout of WAL segments, shared by the writer and the reader (see doc/wal_format.md).
// Internal to src/wal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata::wal_internal {

// Segment header: u32 magic "SWAL", u32 version, u64 first LSN, u32 flags (version 1: reserved,
// 0), u32 masked CRC32C of the preceding 20 bytes. A writer writes version 1 when the flags are
// 0 (the bytes older builds wrote) and version 2 otherwise, so older builds refuse a header
// whose flags they do not know.
inline constexpr size_t kSegmentHeaderSize = 24;
inline constexpr uint32_t kSegmentMagic = 0x4c415753;  // "SWAL" as little-endian bytes
inline constexpr uint32_t kFormatVersion = 2;          // the newest version this build reads
// Flag: the segment starts above the previous segment's last LSN + 1 on purpose. The LSNs in
// between were lost to a power failure below a flushed cut (see WalWriter::Open); a reader
// accepts the gap instead of reporting corruption.
inline constexpr uint32_t kSegmentAfterGap = 1;

struct SegmentHeader {
  uint64_t first_lsn = 0;
  uint32_t flags = 0;
};

// Record header: u32 payload length, u32 masked CRC, u64 LSN; the payload follows.
inline constexpr size_t kRecordHeaderSize = 16;

// "0000000042.log"
std::string SegmentFileName(uint64_t seq);
// True (and *seq set) for names of exactly ten digits followed by ".log".
bool ParseSegmentFileName(std::string_view name, uint64_t* seq);

struct SegmentFile {
  uint64_t seq;
  std::string path;
};
// The segment files in `dir`, oldest first. Other names are ignored.
Result<std::vector<SegmentFile>> ListSegments(FileSystem* fs, const std::string& dir);

void EncodeSegmentHeader(uint64_t first_lsn, char out[kSegmentHeaderSize], uint32_t flags = 0);
// Parses a header; on failure returns a message saying what is wrong (no path).
Result<SegmentHeader> DecodeSegmentHeader(std::string_view bytes);

// The masked record CRC: CRC32C of the payload, extended by the length and LSN as they are laid
// out in the header. Taking the payload first lets the appending thread checksum it before the
// writer lock assigns the LSN.
uint32_t RecordCrc(uint32_t payload_crc, uint32_t length, uint64_t lsn);
void EncodeRecordHeader(uint32_t length, uint64_t lsn, uint32_t payload_crc, char out[kRecordHeaderSize]);

inline void PutFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline void PutFixed64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
inline uint64_t GetFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

}  // namespace strata::wal_internal
