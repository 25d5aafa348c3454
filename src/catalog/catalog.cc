// Catalog: opening, migrations, transactions, settings, WAL state, tables and runs.
// Files (the largest part of the catalog) are in catalog_files.cc.
#include "catalog/catalog.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "catalog/catalog_internal.h"
#include "catalog/statement.h"
#include "strata/timestamp.h"

namespace strata {
namespace {

// Long enough to ride out another process's flush commit, short enough that a wedged writer
// surfaces as an error (kBusy) instead of a hang.
constexpr int kBusyTimeoutMs = 10'000;

constexpr char kTableColumns[] = "SELECT id, name, schema, dedup_key, policy_json, created_at FROM tables";

Result<TableInfo> RowToTable(const sqlite::Statement& s, const std::string& catalog_path) {
  TableInfo t;
  t.id = s.Int(0);
  t.def.name = s.Text(1);
  auto schema = Schema::Parse(s.Text(2));
  if (!schema.ok()) {
    return Status::Corruption("catalog " + catalog_path + ": table " + t.def.name +
                              " has an unreadable schema: " + schema.status().message());
  }
  t.def.schema = std::move(*schema);
  if (!s.IsNull(3)) t.def.dedup_key = s.Text(3);
  t.def.policy_json = s.Text(4);
  t.created_at_ns = s.Int(5);
  return t;
}

// Runs `fn` (if set) on destruction; keeps InTransaction's bookkeeping right on every exit path.
template <typename F>
class Cleanup {
 public:
  explicit Cleanup(F fn) : fn_(std::move(fn)) {}
  ~Cleanup() {
    if (armed_) fn_();
  }
  void Cancel() { armed_ = false; }

 private:
  F fn_;
  bool armed_ = true;
};

}  // namespace

namespace catalog_internal {

Status CheckJson(std::string_view text, std::string_view what, bool object_only) {
  // parse(..., allow_exceptions=false) reports malformed input as a discarded value, not a throw.
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument(std::string(what) + " is not valid JSON: " + std::string(text));
  if (object_only && !j.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object, got: " + std::string(text));
  }
  return Status::OK();
}

}  // namespace catalog_internal

using catalog_internal::CheckJson;

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

// --- Opening and migrations -------------------------------------------------------------------

Catalog::Catalog(std::string path, sqlite3* db, bool read_only)
    : path_(std::move(path)), db_(db), read_only_(read_only) {}

Catalog::~Catalog() { sqlite3_close_v2(db_); }

int Catalog::LatestSchemaVersion() { return static_cast<int>(CatalogMigrations().size()); }

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path, bool read_only) {
  return Open(path, read_only, CatalogMigrations());
}

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path, bool read_only,
                                               std::span<const CatalogMigration> migrations) {
  if (read_only) {
    // Read-only media (a snapshot, a backup, a read-only mount): SQLite cannot create the -shm
    // file a WAL-mode database needs even to read, so the file is opened as immutable (no
    // locks, no -shm; safe because nothing can write read-only media).
    if (ReadOnlyMediaForTesting() || !CanCreateBeside(path)) {
      auto immutable = OpenImmutable(path, migrations);
      if (immutable.ok() || immutable.status().code() != StatusCode::kIOError) return immutable;
      // SQLite can still read a WAL-mode file whose -wal and -shm are both there: try, and if
      // that fails too, say why the immutable open was refused.
      auto normal = OpenOnce(path, read_only, migrations);
      if (normal.ok()) return normal;
      return immutable.status();
    }
  }
  return OpenOnce(path, read_only, migrations);
}

Result<std::unique_ptr<Catalog>> Catalog::OpenOnce(const std::string& path, bool read_only,
                                                   std::span<const CatalogMigration> migrations) {
  // FULLMUTEX is belt and braces: our own mutex already serializes use of the connection.
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_FULLMUTEX;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st =
        db != nullptr ? sqlite::LastError(db, path, "open") : sqlite::SqliteError(rc, sqlite3_errstr(rc), path, "open");
    // CANTOPEN also covers a file we may not read; only a missing one means "not created yet".
    const int os_errno = db != nullptr ? sqlite3_system_errno(db) : 0;
    sqlite3_close(db);
    if (read_only && (rc & 0xff) == SQLITE_CANTOPEN && (os_errno == ENOENT || os_errno == 0)) {
      return Status::NotFound("no catalog at " + path + " (create the database with `strata init`)");
    }
    return st;
  }
  std::unique_ptr<Catalog> catalog(new Catalog(path, db, read_only));
  RETURN_IF_ERROR(catalog->Configure());
  RETURN_IF_ERROR(catalog->Migrate(migrations));
  return catalog;
}

