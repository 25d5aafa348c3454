// Joins in FROM: inner and left equi-joins (query/hash_join.h) and ASOF JOIN (query/asof.h, or the
// engine's as-of plan when both sides are tables). Each table or subquery of the join tree is a
// JoinRel whose columns travel in the joined stream as `<qual>.<column>`, so that `t.price` and
// `q.price` stay apart; the SELECT list gives them their plain names back.
#include <algorithm>
#include <set>

#include "query/asof.h"
#include "query/batch_stream.h"
#include "query/hash_join.h"
#include "query/project.h"
#include "query/sort.h"
#include "sql/binder_internal.h"
#include "sql/printer.h"
#include "strata/database.h"

namespace strata::sql::internal {

namespace {

std::string RelColumnList(const std::vector<JoinRel>& rels) {
  std::string out;
  for (const JoinRel& r : rels) {
    if (!out.empty()) out += "; ";
    out += r.qual + ":";
    for (size_t i = 0; i < r.columns.size(); ++i) {
      if (r.columns[i].rfind("__", 0) == 0) continue;
      out += (i == 0 ? " " : ", ") + r.columns[i];
    }
  }
  return out;
}

int ColumnIndex(const JoinRel& r, const std::string& col) {
  for (size_t i = 0; i < r.columns.size(); ++i) {
    if (r.columns[i] == col) return static_cast<int>(i);
  }
  return -1;
}

// The relation a column reference names, or -1 (unknown or ambiguous: Translate says which).
int RelOfColumn(const Expr& e, const std::vector<JoinRel>& rels) {
  int found = -1;
  if (e.name.size() == 1) {
    for (size_t r = 0; r < rels.size(); ++r) {
      const int i = ColumnIndex(rels[r], e.name[0]);
      if (i < 0 || rels[r].hidden[i]) continue;
      if (found >= 0) return -1;
      found = static_cast<int>(r);
    }
  } else if (e.name.size() == 2) {
    for (size_t r = 0; r < rels.size(); ++r) {
      if (rels[r].qual == e.name[0] && ColumnIndex(rels[r], e.name[1]) >= 0) found = static_cast<int>(r);
    }
  }
  return found;
}

void RelsOf(const Expr& e, const std::vector<JoinRel>& rels, std::set<int>* out) {
  if (e.kind == ExprKind::kColumnRef) out->insert(RelOfColumn(e, rels));
  for (const ExprPtr& a : e.args) {
    if (a) RelsOf(*a, rels, out);
  }
}

// Which side of a join [lo, mid) | [mid, hi) an expression's columns are on: -1 left, 1 right,
// 0 both or none.
int SideOf(const Expr& e, const std::vector<JoinRel>& rels, int lo, int mid, int hi) {
  std::set<int> refs;
  RelsOf(e, rels, &refs);
  if (refs.empty()) return 0;
  bool left = false, right = false;
  for (int r : refs) {
    if (r >= lo && r < mid) {
      left = true;
    } else if (r >= mid && r < hi) {
      right = true;
    } else {
      return 0;
    }
  }
  return left == right ? 0 : (left ? -1 : 1);
}

const char* JoinName(JoinKind k) {
  switch (k) {
    case JoinKind::kInner: return "JOIN";
    case JoinKind::kLeft: return "LEFT JOIN";
    case JoinKind::kAsof: return "ASOF JOIN";
    case JoinKind::kAsofLeft: return "ASOF LEFT JOIN";
  }
  return "JOIN";
}

struct JoinBinder {
  const TableLookup& lookup;
  const CteMap& ctes;
  Scope* s;
  std::vector<JoinRel>* rels;
  std::vector<Field>* fields;  // the joined stream's fields (internal names)

