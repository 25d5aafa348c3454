#include "catalog/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "testutil/testutil.h"

namespace strata {
namespace {

using ::testing::HasSubstr;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Join("catalog.db");
    auto c = Catalog::Open(path_, false);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }
  static TableDef Trades() { return {"trades", *Schema::Template("trades"), "trade_id"}; }
  static TableDef Quotes() { return {"quotes", *Schema::Template("quotes"), std::nullopt}; }
  static FileRecord File(int64_t table_id, std::string uri, std::string symbol, int64_t min_ts, int64_t max_ts,
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
    f.max_lsn = 7;
    f.sha256 = "ab01";
    return f;
  }
  std::vector<std::string> Uris(const FileQuery& q) {
    std::vector<std::string> out;
    auto files = catalog_->ListFiles(q);
    EXPECT_TRUE(files.ok()) << files.status().ToString();
    if (files.ok()) {
      for (const FileRecord& f : *files) out.push_back(f.uri);
    }
    return out;
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Catalog> catalog_;
};

using Strings = std::vector<std::string>;

TEST(TierTest, NamesRoundTrip) {
  for (Tier t : {Tier::kHot, Tier::kWarm, Tier::kCold}) {
    ASSERT_OK_AND_ASSIGN(Tier back, ParseTier(TierName(t)));
    EXPECT_EQ(back, t);
  }
  EXPECT_EQ(TierName(Tier::kCold), "cold");
  auto bad = ParseTier("tepid");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("tepid"));
}

TEST_F(CatalogTest, TablesCreateGetList) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  EXPECT_GT(t.id, 0);
  EXPECT_GT(t.created_at_ns, 0);
  ASSERT_OK(catalog_->CreateTable(Quotes()).status());

  ASSERT_OK_AND_ASSIGN(TableInfo got, catalog_->GetTable("trades"));
  EXPECT_EQ(got.id, t.id);
  EXPECT_EQ(got.def.schema, *Schema::Template("trades"));  // stored as Schema::ToString, parsed back
  EXPECT_EQ(got.def.dedup_key, "trade_id");
  EXPECT_EQ(got.def.policy_json, "{}");
  EXPECT_EQ(got.created_at_ns, t.created_at_ns);
  ASSERT_OK_AND_ASSIGN(TableInfo quotes, catalog_->GetTable("quotes"));
  EXPECT_FALSE(quotes.def.dedup_key.has_value());
  ASSERT_OK_AND_ASSIGN(TableInfo by_id, catalog_->GetTableById(t.id));
  EXPECT_EQ(by_id.def.name, "trades");

  ASSERT_OK_AND_ASSIGN(auto all, catalog_->ListTables());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].def.name, "quotes");  // by name, not by id
  EXPECT_EQ(all[1].def.name, "trades");

  ASSERT_OK(catalog_->SetTablePolicy("trades", R"({"warm_days":5})"));
  EXPECT_EQ(catalog_->GetTable("trades")->def.policy_json, R"({"warm_days":5})");
}

