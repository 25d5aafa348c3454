// The SQL abstract syntax tree: what the parser (src/sql/parser.h) produces and a binder turns
// into a query plan. Plain data with no engine dependency (strata_core only).
//
// Every node keeps the position (line, column; both 1-based, columns counted in characters) of
// its first token, so that a later stage can report "line 3, column 9: no column 'prcie'".
// Unquoted identifiers are folded to lower case (as PostgreSQL does); quoted ones ("Price")
// keep their case. Literals are decoded: strings unescaped, TIMESTAMP literals as ns since the
// epoch (UTC) and INTERVAL literals as ns, both checked against strata's ranges at parse time.
//
// Ownership: each node owns its children through std::unique_ptr; trees are moved, not copied.
// Height: no tree is more than kMaxSqlNesting levels deep (the parser refuses deeper input), so
// recursive walks over it (printing, comparing, destroying) stay within a small stack.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strata::sql {

// The deepest expression, subquery or join nesting the parser accepts.
inline constexpr int kMaxSqlNesting = 200;

struct Pos {
  uint32_t line = 0;    // 1-based; 0 = unknown
  uint32_t column = 0;  // 1-based, in characters (UTF-8 code points)
  // "line 3, column 9"
  std::string ToString() const;
};

struct Expr;
struct Query;
using ExprPtr = std::unique_ptr<Expr>;

enum class LiteralKind {
  kNull,
  kBool,       // bool_value
  kInteger,    // int_value (fits int64)
  kFloat,      // float_value; text keeps the digits as written ("1.50", "2e-3")
  kString,     // text (unescaped)
  kTimestamp,  // int_value: ns since the epoch, UTC; text = the literal as written
  kInterval,   // int_value: ns (may be negative); text = the literal as written
};

enum class UnaryOp { kNegate, kNot };

enum class BinaryOp {
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kConcat,  // ||
  kEq,
  kNotEq,  // <> and !=
  kLess,
  kLessEq,
  kGreater,
  kGreaterEq,
  kAnd,
  kOr,
};
// "+", "<=", "AND", ...
const char* BinaryOpText(BinaryOp op);

enum class ExprKind {
  kLiteral,    // literal
  kColumnRef,  // name: ["price"], ["t", "price"] or ["schema", "t", "price"]
  kStar,       // * or t.* (name = the qualifier, maybe empty); only in a select list or count(*)
  kParameter,  // $1..$65535: param_index
  kUnary,      // unary_op, args[0]
  kBinary,     // binary_op, args[0] and args[1]
  kFunction,   // name (lower-cased, maybe qualified: ["pg_catalog", "version"]), args,
               // distinct (count(DISTINCT x)), star_arg (count(*), args empty)
  kCase,       // has_operand: args[0] is CASE's operand; then (WHEN, THEN) pairs; has_else: last arg
  kCast,       // args[0] cast to type_name (CAST(x AS t), x::t, DATE '...')
  kInList,     // args[0] [NOT] IN (args[1..]); negated
  kBetween,    // args[0] [NOT] BETWEEN args[1] AND args[2]; negated
  kIsNull,     // args[0] IS [NOT] NULL; negated
  kLike,       // args[0] [NOT] LIKE|ILIKE args[1]; negated, case_insensitive
};

struct Literal {
  LiteralKind kind = LiteralKind::kNull;
  bool bool_value = false;
  int64_t int_value = 0;
  double float_value = 0;
  std::string text;
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Pos pos;
  Literal literal;
  std::vector<std::string> name;
  int param_index = 0;
  UnaryOp unary_op = UnaryOp::kNegate;
  BinaryOp binary_op = BinaryOp::kAdd;
  std::vector<ExprPtr> args;
  std::string type_name;  // kCast: lower case, e.g. "bigint", "double precision", "decimal(18,4)"
  bool distinct = false;
  bool star_arg = false;
  bool negated = false;
  bool case_insensitive = false;
  bool has_operand = false;
  bool has_else = false;
  int height = 1;  // 1 + the largest child height (the parser caps it at kMaxSqlNesting)
};

struct SelectItem {
  ExprPtr expr;
  std::string alias;  // empty: none
  Pos alias_pos;
};

enum class JoinKind { kInner, kLeft, kAsof, kAsofLeft };  // kAsofLeft: DuckDB's ASOF LEFT JOIN

enum class TableRefKind { kTable, kSubquery, kJoin };

