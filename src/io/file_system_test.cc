// The FileSystem contract, run against every implementation: POSIX, and the fault-injecting wrapper
// with no fault set (which must be indistinguishable from what it wraps).
#include "strata/file_system.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <type_traits>
#include <vector>

#include "io/fault_injection_fs.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

struct PosixImpl {
  FileSystem* fs() { return DefaultFileSystem(); }
  void AfterTest() {}
};

struct FaultImpl {
  FaultInjectionFileSystem fault{DefaultFileSystem()};
  FileSystem* fs() { return &fault; }
  // No fault was set, so nothing may have been refused; and whatever the test did, simulating
  // power loss over it must work.
  void AfterTest() {
    EXPECT_FALSE(fault.crashed());
    EXPECT_OK(fault.DropUnsyncedData());
  }
};

struct ImplName {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, PosixImpl> ? "Posix" : "FaultInjection";
  }
};

template <typename Impl>
class FileSystemContractTest : public ::testing::Test {
 protected:
  void TearDown() override { impl_.AfterTest(); }
  FileSystem* fs() { return impl_.fs(); }
  std::string P(const std::string& name) const { return dir_.Join(name); }

  Status Write(const std::string& path, std::string_view data, OpenMode mode = OpenMode::kTruncate) {
    ASSIGN_OR_RETURN(auto file, fs()->NewWritableFile(path, mode));
    RETURN_IF_ERROR(file->Append(data));
    return file->Close();
  }
  std::string Read(const std::string& path) { return fs()->ReadFile(path).ValueOr("<missing>"); }

  // Forks a child that calls TryLock(path) on the file system under test and reports through its
  // exit code: 0 Busy naming `expect_in_message`, 1 got the lock, 2 Busy without it, 3 other error.
  int TryLockInChild(const std::string& path, const std::string& expect_in_message) {
    pid_t pid = ::fork();
    if (pid == 0) {
      auto lock = fs()->TryLock(path, "child");
      int code = 3;
      if (lock.ok()) {
        code = 1;
      } else if (lock.status().code() == StatusCode::kBusy) {
        code = lock.status().message().find(expect_in_message) != std::string::npos ? 0 : 2;
      }
      ::_exit(code);
    }
    if (pid < 0) return -1;
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -2;
    return WEXITSTATUS(status);
  }

  testing::TempDir dir_;
  Impl impl_;
};

using Implementations = ::testing::Types<PosixImpl, FaultImpl>;
TYPED_TEST_SUITE(FileSystemContractTest, Implementations, ImplName);

void ExpectNamesPath(const Status& st, StatusCode code, const std::string& path) {
  EXPECT_EQ(st.code(), code) << st.ToString();
  EXPECT_NE(st.message().find(path), std::string::npos) << st.ToString() << " does not name " << path;
}

TYPED_TEST(FileSystemContractTest, WriteAppendReadAndSize) {
  FileSystem* fs = this->fs();
  const std::string path = this->P("data");
  {
    ASSERT_OK_AND_ASSIGN(auto w, fs->NewWritableFile(path, OpenMode::kTruncate));
    EXPECT_EQ(w->path(), path);
    EXPECT_EQ(w->Size(), 0u);
    ASSERT_OK(w->Append("hello"));
    ASSERT_OK(w->Append(""));
    ASSERT_OK(w->Append(std::string_view(" w\0rld", 6)));
    EXPECT_EQ(w->Size(), 11u);
    ASSERT_OK(w->Sync());
    ASSERT_OK(w->Close());
    EXPECT_FALSE(w->Append("after close").ok());
  }
  EXPECT_EQ(this->Read(path), std::string("hello w\0rld", 11));
  EXPECT_EQ(*fs->FileSize(path), 11u);

  // kAppend keeps what is there and reports it in Size().
  {
    ASSERT_OK_AND_ASSIGN(auto w, fs->NewWritableFile(path, OpenMode::kAppend));
    EXPECT_EQ(w->Size(), 11u);
    ASSERT_OK(w->Append("!"));
    EXPECT_EQ(w->Size(), 12u);
    ASSERT_OK(w->Close());
  }
  EXPECT_EQ(this->Read(path), std::string("hello w\0rld!", 12));
  // kAppend creates a missing file.
  ASSERT_OK(this->Write(this->P("fresh"), "x", OpenMode::kAppend));
  EXPECT_EQ(this->Read(this->P("fresh")), "x");

  // kTruncate empties it.
  ASSERT_OK(this->Write(path, "new", OpenMode::kTruncate));
  EXPECT_EQ(this->Read(path), "new");

  // kCreateNew refuses an existing file and leaves it alone.
  ExpectNamesPath(fs->NewWritableFile(path, OpenMode::kCreateNew).status(), StatusCode::kAlreadyExists, path);
  EXPECT_EQ(this->Read(path), "new");
  ASSERT_OK(this->Write(this->P("brand-new"), "y", OpenMode::kCreateNew));
  EXPECT_EQ(this->Read(this->P("brand-new")), "y");
}

