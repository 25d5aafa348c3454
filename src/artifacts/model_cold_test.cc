// Model packs in the cold store (a local-directory object store here; S3 in
// tests/artifacts_cold_s3_test.cc): archive, load from cold, restore, gc, verify, and crashes at
// every file-system operation of an archive and of a restore.
#include <gtest/gtest.h>

#include <functional>

#include "artifacts/artifacts_test_util.h"
#include "artifacts/cold_store.h"
#include "catalog/catalog.h"
#include "catalog/statement.h"
#include "io/fault_injection_fs.h"

namespace strata::artifacts {
namespace {

using strata::testing::TempDir;

// Read-ahead windows pay off only where each read is a round trip (S3): the default follows the
// store.
TEST(ObjectColdStore, OnlyS3IsRemote) {
  TempDir dir;
  ObjectColdStore local(NewLocalObjectStore(DefaultFileSystem(), dir.path()));
  EXPECT_FALSE(local.Remote());
  S3Options s3;
  s3.endpoint = "http://127.0.0.1:1";
  s3.credentials.access_key_id = "k";
  s3.credentials.secret_access_key = "s";
  ASSERT_OK_AND_ASSIGN(auto bucket, OpenObjectStore("s3://bucket/prefix", DefaultFileSystem(), s3));
  EXPECT_TRUE(ObjectColdStore(std::move(bucket)).Remote());
}

struct ColdFixture {
  TempDir dir;
  std::string v1 = testing::RandomBytes(300'000, 11);
  std::string v2;
  ColdFixture() { v2 = v1.substr(0, 100'000) + testing::RandomBytes(80'000, 12) + v1.substr(100'000); }
  std::string cold() const { return dir.Join("coldstore"); }
  ModelStoreOptions Options(FileSystem* fs = nullptr, uint64_t readahead = 8 << 20) const {
    ModelStoreOptions o = testing::SmallStoreOptions();
    o.fs = fs;
    o.cache_budget_bytes = 0;
    o.cold_location = cold();
    o.cold_readahead_bytes = readahead;
    return o;
  }
  std::vector<std::string> LocalPacks() const {
    auto names = DefaultFileSystem()->ListDir(dir.path() + "/artifacts/packs");
    return names.ok() ? *names : std::vector<std::string>{};
  }
  std::vector<std::string> ColdPacks() const {
    auto names = DefaultFileSystem()->ListDir(cold() + "/models/packs");
    if (!names.ok()) return {};
    std::vector<std::string> out;
    for (auto& n : *names) {
      if (!IsTemporaryObjectKey(n)) out.push_back(n);
    }
    return out;
  }
};

std::vector<std::string> LoadTiers(Catalog* catalog) {
  std::vector<std::string> out;
  EXPECT_OK(catalog->InTransaction([&]() -> Status {
    sqlite::Statement s(catalog->db(), "SELECT tier FROM model_loads ORDER BY id", catalog->path(), "loads");
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      out.push_back(s.Text(0));
    }
    return Status::OK();
  }));
  return out;
}

class ModelColdTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ModelColdTest, ArchiveLoadFromColdRestore) {
  ColdFixture f;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(nullptr, GetParam())));
  ASSERT_OK(store->PutBytes("m", f.v1, {}).status());
  const size_t packs = f.LocalPacks().size();
  ASSERT_GT(packs, 2u);

  ASSERT_OK_AND_ASSIGN(ArchiveResult a, store->Archive({.name = "m", .ref = "1"}));
  EXPECT_EQ(a.versions, std::vector<std::string>{"m@1"});
  EXPECT_EQ(a.packs_uploaded, packs);
  EXPECT_EQ(a.packs_removed_local, packs);
  EXPECT_TRUE(f.LocalPacks().empty());
  EXPECT_EQ(f.ColdPacks().size(), packs);
  ASSERT_OK_AND_ASSIGN(VersionInfo v, store->Resolve("m", "1"));
  EXPECT_EQ(v.stage, "archived");
  ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
  EXPECT_EQ(st.cold_packs, packs);
  EXPECT_EQ(st.local_disk_bytes(), 0u);
  EXPECT_EQ(st.cold_store_bytes(), st.pack_bytes);

  ASSERT_OK_AND_ASSIGN(auto loaded, store->Load("m", "1"));
  EXPECT_EQ(loaded->tier, "cold");
  EXPECT_TRUE(loaded->view() == f.v1);
  const std::string out = f.dir.Join("out.bin");
  ASSERT_OK(store->Get("m", "1", out));
  ASSERT_OK_AND_ASSIGN(std::string got, DefaultFileSystem()->ReadFile(out));
  EXPECT_TRUE(got == f.v1);
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
  EXPECT_OK(rep.ToStatus());
  EXPECT_EQ(rep.cold_packs_checked, packs);