TEST_F(CatalogTest, TableErrors) {
  auto empty = catalog_->GetTable("trades");
  EXPECT_TRUE(empty.status().IsNotFound());
  EXPECT_THAT(empty.status().message(), HasSubstr("tables: none"));

  ASSERT_OK(catalog_->CreateTable(Trades()).status());
  ASSERT_OK(catalog_->CreateTable(Quotes()).status());
  auto dup = catalog_->CreateTable(Trades());
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(dup.status().message(), HasSubstr("trades"));

  auto missing = catalog_->GetTable("orders");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_THAT(missing.status().message(), HasSubstr("'orders'"));
  EXPECT_THAT(missing.status().message(), HasSubstr("tables: quotes, trades"));
  EXPECT_TRUE(catalog_->GetTableById(999).status().IsNotFound());

  auto bad_name = catalog_->CreateTable({"bad name", *Schema::Template("bars"), std::nullopt});
  EXPECT_EQ(bad_name.status().code(), StatusCode::kInvalidArgument);
  auto bad_key = catalog_->CreateTable({"bars", *Schema::Template("bars"), "nope"});
  EXPECT_EQ(bad_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_key.status().message(), HasSubstr("nope"));
  auto ts_key = catalog_->CreateTable({"bars", *Schema::Template("bars"), "ts"});
  EXPECT_EQ(ts_key.status().code(), StatusCode::kInvalidArgument);
  TableDef bad_policy{"bars", *Schema::Template("bars"), std::nullopt, "{warm_days: 5"};
  EXPECT_EQ(catalog_->CreateTable(bad_policy).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->ListTables()->size(), 2u);  // none of the bad ones got in

  EXPECT_TRUE(catalog_->SetTablePolicy("nope", "{}").IsNotFound());
  Status not_object = catalog_->SetTablePolicy("trades", "[1]");
  EXPECT_EQ(not_object.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(not_object.message(), HasSubstr("JSON object"));
  EXPECT_EQ(catalog_->GetTable("trades")->def.policy_json, "{}");
}

TEST_F(CatalogTest, ListFilesFilters) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  ASSERT_OK_AND_ASSIGN(TableInfo q2, catalog_->CreateTable(Quotes()));
  CatalogChange add;
  add.add = {File(t.id, "warm/b", "AAPL", 100, 199), File(t.id, "warm/a", "AAPL", 0, 99),
             File(t.id, "warm/c", "MSFT", 50, 150), File(t.id, "cold/d", "AAPL", 1, 50, Tier::kCold),
             File(q2.id, "warm/q", "AAPL", 0, 1000)};
  ASSERT_OK_AND_ASSIGN(auto ids, catalog_->Commit(add));
  ASSERT_EQ(ids.size(), 5u);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]);

  // Everything, ordered by table, symbol, min_ts.
  EXPECT_EQ(Uris({}), (Strings{"warm/a", "cold/d", "warm/b", "warm/c", "warm/q"}));
  FileQuery q;
  q.table_id = t.id;
  EXPECT_EQ(Uris(q), (Strings{"warm/a", "cold/d", "warm/b", "warm/c"}));
  q.tier = Tier::kWarm;
  EXPECT_EQ(Uris(q), (Strings{"warm/a", "warm/b", "warm/c"}));
  q.symbol = "AAPL";
  EXPECT_EQ(Uris(q), (Strings{"warm/a", "warm/b"}));
  // Time overlap with [from, to): max_ts is inclusive, to_ts exclusive.
  q.from_ts = 100;
  q.to_ts = 120;
  EXPECT_EQ(Uris(q), (Strings{"warm/b"}));
  q.from_ts = 99;
  EXPECT_EQ(Uris(q), (Strings{"warm/a", "warm/b"}));
  q.from_ts = 0;
  q.to_ts = 100;
  EXPECT_EQ(Uris(q), (Strings{"warm/a"}));
  q.from_ts = 200;
  q.to_ts = 300;
  EXPECT_TRUE(Uris(q).empty());
  // Only one bound.
  FileQuery from_only;
  from_only.from_ts = 151;
  EXPECT_EQ(Uris(from_only), (Strings{"warm/b", "warm/q"}));
  FileQuery to_only;
  to_only.to_ts = 50;
  EXPECT_EQ(Uris(to_only), (Strings{"warm/a", "cold/d", "warm/q"}));
  FileQuery cold;
  cold.tier = Tier::kCold;
  EXPECT_EQ(Uris(cold), (Strings{"cold/d"}));

  // Every field survives the round trip.
  FileQuery one;
  one.symbol = "MSFT";
  ASSERT_OK_AND_ASSIGN(auto files, catalog_->ListFiles(one));
  ASSERT_EQ(files.size(), 1u);
  const FileRecord& f = files[0];
  EXPECT_EQ(f.id, ids[2]);
  EXPECT_EQ(f.table_id, t.id);
  EXPECT_EQ(f.tier, Tier::kWarm);
  EXPECT_EQ(f.min_ts, 50);
  EXPECT_EQ(f.max_ts, 150);
  EXPECT_EQ(f.row_count, 10);
  EXPECT_EQ(f.bytes, 1000);
  EXPECT_EQ(f.max_lsn, 7u);
  EXPECT_EQ(f.sha256, "ab01");
  EXPECT_EQ(f.state, "live");
  EXPECT_GT(f.created_at_ns, 0);
  EXPECT_FALSE(f.verified_at_ns.has_value());
}

