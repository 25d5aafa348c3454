// End-to-end: the answers of `strata query` do not depend on where the rows sit (issue 13 #2),
// and a damaged footer fails the query naming the file instead of answering wrongly (#5).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "lake_test_util.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

class ReadConsistencyCliTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = dir_.Join("db"); }
  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); }
  std::vector<std::string> Files(const std::string& rel) { return testing::FilesUnder(root_ + "/" + rel); }
  // The query's CSV output; fails the test on an error.
  std::string Query(const std::string& args) {
    CliRun r = Strata("query " + args + " --format csv");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  testing::TempDir dir_;
  std::string root_;
};

size_t Lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// The case: a feed replayed after a reconnect, the same rows ingested twice, gave 178
// rows from the hot and warm tiers and 89 from cold for one symbol.
TEST_F(ReadConsistencyCliTest, ReplayedRowsCountOnceInEveryTier) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades --dedup-key trade_id").exit_code, 0);
  ASSERT_EQ(Strata("table create plain --template trades").exit_code, 0);  // no key: equal rows
  const std::string csv = dir_.Join("t.csv");
  ASSERT_EQ(Strata("gen trades --symbols 4 --rows 2000 --date 2026-03-02 --out " + csv).exit_code, 0);
  for (const char* table : {"trades", "plain"}) {
    SCOPED_TRACE(table);
    const std::string t = table;
    ASSERT_EQ(Strata("ingest " + t + " " + csv).exit_code, 0);
    const std::string once = Query(t + " -s AAPL");
    ASSERT_GT(Lines(once), 100u);
    ASSERT_EQ(Strata("ingest " + t + " " + csv).exit_code, 0);  // the replay
    EXPECT_EQ(Query(t + " -s AAPL"), once) << "hot";
    CliRun r = Strata("flush");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Query(t + " -s AAPL"), once) << "warm";
    ASSERT_EQ(Strata("ingest " + t + " " + csv).exit_code, 0);  // replayed again: hot beside warm
    EXPECT_EQ(Query(t + " -s AAPL"), once) << "warm + hot";
    EXPECT_EQ(Query(t + " -s AAPL --columns ts,price"), Query(t + " -s AAPL --columns ts,price --tiers warm"));
    ASSERT_EQ(Strata("flush").exit_code, 0);
    ASSERT_EQ(Strata("migrate --all --table " + t).exit_code, 0);
    EXPECT_EQ(Query(t + " -s AAPL"), once) << "cold";
    EXPECT_EQ(Query(t + " -s AAPL --tiers cold"), once);
  }
}

// Bytes of a warm file's footer with their top bit flipped: the query either fails naming the
// file (and pointing at `strata verify`) or prints the undamaged answer, never another one.
TEST_F(ReadConsistencyCliTest, ADamagedFooterFailsTheQueryNamingTheFile) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  const std::string csv = dir_.Join("t.csv");
  ASSERT_EQ(Strata("gen trades --symbols 1 --rows 1000 --date 2026-03-02 --out " + csv).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + csv).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  const std::string want = Query("trades");
  ASSERT_EQ(Lines(want), 1001u);
  ASSERT_EQ(Files("warm").size(), 1u);
  const std::string path = Files("warm")[0];
  const std::string name = std::filesystem::path(path).filename().string();
  const std::string bytes = testing::ReadTextFile(path);
  uint32_t footer_len = 0;
  std::memcpy(&footer_len, bytes.data() + bytes.size() - 8, 4);
  ASSERT_LT(footer_len + 8u, bytes.size());
  int failed = 0;
  // Every 5th byte, every 29th under the sanitizers (a process per query, a quarter second each
  // there; tests/read_consistency_test.cc flips them all in-process).
  const size_t step = testing::Sanitized() ? 29 : 5;
  for (size_t at = bytes.size() - 8 - footer_len; at < bytes.size() - 8; at += step) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x80);
    testing::WriteTextFile(path, damaged);
    CliRun r = Strata("query trades --format csv");
    if (r.exit_code != 0) {
      ++failed;
      EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("strata verify"), std::string::npos) << r.err;
    } else {
      EXPECT_EQ(r.out, want) << "footer byte " << at << " flipped: a wrong answer with exit 0";
    }
  }
  EXPECT_GT(failed, 0);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
