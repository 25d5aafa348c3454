// Database::AddColumn (doc/schema_evolution.md): rows stored before a column was added read it as
// NULL in every tier and after every tier operation; a crash at any step of AddColumn loses no
// acknowledged row; appenders made before it keep working (add_column_concurrency_test.cc: beside
// appends and scans).
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <set>

#include "catalog/layout.h"
#include "db/db_test_util.h"
#include "db/wal_record.h"
#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "testutil/testutil.h"
#include "wal/wal.h"

namespace strata {
namespace schema_evolution_test {

using testing::TempDir;

constexpr int kRows = 20;

// Batch `id` of the trades template, plus (when `with_venue`) the added column venue_id = id * 10 +
// row. trade_id is id * kRows + row, so every row names its batch.
RecordBatch TradesBatch(int64_t id, bool with_venue) {
  Schema schema = *Schema::Template("trades");
  std::vector<Field> fields = schema.fields();
  if (with_venue) fields.push_back({"venue_id", ColumnType::kInt64, true});
  RecordBatch b(fields);
  for (int i = 0; i < kRows; ++i) {
    b.column(0).AppendInt64(1'000'000'000'000 + id * 1'000'000 + i);
    b.column(1).AppendString("S" + std::to_string(id % 3));
    b.column(2).AppendDouble(100.0 + id);
    b.column(3).AppendInt64(100);
    b.column(4).AppendInt64(id * kRows + i);
    b.column(5).AppendString("XNAS");
    if (with_venue) b.column(6).AppendInt64(id * 10 + i);
  }
  return b;
}

using db::testing::Venues;

// What Venues must return: batches in `old_ids` NULL, those in `new_ids` their venue ids.
std::map<int64_t, std::optional<int64_t>> Want(const std::set<int64_t>& old_ids, const std::set<int64_t>& new_ids) {
  std::map<int64_t, std::optional<int64_t>> want;
  for (int64_t id : old_ids) {
    for (int i = 0; i < kRows; ++i) want[id * kRows + i] = std::nullopt;
  }
  for (int64_t id : new_ids) {
    for (int i = 0; i < kRows; ++i) want[id * kRows + i] = id * 10 + i;
  }
  return want;
}

class SchemaEvolutionTest : public ::testing::Test {
 protected:
  void SetUp() override { Init("none"); }
  void Init(const std::string& fsync, const TempDir* in = nullptr) {
    root_ = (in != nullptr ? in : &dir_)->Join("db" + std::to_string(++inits_));
    InitOptions init;
    init.fsync = fsync;
    init.wal_segment_bytes = 4096;
    ASSERT_OK(Database::Init(root_, init));
  }
  std::unique_ptr<Database> MustOpen(FileSystem* fs = nullptr, bool read_only = false) {
    Options o;
    o.fs = fs;
    o.background_flush = false;
    o.read_only = read_only;
    o.on_warning = [](std::string_view) {};
    auto db = Database::Open(root_, o);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  static void CreateTrades(Database* db) {
    EXPECT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  }
  static size_t CountRows(Database* db, const std::string& table) { return db::testing::ScanRowCount(db, table); }
  static void ExpectVerifyClean(Database* db) {
    auto report = db->Verify({});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const VerifyProblem& p : report->problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
  }

  static constexpr int64_t kCrashBatches = 4;
  // The trades rows after AtEveryCrashPoint's setup and a crash: the flushed batches, whole batches
  // after them; all when the operation was acknowledged (its record's fsync made the rows before
  // it durable).
  static void ExpectTradesRows(Database* db, bool acknowledged) {
    const size_t trades = CountRows(db, "trades");
    EXPECT_GE(trades, size_t{2 * kRows});
    EXPECT_EQ(trades % kRows, 0u);
    if (acknowledged) {
      EXPECT_EQ(trades, size_t{kCrashBatches * kRows});
    }
  }
  // A power loss at every file operation of `op`, under both fsync policies, each on a fresh
  // database holding trades with `batches` batches (those up to `flush_after` flushed); `check` gets the file system
  // after the loss (unsynced data dropped) and whether `op` was acknowledged, and reopens it.
  // `sanitized_stride` > 0: under the sanitizers every that many steps, alternating the policies
  // (as DurabilityTest), instead of testing::CrashPoints.
  void AtEveryCrashPoint(const std::function<Status(Database*)>& op,
                         const std::function<void(FaultInjectionFileSystem*, bool)>& check,
                         int64_t batches = kCrashBatches, int64_t flush_after = 1, int sanitized_stride = 0) {
    if (getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) setenv("TMPDIR", "/dev/shm", 0);
    TempDir memory;
    auto setup = [&](Database* db) {
      CreateTrades(db);
      for (int64_t id = 0; id < batches; ++id) {
        EXPECT_OK(db->Append("trades", TradesBatch(id, false)));
        if (id == flush_after) EXPECT_OK(db->Flush().status());
      }
    };
    for (const std::string policy : {"none", "interval=3600000"}) {
      SCOPED_TRACE("fsync=" + policy);
      int n = 0;
      {
        Init(policy, &memory);
        FaultInjectionFileSystem fs(DefaultFileSystem());
        auto db = MustOpen(&fs);
        ASSERT_NE(db, nullptr);
        setup(db.get());
        fs.ResetCounters();
        ASSERT_OK(op(db.get()));
        n = fs.mutating_ops();
      }
      ASSERT_GT(n, 3);
      std::vector<int> points = testing::CrashPoints(n);
      if (sanitized_stride > 0 && testing::Sanitized()) {
        points.clear();
        for (int k = policy != "none" ? 4 : 1; k <= n; k += sanitized_stride) points.push_back(k);
      }
      for (int k : points) {
        SCOPED_TRACE("crash at mutating op " + std::to_string(k) + " of " + std::to_string(n));
        Init(policy, &memory);
        FaultInjectionFileSystem fs(DefaultFileSystem());
        bool acknowledged = false;
        {
          auto db = MustOpen(&fs);
          ASSERT_NE(db, nullptr);
          setup(db.get());
          fs.ResetCounters();
          fs.CrashAtOp(k);
          acknowledged = op(db.get()).ok();
          db.reset();
        }
        ASSERT_OK(fs.DropUnsyncedData());
        check(&fs, acknowledged);
        if (HasFatalFailure()) return;
      }
    }
  }

  TempDir dir_;
  int inits_ = 0;
  std::string root_;
};

TEST_F(SchemaEvolutionTest, RefusesWhatIsNotANewNullableColumn) {
  auto db = MustOpen();
  CreateTrades(db.get());
  Status dup = db->AddColumn("trades", "price", ColumnType::kFloat64);
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.ToString();
  EXPECT_NE(dup.message().find("trades"), std::string::npos) << dup.ToString();
  for (ColumnType role : {ColumnType::kTimestamp, ColumnType::kSymbol}) {
    Status st = db->AddColumn("trades", "other", role);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  }
  Status bad = db->AddColumn("trades", "1bad-name", ColumnType::kInt64);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument) << bad.ToString();
  EXPECT_NE(bad.message().find("1bad-name"), std::string::npos) << bad.ToString();
  EXPECT_TRUE(db->AddColumn("nope", "x", ColumnType::kInt64).IsNotFound());
  ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
  EXPECT_EQ(def.schema, *Schema::Template("trades"));  // nothing changed
  ASSERT_OK(db->Close());
  auto reader = MustOpen(nullptr, /*read_only=*/true);
  EXPECT_FALSE(reader->AddColumn("trades", "x", ColumnType::kInt64).ok());
}

// An appender made before AddColumn has its rows re-encoded with the new column; the record keeps
// the commit time point-in-time restore cuts at (src/backup), like every other append.
TEST_F(SchemaEvolutionTest, RecordsWidenedAfterAddColumnKeepTheirCommitTime) {
  {
    auto db = MustOpen();
    CreateTrades(db.get());
    ASSERT_OK_AND_ASSIGN(auto stale, db->NewAppender("trades"));
    ASSERT_OK(stale->Append(TradesBatch(1, false)));
    ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));
    ASSERT_OK(stale->Append(TradesBatch(2, false)));  // widened: venue_id NULL
    ASSERT_OK(db->Append("trades", TradesBatch(3, true)));
    EXPECT_EQ(Venues(db.get()), Want({1, 2}, {3}));
    ASSERT_OK(db->Close());
  }
  WalReadOptions ro;
  ro.fs = DefaultFileSystem();
  ro.dir = layout::WalDir(root_);
  int records = 0, schema_records = 0;
  ASSERT_OK(ReadWal(ro, [&](uint64_t lsn, std::string_view payload) {
              EXPECT_GT(RecordCommitTime(payload).value_or(0), 0) << "LSN " << lsn;
              auto schema = ParseSchemaRecord(payload);
              EXPECT_TRUE(schema.ok()) << schema.status().ToString();
              if (schema.ok() && *schema) {
                ++schema_records;  // AddColumn's own record
                return Status::OK();
              }
              auto created = ParseCreateRecord(payload);
              EXPECT_TRUE(created.ok()) << created.status().ToString();
              if (created.ok() && *created) return Status::OK();  // CreateTable's
              ++records;
              return Status::OK();
            }).status());
  EXPECT_EQ(records, 3);  // every append, the widened one too, is a timed rows record
  EXPECT_EQ(schema_records, 1);
}

