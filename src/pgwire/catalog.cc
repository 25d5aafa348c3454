#include "pgwire/catalog.h"

#include <algorithm>
#include <functional>
#include <map>
#include <regex>

#include "pgwire/protocol.h"
#include "query/aggregate.h"
#include "query/batch_stream.h"
#include "query/project.h"
#include "query/sort.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "strata/database.h"

namespace strata::pgwire {
namespace {

namespace q = ::strata::query;
using sql::Expr;
using sql::ExprKind;
using sql::ExprPtr;
using sql::LiteralKind;

constexpr int64_t kPgCatalogOid = 11;
constexpr int64_t kPublicOid = 2200;
constexpr int64_t kInformationSchemaOid = 13000;
constexpr int64_t kFirstTableOid = 16384;

// ---- walking the tree (server functions, catalog functions) ----

void WalkExprs(ExprPtr& e, const std::function<void(ExprPtr&)>& f) {
  if (!e) return;
  for (ExprPtr& a : e->args) WalkExprs(a, f);
  f(e);  // post-order: a replaced node's children are done
}
void WalkQuery(sql::Query& query, const std::function<void(ExprPtr&)>& f) {
  for (sql::Cte& c : query.ctes) {
    if (c.query) WalkQuery(*c.query, f);
  }
  for (sql::SelectItem& s : query.select) WalkExprs(s.expr, f);
  if (query.from && query.from->subquery) WalkQuery(*query.from->subquery, f);
  WalkExprs(query.where, f);
  for (ExprPtr& g : query.group_by) WalkExprs(g, f);
  WalkExprs(query.having, f);
  for (sql::OrderItem& o : query.order_by) WalkExprs(o.expr, f);
}

std::string FunctionName(const Expr& e) {
  if (e.name.empty()) return "";
  if (e.name.size() == 2 && e.name[0] == "pg_catalog") return e.name[1];
  return e.name.size() == 1 ? e.name[0] : "";
}

ExprPtr StringLit(const std::string& s, sql::Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kLiteral;
  e->pos = pos;
  e->literal.kind = LiteralKind::kString;
  e->literal.text = s;
  return e;
}
ExprPtr IntLit(int64_t v, sql::Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kLiteral;
  e->pos = pos;
  e->literal.kind = LiteralKind::kInteger;
  e->literal.int_value = v;
  return e;
}
ExprPtr BoolLit(bool v, sql::Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kLiteral;
  e->pos = pos;
  e->literal.kind = LiteralKind::kBool;
  e->literal.bool_value = v;
  return e;
}
ExprPtr NullLit(sql::Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kLiteral;
  e->pos = pos;
  return e;
}

std::unique_ptr<q::BatchStream> OneBatch(RecordBatch batch) {
  std::vector<Field> fields = batch.fields();
  std::vector<RecordBatch> batches;
  if (batch.num_rows() > 0) batches.push_back(std::move(batch));
  return q::MakeVectorStream(std::move(fields), std::move(batches));
}

// ---- the emulated catalog tables ----

struct CatalogTable {
  std::vector<Field> fields;
  std::vector<std::vector<std::optional<std::string>>> rows;  // text values, parsed per type
};

struct TableInfo {
  int64_t oid;
  TableDef def;
};

Result<std::vector<TableInfo>> Tables(Database* db) {
  ASSIGN_OR_RETURN(std::vector<TableDef> defs, db->ListTables());
  std::sort(defs.begin(), defs.end(), [](const TableDef& a, const TableDef& b) { return a.name < b.name; });
  std::vector<TableInfo> out;
  for (size_t i = 0; i < defs.size(); ++i)
    out.push_back({kFirstTableOid + static_cast<int64_t>(i), std::move(defs[i])});
  return out;
}

std::string_view TypName(uint32_t oid) {
  switch (oid) {
    case kBoolOid: return "bool";
    case kInt8Oid: return "int8";
    case kInt2Oid: return "int2";
    case kInt4Oid: return "int4";
    case kTextOid: return "text";
    case kOidOid: return "oid";
    case kNameOid: return "name";
    case kFloat4Oid: return "float4";
    case kFloat8Oid: return "float8";
    case kVarcharOid: return "varchar";
    case kDateOid: return "date";
    case kTimestampOid: return "timestamp";
    case kTimestamptzOid: return "timestamptz";
    case kNumericOid: return "numeric";
    default: return "unknown";
  }
}
constexpr uint32_t kAllTypes[] = {kBoolOid, kNameOid,      kInt8Oid,        kInt2Oid,   kInt4Oid,
                                  kTextOid, kOidOid,       kFloat4Oid,      kFloat8Oid, kVarcharOid,
                                  kDateOid, kTimestampOid, kTimestamptzOid, kNumericOid};

Result<std::optional<CatalogTable>> MakeCatalogTable(Database* db, const std::string& name, const ServerInfo& info) {
  using T = ColumnType;
  CatalogTable t;
  auto f = [&](std::vector<std::pair<std::string, T>> cols) {
    for (auto& [n, ty] : cols) t.fields.push_back({n, ty, true});
  };
  auto b = [](bool v) { return std::optional<std::string>(v ? "t" : "f"); };
  auto i = [](int64_t v) { return std::optional<std::string>(std::to_string(v)); };
  if (name == "information_schema.tables" || name == "pg_tables") {
    ASSIGN_OR_RETURN(auto tables, Tables(db));
    if (name == "pg_tables") {
      f({{"schemaname", T::kString}, {"tablename", T::kString}, {"tableowner", T::kString}, {"hasindexes", T::kBool}});
      for (const auto& ti : tables) t.rows.push_back({"public", ti.def.name, "strata", b(false)});
    } else {
      f({{"table_catalog", T::kString},
         {"table_schema", T::kString},
         {"table_name", T::kString},
         {"table_type", T::kString},
         {"is_insertable_into", T::kString}});
      for (const auto& ti : tables) t.rows.push_back({info.database, "public", ti.def.name, "BASE TABLE", "NO"});
    }
  } else if (name == "information_schema.columns") {
    ASSIGN_OR_RETURN(auto tables, Tables(db));
    f({{"table_catalog", T::kString},
       {"table_schema", T::kString},
       {"table_name", T::kString},
       {"column_name", T::kString},
       {"ordinal_position", T::kInt64},
       {"column_default", T::kString},
       {"is_nullable", T::kString},
       {"data_type", T::kString},
       {"udt_name", T::kString},
       {"character_maximum_length", T::kInt64},
       {"numeric_precision", T::kInt64}});
    for (const auto& ti : tables) {
      int pos = 1;
      for (const Field& fl : ti.def.schema.fields()) {
        const uint32_t oid = TypeOid(fl.type);
        std::optional<std::string> prec;
        if (oid == kInt8Oid) prec = "64";
        if (oid == kInt4Oid) prec = "32";
        if (oid == kFloat8Oid) prec = "53";
        t.rows.push_back({info.database, "public", ti.def.name, fl.name, i(pos++), std::nullopt,
                          fl.nullable ? "YES" : "NO", std::string(FormatTypeName(oid)), std::string(TypName(oid)),
                          std::nullopt, prec});
      }
    }
  } else if (name == "information_schema.schemata") {
    f({{"catalog_name", T::kString}, {"schema_name", T::kString}, {"schema_owner", T::kString}});
    for (const char* s : {"public", "pg_catalog", "information_schema"}) t.rows.push_back({info.database, s, "strata"});
  } else if (name == "pg_namespace") {
    f({{"oid", T::kInt64}, {"nspname", T::kString}, {"nspowner", T::kInt64}});
    t.rows.push_back({i(kPgCatalogOid), "pg_catalog", i(10)});
    t.rows.push_back({i(kPublicOid), "public", i(10)});
    t.rows.push_back({i(kInformationSchemaOid), "information_schema", i(10)});
  } else if (name == "pg_class") {
    ASSIGN_OR_RETURN(auto tables, Tables(db));
    f({{"oid", T::kInt64},
       {"relname", T::kString},
       {"relnamespace", T::kInt64},
       {"relkind", T::kString},
       {"relowner", T::kInt64},
       {"relhasindex", T::kBool},
       {"relpersistence", T::kString},
       {"relispartition", T::kBool},
       {"reltuples", T::kFloat64}});
    for (const auto& ti : tables) {
      t.rows.push_back({i(ti.oid), ti.def.name, i(kPublicOid), "r", i(10), b(false), "p", b(false), "-1"});
    }
  } else if (name == "pg_attribute") {
    ASSIGN_OR_RETURN(auto tables, Tables(db));
    f({{"attrelid", T::kInt64},
       {"attname", T::kString},
       {"atttypid", T::kInt64},
       {"attnum", T::kInt64},
       {"attlen", T::kInt64},
       {"atttypmod", T::kInt64},
       {"attnotnull", T::kBool},
       {"attisdropped", T::kBool},
       {"atthasdef", T::kBool}});
    for (const auto& ti : tables) {
      int pos = 1;
      for (const Field& fl : ti.def.schema.fields()) {
        const uint32_t oid = TypeOid(fl.type);
        t.rows.push_back(
            {i(ti.oid), fl.name, i(oid), i(pos++), i(TypeLen(oid)), i(-1), b(!fl.nullable), b(false), b(false)});
      }
    }
  } else if (name == "pg_type") {
    f({{"oid", T::kInt64},
       {"typname", T::kString},
       {"typnamespace", T::kInt64},
       {"typlen", T::kInt64},
       {"typtype", T::kString},
       {"typbasetype", T::kInt64},
       {"typrelid", T::kInt64},
       {"typelem", T::kInt64},
       {"typarray", T::kInt64},
       {"typnotnull", T::kBool}});
    for (uint32_t oid : kAllTypes) {
      t.rows.push_back({i(oid), std::string(TypName(oid)), i(kPgCatalogOid), i(TypeLen(oid)), "b", i(0), i(0), i(0),
                        i(0), b(false)});
    }
  } else if (name == "pg_database") {
    f({{"oid", T::kInt64}, {"datname", T::kString}, {"datallowconn", T::kBool}, {"datistemplate", T::kBool}});
    t.rows.push_back({i(16383), info.database, b(true), b(false)});
  } else {
    return std::optional<CatalogTable>();
  }
  return std::optional<CatalogTable>(std::move(t));
}

RecordBatch ToBatch(const CatalogTable& t, bool with_hidden) {
  std::vector<Field> fields = t.fields;
  if (with_hidden) {
    fields.push_back({"__ts", ColumnType::kTimestamp, false});
    fields.push_back({"__sym", ColumnType::kSymbol, false});
  }
  RecordBatch batch(fields);
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < t.fields.size(); ++c) {
      Column& col = batch.column(c);
      if (!row[c]) {
        col.AppendNull();
        continue;
      }
      const std::string& v = *row[c];
      switch (col.type()) {
        case ColumnType::kInt64: col.AppendInt64(std::stoll(v)); break;
        case ColumnType::kBool: col.AppendBool(v == "t"); break;
        case ColumnType::kFloat64: col.AppendDouble(std::stod(v)); break;
        default: col.AppendString(v); break;
      }
    }
    if (with_hidden) {
      batch.column(t.fields.size()).AppendInt64(0);
      batch.column(t.fields.size() + 1).AppendString("x");
    }
  }
  return batch;
}

