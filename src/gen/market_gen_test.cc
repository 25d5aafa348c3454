#include "gen/market_gen.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

const int64_t kDay = *ParseTimestamp("2026-03-02");

RecordBatch All(GenOptions options) {
  MarketGenerator gen(options);
  RecordBatch all(gen.schema()), b;
  while (gen.Next(&b)) EXPECT_OK(all.Append(b));
  return all;
}

TEST(MarketGen, DeterministicExactCountAndSession) {
  GenOptions o{.kind = GenKind::kTrades, .symbols = 5, .rows = 100000, .day_start_ns = kDay, .seed = 7,
               .batch_rows = 4096};
  RecordBatch a = All(o), b = All(o);
  EXPECT_EQ(a.num_rows(), 100000u);
  EXPECT_TRUE(a.Equals(b));
  o.seed = 8;
  EXPECT_FALSE(a.Equals(All(o)));
  ASSERT_EQ(a.fields(), Schema::Template("trades")->fields());
  const auto& ts = a.column(0).int64s();
  for (size_t i = 0; i < ts.size(); ++i) {
    ASSERT_GE(ts[i], kDay + 14 * kNanosPerHour + 30 * kNanosPerMinute);
    ASSERT_LT(ts[i], kDay + 21 * kNanosPerHour);
    if (i) {
      ASSERT_LE(ts[i - 1], ts[i]) << "global time order";
    }
  }
}

TEST(MarketGen, TradesLookReal) {
  RecordBatch t = All({.kind = GenKind::kTrades, .symbols = 8, .rows = 200000, .day_start_ns = kDay, .seed = 1});
  std::map<std::string, int64_t> last_id;
  std::map<std::string, int> per_symbol;
  int round_lots = 0;
  std::vector<int> per_minute(390, 0);
  for (size_t r = 0; r < t.num_rows(); ++r) {
    std::string sym(t.column(1).GetString(r));
    double px = t.column(2).doubles()[r];
    ASSERT_GT(px, 0);
    ASSERT_NEAR(px * 100, std::round(px * 100), 1e-6) << "on the 0.01 grid";
    int64_t size = t.column(3).int64s()[r];
    ASSERT_GT(size, 0);
    round_lots += size % 100 == 0;
    int64_t id = t.column(4).int64s()[r];
    if (last_id.count(sym)) {
      ASSERT_GT(id, last_id[sym]) << "trade ids increase per symbol";
    }
    last_id[sym] = id;
    ++per_symbol[sym];
    ++per_minute[(t.column(0).int64s()[r] - kDay - 14 * kNanosPerHour - 30 * kNanosPerMinute) / kNanosPerMinute];
  }
  EXPECT_EQ(per_symbol.size(), 8u);
  EXPECT_GT(per_symbol["AAPL"], per_symbol["TSLA"]) << "uneven activity";
  EXPECT_GT(round_lots, static_cast<int>(t.num_rows() * 6 / 10));
  auto sum = [&](int from, int to) {
    int s = 0;
    for (int m = from; m < to; ++m) s += per_minute[m];
    return s;
  };
  // U shape: the first and last half hours are much busier than the middle one.
  EXPECT_GT(sum(0, 30), 2 * sum(180, 210));
  EXPECT_GT(sum(360, 390), 2 * sum(180, 210));
}

TEST(MarketGen, QuotesHaveBidBelowAskNearTrades) {
  RecordBatch q = All({.kind = GenKind::kQuotes, .symbols = 3, .rows = 30000, .day_start_ns = kDay, .seed = 4});
  RecordBatch t = All({.kind = GenKind::kTrades, .symbols = 3, .rows = 30000, .day_start_ns = kDay, .seed = 4});
  for (size_t r = 0; r < q.num_rows(); ++r) {
    ASSERT_LT(q.column(2).doubles()[r], q.column(3).doubles()[r]);
    ASSERT_LE(q.column(3).doubles()[r] - q.column(2).doubles()[r], 0.0500001);
    ASSERT_GT(q.column(4).int64s()[r], 0);
  }
  // Same seed: the first AAPL trade and quote are within a few cents.
  auto first = [](const RecordBatch& b, int col) {
    for (size_t r = 0; r < b.num_rows(); ++r) {
      if (b.column(1).GetString(r) == "AAPL") return b.column(col).doubles()[r];
    }
    return -1.0;
  };
  EXPECT_NEAR(first(q, 2), first(t, 2), 0.5);
}

TEST(MarketGen, CsvHasHeaderAndParsesBack) {
  testing::TempDir dir;
  GenOptions o{.kind = GenKind::kTrades, .symbols = 2, .rows = 1000, .day_start_ns = kDay, .seed = 3};
  MarketGenerator gen(o);
  {
    auto f = DefaultFileSystem()->NewWritableFile(dir.Join("t.csv"), OpenMode::kTruncate);
    ASSERT_OK(f.status());
    ASSERT_OK(WriteCsv(&gen, f->get()));
    ASSERT_OK((*f)->Close());
  }
  std::string text = testing::ReadTextFile(dir.Join("t.csv"));
  ASSERT_EQ(text.substr(0, text.find('\n')), "ts,symbol,price,size,trade_id,exchange");
  RecordBatch want = All(o);
  size_t pos = text.find('\n') + 1;
  for (size_t r = 0; r < want.num_rows(); ++r) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    size_t comma = line.find(',');
    ASSERT_EQ(*ParseTimestamp(line.substr(0, comma)), want.column(0).int64s()[r]) << line;
    ASSERT_EQ(line.substr(comma - 10, 10).size(), 10u);
    ASSERT_EQ(line[comma - 1], 'Z');
  }
  EXPECT_EQ(pos, text.size());
}

TEST(MarketGen, Names) {
  EXPECT_EQ(GenSymbolName(0), "AAPL");
  EXPECT_EQ(GenSymbolName(45), "S0045");
}

}  // namespace
}  // namespace strata
