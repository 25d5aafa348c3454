#include "sql/parser.h"

#include <gtest/gtest.h>

#include "sql/printer.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

Statement Parse(std::string_view sql) {
  auto r = ParseStatement(sql);
  EXPECT_TRUE(r.ok()) << sql << "\n" << r.status().ToString();
  return r.ok() ? std::move(r).value() : Statement{};
}

const Query& Q(const Statement& s) { return *s.query; }

ExprPtr ParseE(std::string_view sql) {
  auto r = ParseExpression(sql);
  EXPECT_TRUE(r.ok()) << sql << "\n" << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

// parse -> print -> parse gives the same tree, and printing is a fixed point.
void ExpectRoundTrip(std::string_view sql) {
  SCOPED_TRACE(std::string(sql));
  auto first = ParseStatement(sql);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const std::string printed = ToSql(*first);
  auto second = ParseStatement(printed);
  ASSERT_TRUE(second.ok()) << printed << "\n" << second.status().ToString();
  EXPECT_TRUE(SameStatement(*first, *second)) << printed;
  EXPECT_EQ(ToSql(*second), printed);
}

std::string Canonical(std::string_view sql) {
  auto s = ParseStatement(sql);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? ToSql(*s) : "";
}

TEST(ParserTest, SelectClausesAndPositions) {
  Statement s = Parse(
      "SELECT symbol, avg(price) AS ap, count(*) n\n"
      "FROM trades AS t\n"
      "WHERE ts >= TIMESTAMP '2026-03-02 14:30:00' AND size >= 100\n"
      "GROUP BY symbol, 2 HAVING count(*) > 10\n"
      "ORDER BY ap DESC NULLS LAST, 1 LIMIT 10 OFFSET 5;");
  ASSERT_EQ(s.kind, StatementKind::kSelect);
  const Query& q = Q(s);
  ASSERT_EQ(q.select.size(), 3u);
  EXPECT_EQ(q.select[0].expr->kind, ExprKind::kColumnRef);
  EXPECT_EQ(q.select[1].alias, "ap");
  EXPECT_EQ(q.select[1].expr->kind, ExprKind::kFunction);
  EXPECT_EQ(q.select[1].expr->pos.column, 16u);
  EXPECT_TRUE(q.select[2].expr->star_arg);
  EXPECT_EQ(q.select[2].alias, "n");
  ASSERT_TRUE(q.from);
  EXPECT_EQ(q.from->name, std::vector<std::string>{"trades"});
  EXPECT_EQ(q.from->alias, "t");
  EXPECT_EQ(q.from->pos.line, 2u);
  EXPECT_EQ(q.from->pos.column, 6u);
  ASSERT_TRUE(q.where);
  EXPECT_EQ(q.where->binary_op, BinaryOp::kAnd);
  const Expr& ts = *q.where->args[0]->args[1];
  EXPECT_EQ(ts.literal.kind, LiteralKind::kTimestamp);
  EXPECT_EQ(ts.literal.int_value, *ParseTimestamp("2026-03-02T14:30:00Z"));
  EXPECT_EQ(ts.pos.line, 3u);
  EXPECT_EQ(ts.pos.column, 13u);
  ASSERT_EQ(q.group_by.size(), 2u);
  EXPECT_EQ(q.group_by[1]->literal.int_value, 2);
  ASSERT_TRUE(q.having);
  ASSERT_EQ(q.order_by.size(), 2u);
  EXPECT_TRUE(q.order_by[0].descending);
  EXPECT_EQ(q.order_by[0].nulls, NullsOrder::kLast);
  EXPECT_FALSE(q.order_by[1].descending);
  EXPECT_EQ(q.limit->literal.int_value, 10);
  EXPECT_EQ(q.offset->literal.int_value, 5);
}

TEST(ParserTest, NodesKeepTheirPositions) {
  Statement s = Parse(
      "WITH b AS (SELECT 1)\n"
      "SELECT CAST(x AS int), CASE WHEN a THEN $2 END, -y FROM t\n"
      "  ASOF JOIN q ON (symbol) WHERE p IN (1) AND z IS NULL\n"
      "  LATEST ON ts PARTITION BY s SAMPLE BY 1m FILL(PREV) ORDER BY 1");
  const auto at = [](Pos p) { return std::to_string(p.line) + ":" + std::to_string(p.column); };
  const Query& q = Q(s);
  EXPECT_EQ(at(s.pos), "1:1");
  EXPECT_EQ(at(q.ctes[0].pos), "1:6");
  EXPECT_EQ(at(q.ctes[0].query->pos), "1:12");
  EXPECT_EQ(at(q.select[0].expr->pos), "2:8");
  EXPECT_EQ(at(q.select[0].expr->args[0]->pos), "2:13");
  EXPECT_EQ(at(q.select[1].expr->pos), "2:24");
  EXPECT_EQ(at(q.select[1].expr->args[1]->pos), "2:41");
  EXPECT_EQ(at(q.select[2].expr->pos), "2:49");
  EXPECT_EQ(at(q.from->pos), "2:57");
  EXPECT_EQ(at(q.from->right->pos), "3:13");
  EXPECT_EQ(at(q.where->pos), "3:33");
  EXPECT_EQ(at(q.where->args[1]->pos), "3:46");
  EXPECT_EQ(at(q.latest_on->pos), "4:3");
  EXPECT_EQ(at(q.latest_on->partition_by[0]->pos), "4:29");
  EXPECT_EQ(at(q.sample_by->pos), "4:31");
  EXPECT_EQ(at(q.sample_by->fills[0].pos), "4:49");
  EXPECT_EQ(at(q.order_by[0].expr->pos), "4:64");
  Statement a = Parse("SELECT x AS \"Y\"");
  EXPECT_EQ(at(Q(a).select[0].alias_pos), "1:10");
}

TEST(ParserTest, QuoteIdentifier) {
  EXPECT_EQ(QuoteIdentifier("price"), "price");
  EXPECT_EQ(QuoteIdentifier("Price"), "\"Price\"");
  EXPECT_EQ(QuoteIdentifier("a b"), "\"a b\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteIdentifier("select"), "\"select\"");
  EXPECT_EQ(QuoteIdentifier("timestamp"), "\"timestamp\"");
  EXPECT_EQ(QuoteIdentifier("1x"), "\"1x\"");
  EXPECT_EQ(QuoteIdentifier("_x1$"), "_x1$");
}

TEST(ParserTest, Expressions) {
  ExprPtr e = ParseE("a + b * -c - 3 % 2");
  EXPECT_EQ(ToSql(*e), "a + b * -c - 3 % 2");
  EXPECT_EQ(e->binary_op, BinaryOp::kSubtract);
  EXPECT_EQ(ToSql(*ParseE("(a + b) * c")), "(a + b) * c");
  EXPECT_EQ(ToSql(*ParseE("a - (b - c)")), "a - (b - c)");
  EXPECT_EQ(ToSql(*ParseE("NOT a = 1 OR b AND NOT c")), "NOT a = 1 OR b AND NOT c");
  EXPECT_EQ(ToSql(*ParseE("(a OR b) AND c")), "(a OR b) AND c");
  e = ParseE("-9223372036854775808");
  EXPECT_EQ(e->literal.int_value, INT64_MIN);
  e = ParseE("-(5)");
  EXPECT_EQ(e->kind, ExprKind::kUnary);
  EXPECT_EQ(ToSql(*e), "-(5)");
  EXPECT_EQ(ToSql(*ParseE("- -x")), "-(-x)");
  EXPECT_EQ(ToSql(*ParseE("-5::text")), "-CAST(5 AS text)");
  e = ParseE("CAST(x AS DOUBLE PRECISION)");
  EXPECT_EQ(e->kind, ExprKind::kCast);
  EXPECT_EQ(e->type_name, "double precision");
  EXPECT_EQ(ParseE("x::decimal(18, 4)")->type_name, "decimal(18,4)");
  EXPECT_EQ(ParseE("x::timestamp with time zone")->type_name, "timestamptz");
  EXPECT_EQ(ToSql(*ParseE("x IN (1, 2, 3)")), "x IN (1, 2, 3)");
  e = ParseE("sym NOT IN ('A', 'B')");
  EXPECT_EQ(e->kind, ExprKind::kInList);
  EXPECT_TRUE(e->negated);
  e = ParseE("px NOT BETWEEN 1 AND 2 + 3");
  EXPECT_EQ(e->kind, ExprKind::kBetween);
  EXPECT_TRUE(e->negated);
  EXPECT_EQ(e->args[2]->binary_op, BinaryOp::kAdd);
  e = ParseE("x IS NOT NULL");
  EXPECT_EQ(e->kind, ExprKind::kIsNull);
  EXPECT_TRUE(e->negated);
  e = ParseE("s NOT ILIKE 'aa%'");
  EXPECT_EQ(e->kind, ExprKind::kLike);
  EXPECT_TRUE(e->negated && e->case_insensitive);
  e = ParseE("CASE WHEN a > 1 THEN 'x' WHEN a > 0 THEN 'y' ELSE 'z' END");
  EXPECT_EQ(e->kind, ExprKind::kCase);
  EXPECT_EQ(e->args.size(), 5u);
  EXPECT_TRUE(e->has_else);
  e = ParseE("CASE side WHEN 'B' THEN 1 END");
  EXPECT_TRUE(e->has_operand);
  EXPECT_FALSE(e->has_else);
  e = ParseE("count(DISTINCT symbol)");
  EXPECT_TRUE(e->distinct);
  e = ParseE("time_bucket(INTERVAL '1 minute', ts)");
  EXPECT_EQ(e->args[0]->literal.kind, LiteralKind::kInterval);
  EXPECT_EQ(e->args[0]->literal.int_value, kNanosPerMinute);
  e = ParseE("date_trunc('minute', ts)");
  EXPECT_EQ(e->name, std::vector<std::string>{"date_trunc"});
  EXPECT_EQ(ParseE("INTERVAL '1m'")->literal.int_value, kNanosPerMinute);
  EXPECT_EQ(ParseE("INTERVAL '5' MINUTE")->literal.int_value, 5 * kNanosPerMinute);
  EXPECT_EQ(ParseE("INTERVAL 5 minutes")->literal.int_value, 5 * kNanosPerMinute);
  e = ParseE("TIMESTAMP '2026-03-02 14:30:00.123456789'");
  EXPECT_EQ(e->literal.int_value, *ParseTimestamp("2026-03-02T14:30:00.123456789Z"));
  EXPECT_EQ(ToSql(*e), "TIMESTAMP '2026-03-02T14:30:00.123456789Z'");
  EXPECT_EQ(ParseE("'it''s'")->literal.text, "it's");
  EXPECT_EQ(ToSql(*ParseE("'it''s'")), "'it''s'");
  EXPECT_EQ(ParseE("TRUE")->literal.kind, LiteralKind::kBool);
  EXPECT_EQ(ParseE("NULL")->literal.kind, LiteralKind::kNull);
  EXPECT_EQ(ParseE("1.50")->literal.float_value, 1.5);
  EXPECT_EQ(ParseE("$12")->param_index, 12);
  e = ParseE("\"Price\" + t.\"x y\"");
  EXPECT_EQ(e->args[0]->name, std::vector<std::string>{"Price"});
  EXPECT_EQ(e->args[1]->name, (std::vector<std::string>{"t", "x y"}));
  EXPECT_EQ(ToSql(*e), "\"Price\" + t.\"x y\"");
  e = ParseE("EXTRACT(hour FROM ts)");
  EXPECT_EQ(ToSql(*e), "date_part('hour', ts)");
  EXPECT_EQ(ToSql(*ParseE("DATE '2026-03-02'")), "CAST('2026-03-02' AS date)");
  EXPECT_EQ(ToSql(*ParseE("pg_catalog.version()")), "pg_catalog.version()");
  EXPECT_EQ(ToSql(*ParseE("a || 'x'")), "a || 'x'");
  EXPECT_EQ(ToSql(*ParseE("\"order\" + \"Select\"")), "\"order\" + \"Select\"");
}

TEST(ParserTest, FromJoinsSubqueriesAndCtes) {
  Statement s = Parse(
      "WITH b AS (SELECT symbol, max(ts) AS mt FROM trades GROUP BY symbol), c(x) AS (SELECT 1) "
      "SELECT * FROM (SELECT * FROM trades) tr JOIN b ON tr.symbol = b.symbol LEFT OUTER JOIN ref r USING (symbol)");
  const Query& q = Q(s);
  ASSERT_EQ(q.ctes.size(), 2u);
  EXPECT_EQ(q.ctes[0].name, "b");
  EXPECT_EQ(q.ctes[1].columns, std::vector<std::string>{"x"});
  EXPECT_EQ(q.select[0].expr->kind, ExprKind::kStar);
  ASSERT_EQ(q.from->kind, TableRefKind::kJoin);
  EXPECT_EQ(q.from->join, JoinKind::kLeft);
  EXPECT_EQ(q.from->using_columns, std::vector<std::string>{"symbol"});
  const TableRef& inner = *q.from->left;
  EXPECT_EQ(inner.join, JoinKind::kInner);
  ASSERT_TRUE(inner.on);
  EXPECT_EQ(inner.left->kind, TableRefKind::kSubquery);
  EXPECT_EQ(inner.left->alias, "tr");
  EXPECT_EQ(q.from->right->alias, "r");
  EXPECT_EQ(Q(Parse("SELECT t.*, q.bid FROM trades t INNER JOIN quotes q ON t.symbol = q.symbol")).select[0].expr->name,
            std::vector<std::string>{"t"});
}

TEST(ParserTest, AsofJoinBothForms) {
  Statement duck = Parse("SELECT * FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol AND t.ts >= q.ts");
  const TableRef& j = *Q(duck).from;
  EXPECT_EQ(j.join, JoinKind::kAsof);
  ASSERT_TRUE(j.on);
  EXPECT_EQ(ToSql(*j.on), "t.symbol = q.symbol AND t.ts >= q.ts");
  Statement quest = Parse("SELECT * FROM trades ASOF JOIN quotes ON (symbol) WHERE price > 1");
  const TableRef& k = *Q(quest).from;
  EXPECT_EQ(k.join, JoinKind::kAsof);
  EXPECT_FALSE(k.on);
  EXPECT_EQ(k.using_columns, std::vector<std::string>{"symbol"});
  EXPECT_TRUE(Q(quest).where);
  Statement two = Parse("SELECT * FROM a ASOF JOIN b ON (symbol, venue)");
  EXPECT_EQ(Q(two).from->using_columns, (std::vector<std::string>{"symbol", "venue"}));
  Statement bare = Parse("SELECT * FROM trades ASOF JOIN quotes WHERE price > 1");
  EXPECT_FALSE(Q(bare).from->on);
  EXPECT_TRUE(Q(bare).from->using_columns.empty());
  EXPECT_TRUE(Q(bare).where);
  EXPECT_EQ(Canonical("SELECT * FROM trades ASOF JOIN quotes"), "SELECT * FROM trades ASOF JOIN quotes");
  // A parenthesized condition is still a condition.
  Statement cond = Parse("SELECT * FROM a ASOF JOIN b ON (a.s = b.s)");
  EXPECT_TRUE(Q(cond).from->on);
}

TEST(ParserTest, QuestDbExtensions) {
  Statement s = Parse(
      "SELECT ts, first(price), max(price), sum(size) FROM trades WHERE symbol = 'AAPL' "
      "SAMPLE BY 5m FILL(NULL, PREV, LINEAR, -1.5) ALIGN TO CALENDAR");
  const Query& q = Q(s);
  ASSERT_TRUE(q.sample_by);
  EXPECT_EQ(q.sample_by->step_ns, 5 * kNanosPerMinute);
  ASSERT_EQ(q.sample_by->fills.size(), 4u);
  EXPECT_EQ(q.sample_by->fills[1].kind, FillKind::kPrev);
  EXPECT_EQ(q.sample_by->fills[3].kind, FillKind::kValue);
  EXPECT_EQ(q.sample_by->fills[3].value->literal.float_value, -1.5);
  EXPECT_TRUE(q.sample_by->align_calendar);
  EXPECT_TRUE(q.sample_by->align_explicit);
  EXPECT_EQ(Q(Parse("SELECT 1 FROM t SAMPLE BY 100T")).sample_by->step_ns, 100 * kNanosPerMilli);
  EXPECT_FALSE(Q(Parse("SELECT 1 FROM t SAMPLE BY 1d ALIGN TO FIRST OBSERVATION")).sample_by->align_calendar);
  Statement l = Parse("SELECT * FROM trades LATEST ON ts PARTITION BY symbol, venue");
  ASSERT_TRUE(Q(l).latest_on);
  EXPECT_EQ(Q(l).latest_on->timestamp->name, std::vector<std::string>{"ts"});
  EXPECT_EQ(Q(l).latest_on->partition_by.size(), 2u);
  // Still usable as names.
  EXPECT_EQ(Canonical("SELECT sample, latest FROM t"), "SELECT \"sample\", \"latest\" FROM t");
}

TEST(ParserTest, OtherStatements) {
  EXPECT_EQ(Parse("show tables").kind, StatementKind::kShowTables);
  Statement d = Parse("DESCRIBE trades");
  EXPECT_EQ(d.kind, StatementKind::kDescribe);
  EXPECT_EQ(d.table, std::vector<std::string>{"trades"});
  Statement e = Parse("EXPLAIN SELECT count(*) FROM trades");
  EXPECT_EQ(e.kind, StatementKind::kExplain);
  EXPECT_FALSE(e.analyze);
  EXPECT_TRUE(Parse("EXPLAIN ANALYZE SELECT 1").analyze);
  Statement i = Parse("INSERT INTO trades (ts, symbol, price) VALUES (TIMESTAMP '2026-03-02', 'A', 1.5), ($1, $2, $3)");
  EXPECT_EQ(i.kind, StatementKind::kInsert);
  EXPECT_EQ(i.columns.size(), 3u);
  ASSERT_EQ(i.values.size(), 2u);
  EXPECT_EQ(i.values[1][2]->param_index, 3);
  Statement is = Parse("INSERT INTO t SELECT * FROM u");
  EXPECT_TRUE(is.query);
  EXPECT_TRUE(is.columns.empty());
  Statement none = Parse("SELECT 1 AS one");
  EXPECT_FALSE(Q(none).from);
}

TEST(ParserTest, ScriptsAndSemicolons) {
  EXPECT_EQ(Parse("SELECT 1;").kind, StatementKind::kSelect);
  EXPECT_EQ(Parse("SHOW TABLES ; ;").kind, StatementKind::kShowTables);
  ASSERT_OK_AND_ASSIGN(auto all, ParseScript(";SELECT 1;; SHOW TABLES\n;DESCRIBE t"));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].kind, StatementKind::kDescribe);
  EXPECT_EQ(all[2].pos.line, 2u);
  ASSERT_OK_AND_ASSIGN(auto empty, ParseScript(" -- nothing\n"));
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(ParseScript("SELECT 1; SELEC 2").status().message(),
            "line 1, column 11: expected SELECT, WITH, INSERT, SHOW TABLES, DESCRIBE, EXPLAIN or ALTER TABLE, found 'SELEC'");
}

