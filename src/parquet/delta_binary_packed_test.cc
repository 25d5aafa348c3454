#include "parquet/delta_binary_packed.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "parquet/bit_util.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

template <typename T>
std::vector<T> EncodeDecode(const std::vector<T>& v, size_t* encoded_size = nullptr) {
  std::string enc;
  EncodeDeltaBinaryPacked(v.data(), v.size(), &enc);
  enc += "TRAILER";  // what follows must not be consumed
  DeltaBinaryPackedDecoder d;
  EXPECT_OK(d.Init(reinterpret_cast<const uint8_t*>(enc.data()), enc.size()));
  EXPECT_EQ(d.total_values(), v.size());
  std::vector<T> out(v.size());
  // Decode in uneven pieces to cross miniblock and block boundaries mid-call.
  size_t done = 0, step = 1;
  while (done < v.size()) {
    size_t k = std::min(step, v.size() - done);
    EXPECT_OK(d.Decode(out.data() + done, k));
    done += k;
    step = step * 3 + 1;
  }
  EXPECT_EQ(enc.substr(d.bytes_consumed()), "TRAILER");
  if (encoded_size) *encoded_size = enc.size() - 7;
  return out;
}

TEST(DeltaBinaryPacked, SpecExamples) {
  // 1..5: one block, all deltas 1, min delta 1, bit widths 0.
  std::vector<int64_t> a = {1, 2, 3, 4, 5};
  std::string enc;
  EncodeDeltaBinaryPacked(a.data(), a.size(), &enc);
  EXPECT_EQ(enc, std::string("\x80\x01\x04\x05\x02\x02\x00\x00\x00\x00", 10));
  EXPECT_EQ(EncodeDecode(a), a);
  // 7,5,3,1,2,3,4,5: deltas -2,-2,-2,1,1,1,1: min delta -2, relative 0,0,0,3,3,3,3 (2 bits).
  std::vector<int32_t> b = {7, 5, 3, 1, 2, 3, 4, 5};
  EXPECT_EQ(EncodeDecode(b), b);
}

// Deltas of every bit width over whole blocks (the compile-time-width path) and with the data
// ending right after the last miniblock (its tail decoded the generic way), in pieces.
TEST(DeltaBinaryPacked, EveryDeltaWidth) {
  std::mt19937_64 rng(5);
  for (int bw = 0; bw <= 64; ++bw) {
    std::vector<int64_t> v(1 + 128 * 5 + 17);
    uint64_t x = rng();
    for (auto& e : v) {
      e = static_cast<int64_t>(x);
      const uint64_t d = bw == 0 ? 0 : bw == 64 ? rng() : rng() & ((1ull << bw) - 1);
      x += d;
    }
    EXPECT_EQ(EncodeDecode(v), v) << bw;
    std::string enc;
    EncodeDeltaBinaryPacked(v.data(), v.size(), &enc);
    DeltaBinaryPackedDecoder d;
    ASSERT_OK(d.Init(reinterpret_cast<const uint8_t*>(enc.data()), enc.size()));
    std::vector<int64_t> out(v.size());
    ASSERT_OK(d.Decode(out.data(), out.size()));
    EXPECT_EQ(out, v) << bw;
  }
}

TEST(DeltaBinaryPacked, EdgeValuesWrap) {
  std::vector<int64_t> v = {0, INT64_MAX, INT64_MIN, INT64_MAX, -1, 1, INT64_MIN, 0};
  EXPECT_EQ(EncodeDecode(v), v);
  std::vector<int32_t> w = {INT32_MIN, INT32_MAX, INT32_MIN, 0, -1, INT32_MAX};
  EXPECT_EQ(EncodeDecode(w), w);
  // int32 deltas stay within 32 bits (other readers reject wider).
  std::string enc;
  EncodeDeltaBinaryPacked(w.data(), w.size(), &enc);
  size_t pos = 0;
  uint64_t skip;
  const auto* p = reinterpret_cast<const uint8_t*>(enc.data());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ReadUleb128(p, enc.size(), &pos, &skip));  // header + min delta
  for (int m = 0; m < 4; ++m) EXPECT_LE(p[pos + m], 32) << m;
}

