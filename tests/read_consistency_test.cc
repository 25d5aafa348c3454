// Reads that stay right while a writer changes the files under them (issue 13 #5, #7; issue 18
// #10): a damaged footer is an error naming the file, never a wrong answer; a scan in another
// process whose files a flush, compaction or migration retires and deletes re-lists and gives the
// answer of a scan planned after the change; retention defers deleting files a scan has pinned;
// verify does not call a live writer's temporaries orphans.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "db/scan.h"
#include "lake_test_util.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::Expected;
using testing::kDayNs;
using testing::kMar2;
using testing::SameRows;
using testing::ScanAll;
using testing::TestOptions;
using testing::TierRows;
using testing::Trades;

class ReadConsistencyTest : public testing::TradesDbTest {
 protected:
  void Append(const RecordBatch& b) {
    ASSERT_OK(db_->Append("trades", b));
    appended_.push_back(b);
  }
  std::unique_ptr<Database> OpenReader() {
    Options ro = TestOptions();
    ro.read_only = true;
    auto db = Database::Open(root_, ro);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  std::vector<std::string> WarmFiles() { return testing::FilesUnder(root_ + "/warm"); }

  std::vector<RecordBatch> appended_;
};

Result<std::vector<RecordBatch>> Drain(ScanCursor* cursor) { return db::DrainScan(cursor); }

MigrateOptions All() {
  MigrateOptions m;
  m.all = true;
  return m;
}

// A reader in another process (here: a second, read-only Database, whose pins the writer cannot
// see) planned its scan; the writer then migrates every warm file to cold and deletes it before
// the reader opens it. The reader re-lists and returns every row once.
TEST_F(ReadConsistencyTest, ScanInAnotherProcessSurvivesMigrationOfItsFiles) {
  Append(Trades(300, 3, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  Append(Trades(300, 3, kMar2 + kDayNs, 2, 10'000));  // a second day: two files per symbol
  ASSERT_OK(db_->Flush());
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  ASSERT_OK_AND_ASSIGN(auto cursor, reader->NewScan({.table = "trades", .max_batch_rows = 16}));
  // Part of the first symbol comes from its first day's file (now open), then the writer moves
  // everything to cold and deletes the warm files.
  RecordBatch first;
  ASSERT_OK_AND_ASSIGN(bool more, cursor->Next(&first));
  ASSERT_TRUE(more);
  ASSERT_OK(db_->Migrate(All()));
  EXPECT_TRUE(WarmFiles().empty());
  ASSERT_OK_AND_ASSIGN(auto rest, Drain(cursor.get()));
  ASSERT_FALSE(rest.empty());
  ASSERT_EQ(rest[0].num_columns(), first.num_columns());
  RecordBatch s0 = first;
  ASSERT_OK(s0.Append(rest[0]));
  rest[0] = std::move(s0);
  EXPECT_TRUE(SameRows(rest, Expected(appended_)));
}

// The same with a compaction (a policy of one part per series-day): a flush writes a second part,
// compacts the two into one and deletes both while the reader's scan has them listed.
TEST_F(ReadConsistencyTest, ScanInAnotherProcessSurvivesCompactionOfItsFiles) {
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"max_warm_parts": 1})"));
  Append(Trades(200, 2, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  ASSERT_OK_AND_ASSIGN(auto cursor, reader->NewScan({.table = "trades"}));
  Append(Trades(200, 2, kMar2 + 3600'000'000'000, 2, 10'000));
  ASSERT_OK(db_->Flush());  // writes a part, then compacts: the reader's listed files are gone
  ASSERT_EQ(WarmFiles().size(), 2u);
  ASSERT_OK_AND_ASSIGN(auto got, Drain(cursor.get()));
  // The reader's snapshot had only the first batch; what it returns now is the state after the
  // writer's change (the rows of both flushes), each row once.
  EXPECT_TRUE(SameRows(got, Expected(appended_)));
}

// The same two changes under a projected scan, which reads no dedup key when no duplicate is
// possible (db/scan.cc DuplicatePossible): the re-listed files replace the unfinished ones from
// just after the last emitted timestamp, and every row comes once.
TEST_F(ReadConsistencyTest, ProjectedScanInAnotherProcessSurvivesMigrationAndCompaction) {
  // (ts, price) of each symbol's rows, sorted.
  auto pairs_of = [](const std::vector<std::pair<std::string, RecordBatch>>& batches) {
    std::map<std::string, std::vector<std::pair<int64_t, double>>> out;
    for (const auto& [symbol, b] : batches) {
      for (size_t r = 0; r < b.num_rows(); ++r) {
        out[symbol].emplace_back(b.column(0).int64s()[r], b.column(1).doubles()[r]);
      }
    }
    for (auto& [symbol, v] : out) std::sort(v.begin(), v.end());
    return out;
  };
  auto want = [&] {
    std::vector<std::pair<std::string, RecordBatch>> rows;
    for (const RecordBatch& b : Expected(appended_)) {
      std::vector<Field> fields{b.fields()[0], b.fields()[2]};
      std::vector<Column> cols{b.column(0), b.column(2)};
      rows.emplace_back(std::string(b.column(1).GetString(0)), RecordBatch(std::move(fields), std::move(cols)));
    }
    return pairs_of(rows);
  };
  auto drain = [](ScanCursor* cursor, std::vector<std::pair<std::string, RecordBatch>>* got) {
    RecordBatch b;
    while (true) {
      auto more = cursor->Next(&b);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) break;
      got->emplace_back(cursor->symbol(), b);
    }
  };
  const ScanRequest req{.table = "trades", .columns = {"ts", "price"}, .max_batch_rows = 16};
  Append(Trades(300, 3, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  Append(Trades(300, 3, kMar2 + kDayNs, 2, 10'000));
  ASSERT_OK(db_->Flush());
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  {
    ASSERT_OK_AND_ASSIGN(auto cursor, reader->NewScan(req));
    std::vector<std::pair<std::string, RecordBatch>> got;
    RecordBatch first;
    ASSERT_OK_AND_ASSIGN(bool more, cursor->Next(&first));
    ASSERT_TRUE(more);
    got.emplace_back(cursor->symbol(), first);
    ASSERT_OK(db_->Migrate(All()));
    ASSERT_TRUE(WarmFiles().empty());
    drain(cursor.get(), &got);
    EXPECT_EQ(pairs_of(got), want());
    EXPECT_EQ(cursor->stats().files_listed, 6u);
  }
  // Compaction: the reader lists one part per series-day; a flush writes a second and compacts.
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"max_warm_parts": 1})"));
  Append(Trades(200, 3, kMar2 + 40 * kDayNs, 3, 20'000));
  ASSERT_OK(db_->Flush());
  {
    ASSERT_OK_AND_ASSIGN(auto cursor, reader->NewScan(req));
    Append(Trades(200, 3, kMar2 + 40 * kDayNs + 3600'000'000'000, 4, 30'000));
    ASSERT_OK(db_->Flush());
    std::vector<std::pair<std::string, RecordBatch>> got;
    drain(cursor.get(), &got);
    EXPECT_EQ(pairs_of(got), want());
  }
}

// A file that the catalog still lists as live and that is gone is an error naming it.
TEST_F(ReadConsistencyTest, ALiveFileThatIsMissingIsStillAnError) {
  Append(Trades(100, 1, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  ASSERT_OK_AND_ASSIGN(auto cursor, reader->NewScan({.table = "trades"}));
  ASSERT_EQ(WarmFiles().size(), 1u);
  std::filesystem::remove(WarmFiles()[0]);
  auto got = Drain(cursor.get());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("is missing from storage; run `strata verify`"), std::string::npos)
      << got.status().ToString();
}

// Retention waits for scans that hold its files, as compaction and migration do (issue 18 #10).
TEST_F(ReadConsistencyTest, RetentionDefersDeletingFilesAnOpenScanHolds) {
  Append(Trades(100, 2, kMar2 - 70 * kDayNs, 1, 0));
  Append(Trades(100, 2, kMar2, 2, 1000));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Migrate(All()));
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"cold_days": 45})"));
  ASSERT_OK_AND_ASSIGN(auto cursor, db_->NewScan({.table = "trades"}));
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db_->ApplyRetention(kMar2));
  EXPECT_EQ(r.files_in, 2u);
  EXPECT_EQ(testing::FilesUnder(root_ + "/cold").size(), 4u);  // deletion deferred: still pinned
  ASSERT_OK_AND_ASSIGN(auto got, Drain(cursor.get()));
  EXPECT_TRUE(SameRows(got, Expected(appended_)));  // the scan's snapshot, whole
  cursor.reset();
  // Released: a later deletion of retired files (another tier operation's, or the next writable
  // open's) removes them.
  std::vector<RecordBatch> kept(appended_.begin() + 1, appended_.end());
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(kept)));
  Reopen();
  EXPECT_EQ(testing::FilesUnder(root_ + "/cold").size(), 2u);
  EXPECT_TRUE(SameRows(ScanAll(db_.get()), Expected(kept)));
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  EXPECT_TRUE(report.ok());
}

// A file whose deletion was deferred (an open scan held it) is deleted by the next tier operation
// once released, even one that retires nothing itself, not only at the next writable open.
TEST_F(ReadConsistencyTest, DeferredFilesAreDeletedByTheNextTierOperationOnceReleased) {
  Append(Trades(100, 2, kMar2 - 70 * kDayNs, 1, 0));
  Append(Trades(100, 2, kMar2, 2, 1000));
  ASSERT_OK(db_->Flush());
  ASSERT_OK(db_->Migrate(All()));
  ASSERT_OK(db_->SetTablePolicy("trades", R"({"cold_days": 45})"));
  ASSERT_OK_AND_ASSIGN(auto cursor, db_->NewScan({.table = "trades"}));
  ASSERT_OK(db_->ApplyRetention(kMar2));
  EXPECT_EQ(testing::FilesUnder(root_ + "/cold").size(), 4u);  // deferred: still pinned
  ASSERT_OK(Drain(cursor.get()).status());
  cursor.reset();
  Append(Trades(10, 1, kMar2 + kDayNs, 3, 5000));
  ASSERT_OK(db_->Flush());  // retires nothing of its own
  EXPECT_EQ(testing::FilesUnder(root_ + "/cold").size(), 2u) << "released deferred files linger until an open";
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db_->Verify({}));
  EXPECT_TRUE(report.ok());
}

// Verify runs beside a writer: a temporary file of a live process is work in progress, one of a
// dead process is a crash's leftover (an orphan the next writable open removes).
TEST_F(ReadConsistencyTest, VerifyDoesNotCallALiveWritersTemporariesOrphans) {
  Append(Trades(100, 1, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  const std::string dir = std::filesystem::path(WarmFiles()[0]).parent_path().string();
  const std::string live = dir + "/part-000009.parquet.tmp-" + std::to_string(::getpid());
  std::ofstream(live) << "in flight";
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, reader->Verify({}));
  for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
  // A process id that is not running (above any pid_max).
  const std::string dead = dir + "/part-000010.parquet.tmp-2147483600";
  std::ofstream(dead) << "left behind";
  ASSERT_OK_AND_ASSIGN(report, reader->Verify({}));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "orphan");
  EXPECT_NE(report.problems[0].uri.find("tmp-2147483600"), std::string::npos);
}

// A flush renames its parts to their final names just before it commits them: beside a running
// writer, a part numbered after every catalogued part of its directory is in flight; without one
// it is an orphan.
TEST_F(ReadConsistencyTest, VerifyBesideAWriterSkipsPartsAboutToBeCommitted) {
  Append(Trades(100, 1, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  const std::string dir = std::filesystem::path(WarmFiles()[0]).parent_path().string();
  std::ofstream(dir + "/part-000099.parquet") << "renamed, not committed yet";
  auto reader = OpenReader();
  ASSERT_NE(reader, nullptr);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, reader->Verify({}));
  for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
  db_.reset();
  std::ofstream(root_ + "/LOCK", std::ios::trunc) << "process 2147483600 since 2026-03-02";  // a writer gone
  ASSERT_OK_AND_ASSIGN(report, reader->Verify({}));
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].kind, "orphan");
  EXPECT_NE(report.problems[0].uri.find("part-000099.parquet"), std::string::npos);
}

// Every single-byte change of a warm file's footer either fails the query, naming the file, or
// leaves the answer right (issue 13 #5: a flipped byte made a query return 0 rows, exit 0).
TEST_F(ReadConsistencyTest, ADamagedFooterIsAnErrorNeverAWrongAnswer) {
  Append(Trades(1000, 1, kMar2, 1, 0));
  ASSERT_OK(db_->Flush());
  db_.reset();
  const std::vector<RecordBatch> want = Expected(appended_);
  ASSERT_EQ(WarmFiles().size(), 1u);
  const std::string path = WarmFiles()[0];
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 8u);
  uint32_t footer_len = 0;
  std::memcpy(&footer_len, bytes.data() + bytes.size() - 8, 4);
  ASSERT_LT(footer_len + 8u, bytes.size());
  const size_t begin = bytes.size() - 8 - footer_len;
  int wrong = 0, failed = 0, right = 0;
  for (size_t at = begin; at < bytes.size() - 8; ++at) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
      std::string damaged = bytes;
      damaged[at] = static_cast<char>(damaged[at] ^ mask);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << damaged;
      auto reader = OpenReader();
      ASSERT_NE(reader, nullptr);
      auto got = reader->Scan({.table = "trades"});
      if (!got.ok()) {
        ++failed;
        EXPECT_NE(got.status().message().find(std::filesystem::path(path).filename().string()), std::string::npos)
            << got.status().ToString();
      } else if (SameRows(*got, want)) {
        ++right;
      } else {
        ++wrong;
        ADD_FAILURE() << "byte " << at - begin << " of " << footer_len << " ^ " << int{mask} << ": a wrong answer";
      }
    }
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_GT(failed, 0);
  std::printf("footer flips: %d failed, %d answered right, %d wrong\n", failed, right, wrong);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
