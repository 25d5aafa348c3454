#include "strata/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "db/db_test_util.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using testing::MakeTrades;

class DatabaseTest : public db::testing::DbTest {
 protected:
  std::unique_ptr<Database> OpenWriter() {
    Options options = DbOptions();
    options.background_flush = true;  // as a writer opens by default
    return MustOpenDb(options);
  }

  std::vector<RecordBatch> ScanAll(Database* db, const std::string& table = "trades") {
    ScanRequest req;
    req.table = table;
    auto r = db->Scan(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : std::vector<RecordBatch>{};
  }

  static size_t Rows(const std::vector<RecordBatch>& batches) {
    size_t n = 0;
    for (const auto& b : batches) n += b.num_rows();
    return n;
  }
};

TEST_F(DatabaseTest, InitTwiceAndOpenMissingAreClearErrors) {
  Status again = Database::Init(root_, {});
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  auto missing = Database::Open(dir_.Join("nope"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("strata init"), std::string::npos);
  InitOptions bad;
  bad.fsync = "sometimes";
  EXPECT_FALSE(Database::Init(dir_.Join("other"), bad).ok());
}

TEST_F(DatabaseTest, AppendScanAndReopenReplaysWal) {
  RecordBatch batch = MakeTrades(5000, 4, 1'000'000'000, 1);
  {
    auto db = OpenWriter();
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}));
    ASSERT_OK_AND_ASSIGN(auto appender, db->NewAppender("trades"));
    ASSERT_OK(appender->Append(batch.Slice(0, 2500)));
    ASSERT_OK(appender->Append(batch.Slice(2500, 2500)));
    EXPECT_EQ(Rows(ScanAll(db.get())), 5000u);
    ASSERT_OK(db->Close());
  }
  auto db = OpenWriter();
  auto batches = ScanAll(db.get());
  EXPECT_EQ(Rows(batches), 5000u);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[0].column(1).GetString(0), "S0");
  // Every row of S0 is there, in ts order.
  size_t s0 = 0;
  for (size_t i = 0; i < batch.num_rows(); ++i) s0 += batch.column(1).GetString(i) == "S0";
  EXPECT_EQ(batches[0].num_rows(), s0);
  for (size_t i = 1; i < batches[0].num_rows(); ++i) {
    EXPECT_LE(batches[0].column(0).int64s()[i - 1], batches[0].column(0).int64s()[i]);
  }
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(DatabaseTest, ScanFiltersAndErrors) {
  auto db = OpenWriter();
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  RecordBatch batch = MakeTrades(1000, 2, 0, 2);
  ASSERT_OK(db->Append("trades", batch));
  ScanRequest req;
  req.table = "trades";
  req.symbols = {"S1"};
  req.from_ts = 100'000'000;  // rows are 1 ms apart
  req.to_ts = 200'000'000;
  req.columns = {"ts", "price"};
  ASSERT_OK_AND_ASSIGN(auto batches, db->Scan(req));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].num_columns(), 2u);
  size_t expected = 0;
  for (size_t i = 100; i < 200; ++i) expected += batch.column(1).GetString(i) == "S1";
  EXPECT_EQ(batches[0].num_rows(), expected);

  req.symbols = {"NOPE"};
  ASSERT_OK_AND_ASSIGN(auto none, db->Scan(req));
  EXPECT_EQ(Rows(none), 0u);

  req.from_ts = 10;
  req.to_ts = 5;
  EXPECT_EQ(db->Scan(req).status().code(), StatusCode::kInvalidArgument);
  req.from_ts = 0;
  req.columns = {"bogus"};
  EXPECT_FALSE(db->Scan(req).ok());
  req.table = "nope";
  EXPECT_TRUE(db->Scan(req).status().IsNotFound());

  RecordBatch wrong = MakeTrades(10, 1, 0, 3).Slice(0, 10);
  ASSERT_OK_AND_ASSIGN(auto projected, wrong.Project({"ts", "symbol"}));
  Status st = db->Append("trades", projected);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("do not match the table schema"), std::string::npos) << st.ToString();
}