Status Catalog::SwitchToWal() {
  // Changing the journal mode needs the file to itself, and SQLite reports a conflict with
  // another connection doing the same (two processes' first opens of a fresh catalog) as SQLITE_BUSY
  // at once, without calling the busy handler: retry for as long as the busy timeout.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (int attempt = 0;; ++attempt) {
    // The first statement that reads the file: a non-SQLite file fails here (kCorruption).
    sqlite::Statement mode(db_, "PRAGMA journal_mode=WAL", path_, "switch to WAL journal mode");
    auto row = mode.Step();
    if (!row.ok()) {
      if (row.status().code() == StatusCode::kBusy && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 + attempt, 20)));
        continue;
      }
      return row.status();
    }
    std::string got = *row ? mode.Text(0) : "";
    // Without WAL mode readers would block the writer (and vice versa); refuse rather than degrade.
    if (got != "wal") {
      return Status::IOError("catalog " + path_ + ": could not switch to WAL journal mode (got '" + got +
                             "'); is it on a file system without shared memory support?");
    }
    return Status::OK();
  }
}

Status Catalog::Configure() {
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db_, 1);
  if (!read_only_) RETURN_IF_ERROR(SwitchToWal());
  if (!read_only_) {
    // FULL: a commit is on disk before it returns, so a flush's catalog change survives power loss.
    RETURN_IF_ERROR(sqlite::Exec(db_, "PRAGMA synchronous=FULL", path_));
  }
  return sqlite::Exec(db_, "PRAGMA foreign_keys=ON", path_);
}

Status Catalog::CreateAtomically(FileSystem* fs, const std::string& path, const std::function<Status(Catalog*)>& fill) {
  ASSIGN_OR_RETURN(bool exists, fs->Exists(path));
  if (exists) return Status::AlreadyExists("catalog " + path + " already exists");
  const std::string tmp = path + ".new-tmp";
  auto remove_tmp = [&] {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      if (fs->Exists(tmp + suffix).ValueOr(false)) fs->RemoveFile(tmp + suffix).IgnoreError();
    }
  };
  remove_tmp();  // left by an earlier interrupted creation (this name is only ever ours)
  Status st = [&]() -> Status {
    {
      ASSIGN_OR_RETURN(auto catalog, Open(tmp, /*read_only=*/false));
      RETURN_IF_ERROR(fill(catalog.get()));
      RETURN_IF_ERROR(catalog->Checkpoint());  // every commit into the main file; closing drops the -wal
    }
    {
      ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(tmp, OpenMode::kAppend));
      RETURN_IF_ERROR(f->Sync());
      RETURN_IF_ERROR(f->Close());
    }
    RETURN_IF_ERROR(fs->Rename(tmp, path));
    return fs->SyncDir(DirName(path));
  }();
  if (!st.ok()) remove_tmp();
  return st;
}

Status Catalog::Checkpoint() {
  RETURN_IF_ERROR(CheckWritable("checkpoint"));
  std::lock_guard lock(mu_);
  int log = 0, done = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
  if (rc != SQLITE_OK) return sqlite::LastError(db_, path_, "checkpoint");
  return Status::OK();
}

Status Catalog::BackupTo(const std::string& path) {
  std::lock_guard lock(mu_);
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
    return Status::AlreadyExists("catalog backup " + path + " already exists");
  }
  sqlite3* dest = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    Status st = Status::IOError("catalog backup " + path + ": " + (dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc)));
    sqlite3_close(dest);
    return st;
  }
  // One step over every page: the whole copy reads one snapshot of the source. (Stepping in
  // pieces would restart whenever another process writes, and could starve under a busy writer.)
  sqlite3_backup* b = sqlite3_backup_init(dest, "main", db_, "main");
  Status st;
  if (b == nullptr) {
    st = Status::IOError("catalog backup of " + path_ + " to " + path + ": " + sqlite3_errmsg(dest));
  } else {
    for (int attempt = 0;; ++attempt) {
      rc = sqlite3_backup_step(b, -1);
      if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 200) {
        sqlite3_sleep(25);
        continue;
      }
      break;
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
      st = Status::IOError("catalog backup of " + path_ + " to " + path + ": " + sqlite3_errstr(rc));
    }
  }
  // The copy keeps the source's journal mode in its header; make it a self-contained file.
  if (st.ok()) {
    char* err = nullptr;
    rc = sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", nullptr, nullptr, &err);
    if (rc != SQLITE_OK) st = Status::IOError("catalog backup " + path + ": " + (err ? err : sqlite3_errstr(rc)));
    sqlite3_free(err);
  }
  sqlite3_close(dest);
  if (!st.ok()) std::remove(path.c_str());
  return st;
}