  // Archiving again changes nothing.
  ASSERT_OK_AND_ASSIGN(ArchiveResult again, store->Archive({.name = "m"}));
  EXPECT_EQ(again.packs_uploaded, 0u);
  EXPECT_EQ(again.packs_already_cold, packs);

  ASSERT_OK_AND_ASSIGN(RestoreResult r, store->Restore("m", "1"));
  EXPECT_EQ(r.packs_restored, packs);
  EXPECT_EQ(f.LocalPacks().size(), packs);
  ASSERT_OK_AND_ASSIGN(auto local, store->Load("m", "1"));
  EXPECT_EQ(local->tier, "local");
  EXPECT_TRUE(local->view() == f.v1);
  ASSERT_OK_AND_ASSIGN(v, store->Resolve("m", "1"));
  EXPECT_EQ(v.stage, "staging");
  ASSERT_OK_AND_ASSIGN(st, store->Stats());
  EXPECT_EQ(st.both_packs, packs);
  ASSERT_OK(store->FlushLoadLog());
  EXPECT_EQ(LoadTiers(store->catalog()), (std::vector<std::string>{"cold", "cold", "local"}));
}

INSTANTIATE_TEST_SUITE_P(Readahead, ModelColdTest, ::testing::Values(0, 4096, 8 << 20));

TEST(ModelColdStoreTest, ProductionStaysLocalSharedPacksStayLocal) {
  ColdFixture f;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options()));
  ASSERT_OK(store->PutBytes("m", f.v1, {}).status());
  ASSERT_OK(store->PutBytes("m", f.v2, {}).status());
  ASSERT_OK(store->Promote("m", "2", "production"));
  auto refused = store->Archive({.name = "m", .ref = "2"});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("production"), std::string::npos) << refused.status().ToString();

  // Version 1 shares most packs with the production version 2: copied, but kept local.
  ASSERT_OK_AND_ASSIGN(ArchiveResult a, store->Archive({.name = "m"}));
  EXPECT_EQ(a.versions, std::vector<std::string>{"m@1"});
  EXPECT_GT(a.packs_uploaded, 0u);
  EXPECT_GT(a.packs_kept_local, 0u);
  ASSERT_OK_AND_ASSIGN(auto l2, store->Load("m", "2"));
  EXPECT_EQ(l2->tier, "local");
  EXPECT_TRUE(l2->view() == f.v2);
  ASSERT_OK_AND_ASSIGN(auto l1, store->Load("m", "1"));
  EXPECT_TRUE(l1->view() == f.v1);

  // --all never takes production; without arguments: what is at stage archived (nothing new).
  ASSERT_OK_AND_ASSIGN(ArchiveResult all, store->Archive({.all = true}));
  EXPECT_EQ(all.versions, std::vector<std::string>{"m@1"});
  EXPECT_FALSE(store->Archive({.name = "m", .all = true}).ok());
  EXPECT_TRUE(store->Archive({.name = "nope"}).status().IsNotFound());

  // Once version 2 is archived too, nothing needs the local packs any more.
  ASSERT_OK(store->Promote("m", "2", "archived"));
  ASSERT_OK_AND_ASSIGN(ArchiveResult rest, store->Archive({}));
  EXPECT_EQ(rest.versions, (std::vector<std::string>{"m@1", "m@2"}));
  EXPECT_TRUE(f.LocalPacks().empty());
  ASSERT_OK_AND_ASSIGN(l2, store->Load("m", "2"));
  EXPECT_EQ(l2->tier, "cold");
  EXPECT_TRUE(l2->view() == f.v2);
}

TEST(ModelColdStoreTest, PutAfterArchiveStoresColdChunksLocallyAndGcDeletesUnusedColdPacks) {
  ColdFixture f;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options()));
  ASSERT_OK(store->PutBytes("m", f.v1, {}).status());
  ASSERT_OK(store->Archive({.name = "m", .ref = "1"}).status());
  const size_t cold_packs = f.ColdPacks().size();
  // A new version sharing most chunks with the archived one is stored wholly local.
  ASSERT_OK_AND_ASSIGN(PutResult p2, store->PutBytes("m", f.v2, {}));
  EXPECT_EQ(p2.new_raw_bytes, f.v2.size());
  ASSERT_OK_AND_ASSIGN(auto l2, store->Load("m", "2"));
  EXPECT_EQ(l2->tier, "local");
  EXPECT_TRUE(l2->view() == f.v2);
  ASSERT_OK_AND_ASSIGN(auto l1, store->Load("m", "1"));  // still whole: moved chunks load locally
  EXPECT_TRUE(l1->view() == f.v1);

  // An orphan object (an archive that crashed before its commit) goes too.
  ASSERT_OK(DefaultFileSystem()->WriteFileAtomic(f.cold() + "/models/packs/pack-0000009999.pack", "junk"));
  ASSERT_OK(store->Remove("m", "1"));
  ASSERT_OK_AND_ASSIGN(GcResult g, store->Gc());
  EXPECT_EQ(g.cold_packs_removed, cold_packs);
  EXPECT_EQ(g.cold_orphans_removed, 1u);
  EXPECT_TRUE(f.ColdPacks().empty());
  ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
  EXPECT_EQ(st.cold_packs + st.both_packs, 0u);
  EXPECT_EQ(st.unique_raw_bytes, f.v2.size());
  ASSERT_OK_AND_ASSIGN(l2, store->Load("m", "2"));
  EXPECT_TRUE(l2->view() == f.v2);
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
  EXPECT_OK(rep.ToStatus());
}

