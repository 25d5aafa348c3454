#include "catalog/catalog.h"

#include <sqlite3.h>

#include <chrono>
#include <cstring>

namespace strata {
namespace {

// Schema migrations, applied in order; PRAGMA user_version counts how many ran. A later module
// adds its tables by appending an entry — never edit one that has shipped.
constexpr const char* kMigrations[] = {
    // 1: the foundation.
    R"sql(
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE tables (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      schema TEXT NOT NULL,
      dedup_key TEXT,
      policy_json TEXT NOT NULL DEFAULT '{}',
      created_at INTEGER NOT NULL);
    CREATE TABLE files (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      table_id INTEGER NOT NULL REFERENCES tables(id),
      tier TEXT NOT NULL CHECK (tier IN ('hot', 'warm', 'cold')),
      uri TEXT NOT NULL,
      symbol TEXT NOT NULL,
      min_ts INTEGER NOT NULL,
      max_ts INTEGER NOT NULL,
      row_count INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      max_lsn INTEGER NOT NULL DEFAULT 0,
      sha256 TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'retired')),
      created_at INTEGER NOT NULL,
      verified_at INTEGER);
    CREATE INDEX files_by_series ON files(table_id, symbol, min_ts);
    CREATE INDEX files_by_tier ON files(tier);
    CREATE UNIQUE INDEX files_by_uri ON files(uri);
    CREATE TABLE wal_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      durable_lsn INTEGER NOT NULL,
      flushed_lsn INTEGER NOT NULL);
    INSERT INTO wal_state VALUES (1, 0, 0);
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      inputs_json TEXT NOT NULL DEFAULT '{}',
      outputs_json TEXT NOT NULL DEFAULT '{}',
      config_json TEXT NOT NULL DEFAULT '{}',
      status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      error TEXT NOT NULL DEFAULT '');
    CREATE INDEX runs_by_kind ON runs(kind, started_at);
    )sql",
};
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, std::string_view v) { sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Result<TableInfo> RowToTable(Stmt& s, const std::string& catalog_path) {
  TableInfo t;
  t.id = s.Int(0);
  t.def.name = s.Text(1);
  auto schema = Schema::Parse(s.Text(2));
  if (!schema.ok()) {
    return Status::Corruption(catalog_path + ": table " + t.def.name + " has a bad schema: " + schema.status().message());
  }
  t.def.schema = std::move(*schema);
  if (!s.IsNull(3)) t.def.dedup_key = s.Text(3);
  t.def.policy_json = s.Text(4);
  t.created_at_ns = s.Int(5);
  return t;
}

constexpr char kTableColumns[] = "SELECT id, name, schema, dedup_key, policy_json, created_at FROM tables";

}  // namespace

std::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kHot: return "hot";
    case Tier::kWarm: return "warm";
    case Tier::kCold: return "cold";
  }
  return "?";
}

Result<Tier> ParseTier(std::string_view name) {
  if (name == "hot") return Tier::kHot;
  if (name == "warm") return Tier::kWarm;
  if (name == "cold") return Tier::kCold;
  return Status::InvalidArgument("unknown tier '" + std::string(name) + "' (hot, warm or cold)");
}

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path, bool read_only) {
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_FULLMUTEX;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    if (read_only && rc == SQLITE_CANTOPEN) {
      return Status::NotFound("no catalog at " + path + " (create the database with `strata init`)");
    }
    return Status::IOError("open catalog " + path + ": " + msg);
  }
  std::unique_ptr<Catalog> catalog(new Catalog(path, db, read_only));
  sqlite3_busy_timeout(db, 10000);
  if (!read_only) {
    RETURN_IF_ERROR(catalog->Exec("PRAGMA journal_mode=WAL"));
    RETURN_IF_ERROR(catalog->Exec("PRAGMA synchronous=FULL"));
  }
  RETURN_IF_ERROR(catalog->Exec("PRAGMA foreign_keys=ON"));
  RETURN_IF_ERROR(catalog->Migrate());
  return catalog;
}

Catalog::~Catalog() { sqlite3_close_v2(db_); }

Status Catalog::Error(std::string_view what) const {
  return Status::IOError("catalog " + path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_));
}

Status Catalog::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    std::string head(sql, std::min<size_t>(std::strlen(sql), 60));
    return Status::IOError("catalog " + path_ + ": " + msg + " (in: " + head + ")");
  }
  return Status::OK();
}

