// ReadWal: replays segments in order, tells a torn tail (crash mid-append) from corruption.
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

#include "codec/crc32c.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace strata {
namespace {

using wal_internal::GetFixed32;
using wal_internal::GetFixed64;
using wal_internal::kRecordHeaderSize;
using wal_internal::kSegmentHeaderSize;

constexpr size_t kReadChunk = 1u << 20;

// Sequential reads through one reused buffer: a view returned by Read stays valid until the next
// Read. A record that fits in the buffered chunk costs no copy and no system call.
class SegmentReader {
 public:
  SegmentReader(const RandomAccessFile* file, uint64_t size) : file_(file), size_(size) {}

  // REQUIRES: offset + n <= size().
  Result<std::string_view> Read(uint64_t offset, size_t n) {
    if (offset >= buf_offset_ && offset + n <= buf_offset_ + buf_len_) {
      return std::string_view(buf_.get() + (offset - buf_offset_), n);
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(std::max(n, kReadChunk), size_ - offset));
    if (want > buf_cap_) {
      buf_ = std::make_unique_for_overwrite<char[]>(want);
      buf_cap_ = want;
    }
    buf_len_ = 0;
    ASSIGN_OR_RETURN(size_t got, file_->Read(offset, want, buf_.get()));
    if (got < n) {
      return Status::IOError(file_->path() + " offset " + std::to_string(offset) + ": short read of " +
                             std::to_string(got) + " bytes, expected " + std::to_string(n) +
                             " (was the file truncated while being read?)");
    }
    buf_offset_ = offset;
    buf_len_ = got;
    return std::string_view(buf_.get(), n);
  }

  // True if bytes [offset, size()) are all zero.
  Result<bool> AllZeroFrom(uint64_t offset) {
    while (offset < size_) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(kReadChunk, size_ - offset));
      ASSIGN_OR_RETURN(std::string_view bytes, Read(offset, n));
      if (std::any_of(bytes.begin(), bytes.end(), [](char c) { return c != 0; })) return false;
      offset += n;
    }
    return true;
  }

  uint64_t size() const { return size_; }

 private:
  const RandomAccessFile* file_;
  uint64_t size_;
  std::unique_ptr<char[]> buf_;
  size_t buf_cap_ = 0;
  uint64_t buf_offset_ = 0;
  size_t buf_len_ = 0;
};

std::string Where(const std::string& path, uint64_t offset) { return path + " offset " + std::to_string(offset); }

class WalReplay {
 public:
  WalReplay(const WalReadOptions& options, const std::function<Status(uint64_t, std::string_view)>& fn)
      : options_(options), fn_(fn) {}

  Result<WalReadResult> Run() {
    FileSystem* fs = options_.fs;
    if (fs == nullptr) return Status::InvalidArgument("WalReadOptions.fs is not set");
    ASSIGN_OR_RETURN(bool exists, fs->Exists(options_.dir));
    if (!exists) return result_;
    ASSIGN_OR_RETURN(std::vector<wal_internal::SegmentFile> files, wal_internal::ListSegments(fs, options_.dir));
    result_.segments = files.size();
    for (size_t i = 0; i < files.size() && !stopped_; ++i) {
      RETURN_IF_ERROR(ReadSegment(files[i].path, i + 1 == files.size()));
    }
    if (next_lsn_ != 0) result_.last_lsn = next_lsn_ - 1;
    return result_;
  }

