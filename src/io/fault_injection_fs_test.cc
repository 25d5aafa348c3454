// Injected failures, short writes, a full disk, crashes and crash-point enumeration. What power loss
// keeps is tested in fault_injection_fs_durability_test.cc.
#include "io/fault_injection_fs.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "io/fault_injection_fs_test_util.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

constexpr FsOp kAllOps[] = {FsOp::kWrite,  FsOp::kSync,    FsOp::kRename,   FsOp::kCreate,
                            FsOp::kRemove, FsOp::kSyncDir, FsOp::kTruncate, FsOp::kCreateDir};

class FaultFsTest : public FaultFsFixture {};

TEST(FsOpNameTest, EveryOpHasItsOwnName) {
  std::set<std::string_view> names;
  for (FsOp op : kAllOps) {
    EXPECT_FALSE(FsOpName(op).empty());
    names.insert(FsOpName(op));
  }
  EXPECT_EQ(names.size(), std::size(kAllOps));
}

// ---- Injected failures ----

// One case a kind of op: Run(i) does one op of that kind on names ending in i (and maybe ops of
// other kinds around it); Done(i) says whether op i took effect, looking at the disk (or, for the
// sync kinds whose effect is durability, at the disk after a power loss).
struct OpCase {
  FsOp op;
  const char* prefix;  // of the names it works on
  std::function<void(int)> seed;
  std::function<Status(int)> run;
  std::function<bool(int)> done;
  bool check_after_power_loss = false;
};

TEST_F(FaultFsTest, FailNthFailsExactlyThatOpOnceAndChangesNothing) {
  auto n = [](const char* prefix, int i) { return prefix + std::to_string(i); };
  const std::vector<OpCase> cases = {
      {FsOp::kWrite, "w", [&](int i) { Seed(n("w", i), ""); },
       [&](int i) { return Write(n("w", i), "data", false, OpenMode::kAppend); },
       [&](int i) { return Disk(n("w", i)) == "data"; }},
      {FsOp::kSync, "s", [&](int i) { Seed(n("s", i), "old"); },
       [&](int i) { return Write(n("s", i), "new", true, OpenMode::kAppend); },
       [&](int i) { return Disk(n("s", i)) == "oldnew"; }, true},
      {FsOp::kRename, "r", [&](int i) { Seed(n("r", i), "x"); },
       [&](int i) { return fs_.Rename(P(n("r", i)), P(n("moved", i))); },
       [&](int i) { return !OnDisk(n("r", i)) && Disk(n("moved", i)) == "x"; }},
      {FsOp::kCreate, "c", [](int) {},
       [&](int i) { return fs_.NewWritableFile(P(n("c", i)), OpenMode::kCreateNew).status(); },
       [&](int i) { return OnDisk(n("c", i)); }},
      {FsOp::kRemove, "x", [&](int i) { Seed(n("x", i), "x"); }, [&](int i) { return fs_.RemoveFile(P(n("x", i))); },
       [&](int i) { return !OnDisk(n("x", i)); }},
      {FsOp::kSyncDir, "d", [&](int i) { Seed(n("d", i) + "/seed", ""); },
       [&](int i) {
         RETURN_IF_ERROR(Write(n("d", i) + "/f", "x", true));
         return fs_.SyncDir(P(n("d", i)));
       },
       [&](int i) { return Disk(n("d", i) + "/f") == "x"; }, true},
      {FsOp::kTruncate, "t", [&](int i) { Seed(n("t", i), "0123456789"); },
       [&](int i) { return fs_.Truncate(P(n("t", i)), 4); }, [&](int i) { return Disk(n("t", i)) == "0123"; }},
      {FsOp::kCreateDir, "m", [](int) {}, [&](int i) { return fs_.CreateDirs(P(n("m", i) + "/sub")); },
       [&](int i) { return OnDisk(n("m", i)); }},
  };
  ASSERT_EQ(cases.size(), std::size(kAllOps));
  for (const OpCase& c : cases) {
    SCOPED_TRACE(FsOpName(c.op));
    for (int i = 1; i <= 3; ++i) c.seed(i);
    fs_.FailNth(c.op, 2);
    ASSERT_OK(c.run(1));
    Status st = c.run(2);
    EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
    EXPECT_NE(st.message().find(FsOpName(c.op)), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find(dir_.path()), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find(P(std::string(c.prefix) + "2")), std::string::npos) << st.ToString();
    ASSERT_OK(c.run(3));  // one-shot
    if (c.check_after_power_loss) ASSERT_OK(fs_.DropUnsyncedData());
    EXPECT_TRUE(c.done(1));
    EXPECT_FALSE(c.done(2));
    EXPECT_TRUE(c.done(3));
    EXPECT_FALSE(fs_.crashed());
  }
}

