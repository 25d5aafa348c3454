// What DropUnsyncedData() keeps: file contents as of their last Sync, directory entries as of their
// directory's last SyncDir, nested directories, files made by something else, and concurrent use.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "io/fault_injection_fs.h"
#include "io/fault_injection_fs_test_util.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

class PowerLossTest : public FaultFsFixture {};

// ---- Power loss: file contents ----

TEST_F(PowerLossTest, WriteSyncWriteKeepsOnlyTheSyncedPart) {
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

// Linux: after a failed fsync the dirty pages are marked clean; a later fsync succeeds without
// writing them. Retrying the fsync must not make the lost bytes durable.
TEST_F(PowerLossTest, BytesOfAFailedSyncStayLostAfterALaterSuccessfulSync) {
  ASSERT_OK_AND_ASSIGN(auto f, fs_.NewWritableFile(P("wal"), OpenMode::kTruncate));
  ASSERT_OK(fs_.SyncDir(dir_.path()));
  ASSERT_OK(f->Append("synced|"));
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Append("failed"));
  fs_.FailNth(FsOp::kSync, 1);
  EXPECT_FALSE(f->Sync().ok());
  ASSERT_OK(f->Append("|later"));
  ASSERT_OK(f->Sync());  // succeeds, but does not write "failed" again
  ASSERT_OK(f->Close());
  EXPECT_EQ(Disk("wal"), "synced|failed|later");  // the page cache still has it
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("wal"), "synced|" + std::string(6, '\0') + "|later");
}

TEST_F(PowerLossTest, AppendToAFileThatExistedKeepsItsBytes) {
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

TEST_F(PowerLossTest, ReopeningAnExistingFileForTruncateWithoutSyncBringsTheOldBytesBack) {
  Seed("state", "old state");
  ASSERT_OK(Write("state", "new", false, OpenMode::kTruncate));
  EXPECT_EQ(Disk("state"), "new");
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("state"), "old state");
  ASSERT_OK(Write("state", "new", true, OpenMode::kTruncate));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("state"), "new");
}

TEST_F(PowerLossTest, TruncateIsDurableOnlyOnceTheFileIsSynced) {
  Seed("seg", "good|torn");
  ASSERT_OK(fs_.Truncate(P("seg"), 5));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("seg"), "good|torn");
  ASSERT_OK(fs_.Truncate(P("seg"), 5));
  ASSERT_OK(Write("seg", "", true, OpenMode::kAppend));  // fdatasync covers the new size
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("seg"), "good|");
}

TEST_F(PowerLossTest, SyncThroughAnyHandleCoversEveryWriteToTheFile) {
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

TEST_F(PowerLossTest, AFileKeepsItsDurabilityAcrossARename) {
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

TEST_F(PowerLossTest, ACreatedFileVanishesUnlessItsDirectoryIsSynced) {
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

TEST_F(PowerLossTest, ARenameSurvivesOnlyWithADirectorySync) {
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

TEST_F(PowerLossTest, ARemovedFileComesBackUnlessItsDirectoryIsSynced) {
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

TEST_F(PowerLossTest, ARemovedThenRecreatedFileIsNotTheDurableOne) {
  Seed("f", "durable");
  ASSERT_OK(fs_.RemoveFile(P("f")));
  ASSERT_OK(Write("f", "recreated", true));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("f"), "durable");
}

TEST_F(PowerLossTest, ACreatedDirectoryVanishesWithEverythingInItUnlessItsParentIsSynced) {
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

TEST_F(PowerLossTest, ARemovedDirectoryComesBackWithItsDurableFiles) {
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

TEST_F(PowerLossTest, ADirectoryRemovedAndRecreatedIsANewDirectory) {
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

TEST_F(PowerLossTest, ARenameAcrossDirectoriesNeedsBothSynced) {
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

TEST_F(PowerLossTest, RenamingADirectoryIsRefusedAsUnmodelled) {
  Seed("d/f", "x");
  Status st = fs_.Rename(P("d"), P("e"));
  EXPECT_EQ(st.code(), StatusCode::kUnsupported) << st.ToString();
  EXPECT_NE(st.message().find(P("d")), std::string::npos) << st.ToString();
  EXPECT_EQ(Disk("d/f"), "x");
  EXPECT_FALSE(OnDisk("e"));
}

TEST_F(PowerLossTest, FilesMadeBySomethingElseAreLeftAlone) {
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

TEST_F(PowerLossTest, PathSpellingsOfOneFileAreOneFile) {
  Seed("sub/.keep", "");
  ASSERT_OK(fs_.CreateDirs(P("sub//new/")));
  ASSERT_OK(Write("sub/./new//f", "x", true));
  ASSERT_OK(fs_.SyncDir(P("sub/new/.")));
  ASSERT_OK(fs_.SyncDir(P("sub/")));
  ASSERT_OK(fs_.DropUnsyncedData());
  EXPECT_EQ(Disk("sub/new/f"), "x");
}

TEST_F(PowerLossTest, ConcurrentWritersAndSyncsStayConsistent) {
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
