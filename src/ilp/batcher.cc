#include "ilp/batcher.h"

#include <chrono>
#include <cmath>

#include "strata/timestamp.h"

namespace strata::ilp {

namespace {

int64_t SystemNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Schema's naming rule: [A-Za-z_][A-Za-z0-9_]*.
bool IsColumnName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string Q(std::string_view s) { return "'" + std::string(s.substr(0, 60)) + (s.size() > 60 ? "...'" : "'"); }

constexpr double kMaxExactDouble = 9007199254740992.0;  // 2^53: integers a double holds exactly

// Why the value cannot go into a column of type `type`, or "" when it can (see README: types).
std::string Incompatible(ColumnType type, const Tag* tag, const FieldValue* f) {
  if (tag != nullptr) {
    if (type == ColumnType::kString) return "";
    return "is a tag (a string) but the column is " + std::string(ColumnTypeName(type));
  }
  switch (type) {
    case ColumnType::kString:
      if (f->kind == ValueKind::kString) return "";
      break;
    case ColumnType::kInt64:
      if (f->kind == ValueKind::kInt) return "";
      if (f->kind == ValueKind::kUInt) {
        return f->u <= static_cast<uint64_t>(INT64_MAX) ? "" : "is beyond the range of the i64 column";
      }
      break;
    case ColumnType::kInt32:
      if (f->kind == ValueKind::kInt) {
        return f->i >= INT32_MIN && f->i <= INT32_MAX ? "" : "is beyond the range of the i32 column";
      }
      if (f->kind == ValueKind::kUInt) return f->u <= INT32_MAX ? "" : "is beyond the range of the i32 column";
      break;
    case ColumnType::kFloat32:  // the nearest float, as CSV and SQL store it
      if (f->kind == ValueKind::kFloat)
        return std::isfinite(f->f) && !std::isfinite(static_cast<float>(f->f)) ? "is out of range for the f32 column"
                                                                               : "";
      if (f->kind == ValueKind::kInt || f->kind == ValueKind::kUInt) return "";
      break;
    case ColumnType::kFloat64:
      if (f->kind == ValueKind::kFloat) return "";
      if (f->kind == ValueKind::kInt) {
        return static_cast<double>(f->i < 0 ? -(f->i + 1) : f->i) < kMaxExactDouble
                   ? ""
                   : "is an integer a f64 column cannot hold exactly";
      }
      if (f->kind == ValueKind::kUInt) {
        return static_cast<double>(f->u) < kMaxExactDouble ? "" : "is an integer a f64 column cannot hold exactly";
      }
      break;
    case ColumnType::kBool:
      if (f->kind == ValueKind::kBool) return "";
      break;
    default: break;
  }
  return "is " + std::string(f->kind == ValueKind::kInt ? "an " : "a ") + std::string(ValueKindName(f->kind)) +
         " but the column is " + std::string(ColumnTypeName(type));
}

ColumnType NewColumnType(const FieldValue& f) {
  switch (f.kind) {
    case ValueKind::kInt:
    case ValueKind::kUInt: return ColumnType::kInt64;
    case ValueKind::kFloat: return ColumnType::kFloat64;
    case ValueKind::kString: return ColumnType::kString;
    case ValueKind::kBool: return ColumnType::kBool;
  }
  return ColumnType::kString;
}

void AppendValue(Column* c, const Tag* tag, const FieldValue* f) {
  if (tag != nullptr) {
    c->AppendString(tag->value);
    return;
  }
  switch (c->type()) {
    case ColumnType::kString: c->AppendString(f->s); break;
    case ColumnType::kInt64: c->AppendInt64(f->kind == ValueKind::kUInt ? static_cast<int64_t>(f->u) : f->i); break;
    case ColumnType::kInt32:
      c->AppendInt32(static_cast<int32_t>(f->kind == ValueKind::kUInt ? static_cast<int64_t>(f->u) : f->i));
      break;
    case ColumnType::kFloat32:
      c->AppendDouble(static_cast<float>(f->kind == ValueKind::kFloat  ? f->f
                                         : f->kind == ValueKind::kUInt ? static_cast<double>(f->u)
                                                                       : static_cast<double>(f->i)));
      break;
    case ColumnType::kFloat64:
      c->AppendDouble(f->kind == ValueKind::kFloat  ? f->f
                      : f->kind == ValueKind::kUInt ? static_cast<double>(f->u)
                                                    : static_cast<double>(f->i));
      break;
    case ColumnType::kBool: c->AppendBool(f->b); break;
    default: c->AppendNull(); break;  // not reached: Incompatible refused it
  }
}

int64_t PrecisionFactor(Precision p) {
  switch (p) {
    case Precision::kNanos: return 1;
    case Precision::kMicros: return 1'000;
    case Precision::kMillis: return 1'000'000;
    case Precision::kSeconds: return 1'000'000'000;
  }
  return 1;
}

}  // namespace

void Batcher::Clear() {
  tables_.clear();
  last_ = nullptr;
  rows_ = 0;
}

Status Batcher::AddColumn(TableBuild* t, Field field) {
  Column c(field.type);
  for (size_t i = 0; i < t->rows; ++i) c.AppendNull();
  if (!field.nullable && field.type != ColumnType::kTimestamp && field.type != ColumnType::kSymbol) {
    ++t->non_nullable;
  }
  t->index.emplace(field.name, static_cast<int>(t->fields.size()));
  t->fields.push_back(std::move(field));
  t->columns.push_back(std::move(c));
  t->stamp.push_back(0);
  return Status::OK();
}

Result<Batcher::TableBuild*> Batcher::FindTable(const Line& line) {
  const std::string_view m = line.measurement;
  if (last_ != nullptr && last_->name == m) return last_;
  for (auto& t : tables_) {
    if (t->name == m) return last_ = t.get();
  }
  auto t = std::make_unique<TableBuild>();
  t->name = std::string(m);
  auto def = db_->GetTable(m);
  if (def.ok()) {
    t->exists = true;
    for (const Field& f : def->schema.fields()) RETURN_IF_ERROR(AddColumn(t.get(), f));
    t->ts_col = def->schema.ts_index();
    t->sym_col = def->schema.symbol_index();
  } else if (def.status().IsNotFound()) {
    if (!options_->auto_create_tables) {
      return Status::InvalidArgument("table " + Q(m) + " does not exist and auto-create of tables is off");
    }
    Status valid = TableDef::ValidateName(m);
    if (!valid.ok()) return Status::InvalidArgument("cannot create table " + Q(m) + ": " + valid.message());
    std::string key;
    if (auto it = options_->series_key_tags.find(m); it != options_->series_key_tags.end()) {
      key = it->second;
      bool found = false;
      for (const Tag& tag : line.tags) found = found || tag.key == key;
      if (!found)
        return Status::InvalidArgument("table " + Q(m) + " takes its series key from tag " + Q(key) +
                                       ", which the line lacks");
    } else {
      for (const Tag& tag : line.tags) {
        if (tag.key == options_->series_key_tag) key = tag.key;
      }
      if (key.empty() && !line.tags.empty()) key = std::string(line.tags[0].key);
    }
    if (key.empty()) {
      return Status::InvalidArgument("cannot create table " + Q(m) +
                                     ": the line has no tag for its series key (send one, e.g. symbol=AAPL)");
    }
    if (!IsColumnName(key) || key == "ts") {
      return Status::InvalidArgument("cannot create table " + Q(m) + ": tag " + Q(key) +
                                     " is not a usable column name (letters, digits, '_'; not 'ts')");
    }
    RETURN_IF_ERROR(AddColumn(t.get(), Field{"ts", ColumnType::kTimestamp, false}));
    RETURN_IF_ERROR(AddColumn(t.get(), Field{key, ColumnType::kSymbol, false}));
    t->ts_col = 0;
    t->sym_col = 1;
  } else {
    return def.status();
  }
  tables_.push_back(std::move(t));
  return last_ = tables_.back().get();
}

Status Batcher::Apply(const Line& line) {
  ASSIGN_OR_RETURN(TableBuild * t, FindTable(line));
  const uint64_t seq = ++apply_seq_;
  resolved_.clear();
  new_columns_.clear();

  int64_t ts;
  if (line.has_timestamp) {
    if (__builtin_mul_overflow(line.timestamp, PrecisionFactor(options_->precision), &ts) || !InTimestampRange(ts)) {
      return Status::InvalidArgument("timestamp " + std::to_string(line.timestamp) + " (precision " +
                                     std::string(PrecisionName(options_->precision)) +
                                     ") is outside the years 1678-2261 strata stores");
    }
  } else {
    ts = options_->clock ? options_->clock() : SystemNowNs();
  }

  const size_t nkeys = line.tags.size() + line.fields.size();
  bool layout_match = t->layout_keys.size() == nkeys;
  const Tag* key_tag = nullptr;
  size_t covered = 0;
  auto resolve = [&](size_t k, std::string_view name, const Tag* tag, const FieldValue* f) -> Status {
    int col;
    if (layout_match && t->layout_keys[k] == name) {
      col = t->layout_cols[k];
    } else {
      layout_match = false;
      auto it = t->index.find(name);
      col = it == t->index.end() ? -1 : it->second;
    }
    if (col == t->sym_col) {
      if (tag == nullptr) {
        return Status::InvalidArgument(Q(name) + " is the series key of table " + Q(t->name) + "; send it as a tag");
      }
      Status st = ValidateSymbol(tag->value);
      if (!st.ok()) return Status::InvalidArgument("series key " + Q(name) + ": " + st.message());
      key_tag = tag;
      return Status::OK();
    }
    if (col == t->ts_col) {
      return Status::InvalidArgument(Q(name) + " is the timestamp column of table " + Q(t->name) +
                                     "; the timestamp goes last on the line");
    }
    if (col >= 0) {
      const Field& field = t->fields[col];
      std::string why = Incompatible(field.type, tag, f);
      if (!why.empty()) return Status::InvalidArgument("value of " + Q(name) + " " + why + " in table " + Q(t->name));
      if (!field.nullable) ++covered;
      resolved_.push_back({col, -1, tag, f});
    } else {
      if (t->exists && !options_->auto_create_columns) {
        return Status::InvalidArgument("table " + Q(t->name) + " has no column " + Q(name) +
                                       " and auto-create of columns is off");
      }
      if (t->exists && !kCanAddColumns) {
        return Status::InvalidArgument("table " + Q(t->name) + " has no column " + Q(name) +
                                       " (adding columns to an existing table is not supported)");
      }
      if (!IsColumnName(name)) {
        return Status::InvalidArgument("cannot add column " + Q(name) + " to table " + Q(t->name) +
                                       ": a column name has letters, digits and '_' only, not first a digit");
      }
      Field nf{std::string(name), tag != nullptr ? ColumnType::kString : NewColumnType(*f), true};
      resolved_.push_back({-1, static_cast<int>(new_columns_.size()), tag, f});
      new_columns_.push_back(std::move(nf));
    }
    if (tag == nullptr) {
      if (f->kind == ValueKind::kString && !IsValidUtf8(f->s)) {
        return Status::InvalidArgument("field " + Q(name) + " is not valid UTF-8");
      }
    } else if (!IsValidUtf8(tag->value)) {
      return Status::InvalidArgument("tag " + Q(name) + " is not valid UTF-8");
    }
    return Status::OK();
  };
  size_t k = 0;
  for (const Tag& tag : line.tags) RETURN_IF_ERROR(resolve(k++, tag.key, &tag, nullptr));
  for (const FieldValue& f : line.fields) RETURN_IF_ERROR(resolve(k++, f.key, nullptr, &f));
  if (key_tag == nullptr) {
    return Status::InvalidArgument("the line has no tag " + Q(t->fields[t->sym_col].name) +
                                   ", the series key of table " + Q(t->name));
  }
  if (covered != t->non_nullable) {
    for (size_t c = 0; c < t->fields.size(); ++c) {
      const Field& field = t->fields[c];
      if (field.nullable || static_cast<int>(c) == t->ts_col || static_cast<int>(c) == t->sym_col) continue;
      bool have = false;
      for (const Resolved& r : resolved_) have = have || r.col == static_cast<int>(c);
      if (!have) {
        return Status::InvalidArgument("the line has no value for column " + Q(field.name) + " of table " + Q(t->name) +
                                       ", which is not nullable");
      }
    }
  }

  // Everything checked: from here on the line is taken whole.
  const size_t base = t->fields.size();
  for (Field& nf : new_columns_) RETURN_IF_ERROR(AddColumn(t, std::move(nf)));
  if (!layout_match) {
    t->layout_keys.clear();
    t->layout_cols.clear();
  }
  k = 0;
  for (const Resolved& r : resolved_) {
    const int col = r.col >= 0 ? r.col : static_cast<int>(base) + r.new_index;
    AppendValue(&t->columns[col], r.tag, r.field);
    t->stamp[col] = seq;
  }
  t->columns[t->ts_col].AppendInt64(ts);
  t->columns[t->sym_col].AppendString(key_tag->value);
  t->stamp[t->ts_col] = seq;
  t->stamp[t->sym_col] = seq;
  if (resolved_.size() + 2 != t->columns.size()) {
    for (size_t c = 0; c < t->columns.size(); ++c) {
      if (t->stamp[c] != seq) t->columns[c].AppendNull();
    }
  }
  if (!layout_match) {
    // Remember this line's keys and columns for the next line of the table.
    for (const Tag& tag : line.tags) t->layout_keys.emplace_back(tag.key);
    for (const FieldValue& f : line.fields) t->layout_keys.emplace_back(f.key);
    for (const std::string& name : t->layout_keys) t->layout_cols.push_back(t->index.find(name)->second);
  }
  ++t->rows;
  ++rows_;
  return Status::OK();
}

// Makes t's columns match the table in the catalog: creates the table when it is new, and when
// it exists (created meanwhile by another writer, or columns added since) reorders the columns
// by name, fills the table's other nullable columns with nulls, and adds the batch's new columns.
Status Batcher::Conform(TableBuild* t, WriteResult* result) {
  if (!t->exists) {
    ASSIGN_OR_RETURN(Schema schema, Schema::Make(t->fields));
    TableDef def;
    def.name = t->name;
    def.schema = std::move(schema);
    Status st = db_->CreateTable(def);
    if (st.ok()) {
      result->tables_created.push_back(t->name);
      return Status::OK();
    }
    if (st.code() != StatusCode::kAlreadyExists) return st.WithContext("creating table " + t->name);
  }
  ASSIGN_OR_RETURN(TableDef current, db_->GetTable(t->name));
  if (current.schema.fields() == t->fields) return Status::OK();
  std::vector<Field> missing;
  for (const Field& f : t->fields) {
    if (current.schema.FieldIndex(f.name) < 0) missing.push_back(Field{f.name, f.type, true});
  }
  if (!missing.empty()) {
    if (!options_->auto_create_columns || !kCanAddColumns) {
      return Status::InvalidArgument("table " + t->name + " has no column " + missing[0].name +
                                     (kCanAddColumns ? " and auto-create of columns is off"
                                                     : " (adding columns to an existing table is not supported)"));
    }
    // Nullable columns at the end of the table's schema (Database::AddColumn). A column stays
    // when the request fails later: its rows are not stored, the column is.
    for (const Field& f : missing) {
      Status added = db_->AddColumn(t->name, f.name, f.type);
      if (added.ok()) {
        result->columns_added.push_back(t->name + "." + f.name);
      } else if (added.code() != StatusCode::kAlreadyExists) {  // added meanwhile: checked below
        return added.WithContext("adding column " + f.name + " to table " + t->name);
      }
    }
    ASSIGN_OR_RETURN(current, db_->GetTable(t->name));
  }
  std::vector<Field> fields = current.schema.fields();
  std::vector<Column> columns;
  for (const Field& f : fields) {
    auto it = t->index.find(f.name);
    if (it == t->index.end()) {
      if (!f.nullable) {
        return Status::InvalidArgument("table " + t->name + " (changed by another writer meanwhile) has column " +
                                       f.name + ", which is not nullable and these rows lack");
      }
      Column c(f.type);
      for (size_t i = 0; i < t->rows; ++i) c.AppendNull();
      columns.push_back(std::move(c));
      continue;
    }
    const Field& mine = t->fields[it->second];
    if (mine.type != f.type || (mine.nullable && !f.nullable && t->columns[it->second].has_nulls())) {
      return Status::InvalidArgument("table " + t->name + " (changed by another writer meanwhile) has column " +
                                     f.name + " as " + std::string(ColumnTypeName(f.type)) + ", these rows have " +
                                     std::string(ColumnTypeName(mine.type)) + "; retry the write");
    }
    columns.push_back(std::move(t->columns[it->second]));
  }
  t->fields = std::move(fields);
  t->columns = std::move(columns);
  return Status::OK();
}

Status Batcher::Commit(WriteResult* result) {
  if (rows_ == 0) {
    Clear();
    return Status::OK();
  }
  Status st = [&]() -> Status {
    for (auto& t : tables_) RETURN_IF_ERROR(Conform(t.get(), result));
    std::vector<RecordBatch> batches;
    batches.reserve(tables_.size());
    std::vector<TableRows> rows;
    for (auto& t : tables_) {
      batches.emplace_back(t->fields, std::move(t->columns));
      rows.push_back({t->name, &batches.back()});
    }
    return db_->AppendAtomically(rows);
  }();
  if (st.ok()) result->rows += rows_;
  Clear();
  return st;
}

}  // namespace strata::ilp
