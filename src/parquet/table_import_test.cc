// TableImport on files our writer makes (DuckDB-written files: tests/ingest_parquet_duckdb_test.cc).
#include "parquet/table_import.h"

#include <gtest/gtest.h>

#include <cmath>

#include "parquet/parquet_writer.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

constexpr int64_t kT0 = 1772461800000000000LL;

// ts, sym (string in the file), n (i32 in the file), note (nullable), x (nullable f64).
RecordBatch FileRows(size_t rows, const std::vector<size_t>& null_x_rows = {}) {
  RecordBatch b({{"ts", ColumnType::kTimestamp, false},
                 {"sym", ColumnType::kString, false},
                 {"n", ColumnType::kInt32, false},
                 {"note", ColumnType::kString, true},
                 {"x", ColumnType::kFloat64, true}});
  for (size_t r = 0; r < rows; ++r) {
    b.column(0).AppendInt64(kT0 + static_cast<int64_t>(r) * 1001);
    b.column(1).AppendString(r % 2 ? "AAPL" : "MSFT");
    b.column(2).AppendInt32(static_cast<int32_t>(r) - 5);
    if (r % 3 == 0) {
      b.column(3).AppendNull();
    } else {
      b.column(3).AppendString("n" + std::to_string(r));
    }
    if (std::find(null_x_rows.begin(), null_x_rows.end(), r) != null_x_rows.end()) {
      b.column(4).AppendNull();
    } else {
      b.column(4).AppendDouble(static_cast<double>(r) / 4);
    }
  }
  return b;
}

Schema TableSchema(const std::string& spec) { return *Schema::Parse(spec); }

TEST(TableImport, ConvertsByNameAndFillsMissingNullableColumns) {
  ::strata::testing::TempDir dir;
  const std::string path = dir.Join("a.parquet");
  WriterOptions o;
  o.row_group_rows = 100;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, FileRows(250), o));
  // Table order differs from the file's; n widens to i64; sym becomes the symbol; absent is null.
  Schema s = TableSchema("x:f64,ts:timestamp,n:i64,sym:symbol,absent:string?,note:string?");
  ASSERT_OK_AND_ASSIGN(auto t, TableImport::Open(DefaultFileSystem(), path, s, {.table = "t"}));
  ASSERT_EQ(t->num_row_groups(), 3);
  EXPECT_GT(t->uncompressed_bytes(), 250u * 8);
  RecordBatch out;
  size_t row = 0;
  for (int rg = 0; rg < 3; ++rg) {
    ASSERT_OK(t->ReadRowGroup(rg, &out));
    ASSERT_EQ(out.fields(), s.fields());
    for (size_t r = 0; r < out.num_rows(); ++r, ++row) {
      EXPECT_EQ(out.column(0).doubles()[r], static_cast<double>(row) / 4);
      EXPECT_EQ(out.column(1).int64s()[r], kT0 + static_cast<int64_t>(row) * 1001);
      EXPECT_EQ(out.column(2).int64s()[r], static_cast<int64_t>(row) - 5);
      EXPECT_EQ(out.column(3).GetString(r), row % 2 ? "AAPL" : "MSFT");
      EXPECT_TRUE(out.column(4).IsNull(r));
      EXPECT_EQ(out.column(5).IsNull(r), row % 3 == 0);
    }
  }
  EXPECT_EQ(row, 250u);
}

