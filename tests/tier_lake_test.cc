// The warm and cold tiers through the Database API: dedup on migration, late data into a migrated
// month, policies (age, byte budget, retention), damaged files reported by verify and by scans,
// read-only processes, appends during a flush, the background flusher.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "catalog/catalog.h"
#include "lake_test_util.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::Expected;
using testing::kDayNs;
using testing::kMar2;
using testing::SameRows;
using testing::ScanAll;
using testing::TempDir;
using testing::TestOptions;
using testing::TierFiles;
using testing::TierRows;
using testing::Trades;

class TierLakeTest : public testing::TradesDbTest {
 protected:
  void Append(const RecordBatch& b) {
    ASSERT_OK(db_->Append("trades", b));
    appended_.push_back(b);
  }
  MigrateOptions All() {
    MigrateOptions m;
    m.all = true;
    return m;
  }
  std::vector<std::string> FilesUnder(const std::string& rel) { return testing::FilesUnder(root_ + "/" + rel); }

  std::vector<RecordBatch> appended_;
};

TEST_F(TierLakeTest, FlushWritesHivePartitionedPartsAndScanMergesTiers) {
  Append(Trades(300, 3, kMar2 + 10 * 3600'000'000'000, 1, 0));
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db_->Flush());
  EXPECT_EQ(r.rows_out, 300u);
  EXPECT_EQ(r.files_out, 3u);
  EXPECT_EQ(TierRows(db_.get(), "hot"), 0u);
  EXPECT_EQ(TierRows(db_.get(), "warm"), 300u);
  auto files = FilesUnder("warm");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_NE(files[0].find("warm/trades/date=2026-03-02/symbol=S0/part-000001.parquet"), std::string::npos);
  // More rows stay hot; a scan returns both tiers in ts order.
  Append(Trades(60, 3, kMar2 + 10 * 3600'000'000'000 + 500'000'000, 2, 10'000));
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  // Time range and projection across tiers.
  ScanRequest req{.table = "trades",
                  .symbols = {"S1"},
                  .from_ts = kMar2 + 10 * 3600'000'000'000 + 100'000'000,
                  .to_ts = kMar2 + 10 * 3600'000'000'000 + 700'000'000,
                  .columns = {"price", "trade_id"}};
  ASSERT_OK_AND_ASSIGN(auto got, db_->Scan(req));
  ASSERT_EQ(got.size(), 1u);
  size_t want = 0;
  for (const RecordBatch& b : Expected(appended_)) {
    if (b.column(1).GetString(0) != "S1") continue;
    for (int64_t ts : b.column(0).int64s()) want += ts >= req.from_ts && ts < req.to_ts;
  }
  EXPECT_EQ(got[0].num_rows(), want);
  EXPECT_EQ(got[0].num_columns(), 2u);
  // Latest falls back to warm for a symbol whose rows were all flushed.
  ASSERT_OK(db_->Flush());
  RecordBatch latest;
  ASSERT_OK(db_->Latest("trades", "S2", &latest));
  EXPECT_EQ(latest.num_rows(), 1u);
  ASSERT_OK_AND_ASSIGN(auto symbols, db_->Symbols("trades"));
  EXPECT_EQ(symbols, (std::vector<std::string>{"S0", "S1", "S2"}));
  // After reopening (WAL replay skips flushed rows) nothing is doubled.
  Reopen();
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
}

TEST_F(TierLakeTest, SameTradesIngestedTwiceEndUpOnceInCold) {
  RecordBatch day = Trades(400, 2, kMar2, 5, 0);
  Append(day);
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Append("trades", day));                           // the same file ingested again
  ASSERT_OK(db_->Append("trades", day.Slice(100, 200)));           // and an overlapping one
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));  // once, whatever the tiers
  ASSERT_OK_AND_ASSIGN(TierRunResult flushed, db_->Flush());
  EXPECT_EQ(flushed.duplicates_removed, 200u);   // the overlap, within the flushed rows
  EXPECT_EQ(TierRows(db_.get(), "warm"), 800u);  // two parts that duplicate each other
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db_->Migrate(All()));
  EXPECT_EQ(r.duplicates_removed, 400u);
  EXPECT_EQ(r.rows_out, 400u);
  EXPECT_EQ(TierRows(db_.get(), "cold"), 400u);
  EXPECT_EQ(TierRows(db_.get(), "warm"), 0u);
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  // Migrating the same trades again (late duplicates into a cold month) adds nothing.
  ASSERT_OK(db_->Append("trades", day.Slice(0, 50)));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Migrate(All()));
  EXPECT_EQ(TierRows(db_.get(), "cold"), 400u);
  EXPECT_EQ(TierFiles(db_.get(), "cold"), 2u);
}

