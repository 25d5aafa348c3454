// CsvReader: what parses, and into what. Errors are in csv_reader_errors_test.cc.
#include "csv/csv_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "csv/csv_test_helpers.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using csvtest::ReadAll;
using csvtest::ReadText;
using csvtest::ToCsv;
using csvtest::TrickleSource;

Schema Trades() { return *Schema::Template("trades"); }
int64_t Ts(const char* text) { return *ParseTimestamp(text); }

TEST(CsvReader, EveryTypeAnyOrderQuotesCrlfBom) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,a:i32,b:i64,c:f64,d:string,e:bool,n:f64?");
  std::string text =
      "\xEF\xBB\xBF"
      "e,d,c,b,a,symbol,ts,n\r\n"
      "true,\"x, \"\"y\"\"\",1.5,-9223372036854775808,-7,AAPL,2026-03-02T14:30:00.123456789Z,\r\n"
      "\r\n"
      "0,,nan,42,2147483647,MSFT,1772460000000000000,2.5\r\n"
      "F,plain,-inf,+5,0,MSFT,2026-03-02 09:30:00-05:00,";  // no final newline
  CsvOptions allow_nan;
  allow_nan.allow_nan = true;
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText(text, schema, allow_nan));
  ASSERT_EQ(b.num_rows(), 3u);
  EXPECT_EQ(b.column(0).int64s()[0], Ts("2026-03-02T14:30:00.123456789Z"));
  EXPECT_EQ(b.column(0).int64s()[1], 1772460000000000000);
  EXPECT_EQ(b.column(0).int64s()[2], Ts("2026-03-02T14:30:00Z"));
  EXPECT_EQ(b.column(1).GetString(0), "AAPL");
  EXPECT_EQ(b.column(2).int32s()[0], -7);
  EXPECT_EQ(b.column(2).int32s()[1], 2147483647);
  EXPECT_EQ(b.column(3).int64s()[0], INT64_MIN);
  EXPECT_EQ(b.column(3).int64s()[2], 5);
  EXPECT_EQ(b.column(4).doubles()[0], 1.5);
  EXPECT_TRUE(std::isnan(b.column(4).doubles()[1]));
  EXPECT_EQ(b.column(4).doubles()[2], -INFINITY);
  EXPECT_EQ(b.column(5).GetString(0), "x, \"y\"");
  EXPECT_EQ(b.column(5).GetString(1), "");
  EXPECT_FALSE(b.column(5).IsNull(1));
  EXPECT_EQ(b.column(6).bools(), (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_TRUE(b.column(7).IsNull(0));
  EXPECT_EQ(b.column(7).doubles()[1], 2.5);
  EXPECT_TRUE(b.column(7).IsNull(2));
}

TEST(CsvReader, IntegersAtTheirLimits) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,a:i32,b:i64");
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("ts,symbol,a,b\n"
                                               "0,S,-2147483648,9223372036854775807\n"
                                               "0,S,+2147483647,-9223372036854775808\n"
                                               "0,S,-0,+0\n"
                                               "0,S,007,-010\n",
                                               schema));
  EXPECT_EQ(b.column(2).int32s(), (std::vector<int32_t>{INT32_MIN, INT32_MAX, 0, 7}));
  EXPECT_EQ(b.column(3).int64s(), (std::vector<int64_t>{INT64_MAX, INT64_MIN, 0, -10}));
}

TEST(CsvReader, FloatsInEveryNotation) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,x:f64");
  CsvOptions allow_nan;
  allow_nan.allow_nan = true;
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("ts,symbol,x\n0,S,187.53\n0,S,+1.5\n0,S,-2\n0,S,1e3\n0,S,2.5E-3\n"
                                               "0,S,.5\n0,S,NaN\n0,S,INF\n0,S,-inf\n0,S,+inf\n0,S,infinity\n"
                                               "0,S,1.7976931348623157e308\n0,S,4.9e-324\n",
                                               schema, allow_nan));
  const std::vector<double>& x = b.column(2).doubles();
  ASSERT_EQ(x.size(), 13u);
  EXPECT_EQ(x[0], 187.53);
  EXPECT_EQ(x[1], 1.5);
  EXPECT_EQ(x[2], -2.0);
  EXPECT_EQ(x[3], 1000.0);
  EXPECT_EQ(x[4], 0.0025);
  EXPECT_EQ(x[5], 0.5);
  EXPECT_TRUE(std::isnan(x[6]));
  EXPECT_EQ(x[7], INFINITY);
  EXPECT_EQ(x[8], -INFINITY);
  EXPECT_EQ(x[9], INFINITY);
  EXPECT_EQ(x[10], INFINITY);
  EXPECT_EQ(x[11], 1.7976931348623157e308);
  EXPECT_EQ(x[12], 4.9e-324);
}

