#include "tier/policy.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bars/bar_kernel.h"
#include "strata/timestamp.h"

namespace strata::tier {
namespace {

Status GetInt(const nlohmann::json& j, const char* key, int64_t min, std::optional<int64_t>* out,
              int64_t max = INT64_MAX) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Status::OK();
  if (!it->is_number_integer()) return Status::InvalidArgument(std::string("policy: ") + key + " must be an integer");
  const int64_t v = it->get<int64_t>();
  if (v < min) {
    return Status::InvalidArgument(std::string("policy: ") + key + " must be at least " + std::to_string(min) +
                                   ", got " + std::to_string(v));
  }
  if (v > max) {
    return Status::InvalidArgument(std::string("policy: ") + key + " must be at most " + std::to_string(max) +
                                   ", got " + std::to_string(v));
  }
  *out = v;
  return Status::OK();
}

// Ages in days: 100,000 days (274 years) keeps `now - days * kNanosPerDay` inside int64.
constexpr int64_t kMaxPolicyDays = 100'000;

}  // namespace

Result<TablePolicy> TablePolicy::Parse(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("policy is not a JSON object: " + std::string(json));
  static const char* kKnown[] = {
      "warm_days",    "cold_days",       "warm_max_bytes", "flush_rows",     "flush_series_rows", "flush_series_bytes",
      "warm_codec",   "cold_zstd_level", "max_warm_parts", "bars",           "derived_from",      "bar_interval",
      "book_samples", "book_depth",      "book_interval",  "cold_lock_days", "cold_lock_mode"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) return Status::InvalidArgument("policy: unknown key '" + it.key() + "'");
  }
  TablePolicy p;
  RETURN_IF_ERROR(GetInt(j, "warm_days", 0, &p.warm_days, kMaxPolicyDays));
  RETURN_IF_ERROR(GetInt(j, "cold_days", 0, &p.cold_days, kMaxPolicyDays));
  RETURN_IF_ERROR(GetInt(j, "cold_lock_days", 1, &p.cold_lock_days, kMaxPolicyDays));
  if (auto it = j.find("cold_lock_mode"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || (*it != "compliance" && *it != "governance"))
      return Status::InvalidArgument("policy: cold_lock_mode must be \"compliance\" or \"governance\"");
    p.cold_lock_mode = it->get<std::string>();
  }
  RETURN_IF_ERROR(GetInt(j, "warm_max_bytes", 0, &p.warm_max_bytes));
  RETURN_IF_ERROR(GetInt(j, "flush_rows", 1, &p.flush_rows));
  RETURN_IF_ERROR(GetInt(j, "flush_series_rows", 1, &p.flush_series_rows));
  RETURN_IF_ERROR(GetInt(j, "flush_series_bytes", 1, &p.flush_series_bytes));
  std::optional<int64_t> v;
  RETURN_IF_ERROR(GetInt(j, "cold_zstd_level", 1, &v));
  if (v) {
    if (*v > 22) return Status::InvalidArgument("policy: cold_zstd_level must be 1..22");
    p.cold_zstd_level = static_cast<int>(*v);
  }
  v.reset();
  RETURN_IF_ERROR(GetInt(j, "max_warm_parts", 1, &v));
  if (v) p.max_warm_parts = static_cast<int>(std::min<int64_t>(*v, 1 << 20));
  if (auto it = j.find("warm_codec"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return Status::InvalidArgument("policy: warm_codec must be a string");
    p.warm_codec = it->get<std::string>();
    RETURN_IF_ERROR(p.WarmCompression().status());
  }
  // An array of intervals (1s..1d) that divide a day, canonical and ascending.
  auto intervals = [&](const char* key, std::optional<std::vector<std::string>>* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return Status::OK();
    const std::string k = key;
    if (!it->is_array())
      return Status::InvalidArgument("policy: " + k + " must be an array of intervals such as [\"1m\"]");
    std::vector<int64_t> ns;
    for (const auto& e : *it) {
      if (!e.is_string()) return Status::InvalidArgument("policy: " + k + " must be an array of interval strings");
      ASSIGN_OR_RETURN(int64_t iv, bars::ParseBarInterval(e.get<std::string>()));
      if (kNanosPerDay % iv != 0) {
        return Status::InvalidArgument("policy: " + k + " interval '" + e.get<std::string>() +
                                       "' does not divide a day (derived tables are kept per series-day)");
      }
      if (std::find(ns.begin(), ns.end(), iv) == ns.end()) ns.push_back(iv);
    }
    std::sort(ns.begin(), ns.end());
    out->emplace();
    for (int64_t iv : ns) (*out)->push_back(bars::BarIntervalName(iv));
    return Status::OK();
  };
  RETURN_IF_ERROR(intervals("bars", &p.bars));
  RETURN_IF_ERROR(intervals("book_samples", &p.book_samples));
  v.reset();
  RETURN_IF_ERROR(GetInt(j, "book_depth", 1, &v, 100));
  if (v) p.book_depth = static_cast<int>(*v);
  for (auto [key, out] : {std::pair{"derived_from", &p.derived_from}, std::pair{"bar_interval", &p.bar_interval},
                          std::pair{"book_interval", &p.book_interval}}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string()) return Status::InvalidArgument(std::string("policy: ") + key + " must be a string");
    *out = it->get<std::string>();
  }
  if (p.derived_from.has_value() != (p.bar_interval.has_value() || p.book_interval.has_value()) ||
      (p.bar_interval && p.book_interval)) {
    return Status::InvalidArgument("policy: derived_from goes with one of bar_interval and book_interval");
  }
  if (p.bar_interval) RETURN_IF_ERROR(bars::ParseBarInterval(*p.bar_interval).status());
  if (p.book_interval) RETURN_IF_ERROR(bars::ParseBarInterval(*p.book_interval).status());
  if (p.derived_from && ((p.bars && !p.bars->empty()) || (p.book_samples && !p.book_samples->empty()))) {
    return Status::InvalidArgument("policy: a derived table cannot declare derived tables of its own");
  }
  return p;
}

