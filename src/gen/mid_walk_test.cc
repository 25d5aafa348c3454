#include "gen/mid_walk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "gen/sampling.h"

namespace strata::gen {
namespace {

constexpr int kSeconds = 23400;

std::vector<int64_t> Dense(uint64_t seed, int64_t start, int p256) {
  MidWalk walk(seed, start, p256);
  std::vector<int64_t> mids(kSeconds);
  for (int s = 0; s < kSeconds; ++s) mids[static_cast<size_t>(s)] = walk.At(s);
  return mids;
}

// The walk's value at a second must not depend on which earlier seconds were asked for: trades
// and quotes of one symbol query different seconds and must see the same prices.
void ExpectSparseMatchesDense(uint64_t seed, int64_t start, int p256) {
  const std::vector<int64_t> dense = Dense(seed, start, p256);
  for (uint64_t query_seed : {1, 2, 3}) {
    MidWalk walk(seed, start, p256);
    Rng rng(query_seed);
    for (int64_t s = static_cast<int64_t>(rng.Below(100)); s < kSeconds;
         s += 1 + static_cast<int64_t>(rng.Below(300))) {
      ASSERT_EQ(walk.At(s), dense[static_cast<size_t>(s)]) << "second " << s << ", query seed " << query_seed;
      ASSERT_EQ(walk.At(s), dense[static_cast<size_t>(s)]) << "asking twice is fine";
    }
  }
}

TEST(MidWalk, SparseQueriesSeeTheSameWalk) {
  ExpectSparseMatchesDense(11, 25000, 200);
  ExpectSparseMatchesDense(12, 3000, 3);
}

TEST(MidWalk, SparseQueriesSeeTheSameWalkNearTheFloor) {
  // Bases below 292 ticks take the step-by-step path; this walk crosses between both paths.
  ExpectSparseMatchesDense(13, 100, 255);
  ExpectSparseMatchesDense(14, 290, 128);
}

TEST(MidWalk, StepsAreSmallAndAsFrequentAsAsked) {
  for (int p256 : {3, 64, 230}) {
    const std::vector<int64_t> mids = Dense(21, 50000, p256);
    int moves = 0, ones = 0, twos = 0, threes = 0;
    int64_t prev = 50000;
    for (int64_t m : mids) {
      const int64_t step = std::llabs(m - prev);
      ASSERT_LE(step, 3);
      moves += step != 0;
      ones += step == 1;
      twos += step == 2;
      threes += step == 3;
      prev = m;
    }
    const double expected = kSeconds * p256 / 256.0;
    EXPECT_NEAR(moves, expected, 5 * std::sqrt(expected) + 1) << "p256 " << p256;
    if (p256 >= 64) {
      EXPECT_NEAR(ones, moves * 9 / 16.0, moves * 0.05) << p256;
      EXPECT_NEAR(twos, moves * 6 / 16.0, moves * 0.05) << p256;
      EXPECT_NEAR(threes, moves * 1 / 16.0, moves * 0.03) << p256;
    }
  }
}

TEST(MidWalk, ZeroProbabilityNeverMoves) {
  for (int64_t m : Dense(5, 4321, 0)) ASSERT_EQ(m, 4321);
}

TEST(MidWalk, NeverBelowTheFloor) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (int64_t m : Dense(seed, MidWalk::kFloorTicks, 255)) ASSERT_GE(m, MidWalk::kFloorTicks) << "seed " << seed;
  }
}

TEST(MidWalk, DeterministicPerSeed) {
  EXPECT_EQ(Dense(1, 10000, 100), Dense(1, 10000, 100));
  EXPECT_NE(Dense(1, 10000, 100), Dense(2, 10000, 100));
}

}  // namespace
}  // namespace strata::gen
