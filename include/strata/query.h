// The query engine's entry point: a logical plan in, a stream of column batches out.
//
// Every front end (`strata query`, SQL, the HTTP server, Python) describes what it wants as a
// LogicalPlan and calls Execute; none of them plans on its own. Execute resolves the columns
// against the catalog, picks a derived bar table when one answers a bars query, and builds one
// streaming pipeline (scan -> filter -> bars | as-of join -> merge -> project -> limit) whose
// memory stays around a row group per open file whatever the range. Pulling fewer rows than the
// plan allows (or a limit) stops the scan early.
//
// Row order: rows of one symbol together, symbols ascending, ts non-decreasing within a symbol;
// with `merge`, one ts order across symbols (ties: symbol order).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/batch.h"
#include "strata/status.h"

namespace strata {

class Database;

namespace query {

// A pull iterator of column batches. Single-threaded; a stream owns its inputs.
class BatchStream {
 public:
  virtual ~BatchStream() = default;
  // The fields of every batch this stream produces.
  virtual const std::vector<Field>& fields() const = 0;
  // Replaces *out with the next non-empty batch and returns true, or returns false at the end
  // (then *out's contents are unspecified). Errors are final.
  virtual Result<bool> Next(RecordBatch* out) = 0;
};

enum class AsofDirection {
  kPrev,  // the last right row with right.ts <= left.ts
  kNext,  // the first right row with right.ts >= left.ts
};

// Each row of the plan's table joined with one row of `table` of the same symbol, by time. The
// output is every left column followed by the right ones except its symbol; a right column whose
// name clashes gets the prefix `right_` (so the right ts is `right_ts`). No match: nulls.
struct AsofJoin {
  std::string table;
  AsofDirection direction = AsofDirection::kPrev;
  std::optional<int64_t> tolerance_ns;  // >= 0; a match further away in time is no match
};

struct LogicalPlan {
  std::string table;
  std::vector<std::string> symbols;                       // empty = every symbol
  int64_t from_ts = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t to_ts = std::numeric_limits<int64_t>::max();    // exclusive
  // Output columns in this order; empty = every column of the result (the table's, the bars' or
  // the join's).
  std::vector<std::string> columns;
  // Keep only the table's rows where this holds (the `--where` language of src/query/filter.h),
  // before bars or the as-of join. Empty = every row.
  std::string where;
  // OHLCV bars of this interval (1 s .. 1 day, whole seconds) instead of rows; 0 = none. From
  // trades (price, size) or from bars (open, high, low, close, volume).
  int64_t bar_interval_ns = 0;
  // A bars query without `where` over every tier may be answered from a derived bar table
  // (TABLE_bars_<d>, d dividing the interval): same OHLC, volume and count.
  bool allow_derived_bars = true;
  std::optional<AsofJoin> asof;  // not combined with bars
  bool merge = false;            // one ts order across symbols instead of symbol by symbol
  std::optional<uint64_t> limit;
  std::vector<std::string> tiers;  // "hot", "warm", "cold"; empty = all
  // Columns of a row group decoded on up to this many threads; 0 = one per core, at most 4.
  int decode_threads = 0;
};

// What --explain prints (src/query/plan.h): stages with rows and time, and what the scans read.
class QueryPlan;

// The checks that need no database: range, tiers, the where expression's syntax, the bar
// interval, bars with as-of, tolerance, threads. InvalidArgument naming what is wrong.
Status Validate(const LogicalPlan& plan);

// Validates `plan`, resolves it against `db`'s catalog (NotFound for an unknown table,
// InvalidArgument for an unknown column) and returns the result as a stream. The stream reads
// `db` as it is pulled: `db` (and `explain`, when given) must outlive it. When `explain` is not
// null the plan's stages and scan counters are added to it as the stream runs.
Result<std::unique_ptr<BatchStream>> Execute(Database* db, const LogicalPlan& plan, QueryPlan* explain = nullptr);

}  // namespace query
}  // namespace strata
