// DELTA_BINARY_PACKED: integers as a first value plus blocks of bit-packed deltas.
//
//   header   := varint(block_size) varint(miniblocks_per_block) varint(total_values)
//               zigzag-varint(first_value)
//   block    := zigzag-varint(min_delta) bit_width[miniblocks_per_block] miniblock*
//   miniblock:= (block_size / miniblocks) values of (delta - min_delta), bit_width bits each
//
// Deltas wrap around in the value's width, so any sequence of int32 or int64 encodes. Only the
// miniblocks that hold values are present; the decoder reads no further and reports where the
// encoded values end (DELTA_LENGTH_BYTE_ARRAY's characters start there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/status.h"

namespace strata::parquet {

class DeltaBinaryPackedDecoder {
 public:
  // Reads the header. `data` must outlive the decoder.
  Status Init(const uint8_t* data, size_t size);

  // Values the header announces (the caller checks this against what the page says).
  uint64_t total_values() const { return total_values_; }
  uint64_t values_left() const { return total_values_ - emitted_; }

  // Decodes the next n values. REQUIRES: n <= values_left(). T is int32_t or int64_t; int32
  // values are the low 32 bits of the 64-bit wrapping sum, as the format intends.
  template <typename T>
  Status Decode(T* out, size_t n);

  // Bytes from the start of the data to the end of the last miniblock used so far.
  size_t bytes_consumed() const { return pos_; }

 private:
  Status StartBlock();
  Status StartMiniblock();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  uint64_t block_size_ = 0;
  uint64_t miniblocks_ = 0;
  uint64_t per_miniblock_ = 0;
  uint64_t total_values_ = 0;
  uint64_t emitted_ = 0;
  uint64_t last_ = 0;  // previous value, wrapping
  // Current block and miniblock.
  uint64_t min_delta_ = 0;
  std::vector<uint8_t> widths_;
  uint64_t miniblock_index_ = 0;  // next miniblock in this block
  const uint8_t* mb_data_ = nullptr;
  size_t mb_bytes_ = 0;
  uint64_t mb_pos_ = 0;   // values used from the current miniblock
  uint64_t mb_left_ = 0;  // values left in the current miniblock
  int mb_width_ = 0;
  std::vector<uint64_t> scratch_;
};

// Appends the encoding of values[0, n): blocks of 128 values in 4 miniblocks of 32.
template <typename T>
void EncodeDeltaBinaryPacked(const T* values, size_t n, std::string* out);

extern template Status DeltaBinaryPackedDecoder::Decode<int32_t>(int32_t*, size_t);
extern template Status DeltaBinaryPackedDecoder::Decode<int64_t>(int64_t*, size_t);
extern template void EncodeDeltaBinaryPacked<int32_t>(const int32_t*, size_t, std::string*);
extern template void EncodeDeltaBinaryPacked<int64_t>(const int64_t*, size_t, std::string*);

}  // namespace strata::parquet
