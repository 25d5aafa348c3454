#include "query/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "query/expr_keys.h"
#include "query/query_test_util.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

using testing::TradeRow;
using testing::Trades;

AggregateSpec A(AggKind k, Expr arg, std::string name, Expr arg2 = nullptr, bool distinct = false) {
  AggregateSpec s;
  s.kind = k;
  s.arg = std::move(arg);
  s.arg2 = std::move(arg2);
  s.distinct = distinct;
  s.name = std::move(name);
  return s;
}

std::vector<AggregateSpec> AllAggs() {
  std::vector<AggregateSpec> v = {
      A(AggKind::kCountStar, nullptr, "n"),
      A(AggKind::kCount, Col("price"), "n_price"),
      A(AggKind::kCount, Col("size"), "n_size_distinct", nullptr, true),
      A(AggKind::kSum, Col("size"), "sum_size"),
      A(AggKind::kSum, Col("price"), "sum_price"),
      A(AggKind::kAvg, Col("size"), "avg_size"),
      A(AggKind::kMin, Col("price"), "min_price"),
      A(AggKind::kMax, Col("size"), "max_size"),
      A(AggKind::kFirst, Col("price"), "first_price"),
      A(AggKind::kLast, Col("size"), "last_size"),
      A(AggKind::kArgMin, Col("size"), "size_at_min_price", Col("price")),
      A(AggKind::kArgMax, Col("price"), "price_at_max_size", Col("size")),
      A(AggKind::kVarSamp, Col("price"), "var_price"),
      A(AggKind::kStddevSamp, Col("size"), "sd_size"),
      A(AggKind::kSum, Col("size"), "sum_distinct_size", nullptr, true),
  };
  AggregateSpec last_by_ts = A(AggKind::kLast, Col("price"), "last_price_by_ts");
  last_by_ts.order = Col("ts");
  v.push_back(last_by_ts);
  AggregateSpec first_by_ts = A(AggKind::kFirst, Col("price"), "first_price_by_ts");
  first_by_ts.order = Col("ts");
  v.push_back(first_by_ts);
  return v;
}

struct Ref {
  int64_t n = 0, n_price = 0;
  std::set<int64_t> sizes;
  std::optional<__int128> sum_size;
  std::optional<double> sum_price, min_price, first_price_set;
  bool first_taken = false;
  std::optional<double> first_price;  // null first stays nullopt with first_taken
  std::optional<int64_t> max_size, last_size, size_at_min_price;
  std::optional<double> min_key, price_at_max_size;
  std::optional<int64_t> max_key;
  std::vector<double> prices;
  std::vector<int64_t> size_values;
  std::optional<double> last_price_by_ts;
  int64_t last_ts = INT64_MIN;
  std::optional<double> first_price_by_ts;
  int64_t first_ts = INT64_MAX;
};

void Feed(Ref& r, const TradeRow& t) {
  ++r.n;
  if (!t.price_null) {
    ++r.n_price;
    r.sum_price = r.sum_price.value_or(0) + t.price;
    if (!r.min_price || t.price < *r.min_price) r.min_price = t.price;
    r.prices.push_back(t.price);
  }
  if (!r.first_taken) {
    r.first_taken = true;
    if (!t.price_null) r.first_price = t.price;
  }
  if (t.size_null) {
    r.last_size.reset();
  } else {
    r.last_size = t.size;
    r.sizes.insert(t.size);
    r.sum_size = r.sum_size.value_or(0) + t.size;
    if (!r.max_size || t.size > *r.max_size) r.max_size = t.size;
    r.size_values.push_back(t.size);
  }
  if (!t.price_null && !t.size_null) {
    if (!r.min_key || t.price < *r.min_key) {
      r.min_key = t.price;
      r.size_at_min_price = t.size;
    }
    if (!r.max_key || t.size > *r.max_key) {
      r.max_key = t.size;
      r.price_at_max_size = t.price;
    }
  }
  if (t.ts < r.first_ts) {
    r.first_ts = t.ts;
    r.first_price_by_ts = t.price_null ? std::nullopt : std::optional<double>(t.price);
  }
  if (t.ts >= r.last_ts) {
    r.last_ts = t.ts;
    r.last_price_by_ts = t.price_null ? std::nullopt : std::optional<double>(t.price);
  }
}

template <class T>
double Var(const std::vector<T>& v) {
  long double mean = 0;
  for (T x : v) mean += x;
  mean /= v.size();
  long double ss = 0;
  for (T x : v) ss += (x - mean) * (x - mean);
  return static_cast<double>(ss / (v.size() - 1));
}

