// query::Execute (include/strata/query.h) driven without the CLI, over a real database whose
// trades and quotes lie in warm files (two flushed days) and in the hot tier (a third day):
// answers checked against brute force over the appended rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "bars/bar_kernel.h"
#include "lake_test_util.h"
#include "query/batch_stream.h"
#include "query/plan.h"
#include "strata/database.h"
#include "strata/query.h"

namespace strata::query {
namespace {

using strata::testing::kDayNs;
using strata::testing::kMar2;

constexpr int64_t kSecondNs = 1'000'000'000;
constexpr int64_t kMinuteNs = 60 * kSecondNs;
constexpr size_t kRowsPerDay = 1800;  // one trade a second for half an hour, 3 symbols

int64_t DayStart(int d) { return kMar2 + d * kDayNs + 14 * 3600 * kSecondNs; }

// Trades of day d: one a second (each ts unique), symbols S0..S2 at random.
RecordBatch DayTrades(int d) {
  RecordBatch b = strata::testing::Trades(kRowsPerDay, 3, 0, 10 + d, d * 1'000'000);
  std::vector<int64_t>& ts = b.column(0).int64s();
  for (size_t i = 0; i < ts.size(); ++i) ts[i] = DayStart(d) + static_cast<int64_t>(i) * kSecondNs;
  return b;
}

// Quotes of day d: one every 700 ms, 300 ms after a second, symbols in turn.
RecordBatch DayQuotes(int d) {
  RecordBatch b(*Schema::Template("quotes"));
  for (size_t i = 0; i < kRowsPerDay * 10 / 7; ++i) {
    const int64_t n = static_cast<int64_t>(d * 100000 + i);
    b.column(0).AppendInt64(DayStart(d) + 300'000'000 + static_cast<int64_t>(i) * 700'000'000);
    b.column(1).AppendString("S" + std::to_string(i % 3));
    b.column(2).AppendDouble(static_cast<double>(n) / 100);
    b.column(3).AppendDouble(static_cast<double>(n) / 100 + 0.01);
    b.column(4).AppendInt64(n);
    b.column(5).AppendInt64(n + 1);
  }
  return b;
}

RecordBatch Concat(const std::vector<RecordBatch>& batches) {
  RecordBatch all(batches.at(0).fields());
  for (const RecordBatch& b : batches) EXPECT_OK(all.Append(b));
  return all;
}

// The rows of `batches` where keep(batch, row) holds, grouped by symbol (ascending), ts order.
RecordBatch Grouped(const std::vector<RecordBatch>& batches,
                    const std::function<bool(const RecordBatch&, size_t)>& keep = {}) {
  RecordBatch all = Concat(batches);
  std::vector<uint32_t> rows;
  for (size_t r = 0; r < all.num_rows(); ++r) {
    if (!keep || keep(all, r)) rows.push_back(static_cast<uint32_t>(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
    const auto sa = all.column(1).GetString(a), sb = all.column(1).GetString(b);
    if (sa != sb) return sa < sb;
    return all.column(0).int64s()[a] < all.column(0).int64s()[b];
  });
  return all.Take(rows);
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    strata::testing::PreferMemoryTmpDir();
    dir_ = std::make_unique<strata::testing::TempDir>();
    const std::string root = dir_->Join("db");
    ASSERT_OK(Database::Init(root, {.fsync = "none"}));
    auto db = Database::Open(root, strata::testing::TestOptions());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_OK(db_->CreateTable({"trades", *Schema::Template("trades"), "trade_id", R"({"bars":["1m"]})"}));
    ASSERT_OK(db_->CreateTable({"quotes", *Schema::Template("quotes"), std::nullopt, "{}"}));
    for (int d = 0; d < 3; ++d) {
      trades_.push_back(DayTrades(d));
      quotes_.push_back(DayQuotes(d));
      ASSERT_OK(db_->Append("trades", trades_.back()));
      ASSERT_OK(db_->Append("quotes", quotes_.back()));
      if (d < 2) ASSERT_OK(db_->Flush());  // days 0 and 1 warm, day 2 hot
    }
    ASSERT_GT(strata::testing::TierRows(db_.get(), "warm"), 0u);
    ASSERT_GT(strata::testing::TierRows(db_.get(), "hot"), 0u);
  }

  Result<RecordBatch> Run(const LogicalPlan& plan, QueryPlan* explain = nullptr) {
    ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> stream, Execute(db_.get(), plan, explain));
    return Collect(stream.get());
  }

