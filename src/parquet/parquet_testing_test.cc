// Reads the public apache/parquet-testing files (../shared/data/parquet-testing): every flat
// file reads, values match the *_expect.csv files and files that must agree do; nested and
// known-bad files are refused with a clear error, never a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "parquet/parquet_reader.h"
#include "parquet/parquet_test_util.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

std::string DataDir() {
  std::string shared = ::strata::testing::SharedDir();
  EXPECT_FALSE(shared.empty()) << "STRATA_SHARED_DIR is not set";
  return shared + "/data/parquet-testing/data/";
}

std::string BadDataDir() { return ::strata::testing::SharedDir() + "/data/parquet-testing/bad_data/"; }

Result<RecordBatch> ReadFile(const std::string& path, const ReadOptions& options = {}, ReaderOptions ro = {}) {
  ASSIGN_OR_RETURN(auto reader, ParquetReader::Open(DefaultFileSystem(), path, ro));
  return reader->Read(options);
}

// Files with only flat columns, and their row counts.
const std::pair<const char*, size_t> kGoodFiles[] = {
    {"alltypes_dictionary.parquet", 2},
    {"alltypes_plain.parquet", 8},
    {"alltypes_plain.snappy.parquet", 2},
    {"alltypes_tiny_pages.parquet", 7300},
    {"alltypes_tiny_pages_plain.parquet", 7300},
    {"binary.parquet", 12},
    {"binary_truncated_min_max.parquet", 12},
    {"byte_array_decimal.parquet", 24},
    {"byte_stream_split.zstd.parquet", 300},
    {"byte_stream_split_extended.gzip.parquet", 200},
    {"column_chunk_key_value_metadata.parquet", 0},
    {"concatenated_gzip_members.parquet", 513},
    {"data_index_bloom_encoding_stats.parquet", 14},
    {"data_index_bloom_encoding_with_length.parquet", 14},
    {"datapage_v1-snappy-compressed-checksum.parquet", 5120},
    {"datapage_v1-uncompressed-checksum.parquet", 5120},
    {"datapage_v2_empty_datapage.snappy.parquet", 1},
    {"delta_binary_packed.parquet", 200},
    {"delta_byte_array.parquet", 1000},
    {"delta_encoding_optional_column.parquet", 100},
    {"delta_encoding_required_column.parquet", 100},
    {"delta_length_byte_array.parquet", 1000},
    {"dict-page-offset-zero.parquet", 39},
    {"fixed_length_byte_array.parquet", 1000},
    {"fixed_length_decimal.parquet", 24},
    {"fixed_length_decimal_legacy.parquet", 24},
    {"float16_nonzeros_and_nans.parquet", 8},
    {"float16_zeros_and_nans.parquet", 3},
    {"floating_orders_nan_count.parquet", 50},
    {"hadoop_lz4_compressed.parquet", 4},
    {"hadoop_lz4_compressed_larger.parquet", 10000},
    {"int32_decimal.parquet", 24},
    {"int32_with_null_pages.parquet", 1000},
    {"int64_decimal.parquet", 24},
    {"lz4_raw_compressed.parquet", 4},
    {"lz4_raw_compressed_larger.parquet", 10000},
    {"nan_in_stats.parquet", 2},
    {"non_hadoop_lz4_compressed.parquet", 4},
    {"overflow_i16_page_cnt.parquet", 40000},
    {"page_v2_empty_compressed.parquet", 10},
    {"plain-dict-uncompressed-checksum.parquet", 1000},
    {"rle-dict-snappy-checksum.parquet", 1000},
    {"rle_boolean_encoding.parquet", 68},
    {"single_nan.parquet", 1},
    {"sort_columns.parquet", 6},
    {"unknown-logical-type.parquet", 3},
};