TEST_F(CatalogTest, CommitAddRetireRemoveInOneTransaction) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  CatalogChange first;
  first.add = {File(t.id, "warm/a", "AAPL", 0, 99), File(t.id, "warm/b", "AAPL", 100, 199),
               File(t.id, "warm/c", "MSFT", 50, 150)};
  first.flushed_lsn = 42;
  ASSERT_OK_AND_ASSIGN(auto ids, catalog_->Commit(first));
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 42u);

  // A compaction: a and b become e, c is dropped, and the flushed LSN moves, all at once.
  CatalogChange change;
  change.add = {File(t.id, "warm/e", "AAPL", 0, 199)};
  change.retire = {ids[0], ids[1]};
  change.remove = {ids[2]};
  change.flushed_lsn = 50;
  ASSERT_OK_AND_ASSIGN(auto new_ids, catalog_->Commit(change));
  ASSERT_EQ(new_ids.size(), 1u);
  EXPECT_EQ(Uris({}), (Strings{"warm/e"}));
  FileQuery retired;
  retired.state = "retired";
  EXPECT_EQ(Uris(retired), (Strings{"warm/a", "warm/b"}));
  FileQuery any;
  any.state = std::nullopt;
  EXPECT_EQ(Uris(any), (Strings{"warm/a", "warm/e", "warm/b"}));
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 50u);

  // The crash-recovery path: retired rows are removed later by id.
  CatalogChange cleanup;
  cleanup.remove = {ids[0], ids[1]};
  ASSERT_OK(catalog_->Commit(cleanup).status());
  EXPECT_TRUE(Uris(retired).empty());

  // An empty change is a no-op, not an error.
  ASSERT_OK_AND_ASSIGN(auto none, catalog_->Commit({}));
  EXPECT_TRUE(none.empty());
}

TEST_F(CatalogTest, FailedCommitChangesNothing) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  CatalogChange first;
  first.add = {File(t.id, "warm/a", "AAPL", 0, 99), File(t.id, "warm/b", "AAPL", 100, 199)};
  first.flushed_lsn = 42;
  ASSERT_OK_AND_ASSIGN(auto ids, catalog_->Commit(first));
  auto unchanged = [&] {
    EXPECT_EQ(Uris({}), (Strings{"warm/a", "warm/b"}));
    EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 42u);
  };

  // The duplicate uri fails after f was inserted and a retired: both must be undone.
  CatalogChange dup;
  dup.add = {File(t.id, "warm/f", "AAPL", 0, 1), File(t.id, "warm/b", "AAPL", 0, 1)};
  dup.retire = {ids[0]};
  dup.flushed_lsn = 99;
  auto st = catalog_->Commit(dup).status();
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_THAT(st.message(), HasSubstr("warm/b"));
  unchanged();

  // Removing an unknown id after a valid retire.
  CatalogChange unknown;
  unknown.retire = {ids[0]};
  unknown.remove = {12345};
  unknown.flushed_lsn = 99;
  st = catalog_->Commit(unknown).status();
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_THAT(st.message(), HasSubstr("12345"));
  unchanged();
  CatalogChange unknown_retire;
  unknown_retire.retire = {777};
  EXPECT_TRUE(catalog_->Commit(unknown_retire).status().IsNotFound());

  // A file of a table that does not exist.
  CatalogChange orphan;
  orphan.add = {File(t.id, "warm/g", "AAPL", 0, 1), File(t.id + 100, "warm/h", "AAPL", 0, 1)};
  st = catalog_->Commit(orphan).status();
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_THAT(st.message(), HasSubstr("warm/h"));
  unchanged();
}

TEST_F(CatalogTest, CommitRejectsMalformedFiles) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  auto rejected = [&](FileRecord f, std::string_view needle) {
    CatalogChange c;
    c.add = {File(t.id, "warm/ok", "AAPL", 0, 1), std::move(f)};
    Status st = catalog_->Commit(c).status();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr(std::string(needle)));
  };
  rejected(File(t.id, "", "AAPL", 0, 1), "empty uri");
  rejected(File(t.id, "warm/x", "AAPL", 5, 4), "min_ts 5");
  FileRecord negative = File(t.id, "warm/x", "AAPL", 0, 1);
  negative.row_count = -1;
  rejected(negative, "row_count");
  FileRecord bad_state = File(t.id, "warm/x", "AAPL", 0, 1);
  bad_state.state = "zombie";
  rejected(bad_state, "zombie");
  FileQuery all;
  all.state = std::nullopt;
  EXPECT_TRUE(Uris(all).empty());
}

