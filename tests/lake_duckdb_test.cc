// The lake as DuckDB (from npm) reads it: read_parquet('<root>/warm/trades/**/*.parquet',
// hive_partitioning = true) and the cold equivalent return exactly the rows our scan returns, and
// the partition values DuckDB derives from the paths agree with the rows' timestamps.
//
// Needs node and @duckdb/node-api, installed by tools/interop/setup.sh into
// ${STRATA_CACHE:-$HOME/.cache/strata}/npm (or $STRATA_NPM_DIR). Fails loudly without them.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lake_test_util.h"
#include "testutil/node_runner.h"

namespace strata {
namespace STRATA_UNITY_ID {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::kDayNs;
using testing::kMar2;
using testing::NpmDir;
using testing::RunNode;
using testing::TestOptions;
using testing::Trades;

// Our scan as the rows DuckDB prints (same order: symbol, ts, trade_id).
std::vector<json> OurRows(Database* db, bool cold) {
  std::vector<json> out;
  for (const RecordBatch& b : testing::ScanAll(db)) {
    std::vector<size_t> order(b.num_rows());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      return std::make_pair(b.column(0).int64s()[x], b.column(4).int64s()[x]) <
             std::make_pair(b.column(0).int64s()[y], b.column(4).int64s()[y]);
    });
    for (size_t r : order) {
      const int64_t ts = b.column(0).int64s()[r];
      std::string part = FormatDate(ts);
      if (cold) part = part.substr(0, 7);
      out.push_back(json::array({std::string(b.column(1).GetString(r)), std::to_string(ts), b.column(2).doubles()[r],
                                 std::to_string(b.column(3).int64s()[r]), std::to_string(b.column(4).int64s()[r]),
                                 std::string(b.column(5).GetString(r)), part}));
    }
  }
  return out;
}

void ExpectDuckDbReads(const std::string& npm, const std::string& glob, const std::vector<json>& want) {
  auto out = RunNode(npm, "lake_duckdb.mjs '" + glob + "'");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<json> got;
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) got.push_back(json::parse(line));
  ASSERT_EQ(got.size(), want.size()) << glob;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], want[i]) << "row " << i << " of " << glob;
  }
}

TEST(LakeDuckDbTest, WarmAndColdReadByDuckDbEqualOurScan) {
  const std::string npm = NpmDir();
  ASSERT_EQ(std::system("node --version > /dev/null 2>&1"), 0) << "node is not installed; run tools/interop/setup.sh";
  ASSERT_TRUE(fs::exists(npm + "/node_modules/@duckdb/node-api"))
      << "run tools/interop/setup.sh (installs into " << npm << ")";
  std::error_code ec;
  fs::copy_file(fs::path(__FILE__).parent_path() / "lake_duckdb.mjs", fs::path(npm) / "lake_duckdb.mjs",
                fs::copy_options::overwrite_existing, ec);
  ASSERT_FALSE(ec) << ec.message();

  testing::TempDir dir;
  const std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "none"}));
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, TestOptions()));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
  // Three days over a month boundary, four symbols, a late batch (a second part), a duplicate.
  RecordBatch a = Trades(3000, 4, kMar2 - 2 * kDayNs + 86'000'000'000'000LL, 1, 0);
  ASSERT_OK(db->Append("trades", a));
  ASSERT_OK(db->Flush());
  ASSERT_OK(db->Append("trades", Trades(500, 4, kMar2 - 2 * kDayNs + 86'000'500'000'000LL, 2, 100'000)));
  ASSERT_OK(db->Flush());
  ExpectDuckDbReads(npm, root + "/warm/trades/**/*.parquet", OurRows(db.get(), false));

  ASSERT_OK(db->Append("trades", a.Slice(0, 100)));  // duplicates: gone in cold
  ASSERT_OK(db->Flush());
  MigrateOptions all;
  all.all = true;
  ASSERT_OK(db->Migrate(all));
  EXPECT_EQ(testing::TierRows(db.get(), "warm"), 0u);
  EXPECT_EQ(testing::TierRows(db.get(), "cold"), 3500u);
  ExpectDuckDbReads(npm, root + "/cold/trades/**/*.parquet", OurRows(db.get(), true));
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
