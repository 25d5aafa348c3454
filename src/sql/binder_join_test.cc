// The binder's joins, ASOF JOIN, SAMPLE BY and LATEST ON without a database: what goes into each
// scan, which operator answers, and every refusal and error with its position.
#include <gtest/gtest.h>

#include <string>

#include "query/expr.h"
#include "sql/binder.h"
#include "sql/binder_internal.h"
#include "sql/parser.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

using internal::BoundFrom;

TableLookup JoinLookup() {
  return [](std::string_view name) -> Result<TableDef> {
    TableDef def;
    def.name = std::string(name);
    if (name == "trades") {
      def.schema = *Schema::Parse("ts:timestamp,symbol:symbol,price:f64?,size:i64?,exchange:string");
    } else if (name == "quotes") {
      def.schema = *Schema::Parse("ts:timestamp,symbol:symbol,bid:f64,ask:f64");
    } else if (name == "ref") {
      def.schema = *Schema::Parse("ts:timestamp,symbol:symbol,sector:string");
    } else if (name == "ticks") {  // price and size never null: bars answer its OHLCV
      def.schema = *Schema::Parse("ts:timestamp,symbol:symbol,price:f64,size:i64");
    } else {
      return Status::NotFound("no table");
    }
    return def;
  };
}

Result<BoundSelect> BindJoinText(const std::string& text) {
  ASSIGN_OR_RETURN(Statement st, ParseStatement(text));
  if (st.kind != StatementKind::kSelect) return Status::InvalidArgument("not a SELECT");
  return BindSelect(*st.query, JoinLookup());
}

int64_t JoinTs(const char* text) { return *ParseTimestamp(text); }

TEST(BinderJoinTest, WherePredicatesGoIntoTheScanOfTheirSide) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b,
                       BindJoinText("SELECT t.price, r.sector FROM trades t JOIN ref r ON t.symbol = r.symbol "
                                    "WHERE t.symbol = 'A' AND t.ts >= '2026-03-02' AND r.ts < '2026-03-05' AND "
                                    "r.sector = 'tech' AND price > 1"));
  ASSERT_NE(b.join, nullptr);
  const BoundFrom& j = *b.join;
  ASSERT_EQ(j.kind, BoundFrom::Kind::kJoin);
  ASSERT_EQ(j.keys.size(), 1u);
  EXPECT_EQ(j.left->scan.table, "trades");
  EXPECT_EQ(j.left->scan.symbols, std::vector<std::string>{"A"});
  EXPECT_EQ(j.left->scan.from_ts, JoinTs("2026-03-02"));
  EXPECT_EQ(j.left->scan.to_ts, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(j.right->scan.to_ts, JoinTs("2026-03-05"));
  EXPECT_TRUE(j.right->scan.symbols.empty());
  // Each side reads only what the query uses.
  EXPECT_EQ(j.left->scan.columns, (std::vector<std::string>{"symbol", "price"}));
  EXPECT_EQ(j.right->scan.columns, (std::vector<std::string>{"symbol", "sector"}));
  ASSERT_NE(b.where, nullptr);  // r.sector = 'tech' AND price > 1
  EXPECT_EQ(query::ExprToString(b.where).find("ts"), std::string::npos) << query::ExprToString(b.where);
}

TEST(BinderJoinTest, TheNullExtendedSideKeepsItsPredicates) {
  // LEFT JOIN: WHERE on the right filters after the join (it drops the null-extended rows).
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindJoinText("SELECT * FROM trades t LEFT JOIN ref r ON t.symbol = r.symbol AND "
                                                   "t.exchange = r.sector WHERE r.symbol = 'A' AND t.symbol = 'A'"));
  EXPECT_EQ(b.join->keys.size(), 2u);
  EXPECT_EQ(b.join->left->scan.symbols, std::vector<std::string>{"A"});
  EXPECT_TRUE(b.join->right->scan.symbols.empty());
  ASSERT_NE(b.where, nullptr);
  // ASOF JOIN: the right side is never restricted by WHERE (that would change the match).
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT t.price, q.bid FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol "
                                       "AND q.ts <= t.ts WHERE t.ts >= '2026-03-02' AND q.ts >= '2026-03-02'"));
  EXPECT_EQ(b.join->join, JoinKind::kAsof);
  EXPECT_EQ(b.join->direction, query::AsofDirection::kPrev);
  EXPECT_EQ(b.join->left->scan.from_ts, JoinTs("2026-03-02"));
  EXPECT_EQ(b.join->right->scan.from_ts, std::numeric_limits<int64_t>::min());
  ASSERT_NE(b.where, nullptr);
}

