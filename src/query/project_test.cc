#include "query/project.h"

#include <gtest/gtest.h>

#include <random>

#include "query/query_test_util.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

RecordBatch RandomTrades(std::mt19937_64* rng, size_t n) {
  std::vector<testing::TradeRow> rows;
  for (size_t i = 0; i < n; ++i) {
    testing::TradeRow r{static_cast<int64_t>(i) * kNanosPerSecond,
                        std::string(1, static_cast<char>('A' + (*rng)() % 3)), static_cast<double>((*rng)() % 100) / 4,
                        static_cast<int64_t>((*rng)() % 500)};
    r.price_null = (*rng)() % 7 == 0;
    r.size_null = (*rng)() % 5 == 0;
    rows.push_back(r);
  }
  return testing::Trades(rows);
}

TEST(Project, ComputeWhereAndOffsetLimitOverRandomBatchCuts) {
  std::mt19937_64 rng(43);
  for (int round = 0; round < 40; ++round) {
    RecordBatch all = RandomTrades(&rng, round % 9 == 0 ? 0 : rng() % 300);
    // WHERE size >= 100 AND symbol <> 'B', then SELECT symbol, price * size AS notional, then
    // OFFSET/LIMIT.
    ASSERT_OK_AND_ASSIGN(auto where,
                         MakeWhereStream(testing::StreamOf(all, &rng, 1 + rng() % 40),
                                         And({Binary(BinaryOp::kGe, Col("size"), Lit(Value::Int32(100))),
                                              Binary(BinaryOp::kNe, Col("symbol"), Lit(Value::String("B")))})));
    ASSERT_OK_AND_ASSIGN(
        auto proj,
        MakeComputeStream(std::move(where), {{"symbol", Col("symbol")},
                                             {"notional", Binary(BinaryOp::kMul, Col("price"), Col("size"))}}));
    ASSERT_EQ(proj->fields()[0], (Field{"symbol", ColumnType::kSymbol, false}));
    ASSERT_EQ(proj->fields()[1], (Field{"notional", ColumnType::kFloat64, true}));
    const uint64_t offset = rng() % 20;
    const int64_t limit = rng() % 2 ? static_cast<int64_t>(rng() % 50) : -1;
    auto limited = MakeOffsetLimitStream(std::move(proj), offset, limit);
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(limited.get()));
    std::vector<std::string> want;
    for (size_t i = 0; i < all.num_rows(); ++i) {
      if (all.column(3).IsNull(i) || all.column(3).int64s()[i] < 100 || all.column(1).GetString(i) == "B") continue;
      std::string row = std::string(all.column(1).GetString(i)) + ",";
      if (!all.column(2).IsNull(i)) {
        RecordBatch one({{"x", ColumnType::kFloat64, false}});
        one.column(0).AppendDouble(all.column(2).doubles()[i] * static_cast<double>(all.column(3).int64s()[i]));
        row += one.RowToString(0);
      }
      want.push_back(row);
    }
    const size_t b = std::min<size_t>(offset, want.size());
    const size_t e = limit < 0 ? want.size() : std::min<size_t>(want.size(), b + static_cast<size_t>(limit));
    ASSERT_EQ(got.num_rows(), e - b) << "round " << round;
    for (size_t i = 0; i < got.num_rows(); ++i) EXPECT_EQ(got.RowToString(i), want[b + i]);
  }
}

TEST(Project, WhereRefusesNonConditionsAndEvaluationErrorsSurface) {
  auto bad = MakeWhereStream(MakeVectorStream(testing::TradeFields(), {}), Col("price"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "WHERE 'price' is f64, not a condition (bool)");
  std::mt19937_64 rng(1);
  RecordBatch all = RandomTrades(&rng, 50);
  ASSERT_OK_AND_ASSIGN(auto proj,
                       MakeComputeStream(MakeVectorStream(all.fields(), {all}),
                                         {{"x", Binary(BinaryOp::kMul, Col("size"), Lit(Value::Int64(INT64_MAX)))}}));
  EXPECT_FALSE(Collect(proj.get()).ok());
}

}  // namespace
}  // namespace strata::query
