// `strata query` end to end: ingest generated trades and quotes, run bars, as-of, filters and
// the output options through the real binary, and check the answers against the operators run
// directly on the same generated data.
#include <gtest/gtest.h>

#include <sstream>

#include "gen/market_gen.h"
#include "parquet/parquet_reader.h"
#include "query/asof.h"
#include "query/bars.h"
#include "strata/timestamp.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
using testing::RunStrata;

class QueryCli : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = "--root " + tmp_.Join("db") + " ";
    ASSERT_EQ(Run("init").exit_code, 0);
    ASSERT_EQ(Run("table create trades --template trades").exit_code, 0);
    ASSERT_EQ(Run("table create quotes --template quotes").exit_code, 0);
    ASSERT_EQ(
        Run("gen trades --symbols 3 --rows 20000 --seed 4 --date 2026-03-02 --out " + tmp_.Join("t.csv")).exit_code, 0);
    ASSERT_EQ(
        Run("gen quotes --symbols 3 --rows 40000 --seed 4 --date 2026-03-02 --out " + tmp_.Join("q.csv")).exit_code, 0);
    ASSERT_EQ(Run("ingest -q trades " + tmp_.Join("t.csv")).exit_code, 0);
    ASSERT_EQ(Run("ingest -q quotes " + tmp_.Join("q.csv")).exit_code, 0);
  }
  CliRun Run(const std::string& args) { return RunStrata(scratch_, root_ + args); }

  // The generated rows of one kind for `symbol`, in ts order.
  static RecordBatch Generated(GenKind kind, int64_t rows, const std::string& symbol) {
    GenOptions o;
    o.kind = kind;
    o.symbols = 3;
    o.rows = rows;
    o.seed = 4;
    o.day_start_ns = DaysFromCivil(2026, 3, 2) * kNanosPerDay;
    MarketGenerator gen(o);
    RecordBatch all(gen.schema());
    RecordBatch b;
    std::vector<uint32_t> keep;
    while (gen.Next(&b)) {
      keep.clear();
      for (size_t r = 0; r < b.num_rows(); ++r) {
        if (b.column(1).GetString(r) == symbol) keep.push_back(static_cast<uint32_t>(r));
      }
      EXPECT_OK(all.Append(b.Take(keep)));
    }
    return all;
  }

  static std::string Csv(const RecordBatch& b) {
    std::string s;
    for (size_t i = 0; i < b.num_columns(); ++i) s += (i ? "," : "") + b.fields()[i].name;
    s += "\n";
    for (size_t r = 0; r < b.num_rows(); ++r) s += b.RowToString(r) + "\n";
    return s;
  }

  testing::TempDir tmp_, scratch_;
  std::string root_;
};

