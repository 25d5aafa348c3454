#include "catalog/catalog.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "testutil/testutil.h"

namespace strata {
namespace {

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Join("catalog.db");
    auto c = Catalog::Open(path_, false);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }
  TableDef Trades() { return {"trades", *Schema::Template("trades"), "trade_id"}; }
  FileRecord File(int64_t table_id, std::string uri, std::string symbol, int64_t min_ts, int64_t max_ts,
                  Tier tier = Tier::kWarm) {
    FileRecord f;
    f.table_id = table_id;
    f.tier = tier;
    f.uri = std::move(uri);
    f.symbol = std::move(symbol);
    f.min_ts = min_ts;
    f.max_ts = max_ts;
    f.row_count = 10;
    f.bytes = 1000;
    f.sha256 = "ab";
    return f;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(CatalogTest, TablesCreateGetListAndErrors) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  EXPECT_GT(t.id, 0);
  EXPECT_EQ(catalog_->CreateTable(Trades()).status().code(), StatusCode::kAlreadyExists);
  ASSERT_OK(catalog_->CreateTable({"quotes", *Schema::Template("quotes"), std::nullopt}).status());
  ASSERT_OK_AND_ASSIGN(TableInfo got, catalog_->GetTable("trades"));
  EXPECT_EQ(got.def.schema, *Schema::Template("trades"));
  EXPECT_EQ(got.def.dedup_key, "trade_id");
  ASSERT_OK_AND_ASSIGN(TableInfo by_id, catalog_->GetTableById(t.id));
  EXPECT_EQ(by_id.def.name, "trades");
  ASSERT_OK_AND_ASSIGN(auto all, catalog_->ListTables());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].def.name, "quotes");
  auto missing = catalog_->GetTable("orders");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("quotes, trades"), std::string::npos) << missing.status().ToString();
  EXPECT_FALSE(catalog_->CreateTable({"bad name", *Schema::Template("bars"), std::nullopt}).ok());
  EXPECT_FALSE(catalog_->CreateTable({"b", *Schema::Template("bars"), "nope"}).ok());
  ASSERT_OK(catalog_->SetTablePolicy("trades", R"({"warm_days":5})"));
  EXPECT_EQ(catalog_->GetTable("trades")->def.policy_json, R"({"warm_days":5})");
  EXPECT_TRUE(catalog_->SetTablePolicy("nope", "{}").IsNotFound());
}