TEST(CsvReader, BoolsInAnyCase) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,b:bool");
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("ts,symbol,b\n0,S,true\n0,S,TRUE\n0,S,tRuE\n0,S,t\n0,S,T\n0,S,1\n"
                                               "0,S,false\n0,S,False\n0,S,f\n0,S,F\n0,S,0\n",
                                               schema));
  EXPECT_EQ(b.column(2).bools(), (std::vector<uint8_t>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}));
}

TEST(CsvReader, TimestampsInEveryAcceptedForm) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol");
  const char* forms[] = {"2026-03-02T14:30:00.123456789Z", "2026-03-02T14:30:00Z", "2026-03-02T14:30:00.5Z",
                         "2026-03-02 14:30:00.123",        "2026-03-02T14:30",     "2026-03-02",
                         "2026-03-02T09:30:00-05:00",      "1772460000000000000",  "-1",
                         "2024-02-29T23:59:59.999999999Z", "1970-01-01T00:00:00Z", "2026-03-31T12:00:00Z"};
  std::string text = "symbol,ts\n";
  for (const char* f : forms) text += std::string("S,") + f + "\n";
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText(text, schema));
  ASSERT_EQ(b.num_rows(), std::size(forms));
  for (size_t i = 0; i < std::size(forms); ++i) EXPECT_EQ(b.column(0).int64s()[i], Ts(forms[i])) << forms[i];
}

TEST(CsvReader, StringsAreKeptAsIs) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,s:string");
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("ts,symbol,s\n"
                                               "0,BRK.B,  spaced  \n"
                                               "0,S,\"with \"\"quotes\"\" and, commas\"\n"
                                               "0,S,caf\xC3\xA9\tand a tab\n"
                                               "0,\"S\",\"\"\n",
                                               schema));
  EXPECT_EQ(b.column(1).GetString(0), "BRK.B");
  EXPECT_EQ(b.column(2).GetString(0), "  spaced  ");
  EXPECT_EQ(b.column(2).GetString(1), "with \"quotes\" and, commas");
  EXPECT_EQ(b.column(2).GetString(2), "caf\xC3\xA9\tand a tab");
  EXPECT_EQ(b.column(1).GetString(3), "S");
  EXPECT_EQ(b.column(2).GetString(3), "");
}

TEST(CsvReader, EmptyFieldsAndNulls) {
  Schema schema =
      *Schema::Parse("ts:timestamp,symbol:symbol,s:string,ns:string?,i:i64?,f:f64?,b:bool?,t:i64?,i32:i32?");
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("ts,symbol,s,ns,i,f,b,t,i32\n"
                                               "0,S,,,,,,,\n"
                                               "0,S,\"\",\"\",\"\",\"\",\"\",\"\",\"\"\n"
                                               "0,S,x,y,1,2,t,3,4\n",
                                               schema));
  ASSERT_EQ(b.num_rows(), 3u);
  // A non-nullable string takes the empty string; every nullable column takes null.
  EXPECT_FALSE(b.column(2).IsNull(0));
  EXPECT_EQ(b.column(2).GetString(0), "");
  for (size_t c = 3; c < 9; ++c) EXPECT_TRUE(b.column(c).IsNull(0)) << b.fields()[c].name;
  // Quoted empty: the empty string for strings, still null for other nullable types.
  EXPECT_FALSE(b.column(3).IsNull(1));
  EXPECT_EQ(b.column(3).GetString(1), "");
  for (size_t c = 4; c < 9; ++c) EXPECT_TRUE(b.column(c).IsNull(1)) << b.fields()[c].name;
  for (size_t c = 2; c < 9; ++c) EXPECT_FALSE(b.column(c).IsNull(2)) << b.fields()[c].name;
  EXPECT_EQ(b.column(6).bools()[2], 1);
  EXPECT_EQ(b.column(7).int64s()[2], 3);
  EXPECT_EQ(b.column(8).int32s()[2], 4);
}

