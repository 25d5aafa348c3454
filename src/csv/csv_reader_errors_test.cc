// CsvReader: every error, its exact message, strict mode and skip_bad_lines mode.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "csv/csv_reader.h"
#include "csv/csv_test_helpers.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using csvtest::FailingSource;
using csvtest::ReadError;
using csvtest::ReadText;
using csvtest::TrickleSource;

Schema TradesSchema() { return *Schema::Template("trades"); }
const std::string kHeader = "ts,symbol,price,size,trade_id,exchange\n";
const std::string kGood = "2026-03-02T14:30:00Z,A,1.5,100,1,X\n";

TEST(CsvReaderErrors, EmptyInput) {
  for (const char* text : {"", "\n", "\r\n\n  \n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\r\n"}) {
    Status st = ReadError(text, TradesSchema());
    if (std::string(text).find(' ') != std::string::npos) {
      // A line of spaces is not blank: it is a header naming column ''.
      EXPECT_EQ(st.message().find("t.csv:3: the header names column ''"), 0u) << st.ToString();
      continue;
    }
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(st.message(), "t.csv: empty file, expected a header row");
  }
}

TEST(CsvReaderErrors, HeaderProblems) {
  EXPECT_EQ(ReadError("ts,symbol,price,size,trade_id,exchange,venue\n", TradesSchema()).message(),
            "t.csv:1: the header names column 'venue', which the table does not have "
            "(columns: ts, symbol, price, size, trade_id, exchange)");
  EXPECT_EQ(ReadError("\nts,symbol,Price,size,trade_id,exchange\n", TradesSchema()).message(),
            "t.csv:2: the header names column 'Price', which the table does not have "
            "(columns: ts, symbol, price, size, trade_id, exchange)");
  EXPECT_EQ(ReadError("ts,symbol,price, price,size,trade_id,exchange\n", TradesSchema()).message(),
            "t.csv:1: the header names column 'price' twice");
  EXPECT_EQ(ReadError("ts,symbol,price,size,exchange\n", TradesSchema()).message(),
            "t.csv:1: the header has no column 'trade_id', which the table requires "
            "(header: 'ts,symbol,price,size,exchange')");
  EXPECT_EQ(ReadError("ts,\"symbol,price\n", TradesSchema()).message(),
            "t.csv:1: field 2: unterminated quoted field (a newline inside quotes is not supported)");
}

TEST(CsvReaderErrors, BadOptions) {
  CsvOptions zero_rows;
  zero_rows.batch_rows = 0;
  EXPECT_EQ(ReadError(kHeader, TradesSchema(), zero_rows).message(), "t.csv: CSV batch_rows must be at least 1");
  for (char bad : {'"', '\n', '\r'}) {
    CsvOptions options;
    options.delimiter = bad;
    EXPECT_EQ(ReadError(kHeader, TradesSchema(), options).message(),
              "t.csv: a quote or a line end cannot be the CSV delimiter");
  }
  CsvOptions huge;
  huge.max_line_bytes = (size_t{1} << 30) + 1;
  EXPECT_FALSE(ReadError(kHeader, TradesSchema(), huge).ok());
}

