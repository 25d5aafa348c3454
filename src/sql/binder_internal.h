// The binder's pieces shared between binder.cc (single-source SELECT), binder_join.cc (joins and
// ASOF JOIN), binder_sample.cc (SAMPLE BY, its fills and derived bars), binder_latest.cc
// (LATEST ON), binder_explain.cc (EXPLAIN) and binder_insert.cc (INSERT). Not a public interface: only the binder's
// files and its tests include it.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/hash_join.h"
#include "query/plan.h"
#include "sql/binder.h"

namespace strata::sql::internal {

namespace q = ::strata::query;

Status Err(const Pos& pos, const std::string& msg);      // InvalidArgument "line L, column C: msg"
Status NotYet(const Pos& pos, const std::string& what);  // Unsupported "...: what is not supported yet"

bool IsAggregateCall(const Expr& e);
bool ContainsAggregate(const Expr& e);

// One table, subquery or CTE of a FROM with joins. Its columns appear in the joined stream under
// the internal names `<qual>.<column>`.
struct JoinRel {
  std::string qual;                  // what qualifies its columns: the alias, else the table name
  std::vector<std::string> columns;  // its column names, in order
  std::vector<bool> hidden;          // per column: the right copy of a USING column (not in *)
  std::string ts, symbol;            // a table's timestamp and symbol columns ("" for a subquery)
  bool pushable = false;             // WHERE on it alone may go into its scan (not a null-extended side)
  struct BoundFrom* leaf = nullptr;  // the FROM item that reads it
  std::string Internal(const std::string& column) const { return qual + "." + column; }
};

// The phase an expression is translated in.
struct Scope {
  const std::vector<Field>* fields = nullptr;
  std::string source_name;  // the table or subquery name (what a qualifier may say)
  std::string alias;
  std::string ts_column;                       // the table's timestamp column ("" for a subquery)
  std::vector<std::string>* used = nullptr;    // source columns referenced, in order
  const std::vector<JoinRel>* rels = nullptr;  // a FROM with joins: names resolve against these

