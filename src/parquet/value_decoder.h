// Decodes the values section of a data page (non-null values only, densely) for every encoding
// the reader supports, dispatching once per page; the loops inside are typed, with no per-value
// virtual calls.
//
//   INT32/INT64:      PLAIN, dictionary, DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT
//   FLOAT/DOUBLE:     PLAIN, dictionary, BYTE_STREAM_SPLIT
//   BOOLEAN:          PLAIN, RLE
//   BYTE_ARRAY:       PLAIN, dictionary, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY
//   FIXED_LEN / INT96 (as fixed 12): PLAIN, dictionary, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT
//
// Errors are Corruption (or Unsupported for an encoding that does not apply to the type) without
// location; the column reader adds file, column and page offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parquet/format.h"
#include "strata/status.h"

namespace strata::parquet {

// A column chunk's dictionary, in its physical type.
struct Dictionary {
  bool present = false;
  size_t size = 0;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<float> f32;
  std::vector<double> f64;
  std::vector<uint32_t> offsets{0};  // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96
  std::string chars;
  void Clear();
};

// Byte width of a FIXED_LEN_BYTE_ARRAY or INT96 value; 0 for other types.
int32_t FixedByteWidth(Type physical, int32_t type_length);

// Decodes a PLAIN dictionary page of n values.
Status DecodeDictionaryPage(Type physical, int32_t type_length, const uint8_t* data, size_t size, size_t n,
                            Dictionary* dict);

// T is int32_t, int64_t, float or double (matching the physical type).
template <typename T>
Status DecodeFixedValues(Encoding enc, const uint8_t* data, size_t size, size_t n, const Dictionary& dict, T* out);

Status DecodeBoolValues(Encoding enc, const uint8_t* data, size_t size, size_t n, uint8_t* out);

// BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY and INT96 values, appended to offsets/chars.
Status DecodeBinaryValues(Encoding enc, Type physical, int32_t type_length, const uint8_t* data, size_t size, size_t n,
                          const Dictionary& dict, std::vector<uint32_t>* offsets, std::string* chars);

extern template Status DecodeFixedValues<int32_t>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&,
                                                  int32_t*);
extern template Status DecodeFixedValues<int64_t>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&,
                                                  int64_t*);
extern template Status DecodeFixedValues<float>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&, float*);
extern template Status DecodeFixedValues<double>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&, double*);

}  // namespace strata::parquet
