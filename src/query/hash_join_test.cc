#include "query/hash_join.h"

#include <gtest/gtest.h>

#include <random>

#include "query/query_test_util.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

std::vector<Field> RefFields() {
  return {{"sym", ColumnType::kString, true}, {"k", ColumnType::kInt32, true}, {"label", ColumnType::kString, false}};
}

RecordBatch RandomRef(std::mt19937_64* rng, size_t n) {
  RecordBatch b(RefFields());
  for (size_t i = 0; i < n; ++i) {
    if ((*rng)() % 8 == 0) {
      b.column(0).AppendNull();
    } else {
      b.column(0).AppendString(std::string(1, static_cast<char>('A' + (*rng)() % 3)));
    }
    if ((*rng)() % 8 == 0) {
      b.column(1).AppendNull();
    } else {
      b.column(1).AppendInt32(static_cast<int32_t>((*rng)() % 6));
    }
    b.column(2).AppendString("r" + std::to_string(i));
  }
  return b;
}

RecordBatch RandomTrades(std::mt19937_64* rng, size_t n) {
  std::vector<testing::TradeRow> rows;
  for (size_t i = 0; i < n; ++i) {
    testing::TradeRow r{static_cast<int64_t>(i), std::string(1, static_cast<char>('A' + (*rng)() % 4)),
                        static_cast<double>(i), static_cast<int64_t>((*rng)() % 7)};
    r.size_null = (*rng)() % 9 == 0;
    rows.push_back(r);
  }
  return testing::Trades(rows);
}

TEST(HashJoin, InnerAndLeftMatchNestedLoopsOverRandomBatchCuts) {
  std::mt19937_64 rng(37);
  for (int round = 0; round < 60; ++round) {
    const JoinType type = round % 2 ? JoinType::kLeft : JoinType::kInner;
    RecordBatch left = RandomTrades(&rng, round % 11 == 0 ? 0 : rng() % 200);
    RecordBatch right = RandomRef(&rng, round % 13 == 0 ? 0 : rng() % 40);
    // Nested loops: left order, right order within a left row; null keys never match.
    std::vector<std::string> want;
    for (size_t i = 0; i < left.num_rows(); ++i) {
      bool any = false;
      for (size_t j = 0; j < right.num_rows(); ++j) {
        if (left.column(3).IsNull(i) || right.column(0).IsNull(j) || right.column(1).IsNull(j)) continue;
        if (left.column(1).GetString(i) != right.column(0).GetString(j)) continue;
        if (left.column(3).int64s()[i] != right.column(1).int32s()[j]) continue;
        any = true;
        want.push_back(left.RowToString(i) + "," + right.RowToString(j));
      }
      if (!any && type == JoinType::kLeft) want.push_back(left.RowToString(i) + ",,,");
    }
    HashJoinOptions opt;
    opt.batch_rows = 1 + rng() % 20;
    opt.right_prefix = "r_";
    ASSERT_OK_AND_ASSIGN(
        auto join,
        MakeHashJoinStream(testing::StreamOf(left, &rng, 1 + rng() % 30), MakeVectorStream(RefFields(), {right}),
                           {{Col("symbol"), Col("sym")}, {Col("size"), Col("k")}}, type, opt));
    ASSERT_EQ(join->fields().size(), 7u);
    EXPECT_EQ(join->fields()[4].name, "r_sym");
    EXPECT_EQ(join->fields()[6].nullable, type == JoinType::kLeft);
    std::vector<std::string> got;
    RecordBatch b;
    while (true) {
      ASSERT_OK_AND_ASSIGN(bool more, join->Next(&b));
      if (!more) break;
      ASSERT_GT(b.num_rows(), 0u);
      ASSERT_LE(b.num_rows(), opt.batch_rows);
      for (size_t i = 0; i < b.num_rows(); ++i) got.push_back(b.RowToString(i));
    }
    ASSERT_EQ(got, want) << "round " << round;
  }
}

TEST(HashJoin, BuildSideCapAndKeyTypeErrors) {
  std::mt19937_64 rng(41);
  HashJoinOptions opt;
  opt.max_build_rows = 10;
  ASSERT_OK_AND_ASSIGN(auto join, MakeHashJoinStream(MakeVectorStream(testing::TradeFields(), {RandomTrades(&rng, 5)}),
                                                     MakeVectorStream(RefFields(), {RandomRef(&rng, 11)}),
                                                     {{Col("symbol"), Col("sym")}}, JoinType::kInner, opt));
  RecordBatch b;
  auto r = join->Next(&b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than 10 rows"), std::string::npos) << r.status().message();
  auto bad = MakeHashJoinStream(MakeVectorStream(testing::TradeFields(), {}), MakeVectorStream(RefFields(), {}),
                                {{Col("ts"), Col("k")}}, JoinType::kInner);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "join: cannot compare key 'ts' (timestamp) with 'k' (i32)");
}

}  // namespace
}  // namespace strata::query
