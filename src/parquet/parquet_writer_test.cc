#include "parquet/parquet_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "io/fault_injection_fs.h"
#include "parquet/parquet_reader.h"
#include "parquet/parquet_test_util.h"
#include "parquet/statistics.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

using ::strata::testing::TempDir;
using testing::FirstDifference;
using testing::MakeAllTypes;

RecordBatch Trades(size_t rows, uint64_t seed = 1) {
  return ::strata::testing::MakeTrades(rows, 5, 1772460000000000000LL, seed);
}

TEST(ParquetWriter, ManySmallWritesMakeTheSameFileAsOneBigWrite) {
  TempDir dir;
  RecordBatch batch = MakeAllTypes(5000, 3);
  WriterOptions o;
  o.row_group_rows = 1200;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("one.parquet"), batch, o));
  ASSERT_OK_AND_ASSIGN(auto w, ParquetWriter::Open(DefaultFileSystem(), dir.Join("many.parquet"), batch.fields(), o));
  for (size_t at = 0; at < 5000;) {
    size_t n = std::min<size_t>(5000 - at, 1 + at % 977);
    ASSERT_OK(w->Write(batch.Slice(at, n)));
    at += n;
  }
  EXPECT_EQ(w->rows_written(), 4800);  // the last 200 rows wait for Close
  ASSERT_OK(w->Close());
  EXPECT_EQ(w->rows_written(), 5000);
  ASSERT_OK_AND_ASSIGN(std::string one, DefaultFileSystem()->ReadFile(dir.Join("one.parquet")));
  ASSERT_OK_AND_ASSIGN(std::string many, DefaultFileSystem()->ReadFile(dir.Join("many.parquet")));
  EXPECT_EQ(one, many);
  EXPECT_EQ(w->bytes_written(), many.size());
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), dir.Join("many.parquet")));
  EXPECT_EQ(reader->num_row_groups(), 5);
  ASSERT_OK_AND_ASSIGN(RecordBatch back, reader->Read());
  EXPECT_EQ(FirstDifference(batch, back), "");
}

TEST(ParquetWriter, RejectsBadOptionsAndBatches) {
  TempDir dir;
  RecordBatch batch = Trades(10);
  WriterOptions o;
  o.column_encodings["price"] = ColumnEncoding::kDeltaBinaryPacked;
  Status st = ParquetWriter::Open(DefaultFileSystem(), dir.Join("a.parquet"), batch.fields(), o).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("column price"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("delta_binary_packed cannot store a f64 column"), std::string::npos) << st.message();
  o = {};
  o.column_encodings["nope"] = ColumnEncoding::kPlain;
  EXPECT_EQ(ParquetWriter::Open(DefaultFileSystem(), dir.Join("a.parquet"), batch.fields(), o).status().code(),
            StatusCode::kInvalidArgument);
  o = {};
  o.row_group_rows = 0;
  EXPECT_EQ(ParquetWriter::Open(DefaultFileSystem(), dir.Join("a.parquet"), batch.fields(), o).status().code(),
            StatusCode::kInvalidArgument);
  o = {};
  o.compression = CompressionType::kZstd;
  o.compression_level = 40;
  EXPECT_EQ(ParquetWriter::Open(DefaultFileSystem(), dir.Join("a.parquet"), batch.fields(), o).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParquetWriter::Open(DefaultFileSystem(), dir.Join("a.parquet"), {}, {}).status().code(),
            StatusCode::kInvalidArgument);
  // A batch with other columns.
  ASSERT_OK_AND_ASSIGN(auto w, ParquetWriter::Open(DefaultFileSystem(), dir.Join("b.parquet"), batch.fields()));
  ASSERT_OK_AND_ASSIGN(RecordBatch other, batch.Project({"ts", "price"}));
  EXPECT_EQ(w->Write(other).code(), StatusCode::kInvalidArgument);
  ASSERT_OK(w->Close());
  EXPECT_EQ(w->Close().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->Write(batch).code(), StatusCode::kInvalidArgument);
}

