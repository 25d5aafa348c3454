// Every error path of the parser: each names its position, and SQL that PostgreSQL or DuckDB
// accept but strata does not support is refused by name (Unsupported), never as a generic
// syntax error. Hostile input returns an error, never a crash.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "sql/parser.h"
#include "sql/printer.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

struct ErrorCase {
  const char* sql;
  StatusCode code;
  const char* message;
};

TEST(ParserErrorsTest, EachErrorNamesItsPosition) {
  const ErrorCase kCases[] = {
      {"SELECT count(*) FORM trades", StatusCode::kInvalidArgument,
       "line 1, column 17: expected FROM or end of statement, found 'FORM'"},
      {"SELECT price FROM trades WHER price > 1", StatusCode::kInvalidArgument,
       "line 1, column 26: expected JOIN, WHERE, GROUP BY, ORDER BY, LIMIT or end of statement, found 'WHER'"},
      {"SELECT a FROM t WHERE a = 1 ADN b = 2", StatusCode::kInvalidArgument,
       "line 1, column 29: expected GROUP BY, ORDER BY, LIMIT or end of statement, found 'ADN'"},
      {"SELECT a, FROM t", StatusCode::kInvalidArgument, "line 1, column 11: expected an expression, found 'FROM'"},
      {"SELECT", StatusCode::kInvalidArgument, "line 1, column 7: expected an expression, found end of input"},
      {"SELECT (1 + 2", StatusCode::kInvalidArgument, "line 1, column 14: expected ')', found end of input"},
      {"SELECT f(1, 2", StatusCode::kInvalidArgument,
       "line 1, column 14: expected ',' or ')' after the arguments of 'f', found end of input"},
      {"SELECT a FROM", StatusCode::kInvalidArgument,
       "line 1, column 14: expected a table name or '(' SELECT, found end of input"},
      {"SELECT a FROM t JOIN u", StatusCode::kInvalidArgument,
       "line 1, column 23: expected ON or USING after the joined table, found end of input"},
      {"SELECT a FROM t WHERE", StatusCode::kInvalidArgument,
       "line 1, column 22: expected an expression, found end of input"},
      {"SELECT CASE WHEN a THEN 1", StatusCode::kInvalidArgument,
       "line 1, column 26: expected WHEN, ELSE or END, found end of input"},
      {"SELECT CASE a END", StatusCode::kInvalidArgument, "line 1, column 15: expected WHEN, found 'END'"},
      {"SELECT CAST(a AS)", StatusCode::kInvalidArgument, "line 1, column 17: expected a type name, found ')'"},
      {"SELECT CAST(a int)", StatusCode::kInvalidArgument, "line 1, column 15: expected AS, found 'int'"},
      {"SELECT a IN 1", StatusCode::kInvalidArgument, "line 1, column 13: expected '(', found '1'"},
      {"SELECT a IN (1 2)", StatusCode::kInvalidArgument,
       "line 1, column 16: expected ',' or ')' in the IN list, found '2'"},
      {"SELECT a BETWEEN 1 OR 2", StatusCode::kInvalidArgument, "line 1, column 20: expected AND, found 'OR'"},
      {"SELECT a IS b", StatusCode::kInvalidArgument,
       "line 1, column 13: expected NULL or NOT NULL after IS, found 'b'"},
      {"SELECT a IS NOT b", StatusCode::kInvalidArgument, "line 1, column 17: expected NULL after IS NOT, found 'b'"},
      {"SELECT * + 1", StatusCode::kInvalidArgument, "line 1, column 10: expected FROM or end of statement, found '+'"},
      {"SELECT t.* + 1", StatusCode::kInvalidArgument,
       "line 1, column 12: expected FROM or end of statement, found '+'"},
      {"SELECT a.b.c.d", StatusCode::kInvalidArgument,
       "line 1, column 14: expected at most three name parts (schema.table.column), found 'd'"},
      {"SELECT 99999999999999999999", StatusCode::kInvalidArgument,
       "line 1, column 8: integer '99999999999999999999' is out of range for a 64-bit integer"},
      {"SELECT 1e999", StatusCode::kInvalidArgument, "line 1, column 8: number '1e999' is out of range for a double"},
      {"SELECT $0", StatusCode::kInvalidArgument, "line 1, column 8: parameter $0 is out of range ($1 to $65535)"},
      {"SELECT $70000", StatusCode::kInvalidArgument,
       "line 1, column 8: parameter $70000 is out of range ($1 to $65535)"},
      {"SELECT TIMESTAMP '2026-13-01'", StatusCode::kInvalidArgument,
       "line 1, column 18: TIMESTAMP literal: bad timestamp '2026-13-01': month out of range"},
      {"SELECT TIMESTAMP '3000-01-01'", StatusCode::kInvalidArgument,
       "line 1, column 18: TIMESTAMP literal: bad timestamp '3000-01-01': outside the supported range "
       "1678-01-01T00:00:00Z to 2261-12-31T23:59:59.999999999Z"},
      {"SELECT INTERVAL 'soon'", StatusCode::kInvalidArgument,
       "line 1, column 17: bad INTERVAL 'soon': expected a whole number such as '5 minutes' or '1m'"},
      {"SELECT INTERVAL '1 month'", StatusCode::kUnsupported,
       "line 1, column 17: INTERVAL '1 month': months and years are not supported (their length varies); use days"},
      {"SELECT INTERVAL '99999999999 days'", StatusCode::kInvalidArgument,
       "line 1, column 17: bad INTERVAL '99999999999 days': too large for 64-bit nanoseconds"},
      {"SELECT 1 FROM t SAMPLE BY 1M", StatusCode::kUnsupported,
       "line 1, column 27: SAMPLE BY in months or years is not supported yet; use days (d) or weeks (w)"},
      {"SELECT 1 FROM t SAMPLE BY 0m", StatusCode::kInvalidArgument,
       "line 1, column 27: SAMPLE BY step must be positive"},
      {"SELECT 1 FROM t SAMPLE BY 1 m", StatusCode::kInvalidArgument,
       "line 1, column 27: expected a SAMPLE BY step such as 1m, 15s, 1h or 1d, found '1'"},
      {"SELECT 1 FROM t SAMPLE BY 1x", StatusCode::kInvalidArgument,
       "line 1, column 27: expected a SAMPLE BY step such as 1m, 15s, 1h or 1d (units ns, us, ms, s, m, h, d, w)"},
      {"SELECT 1 FROM t SAMPLE BY m", StatusCode::kInvalidArgument,
       "line 1, column 27: expected a SAMPLE BY step such as 1m, 15s, 1h or 1d, found 'm'"},
      {"SELECT 1 FROM t SAMPLE BY 1m FILL(a + 1)", StatusCode::kInvalidArgument,
       "line 1, column 35: expected NULL, PREV, LINEAR, NONE or a constant in FILL"},
      {"SELECT 1 FROM t SAMPLE BY 1m FILL(PREV", StatusCode::kInvalidArgument,
       "line 1, column 39: expected ',' or ')' in FILL, found end of input"},
      {"SELECT 1 FROM t SAMPLE BY 1m ALIGN TO NOWHERE", StatusCode::kInvalidArgument,
       "line 1, column 39: expected CALENDAR or FIRST OBSERVATION after ALIGN TO, found 'NOWHERE'"},
      {"SELECT 1 FROM t SAMPLE BY 1m ALIGN TO CALENDAR TIME ZONE 'Europe/London'", StatusCode::kUnsupported,
       "line 1, column 48: ALIGN TO CALENDAR TIME ZONE is not supported yet (timestamps are UTC)"},
      {"SELECT 1 FROM t SAMPLE BY 1m ALIGN TO CALENDAR WITH OFFSET '00:30'", StatusCode::kUnsupported,
       "line 1, column 48: ALIGN TO CALENDAR WITH OFFSET is not supported yet"},
      {"SELECT 1 FROM t SAMPLE BY 1h FROM '2026-01-01' TO '2026-02-01'", StatusCode::kUnsupported,
       "line 1, column 30: SAMPLE BY ... FROM/TO is not supported yet; filter with WHERE"},
      {"SELECT 1 FROM t LATEST BY sym", StatusCode::kUnsupported,
       "line 1, column 24: LATEST BY is QuestDB's old form; use LATEST ON ts PARTITION BY sym"},
      {"SELECT 1 FROM t LATEST ON 1 PARTITION BY s", StatusCode::kInvalidArgument,
       "line 1, column 27: expected a column name in LATEST ON"},
      {"SELECT 1 FROM t LATEST ON ts BY s", StatusCode::kInvalidArgument,
       "line 1, column 30: expected PARTITION, found 'BY'"},
      {"SELECT 1 FROM t ORDER BY a LATEST ON ts PARTITION BY s", StatusCode::kInvalidArgument,
       "line 1, column 28: LATEST must come right after WHERE (before GROUP BY and ORDER BY)"},
      {"SELECT 1 FROM t ORDER BY a NULLS", StatusCode::kInvalidArgument,
       "line 1, column 33: expected FIRST or LAST after NULLS, found end of input"},
      {"SELECT 1 FROM t LIMIT 1 LIMIT 2", StatusCode::kInvalidArgument, "line 1, column 25: LIMIT given twice"},
      {"SELECT 1 FROM t OFFSET 1 OFFSET 2", StatusCode::kInvalidArgument, "line 1, column 26: OFFSET given twice"},
      {"SELECT 1 FROM t LIMIT 5, 10", StatusCode::kUnsupported,
       "line 1, column 24: LIMIT a, b is not supported; use LIMIT n OFFSET m"},
      {"SELECT * FROM t ASOF JOIN u USING (s, ts)", StatusCode::kUnsupported,
       "line 1, column 29: ASOF JOIN ... USING is not supported yet; use ON t.symbol = q.symbol AND t.ts >= q.ts or "
       "QuestDB's ON (symbol)"},
      {"SELECT avg(x) OVER (PARTITION BY s) FROM t", StatusCode::kUnsupported,
       "line 1, column 15: window functions are not supported yet"},
      {"SELECT 1 FROM t WINDOW w AS (ORDER BY ts)", StatusCode::kUnsupported,
       "line 1, column 17: window functions are not supported yet (WINDOW clause)"},
      {"SELECT * FROM a RIGHT JOIN b ON a.x = b.x", StatusCode::kUnsupported,
       "line 1, column 17: RIGHT JOIN is not supported yet"},
      {"SELECT * FROM a FULL OUTER JOIN b ON a.x = b.x", StatusCode::kUnsupported,
       "line 1, column 17: FULL JOIN is not supported yet"},
      {"SELECT * FROM a CROSS JOIN b", StatusCode::kUnsupported, "line 1, column 17: CROSS JOIN is not supported yet"},
      {"SELECT * FROM a NATURAL JOIN b", StatusCode::kUnsupported,
       "line 1, column 17: NATURAL JOIN is not supported yet"},
      {"SELECT * FROM a, b", StatusCode::kUnsupported,
       "line 1, column 16: comma-separated FROM lists (implicit cross joins) are not supported yet; use JOIN ... ON"},
      {"SELECT * FROM a LT JOIN b", StatusCode::kUnsupported, "line 1, column 17: LT JOIN is not supported yet"},
      {"SELECT * FROM a ASOF LEFT JOIN b", StatusCode::kInvalidArgument,
       "line 1, column 33: expected ON or USING after the joined table, found end of input"},
      {"SELECT * FROM a LEFT ASOF JOIN b ON a.x = b.x", StatusCode::kUnsupported,
       "line 1, column 17: LEFT ASOF JOIN is not supported; write ASOF LEFT JOIN"},
      {"SELECT * FROM a JOIN LATERAL (SELECT 1) x ON TRUE", StatusCode::kUnsupported,
       "line 1, column 22: LATERAL is not supported yet"},
      {"SELECT * FROM (a JOIN b ON a.x = b.x)", StatusCode::kUnsupported,
       "line 1, column 15: parenthesized joins in FROM are not supported yet"},
      {"SELECT * FROM read_parquet('x.parquet')", StatusCode::kUnsupported,
       "line 1, column 15: table functions (read_parquet(...)) are not supported yet"},
      {"SELECT * FROM t x(a, b)", StatusCode::kUnsupported,
       "line 1, column 18: column aliases in FROM (t(a, b)) are not supported yet"},
      {"SELECT * FROM t TABLESAMPLE SYSTEM (10)", StatusCode::kUnsupported,
       "line 1, column 17: TABLESAMPLE is not supported yet"},
      {"SELECT * FROM (VALUES (1)) v", StatusCode::kUnsupported,
       "line 1, column 16: VALUES lists in FROM are not supported yet"},
      {"SELECT 1 UNION SELECT 2", StatusCode::kUnsupported, "line 1, column 10: UNION is not supported yet"},
      {"SELECT 1 FROM t UNION ALL SELECT 2", StatusCode::kUnsupported, "line 1, column 17: UNION is not supported yet"},
      {"SELECT 1 FROM t ORDER BY 1 EXCEPT SELECT 2", StatusCode::kUnsupported,
       "line 1, column 28: EXCEPT is not supported yet"},
      {"SELECT 1 INTERSECT SELECT 2", StatusCode::kUnsupported, "line 1, column 10: INTERSECT is not supported yet"},
      {"SELECT DISTINCT ON (a) a FROM t", StatusCode::kUnsupported,
       "line 1, column 17: DISTINCT ON is not supported yet"},
      {"SELECT count(*) FILTER (WHERE a) FROM t", StatusCode::kUnsupported,
       "line 1, column 17: aggregate FILTER clauses are not supported yet"},
      {"SELECT string_agg(a ORDER BY b) FROM t", StatusCode::kUnsupported,
       "line 1, column 21: ORDER BY inside an aggregate is not supported yet"},
      {"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t", StatusCode::kUnsupported,
       "line 1, column 29: WITHIN GROUP is not supported yet"},
      {"SELECT (SELECT 1)", StatusCode::kUnsupported,
       "line 1, column 9: subqueries in expressions are not supported yet; use a JOIN or a CTE"},
      {"SELECT a FROM t WHERE a IN (SELECT b FROM u)", StatusCode::kUnsupported,
       "line 1, column 29: IN (subquery) is not supported yet; use a JOIN"},
      {"SELECT a FROM t WHERE EXISTS (SELECT 1)", StatusCode::kUnsupported,
       "line 1, column 23: EXISTS subqueries are not supported yet"},
      {"SELECT a FROM t WHERE NOT EXISTS (SELECT 1)", StatusCode::kUnsupported,
       "line 1, column 27: EXISTS subqueries are not supported yet"},
      {"SELECT a = ANY(b) FROM t", StatusCode::kUnsupported,
       "line 1, column 12: ANY/ALL/SOME comparisons are not supported yet; use IN (...)"},
      {"SELECT a IS DISTINCT FROM b", StatusCode::kUnsupported,
       "line 1, column 13: IS [NOT] DISTINCT FROM is not supported yet"},
      {"SELECT a IS TRUE", StatusCode::kUnsupported,
       "line 1, column 13: IS [NOT] TRUE/FALSE/UNKNOWN is not supported yet; use = TRUE"},
      {"SELECT a SIMILAR TO 'x'", StatusCode::kUnsupported,
       "line 1, column 10: SIMILAR TO is not supported yet; use LIKE"},
      {"SELECT a LIKE 'x' ESCAPE '!'", StatusCode::kUnsupported,
       "line 1, column 19: LIKE ... ESCAPE is not supported yet"},
      {"SELECT a BETWEEN SYMMETRIC 1 AND 2", StatusCode::kUnsupported,
       "line 1, column 18: BETWEEN SYMMETRIC is not supported yet"},
      {"SELECT a[1]", StatusCode::kUnsupported, "line 1, column 9: array subscripts are not supported yet"},
      {"SELECT ARRAY[1, 2]", StatusCode::kUnsupported, "line 1, column 8: arrays are not supported yet"},
      {"SELECT x::int[]", StatusCode::kUnsupported, "line 1, column 14: array types are not supported yet"},
      {"SELECT ts AT TIME ZONE 'UTC'", StatusCode::kUnsupported,
       "line 1, column 11: AT TIME ZONE is not supported yet (timestamps are UTC)"},
      {"SELECT a COLLATE \"C\"", StatusCode::kUnsupported, "line 1, column 10: COLLATE is not supported yet"},
      {"SELECT (1, 2)", StatusCode::kUnsupported, "line 1, column 10: row constructors (a, b) are not supported yet"},
      {"SELECT ROW(1, 2)", StatusCode::kUnsupported, "line 1, column 8: row constructors are not supported yet"},
      {"SELECT * EXCLUDE (a) FROM t", StatusCode::kUnsupported,
       "line 1, column 10: * EXCLUDE/REPLACE is not supported yet"},
      {"SELECT a INTO b FROM t", StatusCode::kUnsupported,
       "line 1, column 10: SELECT INTO is not supported; use INSERT INTO ... SELECT"},
      {"SELECT a FROM t GROUP BY ROLLUP (a)", StatusCode::kUnsupported,
       "line 1, column 26: ROLLUP, CUBE and GROUPING SETS are not supported yet"},
      {"SELECT a FROM t GROUP BY GROUPING SETS ((a))", StatusCode::kUnsupported,
       "line 1, column 26: ROLLUP, CUBE and GROUPING SETS are not supported yet"},
      {"SELECT a FROM t GROUP BY ALL", StatusCode::kUnsupported,
       "line 1, column 26: GROUP BY ALL is not supported yet; list the columns"},
      {"SELECT a FROM t FETCH FIRST 1 ROWS ONLY", StatusCode::kUnsupported,
       "line 1, column 17: FETCH FIRST is not supported yet; use LIMIT"},
      {"SELECT a FROM t FOR UPDATE", StatusCode::kUnsupported, "line 1, column 17: FOR UPDATE/SHARE is not supported"},
      {"SELECT a FROM t ORDER BY a USING <", StatusCode::kUnsupported,
       "line 1, column 28: ORDER BY ... USING is not supported yet"},
      {"SELECT a FROM t QUALIFY a > 1", StatusCode::kUnsupported, "line 1, column 17: QUALIFY is not supported yet"},
      {"WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", StatusCode::kUnsupported,
       "line 1, column 6: WITH RECURSIVE is not supported yet"},
      {"WITH r AS MATERIALIZED (SELECT 1) SELECT * FROM r", StatusCode::kUnsupported,
       "line 1, column 11: [NOT] MATERIALIZED is not supported yet"},
      {"WITH r AS (SELECT 1)", StatusCode::kInvalidArgument,
       "line 1, column 21: expected ',' or SELECT after the WITH queries, found end of input"},
      {"WITH r AS (SELECT 1 SELECT 2", StatusCode::kInvalidArgument,
       "line 1, column 21: expected FROM or ')' ending the WITH query, found 'SELECT'"},
      {"WITH r (SELECT 1) SELECT 1", StatusCode::kInvalidArgument,
       "line 1, column 9: expected a column name, found the keyword 'SELECT' (quote it to use it as a name: "
       "\"select\")"},
      {"VALUES (1)", StatusCode::kUnsupported, "line 1, column 1: VALUES as a query is not supported yet"},
      {"UPDATE t SET a = 1", StatusCode::kUnsupported, "line 1, column 1: UPDATE statements are not supported yet"},
      {"DELETE FROM t", StatusCode::kUnsupported, "line 1, column 1: DELETE statements are not supported yet"},
      {"CREATE TABLE t (a int)", StatusCode::kUnsupported, "line 1, column 1: CREATE statements are not supported yet"},
      {"SET search_path = x", StatusCode::kUnsupported, "line 1, column 1: SET statements are not supported yet"},
      {"BEGIN", StatusCode::kUnsupported, "line 1, column 1: BEGIN statements are not supported yet"},
      {"SELEC 1", StatusCode::kInvalidArgument,
       "line 1, column 1: expected SELECT, WITH, INSERT, SHOW TABLES, DESCRIBE, EXPLAIN or ALTER TABLE, found 'SELEC'"},
      {"SELECT 1; SELECT 2", StatusCode::kInvalidArgument,
       "line 1, column 11: expected end of input after ';' (one statement at a time), found 'SELECT'"},
      {"INSERT t VALUES (1)", StatusCode::kInvalidArgument, "line 1, column 8: expected INTO, found 't'"},
      {"INSERT INTO t", StatusCode::kInvalidArgument,
       "line 1, column 14: expected '(', VALUES or SELECT, found end of input"},
      {"INSERT INTO t (a) (1)", StatusCode::kInvalidArgument,
       "line 1, column 19: expected VALUES or SELECT, found '('"},
      {"INSERT INTO t VALUES (1", StatusCode::kInvalidArgument,
       "line 1, column 24: expected ',' or ')' in the VALUES row, found end of input"},
      {"INSERT INTO t VALUES (DEFAULT)", StatusCode::kUnsupported,
       "line 1, column 23: DEFAULT in VALUES is not supported yet"},
      {"INSERT INTO t DEFAULT VALUES", StatusCode::kUnsupported,
       "line 1, column 15: INSERT ... DEFAULT VALUES is not supported yet"},
      {"INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING", StatusCode::kUnsupported,
       "line 1, column 26: INSERT ... ON CONFLICT is not supported yet"},
      {"INSERT INTO t VALUES (1) RETURNING *", StatusCode::kUnsupported,
       "line 1, column 26: INSERT ... RETURNING is not supported yet"},
      {"INSERT INTO t VALUES (1) (2)", StatusCode::kInvalidArgument,
       "line 1, column 26: expected ',' or end of statement, found '('"},
      {"SHOW", StatusCode::kInvalidArgument, "line 1, column 5: expected TABLES, found end of input"},
      {"SHOW search_path", StatusCode::kUnsupported,
       "line 1, column 6: SHOW SEARCH_PATH is not supported yet (SHOW TABLES is)"},
      {"SHOW TABLES x", StatusCode::kInvalidArgument, "line 1, column 13: expected end of statement, found 'x'"},
      {"DESCRIBE", StatusCode::kInvalidArgument, "line 1, column 9: expected a table name, found end of input"},
      {"DESCRIBE SELECT 1", StatusCode::kUnsupported,
       "line 1, column 10: DESCRIBE of a query is not supported yet; DESCRIBE a table"},
      {"DESCRIBE t u", StatusCode::kInvalidArgument, "line 1, column 12: expected end of statement, found 'u'"},
      {"EXPLAIN", StatusCode::kInvalidArgument,
       "line 1, column 8: expected SELECT or WITH after EXPLAIN, found end of input"},
      {"EXPLAIN (ANALYZE) SELECT 1", StatusCode::kUnsupported,
       "line 1, column 9: EXPLAIN options (...) are not supported yet"},
      {"EXPLAIN VERBOSE SELECT 1", StatusCode::kUnsupported, "line 1, column 9: EXPLAIN VERBOSE is not supported yet"},
      {"EXPLAIN INSERT INTO t VALUES (1)", StatusCode::kUnsupported,
       "line 1, column 9: EXPLAIN INSERT is not supported yet; EXPLAIN a SELECT"},
      {"EXPLAIN SHOW TABLES", StatusCode::kUnsupported,
       "line 1, column 9: EXPLAIN SHOW is not supported yet; EXPLAIN a SELECT"},
      {"SELECT 1 AS FROM t", StatusCode::kInvalidArgument,
       "line 1, column 13: expected an alias after AS, found the keyword 'FROM' (quote it to use it as a name: "
       "\"from\")"},
      {"SELECT a AS select FROM t", StatusCode::kInvalidArgument,
       "line 1, column 13: expected an alias after AS, found the keyword 'select' (quote it to use it as a name: "
       "\"select\")"},
      {"SELECT order FROM t", StatusCode::kInvalidArgument, "line 1, column 8: expected an expression, found 'order'"},
      {"SELECT * FROM select", StatusCode::kInvalidArgument,
       "line 1, column 15: expected a table name or '(' SELECT, found the keyword 'select' (quote it to use it as a "
       "name: \"select\")"},
      {"SELECT a x y FROM t", StatusCode::kInvalidArgument,
       "line 1, column 10: expected FROM or end of statement, found 'x'"},
      {"SELECT 1 'x'", StatusCode::kInvalidArgument,
       "line 1, column 10: expected FROM or end of statement, found string 'x'"},
      {"SELECT * FROM t WHERE a = 1 2", StatusCode::kInvalidArgument,
       "line 1, column 29: expected GROUP BY, ORDER BY, LIMIT or end of statement, found '2'"},
      {"SELECT a FROM (SELECT a FROM t WHER a > 1) s", StatusCode::kInvalidArgument,
       "line 1, column 32: expected JOIN, WHERE, GROUP BY, ORDER BY, LIMIT or end of statement, found 'WHER'"},
      {"SELECT a FROM (SELECT a FROM t", StatusCode::kInvalidArgument,
       "line 1, column 31: expected JOIN, WHERE, GROUP BY, ORDER BY, LIMIT or ')' ending the subquery, found end of "
       "input"},
      {"SELECT -", StatusCode::kInvalidArgument, "line 1, column 9: expected an expression, found end of input"},
      {"SELECT 1 +", StatusCode::kInvalidArgument, "line 1, column 11: expected an expression, found end of input"},
      {"SELECT f(DISTINCT *)", StatusCode::kInvalidArgument,
       "line 1, column 19: expected an expression ('*' only stands alone in a select list or count(*)), found '*'"},
      {"SELECT count(*, a)", StatusCode::kInvalidArgument,
       "line 1, column 14: expected an expression ('*' only stands alone in a select list or count(*)), found '*'"},
      {"SELECT x::", StatusCode::kInvalidArgument, "line 1, column 11: expected a type name, found end of input"},
      {"SELECT x::decimal(a)", StatusCode::kInvalidArgument,
       "line 1, column 19: expected an integer type modifier, found 'a'"},
      {"SELECT TIMESTAMP 'x' 'y'", StatusCode::kInvalidArgument,
       "line 1, column 22: expected one string after TIMESTAMP, found string 'y'"},
      {"SELECT EXTRACT(FROM ts)", StatusCode::kInvalidArgument,
       "line 1, column 16: expected a field name (EXTRACT(hour FROM ts)), found 'FROM'"},
      {"SELECT EXTRACT(hour ts)", StatusCode::kInvalidArgument, "line 1, column 21: expected FROM, found 'ts'"},
  };
  for (const ErrorCase& c : kCases) {
    auto r = ParseStatement(c.sql);
    ASSERT_FALSE(r.ok()) << c.sql;
    EXPECT_EQ(r.status().code(), c.code) << c.sql << "\n" << r.status().ToString();
    EXPECT_EQ(r.status().message(), c.message) << c.sql;
  }
}

