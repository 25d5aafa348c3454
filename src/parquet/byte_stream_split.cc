#include "parquet/byte_stream_split.h"

#include <cstring>

namespace strata::parquet {
namespace {

// Fixed K lets the compiler unroll the inner loop; widths 4 and 8 are the common ones.
template <size_t K>
void Split(const uint8_t* values, size_t n, uint8_t* dst) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < K; ++k) dst[k * n + i] = values[i * K + k];
  }
}

template <size_t K>
void Join(const uint8_t* data, size_t n, uint8_t* out) {
  // Blocks of 64 values keep the K source streams' lines in cache.
  constexpr size_t kBlock = 64;
  for (size_t base = 0; base < n; base += kBlock) {
    size_t m = n - base < kBlock ? n - base : kBlock;
    for (size_t k = 0; k < K; ++k) {
      const uint8_t* src = data + k * n + base;
      for (size_t i = 0; i < m; ++i) out[(base + i) * K + k] = src[i];
    }
  }
}

}  // namespace

void EncodeByteStreamSplit(const uint8_t* values, size_t n, size_t width, std::string* out) {
  size_t old = out->size();
  out->resize(old + n * width);
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + old);
  switch (width) {
    case 4: Split<4>(values, n, dst); return;
    case 8: Split<8>(values, n, dst); return;
    default:
      for (size_t i = 0; i < n; ++i) {
        for (size_t k = 0; k < width; ++k) dst[k * n + i] = values[i * width + k];
      }
  }
}

Status DecodeByteStreamSplit(const uint8_t* data, size_t size, size_t n, size_t width, uint8_t* out) {
  if (width == 0 || size != n * width || (n != 0 && size / n != width)) {
    return Status::Corruption("BYTE_STREAM_SPLIT: " + std::to_string(size) + " bytes do not hold " + std::to_string(n) +
                              " values of " + std::to_string(width) + " bytes");
  }
  switch (width) {
    case 4: Join<4>(data, n, out); break;
    case 8: Join<8>(data, n, out); break;
    default:
      for (size_t i = 0; i < n; ++i) {
        for (size_t k = 0; k < width; ++k) out[i * width + k] = data[k * n + i];
      }
  }
  return Status::OK();
}

}  // namespace strata::parquet
