#include "sql/binder.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <optional>

#include "query/batch_stream.h"
#include "query/stats_aggregate.h"
#include "sql/binder_internal.h"
#include "sql/parser.h"
#include "sql/printer.h"
#include "sql/system_tables.h"
#include "strata/database.h"
#include "strata/timestamp.h"

namespace strata::sql {
namespace internal {

Status Err(const Pos& pos, const std::string& msg) { return Status::InvalidArgument(pos.ToString() + ": " + msg); }
Status NotYet(const Pos& pos, const std::string& what) {
  return Status::Unsupported(pos.ToString() + ": " + what + " is not supported yet");
}

std::string JoinNames(const std::vector<Field>& fields) {
  std::string out;
  for (const Field& f : fields) {
    if (f.name.rfind("__", 0) == 0) continue;
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

bool IsAggregateCall(const Expr& e) {
  if (e.kind != ExprKind::kFunction || e.name.size() != 1) return false;
  return q::ParseAggKind(e.name[0]).ok();
}

bool ContainsAggregate(const Expr& e) {
  if (IsAggregateCall(e)) return true;
  for (const ExprPtr& a : e.args) {
    if (a && ContainsAggregate(*a)) return true;
  }
  return false;
}

Result<q::Expr> ResolveColumn(const Expr& e, Scope& s) {
  if (s.rels != nullptr) return ResolveJoinColumn(e, s);
  std::string col;
  if (e.name.size() == 1) {
    col = e.name[0];
  } else if (e.name.size() == 2) {
    const std::string& qual = e.name[0];
    const std::string& want = s.alias.empty() ? s.source_name : s.alias;
    if (qual != want) {
      return Err(e.pos, "no table '" + qual + "' in FROM (the source is '" + want + "')");
    }
    col = e.name[1];
  } else {
    return Err(e.pos, "column names have at most one qualifier: '" + ToSql(e) + "'");
  }
  const int i = q::FindField(*s.fields, col);
  if (i < 0 || col.rfind("__", 0) == 0) {
    return Err(e.pos, "no column '" + col + "' in " + (s.source_name.empty() ? "the source" : s.source_name) +
                          " (columns: " + JoinNames(*s.fields) + ")");
  }
  if (s.used != nullptr && std::find(s.used->begin(), s.used->end(), col) == s.used->end()) s.used->push_back(col);
  return q::Col(col);
}

Result<q::Expr> TranslateLiteral(const Literal& l) {
  switch (l.kind) {
    case LiteralKind::kNull: return q::Lit(q::Value::Null());
    case LiteralKind::kBool: return q::Lit(q::Value::Bool(l.bool_value));
    case LiteralKind::kInteger:
      // DuckDB types an integer literal INTEGER when it fits, BIGINT otherwise.
      if (l.int_value >= std::numeric_limits<int32_t>::min() && l.int_value <= std::numeric_limits<int32_t>::max()) {
        return q::Lit(q::Value::Int32(static_cast<int32_t>(l.int_value)));
      }
      return q::Lit(q::Value::Int64(l.int_value));
    case LiteralKind::kFloat: return q::Lit(q::Value::Float64(l.float_value));
    case LiteralKind::kString: return q::Lit(q::Value::String(l.text));
    case LiteralKind::kTimestamp: return q::Lit(q::Value::Timestamp(l.int_value));
    case LiteralKind::kInterval: return q::Lit(q::Value::OfInterval(q::Interval{0, 0, l.int_value}));
  }
  return Status::Internal("unknown literal kind");
}

q::BinaryOp MapOp(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return q::BinaryOp::kAdd;
    case BinaryOp::kSubtract: return q::BinaryOp::kSub;
    case BinaryOp::kMultiply: return q::BinaryOp::kMul;
    case BinaryOp::kDivide: return q::BinaryOp::kDiv;
    case BinaryOp::kModulo: return q::BinaryOp::kMod;
    case BinaryOp::kConcat: return q::BinaryOp::kConcat;
    case BinaryOp::kEq: return q::BinaryOp::kEq;
    case BinaryOp::kNotEq: return q::BinaryOp::kNe;
    case BinaryOp::kLess: return q::BinaryOp::kLt;
    case BinaryOp::kLessEq: return q::BinaryOp::kLe;
    case BinaryOp::kGreater: return q::BinaryOp::kGt;
    case BinaryOp::kGreaterEq: return q::BinaryOp::kGe;
    default: return q::BinaryOp::kAdd;  // AND / OR are handled by the caller
  }
}

// An aggregate call after GROUP BY: its spec (deduplicated), as a column of the aggregate output.
Result<q::Expr> TranslateAggregate(const Expr& e, Scope& s) {
  for (size_t i = 0; i < s.agg_exprs->size(); ++i) {
    if (SameExpr(*(*s.agg_exprs)[i], e)) return q::Col("__a" + std::to_string(i));
  }
  Scope inner = s;
  inner.post_agg = false;
  inner.clause = "the argument of an aggregate";
  q::AggregateSpec spec;
  ASSIGN_OR_RETURN(spec.kind, q::ParseAggKind(e.name[0]));
  spec.distinct = e.distinct;
  const std::string fname = e.name[0];
  if (e.star_arg) {
    if (spec.kind != q::AggKind::kCount) return Err(e.pos, fname + "(*) is not an aggregate; only count(*) is");
    spec.kind = q::AggKind::kCountStar;
    if (e.distinct) return Err(e.pos, "count(DISTINCT *) is not valid SQL");
  } else {
    const size_t want = (spec.kind == q::AggKind::kArgMin || spec.kind == q::AggKind::kArgMax) ? 2 : 1;
    if (e.args.size() != want) {
      return Err(e.pos, fname + "() takes " + std::to_string(want) + " argument" + (want == 1 ? "" : "s") + ", not " +
                            std::to_string(e.args.size()));
    }
    ASSIGN_OR_RETURN(spec.arg, Translate(*e.args[0], inner));
    if (want == 2) {
      ASSIGN_OR_RETURN(spec.arg2, Translate(*e.args[1], inner));
    }
  }
  if ((spec.kind == q::AggKind::kFirst || spec.kind == q::AggKind::kLast) && !s.ts_column.empty()) {
    // first/last in time order: the scan is grouped by symbol, not ordered by time.
    spec.order = q::Col(s.ts_column);
    if (s.used != nullptr && std::find(s.used->begin(), s.used->end(), s.ts_column) == s.used->end()) {
      s.used->push_back(s.ts_column);
    }
  }
  const size_t index = s.aggs->size();
  spec.name = "__a" + std::to_string(index);
  if (spec.arg) spec.arg = q::At(spec.arg, e.pos.ToString());
  s.aggs->push_back(std::move(spec));
  s.agg_pos->push_back(e.pos);
  s.agg_exprs->push_back(&e);
  return q::Col("__a" + std::to_string(index));
}

Result<q::Expr> Translate(const Expr& e, Scope& s) {
  if (s.post_agg) {
    for (size_t i = 0; i < s.key_exprs->size(); ++i) {
      if ((*s.key_exprs)[i] != nullptr && SameExpr(*(*s.key_exprs)[i], e)) return q::Col("__k" + std::to_string(i));
    }
    if (IsAggregateCall(e)) return TranslateAggregate(e, s);
    if (s.sample_ts_key >= 0 && IsColumn(e, s.ts_column, s)) return q::Col("__k" + std::to_string(s.sample_ts_key));
    if (e.kind == ExprKind::kColumnRef) {
      // Check that the column exists first, for the better error.
      std::vector<std::string>* used = s.used;
      s.used = nullptr;
      Result<q::Expr> r = ResolveColumn(e, s);
      s.used = used;
      RETURN_IF_ERROR(r.status());
      return Err(e.pos, "column '" + ToSql(e) + "' must appear in GROUP BY or be used in an aggregate function");
    }
  } else if (IsAggregateCall(e)) {
    return Err(e.pos, std::string("aggregate functions are not allowed in ") + s.clause);
  }
  auto args = [&](size_t from) -> Result<std::vector<q::Expr>> {
    std::vector<q::Expr> out;
    for (size_t i = from; i < e.args.size(); ++i) {
      ASSIGN_OR_RETURN(q::Expr a, Translate(*e.args[i], s));
      out.push_back(std::move(a));
    }
    return out;
  };
  const std::string at = e.pos.ToString();
  switch (e.kind) {
    case ExprKind::kLiteral: return TranslateLiteral(e.literal);
    case ExprKind::kColumnRef: return ResolveColumn(e, s);
    case ExprKind::kStar: return Err(e.pos, "* is allowed only in the SELECT list and in count(*)");
    case ExprKind::kParameter: return NotYet(e.pos, "a parameter ($" + std::to_string(e.param_index) + ")");
    case ExprKind::kUnary: {
      ASSIGN_OR_RETURN(auto a, args(0));
      return q::At(e.unary_op == UnaryOp::kNot ? q::Not(a[0]) : q::Neg(a[0]), at);
    }
    case ExprKind::kBinary: {
      ASSIGN_OR_RETURN(auto a, args(0));
      if (e.binary_op == BinaryOp::kAnd) return q::And({a[0], a[1]});
      if (e.binary_op == BinaryOp::kOr) return q::Or({a[0], a[1]});
      return q::At(q::Binary(MapOp(e.binary_op), a[0], a[1]), at);
    }
    case ExprKind::kFunction: {
      if (e.name.size() != 1) return NotYet(e.pos, "the function '" + ToSql(e) + "'");
      if (e.star_arg) return Err(e.pos, e.name[0] + "(*) is not a function; only count(*) is");
      if (e.distinct) return Err(e.pos, "DISTINCT is allowed only in an aggregate, not in " + e.name[0] + "()");
      ASSIGN_OR_RETURN(auto a, args(0));
      return q::At(q::Func(e.name[0], std::move(a)), at);
    }
    case ExprKind::kCase: {
      ASSIGN_OR_RETURN(auto a, args(0));
      size_t i = 0;
      q::Expr operand;
      if (e.has_operand) operand = a[i++];
      const size_t end = e.has_else ? a.size() - 1 : a.size();
      std::vector<std::pair<q::Expr, q::Expr>> whens;
      for (; i + 2 <= end; i += 2) {
        q::Expr w = operand ? q::Binary(q::BinaryOp::kEq, operand, a[i]) : a[i];
        whens.emplace_back(w, a[i + 1]);
      }
      return q::At(q::Case(std::move(whens), e.has_else ? a.back() : nullptr), at);
    }
    case ExprKind::kCast: {
      ASSIGN_OR_RETURN(auto a, args(0));
      std::string type = e.type_name;
      if (size_t p = type.find('('); p != std::string::npos) type.resize(p);
      while (!type.empty() && type.back() == ' ') type.pop_back();
      Result<q::ExprType> t = q::ParseSqlType(type);
      if (!t.ok()) return Err(e.pos, t.status().message());
      return q::At(q::Cast(a[0], *t), at);
    }
    case ExprKind::kInList: {
      ASSIGN_OR_RETURN(auto a, args(0));
      q::Expr x = a[0];
      a.erase(a.begin());
      return q::At(q::In(x, std::move(a), e.negated), at);
    }
    case ExprKind::kBetween: {
      ASSIGN_OR_RETURN(auto a, args(0));
      return q::At(q::Between(a[0], a[1], a[2], e.negated), at);
    }
    case ExprKind::kIsNull: {
      ASSIGN_OR_RETURN(auto a, args(0));
      return q::IsNull(a[0], e.negated);
    }
    case ExprKind::kLike: {
      ASSIGN_OR_RETURN(auto a, args(0));
      return q::At(q::Like(a[0], a[1], e.negated, e.case_insensitive), at);
    }
  }
  return Status::Internal("unknown expression kind");
}

// ---- push-down of WHERE into the scan ----

void Conjuncts(const Expr* e, std::vector<const Expr*>* out) {
  if (e->kind == ExprKind::kBinary && e->binary_op == BinaryOp::kAnd) {
    Conjuncts(e->args[0].get(), out);
    Conjuncts(e->args[1].get(), out);
  } else {
    out->push_back(e);
  }
}

bool IsColumn(const Expr& e, const std::string& col, const Scope& s) {
  if (e.kind != ExprKind::kColumnRef) return false;
  if (e.name.size() == 1) return e.name[0] == col;
  if (e.name.size() == 2) return e.name[0] == (s.alias.empty() ? s.source_name : s.alias) && e.name[1] == col;
  return false;
}

// A TIMESTAMP literal or an ISO string that parses as one.
std::optional<int64_t> TimeConstant(const Expr& e) {
  if (e.kind != ExprKind::kLiteral) return std::nullopt;
  if (e.literal.kind == LiteralKind::kTimestamp) return e.literal.int_value;
  if (e.literal.kind == LiteralKind::kString) {
    Result<int64_t> t = ParseTimestamp(e.literal.text);
    if (t.ok()) return *t;
  }
  return std::nullopt;
}

int64_t NextNs(int64_t t) { return t == std::numeric_limits<int64_t>::max() ? t : t + 1; }

// True when `c` was pushed into `p` (and so needs no evaluation).
bool Push(const Expr& c, const std::string& ts, const std::string& sym, const Scope& s, Pushed* p) {
  if (c.kind == ExprKind::kBinary && c.args.size() == 2) {
    BinaryOp op = c.binary_op;
    const Expr* col = c.args[0].get();
    const Expr* lit = c.args[1].get();
    if (!IsColumn(*col, ts, s) && !IsColumn(*col, sym, s)) {
      std::swap(col, lit);
      switch (op) {  // L < ts  ==  ts > L
        case BinaryOp::kLess: op = BinaryOp::kGreater; break;
        case BinaryOp::kLessEq: op = BinaryOp::kGreaterEq; break;
        case BinaryOp::kGreater: op = BinaryOp::kLess; break;
        case BinaryOp::kGreaterEq: op = BinaryOp::kLessEq; break;
        default: break;
      }
    }
    if (IsColumn(*col, ts, s)) {
      std::optional<int64_t> t = TimeConstant(*lit);
      if (!t) return false;
      switch (op) {
        case BinaryOp::kEq:
          p->from = std::max(p->from, *t);
          p->to = std::min(p->to, NextNs(*t));
          return true;
        case BinaryOp::kGreaterEq: p->from = std::max(p->from, *t); return true;
        case BinaryOp::kGreater: p->from = std::max(p->from, NextNs(*t)); return true;
        case BinaryOp::kLess: p->to = std::min(p->to, *t); return true;
        case BinaryOp::kLessEq: p->to = std::min(p->to, NextNs(*t)); return true;
        default: return false;
      }
    }
    if (IsColumn(*col, sym, s) && op == BinaryOp::kEq && lit->kind == ExprKind::kLiteral &&
        lit->literal.kind == LiteralKind::kString) {
      std::vector<std::string> one = {lit->literal.text};
      if (p->has_symbols) {
        std::vector<std::string> both;
        std::set_intersection(p->symbols.begin(), p->symbols.end(), one.begin(), one.end(), std::back_inserter(both));
        p->symbols = std::move(both);
      } else {
        p->symbols = one;
      }
      p->has_symbols = true;
      return true;
    }
    return false;
  }
  if (c.kind == ExprKind::kBetween && !c.negated && IsColumn(*c.args[0], ts, s)) {
    std::optional<int64_t> lo = TimeConstant(*c.args[1]), hi = TimeConstant(*c.args[2]);
    if (!lo || !hi) return false;
    p->from = std::max(p->from, *lo);
    p->to = std::min(p->to, NextNs(*hi));
    return true;
  }
  if (c.kind == ExprKind::kInList && !c.negated && IsColumn(*c.args[0], sym, s)) {
    std::vector<std::string> list;
    for (size_t i = 1; i < c.args.size(); ++i) {
      const Expr& a = *c.args[i];
      if (a.kind != ExprKind::kLiteral || a.literal.kind != LiteralKind::kString) return false;
      list.push_back(a.literal.text);
    }
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    if (p->has_symbols) {
      std::vector<std::string> both;
      std::set_intersection(p->symbols.begin(), p->symbols.end(), list.begin(), list.end(), std::back_inserter(both));
      p->symbols = std::move(both);
    } else {
      p->symbols = std::move(list);
    }
    p->has_symbols = true;
    return true;
  }
  return false;
}

// True when `c` bounds the scan by a parameter (BindPrepared); its column is checked.
bool PushParameter(const Expr& c, const std::string& ts, const std::string& sym, const Scope& s,
                   std::vector<ParameterPush>* out) {
  using K = ParameterPush::Kind;
  auto is_param = [](const Expr& e) { return e.kind == ExprKind::kParameter; };
  if (c.kind == ExprKind::kBetween && !c.negated && IsColumn(*c.args[0], ts, s) && is_param(*c.args[1]) &&
      is_param(*c.args[2])) {
    out->push_back({K::kTsGreaterEq, c.args[1]->param_index});
    out->push_back({K::kTsLessEq, c.args[2]->param_index});
    return true;
  }
  if (c.kind != ExprKind::kBinary || c.args.size() != 2) return false;
  BinaryOp op = c.binary_op;
  const Expr* col = c.args[0].get();
  const Expr* param = c.args[1].get();
  if (is_param(*col)) {
    std::swap(col, param);
    switch (op) {  // $1 < ts  ==  ts > $1
      case BinaryOp::kLess: op = BinaryOp::kGreater; break;
      case BinaryOp::kLessEq: op = BinaryOp::kGreaterEq; break;
      case BinaryOp::kGreater: op = BinaryOp::kLess; break;
      case BinaryOp::kGreaterEq: op = BinaryOp::kLessEq; break;
      default: break;
    }
  }
  if (!is_param(*param)) return false;
  const int i = param->param_index;
  if (IsColumn(*col, sym, s) && op == BinaryOp::kEq) {
    out->push_back({K::kSymbolEq, i});
    return true;
  }
  if (!IsColumn(*col, ts, s)) return false;
  switch (op) {
    case BinaryOp::kEq: out->push_back({K::kTsEq, i}); return true;
    case BinaryOp::kGreaterEq: out->push_back({K::kTsGreaterEq, i}); return true;
    case BinaryOp::kGreater: out->push_back({K::kTsGreater, i}); return true;
    case BinaryOp::kLess: out->push_back({K::kTsLess, i}); return true;
    case BinaryOp::kLessEq: out->push_back({K::kTsLessEq, i}); return true;
    default: return false;
  }
}

// An integer LIMIT / OFFSET.
Result<int64_t> Count(const Expr& e, const char* what) {
  if (e.kind != ExprKind::kLiteral || e.literal.kind != LiteralKind::kInteger || e.literal.int_value < 0) {
    return Err(e.pos, std::string(what) + " must be a non-negative integer constant");
  }
  return e.literal.int_value;
}

// The default output name of a SELECT item.
std::string ItemName(const SelectItem& item) {
  if (!item.alias.empty()) return item.alias;
  if (item.expr->kind == ExprKind::kColumnRef) return item.expr->name.back();
  return ToSql(*item.expr);
}

using CteMap = std::map<std::string, const Cte*>;

Result<BoundSelect> Bind(const Query& query, const TableLookup& lookup, const CteMap& outer_ctes, bool prepared);

Status BindSource(const Query& query, const TableLookup& lookup, const CteMap& ctes, BoundSelect* b, Scope* s,
                  TableDef* def) {
  const TableRef& from = *query.from;
  if (from.kind == TableRefKind::kJoin) return Status::Internal("a join is bound by BindJoin");
  s->alias = from.alias;
  const Query* sub = nullptr;
  if (from.kind == TableRefKind::kSubquery) {
    sub = from.subquery.get();
    s->source_name = from.alias.empty() ? "the subquery" : from.alias;
  } else {
    if (from.name.size() != 1) return NotYet(from.pos, "a qualified table name ('" + from.name[0] + ".…')");
    auto cte = ctes.find(from.name[0]);
    if (cte != ctes.end()) {
      sub = cte->second->query.get();
      s->source_name = from.name[0];
      if (!cte->second->columns.empty()) return NotYet(cte->second->pos, "a column list on a CTE");
    } else {
      Result<TableDef> found = lookup(from.name[0]);
      if (!found.ok() && found.status().code() == StatusCode::kNotFound) {
        if (const SystemTable* sys = FindSystemTable(from.name[0])) {  // a table of that name wins
          s->source_name = sys->name;
          b->from_table = false;
          b->system_table = sys->name;
          b->source = sys->fields;
          return Status::OK();
        }
      }
      if (!found.ok()) {
        if (found.status().code() == StatusCode::kNotFound) {
          return Err(from.pos, "no table '" + from.name[0] + "' (SHOW TABLES lists them)");
        }
        return found.status();
      }
      *def = std::move(*found);
      s->source_name = def->name;
      s->ts_column = def->schema.field(def->schema.ts_index()).name;
      b->from_table = true;
      b->scan.table = def->name;
      b->source = def->schema.fields();
      return Status::OK();
    }
  }
  b->from_table = false;
  ASSIGN_OR_RETURN(BoundSelect inner, Bind(*sub, lookup, ctes));
  // Only the names of a subquery's columns matter for binding; types are checked when the
  // operators over its stream are built.
  for (const q::NamedExpr& ne : inner.output) b->source.push_back({ne.name, ColumnType::kInt64, true});
  b->subquery = std::make_shared<BoundSelect>(std::move(inner));
  return Status::OK();
}

Result<BoundSelect> Bind(const Query& query, const TableLookup& lookup, const CteMap& outer_ctes, bool prepared) {
  BoundSelect b;
  CteMap ctes = outer_ctes;
  for (const Cte& c : query.ctes) ctes[c.name] = &c;
  Scope s;
  std::vector<std::string> used;
  s.used = &used;
  TableDef def;
  std::vector<JoinRel> rels;
  if (query.from == nullptr) {
    b.no_from = true;
    b.from_table = false;
  } else if (query.from->kind == TableRefKind::kJoin) {
    RETURN_IF_ERROR(BindJoin(*query.from, lookup, ctes, &b, &s, &rels));
  } else {
    RETURN_IF_ERROR(BindSource(query, lookup, ctes, &b, &s, &def));
  }
  s.fields = &b.source;

  // WHERE: push what the scan can do, keep the rest.
  std::vector<const Expr*> residual;
  if (query.where) {
    if (ContainsAggregate(*query.where)) {
      const Expr* bad = query.where.get();
      return Err(bad->pos, "aggregate functions are not allowed in WHERE (use HAVING)");
    }
    std::vector<const Expr*> conj;
    Conjuncts(query.where.get(), &conj);
    Pushed pushed;
    if (b.join) RETURN_IF_ERROR(PushIntoJoin(conj, s, &rels, &residual));
    for (const Expr* c : b.join ? std::vector<const Expr*>{} : conj) {
      if (prepared && b.from_table &&
          PushParameter(*c, s.ts_column, def.schema.field(def.schema.symbol_index()).name, s, &b.parameter_pushes)) {
        continue;
      }
      if (b.from_table && Push(*c, s.ts_column, def.schema.field(def.schema.symbol_index()).name, s, &pushed)) {
        // Validate the column reference like any other (qualifier included).
        Scope check = s;
        check.used = nullptr;
        RETURN_IF_ERROR(Translate(*c, check).status());
        continue;
      }
      residual.push_back(c);
    }
    if (b.from_table) {
      b.scan.from_ts = pushed.from;
      b.scan.to_ts = pushed.to;
      b.scan.symbols = pushed.symbols;
      if (pushed.from >= pushed.to || (pushed.has_symbols && pushed.symbols.empty())) b.empty_range = true;
    }
    std::vector<q::Expr> parts;
    s.clause = "WHERE";
    for (const Expr* c : residual) {
      ASSIGN_OR_RETURN(q::Expr x, Translate(*c, s));
      parts.push_back(std::move(x));
    }
    if (parts.size() == 1) b.where = parts[0];
    if (parts.size() > 1) b.where = q::And(std::move(parts));
  }

  if (query.latest_on) RETURN_IF_ERROR(BindLatest(query, s, def, &b));

  // Is this an aggregate query?
  bool has_agg = !query.group_by.empty() || (query.having != nullptr) || query.sample_by.has_value();
  for (const SelectItem& it : query.select) has_agg = has_agg || ContainsAggregate(*it.expr);
  for (const OrderItem& o : query.order_by) has_agg = has_agg || ContainsAggregate(*o.expr);
  b.aggregate = has_agg;

  // The SELECT list, with * expanded.
  struct Item {
    const Expr* expr;  // null for a star-expanded column
    std::string name;
    std::string column;  // star: the source column
  };
  std::vector<Item> items;
  for (const SelectItem& it : query.select) {
    if (it.expr->kind == ExprKind::kStar) {
      if (has_agg) return Err(it.expr->pos, "* cannot be selected with GROUP BY or aggregates; name the columns");
      if (b.join) {
        ASSIGN_OR_RETURN(auto cols, ExpandJoinStar(*it.expr, rels));
        for (auto& [name, internal] : cols) {
          items.push_back({nullptr, name, internal});
          if (std::find(used.begin(), used.end(), internal) == used.end()) used.push_back(internal);
        }
        continue;
      }
      if (!it.expr->name.empty() && it.expr->name[0] != (s.alias.empty() ? s.source_name : s.alias)) {
        return Err(it.expr->pos, "no table '" + it.expr->name[0] + "' in FROM");
      }
      if (b.no_from) return Err(it.expr->pos, "SELECT * needs a FROM clause");
      for (const Field& f : b.source) {
        items.push_back({nullptr, f.name, f.name});
        if (std::find(used.begin(), used.end(), f.name) == used.end()) used.push_back(f.name);
      }
      continue;
    }
    items.push_back({it.expr.get(), ItemName(it), ""});
  }
  auto alias_item = [&](const Expr& e) -> const Expr* {
    if (e.kind != ExprKind::kColumnRef || e.name.size() != 1) return nullptr;
    for (size_t i = 0; i < query.select.size(); ++i) {
      if (query.select[i].alias == e.name[0]) return query.select[i].expr.get();
    }
    return nullptr;
  };
  auto ordinal_item = [&](const Expr& e, const char* clause) -> Result<const Expr*> {
    if (e.kind != ExprKind::kLiteral || e.literal.kind != LiteralKind::kInteger) return nullptr;
    const int64_t n = e.literal.int_value;
    if (n < 1 || n > static_cast<int64_t>(items.size())) {
      return Err(e.pos, std::string(clause) + " position " + std::to_string(n) + " is not in the SELECT list (1.." +
                            std::to_string(items.size()) + ")");
    }
    const Item& it = items[n - 1];
    if (it.expr == nullptr) return Err(e.pos, std::string(clause) + " position over * is not supported yet");
    return it.expr;
  };

  // SELECT DISTINCT: a GROUP BY of the SELECT list.
  if (query.distinct && has_agg) return NotYet(query.pos, "SELECT DISTINCT with GROUP BY or aggregates");
  const bool distinct = query.distinct;
  if (distinct) has_agg = b.aggregate = true;

  std::vector<const Expr*> key_exprs;
  std::vector<const Expr*> agg_exprs;
  Scope post = s;
  if (distinct) {
    s.clause = "SELECT DISTINCT";
    for (const Item& it : items) {
      q::Expr k = q::Col(it.column);
      if (it.expr != nullptr) {
        ASSIGN_OR_RETURN(k, Translate(*it.expr, s));
      }
      b.keys.push_back({"__k" + std::to_string(b.keys.size()), k});
      key_exprs.push_back(it.expr);
    }
  }
  if (has_agg) {
    s.clause = "GROUP BY";
    if (query.sample_by) {
      // The bucket of the table's ts, then the SELECT list's columns without aggregates.
      if (!query.group_by.empty()) return NotYet(query.group_by[0]->pos, "SAMPLE BY with GROUP BY");
      ASSIGN_OR_RETURN(q::Expr bucket, SampleBucket(query, s, b.from_table && !b.latest));
      b.keys.push_back({"__k0", bucket});
      key_exprs.push_back(nullptr);
      s.clause = "SAMPLE BY";
      for (const Item& it : items) {
        if (it.expr == nullptr || ContainsAggregate(*it.expr) || IsColumn(*it.expr, s.ts_column, s)) continue;
        ASSIGN_OR_RETURN(q::Expr k, Translate(*it.expr, s));
        b.keys.push_back({"__k" + std::to_string(b.keys.size()), k});
        key_exprs.push_back(it.expr);
      }
    }
    for (const ExprPtr& g : query.group_by) {
      ASSIGN_OR_RETURN(const Expr* target, ordinal_item(*g, "GROUP BY"));
      if (target == nullptr) {
        target = g.get();
        // GROUP BY alias, when the name is not a source column.
        if (g->kind == ExprKind::kColumnRef && g->name.size() == 1 && q::FindField(b.source, g->name[0]) < 0) {
          if (const Expr* a = alias_item(*g)) target = a;
        }
      }
      if (ContainsAggregate(*target)) return Err(g->pos, "aggregate functions are not allowed in GROUP BY");
      ASSIGN_OR_RETURN(q::Expr k, Translate(*target, s));
      b.keys.push_back({"__k" + std::to_string(b.keys.size()), k});
      key_exprs.push_back(target);
    }
    post = s;
    post.post_agg = true;
    post.key_exprs = &key_exprs;
    post.agg_exprs = &agg_exprs;
    post.aggs = &b.aggs;
    post.agg_pos = &b.agg_pos;
    if (query.sample_by) post.sample_ts_key = 0;
  }
  Scope& out_scope = has_agg ? post : s;
  out_scope.clause = "this clause";
  std::vector<int> agg_item;  // per aggregate: the SELECT item that first calls it (-1: none)
  for (const Item& it : items) {
    agg_item.resize(b.aggs.size(), -1);
    if (distinct) {
      b.output.push_back({it.name, q::Col("__k" + std::to_string(b.output.size()))});
      continue;
    }
    if (it.expr == nullptr) {
      b.output.push_back({it.name, q::Col(it.column)});
      continue;
    }
    ASSIGN_OR_RETURN(q::Expr x, Translate(*it.expr, out_scope));
    b.output.push_back({it.name, x});
    agg_item.resize(b.aggs.size(), static_cast<int>(b.output.size()) - 1);
  }
  agg_item.resize(b.aggs.size(), -1);
  if (query.having) {
    ASSIGN_OR_RETURN(b.having, Translate(*query.having, post));
  }
  for (const OrderItem& o : query.order_by) {
    ASSIGN_OR_RETURN(const Expr* target, ordinal_item(*o.expr, "ORDER BY"));
    q::SortKey key;
    if (target == nullptr && o.expr->kind == ExprKind::kColumnRef && o.expr->name.size() == 1) {
      // ORDER BY an output name: a star-expanded column or an alias.
      target = alias_item(*o.expr);
    }
    if (target == nullptr) target = o.expr.get();
    ASSIGN_OR_RETURN(key.expr, Translate(*target, out_scope));
    key.descending = o.descending;
    if (o.nulls != NullsOrder::kDefault) key.nulls_first = o.nulls == NullsOrder::kFirst;
    b.order.push_back(std::move(key));
  }
  if (query.limit) {
    ASSIGN_OR_RETURN(b.limit, Count(*query.limit, "LIMIT"));
  }
  if (query.offset) {
    ASSIGN_OR_RETURN(int64_t off, Count(*query.offset, "OFFSET"));
    b.offset = static_cast<uint64_t>(off);
  }

  if (has_agg && !b.join && !b.latest) {
    TryBars(query, s, def, key_exprs, agg_exprs, &b);
  }
  if (query.sample_by) RETURN_IF_ERROR(FinishSample(query, agg_item, &b));
  if (b.join) RETURN_IF_ERROR(FinishJoin(b.join.get(), rels, used));
  if (b.latest && std::find(used.begin(), used.end(), s.ts_column) == used.end()) used.push_back(s.ts_column);
  if (b.from_table) {
    // Read only the columns the query mentions (at least one, for count(*)).
    if (used.empty()) used.push_back(s.ts_column);
    b.scan.columns = used;
    std::vector<Field> pruned;
    for (const std::string& c : used) pruned.push_back(b.source[q::FindField(b.source, c)]);
    b.source = std::move(pruned);
    if (!b.where && !has_agg && !b.latest && b.order.empty() && b.limit > 0) {
      b.scan.limit = b.offset + static_cast<uint64_t>(b.limit);
    }
    b.from_stats = b.aggregate && !b.no_from && !b.join && b.system_table.empty() && b.keys.empty() && !b.where &&
                   !b.latest && !b.bars && !b.fill && !b.empty_range && q::StatsAnswerable(b.aggs);
  }
  return b;
}

Result<std::unique_ptr<q::BatchStream>> OneRowNoColumns() {
  std::vector<Field> f = {{"__one", ColumnType::kInt32, false}};
  RecordBatch batch(f);
  batch.column(0).AppendInt32(1);
  std::vector<RecordBatch> batches;
  batches.push_back(std::move(batch));
  return q::MakeVectorStream(f, std::move(batches));
}

// A binding error of the aggregate operator, at the position of the aggregate call it is about
// (found by binding each alone over no rows), without the internal column name.
Status AggregateError(const Status& st, const std::vector<Field>& fields, const BoundSelect& b) {
  for (size_t i = 0; i < b.aggs.size() && i < b.agg_pos.size(); ++i) {
    Result<std::unique_ptr<q::BatchStream>> one =
        q::MakeHashAggregateStream(q::MakeVectorStream(fields, {}), {}, {b.aggs[i]});
    if (one.ok()) continue;
    std::string msg = one.status().message();
    const std::string internal = b.aggs[i].name + " = ";
    for (size_t at; (at = msg.find(internal)) != std::string::npos;) msg.erase(at, internal.size());
    return Status(one.status().code(), b.agg_pos[i].ToString() + ": " + msg);
  }
  return st;
}

Result<std::unique_ptr<q::BatchStream>> Execute(Database* db, const BoundSelect& b, q::QueryPlan* plan) {
  using internal::ExplainStage;
  using internal::Stage;
  std::unique_ptr<q::BatchStream> in;
  if (b.no_from) {
    ASSIGN_OR_RETURN(in, OneRowNoColumns());
    in = ExplainStage(std::move(in), plan, b, Stage::kSource);
  } else if (b.join) {
    ASSIGN_OR_RETURN(in, ExecuteFrom(db, *b.join));
    in = ExplainStage(std::move(in), plan, b, Stage::kSource);
  } else if (!b.system_table.empty()) {
    ASSIGN_OR_RETURN(in, ScanSystemTable(db, b.system_table));
    in = ExplainStage(std::move(in), plan, b, Stage::kSource);
  } else if (!b.from_table) {
    ASSIGN_OR_RETURN(in, Execute(db, *b.subquery, plan));
  } else if (b.empty_range) {
    in = ExplainStage(q::MakeVectorStream(b.source, {}), plan, b, Stage::kSource);
  } else if (b.latest && b.latest->fast) {
    ASSIGN_OR_RETURN(in, LatestSource(db, b));
    in = ExplainStage(std::move(in), plan, b, Stage::kSource);
  } else if (b.bars) {
    ASSIGN_OR_RETURN(in, q::Execute(db, b.bars->plan, plan));
  } else if (b.from_stats) {
    // The aggregate itself, over statistics and the rows they do not cover.
    ASSIGN_OR_RETURN(in, q::ExecuteStatsAggregate(db, b.scan, b.aggs, plan));
    in = ExplainStage(std::move(in), plan, b, Stage::kAggregate);
  } else {
    ASSIGN_OR_RETURN(in, q::Execute(db, b.scan, plan));  // adds its own stages to the plan
  }
  if (b.where) {
    ASSIGN_OR_RETURN(in, q::MakeWhereStream(std::move(in), b.where));
    in = ExplainStage(std::move(in), plan, b, Stage::kWhere);
  }
  if (b.latest && !b.latest->fast) {
    ASSIGN_OR_RETURN(in, ApplyLatest(db, std::move(in), b));
  }
  if (b.bars && !b.empty_range) {
    ASSIGN_OR_RETURN(in, q::MakeComputeStream(std::move(in), b.bars->map));
  } else if (b.aggregate && !b.from_stats) {
    const std::vector<Field> fields = in->fields();
    Result<std::unique_ptr<q::BatchStream>> agg = q::MakeHashAggregateStream(std::move(in), b.keys, b.aggs);
    if (!agg.ok()) return AggregateError(agg.status(), fields, b);
    in = ExplainStage(std::move(*agg), plan, b, Stage::kAggregate);
  }
  if (b.fill) {
    ASSIGN_OR_RETURN(in, MakeFillStream(std::move(in), *b.fill));
  }
  if (b.having) {
    ASSIGN_OR_RETURN(in, q::MakeWhereStream(std::move(in), b.having));
    in = ExplainStage(std::move(in), plan, b, Stage::kHaving);
  }
  if (!b.order.empty()) {
    ASSIGN_OR_RETURN(in, q::MakeSortStream(std::move(in), b.order, b.offset, b.limit));
    in = ExplainStage(std::move(in), plan, b, Stage::kOrder);
  }
  ASSIGN_OR_RETURN(in, q::MakeComputeStream(std::move(in), b.output));
  in = ExplainStage(std::move(in), plan, b, Stage::kSelect);
  if (b.order.empty() && (b.offset > 0 || b.limit >= 0)) {
    in = ExplainStage(q::MakeOffsetLimitStream(std::move(in), b.offset, b.limit), plan, b, Stage::kLimit);
  }
  return in;
}

std::unique_ptr<q::BatchStream> StringTable(const std::vector<std::string>& names,
                                            const std::vector<std::vector<std::string>>& rows) {
  std::vector<Field> f;
  for (const std::string& n : names) f.push_back({n, ColumnType::kString, false});
  RecordBatch batch(f);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) batch.column(c).AppendString(row[c]);
  }
  std::vector<RecordBatch> batches;
  if (!rows.empty()) batches.push_back(std::move(batch));
  return q::MakeVectorStream(f, std::move(batches));
}

Result<q::Expr> TranslateConstant(const Expr& e) {
  static const std::vector<Field> kNoFields;
  Scope s;
  s.fields = &kNoFields;
  s.source_name = "VALUES";
  s.clause = "VALUES";
  return Translate(e, s);
}

}  // namespace internal

