#include "query/sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "query/query_test_util.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

using testing::TradeRow;

std::vector<TradeRow> RandomRows(std::mt19937_64* rng, size_t n) {
  std::vector<TradeRow> rows;
  for (size_t i = 0; i < n; ++i) {
    TradeRow r{static_cast<int64_t>((*rng)() % 1000) * kNanosPerSecond,
               std::string(1, static_cast<char>('A' + (*rng)() % 3)), static_cast<double>((*rng)() % 20) / 2,
               static_cast<int64_t>((*rng)() % 10)};
    r.price_null = (*rng)() % 6 == 0;
    r.size_null = (*rng)() % 5 == 0;
    if ((*rng)() % 30 == 0) r.price = std::nan("");
    rows.push_back(r);
  }
  return rows;
}

// -1 / 0 / 1 comparison with nulls placed by `nulls_first` and NaN greatest.
template <class T>
int Cmp(bool na, T a, bool nb, T b, bool desc, bool nulls_first) {
  if (na || nb) {
    if (na == nb) return 0;
    return na == nulls_first ? -1 : 1;
  }
  int r;
  if constexpr (std::is_floating_point_v<T>) {
    const bool xa = a != a, xb = b != b;
    r = (xa || xb) ? (xa == xb ? 0 : (xa ? 1 : -1)) : (a < b ? -1 : a > b);
  } else {
    r = a < b ? -1 : (b < a ? 1 : 0);
  }
  return desc ? -r : r;
}

TEST(Sort, MatchesStableSortOverRandomBatchCutsWithLimitsAndOffsets) {
  std::mt19937_64 rng(29);
  for (int round = 0; round < 80; ++round) {
    std::vector<TradeRow> rows = RandomRows(&rng, round % 10 == 0 ? 0 : rng() % 400);
    RecordBatch all = testing::Trades(rows);
    const bool price_desc = rng() % 2, size_desc = rng() % 2;
    std::optional<bool> price_nf;
    if (rng() % 3) price_nf = rng() % 2;
    std::vector<SortKey> keys = {{Col("symbol"), false, std::nullopt},
                                 {Col("price"), price_desc, price_nf},
                                 {Binary(BinaryOp::kMul, Col("size"), Lit(Value::Int32(-1))), size_desc, std::nullopt}};
    std::vector<uint32_t> want(rows.size());
    std::iota(want.begin(), want.end(), 0);
    std::stable_sort(want.begin(), want.end(), [&](uint32_t a, uint32_t b) {
      const TradeRow &x = rows[a], &y = rows[b];
      if (x.symbol != y.symbol) return x.symbol < y.symbol;
      int c = Cmp(x.price_null, x.price, y.price_null, y.price, price_desc, price_nf.value_or(false));
      if (c) return c < 0;
      c = Cmp(x.size_null, -x.size, y.size_null, -y.size, size_desc, false);
      return c < 0;
    });
    const uint64_t offset = rng() % 3 == 0 ? rng() % 50 : 0;
    const int64_t limit = rng() % 2 ? static_cast<int64_t>(rng() % 60) : -1;
    SortOptions opt;
    opt.batch_rows = 1 + rng() % 50;
    ASSERT_OK_AND_ASSIGN(auto sorted,
                         MakeSortStream(testing::StreamOf(all, &rng, 1 + rng() % 70), keys, offset, limit, opt));
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(sorted.get()));
    const size_t begin = std::min<size_t>(offset, want.size());
    const size_t end = limit < 0 ? want.size() : std::min<size_t>(want.size(), begin + static_cast<size_t>(limit));
    std::vector<uint32_t> slice(want.begin() + static_cast<std::ptrdiff_t>(begin),
                                want.begin() + static_cast<std::ptrdiff_t>(end));
    RecordBatch expect = all.Take(slice);
    ASSERT_EQ(got.num_rows(), expect.num_rows()) << "round " << round;
    for (size_t i = 0; i < got.num_rows(); ++i) {
      ASSERT_EQ(got.RowToString(i), expect.RowToString(i)) << "round " << round << " row " << i;
    }
  }
}

TEST(Sort, TopNHoldsBoundedRowsOverALargeInput) {
  // 200k rows through a LIMIT 10 sort with a full-sort cap far below the input size: the top-N
  // path never holds the input (the cap applies to full sorts only).
  std::mt19937_64 rng(31);
  std::vector<RecordBatch> batches;
  std::vector<int64_t> all_sizes;
  for (int b = 0; b < 20; ++b) {
    std::vector<TradeRow> rows = RandomRows(&rng, 10000);
    for (TradeRow& r : rows) {
      r.size = static_cast<int64_t>(rng() % 1000000);
      r.size_null = false;
      all_sizes.push_back(r.size);
    }
    batches.push_back(testing::Trades(rows));
  }
  SortOptions opt;
  opt.max_rows = 50000;
  ASSERT_OK_AND_ASSIGN(auto top, MakeSortStream(MakeVectorStream(testing::TradeFields(), batches),
                                                {{Col("size"), true, std::nullopt}}, 0, 10, opt));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(top.get()));
  std::sort(all_sizes.rbegin(), all_sizes.rend());
  ASSERT_EQ(got.num_rows(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(got.column(3).int64s()[i], all_sizes[i]);
  // The same without a limit is refused with a message that says what to do.
  ASSERT_OK_AND_ASSIGN(auto full, MakeSortStream(MakeVectorStream(testing::TradeFields(), batches),
                                                 {{Col("size"), true, std::nullopt}}, 0, -1, opt));
  auto r = Collect(full.get());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("add a LIMIT"), std::string::npos);
  // A limit so large that the kept rows pass the cap is refused too.
  ASSERT_OK_AND_ASSIGN(auto big, MakeSortStream(MakeVectorStream(testing::TradeFields(), batches),
                                                {{Col("size"), true, std::nullopt}}, 0, 1'000'000, opt));
  auto rb = Collect(big.get());
  ASSERT_FALSE(rb.ok());
  EXPECT_NE(rb.status().message().find("lower the LIMIT"), std::string::npos) << rb.status().message();
}

TEST(Sort, BindErrorNamesTheKey) {
  auto r = MakeSortStream(MakeVectorStream(testing::TradeFields(), {}), {{Col("nope"), false, std::nullopt}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown column 'nope'"), std::string::npos);
}

}  // namespace
}  // namespace strata::query
