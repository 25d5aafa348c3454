#include "io/fault_injection_fs.h"

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "testutil/testutil.h"

namespace strata {
namespace {

constexpr FsOp kAllOps[] = {FsOp::kWrite,  FsOp::kSync,    FsOp::kRename,   FsOp::kCreate,
                            FsOp::kRemove, FsOp::kSyncDir, FsOp::kTruncate, FsOp::kCreateDir};

class FaultFsTest : public ::testing::Test {
 protected:
  std::string P(const std::string& name) const { return dir_.Join(name); }
  // What is on disk now, read around the fault FS (which refuses reads after a crash).
  std::string Disk(const std::string& name) const {
    return DefaultFileSystem()->ReadFile(P(name)).ValueOr("<missing>");
  }
  bool OnDisk(const std::string& name) const { return DefaultFileSystem()->Exists(P(name)).ValueOr(false); }
  // Setup straight on the base file system: there before the fault FS looks, so durable.
  void Seed(const std::string& name, const std::string& contents) const {
    ASSERT_OK(DefaultFileSystem()->CreateDirs(DirName(P(name))));
    testing::WriteTextFile(P(name), contents);
  }
  Status Write(const std::string& name, std::string_view data, bool sync, OpenMode mode = OpenMode::kTruncate) {
    ASSIGN_OR_RETURN(auto file, fs_.NewWritableFile(P(name), mode));
    RETURN_IF_ERROR(file->Append(data));
    if (sync) RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }

  testing::TempDir dir_;
  FaultInjectionFileSystem fs_{DefaultFileSystem()};
};

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

// ---- Power loss: file contents ----

TEST_F(FaultFsTest, WriteSyncWriteKeepsOnlyTheSyncedPart) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("wal"), OpenMode::kTruncate));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(f->Append("synced|"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("lost"));
  ASSERT_OK(f->Close());
  EXPECT_EQ(Disk("wal"), "synced|lost");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("wal"), "synced|");
  ASSERT_OK(fs_.DropUnsyncedData());  // nothing more to drop
  EXPECT_EQ(Disk("wal"), "synced|");
}

TEST_F(FaultFsTest, AppendToAFileThatExistedKeepsItsBytes) {
  Seed("log", "before|");
  ASSERT_OK(Write("log", "unsynced", false, OpenMode::kAppend));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("log"), "before|");
  ASSERT_OK(Write("log", "synced|", true, OpenMode::kAppend));
  ASSERT_OK(Write("log", "unsynced", false, OpenMode::kAppend));
  EXPECT_EQ(Disk("log"), "before|synced|unsynced");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("log"), "before|synced|");
}

TEST_F(FaultFsTest, ReopeningAnExistingFileForTruncateWithoutSyncBringsTheOldBytesBack) {
  Seed("state", "old state");
  ASSERT_OK(Write("state", "new", false, OpenMode::kTruncate));
  EXPECT_EQ(Disk("state"), "new");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("state"), "old state");
  ASSERT_OK(Write("state", "new", true, OpenMode::kTruncate));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("state"), "new");
}

TEST_F(FaultFsTest, TruncateIsDurableOnlyOnceTheFileIsSynced) {
  Seed("seg", "good|torn");
  ASSERT_OK(fs_.Truncate(P("seg"), 5));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("seg"), "good|torn");
  ASSERT_OK(fs_.Truncate(P("seg"), 5));
  ASSERT_OK(Write("seg", "", true, OpenMode::kAppend));  // fdatasync covers the new size
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("seg"), "good|");
}

TEST_F(FaultFsTest, SyncThroughAnyHandleCoversEveryWriteToTheFile) {
  Seed("seg", "");
  ASSERT_OK_AND_ASSIGN(auto writer, fs_.NewWritableFile(P("seg"), OpenMode::kAppend));
  ASSERT_OK_AND_ASSIGN(auto syncer, fs_.NewWritableFile(P("seg"), OpenMode::kAppend));
  ASSERT_OK(writer->Append("record1|"));
  ASSERT_OK(syncer->Sync());
  ASSERT_OK(writer->Append("record2|"));
  ASSERT_OK(writer->Close());
  ASSERT_OK(syncer->Close());
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("seg"), "record1|");
}

TEST_F(FaultFsTest, AFileKeepsItsDurabilityAcrossARename) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("tmp"), OpenMode::kTruncate));
  ASSERT_OK(f->Append("written before the rename|"));
  ASSERT_OK(fs_.Rename(P("tmp"), P("final")));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(f->Append("and after"));  // the handle still writes the same file, now named "final"
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("final"), "written before the rename|and after");
  EXPECT_FALSE(OnDisk("tmp"));
}

// ---- Power loss: directory entries ----