TEST_F(FaultFsTest, FailNthPassesTheGivenErrorAndCountsFromTheCall) {
  ASSERT_OK(Write("a", "1", true));  // ops before FailNth do not count
  fs_.FailNth(FsOp::kWrite, 1, Status::NoSpace("disk full (test)"));
  fs_.FailNth(FsOp::kWrite, 3, Status::IOError("third write (test)"));
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("b"), OpenMode::kTruncate));
  EXPECT_EQ(f->Append("x"), Status::NoSpace("disk full (test)"));
  ASSERT_OK(f->Append("y"));
  EXPECT_EQ(f->Append("z"), Status::IOError("third write (test)"));
  ASSERT_OK(f->Append("w"));
  ASSERT_OK(f->Close());
  EXPECT_EQ(Disk("b"), "yw");
  fs_.FailNth(FsOp::kWrite, 0);  // ignored
  ASSERT_OK(Write("c", "ok", false));
}

TEST_F(FaultFsTest, ShortWriteLandsAPrefixThenFails) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("log"), OpenMode::kTruncate));
  ASSERT_OK(f->Append("aa"));
  fs_.ShortWriteNth(2, 3);
  ASSERT_OK(f->Append("bb"));
  Status st = f->Append("cdefgh");
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find(P("log")), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("3 of 6 bytes"), std::string::npos) << st.ToString();
  EXPECT_EQ(Disk("log"), "aabbcde");
  ASSERT_OK(f->Append("z"));  // one-shot
  EXPECT_EQ(Disk("log"), "aabbcdez");

  fs_.ShortWriteNth(1, 0, Status::NoSpace("full (test)"));
  EXPECT_EQ(f->Append("lost").code(), StatusCode::kNoSpace);
  fs_.ShortWriteNth(1, 100);  // longer than the data: all of it lands, and still an error
  EXPECT_FALSE(f->Append("all").ok());
  ASSERT_OK(f->Close());
  EXPECT_EQ(Disk("log"), "aabbcdezall");
  EXPECT_EQ(fs_.bytes_written(), 11u);
}

TEST_F(FaultFsTest, SpaceLimitActsAsAFullDisk) {
  ASSERT_OK(Write("before", "12345", false));
  EXPECT_EQ(fs_.bytes_written(), 5u);
  fs_.SetSpaceLimit(10);
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("f"), OpenMode::kTruncate));
  ASSERT_OK(f->Append("abc"));
  Status st = f->Append("defg");
  EXPECT_EQ(st.code(), StatusCode::kNoSpace);
  EXPECT_NE(st.message().find(P("f")), std::string::npos) << st.ToString();
  EXPECT_EQ(Disk("f"), "abcde");  // what fit
  EXPECT_EQ(f->Append("x").code(), StatusCode::kNoSpace);
  EXPECT_EQ(Disk("f"), "abcde");
  ASSERT_OK(f->Append(""));  // nothing to write, nothing to refuse
  // Other ops still work on a full disk; freeing space is raising the limit.
  ASSERT_OK(f->Sync());
  ASSERT_OK(fs_.RemoveFile(P("before")));
  EXPECT_EQ(f->Append("x").code(), StatusCode::kNoSpace);
  fs_.SetSpaceLimit(100);
  ASSERT_OK(f->Append("fgh"));
  ASSERT_OK(f->Close());
  EXPECT_EQ(Disk("f"), "abcdefgh");
  EXPECT_EQ(fs_.bytes_written(), 13u);
}

