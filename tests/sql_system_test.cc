// The rest of `strata sql` end to end on a small lake with rows in hot, warm and cold: EXPLAIN
// [ANALYZE] (shape, and pruning counts that match the lake), the system tables against `strata
// stats` / `strata run list` / `strata model list`, INSERT VALUES and INSERT SELECT read back (also
// after a flush) and their errors (a failed INSERT changes nothing), scripts from -f and stdin,
// --out Parquet, and the shell over a pipe and a pseudo-terminal.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
using testing::RunStrata;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class SqlSystem : public ::testing::Test {
 protected:
  // Three symbols on two days: the first day migrated to cold (one file per series-month), the
  // second warm (one file per series-day), plus hot rows of a third day. Built once, copied for
  // each test (the tests write to their copy).
  static void SetUpTestSuite() {
    lake_ = new testing::TempDir();
    testing::TempDir scratch;
    const std::string root = "--root " + lake_->Join("db") + " ";
    auto ok = [&](const std::string& args) { return RunStrata(scratch, root + args).exit_code == 0; };
    const int rows = testing::Sanitized() ? 1500 : 6000;
    lake_ok_ = ok("init") && ok("table create trades --template trades");
    for (const char* day : {"2026-03-02", "2026-03-03", "2026-03-04"}) {
      const std::string csv = lake_->Join(std::string(day) + ".csv");
      lake_ok_ =
          lake_ok_ &&
          ok("gen trades --symbols 3 --rows " + std::to_string(rows) + " --seed 7 --date " + day + " --out " + csv) &&
          ok("ingest -q trades " + csv);
      if (std::string(day) == "2026-03-03") lake_ok_ = lake_ok_ && ok("flush") && ok("migrate -q --before 2026-03-03");
    }
  }
  static void TearDownTestSuite() {
    delete lake_;
    lake_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(lake_ok_) << "building the lake failed";
    root_ = "--root " + tmp_.Join("db") + " ";
    ASSERT_EQ(std::system(("cp -a " + lake_->Join("db") + " " + tmp_.Join("db")).c_str()), 0);
  }
  CliRun Run(const std::string& args, const std::string& input = "") {
    return RunStrata(scratch_, root_ + args, input);
  }
  // The single value a query returns (CSV without its header).
  std::string Value(const std::string& sql) {
    CliRun r = Run("sql \"" + sql + "\" --format csv");
    EXPECT_EQ(r.exit_code, 0) << sql << "\n" << r.err;
    std::vector<std::string> l = Lines(r.out);
    EXPECT_EQ(l.size(), 2u) << r.out;
    return l.size() == 2 ? l[1] : "";
  }
  // `strata stats`: (table, tier) -> {rows, files} (files "-" for hot becomes 0).
  std::map<std::string, std::pair<std::string, std::string>> Stats() {
    CliRun r = Run("stats");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const std::string& line : Lines(r.out)) {
      std::istringstream in(line);
      std::string table, tier, rows, bytes, unit, series, files;
      in >> table >> tier >> rows >> bytes >> unit >> series >> files;
      if (table != "trades") continue;
      rows.erase(std::remove(rows.begin(), rows.end(), ','), rows.end());
      out[tier] = {rows, files == "-" ? "0" : files};
    }
    return out;
  }

  static inline testing::TempDir* lake_ = nullptr;
  static inline bool lake_ok_ = false;
  testing::TempDir tmp_, scratch_;
  std::string root_;
};

