// PLAIN encoding: fixed-width values little-endian back to back, booleans one bit each (LSB
// first), BYTE_ARRAY as a 4-byte little-endian length then the bytes, FIXED_LEN_BYTE_ARRAY as
// the bytes alone.
//
// Decoders append to typed outputs, check every length against the bytes they were given, and
// report how many bytes they used. Strings go to Arrow-style offsets (uint32, so a column chunk
// holds under 4 GiB of characters) plus one character buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "strata/status.h"

namespace strata::parquet {

// Decodes n values of sizeof(T) bytes into out[0, n).
template <typename T>
Status DecodePlainFixed(const uint8_t* data, size_t size, size_t n, T* out, size_t* consumed) {
  if (n > size / sizeof(T)) {
    return Status::Corruption("PLAIN: " + std::to_string(n) + " values of " + std::to_string(sizeof(T)) +
                              " bytes need more than the " + std::to_string(size) + " bytes present");
  }
  if (n > 0) std::memcpy(out, data, n * sizeof(T));
  *consumed = n * sizeof(T);
  return Status::OK();
}

// Decodes n booleans (0/1) into out[0, n).
Status DecodePlainBool(const uint8_t* data, size_t size, size_t n, uint8_t* out, size_t* consumed);

// Appends n values to offsets/chars (offsets holds one entry per value: its end).
Status DecodePlainByteArray(const uint8_t* data, size_t size, size_t n, std::vector<uint32_t>* offsets,
                            std::string* chars, size_t* consumed);
Status DecodePlainFixedLenByteArray(const uint8_t* data, size_t size, size_t n, size_t width,
                                    std::vector<uint32_t>* offsets, std::string* chars, size_t* consumed);

template <typename T>
void EncodePlainFixed(const T* values, size_t n, std::string* out) {
  out->append(reinterpret_cast<const char*>(values), n * sizeof(T));
}
void EncodePlainBool(const uint8_t* values, size_t n, std::string* out);
// Values i in [0, n) are chars[offsets[i], offsets[i+1]).
void EncodePlainByteArray(const uint32_t* offsets, const char* chars, size_t n, std::string* out);

// Checks that appending `more` characters keeps a string column under the 4 GiB offset limit.
Status CheckStringCapacity(size_t current, uint64_t more);

}  // namespace strata::parquet
