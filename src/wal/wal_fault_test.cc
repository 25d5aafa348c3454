// I/O errors: the failing caller sees the error, the writer is poisoned, and what was
// acknowledged before the error is recovered.
#include <gtest/gtest.h>

#include "wal/wal.h"
#include "wal/wal_test_util.h"

namespace strata {
namespace {

using wal_test::FaultyFileSystem;
using wal_test::ReadAll;
using wal_test::Record;
using wal_test::WaitUntil;

class WalFaultTest : public ::testing::Test {
 protected:
  WalOptions Options(std::string_view policy, uint64_t segment_bytes = 64ull << 20) {
    WalOptions o;
    o.fs = &fs_;
    o.dir = dir_;
    o.sync = *SyncPolicy::Parse(policy);
    o.segment_bytes = segment_bytes;
    return o;
  }

  // After a failure the writer must refuse everything with the same error.
  static void ExpectPoisoned(WalWriter* w) {
    auto again = w->Append("later");
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.status().message().find("injected failure"), std::string::npos) << again.status().ToString();
    EXPECT_FALSE(w->AppendMany({"a", "b"}).ok());
    EXPECT_FALSE(w->Sync().ok());
    EXPECT_FALSE(w->Close().ok());
  }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.Join("wal");
  FaultyFileSystem fs_;
};

TEST_F(WalFaultTest, FailedWritePoisonsTheWriterAndKeepsAcknowledgedRecords) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("always"), 1));
  fs_.fail_append_at = fs_.appends + 4;  // the first append also writes the segment header
  ASSERT_OK(w->Append("one"));
  ASSERT_OK(w->Append("two"));
  auto r = w->Append("three");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("WAL write of LSNs 3..3"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("0000000001.log"), std::string::npos) << r.status().ToString();
  ExpectPoisoned(w.get());
  EXPECT_EQ(w->synced_lsn(), 2u);
  w.reset();

  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, true));
  EXPECT_EQ(read.second, (std::vector<Record>{{1, "one"}, {2, "two"}}));
  EXPECT_TRUE(read.first.warnings.empty());
}

TEST_F(WalFaultTest, ShortWriteLeavesATornTailThatRecoveryTruncates) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none"), 1));
  ASSERT_OK(w->Append("kept"));
  fs_.short_write = true;
  fs_.fail_append_at = fs_.appends + 1;
  EXPECT_FALSE(w->Append(std::string(1000, 'q')).ok());
  ExpectPoisoned(w.get());
  w.reset();

  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, true));
  EXPECT_EQ(read.second, (std::vector<Record>{{1, "kept"}}));
  ASSERT_EQ(read.first.warnings.size(), 1u);
  EXPECT_NE(read.first.warnings[0].find("torn tail at offset 44 (508 bytes) truncated"), std::string::npos)
      << read.first.warnings[0];
  // The next writer continues cleanly after the repaired tail.
  ASSERT_OK_AND_ASSIGN(auto w2, WalWriter::Open(Options("none"), read.first.last_lsn + 1));
  ASSERT_OK(w2->Append("after"));
  ASSERT_OK(w2->Close());
  ASSERT_OK_AND_ASSIGN(auto again, ReadAll(dir_, true));
  EXPECT_EQ(again.second, (std::vector<Record>{{1, "kept"}, {2, "after"}}));
  EXPECT_TRUE(again.first.warnings.empty());
}

TEST_F(WalFaultTest, FailedFsyncFailsTheWaitingCallers) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("always"), 1));
  ASSERT_OK(w->Append("one"));
  fs_.fail_sync_at = fs_.syncs + 1;
  auto r = w->Append("two");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("fdatasync"), std::string::npos) << r.status().ToString();
  ExpectPoisoned(w.get());
  EXPECT_EQ(w->synced_lsn(), 1u);
}

TEST_F(WalFaultTest, FailedBackgroundFsyncPoisonsLaterAppends) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("interval=1"), 1));
  fs_.fail_sync_at = fs_.syncs + 1;
  ASSERT_OK(w->Append("written, never synced"));
  // Until the syncer has recorded the failure, an append may still succeed: wait for the writer,
  // not for the file system (which counts the failure before the syncer sees it).
  ASSERT_TRUE(WaitUntil([&] { return !w->error().ok(); }));
  EXPECT_EQ(fs_.injected, 1);
  auto r = w->Append("next");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("background fsync"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(w->synced_lsn(), 0u);
  ExpectPoisoned(w.get());
}

TEST_F(WalFaultTest, ExplicitSyncFailurePoisons) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none"), 1));
  ASSERT_OK(w->Append("one"));
  fs_.fail_sync_at = fs_.syncs + 1;
  Status st = w->Sync();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("injected failure"), std::string::npos) << st.ToString();
  ExpectPoisoned(w.get());
}

TEST_F(WalFaultTest, FailedRollPoisonsTheWriter) {
  // 64-byte segments: the second record must roll. The roll's fsync of the old segment fails.
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none", 64), 1));
  ASSERT_OK(w->Append(std::string(30, 'a')));
  fs_.fail_sync_at = fs_.syncs + 1;
  auto r = w->Append(std::string(30, 'b'));
  ASSERT_FALSE(r.ok());
  ExpectPoisoned(w.get());
  w.reset();
  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, true));
  EXPECT_EQ(read.second, (std::vector<Record>{{1, std::string(30, 'a')}}));
}

TEST_F(WalFaultTest, ConcurrentCallersInAFailedGroupAllFail) {
  constexpr int kThreads = 6;
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("always"), 1));
  WalWriter* raw = w.get();
  std::atomic<bool> held{false};
  // The first fsync waits until every thread has queued, then the second (shared) one fails.
  fs_.before_sync = [&] {
    if (!held.exchange(true)) WaitUntil([&] { return raw->last_lsn() >= kThreads; });
  };
  fs_.fail_sync_at = fs_.syncs + 2;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] { (raw->Append("x").ok() ? ok : failed)++; });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(failed, kThreads - 1);
  ExpectPoisoned(raw);
  fs_.before_sync = nullptr;
}

}  // namespace
}  // namespace strata
