// End-to-end: what the command line says when the write-ahead log is missing or short, and the
// flag that goes on anyway (doc/durability.md). Real processes, real files.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

class WalRecoveryCliTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = dir_.Join("db"); }
  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); }

  testing::TempDir dir_;
  std::string root_;
};

// Issue 13 #13: `rm -r wal/` used to lose every hot row without a word.
TEST_F(WalRecoveryCliTest, DeletedWalIsAnErrorUntilAccepted) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  const std::string csv = dir_.Join("t.csv");
  ASSERT_EQ(Strata("gen trades --symbols 2 --rows 1000 --date 2026-03-02 --out " + csv).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + csv).exit_code, 0);
  std::filesystem::remove_all(root_ + "/wal");

  for (const char* cmd : {"flush", "stats"}) {  // a writer's open and a read-only one
    CliRun r = Strata(cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_EQ(r.err, "strata: error: the write-ahead log directory " + root_ +
                         "/wal is missing: rows appended after LSN 0 (the last flush) are lost; restore it, or open "
                         "with --accept-wal-loss (Options::accept_wal_loss) to go on without those rows\n")
        << cmd;
  }
  CliRun r = Strata("--accept-wal-loss flush");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: accepted: the write-ahead log directory"), std::string::npos) << r.err;
  r = Strata("stats");  // the loss was recorded: no flag needed any more
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(WalRecoveryCliTest, HelpNamesTheRecoveryFlags) {
  CliRun r = Strata("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--accept-wal-loss"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--skip-bad-wal-records"), std::string::npos) << r.out;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