  Result<std::shared_ptr<BoundFrom>> Leaf(const TableRef& ref, bool pushable) {
    auto leaf = std::make_shared<BoundFrom>();
    JoinRel rel;
    rel.pushable = pushable;
    const Query* sub = nullptr;
    std::string name;
    std::vector<Field> typed;
    if (ref.kind == TableRefKind::kSubquery) {
      sub = ref.subquery.get();
      if (ref.alias.empty()) return Err(ref.pos, "a subquery in a join needs an alias: (SELECT ...) AS name");
      name = ref.alias;
    } else {
      if (ref.name.size() != 1) return NotYet(ref.pos, "a qualified table name ('" + ref.name[0] + ".…')");
      name = ref.alias.empty() ? ref.name[0] : ref.alias;
      auto cte = ctes.find(ref.name[0]);
      if (cte != ctes.end()) {
        if (!cte->second->columns.empty()) return NotYet(cte->second->pos, "a column list on a CTE");
        sub = cte->second->query.get();
      } else {
        Result<TableDef> def = lookup(ref.name[0]);
        if (!def.ok()) {
          if (def.status().code() == StatusCode::kNotFound) {
            return Err(ref.pos, "no table '" + ref.name[0] + "' (SHOW TABLES lists them)");
          }
          return def.status();
        }
        leaf->kind = BoundFrom::Kind::kScan;
        leaf->scan.table = def->name;
        leaf->scan_fields = def->schema.fields();
        leaf->ts_column = def->schema.field(def->schema.ts_index()).name;
        leaf->symbol_column = def->schema.field(def->schema.symbol_index()).name;
        rel.ts = leaf->ts_column;
        rel.symbol = leaf->symbol_column;
        typed = def->schema.fields();
      }
    }
    if (sub != nullptr) {
      ASSIGN_OR_RETURN(BoundSelect inner, Bind(*sub, lookup, ctes));
      for (const q::NamedExpr& ne : inner.output) typed.push_back({ne.name, ColumnType::kInt64, true});
      leaf->kind = BoundFrom::Kind::kSubquery;
      leaf->subquery = std::make_shared<BoundSelect>(std::move(inner));
    }
    for (const JoinRel& r : *rels) {
      if (r.qual == name) {
        return Err(ref.pos, "the name '" + name + "' appears twice in FROM; give one of them an alias");
      }
    }
    rel.qual = name;
    leaf->qual = name;
    rel.leaf = leaf.get();
    for (const Field& f : typed) {
      rel.columns.push_back(f.name);
      rel.hidden.push_back(false);
      fields->push_back({rel.Internal(f.name), f.type, f.nullable});
    }
    rels->push_back(std::move(rel));
    return leaf;
  }

  Result<std::shared_ptr<BoundFrom>> Item(const TableRef& ref, bool pushable) {
    if (ref.kind != TableRefKind::kJoin) return Leaf(ref, pushable);
    const bool inner = ref.join == JoinKind::kInner;
    const int lo = static_cast<int>(rels->size());
    ASSIGN_OR_RETURN(std::shared_ptr<BoundFrom> left, Item(*ref.left, pushable));
    const int mid = static_cast<int>(rels->size());
    ASSIGN_OR_RETURN(std::shared_ptr<BoundFrom> right, Item(*ref.right, pushable && inner));
    const int hi = static_cast<int>(rels->size());
    auto node = std::make_shared<BoundFrom>();
    node->kind = BoundFrom::Kind::kJoin;
    node->join = ref.join;
    node->left = left;
    node->right = right;
    Scope js = *s;
    js.rels = rels;
    js.clause = "a join condition";
    if (ref.join == JoinKind::kAsof || ref.join == JoinKind::kAsofLeft) {
      RETURN_IF_ERROR(Asof(ref, node.get(), js, lo, mid, hi));
    } else {
      RETURN_IF_ERROR(Equi(ref, node.get(), js, lo, mid, hi));
    }
    return node;
  }

