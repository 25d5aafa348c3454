#include "query/bars.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "query/query_test_util.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

using testing::TradeRow;
using testing::Trades;

TEST(Bars, ParseInterval) {
  for (auto [text, ns] : std::vector<std::pair<const char*, int64_t>>{
           {"1s", kNanosPerSecond}, {"5m", 5 * kNanosPerMinute}, {"1h", kNanosPerHour}, {"1d", kNanosPerDay}}) {
    ASSERT_OK_AND_ASSIGN(int64_t got, ParseBarInterval(text));
    EXPECT_EQ(got, ns) << text;
  }
  for (const char* bad : {"500ms", "2d", "0s", "", "abc", "1500ms"}) {
    EXPECT_FALSE(ParseBarInterval(bad).ok()) << bad;
  }
}

// Brute force: group by (symbol, floor(ts)) in a map.
struct RefBar {
  double open, high, low, close, pv = 0;
  int64_t volume = 0, count = 0, first_ts, last_ts;
};

TEST(Bars, MatchesBruteForceOverRandomBatchCuts) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 40; ++round) {
    const int64_t interval = (round % 4 == 0   ? 1
                              : round % 4 == 1 ? 60
                              : round % 4 == 2 ? 3600
                                               : 86400) *
                             kNanosPerSecond;
    std::vector<TradeRow> rows;
    std::map<std::pair<std::string, int64_t>, RefBar> ref;
    for (std::string sym : {"AA", "BB", "CC"}) {
      // Start before a day boundary so bars cross it; duplicates and nulls included.
      int64_t t = DaysFromCivil(2026, 1, 31) * kNanosPerDay - 120 * kNanosPerSecond;
      int n = static_cast<int>(rng() % 300);
      for (int i = 0; i < n; ++i) {
        t += rng() % 5 == 0 ? 0 : static_cast<int64_t>(rng() % (3 * interval / 10 + 1));
        TradeRow r{t, sym, 10 + static_cast<double>(rng() % 1000) / 100, static_cast<int64_t>(rng() % 500)};
        r.price_null = rng() % 20 == 0;
        r.size_null = rng() % 25 == 0;
        rows.push_back(r);
        if (r.price_null || r.size_null) continue;
        const int64_t start = t / interval * interval;
        auto [it, fresh] = ref.try_emplace({sym, start});
        RefBar& b = it->second;
        if (fresh) {
          b.open = b.high = b.low = r.price;
          b.first_ts = t;
        }
        b.high = std::max(b.high, r.price);
        b.low = std::min(b.low, r.price);
        b.close = r.price;
        b.volume += r.size;
        b.pv += r.price * static_cast<double>(r.size);
        ++b.count;
      }
    }
    RecordBatch all = Trades(rows);
    ASSERT_OK_AND_ASSIGN(auto bars, MakeBarsStream(testing::StreamOf(all, &rng, 1 + rng() % 50), interval, 7));
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(bars.get()));
    ASSERT_EQ(got.num_rows(), ref.size()) << "round " << round;
    size_t r = 0;
    for (const auto& [key, b] : ref) {
      SCOPED_TRACE("round " + std::to_string(round) + " row " + got.RowToString(r));
      EXPECT_EQ(got.column(1).GetString(r), key.first);
      EXPECT_EQ(got.column(0).int64s()[r], key.second);
      EXPECT_EQ(got.column(2).doubles()[r], b.open);
      EXPECT_EQ(got.column(3).doubles()[r], b.high);
      EXPECT_EQ(got.column(4).doubles()[r], b.low);
      EXPECT_EQ(got.column(5).doubles()[r], b.close);
      EXPECT_EQ(got.column(6).int64s()[r], b.volume);
      if (b.volume == 0) {
        EXPECT_TRUE(got.column(7).IsNull(r));
      } else {
        EXPECT_EQ(got.column(7).doubles()[r], b.pv / static_cast<double>(b.volume));
      }
      EXPECT_EQ(got.column(8).int64s()[r], b.count);
      ++r;
    }
  }
}

TEST(Bars, CoarserBarsEqualBarsFromTrades) {
  std::mt19937_64 rng(5);
  std::vector<TradeRow> rows;
  for (std::string sym : {"X", "Y"}) {
    int64_t t = DaysFromCivil(2026, 2, 27) * kNanosPerDay;
    for (int i = 0; i < 5000; ++i) {
      t += static_cast<int64_t>(rng() % (20 * kNanosPerSecond));
      rows.push_back({t, sym, 100 + static_cast<double>(rng() % 100) / 4, static_cast<int64_t>(1 + rng() % 100)});
    }
  }
  RecordBatch all = Trades(rows);  // spans two days, crossing into March
  ASSERT_OK_AND_ASSIGN(auto m1, MakeBarsStream(testing::StreamOf(all, &rng, 999), kNanosPerMinute));
  ASSERT_OK_AND_ASSIGN(auto h1_from_m1, MakeBarsStream(std::move(m1), kNanosPerHour));
  ASSERT_OK_AND_ASSIGN(RecordBatch coarse, Collect(h1_from_m1.get()));
  ASSERT_OK_AND_ASSIGN(auto h1, MakeBarsStream(testing::StreamOf(all, &rng, 999), kNanosPerHour));
  ASSERT_OK_AND_ASSIGN(RecordBatch direct, Collect(h1.get()));
  ASSERT_EQ(coarse.num_rows(), direct.num_rows());
  ASSERT_GT(direct.num_rows(), 24u);
  for (size_t r = 0; r < direct.num_rows(); ++r) {
    for (int c : {0, 2, 3, 4, 5, 6, 8}) {
      EXPECT_TRUE(coarse.column(c).Slice(r, 1).Equals(direct.column(c).Slice(r, 1)))
          << "row " << r << " col " << c << ": " << coarse.RowToString(r) << " vs " << direct.RowToString(r);
    }
    // vwap: the same quantity summed in another order.
    EXPECT_NEAR(coarse.column(7).doubles()[r], direct.column(7).doubles()[r], 1e-9 * direct.column(7).doubles()[r]);
  }
}

