#include "tier/tier_files.h"

#include <map>
#include <nlohmann/json.hpp>

#include "catalog/layout.h"
#include "tier/lake.h"

namespace strata::tier {
namespace {

std::vector<std::string_view> Split(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool AllOf(std::string_view s, bool (*ok)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

bool IsDigitOrDash(char c) { return (c >= '0' && c <= '9') || c == '-'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsEscapedChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '%';
}

bool HasValue(std::string_view part, std::string_view key, bool (*ok)(char)) {
  return part.size() > key.size() && part.substr(0, key.size()) == key && AllOf(part.substr(key.size()), ok);
}

bool IsTableName(std::string_view name) { return TableDef::ValidateName(name).ok(); }

}  // namespace

std::vector<std::pair<std::string, std::string>> TierFileKeyValues(const TierFileMeta& meta) {
  nlohmann::json def = {{"schema", meta.table.schema.ToString()}, {"policy", meta.table.policy_json}};
  if (meta.table.dedup_key) def["dedup_key"] = *meta.table.dedup_key;
  std::vector<std::pair<std::string, std::string>> kv = {
      {kMetaTable, meta.table.name}, {kMetaTableId, std::to_string(meta.table_id)},
      {kMetaTableDef, def.dump()},   {kMetaTier, std::string(TierName(meta.tier))},
      {kMetaSymbol, meta.symbol},    {kMetaMaxLsn, std::to_string(meta.max_lsn)},
  };
  if (!meta.replaces.empty()) kv.emplace_back(kMetaReplaces, nlohmann::json(meta.replaces).dump());
  return kv;
}

Result<TierFileMeta> ParseTierFileMeta(const parquet::FileMetaData& md) {
  std::map<std::string, std::string> kv;
  for (const parquet::KeyValue& e : md.key_value_metadata) {
    if (e.value) kv[e.key] = *e.value;
  }
  if (!kv.count(kMetaTable) || !kv.count(kMetaTableDef) || !kv.count(kMetaTier)) {
    return Status::NotFound("the file has no strata tier metadata");
  }
  auto bad = [](std::string_view key, std::string_view why) {
    return Status::InvalidArgument("footer metadata " + std::string(key) + ": " + std::string(why));
  };
  TierFileMeta meta;
  meta.table.name = kv[kMetaTable];
  nlohmann::json def = nlohmann::json::parse(kv[kMetaTableDef], nullptr, /*allow_exceptions=*/false);
  if (!def.is_object() || !def.contains("schema") || !def["schema"].is_string()) {
    return bad(kMetaTableDef, "not a JSON object with a schema");
  }
  auto schema = Schema::Parse(def["schema"].get<std::string>());
  if (!schema.ok()) return bad(kMetaTableDef, schema.status().message());
  meta.table.schema = std::move(*schema);
  if (def.contains("dedup_key") && def["dedup_key"].is_string()) meta.table.dedup_key = def["dedup_key"];
  if (def.contains("policy") && def["policy"].is_string()) meta.table.policy_json = def["policy"];
  if (auto it = kv.find(kMetaTableId); it != kv.end()) {
    if (!AllOf(it->second, IsDigit) || it->second.size() > 18) return bad(kMetaTableId, "not a number: " + it->second);
    meta.table_id = std::stoll(it->second);
  }
  auto tier = ParseTier(kv[kMetaTier]);
  if (!tier.ok()) return bad(kMetaTier, tier.status().message());
  meta.tier = *tier;
  meta.symbol = kv[kMetaSymbol];
  const std::string& lsn = kv[kMetaMaxLsn];
  if (!lsn.empty()) {
    if (!AllOf(lsn, IsDigit) || lsn.size() > 20) return bad(kMetaMaxLsn, "not a number: " + lsn);
    meta.max_lsn = std::stoull(lsn);
  }
  if (auto it = kv.find(kMetaReplaces); it != kv.end()) {
    nlohmann::json r = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (!r.is_array()) return bad(kMetaReplaces, "not a JSON array");
    for (const auto& u : r) {
      if (!u.is_string()) return bad(kMetaReplaces, "not a list of uris");
      meta.replaces.push_back(u.get<std::string>());
    }
  }
  return meta;
}

std::optional<std::string> WarmPathTable(std::string_view rel) {
  std::vector<std::string_view> parts = Split(rel);
  if (parts.size() != 5 || parts[0] != layout::kWarmDirName || !IsTableName(parts[1])) return std::nullopt;
  if (!HasValue(parts[2], "date=", IsDigitOrDash) || !HasValue(parts[3], "symbol=", IsEscapedChar)) {
    return std::nullopt;
  }
  if (parts[3] == "symbol=." || parts[3] == "symbol=..") return std::nullopt;
  if (!PartSeq(parts[4])) return std::nullopt;
  return std::string(parts[1]);
}

std::optional<std::string> ColdKeyTable(std::string_view key) {
  std::vector<std::string_view> parts = Split(key);
  if (parts.size() != 5 || !IsTableName(parts[0])) return std::nullopt;
  if (!HasValue(parts[1], "year=", IsDigitOrDash) || !HasValue(parts[2], "month=", IsDigit) ||
      !HasValue(parts[3], "symbol=", IsEscapedChar)) {
    return std::nullopt;
  }
  if (!PartSeq(parts[4])) return std::nullopt;
  return std::string(parts[0]);
}

std::string ColdKeyOf(const ObjectStore& cold, const std::string& uri) {
  const std::string local_prefix = std::string(layout::kColdDirName) + "/";
  if (uri.rfind(local_prefix, 0) == 0) return uri.substr(local_prefix.size());
  const std::string prefix = cold.Uri("");
  if (uri.rfind(prefix, 0) == 0) return uri.substr(prefix.size());
  return uri;
}

bool IsWarmTempPath(std::string_view rel) {
  const size_t mark = rel.rfind(".tmp-");
  if (mark == std::string_view::npos || !AllOf(rel.substr(mark + 5), IsDigit)) return false;
  return WarmPathTable(rel.substr(0, mark)).has_value();
}

bool IsStagedColdPath(std::string_view rel) {
  constexpr std::string_view kPrefix = "tmp/migrate-", kSuffix = ".parquet";
  if (rel.size() <= kPrefix.size() + kSuffix.size() || rel.substr(0, kPrefix.size()) != kPrefix ||
      rel.substr(rel.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  std::string_view mid = rel.substr(kPrefix.size(), rel.size() - kPrefix.size() - kSuffix.size());
  const size_t dash = mid.find('-');
  return dash != std::string_view::npos && AllOf(mid.substr(0, dash), IsDigit) && AllOf(mid.substr(dash + 1), IsDigit);
}

}  // namespace strata::tier
