#include "parquet/delta_byte_array.h"

#include <algorithm>
#include <cstring>

#include "parquet/delta_binary_packed.h"
#include "parquet/plain_encoding.h"

namespace strata::parquet {
namespace {

// Decodes exactly n int32 lengths (each >= 0); *end is where the DELTA_BINARY_PACKED data ends.
Status DecodeLengths(const char* encoding, const uint8_t* data, size_t size, size_t n, std::vector<int32_t>* out,
                     size_t* end) {
  DeltaBinaryPackedDecoder dec;
  RETURN_IF_ERROR(dec.Init(data, size).WithContext(encoding));
  if (dec.total_values() != n) {
    return Status::Corruption(std::string(encoding) + ": " + std::to_string(dec.total_values()) +
                              " lengths encoded for " + std::to_string(n) + " values");
  }
  out->resize(n);
  RETURN_IF_ERROR(dec.Decode(out->data(), n).WithContext(encoding));
  for (size_t i = 0; i < n; ++i) {
    if ((*out)[i] < 0) {
      return Status::Corruption(std::string(encoding) + ": negative length " + std::to_string((*out)[i]) +
                                " for value " + std::to_string(i));
    }
  }
  *end = dec.bytes_consumed();
  return Status::OK();
}

}  // namespace

Status DecodeDeltaLengthByteArray(const uint8_t* data, size_t size, size_t n, std::vector<uint32_t>* offsets,
                                  std::string* chars, size_t* consumed) {
  std::vector<int32_t> lengths;
  size_t pos;
  RETURN_IF_ERROR(DecodeLengths("DELTA_LENGTH_BYTE_ARRAY", data, size, n, &lengths, &pos));
  uint64_t total = 0;
  for (int32_t len : lengths) total += static_cast<uint32_t>(len);
  if (total > size - pos) {
    return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY: " + std::to_string(total) + " bytes of characters, " +
                              std::to_string(size - pos) + " present");
  }
  RETURN_IF_ERROR(CheckStringCapacity(chars->size(), total));
  size_t base = chars->size();
  chars->append(reinterpret_cast<const char*>(data + pos), total);
  size_t off_base = offsets->size();
  offsets->resize(off_base + n);
  uint32_t end = static_cast<uint32_t>(base);
  for (size_t i = 0; i < n; ++i) {
    end += static_cast<uint32_t>(lengths[i]);
    (*offsets)[off_base + i] = end;
  }
  *consumed = pos + total;
  return Status::OK();
}

Status DecodeDeltaByteArray(const uint8_t* data, size_t size, size_t n, std::vector<uint32_t>* offsets,
                            std::string* chars, size_t* consumed) {
  std::vector<int32_t> prefixes;
  size_t pos;
  RETURN_IF_ERROR(DecodeLengths("DELTA_BYTE_ARRAY prefixes", data, size, n, &prefixes, &pos));
  // Suffixes land in a scratch column, then each value is its predecessor's prefix + suffix.
  std::vector<uint32_t> suffix_ends;
  std::string suffixes;
  size_t used;
  RETURN_IF_ERROR(DecodeDeltaLengthByteArray(data + pos, size - pos, n, &suffix_ends, &suffixes, &used)
                      .WithContext("DELTA_BYTE_ARRAY suffixes"));
  uint64_t total = 0;
  uint32_t prev_len = 0, prev_end = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t p = static_cast<uint32_t>(prefixes[i]);
    if (p > prev_len) {
      return Status::Corruption("DELTA_BYTE_ARRAY: value " + std::to_string(i) + " shares " + std::to_string(p) +
                                " bytes with a previous value of " + std::to_string(prev_len));
    }
    uint32_t suffix_len = suffix_ends[i] - prev_end;
    prev_end = suffix_ends[i];
    prev_len = p + suffix_len;
    total += prev_len;
  }
  RETURN_IF_ERROR(CheckStringCapacity(chars->size(), total));
  size_t base = chars->size();
  chars->resize(base + total);
  size_t off_base = offsets->size();
  offsets->resize(off_base + n);
  char* dst = chars->data() + base;
  const char* prev = nullptr;
  prev_end = 0;
  size_t out_pos = base;
  for (size_t i = 0; i < n; ++i) {
    uint32_t p = static_cast<uint32_t>(prefixes[i]);
    uint32_t suffix_len = suffix_ends[i] - prev_end;
    char* value = dst;
    if (p > 0) std::memcpy(dst, prev, p);
    std::memcpy(dst + p, suffixes.data() + prev_end, suffix_len);
    prev_end = suffix_ends[i];
    dst += p + suffix_len;
    out_pos += p + suffix_len;
    (*offsets)[off_base + i] = static_cast<uint32_t>(out_pos);
    prev = value;
  }
  *consumed = pos + used;
  return Status::OK();
}

void EncodeDeltaLengthByteArray(const uint32_t* offsets, const char* chars, size_t n, std::string* out) {
  std::vector<int32_t> lengths(n);
  for (size_t i = 0; i < n; ++i) lengths[i] = static_cast<int32_t>(offsets[i + 1] - offsets[i]);
  EncodeDeltaBinaryPacked(lengths.data(), n, out);
  out->append(chars + offsets[0], offsets[n] - offsets[0]);
}

void EncodeDeltaByteArray(const uint32_t* offsets, const char* chars, size_t n, std::string* out) {
  std::vector<int32_t> prefixes(n);
  std::vector<uint32_t> suffix_offsets(n + 1);
  std::string suffixes;
  suffix_offsets[0] = 0;
  for (size_t i = 0; i < n; ++i) {
    const char* cur = chars + offsets[i];
    uint32_t len = offsets[i + 1] - offsets[i];
    uint32_t p = 0;
    if (i > 0) {
      const char* prev = chars + offsets[i - 1];
      uint32_t prev_len = offsets[i] - offsets[i - 1];
      uint32_t limit = std::min(len, prev_len);
      while (p < limit && cur[p] == prev[p]) ++p;
    }
    prefixes[i] = static_cast<int32_t>(p);
    suffixes.append(cur + p, len - p);
    suffix_offsets[i + 1] = static_cast<uint32_t>(suffixes.size());
  }
  EncodeDeltaBinaryPacked(prefixes.data(), n, out);
  EncodeDeltaLengthByteArray(suffix_offsets.data(), suffixes.data(), n, out);
}

}  // namespace strata::parquet
