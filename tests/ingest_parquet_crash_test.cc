// A crash in the middle of a Parquet ingest (issue 16): power loss at every mutating file
// operation of `strata ingest`'s per-file loop (cli::IngestParquetFile, fsync=always, on the
// fault-injecting file system). After reopening: every row group acknowledged before the crash
// is there, and nothing else but whole row groups, in file order (no half-written row group).
#include <gtest/gtest.h>

#include <set>

#include "cli/ingest_parquet.h"
#include "io/fault_injection_fs.h"
#include "parquet/parquet_writer.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

constexpr int64_t kRowGroupRows = 400;
constexpr int64_t kRowGroups = 6;

// One symbol; trade_id = row number in the file.
std::string WriteFile(const testing::TempDir& dir) {
  Schema schema = *Schema::Template("trades");
  RecordBatch b(schema.fields());
  for (int64_t r = 0; r < kRowGroupRows * kRowGroups; ++r) {
    b.column(0).AppendInt64(1772461800000000000LL + r * 1000);
    b.column(1).AppendString("AAPL");
    b.column(2).AppendDouble(100.0 + static_cast<double>(r) / 100);
    b.column(3).AppendInt64(100);
    b.column(4).AppendInt64(r);
    b.column(5).AppendString("XNAS");
  }
  parquet::WriterOptions o;
  o.row_group_rows = kRowGroupRows;
  const std::string path = dir.Join("in.parquet");
  EXPECT_OK(parquet::WriteParquetFile(DefaultFileSystem(), path, b, o));
  return path;
}

void InitDb(const std::string& root) {
  ASSERT_OK(Database::Init(root, {.fsync = "always", .wal_segment_bytes = 16 << 10}));
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, {}));
  ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
  ASSERT_OK(db->Close());
}

// Opens `root` on `fs` and ingests `path`; the rows acknowledged (-1: the open failed).
int64_t Ingest(FileSystem* fs, const std::string& root, const std::string& path) {
  Options options;
  options.fs = fs;
  options.on_warning = [](std::string_view) {};
  auto db = Database::Open(root, options);
  if (!db.ok()) return -1;
  auto appender = (*db)->NewAppender("trades");
  if (!appender.ok()) return -1;
  RecordBatch batch;
  uint64_t rows = 0, bytes = 0;
  cli::IngestParquetFile(appender->get(), DefaultFileSystem(), path, {}, /*check_first=*/false, &batch, &rows, &bytes)
      .IgnoreError();
  (*db)->Close().IgnoreError();
  return static_cast<int64_t>(rows);
}

TEST(IngestParquetCrash, PowerLossAtEveryFileOperationKeepsWholeAcknowledgedRowGroups) {
  testing::TempDir dir;
  const std::string path = WriteFile(dir);
  int total_ops;
  {
    const std::string root = dir.Join("count");
    InitDb(root);
    FaultInjectionFileSystem counter(DefaultFileSystem());
    ASSERT_EQ(Ingest(&counter, root, path), kRowGroupRows * kRowGroups);
    total_ops = counter.mutating_ops();
  }
  ASSERT_GT(total_ops, kRowGroups);
  int crashed_mid_file = 0;
  for (int crash_at = 1; crash_at <= total_ops; ++crash_at) {
    const std::string root = dir.Join("db" + std::to_string(crash_at));
    InitDb(root);
    FaultInjectionFileSystem fs(DefaultFileSystem());
    fs.CrashAtOp(crash_at);
    const int64_t acked = Ingest(&fs, root, path);
    ASSERT_OK(fs.DropUnsyncedData());
    Options options;
    options.on_warning = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, options));
    ASSERT_OK_AND_ASSIGN(auto batches, db->Scan({.table = "trades"}));
    std::vector<int64_t> ids;
    for (const RecordBatch& b : batches) {
      for (size_t r = 0; r < b.num_rows(); ++r) ids.push_back(b.column(4).int64s()[r]);
    }
    const int64_t found = static_cast<int64_t>(ids.size());
    ASSERT_GE(found, std::max<int64_t>(acked, 0)) << "crash at op " << crash_at << ": lost acknowledged rows";
    ASSERT_EQ(found % kRowGroupRows, 0) << "crash at op " << crash_at << ": a torn row group";
    for (int64_t i = 0; i < found; ++i) ASSERT_EQ(ids[static_cast<size_t>(i)], i) << "crash at op " << crash_at;
    if (found > 0 && found < kRowGroupRows * kRowGroups) ++crashed_mid_file;
    ASSERT_OK(db->Close());
  }
  EXPECT_GT(crashed_mid_file, 0);  // some crashes did land between row groups
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