TEST_F(TierLakeTest, ExactDuplicateRowsRemovedWhenNoKey) {
  ASSERT_OK(db_->CreateTable({"ticks", *Schema::Parse("ts:timestamp,symbol:symbol,px:f64"), std::nullopt, "{}"}));
  RecordBatch b(*Schema::Parse("ts:timestamp,symbol:symbol,px:f64"));
  for (int i = 0; i < 10; ++i) {
    b.column(0).AppendInt64(kMar2 + (i / 2) * 1000);  // pairs of equal ts
    b.column(1).AppendString("X");
    b.column(2).AppendDouble(i % 2 == 0 ? 1.0 : 2.0);  // different rows at equal ts stay
  }
  ASSERT_OK(db_->Append("ticks", b));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Append("ticks", b));
  ASSERT_OK(db_->Append("ticks", b));
  ASSERT_OK_AND_ASSIGN(TierRunResult flushed, db_->Flush());
  EXPECT_EQ(flushed.duplicates_removed, 10u);  // within the flushed rows
  MigrateOptions m = All();
  m.table = "ticks";
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db_->Migrate(m));
  EXPECT_EQ(r.duplicates_removed, 10u);  // across the two parts
  ASSERT_OK_AND_ASSIGN(auto got, db_->Scan({.table = "ticks"}));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].Equals(b));
}

// The same query gives the same answer wherever the rows sit (issue 13 #2): duplicates of rows
// in any tier, arriving while those rows are hot, warm or cold, are dropped by every scan, whole
// or projected, in any batch size, and the first arrival wins.
TEST_F(TierLakeTest, DuplicatesAreDroppedWhereverTheRowsSit) {
  RecordBatch day = Trades(300, 2, kMar2, 7, 0);
  RecordBatch replay = day;  // the same trade ids at the same times, other prices: not the first
  for (double& px : replay.column(2).doubles()) px += 1000;
  Append(day);
  std::vector<RecordBatch> want = Expected(appended_);
  auto check = [&](const std::string& when) {
    SCOPED_TRACE(when);
    EXPECT_TRUE(SameRows(ScanAll(db_.get()), want));
    for (size_t batch : {size_t{0}, size_t{7}, size_t{64}}) {
      ScanRequest req{.table = "trades", .columns = {"ts", "price"}};
      req.max_batch_rows = batch;
      ASSERT_OK_AND_ASSIGN(auto got, db_->Scan(req));
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].column(0).int64s(), want[i].column(0).int64s());
        EXPECT_EQ(got[i].column(1).doubles(), want[i].column(2).doubles());
      }
    }
  };
  check("hot");
  ASSERT_OK(db_->Append("trades", replay));  // hot duplicates of hot rows
  check("hot + hot replay");
  ASSERT_OK(db_->Flush());
  check("warm");
  ASSERT_OK(db_->Append("trades", replay.Slice(50, 100)));  // hot duplicates of warm rows
  check("warm + hot replay");
  ASSERT_OK(db_->Flush());  // a second warm part duplicating the first
  check("warm + warm replay");
  ASSERT_OK(db_->Migrate(All()));
  EXPECT_EQ(TierRows(db_.get(), "cold"), 300u);
  check("cold");
  ASSERT_OK(db_->Append("trades", replay.Slice(0, 150)));  // hot duplicates of cold rows
  check("cold + hot replay");
  ASSERT_OK(db_->Flush());
  check("cold + warm replay");
  Reopen();  // WAL replay
  check("reopened");
}