TEST(Bars, EdgesEmptyAndErrors) {
  // Trades exactly at interval edges open the next bar.
  RecordBatch edge = Trades({{0, "A", 1, 1}, {kNanosPerMinute - 1, "A", 2, 1}, {kNanosPerMinute, "A", 3, 1}});
  ASSERT_OK_AND_ASSIGN(auto s, MakeBarsStream(MakeVectorStream(edge.fields(), {edge}), kNanosPerMinute));
  ASSERT_OK_AND_ASSIGN(RecordBatch b, Collect(s.get()));
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.column(0).int64s()[1], kNanosPerMinute);
  EXPECT_EQ(b.column(5).doubles()[0], 2);
  EXPECT_EQ(b.column(8).int64s()[0], 2);

  // Before the epoch: floor, not truncation.
  RecordBatch neg = Trades({{-1, "A", 1, 1}});
  ASSERT_OK_AND_ASSIGN(auto sn, MakeBarsStream(MakeVectorStream(neg.fields(), {neg}), kNanosPerSecond));
  ASSERT_OK_AND_ASSIGN(RecordBatch bn, Collect(sn.get()));
  EXPECT_EQ(bn.column(0).int64s()[0], -kNanosPerSecond);

  // Empty input, and input of only null prices: no bars.
  ASSERT_OK_AND_ASSIGN(auto e, MakeBarsStream(MakeVectorStream(testing::TradeFields(), {}), kNanosPerMinute));
  ASSERT_OK_AND_ASSIGN(RecordBatch eb, Collect(e.get()));
  EXPECT_EQ(eb.num_rows(), 0u);
  EXPECT_EQ(eb.fields(), BarFields());
  TradeRow nul{5, "A", 0, 1};
  nul.price_null = true;
  RecordBatch nulls = Trades({nul});
  ASSERT_OK_AND_ASSIGN(auto en, MakeBarsStream(MakeVectorStream(nulls.fields(), {nulls}), kNanosPerMinute));
  ASSERT_OK_AND_ASSIGN(RecordBatch enb, Collect(en.get()));
  EXPECT_EQ(enb.num_rows(), 0u);

  // Unsorted input and wrong columns are errors.
  RecordBatch unsorted = Trades({{10, "A", 1, 1}, {5, "A", 1, 1}});
  ASSERT_OK_AND_ASSIGN(auto u, MakeBarsStream(MakeVectorStream(unsorted.fields(), {unsorted}), kNanosPerSecond));
  EXPECT_FALSE(Collect(u.get()).ok());
  std::vector<Field> other = {{"ts", ColumnType::kTimestamp, false}, {"symbol", ColumnType::kSymbol, false}};
  EXPECT_FALSE(MakeBarsStream(MakeVectorStream(other, {}), kNanosPerSecond).ok());
  EXPECT_FALSE(MakeBarsStream(MakeVectorStream(testing::TradeFields(), {}), 10).ok());
}

}  // namespace
}  // namespace strata::query

namespace strata::query {
namespace {

TEST(Bars, FromBarsWithoutVwapOrCount) {
  // The `bars` table template: ts, symbol, open, high, low, close, volume (no vwap, no count).
  std::vector<Field> f = {{"ts", ColumnType::kTimestamp, false}, {"symbol", ColumnType::kSymbol, false},
                          {"open", ColumnType::kFloat64, false}, {"high", ColumnType::kFloat64, false},
                          {"low", ColumnType::kFloat64, false},  {"close", ColumnType::kFloat64, false},
                          {"volume", ColumnType::kInt64, false}};
  RecordBatch in(f);
  auto add = [&](int64_t minute, double o, double h, double l, double c, int64_t v) {
    in.column(0).AppendInt64(minute * kNanosPerMinute);
    in.column(1).AppendString("Z");
    in.column(2).AppendDouble(o);
    in.column(3).AppendDouble(h);
    in.column(4).AppendDouble(l);
    in.column(5).AppendDouble(c);
    in.column(6).AppendInt64(v);
  };
  add(0, 10, 12, 9, 11, 100);
  add(1, 11, 15, 10, 14, 50);
  add(5, 14, 14, 13, 13, 10);
  ASSERT_OK_AND_ASSIGN(auto s, MakeBarsStream(MakeVectorStream(f, {in}), 5 * kNanosPerMinute));
  ASSERT_OK_AND_ASSIGN(RecordBatch b, Collect(s.get()));
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.RowToString(0).substr(b.RowToString(0).find(',') + 1), "Z,10,15,9,14,150,,");
  EXPECT_TRUE(b.column(7).IsNull(0));
  EXPECT_TRUE(b.column(8).IsNull(0));
  EXPECT_EQ(b.column(0).int64s()[1], 5 * kNanosPerMinute);
}

}  // namespace
}  // namespace strata::query
