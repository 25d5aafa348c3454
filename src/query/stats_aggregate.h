// Global count / min / max over a table answered, where they can be, from statistics instead of
// rows: the warm and cold files that lie wholly in the scan's time range (and that nothing else of
// their symbol overlaps) give their catalog row count, their ts and symbol bounds and their
// footers' exact column statistics (ScanRequest::summarize); the hot rows, the files the range
// cuts and the files whose statistics are not exact are scanned and aggregated as rows. The
// answer is the one MakeHashAggregateStream gives over the whole scan (same fields, same values).
#pragma once

#include <memory>
#include <vector>

#include "query/aggregate.h"
#include "query/batch_stream.h"
#include "query/plan.h"
#include "strata/query.h"

namespace strata {
class Database;
}

namespace strata::query {

// Whether every aggregate is count(*), count(c), min(c) or max(c) of a plain column c, without
// DISTINCT: what statistics answer.
bool StatsAnswerable(const std::vector<AggregateSpec>& aggs);

// The aggregates `aggs` (StatsAnswerable) over the rows of `scan` (table, symbols, time range,
// tiers; no where, bars, as-of, merge or limit: InvalidArgument), as one row named and typed as
// MakeHashAggregateStream(scan, {}, aggs) would give it. With `explain`, the scan's stage and
// counters (ScanStats::files_summarized: the files answered from statistics) go into it.
Result<std::unique_ptr<BatchStream>> ExecuteStatsAggregate(Database* db, const LogicalPlan& scan,
                                                           const std::vector<AggregateSpec>& aggs,
                                                           QueryPlan* explain = nullptr);

}  // namespace strata::query
