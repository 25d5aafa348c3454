// Where warm and cold files live and how they are named (see doc/layout.md), plus the small
// helpers every tier operation shares: durable directory creation and
// stable sorting of rows by timestamp (de-duplication: dedup.h).
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

// Creates `dir` (and parents) and makes every level from `durable_root` down durable (fsync of
// each parent), so that a file renamed into `dir` and a SyncDir(dir) survive power loss.
// REQUIRES: dir is inside durable_root, which exists durably.
Status CreateDirsDurably(FileSystem* fs, const std::string& durable_root, const std::string& dir);

// Row order [0, n) sorted by the timestamp column, stable (ties keep their order). Empty when
// already sorted (the caller can then skip a Take).
std::vector<uint32_t> StableTsOrder(const RecordBatch& batch, int ts_col);
// `batch` sorted by ts, stable.
RecordBatch SortByTs(const RecordBatch& batch, int ts_col);
// The same, without a copy when `batch` is already sorted.
RecordBatch SortByTs(RecordBatch&& batch, int ts_col);

}  // namespace strata::tier
