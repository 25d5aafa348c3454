// The WAL's schema record (kind 4, src/db/wal_record.h): AddColumn's commit point, and its create
// record (kind 5): CreateTable's; both applied by every replay before the rows
// (doc/schema_evolution.md, doc/wal_format.md).
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "catalog/statement.h"
#include "db/db_test_util.h"
#include "db/wal_record.h"
#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "testutil/testutil.h"
#include "tier/derived_bars.h"
#include "wal/wal.h"
#include "wal/wal_test_util.h"

namespace strata {
namespace wal_schema_record_test {

using db::testing::Venues;

Schema Trades() { return *Schema::Template("trades"); }
Schema TradesWithVenue() {
  std::vector<Field> fields = Trades().fields();
  fields.push_back({"venue_id", ColumnType::kInt64, true});
  return *Schema::Make(fields);
}

RecordBatch Batch(const Schema& schema, int64_t id) {
  RecordBatch b(schema.fields());
  for (int i = 0; i < 3; ++i) {
    b.column(0).AppendInt64(1'000'000'000'000 + id * 1'000'000 + i);
    b.column(1).AppendString("S");
    b.column(2).AppendDouble(1.5);
    b.column(3).AppendInt64(1);
    b.column(4).AppendInt64(id * 10 + i);
    b.column(5).AppendString("XNAS");
    if (schema.num_fields() > 6) b.column(6).AppendInt64(id * 100 + i);
  }
  return b;
}

TEST(WalSchemaRecordTest, EncodesAndParsesTimedAndUntimed) {
  const Schema schema = TradesWithVenue();
  for (int64_t time : {int64_t{0}, int64_t{1'700'000'000'000'000'000}}) {
    std::string payload;
    EncodeSchemaRecord(7, schema, &payload, time);
    EXPECT_EQ(RecordCommitTime(payload), time > 0 ? std::optional<int64_t>(time) : std::nullopt);
    ASSERT_OK_AND_ASSIGN(std::optional<SchemaRecord> rec, ParseSchemaRecord(payload));
    ASSERT_TRUE(rec.has_value());
    EXPECT_EQ(rec->table_id, 7u);
    EXPECT_EQ(rec->schema.fields(), schema.fields());
    ASSERT_OK_AND_ASSIGN(std::vector<RowsRecordHeader> parts, ParseRecordParts(payload));
    EXPECT_TRUE(parts.empty());  // no rows
    EXPECT_TRUE(ParseRowsRecord(payload).status().IsCorruption());
  }
  std::string rows;
  EncodeRowsRecord(7, Batch(Trades(), 1), &rows, 5);
  ASSERT_OK_AND_ASSIGN(std::optional<SchemaRecord> none, ParseSchemaRecord(rows));
  EXPECT_FALSE(none.has_value());
}

TEST(WalSchemaRecordTest, DamagedSchemaRecordsAreCorruption) {
  std::string good;
  EncodeSchemaRecord(7, TradesWithVenue(), &good);
  const std::vector<std::string> damaged = {
      good.substr(0, 3),                                        // no whole table id
      good.substr(0, 5),                                        // no schema text
      good.substr(0, 5) + "ts:timestamp,symbol:symbol,x:nope",  // a type that does not exist
      good.substr(0, 5) + std::string("\xff\xfe", 2),           // not a schema at all
  };
  for (const std::string& d : damaged) {
    SCOPED_TRACE(::testing::PrintToString(d));
    auto rec = ParseSchemaRecord(d);
    EXPECT_TRUE(rec.status().IsCorruption()) << rec.status().ToString();
    EXPECT_TRUE(ParseRecordParts(d).status().IsCorruption());
  }
}

TEST(WalCreateRecordTest, EncodesAndParsesTimedAndUntimed) {
  std::vector<CreatedTable> tables = {
      {7, TableDef{"trades", Trades(), std::string("trade_id"), R"({"warm_days":3})"}},
      {8, TableDef{"quotes", *Schema::Template("quotes"), std::nullopt, "{}"}},
  };
  for (int64_t time : {int64_t{0}, int64_t{1'700'000'000'000'000'000}}) {
    std::string payload;
    EncodeCreateRecord(tables, &payload, time);
    EXPECT_EQ(RecordCommitTime(payload), time > 0 ? std::optional<int64_t>(time) : std::nullopt);
    ASSERT_OK_AND_ASSIGN(auto rec, ParseCreateRecord(payload));
    ASSERT_TRUE(rec.has_value());
    ASSERT_EQ(rec->size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ((*rec)[i].table_id, tables[i].table_id);
      EXPECT_EQ((*rec)[i].def.name, tables[i].def.name);
      EXPECT_EQ((*rec)[i].def.schema, tables[i].def.schema);
      EXPECT_EQ((*rec)[i].def.dedup_key, tables[i].def.dedup_key);
      EXPECT_EQ((*rec)[i].def.policy_json, tables[i].def.policy_json);
    }
    ASSERT_OK_AND_ASSIGN(std::vector<RowsRecordHeader> parts, ParseRecordParts(payload));
    EXPECT_TRUE(parts.empty());  // no rows
    ASSERT_OK_AND_ASSIGN(std::optional<SchemaRecord> schema, ParseSchemaRecord(payload));
    EXPECT_FALSE(schema.has_value());
  }
  std::string rows;
  EncodeRowsRecord(7, Batch(Trades(), 1), &rows, 5);
  ASSERT_OK_AND_ASSIGN(auto none, ParseCreateRecord(rows));
  EXPECT_FALSE(none.has_value());
}

TEST(WalPolicyRecordTest, EncodesParsesAndRefusesDamage) {
  const PolicyRecord with_bars{
      7,
      R"({"bars":["1m"],"cold_lock_days":30})",
      {{9, TableDef{"trades_bars_1m", Trades(), std::nullopt, R"({"derived_from":"trades","bar_interval":"1m"})"}}}};
  const PolicyRecord plain{8, R"({"warm_days":3})", {}};
  for (const PolicyRecord& want : {with_bars, plain}) {
    for (int64_t time : {int64_t{0}, int64_t{1'700'000'000'000'000'000}}) {
      std::string payload;
      EncodePolicyRecord(want, &payload, time);
      EXPECT_EQ(RecordCommitTime(payload), time > 0 ? std::optional<int64_t>(time) : std::nullopt);
      ASSERT_OK_AND_ASSIGN(std::optional<PolicyRecord> rec, ParsePolicyRecord(payload));
      ASSERT_TRUE(rec.has_value());
      EXPECT_EQ(rec->table_id, want.table_id);
      EXPECT_EQ(rec->policy_json, want.policy_json);
      ASSERT_EQ(rec->created.size(), want.created.size());
      for (size_t i = 0; i < want.created.size(); ++i) {
        EXPECT_EQ(rec->created[i].table_id, want.created[i].table_id);
        EXPECT_EQ(rec->created[i].def.name, want.created[i].def.name);
        EXPECT_EQ(rec->created[i].def.schema, want.created[i].def.schema);
        EXPECT_EQ(rec->created[i].def.policy_json, want.created[i].def.policy_json);
      }
      ASSERT_OK_AND_ASSIGN(std::vector<RowsRecordHeader> parts, ParseRecordParts(payload));
      EXPECT_TRUE(parts.empty());  // no rows: the follower and the row replay pass over it
      EXPECT_FALSE(ParseCreateRecord(payload)->has_value());
      EXPECT_FALSE(ParseSchemaRecord(payload)->has_value());
      // Every cut of the record (past the kind byte) is Corruption, never a shorter record.
      const size_t from = time > 0 ? 10 : 1;
      for (size_t n = from; n < payload.size(); ++n) {
        auto cut = ParsePolicyRecord(std::string_view(payload).substr(0, n));
        EXPECT_EQ(cut.status().code(), StatusCode::kCorruption) << "cut to " << n << " bytes";
        EXPECT_FALSE(ParseRecordParts(std::string_view(payload).substr(0, n)).ok());
      }
      EXPECT_EQ(ParsePolicyRecord(payload + "x").status().code(), StatusCode::kCorruption);
    }
  }
  std::string rows;
  EncodeRowsRecord(7, Batch(Trades(), 1), &rows, 5);
  ASSERT_OK_AND_ASSIGN(auto none, ParsePolicyRecord(rows));
  EXPECT_FALSE(none.has_value());
}

TEST(WalCreateRecordTest, DamagedCreateRecordsAreCorruption) {
  std::string good;
  EncodeCreateRecord({{7, TableDef{"trades", Trades(), std::nullopt, "{}"}}}, &good);
  std::string no_table = good.substr(0, 1) + std::string(4, '\0');
  std::string two_claimed = good;
  two_claimed[1] = 2;  // a second table that is not there
  std::string bad_name;
  EncodeCreateRecord({{7, TableDef{"x", Trades(), std::nullopt, "{}"}}}, &bad_name);
  bad_name[bad_name.find('x')] = '-';  // "-" is not a table name
  std::string bad_dedup;
  EncodeCreateRecord({{7, TableDef{"trades", Trades(), std::string("nope"), "{}"}}}, &bad_dedup);
  const std::vector<std::string> damaged = {
      good.substr(0, 3),                // no whole table count
      no_table,                         // a count of 0
      good.substr(0, good.size() - 1),  // cut in the policy
      good.substr(0, 9 + 4 + 6 + 2),    // cut in the schema text
      good + "x",                       // a byte after the last table
      two_claimed,                      //
      bad_name,                         //
      bad_dedup,                        // a dedup key that names no column
  };
  for (const std::string& d : damaged) {
    SCOPED_TRACE(::testing::PrintToString(d));
    auto rec = ParseCreateRecord(d);
    EXPECT_TRUE(rec.status().IsCorruption()) << rec.status().ToString();
    EXPECT_TRUE(ParseRecordParts(d).status().IsCorruption());
  }
}

class WalSchemaReplayTest : public db::testing::DbTest {
 protected:
  Result<std::unique_ptr<Database>> Open(bool read_only = false, bool skip_bad = false) {
    Options o = DbOptions();
    o.read_only = read_only;
    o.skip_bad_wal_records = skip_bad;
    return OpenDb(o);
  }
  // Appends payloads to the closed database's WAL, as a writer that crashed right after them would
  // have left it.
  void AppendToWal(const std::vector<std::string>& payloads) {
    AppendToWalUnmarked(payloads);
    if (::testing::Test::HasFatalFailure()) return;
    // As CreateTable and AddColumn do before they write their record (layout::kWalDdlLsnSetting).
    ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(layout::CatalogPath(root_), /*read_only=*/false));
    ASSERT_OK(catalog->PutSetting(layout::kWalDdlLsnSetting, "pending"));
  }
  // Appends payloads without marking the catalog: a log the catalog says holds no create or
  // schema record after the flushed LSN.
  void AppendToWalUnmarked(const std::vector<std::string>& payloads) {
    const WalReadOptions ro = WalAt();
    ASSERT_OK_AND_ASSIGN(WalReadResult read, ReadWal(ro, [](uint64_t, std::string_view) { return Status::OK(); }));
    WalOptions wo;
    wo.fs = DefaultFileSystem();
    wo.dir = ro.dir;
    ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(wo, read.last_lsn + 1));
    for (const std::string& p : payloads) ASSERT_OK(writer->Append(p).status());
    ASSERT_OK(writer->Close());
  }
  WalReadOptions WalAt() {
    WalReadOptions ro;
    ro.fs = DefaultFileSystem();
    ro.dir = layout::WalDir(root_);
    return ro;
  }
  std::optional<std::string> Setting(std::string_view key) {
    auto catalog = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/true);
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    if (!catalog.ok()) return std::nullopt;
    auto v = (*catalog)->GetSetting(key);
    return v.ok() ? *v : std::nullopt;
  }
  int64_t CatalogTableId(const std::string& table) {
    auto catalog = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/true);
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    if (!catalog.ok()) return -1;
    auto info = (*catalog)->GetTable(table);
    return info.ok() ? info->id : -1;
  }
  static size_t Rows(Database* db, const std::string& table) { return db::testing::ScanRowCount(db, table); }
  // The catalog's own schema text of `table`, read beside the database.
  std::string CatalogSchema(const std::string& table) {
    auto catalog = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/true);
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    if (!catalog.ok()) return "";
    auto info = (*catalog)->GetTable(table);
    return info.ok() ? info->def.schema.ToString() : info.status().ToString();
  }
  // A database with table trades (id returned) and batch 1 of the old schema in its WAL only.
  uint32_t MakeTradesWithOneBatch() {
    auto db = Open();
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return 0;
    EXPECT_OK((*db)->CreateTable({"trades", Trades(), std::nullopt}));
    EXPECT_OK((*db)->Append("trades", Batch(Trades(), 1)));
    EXPECT_OK((*db)->Close());
    auto catalog = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/true);
    EXPECT_TRUE(catalog.ok());
    return catalog.ok() ? static_cast<uint32_t>((*catalog)->GetTable("trades")->id) : 0;
  }
};

