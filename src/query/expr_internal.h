// Internals of expr.h shared by expr*.cc: evaluated vectors, the bound node interface and the
// kernels' helpers. Not part of the query module's interface.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "query/expr.h"

namespace strata::query::expr_internal {

// An evaluated expression over the rows of a context: either a column of ctx.n rows or a constant
// (a column of one row that stands for every row). `ext` points into the input batch when the
// expression is a bare column reference (no copy).
struct Vec {
  const Column* ext = nullptr;
  Column owned;
  bool constant = false;

  const Column& c() const { return ext ? *ext : owned; }
  size_t ix(size_t i) const { return constant ? 0 : i; }
  bool null(size_t i) const { return c().IsNull(ix(i)); }
  bool all_valid() const { return c().validity().empty(); }
  // Values widened: bool/i32/i64/timestamp as int64; any numeric as double.
  int64_t i64(size_t i) const;
  double f64(size_t i) const;
  std::string_view str(size_t i) const { return c().GetString(ix(i)); }
};

struct Ctx {
  const RecordBatch* batch = nullptr;
  // Rows of the batch to evaluate (CASE branches); null means all rows.
  const std::vector<uint32_t>* sel = nullptr;
  size_t n = 0;  // rows to produce: sel->size() or batch->num_rows()
};

class Node {
 public:
  virtual ~Node() = default;
  virtual Status Eval(const Ctx& ctx, Vec* out) const = 0;

  ExprType type = ExprType::kNull;
  std::string text;   // SQL text, for errors
  std::string where;  // location prefix, for errors
  bool constant = false;
  // Set on constant nodes: the value.
  bool is_literal = false;
  Value literal;

  Status Error(const std::string& what) const;
};
using NodePtr = std::unique_ptr<Node>;

// The column type values of `t` are stored as.
ColumnType StorageType(ExprType t);
// A one-row column holding `v` (typed by v.type; kNull as an i32 null).
Column ConstColumn(const Value& v);
// Reads row `i` of `v` as a Value of type `t`.
Value ValueAt(const Vec& v, size_t i, ExprType t);

// Validity of a result over n rows: a row is valid when valid in every input. Returns an empty
// vector when every row is valid.
std::vector<uint8_t> AndValidity(const std::vector<const Vec*>& inputs, size_t n);
// Sets `out`'s storage size after its typed vector (and validity, when not empty) were filled.
void Seal(Column* out, std::vector<uint8_t> validity);

// A node that evaluates its children then runs a kernel over them. When every child is constant
// the kernel runs over one row and the result is constant.
using Kernel = std::function<Status(const Node& self, const std::vector<Vec>& in, size_t n, Column* out)>;
class KernelNode final : public Node {
 public:
  KernelNode(std::vector<NodePtr> children, Kernel kernel)
      : children_(std::move(children)), kernel_(std::move(kernel)) {}
  Status Eval(const Ctx& ctx, Vec* out) const override;
  const std::vector<NodePtr>& children() const { return children_; }

 private:
  std::vector<NodePtr> children_;
  Kernel kernel_;
};

// Node factories (expr_eval.cc).
NodePtr MakeColumnNode(int index, ExprType type);
NodePtr MakeConstNode(Value v);
// A cast of `child` to `to` (expr_cast.cc). No-op casts return `child`.
NodePtr MakeCast(NodePtr child, ExprType to);
NodePtr MakeArith(BinaryOp op, ExprType result, NodePtr a, NodePtr b);
NodePtr MakeCompare(BinaryOp op, NodePtr a, NodePtr b);  // both sides already of one comparable type
NodePtr MakeNegate(NodePtr a);
NodePtr MakeLogic(bool is_and, std::vector<NodePtr> children);
NodePtr MakeNot(NodePtr a);
NodePtr MakeIsNull(NodePtr a, bool negated);
NodePtr MakeCase(std::vector<NodePtr> whens, std::vector<NodePtr> thens, NodePtr else_node, ExprType type);
NodePtr MakeInConst(NodePtr x, std::vector<Value> items, bool negated);
NodePtr MakeLike(NodePtr x, NodePtr pattern, bool negated, bool ilike, char escape);
NodePtr MakeConcat(NodePtr a, NodePtr b);
// Functions (expr_func.cc): binds name(args) or returns InvalidArgument naming `text`.
Result<NodePtr> MakeFunction(const std::string& lower_name, std::vector<NodePtr> args, const std::string& text,
                             const std::string& where);
// timestamp +/- interval (expr_func.cc).
NodePtr MakeTimestampPlusInterval(NodePtr ts, Interval iv, bool subtract);

// Formatting and parsing shared by casts and tests (expr_cast.cc).
// DuckDB's text of a double: shortest round-trip digits, "100.0", "1e+16", "1e-07", "nan", "inf".
std::string FormatDoubleSql(double d);
// DuckDB's text of a timestamp: "2026-03-02 14:30:00.5" (fraction trimmed).
std::string FormatTimestampSql(int64_t ns);
// Total order of doubles used by comparisons, min/max and sorting: NaN above everything and equal
// to itself, -0.0 == 0.0.
inline int CompareDoubles(double a, double b) {
  const bool na = a != a, nb = b != b;
  if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  return a < b ? -1 : (a > b ? 1 : 0);
}
// Timestamp arithmetic (expr_func.cc): ts + interval, or false when outside the timestamp range.
bool AddInterval(int64_t ts, const Interval& iv, int64_t* out);

}  // namespace strata::query::expr_internal