// ---- Crashes ----

TEST_F(FaultFsTest, CrashRefusesThatOpAndEverythingAfterAndChangesNothing) {
  Seed("existing", "e");
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("wal"), OpenMode::kTruncate));
  ASSERT_OK(f->Append("one|"));
  fs_.CrashAtOp(2);
  // Reads and locks are not mutating ops: they neither count nor crash.
  ASSERT_OK(fs_.Exists(P("wal")));
  { ASSERT_OK_AND_ASSIGN(auto lock, fs_.TryLock(P("LOCK"), "me")); }
  ASSERT_OK(f->Append("two|"));
  EXPECT_FALSE(fs_.crashed());
  Status st = f->Append("three|");
  EXPECT_EQ(st, Status::Aborted("crashed at write " + P("wal")));
  EXPECT_TRUE(fs_.crashed());
  EXPECT_EQ(Disk("wal"), "one|two|");

  auto refused = [&](const Status& s) {
    EXPECT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
    EXPECT_EQ(s.message().rfind("crashed at write " + P("wal"), 0), 0u) << s.ToString();
  };
  refused(f->Append("x"));
  refused(f->Sync());
  refused(f->Close());
  refused(fs_.NewWritableFile(P("new"), OpenMode::kTruncate).status());
  refused(fs_.CreateDirs(P("dir")));
  refused(fs_.Rename(P("existing"), P("renamed")));
  refused(fs_.RemoveFile(P("existing")));
  refused(fs_.Truncate(P("existing"), 0));
  refused(fs_.SyncDir(dir_.path()));
  refused(fs_.Exists(P("existing")).status());
  refused(fs_.FileSize(P("existing")).status());
  refused(fs_.ListDir(dir_.path()).status());
  refused(fs_.ReadFile(P("existing")).status());
  refused(fs_.NewRandomAccessFile(P("existing")).status());
  refused(fs_.MapFile(P("existing")).status());
  refused(fs_.TryLock(P("LOCK"), "me").status());
  EXPECT_EQ(Disk("existing"), "e");
  EXPECT_FALSE(OnDisk("new"));
  EXPECT_FALSE(OnDisk("dir"));
  EXPECT_FALSE(OnDisk("renamed"));

  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(fs_.crashed());
  EXPECT_FALSE(OnDisk("wal"));  // never synced, nor its directory
  EXPECT_EQ(Disk("existing"), "e");
  ASSERT_OK(Write("after", "works", true));
  // A file opened before the power loss belongs to a dead process.
  EXPECT_EQ(f->Append("zombie").code(), StatusCode::kAborted);
}

TEST_F(FaultFsTest, CountsMutatingOpsOnly) {
  ASSERT_OK(fs_.CreateDirs(P("a/b/c")));  // one op however many levels
  EXPECT_EQ(fs_.mutating_ops(), 1);
  ASSERT_OK(fs_.WriteFileAtomic(P("a/cfg"), "x"));  // create, write, sync, rename, sync_dir
  EXPECT_EQ(fs_.mutating_ops(), 6);
  ASSERT_OK(fs_.ReadFile(P("a/cfg")));
  ASSERT_OK(fs_.ListDir(P("a")));
  ASSERT_OK(fs_.Exists(P("a")));
  EXPECT_EQ(fs_.mutating_ops(), 6);
  // Failed ops were attempted: they count.
  fs_.FailNth(FsOp::kRemove, 1);
  EXPECT_FALSE(fs_.RemoveFile(P("a/cfg")).ok());
  EXPECT_EQ(fs_.mutating_ops(), 7);
  // ResetCounters zeroes the count; armed faults keep their place.
  fs_.FailNth(FsOp::kTruncate, 2);
  ASSERT_OK(fs_.Truncate(P("a/cfg"), 1));
  fs_.ResetCounters();
  EXPECT_EQ(fs_.mutating_ops(), 0);
  EXPECT_FALSE(fs_.Truncate(P("a/cfg"), 0).ok());
  EXPECT_EQ(fs_.mutating_ops(), 1);
  fs_.CrashAtOp(0);  // disarmed: nothing happens
  ASSERT_OK(fs_.Truncate(P("a/cfg"), 0));
}