const std::map<int64_t, std::optional<int64_t>> kOldAndNew = {
    {10, std::nullopt}, {11, std::nullopt}, {12, std::nullopt}, {20, 200}, {21, 201}, {22, 202}};

// AddColumn's WAL record is durable, its catalog update was not made (a crash in between; a
// point-in-time restore onto an older catalog looks the same): every open has the column, the
// writer's recovery writes it to the catalog, a read-only open keeps it in memory only.
TEST_F(WalSchemaReplayTest, ACrashAfterTheSchemaRecordEndsWithTheColumnAdded) {
  const uint32_t id = MakeTradesWithOneBatch();
  std::string schema_record, rows;
  EncodeSchemaRecord(id, TradesWithVenue(), &schema_record, 1);
  EncodeRowsRecord(id, Batch(TradesWithVenue(), 2), &rows, 2);
  AppendToWal({schema_record, rows});
  const std::string old_text = Trades().ToString();
  {
    ASSERT_OK_AND_ASSIGN(auto ro, Open(/*read_only=*/true));
    ASSERT_OK_AND_ASSIGN(TableDef def, ro->GetTable("trades"));
    EXPECT_EQ(def.schema.fields(), TradesWithVenue().fields());
    EXPECT_EQ(Venues(ro.get()), kOldAndNew);
    EXPECT_EQ(CatalogSchema("trades"), old_text);  // nothing written
  }
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
    EXPECT_EQ(def.schema.fields(), TradesWithVenue().fields());
    EXPECT_EQ(CatalogSchema("trades"), TradesWithVenue().ToString());
    EXPECT_EQ(Venues(db.get()), kOldAndNew);
    ASSERT_OK(db->Append("trades", Batch(TradesWithVenue(), 3)));
    ASSERT_OK(db->Close());
  }
  ASSERT_OK_AND_ASSIGN(auto db, Open());  // the record again, now with the catalog at it: skipped
  auto want = kOldAndNew;
  for (int i = 0; i < 3; ++i) want[30 + i] = 300 + i;
  EXPECT_EQ(Venues(db.get()), want);
  ASSERT_OK(db->Flush().status());
  EXPECT_EQ(Venues(db.get()), want);
}