// The emulated table a FROM name means ("information_schema.tables", "pg_class"), or "".
std::string CatalogName(const std::vector<std::string>& name, Database* db) {
  static const char* kPg[] = {"pg_namespace", "pg_class", "pg_attribute", "pg_type", "pg_database", "pg_tables"};
  static const char* kInfo[] = {"tables", "columns", "schemata"};
  if (name.size() == 2 && name[0] == "information_schema") {
    for (const char* n : kInfo) {
      if (name[1] == n) return "information_schema." + name[1];
    }
  }
  const bool qualified = name.size() == 2 && name[0] == "pg_catalog";
  if (qualified || name.size() == 1) {
    for (const char* n : kPg) {
      if (name.back() == n) {
        if (!qualified && db->GetTable(name.back()).ok()) return "";  // a real table of that name wins
        return name.back();
      }
    }
  }
  return "";
}

ExprPtr FormatTypeCase(ExprPtr arg, sql::Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kCase;
  e->pos = pos;
  e->has_operand = true;
  e->has_else = true;
  e->args.push_back(std::move(arg));
  for (uint32_t oid : kAllTypes) {
    e->args.push_back(IntLit(oid, pos));
    e->args.push_back(StringLit(std::string(FormatTypeName(oid)), pos));
  }
  e->args.push_back(StringLit("unknown", pos));
  e->height = 3;
  return e;
}