// Runs `scenario` once to count its ops, then crashes it at every one of them in turn, each time
// on a fresh FS over a fresh copy of the seeded state; `check` judges what power loss left.
void ForEveryCrashPoint(const std::function<void(const std::string& dir)>& seed,
                        const std::function<void(FileSystem*, const std::string& dir)>& scenario,
                        const std::function<void(const std::string& dir, int crash_at)>& check) {
  int ops;
  {
    testing::TempDir dir;
    seed(dir.path());
    FaultInjectionFileSystem fs(DefaultFileSystem());
    scenario(&fs, dir.path());
    ops = fs.mutating_ops();
    ASSERT_OK(fs.DropUnsyncedData());
    check(dir.path(), 0);  // 0: power lost after the scenario finished
  }
  ASSERT_GT(ops, 0);
  for (int k = 1; k <= ops; ++k) {
    testing::TempDir dir;
    seed(dir.path());
    FaultInjectionFileSystem fs(DefaultFileSystem());
    fs.CrashAtOp(k);
    scenario(&fs, dir.path());
    ASSERT_TRUE(fs.crashed()) << "crash point " << k;
    ASSERT_OK(fs.DropUnsyncedData());
    check(dir.path(), k);
  }
}

TEST(CrashPointTest, AtomicReplaceLeavesTheOldOrTheNewFileAtEveryCrashPoint) {
  auto seed = [](const std::string& dir) { testing::WriteTextFile(dir + "/cfg", "old contents"); };
  auto scenario = [](FileSystem* fs, const std::string& dir) {
    fs->WriteFileAtomic(dir + "/cfg", "new contents").IgnoreError();
  };
  std::set<std::string> outcomes;
  ForEveryCrashPoint(seed, scenario, [&](const std::string& dir, int crash_at) {
    auto names = DefaultFileSystem()->ListDir(dir);
    ASSERT_OK(names);
    EXPECT_EQ(*names, std::vector<std::string>{"cfg"}) << "crash at " << crash_at << ": a temp file survived";
    std::string cfg = testing::ReadTextFile(dir + "/cfg");
    if (crash_at == 0) {
      EXPECT_EQ(cfg, "new contents");
    } else {
      // Even a crash at the final directory sync loses the rename: only SyncDir makes it durable.
      EXPECT_EQ(cfg, "old contents") << "crash at " << crash_at;
    }
    outcomes.insert(cfg);
  });
  EXPECT_EQ(outcomes.size(), 2u);
}

TEST(CrashPointTest, FindsTheZeroLengthFileOfAReplaceWithoutFsync) {
  // The classic bug: write a temp file, rename it over the target, sync the directory, but never
  // sync the temp file. The rename is durable, the bytes are not.
  auto seed = [](const std::string& dir) { testing::WriteTextFile(dir + "/cfg", "old contents"); };
  auto scenario = [](FileSystem* fs, const std::string& dir) {
    auto file = fs->NewWritableFile(dir + "/cfg.tmp", OpenMode::kTruncate);
    if (!file.ok() || !(*file)->Append("new contents").ok() || !(*file)->Close().ok()) return;
    if (!fs->Rename(dir + "/cfg.tmp", dir + "/cfg").ok()) return;
    fs->SyncDir(dir).IgnoreError();
  };
  std::set<std::string> outcomes;
  ForEveryCrashPoint(seed, scenario,
                     [&](const std::string& dir, int) { outcomes.insert(testing::ReadTextFile(dir + "/cfg")); });
  EXPECT_EQ(outcomes, (std::set<std::string>{"old contents", ""}));
}

}  // namespace
}  // namespace strata
