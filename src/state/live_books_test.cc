#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "io/fault_injection_fs.h"
#include "state/state_test_util.h"
#include "strata/state.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using state::testing::MakeBookEvents;
using state::testing::ReplayFromScratch;
using state::testing::SameBook;
using state::testing::ViewText;
using strata::testing::TempDir;

constexpr int64_t kDayNs = 86'400'000'000'000;
constexpr int64_t kStart = 1'780'000'000'000'000'000;  // 2026-05-28

class LiveBooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.Join("db");
    InitOptions init;
    init.fsync = "none";
    ASSERT_OK(Database::Init(root_, init));
  }

  std::unique_ptr<Database> Open(FileSystem* fs = nullptr) {
    Options o;
    o.fs = fs;
    o.background_flush = false;
    o.on_warning = [](std::string_view) {};
    auto db = Database::Open(root_, o);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  BookOptions Schedule(uint64_t events, int64_t ns = 0, FileSystem* fs = nullptr) {
    BookOptions o;
    o.snapshot_every_events = events;
    o.snapshot_every_ns = ns;
    o.fs = fs;
    o.on_warning = [](std::string_view) {};
    return o;
  }

  // The live view of every symbol equals the from-scratch replay of the table.
  void ExpectLiveEqualsReplay(Database* db, LiveBooks* books, size_t depth = 1000) {
    auto want = ReplayFromScratch(db, "l2", std::numeric_limits<int64_t>::max(), depth);
    ASSERT_EQ(books->Symbols().size(), want.size());
    for (const auto& [sym, v] : want) {
      ASSERT_OK_AND_ASSIGN(BookView live, books->Book(sym, depth));
      EXPECT_TRUE(SameBook(live, v)) << "live " << ViewText(live) << "\nwant " << ViewText(v);
    }
  }

  TempDir dir_;
  std::string root_;
};