// Catalog functions inside a query over the emulated tables.
void RewriteCatalogFunctions(ExprPtr& e) {
  if (e->kind == ExprKind::kCast) {
    std::string t = e->type_name;
    if (t.rfind("pg_catalog.", 0) == 0) t = t.substr(11);
    if (t == "regclass" || t == "regtype" || t == "regnamespace" || t == "regproc") {
      ExprPtr inner = std::move(e->args[0]);
      e = std::move(inner);
    } else if (t == "oid") {
      e->type_name = "bigint";
    } else if (t == "name") {
      e->type_name = "varchar";
    }
    return;
  }
  if (e->kind != ExprKind::kFunction) return;
  const std::string f = FunctionName(*e);
  const sql::Pos pos = e->pos;
  if ((f == "quote_ident" || f == "btrim" || f == "trim") && e->args.size() == 1) {
    ExprPtr inner = std::move(e->args[0]);
    e = std::move(inner);
  } else if (f == "pg_table_is_visible" || f == "has_table_privilege" || f == "has_schema_privilege" ||
             f == "has_column_privilege") {
    e = BoolLit(true, pos);
  } else if (f == "format_type" && !e->args.empty()) {
    e = FormatTypeCase(std::move(e->args[0]), pos);
  } else if (f == "pg_get_userbyid") {
    e = StringLit("strata", pos);
  } else if (f == "obj_description" || f == "col_description" || f == "pg_get_expr" || f == "shobj_description") {
    e = NullLit(pos);
  }
}

