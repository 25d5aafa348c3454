// INSERT INTO t [(cols)] VALUES (...), ... | query: rows converted to the table's types (the
// CSV reader's rules), checked, then appended through the table's Appender (the WAL).
//
// All or nothing: every row is converted and checked before the first one is appended. Up to
// kSpoolRows rows are kept and appended as one batch (one WAL record); a larger INSERT ... SELECT
// runs its query twice, once to check every row and once to append batch by batch, so memory stays
// bounded. (A row that a concurrent writer adds between the two passes and that does not convert
// stops the second pass; the error then says how many rows were appended.)
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "query/batch_stream.h"
#include "sql/binder_internal.h"
#include "sql/printer.h"
#include "sql/system_tables.h"
#include "strata/database.h"
#include "strata/timestamp.h"

namespace strata::sql::internal {
namespace {

namespace q = ::strata::query;

size_t g_spool_rows = size_t{1} << 20;  // kSpoolRows; tests lower it

Status InsertErr(const Pos& pos, const std::string& msg) {
  return Status::InvalidArgument(pos.ToString() + ": " + msg);
}

std::string Quoted(std::string_view text) {
  std::string s(text.substr(0, 60));
  return "'" + s + (text.size() > 60 ? "...'" : "'");
}

// Decimal integer with an optional sign (the CSV reader's rule).
bool ParseInt(std::string_view t, int64_t* out) {
  if (t.empty()) return false;
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size()) return false;
  for (size_t j = i; j < t.size(); ++j) {
    if (t[j] < '0' || t[j] > '9') return false;
  }
  std::string s(t);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno == ERANGE || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view t, double* out) {
  if (t.empty()) return false;
  std::string s(t);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return false;  // no nan/inf, as the CSV reader
  *out = v;
  return true;
}

bool ParseBool(std::string_view t, bool* out) {
  std::string s(t);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "t" || s == "1") {
    *out = true;
    return true;
  }
  if (s == "false" || s == "f" || s == "0") {
    *out = false;
    return true;
  }
  return false;
}

std::string TypeLabel(ColumnType t) {
  switch (t) {
    case ColumnType::kTimestamp: return "TIMESTAMP";
    case ColumnType::kSymbol: return "symbol";
    case ColumnType::kInt32: return "INTEGER";
    case ColumnType::kInt64: return "BIGINT";
    case ColumnType::kFloat64: return "DOUBLE";
    case ColumnType::kFloat32: return "FLOAT";
    case ColumnType::kString: return "VARCHAR";
    case ColumnType::kBool: return "BOOLEAN";
  }
  return "?";
}

