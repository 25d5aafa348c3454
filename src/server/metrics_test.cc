#include "server/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace strata::server {
namespace {

TEST(MetricsTest, ExposesCountersGaugesAndHistogramsInTheTextFormat) {
  Metrics m;
  MetricFamily* c = m.Counter("t_requests_total", "Requests.", {"code"});
  MetricFamily* g = m.Gauge("t_up", "Up.");
  MetricFamily* h = m.Histogram("t_latency_seconds", "Latency.", {0.1, 1}, {"kind"});
  c->Inc({"200"});
  c->Inc({"200"}, 2);
  c->Inc({"404"});
  g->Set(1);
  h->Observe(0.05, {"q"});
  h->Observe(0.5, {"q"});
  h->Observe(5, {"q"});
  const std::string text = m.Expose();
  EXPECT_EQ(text,
            "# HELP t_requests_total Requests.\n# TYPE t_requests_total counter\n"
            "t_requests_total{code=\"200\"} 3\nt_requests_total{code=\"404\"} 1\n"
            "# HELP t_up Up.\n# TYPE t_up gauge\nt_up 1\n"
            "# HELP t_latency_seconds Latency.\n# TYPE t_latency_seconds histogram\n"
            "t_latency_seconds_bucket{kind=\"q\",le=\"0.1\"} 1\n"
            "t_latency_seconds_bucket{kind=\"q\",le=\"1\"} 2\n"
            "t_latency_seconds_bucket{kind=\"q\",le=\"+Inf\"} 3\n"
            "t_latency_seconds_sum{kind=\"q\"} 5.55\n"
            "t_latency_seconds_count{kind=\"q\"} 3\n");
}

TEST(MetricsTest, LabelValuesAreEscapedAndSeriesBounded) {
  Metrics m;
  MetricFamily* c = m.Counter("t_total", "T.", {"l"});
  c->Inc({"a\"b\\c\nd"});
  EXPECT_NE(m.Expose().find("t_total{l=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos) << m.Expose();
  for (size_t i = 0; i < Metrics::kMaxSeries + 50; ++i) c->Inc({std::to_string(i)});
  EXPECT_EQ(c->Value({"other"}), 51);  // the series past the cap fold into one
}

TEST(MetricsTest, CollectorsRunBeforeEachExposition) {
  Metrics m;
  MetricFamily* g = m.Gauge("t_g", "G.", {"t"});
  int calls = 0;
  m.OnCollect([&](Metrics*) {
    g->Clear();
    g->Set(++calls, {"x"});
  });
  EXPECT_NE(m.Expose().find("t_g{t=\"x\"} 1"), std::string::npos);
  EXPECT_NE(m.Expose().find("t_g{t=\"x\"} 2"), std::string::npos);
}

TEST(MetricsTest, ConcurrentUpdatesAreCounted) {
  Metrics m;
  MetricFamily* c = m.Counter("t_total", "T.", {"k"});
  MetricFamily* h = m.Histogram("t_h", "H.", Metrics::LatencyBuckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        c->Inc({std::to_string(i % 3)});
        h->Observe(0.001 * t);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c->Value({"0"}) + c->Value({"1"}) + c->Value({"2"}), 40000);
  EXPECT_NE(m.Expose().find("t_h_count 40000"), std::string::npos);
}

}  // namespace
}  // namespace strata::server
