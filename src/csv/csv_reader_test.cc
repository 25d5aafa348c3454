#include "csv/csv_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

// Returns 1..7 bytes per Read, so lines straddle reads everywhere.
class TrickleSource final : public ByteSource {
 public:
  explicit TrickleSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, data_.size() - pos_, size_t{1} + pos_ % 7});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> TotalSize() const override { return std::nullopt; }
  const std::string& name() const override { return name_; }

 private:
  std::string data_;
  std::string name_ = "trickle.csv";
  size_t pos_ = 0;
};

Schema Trades() { return *Schema::Template("trades"); }

// Reads everything; returns all rows or the first error.
Result<RecordBatch> ReadAll(std::unique_ptr<ByteSource> src, const Schema& schema, CsvOptions options = {}) {
  ASSIGN_OR_RETURN(auto reader, CsvReader::Open(std::move(src), schema, options));
  RecordBatch all(schema), batch;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&batch));
    if (!more) break;
    RETURN_IF_ERROR(all.Append(batch));
  }
  return all;
}

Result<RecordBatch> ReadText(const std::string& text, const Schema& schema, CsvOptions options = {}) {
  return ReadAll(StringSource(text, "t.csv"), schema, std::move(options));
}

TEST(CsvReader, EveryTypeAnyOrderQuotesCrlfBom) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,a:i32,b:i64,c:f64,d:string,e:bool,n:f64?");
  std::string text =
      "\xEF\xBB\xBF" "e,d,c,b,a,symbol,ts,n\r\n"
      "true,\"x, \"\"y\"\"\",1.5,-9223372036854775808,-7,AAPL,2026-03-02T14:30:00.123456789Z,\r\n"
      "\r\n"
      "0,,nan,42,2147483647,MSFT,1772460000000000000,2.5\r\n"
      "F,plain,-inf,+5,0,MSFT,2026-03-02 09:30:00-05:00,";  // no final newline
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText(text, schema));
  ASSERT_EQ(b.num_rows(), 3u);
  EXPECT_EQ(b.column(0).int64s()[0], *ParseTimestamp("2026-03-02T14:30:00.123456789Z"));
  EXPECT_EQ(b.column(0).int64s()[1], 1772460000000000000);
  EXPECT_EQ(b.column(0).int64s()[2], *ParseTimestamp("2026-03-02T14:30:00Z"));
  EXPECT_EQ(b.column(1).GetString(0), "AAPL");
  EXPECT_EQ(b.column(2).int32s()[1], 2147483647);
  EXPECT_EQ(b.column(3).int64s()[0], INT64_MIN);
  EXPECT_EQ(b.column(3).int64s()[2], 5);
  EXPECT_TRUE(std::isnan(b.column(4).doubles()[1]));
  EXPECT_EQ(b.column(4).doubles()[2], -INFINITY);
  EXPECT_EQ(b.column(5).GetString(0), "x, \"y\"");
  EXPECT_EQ(b.column(5).GetString(1), "");
  EXPECT_EQ(b.column(6).bools()[0], 1);
  EXPECT_EQ(b.column(6).bools()[2], 0);
  EXPECT_TRUE(b.column(7).IsNull(0));
  EXPECT_EQ(b.column(7).doubles()[1], 2.5);
  EXPECT_TRUE(b.column(7).IsNull(2));
}

TEST(CsvReader, MissingNullableColumnIsNull) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,x:f64?");
  ASSERT_OK_AND_ASSIGN(RecordBatch b, ReadText("symbol,ts\nA,5\n", schema));
  ASSERT_EQ(b.num_rows(), 1u);
  EXPECT_TRUE(b.column(2).IsNull(0));
}

TEST(CsvReader, BatchAndReadBoundaries) {
  RecordBatch want = testing::MakeTrades(2000, 5, *ParseTimestamp("2026-03-02"), 9);
  std::string text = "ts,symbol,price,size,trade_id,exchange\n";
  for (size_t r = 0; r < want.num_rows(); ++r) text += want.RowToString(r) + "\n";
  CsvOptions options;
  options.batch_rows = 7;
  ASSERT_OK_AND_ASSIGN(RecordBatch got, ReadAll(std::make_unique<TrickleSource>(text), Trades(), options));
  EXPECT_TRUE(got.Equals(want));
}

TEST(CsvReader, HeaderErrors) {
  auto empty = ReadText("", Trades());
  EXPECT_EQ(empty.status().message(), "t.csv: empty file, expected a header row");
  auto blank = ReadText("\n\n", Trades());
  EXPECT_FALSE(blank.ok());
  auto unknown = ReadText("ts,symbol,price,size,trade_id,exchange,venue\n", Trades());
  EXPECT_NE(unknown.status().message().find("'venue'"), std::string::npos) << unknown.status().ToString();
  auto dup = ReadText("ts,symbol,price,price,size,trade_id,exchange\n", Trades());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);
  auto missing = ReadText("ts,symbol,price,size,exchange\n", Trades());
  EXPECT_NE(missing.status().message().find("'trade_id'"), std::string::npos) << missing.status().ToString();
  ASSERT_OK_AND_ASSIGN(RecordBatch none, ReadText("ts,symbol,price,size,trade_id,exchange\n", Trades()));
  EXPECT_EQ(none.num_rows(), 0u);
}