TEST(ParserTest, RoundTrips) {
  for (const char* sql : {
           "SELECT 1",
           "SELECT DISTINCT symbol FROM trades",
           "SELECT a + b * c, (a + b) * c, a - (b - c), a / b / c, -a, - -a, -(5), -5, +5, 2.50, 1e10",
           "SELECT NOT a, NOT (a AND b), a OR b AND c, (a OR b) AND c, NOT NOT a",
           "SELECT a = b IS NULL, (a IS NULL) = TRUE, a IS NULL IS NOT NULL",
           "SELECT a BETWEEN b + 1 AND c * 2, (a BETWEEN 1 AND 2) = TRUE, (a = b) BETWEEN c AND d",
           "SELECT a IN (1, 2, b + 3), (a IN (1)) IN (TRUE), a NOT LIKE 'x%', (a LIKE b) LIKE c, a || b || 'c'",
           "SELECT CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END, CASE x WHEN 1 THEN 'a' END",
           "SELECT CAST(x AS bigint), x::double, (a + b)::text, -5::int, CAST(-5 AS int), DATE '2026-01-01'",
           "SELECT count(*), count(DISTINCT x), sum(price * size) / sum(size) AS vwap, arg_max(price, ts)",
           "SELECT time_bucket(INTERVAL '1 minute', ts), date_trunc('minute', ts), INTERVAL '1 hour 30 minutes'",
           "SELECT TIMESTAMP '2026-03-02 14:30:00', TIMESTAMP '2026-03-02T14:30:00.5+01:00', INTERVAL '-2 days'",
           "SELECT \"Price\", \"select\", \"a\"\"b\", t.\"x\", \"sample\", \"timestamp\" AS \"interval\"",
           "SELECT $1, $2 + 1, 'it''s', '', NULL, TRUE, FALSE, -9223372036854775808, 9223372036854775807",
           "SELECT * FROM trades AS t WHERE t.ts >= TIMESTAMP '2026-03-02' AND t.symbol IN ('AAPL', 'MSFT')",
           "SELECT t.*, q.* FROM trades t JOIN quotes q ON t.symbol = q.symbol",
           "SELECT * FROM a LEFT JOIN b ON a.x = b.x JOIN c USING (x, y) ASOF JOIN d ON (symbol)",
           "SELECT * FROM trades t ASOF JOIN quotes q ON t.symbol = q.symbol AND t.ts >= q.ts",
           "SELECT * FROM a ASOF JOIN b ASOF JOIN c ON (s) JOIN d ON TRUE",
           "SELECT * FROM trades t ASOF LEFT JOIN quotes q ON t.symbol = q.symbol AND t.ts <= q.ts",
           "SELECT * FROM (SELECT a FROM (SELECT a FROM t) AS i) AS o",
           "WITH x AS (SELECT 1 AS a), y(b) AS (WITH z AS (SELECT 2) SELECT * FROM z) SELECT * FROM x JOIN y ON a = b",
           "SELECT symbol, count(*) FROM t GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC NULLS FIRST, symbol",
           "SELECT * FROM t ORDER BY a ASC NULLS LAST LIMIT 10 OFFSET 20",
           "SELECT * FROM t OFFSET 3",
           "SELECT * FROM t LIMIT $1",
           "SELECT ts, avg(price) FROM trades WHERE symbol = 'A' SAMPLE BY 1m",
           "SELECT ts, avg(price) FROM trades SAMPLE BY 15s FILL(PREV) ALIGN TO CALENDAR",
           "SELECT ts, avg(price) FROM trades SAMPLE BY 90s FILL(NULL, LINEAR, NONE, 0, -1) ALIGN TO FIRST OBSERVATION",
           "SELECT * FROM trades WHERE price > 0 LATEST ON ts PARTITION BY symbol",
           "SELECT * FROM trades LATEST ON ts PARTITION BY symbol SAMPLE BY 1h",
           "SHOW TABLES",
           "DESCRIBE \"My Table\"",
           "EXPLAIN SELECT count(*) FROM trades",
           "EXPLAIN ANALYZE WITH a AS (SELECT 1) SELECT * FROM a",
           "INSERT INTO t VALUES (1, 'a', NULL), (-2, 'b', TIMESTAMP '2026-03-02')",
           "INSERT INTO s.t (a, \"B\") SELECT x, y FROM u WHERE x > 1",
           "SELECT pg_catalog.version(), \"left\"('abc', 1), information_schema.tables.table_name FROM "
           "information_schema.tables",
           "SELECT date_part('hour', ts), extract(minute FROM ts)",
           "SELECT 'é€', \"naïve\" FROM \"таблица\"",
       }) {
    ExpectRoundTrip(sql);
  }
}

TEST(ParserTest, CanonicalText) {
  EXPECT_EQ(Canonical("select  a  x, b as y from t tt where not a=1 order by 1 desc;"),
            "SELECT a AS x, b AS y FROM t AS tt WHERE NOT a = 1 ORDER BY 1 DESC");
  EXPECT_EQ(Canonical("SELECT x::int FROM a asof join b on (s)"), "SELECT CAST(x AS int) FROM a ASOF JOIN b ON (s)");
  EXPECT_EQ(Canonical("SELECT 1 FROM t SAMPLE BY 60s"), "SELECT 1 FROM t SAMPLE BY 1m");
  EXPECT_EQ(Canonical("SELECT INTERVAL '60 minutes'"), "SELECT INTERVAL '1 hour'");
  EXPECT_EQ(Canonical("SELECT * FROM t LIMIT ALL"), "SELECT * FROM t");
}

}  // namespace
}  // namespace strata::sql