Status Catalog::Migrate() {
  Stmt s(db_, "PRAGMA user_version");
  if (!s.ok() || s.Step() != SQLITE_ROW) return Error("read schema version");
  version_ = static_cast<int>(s.Int(0));
  if (version_ > kSchemaVersion) {
    return Status::Unsupported("catalog " + path_ + " has schema version " + std::to_string(version_) +
                               ", newer than this strata binary understands (" + std::to_string(kSchemaVersion) +
                               "); upgrade strata");
  }
  if (version_ == kSchemaVersion) return Status::OK();
  if (read_only_) {
    if (version_ == 0) return Status::NotFound("no strata catalog in " + path_ + " (create it with `strata init`)");
    return Status::InvalidArgument("catalog " + path_ + " has schema version " + std::to_string(version_) +
                                   " and needs migrating to " + std::to_string(kSchemaVersion) +
                                   "; open it once for writing");
  }
  while (version_ < kSchemaVersion) {
    int next = version_ + 1;
    Status st = InTransaction([&]() -> Status {
      RETURN_IF_ERROR(Exec(kMigrations[version_]));
      return Exec(("PRAGMA user_version=" + std::to_string(next)).c_str());
    });
    if (!st.ok()) return st.WithContext("migrating the catalog to version " + std::to_string(next));
    version_ = next;
  }
  return Status::OK();
}

Status Catalog::InTransaction(const std::function<Status()>& fn) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status st = fn();
  if (st.ok()) st = Exec("COMMIT");
  if (!st.ok()) Exec("ROLLBACK").IgnoreError();
  return st;
}

Result<std::optional<std::string>> Catalog::GetSetting(std::string_view key) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT value FROM settings WHERE key = ?");
  if (!s.ok()) return Error("read setting");
  s.Bind(1, key);
  int rc = s.Step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(s.Text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return Error("read setting " + std::string(key));
}

Status Catalog::PutSetting(std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!s.ok()) return Error("write setting");
  s.Bind(1, key);
  s.Bind(2, value);
  if (s.Step() != SQLITE_DONE) return Error("write setting " + std::string(key));
  return Status::OK();
}

Result<TableInfo> Catalog::CreateTable(const TableDef& def) {
  RETURN_IF_ERROR(def.Validate());
  std::lock_guard lock(mu_);
  Stmt s(db_, "INSERT INTO tables(name, schema, dedup_key, policy_json, created_at) VALUES (?, ?, ?, ?, ?)");
  if (!s.ok()) return Error("create table");
  s.Bind(1, def.name);
  s.Bind(2, def.schema.ToString());
  if (def.dedup_key) {
    s.Bind(3, *def.dedup_key);
  } else {
    s.BindNull(3);
  }
  s.Bind(4, def.policy_json);
  int64_t now = NowNs();
  s.Bind(5, now);
  int rc = s.Step();
  if (rc == SQLITE_CONSTRAINT) return Status::AlreadyExists("table " + def.name + " already exists");
  if (rc != SQLITE_DONE) return Error("create table " + def.name);
  return TableInfo{sqlite3_last_insert_rowid(db_), def, now};
}

Result<TableInfo> Catalog::GetTable(std::string_view name) {
  std::lock_guard lock(mu_);
  Stmt s(db_, (std::string(kTableColumns) + " WHERE name = ?").c_str());
  if (!s.ok()) return Error("read table");
  s.Bind(1, name);
  int rc = s.Step();
  if (rc == SQLITE_ROW) return RowToTable(s, path_);
  if (rc != SQLITE_DONE) return Error("read table " + std::string(name));
  ASSIGN_OR_RETURN(auto all, ListTables());
  std::string names;
  for (const TableInfo& t : all) names += (names.empty() ? "" : ", ") + t.def.name;
  return Status::NotFound("no table '" + std::string(name) + "' (tables: " + (names.empty() ? "none" : names) + ")");
}

Result<TableInfo> Catalog::GetTableById(int64_t id) {
  std::lock_guard lock(mu_);
  Stmt s(db_, (std::string(kTableColumns) + " WHERE id = ?").c_str());
  if (!s.ok()) return Error("read table");
  s.Bind(1, id);
  int rc = s.Step();
  if (rc == SQLITE_ROW) return RowToTable(s, path_);
  if (rc != SQLITE_DONE) return Error("read table " + std::to_string(id));
  return Status::NotFound("no table with id " + std::to_string(id));
}

Result<std::vector<TableInfo>> Catalog::ListTables() {
  std::lock_guard lock(mu_);
  Stmt s(db_, (std::string(kTableColumns) + " ORDER BY name").c_str());
  if (!s.ok()) return Error("list tables");
  std::vector<TableInfo> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    ASSIGN_OR_RETURN(TableInfo t, RowToTable(s, path_));
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return Error("list tables");
  return out;
}

