#include "objstore/object_store.h"

#include <gtest/gtest.h>

#include "io/fault_injection_fs.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

class LocalObjectStoreTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_ = NewLocalObjectStore(DefaultFileSystem(), dir_.path() + "/cold");
};

TEST_F(LocalObjectStoreTest, PutGetSizeRangeReadAndDelete) {
  ASSERT_OK(store_->Put("t/year=2026/month=03/symbol=AAPL/part-1.parquet", "hello world"));
  ASSERT_OK_AND_ASSIGN(std::string all, store_->Get("t/year=2026/month=03/symbol=AAPL/part-1.parquet"));
  EXPECT_EQ(all, "hello world");
  ASSERT_OK_AND_ASSIGN(uint64_t size, store_->Size("t/year=2026/month=03/symbol=AAPL/part-1.parquet"));
  EXPECT_EQ(size, 11u);
  ASSERT_OK_AND_ASSIGN(auto file, store_->OpenRead("t/year=2026/month=03/symbol=AAPL/part-1.parquet"));
  char buf[5];
  ASSERT_OK_AND_ASSIGN(size_t n, file->Read(6, 5, buf));
  EXPECT_EQ(std::string_view(buf, n), "world");
  ASSERT_OK_AND_ASSIGN(auto map, store_->MapRead("t/year=2026/month=03/symbol=AAPL/part-1.parquet"));
  EXPECT_EQ(map->data(), "hello world");
  EXPECT_EQ(store_->Uri("a/b"), dir_.path() + "/cold/a/b");

  ASSERT_OK(store_->Delete("t/year=2026/month=03/symbol=AAPL/part-1.parquet"));
  ASSERT_OK(store_->Delete("t/year=2026/month=03/symbol=AAPL/part-1.parquet"));  // already gone: OK
  EXPECT_TRUE(store_->Get("t/year=2026/month=03/symbol=AAPL/part-1.parquet").status().IsNotFound());
  EXPECT_TRUE(store_->Size("nope").status().IsNotFound());
  EXPECT_TRUE(store_->OpenRead("nope").status().IsNotFound());
  EXPECT_FALSE(store_->MapRead("nope").ok());
}

TEST_F(LocalObjectStoreTest, ListIsRecursiveSortedFilteredByPrefixAndSkipsTemporaries) {
  ASSERT_OK(store_->Put("b/x/2", "22"));
  ASSERT_OK(store_->Put("a/1", "1"));
  ASSERT_OK(store_->Put("b/x/1", "1"));
  ASSERT_OK(store_->Put("bb/1", "1"));
  ASSERT_OK(DefaultFileSystem()->WriteFileAtomic(dir_.path() + "/cold/b/x/3.tmp-123", "junk"));

  ASSERT_OK_AND_ASSIGN(auto all, store_->List(""));
  std::vector<std::string> keys;
  for (const auto& o : all) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "b/x/1", "b/x/2", "bb/1"}));
  EXPECT_EQ(all[2].size, 2u);

  ASSERT_OK_AND_ASSIGN(auto under_b, store_->List("b/"));
  ASSERT_EQ(under_b.size(), 2u);
  EXPECT_EQ(under_b[0].key, "b/x/1");
  ASSERT_OK_AND_ASSIGN(auto b_any, store_->List("b"));
  EXPECT_EQ(b_any.size(), 3u);
  ASSERT_OK_AND_ASSIGN(auto none, store_->List("zzz"));
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(IsTemporaryObjectKey("b/x/3.tmp-123"));
  EXPECT_FALSE(IsTemporaryObjectKey("b/x.tmp-1/3"));
}

TEST_F(LocalObjectStoreTest, EmptyStoreListsNothing) {
  ASSERT_OK_AND_ASSIGN(auto all, store_->List(""));
  EXPECT_TRUE(all.empty());
}

TEST_F(LocalObjectStoreTest, RefusesKeysThatEscapeTheRoot) {
  for (std::string_view key : {"", "/abs", "a/../../etc/passwd", "a//b", "dir/", "./a"}) {
    EXPECT_EQ(store_->Put(key, "x").code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->Get(key).status().code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store_->MapRead(key).status().code(), StatusCode::kInvalidArgument) << key;
  }
}

