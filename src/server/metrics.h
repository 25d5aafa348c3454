// A small metrics registry and its Prometheus text exposition (format 0.0.4).
//
// Families are registered once by name with a fixed label set; every series of a family is one
// combination of label values. Label values must come from small fixed sets (status codes,
// endpoint names, table names, tiers) — never symbols or anything a client chooses freely; the
// caller is responsible for that, the registry caps a family at kMaxSeries series and folds the
// rest into label value "other".
//
// Thread-safety: every method may be called from any thread; updates of an existing series take
// a shared lock and an atomic add.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace strata::server {

class MetricFamily;

class Metrics {
 public:
  static constexpr size_t kMaxSeries = 256;

  enum class Kind { kCounter, kGauge, kHistogram };

  // Registers (or returns the already registered) family. Histogram `buckets` are upper bounds
  // in ascending order (+Inf is implicit).
  MetricFamily* Counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  MetricFamily* Gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  MetricFamily* Histogram(const std::string& name, const std::string& help, std::vector<double> buckets,
                          std::vector<std::string> labels = {});

  // A callback run before each exposition, to set gauges from a source that is read on demand
  // (database stats, disk free).
  void OnCollect(std::function<void(Metrics*)> fn);

  // The text exposition of every family, in registration order.
  std::string Expose();

  // Latency buckets in seconds, 100 us .. 10 s.
  static std::vector<double> LatencyBuckets();

  // Registers the engine's own metrics (core/engine_metrics.h: WAL appends and fsync latency,
  // flush/compaction/migration durations, model cache hits and misses), copied at each scrape.
  void ExportEngineMetrics();

 private:
  MetricFamily* Add(Kind kind, const std::string& name, const std::string& help, std::vector<std::string> labels,
                    std::vector<double> buckets);
  std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
  std::vector<std::function<void(Metrics*)>> collectors_;
};

class MetricFamily {
 public:
  // Label values in the order of the family's labels.
  void Inc(const std::vector<std::string>& values = {}, double by = 1);
  void Set(double value, const std::vector<std::string>& values = {});
  void Observe(double value, const std::vector<std::string>& values = {});
  // Sets a histogram series from a snapshot kept elsewhere (the engine's, core/engine_metrics.h):
  // `buckets` per bound, not cumulative, one per the family's bounds; `count` every observation.
  void SetHistogram(const std::vector<uint64_t>& buckets, uint64_t count, double sum,
                    const std::vector<std::string>& values = {});
  // Removes every series (a gauge family refilled from scratch by a collector).
  void Clear();
  double Value(const std::vector<std::string>& values = {});

 private:
  friend class Metrics;
  struct Series {
    std::atomic<double> value{0};  // counter, gauge; histogram: the sum
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;
    std::atomic<uint64_t> count{0};
  };
  Series* Get(const std::vector<std::string>& values);
  void Write(std::string* out);

  Metrics::Kind kind_;
  std::string name_, help_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  std::shared_mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

}  // namespace strata::server