// Our CSV prints timestamps as ISO; RowToString prints ns. Compare through the Parquet output.
TEST_F(QueryCli, BarsAndAsofEqualTheOperatorsOnGeneratedData) {
  const std::string bars_path = tmp_.Join("bars.parquet");
  CliRun r = Run("query trades -s MSFT --bars 5m --out " + bars_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rows to"), std::string::npos) << r.err;
  ASSERT_OK_AND_ASSIGN(RecordBatch got, parquet::ReadParquetFile(DefaultFileSystem(), bars_path));
  RecordBatch trades = Generated(GenKind::kTrades, 20000, "MSFT");
  ASSERT_OK_AND_ASSIGN(auto bars,
                       query::MakeBarsStream(query::MakeVectorStream(trades.fields(), {trades}), 5 * kNanosPerMinute));
  ASSERT_OK_AND_ASSIGN(RecordBatch want, query::Collect(bars.get()));
  ASSERT_GT(want.num_rows(), 10u);
  EXPECT_EQ(Csv(got), Csv(want));

  const std::string aj_path = tmp_.Join("aj.parquet");
  r = Run("query trades -s MSFT --asof quotes --tolerance 5ms --out " + aj_path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_OK_AND_ASSIGN(RecordBatch got_aj, parquet::ReadParquetFile(DefaultFileSystem(), aj_path));
  RecordBatch quotes = Generated(GenKind::kQuotes, 40000, "MSFT");
  query::AsofOptions o;
  o.tolerance_ns = 5 * kNanosPerMilli;
  ASSERT_OK_AND_ASSIGN(auto aj, query::MakeAsofJoinStream(query::MakeVectorStream(trades.fields(), {trades}),
                                                          query::MakeVectorStream(quotes.fields(), {quotes}), o));
  ASSERT_OK_AND_ASSIGN(RecordBatch want_aj, query::Collect(aj.get()));
  EXPECT_EQ(got_aj.num_rows(), trades.num_rows());
  EXPECT_EQ(Csv(got_aj), Csv(want_aj));
}

TEST_F(QueryCli, WhereLimitColumnsMergeAndFormats) {
  CliRun r = Run("query trades --where \"size >= 5000 and symbol != 'AAPL'\" --columns ts,symbol,size --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "ts,symbol,size");
  int n = 0;
  std::string last_symbol;
  while (std::getline(lines, line)) {
    ++n;
    std::string symbol = line.substr(line.find(',') + 1, line.rfind(',') - line.find(',') - 1);
    EXPECT_NE(symbol, "AAPL");
    EXPECT_GE(std::stoll(line.substr(line.rfind(',') + 1)), 5000) << line;
    EXPECT_GE(symbol, last_symbol) << "grouped by symbol";
    last_symbol = symbol;
  }
  EXPECT_GT(n, 0);

  r = Run("query trades --merge --limit 50 --columns ts --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream ts_lines(r.out);
  std::getline(ts_lines, line);
  std::string prev;
  int count = 0;
  while (std::getline(ts_lines, line)) {
    EXPECT_GE(line, prev) << "merged output is in ts order";  // fixed-width ISO text sorts like time
    prev = line;
    ++count;
  }
  EXPECT_EQ(count, 50);

  r = Run("query trades -s AAPL --bars 1h --format json --limit 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
  EXPECT_NE(r.out.find("\"vwap\":"), std::string::npos) << r.out;

  r = Run("query trades -s AAPL --bars 1m --repeat 3 --explain --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("median"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bars 1m"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("scan trades"), std::string::npos) << r.err;
}

TEST_F(QueryCli, EmptyResultsAndErrors) {
  // A symbol that does not exist: the header only, exit 0 (also through bars and as-of).
  for (std::string extra : {"", " --bars 1m", " --asof quotes"}) {
    CliRun r = Run("query trades -s NOPE --format csv" + extra);
    EXPECT_EQ(r.exit_code, 0) << extra << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << extra << ": " << r.out;
  }
  // An empty range and a range on another day.
  CliRun r = Run("query trades --from 2026-03-02T15:00 --to 2026-03-02T15:00 --format csv");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  // The rows are all hot (nothing flushed): a hint without hot reads nothing; a bad tier is an error.
  r = Run("query trades --tiers warm,cold --format csv");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);

  struct Bad {
    std::string args, message;
  };
  for (const Bad& b : std::vector<Bad>{
           {"query trades --from 2026-03-03 --to 2026-03-02", "is after --to"},
           {"query trades --bars 2d", "outside 1s..1d"},
           {"query trades --where \"price >\"", "expected a value after '>'"},
           {"query trades --where \"prize > 1\"", "unknown column 'prize'"},
           {"query trades --asof quotes --direction up", "not prev or next"},
           {"query trades --tolerance 1s", "--tolerance needs --asof"},
           {"query trades --asof quotes --bars 1m", "cannot be combined"},
           {"query trades --tiers hot,lukewarm", "unknown tier 'lukewarm'"},
           {"query trades --repeat 0", "--repeat must be at least 1"},
           {"query trades --asof nope", "nope"},
           {"query trades --columns ts,nope", "nope"},
       }) {
    CliRun r2 = Run(b.args);
    EXPECT_NE(r2.exit_code, 0) << b.args;
    EXPECT_NE(r2.err.find("strata: error:"), std::string::npos) << b.args << ": " << r2.err;
    EXPECT_NE(r2.err.find(b.message), std::string::npos) << b.args << ": " << r2.err;
  }
}

// The same answers once the rows are in warm and cold files, --explain naming what the scan
// pruned and read, and --limit stopping the scan early.
TEST_F(QueryCli, TieredScanExplainAndLimit) {
  const std::string q = "query trades -s MSFT --from 2026-03-02T15:00 --to 2026-03-02T16:00 --format csv";
  CliRun hot = Run(q);
  ASSERT_EQ(hot.exit_code, 0) << hot.err;
  ASSERT_GT(std::count(hot.out.begin(), hot.out.end(), '\n'), 100);
  ASSERT_EQ(
      Run("gen trades --symbols 3 --rows 20000 --seed 5 --date 2026-03-03 --out " + tmp_.Join("t2.csv")).exit_code, 0);
  ASSERT_EQ(Run("ingest -q trades " + tmp_.Join("t2.csv")).exit_code, 0);
  ASSERT_EQ(Run("flush").exit_code, 0);
  CliRun warm = Run(q + " --explain");
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  EXPECT_EQ(warm.out, hot.out);
  EXPECT_NE(warm.err.find("files: 1 listed by the catalog, 0 pruned (symbol/tier), 1 read"), std::string::npos)
      << warm.err;
  EXPECT_NE(warm.err.find("row groups: 1 of 1 read"), std::string::npos) << warm.err;
  EXPECT_NE(warm.err.find("pages (partially read row groups)"), std::string::npos) << warm.err;
  ASSERT_EQ(Run("migrate -q --before 2026-03-03").exit_code, 0);
  CliRun cold = Run(q + " --explain");
  ASSERT_EQ(cold.exit_code, 0) << cold.err;
  EXPECT_EQ(cold.out, hot.out);
  EXPECT_NE(cold.err.find("1 read"), std::string::npos) << cold.err;
  // --tiers hot now finds nothing; --tiers cold everything.
  CliRun none = Run(q + " --tiers hot");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(std::count(none.out.begin(), none.out.end(), '\n'), 1);
  EXPECT_EQ(Run(q + " --tiers cold").out, hot.out);

  // --limit: the scan stops after the first batch (the two-day range holds several).
  CliRun lim = Run("query trades --limit 5 --format csv --explain");
  ASSERT_EQ(lim.exit_code, 0) << lim.err;
  EXPECT_EQ(std::count(lim.out.begin(), lim.out.end(), '\n'), 6);
  EXPECT_NE(lim.err.find("files: 6 listed by the catalog, 0 pruned (symbol/tier), 1 read"), std::string::npos)
      << lim.err;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
