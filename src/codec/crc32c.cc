#include "codec/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define STRATA_CRC32C_X86 1
#endif

namespace strata {
namespace {

constexpr uint32_t kCastagnoliPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes, which lets the
// software path consume 8 bytes per step instead of one.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ kCastagnoliPoly : c >> 1;
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);  // unaligned-safe; x86 and the other targets we build for are little-endian
  return v;
}

#if defined(STRATA_CRC32C_X86)
__attribute__((target("sse4.2"))) uint32_t HardwareImpl(const uint8_t* p, size_t n, uint32_t crc) {
  uint64_t c = crc;
  // Reach 8-byte alignment first: aligned 8-byte loads are what the instruction streams best.
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  while (n >= 32) {
    c = _mm_crc32_u64(c, LoadLE64(p));
    c = _mm_crc32_u64(c, LoadLE64(p + 8));
    c = _mm_crc32_u64(c, LoadLE64(p + 16));
    c = _mm_crc32_u64(c, LoadLE64(p + 24));
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    c = _mm_crc32_u64(c, LoadLE64(p));
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  return static_cast<uint32_t>(c);
}
#endif

uint32_t SoftwareImpl(const uint8_t* p, size_t n, uint32_t crc) {
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
    --n;
  }
  while (n >= 8) {
    uint64_t v = LoadLE64(p) ^ crc;
    crc = kTables[7][v & 0xff] ^ kTables[6][(v >> 8) & 0xff] ^ kTables[5][(v >> 16) & 0xff] ^
          kTables[4][(v >> 24) & 0xff] ^ kTables[3][(v >> 32) & 0xff] ^ kTables[2][(v >> 40) & 0xff] ^
          kTables[1][(v >> 48) & 0xff] ^ kTables[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
    --n;
  }
  return crc;
}

using Impl = uint32_t (*)(const uint8_t*, size_t, uint32_t);

bool DetectHardware() {
#if defined(STRATA_CRC32C_X86)
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

Impl ChooseImpl() {
#if defined(STRATA_CRC32C_X86)
  if (DetectHardware()) return HardwareImpl;
#endif
  return SoftwareImpl;
}

}  // namespace

// The CRC register is kept inverted between calls (standard CRC32C pre/post conditioning), which
// is what makes `init` a plain "CRC so far" and the function extendable.
uint32_t Crc32c(const void* data, size_t n, uint32_t init) {
  static const Impl impl = ChooseImpl();
  return ~impl(static_cast<const uint8_t*>(data), n, ~init);
}

uint32_t Crc32cSoftware(const void* data, size_t n, uint32_t init) {
  return ~SoftwareImpl(static_cast<const uint8_t*>(data), n, ~init);
}

uint32_t Crc32cHardware(const void* data, size_t n, uint32_t init) {
#if defined(STRATA_CRC32C_X86)
  return ~HardwareImpl(static_cast<const uint8_t*>(data), n, ~init);
#else
  return Crc32cSoftware(data, n, init);
#endif
}

bool Crc32cHardwareAvailable() {
  static const bool available = DetectHardware();
  return available;
}

}  // namespace strata
