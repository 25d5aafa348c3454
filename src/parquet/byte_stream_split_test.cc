#include "parquet/byte_stream_split.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

TEST(ByteStreamSplit, LayoutMatchesTheSpec) {
  // Two 4-byte values AABBCCDD 00112233 (as bytes) split into streams A0 B1 C2 D3.
  const uint8_t in[8] = {0xA, 0xB, 0xC, 0xD, 0x0, 0x1, 0x2, 0x3};
  std::string enc;
  EncodeByteStreamSplit(in, 2, 4, &enc);
  EXPECT_EQ(enc, std::string("\x0a\x00\x0b\x01\x0c\x02\x0d\x03", 8));
  uint8_t out[8];
  ASSERT_OK(DecodeByteStreamSplit(reinterpret_cast<const uint8_t*>(enc.data()), 8, 2, 4, out));
  EXPECT_EQ(std::memcmp(in, out, 8), 0);
}

TEST(ByteStreamSplit, RoundTripsWidths) {
  std::mt19937 rng(4);
  for (size_t width : {size_t{2}, size_t{4}, size_t{8}, size_t{12}}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{1000}}) {
      std::vector<uint8_t> v(n * width);
      for (auto& b : v) b = static_cast<uint8_t>(rng());
      std::string enc;
      EncodeByteStreamSplit(v.data(), n, width, &enc);
      ASSERT_EQ(enc.size(), v.size());
      std::vector<uint8_t> out(v.size());
      ASSERT_OK(DecodeByteStreamSplit(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), n, width, out.data()));
      EXPECT_EQ(out, v) << width << " " << n;
    }
  }
}

TEST(ByteStreamSplit, SizeMismatchIsCorruption) {
  uint8_t out[16];
  std::string enc(15, 'x');
  EXPECT_TRUE(DecodeByteStreamSplit(reinterpret_cast<const uint8_t*>(enc.data()), 15, 2, 8, out).IsCorruption());
  EXPECT_TRUE(DecodeByteStreamSplit(reinterpret_cast<const uint8_t*>(enc.data()), 15, 1, 0, out).IsCorruption());
}

}  // namespace
}  // namespace strata::parquet