TEST(ParquetWriter, AbandonedWriterRemovesItsFile) {
  TempDir dir;
  RecordBatch batch = Trades(100);
  {
    ASSERT_OK_AND_ASSIGN(auto w, ParquetWriter::Open(DefaultFileSystem(), dir.Join("x.parquet"), batch.fields()));
    ASSERT_OK(w->Write(batch));
  }
  EXPECT_FALSE(DefaultFileSystem()->Exists(dir.Join("x.parquet")).value());
  EXPECT_TRUE(DefaultFileSystem()->ListDir(dir.path()).value().empty());
}

TEST(ParquetWriter, AtomicWriteSurvivesACrashAtEveryStep) {
  TempDir dir;
  RecordBatch batch = Trades(3000);
  WriterOptions o;
  o.atomic = true;
  o.row_group_rows = 1000;
  std::string path = dir.Join("t.parquet");
  int ops;
  {
    FaultInjectionFileSystem fs(DefaultFileSystem());
    ASSERT_OK(WriteParquetFile(&fs, path, batch, o));
    ops = fs.mutating_ops();
    ASSERT_OK(fs.DropUnsyncedData());
    ASSERT_OK_AND_ASSIGN(RecordBatch back, ReadParquetFile(&fs, path));  // durable once Close returns
    EXPECT_EQ(FirstDifference(batch, back), "");
    ASSERT_OK(fs.RemoveFile(path));
    ASSERT_OK(fs.SyncDir(dir.path()));
  }
  ASSERT_GE(ops, 6);  // create, appends, sync, rename, sync dir
  for (int k : ::strata::testing::CrashPoints(ops)) {
    FaultInjectionFileSystem fs(DefaultFileSystem());
    fs.CrashAtOp(k);
    EXPECT_FALSE(WriteParquetFile(&fs, path, batch, o).ok()) << k;
    ASSERT_OK(fs.DropUnsyncedData());
    // Either no file or the whole file; never a torn one.
    ASSERT_OK_AND_ASSIGN(bool exists, fs.Exists(path));
    if (exists) {
      ASSERT_OK_AND_ASSIGN(RecordBatch back, ReadParquetFile(&fs, path));
      EXPECT_EQ(FirstDifference(batch, back), "") << k;
      ASSERT_OK(fs.RemoveFile(path));
      ASSERT_OK(fs.SyncDir(dir.path()));
    }
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> left, fs.ListDir(dir.path()));
    for (const std::string& name : left) ASSERT_OK(fs.RemoveFile(dir.Join(name)));  // temp files a crash left
  }
}

TEST(ParquetWriter, FullDiskIsNoSpaceAndLeavesNothing) {
  TempDir dir;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  fs.SetSpaceLimit(20000);
  WriterOptions o;
  o.atomic = true;
  o.compression = CompressionType::kNone;
  Status st = WriteParquetFile(&fs, dir.Join("t.parquet"), Trades(5000), o);
  EXPECT_EQ(st.code(), StatusCode::kNoSpace) << st.ToString();
  EXPECT_TRUE(fs.ListDir(dir.path()).value().empty());
  // A writer that failed stays failed, even once space is back.
  FaultInjectionFileSystem fs2(DefaultFileSystem());
  fs2.SetSpaceLimit(20000);
  o.row_group_rows = 1000;
  RecordBatch batch = Trades(5000);
  ASSERT_OK_AND_ASSIGN(auto w, ParquetWriter::Open(&fs2, dir.Join("u.parquet"), batch.fields(), o));
  EXPECT_EQ(w->Write(batch).code(), StatusCode::kNoSpace);
  fs2.SetSpaceLimit(UINT64_MAX);
  EXPECT_EQ(w->Write(batch).code(), StatusCode::kNoSpace);
  EXPECT_EQ(w->Close().code(), StatusCode::kNoSpace);
}

