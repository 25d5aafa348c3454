// TierStore against a real catalog and a local cold store: what open-time cleanup may delete,
// what a failed catalog commit leaves, and what recover-catalog rebuilds.
#include "tier/tier_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "objstore/object_store.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"
#include "tier/lake.h"
#include "tier/recover_catalog.h"
#include "tier/tier_files.h"

namespace strata::tier {
namespace {

namespace fs = std::filesystem;

class TierStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path();
    Open();
    TableDef def;
    def.name = "trades";
    def.schema = *Schema::Template("trades");
    ASSERT_OK_AND_ASSIGN(table_, catalog_->CreateTable(def));
  }
  // (Re)opens the catalog and the store, as a database open does.
  void Open() {
    store_.reset();
    cold_.reset();
    catalog_.reset();
    ASSERT_OK_AND_ASSIGN(catalog_, Catalog::Open(JoinPath(root_, "catalog.db"), false));
    cold_ = NewLocalObjectStore(DefaultFileSystem(), JoinPath(root_, "cold"));
    TierStoreOptions o;
    o.fs = DefaultFileSystem();
    o.root = root_;
    o.catalog = catalog_.get();
    o.cold = cold_.get();
    o.on_warning = [this](std::string_view m) { warnings_ += std::string(m) + "\n"; };
    o.clock = [this] { return now_; };
    store_ = std::make_unique<TierStore>(std::move(o));
  }
  RecordBatch Rows(const std::string& symbol, int64_t day, int n, int64_t first_id) {
    RecordBatch b(table_.def.schema);
    for (int i = 0; i < n; ++i) {
      b.column(0).AppendInt64(day * kNanosPerDay + i * 1000);
      b.column(1).AppendString(symbol);
      b.column(2).AppendDouble(100.0 + i);
      b.column(3).AppendInt64(1);
      b.column(4).AppendInt64(first_id + i);
      b.column(5).AppendString("X");
    }
    return b;
  }
  Status FlushRows(const std::string& symbol, int64_t day, int n, uint64_t cut) {
    std::vector<FlushSeries> s(1);
    s[0].table_id = table_.id;
    s[0].symbol = symbol;
    s[0].rows = Rows(symbol, day, n, static_cast<int64_t>(cut) * 1000);
    return store_->Flush(std::move(s), cut, nullptr).status();
  }
  std::vector<FileRecord> Live(std::optional<Tier> tier = std::nullopt) {
    FileQuery q;
    q.tier = tier;
    return *catalog_->ListFiles(q);
  }
  std::vector<std::string> FilesUnder(const std::string& rel) {
    std::vector<std::string> out;
    if (!fs::exists(JoinPath(root_, rel))) return out;
    for (auto& e : fs::recursive_directory_iterator(JoinPath(root_, rel))) {
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root_).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir dir_;
  std::string root_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<ObjectStore> cold_;
  std::unique_ptr<TierStore> store_;
  TableInfo table_;
  std::string warnings_;
  const int64_t day_ = DaysFromCivil(2026, 3, 2);
  int64_t now_ = (DaysFromCivil(2026, 3, 2) + 1) * kNanosPerDay;  // the store's clock
};

TEST(TierFilesTest, Shapes) {
  EXPECT_EQ(WarmPathTable("warm/trades/date=2026-03-02/symbol=AAPL/part-000003.parquet"), "trades");
  EXPECT_EQ(WarmPathTable("warm/trades/../trades/date=2026-03-02/symbol=A/part-000003.parquet"), std::nullopt);
  EXPECT_EQ(WarmPathTable("warm/trades/date=2026-03-02/symbol=../part-000003.parquet"), std::nullopt);
  EXPECT_EQ(WarmPathTable("warm/trades/date=2026-03-02/symbol=A/notes.txt"), std::nullopt);
  EXPECT_EQ(WarmPathTable("warm/trades//date=2026-03-02/symbol=A/part-000003.parquet"), std::nullopt);
  EXPECT_EQ(WarmPathTable("catalog.db"), std::nullopt);
  EXPECT_EQ(ColdKeyTable("trades/year=2026/month=03/symbol=BRK%2FB/part-000012.parquet"), "trades");
  EXPECT_EQ(ColdKeyTable("models/packs/pack-0000000001.pack"), std::nullopt);
  EXPECT_TRUE(IsWarmTempPath("warm/t/date=2026-03-02/symbol=A/part-000001.parquet.tmp-77"));
  EXPECT_FALSE(IsWarmTempPath("warm/t/date=2026-03-02/symbol=A/mine.tmp-77"));
  EXPECT_TRUE(IsStagedColdPath("tmp/migrate-12-3.parquet"));
  EXPECT_FALSE(IsStagedColdPath("tmp/backup.parquet"));
}

// Issue 18 #1: other modules' objects in the cold store are not the tier's orphans.
TEST_F(TierStoreTest, CleanupKeepsOtherModulesObjects) {
  ASSERT_OK(cold_->Put("models/packs/pack-0000000001.pack", "model bytes"));
  ASSERT_OK(cold_->Put("trades/README", "a note"));
  ASSERT_OK(store_->CleanupOnOpen());
  EXPECT_EQ(*cold_->Get("models/packs/pack-0000000001.pack"), "model bytes");
  EXPECT_EQ(*cold_->Get("trades/README"), "a note");
  ASSERT_OK_AND_ASSIGN(VerifyReport report, store_->Verify({}));
  EXPECT_TRUE(report.ok()) << report.problems[0].uri;
}

// Issue 13 #3: a damaged catalog row (a retired file whose uri names a live file by another
// spelling) must not make cleanup delete the live file.
TEST_F(TierStoreTest, DamagedRetiredPathDeletesNothing) {
  ASSERT_OK(FlushRows("AAPL", day_, 100, 10));
  std::vector<FileRecord> live = Live();
  ASSERT_EQ(live.size(), 1u);
  FileRecord alias = live[0];
  alias.uri = "warm/trades/../" + live[0].uri.substr(std::string("warm/").size());
  alias.state = "retired";
  CatalogChange change;
  change.add.push_back(alias);
  ASSERT_OK(catalog_->Commit(change).status());
  Open();
  ASSERT_OK(store_->CleanupOnOpen());
  EXPECT_TRUE(fs::exists(JoinPath(root_, live[0].uri)));
  EXPECT_NE(warnings_.find("not deleting"), std::string::npos) << warnings_;
  ASSERT_OK_AND_ASSIGN(VerifyReport report, store_->Verify({}));
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(Live().size(), 1u);
}

// A flush output the catalog never took: its rows are after the flushed LSN (still in the WAL),
// so cleanup deletes it; the same file with its rows at or below the flushed LSN is not provably
// redundant and goes to quarantine.
TEST_F(TierStoreTest, UnlistedFlushOutputDeletedOnlyWhenProvablyRedundant) {
  ASSERT_OK(FlushRows("AAPL", day_, 100, 10));
  const FileRecord f = Live()[0];
  // Forget the file as if the commit never happened: flushed LSN back to 5.
  CatalogChange forget;
  forget.remove.push_back(f.id);
  forget.flushed_lsn = 5;
  ASSERT_OK(catalog_->Commit(forget).status());
  Open();
  ASSERT_OK(store_->CleanupOnOpen());
  EXPECT_FALSE(fs::exists(JoinPath(root_, f.uri)));
  EXPECT_TRUE(FilesUnder("quarantine").empty());

  ASSERT_OK(FlushRows("MSFT", day_, 100, 20));
  const FileRecord g = Live()[0];
  CatalogChange lose;  // flushed LSN stays 20: nothing says where else the rows are
  lose.remove.push_back(g.id);
  ASSERT_OK(catalog_->Commit(lose).status());
  Open();
  ASSERT_OK(store_->CleanupOnOpen());
  EXPECT_FALSE(fs::exists(JoinPath(root_, g.uri)));
  EXPECT_TRUE(fs::exists(JoinPath(JoinPath(root_, "quarantine"), g.uri)));
  EXPECT_NE(warnings_.find("quarantine"), std::string::npos) << warnings_;
}

// Issue 18 #4: a commit that fails (here: durable, but reported as failed) deletes nothing, and
// the store refuses further changes; the reopened store finds everything consistent.
TEST_F(TierStoreTest, FailedCommitDeletesNothing) {
  ASSERT_OK(FlushRows("AAPL", day_, 100, 10));
  ASSERT_OK(FlushRows("AAPL", day_, 100, 20));
  // Compaction: durable commit reported as failed.
  catalog_->SetCommitHookForTesting([] { return Status::IOError("fsync failed (injected)"); });
  Status st = store_->CompactWarm(table_.id, /*force_all=*/true).status();
  catalog_->SetCommitHookForTesting(nullptr);
  EXPECT_FALSE(st.ok());
  for (const FileRecord& f : Live()) EXPECT_TRUE(fs::exists(JoinPath(root_, f.uri))) << f.uri;
  Status next = FlushRows("AAPL", day_, 10, 30);
  EXPECT_NE(next.message().find("earlier catalog commit failed"), std::string::npos) << next.ToString();

  Open();
  ASSERT_OK(store_->CleanupOnOpen());
  ASSERT_OK_AND_ASSIGN(VerifyReport report, store_->Verify({}));
  EXPECT_TRUE(report.ok()) << report.problems[0].kind << " " << report.problems[0].uri;
  ASSERT_EQ(Live().size(), 1u);
  EXPECT_EQ(Live()[0].row_count, 200);

  // Migration: the verified cold object must stay.
  catalog_->SetCommitHookForTesting([] { return Status::IOError("fsync failed (injected)"); });
  MigrateOptions mo;
  mo.all = true;
  st = store_->Migrate(mo).status();
  catalog_->SetCommitHookForTesting(nullptr);
  EXPECT_FALSE(st.ok());
  Open();
  ASSERT_OK(store_->CleanupOnOpen());
  ASSERT_OK_AND_ASSIGN(report, store_->Verify({}));
  EXPECT_TRUE(report.ok()) << report.problems[0].kind << " " << report.problems[0].uri;
  ASSERT_EQ(Live(Tier::kCold).size(), 1u);
  EXPECT_EQ(Live(Tier::kCold)[0].row_count, 200);
  EXPECT_TRUE(Live(Tier::kWarm).empty());
}

// Issue 13 #4: verify catches a file whose columns are not its table's.
TEST_F(TierStoreTest, VerifyCatchesSchemaMismatch) {
  ASSERT_OK(FlushRows("AAPL", day_, 100, 10));
  TableDef other;
  other.name = "other";
  other.schema = *Schema::Parse("ts:timestamp,symbol:symbol,px:f64");
  ASSERT_OK_AND_ASSIGN(TableInfo o, catalog_->CreateTable(other));
  // A file of `trades` registered under `other`'s path and id.
  FileRecord f = Live()[0];
  const std::string uri = WarmRelPath("other", day_, "AAPL", 1);
  fs::create_directories(fs::path(JoinPath(root_, uri)).parent_path());
  fs::copy_file(JoinPath(root_, f.uri), JoinPath(root_, uri));
  f.uri = uri;
  f.table_id = o.id;
  CatalogChange c;
  c.add.push_back(f);
  ASSERT_OK(catalog_->Commit(c).status());
  ASSERT_OK_AND_ASSIGN(VerifyReport report, store_->Verify({}));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].uri, uri);
  EXPECT_NE(report.problems[0].detail.find("not those of table other"), std::string::npos) << report.problems[0].detail;
}