TYPED_TEST(FileSystemContractTest, RandomAccessReadsAtOffsets) {
  const std::string path = this->P("digits");
  ASSERT_OK(this->Write(path, "0123456789"));
  ASSERT_OK_AND_ASSIGN(auto r, this->fs()->NewRandomAccessFile(path));
  EXPECT_EQ(r->path(), path);
  EXPECT_EQ(*r->Size(), 10u);
  char buf[16];
  ASSERT_OK_AND_ASSIGN(size_t n, r->Read(3, 4, buf));
  EXPECT_EQ(std::string(buf, n), "3456");
  ASSERT_OK_AND_ASSIGN(n, r->Read(8, 10, buf));  // short only at the end of the file
  EXPECT_EQ(std::string(buf, n), "89");
  EXPECT_EQ(*r->Read(10, 5, buf), 0u);
  EXPECT_EQ(*r->Read(1000, 5, buf), 0u);
}

TYPED_TEST(FileSystemContractTest, ListDirIsSortedAndSkipsDots) {
  FileSystem* fs = this->fs();
  for (const char* name : {"b", "a.b", "C", "a"}) ASSERT_OK(this->Write(this->P(name), name));
  ASSERT_OK(fs->CreateDirs(this->P("sub")));
  ASSERT_OK_AND_ASSIGN(auto names, fs->ListDir(this->dir_.path()));
  EXPECT_EQ(names, (std::vector<std::string>{"C", "a", "a.b", "b", "sub"}));
  ASSERT_OK_AND_ASSIGN(auto empty, fs->ListDir(this->P("sub")));
  EXPECT_TRUE(empty.empty());
  ExpectNamesPath(fs->ListDir(this->P("missing")).status(), StatusCode::kNotFound, this->P("missing"));
  auto of_file = fs->ListDir(this->P("a"));
  EXPECT_FALSE(of_file.ok());
  EXPECT_NE(of_file.status().message().find(this->P("a")), std::string::npos) << of_file.status().ToString();
}

TYPED_TEST(FileSystemContractTest, CreateDirsMakesEveryMissingLevel) {
  FileSystem* fs = this->fs();
  ASSERT_OK(fs->CreateDirs(this->P("x/y/z")));
  for (const char* d : {"x", "x/y", "x/y/z"}) EXPECT_TRUE(*fs->Exists(this->P(d))) << d;
  ASSERT_OK(fs->CreateDirs(this->P("x/y/z")));  // exists: fine
  ASSERT_OK(fs->CreateDirs(this->P("x/y/z/")));
  ASSERT_OK(this->Write(this->P("x/y/z/f"), "data"));
  EXPECT_EQ(this->Read(this->P("x/y/z/f")), "data");
  // A file in the way.
  Status st = fs->CreateDirs(this->P("x/y/z/f"));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(this->P("x/y/z/f")), std::string::npos) << st.ToString();
  st = fs->CreateDirs(this->P("x/y/z/f/deeper"));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(this->P("x/y/z/f")), std::string::npos) << st.ToString();
}

