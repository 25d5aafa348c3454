// Database::AppendAtomically: several tables' rows as one WAL record (kind 2), wholly replayed or
// wholly dropped after a crash, and a per-table flush cut that skips exactly its table's part.
#include <gtest/gtest.h>
#include <unistd.h>

#include <set>

#include "catalog/layout.h"
#include "db/wal_record.h"
#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "testutil/testutil.h"
#include "wal/wal.h"

namespace strata {
namespace {

using testing::TempDir;

// Trades rows whose trade_id is id * 10 + i.
RecordBatch TradesBatch(int64_t id, int rows = 10) {
  RecordBatch b(*Schema::Template("trades"));
  for (int i = 0; i < rows; ++i) {
    b.column(0).AppendInt64(1'000'000'000 + id * 1000 + i);
    b.column(1).AppendString("S" + std::to_string(i % 2));
    b.column(2).AppendDouble(1.5);
    b.column(3).AppendInt64(7);
    b.column(4).AppendInt64(id * 10 + i);
    b.column(5).AppendString("XNAS");
  }
  return b;
}

// Batch ids present in the table (each row once, whole batches only).
std::set<int64_t> BatchesIn(Database* db, const std::string& table) {
  ScanRequest req;
  req.table = table;
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  std::map<int64_t, int> rows;
  if (batches.ok()) {
    for (const RecordBatch& b : *batches) {
      for (int64_t id : b.column(4).int64s()) ++rows[id];
    }
  }
  std::map<int64_t, int> per_batch;
  for (const auto& [row, times] : rows) {
    EXPECT_EQ(times, 1) << table << " row " << row;
    ++per_batch[row / 10];
  }
  std::set<int64_t> ids;
  for (const auto& [id, n] : per_batch) {
    EXPECT_EQ(n, 10) << table << " batch " << id << " is partial";
    ids.insert(id);
  }
  return ids;
}

// Databases in memory when possible (fsync=always on a disk makes these tests slow).
struct InMemoryTmpDir {
  InMemoryTmpDir() {
    if (getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) setenv("TMPDIR", "/dev/shm", 0);
  }
};

class AtomicAppendTest : public ::testing::Test, InMemoryTmpDir {
 protected:
  std::string NewRoot(const std::string& fsync = "always") {
    std::string root = dir_.Join("db" + std::to_string(++n_));
    InitOptions init;
    init.fsync = fsync;
    EXPECT_OK(Database::Init(root, init));
    return root;
  }
  Options Opts(FileSystem* fs = nullptr) {
    Options o;
    o.fs = fs;
    o.background_flush = false;
    o.on_warning = [this](std::string_view w) { warnings_.emplace_back(w); };
    return o;
  }
  std::unique_ptr<Database> MustOpen(const std::string& root, Options o) {
    auto db = Database::Open(root, o);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  static void CreateTables(Database* db) {
    ASSERT_OK(db->CreateTable({"t1", *Schema::Template("trades"), std::nullopt}));
    ASSERT_OK(db->CreateTable({"t2", *Schema::Template("trades"), std::nullopt}));
  }

  TempDir dir_;
  int n_ = 0;
  std::vector<std::string> warnings_;
};

TEST_F(AtomicAppendTest, AppendsEveryTableAndSurvivesReopen) {
  const std::string root = NewRoot();
  auto db = MustOpen(root, Opts());
  CreateTables(db.get());
  const RecordBatch a = TradesBatch(1), b = TradesBatch(2), c = TradesBatch(3);
  ASSERT_OK(db->AppendAtomically({{"t1", &a}, {"t2", &b}, {"t1", &c}}));
  EXPECT_EQ(BatchesIn(db.get(), "t1"), (std::set<int64_t>{1, 3}));
  EXPECT_EQ(BatchesIn(db.get(), "t2"), (std::set<int64_t>{2}));
  ASSERT_OK(db->Close());
  db = MustOpen(root, Opts());
  EXPECT_EQ(BatchesIn(db.get(), "t1"), (std::set<int64_t>{1, 3}));
  EXPECT_EQ(BatchesIn(db.get(), "t2"), (std::set<int64_t>{2}));
}

TEST_F(AtomicAppendTest, AnyInvalidBatchAppendsNothing) {
  const std::string root = NewRoot();
  auto db = MustOpen(root, Opts());
  CreateTables(db.get());
  const RecordBatch good = TradesBatch(1);
  RecordBatch bad = TradesBatch(2);
  bad.column(1).chars()[0] = '\0';  // a symbol with a NUL byte cannot be stored
  Status st = db->AppendAtomically({{"t1", &good}, {"t2", &bad}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("t2"), std::string::npos) << st.ToString();
  Status unknown = db->AppendAtomically({{"t1", &good}, {"nope", &good}});
  EXPECT_TRUE(unknown.IsNotFound()) << unknown.ToString();
  EXPECT_TRUE(BatchesIn(db.get(), "t1").empty());
  EXPECT_TRUE(BatchesIn(db.get(), "t2").empty());
}

// A process crash in the middle of writing the record (the write lands only its first k bytes,
// and the page cache keeps them): the next open drops the torn record whole; the one before it
// stays. k runs over the record's header and its first and second table's parts.
TEST_F(AtomicAppendTest, ATornMultiTableRecordIsDroppedWhole) {
  const RecordBatch first = TradesBatch(1), a = TradesBatch(2), b = TradesBatch(3);
  std::string payload;
  // The record's size: its 16-byte frame header plus the payload.
  EncodeMultiRowsRecord({{1, &a}, {2, &b}}, &payload);
  const size_t record = 16 + payload.size();
  std::vector<size_t> cuts;
  const size_t step = testing::Sanitized() ? record / 6 : record / 24;
  for (size_t k = 1; k < record; k += std::max<size_t>(1, step)) cuts.push_back(k);
  cuts.push_back(record - 1);
  for (size_t k : cuts) {
    SCOPED_TRACE("the write landed " + std::to_string(k) + " of " + std::to_string(record) + " bytes");
    const std::string root = NewRoot();
    FaultInjectionFileSystem fs(DefaultFileSystem());
    {
      auto db = MustOpen(root, Opts(&fs));
      ASSERT_NE(db, nullptr);
      CreateTables(db.get());
      ASSERT_OK(db->Append("t1", first));
      fs.ShortWriteNth(1, k);
      EXPECT_FALSE(db->AppendAtomically({{"t1", &a}, {"t2", &b}}).ok());
      fs.CrashAtOp(1);  // the process dies: nothing else reaches the disk
      db.reset();
    }
    // No power loss: what the write landed stays on disk (read through the real file system).
    auto db = MustOpen(root, Opts());
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(BatchesIn(db.get(), "t1"), (std::set<int64_t>{1}));
    EXPECT_TRUE(BatchesIn(db.get(), "t2").empty());
    ASSERT_OK(db->AppendAtomically({{"t1", &a}, {"t2", &b}}));  // and it goes on working
    ASSERT_OK(db->Close());
    db = MustOpen(root, Opts());
    EXPECT_EQ(BatchesIn(db.get(), "t1"), (std::set<int64_t>{1, 2}));
    EXPECT_EQ(BatchesIn(db.get(), "t2"), (std::set<int64_t>{3}));
  }
}

// A power loss at every mutating step of a run of multi-table appends (fsync=always: each
// acknowledged append is durable): every acknowledged transaction is there in both tables, the
// one in flight is there in both or in neither.
TEST_F(AtomicAppendTest, PowerLossAtEveryStepKeepsTransactionsWhole) {
  auto op = [](Database* db, int* acked) -> Status {
    for (int64_t id = 1; id <= 4; ++id) {
      const RecordBatch a = TradesBatch(id), b = TradesBatch(id + 100);
      RETURN_IF_ERROR(db->AppendAtomically({{"t1", &a}, {"t2", &b}}));
      *acked = static_cast<int>(id);
    }
    return Status::OK();
  };
  int n = 0;
  {
    const std::string root = NewRoot();
    FaultInjectionFileSystem fs(DefaultFileSystem());
    auto db = MustOpen(root, Opts(&fs));
    CreateTables(db.get());
    fs.ResetCounters();
    int acked = 0;
    ASSERT_OK(op(db.get(), &acked));
    n = fs.mutating_ops();
  }
  ASSERT_GT(n, 3);
  for (int k : ::strata::testing::CrashPoints(n)) {
    SCOPED_TRACE("power loss at mutating op " + std::to_string(k) + " of " + std::to_string(n));
    const std::string root = NewRoot();
    FaultInjectionFileSystem fs(DefaultFileSystem());
    int acked = 0;
    {
      auto db = MustOpen(root, Opts(&fs));
      ASSERT_NE(db, nullptr);
      CreateTables(db.get());
      fs.ResetCounters();
      fs.CrashAtOp(k);
      op(db.get(), &acked).IgnoreError();
      db.reset();
    }
    ASSERT_OK(fs.DropUnsyncedData());
    auto db = MustOpen(root, Opts(&fs));
    ASSERT_NE(db, nullptr);
    std::set<int64_t> t1 = BatchesIn(db.get(), "t1"), t2;
    for (int64_t id : BatchesIn(db.get(), "t2")) t2.insert(id - 100);
    EXPECT_EQ(t1, t2) << "a transaction is in one table only";
    for (int64_t id = 1; id <= acked; ++id) EXPECT_TRUE(t1.count(id)) << "acknowledged transaction " << id;
    EXPECT_LE(t1.size(), static_cast<size_t>(acked) + 1);
  }
}

// A record one of whose parts cannot be replayed is not applied at all (with
// skip_bad_wal_records, it is skipped whole; without, the open names its LSN).
TEST_F(AtomicAppendTest, ReplayAppliesEveryPartOrNone) {
  const std::string root = NewRoot();
  {
    auto db = MustOpen(root, Opts());
    CreateTables(db.get());
    const RecordBatch a = TradesBatch(1);
    ASSERT_OK(db->Append("t1", a));
    ASSERT_OK(db->Close());
  }
  {
    // Append a record by hand: t1's part is fine, t2's has another table's columns.
    WalOptions wo;
    wo.fs = DefaultFileSystem();
    wo.dir = layout::WalDir(root);
    wo.sync.mode = FsyncMode::kAlways;
    uint64_t last = 0;
    WalReadOptions ro;
    ro.fs = wo.fs;
    ro.dir = wo.dir;
    ASSERT_OK_AND_ASSIGN(WalReadResult read, ReadWal(ro, [&](uint64_t, std::string_view) { return Status::OK(); }));
    last = read.last_lsn;
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(wo, last + 1));
    const RecordBatch good = TradesBatch(2);
    RecordBatch wrong(*Schema::Template("quotes"));
    wrong.column(0).AppendInt64(5);
    wrong.column(1).AppendString("Q");
    for (int c = 2; c < 4; ++c) wrong.column(c).AppendDouble(1);
    for (int c = 4; c < 6; ++c) wrong.column(c).AppendInt64(1);
    std::string payload;
    // Table ids 1 and 2 are t1 and t2 (created first).
    EncodeMultiRowsRecord({{1, &good}, {2, &wrong}}, &payload);
    ASSERT_OK(w->Append(payload).status());
    ASSERT_OK(w->Close());
  }
  auto refused = Database::Open(root, Opts());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("table t2"), std::string::npos) << refused.status().ToString();
  Options skip = Opts();
  skip.skip_bad_wal_records = true;
  auto db = MustOpen(root, skip);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(BatchesIn(db.get(), "t1"), (std::set<int64_t>{1}));  // not batch 2: the record is one
}

// FlushTable moves one table's cut: a reopen replays the other table's part of a multi-table
// record and skips the flushed table's part (no row twice, none lost).
TEST_F(AtomicAppendTest, ATableFlushSkipsExactlyItsPart) {
  const std::string root = NewRoot("none");
  {
    auto db = MustOpen(root, Opts());
    CreateTables(db.get());
    const RecordBatch a = TradesBatch(1), b = TradesBatch(2);
    ASSERT_OK(db->AppendAtomically({{"t1", &a}, {"t2", &b}}));
    ASSERT_OK(db->FlushTable("t1").status());
    ASSERT_OK(db->Close());
  }
  auto db = MustOpen(root, Opts());
  EXPECT_EQ(BatchesIn(db.get(), "t1"), (std::set<int64_t>{1}));
  EXPECT_EQ(BatchesIn(db.get(), "t2"), (std::set<int64_t>{2}));
}

}  // namespace
}  // namespace strata
