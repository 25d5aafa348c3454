// Bit-level helpers shared by the Parquet encodings: little-endian loads, LEB128 varints, and
// bulk bit packing/unpacking (LSB-first, as Parquet's RLE/bit-packed hybrid and
// DELTA_BINARY_PACKED store values).
//
// Unpacking never reads outside [in, in + in_bytes): the fast path loads 8 bytes at a time only
// while 8 bytes remain, and the tail is assembled byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace strata::parquet {

inline uint32_t LoadLE32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void AppendLE32(uint32_t v, std::string* out) { out->append(reinterpret_cast<const char*>(&v), 4); }

// Bits needed to represent v (0 for 0).
inline int BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }
inline size_t BytesForBits(uint64_t bits) { return static_cast<size_t>((bits + 7) / 8); }

inline uint64_t ZigZagEncode(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t ZigZagDecode(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Reads an unsigned LEB128 varint at *pos; false (and *pos unchanged) if it runs past `size`
// or exceeds 64 bits.
inline bool ReadUleb128(const uint8_t* data, size_t size, size_t* pos, uint64_t* out) {
  uint64_t v = 0;
  size_t p = *pos;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= size) return false;
    uint8_t b = data[p++];
    if (shift == 63 && b > 1) return false;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *pos = p;
      *out = v;
      return true;
    }
  }
  return false;
}

inline void AppendUleb128(uint64_t v, std::string* out) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

// Value `i` of width `bw` (<= 64) from a bit-packed buffer, reading only in[0, in_bytes).
inline uint64_t UnpackOneSlow(const uint8_t* in, size_t in_bytes, size_t i, int bw) {
  uint64_t bit = static_cast<uint64_t>(i) * bw;
  uint64_t v = 0;
  for (int got = 0; got < bw;) {
    size_t byte = static_cast<size_t>((bit + got) >> 3);
    int shift = static_cast<int>((bit + got) & 7);
    uint64_t b = byte < in_bytes ? in[byte] : 0;
    int take = 8 - shift < bw - got ? 8 - shift : bw - got;
    v |= ((b >> shift) & ((1u << take) - 1)) << got;
    got += take;
  }
  return v;
}

// Unpacks n values of bw bits (bw <= 32), starting at value index `first`, into out.
// REQUIRES: in_bytes >= BytesForBits((first + n) * bw).
template <typename T>
inline void UnpackBits32(const uint8_t* in, size_t in_bytes, size_t first, T* out, size_t n, int bw) {
  if (bw == 0) {
    for (size_t i = 0; i < n; ++i) out[i] = 0;
    return;
  }
  const uint64_t mask = (uint64_t{1} << bw) - 1;
  size_t i = 0;
  // 8-byte loads hold any 32-bit value plus its 7-bit misalignment.
  size_t fast_end = in_bytes >= 8 ? ((in_bytes - 8) * 8) / bw : 0;  // values whose load stays inside
  size_t limit = fast_end > first ? fast_end - first : 0;
  if (limit > n) limit = n;
  uint64_t bit = static_cast<uint64_t>(first) * bw;
  for (; i < limit; ++i, bit += bw) {
    out[i] = static_cast<T>((LoadLE64(in + (bit >> 3)) >> (bit & 7)) & mask);
  }
  for (; i < n; ++i) out[i] = static_cast<T>(UnpackOneSlow(in, in_bytes, first + i, bw));
}

// As UnpackBits32 for widths up to 64.
inline void UnpackBits64(const uint8_t* in, size_t in_bytes, size_t first, uint64_t* out, size_t n, int bw) {
  if (bw <= 32) {
    UnpackBits32(in, in_bytes, first, out, n, bw);
    return;
  }
  const uint64_t mask = bw == 64 ? ~uint64_t{0} : (uint64_t{1} << bw) - 1;
  size_t fast_end = in_bytes >= 16 ? ((in_bytes - 16) * 8) / bw : 0;
  size_t limit = fast_end > first ? fast_end - first : 0;
  if (limit > n) limit = n;
  uint64_t bit = static_cast<uint64_t>(first) * bw;
  size_t i = 0;
  for (; i < limit; ++i, bit += bw) {
    const uint8_t* p = in + (bit >> 3);
    int s = static_cast<int>(bit & 7);
    uint64_t lo = LoadLE64(p) >> s;
    uint64_t hi = s == 0 ? 0 : LoadLE64(p + 8) << (64 - s);
    out[i] = (lo | hi) & mask;
  }
  for (; i < n; ++i) out[i] = UnpackOneSlow(in, in_bytes, first + i, bw);
}

// 32 values of BW bits from `in`, the width known at compile time so the loop unrolls into
// constant shifts and masks. Reads up to kUnpack32Slack bytes past the 32 * BW bits: the caller
// checks that they lie inside its buffer.
inline constexpr size_t kUnpack32Slack = 16;
template <int BW, typename T>
inline void Unpack32(const uint8_t* in, T* out) {
  if constexpr (BW == 0) {
    for (int j = 0; j < 32; ++j) out[j] = 0;
  } else {
    constexpr uint64_t mask = BW == 64 ? ~uint64_t{0} : (uint64_t{1} << BW) - 1;
#pragma GCC unroll 32
    for (int j = 0; j < 32; ++j) {
      const int bit = j * BW;
      const uint8_t* p = in + (bit >> 3);
      const int s = bit & 7;
      if constexpr (BW <= 56) {
        out[j] = static_cast<T>((LoadLE64(p) >> s) & mask);  // 7 bits of misalignment + 56 fit one load
      } else {
        const uint64_t lo = LoadLE64(p) >> s;
        const uint64_t hi = s == 0 ? 0 : LoadLE64(p + 8) << (64 - s);
        out[j] = static_cast<T>((lo | hi) & mask);
      }
    }
  }
}

template <typename T>
using Unpack32Fn = void (*)(const uint8_t*, T*);
template <typename T, size_t... W>
constexpr auto MakeUnpack32Table(std::index_sequence<W...>) {
  struct Table {
    Unpack32Fn<T> fn[sizeof...(W)];
  };
  return Table{{&Unpack32<static_cast<int>(W), T>...}};
}
// Unpack32<bw> for a width known at run time: 0..64 for 64-bit outputs, 0..32 for narrower.
template <typename T>
inline void Unpack32Dispatch(const uint8_t* in, T* out, int bw) {
  static constexpr auto kTable = MakeUnpack32Table<T>(std::make_index_sequence < sizeof(T) >= 8 ? 65 : 33 > ());
  kTable.fn[bw](in, out);
}

// Appends n values of bw bits (<= 64) LSB-first; the last byte is zero-padded.
template <typename T>
inline void PackBits(const T* values, size_t n, int bw, std::string* out) {
  if (bw == 0 || n == 0) return;
  size_t old = out->size();
  out->resize(old + BytesForBits(static_cast<uint64_t>(n) * bw) + 8);
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + old);
  uint64_t buf = 0;
  int bits = 0;
  size_t w = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t v = static_cast<uint64_t>(values[i]);
    buf |= v << bits;
    if (bits + bw >= 64) {
      std::memcpy(dst + w, &buf, 8);
      w += 8;
      buf = bits == 0 ? 0 : v >> (64 - bits);
      bits = bits + bw - 64;
    } else {
      bits += bw;
    }
  }
  std::memcpy(dst + w, &buf, 8);
  w += BytesForBits(static_cast<uint64_t>(bits));
  out->resize(old + w);
}

}  // namespace strata::parquet