// Appends row `row` of `src` to `dst` (of `target`'s type), converted as the CSV reader converts
// text: ISO strings or integer ns to timestamps, numeric strings to numbers, integers widened.
// The error says what could not be converted (the caller adds where).
Status AppendConverted(const Column& src, size_t row, const Field& target, Column* dst) {
  if (src.IsNull(row)) {
    if (!target.nullable) return Status::InvalidArgument("NULL in column '" + target.name + "', which is NOT NULL");
    dst->AppendNull();
    return Status::OK();
  }
  const ColumnType from = src.type();
  const bool text = IsStringLike(from);
  const std::string_view s = text ? src.GetString(row) : std::string_view();
  auto cannot = [&](const std::string& what) {
    return Status::InvalidArgument("column '" + target.name + "' (" + std::string(ColumnTypeName(target.type)) +
                                   "): " + what);
  };
  auto wrong_type = [&] {
    return cannot("a " + TypeLabel(from) + " value cannot be stored here (cast it: CAST(x AS " +
                  TypeLabel(target.type) + "))");
  };
  switch (target.type) {
    case ColumnType::kTimestamp: {
      int64_t ns = 0;
      if (from == ColumnType::kTimestamp || from == ColumnType::kInt64) {
        ns = src.int64s()[row];
      } else if (from == ColumnType::kInt32) {
        ns = src.int32s()[row];
      } else if (text) {
        Result<int64_t> t = ParseTimestamp(s);
        if (!t.ok()) return cannot(Quoted(s) + " is not a timestamp (" + t.status().message() + ")");
        ns = *t;
      } else {
        return wrong_type();
      }
      if (!InTimestampRange(ns)) return cannot(std::to_string(ns) + " ns is outside 1678..2261");
      dst->AppendInt64(ns);
      return Status::OK();
    }
    case ColumnType::kInt32:
    case ColumnType::kInt64: {
      int64_t v = 0;
      if (from == ColumnType::kInt64) {
        v = src.int64s()[row];
      } else if (from == ColumnType::kInt32) {
        v = src.int32s()[row];
      } else if (text) {
        if (!ParseInt(s, &v)) return cannot(Quoted(s) + " is not an integer");
      } else {
        return wrong_type();
      }
      if (target.type == ColumnType::kInt32) {
        if (v < INT32_MIN || v > INT32_MAX) return cannot(std::to_string(v) + " is out of range for i32");
        dst->AppendInt32(static_cast<int32_t>(v));
      } else {
        dst->AppendInt64(v);
      }
      return Status::OK();
    }
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: {
      double v = 0;
      if (IsFloating(from)) {
        v = src.doubles()[row];
      } else if (from == ColumnType::kInt64) {
        v = static_cast<double>(src.int64s()[row]);
      } else if (from == ColumnType::kInt32) {
        v = src.int32s()[row];
      } else if (text) {
        if (!ParseDouble(s, &v)) return cannot(Quoted(s) + " is not a number");
      } else {
        return wrong_type();
      }
      if (target.type == ColumnType::kFloat32) {  // the nearest float, as DuckDB and PostgreSQL store a REAL
        if (std::isfinite(v) && !std::isfinite(static_cast<float>(v))) {
          return cannot(std::to_string(v) + " is out of range for f32");
        }
        v = static_cast<float>(v);
      }
      dst->AppendDouble(v);
      return Status::OK();
    }
    case ColumnType::kBool: {
      bool v = false;
      if (from == ColumnType::kBool) {
        v = src.bools()[row] != 0;
      } else if (text) {
        if (!ParseBool(s, &v)) return cannot(Quoted(s) + " is not a boolean (true/false/t/f/1/0)");
      } else {
        return wrong_type();
      }
      dst->AppendBool(v);
      return Status::OK();
    }
    case ColumnType::kString:
    case ColumnType::kSymbol:
      if (!text) return wrong_type();
      if (target.type == ColumnType::kSymbol) {
        Status ok = ValidateSymbol(s);
        if (!ok.ok()) return cannot(ok.message());
      }
      dst->AppendString(s);
      return Status::OK();
  }
  return Status::Internal("unknown column type");
}

// Where the rows go: the table's fields, and for each the source column (or -1: NULL).
struct Target {
  TableDef def;
  std::vector<int> source_of;        // per table column
  std::vector<std::string> columns;  // the target columns, in the statement's order
};

Result<Target> ResolveTarget(Database* db, const Statement& st) {
  if (st.table.size() != 1) {
    return Status::Unsupported(st.pos.ToString() + ": INSERT into a qualified table name is not supported yet");
  }
  const std::string& name = st.table[0];
  Result<TableDef> def = db->GetTable(name);
  if (!def.ok()) {
    if (def.status().code() != StatusCode::kNotFound) return def.status();
    if (FindSystemTable(name) != nullptr) return InsertErr(st.pos, name + " is a system table; it cannot be written");
    return InsertErr(st.pos, "no table '" + name + "' (SHOW TABLES lists them)");
  }
  Target t;
  t.def = std::move(*def);
  const Schema& schema = t.def.schema;
  t.source_of.assign(schema.num_fields(), -1);
  if (st.columns.empty()) {
    for (const Field& f : schema.fields()) t.columns.push_back(f.name);
  } else {
    t.columns = st.columns;
  }
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const int c = schema.FieldIndex(t.columns[i]);
    if (c < 0) {
      return InsertErr(st.pos,
                       "no column '" + t.columns[i] + "' in " + t.def.name + " (columns: " + schema.ToString() + ")");
    }
    if (t.source_of[static_cast<size_t>(c)] >= 0) {
      return InsertErr(st.pos, "column '" + t.columns[i] + "' is named twice in the column list");
    }
    t.source_of[static_cast<size_t>(c)] = static_cast<int>(i);
  }
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    const Field& f = schema.field(c);
    if (t.source_of[c] < 0 && !f.nullable) {
      return InsertErr(st.pos, "column '" + f.name + "' of " + t.def.name +
                                   " is NOT NULL and gets no value: name it in the " + "column list");
    }
  }
  return t;
}

