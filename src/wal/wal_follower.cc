// WalFollower: reads a live writer's WAL segments as records complete (wal_follower.h).
#include "wal/wal_follower.h"

#include <algorithm>

#include "codec/crc32c.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace strata {

using wal_internal::GetFixed32;
using wal_internal::GetFixed64;
using wal_internal::kRecordHeaderSize;
using wal_internal::kSegmentHeaderSize;

WalFollower::WalFollower(FileSystem* fs, std::string dir, uint64_t after_lsn)
    : fs_(fs), dir_(std::move(dir)), next_lsn_(after_lsn + 1) {}

WalFollower::~WalFollower() = default;

Status WalFollower::ReadOpen(const std::function<Status(uint64_t, std::string_view)>& fn, uint64_t* delivered,
                             bool* stuck) {
  *stuck = false;
  ASSIGN_OR_RETURN(uint64_t size, file_->Size());
  if (size <= offset_) return Status::OK();
  buf_.resize(static_cast<size_t>(size - offset_));
  ASSIGN_OR_RETURN(size_t got, file_->Read(offset_, buf_.size(), buf_.data()));
  buf_.resize(got);
  size_t pos = 0;
  while (pos < buf_.size()) {
    if (buf_.size() - pos < kRecordHeaderSize) break;
    const char* h = buf_.data() + pos;
    const uint32_t length = GetFixed32(h);
    const uint32_t stored_crc = GetFixed32(h + 4);
    const uint64_t lsn = GetFixed64(h + 8);
    if (length > kMaxWalPayload || buf_.size() - pos - kRecordHeaderSize < length) break;
    std::string_view payload(h + kRecordHeaderSize, length);
    if (wal_internal::RecordCrc(Crc32c(payload.data(), payload.size()), length, lsn) != stored_crc) break;
    pos += kRecordHeaderSize + length;
    if (lsn < next_lsn_) continue;  // before the start, or a record a restarted writer wrote again
    next_lsn_ = lsn + 1;
    RETURN_IF_ERROR(fn(lsn, payload));
    ++*delivered;
  }
  offset_ += pos;
  *stuck = pos < buf_.size();
  return Status::OK();
}

Result<bool> WalFollower::OpenNext(std::string* lost) {
  ASSIGN_OR_RETURN(bool exists, fs_->Exists(dir_));
  if (!exists) return false;
  ASSIGN_OR_RETURN(std::vector<wal_internal::SegmentFile> files, wal_internal::ListSegments(fs_, dir_));
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].seq <= seq_) continue;
    auto file = fs_->NewRandomAccessFile(files[i].path);
    if (!file.ok() && file.status().IsNotFound()) continue;  // deleted by a flush meanwhile
    if (!file.ok()) return file.status();
    char header[kSegmentHeaderSize];
    ASSIGN_OR_RETURN(size_t got, (*file)->Read(0, kSegmentHeaderSize, header));
    if (got < kSegmentHeaderSize) return false;  // being created: next time
    auto h = wal_internal::DecodeSegmentHeader(std::string_view(header, kSegmentHeaderSize));
    if (!h.ok()) return Status::Corruption(files[i].path + ": " + h.status().message());
    // With none open yet, start in the newest segment that begins at or before next_lsn_.
    if (seq_ == 0 && i + 1 < files.size() && h->first_lsn <= next_lsn_) {
      char next[kSegmentHeaderSize];
      auto nf = fs_->NewRandomAccessFile(files[i + 1].path);
      if (nf.ok()) {
        auto ngot = (*nf)->Read(0, kSegmentHeaderSize, next);
        if (ngot.ok() && *ngot == kSegmentHeaderSize) {
          auto nh = wal_internal::DecodeSegmentHeader(std::string_view(next, kSegmentHeaderSize));
          if (nh.ok() && nh->first_lsn <= next_lsn_) continue;
        }
      }
    }
    if (h->first_lsn > next_lsn_) {
      if ((h->flags & wal_internal::kSegmentAfterGap) == 0) {
        *lost = "records " + std::to_string(next_lsn_) + ".." + std::to_string(h->first_lsn - 1) +
                " were flushed and their WAL segment deleted before they could be followed";
      }
      next_lsn_ = h->first_lsn;
    }
    seq_ = files[i].seq;
    file_ = std::move(file).value();
    offset_ = kSegmentHeaderSize;
    return true;
  }
  return false;
}

Result<uint64_t> WalFollower::Poll(const std::function<Status(uint64_t, std::string_view)>& fn, std::string* lost) {
  lost->clear();
  uint64_t delivered = 0;
  for (;;) {
    if (file_ == nullptr) {
      ASSIGN_OR_RETURN(bool opened, OpenNext(lost));
      if (!opened) return delivered;
    }
    bool stuck = false;
    RETURN_IF_ERROR(ReadOpen(fn, &delivered, &stuck));
    // A newer segment makes this one final (the writer never writes to an older segment): read
    // what the writer added before it rolled, then move on. Otherwise wait for more.
    ASSIGN_OR_RETURN(std::vector<wal_internal::SegmentFile> files, wal_internal::ListSegments(fs_, dir_));
    const bool newer = std::any_of(files.begin(), files.end(), [&](const auto& f) { return f.seq > seq_; });
    if (!newer) return delivered;
    RETURN_IF_ERROR(ReadOpen(fn, &delivered, &stuck));
    file_.reset();  // a torn tail left by a crashed writer is never completed: the next segment follows
  }
}

}  // namespace strata