TEST_F(CatalogTest, MarkVerifiedAndExplicitTimes) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  CatalogChange add;
  FileRecord f = File(t.id, "warm/a", "AAPL", 0, 99);
  f.created_at_ns = 1234;
  add.add = {f};
  ASSERT_OK_AND_ASSIGN(auto ids, catalog_->Commit(add));
  ASSERT_OK(catalog_->MarkVerified(ids[0], 777));
  ASSERT_OK_AND_ASSIGN(auto files, catalog_->ListFiles({}));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].created_at_ns, 1234);
  EXPECT_EQ(files[0].verified_at_ns, 777);
  EXPECT_TRUE(catalog_->MarkVerified(ids[0] + 1, 1).IsNotFound());
}

TEST_F(CatalogTest, InTransactionRollsBackOnError) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  Status st = catalog_->InTransaction([&]() -> Status {
    EXPECT_OK(catalog_->PutSetting("k", "v"));
    CatalogChange c;
    c.add = {File(t.id, "warm/a", "AAPL", 0, 1)};
    c.flushed_lsn = 5;
    EXPECT_OK(catalog_->Commit(c).status());  // nested: joins the outer transaction
    EXPECT_OK(catalog_->SetDurableLsn(9));
    EXPECT_OK(catalog_->BeginRun("flush", "{}", "{}").status());
    return Status::Aborted("changed my mind");
  });
  EXPECT_EQ(st.code(), StatusCode::kAborted);
  EXPECT_EQ(st.message(), "changed my mind");
  EXPECT_FALSE(catalog_->GetSetting("k")->has_value());
  EXPECT_TRUE(Uris({}).empty());
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 0u);
  EXPECT_EQ(catalog_->GetWalState()->durable_lsn, 0u);
  EXPECT_TRUE(catalog_->ListRuns(std::nullopt, 0)->empty());

  // And the catalog is usable afterwards; a successful transaction commits everything.
  ASSERT_OK(catalog_->InTransaction([&]() -> Status {
    RETURN_IF_ERROR(catalog_->PutSetting("k", "v"));
    return catalog_->SetDurableLsn(3);
  }));
  EXPECT_EQ(**catalog_->GetSetting("k"), "v");
  EXPECT_EQ(catalog_->GetWalState()->durable_lsn, 3u);
}

TEST_F(CatalogTest, NestedTransactionFailureUndoesOnlyItsPart) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  ASSERT_OK(catalog_->InTransaction([&]() -> Status {
    RETURN_IF_ERROR(catalog_->PutSetting("outer", "1"));
    // A Commit that fails inside the transaction (unknown id) undoes its own adds only.
    CatalogChange bad;
    bad.add = {File(t.id, "warm/a", "AAPL", 0, 1)};
    bad.remove = {999};
    EXPECT_TRUE(catalog_->Commit(bad).status().IsNotFound());
    Status inner = catalog_->InTransaction([&]() -> Status {
      RETURN_IF_ERROR(catalog_->PutSetting("inner", "1"));
      return Status::Aborted("inner");
    });
    EXPECT_EQ(inner.code(), StatusCode::kAborted);
    return catalog_->PutSetting("after", "1");
  }));
  EXPECT_TRUE(catalog_->GetSetting("outer")->has_value());
  EXPECT_TRUE(catalog_->GetSetting("after")->has_value());
  EXPECT_FALSE(catalog_->GetSetting("inner")->has_value());
  EXPECT_TRUE(Uris({}).empty());
}

TEST_F(CatalogTest, SettingsAndWalState) {
  EXPECT_FALSE(catalog_->GetSetting("fsync")->has_value());
  ASSERT_OK(catalog_->PutSetting("fsync", "always"));
  ASSERT_OK(catalog_->PutSetting("fsync", "none"));  // replaces
  EXPECT_EQ(**catalog_->GetSetting("fsync"), "none");
  ASSERT_OK(catalog_->PutSetting("empty", ""));
  EXPECT_EQ(**catalog_->GetSetting("empty"), "");
  ASSERT_OK(catalog_->PutSetting(std::string_view(), "x"));  // a null view is the empty key, not NULL
  EXPECT_EQ(**catalog_->GetSetting(""), "x");

  WalState w = *catalog_->GetWalState();
  EXPECT_EQ(w.durable_lsn, 0u);
  EXPECT_EQ(w.flushed_lsn, 0u);
  ASSERT_OK(catalog_->SetDurableLsn(17));
  CatalogChange c;
  c.flushed_lsn = 11;
  ASSERT_OK(catalog_->Commit(c).status());
  w = *catalog_->GetWalState();
  EXPECT_EQ(w.durable_lsn, 17u);
  EXPECT_EQ(w.flushed_lsn, 11u);
  ASSERT_OK(catalog_->SetDurableLsn(UINT64_MAX));  // the full unsigned range survives
  EXPECT_EQ(catalog_->GetWalState()->durable_lsn, UINT64_MAX);
}