  std::unique_ptr<strata::testing::TempDir> dir_;
  std::unique_ptr<Database> db_;
  std::vector<RecordBatch> trades_, quotes_;
};

TEST_F(EngineTest, WholeTableAcrossHotAndWarm) {
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Run({.table = "trades"}));
  EXPECT_TRUE(got.Equals(Grouped(trades_)));
}

TEST_F(EngineTest, FilterRangeSymbolsAndColumns) {
  LogicalPlan p;
  p.table = "trades";
  p.symbols = {"S2", "S0"};
  p.from_ts = DayStart(0) + 1000 * kSecondNs;
  p.to_ts = DayStart(2) + 500 * kSecondNs;
  p.where = "size >= 500 and exchange != 'XNAS'";
  p.columns = {"price", "ts", "exchange"};
  QueryPlan explain;
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Run(p, &explain));
  RecordBatch want = Grouped(trades_, [&](const RecordBatch& b, size_t r) {
    const int64_t ts = b.column(0).int64s()[r];
    return b.column(1).GetString(r) != "S1" && ts >= p.from_ts && ts < p.to_ts && b.column(3).int64s()[r] >= 500 &&
           b.column(5).GetString(r) != "XNAS";
  });
  ASSERT_GT(want.num_rows(), 100u);
  ASSERT_EQ(got.fields().size(), 3u);
  EXPECT_EQ(got.fields()[0].name, "price");
  EXPECT_TRUE(got.column(0).Equals(want.column(2)));
  EXPECT_TRUE(got.column(1).Equals(want.column(0)));
  EXPECT_TRUE(got.column(2).Equals(want.column(5)));
  const std::string text = explain.ToString();
  EXPECT_NE(text.find("filter"), std::string::npos) << text;
  EXPECT_NE(text.find("scan trades"), std::string::npos) << text;
}

TEST_F(EngineTest, BarsFromRawRowsAndFromTheDerivedTable) {
  LogicalPlan p;
  p.table = "trades";
  p.from_ts = DayStart(0) + 90 * kSecondNs + 17;  // unaligned edges: computed from raw rows
  p.to_ts = DayStart(2) + 1000 * kSecondNs + 5;
  p.bar_interval_ns = kMinuteNs;
  // The brute-force answer: the kernel over each symbol's rows in the range.
  RecordBatch rows = Grouped(trades_, [&](const RecordBatch& b, size_t r) {
    return b.column(0).int64s()[r] >= p.from_ts && b.column(0).int64s()[r] < p.to_ts;
  });
  RecordBatch want(bars::BarFields());
  for (const std::string sym : {"S0", "S1", "S2"}) {
    std::vector<uint32_t> of;
    for (size_t r = 0; r < rows.num_rows(); ++r) {
      if (rows.column(1).GetString(r) == sym) of.push_back(static_cast<uint32_t>(r));
    }
    ASSERT_OK_AND_ASSIGN(RecordBatch bars, bars::ComputeBars(rows.Take(of), kMinuteNs));
    ASSERT_OK(want.Append(bars));
  }
  ASSERT_GT(want.num_rows(), 90u);

  p.allow_derived_bars = false;
  QueryPlan raw_plan;
  ASSERT_OK_AND_ASSIGN(RecordBatch raw, Run(p, &raw_plan));
  EXPECT_TRUE(raw.Equals(want));
  EXPECT_EQ(raw_plan.ToString().find("from trades_bars_1m"), std::string::npos);

  p.allow_derived_bars = true;
  QueryPlan derived_plan;
  ASSERT_OK_AND_ASSIGN(RecordBatch derived, Run(p, &derived_plan));
  EXPECT_TRUE(derived.Equals(want));  // 1m bars from 1m bars: vwap exact too
  const std::string text = derived_plan.ToString();
  EXPECT_NE(text.find("bars 1m from trades_bars_1m"), std::string::npos) << text;

  // A filter needs raw rows: no derived table.
  p.where = "size >= 0";
  QueryPlan filtered_plan;
  ASSERT_OK_AND_ASSIGN(RecordBatch filtered, Run(p, &filtered_plan));
  EXPECT_TRUE(filtered.Equals(want));
  EXPECT_EQ(filtered_plan.ToString().find("from trades_bars_1m"), std::string::npos);
}

