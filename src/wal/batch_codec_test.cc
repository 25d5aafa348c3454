#include "wal/batch_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "testutil/testutil.h"

namespace strata {
namespace {

std::vector<Field> AllTypesFields(bool nullable) {
  return {{"ts", ColumnType::kTimestamp, false},   {"symbol", ColumnType::kSymbol, false},
          {"i32", ColumnType::kInt32, nullable},   {"i64", ColumnType::kInt64, nullable},
          {"f64", ColumnType::kFloat64, nullable}, {"s", ColumnType::kString, nullable},
          {"b", ColumnType::kBool, nullable}};
}

// Rows of every type; with `nulls`, every third row of the nullable columns is null.
RecordBatch AllTypesBatch(size_t rows, bool nulls) {
  RecordBatch b(AllTypesFields(nulls));
  for (size_t r = 0; r < rows; ++r) {
    b.column(0).AppendInt64(1'700'000'000'000'000'000 + static_cast<int64_t>(r) * 1000);
    b.column(1).AppendString(r % 2 ? "AAPL" : "MSFT");
    bool null = nulls && r % 3 == 1;
    if (null) {
      for (size_t c = 2; c < 7; ++c) b.column(c).AppendNull();
      continue;
    }
    b.column(2).AppendInt32(static_cast<int32_t>(r) * -7);
    b.column(3).AppendInt64(static_cast<int64_t>(r) << 40);
    b.column(4).AppendDouble(r == 0 ? -0.0 : r == 2 ? std::numeric_limits<double>::quiet_NaN() : r * 0.25);
    b.column(5).AppendString(std::string(r % 5, static_cast<char>('a' + r % 26)));
    b.column(6).AppendBool(r % 2 == 0);
  }
  return b;
}

RecordBatch RoundTrip(const RecordBatch& in) {
  std::string bytes;
  EncodeBatch(in, &bytes);
  EXPECT_EQ(bytes.size(), EncodedBatchSize(in));
  auto out = DecodeBatch(bytes, in.fields());
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? std::move(out).value() : RecordBatch();
}

TEST(BatchCodecTest, RoundTripsEveryTypeWithoutNulls) {
  RecordBatch in = AllTypesBatch(100, false);
  ASSERT_OK(in.Validate());
  RecordBatch out = RoundTrip(in);
  EXPECT_TRUE(out.Equals(in));
  EXPECT_EQ(out.num_rows(), 100u);
  EXPECT_TRUE(std::signbit(out.column(4).doubles()[0]));  // -0.0 survives bit-exactly
  EXPECT_TRUE(std::isnan(out.column(4).doubles()[2]));
  ASSERT_OK(out.Validate());
}

TEST(BatchCodecTest, RoundTripsEveryTypeWithNulls) {
  RecordBatch in = AllTypesBatch(50, true);
  ASSERT_OK(in.Validate());
  RecordBatch out = RoundTrip(in);
  EXPECT_TRUE(out.Equals(in));
  EXPECT_TRUE(out.column(3).IsNull(1));
  EXPECT_FALSE(out.column(3).IsNull(0));
  EXPECT_TRUE(out.column(5).IsNull(4));
  ASSERT_OK(out.Validate());
}

TEST(BatchCodecTest, RoundTripsZeroRowsAndZeroColumns) {
  RecordBatch empty(AllTypesFields(true));
  RecordBatch out = RoundTrip(empty);
  EXPECT_EQ(out.num_rows(), 0u);
  EXPECT_EQ(out.num_columns(), 7u);
  EXPECT_TRUE(out.Equals(empty));

  RecordBatch none{std::vector<Field>{}};
  std::string bytes;
  EncodeBatch(none, &bytes);
  ASSERT_OK_AND_ASSIGN(RecordBatch back, DecodeBatch(bytes, {}));
  EXPECT_EQ(back.num_columns(), 0u);
}

TEST(BatchCodecTest, RoundTripsTradesFromAnUnalignedBuffer) {
  RecordBatch trades = testing::MakeTrades(1000, 5, 1'000'000'000, 3);
  std::string bytes = "xyz";  // EncodeBatch appends; the decoder must cope with any alignment
  EncodeBatch(trades, &bytes);
  ASSERT_OK_AND_ASSIGN(RecordBatch out, DecodeBatch(std::string_view(bytes).substr(3), trades.fields()));
  EXPECT_TRUE(out.Equals(trades));
}

TEST(BatchCodecTest, AllOnesValidityIsNotWritten) {
  RecordBatch b(std::vector<Field>{{"x", ColumnType::kInt64, true}});
  b.column(0).AppendNull();
  b.column(0).AppendInt64(5);
  RecordBatch valid = b.Slice(1, 1);  // validity vector present, no nulls
  std::string with, plain;
  EncodeBatch(valid, &with);
  RecordBatch p(std::vector<Field>{{"x", ColumnType::kInt64, true}});
  p.column(0).AppendInt64(5);
  EncodeBatch(p, &plain);
  EXPECT_EQ(with, plain);
}

TEST(BatchCodecTest, EveryTruncationIsCorruption) {
  RecordBatch in = AllTypesBatch(7, true);
  std::string bytes;
  EncodeBatch(in, &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = DecodeBatch(std::string_view(bytes).substr(0, n), in.fields());
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  }
}

TEST(BatchCodecTest, TrailingBytesAreCorruption) {
  RecordBatch in = AllTypesBatch(3, false);
  std::string bytes;
  EncodeBatch(in, &bytes);
  bytes += "!";
  auto r = DecodeBatch(bytes, in.fields());
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("unexpected bytes"), std::string::npos) << r.status().ToString();
}

TEST(BatchCodecTest, FieldsMustMatchCountAndTypes) {
  RecordBatch in = AllTypesBatch(3, false);
  std::string bytes;
  EncodeBatch(in, &bytes);
  std::vector<Field> fewer = in.fields();
  fewer.pop_back();
  auto r = DecodeBatch(bytes, fewer);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("holds 7 columns, expected 6"), std::string::npos) << r.status().ToString();

