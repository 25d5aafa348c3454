#include "gen/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace strata::gen {
namespace {

TEST(SplitMix, MatchesTheReferenceSequence) {
  // SplitMix64 (Vigna) from state 0: its first outputs are well known.
  EXPECT_EQ(SplitMix(0), 0xe220a8397b1dcdafull);
  EXPECT_EQ(SplitMix(1), 0x910a2dec89025cc1ull);
}

TEST(Rng, MatchesReferenceXoshiro256StarStar) {
  // Expected values from an independent implementation of xoshiro256** seeded with four
  // SplitMix64 outputs starting at 12345.
  Rng rng(12345);
  EXPECT_EQ(rng.Next(), 0x2cf2db729a2209daull);
  EXPECT_EQ(rng.Next(), 0xd65cf80b902ac89full);
  EXPECT_EQ(rng.Next(), 0x8aec86410d6d1626ull);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng rng(7);
  std::vector<int> hist(10, 0);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = rng.Below(10);
    ASSERT_LT(v, 10u);
    ++hist[v];
  }
  for (int count : hist) {
    EXPECT_GT(count, 9500);
    EXPECT_LT(count, 10500);
  }
}

TEST(ExpSource, HasTheMomentsAndTailOfExp1) {
  ExpSource exp(3);
  const int n = 400000;
  double sum = 0, sum_sq = 0;
  int above1 = 0, above3 = 0;
  for (int i = 0; i < n; ++i) {
    const double x = static_cast<double>(exp.Next()) / static_cast<double>(ExpSource::kOne);
    ASSERT_GE(x, 0);
    sum += x;
    sum_sq += x * x;
    above1 += x > 1;
    above3 += x > 3;
  }
  const double mean = sum / n, var = sum_sq / n - mean * mean;
  EXPECT_NEAR(mean, 1.0, 0.01);
  EXPECT_NEAR(var, 1.0, 0.02);
  EXPECT_NEAR(static_cast<double>(above1) / n, std::exp(-1.0), 0.003);
  EXPECT_NEAR(static_cast<double>(above3) / n, std::exp(-3.0), 0.002);
}

TEST(ExpSource, DeterministicForASeed) {
  ExpSource a(9), b(9), c(10);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.Next();
    ASSERT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(IntradayShape, CdfEndpoints) {
  EXPECT_EQ(IntradayShape::Cdf35(0), 0u);
  EXPECT_EQ(IntradayShape::Cdf35(uint64_t{1} << 32), static_cast<u128>(47) << 32);
}

TEST(IntradayShape, InverseIsMonotoneAndInvertsTheCdf) {
  const IntradayShape& shape = IntradayShape::Get();
  const uint64_t kOne48 = uint64_t{1} << 48;
  EXPECT_EQ(shape.InverseQ48(0), 0u);
  EXPECT_LT(shape.InverseQ48(kOne48 - 1), kOne48);
  EXPECT_GT(shape.InverseQ48(kOne48 - 1), kOne48 - (kOne48 >> 20));
  uint64_t prev = 0;
  for (uint64_t u = 0; u < kOne48; u += kOne48 / 100003) {
    const uint64_t x = shape.InverseQ48(u);
    ASSERT_GE(x, prev) << u;
    prev = x;
    // CDF(inverse(u)) == u to about 1e-6 (the table interpolates linearly).
    const double cdf = static_cast<double>(IntradayShape::Cdf35(x >> 16)) / (47.0 * 4294967296.0);
    ASSERT_NEAR(cdf, static_cast<double>(u) / static_cast<double>(kOne48), 2e-6) << u;
  }
}

TEST(IntradayShape, BusyAtTheOpenAndCloseQuietAtMidday) {
  // The share of arrivals in a stretch of the session is the CDF's increase over it.
  auto share = [](double from, double to) {
    auto cdf = [](double x) {
      return static_cast<double>(IntradayShape::Cdf35(static_cast<uint64_t>(x * 4294967296.0)));
    };
    return (cdf(to) - cdf(from)) / (47.0 * 4294967296.0);
  };
  const double half_hour = 1.0 / 13;
  const double open = share(0, half_hour), midday = share(6 * half_hour, 7 * half_hour),
               close = share(1 - half_hour, 1);
  EXPECT_GT(open, 3 * midday);
  EXPECT_GT(close, 4 * midday);
  EXPECT_GT(close, open);
}

}  // namespace
}  // namespace strata::gen