TEST_F(CatalogTest, PerTableFlushedLsns) {
  ASSERT_OK_AND_ASSIGN(TableInfo a, catalog_->CreateTable({"a", *Schema::Template("trades"), std::nullopt}));
  ASSERT_OK_AND_ASSIGN(TableInfo b, catalog_->CreateTable({"b", *Schema::Template("trades"), std::nullopt}));
  EXPECT_TRUE(catalog_->GetTableFlushedLsns()->empty());
  CatalogChange c;
  c.table_flushed_lsns = {{a.id, 20}, {b.id, 30}};
  ASSERT_OK(catalog_->Commit(c).status());
  c.table_flushed_lsns = {{a.id, 15}};  // never goes back
  ASSERT_OK(catalog_->Commit(c).status());
  EXPECT_EQ(*catalog_->GetTableFlushedLsns(), (std::map<int64_t, uint64_t>{{a.id, 20}, {b.id, 30}}));
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 0u);  // the global one is separate
  // A global flushed LSN forgets the per-table ones it covers, in the same transaction.
  CatalogChange all;
  all.flushed_lsn = 25;
  ASSERT_OK(catalog_->Commit(all).status());
  EXPECT_EQ(*catalog_->GetTableFlushedLsns(), (std::map<int64_t, uint64_t>{{b.id, 30}}));
  // An unknown table fails the whole change.
  CatalogChange bad;
  bad.flushed_lsn = 40;
  bad.table_flushed_lsns = {{9999, 50}};
  EXPECT_FALSE(catalog_->Commit(bad).ok());
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 25u);
}

