// End to end: a table's Iceberg metadata, read by icebird (an Iceberg reader on hyparquet, from
// npm) exactly as an engine would — version hint, metadata JSON, Avro manifest list and manifests,
// then the data files at the URIs the manifests give — returns the rows `strata query` returns,
// after a flush, late data, a compaction, a migration and a retention pass; an older metadata
// version gives the older rows (time travel); lost Iceberg commits are reported by `strata
// verify` and repaired by `strata iceberg rebuild`.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "s3_suite_server.h"
#include "strata/timestamp.h"
#include "testutil/cli_runner.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

namespace fs = std::filesystem;
using testing::CliRun;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// YYYY-MM-DD of now + days (UTC).
std::string DateFromNow(int days) {
  const std::time_t t = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

class IcebergIcebirdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    npm_ = testing::NpmDir();
    ASSERT_EQ(std::system("node --version > /dev/null 2>&1"), 0) << "node is not installed; run tools/interop/setup.sh";
    ASSERT_TRUE(fs::exists(npm_ + "/node_modules/icebird"))
        << "run tools/interop/setup.sh (installs into " << npm_ << ")";
    std::error_code ec;
    fs::copy_file(fs::path(__FILE__).parent_path() / "iceberg_icebird.mjs", fs::path(npm_) / "iceberg_icebird.mjs",
                  fs::copy_options::overwrite_existing, ec);
    ASSERT_FALSE(ec) << ec.message();
    root_ = dir_.Join("db");
    table_url_ = "file://" + root_ + "/iceberg/trades";
    if (s3_) return;
    ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
    ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  }

  CliRun Strata(const std::string& args) { return testing::RunStrata(dir_, "--root " + root_ + " " + args); }

  void Ingest(const std::string& date, int rows, int seed) {
    const std::string csv = dir_.Join("in-" + std::to_string(seed) + ".csv");
    CliRun r = Strata("gen trades --symbols 2 --rows " + std::to_string(rows) + " --date " + date + " --seed " +
                      std::to_string(seed) + " --out " + csv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = Strata("ingest trades " + csv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // One canonical text per row of the trades template (ts, symbol, price, size, trade_id,
  // exchange): ts in ms (icebird's Dates hold ms), price in shortest round-trip form.
  static std::string Canon(int64_t ts_ms, const std::string& sym, double price, const std::string& size,
                           const std::string& id, const std::string& exch) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, price);
    return std::to_string(ts_ms) + "|" + sym + "|" + std::string(buf, r.ptr) + "|" + size + "|" + id + "|" + exch;
  }

  // `strata query trades` (every tier), sorted.
  std::vector<std::string> QueryRows() {
    CliRun r = Strata("query trades --format json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> rows;
    for (const std::string& line : Lines(r.out)) {
      auto j = nlohmann::json::parse(line);
      auto ns = ParseTimestamp(j["ts"].get<std::string>());
      EXPECT_TRUE(ns.ok()) << line;
      const int64_t ms = *ns / 1'000'000 - ((*ns % 1'000'000) < 0 ? 1 : 0);
      rows.push_back(
          Canon(ms, j["symbol"], j["price"].get<double>(), j["size"].dump(), j["trade_id"].dump(), j["exchange"]));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  // icebird's rows of the current metadata version (or of `metadata_file`), sorted; *files gets
  // how many data files the snapshot lists.
  std::vector<std::string> IcebirdRows(const std::string& metadata_file = "", int* files = nullptr) {
    auto out = testing::RunNode(npm_, "iceberg_icebird.mjs '" + table_url_ + "' " + metadata_file);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (!out.ok()) return {};
    std::vector<std::string> lines = Lines(*out);
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) return {};
    EXPECT_EQ(lines[0].rfind("#snapshot ", 0), 0u) << lines[0];
    if (files != nullptr) *files = std::stoi(Split(lines[0], ' ')[3]);
    std::vector<std::string> rows;
    for (size_t i = 1; i < lines.size(); ++i) {
      std::vector<std::string> v = Split(lines[i], '|');
      EXPECT_EQ(v.size(), 6u) << lines[i];
      if (v.size() != 6) continue;
      rows.push_back(Canon(std::stoll(v[0]), v[1], std::strtod(v[2].c_str(), nullptr), v[3], v[4], v[5]));
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  }

  void ExpectSameRows(const std::string& when, int want_files = -1) {
    int files = 0;
    std::vector<std::string> want = QueryRows(), got = IcebirdRows("", &files);
    ASSERT_FALSE(want.empty()) << when;
    ASSERT_EQ(got.size(), want.size()) << when;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << when << ", row " << i;
    if (want_files >= 0) {
      EXPECT_EQ(files, want_files) << when;
    }
  }

  std::string Hint() { return testing::ReadTextFile(root_ + "/iceberg/trades/metadata/version-hint.text"); }

  testing::TempDir dir_;
  std::string root_, npm_, table_url_;
  bool s3_ = false;  // IcebergS3Test: init is the test's
};

TEST_F(IcebergIcebirdTest, EveryKindOfCommitReadsTheSameAsQuery) {
  const int rows = testing::Sanitized() ? 60 : 400;
  const std::string old_day = DateFromNow(-400), new_day = DateFromNow(-2);
  Ingest(old_day, rows, 1);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  ExpectSameRows("after the first flush", 2);  // 2 symbols, one day
  const std::string v_first = Hint();
  const std::vector<std::string> first_rows = QueryRows();

  // Late data for the same day and rows of a recent day: new parts, an append snapshot.
  Ingest(old_day, rows / 2, 2);
  Ingest(new_day, rows / 2, 3);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  ExpectSameRows("after late data", 6);
  // Time travel: the first version still reads the first rows.
  int files = 0;
  EXPECT_EQ(IcebirdRows("v" + v_first + ".metadata.json", &files), first_rows);
  EXPECT_EQ(files, 2);

  // Compaction: one part per series-day.
  ASSERT_EQ(Strata("table set-policy trades --max-warm-parts 1").exit_code, 0);
  Ingest(old_day, rows / 4, 4);
  CliRun r = Strata("flush");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSameRows("after compaction", 4);

  // Migration of the old day to cold (month partition spec), the recent day stays warm.
  r = Strata("migrate --before " + DateFromNow(-30));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSameRows("after migration", 4);

  // Retention drops the old cold month.
  ASSERT_EQ(Strata("table set-policy trades --cold-days 100").exit_code, 0);
  r = Strata("retention");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSameRows("after retention", 2);
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// A crash between the catalog commit and the Iceberg commit leaves metadata one commit behind:
// simulated by putting back the metadata directory as it was before a flush. `strata verify`
// (read-only: it repairs nothing) reports it; `strata iceberg rebuild` repairs it.
TEST_F(IcebergIcebirdTest, LaggingMetadataIsReportedAndRebuilt) {
  const int rows = testing::Sanitized() ? 40 : 200;
  Ingest(DateFromNow(-5), rows, 1);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  const std::string meta = root_ + "/iceberg/trades/metadata", saved = dir_.Join("saved-metadata");
  fs::copy(meta, saved, fs::copy_options::recursive);
  Ingest(DateFromNow(-4), rows, 2);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  fs::remove_all(meta);
  fs::copy(saved, meta, fs::copy_options::recursive);

  CliRun r = Strata("verify");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("iceberg"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lags the catalog"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strata iceberg rebuild trades"), std::string::npos) << r.out;
  EXPECT_NE(IcebirdRows(), QueryRows());  // icebird sees the older state

  r = Strata("iceberg rebuild trades");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("trades: v"), std::string::npos) << r.out;
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectSameRows("after rebuild", 4);

  // Unreadable metadata: verify says so, rebuild starts over.
  testing::WriteTextFile(meta + "/v" + Hint() + ".metadata.json", "{broken");
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("not valid JSON"), std::string::npos) << r.out;
  ASSERT_EQ(Strata("iceberg rebuild").exit_code, 0);
  EXPECT_EQ(Hint(), "1");
  ExpectSameRows("after rebuild from scratch", 4);
}

// The cold tier in a bucket of the local S3 server: the metadata is written to the bucket
// (s3://BUCKET/strata/iceberg/trades) and cold files are s3:// URIs; icebird reads them through
// the server.
class IcebergS3Test : public IcebergIcebirdTest {
 protected:
  static void SetUpTestSuite() { server_.Start(); }
  static void TearDownTestSuite() { server_.Stop(); }
  void SetUp() override {
    server_.NewBucket("ice", &bucket_);
    if (HasFatalFailure()) return;
    ::setenv("S3_ENDPOINT", server_.server()->endpoint().c_str(), 1);
    s3_ = true;
    IcebergIcebirdTest::SetUp();
    if (HasFatalFailure()) return;
    table_url_ = "s3://" + bucket_ + "/strata/iceberg/trades";
  }
  static testing::SuiteS3Server server_;
  std::string bucket_;
};
testing::SuiteS3Server IcebergS3Test::server_;

TEST_F(IcebergS3Test, MetadataInTheBucketReadsTheSameAsQuery) {
  ASSERT_EQ(Strata("init --fsync none --cold s3://" + bucket_ + "/strata").exit_code, 0);
  ASSERT_EQ(Strata("table create trades --template trades").exit_code, 0);
  const int rows = testing::Sanitized() ? 40 : 200;
  Ingest(DateFromNow(-60), rows, 1);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  ExpectSameRows("warm files, metadata in the bucket", 2);
  Ingest(DateFromNow(-3), rows, 2);
  ASSERT_EQ(Strata("flush").exit_code, 0);
  CliRun r = Strata("migrate --before " + DateFromNow(-30));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ExpectSameRows("cold files in the bucket", 4);
  EXPECT_FALSE(fs::exists(root_ + "/iceberg"));  // nothing local: the table lives in the bucket
  r = Strata("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Strata("iceberg show trades");
  EXPECT_NE(r.out.find("s3://" + bucket_ + "/strata/iceberg/trades"), std::string::npos) << r.out;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
