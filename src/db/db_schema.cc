// Schema evolution of DatabaseImpl (db_impl.h): AddColumn, and appends from appenders made
// before a column was added. The design is in doc/schema_evolution.md.
#include <mutex>

#include "catalog/layout.h"
#include "db/db_impl.h"
#include "db/wal_record.h"
#include "strata/timestamp.h"
#include "tier/policy.h"

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
  // The commit point: the schema record, durable, through the rows' append path (an LSN of its
  // own, after every row of the old schema, before every row of the new). Every replay (crash
  // recovery, point-in-time restore) applies it to the catalog before it replays a row.
  std::string record;
  EncodeSchemaRecord(id, *schema, &record, WallClockNs());
  RETURN_IF_ERROR(LogDdlRecord(record, where, "schema record", "the column"));
  Status cataloged = catalog_->SetTableSchema(table, info.def.schema, *schema);
  if (cataloged.ok()) cataloged = NoteWalDdlDone();
  if (!cataloged.ok()) {
    return Status(cataloged.code(), where + ": the column is in the write-ahead log but the catalog refused it (" +
                                        cataloged.message() + "); reopen the database, its recovery adds the column");
  }
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

Status DatabaseImpl::NoteWalDdl() {
  return catalog_->PutSetting(layout::kWalDdlLsnSetting, "pending")
      .WithContext("noting a create or schema record in the catalog before it is written");
}

Status DatabaseImpl::LogDdlRecord(std::string_view record, const std::string& where, std::string_view kind,
                                  std::string_view thing) {
  RETURN_IF_ERROR(NoteWalDdl().WithContext(where));
  Status logged = AppendRecordLocked(record, {});
  if (!logged.ok()) {
    return logged.WithContext(where + ": the WAL refused the " + std::string(kind) + "; nothing was changed");
  }
  Status synced = Sync();
  if (!synced.ok()) {
    return synced.WithContext(where + ": the " + std::string(kind) + " could not be made durable; " +
                              std::string(thing) + " is there after the database is reopened if the record reached " +
                              "the disk");
  }
  return Status::OK();
}

Status DatabaseImpl::NoteWalDdlDone() {
  // The WAL's last LSN now: at or past the record just written (an append may have followed it).
  return catalog_->PutSetting(layout::kWalDdlLsnSetting, std::to_string(WalForTierOp()->last_lsn()));
}

