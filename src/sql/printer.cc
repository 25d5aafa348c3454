#include "sql/printer.h"

#include "sql/literal.h"
#include "sql/parser_internal.h"
#include "strata/timestamp.h"

namespace strata::sql {
namespace {

bool PlainName(const std::string& name) {
  if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$')) return false;
  }
  return true;
}

bool IsReservedName(const std::string& name) {
  Token t;
  t.kind = TokenKind::kIdent;
  t.text = name;
  return internal::IsReserved(t);
}

std::string QuoteFunctionName(const std::string& name) {
  if (PlainName(name) && !IsReservedName(name) && name != "cast" && name != "extract" && name != "exists" &&
      name != "row" && name != "array") {
    return name;
  }
  return QuoteIdentifier(name);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ".";
    out += QuoteIdentifier(n);
  }
  return out;
}

std::string QuoteString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// How tightly an expression binds (see parser_expr.cc): a child that binds looser than its
// place needs parentheses.
int Precedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kBinary:
      switch (e.binary_op) {
        case BinaryOp::kOr: return 1;
        case BinaryOp::kAnd: return 2;
        case BinaryOp::kConcat: return 7;
        case BinaryOp::kAdd:
        case BinaryOp::kSubtract: return 8;
        case BinaryOp::kMultiply:
        case BinaryOp::kDivide:
        case BinaryOp::kModulo: return 9;
        default: return 5;  // comparisons
      }
    case ExprKind::kUnary: return e.unary_op == UnaryOp::kNot ? 3 : 10;
    case ExprKind::kIsNull: return 4;
    case ExprKind::kBetween:
    case ExprKind::kInList:
    case ExprKind::kLike: return 6;
    default: return 11;
  }
}

void Print(const Expr& e, std::string* out);

// `e` where the grammar wants something binding at least `min` tightly.
void PrintAt(const Expr& e, int min, std::string* out) {
  if (Precedence(e) < min) {
    *out += "(";
    Print(e, out);
    *out += ")";
  } else {
    Print(e, out);
  }
}

void PrintList(const std::vector<ExprPtr>& list, size_t from, std::string* out) {
  for (size_t i = from; i < list.size(); ++i) {
    if (i > from) *out += ", ";
    Print(*list[i], out);
  }
}

void PrintLiteral(const Literal& l, std::string* out) {
  switch (l.kind) {
    case LiteralKind::kNull: *out += "NULL"; return;
    case LiteralKind::kBool: *out += l.bool_value ? "TRUE" : "FALSE"; return;
    case LiteralKind::kInteger: *out += std::to_string(l.int_value); return;
    case LiteralKind::kFloat: *out += l.text; return;
    case LiteralKind::kString: *out += QuoteString(l.text); return;
    case LiteralKind::kTimestamp: *out += "TIMESTAMP '" + FormatTimestamp(l.int_value) + "'"; return;
    case LiteralKind::kInterval: *out += "INTERVAL '" + FormatInterval(l.int_value) + "'"; return;
  }
}