// Files we refuse, and what the error says.
const std::pair<const char*, const char*> kRefusedFiles[] = {
    {"datapage_v1-corrupt-checksum.parquet", "page CRC mismatch"},
    {"rle-dict-uncompressed-corrupt-checksum.parquet", "page CRC mismatch"},
    {"nation.dict-malformed.parquet", "runs past the column chunk"},
    // Spark's INT96 values reach years 1 and 9999; strata timestamps are int64 nanoseconds.
    {"int96_from_spark.parquet", "outside the nanosecond range"},
    {"datapage_v2.snappy.parquet", "unsupported nested column e"},
    {"incorrect_map_schema.parquet", "unsupported nested column my_map"},
    {"large_string_map.brotli.parquet", "unsupported nested column arr"},
    {"list_columns.parquet", "unsupported nested column int64_list"},
    {"map_no_value.parquet", "unsupported nested column my_map"},
    {"nested_lists.snappy.parquet", "unsupported nested column a"},
    {"nested_maps.snappy.parquet", "unsupported nested column a"},
    {"nested_structs.rust.parquet", "unsupported nested column roll_num"},
    {"nonnullable.impala.parquet", "unsupported nested column Int_Array"},
    {"null_list.parquet", "unsupported nested column emptylist"},
    {"nullable.impala.parquet", "unsupported nested column int_array"},
    {"nulls.snappy.parquet", "unsupported nested column b_struct"},
    {"old_list_structure.parquet", "unsupported nested column a"},
    {"repeated_no_annotation.parquet", "unsupported nested column phoneNumbers"},
    {"repeated_primitive_no_list.parquet", "unsupported nested column Int32_list"},
};

TEST(ParquetTesting, EveryFileIsListedHere) {
  ASSERT_OK_AND_ASSIGN(auto names, DefaultFileSystem()->ListDir(DataDir()));
  size_t listed = 0;
  for (const std::string& n : names) {
    if (n.size() < 8 || n.substr(n.size() - 8) != ".parquet") continue;
    bool found = false;
    for (const auto& [f, rows] : kGoodFiles) found |= n == f;
    for (const auto& [f, err] : kRefusedFiles) found |= n == f;
    EXPECT_TRUE(found) << n << " is new: decide whether it must read or be refused";
    ++listed;
  }
  EXPECT_EQ(listed, std::size(kGoodFiles) + std::size(kRefusedFiles));
}

TEST(ParquetTesting, GoodFilesRead) {
  for (const auto& [file, rows] : kGoodFiles) {
    auto batch = ReadFile(DataDir() + file);
    ASSERT_TRUE(batch.ok()) << file << ": " << batch.status().ToString();
    EXPECT_EQ(batch->num_rows(), rows) << file;
    EXPECT_OK(batch->Validate());
  }
}

TEST(ParquetTesting, RefusedFilesSayWhy) {
  for (const auto& [file, why] : kRefusedFiles) {
    auto batch = ReadFile(DataDir() + file);
    ASSERT_FALSE(batch.ok()) << file;
    EXPECT_NE(batch.status().message().find(why), std::string::npos) << file << ": " << batch.status().ToString();
    EXPECT_NE(batch.status().message().find(file), std::string::npos) << "error does not name the file";
  }
}

TEST(ParquetTesting, FlatColumnsOfPartlyNestedFilesRead) {
  ReadOptions o;
  o.columns = {"a", "b", "c", "d"};
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadFile(DataDir() + "datapage_v2.snappy.parquet", o));
  EXPECT_EQ(b.num_rows(), 5u);
  EXPECT_EQ(b.column(0).GetString(0), "abc");
  EXPECT_EQ(b.column(1).int32s()[4], 5);
  EXPECT_DOUBLE_EQ(b.column(2).doubles()[0], 2.0);
  EXPECT_EQ(b.column(3).bools()[0], 1);
}

TEST(ParquetTesting, CorruptChecksumReadsWhenNotVerifying) {
  ReaderOptions ro;
  ro.verify_checksums = false;
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadFile(DataDir() + "datapage_v1-corrupt-checksum.parquet", {}, ro));
  EXPECT_EQ(b.num_rows(), 5120u);
}

// A minimal CSV reader for the *_expect.csv files: quoted fields, "" escapes; an unquoted
// empty field is null.
std::vector<std::vector<std::optional<std::string>>> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<std::vector<std::optional<std::string>>> rows(1);
  std::string field;
  bool quoted = false, in_quotes = false;
  auto end_field = [&] {
    rows.back().push_back(quoted || !field.empty() ? std::optional<std::string>(field) : std::nullopt);
    field.clear();
    quoted = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      in_quotes = quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_field();
      rows.emplace_back();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!rows.back().empty() || !field.empty()) end_field();
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