// Columns added one after another, with rows in between, none flushed globally: the reopen meets
// schema records the catalog is already past, and replays every row.
TEST_F(WalSchemaReplayTest, SchemaRecordsTheCatalogIsPastAreSkipped) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    ASSERT_OK(db->CreateTable({"trades", Trades(), std::nullopt}));
    ASSERT_OK(db->CreateTable({"other", Trades(), std::nullopt}));
    ASSERT_OK(db->Append("other", Batch(Trades(), 9)));  // keeps the global flushed LSN low
    ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));
    ASSERT_OK(db->Append("trades", Batch(TradesWithVenue(), 2)));
    ASSERT_OK(db->AddColumn("trades", "note", ColumnType::kString));
    ASSERT_OK(db->Close());
  }
  int schema_records = 0;
  WalReadOptions ro;
  ro.fs = DefaultFileSystem();
  ro.dir = layout::WalDir(root_);
  ASSERT_OK(ReadWal(ro, [&](uint64_t, std::string_view payload) {
              auto rec = ParseSchemaRecord(payload);
              EXPECT_TRUE(rec.ok());
              if (rec.ok() && *rec) {
                ++schema_records;
                EXPECT_GT(RecordCommitTime(payload).value_or(0), 0);  // timed: a restore cuts by it
              }
              return Status::OK();
            }).status());
  EXPECT_EQ(schema_records, 2);
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
  EXPECT_EQ(def.schema.num_fields(), 8u);
  const auto venues = Venues(db.get());
  EXPECT_EQ(venues.size(), 3u);
  EXPECT_EQ(venues.at(20), 200);
}

