// The SQL operators (expressions, hash GROUP BY, ORDER BY with LIMIT/OFFSET, hash joins) compared
// with DuckDB's answers on the same rows, value for value.
//
// Trades for three symbols on two days (nulls every 97th price and 89th size, a `seq` column in
// file order) are written to Parquet with our writer; DuckDB (tools/interop/setup.sh) runs SQL
// over the file, our operators run the equivalent plan over the rows cut into random batches.
// Without node or DuckDB the test fails, loudly: it never skips.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <sstream>

#include "gen/market_gen.h"
#include "parquet/parquet_writer.h"
#include "query/aggregate.h"
#include "query/hash_join.h"
#include "query/project.h"
#include "query/sort.h"
#include "strata/timestamp.h"
#include "testutil/duckdb_peer.h"
#include "testutil/node_runner.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace STRATA_UNITY_ID {

using json = nlohmann::json;
namespace fs = std::filesystem;

RecordBatch MakeTrades(int64_t rows) {
  std::vector<Field> f = {{"ts", ColumnType::kTimestamp, false},
                          {"symbol", ColumnType::kSymbol, false},
                          {"price", ColumnType::kFloat64, true},
                          {"size", ColumnType::kInt64, true},
                          {"seq", ColumnType::kInt64, false}};
  RecordBatch g;
  bool first = true;
  for (int64_t day : {DaysFromCivil(2026, 2, 27), DaysFromCivil(2026, 3, 2)}) {
    GenOptions o;
    o.kind = GenKind::kTrades;
    o.symbols = 3;
    o.rows = rows;
    o.day_start_ns = day * kNanosPerDay;
    o.seed = 11;
    MarketGenerator gen(o);
    RecordBatch b;
    while (gen.Next(&b)) {
      if (first) {
        g = RecordBatch(b.fields());
        first = false;
      }
      EXPECT_OK(g.Append(b));
    }
  }
  const int price = g.FieldIndex("price"), size = g.FieldIndex("size");
  RecordBatch t(f);
  for (size_t r = 0; r < g.num_rows(); ++r) {
    t.column(0).AppendInt64(g.column(0).int64s()[r]);
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

class OpsVsDuckDB : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new State();
    State& s = *state_;
    s.dir = ::strata::testing::NpmDir();
    s.error = testing::PrepareDuckDbPeer(s.dir, __FILE__);
    if (!s.error.empty()) return;
    s.trades = MakeTrades(::strata::testing::Sanitized() ? 8000 : 30000);
    parquet::WriterOptions o;
    o.timestamp_adjusted_to_utc = false;  // DuckDB keeps nanoseconds for non-UTC-adjusted ns timestamps
    o.row_group_rows = 16384;
    s.path = s.tmp.Join("trades.parquet");
    Status st = parquet::WriteParquetFile(DefaultFileSystem(), s.path, s.trades, o);
    if (!st.ok()) s.error = st.ToString();
  }
  static void TearDownTestSuite() { delete state_; }
  void SetUp() override { ASSERT_TRUE(state_->error.empty()) << state_->error; }

  static std::map<std::string, json> Ask(const std::vector<std::pair<std::string, std::string>>& queries) {
    return testing::AskDuckDb(state_->dir, state_->tmp.path(), queries, {{"TRADES", state_->path}});
  }

  struct State {
    std::string dir, error, path;
    RecordBatch trades;
    ::strata::testing::TempDir tmp;
  };
  static State* state_;
};
OpsVsDuckDB::State* OpsVsDuckDB::state_ = nullptr;

AggregateSpec Agg(AggKind k, Expr arg, std::string name, Expr arg2 = nullptr, bool distinct = false) {
  AggregateSpec s;
  s.kind = k;
  s.arg = std::move(arg);
  s.arg2 = std::move(arg2);
  s.distinct = distinct;
  s.name = std::move(name);
  return s;
}

Expr Iv(const char* text) { return Lit(Value::OfInterval(*ParseInterval(text))); }
Expr I(int64_t v) { return Lit(Value::Int64(v)); }
Expr S(const char* v) { return Lit(Value::String(v)); }

