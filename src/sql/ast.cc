#include "sql/ast.h"

namespace strata::sql {

TableRef::TableRef() = default;
TableRef::~TableRef() = default;
TableRef::TableRef(TableRef&&) noexcept = default;
TableRef& TableRef::operator=(TableRef&&) noexcept = default;

const char* BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSubtract: return "-";
    case BinaryOp::kMultiply: return "*";
    case BinaryOp::kDivide: return "/";
    case BinaryOp::kModulo: return "%";
    case BinaryOp::kConcat: return "||";
    case BinaryOp::kEq: return "=";
    case BinaryOp::kNotEq: return "<>";
    case BinaryOp::kLess: return "<";
    case BinaryOp::kLessEq: return "<=";
    case BinaryOp::kGreater: return ">";
    case BinaryOp::kGreaterEq: return ">=";
    case BinaryOp::kAnd: return "AND";
    case BinaryOp::kOr: return "OR";
  }
  return "?";
}

namespace {

bool SameLiteral(const Literal& a, const Literal& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case LiteralKind::kNull: return true;
    case LiteralKind::kBool: return a.bool_value == b.bool_value;
    case LiteralKind::kInteger:
    case LiteralKind::kTimestamp:
    case LiteralKind::kInterval: return a.int_value == b.int_value;
    case LiteralKind::kFloat: return a.float_value == b.float_value;
    case LiteralKind::kString: return a.text == b.text;
  }
  return false;
}

bool SamePtr(const ExprPtr& a, const ExprPtr& b) { return (!a && !b) || (a && b && SameExpr(*a, *b)); }

bool SameList(const std::vector<ExprPtr>& a, const std::vector<ExprPtr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!SamePtr(a[i], b[i])) return false;
  }
  return true;
}

bool SameQueryPtr(const std::unique_ptr<Query>& a, const std::unique_ptr<Query>& b) {
  return (!a && !b) || (a && b && SameQuery(*a, *b));
}

bool SameTable(const std::unique_ptr<TableRef>& a, const std::unique_ptr<TableRef>& b) {
  if (!a || !b) return !a && !b;
  return a->kind == b->kind && a->name == b->name && SameQueryPtr(a->subquery, b->subquery) && a->alias == b->alias &&
         a->join == b->join && SameTable(a->left, b->left) && SameTable(a->right, b->right) && SamePtr(a->on, b->on) &&
         a->using_columns == b->using_columns;
}

}  // namespace

bool SameExpr(const Expr& a, const Expr& b) {
  return a.kind == b.kind && (a.kind != ExprKind::kLiteral || SameLiteral(a.literal, b.literal)) && a.name == b.name &&
         a.param_index == b.param_index && a.unary_op == b.unary_op && a.binary_op == b.binary_op &&
         a.type_name == b.type_name && a.distinct == b.distinct && a.star_arg == b.star_arg && a.negated == b.negated &&
         a.case_insensitive == b.case_insensitive && a.has_operand == b.has_operand && a.has_else == b.has_else &&
         SameList(a.args, b.args);
}

bool SameQuery(const Query& a, const Query& b) {
  if (a.ctes.size() != b.ctes.size()) return false;
  for (size_t i = 0; i < a.ctes.size(); ++i) {
    if (a.ctes[i].name != b.ctes[i].name || a.ctes[i].columns != b.ctes[i].columns ||
        !SameQueryPtr(a.ctes[i].query, b.ctes[i].query)) {
      return false;
    }
  }
  if (a.distinct != b.distinct || a.select.size() != b.select.size()) return false;
  for (size_t i = 0; i < a.select.size(); ++i) {
    if (a.select[i].alias != b.select[i].alias || !SamePtr(a.select[i].expr, b.select[i].expr)) return false;
  }
  if (!SameTable(a.from, b.from) || !SamePtr(a.where, b.where)) return false;
  if (a.latest_on.has_value() != b.latest_on.has_value()) return false;
  if (a.latest_on && (!SamePtr(a.latest_on->timestamp, b.latest_on->timestamp) ||
                      !SameList(a.latest_on->partition_by, b.latest_on->partition_by))) {
    return false;
  }
  if (a.sample_by.has_value() != b.sample_by.has_value()) return false;
  if (a.sample_by) {
    const SampleBy& x = *a.sample_by;
    const SampleBy& y = *b.sample_by;
    if (x.step_ns != y.step_ns || x.align_calendar != y.align_calendar || x.align_explicit != y.align_explicit ||
        x.fills.size() != y.fills.size()) {
      return false;
    }
    for (size_t i = 0; i < x.fills.size(); ++i) {
      if (x.fills[i].kind != y.fills[i].kind || !SamePtr(x.fills[i].value, y.fills[i].value)) return false;
    }
  }
  if (!SameList(a.group_by, b.group_by) || !SamePtr(a.having, b.having)) return false;
  if (a.order_by.size() != b.order_by.size()) return false;
  for (size_t i = 0; i < a.order_by.size(); ++i) {
    if (a.order_by[i].descending != b.order_by[i].descending || a.order_by[i].nulls != b.order_by[i].nulls ||
        !SamePtr(a.order_by[i].expr, b.order_by[i].expr)) {
      return false;
    }
  }
  return SamePtr(a.limit, b.limit) && SamePtr(a.offset, b.offset);
}

bool SameStatement(const Statement& a, const Statement& b) {
  if (a.kind != b.kind || !SameQueryPtr(a.query, b.query) || a.table != b.table || a.columns != b.columns ||
      a.analyze != b.analyze || a.values.size() != b.values.size() || a.column_type != b.column_type) {
    return false;
  }
  for (size_t i = 0; i < a.values.size(); ++i) {
    if (!SameList(a.values[i], b.values[i])) return false;
  }
  return true;
}

}  // namespace strata::sql