TEST(ParquetWriter, DictionaryFallsBackWhenFull) {
  TempDir dir;
  RecordBatch batch({Field{"s", ColumnType::kString, false}});
  for (int i = 0; i < 20000; ++i) batch.column(0).AppendString("unique-value-" + std::to_string(i));
  WriterOptions o;
  o.default_encoding = ColumnEncoding::kDictionary;  // asked for: kept although every value differs
  o.dictionary_page_bytes = 30000;
  o.page_rows = 1000;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("d.parquet"), batch, o));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), dir.Join("d.parquet")));
  const ColumnMetaData& m = *reader->metadata().row_groups[0].columns[0].meta_data;
  EXPECT_TRUE(m.dictionary_page_offset.has_value());
  auto has = [&](Encoding e) { return std::find(m.encodings.begin(), m.encodings.end(), e) != m.encodings.end(); };
  EXPECT_TRUE(has(Encoding::kRleDictionary));
  EXPECT_TRUE(has(Encoding::kPlain));
  ASSERT_OK_AND_ASSIGN(RecordBatch back, reader->Read());
  EXPECT_EQ(FirstDifference(batch, back), "");
  // "strongest" falls back to DELTA_BYTE_ARRAY instead.
  o.default_encoding = ColumnEncoding::kStrongest;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("s.parquet"), batch, o));
  ASSERT_OK_AND_ASSIGN(auto r2, ParquetReader::Open(DefaultFileSystem(), dir.Join("s.parquet")));
  const auto& enc = r2->metadata().row_groups[0].columns[0].meta_data->encodings;
  EXPECT_NE(std::find(enc.begin(), enc.end(), Encoding::kDeltaByteArray), enc.end());
  ASSERT_OK_AND_ASSIGN(RecordBatch back2, r2->Read());
  EXPECT_EQ(FirstDifference(batch, back2), "");
}

TEST(ParquetWriter, AutoDropsDictionariesOfDistinctValues) {
  TempDir dir;
  RecordBatch batch = Trades(10000);
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("a.parquet"), batch));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), dir.Join("a.parquet")));
  auto encodings = [&](int c) { return reader->metadata().row_groups[0].columns[c].meta_data->encodings; };
  auto has = [](const std::vector<Encoding>& v, Encoding e) { return std::find(v.begin(), v.end(), e) != v.end(); };
  // Every ts differs: PLAIN, no dictionary page.
  EXPECT_FALSE(has(encodings(0), Encoding::kRleDictionary));
  EXPECT_FALSE(reader->metadata().row_groups[0].columns[0].meta_data->dictionary_page_offset.has_value());
  // symbol, size and exchange repeat: dictionary. (trade_id repeats across the 5 symbols, 20%
  // distinct, and keeps its dictionary too.)
  EXPECT_TRUE(has(encodings(1), Encoding::kRleDictionary));
  EXPECT_TRUE(has(encodings(3), Encoding::kRleDictionary));
  EXPECT_TRUE(has(encodings(5), Encoding::kRleDictionary));
  ASSERT_OK_AND_ASSIGN(RecordBatch back, reader->Read());
  EXPECT_EQ(FirstDifference(batch, back), "");
}

