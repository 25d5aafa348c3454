// Computed projections and expression filters over a batch stream (SELECT list, WHERE, HAVING).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "query/batch_stream.h"
#include "query/expr.h"

namespace strata::query {

// An output column: a name and the expression that computes it.
struct NamedExpr {
  std::string name;
  Expr expr;
};

// The field a bound expression produces: nullable unless it is a reference to a non-nullable
// input column.
Field OutputField(const std::string& name, const Expr& e, const BoundExpr& bound, const std::vector<Field>& input);

// One column per expression, evaluated over each input batch. Binding errors (unknown column,
// type mismatch) are returned here; evaluation errors by Next.
Result<std::unique_ptr<BatchStream>> MakeComputeStream(std::unique_ptr<BatchStream> input,
                                                       const std::vector<NamedExpr>& exprs);

// The rows of `input` for which the bool expression `predicate` is true (not false, not null).
Result<std::unique_ptr<BatchStream>> MakeWhereStream(std::unique_ptr<BatchStream> input, const Expr& predicate);

// Skips the first `offset` rows, then passes at most `limit` rows (limit < 0: no limit).
std::unique_ptr<BatchStream> MakeOffsetLimitStream(std::unique_ptr<BatchStream> input, uint64_t offset, int64_t limit);

}  // namespace strata::query