// Mechanism 2: a single-table SELECT over an emulated table, on strata's SQL operators.
std::optional<Result<std::unique_ptr<q::BatchStream>>> RunOnCatalogTable(Database* db, sql::Statement& st,
                                                                         const ServerInfo& info) {
  using R = Result<std::unique_ptr<q::BatchStream>>;
  if (st.kind != sql::StatementKind::kSelect || !st.query || !st.query->from) return std::nullopt;
  sql::Query& query = *st.query;
  if (query.from->kind != sql::TableRefKind::kTable) return std::nullopt;
  const std::string cname = CatalogName(query.from->name, db);
  if (cname.empty()) return std::nullopt;
  Result<std::optional<CatalogTable>> table = MakeCatalogTable(db, cname, info);
  if (!table.ok()) return R(table.status());
  RewriteServerFunctions(&st, info);
  WalkQuery(query, RewriteCatalogFunctions);
  query.from->name = {cname};
  RecordBatch all = ToBatch(**table, true);
  const Field& last = all.fields().back();
  (void)last;
  Result<Schema> schema = Schema::Make(all.fields());
  if (!schema.ok()) return R(schema.status());
  TableDef def;
  def.name = query.from->name[0].substr(query.from->name[0].rfind('.') + 1);
  def.schema = *schema;
  sql::TableLookup lookup = [&](std::string_view n) -> Result<TableDef> {
    if (n == cname) return def;
    return Status::NotFound(std::string(n));
  };
  Result<sql::BoundSelect> bound = sql::BindSelect(query, lookup);
  if (!bound.ok()) return R(bound.status());
  const sql::BoundSelect& b = *bound;
  if (!b.from_table) return R(Status::Unsupported("subqueries over the emulated PostgreSQL catalog are not supported"));
  std::vector<std::string> cols = b.scan.columns;
  Result<RecordBatch> projected = all.Project(cols);
  if (!projected.ok()) return R(projected.status());
  std::unique_ptr<q::BatchStream> in;
  if (b.empty_range) {
    in = q::MakeVectorStream(projected->fields(), {});
  } else {
    in = OneBatch(std::move(*projected));
  }
  auto step = [&](Result<std::unique_ptr<q::BatchStream>> r) -> Status {
    if (!r.ok()) return r.status();
    in = std::move(*r);
    return Status::OK();
  };
  if (b.where) {
    if (Status s = step(q::MakeWhereStream(std::move(in), b.where)); !s.ok()) return R(s);
  }
  if (b.aggregate) {
    if (Status s = step(q::MakeHashAggregateStream(std::move(in), b.keys, b.aggs)); !s.ok()) return R(s);
  }
  if (b.having) {
    if (Status s = step(q::MakeWhereStream(std::move(in), b.having)); !s.ok()) return R(s);
  }
  if (!b.order.empty()) {
    if (Status s = step(q::MakeSortStream(std::move(in), b.order, b.offset, b.limit)); !s.ok()) return R(s);
  }
  std::vector<q::NamedExpr> output;
  for (const q::NamedExpr& ne : b.output) {
    if (ne.name.rfind("__", 0) != 0) output.push_back(ne);  // SELECT * without the hidden columns
  }
  if (Status s = step(q::MakeComputeStream(std::move(in), output)); !s.ok()) return R(s);
  if (b.order.empty() && (b.offset > 0 || b.limit >= 0))
    in = q::MakeOffsetLimitStream(std::move(in), b.offset, b.limit);
  return R(std::move(in));
}