// The same for a table without a key: rows equal in every column are one row, rows that differ in
// any column (here the size, which the projection leaves out) at one timestamp are two.
TEST_F(TierLakeTest, ExactDuplicatesAreDroppedWhereverTheRowsSit) {
  const Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,px:f64,qty:i64");
  ASSERT_OK(db_->CreateTable({"ticks", schema, std::nullopt, "{}"}));
  RecordBatch b(schema);
  for (int i = 0; i < 40; ++i) {
    b.column(0).AppendInt64(kMar2 + (i / 4) * 1000);  // runs of four rows at one ts
    b.column(1).AppendString(i % 2 == 0 ? "X" : "Y");
    b.column(2).AppendDouble(1.5);
    b.column(3).AppendInt64(i % 4 < 2 ? 1 : 2);  // per symbol and ts: two rows, differing in qty only
  }
  ASSERT_OK(db_->Append("ticks", b));
  ASSERT_OK_AND_ASSIGN(auto want, db_->Scan({.table = "ticks"}));
  ASSERT_EQ(want.size(), 2u);
  ASSERT_EQ(want[0].num_rows(), 20u);
  auto check = [&](const std::string& when) {
    SCOPED_TRACE(when);
    EXPECT_TRUE(SameRows(ScanAll(db_.get(), "ticks"), want));
    ASSERT_OK_AND_ASSIGN(auto px, db_->Scan({.table = "ticks", .columns = {"px"}}));
    ASSERT_EQ(px.size(), 2u);
    EXPECT_EQ(px[0].num_rows(), 20u);
    EXPECT_EQ(px[1].num_rows(), 20u);
  };
  MigrateOptions m = All();
  m.table = "ticks";
  ASSERT_OK(db_->Append("ticks", b));
  check("hot");
  ASSERT_OK(db_->Flush());
  check("warm");
  ASSERT_OK(db_->Append("ticks", b));
  check("warm + hot");
  ASSERT_OK(db_->Flush());
  check("warm + warm");
  ASSERT_OK(db_->Migrate(m));
  check("cold");
  ASSERT_OK(db_->Append("ticks", b));
  check("cold + hot");
}

// A projected scan of a keyless table reads the other columns (to compare whole rows) only when a
// duplicate is possible: two sources of a symbol overlap in time, or its hot rows repeat a ts.
TEST_F(TierLakeTest, ProjectedScanReadsIdentityColumnsOnlyWhenSourcesOverlap) {
  const Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,px:f64,qty:i64,venue:string");
  ASSERT_OK(db_->CreateTable({"ticks", schema, std::nullopt, "{}"}));
  auto rows = [&](int64_t start, int n, const std::string& venue) {
    RecordBatch b(schema);
    for (int i = 0; i < n; ++i) {
      b.column(0).AppendInt64(start + i * 1000);
      b.column(1).AppendString("X");
      b.column(2).AppendDouble(1.5);
      b.column(3).AppendInt64(i * 7919 % 1000);
      b.column(4).AppendString(venue + std::to_string(i * 104729 % 100000));
    }
    return b;
  };
  auto scan = [&](const std::vector<std::string>& columns, ScanStats* stats) {
    size_t n = 0;
    auto cursor = db_->NewScan({.table = "ticks", .columns = columns});
    EXPECT_TRUE(cursor.ok()) << cursor.status().ToString();
    if (!cursor.ok()) return n;
    RecordBatch b;
    while (true) {
      auto more = (*cursor)->Next(&b);
      EXPECT_TRUE(more.ok()) << more.status().ToString();
      if (!more.ok() || !*more) break;
      EXPECT_EQ(b.num_columns(), columns.size());
      n += b.num_rows();
    }
    *stats = (*cursor)->stats();
    return n;
  };
  ASSERT_OK(db_->Append("ticks", rows(kMar2, 2000, "venue-")));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Append("ticks", rows(kMar2 + kDayNs, 2000, "venue-")));  // the next day: a second file
  ASSERT_OK(db_->Flush());
  ScanStats narrow, wide, dup;
  EXPECT_EQ(scan({"ts", "px", "qty", "venue"}, &wide), 4000u);  // reads the footers, then cached
  EXPECT_EQ(scan({"ts", "px", "qty", "venue"}, &wide), 4000u);
  EXPECT_EQ(scan({"ts", "px"}, &narrow), 4000u);
  EXPECT_EQ(narrow.files_read, 2u);
  EXPECT_LT(narrow.bytes_read * 2, wide.bytes_read) << narrow.bytes_read << " vs " << wide.bytes_read;
  // Hot rows inside a file's range: the rows there again (dropped), and one differing only in
  // venue (kept): the scan compares whole rows.
  ASSERT_OK(db_->Append("ticks", rows(kMar2, 10, "venue-")));
  ASSERT_OK(db_->Append("ticks", rows(kMar2 + 5000, 1, "other-")));
  EXPECT_EQ(scan({"ts", "px"}, &dup), 4001u);
  EXPECT_GT(dup.bytes_read, narrow.bytes_read * 2);
  ASSERT_OK(db_->Flush());  // now two warm files overlap
  EXPECT_EQ(scan({"ts", "px"}, &dup), 4001u);
  EXPECT_EQ(dup.files_read, 3u);
  // Hot rows alone repeating a timestamp: both kept when they differ, one when equal.
  ASSERT_OK(db_->Append("ticks", rows(kMar2 + 3 * kDayNs, 3, "a-")));
  ASSERT_OK(db_->Append("ticks", rows(kMar2 + 3 * kDayNs, 3, "b-")));
  ASSERT_OK(db_->Append("ticks", rows(kMar2 + 3 * kDayNs, 3, "a-")));
  EXPECT_EQ(scan({"ts", "px"}, &dup), 4007u);
}