TEST(BinderJoinTest, AsofFormsMapToTheAsofOperator) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindJoinText("SELECT * FROM trades t ASOF LEFT JOIN quotes q ON "
                                                   "t.symbol = q.symbol AND t.ts <= q.ts"));
  EXPECT_EQ(b.join->join, JoinKind::kAsofLeft);
  EXPECT_EQ(b.join->direction, query::AsofDirection::kNext);
  EXPECT_EQ(b.join->right_ts, "q.ts");
  // QuestDB's form keeps every left row (a left as-of join); `symbol` and * mean the left one.
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT symbol, bid FROM trades ASOF JOIN quotes ON (symbol)"));
  EXPECT_EQ(b.join->join, JoinKind::kAsofLeft);
  EXPECT_EQ(b.join->direction, query::AsofDirection::kPrev);
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT * FROM trades ASOF JOIN quotes ON (symbol)"));
  EXPECT_EQ(b.output.size(), 8u);  // 5 + 3: the right symbol is not repeated
}

TEST(BinderJoinTest, CtesAndSubqueriesJoinByTheirOutputNames) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b,
                       BindJoinText("WITH per AS (SELECT symbol, avg(price) AS ap FROM trades GROUP BY symbol) "
                                    "SELECT t.symbol, t.price - per.ap AS d FROM trades t JOIN per USING (symbol)"));
  EXPECT_EQ(b.join->right->kind, BoundFrom::Kind::kSubquery);
  EXPECT_EQ(b.output.size(), 2u);
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT s.n, r.* FROM (SELECT symbol, count(*) AS n FROM trades GROUP BY "
                                       "symbol) s JOIN ref r ON s.symbol = r.symbol ORDER BY s.n"));
  EXPECT_EQ(b.output.size(), 4u);
  EXPECT_EQ(b.output[1].name, "ts");
}

TEST(BinderJoinTest, SampleByGroupsByTheBucketAndTheOtherColumns) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindJoinText("SELECT ts, symbol, first(price) AS o, count(*) AS n FROM trades "
                                                   "SAMPLE BY 1m FILL(PREV, 0)"));
  EXPECT_TRUE(b.aggregate);
  ASSERT_EQ(b.keys.size(), 2u);
  ASSERT_NE(b.fill, nullptr);
  ASSERT_EQ(b.fill->aggs.size(), 2u);
  EXPECT_EQ(b.fill->aggs[0].kind, FillKind::kPrev);
  EXPECT_EQ(b.fill->aggs[1].kind, FillKind::kValue);
  EXPECT_EQ(b.order.size(), 2u);  // bucket order, then symbol
  EXPECT_EQ(b.bars, nullptr);     // price and size of trades are nullable: no bars
  // OHLCV of a table whose price and size are never null: the engine's bars (derived bar tables).
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT ts, first(price), max(price), min(price), last(price), sum(size), "
                                       "count(*) FROM ticks WHERE symbol = 'A' SAMPLE BY 5m"));
  ASSERT_NE(b.bars, nullptr);
  EXPECT_EQ(b.bars->plan.bar_interval_ns, 300'000'000'000LL);
  EXPECT_EQ(b.bars->plan.symbols, std::vector<std::string>{"A"});
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT symbol, time_bucket(INTERVAL '1 hour', ts) AS h, max(price) FROM ticks "
                                       "GROUP BY symbol, h"));
  EXPECT_NE(b.bars, nullptr);
  // Not covered: a residual filter, several symbols merged in one bucket, a step not dividing a day.
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT ts, max(price) FROM ticks WHERE size > 1 SAMPLE BY 5m"));
  EXPECT_EQ(b.bars, nullptr);
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT ts, max(price) FROM ticks SAMPLE BY 5m"));
  EXPECT_EQ(b.bars, nullptr);
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT time_bucket(INTERVAL '7 minutes', ts) AS b, symbol, max(price) "
                                       "FROM ticks GROUP BY 1, 2"));
  EXPECT_EQ(b.bars, nullptr);
}