// A schema record that does not extend the table's schema cannot be applied: the open fails
// naming the record and the table; skipping bad records opens without it.
TEST_F(WalSchemaReplayTest, ASchemaRecordThatDoesNotExtendTheTableIsCorruption) {
  const uint32_t id = MakeTradesWithOneBatch();
  std::vector<Field> fields = Trades().fields();
  fields[2].type = ColumnType::kInt64;  // price retyped: not an added column
  std::string record;
  EncodeSchemaRecord(id, *Schema::Make(fields), &record, 1);
  AppendToWal({record});
  auto db = Open();
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsCorruption()) << db.status().ToString();
  EXPECT_NE(db.status().message().find("WAL record LSN 3"), std::string::npos) << db.status().ToString();
  EXPECT_NE(db.status().message().find("table trades"), std::string::npos) << db.status().ToString();
  ASSERT_OK_AND_ASSIGN(auto skipped, Open(/*read_only=*/false, /*skip_bad=*/true));
  ASSERT_OK_AND_ASSIGN(TableDef def, skipped->GetTable("trades"));
  EXPECT_EQ(def.schema.fields(), Trades().fields());
  ScanRequest req;
  req.table = "trades";
  ASSERT_OK_AND_ASSIGN(std::vector<RecordBatch> rows, skipped->Scan(req));
  size_t n = 0;
  for (const RecordBatch& b : rows) n += b.num_rows();
  EXPECT_EQ(n, 3u);  // the rows before the record
  EXPECT_FALSE(warnings_.empty());
}