using namespace internal;  // NOLINT: the helpers above were this file's anonymous namespace

Result<BoundSelect> BindSelect(const Query& query, const TableLookup& lookup) { return Bind(query, lookup, {}); }

Result<BoundSelect> BindPrepared(const Query& query, const TableLookup& lookup) {
  // A parameter left anywhere but in a ParameterPush fails to translate ("a parameter ($n) is not
  // supported yet"), so binding succeeds only when every one of them bounds the scan.
  ASSIGN_OR_RETURN(BoundSelect b, Bind(query, lookup, {}, /*prepared=*/true));
  if (b.latest || b.bars) {
    return Status::Unsupported("a prepared statement with LATEST ON or bars is bound per execution");
  }
  return b;
}

Result<bool> ApplyParameters(BoundSelect* b, const std::vector<Literal>& values) {
  using K = ParameterPush::Kind;
  int64_t from = b->scan.from_ts, to = b->scan.to_ts;
  bool nothing = b->empty_range;
  // The symbols of literals in WHERE (empty: every symbol), narrowed by each symbol parameter.
  std::optional<std::vector<std::string>> symbols;
  if (!b->scan.symbols.empty()) symbols = b->scan.symbols;
  for (const ParameterPush& p : b->parameter_pushes) {
    if (p.index < 1 || static_cast<size_t>(p.index) > values.size()) {
      return Status::InvalidArgument("no value for parameter $" + std::to_string(p.index));
    }
    const Literal& v = values[p.index - 1];
    if (v.kind == LiteralKind::kNull) {  // compared with NULL: never true
      nothing = true;
      continue;
    }
    if (p.kind == K::kSymbolEq) {
      if (v.kind != LiteralKind::kString) return false;
      if (!symbols) {
        symbols = std::vector<std::string>{v.text};
      } else {
        const bool in = std::find(symbols->begin(), symbols->end(), v.text) != symbols->end();
        symbols = in ? std::vector<std::string>{v.text} : std::vector<std::string>{};
      }
      continue;
    }
    Expr e;
    e.kind = ExprKind::kLiteral;
    e.literal = v;
    std::optional<int64_t> t = TimeConstant(e);
    if (!t || *t == std::numeric_limits<int64_t>::max()) return false;  // NextNs saturates there: bind as text
    switch (p.kind) {
      case K::kTsEq:
        from = std::max(from, *t);
        to = std::min(to, *t + 1);
        break;
      case K::kTsGreaterEq: from = std::max(from, *t); break;
      case K::kTsGreater: from = std::max(from, *t + 1); break;
      case K::kTsLess: to = std::min(to, *t); break;
      case K::kTsLessEq: to = std::min(to, *t + 1); break;
      case K::kSymbolEq: break;
    }
  }
  if (symbols) {
    if (symbols->empty()) nothing = true;
    b->scan.symbols = std::move(*symbols);
  }
  b->scan.from_ts = from;
  b->scan.to_ts = to;
  if (from >= to) nothing = true;
  if (nothing) {
    b->empty_range = true;
    b->from_stats = false;  // as Bind decides for an empty range: the aggregate runs over no rows
  }
  return true;
}