void CheckRow(const RecordBatch& got, size_t row, const Ref& r, size_t first_agg) {
  SCOPED_TRACE("row " + got.RowToString(row));
  auto col = [&](size_t k) -> const Column& { return got.column(first_agg + k); };
  auto opt_d = [&](size_t k, std::optional<double> want) {
    ASSERT_EQ(col(k).IsNull(row), !want.has_value()) << got.fields()[first_agg + k].name;
    if (want) {
      EXPECT_EQ(col(k).doubles()[row], *want) << got.fields()[first_agg + k].name;
    }
  };
  auto opt_i = [&](size_t k, std::optional<int64_t> want) {
    ASSERT_EQ(col(k).IsNull(row), !want.has_value()) << got.fields()[first_agg + k].name;
    if (want) {
      EXPECT_EQ(col(k).int64s()[row], *want) << got.fields()[first_agg + k].name;
    }
  };
  EXPECT_EQ(col(0).int64s()[row], r.n);
  EXPECT_EQ(col(1).int64s()[row], r.n_price);
  EXPECT_EQ(col(2).int64s()[row], static_cast<int64_t>(r.sizes.size()));
  opt_i(3, r.sum_size ? std::optional<int64_t>(static_cast<int64_t>(*r.sum_size)) : std::nullopt);
  opt_d(4, r.sum_price);
  ASSERT_EQ(col(5).IsNull(row), r.size_values.empty());
  if (!r.size_values.empty()) {
    EXPECT_DOUBLE_EQ(col(5).doubles()[row],
                     static_cast<double>(*r.sum_size) / static_cast<double>(r.size_values.size()));
  }
  opt_d(6, r.min_price);
  opt_i(7, r.max_size);
  opt_d(8, r.first_price);
  opt_i(9, r.last_size);
  opt_i(10, r.size_at_min_price);
  opt_d(11, r.price_at_max_size);
  ASSERT_EQ(col(12).IsNull(row), r.prices.size() < 2);
  if (r.prices.size() >= 2) {
    EXPECT_NEAR(col(12).doubles()[row], Var(r.prices), 1e-9 * (1 + Var(r.prices)));
  }
  ASSERT_EQ(col(13).IsNull(row), r.size_values.size() < 2);
  if (r.size_values.size() >= 2) {
    EXPECT_NEAR(col(13).doubles()[row], std::sqrt(Var(r.size_values)), 1e-9 * (1 + std::sqrt(Var(r.size_values))));
  }
  int64_t distinct_sum = 0;
  for (int64_t s : r.sizes) distinct_sum += s;
  opt_i(14, r.sizes.empty() ? std::nullopt : std::optional<int64_t>(distinct_sum));
  opt_d(15, r.last_price_by_ts);
  opt_d(16, r.first_price_by_ts);
}

std::vector<TradeRow> RandomTrades(std::mt19937_64* rng, int symbols, int max_rows) {
  std::vector<TradeRow> rows;
  const int64_t day = DaysFromCivil(2026, 3, 2) * kNanosPerDay;
  for (int s = 0; s < symbols; ++s) {
    std::string sym(1, static_cast<char>('A' + s));
    int64_t t = day - 3 * kNanosPerMinute;
    const int n = static_cast<int>((*rng)() % (max_rows + 1));
    for (int i = 0; i < n; ++i) {
      t += static_cast<int64_t>((*rng)() % 40) * kNanosPerSecond;
      TradeRow r{t, sym, static_cast<double>((*rng)() % 400) / 8 - 10, static_cast<int64_t>((*rng)() % 50) - 5};
      r.price_null = (*rng)() % 7 == 0;
      r.size_null = (*rng)() % 9 == 0;
      rows.push_back(r);
    }
  }
  return rows;
}

