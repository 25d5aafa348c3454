#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "strata/trials.h"
#include "testutil/testutil.h"

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

// Ranks: rank 1 is the front; a point of rank r > 1 is dominated by some point of rank r - 1 and
// by none of rank >= r (checked pairwise).
TEST(ParetoTest, RanksMatchPairwiseDefinition) {
  std::mt19937_64 rng(99);
  for (size_t d : {2, 3, 4}) {
    for (int round = 0; round < 30; ++round) {
      const size_t n = 1 + rng() % 120;
      std::vector<double> p = RandomPoints(rng, n, d, round % 2 ? 4 : 0);
      std::vector<uint32_t> rank = NonDominatedRanks(p, d);
      auto dominates = [&](size_t a, size_t b) {
        bool le = true, lt = false;
        for (size_t k = 0; k < d; ++k) {
          le = le && p[a * d + k] <= p[b * d + k];
          lt = lt || p[a * d + k] < p[b * d + k];
        }
        return le && lt;
      };
      for (size_t i = 0; i < n; ++i) {
        ASSERT_GE(rank[i], 1u);
        bool by_previous = false;
        for (size_t j = 0; j < n; ++j) {
          if (!dominates(j, i)) continue;
          ASSERT_LT(rank[j], rank[i]) << "d=" << d;
          by_previous = by_previous || rank[j] == rank[i] - 1;
        }
        ASSERT_TRUE(rank[i] == 1 || by_previous) << "d=" << d;
      }
    }
  }
}

TEST(ParetoTest, CrowdingDistanceByHand) {
  // Four points on a line x + y = 3: ends infinite; (1,2): (2-0)/3 + (3-1)/3; (2,1): the same.
  std::vector<double> p = {0, 3, 1, 2, 2, 1, 3, 0};
  std::vector<double> c = CrowdingDistance(p, 2);
  EXPECT_TRUE(std::isinf(c[0]) && std::isinf(c[3]));
  EXPECT_DOUBLE_EQ(c[1], 4.0 / 3);
  EXPECT_DOUBLE_EQ(c[2], 4.0 / 3);
  EXPECT_TRUE(std::isinf(CrowdingDistance(std::vector<double>{1, 2, 3, 4}, 2)[0]));
}

// Hypervolume against inclusion-exclusion over every subset of the boxes (exact, independent).
double InclusionExclusion(const std::vector<double>& p, size_t d, const std::vector<double>& ref) {
  const size_t n = p.size() / d;
  double total = 0;
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    double vol = 1;
    for (size_t k = 0; k < d; ++k) {
      double lo = -INFINITY;
      for (size_t i = 0; i < n; ++i) {
        if (mask & (1u << i)) lo = std::max(lo, p[i * d + k]);
      }
      vol *= std::max(0.0, ref[k] - lo);
    }
    total += (__builtin_popcount(mask) % 2 ? 1 : -1) * vol;
  }
  return total;
}

TEST(ParetoTest, HypervolumeMatchesInclusionExclusion) {
  std::mt19937_64 rng(5);
  for (size_t d : {2, 3}) {
    for (int round = 0; round < 200; ++round) {
      const size_t n = 1 + rng() % 10;
      std::vector<double> p = RandomPoints(rng, n, d, round % 2 ? 5 : 0);
      std::vector<double> ref(d, round % 3 == 0 ? 0.5 : 1.0);  // some points outside the reference
      ASSERT_OK_AND_ASSIGN(double hv, Hypervolume(p, d, ref));
      ASSERT_NEAR(hv, InclusionExclusion(p, d, ref), 1e-9) << "d=" << d << " n=" << n;
    }
  }
  EXPECT_FALSE(Hypervolume(std::vector<double>{1, 2, 3, 4}, 4, std::vector<double>{5, 5, 5, 5}).ok());
  EXPECT_FALSE(Hypervolume(std::vector<double>{1, 2}, 2, std::vector<double>{5}).ok());
}

TEST(ParetoTest, EmptyInput) {
  EXPECT_TRUE(ParetoFront({}, 2).empty());
  EXPECT_TRUE(ParetoFront({}, 3).empty());
}

}  // namespace
}  // namespace strata::trials