// Rows in warm files, in the hot tier and in the WAL when the column is added; then flushes,
// compaction, migration to cold and reopening: every old row reads NULL, every new row its value.
TEST_F(SchemaEvolutionTest, OldRowsReadNullInEveryTierAndAfterEveryTierOperation) {
  auto db = MustOpen();
  CreateTrades(db.get());
  ASSERT_OK_AND_ASSIGN(auto old_appender, db->NewAppender("trades"));
  ASSERT_OK(old_appender->Append(TradesBatch(0, false)));
  ASSERT_OK(db->Flush().status());                         // warm
  ASSERT_OK(old_appender->Append(TradesBatch(1, false)));  // hot (and WAL)
  ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));
  ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
  EXPECT_EQ(def.schema.ToString(), Schema::Template("trades")->ToString() + ",venue_id:i64?");

  ASSERT_OK(db->Append("trades", TradesBatch(2, true)));
  // An appender made before the column goes on with the old columns: NULL in the new one.
  ASSERT_OK(old_appender->Append(TradesBatch(3, false)));
  // A batch of the old columns through a new appender is refused: it must have the table's.
  EXPECT_FALSE(db->Append("trades", TradesBatch(9, false)).ok());
  const auto want = Want({0, 1, 3}, {2});
  int dups = 0;
  EXPECT_EQ(Venues(db.get(), &dups), want);
  EXPECT_EQ(dups, 0);

  // Latest of a series whose newest row is an old one, in a file: NULL in the new column.
  RecordBatch latest;
  ASSERT_OK(db->Latest("trades", "S1", &latest));  // batch 1, flushed by AddColumn
  ASSERT_EQ(latest.num_columns(), 7u);
  EXPECT_TRUE(latest.column(6).IsNull(0));

  ASSERT_OK(db->Close());
  db = MustOpen();  // the WAL replays rows of both schemas
  EXPECT_EQ(Venues(db.get()), want);
  ASSERT_OK(db->Flush().status());
  // Compaction of parts with and without the column (force: every series-day with 2+ parts).
  ASSERT_OK(db->SetTablePolicy("trades", R"({"max_warm_parts": 1})"));
  ASSERT_OK(db->Append("trades", TradesBatch(4, true)));
  ASSERT_OK(db->Flush().status());
  EXPECT_EQ(Venues(db.get()), Want({0, 1, 3}, {2, 4}));
  MigrateOptions mo;
  mo.all = true;
  ASSERT_OK_AND_ASSIGN(TierRunResult migrated, db->Migrate(mo));
  EXPECT_GT(migrated.files_out, 0u);
  EXPECT_EQ(Venues(db.get()), Want({0, 1, 3}, {2, 4}));
  ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
  for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
  EXPECT_GT(report.files_checked, 0u);
  ASSERT_OK(db->Close());
  auto reader = MustOpen(nullptr, /*read_only=*/true);
  EXPECT_EQ(Venues(reader.get()), Want({0, 1, 3}, {2, 4}));
}

