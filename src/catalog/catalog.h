// The catalog: the one source of truth for what exists where — tables, files in every tier, the
// WAL's flushed LSN, runs (lineage) and settings — in SQLite (WAL journal mode).
//
// Thread-safety: a Catalog may be used from several threads (calls are serialized by a mutex).
// Several processes may open the same file: one writer, any number of readers.
// Later modules add their tables by appending a migration to kMigrations in catalog.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/schema.h"
#include "strata/status.h"

struct sqlite3;

namespace strata {

enum class Tier { kHot, kWarm, kCold };
std::string_view TierName(Tier tier);  // "hot", "warm", "cold"
Result<Tier> ParseTier(std::string_view name);

struct TableInfo {
  int64_t id = 0;
  TableDef def;
  int64_t created_at_ns = 0;
};

struct FileRecord {
  int64_t id = 0;
  int64_t table_id = 0;
  Tier tier = Tier::kWarm;
  std::string uri;  // relative to the database root, or s3://...
  std::string symbol;
  int64_t min_ts = 0, max_ts = 0, row_count = 0, bytes = 0;
  uint64_t max_lsn = 0;  // highest WAL LSN whose rows are in this file (0 if none)
  std::string sha256;    // hex
  std::string state = "live";  // live | retired
  int64_t created_at_ns = 0;
  std::optional<int64_t> verified_at_ns;
};

// Every set field must match; [from_ts, to_ts) selects files overlapping the range.
struct FileQuery {
  std::optional<int64_t> table_id;
  std::optional<Tier> tier;
  std::optional<std::string> symbol;
  std::optional<int64_t> from_ts, to_ts;
  std::optional<std::string> state = "live";
};

// Applied in one transaction.
struct CatalogChange {
  std::vector<FileRecord> add;
  std::vector<int64_t> retire;  // state = retired
  std::vector<int64_t> remove;  // rows deleted
  std::optional<uint64_t> flushed_lsn;
};

struct WalState {
  uint64_t durable_lsn = 0;
  uint64_t flushed_lsn = 0;
};

struct RunRecord {
  int64_t id = 0;
  std::string kind;  // ingest, flush, migrate, ...
  std::string inputs_json = "{}", outputs_json = "{}", config_json = "{}";
  std::string status;  // running | ok | failed
  int64_t started_at_ns = 0;
  std::optional<int64_t> finished_at_ns;
  std::string error;
};

class Catalog {
 public:
  // Opens or creates `path` and applies pending migrations. read_only: the file must exist
  // (NotFound with a hint otherwise), and its schema version must be this binary's.
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path, bool read_only);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  int schema_version() const { return version_; }
  const std::string& path() const { return path_; }

  Result<std::optional<std::string>> GetSetting(std::string_view key);
  Status PutSetting(std::string_view key, std::string_view value);

  Result<TableInfo> CreateTable(const TableDef& def);  // AlreadyExists if the name is taken
  Result<TableInfo> GetTable(std::string_view name);   // NotFound listing the existing tables
  Result<TableInfo> GetTableById(int64_t id);
  Result<std::vector<TableInfo>> ListTables();          // by name
  Status SetTablePolicy(std::string_view name, std::string_view policy_json);

  Result<std::vector<FileRecord>> ListFiles(const FileQuery& query);  // by table, symbol, min_ts
  Result<std::vector<int64_t>> Commit(const CatalogChange& change);   // ids of added files
  Status MarkVerified(int64_t file_id, int64_t at_ns);

  Result<WalState> GetWalState();
  Status SetDurableLsn(uint64_t lsn);

  Result<int64_t> BeginRun(std::string_view kind, std::string_view inputs_json, std::string_view config_json);
  Status FinishRun(int64_t id, bool ok, std::string_view outputs_json, std::string_view error);
  Result<std::vector<RunRecord>> ListRuns(std::optional<std::string> kind, int limit);

  // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back if fn fails. Not reentrant.
  Status InTransaction(const std::function<Status()>& fn);
  // Raw handle for modules that own their own tables. REQUIRES: the caller serializes its use.
  sqlite3* db() { return db_; }

 private:
  Catalog(std::string path, sqlite3* db, bool read_only) : path_(std::move(path)), db_(db), read_only_(read_only) {}
  Status Migrate();
  Status Exec(const char* sql);
  Status Error(std::string_view what) const;
  Status CommitLocked(const CatalogChange& change, std::vector<int64_t>* ids);

  std::string path_;
  sqlite3* db_;
  bool read_only_;
  int version_ = 0;
  std::recursive_mutex mu_;
};

}  // namespace strata