// Each bad line sits between two good ones on line 3; the first Next returns the good row
// before it, the second the error, the third nothing.
TEST(CsvReaderErrors, EachBadLineNamesFileLineAndColumn) {
  struct Case {
    std::string line;
    std::string message;
  } cases[] = {
      {"2026-03-02T14:30:00Z,A,abc,100,1,X", "t.csv:3: column 'price': 'abc' is not a number"},
      {"2026-03-02T14:30:00Z,A,1.5x,100,1,X", "t.csv:3: column 'price': '1.5x' is not a number"},
      {"2026-03-02T14:30:00Z,A, 1.5,100,1,X", "t.csv:3: column 'price': ' 1.5' is not a number"},
      {"2026-03-02T14:30:00Z,A,0x10,100,1,X", "t.csv:3: column 'price': '0x10' is not a number"},
      {"2026-03-02T14:30:00Z,A,+-1,100,1,X", "t.csv:3: column 'price': '+-1' is not a number"},
      {"2026-03-02T14:30:00Z,A,1e999,100,1,X", "t.csv:3: column 'price': '1e999' is out of range for f64"},
      {"2026-03-02T14:30:00Z,A,1.5,1e3,1,X", "t.csv:3: column 'size': '1e3' is not an integer"},
      {"2026-03-02T14:30:00Z,A,1.5,1.0,1,X", "t.csv:3: column 'size': '1.0' is not an integer"},
      {"2026-03-02T14:30:00Z,A,1.5,+,1,X", "t.csv:3: column 'size': '+' is not an integer"},
      {"2026-03-02T14:30:00Z,A,1.5,-,1,X", "t.csv:3: column 'size': '-' is not an integer"},
      {"2026-03-02T14:30:00Z,A,1.5,+-5,1,X", "t.csv:3: column 'size': '+-5' is not an integer"},
      {"2026-03-02T14:30:00Z,A,1.5,99999999999999999999,1,X",
       "t.csv:3: column 'size': '99999999999999999999' is out of range for i64"},
      {"2026-03-02T14:30:00Z,A,1.5,100,-9223372036854775809,X",
       "t.csv:3: column 'trade_id': '-9223372036854775809' is out of range for i64"},
      {"bad,A,1.5,100,1,X",
       "t.csv:3: column 'ts': bad timestamp 'bad': expected YYYY-MM-DD at the start, or integer nanoseconds"},
      {"2026-13-02T14:30:00Z,A,1.5,100,1,X",
       "t.csv:3: column 'ts': bad timestamp '2026-13-02T14:30:00Z': month out of range"},
      {"2026-02-29T14:30:00Z,A,1.5,100,1,X",
       "t.csv:3: column 'ts': bad timestamp '2026-02-29T14:30:00Z': day out of range"},
      {"2026-03-02T24:30:00Z,A,1.5,100,1,X",
       "t.csv:3: column 'ts': bad timestamp '2026-03-02T24:30:00Z': time of day out of range"},
      {"9999-03-02T14:30:00Z,A,1.5,100,1,X",
       "t.csv:3: column 'ts': bad timestamp '9999-03-02T14:30:00Z': outside the supported range "
       "1678-01-01T00:00:00Z to 2261-12-31T23:59:59.999999999Z"},
      {"9223372036854775807,A,1.5,100,1,X",
       "t.csv:3: column 'ts': bad timestamp '9223372036854775807': integer nanoseconds outside the supported range "
       "1678-01-01T00:00:00Z to 2261-12-31T23:59:59.999999999Z"},
      {"2262-04-11T00:00:00Z,A,1.5,100,1,X",
       "t.csv:3: column 'ts': bad timestamp '2262-04-11T00:00:00Z': outside the supported range "
       "1678-01-01T00:00:00Z to 2261-12-31T23:59:59.999999999Z"},
      {"2026-03-02T14:30:00Z,A,nan,100,1,X",
       "t.csv:3: column 'price': 'nan' is not a finite number (NaN and infinities are refused; "
       "`strata ingest --allow-nan` stores them)"},
      {"2026-03-02T14:30:00Z,A,-inf,100,1,X",
       "t.csv:3: column 'price': '-inf' is not a finite number (NaN and infinities are refused; "
       "`strata ingest --allow-nan` stores them)"},
      {"2026-03-02T14:30:00Z,A,1.5,100,1,X\xff", "t.csv:3: column 'exchange': 'X\\xff' is not valid UTF-8"},
      {"2026-03-02T14:30:00Z,A\xC0\xAF,1.5,100,1,X",
       "t.csv:3: column 'symbol': symbol 'A\\xc0\\xaf' is not valid UTF-8"},

      {"2026-03-02T14:30:00Z,A,1.5,100,1", "t.csv:3: expected 6 fields, found 5"},
      {"2026-03-02T14:30:00Z,A,1.5,100,1,X,Y", "t.csv:3: expected 6 fields, found 7"},
      {"2026-03-02T14:30:00Z,A,1.5,100,1,X,", "t.csv:3: expected 6 fields, found 7"},
      {"2026-03-02T14:30:00Z", "t.csv:3: expected 6 fields, found 1"},
      {"2026-03-02T14:30:00Z,,1.5,100,1,X", "t.csv:3: column 'symbol': empty value in a column that is not nullable"},
      {"2026-03-02T14:30:00Z,\"\",1.5,100,1,X", "t.csv:3: column 'symbol': a symbol cannot be empty"},
      {",A,1.5,100,1,X", "t.csv:3: column 'ts': empty value in a column that is not nullable"},
      {"2026-03-02T14:30:00Z,A,,100,1,X", "t.csv:3: column 'price': empty value in a column that is not nullable"},
      {"2026-03-02T14:30:00Z,A,1.5,\"\",1,X", "t.csv:3: column 'size': empty value in a column that is not nullable"},
      {"2026-03-02T14:30:00Z,A,\"1.5,100,1,X",
       "t.csv:3: column 'price': unterminated quoted field (a newline inside quotes is not supported)"},
      {"2026-03-02T14:30:00Z,A,\"1.5\"0,100,1,X", "t.csv:3: column 'price': unexpected text after the closing quote"},
      {"2026-03-02T14:30:00Z,A,1.5,100,1,X\"Y\"",
       "t.csv:3: column 'exchange': 'X\"Y\"' has a quote but does not start with one"},
      {"2026-03-02T14:30:00Z,A,1.5,100,1,X,\"Y",
       "t.csv:3: field 7: unterminated quoted field (a newline inside "
       "quotes is not supported)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    for (int trickle = 0; trickle < 2; ++trickle) {
      std::string text = kHeader + kGood + c.line + "\n" + kGood;
      std::unique_ptr<ByteSource> src =
          trickle ? std::unique_ptr<ByteSource>(new TrickleSource(text, "t.csv")) : StringSource(text, "t.csv");
      ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(std::move(src), TradesSchema(), {}));
      RecordBatch b;
      ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
      EXPECT_TRUE(more);
      EXPECT_EQ(b.num_rows(), 1u) << "the good row before the bad one comes first";
      EXPECT_EQ(reader->rows_read(), 1u);
      auto err = reader->Next(&b);
      ASSERT_FALSE(err.ok());
      EXPECT_EQ(err.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(err.status().message(), c.message);
      EXPECT_EQ(b.num_rows(), 0u);
      ASSERT_OK_AND_ASSIGN(more, reader->Next(&b));
      EXPECT_FALSE(more) << "nothing after the error";
    }
  }
}

