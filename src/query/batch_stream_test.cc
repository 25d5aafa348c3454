#include "query/batch_stream.h"

#include <gtest/gtest.h>

#include <random>

#include "query/plan.h"
#include "query/query_test_util.h"
#include "testutil/testutil.h"

namespace strata::query {
namespace {

using testing::Trades;

TEST(BatchStream, VectorConcatLimitProject) {
  RecordBatch a = Trades({{1, "A", 1, 1}, {2, "A", 2, 2}});
  RecordBatch b = Trades({{1, "B", 3, 3}});
  std::vector<std::unique_ptr<BatchStream>> in;
  in.push_back(MakeVectorStream(a.fields(), {a, RecordBatch(a.fields())}));
  in.push_back(MakeVectorStream(b.fields(), {b}));
  auto s = MakeLimitStream(MakeConcatStream(std::move(in)), 2);
  ASSERT_OK_AND_ASSIGN(auto p, MakeProjectStream(std::move(s), {"price", "symbol"}));
  ASSERT_OK_AND_ASSIGN(RecordBatch all, Collect(p.get()));
  ASSERT_EQ(all.num_rows(), 2u);
  EXPECT_EQ(all.RowToString(1), "2,A");
  auto bad = MakeProjectStream(MakeVectorStream(a.fields(), {}), {"nope"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown column 'nope'"), std::string::npos);
  // Mismatched fields are an error, not a crash.
  std::vector<std::unique_ptr<BatchStream>> mixed;
  mixed.push_back(MakeVectorStream(a.fields(), {a}));
  mixed.push_back(MakeVectorStream(testing::QuoteFields(), {}));
  auto c = MakeConcatStream(std::move(mixed));
  RecordBatch x;
  EXPECT_FALSE(c->Next(&x).ok());
}

TEST(BatchStream, MergeByTsInterleavesSymbols) {
  std::mt19937_64 rng(3);
  std::vector<std::unique_ptr<BatchStream>> in;
  std::vector<int64_t> all_ts;
  for (std::string sym : {"A", "B", "C", "D"}) {
    std::vector<testing::TradeRow> rows;
    int64_t t = 0;
    for (int i = 0; i < 500; ++i) {
      t += rng() % 10;  // duplicates across and within symbols
      rows.push_back({t, sym, 1, 1});
      all_ts.push_back(t);
    }
    in.push_back(testing::StreamOf(Trades(rows), &rng, 37));
  }
  auto m = MakeMergeByTsStream(std::move(in), 100);
  ASSERT_OK_AND_ASSIGN(RecordBatch out, Collect(m.get()));
  ASSERT_EQ(out.num_rows(), all_ts.size());
  std::sort(all_ts.begin(), all_ts.end());
  EXPECT_EQ(out.column(0).int64s(), all_ts);
  // Ties: the earlier input (symbol order) first.
  for (size_t r = 1; r < out.num_rows(); ++r) {
    if (out.column(0).int64s()[r] == out.column(0).int64s()[r - 1]) {
      EXPECT_LE(out.column(1).GetString(r - 1), out.column(1).GetString(r)) << r;
    }
  }
}

TEST(BatchStream, TimedStreamCountsRowsAndPlanPrints) {
  QueryPlan plan;
  RecordBatch a = Trades({{1, "A", 1, 1}, {2, "A", 2, 2}});
  StageStats* st = plan.AddStage("scan trades");
  ScanCounters* sc = plan.AddScan("trades");
  sc->tiers = {"hot"};
  sc->stats.rows_returned = 2;
  auto s = MakeTimedStream(MakeVectorStream(a.fields(), {a, a}), st);
  ASSERT_OK_AND_ASSIGN(RecordBatch all, Collect(s.get()));
  EXPECT_EQ(st->rows_out, 4u);
  EXPECT_EQ(st->batches_out, 2u);
  EXPECT_GE(st->inclusive_ns, st->self_ns);
  std::string text = plan.ToString();
  EXPECT_NE(text.find("scan trades"), std::string::npos) << text;
  EXPECT_NE(text.find("tiers hot"), std::string::npos) << text;
}

}  // namespace
}  // namespace strata::query
