// Parquet in and out against DuckDB (from npm; tools/interop/setup.sh), through the real CLI:
//  - every Parquet file strata writes (lake flush, migrate, `parquet write`, `query --out`) gives
//    DuckDB the exact nanoseconds of the CSV that went in (issue 16: UTC-adjusted files lost the
//    last three digits);
//  - `strata ingest TABLE FILE.parquet` takes files DuckDB writes with every lossless type
//    pairing and stores the same values; refuses lossy types, missing and extra columns, nulls
//    into required columns, NaN, corrupt and truncated files, naming the file and the place; a
//    failed file changes nothing.
// Fails loudly without node or DuckDB: it never skips.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "testutil/cli_runner.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::CliRun;

class IngestParquetDuckDb : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    error_ = new std::string();
    npm_ = new std::string(testing::NpmDir());
    const std::string hint = " -- run tools/interop/setup.sh (it installs DuckDB into " + *npm_ + ")";
    if (std::system("node --version > /dev/null 2>&1") != 0) {
      *error_ = "node is not installed" + hint;
      return;
    }
    if (!fs::exists(*npm_ + "/node_modules/@duckdb/node-api")) {
      *error_ = "npm package @duckdb/node-api is missing" + hint;
      return;
    }
    fs::path scripts = fs::path(__FILE__).parent_path().parent_path() / "tools" / "interop";
    std::error_code ec;
    for (const char* f : {"canon.mjs", "query_duckdb.mjs"}) {
      fs::copy_file(scripts / f, fs::path(*npm_) / f, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        *error_ = "cannot copy " + (scripts / f).string() + ": " + ec.message();
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    delete error_;
    delete npm_;
  }
  void SetUp() override {
    ASSERT_TRUE(error_->empty()) << *error_;
    root_ = "--root " + dir_.Join("db") + " ";
    ASSERT_EQ(Strata("init --fsync none").exit_code, 0);
  }

  CliRun Strata(const std::string& args, const std::string& input = "") {
    return testing::RunStrata(scratch_, root_ + args, input);
  }
  void MustStrata(const std::string& args) {
    CliRun r = Strata(args);
    ASSERT_EQ(r.exit_code, 0) << args << ": " << r.err;
  }

  // Runs SQL statements in DuckDB; the rows of each answer (canonical strings).
  std::vector<json> DuckDb(const std::vector<std::string>& sqls) {
    json spec = json::array();
    for (size_t i = 0; i < sqls.size(); ++i) spec.push_back({{"name", std::to_string(i)}, {"sql", sqls[i]}});
    const std::string path = dir_.Join("spec.json");
    testing::WriteTextFile(path, spec.dump());
    auto out = testing::AskDuckDbSpec(*npm_, path);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    std::vector<json> rows;
    if (!out.ok()) return rows;
    std::istringstream lines(*out);
    for (std::string line; std::getline(lines, line);) {
      json j = json::parse(line);
      EXPECT_FALSE(j.contains("error")) << sqls[rows.size()] << ": " << j["error"];
      rows.push_back(j.contains("rows") ? j["rows"] : json::array());
    }
    EXPECT_EQ(rows.size(), sqls.size());
    rows.resize(sqls.size());
    return rows;
  }
  // DuckDB writes the rows of `select` to `path`.
  void DuckDbWrite(const std::string& select, const std::string& path, const std::string& options = "") {
    DuckDb({"COPY (" + select + ") TO '" + path + "' (FORMAT parquet" + options + ")"});
  }
  // Rows of `table` as DuckDB reads them back from `strata query --out` (sorted by every column).
  int64_t StoredRows(const std::string& table) {
    const std::string out = dir_.Join("count.parquet");
    MustStrata("query " + table + " --out " + out);
    auto rows = DuckDb({"SELECT count(*) FROM '" + out + "'"});
    return rows[0].empty() ? -1 : std::stoll(rows[0][0][0].get<std::string>());
  }

  static std::string* error_;
  static std::string* npm_;
  testing::TempDir dir_;
  testing::TempDir scratch_;
  std::string root_;
};
std::string* IngestParquetDuckDb::error_ = nullptr;
std::string* IngestParquetDuckDb::npm_ = nullptr;