void Print(const Expr& e, std::string* out) {
  switch (e.kind) {
    case ExprKind::kLiteral: PrintLiteral(e.literal, out); return;
    case ExprKind::kColumnRef: *out += JoinNames(e.name); return;
    case ExprKind::kStar: *out += e.name.empty() ? "*" : JoinNames(e.name) + ".*"; return;
    case ExprKind::kParameter: *out += "$" + std::to_string(e.param_index); return;
    case ExprKind::kUnary:
      if (e.unary_op == UnaryOp::kNot) {
        *out += "NOT ";
        PrintAt(*e.args[0], 3, out);
      } else {
        const Expr& a = *e.args[0];
        std::string inner;
        Print(a, &inner);
        // -(5) stays a negation of 5 (a bare -5 would read back as the literal -5) and -(-x)
        // must not print as --x, a comment.
        const bool parens = Precedence(a) < 10 || inner[0] == '-' ||
                            (a.kind == ExprKind::kLiteral &&
                             (a.literal.kind == LiteralKind::kInteger || a.literal.kind == LiteralKind::kFloat));
        *out += parens ? "-(" + inner + ")" : "-" + inner;
      }
      return;
    case ExprKind::kBinary: {
      const int p = Precedence(e);
      PrintAt(*e.args[0], p, out);
      *out += " ";
      *out += BinaryOpText(e.binary_op);
      *out += " ";
      PrintAt(*e.args[1], p + 1, out);
      return;
    }
    case ExprKind::kFunction:
      for (size_t i = 0; i < e.name.size(); ++i) {
        if (i > 0) *out += ".";
        *out += QuoteFunctionName(e.name[i]);
      }
      *out += "(";
      if (e.star_arg) *out += "*";
      if (e.distinct) *out += "DISTINCT ";
      PrintList(e.args, 0, out);
      *out += ")";
      return;
    case ExprKind::kCase: {
      *out += "CASE";
      size_t i = 0;
      if (e.has_operand) {
        *out += " ";
        Print(*e.args[i++], out);
      }
      const size_t pairs_end = e.args.size() - (e.has_else ? 1 : 0);
      for (; i < pairs_end; i += 2) {
        *out += " WHEN ";
        Print(*e.args[i], out);
        *out += " THEN ";
        Print(*e.args[i + 1], out);
      }
      if (e.has_else) {
        *out += " ELSE ";
        Print(*e.args.back(), out);
      }
      *out += " END";
      return;
    }
    case ExprKind::kCast:
      *out += "CAST(";
      Print(*e.args[0], out);
      *out += " AS " + e.type_name + ")";
      return;
    case ExprKind::kInList:
      PrintAt(*e.args[0], 7, out);
      *out += e.negated ? " NOT IN (" : " IN (";
      PrintList(e.args, 1, out);
      *out += ")";
      return;
    case ExprKind::kBetween:
      PrintAt(*e.args[0], 7, out);
      *out += e.negated ? " NOT BETWEEN " : " BETWEEN ";
      PrintAt(*e.args[1], 7, out);
      *out += " AND ";
      PrintAt(*e.args[2], 7, out);
      return;
    case ExprKind::kIsNull:
      PrintAt(*e.args[0], 4, out);
      *out += e.negated ? " IS NOT NULL" : " IS NULL";
      return;
    case ExprKind::kLike:
      PrintAt(*e.args[0], 7, out);
      *out += e.negated ? " NOT" : "";
      *out += e.case_insensitive ? " ILIKE " : " LIKE ";
      PrintAt(*e.args[1], 7, out);
      return;
  }
}

void PrintQuery(const Query& q, std::string* out);

void PrintTable(const TableRef& t, std::string* out) {
  switch (t.kind) {
    case TableRefKind::kTable: *out += JoinNames(t.name); break;
    case TableRefKind::kSubquery:
      *out += "(";
      PrintQuery(*t.subquery, out);
      *out += ")";
      break;
    case TableRefKind::kJoin:
      PrintTable(*t.left, out);
      *out += t.join == JoinKind::kInner  ? " JOIN "
              : t.join == JoinKind::kLeft ? " LEFT JOIN "
              : t.join == JoinKind::kAsof ? " ASOF JOIN "
                                          : " ASOF LEFT JOIN ";
      PrintTable(*t.right, out);
      if (t.on) {
        *out += " ON ";
        Print(*t.on, out);
      } else if (!t.using_columns.empty()) {
        *out += t.join == JoinKind::kAsof ? " ON (" : " USING (";
        for (size_t i = 0; i < t.using_columns.size(); ++i) {
          if (i > 0) *out += ", ";
          *out += QuoteIdentifier(t.using_columns[i]);
        }
        *out += ")";
      }
      return;
  }
  if (!t.alias.empty()) *out += " AS " + QuoteIdentifier(t.alias);
}

