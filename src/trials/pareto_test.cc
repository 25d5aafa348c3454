#include <gtest/gtest.h>

#include <random>

#include "strata/trials.h"

namespace strata::trials {
namespace {

// Random points with few distinct coordinate values (many ties and exact duplicates) or
// continuous ones.
std::vector<double> RandomPoints(std::mt19937_64& rng, size_t n, size_t d, int levels) {
  std::vector<double> p(n * d);
  std::uniform_int_distribution<int> lv(0, levels - 1);
  std::uniform_real_distribution<double> u(-1, 1);
  for (double& x : p) x = levels > 0 ? lv(rng) * 0.5 - 1 : u(rng);
  return p;
}

class ParetoRandomTest : public ::testing::TestWithParam<size_t> {};

TEST_P(ParetoRandomTest, MatchesBruteForce) {
  const size_t d = GetParam();
  std::mt19937_64 rng(1234 + d);
  for (int round = 0; round < 200; ++round) {
    const size_t n = 1 + rng() % 300;
    const int levels = round % 3 == 0 ? 0 : 2 + static_cast<int>(rng() % 6);
    std::vector<double> p = RandomPoints(rng, n, d, levels);
    ASSERT_EQ(ParetoFront(p, d), ParetoFrontBruteForce(p, d)) << "d=" << d << " n=" << n << " levels=" << levels;
  }
}

INSTANTIATE_TEST_SUITE_P(Dims, ParetoRandomTest, ::testing::Values(1, 2, 3, 4, 6));

TEST(ParetoTest, DuplicatesOfAFrontPointAreAllOnTheFront) {
  // (1,2) twice, (2,1), (2,2) dominated, (1,2) again.
  std::vector<double> p = {1, 2, 1, 2, 2, 1, 2, 2, 1, 2};
  EXPECT_EQ(ParetoFront(p, 2), (std::vector<uint32_t>{0, 1, 2, 4}));
  std::vector<double> q = {0, 0, 0, 0, 0, 0, 1, 0, 0};
  EXPECT_EQ(ParetoFront(q, 3), (std::vector<uint32_t>{0, 1}));
}

TEST(ParetoTest, WeaklyDominatedPointIsOff) {
  // Equal in one coordinate, worse in the other: dominated.
  std::vector<double> p = {1, 1, 1, 2};
  EXPECT_EQ(ParetoFront(p, 2), (std::vector<uint32_t>{0}));
  std::vector<double> q = {1, 1, 1, 1, 1, 2, 1, 1, 1, 1};
  EXPECT_EQ(ParetoFront(q, 5), (std::vector<uint32_t>{0}));
}

TEST(ParetoTest, InfinitiesAreOrdinaryCoordinates) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> p = {inf, inf, inf, 0, 0, inf};
  EXPECT_EQ(ParetoFront(p, 2), ParetoFrontBruteForce(p, 2));
  EXPECT_EQ(ParetoFront(p, 2), (std::vector<uint32_t>{1, 2}));
}

TEST(ParetoTest, EmptyInput) {
  EXPECT_TRUE(ParetoFront({}, 2).empty());
  EXPECT_TRUE(ParetoFront({}, 3).empty());
}

}  // namespace
}  // namespace strata::trials
