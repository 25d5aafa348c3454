// Database::Latest answers as a scan does when rows share the latest timestamp: duplicates (same
// ts and dedup key; keyless tables: equal in every column) are dropped, the first arrival wins
// (tier/dedup.h), and of the distinct rows at that ts the last in arrival order is the latest.
#include <gtest/gtest.h>

#include "db/db_test_util.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

// One trades row of symbol S.
RecordBatch Trade(const Schema& schema, int64_t ts, double price, int64_t trade_id) {
  RecordBatch b(schema);
  b.column(0).AppendInt64(ts);
  b.column(1).AppendString("S");
  b.column(2).AppendDouble(price);
  b.column(3).AppendInt64(1);
  b.column(4).AppendInt64(trade_id);
  b.column(5).AppendString("X");
  return b;
}

class LatestDedupTest : public db::testing::DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    ASSERT_OK_AND_ASSIGN(db_, OpenDb(DbOptions()));
    schema_ = *Schema::Template("trades");
    ASSERT_OK(db_->CreateTable({"trades", schema_, "trade_id"}));
  }

  // The last row a scan of S returns.
  RecordBatch ScanLast() {
    ScanRequest req;
    req.table = "trades";
    auto r = db_->Scan(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    RecordBatch last;
    if (r.ok()) {
      for (const RecordBatch& b : *r) {
        if (b.num_rows() > 0) last = b.Slice(b.num_rows() - 1, 1);
      }
    }
    return last;
  }

  double LatestPrice() {
    RecordBatch out;
    Status st = db_->Latest("trades", "S", &out);
    EXPECT_OK(st);
    return st.ok() ? out.column(2).doubles()[0] : -1;
  }

  std::unique_ptr<Database> db_;
  Schema schema_;
};

TEST_F(LatestDedupTest, ADuplicateAtTheLatestTsDoesNotReplaceTheFirstArrival) {
  const int64_t t = 1'700'000'000'000'000'000;
  ASSERT_OK(db_->Append("trades", Trade(schema_, t - 5, 9.0, 100)));
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 1.0, 7)));
  EXPECT_EQ(LatestPrice(), 1.0);
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 2.0, 7)));  // a replay of trade 7: dropped
  EXPECT_EQ(ScanLast().column(2).doubles()[0], 1.0);
  EXPECT_EQ(LatestPrice(), 1.0);
  // A different trade at the same ts is a row of its own, and the later arrival.
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 3.0, 8)));
  EXPECT_EQ(LatestPrice(), 3.0);
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 4.0, 7)));  // trade 7 again: still dropped
  EXPECT_EQ(ScanLast().column(2).doubles()[0], 3.0);
  EXPECT_EQ(LatestPrice(), 3.0);
  // The same after a flush (warm rows) with another replay in the hot tier.
  ASSERT_OK(db_->Flush().status());
  EXPECT_EQ(LatestPrice(), 3.0);
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 5.0, 8)));
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 6.0, 8)));
  EXPECT_EQ(ScanLast().column(2).doubles()[0], 3.0);
  EXPECT_EQ(LatestPrice(), 3.0);
}

TEST_F(LatestDedupTest, FlushedPartsWithTheSameLatestTsAgreeWithTheScan) {
  const int64_t t = 1'700'000'000'000'000'000;
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 1.0, 7)));
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 2.0, 7)));  // a replay, flushed into a second part
  ASSERT_OK(db_->Flush().status());
  EXPECT_EQ(ScanLast().column(2).doubles()[0], 1.0);
  EXPECT_EQ(LatestPrice(), 1.0);
}