TEST(ModelColdStoreTest, CorruptOrMissingColdPackIsNamed) {
  ColdFixture f;
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options()));
  ASSERT_OK(store->PutBytes("m", f.v1, {}).status());
  ASSERT_OK(store->Archive({.name = "m"}).status());
  std::vector<std::string> cold = f.ColdPacks();
  ASSERT_GE(cold.size(), 2u);
  const std::string victim = f.cold() + "/models/packs/" + cold[0];
  ASSERT_OK_AND_ASSIGN(std::string bytes, DefaultFileSystem()->ReadFile(victim));
  bytes[kPackHeaderSize + kRecordHeaderSize + 10] ^= 0x40;  // inside the first chunk's payload
  ASSERT_OK(DefaultFileSystem()->WriteFileAtomic(victim, bytes));

  auto l = store->Load("m", "1");
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(l.status().IsCorruption()) << l.status().ToString();
  EXPECT_NE(l.status().message().find("model m version 1: chunk 0 ("), std::string::npos) << l.status().ToString();
  EXPECT_NE(l.status().message().find(cold[0]), std::string::npos) << l.status().ToString();
  EXPECT_FALSE(store->Get("m", "1", f.dir.Join("out")).ok());

  ASSERT_OK(DefaultFileSystem()->RemoveFile(f.cold() + "/models/packs/" + cold[1]));
  ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
  ASSERT_EQ(rep.cold_problems.size(), 2u);
  EXPECT_EQ(rep.cold_problems[0].pack, cold[0]);
  EXPECT_EQ(rep.cold_problems[0].error.rfind("corrupt: ", 0), 0u) << rep.cold_problems[0].error;
  EXPECT_EQ(rep.cold_problems[1].pack, cold[1]);
  EXPECT_EQ(rep.cold_problems[1].error.rfind("missing: ", 0), 0u) << rep.cold_problems[1].error;
  ASSERT_FALSE(rep.corrupt.empty());
  EXPECT_EQ(rep.corrupt[0].model, "m");
  EXPECT_EQ(rep.corrupt[0].seq, 0);
  Status st = rep.ToStatus();
  EXPECT_NE(st.message().find("cold pack " + cold[1] + ": missing"), std::string::npos) << st.ToString();
  // Restore refuses the corrupt pack and keeps nothing half-written.
  auto r = store->Restore("m", "1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("model m version 1"), std::string::npos) << r.status().ToString();
  EXPECT_TRUE(f.LocalPacks().empty());
}

TEST(ModelColdStoreTest, UnreachableColdLocationOnlyFailsWhatNeedsIt) {
  ColdFixture f;
  ModelStoreOptions o = f.Options();
  o.cold_location = "ftp://nowhere";
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), o));
  ASSERT_OK(store->PutBytes("m", f.v1, {}).status());
  ASSERT_OK_AND_ASSIGN(auto l, store->Load("m", ""));
  EXPECT_TRUE(l->view() == f.v1);
  ASSERT_OK(store->Gc().status());
  auto a = store->Archive({.all = true});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("ftp://nowhere"), std::string::npos) << a.status().ToString();
}

// The database's cold location (the catalog setting `strata init --cold` writes) is the default.
TEST(ModelColdStoreTest, UsesTheDatabaseColdLocation) {
  ColdFixture f;
  {
    ModelStoreOptions o = f.Options();
    o.cold_location.clear();
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), o));
    ASSERT_OK(store->catalog()->PutSetting("cold_location", f.dir.Join("tiercold")));
  }
  ModelStoreOptions o = f.Options();
  o.cold_location.clear();
  ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), o));
  ASSERT_OK(store->PutBytes("m", f.v1, {}).status());
  ASSERT_OK(store->Archive({.all = true}).status());
  ASSERT_OK_AND_ASSIGN(auto names, DefaultFileSystem()->ListDir(f.dir.Join("tiercold") + "/models/packs"));
  EXPECT_FALSE(names.empty());
}