// ---- mechanism 3: psql's shapes ----

// Lower case outside quotes, whitespace runs as one space, "pg_catalog." dropped.
std::string Normalize(std::string_view sql) {
  std::string out;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      out.push_back(c);
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  for (size_t p; (p = out.find("pg_catalog.")) != std::string::npos;) out.erase(p, 11);
  return out;
}

// The regex pattern psql puts after `column OPERATOR(~) '` / `column ~ '`, if any.
std::optional<std::string> RegexFilter(const std::string& n, const std::string& column) {
  for (const std::string& op : {column + " operator(~) '", column + " ~ '"}) {
    size_t p = n.find(op);
    if (p == std::string::npos) continue;
    p += op.size();
    const size_t end = n.find('\'', p);
    if (end == std::string::npos) return std::nullopt;
    return n.substr(p, end - p);
  }
  return std::nullopt;
}

bool Matches(const std::optional<std::string>& pattern, const std::string& value) {
  if (!pattern) return true;
  try {
    return std::regex_search(value, std::regex(*pattern));
  } catch (const std::regex_error&) {
    return false;
  }
}

// The "quoted" aliases of the select list, in order.
std::vector<std::string> QuotedAliases(std::string_view sql) {
  std::vector<std::string> out;
  const std::string n = Normalize(sql);
  const size_t from = n.find(" from ");
  const std::string head = n.substr(0, from);
  for (size_t p = 0; (p = head.find("as \"", p)) != std::string::npos;) {
    p += 4;
    const size_t end = head.find('"', p);
    if (end == std::string::npos) break;
    // The alias as written (case kept): find it in the original text.
    std::string alias = head.substr(p, end - p);
    const size_t at = sql.find("\"" + std::string(sql.substr(0, 0)));
    (void)at;
    for (size_t k = 0; k + alias.size() + 2 <= sql.size(); ++k) {
      if (sql[k] == '"' && sql.size() > k + alias.size() + 1 && sql[k + alias.size() + 1] == '"') {
        std::string cand(sql.substr(k + 1, alias.size()));
        std::string lower = cand;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == alias) {
          alias = cand;
          break;
        }
      }
    }
    out.push_back(alias);
    p = end + 1;
  }
  return out;
}

std::unique_ptr<q::BatchStream> TextTable(const std::vector<std::string>& names,
                                          const std::vector<std::vector<std::optional<std::string>>>& rows) {
  CatalogTable t;
  for (const std::string& n : names) t.fields.push_back({n, ColumnType::kString, true});
  t.rows = rows;
  return OneBatch(ToBatch(t, false));
}

std::optional<int64_t> OidAfter(const std::string& n, const std::string& prefix) {
  size_t p = n.find(prefix);
  if (p == std::string::npos) return std::nullopt;
  p += prefix.size();
  int64_t v = 0;
  bool any = false;
  while (p < n.size() && std::isdigit(static_cast<unsigned char>(n[p]))) {
    v = v * 10 + (n[p++] - '0');
    any = true;
  }
  if (!any) return std::nullopt;
  return v;
}

