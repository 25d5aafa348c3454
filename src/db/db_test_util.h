// Test helpers shared by the database tests (src/db/*_test.cc): a fixture that creates a database
// in a temporary directory and opens it the way the tests do, and a read of the trades tables the
// schema evolution tests write. Test-only (included by *_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata::db::testing {

// A database at root_ (dir_/db), created by SetUp with fsync "none" (Init again for other
// options). Opens without the background flusher and collects warnings in warnings_, unless the
// options given say otherwise.
class DbTest : public ::testing::Test {
 protected:
  void SetUp() override { Init(); }

  void Init(const InitOptions& init = FsyncNone()) {
    root_ = dir_.Join("db");
    ASSERT_OK(Database::Init(root_, init));
  }
  static InitOptions FsyncNone() {
    InitOptions init;
    init.fsync = "none";
    return init;
  }
  Options DbOptions() {
    Options o;
    o.background_flush = false;
    o.on_warning = [this](std::string_view w) { warnings_.emplace_back(w); };
    return o;
  }
  Result<std::unique_ptr<Database>> OpenDb(const Options& o) { return Database::Open(root_, o); }
  // nullptr (and a test failure naming the error) when the open fails.
  std::unique_ptr<Database> MustOpenDb(const Options& o) {
    auto db = OpenDb(o);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  strata::testing::TempDir dir_;
  std::string root_;
  std::vector<std::string> warnings_;
};

// trade_id -> venue_id (nullopt: NULL) of table trades, over every tier (the column the schema
// evolution tests add); counts rows seen more than once in *dups.
inline std::map<int64_t, std::optional<int64_t>> Venues(Database* db, int* dups = nullptr) {
  ScanRequest req;
  req.table = "trades";
  req.columns = {"trade_id", "venue_id"};
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  std::map<int64_t, std::optional<int64_t>> out;
  if (!batches.ok()) return out;
  for (const RecordBatch& b : *batches) {
    EXPECT_EQ(b.fields()[1].name, "venue_id");
    for (size_t r = 0; r < b.num_rows(); ++r) {
      const int64_t id = b.column(0).int64s()[r];
      if (out.count(id) && dups != nullptr) ++*dups;
      out[id] = b.column(1).IsNull(r) ? std::nullopt : std::optional<int64_t>(b.column(1).int64s()[r]);
    }
  }
  return out;
}

// The rows a scan of `table` returns, over every tier.
inline size_t ScanRowCount(Database* db, const std::string& table) {
  ScanRequest req;
  req.table = table;
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  size_t n = 0;
  if (batches.ok()) {
    for (const RecordBatch& b : *batches) n += b.num_rows();
  }
  return n;
}

}  // namespace strata::db::testing
