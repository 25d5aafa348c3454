// The binder without a database: names resolve against a fixed schema, WHERE on ts and symbol is
// pushed into the scan's range and symbol list (the rest stays an expression), and every error
// names the position of the node it is about.
#include "sql/binder.h"

#include <gtest/gtest.h>

#include <string>

#include "query/expr.h"
#include "sql/parser.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

TableLookup Lookup() {
  return [](std::string_view name) -> Result<TableDef> {
    if (name != "trades") return Status::NotFound("no table");
    TableDef def;
    def.name = "trades";
    def.schema = *Schema::Parse("ts:timestamp,symbol:symbol,price:f64?,size:i64?,exchange:string");
    return def;
  };
}

Result<BoundSelect> BindText(const std::string& text) {
  ASSIGN_OR_RETURN(Statement st, ParseStatement(text));
  if (st.kind != StatementKind::kSelect) return Status::InvalidArgument("not a SELECT");
  return BindSelect(*st.query, Lookup());
}

int64_t Ts(const char* text) { return *ParseTimestamp(text); }

TEST(BinderTest, PushesTsAndSymbolPredicatesIntoTheScan) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindText("SELECT price FROM trades WHERE symbol IN ('MSFT', 'AAPL', 'MSFT') "
                                               "AND ts >= TIMESTAMP '2026-03-02 10:00:00' AND ts < '2026-03-02 11:00' "
                                               "AND size > 5"));
  EXPECT_TRUE(b.from_table);
  EXPECT_EQ(b.scan.table, "trades");
  EXPECT_EQ(b.scan.symbols, (std::vector<std::string>{"AAPL", "MSFT"}));
  EXPECT_EQ(b.scan.from_ts, Ts("2026-03-02T10:00:00"));
  EXPECT_EQ(b.scan.to_ts, Ts("2026-03-02T11:00:00"));
  ASSERT_NE(b.where, nullptr);  // size > 5 stays
  EXPECT_EQ(query::ExprToString(b.where).find("ts"), std::string::npos) << query::ExprToString(b.where);
  EXPECT_EQ(b.scan.columns, (std::vector<std::string>{"size", "price"}));  // only what is read
  EXPECT_FALSE(b.aggregate);
  EXPECT_FALSE(b.scan.limit.has_value());  // a residual filter: the scan cannot stop early
}

TEST(BinderTest, PushesBetweenEqualityFlippedComparisonsAndQualifiedNames) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindText("SELECT t.price FROM trades t WHERE t.symbol = 'AAPL' AND "
                                               "ts BETWEEN '2026-03-02' AND '2026-03-02 23:59:59' AND "
                                               "'2026-03-02 12:00' < ts LIMIT 5 OFFSET 2"));
  EXPECT_EQ(b.scan.symbols, std::vector<std::string>{"AAPL"});
  EXPECT_EQ(b.scan.from_ts, Ts("2026-03-02T12:00:00") + 1);  // > is exclusive
  EXPECT_EQ(b.scan.to_ts, Ts("2026-03-02T23:59:59") + 1);    // BETWEEN is inclusive
  EXPECT_EQ(b.where, nullptr);
  ASSERT_TRUE(b.scan.limit.has_value());  // nothing after the scan drops rows: it stops at 7
  EXPECT_EQ(*b.scan.limit, 7u);

  ASSERT_OK_AND_ASSIGN(b, BindText("SELECT price FROM trades WHERE ts = TIMESTAMP '2026-03-02 10:00:00'"));
  EXPECT_EQ(b.scan.from_ts, Ts("2026-03-02T10:00:00"));
  EXPECT_EQ(b.scan.to_ts, Ts("2026-03-02T10:00:00") + 1);
}