TEST(TableImport, RefusesBeforeAnyRowNamingFileColumnAndTypes) {
  ::strata::testing::TempDir dir;
  const std::string path = dir.Join("b.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, FileRows(10)));
  struct Case {
    std::string schema;
    ImportOptions options;
    std::vector<std::string> says;
  };
  const std::vector<Case> cases = {
      {"ts:timestamp,sym:symbol,n:i32,note:string?,x:i64?", {}, {"b.parquet", "column x is DOUBLE", "i64 column x"}},
      {"ts:timestamp,sym:symbol,n:i32,note:string?,x:f64?,must:i64", {}, {"no column must", "not nullable"}},
      {"ts:timestamp,sym:symbol,n:i32,note:string?", {}, {"column x is not in table t", "--ignore-extra-columns"}},
      {"ts:timestamp,sym:symbol,n:bool,note:string?,x:f64?", {}, {"column n is INT32", "bool column n"}},
  };
  for (const Case& c : cases) {
    ImportOptions o = c.options;
    o.table = "t";
    auto t = TableImport::Open(DefaultFileSystem(), path, TableSchema(c.schema), o);
    ASSERT_FALSE(t.ok()) << c.schema;
    for (const std::string& s : c.says)
      EXPECT_NE(t.status().message().find(s), std::string::npos) << t.status().ToString();
  }
  EXPECT_TRUE(TableImport::Open(DefaultFileSystem(), path, TableSchema("ts:timestamp,sym:symbol,n:i32,note:string?"),
                                {.ignore_extra_columns = true})
                  .ok());
}

TEST(TableImport, NullIntoRequiredColumnNamesRowGroupColumnAndRowWithOrWithoutStatistics) {
  ::strata::testing::TempDir dir;
  Schema s = TableSchema("ts:timestamp,sym:symbol,n:i32,note:string?,x:f64");
  for (bool stats : {true, false}) {
    const std::string path = dir.Join(stats ? "s.parquet" : "nos.parquet");
    WriterOptions o;
    o.row_group_rows = 100;
    o.write_statistics = stats;
    o.write_page_index = stats;
    ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, FileRows(300, {150}), o));
    auto t = TableImport::Open(DefaultFileSystem(), path, s, {.table = "t"});
    if (stats) {  // refused from the footer
      ASSERT_FALSE(t.ok());
      EXPECT_NE(t.status().message().find("row group 1, column x: 1 nulls"), std::string::npos)
          << t.status().ToString();
      continue;
    }
    ASSERT_OK(t.status());
    RecordBatch out;
    ASSERT_OK((*t)->ReadRowGroup(0, &out));
    EXPECT_TRUE(out.column(4).validity().empty());
    Status st = (*t)->ReadRowGroup(1, &out);
    EXPECT_NE(st.message().find("nos.parquet: row group 1, column x, row 151: null"), std::string::npos)
        << st.ToString();
  }
}

TEST(TableImport, ValidatesRowsAsCsvIngestDoes) {
  ::strata::testing::TempDir dir;
  Schema s = TableSchema("ts:timestamp,sym:symbol,n:i32,note:string?,x:f64?");
  auto check = [&](RecordBatch rows, const std::string& want, ImportOptions o = {}) {
    const std::string path = dir.Join("v.parquet");
    ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, rows));
    ASSERT_OK_AND_ASSIGN(auto t, TableImport::Open(DefaultFileSystem(), path, s, o));
    RecordBatch out;
    Status st = t->ReadRowGroup(0, &out);
    if (want.empty()) {
      EXPECT_OK(st);
    } else {
      EXPECT_NE(st.message().find(want), std::string::npos) << st.ToString();
    }
  };
  RecordBatch nan = FileRows(5);
  nan.column(4).doubles()[3] = std::nan("");
  check(nan, "row group 0, column x, row 4: NaN (--allow-nan");
  check(nan, "", {.allow_nan = true});
  RecordBatch inf = FileRows(5);
  inf.column(4).doubles()[1] = -INFINITY;
  check(inf, "row 2: an infinite value");
  RecordBatch late = FileRows(5);
  late.column(0).int64s()[2] = INT64_MAX;
  check(late, "row group 0");  // ValidateAgainst: out of the storable range
  RecordBatch bad_utf8 = FileRows(5);
  bad_utf8.column(3) = Column(ColumnType::kString);
  for (int i = 0; i < 5; ++i) bad_utf8.column(3).AppendString(i == 4 ? "\xff" : "ok");
  check(bad_utf8, "row group 0");
  RecordBatch empty_symbol = FileRows(5);
  empty_symbol.column(1) = Column(ColumnType::kString);
  for (int i = 0; i < 5; ++i) empty_symbol.column(1).AppendString(i == 0 ? "" : "A");
  check(empty_symbol, "row group 0");
}