// Integer-ns timestamps whose last three digits are not zero.
std::string TradesCsv(std::vector<int64_t>* ts) {
  std::string csv = "ts,symbol,price,size,trade_id,exchange\n";
  const int64_t base = 1772461800000000000LL;  // 2026-03-02T14:30:00Z
  for (int i = 0; i < 300; ++i) {
    const int64_t t = base + i * 1'000'003'217LL + (i * 629) % 1000 + 1;
    ts->push_back(t);
    csv += std::to_string(t) + "," + (i % 3 == 0 ? "AAPL" : "MSFT") + ",1" + std::to_string(i) + ".5," +
           std::to_string(i + 1) + "," + std::to_string(i) + ",XNAS\n";
  }
  return csv;
}

TEST_F(IngestParquetDuckDb, EveryWriterGivesDuckDbTheExactNanoseconds) {
  std::vector<int64_t> ts;
  const std::string csv = dir_.Join("day.csv");
  testing::WriteTextFile(csv, TradesCsv(&ts));
  std::sort(ts.begin(), ts.end());
  json want = json::array();
  for (int64_t t : ts) want.push_back(json::array({std::to_string(t)}));

  MustStrata("table create trades --template trades");
  MustStrata("ingest trades " + csv);
  MustStrata("flush");
  MustStrata("parquet write " + csv + " " + dir_.Join("written.parquet") + " --template trades");
  MustStrata("query trades --out " + dir_.Join("query.parquet"));
  auto q = [](const std::string& from) { return "SELECT epoch_ns(ts) FROM " + from + " ORDER BY 1"; };
  const std::string warm = "read_parquet('" + dir_.Join("db") + "/warm/trades/**/*.parquet')";
  auto got = DuckDb({q("'" + dir_.Join("written.parquet") + "'"), q("'" + dir_.Join("query.parquet") + "'"), q(warm)});
  EXPECT_EQ(got[0], want) << "strata parquet write";
  EXPECT_EQ(got[1], want) << "strata query --out";
  EXPECT_EQ(got[2], want) << "warm files (flush)";

  MustStrata("migrate --all");
  const std::string cold = "read_parquet('" + dir_.Join("db") + "/cold/trades/**/*.parquet')";
  EXPECT_EQ(DuckDb({q(cold)})[0], want) << "cold files (migrate)";
}