TEST(BinderTest, ContradictoryPredicatesGiveAnEmptyScan) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindText("SELECT count(*) FROM trades WHERE ts >= '2026-03-03' AND ts < "
                                               "'2026-03-02'"));
  EXPECT_TRUE(b.empty_range);
  ASSERT_OK_AND_ASSIGN(b, BindText("SELECT count(*) FROM trades WHERE symbol = 'A' AND symbol IN ('B', 'C')"));
  EXPECT_TRUE(b.empty_range);
  ASSERT_OK_AND_ASSIGN(b, BindText("SELECT count(*) FROM trades WHERE symbol = 'A' AND symbol IN ('A', 'C')"));
  EXPECT_FALSE(b.empty_range);
}

TEST(BinderTest, OrAndNegatedPredicatesStayExpressions) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindText("SELECT price FROM trades WHERE symbol = 'A' OR ts < '2026-03-02' "
                                               "AND symbol NOT IN ('B')"));
  EXPECT_TRUE(b.scan.symbols.empty());
  EXPECT_EQ(b.scan.from_ts, std::numeric_limits<int64_t>::min());
  EXPECT_NE(b.where, nullptr);
}

TEST(BinderTest, GroupByKeysAggregatesHavingAndOrder) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b,
                       BindText("SELECT symbol, time_bucket(INTERVAL '5 minutes', ts) AS t, count(*) AS n, "
                                "sum(price * size) / sum(size) AS vwap, first(price) FROM trades "
                                "GROUP BY symbol, t HAVING count(*) > 1 ORDER BY n DESC, 1 LIMIT 3"));
  EXPECT_TRUE(b.aggregate);
  ASSERT_EQ(b.keys.size(), 2u);
  // count(*) appears twice (select, having, order) but is computed once.
  ASSERT_EQ(b.aggs.size(), 4u);
  EXPECT_EQ(b.aggs[0].kind, query::AggKind::kCountStar);
  ASSERT_NE(b.aggs[3].order, nullptr);  // first() in time order
  EXPECT_NE(b.having, nullptr);
  ASSERT_EQ(b.order.size(), 2u);
  EXPECT_TRUE(b.order[0].descending);
  EXPECT_EQ(b.limit, 3);
  ASSERT_EQ(b.output.size(), 5u);
  EXPECT_EQ(b.output[1].name, "t");
  EXPECT_EQ(b.output[4].name, "first(price)");
}

struct BindErrorCase {
  const char* sql;
  StatusCode code;
  const char* message;
};

TEST(BinderTest, ErrorsNameThePositionAndTheCandidates) {
  const BindErrorCase cases[] = {
      {"SELECT prcie FROM trades", StatusCode::kInvalidArgument,
       "line 1, column 8: no column 'prcie' in trades (columns: ts, symbol, price, size, exchange)"},
      {"SELECT price\nFROM trades\nWHERE  sise > 1", StatusCode::kInvalidArgument,
       "line 3, column 8: no column 'sise'"},
      {"SELECT x.price FROM trades t", StatusCode::kInvalidArgument,
       "line 1, column 8: no table 'x' in FROM (the source is 't')"},
      {"SELECT price FROM trade", StatusCode::kInvalidArgument, "line 1, column 19: no table 'trade'"},
      {"SELECT symbol, price FROM trades GROUP BY symbol", StatusCode::kInvalidArgument,
       "line 1, column 16: column 'price' must appear in GROUP BY or be used in an aggregate function"},
      {"SELECT price FROM trades WHERE sum(size) > 1", StatusCode::kInvalidArgument,
       "line 1, column 32: aggregate functions are not allowed in WHERE"},
      {"SELECT sum(max(size)) FROM trades", StatusCode::kInvalidArgument,
       "line 1, column 12: aggregate functions are not allowed in the argument of an aggregate"},
      {"SELECT symbol FROM trades GROUP BY 2", StatusCode::kInvalidArgument,
       "line 1, column 36: GROUP BY position 2 is not in the SELECT list (1..1)"},
      {"SELECT price FROM trades ORDER BY 0", StatusCode::kInvalidArgument, "line 1, column 35: ORDER BY position 0"},
      {"SELECT price FROM trades LIMIT -1", StatusCode::kInvalidArgument, "LIMIT must be a non-negative integer"},
      {"SELECT *, count(*) FROM trades", StatusCode::kInvalidArgument, "line 1, column 8: * cannot be selected"},
      {"SELECT arg_min(price) FROM trades", StatusCode::kInvalidArgument,
       "line 1, column 8: arg_min() takes 2 arguments, not 1"},
      {"SELECT price FROM trades HAVING price > 1", StatusCode::kInvalidArgument,
       "line 1, column 8: column 'price' must appear in GROUP BY"},
      {"SELECT CAST(price AS money) FROM trades", StatusCode::kInvalidArgument, "line 1, column 8:"},
      {"SELECT DISTINCT count(*) FROM trades", StatusCode::kUnsupported,
       "line 1, column 1: SELECT DISTINCT with GROUP BY or aggregates is not supported yet"},
      {"SELECT price FROM trades WHERE size > $1", StatusCode::kUnsupported,
       "line 1, column 39: a parameter ($1) is not supported yet"},
      {"SELECT n FROM (SELECT count(*) AS m FROM trades) s", StatusCode::kInvalidArgument,
       "line 1, column 8: no column 'n' in s (columns: m)"},
  };
  for (const BindErrorCase& c : cases) {
    Result<BoundSelect> r = BindText(c.sql);
    ASSERT_FALSE(r.ok()) << c.sql;
    EXPECT_EQ(r.status().code(), c.code) << c.sql << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << c.sql << ": " << r.status().ToString();
  }
}

