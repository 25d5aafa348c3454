#include "query/expr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "query/expr_internal.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

using expr_internal::FormatDoubleSql;
using expr_internal::FormatTimestampSql;

// a: i32?, b: i64?, x: f64?, s: string?, t: timestamp
std::vector<Field> F() {
  return {{"a", ColumnType::kInt32, true},
          {"b", ColumnType::kInt64, true},
          {"x", ColumnType::kFloat64, true},
          {"s", ColumnType::kString, true},
          {"t", ColumnType::kTimestamp, false}};
}

RecordBatch Random(std::mt19937_64* rng, size_t n) {
  RecordBatch b(F());
  for (size_t i = 0; i < n; ++i) {
    auto maybe_null = [&](Column& c, auto append) {
      if ((*rng)() % 6 == 0) {
        c.AppendNull();
      } else {
        append();
      }
    };
    maybe_null(b.column(0), [&] { b.column(0).AppendInt32(static_cast<int32_t>((*rng)() % 21) - 10); });
    maybe_null(b.column(1), [&] { b.column(1).AppendInt64(static_cast<int64_t>((*rng)() % 2001) - 1000); });
    maybe_null(b.column(2), [&] { b.column(2).AppendDouble(static_cast<double>((*rng)() % 41) / 4 - 5); });
    maybe_null(b.column(3), [&] { b.column(3).AppendString(std::string(1 + (*rng)() % 3, "abc"[(*rng)() % 3])); });
    b.column(4).AppendInt64(DaysFromCivil(2026, 1, 31) * kNanosPerDay +
                            static_cast<int64_t>((*rng)() % 1000) * kNanosPerMinute);
  }
  return b;
}

Result<Column> Eval(const Expr& e, const RecordBatch& b) {
  ASSIGN_OR_RETURN(auto bound, BoundExpr::Bind(e, b.fields()));
  return bound->Evaluate(b);
}

// One value of a constant expression, as DuckDB would print it.
std::string One(const Expr& e) {
  RecordBatch b(F());
  b.column(4).AppendInt64(0);
  b.column(0).AppendNull();
  b.column(1).AppendNull();
  b.column(2).AppendNull();
  b.column(3).AppendNull();
  auto c = Eval(e, b);
  if (!c.ok()) return "ERROR " + c.status().message();
  if (c->IsNull(0)) return "NULL";
  switch (c->type()) {
    case ColumnType::kBool: return c->bools()[0] ? "true" : "false";
    case ColumnType::kInt32: return std::to_string(c->int32s()[0]);
    case ColumnType::kInt64: return std::to_string(c->int64s()[0]);
    case ColumnType::kFloat64: return FormatDoubleSql(c->doubles()[0]);
    case ColumnType::kTimestamp: return FormatTimestampSql(c->int64s()[0]);
    default: return std::string(c->GetString(0));
  }
}

Expr I32(int32_t v) { return Lit(Value::Int32(v)); }
Expr I64(int64_t v) { return Lit(Value::Int64(v)); }
Expr D(double v) { return Lit(Value::Float64(v)); }
Expr S(std::string v) { return Lit(Value::String(std::move(v))); }
Expr Ts(const char* text) { return Lit(Value::Timestamp(*ParseTimestamp(text))); }
Expr Iv(const char* text) { return Lit(Value::OfInterval(*ParseInterval(text))); }
Expr Null() { return Lit(Value::Null()); }

