// Crash safety of the tier operations: a flush, a compaction and a migration are run once on the
// fault-injecting file system to count their mutating file operations (N), then again for every
// k = 1..N with a crash at the k-th operation followed by power loss (everything not fsynced is
// dropped). After reopening, a scan of all tiers must return exactly the rows appended (none lost,
// none twice) and verify must be clean.
#include <gtest/gtest.h>

#include <functional>

#include "io/fault_injection_fs.h"
#include "lake_test_util.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::Expected;
using testing::SameRows;
using testing::ScanAll;
using testing::TempDir;
using testing::TestOptions;
using testing::Trades;

std::unique_ptr<Database> OpenOn(FaultInjectionFileSystem* fs, const std::string& root) {
  auto db = Database::Open(root, TestOptions(fs));
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  return db.ok() ? std::move(*db) : nullptr;
}

// testing::CrashAtEveryOp with the table "trades" created before `c.setup`. keeps_working: after
// each crash the database also flushes and migrates everything, rows unchanged, verify clean.
void CrashOnTrades(testing::CrashScenario c, bool keeps_working = true) {
  c.setup = [setup = c.setup](Database* db, std::vector<RecordBatch>* appended) {
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
    setup(db, appended);
  };
  if (keeps_working) {
    c.after_crash = [](Database* db, const std::vector<RecordBatch>& appended) {
      ASSERT_OK(db->Flush());
      MigrateOptions all;
      all.all = true;
      ASSERT_OK(db->Migrate(all));
      ASSERT_TRUE(SameRows(ScanAll(db), Expected(appended)));
      EXPECT_EQ(testing::TierRows(db, "warm"), 0u);
      ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
      EXPECT_TRUE(report.ok());
    };
  }
  testing::CrashAtEveryOp(c);
}

// Two days, three symbols: one flush writes six files.
void AppendTwoDays(Database* db, std::vector<RecordBatch>* appended, int64_t id_base) {
  RecordBatch a = Trades(120, 3, testing::kMar2 + 86'300'000'000'000, 7 + id_base, id_base);  // crosses midnight
  ASSERT_OK(db->Append("trades", a));
  appended->push_back(a);
}

TEST(TierCrashTest, Flush) {
  testing::CrashScenario s;
  s.setup = [](Database* db, std::vector<RecordBatch>* appended) {
    AppendTwoDays(db, appended, 0);
    ASSERT_OK(db->Flush());  // an earlier flush: the crash must not lose or repeat these either
    AppendTwoDays(db, appended, 1000);
  };
  s.run = [](Database* db) { return db->Flush().status(); };
  s.after_success = [](Database* db) { EXPECT_EQ(testing::TierRows(db, "hot"), 0u); };
  CrashOnTrades(s);
}

// `strata flush TABLE`: only table "trades" is flushed, "other" stays in the WAL and RAM. A crash
// at every op of the one-table flush, then reopen: each table has exactly its rows (the replay
// skips the rows of "trades" already in warm files, and keeps every row of "other"); then a
// one-table flush of "other", a full flush and another reopen change nothing.
TEST(TierCrashTest, FlushOneTable) {
  testing::PreferMemoryTmpDir();
  auto setup = [](Database* db, std::vector<RecordBatch>* a, std::vector<RecordBatch>* b) {
    ASSERT_OK(db->CreateTable({"other", *Schema::Template("trades"), "trade_id", "{}"}));
    // Interleaved appends, so the two tables' records share WAL segments and LSN ranges.
    for (int i = 0; i < 3; ++i) {
      RecordBatch x = Trades(40, 2, testing::kMar2 + i * 1'000'000'000'000, 11 + i, 1000 * i);
      ASSERT_OK(db->Append("trades", x));
      a->push_back(x);
      RecordBatch y = Trades(30, 3, testing::kMar2 + i * 1'000'000'000'000, 21 + i, 1000 * i);
      ASSERT_OK(db->Append("other", y));
      b->push_back(y);
      if (i == 0) ASSERT_OK(db->Flush());  // an earlier full flush
    }
  };
  auto check = [](Database* db, const std::vector<RecordBatch>& a, const std::vector<RecordBatch>& b) {
    ASSERT_TRUE(SameRows(ScanAll(db, "trades"), Expected(a)));
    ASSERT_TRUE(SameRows(ScanAll(db, "other"), Expected(b)));
  };
  int n = 0;
  {
    TempDir dir;
    const std::string root = dir.Join("db");
    ASSERT_OK(Database::Init(root, {.fsync = "always", .wal_segment_bytes = 4096}));
    FaultInjectionFileSystem fs(DefaultFileSystem());
    auto db = OpenOn(&fs, root);
    ASSERT_NE(db, nullptr);
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
    std::vector<RecordBatch> a, b;
    setup(db.get(), &a, &b);
    fs.ResetCounters();
    ASSERT_OK_AND_ASSIGN(TierRunResult r, db->FlushTable("trades"));
    n = fs.mutating_ops();
    EXPECT_EQ(r.rows_out, 80u);  // the two appends after the full flush
    EXPECT_EQ(testing::TierRows(db.get(), "hot", "trades"), 0u);
    EXPECT_EQ(testing::TierRows(db.get(), "hot", "other"), 60u);
    check(db.get(), a, b);
    // A second one-table flush finds nothing; the other table is untouched by the first.
    ASSERT_OK_AND_ASSIGN(r, db->FlushTable("trades"));
    EXPECT_EQ(r.files_out, 0u);
    EXPECT_EQ(db->FlushTable("nosuchtable").status().code(), StatusCode::kNotFound);
    db.reset();
    db = OpenOn(&fs, root);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(testing::TierRows(db.get(), "hot", "trades"), 0u);  // not replayed twice
    EXPECT_EQ(testing::TierRows(db.get(), "hot", "other"), 60u);
    check(db.get(), a, b);
  }
  ASSERT_GT(n, 3);
  for (int k : ::strata::testing::CrashPoints(n)) {
    SCOPED_TRACE("crash at mutating op " + std::to_string(k) + " of " + std::to_string(n));
    TempDir dir;
    const std::string root = dir.Join("db");
    ASSERT_OK(Database::Init(root, {.fsync = "always", .wal_segment_bytes = 4096}));
    FaultInjectionFileSystem fs(DefaultFileSystem());
    std::vector<RecordBatch> a, b;
    {
      auto db = OpenOn(&fs, root);
      ASSERT_NE(db, nullptr);
      ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
      setup(db.get(), &a, &b);
      fs.ResetCounters();
      fs.CrashAtOp(k);
      db->FlushTable("trades").status().IgnoreError();
      db.reset();
    }
    ASSERT_OK(fs.DropUnsyncedData());
    auto db = OpenOn(&fs, root);
    ASSERT_NE(db, nullptr);
    check(db.get(), a, b);
    ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
    for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
    ASSERT_OK(db->FlushTable("other"));
    ASSERT_OK(db->FlushTable("trades"));
    check(db.get(), a, b);
    ASSERT_OK(db->Flush());
    db.reset();
    db = OpenOn(&fs, root);
    ASSERT_NE(db, nullptr);
    check(db.get(), a, b);
    EXPECT_EQ(testing::TierRows(db.get(), "hot", "trades") + testing::TierRows(db.get(), "hot", "other"), 0u);
  }
}