TEST(ParserErrorsTest, PositionsOnLaterLines) {
  auto r = ParseStatement("SELECT a,\n       b\n  FROM trades\n WHERE a >\n");
  EXPECT_EQ(r.status().message(), "line 5, column 1: expected an expression, found end of input");
  r = ParseStatement("SELECT 'é', x\nFORM t");
  EXPECT_EQ(r.status().message(), "line 2, column 1: expected FROM or end of statement, found 'FORM'");
  r = ParseStatement("SELECT 1 FROM t\nWHERE ts > TIMESTAMP\n  '2026-02-30'");
  EXPECT_EQ(r.status().message(), "line 3, column 3: TIMESTAMP literal: bad timestamp '2026-02-30': day out of range");
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string DeepTooDeep(int levels) {
  return "line 1, column " + std::to_string(levels) + ": expression or query nested too deeply (more than 200 levels)";
}

TEST(ParserErrorsTest, NestingIsCapped) {
  // Just inside the cap parses; far beyond it is an error, not a stack overflow.
  ASSERT_OK(ParseStatement("SELECT " + Repeat("(", 150) + "1" + Repeat(")", 150)));
  for (int n : {201, 1000, 20000}) {
    auto r = ParseStatement("SELECT " + Repeat("(", n) + "1" + Repeat(")", n));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("nested too deeply"), std::string::npos) << r.status().message();
  }
  for (const std::string& prefix : {std::string("+"), std::string("NOT "), std::string("- ")}) {
    auto r = ParseStatement("SELECT " + Repeat(prefix, 20000) + "x");
    ASSERT_FALSE(r.ok()) << prefix;
    EXPECT_NE(r.status().message().find("nested too deeply"), std::string::npos) << r.status().message();
  }
  // Long left-deep chains are as deep as they are long, for whoever walks the tree later.
  for (const std::string& op : {std::string(" + 1"), std::string(" AND a"), std::string(" || 'x'"), std::string(" = 1"),
                                std::string("::int"), std::string(" IS NULL")}) {
    auto r = ParseStatement("SELECT 1" + Repeat(op, 20000));
    ASSERT_FALSE(r.ok()) << op;
    EXPECT_NE(r.status().message().find("nested too deeply"), std::string::npos) << r.status().message();
    ASSERT_OK(ParseStatement("SELECT 1" + Repeat(op, 150)));
  }
  auto joins = ParseStatement("SELECT * FROM t" + Repeat(" JOIN t USING (a)", 20000));
  EXPECT_NE(joins.status().message().find("nested too deeply"), std::string::npos) << joins.status().message();
  ASSERT_OK(ParseStatement("SELECT * FROM t" + Repeat(" JOIN t USING (a)", 150)));
  auto subqueries = ParseStatement(Repeat("SELECT * FROM (", 20000) + "SELECT 1" + Repeat(")", 20000));
  EXPECT_NE(subqueries.status().message().find("nested too deeply"), std::string::npos);
  auto ctes = ParseStatement(Repeat("WITH a AS (", 20000) + "SELECT 1" + Repeat(") SELECT 1", 20000));
  EXPECT_NE(ctes.status().message().find("nested too deeply"), std::string::npos);
  auto cases = ParseStatement("SELECT " + Repeat("CASE WHEN a THEN ", 20000) + "1");
  EXPECT_NE(cases.status().message().find("nested too deeply"), std::string::npos);
  auto calls = ParseStatement("SELECT " + Repeat("f(", 20000) + "1" + Repeat(")", 20000));
  EXPECT_NE(calls.status().message().find("nested too deeply"), std::string::npos);
  EXPECT_EQ(ParseStatement("SELECT " + Repeat("(", 300) + "1").status().message(), DeepTooDeep(207));
}