TEST_F(LiveBooksTest, LiveBooksFollowEveryAppendAndRefuseBadRowsWithoutDamage) {
  auto db = Open();
  ASSERT_OK(db->CreateTable({"l2", *Schema::Template("book")}));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades")}));
  EXPECT_EQ(LiveBooks::Attach(db.get(), "trades", {}).status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(auto books, LiveBooks::Attach(db.get(), "l2", Schedule(0)));
  std::mt19937_64 rng(7);
  int64_t ts = kStart;
  ASSERT_OK_AND_ASSIGN(auto appender, db->NewAppender("l2"));
  for (int i = 0; i < 20; ++i) ASSERT_OK(appender->Append(MakeBookEvents(rng, 3, 100, &ts)));
  ASSERT_OK(db->Append("trades", testing::MakeTrades(10, 2, kStart, 1)));  // another table: ignored
  ExpectLiveEqualsReplay(db.get(), books.get());
  ASSERT_OK_AND_ASSIGN(BookView b0, books->Book("B0", 5));
  EXPECT_LE(b0.bids.size(), 5u);
  EXPECT_GT(b0.counters.refused, 0u);
  EXPECT_GT(b0.counters.missing_deletes, 0u);
  EXPECT_TRUE(books->Book("nope", 5).status().IsNotFound());
  EXPECT_EQ(books->stats().events_applied, 2000u);
  EXPECT_EQ(books->stats().snapshots_written, 0u);
  ASSERT_OK(books->Detach());
  ASSERT_OK(appender->Append(MakeBookEvents(rng, 3, 10, &ts)));
  EXPECT_EQ(books->stats().events_applied, 2000u);
}

// Snapshots + replay: after a restart the books come back from the snapshots plus the events
// after them, not from all of history; and the book at any T on a grid, with the data split over
// hot, warm and cold, equals replaying every event up to T from scratch.
TEST_F(LiveBooksTest, RestartAndBookAtTComeFromSnapshotsAcrossEveryTier) {
  const int kBatches = testing::Sanitized() ? 12 : 30;
  std::mt19937_64 rng(11);
  int64_t ts = kStart;
  const int64_t step = kDayNs / 400;  // the events span several days (warm days, a cold month)
  std::vector<int64_t> grid;
  {
    auto db = Open();
    ASSERT_OK(db->CreateTable({"l2", *Schema::Template("book")}));
    ASSERT_OK_AND_ASSIGN(auto books, LiveBooks::Attach(db.get(), "l2", Schedule(150)));
    for (int i = 0; i < kBatches; ++i) {
      ASSERT_OK(db->Append("l2", MakeBookEvents(rng, 3, 100, &ts, step)));
      grid.push_back(ts - step * 37);
      if (i == kBatches / 3) {
        ASSERT_OK(db->Flush().status());
        MigrateOptions mo;
        mo.all = true;
        ASSERT_OK(db->Migrate(mo).status());  // the first third goes cold
      }
      if (i == 2 * kBatches / 3) ASSERT_OK(db->Flush().status());  // the second third warm, the rest hot
    }
    ASSERT_OK(books->WaitForSnapshots());
    // Every 150 events of a symbol: about kBatches * 100 / 150 in all (3 symbols), fewer with the
    // sanitizers' smaller data.
    EXPECT_GE(books->stats().snapshots_written, static_cast<uint64_t>(kBatches / 3));
    ExpectLiveEqualsReplay(db.get(), books.get());
    // BookAt, and one BookReader asked for every (symbol, t) in turn.
    ASSERT_OK_AND_ASSIGN(auto reader, BookReader::Open(db.get(), "l2"));
    for (int64_t t : grid) {
      auto want = ReplayFromScratch(db.get(), "l2", t, 50);
      for (const auto& [sym, v] : want) {
        ASSERT_OK_AND_ASSIGN(BookView at, BookAt(db.get(), "l2", sym, t, 50));
        ASSERT_TRUE(SameBook(at, v)) << "at " << t << "\ngot  " << ViewText(at) << "\nwant " << ViewText(v);
        ASSERT_OK_AND_ASSIGN(BookView read, reader->At(sym, t, 50));
        ASSERT_TRUE(SameBook(read, v)) << "reader at " << t << "\ngot  " << ViewText(read) << "\nwant " << ViewText(v);
      }
    }
    ASSERT_OK(books->Detach());
  }
  auto db = Open();
  ASSERT_OK_AND_ASSIGN(auto books, LiveBooks::Attach(db.get(), "l2", Schedule(150)));
  const LiveBooksStats s = books->stats();
  EXPECT_EQ(s.snapshots_loaded, 3u);
  EXPECT_LE(s.events_replayed, 3u * 150 + 3);  // O(events since the snapshots), not 3000
  ExpectLiveEqualsReplay(db.get(), books.get());
  // A read-only process sees the same history.
  Options ro;
  ro.read_only = true;
  ASSERT_OK_AND_ASSIGN(auto reader, Database::Open(root_, ro));
  ASSERT_OK_AND_ASSIGN(BookView now, BookAt(reader.get(), "l2", "B1", std::numeric_limits<int64_t>::max(), 20));
  ASSERT_OK_AND_ASSIGN(BookView live, books->Book("B1", 20));
  EXPECT_TRUE(SameBook(now, live)) << ViewText(now) << "\n" << ViewText(live);
  ASSERT_OK(books->Detach());
}

// History appended without live books gets snapshots afterwards (WriteBookSnapshots), by event
// time; BookAt then starts from them.
TEST_F(LiveBooksTest, WriteBookSnapshotsForHistoryByEventTime) {
  auto db = Open();
  ASSERT_OK(db->CreateTable({"l2", *Schema::Template("book")}));
  std::mt19937_64 rng(5);
  int64_t ts = kStart;
  for (int i = 0; i < 10; ++i) ASSERT_OK(db->Append("l2", MakeBookEvents(rng, 2, 100, &ts, 10'000'000)));
  ASSERT_OK_AND_ASSIGN(uint64_t n, WriteBookSnapshots(db.get(), "l2", Schedule(0, 1'000'000'000)));
  EXPECT_GE(n, 2u * 8);  // 10 s of events, one snapshot a second per symbol
  ASSERT_OK_AND_ASSIGN(uint64_t again, WriteBookSnapshots(db.get(), "l2", Schedule(0, 1'000'000'000)));
  EXPECT_LE(again, 2u);  // only what is new since the latest
  for (int64_t t = kStart; t < ts; t += 333'000'000) {
    auto want = ReplayFromScratch(db.get(), "l2", t, 10);
    for (const auto& [sym, v] : want) {
      ASSERT_OK_AND_ASSIGN(BookView at, BookAt(db.get(), "l2", sym, t, 10));
      ASSERT_TRUE(SameBook(at, v)) << ViewText(at) << "\n" << ViewText(v);
    }
  }
  // Snapshot files gone (a backup restored without state/): rebuilt from the events instead.
  std::filesystem::remove_all(root_ + "/state");
  auto want = ReplayFromScratch(db.get(), "l2", ts, 10);
  for (const auto& [sym, v] : want) {
    ASSERT_OK_AND_ASSIGN(BookView at, BookAt(db.get(), "l2", sym, ts, 10));
    EXPECT_TRUE(SameBook(at, v)) << ViewText(at) << "\n" << ViewText(v);
  }
}

// Power loss at every step of appends with live books writing snapshots (fsync=none: acknowledged
// rows may be lost): whatever survives, the books rebuilt at the next open equal replaying the
// surviving events from scratch, so a snapshot is never ahead of the log.
TEST_F(LiveBooksTest, PowerLossAtEveryStepLeavesSnapshotsConsistentWithTheLog) {
  const int kSteps = 40;
  int checked = 0;
  for (int k = 1; k <= kSteps; k += testing::Sanitized() ? 9 : 4) {
    TempDir dir;
    root_ = dir.Join("db");
    InitOptions init;
    init.fsync = "none";
    ASSERT_OK(Database::Init(root_, init));
    FaultInjectionFileSystem fs(DefaultFileSystem());
    {
      auto db = Open(&fs);
      ASSERT_NE(db, nullptr);
      ASSERT_OK(db->CreateTable({"l2", *Schema::Template("book")}));
      ASSERT_OK_AND_ASSIGN(auto books, LiveBooks::Attach(db.get(), "l2", Schedule(40, 0, &fs)));
      std::mt19937_64 rng(static_cast<uint64_t>(k));
      int64_t ts = kStart;
      for (int i = 0; i < 3; ++i) ASSERT_OK(db->Append("l2", MakeBookEvents(rng, 2, 50, &ts)));
      ASSERT_OK(books->WaitForSnapshots());
      fs.CrashAtOp(k);
      for (int i = 0; i < 6; ++i) {
        if (!db->Append("l2", MakeBookEvents(rng, 2, 50, &ts)).ok()) break;
      }
      books->WaitForSnapshots().IgnoreError();
      books->Detach().IgnoreError();
      db.reset();
    }
    ASSERT_OK(fs.DropUnsyncedData());
    auto db = Open(&fs);
    ASSERT_NE(db, nullptr) << "k=" << k;
    ASSERT_OK_AND_ASSIGN(auto books, LiveBooks::Attach(db.get(), "l2", Schedule(40, 0, &fs)));
    ExpectLiveEqualsReplay(db.get(), books.get());
    ASSERT_OK(books->Detach());
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// Book samples (WriteBookSamples): every row of <table>_book_1s is the book after every event at
// or before its second S (a from-scratch replay), there is a row for exactly the seconds that had
// events of the symbol (up to its newest event), and a second run after more events (across
// cold, warm and hot, starting from snapshots) extends the table to what one run over everything
// would write.
TEST_F(LiveBooksTest, BookSamplesEqualTheBookAtEachSecondAndExtendIncrementally) {
  constexpr int64_t kSec = 1'000'000'000;
  constexpr size_t kDepth = 3;
  auto db = Open();
  ASSERT_OK(db->CreateTable({"l2", *Schema::Template("book")}));
  ASSERT_OK_AND_ASSIGN(auto books, LiveBooks::Attach(db.get(), "l2", Schedule(50)));
  std::mt19937_64 rng(12);
  int64_t ts = kStart + 123'456;  // not on a second
  const size_t rows = testing::Sanitized() ? 200 : 600;
  std::vector<RecordBatch> events;
  auto append = [&](size_t n) {
    events.push_back(MakeBookEvents(rng, 3, n, &ts, 37'000'000));
    ASSERT_OK(db->Append("l2", events.back()));
  };
  append(rows);
  ASSERT_OK(db->Flush().status());
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(db->Migrate(mo).status());
  ASSERT_OK_AND_ASSIGN(BookSamplesResult first, WriteBookSamples(db.get(), "l2", kSec, kDepth));
  EXPECT_EQ(first.table, "l2_book_1s");
  EXPECT_GT(first.rows, 0u);
  append(rows);
  ASSERT_OK(db->Flush().status());
  append(rows / 2);
  ASSERT_OK(books->WaitForSnapshots());
  ASSERT_OK_AND_ASSIGN(BookSamplesResult second, WriteBookSamples(db.get(), "l2", kSec, kDepth));
  EXPECT_GT(second.rows, 0u);
  ASSERT_OK_AND_ASSIGN(BookSamplesResult third, WriteBookSamples(db.get(), "l2", kSec, kDepth));
  EXPECT_EQ(third.rows, 0u);
  EXPECT_EQ(WriteBookSamples(db.get(), "l2", kSec, kDepth + 1).status().code(), StatusCode::kInvalidArgument);

  // The seconds each symbol had events in, up to its newest event.
  std::map<std::string, std::set<int64_t>> want;
  std::map<std::string, int64_t> newest;
  for (const RecordBatch& b : events) {
    for (size_t i = 0; i < b.num_rows(); ++i) {
      const std::string sym(b.column(1).GetString(i));
      const int64_t t = b.column(0).int64s()[i];
      want[sym].insert((t + kSec - 1) / kSec * kSec);
      newest[sym] = std::max(newest[sym], t);
    }
  }
  for (auto& [sym, s] : want) {
    while (!s.empty() && *s.rbegin() > newest[sym]) s.erase(std::prev(s.end()));
  }
  ScanRequest req;
  req.table = "l2_book_1s";
  ASSERT_OK_AND_ASSIGN(auto got, db->Scan(req));
  std::map<std::string, std::set<int64_t>> seen;
  size_t got_rows = 0;
  for (const RecordBatch& b : got) {
    ASSERT_EQ(b.num_columns(), 2 + 4 * kDepth + 2);
    for (size_t i = 0; i < b.num_rows(); ++i, ++got_rows) {
      const int64_t at = b.column(0).int64s()[i];
      const std::string sym(b.column(1).GetString(i));
      EXPECT_TRUE(seen[sym].insert(at).second) << "two rows for " << sym << " at " << at;
      auto books_then = ReplayFromScratch(db.get(), "l2", at, kDepth);
      const BookView& v = books_then[sym];
      size_t c = 2;
      for (const std::vector<BookLevel>* side : {&v.bids, &v.asks}) {
        for (size_t l = 0; l < kDepth; ++l, c += 2) {
          if (l < side->size()) {
            ASSERT_FALSE(b.column(c).IsNull(i)) << sym << " " << at << " column " << c;
            EXPECT_EQ(b.column(c).doubles()[i], (*side)[l].price) << sym << " " << at << " column " << c;
            EXPECT_EQ(b.column(c + 1).doubles()[i], (*side)[l].size) << sym << " " << at << " column " << c;
          } else {
            EXPECT_TRUE(b.column(c).IsNull(i) && b.column(c + 1).IsNull(i)) << sym << " " << at << " column " << c;
          }
        }
      }
      if (v.mid()) {
        EXPECT_EQ(b.column(c).doubles()[i], *v.mid());
        EXPECT_EQ(b.column(c + 1).doubles()[i], *v.spread());
      } else {
        EXPECT_TRUE(b.column(c).IsNull(i) && b.column(c + 1).IsNull(i));
      }
    }
  }
  EXPECT_EQ(seen, want);
  EXPECT_EQ(got_rows, first.rows + second.rows);
  ASSERT_OK(books->Detach());
}

}  // namespace
}  // namespace strata