struct TableRef {
  TableRefKind kind = TableRefKind::kTable;
  Pos pos;
  std::vector<std::string> name;    // kTable: ["trades"] or ["information_schema", "tables"]
  std::unique_ptr<Query> subquery;  // kSubquery
  std::string alias;                // kTable, kSubquery; empty: none
  // kJoin: left JOIN right ON on, or USING (col, ...) / QuestDB's ASOF JOIN ON (col, ...) as
  // using_columns; an ASOF JOIN may have neither (QuestDB: matched on the timestamp alone).
  JoinKind join = JoinKind::kInner;
  Pos join_pos;  // kJoin: the first word of the join (JOIN, LEFT, ASOF, ...)
  std::unique_ptr<TableRef> left, right;
  ExprPtr on;
  std::vector<std::string> using_columns;
  int height = 1;

  TableRef();
  ~TableRef();
  TableRef(TableRef&&) noexcept;
  TableRef& operator=(TableRef&&) noexcept;
};

enum class FillKind { kNull, kPrev, kLinear, kNone, kValue };
struct Fill {
  FillKind kind = FillKind::kNull;
  ExprPtr value;  // kValue: a literal (maybe negative)
  Pos pos;
};

// QuestDB: SAMPLE BY 1m [FILL(...)] [ALIGN TO CALENDAR | ALIGN TO FIRST OBSERVATION].
struct SampleBy {
  Pos pos;
  int64_t step_ns = 0;          // > 0
  std::vector<Fill> fills;      // empty: no FILL clause
  bool align_calendar = true;   // QuestDB's default since 7.4; false: ALIGN TO FIRST OBSERVATION
  bool align_explicit = false;  // the text said ALIGN TO ... (kept for printing)
};

// QuestDB: LATEST ON ts PARTITION BY sym[, ...].
struct LatestOn {
  Pos pos;
  ExprPtr timestamp;                  // a column reference
  std::vector<ExprPtr> partition_by;  // column references
};

enum class NullsOrder { kDefault, kFirst, kLast };
struct OrderItem {
  ExprPtr expr;  // an integer literal is an ordinal (ORDER BY 2)
  bool descending = false;
  NullsOrder nulls = NullsOrder::kDefault;
};

struct Cte {
  Pos pos;
  std::string name;
  std::vector<std::string> columns;  // WITH b(sym, n) AS (...); empty: none
  std::unique_ptr<Query> query;
};

// WITH ... SELECT ... FROM ... WHERE ... LATEST ON ... SAMPLE BY ... GROUP BY ... HAVING ...
// ORDER BY ... LIMIT ... OFFSET ...
struct Query {
  Pos pos;
  std::vector<Cte> ctes;
  bool distinct = false;
  std::vector<SelectItem> select;
  std::unique_ptr<TableRef> from;  // null: SELECT without FROM
  ExprPtr where;
  std::optional<LatestOn> latest_on;
  std::optional<SampleBy> sample_by;
  std::vector<ExprPtr> group_by;  // integer literals are ordinals (GROUP BY 1)
  ExprPtr having;
  std::vector<OrderItem> order_by;
  ExprPtr limit;
  ExprPtr offset;
};

enum class StatementKind { kSelect, kInsert, kShowTables, kDescribe, kExplain, kAlterAddColumn };

struct Statement {
  StatementKind kind = StatementKind::kSelect;
  Pos pos;
  std::unique_ptr<Query> query;              // kSelect, kExplain, kInsert (INSERT ... SELECT)
  std::vector<std::string> table;            // kInsert, kDescribe, kAlterAddColumn
  std::vector<std::string> columns;          // kInsert: (a, b, ...); empty: all, in table order;
                                             // kAlterAddColumn: the new column
  std::string column_type;                   // kAlterAddColumn: the type as written (BIGINT, ...)
  std::vector<std::vector<ExprPtr>> values;  // kInsert ... VALUES (...), (...)
  bool analyze = false;                      // EXPLAIN ANALYZE
};

// What a statement does to the database, for servers that check a role before running it
// (strata serve's /exec and PostgreSQL wire): SELECT, SHOW TABLES, DESCRIBE and EXPLAIN read;
// INSERT writes rows; ALTER TABLE changes a schema (table DDL, the admin role's).
enum class StatementEffect { kRead, kWrite, kSchema };
inline StatementEffect EffectOf(const Statement& st) {
  switch (st.kind) {
    case StatementKind::kInsert: return StatementEffect::kWrite;
    case StatementKind::kAlterAddColumn: return StatementEffect::kSchema;
    default: return StatementEffect::kRead;
  }
}

// Structural equality that ignores source positions (and the literal text of numbers,
// timestamps and intervals, whose decoded values are compared instead).
bool SameExpr(const Expr& a, const Expr& b);
bool SameQuery(const Query& a, const Query& b);
bool SameStatement(const Statement& a, const Statement& b);

}  // namespace strata::sql