  std::vector<Field> wrong_type = in.fields();
  wrong_type[3].type = ColumnType::kFloat64;
  r = DecodeBatch(bytes, wrong_type);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("column 3 ('i64') is encoded as i64 but the field is f64"), std::string::npos)
      << r.status().ToString();
}

// Records written before nullable columns were added at the end of the table's schema
// (Database::AddColumn) decode with those columns null; a missing non-nullable one is corruption.
TEST(BatchCodecTest, FewerColumnsDecodeWithTheAddedNullableOnesNull) {
  RecordBatch in = AllTypesBatch(5, true);
  std::string bytes;
  EncodeBatch(in, &bytes);
  std::vector<Field> more = in.fields();
  more.push_back({"added_i64", ColumnType::kInt64, true});
  more.push_back({"added_s", ColumnType::kString, true});
  ASSERT_OK_AND_ASSIGN(RecordBatch out, DecodeBatch(bytes, more));
  ASSERT_EQ(out.num_columns(), 9u);
  ASSERT_OK(out.Validate());
  EXPECT_EQ(out.RowToString(4).find(in.RowToString(4)), 0u);  // the old columns as they were
  for (size_t r = 0; r < 5; ++r) {
    EXPECT_TRUE(out.column(7).IsNull(r));
    EXPECT_TRUE(out.column(8).IsNull(r));
  }
  more.back().nullable = false;
  auto r = DecodeBatch(bytes, more);
  ASSERT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("holds 7 columns, expected 9"), std::string::npos) << r.status().ToString();
}

TEST(BatchCodecTest, NullsInANonNullableFieldAreCorruption) {
  RecordBatch in = AllTypesBatch(4, true);
  std::string bytes;
  EncodeBatch(in, &bytes);
  auto r = DecodeBatch(bytes, AllTypesFields(false));
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("'i32') is not nullable but holds nulls"), std::string::npos)
      << r.status().ToString();
}