TEST_F(SqlSystem, ExplainShowsTheStagesAndPrunesByCatalog) {
  const std::string q =
      "SELECT symbol, count(*) AS n FROM trades WHERE symbol = 'AAPL' AND ts >= '2026-03-03' AND "
      "ts < '2026-03-04' AND size > 100 GROUP BY symbol ORDER BY n DESC LIMIT 5";
  CliRun r = Run("sql \"EXPLAIN " + q + "\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> l = Lines(r.out);
  ASSERT_GT(l.size(), 10u) << r.out;
  EXPECT_EQ(l[0], "plan");
  EXPECT_EQ(l[1], "EXPLAIN (stages from input to output)");
  // The stages in order, input first.
  std::vector<std::string> stages;
  for (const std::string& s : l) {
    if (s.rfind("\"  ", 0) == 0 && s.rfind("\"      ", 0) != 0 && !Has(s, ":")) stages.push_back(s);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"\"  scan trades\"", "\"  where\"", "\"  hash group by\"", "\"  top-n\"",
                                              "\"  select\""}))
      << r.out;
  EXPECT_TRUE(Has(r.out, "scan trades: symbols AAPL; ts >= 2026-03-03T00:00:00Z and < 2026-03-04T00:00:00Z")) << r.out;
  // Warm: one file per series-day (3), the scan keeps AAPL's; cold: one per series-month (3), none
  // overlaps the range.
  EXPECT_TRUE(Has(r.out, "warm: files 3 (")) << r.out;
  EXPECT_TRUE(Has(r.out, "pruned by the catalog 2; to read 1 (")) << r.out;
  EXPECT_TRUE(Has(r.out, "cold: files 3 (")) << r.out;
  EXPECT_TRUE(Has(r.out, "pruned by the catalog 3; to read 0 (0 rows, 0 bytes)")) << r.out;
  auto stats = Stats();
  EXPECT_EQ(stats["warm"].second, "3");
  EXPECT_EQ(stats["cold"].second, "3");

  // ANALYZE runs it: rows per stage, and the scan decoded what the answer counts.
  const std::string n = Value(
      "SELECT count(*) FROM trades WHERE symbol = 'AAPL' AND ts >= '2026-03-03' AND "
      "ts < '2026-03-04'");
  // (sum(size) keeps the file from being answered by its statistics: the rows are decoded.)
  r =
      Run("sql \"EXPLAIN ANALYZE SELECT count(*), sum(size) FROM trades WHERE symbol = 'AAPL' AND ts >= '2026-03-03' "
          "AND ts < '2026-03-04'\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "EXPLAIN ANALYZE (stages from input to output)")) << r.out;
  EXPECT_TRUE(Has(r.out, "\"  scan trades  rows " + n + "  batches")) << r.out;
  EXPECT_TRUE(Has(r.out, "\"  aggregate  rows 1  batches 1")) << r.out;
  EXPECT_TRUE(Has(r.out, "files: 1 listed, 0 pruned, 1 read")) << r.out;
  EXPECT_TRUE(Has(r.out, "rows returned " + n + " (0 from hot)")) << r.out;
  EXPECT_TRUE(Has(r.out, "row groups: ")) << r.out;
  EXPECT_EQ(Lines(r.out).back(), "rows 1; total " + Lines(r.out).back().substr(Lines(r.out).back().find("total ") + 6))
      << r.out;
  // count(*) alone of that whole file: the catalog's row count answers, no file is opened.
  r =
      Run("sql \"EXPLAIN ANALYZE SELECT count(*) FROM trades WHERE symbol = 'AAPL' AND ts >= '2026-03-03' AND "
          "ts < '2026-03-04'\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "files: 1 listed, 0 pruned, 0 read (0 with a cached footer), 1 answered from statistics"))
      << r.out;
  EXPECT_TRUE(Has(r.out, "rows returned 0 (0 from hot)")) << r.out;
  // Errors keep their positions; EXPLAIN of a non-SELECT is refused by name.
  r = Run("sql \"EXPLAIN SELECT prcie FROM trades\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 1, column 16: no column 'prcie'")) << r.err;
}