// A schema record whose bytes are damaged (its CRC intact: a bug, not a torn write) fails the open
// like a damaged rows record, naming its LSN.
TEST_F(WalSchemaReplayTest, ADamagedSchemaRecordFailsTheOpen) {
  const uint32_t id = MakeTradesWithOneBatch();
  std::string record;
  EncodeSchemaRecord(id, TradesWithVenue(), &record, 1);
  record.resize(record.size() - 4);  // "...:i64?" loses its type
  AppendToWal({record});
  auto db = Open();
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsCorruption()) << db.status().ToString();
  EXPECT_NE(db.status().message().find("WAL record LSN 3"), std::string::npos) << db.status().ToString();
}

// The schema record is the commit point: when the WAL cannot take it, nothing changes, in the open
// database, in the catalog, or after reopening.
TEST_F(WalSchemaReplayTest, AFailedSchemaRecordAppendChangesNothing) {
  MakeTradesWithOneBatch();
  {
    FaultInjectionFileSystem fs(DefaultFileSystem());
    Options o;
    o.fs = &fs;
    o.background_flush = false;
    o.on_warning = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root_, o));
    fs.FailPathsContaining(FsOp::kWrite, "/wal/");
    Status st = db->AddColumn("trades", "venue_id", ColumnType::kInt64);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("nothing was changed"), std::string::npos) << st.ToString();
    ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
    EXPECT_EQ(def.schema.fields(), Trades().fields());
    EXPECT_EQ(CatalogSchema("trades"), Trades().ToString());
    db->Close().IgnoreError();  // the WAL writer failed: its close reports it
  }
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
  EXPECT_EQ(def.schema.fields(), Trades().fields());
  ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));  // and it can be done again
  EXPECT_EQ(Venues(db.get()), (std::map<int64_t, std::optional<int64_t>>{{10, {}}, {11, {}}, {12, {}}}));
}

// The schema record takes its turn among the appends the listeners see: an append after AddColumn
// reaches them (and does not wait forever for the schema record's LSN).
class Collect : public AppendListener {
 public:
  void OnAppend(const AppendEvent& event) override { columns.push_back(event.batch->num_columns()); }
  std::vector<size_t> columns;
};

TEST_F(WalSchemaReplayTest, AppendListenersSeeTheAppendsAroundAnAddedColumn) {
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  ASSERT_OK(db->CreateTable({"trades", Trades(), std::nullopt}));
  auto listener = std::make_shared<Collect>();
  ASSERT_OK(db->AddAppendListener(listener).status());
  ASSERT_OK(db->Append("trades", Batch(Trades(), 1)));
  ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));
  ASSERT_OK(db->Append("trades", Batch(TradesWithVenue(), 2)));
  EXPECT_EQ(listener->columns, (std::vector<size_t>{6, 7}));
  ASSERT_OK(db->RemoveAppendListener(listener.get()));
}

