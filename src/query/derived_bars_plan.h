// A bars query (LogicalPlan::bar_interval_ns = I, include/strata/query.h) answered from a derived bar table
// (src/tier/derived_bars.h) when one fits: the largest declared interval d that divides I. The request's range splits
// into
//   - the d-aligned interior [ceil_d(from), floor_d(to)), read from TABLE_bars_<d> except the
//     series-days that still have hot (unflushed) rows: their bar files cover only the flushed
//     rows, so those days are computed from raw rows of every tier;
//   - the unaligned edges [from, ceil_d(from)) and [floor_d(to), to), computed from raw rows.
// Raw pieces are resampled to d with the same kernel that built the derived table, the d-bars of
// all pieces are put in ts order, and then resampled to I (when I > d). So OHLC, volume and count
// equal those computed from raw rows exactly; vwap is exact when I == d and otherwise the
// volume-weighted mean of the d-bar vwaps (equal up to floating-point rounding, ~1e-15 relative).
// Not used with a where filter, an as-of join or a subset of tiers (those need raw rows), or
// when no derived interval divides I. Called by Execute (engine.cc) only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/batch_stream.h"
#include "query/plan.h"
#include "strata/database.h"

namespace strata::query {

struct DerivedBarsRequest {
  ScanRequest request;             // the left scan (table, symbols, range)
  std::vector<std::string> tiers;  // the tiers to read (all three, or no derived table is used)
  int64_t interval = 0;
  bool merge = false;
};

// The bars (every bar field; per symbol, or merged by ts) when a derived bar table answers the
// request, or nullptr (then the caller computes bars from raw rows). Adds its stages to `plan` ("bars 5m from
// trades_bars_1m" with what came from where).
Result<std::unique_ptr<BatchStream>> DerivedBarsPipeline(Database* db, const TableDef& def, const DerivedBarsRequest& r,
                                                         QueryPlan* plan);

}  // namespace strata::query
