// As-of join: each left row with one right row of the same symbol, by time.
//
//  - kPrev ("backward"): the last right row with right.ts <= left.ts (a right row at exactly the
//    left ts matches; among right rows with equal ts the last one in stream order wins).
//  - kNext ("forward"): the first right row with right.ts >= left.ts (among equal ts the first).
//  - tolerance (>= 0, optional): a match further than tolerance away in time (left.ts - right.ts
//    for prev, right.ts - left.ts for next) counts as no match. The boundary is inclusive.
// A left row without a match keeps its values and gets nulls in the right columns.
//
// Output: every left column (in order, untouched) followed by the right columns except the
// right symbol column; a right column whose name clashes with a left column is renamed
// `right_<name>` (so the right ts becomes `right_ts`). Right columns are nullable. One output
// batch per left batch, same rows in the same order.
//
// Both inputs must be grouped streams (batch_stream.h): symbols ascending, ts non-decreasing
// within a symbol; InvalidArgument when the order is violated. The join is a merge: one pass over
// each input, holding one right batch (plus one carried row) at a time, no per-row allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "query/batch_stream.h"

namespace strata::query {

// AsofDirection: include/strata/query.h.
Result<AsofDirection> ParseAsofDirection(std::string_view text);  // "prev" | "next"

struct AsofOptions {
  AsofDirection direction = AsofDirection::kPrev;
  std::optional<int64_t> tolerance_ns;  // none = unlimited
  std::string right_prefix = "right_";  // prepended to clashing right column names
};

Result<std::unique_ptr<BatchStream>> MakeAsofJoinStream(std::unique_ptr<BatchStream> left,
                                                        std::unique_ptr<BatchStream> right,
                                                        const AsofOptions& options = {});

}  // namespace strata::query