Result<std::unique_ptr<query::BatchStream>> ExecuteSelect(Database* db, const BoundSelect& bound,
                                                          query::QueryPlan* explain) {
  return Execute(db, bound, explain);
}

Result<std::unique_ptr<query::BatchStream>> RunStatement(Database* db, const Statement& st) {
  switch (st.kind) {
    case StatementKind::kSelect: {
      TableLookup lookup = [db](std::string_view name) { return db->GetTable(name); };
      ASSIGN_OR_RETURN(BoundSelect b, BindSelect(*st.query, lookup));
      return ExecuteSelect(db, b);
    }
    case StatementKind::kShowTables: {
      ASSIGN_OR_RETURN(std::vector<TableDef> tables, db->ListTables());
      std::vector<std::vector<std::string>> rows;
      for (const TableDef& t : tables) rows.push_back({t.name});
      std::sort(rows.begin(), rows.end());
      return internal::StringTable({"name"}, rows);
    }
    case StatementKind::kDescribe: {
      if (st.table.size() != 1) return NotYet(st.pos, "DESCRIBE of a qualified name");
      Result<TableDef> def = db->GetTable(st.table[0]);
      if (!def.ok()) {
        if (def.status().code() == StatusCode::kNotFound) {
          return Err(st.pos, "no table '" + st.table[0] + "' (SHOW TABLES lists them)");
        }
        return def.status();
      }
      std::vector<std::vector<std::string>> rows;
      for (const Field& f : def->schema.fields()) {
        rows.push_back({f.name, FieldTypeName(f), f.nullable ? "YES" : "NO"});
      }
      return internal::StringTable({"column_name", "column_type", "null"}, rows);
    }
    case StatementKind::kInsert: return internal::RunInsert(db, st);
    case StatementKind::kExplain: return internal::RunExplain(db, st);
    case StatementKind::kAlterAddColumn: {
      if (st.table.size() != 1) return NotYet(st.pos, "ALTER TABLE of a qualified name");
      Result<query::ExprType> type = query::ParseSqlType(st.column_type);
      if (!type.ok()) return Err(st.pos, type.status().message());
      if (*type == query::ExprType::kInterval || *type == query::ExprType::kTimestamp ||
          *type == query::ExprType::kSymbol) {
        return Err(st.pos, "an added column cannot be of type " + st.column_type +
                               " (a table has one timestamp and one symbol column, given when it is created); use "
                               "BOOLEAN, INTEGER, BIGINT, DOUBLE or VARCHAR");
      }
      RETURN_IF_ERROR(db->AddColumn(st.table[0], st.columns.at(0), static_cast<ColumnType>(*type)));
      return internal::StringTable({"status"}, {{"ALTER TABLE"}});
    }
  }
  return Status::Internal("unknown statement kind");
}

Result<std::unique_ptr<query::BatchStream>> RunSql(Database* db, std::string_view text) {
  ASSIGN_OR_RETURN(Statement st, ParseStatement(text));
  return RunStatement(db, st);
}

}  // namespace strata::sql
