// Unit tests of the WAL archive's keys, VerifyWalArchive and PruneWalArchive on real segments.
#include "backup/wal_archive.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/sha256.h"
#include "objstore/object_store.h"
#include "testutil/testutil.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace strata::backup {
namespace {

TEST(ArchiveSegmentKeyTest, RoundTripsAndRejectsOtherNames) {
  const std::string sha(64, 'a');
  const std::string key = ArchiveSegmentKey(7, 12, sha);
  EXPECT_EQ(key, "wal/00000000000000000007-00000000000000000012-" + sha + ".seg");
  auto a = ParseArchiveSegmentKey(key);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->first_lsn, 7u);
  EXPECT_EQ(a->last_lsn, 12u);
  EXPECT_EQ(a->sha256, sha);
  EXPECT_FALSE(ParseArchiveSegmentKey("wal/.probe"));
  EXPECT_FALSE(ParseArchiveSegmentKey(key.substr(0, key.size() - 1)));
  EXPECT_FALSE(ParseArchiveSegmentKey("blobs/" + key.substr(4)));
  std::string upper = key;
  upper[50] = 'A';  // SHA-256 hex is lower case
  EXPECT_FALSE(ParseArchiveSegmentKey(upper));
  std::string letter = key;
  letter[5] = 'x';
  EXPECT_FALSE(ParseArchiveSegmentKey(letter));
}

class WalArchiveTest : public ::testing::Test {
 protected:
  // Three segments (LSN 1..3, 4..5, 6..8) written by the WAL writer, archived under their keys.
  void SetUp() override {
    uint64_t next = 1;
    for (int records : {3, 2, 3}) {
      WalOptions o;
      o.fs = fs_;
      o.dir = dir_.Join("wal");
      auto w = WalWriter::Open(o, next);
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      for (int i = 0; i < records; ++i) ASSERT_TRUE((*w)->Append("payload " + std::to_string(next++)).ok());
      ASSERT_TRUE((*w)->Close().ok());
    }
    auto store = OpenObjectStore(uri_, fs_);
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    auto files = wal_internal::ListSegments(fs_, dir_.Join("wal"));
    ASSERT_TRUE(files.ok());
    ASSERT_EQ(files->size(), 3u);
    const uint64_t ranges[3][2] = {{1, 3}, {4, 5}, {6, 8}};
    for (size_t i = 0; i < files->size(); ++i) {
      auto bytes = fs_->ReadFile((*files)[i].path);
      ASSERT_TRUE(bytes.ok());
      keys_.push_back(ArchiveSegmentKey(ranges[i][0], ranges[i][1], Sha256Hex(*bytes)));
      bytes_.push_back(*bytes);
      ASSERT_TRUE(store_->Put(keys_.back(), *bytes).ok());
    }
  }

  FileSystem* fs_ = DefaultFileSystem();
  testing::TempDir dir_;
  std::string uri_ = dir_.Join("archive");
  std::unique_ptr<ObjectStore> store_;
  std::vector<std::string> keys_, bytes_;
};

TEST_F(WalArchiveTest, VerifyPassesAWholeArchive) {
  auto r = VerifyWalArchive(fs_, uri_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->problems.empty()) << r->problems.front();
  EXPECT_EQ(r->segments, 3u);
  EXPECT_EQ(r->first_lsn, 1u);
  EXPECT_EQ(r->last_lsn, 8u);
}

TEST_F(WalArchiveTest, VerifyNamesCorruptMisnamedAndMissingSegments) {
  std::string damaged = bytes_[0];
  damaged[damaged.size() - 2] ^= 1;
  ASSERT_TRUE(store_->Put(keys_[0], damaged).ok());
  ASSERT_TRUE(store_->Delete(keys_[1]).ok());
  // Whole bytes under a name claiming other LSNs (and the right SHA-256).
  const std::string misnamed = ArchiveSegmentKey(9, 12, Sha256Hex(bytes_[2]));
  ASSERT_TRUE(store_->Put(misnamed, bytes_[2]).ok());
  auto r = VerifyWalArchive(fs_, uri_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->problems.size(), 3u);
  EXPECT_EQ(r->problems[0], store_->Uri(keys_[0]) + " is corrupt: its SHA-256 differs from its name");
  EXPECT_NE(r->problems[1].find("no archived segment holds LSN 4..5 (missing before " + store_->Uri(keys_[2])),
            std::string::npos)
      << r->problems[1];
  EXPECT_NE(r->problems[2].find(store_->Uri(misnamed) + " holds LSN 6..8, not what its name says"), std::string::npos)
      << r->problems[2];
}

TEST_F(WalArchiveTest, PruneRefusesWithoutBackups) {
  auto r = PruneWalArchive(fs_, uri_, {dir_.Join("no-backups")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("holds no backup"), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(PruneWalArchive(fs_, uri_, {}).ok());
  auto v = VerifyWalArchive(fs_, uri_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->segments, 3u);  // nothing was deleted
}

}  // namespace
}  // namespace strata::backup
