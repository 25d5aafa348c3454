// Round trips through our writer and reader: every type x encoding x codec x page version,
// with and without nulls, edge values, one row and zero rows.
#include <gtest/gtest.h>

#include <cstring>

#include "parquet/parquet_reader.h"
#include "parquet/parquet_test_util.h"
#include "parquet/parquet_writer.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

using testing::FirstDifference;
using testing::MakeAllTypes;

struct Config {
  ColumnEncoding encoding;
  CompressionType codec;
  PageVersion version;
};

std::string ConfigName(const Config& c) {
  return std::string(ColumnEncodingName(c.encoding)) + "_" + std::string(CompressionTypeName(c.codec)) + "_v" +
         std::to_string(static_cast<int>(c.version));
}

// Applies `e` to every column that can take it; the others keep the default.
WriterOptions OptionsFor(const Config& c, const std::vector<Field>& fields) {
  WriterOptions o;
  o.compression = c.codec;
  o.page_version = c.version;
  o.row_group_rows = 1500;
  o.page_rows = 400;
  for (const Field& f : fields) {
    if (ResolveEncoding(c.encoding, f.type).ok()) o.column_encodings[f.name] = c.encoding;
  }
  return o;
}

class RoundTrip : public ::testing::TestWithParam<Config> {};

TEST_P(RoundTrip, EveryTypeWithAndWithoutNulls) {
  ::strata::testing::TempDir dir;
  RecordBatch batch = MakeAllTypes(3500, 42);
  WriterOptions o = OptionsFor(GetParam(), batch.fields());
  std::string path = dir.Join("t.parquet");
  ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));
  ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), path));
  EXPECT_EQ(reader->num_rows(), 3500);
  EXPECT_EQ(reader->num_row_groups(), 3);
  ASSERT_OK_AND_ASSIGN(RecordBatch back, reader->Read());
  EXPECT_EQ(FirstDifference(batch, back), "");
  // The encodings asked for are the ones in the file.
  for (const ColumnChunk& cc : reader->metadata().row_groups[0].columns) {
    const ColumnMetaData& m = *cc.meta_data;
    auto it = o.column_encodings.find(m.path_in_schema[0]);
    if (it == o.column_encodings.end()) continue;
    ColumnType t = batch.fields()[reader->FindColumn(m.path_in_schema[0])].type;
    ColumnEncoding resolved = ResolveEncoding(it->second, t).value();
    if (it->second == ColumnEncoding::kStrongest) continue;  // chosen per chunk by trial
    if (it->second == ColumnEncoding::kAuto && resolved == ColumnEncoding::kDictionary) continue;  // may be dropped
    Encoding want = resolved == ColumnEncoding::kPlain                  ? Encoding::kPlain
                    : resolved == ColumnEncoding::kDictionary           ? Encoding::kRleDictionary
                    : resolved == ColumnEncoding::kDeltaBinaryPacked    ? Encoding::kDeltaBinaryPacked
                    : resolved == ColumnEncoding::kByteStreamSplit      ? Encoding::kByteStreamSplit
                    : resolved == ColumnEncoding::kDeltaLengthByteArray ? Encoding::kDeltaLengthByteArray
                    : resolved == ColumnEncoding::kDeltaByteArray       ? Encoding::kDeltaByteArray
                                                                        : Encoding::kRle;
    EXPECT_NE(std::find(m.encodings.begin(), m.encodings.end(), want), m.encodings.end())
        << m.path_in_schema[0] << " lacks " << EncodingName(want);
  }
}

TEST_P(RoundTrip, OneRowAndZeroRows) {
  ::strata::testing::TempDir dir;
  for (size_t rows : {size_t{1}, size_t{0}}) {
    RecordBatch batch = MakeAllTypes(rows, 7);
    std::string path = dir.Join("r" + std::to_string(rows) + ".parquet");
    ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, OptionsFor(GetParam(), batch.fields())));
    ASSERT_OK_AND_ASSIGN(RecordBatch back, ReadParquetFile(DefaultFileSystem(), path));
    EXPECT_EQ(FirstDifference(batch, back), "") << rows;
  }
}

