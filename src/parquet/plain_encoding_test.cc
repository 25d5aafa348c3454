#include "parquet/plain_encoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(Plain, FixedWidthRoundTrip) {
  std::vector<double> v = {
      0.0, -0.0, 1.5, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), std::nan("")};
  std::string enc;
  EncodePlainFixed(v.data(), v.size(), &enc);
  EXPECT_EQ(enc.size(), 48u);
  std::vector<double> out(v.size());
  size_t used;
  ASSERT_OK(DecodePlainFixed(U(enc), enc.size(), v.size(), out.data(), &used));
  EXPECT_EQ(used, 48u);
  EXPECT_EQ(std::memcmp(out.data(), v.data(), 48), 0);
  Status st = DecodePlainFixed(U(enc), 47, v.size(), out.data(), &used);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("47 bytes"), std::string::npos);
}

TEST(Plain, Booleans) {
  std::vector<uint8_t> v;
  for (int i = 0; i < 21; ++i) v.push_back(i % 3 == 0);
  std::string enc;
  EncodePlainBool(v.data(), v.size(), &enc);
  ASSERT_EQ(enc.size(), 3u);
  EXPECT_EQ(static_cast<uint8_t>(enc[0]), 0b01001001);
  std::vector<uint8_t> out(v.size());
  size_t used;
  ASSERT_OK(DecodePlainBool(U(enc), enc.size(), v.size(), out.data(), &used));
  EXPECT_EQ(out, v);
  EXPECT_TRUE(DecodePlainBool(U(enc), 2, v.size(), out.data(), &used).IsCorruption());
}

TEST(Plain, ByteArraysAppendToOffsets) {
  std::vector<uint32_t> offsets = {0, 0, 3, 3, 8};  // "", "abc", "", "hello"
  std::string chars = "abchello";
  std::string enc;
  EncodePlainByteArray(offsets.data(), chars.data(), 4, &enc);
  EXPECT_EQ(enc.size(), 4 * 4 + 8u);
  std::vector<uint32_t> out_off = {0, 2};  // an existing column holding "xy"
  std::string out_chars = "xy";
  size_t used;
  ASSERT_OK(DecodePlainByteArray(U(enc), enc.size(), 4, &out_off, &out_chars, &used));
  EXPECT_EQ(used, enc.size());
  EXPECT_EQ(out_chars, "xyabchello");
  EXPECT_EQ(out_off, (std::vector<uint32_t>{0, 2, 2, 5, 5, 10}));
  // A length that runs past the end, and a missing length.
  std::string bad = enc.substr(0, enc.size() - 1);
  Status st = DecodePlainByteArray(U(bad), bad.size(), 4, &out_off, &out_chars, &used);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("byte array 3"), std::string::npos) << st.message();
  st = DecodePlainByteArray(U(enc), enc.size(), 5, &out_off, &out_chars, &used);
  EXPECT_NE(st.message().find("has no length"), std::string::npos) << st.message();
  // Failed decodes leave the output untouched.
  EXPECT_EQ(out_chars, "xyabchello");
}

TEST(Plain, FixedLenByteArrays) {
  std::string enc = "aaaabbbbcccc";
  std::vector<uint32_t> off = {0};
  std::string chars;
  size_t used;
  ASSERT_OK(DecodePlainFixedLenByteArray(U(enc), enc.size(), 3, 4, &off, &chars, &used));
  EXPECT_EQ(off, (std::vector<uint32_t>{0, 4, 8, 12}));
  EXPECT_TRUE(DecodePlainFixedLenByteArray(U(enc), enc.size(), 4, 4, &off, &chars, &used).IsCorruption());
}

TEST(Plain, StringCapacityLimit) {
  EXPECT_OK(CheckStringCapacity(10, 100));
  EXPECT_EQ(CheckStringCapacity(UINT32_MAX - 5, 10).code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace strata::parquet
