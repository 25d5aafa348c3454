// The f32 and timestamp[us]/[ms] column types through every tier: the hot tier, WAL recovery, a
// warm flush and a cold migration give back exactly the rows appended, and the warm and cold
// Parquet files store FLOAT and TIMESTAMP(MICROS/MILLIS), not DOUBLE and NANOS. DuckDB and
// hyparquet (npm, tools/interop/setup.sh) read those warm and cold files exactly: every f32 the
// float written, every ts the ns / us / ms value written.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "lake_test_util.h"
#include "parquet/parquet_reader.h"
#include "testutil/node_runner.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::TempDir;
using testing::TestOptions;

struct Case {
  const char* spec;
  TimeUnit unit;
  int64_t step_ns;  // between consecutive rows: whole units of the column
};

class ColumnTypesTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    testing::PreferMemoryTmpDir();
    dir_ = std::make_unique<TempDir>();
    root_ = dir_->Join("db");
    ASSERT_OK(Database::Init(root_, {.fsync = "none"}));
    Reopen();
    ASSERT_OK_AND_ASSIGN(schema_, Schema::Parse(GetParam().spec));
    ASSERT_OK(db_->CreateTable({"t", schema_, std::nullopt, "{}"}));
  }
  void Reopen() {
    db_.reset();
    auto db = Database::Open(root_, TestOptions());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  // Rows over two days and two symbols; f32 values that are not doubles' (0.1f), extremes, NaN
  // is refused by default so none; NULLs in the nullable f32.
  RecordBatch Rows(size_t n, int64_t start) {
    RecordBatch b(schema_);
    for (size_t r = 0; r < n; ++r) {
      b.column(0).AppendInt64(start + static_cast<int64_t>(r) * GetParam().step_ns);
      b.column(1).AppendString(r % 2 ? "AAPL" : "MSFT");
      const float vals[] = {0.1f, -3.4028235e38f, 1.17549435e-38f, 1e-45f, 16777217.0f, -0.0f};
      b.column(2).AppendDouble(vals[r % 6] / static_cast<float>(r + 1));
      r % 3 == 0 ? b.column(3).AppendNull() : b.column(3).AppendDouble(static_cast<float>(r) / 7.0f);
      b.column(4).AppendDouble(static_cast<double>(r) / 7.0);
    }
    return b;
  }

  // Every warm and cold file's footer: ts is TIMESTAMP of the column's unit, not UTC-adjusted;
  // the f32 columns are FLOAT. Returns the number of files checked.
  size_t CheckFiles(const std::string& tier) {
    size_t n = 0;
    for (const std::string& path : testing::FilesUnder(root_ + "/" + tier)) {
      if (!path.ends_with(".parquet")) continue;
      ++n;
      auto r = parquet::ParquetReader::Open(DefaultFileSystem(), path);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok()) continue;
      for (const parquet::SchemaElement& e : (*r)->metadata().schema) {
        if (e.name == "ts") {
          EXPECT_TRUE(e.logical_type && e.logical_type->kind == parquet::LogicalType::Kind::kTimestamp) << path;
          if (!e.logical_type) continue;
          const parquet::TimeUnit want = GetParam().unit == TimeUnit::kMicros   ? parquet::TimeUnit::kMicros
                                         : GetParam().unit == TimeUnit::kMillis ? parquet::TimeUnit::kMillis
                                                                                : parquet::TimeUnit::kNanos;
          EXPECT_EQ(e.logical_type->unit, want) << path;
          EXPECT_FALSE(e.logical_type->is_adjusted_to_utc) << path;
        }
        if (e.name == "f" || e.name == "g") {
          EXPECT_EQ(e.type, parquet::Type::kFloat) << path;
        }
        if (e.name == "d") {
          EXPECT_EQ(e.type, parquet::Type::kDouble) << path;
        }
      }
      // Read back as the table's types.
      const auto& cols = (*r)->columns();
      EXPECT_EQ(cols[0].field.unit, GetParam().unit) << path;
      EXPECT_EQ(cols[2].field.type, ColumnType::kFloat32) << path;
    }
    return n;
  }

  std::unique_ptr<TempDir> dir_;
  std::string root_;
  std::unique_ptr<Database> db_;
  Schema schema_;
};