TEST_F(CatalogTest, Runs) {
  ASSERT_OK_AND_ASSIGN(int64_t ingest, catalog_->BeginRun("ingest", R"({"file":"a.csv"})", R"({"batch":1})"));
  ASSERT_OK_AND_ASSIGN(int64_t flush, catalog_->BeginRun("flush", "", ""));
  ASSERT_OK_AND_ASSIGN(int64_t ingest2, catalog_->BeginRun("ingest", "{}", "{}"));
  ASSERT_OK(catalog_->FinishRun(ingest, false, "", "bad line 3"));
  ASSERT_OK(catalog_->FinishRun(flush, true, R"({"files":2})", ""));

  ASSERT_OK_AND_ASSIGN(auto runs, catalog_->ListRuns(std::string("ingest"), 10));
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, ingest2);  // newest first
  EXPECT_EQ(runs[0].status, "running");
  EXPECT_FALSE(runs[0].finished_at_ns.has_value());
  EXPECT_EQ(runs[1].id, ingest);
  EXPECT_EQ(runs[1].kind, "ingest");
  EXPECT_EQ(runs[1].status, "failed");
  EXPECT_EQ(runs[1].error, "bad line 3");
  EXPECT_EQ(runs[1].inputs_json, R"({"file":"a.csv"})");
  EXPECT_EQ(runs[1].config_json, R"({"batch":1})");
  EXPECT_EQ(runs[1].outputs_json, "{}");
  ASSERT_TRUE(runs[1].finished_at_ns.has_value());
  EXPECT_GE(*runs[1].finished_at_ns, runs[1].started_at_ns);

  ASSERT_OK_AND_ASSIGN(auto flushes, catalog_->ListRuns(std::string("flush"), 10));
  ASSERT_EQ(flushes.size(), 1u);
  EXPECT_EQ(flushes[0].status, "ok");
  EXPECT_EQ(flushes[0].outputs_json, R"({"files":2})");
  EXPECT_EQ(flushes[0].inputs_json, "{}");
  EXPECT_EQ(catalog_->ListRuns(std::nullopt, 0)->size(), 3u);
  EXPECT_EQ(catalog_->ListRuns(std::nullopt, 2)->size(), 2u);
  EXPECT_TRUE(catalog_->ListRuns(std::string("migrate"), 10)->empty());

  EXPECT_TRUE(catalog_->FinishRun(999, true, "{}", "").IsNotFound());
  Status twice = catalog_->FinishRun(ingest, true, "{}", "");
  EXPECT_EQ(twice.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.message(), HasSubstr("already finished (failed)"));
  EXPECT_EQ(catalog_->BeginRun("ingest", "{not json", "{}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->BeginRun("", "{}", "{}").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->FinishRun(ingest2, true, "[1,", "").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_->ListRuns(std::nullopt, 0)->size(), 3u);
}

TEST_F(CatalogTest, ReopenPreservesEverything) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  ASSERT_OK(catalog_->SetTablePolicy("trades", R"({"cold_days":30})"));
  CatalogChange c;
  c.add = {File(t.id, "warm/a", "AAPL", 0, 99), File(t.id, "warm/b", "AAPL", 100, 199)};
  c.flushed_lsn = 8;
  ASSERT_OK_AND_ASSIGN(auto ids, catalog_->Commit(c));
  CatalogChange retire;
  retire.retire = {ids[0]};
  ASSERT_OK(catalog_->Commit(retire).status());
  ASSERT_OK(catalog_->SetDurableLsn(9));
  ASSERT_OK(catalog_->PutSetting("fsync", "always"));
  ASSERT_OK_AND_ASSIGN(int64_t run, catalog_->BeginRun("flush", "{}", "{}"));
  ASSERT_OK(catalog_->FinishRun(run, true, R"({"n":2})", ""));
  catalog_.reset();

  ASSERT_OK_AND_ASSIGN(catalog_, Catalog::Open(path_, false));
  EXPECT_EQ(catalog_->schema_version(), Catalog::LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(TableInfo again, catalog_->GetTable("trades"));
  EXPECT_EQ(again.id, t.id);
  EXPECT_EQ(again.def.schema, t.def.schema);
  EXPECT_EQ(again.def.policy_json, R"({"cold_days":30})");
  EXPECT_EQ(Uris({}), (Strings{"warm/b"}));
  FileQuery retired;
  retired.state = "retired";
  EXPECT_EQ(Uris(retired), (Strings{"warm/a"}));
  EXPECT_EQ(catalog_->GetWalState()->flushed_lsn, 8u);
  EXPECT_EQ(catalog_->GetWalState()->durable_lsn, 9u);
  EXPECT_EQ(**catalog_->GetSetting("fsync"), "always");
  ASSERT_OK_AND_ASSIGN(auto runs, catalog_->ListRuns(std::nullopt, 0));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].outputs_json, R"({"n":2})");
  // Ids keep growing after a reopen (AUTOINCREMENT), so a removed file's id is never reused.
  CatalogChange more;
  more.add = {File(t.id, "warm/c", "AAPL", 200, 299)};
  ASSERT_OK_AND_ASSIGN(auto more_ids, catalog_->Commit(more));
  EXPECT_GT(more_ids[0], ids[1]);
}

TEST_F(CatalogTest, ReadOnlyOpenSeesCommitsAndCannotWrite) {
  ASSERT_OK_AND_ASSIGN(TableInfo t, catalog_->CreateTable(Trades()));
  ASSERT_OK_AND_ASSIGN(auto reader, Catalog::Open(path_, true));
  EXPECT_TRUE(reader->read_only());
  EXPECT_EQ(reader->ListTables()->size(), 1u);

  // The reader sees what the writer commits after the reader opened.
  ASSERT_OK(catalog_->CreateTable(Quotes()).status());
  CatalogChange c;
  c.add = {File(t.id, "warm/a", "AAPL", 0, 99)};
  c.flushed_lsn = 4;
  ASSERT_OK(catalog_->Commit(c).status());
  EXPECT_EQ(reader->ListTables()->size(), 2u);
  EXPECT_EQ(reader->ListFiles({})->size(), 1u);
  EXPECT_EQ(reader->GetWalState()->flushed_lsn, 4u);

  // Every write is refused with a message that says why, and nothing changes.
  Status st = reader->PutSetting("a", "b");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("read-only"));
  EXPECT_FALSE(reader->CreateTable({"bars", *Schema::Template("bars"), std::nullopt}).ok());
  EXPECT_FALSE(reader->Commit(c).ok());
  EXPECT_FALSE(reader->SetDurableLsn(1).ok());
  EXPECT_FALSE(reader->BeginRun("ingest", "{}", "{}").ok());
  EXPECT_FALSE(reader->SetTablePolicy("trades", "{}").ok());
  // Raw SQL through db() is refused by SQLite itself.
  Status raw = reader->InTransaction([&]() -> Status {
    int rc = sqlite3_exec(reader->db(), "INSERT INTO settings VALUES ('x', 'y')", nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::OK() : Status::IOError(sqlite3_errmsg(reader->db()));
  });
  EXPECT_FALSE(raw.ok());
  EXPECT_FALSE(catalog_->GetSetting("x")->has_value());
  EXPECT_EQ(catalog_->ListFiles({})->size(), 1u);
}