// A file written before the column, read by a scan that projects only the new column and the
// timestamp (the file has just one of them).
TEST_F(SchemaEvolutionTest, ProjectionOfOnlyTheNewColumnReadsOldFiles) {
  auto db = MustOpen();
  CreateTrades(db.get());
  ASSERT_OK(db->Append("trades", TradesBatch(0, false)));
  ASSERT_OK(db->Flush().status());
  ASSERT_OK(db->AddColumn("trades", "note", ColumnType::kString));
  ScanRequest req;
  req.table = "trades";
  req.columns = {"note"};
  req.symbols = {"S0"};
  ASSERT_OK_AND_ASSIGN(auto batches, db->Scan(req));
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].num_rows(), size_t{kRows});
  for (size_t r = 0; r < batches[0].num_rows(); ++r) EXPECT_TRUE(batches[0].column(0).IsNull(r));
}

// A power loss at every mutating file operation of AddColumn (its flush, its catalog update),
// under fsync=none and interval: the database opens with the old or the new schema, every row at
// most once and in whole batches, every flushed or synced batch there, and it keeps working.
TEST_F(SchemaEvolutionTest, PowerLossAtEveryStepOfAddColumn) {
  constexpr int64_t kBatches = 6;
  AtEveryCrashPoint([](Database* db) { return db->AddColumn("trades", "venue_id", ColumnType::kInt64); },
                    [&](FaultInjectionFileSystem* fs, bool added) {
                      auto db = MustOpen(fs);
                      ASSERT_NE(db, nullptr);
                      ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
                      const bool has_column = def.schema.FieldIndex("venue_id") >= 0;
                      if (added) {
                        EXPECT_TRUE(has_column);  // acknowledged: durable
                      }
                      if (!has_column) ASSERT_OK(db->AddColumn("trades", "venue_id", ColumnType::kInt64));
                      int dups = 0;
                      auto got = Venues(db.get(), &dups);
                      EXPECT_EQ(dups, 0);
                      std::set<int64_t> present;
                      for (const auto& [row, venue] : got) {
                        EXPECT_FALSE(venue.has_value()) << "row " << row;
                        present.insert(row / kRows);
                      }
                      EXPECT_EQ(got, Want(present, {}));  // whole batches only
                      for (int64_t id = 0; id <= 2; ++id)
                        EXPECT_TRUE(present.count(id)) << "batch " << id << " was flushed";
                      if (added) {
                        EXPECT_EQ(present.size(), size_t{kBatches});  // AddColumn flushed them all
                      }
                      ASSERT_OK(db->Append("trades", TradesBatch(100, true)));
                      ASSERT_OK(db->Close());
                      db = MustOpen(fs);
                      ASSERT_NE(db, nullptr);
                      EXPECT_EQ(Venues(db.get()), Want(present, {100}));
                      ASSERT_OK(db->Flush().status());
                      ExpectVerifyClean(db.get());
                    },
                    kBatches, /*flush_after=*/2, /*sanitized_stride=*/6);
}

