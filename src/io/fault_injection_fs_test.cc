#include "io/fault_injection_fs.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil/testutil.h"

namespace strata {
namespace {

class FaultFsTest : public ::testing::Test {
 protected:
  std::string P(const std::string& name) { return dir_.Join(name); }
  Status Write(FileSystem* fs, const std::string& path, std::string_view data, bool sync, OpenMode mode = OpenMode::kTruncate) {
    ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(path, mode));
    RETURN_IF_ERROR(f->Append(data));
    if (sync) RETURN_IF_ERROR(f->Sync());
    return f->Close();
  }
  std::string Read(const std::string& path) { return DefaultFileSystem()->ReadFile(path).ValueOr("<missing>"); }

  testing::TempDir dir_;
  FaultInjectionFileSystem fs_{DefaultFileSystem()};
};

TEST_F(FaultFsTest, FailNthAndNoSpaceAndShortWrite) {
  fs_.FailNth(FsOp::kSync, 2, Status::IOError("disk on fire"));
  ASSERT_OK(Write(&fs_, P("a"), "x", true));
  Status st = Write(&fs_, P("b"), "y", true);
  EXPECT_EQ(st.message(), "disk on fire");
  ASSERT_OK(Write(&fs_, P("c"), "z", true));  // one-shot

  fs_.ShortWriteNth(1, 3);
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("d"), OpenMode::kTruncate));
  EXPECT_FALSE(f->Append("abcdef").ok());
  ASSERT_OK(f->Close());
  EXPECT_EQ(Read(P("d")), "abc");

  fs_.SetSpaceLimit(10);  // 1 + 1 + 1 + 3 bytes used so far
  ASSERT_OK_AND_ASSIGN(auto g, fs_.NewWritableFile(P("e"), OpenMode::kTruncate));
  Status full = g->Append("0123456789");
  EXPECT_EQ(full.code(), StatusCode::kNoSpace);
  EXPECT_NE(full.message().find(P("e")), std::string::npos);
  EXPECT_EQ(Read(P("e")), "0123");
}

TEST_F(FaultFsTest, CrashStopsEverythingAndDropsUnsyncedBytes) {
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("wal"), OpenMode::kTruncate));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(f->Append("synced|"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("lost"));
  fs_.CrashAtOp(1);
  EXPECT_EQ(f->Append("never").code(), StatusCode::kAborted);
  EXPECT_TRUE(fs_.crashed());
  EXPECT_EQ(fs_.Exists(P("wal")).status().code(), StatusCode::kAborted);
  EXPECT_EQ(Read(P("wal")), "synced|lost");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Read(P("wal")), "synced|");
  EXPECT_FALSE(fs_.crashed());
}

TEST_F(FaultFsTest, UnsyncedDirectoryChangesAreUndone) {
  ASSERT_OK(Write(DefaultFileSystem(), P("old"), "old contents", true));
  ASSERT_OK(Write(DefaultFileSystem(), P("gone"), "keep me", true));
  // A new file, synced, but its directory entry never synced: it vanishes.
  ASSERT_OK(Write(&fs_, P("new"), "data", true));
  // Rename over an existing file without a directory sync: reverted, old target restored.
  ASSERT_OK(Write(&fs_, P("tmp"), "replacement", true));
  ASSERT_OK(fs_.Rename(P("tmp"), P("old")));
  ASSERT_OK(fs_.RemoveFile(P("gone")));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Read(P("new")), "<missing>");
  EXPECT_EQ(Read(P("old")), "old contents");
  EXPECT_EQ(Read(P("gone")), "keep me");

  // The same with directory syncs: everything survives.
  ASSERT_OK(Write(&fs_, P("tmp2"), "replacement", true));
  ASSERT_OK(fs_.Rename(P("tmp2"), P("old")));
  ASSERT_OK(fs_.RemoveFile(P("gone")));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Read(P("old")), "replacement");
  EXPECT_EQ(Read(P("gone")), "<missing>");
}

