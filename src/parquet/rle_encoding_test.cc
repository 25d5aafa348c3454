#include "parquet/rle_encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "parquet/bit_util.h"

namespace strata::parquet {
namespace {

std::vector<uint32_t> DecodeAll(const std::string& enc, int bw, size_t n) {
  RleBitPackedDecoder d(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), bw);
  std::vector<uint32_t> out(n);
  size_t got = d.GetBatch(out.data(), n);
  EXPECT_EQ(got, n);
  EXPECT_EQ(d.error(), nullptr);
  return out;
}

TEST(Rle, SpecExampleBitPacked) {
  // The format spec's example: 0..7 with bit width 3 packs to 10001000 11000110 11111010.
  std::string enc = "\x03\x88\xc6\xfa";
  EXPECT_EQ(DecodeAll(enc, 3, 8), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  std::vector<uint32_t> v = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string mine;
  RleEncode(v.data(), v.size(), 3, &mine);
  EXPECT_EQ(mine, enc);
}

TEST(Rle, RunsAndLiteralsRoundTrip) {
  std::mt19937 rng(1);
  for (int bw : {0, 1, 2, 3, 7, 8, 9, 16, 17, 31, 32}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{100}, size_t{5000}}) {
      std::vector<uint32_t> v(n);
      uint64_t maxv = bw == 32 ? 0xffffffffull : (1ull << bw) - 1;
      for (size_t i = 0; i < n;) {
        // Alternate stretches of repeats and of random values so both run kinds appear.
        size_t len = 1 + rng() % 20;
        uint32_t x = static_cast<uint32_t>(rng() % (maxv + 1));
        bool repeat = rng() % 2;
        for (size_t k = 0; k < len && i < n; ++k, ++i) v[i] = repeat ? x : static_cast<uint32_t>(rng() % (maxv + 1));
      }
      std::string enc;
      RleEncode(v.data(), n, bw, &enc);
      EXPECT_EQ(DecodeAll(enc, bw, n), v) << "bw=" << bw << " n=" << n;
    }
  }
}

TEST(Rle, LongRunIsOneRun) {
  std::vector<uint8_t> v(100000, 1);
  std::string enc;
  RleEncode(v.data(), v.size(), 1, &enc);
  EXPECT_LE(enc.size(), 4u);
  RleBitPackedDecoder d(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), 1);
  uint32_t value = 0;
  EXPECT_TRUE(d.NextRunCovers(100000, &value));
  EXPECT_EQ(value, 1u);
}

TEST(Rle, DecodesInPiecesAcrossRuns) {
  std::vector<uint32_t> v;
  for (int i = 0; i < 50; ++i) v.push_back(5);
  for (int i = 0; i < 37; ++i) v.push_back(i % 8);
  for (int i = 0; i < 20; ++i) v.push_back(2);
  std::string enc;
  RleEncode(v.data(), v.size(), 3, &enc);
  RleBitPackedDecoder d(reinterpret_cast<const uint8_t*>(enc.data()), enc.size(), 3);
  std::vector<uint32_t> out;
  uint32_t buf[7];
  size_t got;
  while ((got = d.GetBatch(buf, 7)) > 0) out.insert(out.end(), buf, buf + got);
  // The last literal group is zero-padded, so the decoder may yield a few extra zeros.
  ASSERT_GE(out.size(), v.size());
  out.resize(v.size());
  EXPECT_EQ(out, v);
}

TEST(Rle, MalformedDataStopsCleanly) {
  // A header varint that never ends.
  std::string bad = "\xff\xff";
  RleBitPackedDecoder d(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), 4);
  uint32_t out[4];
  EXPECT_EQ(d.GetBatch(out, 4), 0u);
  EXPECT_NE(d.error(), nullptr);
  // An RLE run whose value bytes are missing.
  std::string no_value = "\x10";
  RleBitPackedDecoder d2(reinterpret_cast<const uint8_t*>(no_value.data()), no_value.size(), 16);
  EXPECT_EQ(d2.GetBatch(out, 4), 0u);
  EXPECT_NE(d2.error(), nullptr);
  // A bit-packed run claiming 100 groups with 3 bytes present yields what the bytes hold.
  std::string short_run = "\xc9\x01\xff\xff\xff";
  RleBitPackedDecoder d3(reinterpret_cast<const uint8_t*>(short_run.data()), short_run.size(), 8);
  std::vector<uint32_t> many(1000);
  EXPECT_EQ(d3.GetBatch(many.data(), many.size()), 3u);
  // Thousands of empty runs neither recurse nor loop forever.
  std::string empties(100000, '\0');
  RleBitPackedDecoder d4(reinterpret_cast<const uint8_t*>(empties.data()), empties.size(), 0);
  EXPECT_EQ(d4.GetBatch(out, 4), 0u);
}