// The bid of the last quote of the trade's symbol at or before its ts (within `tolerance`).
std::vector<std::optional<double>> ExpectedBids(const RecordBatch& trades, const std::vector<RecordBatch>& quotes,
                                                std::optional<int64_t> tolerance) {
  std::map<std::string, std::vector<std::pair<int64_t, double>>> by_symbol;
  const RecordBatch q = Concat(quotes);
  for (size_t r = 0; r < q.num_rows(); ++r) {
    by_symbol[std::string(q.column(1).GetString(r))].emplace_back(q.column(0).int64s()[r], q.column(2).doubles()[r]);
  }
  for (auto& [sym, v] : by_symbol) std::sort(v.begin(), v.end());
  std::vector<std::optional<double>> out;
  for (size_t r = 0; r < trades.num_rows(); ++r) {
    const int64_t ts = trades.column(0).int64s()[r];
    const auto& v = by_symbol[std::string(trades.column(1).GetString(r))];
    auto it = std::upper_bound(v.begin(), v.end(), std::make_pair(ts, 1e300));
    if (it == v.begin() || (tolerance && ts - std::prev(it)->first > *tolerance)) {
      out.push_back(std::nullopt);
    } else {
      out.push_back(std::prev(it)->second);
    }
  }
  return out;
}

TEST_F(EngineTest, AsofJoinWithAndWithoutTolerance) {
  for (std::optional<int64_t> tolerance : {std::optional<int64_t>(), std::optional<int64_t>(kSecondNs)}) {
    SCOPED_TRACE(tolerance ? "tolerance 1s" : "no tolerance");
    LogicalPlan p;
    p.table = "trades";
    p.from_ts = DayStart(1) + 600 * kSecondNs;  // mid-day: a prev match may lie before `from`
    p.to_ts = DayStart(2) + 600 * kSecondNs;
    p.asof = AsofJoin{.table = "quotes", .direction = AsofDirection::kPrev, .tolerance_ns = tolerance};
    p.columns = {"ts", "symbol", "price", "bid", "right_ts"};
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Run(p));
    RecordBatch left = Grouped(trades_, [&](const RecordBatch& b, size_t r) {
      return b.column(0).int64s()[r] >= p.from_ts && b.column(0).int64s()[r] < p.to_ts;
    });
    ASSERT_EQ(got.num_rows(), left.num_rows());
    EXPECT_TRUE(got.column(0).Equals(left.column(0)));
    EXPECT_TRUE(got.column(2).Equals(left.column(2)));
    const std::vector<std::optional<double>> want = ExpectedBids(left, quotes_, tolerance);
    size_t nulls = 0;
    for (size_t r = 0; r < got.num_rows(); ++r) {
      if (!want[r]) {
        EXPECT_TRUE(got.column(3).IsNull(r)) << r;
        ++nulls;
      } else {
        ASSERT_FALSE(got.column(3).IsNull(r)) << r;
        EXPECT_EQ(got.column(3).doubles()[r], *want[r]) << r;
      }
    }
    // Quotes of a symbol are 2.1 s apart: a 1 s tolerance leaves some trades unmatched; without
    // one every trade has a quote (one before `from` for the first trades of the range).
    EXPECT_EQ(nulls > 0, tolerance.has_value()) << nulls;
  }
}

TEST_F(EngineTest, MergeAcrossSymbolsIsOneTsOrder) {
  LogicalPlan p;
  p.table = "trades";
  p.merge = true;
  p.columns = {"ts", "symbol", "trade_id"};
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Run(p));
  RecordBatch all = Concat(trades_);  // appended in ts order, each ts once
  ASSERT_EQ(got.num_rows(), all.num_rows());
  EXPECT_TRUE(got.column(0).Equals(all.column(0)));
  EXPECT_TRUE(got.column(1).Equals(all.column(1)));
  EXPECT_TRUE(got.column(2).Equals(all.column(4)));
}

