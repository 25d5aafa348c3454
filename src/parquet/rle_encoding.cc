#include "parquet/rle_encoding.h"

#include <algorithm>
#include <vector>

#include "parquet/bit_util.h"

namespace strata::parquet {

void RleBitPackedDecoder::Reset(const uint8_t* data, size_t size, int bit_width) {
  data_ = data;
  size_ = size;
  pos_ = 0;
  bit_width_ = bit_width;
  rle_left_ = 0;
  packed_left_ = 0;
  error_ = nullptr;
}

bool RleBitPackedDecoder::NextRun() {
  // Loops rather than recursing past empty runs, which hostile data may repeat at will.
  while (error_ == nullptr && pos_ < size_) {
    uint64_t header;
    if (!ReadUleb128(data_, size_, &pos_, &header)) {
      error_ = "run header runs past the end of the data";
      return false;
    }
    uint64_t count = header >> 1;
    if (header & 1) {
      // Bit-packed: count groups of 8 values.
      if (count > (uint64_t{1} << 40)) {
        error_ = "bit-packed run is impossibly long";
        return false;
      }
      size_t values = static_cast<size_t>(count) * 8;
      size_t bytes = std::min(static_cast<size_t>(count) * bit_width_, size_ - pos_);
      packed_ = data_ + pos_;
      packed_bytes_ = bytes;
      packed_index_ = 0;
      packed_left_ = bit_width_ == 0 ? values : std::min(values, bytes * 8 / bit_width_);
      pos_ += bytes;
      if (packed_left_ > 0) return true;
      if (count > 0) {
        error_ = "bit-packed run has no data";
        return false;
      }
      continue;
    }
    size_t width_bytes = BytesForBits(bit_width_);
    if (size_ - pos_ < width_bytes) {
      error_ = "RLE run value runs past the end of the data";
      return false;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < width_bytes; ++i) v |= static_cast<uint32_t>(data_[pos_ + i]) << (8 * i);
    pos_ += width_bytes;
    rle_value_ = v;
    rle_left_ = static_cast<size_t>(std::min<uint64_t>(count, SIZE_MAX / 2));
    if (rle_left_ > 0) return true;
  }
  return false;
}

template <typename T>
size_t RleBitPackedDecoder::GetBatch(T* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (rle_left_ == 0 && packed_left_ == 0 && !NextRun()) break;
    if (rle_left_ > 0) {
      size_t k = std::min(rle_left_, n - done);
      std::fill(out + done, out + done + k, static_cast<T>(rle_value_));
      rle_left_ -= k;
      done += k;
    } else {
      size_t k = std::min(packed_left_, n - done);
      // Whole groups of 32 whose bytes, plus the unpacker's slack, lie inside the data: unpacked
      // with the width as a compile-time constant (dictionary indices of a page, mostly).
      size_t fast = 0;
      if constexpr (sizeof(T) <= 4) {
        if (packed_index_ % 32 == 0 && bit_width_ <= 32) {
          const size_t w = static_cast<size_t>(bit_width_);
          const size_t byte0 = packed_index_ / 8 * w;
          const size_t room = static_cast<size_t>(data_ + size_ - packed_);
          while (fast + 32 <= k && byte0 + (fast + 32) / 8 * w + kUnpack32Slack <= room) fast += 32;
          if constexpr (sizeof(T) == 4) {
            for (size_t g = 0; g < fast; g += 32)
              Unpack32Dispatch(packed_ + byte0 + g / 8 * w, out + done + g, bit_width_);
          } else {
            uint32_t tmp[32];
            for (size_t g = 0; g < fast; g += 32) {
              Unpack32Dispatch(packed_ + byte0 + g / 8 * w, tmp, bit_width_);
              for (size_t j = 0; j < 32; ++j) out[done + g + j] = static_cast<T>(tmp[j]);
            }
          }
        }
      }
      if (fast < k) UnpackBits32(packed_, packed_bytes_, packed_index_ + fast, out + done + fast, k - fast, bit_width_);
      packed_index_ += k;
      packed_left_ -= k;
      done += k;
    }
  }
  return done;
}

bool RleBitPackedDecoder::NextRunCovers(size_t n, uint32_t* value) {
  if (rle_left_ == 0 && packed_left_ == 0 && !NextRun()) return false;
  if (rle_left_ < n) return false;
  *value = rle_value_;
  rle_left_ -= n;
  return true;
}

namespace {

void FlushLiterals(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  // n is a multiple of 8, except for the very last group, which is zero-padded.
  size_t groups = (n + 7) / 8;
  AppendUleb128((static_cast<uint64_t>(groups) << 1) | 1, out);
  PackBits(values, n, bit_width, out);
  size_t want = groups * static_cast<size_t>(bit_width);  // bytes a full set of groups takes
  size_t have = BytesForBits(static_cast<uint64_t>(n) * bit_width);
  out->append(want - have, '\0');
}

}  // namespace

void RleEncodeRun(uint32_t value, size_t n, int bit_width, std::string* out) {
  if (n == 0) return;
  AppendUleb128(static_cast<uint64_t>(n) << 1, out);
  for (size_t i = 0; i < BytesForBits(bit_width); ++i) out->push_back(static_cast<char>(value >> (8 * i)));
}

template <typename T>
void RleEncode(const T* values, size_t n, int bit_width, std::string* out) {
  // Literal values are staged as uint32 so PackBits sees one type.
  std::vector<uint32_t> literals;
  size_t i = 0;
  auto flush = [&](bool final) {
    size_t take = final ? literals.size() : literals.size() / 8 * 8;
    if (take == 0) return;
    FlushLiterals(literals.data(), take, bit_width, out);
    literals.erase(literals.begin(), literals.begin() + static_cast<ptrdiff_t>(take));
  };
  while (i < n) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    size_t run = j - i;
    // Pad pending literals to a whole group from the run, then see whether an RLE run is left.
    size_t pad = (8 - literals.size() % 8) % 8;
    if (run >= pad + 8) {
      for (size_t k = 0; k < pad; ++k) literals.push_back(static_cast<uint32_t>(values[i]));
      flush(false);
      RleEncodeRun(static_cast<uint32_t>(values[i]), run - pad, bit_width, out);
    } else {
      for (size_t k = i; k < j; ++k) literals.push_back(static_cast<uint32_t>(values[k]));
      // Keep the staging buffer small: whole groups can go out once a long literal stretch builds up.
      if (literals.size() >= 4096) flush(false);
    }
    i = j;
  }
  flush(true);
}

template size_t RleBitPackedDecoder::GetBatch<uint8_t>(uint8_t*, size_t);
template size_t RleBitPackedDecoder::GetBatch<uint32_t>(uint32_t*, size_t);
template void RleEncode<uint8_t>(const uint8_t*, size_t, int, std::string*);
template void RleEncode<uint32_t>(const uint32_t*, size_t, int, std::string*);

}  // namespace strata::parquet
