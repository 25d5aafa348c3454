#include "parquet/plain_encoding.h"

#include "parquet/bit_util.h"

namespace strata::parquet {

Status CheckStringCapacity(size_t current, uint64_t more) {
  if (more > UINT32_MAX - current) {
    return Status::Unsupported("string column chunk holds more than 4 GiB of characters");
  }
  return Status::OK();
}

Status DecodePlainBool(const uint8_t* data, size_t size, size_t n, uint8_t* out, size_t* consumed) {
  size_t bytes = BytesForBits(n);
  if (bytes > size) {
    return Status::Corruption("PLAIN: " + std::to_string(n) + " booleans need " + std::to_string(bytes) + " bytes, " +
                              std::to_string(size) + " present");
  }
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint8_t b = data[i / 8];
    for (int k = 0; k < 8; ++k) out[i + k] = (b >> k) & 1;
  }
  for (; i < n; ++i) out[i] = (data[i / 8] >> (i % 8)) & 1;
  *consumed = bytes;
  return Status::OK();
}

Status DecodePlainByteArray(const uint8_t* data, size_t size, size_t n, std::vector<uint32_t>* offsets,
                            std::string* chars, size_t* consumed) {
  // Pass 1 validates lengths and sizes the output once; pass 2 copies.
  size_t pos = 0;
  uint64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (size - pos < 4) {
      return Status::Corruption("PLAIN: byte array " + std::to_string(i) + " of " + std::to_string(n) +
                                " has no length (data ends at byte " + std::to_string(size) + ")");
    }
    uint32_t len = LoadLE32(data + pos);
    pos += 4;
    if (len > size - pos) {
      return Status::Corruption("PLAIN: byte array " + std::to_string(i) + " of " + std::to_string(len) +
                                " bytes at byte " + std::to_string(pos) + " runs past the data (" +
                                std::to_string(size) + " bytes)");
    }
    pos += len;
    total += len;
  }
  RETURN_IF_ERROR(CheckStringCapacity(chars->size(), total));
  size_t base = chars->size();
  chars->resize(base + total);
  char* dst = chars->data() + base;
  size_t off_base = offsets->size();
  offsets->resize(off_base + n);
  uint32_t* off = offsets->data() + off_base;
  uint32_t end = static_cast<uint32_t>(base);
  pos = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t len = LoadLE32(data + pos);
    pos += 4;
    std::memcpy(dst, data + pos, len);
    dst += len;
    pos += len;
    end += len;
    off[i] = end;
  }
  *consumed = pos;
  return Status::OK();
}

Status DecodePlainFixedLenByteArray(const uint8_t* data, size_t size, size_t n, size_t width,
                                    std::vector<uint32_t>* offsets, std::string* chars, size_t* consumed) {
  if (width != 0 && n > size / width) {
    return Status::Corruption("PLAIN: " + std::to_string(n) + " values of " + std::to_string(width) +
                              " bytes need more than the " + std::to_string(size) + " bytes present");
  }
  uint64_t total = static_cast<uint64_t>(n) * width;
  RETURN_IF_ERROR(CheckStringCapacity(chars->size(), total));
  size_t base = chars->size();
  chars->append(reinterpret_cast<const char*>(data), total);
  size_t off_base = offsets->size();
  offsets->resize(off_base + n);
  for (size_t i = 0; i < n; ++i) (*offsets)[off_base + i] = static_cast<uint32_t>(base + (i + 1) * width);
  *consumed = total;
  return Status::OK();
}

void EncodePlainBool(const uint8_t* values, size_t n, std::string* out) {
  size_t old = out->size();
  out->resize(old + BytesForBits(n), '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + old);
  for (size_t i = 0; i < n; ++i) dst[i / 8] |= static_cast<uint8_t>((values[i] != 0) << (i % 8));
}

void EncodePlainByteArray(const uint32_t* offsets, const char* chars, size_t n, std::string* out) {
  size_t old = out->size();
  out->resize(old + 4 * n + (offsets[n] - offsets[0]));
  char* dst = out->data() + old;
  for (size_t i = 0; i < n; ++i) {
    uint32_t len = offsets[i + 1] - offsets[i];
    std::memcpy(dst, &len, 4);
    std::memcpy(dst + 4, chars + offsets[i], len);
    dst += 4 + len;
  }
}

}  // namespace strata::parquet
