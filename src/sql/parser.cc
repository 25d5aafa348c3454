// Statements, queries and FROM clauses; expressions are in parser_expr.cc.
#include "sql/parser.h"

#include <algorithm>
#include <charconv>

#include "sql/literal.h"
#include "sql/parser_internal.h"

namespace strata::sql {
namespace internal {
namespace {

bool OneOf(const Token& t, std::initializer_list<std::string_view> words) {
  return t.kind == TokenKind::kIdent && std::find(words.begin(), words.end(), t.text) != words.end();
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Words that start a clause or a join: never taken as an alias without AS.
bool StartsClause(const Token& t) {
  return OneOf(t, {"sample", "latest", "fill", "align", "asof", "window", "limit", "offset", "fetch", "lt", "splice",
                   "tablesample", "returning", "qualify"});
}

}  // namespace

bool IsReserved(const Token& t) {
  return OneOf(
      t, {"select",    "from",    "where",  "group",     "having",  "order",   "limit",   "offset",     "union",
          "intersect", "except",  "join",   "inner",     "left",    "right",   "full",    "outer",      "cross",
          "natural",   "on",      "using",  "as",        "and",     "or",      "not",     "in",         "is",
          "null",      "true",    "false",  "case",      "when",    "then",    "else",    "end",        "distinct",
          "all",       "with",    "asc",    "desc",      "into",    "values",  "between", "like",       "ilike",
          "similar",   "cast",    "exists", "any",       "some",    "array",   "over",    "window",     "fetch",
          "for",       "lateral", "by",     "returning", "collate", "default", "escape",  "tablesample"});
}

bool Parser::Accept(std::string_view word) {
  if (!Peek().Is(word)) return false;
  Take();
  return true;
}

bool Parser::AcceptOp(std::string_view op) {
  if (!Peek().IsOp(op)) return false;
  Take();
  return true;
}

Status Parser::ExpectWord(std::string_view word) {
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (Accept(lower)) return Status::OK();
  return Expected(word);
}

Status Parser::ExpectOp(std::string_view op) {
  if (AcceptOp(op)) return Status::OK();
  return Expected("'" + std::string(op) + "'");
}

std::string Parser::Describe(const Token& t) const {
  if (t.kind == TokenKind::kEnd) return "end of input";
  if (t.kind == TokenKind::kString) return "string " + QuoteForMessage(t.text, 40);
  return QuoteForMessage(source_.substr(t.begin, t.end - t.begin), 40);
}

Status Parser::Expected(std::string_view what) const { return ExpectedAt(Peek(), what); }

Status Parser::ExpectedAt(const Token& t, std::string_view what) const {
  return SyntaxError(t.pos, "expected " + std::string(what) + ", found " + Describe(t));
}

Result<std::string> Parser::ParseIdentifier(std::string_view what) {
  const Token& t = Peek();
  if (t.kind == TokenKind::kQuotedIdent || (t.kind == TokenKind::kIdent && !IsReserved(t))) {
    Take();
    return t.text;
  }
  if (t.kind == TokenKind::kIdent) {
    return SyntaxError(t.pos, "expected " + std::string(what) + ", found the keyword " + Describe(t) +
                                  " (quote it to use it as a name: \"" + t.text + "\")");
  }
  return Expected(what);
}

Result<std::vector<std::string>> Parser::ParseQualifiedName(std::string_view what) {
  std::vector<std::string> name;
  ASSIGN_OR_RETURN(std::string first, ParseIdentifier(what));
  name.push_back(std::move(first));
  while (Peek().IsOp(".")) {
    if (name.size() == 3) return Expected("at most three name parts");
    Take();
    ASSIGN_OR_RETURN(std::string part, ParseIdentifier(what));
    name.push_back(std::move(part));
  }
  return name;
}

// After '(': name {, name} ')'.
Result<std::vector<std::string>> Parser::ParseIdentList() {
  std::vector<std::string> out;
  do {
    ASSIGN_OR_RETURN(std::string name, ParseIdentifier("a column name"));
    out.push_back(std::move(name));
  } while (AcceptOp(","));
  if (!AcceptOp(")")) return Expected("',' or ')'");
  return out;
}

Result<std::string> Parser::ParseAlias(bool* found, Pos* pos, std::string_view follow) {
  *found = false;
  *pos = Peek().pos;
  if (Accept("as")) {
    *found = true;
    return ParseIdentifier("an alias after AS");
  }
  const Token& t = Peek();
  const bool candidate =
      t.kind == TokenKind::kQuotedIdent || (t.kind == TokenKind::kIdent && !IsReserved(t) && !StartsClause(t));
  if (!candidate) return std::string();
  Take();
  // "SELECT count(*) FORM trades": an alias cannot be followed by a name or a literal, so the
  // "alias" was a misspelt keyword; say so at the word itself.
  const Token& next = Peek();
  if (next.kind == TokenKind::kQuotedIdent || next.kind == TokenKind::kString || next.kind == TokenKind::kInteger ||
      next.kind == TokenKind::kFloat || (next.kind == TokenKind::kIdent && !IsReserved(next) && !StartsClause(next))) {
    return ExpectedAt(t, std::string(follow) + " or end of statement");
  }
  *found = true;
  return t.text;
}

Status Parser::RefuseSetOperation() const {
  const Token& t = Peek();
  if (OneOf(t, {"union", "intersect", "except"})) {
    return UnsupportedError(t.pos, Upper(t.text) + " is not supported yet");
  }
  return Status::OK();
}

Result<SelectItem> Parser::ParseSelectItem() {
  SelectItem item;
  // * or name.name.*
  size_t k = 0;
  while ((Peek(k).kind == TokenKind::kIdent || Peek(k).kind == TokenKind::kQuotedIdent) && Peek(k + 1).IsOp(".")) {
    k += 2;
  }
  if (Peek(k).IsOp("*")) {
    auto star = std::make_unique<Expr>();
    star->kind = ExprKind::kStar;
    star->pos = Peek().pos;
    for (size_t j = 0; j < k; j += 2) {
      ASSIGN_OR_RETURN(std::string part, ParseIdentifier("a table name"));
      star->name.push_back(std::move(part));
      Take();  // '.'
    }
    Take();  // '*'
    if (star->name.size() > 2) return SyntaxError(star->pos, "expected at most schema.table before '.*'");
    if (Peek().Is("exclude") || Peek().Is("replace")) {
      return UnsupportedError(Peek().pos, "* EXCLUDE/REPLACE is not supported yet");
    }
    item.expr = std::move(star);
    return item;
  }
  ASSIGN_OR_RETURN(item.expr, ParseExpr());
  bool found;
  ASSIGN_OR_RETURN(item.alias, ParseAlias(&found, &item.alias_pos, "FROM"));
  return item;
}

Result<std::unique_ptr<TableRef>> Parser::ParseTablePrimary() {
  NestGuard guard(this);
  if (guard.too_deep()) return TooDeep(Peek().pos);
  auto ref = std::make_unique<TableRef>();
  const Token& t = Peek();
  ref->pos = t.pos;
  if (t.IsOp("(")) {
    if (Peek(1).Is("select") || Peek(1).Is("with")) {
      Take();
      ref->kind = TableRefKind::kSubquery;
      ASSIGN_OR_RETURN(ref->subquery, ParseQuery());
      if (!AcceptOp(")")) return Expected(follow_ + " or ')' ending the subquery");
    } else if (Peek(1).Is("values")) {
      return UnsupportedError(Peek(1).pos, "VALUES lists in FROM are not supported yet");
    } else {
      return UnsupportedError(t.pos, "parenthesized joins in FROM are not supported yet");
    }
  } else if (t.Is("lateral")) {
    return UnsupportedError(t.pos, "LATERAL is not supported yet");
  } else if (t.Is("values")) {
    return UnsupportedError(t.pos, "VALUES lists in FROM are not supported yet");
  } else {
    ASSIGN_OR_RETURN(ref->name, ParseQualifiedName("a table name or '(' SELECT"));
    if (Peek().IsOp("(")) {
      return UnsupportedError(t.pos, "table functions (" + ref->name.back() + "(...)) are not supported yet");
    }
  }
  bool found;
  Pos alias_pos;
  ASSIGN_OR_RETURN(ref->alias, ParseAlias(&found, &alias_pos, "JOIN, WHERE, GROUP BY, ORDER BY, LIMIT"));
  if (found && Peek().IsOp("(")) {
    return UnsupportedError(Peek().pos, "column aliases in FROM (t(a, b)) are not supported yet");
  }
  if (Peek().Is("tablesample")) return UnsupportedError(Peek().pos, "TABLESAMPLE is not supported yet");
  return ref;
}

Result<std::unique_ptr<TableRef>> Parser::ParseFrom() {
  ASSIGN_OR_RETURN(std::unique_ptr<TableRef> left, ParseTablePrimary());
  for (;;) {
    const Token& t = Peek();
    JoinKind kind;
    if (t.Is("join")) {
      Take();
      kind = JoinKind::kInner;
    } else if (t.Is("inner")) {
      Take();
      RETURN_IF_ERROR(ExpectWord("JOIN"));
      kind = JoinKind::kInner;
    } else if (t.Is("left")) {
      Take();
      if (Peek().Is("asof")) return UnsupportedError(t.pos, "LEFT ASOF JOIN is not supported; write ASOF LEFT JOIN");
      Accept("outer");
      RETURN_IF_ERROR(ExpectWord("JOIN"));
      kind = JoinKind::kLeft;
    } else if (t.Is("asof")) {
      Take();
      kind = Accept("left") ? JoinKind::kAsofLeft : JoinKind::kAsof;
      RETURN_IF_ERROR(ExpectWord("JOIN"));
    } else if (OneOf(t, {"right", "full", "cross", "natural"})) {
      return UnsupportedError(t.pos, Upper(t.text) + " JOIN is not supported yet");
    } else if (OneOf(t, {"lt", "splice"}) && Peek(1).Is("join")) {
      return UnsupportedError(t.pos, Upper(t.text) + " JOIN is not supported yet");
    } else if (t.IsOp(",")) {
      return UnsupportedError(t.pos,
                              "comma-separated FROM lists (implicit cross joins) are not supported yet; "
                              "use JOIN ... ON");
    } else {
      break;
    }
    if (Peek().Is("lateral")) return UnsupportedError(Peek().pos, "LATERAL is not supported yet");
    ASSIGN_OR_RETURN(std::unique_ptr<TableRef> right, ParseTablePrimary());
    auto join = std::make_unique<TableRef>();
    join->kind = TableRefKind::kJoin;
    join->pos = left->pos;
    join->join = kind;
    join->join_pos = t.pos;
    join->height = std::max(left->height, right->height) + 1;
    if (join->height > kMaxSqlNesting) return TooDeep(t.pos);
    join->left = std::move(left);
    join->right = std::move(right);
    if (Accept("on")) {
      // QuestDB's ASOF JOIN b ON (symbol[, ...]): a list of column names, then the clause ends.
      size_t k = 1;
      bool names = kind == JoinKind::kAsof && Peek().IsOp("(");  // not after ASOF LEFT (DuckDB's)
      while (names) {
        const Token& n = Peek(k);
        if (!(n.kind == TokenKind::kQuotedIdent || (n.kind == TokenKind::kIdent && !IsReserved(n)))) break;
        if (Peek(k + 1).IsOp(",")) {
          k += 2;
          continue;
        }
        const Token& after = Peek(k + 2);
        names = Peek(k + 1).IsOp(")") &&
                (after.kind == TokenKind::kEnd || after.IsOp(";") || after.IsOp(")") || after.IsOp(",") ||
                 OneOf(after, {"where",  "group", "order",     "limit",   "offset", "join",   "inner",  "left",
                               "right",  "full",  "cross",     "natural", "asof",   "sample", "latest", "having",
                               "window", "union", "intersect", "except",  "fetch",  "for",    "lt",     "splice"}));
        break;
      }
      if (names) {
        Take();
        ASSIGN_OR_RETURN(join->using_columns, ParseIdentList());
      } else {
        ASSIGN_OR_RETURN(join->on, ParseExpr());
      }
    } else if (Peek().Is("using")) {
      if (kind == JoinKind::kAsof || kind == JoinKind::kAsofLeft) {
        return UnsupportedError(Peek().pos,
                                "ASOF JOIN ... USING is not supported yet; use ON t.symbol = q.symbol AND t.ts >= q.ts "
                                "or QuestDB's ON (symbol)");
      }
      Take();
      RETURN_IF_ERROR(ExpectOp("("));
      ASSIGN_OR_RETURN(join->using_columns, ParseIdentList());
    } else if (kind != JoinKind::kAsof) {
      return Expected("ON or USING after the joined table");  // ASOF LEFT JOIN too (DuckDB needs ON)
    }  // else QuestDB's ASOF JOIN without a key: matched on the timestamp alone
    left = std::move(join);
  }
  follow_ = "JOIN, WHERE, GROUP BY, ORDER BY, LIMIT";
  return left;
}

Status Parser::ParseSampleBy(Query* q) {
  SampleBy s;
  s.pos = Take().pos;
  RETURN_IF_ERROR(ExpectWord("BY"));
  const Token& n = Peek();
  const std::string kWhat = "a SAMPLE BY step such as 1m, 15s, 1h or 1d";
  if (n.kind != TokenKind::kInteger) return Expected(kWhat);
  Take();
  const Token& unit = Peek();
  if (unit.kind != TokenKind::kIdent || unit.begin != n.end) return ExpectedAt(n, kWhat);
  Take();
  int64_t count = 0;
  auto [p, ec] = std::from_chars(n.text.data(), n.text.data() + n.text.size(), count);
  if (ec != std::errc()) return SyntaxError(n.pos, "SAMPLE BY step too large");
  auto step = ParseSampleStep(count, source_.substr(unit.begin, unit.end - unit.begin));
  if (!step.ok()) {
    return step.status().code() == StatusCode::kUnsupported ? UnsupportedError(n.pos, step.status().message())
                                                            : SyntaxError(n.pos, step.status().message());
  }
  s.step_ns = *step;
  if (Peek().Is("from") || Peek().Is("to")) {
    return UnsupportedError(Peek().pos, "SAMPLE BY ... FROM/TO is not supported yet; filter with WHERE");
  }
  if (Accept("fill")) {
    RETURN_IF_ERROR(ExpectOp("("));
    do {
      Fill f;
      f.pos = Peek().pos;
      if (Accept("null")) {
        f.kind = FillKind::kNull;
      } else if (Accept("prev")) {
        f.kind = FillKind::kPrev;
      } else if (Accept("linear")) {
        f.kind = FillKind::kLinear;
      } else if (Accept("none")) {
        f.kind = FillKind::kNone;
      } else {
        f.kind = FillKind::kValue;
        ASSIGN_OR_RETURN(f.value, ParseExpr());
        if (f.value->kind != ExprKind::kLiteral) {
          return SyntaxError(f.pos, "expected NULL, PREV, LINEAR, NONE or a constant in FILL");
        }
      }
      s.fills.push_back(std::move(f));
    } while (AcceptOp(","));
    if (!AcceptOp(")")) return Expected("',' or ')' in FILL");
  }
  if (Accept("align")) {
    RETURN_IF_ERROR(ExpectWord("TO"));
    s.align_explicit = true;
    if (Accept("calendar")) {
      s.align_calendar = true;
      if (Peek().Is("time")) {
        return UnsupportedError(Peek().pos, "ALIGN TO CALENDAR TIME ZONE is not supported yet (timestamps are UTC)");
      }
      if (Peek().Is("with")) return UnsupportedError(Peek().pos, "ALIGN TO CALENDAR WITH OFFSET is not supported yet");
    } else if (Accept("first")) {
      RETURN_IF_ERROR(ExpectWord("OBSERVATION"));
      s.align_calendar = false;
    } else {
      return Expected("CALENDAR or FIRST OBSERVATION after ALIGN TO");
    }
  }
  q->sample_by = std::move(s);
  return Status::OK();
}

Status Parser::ParseLatestOn(Query* q) {
  LatestOn l;
  l.pos = Take().pos;
  if (Peek().Is("by")) {
    return UnsupportedError(Peek().pos, "LATEST BY is QuestDB's old form; use LATEST ON ts PARTITION BY sym");
  }
  RETURN_IF_ERROR(ExpectWord("ON"));
  const auto column = [&]() -> Result<ExprPtr> {
    const Pos pos = Peek().pos;
    ASSIGN_OR_RETURN(ExprPtr e, ParsePrimary());
    if (e->kind != ExprKind::kColumnRef) return SyntaxError(pos, "expected a column name in LATEST ON");
    return e;
  };
  ASSIGN_OR_RETURN(l.timestamp, column());
  RETURN_IF_ERROR(ExpectWord("PARTITION"));
  RETURN_IF_ERROR(ExpectWord("BY"));
  do {
    ASSIGN_OR_RETURN(ExprPtr c, column());
    l.partition_by.push_back(std::move(c));
  } while (AcceptOp(","));
  q->latest_on = std::move(l);
  return Status::OK();
}

Status Parser::ParseSelectBody(Query* q) {
  Take();  // SELECT
  if (Accept("distinct")) {
    if (Peek().Is("on")) return UnsupportedError(Peek().pos, "DISTINCT ON is not supported yet");
    q->distinct = true;
  } else {
    Accept("all");
  }
  do {
    ASSIGN_OR_RETURN(SelectItem item, ParseSelectItem());
    q->select.push_back(std::move(item));
  } while (AcceptOp(","));
  follow_ = "FROM";
  if (Peek().Is("into"))
    return UnsupportedError(Peek().pos, "SELECT INTO is not supported; use INSERT INTO ... SELECT");
  if (Accept("from")) {
    ASSIGN_OR_RETURN(q->from, ParseFrom());
  }
  if (Accept("where")) {
    ASSIGN_OR_RETURN(q->where, ParseExpr());
    follow_ = "GROUP BY, ORDER BY, LIMIT";
  }
  if (Peek().Is("latest")) {
    RETURN_IF_ERROR(ParseLatestOn(q));
    follow_ = "SAMPLE BY, ORDER BY, LIMIT";
  }
  if (Peek().Is("sample")) {
    RETURN_IF_ERROR(ParseSampleBy(q));
    follow_ = "ORDER BY, LIMIT";
  }
  if (Accept("group")) {
    RETURN_IF_ERROR(ExpectWord("BY"));
    if ((OneOf(Peek(), {"rollup", "cube"}) && Peek(1).IsOp("(")) || (Peek().Is("grouping") && Peek(1).Is("sets"))) {
      return UnsupportedError(Peek().pos, "ROLLUP, CUBE and GROUPING SETS are not supported yet");
    }
    if (Peek().Is("all")) return UnsupportedError(Peek().pos, "GROUP BY ALL is not supported yet; list the columns");
    do {
      ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
      q->group_by.push_back(std::move(e));
    } while (AcceptOp(","));
    follow_ = "HAVING, ORDER BY, LIMIT";
  }
  if (Accept("having")) {
    ASSIGN_OR_RETURN(q->having, ParseExpr());
    follow_ = "ORDER BY, LIMIT";
  }
  if (Peek().Is("window"))
    return UnsupportedError(Peek().pos, "window functions are not supported yet (WINDOW clause)");
  if (Peek().Is("qualify")) return UnsupportedError(Peek().pos, "QUALIFY is not supported yet");
  RETURN_IF_ERROR(RefuseSetOperation());
  if (Accept("order")) {
    RETURN_IF_ERROR(ExpectWord("BY"));
    do {
      OrderItem item;
      ASSIGN_OR_RETURN(item.expr, ParseExpr());
      if (Accept("desc")) {
        item.descending = true;
      } else {
        Accept("asc");
      }
      if (Peek().Is("using")) return UnsupportedError(Peek().pos, "ORDER BY ... USING is not supported yet");
      if (Accept("nulls")) {
        if (Accept("first")) {
          item.nulls = NullsOrder::kFirst;
        } else if (Accept("last")) {
          item.nulls = NullsOrder::kLast;
        } else {
          return Expected("FIRST or LAST after NULLS");
        }
      }
      q->order_by.push_back(std::move(item));
    } while (AcceptOp(","));
    follow_ = "LIMIT";
  }
  for (;;) {
    if (Peek().Is("limit")) {
      if (q->limit) return SyntaxError(Peek().pos, "LIMIT given twice");
      Take();
      if (Accept("all")) continue;
      ASSIGN_OR_RETURN(q->limit, ParseExpr());
      if (Peek().IsOp(",")) {
        return UnsupportedError(Peek().pos, "LIMIT a, b is not supported; use LIMIT n OFFSET m");
      }
      follow_ = "OFFSET";
    } else if (Peek().Is("offset")) {
      if (q->offset) return SyntaxError(Peek().pos, "OFFSET given twice");
      Take();
      ASSIGN_OR_RETURN(q->offset, ParseExpr());
      if (!Accept("rows")) Accept("row");
      follow_ = q->limit ? "" : "LIMIT";
    } else {
      break;
    }
  }
  if (Peek().Is("fetch")) return UnsupportedError(Peek().pos, "FETCH FIRST is not supported yet; use LIMIT");
  if (Peek().Is("for")) return UnsupportedError(Peek().pos, "FOR UPDATE/SHARE is not supported");
  if (Peek().Is("latest") || Peek().Is("sample")) {
    return SyntaxError(Peek().pos, Upper(Peek().text) + " must come right after WHERE (before GROUP BY and ORDER BY)");
  }
  return RefuseSetOperation();
}

Result<std::unique_ptr<Query>> Parser::ParseQuery() {
  NestGuard guard(this);
  if (guard.too_deep()) return TooDeep(Peek().pos);
  auto q = std::make_unique<Query>();
  q->pos = Peek().pos;
  if (Accept("with")) {
    if (Peek().Is("recursive")) return UnsupportedError(Peek().pos, "WITH RECURSIVE is not supported yet");
    do {
      Cte cte;
      cte.pos = Peek().pos;
      ASSIGN_OR_RETURN(cte.name, ParseIdentifier("a name for the WITH query"));
      if (AcceptOp("(")) {
        ASSIGN_OR_RETURN(cte.columns, ParseIdentList());
      }
      RETURN_IF_ERROR(ExpectWord("AS"));
      if (Peek().Is("materialized") || Peek().Is("not")) {
        return UnsupportedError(Peek().pos, "[NOT] MATERIALIZED is not supported yet");
      }
      RETURN_IF_ERROR(ExpectOp("("));
      if (!Peek().Is("select") && !Peek().Is("with")) return Expected("SELECT");
      ASSIGN_OR_RETURN(cte.query, ParseQuery());
      if (!AcceptOp(")")) return Expected(follow_ + " or ')' ending the WITH query");
      q->ctes.push_back(std::move(cte));
    } while (AcceptOp(","));
  }
  if (Peek().Is("values")) return UnsupportedError(Peek().pos, "VALUES as a query is not supported yet");
  if (!Peek().Is("select")) return Expected(q->ctes.empty() ? "SELECT" : "',' or SELECT after the WITH queries");
  RETURN_IF_ERROR(ParseSelectBody(q.get()));
  return q;
}

Result<Statement> Parser::ParseStatement() {
  Statement s;
  const Token& t = Peek();
  s.pos = t.pos;
  follow_.clear();
  if (t.Is("select") || t.Is("with")) {
    s.kind = StatementKind::kSelect;
    ASSIGN_OR_RETURN(s.query, ParseQuery());
  } else if (t.Is("insert")) {
    Take();
    s.kind = StatementKind::kInsert;
    RETURN_IF_ERROR(ExpectWord("INTO"));
    ASSIGN_OR_RETURN(s.table, ParseQualifiedName("a table name"));
    if (AcceptOp("(")) {
      ASSIGN_OR_RETURN(s.columns, ParseIdentList());
    }
    if (Accept("values")) {
      do {
        RETURN_IF_ERROR(ExpectOp("("));
        std::vector<ExprPtr> row;
        do {
          if (Peek().Is("default")) return UnsupportedError(Peek().pos, "DEFAULT in VALUES is not supported yet");
          ASSIGN_OR_RETURN(ExprPtr e, ParseExpr());
          row.push_back(std::move(e));
        } while (AcceptOp(","));
        if (!AcceptOp(")")) return Expected("',' or ')' in the VALUES row");
        s.values.push_back(std::move(row));
      } while (AcceptOp(","));
      follow_ = "','";
    } else if (Peek().Is("select") || Peek().Is("with")) {
      ASSIGN_OR_RETURN(s.query, ParseQuery());
    } else if (Peek().Is("default")) {
      return UnsupportedError(Peek().pos, "INSERT ... DEFAULT VALUES is not supported yet");
    } else {
      return Expected(s.columns.empty() ? "'(', VALUES or SELECT" : "VALUES or SELECT");
    }
    if (Peek().Is("on")) return UnsupportedError(Peek().pos, "INSERT ... ON CONFLICT is not supported yet");
    if (Peek().Is("returning")) return UnsupportedError(Peek().pos, "INSERT ... RETURNING is not supported yet");
  } else if (t.Is("show")) {
    Take();
    s.kind = StatementKind::kShowTables;
    if (!Accept("tables")) {
      if (Peek().kind == TokenKind::kIdent) {
        return UnsupportedError(Peek().pos, "SHOW " + Upper(Peek().text) + " is not supported yet (SHOW TABLES is)");
      }
      return Expected("TABLES");
    }
  } else if (t.Is("describe") || t.Is("desc")) {
    Take();
    s.kind = StatementKind::kDescribe;
    if (Peek().Is("select") || Peek().Is("with")) {
      return UnsupportedError(Peek().pos, "DESCRIBE of a query is not supported yet; DESCRIBE a table");
    }
    ASSIGN_OR_RETURN(s.table, ParseQualifiedName("a table name"));
  } else if (t.Is("explain")) {
    Take();
    s.kind = StatementKind::kExplain;
    if (Peek().IsOp("(")) return UnsupportedError(Peek().pos, "EXPLAIN options (...) are not supported yet");
    s.analyze = Accept("analyze");
    if (Peek().Is("verbose")) return UnsupportedError(Peek().pos, "EXPLAIN VERBOSE is not supported yet");
    if (Peek().Is("select") || Peek().Is("with")) {
      ASSIGN_OR_RETURN(s.query, ParseQuery());
    } else if (Peek().kind == TokenKind::kIdent && OneOf(Peek(), {"insert", "update", "delete", "show", "describe"})) {
      return UnsupportedError(Peek().pos, "EXPLAIN " + Upper(Peek().text) + " is not supported yet; EXPLAIN a SELECT");
    } else {
      return Expected("SELECT or WITH after EXPLAIN");
    }
  } else if (t.Is("alter") && Peek(1).Is("table")) {
    // ALTER TABLE t ADD [COLUMN] c TYPE [NULL]: a nullable column (Database::AddColumn).
    Take();
    Take();
    s.kind = StatementKind::kAlterAddColumn;
    ASSIGN_OR_RETURN(s.table, ParseQualifiedName("a table name"));
    if (!Peek().Is("add")) {
      if (Peek().kind == TokenKind::kIdent) {
        return UnsupportedError(Peek().pos, "ALTER TABLE ... " + Upper(Peek().text) +
                                                " is not supported yet (ALTER TABLE ... ADD COLUMN is)");
      }
      return Expected("ADD");
    }
    Take();
    Accept("column");
    if (Peek().Is("if")) return UnsupportedError(Peek().pos, "ADD COLUMN IF NOT EXISTS is not supported yet");
    ASSIGN_OR_RETURN(std::string column, ParseIdentifier("a column name"));
    s.columns.push_back(std::move(column));
    ASSIGN_OR_RETURN(s.column_type, ParseTypeName());
    if (Peek().Is("not")) return UnsupportedError(Peek().pos, "an added column is nullable: NOT NULL is not supported");
    if (Peek().Is("default")) return UnsupportedError(Peek().pos, "DEFAULT for an added column is not supported yet");
    Accept("null");
  } else if (OneOf(t,
                   {"update",     "delete",  "create",     "drop",    "alter",    "copy",     "truncate", "set",
                    "reset",      "begin",   "start",      "commit",  "rollback", "end",      "abort",    "savepoint",
                    "release",    "grant",   "revoke",     "vacuum",  "analyze",  "merge",    "call",     "do",
                    "prepare",    "execute", "deallocate", "listen",  "notify",   "unlisten", "lock",     "discard",
                    "checkpoint", "attach",  "detach",     "pragma",  "install",  "load",     "export",   "import",
                    "use",        "comment", "refresh",    "cluster", "reindex"})) {
    return UnsupportedError(t.pos, Upper(t.text) + " statements are not supported yet");
  } else if (t.Is("values")) {
    return UnsupportedError(t.pos, "VALUES as a query is not supported yet");
  } else {
    return Expected("SELECT, WITH, INSERT, SHOW TABLES, DESCRIBE, EXPLAIN or ALTER TABLE");
  }
  if (!AtStatementEnd()) return Expected(follow_.empty() ? "end of statement" : follow_ + " or end of statement");
  return s;
}

}  // namespace internal

Result<Statement> ParseStatement(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  internal::Parser p(text, std::move(tokens));
  if (p.AtStatementEnd()) return p.Expected("a statement");
  ASSIGN_OR_RETURN(Statement s, p.ParseStatement());
  while (p.AcceptOp(";")) {
  }
  if (!p.AtEnd()) return p.Expected("end of input after ';' (one statement at a time)");
  return s;
}

Result<std::vector<Statement>> ParseScript(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  internal::Parser p(text, std::move(tokens));
  std::vector<Statement> out;
  for (;;) {
    while (p.AcceptOp(";")) {
    }
    if (p.AtEnd()) return out;
    ASSIGN_OR_RETURN(Statement s, p.ParseStatement());
    out.push_back(std::move(s));
  }
}

Result<ExprPtr> ParseExpression(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  internal::Parser p(text, std::move(tokens));
  ASSIGN_OR_RETURN(ExprPtr e, p.ParseExpr());
  if (!p.AtEnd()) return p.Expected("end of expression");
  return e;
}

}  // namespace strata::sql
