// A flush that cannot write one series: the others are flushed and the WAL trimmed, the series'
// rows go to a quarantine file (exactly as appended) with a catalog record, and verify and stats
// report it.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "db/db_test_util.h"
#include "db/wal_record.h"
#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "testutil/testutil.h"
#include "wal/batch_codec.h"

namespace strata {
namespace {

using testing::MakeTrades;

class FlushQuarantineTest : public db::testing::DbTest {
 protected:
  std::unique_ptr<Database> Open() {
    Options options = DbOptions();
    options.fs = &fs_;
    return MustOpenDb(options);
  }

  // Rows per symbol over every tier.
  static std::map<std::string, size_t> RowsBySymbol(Database* db) {
    ScanRequest req;
    req.table = "trades";
    auto r = db->Scan(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::map<std::string, size_t> n;
    if (!r.ok()) return n;
    for (const RecordBatch& b : *r) {
      for (size_t i = 0; i < b.num_rows(); ++i) ++n[std::string(b.column(1).GetString(i))];
    }
    return n;
  }

  FaultInjectionFileSystem fs_{DefaultFileSystem()};
};

RecordBatch RowsOf(const RecordBatch& b, std::string_view symbol) {
  std::vector<uint32_t> idx;
  for (size_t i = 0; i < b.num_rows(); ++i) {
    if (b.column(1).GetString(i) == symbol) idx.push_back(static_cast<uint32_t>(i));
  }
  return b.Take(idx);
}

TEST_F(FlushQuarantineTest, OneSeriesThatCannotBeWrittenIsQuarantinedAndTheRestFlushes) {
  const RecordBatch batch = MakeTrades(4000, 4, 1'700'000'000'000'000'000, 1);
  const RecordBatch s2 = RowsOf(batch, "S2");
  ASSERT_GT(s2.num_rows(), 0u);
  {
    auto db = Open();
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}));
    ASSERT_OK(db->Append("trades", batch));
    // Every warm file of series S2 fails to be created (on every attempt); the others are fine.
    fs_.FailPathsContaining(FsOp::kCreate, "S2", Status::IOError("injected: S2's warm file cannot be created"));
    ASSERT_OK_AND_ASSIGN(TierRunResult r, db->Flush());
    fs_.FailPathsContaining(FsOp::kCreate, "");
    EXPECT_EQ(r.series_quarantined, 1u);
    EXPECT_EQ(r.rows_quarantined, s2.num_rows());
    EXPECT_EQ(r.rows_out, batch.num_rows() - s2.num_rows());
    ASSERT_OK_AND_ASSIGN(DatabaseStats stats, db->Stats());
    EXPECT_EQ(stats.flushed_lsn, stats.last_lsn);  // the cut advanced past every record
    ASSERT_EQ(stats.tables.size(), 1u);
    EXPECT_EQ(stats.tables[0].quarantined_series, 1u);
    EXPECT_EQ(stats.tables[0].quarantined_rows, s2.num_rows());
    EXPECT_EQ(stats.tables[0].tiers[0].rows, 0u);  // nothing left in the hot tier
    // One warning naming the table, the symbol, the reason and the file.
    bool warned = false;
    for (const std::string& w : warnings_) {
      if (w.find("table trades") != std::string::npos && w.find("'S2'") != std::string::npos &&
          w.find("injected: S2's warm file") != std::string::npos && w.find("quarantine/") != std::string::npos) {
        warned = true;
      }
    }
    EXPECT_TRUE(warned) << ::testing::PrintToString(warnings_);
    auto by_symbol = RowsBySymbol(db.get());
    EXPECT_EQ(by_symbol.count("S2"), 0u);
    EXPECT_EQ(by_symbol["S0"] + by_symbol["S1"] + by_symbol["S3"], batch.num_rows() - s2.num_rows());
    // verify reports it (and the file is intact).
    ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
    ASSERT_EQ(report.problems.size(), 1u) << report.problems[0].kind << " " << report.problems[0].detail;
    EXPECT_EQ(report.problems[0].kind, "quarantined");
    EXPECT_NE(report.problems[0].detail.find("symbol 'S2'"), std::string::npos) << report.problems[0].detail;
    EXPECT_NE(report.problems[0].detail.find("table trades"), std::string::npos);
    ASSERT_OK(db->Close());
  }
  // The quarantine file holds S2's rows exactly as appended (nothing acknowledged is lost).
  ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(layout::CatalogPath(root_), true));
  ASSERT_OK_AND_ASSIGN(auto records, catalog->ListQuarantine());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].symbol, "S2");
  EXPECT_EQ(records[0].row_count, static_cast<int64_t>(s2.num_rows()));
  ASSERT_OK_AND_ASSIGN(std::string data, DefaultFileSystem()->ReadFile(JoinPath(root_, records[0].uri)));
  ASSERT_OK_AND_ASSIGN(RowsRecordHeader header, ParseRowsRecord(data));
  ASSERT_OK_AND_ASSIGN(RecordBatch kept, DecodeBatch(header.encoded_batch, s2.fields()));
  EXPECT_TRUE(kept.Equals(s2));
  // Reopening replays nothing of it: the WAL cut covers it.
  auto db = Open();
  auto by_symbol = RowsBySymbol(db.get());
  EXPECT_EQ(by_symbol.count("S2"), 0u);
  ASSERT_OK_AND_ASSIGN(DatabaseStats stats, db->Stats());
  EXPECT_EQ(stats.tables[0].tiers[0].rows, 0u);
}