TEST(CsvReader, LineErrorsNameFileLineAndColumn) {
  const std::string header = "ts,symbol,price,size,trade_id,exchange\n";
  const std::string good = "2026-03-02T14:30:00Z,A,1.5,100,1,X\n";
  struct Case {
    std::string line;
    std::string message;
  } cases[] = {
      {"2026-03-02T14:30:00Z,A,abc,100,1,X", "t.csv:3: column 'price': 'abc' is not a number"},
      {"2026-03-02T14:30:00Z,A,1.5,1e3,1,X", "t.csv:3: column 'size': '1e3' is not an integer"},
      {"2026-03-02T14:30:00Z,A,1.5,99999999999999999999,1,X", "t.csv:3: column 'size': '99999999999999999999' is out of range for i64"},
      {"2026-13-02T14:30:00Z,A,1.5,100,1,X", "t.csv:3: column 'ts': bad timestamp '2026-13-02T14:30:00Z': month out of range"},
      {"2026-02-30T14:30:00Z,A,1.5,100,1,X", "t.csv:3: column 'ts': bad timestamp '2026-02-30T14:30:00Z': day out of range"},
      {"2026-03-02T14:30:00Z,A,1.5,100,1", "t.csv:3: expected 6 fields, found 5"},
      {"2026-03-02T14:30:00Z,A,1.5,100,1,X,Y", "t.csv:3: expected 6 fields, found 7"},
      {"2026-03-02T14:30:00Z,,1.5,100,1,X", "t.csv:3: column 'symbol': empty value in a column that is not nullable"},
      {"2026-03-02T14:30:00Z,A,\"1.5,100,1,X", "t.csv:3: unterminated quoted field (newlines inside quoted fields are not supported)"},
  };
  for (const Case& c : cases) {
    auto reader = CsvReader::Open(StringSource(header + good + c.line + "\n" + good, "t.csv"), Trades(), {});
    ASSERT_OK(reader.status());
    RecordBatch b;
    ASSERT_OK_AND_ASSIGN(bool more, (*reader)->Next(&b));
    EXPECT_TRUE(more);
    EXPECT_EQ(b.num_rows(), 1u) << "the good row before the bad one comes first";
    auto err = (*reader)->Next(&b);
    ASSERT_FALSE(err.ok()) << c.line;
    EXPECT_EQ(err.status().message(), c.message);
  }
}

TEST(CsvReader, SkipBadLinesReportsEachAndContinues) {
  std::vector<std::pair<uint64_t, std::string>> rejects;
  CsvOptions options;
  options.skip_bad_lines = true;
  options.on_reject = [&](uint64_t line, std::string_view text, const Status& why) {
    rejects.emplace_back(line, std::string(text) + " | " + why.message());
  };
  std::string text =
      "ts,symbol,price,size,trade_id,exchange\n"
      "2026-03-02T14:30:00Z,A,1.5,100,1,X\n"
      "bad,A,1.5,100,1,X\n"
      "2026-03-02T14:30:01Z,A,1.5,100,2,X\n"
      "2026-03-02T14:30:02Z,A,1.5\n";
  auto reader = CsvReader::Open(StringSource(text, "t.csv"), Trades(), options);
  ASSERT_OK(reader.status());
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, (*reader)->Next(&b));
  EXPECT_TRUE(more);
  EXPECT_EQ(b.num_rows(), 2u);
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[0].first, 3u);
  EXPECT_NE(rejects[0].second.find("bad,A,1.5,100,1,X | t.csv:3: column 'ts'"), std::string::npos);
  EXPECT_EQ(rejects[1].first, 5u);
  EXPECT_EQ((*reader)->rows_rejected(), 2u);
  EXPECT_EQ((*reader)->rows_read(), 2u);
}

TEST(CsvReader, FastTimestampMatchesTheFullParser) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    int64_t t = static_cast<int64_t>(rng() % (uint64_t{4} << 60)) - (int64_t{2} << 60);
    std::string s = FormatTimestamp(t);
    ASSERT_EQ(*ParseCsvTimestamp(s), t) << s;
  }
  for (const char* s : {"2026-03-02T14:30:00.1Z", "2024-02-29T00:00:00Z", "2026-03-31T23:59:59.999999999Z"}) {
    EXPECT_EQ(*ParseCsvTimestamp(s), *ParseTimestamp(s)) << s;
  }
  for (const char* s : {"2026-02-29T00:00:00Z", "2026-03-02T24:00:00Z", "2026-03-02T14:30:00.Z"}) {
    EXPECT_FALSE(ParseCsvTimestamp(s).ok()) << s;
  }
}

TEST(ByteSource, FileStdinAndErrors) {
  testing::TempDir dir;
  testing::WriteTextFile(dir.Join("a.txt"), "hello");
  ASSERT_OK_AND_ASSIGN(auto src, OpenFileSource(DefaultFileSystem(), dir.Join("a.txt")));
  EXPECT_EQ(*src->TotalSize(), 5u);
  char buf[16];
  EXPECT_EQ(*src->Read(buf, 16), 5u);
  EXPECT_EQ(*src->Read(buf, 16), 0u);
  auto missing = OpenFileSource(DefaultFileSystem(), dir.Join("nope.csv"));
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("nope.csv"), std::string::npos);
  EXPECT_EQ(StdinSource()->name(), "<stdin>");
}

}  // namespace
}  // namespace strata