TEST(DeltaBinaryPacked, EmptyAndSingle) {
  EXPECT_TRUE(EncodeDecode(std::vector<int64_t>{}).empty());
  EXPECT_EQ(EncodeDecode(std::vector<int64_t>{42}), std::vector<int64_t>{42});
  EXPECT_EQ(EncodeDecode(std::vector<int32_t>{-7}), std::vector<int32_t>{-7});
}

TEST(DeltaBinaryPacked, RandomSequencesAndSortedTimestampsCompress) {
  std::mt19937_64 rng(3);
  for (size_t n : {size_t{2}, size_t{129}, size_t{1000}, size_t{4097}}) {
    std::vector<int64_t> v(n);
    for (auto& x : v) x = static_cast<int64_t>(rng());
    EXPECT_EQ(EncodeDecode(v), v);
  }
  std::vector<int64_t> ts(100000);
  int64_t t = 1772460000000000000;
  for (auto& x : ts) x = (t += 1000000 + static_cast<int64_t>(rng() % 1000));
  size_t size = 0;
  EXPECT_EQ(EncodeDecode(ts, &size), ts);
  EXPECT_LT(size, ts.size() * 2);  // about 10 bits a value instead of 64
}

TEST(DeltaBinaryPacked, DecodesOtherBlockShapes) {
  // DuckDB writes 2048-value blocks in 8 miniblocks; build one by hand: 300 values of +3.
  std::string enc;
  AppendUleb128(2048, &enc);
  AppendUleb128(8, &enc);
  AppendUleb128(300, &enc);
  AppendUleb128(ZigZagEncode(10), &enc);
  AppendUleb128(ZigZagEncode(3), &enc);
  enc.append(8, '\x00');  // all bit widths 0: deltas are exactly the min delta
  DeltaBinaryPackedDecoder d;
  ASSERT_OK(d.Init(reinterpret_cast<const uint8_t*>(enc.data()), enc.size()));
  std::vector<int64_t> out(300);
  ASSERT_OK(d.Decode(out.data(), 300));
  for (int i = 0; i < 300; ++i) ASSERT_EQ(out[i], 10 + 3 * i);
}

TEST(DeltaBinaryPacked, MalformedIsCorruption) {
  auto init = [](const std::string& s) {
    DeltaBinaryPackedDecoder d;
    return d.Init(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_TRUE(init("").IsCorruption());
  EXPECT_TRUE(init(std::string("\x64\x04\x05\x02", 4)).IsCorruption());      // block 100
  EXPECT_TRUE(init(std::string("\x80\x01\x03\x05\x02", 5)).IsCorruption());  // 3 miniblocks
  // Width 65 in a miniblock.
  std::string enc;
  AppendUleb128(128, &enc);
  AppendUleb128(4, &enc);
  AppendUleb128(10, &enc);
  AppendUleb128(0, &enc);
  AppendUleb128(0, &enc);
  enc += "\x41\x00\x00\x00";
  DeltaBinaryPackedDecoder d;
  ASSERT_OK(d.Init(reinterpret_cast<const uint8_t*>(enc.data()), enc.size()));
  std::vector<int64_t> out(10);
  EXPECT_TRUE(d.Decode(out.data(), 10).IsCorruption());
  // Truncated miniblock data.
  std::vector<int64_t> v(200);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i * i * 7919);
  std::string full;
  EncodeDeltaBinaryPacked(v.data(), v.size(), &full);
  // A truncation either fails or (when only the zero padding of the last miniblock is cut)
  // still yields exactly the encoded values; never different values.
  int failures = 0;
  for (size_t cut = 0; cut < full.size(); ++cut) {
    DeltaBinaryPackedDecoder t;
    std::vector<int64_t> all(200);
    Status st = t.Init(reinterpret_cast<const uint8_t*>(full.data()), cut);
    if (st.ok()) st = t.total_values() == 200 ? t.Decode(all.data(), 200) : Status::Corruption("count");
    if (st.ok()) {
      EXPECT_EQ(all, v) << cut;
    } else {
      EXPECT_TRUE(st.IsCorruption()) << st.ToString();
      ++failures;
    }
  }
  EXPECT_GT(failures, static_cast<int>(full.size()) * 3 / 4);
}

}  // namespace
}  // namespace strata::parquet