TEST(Expr, ArithmeticAndComparisonsMatchBruteForceWithNulls) {
  std::mt19937_64 rng(5);
  RecordBatch b = Random(&rng, 500);
  const Column& a = b.column(0);
  const Column& bb = b.column(1);
  const Column& x = b.column(2);
  for (BinaryOp op :
       {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv, BinaryOp::kIntDiv, BinaryOp::kMod}) {
    // i32 op i64 -> i64 (f64 for /)
    ASSERT_OK_AND_ASSIGN(Column got, Eval(Binary(op, Col("a"), Col("b")), b));
    ASSERT_OK_AND_ASSIGN(Column gotf, Eval(Binary(op, Col("x"), Col("a")), b));
    for (size_t i = 0; i < b.num_rows(); ++i) {
      SCOPED_TRACE(std::string(BinaryOpText(op)) + " row " + b.RowToString(i));
      const bool null = a.IsNull(i) || bb.IsNull(i);
      const int64_t p = a.int32s()[i], q = bb.int64s()[i];
      if (op == BinaryOp::kDiv) {
        ASSERT_EQ(got.type(), ColumnType::kFloat64);
        ASSERT_EQ(got.IsNull(i), null || q == 0);
        if (!got.IsNull(i)) {
          EXPECT_EQ(got.doubles()[i], static_cast<double>(p) / static_cast<double>(q));
        }
      } else {
        ASSERT_EQ(got.type(), ColumnType::kInt64);
        const bool zero = (op == BinaryOp::kIntDiv || op == BinaryOp::kMod) && q == 0;
        ASSERT_EQ(got.IsNull(i), null || zero);
        if (!got.IsNull(i)) {
          const int64_t want = op == BinaryOp::kAdd   ? p + q
                               : op == BinaryOp::kSub ? p - q
                               : op == BinaryOp::kMul ? p * q
                               : op == BinaryOp::kMod ? p % q
                                                      : p / q;
          EXPECT_EQ(got.int64s()[i], want);
        }
      }
      ASSERT_EQ(gotf.type(), ColumnType::kFloat64);
      const double xd = x.doubles()[i], ad = p;
      const bool fnull = x.IsNull(i) || a.IsNull(i) ||
                         ((op == BinaryOp::kDiv || op == BinaryOp::kIntDiv || op == BinaryOp::kMod) && p == 0);
      ASSERT_EQ(gotf.IsNull(i), fnull);
      if (!fnull) {
        const double want = op == BinaryOp::kAdd   ? xd + ad
                            : op == BinaryOp::kSub ? xd - ad
                            : op == BinaryOp::kMul ? xd * ad
                            : op == BinaryOp::kMod ? std::fmod(xd, ad)
                                                   : xd / ad;
        EXPECT_EQ(gotf.doubles()[i], want);
      }
    }
  }
  for (BinaryOp op : {BinaryOp::kEq, BinaryOp::kNe, BinaryOp::kLt, BinaryOp::kLe, BinaryOp::kGt, BinaryOp::kGe}) {
    ASSERT_OK_AND_ASSIGN(Column got, Eval(Binary(op, Col("x"), Col("b")), b));
    ASSERT_OK_AND_ASSIGN(Column gots, Eval(Binary(op, Col("s"), S("b")), b));
    for (size_t i = 0; i < b.num_rows(); ++i) {
      const int c = x.doubles()[i] < static_cast<double>(bb.int64s()[i])
                        ? -1
                        : x.doubles()[i] > static_cast<double>(bb.int64s()[i]);
      const int cs = b.column(3).GetString(i).compare("b");
      auto want = [op](int c) {
        return op == BinaryOp::kEq   ? c == 0
               : op == BinaryOp::kNe ? c != 0
               : op == BinaryOp::kLt ? c < 0
               : op == BinaryOp::kLe ? c <= 0
               : op == BinaryOp::kGt ? c > 0
                                     : c >= 0;
      };
      ASSERT_EQ(got.IsNull(i), x.IsNull(i) || bb.IsNull(i));
      if (!got.IsNull(i)) {
        EXPECT_EQ(got.bools()[i] != 0, want(c)) << b.RowToString(i);
      }
      ASSERT_EQ(gots.IsNull(i), b.column(3).IsNull(i));
      if (!gots.IsNull(i)) {
        EXPECT_EQ(gots.bools()[i] != 0, want(cs)) << b.RowToString(i);
      }
    }
  }
}

