#include "parquet/delta_binary_packed.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "parquet/bit_util.h"

namespace strata::parquet {
namespace {

// Generous bounds on header fields; real writers use 128 values in 4 miniblocks (parquet-mr,
// Arrow) or 2048 in 8 (DuckDB). They keep hostile headers from sizing buffers.
constexpr uint64_t kMaxBlockSize = 1 << 16;
constexpr uint64_t kMaxMiniblocks = 256;

Status Bad(const std::string& what, size_t pos) {
  return Status::Corruption("DELTA_BINARY_PACKED: " + what + " at byte " + std::to_string(pos));
}

}  // namespace

Status DeltaBinaryPackedDecoder::Init(const uint8_t* data, size_t size) {
  data_ = data;
  size_ = size;
  pos_ = 0;
  emitted_ = 0;
  uint64_t first;
  if (!ReadUleb128(data, size, &pos_, &block_size_) || !ReadUleb128(data, size, &pos_, &miniblocks_) ||
      !ReadUleb128(data, size, &pos_, &total_values_) || !ReadUleb128(data, size, &pos_, &first)) {
    return Bad("truncated header", pos_);
  }
  if (block_size_ == 0 || block_size_ % 128 != 0 || block_size_ > kMaxBlockSize) {
    return Bad("block size " + std::to_string(block_size_) + " is not a multiple of 128 up to 65536", 0);
  }
  if (miniblocks_ == 0 || miniblocks_ > kMaxMiniblocks || block_size_ % miniblocks_ != 0 ||
      (block_size_ / miniblocks_) % 32 != 0) {
    return Bad(std::to_string(miniblocks_) + " miniblocks do not divide a block of " + std::to_string(block_size_) +
                   " into multiples of 32",
               0);
  }
  per_miniblock_ = block_size_ / miniblocks_;
  last_ = static_cast<uint64_t>(ZigZagDecode(first));
  widths_.assign(miniblocks_, 0);
  miniblock_index_ = miniblocks_;  // no block started
  mb_left_ = 0;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::StartBlock() {
  uint64_t zz;
  if (!ReadUleb128(data_, size_, &pos_, &zz)) return Bad("truncated block header", pos_);
  min_delta_ = static_cast<uint64_t>(ZigZagDecode(zz));
  if (size_ - pos_ < miniblocks_) return Bad("truncated miniblock bit widths", pos_);
  for (uint64_t i = 0; i < miniblocks_; ++i) widths_[i] = data_[pos_ + i];
  pos_ += miniblocks_;
  miniblock_index_ = 0;
  return Status::OK();
}

Status DeltaBinaryPackedDecoder::StartMiniblock() {
  if (miniblock_index_ >= miniblocks_) RETURN_IF_ERROR(StartBlock());
  int w = widths_[miniblock_index_++];
  if (w > 64) return Bad("miniblock bit width " + std::to_string(w) + " exceeds 64", pos_);
  size_t bytes = static_cast<size_t>(per_miniblock_) * w / 8;
  // The last miniblock may be cut short by writers that trim padding; use what is there.
  size_t avail = std::min(bytes, size_ - pos_);
  uint64_t values_needed = std::min<uint64_t>(per_miniblock_, total_values_ - emitted_);
  if (w > 0 && BytesForBits(values_needed * w) > avail) return Bad("truncated miniblock", pos_);
  mb_data_ = data_ + pos_;
  mb_bytes_ = avail;
  mb_width_ = w;
  mb_pos_ = 0;
  mb_left_ = per_miniblock_;
  pos_ += avail;
  return Status::OK();
}

template <typename T>
Status DeltaBinaryPackedDecoder::Decode(T* out, size_t n) {
  static_assert(std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>);
  if (n > total_values_ - emitted_) return Status::Internal("DELTA_BINARY_PACKED: more values requested than encoded");
  size_t i = 0;
  if (n > 0 && emitted_ == 0) {
    out[i++] = static_cast<T>(last_);
    ++emitted_;
  }
  if (scratch_.size() < per_miniblock_) scratch_.resize(per_miniblock_);
  while (i < n) {
    if (mb_left_ == 0) RETURN_IF_ERROR(StartMiniblock());
    size_t k = static_cast<size_t>(std::min<uint64_t>(mb_left_, n - i));
    uint64_t* d = scratch_.data();
    uint64_t last = last_, min_delta = min_delta_;
    // Whole groups of 32 values whose bytes, plus the unpacker's slack, lie inside the page:
    // unpacked with the width as a compile-time constant (the bulk of a column).
    size_t fast = 0;
    if (mb_pos_ % 32 == 0) {
      const size_t room = static_cast<size_t>(data_ + size_ - mb_data_);  // bytes from the miniblock on
      const size_t w = static_cast<size_t>(mb_width_);
      const size_t byte0 = static_cast<size_t>(mb_pos_) * w / 8;
      while (fast + 32 <= k && byte0 + (fast + 32) * w / 8 + kUnpack32Slack <= room) fast += 32;
      for (size_t g = 0; g < fast; g += 32) {
        Unpack32Dispatch(mb_data_ + byte0 + g * w / 8, d, mb_width_);
        T* o = out + i + g;
        for (size_t j = 0; j < 32; ++j) {
          last += min_delta + d[j];
          o[j] = static_cast<T>(last);
        }
      }
    }
    if (fast < k) {
      UnpackBits64(mb_data_, mb_bytes_, mb_pos_ + fast, d, k - fast, mb_width_);
      for (size_t j = fast; j < k; ++j) {
        last += min_delta + d[j - fast];
        out[i + j] = static_cast<T>(last);
      }
    }
    last_ = last;
    mb_pos_ += k;
    mb_left_ -= k;
    i += k;
    emitted_ += k;
  }
  return Status::OK();
}

template <typename T>
void EncodeDeltaBinaryPacked(const T* values, size_t n, std::string* out) {
  using U = std::make_unsigned_t<T>;
  constexpr size_t kBlock = 128, kMiniblocks = 4, kPer = kBlock / kMiniblocks;
  AppendUleb128(kBlock, out);
  AppendUleb128(kMiniblocks, out);
  AppendUleb128(n, out);
  AppendUleb128(ZigZagEncode(n > 0 ? static_cast<int64_t>(values[0]) : 0), out);
  U deltas[kBlock];
  for (size_t start = 1; start < n; start += kBlock) {
    size_t count = std::min(kBlock, n - start);
    // Deltas wrap in T's width; the minimum is taken as signed so small negative steps stay small.
    T min_delta = std::numeric_limits<T>::max();
    for (size_t j = 0; j < count; ++j) {
      deltas[j] = static_cast<U>(static_cast<U>(values[start + j]) - static_cast<U>(values[start + j - 1]));
      min_delta = std::min(min_delta, static_cast<T>(deltas[j]));
    }
    int widths[kMiniblocks] = {0, 0, 0, 0};
    for (size_t j = 0; j < count; ++j) deltas[j] = static_cast<U>(deltas[j] - static_cast<U>(min_delta));
    for (size_t m = 0; m * kPer < count; ++m) {
      U all = 0;
      for (size_t j = m * kPer; j < std::min(count, (m + 1) * kPer); ++j) all |= deltas[j];
      widths[m] = BitWidth(all);
    }
    for (size_t j = count; j < kBlock; ++j) deltas[j] = 0;  // padding of the last miniblock
    AppendUleb128(ZigZagEncode(min_delta), out);
    for (int w : widths) out->push_back(static_cast<char>(w));
    for (size_t m = 0; m * kPer < count; ++m) PackBits(deltas + m * kPer, kPer, widths[m], out);
  }
}

template Status DeltaBinaryPackedDecoder::Decode<int32_t>(int32_t*, size_t);
template Status DeltaBinaryPackedDecoder::Decode<int64_t>(int64_t*, size_t);
template void EncodeDeltaBinaryPacked<int32_t>(const int32_t*, size_t, std::string*);
template void EncodeDeltaBinaryPacked<int64_t>(const int64_t*, size_t, std::string*);

}  // namespace strata::parquet