TEST(CsvReaderErrors, TypeErrorsForEveryType) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,a:i32,b:bool,c:f64?");
  EXPECT_EQ(ReadError("ts,symbol,a,b,c\n0,S,2147483648,t,\n", schema).message(),
            "t.csv:2: column 'a': '2147483648' is out of range for i32");
  EXPECT_EQ(ReadError("ts,symbol,a,b,c\n0,S,-2147483649,t,\n", schema).message(),
            "t.csv:2: column 'a': '-2147483649' is out of range for i32");
  EXPECT_EQ(ReadError("ts,symbol,a,b,c\n0,S,1,yes,\n", schema).message(),
            "t.csv:2: column 'b': 'yes' is not a bool (true, false, t, f, 1 or 0)");
  EXPECT_EQ(ReadError("ts,symbol,a,b,c\n0,S,1,,\n", schema).message(),
            "t.csv:2: column 'b': empty value in a column that is not nullable");
  EXPECT_EQ(ReadError("ts,symbol,a,b,c\n0,S,1,1,nope\n", schema).message(),
            "t.csv:2: column 'c': 'nope' is not a number");
  // A long bad value is cut in the message.
  std::string long_value(100, '7');
  long_value += "x";
  EXPECT_EQ(ReadError("ts,symbol,a,b,c\n0,S," + long_value + ",1,\n", schema).message(),
            "t.csv:2: column 'a': '" + std::string(60, '7') + "'... (101 bytes) is not an integer");
}

