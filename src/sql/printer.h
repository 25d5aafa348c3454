// Prints an AST back to canonical SQL: keywords in upper case, identifiers quoted only where
// needed, the fewest parentheses that keep the tree, casts as CAST(x AS t), TIMESTAMP literals
// in ISO form and INTERVAL literals in the largest exact unit. For every tree the parser makes,
// ParseStatement(ToSql(s)) gives a tree SameStatement() as s.
#pragma once

#include <string>

#include "sql/ast.h"

namespace strata::sql {

std::string ToSql(const Statement& statement);
std::string ToSql(const Query& query);
std::string ToSql(const Expr& expr);
// `name` as an identifier: bare when it is lower case, not a keyword and plain, else "quoted".
std::string QuoteIdentifier(const std::string& name);

}  // namespace strata::sql
