#include "parquet/delta_byte_array.h"

#include <gtest/gtest.h>

#include <random>

#include "parquet/bit_util.h"
#include "parquet/delta_binary_packed.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

struct Strings {
  std::vector<uint32_t> offsets{0};
  std::string chars;
  void Add(std::string_view s) {
    chars.append(s);
    offsets.push_back(static_cast<uint32_t>(chars.size()));
  }
  size_t size() const { return offsets.size() - 1; }
};

using Encoder = void (*)(const uint32_t*, const char*, size_t, std::string*);
using Decoder = Status (*)(const uint8_t*, size_t, size_t, std::vector<uint32_t>*, std::string*, size_t*);

void ExpectRoundTrip(const Strings& s, Encoder enc_fn, Decoder dec_fn) {
  std::string enc;
  enc_fn(s.offsets.data(), s.chars.data(), s.size(), &enc);
  enc += "TAIL";
  Strings out;
  out.Add("pre");  // decoders append after existing values
  size_t used;
  ASSERT_OK(
      dec_fn(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), s.size(), &out.offsets, &out.chars, &used));
  EXPECT_EQ(enc.substr(used), "TAIL");
  ASSERT_EQ(out.size(), s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(out.chars.substr(out.offsets[i + 1], out.offsets[i + 2] - out.offsets[i + 1]),
              s.chars.substr(s.offsets[i], s.offsets[i + 1] - s.offsets[i]))
        << i;
  }
}

TEST(DeltaByteArray, RoundTrips) {
  Strings s;
  for (const char* v : {"", "apple", "applesauce", "apply", "", "banana", "band", "band", "b", "zzzzzzzzzz"}) s.Add(v);
  ExpectRoundTrip(s, EncodeDeltaLengthByteArray, DecodeDeltaLengthByteArray);
  ExpectRoundTrip(s, EncodeDeltaByteArray, DecodeDeltaByteArray);
  Strings empty;
  ExpectRoundTrip(empty, EncodeDeltaLengthByteArray, DecodeDeltaLengthByteArray);
  ExpectRoundTrip(empty, EncodeDeltaByteArray, DecodeDeltaByteArray);
  Strings many;
  std::mt19937 rng(5);
  for (int i = 0; i < 3000; ++i) many.Add("sym" + std::to_string(rng() % 500) + std::string(rng() % 5, 'x'));
  ExpectRoundTrip(many, EncodeDeltaLengthByteArray, DecodeDeltaLengthByteArray);
  ExpectRoundTrip(many, EncodeDeltaByteArray, DecodeDeltaByteArray);
}

TEST(DeltaByteArray, SortedKeysShrink) {
  Strings s;
  for (int i = 0; i < 1000; ++i) s.Add("customer-000000" + std::to_string(100000 + i));
  std::string dlba, dba;
  EncodeDeltaLengthByteArray(s.offsets.data(), s.chars.data(), s.size(), &dlba);
  EncodeDeltaByteArray(s.offsets.data(), s.chars.data(), s.size(), &dba);
  EXPECT_LT(dba.size() * 3, dlba.size());
}

TEST(DeltaByteArray, MalformedIsCorruption) {
  Strings s;
  for (const char* v : {"abc", "abd", "xyz"}) s.Add(v);
  std::string enc;
  EncodeDeltaByteArray(s.offsets.data(), s.chars.data(), s.size(), &enc);
  std::vector<uint32_t> off{0};
  std::string chars;
  size_t used;
  // Wrong count.
  Status st = DecodeDeltaByteArray(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), 4, &off, &chars, &used);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("3 lengths encoded for 4 values"), std::string::npos) << st.message();
  // Every truncation fails cleanly.
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    EXPECT_FALSE(DecodeDeltaByteArray(reinterpret_cast<const uint8_t*>(enc.data()), cut, 3, &off, &chars, &used).ok());
  }
  // A prefix longer than the previous value.
  std::string bad;
  int32_t prefixes[2] = {0, 9};
  EncodeDeltaBinaryPacked(prefixes, 2, &bad);
  Strings suffixes;
  suffixes.Add("ab");
  suffixes.Add("c");
  EncodeDeltaLengthByteArray(suffixes.offsets.data(), suffixes.chars.data(), 2, &bad);
  st = DecodeDeltaByteArray(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), 2, &off, &chars, &used);
  EXPECT_NE(st.message().find("shares 9 bytes"), std::string::npos) << st.message();
  // A negative length.
  std::string neg;
  int32_t lengths[1] = {-4};
  EncodeDeltaBinaryPacked(lengths, 1, &neg);
  st = DecodeDeltaLengthByteArray(reinterpret_cast<const uint8_t*>(neg.data()), neg.size(), 1, &off, &chars, &used);
  EXPECT_NE(st.message().find("negative length"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace strata::parquet