TEST(Aggregate, GroupBySymbolAndBucketMatchesBruteForceOverRandomBatchCuts) {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 60; ++round) {
    std::vector<TradeRow> rows = RandomTrades(&rng, 1 + round % 4, 200);
    // Keys: symbol and the minute (time_bucket); the reference groups in first-appearance order.
    std::vector<std::pair<std::string, int64_t>> order;
    std::map<std::pair<std::string, int64_t>, Ref> ref;
    for (const TradeRow& t : rows) {
      const int64_t minute = FloorToMultiple(t.ts, kNanosPerMinute);
      auto key = std::make_pair(t.symbol, minute);
      if (!ref.count(key)) order.push_back(key);
      Feed(ref[key], t);
    }
    RecordBatch all = Trades(rows);
    std::vector<NamedExpr> keys = {
        {"symbol", Col("symbol")},
        {"minute", Func("time_bucket", {Lit(Value::OfInterval({0, 0, kNanosPerMinute})), Col("ts")})}};
    AggregateOptions opt;
    opt.batch_rows = 1 + rng() % 7;
    ASSERT_OK_AND_ASSIGN(auto agg,
                         MakeHashAggregateStream(testing::StreamOf(all, &rng, 1 + rng() % 40), keys, AllAggs(), opt));
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(agg.get()));
    ASSERT_EQ(got.num_rows(), order.size()) << "round " << round;
    EXPECT_EQ(got.fields()[0].type, ColumnType::kSymbol);
    EXPECT_EQ(got.fields()[1].type, ColumnType::kTimestamp);
    for (size_t i = 0; i < order.size(); ++i) {
      EXPECT_EQ(got.column(0).GetString(i), order[i].first);
      EXPECT_EQ(got.column(1).int64s()[i], order[i].second);
      CheckRow(got, i, ref[order[i]], 2);
    }
  }
}

TEST(Aggregate, GlobalAggregateIncludingEmptyInput) {
  std::mt19937_64 rng(23);
  for (int round = 0; round < 30; ++round) {
    std::vector<TradeRow> rows = RandomTrades(&rng, 2, round % 5 == 0 ? 0 : 100);
    Ref ref;
    for (const TradeRow& t : rows) Feed(ref, t);
    RecordBatch all = Trades(rows);
    ASSERT_OK_AND_ASSIGN(auto agg,
                         MakeHashAggregateStream(testing::StreamOf(all, &rng, 1 + rng() % 30), {}, AllAggs()));
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(agg.get()));
    ASSERT_EQ(got.num_rows(), 1u);
    CheckRow(got, 0, ref, 0);
  }
  // Grouped over nothing: no rows.
  ASSERT_OK_AND_ASSIGN(auto agg, MakeHashAggregateStream(MakeVectorStream(testing::TradeFields(), {}),
                                                         {{"symbol", Col("symbol")}}, AllAggs()));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(agg.get()));
  EXPECT_EQ(got.num_rows(), 0u);
}

TEST(Aggregate, NullKeysFormOneGroupAndFloatKeysNormalise) {
  std::vector<Field> f = {{"k", ColumnType::kFloat64, true}, {"v", ColumnType::kInt64, false}};
  RecordBatch b(f);
  const double nan = std::nan("");
  int64_t i = 0;
  for (double k : {0.0, -0.0, nan, 1.0, nan, 0.0}) {
    b.column(0).AppendDouble(k);
    b.column(1).AppendInt64(i++);
  }
  b.column(0).AppendNull();
  b.column(1).AppendInt64(i++);
  b.column(0).AppendNull();
  b.column(1).AppendInt64(i++);
  std::mt19937_64 rng(1);
  ASSERT_OK_AND_ASSIGN(auto agg, MakeHashAggregateStream(testing::StreamOf(b, &rng, 3), {{"k", Col("k")}},
                                                         {A(AggKind::kSum, Col("v"), "s")}));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(agg.get()));
  ASSERT_EQ(got.num_rows(), 4u);
  EXPECT_EQ(got.column(1).int64s(), (std::vector<int64_t>{0 + 1 + 5, 2 + 4, 3, 6 + 7}));
  EXPECT_TRUE(got.column(0).IsNull(3));
}

// Blocks of values within +-2^52 are summed in 64 bits, a block with a larger one in 128: exact at
// the boundaries either way (a block of 2048 x (2^52 - 1), one of 2048 x -2^52, then a mixed one).
TEST(Aggregate, SumOfManyInt64IsExactAcrossBlocks) {
  std::vector<Field> f = {{"v", ColumnType::kInt64, false}};
  RecordBatch b(f);
  __int128 want = 0;
  auto add = [&](int64_t v) {
    b.column(0).AppendInt64(v);
    want += v;
  };
  for (int i = 0; i < 2048; ++i) add((int64_t{1} << 52) - 1);
  for (int i = 0; i < 2048; ++i) add(-(int64_t{1} << 52));
  for (int i = 0; i < 1500; ++i) add(i % 3 == 0 ? INT64_MAX / 4 : i % 3 == 1 ? -(INT64_MAX / 4) : i);
  ASSERT_OK_AND_ASSIGN(auto agg,
                       MakeHashAggregateStream(MakeVectorStream(f, {b}), {}, {A(AggKind::kSum, Col("v"), "t")}));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(agg.get()));
  EXPECT_EQ(got.column(0).int64s()[0], static_cast<int64_t>(want));
}

