#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/engine_metrics.h"

namespace strata::server {
namespace {

void AppendNumber(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
  } else {
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, p);
  }
}

void AppendLabelValue(const std::string& v, std::string* out) {
  for (char c : v) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

void AppendLabels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                  const std::string& extra_name, const std::string& extra_value, std::string* out) {
  if (names.empty() && extra_name.empty()) return;
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!first) out->push_back(',');
    first = false;
    out->append(names[i]).append("=\"");
    AppendLabelValue(values[i], out);
    out->push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out->push_back(',');
    out->append(extra_name).append("=\"").append(extra_value).push_back('"');
  }
  out->push_back('}');
}

void AtomicAdd(std::atomic<double>* a, double by) {
  double cur = a->load(std::memory_order_relaxed);
  while (!a->compare_exchange_weak(cur, cur + by, std::memory_order_relaxed)) {
  }
}

}  // namespace

std::vector<double> Metrics::LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

MetricFamily* Metrics::Add(Kind kind, const std::string& name, const std::string& help, std::vector<std::string> labels,
                           std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  for (auto& f : families_) {
    if (f->name_ == name) return f.get();
  }
  auto f = std::make_unique<MetricFamily>();
  f->kind_ = kind;
  f->name_ = name;
  f->help_ = help;
  f->labels_ = std::move(labels);
  f->bounds_ = std::move(buckets);
  families_.push_back(std::move(f));
  return families_.back().get();
}

MetricFamily* Metrics::Counter(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return Add(Kind::kCounter, name, help, std::move(labels), {});
}
MetricFamily* Metrics::Gauge(const std::string& name, const std::string& help, std::vector<std::string> labels) {
  return Add(Kind::kGauge, name, help, std::move(labels), {});
}
MetricFamily* Metrics::Histogram(const std::string& name, const std::string& help, std::vector<double> buckets,
                                 std::vector<std::string> labels) {
  return Add(Kind::kHistogram, name, help, std::move(labels), std::move(buckets));
}

void Metrics::OnCollect(std::function<void(Metrics*)> fn) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(fn));
}

std::string Metrics::Expose() {
  std::vector<std::function<void(Metrics*)>> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  for (auto& c : collectors) c(this);
  std::string out;
  std::lock_guard lock(mu_);
  for (auto& f : families_) f->Write(&out);
  return out;
}

MetricFamily::Series* MetricFamily::Get(const std::vector<std::string>& values_in) {
  std::vector<std::string> values = values_in;
  values.resize(labels_.size());
  {
    std::shared_lock lock(mu_);
    auto it = series_.find(values);
    if (it != series_.end()) return it->second.get();
  }
  std::unique_lock lock(mu_);
  if (series_.size() >= Metrics::kMaxSeries && !series_.count(values)) {
    for (auto& v : values) v = "other";
  }
  auto& slot = series_[values];
  if (!slot) {
    slot = std::make_unique<Series>();
    if (kind_ == Metrics::Kind::kHistogram) {
      slot->buckets = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size());
      for (size_t i = 0; i < bounds_.size(); ++i) slot->buckets[i] = 0;
    }
  }
  return slot.get();
}

void MetricFamily::Inc(const std::vector<std::string>& values, double by) { AtomicAdd(&Get(values)->value, by); }

void MetricFamily::Set(double value, const std::vector<std::string>& values) {
  Get(values)->value.store(value, std::memory_order_relaxed);
}