TEST_F(FaultFsTest, ACreatedFileVanishesUnlessItsDirectoryIsSynced) {
  ASSERT_OK(Write("unsynced-dir", "synced bytes", true));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(OnDisk("unsynced-dir"));

  ASSERT_OK(Write("synced-dir", "synced bytes", true));
  ASSERT_OK(Write("synced-dir-only", "unsynced bytes", false));
  ASSERT_OK(fs_.SyncDir(dir_.path() + "/"));  // spelling of the directory does not matter
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("synced-dir"), "synced bytes");
  EXPECT_EQ(Disk("synced-dir-only"), "");  // the name survived, the bytes did not
}

TEST_F(FaultFsTest, ARenameSurvivesOnlyWithADirectorySync) {
  Seed("current", "v1");
  ASSERT_OK(Write("current", "+unsynced tail", false, OpenMode::kAppend));
  ASSERT_OK(Write("next", "v2", true));
  ASSERT_OK(fs_.Rename(P("next"), P("current")));
  EXPECT_EQ(Disk("current"), "v2");
  ASSERT_OK(fs_.DropUnsyncedData());
  // Reverted: the replaced file is back with its durable bytes, and "next" was never durable.
  EXPECT_EQ(Disk("current"), "v1");
  EXPECT_FALSE(OnDisk("next"));

  ASSERT_OK(Write("next", "v2", true));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(fs_.Rename(P("next"), P("current")));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("current"), "v1");
  EXPECT_EQ(Disk("next"), "v2");  // durable before the rename, so back under its old name

  ASSERT_OK(fs_.Rename(P("next"), P("current")));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("current"), "v2");
  EXPECT_FALSE(OnDisk("next"));
}

TEST_F(FaultFsTest, ARemovedFileComesBackUnlessItsDirectoryIsSynced) {
  Seed("old-segment", "durable|");
  ASSERT_OK(Write("old-segment", "unsynced", false, OpenMode::kAppend));
  ASSERT_OK(fs_.RemoveFile(P("old-segment")));
  EXPECT_FALSE(OnDisk("old-segment"));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("old-segment"), "durable|");

  ASSERT_OK(fs_.RemoveFile(P("old-segment")));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(OnDisk("old-segment"));
}

TEST_F(FaultFsTest, ARemovedThenRecreatedFileIsNotTheDurableOne) {
  Seed("f", "durable");
  ASSERT_OK(fs_.RemoveFile(P("f")));
  ASSERT_OK(Write("f", "recreated", true));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("f"), "durable");
}

TEST_F(FaultFsTest, ACreatedDirectoryVanishesWithEverythingInItUnlessItsParentIsSynced) {
  ASSERT_OK(fs_.CreateDirs(P("table/date=2026-03-02")));
  ASSERT_OK(Write("table/date=2026-03-02/part-1", "rows", true));
  ASSERT_OK(fs_.SyncDir(P("table/date=2026-03-02")));
  ASSERT_OK(fs_.SyncDir(P("table")));
  ASSERT_OK(fs_.DropUnsyncedData());  // the top directory itself was never made durable
  EXPECT_FALSE(OnDisk("table"));

  ASSERT_OK(fs_.CreateDirs(P("table/date=2026-03-02")));
  ASSERT_OK(Write("table/date=2026-03-02/part-1", "rows", true));
  ASSERT_OK(fs_.SyncDir(P("table/date=2026-03-02")));
  ASSERT_OK(fs_.SyncDir(P("table")));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("table/date=2026-03-02/part-1"), "rows");

  // A new subdirectory whose parent is not synced goes, and the rest stays.
  ASSERT_OK(fs_.CreateDirs(P("table/date=2026-03-03")));
  ASSERT_OK(Write("table/date=2026-03-03/part-1", "more rows", true));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(OnDisk("table/date=2026-03-03"));
  EXPECT_EQ(Disk("table/date=2026-03-02/part-1"), "rows");
}

TEST_F(FaultFsTest, ARemovedDirectoryComesBackWithItsDurableFiles) {
  Seed("d/f", "x");
  Seed("d/g", "y");
  ASSERT_OK(fs_.RemoveAll(P("d")));
  EXPECT_FALSE(OnDisk("d"));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("d/f"), "x");
  EXPECT_EQ(Disk("d/g"), "y");

  // Removals inside synced, the directory's own removal not: it comes back empty.
  ASSERT_OK(fs_.RemoveFile(P("d/f")));
  ASSERT_OK(fs_.RemoveFile(P("d/g")));
  ASSERT_OK(fs_.SyncDir(P("d")));
  ASSERT_OK(fs_.RemoveDir(P("d")));
  ASSERT_OK(fs_.DropUnsyncedData());
  ASSERT_TRUE(OnDisk("d"));
  EXPECT_TRUE(DefaultFileSystem()->ListDir(P("d"))->empty());

  ASSERT_OK(fs_.RemoveDir(P("d")));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(OnDisk("d"));
}