TEST(Aggregate, SumOverflowAndBindErrorsAreClear) {
  std::vector<Field> f = {{"v", ColumnType::kInt64, false}, {"s", ColumnType::kString, false}};
  RecordBatch b(f);
  for (int i = 0; i < 3; ++i) {
    b.column(0).AppendInt64(INT64_MAX / 2);
    b.column(1).AppendString("x");
  }
  // Intermediate sums beyond i64 that come back in range are exact.
  RecordBatch c = b;
  c.column(0).AppendInt64(INT64_MIN);
  c.column(1).AppendString("x");
  ASSERT_OK_AND_ASSIGN(auto ok,
                       MakeHashAggregateStream(MakeVectorStream(f, {c}), {}, {A(AggKind::kSum, Col("v"), "t")}));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(ok.get()));
  EXPECT_EQ(got.column(0).int64s()[0], static_cast<int64_t>(static_cast<__int128>(INT64_MAX / 2) * 3 + INT64_MIN));
  ASSERT_OK_AND_ASSIGN(auto agg, MakeHashAggregateStream(MakeVectorStream(f, {b}), {{"s", Col("s")}},
                                                         {A(AggKind::kSum, Col("v"), "t")}));
  auto r = Collect(agg.get());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("t = sum(v) of group (x) does not fit in i64"), std::string::npos)
      << r.status().message();
  auto bad = MakeHashAggregateStream(MakeVectorStream(f, {b}), {}, {A(AggKind::kAvg, Col("s"), "a")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "avg takes a number, not string in 'a = avg(s)'");
  auto cap = MakeHashAggregateStream(MakeVectorStream(f, {b}), {{"v", Col("v")}}, {}, {65536, 0});
  ASSERT_OK(cap.status());
  AggregateOptions small;
  small.max_groups = 1;
  RecordBatch two = b;
  two.column(0).AppendInt64(1);
  two.column(1).AppendString("y");
  ASSERT_OK_AND_ASSIGN(auto capped, MakeHashAggregateStream(MakeVectorStream(f, {two}), {{"v", Col("v")}}, {}, small));
  EXPECT_FALSE(Collect(capped.get()).ok());
}

// The aggregate hashes the first row of each run of one group alone (HashKeyRow) when runs are
// long, and every row at once (HashKeyRows) otherwise; a group met both ways must hash alike.
TEST(Aggregate, OneRowHashesAsTheWholeBatch) {
  std::mt19937_64 rng(3);
  std::vector<Column> cols = {Column(ColumnType::kInt64), Column(ColumnType::kFloat64),   Column(ColumnType::kString),
                              Column(ColumnType::kInt32), Column(ColumnType::kTimestamp), Column(ColumnType::kBool)};
  for (int i = 0; i < 500; ++i) {
    for (Column& c : cols) {
      if (rng() % 5 == 0) {
        c.AppendNull();
        continue;
      }
      switch (c.type()) {
        case ColumnType::kFloat64: {
          const double v[] = {0.0, -0.0, std::nan(""), 1.5, -2.25};
          c.AppendDouble(v[rng() % 5]);
          break;
        }
        case ColumnType::kString: c.AppendString(std::string(rng() % 12, static_cast<char>('a' + rng() % 3))); break;
        case ColumnType::kInt32: c.AppendInt32(static_cast<int32_t>(rng() % 7) - 3); break;
        case ColumnType::kBool: c.AppendBool(rng() % 2); break;
        default: c.AppendInt64(static_cast<int64_t>(rng() % 9) - 4);
      }
    }
  }
  for (size_t k = 0; k < cols.size(); ++k) {
    std::vector<const Column*> keys;
    for (size_t j = 0; j <= k; ++j) keys.push_back(&cols[(k + j) % cols.size()]);
    std::vector<uint64_t> hashes;
    HashKeyRows(keys, &hashes);
    ASSERT_EQ(hashes.size(), 500u);
    for (size_t i = 0; i < 500; ++i) ASSERT_EQ(HashKeyRow(keys, i), hashes[i]) << k << " " << i;
  }
}

TEST(Aggregate, ParseAggKind) {
  ASSERT_OK_AND_ASSIGN(AggKind k, ParseAggKind("STDDEV"));
  EXPECT_EQ(k, AggKind::kStddevSamp);
  EXPECT_FALSE(ParseAggKind("median").ok());
}

}  // namespace
}  // namespace strata::query
