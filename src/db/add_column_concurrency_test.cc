// Database::AddColumn beside appenders and scanners (TSan: cmake/strata_tsan.cmake): every
// acknowledged row is there once, with NULL in the columns added after it; scans never fail.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace add_column_concurrency_test {

using testing::TempDir;

constexpr int kRows = 20;

RecordBatch OldTrades(int64_t id) {
  RecordBatch b(*Schema::Template("trades"));
  for (int i = 0; i < kRows; ++i) {
    b.column(0).AppendInt64(1'000'000'000'000 + id * 1'000'000 + i);
    b.column(1).AppendString("S" + std::to_string(id % 3));
    b.column(2).AppendDouble(100.0 + id);
    b.column(3).AppendInt64(100);
    b.column(4).AppendInt64(id * kRows + i);
    b.column(5).AppendString("XNAS");
  }
  return b;
}

TEST(AddColumnConcurrency, AppendsAndScansDuringAddColumn) {
  TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  ASSERT_OK_AND_ASSIGN(auto appender, db->NewAppender("trades"));  // old columns throughout
  std::atomic<bool> stop{false};
  std::atomic<int64_t> appended{0};
  std::thread writer([&] {
    for (int64_t id = 0; !stop.load() || id < 5; ++id) {
      Status st = appender->Append(OldTrades(id));
      if (!st.ok()) {
        ADD_FAILURE() << st.ToString();
        return;
      }
      appended.store(id + 1);
    }
  });
  std::thread reader([&] {
    while (!stop.load()) {
      ScanRequest req;
      req.table = "trades";
      auto batches = db->Scan(req);
      if (!batches.ok()) {
        ADD_FAILURE() << batches.status().ToString();
        return;
      }
      for (const RecordBatch& b : *batches) {
        if (b.num_columns() < 6) ADD_FAILURE() << "a scan returned " << b.num_columns() << " columns";
      }
    }
  });
  const int columns = testing::Sanitized() ? 2 : 4;
  for (int c = 0; c < columns; ++c) {
    ASSERT_OK(db->AddColumn("trades", "extra" + std::to_string(c), ColumnType::kFloat64));
  }
  stop.store(true);
  writer.join();
  reader.join();
  ScanRequest req;
  req.table = "trades";
  req.columns = {"trade_id", "extra0"};
  ASSERT_OK_AND_ASSIGN(auto batches, db->Scan(req));
  std::map<int64_t, int> seen;
  for (const RecordBatch& b : batches) {
    for (size_t r = 0; r < b.num_rows(); ++r) {
      ++seen[b.column(0).int64s()[r]];
      EXPECT_TRUE(b.column(1).IsNull(r));
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(appended.load() * kRows));
  for (const auto& [id, times] : seen) EXPECT_EQ(times, 1) << "trade_id " << id;
}

}  // namespace add_column_concurrency_test
}  // namespace strata