// CreateTable's WAL record is durable, its catalog commit was not made (a crash in between; a
// point-in-time restore onto a catalog from before the table looks the same): every open has the
// table and the rows written to it after the record; the writer's recovery writes it to the
// catalog with the record's id, a read-only open keeps it in memory only.
TEST_F(WalSchemaReplayTest, ACrashAfterTheCreateRecordEndsWithTheTableCreated) {
  const uint32_t trades = MakeTradesWithOneBatch();
  const uint32_t id = trades + 1;
  const TableDef later{"later", TradesWithVenue(), std::string("trade_id"), R"({"warm_days":30})"};
  std::string create, rows;
  EncodeCreateRecord({{id, later}}, &create, 1);
  EncodeRowsRecord(id, Batch(TradesWithVenue(), 2), &rows, 2);
  AppendToWal({create, rows});
  {
    ASSERT_OK_AND_ASSIGN(auto ro, Open(/*read_only=*/true));
    ASSERT_OK_AND_ASSIGN(TableDef def, ro->GetTable("later"));
    EXPECT_EQ(def.schema, later.schema);
    EXPECT_EQ(Rows(ro.get(), "later"), 3u);
    EXPECT_EQ(Rows(ro.get(), "trades"), 3u);
    EXPECT_EQ(CatalogTableId("later"), -1);  // nothing written
  }
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("later"));
    EXPECT_EQ(def.schema, later.schema);
    EXPECT_EQ(def.dedup_key, later.dedup_key);
    EXPECT_EQ(def.policy_json, later.policy_json);
    EXPECT_EQ(CatalogTableId("later"), int64_t{id});
    EXPECT_EQ(Rows(db.get(), "later"), 3u);
    ASSERT_OK(db->Append("later", Batch(TradesWithVenue(), 3)));
    ASSERT_OK(db->CreateTable({"third", Trades(), std::nullopt}));  // takes the next id
    EXPECT_EQ(CatalogTableId("third"), int64_t{id} + 1);
    ASSERT_OK(db->Close());
  }
  ASSERT_OK_AND_ASSIGN(auto db, Open());  // the record again, now with the catalog at it: skipped
  EXPECT_EQ(Rows(db.get(), "later"), 6u);
  ASSERT_OK(db->Flush().status());
  EXPECT_EQ(Rows(db.get(), "later"), 6u);
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
  for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
}

// CreateTable's own record, the rows after it and a column added to the new table, none flushed:
// the reopen meets records the catalog is already past and replays every row.
// SetTablePolicy's WAL record is durable, its catalog commit was not made (a crash in between; a
// point-in-time restore onto an older catalog looks the same): a read-only open has the policy and
// the derived table in memory only, the writer's recovery writes both to the catalog; the last of
// two records wins.
TEST_F(WalSchemaReplayTest, ACrashAfterThePolicyRecordEndsWithThePolicySet) {
  const uint32_t id = MakeTradesWithOneBatch();
  ASSERT_NE(id, 0u);
  const int64_t next = CatalogTableId("trades") + 1;
  std::string first, second;
  ASSERT_OK_AND_ASSIGN(std::vector<TableDef> derived,
                       tier::DerivedBarTableDefs(TableDef{"trades", Trades(), std::nullopt, R"({"bars":["1m"]})"}));
  ASSERT_EQ(derived.size(), 1u);
  ASSERT_EQ(derived[0].name, "trades_bars_1m");
  EncodePolicyRecord({id, R"({"bars":["1m"],"cold_days":30})", {{static_cast<uint32_t>(next), derived[0]}}}, &first, 5);
  EncodePolicyRecord({id, R"({"bars":["1m"],"cold_days":40})", {}}, &second, 6);
  AppendToWal({first, second});
  {
    ASSERT_OK_AND_ASSIGN(auto reader, Open(/*read_only=*/true));
    ASSERT_OK_AND_ASSIGN(TableDef def, reader->GetTable("trades"));
    EXPECT_EQ(def.policy_json, R"({"bars":["1m"],"cold_days":40})");
    EXPECT_TRUE(reader->GetTable("trades_bars_1m").ok());
  }
  EXPECT_EQ(CatalogTableId("trades_bars_1m"), -1);  // the read-only open wrote nothing
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
    EXPECT_EQ(def.policy_json, R"({"bars":["1m"],"cold_days":40})");
    EXPECT_EQ(Rows(db.get(), "trades"), Batch(Trades(), 1).num_rows());  // the row replay passes over both
    ASSERT_OK(db->Close());
  }
  EXPECT_EQ(CatalogTableId("trades_bars_1m"), next);
  auto catalog = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/true);
  ASSERT_TRUE(catalog.ok());
  EXPECT_EQ((*catalog)->GetTable("trades")->def.policy_json, R"({"bars":["1m"],"cold_days":40})");
}

