// Crashes at every mutating file-system operation of a put and of a gc: no partial version is
// ever visible, what was committed loads intact, and gc reclaims whatever the crash orphaned.
#include <gtest/gtest.h>

#include "artifacts/artifacts_test_util.h"
#include "io/fault_injection_fs.h"

namespace strata::artifacts {
namespace {

using strata::testing::TempDir;

struct Fixture {
  TempDir dir;
  std::string v1 = testing::RandomBytes(150'000, 1);
  std::string v2;

  Fixture() { v2 = v1.substr(0, 60'000) + testing::RandomBytes(90'000, 2) + v1.substr(60'000); }
  ModelStoreOptions Options(FileSystem* fs) const {
    ModelStoreOptions o = testing::SmallStoreOptions();
    o.fs = fs;
    o.cache_budget_bytes = 0;
    return o;
  }
  Status PutV1() {
    ASSIGN_OR_RETURN(auto store, ModelStore::Open(dir.path(), Options(nullptr)));
    return store->PutBytes("m", v1, {}).status();
  }
};

// Packs on disk must be exactly the catalog's, with the catalog's lengths.
void ExpectPacksMatchCatalog(const Fixture& f, ModelStore* store) {
  ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
  ASSERT_OK_AND_ASSIGN(auto names, DefaultFileSystem()->ListDir(f.dir.path() + "/artifacts/packs"));
  uint64_t on_disk = 0;
  for (const std::string& n : names) {
    ASSERT_OK_AND_ASSIGN(uint64_t size, DefaultFileSystem()->FileSize(f.dir.path() + "/artifacts/packs/" + n));
    on_disk += size;
  }
  EXPECT_EQ(names.size(), st.packs);
  EXPECT_EQ(on_disk, st.pack_bytes);
}

TEST(ModelStoreCrashTest, CrashAtEveryOpOfAPut) {
  int ops = 0;
  {
    Fixture f;
    ASSERT_OK(f.PutV1());
    FaultInjectionFileSystem fi(DefaultFileSystem());
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(&fi)));
    fi.ResetCounters();
    ASSERT_OK(store->PutBytes("m", f.v2, {}).status());
    ops = fi.mutating_ops();
  }
  ASSERT_GT(ops, 5);  // several packs: creates, writes, syncs, directory syncs
  for (int k : ::strata::testing::CrashPoints(ops)) {
    SCOPED_TRACE("crash at op " + std::to_string(k) + " of " + std::to_string(ops));
    Fixture f;
    ASSERT_OK(f.PutV1());
    {
      FaultInjectionFileSystem fi(DefaultFileSystem());
      {
        ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(&fi)));
        fi.CrashAtOp(k);
        auto r = store->PutBytes("m", f.v2, {});
        EXPECT_FALSE(r.ok());
        EXPECT_TRUE(fi.crashed());
      }
      ASSERT_OK(fi.DropUnsyncedData());
    }
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(nullptr)));
    EXPECT_TRUE(store->Resolve("m", "2").status().IsNotFound());  // no partial version
    ASSERT_OK_AND_ASSIGN(auto l1, store->Load("m", "1"));
    EXPECT_TRUE(l1->view() == f.v1);
    ASSERT_OK(store->Gc().status());
    ExpectPacksMatchCatalog(f, store.get());
    ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
    EXPECT_OK(rep.ToStatus());
    // The store works on: the put succeeds now and reads back.
    ASSERT_OK_AND_ASSIGN(PutResult r2, store->PutBytes("m", f.v2, {}));
    EXPECT_EQ(r2.version, 2);
    ASSERT_OK_AND_ASSIGN(auto l2, store->Load("m", "2"));
    EXPECT_TRUE(l2->view() == f.v2);
  }
}

TEST(ModelStoreCrashTest, CrashAtEveryOpOfAGc) {
  auto setup = [](Fixture& f) -> Status {
    RETURN_IF_ERROR(f.PutV1());
    ASSIGN_OR_RETURN(auto store, ModelStore::Open(f.dir.path(), f.Options(nullptr)));
    RETURN_IF_ERROR(store->PutBytes("m", f.v2, {}).status());
    return store->Remove("m", "1");
  };
  int ops = 0;
  {
    Fixture f;
    ASSERT_OK(setup(f));
    FaultInjectionFileSystem fi(DefaultFileSystem());
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(&fi)));
    fi.ResetCounters();
    ASSERT_OK_AND_ASSIGN(GcResult g, store->Gc());
    EXPECT_GT(g.chunks_removed, 0u);
    ops = fi.mutating_ops();
  }
  ASSERT_GT(ops, 3);
  for (int k : ::strata::testing::CrashPoints(ops)) {
    SCOPED_TRACE("crash at op " + std::to_string(k) + " of " + std::to_string(ops));
    Fixture f;
    ASSERT_OK(setup(f));
    {
      FaultInjectionFileSystem fi(DefaultFileSystem());
      {
        ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(&fi)));
        fi.CrashAtOp(k);
        EXPECT_FALSE(store->Gc().ok());
      }
      ASSERT_OK(fi.DropUnsyncedData());
    }
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(nullptr)));
    ASSERT_OK_AND_ASSIGN(auto l2, store->Load("m", "2"));
    EXPECT_TRUE(l2->view() == f.v2);
    ASSERT_OK(store->Gc().status());
    ExpectPacksMatchCatalog(f, store.get());
    ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
    EXPECT_EQ(st.unique_raw_bytes, f.v2.size());
    ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
    EXPECT_OK(rep.ToStatus());
  }
}

}  // namespace
}  // namespace strata::artifacts
