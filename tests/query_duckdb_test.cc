// Bars, as-of joins and filters compared with DuckDB's answers on the same data, value for value.
//
// Generated trades and quotes for three symbols on two trading days that straddle a month end
// (2026-02-27 and 2026-03-02), sorted by (symbol, ts), with nulls and duplicate trade timestamps
// injected, are written to Parquet with our writer. DuckDB (from npm, installed by
// tools/interop/setup.sh) computes time_bucket/date_trunc aggregations, ASOF JOINs and WHERE
// clauses over those files; our operators compute the same from the batches, cut at random
// places. Without node or DuckDB the test fails, loudly: it never skips.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <sstream>

#include "gen/market_gen.h"
#include "parquet/parquet_writer.h"
#include "query/asof.h"
#include "query/bars.h"
#include "query/filter.h"
#include "strata/timestamp.h"
#include "testutil/duckdb_peer.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace STRATA_UNITY_ID {

using json = nlohmann::json;
namespace fs = std::filesystem;
using strata::testing::NpmDir;
using strata::testing::RunNode;

// All rows of `kind` for the two days, grouped by symbol (ascending), ts order within a symbol.
RecordBatch Generate(GenKind kind, int64_t rows) {
  RecordBatch all;
  bool first = true;
  for (int64_t day : {DaysFromCivil(2026, 2, 27), DaysFromCivil(2026, 3, 2)}) {
    GenOptions o;
    o.kind = kind;
    o.symbols = 3;
    o.rows = rows;
    o.day_start_ns = day * kNanosPerDay;
    o.seed = 9;
    MarketGenerator gen(o);
    RecordBatch b;
    while (gen.Next(&b)) {
      if (first) {
        all = RecordBatch(b.fields());
        first = false;
      }
      EXPECT_OK(all.Append(b));
    }
  }
  std::vector<uint32_t> order(all.num_rows());
  std::iota(order.begin(), order.end(), 0);
  const Column& sym = all.column(1);
  const std::vector<int64_t>& ts = all.column(0).int64s();
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    int c = sym.GetString(a).compare(sym.GetString(b));
    return c != 0 ? c < 0 : ts[a] < ts[b];
  });
  return all.Take(order);
}

// ts, symbol, price?, size?, seq: nulls every 97th price and 89th size; every 50th row repeats the
// previous row's ts (same symbol).
RecordBatch MakeTradesTable(const RecordBatch& g) {
  std::vector<Field> f = {{"ts", ColumnType::kTimestamp, false},
                          {"symbol", ColumnType::kSymbol, false},
                          {"price", ColumnType::kFloat64, true},
                          {"size", ColumnType::kInt64, true},
                          {"seq", ColumnType::kInt64, false}};
  RecordBatch t(f);
  const int price = g.FieldIndex("price"), size = g.FieldIndex("size");
  for (size_t r = 0; r < g.num_rows(); ++r) {
    int64_t ts = g.column(0).int64s()[r];
    if (r % 50 == 49 && g.column(1).GetString(r) == g.column(1).GetString(r - 1)) ts = t.column(0).int64s()[r - 1];
    t.column(0).AppendInt64(ts);
    t.column(1).AppendString(g.column(1).GetString(r));
    if (r % 97 == 5) {
      t.column(2).AppendNull();
    } else {
      t.column(2).AppendDouble(g.column(price).doubles()[r]);
    }
    if (r % 89 == 7) {
      t.column(3).AppendNull();
    } else {
      t.column(3).AppendInt64(g.column(size).int64s()[r]);
    }
    t.column(4).AppendInt64(static_cast<int64_t>(r));
  }
  return t;
}

RecordBatch MakeQuotesTable(const RecordBatch& g) {
  std::vector<Field> f = g.fields();
  f[2].nullable = true;  // bid
  RecordBatch q(f);
  for (size_t r = 0; r < g.num_rows(); ++r) {
    for (size_t c = 0; c < g.num_columns(); ++c) {
      if (c == 2 && r % 101 == 3) {
        q.column(c).AppendNull();
      } else {
        q.column(c).AppendFrom(g.column(c), r);
      }
    }
  }
  return q;
}