TEST(ParquetWriter, MetadataStatisticsAndPageIndex) {
  TempDir dir;
  RecordBatch batch = MakeAllTypes(2000, 9);
  WriterOptions o;
  o.page_rows = 500;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("m.parquet"), batch, o));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), dir.Join("m.parquet")));
  const FileMetaData& md = reader->metadata();
  EXPECT_EQ(md.created_by, "strata version 0.1.0");
  ASSERT_EQ(md.key_value_metadata.size(), 1u);
  EXPECT_EQ(md.key_value_metadata[0].key, "strata.schema");
  EXPECT_EQ(*md.key_value_metadata[0].value,
            "ts:timestamp,sym:symbol,f:f64,i:i64,k:i32,s:string,b:bool,n_ts:timestamp?,n_sym:symbol?,n_f:f64?,"
            "n_i:i64?,n_k:i32?,n_s:string?,n_b:bool?");
  // The symbol type survives through the metadata; without it the column would be a string.
  EXPECT_EQ(reader->columns()[1].field.type, ColumnType::kSymbol);
  EXPECT_EQ(md.schema[1].logical_type->kind, LogicalType::Kind::kTimestamp);
  EXPECT_EQ(md.schema[1].logical_type->unit, TimeUnit::kNanos);
  // Not UTC-adjusted by default: DuckDB reads TIMESTAMP_NS exactly (issue 16).
  EXPECT_FALSE(md.schema[1].logical_type->is_adjusted_to_utc);
  EXPECT_EQ(md.schema[2].converted_type, ConvertedType::kUtf8);
  EXPECT_EQ(md.schema[8].repetition, Repetition::kOptional);
  ASSERT_EQ(md.column_orders.size(), 14u);

  const ColumnChunk& ts = md.row_groups[0].columns[0];
  const Statistics& s = *ts.meta_data->statistics;
  EXPECT_EQ(DecodeInt64Stat(*s.min_value), batch.column(0).int64s().front());
  EXPECT_EQ(DecodeInt64Stat(*s.max_value), batch.column(0).int64s().back());
  EXPECT_EQ(s.null_count, 0);
  // Nulls are counted; NaNs are counted and kept out of min/max.
  const Statistics& nf = *md.row_groups[0].columns[9].meta_data->statistics;
  int64_t nulls = 0, nans = 0;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    nulls += batch.column(9).IsNull(r);
    nans += !batch.column(9).IsNull(r) && std::isnan(batch.column(9).doubles()[r]);
  }
  EXPECT_EQ(nf.null_count, nulls);
  EXPECT_EQ(nf.nan_count, nans);
  double mx;
  std::memcpy(&mx, nf.max_value->data(), 8);
  EXPECT_EQ(mx, std::numeric_limits<double>::infinity());
  // Long strings are truncated in statistics, with exactness said.
  const Statistics& str = *md.row_groups[0].columns[5].meta_data->statistics;
  EXPECT_LE(str.max_value->size(), kMaxStatBytes);
  EXPECT_FALSE(str.min.has_value());  // no signed-order min/max for strings

  ASSERT_TRUE(ts.offset_index_offset.has_value());
  ASSERT_TRUE(ts.column_index_offset.has_value());
  ASSERT_OK_AND_ASSIGN(std::string file, DefaultFileSystem()->ReadFile(dir.Join("m.parquet")));
  ColumnIndex ci;
  ASSERT_OK(
      DecodeColumnIndex(std::string_view(file).substr(*ts.column_index_offset, *ts.column_index_length), "ci", &ci));
  EXPECT_EQ(ci.null_pages.size(), 4u);
  EXPECT_EQ(ci.boundary_order, BoundaryOrder::kAscending);
  OffsetIndex oi;
  ASSERT_OK(
      DecodeOffsetIndex(std::string_view(file).substr(*ts.offset_index_offset, *ts.offset_index_length), "oi", &oi));
  ASSERT_EQ(oi.page_locations.size(), 4u);
  EXPECT_EQ(oi.page_locations[2].first_row_index, 1000);
  EXPECT_EQ(oi.page_locations[0].offset, ts.meta_data->data_page_offset);
}

TEST(ParquetWriter, OptionsTurnFeaturesOff) {
  TempDir dir;
  WriterOptions o;
  o.write_statistics = false;
  o.write_page_index = false;
  o.write_page_crc = false;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("p.parquet"), Trades(100), o));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), dir.Join("p.parquet")));
  const ColumnChunk& c = reader->metadata().row_groups[0].columns[0];
  EXPECT_FALSE(c.meta_data->statistics.has_value());
  EXPECT_FALSE(c.offset_index_offset.has_value());
  ASSERT_OK_AND_ASSIGN(std::string file, DefaultFileSystem()->ReadFile(dir.Join("p.parquet")));
  PageHeader h;
  size_t n;
  ASSERT_OK(DecodePageHeader(std::string_view(file).substr(c.meta_data->data_page_offset), "page", &h, &n));
  EXPECT_FALSE(h.crc.has_value());
}

