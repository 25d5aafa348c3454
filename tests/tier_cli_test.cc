// End-to-end tests of `strata flush`, `migrate`, `retention`, `verify` and `table set-policy`:
// real processes, real files.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "catalog/catalog.h"
#include "lake_test_util.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

class TierCliTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = dir_.Join("db"); }
  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); }
  std::vector<std::string> Files(const std::string& rel) { return testing::FilesUnder(root_ + "/" + rel); }

  testing::TempDir dir_;
  std::string root_;
};

TEST_F(TierCliTest, HelpHasExamples) {
  for (const char* cmd : {"flush", "migrate", "retention", "verify", "table set-policy"}) {
    CliRun r = Strata(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd << ":\n" << r.out;
  }
}

TEST_F(TierCliTest, FlushOneTable) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  ASSERT_EQ(Strata("table create other --template trades").exit_code, 0);
  const std::string csv = dir_.Join("t.csv");
  ASSERT_EQ(Strata("gen trades --symbols 2 --rows 5000 --date 2026-03-02 --out " + csv).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + csv).exit_code, 0);
  ASSERT_EQ(Strata("ingest other " + csv).exit_code, 0);
  CliRun r = Strata("flush other");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("flushed 5,000 rows into 2 warm files"), std::string::npos) << r.out;
  EXPECT_EQ(Files("warm/other").size(), 2u);
  EXPECT_EQ(Files("warm/trades").size(), 0u);  // the other table stays in the WAL and RAM
  r = Strata("flush other");                   // a new process: the replay skipped the flushed rows of `other`
  EXPECT_NE(r.out.find("nothing to flush"), std::string::npos) << r.out;
  r = Strata("flush");  // only `trades`: the replays skipped the rows of `other` already in warm files
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("flushed 5,000 rows into 2 warm files"), std::string::npos) << r.out;
  EXPECT_EQ(Files("warm/trades").size(), 2u);
  EXPECT_EQ(Files("warm/other").size(), 2u);
  r = Strata("verify");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

// `strata verify` opens read-only (it may run beside a writer) yet records when each whole file
// was verified (issue 14: files.verified_at was never set to a real time).
TEST_F(TierCliTest, VerifyRecordsWhenEachFileWasVerified) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  const std::string csv = dir_.Join("t.csv");
  ASSERT_EQ(Strata("gen trades --symbols 2 --rows 2000 --date 2026-03-02 --out " + csv).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + csv).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  auto verified_times = [&] {
    auto catalog = Catalog::Open(root_ + "/catalog.db", /*read_only=*/true);
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    std::vector<int64_t> times;
    if (!catalog.ok()) return times;
    auto files = (*catalog)->ListFiles(FileQuery{});
    EXPECT_TRUE(files.ok());
    for (const FileRecord& f : *files) times.push_back(f.verified_at_ns.value_or(0));
    return times;
  };
  const std::vector<int64_t> before = verified_times();
  ASSERT_EQ(before.size(), 2u);
  const int64_t start =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  CliRun r = Strata("verify");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (int64_t t : verified_times()) EXPECT_GE(t, start) << "a file's verified_at was not recorded";
}

TEST_F(TierCliTest, FlushMigrateVerifyRetention) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  CliRun r = Strata("table create trades --template trades --dedup-key trade_id --warm-codec lz4_raw");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"warm_codec\":\"lz4_raw\""), std::string::npos) << r.out;
  const std::string csv = dir_.Join("t.csv");
  ASSERT_EQ(Strata("gen trades --symbols 3 --rows 20000 --date 2026-03-02 --out " + csv).exit_code, 0);
  r = Strata("ingest trades " + csv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("; 0 duplicates dropped"), std::string::npos) << r.out;
  r = Strata("ingest trades " + csv);  // twice: every read and the flush drop the replay
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("; 20,000 duplicates dropped"), std::string::npos) << r.out;

  r = Strata("flush nosuchtable");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nosuchtable"), std::string::npos) << r.err;
  r = Strata("flush trades");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("flushed 20,000 rows into 3 warm files"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("20,000 duplicates removed"), std::string::npos) << r.out;
  EXPECT_EQ(Files("warm").size(), 3u);
  r = Strata("flush");
  EXPECT_NE(r.out.find("nothing to flush"), std::string::npos) << r.out;
  r = Strata("verify");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("checked 3 files, 20,000 rows"), std::string::npos) << r.out;

  r = Strata("migrate --before 2026-03-01");
  EXPECT_NE(r.out.find("nothing to migrate"), std::string::npos) << r.out;
  r = Strata("migrate --table trades --before 2026-03-03");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("20,000 rows in 3 files -> 20,000 rows in 3 files"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("[3/3] trades"), std::string::npos) << "progress lines: " << r.err;
  EXPECT_EQ(Files("warm").size(), 0u);
  EXPECT_EQ(Files("cold").size(), 3u);
  r = Strata("query trades --format csv");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 20001) << r.err;
  // A tier hint reads only those tiers: everything is cold now.
  r = Strata("query trades --tiers cold --format csv");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 20001) << r.err;
  r = Strata("query trades --tiers hot,warm --format csv");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out << r.err;

  // Damage a cold file: verify fails naming it, a query touching it fails naming it.
  std::string victim = Files("cold")[0];
  { std::ofstream(victim, std::ios::app) << "junk"; }
  r = Strata("verify --tier cold");
  EXPECT_EQ(r.exit_code, 1);
  const std::string rel = victim.substr(root_.size() + 1);
  EXPECT_NE(r.out.find("corrupt  " + rel), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("strata: error: verify found 1 problem"), std::string::npos) << r.err;
  r = Strata("query trades --format csv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(rel), std::string::npos) << r.err;
  EXPECT_EQ(Strata("verify --tier warm").exit_code, 0);

  // Retention: nothing without a policy; with one, the expired month goes.
  r = Strata("retention");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("deleted 0 cold files"), std::string::npos) << r.out;
  ASSERT_EQ(Strata("table set-policy trades --cold-days 1").exit_code, 0);
  r = Strata("retention");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("deleted 3 cold files (20,000 rows"), std::string::npos) << r.out;
  EXPECT_EQ(Files("cold").size(), 0u);
  EXPECT_EQ(Strata("verify").exit_code, 0);
  r = Strata("table set-policy trades");
  EXPECT_EQ(r.exit_code, 1);
  r = Strata("table set-policy trades --warm-codec brotli");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("warm_codec"), std::string::npos) << r.err;
  r = Strata("table set-policy trades --flush-series-rows 5000 --flush-series-bytes 1048576");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"flush_series_rows\":5000"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"flush_series_bytes\":1048576"), std::string::npos) << r.out;
  r = Strata("table set-policy trades --flush-series-rows 0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("flush_series_rows"), std::string::npos) << r.err;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
