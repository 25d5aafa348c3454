#include "codec/crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace strata {
namespace {

// zlib's crc32 over any length (it takes uInt lengths).
uint32_t ZlibCrc32Any(uint32_t crc, const unsigned char* p, size_t n) {
  uLong c = crc;
  while (n > 0) {
    const uInt step = n > (1u << 30) ? (1u << 30) : static_cast<uInt>(n);
    c = crc32(c, p, step);
    p += step;
    n -= step;
  }
  return static_cast<uint32_t>(c);
}

#if defined(__x86_64__)
// The folding constants of the bit-reflected CRC-32 polynomial 0x104C11DB7: x^(4*128+32),
// x^(4*128-32), x^(128+32), x^(128-32), x^64 mod P, then P and the Barrett constant mu.
alignas(16) constexpr uint64_t kCrc32K1K2[2] = {0x0154442bd4, 0x01c6e41596};
alignas(16) constexpr uint64_t kCrc32K3K4[2] = {0x01751997d0, 0x00ccaa009e};
alignas(16) constexpr uint64_t kCrc32K5K0[2] = {0x0163cd6124, 0x0000000000};
alignas(16) constexpr uint64_t kCrc32PolyMu[2] = {0x01db710641, 0x01f7011641};

// x folded forward over 16 bytes (by the constants in k) and `next` added.
__attribute__((target("pclmul,sse4.1"))) inline __m128i Crc32Fold16(__m128i k, __m128i x, __m128i next) {
  const __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x11), next), lo);
}

// The raw (not pre- or post-inverted) CRC state after `len` bytes; len >= 64 and a multiple of
// 16.
__attribute__((target("pclmul,sse4.1"))) uint32_t Crc32FoldBulk(const unsigned char* buf, size_t len, uint32_t crc) {
  auto load = [](const unsigned char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); };
  __m128i x1 = load(buf), x2 = load(buf + 16), x3 = load(buf + 32), x4 = load(buf + 48);
  x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(kCrc32K1K2));
  buf += 64;
  len -= 64;
  // Four lanes of 16 bytes folded forward 64 bytes at a time.
  while (len >= 64) {
    const __m128i x5 = _mm_clmulepi64_si128(x1, x0, 0x00), x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
    const __m128i x7 = _mm_clmulepi64_si128(x3, x0, 0x00), x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
    x1 = _mm_clmulepi64_si128(x1, x0, 0x11);
    x2 = _mm_clmulepi64_si128(x2, x0, 0x11);
    x3 = _mm_clmulepi64_si128(x3, x0, 0x11);
    x4 = _mm_clmulepi64_si128(x4, x0, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), load(buf));
    x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), load(buf + 16));
    x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), load(buf + 32));
    x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), load(buf + 48));
    buf += 64;
    len -= 64;
  }
  // The four lanes into one, then the remaining 16-byte blocks.
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(kCrc32K3K4));
  x1 = Crc32Fold16(x0, x1, x2);
  x1 = Crc32Fold16(x0, x1, x3);
  x1 = Crc32Fold16(x0, x1, x4);
  while (len >= 16) {
    x1 = Crc32Fold16(x0, x1, load(buf));
    buf += 16;
    len -= 16;
  }
  // 128 bits to 64, then Barrett reduction to 32.
  x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
  x3 = _mm_setr_epi32(~0, 0, ~0, 0);
  x1 = _mm_srli_si128(x1, 8);
  x1 = _mm_xor_si128(x1, x2);
  x0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(kCrc32K5K0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_and_si128(x1, x3);
  x1 = _mm_clmulepi64_si128(x1, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(kCrc32PolyMu));
  x2 = _mm_and_si128(x1, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x10);
  x2 = _mm_and_si128(x2, x3);
  x2 = _mm_clmulepi64_si128(x2, x0, 0x00);
  x1 = _mm_xor_si128(x1, x2);
  return static_cast<uint32_t>(_mm_extract_epi32(x1, 1));
}

bool Crc32DetectPclmul() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
#endif

}  // namespace

bool Crc32IsAccelerated() {
#if defined(__x86_64__)
  static const bool yes = Crc32DetectPclmul();
  return yes;
#else
  return false;
#endif
}

uint32_t Crc32(const void* data, size_t n, uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__)
  if (n >= 64 && Crc32IsAccelerated()) {
    const size_t bulk = n & ~size_t{15};
    crc = ~Crc32FoldBulk(p, bulk, ~crc);
    p += bulk;
    n -= bulk;
  }
#endif
  return ZlibCrc32Any(crc, p, n);
}

}  // namespace strata
