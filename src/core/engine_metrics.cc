#include "core/engine_metrics.h"

#include <algorithm>

namespace strata {

void EngineHistogram::Observe(double seconds) {
  const size_t i = static_cast<size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin());
  if (i < kBounds.size()) buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max(0.0, seconds) * 1e9), std::memory_order_relaxed);
}

EngineHistogram::Snapshot EngineHistogram::Read() const {
  Snapshot s;
  uint64_t in_buckets = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    in_buckets += s.buckets[i];
  }
  // A racing Observe may have bumped a bucket and not yet the count: never below the buckets.
  s.count = std::max(count_.load(std::memory_order_relaxed), in_buckets);
  s.sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

namespace {
thread_local IngestSource current_source = IngestSource::kApi;
}  // namespace

std::string_view IngestSourceName(IngestSource s) {
  switch (s) {
    case IngestSource::kApi: return "api";
    case IngestSource::kIlpHttp: return "ilp_http";
    case IngestSource::kIlpTcp: return "ilp_tcp";
  }
  return "?";
}

ScopedIngestSource::ScopedIngestSource(IngestSource source) : previous_(current_source) { current_source = source; }
ScopedIngestSource::~ScopedIngestSource() { current_source = previous_; }
IngestSource ScopedIngestSource::Current() { return current_source; }

void IngestCounters::Add(std::string_view table, uint64_t rows, uint64_t bytes) {
  const size_t source = static_cast<size_t>(current_source);
  std::lock_guard lock(mu_);
  auto it = tables_.find(table);
  if (it == tables_.end()) it = tables_.emplace(std::string(table), std::array<Count, kIngestSources>{}).first;
  it->second[source].rows += rows;
  it->second[source].bytes += bytes;
}

std::vector<IngestCounters::Entry> IngestCounters::Read() const {
  std::vector<Entry> out;
  std::lock_guard lock(mu_);
  for (const auto& [table, counts] : tables_) {
    for (size_t s = 0; s < kIngestSources; ++s) {
      if (counts[s].rows == 0 && counts[s].bytes == 0) continue;
      out.push_back({table, static_cast<IngestSource>(s), counts[s].rows, counts[s].bytes});
    }
  }
  return out;
}

EngineMetrics& EngineMetrics::Get() {
  static EngineMetrics metrics;
  return metrics;
}

}  // namespace strata