// Each source timestamp type into the table's timestamp column, with every other lossless pairing.
TEST_F(IngestParquetDuckDb, IngestsEveryLosslessTypePairingFromDuckDb) {
  // range(n) gives BIGINT i.
  const std::string cols =
      "'S' || (i % 4) AS symbol, i, CAST(i * 7 - 300 AS INTEGER) AS w, CAST(i % 1000 AS SMALLINT) AS k, "
      "CAST(i AS FLOAT) / 8 AS f, i / 3.0 AS g, i % 2 = 0 AS flag, CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' || i END "
      "AS note, CAST(CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS VARCHAR) AS tag";
  struct Case {
    std::string ts;       // DuckDB expression of the source ts
    std::string ours_ns;  // what we store, as a DuckDB ns expression over the source
  };
  const std::vector<Case> cases = {
      {"make_timestamp_ns(1772461800000000000 + i * 1000000007)", "epoch_ns(ts)"},
      {"make_timestamp(1772461800000000 + i * 1000007)", "epoch_ns(ts)"},  // TIMESTAMP (us)
      {"CAST(make_timestamp(1772461800000000 + i * 1000007) AS TIMESTAMP_MS)", "epoch_ns(ts)"},
      {"CAST(make_timestamp(1772461800000000 + i * 1000007) AS TIMESTAMPTZ)", "epoch_ns(ts)"},
      {"CAST(DATE '2026-03-02' + CAST(i % 40 AS INTEGER) AS DATE)", "epoch_ns(CAST(ts AS TIMESTAMP))"},
  };
  std::vector<std::string> files;
  for (size_t c = 0; c < cases.size(); ++c) {
    const std::string f = dir_.Join("src" + std::to_string(c) + ".parquet");
    DuckDbWrite("SELECT " + cases[c].ts + " AS ts, " + cols + " FROM range(5000) r(i)", f,
                c % 2 ? ", COMPRESSION zstd, ROW_GROUP_SIZE 2048" : "");
    files.push_back(f);
  }
  const std::string ours = dir_.Join("ours.parquet");
  const std::string our_cols = "epoch_ns(ts) AS ts, symbol, i, w, k, f, g, flag, note, absent, tag";
  for (size_t c = 0; c < cases.size(); ++c) {
    const std::string t = "t" + std::to_string(c);
    MustStrata(
        "table create " + t +
        " --schema "
        "ts:timestamp,symbol:symbol,i:i64,w:i64,k:i32,f:f64,g:f64,flag:bool,note:string?,absent:f64?,tag:string");
    CliRun r = Strata("ingest " + t + " " + files[c]);
    ASSERT_EQ(r.exit_code, 0) << cases[c].ts << ": " << r.err;
    EXPECT_NE(r.out.find("ingested 5,000 rows into " + t), std::string::npos) << r.out;
    MustStrata("query " + t + " --out " + ours);
    const std::string src = "SELECT " + cases[c].ours_ns +
                            " AS ts, symbol, i, CAST(w AS BIGINT), CAST(k AS INTEGER), CAST(f AS DOUBLE), g, flag, "
                            "note, CAST(NULL AS DOUBLE), tag FROM '" +
                            files[c] + "'";
    const std::string back = "SELECT " + our_cols + " FROM '" + ours + "'";
    auto got = DuckDb({"SELECT count(*) FROM (" + src + " EXCEPT ALL " + back + ")",
                       "SELECT count(*) FROM (" + back + " EXCEPT ALL " + src + ")",
                       "SELECT count(*) FROM '" + ours + "'", "SELECT typeof(ts) FROM '" + ours + "' LIMIT 1"});
    EXPECT_EQ(got[0], json::array({json::array({"0"})})) << "rows of " << cases[c].ts << " not stored";
    EXPECT_EQ(got[1], json::array({json::array({"0"})})) << "rows stored that " << cases[c].ts << " lacks";
    EXPECT_EQ(got[2], json::array({json::array({"5000"})}));
    EXPECT_EQ(got[3], json::array({json::array({"TIMESTAMP_NS"})}));
  }
}

