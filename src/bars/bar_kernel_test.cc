#include "bars/bar_kernel.h"

#include <gtest/gtest.h>

#include <cmath>

#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::bars {
namespace {

std::vector<Field> TradeFields() {
  return {{"ts", ColumnType::kTimestamp, false},
          {"symbol", ColumnType::kSymbol, false},
          {"price", ColumnType::kFloat64, false},
          {"size", ColumnType::kInt64, false}};
}

RecordBatch Trades(const std::vector<std::tuple<int64_t, std::string, double, int64_t>>& rows) {
  RecordBatch b(TradeFields());
  for (const auto& [ts, sym, p, q] : rows) {
    b.column(0).AppendInt64(ts);
    b.column(1).AppendString(sym);
    b.column(2).AppendDouble(p);
    b.column(3).AppendInt64(q);
  }
  return b;
}

constexpr int64_t kMin = kNanosPerMinute;

TEST(BarKernel, TradesToMinuteBars) {
  RecordBatch t =
      Trades({{0, "A", 10, 1}, {10, "A", 12, 3}, {kMin - 1, "A", 9, 2}, {kMin, "A", 11, 5}, {5, "B", 1, 1}});
  // B comes after A: grouped.
  ASSERT_OK_AND_ASSIGN(RecordBatch bars, ComputeBars(t, kMin));
  ASSERT_EQ(bars.num_rows(), 3u);
  EXPECT_EQ(bars.column(0).int64s()[0], 0);
  EXPECT_EQ(bars.column(2).doubles()[0], 10);  // open
  EXPECT_EQ(bars.column(3).doubles()[0], 12);  // high
  EXPECT_EQ(bars.column(4).doubles()[0], 9);   // low
  EXPECT_EQ(bars.column(5).doubles()[0], 9);   // close
  EXPECT_EQ(bars.column(6).int64s()[0], 6);    // volume
  EXPECT_DOUBLE_EQ(bars.column(7).doubles()[0], (10.0 + 36 + 18) / 6);
  EXPECT_EQ(bars.column(8).int64s()[0], 3);
  EXPECT_EQ(bars.column(0).int64s()[1], kMin);
  EXPECT_EQ(bars.column(1).GetString(2), "B");
}

TEST(BarKernel, BarsOfBarsKeepOhlcvAndCount) {
  RecordBatch t = Trades({{0, "A", 10, 1}, {kMin + 1, "A", 14, 2}, {2 * kMin, "A", 8, 1}, {6 * kMin, "A", 9, 4}});
  ASSERT_OK_AND_ASSIGN(RecordBatch m1, ComputeBars(t, kMin));
  ASSERT_OK_AND_ASSIGN(RecordBatch m5, ComputeBars(m1, 5 * kMin));
  ASSERT_OK_AND_ASSIGN(RecordBatch direct, ComputeBars(t, 5 * kMin));
  ASSERT_EQ(m5.num_rows(), direct.num_rows());
  for (size_t c = 0; c < 7; ++c) EXPECT_TRUE(m5.column(c).Equals(direct.column(c))) << c;
  EXPECT_TRUE(m5.column(8).Equals(direct.column(8)));
  for (size_t r = 0; r < m5.num_rows(); ++r) {
    EXPECT_NEAR(m5.column(7).doubles()[r], direct.column(7).doubles()[r], 1e-12);
  }
}

TEST(BarKernel, IncrementalEqualsWhole) {
  RecordBatch t = Trades({{0, "A", 10, 1}, {kMin + 1, "A", 14, 2}, {kMin + 2, "A", 8, 1}, {3, "B", 9, 4}});
  ASSERT_OK_AND_ASSIGN(RecordBatch whole, ComputeBars(t, kMin));
  ASSERT_OK_AND_ASSIGN(BarInput in, DetectBarInput(t.fields()));
  BarBuilder b(in, kMin);
  RecordBatch out(BarFields());
  for (size_t i = 0; i < t.num_rows(); ++i) ASSERT_OK(b.Consume(t.Slice(i, 1), &out));
  b.Finish(&out);
  EXPECT_TRUE(out.Equals(whole));
}

TEST(BarKernel, BadInput) {
  EXPECT_FALSE(ComputeBars(Trades({{5, "A", 1, 1}, {4, "A", 1, 1}}), kMin).ok());  // unsorted
  {
    ASSERT_OK_AND_ASSIGN(BarInput in, DetectBarInput(TradeFields()));
    BarBuilder b(in, kMin);
    RecordBatch out(BarFields());
    ASSERT_OK(b.Consume(Trades({{5, "B", 1, 1}}), &out));
    EXPECT_FALSE(b.Consume(Trades({{6, "A", 1, 1}}), &out).ok());  // not grouped
  }
  EXPECT_FALSE(ComputeBars(Trades({}), 10).ok());  // interval < 1s
  RecordBatch no_price({{"ts", ColumnType::kTimestamp, false}, {"symbol", ColumnType::kSymbol, false}});
  EXPECT_FALSE(ComputeBars(no_price, kMin).ok());
  EXPECT_FALSE(ParseBarInterval("2d").ok());
  EXPECT_FALSE(ParseBarInterval("1500ms").ok());
}

TEST(BarKernel, IntervalNames) {
  EXPECT_EQ(BarIntervalName(kNanosPerDay), "1d");
  EXPECT_EQ(BarIntervalName(kMin), "1m");
  EXPECT_EQ(BarIntervalName(90 * kNanosPerSecond), "90s");
  EXPECT_EQ(BarIntervalName(2 * kNanosPerHour), "2h");
}

TEST(BarKernel, NaNPricesAreValuesWhereverTheyStand) {
  // NaN is the largest double, as in SQL's max/min: the high is NaN and the low the least number
  // wherever the NaN stands (plain < and > with NaN made high/low depend on its place).
  using Rows = std::vector<std::tuple<int64_t, std::string, double, int64_t>>;
  auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
  for (const Rows& rows :
       {Rows{{0, "A", NAN, 1}, {1, "A", 2, 1}, {2, "A", 1, 1}}, Rows{{0, "A", 2, 1}, {1, "A", NAN, 1}, {2, "A", 1, 1}},
        Rows{{0, "A", 2, 1}, {1, "A", 1, 1}, {2, "A", NAN, 1}}}) {
    ASSERT_OK_AND_ASSIGN(RecordBatch bars, ComputeBars(Trades(rows), kMin));
    ASSERT_EQ(bars.num_rows(), 1u);
    EXPECT_TRUE(same(bars.column(2).doubles()[0], std::get<2>(rows[0])));  // open: the first price, NaN or not
    EXPECT_TRUE(std::isnan(bars.column(3).doubles()[0]));                  // high
    EXPECT_EQ(bars.column(4).doubles()[0], 1);                             // low
    EXPECT_TRUE(same(bars.column(5).doubles()[0], std::get<2>(rows[2])));  // close
    EXPECT_EQ(bars.column(6).int64s()[0], 3);                              // volume: the NaN row's size too
    EXPECT_TRUE(std::isnan(bars.column(7).doubles()[0]));                  // vwap: sum(price*size) is NaN
    EXPECT_EQ(bars.column(8).int64s()[0], 3);                              // count
  }
  ASSERT_OK_AND_ASSIGN(RecordBatch all_nan, ComputeBars(Trades({{0, "A", NAN, 1}, {1, "A", NAN, 2}}), kMin));
  ASSERT_EQ(all_nan.num_rows(), 1u);
  EXPECT_TRUE(std::isnan(all_nan.column(4).doubles()[0]));  // every price NaN: so is the low
}

TEST(BarKernel, BarsOfBarsWithNaNPricesEqualBarsOfTheTrades) {
  // What a derived bar table rolls up must equal the bars of the rows: minute 0 has a NaN among
  // numbers, minute 1 only NaNs (its low is NaN), minute 2 only numbers, minute 7 opens on a NaN.
  RecordBatch t = Trades({{0, "A", 5, 1},
                          {1, "A", NAN, 2},
                          {2, "A", 3, 1},
                          {kMin, "A", NAN, 4},
                          {2 * kMin, "A", 1, 1},
                          {2 * kMin + 1, "A", 9, 1},
                          {7 * kMin, "A", NAN, 1},
                          {7 * kMin + 1, "A", 4, 2}});
  ASSERT_OK_AND_ASSIGN(RecordBatch m1, ComputeBars(t, kMin));
  ASSERT_EQ(m1.num_rows(), 4u);
  for (int64_t interval : {5 * kMin, 10 * kMin}) {
    ASSERT_OK_AND_ASSIGN(RecordBatch rolled, ComputeBars(m1, interval));
    ASSERT_OK_AND_ASSIGN(RecordBatch direct, ComputeBars(t, interval));
    ASSERT_EQ(rolled.num_rows(), direct.num_rows());
    for (size_t c = 0; c < 9; ++c) EXPECT_TRUE(rolled.column(c).Equals(direct.column(c))) << c << " " << interval;
  }
  ASSERT_OK_AND_ASSIGN(RecordBatch m5, ComputeBars(t, 5 * kMin));
  EXPECT_TRUE(std::isnan(m5.column(3).doubles()[0]));  // high
  EXPECT_EQ(m5.column(4).doubles()[0], 1);             // low: the least number of the three minutes
  EXPECT_EQ(m5.column(6).int64s()[0], 10);
  EXPECT_EQ(m5.column(8).int64s()[0], 6);
}

TEST(BarKernel, BucketsAtTheEndsOfInt64DoNotOverflow) {
  // Day bars of the last partial day of int64: the bucket end lies past INT64_MAX.
  ASSERT_OK_AND_ASSIGN(RecordBatch last,
                       ComputeBars(Trades({{INT64_MAX - 5, "A", 1, 1}, {INT64_MAX, "A", 2, 1}}), kNanosPerDay));
  ASSERT_EQ(last.num_rows(), 1u);
  EXPECT_EQ(last.column(0).int64s()[0], FloorToMultiple(INT64_MAX, kNanosPerDay));
  EXPECT_EQ(last.column(8).int64s()[0], 2);
  // The first partial day: its bucket start is below INT64_MIN and saturates.
  ASSERT_OK_AND_ASSIGN(RecordBatch first,
                       ComputeBars(Trades({{INT64_MIN, "A", 1, 1}, {INT64_MIN + 5, "A", 2, 1}}), kNanosPerDay));
  ASSERT_EQ(first.num_rows(), 1u);
  EXPECT_EQ(first.column(0).int64s()[0], INT64_MIN);
  EXPECT_EQ(first.column(8).int64s()[0], 2);
}

}  // namespace
}  // namespace strata::bars