  // The one column a USING name is on one side of the join.
  Result<int> UsingSide(const TableRef& ref, const std::string& col, int lo, int hi, const char* side) {
    int found = -1;
    for (int r = lo; r < hi; ++r) {
      const int i = ColumnIndex((*rels)[r], col);
      if (i < 0 || (*rels)[r].hidden[i]) continue;
      if (found >= 0) return Err(ref.join_pos, "USING column '" + col + "' is ambiguous on the " + side + " side");
      found = r;
    }
    if (found < 0) return Err(ref.join_pos, "USING column '" + col + "' is not on the " + side + " side of the join");
    return found;
  }

  Status Equi(const TableRef& ref, BoundFrom* node, Scope& js, int lo, int mid, int hi) {
    std::vector<q::Expr> filters;
    if (!ref.using_columns.empty()) {
      for (const std::string& col : ref.using_columns) {
        ASSIGN_OR_RETURN(int l, UsingSide(ref, col, lo, mid, "left"));
        ASSIGN_OR_RETURN(int r, UsingSide(ref, col, mid, hi, "right"));
        JoinRel& rr = (*rels)[r];
        rr.hidden[ColumnIndex(rr, col)] = true;  // `col` and * mean the left one
        const std::string li = (*rels)[l].Internal(col), ri = rr.Internal(col);
        for (const std::string& n : {li, ri}) {
          if (std::find(s->used->begin(), s->used->end(), n) == s->used->end()) s->used->push_back(n);
        }
        node->keys.emplace_back(q::Col(li), q::Col(ri));
      }
      return Status::OK();
    }
    std::vector<const Expr*> conj;
    Conjuncts(ref.on.get(), &conj);
    for (const Expr* c : conj) {
      if (ContainsAggregate(*c)) return Err(c->pos, "aggregate functions are not allowed in a join condition");
      const bool eq = c->kind == ExprKind::kBinary && c->binary_op == BinaryOp::kEq;
      const int a = eq ? SideOf(*c->args[0], *rels, lo, mid, hi) : 0;
      const int b = eq ? SideOf(*c->args[1], *rels, lo, mid, hi) : 0;
      if (eq && a != 0 && b == -a) {
        ASSIGN_OR_RETURN(q::Expr x, Translate(*c->args[0], js));
        ASSIGN_OR_RETURN(q::Expr y, Translate(*c->args[1], js));
        if (a > 0) std::swap(x, y);
        node->keys.emplace_back(q::At(x, c->pos.ToString()), y);
        continue;
      }
      ASSIGN_OR_RETURN(q::Expr f, Translate(*c, js));
      if (ref.join == JoinKind::kLeft) {
        return NotYet(c->pos,
                      "a LEFT JOIN condition other than an equality between the two sides ('" + ToSql(*c) + "')");
      }
      filters.push_back(f);
    }
    if (node->keys.empty()) {
      return NotYet(ref.join_pos,
                    std::string(JoinName(ref.join)) + " without an equality between its two sides (a cross join)");
    }
    if (filters.size() == 1) node->filter = filters[0];
    if (filters.size() > 1) node->filter = q::And(std::move(filters));
    return Status::OK();
  }

  // The relation a plain column reference of an ASOF condition is on, checked to be a table's
  // `want` column (symbol or ts) when the side is a table.
  Result<int> AsofColumn(const Expr& e, Scope& js, const char* what) {
    if (e.kind != ExprKind::kColumnRef) {
      return NotYet(e.pos, std::string("an ASOF JOIN condition on an expression ('") + ToSql(e) + "'); compare the " +
                               what + " columns");
    }
    RETURN_IF_ERROR(Translate(e, js).status());
    const int r = RelOfColumn(e, *rels);
    const JoinRel& rel = (*rels)[r];
    const std::string& want = std::string(what) == "symbol" ? rel.symbol : rel.ts;
    if (!want.empty() && e.name.back() != want) {
      return NotYet(e.pos, std::string("ASOF JOIN on '") + ToSql(e) + "' (it matches on the tables' " + what +
                               " columns: " + rel.qual + "." + want + ")");
    }
    return r;
  }