void MetricFamily::Observe(double value, const std::vector<std::string>& values) {
  Series* s = Get(values);
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (value <= bounds_[i]) {
      s->buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  s->count.fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(&s->value, value);
}

void MetricFamily::SetHistogram(const std::vector<uint64_t>& buckets, uint64_t count, double sum,
                                const std::vector<std::string>& values) {
  Series* s = Get(values);
  for (size_t i = 0; i < bounds_.size() && i < buckets.size(); ++i) {
    s->buckets[i].store(buckets[i], std::memory_order_relaxed);
  }
  s->count.store(count, std::memory_order_relaxed);
  s->value.store(sum, std::memory_order_relaxed);
}

void Metrics::ExportEngineMetrics() {
  const std::vector<double> bounds(EngineHistogram::kBounds.begin(), EngineHistogram::kBounds.end());
  MetricFamily* wal_appends =
      Counter("strata_wal_appends_total", "WAL records appended (one per acknowledged append).");
  MetricFamily* wal_bytes = Counter("strata_wal_append_bytes_total", "Bytes of WAL records appended.");
  MetricFamily* fsync = Histogram("strata_wal_fsync_duration_seconds", "WAL segment fsync latency.", bounds);
  MetricFamily* flush = Histogram("strata_flush_duration_seconds",
                                  "Flushes of hot rows to warm files that had rows to write, by duration.", bounds);
  MetricFamily* flush_errors = Counter("strata_flush_errors_total", "Flushes that failed.");
  MetricFamily* flushed_rows = Counter("strata_flushed_rows_total", "Rows written to warm files by flushes.");
  MetricFamily* compaction = Histogram("strata_compaction_duration_seconds",
                                       "Compactions of a series-day's warm parts into one, by duration.", bounds);
  MetricFamily* migration = Histogram("strata_migration_duration_seconds",
                                      "Migration passes (warm files to the cold tier), by duration.", bounds);
  MetricFamily* migration_errors = Counter("strata_migration_errors_total", "Migrations that failed.");
  MetricFamily* cache_hits = Counter("strata_model_cache_hits_total", "Model loads served from the RAM cache.");
  MetricFamily* cache_misses = Counter("strata_model_cache_misses_total", "Model loads that missed the RAM cache.");
  MetricFamily* ingest_rows =
      Counter("strata_ingest_rows_total",
              "Rows acknowledged, by table and protocol (ilp_http, ilp_tcp; api: library calls such as strata ingest).",
              {"table", "protocol"});
  MetricFamily* ingest_bytes =
      Counter("strata_ingest_bytes_total", "In-memory bytes of the rows acknowledged, by table and protocol.",
              {"table", "protocol"});
  OnCollect([=](Metrics*) {
    EngineMetrics& e = EngineMetrics::Get();
    for (const IngestCounters::Entry& i : e.ingest.Read()) {
      const std::vector<std::string> labels = {i.table, std::string(IngestSourceName(i.source))};
      ingest_rows->Set(static_cast<double>(i.rows), labels);
      ingest_bytes->Set(static_cast<double>(i.bytes), labels);
    }
    auto load = [](const std::atomic<uint64_t>& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); };
    auto hist = [](MetricFamily* f, const EngineHistogram& h) {
      const EngineHistogram::Snapshot s = h.Read();
      f->SetHistogram(std::vector<uint64_t>(s.buckets.begin(), s.buckets.end()), s.count, s.sum);
    };
    wal_appends->Set(load(e.wal_appends));
    wal_bytes->Set(load(e.wal_append_bytes));
    hist(fsync, e.wal_fsync_seconds);
    hist(flush, e.flush_seconds);
    flush_errors->Set(load(e.flush_errors));
    flushed_rows->Set(load(e.flushed_rows));
    hist(compaction, e.compaction_seconds);
    hist(migration, e.migration_seconds);
    migration_errors->Set(load(e.migration_errors));
    cache_hits->Set(load(e.model_cache_hits));
    cache_misses->Set(load(e.model_cache_misses));
  });
}

void MetricFamily::Clear() {
  std::unique_lock lock(mu_);
  series_.clear();
}

double MetricFamily::Value(const std::vector<std::string>& values) { return Get(values)->value.load(); }

void MetricFamily::Write(std::string* out) {
  static const char* kTypes[] = {"counter", "gauge", "histogram"};
  out->append("# HELP ").append(name_).push_back(' ');
  out->append(help_).push_back('\n');
  out->append("# TYPE ").append(name_).push_back(' ');
  out->append(kTypes[static_cast<int>(kind_)]).push_back('\n');
  std::shared_lock lock(mu_);
  for (auto& [values, s] : series_) {
    if (kind_ != Metrics::Kind::kHistogram) {
      out->append(name_);
      AppendLabels(labels_, values, "", "", out);
      out->push_back(' ');
      AppendNumber(s->value.load(), out);
      out->push_back('\n');
      continue;
    }
    uint64_t cumulative = 0;
    std::string le;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s->buckets[i].load();
      le.clear();
      AppendNumber(bounds_[i], &le);
      out->append(name_).append("_bucket");
      AppendLabels(labels_, values, "le", le, out);
      out->append(" ").append(std::to_string(cumulative)).push_back('\n');
    }
    const uint64_t count = std::max(s->count.load(), cumulative);  // a racing Observe: never below a bucket
    out->append(name_).append("_bucket");
    AppendLabels(labels_, values, "le", "+Inf", out);
    out->append(" ").append(std::to_string(count)).push_back('\n');
    out->append(name_).append("_sum");
    AppendLabels(labels_, values, "", "", out);
    out->push_back(' ');
    AppendNumber(s->value.load(), out);
    out->push_back('\n');
    out->append(name_).append("_count");
    AppendLabels(labels_, values, "", "", out);
    out->append(" ").append(std::to_string(count)).push_back('\n');
  }
}

}  // namespace strata::server
