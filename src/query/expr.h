// Scalar expressions for SQL: a typed expression tree, bound to a batch's fields and evaluated a
// column at a time (vectorised) into a Column.
//
// Build an unbound tree with the factory functions below (what the SQL binder produces), then
// `BoundExpr::Bind` it to the fields of a stream: names resolve, types are checked and implicit
// casts inserted (errors are InvalidArgument naming the expression), sub-expressions without
// column references are folded to constants. `Evaluate` runs over a whole RecordBatch.
//
// Semantics follow DuckDB 1.x (the dialect the SQL corpus is compared against):
// - Nulls propagate through arithmetic, comparisons and functions; AND/OR/NOT use three-valued
//   logic; IN is true on a match, null when there is no match and x or a list item is null.
// - `+ - * // %` on i32 stay i32 when both sides are i32, i64 when either is i64, f64 when either is
//   f64. `/` always divides as f64 (DuckDB; PostgreSQL would truncate integers). `//` truncates
//   integers and divides f64 plainly (DuckDB).
// - Division or modulo by zero (integer or f64) gives NULL. Integer overflow (including
//   INT64_MIN // -1, -INT64_MIN, abs(INT64_MIN)) is an OutOfRange-style InvalidArgument error
//   naming the expression and the values, as DuckDB raises "Out of Range Error".
// - ln(0), ln(<0), log10 likewise, sqrt(<0) are errors (DuckDB); exp() may give inf.
// - Comparisons of f64 order NaN above every number and equal to itself (DuckDB).
// - CAST f64 -> integer rounds half to even, string -> integer rounds half away from zero (both
//   DuckDB), out of range is an error; string -> bool takes true/t/yes/y/1 and false/f/no/n/0;
//   f64 -> string prints like DuckDB ("1.5", "100.0", "1e+16"); timestamp -> string prints
//   "2026-03-02 14:30:00.5". timestamp <-> integer casts are refused (as DuckDB): use epoch_ns().
// - Strings compare byte-wise; symbol and string mix freely (the result is string).
// - CASE and coalesce evaluate a branch only for the rows that reach it, so
//   `CASE WHEN x > 0 THEN ln(x) END` does not fail on x <= 0.
// - Intervals (months, days, ns) exist only as constants: timestamp +/- interval (months first,
//   clamping the day to the month's end, then days, then ns; a result outside the timestamp range
//   is an error), time_bucket(interval, ts) (DuckDB's origins: 2000-01-03 for day/time widths,
//   2000-01 for month widths; a width mixing months with days or time is an error).
//   timestamp - timestamp (an interval per row) is refused: use epoch_ns(a) - epoch_ns(b).
//
// Functions: abs, round(x[, digits]), floor, ceil/ceiling, ln, log10, exp, sqrt, power/pow, sign,
// coalesce, nullif, lower, upper, length, concat (and ||), time_bucket(interval,
// ts), date_trunc(part, ts) with part second|minute|hour|day|week|month|quarter|year,
// date_part(part, ts) / extract with part year|quarter|month|day|dow|hour|minute|second|
// millisecond|microsecond|epoch, and year/month/day/hour/minute/second(ts), epoch_ns/epoch_us/
// epoch_ms(ts) (i64) and epoch(ts) (f64 seconds).
//
// Not thread-safe to build; a bound expression is immutable and may be evaluated from several
// threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/batch_stream.h"

namespace strata::query {

// The type of an expression's value: every ColumnType (same numbering), plus the type of a bare
// NULL literal and of interval constants.
enum class ExprType : uint8_t {
  kNull = 0,
  kTimestamp = 1,
  kSymbol = 2,
  kInt32 = 3,
  kInt64 = 4,
  kFloat64 = 5,
  kString = 6,
  kBool = 7,
  kInterval = 8,
};
std::string_view ExprTypeName(ExprType t);
// SQL type names (case-insensitive) for CAST and ::: BOOLEAN/BOOL, INTEGER/INT/INT4/INT32,
// BIGINT/INT8/INT64/LONG, DOUBLE/FLOAT8/FLOAT64/REAL/FLOAT/NUMERIC/DECIMAL (f64), VARCHAR/TEXT/
// STRING/CHAR, TIMESTAMP/TIMESTAMP_NS/DATETIME/TIMESTAMPTZ, INTERVAL; strata's own names (i32,
// i64, f64, string, symbol, bool, timestamp) too. InvalidArgument naming the type otherwise.
Result<ExprType> ParseSqlType(std::string_view name);
// f32 columns are numbers of type f64 in expressions (their values are doubles in memory).
inline ExprType ToExprType(ColumnType t) {
  return t == ColumnType::kFloat32 ? ExprType::kFloat64 : static_cast<ExprType>(t);
}

// A calendar interval: months, then days, then nanoseconds (as DuckDB's, with ns precision).
struct Interval {
  int32_t months = 0;
  int32_t days = 0;
  int64_t nanos = 0;
  bool operator==(const Interval&) const = default;
};
// Parses "5 minutes", "1 hour 30 minutes", "2 days", "1 week", "1 month", "500 ms", "5m", "1h30m",
// "01:30:00" (units: ns, us, ms, s/sec/second, m/min/minute, h/hour, d/day, w/week, mon/month,
// y/year, each with an optional plural s). InvalidArgument naming the text otherwise.
Result<Interval> ParseInterval(std::string_view text);
std::string IntervalToString(const Interval& iv);

// A constant value of any ExprType.
struct Value {
  ExprType type = ExprType::kNull;
  bool is_null = true;
  int64_t i = 0;  // bool, i32, i64, timestamp
  double d = 0;
  std::string s;
  Interval iv;