TEST_F(TierLakeTest, LateDataIntoMigratedMonthMakesOneNewPart) {
  Append(Trades(200, 2, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Migrate(All()));
  auto cold_before = FilesUnder("cold");
  ASSERT_EQ(cold_before.size(), 2u);
  Append(Trades(50, 2, kMar2 - 5 * kDayNs, 2, 5000));  // late rows, same month (Feb 25 is not: use Mar 1)
  Append(Trades(50, 2, kMar2 - kDayNs, 3, 9000));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Migrate(All()));
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  auto cold_after = FilesUnder("cold");
  // Feb (2 symbols) + Mar (2 symbols, each a new part replacing the old: never edited in place).
  ASSERT_EQ(cold_after.size(), 4u);
  for (const std::string& f : cold_before) {
    EXPECT_EQ(std::find(cold_after.begin(), cold_after.end(), f), cold_after.end()) << f << " still there";
  }
  EXPECT_NE(cold_after[2].find("year=2026/month=03/symbol=S0/part-000002.parquet"), std::string::npos) << cold_after[2];
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.files_checked, 4u);
}

TEST_F(TierLakeTest, PoliciesSelectByAgeAndBudget) {
  Append(Trades(100, 1, kMar2 - 40 * kDayNs, 1, 0));     // January
  Append(Trades(100, 1, kMar2 - 20 * kDayNs, 2, 1000));  // February
  Append(Trades(100, 1, kMar2, 3, 2000));                // March
  ASSERT_OK(db_->Flush());
  MigrateOptions m;
  m.now_ns = kMar2 + kDayNs;
  ASSERT_OK_AND_ASSIGN(TierRunResult none, db_->Migrate(m));  // no policy: nothing moves
  EXPECT_EQ(none.files_in, 0u);
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"warm_days": 30})"));
  ASSERT_OK(db_->Migrate(m));
  EXPECT_EQ(TierRows(db_.get(), "cold"), 100u);  // January only
  ASSERT_OK_AND_ASSIGN(TableDef def, db_->GetTable("trades"));
  EXPECT_NE(def.policy_json.find("\"warm_days\":30"), std::string::npos);
  // A byte budget smaller than one month's file: the oldest month goes first, then the next.
  ASSERT_OK_AND_ASSIGN(auto stats, db_->Stats());
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"warm_max_bytes": 1})"));
  ASSERT_OK(db_->Migrate(m));
  EXPECT_EQ(TierRows(db_.get(), "warm"), 0u);
  EXPECT_EQ(TierRows(db_.get(), "cold"), 300u);
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
  EXPECT_FALSE(db_->SetTablePolicy("trades", R"({"warm_days": -1})").ok());
  EXPECT_FALSE(db_->SetTablePolicy("trades", R"({"colddays": 3})").ok());
  EXPECT_FALSE(db_->SetTablePolicy("trades", R"({"warm_codec": "brotli"})").ok());
}