TEST(CsvReader, MissingNullableColumnsAreNull) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,x:f64?,note:string?");
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("symbol,ts\nA,5\nB,6\n", schema));
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_TRUE(b.column(2).IsNull(0) && b.column(2).IsNull(1));
  EXPECT_TRUE(b.column(3).IsNull(0) && b.column(3).IsNull(1));
  EXPECT_EQ(b.column(0).int64s(), (std::vector<int64_t>{5, 6}));
}

// Random rows of every type, with nulls and awkward strings, written in every column order.
TEST(CsvReader, EveryColumnOrderReadsTheSameRows) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,i:i32,n:i64?,s:string?,b:bool");
  std::mt19937_64 rng(5);
  RecordBatch want(schema);
  const char* strings[] = {"plain", "a,b", "say \"hi\"", "", " lead", "\"", ",,"};
  for (int r = 0; r < 12; ++r) {
    want.column(0).AppendInt64(static_cast<int64_t>(rng() >> 2));
    want.column(1).AppendString(std::string("S") + std::to_string(r % 3));
    want.column(2).AppendInt32(static_cast<int32_t>(rng()));
    if (r % 4 == 1)
      want.column(3).AppendNull();
    else
      want.column(3).AppendInt64(static_cast<int64_t>(rng()));
    if (r % 5 == 2)
      want.column(4).AppendNull();
    else
      want.column(4).AppendString(strings[rng() % 7]);
    want.column(5).AppendBool(rng() & 1);
  }
  std::vector<size_t> order(schema.num_fields());
  std::iota(order.begin(), order.end(), 0);
  int permutations = 0;
  do {
    std::string text = ToCsv(want, order);
    ASSERT_OK_AND_ASSIGN(RecordBatch got, ReadText(text, schema));
    ASSERT_TRUE(got.Equals(want)) << text;
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(permutations, 720);
}

TEST(CsvReader, HeaderNamesMayBeQuotedAndPadded) {
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("\"ts\", symbol ,\"price\",size,trade_id , exchange\n"
                                               "2026-03-02T14:30:00Z,A,1.5,100,1,X\n",
                                               Trades()));
  EXPECT_EQ(b.num_rows(), 1u);
}

TEST(CsvReader, LineEndsBlankLinesAndTheLastLine) {
  const std::string row = "2026-03-02T14:30:00Z,A,1.5,100,1,X";
  const std::string header = "ts,symbol,price,size,trade_id,exchange";
  struct Case {
    std::string text;
    size_t rows;
  } cases[] = {
      {header + "\n" + row + "\n", 1},
      {header + "\r\n" + row + "\r\n" + row + "\r\n", 2},
      {header + "\n" + row + "\r\n" + row + "\n", 2},  // mixed
      {header + "\n" + row, 1},                        // no final line end
      {header + "\n" + row + "\r", 1},                 // a final CR alone
      {"\n\r\n\n" + header + "\n\n" + row + "\n\r\n\n" + row + "\n\n\n", 2},
      {header, 0},
      {header + "\n", 0},
      {header + "\r\n\r\n", 0},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText(c.text, Trades()));
    EXPECT_EQ(b.num_rows(), c.rows) << c.text;
    ASSERT_OK_AND_ASSIGN(RecordBatch t, ReadAll(std::make_unique<TrickleSource>(c.text), Trades()));
    EXPECT_TRUE(t.Equals(b)) << c.text;
  }
}