  static Value Null() { return {}; }
  static Value Bool(bool v) { return {ExprType::kBool, false, v ? 1 : 0}; }
  static Value Int32(int32_t v) { return {ExprType::kInt32, false, v}; }
  static Value Int64(int64_t v) { return {ExprType::kInt64, false, v}; }
  static Value Float64(double v) { return {ExprType::kFloat64, false, 0, v}; }
  static Value String(std::string v) { return {ExprType::kString, false, 0, 0, std::move(v)}; }
  static Value Timestamp(int64_t ns) { return {ExprType::kTimestamp, false, ns}; }
  static Value OfInterval(Interval v) { return {ExprType::kInterval, false, 0, 0, {}, v}; }
  // A typed null (e.g. CAST(NULL AS BIGINT)).
  static Value NullOf(ExprType t) { return {t, true}; }
  std::string ToString() const;  // SQL-ish literal text
};

enum class ExprKind : uint8_t {
  kColumn,
  kLiteral,
  kNegate,
  kBinary,  // arithmetic, comparison, ||
  kAnd,     // n-ary
  kOr,      // n-ary
  kNot,
  kCase,  // children: when1, then1, when2, then2, ..., [else]
  kCast,
  kIn,  // children: x, item1, item2, ...
  kIsNull,
  kLike,      // children: x, pattern
  kFunction,  // name + children
};

enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kIntDiv, kMod, kEq, kNe, kLt, kLe, kGt, kGe, kConcat };
const char* BinaryOpText(BinaryOp op);

struct ExprNode;
// An unbound expression (immutable, shareable).
using Expr = std::shared_ptr<const ExprNode>;

struct ExprNode {
  ExprKind kind;
  std::string name;  // column or function name (functions are matched case-insensitively)
  Value value;       // literal
  BinaryOp op = BinaryOp::kAdd;
  ExprType cast_to = ExprType::kNull;
  bool negated = false;   // NOT IN, IS NOT NULL, NOT LIKE
  bool has_else = false;  // kCase
  bool ilike = false;     // kLike: case-insensitive (ASCII)
  char escape = 0;        // kLike: escape character, 0 for none
  std::vector<Expr> children;
  // Where the expression came from (e.g. "line 1:8"), prefixed to bind and evaluation errors.
  std::string where;
};

// Factories.
Expr Col(std::string name);
Expr Lit(Value v);
Expr Neg(Expr e);
Expr Binary(BinaryOp op, Expr a, Expr b);
Expr And(std::vector<Expr> children);
Expr Or(std::vector<Expr> children);
Expr Not(Expr e);
// CASE WHEN w1 THEN t1 ... [ELSE e] END; `else_expr` may be null (then ELSE NULL).
Expr Case(std::vector<std::pair<Expr, Expr>> whens, Expr else_expr);
Expr Cast(Expr e, ExprType to);
Expr In(Expr x, std::vector<Expr> list, bool negated = false);
// x BETWEEN lo AND hi  ==  x >= lo AND x <= hi (NOT BETWEEN: the negation).
Expr Between(Expr x, Expr lo, Expr hi, bool negated = false);
Expr IsNull(Expr e, bool negated = false);
Expr Like(Expr x, Expr pattern, bool negated = false, bool ilike = false, char escape = 0);
Expr Func(std::string name, std::vector<Expr> args);
// A copy of `e` whose errors are prefixed with `where`.
Expr At(Expr e, std::string where);

// SQL text of an expression, for errors, EXPLAIN and default output names.
std::string ExprToString(const Expr& e);
// The column names `e` mentions, each once, in order of appearance.
std::vector<std::string> ExprColumns(const Expr& e);

namespace expr_internal {
class Node;
}

// An expression bound to fields.
class BoundExpr {
 public:
  ~BoundExpr();
  // InvalidArgument naming the expression for an unknown column, a type mismatch, an unknown
  // function or a wrong argument count; errors of constant sub-expressions surface here.
  static Result<std::shared_ptr<const BoundExpr>> Bind(const Expr& e, const std::vector<Field>& fields);

  ExprType type() const;
  // The column type results are stored as (kNull -> i32, all null). Interval-typed expressions
  // do not bind (they are constants inside other expressions only).
  ColumnType column_type() const;
  // True when the expression has no column reference (its value is the same for every row).
  bool is_constant() const;
  const std::string& text() const { return text_; }

  // The value for every row of `batch` (whose fields must be the bound fields): a column of
  // batch.num_rows() rows of column_type(). Runtime errors (overflow, bad casts, ln(0)) are
  // InvalidArgument naming the expression and the value.
  Result<Column> Evaluate(const RecordBatch& batch) const;
  // The same without copying a bare column reference: returns the batch's own column, or fills
  // *storage and returns storage. The pointer lives as long as `batch` and `storage`.
  Result<const Column*> EvaluateView(const RecordBatch& batch, Column* storage) const;
  // For a bool expression: the rows where it is true (not false, not null), ascending.
  Status Select(const RecordBatch& batch, std::vector<uint32_t>* selection) const;

 private:
  BoundExpr() = default;
  std::unique_ptr<expr_internal::Node> root_;
  std::string text_;
};

}  // namespace strata::query
