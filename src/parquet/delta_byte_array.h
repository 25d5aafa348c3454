// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY: string encodings built on DELTA_BINARY_PACKED.
//
//   DELTA_LENGTH_BYTE_ARRAY := DELTA_BINARY_PACKED(lengths) then all characters back to back
//   DELTA_BYTE_ARRAY        := DELTA_BINARY_PACKED(prefix lengths shared with the previous
//                              value) then DELTA_LENGTH_BYTE_ARRAY(suffixes)
//
// Decoders append n values to offsets/chars (the layout of plain_encoding.h) and require the
// encoded value count to be exactly n.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/status.h"

namespace strata::parquet {

Status DecodeDeltaLengthByteArray(const uint8_t* data, size_t size, size_t n, std::vector<uint32_t>* offsets,
                                  std::string* chars, size_t* consumed);
Status DecodeDeltaByteArray(const uint8_t* data, size_t size, size_t n, std::vector<uint32_t>* offsets,
                            std::string* chars, size_t* consumed);

// Values i in [0, n) are chars[offsets[i], offsets[i+1]).
void EncodeDeltaLengthByteArray(const uint32_t* offsets, const char* chars, size_t n, std::string* out);
void EncodeDeltaByteArray(const uint32_t* offsets, const char* chars, size_t n, std::string* out);

}  // namespace strata::parquet
