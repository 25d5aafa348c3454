// The catalog: the one source of truth for what exists where — tables, files in every tier, the
// WAL's durable and flushed LSNs, runs (lineage) and settings — in one SQLite file.
//
// Durability: WAL journal mode with synchronous=FULL, so a commit that returned OK survives
// power loss. SQLite does its own file I/O; it is the one accepted exception to the rule that
// all I/O goes through strata::FileSystem.
//
// Thread-safety: a Catalog may be used from several threads; calls are serialized by one
// mutex per Catalog. Several Catalogs (in this or other processes) may open the same file:
// one writer at a time (busy_timeout makes a second writer wait rather than fail), any
// number of readers, which never block and see each commit once it is complete.
//
// Schema growth: see migrations.h (append a migration; never edit a shipped one).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/migrations.h"
#include "catalog/model_records.h"
#include "catalog/pack_records.h"
#include "strata/file_system.h"
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
  int64_t id = 0;  // assigned by Commit
  int64_t table_id = 0;
  Tier tier = Tier::kWarm;
  std::string uri;  // relative to the database root, or s3://...; unique over all rows, retired included
  std::string symbol;
  int64_t min_ts = 0, max_ts = 0;  // both inclusive
  int64_t row_count = 0, bytes = 0;
  uint64_t max_lsn = 0;        // highest WAL LSN whose rows are in this file (0 if not from the WAL)
  std::string sha256;          // hex
  std::string state = "live";  // live | retired (kept so a crash between commit and delete is recoverable)
  int64_t created_at_ns = 0;   // 0 in a record to add: Commit stamps the current time
  std::optional<int64_t> verified_at_ns;
  // A locked cold file (policy cold_lock_days): strata neither deletes nor replaces it before this
  // time (ns since the epoch). Unset: not locked.
  std::optional<int64_t> retain_until_ns;
  bool LockedAt(int64_t now_ns) const { return retain_until_ns && *retain_until_ns > now_ns; }
};

// Every set field must match. With from_ts and/or to_ts set, selects the files overlapping
// [from_ts, to_ts): min_ts < to_ts and max_ts >= from_ts. State defaults to live files only;
// reset it to std::nullopt for every state.
struct FileQuery {
  std::optional<int64_t> table_id;
  std::optional<Tier> tier;
  std::optional<std::string> symbol;
  std::optional<int64_t> from_ts, to_ts;
  std::optional<std::string> state = "live";
};

// A series' rows that a flush could not write as warm files (a value the Parquet writer refuses,
// a symbol that cannot become a directory name, ...): kept in a file under <root>/quarantine/ so
// that the flush of everything else, and the WAL's trimming, can go on. Nothing is dropped: the
// file holds the rows exactly as they were appended (tier/quarantine.h).
struct QuarantineRecord {
  int64_t id = 0;  // assigned by Commit
  int64_t table_id = 0;
  std::string symbol;
  int64_t min_ts = 0, max_ts = 0;  // both inclusive
  int64_t row_count = 0;
  std::string uri;  // relative to the database root
  int64_t bytes = 0;
  std::string sha256;         // hex, of the file
  uint64_t max_lsn = 0;       // the flush's LSN cut: the rows were appended at or below it
  std::string reason;         // why the flush could not write them
  int64_t created_at_ns = 0;  // 0 in a record to add: Commit stamps the current time
};

