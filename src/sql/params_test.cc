#include "sql/params.h"

#include <gtest/gtest.h>

#include "sql/parser.h"
#include "sql/printer.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

using T = query::ExprType;

TableLookup Trades() {
  return [](std::string_view name) -> Result<TableDef> {
    if (name != "trades") return Status::NotFound("no table");
    TableDef d;
    d.name = "trades";
    d.schema = *Schema::Template("trades");
    return d;
  };
}

std::vector<T> Infer(const std::string& sql) {
  Result<Statement> st = ParseStatement(sql);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  return InferParameterTypes(*st, Trades());
}

TEST(SqlParams, TypesFromContext) {
  EXPECT_EQ(Infer("SELECT price FROM trades WHERE symbol = $1 AND $2 < ts AND size BETWEEN $3 AND $4"),
            (std::vector<T>{T::kSymbol, T::kTimestamp, T::kInt64, T::kInt64}));
  EXPECT_EQ(Infer("SELECT price * $2 FROM trades WHERE trade_id IN ($1, $3) LIMIT $4 OFFSET $5"),
            (std::vector<T>{T::kInt64, T::kFloat64, T::kInt64, T::kInt64, T::kInt64}));
  EXPECT_EQ(Infer("SELECT $1::int, CAST($2 AS double), $3, exchange LIKE $4 FROM trades"),
            (std::vector<T>{T::kInt32, T::kFloat64, T::kString, T::kString}));
  // In a subquery and a CTE, against the inner table.
  EXPECT_EQ(
      Infer("WITH x AS (SELECT * FROM trades WHERE price > $1) SELECT * FROM (SELECT * FROM trades WHERE size = $2) s"),
      (std::vector<T>{T::kFloat64, T::kInt64}));
  EXPECT_TRUE(Infer("SELECT 1").empty());
  // Unknown table: text.
  EXPECT_EQ(Infer("SELECT * FROM nosuch WHERE a = $1"), (std::vector<T>{T::kString}));
}

TEST(SqlParams, SubstitutedAsLiteralsNotText) {
  ASSERT_OK_AND_ASSIGN(Statement st, ParseStatement("SELECT price FROM trades WHERE symbol = $1 AND size > $2"));
  EXPECT_EQ(MaxParameter(st), 2);
  Literal sym;
  sym.kind = LiteralKind::kString;
  sym.text = "x' OR '1'='1";  // stays one string value
  Literal n;
  n.kind = LiteralKind::kInteger;
  n.int_value = 5;
  ASSERT_OK(SubstituteParameters(&st, {sym, n}));
  EXPECT_EQ(ToSql(st), "SELECT price FROM trades WHERE symbol = 'x'' OR ''1''=''1' AND size > 5");
  ASSERT_OK_AND_ASSIGN(Statement st2, ParseStatement("SELECT $1, $3"));
  Status s = SubstituteParameters(&st2, {n});
  EXPECT_EQ(s.message(), "line 1, column 12: no value for parameter $3 (1 given)");
}

Literal Str(const std::string& v) {
  Literal l;
  l.kind = LiteralKind::kString;
  l.text = v;
  return l;
}
Literal Ts(int64_t ns) {
  Literal l;
  l.kind = LiteralKind::kTimestamp;
  l.int_value = ns;
  return l;
}
Literal Int(int64_t v) {
  Literal l;
  l.kind = LiteralKind::kInteger;
  l.int_value = v;
  return l;
}

// What a prepared SELECT bound once (BindPrepared) and given values (ApplyParameters) scans, as
// "from..to symbols empty": the same as binding the statement with the values substituted.
std::string ScanOf(const BoundSelect& b) {
  std::string out = std::to_string(b.scan.from_ts) + ".." + std::to_string(b.scan.to_ts) + " [";
  for (const std::string& s : b.scan.symbols) out += s + ",";
  return out + "]" + (b.empty_range ? " empty" : "") + (b.from_stats ? " stats" : "");
}

