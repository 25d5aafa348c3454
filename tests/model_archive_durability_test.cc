// The model store's archived packs live in the database's cold store (<root>/cold/models/packs/),
// beside the tier's cold files: a database's writable opens (their orphan cleanup), `verify`
// and the model store's gc must keep them (issue 18 #1), and a power loss at any step of an
// archive, under the database's fsync=none and interval, loses no version and no acknowledged,
// flushed row.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>

#include "artifacts/artifacts_test_util.h"
#include "artifacts/model_store.h"
#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using artifacts::ModelStore;
using artifacts::ModelStoreOptions;
using testing::TempDir;

constexpr int kRowsPerBatch = 10;

RecordBatch Batch(int64_t id) {
  RecordBatch b(*Schema::Template("trades"));
  for (int i = 0; i < kRowsPerBatch; ++i) {
    b.column(0).AppendInt64(1'000'000'000'000 + id * 1'000'000 + i);
    b.column(1).AppendString("S" + std::to_string(id % 2));
    b.column(2).AppendDouble(100.0);
    b.column(3).AppendInt64(100);
    b.column(4).AppendInt64(id * kRowsPerBatch + i);
    b.column(5).AppendString("XNAS");
  }
  return b;
}

// trade_id -> times seen.
std::map<int64_t, int> Rows(Database* db) {
  ScanRequest req;
  req.table = "trades";
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  std::map<int64_t, int> seen;
  if (!batches.ok()) return seen;
  for (const RecordBatch& b : *batches) {
    for (size_t r = 0; r < b.num_rows(); ++r) ++seen[b.column(4).int64s()[r]];
  }
  return seen;
}

Options DbOptions(FileSystem* fs = nullptr) {
  Options o;
  o.fs = fs;
  o.background_flush = false;
  o.on_warning = [](std::string_view) {};
  return o;
}

ModelStoreOptions StoreOptions(FileSystem* fs = nullptr) {
  ModelStoreOptions o = artifacts::testing::SmallStoreOptions();
  o.fs = fs;
  o.cache_budget_bytes = 0;
  return o;
}

void ExpectVersions(const std::string& root, const std::string& v1, const std::string& v2) {
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(root, StoreOptions()));
  ASSERT_OK_AND_ASSIGN(auto l1, store->Load("m", "1"));
  EXPECT_TRUE(l1->view() == v1);
  ASSERT_OK_AND_ASSIGN(auto l2, store->Load("m", "2"));
  EXPECT_TRUE(l2->view() == v2);
}

void ExpectCleanVerify(Database* db) {
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
  for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
}

class ModelArchiveDurabilityTest : public ::testing::Test {
 protected:
  std::string v1_ = artifacts::testing::RandomBytes(200'000, 21);
  std::string v2_ = v1_.substr(0, 80'000) + artifacts::testing::RandomBytes(50'000, 22) + v1_.substr(80'000);
};

// Archive, then several rounds of: a writable database open (orphan cleanup) with an append,
// flush and migration, `verify`, close; the model store's gc and verify. Every version loads
// from the archived packs throughout.
TEST_F(ModelArchiveDurabilityTest, ArchivedPacksSurviveWritableOpensVerifyAndGc) {
  TempDir dir;
  const std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "none"}));
  {
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, DbOptions()));
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
    ASSERT_OK(db->Close());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(root, StoreOptions()));
    ASSERT_OK(store->PutBytes("m", v1_, {}).status());
    ASSERT_OK(store->PutBytes("m", v2_, {}).status());
    ASSERT_OK_AND_ASSIGN(auto archived, store->Archive({.name = "m"}));
    EXPECT_GT(archived.packs_uploaded, 0u);
  }
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    {
      ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, DbOptions()));
      ASSERT_OK(db->Append("trades", Batch(round)));
      ASSERT_OK(db->Flush().status());
      MigrateOptions all;
      all.all = true;
      ASSERT_OK(db->Migrate(all).status());
      ExpectCleanVerify(db.get());
      ASSERT_OK(db->Close());
    }
    ExpectVersions(root, v1_, v2_);
    {
      ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(root, StoreOptions()));
      ASSERT_OK(store->Gc().status());
      ASSERT_OK_AND_ASSIGN(artifacts::VerifyReport report, store->Verify());
      EXPECT_OK(report.ToStatus());
    }
    ExpectVersions(root, v1_, v2_);
  }
}

