#include "query/filter.h"

#include <gtest/gtest.h>

#include "query/query_test_util.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

std::vector<Field> Fields() {
  return {{"ts", ColumnType::kTimestamp, false}, {"symbol", ColumnType::kSymbol, false},
          {"price", ColumnType::kFloat64, true}, {"size", ColumnType::kInt64, true},
          {"lot", ColumnType::kInt32, false},    {"odd", ColumnType::kBool, false}};
}

// Rows: ts = 2026-03-02T14:30:00Z + i s, symbol AAPL/MSFT/IBM, price i+0.5 (null at 3),
// size 100*i (null at 4), lot i, odd = i%2.
RecordBatch Rows() {
  RecordBatch b(Fields());
  const int64_t t0 = DaysFromCivil(2026, 3, 2) * kNanosPerDay + 14 * kNanosPerHour + 30 * kNanosPerMinute;
  const char* syms[] = {"AAPL", "MSFT", "IBM"};
  for (int i = 0; i < 8; ++i) {
    b.column(0).AppendInt64(t0 + i * kNanosPerSecond);
    b.column(1).AppendString(syms[i % 3]);
    if (i == 3) {
      b.column(2).AppendNull();
    } else {
      b.column(2).AppendDouble(i + 0.5);
    }
    if (i == 4) {
      b.column(3).AppendNull();
    } else {
      b.column(3).AppendInt64(100 * i);
    }
    b.column(4).AppendInt32(i);
    b.column(5).AppendBool(i % 2 == 1);
  }
  return b;
}

std::vector<uint32_t> Select(const std::string& expr) {
  auto f = Filter::Compile(expr, Fields());
  EXPECT_TRUE(f.ok()) << expr << ": " << f.status().ToString();
  if (!f.ok()) return {};
  std::vector<uint32_t> sel;
  (*f)->Select(Rows(), &sel);
  return sel;
}

using V = std::vector<uint32_t>;

TEST(Filter, Comparisons) {
  EXPECT_EQ(Select("price > 5"), (V{5, 6, 7}));
  EXPECT_EQ(Select("price >= 5.5"), (V{5, 6, 7}));
  EXPECT_EQ(Select("size < 200"), (V{0, 1}));
  EXPECT_EQ(Select("size <= 200 and size != 0"), (V{1, 2}));
  EXPECT_EQ(Select("size == 300 or lot = 7"), (V{3, 7}));
  EXPECT_EQ(Select("lot <> 0 and lot < 2.5"), (V{1, 2}));  // fractional literal vs i32
  EXPECT_EQ(Select("symbol = 'MSFT'"), (V{1, 4, 7}));
  EXPECT_EQ(Select("symbol = \"IBM\""), (V{2, 5}));
  EXPECT_EQ(Select("symbol > 'IBM'"), (V{1, 4, 7}));
  EXPECT_EQ(Select("odd = true"), (V{1, 3, 5, 7}));
  EXPECT_EQ(Select("ts >= '2026-03-02T14:30:05Z'"), (V{5, 6, 7}));
  EXPECT_EQ(Select("ts < 2026-03-02T14:30:02"), (V{0, 1}));
  EXPECT_EQ(Select("ts = 2026-03-02T09:30:01-05:00"), (V{1}));
  EXPECT_EQ(Select("lot > -1 and lot < +2"), (V{0, 1}));
}

TEST(Filter, InNotParenthesesAndNulls) {
  EXPECT_EQ(Select("symbol in ('AAPL', 'IBM')"), (V{0, 2, 3, 5, 6}));
  EXPECT_EQ(Select("symbol not in ('AAPL', 'IBM')"), (V{1, 4, 7}));
  EXPECT_EQ(Select("lot in (1, 2, 99)"), (V{1, 2}));
  EXPECT_EQ(Select("price in (0.5, 7.5)"), (V{0, 7}));
  EXPECT_EQ(Select("not (symbol = 'AAPL' or lot > 5)"), (V{1, 2, 4, 5}));
  EXPECT_EQ(Select("(lot < 2 or lot > 5) and odd = false"), (V{0, 6}));
  EXPECT_EQ(Select("NOT NOT lot = 1 AND odd = TRUE"), (V{1}));
  // Null price (row 3) and null size (row 4) pass neither a comparison nor its negation.
  EXPECT_EQ(Select("price < 100"), (V{0, 1, 2, 4, 5, 6, 7}));
  EXPECT_EQ(Select("not (price < 100)"), (V{}));
  EXPECT_EQ(Select("not (size in (0, 100))"), (V{2, 3, 5, 6, 7}));
  EXPECT_EQ(Select("price < 100 or price >= 100"), (V{0, 1, 2, 4, 5, 6, 7}));
}

void ExpectError(const std::string& expr, const std::string& fragment) {
  auto f = Filter::Compile(expr, Fields());
  ASSERT_FALSE(f.ok()) << expr;
  EXPECT_NE(f.status().message().find(fragment), std::string::npos) << expr << " -> " << f.status().message();
}

TEST(Filter, ErrorsNamePositionAndCause) {
  ExpectError("", "empty expression");
  ExpectError("price >", "expected a value after '>', got end of input at position 7");
  ExpectError("price > 5 and", "expected a column name, got end of input at position 13");
  ExpectError("(price > 5", "expected ')' to close '(' at position 0");
  ExpectError("price 5", "expected a comparison");
  ExpectError("pric > 5", "unknown column 'pric' at position 0");
  ExpectError("symbol = AAPL", "got the name 'AAPL' (quote text values: 'AAPL') at position 9");
  ExpectError("symbol = 'AAPL", "unterminated string at position 9");
  ExpectError("price > 'x'", "column 'price' is f64 but the value 'x' at position 8 is not a number");
  ExpectError("symbol = 5", "is not a quoted string");
  ExpectError("ts > 'yesterday'", "is not a time");
  ExpectError("odd < true", "takes only = or !=");
  ExpectError("lot in (1, 2", "expected ',' or ')'");
  ExpectError("lot in 1", "expected '(' after 'in'");
  ExpectError("price > 5 price < 6", "expected 'and', 'or' or the end");
  ExpectError("price ! 5", "'!' must be followed by '='");
  ExpectError("price > 5 ; drop", "unexpected character ';' at position 10");
}

TEST(Filter, ColumnsAndToString) {
  ASSERT_OK_AND_ASSIGN(FilterExpr e, FilterExpr::Parse("not (price > 1 and symbol in ('A')) or price < 0"));
  EXPECT_EQ(e.Columns(), (std::vector<std::string>{"price", "symbol"}));
  ASSERT_OK_AND_ASSIGN(auto f, Filter::Bind(e, Fields()));
  EXPECT_EQ(f->ToString(), "((price <= 1 or symbol not in ('A')) or price < 0)");
}

TEST(Filter, StreamKeepsSelectedRows) {
  ASSERT_OK_AND_ASSIGN(auto f, Filter::Compile("lot >= 6 or lot = 1", Fields()));
  RecordBatch all = Rows();
  auto s = MakeFilterStream(MakeVectorStream(all.fields(), {all.Slice(0, 3), all.Slice(3, 3), all.Slice(6, 2)}), f);
  std::vector<size_t> sizes;
  RecordBatch b;
  RecordBatch got(all.fields());
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, s->Next(&b));
    if (!more) break;
    sizes.push_back(b.num_rows());
    ASSERT_OK(got.Append(b));
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 2}));  // the middle batch has no row and is skipped
  EXPECT_TRUE(got.Equals(all.Take(V{1, 6, 7})));
}

}  // namespace
}  // namespace strata::query