TEST(SqlParams, PreparedSelectBoundOnceScansAsTheSubstitutedOne) {
  const int64_t t = 1'772'460'000'000'000'000;
  struct Case {
    std::string sql;
    std::vector<Literal> values;
  };
  const std::vector<Case> cases = {
      {"SELECT * FROM trades WHERE symbol = $1 AND ts >= $2 AND ts < $3", {Str("A"), Ts(t), Ts(t + 60)}},
      {"SELECT price FROM trades WHERE $2 <= ts AND $3 > ts AND symbol = $1", {Str("B"), Ts(t), Ts(t + 5)}},
      {"SELECT count(*), max(price) FROM trades WHERE symbol = $1 AND ts BETWEEN $2 AND $3",
       {Str("A"), Ts(t), Ts(t + 9)}},
      {"SELECT * FROM trades t WHERE t.symbol = $1 AND t.ts > $2 AND t.ts <= $3 AND price > 2",
       {Str("A"), Str("2026-03-02 14:00:00"), Str("2026-03-02T15:00:00Z")}},
      {"SELECT * FROM trades WHERE ts = $1", {Ts(t)}},
      // Literals bound the scan too: the values narrow it further, or empty it.
      {"SELECT * FROM trades WHERE symbol IN ('A', 'B') AND symbol = $1 AND ts >= '2026-03-02' AND ts < $2",
       {Str("B"), Ts(t)}},
      {"SELECT * FROM trades WHERE symbol IN ('A', 'B') AND symbol = $1", {Str("C")}},
      {"SELECT count(*) FROM trades WHERE ts >= $1 AND ts < $2", {Ts(t + 10), Ts(t)}},
      {"SELECT symbol, sum(size) FROM trades WHERE ts >= $1 GROUP BY symbol ORDER BY 2 DESC LIMIT 3", {Ts(t)}},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(Statement st, ParseStatement(c.sql));
    ASSERT_OK_AND_ASSIGN(BoundSelect prepared, BindPrepared(*st.query, Trades()));
    EXPECT_FALSE(prepared.parameter_pushes.empty()) << c.sql;
    BoundSelect run = prepared;
    ASSERT_OK_AND_ASSIGN(bool applied, ApplyParameters(&run, c.values));
    EXPECT_TRUE(applied) << c.sql;
    ASSERT_OK(SubstituteParameters(&st, c.values));
    ASSERT_OK_AND_ASSIGN(BoundSelect direct, BindSelect(*st.query, Trades()));
    EXPECT_EQ(ScanOf(run), ScanOf(direct)) << c.sql;
    EXPECT_EQ(run.scan.columns, direct.scan.columns) << c.sql;
    EXPECT_EQ(run.output.size(), direct.output.size()) << c.sql;
  }
  // A parameter the scan cannot take: bound per execution instead.
  for (const std::string sql : {"SELECT * FROM trades WHERE price > $1", "SELECT $1 FROM trades",
                                "SELECT * FROM trades WHERE symbol = $1 OR ts > $2",
                                "SELECT * FROM trades WHERE symbol = $1 LATEST ON ts PARTITION BY symbol",
                                "SELECT * FROM (SELECT * FROM trades) s WHERE symbol = $1"}) {
    ASSERT_OK_AND_ASSIGN(Statement st, ParseStatement(sql));
    EXPECT_FALSE(BindPrepared(*st.query, Trades()).ok()) << sql;
  }
  // NULL selects nothing (the substituted statement filters every row out).
  {
    ASSERT_OK_AND_ASSIGN(Statement st, ParseStatement("SELECT count(*) FROM trades WHERE symbol = $1 AND ts >= $2"));
    ASSERT_OK_AND_ASSIGN(BoundSelect run, BindPrepared(*st.query, Trades()));
    ASSERT_OK_AND_ASSIGN(bool applied, ApplyParameters(&run, {Str("A"), Literal{}}));
    EXPECT_TRUE(applied);
    EXPECT_TRUE(run.empty_range);
    EXPECT_FALSE(run.from_stats);
  }
  // A value the push-down does not take as it is: false (bind the substituted statement).
  ASSERT_OK_AND_ASSIGN(Statement st, ParseStatement("SELECT * FROM trades WHERE symbol = $1 AND ts >= $2"));
  ASSERT_OK_AND_ASSIGN(BoundSelect prepared, BindPrepared(*st.query, Trades()));
  for (const std::vector<Literal>& values :
       {std::vector<Literal>{Int(1), Ts(t)}, std::vector<Literal>{Str("A"), Int(5)},
        std::vector<Literal>{Str("A"), Str("not a time")}}) {
    BoundSelect run = prepared;
    ASSERT_OK_AND_ASSIGN(bool applied, ApplyParameters(&run, values));
    EXPECT_FALSE(applied);
  }
}

}  // namespace
}  // namespace strata::sql