Status Catalog::SetTablePolicy(std::string_view name, std::string_view policy_json) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "UPDATE tables SET policy_json = ? WHERE name = ?");
  if (!s.ok()) return Error("set table policy");
  s.Bind(1, policy_json);
  s.Bind(2, name);
  if (s.Step() != SQLITE_DONE) return Error("set policy of " + std::string(name));
  if (sqlite3_changes(db_) == 0) return Status::NotFound("no table '" + std::string(name) + "'");
  return Status::OK();
}

Result<std::vector<FileRecord>> Catalog::ListFiles(const FileQuery& q) {
  std::string sql =
      "SELECT id, table_id, tier, uri, symbol, min_ts, max_ts, row_count, bytes, max_lsn, sha256, state, "
      "created_at, verified_at FROM files WHERE 1";
  if (q.table_id) sql += " AND table_id = ?1";
  if (q.tier) sql += " AND tier = ?2";
  if (q.symbol) sql += " AND symbol = ?3";
  if (q.to_ts) sql += " AND min_ts < ?4";
  if (q.from_ts) sql += " AND max_ts >= ?5";
  if (q.state) sql += " AND state = ?6";
  sql += " ORDER BY table_id, symbol, min_ts, id";
  std::lock_guard lock(mu_);
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return Error("list files");
  if (q.table_id) s.Bind(1, *q.table_id);
  if (q.tier) s.Bind(2, TierName(*q.tier));
  if (q.symbol) s.Bind(3, *q.symbol);
  if (q.to_ts) s.Bind(4, *q.to_ts);
  if (q.from_ts) s.Bind(5, *q.from_ts);
  if (q.state) s.Bind(6, *q.state);
  std::vector<FileRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    FileRecord f;
    f.id = s.Int(0);
    f.table_id = s.Int(1);
    ASSIGN_OR_RETURN(f.tier, ParseTier(s.Text(2)));
    f.uri = s.Text(3);
    f.symbol = s.Text(4);
    f.min_ts = s.Int(5);
    f.max_ts = s.Int(6);
    f.row_count = s.Int(7);
    f.bytes = s.Int(8);
    f.max_lsn = static_cast<uint64_t>(s.Int(9));
    f.sha256 = s.Text(10);
    f.state = s.Text(11);
    f.created_at_ns = s.Int(12);
    if (!s.IsNull(13)) f.verified_at_ns = s.Int(13);
    out.push_back(std::move(f));
  }
  if (rc != SQLITE_DONE) return Error("list files");
  return out;
}

Status Catalog::CommitLocked(const CatalogChange& change, std::vector<int64_t>* ids) {
  if (!change.add.empty()) {
    Stmt s(db_,
           "INSERT INTO files(table_id, tier, uri, symbol, min_ts, max_ts, row_count, bytes, max_lsn, sha256, state, "
           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s.ok()) return Error("add files");
    for (const FileRecord& f : change.add) {
      sqlite3_reset(s.get());
      s.Bind(1, f.table_id);
      s.Bind(2, TierName(f.tier));
      s.Bind(3, f.uri);
      s.Bind(4, f.symbol);
      s.Bind(5, f.min_ts);
      s.Bind(6, f.max_ts);
      s.Bind(7, f.row_count);
      s.Bind(8, f.bytes);
      s.Bind(9, static_cast<int64_t>(f.max_lsn));
      s.Bind(10, f.sha256);
      s.Bind(11, f.state);
      s.Bind(12, f.created_at_ns != 0 ? f.created_at_ns : NowNs());
      if (s.Step() != SQLITE_DONE) return Error("add file " + f.uri);
      ids->push_back(sqlite3_last_insert_rowid(db_));
    }
  }
  if (!change.retire.empty()) {
    Stmt s(db_, "UPDATE files SET state = 'retired' WHERE id = ?");
    if (!s.ok()) return Error("retire files");
    for (int64_t id : change.retire) {
      sqlite3_reset(s.get());
      s.Bind(1, id);
      if (s.Step() != SQLITE_DONE) return Error("retire file " + std::to_string(id));
      if (sqlite3_changes(db_) == 0) return Status::NotFound("retire: no file with id " + std::to_string(id));
    }
  }
  if (!change.remove.empty()) {
    Stmt s(db_, "DELETE FROM files WHERE id = ?");
    if (!s.ok()) return Error("remove files");
    for (int64_t id : change.remove) {
      sqlite3_reset(s.get());
      s.Bind(1, id);
      if (s.Step() != SQLITE_DONE) return Error("remove file " + std::to_string(id));
      if (sqlite3_changes(db_) == 0) return Status::NotFound("remove: no file with id " + std::to_string(id));
    }
  }
  if (change.flushed_lsn) {
    Stmt s(db_, "UPDATE wal_state SET flushed_lsn = ? WHERE id = 1");
    if (!s.ok()) return Error("set flushed LSN");
    s.Bind(1, static_cast<int64_t>(*change.flushed_lsn));
    if (s.Step() != SQLITE_DONE) return Error("set flushed LSN");
  }
  return Status::OK();
}