TEST_F(WalSchemaReplayTest, CreateRecordsTheCatalogHasAreSkipped) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    ASSERT_OK(db->CreateTable({"trades", Trades(), std::nullopt}));
    ASSERT_OK(db->Append("trades", Batch(Trades(), 1)));
    ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));
    ASSERT_OK(db->Append("trades", Batch(TradesWithVenue(), 2)));
    ASSERT_OK(db->Close());
  }
  std::vector<std::string> created;
  WalReadOptions ro;
  ro.fs = DefaultFileSystem();
  ro.dir = layout::WalDir(root_);
  ASSERT_OK(ReadWal(ro, [&](uint64_t, std::string_view payload) {
              auto rec = ParseCreateRecord(payload);
              EXPECT_TRUE(rec.ok());
              if (rec.ok() && *rec) {
                for (const CreatedTable& t : **rec) created.push_back(t.def.name);
                EXPECT_GT(RecordCommitTime(payload).value_or(0), 0);  // timed: a restore cuts by it
              }
              return Status::OK();
            }).status());
  EXPECT_EQ(created, std::vector<std::string>{"trades"});
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  EXPECT_EQ(Venues(db.get()), kOldAndNew);
}

// A create record whose id is another table's in the catalog cannot be applied: the open fails
// naming the record; skipping bad records opens without it.
TEST_F(WalSchemaReplayTest, ACreateRecordClashingWithTheCatalogIsCorruption) {
  const uint32_t id = MakeTradesWithOneBatch();
  std::string record;
  EncodeCreateRecord({{id, TableDef{"other", Trades(), std::nullopt, "{}"}}}, &record, 1);
  AppendToWal({record});
  auto db = Open();
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsCorruption()) << db.status().ToString();
  EXPECT_NE(db.status().message().find("WAL record LSN 3"), std::string::npos) << db.status().ToString();
  EXPECT_NE(db.status().message().find("table trades"), std::string::npos) << db.status().ToString();
  ASSERT_OK_AND_ASSIGN(auto skipped, Open(/*read_only=*/false, /*skip_bad=*/true));
  EXPECT_TRUE(skipped->GetTable("other").status().IsNotFound());
  EXPECT_EQ(Rows(skipped.get(), "trades"), 3u);
  EXPECT_FALSE(warnings_.empty());
}

// The create record is the commit point: when the WAL cannot take it, nothing changes, in the open
// database, in the catalog, or after reopening.
TEST_F(WalSchemaReplayTest, AFailedCreateRecordAppendChangesNothing) {
  MakeTradesWithOneBatch();
  {
    FaultInjectionFileSystem fs(DefaultFileSystem());
    Options o;
    o.fs = &fs;
    o.background_flush = false;
    o.on_warning = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root_, o));
    fs.FailPathsContaining(FsOp::kWrite, "/wal/");
    Status st = db->CreateTable({"later", Trades(), std::nullopt});
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("nothing was changed"), std::string::npos) << st.ToString();
    EXPECT_TRUE(db->GetTable("later").status().IsNotFound());
    EXPECT_EQ(CatalogTableId("later"), -1);
    db->Close().IgnoreError();  // the WAL writer failed: its close reports it
  }
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  EXPECT_TRUE(db->GetTable("later").status().IsNotFound());
  ASSERT_OK(db->CreateTable({"later", Trades(), std::nullopt}));  // and it can be done again
  ASSERT_OK(db->Append("later", Batch(Trades(), 4)));
  EXPECT_EQ(Rows(db.get(), "later"), 3u);
}