class QueryVsDuckDB : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new State();
    State& s = *state_;
    s.dir = NpmDir();
    s.error = testing::PrepareDuckDbPeer(s.dir, __FILE__);
    if (!s.error.empty()) return;
    // Under the sanitizers a third of the rows: the same bars, joins and filters, checked as well.
    const int64_t trades = ::strata::testing::Sanitized() ? 10000 : 30000;
    s.trades = MakeTradesTable(Generate(GenKind::kTrades, trades));
    s.quotes = MakeQuotesTable(Generate(GenKind::kQuotes, 2 * trades));
    {  // No quote at or before the first trade: that trade has no previous quote (a case to cover).
      const std::vector<int64_t>& tts = s.trades.column(static_cast<size_t>(s.trades.FieldIndex("ts"))).int64s();
      const int64_t first_trade = *std::min_element(tts.begin(), tts.end());
      const std::vector<int64_t>& qts = s.quotes.column(static_cast<size_t>(s.quotes.FieldIndex("ts"))).int64s();
      std::vector<uint32_t> keep;
      for (size_t r = 0; r < qts.size(); ++r) {
        if (qts[r] > first_trade) keep.push_back(static_cast<uint32_t>(r));
      }
      s.quotes = s.quotes.Take(keep);
    }
    parquet::WriterOptions o;
    o.timestamp_adjusted_to_utc = false;  // DuckDB keeps nanoseconds for non-UTC-adjusted ns timestamps
    o.row_group_rows = 16384;
    s.trades_path = s.tmp.Join("trades.parquet");
    s.quotes_path = s.tmp.Join("quotes.parquet");
    Status st = parquet::WriteParquetFile(DefaultFileSystem(), s.trades_path, s.trades, o);
    if (st.ok()) st = parquet::WriteParquetFile(DefaultFileSystem(), s.quotes_path, s.quotes, o);
    if (!st.ok()) s.error = st.ToString();
  }
  static void TearDownTestSuite() { delete state_; }
  void SetUp() override { ASSERT_TRUE(state_->error.empty()) << state_->error; }

  // Runs the named SQL queries (TRADES and QUOTES stand for the two files) in one DuckDB process.
  static std::map<std::string, json> Ask(const std::vector<std::pair<std::string, std::string>>& queries) {
    return testing::AskDuckDb(state_->dir, state_->tmp.path(), queries,
                              {{"TRADES", state_->trades_path}, {"QUOTES", state_->quotes_path}});
  }

  struct State {
    std::string dir, error, trades_path, quotes_path;
    RecordBatch trades, quotes;
    ::strata::testing::TempDir tmp;
  };
  static State* state_;
};
QueryVsDuckDB::State* QueryVsDuckDB::state_ = nullptr;

std::string BarsSql(const std::string& bucket) {
  return "SELECT epoch_ns(" + bucket +
         ") AS ts, symbol, arg_min(price, seq) AS open, max(price) AS high, min(price) AS low, "
         "arg_max(price, seq) AS close, CAST(sum(size) AS BIGINT) AS volume, sum(price * size) / sum(size) AS vwap, "
         "count(*) AS count FROM TRADES WHERE price IS NOT NULL AND size IS NOT NULL GROUP BY ALL ORDER BY symbol, ts";
}

TEST_F(QueryVsDuckDB, BarsAtEveryIntervalMatch) {
  const std::vector<std::pair<std::string, int64_t>> intervals = {
      {"1s", 1}, {"1m", 60}, {"5m", 300}, {"1h", 3600}, {"1d", 86400}};
  std::vector<std::pair<std::string, std::string>> queries;
  for (const auto& [name, secs] : intervals) {
    queries.push_back({"bars_" + name, BarsSql("time_bucket(INTERVAL '" + std::to_string(secs) +
                                               " seconds', CAST(ts AS TIMESTAMP), TIMESTAMP '1970-01-01')")});
  }
  queries.push_back({"bars_1d_date_trunc", BarsSql("date_trunc('day', CAST(ts AS TIMESTAMP))")});
  queries.push_back({"bars_1h_date_trunc", BarsSql("date_trunc('hour', CAST(ts AS TIMESTAMP))")});
  auto answers = Ask(queries);
  for (const auto& [name, secs] : intervals) {
    ASSERT_OK_AND_ASSIGN(auto s,
                         MakeBarsStream(testing::CutIntoPieces(state_->trades, secs, 5000), secs * kNanosPerSecond));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(s.get()));
    EXPECT_GT(ours.num_rows(), 0u);
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["bars_" + name], true), "") << "bars " << name;
    if (secs == 86400 || secs == 3600) {
      EXPECT_EQ(
          testing::CompareWithDuckDb(ours, answers[secs == 86400 ? "bars_1d_date_trunc" : "bars_1h_date_trunc"], true),
          "")
          << "date_trunc " << name;
    }
  }
}

TEST_F(QueryVsDuckDB, CoarserBarsFromOneMinuteBarsMatchHourBars) {
  auto answers = Ask({{"h", BarsSql("date_trunc('hour', CAST(ts AS TIMESTAMP))")}});
  ASSERT_OK_AND_ASSIGN(auto m1, MakeBarsStream(testing::CutIntoPieces(state_->trades, 3, 5000), kNanosPerMinute));
  ASSERT_OK_AND_ASSIGN(auto h1, MakeBarsStream(std::move(m1), kNanosPerHour));
  ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(h1.get()));
  // vwap from bars re-weights per-minute vwaps, a different rounding path: compare it within
  // 1e-12 relative and everything else exactly.
  json peer = answers["h"];
  ASSERT_FALSE(peer.contains("error")) << peer.dump();
  ASSERT_EQ(peer["rows"].size(), ours.num_rows());
  for (size_t r = 0; r < ours.num_rows(); ++r) {
    double theirs = std::strtod(peer["rows"][r][7].get<std::string>().c_str(), nullptr);
    EXPECT_NEAR(ours.column(7).doubles()[r], theirs, 1e-12 * theirs) << r;
    peer["rows"][r][7] = nullptr;
  }
  ours.column(7) = Column(ColumnType::kFloat64);
  for (size_t r = 0; r < ours.num_rows(); ++r) ours.column(7).AppendNull();
  EXPECT_EQ(testing::CompareWithDuckDb(ours, peer, true), "");
}

