// The RLE / bit-packed hybrid encoding (Parquet's "RLE"): definition levels, dictionary
// indices and v2 booleans.
//
//   run        := rle-run | bit-packed-run
//   rle-run    := varint(count << 1) value (ceil(bit_width / 8) bytes, little-endian)
//   bit-packed := varint((groups << 1) | 1) then groups * 8 values of bit_width bits, LSB first
//
// The decoder reads only inside its buffer. A final bit-packed run that is shorter than its
// header claims (some writers trim it) yields the values its bytes hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/status.h"

namespace strata::parquet {

class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder() = default;
  // REQUIRES: 0 <= bit_width <= 32. `data` must outlive the decoder.
  RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width) { Reset(data, size, bit_width); }
  void Reset(const uint8_t* data, size_t size, int bit_width);

  // Decodes up to n values into out; returns how many were decoded, fewer than n only when the
  // data ends (or is malformed: then error() is set).
  template <typename T>
  size_t GetBatch(T* out, size_t n);

  // Returns the value of a single run covering the next n values (and consumes them) if there
  // is one; the common "no nulls" and "all one value" fast path.
  bool NextRunCovers(size_t n, uint32_t* value);

  // Set when the data is malformed (e.g. a varint running past the end).
  const char* error() const { return error_; }

 private:
  bool NextRun();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
  int bit_width_ = 0;
  // Current run: either repeated (rle_left_ copies of rle_value_) or bit-packed
  // (packed_left_ values starting at value packed_index_ of packed_).
  uint32_t rle_value_ = 0;
  size_t rle_left_ = 0;
  const uint8_t* packed_ = nullptr;
  size_t packed_bytes_ = 0;
  size_t packed_index_ = 0;
  size_t packed_left_ = 0;
  const char* error_ = nullptr;
};

// Appends the hybrid encoding of values[0, n) (each < 2^bit_width, bit_width <= 32): runs of 8
// or more equal values become RLE runs, the rest bit-packed groups.
template <typename T>
void RleEncode(const T* values, size_t n, int bit_width, std::string* out);

// Appends the RLE encoding of n copies of `value` (a single run).
void RleEncodeRun(uint32_t value, size_t n, int bit_width, std::string* out);

extern template size_t RleBitPackedDecoder::GetBatch<uint8_t>(uint8_t*, size_t);
extern template size_t RleBitPackedDecoder::GetBatch<uint32_t>(uint32_t*, size_t);
extern template void RleEncode<uint8_t>(const uint8_t*, size_t, int, std::string*);
extern template void RleEncode<uint32_t>(const uint32_t*, size_t, int, std::string*);

}  // namespace strata::parquet