namespace {

std::vector<int64_t> IntervalsNs(const std::optional<std::vector<std::string>>& names) {
  std::vector<int64_t> out;
  if (!names) return out;
  for (const std::string& b : *names) {
    auto iv = bars::ParseBarInterval(b);
    if (iv.ok()) out.push_back(*iv);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<int64_t> TablePolicy::BarIntervals() const { return IntervalsNs(bars); }

std::vector<int64_t> TablePolicy::BookSampleIntervals() const { return IntervalsNs(book_samples); }

std::string TablePolicy::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  if (warm_days) j["warm_days"] = *warm_days;
  if (cold_days) j["cold_days"] = *cold_days;
  if (warm_max_bytes) j["warm_max_bytes"] = *warm_max_bytes;
  if (flush_rows) j["flush_rows"] = *flush_rows;
  if (flush_series_rows) j["flush_series_rows"] = *flush_series_rows;
  if (flush_series_bytes) j["flush_series_bytes"] = *flush_series_bytes;
  if (warm_codec) j["warm_codec"] = *warm_codec;
  if (cold_zstd_level) j["cold_zstd_level"] = *cold_zstd_level;
  if (max_warm_parts) j["max_warm_parts"] = *max_warm_parts;
  if (bars) j["bars"] = *bars;
  if (book_samples) j["book_samples"] = *book_samples;
  if (book_depth) j["book_depth"] = *book_depth;
  if (derived_from) j["derived_from"] = *derived_from;
  if (bar_interval) j["bar_interval"] = *bar_interval;
  if (book_interval) j["book_interval"] = *book_interval;
  if (cold_lock_days) j["cold_lock_days"] = *cold_lock_days;
  if (cold_lock_mode) j["cold_lock_mode"] = *cold_lock_mode;
  return j.dump();
}

void TablePolicy::MergeFrom(const TablePolicy& o) {
  if (o.warm_days) warm_days = o.warm_days;
  if (o.cold_days) cold_days = o.cold_days;
  if (o.warm_max_bytes) warm_max_bytes = o.warm_max_bytes;
  if (o.flush_rows) flush_rows = o.flush_rows;
  if (o.flush_series_rows) flush_series_rows = o.flush_series_rows;
  if (o.flush_series_bytes) flush_series_bytes = o.flush_series_bytes;
  if (o.warm_codec) warm_codec = o.warm_codec;
  if (o.cold_zstd_level) cold_zstd_level = o.cold_zstd_level;
  if (o.max_warm_parts) max_warm_parts = o.max_warm_parts;
  if (o.bars) bars = o.bars;
  if (o.book_samples) book_samples = o.book_samples;
  if (o.book_depth) book_depth = o.book_depth;
  if (o.derived_from) derived_from = o.derived_from;
  if (o.bar_interval) bar_interval = o.bar_interval;
  if (o.book_interval) book_interval = o.book_interval;
  if (o.cold_lock_days) cold_lock_days = o.cold_lock_days;
  if (o.cold_lock_mode) cold_lock_mode = o.cold_lock_mode;
}

Result<CompressionType> TablePolicy::WarmCompression() const {
  if (!warm_codec || *warm_codec == "snappy") return CompressionType::kSnappy;
  if (*warm_codec == "lz4_raw" || *warm_codec == "lz4") return CompressionType::kLz4Raw;
  return Status::InvalidArgument("policy: warm_codec must be snappy or lz4_raw, got '" + *warm_codec + "'");
}

}  // namespace strata::tier
