// What the binder's files share (binder.cc, binder_explain.cc, binder_insert.cc): not an API.
#pragma once

#include <memory>

#include "query/expr.h"
#include "query/plan.h"
#include "sql/ast.h"
#include "sql/binder.h"

namespace strata::sql::internal {

// The stages of a SELECT's pipeline (ExecuteSelect), for EXPLAIN.
enum class Stage { kSource, kWhere, kAggregate, kHaving, kOrder, kSelect, kLimit };

// `in` as a timed stage of `plan`, described from `b`; `in` itself when `plan` is null.
std::unique_ptr<query::BatchStream> ExplainStage(std::unique_ptr<query::BatchStream> in, query::QueryPlan* plan,
                                                 const BoundSelect& b, Stage stage);

// EXPLAIN [ANALYZE] query (binder_explain.cc).
Result<std::unique_ptr<query::BatchStream>> RunExplain(Database* db, const Statement& statement);
// INSERT INTO t [(cols)] VALUES ... | query (binder_insert.cc).
// Tests: the rows an INSERT ... SELECT keeps to append at once (default 2^20); above it, two passes.
void SetInsertSpoolRowsForTesting(size_t rows);
Result<std::unique_ptr<query::BatchStream>> RunInsert(Database* db, const Statement& statement);

// An expression without column references (an INSERT ... VALUES item), translated for the
// engine; a column reference is an error at its position.
Result<query::Expr> TranslateConstant(const Expr& e);

// A stream of one batch of string columns (SHOW TABLES, DESCRIBE, EXPLAIN).
std::unique_ptr<query::BatchStream> StringTable(const std::vector<std::string>& names,
                                                const std::vector<std::vector<std::string>>& rows);

}  // namespace strata::sql::internal
