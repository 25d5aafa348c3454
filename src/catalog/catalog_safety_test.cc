// Creating a catalog atomically, reading one on read-only media, commits reported as failed, and
// concurrent first opens.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <thread>

#include "catalog/catalog.h"
#include "io/fault_injection_fs.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

Status Fill(Catalog* c) { return c->PutSetting("fsync", "always"); }

// Issue 13 #10: whatever fails while a catalog is created leaves no catalog (and no temporary),
// so that a retry works; success leaves a complete one.
TEST(CatalogCreateTest, AtomicUnderFaults) {
  testing::TempDir dir;
  const std::string path = dir.Join("catalog.db");
  FaultInjectionFileSystem ffs(DefaultFileSystem());
  for (FsOp op : {FsOp::kSync, FsOp::kRename, FsOp::kCreate}) {
    ffs.FailNth(op, 1);
    Status st = Catalog::CreateAtomically(&ffs, path, Fill);
    EXPECT_FALSE(st.ok()) << FsOpName(op);
    EXPECT_FALSE(fs::exists(path)) << FsOpName(op);
    EXPECT_FALSE(fs::exists(path + ".new-tmp")) << FsOpName(op);
  }
  // The fill itself failing (a full disk inside SQLite).
  Status st = Catalog::CreateAtomically(&ffs, path, [](Catalog*) { return Status::NoSpace("disk full (injected)"); });
  EXPECT_EQ(st.code(), StatusCode::kNoSpace);
  EXPECT_FALSE(fs::exists(path));
  for (const char* s : {"", "-wal", "-shm"}) EXPECT_FALSE(fs::exists(path + ".new-tmp" + s)) << s;

  ASSERT_OK(Catalog::CreateAtomically(&ffs, path, Fill));
  EXPECT_FALSE(fs::exists(path + "-wal") && fs::file_size(path + "-wal") > 0);
  ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, true));
  EXPECT_EQ(**c->GetSetting("fsync"), "always");
  EXPECT_EQ(Catalog::CreateAtomically(&ffs, path, Fill).code(), StatusCode::kAlreadyExists);
}

// Issue 13 #9: read-only media cannot hold the -shm file a WAL-mode read needs; the catalog is
// then opened immutable. Tests run as root (permissions do not stop root), hence the switch;
// tests/catalog_cli_test.cc does the same on a read-only mount.
TEST(CatalogReadOnlyMediaTest, ImmutableOpen) {
  testing::TempDir dir;
  const std::string path = dir.Join("catalog.db");
  {
    ASSERT_OK_AND_ASSIGN(auto w, Catalog::Open(path, false));
    ASSERT_OK(w->PutSetting("k", "v"));
  }  // closed: everything in the main file, no -wal
  Catalog::SetReadOnlyMediaForTesting(true);
  {
    ASSERT_OK_AND_ASSIGN(auto r, Catalog::Open(path, true));
    EXPECT_EQ(**r->GetSetting("k"), "v");
    EXPECT_FALSE(r->PutSetting("k", "w").ok());
    EXPECT_FALSE(fs::exists(path + "-shm"));
  }
  // Commits still in the -wal journal (a snapshot taken while a writer was open) are not in
  // the main file: refused, with what to do.
  ASSERT_OK_AND_ASSIGN(auto w, Catalog::Open(path, false));
  ASSERT_OK(w->PutSetting("k", "newer"));
  auto r = Catalog::Open(path, true);
  Catalog::SetReadOnlyMediaForTesting(false);
  if (r.ok()) {
    EXPECT_EQ(**(*r)->GetSetting("k"), "newer");  // SQLite could use the existing -shm after all
  } else {
    EXPECT_NE(r.status().message().find("journal"), std::string::npos) << r.status().ToString();
  }
  Catalog::SetReadOnlyMediaForTesting(true);
  auto missing = Catalog::Open(dir.Join("nope.db"), true);
  Catalog::SetReadOnlyMediaForTesting(false);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// The commit hook: the change is durable although the commit reports an error.
TEST(CatalogCommitHookTest, DurableButReportedFailed) {
  testing::TempDir dir;
  const std::string path = dir.Join("catalog.db");
  ASSERT_OK_AND_ASSIGN(auto c, Catalog::Open(path, false));
  c->SetCommitHookForTesting([] { return Status::IOError("fsync failed (injected)"); });
  Status st = c->InTransaction([&] { return c->PutSetting("k", "v"); });
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  c->SetCommitHookForTesting(nullptr);
  c.reset();
  ASSERT_OK_AND_ASSIGN(auto r, Catalog::Open(path, true));
  EXPECT_EQ(**r->GetSetting("k"), "v");
}

// Issue 13 #15: many rounds of several first opens of a fresh catalog racing on the switch to
// WAL journal mode; each must succeed.
TEST(CatalogConcurrencyTest, RepeatedConcurrentFirstOpens) {
  testing::TempDir dir;
  constexpr int kRounds = 30, kThreads = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = dir.Join("c" + std::to_string(round) + ".db");
    std::vector<Status> errors(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] { errors[i] = Catalog::Open(path, false).status(); });
    }
    for (auto& th : threads) th.join();
    for (const Status& st : errors) ASSERT_TRUE(st.ok()) << "round " << round << ": " << st.ToString();
  }
}

}  // namespace
}  // namespace strata
