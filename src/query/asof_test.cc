#include "query/asof.h"

#include <gtest/gtest.h>

#include <random>

#include "query/query_test_util.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

using testing::QuoteFields;
using testing::StreamOf;

// A quotes batch: symbols ascending, ts non-decreasing per symbol (with duplicates), some nulls.
RecordBatch RandomQuotes(std::mt19937_64* rng, const std::vector<std::string>& symbols, int per_symbol) {
  RecordBatch b(QuoteFields());
  for (const std::string& s : symbols) {
    int64_t t = 1000 + (*rng)() % 50;
    for (int i = 0; i < per_symbol; ++i) {
      t += (*rng)() % 4 == 0 ? 0 : 1 + (*rng)() % 20;  // duplicates now and then
      b.column(0).AppendInt64(t);
      b.column(1).AppendString(s);
      if ((*rng)() % 10 == 0) {
        b.column(2).AppendNull();
      } else {
        b.column(2).AppendDouble(static_cast<double>((*rng)() % 10000) / 100);
      }
      if ((*rng)() % 7 == 0) {
        b.column(3).AppendNull();
      } else {
        b.column(3).AppendString("v" + std::to_string((*rng)() % 100));
      }
    }
  }
  return b;
}

RecordBatch RandomLeft(std::mt19937_64* rng, const std::vector<std::string>& symbols, int per_symbol) {
  RecordBatch b(testing::TradeFields());
  for (const std::string& s : symbols) {
    int64_t t = 900 + (*rng)() % 200;
    for (int i = 0; i < per_symbol; ++i) {
      t += (*rng)() % 3 == 0 ? 0 : (*rng)() % 30;
      b.column(0).AppendInt64(t);
      b.column(1).AppendString(s);
      b.column(2).AppendDouble(1.0 * i);
      b.column(3).AppendInt64(i);
    }
  }
  return b;
}

// The answer by brute force: for each left row scan every right row.
RecordBatch Reference(const RecordBatch& left, const RecordBatch& right, const AsofOptions& o,
                      const std::vector<Field>& out_fields) {
  RecordBatch out(out_fields);
  for (size_t i = 0; i < left.num_rows(); ++i) {
    const int64_t t = left.column(0).int64s()[i];
    std::string_view s = left.column(1).GetString(i);
    int best = -1;
    for (size_t j = 0; j < right.num_rows(); ++j) {
      if (right.column(1).GetString(j) != s) continue;
      const int64_t rt = right.column(0).int64s()[j];
      if (o.direction == AsofDirection::kPrev) {
        if (rt <= t && (best < 0 || rt >= right.column(0).int64s()[best])) best = static_cast<int>(j);
      } else {
        if (rt >= t && (best < 0 || rt < right.column(0).int64s()[best])) best = static_cast<int>(j);
      }
    }
    if (best >= 0 && o.tolerance_ns) {
      int64_t d = std::abs(right.column(0).int64s()[best] - t);
      if (d > *o.tolerance_ns) best = -1;
    }
    for (size_t c = 0; c < left.num_columns(); ++c) out.column(c).AppendFrom(left.column(c), i);
    size_t oc = left.num_columns();
    for (size_t c = 0; c < right.num_columns(); ++c) {
      if (c == 1) continue;
      if (best < 0) {
        out.column(oc).AppendNull();
      } else {
        out.column(oc).AppendFrom(right.column(c), best);
      }
      ++oc;
    }
  }
  return out;
}

// Null-aware comparison that ignores the value stored under a null.
std::string Diff(const RecordBatch& a, const RecordBatch& b) {
  if (a.num_rows() != b.num_rows())
    return "rows " + std::to_string(a.num_rows()) + " vs " + std::to_string(b.num_rows());
  for (size_t r = 0; r < a.num_rows(); ++r) {
    for (size_t c = 0; c < a.num_columns(); ++c) {
      const Column& x = a.column(c);
      const Column& y = b.column(c);
      if (x.IsNull(r) != y.IsNull(r)) return "row " + std::to_string(r) + " col " + std::to_string(c) + " null";
      if (x.IsNull(r)) continue;
      Column xs = x.Slice(r, 1), ys = y.Slice(r, 1);
      if (!xs.Equals(ys)) return "row " + std::to_string(r) + ": " + a.RowToString(r) + " vs " + b.RowToString(r);
    }
  }
  return "";
}

TEST(Asof, MatchesBruteForceOverRandomBatchCuts) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 60; ++round) {
    std::vector<std::string> rsyms = {"A", "B", "D", "E"};
    std::vector<std::string> lsyms = {"A", "C", "D", "F"};  // C, F have no quotes; B, E no trades
    if (round % 3 == 0) lsyms = {"B"};
    RecordBatch right = RandomQuotes(&rng, rsyms, 1 + rng() % 60);
    RecordBatch left = RandomLeft(&rng, lsyms, 1 + rng() % 60);
    AsofOptions o;
    o.direction = round % 2 ? AsofDirection::kNext : AsofDirection::kPrev;
    if (round % 4 >= 2) o.tolerance_ns = static_cast<int64_t>(rng() % 15);
    ASSERT_OK_AND_ASSIGN(
        auto join, MakeAsofJoinStream(StreamOf(left, &rng, 1 + rng() % 20), StreamOf(right, &rng, 1 + rng() % 20), o));
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(join.get()));
    RecordBatch want = Reference(left, right, o, join->fields());
    ASSERT_EQ(Diff(got, want), "") << "round " << round;
  }
}