 private:
  Status ReadSegment(const std::string& path, bool newest) {
    ASSIGN_OR_RETURN(auto file, options_.fs->NewRandomAccessFile(path));
    ASSIGN_OR_RETURN(uint64_t size, file->Size());
    result_.bytes += size;
    SegmentReader reader(file.get(), size);

    if (size < kSegmentHeaderSize) {
      return BadFrame(&reader, path, newest, 0, kSegmentHeaderSize,
                      "segment header truncated (" + std::to_string(size) + " bytes)");
    }
    ASSIGN_OR_RETURN(std::string_view header, reader.Read(0, kSegmentHeaderSize));
    auto first = wal_internal::DecodeSegmentHeader(header);
    if (!first.ok()) return BadFrame(&reader, path, newest, 0, kSegmentHeaderSize, first.status().message());
    RETURN_IF_ERROR(CheckSegmentStart(path, first->first_lsn, (first->flags & wal_internal::kSegmentAfterGap) != 0));

    uint64_t offset = kSegmentHeaderSize;
    while (offset < size) {
      if (size - offset < kRecordHeaderSize) {
        return BadFrame(&reader, path, newest, offset, offset + kRecordHeaderSize,
                        "record header truncated (" + std::to_string(size - offset) + " bytes left)");
      }
      ASSIGN_OR_RETURN(std::string_view h, reader.Read(offset, kRecordHeaderSize));
      const uint32_t length = GetFixed32(h.data());
      const uint32_t stored_crc = GetFixed32(h.data() + 4);
      const uint64_t lsn = GetFixed64(h.data() + 8);
      const uint64_t end = offset + kRecordHeaderSize + length;
      if (length > kMaxWalPayload) {
        return BadFrame(
            &reader, path, newest, offset, end,
            "record length " + std::to_string(length) + " exceeds the limit of " + std::to_string(kMaxWalPayload));
      }
      if (end > size) {
        return BadFrame(&reader, path, newest, offset, end,
                        "record length " + std::to_string(length) + " runs past the end of the segment (" +
                            std::to_string(size) + " bytes)");
      }
      ASSIGN_OR_RETURN(std::string_view payload, reader.Read(offset + kRecordHeaderSize, length));
      uint32_t crc = wal_internal::RecordCrc(Crc32c(payload.data(), payload.size()), length, lsn);
      if (crc != stored_crc) return BadFrame(&reader, path, newest, offset, end, "record CRC mismatch");
      // A record whose CRC holds was written whole: a wrong LSN is never a torn write.
      if (lsn != next_lsn_) {
        return Status::Corruption(Where(path, offset) + ": record has LSN " + std::to_string(lsn) + ", expected " +
                                  std::to_string(next_lsn_) + (lsn > next_lsn_ ? " (gap)" : " (repeat)"));
      }
      ++next_lsn_;
      if (lsn > options_.after_lsn) {
        RETURN_IF_ERROR(fn_(lsn, payload));
        ++result_.records;
      }
      offset = end;
    }
    return Status::OK();
  }

  // after_gap: the writer that created the segment started it above the log's end on purpose
  // (kSegmentAfterGap), so LSNs missing before it are not corruption.
  Status CheckSegmentStart(const std::string& path, uint64_t first_lsn, bool after_gap) {
    if (after_gap && (next_lsn_ == 0 || first_lsn > next_lsn_)) {
      next_lsn_ = first_lsn;
      return Status::OK();
    }
    if (next_lsn_ == 0) {
      // The oldest segment: nothing after after_lsn may have been removed before it.
      if (options_.after_lsn > 0 && first_lsn > options_.after_lsn + 1) {
        return Status::Corruption(Where(path, 0) + ": the log starts at LSN " + std::to_string(first_lsn) +
                                  ", so records " + std::to_string(options_.after_lsn + 1) + ".." +
                                  std::to_string(first_lsn - 1) + " are missing");
      }
    } else if (first_lsn != next_lsn_) {
      return Status::Corruption(Where(path, 0) + ": segment starts at LSN " + std::to_string(first_lsn) +
                                " but the previous segment ended at LSN " + std::to_string(next_lsn_ - 1) +
                                (first_lsn > next_lsn_ ? " (gap)" : " (repeat)"));
    }
    next_lsn_ = first_lsn;
    return Status::OK();
  }

