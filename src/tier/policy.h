// A table's tier policy, stored as JSON in the catalog's tables.policy_json. Every field is
// optional: an unset field means "no such rule" (nothing is migrated by age, nothing deleted) or
// the engine's default (codecs, part limits).
//
//   {"warm_days": 7, "cold_days": 3650, "warm_max_bytes": 10000000000, "flush_rows": 1000000,
//    "flush_series_rows": 200000, "flush_series_bytes": 67108864, "warm_codec": "lz4_raw", "cold_zstd_level": 9,
//    "max_warm_parts": 4, "bars": ["1m", "1d"], "cold_lock_days": 2555, "cold_lock_mode": "compliance"}
//
// "cold_lock_days" makes cold files immutable archives: each cold file a migration writes is
// locked until its upload time plus N days (S3: Object Lock retention headers on the upload, in
// "cold_lock_mode" compliance (default) or governance; every store: the retain-until date in the
// catalog), and strata refuses to delete or replace it before then (tier_store.h).
//
// "bars" declares derived bar tables (see derived_bars.h): each interval (1s..1d, dividing a day)
// gets a table <name>_bars_<interval>. "book_samples" (with "book_depth", default 10) declares
// derived book-sample tables on a book table: <name>_book_<interval> (src/state/README.md). A
// derived table's own policy carries {"derived_from": "<source>", "bar_interval": "<interval>"}
// (or "book_interval"); users do not set those.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/compression.h"
#include "strata/status.h"

namespace strata::tier {

struct TablePolicy {
  std::optional<int64_t> warm_days;                      // warm files whose newest row is older move to cold
  std::optional<int64_t> cold_days;                      // cold files whose newest row is older are deleted
  std::optional<int64_t> warm_max_bytes;                 // over this, the oldest warm series-months move to cold
  std::optional<int64_t> flush_rows;                     // hot rows of the table that trigger a flush
  std::optional<int64_t> flush_series_rows;              // hot rows of one series (symbol) that trigger a flush
  std::optional<int64_t> flush_series_bytes;             // hot bytes (allocated) of one series that trigger a flush
  std::optional<std::string> warm_codec;                 // "snappy" (default) or "lz4_raw"
  std::optional<int> cold_zstd_level;                    // default 9
  std::optional<int> max_warm_parts;                     // parts of a series-day before compaction (default 4)
  std::optional<std::vector<std::string>> bars;          // derived bar intervals, canonical ("1m", "1d")
  std::optional<std::vector<std::string>> book_samples;  // derived book-sample intervals ("1s")
  std::optional<int> book_depth;                         // levels per side in them (default 10)
  std::optional<std::string> derived_from;               // set on a derived table: its source table
  std::optional<std::string> bar_interval;               // ... and, for a bar table, its interval
  std::optional<std::string> book_interval;              // ... or, for a book-sample table, its interval
  std::optional<int64_t> cold_lock_days;                 // cold files are locked this long after upload
  std::optional<std::string> cold_lock_mode;             // "compliance" (default) or "governance"

  // The derived intervals in ns (empty when none), ascending.
  std::vector<int64_t> BarIntervals() const;
  std::vector<int64_t> BookSampleIntervals() const;
  int BookDepth() const { return book_depth.value_or(10); }
  bool IsDerived() const { return derived_from.has_value(); }

  // InvalidArgument naming the field for a wrong type, a negative number or an unknown key.
  static Result<TablePolicy> Parse(std::string_view json);
  std::string ToJson() const;
  // Fields set in `other` replace ours.
  void MergeFrom(const TablePolicy& other);

  Result<CompressionType> WarmCompression() const;
  int ColdZstdLevel() const { return cold_zstd_level.value_or(9); }
  int MaxWarmParts() const { return max_warm_parts.value_or(4); }
  std::string ColdLockMode() const { return cold_lock_mode.value_or("compliance"); }
};

}  // namespace strata::tier