TEST(Expr, DuckDBArithmeticEdges) {
  // Values from DuckDB 1.5 (SELECT ...).
  EXPECT_EQ(One(Binary(BinaryOp::kDiv, I32(1), I32(0))), "NULL");
  EXPECT_EQ(One(Binary(BinaryOp::kIntDiv, I32(1), I32(0))), "NULL");
  EXPECT_EQ(One(Binary(BinaryOp::kMod, I32(5), I32(0))), "NULL");
  EXPECT_EQ(One(Binary(BinaryOp::kDiv, D(1.0), I32(0))), "NULL");
  EXPECT_EQ(One(Binary(BinaryOp::kDiv, I32(7), I32(2))), "3.5");
  EXPECT_EQ(One(Binary(BinaryOp::kIntDiv, I32(-7), I32(2))), "-3");
  EXPECT_EQ(One(Binary(BinaryOp::kMod, I32(-7), I32(2))), "-1");
  EXPECT_EQ(One(Binary(BinaryOp::kIntDiv, D(-7.5), I32(2))), "-3.75");
  EXPECT_EQ(One(Binary(BinaryOp::kMod, D(-7.5), I32(2))), "-1.5");
  EXPECT_EQ(One(Binary(BinaryOp::kAdd, D(0.1), D(0.2))), "0.30000000000000004");
  EXPECT_NE(One(Binary(BinaryOp::kAdd, I64(INT64_MAX), I64(1))).find("overflow"), std::string::npos);
  EXPECT_NE(One(Binary(BinaryOp::kAdd, I32(INT32_MAX), I32(1))).find("overflow"), std::string::npos);
  EXPECT_EQ(One(Binary(BinaryOp::kAdd, I32(INT32_MAX), I64(1))), "2147483648");
  EXPECT_NE(One(Binary(BinaryOp::kIntDiv, I64(INT64_MIN), I64(-1))).find("overflow"), std::string::npos);
  EXPECT_NE(One(Neg(I64(INT64_MIN))).find("overflow"), std::string::npos);
  EXPECT_NE(One(Func("abs", {I64(INT64_MIN)})).find("overflow"), std::string::npos);
  EXPECT_NE(One(Func("ln", {I32(0)})).find("logarithm of zero"), std::string::npos);
  EXPECT_NE(One(Func("sqrt", {I32(-1)})).find("square root"), std::string::npos);
  EXPECT_EQ(One(Func("round", {D(-2.5)})), "-3.0");
  EXPECT_EQ(One(Func("round", {I32(5), I32(-1)})), "10");
  for (auto [x, digits, want] : std::vector<std::tuple<double, int, const char*>>{
           {2.345, 2, "2.35"}, {1.005, 2, "1.0"}, {0.285, 2, "0.28"}, {-2.675, 2, "-2.68"}, {123.456, -1, "120.0"}}) {
    EXPECT_EQ(One(Func("round", {D(x), I32(digits)})), want) << x;
  }
  EXPECT_EQ(One(Func("power", {I32(2), D(0.5)})), "1.4142135623730951");
  EXPECT_EQ(One(Func("exp", {I32(1000)})), "inf");
  // The error names the expression.
  std::string err = One(Binary(BinaryOp::kMul, I64(INT64_MAX), Col("b")));
  EXPECT_EQ(err, "NULL");  // b is null in One's row: no overflow check on null rows
}