// Encodes a one-column batch and returns the bytes plus the offset of the column's values.
std::string OneColumn(ColumnType type, size_t rows, size_t* values_at) {
  RecordBatch b(std::vector<Field>{{"c", type, false}});
  for (size_t r = 0; r < rows; ++r) {
    switch (type) {
      case ColumnType::kBool: b.column(0).AppendBool(true); break;
      case ColumnType::kString: b.column(0).AppendString("ab"); break;
      default: b.column(0).AppendInt64(static_cast<int64_t>(r)); break;
    }
  }
  std::string bytes;
  EncodeBatch(b, &bytes);
  *values_at = 1 + 4 + 4 + 2;
  return bytes;
}

void PutU32At(std::string* s, size_t at, uint32_t v) { std::memcpy(s->data() + at, &v, 4); }

TEST(BatchCodecTest, HostileSizesAreRejectedBeforeAllocating) {
  size_t at = 0;
  std::string bytes = OneColumn(ColumnType::kInt64, 2, &at);
  std::vector<Field> fields = {{"c", ColumnType::kInt64, false}};
  PutU32At(&bytes, 5, 0xffffffffu);  // 4 billion rows claimed, 16 bytes present
  auto r = DecodeBatch(bytes, fields);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("values need 34359738360 bytes, only 16 left"), std::string::npos)
      << r.status().ToString();

  std::string strings = OneColumn(ColumnType::kString, 2, &at);
  std::vector<Field> sfields = {{"c", ColumnType::kString, false}};
  std::string huge_chars = strings;
  PutU32At(&huge_chars, at + 8, 0x7fffffffu);  // last offset claims 2 GiB of characters
  r = DecodeBatch(huge_chars, sfields);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("string bytes, only"), std::string::npos) << r.status().ToString();

  std::string decreasing = strings;
  PutU32At(&decreasing, at + 4, 3);  // offsets 0, 3, 4 -> fine; make them 0, 3, 2 instead
  PutU32At(&decreasing, at + 8, 2);
  r = DecodeBatch(decreasing, sfields);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("string offsets decrease at row 1"), std::string::npos) << r.status().ToString();

  std::string nonzero_first = strings;
  PutU32At(&nonzero_first, at, 1);
  r = DecodeBatch(nonzero_first, sfields);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("first string offset is 1"), std::string::npos) << r.status().ToString();
}

TEST(BatchCodecTest, GarbledHeaderAndValuesAreCorruption) {
  size_t at = 0;
  std::vector<Field> fields = {{"c", ColumnType::kBool, false}};
  std::string bytes = OneColumn(ColumnType::kBool, 3, &at);

  std::string bad_version = bytes;
  bad_version[0] = 9;
  EXPECT_NE(DecodeBatch(bad_version, fields).status().message().find("unknown version 9"), std::string::npos);

  std::string bad_type = bytes;
  bad_type[9] = 42;
  EXPECT_NE(DecodeBatch(bad_type, fields).status().message().find("unknown column type 42"), std::string::npos);

  std::string bad_flags = bytes;
  bad_flags[10] = 6;
  EXPECT_NE(DecodeBatch(bad_flags, fields).status().message().find("unknown flags 6"), std::string::npos);

  std::string bad_bool = bytes;
  bad_bool[at + 1] = 2;
  auto r = DecodeBatch(bad_bool, fields);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("offset 11: column 0 ('c'): bool values other than 0 and 1"), std::string::npos)
      << r.status().ToString();
}

TEST(BatchCodecTest, RandomByteFlipsNeverCrash) {
  // Flipped bytes either still decode (a value changed) or give Corruption; under ASan this
  // also checks that no read goes out of bounds.
  RecordBatch in = AllTypesBatch(20, true);
  std::string bytes;
  EncodeBatch(in, &bytes);
  std::mt19937 rng(11);
  int corrupt = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string garbled = bytes;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) garbled[rng() % garbled.size()] ^= static_cast<char>(1 + rng() % 255);
    auto r = DecodeBatch(garbled, in.fields());
    if (!r.ok()) {
      ASSERT_TRUE(r.status().IsCorruption()) << r.status().ToString();
      ++corrupt;
    } else {
      ASSERT_EQ(r->num_columns(), in.num_columns());
    }
  }
  EXPECT_GT(corrupt, 0);
}

}  // namespace
}  // namespace strata
