// ExecuteStatsAggregate against the plain aggregate over the whole scan, over a database whose
// files lie in cold (day 0), warm (day 1) and hot (day 2, plus late rows of day 1 for S0), with
// files whose statistics cannot answer: NaNs, a zero bound, a column of nulls only.
#include "query/stats_aggregate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "lake_test_util.h"
#include "query/batch_stream.h"
#include "query/plan.h"
#include "strata/database.h"

namespace strata::query {
namespace {

using strata::testing::kDayNs;
using strata::testing::kMar2;
constexpr int64_t kSecondNs = 1'000'000'000;

Schema TestSchema() { return *Schema::Parse("ts:timestamp,symbol:symbol,price:f64?,size:i64?,n:i32?,venue:string?"); }

int64_t DayStart(int d) { return kMar2 + d * kDayNs + 14 * 3600 * kSecondNs; }

// `rows` rows of `symbol` on day d from `offset` seconds, one a second.
RecordBatch Rows(int d, const std::string& symbol, int rows, int offset) {
  RecordBatch b(TestSchema());
  for (int i = 0; i < rows; ++i) {
    const int k = offset + i;
    b.column(0).AppendInt64(DayStart(d) + static_cast<int64_t>(k) * kSecondNs);
    b.column(1).AppendString(symbol);
    double price = 100 + d * 10 + (k * 37 % 101) / 7.0;
    if (symbol == "S2" && d == 1 && k == 5) price = std::nan("");  // no exact statistics
    if (symbol == "S1" && d == 1 && k == 9) price = 0.0;           // a zero bound: its sign is unknown
    if (k % 7 == 3) {
      b.column(2).AppendNull();
    } else {
      b.column(2).AppendDouble(price);
    }
    if (symbol == "S1" && d == 0) {
      b.column(3).AppendNull();  // a file whose size is null throughout
    } else {
      b.column(3).AppendInt64(1000 - k * 3 + d);
    }
    b.column(4).AppendInt32(k % 5 == 0 ? -k : k);
    if (k % 4 == 1) {
      b.column(5).AppendNull();
    } else {
      b.column(5).AppendString(k % 3 == 0 ? "XNAS" : k % 3 == 1 ? "ARCA" : "BATS\xc3\xa9");
    }
  }
  return b;
}

class StatsAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    strata::testing::PreferMemoryTmpDir();
    dir_ = std::make_unique<strata::testing::TempDir>();
    root_ = dir_->Join("db");
    const std::string& root = root_;
    ASSERT_OK(Database::Init(root, {.fsync = "none"}));
    auto db = Database::Open(root, strata::testing::TestOptions());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_OK(db_->CreateTable({"t", TestSchema(), std::nullopt, "{}"}));
    for (int d = 0; d < 3; ++d) {
      for (const char* s : {"S0", "S1", "S2"}) ASSERT_OK(db_->Append("t", Rows(d, s, 60, 0)));
      if (d == 0) {
        ASSERT_OK(db_->Flush());
        MigrateOptions m;
        m.all = true;
        ASSERT_OK(db_->Migrate(m));  // day 0 cold
      }
      if (d == 1) {
        ASSERT_OK(db_->Flush());                            // day 1 warm
        ASSERT_OK(db_->Append("t", Rows(1, "S0", 5, 30)));  // late duplicates of S0's day 1, hot
      }
    }
    ASSERT_GT(strata::testing::TierRows(db_.get(), "cold", "t"), 0u);
    ASSERT_GT(strata::testing::TierRows(db_.get(), "warm", "t"), 0u);
    ASSERT_GT(strata::testing::TierRows(db_.get(), "hot", "t"), 0u);
  }