TYPED_TEST(FileSystemContractTest, RenameReplacesTheTarget) {
  FileSystem* fs = this->fs();
  ASSERT_OK(this->Write(this->P("a"), "new"));
  ASSERT_OK(this->Write(this->P("b"), "old contents"));
  ASSERT_OK(fs->Rename(this->P("a"), this->P("b")));
  EXPECT_EQ(this->Read(this->P("b")), "new");
  EXPECT_FALSE(*fs->Exists(this->P("a")));
  EXPECT_EQ(*fs->ListDir(this->dir_.path()), std::vector<std::string>{"b"});
  // Into another directory.
  ASSERT_OK(fs->CreateDirs(this->P("d")));
  ASSERT_OK(fs->Rename(this->P("b"), this->P("d/c")));
  EXPECT_EQ(this->Read(this->P("d/c")), "new");
  // Onto itself: nothing changes.
  ASSERT_OK(fs->Rename(this->P("d/c"), this->P("d/c")));
  EXPECT_EQ(this->Read(this->P("d/c")), "new");
  ExpectNamesPath(fs->Rename(this->P("nope"), this->P("c")), StatusCode::kNotFound, this->P("nope"));
  ExpectNamesPath(fs->Rename(this->P("d/c"), this->P("no-dir/c")), StatusCode::kNotFound, this->P("no-dir/c"));
  EXPECT_EQ(this->Read(this->P("d/c")), "new");
}

TYPED_TEST(FileSystemContractTest, TruncateCutsAndExtends) {
  FileSystem* fs = this->fs();
  const std::string path = this->P("t");
  ASSERT_OK(this->Write(path, "0123456789"));
  ASSERT_OK(fs->Truncate(path, 4));
  EXPECT_EQ(this->Read(path), "0123");
  ASSERT_OK(fs->Truncate(path, 6));
  EXPECT_EQ(this->Read(path), std::string("0123\0\0", 6));
  ASSERT_OK(fs->Truncate(path, 0));
  EXPECT_EQ(*fs->FileSize(path), 0u);
  ExpectNamesPath(fs->Truncate(this->P("missing"), 1), StatusCode::kNotFound, this->P("missing"));
}

TYPED_TEST(FileSystemContractTest, ExistsAndFileSize) {
  FileSystem* fs = this->fs();
  ASSERT_OK(this->Write(this->P("f"), "abc"));
  ASSERT_OK(fs->CreateDirs(this->P("d")));
  EXPECT_TRUE(*fs->Exists(this->P("f")));
  EXPECT_TRUE(*fs->Exists(this->P("d")));
  EXPECT_FALSE(*fs->Exists(this->P("missing")));
  EXPECT_FALSE(*fs->Exists(this->P("f/under-a-file")));
  EXPECT_EQ(*fs->FileSize(this->P("f")), 3u);
  ExpectNamesPath(fs->FileSize(this->P("missing")).status(), StatusCode::kNotFound, this->P("missing"));
}

TYPED_TEST(FileSystemContractTest, RemoveFileAndRemoveDir) {
  FileSystem* fs = this->fs();
  ASSERT_OK(fs->CreateDirs(this->P("d")));
  ASSERT_OK(this->Write(this->P("d/f"), "x"));
  Status st = fs->RemoveDir(this->P("d"));  // not empty
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(this->P("d")), std::string::npos) << st.ToString();
  EXPECT_TRUE(*fs->Exists(this->P("d/f")));
  ASSERT_OK(fs->RemoveFile(this->P("d/f")));
  EXPECT_FALSE(*fs->Exists(this->P("d/f")));
  ExpectNamesPath(fs->RemoveFile(this->P("d/f")), StatusCode::kNotFound, this->P("d/f"));
  ASSERT_OK(fs->RemoveDir(this->P("d")));
  EXPECT_FALSE(*fs->Exists(this->P("d")));
  ExpectNamesPath(fs->RemoveDir(this->P("d")), StatusCode::kNotFound, this->P("d"));
}

TYPED_TEST(FileSystemContractTest, RemoveAllRemovesATree) {
  FileSystem* fs = this->fs();
  ASSERT_OK(fs->CreateDirs(this->P("a/b/c")));
  ASSERT_OK(fs->CreateDirs(this->P("a/e")));
  for (const char* f : {"a/1", "a/b/2", "a/b/c/3", "a/b/c/4"}) ASSERT_OK(this->Write(this->P(f), f));
  ASSERT_OK(this->Write(this->P("a-sibling"), "stays"));
  ASSERT_OK(fs->RemoveAll(this->P("a")));
  EXPECT_FALSE(*fs->Exists(this->P("a")));
  EXPECT_EQ(*fs->ListDir(this->dir_.path()), std::vector<std::string>{"a-sibling"});
  ASSERT_OK(fs->RemoveAll(this->P("a")));          // already gone: fine
  ASSERT_OK(fs->RemoveAll(this->P("a-sibling")));  // a plain file
  EXPECT_FALSE(*fs->Exists(this->P("a-sibling")));
}