TEST(CsvReaderErrors, AnErrorAtABatchStartComesAtOnce) {
  CsvOptions options;
  options.batch_rows = 2;
  std::string text = kHeader + kGood + kGood + "x" + kGood;
  ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(StringSource(text, "t.csv"), TradesSchema(), options));
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
  EXPECT_TRUE(more);
  EXPECT_EQ(b.num_rows(), 2u);
  auto err = reader->Next(&b);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.status().message().substr(0, 25), "t.csv:4: column 'ts': bad");
  EXPECT_EQ(reader->rows_read(), 2u);
  EXPECT_EQ(reader->line_number(), 4u);
}

TEST(CsvReaderErrors, SkipBadLinesReportsEachAndContinues) {
  std::vector<std::tuple<uint64_t, std::string, std::string>> rejects;
  CsvOptions options;
  options.skip_bad_lines = true;
  options.batch_rows = 2;
  options.on_reject = [&](uint64_t line, std::string_view text, const Status& why) {
    rejects.emplace_back(line, std::string(text), why.message());
  };
  const std::string text = kHeader +                                 // 1
                           "2026-03-02T14:30:00Z,A,1.5,100,1,X\n"    // 2
                           "bad,A,1.5,100,1,X\r\n"                   // 3
                           "\n"                                      // 4
                           "2026-03-02T14:30:01Z,A,1.5,100,2,X\n"    // 5
                           "2026-03-02T14:30:02Z,A,1.5\n"            // 6
                           "2026-03-02T14:30:03Z,A,\"1.5,100,3,X\n"  // 7
                           "2026-03-02T14:30:04Z,A,1.5,100,4,X\n"    // 8
                           "2026-03-02T14:30:05Z,,1.5,100,5,X";      // 9
  for (int trickle = 0; trickle < 2; ++trickle) {
    rejects.clear();
    std::unique_ptr<ByteSource> src =
        trickle ? std::unique_ptr<ByteSource>(new TrickleSource(text, "t.csv")) : StringSource(text, "t.csv");
    ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(std::move(src), TradesSchema(), options));
    RecordBatch b, all(TradesSchema());
    while (true) {
      ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
      if (!more) break;
      ASSERT_OK(all.Append(b));
    }
    ASSERT_EQ(all.num_rows(), 3u);
    EXPECT_EQ(all.column(4).int64s(), (std::vector<int64_t>{1, 2, 4}));
    ASSERT_EQ(rejects.size(), 4u);
    EXPECT_EQ(rejects[0], std::make_tuple(uint64_t{3}, std::string("bad,A,1.5,100,1,X"),
                                          std::string("t.csv:3: column 'ts': bad timestamp 'bad': expected "
                                                      "YYYY-MM-DD at the start, or integer nanoseconds")));
    EXPECT_EQ(rejects[1], std::make_tuple(uint64_t{6}, std::string("2026-03-02T14:30:02Z,A,1.5"),
                                          std::string("t.csv:6: expected 6 fields, found 3")));
    EXPECT_EQ(std::get<0>(rejects[2]), 7u);
    EXPECT_EQ(std::get<2>(rejects[2]),
              "t.csv:7: column 'price': unterminated quoted field (a newline inside quotes is not supported)");
    EXPECT_EQ(std::get<0>(rejects[3]), 9u);
    EXPECT_EQ(std::get<2>(rejects[3]), "t.csv:9: column 'symbol': empty value in a column that is not nullable");
    EXPECT_EQ(reader->rows_rejected(), 4u);
    EXPECT_EQ(reader->rows_read(), 3u);
    EXPECT_EQ(reader->bytes_read(), text.size());
  }
}

TEST(CsvReaderErrors, SkipBadLinesWithoutACallbackStillCounts) {
  CsvOptions options;
  options.skip_bad_lines = true;
  std::string text = kHeader + "x\n" + kGood + "y\n";
  ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(StringSource(text, "t.csv"), TradesSchema(), options));
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
  EXPECT_TRUE(more);
  EXPECT_EQ(b.num_rows(), 1u);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&b));
  EXPECT_FALSE(more);
  EXPECT_EQ(reader->rows_rejected(), 2u);
}