  // A frame (segment header or record) at [offset, frame_end) failed to parse. In the newest
  // segment that is a torn tail when the frame reaches or passes the end of the file (the last
  // write was cut short) or everything from it on is zero (space allocated, data never written);
  // anywhere else it is corruption.
  Status BadFrame(SegmentReader* reader, const std::string& path, bool newest, uint64_t offset, uint64_t frame_end,
                  const std::string& what) {
    bool torn = false;
    if (newest) {
      ASSIGN_OR_RETURN(torn, reader->AllZeroFrom(offset));
      if (!torn && frame_end >= reader->size() && offset >= kSegmentHeaderSize) {
        // A cut-short last write, unless a valid record follows: then the frame's length field
        // itself is damaged (it has no CRC of its own) and acknowledged records come after it.
        ASSIGN_OR_RETURN(std::optional<Found> after, ValidRecordAfter(reader, offset));
        if (after) {
          return Status::Corruption(Where(path, offset) + ": " + what + ", but a valid record (LSN " +
                                    std::to_string(after->lsn) + ") follows at offset " +
                                    std::to_string(after->offset) +
                                    ": the record header is damaged, this is not a torn tail");
        }
        torn = true;
      } else if (!torn) {
        torn = frame_end >= reader->size();
      }
    }
    if (!torn) return Status::Corruption(Where(path, offset) + ": " + what);
    stopped_ = true;
    if (!options_.repair) return Status::OK();
    const uint64_t tail = reader->size() - offset;
    FileSystem* fs = options_.fs;
    if (offset < kSegmentHeaderSize) {
      // Not even the header made it: the segment never held a record.
      RETURN_IF_ERROR(fs->RemoveFile(path).WithContext("repairing the WAL"));
      RETURN_IF_ERROR(fs->SyncDir(options_.dir).WithContext("repairing the WAL"));
      result_.warnings.push_back(path + ": torn segment header (" + std::to_string(tail) + " bytes) removed");
      return Status::OK();
    }
    RETURN_IF_ERROR(fs->Truncate(path, offset).WithContext("repairing the WAL"));
    // The cut must be durable before a writer adds a newer segment behind this one.
    ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(path, OpenMode::kAppend));
    RETURN_IF_ERROR(f->Sync().WithContext("repairing the WAL"));
    RETURN_IF_ERROR(f->Close());
    result_.warnings.push_back(path + ": torn tail at offset " + std::to_string(offset) + " (" + std::to_string(tail) +
                               " bytes) truncated: " + what);
    return Status::OK();
  }

  struct Found {
    uint64_t offset;
    uint64_t lsn;
  };
  // The first offset after `bad` where a whole record with a valid CRC starts, whose LSN could
  // follow the bad one (at least next_lsn_, and no more records than bytes allow). A torn write
  // leaves nothing valid behind the bad frame; a damaged header in the middle of the log does.
  Result<std::optional<Found>> ValidRecordAfter(SegmentReader* reader, uint64_t bad) {
    const uint64_t size = reader->size();
    const uint64_t max_records = (size - bad) / kRecordHeaderSize + 1;
    for (uint64_t p = bad + 1; p + kRecordHeaderSize <= size; ++p) {
      ASSIGN_OR_RETURN(std::string_view h, reader->Read(p, kRecordHeaderSize));
      const uint32_t length = GetFixed32(h.data());
      const uint64_t lsn = GetFixed64(h.data() + 8);
      if (lsn < next_lsn_ || lsn - next_lsn_ > max_records) continue;
      if (length > size - p - kRecordHeaderSize) continue;
      const uint32_t stored_crc = GetFixed32(h.data() + 4);
      ASSIGN_OR_RETURN(std::string_view payload, reader->Read(p + kRecordHeaderSize, length));
      if (wal_internal::RecordCrc(Crc32c(payload.data(), payload.size()), length, lsn) == stored_crc) {
        return std::optional<Found>(Found{p, lsn});
      }
    }
    return std::optional<Found>();
  }

  const WalReadOptions& options_;
  const std::function<Status(uint64_t, std::string_view)>& fn_;
  WalReadResult result_;
  uint64_t next_lsn_ = 0;  // LSN the next record must have; 0 before the first segment header
  bool stopped_ = false;   // a torn tail ended the log
};

}  // namespace

Result<WalReadResult> ReadWal(const WalReadOptions& options,
                              const std::function<Status(uint64_t lsn, std::string_view payload)>& fn) {
  return WalReplay(options, fn).Run();
}

Result<WalDirStats> StatWalDir(FileSystem* fs, const std::string& dir) {
  WalDirStats stats;
  ASSIGN_OR_RETURN(bool exists, fs->Exists(dir));
  if (!exists) return stats;
  ASSIGN_OR_RETURN(std::vector<wal_internal::SegmentFile> files, wal_internal::ListSegments(fs, dir));
  for (const wal_internal::SegmentFile& f : files) {
    auto size = fs->FileSize(f.path);
    if (!size.ok()) {
      if (size.status().IsNotFound()) continue;  // removed by the writer since the listing
      return size.status();
    }
    stats.bytes += *size;
    ++stats.segments;
  }
  return stats;
}

}  // namespace strata
