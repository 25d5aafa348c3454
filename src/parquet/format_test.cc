#include "parquet/format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "parquet/thrift_compact.h"
#include "testutil/testutil.h"

namespace strata::parquet {
namespace {

FileMetaData SampleMetaData() {
  FileMetaData f;
  f.version = 2;
  f.num_rows = 12345678901;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 2;
  f.schema.push_back(root);
  SchemaElement ts;
  ts.name = "ts";
  ts.type = Type::kInt64;
  ts.repetition = Repetition::kRequired;
  ts.logical_type = LogicalType{};
  ts.logical_type->kind = LogicalType::Kind::kTimestamp;
  ts.logical_type->is_adjusted_to_utc = true;
  ts.logical_type->unit = TimeUnit::kNanos;
  f.schema.push_back(ts);
  SchemaElement s;
  s.name = "sym";
  s.type = Type::kByteArray;
  s.repetition = Repetition::kOptional;
  s.converted_type = ConvertedType::kUtf8;
  s.logical_type = LogicalType{};
  s.logical_type->kind = LogicalType::Kind::kString;
  f.schema.push_back(s);
  RowGroup g;
  g.num_rows = 100;
  g.total_byte_size = 4000;
  g.file_offset = 4;
  g.ordinal = 0;
  for (int c = 0; c < 2; ++c) {
    ColumnChunk cc;
    cc.file_offset = 0;
    ColumnMetaData& m = cc.meta_data.emplace();
    m.type = c == 0 ? Type::kInt64 : Type::kByteArray;
    m.encodings = {Encoding::kRle, Encoding::kRleDictionary, Encoding::kPlain};
    m.path_in_schema = {c == 0 ? "ts" : "sym"};
    m.codec = CompressionCodec::kZstd;
    m.num_values = 100;
    m.total_compressed_size = 1000 + c;
    m.total_uncompressed_size = 2000 + c;
    m.data_page_offset = 4 + c * 1000;
    m.dictionary_page_offset = 4;
    Statistics& st = m.statistics.emplace();
    st.min_value = std::string("\x01\x00\x00\x00\x00\x00\x00\x80", 8);
    st.max_value = "zz";
    st.null_count = 0;
    st.nan_count = 3;
    st.is_max_value_exact = true;
    m.key_value_metadata.push_back({"k", std::nullopt});
    m.encoding_stats.push_back({PageType::kDataPage, Encoding::kRleDictionary, 3});
    cc.offset_index_offset = 5000 + c;
    cc.offset_index_length = 20;
    cc.column_index_offset = 6000 + c;
    cc.column_index_length = 30;
    g.columns.push_back(cc);
  }
  f.row_groups.push_back(g);
  f.key_value_metadata.push_back({"strata.schema", "ts:timestamp,sym:symbol?"});
  f.created_by = "strata test";
  f.column_orders.resize(2);
  return f;
}

TEST(Format, FileMetaDataRoundTrips) {
  FileMetaData f = SampleMetaData();
  std::string bytes;
  EncodeFileMetaData(f, &bytes);
  FileMetaData g;
  ASSERT_OK(DecodeFileMetaData(bytes, "test", &g));
  EXPECT_EQ(g.version, 2);
  EXPECT_EQ(g.num_rows, 12345678901);
  ASSERT_EQ(g.schema.size(), 3u);
  EXPECT_EQ(g.schema[0].num_children, 2);
  EXPECT_FALSE(g.schema[0].type.has_value());
  ASSERT_TRUE(g.schema[1].logical_type.has_value());
  EXPECT_EQ(g.schema[1].logical_type->kind, LogicalType::Kind::kTimestamp);
  EXPECT_EQ(g.schema[1].logical_type->unit, TimeUnit::kNanos);
  EXPECT_TRUE(g.schema[1].logical_type->is_adjusted_to_utc);
  EXPECT_EQ(g.schema[2].logical_type->kind, LogicalType::Kind::kString);
  EXPECT_EQ(g.schema[2].converted_type, ConvertedType::kUtf8);
  EXPECT_EQ(g.schema[2].repetition, Repetition::kOptional);
  ASSERT_EQ(g.row_groups.size(), 1u);
  const ColumnChunk& c1 = g.row_groups[0].columns[1];
  ASSERT_TRUE(c1.meta_data.has_value());
  EXPECT_EQ(c1.meta_data->encodings,
            (std::vector<Encoding>{Encoding::kRle, Encoding::kRleDictionary, Encoding::kPlain}));
  EXPECT_EQ(c1.meta_data->path_in_schema, std::vector<std::string>{"sym"});
  EXPECT_EQ(c1.meta_data->codec, CompressionCodec::kZstd);
  EXPECT_EQ(c1.meta_data->total_compressed_size, 1001);
  EXPECT_EQ(c1.meta_data->data_page_offset, 1004);
  EXPECT_EQ(c1.meta_data->dictionary_page_offset, 4);
  EXPECT_EQ(c1.meta_data->statistics->min_value, std::string("\x01\x00\x00\x00\x00\x00\x00\x80", 8));
  EXPECT_EQ(c1.meta_data->statistics->nan_count, 3);
  EXPECT_EQ(c1.meta_data->statistics->is_max_value_exact, true);
  EXPECT_FALSE(c1.meta_data->statistics->min.has_value());
  EXPECT_EQ(c1.meta_data->encoding_stats.size(), 1u);
  EXPECT_EQ(c1.offset_index_offset, 5001);
  EXPECT_EQ(c1.column_index_length, 30);
  EXPECT_EQ(g.key_value_metadata[0].value, "ts:timestamp,sym:symbol?");
  EXPECT_EQ(g.created_by, "strata test");
  ASSERT_EQ(g.column_orders.size(), 2u);
  EXPECT_EQ(g.column_orders[0].kind, ColumnOrder::Kind::kTypeDefined);
  // Re-encoding what we decoded gives the same bytes.
  std::string again;
  EncodeFileMetaData(g, &again);
  EXPECT_EQ(again, bytes);
}

TEST(Format, PageHeadersAndIndexesRoundTrip) {
  PageHeader h;
  h.type = PageType::kDataPageV2;
  h.uncompressed_page_size = 1 << 20;
  h.compressed_page_size = 12345;
  h.crc = -5;
  DataPageHeaderV2& v2 = h.data_page_header_v2.emplace();
  v2.num_values = 7;
  v2.num_nulls = 2;
  v2.num_rows = 7;
  v2.encoding = Encoding::kDeltaBinaryPacked;
  v2.definition_levels_byte_length = 3;
  v2.is_compressed = false;
  std::string bytes;
  EncodePageHeader(h, &bytes);
  bytes += "page body follows";
  PageHeader g;
  size_t n = 0;
  ASSERT_OK(DecodePageHeader(bytes, "page", &g, &n));
  EXPECT_EQ(bytes.substr(n), "page body follows");
  EXPECT_EQ(g.type, PageType::kDataPageV2);
  EXPECT_EQ(g.crc, -5);
  EXPECT_EQ(g.data_page_header_v2->num_nulls, 2);
  EXPECT_EQ(g.data_page_header_v2->encoding, Encoding::kDeltaBinaryPacked);
  EXPECT_FALSE(g.data_page_header_v2->is_compressed);

  ColumnIndex ci;
  ci.null_pages = {false, true, false};
  ci.min_values = {"a", "", "c"};
  ci.max_values = {"b", "", "d"};
  ci.boundary_order = BoundaryOrder::kAscending;
  ci.null_counts = std::vector<int64_t>{0, 10, 0};
  std::string cib;
  EncodeColumnIndex(ci, &cib);
  ColumnIndex ci2;
  ASSERT_OK(DecodeColumnIndex(cib, "ci", &ci2));
  EXPECT_EQ(ci2.null_pages, ci.null_pages);
  EXPECT_EQ(ci2.max_values, ci.max_values);
  EXPECT_EQ(ci2.boundary_order, BoundaryOrder::kAscending);
  EXPECT_EQ(ci2.null_counts, ci.null_counts);
  EXPECT_FALSE(ci2.nan_counts.has_value());

  OffsetIndex oi;
  for (int i = 0; i < 20; ++i) oi.page_locations.push_back({4 + i * 100, 100, i * 1000});
  std::string oib;
  EncodeOffsetIndex(oi, &oib);
  OffsetIndex oi2;
  ASSERT_OK(DecodeOffsetIndex(oib, "oi", &oi2));
  ASSERT_EQ(oi2.page_locations.size(), 20u);
  EXPECT_EQ(oi2.page_locations[19].first_row_index, 19000);
  EXPECT_EQ(oi2.page_locations[19].offset, 1904);
}

// A writer from the future adds fields of every wire type; we skip them all.
TEST(Format, UnknownFieldsAreSkipped) {
  std::string bytes;
  CompactWriter w(&bytes);
  w.BeginStruct();
  w.FieldI32(1, 0);  // DATA_PAGE
  w.FieldI32(2, 10);
  w.FieldI32(3, 10);
  w.FieldDouble(4000, 2.5);  // long-form field id, and an unknown double
  w.FieldStruct(5);          // data_page_header; delta from 4000 is negative: long form again
  w.BeginStruct();
  w.FieldI32(1, 3);
  w.FieldList(2, ThriftType::kStruct, 2);  // id 2 is `encoding`, an i32: this list is a type error
  w.BeginStruct();
  w.EndStruct();
  w.BeginStruct();
  w.FieldBool(1, true);
  w.EndStruct();
  w.EndStruct();
  w.FieldList(20, ThriftType::kBoolTrue, 3);
  w.ElemBool(true);
  w.ElemBool(false);
  w.ElemBool(true);
  w.FieldBool(21, false);
  w.FieldBinary(22, "opaque");
  w.FieldStruct(23);
  w.BeginStruct();
  w.FieldStruct(1);
  w.BeginStruct();
  w.FieldI64(7, -1);
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  PageHeader h;
  size_t n;
  // Field 2 of DataPageHeader has the wrong wire type: it is skipped like an unknown field, so
  // the required `encoding` is missing.
  Status st = DecodePageHeader(bytes, "page at offset 4", &h, &n);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("page at offset 4"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("DataPageHeader lacks required field"), std::string::npos) << st.message();

  // The same, with a well-typed data page header and a map and set among the unknowns.
  bytes.clear();
  CompactWriter w2(&bytes);
  w2.BeginStruct();
  w2.FieldI32(1, 0);
  w2.FieldI32(2, 10);
  w2.FieldI32(3, 10);
  w2.FieldDouble(4000, 2.5);
  w2.FieldStruct(5);
  w2.BeginStruct();
  w2.FieldI32(1, 3);
  w2.FieldI32(2, 8);
  w2.FieldI32(3, 3);
  w2.FieldI32(4, 3);
  w2.FieldList(9, ThriftType::kStruct, 1);
  w2.BeginStruct();
  w2.FieldBinary(1, "nested unknown");
  w2.EndStruct();
  w2.EndStruct();
  w2.EndStruct();
  // Patch in a map<binary,i32>{"a":1} as field 6 of PageHeader before the final STOP.
  bytes.pop_back();
  bytes += static_cast<char>(0x10 | 11);  // delta 1 from 5: id 6, type map
  bytes += '\x01';                        // one entry
  bytes += static_cast<char>((8 << 4) | 5);
  bytes +=
      "\x01"
      "a\x02";
  bytes += static_cast<char>(0x30 | 10);  // delta 3: id 9, type set; set<i32>{5}
  bytes += static_cast<char>(0x10 | 5);
  bytes += '\x0a';
  bytes += '\0';
  ASSERT_OK(DecodePageHeader(bytes, "page", &h, &n));
  EXPECT_EQ(n, bytes.size());
  EXPECT_EQ(h.uncompressed_page_size, 10);
  ASSERT_TRUE(h.data_page_header.has_value());
  EXPECT_EQ(h.data_page_header->num_values, 3);
  EXPECT_EQ(h.data_page_header->encoding, Encoding::kRleDictionary);
}

TEST(Format, MissingRequiredFieldIsNamed) {
  std::string bytes;
  CompactWriter w(&bytes);
  w.BeginStruct();
  w.FieldI32(1, 0);
  w.FieldI32(2, 10);
  w.EndStruct();
  PageHeader h;
  size_t n;
  Status st = DecodePageHeader(bytes, "page", &h, &n);
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_NE(st.message().find("PageHeader lacks required field compressed_page_size"), std::string::npos)
      << st.message();
}

TEST(Format, TruncationAndGarbageAreErrorsNotCrashes) {
  std::string bytes;
  EncodeFileMetaData(SampleMetaData(), &bytes);
  for (size_t len = 0; len < bytes.size(); ++len) {
    FileMetaData f;
    Status st = DecodeFileMetaData(std::string_view(bytes.data(), len), "footer", &f);
    EXPECT_TRUE(st.IsCorruption()) << len;
  }
  uint64_t x = 88172645463325252ull;
  int ok = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = bytes;
    for (int k = 0; k < 3; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      bad[x % bad.size()] = static_cast<char>(x >> 32);
    }
    FileMetaData f;
    if (DecodeFileMetaData(bad, "footer", &f).ok()) ++ok;
  }
  EXPECT_LT(ok, 3000);
}

TEST(Format, HostileCountsAndDepthAreRefused) {
  // A list that claims 2^31 elements in a few bytes.
  std::string bytes;
  bytes += static_cast<char>(0x20 | 9);  // field 2 (schema), list
  bytes += static_cast<char>(0xf0 | 12);
  bytes += "\xff\xff\xff\xff\x07";
  FileMetaData f;
  Status st = DecodeFileMetaData(bytes, "footer", &f);
  EXPECT_NE(st.message().find("runs past the end"), std::string::npos) << st.message();

  // Structs nested 100 deep inside an unknown field.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += static_cast<char>(0xf0 | 12);  // field 15: unknown
  deep += std::string(100, '\0');
  st = DecodeFileMetaData(deep, "footer", &f);
  EXPECT_NE(st.message().find("nesting deeper"), std::string::npos) << st.message();

  // A varint that never ends.
  std::string endless = "\x15";
  endless += std::string(20, '\xff');
  st = DecodeFileMetaData(endless, "footer", &f);
  EXPECT_TRUE(st.IsCorruption());
}

TEST(Format, DecodesAFooterWrittenByParquetMr) {
  std::string shared = ::strata::testing::SharedDir();
  ASSERT_FALSE(shared.empty()) << "STRATA_SHARED_DIR is not set";
  std::ifstream in(shared + "/data/parquet-testing/data/alltypes_plain.parquet", std::ios::binary);
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string file = ss.str();
  ASSERT_GT(file.size(), 12u);
  uint32_t len;
  std::memcpy(&len, file.data() + file.size() - 8, 4);
  ASSERT_EQ(file.substr(file.size() - 4), "PAR1");
  FileMetaData f;
  ASSERT_OK(DecodeFileMetaData(std::string_view(file).substr(file.size() - 8 - len, len), "footer", &f));
  EXPECT_EQ(f.num_rows, 8);
  ASSERT_EQ(f.schema.size(), 12u);
  EXPECT_EQ(f.schema[1].name, "id");
  EXPECT_EQ(f.schema[11].type, Type::kInt96);
  ASSERT_EQ(f.row_groups.size(), 1u);
  EXPECT_EQ(f.row_groups[0].columns.size(), 11u);
}

TEST(Format, NamesUnknownEnumValues) {
  EXPECT_EQ(EncodingName(Encoding::kByteStreamSplit), "BYTE_STREAM_SPLIT");
  EXPECT_EQ(EncodingName(static_cast<Encoding>(42)), "encoding 42");
  EXPECT_EQ(CodecName(CompressionCodec::kLz4Raw), "LZ4_RAW");
  EXPECT_EQ(TypeName(static_cast<Type>(-1)), "type -1");
  EXPECT_EQ(PageTypeName(PageType::kDictionaryPage), "DICTIONARY_PAGE");
}

}  // namespace
}  // namespace strata::parquet