std::string AsofSql(bool next, int64_t tolerance_ns) {
  const std::string cond = next ? "t.ts <= q.ts" : "t.ts >= q.ts";
  const std::string dist = next ? "epoch_ns(q.ts) - epoch_ns(t.ts)" : "epoch_ns(t.ts) - epoch_ns(q.ts)";
  const std::string keep = tolerance_ns < 0 ? "TRUE" : dist + " <= " + std::to_string(tolerance_ns);
  auto col = [&](const std::string& c, const std::string& as) {
    return "CASE WHEN " + keep + " THEN " + c + " END AS " + as;
  };
  return "SELECT epoch_ns(t.ts) AS ts, t.symbol, t.price, t.size, t.seq, " + col("epoch_ns(q.ts)", "right_ts") + ", " +
         col("q.bid", "bid") + ", " + col("q.ask", "ask") + ", " + col("q.bid_size", "bid_size") + ", " +
         col("q.ask_size", "ask_size") + " FROM TRADES t ASOF LEFT JOIN QUOTES q ON t.symbol = q.symbol AND " + cond +
         " ORDER BY t.seq";
}

TEST_F(QueryVsDuckDB, AsofJoinsMatch) {
  struct Case {
    std::string name;
    AsofDirection dir;
    int64_t tol;  // -1 = none
  };
  const std::vector<Case> cases = {{"prev", AsofDirection::kPrev, -1},
                                   {"next", AsofDirection::kNext, -1},
                                   {"prev_1ms", AsofDirection::kPrev, kNanosPerMilli},
                                   {"next_1ms", AsofDirection::kNext, kNanosPerMilli},
                                   {"prev_0", AsofDirection::kPrev, 0}};
  std::vector<std::pair<std::string, std::string>> queries;
  for (const Case& c : cases) queries.push_back({c.name, AsofSql(c.dir == AsofDirection::kNext, c.tol)});
  auto answers = Ask(queries);
  uint64_t seed = 100;
  for (const Case& c : cases) {
    seed += 2;
    AsofOptions o;
    o.direction = c.dir;
    if (c.tol >= 0) o.tolerance_ns = c.tol;
    ASSERT_OK_AND_ASSIGN(auto j, MakeAsofJoinStream(testing::CutIntoPieces(state_->trades, seed, 5000),
                                                    testing::CutIntoPieces(state_->quotes, seed + 1, 5000), o));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(j.get()));
    ASSERT_EQ(ours.num_rows(), state_->trades.num_rows());
    size_t matched = 0;
    for (size_t r = 0; r < ours.num_rows(); ++r) matched += !ours.column(5).IsNull(r);
    if (c.tol != 0) {
      EXPECT_GT(matched, 0u) << c.name;
    }
    // Trades before the first quote of the first day have no previous quote.
    if (c.dir == AsofDirection::kPrev) {
      EXPECT_LT(matched, ours.num_rows()) << c.name;
    }
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers[c.name], true), "") << c.name;
  }
}

TEST_F(QueryVsDuckDB, FiltersMatchWhereClauses) {
  const std::vector<std::string> exprs = {
      "size >= 500 and symbol in ('AAPL', 'NVDA') or price < 100",
      "not (size < 300 or symbol = 'MSFT')",
      "ts >= '2026-03-02T15:00:00Z' and ts < '2026-03-02T15:00:10Z'",
      "price != 0 and size not in (100, 200, 300)",
  };
  std::vector<std::pair<std::string, std::string>> queries;
  for (size_t i = 0; i < exprs.size(); ++i) {
    std::string sql = exprs[i];
    // Our ISO literals on ts are SQL timestamps there.
    for (size_t at;
         (at = sql.find("ts >= '")) != std::string::npos || (at = sql.find("ts < '")) != std::string::npos;) {
      size_t q = sql.find('\'', at);
      sql.replace(q, 1, "TIMESTAMP_NS '");
      sql.replace(at, 2, "xx");
    }
    for (size_t at; (at = sql.find("xx")) != std::string::npos;) sql.replace(at, 2, "ts");
    for (size_t at; (at = sql.find("Z'")) != std::string::npos;) sql.replace(at, 2, "'");
    queries.push_back({"f" + std::to_string(i), "SELECT seq FROM TRADES WHERE " + sql + " ORDER BY seq"});
  }
  auto answers = Ask(queries);
  for (size_t i = 0; i < exprs.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(auto f, Filter::Compile(exprs[i], state_->trades.fields()));
    std::vector<uint32_t> sel;
    f->Select(state_->trades, &sel);
    ASSERT_OK_AND_ASSIGN(RecordBatch seqs, state_->trades.Take(sel).Project({"seq"}));
    EXPECT_GT(seqs.num_rows(), 0u) << exprs[i];
    EXPECT_EQ(testing::CompareWithDuckDb(seqs, answers["f" + std::to_string(i)], true), "")
        << exprs[i] << " / " << queries[i].second;
  }
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::query
