#include "hot/chunk_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "core/sanitizers.h"

namespace strata {
namespace {

constexpr size_t kBig = ChunkPool::kSlabMinBuffer * 3;

TEST(ChunkPoolTest, ReusesFreedBuffersOfTheSameSizeOnly) {
  ChunkPool pool(1 << 30);
  uint8_t* a = pool.Take(kBig);
  std::memset(a, 0xab, kBig);
  pool.Give(a, kBig);
  EXPECT_EQ(pool.pooled_bytes(), kBig);
  uint8_t* other_size = pool.Take(kBig + 64);
  EXPECT_NE(other_size, a);
  EXPECT_EQ(pool.Take(kBig), a);
  EXPECT_EQ(pool.pooled_bytes(), 0u);
  pool.Give(a, kBig);
  pool.Give(other_size, kBig + 64);
}

TEST(ChunkPoolTest, BuffersDoNotOverlapAndSlabsGrowInHugePageMultiples) {
  ChunkPool pool(1 << 30);
  std::vector<uint8_t*> bufs;
  for (int i = 0; i < 200; ++i) {  // 200 x 192 KiB: more than one 64 MiB slab
    bufs.push_back(pool.Take(kBig));
    std::memset(bufs.back(), i, kBig);
  }
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(bufs[i][0], static_cast<uint8_t>(i));
    EXPECT_EQ(bufs[i][kBig - 1], static_cast<uint8_t>(i)) << "buffer " << i << " was overwritten by another";
  }
#if !STRATA_ASAN
  EXPECT_GE(pool.slab_bytes(), 200 * kBig);
  EXPECT_EQ(pool.slab_bytes() % (2 << 20), 0u);
#endif
  for (uint8_t* b : bufs) pool.Give(b, kBig);
}

TEST(ChunkPoolTest, OverTheLimitPagesGoBackButTheBufferIsStillReusable) {
  ChunkPool pool(kBig);  // room for one resident buffer
  uint8_t* a = pool.Take(kBig);
  uint8_t* b = pool.Take(kBig);
  std::memset(a, 1, kBig);
  std::memset(b, 2, kBig);
  pool.Give(a, kBig);
  pool.Give(b, kBig);  // over the limit: released (or freed under ASan), not counted
  EXPECT_EQ(pool.pooled_bytes(), kBig);
  uint8_t* c = pool.Take(kBig);
  uint8_t* d = pool.Take(kBig);
  EXPECT_EQ(c, a);          // the resident one first
  std::memset(d, 3, kBig);  // a released range must be writable again
  EXPECT_EQ(d[kBig / 2], 3);
  pool.Give(c, kBig);
  pool.Give(d, kBig);
}

TEST(ChunkPoolTest, SmallBuffersAndDisabledPoolingUsePlainAllocations) {
  ChunkPool none(0);
  uint8_t* a = none.Take(kBig);
  none.Give(a, kBig);
  EXPECT_EQ(none.pooled_bytes(), 0u);
  EXPECT_EQ(none.slab_bytes(), 0u);
  ChunkPool pool(1 << 20);
  uint8_t* small = pool.Take(100);
  pool.Give(small, 100);
  EXPECT_EQ(pool.pooled_bytes(), 100u);
  EXPECT_EQ(pool.slab_bytes(), 0u);
}

TEST(ChunkPoolTest, ManyThreadsTakeAndGive) {
  ChunkPool pool(8 * kBig);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      std::vector<uint8_t*> mine;
      for (int i = 0; i < 500; ++i) {
        uint8_t* b = pool.Take(kBig);
        b[0] = static_cast<uint8_t>(t);
        b[kBig - 1] = static_cast<uint8_t>(t);
        mine.push_back(b);
        if (mine.size() > 3) {
          EXPECT_EQ(mine.front()[kBig - 1], static_cast<uint8_t>(t));
          pool.Give(mine.front(), kBig);
          mine.erase(mine.begin());
        }
      }
      for (uint8_t* b : mine) pool.Give(b, kBig);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(pool.pooled_bytes(), 8 * kBig);
}

}  // namespace
}  // namespace strata
