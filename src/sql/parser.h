// The SQL parser: text to the AST of src/sql/ast.h, by recursive descent over src/sql/lexer.h's
// tokens. The grammar (DuckDB's and PostgreSQL's syntax plus QuestDB's SAMPLE BY, LATEST ON and
// ASOF JOIN forms) and what is refused by name are listed in src/sql/README.md.
//
// Errors are one line that starts with the position: "line 1, column 17: expected FROM or end
// of statement, found 'FORM'" (InvalidArgument), or, for SQL that PostgreSQL or DuckDB accept
// but strata does not support yet, "line 1, column 30: window functions are not supported yet"
// (Unsupported). Any input (NUL bytes, invalid UTF-8, nesting deeper than kMaxSqlNesting, huge
// literals) gives a value or an error, never a crash. Thread-safe: no shared state.
#pragma once

#include <string_view>
#include <vector>

#include "sql/ast.h"
#include "strata/status.h"

namespace strata::sql {

// Exactly one statement, with an optional trailing ';'.
Result<Statement> ParseStatement(std::string_view text);

// Zero or more statements separated by ';' (positions count from the start of `text`).
Result<std::vector<Statement>> ParseScript(std::string_view text);

// One expression and nothing else (for tests and tools).
Result<ExprPtr> ParseExpression(std::string_view text);

}  // namespace strata::sql
