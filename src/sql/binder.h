// The binder: a parsed statement (ast.h) bound to the catalog and run on the query engine.
//
// A SELECT over one table (or over a subquery in FROM / a CTE) becomes a `BoundSelect`: the
// engine's LogicalPlan for the scan, with what WHERE says about `ts` (comparisons and BETWEEN
// with TIMESTAMP literals or ISO strings) and the symbol column (`=`, `IN`) pushed into its range
// and symbol list so that the scan prunes files, row groups and pages; the rest of WHERE as an
// expression (src/query/expr.h); then hash GROUP BY with aggregates (src/query/aggregate.h),
// HAVING, ORDER BY with OFFSET/LIMIT (src/query/sort.h) and the computed SELECT list
// (src/query/project.h). Names resolve against the table's schema; errors are InvalidArgument
// (Unsupported for SQL strata does not run yet) starting "line L, column C:" of the AST node.
//
// Joins (inner/left hash equi-joins, ASOF [LEFT] JOIN), QuestDB's SAMPLE BY and LATEST ON: see
// binder_join.cc, binder_sample.cc, binder_latest.cc; EXPLAIN, system tables and INSERT: see
// binder_explain.cc, system_tables.h, binder_insert.cc; and src/sql/README.md.
// Not supported yet (refused by name at their position): SELECT DISTINCT with GROUP BY or
// aggregates, parameters ($1) outside BindPrepared's scan bounds (substitute them: params.h).
// SELECT DISTINCT alone is a GROUP BY of the SELECT list.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/aggregate.h"
#include "query/project.h"
#include "query/sort.h"
#include "sql/ast.h"
#include "strata/query.h"
#include "strata/schema.h"

namespace strata::sql {

namespace internal {
struct BoundFrom;
struct BoundLatest;
struct BoundFill;
struct BoundBars;
}  // namespace internal

// A parameter ($index) of a prepared SELECT that bounds the scan (BindPrepared): `symbol = $n`,
// `ts = $n`, `ts >= $n`, `ts > $n`, `ts < $n`, `ts <= $n` (either side), `ts BETWEEN $n AND $m`.
struct ParameterPush {
  enum class Kind { kSymbolEq, kTsEq, kTsGreaterEq, kTsGreater, kTsLess, kTsLessEq };
  Kind kind = Kind::kSymbolEq;
  int index = 0;
};

// A SELECT bound to its source, ready to run.
struct BoundSelect {
  // The source: a table scan (`scan`, with pushed-down range and symbols) or a subquery.
  bool from_table = true;
  query::LogicalPlan scan;
  std::shared_ptr<BoundSelect> subquery;
  bool no_from = false;                           // SELECT without FROM: one row, no columns
  bool empty_range = false;                       // the pushed-down predicates select nothing (e.g. ts >= b AND ts < a)
  std::vector<Field> source;                      // the fields the source produces (after column pruning)
  std::shared_ptr<internal::BoundFrom> join;      // FROM with joins (binder_join.cc)
  std::shared_ptr<internal::BoundLatest> latest;  // LATEST ON (binder_latest.cc): after WHERE
  std::shared_ptr<internal::BoundFill> fill;      // SAMPLE BY ... FILL (binder_sample.cc): after the aggregate
  std::shared_ptr<internal::BoundBars> bars;      // the aggregate answered by the engine's bars
  std::string system_table;                       // a system table (system_tables.h) is the source: its name
  // count(*) / count(c) / min(c) / max(c) of the table with no GROUP BY and a WHERE wholly pushed
  // into the scan: answered by query::ExecuteStatsAggregate (whole files from their statistics).
  bool from_stats = false;

  query::Expr where;  // what WHERE keeps after push-down; null: nothing
  bool aggregate = false;
  std::vector<query::NamedExpr> keys;      // GROUP BY, named __k0, __k1, ...
  std::vector<query::AggregateSpec> aggs;  // named __a0, __a1, ...
  std::vector<Pos> agg_pos;                // where each aggregate call is, for its errors
  query::Expr having;
  std::vector<query::SortKey> order;     // over the aggregate's (or the source's) fields
  std::vector<query::NamedExpr> output;  // the SELECT list
  uint64_t offset = 0;
  int64_t limit = -1;  // < 0: none
  // BindPrepared: the parameters that bound the scan; ApplyParameters puts their values into
  // scan.from_ts / to_ts / symbols as WHERE's literals would have been pushed.
  std::vector<ParameterPush> parameter_pushes;
};

// Looks a table up by name (Database::GetTable in production; a fixed schema in tests).
using TableLookup = std::function<Result<TableDef>(std::string_view name)>;

// Binds a SELECT. Errors name the position of the offending node.
Result<BoundSelect> BindSelect(const Query& query, const TableLookup& lookup);

// Binds a SELECT with parameters once, for every execution of a prepared statement (the
// PostgreSQL extended protocol's Parse, then a Bind per execution). The parameters may stand only
// in conjuncts of the top-level WHERE of a SELECT over one table that bound the scan (see
// ParameterPush); they go into the scan at each execution, as literals there would (catalog, row
// group and page pruning). Unsupported when a parameter stands anywhere else, or when the plan
// depends on the scan's bounds at bind time (LATEST ON, bars answering an aggregate): then
// substitute the values and bind per execution (params.h).
Result<BoundSelect> BindPrepared(const Query& query, const TableLookup& lookup);

// Puts the values of $1..$n into a BindPrepared select's scan (`b` is a copy of it, bound once).
// false: a value the push-down does not take as it is (a symbol that is not a string, a ts that
// is not a timestamp or ISO string, the end of int64); then bind the substituted statement.
// A NULL value selects nothing, as `ts >= NULL` does.
Result<bool> ApplyParameters(BoundSelect* b, const std::vector<Literal>& values);

// Runs a bound SELECT on `db` (which must outlive the stream). With `explain`, every stage is
// recorded in it (rows, batches, time; the scans' counters) as the stream runs; it must outlive
// the stream too.
Result<std::unique_ptr<query::BatchStream>> ExecuteSelect(Database* db, const BoundSelect& bound,
                                                          query::QueryPlan* explain = nullptr);

// Binds and runs one statement: SELECT, SHOW TABLES (column `name`), DESCRIBE t (columns
// `column_name`, `column_type`, `null`), EXPLAIN [ANALYZE] (column `plan`, binder_explain.cc),
// INSERT (columns `count`, `duplicates`, binder_insert.cc).
Result<std::unique_ptr<query::BatchStream>> RunStatement(Database* db, const Statement& statement);

// Parses, binds and runs one statement of SQL text.
Result<std::unique_ptr<query::BatchStream>> RunSql(Database* db, std::string_view text);

}  // namespace strata::sql