// Putting a quarantined series back: its rows are appended again (exactly as they were), the
// record and the file go, and the next flush (what stopped the first one gone) writes them.
TEST_F(FlushQuarantineTest, AQuarantinedSeriesIsPutBackAndFlushedOnceItsProblemIsGone) {
  const RecordBatch batch = MakeTrades(2000, 3, 1'700'000'000'000'000'000, 1);
  const RecordBatch s1 = RowsOf(batch, "S1");
  auto db = Open();
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}));
  ASSERT_OK(db->Append("trades", batch));
  fs_.FailPathsContaining(FsOp::kCreate, "S1", Status::IOError("injected: S1's warm file cannot be created"));
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db->Flush());
  EXPECT_EQ(r.series_quarantined, 1u);
  ASSERT_OK_AND_ASSIGN(auto listed, db->ListQuarantined());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].table, "trades");
  EXPECT_EQ(listed[0].symbol, "S1");
  EXPECT_EQ(listed[0].rows, s1.num_rows());
  EXPECT_NE(listed[0].reason.find("injected: S1's warm file"), std::string::npos) << listed[0].reason;
  const std::string file = JoinPath(root_, listed[0].uri);
  ASSERT_TRUE(*DefaultFileSystem()->Exists(file));

  EXPECT_EQ(db->RestoreQuarantined(listed[0].id + 100).status().code(), StatusCode::kNotFound);
  // A damaged file is refused, naming it; nothing changes.
  const std::string good = testing::ReadTextFile(file);
  testing::WriteTextFile(file, good.substr(0, good.size() - 1) + "x");
  auto damaged = db->RestoreQuarantined(listed[0].id);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), StatusCode::kCorruption);
  EXPECT_NE(damaged.status().message().find(file), std::string::npos) << damaged.status().ToString();
  testing::WriteTextFile(file, good);
  EXPECT_EQ(RowsBySymbol(db.get()).count("S1"), 0u);

  ASSERT_OK_AND_ASSIGN(uint64_t restored, db->RestoreQuarantined(listed[0].id));
  EXPECT_EQ(restored, s1.num_rows());
  EXPECT_EQ(RowsBySymbol(db.get())["S1"], s1.num_rows());  // hot again
  ASSERT_OK_AND_ASSIGN(auto after, db->ListQuarantined());
  EXPECT_TRUE(after.empty());
  EXPECT_FALSE(*DefaultFileSystem()->Exists(file));
  // Still failing: set aside again (nothing lost); once the problem is gone, flushed for good.
  ASSERT_OK_AND_ASSIGN(TierRunResult again, db->Flush());
  EXPECT_EQ(again.series_quarantined, 1u);
  ASSERT_OK_AND_ASSIGN(auto relisted, db->ListQuarantined());
  ASSERT_EQ(relisted.size(), 1u);
  fs_.FailPathsContaining(FsOp::kCreate, "");
  ASSERT_OK(db->RestoreQuarantined(relisted[0].id).status());
  ASSERT_OK_AND_ASSIGN(TierRunResult flushed, db->Flush());
  EXPECT_EQ(flushed.series_quarantined, 0u);
  EXPECT_EQ(flushed.rows_out, s1.num_rows());
  ASSERT_OK(db->Close());
  db = Open();
  auto by_symbol = RowsBySymbol(db.get());
  EXPECT_EQ(by_symbol["S0"] + by_symbol["S1"] + by_symbol["S2"], batch.num_rows());
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
  EXPECT_TRUE(report.ok()) << report.problems[0].kind << " " << report.problems[0].detail;
  ASSERT_OK_AND_ASSIGN(DatabaseStats stats, db->Stats());
  EXPECT_EQ(stats.tables[0].quarantined_series, 0u);
  EXPECT_EQ(stats.tables[0].tiers[1].rows, batch.num_rows());  // all warm
}

TEST_F(FlushQuarantineTest, AFullDiskIsNotTheSeriesFaultAndFailsTheFlush) {
  const RecordBatch batch = MakeTrades(2000, 4, 1'700'000'000'000'000'000, 1);
  auto db = Open();
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}));
  ASSERT_OK(db->Append("trades", batch));
  fs_.FailPathsContaining(FsOp::kCreate, "S1", Status::NoSpace("injected: disk full"));
  auto r = db->Flush();
  fs_.FailPathsContaining(FsOp::kCreate, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNoSpace);
  ASSERT_OK_AND_ASSIGN(DatabaseStats stats, db->Stats());
  EXPECT_EQ(stats.tables[0].quarantined_series, 0u);
  EXPECT_EQ(stats.tables[0].tiers[0].rows, batch.num_rows());  // all still hot, retried later
  ASSERT_OK_AND_ASSIGN(TierRunResult again, db->Flush());
  EXPECT_EQ(again.rows_out, batch.num_rows());
  EXPECT_EQ(again.series_quarantined, 0u);
}

}  // namespace
}  // namespace strata
