#include "parquet/inspect.h"

#include <gtest/gtest.h>

#include "parquet/parquet_writer.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

TEST(Inspect, DescribesSchemaRowGroupsEncodingsAndStatistics) {
  ::strata::testing::TempDir dir;
  RecordBatch batch = ::strata::testing::MakeTrades(3000, 3, 1772460000000000000LL, 5);
  WriterOptions o;
  o.row_group_rows = 2000;
  o.compression = CompressionType::kZstd;
  o.column_encodings["ts"] = ColumnEncoding::kDeltaBinaryPacked;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("i.parquet"), batch, o));
  std::string text;
  ASSERT_OK(InspectParquet(DefaultFileSystem(), dir.Join("i.parquet"), &text));
  for (const char* want :
       {"rows: 3000", "row groups: 2", "created by: strata version 0.1.0", "TIMESTAMP(NANOS)", "-> timestamp",
        "-> symbol", "STRING", "strata.schema = ts:timestamp", "row group 1: 1000 rows", "ZSTD", "DELTA_BINARY_PACKED",
        "min 2026-03-02T14:00:00Z max 2026-03-02T14:00:01.999Z", "nulls 0", "page index: column index offset index"}) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing '" << want << "' in:\n" << text;
  }
  EXPECT_FALSE(InspectParquet(DefaultFileSystem(), dir.Join("missing.parquet"), &text).ok());
}

TEST(Inspect, DescribesOtherWritersFiles) {
  std::string data = ::strata::testing::SharedDir() + "/data/parquet-testing/data/";
  std::string text;
  ASSERT_OK(InspectParquet(DefaultFileSystem(), data + "alltypes_plain.parquet", &text));
  EXPECT_NE(text.find("INT96"), std::string::npos) << text;
  text.clear();
  ASSERT_OK(InspectParquet(DefaultFileSystem(), data + "nested_lists.snappy.parquet", &text));
  EXPECT_NE(text.find("unsupported nested column a"), std::string::npos) << text;
  text.clear();
  ASSERT_OK(InspectParquet(DefaultFileSystem(), data + "int32_decimal.parquet", &text));
  EXPECT_NE(text.find("DECIMAL(4,2)"), std::string::npos) << text;
}

}  // namespace
}  // namespace strata::parquet