// Issue 14: verify records when each file was checked.
TEST_F(TierStoreTest, VerifySetsVerifiedAt) {
  ASSERT_OK(FlushRows("AAPL", day_, 100, 10));
  ASSERT_OK(store_->Verify({}).status());
  const FileRecord f = Live()[0];
  ASSERT_TRUE(f.verified_at_ns.has_value());
  EXPECT_GT(*f.verified_at_ns, f.created_at_ns - 1);
  EXPECT_GT(*f.verified_at_ns, int64_t{1'600'000'000} * 1'000'000'000);
}

// Issue 13 #3: recover-catalog rebuilds tables and files from the footers alone.
TEST_F(TierStoreTest, RecoverCatalogFromFooters) {
  ASSERT_OK(FlushRows("AAPL", day_, 100, 10));
  ASSERT_OK(FlushRows("MSFT", day_ + 40, 50, 20));
  MigrateOptions mo;
  mo.before_ts = (day_ + 1) * kNanosPerDay;
  ASSERT_OK(store_->Migrate(mo).status());
  ASSERT_OK(FlushRows("AAPL", day_ + 41, 30, 30));
  std::map<std::string, FileRecord> before;
  for (const FileRecord& f : Live()) before[f.uri] = f;
  ASSERT_EQ(before.size(), 3u);

  ASSERT_OK_AND_ASSIGN(auto fresh, Catalog::Open(dir_.Join("recovered.db"), false));
  RecoverCatalogOptions ro;
  ro.fs = DefaultFileSystem();
  ro.root = root_;
  ro.cold = cold_.get();
  ASSERT_OK_AND_ASSIGN(RecoverCatalogResult r, RecoverCatalog(ro, fresh.get()));
  EXPECT_EQ(r.tables, 1u);
  EXPECT_EQ(r.files, 3u);
  EXPECT_EQ(r.rows, 180u);
  EXPECT_EQ(r.flushed_lsn, 30u);
  ASSERT_OK_AND_ASSIGN(TableInfo t, fresh->GetTable("trades"));
  EXPECT_EQ(t.def.schema.ToString(), table_.def.schema.ToString());
  EXPECT_EQ(t.id, table_.id);
  ASSERT_OK_AND_ASSIGN(auto files, fresh->ListFiles({}));
  ASSERT_EQ(files.size(), 3u);
  for (const FileRecord& f : files) {
    ASSERT_TRUE(before.count(f.uri)) << f.uri;
    const FileRecord& b = before[f.uri];
    EXPECT_EQ(f.tier, b.tier);
    EXPECT_EQ(f.symbol, b.symbol);
    EXPECT_EQ(f.min_ts, b.min_ts);
    EXPECT_EQ(f.max_ts, b.max_ts);
    EXPECT_EQ(f.row_count, b.row_count);
    EXPECT_EQ(f.bytes, b.bytes);
    EXPECT_EQ(f.sha256, b.sha256);
    EXPECT_EQ(f.max_lsn, b.max_lsn);
  }
}

}  // namespace
}  // namespace strata::tier