TEST_F(DatabaseTest, LatestPerSymbol) {
  auto db = OpenWriter();
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  RecordBatch batch = MakeTrades(300, 3, 0, 4);
  ASSERT_OK(db->Append("trades", batch));
  RecordBatch row;
  ASSERT_OK(db->Latest("trades", "S2", &row));
  ASSERT_EQ(row.num_rows(), 1u);
  size_t last = 0;
  for (size_t i = 0; i < batch.num_rows(); ++i) {
    if (batch.column(1).GetString(i) == "S2") last = i;
  }
  EXPECT_EQ(row.RowToString(0), batch.RowToString(last));
  EXPECT_TRUE(db->Latest("trades", "S9", &row).IsNotFound());
}

TEST_F(DatabaseTest, OneWriterManyReaders) {
  auto writer = OpenWriter();
  ASSERT_OK(writer->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  ASSERT_OK(writer->Append("trades", MakeTrades(1000, 2, 0, 5)));

  auto second = Database::Open(root_, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
  EXPECT_NE(second.status().message().find("process " + std::to_string(::getpid())), std::string::npos)
      << second.status().ToString();

  Options ro;
  ro.read_only = true;
  ASSERT_OK_AND_ASSIGN(auto reader, Database::Open(root_, ro));
  EXPECT_EQ(Rows(ScanAll(reader.get())), 1000u);
  EXPECT_FALSE(reader->Append("trades", MakeTrades(1, 1, 0, 6)).ok());
  EXPECT_FALSE(reader->CreateTable({"t2", *Schema::Template("bars"), std::nullopt}).ok());

  // After the writer closes, a new writer may open.
  ASSERT_OK(writer->Close());
  writer.reset();
  auto again = OpenWriter();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(Rows(ScanAll(again.get())), 1000u);
}

TEST_F(DatabaseTest, ConcurrentAppendersAllRowsOnce) {
  auto db = OpenWriter();
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  constexpr int kThreads = 4, kBatches = 50, kRows = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto appender = db->NewAppender("trades");
      if (!appender.ok()) {
        ++failures;
        return;
      }
      for (int b = 0; b < kBatches; ++b) {
        RecordBatch batch = MakeTrades(kRows, 3, (t * kBatches + b) * int64_t{1'000'000'000}, t * 1000 + b);
        if (!(*appender)->Append(batch).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Rows(ScanAll(db.get())), size_t{kThreads * kBatches * kRows});
  ASSERT_OK(db->Close());
  db.reset();
  auto reopened = OpenWriter();
  EXPECT_EQ(Rows(ScanAll(reopened.get())), size_t{kThreads * kBatches * kRows});
}

TEST_F(DatabaseTest, StatsCountHotRowsAndWal) {
  auto db = OpenWriter();
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  ASSERT_OK(db->Append("trades", MakeTrades(1000, 5, 0, 7)));
  ASSERT_OK_AND_ASSIGN(DatabaseStats stats, db->Stats());
  ASSERT_EQ(stats.tables.size(), 1u);
  EXPECT_EQ(stats.tables[0].tiers[0].tier, "hot");
  EXPECT_EQ(stats.tables[0].tiers[0].rows, 1000u);
  EXPECT_EQ(stats.tables[0].tiers[0].series, 5u);
  EXPECT_GT(stats.wal_bytes, 1000u * 30);
  EXPECT_EQ(stats.last_lsn, 2u);  // the create record, then the rows
  EXPECT_EQ(stats.fsync, "none");
}

// The log's segments are counted by the WAL's own naming rule: a stray "*.log" file beside them
// (an operator's notes, an editor's backup) is not a segment.
TEST_F(DatabaseTest, StatsCountOnlyTheWalsSegments) {
  auto db = OpenWriter();
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  ASSERT_OK(db->Append("trades", MakeTrades(100, 2, 0, 7)));
  ASSERT_OK_AND_ASSIGN(DatabaseStats before, db->Stats());
  EXPECT_EQ(before.wal_segments, 1u);
  testing::WriteTextFile(JoinPath(JoinPath(root_, "wal"), "notes.log"), std::string(5000, 'x'));
  ASSERT_OK_AND_ASSIGN(DatabaseStats after, db->Stats());
  EXPECT_EQ(after.wal_segments, before.wal_segments);
  EXPECT_EQ(after.wal_bytes, before.wal_bytes);
}

// Flush triggers, checked through FlushTrigger()/FlushIfDue() (what the background flusher runs)
// with the background thread off, so nothing depends on timing.
class FlushTriggerTest : public DatabaseTest {
 protected:
  std::unique_ptr<Database> Open(Options o) {
    o.background_flush = false;
    o.on_warning = [](std::string_view) {};
    auto db = MustOpenDb(o);
    if (db != nullptr) EXPECT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
    return db;
  }
  static uint64_t HotRows(Database* db) {
    auto stats = db->Stats();
    EXPECT_TRUE(stats.ok());
    return stats.ok() ? stats->tables[0].tiers[0].rows : 0;
  }
  static std::string Kind(const std::string& trigger) { return trigger.substr(0, trigger.find(':')); }
};

TEST_F(FlushTriggerTest, TableRows) {
  Options o;
  o.flush_rows = 100;
  auto db = Open(o);
  ASSERT_OK(db->Append("trades", MakeTrades(99, 3, 0, 1)));
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK_AND_ASSIGN(auto none, db->FlushIfDue());
  EXPECT_FALSE(none.has_value());
  EXPECT_EQ(HotRows(db.get()), 99u);
  ASSERT_OK(db->Append("trades", MakeTrades(1, 1, 1'000'000'000, 2)));
  EXPECT_EQ(Kind(db->FlushTrigger()), "rows");
  ASSERT_OK_AND_ASSIGN(auto flushed, db->FlushIfDue());
  ASSERT_TRUE(flushed.has_value());
  EXPECT_EQ(flushed->rows_out, 100u);
  EXPECT_EQ(HotRows(db.get()), 0u);
  EXPECT_EQ(db->FlushTrigger(), "");
  // The table's policy wins over the option.
  ASSERT_OK(db->SetTablePolicy("trades", R"({"flush_rows": 10})"));
  ASSERT_OK(db->Append("trades", MakeTrades(9, 3, 2'000'000'000, 3)));
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK(db->Append("trades", MakeTrades(1, 1, 3'000'000'000, 4)));
  EXPECT_EQ(Kind(db->FlushTrigger()), "rows");
}

TEST_F(FlushTriggerTest, SeriesRows) {
  Options o;
  o.flush_series_rows = 100;  // the option; the policy below wins
  auto db = Open(o);
  ASSERT_OK(db->Append("trades", MakeTrades(120, 3, 0, 1)));
  size_t largest = 0;
  for (const RecordBatch& b : ScanAll(db.get())) largest = std::max(largest, b.num_rows());
  ASSERT_LT(largest, 100u);  // no series at the option's threshold, though the table has 120 rows
  EXPECT_EQ(db->FlushTrigger(), "");
  // The largest series, not the table, is what counts: one row above it does not fire.
  ASSERT_OK(db->SetTablePolicy("trades", "{\"flush_series_rows\": " + std::to_string(largest + 1) + "}"));
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK(db->SetTablePolicy("trades", "{\"flush_series_rows\": " + std::to_string(largest) + "}"));
  EXPECT_EQ(Kind(db->FlushTrigger()), "series rows");
  ASSERT_OK(db->FlushIfDue());
  EXPECT_EQ(HotRows(db.get()), 0u);
  EXPECT_EQ(db->FlushTrigger(), "");
}

TEST_F(FlushTriggerTest, SeriesBytes) {
  auto db = Open({});
  ASSERT_OK(db->Append("trades", MakeTrades(1000, 1, 0, 1)));  // one series: its bytes are the table's
  ASSERT_OK_AND_ASSIGN(DatabaseStats stats, db->Stats());
  const uint64_t bytes = stats.tables[0].tiers[0].bytes;
  ASSERT_GT(bytes, 0u);
  ASSERT_OK(db->SetTablePolicy("trades", "{\"flush_series_bytes\": " + std::to_string(bytes + 1) + "}"));
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK(db->SetTablePolicy("trades", "{\"flush_series_bytes\": " + std::to_string(bytes) + "}"));
  EXPECT_EQ(Kind(db->FlushTrigger()), "series bytes");
  ASSERT_OK(db->FlushIfDue());
  EXPECT_EQ(HotRows(db.get()), 0u);
  EXPECT_EQ(db->FlushTrigger(), "");  // an emptied series keeps a header, but has no rows to flush
}

TEST_F(FlushTriggerTest, AgeOfTheOldestUnflushedRow) {
  auto now = std::make_shared<std::atomic<int64_t>>(1'000'000'000'000);
  Options o;
  o.flush_age_ms = 1000;
  o.clock = [now] { return now->load(); };
  auto db = Open(o);
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK(db->Append("trades", MakeTrades(10, 2, 0, 1)));
  *now += 999'000'000;
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK(db->Append("trades", MakeTrades(10, 2, 1'000'000'000, 2)));  // a newer row does not reset the age
  *now += 1'000'000;
  EXPECT_EQ(Kind(db->FlushTrigger()), "age");
  ASSERT_OK_AND_ASSIGN(auto flushed, db->FlushIfDue());
  ASSERT_TRUE(flushed.has_value());
  EXPECT_EQ(flushed->rows_out, 20u);
  EXPECT_EQ(db->FlushTrigger(), "");
  *now += 10'000'000'000;  // nothing unflushed: no age
  EXPECT_EQ(db->FlushTrigger(), "");
  // Rows replayed from the WAL at open count as unflushed from then on.
  ASSERT_OK(db->Append("trades", MakeTrades(5, 1, 2'000'000'000, 3)));
  ASSERT_OK(db->Close());
  db.reset();
  auto reopened = Database::Open(root_, o);
  ASSERT_OK(reopened);
  EXPECT_EQ((*reopened)->FlushTrigger(), "");
  *now += 1'000'000'000;
  EXPECT_EQ(Kind((*reopened)->FlushTrigger()), "age");
}

TEST_F(FlushTriggerTest, MemoryBudget) {
  Options o;
  o.hot_memory_budget_bytes = 1 << 20;
  o.flush_memory_fraction = 0.5;
  auto db = Open(o);
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK(db->Append("trades", MakeTrades(100, 1, 0, 1)));  // a few KiB
  EXPECT_EQ(db->FlushTrigger(), "");
  ASSERT_OK(db->Append("trades", MakeTrades(40000, 1, 1'000'000'000, 2)));  // over 512 KiB
  EXPECT_EQ(Kind(db->FlushTrigger()), "memory");
  ASSERT_OK_AND_ASSIGN(auto flushed, db->FlushIfDue());
  ASSERT_TRUE(flushed.has_value());
  EXPECT_EQ(flushed->rows_out, 40100u);
}

TEST_F(FlushTriggerTest, ReadOnlyNeverTriggersAndPolicyRejectsBadThresholds) {
  Options o;
  o.flush_rows = 1;
  auto db = Open(o);
  ASSERT_OK(db->Append("trades", MakeTrades(5, 1, 0, 1)));
  EXPECT_EQ(Kind(db->FlushTrigger()), "rows");
  EXPECT_FALSE(db->SetTablePolicy("trades", R"({"flush_series_rows": 0})").ok());
  EXPECT_FALSE(db->SetTablePolicy("trades", R"({"flush_series_bytes": "big"})").ok());
  Options ro;
  ro.read_only = true;
  ro.flush_rows = 1;
  ASSERT_OK_AND_ASSIGN(auto reader, Database::Open(root_, ro));
  EXPECT_EQ(reader->FlushTrigger(), "");
  EXPECT_FALSE(reader->FlushIfDue().ok());
}

}  // namespace
}  // namespace strata