Result<std::vector<int64_t>> Catalog::Commit(const CatalogChange& change) {
  std::vector<int64_t> ids;
  RETURN_IF_ERROR(InTransaction([&] { return CommitLocked(change, &ids); }));
  return ids;
}

Status Catalog::MarkVerified(int64_t file_id, int64_t at_ns) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "UPDATE files SET verified_at = ? WHERE id = ?");
  if (!s.ok()) return Error("mark verified");
  s.Bind(1, at_ns);
  s.Bind(2, file_id);
  if (s.Step() != SQLITE_DONE) return Error("mark file verified");
  if (sqlite3_changes(db_) == 0) return Status::NotFound("no file with id " + std::to_string(file_id));
  return Status::OK();
}

Result<WalState> Catalog::GetWalState() {
  std::lock_guard lock(mu_);
  Stmt s(db_, "SELECT durable_lsn, flushed_lsn FROM wal_state WHERE id = 1");
  if (!s.ok() || s.Step() != SQLITE_ROW) return Error("read WAL state");
  return WalState{static_cast<uint64_t>(s.Int(0)), static_cast<uint64_t>(s.Int(1))};
}

Status Catalog::SetDurableLsn(uint64_t lsn) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "UPDATE wal_state SET durable_lsn = ? WHERE id = 1");
  if (!s.ok()) return Error("set durable LSN");
  s.Bind(1, static_cast<int64_t>(lsn));
  if (s.Step() != SQLITE_DONE) return Error("set durable LSN");
  return Status::OK();
}

Result<int64_t> Catalog::BeginRun(std::string_view kind, std::string_view inputs_json, std::string_view config_json) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "INSERT INTO runs(kind, inputs_json, config_json, status, started_at) VALUES (?, ?, ?, 'running', ?)");
  if (!s.ok()) return Error("begin run");
  s.Bind(1, kind);
  s.Bind(2, inputs_json);
  s.Bind(3, config_json);
  s.Bind(4, NowNs());
  if (s.Step() != SQLITE_DONE) return Error("begin run " + std::string(kind));
  return sqlite3_last_insert_rowid(db_);
}

Status Catalog::FinishRun(int64_t id, bool ok, std::string_view outputs_json, std::string_view error) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "UPDATE runs SET status = ?, outputs_json = ?, error = ?, finished_at = ? WHERE id = ?");
  if (!s.ok()) return Error("finish run");
  s.Bind(1, ok ? "ok" : "failed");
  s.Bind(2, outputs_json);
  s.Bind(3, error);
  s.Bind(4, NowNs());
  s.Bind(5, id);
  if (s.Step() != SQLITE_DONE) return Error("finish run");
  if (sqlite3_changes(db_) == 0) return Status::NotFound("no run with id " + std::to_string(id));
  return Status::OK();
}

Result<std::vector<RunRecord>> Catalog::ListRuns(std::optional<std::string> kind, int limit) {
  std::lock_guard lock(mu_);
  std::string sql =
      "SELECT id, kind, inputs_json, outputs_json, config_json, status, started_at, finished_at, error FROM runs";
  if (kind) sql += " WHERE kind = ?1";
  sql += " ORDER BY id DESC LIMIT ?2";
  Stmt s(db_, sql.c_str());
  if (!s.ok()) return Error("list runs");
  if (kind) s.Bind(1, *kind);
  s.Bind(2, static_cast<int64_t>(limit));
  std::vector<RunRecord> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    RunRecord r;
    r.id = s.Int(0);
    r.kind = s.Text(1);
    r.inputs_json = s.Text(2);
    r.outputs_json = s.Text(3);
    r.config_json = s.Text(4);
    r.status = s.Text(5);
    r.started_at_ns = s.Int(6);
    if (!s.IsNull(7)) r.finished_at_ns = s.Int(7);
    r.error = s.Text(8);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("list runs");
  return out;
}

}  // namespace strata
