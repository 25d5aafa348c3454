#include "parquet/value_decoder.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "parquet/byte_stream_split.h"
#include "parquet/delta_binary_packed.h"
#include "parquet/delta_byte_array.h"
#include "parquet/plain_encoding.h"
#include "parquet/rle_encoding.h"

namespace strata::parquet {
namespace {

constexpr size_t kIndexBatch = 1024;

bool IsDictionary(Encoding e) { return e == Encoding::kRleDictionary || e == Encoding::kPlainDictionary; }

Status UnsupportedEncoding(Encoding e, const char* type) {
  return Status::Unsupported("encoding " + EncodingName(e) + " for " + type + " values");
}

// Calls fn(indices, count) for batches of validated dictionary indices.
template <typename Fn>
Status ForEachIndexBatch(const uint8_t* data, size_t size, size_t n, size_t dict_size, Fn fn) {
  if (n == 0) return Status::OK();
  if (size < 1) return Status::Corruption("dictionary-encoded page has no index bit width");
  int bw = data[0];
  if (bw > 32) return Status::Corruption("dictionary index bit width " + std::to_string(bw) + " exceeds 32");
  RleBitPackedDecoder dec(data + 1, size - 1, bw);
  uint32_t idx[kIndexBatch];
  for (size_t done = 0; done < n;) {
    size_t k = std::min(kIndexBatch, n - done);
    size_t got = dec.GetBatch(idx, k);
    if (got != k) {
      return Status::Corruption("dictionary indices end after " + std::to_string(done + got) + " of " +
                                std::to_string(n) + " values" + (dec.error() ? std::string(": ") + dec.error() : ""));
    }
    uint32_t max = 0;
    for (size_t i = 0; i < k; ++i) max = std::max(max, idx[i]);
    if (max >= dict_size) {
      return Status::Corruption("dictionary index " + std::to_string(max) + " out of range (dictionary has " +
                                std::to_string(dict_size) + " values)");
    }
    fn(idx, k, done);
    done += k;
  }
  return Status::OK();
}

template <typename T>
const std::vector<T>& DictValues(const Dictionary& d) {
  if constexpr (std::is_same_v<T, int32_t>) return d.i32;
  if constexpr (std::is_same_v<T, int64_t>) return d.i64;
  if constexpr (std::is_same_v<T, float>) return d.f32;
  if constexpr (std::is_same_v<T, double>) return d.f64;
}

}  // namespace

void Dictionary::Clear() {
  present = false;
  size = 0;
  i32.clear();
  i64.clear();
  f32.clear();
  f64.clear();
  offsets.assign(1, 0);
  chars.clear();
}

int32_t FixedByteWidth(Type physical, int32_t type_length) {
  if (physical == Type::kInt96) return 12;
  if (physical == Type::kFixedLenByteArray) return type_length;
  return 0;
}

Status DecodeDictionaryPage(Type physical, int32_t type_length, const uint8_t* data, size_t size, size_t n,
                            Dictionary* dict) {
  dict->Clear();
  size_t used = 0;
  switch (physical) {
    case Type::kInt32:
      dict->i32.resize(n);
      RETURN_IF_ERROR(DecodePlainFixed(data, size, n, dict->i32.data(), &used));
      break;
    case Type::kInt64:
      dict->i64.resize(n);
      RETURN_IF_ERROR(DecodePlainFixed(data, size, n, dict->i64.data(), &used));
      break;
    case Type::kFloat:
      dict->f32.resize(n);
      RETURN_IF_ERROR(DecodePlainFixed(data, size, n, dict->f32.data(), &used));
      break;
    case Type::kDouble:
      dict->f64.resize(n);
      RETURN_IF_ERROR(DecodePlainFixed(data, size, n, dict->f64.data(), &used));
      break;
    case Type::kByteArray:
      RETURN_IF_ERROR(DecodePlainByteArray(data, size, n, &dict->offsets, &dict->chars, &used));
      break;
    case Type::kFixedLenByteArray:
    case Type::kInt96:
      RETURN_IF_ERROR(DecodePlainFixedLenByteArray(data, size, n, FixedByteWidth(physical, type_length), &dict->offsets,
                                                   &dict->chars, &used));
      break;
    default: return Status::Unsupported("dictionary page for " + TypeName(physical) + " values");
  }
  dict->present = true;
  dict->size = n;
  return Status::OK();
}

template <typename T>
Status DecodeFixedValues(Encoding enc, const uint8_t* data, size_t size, size_t n, const Dictionary& dict, T* out) {
  size_t used;
  if (enc == Encoding::kPlain) return DecodePlainFixed(data, size, n, out, &used);
  if (IsDictionary(enc)) {
    if (!dict.present) return Status::Corruption("dictionary-encoded page without a dictionary page");
    const T* values = DictValues<T>(dict).data();
    return ForEachIndexBatch(data, size, n, dict.size, [&](const uint32_t* idx, size_t k, size_t at) {
      for (size_t i = 0; i < k; ++i) out[at + i] = values[idx[i]];
    });
  }
  if (enc == Encoding::kByteStreamSplit) {
    return DecodeByteStreamSplit(data, size, n, sizeof(T), reinterpret_cast<uint8_t*>(out));
  }
  if constexpr (std::is_integral_v<T>) {
    if (enc == Encoding::kDeltaBinaryPacked) {
      DeltaBinaryPackedDecoder dec;
      RETURN_IF_ERROR(dec.Init(data, size));
      if (dec.total_values() != n) {
        return Status::Corruption("DELTA_BINARY_PACKED: " + std::to_string(dec.total_values()) +
                                  " values encoded for " + std::to_string(n));
      }
      return dec.Decode(out, n);
    }
  }
  return UnsupportedEncoding(
      enc, std::is_integral_v<T> ? (sizeof(T) == 4 ? "INT32" : "INT64") : (sizeof(T) == 4 ? "FLOAT" : "DOUBLE"));
}

Status DecodeBoolValues(Encoding enc, const uint8_t* data, size_t size, size_t n, uint8_t* out) {
  size_t used;
  if (enc == Encoding::kPlain) return DecodePlainBool(data, size, n, out, &used);
  if (enc == Encoding::kRle) {
    if (size < 4) return Status::Corruption("RLE booleans: no length prefix");
    uint32_t len;
    std::memcpy(&len, data, 4);
    if (len > size - 4) {
      return Status::Corruption("RLE booleans: length " + std::to_string(len) + " exceeds the " +
                                std::to_string(size - 4) + " bytes present");
    }
    RleBitPackedDecoder dec(data + 4, len, 1);
    size_t got = dec.GetBatch(out, n);
    if (got != n) {
      return Status::Corruption("RLE booleans end after " + std::to_string(got) + " of " + std::to_string(n) +
                                " values");
    }
    for (size_t i = 0; i < n; ++i) out[i] &= 1;
    return Status::OK();
  }
  return UnsupportedEncoding(enc, "BOOLEAN");
}

Status DecodeBinaryValues(Encoding enc, Type physical, int32_t type_length, const uint8_t* data, size_t size, size_t n,
                          const Dictionary& dict, std::vector<uint32_t>* offsets, std::string* chars) {
  size_t used;
  int32_t width = FixedByteWidth(physical, type_length);
  if (enc == Encoding::kPlain) {
    return width > 0 ? DecodePlainFixedLenByteArray(data, size, n, width, offsets, chars, &used)
                     : DecodePlainByteArray(data, size, n, offsets, chars, &used);
  }
  if (IsDictionary(enc)) {
    if (!dict.present) return Status::Corruption("dictionary-encoded page without a dictionary page");
    // All indices first, so the page's characters are sized with one resize.
    thread_local std::vector<uint32_t> indices;
    indices.resize(n);
    RETURN_IF_ERROR(ForEachIndexBatch(data, size, n, dict.size, [&](const uint32_t* idx, size_t k, size_t at) {
      std::memcpy(indices.data() + at, idx, k * sizeof(uint32_t));
    }));
    const uint32_t* doff = dict.offsets.data();
    const char* dchars = dict.chars.data();
    uint64_t total = 0;
    for (size_t i = 0; i < n; ++i) total += doff[indices[i] + 1] - doff[indices[i]];
    RETURN_IF_ERROR(CheckStringCapacity(chars->size(), total));
    size_t pos = chars->size();
    chars->resize(pos + total);
    char* dst = chars->data();
    size_t off_base = offsets->size();
    offsets->resize(off_base + n);
    uint32_t* off = offsets->data() + off_base;
    for (size_t i = 0; i < n; ++i) {
      uint32_t b = doff[indices[i]], len = doff[indices[i] + 1] - b;
      std::memcpy(dst + pos, dchars + b, len);
      pos += len;
      off[i] = static_cast<uint32_t>(pos);
    }
    return Status::OK();
  }
  if (enc == Encoding::kDeltaByteArray) {
    size_t before = chars->size();
    RETURN_IF_ERROR(DecodeDeltaByteArray(data, size, n, offsets, chars, &used));
    if (width > 0) {
      for (size_t i = offsets->size() - n; i < offsets->size(); ++i) {
        uint32_t prev = i == 0 ? static_cast<uint32_t>(before) : (*offsets)[i - 1];
        if ((*offsets)[i] - prev != static_cast<uint32_t>(width)) {
          return Status::Corruption("DELTA_BYTE_ARRAY value of " + std::to_string((*offsets)[i] - prev) +
                                    " bytes in a FIXED_LEN_BYTE_ARRAY(" + std::to_string(width) + ") column");
        }
      }
    }
    return Status::OK();
  }
  if (enc == Encoding::kDeltaLengthByteArray && width == 0) {
    return DecodeDeltaLengthByteArray(data, size, n, offsets, chars, &used);
  }
  if (enc == Encoding::kByteStreamSplit && width > 0) {
    uint64_t total = static_cast<uint64_t>(n) * width;
    RETURN_IF_ERROR(CheckStringCapacity(chars->size(), total));
    size_t base = chars->size();
    chars->resize(base + total);
    RETURN_IF_ERROR(DecodeByteStreamSplit(data, size, n, width, reinterpret_cast<uint8_t*>(chars->data() + base)));
    size_t off_base = offsets->size();
    offsets->resize(off_base + n);
    for (size_t i = 0; i < n; ++i) (*offsets)[off_base + i] = static_cast<uint32_t>(base + (i + 1) * width);
    return Status::OK();
  }
  return UnsupportedEncoding(enc, width > 0 ? "FIXED_LEN_BYTE_ARRAY" : "BYTE_ARRAY");
}

template Status DecodeFixedValues<int32_t>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&, int32_t*);
template Status DecodeFixedValues<int64_t>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&, int64_t*);
template Status DecodeFixedValues<float>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&, float*);
template Status DecodeFixedValues<double>(Encoding, const uint8_t*, size_t, size_t, const Dictionary&, double*);

}  // namespace strata::parquet