// A power loss at every mutating file operation of an archive, in a database root under
// fsync=none and interval with acknowledged appends, flushed and not: after it, writable opens
// keep every flushed row (once) and verify clean; both versions load; the archive, retried,
// completes; gc and the store's verify are clean and both versions still load.
TEST_F(ModelArchiveDurabilityTest, PowerLossAtEveryStepOfAnArchiveUnderFsyncNoneAndInterval) {
  if (getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) setenv("TMPDIR", "/dev/shm", 0);
  TempDir dir;
  int inits = 0;
  // A database with batches 0..3 flushed and 4..5 acknowledged only, and the model's two versions.
  auto setup = [&](FaultInjectionFileSystem* fs, const std::string& policy, std::unique_ptr<Database>* db) {
    const std::string root = dir.Join("db" + std::to_string(++inits));
    EXPECT_OK(Database::Init(root, {.fsync = policy}));
    auto opened = Database::Open(root, DbOptions(fs));
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (!opened.ok()) return root;
    *db = std::move(*opened);
    EXPECT_OK((*db)->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
    for (int64_t id = 0; id < 6; ++id) {
      EXPECT_OK((*db)->Append("trades", Batch(id)));
      if (id == 3) EXPECT_OK((*db)->Flush().status());
    }
    auto store = ModelStore::Open(root, StoreOptions(fs));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (store.ok()) {
      EXPECT_OK((*store)->PutBytes("m", v1_, {}).status());
      EXPECT_OK((*store)->PutBytes("m", v2_, {}).status());
    }
    return root;
  };
  auto archive = [](const std::string& root, FileSystem* fs) -> Status {
    ASSIGN_OR_RETURN(auto store, ModelStore::Open(root, StoreOptions(fs)));
    return store->Archive({.name = "m"}).status();
  };
  for (const std::string policy : {"none", "interval=3600000"}) {
    SCOPED_TRACE("fsync=" + policy);
    int n = 0;
    {
      FaultInjectionFileSystem fs(DefaultFileSystem());
      std::unique_ptr<Database> db;
      const std::string root = setup(&fs, policy, &db);
      ASSERT_NE(db, nullptr);
      fs.ResetCounters();
      ASSERT_OK(archive(root, &fs));
      n = fs.mutating_ops();
    }
    ASSERT_GT(n, 5);
    for (int k : ::strata::testing::CrashPoints(n)) {
      SCOPED_TRACE("crash at mutating op " + std::to_string(k) + " of " + std::to_string(n));
      FaultInjectionFileSystem fs(DefaultFileSystem());
      std::string root;
      {
        std::unique_ptr<Database> db;
        root = setup(&fs, policy, &db);
        ASSERT_NE(db, nullptr);
        fs.ResetCounters();
        fs.CrashAtOp(k);
        EXPECT_FALSE(archive(root, &fs).ok());
        db.reset();
      }
      ASSERT_OK(fs.DropUnsyncedData());
      for (int open = 0; open < 2; ++open) {
        ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, DbOptions()));
        std::map<int64_t, int> rows = Rows(db.get());
        for (const auto& [row, times] : rows) ASSERT_EQ(times, 1) << "row " << row;
        for (int64_t row = 0; row < 4 * kRowsPerBatch; ++row) {
          EXPECT_EQ(rows.count(row), 1u) << "row " << row << " was acknowledged and flushed";
        }
        ExpectCleanVerify(db.get());
        ASSERT_OK(db->Close());
      }
      ExpectVersions(root, v1_, v2_);
      {
        ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(root, StoreOptions()));
        ASSERT_OK(store->Archive({.name = "m"}).status());
        ASSERT_OK(store->Gc().status());
        ASSERT_OK_AND_ASSIGN(artifacts::VerifyReport report, store->Verify());
        EXPECT_OK(report.ToStatus());
      }
      ExpectVersions(root, v1_, v2_);
      ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, DbOptions()));
      ExpectCleanVerify(db.get());
    }
  }
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
