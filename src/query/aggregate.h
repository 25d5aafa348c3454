// Hash GROUP BY and global aggregates over a batch stream.
//
// Keys are expressions over the input (a column, time_bucket(...), ...); rows with equal keys
// (nulls equal to each other, -0.0 == 0.0, NaN == NaN) form one group. Groups are produced in
// the order of their first row. Without keys the result is one row, also for an empty input
// (count 0, other aggregates null), as in SQL. Memory: O(groups) (plus, for DISTINCT, the
// distinct (group, value) pairs); the input streams through.
//
// Aggregates and result types (DuckDB's semantics; types mapped to strata's columns):
//   count(*)            i64, every row
//   count(x)            i64, non-null x
//   sum(x)              i32/i64 x: i64, accumulated exactly in 128 bits; a total outside i64 is
//                       an error naming the aggregate (DuckDB returns HUGEINT here). f64 x: f64
//                       (summed in input order). Null when no non-null x.
//   avg(x)              f64; for integers the exact 128-bit sum divided in long double (as
//                       DuckDB), for f64 sum / count
//   min(x), max(x)      x's type; f64 NaN is the largest value (DuckDB); strings byte-wise
//   first(x), last(x)   x's type: x of the first / last row in input order, null x included
//                       (DuckDB's first/last). With `order` set (the planner passes ts): x of the
//                       row with the smallest / largest order value (ties: the first / last such
//                       row in input order), rows with a null order skipped
//   arg_min(x, k),      x's type: x where k is smallest / largest (ties: the first such row);
//   arg_max(x, k)       rows with null x or null k are skipped (DuckDB 1.x)
//   var_samp(x),        f64, Welford's streaming update exactly as DuckDB computes it; null
//   stddev_samp(x)      for fewer than 2 values
// DISTINCT applies to any aggregate but count(*): each (group, x) pair counts once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/batch_stream.h"
#include "query/expr.h"
#include "query/project.h"

namespace strata::query {

enum class AggKind : uint8_t {
  kCountStar,
  kCount,
  kSum,
  kAvg,
  kMin,
  kMax,
  kFirst,
  kLast,
  kArgMin,
  kArgMax,
  kVarSamp,
  kStddevSamp,
};
// "count", "sum", "avg"/"mean", "min", "max", "first", "last", "arg_min"/"argmin"/"min_by",
// "arg_max"/"argmax"/"max_by", "var_samp"/"variance", "stddev_samp"/"stddev" (case-insensitive);
// count(*) is "count" with no argument. NotFound for other names.
Result<AggKind> ParseAggKind(std::string_view name);
std::string_view AggKindName(AggKind kind);

struct AggregateSpec {
  AggKind kind = AggKind::kCountStar;
  Expr arg;   // x (none for count(*))
  Expr arg2;  // k of arg_min / arg_max
  bool distinct = false;
  Expr order;        // first / last: order by this instead of input order (optional)
  std::string name;  // output column name
};

struct AggregateOptions {
  size_t batch_rows = 65536;  // output batch size
  uint64_t max_groups = 0;    // 0: no cap; otherwise more groups is an InvalidArgument error
};

// Output fields: the keys (named), then the aggregates (named). Binding errors (unknown columns,
// sum of a string, ...) are returned here, evaluation errors (overflow) by Next.
Result<std::unique_ptr<BatchStream>> MakeHashAggregateStream(std::unique_ptr<BatchStream> input,
                                                             const std::vector<NamedExpr>& keys,
                                                             const std::vector<AggregateSpec>& aggs,
                                                             AggregateOptions options = {});

}  // namespace strata::query