TEST_F(FaultFsTest, ADirectoryRemovedAndRecreatedIsANewDirectory) {
  Seed("d/old", "durable");
  ASSERT_OK(fs_.RemoveFile(P("d/old")));
  ASSERT_OK(fs_.RemoveDir(P("d")));
  ASSERT_OK(fs_.CreateDirs(P("d")));
  ASSERT_OK(Write("d/new", "synced", true));
  ASSERT_OK(fs_.SyncDir(P("d")));  // the new directory's entries, not the swap itself
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("d/old"), "durable");
  EXPECT_FALSE(OnDisk("d/new"));
}

TEST_F(FaultFsTest, ARenameAcrossDirectoriesNeedsBothSynced) {
  Seed("a/.keep", "");
  Seed("b/.keep", "");
  ASSERT_OK(Write("a/f", "data", true));
  ASSERT_OK(fs_.SyncDir(P("a")));
  ASSERT_OK(fs_.Rename(P("a/f"), P("b/f")));
  ASSERT_OK(fs_.SyncDir(P("b")));
  ASSERT_OK(fs_.DropUnsyncedData());
  // Only the target's directory was synced: the file may be found under both names.
  EXPECT_EQ(Disk("a/f"), "data");
  EXPECT_EQ(Disk("b/f"), "data");

  ASSERT_OK(fs_.RemoveFile(P("b/f")));
  ASSERT_OK(fs_.SyncDir(P("b")));
  ASSERT_OK(fs_.Rename(P("a/f"), P("b/f")));
  ASSERT_OK(fs_.SyncDir(P("b")));
  ASSERT_OK(fs_.SyncDir(P("a")));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(OnDisk("a/f"));
  EXPECT_EQ(Disk("b/f"), "data");
}

TEST_F(FaultFsTest, RenamingADirectoryIsRefusedAsUnmodelled) {
  Seed("d/f", "x");
  Status st = fs_.Rename(P("d"), P("e"));
  EXPECT_EQ(st.code(), StatusCode::kUnsupported) << st.ToString();
  EXPECT_NE(st.message().find(P("d")), std::string::npos) << st.ToString();
  EXPECT_EQ(Disk("d/f"), "x");
  EXPECT_FALSE(OnDisk("e"));
}

TEST_F(FaultFsTest, FilesMadeBySomethingElseAreLeftAlone) {
  ASSERT_OK(Write("ours", "x", true));  // the fault FS has now listed the directory
  Seed("theirs.db", "sqlite pages");    // e.g. SQLite, writing around the FileSystem
  Seed("theirs-wal/log", "more");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_FALSE(OnDisk("ours"));
  EXPECT_EQ(Disk("theirs.db"), "sqlite pages");
  EXPECT_EQ(Disk("theirs-wal/log"), "more");

  // Made after we listed the directory and touched through us later, such a file counts as durable
  // as found.
  ASSERT_OK(Write("ours", "", false));
  Seed("adopted", "as found|");
  ASSERT_OK(Write("adopted", "appended", false, OpenMode::kAppend));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("adopted"), "as found|");
}

TEST_F(FaultFsTest, PathSpellingsOfOneFileAreOneFile) {
  Seed("sub/.keep", "");
  ASSERT_OK(fs_.CreateDirs(P("sub//new/")));
  ASSERT_OK(Write("sub/./new//f", "x", true));
  ASSERT_OK(fs_.SyncDir(P("sub/new/.")));
  ASSERT_OK(fs_.SyncDir(P("sub/")));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("sub/new/f"), "x");
}

TEST_F(FaultFsTest, ConcurrentWritersAndSyncsStayConsistent) {
  constexpr int kThreads = 4, kRecords = 200, kSyncedRecords = 190;
  std::vector<std::unique_ptr<WritableFile>> files;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("f" + std::to_string(t)), OpenMode::kCreateNew));
    files.push_back(std::move(f));
  }
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  std::vector<std::thread> threads;
  std::vector<Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRecords && results[t].ok(); ++i) {
        results[t] = files[t]->Append("record " + std::to_string(i) + "\n");
        if (results[t].ok() && i + 1 == kSyncedRecords) results[t] = files[t]->Sync();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const Status& st : results) ASSERT_OK(st);
  for (auto& f : files) ASSERT_OK(f->Close());
  ASSERT_OK(fs_.DropUnsyncedData());
  std::string expected;
  for (int i = 0; i < kSyncedRecords; ++i) expected += "record " + std::to_string(i) + "\n";
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(Disk("f" + std::to_string(t)), expected);
  EXPECT_EQ(fs_.mutating_ops(), kThreads * (1 + kRecords + 1) + 1);
}

}  // namespace
}  // namespace strata
