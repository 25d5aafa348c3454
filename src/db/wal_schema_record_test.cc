// The WAL's schema record (kind 4, src/db/wal_record.h): AddColumn's commit point, applied by
// every replay before the rows (doc/schema_evolution.md, doc/wal_format.md).
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "db/wal_record.h"
#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "testutil/testutil.h"
#include "wal/wal.h"

namespace strata {
namespace wal_schema_record_test {

using testing::TempDir;

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

class WalSchemaReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.Join("db");
    InitOptions init;
    init.fsync = "none";
    ASSERT_OK(Database::Init(root_, init));
  }
  Result<std::unique_ptr<Database>> Open(bool read_only = false, bool skip_bad = false) {
    Options o;
    o.background_flush = false;
    o.read_only = read_only;
    o.skip_bad_wal_records = skip_bad;
    o.on_warning = [this](std::string_view w) { warnings_.emplace_back(w); };
    return Database::Open(root_, o);
  }
  // Appends payloads to the closed database's WAL, as a writer that crashed right after them would
  // have left it.
  void AppendToWal(const std::vector<std::string>& payloads) {
    WalReadOptions ro;
    ro.fs = DefaultFileSystem();
    ro.dir = layout::WalDir(root_);
    ASSERT_OK_AND_ASSIGN(WalReadResult read, ReadWal(ro, [](uint64_t, std::string_view) { return Status::OK(); }));
    WalOptions wo;
    wo.fs = DefaultFileSystem();
    wo.dir = ro.dir;
    ASSERT_OK_AND_ASSIGN(auto writer, WalWriter::Open(wo, read.last_lsn + 1));
    for (const std::string& p : payloads) ASSERT_OK(writer->Append(p).status());
    ASSERT_OK(writer->Close());
  }
  // The catalog's own schema text of `table`, read beside the database.
  std::string CatalogSchema(const std::string& table) {
    auto catalog = Catalog::Open(layout::CatalogPath(root_), /*read_only=*/true);
    EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
    if (!catalog.ok()) return "";
    auto info = (*catalog)->GetTable(table);
    return info.ok() ? info->def.schema.ToString() : info.status().ToString();
  }
  // trade_id -> venue_id (nullopt: NULL).
  static std::map<int64_t, std::optional<int64_t>> Venues(Database* db) {
    ScanRequest req;
    req.table = "trades";
    req.columns = {"trade_id", "venue_id"};
    auto batches = db->Scan(req);
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    std::map<int64_t, std::optional<int64_t>> out;
    if (!batches.ok()) return out;
    for (const RecordBatch& b : *batches) {
      for (size_t r = 0; r < b.num_rows(); ++r) {
        out[b.column(0).int64s()[r]] =
            b.column(1).IsNull(r) ? std::nullopt : std::optional<int64_t>(b.column(1).int64s()[r]);
      }
    }
    return out;
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

  TempDir dir_;
  std::string root_;
  std::vector<std::string> warnings_;
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
  EXPECT_NE(db.status().message().find("WAL record LSN 2"), std::string::npos) << db.status().ToString();
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
  EXPECT_NE(db.status().message().find("WAL record LSN 2"), std::string::npos) << db.status().ToString();
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

}  // namespace wal_schema_record_test
}  // namespace strata
