#include "strata/batch.h"

#include <gtest/gtest.h>

#include "strata/timestamp.h"

namespace strata {
namespace {

TEST(Column, StringRunEndFindsTheEndOfEachRun) {
  Column c(ColumnType::kSymbol);
  for (const char* s : {"AAPL", "AAPL", "AAPL", "MSFT", "NVDA", "NVDA"}) c.AppendString(s);
  EXPECT_EQ(c.StringRunEnd(0), 3u);
  EXPECT_EQ(c.StringRunEnd(1), 3u);
  EXPECT_EQ(c.StringRunEnd(3), 4u);
  EXPECT_EQ(c.StringRunEnd(4), 6u);
  EXPECT_EQ(c.StringRunEnd(5), 6u);
  Column one(ColumnType::kSymbol);
  one.AppendString("X");
  EXPECT_EQ(one.StringRunEnd(0), 1u);
}

Schema TradesSchema() { return *Schema::Template("trades"); }

// One trades row per (ts, symbol); the other columns are valid.
RecordBatch Rows(const std::vector<std::pair<int64_t, std::string>>& rows, const std::string& exchange = "XNAS") {
  RecordBatch b(TradesSchema());
  for (const auto& [ts, sym] : rows) {
    for (size_t c = 0; c < b.num_columns(); ++c) {
      const Field& f = b.fields()[c];
      Column& col = b.column(c);
      if (f.type == ColumnType::kTimestamp) {
        col.AppendInt64(ts);
      } else if (f.type == ColumnType::kSymbol) {
        col.AppendString(sym);
      } else if (f.type == ColumnType::kString) {
        col.AppendString(exchange);
      } else if (f.type == ColumnType::kFloat64) {
        col.AppendDouble(1.5);
      } else if (f.type == ColumnType::kInt32) {
        col.AppendInt32(1);
      } else {
        col.AppendInt64(1);
      }
    }
  }
  return b;
}

TEST(RecordBatch, ValidateAgainstAcceptsTheEdgesOfTheTimestampRange) {
  EXPECT_TRUE(Rows({{kMinTimestampNs, "A"}, {0, "A"}, {kMaxTimestampNs, "A"}}).ValidateAgainst(TradesSchema()).ok());
}

TEST(RecordBatch, ValidateAgainstRefusesTimestampsOutsideTheRangeNamingTheRow) {
  for (int64_t t : {kMaxTimestampNs + 1, INT64_MAX, kMinTimestampNs - 1, INT64_MIN}) {
    Status st = Rows({{0, "A"}, {t, "A"}}).ValidateAgainst(TradesSchema());
    ASSERT_FALSE(st.ok()) << t;
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("row 2: timestamp"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("outside the supported range"), std::string::npos) << st.message();
  }
}

TEST(RecordBatch, ValidateAgainstRefusesSymbolsThatCannotBeStored) {
  const std::string plain_max(kMaxEscapedSymbolBytes, 'A');
  const std::string escaped_max(kMaxEscapedSymbolBytes / 3, '/');  // each '/' becomes %2F
  EXPECT_TRUE(
      Rows({{0, plain_max}, {0, escaped_max}, {0, "\xE6\x97\xA5\xE6\x9C\xAC"}}).ValidateAgainst(TradesSchema()).ok());
  struct Case {
    std::string symbol;
    const char* why;
  };
  const Case cases[] = {
      {"", "cannot be empty"},         {plain_max + "A", "too long"}, {escaped_max + "/", "too long"},
      {std::string("A\0B", 3), "NUL"}, {"A\xFF", "not valid UTF-8"},  {"\xC0\xAF", "not valid UTF-8"},  // overlong '/'
  };
  for (const Case& c : cases) {
    Status st = Rows({{0, "OK"}, {0, "OK"}, {0, c.symbol}}).ValidateAgainst(TradesSchema());
    ASSERT_FALSE(st.ok()) << c.why;
    EXPECT_NE(st.message().find("row 3: "), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(c.why), std::string::npos) << st.message();
    EXPECT_LT(st.message().size(), 300u);
  }
}

TEST(RecordBatch, ValidateAgainstRefusesStringsThatAreNotUtf8) {
  Status st = Rows({{0, "A"}, {0, "A"}}, "X\xC3").ValidateAgainst(TradesSchema());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("row 1: column 'exchange'"), std::string::npos) << st.message();
  // Two values that are each broken but valid together ("\xC3" + "\xA9" is "é"): still refused.
  RecordBatch b = Rows({{0, "A"}}, "\xC3");
  RecordBatch second = Rows({{0, "A"}}, "\xA9");
  ASSERT_TRUE(b.Append(second).ok());
  EXPECT_FALSE(b.ValidateAgainst(TradesSchema()).ok());
  EXPECT_TRUE(Rows({{0, "A"}}, "caf\xC3\xA9").ValidateAgainst(TradesSchema()).ok());
}

}  // namespace
}  // namespace strata