TEST_F(EngineTest, LimitStopsTheScanEarly) {
  LogicalPlan p;
  p.table = "trades";
  p.limit = 5;
  QueryPlan explain;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> stream, Execute(db_.get(), p, &explain));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(stream.get()));
  EXPECT_TRUE(got.Equals(Grouped(trades_).Slice(0, 5)));
  ASSERT_EQ(explain.scans().size(), 1u);
  const ScanStats& s = explain.scans()[0]->stats;
  EXPECT_GT(s.files_listed, 1u);
  EXPECT_EQ(s.files_read, 1u);
  EXPECT_LT(s.rows_returned, kRowsPerDay);
}

// The scan reads what the output, the filter and the operators need, no more: a plain scan of
// one column does not make the symbol column for every row (nor return ts), merging needs ts,
// bars need ts, symbol, price and size.
TEST_F(EngineTest, ScanReadsOnlyTheColumnsTheQueryNeeds) {
  struct Case {
    LogicalPlan plan;
    std::vector<std::string> scanned;
  };
  for (const Case& c : std::vector<Case>{
           {{.table = "trades", .columns = {"size"}}, {"size"}},
           {{.table = "trades", .columns = {"size"}, .where = "price > 100"}, {"size", "price"}},
           {{.table = "trades", .columns = {"size"}, .merge = true}, {"ts", "size"}},
           {{.table = "trades", .columns = {"open"}, .bar_interval_ns = kMinuteNs, .allow_derived_bars = false},
            {"ts", "symbol", "price", "size"}},
           {{.table = "trades"}, {}},
       }) {
    QueryPlan explain;
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Run(c.plan, &explain));
    EXPECT_EQ(explain.scans().at(0)->columns, c.scanned) << explain.ToString();
    // The same answer as the whole rows projected.
    LogicalPlan all = c.plan;
    all.columns.clear();
    ASSERT_OK_AND_ASSIGN(RecordBatch whole, Run(all));
    const std::vector<std::string> cols = c.plan.columns.empty() ? std::vector<std::string>{"ts"} : c.plan.columns;
    ASSERT_EQ(got.num_rows(), whole.num_rows());
    for (size_t i = 0; i < cols.size(); ++i) {
      EXPECT_TRUE(got.column(static_cast<size_t>(FindField(got.fields(), cols[i])))
                      .Equals(whole.column(static_cast<size_t>(FindField(whole.fields(), cols[i])))))
          << cols[i];
    }
  }
  QueryPlan explain;
  ASSERT_OK(Run({.table = "trades", .columns = {"size"}}, &explain).status());
  EXPECT_NE(explain.ToString().find("scan trades: tiers hot,warm,cold; columns size;"), std::string::npos)
      << explain.ToString();
}

TEST_F(EngineTest, ErrorsNameWhatIsWrong) {
  auto error = [&](const LogicalPlan& p) {
    auto r = Execute(db_.get(), p);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().ToString();
  };
  EXPECT_NE(error({.table = "trades", .columns = {"ts", "nope"}}).find("table trades has no column 'nope'"),
            std::string::npos);
  EXPECT_NE(error({.table = "trades", .where = "prize > 1"}).find("unknown column 'prize'"), std::string::npos);
  EXPECT_NE(error({.table = "trades", .where = "price >"}).find("expected a value after '>'"), std::string::npos);
  EXPECT_NE(error({.table = "nope"}).find("nope"), std::string::npos);
  EXPECT_NE(error({.table = "trades", .asof = AsofJoin{.table = "nope"}}).find("nope"), std::string::npos);
  EXPECT_NE(error({.table = "trades", .tiers = {"lukewarm"}}).find("unknown tier 'lukewarm'"), std::string::npos);
  EXPECT_NE(error({.table = "trades", .from_ts = 2, .to_ts = 1}).find("backwards"), std::string::npos);
  EXPECT_NE(error({.table = "trades", .bar_interval_ns = 2 * kDayNs}).find("1s..1d"), std::string::npos);
  EXPECT_NE(
      error({.table = "trades", .bar_interval_ns = kMinuteNs, .asof = AsofJoin{.table = "quotes"}}).find("combined"),
      std::string::npos);
  EXPECT_NE(error({.table = "trades", .asof = AsofJoin{.table = "quotes", .tolerance_ns = -1}}).find("negative"),
            std::string::npos);
}

}  // namespace
}  // namespace strata::query