// Runs `op` on a store set up by `setup` once to count its mutating file-system operations (local
// packs and the local-directory cold store share one fault-injecting file system), then once per
// operation k on a fresh setup with a crash at k: the crashed `op` fails, and `check` gets the
// store reopened after the crash.
void CrashAtEveryOp(const std::function<Status(ColdFixture&)>& setup, const std::function<Status(ModelStore*)>& op,
                    int min_ops, const std::function<void(ColdFixture&, ModelStore*)>& check) {
  int ops = 0;
  {
    ColdFixture f;
    ASSERT_OK(setup(f));
    FaultInjectionFileSystem fi(DefaultFileSystem());
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(&fi)));
    fi.ResetCounters();
    ASSERT_OK(op(store.get()));
    ops = fi.mutating_ops();
  }
  ASSERT_GT(ops, min_ops);
  for (int k : ::strata::testing::CrashPoints(ops)) {
    SCOPED_TRACE("crash at op " + std::to_string(k) + " of " + std::to_string(ops));
    ColdFixture f;
    ASSERT_OK(setup(f));
    {
      FaultInjectionFileSystem fi(DefaultFileSystem());
      {
        ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options(&fi)));
        fi.CrashAtOp(k);
        EXPECT_FALSE(op(store.get()).ok());
      }
      ASSERT_OK(fi.DropUnsyncedData());
    }
    ASSERT_OK_AND_ASSIGN(auto store, ModelStore::Open(f.dir.path(), f.Options()));
    check(f, store.get());
  }
}

// An archive crashed anywhere: every version loads, and the archive, retried, completes.
TEST(ModelColdStoreTest, CrashAtEveryOpOfAnArchive) {
  auto setup = [](ColdFixture& f) -> Status {
    ASSIGN_OR_RETURN(auto store, ModelStore::Open(f.dir.path(), f.Options()));
    RETURN_IF_ERROR(store->PutBytes("m", f.v1, {}).status());
    return store->PutBytes("m", f.v2, {}).status();
  };
  auto archive = [](ModelStore* store) { return store->Archive({.name = "m"}).status(); };
  CrashAtEveryOp(setup, archive, 10, [](ColdFixture& f, ModelStore* store) {
    ASSERT_OK_AND_ASSIGN(auto l1, store->Load("m", "1"));
    EXPECT_TRUE(l1->view() == f.v1);
    ASSERT_OK_AND_ASSIGN(auto l2, store->Load("m", "2"));
    EXPECT_TRUE(l2->view() == f.v2);
    ASSERT_OK(store->Archive({.name = "m"}).status());
    EXPECT_TRUE(f.LocalPacks().empty());
    ASSERT_OK(store->Gc().status());
    ASSERT_OK_AND_ASSIGN(l1, store->Load("m", "1"));
    EXPECT_TRUE(l1->view() == f.v1);
    ASSERT_OK_AND_ASSIGN(l2, store->Load("m", "2"));
    EXPECT_TRUE(l2->view() == f.v2);
    ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
    EXPECT_EQ(f.ColdPacks().size(), st.cold_packs);
    EXPECT_EQ(st.packs, st.cold_packs);
    ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
    EXPECT_OK(rep.ToStatus());
  });
}

// A restore crashed anywhere: the version still loads (from cold), and the restore, retried
// after a gc, brings it back to local packs.
TEST(ModelColdStoreTest, CrashAtEveryOpOfARestore) {
  auto setup = [](ColdFixture& f) -> Status {
    ASSIGN_OR_RETURN(auto store, ModelStore::Open(f.dir.path(), f.Options()));
    RETURN_IF_ERROR(store->PutBytes("m", f.v1, {}).status());
    return store->Archive({.name = "m"}).status();
  };
  auto restore = [](ModelStore* store) { return store->Restore("m", "1").status(); };
  CrashAtEveryOp(setup, restore, 5, [](ColdFixture& f, ModelStore* store) {
    ASSERT_OK_AND_ASSIGN(auto l1, store->Load("m", "1"));
    EXPECT_TRUE(l1->view() == f.v1);
    ASSERT_OK(store->Gc().status());  // removes half-restored temporaries
    ASSERT_OK(store->Restore("m", "1").status());
    ASSERT_OK_AND_ASSIGN(l1, store->Load("m", "1"));
    EXPECT_EQ(l1->tier, "local");
    EXPECT_TRUE(l1->view() == f.v1);
    ASSERT_OK_AND_ASSIGN(StoreStats st, store->Stats());
    EXPECT_EQ(f.LocalPacks().size(), st.packs);
    ASSERT_OK_AND_ASSIGN(VerifyReport rep, store->Verify());
    EXPECT_OK(rep.ToStatus());
  });
}

}  // namespace
}  // namespace strata::artifacts
