#include "artifacts/chunker.h"

#include <gtest/gtest.h>

#include <numeric>

#include "artifacts/artifacts_test_util.h"

namespace strata::artifacts {
namespace {

using testing::RandomBytes;

TEST(ChunkerTest, RejectsBadSizes) {
  EXPECT_FALSE(Chunker::Make({16, 64, 256}).ok());
  EXPECT_FALSE(Chunker::Make({4096, 4096, 8192}).ok());
  EXPECT_FALSE(Chunker::Make({4096, 8192, 8192}).ok());
  EXPECT_TRUE(Chunker::Make({}).ok());
}

TEST(ChunkerTest, CoversInputAndRespectsBounds) {
  auto chunker = Chunker::Make({}).value();
  std::string data = RandomBytes(8 << 20, 1);
  auto lengths = chunker.Split(data);
  EXPECT_EQ(std::accumulate(lengths.begin(), lengths.end(), uint64_t{0}), data.size());
  for (size_t i = 0; i + 1 < lengths.size(); ++i) {
    EXPECT_GE(lengths[i], 16u << 10);
    EXPECT_LE(lengths[i], 256u << 10);
  }
  // Normalised chunking keeps the mean near the target average.
  double mean = double(data.size()) / lengths.size();
  EXPECT_GT(mean, 40 << 10);
  EXPECT_LT(mean, 100 << 10);
}

TEST(ChunkerTest, DeterministicGearTable) {
  // Pinned: changing the table would move every cut point and stop new versions from
  // deduplicating against chunks already stored.
  EXPECT_EQ(GearTable()[0], 0xfd2b3b0e100360b2ull);
  EXPECT_EQ(GearTable()[255], 0xbe2a98350736ad00ull);
  auto a = Chunker::Make({}).value().Split(RandomBytes(1 << 20, 7));
  auto b = Chunker::Make({}).value().Split(RandomBytes(1 << 20, 7));
  EXPECT_EQ(a, b);
}

TEST(ChunkerTest, InsertionOnlyMovesNearbyCuts) {
  auto chunker = Chunker::Make({}).value();
  std::string base = RandomBytes(4 << 20, 2);
  std::string shifted = base.substr(0, 1000) + RandomBytes(777, 9) + base.substr(1000);
  auto cuts = [&](const std::string& d) {
    std::vector<uint64_t> ends;
    uint64_t off = 0;
    for (uint32_t len : chunker.Split(d)) ends.push_back(off += len);
    return ends;
  };
  auto a = cuts(base), b = cuts(shifted);
  size_t same = 0;
  for (uint64_t e : b) {
    if (e > 1777 && std::binary_search(a.begin(), a.end(), e - 777)) same++;
  }
  EXPECT_GE(same + 2, b.size());
}

TEST(ChunkerTest, ShortInputIsOneChunk) {
  auto chunker = Chunker::Make({}).value();
  EXPECT_EQ(chunker.Split("").size(), 0u);
  EXPECT_EQ(chunker.Split(std::string(100, 'x')), std::vector<uint32_t>{100});
  for (uint32_t len : chunker.Split(std::string(1 << 20, '\0'))) EXPECT_LE(len, 256u << 10);
}

}  // namespace
}  // namespace strata::artifacts
