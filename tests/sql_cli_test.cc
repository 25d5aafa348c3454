// `strata sql` end to end: SHOW TABLES, DESCRIBE, SELECTs whose answers are checked against
// `strata query` on the same database, the output formats, and errors as one line with a position.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
using testing::RunStrata;

class SqlCli : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = "--root " + tmp_.Join("db") + " ";
    ASSERT_EQ(Run("init").exit_code, 0);
    ASSERT_EQ(Run("table create trades --template trades").exit_code, 0);
    ASSERT_EQ(
        Run("gen trades --symbols 3 --rows 20000 --seed 4 --date 2026-03-02 --out " + tmp_.Join("t.csv")).exit_code, 0);
    ASSERT_EQ(Run("ingest -q trades " + tmp_.Join("t.csv")).exit_code, 0);
    ASSERT_EQ(Run("flush").exit_code, 0);
  }
  CliRun Run(const std::string& args) { return RunStrata(scratch_, root_ + args); }

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  testing::TempDir tmp_, scratch_;
  std::string root_;
};

TEST_F(SqlCli, ShowTablesAndDescribe) {
  CliRun r = Run("sql 'SHOW TABLES' --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "name\ntrades\n");
  r = Run("sql 'DESCRIBE trades' --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).at(0), "column_name,column_type,null");
  EXPECT_EQ(Lines(r.out).at(3), "price,f64,NO");
  EXPECT_EQ(Lines(r.out).size(), 7u);
}

TEST_F(SqlCli, GroupByAndRangeAnswersMatchStrataQuery) {
  // Rows per symbol, as `strata query` prints them.
  CliRun q = Run("query trades --columns symbol --format csv");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::map<std::string, int> want;
  for (const std::string& line : Lines(q.out)) {
    if (line != "symbol") ++want[line];
  }
  ASSERT_EQ(want.size(), 3u);
  CliRun r = Run("sql \"SELECT symbol, count(*) AS n FROM trades GROUP BY symbol ORDER BY symbol\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expect = "symbol,n\n";
  for (const auto& [sym, n] : want) expect += sym + "," + std::to_string(n) + "\n";
  EXPECT_EQ(r.out, expect);

  // A symbol and an hour: the rows `strata query -s --from --to` returns, in the same order.
  q = Run("query trades -s MSFT --from 2026-03-02T15:00 --to 2026-03-02T16:00 --columns ts,price,size --format csv");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  r =
      Run("sql \"SELECT ts, price, size FROM trades WHERE symbol = 'MSFT' AND ts >= '2026-03-02 15:00' AND "
          "ts < TIMESTAMP '2026-03-02 16:00:00'\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(Lines(q.out).size(), 10u);
  EXPECT_EQ(r.out, q.out);
}

TEST_F(SqlCli, FormatsAndHelp) {
  CliRun r = Run("sql \"SELECT symbol, max(size) AS m FROM trades GROUP BY 1 ORDER BY 1 LIMIT 1\" --format json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"symbol\":\"AAPL\",\"m\":", 0), 0u) << r.out;
  EXPECT_EQ(Lines(r.out).size(), 1u);
  r = Run("sql --help");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
  EXPECT_NE(r.out.find("time_bucket"), std::string::npos);
}

TEST_F(SqlCli, ErrorsAreOneLineWithThePosition) {
  CliRun r = Run("sql 'SELECT prcie FROM trades'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 1, column 8: no column 'prcie' in trades (columns: ts, symbol, price"), std::string::npos)
      << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  r = Run("sql 'SELECT count(*) FROM trades SAMPLE BY 7m'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 1, column 29: SAMPLE BY 7m (a step that does not divide a day"), std::string::npos)
      << r.err;
  // Syntax errors come before the database is opened.
  r = RunStrata(scratch_, "--root " + tmp_.Join("nowhere") + " sql 'SELECT price FORM trades'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("line 1, column 14: expected FROM"), std::string::npos) << r.err;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