TEST(CsvReader, HeaderOnlyGivesNoBatches) {
  ASSERT_OK_AND_ASSIGN(
      auto reader, CsvReader::Open(StringSource("ts,symbol,price,size,trade_id,exchange\n", "h.csv"), Trades(), {}));
  RecordBatch batch;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&batch));
  EXPECT_FALSE(more);
  EXPECT_EQ(batch.num_rows(), 0u);
  EXPECT_EQ(batch.fields(), Trades().fields());
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&batch));
  EXPECT_FALSE(more);
  EXPECT_EQ(reader->rows_read(), 0u);
}

TEST(CsvReader, ByteOrderMarkOnlyAtTheStart) {
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("\xEF\xBB\xBF\nts,symbol,price,size,trade_id,exchange\n"
                                               "2026-03-02T14:30:00Z,A,1.5,100,1,X\n",
                                               Trades()));
  EXPECT_EQ(b.num_rows(), 1u);
  // Elsewhere it is data: here it makes an unknown column name.
  EXPECT_FALSE(ReadText("\n\xEF\xBB\xBFts,symbol,price,size,trade_id,exchange\n", Trades()).ok());
}

TEST(CsvReader, OtherDelimiters) {
  for (char delim : {';', '\t', '|'}) {
    std::string text = "ts;symbol;price;size;trade_id;exchange\n2026-03-02T14:30:00Z;A;1,5;100;1;\"X;Y\"\n";
    std::replace(text.begin(), text.end(), ';', delim);
    CsvOptions options;
    options.delimiter = delim;
    Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,price:string,size:i64,trade_id:i64,exchange:string");
    ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText(text, schema, options));
    ASSERT_EQ(b.num_rows(), 1u);
    EXPECT_EQ(b.column(2).GetString(0), "1,5");
    EXPECT_EQ(b.column(5).GetString(0), std::string("X") + delim + "Y");
  }
}

TEST(CsvReader, BatchAndReadBoundaries) {
  RecordBatch want = testing::MakeTrades(2000, 5, Ts("2026-03-02"), 9);
  std::vector<size_t> order = {0, 1, 2, 3, 4, 5};
  for (const char* eol : {"\n", "\r\n"}) {
    const std::string text = ToCsv(want, order, eol);
    for (size_t batch_rows : {size_t{1}, size_t{7}, size_t{1999}, size_t{2000}, size_t{65536}}) {
      CsvOptions options;
      options.batch_rows = batch_rows;
      std::vector<size_t> sizes;
      ASSERT_OK_AND_ASSIGN(RecordBatch got, ReadAll(std::make_unique<TrickleSource>(text), Trades(), options, &sizes));
      EXPECT_TRUE(got.Equals(want)) << batch_rows;
      ASSERT_EQ(sizes.size(), (2000 + batch_rows - 1) / batch_rows);
      for (size_t i = 0; i + 1 < sizes.size(); ++i) ASSERT_EQ(sizes[i], batch_rows);
    }
  }
}

TEST(CsvReader, LinesLongerThanAReadBlock) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,blob:string");
  std::string big(5 << 20, 'x');  // longer than the 4 MiB read block
  big[12345] = ',';
  std::string text = "ts,symbol,blob\n1,A,short\n2,B,\"" + big + "\"\n3,C," + std::string(9 << 20, 'y') + "\n4,D,z";
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText(text, schema));
  ASSERT_EQ(b.num_rows(), 4u);
  EXPECT_EQ(b.column(2).GetString(1), big);
  EXPECT_EQ(b.column(2).GetString(2).size(), size_t{9} << 20);
  EXPECT_EQ(b.column(2).GetString(3), "z");
}