TYPED_TEST(FileSystemContractTest, RemoveAllDoesNotFollowSymlinks) {
  FileSystem* fs = this->fs();
  ASSERT_OK(DefaultFileSystem()->CreateDirs(this->P("precious")));
  ASSERT_OK(DefaultFileSystem()->CreateDirs(this->P("victim")));
  testing::WriteTextFile(this->P("precious/data"), "keep me");
  ASSERT_EQ(::symlink(this->P("precious").c_str(), this->P("victim/link").c_str()), 0);
  ASSERT_OK(fs->RemoveAll(this->P("victim")));
  EXPECT_FALSE(*fs->Exists(this->P("victim")));
  EXPECT_EQ(this->Read(this->P("precious/data")), "keep me");
}

TYPED_TEST(FileSystemContractTest, WriteFileAtomicCreatesAndReplacesWithoutLeftovers) {
  FileSystem* fs = this->fs();
  const std::string path = this->P("config");
  ASSERT_OK(fs->WriteFileAtomic(path, "v1"));
  EXPECT_EQ(this->Read(path), "v1");
  ASSERT_OK(fs->WriteFileAtomic(path, "version two"));
  EXPECT_EQ(this->Read(path), "version two");
  ASSERT_OK(fs->WriteFileAtomic(path, ""));
  EXPECT_EQ(this->Read(path), "");
  EXPECT_EQ(*fs->ListDir(this->dir_.path()), std::vector<std::string>{"config"});
  Status st = fs->WriteFileAtomic(this->P("no-dir/config"), "x");
  ExpectNamesPath(st, StatusCode::kNotFound, this->P("no-dir/config"));
  EXPECT_EQ(*fs->ListDir(this->dir_.path()), std::vector<std::string>{"config"});
}

TYPED_TEST(FileSystemContractTest, MapFileSeesTheContents) {
  FileSystem* fs = this->fs();
  std::string big(100 * 1024 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_OK(this->Write(this->P("big"), big));
  {
    ASSERT_OK_AND_ASSIGN(auto m, fs->MapFile(this->P("big")));
    EXPECT_EQ(m->path(), this->P("big"));
    EXPECT_EQ(m->data(), big);
  }
  ASSERT_OK(this->Write(this->P("empty"), ""));
  ASSERT_OK_AND_ASSIGN(auto e, fs->MapFile(this->P("empty")));
  EXPECT_TRUE(e->data().empty());
  ExpectNamesPath(fs->MapFile(this->P("missing")).status(), StatusCode::kNotFound, this->P("missing"));
}

TYPED_TEST(FileSystemContractTest, ErrorsNameThePath) {
  FileSystem* fs = this->fs();
  const std::string missing = this->P("no-such-file");
  ExpectNamesPath(fs->ReadFile(missing).status(), StatusCode::kNotFound, missing);
  ExpectNamesPath(fs->NewRandomAccessFile(missing).status(), StatusCode::kNotFound, missing);
  const std::string in_missing_dir = this->P("no-such-dir/f");
  ExpectNamesPath(fs->NewWritableFile(in_missing_dir, OpenMode::kTruncate).status(), StatusCode::kNotFound,
                  in_missing_dir);
  ExpectNamesPath(fs->SyncDir(this->P("no-such-dir")), StatusCode::kNotFound, this->P("no-such-dir"));
}

TYPED_TEST(FileSystemContractTest, TryLockIsExclusiveAndNamesTheHolder) {
  FileSystem* fs = this->fs();
  const std::string path = this->P("LOCK");
  {
    ASSERT_OK_AND_ASSIGN(auto lock, fs->TryLock(path, "pid 4242 (ingest job)"));
    EXPECT_TRUE(*fs->Exists(path));  // created
    // Another process is refused, and told who holds it.
    EXPECT_EQ(this->TryLockInChild(path, "pid 4242 (ingest job)"), 0);
    EXPECT_EQ(this->TryLockInChild(path, path), 0);
    // So is a second open of the lock in this process: flock locks belong to open files.
    auto again = fs->TryLock(path, "second");
    ExpectNamesPath(again.status(), StatusCode::kBusy, path);
    EXPECT_NE(again.status().message().find("pid 4242 (ingest job)"), std::string::npos);
  }
  // Released with the holder: the next process gets it.
  EXPECT_EQ(this->TryLockInChild(path, ""), 1);
  ASSERT_OK_AND_ASSIGN(auto relock, fs->TryLock(path, "pid 7 (compactor)"));
  // The note is the new holder's, not the stale one.
  EXPECT_EQ(this->TryLockInChild(path, "pid 7 (compactor)"), 0);
  EXPECT_EQ(this->TryLockInChild(path, "4242"), 2);
}

TYPED_TEST(FileSystemContractTest, TryLockInAMissingDirectoryNamesThePath) {
  const std::string path = this->P("no-such-dir/LOCK");
  ExpectNamesPath(this->fs()->TryLock(path, "x").status(), StatusCode::kNotFound, path);
}

TEST(PathHelpersTest, JoinDirNameBaseName) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(DirName("/x/y/z"), "/x/y");
  EXPECT_EQ(DirName("/x/y/"), "/x");
  EXPECT_EQ(DirName("/x"), "/");
  EXPECT_EQ(DirName("x"), ".");
  EXPECT_EQ(BaseName("/x/y/z"), "z");
  EXPECT_EQ(BaseName("/x/y/"), "y");
  EXPECT_EQ(BaseName("z"), "z");
}