// `in` (one column per target column, in the statement's order) as a batch of the table's fields.
// `where(i, row)` names the place of an error in source column i, row `row`.
Result<RecordBatch> Convert(const Target& t, const RecordBatch& in,
                            const std::function<std::string(size_t, size_t)>& where) {
  const Schema& schema = t.def.schema;
  std::vector<Column> cols;
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    const Field& f = schema.field(c);
    Column out(f.type);
    out.Reserve(in.num_rows());
    const int src = t.source_of[c];
    for (size_t r = 0; r < in.num_rows(); ++r) {
      if (src < 0) {
        out.AppendNull();
        continue;
      }
      Status ok = AppendConverted(in.column(static_cast<size_t>(src)), r, f, &out);
      if (!ok.ok()) return Status::InvalidArgument(where(static_cast<size_t>(src), r) + ok.message());
    }
    cols.push_back(std::move(out));
  }
  RecordBatch batch(schema.fields(), std::move(cols));
  Status valid = batch.ValidateAgainst(schema);
  if (!valid.ok()) return Status::InvalidArgument(where(SIZE_MAX, 0) + valid.message());
  return batch;
}

// The VALUES rows, evaluated and converted: one batch.
Result<RecordBatch> ValuesBatch(const Target& t, const Statement& st) {
  const std::vector<Field> one_field = {{"__one", ColumnType::kInt32, false}};
  RecordBatch one(one_field);
  one.column(0).AppendInt32(1);
  RecordBatch all(t.def.schema);
  for (size_t r = 0; r < st.values.size(); ++r) {
    const std::vector<ExprPtr>& row = st.values[r];
    const Pos row_pos = row.empty() ? st.pos : row[0]->pos;
    if (row.size() != t.columns.size()) {
      return InsertErr(row_pos, "VALUES row " + std::to_string(r + 1) + " has " + std::to_string(row.size()) +
                                    " values for " + std::to_string(t.columns.size()) + " columns");
    }
    std::vector<Field> fields;
    std::vector<Column> cols;
    for (size_t i = 0; i < row.size(); ++i) {
      ASSIGN_OR_RETURN(q::Expr e, TranslateConstant(*row[i]));
      Result<std::shared_ptr<const q::BoundExpr>> bound = q::BoundExpr::Bind(e, one_field);
      if (!bound.ok()) return InsertErr(row[i]->pos, bound.status().message());
      Result<Column> v = (*bound)->Evaluate(one);
      if (!v.ok()) return InsertErr(row[i]->pos, v.status().message());
      fields.push_back({t.columns[i], v->type(), true});
      cols.push_back(std::move(*v));
    }
    RecordBatch in(std::move(fields), std::move(cols));
    auto where = [&](size_t i, size_t) {
      return (i < row.size() ? row[i]->pos : row_pos).ToString() + ": " +
             (i < row.size() ? "" : "VALUES row " + std::to_string(r + 1) + ": ");
    };
    ASSIGN_OR_RETURN(RecordBatch b, Convert(t, in, where));
    RETURN_IF_ERROR(all.Append(b));
  }
  return all;
}

std::unique_ptr<q::BatchStream> CountResult(uint64_t count, uint64_t duplicates) {
  std::vector<Field> f = {{"count", ColumnType::kInt64, false}, {"duplicates", ColumnType::kInt64, false}};
  RecordBatch b(f);
  b.column(0).AppendInt64(static_cast<int64_t>(count));
  b.column(1).AppendInt64(static_cast<int64_t>(duplicates));
  std::vector<RecordBatch> v;
  v.push_back(std::move(b));
  return q::MakeVectorStream(f, std::move(v));
}

}  // namespace

