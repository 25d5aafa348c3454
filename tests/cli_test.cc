// End-to-end tests of the `strata` command: real processes, real files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "strata/database.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = dir_.Join("db"); }

  // Runs `strata --root ROOT ARGS`; stdin from `input` when given.
  CliRun Strata(const std::string& args, const std::string& input = "") {
    return testing::RunStrata(dir_, "--root " + root_ + " " + args, input);
  }

  void InitWithTrades() {
    ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
    CliRun r = Strata("table create trades --template trades --dedup-key trade_id");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  testing::TempDir dir_;
  std::string root_;
};

constexpr char kHeader[] = "ts,symbol,price,size,trade_id,exchange\n";

TEST_F(CliTest, HelpTeachesWithExamples) {
  for (const char* cmd : {"", "init", "table create", "ingest", "query", "latest", "stats", "gen"}) {
    CliRun r = Strata(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    if (std::string(cmd) != "stats" && std::string(cmd) != "") {
      EXPECT_NE(r.out.find("Example"), std::string::npos) << cmd << ":\n" << r.out;
    }
  }
  CliRun bad = Strata("frobnicate");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("strata: error:"), std::string::npos);
}

TEST_F(CliTest, CommandsWithoutADatabaseSayHowToMakeOne) {
  CliRun r = Strata("stats");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("strata init"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one-line error: " << r.err;
}

TEST_F(CliTest, IngestQueryLatestStats) {
  InitWithTrades();
  std::string csv = std::string("symbol,ts,price,size,trade_id,exchange\n") +  // any column order
                    "AAPL,2026-03-02T14:30:00.000000001Z,187.5,100,1,XNAS\n"
                    "MSFT,2026-03-02T14:30:00.5Z,410.25,200,1,XNYS\n"
                    "AAPL,2026-03-02T14:31:00Z,187.51,300,2,ARCX\n"
                    "AAPL,2026-03-02T14:29:00Z,187.49,50,3,\"XN,AS\"\n";
  testing::WriteTextFile(dir_.Join("t.csv"), csv);
  CliRun ing = Strata("ingest trades " + dir_.Join("t.csv"));
  ASSERT_EQ(ing.exit_code, 0) << ing.err;
  EXPECT_NE(ing.out.find("ingested 4 rows"), std::string::npos) << ing.out;

  CliRun q = Strata("query trades --symbol AAPL --from 2026-03-02T14:00 --to 2026-03-02T15:00 --format csv");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, std::string(kHeader) +
                       "2026-03-02T14:29:00Z,AAPL,187.49,50,3,\"XN,AS\"\n"
                       "2026-03-02T14:30:00.000000001Z,AAPL,187.5,100,1,XNAS\n"
                       "2026-03-02T14:31:00Z,AAPL,187.51,300,2,ARCX\n");

  CliRun j = Strata("query trades -s MSFT --columns ts,price --format json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(j.out, "{\"ts\":\"2026-03-02T14:30:00.500Z\",\"price\":410.25}\n");

  CliRun l = Strata("latest trades --format csv");
  ASSERT_EQ(l.exit_code, 0) << l.err;
  EXPECT_EQ(l.out, std::string(kHeader) + "2026-03-02T14:31:00Z,AAPL,187.51,300,2,ARCX\n" +
                       "2026-03-02T14:30:00.500Z,MSFT,410.25,200,1,XNYS\n");
  CliRun l1 = Strata("latest trades NOPE");
  EXPECT_EQ(l1.exit_code, 1);
  EXPECT_NE(l1.err.find("NOPE"), std::string::npos);

  CliRun s = Strata("stats");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("trades"), std::string::npos);
  EXPECT_NE(s.out.find("hot"), std::string::npos);

  CliRun backwards = Strata("query trades --from 2026-03-03 --to 2026-03-02");
  EXPECT_EQ(backwards.exit_code, 1);
  EXPECT_NE(backwards.err.find("backwards"), std::string::npos) << backwards.err;
}