TEST(Expr, OverflowOnlyCountsValidRowsAndNamesTheExpression) {
  RecordBatch b(F());
  for (int64_t v : {int64_t{1}, INT64_MAX}) {
    b.column(0).AppendNull();
    b.column(1).AppendInt64(v);
    b.column(2).AppendNull();
    b.column(3).AppendNull();
    b.column(4).AppendInt64(0);
  }
  auto r = Eval(Binary(BinaryOp::kAdd, Col("b"), I64(1)), b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("9223372036854775807 + 1"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("'(b + 1)'"), std::string::npos) << r.status().message();
}

TEST(Expr, ThreeValuedLogic) {
  // Rows: every pair of {true, false, null}.
  std::vector<Field> f = {{"p", ColumnType::kBool, true}, {"q", ColumnType::kBool, true}};
  RecordBatch b(f);
  const int vals[] = {1, 0, -1};
  for (int p : vals) {
    for (int q : vals) {
      p < 0 ? b.column(0).AppendNull() : b.column(0).AppendBool(p);
      q < 0 ? b.column(1).AppendNull() : b.column(1).AppendBool(q);
    }
  }
  ASSERT_OK_AND_ASSIGN(Column and_, Eval(And({Col("p"), Col("q")}), b));
  ASSERT_OK_AND_ASSIGN(Column or_, Eval(Or({Col("p"), Col("q")}), b));
  ASSERT_OK_AND_ASSIGN(Column not_, Eval(Not(Col("p")), b));
  auto val = [](const Column& c, size_t i) { return c.IsNull(i) ? -1 : c.bools()[i]; };
  for (size_t i = 0; i < 9; ++i) {
    const int p = vals[i / 3], q = vals[i % 3];
    const int want_and = (p == 0 || q == 0) ? 0 : (p < 0 || q < 0) ? -1 : 1;
    const int want_or = (p == 1 || q == 1) ? 1 : (p < 0 || q < 0) ? -1 : 0;
    EXPECT_EQ(val(and_, i), want_and) << p << " and " << q;
    EXPECT_EQ(val(or_, i), want_or) << p << " or " << q;
    EXPECT_EQ(val(not_, i), p < 0 ? -1 : 1 - p);
  }
  // Select keeps only true rows.
  ASSERT_OK_AND_ASSIGN(auto bound, BoundExpr::Bind(Or({Col("p"), Col("q")}), f));
  std::vector<uint32_t> sel;
  ASSERT_OK(bound->Select(b, &sel));
  EXPECT_EQ(sel, (std::vector<uint32_t>{0, 1, 2, 3, 6}));
}

TEST(Expr, CaseEvaluatesBranchesOnlyForTheirRows) {
  std::mt19937_64 rng(7);
  RecordBatch b = Random(&rng, 300);
  // ln(x) fails on x <= 0; the CASE guards it.
  EXPECT_FALSE(Eval(Func("ln", {Col("x")}), b).ok());
  ASSERT_OK_AND_ASSIGN(
      Column got,
      Eval(Case({{Binary(BinaryOp::kGt, Col("x"), I32(0)), Func("ln", {Col("x")})}, {IsNull(Col("x")), D(-1)}},
                Col("a")),
           b));
  ASSERT_EQ(got.type(), ColumnType::kFloat64);
  for (size_t i = 0; i < b.num_rows(); ++i) {
    const Column& x = b.column(2);
    const Column& a = b.column(0);
    if (!x.IsNull(i) && x.doubles()[i] > 0) {
      EXPECT_EQ(got.doubles()[i], std::log(x.doubles()[i]));
    } else if (x.IsNull(i)) {
      EXPECT_EQ(got.doubles()[i], -1);
    } else {
      ASSERT_EQ(got.IsNull(i), a.IsNull(i));
      if (!a.IsNull(i)) {
        EXPECT_EQ(got.doubles()[i], a.int32s()[i]);
      }
    }
  }
  // coalesce and nullif.
  ASSERT_OK_AND_ASSIGN(Column co, Eval(Func("coalesce", {Col("a"), Col("b"), I32(7)}), b));
  ASSERT_OK_AND_ASSIGN(Column ni, Eval(Func("nullif", {Col("a"), I32(0)}), b));
  for (size_t i = 0; i < b.num_rows(); ++i) {
    const Column& a = b.column(0);
    const Column& bb = b.column(1);
    const int64_t want = !a.IsNull(i) ? a.int32s()[i] : !bb.IsNull(i) ? bb.int64s()[i] : 7;
    ASSERT_FALSE(co.IsNull(i));
    EXPECT_EQ(co.int64s()[i], want);
    EXPECT_EQ(ni.IsNull(i), a.IsNull(i) || a.int32s()[i] == 0);
  }
}

TEST(Expr, CastsLikeDuckDB) {
  EXPECT_EQ(One(Cast(D(3.7), ExprType::kInt64)), "4");
  EXPECT_EQ(One(Cast(D(-3.5), ExprType::kInt64)), "-4");
  EXPECT_EQ(One(Cast(D(2.5), ExprType::kInt32)), "2");
  EXPECT_EQ(One(Cast(D(-2.5), ExprType::kInt32)), "-2");
  EXPECT_EQ(One(Cast(D(0.5), ExprType::kInt32)), "0");
  EXPECT_EQ(One(Cast(S("2.5"), ExprType::kInt32)), "3");
  EXPECT_EQ(One(Cast(S("0.5"), ExprType::kInt32)), "1");
  EXPECT_EQ(One(Cast(S(" 12 "), ExprType::kInt32)), "12");
  EXPECT_NE(One(Cast(S("abc"), ExprType::kInt32)).find("could not convert 'abc' to i32"), std::string::npos);
  EXPECT_NE(One(Cast(D(1e20), ExprType::kInt64)).find("could not convert"), std::string::npos);
  EXPECT_NE(One(Cast(I64(1LL << 40), ExprType::kInt32)).find("could not convert"), std::string::npos);
  EXPECT_EQ(One(Cast(Lit(Value::Bool(true)), ExprType::kInt32)), "1");
  EXPECT_EQ(One(Cast(I32(3), ExprType::kBool)), "true");
  EXPECT_EQ(One(Cast(S("yes"), ExprType::kBool)), "true");
  EXPECT_EQ(One(Cast(S("no"), ExprType::kBool)), "false");
  EXPECT_EQ(One(Cast(D(0.5), ExprType::kBool)), "true");
  for (auto [d, text] : std::vector<std::pair<double, const char*>>{{1.5, "1.5"},
                                                                    {1e20, "1e+20"},
                                                                    {0.1, "0.1"},
                                                                    {100.0, "100.0"},
                                                                    {1e-7, "1e-07"},
                                                                    {1e15, "1000000000000000.0"},
                                                                    {1e16, "1e+16"},
                                                                    {123456.789, "123456.789"},
                                                                    {1.0 / 3, "0.3333333333333333"},
                                                                    {-0.0001, "-0.0001"}}) {
    EXPECT_EQ(One(Cast(D(d), ExprType::kString)), text);
  }
  EXPECT_EQ(One(Cast(Ts("2026-03-02T14:30:00.5Z"), ExprType::kString)), "2026-03-02 14:30:00.5");
  EXPECT_EQ(One(Cast(S("2026-03-02T14:30:00Z"), ExprType::kTimestamp)), "2026-03-02 14:30:00");
  // timestamp <-> integer is refused at bind time, as DuckDB does.
  EXPECT_NE(One(Cast(Col("t"), ExprType::kInt64)).find("epoch_ns"), std::string::npos);
  // A string compared with a timestamp is a timestamp; a bad one fails at bind time.
  EXPECT_EQ(One(Binary(BinaryOp::kGt, Ts("2026-03-02 00:00:01"), S("2026-03-02"))), "true");
  EXPECT_NE(One(Binary(BinaryOp::kGt, Col("t"), S("yesterday"))).find("Conversion error"), std::string::npos);
}

TEST(Expr, ParseSqlType) {
  for (auto [name, t] : std::vector<std::pair<const char*, ExprType>>{{"BIGINT", ExprType::kInt64},
                                                                      {"int", ExprType::kInt32},
                                                                      {"Double", ExprType::kFloat64},
                                                                      {"varchar", ExprType::kString},
                                                                      {"TIMESTAMP", ExprType::kTimestamp},
                                                                      {"boolean", ExprType::kBool},
                                                                      {"interval", ExprType::kInterval}}) {
    ASSERT_OK_AND_ASSIGN(ExprType got, ParseSqlType(name));
    EXPECT_EQ(got, t) << name;
  }
  EXPECT_FALSE(ParseSqlType("blob").ok());
}

TEST(Expr, LikeInIsNull) {
  EXPECT_EQ(One(Like(S("abc"), S("a%"))), "true");
  EXPECT_EQ(One(Like(S("abc"), S("a_c"))), "true");
  EXPECT_EQ(One(Like(S("ABC"), S("a%"))), "false");
  EXPECT_EQ(One(Like(S("ABC"), S("a%"), false, true)), "true");
  EXPECT_EQ(One(Like(S("h\xc3\xa9llo"), S("h_llo"))), "true");  // _ is one character
  EXPECT_EQ(One(Like(S("a%c"), S("a\\%c"), false, false, '\\')), "true");
  EXPECT_EQ(One(Like(S("abc"), S("a\\%c"), false, false, '\\')), "false");
  EXPECT_EQ(One(Like(S("aXbXc"), S("%X%c"))), "true");
  EXPECT_EQ(One(Like(S("ab"), S("%b%b"))), "false");
  EXPECT_EQ(One(Like(Null(), S("a"))), "NULL");
  EXPECT_EQ(One(Like(S("abc"), S("b%"), true)), "true");
  EXPECT_EQ(One(In(I32(2), {I32(1), I32(2)})), "true");
  EXPECT_EQ(One(In(I32(3), {I32(1), I32(2)})), "false");
  EXPECT_EQ(One(In(I32(3), {I32(1), Null()})), "NULL");
  EXPECT_EQ(One(In(I32(1), {I32(1), Null()})), "true");
  EXPECT_EQ(One(In(I32(3), {I32(1), Null()}, true)), "NULL");
  EXPECT_EQ(One(In(I32(3), {I32(1), I32(2)}, true)), "true");
  EXPECT_EQ(One(In(Col("a"), {I32(1)})), "NULL");
  EXPECT_EQ(One(IsNull(Col("a"))), "true");
  EXPECT_EQ(One(IsNull(Col("t"), true)), "true");
  EXPECT_EQ(One(Between(I32(2), I32(1), D(2.0))), "true");
  EXPECT_EQ(One(Between(I32(3), I32(1), I32(2), true)), "true");
  // IN over a column against a brute force.
  std::mt19937_64 rng(3);
  RecordBatch b = Random(&rng, 200);
  ASSERT_OK_AND_ASSIGN(Column got, Eval(In(Col("s"), {S("a"), S("bb"), Null()}), b));
  ASSERT_OK_AND_ASSIGN(Column got2, Eval(In(Col("b"), {Col("a"), I32(5)}), b));  // non-constant list
  for (size_t i = 0; i < b.num_rows(); ++i) {
    const Column& s = b.column(3);
    if (s.IsNull(i)) {
      EXPECT_TRUE(got.IsNull(i));
    } else if (s.GetString(i) == "a" || s.GetString(i) == "bb") {
      EXPECT_TRUE(!got.IsNull(i) && got.bools()[i]);
    } else {
      EXPECT_TRUE(got.IsNull(i));
    }
    const Column& a = b.column(0);
    const Column& bb = b.column(1);
    const bool hit = !bb.IsNull(i) && ((!a.IsNull(i) && a.int32s()[i] == bb.int64s()[i]) || bb.int64s()[i] == 5);
    if (hit) {
      EXPECT_TRUE(!got2.IsNull(i) && got2.bools()[i]);
    } else {
      EXPECT_EQ(got2.IsNull(i), bb.IsNull(i) || a.IsNull(i));
    }
  }
}

TEST(Expr, TimeFunctionsLikeDuckDB) {
  EXPECT_EQ(One(Func("time_bucket", {Iv("5 minutes"), Ts("2026-03-02 14:33:00")})), "2026-03-02 14:30:00");
  EXPECT_EQ(One(Func("time_bucket", {Iv("7 minutes"), Ts("2026-03-02 14:33:00")})), "2026-03-02 14:28:00");
  EXPECT_EQ(One(Func("time_bucket", {Iv("1 month"), Ts("2026-03-17 14:33:00")})), "2026-03-01 00:00:00");
  EXPECT_EQ(One(Func("time_bucket", {Iv("2 months"), Ts("2026-03-02 14:33:00")})), "2026-03-01 00:00:00");
  EXPECT_EQ(One(Func("time_bucket", {Iv("7 days"), Ts("2026-03-17 14:33:00")})), "2026-03-16 00:00:00");
  EXPECT_EQ(One(Func("time_bucket", {Iv("1 week"), Ts("2026-03-17 14:33:00")})), "2026-03-16 00:00:00");
  EXPECT_EQ(One(Func("time_bucket", {Iv("1 hour"), Ts("1999-12-31 23:59:59")})), "1999-12-31 23:00:00");
  EXPECT_NE(One(Func("time_bucket", {Iv("1 month 1 day"), Col("t")})).find("cannot mix"), std::string::npos);
  EXPECT_EQ(One(Func("date_trunc", {S("month"), Ts("2026-03-17 14:33:00")})), "2026-03-01 00:00:00");
  EXPECT_EQ(One(Func("date_trunc", {S("hour"), Ts("2026-03-17 14:33:00")})), "2026-03-17 14:00:00");
  EXPECT_EQ(One(Func("date_trunc", {S("week"), Ts("2026-03-19 10:00")})), "2026-03-16 00:00:00");
  EXPECT_EQ(One(Func("date_trunc", {S("quarter"), Ts("2026-05-19 10:00")})), "2026-04-01 00:00:00");
  EXPECT_EQ(One(Func("date_part", {S("dow"), Ts("2026-03-19")})), "4");
  EXPECT_EQ(One(Func("second", {Ts("2026-03-19 10:00:05.5")})), "5");
  EXPECT_EQ(One(Func("epoch", {Ts("2026-03-19 10:00:05.5")})), "1773914405.5");
  EXPECT_EQ(One(Func("epoch_ns", {Ts("2026-03-02 14:30:00")})), "1772461800000000000");
  EXPECT_EQ(One(Binary(BinaryOp::kAdd, Ts("2026-01-31 10:00:00"), Iv("1 month"))), "2026-02-28 10:00:00");
  EXPECT_EQ(One(Binary(BinaryOp::kAdd, Ts("2024-02-29"), Iv("1 year"))), "2025-02-28 00:00:00");
  EXPECT_EQ(One(Binary(BinaryOp::kSub, Ts("2026-03-02"), Iv("90 minutes"))), "2026-03-01 22:30:00");
  EXPECT_EQ(One(Binary(BinaryOp::kAdd, Iv("1 day"), Ts("2026-03-02"))), "2026-03-03 00:00:00");
  EXPECT_NE(One(Binary(BinaryOp::kAdd, Ts("2261-12-31"), Iv("1 day"))).find("outside the supported range"),
            std::string::npos);
  EXPECT_NE(One(Binary(BinaryOp::kSub, Col("t"), Col("t"))).find("epoch_ns(a) - epoch_ns(b)"), std::string::npos);
  for (auto [text, months, days, ns] :
       std::vector<std::tuple<const char*, int, int, int64_t>>{{"5 minutes", 0, 0, 5 * kNanosPerMinute},
                                                               {"5m", 0, 0, 5 * kNanosPerMinute},
                                                               {"1h30m", 0, 0, 90 * kNanosPerMinute},
                                                               {"01:30:00", 0, 0, 90 * kNanosPerMinute},
                                                               {"2 hours 30 minutes", 0, 0, 150 * kNanosPerMinute},
                                                               {"1 week", 0, 7, 0},
                                                               {"500 ms", 0, 0, 500 * kNanosPerMilli},
                                                               {"1 mon", 1, 0, 0},
                                                               {"2 years 1 month", 25, 0, 0}}) {
    ASSERT_OK_AND_ASSIGN(Interval iv, ParseInterval(text));
    EXPECT_EQ(iv, (Interval{months, days, ns})) << text;
  }
  for (const char* bad : {"", "5", "5 parsecs", "1.5 days", "abc"}) EXPECT_FALSE(ParseInterval(bad).ok()) << bad;
}

TEST(Expr, BindErrorsNameTheExpression) {
  auto err = [](const Expr& e) {
    auto r = BoundExpr::Bind(e, F());
    return r.ok() ? std::string("OK") : r.status().message();
  };
  EXPECT_EQ(err(At(Binary(BinaryOp::kAdd, Col("nope"), I32(1)), "line 1:8")),
            "line 1:8: unknown column 'nope' (columns: a, b, x, s, t) in 'nope'");
  EXPECT_EQ(err(Binary(BinaryOp::kAdd, Col("x"), Col("s"))), "cannot apply + to f64 and string in '(x + s)'");
  EXPECT_EQ(err(And({Col("a"), Lit(Value::Bool(true))})), "'a' is i32, not a condition (bool) in '(a AND true)'");
  EXPECT_EQ(err(Func("frobnicate", {Col("a")})), "unknown function 'frobnicate' in 'frobnicate(a)'");
  EXPECT_EQ(err(Func("abs", {Col("s")})), "abs takes a number as argument 1, not string in 'abs(s)'");
  EXPECT_EQ(err(Func("sum", {Col("a")})), "aggregate function sum() is not allowed here in 'sum(a)'");
  EXPECT_EQ(err(Iv("1 day")).substr(0, 30), "an interval cannot be a column");
  EXPECT_EQ(err(Binary(BinaryOp::kLt, Col("t"), I32(1))), "cannot compare timestamp with i32 in '(t < 1)'");
}

TEST(Expr, SymbolRunsAndConstantsOverEmptyAndSlicedBatches) {
  std::vector<Field> f = {{"sym", ColumnType::kSymbol, false}, {"v", ColumnType::kInt64, false}};
  RecordBatch b(f);
  int64_t row = 0;
  for (const char* s : {"AA", "AA", "BB", "BB", "CC"}) {
    b.column(0).AppendString(s);
    b.column(1).AppendInt64(row++);
  }
  ASSERT_OK_AND_ASSIGN(Column got, Eval(In(Col("sym"), {S("BB"), S("CC")}), b));
  EXPECT_EQ(got.bools(), (std::vector<uint8_t>{0, 0, 1, 1, 1}));
  ASSERT_OK_AND_ASSIGN(Column c, Eval(Binary(BinaryOp::kMul, I32(6), I32(7)), b));
  EXPECT_EQ(c.int32s(), std::vector<int32_t>(5, 42));
  ASSERT_OK_AND_ASSIGN(Column e, Eval(Binary(BinaryOp::kAdd, Col("v"), I32(1)), RecordBatch(f)));
  EXPECT_EQ(e.size(), 0u);
  ASSERT_OK_AND_ASSIGN(Column cat, Eval(Binary(BinaryOp::kConcat, Col("sym"), Col("v")), b));
  EXPECT_EQ(cat.GetString(4), "CC4");
  ASSERT_OK_AND_ASSIGN(Column cc, Eval(Func("concat", {Col("sym"), Null(), I32(1)}), b));
  EXPECT_EQ(cc.GetString(0), "AA1");
}

}  // namespace
}  // namespace strata::query