std::optional<std::string> AsText(const Column& c, size_t r) {
  if (c.IsNull(r)) return std::nullopt;
  switch (c.type()) {
    case ColumnType::kInt32: return std::to_string(c.int32s()[r]);
    case ColumnType::kInt64: return std::to_string(c.int64s()[r]);
    case ColumnType::kString:
    case ColumnType::kSymbol: return std::string(c.GetString(r));
    default: return "?";
  }
}

TEST(ParquetTesting, ValuesMatchExpectCsv) {
  for (const char* base : {"delta_binary_packed", "delta_byte_array", "delta_encoding_optional_column",
                           "delta_encoding_required_column"}) {
    ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadFile(DataDir() + base + ".parquet"));
    auto csv = ReadCsv(DataDir() + base + "_expect.csv");
    ASSERT_EQ(csv.size(), b.num_rows() + 1) << base;
    ASSERT_EQ(csv[0].size(), b.num_columns()) << base;
    size_t checked = 0;
    for (size_t r = 0; r < b.num_rows(); ++r) {
      for (size_t c = 0; c < b.num_columns(); ++c) {
        ASSERT_EQ(AsText(b.column(c), r), csv[r + 1][c]) << base << " row " << r << " column " << b.fields()[c].name;
        ++checked;
      }
    }
    EXPECT_EQ(checked, b.num_rows() * b.num_columns());
  }
}

void ExpectSameValues(const std::string& a, const std::string& b) {
  ASSERT_OK_AND_ASSIGN(RecordBatch x, ReadFile(DataDir() + a));
  ASSERT_OK_AND_ASSIGN(RecordBatch y, ReadFile(DataDir() + b));
  ASSERT_EQ(x.num_columns(), y.num_columns()) << a << " vs " << b;
  for (size_t c = 0; c < x.num_columns(); ++c) {
    EXPECT_TRUE(x.column(c).Equals(y.column(c))) << a << " vs " << b << " column " << c;
  }
}

TEST(ParquetTesting, FilesThatMustAgreeDo) {
  ExpectSameValues("alltypes_tiny_pages.parquet", "alltypes_tiny_pages_plain.parquet");
  ExpectSameValues("datapage_v1-snappy-compressed-checksum.parquet", "datapage_v1-uncompressed-checksum.parquet");
  ExpectSameValues("lz4_raw_compressed.parquet", "non_hadoop_lz4_compressed.parquet");
  ExpectSameValues("lz4_raw_compressed.parquet", "hadoop_lz4_compressed.parquet");
  ExpectSameValues("lz4_raw_compressed_larger.parquet", "hadoop_lz4_compressed_larger.parquet");
  // Columns come in pairs: the same values PLAIN and BYTE_STREAM_SPLIT (float16, float,
  // double, int32, int64, FIXED_LEN_BYTE_ARRAY(5), decimal).
  ASSERT_OK_AND_ASSIGN(RecordBatch bss, ReadFile(DataDir() + "byte_stream_split_extended.gzip.parquet"));
  ASSERT_EQ(bss.num_columns(), 14u);
  for (size_t c = 0; c < 14; c += 2) {
    EXPECT_TRUE(bss.column(c).Equals(bss.column(c + 1))) << bss.fields()[c].name << " vs " << bss.fields()[c + 1].name;
  }
}