// FLOAT into f32 (and f64), DOUBLE into f32 only with allow_lossy, TIMESTAMP(MICROS) into a
// timestamp[us] column as is and into a timestamp[ms] column only with truncate_timestamps.
TEST(TableImport, F32AndTimestampPrecision) {
  ::strata::testing::TempDir dir;
  const std::string path = dir.Join("n.parquet");
  RecordBatch b(std::vector<Field>{Field{"ts", ColumnType::kTimestamp, false, strata::TimeUnit::kMicros},
                                   Field{"sym", ColumnType::kString, false, strata::TimeUnit::kNanos},
                                   Field{"f", ColumnType::kFloat32, false, strata::TimeUnit::kNanos},
                                   Field{"d", ColumnType::kFloat64, false, strata::TimeUnit::kNanos}});
  for (int r = 0; r < 20; ++r) {
    b.column(0).AppendInt64(kT0 + r * 1001000);  // every 1.001 ms: not whole ms
    b.column(1).AppendString("A");
    b.column(2).AppendDouble(static_cast<float>(r) / 3.0f);
    b.column(3).AppendDouble(static_cast<double>(r) / 3.0);
  }
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, b));
  auto read = [&](const std::string& spec, ImportOptions o) -> Result<RecordBatch> {
    o.table = "t";
    ASSIGN_OR_RETURN(auto t, TableImport::Open(DefaultFileSystem(), path, TableSchema(spec), o));
    RecordBatch out;
    RETURN_IF_ERROR(t->ReadRowGroup(0, &out));
    RETURN_IF_ERROR(out.ValidateAgainst(TableSchema(spec)));
    return out;
  };
  ASSERT_OK_AND_ASSIGN(RecordBatch same, read("ts:timestamp[us],sym:symbol,f:f32,d:f64", {}));
  EXPECT_EQ(same.column(0).int64s(), b.column(0).int64s());
  EXPECT_EQ(same.column(2).doubles(), b.column(2).doubles());
  ASSERT_OK_AND_ASSIGN(RecordBatch wide, read("ts:timestamp,sym:symbol,f:f64,d:f64", {}));
  EXPECT_EQ(wide.column(0).int64s(), b.column(0).int64s());
  EXPECT_EQ(wide.column(2).doubles(), b.column(2).doubles());
  auto lossy = read("ts:timestamp,sym:symbol,f:f32,d:f32", {});
  ASSERT_FALSE(lossy.ok());
  EXPECT_NE(lossy.status().message().find("without losing digits (--allow-lossy stores the nearest float)"),
            std::string::npos)
      << lossy.status().ToString();
  ASSERT_OK_AND_ASSIGN(RecordBatch narrowed, read("ts:timestamp,sym:symbol,f:f32,d:f32", {.allow_lossy = true}));
  EXPECT_EQ(narrowed.column(3).doubles()[1], static_cast<double>(static_cast<float>(1.0 / 3.0)));
  auto fine = read("ts:timestamp[ms],sym:symbol,f:f32,d:f64", {});
  ASSERT_FALSE(fine.ok());
  EXPECT_NE(fine.status().message().find("column ts, row 2: 2026-03-02T14:30:00.001001Z is finer than the column's "
                                         "timestamp[ms] (--truncate-timestamps rounds it down)"),
            std::string::npos)
      << fine.status().ToString();
  ASSERT_OK_AND_ASSIGN(RecordBatch ms, read("ts:timestamp[ms],sym:symbol,f:f32,d:f64", {.truncate_timestamps = true}));
  EXPECT_EQ(ms.column(0).int64s()[1], kT0 + 1000000);
}

}  // namespace
}  // namespace strata::parquet