TEST_F(IngestParquetDuckDb, RefusesWhatWouldLoseInformationNamingFileColumnAndTypes) {
  MustStrata("table create t --schema ts:timestamp,symbol:symbol,x:i64,price:f64");
  const std::string base = "make_timestamp_ns(1772461800000000000 + i) AS ts, 'A' AS symbol";
  auto file = [&](const std::string& name, const std::string& rest) {
    const std::string f = dir_.Join(name + ".parquet");
    DuckDbWrite("SELECT " + base + (rest.empty() ? "" : ", " + rest) + " FROM range(3000) r(i)", f);
    return f;
  };
  struct Refusal {
    std::string file;
    std::vector<std::string> says;
  };
  std::vector<Refusal> refusals = {
      {file("ubig", "CAST(i AS UBIGINT) AS x, 1.5::DOUBLE AS price"),
       {"ubig.parquet", "column x", "INT64 UINT", "i64"}},
      {file("dec", "i AS x, CAST(i AS DECIMAL(12,3)) AS price"),
       {"dec.parquet", "column price", "DECIMAL(12,3)", "f64", "--allow-lossy"}},
      {file("str", "CAST(i AS VARCHAR) AS x, 1.5::DOUBLE AS price"), {"str.parquet", "column x", "BYTE_ARRAY", "i64"}},
      {file("missing", "1.5::DOUBLE AS price"), {"missing.parquet", "no column x", "not nullable"}},
      {file("extra", "i AS x, 1.5::DOUBLE AS price, 7 AS more"),
       {"extra.parquet", "column more", "--ignore-extra-columns"}},
      {file("nulls", "CASE WHEN i = 2500 THEN NULL ELSE i END AS x, 1.5::DOUBLE AS price"),
       {"nulls.parquet", "row group 0", "column x", "not nullable"}},
      {file("nan", "i AS x, CASE WHEN i = 2999 THEN 'NaN'::DOUBLE ELSE 2.5::DOUBLE END AS price"),
       {"nan.parquet", "row group 0", "column price", "row 3000", "NaN", "--allow-nan"}},
  };
  {
    const std::string f = dir_.Join("tsint.parquet");
    DuckDbWrite("SELECT 1772461800000000000 + i AS ts, 'A' AS symbol, i AS x, 1.5::DOUBLE AS price FROM range(10) r(i)",
                f);
    refusals.push_back({f, {"tsint.parquet", "column ts is INT64", "timestamp", "no unit"}});
  }
  for (const Refusal& r : refusals) {
    CliRun run = Strata("ingest t " + r.file);
    EXPECT_EQ(run.exit_code, 1) << r.file;
    for (const std::string& s : r.says) EXPECT_NE(run.err.find(s), std::string::npos) << s << " in " << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << "one line: " << run.err;
  }
  EXPECT_EQ(StoredRows("t"), 0);
  // What the flags allow.
  ASSERT_EQ(Strata("ingest t " + dir_.Join("dec.parquet") + " --allow-lossy").exit_code, 0);
  ASSERT_EQ(Strata("ingest t " + dir_.Join("extra.parquet") + " --ignore-extra-columns").exit_code, 0);
  ASSERT_EQ(Strata("ingest t " + dir_.Join("nan.parquet") + " --allow-nan").exit_code, 0);
  EXPECT_EQ(StoredRows("t"), 9000);
}

