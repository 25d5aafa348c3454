#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "strata/state.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

// The last n rows of a full scan of the series.
RecordBatch FullScanTail(Database* db, const std::string& symbol, size_t n) {
  ScanRequest req;
  req.table = "trades";
  req.symbols = {symbol};
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok());
  RecordBatch all(*Schema::Template("trades"));
  for (const RecordBatch& b : *batches) EXPECT_OK(all.Append(b));
  const size_t k = std::min(n, all.num_rows());
  return all.Slice(all.num_rows() - k, k);
}

void ExpectTailsMatch(Database* db, const std::string& layout) {
  for (const std::string sym : {"S0", "S1", "S2"}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{150}, size_t{2000}, size_t{100000}}) {
      ASSERT_OK_AND_ASSIGN(RecordBatch got, Tail(db, "trades", sym, n));
      RecordBatch want = FullScanTail(db, sym, n);
      ASSERT_EQ(got.num_rows(), want.num_rows()) << layout << " " << sym << " n=" << n;
      for (size_t c = 0; c < want.num_columns(); ++c) {
        ASSERT_TRUE(got.column(c).Equals(want.column(c))) << layout << " " << sym << " n=" << n << " column " << c;
      }
    }
  }
}

TEST(Tail, SameRowsAsTheEndOfAFullScanInEveryTierLayout) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades")}));
  EXPECT_TRUE(Tail(db.get(), "trades", "S0", 5).status().IsNotFound());
  const int64_t day = 86'400'000'000'000;
  const int64_t t0 = 1'780'000'000'000'000'000;
  // Rows 1 ms apart; the parts are days apart, so the windows must grow across empty time.
  ASSERT_OK(db->Append("trades", testing::MakeTrades(3000, 3, t0, 1)));
  ExpectTailsMatch(db.get(), "hot");
  ASSERT_OK(db->Flush().status());
  ExpectTailsMatch(db.get(), "warm");
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK(db->Migrate(mo).status());
  ExpectTailsMatch(db.get(), "cold");
  ASSERT_OK(db->Append("trades", testing::MakeTrades(1000, 3, t0 + 3 * day, 2)));
  ASSERT_OK(db->Flush().status());
  ASSERT_OK(db->Append("trades", testing::MakeTrades(100, 3, t0 + 9 * day, 3)));
  // An out-of-order arrival and a row tied with the newest ts, in the hot tier.
  ASSERT_OK(db->Append("trades", testing::MakeTrades(50, 3, t0 + 9 * day - 5'000'000, 4)));
  ExpectTailsMatch(db.get(), "cold + warm + hot");
}

// Follow in the writing process: the last rows first, then every append (of the symbol), in order,
// through the append listener.
TEST(Follow, InProcessDeliversTheTailThenEveryAppendInOrder) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades")}));
  ASSERT_OK(db->CreateTable({"other", *Schema::Template("trades")}));
  const int64_t t0 = 1'780'000'000'000'000'000;
  ASSERT_OK(db->Append("trades", testing::MakeTrades(30, 3, t0, 1)));

  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> ids;  // trade_id of every row delivered
  std::atomic<bool> stop{false};
  FollowOptions fo;
  fo.symbol = "S1";
  fo.last = 2;
  fo.stop = [&] { return stop.load(); };
  Status followed;
  std::thread follower([&] {
    followed = Follow(db.get(), "trades", fo, [&](const RecordBatch& rows) {
      std::lock_guard lock(mu);
      for (size_t i = 0; i < rows.num_rows(); ++i) {
        EXPECT_EQ(rows.column(1).GetString(i), "S1");
        ids.push_back(rows.column(4).int64s()[i]);
      }
      cv.notify_all();
      return Status::OK();
    });
  });
  auto wait_for = [&](size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return ids.size() >= n; });
  };
  ASSERT_TRUE(wait_for(2));
  std::vector<int64_t> want = {ids[0], ids[1]};
  ASSERT_OK_AND_ASSIGN(RecordBatch tail, Tail(db.get(), "trades", "S1", 2));
  EXPECT_EQ(want, (std::vector<int64_t>{tail.column(4).int64s()[0], tail.column(4).int64s()[1]}));
  for (int k = 2; k < 8; ++k) {
    RecordBatch b = testing::MakeTrades(30, 3, t0 + int64_t{k} * 1'000'000'000, k);
    ASSERT_OK(db->Append("trades", b));
    ASSERT_OK(db->Append("other", b));  // another table: not delivered
    for (size_t i = 0; i < b.num_rows(); ++i) {
      if (b.column(1).GetString(i) == "S1") want.push_back(b.column(4).int64s()[i]);
    }
    if (k == 4) ASSERT_OK(db->Flush().status());
  }
  EXPECT_TRUE(wait_for(want.size()));
  stop = true;
  follower.join();
  EXPECT_OK(followed);
  std::lock_guard lock(mu);
  EXPECT_EQ(ids, want);
}