TEST_P(ColumnTypesTest, RoundTripThroughEveryTier) {
  const int64_t start = testing::kMar2 + 14 * 3'600'000'000'000;
  std::vector<RecordBatch> appended = {Rows(3000, start), Rows(2000, start + testing::kDayNs)};
  for (const RecordBatch& b : appended) ASSERT_OK(db_->Append("t", b));
  const std::vector<RecordBatch> want = testing::Expected(appended);
  EXPECT_TRUE(testing::SameRows(testing::ScanAll(db_.get(), "t"), want)) << "hot";
  Reopen();  // WAL recovery
  EXPECT_TRUE(testing::SameRows(testing::ScanAll(db_.get(), "t"), want)) << "after WAL replay";
  ASSERT_OK(db_->Flush());
  EXPECT_EQ(testing::TierRows(db_.get(), "warm", "t"), 5000u);
  EXPECT_TRUE(testing::SameRows(testing::ScanAll(db_.get(), "t"), want)) << "warm";
  EXPECT_GT(CheckFiles("warm"), 0u);
  MigrateOptions all;
  all.all = true;
  all.apply_policy = false;
  ASSERT_OK(db_->Migrate(all));
  EXPECT_EQ(testing::TierRows(db_.get(), "cold", "t"), 5000u);
  Reopen();
  EXPECT_TRUE(testing::SameRows(testing::ScanAll(db_.get(), "t"), want)) << "cold";
  EXPECT_GT(CheckFiles("cold"), 0u);
}

TEST_P(ColumnTypesTest, RefusesValuesTheColumnCannotHold) {
  const int64_t start = testing::kMar2;
  RecordBatch b = Rows(10, start);
  b.column(2).doubles()[4] = 0.1;  // not a float
  Status st = db_->Append("t", b);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("is not a 32-bit float (f32)"), std::string::npos) << st.ToString();
  if (GetParam().unit != TimeUnit::kNanos) {
    RecordBatch c = Rows(10, start);
    c.column(0).int64s()[3] += 1;  // one ns finer than the column
    st = db_->Append("t", c);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("is finer than its timestamp[" + std::string(TimeUnitName(GetParam().unit)) + "]"),
              std::string::npos)
        << st.ToString();
  }
  EXPECT_TRUE(testing::ScanAll(db_.get(), "t").empty());
}

// A row as the peers give it back: ts in ns, symbol, and the bits of f, g (or null) and d.
using PeerRow = std::tuple<int64_t, std::string, uint64_t, std::optional<uint64_t>, uint64_t>;

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

