// Derived bar tables end to end (src/tier/derived_bars.h, src/cli/query_derived_bars.h): declared
// with `table create --bars`, kept exact through flush, late data, migration and retention, read
// as tables of their own, and used by `query --bars` with results equal to bars computed from raw
// rows (the reference is the same query with --where, which always reads raw rows). Also a
// crash at every write/fsync/rename of a flush that updates bars.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <sstream>

#include "bars/bar_kernel.h"
#include "io/fault_injection_fs.h"
#include "lake_test_util.h"
#include "testutil/cli_runner.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
using testing::TempDir;

class BarsDerivedTest : public ::testing::Test {
 protected:
  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + dir_.Join("db") + " " + args); }
  // Runs a query and returns its CSV; fails the test on error.
  std::string Query(const std::string& args, std::string* err = nullptr) {
    CliRun r = Strata("query " + args + " --format csv");
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    if (err) *err = r.err;
    return r.out;
  }
  // `query trades --bars I ...` through the derived table (checked with --explain) equals the
  // same bars from raw rows: every column exactly, except vwap within 1e-12 relative when
  // `exact_vwap` is false.
  void ExpectDerivedEqualsRaw(const std::string& interval, const std::string& range, bool exact_vwap) {
    SCOPED_TRACE("--bars " + interval + " " + range);
    std::string err;
    const std::string derived = Query("trades --bars " + interval + " " + range + " --explain", &err);
    EXPECT_NE(err.find("from trades_bars_"), std::string::npos) << err;
    const std::string raw = Query("trades --bars " + interval + " " + range + " --where 'size >= 0'");
    ASSERT_GT(raw.size(), 60u);
    if (exact_vwap) {
      EXPECT_EQ(derived, raw);
      return;
    }
    std::istringstream a(derived), b(raw);
    std::string la, lb;
    size_t lines = 0;
    while (std::getline(a, la)) {
      ASSERT_TRUE(std::getline(b, lb));
      ++lines;
      std::vector<std::string> fa, fb;
      std::istringstream sa(la), sb(lb);
      for (std::string f; std::getline(sa, f, ',');) fa.push_back(f);
      for (std::string f; std::getline(sb, f, ',');) fb.push_back(f);
      ASSERT_EQ(fa.size(), 9u) << la;
      ASSERT_EQ(fa.size(), fb.size());
      for (size_t i = 0; i < fa.size(); ++i) {
        if (i == 7 && lines > 1) {
          EXPECT_NEAR(std::stod(fa[i]), std::stod(fb[i]), 1e-12 * std::fabs(std::stod(fb[i]))) << la << "\n" << lb;
        } else {
          EXPECT_EQ(fa[i], fb[i]) << la << "\n" << lb;
        }
      }
    }
    EXPECT_FALSE(std::getline(b, lb)) << "raw has more rows";
  }
  size_t Lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

  TempDir dir_;
};

TEST_F(BarsDerivedTest, KeptExactThroughFlushLateDataMigrationAndRetention) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  CliRun r = Strata("table create trades --template trades --dedup-key trade_id --bars 1m,1d");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("derived: trades_bars_1m"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("derived: trades_bars_1d"), std::string::npos) << r.out;
  r = Strata("table show trades_bars_1m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"derived_from\":\"trades\""), std::string::npos) << r.out;

  const std::string a = dir_.Join("a.csv"), b = dir_.Join("b.csv"), c = dir_.Join("c.csv");
  ASSERT_EQ(Strata("gen trades --symbols 3 --rows 30000 --date 2026-03-02 --out " + a).exit_code, 0);
  ASSERT_EQ(Strata("gen trades --symbols 3 --rows 3000 --date 2026-03-02 --seed 7 --out " + b).exit_code, 0);
  ASSERT_EQ(Strata("gen trades --symbols 3 --rows 5000 --date 2026-03-03 --seed 9 --out " + c).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + a).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  EXPECT_GT(Lines(Query("trades_bars_1m")), 1000u);
  EXPECT_EQ(Lines(Query("trades_bars_1d")), 4u);  // header + 3 symbols
  ExpectDerivedEqualsRaw("1m", "", true);
  ExpectDerivedEqualsRaw("5m", "", false);
  ExpectDerivedEqualsRaw("1d", "", true);

  // Late rows for the flushed day, still hot: the day is computed from raw rows (minutes split
  // between flushed and hot rows), then flushed: the bar files are rebuilt from all rows.
  ASSERT_EQ(Strata("ingest trades " + b).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + c).exit_code, 0);
  ExpectDerivedEqualsRaw("1m", "", true);
  ExpectDerivedEqualsRaw("15m", "", false);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  const std::string bars_1m = Query("trades_bars_1m");
  ExpectDerivedEqualsRaw("1m", "", true);
  EXPECT_EQ(bars_1m, Query("trades --bars 1m --where 'size >= 0'"));  // the table itself
  ExpectDerivedEqualsRaw("1h", "", false);
  ExpectDerivedEqualsRaw("1d", "", true);
  // Unaligned ranges: the edges come from raw rows.
  ExpectDerivedEqualsRaw("1m", "--from 2026-03-02T15:00:30 --to 2026-03-03T15:10:45 -s AAPL", true);
  ExpectDerivedEqualsRaw("5m", "--from 2026-03-02T15:00:30 --to 2026-03-02T16:10:45", false);

  // Ingesting the first file again: duplicates in warm until migration removes them; the bars
  // follow the rows a scan returns in both states.
  ASSERT_EQ(Strata("ingest trades " + a).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  ExpectDerivedEqualsRaw("1m", "", true);
  r = Strata("migrate --all");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectDerivedEqualsRaw("1m", "", true);
  ExpectDerivedEqualsRaw("1d", "", true);
  EXPECT_EQ(Query("trades_bars_1m"), bars_1m);  // dedup brought back the rows of before
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // Retention removes the bars with their source rows.
  ASSERT_EQ(Strata("table set-policy trades --cold-days 1").exit_code, 0);
  ASSERT_EQ(Strata("retention").exit_code, 0);
  EXPECT_EQ(Lines(Query("trades_bars_1m")), 1u);  // the header only
  EXPECT_EQ(Lines(Query("trades_bars_1d")), 1u);
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(BarsDerivedTest, BarsDeclaredOnATableWithDataAreBuilt) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  const std::string a = dir_.Join("a.csv");
  ASSERT_EQ(Strata("gen trades --symbols 2 --rows 5000 --out " + a).exit_code, 0);
  ASSERT_EQ(Strata("ingest trades " + a).exit_code, 0);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  CliRun r = Strata("table set-policy trades --bars 30s");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Query("trades_bars_30s"), Query("trades --bars 30s --where 'size >= 0'"));
  ExpectDerivedEqualsRaw("90s", "", false);
  // A query no derived interval divides reads raw rows.
  std::string err;
  Query("trades --bars 45s --explain", &err);
  EXPECT_EQ(err.find("from trades_bars_"), std::string::npos) << err;
}

