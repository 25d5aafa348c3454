#include "codec/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace strata {
namespace {

uint32_t Bitwise(const std::string& s) {
  // The definition, one bit at a time: the reference the fast paths are checked against.
  uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(Crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  std::string inc(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(inc.data(), inc.size()), 0x46DD794Eu);
  std::string dec(32, '\0');
  for (int i = 0; i < 32; ++i) dec[i] = static_cast<char>(31 - i);
  EXPECT_EQ(Crc32c(dec.data(), dec.size()), 0x113FDB5Cu);
  EXPECT_EQ(Crc32c("", 0), 0u);
  EXPECT_EQ(Crc32cSoftware("123456789", 9), 0xE3069283u);
  if (Crc32cHardwareAvailable()) {
    EXPECT_EQ(Crc32cHardware("123456789", 9), 0xE3069283u);
  }
}

#if defined(__x86_64__)
TEST(Crc32cTest, HardwareDetectionMatchesTheCpu) {
  // On x86-64 the accelerated path must be used whenever the CPU can run it.
  EXPECT_EQ(Crc32cHardwareAvailable(), static_cast<bool>(__builtin_cpu_supports("sse4.2")));
}
#endif

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string data = "The quick brown fox jumps over the lazy dog, twice over for good measure.";
  uint32_t whole = Crc32c(data.data(), data.size());
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t first = Crc32c(data.data(), split);
    EXPECT_EQ(Crc32c(data.data() + split, data.size() - split, first), whole) << "split at " << split;
  }
  EXPECT_EQ(Crc32c(data.data(), 0, 0x12345678u), 0x12345678u);
}

TEST(Crc32cTest, ValuesDifferForDifferentData) {
  EXPECT_NE(Crc32c("a", 1), Crc32c("b", 1));
  EXPECT_NE(Crc32c("foo", 3), Crc32c("foo\0", 4));
}

TEST(Crc32cTest, HardwareSoftwareAndReferenceAgreeOnEveryLengthAndAlignment) {
  std::mt19937_64 rng(42);
  std::vector<unsigned char> buf(300 + 16);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  bool hw = Crc32cHardwareAvailable();
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t len = 0; len + offset <= buf.size() && len <= 300; ++len) {
      const unsigned char* p = buf.data() + offset;
      uint32_t expect = Bitwise(std::string(reinterpret_cast<const char*>(p), len));
      ASSERT_EQ(Crc32cSoftware(p, len), expect) << "software, offset " << offset << " length " << len;
      ASSERT_EQ(Crc32c(p, len), expect) << "dispatch, offset " << offset << " length " << len;
      if (hw) {
        ASSERT_EQ(Crc32cHardware(p, len), expect) << "hardware, offset " << offset << " length " << len;
      }
      // A non-zero starting CRC must flow through both paths the same way.
      ASSERT_EQ(Crc32cSoftware(p, len, 0xdeadbeefu), Crc32c(p, len, 0xdeadbeefu));
    }
  }
}

TEST(Crc32cTest, LargeBufferHardwareMatchesSoftware) {
  std::mt19937_64 rng(7);
  std::vector<unsigned char> buf(1 << 20);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  uint32_t sw = Crc32cSoftware(buf.data() + 3, buf.size() - 3);
  EXPECT_EQ(Crc32c(buf.data() + 3, buf.size() - 3), sw);
  if (Crc32cHardwareAvailable()) {
    EXPECT_EQ(Crc32cHardware(buf.data() + 3, buf.size() - 3), sw);
  }
}

TEST(Crc32cTest, MaskRoundTripsAndChangesTheValue) {
  for (uint32_t c : {0u, 1u, 0xE3069283u, 0xffffffffu, 0x80000000u, 0xa282ead8u}) {
    EXPECT_EQ(UnmaskCrc(MaskCrc(c)), c);
    EXPECT_NE(MaskCrc(c), c);
    EXPECT_NE(MaskCrc(MaskCrc(c)), MaskCrc(c));
  }
}

}  // namespace
}  // namespace strata
