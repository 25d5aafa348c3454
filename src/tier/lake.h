// Where warm and cold files live and how they are named (see doc/layout.md): partition paths and
// keys, and the day/month arithmetic of partitions. (Sorting rows by ts: ts_sort.h;
// de-duplication: dedup.h; durable directory creation: io/durable_dirs.h.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata::tier {

// A symbol as a Hive partition value: bytes outside [A-Za-z0-9._-] become %XX.
std::string EscapePartitionValue(std::string_view value);

// "warm/<table>/date=YYYY-MM-DD/symbol=<SYM>/part-<seq>.parquet", relative to the root. `day` is
// days since the epoch (DayOf).
std::string WarmRelPath(std::string_view table, int64_t day, std::string_view symbol, int64_t seq);
// "<table>/year=YYYY/month=MM/symbol=<SYM>/part-<seq>.parquet": the key in the cold ObjectStore.
std::string ColdKey(std::string_view table, int64_t month, std::string_view symbol, int64_t seq);
// The directory part of the above (everything before "part-").
std::string WarmSeriesDayDir(std::string_view table, int64_t day, std::string_view symbol);
std::string ColdSeriesMonthPrefix(std::string_view table, int64_t month, std::string_view symbol);
// The <seq> of a ".../part-<seq>.parquet" path, or nullopt.
std::optional<int64_t> PartSeq(std::string_view path);

// Months since 1970-01 of a timestamp (for year=/month= partitions).
int64_t MonthOf(int64_t ns);
// First ns of day `day` / month `month`, and the last ns of day `day`. Defined for any day or
// month: a value outside int64 saturates to INT64_MIN or INT64_MAX (so DayLastNs of the last
// partial day of the int64 range is INT64_MAX).
int64_t DayStartNs(int64_t day);
int64_t DayLastNs(int64_t day);
int64_t MonthStartNs(int64_t month);

}  // namespace strata::tier