std::vector<PeerRow> RowsOf(const std::vector<RecordBatch>& batches) {
  std::vector<PeerRow> out;
  for (const RecordBatch& b : batches) {
    for (size_t r = 0; r < b.num_rows(); ++r) {
      out.emplace_back(b.column(0).int64s()[r], std::string(b.column(1).GetString(r)), Bits(b.column(2).doubles()[r]),
                       b.column(3).IsNull(r) ? std::nullopt : std::optional<uint64_t>(Bits(b.column(3).doubles()[r])),
                       Bits(b.column(4).doubles()[r]));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs tools/interop/read.mjs with `peer` over `files`; the rows of all of them, and each file's
// column types as the peer names them.
std::vector<PeerRow> PeerRead(const std::string& peer, const std::vector<std::string>& files,
                              std::vector<std::string>* types) {
  const std::string npm = testing::NpmDir();
  namespace fs = std::filesystem;
  const fs::path scripts = fs::path(__FILE__).parent_path().parent_path() / "tools" / "interop";
  for (const char* s : {"canon.mjs", "read.mjs"}) {
    std::error_code ec;
    fs::copy_file(scripts / s, fs::path(npm) / s, fs::copy_options::overwrite_existing, ec);
    EXPECT_FALSE(ec) << "cannot copy " << s << " into " << npm << " (run tools/interop/setup.sh): " << ec.message();
  }
  std::string args = "read.mjs " + peer;
  for (const std::string& f : files) args += " '" + f + "'";
  auto out = testing::RunNode(npm, args);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  std::vector<PeerRow> rows;
  if (!out.ok()) return rows;
  auto num = [](const nlohmann::json& v) {
    const std::string s = v.get<std::string>();
    return std::strtod(s.c_str(), nullptr);  // canon.mjs: the shortest text of the double ("-0" too)
  };
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_FALSE(j.contains("error")) << peer << ": " << line;
    if (j.contains("error")) continue;
    // DuckDB adds the hive partition columns of the path (date=, year=, month=) after the file's.
    nlohmann::json columns = j["columns"], column_types = j["types"];
    columns.erase(columns.begin() + std::min<size_t>(columns.size(), 5), columns.end());
    column_types.erase(column_types.begin() + std::min<size_t>(column_types.size(), 5), column_types.end());
    EXPECT_EQ(columns, nlohmann::json::array({"ts", "symbol", "f", "g", "d"})) << peer;
    types->push_back(column_types.dump());
    for (const nlohmann::json& r : j["rows"]) {
      rows.emplace_back(std::strtoll(r[0].get<std::string>().c_str(), nullptr, 10), r[1].get<std::string>(),
                        Bits(num(r[2])), r[3].is_null() ? std::nullopt : std::optional<uint64_t>(Bits(num(r[3]))),
                        Bits(num(r[4])));
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST_P(ColumnTypesTest, DuckDbAndHyparquetReadTheFilesExactly) {
  const int64_t start = testing::kMar2 + 14 * 3'600'000'000'000;
  std::vector<RecordBatch> appended = {Rows(400, start), Rows(300, start + testing::kDayNs)};
  for (const RecordBatch& b : appended) ASSERT_OK(db_->Append("t", b));
  const std::vector<PeerRow> want = RowsOf(appended);
  // Whole units apart, so a reader that dropped a digit of the unit would give other values.
  ASSERT_EQ(std::get<0>(want[1]) - std::get<0>(want[0]), GetParam().step_ns);
  ASSERT_OK(db_->Flush());
  MigrateOptions all;
  all.all = true;
  all.apply_policy = false;
  for (const char* tier : {"warm", "cold"}) {
    SCOPED_TRACE(tier);
    if (std::string(tier) == "cold") ASSERT_OK(db_->Migrate(all));
    std::vector<std::string> files;
    for (const std::string& path : testing::FilesUnder(root_ + "/" + tier)) {
      if (path.ends_with(".parquet")) files.push_back(path);
    }
    ASSERT_GE(files.size(), std::string(tier) == "warm" ? 4u : 2u);  // two days (one month) x two symbols
    std::vector<std::string> duck_types, hyp_types;
    EXPECT_EQ(PeerRead("duckdb", files, &duck_types), want);
    EXPECT_EQ(PeerRead("hyparquet", files, &hyp_types), want);
    // DuckDB maps the units to its own types: MICROS and MILLIS to TIMESTAMP (microseconds: the
    // milliseconds widen without loss), NANOS to TIMESTAMP_NS; FLOAT stays FLOAT, not DOUBLE.
    const char* ts_type = GetParam().unit == TimeUnit::kNanos ? "TIMESTAMP_NS" : "TIMESTAMP";
    for (const std::string& t : duck_types) {
      EXPECT_EQ(t, std::string("[\"") + ts_type + "\",\"VARCHAR\",\"FLOAT\",\"FLOAT\",\"DOUBLE\"]");
    }
    for (const std::string& t : hyp_types) EXPECT_EQ(t, R"(["INT64","BYTE_ARRAY","FLOAT","FLOAT","DOUBLE"])");
  }
  // The Iceberg metadata describes them too: f32 is Iceberg's float (it used to fail the commit).
  auto hint = DefaultFileSystem()->ReadFile(root_ + "/iceberg/t/metadata/version-hint.text");
  ASSERT_TRUE(hint.ok()) << hint.status().ToString();
  auto md = DefaultFileSystem()->ReadFile(root_ + "/iceberg/t/metadata/v" + *hint + ".metadata.json");
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  const nlohmann::json fields = nlohmann::json::parse(*md)["schemas"][0]["fields"];
  EXPECT_EQ(fields[0]["type"], "timestamp");
  EXPECT_EQ(fields[2]["type"], "float");
  EXPECT_EQ(fields[4]["type"], "double");
}

INSTANTIATE_TEST_SUITE_P(
    Units, ColumnTypesTest,
    ::testing::Values(Case{"ts:timestamp[us],symbol:symbol,f:f32,g:f32?,d:f64", TimeUnit::kMicros, 1'001'000},
                      Case{"ts:timestamp[ms],symbol:symbol,f:f32,g:f32?,d:f64", TimeUnit::kMillis, 1'000'000},
                      Case{"ts:timestamp,symbol:symbol,f:f32,g:f32?,d:f64", TimeUnit::kNanos, 1'000'001}),
    [](const auto& info) { return std::string(TimeUnitName(info.param.unit)); });

}  // namespace STRATA_UNITY_ID
}  // namespace strata