TEST_F(CatalogTest, ReaderIsNotBlockedByAWriterAndSeesOnlyCommits) {
  ASSERT_OK_AND_ASSIGN(auto reader, Catalog::Open(path_, true));
  ASSERT_OK(catalog_->InTransaction([&]() -> Status {
    RETURN_IF_ERROR(catalog_->PutSetting("k", "v"));
    // The writer holds its write lock; the reader answers at once from the last commit.
    auto seen = reader->GetSetting("k");
    EXPECT_OK(seen.status());
    EXPECT_FALSE(seen.ok() && seen->has_value());
    return Status::OK();
  }));
  EXPECT_EQ(**reader->GetSetting("k"), "v");
}

TEST_F(CatalogTest, ReadOnlyOpenAfterTheWriterClosed) {
  ASSERT_OK(catalog_->CreateTable(Trades()).status());
  catalog_.reset();  // the last connection checkpoints and removes the -wal and -shm files
  ASSERT_OK_AND_ASSIGN(auto reader, Catalog::Open(path_, true));
  EXPECT_EQ(reader->ListTables()->size(), 1u);
  EXPECT_EQ(reader->schema_version(), Catalog::LatestSchemaVersion());
}

TEST(CatalogOpenTest, ReadOnlyOpenOfAMissingCatalogIsNotFound) {
  testing::TempDir dir;
  std::string path = dir.Join("nope.db");
  auto missing = Catalog::Open(path, true);
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_THAT(missing.status().message(), HasSubstr("strata init"));
  EXPECT_THAT(missing.status().message(), HasSubstr(path));
  // An empty file (no catalog in it) is the same for a reader.
  testing::WriteTextFile(path, "");
  auto empty = Catalog::Open(path, true);
  EXPECT_TRUE(empty.status().IsNotFound()) << empty.status().ToString();
  EXPECT_THAT(empty.status().message(), HasSubstr("strata init"));
  // A path that cannot be opened for another reason is an I/O error, not "run strata init".
  std::string plain = dir.Join("plain");
  testing::WriteTextFile(plain, "x");
  auto not_dir = Catalog::Open(plain + "/catalog.db", true);
  EXPECT_EQ(not_dir.status().code(), StatusCode::kIOError) << not_dir.status().ToString();
  EXPECT_THAT(not_dir.status().message(), HasSubstr(plain));
}

TEST(CatalogOpenTest, WritableOpenErrorsNameThePath) {
  testing::TempDir dir;
  std::string path = dir.Join("no/such/dir/catalog.db");
  auto st = Catalog::Open(path, false).status();
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_THAT(st.message(), HasSubstr(path));

  std::string garbage = dir.Join("garbage.db");
  testing::WriteTextFile(garbage, std::string(4096, 'x'));
  for (bool read_only : {false, true}) {
    st = Catalog::Open(garbage, read_only).status();
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr(garbage));
  }
}

TEST(CatalogOpenTest, RefusesAnSqliteDatabaseThatIsNotACatalog) {
  testing::TempDir dir;
  std::string path = dir.Join("other.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE mine (x INTEGER)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto st = Catalog::Open(path, false).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("not a strata catalog"));
}

TEST_F(CatalogTest, RefusesACatalogFromTheFuture) {
  const int future = Catalog::LatestSchemaVersion() + 1;
  ASSERT_OK(catalog_->InTransaction([&]() -> Status {
    std::string pragma = "PRAGMA user_version=" + std::to_string(future);
    return sqlite3_exec(catalog_->db(), pragma.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK
               ? Status::OK()
               : Status::Internal("pragma");
  }));
  catalog_.reset();
  for (bool read_only : {false, true}) {
    auto c = Catalog::Open(path_, read_only);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kUnsupported);
    EXPECT_THAT(c.status().message(), HasSubstr("newer than this strata binary"));
    EXPECT_THAT(c.status().message(), HasSubstr("version " + std::to_string(future)));
  }
}

}  // namespace
}  // namespace strata
