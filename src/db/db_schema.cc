// Schema evolution of DatabaseImpl (db_impl.h): AddColumn, and appends from appenders made
// before a column was added. The design is in doc/schema_evolution.md.
#include <mutex>

#include "db/db_impl.h"
#include "db/wal_record.h"

namespace strata::db {

Status DatabaseImpl::AddColumn(std::string_view table, std::string_view name, ColumnType type) {
  RETURN_IF_ERROR(CheckWritable());
  const std::string where = "add column '" + std::string(name) + "' to table " + std::string(table);
  if (type == ColumnType::kTimestamp || type == ColumnType::kSymbol) {
    return Status::InvalidArgument(where + ": a table has exactly one " + std::string(ColumnTypeName(type)) +
                                   " column, given when it is created; add a column of type i32, i64, f64, string or "
                                   "bool");
  }
  MutexLock op(&tier_op_mu_);
  if (closed_.load(std::memory_order_acquire)) return ClosedError();
  // No append runs from here to the end: the table's hot rows are flushed under the old schema and
  // the next append sees the new one.
  WriterMutexLock ddl(&ddl_gate_);
  ASSIGN_OR_RETURN(TableInfo info, catalog_->GetTable(table));
  if (info.def.schema.FieldIndex(name) >= 0) {
    return Status::AlreadyExists(where + ": the table has that column already (" + info.def.schema.ToString() + ")");
  }
  std::vector<Field> fields = info.def.schema.fields();
  fields.push_back(Field{std::string(name), type, /*nullable=*/true});
  auto schema = Schema::Make(std::move(fields));
  if (!schema.ok()) return Status::InvalidArgument(where + ": " + schema.status().message());
  const uint32_t id = static_cast<uint32_t>(info.id);

  // The hot tier keeps a table's rows in its schema's layout: they go to warm files first.
  ASSIGN_OR_RETURN(TierRunResult flushed, FlushLocked(id));
  (void)flushed;
  for (const HotTableStats& hs : hot_->Stats()) {
    if (hs.table_id == id && hs.rows > 0) {
      return Status::Busy(where + ": " + std::to_string(hs.rows) +
                          " hot rows could not be flushed first; nothing was changed, try again");
    }
  }
  RETURN_IF_ERROR(catalog_->SetTableSchema(table, info.def.schema, *schema).WithContext(where));
  info.def.schema = *schema;
  auto updated = std::make_shared<OpenTable>(OpenTable{id, info.def});
  {
    // Scans plan under view_mu_ shared: each sees the old table (hot tier and columns) or the new.
    std::unique_lock view(view_mu_);
    Status replaced = hot_->ReplaceSchema(id, *schema);
    if (!replaced.ok()) {
      return Status::Internal(where + ": the catalog has the column but the hot tier refused it (" +
                              replaced.message() + "); reopen the database");
    }
    WriterMutexLock lock(&tables_mu_);
    tables_by_name_[info.def.name] = updated;
    tables_by_id_[id] = updated;
  }
  columns_added_.fetch_add(1, std::memory_order_relaxed);
  return Status::OK();
}

Status DatabaseImpl::AppendWithCurrentSchemas(std::string_view payload, std::span<const TablePart> parts) {
  std::vector<std::shared_ptr<const OpenTable>> current;
  bool stale = false;
  for (const auto& [t, b] : parts) {
    ASSIGN_OR_RETURN(auto now, TableById(t->id));
    stale = stale || now->def.schema.num_fields() != b->num_columns();
    current.push_back(std::move(now));
  }
  if (!stale) return AppendRecordLocked(payload, parts);
  std::vector<RecordBatch> widened;
  widened.reserve(parts.size());
  std::vector<TablePart> fresh;
  for (size_t i = 0; i < parts.size(); ++i) {
    const RecordBatch& b = *parts[i].second;
    if (b.num_columns() == current[i]->def.schema.num_fields()) {
      fresh.push_back({current[i].get(), &b});
      continue;
    }
    auto padded = PadToFields(b, current[i]->def.schema.fields());
    if (!padded.ok()) return padded.status().WithContext("append to " + current[i]->def.name);
    widened.push_back(std::move(padded).value());
    fresh.push_back({current[i].get(), &widened.back()});
  }
  // Re-encoded as it came: the same kind, and the commit time of a timed record (point-in-time
  // restore reads it), whose inner kind follows the 1-byte kind and the 8-byte time.
  const int64_t commit_time = RecordCommitTime(payload).value_or(0);
  const size_t kind_at = RecordCommitTime(payload).has_value() ? 9 : 0;
  std::string encoded;
  if (payload.size() > kind_at && static_cast<uint8_t>(payload[kind_at]) == kWalRowsRecord && fresh.size() == 1) {
    EncodeRowsRecord(fresh[0].first->id, *fresh[0].second, &encoded, commit_time);
  } else {
    std::vector<std::pair<uint32_t, const RecordBatch*>> records;
    for (const auto& [t, b] : fresh) records.emplace_back(t->id, b);
    EncodeMultiRowsRecord(records, &encoded, commit_time);
  }
  return AppendRecordLocked(encoded, fresh);
}

}  // namespace strata::db
