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

}  // namespace
}  // namespace strata::sql