std::optional<Result<std::unique_ptr<q::BatchStream>>> PsqlShape(Database* db, std::string_view sql) {
  using R = Result<std::unique_ptr<q::BatchStream>>;
  const std::string n = Normalize(sql);
  const bool class_ns =
      n.find("from pg_class c left join pg_namespace n on n.oid = c.relnamespace") != std::string::npos;
  // \dt, \d (the relation list)
  if (class_ns && n.find("c.relkind in (") != std::string::npos && n.find("as \"Schema\"") != std::string::npos) {
    const size_t k = n.find("c.relkind in (");
    const std::string kinds = n.substr(k, n.find(')', k) - k);
    Result<std::vector<TableInfo>> tables = Tables(db);
    if (!tables.ok()) return R(tables.status());
    const auto name_re = RegexFilter(n, "c.relname");
    const auto ns_re = RegexFilter(n, "n.nspname");
    const std::vector<std::string> aliases = QuotedAliases(sql);
    std::vector<std::vector<std::optional<std::string>>> rows;
    if (kinds.find("'r'") != std::string::npos && Matches(ns_re, "public")) {
      for (const TableInfo& t : *tables) {
        if (!Matches(name_re, t.def.name)) continue;
        std::vector<std::optional<std::string>> row;
        for (const std::string& a : aliases) {
          if (a == "Schema")
            row.push_back("public");
          else if (a == "Name")
            row.push_back(t.def.name);
          else if (a == "Type")
            row.push_back("table");
          else if (a == "Owner")
            row.push_back("strata");
          else if (a == "Persistence")
            row.push_back("permanent");
          else if (a == "Access method")
            row.push_back("strata");
          else if (a == "Size")
            row.push_back("");
          else
            row.push_back(std::nullopt);
        }
        rows.push_back(std::move(row));
      }
    }
    return R(TextTable(aliases, rows));
  }
  // \d NAME, first step: which relations the pattern names.
  if (class_ns && n.rfind("select c.oid, n.nspname, c.relname from", 0) == 0) {
    Result<std::vector<TableInfo>> tables = Tables(db);
    if (!tables.ok()) return R(tables.status());
    const auto name_re = RegexFilter(n, "c.relname");
    const auto ns_re = RegexFilter(n, "n.nspname");
    std::vector<std::vector<std::optional<std::string>>> rows;
    if (Matches(ns_re, "public")) {
      for (const TableInfo& t : *tables) {
        if (Matches(name_re, t.def.name)) rows.push_back({std::to_string(t.oid), "public", t.def.name});
      }
    }
    return R(TextTable({"oid", "nspname", "relname"}, rows));
  }
  // \d NAME, second step: the relation's flags.
  if (n.rfind("select c.relchecks, c.relkind, c.relhasindex", 0) == 0) {
    const auto oid = OidAfter(n, "where c.oid = '");
    Result<std::vector<TableInfo>> tables = Tables(db);
    if (!tables.ok()) return R(tables.status());
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (const TableInfo& t : *tables) {
      if (oid && t.oid == *oid) {
        rows.push_back({"0", "r", "f", "f", "f", "f", "f", "f", "f", "", "0", "", "p", "d", "strata"});
      }
    }
    return R(TextTable({"relchecks", "relkind", "relhasindex", "relhasrules", "relhastriggers", "relrowsecurity",
                        "relforcerowsecurity", "relhasoids", "relispartition", "reloptions", "reltablespace",
                        "reloftype", "relpersistence", "relreplident", "amname"},
                       rows));
  }
  // \d NAME, third step: the columns.
  if (n.rfind("select a.attname", 0) == 0 && n.find("from pg_attribute a where a.attrelid = '") != std::string::npos) {
    const auto oid = OidAfter(n, "a.attrelid = '");
    const bool verbose = n.find("a.attstorage") != std::string::npos;
    Result<std::vector<TableInfo>> tables = Tables(db);
    if (!tables.ok()) return R(tables.status());
    std::vector<std::string> names = {"attname",      "format_type", "attrdef",     "attnotnull",
                                      "attcollation", "attidentity", "attgenerated"};
    if (verbose) names.insert(names.end(), {"attstorage", "attcompression", "attstattarget", "col_description"});
    std::vector<std::vector<std::optional<std::string>>> rows;
    for (const TableInfo& t : *tables) {
      if (!oid || t.oid != *oid) continue;
      for (const Field& f : t.def.schema.fields()) {
        std::vector<std::optional<std::string>> row = {f.name,
                                                       std::string(FormatTypeName(TypeOid(f.type))),
                                                       std::nullopt,
                                                       f.nullable ? "f" : "t",
                                                       std::nullopt,
                                                       "",
                                                       ""};
        if (verbose)
          row.insert(row.end(), {IsStringLike(f.type) ? "x" : "p", std::nullopt, std::nullopt, std::nullopt});
        rows.push_back(std::move(row));
      }
    }
    return R(TextTable(names, rows));
  }
  return std::nullopt;
}