  static std::vector<AggregateSpec> Aggs() {
    std::vector<AggregateSpec> a;
    auto add = [&](AggKind k, const char* col) {
      AggregateSpec s;
      s.kind = k;
      if (col) s.arg = Col(col);
      s.name = "a" + std::to_string(a.size());
      a.push_back(std::move(s));
    };
    add(AggKind::kCountStar, nullptr);
    for (const char* c : {"ts", "symbol", "price", "size", "n", "venue"}) {
      add(AggKind::kCount, c);
      add(AggKind::kMin, c);
      add(AggKind::kMax, c);
    }
    return a;
  }

  // The aggregate over every row of the scan, and from statistics; both as text.
  void Compare(const LogicalPlan& scan, uint64_t want_summarized_at_least, uint64_t* summarized,
               Database* db = nullptr) {
    if (db == nullptr) db = db_.get();
    const std::vector<AggregateSpec> aggs = Aggs();
    LogicalPlan rows = scan;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> in, Execute(db, rows));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> plain, MakeHashAggregateStream(std::move(in), {}, aggs));
    ASSERT_OK_AND_ASSIGN(RecordBatch want, Collect(plain.get()));
    QueryPlan explain;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> fast, ExecuteStatsAggregate(db, scan, aggs, &explain));
    ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(fast.get()));
    ASSERT_EQ(got.num_rows(), 1u);
    ASSERT_EQ(got.fields(), want.fields());
    EXPECT_EQ(got.RowToString(0), want.RowToString(0));
    ASSERT_EQ(explain.scans().size(), 1u);
    *summarized = explain.scans()[0]->stats.files_summarized;
    EXPECT_GE(*summarized, want_summarized_at_least) << explain.ToString();
  }

  std::unique_ptr<strata::testing::TempDir> dir_;
  std::string root_;
  std::unique_ptr<Database> db_;
};

TEST_F(StatsAggregateTest, SameAnswerAsTheRowsOverEveryRange) {
  uint64_t n = 0;
  // Everything: cold S0..S2 day 0 (S1's null sizes included), warm S1 day 1 has a zero price
  // bound and S2 day 1 a NaN (both scanned), S0 day 1 is overlapped by hot rows (scanned).
  Compare({.table = "t"}, 3, &n);
  EXPECT_EQ(n, 3u);
  // One symbol, a range that cuts day 1: day 0 from statistics, day 1 scanned.
  Compare({.table = "t", .symbols = {"S1"}, .from_ts = DayStart(0), .to_ts = DayStart(1) + 20 * kSecondNs}, 1, &n);
  EXPECT_EQ(n, 1u);
  // A range that starts inside day 0's files: none of them is whole.
  Compare({.table = "t", .from_ts = DayStart(0) + kSecondNs}, 0, &n);
  EXPECT_EQ(n, 0u);
  // Only the cold tier; only the hot tier; nothing at all.
  Compare({.table = "t", .tiers = {"cold"}}, 3, &n);
  Compare({.table = "t", .tiers = {"hot"}}, 0, &n);
  EXPECT_EQ(n, 0u);
  Compare({.table = "t", .symbols = {"NOPE"}}, 0, &n);
}

// A table with a dedup key: S0's rows of day 0 were flushed twice (a second, overlapping file
// whose first half repeats the key of the first's second half: the scan keeps the first
// arrival), and a hot row repeats one of S2's; S1's file is alone. Counting the catalog's rows of
// any but S1's file would count the duplicates.
TEST_F(StatsAggregateTest, DuplicatesAcrossFilesAndTheHotTierAreScanned) {
  ASSERT_OK(db_->CreateTable({"d", TestSchema(), std::string("n"), "{}"}));
  ASSERT_OK(db_->Append("d", Rows(0, "S0", 60, 0)));
  ASSERT_OK(db_->Append("d", Rows(0, "S1", 60, 0)));
  ASSERT_OK(db_->Append("d", Rows(0, "S2", 60, 0)));
  ASSERT_OK(db_->Flush());
  RecordBatch again = Rows(0, "S0", 60, 30);  // seconds 30..89: 30..59 repeat the first file's keys
  for (size_t r = 0; r < again.num_rows(); ++r) again.column(2).doubles()[r] += 1000;  // another price
  ASSERT_OK(db_->Append("d", again));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Append("d", Rows(0, "S2", 1, 17)));  // a duplicate of S2's row at 17 s, hot
  uint64_t n = 0;
  Compare({.table = "d"}, 1, &n);
  EXPECT_EQ(n, 1u);  // S1's file only
  // The duplicates are there to be dropped: every file's and the hot tier's rows together are
  // more than the scan returns.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> all, Execute(db_.get(), LogicalPlan{.table = "d"}));
  ASSERT_OK_AND_ASSIGN(RecordBatch rows, Collect(all.get()));
  EXPECT_EQ(rows.num_rows(), 60u * 3 + 30);
  EXPECT_EQ(strata::testing::TierRows(db_.get(), "warm", "d") + strata::testing::TierRows(db_.get(), "hot", "d"),
            60u * 4 + 1);
}

