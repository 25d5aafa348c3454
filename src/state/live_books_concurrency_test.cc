// LiveBooks under concurrent appenders and readers (also run under ThreadSanitizer): readers see
// whole events only (a book never crossed by construction stays uncrossed), and the books end equal
// to replaying the table.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "state/state_test_util.h"
#include "strata/state.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

// Book updates that never cross: bids below 100, asks above; each event replaces one level.
RecordBatch Uncrossed(int thread, int batch, int rows) {
  RecordBatch b(*Schema::Template("book"));
  for (int i = 0; i < rows; ++i) {
    const bool bid = (i + batch) % 2 == 0;
    b.column(0).AppendInt64(1'780'000'000'000'000'000 + (int64_t{batch} * rows + i) * 1000 + thread);
    b.column(1).AppendString("S" + std::to_string(thread));
    b.column(2).AppendString(bid ? "bid" : "ask");
    b.column(3).AppendDouble(bid ? 99.0 - (i % 5) : 101.0 + (i % 5));
    b.column(4).AppendDouble(1 + (batch + i) % 7);
    b.column(5).AppendString((batch + i) % 11 == 0 ? "delete" : "update");
  }
  return b;
}

TEST(LiveBooksConcurrency, ReadersBesideConcurrentAppendersSeeWholeEvents) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"l2", *Schema::Template("book")}));
  BookOptions bo;
  bo.snapshot_every_events = 200;  // the snapshot writer runs beside it all
  bo.snapshot_every_ns = 0;
  ASSERT_OK_AND_ASSIGN(auto books, LiveBooks::Attach(db.get(), "l2", bo));
  const int kThreads = 2, kBatches = testing::Sanitized() ? 40 : 150;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> writers, readers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      auto appender = db->NewAppender("l2");
      ASSERT_TRUE(appender.ok());
      for (int i = 0; i < kBatches; ++i) ASSERT_OK((*appender)->Append(Uncrossed(t, i, 20)));
    });
  }
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&, r] {
      while (!done.load()) {
        auto v = books->Book("S" + std::to_string(r), 5);
        if (!v.ok()) continue;  // no event yet
        EXPECT_FALSE(v->crossed());
        EXPECT_LE(v->bids.size(), 5u);
        reads.fetch_add(1);
      }
    });
  }
  for (auto& w : writers) w.join();
  done.store(true);
  for (auto& r : readers) r.join();
  ASSERT_OK(books->WaitForSnapshots());
  EXPECT_GT(books->stats().snapshots_written, 0u);
  auto want = state::testing::ReplayFromScratch(db.get(), "l2", std::numeric_limits<int64_t>::max(), 100);
  ASSERT_EQ(want.size(), 2u);
  for (const auto& [sym, v] : want) {
    ASSERT_OK_AND_ASSIGN(BookView live, books->Book(sym, 100));
    EXPECT_TRUE(state::testing::SameBook(live, v)) << state::testing::ViewText(live) << "\n"
                                                   << state::testing::ViewText(v);
  }
  ASSERT_OK(books->Detach());
}

}  // namespace
}  // namespace strata