// PostgreSQL catalog tables strata has nothing in (no rows, whatever is asked of them).
bool MentionsEmptyCatalog(const std::string& n) {
  static const char* kEmpty[] = {"pg_index",
                                 "pg_constraint",
                                 "pg_policy",
                                 "pg_inherits",
                                 "pg_statistic_ext",
                                 "pg_publication",
                                 "pg_trigger",
                                 "pg_rewrite",
                                 "pg_extension",
                                 "pg_attrdef",
                                 "pg_description",
                                 "pg_depend",
                                 "pg_am",
                                 "pg_collation",
                                 "pg_partitioned_table",
                                 "pg_foreign_table",
                                 "pg_event_trigger",
                                 "pg_publication_rel",
                                 "pg_publication_namespace",
                                 "pg_sequence",
                                 "pg_matviews",
                                 "pg_views",
                                 "pg_proc",
                                 "pg_stat_activity",
                                 "pg_roles",
                                 "pg_user",
                                 "pg_settings",
                                 "pg_enum",
                                 "pg_range",
                                 "pg_shdescription"};
  for (const char* t : kEmpty) {
    for (const char* lead : {"from ", "join ", ", "}) {
      const std::string needle = std::string(lead) + t;
      for (size_t p = 0; (p = n.find(needle, p)) != std::string::npos; p += needle.size()) {
        const size_t end = p + needle.size();
        if (end == n.size() || !(std::isalnum(static_cast<unsigned char>(n[end])) || n[end] == '_')) return true;
      }
    }
  }
  return false;
}

// Grafana's metadata queries restrict schemas to the search path with a subquery over
// generate_series, arrays and string_to_array (none of which strata's SQL has):
//   IN (SELECT CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
//       FROM generate_series(array_lower(string_to_array(current_setting('search_path'),','),1),
//                            array_upper(string_to_array(current_setting('search_path'),','),1)) as i,
//            string_to_array(current_setting('search_path'),',') s)
// Its value is fixed ("$user", public), so it becomes IN ('<user>', 'public'), whatever the spacing
// and case.
std::string ResolveSearchPathSubquery(std::string_view sql, const ServerInfo& info) {
  static const std::regex* re = [] {
    const char* tokens[] = {"in",
                            "(",
                            "select",
                            "case",
                            "when",
                            "trim",
                            "(",
                            "s",
                            "[",
                            "i",
                            "]",
                            ")",
                            "=",
                            "'\"\\$user\"'",
                            "then",
                            "user",
                            "else",
                            "trim",
                            "(",
                            "s",
                            "[",
                            "i",
                            "]",
                            ")",
                            "end",
                            "from",
                            "generate_series",
                            "(",
                            "array_lower",
                            "(",
                            "string_to_array",
                            "(",
                            "current_setting",
                            "(",
                            "'search_path'",
                            ")",
                            ",",
                            "','",
                            ")",
                            ",",
                            "1",
                            ")",
                            ",",
                            "array_upper",
                            "(",
                            "string_to_array",
                            "(",
                            "current_setting",
                            "(",
                            "'search_path'",
                            ")",
                            ",",
                            "','",
                            ")",
                            ",",
                            "1",
                            ")",
                            ")",
                            "as",
                            "i",
                            ",",
                            "string_to_array",
                            "(",
                            "current_setting",
                            "(",
                            "'search_path'",
                            ")",
                            ",",
                            "','",
                            ")",
                            "s",
                            ")"};
    std::string pattern;
    for (const char* t : tokens) {
      if (!pattern.empty()) pattern += "\\s*";
      for (const char* c = t; *c; ++c) {
        if (std::string_view("()[],=.").find(*c) != std::string_view::npos) pattern += '\\';
        pattern += *c;
      }
    }
    return new std::regex(pattern, std::regex::icase);
  }();
  std::string user;
  for (char c : info.user) {
    user += c;
    if (c == '\'') user += c;
  }
  return std::regex_replace(std::string(sql), *re, "IN ('" + user + "', 'public')");
}

bool MentionsCatalog(const std::string& n) {
  return n.find("pg_") != std::string::npos || n.find("information_schema") != std::string::npos;
}

}  // namespace

std::string ServerVersionNum(const ServerInfo& info) {
  int major = 0, minor = 0;
  std::sscanf(info.server_version.c_str(), "%d.%d", &major, &minor);
  return std::to_string(major * 10000 + minor);
}