TEST(ParquetWriter, CorruptedPageFailsItsCrc) {
  TempDir dir;
  WriterOptions o;
  o.compression = CompressionType::kNone;
  o.default_encoding = ColumnEncoding::kPlain;
  std::string path = dir.Join("c.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, Trades(100), o));
  ASSERT_OK_AND_ASSIGN(std::string file, DefaultFileSystem()->ReadFile(path));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), path));
  int64_t at = reader->metadata().row_groups[0].columns[2].meta_data->data_page_offset;  // price
  file[at + 40] ^= 0x10;  // inside the first page's values
  ASSERT_OK(DefaultFileSystem()->WriteFileAtomic(path, file));
  auto back = ReadParquetFile(DefaultFileSystem(), path);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("column price row group 0 page at offset " + std::to_string(at) +
                                         ": page CRC mismatch"),
            std::string::npos)
      << back.status().ToString();
}

TEST(ParquetWriter, StrongestPicksTheSmallestEncodingPerColumn) {
  TempDir dir;
  RecordBatch batch({Field{"seq", ColumnType::kInt64, false}, Field{"lots", ColumnType::kInt64, false},
                     Field{"noise", ColumnType::kFloat64, false}, Field{"ticks", ColumnType::kFloat64, false},
                     Field{"key", ColumnType::kString, false}, Field{"flag", ColumnType::kBool, false}});
  std::mt19937_64 rng(3);
  for (int i = 0; i < 30000; ++i) {
    batch.column(0).AppendInt64(1000000 + i * 3);                             // steady steps: delta
    batch.column(1).AppendInt64(100 * (1 + static_cast<int>(rng() % 5)));     // few values: dictionary
    batch.column(2).AppendDouble(static_cast<double>(rng()) / 3.0);           // noise: byte stream split
    batch.column(3).AppendDouble(100 + static_cast<int>(rng() % 20) * 0.01);  // few prices: dictionary
    batch.column(4).AppendString("customer-" + std::to_string(1000000 + i));  // sorted keys: delta strings
    batch.column(5).AppendBool(i >= 15000);                                   // long runs: RLE
  }
  WriterOptions o;
  o.default_encoding = ColumnEncoding::kStrongest;
  o.compression = CompressionType::kZstd;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("s.parquet"), batch, o));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), dir.Join("s.parquet")));
  auto has = [&](int c, Encoding e) {
    const auto& v = reader->metadata().row_groups[0].columns[c].meta_data->encodings;
    return std::find(v.begin(), v.end(), e) != v.end();
  };
  EXPECT_TRUE(has(0, Encoding::kDeltaBinaryPacked));
  EXPECT_TRUE(has(1, Encoding::kRleDictionary));
  EXPECT_TRUE(has(2, Encoding::kByteStreamSplit) || has(2, Encoding::kPlain));
  EXPECT_TRUE(has(3, Encoding::kRleDictionary));
  EXPECT_TRUE(has(4, Encoding::kDeltaByteArray));
  EXPECT_TRUE(has(5, Encoding::kRle));
  ASSERT_OK_AND_ASSIGN(RecordBatch back, reader->Read());
  EXPECT_EQ(FirstDifference(batch, back), "");
}

TEST(ParquetWriter, StrongestEncodingsShrinkTrades) {
  TempDir dir;
  RecordBatch batch = Trades(50000);
  WriterOptions o;
  o.compression = CompressionType::kZstd;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("auto.parquet"), batch, o));
  o.default_encoding = ColumnEncoding::kStrongest;
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), dir.Join("strong.parquet"), batch, o));
  uint64_t a = DefaultFileSystem()->FileSize(dir.Join("auto.parquet")).value();
  uint64_t s = DefaultFileSystem()->FileSize(dir.Join("strong.parquet")).value();
  EXPECT_LT(s, a);
  ASSERT_OK_AND_ASSIGN(RecordBatch back, ReadParquetFile(DefaultFileSystem(), dir.Join("strong.parquet")));
  EXPECT_EQ(FirstDifference(batch, back), "");
}

}  // namespace
}  // namespace strata::parquet
