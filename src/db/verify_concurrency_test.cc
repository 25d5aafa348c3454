// A writable database's verify holds the tier-operation mutex only while it lists the catalog and
// storage: flushes (here: one started from verify's own progress callback, on another thread) run
// while it reads and hashes the files, and the report stays clean.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>

#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

using testing::MakeTrades;
using testing::TempDir;

TEST(VerifyConcurrencyTest, FlushesRunWhileAWritersVerifyChecksFiles) {
  TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options options;
  options.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, options));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}));
  const RecordBatch first = MakeTrades(4000, 4, 1'700'000'000'000'000'000, 1);
  ASSERT_OK(db->Append("trades", first));
  ASSERT_OK(db->Flush().status());  // four warm files to verify
  // Rows of another day, flushed during the verify.
  ASSERT_OK(db->Append("trades", MakeTrades(4000, 4, 1'700'100'000'000'000'000, 2)));

  int flushes = 0;
  Status flush_status;
  VerifyOptions vo;
  vo.on_progress = [&](std::string_view) {
    if (flushes++ > 0) return;
    // On another thread, so that a verify still holding the mutex shows as a timeout, not a
    // self-deadlock of this thread.
    auto done = std::async(std::launch::async, [&] { return db->Flush().status(); });
    if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "a flush waited for verify's checks: verify holds the tier-operation mutex";
      std::_Exit(1);  // the flush thread cannot be joined
    }
    flush_status = done.get();
  };
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify(vo));
  ASSERT_OK(flush_status);
  EXPECT_GE(flushes, 1);
  EXPECT_TRUE(report.ok()) << report.problems[0].kind << " " << report.problems[0].uri << ": "
                           << report.problems[0].detail;
  EXPECT_EQ(report.files_checked, 4u);  // the files listed before the flush
  ASSERT_OK_AND_ASSIGN(VerifyReport after, db->Verify({}));
  EXPECT_TRUE(after.ok());
  EXPECT_EQ(after.files_checked, 8u);
}

TEST(VerifyConcurrencyTest, AppendsFlushesAndCompactionsBesideVerify) {
  TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options options;
  options.background_flush = false;
  options.max_warm_parts = 2;  // flushes compact: files retire and go while verify reads
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, options));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (uint64_t i = 0; !stop.load(); ++i) {
      ASSERT_OK(db->Append("trades", MakeTrades(500, 3, 1'700'000'000'000'000'000 + int64_t(i) * 1'000'000'000, i)));
      ASSERT_OK(db->Flush().status());
    }
  });
  for (int round = 0; round < 20; ++round) {
    ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
    for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace strata
