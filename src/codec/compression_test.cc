#include "codec/compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "testutil/testutil.h"

namespace strata {
namespace {

const CompressionType kAll[] = {CompressionType::kNone,   CompressionType::kSnappy,    CompressionType::kGzip,
                                CompressionType::kLz4Raw, CompressionType::kLz4Hadoop, CompressionType::kZstd};

std::string Sample(size_t n, bool compressible, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = compressible ? static_cast<char>('a' + (i / 7) % 5) : static_cast<char>(rng());
  return s;
}

class CodecRoundTrip : public ::testing::TestWithParam<CompressionType> {};

TEST_P(CodecRoundTrip, RoundTripsAllSizes) {
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodec(GetParam()));
  EXPECT_EQ(codec->type(), GetParam());
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{70000}, size_t{600000}}) {
    for (bool compressible : {true, false}) {
      std::string input = Sample(n, compressible, n);
      std::string packed = "prefix";  // Compress appends
      ASSERT_OK(codec->Compress(input, &packed));
      ASSERT_EQ(packed.substr(0, 6), "prefix");
      std::string_view body(packed.data() + 6, packed.size() - 6);
      if (compressible && n >= 70000 && GetParam() != CompressionType::kNone) {
        EXPECT_LT(body.size(), n / 4);
      }
      std::string out(n, '\x7f');
      ASSERT_OK(codec->Decompress(body, out.data(), out.size()));
      EXPECT_EQ(out, input);
    }
  }
}

TEST_P(CodecRoundTrip, WrongSizeIsCorruption) {
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodec(GetParam()));
  std::string input = Sample(5000, true, 1), packed;
  ASSERT_OK(codec->Compress(input, &packed));
  std::string out(input.size() + 10, '\0');
  Status st = codec->Decompress(packed, out.data(), input.size() + 10);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  st = codec->Decompress(packed, out.data(), input.size() - 10);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST_P(CodecRoundTrip, GarbageNeverCrashes) {
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodec(GetParam()));
  std::string input = Sample(20000, true, 2), packed;
  ASSERT_OK(codec->Compress(input, &packed));
  std::mt19937_64 rng(3);
  std::string out(input.size(), '\0');
  int failures = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::string bad = packed;
    if (trial % 3 == 0) {
      bad.resize(rng() % bad.size());  // truncated
    } else {
      for (int k = 0; k < 4; ++k) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    Status st = codec->Decompress(bad, out.data(), out.size());
    if (!st.ok()) {
      ++failures;
      EXPECT_TRUE(st.IsCorruption()) << st.ToString();
    }
  }
  // Snappy and LZ4 carry no checksum, so some flips decode; truncation is always caught.
  EXPECT_GT(failures, 60);
}

INSTANTIATE_TEST_SUITE_P(All, CodecRoundTrip, ::testing::ValuesIn(kAll),
                         [](const auto& info) { return std::string(CompressionTypeName(info.param)); });

TEST(Codec, GzipReadsConcatenatedMembersAndZlibStreams) {
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodec(CompressionType::kGzip, 6));
  std::string a = Sample(3000, true, 4), b = Sample(2000, false, 5), packed;
  ASSERT_OK(codec->Compress(a, &packed));
  ASSERT_OK(codec->Compress(b, &packed));
  std::string out(a.size() + b.size(), '\0');
  ASSERT_OK(codec->Decompress(packed, out.data(), out.size()));
  EXPECT_EQ(out, a + b);

  std::string zlib_stream(compressBound(a.size()), '\0');
  uLongf n = zlib_stream.size();
  ASSERT_EQ(
      compress(reinterpret_cast<Bytef*>(zlib_stream.data()), &n, reinterpret_cast<const Bytef*>(a.data()), a.size()),
      Z_OK);
  zlib_stream.resize(n);
  std::string out2(a.size(), '\0');
  ASSERT_OK(codec->Decompress(zlib_stream, out2.data(), out2.size()));
  EXPECT_EQ(out2, a);
}

TEST(Codec, HadoopLz4FallsBackToRawBlockAndSplitsFrames) {
  ASSERT_OK_AND_ASSIGN(auto raw, MakeCodec(CompressionType::kLz4Raw));
  ASSERT_OK_AND_ASSIGN(auto hadoop, MakeCodec(CompressionType::kLz4Hadoop));
  std::string input = Sample(600000, true, 6), block, framed;
  ASSERT_OK(raw->Compress(input, &block));
  ASSERT_OK(hadoop->Compress(input, &framed));
  // Three frames of at most 256 KiB: the first frame's header says 262144 raw bytes.
  EXPECT_EQ(static_cast<unsigned char>(framed[1]), 0x04);
  EXPECT_EQ(framed.substr(0, 4), std::string("\0\x04\0\0", 4));
  std::string out(input.size(), '\0');
  ASSERT_OK(hadoop->Decompress(block, out.data(), out.size()));
  EXPECT_EQ(out, input);
  // A raw codec does not understand the framing.
  EXPECT_FALSE(raw->Decompress(framed, out.data(), out.size()).ok());
}

TEST(Codec, LevelsAreValidated) {
  EXPECT_OK(MakeCodec(CompressionType::kZstd, 19));
  EXPECT_OK(MakeCodec(CompressionType::kZstd, -5));
  EXPECT_EQ(MakeCodec(CompressionType::kZstd, 99).status().code(), StatusCode::kInvalidArgument);
  EXPECT_OK(MakeCodec(CompressionType::kGzip, 9));
  EXPECT_EQ(MakeCodec(CompressionType::kGzip, 10).status().code(), StatusCode::kInvalidArgument);
  // Higher zstd levels compress this text better.
  // Random words from a small vocabulary: redundancy that stronger levels find more of.
  std::mt19937_64 rng(7);
  std::string input;
  while (input.size() < 300000) {
    input.append("w").append(std::to_string(rng() % 300)).push_back(rng() % 5 == 0 ? '\n' : ' ');
  }
  std::string fast, strong;
  ASSERT_OK_AND_ASSIGN(auto z1, MakeCodec(CompressionType::kZstd, 1));
  ASSERT_OK_AND_ASSIGN(auto z19, MakeCodec(CompressionType::kZstd, 19));
  ASSERT_OK(z1->Compress(input, &fast));
  ASSERT_OK(z19->Compress(input, &strong));
  EXPECT_LT(strong.size(), fast.size());
}

TEST(Codec, ParsesNames) {
  for (CompressionType t : kAll) {
    ASSERT_OK_AND_ASSIGN(CompressionType parsed, ParseCompressionType(CompressionTypeName(t)));
    EXPECT_EQ(parsed, t);
  }
  ASSERT_OK_AND_ASSIGN(CompressionType z, ParseCompressionType("ZSTD"));
  EXPECT_EQ(z, CompressionType::kZstd);
  ASSERT_OK_AND_ASSIGN(CompressionType u, ParseCompressionType("uncompressed"));
  EXPECT_EQ(u, CompressionType::kNone);
  Status st = ParseCompressionType("brotli").status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("brotli"), std::string::npos);
}

}  // namespace
}  // namespace strata
