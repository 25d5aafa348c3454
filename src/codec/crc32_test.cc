#include "codec/crc32.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace strata {
namespace {

uint32_t Zlib(uint32_t crc, const std::string& s, size_t off, size_t n) {
  return static_cast<uint32_t>(crc32(crc, reinterpret_cast<const Bytef*>(s.data() + off), static_cast<uInt>(n)));
}

TEST(Crc32Test, KnownValues) {
  EXPECT_EQ(Crc32(std::string_view("")), 0u);
  EXPECT_EQ(Crc32(std::string_view("123456789")), 0xCBF43926u);  // the CRC-32 check value
  const std::string zeros(4096, '\0');
  EXPECT_EQ(Crc32(zeros), Zlib(0, zeros, 0, zeros.size()));
}

// Every length around the 16- and 64-byte boundaries of the folding path, at every alignment,
// from several starting CRCs, and long random slices: always zlib's answer.
TEST(Crc32Test, MatchesZlib) {
  std::mt19937_64 rng(21);
  std::string data(1 << 20, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t n = 0; n < 600; ++n) {
    for (size_t off = 0; off < 17; off += 3) {
      for (uint32_t seed : {0u, 0xFFFFFFFFu, static_cast<uint32_t>(n * 2654435761u)}) {
        ASSERT_EQ(Crc32(data.data() + off, n, seed), Zlib(seed, data, off, n)) << n << " " << off << " " << seed;
      }
    }
  }
  for (int i = 0; i < 200; ++i) {
    const size_t n = rng() % data.size();
    const size_t off = rng() % (data.size() - n + 1);
    ASSERT_EQ(Crc32(data.data() + off, n), Zlib(0, data, off, n)) << n << " " << off;
  }
  // Chained: the CRC of a whole is the CRC of its second part started from the first's.
  const uint32_t a = Crc32(data.data(), 1000);
  EXPECT_EQ(Crc32(data.data() + 1000, 5000, a), Zlib(0, data, 0, 6000));
}

}  // namespace
}  // namespace strata