Result<int> Catalog::ReadUserVersion() {
  sqlite::Statement s(db_, "PRAGMA user_version", path_, "read the schema version");
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("catalog " + path_ + ": PRAGMA user_version returned no row");
  return static_cast<int>(s.Int(0));
}

Status Catalog::Migrate(std::span<const CatalogMigration> migrations) {
  const int latest = static_cast<int>(migrations.size());
  for (int i = 0; i < latest; ++i) {
    if (migrations[i].version != i + 1) {
      return Status::Internal("catalog migration list is out of order: entry " + std::to_string(i) + " has version " +
                              std::to_string(migrations[i].version));
    }
  }
  auto too_new = [&](int version) {
    return Status::Unsupported("catalog " + path_ + " has schema version " + std::to_string(version) +
                               ", newer than this strata binary understands (" + std::to_string(latest) +
                               "); use a newer strata");
  };
  ASSIGN_OR_RETURN(version_, ReadUserVersion());
  if (version_ > latest) return too_new(version_);
  if (version_ == latest) return Status::OK();
  if (read_only_) {
    if (version_ == 0) return Status::NotFound("no strata catalog in " + path_ + " (create it with `strata init`)");
    return Status::InvalidArgument(
        "catalog " + path_ + " has schema version " + std::to_string(version_) + ", older than this strata binary's " +
        std::to_string(latest) +
        "; open it once for writing to migrate it (any command that writes does, e.g. `strata flush` "
        "or `strata table set-policy`)");
  }
  while (version_ < latest) {
    int applied = 0;
    // Re-read the version under the write lock: another process may have migrated meanwhile.
    Status st = InTransaction([&]() -> Status {
      ASSIGN_OR_RETURN(int current, ReadUserVersion());
      if (current >= latest) {
        applied = current;
        return Status::OK();
      }
      if (current == 0) {
        sqlite::Statement s(db_, "SELECT count(*) FROM sqlite_schema", path_, "inspect an unversioned catalog");
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (row && s.Int(0) > 0) {
          return Status::InvalidArgument(path_ + " is an SQLite database but not a strata catalog (it has tables " +
                                         "and no schema version); refusing to add the catalog's tables to it");
        }
      }
      const CatalogMigration& m = migrations[current];
      RETURN_IF_ERROR(sqlite::Exec(db_, m.sql, path_));
      RETURN_IF_ERROR(sqlite::Exec(db_, "PRAGMA user_version=" + std::to_string(m.version), path_));
      applied = m.version;
      return Status::OK();
    });
    if (!st.ok()) {
      const CatalogMigration& m = migrations[version_];
      return st.WithContext("migrating catalog " + path_ + " to version " + std::to_string(m.version) + " (" +
                            std::string(m.name) + ")");
    }
    version_ = applied;
  }
  if (version_ > latest) return too_new(version_);
  return Status::OK();
}

// --- Transactions -----------------------------------------------------------------------------

Status Catalog::CheckWritable(std::string_view op) const {
  if (!read_only_) return Status::OK();
  return Status::InvalidArgument("catalog " + path_ + " is open read-only: cannot " + std::string(op));
}

Result<std::unique_ptr<Catalog>> Catalog::OpenImmutable(const std::string& path,
                                                        std::span<const CatalogMigration> migrations) {
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    return Status::NotFound("no catalog at " + path + " (create the database with `strata init`)");
  }
  // A WAL-mode database's recent commits may sit in its -wal file, which an immutable open does
  // not read: refuse rather than answer from an old state.
  struct stat st;
  const std::string wal = path + "-wal";
  if (::stat(wal.c_str(), &st) == 0 && st.st_size > 0) {
    return Status::IOError("catalog " + path + " is on read-only storage and its journal " + wal +
                           " holds commits not yet in the main file; open it once on writable storage (a copy) "
                           "so that SQLite folds them in");
  }
  std::string uri = "file:";
  for (char c : path) {  // a URI path: escape what URI syntax would take for itself
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      uri += buf;
    } else {
      uri += c;
    }
  }
  uri += "?mode=ro&immutable=1";
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status err =
        db != nullptr ? sqlite::LastError(db, path, "open") : sqlite::SqliteError(rc, sqlite3_errstr(rc), path, "open");
    sqlite3_close(db);
    return err;
  }
  std::unique_ptr<Catalog> catalog(new Catalog(path, db, /*read_only=*/true));
  RETURN_IF_ERROR(catalog->Configure());
  RETURN_IF_ERROR(catalog->Migrate(migrations));
  return catalog;
}