TEST_F(OpsVsDuckDB, GroupByWithEveryAggregateThenOrderByMatches) {
  const std::string aggs =
      "count(*) AS n, count(price) AS n_price, count(DISTINCT size) AS n_sizes, sum(size) AS sum_size, "
      "sum(price) AS sum_price, avg(size) AS avg_size, avg(price) AS avg_price, min(price) AS lo, max(size) AS hi, "
      "first(price) AS first_price, last(size) AS last_size, arg_min(seq, price) AS seq_at_lo, "
      "arg_max(price, size) AS price_at_hi, stddev_samp(price) AS sd, var_samp(size) AS var, "
      "sum(price * size) / sum(size) AS vwap";
  auto answers = Ask({
      {"by_symbol", "SELECT symbol, " + aggs + " FROM TRADES GROUP BY symbol ORDER BY symbol"},
      {"by_bucket", "SELECT symbol, epoch_ns(time_bucket(INTERVAL '5 minutes', ts)) AS bucket, " + aggs +
                        " FROM TRADES WHERE size >= 100 GROUP BY ALL ORDER BY bucket DESC, symbol"},
      {"global", "SELECT " + aggs + " FROM TRADES"},
      {"global_empty", "SELECT " + aggs + " FROM TRADES WHERE size < 0"},
  });
  std::vector<AggregateSpec> specs = {
      Agg(AggKind::kCountStar, nullptr, "n"),
      Agg(AggKind::kCount, Col("price"), "n_price"),
      Agg(AggKind::kCount, Col("size"), "n_sizes", nullptr, true),
      Agg(AggKind::kSum, Col("size"), "sum_size"),
      Agg(AggKind::kSum, Col("price"), "sum_price"),
      Agg(AggKind::kAvg, Col("size"), "avg_size"),
      Agg(AggKind::kAvg, Col("price"), "avg_price"),
      Agg(AggKind::kMin, Col("price"), "lo"),
      Agg(AggKind::kMax, Col("size"), "hi"),
      Agg(AggKind::kFirst, Col("price"), "first_price"),
      Agg(AggKind::kLast, Col("size"), "last_size"),
      Agg(AggKind::kArgMin, Col("seq"), "seq_at_lo", Col("price")),
      Agg(AggKind::kArgMax, Col("price"), "price_at_hi", Col("size")),
      Agg(AggKind::kStddevSamp, Col("price"), "sd"),
      Agg(AggKind::kVarSamp, Col("size"), "var"),
      Agg(AggKind::kSum, Binary(BinaryOp::kMul, Col("price"), Col("size")), "pv"),
  };
  // vwap = sum(price * size) / sum(size), computed over the aggregate's output.
  auto finish = [&](std::unique_ptr<BatchStream> agg, std::vector<NamedExpr> lead) -> Result<RecordBatch> {
    std::vector<NamedExpr> cols = std::move(lead);
    for (const AggregateSpec& s : specs) {
      if (s.name != "pv") cols.push_back({s.name, Col(s.name)});
    }
    cols.push_back({"vwap", Binary(BinaryOp::kDiv, Col("pv"), Col("sum_size"))});
    ASSIGN_OR_RETURN(auto proj, MakeComputeStream(std::move(agg), cols));
    return Collect(proj.get());
  };
  {
    ASSERT_OK_AND_ASSIGN(auto agg, MakeHashAggregateStream(testing::CutIntoPieces(state_->trades, 1, 3000),
                                                           {{"symbol", Col("symbol")}}, specs));
    ASSERT_OK_AND_ASSIGN(auto sorted, MakeSortStream(std::move(agg), {{Col("symbol")}}));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, finish(std::move(sorted), {{"symbol", Col("symbol")}}));
    EXPECT_EQ(ours.num_rows(), 3u);
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["by_symbol"], false), "");
  }
  {
    ASSERT_OK_AND_ASSIGN(auto where, MakeWhereStream(testing::CutIntoPieces(state_->trades, 2, 3000),
                                                     Binary(BinaryOp::kGe, Col("size"), I(100))));
    ASSERT_OK_AND_ASSIGN(
        auto agg,
        MakeHashAggregateStream(
            std::move(where),
            {{"symbol", Col("symbol")}, {"bucket", Func("time_bucket", {Iv("5 minutes"), Col("ts")})}}, specs));
    ASSERT_OK_AND_ASSIGN(auto sorted, MakeSortStream(std::move(agg), {{Col("bucket"), true}, {Col("symbol")}}));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, finish(std::move(sorted), {{"symbol", Col("symbol")},
                                                                      {"bucket", Func("epoch_ns", {Col("bucket")})}}));
    EXPECT_GT(ours.num_rows(), 100u);
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["by_bucket"], false), "");
  }
  for (const char* name : {"global", "global_empty"}) {
    std::unique_ptr<BatchStream> in = testing::CutIntoPieces(state_->trades, 3, 3000);
    if (std::string(name) == "global_empty") {
      ASSERT_OK_AND_ASSIGN(in, MakeWhereStream(std::move(in), Binary(BinaryOp::kLt, Col("size"), I(0))));
    }
    ASSERT_OK_AND_ASSIGN(auto agg, MakeHashAggregateStream(std::move(in), {}, specs));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, finish(std::move(agg), {}));
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers[name], false), "") << name;
  }
}