TEST_F(LocalObjectStoreTest, PutFileStreamsALocalFile) {
  std::string big(9 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + (i >> 13));
  const std::string src = dir_.path() + "/staging.bin";
  ASSERT_OK(DefaultFileSystem()->WriteFileAtomic(src, big));
  ASSERT_OK(store_->PutFile("k/big.bin", DefaultFileSystem(), src));
  ASSERT_OK_AND_ASSIGN(std::string back, store_->Get("k/big.bin"));
  EXPECT_TRUE(back == big);
  EXPECT_TRUE(store_->PutFile("k/none.bin", DefaultFileSystem(), dir_.path() + "/missing").IsNotFound());
}

// A crash at any step of a Put leaves either no object or the whole object: never a prefix.
TEST_F(LocalObjectStoreTest, PutIsAllOrNothingUnderACrashAtEveryStep) {
  const std::string data(100000, 'x');
  for (int crash_at = 1; crash_at < 40; ++crash_at) {
    testing::TempDir dir;
    Status st;
    {
      FaultInjectionFileSystem fs(DefaultFileSystem());
      fs.CrashAtOp(crash_at);
      auto store = NewLocalObjectStore(&fs, dir.path());
      st = store->Put("a/b/obj", data);
      ASSERT_OK(fs.DropUnsyncedData());
    }
    auto after = NewLocalObjectStore(DefaultFileSystem(), dir.path());
    auto got = after->Get("a/b/obj");
    if (got.ok()) {
      EXPECT_EQ(*got, data) << "crash at " << crash_at;
    } else {
      EXPECT_TRUE(got.status().IsNotFound()) << got.status().message();
      EXPECT_FALSE(st.ok()) << "Put said OK but the object is gone (crash at " << crash_at << ")";
    }
  }
}

// PutAll: every object whole or absent under a crash at any step, all of them there once it
// returned OK, with one directory fsync for objects in one directory. DeleteGarbage removes
// without fsyncs and ignores objects already gone.
TEST_F(LocalObjectStoreTest, PutAllIsDurableWithOneDirectorySyncAndAllOrNothingPerObject) {
  const std::vector<std::pair<std::string, std::string>> objects = {
      {"m/a", std::string(5000, 'a')}, {"m/b", std::string(7000, 'b')}, {"m/c", "c"}};
  for (int crash_at = 1; crash_at < 30; ++crash_at) {
    testing::TempDir dir;
    Status st;
    {
      ASSERT_OK(DefaultFileSystem()->CreateDirs(dir.path() + "/m"));  // durable before the scenario
      FaultInjectionFileSystem fs(DefaultFileSystem());
      auto store = NewLocalObjectStore(&fs, dir.path());
      fs.CrashAtOp(crash_at);
      st = store->PutAll(objects);
      if (st.ok()) {
        EXPECT_EQ(fs.ops(FsOp::kSyncDir), 1);
        EXPECT_EQ(fs.ops(FsOp::kSync), 3);
      }
      ASSERT_OK(fs.DropUnsyncedData());
    }
    auto after = NewLocalObjectStore(DefaultFileSystem(), dir.path());
    for (const auto& [key, data] : objects) {
      auto got = after->Get(key);
      if (got.ok()) {
        EXPECT_EQ(*got, data) << key << ", crash at " << crash_at;
      } else {
        EXPECT_TRUE(got.status().IsNotFound()) << got.status().message();
        EXPECT_FALSE(st.ok()) << "PutAll said OK but " << key << " is gone (crash at " << crash_at << ")";
      }
    }
  }
  ASSERT_OK(store_->PutAll(objects));
  ASSERT_OK(store_->DeleteGarbage({"m/a", "m/c", "m/never"}));
  EXPECT_TRUE(store_->Get("m/a").status().IsNotFound());
  EXPECT_EQ(*store_->Get("m/b"), objects[1].second);
  EXPECT_TRUE(store_->Get("m/c").status().IsNotFound());
}

}  // namespace
}  // namespace strata