// One hot row at the latest ts that duplicates a flushed row: the flushed row arrived first and
// is the one every read returns, Latest included (in this process, and after a reopen, when the
// hot tier has not seen the flush).
TEST_F(LatestDedupTest, ASingleHotRowDuplicatingAFlushedRowIsNotTheLatest) {
  const int64_t t = 1'700'000'000'000'000'000;
  ASSERT_OK(db_->Append("trades", Trade(schema_, t - 5, 9.0, 100)));
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 1.0, 7)));
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 2.0, 7)));  // a replay of trade 7
  EXPECT_EQ(ScanLast().column(2).doubles()[0], 1.0);
  EXPECT_EQ(LatestPrice(), 1.0);
  EXPECT_EQ(LatestPrice(), 1.0);  // the second call takes the hot path

  ASSERT_OK(db_->Close());
  const Options options = DbOptions();
  ASSERT_OK_AND_ASSIGN(db_, OpenDb(options));
  EXPECT_EQ(LatestPrice(), 1.0);
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK(db_->Close());
  ASSERT_OK_AND_ASSIGN(db_, OpenDb(options));
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 3.0, 7)));  // a replay again, after a reopen
  EXPECT_EQ(LatestPrice(), 1.0);
  EXPECT_EQ(LatestPrice(), 1.0);
  // A newer hot row is the latest, on the hot path.
  ASSERT_OK(db_->Append("trades", Trade(schema_, t + 1, 4.0, 9)));
  EXPECT_EQ(LatestPrice(), 4.0);
}

// A hot row older than a flushed one (a late arrival) is not the latest: the flushed row is.
TEST_F(LatestDedupTest, AHotRowOlderThanAFlushedRowIsNotTheLatest) {
  const int64_t t = 1'700'000'000'000'000'000;
  ASSERT_OK(db_->Append("trades", Trade(schema_, t, 1.0, 7)));
  ASSERT_OK(db_->Flush().status());
  ASSERT_OK(db_->Append("trades", Trade(schema_, t - 10, 2.0, 8)));
  EXPECT_EQ(ScanLast().column(2).doubles()[0], 1.0);
  EXPECT_EQ(LatestPrice(), 1.0);
  EXPECT_EQ(LatestPrice(), 1.0);
}

TEST_F(LatestDedupTest, AppendCountedCountsWhatTheScanDrops) {
  const int64_t t = 1'700'000'000'000'000'000;
  ASSERT_OK_AND_ASSIGN(auto appender, db_->NewAppender("trades"));
  RecordBatch b = Trade(schema_, t, 1.0, 7);
  ASSERT_OK(b.Append(Trade(schema_, t, 2.0, 7)));      // same key, same ts: a duplicate
  ASSERT_OK(b.Append(Trade(schema_, t, 3.0, 8)));      // another key
  ASSERT_OK(b.Append(Trade(schema_, t + 1, 4.0, 7)));  // another ts
  uint64_t dups = 99;
  ASSERT_OK(appender->AppendCounted(b, &dups));
  EXPECT_EQ(dups, 1u);
  ASSERT_OK(db_->Flush().status());
  // A replay of everything: every row duplicates a flushed one (or the first of the batch).
  ASSERT_OK(appender->AppendCounted(b, &dups));
  EXPECT_EQ(dups, 4u);
  ScanRequest req;
  req.table = "trades";
  ASSERT_OK_AND_ASSIGN(auto batches, db_->Scan(req));
  size_t rows = 0;
  for (const RecordBatch& x : batches) rows += x.num_rows();
  EXPECT_EQ(rows, 8u - 1u - 4u);
}

TEST_F(LatestDedupTest, AppendCountedWithoutAKeyComparesEveryColumn) {
  ASSERT_OK(db_->CreateTable({"plain", schema_, std::nullopt}));
  ASSERT_OK_AND_ASSIGN(auto appender, db_->NewAppender("plain"));
  const int64_t t = 1'700'000'000'000'000'000;
  RecordBatch b = Trade(schema_, t, 1.0, 7);
  ASSERT_OK(b.Append(Trade(schema_, t, 1.0, 7)));  // equal in every column
  ASSERT_OK(b.Append(Trade(schema_, t, 1.5, 7)));  // differs in price: kept
  uint64_t dups = 99;
  ASSERT_OK(appender->AppendCounted(b, &dups));
  EXPECT_EQ(dups, 1u);
}

}  // namespace
}  // namespace strata
