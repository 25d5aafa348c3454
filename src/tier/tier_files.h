// What the tier store can tell about a file from its name and its footer alone, without the
// catalog: the shapes of warm paths and cold keys (and of the temporaries its own write protocol
// leaves after a crash), and the key-value metadata every warm and cold file carries so that a
// lost catalog can be rebuilt from the files (`strata recover-catalog`) and an unlisted file can
// be proven to be a crash leftover.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "objstore/object_store.h"
#include "parquet/format.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata::tier {

// Footer key-value metadata keys (values are text).
inline constexpr char kMetaTable[] = "strata.table";         // table name
inline constexpr char kMetaTableId[] = "strata.table_id";    // its catalog id (WAL records name tables by id)
inline constexpr char kMetaTableDef[] = "strata.table_def";  // JSON {schema, dedup_key, policy}
inline constexpr char kMetaTier[] = "strata.tier";           // warm | cold
inline constexpr char kMetaSymbol[] = "strata.symbol";       // the series' symbol, unescaped
inline constexpr char kMetaMaxLsn[] = "strata.max_lsn";      // highest WAL LSN of its rows (decimal)
inline constexpr char kMetaReplaces[] = "strata.replaces";   // JSON array of the uris it replaces

struct TierFileMeta {
  TableDef table;
  int64_t table_id = 0;  // 0: not recorded (files of an older strata)
  Tier tier = Tier::kWarm;
  std::string symbol;
  uint64_t max_lsn = 0;
  // Compaction and migration outputs: the catalog uris of the files whose rows it holds.
  std::vector<std::string> replaces;
};

std::vector<std::pair<std::string, std::string>> TierFileKeyValues(const TierFileMeta& meta);
// NotFound if the file carries no strata tier metadata (written by an older strata or by
// someone else); InvalidArgument naming the key when a value does not parse.
Result<TierFileMeta> ParseTierFileMeta(const parquet::FileMetaData& md);

// "warm/<table>/date=YYYY-MM-DD/symbol=<SYM>/part-<seq>.parquet" (relative to the root): the
// table name, or nullopt for any other shape (other dots, empty or escaped-wrong parts, "..").
std::optional<std::string> WarmPathTable(std::string_view rel);
// "<table>/year=YYYY/month=MM/symbol=<SYM>/part-<seq>.parquet" (a cold key).
std::optional<std::string> ColdKeyTable(std::string_view key);
// The key in `cold` of a cold file's catalog uri: "cold/<key>" for a local cold directory, the
// store's full uri (`cold.Uri(key)`) for a remote one; any other uri is taken as the key itself.
std::string ColdKeyOf(const ObjectStore& cold, const std::string& uri);
// A temporary of the Parquet writer's atomic protocol for a warm part:
// "<warm path>.tmp-<pid>".
bool IsWarmTempPath(std::string_view rel);
// A cold file staged under tmp/ by migration: "tmp/migrate-<pid>-<n>.parquet".
bool IsStagedColdPath(std::string_view rel);

}  // namespace strata::tier
