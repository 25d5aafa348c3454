#include "state/snapshot_store.h"

#include <chrono>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "catalog/statement.h"
#include "io/durable_dirs.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_writer.h"
#include "tier/lake.h"

namespace strata::state {
namespace {

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr char kStateDirName[] = "state";

}  // namespace

SnapshotStore::SnapshotStore(Database* db, FileSystem* fs, std::unique_ptr<Catalog> catalog)
    : db_(db), fs_(fs), catalog_(std::move(catalog)) {}
SnapshotStore::~SnapshotStore() = default;

Result<std::unique_ptr<SnapshotStore>> SnapshotStore::Open(Database* db, FileSystem* fs) {
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(layout::CatalogPath(db->root()), db->read_only()));
  return std::unique_ptr<SnapshotStore>(
      new SnapshotStore(db, fs != nullptr ? fs : DefaultFileSystem(), std::move(catalog)));
}

Result<int64_t> SnapshotStore::TableId(std::string_view table) {
  ASSIGN_OR_RETURN(TableInfo info, catalog_->GetTable(table));
  return info.id;
}

Result<bool> SnapshotStore::HasTable() {
  bool has = false;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sqlite::Statement s(catalog_->db(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state_snapshots'",
                        catalog_->path(), "look for state_snapshots");
    ASSIGN_OR_RETURN(has, s.Step());
    return Status::OK();
  }));
  return has;
}

Result<std::optional<SnapshotRecord>> SnapshotStore::Latest(int64_t table_id, std::string_view kind,
                                                            std::string_view symbol, int64_t max_ts) {
  std::optional<SnapshotRecord> out;
  ASSIGN_OR_RETURN(bool has, HasTable());
  if (!has) return out;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sqlite::Statement s(catalog_->db(),
                        "SELECT id, ts, events, uri, bytes, meta_json FROM state_snapshots "
                        "WHERE table_id = ? AND kind = ? AND symbol = ? AND ts <= ? ORDER BY ts DESC, id DESC LIMIT 1",
                        catalog_->path(), "find the latest state snapshot");
    s.Bind(1, table_id);
    s.Bind(2, kind);
    s.Bind(3, symbol);
    s.Bind(4, max_ts);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::OK();
    SnapshotRecord r;
    r.id = s.Int(0);
    r.table_id = table_id;
    r.kind = std::string(kind);
    r.symbol = std::string(symbol);
    r.ts = s.Int(1);
    r.events = static_cast<uint64_t>(s.Int(2));
    r.uri = s.Text(3);
    r.bytes = s.Int(4);
    r.meta_json = s.Text(5);
    out = std::move(r);
    return Status::OK();
  }));
  return out;
}

Result<uint64_t> SnapshotStore::Count(int64_t table_id, std::string_view kind) {
  uint64_t n = 0;
  ASSIGN_OR_RETURN(bool has, HasTable());
  if (!has) return n;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sqlite::Statement s(catalog_->db(), "SELECT COUNT(*) FROM state_snapshots WHERE table_id = ? AND kind = ?",
                        catalog_->path(), "count state snapshots");
    s.Bind(1, table_id);
    s.Bind(2, kind);
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) n = static_cast<uint64_t>(s.Int(0));
    return Status::OK();
  }));
  return n;
}

Result<std::vector<std::string>> SnapshotStore::Symbols(int64_t table_id, std::string_view kind) {
  std::vector<std::string> out;
  ASSIGN_OR_RETURN(bool has, HasTable());
  if (!has) return out;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sqlite::Statement s(catalog_->db(),
                        "SELECT DISTINCT symbol FROM state_snapshots WHERE table_id = ? AND kind = ? ORDER BY symbol",
                        catalog_->path(), "list the symbols of state snapshots");
    s.Bind(1, table_id);
    s.Bind(2, kind);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(s.Text(0));
    }
    return Status::OK();
  }));
  return out;
}

Status SnapshotStore::Write(std::string_view table, SnapshotRecord* rec, const RecordBatch& rows) {
  const std::string dir_rel =
      std::string(kStateDirName) + "/" + std::string(table) + "/symbol=" + tier::EscapePartitionValue(rec->symbol);
  rec->uri = dir_rel + "/" + rec->kind + "-" + std::to_string(rec->ts) + ".parquet";
  const std::string dir = JoinPath(db_->root(), dir_rel);
  const std::string path = JoinPath(db_->root(), rec->uri);
  const std::string where = "state snapshot " + path;
  RETURN_IF_ERROR(CreateDirsDurably(fs_, db_->root(), dir).WithContext(where));
  parquet::WriterOptions wo;
  wo.atomic = true;
  RETURN_IF_ERROR(parquet::WriteParquetFile(fs_, path, rows, wo).WithContext(where));
  ASSIGN_OR_RETURN(uint64_t bytes, fs_->FileSize(path));
  rec->bytes = static_cast<int64_t>(bytes);
  return catalog_->InTransaction([&]() -> Status {
    // The same (series, ts) again (a rebuild after a crash): the file was just replaced; keep one row.
    sqlite::Statement del(catalog_->db(), "DELETE FROM state_snapshots WHERE uri = ?", catalog_->path(),
                          "replace a state snapshot");
    del.Bind(1, rec->uri);
    RETURN_IF_ERROR(del.Run());
    sqlite::Statement s(catalog_->db(),
                        "INSERT INTO state_snapshots (table_id, kind, symbol, ts, events, uri, bytes, meta_json, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        catalog_->path(), "record a state snapshot of " + std::string(table));
    s.Bind(1, rec->table_id);
    s.Bind(2, rec->kind);
    s.Bind(3, rec->symbol);
    s.Bind(4, rec->ts);
    s.Bind(5, static_cast<int64_t>(rec->events));
    s.Bind(6, rec->uri);
    s.Bind(7, rec->bytes);
    s.Bind(8, rec->meta_json.empty() ? std::string("{}") : rec->meta_json);
    s.Bind(9, WallNs());
    RETURN_IF_ERROR(s.Run());
    rec->id = s.last_insert_rowid();
    return Status::OK();
  });
}

Result<RecordBatch> SnapshotStore::Read(const SnapshotRecord& rec) {
  const std::string path = JoinPath(db_->root(), rec.uri);
  auto batch = parquet::ReadParquetFile(fs_, path);
  if (!batch.ok()) {
    return batch.status().WithContext("reading the state snapshot " + path + " (catalog id " + std::to_string(rec.id) +
                                      "); if it is damaged, delete it and its state_snapshots row");
  }
  return batch;
}

}  // namespace strata::state
