#include "sql/params.h"

#include <algorithm>
#include <functional>

namespace strata::sql {
namespace {

namespace q = ::strata::query;

// Calls f on every expression slot of the statement (pre-order; f may replace the node).
void WalkExprs(ExprPtr& e, const std::function<void(ExprPtr&)>& f) {
  if (!e) return;
  f(e);
  for (ExprPtr& a : e->args) WalkExprs(a, f);
}
void WalkQuery(Query& q, const std::function<void(ExprPtr&)>& f);
void WalkTableRef(TableRef* t, const std::function<void(ExprPtr&)>& f) {
  if (t == nullptr) return;
  if (t->subquery) WalkQuery(*t->subquery, f);
  WalkTableRef(t->left.get(), f);
  WalkTableRef(t->right.get(), f);
  WalkExprs(t->on, f);
}
void WalkQuery(Query& q, const std::function<void(ExprPtr&)>& f) {
  for (Cte& c : q.ctes) {
    if (c.query) WalkQuery(*c.query, f);
  }
  for (SelectItem& s : q.select) WalkExprs(s.expr, f);
  WalkTableRef(q.from.get(), f);
  WalkExprs(q.where, f);
  if (q.latest_on) {
    WalkExprs(q.latest_on->timestamp, f);
    for (ExprPtr& p : q.latest_on->partition_by) WalkExprs(p, f);
  }
  if (q.sample_by) {
    for (Fill& fill : q.sample_by->fills) WalkExprs(fill.value, f);
  }
  for (ExprPtr& g : q.group_by) WalkExprs(g, f);
  WalkExprs(q.having, f);
  for (OrderItem& o : q.order_by) WalkExprs(o.expr, f);
  WalkExprs(q.limit, f);
  WalkExprs(q.offset, f);
}
void WalkStatement(Statement& st, const std::function<void(ExprPtr&)>& f) {
  if (st.query) WalkQuery(*st.query, f);
  for (auto& row : st.values) {
    for (ExprPtr& v : row) WalkExprs(v, f);
  }
}

// The type of a column reference in the scope of `q` (its FROM table or subquery), if known.
using ColumnTypes = std::function<std::optional<q::ExprType>(const Expr&)>;

ColumnTypes ScopeOf(const Query& query, const TableLookup& lookup) {
  std::vector<Field> fields;
  if (query.from && query.from->kind == TableRefKind::kTable && query.from->name.size() == 1) {
    const std::string& name = query.from->name[0];
    bool is_cte = false;
    for (const Cte& c : query.ctes) is_cte = is_cte || c.name == name;
    if (!is_cte && lookup) {
      Result<TableDef> def = lookup(name);
      if (def.ok()) fields = def->schema.fields();
    }
  }
  return [fields](const Expr& e) -> std::optional<q::ExprType> {
    if (e.kind != ExprKind::kColumnRef || e.name.empty()) return std::nullopt;
    for (const Field& f : fields) {
      if (f.name == e.name.back()) return q::ToExprType(f.type);
    }
    return std::nullopt;
  };
}

bool IsComparisonOrArithmetic(BinaryOp op) { return op != BinaryOp::kAnd && op != BinaryOp::kOr; }

void InferExpr(const Expr& e, const ColumnTypes& cols, std::vector<std::optional<q::ExprType>>* out) {
  auto set = [&](const Expr& p, q::ExprType t) {
    if (p.kind != ExprKind::kParameter) return;
    auto& slot = (*out)[p.param_index - 1];
    if (!slot) slot = t;
  };
  auto type_of = [&](const Expr& x) -> std::optional<q::ExprType> {
    if (auto t = cols(x)) return t;
    if (x.kind == ExprKind::kLiteral) {
      switch (x.literal.kind) {
        case LiteralKind::kInteger: return q::ExprType::kInt64;
        case LiteralKind::kFloat: return q::ExprType::kFloat64;
        case LiteralKind::kTimestamp: return q::ExprType::kTimestamp;
        case LiteralKind::kBool: return q::ExprType::kBool;
        default: return std::nullopt;
      }
    }
    return std::nullopt;
  };
  switch (e.kind) {
    case ExprKind::kBinary:
      if (IsComparisonOrArithmetic(e.binary_op) && e.args.size() == 2) {
        if (auto t = type_of(*e.args[1])) set(*e.args[0], *t);
        if (auto t = type_of(*e.args[0])) set(*e.args[1], *t);
      }
      break;
    case ExprKind::kInList:
    case ExprKind::kBetween:
      if (auto t = type_of(*e.args[0])) {
        for (size_t i = 1; i < e.args.size(); ++i) set(*e.args[i], *t);
      }
      break;
    case ExprKind::kLike:
      for (const ExprPtr& a : e.args) set(*a, q::ExprType::kString);
      break;
    case ExprKind::kCast:
      if (!e.args.empty()) {
        std::string type = e.type_name;
        if (size_t p = type.find('('); p != std::string::npos) type.resize(p);
        while (!type.empty() && type.back() == ' ') type.pop_back();
        Result<q::ExprType> t = q::ParseSqlType(type);
        if (t.ok() && *t != q::ExprType::kInterval) set(*e.args[0], *t);
      }
      break;
    default: break;
  }
  for (const ExprPtr& a : e.args) {
    if (a) InferExpr(*a, cols, out);
  }
}

void InferQuery(const Query& query, const TableLookup& lookup, std::vector<std::optional<q::ExprType>>* out) {
  for (const Cte& c : query.ctes) {
    if (c.query) InferQuery(*c.query, lookup, out);
  }
  if (query.from && query.from->subquery) InferQuery(*query.from->subquery, lookup, out);
  const ColumnTypes cols = ScopeOf(query, lookup);
  auto expr = [&](const ExprPtr& e) {
    if (e) InferExpr(*e, cols, out);
  };
  for (const SelectItem& s : query.select) expr(s.expr);
  expr(query.where);
  for (const ExprPtr& g : query.group_by) expr(g);
  expr(query.having);
  for (const OrderItem& o : query.order_by) expr(o.expr);
  for (const ExprPtr* lim : {&query.limit, &query.offset}) {
    if (*lim && (*lim)->kind == ExprKind::kParameter) {
      auto& slot = (*out)[(*lim)->param_index - 1];
      if (!slot) slot = q::ExprType::kInt64;
    }
  }
}

}  // namespace

int MaxParameter(const Statement& st) {
  int n = 0;
  WalkStatement(const_cast<Statement&>(st), [&](ExprPtr& e) {
    if (e->kind == ExprKind::kParameter) n = std::max(n, e->param_index);
  });
  return n;
}

std::vector<q::ExprType> InferParameterTypes(const Statement& st, const TableLookup& lookup) {
  std::vector<std::optional<q::ExprType>> found(MaxParameter(st));
  if (st.query) InferQuery(*st.query, lookup, &found);
  std::vector<q::ExprType> out;
  for (const auto& t : found) out.push_back(t.value_or(q::ExprType::kString));
  return out;
}

Status SubstituteParameters(Statement* st, const std::vector<Literal>& values) {
  Status status;
  WalkStatement(*st, [&](ExprPtr& e) {
    if (e->kind != ExprKind::kParameter || !status.ok()) return;
    const size_t i = static_cast<size_t>(e->param_index);
    if (i > values.size()) {
      status = Status::InvalidArgument(e->pos.ToString() + ": no value for parameter $" + std::to_string(i) + " (" +
                                       std::to_string(values.size()) + " given)");
      return;
    }
    e->kind = ExprKind::kLiteral;
    e->literal = values[i - 1];
    e->param_index = 0;
  });
  return status;
}

}  // namespace strata::sql