TEST(BinderJoinTest, LatestOnUsesTheEnginesLatestWhenOnlyTheSymbolIsFiltered) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindJoinText("SELECT * FROM trades WHERE symbol IN ('A', 'B') "
                                                   "LATEST ON ts PARTITION BY symbol"));
  ASSERT_NE(b.latest, nullptr);
  EXPECT_TRUE(b.latest->fast);
  EXPECT_EQ(b.latest->symbols, (std::vector<std::string>{"A", "B"}));
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT * FROM trades WHERE price > 1 LATEST ON ts PARTITION BY symbol"));
  EXPECT_FALSE(b.latest->fast);
  ASSERT_OK_AND_ASSIGN(b, BindJoinText("SELECT symbol, price FROM trades LATEST ON ts PARTITION BY symbol, exchange"));
  EXPECT_FALSE(b.latest->fast);
  EXPECT_FALSE(b.scan.limit.has_value());
}

struct JoinErrorCase {
  const char* sql;
  StatusCode code;
  const char* message;
};

TEST(BinderJoinTest, ErrorsAndRefusalsNameThePosition) {
  const JoinErrorCase cases[] = {
      {"SELECT symbol FROM trades t JOIN ref r ON t.symbol = r.symbol", StatusCode::kInvalidArgument,
       "line 1, column 8: column reference 'symbol' is ambiguous (in t and r); qualify it: t.symbol"},
      {"SELECT t.price FROM trades t JOIN ref r ON t.symbol = r.symbol WHERE ts > '2026-03-02'",
       StatusCode::kInvalidArgument, "line 1, column 70: column reference 'ts' is ambiguous"},
      {"SELECT x.price FROM trades t JOIN ref r ON t.symbol = r.symbol", StatusCode::kInvalidArgument,
       "line 1, column 8: no table 'x' in FROM (tables: t, r)"},
      {"SELECT r.price FROM trades t JOIN ref r ON t.symbol = r.symbol", StatusCode::kInvalidArgument,
       "line 1, column 8: no column 'price' in r (r: ts, symbol, sector)"},
      {"SELECT prcie FROM trades t JOIN ref r ON t.symbol = r.symbol", StatusCode::kInvalidArgument,
       "line 1, column 8: no column 'prcie' in FROM (t: ts, symbol, price, size, exchange; r: ts, symbol, sector)"},
      {"SELECT * FROM trades JOIN trades ON trades.ts = trades.ts", StatusCode::kInvalidArgument,
       "line 1, column 27: the name 'trades' appears twice in FROM; give one of them an alias"},
      {"SELECT * FROM trades t JOIN nope n ON t.symbol = n.symbol", StatusCode::kInvalidArgument,
       "line 1, column 29: no table 'nope'"},
      {"SELECT * FROM trades t JOIN ref r ON t.price > 1", StatusCode::kUnsupported,
       "line 1, column 24: JOIN without an equality between its two sides (a cross join) is not supported yet"},
      {"SELECT * FROM trades t\nLEFT JOIN ref r ON t.symbol = r.symbol AND r.sector = 'x'", StatusCode::kUnsupported,
       "line 2, column 44: a LEFT JOIN condition other than an equality between the two sides ('r.sector = 'x'')"},
      {"SELECT * FROM trades t JOIN (SELECT symbol FROM ref) ON t.symbol = symbol", StatusCode::kInvalidArgument,
       "line 1, column 29: a subquery in a join needs an alias"},
      {"SELECT * FROM trades t JOIN ref r USING (sector)", StatusCode::kInvalidArgument,
       "line 1, column 24: USING column 'sector' is not on the left side of the join"},
      {"SELECT * FROM trades t JOIN ref r ON t.symbol = r.symbol AND count(*) > 1", StatusCode::kInvalidArgument,
       "line 1, column 62: aggregate functions are not allowed in a join condition"},
      {"SELECT * FROM trades ASOF JOIN quotes", StatusCode::kUnsupported,
       "line 1, column 22: ASOF JOIN without ON (a match on the timestamp alone, across symbols) is not supported"},
      {"SELECT * FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol AND t.ts > q.ts", StatusCode::kUnsupported,
       "line 1, column 70: ASOF JOIN with a strict inequality (>); use >= or <= is not supported yet"},
      {"SELECT * FROM trades t ASOF JOIN quotes q ON t.ts >= q.ts", StatusCode::kUnsupported,
       "line 1, column 24: ASOF JOIN without an equality on the symbol"},
      {"SELECT * FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol", StatusCode::kUnsupported,
       "line 1, column 24: ASOF JOIN without a time inequality"},
      {"SELECT * FROM trades t ASOF JOIN quotes q ON t.price = q.bid AND t.ts >= q.ts", StatusCode::kUnsupported,
       "line 1, column 46: ASOF JOIN on 't.price' (it matches on the tables' symbol columns: t.symbol)"},
      {"SELECT * FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol AND t.ts >= q.ts AND q.bid IS NOT NULL",
       StatusCode::kUnsupported, "line 1, column 87: an ASOF JOIN condition other than"},
      {"SELECT * FROM trades ASOF JOIN quotes ON (ts)", StatusCode::kUnsupported,
       "line 1, column 22: ASOF JOIN ON (ts) (it matches on the tables' symbol columns"},
      {"SELECT * FROM trades t ASOF JOIN (SELECT * FROM quotes) q ON (symbol)", StatusCode::kUnsupported,
       "line 1, column 24: QuestDB's ASOF JOIN ... ON (col) over a subquery"},
      {"SELECT ts, count(*) FROM trades SAMPLE BY 7m", StatusCode::kUnsupported,
       "line 1, column 33: SAMPLE BY 7m (a step that does not divide a day; 1w is the only longer one)"},
      {"SELECT ts, count(*) FROM trades SAMPLE BY 1m ALIGN TO FIRST OBSERVATION", StatusCode::kUnsupported,
       "line 1, column 33: SAMPLE BY ... ALIGN TO FIRST OBSERVATION is not supported yet"},
      {"SELECT ts, count(*) FROM trades SAMPLE BY 1m GROUP BY symbol", StatusCode::kUnsupported,
       "line 1, column 55: SAMPLE BY with GROUP BY is not supported yet"},
      {"SELECT count(*) FROM (SELECT * FROM trades) s SAMPLE BY 1m", StatusCode::kUnsupported,
       "line 1, column 47: SAMPLE BY over a subquery, a join or LATEST ON"},
      {"SELECT ts, min(price), max(price), count(*) FROM trades SAMPLE BY 1m FILL(PREV, NULL)",
       StatusCode::kInvalidArgument, "line 1, column 75: FILL has 2 values for 3 aggregate columns"},
      {"SELECT ts, min(price), max(price) FROM trades SAMPLE BY 1m FILL(NONE, PREV)", StatusCode::kUnsupported,
       "line 1, column 65: FILL(NONE) mixed with other fills"},
      {"SELECT * FROM trades LATEST ON price PARTITION BY symbol", StatusCode::kInvalidArgument,
       "line 1, column 32: LATEST ON takes the table's timestamp column (ts), not 'price'"},
      {"SELECT * FROM trades LATEST ON ts PARTITION BY sym", StatusCode::kInvalidArgument,
       "line 1, column 48: no column 'sym' in trades"},
      {"SELECT * FROM (SELECT * FROM trades) s LATEST ON ts PARTITION BY symbol", StatusCode::kUnsupported,
       "line 1, column 40: LATEST ON over a subquery or a join is not supported yet"},
  };
  for (const JoinErrorCase& c : cases) {
    Result<BoundSelect> r = BindJoinText(c.sql);
    ASSERT_FALSE(r.ok()) << c.sql;
    EXPECT_EQ(r.status().code(), c.code) << c.sql << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << c.sql << ": " << r.status().ToString();
  }
}

}  // namespace
}  // namespace strata::sql