TEST(CsvReaderErrors, OverLongLines) {
  CsvOptions options;
  options.max_line_bytes = 64;
  const std::string long_line = "2026-03-02T14:30:00Z,A,1.5,100,1," + std::string(200, 'Z');
  const std::string text = kHeader + kGood + long_line + "\n" + kGood;
  // Strict: the good row, then the error.
  for (int trickle = 0; trickle < 2; ++trickle) {
    std::unique_ptr<ByteSource> src =
        trickle ? std::unique_ptr<ByteSource>(new TrickleSource(text, "t.csv")) : StringSource(text, "t.csv");
    ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(std::move(src), TradesSchema(), options));
    RecordBatch b;
    ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
    EXPECT_TRUE(more && b.num_rows() == 1);
    EXPECT_EQ(reader->Next(&b).status().message(), "t.csv:3: line is longer than 64 bytes");
  }
  // Skipping: reported with its first bytes, and the next line reads normally.
  options.skip_bad_lines = true;
  std::vector<std::pair<uint64_t, std::string>> rejects;
  options.on_reject = [&](uint64_t line, std::string_view shown, const Status&) { rejects.emplace_back(line, shown); };
  for (int trickle = 0; trickle < 2; ++trickle) {
    rejects.clear();
    std::unique_ptr<ByteSource> src =
        trickle ? std::unique_ptr<ByteSource>(new TrickleSource(text, "t.csv")) : StringSource(text, "t.csv");
    ASSERT_OK_AND_ASSIGN(RecordBatch b, csvtest::ReadAll(std::move(src), TradesSchema(), options));
    EXPECT_EQ(b.num_rows(), 2u);
    ASSERT_EQ(rejects.size(), 1u);
    EXPECT_EQ(rejects[0].first, 3u);
    EXPECT_EQ(rejects[0].second, long_line.substr(0, 60) + "...");
  }
  // The last line, without a line end; and a header that is too long.
  EXPECT_EQ(ReadError(kHeader + long_line, TradesSchema(), {.max_line_bytes = 64}).message(),
            "t.csv:2: line is longer than 64 bytes");
  EXPECT_EQ(ReadError(kHeader, TradesSchema(), {.max_line_bytes = 10}).message(),
            "t.csv:1: the header is longer than 10 bytes (is this a CSV file?)");
}

TEST(CsvReaderErrors, ASourceErrorComesAfterTheRowsBeforeIt) {
  const Status io = Status::IOError("read failing.csv: Input/output error");
  ASSERT_OK_AND_ASSIGN(
      auto reader, CsvReader::Open(std::make_unique<FailingSource>(kHeader + kGood + kGood, io), TradesSchema(), {}));
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
  EXPECT_TRUE(more);
  EXPECT_EQ(b.num_rows(), 2u);
  auto err = reader->Next(&b);
  EXPECT_EQ(err.status(), io);
  ASSERT_OK_AND_ASSIGN(more, reader->Next(&b));
  EXPECT_FALSE(more);
  // Skipping bad lines never skips a failing source; nor does a failing header read succeed.
  EXPECT_EQ(
      csvtest::ReadAll(std::make_unique<FailingSource>(kHeader, io), TradesSchema(), {.skip_bad_lines = true}).status(),
      io);
  EXPECT_EQ(CsvReader::Open(std::make_unique<FailingSource>("ts,sym", io), TradesSchema(), {}).status(), io);
}

// Random bytes drawn from CSV's alphabet: never a crash, and with skip_bad_lines every
// non-blank data line is either a row or a reject.
TEST(CsvReaderErrors, RandomGarbageIsRowsOrRejects) {
  std::mt19937_64 rng(17);
  const std::string alphabet = "0123456789,,,\"\"\r\n\n-+.:TZeEnaifx ";
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,x:f64?,s:string");
  for (int round = 0; round < 200; ++round) {
    std::string text = "ts,symbol,x,s\n";
    size_t lines = 0;
    for (int l = 0; l < 20; ++l) {
      std::string line = l % 3 == 0 ? "2026-03-02T14:30:00Z,S,1.5,\"a\"\"b\"" : "";
      for (size_t k = rng() % 40; k > 0; --k) {
        char c = alphabet[rng() % alphabet.size()];
        if (c == '\n' || c == '\r') c = ',';
        line.insert(line.begin() + static_cast<std::ptrdiff_t>(rng() % (line.size() + 1)), c);
      }
      if (!line.empty()) ++lines;
      text += line + (rng() % 2 ? "\n" : "\r\n");
    }
    CsvOptions options;
    options.skip_bad_lines = true;
    options.batch_rows = 1 + rng() % 5;
    ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(std::make_unique<TrickleSource>(text), schema, options));
    RecordBatch b;
    while (true) {
      ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
      if (!more) break;
      ASSERT_OK(b.ValidateAgainst(schema));
    }
    EXPECT_EQ(reader->rows_read() + reader->rows_rejected(), lines) << text;
    // Strict mode stops at the first reject, having returned exactly the rows before it.
    auto strict = ReadText(text, schema);
    EXPECT_EQ(strict.ok(), reader->rows_rejected() == 0) << text;
  }
}

