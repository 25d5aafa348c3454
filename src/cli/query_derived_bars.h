// `strata query TABLE --bars I` answered from a derived bar table (src/tier/derived_bars.h) when
// one fits: the largest declared interval d that divides I. The request's range splits into
//   - the d-aligned interior [ceil_d(from), floor_d(to)), read from TABLE_bars_<d> except the
//     series-days that still have hot (unflushed) rows: their bar files cover only the flushed
//     rows, so those days are computed from raw rows of every tier;
//   - the unaligned edges [from, ceil_d(from)) and [floor_d(to), to), computed from raw rows.
// Raw pieces are resampled to d with the same kernel that built the derived table, the d-bars of
// all pieces are put in ts order, and then resampled to I (when I > d). So OHLC, volume and count
// equal those computed from raw rows exactly; vwap is exact when I == d and otherwise the
// volume-weighted mean of the d-bar vwaps (equal up to floating-point rounding, ~1e-15 relative).
// Not used with --where, --asof or --tiers (those need raw rows), or when no derived interval
// divides I.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/batch_stream.h"
#include "query/plan.h"
#include "strata/database.h"

namespace strata::cli {

struct DerivedBarsRequest {
  ScanRequest request;             // the left scan (table, symbols, range)
  std::vector<std::string> tiers;  // --tiers (all three when not given)
  int64_t interval = 0;
  bool merge = false;
  std::vector<std::string> output_columns;
  uint64_t limit = UINT64_MAX;
};

// The whole pipeline's output stream when a derived bar table answers the request, or nullptr
// (then the caller computes bars from raw rows). Adds its stages to `plan` ("bars 5m from
// trades_bars_1m" with what came from where).
Result<std::unique_ptr<query::BatchStream>> DerivedBarsPipeline(Database* db, const TableDef& def,
                                                                const DerivedBarsRequest& r, query::QueryPlan* plan);

}  // namespace strata::cli