// CreateTable's create record is its commit point (src/db/wal_record.h): a power loss at every file
// operation of CreateTable leaves either no table or the whole table (with the derived bar table
// its policy declares, and the id the catalog would give it), never rows lost elsewhere; an
// acknowledged create survives; rows written after it replay from the WAL.
TEST_F(SchemaEvolutionTest, PowerLossAtEveryStepOfCreateTable) {
  const TableDef later{"later", *Schema::Template("trades"), std::string("trade_id"), R"({"bars":["1m"]})"};
  AtEveryCrashPoint([&](Database* db) { return db->CreateTable(later); },
                    [&](FaultInjectionFileSystem* fs, bool created) {
                      auto db = MustOpen(fs);
                      ASSERT_NE(db, nullptr);
                      auto def = db->GetTable("later");
                      auto bars = db->GetTable("later_bars_1m");
                      if (created) {
                        EXPECT_TRUE(def.ok()) << def.status().ToString();  // acknowledged: durable
                      }
                      EXPECT_EQ(def.ok(), bars.ok()) << "the table and its bar table, or neither";
                      if (def.ok()) {
                        EXPECT_EQ(def->schema, later.schema);
                        EXPECT_EQ(def->dedup_key, later.dedup_key);
                        EXPECT_EQ(def->policy_json, later.policy_json);
                      } else {
                        EXPECT_TRUE(def.status().IsNotFound()) << def.status().ToString();
                        ASSERT_OK(db->CreateTable(later));
                      }
                      EXPECT_EQ(CountRows(db.get(), "later"), 0u);
                      ExpectTradesRows(db.get(), created);
                      ASSERT_OK(db->Append("later", TradesBatch(100, false)));
                      ASSERT_OK(db->Close());
                      db = MustOpen(fs);  // the rows of the new table replay from the WAL
                      ASSERT_NE(db, nullptr);
                      EXPECT_EQ(CountRows(db.get(), "later"), size_t{kRows});
                      ASSERT_OK(db->Flush().status());
                      EXPECT_EQ(CountRows(db.get(), "later"), size_t{kRows});
                      ExpectVerifyClean(db.get());
                    });
}

