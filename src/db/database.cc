// Database: ties the catalog, the write-ahead log and the hot tier together.
//
// Write path: Appender::Append validates the batch, encodes it into a WAL record, waits for the
// WAL to say durable (group commit, fsync policy), then inserts the rows into the hot tier.
// Open: take the write lock, open the catalog, replay WAL records after the flushed LSN into the
// hot tier (truncating a torn tail), then start a new WAL segment. Read-only opens skip the lock
// and never modify anything: they replay the WAL up to whatever a writer has written so far.
#include "strata/database.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "catalog/catalog.h"
#include "db/layout.h"
#include "db/wal_record.h"
#include "hot/hot_tier.h"
#include "strata/timestamp.h"
#include "wal/batch_codec.h"
#include "wal/wal.h"

namespace strata {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct OpenTable {
  uint32_t id;
  TableDef def;
};

class DatabaseImpl;

class AppenderImpl final : public Appender {
 public:
  AppenderImpl(DatabaseImpl* db, std::shared_ptr<const OpenTable> table) : db_(db), table_(std::move(table)) {}
  Status Append(const RecordBatch& batch) override;
  const Schema& schema() const override { return table_->def.schema; }

 private:
  DatabaseImpl* db_;
  std::shared_ptr<const OpenTable> table_;
};

class DatabaseImpl final : public Database {
 public:
  DatabaseImpl(std::string root, Options options) : root_(std::move(root)), options_(std::move(options)) {}
  ~DatabaseImpl() override { Close().IgnoreError(); }

  Status OpenAll() {
    fs_ = options_.fs != nullptr ? options_.fs : DefaultFileSystem();
    ASSIGN_OR_RETURN(bool exists, fs_->Exists(layout::CatalogPath(root_)));
    if (!exists) {
      return Status::NotFound("no strata database at " + root_ + " (create one with `strata init --root " + root_ +
                              "`)");
    }
    if (!options_.read_only) {
      std::string note = "process " + std::to_string(::getpid());
      if (!options_.process_note.empty()) note += " (" + options_.process_note + ")";
      note += " since " + FormatTimestamp(NowNs());
      auto lock = fs_->TryLock(layout::LockPath(root_), note);
      if (!lock.ok()) {
        if (lock.status().code() == StatusCode::kBusy) {
          return Status::Busy("database " + root_ + " is already open for writing (" + lock.status().message() +
                              "); open it read-only or stop that process");
        }
        return lock.status();
      }
      lock_ = std::move(*lock);
    }
    ASSIGN_OR_RETURN(catalog_, Catalog::Open(layout::CatalogPath(root_), options_.read_only));

    std::string fsync = options_.fsync;
    if (fsync.empty()) {
      ASSIGN_OR_RETURN(auto stored, catalog_->GetSetting(layout::kFsyncSetting));
      fsync = stored.value_or("interval=10");
    }
    ASSIGN_OR_RETURN(sync_policy_, SyncPolicy::Parse(fsync));
    ASSIGN_OR_RETURN(auto seg, catalog_->GetSetting(layout::kSegmentBytesSetting));
    if (seg) segment_bytes_ = std::stoull(*seg);

    HotTier::Options hot_options;
    hot_options.memory_budget_bytes = options_.hot_memory_budget_bytes;
    hot_ = std::make_unique<HotTier>(std::move(hot_options));
    ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
    for (const TableInfo& t : tables) RETURN_IF_ERROR(RegisterTable(t));
    return Recover();
  }

  Status Recover() {
    ASSIGN_OR_RETURN(WalState wal_state, catalog_->GetWalState());
    flushed_lsn_ = wal_state.flushed_lsn;
    WalReadOptions ro;
    ro.fs = fs_;
    ro.dir = layout::WalDir(root_);
    ro.after_lsn = wal_state.flushed_lsn;
    ro.repair = !options_.read_only;
    ASSIGN_OR_RETURN(bool wal_exists, fs_->Exists(ro.dir));
    uint64_t last_lsn = wal_state.flushed_lsn;
    if (wal_exists) {
      auto replay = [&](uint64_t lsn, std::string_view payload) -> Status {
        ASSIGN_OR_RETURN(RowsRecordHeader rec, ParseRowsRecord(payload));
        ASSIGN_OR_RETURN(std::shared_ptr<const OpenTable> table, TableById(rec.table_id));
        ASSIGN_OR_RETURN(RecordBatch batch, DecodeBatch(rec.encoded_batch, table->def.schema.fields()));
        return hot_->Insert(table->id, batch, lsn);
      };
      auto result = ReadWal(ro, replay);
      if (!result.ok()) return result.status().WithContext("recovering the write-ahead log of " + root_);
      for (const std::string& w : result->warnings) Warn(w);
      last_lsn = std::max(last_lsn, result->last_lsn);
    }
    last_replayed_lsn_ = last_lsn;
    if (options_.read_only) return Status::OK();
    RETURN_IF_ERROR(fs_->CreateDirs(ro.dir));
    WalOptions wo;
    wo.fs = fs_;
    wo.dir = ro.dir;
    wo.sync = sync_policy_;
    wo.segment_bytes = segment_bytes_;
    ASSIGN_OR_RETURN(wal_, WalWriter::Open(wo, last_lsn + 1));
    return Status::OK();
  }

