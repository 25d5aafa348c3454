// BYTE_STREAM_SPLIT: for n values of K bytes, K streams of n bytes where stream k holds byte k
// of every value. It compresses floating-point data far better than PLAIN because exponent
// and high mantissa bytes line up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/status.h"

namespace strata::parquet {

// Appends the encoding of n values of `width` bytes each.
void EncodeByteStreamSplit(const uint8_t* values, size_t n, size_t width, std::string* out);

// Decodes n values of `width` bytes into out (n * width bytes). The data must be exactly
// n * width bytes: the stream length is derived from it.
Status DecodeByteStreamSplit(const uint8_t* data, size_t size, size_t n, size_t width, uint8_t* out);

}  // namespace strata::parquet