TEST_F(CatalogTest, FileChangesAreAtomicAndQueryable) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  CatalogChange add;
  add.add = {File(t.id, "warm/a", "AAPL", 0, 99), File(t.id, "warm/b", "AAPL", 100, 199),
             File(t.id, "warm/c", "MSFT", 50, 150), File(t.id, "cold/d", "AAPL", 0, 50, Tier::kCold)};
  add.flushed_lsn = 42;
  ASSERT_OK_AND_ASSIGN(auto ids, catalog_->Commit(add));
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 42u);

  FileQuery q;
  q.table_id = t.id;
  q.symbol = "AAPL";
  q.tier = Tier::kWarm;
  q.from_ts = 100;
  q.to_ts = 120;
  ASSERT_OK_AND_ASSIGN(auto files, catalog_->ListFiles(q));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].uri, "warm/b");
  q.from_ts = 99;  // overlaps both: a's max_ts is inclusive
  EXPECT_EQ(catalog_->ListFiles(q)->size(), 2u);
  q = FileQuery{};
  q.tier = Tier::kCold;
  EXPECT_EQ(catalog_->ListFiles(q)->size(), 1u);

  // Retire a, remove c, add e: one transaction.
  CatalogChange change;
  change.retire = {ids[0]};
  change.remove = {ids[2]};
  change.add = {File(t.id, "warm/e", "AAPL", 0, 199)};
  ASSERT_OK(catalog_->Commit(change).status());
  EXPECT_EQ(catalog_->ListFiles({})->size(), 3u);  // b, d, e live
  FileQuery retired;
  retired.state = "retired";
  EXPECT_EQ(catalog_->ListFiles(retired)->size(), 1u);

  // A failing change leaves nothing behind: the duplicate uri fails after the first add.
  CatalogChange bad;
  bad.add = {File(t.id, "warm/f", "AAPL", 0, 1), File(t.id, "warm/b", "AAPL", 0, 1)};
  bad.flushed_lsn = 99;
  EXPECT_FALSE(catalog_->Commit(bad).ok());
  EXPECT_EQ(catalog_->ListFiles({})->size(), 3u);
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 42u);
  CatalogChange bad_id;
  bad_id.retire = {12345};
  EXPECT_TRUE(catalog_->Commit(bad_id).status().IsNotFound());
  ASSERT_OK(catalog_->MarkVerified(ids[1], 777));
  FileQuery one;
  one.symbol = "AAPL";
  one.tier = Tier::kWarm;
  auto after = catalog_->ListFiles(one);
  ASSERT_OK(after.status());
  bool found = false;
  for (const auto& f : *after) {
    if (f.id == ids[1]) {
      EXPECT_EQ(f.verified_at_ns, 777);
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(CatalogTest, TransactionRollsBackOnError) {
  Status st = catalog_->InTransaction([&]() -> Status {
    EXPECT_OK(catalog_->PutSetting("k", "v"));
    return Status::Aborted("no");
  });
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_FALSE(catalog_->GetSetting("k")->has_value());
}

TEST_F(CatalogTest, SettingsWalStateRuns) {
  ASSERT_OK(catalog_->PutSetting("fsync", "always"));
  ASSERT_OK(catalog_->PutSetting("fsync", "none"));
  EXPECT_EQ(**catalog_->GetSetting("fsync"), "none");
  ASSERT_OK(catalog_->SetDurableLsn(17));
  EXPECT_EQ(catalog_->GetWalState()->durable_lsn, 17u);
  ASSERT_OK_AND_ASSIGN(int64_t run, catalog_->BeginRun("ingest", R"({"file":"a.csv"})", "{}"));
  ASSERT_OK(catalog_->FinishRun(run, false, "{}", "bad line"));
  ASSERT_OK_AND_ASSIGN(auto runs, catalog_->ListRuns(std::string("ingest"), 10));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "failed");
  EXPECT_EQ(runs[0].error, "bad line");
  EXPECT_TRUE(runs[0].finished_at_ns.has_value());
  EXPECT_TRUE(catalog_->ListRuns(std::string("flush"), 10)->empty());
  EXPECT_TRUE(catalog_->FinishRun(999, true, "{}", "").IsNotFound());
}

TEST_F(CatalogTest, ReopenAndReadOnly) {
  ASSERT_OK(catalog_->CreateTable(Trades()).status());
  ASSERT_OK_AND_ASSIGN(auto reader, Catalog::Open(path_, true));
  EXPECT_EQ(reader->ListTables()->size(), 1u);
  // The reader sees what the writer commits later.
  ASSERT_OK(catalog_->CreateTable({"quotes", *Schema::Template("quotes"), std::nullopt}).status());
  EXPECT_EQ(reader->ListTables()->size(), 2u);
  EXPECT_FALSE(reader->PutSetting("a", "b").ok());
  EXPECT_FALSE(reader->CreateTable({"bars", *Schema::Template("bars"), std::nullopt}).ok());
  catalog_.reset();
  ASSERT_OK_AND_ASSIGN(auto again, Catalog::Open(path_, false));
  EXPECT_EQ(again->ListTables()->size(), 2u);
  EXPECT_EQ(again->schema_version(), 1);

  auto missing = Catalog::Open(dir_.Join("nope.db"), true);
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("strata init"), std::string::npos);
}

TEST_F(CatalogTest, RefusesACatalogFromTheFuture) {
  ASSERT_OK(catalog_->InTransaction([&]() -> Status {
    return sqlite3_exec(catalog_->db(), "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK
               ? Status::OK()
               : Status::Internal("pragma");
  }));
  catalog_.reset();
  auto c = Catalog::Open(path_, false);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("newer"), std::string::npos) << c.status().ToString();
}

}  // namespace
}  // namespace strata