TEST(TierCrashTest, Compaction) {
  testing::CrashScenario s;
  s.setup = [](Database* db, std::vector<RecordBatch>* appended) {
    ASSERT_OK(db->SetTablePolicy("trades", R"({"max_warm_parts": 2})"));
    for (int i = 0; i < 2; ++i) {
      RecordBatch b = Trades(30, 2, testing::kMar2 + i * 1'000'000'000, 11 + i, 1000 * i);
      ASSERT_OK(db->Append("trades", b));
      appended->push_back(b);
      ASSERT_OK(db->Flush());
    }
    RecordBatch late = Trades(30, 2, testing::kMar2 + 500'000'000, 99, 5000);  // interleaves with both
    ASSERT_OK(db->Append("trades", late));
    appended->push_back(late);
  };
  // The flush writes a third part per series-day, which the compaction merges with the other two.
  s.run = [](Database* db) { return db->Flush().status(); };
  s.after_success = [](Database* db) { EXPECT_EQ(testing::TierFiles(db, "warm"), 2u); };
  CrashOnTrades(s);
}

TEST(TierCrashTest, Migration) {
  testing::CrashScenario s;
  s.setup = [](Database* db, std::vector<RecordBatch>* appended) {
    AppendTwoDays(db, appended, 0);
    ASSERT_OK(db->Flush());
    MigrateOptions all;
    all.all = true;
    ASSERT_OK(db->Migrate(all));  // one month already cold: the next migration merges into it
    AppendTwoDays(db, appended, 1000);
    ASSERT_OK(db->Flush());
  };
  s.run = [](Database* db) {
    MigrateOptions all;
    all.all = true;
    return db->Migrate(all).status();
  };
  s.after_success = [](Database* db) {
    EXPECT_EQ(testing::TierRows(db, "warm"), 0u);
    EXPECT_EQ(testing::TierFiles(db, "cold"), 3u);  // one per series-month
  };
  CrashOnTrades(s);
}

TEST(TierCrashTest, Retention) {
  testing::CrashScenario s;
  s.setup = [](Database* db, std::vector<RecordBatch>* appended) {
    RecordBatch old = Trades(40, 2, testing::kMar2 - 40 * testing::kDayNs, 3, 0);  // January
    ASSERT_OK(db->Append("trades", old));
    RecordBatch fresh = Trades(40, 2, testing::kMar2, 4, 1000);
    ASSERT_OK(db->Append("trades", fresh));
    appended->push_back(fresh);  // what must remain
    ASSERT_OK(db->Flush());
    MigrateOptions all;
    all.all = true;
    ASSERT_OK(db->Migrate(all));
    ASSERT_OK(db->SetTablePolicy("trades", R"({"cold_days": 20})"));
  };
  s.run = [](Database* db) { return db->ApplyRetention(testing::kMar2 + testing::kDayNs).status(); };
  s.after_success = [](Database* db) { EXPECT_EQ(testing::TierFiles(db, "cold"), 2u); };
  // Retention commits the catalog before any file op: every crash point is after the commit, so
  // the rows are gone either way and the reopen removes what storage still holds.
  s.min_ops = 0;
  s.a_crash_shows = false;
  CrashOnTrades(s, /*keeps_working=*/false);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
