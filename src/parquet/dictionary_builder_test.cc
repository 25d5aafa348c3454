#include "parquet/dictionary_builder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace strata::parquet {
namespace {

TEST(DictionaryBuilder, DenseIndicesInOrderOfFirstAppearance) {
  DictionaryBuilder<int64_t> d;
  EXPECT_EQ(d.Insert(50), 0u);
  EXPECT_EQ(d.Insert(-3), 1u);
  EXPECT_EQ(d.Insert(50), 0u);
  EXPECT_EQ(d.Insert(INT64_MIN), 2u);
  EXPECT_EQ(d.values(), (std::vector<int64_t>{50, -3, INT64_MIN}));
  EXPECT_EQ(d.byte_size(), 24u);
  d.Clear();
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(d.Insert(-3), 0u);
}

TEST(DictionaryBuilder, DoublesCompareByBits) {
  DictionaryBuilder<double> d;
  EXPECT_EQ(d.Insert(0.0), 0u);
  EXPECT_EQ(d.Insert(-0.0), 1u);
  EXPECT_EQ(d.Insert(std::nan("")), 2u);
  EXPECT_EQ(d.Insert(std::nan("")), 2u);
}

TEST(DictionaryBuilder, GrowsPastManyValues) {
  DictionaryBuilder<int32_t> d;
  StringDictionaryBuilder s;
  std::mt19937 rng(6);
  std::vector<int32_t> seen;
  for (int i = 0; i < 100000; ++i) {
    int32_t v = static_cast<int32_t>(rng() % 20000);
    uint32_t idx = d.Insert(v);
    ASSERT_EQ(d.values()[idx], v);
    std::string str = "k" + std::to_string(v);
    uint32_t sidx = s.Insert(str);
    ASSERT_EQ(s.Get(sidx), str);
    ASSERT_EQ(sidx, idx);
  }
  EXPECT_LE(d.size(), 20000u);
  EXPECT_GT(d.size(), 19000u);
  EXPECT_EQ(s.size(), d.size());
  EXPECT_EQ(s.offsets().size(), s.size() + 1);
  EXPECT_EQ(s.byte_size(), s.chars().size() + 4 * s.size());
}

TEST(DictionaryBuilder, EmptyAndLongStrings) {
  StringDictionaryBuilder s;
  EXPECT_EQ(s.Insert(""), 0u);
  std::string long_a(1000, 'a'), long_b = long_a;
  long_b.back() = 'b';
  EXPECT_EQ(s.Insert(long_a), 1u);
  EXPECT_EQ(s.Insert(long_b), 2u);
  EXPECT_EQ(s.Insert(""), 0u);
  EXPECT_EQ(s.Insert(long_a), 1u);
  EXPECT_NE(HashBytes(long_a.data(), long_a.size()), HashBytes(long_b.data(), long_b.size()));
}

}  // namespace
}  // namespace strata::parquet
