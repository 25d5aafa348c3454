// Schema evolution end to end (doc/schema_evolution.md): `strata table add-column`, SQL ALTER TABLE,
// the line protocol over HTTP adding columns (and refusing with --ilp-no-new-columns); rows stored
// before read NULL through `strata query --columns`, SQL, verify, migration and backup/restore.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "testutil/cli_runner.h"
#include "testutil/server_process.h"

namespace strata {
namespace schema_evolution_cli_test {

using testing::CliRun;
using testing::Curl;
using testing::HttpResult;
using testing::RunStrata;
using testing::ServerProcess;

class SchemaEvolutionCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = tmp_.Join("db");
    ASSERT_EQ(Run("init").exit_code, 0);
    ASSERT_EQ(Run("table create trades --template trades").exit_code, 0);
    rows_ = testing::Sanitized() ? 300 : 2000;
    ASSERT_EQ(Run("gen trades --symbols 2 --rows " + std::to_string(rows_) + " --seed 7 --date 2026-03-02 --out " +
                  tmp_.Join("t.csv"))
                  .exit_code,
              0);
    ASSERT_EQ(Run("ingest -q trades " + tmp_.Join("t.csv")).exit_code, 0);
    ASSERT_EQ(Run("flush").exit_code, 0);  // warm files without the columns added below
  }
  CliRun Run(const std::string& args) { return RunStrata(scratch_, "--root " + root_ + " " + args); }
  // The single value a one-row, one-column SQL query prints (csv, header skipped).
  std::string Sql(const std::string& query) {
    CliRun r = Run("sql --format csv \"" + query + "\"");
    EXPECT_EQ(r.exit_code, 0) << query << ": " << r.err;
    std::string v = r.out.substr(r.out.find('\n') + 1);
    while (!v.empty() && v.back() == '\n') v.pop_back();
    return v;
  }

  testing::TempDir tmp_, scratch_;
  std::string root_;
  int rows_ = 0;
};