// The catalog refuses the tables after their create record is durable (here: the id was taken
// meanwhile, behind the database's back): the call says to reopen, the database creates no other
// table until then (the record holds ids the catalog could hand out again), and the reopen
// creates the table from the record.
TEST_F(WalSchemaReplayTest, ACatalogRefusalAfterTheCreateRecordIsRepairedByReopening) {
  const uint32_t trades = MakeTradesWithOneBatch();
  wal_test::FaultyFileSystem fs;
  bool armed = false;
  fs.before_sync = [&] {
    if (!armed) return;
    armed = false;
    auto catalog = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/false);
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    ASSERT_OK((*catalog)->CreateTable({"intruder", Trades(), std::nullopt}, int64_t{trades} + 1).status());
  };
  {
    Options o = DbOptions();
    o.fs = &fs;
    ASSERT_OK_AND_ASSIGN(auto db, OpenDb(o));
    armed = true;
    Status st = db->CreateTable({"later", Trades(), std::nullopt});
    EXPECT_FALSE(armed) << "the WAL was not synced";
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("reopen the database"), std::string::npos) << st.ToString();
    Status again = db->CreateTable({"other", Trades(), std::nullopt});
    EXPECT_EQ(again.message(), st.message());
    EXPECT_TRUE(db->GetTable("later").status().IsNotFound());
    ASSERT_OK(db->Append("trades", Batch(Trades(), 2)));  // appends go on
    ASSERT_OK(db->Close());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(layout::CatalogPath(root_), /*read_only=*/false));
    ASSERT_OK(sqlite::Exec(catalog->db(), "DELETE FROM tables WHERE name = 'intruder'", root_));
  }
  ASSERT_OK_AND_ASSIGN(auto db, Open());
  ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("later"));
  EXPECT_EQ(def.schema, Trades());
  EXPECT_EQ(CatalogTableId("later"), int64_t{trades} + 1);
  EXPECT_EQ(Rows(db.get(), "trades"), 6u);
  ASSERT_OK(db->CreateTable({"other", Trades(), std::nullopt}));
}

// The catalog says whether it has every create and schema record's change
// (layout::kWalDdlLsnSetting): an open reads the log for them only when one may be pending. A
// record the catalog was not told about is not looked for, which the rows after it show.
TEST_F(WalSchemaReplayTest, TheCatalogSaysWhenTheLogHoldsNoPendingCreateOrSchemaRecord) {
  EXPECT_EQ(Setting(layout::kWalDdlLsnSetting), "0");  // a new database
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open());
    ASSERT_OK(db->CreateTable({"trades", Trades(), std::nullopt}));
    ASSERT_OK(db->Append("trades", Batch(Trades(), 1)));
    ASSERT_OK(db->Close());
  }
  EXPECT_EQ(Setting(layout::kWalDdlLsnSetting), "1");  // the create record's LSN
  const uint32_t id = static_cast<uint32_t>(CatalogTableId("trades"));
  std::string create, rows;
  EncodeCreateRecord({{id + 1, TableDef{"later", Trades(), std::nullopt, "{}"}}}, &create, 1);
  EncodeRowsRecord(id + 1, Batch(Trades(), 2), &rows, 2);
  AppendToWalUnmarked({create, rows});
  auto db = Open();
  ASSERT_FALSE(db.ok());  // not looked for: the rows name a table the catalog does not know
  EXPECT_NE(db.status().message().find("does not know"), std::string::npos) << db.status().ToString();
  {
    // An unknown value (a catalog from before the setting): the log is read for them.
    ASSERT_OK_AND_ASSIGN(auto catalog, Catalog::Open(layout::CatalogPath(root_), /*read_only=*/false));
    ASSERT_OK(sqlite::Exec(catalog->db(), "DELETE FROM settings WHERE key = 'wal_ddl_lsn'", root_));
  }
  ASSERT_OK_AND_ASSIGN(auto reopened, Open());
  EXPECT_EQ(Rows(reopened.get(), "later"), 3u);
  ASSERT_OK(reopened->Close());
  EXPECT_EQ(Setting(layout::kWalDdlLsnSetting), "3");  // the last one the read found
  // A column added: pending while it is written, then a number again.
  ASSERT_OK_AND_ASSIGN(auto again, Open());
  ASSERT_OK(again->AddColumn("trades", "venue_id", ColumnType::kInt64));
  ASSERT_OK_AND_ASSIGN(WalReadResult read, ReadWal(WalAt(), [](uint64_t, std::string_view) { return Status::OK(); }));
  EXPECT_EQ(Setting(layout::kWalDdlLsnSetting), std::to_string(read.last_lsn));  // the schema record's LSN
}

}  // namespace wal_schema_record_test
}  // namespace strata