TEST_F(BarsDerivedTest, BadDeclarations) {
  ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  CliRun r = Strata("table create trades --template trades --bars 7m");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not divide a day"), std::string::npos) << r.err;
  r = Strata("table create trades --template trades --bars 2d");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("outside 1s..1d"), std::string::npos) << r.err;
  r = Strata("table create quotes --template quotes --bars 1m");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("price:f64"), std::string::npos) << r.err;
  EXPECT_NE(Strata("table show quotes").exit_code, 0);  // nothing was created
  ASSERT_EQ(Strata("table create quotes --template quotes").exit_code, 0);
  r = Strata("table set-policy quotes --bars 1m");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("price:f64"), std::string::npos) << r.err;
}

// ---- crash safety (in process, fault-injecting file system) ----

// Bars of `table`'s rows in the given tiers, per interval, computed by the kernel from a scan.
RecordBatch ExpectedBars(Database* db, int64_t interval, std::vector<std::string> tiers) {
  ScanRequest req;
  req.table = "trades";
  req.columns = {"ts", "symbol", "price", "size"};
  req.tiers = std::move(tiers);
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  RecordBatch all(bars::BarFields());
  for (const RecordBatch& b : *batches) {
    auto bars = bars::ComputeBars(b, interval);
    EXPECT_TRUE(bars.ok());
    EXPECT_TRUE(all.Append(*bars).ok());
  }
  return all;
}

RecordBatch DerivedTable(Database* db, const std::string& name) {
  ScanRequest req;
  req.table = name;
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  RecordBatch all(bars::BarFields());
  for (const RecordBatch& b : *batches) EXPECT_TRUE(all.Append(b).ok());
  return all;
}

void ExpectBarsMatch(Database* db, const std::vector<std::string>& tiers) {
  EXPECT_TRUE(DerivedTable(db, "trades_bars_1m").Equals(ExpectedBars(db, 60'000'000'000, tiers)));
  EXPECT_TRUE(DerivedTable(db, "trades_bars_1d").Equals(ExpectedBars(db, testing::kDayNs, tiers)));
}

TEST(BarsDerivedCrashTest, CrashAtEveryOpOfAFlushThatUpdatesBars) {
  testing::PreferMemoryTmpDir();
  auto setup = [](Database* db, std::vector<RecordBatch>* appended) {
    TableDef def{"trades", *Schema::Template("trades"), "trade_id", R"({"bars":["1m","1d"]})"};
    ASSERT_OK(db->CreateTable(def));
    RecordBatch first = testing::Trades(200, 2, testing::kMar2 + 86'000'000'000'000, 7, 0);  // crosses midnight
    ASSERT_OK(db->Append("trades", first));
    appended->push_back(first);
    ASSERT_OK_AND_ASSIGN(TierRunResult flushed, db->Flush());
    // Every series-day's bars come from the rows just written: none is read back.
    std::set<std::pair<std::string, int64_t>> series_days;
    for (size_t i = 0; i < first.num_rows(); ++i) {
      series_days.emplace(first.column(1).GetString(i), first.column(0).int64s()[i] / testing::kDayNs);
    }
    EXPECT_EQ(flushed.bar_days_rebuilt, series_days.size());
    EXPECT_EQ(flushed.bar_days_read, 0u);
    RecordBatch late = testing::Trades(100, 2, testing::kMar2 + 86'100'000'000'000, 8, 5000);  // same minutes
    ASSERT_OK(db->Append("trades", late));
    appended->push_back(late);
  };
  testing::CrashScenario c;
  c.setup = setup;
  c.min_ops = 8;
  c.run = [](Database* db) -> Status {
    ASSIGN_OR_RETURN(TierRunResult late, db->Flush());
    // The late rows join days that have a part already: those days are read back.
    EXPECT_GT(late.bar_days_read, 0u);
    EXPECT_EQ(late.bar_days_read, late.bar_days_rebuilt);
    return Status::OK();
  };
  c.after_success = [](Database* db) { ExpectBarsMatch(db, {}); };
  c.after_crash = [](Database* db, const std::vector<RecordBatch>&) {
    // The bars equal the bars of the flushed rows (warm + cold), whichever state the crash left.
    ExpectBarsMatch(db, {"warm", "cold"});
    ASSERT_OK(db->Flush());
    ExpectBarsMatch(db, {});
  };
  testing::CrashAtEveryOp(c);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