std::optional<std::string> SettingValue(std::string_view raw, const ServerInfo& info) {
  std::string name;
  for (char c : raw) name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static const std::map<std::string, std::string> kFixed = {
      {"server_encoding", "UTF8"},
      {"client_encoding", "UTF8"},
      {"datestyle", "ISO, MDY"},
      {"integer_datetimes", "on"},
      {"timezone", "UTC"},
      {"standard_conforming_strings", "on"},
      {"intervalstyle", "postgres"},
      {"transaction isolation level", "read committed"},
      {"transaction_isolation", "read committed"},
      {"default_transaction_isolation", "read committed"},
      {"default_transaction_read_only", "on"},
      {"transaction_read_only", "on"},
      {"search_path", "\"$user\", public"},
      {"max_identifier_length", "63"},
      {"max_connections", "64"},
      {"lc_collate", "C"},
      {"lc_ctype", "C"},
      {"extra_float_digits", "1"},
      {"application_name", ""},
      {"statement_timeout", "0"},
      {"bytea_output", "hex"},
      {"is_superuser", "off"},
      {"block_size", "8192"},
  };
  if (name == "server_version") return info.server_version;
  if (name == "server_version_num") return ServerVersionNum(info);
  if (name == "session_authorization") return info.user;
  auto it = kFixed.find(name);
  if (it != kFixed.end()) return it->second;
  return std::nullopt;
}

void RewriteServerFunctions(sql::Statement* st, const ServerInfo& info) {
  if (!st->query) return;
  const bool no_from = st->query->from == nullptr;
  WalkQuery(*st->query, [&](ExprPtr& e) {
    const sql::Pos pos = e->pos;
    if (e->kind == ExprKind::kColumnRef && no_from && e->name.size() == 1) {
      const std::string& c = e->name[0];
      if (c == "current_user" || c == "session_user" || c == "user")
        e = StringLit(info.user, pos);
      else if (c == "current_catalog")
        e = StringLit(info.database, pos);
      else if (c == "current_schema")
        e = StringLit("public", pos);
      return;
    }
    if (e->kind != ExprKind::kFunction) return;
    const std::string f = FunctionName(*e);
    if (f == "version" && e->args.empty()) {
      e = StringLit("PostgreSQL " + info.server_version + " on x86_64-pc-linux-gnu, strata", pos);
    } else if (f == "current_setting" && !e->args.empty() && e->args[0]->kind == ExprKind::kLiteral &&
               e->args[0]->literal.kind == LiteralKind::kString) {
      std::optional<std::string> v = SettingValue(e->args[0]->literal.text, info);
      e = v ? StringLit(*v, pos) : NullLit(pos);
    } else if ((f == "current_database" || f == "current_catalog") && e->args.empty()) {
      e = StringLit(info.database, pos);
    } else if (f == "current_schema" && e->args.empty()) {
      e = StringLit("public", pos);
    } else if ((f == "current_user" || f == "session_user" || f == "user") && e->args.empty()) {
      e = StringLit(info.user, pos);
    } else if (f == "pg_backend_pid" && e->args.empty()) {
      e = IntLit(info.pid, pos);
    }
  });
}

std::optional<Result<std::unique_ptr<query::BatchStream>>> AnswerCatalogQuery(Database* db, std::string_view sql,
                                                                              const ServerInfo& info) {
  using R = Result<std::unique_ptr<q::BatchStream>>;
  const std::string n = Normalize(sql);
  if (!MentionsCatalog(n)) return std::nullopt;
  if (auto shape = PsqlShape(db, sql)) return shape;
  if (MentionsEmptyCatalog(n)) return R(TextTable({}, {}));
  const std::string rewritten = ResolveSearchPathSubquery(sql, info);
  Result<sql::Statement> st = sql::ParseStatement(rewritten);
  if (st.ok()) {
    if (auto answer = RunOnCatalogTable(db, *st, info)) return answer;
  }
  for (const char* t :
       {"pg_class", "pg_namespace", "pg_attribute", "pg_type", "pg_database", "pg_tables", "information_schema."}) {
    for (const char* lead : {"from ", "join ", ", "}) {
      if (n.find(std::string(lead) + t) != std::string::npos) {
        return R(Status::Unsupported(
            "this PostgreSQL catalog query is not supported: strata answers single-table SELECTs over "
            "information_schema.tables/columns/schemata and pg_namespace/pg_class/pg_attribute/pg_type/pg_database/"
            "pg_tables, and psql's \\dt and \\d queries (see src/pgwire/README.md)"));
      }
    }
  }
  return std::nullopt;
}

std::unique_ptr<query::BatchStream> TextRow(const std::vector<std::string>& names,
                                            const std::vector<std::string>& values) {
  std::vector<std::vector<std::optional<std::string>>> rows(1);
  for (const std::string& v : values) rows[0].push_back(v);
  return TextTable(names, rows);
}

}  // namespace strata::pgwire