  void Use(const std::string& internal) {
    if (std::find(s->used->begin(), s->used->end(), internal) == s->used->end()) s->used->push_back(internal);
  }

  Status Asof(const TableRef& ref, BoundFrom* node, Scope& js, int lo, int mid, int hi) {
    js.used = nullptr;  // the columns the operator needs are added below; the right symbol only if asked for
    if (ref.on == nullptr) {
      if (ref.using_columns.empty()) {
        return NotYet(ref.join_pos, "ASOF JOIN without ON (a match on the timestamp alone, across symbols)");
      }
      // QuestDB: ASOF JOIN q ON (symbol): every left row, with the last right row at or before it.
      if (ref.using_columns.size() != 1) {
        return NotYet(ref.join_pos, "ASOF JOIN ON more than one column (it matches on the symbol only)");
      }
      const JoinRel& l = (*rels)[lo];
      const JoinRel& r = (*rels)[mid];
      if (mid - lo != 1 || hi - mid != 1 || l.ts.empty() || r.ts.empty()) {
        return NotYet(ref.join_pos,
                      "QuestDB's ASOF JOIN ... ON (col) over a subquery or a join; write ON a.symbol = b.symbol AND "
                      "a.ts >= b.ts");
      }
      const std::string& col = ref.using_columns[0];
      if (col != l.symbol || col != r.symbol) {
        return NotYet(ref.join_pos, "ASOF JOIN ON (" + col + ") (it matches on the tables' symbol columns: " +
                                        l.symbol + ", " + r.symbol + ")");
      }
      node->join = JoinKind::kAsofLeft;  // QuestDB keeps every left row
      node->direction = q::AsofDirection::kPrev;
      node->left_symbol = l.Internal(l.symbol);
      node->left_ts = l.Internal(l.ts);
      node->right_symbol = r.Internal(r.symbol);
      node->right_ts = r.Internal(r.ts);
      (*rels)[mid].hidden[ColumnIndex(r, col)] = true;  // like USING: `symbol` and * mean the left one
    } else {
      std::vector<const Expr*> conj;
      Conjuncts(ref.on.get(), &conj);
      const Expr* eq = nullptr;
      const Expr* ineq = nullptr;
      for (const Expr* c : conj) {
        const bool bin = c->kind == ExprKind::kBinary;
        if (bin && c->binary_op == BinaryOp::kEq) {
          if (eq != nullptr) return NotYet(c->pos, "ASOF JOIN on more than one equality (it matches on the symbol)");
          eq = c;
        } else if (bin && (c->binary_op == BinaryOp::kGreaterEq || c->binary_op == BinaryOp::kLessEq ||
                           c->binary_op == BinaryOp::kGreater || c->binary_op == BinaryOp::kLess)) {
          if (ineq != nullptr) return NotYet(c->pos, "ASOF JOIN with more than one inequality");
          ineq = c;
        } else {
          return NotYet(
              c->pos, "an ASOF JOIN condition other than symbol equality and a time inequality ('" + ToSql(*c) + "')");
        }
      }
      if (ineq == nullptr) return NotYet(ref.join_pos, "ASOF JOIN without a time inequality (t.ts >= q.ts)");
      if (eq == nullptr) {
        return NotYet(ref.join_pos, "ASOF JOIN without an equality on the symbol (t.symbol = q.symbol)");
      }
      ASSIGN_OR_RETURN(int a, AsofColumn(*eq->args[0], js, "symbol"));
      ASSIGN_OR_RETURN(int b, AsofColumn(*eq->args[1], js, "symbol"));
      const bool a_left = a >= lo && a < mid;
      if (a_left == (b >= lo && b < mid)) {
        return Err(eq->pos, "the ASOF JOIN equality must compare a column of each side");
      }
      const Expr* ls = a_left ? eq->args[0].get() : eq->args[1].get();
      const Expr* rs = a_left ? eq->args[1].get() : eq->args[0].get();
      ASSIGN_OR_RETURN(int c, AsofColumn(*ineq->args[0], js, "timestamp"));
      ASSIGN_OR_RETURN(int d, AsofColumn(*ineq->args[1], js, "timestamp"));
      const bool c_left = c >= lo && c < mid;
      if (c_left == (d >= lo && d < mid)) {
        return Err(ineq->pos, "the ASOF JOIN inequality must compare a column of each side");
      }
      BinaryOp op = ineq->binary_op;
      if (!c_left) {  // q.ts <= t.ts  ==  t.ts >= q.ts
        op = op == BinaryOp::kLessEq      ? BinaryOp::kGreaterEq
             : op == BinaryOp::kGreaterEq ? BinaryOp::kLessEq
             : op == BinaryOp::kLess      ? BinaryOp::kGreater
                                          : BinaryOp::kLess;
      }
      if (op == BinaryOp::kGreater || op == BinaryOp::kLess) {
        return NotYet(ineq->pos, std::string("ASOF JOIN with a strict inequality (") + BinaryOpText(ineq->binary_op) +
                                     "); use >= or <=");
      }
      node->direction = op == BinaryOp::kGreaterEq ? q::AsofDirection::kPrev : q::AsofDirection::kNext;
      auto internal = [&](const Expr& e) { return (*rels)[RelOfColumn(e, *rels)].Internal(e.name.back()); };
      const Expr* lt = c_left ? ineq->args[0].get() : ineq->args[1].get();
      const Expr* rt = c_left ? ineq->args[1].get() : ineq->args[0].get();
      node->left_symbol = internal(*ls);
      node->right_symbol = internal(*rs);
      node->left_ts = internal(*lt);
      node->right_ts = internal(*rt);
    }
    // The operator needs the symbols and timestamps; its output has no right symbol: when the
    // query uses it, it is made from the left one (FinishJoin).
    return Status::OK();
  }
};

std::vector<Field> TypedFields(const BoundFrom& leaf) {
  std::vector<Field> out;
  for (const std::string& c : leaf.scan.columns) {
    out.push_back(leaf.scan_fields[q::FindField(leaf.scan_fields, c)]);
  }
  return out;
}

// Orders a side that is not a table scan by (symbol, ts), as the as-of merge needs.
Result<std::unique_ptr<q::BatchStream>> Grouped(std::unique_ptr<q::BatchStream> in, const BoundFrom& side,
                                                const std::string& sym, const std::string& ts) {
  if (side.kind == BoundFrom::Kind::kScan) return in;
  return q::MakeSortStream(std::move(in), {{q::Col(sym)}, {q::Col(ts)}});
}

Status CheckAsofSide(const std::vector<Field>& fields, const std::string& sym, const std::string& ts) {
  const int s = q::FindField(fields, sym), t = q::FindField(fields, ts);
  if (s < 0 || s != q::SymbolField(fields) || fields[s].type != ColumnType::kSymbol) {
    return Status::InvalidArgument("ASOF JOIN: '" + sym + "' must be the first column of type symbol of its side");
  }
  if (t < 0 || t != q::TimestampField(fields)) {
    return Status::InvalidArgument("ASOF JOIN: '" + ts + "' must be the first timestamp column of its side");
  }
  return Status::OK();
}

}  // namespace

Status BindJoin(const TableRef& from, const TableLookup& lookup, const CteMap& ctes, BoundSelect* b, Scope* s,
                std::vector<JoinRel>* rels) {
  b->from_table = false;
  s->rels = rels;
  s->source_name.clear();
  s->alias.clear();
  JoinBinder jb{lookup, ctes, s, rels, &b->source};
  ASSIGN_OR_RETURN(b->join, jb.Item(from, true));
  // first()/last() in time order: the leftmost table's timestamp.
  if (!rels->front().ts.empty()) s->ts_column = rels->front().Internal(rels->front().ts);
  return Status::OK();
}

Result<q::Expr> ResolveJoinColumn(const Expr& e, Scope& s) {
  const std::vector<JoinRel>& rels = *s.rels;
  std::string internal;
  if (e.name.size() == 1) {
    std::vector<const JoinRel*> found;
    for (const JoinRel& r : rels) {
      const int i = ColumnIndex(r, e.name[0]);
      if (i >= 0 && !r.hidden[i]) found.push_back(&r);
    }
    if (found.empty() || e.name[0].rfind("__", 0) == 0) {
      return Err(e.pos, "no column '" + e.name[0] + "' in FROM (" + RelColumnList(rels) + ")");
    }
    if (found.size() > 1) {
      return Err(e.pos, "column reference '" + e.name[0] + "' is ambiguous (in " + found[0]->qual + " and " +
                            found[1]->qual + "); qualify it: " + found[0]->qual + "." + e.name[0]);
    }
    internal = found[0]->Internal(e.name[0]);
  } else if (e.name.size() == 2) {
    const JoinRel* rel = nullptr;
    std::string quals;
    for (const JoinRel& r : rels) {
      if (r.qual == e.name[0]) rel = &r;
      quals += (quals.empty() ? "" : ", ") + r.qual;
    }
    if (rel == nullptr) return Err(e.pos, "no table '" + e.name[0] + "' in FROM (tables: " + quals + ")");
    if (ColumnIndex(*rel, e.name[1]) < 0 || e.name[1].rfind("__", 0) == 0) {
      return Err(e.pos, "no column '" + e.name[1] + "' in " + rel->qual + " (" + RelColumnList({*rel}) + ")");
    }
    internal = rel->Internal(e.name[1]);
  } else {
    return Err(e.pos, "column names have at most one qualifier: '" + ToSql(e) + "'");
  }
  if (s.used != nullptr && std::find(s.used->begin(), s.used->end(), internal) == s.used->end()) {
    s.used->push_back(internal);
  }
  return q::Col(internal);
}

Status PushIntoJoin(const std::vector<const Expr*>& conjuncts, Scope& s, std::vector<JoinRel>* rels,
                    std::vector<const Expr*>* residual) {
  std::map<BoundFrom*, Pushed> pushed;
  for (const Expr* c : conjuncts) {
    Scope check = s;
    check.used = nullptr;
    RETURN_IF_ERROR(Translate(*c, check).status());
    std::set<int> refs;
    RelsOf(*c, *rels, &refs);
    if (refs.size() == 1 && *refs.begin() >= 0) {
      const JoinRel& rel = (*rels)[*refs.begin()];
      if (rel.pushable && rel.leaf->kind == BoundFrom::Kind::kScan) {
        Scope one;
        one.alias = rel.qual;
        one.source_name = rel.qual;
        if (Push(*c, rel.ts, rel.symbol, one, &pushed[rel.leaf])) continue;
      }
    }
    residual->push_back(c);
  }
  for (auto& [leaf, p] : pushed) {
    leaf->scan.from_ts = p.from;
    leaf->scan.to_ts = p.to;
    leaf->scan.symbols = p.symbols;
    if (p.from >= p.to || (p.has_symbols && p.symbols.empty())) leaf->empty_range = true;
  }
  return Status::OK();
}

Result<std::vector<std::pair<std::string, std::string>>> ExpandJoinStar(const Expr& star,
                                                                        const std::vector<JoinRel>& rels) {
  std::vector<std::pair<std::string, std::string>> out;
  bool found = star.name.empty();
  for (const JoinRel& r : rels) {
    if (!star.name.empty() && star.name[0] != r.qual) continue;
    found = true;
    for (size_t i = 0; i < r.columns.size(); ++i) {
      if (star.name.empty() && r.hidden[i]) continue;
      out.emplace_back(r.columns[i], r.Internal(r.columns[i]));
    }
  }
  if (!found) return Err(star.pos, "no table '" + star.name[0] + "' in FROM");
  return out;
}

Status FinishJoin(BoundFrom* root, const std::vector<JoinRel>& rels, const std::vector<std::string>& used) {
  for (const JoinRel& r : rels) {
    BoundFrom* leaf = r.leaf;
    std::vector<std::string> cols;
    for (const std::string& c : r.columns) {
      if (std::find(used.begin(), used.end(), r.Internal(c)) != used.end()) cols.push_back(c);
    }
    if (cols.empty()) cols.push_back(r.ts.empty() ? r.columns.front() : r.ts);  // something to count rows by
    for (const std::string& c : cols) leaf->rename.push_back({r.Internal(c), q::Col(c)});
    if (leaf->kind == BoundFrom::Kind::kScan) leaf->scan.columns = cols;
  }
  // The as-of operator reads both sides' symbol and timestamp even when the query does not.
  auto ensure = [&](const std::string& internal) {
    for (const JoinRel& r : rels) {
      for (const std::string& c : r.columns) {
        if (r.Internal(c) != internal) continue;
        BoundFrom* leaf = r.leaf;
        if (std::none_of(leaf->rename.begin(), leaf->rename.end(),
                         [&](const q::NamedExpr& ne) { return ne.name == internal; })) {
          leaf->rename.push_back({internal, q::Col(c)});
          if (leaf->kind == BoundFrom::Kind::kScan) leaf->scan.columns.push_back(c);
        }
        return;
      }
    }
  };
  std::vector<BoundFrom*> stack = {root};
  while (!stack.empty()) {
    BoundFrom* f = stack.back();
    stack.pop_back();
    if (f->kind != BoundFrom::Kind::kJoin) continue;
    stack.push_back(f->left.get());
    stack.push_back(f->right.get());
    if (f->join != JoinKind::kAsof && f->join != JoinKind::kAsofLeft) continue;
    f->want_right_symbol = std::find(used.begin(), used.end(), f->right_symbol) != used.end();
    f->used = used;
    for (const std::string* c : {&f->left_symbol, &f->left_ts, &f->right_symbol, &f->right_ts}) ensure(*c);
  }
  return Status::OK();
}

Result<std::unique_ptr<q::BatchStream>> ExecuteFrom(Database* db, const BoundFrom& f) {
  if (f.kind == BoundFrom::Kind::kScan) {
    std::unique_ptr<q::BatchStream> in;
    if (f.empty_range) {
      in = q::MakeVectorStream(TypedFields(f), {});
    } else {
      ASSIGN_OR_RETURN(in, q::Execute(db, f.scan));
    }
    return q::MakeComputeStream(std::move(in), f.rename);
  }
  if (f.kind == BoundFrom::Kind::kSubquery) {
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> in, Execute(db, *f.subquery));
    return q::MakeComputeStream(std::move(in), f.rename);
  }
  std::unique_ptr<q::BatchStream> out;
  const bool asof = f.join == JoinKind::kAsof || f.join == JoinKind::kAsofLeft;
  if (!asof) {
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> left, ExecuteFrom(db, *f.left));
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> right, ExecuteFrom(db, *f.right));
    q::HashJoinOptions o;
    ASSIGN_OR_RETURN(out,
                     q::MakeHashJoinStream(std::move(left), std::move(right), f.keys,
                                           f.join == JoinKind::kLeft ? q::JoinType::kLeft : q::JoinType::kInner, o));
  } else if (f.left->kind == BoundFrom::Kind::kScan && f.right->kind == BoundFrom::Kind::kScan &&
             !f.left->empty_range) {
    // Two tables: the engine's as-of plan, whose right scan starts at each symbol's last row
    // before the left range.
    q::LogicalPlan plan = f.left->scan;
    plan.columns.clear();
    plan.limit.reset();
    plan.asof = q::AsofJoin{f.right->scan.table, f.direction, std::nullopt};
    const std::vector<Field> lf = f.left->scan_fields;
    auto engine_name = [&](const std::string& internal) {  // the right table's column in the plan's output
      const std::string col = internal.substr(f.right->qual.size() + 1);
      return q::FindField(lf, col) >= 0 ? "right_" + col : col;
    };
    const q::Expr matched = q::IsNull(q::Col(engine_name(f.right_ts)), true);
    // Only the columns the query uses (and the right ts, which tells a match) go on.
    auto wanted = [&](const std::string& n) {
      return n == f.right_ts || std::find(f.used.begin(), f.used.end(), n) != f.used.end();
    };
    std::vector<q::NamedExpr> rename;
    for (const q::NamedExpr& ne : f.left->rename) {
      if (wanted(ne.name)) rename.push_back(ne);
    }
    for (const q::NamedExpr& ne : f.right->rename) {
      if (ne.name == f.right_symbol || !wanted(ne.name)) continue;
      rename.push_back({ne.name, q::Col(engine_name(ne.name))});
    }
    const std::string left_sym = f.left_symbol.substr(f.left->qual.size() + 1);
    if (f.want_right_symbol) {
      rename.push_back({f.right_symbol, f.join == JoinKind::kAsof
                                            ? q::Col(left_sym)
                                            : q::Case({{matched, q::Col(left_sym)}}, q::Lit(q::Value::Null()))});
    }
    // The engine reads only these columns of either table (the keys, the right ts that tells a
    // match, and what the renames take).
    auto add_column = [&](const std::string& c) {
      if (std::find(plan.columns.begin(), plan.columns.end(), c) == plan.columns.end()) plan.columns.push_back(c);
    };
    add_column(engine_name(f.right_ts));
    add_column(left_sym);
    for (const q::NamedExpr& ne : rename) {
      if (ne.expr->kind == q::ExprKind::kColumn) add_column(ne.expr->name);
    }
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> joined, q::Execute(db, plan));
    ASSIGN_OR_RETURN(out, q::MakeComputeStream(std::move(joined), rename));
    if (f.join == JoinKind::kAsof) {
      ASSIGN_OR_RETURN(out, q::MakeWhereStream(std::move(out), q::IsNull(q::Col(f.right_ts), true)));
    }
    if (f.filter) {
      ASSIGN_OR_RETURN(out, q::MakeWhereStream(std::move(out), f.filter));
    }
    return out;
  } else {
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> left, ExecuteFrom(db, *f.left));
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> right, ExecuteFrom(db, *f.right));
    ASSIGN_OR_RETURN(left, Grouped(std::move(left), *f.left, f.left_symbol, f.left_ts));
    ASSIGN_OR_RETURN(right, Grouped(std::move(right), *f.right, f.right_symbol, f.right_ts));
    RETURN_IF_ERROR(CheckAsofSide(left->fields(), f.left_symbol, f.left_ts));
    RETURN_IF_ERROR(CheckAsofSide(right->fields(), f.right_symbol, f.right_ts));
    q::AsofOptions o;
    o.direction = f.direction;
    ASSIGN_OR_RETURN(out, q::MakeAsofJoinStream(std::move(left), std::move(right), o));
  }
  if (asof) {
    // The right symbol (null without a match), then, for an inner as-of join, only matches.
    const q::Expr matched = q::IsNull(q::Col(f.right_ts), true);
    if (f.want_right_symbol) {
      std::vector<q::NamedExpr> all;
      for (const Field& field : out->fields()) all.push_back({field.name, q::Col(field.name)});
      all.push_back({f.right_symbol, q::Case({{matched, q::Col(f.left_symbol)}}, q::Lit(q::Value::Null()))});
      ASSIGN_OR_RETURN(out, q::MakeComputeStream(std::move(out), all));
    }
    if (f.join == JoinKind::kAsof) {
      ASSIGN_OR_RETURN(out, q::MakeWhereStream(std::move(out), matched));
    }
  }
  if (f.filter) {
    ASSIGN_OR_RETURN(out, q::MakeWhereStream(std::move(out), f.filter));
  }
  return out;
}

}  // namespace strata::sql::internal