// Follow in a read-only process (the WAL follower) across a column the writer adds meanwhile: the
// schema record widens the follower's columns, so the rows after it arrive with the new column.
TEST(Follow, TheWalFollowerWidensAtAnAddedColumnAndPassesOverACreatedTable) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades")}));
  const int64_t t0 = 1'780'000'000'000'000'000;
  ASSERT_OK(db->Append("trades", testing::MakeTrades(6, 1, t0, 1)));
  Options ro = o;
  ro.read_only = true;
  ASSERT_OK_AND_ASSIGN(auto reader, Database::Open(root, ro));

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<size_t, std::optional<int64_t>>> got;  // per row: columns, venue_id
  std::atomic<bool> stop{false};
  FollowOptions fo;
  fo.last = 0;
  fo.poll_ms = 5;
  fo.stop = [&] { return stop.load(); };
  Status followed;
  std::thread follower([&] {
    followed = Follow(reader.get(), "trades", fo, [&](const RecordBatch& rows) {
      std::lock_guard lock(mu);
      for (size_t i = 0; i < rows.num_rows(); ++i) {
        std::optional<int64_t> venue;
        if (rows.num_columns() > 6 && !rows.column(6).IsNull(i)) venue = rows.column(6).int64s()[i];
        got.emplace_back(rows.num_columns(), venue);
      }
      cv.notify_all();
      return Status::OK();
    });
  });
  ASSERT_OK(db->Append("trades", testing::MakeTrades(2, 1, t0 + 1'000'000'000, 2)));
  ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));
  std::vector<Field> fields = Schema::Template("trades")->fields();
  fields.push_back({"venue_id", ColumnType::kInt64, true});
  RecordBatch wide(fields);
  for (int i = 0; i < 2; ++i) {
    wide.column(0).AppendInt64(t0 + 2'000'000'000 + i);
    wide.column(1).AppendString("S0");
    wide.column(2).AppendDouble(1.5);
    wide.column(3).AppendInt64(1);
    wide.column(4).AppendInt64(1000 + i);
    wide.column(5).AppendString("X");
    wide.column(6).AppendInt64(70 + i);
  }
  // A table created meanwhile (a create record in the log, then its rows): passed over.
  ASSERT_OK(db->CreateTable({"later", *Schema::Template("trades")}));
  ASSERT_OK(db->Append("later", testing::MakeTrades(3, 1, t0 + 3'000'000'000, 3)));
  ASSERT_OK(db->Append("trades", wide));
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return got.size() >= 4; }));
  }
  stop = true;
  follower.join();
  EXPECT_OK(followed);
  std::lock_guard lock(mu);
  using Row = std::pair<size_t, std::optional<int64_t>>;
  EXPECT_EQ(got, (std::vector<Row>{{6, std::nullopt}, {6, std::nullopt}, {7, 70}, {7, 71}}));
}

}  // namespace
}  // namespace strata