TEST_F(OpsVsDuckDB, OrderByWithNullsLimitAndOffsetMatches) {
  auto answers = Ask({
      {"nulls_first",
       "SELECT seq, price, size FROM TRADES ORDER BY size DESC NULLS FIRST, price, seq LIMIT 50 OFFSET 10"},
      {"default_nulls", "SELECT seq, price FROM TRADES ORDER BY price DESC, seq LIMIT 300"},
      {"full", "SELECT seq, symbol FROM TRADES ORDER BY symbol DESC, size % 7, seq"},
  });
  std::vector<NamedExpr> cols3 = {{"seq", Col("seq")}, {"price", Col("price")}, {"size", Col("size")}};
  {
    ASSERT_OK_AND_ASSIGN(auto s, MakeSortStream(testing::CutIntoPieces(state_->trades, 4, 3000),
                                                {{Col("size"), true, true}, {Col("price")}, {Col("seq")}}, 10, 50));
    ASSERT_OK_AND_ASSIGN(auto p, MakeComputeStream(std::move(s), cols3));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(p.get()));
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["nulls_first"], false), "");
  }
  {
    ASSERT_OK_AND_ASSIGN(auto s, MakeSortStream(testing::CutIntoPieces(state_->trades, 5, 3000),
                                                {{Col("price"), true}, {Col("seq")}}, 0, 300));
    ASSERT_OK_AND_ASSIGN(auto p, MakeComputeStream(std::move(s), {{"seq", Col("seq")}, {"price", Col("price")}}));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(p.get()));
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["default_nulls"], false), "");
  }
  {
    ASSERT_OK_AND_ASSIGN(
        auto s, MakeSortStream(testing::CutIntoPieces(state_->trades, 6, 3000),
                               {{Col("symbol"), true}, {Binary(BinaryOp::kMod, Col("size"), I(7))}, {Col("seq")}}));
    ASSERT_OK_AND_ASSIGN(auto p, MakeComputeStream(std::move(s), {{"seq", Col("seq")}, {"symbol", Col("symbol")}}));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(p.get()));
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["full"], false), "");
  }
}

TEST_F(OpsVsDuckDB, ExpressionsMatch) {
  auto answers =
      Ask({{"exprs",
            "SELECT seq, CASE WHEN size > 500 THEN 'big' WHEN size IS NULL THEN NULL ELSE 'small' END AS c, "
            "price * size AS pv, size // 7 AS q, size % 7 AS m, size / 7 AS d, CAST(price AS VARCHAR) AS ps, "
            "ln(price) AS l, sqrt(size) AS r, abs(size - 300) AS a, "
            "epoch_ns(date_trunc('minute', ts)) AS minute, epoch_ns(date_trunc('second', ts) + INTERVAL '1 month') AS "
            "later, "
            "symbol LIKE 'A%' AS a_sym, size BETWEEN 100 AND 200 AS mid, coalesce(size, -1) AS cs, "
            "CAST(size AS DOUBLE) / 3 AS third, -price AS neg, hour(ts) AS h "
            "FROM TRADES WHERE seq % 7 = 0 AND (price > 0 OR price IS NULL) ORDER BY seq"}});
  ASSERT_OK_AND_ASSIGN(auto where,
                       MakeWhereStream(testing::CutIntoPieces(state_->trades, 7, 3000),
                                       And({Binary(BinaryOp::kEq, Binary(BinaryOp::kMod, Col("seq"), I(7)), I(0)),
                                            Or({Binary(BinaryOp::kGt, Col("price"), I(0)), IsNull(Col("price"))})})));
  ASSERT_OK_AND_ASSIGN(
      auto p,
      MakeComputeStream(
          std::move(where),
          {{"seq", Col("seq")},
           {"c",
            Case({{Binary(BinaryOp::kGt, Col("size"), I(500)), S("big")}, {IsNull(Col("size")), Lit(Value::Null())}},
                 S("small"))},
           {"pv", Binary(BinaryOp::kMul, Col("price"), Col("size"))},
           {"q", Binary(BinaryOp::kIntDiv, Col("size"), I(7))},
           {"m", Binary(BinaryOp::kMod, Col("size"), I(7))},
           {"d", Binary(BinaryOp::kDiv, Col("size"), I(7))},
           {"ps", Cast(Col("price"), ExprType::kString)},
           {"l", Func("ln", {Col("price")})},
           {"r", Func("sqrt", {Col("size")})},
           {"a", Func("abs", {Binary(BinaryOp::kSub, Col("size"), I(300))})},
           {"minute", Func("epoch_ns", {Func("date_trunc", {S("minute"), Col("ts")})})},
           {"later",
            Func("epoch_ns", {Binary(BinaryOp::kAdd, Func("date_trunc", {S("second"), Col("ts")}), Iv("1 month"))})},
           {"a_sym", Like(Col("symbol"), S("A%"))},
           {"mid", Between(Col("size"), I(100), I(200))},
           {"cs", Func("coalesce", {Col("size"), I(-1)})},
           {"third", Binary(BinaryOp::kDiv, Cast(Col("size"), ExprType::kFloat64), I(3))},
           {"neg", Neg(Col("price"))},
           {"h", Func("hour", {Col("ts")})}}));
  ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(p.get()));
  EXPECT_GT(ours.num_rows(), 1000u);
  EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["exprs"], false), "");
}

