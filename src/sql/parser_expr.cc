// Expressions, by precedence from loosest to tightest (PostgreSQL's order):
//   OR < AND < NOT < IS [NOT] NULL < comparisons < BETWEEN/IN/LIKE/ILIKE < || < + - < * / %
//   < unary - < :: < primaries.
#include <charconv>
#include <cmath>

#include "sql/literal.h"
#include "sql/parser_internal.h"
#include "strata/timestamp.h"

namespace strata::sql::internal {
namespace {

ExprPtr NewExpr(ExprKind kind, Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

bool IsNumberToken(const Token& t) { return t.kind == TokenKind::kInteger || t.kind == TokenKind::kFloat; }

}  // namespace

Status Parser::TooDeep(Pos pos) const {
  return SyntaxError(pos,
                     "expression or query nested too deeply (more than " + std::to_string(kMaxSqlNesting) + " levels)");
}

Result<ExprPtr> Parser::Finish(ExprPtr e) {
  int h = 0;
  for (const ExprPtr& a : e->args) h = std::max(h, a->height);
  e->height = h + 1;
  if (e->height > kMaxSqlNesting) return TooDeep(e->pos);
  return e;
}

Result<ExprPtr> Parser::Binary(BinaryOp op, ExprPtr left, ExprPtr right) {
  ExprPtr e = NewExpr(ExprKind::kBinary, left->pos);
  e->binary_op = op;
  e->args.push_back(std::move(left));
  e->args.push_back(std::move(right));
  return Finish(std::move(e));
}

Result<ExprPtr> Parser::ParseExpr() {
  NestGuard guard(this);
  if (guard.too_deep()) return TooDeep(Peek().pos);
  return ParseOr();
}

Result<ExprPtr> Parser::ParseOr() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
  while (Peek().Is("or")) {
    Take();
    ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    ASSIGN_OR_RETURN(left, Binary(BinaryOp::kOr, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseAnd() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
  while (Peek().Is("and")) {
    Take();
    ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    ASSIGN_OR_RETURN(left, Binary(BinaryOp::kAnd, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseNot() {
  if (!Peek().Is("not")) return ParseIs();
  NestGuard guard(this);
  if (guard.too_deep()) return TooDeep(Peek().pos);
  const Pos pos = Take().pos;
  if (Peek().Is("exists")) return UnsupportedError(Peek().pos, "EXISTS subqueries are not supported yet");
  ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
  ExprPtr e = NewExpr(ExprKind::kUnary, pos);
  e->unary_op = UnaryOp::kNot;
  e->args.push_back(std::move(operand));
  return Finish(std::move(e));
}

Result<ExprPtr> Parser::ParseIs() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseComparison());
  while (Peek().Is("is")) {
    Take();
    const bool negated = Accept("not");
    if (Peek().Is("distinct")) return UnsupportedError(Peek().pos, "IS [NOT] DISTINCT FROM is not supported yet");
    if (Peek().Is("true") || Peek().Is("false") || Peek().Is("unknown")) {
      return UnsupportedError(Peek().pos, "IS [NOT] TRUE/FALSE/UNKNOWN is not supported yet; use = TRUE");
    }
    if (!Accept("null")) return Expected(negated ? "NULL after IS NOT" : "NULL or NOT NULL after IS");
    ExprPtr e = NewExpr(ExprKind::kIsNull, left->pos);
    e->negated = negated;
    e->args.push_back(std::move(left));
    ASSIGN_OR_RETURN(left, Finish(std::move(e)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseComparison() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseRange());
  for (;;) {
    const Token& t = Peek();
    BinaryOp op;
    if (t.IsOp("="))
      op = BinaryOp::kEq;
    else if (t.IsOp("<>") || t.IsOp("!="))
      op = BinaryOp::kNotEq;
    else if (t.IsOp("<"))
      op = BinaryOp::kLess;
    else if (t.IsOp("<="))
      op = BinaryOp::kLessEq;
    else if (t.IsOp(">"))
      op = BinaryOp::kGreater;
    else if (t.IsOp(">="))
      op = BinaryOp::kGreaterEq;
    else
      return left;
    Take();
    if (Peek().Is("any") || Peek().Is("all") || Peek().Is("some")) {
      return UnsupportedError(Peek().pos, "ANY/ALL/SOME comparisons are not supported yet; use IN (...)");
    }
    ASSIGN_OR_RETURN(ExprPtr right, ParseRange());
    ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
  }
}

Result<ExprPtr> Parser::ParseRange() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseConcat());
  const bool negated = Peek().Is("not") && (Peek(1).Is("between") || Peek(1).Is("in") || Peek(1).Is("like") ||
                                            Peek(1).Is("ilike") || Peek(1).Is("similar"));
  if (negated) Take();
  const Token& t = Peek();
  if (t.Is("similar")) return UnsupportedError(t.pos, "SIMILAR TO is not supported yet; use LIKE");
  if (t.Is("between")) {
    Take();
    if (Peek().Is("symmetric")) return UnsupportedError(Peek().pos, "BETWEEN SYMMETRIC is not supported yet");
    ExprPtr e = NewExpr(ExprKind::kBetween, left->pos);
    e->negated = negated;
    e->args.push_back(std::move(left));
    ASSIGN_OR_RETURN(ExprPtr low, ParseConcat());
    RETURN_IF_ERROR(ExpectWord("AND"));
    ASSIGN_OR_RETURN(ExprPtr high, ParseConcat());
    e->args.push_back(std::move(low));
    e->args.push_back(std::move(high));
    return Finish(std::move(e));
  }
  if (t.Is("in")) {
    Take();
    RETURN_IF_ERROR(ExpectOp("("));
    if (Peek().Is("select") || Peek().Is("with")) {
      return UnsupportedError(Peek().pos, "IN (subquery) is not supported yet; use a JOIN");
    }
    ExprPtr e = NewExpr(ExprKind::kInList, left->pos);
    e->negated = negated;
    e->args.push_back(std::move(left));
    do {
      ASSIGN_OR_RETURN(ExprPtr item, ParseExpr());
      e->args.push_back(std::move(item));
    } while (AcceptOp(","));
    if (!AcceptOp(")")) return Expected("',' or ')' in the IN list");
    return Finish(std::move(e));
  }
  if (t.Is("like") || t.Is("ilike")) {
    const bool ilike = Take().Is("ilike");
    ExprPtr e = NewExpr(ExprKind::kLike, left->pos);
    e->negated = negated;
    e->case_insensitive = ilike;
    ASSIGN_OR_RETURN(ExprPtr pattern, ParseConcat());
    if (Peek().Is("escape")) return UnsupportedError(Peek().pos, "LIKE ... ESCAPE is not supported yet");
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(pattern));
    return Finish(std::move(e));
  }
  return left;
}

Result<ExprPtr> Parser::ParseConcat() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseAdditive());
  while (Peek().IsOp("||")) {
    Take();
    ASSIGN_OR_RETURN(ExprPtr right, ParseAdditive());
    ASSIGN_OR_RETURN(left, Binary(BinaryOp::kConcat, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseAdditive() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseMultiplicative());
  while (Peek().IsOp("+") || Peek().IsOp("-")) {
    const BinaryOp op = Take().IsOp("+") ? BinaryOp::kAdd : BinaryOp::kSubtract;
    ASSIGN_OR_RETURN(ExprPtr right, ParseMultiplicative());
    ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseMultiplicative() {
  ASSIGN_OR_RETURN(ExprPtr left, ParseUnary());
  while (Peek().IsOp("*") || Peek().IsOp("/") || Peek().IsOp("%")) {
    const Token& t = Take();
    const BinaryOp op = t.IsOp("*") ? BinaryOp::kMultiply : t.IsOp("/") ? BinaryOp::kDivide : BinaryOp::kModulo;
    ASSIGN_OR_RETURN(ExprPtr right, ParseUnary());
    ASSIGN_OR_RETURN(left, Binary(op, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseUnary() {
  if (!Peek().IsOp("-") && !Peek().IsOp("+")) return ParsePostfix();
  NestGuard guard(this);
  if (guard.too_deep()) return TooDeep(Peek().pos);
  const Token& sign = Take();
  const bool minus = sign.IsOp("-");
  // -5 is one literal (so that -9223372036854775808 fits), unless a cast binds the number
  // first: -5::text is -(5::text).
  if (IsNumberToken(Peek()) && !Peek(1).IsOp("::") && !Peek(1).IsOp("[")) {
    const Token& number = Take();
    ASSIGN_OR_RETURN(ExprPtr lit, ParseNumber(number, minus));
    lit->pos = sign.pos;
    return lit;
  }
  ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary());
  if (!minus) return operand;
  ExprPtr e = NewExpr(ExprKind::kUnary, sign.pos);
  e->unary_op = UnaryOp::kNegate;
  e->args.push_back(std::move(operand));
  return Finish(std::move(e));
}

Result<ExprPtr> Parser::ParsePostfix() {
  ASSIGN_OR_RETURN(ExprPtr e, ParsePrimary());
  for (;;) {
    if (Peek().IsOp("::")) {
      Take();
      ExprPtr cast = NewExpr(ExprKind::kCast, e->pos);
      ASSIGN_OR_RETURN(cast->type_name, ParseTypeName());
      cast->args.push_back(std::move(e));
      ASSIGN_OR_RETURN(e, Finish(std::move(cast)));
    } else if (Peek().IsOp("[")) {
      return UnsupportedError(Peek().pos, "array subscripts are not supported yet");
    } else if (Peek().Is("at") && Peek(1).Is("time")) {
      return UnsupportedError(Peek().pos, "AT TIME ZONE is not supported yet (timestamps are UTC)");
    } else if (Peek().Is("collate")) {
      return UnsupportedError(Peek().pos, "COLLATE is not supported yet");
    } else {
      return e;
    }
  }
}

Result<ExprPtr> Parser::ParseNumber(const Token& t, bool negative) {
  ExprPtr e = NewExpr(ExprKind::kLiteral, t.pos);
  const std::string text = (negative ? "-" : "") + t.text;
  if (t.kind == TokenKind::kInteger) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size()) {
      return SyntaxError(t.pos, "integer " + QuoteForMessage(text, 40) + " is out of range for a 64-bit integer");
    }
    e->literal.kind = LiteralKind::kInteger;
    e->literal.int_value = v;
  } else {
    double v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v)) {
      return SyntaxError(t.pos, "number " + QuoteForMessage(text, 40) + " is out of range for a double");
    }
    e->literal.kind = LiteralKind::kFloat;
    e->literal.float_value = v;
  }
  e->literal.text = text;
  return e;
}

Result<ExprPtr> Parser::ParseTimeLiteral(Pos pos, bool interval) {
  ExprPtr e = NewExpr(ExprKind::kLiteral, pos);
  const Token& t = Peek();
  if (interval && t.kind == TokenKind::kInteger && IntervalUnitNs(Peek(1).text) != 0 &&
      Peek(1).kind == TokenKind::kIdent) {
    // DuckDB's INTERVAL 5 MINUTE.
    Take();
    const Token& unit = Take();
    auto ns = ParseIntervalText(t.text + " " + unit.text);
    if (!ns.ok()) return SyntaxError(t.pos, ns.status().message());
    e->literal.kind = LiteralKind::kInterval;
    e->literal.int_value = *ns;
    e->literal.text = t.text + " " + unit.text;
    return e;
  }
  if (t.kind != TokenKind::kString) {
    return Expected(interval ? "a string after INTERVAL (INTERVAL '5 minutes')"
                             : "a string after TIMESTAMP (TIMESTAMP '2026-03-02 14:30:00')");
  }
  Take();
  e->literal.text = t.text;
  if (!interval) {
    if (Peek().kind == TokenKind::kString) return Expected("one string after TIMESTAMP");
    auto ns = ParseTimestamp(t.text);
    if (!ns.ok()) return SyntaxError(t.pos, "TIMESTAMP literal: " + ns.status().message());
    e->literal.kind = LiteralKind::kTimestamp;
    e->literal.int_value = *ns;
    return e;
  }
  // INTERVAL '5' MINUTE: a unit word after the string applies to a bare number in it.
  int64_t unit_ns = 0;
  const bool bare_number = !t.text.empty() && t.text.find_first_not_of("0123456789") == std::string::npos;
  if (bare_number && Peek().kind == TokenKind::kIdent && (unit_ns = IntervalUnitNs(Peek().text)) != 0) Take();
  auto ns = ParseIntervalText(t.text, unit_ns);
  if (!ns.ok()) {
    return ns.status().code() == StatusCode::kUnsupported ? UnsupportedError(t.pos, ns.status().message())
                                                          : SyntaxError(t.pos, ns.status().message());
  }
  e->literal.kind = LiteralKind::kInterval;
  e->literal.int_value = *ns;
  return e;
}

Result<std::string> Parser::ParseTypeName() {
  const Token& t = Peek();
  if (t.kind != TokenKind::kIdent) return Expected("a type name");
  Take();
  std::string name = t.text;
  if (name == "double" && Accept("precision")) {
    name = "double precision";
  } else if (name == "character" && Accept("varying")) {
    name = "varchar";
  } else if ((name == "timestamp" || name == "time") && (Peek().Is("with") || Peek().Is("without"))) {
    const bool with = Take().Is("with");
    RETURN_IF_ERROR(ExpectWord("TIME"));
    RETURN_IF_ERROR(ExpectWord("ZONE"));
    name = with ? name + "tz" : name;
  }
  if (AcceptOp("(")) {
    name += "(";
    do {
      if (Peek().kind != TokenKind::kInteger) return Expected("an integer type modifier");
      if (name.back() != '(') name += ",";
      name += Take().text;
    } while (AcceptOp(","));
    RETURN_IF_ERROR(ExpectOp(")"));
    name += ")";
  }
  if (Peek().IsOp("[")) return UnsupportedError(Peek().pos, "array types are not supported yet");
  return name;
}

Result<ExprPtr> Parser::ParseCase(Pos pos) {
  ExprPtr e = NewExpr(ExprKind::kCase, pos);
  if (!Peek().Is("when")) {
    ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr());
    e->args.push_back(std::move(operand));
    e->has_operand = true;
  }
  if (!Peek().Is("when")) return Expected("WHEN");
  while (Accept("when")) {
    ASSIGN_OR_RETURN(ExprPtr when, ParseExpr());
    RETURN_IF_ERROR(ExpectWord("THEN"));
    ASSIGN_OR_RETURN(ExprPtr then, ParseExpr());
    e->args.push_back(std::move(when));
    e->args.push_back(std::move(then));
  }
  if (Accept("else")) {
    ASSIGN_OR_RETURN(ExprPtr other, ParseExpr());
    e->args.push_back(std::move(other));
    e->has_else = true;
  }
  if (!Accept("end")) return Expected(e->has_else ? "END" : "WHEN, ELSE or END");
  return Finish(std::move(e));
}

Result<ExprPtr> Parser::ParseFunctionCall(std::vector<std::string> name, Pos pos) {
  RETURN_IF_ERROR(ExpectOp("("));
  ExprPtr e = NewExpr(ExprKind::kFunction, pos);
  e->name = std::move(name);
  if (Peek().IsOp("*") && Peek(1).IsOp(")")) {
    Take();
    e->star_arg = true;
  } else if (!Peek().IsOp(")")) {
    if (Accept("distinct")) {
      e->distinct = true;
    } else {
      Accept("all");
    }
    do {
      ASSIGN_OR_RETURN(ExprPtr arg, ParseExpr());
      e->args.push_back(std::move(arg));
    } while (AcceptOp(","));
    if (Peek().Is("order")) return UnsupportedError(Peek().pos, "ORDER BY inside an aggregate is not supported yet");
  }
  if (!AcceptOp(")")) return Expected("',' or ')' after the arguments of " + QuoteForMessage(e->name.back(), 60));
  if (Peek().Is("filter")) return UnsupportedError(Peek().pos, "aggregate FILTER clauses are not supported yet");
  if (Peek().Is("within")) return UnsupportedError(Peek().pos, "WITHIN GROUP is not supported yet");
  if (Peek().Is("over")) return UnsupportedError(Peek().pos, "window functions are not supported yet");
  return Finish(std::move(e));
}

Result<ExprPtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kInteger:
    case TokenKind::kFloat: Take(); return ParseNumber(t, false);
    case TokenKind::kString: {
      Take();
      ExprPtr e = NewExpr(ExprKind::kLiteral, t.pos);
      e->literal.kind = LiteralKind::kString;
      e->literal.text = t.text;
      return e;
    }
    case TokenKind::kParam: {
      Take();
      int n = 0;
      auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), n);
      if (ec != std::errc() || n < 1 || n > 65535) {
        return SyntaxError(t.pos, "parameter $" + t.text.substr(0, 20) + " is out of range ($1 to $65535)");
      }
      ExprPtr e = NewExpr(ExprKind::kParameter, t.pos);
      e->param_index = n;
      return e;
    }
    case TokenKind::kOp:
      if (t.IsOp("(")) {
        Take();
        if (Peek().Is("select") || Peek().Is("with")) {
          return UnsupportedError(Peek().pos, "subqueries in expressions are not supported yet; use a JOIN or a CTE");
        }
        ASSIGN_OR_RETURN(ExprPtr inner, ParseExpr());
        if (Peek().IsOp(",")) return UnsupportedError(Peek().pos, "row constructors (a, b) are not supported yet");
        if (!AcceptOp(")")) return Expected("')'");
        return inner;
      }
      if (t.IsOp("*")) return Expected("an expression ('*' only stands alone in a select list or count(*))");
      if (t.IsOp("[")) return UnsupportedError(t.pos, "array literals are not supported yet");
      return Expected("an expression");
    case TokenKind::kEnd: return Expected("an expression");
    case TokenKind::kIdent:
    case TokenKind::kQuotedIdent: break;
  }
  const bool bare = t.kind == TokenKind::kIdent;
  if (bare) {
    if (t.Is("null") || t.Is("true") || t.Is("false")) {
      Take();
      ExprPtr e = NewExpr(ExprKind::kLiteral, t.pos);
      e->literal.kind = t.Is("null") ? LiteralKind::kNull : LiteralKind::kBool;
      e->literal.bool_value = t.Is("true");
      return e;
    }
    if ((t.Is("timestamp") || t.Is("interval")) &&
        (Peek(1).kind == TokenKind::kString || (t.Is("interval") && Peek(1).kind == TokenKind::kInteger))) {
      Take();
      return ParseTimeLiteral(t.pos, t.Is("interval"));
    }
    if ((t.Is("date") || t.Is("time") || t.Is("timestamptz")) && Peek(1).kind == TokenKind::kString) {
      Take();  // DATE '2026-03-02': PostgreSQL's typed literal, a cast of the string.
      ExprPtr e = NewExpr(ExprKind::kCast, t.pos);
      e->type_name = t.text;
      ExprPtr s = NewExpr(ExprKind::kLiteral, Peek().pos);
      s->literal.kind = LiteralKind::kString;
      s->literal.text = Take().text;
      e->args.push_back(std::move(s));
      return Finish(std::move(e));
    }
    if (t.Is("case")) {
      Take();
      return ParseCase(t.pos);
    }
    if (t.Is("cast") && Peek(1).IsOp("(")) {
      Take();
      Take();
      ExprPtr e = NewExpr(ExprKind::kCast, t.pos);
      ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr());
      RETURN_IF_ERROR(ExpectWord("AS"));
      ASSIGN_OR_RETURN(e->type_name, ParseTypeName());
      RETURN_IF_ERROR(ExpectOp(")"));
      e->args.push_back(std::move(operand));
      return Finish(std::move(e));
    }
    if (t.Is("extract") && Peek(1).IsOp("(")) {
      // EXTRACT(field FROM x) is date_part('field', x).
      Take();
      Take();
      const Token& field = Peek();
      if (!(field.kind == TokenKind::kString || (field.kind == TokenKind::kIdent && !IsReserved(field)))) {
        return Expected("a field name (EXTRACT(hour FROM ts))");
      }
      Take();
      RETURN_IF_ERROR(ExpectWord("FROM"));
      ASSIGN_OR_RETURN(ExprPtr operand, ParseExpr());
      RETURN_IF_ERROR(ExpectOp(")"));
      ExprPtr e = NewExpr(ExprKind::kFunction, t.pos);
      e->name = {"date_part"};
      ExprPtr f = NewExpr(ExprKind::kLiteral, field.pos);
      f->literal.kind = LiteralKind::kString;
      f->literal.text = field.text;
      e->args.push_back(std::move(f));
      e->args.push_back(std::move(operand));
      return Finish(std::move(e));
    }
    if (t.Is("exists")) return UnsupportedError(t.pos, "EXISTS subqueries are not supported yet");
    if (t.Is("array")) return UnsupportedError(t.pos, "arrays are not supported yet");
    if (t.Is("row") && Peek(1).IsOp("(")) return UnsupportedError(t.pos, "row constructors are not supported yet");
    if (IsReserved(t)) return Expected("an expression");
  }
  // A column reference or a function call: name[.name[.name]] [( ... )].
  std::vector<std::string> name;
  const Pos pos = t.pos;
  for (;;) {
    ASSIGN_OR_RETURN(std::string part, ParseIdentifier("a column or function name"));
    name.push_back(std::move(part));
    if (!Peek().IsOp(".")) break;
    if (Peek(1).IsOp("*")) return Expected("an expression ('t.*' only stands alone in a select list)");
    Take();
    if (name.size() == 3) return Expected("at most three name parts (schema.table.column)");
  }
  if (Peek().IsOp("(")) return ParseFunctionCall(std::move(name), pos);
  ExprPtr e = NewExpr(ExprKind::kColumnRef, pos);
  e->name = std::move(name);
  return e;
}

}  // namespace strata::sql::internal
