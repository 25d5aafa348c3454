#include "wal/wal_format.h"

#include <algorithm>
#include <cstdio>

#include "codec/crc32c.h"

namespace strata::wal_internal {

std::string SegmentFileName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%010llu.log", static_cast<unsigned long long>(seq));
  return buf;
}

bool ParseSegmentFileName(std::string_view name, uint64_t* seq) {
  if (name.size() != 14 || name.substr(10) != ".log") return false;
  uint64_t v = 0;
  for (char c : name.substr(0, 10)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *seq = v;
  return true;
}

Result<std::vector<SegmentFile>> ListSegments(FileSystem* fs, const std::string& dir) {
  auto names = fs->ListDir(dir);
  if (!names.ok()) return names.status().WithContext("listing WAL segments");
  std::vector<SegmentFile> out;
  for (const std::string& name : *names) {
    uint64_t seq = 0;
    if (ParseSegmentFileName(name, &seq)) out.push_back({seq, JoinPath(dir, name)});
  }
  std::sort(out.begin(), out.end(), [](const SegmentFile& a, const SegmentFile& b) { return a.seq < b.seq; });
  return out;
}

void EncodeSegmentHeader(uint64_t first_lsn, char out[kSegmentHeaderSize], uint32_t flags) {
  PutFixed32(out, kSegmentMagic);
  PutFixed32(out + 4, flags == 0 ? 1 : 2);
  PutFixed64(out + 8, first_lsn);
  PutFixed32(out + 16, flags);
  PutFixed32(out + 20, MaskCrc(Crc32c(out, 20)));
}

Result<SegmentHeader> DecodeSegmentHeader(std::string_view bytes) {
  if (bytes.size() < kSegmentHeaderSize) return Status::Corruption("segment header truncated");
  const char* p = bytes.data();
  if (GetFixed32(p) != kSegmentMagic) return Status::Corruption("not a WAL segment (bad magic)");
  if (MaskCrc(Crc32c(p, 20)) != GetFixed32(p + 20)) return Status::Corruption("segment header CRC mismatch");
  uint32_t version = GetFixed32(p + 4);
  if (version < 1 || version > kFormatVersion) {
    return Status::Corruption("unsupported WAL format version " + std::to_string(version) + " (this build reads 1.." +
                              std::to_string(kFormatVersion) + ")");
  }
  SegmentHeader h;
  h.first_lsn = GetFixed64(p + 8);
  if (h.first_lsn == 0) return Status::Corruption("segment header names first LSN 0");
  // Version 1 wrote a reserved 0 there; version 2 defines kSegmentAfterGap and nothing else.
  h.flags = version == 1 ? 0 : GetFixed32(p + 16);
  if ((h.flags & ~kSegmentAfterGap) != 0) {
    return Status::Corruption("segment header has unknown flags " + std::to_string(h.flags));
  }
  return h;
}

uint32_t RecordCrc(uint32_t payload_crc, uint32_t length, uint64_t lsn) {
  char buf[12];
  PutFixed32(buf, length);
  PutFixed64(buf + 4, lsn);
  return MaskCrc(Crc32c(buf, sizeof buf, payload_crc));
}

void EncodeRecordHeader(uint32_t length, uint64_t lsn, uint32_t payload_crc, char out[kRecordHeaderSize]) {
  PutFixed32(out, length);
  PutFixed32(out + 4, RecordCrc(payload_crc, length, lsn));
  PutFixed64(out + 8, lsn);
}

}  // namespace strata::wal_internal
