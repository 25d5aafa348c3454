// Inner and left equi-joins: the right input is the build side (read whole into memory, up to a
// row cap), the left input is streamed and probed.
//
// Keys are pairs of expressions, the first over the left fields, the second over the right;
// rows match when every pair is equal. A null key never matches (SQL), so a left join keeps such
// left rows with nulls on the right. Pairs of different types are compared in a common type
// (i32 with i64 as i64, integers with f64 as f64, symbol with string as string, a string with a
// timestamp as a timestamp); other pairs are refused at construction.
//
// Output: the left fields then the right fields (named with `right_prefix` prepended; in a left
// join every right field is nullable), in left (probe) order, a left row's matches in right
// input order. Output batches hold at most `batch_rows` rows, however many rows a key matches.
// Memory: the build side (refused past max_build_rows with an error naming the cap) plus one
// output batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "query/batch_stream.h"
#include "query/expr.h"

namespace strata::query {

enum class JoinType : uint8_t { kInner, kLeft };

struct HashJoinOptions {
  size_t batch_rows = 65536;
  uint64_t max_build_rows = 20'000'000;
  std::string right_prefix;  // prepended to the right side's field names
};

Result<std::unique_ptr<BatchStream>> MakeHashJoinStream(std::unique_ptr<BatchStream> left,
                                                        std::unique_ptr<BatchStream> right,
                                                        const std::vector<std::pair<Expr, Expr>>& keys, JoinType type,
                                                        HashJoinOptions options = {});

}  // namespace strata::query