namespace strata::tier {
namespace {

// Immutable archives on a local cold directory: the catalog holds each cold file's retain-until
// date, and retention, migration and the deletion of retired files leave a locked file alone until
// the store's clock passes it.
class ColdLockTest : public TierStoreTest {
 protected:
  void MigrateAll() {
    MigrateOptions m;
    m.all = true;
    ASSERT_OK_AND_ASSIGN(last_, store_->Migrate(m));
  }
  TierRunResult last_;
};

TEST_F(ColdLockTest, RetentionKeepsALockedColdFileUntilItsRetainUntilDate) {
  ASSERT_OK(catalog_->SetTablePolicy("trades", R"({"cold_days": 1, "cold_lock_days": 30})"));
  ASSERT_OK(FlushRows("AAPL", day_, 50, 1));
  MigrateAll();
  std::vector<FileRecord> cold = Live(Tier::kCold);
  ASSERT_EQ(cold.size(), 1u);
  ASSERT_TRUE(cold[0].retain_until_ns.has_value());
  EXPECT_EQ(*cold[0].retain_until_ns, now_ + 30 * kNanosPerDay);  // upload time (whole seconds) + 30 days
  const std::string path = JoinPath(root_, cold[0].uri);
  ASSERT_TRUE(fs::exists(path)) << path;

  // Ten days on the rows are past cold_days but the file is locked: kept, counted, named.
  ASSERT_OK_AND_ASSIGN(TierRunResult early, store_->ApplyRetention(now_ + 10 * kNanosPerDay));
  EXPECT_EQ(early.files_in, 0u);
  EXPECT_EQ(early.files_locked, 1u);
  EXPECT_NE(warnings_.find("locked until"), std::string::npos) << warnings_;
  EXPECT_NE(warnings_.find(cold[0].uri), std::string::npos) << warnings_;
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(Live(Tier::kCold).size(), 1u);

  // One second before the date still locked; after it, retention deletes it.
  ASSERT_OK_AND_ASSIGN(TierRunResult edge, store_->ApplyRetention(*cold[0].retain_until_ns - 1'000'000'000));
  EXPECT_EQ(edge.files_locked, 1u);
  EXPECT_TRUE(fs::exists(path));
  ASSERT_OK_AND_ASSIGN(TierRunResult late, store_->ApplyRetention(*cold[0].retain_until_ns + 1));
  EXPECT_EQ(late.files_in, 1u);
  EXPECT_EQ(late.files_locked, 0u);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(Live(Tier::kCold).empty());
}

TEST_F(ColdLockTest, LateRowsGoBesideALockedColdFileInsteadOfReplacingIt) {
  ASSERT_OK(catalog_->SetTablePolicy("trades", R"({"cold_lock_days": 30, "cold_lock_mode": "governance"})"));
  ASSERT_OK(FlushRows("AAPL", day_, 50, 1));
  MigrateAll();
  const std::vector<FileRecord> first = Live(Tier::kCold);
  ASSERT_EQ(first.size(), 1u);
  const std::string first_bytes = *DefaultFileSystem()->ReadFile(JoinPath(root_, first[0].uri));

  // Late rows of the same month: without a lock they would be merged with the cold file into one
  // new file replacing it; locked, the old file stays as it was and the rows get a part of their own.
  ASSERT_OK(FlushRows("AAPL", day_ + 1, 20, 2));
  MigrateAll();
  EXPECT_EQ(last_.files_locked, 1u);
  EXPECT_EQ(last_.rows_out, 20u);
  std::vector<FileRecord> cold = Live(Tier::kCold);
  ASSERT_EQ(cold.size(), 2u);
  EXPECT_EQ(cold[0].uri, first[0].uri);
  EXPECT_EQ(cold[0].sha256, first[0].sha256);
  EXPECT_EQ(*DefaultFileSystem()->ReadFile(JoinPath(root_, first[0].uri)), first_bytes);
  EXPECT_NE(warnings_.find("not merging into locked cold file " + first[0].uri), std::string::npos) << warnings_;

  // Once the lock has passed, the next migration of the month merges them as usual.
  now_ = *cold[0].retain_until_ns + 1;
  ASSERT_OK(FlushRows("AAPL", day_ + 2, 10, 3));
  MigrateAll();
  EXPECT_EQ(last_.files_locked, 0u);
  EXPECT_EQ(last_.rows_out, 80u);
  EXPECT_EQ(Live(Tier::kCold).size(), 1u);
}

TEST_F(ColdLockTest, ARetiredLockedFileIsNotDeleted) {
  ASSERT_OK(catalog_->SetTablePolicy("trades", R"({"cold_lock_days": 7})"));
  ASSERT_OK(FlushRows("AAPL", day_, 50, 1));
  MigrateAll();
  const std::vector<FileRecord> cold = Live(Tier::kCold);
  ASSERT_EQ(cold.size(), 1u);
  // A catalog retiring it behind strata's back (an edited catalog): the cleanup of retired files
  // keeps the file and its row while the lock holds.
  CatalogChange change;
  change.retire.push_back(cold[0].id);
  ASSERT_OK(catalog_->Commit(change).status());
  ASSERT_OK(store_->CleanupOnOpen());
  EXPECT_TRUE(fs::exists(JoinPath(root_, cold[0].uri)));
  EXPECT_NE(warnings_.find("not deleting " + cold[0].uri + ": it is locked until"), std::string::npos) << warnings_;
  FileQuery retired;
  retired.state = "retired";
  EXPECT_EQ(catalog_->ListFiles(retired)->size(), 1u);
  now_ = *cold[0].retain_until_ns + 1;
  ASSERT_OK(store_->CleanupOnOpen());
  EXPECT_FALSE(fs::exists(JoinPath(root_, cold[0].uri)));
  EXPECT_TRUE(catalog_->ListFiles(retired)->empty());
}

TEST(ColdLockPolicyTest, ParsesAndRejects) {
  ASSERT_OK_AND_ASSIGN(TablePolicy p,
                       TablePolicy::Parse(R"({"cold_lock_days": 2555, "cold_lock_mode": "governance"})"));
  EXPECT_EQ(*p.cold_lock_days, 2555);
  EXPECT_EQ(p.ColdLockMode(), "governance");
  EXPECT_EQ(TablePolicy::Parse(p.ToJson())->ColdLockMode(), "governance");
  EXPECT_EQ(TablePolicy::Parse(R"({"cold_lock_days": 1})")->ColdLockMode(), "compliance");
  EXPECT_FALSE(TablePolicy::Parse(R"({"cold_lock_days": 0})").ok());
  EXPECT_FALSE(TablePolicy::Parse(R"({"cold_lock_mode": "legal-hold"})").ok());
}

}  // namespace
}  // namespace strata::tier