TEST_F(SqlSystem, SystemTablesAgreeWithStatsRunsAndModels) {
  auto stats = Stats();
  ASSERT_EQ(stats.size(), 3u);
  EXPECT_EQ(Value("SELECT hot_rows || '/' || warm_rows || '/' || cold_rows || '/' || warm_files || '/' || cold_files "
                  "FROM strata_tables WHERE name = 'trades'"),
            stats["hot"].first + "/" + stats["warm"].first + "/" + stats["cold"].first + "/" + stats["warm"].second +
                "/" + stats["cold"].second);
  EXPECT_EQ(Value("SELECT columns FROM strata_tables"),
            "\"ts:timestamp,symbol:symbol,price:f64,size:i64,trade_id:i64,exchange:string\"");  // CSV-quoted
  // strata_files: per tier, the files and rows stats counts.
  CliRun r =
      Run("sql \"SELECT tier, count(*) AS files, sum(rows) AS rows FROM strata_files WHERE table_name = "
          "'trades' GROUP BY tier ORDER BY tier\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "tier,files,rows\ncold," + stats["cold"].second + "," + stats["cold"].first + "\nwarm," +
                       stats["warm"].second + "," + stats["warm"].first + "\n");
  EXPECT_EQ(Value("SELECT count(*) FROM strata_files WHERE min_ts >= TIMESTAMP '2026-03-03' AND symbol = 'MSFT'"), "1");

  // strata_runs: the runs `strata run list` shows (flush and migrate recorded theirs).
  r = Run("run list --format json --limit 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const size_t runs = Lines(r.out).size();
  ASSERT_GE(runs, 2u);
  EXPECT_EQ(Value("SELECT count(*) FROM strata_runs"), std::to_string(runs));
  EXPECT_EQ(Value("SELECT count(*) FROM strata_runs WHERE kind = 'migrate' AND status = 'ok' AND finished_at >= "
                  "started_at"),
            "1");

  // strata_models: one row per version, as `strata model list NAME` prints them.
  EXPECT_EQ(Value("SELECT count(*) FROM strata_models"), "0");
  testing::WriteTextFile(tmp_.Join("m1.bin"), std::string(50000, 'a'));
  testing::WriteTextFile(tmp_.Join("m2.bin"), std::string(70000, 'b'));
  ASSERT_EQ(Run("model put alpha " + tmp_.Join("m1.bin")).exit_code, 0);
  ASSERT_EQ(Run("model put alpha " + tmp_.Join("m2.bin")).exit_code, 0);
  ASSERT_EQ(Run("model promote alpha@2 --stage production").exit_code, 0);
  r = Run("model list alpha");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(r.out).size(), 2u);
  r = Run("sql \"SELECT name, version, stage, bytes FROM strata_models ORDER BY version\" --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "name,version,stage,bytes\nalpha,1,staging,50000\nalpha,2,production,70000\n");

  // Not in SHOW TABLES (as DuckDB and QuestDB list only user tables); a user table of the same
  // name would win; they cannot be written.
  EXPECT_EQ(Run("sql 'SHOW TABLES' --format csv").out, "name\ntrades\n");
  r = Run("sql \"INSERT INTO strata_runs (id) VALUES (1)\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "strata_runs is a system table; it cannot be written")) << r.err;
}

TEST_F(SqlSystem, InsertValuesAndSelectReadBackAlsoAfterFlush) {
  ASSERT_EQ(Run("table create notes --schema ts:timestamp,symbol:symbol,v:i64,note:string?").exit_code, 0);
  CliRun r =
      Run("sql \"INSERT INTO notes VALUES (TIMESTAMP '2026-03-05 10:00:00', 'AAPL', 1, 'a'), "
          "('2026-03-05 10:00:01', 'AAPL', '2', NULL); INSERT INTO notes (symbol, ts, v) VALUES ('MSFT', "
          "'2026-03-05T10:00:02.5Z', -3)\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "INSERT 0 2\nINSERT 0 1\n");
  const std::string want =
      "ts,symbol,v,note\n2026-03-05T10:00:00Z,AAPL,1,a\n2026-03-05T10:00:01Z,AAPL,2,\n"
      "2026-03-05T10:00:02.500Z,MSFT,-3,\n";
  r = Run("sql 'SELECT * FROM notes ORDER BY ts' --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, want);
  ASSERT_EQ(Run("flush").exit_code, 0);
  EXPECT_EQ(Run("sql 'SELECT * FROM notes ORDER BY ts' --format csv").out, want);
  EXPECT_EQ(Value("SELECT warm_rows FROM strata_tables WHERE name = 'notes'"), "3");

  // INSERT ... SELECT: a day of AAPL trades into notes, converted (size i64 -> v).
  const std::string n = Value("SELECT count(*) FROM trades WHERE symbol = 'AAPL' AND ts >= '2026-03-04'");
  r =
      Run("sql \"INSERT INTO notes (ts, symbol, v) SELECT ts, symbol, size FROM trades WHERE symbol = 'AAPL' AND "
          "ts >= '2026-03-04'\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "INSERT 0 " + n + "\n");
  EXPECT_EQ(Value("SELECT sum(v) FROM notes WHERE ts >= '2026-03-04' AND ts < '2026-03-05'"),
            Value("SELECT sum(size) FROM trades WHERE symbol = 'AAPL' AND ts >= '2026-03-04'"));
  // The same rows again: appended, and every read drops them as duplicates (no dedup key: equal
  // in every column), so the count stays.
  r =
      Run("sql \"INSERT INTO notes (ts, symbol, v) SELECT ts, symbol, size FROM trades WHERE symbol = 'AAPL' AND "
          "ts >= '2026-03-04'\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, n + " of them duplicate rows already stored")) << r.err;
  EXPECT_EQ(Value("SELECT count(*) FROM notes"), std::to_string(3 + std::stoll(n)));
}

TEST_F(SqlSystem, AFailedInsertChangesNothingAndSaysWhere) {
  ASSERT_EQ(Run("table create notes --schema ts:timestamp,symbol:symbol,v:i64,note:string?").exit_code, 0);
  auto count = [&] { return Value("SELECT count(*) FROM notes"); };
  ASSERT_EQ(count(), "0");
  // The second row's value does not convert: the first is not appended either.
  CliRun r =
      Run("sql \"INSERT INTO notes VALUES ('2026-03-05 10:00', 'A', 1, 'x'),\n  ('2026-03-05 10:01', 'A', "
          "'many', 'y')\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 2, column 29: column 'v' (i64): 'many' is not an integer")) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  r = Run("sql \"INSERT INTO notes VALUES ('yesterday', 'A', 1, 'x')\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 1, column 27: column 'ts' (timestamp): 'yesterday' is not a timestamp")) << r.err;
  r = Run("sql \"INSERT INTO notes (ts, v) VALUES ('2026-03-05 10:00', 1)\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "column 'symbol' of notes is NOT NULL and gets no value")) << r.err;
  r = Run("sql \"INSERT INTO notes VALUES ('2026-03-05 10:00', 'A', NULL, 'x')\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 1, column 52: NULL in column 'v', which is NOT NULL")) << r.err;
  r = Run("sql \"INSERT INTO notes VALUES ('2026-03-05 10:00', 'A', 1)\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 1, column 27: VALUES row 1 has 3 values for 4 columns")) << r.err;
  r = Run("sql \"INSERT INTO notes (ts, symbol, vv) VALUES ('2026-03-05 10:00', 'A', 1)\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "no column 'vv' in notes")) << r.err;
  // INSERT ... SELECT whose rows fail late (NVDA's, after AAPL's and MSFT's): nothing appended.
  r =
      Run("sql \"INSERT INTO notes (ts, symbol, v) SELECT ts, symbol, CASE WHEN symbol = 'NVDA' THEN 'big' ELSE '1' "
          "END FROM trades\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 1, column 54: SELECT row ")) << r.err;
  EXPECT_FALSE(Has(r.err, "SELECT row 1:")) << r.err;
  EXPECT_TRUE(Has(r.err, "column 'v' (i64): 'big' is not an integer")) << r.err;
  r = Run("sql \"INSERT INTO notes SELECT ts, symbol FROM trades\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 1, column 19: the SELECT gives 2 columns for 4 target columns")) << r.err;
  EXPECT_EQ(count(), "0");
  // A statement of a script that fails to parse stops the script before anything runs.
  r = Run("sql \"INSERT INTO notes VALUES ('2026-03-05 10:00', 'A', 1, 'x'); SELEC 1\"");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count(), "0");
}

TEST_F(SqlSystem, ScriptsFromFileAndStdinAndParquetOut) {
  testing::WriteTextFile(tmp_.Join("q.sql"),
                         "-- two statements\nSELECT count(*) AS n FROM trades WHERE symbol = 'AAPL';\n"
                         "SELECT symbol FROM trades GROUP BY 1 ORDER BY 1;\n");
  CliRun r = Run("sql -f " + tmp_.Join("q.sql") + " --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string n = Value("SELECT count(*) FROM trades WHERE symbol = 'AAPL'");
  EXPECT_EQ(r.out, "n\n" + n + "\nsymbol\nAAPL\nMSFT\nNVDA\n");
  CliRun from_stdin = Run("sql -f - --format csv", testing::ReadTextFile(tmp_.Join("q.sql")));
  EXPECT_EQ(from_stdin.out, r.out) << from_stdin.err;

  // The shell over a pipe: plain lines, statements across lines, backslash commands.
  r = Run("sql --format csv",
          "SELECT 1 AS one;\n\\dt\nSELECT count(*) AS n\n  FROM trades\n  WHERE symbol = 'AAPL';\n\\q\n"
          "SELECT 'not reached';\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "one\n1\nname\ntrades\nn\n" + n + "\n");
  r = Run("sql --format csv", "SELECT 1;\nSELECT nope FROM trades;\nSELECT 2;\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "line 1, column 8: no column 'nope'")) << r.err;
  EXPECT_FALSE(Has(r.out, "2\n")) << r.out;

  // --out: Parquet with the lake's writer; read back with `strata parquet cat`.
  const std::string pq = tmp_.Join("aapl.parquet");
  r = Run("sql \"SELECT ts, price, size FROM trades WHERE symbol = 'AAPL' ORDER BY ts LIMIT 3\" --out " + pq);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, "wrote 3 rows to " + pq)) << r.err;
  CliRun cat = RunStrata(scratch_, "parquet cat " + pq + " --format csv");
  ASSERT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_EQ(
      cat.out,
      Run("sql \"SELECT ts, price, size FROM trades WHERE symbol = 'AAPL' ORDER BY ts LIMIT 3\" --format csv").out);
  r = Run("sql \"SELECT 1; SELECT 2\" --out " + pq);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Has(r.err, "--out writes the result of exactly one query")) << r.err;
}

// The interactive shell on a pseudo-terminal (python3's pty module drives it, waiting for each
// prompt and answer rather than sleeping): a statement over two lines, \dt, an error that does not
// end the session, \q, and the history file written under $HOME.
TEST_F(SqlSystem, InteractiveShellOnATerminal) {
  if (std::system("python3 -c 'import pty' >/dev/null 2>&1") != 0) GTEST_SKIP() << "python3 (pty) is not installed";
  const std::string script = tmp_.Join("shell.py");
  testing::WriteTextFile(script, R"PY(import os, pty, select, subprocess, sys
strata, root, home = sys.argv[1:4]
master, slave = pty.openpty()
env = dict(os.environ, HOME=home, TERM="dumb")
p = subprocess.Popen([strata, "--root", root, "sql", "--format", "csv"], stdin=slave, stdout=slave,
                     stderr=slave, env=env, close_fds=True)
os.close(slave)
buf = b""
def expect(text):
    global buf
    while text.encode() not in buf:
        r, _, _ = select.select([master], [], [], 30)
        if not r:
            sys.exit("timed out waiting for %r; got %r" % (text, buf))
        try:
            chunk = os.read(master, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            sys.exit("end of output waiting for %r; got %r" % (text, buf))
        buf += chunk
    buf = buf[buf.index(text.encode()) + len(text):]
def send(line):
    os.write(master, line.encode() + b"\r")
expect("strata> ")
send("SELECT 40 +")
expect("...> ")
send("2 AS answer;")
expect("\n42")
expect("strata> ")
send("\\dt")
expect("\ntrades")
expect("strata> ")
send("SELECT nope FROM trades;")
expect("error: line 1, column 8: no column 'nope'")
expect("strata> ")
send("\\q")
p.wait(timeout=30)
print("exit", p.returncode)
print(open(os.path.join(home, ".strata_sql_history")).read())
)PY");
  const std::string home = tmp_.Join("home");
  ASSERT_EQ(std::system(("mkdir -p " + home).c_str()), 0);
  const std::string out = tmp_.Join("pty.txt");
  const int status = std::system(
      ("python3 " + script + " " + testing::StrataBinary() + " " + tmp_.Join("db") + " " + home + " >" + out + " 2>&1")
          .c_str());
  const std::string text = testing::ReadTextFile(out);
  ASSERT_EQ(WEXITSTATUS(status), 0) << text;
  EXPECT_TRUE(Has(text, "exit 0")) << text;
  // libedit's history file: one entry per statement (spaces as \040, a line break as \012).
  EXPECT_TRUE(Has(text, "SELECT\\04040\\040+\\0122\\040AS\\040answer;")) << text;
  EXPECT_TRUE(Has(text, "\\134dt")) << text;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