TEST_F(TierLakeTest, RetentionRemovesExactlyWhatThePolicySays) {
  ASSERT_OK(db_->CreateTable({"quotes", *Schema::Template("quotes"), std::nullopt, "{}"}));
  Append(Trades(100, 2, kMar2 - 70 * kDayNs, 1, 0));     // Dec 22: max_ts well before the cutoff
  Append(Trades(100, 2, kMar2 - 40 * kDayNs, 2, 1000));  // Jan 21
  Append(Trades(100, 2, kMar2, 3, 2000));                // Mar 2
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Migrate(All()));
  ASSERT_OK_AND_ASSIGN(TierRunResult none, db_->ApplyRetention(kMar2));
  EXPECT_EQ(none.files_in, 0u);  // no cold_days: nothing deleted
  EXPECT_EQ(TierRows(db_.get(), "cold"), 300u);
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"cold_days": 45})"));
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db_->ApplyRetention(kMar2));
  EXPECT_EQ(r.files_in, 2u);  // December, both symbols
  EXPECT_EQ(r.rows_in, 100u);
  std::vector<RecordBatch> kept(appended_.begin() + 1, appended_.end());
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(kept)));
  EXPECT_EQ(FilesUnder("cold").size(), 4u);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  EXPECT_TRUE(report.ok());
}

TEST_F(TierLakeTest, DamagedWarmFilesAreReportedByVerifyAndByScans) {
  Append(Trades(300, 3, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  auto files = FilesUnder("warm");
  ASSERT_EQ(files.size(), 3u);
  std::filesystem::remove(files[0]);  // S0 deleted behind our back
  {
    std::fstream f(files[1], std::ios::in | std::ios::out | std::ios::binary);  // S1 corrupted
    f.seekp(100);
    f.put('\x5a');
  }
  // An unlisted file with a tier file's name is an orphan; any other name is not the tier's.
  std::filesystem::create_directories(root_ + "/warm/trades/date=2026-03-02/symbol=S9");
  std::ofstream(root_ + "/warm/trades/date=2026-03-02/symbol=S9/part-000001.parquet") << "not ours";
  std::ofstream(root_ + "/warm/trades/notes.txt") << "mine";
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  ASSERT_EQ(report.problems.size(), 3u);
  std::map<std::string, std::string> kinds;
  for (const VerifyProblem& p : report.problems) kinds[p.uri] = p.kind;
  EXPECT_EQ(kinds["warm/trades/date=2026-03-02/symbol=S0/part-000001.parquet"], "missing");
  EXPECT_EQ(kinds["warm/trades/date=2026-03-02/symbol=S1/part-000001.parquet"], "corrupt");
  EXPECT_EQ(kinds["warm/trades/date=2026-03-02/symbol=S9/part-000001.parquet"], "orphan");
  // A scan touching a damaged file fails naming it; one that does not touch it works.
  auto s0 = db_->Scan({.table = "trades", .symbols = {"S0"}});
  ASSERT_FALSE(s0.ok());
  EXPECT_NE(s0.status().message().find("symbol=S0/part-000001.parquet"), std::string::npos) << s0.status().ToString();
  auto s1 = db_->Scan({.table = "trades", .symbols = {"S1"}});
  ASSERT_FALSE(s1.ok());
  EXPECT_NE(s1.status().message().find("symbol=S1/part-000001.parquet"), std::string::npos) << s1.status().ToString();
  EXPECT_FALSE(db_->Scan({.table = "trades"}).ok());
  ASSERT_OK(db_->Scan({.table = "trades", .symbols = {"S2"}}));
  // A migration touching them fails and changes nothing.
  EXPECT_FALSE(db_->Migrate(All()).ok());
  // Verify of one tier only looks at that tier.
  ASSERT_OK_AND_ASSIGN(VerifyReport cold, db_->Verify({.tier = "cold"}));
  EXPECT_TRUE(cold.ok());
  EXPECT_FALSE(db_->Verify({.tier = "lukewarm"}).ok());
  // Reopening a writer moves the orphan to quarantine/ (nothing proves it redundant), never
  // touches a catalogued file, nor a file that is not the tier's.
  Reopen();
  ASSERT_OK_AND_ASSIGN(report, db_->Verify({}));
  EXPECT_EQ(report.problems.size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(root_ + "/warm/trades/date=2026-03-02/symbol=S9/part-000001.parquet"));
  EXPECT_TRUE(std::filesystem::exists(root_ + "/quarantine/warm/trades/date=2026-03-02/symbol=S9/part-000001.parquet"));
  EXPECT_TRUE(std::filesystem::exists(root_ + "/warm/trades/notes.txt"));
}

TEST_F(TierLakeTest, ReadOnlyProcessSeesFlushedRowsOnce) {
  Append(Trades(200, 2, kMar2, 1, 0));
  Options ro = TestOptions();
  ro.read_only = true;
  ASSERT_OK_AND_ASSIGN(auto reader, Database::Open(root_, ro));  // replays the WAL: rows hot there
  EXPECT_TRUE(SameRows(ScanAll(reader.get()), Expected(appended_)));
  ASSERT_OK(db_->Flush());  // now in warm files; the reader's hot copy must not double them
  EXPECT_TRUE(SameRows(ScanAll(reader.get()), Expected(appended_)));
  ASSERT_OK(db_->Migrate(All()));
  EXPECT_TRUE(SameRows(ScanAll(reader.get()), Expected(appended_)));
  ASSERT_OK_AND_ASSIGN(auto late, Database::Open(root_, ro));
  EXPECT_TRUE(SameRows(ScanAll(late.get()), Expected(appended_)));
  EXPECT_FALSE(reader->Flush().ok());
  ASSERT_OK_AND_ASSIGN(VerifyReport report, late->Verify({}));
  EXPECT_TRUE(report.ok());
}

TEST_F(TierLakeTest, AppendsDuringFlushesAreNeitherLostNorDoubled) {
  std::atomic<bool> done{false};
  std::vector<RecordBatch> written;
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      RecordBatch b = Trades(50, 4, kMar2 + i * 100'000'000LL, 100 + i, 1'000'000LL * (i + 1));
      Status st = db_->Append("trades", b);
      if (!st.ok()) {
        ADD_FAILURE() << st.ToString();
        break;
      }
      written.push_back(std::move(b));
    }
    done = true;
  });
  int flushes = 0;
  while (!done || flushes < 5) {
    auto r = db_->Flush();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ++flushes;
    auto scan = db_->Scan({.table = "trades"});  // never a duplicate mid-way
    ASSERT_TRUE(scan.ok());
    std::set<std::pair<std::string, int64_t>> ids;
    for (const RecordBatch& b : *scan) {
      for (size_t r2 = 0; r2 < b.num_rows(); ++r2) {
        ASSERT_TRUE(ids.emplace(std::string(b.column(1).GetString(r2)), b.column(4).int64s()[r2]).second);
      }
    }
  }
  writer.join();
  ASSERT_EQ(written.size(), 200u);
  ASSERT_OK(db_->Flush());
  EXPECT_EQ(TierRows(db_.get(), "hot"), 0u);
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(written)));
  Reopen();
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(written)));
}