  void Warn(std::string_view msg) {
    if (options_.on_warning) {
      options_.on_warning(msg);
    } else {
      std::fprintf(stderr, "strata: warning: %.*s\n", static_cast<int>(msg.size()), msg.data());
    }
  }

  Status RegisterTable(const TableInfo& info) {
    auto table = std::make_shared<OpenTable>(OpenTable{static_cast<uint32_t>(info.id), info.def});
    RETURN_IF_ERROR(hot_->AddTable(table->id, table->def.schema));
    std::unique_lock lock(tables_mu_);
    tables_by_name_[info.def.name] = table;
    tables_by_id_[table->id] = table;
    return Status::OK();
  }

  Result<std::shared_ptr<const OpenTable>> TableByName(std::string_view name) {
    {
      std::shared_lock lock(tables_mu_);
      auto it = tables_by_name_.find(name);  // heterogeneous: no allocation on the Latest path
      if (it != tables_by_name_.end()) return it->second;
    }
    // Another process may have created it since we opened.
    ASSIGN_OR_RETURN(TableInfo info, catalog_->GetTable(name));
    RETURN_IF_ERROR(RegisterTable(info));
    return TableByName(name);
  }

  Result<std::shared_ptr<const OpenTable>> TableById(uint32_t id) {
    {
      std::shared_lock lock(tables_mu_);
      auto it = tables_by_id_.find(id);
      if (it != tables_by_id_.end()) return it->second;
    }
    auto info = catalog_->GetTableById(id);
    if (!info.ok())
      return Status::Corruption("WAL record names table id " + std::to_string(id) + " which the catalog does not know");
    RETURN_IF_ERROR(RegisterTable(*info));
    return TableById(id);
  }

  Status CheckWritable() const {
    if (options_.read_only) return Status::InvalidArgument("database " + root_ + " is open read-only");
    if (closed_) return Status::InvalidArgument("database " + root_ + " is closed");
    return Status::OK();
  }

  Status CreateTable(const TableDef& def) override {
    RETURN_IF_ERROR(CheckWritable());
    RETURN_IF_ERROR(def.Validate());
    ASSIGN_OR_RETURN(TableInfo info, catalog_->CreateTable(def));
    return RegisterTable(info);
  }

  Result<TableDef> GetTable(std::string_view name) override {
    ASSIGN_OR_RETURN(auto t, TableByName(name));
    return t->def;
  }

  Result<std::vector<TableDef>> ListTables() override {
    ASSIGN_OR_RETURN(auto infos, catalog_->ListTables());
    std::vector<TableDef> out;
    for (auto& info : infos) out.push_back(std::move(info.def));
    return out;
  }

  Result<std::unique_ptr<Appender>> NewAppender(std::string_view table) override {
    RETURN_IF_ERROR(CheckWritable());
    ASSIGN_OR_RETURN(auto t, TableByName(table));
    return std::unique_ptr<Appender>(new AppenderImpl(this, std::move(t)));
  }

  Status Append(std::string_view table, const RecordBatch& batch) override {
    ASSIGN_OR_RETURN(auto appender, NewAppender(table));
    return appender->Append(batch);
  }

  Status AppendTo(const OpenTable& table, const RecordBatch& batch) {
    RETURN_IF_ERROR(CheckWritable());
    RETURN_IF_ERROR(batch.ValidateAgainst(table.def.schema).WithContext("append to " + table.def.name));
    if (batch.num_rows() == 0) return Status::OK();
    thread_local std::string payload;
    EncodeRowsRecord(table.id, batch, &payload);
    ASSIGN_OR_RETURN(uint64_t lsn, wal_->Append(payload));
    return hot_->Insert(table.id, batch, lsn);
  }

  Result<std::vector<RecordBatch>> Scan(const ScanRequest& request) override {
    if (request.from_ts > request.to_ts) {
      return Status::InvalidArgument("time range is backwards: from " + FormatTimestamp(request.from_ts) +
                                     " is after to " + FormatTimestamp(request.to_ts));
    }
    ASSIGN_OR_RETURN(auto table, TableByName(request.table));
    for (const std::string& c : request.columns) {
      if (table->def.schema.FieldIndex(c) < 0) {
        return Status::InvalidArgument("table " + table->def.name + " has no column '" + c +
                                       "' (columns: " + table->def.schema.ToString() + ")");
      }
    }
    HotScanRequest hot_request;
    hot_request.table_id = table->id;
    hot_request.symbols = request.symbols;
    hot_request.from_ts = request.from_ts;
    hot_request.to_ts = request.to_ts;
    hot_request.columns = request.columns;
    return hot_->Scan(hot_request);
  }