TEST_F(SchemaEvolutionCliTest, AddColumnFromTheCliAndSqlThenReadEverywhere) {
  CliRun r = Run("table add-column trades venue_id i64");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("venue_id:i64?"), std::string::npos) << r.out;
  r = Run("table add-column trades venue_id i64");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("has that column already"), std::string::npos) << r.err;
  r = Run("table add-column trades when timestamp");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("exactly one timestamp column"), std::string::npos) << r.err;

  r = Run("sql \"ALTER TABLE trades ADD COLUMN note VARCHAR\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ALTER TABLE\n");
  r = Run("sql \"ALTER TABLE trades ADD COLUMN bad BIGINT NOT NULL\"");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("NOT NULL"), std::string::npos) << r.err;
  r = Run("table show trades");
  EXPECT_NE(r.out.find("venue_id:i64?,note:string?"), std::string::npos) << r.out;

  // New rows with values, through SQL INSERT (the binder sees the new columns).
  r = Run("sql \"INSERT INTO trades (ts, symbol, price, size, trade_id, exchange, venue_id, note) VALUES "
          "('2026-03-03T00:00:00Z', 'NEW', 1.5, 10, 1, 'X', 42, 'hello')\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string total = std::to_string(rows_ + 1);
  EXPECT_EQ(Sql("SELECT count(*) FROM trades"), total);
  EXPECT_EQ(Sql("SELECT count(*) FROM trades WHERE venue_id IS NULL AND note IS NULL"), std::to_string(rows_));
  EXPECT_EQ(Sql("SELECT sum(venue_id) FROM trades"), "42");

  // strata query --columns: old rows (warm) empty, the new one (hot) its values.
  r = Run("query trades --columns symbol,venue_id,note --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("NEW,42,hello\n"), std::string::npos) << r.out.substr(0, 300);
  EXPECT_EQ(static_cast<int>(std::count(r.out.begin(), r.out.end(), '\n')), rows_ + 2);  // + header

  // Flush, migrate everything to cold (old and new files merged), verify, back up and restore.
  ASSERT_EQ(Run("flush").exit_code, 0);
  r = Run("migrate --all");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Sql("SELECT count(*) FROM trades WHERE venue_id IS NULL"), std::to_string(rows_));
  const std::string dest = tmp_.Join("backups"), restored = tmp_.Join("restored");
  r = Run("backup create " + dest);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Run("restore " + dest + " --target " + restored);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunStrata(scratch_, "--root " + restored + " sql --format csv \"SELECT count(*), sum(venue_id) FROM trades\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(r.out.find('\n') + 1), total + ",42\n");
}

TEST_F(SchemaEvolutionCliTest, LineProtocolOverHttpAddsColumnsUnlessTurnedOff) {
  ServerProcess server;
  std::string error;
  ASSERT_TRUE(server.Start(root_, "--http 127.0.0.1:0 --ready-min-free-mb 0", tmp_.Join("serve.err"), &error))
      << error;
  auto count = [&](const std::string& where) {
    HttpResult r = Curl(scratch_, "", server.url() + "/exec?query=SELECT%20count(*)%20FROM%20trades%20WHERE%20" + where);
    if (r.code != 200) {
      ADD_FAILURE() << where << ": HTTP " << r.code << " " << r.body;
      return int64_t{-1};
    }
    return nlohmann::json::parse(r.body)["dataset"][0][0].get<int64_t>();
  };
  const std::string body = tmp_.Join("lines.ilp");
  testing::WriteTextFile(body,
                         "trades,symbol=ZZ,exchange=Q price=1.5,size=1i,trade_id=1i,fee=0.25,desk=\"a\" "
                         "1772461800000000000\n"
                         "trades,symbol=ZZ,exchange=Q,book=B1 price=1.6,size=2i,trade_id=2i 1772461800000000001\n");
  HttpResult r = Curl(scratch_, "-X POST --data-binary @" + body, server.url() + "/write");
  ASSERT_EQ(r.code, 204) << r.body;
  EXPECT_EQ(count("fee%20IS%20NOT%20NULL"), 1);
  EXPECT_EQ(count("book%20%3D%20%27B1%27"), 1);
  EXPECT_EQ(count("fee%20IS%20NULL"), rows_ + 1);
  ASSERT_EQ(server.StopWith(SIGTERM), 0) << server.Stderr();
  CliRun show = Run("table show trades");
  EXPECT_NE(show.out.find("exchange:string,fee:f64?,desk:string?,book:string?"), std::string::npos) << show.out;

  ServerProcess strict;
  ASSERT_TRUE(strict.Start(root_, "--http 127.0.0.1:0 --ready-min-free-mb 0 --ilp-no-new-columns",
                           tmp_.Join("serve2.err"), &error))
      << error;
  testing::WriteTextFile(body,
                         "trades,symbol=ZZ,exchange=Q price=1.7,size=3i,trade_id=3i 1772461800000000002\n"
                         "trades,symbol=ZZ,exchange=Q price=1.8,size=4i,trade_id=4i,rebate=1i 1772461800000000003\n");
  r = Curl(scratch_, "-X POST --data-binary @" + body, strict.url() + "/write");
  ASSERT_EQ(r.code, 400) << r.body;
  const auto err = nlohmann::json::parse(r.body);
  EXPECT_EQ(err["line"], 2) << r.body;
  EXPECT_NE(err["message"].get<std::string>().find("has no column 'rebate' and auto-create of columns is off"),
            std::string::npos)
      << r.body;
  ASSERT_EQ(strict.StopWith(SIGTERM), 0) << strict.Stderr();
  EXPECT_EQ(Sql("SELECT count(*) FROM trades"), std::to_string(rows_ + 2));  // nothing of the refused request
  EXPECT_EQ(Run("table show trades").out.find("rebate"), std::string::npos);
}

}  // namespace schema_evolution_cli_test
}  // namespace strata