// f32 and timestamp[us]/[ms] columns: FLOAT and TIMESTAMP(MICROS/MILLIS) in the file, statistics
// in the stored unit, and read back as the same types and values.
TEST_P(RoundTrip, F32AndCoarserTimestamps) {
  ::strata::testing::TempDir dir;
  for (strata::TimeUnit unit : {strata::TimeUnit::kMicros, strata::TimeUnit::kMillis}) {
    RecordBatch batch(std::vector<Field>{Field{"ts", ColumnType::kTimestamp, false, unit},
                                         Field{"sym", ColumnType::kSymbol, false, strata::TimeUnit::kNanos},
                                         Field{"f", ColumnType::kFloat32, false, strata::TimeUnit::kNanos},
                                         Field{"g", ColumnType::kFloat32, true, strata::TimeUnit::kNanos}});
    const int64_t step = NanosPerUnit(unit) * 3;
    for (size_t r = 0; r < 2500; ++r) {
      batch.column(0).AppendInt64(1772461800000000000 + static_cast<int64_t>(r) * step);
      batch.column(1).AppendString(r % 3 ? "AAPL" : "MSFT");
      const float v = r % 7 == 0 ? -0.0f : static_cast<float>(r % 50) / 10.0f - 2.0f;
      batch.column(2).AppendDouble(v);
      r % 4 == 1 ? batch.column(3).AppendNull() : batch.column(3).AppendDouble(static_cast<float>(r) * 1e30f);
    }
    WriterOptions o = OptionsFor(GetParam(), batch.fields());
    const std::string path = dir.Join(std::string(TimeUnitName(unit)) + ".parquet");
    ASSERT_OK(WriteParquetFile(DefaultFileSystem(), path, batch, o));
    ASSERT_OK_AND_ASSIGN(auto reader, ParquetReader::Open(DefaultFileSystem(), path));
    const FileMetaData& md = reader->metadata();
    for (const SchemaElement& e : md.schema) {
      if (e.name == "ts") {
        ASSERT_TRUE(e.logical_type.has_value());
        EXPECT_EQ(e.logical_type->unit,
                  unit == strata::TimeUnit::kMicros ? parquet::TimeUnit::kMicros : parquet::TimeUnit::kMillis);
      }
      if (e.name == "f" || e.name == "g") {
        EXPECT_EQ(e.type, Type::kFloat);
      }
    }
    // Row group 0's statistics: ts in the stored unit, f as 4-byte floats.
    const ColumnMetaData& ts = *md.row_groups[0].columns[0].meta_data;
    ASSERT_TRUE(ts.statistics && ts.statistics->min_value);
    int64_t min_ts = 0;
    std::memcpy(&min_ts, ts.statistics->min_value->data(), 8);
    EXPECT_EQ(min_ts, 1772461800000000000 / NanosPerUnit(unit));
    const ColumnMetaData& f = *md.row_groups[0].columns[2].meta_data;
    ASSERT_TRUE(f.statistics && f.statistics->min_value && f.statistics->max_value);
    ASSERT_EQ(f.statistics->min_value->size(), 4u);
    float fmin, fmax;
    std::memcpy(&fmin, f.statistics->min_value->data(), 4);
    std::memcpy(&fmax, f.statistics->max_value->data(), 4);
    EXPECT_EQ(fmin, -2.0f);
    EXPECT_EQ(fmax, 2.9f);
    ASSERT_OK_AND_ASSIGN(RecordBatch back, reader->Read());
    ASSERT_EQ(back.fields(), batch.fields());
    EXPECT_EQ(FirstDifference(batch, back), "") << TimeUnitName(unit);
    // A time-range read prunes with the stored unit's page bounds and keeps the right rows.
    const int64_t from = 1772461800000000000 + 1000 * step, to = from + 10 * step;
    ReadOptions ro;
    ro.time_range = TimeRange{"ts", from, to};
    ASSERT_OK_AND_ASSIGN(RecordBatch part, reader->Read(ro));
    size_t in_range = 0;
    for (int64_t t : part.column(0).int64s()) in_range += t >= from && t < to;
    EXPECT_EQ(in_range, 10u);
    EXPECT_LT(part.num_rows(), batch.num_rows());  // the other row group was skipped
  }
}

std::vector<Config> AllConfigs() {
  std::vector<Config> out;
  for (ColumnEncoding e :
       {ColumnEncoding::kAuto, ColumnEncoding::kStrongest, ColumnEncoding::kPlain, ColumnEncoding::kDictionary,
        ColumnEncoding::kDeltaBinaryPacked, ColumnEncoding::kByteStreamSplit, ColumnEncoding::kDeltaLengthByteArray,
        ColumnEncoding::kDeltaByteArray, ColumnEncoding::kRle}) {
    for (CompressionType c : {CompressionType::kNone, CompressionType::kSnappy, CompressionType::kGzip,
                              CompressionType::kLz4Raw, CompressionType::kZstd}) {
      for (PageVersion v : {PageVersion::kV1, PageVersion::kV2}) out.push_back({e, c, v});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(All, RoundTrip, ::testing::ValuesIn(AllConfigs()),
                         [](const auto& info) { return ConfigName(info.param); });

}  // namespace
}  // namespace strata::parquet