TEST_F(FaultFsTest, AppendToExistingFileKeepsItsBytes) {
  ASSERT_OK(Write(DefaultFileSystem(), P("log"), "before|", true));
  ASSERT_OK(Write(&fs_, P("log"), "after", false, OpenMode::kAppend));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Read(P("log")), "before|");
  // Truncating open without sync: the old contents come back.
  ASSERT_OK(Write(&fs_, P("log"), "new", false, OpenMode::kTruncate));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Read(P("log")), "before|");
}

TEST_F(FaultFsTest, CountsMutatingOps) {
  fs_.ResetCounters();
  ASSERT_OK(Write(&fs_, P("x"), "abc", true));  // create, write, sync
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  EXPECT_EQ(fs_.mutating_ops(), 4);
}

// The FileSystem contract, for POSIX and for the fault-injecting wrapper with no faults set.
class FileSystemContract : public ::testing::TestWithParam<bool> {
 protected:
  FileSystem* fs() { return GetParam() ? static_cast<FileSystem*>(&fault_) : DefaultFileSystem(); }
  testing::TempDir dir_;
  FaultInjectionFileSystem fault_{DefaultFileSystem()};
};

TEST_P(FileSystemContract, Basics) {
  FileSystem* f = fs();
  std::string d = dir_.Join("a/b/c");
  ASSERT_OK(f->CreateDirs(d));
  ASSERT_OK(f->CreateDirs(d));
  ASSERT_OK(f->WriteFileAtomic(d + "/one", "hello"));
  ASSERT_OK_AND_ASSIGN(auto w, f->NewWritableFile(d + "/one", OpenMode::kAppend));
  EXPECT_EQ(w->Size(), 5u);
  ASSERT_OK(w->Append(" world"));
  ASSERT_OK(w->Close());
  EXPECT_EQ(*f->ReadFile(d + "/one"), "hello world");
  EXPECT_EQ(*f->FileSize(d + "/one"), 11u);
  ASSERT_OK_AND_ASSIGN(auto r, f->NewRandomAccessFile(d + "/one"));
  char buf[8];
  EXPECT_EQ(*r->Read(6, 8, buf), 5u);
  EXPECT_EQ(std::string(buf, 5), "world");
  ASSERT_OK_AND_ASSIGN(auto m, f->MapFile(d + "/one"));
  EXPECT_EQ(m->data(), "hello world");
  ASSERT_OK(f->WriteFileAtomic(d + "/empty", ""));
  ASSERT_OK_AND_ASSIGN(auto me, f->MapFile(d + "/empty"));
  EXPECT_TRUE(me->data().empty());
  EXPECT_EQ(f->NewWritableFile(d + "/one", OpenMode::kCreateNew).status().code(), StatusCode::kAlreadyExists);
  ASSERT_OK(f->Truncate(d + "/one", 5));
  EXPECT_EQ(*f->ReadFile(d + "/one"), "hello");
  ASSERT_OK(f->Rename(d + "/empty", d + "/one"));
  EXPECT_EQ(*f->ReadFile(d + "/one"), "");
  EXPECT_EQ(*f->ListDir(d), std::vector<std::string>{"one"});
  EXPECT_FALSE(*f->Exists(d + "/empty"));
  auto missing = f->ReadFile(d + "/nope");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find(d + "/nope"), std::string::npos);
  ASSERT_OK(f->RemoveAll(dir_.Join("a")));
  EXPECT_FALSE(*f->Exists(dir_.Join("a")));
}

TEST_P(FileSystemContract, LockIsExclusiveAcrossProcessesAndNamesTheHolder) {
  FileSystem* f = fs();
  std::string path = dir_.Join("LOCK");
  {
    ASSERT_OK_AND_ASSIGN(auto lock, f->TryLock(path, "process 42 (test)"));
    pid_t pid = fork();
    if (pid == 0) {
      auto again = DefaultFileSystem()->TryLock(path, "child");
      bool busy = again.status().code() == StatusCode::kBusy &&
                  again.status().message().find("process 42 (test)") != std::string::npos;
      _exit(busy ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  ASSERT_OK_AND_ASSIGN(auto relock, f->TryLock(path, "next"));
}

INSTANTIATE_TEST_SUITE_P(PosixAndFault, FileSystemContract, ::testing::Bool());

}  // namespace
}  // namespace strata