void SetInsertSpoolRowsForTesting(size_t rows) { g_spool_rows = rows; }

Result<std::unique_ptr<q::BatchStream>> RunInsert(Database* db, const Statement& st) {
  ASSIGN_OR_RETURN(Target t, ResolveTarget(db, st));
  if (db->read_only()) {
    return Status::InvalidArgument(st.pos.ToString() + ": INSERT needs the database opened for writing");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Appender> appender, db->NewAppender(t.def.name));
  uint64_t duplicates = 0;
  if (st.query == nullptr) {
    ASSIGN_OR_RETURN(RecordBatch batch, ValuesBatch(t, st));
    RETURN_IF_ERROR(appender->AppendCounted(batch, &duplicates));
    return CountResult(batch.num_rows(), duplicates);
  }

  TableLookup lookup = [db](std::string_view name) { return db->GetTable(name); };
  ASSIGN_OR_RETURN(BoundSelect b, BindSelect(*st.query, lookup));
  if (b.output.size() != t.columns.size()) {
    return InsertErr(
        st.query->pos, "the SELECT gives " + std::to_string(b.output.size()) + " columns for " +
                           std::to_string(t.columns.size()) + " target columns (" +
                           [&] {
                             std::string s;
                             for (const std::string& c : t.columns) s += (s.empty() ? "" : ", ") + c;
                             return s;
                           }() +
                           ")");
  }
  // Errors point at the SELECT item of the column (or at the SELECT for `*`).
  const bool has_star = std::any_of(st.query->select.begin(), st.query->select.end(),
                                    [](const SelectItem& it) { return it.expr->kind == ExprKind::kStar; });
  uint64_t rows_before = 0;
  auto where = [&](size_t i, size_t row) {
    const Pos pos = (!has_star && i < st.query->select.size()) ? st.query->select[i].expr->pos : st.query->pos;
    return pos.ToString() + ": SELECT row " + std::to_string(rows_before + row + 1) + ": ";
  };

  // Pass 1: convert and check every row, keeping up to g_spool_rows.
  RecordBatch spool(t.def.schema);
  bool spooled = true;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> stream, ExecuteSelect(db, b));
    RecordBatch in;
    for (;;) {
      ASSIGN_OR_RETURN(bool more, stream->Next(&in));
      if (!more) break;
      ASSIGN_OR_RETURN(RecordBatch out, Convert(t, in, where));
      rows_before += in.num_rows();
      if (spooled && spool.num_rows() + out.num_rows() <= g_spool_rows) {
        RETURN_IF_ERROR(spool.Append(out));
      } else if (spooled) {
        spooled = false;
        spool = RecordBatch(t.def.schema);
      }
    }
  }
  if (spooled) {
    RETURN_IF_ERROR(appender->AppendCounted(spool, &duplicates));
    return CountResult(spool.num_rows(), duplicates);
  }
  // Pass 2: too many rows to keep; run the query again and append as it streams.
  const uint64_t checked = rows_before;
  rows_before = 0;
  ASSIGN_OR_RETURN(std::unique_ptr<q::BatchStream> stream, ExecuteSelect(db, b));
  RecordBatch in;
  Status failed;
  for (;;) {
    Result<bool> more = stream->Next(&in);
    if (!more.ok() || !*more) {
      failed = more.status();
      break;
    }
    Result<RecordBatch> out = Convert(t, in, where);
    uint64_t d = 0;
    failed = out.ok() ? appender->AppendCounted(*out, &d) : out.status();
    if (!failed.ok()) break;
    duplicates += d;
    rows_before += in.num_rows();
  }
  if (!failed.ok()) {
    return Status(failed.code(), failed.message() + " (the INSERT had appended " + std::to_string(rows_before) +
                                     " of the " + std::to_string(checked) + " rows it checked)");
  }
  return CountResult(rows_before, duplicates);
}

}  // namespace strata::sql::internal