TEST(BinderTest, AggregateTypeErrorsNameTheCall) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindText("SELECT count(*),\n  sum(exchange) FROM trades"));
  // Run over a one-row source with a string `exchange` instead of the table (no database here):
  // the aggregate operator binds (and refuses sum of a string) when the stream is built.
  auto source = std::make_shared<BoundSelect>();
  source->from_table = false;
  source->no_from = true;
  source->output = {{"exchange", query::Lit(query::Value::String("XNAS"))}};
  b.from_table = false;
  b.subquery = source;
  Result<std::unique_ptr<query::BatchStream>> r = ExecuteSelect(nullptr, b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 2, column 3: sum takes a number"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(r.status().message().find("__a"), std::string::npos) << r.status().ToString();
}

TEST(BinderTest, SelectDistinctGroupsByTheSelectList) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindText("SELECT DISTINCT symbol, size * 2 AS s2 FROM trades ORDER BY s2"));
  EXPECT_TRUE(b.aggregate);
  EXPECT_EQ(b.keys.size(), 2u);
  EXPECT_TRUE(b.aggs.empty());
  ASSERT_OK_AND_ASSIGN(b, BindText("SELECT DISTINCT * FROM trades"));
  EXPECT_EQ(b.keys.size(), 5u);
  Result<BoundSelect> r = BindText("SELECT DISTINCT symbol FROM trades ORDER BY price");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("line 1, column 45: column 'price' must appear in GROUP BY"), std::string::npos)
      << r.status().ToString();
}

TEST(BinderTest, SubqueriesAndCtesBindOverTheInnerSelect) {
  ASSERT_OK_AND_ASSIGN(BoundSelect b, BindText("WITH s AS (SELECT symbol, count(*) AS n FROM trades WHERE symbol = "
                                               "'A' GROUP BY symbol) SELECT n * 2 AS twice FROM s WHERE n > 0"));
  EXPECT_FALSE(b.from_table);
  ASSERT_NE(b.subquery, nullptr);
  EXPECT_EQ(b.subquery->scan.symbols, std::vector<std::string>{"A"});
  EXPECT_NE(b.where, nullptr);
  ASSERT_OK_AND_ASSIGN(b, BindText("SELECT sum(n) FROM (SELECT size AS n FROM trades) AS x"));
  EXPECT_TRUE(b.aggregate);
}

}  // namespace
}  // namespace strata::sql
