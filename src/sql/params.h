// Parameters ($1..$n) of a parsed statement: their types, inferred from where they stand, and
// their values, substituted into the tree as literals before binding (never spliced into text).
//
// The PostgreSQL wire protocol's extended query (src/pgwire/) parses a statement once, describes
// its parameters (ParameterDescription) and binds values per execution; this is the SQL side of
// that. A parameter takes the type of what it is compared with or computed against:
//   col = $1, $1 < col, col + $1, col IN ($1, $2), col BETWEEN $1 AND $2  -> col's type
//   $1::int, CAST($1 AS double)                                           -> the cast's type
//   LIMIT $1, OFFSET $2                                                   -> BIGINT
//   x LIKE $1                                                             -> VARCHAR
// and is VARCHAR (PostgreSQL's "unknown" read as text) everywhere else. Columns resolve against
// the FROM table's schema (subqueries and CTEs: by the output name of the inner SELECT when it is
// a plain column, else unknown).
#pragma once

#include <optional>
#include <vector>

#include "query/expr.h"
#include "sql/ast.h"
#include "sql/binder.h"

namespace strata::sql {

// The highest parameter number used in `st` (0: none).
int MaxParameter(const Statement& st);

// One type per parameter $1..$MaxParameter(st) (kString where nothing says otherwise).
std::vector<query::ExprType> InferParameterTypes(const Statement& st, const TableLookup& lookup);

// Replaces every $i in `st` by a literal node holding values[i-1] (a kNull literal is SQL NULL).
// InvalidArgument at the parameter's position when there are fewer values than parameters.
Status SubstituteParameters(Statement* st, const std::vector<Literal>& values);

}  // namespace strata::sql