TEST_F(CliTest, BadLineStopsIngestAndKeepsRowsBeforeIt) {
  InitWithTrades();
  std::string csv = std::string(kHeader) + "2026-03-02T14:30:00Z,AAPL,1.5,100,1,XNAS\n" +
                    "2026-03-02T14:30:01Z,AAPL,1.6,100,2,XNAS\n" + "2026-03-02T14:30:02Z,AAPL,abc,100,3,XNAS\n" +
                    "2026-03-02T14:30:03Z,AAPL,1.7,100,4,XNAS\n";
  testing::WriteTextFile(dir_.Join("bad.csv"), csv);
  CliRun r = Strata("ingest trades " + dir_.Join("bad.csv"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.csv:4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("price"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 rows before it are stored"), std::string::npos) << r.err;
  CliRun q = Strata("query trades --format csv");
  EXPECT_EQ(std::count(q.out.begin(), q.out.end(), '\n'), 3) << q.out;  // header + 2 rows
}

TEST_F(CliTest, RejectsFileCollectsBadLines) {
  InitWithTrades();
  std::string csv = std::string(kHeader) + "2026-03-02T14:30:00Z,AAPL,1.5,100,1,XNAS\n" +
                    "yesterday,AAPL,1.6,100,2,XNAS\n" + "2026-03-02T14:30:02Z,AAPL,1.6,100\n" +
                    "2026-03-02T14:30:03Z,AAPL,1.7,100,4,XNAS\n";
  testing::WriteTextFile(dir_.Join("mixed.csv"), csv);
  CliRun r = Strata("ingest trades " + dir_.Join("mixed.csv") + " --rejects " + dir_.Join("rej.csv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ingested 2 rows"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 rejected"), std::string::npos) << r.out;
  EXPECT_EQ(testing::ReadTextFile(dir_.Join("rej.csv")),
            std::string(kHeader) + "yesterday,AAPL,1.6,100,2,XNAS\n2026-03-02T14:30:02Z,AAPL,1.6,100\n");
}

TEST_F(CliTest, IngestFromStdinAndEmptyInput) {
  InitWithTrades();
  CliRun r = Strata("ingest trades -", std::string(kHeader) + "2026-03-02T14:30:00Z,AAPL,1.5,100,1,XNAS\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ingested 1 rows"), std::string::npos) << r.out;
  testing::WriteTextFile(dir_.Join("empty.csv"), "");
  CliRun e = Strata("ingest trades " + dir_.Join("empty.csv"));
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("empty.csv"), std::string::npos) << e.err;
  CliRun m = Strata("ingest trades " + dir_.Join("missing.csv"));
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.err.find("missing.csv"), std::string::npos) << m.err;
}

TEST_F(CliTest, SecondWriterIsToldWhoHoldsTheLock) {
  InitWithTrades();
  ASSERT_OK_AND_ASSIGN(auto holder, Database::Open(root_, {.process_note = "cli_test"}));
  testing::WriteTextFile(dir_.Join("t.csv"), std::string(kHeader) + "2026-03-02T14:30:00Z,AAPL,1.5,100,1,XNAS\n");
  CliRun r = Strata("ingest trades " + dir_.Join("t.csv"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("process " + std::to_string(::getpid())), std::string::npos) << r.err;
  // Readers are not blocked by the writer.
  EXPECT_EQ(Strata("stats").exit_code, 0);
}

TEST_F(CliTest, GenIsDeterministicAndIngestible) {
  InitWithTrades();
  CliRun g1 = Strata("gen trades --symbols 3 --rows 5000 --date 2026-03-02 --seed 9 --out " + dir_.Join("a.csv"));
  ASSERT_EQ(g1.exit_code, 0) << g1.err;
  CliRun g2 = Strata("gen trades --symbols 3 --rows 5000 --date 2026-03-02 --seed 9 --out " + dir_.Join("b.csv"));
  ASSERT_EQ(g2.exit_code, 0) << g2.err;
  EXPECT_EQ(testing::ReadTextFile(dir_.Join("a.csv")), testing::ReadTextFile(dir_.Join("b.csv")));
  CliRun ing = Strata("ingest trades " + dir_.Join("a.csv"));
  ASSERT_EQ(ing.exit_code, 0) << ing.err;
  EXPECT_NE(ing.out.find("ingested 5,000 rows"), std::string::npos) << ing.out;
  CliRun bad = Strata("gen bonds --out " + dir_.Join("c.csv"));
  EXPECT_EQ(bad.exit_code, 1);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