bool Catalog::CanCreateBeside(const std::string& path) {
  // What SQLite needs for a shared-memory WAL read: to create (or open for writing) PATH-shm.
  const std::string shm = path + "-shm";
  if (::access(shm.c_str(), F_OK) == 0) return ::access(shm.c_str(), W_OK) == 0;
  std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  if (dir.empty()) dir = ".";
  struct statvfs vfs;
  if (::statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0) return false;
  return ::access(dir.c_str(), W_OK) == 0;
}

std::atomic<bool>& Catalog::ReadOnlyMediaFlag() {
  static std::atomic<bool> flag{false};
  return flag;
}

void Catalog::SetCommitHookForTesting(std::function<Status()> hook) {
  std::lock_guard lock(mu_);
  commit_hook_ = std::move(hook);
}

Status Catalog::InTransaction(const std::function<Status()>& fn) {
  std::lock_guard lock(mu_);
  const bool outer = tx_depth_ == 0;
  const std::string savepoint = "strata_sp" + std::to_string(tx_depth_);
  // A read-only catalog gets a read transaction: one consistent snapshot for everything fn reads.
  std::string begin = outer ? (read_only_ ? "BEGIN" : "BEGIN IMMEDIATE") : "SAVEPOINT " + savepoint;
  RETURN_IF_ERROR(sqlite::Exec(db_, begin, path_));
  ++tx_depth_;
  // Undo on every exit that does not finish normally (fn failed, or threw).
  Cleanup undo([&] {
    --tx_depth_;
    if (sqlite3_get_autocommit(db_)) return;  // SQLite already rolled back (e.g. after an I/O error)
    if (outer) {
      sqlite::Exec(db_, "ROLLBACK", path_).IgnoreError();
    } else {
      sqlite::Exec(db_, "ROLLBACK TO " + savepoint + "; RELEASE " + savepoint, path_).IgnoreError();
    }
  });
  Status st = fn();
  if (!st.ok()) return st;
  st = sqlite::Exec(db_, outer ? std::string("COMMIT") : "RELEASE " + savepoint, path_);
  if (!st.ok()) return st;
  undo.Cancel();
  --tx_depth_;
  // Tests: a commit that is durable but reported as failed (an error at fsync).
  if (outer && commit_hook_) return commit_hook_();
  return Status::OK();
}

// --- Settings and WAL state -------------------------------------------------------------------

Result<std::optional<std::string>> Catalog::GetSetting(std::string_view key) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "SELECT value FROM settings WHERE key = ?", path_, "read setting " + std::string(key));
  s.Bind(1, key);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(s.Text(0));
}

Status Catalog::PutSetting(std::string_view key, std::string_view value) {
  std::string op = "write setting " + std::string(key);
  RETURN_IF_ERROR(CheckWritable(op));
  std::lock_guard lock(mu_);
  sqlite::Statement s(
      db_, "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      path_, op);
  s.Bind(1, key);
  s.Bind(2, value);
  return s.Run();
}

Result<WalState> Catalog::GetWalState() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "SELECT durable_lsn, flushed_lsn FROM wal_state WHERE id = 1", path_, "read WAL state");
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Corruption("catalog " + path_ + ": the wal_state row is missing");
  return WalState{static_cast<uint64_t>(s.Int(0)), static_cast<uint64_t>(s.Int(1))};
}

Result<std::map<int64_t, uint64_t>> Catalog::GetTableFlushedLsns() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "SELECT table_id, flushed_lsn FROM table_flush_state", path_, "read per-table flushed LSNs");
  std::map<int64_t, uint64_t> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out[s.Int(0)] = static_cast<uint64_t>(s.Int(1));
  }
  return out;
}