TEST(OutputChecks, AnOutputThatIsAnInputIsRefused) {
  testing::TempDir dir;
  const std::string in = dir.Join("in.csv"), other = dir.Join("other.csv"), link = dir.Join("link.csv");
  testing::WriteTextFile(in, "x");
  testing::WriteTextFile(other, "y");
  ASSERT_EQ(::symlink(in.c_str(), link.c_str()), 0);
  EXPECT_OK(CheckOutputIsNotInput(other, {in}));
  EXPECT_OK(CheckOutputIsNotInput(dir.Join("new.csv"), {in}));
  EXPECT_OK(CheckOutputIsNotInput(in, {"-", dir.Join("missing")}));
  for (const std::string& out : {in, link}) {
    Status st = CheckOutputIsNotInput(out, {other, in});
    EXPECT_FALSE(st.ok()) << out;
    EXPECT_EQ(st.message(), "refusing to write " + out + ": it is the same file as the input " + in +
                                " (writing would destroy the input); choose another output path");
  }
}

TEST(OutputChecks, RenameWritersRefuseLinksFifosAndDevices) {
  testing::TempDir dir;
  const std::string file = dir.Join("f"), link = dir.Join("l"), fifo = dir.Join("p");
  testing::WriteTextFile(file, "keep");
  ASSERT_EQ(::symlink(file.c_str(), link.c_str()), 0);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_OK(CheckReplaceableByRename(file));
  EXPECT_OK(CheckReplaceableByRename(dir.Join("new")));
  EXPECT_NE(CheckReplaceableByRename(link).message().find("it is a symbolic link"), std::string::npos);
  EXPECT_NE(CheckReplaceableByRename(fifo).message().find("it is a FIFO"), std::string::npos);
  EXPECT_NE(CheckReplaceableByRename("/dev/null").message().find("it is a device"), std::string::npos);
  EXPECT_NE(CheckReplaceableByRename(dir.path()).message().find("it is a directory"), std::string::npos);
  // WriteFileAtomic goes through the check: the link and its target are left as they were.
  EXPECT_FALSE(DefaultFileSystem()->WriteFileAtomic(link, "new").ok());
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(testing::ReadTextFile(file), "keep");
  EXPECT_OK(DefaultFileSystem()->WriteFileAtomic(file, "new"));
  EXPECT_EQ(testing::ReadTextFile(file), "new");
}

TEST(OutputChecks, MappingADirectorySaysSo) {
  testing::TempDir dir;
  auto map = DefaultFileSystem()->MapFile(dir.path());
  ASSERT_FALSE(map.ok());
  EXPECT_EQ(map.status().message(), dir.path() + " is a directory: give the path of a file");
}

}  // namespace
}  // namespace strata