TEST_F(OpsVsDuckDB, HashJoinsWithACteAndAReferenceTableMatch) {
  auto answers = Ask({
      {"inner",
       "WITH s AS (SELECT symbol, avg(price) AS ap, count(*) AS n FROM TRADES GROUP BY symbol) "
       "SELECT t.seq, t.price, s.ap, s.n FROM TRADES t JOIN s ON t.symbol = s.symbol "
       "WHERE t.seq % 50 = 0 ORDER BY t.seq"},
      {"left",
       "SELECT t.seq, r.sector, r.lot FROM TRADES t LEFT JOIN (VALUES ('AAPL', 'tech', 100), "
       "('MSFT', 'tech', 10), ('MSFT', 'software', 20)) r(sym, sector, lot) ON t.symbol = r.sym "
       "WHERE t.seq % 40 = 0 ORDER BY t.seq, r.lot"},
  });
  {
    ASSERT_OK_AND_ASSIGN(
        auto per_symbol,
        MakeHashAggregateStream(testing::CutIntoPieces(state_->trades, 8, 3000), {{"symbol", Col("symbol")}},
                                {Agg(AggKind::kAvg, Col("price"), "ap"), Agg(AggKind::kCountStar, nullptr, "n")}));
    ASSERT_OK_AND_ASSIGN(auto probe,
                         MakeWhereStream(testing::CutIntoPieces(state_->trades, 9, 3000),
                                         Binary(BinaryOp::kEq, Binary(BinaryOp::kMod, Col("seq"), I(50)), I(0))));
    HashJoinOptions o;
    o.right_prefix = "s_";
    ASSERT_OK_AND_ASSIGN(auto join, MakeHashJoinStream(std::move(probe), std::move(per_symbol),
                                                       {{Col("symbol"), Col("symbol")}}, JoinType::kInner, o));
    ASSERT_OK_AND_ASSIGN(
        auto p,
        MakeComputeStream(std::move(join),
                          {{"seq", Col("seq")}, {"price", Col("price")}, {"ap", Col("s_ap")}, {"n", Col("s_n")}}));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(p.get()));
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["inner"], false), "");
  }
  {
    std::vector<Field> rf = {{"sym", ColumnType::kString, false},
                             {"sector", ColumnType::kString, false},
                             {"lot", ColumnType::kInt32, false}};
    RecordBatch ref(rf);
    for (auto [sym, sector, lot] : std::vector<std::tuple<const char*, const char*, int>>{
             {"AAPL", "tech", 100}, {"MSFT", "tech", 10}, {"MSFT", "software", 20}}) {
      ref.column(0).AppendString(sym);
      ref.column(1).AppendString(sector);
      ref.column(2).AppendInt32(lot);
    }
    ASSERT_OK_AND_ASSIGN(auto probe,
                         MakeWhereStream(testing::CutIntoPieces(state_->trades, 10, 3000),
                                         Binary(BinaryOp::kEq, Binary(BinaryOp::kMod, Col("seq"), I(40)), I(0))));
    ASSERT_OK_AND_ASSIGN(auto join, MakeHashJoinStream(std::move(probe), MakeVectorStream(rf, {ref}),
                                                       {{Col("symbol"), Col("sym")}}, JoinType::kLeft));
    ASSERT_OK_AND_ASSIGN(
        auto p,
        MakeComputeStream(std::move(join), {{"seq", Col("seq")}, {"sector", Col("sector")}, {"lot", Col("lot")}}));
    ASSERT_OK_AND_ASSIGN(RecordBatch ours, Collect(p.get()));
    EXPECT_EQ(testing::CompareWithDuckDb(ours, answers["left"], false), "");
  }
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata::query