void PrintQuery(const Query& q, std::string* out) {
  if (!q.ctes.empty()) {
    *out += "WITH ";
    for (size_t i = 0; i < q.ctes.size(); ++i) {
      const Cte& c = q.ctes[i];
      if (i > 0) *out += ", ";
      *out += QuoteIdentifier(c.name);
      if (!c.columns.empty()) {
        *out += "(";
        for (size_t k = 0; k < c.columns.size(); ++k) *out += (k > 0 ? ", " : "") + QuoteIdentifier(c.columns[k]);
        *out += ")";
      }
      *out += " AS (";
      PrintQuery(*c.query, out);
      *out += ")";
    }
    *out += " ";
  }
  *out += q.distinct ? "SELECT DISTINCT " : "SELECT ";
  for (size_t i = 0; i < q.select.size(); ++i) {
    if (i > 0) *out += ", ";
    Print(*q.select[i].expr, out);
    if (!q.select[i].alias.empty()) *out += " AS " + QuoteIdentifier(q.select[i].alias);
  }
  if (q.from) {
    *out += " FROM ";
    PrintTable(*q.from, out);
  }
  if (q.where) {
    *out += " WHERE ";
    Print(*q.where, out);
  }
  if (q.latest_on) {
    *out += " LATEST ON ";
    Print(*q.latest_on->timestamp, out);
    *out += " PARTITION BY ";
    PrintList(q.latest_on->partition_by, 0, out);
  }
  if (q.sample_by) {
    const SampleBy& s = *q.sample_by;
    *out += " SAMPLE BY " + FormatSampleStep(s.step_ns);
    if (!s.fills.empty()) {
      *out += " FILL(";
      for (size_t i = 0; i < s.fills.size(); ++i) {
        if (i > 0) *out += ", ";
        switch (s.fills[i].kind) {
          case FillKind::kNull: *out += "NULL"; break;
          case FillKind::kPrev: *out += "PREV"; break;
          case FillKind::kLinear: *out += "LINEAR"; break;
          case FillKind::kNone: *out += "NONE"; break;
          case FillKind::kValue: Print(*s.fills[i].value, out); break;
        }
      }
      *out += ")";
    }
    if (s.align_explicit) *out += s.align_calendar ? " ALIGN TO CALENDAR" : " ALIGN TO FIRST OBSERVATION";
  }
  if (!q.group_by.empty()) {
    *out += " GROUP BY ";
    PrintList(q.group_by, 0, out);
  }
  if (q.having) {
    *out += " HAVING ";
    Print(*q.having, out);
  }
  if (!q.order_by.empty()) {
    *out += " ORDER BY ";
    for (size_t i = 0; i < q.order_by.size(); ++i) {
      const OrderItem& o = q.order_by[i];
      if (i > 0) *out += ", ";
      Print(*o.expr, out);
      if (o.descending) *out += " DESC";
      if (o.nulls != NullsOrder::kDefault) *out += o.nulls == NullsOrder::kFirst ? " NULLS FIRST" : " NULLS LAST";
    }
  }
  if (q.limit) {
    *out += " LIMIT ";
    Print(*q.limit, out);
  }
  if (q.offset) {
    *out += " OFFSET ";
    Print(*q.offset, out);
  }
}

}  // namespace

std::string QuoteIdentifier(const std::string& name) {
  static constexpr std::string_view kSpecial[] = {"timestamp", "interval", "date",    "time",    "timestamptz",
                                                  "sample",    "latest",   "fill",    "align",   "asof",
                                                  "lt",        "splice",   "qualify", "extract", "row"};
  bool bare = PlainName(name) && !IsReservedName(name);
  for (std::string_view w : kSpecial) bare = bare && name != w;
  if (bare) return name;
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string ToSql(const Expr& expr) {
  std::string out;
  Print(expr, &out);
  return out;
}

std::string ToSql(const Query& query) {
  std::string out;
  PrintQuery(query, &out);
  return out;
}

std::string ToSql(const Statement& s) {
  std::string out;
  switch (s.kind) {
    case StatementKind::kSelect: PrintQuery(*s.query, &out); break;
    case StatementKind::kShowTables: out = "SHOW TABLES"; break;
    case StatementKind::kAlterAddColumn:
      out = "ALTER TABLE " + JoinNames(s.table) + " ADD COLUMN " + QuoteIdentifier(s.columns.at(0)) + " " +
            s.column_type;
      break;
    case StatementKind::kDescribe: out = "DESCRIBE " + JoinNames(s.table); break;
    case StatementKind::kExplain:
      out = s.analyze ? "EXPLAIN ANALYZE " : "EXPLAIN ";
      PrintQuery(*s.query, &out);
      break;
    case StatementKind::kInsert:
      out = "INSERT INTO " + JoinNames(s.table);
      if (!s.columns.empty()) {
        out += " (";
        for (size_t i = 0; i < s.columns.size(); ++i) out += (i > 0 ? ", " : "") + QuoteIdentifier(s.columns[i]);
        out += ")";
      }
      if (s.query) {
        out += " ";
        PrintQuery(*s.query, &out);
      } else {
        out += " VALUES ";
        for (size_t r = 0; r < s.values.size(); ++r) {
          out += r > 0 ? ", (" : "(";
          PrintList(s.values[r], 0, &out);
          out += ")";
        }
      }
      break;
  }
  return out;
}

}  // namespace strata::sql