// An input that never ends and has no newline: /dev/zero.
class EndlessZeros final : public ByteSource {
 public:
  explicit EndlessZeros(uint64_t* served) : served_(served) {}
  Result<size_t> Read(char* buf, size_t n) override {
    std::memset(buf, 0, n);
    *served_ += n;
    return n;
  }
  std::optional<uint64_t> TotalSize() const override { return std::nullopt; }
  const std::string& name() const override { return name_; }

 private:
  uint64_t* served_;
  std::string name_ = "/dev/zero";
};

TEST(CsvReaderErrors, AnEndlessHeaderStopsAtTheCap) {
  CsvOptions options;
  options.max_line_bytes = 1 << 20;
  uint64_t served = 0;
  auto reader = CsvReader::Open(std::make_unique<EndlessZeros>(&served), TradesSchema(), options);
  ASSERT_FALSE(reader.ok());
  EXPECT_NE(
      reader.status().message().find("/dev/zero:1: the header is longer than 1048576 bytes (is this a CSV file?)"),
      std::string::npos)
      << reader.status().message();
  EXPECT_LT(served, uint64_t{8} << 20) << "read far past the cap";
}

TEST(CsvReaderErrors, AnEndlessLineInStrictModeStopsAtTheCap) {
  CsvOptions options;
  options.max_line_bytes = 4096;
  // The header, then a data line of zeros that never ends.
  class HeaderThenZeros final : public ByteSource {
   public:
    Result<size_t> Read(char* buf, size_t n) override {
      if (pos_ < kHeader.size()) {
        const size_t k = std::min(n, kHeader.size() - pos_);
        std::memcpy(buf, kHeader.data() + pos_, k);
        pos_ += k;
        return k;
      }
      std::memset(buf, '0', n);
      return n;
    }
    std::optional<uint64_t> TotalSize() const override { return std::nullopt; }
    const std::string& name() const override { return name_; }

   private:
    size_t pos_ = 0;
    std::string name_ = "zeros.csv";
  };
  ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(std::make_unique<HeaderThenZeros>(), TradesSchema(), options));
  RecordBatch b;
  auto more = reader->Next(&b);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().message(), "zeros.csv:2: line is longer than 4096 bytes");
}

TEST(CsvReaderErrors, ErrorsQuoteAShortEscapedPrefixOfAHugeField) {
  std::string field(10 << 20, 'x');
  field[5] = '\0';
  Status st = ReadError(kHeader + field + ",A,1.5,100,1,X\n", TradesSchema());
  ASSERT_FALSE(st.ok());
  EXPECT_LT(st.message().size(), 300u) << st.message().substr(0, 400);
  EXPECT_NE(st.message().find("xxxxx\\x00xxx"), std::string::npos) << st.message();
}

TEST(CsvReaderErrors, ASymbolWithANulByteIsABadLine) {
  Status st = ReadError(kHeader + std::string("2026-03-02T14:30:00Z,\"A\0B\",1.5,100,1,X\n", 39), TradesSchema());
  EXPECT_EQ(st.message(), "t.csv:2: column 'symbol': symbol 'A\\x00B' holds a NUL byte");
}