TEST_F(TierLakeTest, BackgroundFlusherFlushesAtTheRowThreshold) {
  Options o = TestOptions();
  o.background_flush = true;
  o.flush_check_interval_ms = 5;
  Reopen(o);
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"flush_rows": 100})"));
  Append(Trades(99, 1, kMar2, 1, 0));
  Append(Trades(1, 1, kMar2 + 1'000'000'000, 2, 1000));
  // Wait (bounded) for the flusher: the threshold is reached, so it must happen.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  // The flush commits the warm files first and drops the rows from RAM just after: wait for both.
  while ((TierRows(db_.get(), "warm") < 100 || TierRows(db_.get(), "hot") > 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(TierRows(db_.get(), "warm"), 100u);
  EXPECT_EQ(TierRows(db_.get(), "hot"), 0u);
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(appended_)));
}

TEST_F(TierLakeTest, RunsAreRecorded) {
  Append(Trades(100, 1, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Migrate(All()));
  db_.reset();
  ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(root_ + "/catalog.db", true));
  ASSERT_OK_AND_ASSIGN(auto runs, catalog->ListRuns(std::nullopt, 0));
  std::vector<std::string> kinds;
  for (const RunRecord& r : runs) {
    kinds.push_back(r.kind);
    EXPECT_EQ(r.status, "ok");
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"migrate", "flush"}));
  EXPECT_NE(runs[0].outputs_json.find("\"rows_out\":100"), std::string::npos) << runs[0].outputs_json;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
