// Expression trees: factories, SQL text, and binding (name resolution, type checking, implicit
// casts, constant folding). Evaluation kernels live in expr_eval.cc, casts in expr_cast.cc,
// functions and time arithmetic in expr_func.cc.
#include "query/expr.h"

#include <algorithm>
#include <cctype>

#include "query/expr_internal.h"

namespace strata::query {

using expr_internal::Node;
using expr_internal::NodePtr;

std::string_view ExprTypeName(ExprType t) {
  switch (t) {
    case ExprType::kNull: return "null";
    case ExprType::kInterval: return "interval";
    default: return ColumnTypeName(static_cast<ColumnType>(t));
  }
}

Result<ExprType> ParseSqlType(std::string_view name) {
  std::string n(name);
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "boolean" || n == "bool") return ExprType::kBool;
  if (n == "integer" || n == "int" || n == "int4" || n == "int32" || n == "i32") return ExprType::kInt32;
  if (n == "bigint" || n == "int8" || n == "int64" || n == "long" || n == "i64") return ExprType::kInt64;
  if (n == "double" || n == "float8" || n == "float64" || n == "real" || n == "float" || n == "numeric" ||
      n == "decimal" || n == "f64" || n == "double precision") {
    return ExprType::kFloat64;
  }
  if (n == "varchar" || n == "text" || n == "string" || n == "char" || n == "bpchar") return ExprType::kString;
  if (n == "symbol") return ExprType::kSymbol;
  if (n == "timestamp" || n == "timestamp_ns" || n == "datetime" || n == "timestamptz" ||
      n == "timestamp with time zone") {
    return ExprType::kTimestamp;
  }
  if (n == "interval") return ExprType::kInterval;
  return Status::InvalidArgument("unknown type '" + std::string(name) +
                                 "' (use BOOLEAN, INTEGER, BIGINT, DOUBLE, VARCHAR, TIMESTAMP or INTERVAL)");
}

const char* BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kIntDiv: return "//";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kEq: return "=";
    case BinaryOp::kNe: return "<>";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kLe: return "<=";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kGe: return ">=";
    case BinaryOp::kConcat: return "||";
  }
  return "?";
}

std::string Value::ToString() const {
  if (is_null) return type == ExprType::kNull ? "NULL" : "CAST(NULL AS " + std::string(ExprTypeName(type)) + ")";
  switch (type) {
    case ExprType::kBool: return i ? "true" : "false";
    case ExprType::kInt32:
    case ExprType::kInt64: return std::to_string(i);
    case ExprType::kFloat64: return expr_internal::FormatDoubleSql(d);
    case ExprType::kTimestamp: return "TIMESTAMP '" + expr_internal::FormatTimestampSql(i) + "'";
    case ExprType::kInterval: return "INTERVAL '" + IntervalToString(iv) + "'";
    default: {
      std::string out = "'";
      for (char c : s) {
        out += c;
        if (c == '\'') out += c;
      }
      return out + "'";
    }
  }
}

