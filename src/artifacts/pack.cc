#include "artifacts/pack.h"

#include <cstdio>
#include <cstring>

namespace strata::artifacts {
namespace {

constexpr size_t kFlushBytes = 8 << 20;  // large appends: few syscalls

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

std::string PackFileName(int64_t pack_id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "pack-%010lld.pack", static_cast<long long>(pack_id));
  return buf;
}

std::string EncodeRecordHeader(const Sha256Digest& id, CompressionType codec, uint32_t raw_len, uint32_t stored_len) {
  std::string h(kRecordHeaderSize, '\0');
  std::memcpy(h.data(), "SCK1", 4);
  h[4] = static_cast<char>(codec);
  PutU32(h.data() + 8, raw_len);
  PutU32(h.data() + 12, stored_len);
  std::memcpy(h.data() + 16, id.data(), 32);
  return h;
}

Result<std::unique_ptr<PackWriter>> PackWriter::Open(FileSystem* fs, const std::string& dir, int64_t pack_id,
                                                     bool create, uint64_t committed_bytes) {
  std::unique_ptr<PackWriter> w(new PackWriter);
  w->fs_ = fs;
  w->dir_ = dir;
  w->pack_id_ = pack_id;
  w->created_ = create;
  std::string path = JoinPath(dir, PackFileName(pack_id));
  if (create) {
    ASSIGN_OR_RETURN(w->file_, fs->NewWritableFile(path, OpenMode::kTruncate));
    std::string header(kPackHeaderSize, '\0');
    std::memcpy(header.data(), "STRATAPK", 8);
    PutU32(header.data() + 8, 1);
    w->buffer_ = header;
    w->size_ = kPackHeaderSize;
  } else {
    ASSIGN_OR_RETURN(uint64_t on_disk, fs->FileSize(path));
    if (on_disk < committed_bytes) {
      return Status::Corruption("pack " + path + " has " + std::to_string(on_disk) + " bytes, the catalog says " +
                                std::to_string(committed_bytes) + " are committed");
    }
    if (on_disk > committed_bytes) RETURN_IF_ERROR(fs->Truncate(path, committed_bytes));
    ASSIGN_OR_RETURN(w->file_, fs->NewWritableFile(path, OpenMode::kAppend));
    w->size_ = committed_bytes;
  }
  w->buffer_.reserve(kFlushBytes + (1 << 20));
  return w;
}

Result<uint64_t> PackWriter::Add(const Sha256Digest& id, CompressionType codec, uint32_t raw_len,
                                 std::string_view payload) {
  buffer_ += EncodeRecordHeader(id, codec, raw_len, static_cast<uint32_t>(payload.size()));
  uint64_t offset = size_ + kRecordHeaderSize;
  size_ += kRecordHeaderSize + payload.size();
  if (payload.size() >= kFlushBytes / 4) {
    RETURN_IF_ERROR(Flush());
    RETURN_IF_ERROR(file_->Append(payload));
  } else {
    buffer_.append(payload);
    if (buffer_.size() >= kFlushBytes) RETURN_IF_ERROR(Flush());
  }
  return offset;
}

Status PackWriter::Flush() {
  if (buffer_.empty()) return Status::OK();
  RETURN_IF_ERROR(file_->Append(buffer_));
  buffer_.clear();
  return Status::OK();
}

Status PackWriter::Finish() {
  RETURN_IF_ERROR(Flush());
  RETURN_IF_ERROR(file_->Sync());
  RETURN_IF_ERROR(file_->Close());
  if (created_) RETURN_IF_ERROR(fs_->SyncDir(dir_));
  return Status::OK();
}

}  // namespace strata::artifacts
