#include "core/engine_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

namespace strata {
namespace {

TEST(EngineMetricsTest, HistogramBucketsCountAndSum) {
  EngineHistogram h;
  h.Observe(0.000001);  // first bucket
  h.Observe(0.001);     // exactly a bound: that bucket (le)
  h.Observe(0.0011);    // the next one
  h.Observe(100);       // only +Inf
  const auto s = h.Read();
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.buckets[0], 1u);
  const size_t ms = 6;
  ASSERT_EQ(EngineHistogram::kBounds[ms], 0.001);
  EXPECT_EQ(s.buckets[ms], 1u);
  EXPECT_EQ(s.buckets[ms + 1], 1u);
  uint64_t in = 0;
  for (uint64_t b : s.buckets) in += b;
  EXPECT_EQ(in, 3u);
  EXPECT_NEAR(s.sum, 100.002101, 1e-6);
}

TEST(EngineMetricsTest, ConcurrentObservationsAreAllCounted) {
  EngineHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) h.Observe(0.0003);
    });
  }
  for (auto& t : threads) t.join();
  const auto s = h.Read();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.buckets[5], 40000u);  // (0.00025, 0.0005]
}

TEST(EngineMetricsTest, IngestCountsPerTableAndTheThreadsSource) {
  IngestCounters c;
  c.Add("trades", 10, 100);  // no mark: a library call
  {
    ScopedIngestSource http(IngestSource::kIlpHttp);
    c.Add("trades", 5, 50);
    {
      ScopedIngestSource tcp(IngestSource::kIlpTcp);
      c.Add("quotes", 2, 20);
    }
    EXPECT_EQ(ScopedIngestSource::Current(), IngestSource::kIlpHttp);  // restored
    c.Add("trades", 1, 10);
  }
  EXPECT_EQ(ScopedIngestSource::Current(), IngestSource::kApi);
  std::thread other([&] {
    ScopedIngestSource tcp(IngestSource::kIlpTcp);
    c.Add("trades", 7, 70);
  });
  other.join();
  c.Add("trades", 1, 1);  // another thread's mark does not leak into this one
  std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>> got;
  for (const auto& e : c.Read()) got[{e.table, std::string(IngestSourceName(e.source))}] = {e.rows, e.bytes};
  const std::map<std::pair<std::string, std::string>, std::pair<uint64_t, uint64_t>> want = {
      {{"quotes", "ilp_tcp"}, {2, 20}},
      {{"trades", "api"}, {11, 101}},
      {{"trades", "ilp_http"}, {6, 60}},
      {{"trades", "ilp_tcp"}, {7, 70}},
  };
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace strata