Status Catalog::SetDurableLsn(uint64_t lsn) {
  RETURN_IF_ERROR(CheckWritable("set the durable LSN"));
  std::lock_guard lock(mu_);
  // LSNs are stored as SQLite's signed 64-bit integers; the bit pattern round-trips.
  sqlite::Statement s(db_, "UPDATE wal_state SET durable_lsn = ? WHERE id = 1", path_, "set the durable LSN");
  s.Bind(1, static_cast<int64_t>(lsn));
  return s.Run();
}

// --- Tables -----------------------------------------------------------------------------------

Result<TableInfo> Catalog::CreateTable(const TableDef& def, std::optional<int64_t> id) {
  RETURN_IF_ERROR(def.Validate());
  RETURN_IF_ERROR(CheckJson(def.policy_json, "policy of table " + def.name, /*object_only=*/true));
  RETURN_IF_ERROR(CheckWritable("create table " + def.name));
  std::lock_guard lock(mu_);
  sqlite::Statement s(
      db_, "INSERT INTO tables(name, schema, dedup_key, policy_json, created_at, id) VALUES (?, ?, ?, ?, ?, ?)", path_,
      "create table " + def.name);
  s.Bind(1, def.name);
  s.Bind(2, def.schema.ToString());
  if (def.dedup_key) {
    s.Bind(3, *def.dedup_key);
  } else {
    s.BindNull(3);
  }
  s.Bind(4, def.policy_json);
  const int64_t now = WallClockNs();
  s.Bind(5, now);
  if (id) {
    s.Bind(6, *id);
  } else {
    s.BindNull(6);  // NULL: the next id
  }
  Status st = s.Run();
  if (st.code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("table " + def.name + (id ? " (id " + std::to_string(*id) + ")" : "") +
                                 " already exists in catalog " + path_);
  }
  RETURN_IF_ERROR(st);
  return TableInfo{s.last_insert_rowid(), def, now};
}

Result<TableInfo> Catalog::GetTable(std::string_view name) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, std::string(kTableColumns) + " WHERE name = ?", path_, "read table " + std::string(name));
  s.Bind(1, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (row) return RowToTable(s, path_);
  ASSIGN_OR_RETURN(auto all, ListTablesLocked());
  std::string names;
  for (const TableInfo& t : all) names += (names.empty() ? "" : ", ") + t.def.name;
  return Status::NotFound("no table '" + std::string(name) + "' in catalog " + path_ +
                          " (tables: " + (names.empty() ? "none" : names) + ")");
}

Result<int64_t> Catalog::NextTableId() {
  std::lock_guard lock(mu_);
  // AUTOINCREMENT: above every id the table ever held (sqlite_sequence), and above the ones it holds.
  sqlite::Statement s(db_,
                      "SELECT max(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'tables'), 0), "
                      "COALESCE((SELECT max(id) FROM tables), 0))",
                      path_, "read the next table id");
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("reading the next table id of " + path_ + " returned no row");
  return s.Int(0) + 1;
}

Result<TableInfo> Catalog::GetTableById(int64_t id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, std::string(kTableColumns) + " WHERE id = ?", path_, "read table " + std::to_string(id));
  s.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (row) return RowToTable(s, path_);
  return Status::NotFound("no table with id " + std::to_string(id) + " in catalog " + path_);
}

Result<std::vector<TableInfo>> Catalog::ListTables() {
  std::lock_guard lock(mu_);
  return ListTablesLocked();
}

Result<std::vector<TableInfo>> Catalog::ListTablesLocked() {
  sqlite::Statement s(db_, std::string(kTableColumns) + " ORDER BY name", path_, "list tables");
  std::vector<TableInfo> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(TableInfo t, RowToTable(s, path_));
    out.push_back(std::move(t));
  }
  return out;
}

Status Catalog::SetTablePolicy(std::string_view name, std::string_view policy_json) {
  std::string op = "set the policy of table " + std::string(name);
  RETURN_IF_ERROR(CheckJson(policy_json, "policy of table " + std::string(name), /*object_only=*/true));
  RETURN_IF_ERROR(CheckWritable(op));
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "UPDATE tables SET policy_json = ? WHERE name = ?", path_, op);
  s.Bind(1, policy_json);
  s.Bind(2, name);
  RETURN_IF_ERROR(s.Run());
  if (s.changes() == 0) return Status::NotFound("no table '" + std::string(name) + "' in catalog " + path_);
  return Status::OK();
}

