// Round trips through our writer and reader: every type x encoding x codec x page version,
// with and without nulls, edge values, one row and zero rows.
#include <gtest/gtest.h>

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