// SetTablePolicy's policy record is its commit point (src/db/wal_record.h kind 6): a power loss
// at every file operation of a policy change that also declares a bar table leaves either the old
// policy and no bar table or the new policy and the bar table, never one without the other; an
// acknowledged change survives; the rows are whole batches (all of them when it was acknowledged).
TEST_F(SchemaEvolutionTest, PowerLossAtEveryStepOfSetTablePolicy) {
  const std::string change = R"({"warm_days": 7, "bars": ["1m"]})";
  AtEveryCrashPoint([&](Database* db) { return db->SetTablePolicy("trades", change); },
                    [&](FaultInjectionFileSystem* fs, bool changed) {
                      auto db = MustOpen(fs);
                      ASSERT_NE(db, nullptr);
                      ASSERT_OK_AND_ASSIGN(TableDef def, db->GetTable("trades"));
                      auto bars = db->GetTable("trades_bars_1m");
                      const bool has_policy = def.policy_json.find("\"warm_days\":7") != std::string::npos;
                      if (changed) {
                        EXPECT_TRUE(has_policy) << def.policy_json;  // acknowledged: durable
                      }
                      EXPECT_EQ(has_policy, bars.ok())
                          << "the policy and its bar table, or neither: " << def.policy_json;
                      if (!has_policy) {
                        EXPECT_EQ(def.policy_json.find("bars"), std::string::npos) << def.policy_json;
                        ASSERT_OK(db->SetTablePolicy("trades", change));
                      }
                      ExpectTradesRows(db.get(), changed);
                      // The policy stays through a clean reopen (the catalog has it, the record is not needed).
                      ASSERT_OK(db->Close());
                      db = MustOpen(fs);
                      ASSERT_NE(db, nullptr);
                      ASSERT_OK_AND_ASSIGN(def, db->GetTable("trades"));
                      EXPECT_NE(def.policy_json.find("\"warm_days\":7"), std::string::npos) << def.policy_json;
                      ASSERT_OK(db->Flush().status());
                      ExpectVerifyClean(db.get());
                    });
}

}  // namespace schema_evolution_test
}  // namespace strata