Status DatabaseImpl::ApplyWalSchemas(const WalReadOptions& wal, uint64_t* last_lsn) {
  WalReadOptions ro = wal;
  ro.repair = false;  // the replay that follows repairs a torn tail; this pass stops at one
  struct Ddl {
    uint64_t lsn;
    std::optional<SchemaRecord> schema;
    std::vector<CreatedTable> create;
    std::optional<PolicyRecord> policy;
  };
  std::vector<Ddl> records;
  auto collect = [&](uint64_t lsn, std::string_view payload) -> Status {
    // Only the kind bytes are looked at for rows records: nothing is decoded.
    const size_t at = RecordCommitTime(payload).has_value() ? 9 : 0;
    if (payload.size() <= at) return Status::OK();
    const uint8_t kind = static_cast<uint8_t>(payload[at]);
    // A damaged record is left to the replay, which reports it (or skips it, as asked).
    if (kind == kWalSchemaRecord) {
      auto rec = ParseSchemaRecord(payload);
      if (rec.ok() && *rec) records.push_back({lsn, std::move(**rec), {}, std::nullopt});
    } else if (kind == kWalCreateRecord) {
      auto rec = ParseCreateRecord(payload);
      if (rec.ok() && *rec) records.push_back({lsn, std::nullopt, std::move(**rec), std::nullopt});
    } else if (kind == kWalPolicyRecord) {
      auto rec = ParsePolicyRecord(payload);
      if (rec.ok() && *rec) records.push_back({lsn, std::nullopt, {}, std::move(**rec)});
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(ReadWal(ro, collect).status());
  for (Ddl& rec : records) {
    *last_lsn = std::max(*last_lsn, rec.lsn);
    Status st;
    if (rec.schema) {
      st = ApplyWalSchema(*rec.schema, "WAL record LSN " + std::to_string(rec.lsn) + " (a column added to table id " +
                                           std::to_string(rec.schema->table_id) + ")");
    } else if (rec.policy) {
      st = ApplyWalPolicy(*rec.policy, "WAL record LSN " + std::to_string(rec.lsn) + " (the policy of table id " +
                                           std::to_string(rec.policy->table_id) + " set)");
    } else {
      st = ApplyWalCreate(rec.create, "WAL record LSN " + std::to_string(rec.lsn) + " (table " +
                                          rec.create.front().def.name + " created)");
    }
    if (st.ok()) continue;
    if (!options_.skip_bad_wal_records) {
      return Status(st.code(), st.message() +
                                   "; to open anyway, skip such records (their rows are lost) with "
                                   "--skip-bad-wal-records (Options::skip_bad_wal_records)");
    }
    Warn("skipped " + st.message());
  }
  return Status::OK();
}

Status DatabaseImpl::ApplyWalCreate(const std::vector<CreatedTable>& tables, const std::string& where) {
  // The catalog's table of an id or a name, or nullopt; a read-only open's tables created by an
  // earlier record of this pass are in memory only.
  auto known = [&](std::optional<uint32_t> id, const std::string& name) -> Result<std::optional<TableDef>> {
    {
      ReaderMutexLock lock(&tables_mu_);
      if (id) {
        if (auto it = tables_by_id_.find(*id); it != tables_by_id_.end()) return std::optional(it->second->def);
      } else if (auto it = tables_by_name_.find(name); it != tables_by_name_.end()) {
        return std::optional(it->second->def);
      }
    }
    auto info = id ? catalog_->GetTableById(*id) : catalog_->GetTable(name);
    if (info.ok()) return std::optional(info->def);
    if (info.status().code() != StatusCode::kNotFound) return info.status();
    return std::optional<TableDef>();
  };
  std::vector<TableInfo> missing;
  for (const CreatedTable& t : tables) {
    ASSIGN_OR_RETURN(std::optional<TableDef> by_id, known(t.table_id, ""));
    if (by_id) {
      if (by_id->name == t.def.name) continue;  // the catalog has it: the crash came after its commit
      return Status::Corruption(where + ": it creates table " + t.def.name + " with id " + std::to_string(t.table_id) +
                                ", which is table " + by_id->name + " in the catalog");
    }
    ASSIGN_OR_RETURN(std::optional<TableDef> by_name, known(std::nullopt, t.def.name));
    if (by_name) {
      return Status::Corruption(where + ": it creates table " + t.def.name + " with id " + std::to_string(t.table_id) +
                                ", but the catalog has a table of that name with another id");
    }
    missing.push_back(TableInfo{t.table_id, t.def, 0});
  }
  if (missing.empty()) return Status::OK();
  // The crash came after the record and before the catalog (or this is a point-in-time restore
  // onto an older catalog). A read-only open changes nothing on disk: the tables in memory only.
  if (!options_.read_only) {
    RETURN_IF_ERROR(catalog_
                        ->InTransaction([&]() -> Status {
                          for (TableInfo& t : missing) {
                            ASSIGN_OR_RETURN(TableInfo info, catalog_->CreateTable(t.def, t.id));
                            t = std::move(info);
                          }
                          return Status::OK();
                        })
                        .WithContext(where + ": creating the table in the catalog"));
  }
  for (const TableInfo& t : missing) RETURN_IF_ERROR(RegisterTable(t).WithContext(where));
  return Status::OK();
}

Status DatabaseImpl::ApplyWalSchema(const SchemaRecord& rec, const std::string& where) {
  auto table = TableById(rec.table_id);
  if (!table.ok()) return table.status().WithContext(where);
  const TableDef& def = (*table)->def;
  const std::vector<Field>& have = def.schema.fields();
  const std::vector<Field>& want = rec.schema.fields();
  if (IsEarlierSchema(want, have)) return Status::OK();  // the catalog has it (or more) already
  if (!IsEarlierSchema(have, want)) {
    return Status::Corruption(where + ": table " + def.name + " has the schema " + def.schema.ToString() +
                              ", which the record's " + rec.schema.ToString() +
                              " does not extend with nullable columns");
  }
  // The crash came after the record and before the catalog (or this is a point-in-time restore
  // onto an older catalog). A read-only open changes nothing on disk: the schema in memory only.
  if (!options_.read_only) {
    RETURN_IF_ERROR(catalog_->SetTableSchema(def.name, def.schema, rec.schema)
                        .WithContext(where + ": adding the column to the catalog"));
  }
  TableDef updated = def;
  updated.schema = rec.schema;
  auto open = std::make_shared<OpenTable>(OpenTable{(*table)->id, std::move(updated)});
  // Before any row is replayed: the hot tier holds none of the table's rows yet.
  RETURN_IF_ERROR(hot_->ReplaceSchema(open->id, rec.schema).WithContext(where));
  WriterMutexLock lock(&tables_mu_);
  tables_by_name_[open->def.name] = open;
  tables_by_id_[open->id] = open;
  return Status::OK();
}

Status DatabaseImpl::ApplyWalPolicy(const PolicyRecord& rec, const std::string& where) {
  // The derived tables first, as a create record's (those the catalog has are skipped).
  if (!rec.created.empty()) RETURN_IF_ERROR(ApplyWalCreate(rec.created, where));
  auto table = TableById(rec.table_id);
  if (!table.ok()) return table.status().WithContext(where);
  const TableDef& def = (*table)->def;
  if (def.policy_json == rec.policy_json) return Status::OK();  // the catalog has it
  // A crash after the record and before the catalog, or a point-in-time restore onto an older
  // catalog: records are applied in LSN order and each holds the whole policy, so the last one
  // wins. A read-only open changes nothing on disk: the policy in memory only.
  auto parsed = tier::TablePolicy::Parse(rec.policy_json);
  if (!parsed.ok()) return Status::Corruption(where + ": unreadable policy: " + parsed.status().message());
  if (!options_.read_only) {
    RETURN_IF_ERROR(
        catalog_->SetTablePolicy(def.name, rec.policy_json).WithContext(where + ": setting the policy in the catalog"));
  }
  TableDef updated = def;
  updated.policy_json = rec.policy_json;
  auto open = std::make_shared<OpenTable>(OpenTable{(*table)->id, std::move(updated)});
  WriterMutexLock lock(&tables_mu_);
  tables_by_name_[open->def.name] = open;
  tables_by_id_[open->id] = open;
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