TEST(ParquetTesting, TypesAndKnownValues) {
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadFile(DataDir() + "alltypes_plain.parquet"));
  // id, bool_col, tinyint..bigint, float, double, date_string, string, timestamp (INT96).
  EXPECT_EQ(b.fields()[0].type, ColumnType::kInt32);
  EXPECT_EQ(b.fields()[6].type, ColumnType::kFloat64);
  EXPECT_EQ(b.fields()[10].type, ColumnType::kTimestamp);
  std::vector<int32_t> ids(b.column(0).int32s().begin(), b.column(0).int32s().end());
  EXPECT_EQ(ids, (std::vector<int32_t>{4, 5, 6, 7, 2, 3, 0, 1}));
  EXPECT_EQ(b.column(10).int64s()[0], 1235865600000000000);  // 2009-03-01T00:00:00Z
  EXPECT_EQ(b.column(9).GetString(1), "1");

  ASSERT_OK_AND_ASSIGN(RecordBatch dec, ReadFile(DataDir() + "int32_decimal.parquet"));
  EXPECT_EQ(dec.fields()[0].type, ColumnType::kFloat64);
  for (size_t r = 0; r < 24; ++r) EXPECT_DOUBLE_EQ(dec.column(0).doubles()[r], r + 1.0);  // 1.00 .. 24.00
  for (const char* f : {"int64_decimal.parquet", "fixed_length_decimal.parquet", "byte_array_decimal.parquet",
                        "fixed_length_decimal_legacy.parquet"}) {
    ASSERT_OK_AND_ASSIGN(RecordBatch d, ReadFile(DataDir() + f));
    EXPECT_TRUE(d.column(0).Equals(dec.column(0))) << f;
  }

  ASSERT_OK_AND_ASSIGN(RecordBatch h, ReadFile(DataDir() + "float16_nonzeros_and_nans.parquet"));
  EXPECT_TRUE(h.column(0).IsNull(0));
  EXPECT_DOUBLE_EQ(h.column(0).doubles()[1], 1.0);
  EXPECT_DOUBLE_EQ(h.column(0).doubles()[2], -2.0);
  EXPECT_TRUE(std::isnan(h.column(0).doubles()[3]));

  ASSERT_OK_AND_ASSIGN(RecordBatch nulls, ReadFile(DataDir() + "int32_with_null_pages.parquet"));
  EXPECT_TRUE(nulls.column(0).has_nulls());
}

// alltypes_tiny_pages has a page index over many small pages: a row range read fetches only the
// pages it needs and returns exactly the rows of a full read.
TEST(ParquetTesting, RowRangeUsesThePageIndex) {
  std::string path = DataDir() + "alltypes_tiny_pages.parquet";
  ReadOptions o;
  o.columns = {"id", "bigint_col", "double_col"};  // no dictionary pages to fetch
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), path));
  uint64_t footer_bytes = reader->bytes_read();
  ASSERT_OK_AND_ASSIGN(RecordBatch all, reader->Read(o));
  uint64_t full_bytes = reader->bytes_read() - footer_bytes;
  o.row_offset = 3000;
  o.row_limit = 150;
  ASSERT_OK_AND_ASSIGN(auto reader2, ParquetReader::Open(DefaultFileSystem(), path));
  ASSERT_OK_AND_ASSIGN(RecordBatch part, reader2->Read(o));
  EXPECT_EQ(testing::FirstDifference(part, all.Slice(3000, 150)), "");
  EXPECT_LT((reader2->bytes_read() - footer_bytes) * 3, full_bytes);
  // Without the page index the same rows come from whole column chunks.
  o.use_page_index = false;
  ASSERT_OK_AND_ASSIGN(auto reader3, ParquetReader::Open(DefaultFileSystem(), path));
  ASSERT_OK_AND_ASSIGN(RecordBatch part2, reader3->Read(o));
  EXPECT_EQ(testing::FirstDifference(part2, part), "");
  EXPECT_EQ(reader3->bytes_read() - footer_bytes, full_bytes);
}

TEST(ParquetTesting, BadDataIsRefusedNeverCrashes) {
  ASSERT_OK_AND_ASSIGN(auto names, DefaultFileSystem()->ListDir(BadDataDir()));
  int files = 0;
  for (const std::string& n : names) {
    if (n.size() < 8 || n.substr(n.size() - 8) != ".parquet") continue;
    ++files;
    auto batch = ReadFile(BadDataDir() + n);
    if (n == "ARROW-GH-43605.parquet") {
      // Not corrupt: it holds dictionary indices of bit width 0, which crashed a Go reader
      // (apache/parquet-testing#57). Reading it is right.
      ASSERT_TRUE(batch.ok()) << batch.status().ToString();
      EXPECT_EQ(batch->num_rows(), 21186u);
      continue;
    }
    ASSERT_FALSE(batch.ok()) << n << " was accepted";
    EXPECT_NE(batch.status().message().find(n), std::string::npos) << batch.status().ToString();
  }
  EXPECT_GE(files, 8);
}

}  // namespace
}  // namespace strata::parquet
