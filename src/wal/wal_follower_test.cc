// WalFollower: follows a live writer across rollovers and segment deletions.
#include "wal/wal_follower.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testutil/testutil.h"
#include "wal/wal.h"

namespace strata {
namespace {

class WalFollowerTest : public ::testing::Test {
 protected:
  WalOptions Options(uint64_t segment_bytes) {
    WalOptions o;
    o.fs = DefaultFileSystem();
    o.dir = dir_;
    o.sync = *SyncPolicy::Parse("none");
    o.segment_bytes = segment_bytes;
    return o;
  }
  // Polls once; appends what it delivered to got_ (checking consecutive LSNs).
  uint64_t Poll(WalFollower* f) {
    auto n = f->Poll(
        [&](uint64_t lsn, std::string_view payload) {
          EXPECT_EQ(lsn, last_ + 1);
          last_ = lsn;
          got_.emplace_back(payload);
          return Status::OK();
        },
        &lost_);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : 0;
  }
  static std::string Payload(int i) {
    return "record-" + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'x');
  }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.Join("wal");
  std::vector<std::string> got_;
  uint64_t last_ = 0;
  std::string lost_;
};

TEST_F(WalFollowerTest, FollowsAppendsAcrossRolloversAndDeletedSegments) {
  WalFollower follower(DefaultFileSystem(), dir_, 0);
  EXPECT_EQ(Poll(&follower), 0u);  // no log yet
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(1024), 1));
  std::vector<std::string> sent;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 7; ++i) {
      sent.push_back(Payload(static_cast<int>(sent.size())));
      ASSERT_OK(w->Append(sent.back()).status());
    }
    Poll(&follower);
    ASSERT_EQ(got_.size(), sent.size()) << "round " << round;
    // A flush deletes every segment but the active one, including the one the follower reads.
    if (round % 3 == 2) ASSERT_OK(w->RemoveSegmentsUpTo(w->last_lsn()));
  }
  EXPECT_EQ(got_, sent);
  EXPECT_TRUE(lost_.empty()) << lost_;
  EXPECT_EQ(follower.position(), w->last_lsn());
  EXPECT_EQ(Poll(&follower), 0u);
}

TEST_F(WalFollowerTest, StartsAfterAnLsnInTheMiddleOfTheLog) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(1024), 1));
  std::vector<std::string> sent;
  for (int i = 0; i < 100; ++i) {
    sent.push_back(Payload(i));
    ASSERT_OK(w->Append(sent.back()).status());
  }
  WalFollower follower(DefaultFileSystem(), dir_, 60);
  last_ = 60;
  Poll(&follower);
  EXPECT_EQ(got_, std::vector<std::string>(sent.begin() + 60, sent.end()));
}

TEST_F(WalFollowerTest, ReportsRecordsWhoseSegmentWasDeletedBeforeItWasOpened) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(1024), 1));
  ASSERT_OK(w->Append(Payload(0)).status());
  WalFollower follower(DefaultFileSystem(), dir_, 0);
  Poll(&follower);
  ASSERT_EQ(got_.size(), 1u);
  // Many segments written and deleted while the follower does not look: it still holds its first
  // segment open, then finds the next one it can open starts later.
  for (int i = 1; i < 200; ++i) ASSERT_OK(w->Append(Payload(i)).status());
  ASSERT_OK(w->RemoveSegmentsUpTo(150));
  auto n = follower.Poll(
      [&](uint64_t lsn, std::string_view) {
        last_ = lsn;
        return Status::OK();
      },
      &lost_);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_NE(lost_.find("were flushed and their WAL segment deleted"), std::string::npos) << lost_;
  EXPECT_EQ(last_, 200u);
  EXPECT_EQ(follower.position(), 200u);
}

}  // namespace
}  // namespace strata
