// ORDER BY over a batch stream, with OFFSET / LIMIT and a bounded-memory top-N path.
//
// Keys are expressions over the input; each ASC or DESC, nulls first or last. The default null
// order is DuckDB's: NULLS LAST for both ASC and DESC (PostgreSQL would put them first for DESC);
// f64 NaN sorts above every number. Rows with equal keys keep their input order (stable).
//
// Without a limit the whole input is held (O(input) memory, refused past `max_rows` with an error
// that says to add a LIMIT); with a limit only the best offset+limit rows are kept (O(offset +
// limit) memory), whatever the input size (an offset+limit itself past `max_rows` is refused too).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "query/batch_stream.h"
#include "query/expr.h"

namespace strata::query {

struct SortKey {
  Expr expr;
  bool descending = false;
  std::optional<bool> nulls_first;  // unset: NULLS LAST (DuckDB's default)
};

struct SortOptions {
  size_t batch_rows = 65536;        // output batch size
  uint64_t max_rows = 100'000'000;  // full sort (no limit): refuse more input rows; 0 = no cap
};

// The rows of `input` ordered by `keys`, skipping `offset`, at most `limit` (< 0: all). Output
// fields are the input's. Binding errors are returned here; a full sort past max_rows fails Next.
Result<std::unique_ptr<BatchStream>> MakeSortStream(std::unique_ptr<BatchStream> input,
                                                    const std::vector<SortKey>& keys, uint64_t offset = 0,
                                                    int64_t limit = -1, SortOptions options = {});

}  // namespace strata::query