TEST(CsvReaderErrors, AllowNanStoresNanAndInfinities) {
  CsvOptions options;
  options.allow_nan = true;
  ASSERT_OK_AND_ASSIGN(RecordBatch b,
                       ReadText(kHeader + "2026-03-02T14:30:00Z,A,nan,100,1,X\n2026-03-02T14:30:00Z,A,inf,100,1,X\n",
                                TradesSchema(), options));
  EXPECT_TRUE(std::isnan(b.column(2).doubles()[0]));
  EXPECT_TRUE(std::isinf(b.column(2).doubles()[1]));
}

TEST(CsvReaderErrors, SymbolsTooLongForADirectoryAreBadLines) {
  const std::string ok(248, 'S'), too_long(249, 'S');
  EXPECT_OK(ReadError(kHeader + "2026-03-02T14:30:00Z," + ok + ",1.5,100,1,X\n", TradesSchema()));
  Status st = ReadError(kHeader + "2026-03-02T14:30:00Z," + too_long + ",1.5,100,1,X\n", TradesSchema());
  EXPECT_NE(st.message().find("t.csv:2: column 'symbol': symbol 'SSS"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("is too long: 249 bytes"), std::string::npos) << st.message();
}

TEST(CsvReaderErrors, IntegerTimestampUnits) {
  const std::string text = kHeader + "1772460000,A,1.5,100,1,X\n1772460001,A,1.5,100,1,X\n";
  {
    ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(StringSource(text, "s.csv"), TradesSchema(), {}));
    RecordBatch b;
    ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
    ASSERT_TRUE(more);
    EXPECT_EQ(b.column(0).int64s()[0], 1772460000);  // as nanoseconds: 1970-01-01T00:00:01.77Z
    EXPECT_EQ(reader->small_integer_timestamps(), 2u);
    EXPECT_EQ(reader->first_small_integer_timestamp_line(), 2u);
  }
  CsvOptions seconds;
  seconds.integer_ts_unit_ns = kNanosPerSecond;
  ASSERT_OK_AND_ASSIGN(auto reader, CsvReader::Open(StringSource(text, "s.csv"), TradesSchema(), seconds));
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
  ASSERT_TRUE(more);
  EXPECT_EQ(b.column(0).int64s()[0], 1772460000 * kNanosPerSecond);
  EXPECT_EQ(reader->small_integer_timestamps(), 0u);
  // ISO text is unaffected by the unit; an integer that overflows once scaled is out of range.
  ASSERT_OK_AND_ASSIGN(RecordBatch iso,
                       ReadText(kHeader + "2026-03-02T14:30:00Z,A,1.5,100,1,X\n", TradesSchema(), seconds));
  EXPECT_EQ(iso.column(0).int64s()[0], *ParseTimestamp("2026-03-02T14:30:00Z"));
  EXPECT_NE(ReadError(kHeader + "9300000000000000000,A,1.5,100,1,X\n", TradesSchema(), seconds)
                .message()
                .find("integer seconds outside the supported range"),
            std::string::npos);
  CsvOptions bad_unit;
  bad_unit.integer_ts_unit_ns = 7;
  EXPECT_FALSE(ReadError(text, TradesSchema(), bad_unit).ok());
}

TEST(CsvReaderErrors, RejectedLinesKeepTheirLineEndAndTheHeaderIsKept) {
  std::vector<std::string> ends;
  std::unique_ptr<CsvReader> reader;
  CsvOptions options;
  options.skip_bad_lines = true;
  options.on_reject = [&](uint64_t, std::string_view, const Status&) { ends.emplace_back(reader->line_end()); };
  const std::string text = "ts,symbol,price,size,trade_id,exchange\r\nbad,A,1,1,1,X\r\nbad,A,1,1,1,X\nbad,A,1,1,1,X";
  ASSERT_OK_AND_ASSIGN(reader, CsvReader::Open(StringSource(text, "r.csv"), TradesSchema(), options));
  EXPECT_EQ(reader->header_line(), "ts,symbol,price,size,trade_id,exchange");
  EXPECT_EQ(reader->header_line_end(), "\r\n");
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, reader->Next(&b));
  EXPECT_FALSE(more);
  EXPECT_EQ(ends, (std::vector<std::string>{"\r\n", "\n", ""}));
}

}  // namespace
}  // namespace strata