TEST(BitUtil, PackUnpackAllWidths) {
  std::mt19937_64 rng(2);
  for (int bw = 0; bw <= 64; ++bw) {
    std::vector<uint64_t> v(77);
    for (auto& x : v) x = bw == 64 ? rng() : (bw == 0 ? 0 : rng() & ((1ull << bw) - 1));
    std::string packed;
    PackBits(v.data(), v.size(), bw, &packed);
    EXPECT_EQ(packed.size(), BytesForBits(77ull * bw));
    std::vector<uint64_t> out(77);
    UnpackBits64(reinterpret_cast<const uint8_t*>(packed.data()), packed.size(), 0, out.data(), 77, bw);
    EXPECT_EQ(out, v) << bw;
    // From an offset, too.
    std::vector<uint64_t> tail(10);
    UnpackBits64(reinterpret_cast<const uint8_t*>(packed.data()), packed.size(), 60, tail.data(), 10, bw);
    EXPECT_TRUE(std::equal(tail.begin(), tail.end(), v.begin() + 60)) << bw;
  }
}

// The compile-time-width unpacker gives UnpackBits64's values at every width, 64- and 32-bit out.
TEST(BitUtil, Unpack32AllWidthsMatchesGeneric) {
  std::mt19937_64 rng(3);
  for (int bw = 0; bw <= 64; ++bw) {
    std::vector<uint64_t> v(96);
    for (auto& x : v) x = bw == 64 ? rng() : (bw == 0 ? 0 : rng() & ((1ull << bw) - 1));
    std::string packed;
    PackBits(v.data(), v.size(), bw, &packed);
    packed.append(kUnpack32Slack, '\x5a');  // the slack it may read holds garbage
    const auto* p = reinterpret_cast<const uint8_t*>(packed.data());
    for (size_t group = 0; group < 3; ++group) {
      uint64_t out[32];
      Unpack32Dispatch(p + group * 32 * bw / 8, out, bw);
      EXPECT_TRUE(std::equal(out, out + 32, v.begin() + group * 32)) << bw << " group " << group;
      if (bw <= 32) {
        uint32_t out32[32];
        Unpack32Dispatch(p + group * 32 * bw / 8, out32, bw);
        for (size_t j = 0; j < 32; ++j) EXPECT_EQ(out32[j], v[group * 32 + j]) << bw;
      }
    }
  }
}

// Bit-packed runs long enough for the fast path, decoded whole and in pieces that start off a
// multiple of 32, with the data ending right after the run (no slack: the tail goes the slow way).
TEST(Rle, LongBitPackedRunsAllWidths) {
  std::mt19937_64 rng(4);
  for (int bw = 1; bw <= 32; ++bw) {
    std::vector<uint32_t> v(1000);
    for (auto& x : v) x = static_cast<uint32_t>(rng() & ((1ull << bw) - 1));
    std::string enc;
    AppendUleb128((static_cast<uint64_t>(v.size() / 8) << 1) | 1, &enc);
    PackBits(v.data(), v.size(), bw, &enc);
    const auto* p = reinterpret_cast<const uint8_t*>(enc.data());
    RleBitPackedDecoder whole(p, enc.size(), bw);
    std::vector<uint32_t> out(v.size());
    ASSERT_EQ(whole.GetBatch(out.data(), out.size()), v.size()) << bw;
    EXPECT_EQ(out, v) << bw;
    RleBitPackedDecoder pieces(p, enc.size(), bw);
    std::fill(out.begin(), out.end(), 0);
    for (size_t done = 0, step = 7; done < v.size(); step = step * 2 + 3) {
      const size_t k = std::min(step, v.size() - done);
      ASSERT_EQ(pieces.GetBatch(out.data() + done, k), k);
      done += k;
    }
    EXPECT_EQ(out, v) << bw;
    if (bw == 1) {  // levels decode into bytes
      std::vector<uint8_t> bytes(v.size());
      RleBitPackedDecoder d8(p, enc.size(), bw);
      ASSERT_EQ(d8.GetBatch(bytes.data(), bytes.size()), v.size());
      EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), v.begin()));
    }
  }
}

TEST(BitUtil, Varints) {
  std::string s;
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, ~0ull}) AppendUleb128(v, &s);
  size_t pos = 0;
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, ~0ull}) {
    uint64_t got;
    ASSERT_TRUE(ReadUleb128(reinterpret_cast<const uint8_t*>(s.data()), s.size(), &pos, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_EQ(pos, s.size());
  uint64_t got;
  std::string overlong(11, '\x80');
  pos = 0;
  EXPECT_FALSE(ReadUleb128(reinterpret_cast<const uint8_t*>(overlong.data()), overlong.size(), &pos, &got));
  EXPECT_EQ(ZigZagDecode(ZigZagEncode(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
}

}  // namespace
}  // namespace strata::parquet