TEST_F(IngestParquetDuckDb, AFailedFileChangesNothingAndSinglePassKeepsEarlierRowGroups) {
  MustStrata("table create t --schema ts:timestamp,symbol:symbol,price:f64");
  const std::string f = dir_.Join("late_nan.parquet");
  // Row groups of 2048 rows; the NaN is in the third.
  DuckDbWrite(
      "SELECT make_timestamp_ns(1772461800000000000 + i) AS ts, 'A' AS symbol, CASE WHEN i = 4500 THEN 'NaN'::DOUBLE "
      "ELSE 1.5::DOUBLE END AS price FROM range(5000) r(i)",
      f, ", ROW_GROUP_SIZE 2048");
  CliRun r = Strata("ingest t " + f);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("row group 2, column price, row 4501: NaN"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing of this file is stored"), std::string::npos) << r.err;
  EXPECT_EQ(StoredRows("t"), 0);
  r = Strata("ingest t " + f + " --single-pass");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the 4,096 rows of its row groups before 2 are stored"), std::string::npos) << r.err;
  EXPECT_EQ(StoredRows("t"), 4096);
}

TEST_F(IngestParquetDuckDb, DirectoriesGlobsAndStdin) {
  MustStrata("table create t --schema ts:timestamp,symbol:symbol,price:f64");
  fs::create_directories(dir_.Join("in"));
  for (int d = 0; d < 3; ++d) {
    DuckDbWrite("SELECT make_timestamp_ns(1772461800000000000 + " + std::to_string(d) +
                    " * 86400000000000 + i) AS ts, 'A' AS symbol, 2.5::DOUBLE AS price FROM range(1000) r(i)",
                dir_.Join("in/day" + std::to_string(d) + ".parquet"));
  }
  CliRun r = Strata("ingest t " + dir_.Join("in"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ingested 3,000 rows into t from 3 files"), std::string::npos) << r.out;
  EXPECT_EQ(StoredRows("t"), 3000);
  MustStrata("table create u --schema ts:timestamp,symbol:symbol,price:f64");
  r = Strata("ingest u '" + dir_.Join("in/day[01].parquet") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ingested 2,000 rows into u from 2 files"), std::string::npos) << r.out;
  EXPECT_EQ(StoredRows("u"), 2000);
  MustStrata("table create v --schema ts:timestamp,symbol:symbol,price:f64");
  r = Strata("ingest v - --format parquet", testing::ReadTextFile(dir_.Join("in/day2.parquet")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ingested 1,000 rows into v from 1 file "), std::string::npos) << r.out;
  EXPECT_EQ(StoredRows("v"), 1000);
  r = Strata("ingest t '" + dir_.Join("in/none*.parquet") + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no file matches"), std::string::npos) << r.err;
}

TEST_F(IngestParquetDuckDb, CorruptAndTruncatedFilesAreRefusedNamingTheFile) {
  MustStrata("table create t --schema ts:timestamp,symbol:symbol,price:f64");
  const std::string good = dir_.Join("good.parquet");
  DuckDbWrite(
      "SELECT make_timestamp_ns(1772461800000000000 + i) AS ts, 'A' AS symbol, i * 0.5::DOUBLE AS price FROM "
      "range(20000) r(i)",
      good);
  const std::string bytes = testing::ReadTextFile(good);
  // Cut in the footer, in the middle (data pages, the footer intact) and a byte flipped in data.
  const std::string cut = dir_.Join("cut.parquet");
  testing::WriteTextFile(cut, bytes.substr(0, bytes.size() - 30));
  const std::string chopped = dir_.Join("chopped.parquet");
  testing::WriteTextFile(chopped, bytes.substr(0, 200) + bytes.substr(bytes.size() - 2000));
  for (const std::string& f : {cut, chopped}) {
    CliRun r = Strata("ingest t " + f);
    EXPECT_EQ(r.exit_code, 1) << f;
    EXPECT_NE(r.err.find(f), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // Bytes flipped in the (snappy) data pages: refused naming the file and row group, or (a value
  // byte) stored whole; a refused file stores nothing.
  int place_named = 0, n = 0;
  for (size_t at = 300; at < bytes.size() - 3000; at += bytes.size() / 15) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    const std::string f = dir_.Join("flip" + std::to_string(at) + ".parquet");
    testing::WriteTextFile(f, damaged);
    const std::string table = "f" + std::to_string(n++);
    MustStrata("table create " + table + " --schema ts:timestamp,symbol:symbol,price:f64");
    CliRun r = Strata("ingest " + table + " " + f);
    ASSERT_LE(r.exit_code, 1) << f << ": " << r.err;
    if (r.exit_code == 0) continue;
    EXPECT_NE(r.err.find(f), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    if (r.err.find("row group 0") != std::string::npos) ++place_named;
    EXPECT_EQ(StoredRows(table), 0) << r.err;
  }
  EXPECT_GT(place_named, 0);
  // parquet-testing's bad_data: every file refused (or, where the damage is in a column we do
  // not read, stored), never a crash.
  const char* shared = std::getenv("STRATA_SHARED_DIR");
  ASSERT_NE(shared, nullptr) << "STRATA_SHARED_DIR is set by ctest";
  const std::string bad_dir = std::string(shared) + "/data/parquet-testing/bad_data";
  ASSERT_TRUE(fs::is_directory(bad_dir)) << bad_dir;
  int refused = 0;
  for (const auto& e : fs::directory_iterator(bad_dir)) {
    if (e.path().extension() != ".parquet") continue;
    CliRun r = Strata("ingest t " + e.path().string() + " --ignore-extra-columns");
    ASSERT_LE(r.exit_code, 1) << e.path() << ": " << r.err;
    if (r.exit_code == 1) {
      ++refused;
      EXPECT_NE(r.err.find(e.path().filename().string()), std::string::npos) << r.err;
    }
  }
  EXPECT_GT(refused, 0);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