TEST(CsvReader, CountersTrackTheInput) {
  const std::string text =
      "ts,symbol,price,size,trade_id,exchange\n\n"
      "2026-03-02T14:30:00Z,A,1.5,100,1,X\r\n"
      "2026-03-02T14:30:01Z,A,1.5,100,2,X\n\n"
      "2026-03-02T14:30:02Z,A,1.5,100,3,X";
  CsvOptions options;
  options.batch_rows = 2;
  ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(std::make_unique<TrickleSource>(text), Trades(), options));
  EXPECT_EQ(reader->line_number(), 1u);
  EXPECT_EQ(reader->bytes_read(), 39u);
  EXPECT_EQ(reader->source_name(), "trickle.csv");
  RecordBatch batch;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&batch));
  ASSERT_TRUE(more);
  EXPECT_EQ(batch.num_rows(), 2u);
  EXPECT_EQ(reader->rows_read(), 2u);
  EXPECT_EQ(reader->line_number(), 4u);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&batch));
  ASSERT_TRUE(more);
  EXPECT_EQ(batch.num_rows(), 1u);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&batch));
  EXPECT_FALSE(more);
  EXPECT_EQ(reader->rows_read(), 3u);
  EXPECT_EQ(reader->rows_rejected(), 0u);
  EXPECT_EQ(reader->line_number(), 6u);
  EXPECT_EQ(reader->bytes_read(), text.size());
}

TEST(CsvReader, ABatchOfAnotherShapeIsRebuilt) {
  ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(StringSource("ts,symbol,price,size,trade_id,exchange\n"
                                                                 "2026-03-02T14:30:00Z,A,1.5,100,1,X\n",
                                                                 "t.csv"),
                                                    Trades(), {}));
  RecordBatch batch(*Schema::Parse("ts:timestamp,symbol:symbol"));
  batch.column(0).AppendInt64(1);
  batch.column(1).AppendString("junk");
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&batch));
  ASSERT_TRUE(more);
  EXPECT_OK(batch.ValidateAgainst(Trades()));
  EXPECT_EQ(batch.num_rows(), 1u);
  EXPECT_EQ(batch.column(1).GetString(0), "A");
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

TEST(CsvReader, F32AndCoarserTimestamps) {
  Schema schema = *Schema::Parse("ts:timestamp[us],symbol:symbol,f:f32,g:f32?");
  ASSERT_OK_AND_ASSIGN(RecordBatch b, csvtest::ReadText("ts,symbol,f,g\n"
                                                        "2026-03-02T14:30:00.123456Z,A,0.1,\n"
                                                        "1772461800123457000,A,3.4028235e38,-1.5e-45\n",
                                                        schema));
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_OK(b.ValidateAgainst(schema));
  EXPECT_EQ(b.column(0).int64s()[0], 1772461800123456000);
  EXPECT_EQ(b.column(0).int64s()[1], 1772461800123457000);
  EXPECT_EQ(b.column(2).doubles()[0], static_cast<double>(0.1f));  // the nearest float
  EXPECT_EQ(b.column(2).doubles()[1], static_cast<double>(3.4028235e38f));
  EXPECT_TRUE(b.column(3).IsNull(0));
  EXPECT_EQ(b.column(3).doubles()[1], static_cast<double>(-1.5e-45f));

  // Finer than the column: a bad line, unless truncating (rounded toward -inf).
  const std::string fine = "ts,symbol,f\n2026-03-02T14:30:00.123456789Z,A,1\n1969-12-31T23:59:59.9999995Z,A,1\n";
  Status st = csvtest::ReadText(fine, schema).status();
  EXPECT_NE(st.message().find("'2026-03-02T14:30:00.123456789Z' is finer than the column's timestamp[us]"),
            std::string::npos)
      << st.ToString();
  EXPECT_NE(st.message().find("--truncate-timestamps"), std::string::npos) << st.ToString();
  CsvOptions trunc;
  trunc.truncate_timestamps = true;
  ASSERT_OK_AND_ASSIGN(RecordBatch t, csvtest::ReadText(fine, schema, trunc));
  EXPECT_EQ(t.column(0).int64s()[0], 1772461800123456000);
  EXPECT_EQ(t.column(0).int64s()[1], -1000);

  // Out of float range, not a number.
  st = csvtest::ReadText("ts,symbol,f\n2026-03-02T14:30:00Z,A,1e39\n", schema).status();
  EXPECT_NE(st.message().find("'1e39' is out of range for f32"), std::string::npos) << st.ToString();
  st = csvtest::ReadText("ts,symbol,f\n2026-03-02T14:30:00Z,A,x\n", schema).status();
  EXPECT_NE(st.message().find("'x' is not a number"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace strata