  // After GROUP BY: expressions equal to a key become the key's column, aggregate calls the
  // aggregate's column, other column references are errors.
  bool post_agg = false;
  const std::vector<const Expr*>* key_exprs = nullptr;
  std::vector<const Expr*>* agg_exprs = nullptr;
  std::vector<q::AggregateSpec>* aggs = nullptr;
  std::vector<Pos>* agg_pos = nullptr;
  int sample_ts_key = -1;        // SAMPLE BY: the key the table's ts column stands for
  const char* clause = "WHERE";  // for "aggregate functions are not allowed in WHERE"
};

Result<q::Expr> Translate(const Expr& e, Scope& s);

// WHERE push-down (binder.cc).
void Conjuncts(const Expr* e, std::vector<const Expr*>* out);
bool IsColumn(const Expr& e, const std::string& col, const Scope& s);
struct Pushed {
  int64_t from = std::numeric_limits<int64_t>::min();
  int64_t to = std::numeric_limits<int64_t>::max();  // exclusive
  bool has_symbols = false;
  std::vector<std::string> symbols;  // sorted, unique
};
bool Push(const Expr& c, const std::string& ts, const std::string& sym, const Scope& s, Pushed* p);

using CteMap = std::map<std::string, const Cte*>;
// `prepared`: parameters in the top-level WHERE may bound the scan (BindPrepared).
Result<BoundSelect> Bind(const Query& query, const TableLookup& lookup, const CteMap& outer_ctes,
                         bool prepared = false);
// Runs `b`; with `plan`, each stage is timed and described in it (EXPLAIN ANALYZE).
Result<std::unique_ptr<q::BatchStream>> Execute(Database* db, const BoundSelect& b, q::QueryPlan* plan = nullptr);

// ---- joins (binder_join.cc) ----

// A FROM item of a join tree, producing a stream whose columns have internal names.
struct BoundFrom {
  enum class Kind { kScan, kSubquery, kJoin };
  Kind kind = Kind::kScan;
  // kScan
  q::LogicalPlan scan;
  std::vector<Field> scan_fields;  // the table's fields (typed; for an empty side)
  bool empty_range = false;
  std::string symbol_column, ts_column;  // kScan: the table's
  // kSubquery
  std::shared_ptr<BoundSelect> subquery;
  // kScan, kSubquery: stream column -> internal name `<qual>.<column>` (only the columns used)
  std::string qual;
  std::vector<q::NamedExpr> rename;
  // kJoin
  JoinKind join = JoinKind::kInner;
  std::shared_ptr<BoundFrom> left, right;
  std::vector<std::pair<q::Expr, q::Expr>> keys;  // hash join: (left, right) equalities
  q::Expr filter;                                 // inner join: ON conditions that are not keys
  // ASOF: match on the symbol columns by time; inner (kAsof) drops left rows without a match.
  q::AsofDirection direction = q::AsofDirection::kPrev;
  std::string left_symbol, left_ts, right_symbol, right_ts;  // internal names
  bool want_right_symbol = false;                            // the right symbol column is used (made from the left one)
  std::vector<std::string> used;  // ASOF: the internal names the query uses (the rest is dropped early)
};

// Binds `from` (a join) as b's source; fills `rels` and s->rels; b->source gets the internal names.
Status BindJoin(const TableRef& from, const TableLookup& lookup, const CteMap& ctes, BoundSelect* b, Scope* s,
                std::vector<JoinRel>* rels);
// A column reference in a FROM with joins: its internal name (ambiguity and unknown names are
// errors at its position).
Result<q::Expr> ResolveJoinColumn(const Expr& e, Scope& s);
// WHERE conjuncts of a join: what is on a single pushable table's ts or symbol goes into its
// scan; the rest is appended to `residual`.
Status PushIntoJoin(const std::vector<const Expr*>& conjuncts, Scope& s, std::vector<JoinRel>* rels,
                    std::vector<const Expr*>* residual);
// `*` or `t.*` over a join: (output name, internal name) pairs.
Result<std::vector<std::pair<std::string, std::string>>> ExpandJoinStar(const Expr& star,
                                                                        const std::vector<JoinRel>& rels);
// After binding: each leaf reads (and renames) only the columns in `used` (internal names).
Status FinishJoin(BoundFrom* root, const std::vector<JoinRel>& rels, const std::vector<std::string>& used);
Result<std::unique_ptr<q::BatchStream>> ExecuteFrom(Database* db, const BoundFrom& from);

// ---- SAMPLE BY (binder_sample.cc) ----

// Fills of the empty buckets between a key's first and last bucket (QuestDB's FILL).
struct BoundFill {
  std::string bucket;  // the bucket key column (__k<i>)
  int64_t step_ns = 0;
  std::vector<std::string> keys;  // the other key columns
  struct Agg {
    std::string column;  // __a<i>
    FillKind kind = FillKind::kNull;
    q::Value value;  // kValue
  };
  std::vector<Agg> aggs;
  uint64_t max_rows = 10'000'000;  // buckets x keys produced at most
};

// Bars from the engine (raw or derived bar tables) answering the aggregate: the plan, and the
// aggregate's output columns as expressions over the bars' columns.
struct BoundBars {
  q::LogicalPlan plan;
  std::vector<q::NamedExpr> map;
};

// Checks the SAMPLE BY clause of `query` and returns the bucket key's expression over the scan.
Result<q::Expr> SampleBucket(const Query& query, const Scope& s, bool from_table);
// After the aggregate is bound: the fills (`agg_item`: per aggregate, the SELECT item that first
// calls it, -1 for none) and, without ORDER BY, the order of QuestDB's answer (bucket, keys).
Status FinishSample(const Query& query, const std::vector<int>& agg_item, BoundSelect* b);
// OHLCV aggregates over a trades table, keyed by a bucket (SAMPLE BY or GROUP BY time_bucket)
// and maybe the symbol, answered from the engine's bars (derived bar tables where they exist):
// sets b->bars when the bars give the same answer as the rows.
void TryBars(const Query& query, const Scope& s, const TableDef& def, const std::vector<const Expr*>& key_exprs,
             const std::vector<const Expr*>& agg_exprs, BoundSelect* b);
Result<std::unique_ptr<q::BatchStream>> MakeFillStream(std::unique_ptr<q::BatchStream> in, const BoundFill& fill);

// ---- LATEST ON (binder_latest.cc) ----

struct BoundLatest {
  std::vector<std::string> partition;  // source column names
  std::string ts;                      // the timestamp column
  bool fast = false;                   // Database::Latest per symbol (partition = the symbol column)
  std::vector<std::string> symbols;    // fast: the symbols asked for; empty = all
};

Status BindLatest(const Query& query, Scope& s, const TableDef& def, BoundSelect* b);
// The rows of the source after LATEST ON (fast path: read from `db` directly).
Result<std::unique_ptr<q::BatchStream>> ApplyLatest(Database* db, std::unique_ptr<q::BatchStream> in,
                                                    const BoundSelect& b);
Result<std::unique_ptr<q::BatchStream>> LatestSource(Database* db, const BoundSelect& b);

// ---- EXPLAIN, INSERT (binder_explain.cc, binder_insert.cc) ----

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