namespace {
std::shared_ptr<ExprNode> NewNode(ExprKind k) {
  auto n = std::make_shared<ExprNode>();
  n->kind = k;
  return n;
}
bool IsNumeric(ExprType t) { return t == ExprType::kInt32 || t == ExprType::kInt64 || t == ExprType::kFloat64; }
bool IsStr(ExprType t) { return t == ExprType::kString || t == ExprType::kSymbol; }
int NumRank(ExprType t) { return t == ExprType::kInt32 ? 0 : (t == ExprType::kInt64 ? 1 : 2); }
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

Expr Col(std::string name) {
  auto n = NewNode(ExprKind::kColumn);
  n->name = std::move(name);
  return n;
}
Expr Lit(Value v) {
  auto n = NewNode(ExprKind::kLiteral);
  n->value = std::move(v);
  return n;
}
Expr Neg(Expr e) {
  auto n = NewNode(ExprKind::kNegate);
  n->children = {std::move(e)};
  return n;
}
Expr Binary(BinaryOp op, Expr a, Expr b) {
  auto n = NewNode(ExprKind::kBinary);
  n->op = op;
  n->children = {std::move(a), std::move(b)};
  return n;
}
Expr And(std::vector<Expr> children) {
  auto n = NewNode(ExprKind::kAnd);
  n->children = std::move(children);
  return n;
}
Expr Or(std::vector<Expr> children) {
  auto n = NewNode(ExprKind::kOr);
  n->children = std::move(children);
  return n;
}
Expr Not(Expr e) {
  auto n = NewNode(ExprKind::kNot);
  n->children = {std::move(e)};
  return n;
}
Expr Case(std::vector<std::pair<Expr, Expr>> whens, Expr else_expr) {
  auto n = NewNode(ExprKind::kCase);
  for (auto& [w, t] : whens) {
    n->children.push_back(std::move(w));
    n->children.push_back(std::move(t));
  }
  if (else_expr) {
    n->has_else = true;
    n->children.push_back(std::move(else_expr));
  }
  return n;
}
Expr Cast(Expr e, ExprType to) {
  auto n = NewNode(ExprKind::kCast);
  n->cast_to = to;
  n->children = {std::move(e)};
  return n;
}
Expr In(Expr x, std::vector<Expr> list, bool negated) {
  auto n = NewNode(ExprKind::kIn);
  n->negated = negated;
  n->children.push_back(std::move(x));
  for (auto& e : list) n->children.push_back(std::move(e));
  return n;
}
Expr Between(Expr x, Expr lo, Expr hi, bool negated) {
  Expr both = And({Binary(BinaryOp::kGe, x, std::move(lo)), Binary(BinaryOp::kLe, x, std::move(hi))});
  return negated ? Not(std::move(both)) : both;
}
Expr IsNull(Expr e, bool negated) {
  auto n = NewNode(ExprKind::kIsNull);
  n->negated = negated;
  n->children = {std::move(e)};
  return n;
}
Expr Like(Expr x, Expr pattern, bool negated, bool ilike, char escape) {
  auto n = NewNode(ExprKind::kLike);
  n->negated = negated;
  n->ilike = ilike;
  n->escape = escape;
  n->children = {std::move(x), std::move(pattern)};
  return n;
}
Expr Func(std::string name, std::vector<Expr> args) {
  auto n = NewNode(ExprKind::kFunction);
  n->name = std::move(name);
  n->children = std::move(args);
  return n;
}
Expr At(Expr e, std::string where) {
  auto n = std::make_shared<ExprNode>(*e);
  n->where = std::move(where);
  return n;
}

std::string ExprToString(const Expr& e) {
  const auto& c = e->children;
  switch (e->kind) {
    case ExprKind::kColumn: return e->name;
    case ExprKind::kLiteral: return e->value.ToString();
    case ExprKind::kNegate: return "-" + ExprToString(c[0]);
    case ExprKind::kBinary:
      return "(" + ExprToString(c[0]) + " " + BinaryOpText(e->op) + " " + ExprToString(c[1]) + ")";
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      std::string s = "(";
      for (size_t i = 0; i < c.size(); ++i)
        s += (i ? (e->kind == ExprKind::kAnd ? " AND " : " OR ") : "") + ExprToString(c[i]);
      return s + ")";
    }
    case ExprKind::kNot: return "NOT " + ExprToString(c[0]);
    case ExprKind::kCase: {
      std::string s = "CASE";
      const size_t pairs = (c.size() - (e->has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) s += " WHEN " + ExprToString(c[2 * i]) + " THEN " + ExprToString(c[2 * i + 1]);
      if (e->has_else) s += " ELSE " + ExprToString(c.back());
      return s + " END";
    }
    case ExprKind::kCast: return "CAST(" + ExprToString(c[0]) + " AS " + std::string(ExprTypeName(e->cast_to)) + ")";
    case ExprKind::kIn: {
      std::string s = ExprToString(c[0]) + (e->negated ? " NOT IN (" : " IN (");
      for (size_t i = 1; i < c.size(); ++i) s += (i > 1 ? ", " : "") + ExprToString(c[i]);
      return s + ")";
    }
    case ExprKind::kIsNull: return ExprToString(c[0]) + (e->negated ? " IS NOT NULL" : " IS NULL");
    case ExprKind::kLike:
      return ExprToString(c[0]) + (e->negated ? " NOT" : "") + (e->ilike ? " ILIKE " : " LIKE ") + ExprToString(c[1]) +
             (e->escape ? std::string(" ESCAPE '") + e->escape + "'" : "");
    case ExprKind::kFunction: {
      std::string s = e->name + "(";
      for (size_t i = 0; i < c.size(); ++i) s += (i ? ", " : "") + ExprToString(c[i]);
      return s + ")";
    }
  }
  return "?";
}

namespace {
void CollectColumns(const Expr& e, std::vector<std::string>* out) {
  if (e->kind == ExprKind::kColumn && std::find(out->begin(), out->end(), e->name) == out->end()) {
    out->push_back(e->name);
  }
  for (const Expr& c : e->children) CollectColumns(c, out);
}
}  // namespace

std::vector<std::string> ExprColumns(const Expr& e) {
  std::vector<std::string> out;
  CollectColumns(e, &out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binding

namespace {

class Binder {
 public:
  explicit Binder(const std::vector<Field>& fields) : fields_(fields) {}

  Result<NodePtr> Bind(const Expr& e, const std::string& outer_where) {
    const std::string where = e->where.empty() ? outer_where : e->where;
    const std::string text = ExprToString(e);
    ASSIGN_OR_RETURN(NodePtr n, BindInner(*e, text, where));
    if (n->text.empty()) n->text = text;
    if (n->where.empty()) n->where = where;
    if (n->constant && !n->is_literal) return Fold(std::move(n));
    return n;
  }

 private:
  Status Error(const std::string& where, const std::string& text, const std::string& what) {
    return Status::InvalidArgument((where.empty() ? "" : where + ": ") + what + " in '" + text + "'");
  }

  // Evaluates a constant node once; its errors surface at bind time.
  Result<NodePtr> Fold(NodePtr n) {
    RecordBatch empty;
    expr_internal::Ctx ctx;
    ctx.batch = &empty;
    ctx.n = 1;
    expr_internal::Vec v;
    RETURN_IF_ERROR(n->Eval(ctx, &v));
    NodePtr c = expr_internal::MakeConstNode(expr_internal::ValueAt(v, 0, n->type));
    c->text = n->text;
    c->where = n->where;
    return c;
  }

  Result<ExprType> Super(ExprType a, ExprType b, const std::string& where, const std::string& text) {
    if (a == b) return a;
    if (a == ExprType::kNull) return b;
    if (b == ExprType::kNull) return a;
    if (IsNumeric(a) && IsNumeric(b)) return NumRank(a) >= NumRank(b) ? a : b;
    if (IsStr(a) && IsStr(b)) return ExprType::kString;
    if ((a == ExprType::kTimestamp && IsStr(b)) || (b == ExprType::kTimestamp && IsStr(a))) return ExprType::kTimestamp;
    return Error(where, text,
                 "no common type for " + std::string(ExprTypeName(a)) + " and " + std::string(ExprTypeName(b)));
  }

  // `n` cast to `t`; a constant is cast now, so a bad literal ('abc' compared with a timestamp)
  // fails at bind time.
  Result<NodePtr> CastTo(NodePtr n, ExprType t) {
    if (n->type == t) return n;
    if (IsStr(n->type) && IsStr(t)) return n;  // symbol and string share storage
    const bool was_const = n->constant;
    const std::string text = n->text, where = n->where;
    NodePtr c = expr_internal::MakeCast(std::move(n), t);
    c->text = "CAST(" + text + " AS " + std::string(ExprTypeName(t)) + ")";
    c->where = where;
    if (was_const && !c->is_literal) return Fold(std::move(c));
    return c;
  }

  Result<NodePtr> BindCompare(BinaryOp op, NodePtr a, NodePtr b, const std::string& where, const std::string& text) {
    ExprType ta = a->type, tb = b->type;
    if (ta == ExprType::kNull || tb == ExprType::kNull)
      return expr_internal::MakeConstNode(Value::NullOf(ExprType::kBool));
    ExprType common;
    if (IsNumeric(ta) && IsNumeric(tb)) {
      common = (ta == ExprType::kFloat64 || tb == ExprType::kFloat64) ? ExprType::kFloat64 : ExprType::kInt64;
    } else if (IsStr(ta) && IsStr(tb)) {
      common = ExprType::kString;
    } else if (IsStr(ta) && tb != ExprType::kInterval) {
      common = tb;  // '2026-03-02' vs ts, '100' vs size: cast the string
    } else if (IsStr(tb) && ta != ExprType::kInterval) {
      common = ta;
    } else if (ta == tb && ta != ExprType::kInterval) {
      common = ta;
    } else {
      return Error(where, text,
                   "cannot compare " + std::string(ExprTypeName(ta)) + " with " + std::string(ExprTypeName(tb)));
    }
    if (common == ExprType::kInt64) {
      // Integers of any width compare through the int64 accessor: no cast needed.
      return expr_internal::MakeCompare(op, std::move(a), std::move(b));
    }
    ASSIGN_OR_RETURN(a, CastTo(std::move(a), common));
    ASSIGN_OR_RETURN(b, CastTo(std::move(b), common));
    return expr_internal::MakeCompare(op, std::move(a), std::move(b));
  }

  Result<NodePtr> BindBinary(const ExprNode& e, const std::string& text, const std::string& where) {
    ASSIGN_OR_RETURN(NodePtr a, Bind(e.children[0], where));
    ASSIGN_OR_RETURN(NodePtr b, Bind(e.children[1], where));
    const BinaryOp op = e.op;
    if (op >= BinaryOp::kEq && op <= BinaryOp::kGe) return BindCompare(op, std::move(a), std::move(b), where, text);
    ExprType ta = a->type, tb = b->type;
    if (op == BinaryOp::kConcat) {
      if (ta == ExprType::kInterval || tb == ExprType::kInterval)
        return Error(where, text, "cannot concatenate an interval");
      ASSIGN_OR_RETURN(a, CastTo(std::move(a), ExprType::kString));
      ASSIGN_OR_RETURN(b, CastTo(std::move(b), ExprType::kString));
      return expr_internal::MakeConcat(std::move(a), std::move(b));
    }
    // Timestamp arithmetic.
    if (ta == ExprType::kTimestamp && tb == ExprType::kTimestamp && op == BinaryOp::kSub) {
      return Error(where, text,
                   "timestamp - timestamp gives an interval per row, which strata cannot hold in a column; use "
                   "epoch_ns(a) - epoch_ns(b)");
    }
    if (ta == ExprType::kInterval && tb == ExprType::kTimestamp && op == BinaryOp::kAdd) {
      std::swap(a, b);
      std::swap(ta, tb);
    }
    if (ta == ExprType::kTimestamp && tb == ExprType::kInterval && (op == BinaryOp::kAdd || op == BinaryOp::kSub)) {
      if (b->literal.is_null) return expr_internal::MakeConstNode(Value::NullOf(ExprType::kTimestamp));
      return expr_internal::MakeTimestampPlusInterval(std::move(a), b->literal.iv, op == BinaryOp::kSub);
    }
    if (ta == ExprType::kInterval && tb == ExprType::kInterval && (op == BinaryOp::kAdd || op == BinaryOp::kSub)) {
      if (a->literal.is_null || b->literal.is_null)
        return expr_internal::MakeConstNode(Value::NullOf(ExprType::kInterval));
      Interval x = a->literal.iv, y = b->literal.iv;
      const int s = op == BinaryOp::kSub ? -1 : 1;
      return expr_internal::MakeConstNode(
          Value::OfInterval({x.months + s * y.months, x.days + s * y.days, x.nanos + s * y.nanos}));
    }
    if (ta == ExprType::kNull && tb == ExprType::kNull)
      return expr_internal::MakeConstNode(Value::NullOf(ExprType::kInt32));
    if (ta == ExprType::kNull) ta = IsNumeric(tb) ? tb : ta;
    if (tb == ExprType::kNull) tb = IsNumeric(ta) ? ta : tb;
    if (!IsNumeric(ta) || !IsNumeric(tb)) {
      return Error(where, text,
                   std::string("cannot apply ") + BinaryOpText(op) + " to " + std::string(ExprTypeName(a->type)) +
                       " and " + std::string(ExprTypeName(b->type)));
    }
    ExprType result = NumRank(ta) >= NumRank(tb) ? ta : tb;
    if (op == BinaryOp::kDiv) result = ExprType::kFloat64;
    ASSIGN_OR_RETURN(a, CastTo(std::move(a), result));
    ASSIGN_OR_RETURN(b, CastTo(std::move(b), result));
    return expr_internal::MakeArith(op, result, std::move(a), std::move(b));
  }

  Result<NodePtr> BindBool(const Expr& e, const std::string& where, const std::string& text) {
    ASSIGN_OR_RETURN(NodePtr n, Bind(e, where));
    if (n->type == ExprType::kNull) return expr_internal::MakeConstNode(Value::NullOf(ExprType::kBool));
    if (n->type != ExprType::kBool) {
      return Error(where, text,
                   "'" + ExprToString(e) + "' is " + std::string(ExprTypeName(n->type)) + ", not a condition (bool)");
    }
    return n;
  }

  Result<NodePtr> BindInner(const ExprNode& e, const std::string& text, const std::string& where) {
    switch (e.kind) {
      case ExprKind::kColumn: {
        const int i = FindField(fields_, e.name);
        if (i < 0) {
          std::string names;
          for (const Field& f : fields_) names += (names.empty() ? "" : ", ") + f.name;
          return Error(where, text, "unknown column '" + e.name + "' (columns: " + names + ")");
        }
        return expr_internal::MakeColumnNode(i, ToExprType(fields_[i].type));
      }
      case ExprKind::kLiteral: return expr_internal::MakeConstNode(e.value);
      case ExprKind::kNegate: {
        ASSIGN_OR_RETURN(NodePtr a, Bind(e.children[0], where));
        if (a->type == ExprType::kInterval) {
          Value v = a->literal;
          v.iv = {-v.iv.months, -v.iv.days, -v.iv.nanos};
          return expr_internal::MakeConstNode(v);
        }
        if (a->type == ExprType::kNull) return a;
        if (!IsNumeric(a->type)) {
          return Error(where, text, "cannot negate " + std::string(ExprTypeName(a->type)));
        }
        return expr_internal::MakeNegate(std::move(a));
      }
      case ExprKind::kBinary: return BindBinary(e, text, where);
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        std::vector<NodePtr> kids;
        for (const Expr& c : e.children) {
          ASSIGN_OR_RETURN(NodePtr k, BindBool(c, where, text));
          kids.push_back(std::move(k));
        }
        if (kids.size() == 1) return std::move(kids[0]);
        return expr_internal::MakeLogic(e.kind == ExprKind::kAnd, std::move(kids));
      }
      case ExprKind::kNot: {
        ASSIGN_OR_RETURN(NodePtr a, BindBool(e.children[0], where, text));
        return expr_internal::MakeNot(std::move(a));
      }
      case ExprKind::kCase: {
        const size_t pairs = (e.children.size() - (e.has_else ? 1 : 0)) / 2;
        if (pairs == 0) return Error(where, text, "CASE needs at least one WHEN");
        std::vector<NodePtr> whens, thens;
        NodePtr else_node;
        ExprType type = ExprType::kNull;
        for (size_t i = 0; i < pairs; ++i) {
          ASSIGN_OR_RETURN(NodePtr w, BindBool(e.children[2 * i], where, text));
          ASSIGN_OR_RETURN(NodePtr t, Bind(e.children[2 * i + 1], where));
          ASSIGN_OR_RETURN(type, Super(type, t->type, where, text));
          whens.push_back(std::move(w));
          thens.push_back(std::move(t));
        }
        if (e.has_else) {
          ASSIGN_OR_RETURN(else_node, Bind(e.children.back(), where));
          ASSIGN_OR_RETURN(type, Super(type, else_node->type, where, text));
        }
        if (type == ExprType::kInterval) return Error(where, text, "CASE cannot produce intervals");
        if (type == ExprType::kNull) type = ExprType::kInt32;
        for (auto& t : thens) {
          ASSIGN_OR_RETURN(t, CastTo(std::move(t), type));
        }
        if (else_node) {
          ASSIGN_OR_RETURN(else_node, CastTo(std::move(else_node), type));
        }
        return expr_internal::MakeCase(std::move(whens), std::move(thens), std::move(else_node), type);
      }
      case ExprKind::kCast: {
        ASSIGN_OR_RETURN(NodePtr a, Bind(e.children[0], where));
        const ExprType from = a->type, to = e.cast_to;
        if (from == to || from == ExprType::kNull || (IsStr(from) && IsStr(to))) {
          if (from == ExprType::kNull) return expr_internal::MakeConstNode(Value::NullOf(to));
          if (from == to) return a;
          return expr_internal::MakeCast(std::move(a), to);
        }
        if (to == ExprType::kNull || to == ExprType::kInterval || from == ExprType::kInterval) {
          if (from == ExprType::kInterval && IsStr(to))
            return expr_internal::MakeConstNode(Value::String(IntervalToString(a->literal.iv)));
          if (to == ExprType::kInterval && a->constant && IsStr(from)) {
            ASSIGN_OR_RETURN(Interval iv, ParseInterval(a->literal.s));
            return expr_internal::MakeConstNode(Value::OfInterval(iv));
          }
          return Error(where, text,
                       "cannot cast " + std::string(ExprTypeName(from)) + " to " + std::string(ExprTypeName(to)));
        }
        const bool ts_int = (from == ExprType::kTimestamp && (IsNumeric(to) || to == ExprType::kBool)) ||
                            (to == ExprType::kTimestamp && (IsNumeric(from) || from == ExprType::kBool));
        if (ts_int) {
          return Error(where, text,
                       "cannot cast " + std::string(ExprTypeName(from)) + " to " + std::string(ExprTypeName(to)) +
                           " (as DuckDB); use epoch_ns(ts) for the nanoseconds of a timestamp");
        }
        return expr_internal::MakeCast(std::move(a), to);
      }
      case ExprKind::kIn: {
        bool all_const = true;
        for (size_t i = 1; i < e.children.size(); ++i) {
          all_const &= ExprColumns(e.children[i]).empty();
        }
        if (!all_const || e.children.size() < 2) {
          std::vector<Expr> eqs;
          for (size_t i = 1; i < e.children.size(); ++i)
            eqs.push_back(Binary(BinaryOp::kEq, e.children[0], e.children[i]));
          if (eqs.empty()) return Error(where, text, "IN needs at least one value");
          Expr any = eqs.size() == 1 ? eqs[0] : Or(std::move(eqs));
          return Bind(e.negated ? Not(any) : any, where);
        }
        ASSIGN_OR_RETURN(NodePtr x, Bind(e.children[0], where));
        std::vector<NodePtr> items;
        ExprType type = x->type;
        for (size_t i = 1; i < e.children.size(); ++i) {
          ASSIGN_OR_RETURN(NodePtr it, Bind(e.children[i], where));
          ExprType t = it->type;
          // Strings compared with a typed column take the column's type.
          if (IsStr(t) && !IsStr(type) && type != ExprType::kNull) t = type;
          ASSIGN_OR_RETURN(type, Super(type, t, where, text));
          items.push_back(std::move(it));
        }
        if (type == ExprType::kInterval) return Error(where, text, "IN over intervals is not supported");
        if (type == ExprType::kNull) return expr_internal::MakeConstNode(Value::NullOf(ExprType::kBool));
        std::vector<Value> values;
        for (auto& it : items) {
          ASSIGN_OR_RETURN(NodePtr c, CastTo(std::move(it), type));
          values.push_back(c->literal);
        }
        ASSIGN_OR_RETURN(x, CastTo(std::move(x), type));
        return expr_internal::MakeInConst(std::move(x), std::move(values), e.negated);
      }
      case ExprKind::kIsNull: {
        ASSIGN_OR_RETURN(NodePtr a, Bind(e.children[0], where));
        return expr_internal::MakeIsNull(std::move(a), e.negated);
      }
      case ExprKind::kLike: {
        ASSIGN_OR_RETURN(NodePtr x, Bind(e.children[0], where));
        ASSIGN_OR_RETURN(NodePtr p, Bind(e.children[1], where));
        for (const NodePtr* n : {&x, &p}) {
          if (!IsStr((*n)->type) && (*n)->type != ExprType::kNull) {
            return Error(where, text, "LIKE takes strings, not " + std::string(ExprTypeName((*n)->type)));
          }
        }
        if (x->type == ExprType::kNull || p->type == ExprType::kNull) {
          return expr_internal::MakeConstNode(Value::NullOf(ExprType::kBool));
        }
        return expr_internal::MakeLike(std::move(x), std::move(p), e.negated, e.ilike, e.escape);
      }
      case ExprKind::kFunction: {
        const std::string name = Lower(e.name);
        if (name == "coalesce") {
          if (e.children.empty()) return Error(where, text, "coalesce needs at least one argument");
          std::vector<std::pair<Expr, Expr>> whens;
          for (size_t i = 0; i + 1 < e.children.size(); ++i)
            whens.push_back({IsNull(e.children[i], true), e.children[i]});
          if (whens.empty()) return Bind(e.children[0], where);
          return Bind(Case(std::move(whens), e.children.back()), where);
        }
        if (name == "nullif") {
          if (e.children.size() != 2) return Error(where, text, "nullif takes 2 arguments");
          return Bind(Case({{Binary(BinaryOp::kEq, e.children[0], e.children[1]), Lit(Value::Null())}}, e.children[0]),
                      where);
        }
        std::vector<NodePtr> args;
        for (const Expr& c : e.children) {
          ASSIGN_OR_RETURN(NodePtr a, Bind(c, where));
          args.push_back(std::move(a));
        }
        return expr_internal::MakeFunction(name, std::move(args), text, where);
      }
    }
    return Status::Internal("unknown expression kind");
  }

  const std::vector<Field>& fields_;
};

}  // namespace

BoundExpr::~BoundExpr() = default;

Result<std::shared_ptr<const BoundExpr>> BoundExpr::Bind(const Expr& e, const std::vector<Field>& fields) {
  Binder b(fields);
  ASSIGN_OR_RETURN(NodePtr root, b.Bind(e, ""));
  if (root->type == ExprType::kInterval) {
    return Status::InvalidArgument(
        (e->where.empty() ? "" : e->where + ": ") +
        "an interval cannot be a column; use it in timestamp arithmetic or time_bucket, in '" + ExprToString(e) + "'");
  }
  std::shared_ptr<BoundExpr> out(new BoundExpr());
  out->text_ = ExprToString(e);
  out->root_ = std::move(root);
  return std::shared_ptr<const BoundExpr>(std::move(out));
}

ExprType BoundExpr::type() const { return root_->type; }
ColumnType BoundExpr::column_type() const { return expr_internal::StorageType(root_->type); }
bool BoundExpr::is_constant() const { return root_->constant; }

Result<Column> BoundExpr::Evaluate(const RecordBatch& batch) const {
  expr_internal::Ctx ctx;
  ctx.batch = &batch;
  ctx.n = batch.num_rows();
  expr_internal::Vec v;
  RETURN_IF_ERROR(root_->Eval(ctx, &v));
  const ColumnType ct = column_type();
  if (v.constant) {
    Column out(ct);
    const Column& c = v.c();
    for (size_t i = 0; i < ctx.n; ++i) out.AppendFrom(c, 0);
    return out;
  }
  if (v.ext) return *v.ext;
  return std::move(v.owned);
}

Result<const Column*> BoundExpr::EvaluateView(const RecordBatch& batch, Column* storage) const {
  expr_internal::Ctx ctx;
  ctx.batch = &batch;
  ctx.n = batch.num_rows();
  expr_internal::Vec v;
  RETURN_IF_ERROR(root_->Eval(ctx, &v));
  if (v.ext && !v.constant) return v.ext;
  if (v.constant) {
    *storage = Column(column_type());
    storage->Reserve(ctx.n);
    for (size_t i = 0; i < ctx.n; ++i) storage->AppendFrom(v.c(), 0);
  } else {
    *storage = std::move(v.owned);
  }
  return storage;
}

Status BoundExpr::Select(const RecordBatch& batch, std::vector<uint32_t>* selection) const {
  selection->clear();
  if (root_->type != ExprType::kBool && root_->type != ExprType::kNull) {
    return Status::InvalidArgument("'" + text_ + "' is " + std::string(ExprTypeName(root_->type)) +
                                   ", not a condition (bool)");
  }
  expr_internal::Ctx ctx;
  ctx.batch = &batch;
  ctx.n = batch.num_rows();
  expr_internal::Vec v;
  RETURN_IF_ERROR(root_->Eval(ctx, &v));
  const Column& c = v.c();
  if (root_->type == ExprType::kNull) return Status::OK();
  if (v.constant) {
    if (!c.IsNull(0) && c.bools()[0]) {
      selection->resize(ctx.n);
      for (size_t i = 0; i < ctx.n; ++i) (*selection)[i] = static_cast<uint32_t>(i);
    }
    return Status::OK();
  }
  const uint8_t* b = c.bools().data();
  const uint8_t* valid = c.validity().empty() ? nullptr : c.validity().data();
  for (size_t i = 0; i < ctx.n; ++i) {
    if (b[i] && (!valid || valid[i])) selection->push_back(static_cast<uint32_t>(i));
  }
  return Status::OK();
}

}  // namespace strata::query