Status Catalog::SetTableSchema(std::string_view name, const Schema& expected, const Schema& schema) {
  std::string op = "change the schema of table " + std::string(name);
  RETURN_IF_ERROR(CheckWritable(op));
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "UPDATE tables SET schema = ? WHERE name = ? AND schema = ?", path_, op);
  s.Bind(1, schema.ToString());
  s.Bind(2, name);
  s.Bind(3, expected.ToString());
  RETURN_IF_ERROR(s.Run());
  if (s.changes() == 0) {
    sqlite::Statement q(db_, "SELECT schema FROM tables WHERE name = ?", path_, op);
    q.Bind(1, name);
    ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::NotFound("no table '" + std::string(name) + "' in catalog " + path_);
    return Status::Aborted("the schema of table " + std::string(name) + " changed meanwhile (now " + q.Text(0) +
                           "); try again");
  }
  return Status::OK();
}

// --- Runs -------------------------------------------------------------------------------------

Result<int64_t> Catalog::BeginRun(std::string_view kind, std::string_view inputs_json, std::string_view config_json) {
  std::string op = "begin a " + std::string(kind) + " run";
  if (kind.empty()) return Status::InvalidArgument("a run needs a kind (ingest, flush, migrate, ...)");
  if (inputs_json.empty()) inputs_json = "{}";
  if (config_json.empty()) config_json = "{}";
  RETURN_IF_ERROR(CheckJson(inputs_json, "inputs of a " + std::string(kind) + " run", false));
  RETURN_IF_ERROR(CheckJson(config_json, "config of a " + std::string(kind) + " run", false));
  RETURN_IF_ERROR(CheckWritable(op));
  std::lock_guard lock(mu_);
  sqlite::Statement s(
      db_, "INSERT INTO runs(kind, inputs_json, config_json, status, started_at) VALUES (?, ?, ?, 'running', ?)", path_,
      op);
  s.Bind(1, kind);
  s.Bind(2, inputs_json);
  s.Bind(3, config_json);
  s.Bind(4, WallClockNs());
  RETURN_IF_ERROR(s.Run());
  return s.last_insert_rowid();
}

Status Catalog::FinishRun(int64_t id, bool ok, std::string_view outputs_json, std::string_view error) {
  std::string op = "finish run " + std::to_string(id);
  if (outputs_json.empty()) outputs_json = "{}";
  RETURN_IF_ERROR(CheckJson(outputs_json, "outputs of run " + std::to_string(id), false));
  RETURN_IF_ERROR(CheckWritable(op));
  std::lock_guard lock(mu_);
  // Only a running run may finish: a second FinishRun would rewrite history.
  sqlite::Statement s(db_,
                      "UPDATE runs SET status = ?, outputs_json = ?, error = ?, finished_at = ? "
                      "WHERE id = ? AND status = 'running'",
                      path_, op);
  s.Bind(1, ok ? "ok" : "failed");
  s.Bind(2, outputs_json);
  s.Bind(3, error);
  s.Bind(4, WallClockNs());
  s.Bind(5, id);
  RETURN_IF_ERROR(s.Run());
  if (s.changes() > 0) return Status::OK();
  sqlite::Statement check(db_, "SELECT status FROM runs WHERE id = ?", path_, op);
  check.Bind(1, id);
  ASSIGN_OR_RETURN(bool row, check.Step());
  if (!row) return Status::NotFound("no run with id " + std::to_string(id) + " in catalog " + path_);
  return Status::InvalidArgument("run " + std::to_string(id) + " already finished (" + check.Text(0) + ")");
}

Result<std::vector<RunRecord>> Catalog::ListRuns(std::optional<std::string> kind, int limit) {
  std::lock_guard lock(mu_);
  std::string text =
      "SELECT id, kind, inputs_json, outputs_json, config_json, status, started_at, finished_at, error FROM runs";
  if (kind) text += " WHERE kind = ?1";
  text += " ORDER BY id DESC LIMIT ?2";  // a negative LIMIT means none in SQLite
  sqlite::Statement s(db_, text, path_, "list runs");
  if (kind) s.Bind(1, *kind);
  s.Bind(2, static_cast<int64_t>(limit > 0 ? limit : -1));
  std::vector<RunRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    RunRecord r;
    r.id = s.Int(0);
    r.kind = s.Text(1);
    r.inputs_json = s.Text(2);
    r.outputs_json = s.Text(3);
    r.config_json = s.Text(4);
    r.status = s.Text(5);
    r.started_at_ns = s.Int(6);
    r.finished_at_ns = s.OptionalInt(7);
    r.error = s.Text(8);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace strata