// Applied in one transaction, in this order: add, retire, remove, quarantine, flushed_lsn,
// table_flushed_lsns.
struct CatalogChange {
  std::vector<FileRecord> add;
  std::vector<int64_t> retire;               // set state = retired
  std::vector<int64_t> remove;               // delete rows
  std::vector<QuarantineRecord> quarantine;  // series set aside by a flush
  // The WAL LSN up to which every table's rows are in warm files. Setting it also forgets the
  // per-table LSNs at or below it.
  std::optional<uint64_t> flushed_lsn;
  // (table id, LSN): that table's rows up to the LSN are in warm files (a one-table flush); a
  // table's LSN only grows.
  std::vector<std::pair<int64_t, uint64_t>> table_flushed_lsns;
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
  // Opens or creates `path` (its directory must exist) and applies pending migrations.
  // read_only: opens with SQLITE_OPEN_READONLY; the file must exist (NotFound with a hint to run
  // `strata init` otherwise) and be at exactly this binary's schema version (an older one is
  // an error saying to open it once for writing; no migration is applied). A catalog newer
  // than this binary is refused (Unsupported) in both modes. A file that is not SQLite is
  // Corruption.
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path, bool read_only);
  // The same with an explicit migration list, for tests of the migration machinery.
  // REQUIRES: migrations[i].version == i + 1.
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path, bool read_only,
                                               std::span<const CatalogMigration> migrations);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // The number of migrations this binary knows (what Open brings a writable catalog to).
  static int LatestSchemaVersion();
  int schema_version() const { return version_; }
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }

  // Settings (database options such as the fsync policy): key/value text.
  Result<std::optional<std::string>> GetSetting(std::string_view key);
  Status PutSetting(std::string_view key, std::string_view value);  // insert or replace

  // Validate()s def and checks policy_json is a JSON object; AlreadyExists if the name is taken.
  // With `id`, the table gets that id (recover-catalog restores the ids WAL records name);
  // AlreadyExists if it is taken.
  Result<TableInfo> CreateTable(const TableDef& def, std::optional<int64_t> id = std::nullopt);
  Result<TableInfo> GetTable(std::string_view name);  // NotFound naming it and listing the tables
  // The id CreateTable gives the next table created without one (ids are never reused).
  Result<int64_t> NextTableId();
  Result<TableInfo> GetTableById(int64_t id);
  Result<std::vector<TableInfo>> ListTables();                                 // by name
  Status SetTablePolicy(std::string_view name, std::string_view policy_json);  // a JSON object
  // Replaces the table's schema by `schema` (Database::AddColumn: one UPDATE, atomic) if it is
  // still `expected`; Aborted when another writer changed it meanwhile, NotFound for no table.
  Status SetTableSchema(std::string_view name, const Schema& expected, const Schema& schema);

  Result<std::vector<FileRecord>> ListFiles(const FileQuery& query);  // by table, symbol, min_ts, id
  // All or nothing. Added records must name an existing table, have a non-empty uri, min_ts <=
  // max_ts, non-negative counts and state live or retired (InvalidArgument / NotFound naming the
  // uri); a uri already in the catalog is AlreadyExists; retiring or removing an unknown id is
  // NotFound. Returns the ids of the added files, in order.
  Result<std::vector<int64_t>> Commit(const CatalogChange& change);
  Status MarkVerified(int64_t file_id, int64_t at_ns);  // NotFound for an unknown id
  // Quarantined series (CatalogChange::quarantine), by table, symbol, id; of one table when set.
  Result<std::vector<QuarantineRecord>> ListQuarantine(std::optional<int64_t> table_id = std::nullopt);
  // Forgets quarantined series `id` (its rows were put back). NotFound if there is no such record.
  Status RemoveQuarantine(int64_t id);

  Result<WalState> GetWalState();
  // Per-table flushed LSNs above the global one (table id -> LSN); see CatalogChange.
  Result<std::map<int64_t, uint64_t>> GetTableFlushedLsns();
  Status SetDurableLsn(uint64_t lsn);

  // Lineage. JSON arguments must be valid JSON; an empty one is stored as "{}".
  Result<int64_t> BeginRun(std::string_view kind, std::string_view inputs_json, std::string_view config_json);
  // NotFound for an unknown id; InvalidArgument if the run already finished.
  Status FinishRun(int64_t id, bool ok, std::string_view outputs_json, std::string_view error);
  // Newest first; only runs of `kind` when set; limit <= 0 means no limit.
  Result<std::vector<RunRecord>> ListRuns(std::optional<std::string> kind, int limit);

  // The model registry (model_records.h; model_records.cc). NotFound messages name the model.
  // The model's id, or nullopt when there is no model of that name.
  Result<std::optional<int64_t>> FindModel(std::string_view name);
  // The version `ref` names, with its aliases; NotFound naming the model (no such model, no
  // versions, no such version or alias).
  Result<ModelVersionRecord> ResolveModelVersion(std::string_view name, const ModelVersionRef& ref);
  // Every version of the model, oldest first, with their aliases; NotFound for an unknown model.
  Result<std::vector<ModelVersionRecord>> ListModelVersions(std::string_view name);
  // Every model, by name.
  Result<std::vector<ModelSummaryRecord>> ListModelSummaries();
  Status SetModelVersionStage(int64_t version_id, std::string_view stage);
  // Points `alias` of model `model_id` at `version_id`, or removes it (nullopt).
  Status SetModelAlias(int64_t model_id, std::string_view alias, std::optional<int64_t> version_id);
  Status RemoveModelVersion(int64_t version_id);
  // The model's row and its aliases (its versions are removed one by one before).
  Status RemoveModel(std::string_view name);

  // The model store's packs, chunks and manifests (pack_records.h; pack_records.cc). Calls that
  // change several rows belong inside InTransaction.
  Result<std::vector<PackRecord>> ListPacks();  // by id
  Result<std::optional<PackRecord>> NewestPack();
  Result<int64_t> NextPackId();  // never reuses a removed pack's id
  Status AddPack(int64_t id, std::string_view name, uint64_t bytes, int64_t now_ns);
  Status SetPackBytes(int64_t id, uint64_t bytes);
  // local -> both, with the cold copy's SHA-256 and URI; a pack not local is left as it is.
  Status MarkPackArchived(int64_t id, std::string_view sha256, std::string_view cold_uri, int64_t now_ns);
  // Sets the location; with `only_from`, only a pack that is there now.
  Status SetPackLocation(int64_t id, std::string_view location, std::string_view only_from = {});
  Status RemovePack(int64_t id);
  // Packs on both stores whose chunks only archived versions use (their local copy may go).
  Result<std::vector<int64_t>> PacksOnlyArchivedVersionsUse();
  // Packs in the cold store (cold or both) that no chunk row refers to any more.
  Result<std::vector<int64_t>> EmptyArchivedPacks();
  Result<std::optional<ChunkRecord>> FindChunk(std::string_view chunk_id);
  // The location of the pack holding the chunk (local, both, cold), or "" when it is not stored.
  Result<std::string> ChunkPackLocation(std::string_view chunk_id);
  Result<std::vector<ChunkRecord>> ListChunks();  // by pack, offset
  Result<std::vector<ChunkRecord>> ListUnreferencedChunks();
  Result<std::vector<ChunkRecord>> ListReferencedChunksInPack(int64_t pack_id);  // by offset
  Status PutChunk(const ChunkRecord& chunk);  // adds, or replaces the row of the same chunk id
  Status MoveChunk(std::string_view chunk_id, int64_t pack_id, uint64_t offset);
  Status RemoveChunk(std::string_view chunk_id);
  // Removes the rows of unreferenced chunks in packs of the cold store; how many.
  Result<uint64_t> RemoveUnreferencedArchivedChunks();
  Result<std::vector<ChunkUserRecord>> ChunkUsers(std::string_view chunk_id);
  Result<bool> ModelVersionExists(std::string_view model, int64_t version);
  // The version's manifest in order; nullopt when the version does not exist (any more).
  Result<std::optional<std::vector<ManifestRecord>>> ReadModelManifest(int64_t version_id);
  // Adds the model if new, then the version and its manifest; returns (version number, version
  // id). AlreadyExists naming the model and version when that number is taken.
  Result<std::pair<int64_t, int64_t>> AddModelVersion(const NewModelVersionRecord& version, int64_t now_ns);
  Result<bool> RunExists(int64_t run_id);
  Result<ModelStoreTotalsRecord> ModelStoreTotals();
  Status RecordModelLoads(std::span<const ModelLoadRecord> loads);

  // Runs fn inside one transaction: BEGIN IMMEDIATE (waits for other writers) ... COMMIT, or
  // ROLLBACK if fn returns an error (which is then returned). The catalog's lock is held
  // throughout, so fn may call this Catalog's methods (they join the transaction) and use db(),
  // while other threads wait. A nested InTransaction is a SAVEPOINT: its failure undoes only its
  // own part if the outer fn carries on.
  Status InTransaction(const std::function<Status()>& fn);

  // Creates a new catalog at `path` atomically: built and filled (`fill`) under a temporary
  // name, checkpointed, fsynced, then renamed into place and the directory fsynced, so that a
  // failure (a full disk) leaves no catalog rather than a broken one. AlreadyExists if `path`
  // exists. File operations other than SQLite's own go through `fs`.
  static Status CreateAtomically(FileSystem* fs, const std::string& path, const std::function<Status(Catalog*)>& fill);

  // Moves every commit into the main database file and empties its -wal journal (init does
  // this before it renames a new catalog into place).
  Status Checkpoint();

  // Copies the catalog as of one transaction into a new SQLite file at `path` (which must not
  // exist), with SQLite's online backup API: writers in other processes go on meanwhile, and the
  // copy is a consistent snapshot (one read transaction). The copy is fsynced; it is a rollback-
  // journal database with no -wal beside it, ready to be opened or shipped.
  Status BackupTo(const std::string& path);

  // Tests: `hook` runs after every outer transaction's COMMIT succeeded and its error is
  // returned as the transaction's: a commit that is durable but reported as failed (an fsync
  // error). Empty to remove.
  void SetCommitHookForTesting(std::function<Status()> hook);
  // Tests: read-only opens behave as on read-only media (an immutable open, see Open). Tests run
  // as root, for whom permissions do not make a directory read-only.
  static void SetReadOnlyMediaForTesting(bool on) { ReadOnlyMediaFlag().store(on); }

  // The raw connection, for modules that own their tables (added by a migration).
  // REQUIRES: used only inside InTransaction's fn (which holds the lock), so that no other
  // thread uses the connection at the same time. Do not COMMIT or ROLLBACK through it.
  sqlite3* db() { return db_; }

 private:
  Catalog(std::string path, sqlite3* db, bool read_only);
  Status Configure();
  Status SwitchToWal();
  static Result<std::unique_ptr<Catalog>> OpenOnce(const std::string& path, bool read_only,
                                                   std::span<const CatalogMigration> migrations);
  // Read-only opens on read-only media: SQLite's immutable mode (no -shm, no locks).
  static Result<std::unique_ptr<Catalog>> OpenImmutable(const std::string& path,
                                                        std::span<const CatalogMigration> migrations);
  static bool CanCreateBeside(const std::string& path);
  static std::atomic<bool>& ReadOnlyMediaFlag();
  static bool ReadOnlyMediaForTesting() { return ReadOnlyMediaFlag().load(); }
  Status Migrate(std::span<const CatalogMigration> migrations);
  Result<int> ReadUserVersion();
  Status CheckWritable(std::string_view op) const;
  Status CommitLocked(const CatalogChange& change, std::vector<int64_t>* ids);
  Result<std::vector<TableInfo>> ListTablesLocked();

  const std::string path_;
  sqlite3* const db_;  // owned; closed by the destructor
  const bool read_only_;
  int version_ = 0;
  // Recursive so that InTransaction's fn can call the other methods. Guards db_ and tx_depth_.
  std::recursive_mutex mu_;
  int tx_depth_ = 0;
  std::function<Status()> commit_hook_;  // SetCommitHookForTesting  // InTransaction nesting: 0 outside, 1 in the
                                         // transaction, >1 in savepoints
};

}  // namespace strata