  Status Latest(std::string_view table, std::string_view symbol, RecordBatch* out) override {
    ASSIGN_OR_RETURN(auto t, TableByName(table));
    return hot_->Latest(t->id, symbol, out);
  }

  Result<std::vector<std::string>> Symbols(std::string_view table) override {
    ASSIGN_OR_RETURN(auto t, TableByName(table));
    return hot_->Symbols(t->id);
  }

  Result<DatabaseStats> Stats() override {
    DatabaseStats stats;
    stats.fsync = sync_policy_.ToString();
    stats.flushed_lsn = flushed_lsn_;
    stats.last_lsn = wal_ ? wal_->last_lsn() : last_replayed_lsn_;
    std::string wal_dir = layout::WalDir(root_);
    ASSIGN_OR_RETURN(bool wal_exists, fs_->Exists(wal_dir));
    if (wal_exists) {
      ASSIGN_OR_RETURN(auto names, fs_->ListDir(wal_dir));
      for (const std::string& n : names) {
        if (n.size() < 4 || n.substr(n.size() - 4) != ".log") continue;
        ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(JoinPath(wal_dir, n)));
        stats.wal_bytes += size;
        ++stats.wal_segments;
      }
    }
    ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
    std::vector<HotTableStats> hot = hot_->Stats();
    for (const TableInfo& info : tables) {
      TableStats ts;
      ts.table = info.def.name;
      TierStats h{"hot"};
      for (const HotTableStats& hs : hot) {
        if (hs.table_id == static_cast<uint32_t>(info.id)) {
          h.rows = hs.rows;
          h.bytes = hs.bytes;
          h.series = hs.series;
        }
      }
      ts.tiers.push_back(h);
      for (Tier tier : {Tier::kWarm, Tier::kCold}) {
        FileQuery q;
        q.table_id = info.id;
        q.tier = tier;
        ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(q));
        TierStats s{std::string(TierName(tier))};
        std::map<std::string, bool> symbols;
        for (const FileRecord& f : files) {
          s.rows += static_cast<uint64_t>(f.row_count);
          s.bytes += static_cast<uint64_t>(f.bytes);
          symbols[f.symbol] = true;
        }
        s.files = files.size();
        s.series = symbols.size();
        ts.tiers.push_back(s);
      }
      stats.tables.push_back(std::move(ts));
    }
    return stats;
  }

  Status Sync() override {
    RETURN_IF_ERROR(CheckWritable());
    return wal_->Sync();
  }

  Status Close() override {
    if (closed_) return Status::OK();
    closed_ = true;
    Status st;
    if (wal_) {
      st = wal_->Close();
      if (st.ok()) st = catalog_->SetDurableLsn(wal_->last_lsn());
    }
    wal_.reset();
    lock_.reset();
    return st;
  }

  const std::string& root() const override { return root_; }
  bool read_only() const override { return options_.read_only; }

 private:
  std::string root_;
  Options options_;
  FileSystem* fs_ = nullptr;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<HotTier> hot_;
  std::unique_ptr<WalWriter> wal_;
  SyncPolicy sync_policy_;
  uint64_t segment_bytes_ = 64ull << 20;
  uint64_t flushed_lsn_ = 0;
  uint64_t last_replayed_lsn_ = 0;
  bool closed_ = false;

  std::shared_mutex tables_mu_;
  std::map<std::string, std::shared_ptr<const OpenTable>, std::less<>> tables_by_name_;
  std::map<uint32_t, std::shared_ptr<const OpenTable>> tables_by_id_;
};

Status AppenderImpl::Append(const RecordBatch& batch) { return db_->AppendTo(*table_, batch); }

}  // namespace

Status Database::Init(const std::string& root, const InitOptions& options, FileSystem* fs) {
  if (fs == nullptr) fs = DefaultFileSystem();
  ASSIGN_OR_RETURN(SyncPolicy policy, SyncPolicy::Parse(options.fsync));
  if (options.wal_segment_bytes < 4096) return Status::InvalidArgument("WAL segment size must be at least 4096 bytes");
  ASSIGN_OR_RETURN(bool exists, fs->Exists(layout::CatalogPath(root)));
  if (exists) return Status::AlreadyExists("a strata database already exists at " + root);
  RETURN_IF_ERROR(fs->CreateDirs(root));
  RETURN_IF_ERROR(fs->CreateDirs(layout::WalDir(root)));
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(layout::CatalogPath(root), /*read_only=*/false));
  RETURN_IF_ERROR(catalog->PutSetting(layout::kFsyncSetting, policy.ToString()));
  RETURN_IF_ERROR(catalog->PutSetting(layout::kSegmentBytesSetting, std::to_string(options.wal_segment_bytes)));
  return fs->SyncDir(root);
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& root, const Options& options) {
  auto db = std::make_unique<DatabaseImpl>(root, options);
  RETURN_IF_ERROR(db->OpenAll());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace strata
