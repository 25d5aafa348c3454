#include <gtest/gtest.h>

#include "testutil/testutil.h"
#include "wal/wal.h"

namespace strata {
namespace {

TEST(SyncPolicyTest, ParsesEveryAcceptedForm) {
  ASSERT_OK_AND_ASSIGN(SyncPolicy always, SyncPolicy::Parse("always"));
  EXPECT_EQ(always.mode, FsyncMode::kAlways);
  ASSERT_OK_AND_ASSIGN(SyncPolicy none, SyncPolicy::Parse("none"));
  EXPECT_EQ(none.mode, FsyncMode::kNone);
  ASSERT_OK_AND_ASSIGN(SyncPolicy plain, SyncPolicy::Parse("interval"));
  EXPECT_EQ(plain.mode, FsyncMode::kInterval);
  EXPECT_EQ(plain.interval_ms, 10);
  ASSERT_OK_AND_ASSIGN(SyncPolicy i25, SyncPolicy::Parse("interval=25"));
  EXPECT_EQ(i25.mode, FsyncMode::kInterval);
  EXPECT_EQ(i25.interval_ms, 25);
  ASSERT_OK_AND_ASSIGN(SyncPolicy i7ms, SyncPolicy::Parse(" interval=7ms "));
  EXPECT_EQ(i7ms.interval_ms, 7);
}

TEST(SyncPolicyTest, ToStringIsTheInverseOfParse) {
  for (const char* text : {"always", "none", "interval=10", "interval=1", "interval=3600000"}) {
    ASSERT_OK_AND_ASSIGN(SyncPolicy p, SyncPolicy::Parse(text));
    EXPECT_EQ(p.ToString(), text);
    ASSERT_OK_AND_ASSIGN(SyncPolicy again, SyncPolicy::Parse(p.ToString()));
    EXPECT_EQ(again, p);
  }
  EXPECT_EQ(SyncPolicy{}.ToString(), "interval=10");
}

TEST(SyncPolicyTest, RejectsOtherTextAndExplainsTheForms) {
  for (const char* text : {"", "sometimes", "Always", "interval=", "interval=0", "interval=-5", "interval=10s",
                           "interval=ms", "interval=3600001", "interval=99999999999", "interval 10", "none=1"}) {
    auto r = SyncPolicy::Parse(text);
    ASSERT_FALSE(r.ok()) << "accepted '" << text << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("expected always, none, interval, interval=<ms>"), std::string::npos)
        << r.status().message();
    std::string quoted = "'";  // built stepwise: GCC 12 misreports -Wrestrict on "'" + std::string(...)
    quoted.append(text).push_back('\'');
    EXPECT_NE(r.status().message().find(quoted), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace strata
