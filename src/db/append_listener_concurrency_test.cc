// Append listeners (Database::AddAppendListener): every acknowledged append, from every writer
// path, in LSN order, exactly once, also under concurrent appenders (also run under TSan).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "db/db_test_util.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using testing::MakeTrades;

// Records what it is told; fails the test when two calls overlap or LSNs go backwards.
class RecordingListener final : public AppendListener {
 public:
  explicit RecordingListener(Database* db = nullptr) : db_(db) {}

  Status OnAttach(uint64_t lsn) override {
    attach_lsn = lsn;
    if (db_ != nullptr) {
      ScanRequest req;
      req.table = "trades";
      ASSIGN_OR_RETURN(auto batches, db_->Scan(req));
      for (const RecordBatch& b : batches) rows_at_attach += b.num_rows();
    }
    return Status::OK();
  }

  void OnAppend(const AppendEvent& e) override {
    EXPECT_FALSE(inside_.exchange(true)) << "two OnAppend calls overlap";
    EXPECT_EQ(e.first_lsn, e.last_lsn);
    lsns.push_back(e.first_lsn);
    // Widens the window in which an unordered delivery would overlap or overtake this one.
    for (int i = 0; i < yields; ++i) std::this_thread::yield();
    tables.emplace_back(e.table);
    rows += e.batch->num_rows();
    inside_.store(false);
    delivered.fetch_add(1);
  }

  Database* db_;
  int yields = 0;
  uint64_t attach_lsn = 0;
  size_t rows_at_attach = 0;
  std::vector<uint64_t> lsns;  // written by one OnAppend at a time (checked), read after joins
  std::vector<std::string> tables;
  size_t rows = 0;
  std::atomic<size_t> delivered{0};

 private:
  std::atomic<bool> inside_{false};
};

class AppendListenerTest : public db::testing::DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    ASSERT_OK_AND_ASSIGN(db_, OpenDb(DbOptions()));
    TableDef trades{"trades", *Schema::Template("trades")};
    ASSERT_OK(db_->CreateTable(trades));
    TableDef quotes{"quotes", *Schema::Template("quotes")};
    ASSERT_OK(db_->CreateTable(quotes));
  }

  std::unique_ptr<Database> db_;
};

TEST_F(AppendListenerTest, EveryWriterPathInLsnOrderFromTheAttachLsn) {
  ASSERT_OK(db_->Append("trades", MakeTrades(10, 2, 1'000'000'000, 1)));  // before: not delivered
  auto listener = std::make_shared<RecordingListener>(db_.get());
  ASSERT_OK_AND_ASSIGN(uint64_t lsn, db_->AddAppendListener(listener));
  EXPECT_EQ(lsn, listener->attach_lsn);
  EXPECT_EQ(listener->rows_at_attach, 10u);
  ASSERT_OK(db_->Append("trades", MakeTrades(5, 2, 2'000'000'000, 2)));
  ASSERT_OK_AND_ASSIGN(auto appender, db_->NewAppender("trades"));
  ASSERT_OK(appender->Append(MakeTrades(7, 2, 3'000'000'000, 3)));
  uint64_t dups = 0;
  ASSERT_OK(appender->AppendCounted(MakeTrades(3, 2, 4'000'000'000, 4), &dups));
  RecordBatch quote(*Schema::Template("quotes"));
  quote.column(0).AppendInt64(5'000'000'000);
  quote.column(1).AppendString("S0");
  quote.column(2).AppendDouble(1);
  quote.column(3).AppendDouble(2);
  quote.column(4).AppendInt64(1);
  quote.column(5).AppendInt64(1);
  ASSERT_OK(db_->Append("quotes", quote));
  ASSERT_OK(db_->Append("trades", RecordBatch(*Schema::Template("trades"))));  // empty: no record, no call
  // A refused batch (wrong schema) writes nothing and tells nobody.
  EXPECT_FALSE(db_->Append("trades", quote).ok());
  EXPECT_EQ(listener->lsns, (std::vector<uint64_t>{lsn + 1, lsn + 2, lsn + 3, lsn + 4}));
  EXPECT_EQ(listener->tables, (std::vector<std::string>{"trades", "trades", "trades", "quotes"}));
  EXPECT_EQ(listener->rows, 16u);

  ASSERT_OK(db_->RemoveAppendListener(listener.get()));
  EXPECT_TRUE(db_->RemoveAppendListener(listener.get()).IsNotFound());
  ASSERT_OK(db_->Append("trades", MakeTrades(5, 2, 6'000'000'000, 5)));
  EXPECT_EQ(listener->lsns.size(), 4u);
}

TEST_F(AppendListenerTest, AttachErrorRegistersNothingAndReadOnlyIsRefused) {
  class Refusing final : public AppendListener {
   public:
    Status OnAttach(uint64_t) override { return Status::Internal("no"); }
    void OnAppend(const AppendEvent&) override { ADD_FAILURE() << "called after a failed attach"; }
  };
  EXPECT_EQ(db_->AddAppendListener(std::make_shared<Refusing>()).status().code(), StatusCode::kInternal);
  ASSERT_OK(db_->Append("trades", MakeTrades(5, 2, 1'000'000'000, 1)));
  Options ro;
  ro.read_only = true;
  ASSERT_OK_AND_ASSIGN(auto reader, Database::Open(root_, ro));
  EXPECT_FALSE(reader->AddAppendListener(std::make_shared<RecordingListener>()).ok());
}

// Appenders on several threads, a listener attached while they run: the listener sees consecutive
// LSNs from its attach LSN, the rows it saw plus the rows in the tables at attach are all rows.
TEST_F(AppendListenerTest, ConcurrentAppendersAreDeliveredInLsnOrderExactlyOnce) {
  const int kThreads = 4;
  const size_t kDeliveries = testing::Sanitized() ? 100 : 400;
  std::atomic<int> started{0};
  std::atomic<bool> stop{false};
  std::atomic<size_t> appended_rows{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto appender = db_->NewAppender("trades");
      ASSERT_TRUE(appender.ok());
      for (int i = 0; !stop.load(); ++i) {
        ASSERT_OK((*appender)->Append(MakeTrades(4, 3, (int64_t{t} * 1'000'000 + i) * 10'000'000'000, t * 1000 + i)));
        appended_rows.fetch_add(4);
        if (i == 0) started.fetch_add(1);
      }
    });
  }
  while (started.load() < kThreads) std::this_thread::yield();  // attach mid-stream
  auto listener = std::make_shared<RecordingListener>(db_.get());
  listener->yields = 20;
  ASSERT_OK_AND_ASSIGN(uint64_t lsn, db_->AddAppendListener(listener));
  while (listener->delivered.load() < kDeliveries) std::this_thread::yield();
  stop.store(true);
  for (auto& th : threads) th.join();
  ASSERT_GE(listener->lsns.size(), kDeliveries);
  for (size_t i = 0; i < listener->lsns.size(); ++i) ASSERT_EQ(listener->lsns[i], lsn + 1 + i);
  EXPECT_EQ(listener->rows_at_attach + listener->rows, appended_rows.load());
  EXPECT_EQ(listener->lsns.back(), appended_rows.load() / 4 + 2);  // after the two create records
}

}  // namespace
}  // namespace strata