TEST(ParserErrorsTest, HugeAndStrangeInput) {
  const std::string big(1 << 20, 'x');
  ASSERT_OK_AND_ASSIGN(Statement s, ParseStatement("SELECT '" + big + "'"));
  EXPECT_EQ(s.query->select[0].expr->literal.text.size(), big.size());
  ASSERT_OK(ParseStatement("SELECT " + big));
  ASSERT_OK(ParseStatement("SELECT \"" + big + "\""));
  EXPECT_EQ(ParseStatement("SELECT " + std::string(5000, '9')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseStatement("SELECT 0." + std::string(5000, '1')).status().code(), StatusCode::kOk);
  EXPECT_EQ(ParseStatement("SELECT $" + std::string(5000, '9')).status().message(),
            "line 1, column 8: parameter $99999999999999999999 is out of range ($1 to $65535)");
  ASSERT_OK(ParseStatement("SELECT 1 IN (" + Repeat("1, ", 20000) + "1)"));
  EXPECT_EQ(ParseStatement(std::string("SELECT 1\0", 9)).status().message(), "line 1, column 9: NUL byte in SQL text");
  EXPECT_EQ(ParseStatement("SELECT '\x80'").status().message(), "line 1, column 9: invalid UTF-8 (byte 0x80)");
}

// A bounded, seeded mutation run over valid queries (tools/fuzz.sh runs the same check under
// libFuzzer): any bytes give a statement or an error; every statement prints to SQL that parses
// back to the same tree.
TEST(ParserErrorsTest, MutatedQueriesNeverCrashAndStillRoundTrip) {
  const std::vector<std::string> seeds = {
      "SELECT symbol, avg(price) AS ap FROM trades t WHERE ts >= TIMESTAMP '2026-03-02' GROUP BY 1 ORDER BY 2 DESC",
      "WITH b AS (SELECT 1 AS a) SELECT * FROM b JOIN c ON b.a = c.a LIMIT 5 OFFSET 1",
      "SELECT ts, first(price) FROM trades SAMPLE BY 1m FILL(PREV) ALIGN TO CALENDAR",
      "SELECT * FROM trades ASOF JOIN quotes ON (symbol) LATEST ON ts PARTITION BY symbol",
      "INSERT INTO t (a, b) VALUES (1, 'x''y'), ($1, -2.5e3)",
      "SELECT CASE WHEN a IS NOT NULL THEN CAST(a AS int) ELSE -1 END, x::text, b NOT BETWEEN 1 AND 2",
  };
  std::mt19937 rng(21);
  const std::string alphabet = "()',;.-+*/%<>=:|$\"\n 0123456789aeiouxyzSELCTFROMWHE\xc3\xa9\x80";
  int parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0: text.erase(at, 1 + rng() % 8); break;
        case 1: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        default: text[at] = alphabet[rng() % alphabet.size()]; break;
      }
    }
    auto r = ParseStatement(text);
    if (!r.ok()) {
      ASSERT_EQ(r.status().message().rfind("line ", 0), 0u) << text << "\n" << r.status().message();
      continue;
    }
    ++parsed;
    const std::string printed = ToSql(*r);
    auto again = ParseStatement(printed);
    ASSERT_TRUE(again.ok()) << text << "\n" << printed << "\n" << again.status().ToString();
    ASSERT_TRUE(SameStatement(*r, *again)) << text << "\n" << printed;
  }
  EXPECT_GT(parsed, 1000);
}

}  // namespace
}  // namespace strata::sql