// A read-only process replays a table's WAL records when it first reads it: the hot rows that
// overlap S0's file of day 1 are in its hot tier before the files are offered, so S0's file is
// scanned and the late duplicates dropped. Its answers are the writer's.
TEST_F(StatsAggregateTest, ReadOnlyProcessSeesItsHotRowsBeforeItSummarizes) {
  Options o = strata::testing::TestOptions();
  o.read_only = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> reader, Database::Open(root_, o));
  uint64_t n = 0;
  Compare({.table = "t"}, 3, &n, reader.get());
  EXPECT_EQ(n, 3u);
  // count(*), min(ts), max(symbol): the catalog answers for every file alone in day 1 (S1, S2).
  std::vector<AggregateSpec> aggs(3);
  aggs[0].kind = AggKind::kCountStar;
  aggs[1].kind = AggKind::kMin;
  aggs[1].arg = Col("ts");
  aggs[2].kind = AggKind::kMax;
  aggs[2].arg = Col("symbol");
  for (size_t i = 0; i < aggs.size(); ++i) aggs[i].name = "a" + std::to_string(i);
  const LogicalPlan day1{.table = "t", .from_ts = DayStart(1) - kSecondNs, .to_ts = DayStart(1) + kDayNs / 2};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> in, Execute(db_.get(), day1));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> plain, MakeHashAggregateStream(std::move(in), {}, aggs));
  ASSERT_OK_AND_ASSIGN(RecordBatch want, Collect(plain.get()));
  ASSERT_EQ(want.num_rows(), 1u);
  EXPECT_EQ(want.column(0).int64s()[0], 180);  // 3 x 60 rows; the 5 hot ones are duplicates
  QueryPlan explain;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<BatchStream> fast, ExecuteStatsAggregate(reader.get(), day1, aggs, &explain));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, Collect(fast.get()));
  ASSERT_EQ(got.num_rows(), 1u);
  EXPECT_EQ(got.RowToString(0), want.RowToString(0));
  EXPECT_EQ(explain.scans()[0]->stats.files_summarized, 2u) << explain.ToString();
}

TEST_F(StatsAggregateTest, OnlyCountMinMaxOfColumns) {
  std::vector<AggregateSpec> aggs(1);
  aggs[0].kind = AggKind::kSum;
  aggs[0].arg = Col("size");
  EXPECT_FALSE(StatsAnswerable(aggs));
  aggs[0].kind = AggKind::kMin;
  aggs[0].arg = Binary(BinaryOp::kAdd, Col("size"), Col("n"));
  EXPECT_FALSE(StatsAnswerable(aggs));
  aggs[0].arg = Col("size");
  EXPECT_TRUE(StatsAnswerable(aggs));
  aggs[0].distinct = true;
  EXPECT_FALSE(StatsAnswerable(aggs));
  aggs[0].distinct = false;
  EXPECT_FALSE(ExecuteStatsAggregate(db_.get(), {.table = "t", .where = "size > 3"}, aggs).ok());
}

}  // namespace
}  // namespace strata::query
