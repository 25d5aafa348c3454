// Engine-side metrics: process-wide counters and latency histograms that the storage engine
// updates on its own paths (WAL appends and fsyncs, flushes, compactions, migrations, the model
// cache) and that a reader (`strata serve`'s /metrics, src/server/metrics.cc) copies out at
// scrape time. Updates are relaxed atomic adds, nothing else: no lock, no allocation, so they
// are cheap enough for the WAL's group-commit path.
//
// Process-wide (one registry, EngineMetrics::Get()): a process that opens several databases
// sees their sums. `strata serve` opens one.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

// A latency histogram over fixed bounds (seconds, 10 us .. 10 s; +Inf implicit).
class EngineHistogram {
 public:
  static constexpr std::array<double, 19> kBounds = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                     0.0025,  0.005,    0.01,    0.025,  0.05,    0.1,    0.25,
                                                     0.5,     1,        2.5,     5,      10};
  void Observe(double seconds);
  struct Snapshot {
    std::array<uint64_t, kBounds.size()> buckets{};  // per bound, not cumulative
    uint64_t count = 0;                              // every observation (the +Inf bucket's cumulative count)
    double sum = 0;                                  // seconds
  };
  Snapshot Read() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

// Observes the time from construction to destruction into `h`.
class ScopedLatency {
 public:
  explicit ScopedLatency(EngineHistogram* h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~ScopedLatency() { h_->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count()); }
  ScopedLatency(const ScopedLatency&) = delete;
  ScopedLatency& operator=(const ScopedLatency&) = delete;

 private:
  EngineHistogram* h_;
  std::chrono::steady_clock::time_point start_;
};

// Where an append came from, for rows and bytes ingested per table and protocol. A network
// front end marks its thread for the duration of its appends (ScopedIngestSource); anything
// else (library calls: `strata ingest`, tests) is kApi.
enum class IngestSource : uint8_t { kApi, kIlpHttp, kIlpTcp };
inline constexpr size_t kIngestSources = 3;
std::string_view IngestSourceName(IngestSource s);  // "api", "ilp_http", "ilp_tcp"

// Marks the appends this thread makes until destruction as coming from `source` (restores the
// previous mark after).
class ScopedIngestSource {
 public:
  explicit ScopedIngestSource(IngestSource source);
  ~ScopedIngestSource();
  ScopedIngestSource(const ScopedIngestSource&) = delete;
  ScopedIngestSource& operator=(const ScopedIngestSource&) = delete;
  static IngestSource Current();

 private:
  IngestSource previous_;
};

// Rows and bytes (the rows' in-memory size, RecordBatch::ByteSize) acknowledged per table and
// source. One short lock per append (an append is a batch of rows, not a row).
class IngestCounters {
 public:
  void Add(std::string_view table, uint64_t rows, uint64_t bytes);  // from ScopedIngestSource::Current()
  struct Entry {
    std::string table;
    IngestSource source;
    uint64_t rows = 0, bytes = 0;
  };
  std::vector<Entry> Read() const;  // the (table, source) pairs that have had rows

 private:
  struct Count {
    uint64_t rows = 0, bytes = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::array<Count, kIngestSources>, std::less<>> tables_;
};

struct EngineMetrics {
  // Appends acknowledged (src/db/database.cc), per table and source.
  IngestCounters ingest;
  // WAL (src/wal/wal_writer.cc): records and bytes appended; every fsync of a segment.
  std::atomic<uint64_t> wal_appends{0};
  std::atomic<uint64_t> wal_append_bytes{0};
  EngineHistogram wal_fsync_seconds;
  // Tier operations (src/db, src/tier): each run that did work, by its duration; failures.
  EngineHistogram flush_seconds;
  std::atomic<uint64_t> flush_errors{0};
  std::atomic<uint64_t> flushed_rows{0};
  EngineHistogram compaction_seconds;
  EngineHistogram migration_seconds;
  std::atomic<uint64_t> migration_errors{0};
  // Model store RAM cache (src/artifacts/model_cache.cc).
  std::atomic<uint64_t> model_cache_hits{0};
  std::atomic<uint64_t> model_cache_misses{0};

  static EngineMetrics& Get();
};

inline void CountAdd(std::atomic<uint64_t>& c, uint64_t by = 1) { c.fetch_add(by, std::memory_order_relaxed); }

}  // namespace strata