TEST(Asof, OutputColumnsRenameClashes) {
  ASSERT_OK_AND_ASSIGN(
      auto join, MakeAsofJoinStream(MakeVectorStream(testing::TradeFields(), {}), MakeVectorStream(QuoteFields(), {})));
  std::vector<std::string> names;
  for (const Field& f : join->fields()) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ts", "symbol", "price", "size", "right_ts", "bid", "venue"}));
  for (size_t i = 4; i < join->fields().size(); ++i) EXPECT_TRUE(join->fields()[i].nullable);
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool got, join->Next(&b));
  EXPECT_FALSE(got);  // empty inputs: empty output
}

TEST(Asof, TiesAndToleranceBoundaries) {
  RecordBatch right(QuoteFields());
  for (int64_t t : {10, 20, 20, 30}) {
    // bid = ts + 0.1 * (row + 1): 10.1, 20.2, 20.3, 30.4
    right.column(0).AppendInt64(t);
    right.column(1).AppendString("X");
    right.column(2).AppendDouble(static_cast<double>(t) + right.num_rows() * 0.1);
    right.column(3).AppendString("v");
  }
  RecordBatch left =
      testing::Trades({{5, "X", 1, 1}, {10, "X", 1, 1}, {20, "X", 1, 1}, {25, "X", 1, 1}, {35, "X", 1, 1}});
  auto run = [&](AsofOptions o) {
    auto join =
        MakeAsofJoinStream(MakeVectorStream(left.fields(), {left}), MakeVectorStream(right.fields(), {right}), o);
    EXPECT_TRUE(join.ok());
    auto all = Collect(join->get());
    EXPECT_TRUE(all.ok());
    return std::move(all).value();
  };
  RecordBatch prev = run({});
  // 5: none; 10: the quote at 10; 20: the last of the two at 20; 25: that one too; 35: 30.
  EXPECT_TRUE(prev.column(5).IsNull(0));
  EXPECT_EQ(prev.column(4).int64s()[1], 10);
  EXPECT_DOUBLE_EQ(prev.column(5).doubles()[2], 20.3);
  EXPECT_DOUBLE_EQ(prev.column(5).doubles()[3], 20.3);
  EXPECT_EQ(prev.column(4).int64s()[4], 30);
  AsofOptions tol;
  tol.tolerance_ns = 5;  // 25-20 = 5 matches (inclusive); 35-30 = 5 matches; make it 4 below
  RecordBatch t5 = run(tol);
  EXPECT_FALSE(t5.column(5).IsNull(3));
  EXPECT_FALSE(t5.column(5).IsNull(4));
  tol.tolerance_ns = 4;
  RecordBatch t4 = run(tol);
  EXPECT_TRUE(t4.column(5).IsNull(3));
  EXPECT_TRUE(t4.column(5).IsNull(4));
  EXPECT_FALSE(t4.column(5).IsNull(2));  // exact ts, distance 0
  AsofOptions next;
  next.direction = AsofDirection::kNext;
  RecordBatch nx = run(next);
  EXPECT_EQ(nx.column(4).int64s()[0], 10);
  EXPECT_DOUBLE_EQ(nx.column(5).doubles()[2], 20.2);  // first of the two at 20
  EXPECT_EQ(nx.column(4).int64s()[3], 30);
  EXPECT_TRUE(nx.column(5).IsNull(4));
}

TEST(Asof, RejectsUnsortedInputs) {
  RecordBatch left = testing::Trades({{10, "B", 1, 1}, {5, "B", 1, 1}});
  RecordBatch right = testing::Trades({{1, "B", 1, 1}});
  ASSERT_OK_AND_ASSIGN(auto join, MakeAsofJoinStream(MakeVectorStream(left.fields(), {left}),
                                                     MakeVectorStream(right.fields(), {right})));
  RecordBatch b;
  auto r = join->Next(&b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not sorted by ts"), std::string::npos) << r.status().ToString();

  RecordBatch l2 = testing::Trades({{10, "B", 1, 1}});
  RecordBatch l3 = testing::Trades({{10, "A", 1, 1}});
  ASSERT_OK_AND_ASSIGN(
      auto j2, MakeAsofJoinStream(MakeVectorStream(l2.fields(), {l2, l3}), MakeVectorStream(right.fields(), {right})));
  ASSERT_OK(j2->Next(&b));
  auto r2 = j2->Next(&b);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("not grouped by symbol"), std::string::npos) << r2.status().ToString();
}

TEST(Asof, RejectsNegativeToleranceAndMissingKeys) {
  AsofOptions o;
  o.tolerance_ns = -1;
  EXPECT_FALSE(
      MakeAsofJoinStream(MakeVectorStream(testing::TradeFields(), {}), MakeVectorStream(QuoteFields(), {}), o).ok());
  std::vector<Field> no_sym = {{"ts", ColumnType::kTimestamp, false}, {"x", ColumnType::kInt64, false}};
  EXPECT_FALSE(MakeAsofJoinStream(MakeVectorStream(no_sym, {}), MakeVectorStream(QuoteFields(), {})).ok());
  EXPECT_FALSE(ParseAsofDirection("sideways").ok());
  ASSERT_OK_AND_ASSIGN(AsofDirection d, ParseAsofDirection("next"));
  EXPECT_EQ(d, AsofDirection::kNext);
}

}  // namespace
}  // namespace strata::query
