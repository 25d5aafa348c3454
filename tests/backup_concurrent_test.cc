// A backup taken while a writer appends and flushes (and rolls WAL segments) restores to exactly
// a prefix of the acknowledged appends: every batch acknowledged before the backup started, no
// batch twice, none missing in the middle.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "backup/backup.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

constexpr int kRowsPerBatch = 50;

// Batch k: kRowsPerBatch rows of symbol S<k%3>, ids k*kRowsPerBatch + j, ts increasing with k.
RecordBatch MakeBatch(const Schema& schema, int k) {
  RecordBatch b(schema);
  const int64_t day = 1'772'409'600'000'000'000;  // 2026-03-02
  for (int j = 0; j < kRowsPerBatch; ++j) {
    const int64_t id = int64_t{k} * kRowsPerBatch + j;
    b.column(0).AppendInt64(day + id * 1'000'000);
    b.column(1).AppendString("S" + std::to_string(k % 3));
    b.column(2).AppendDouble(100.0 + j);
    b.column(3).AppendInt64(100);
    b.column(4).AppendInt64(id);
    b.column(5).AppendString("XNAS");
  }
  return b;
}

std::set<int64_t> Ids(Database* db) {
  std::set<int64_t> ids;
  for (const char* sym : {"S0", "S1", "S2"}) {
    ScanRequest req;
    req.table = "trades";
    req.symbols = {sym};
    auto batches = db->Scan(req);
    EXPECT_TRUE(batches.ok()) << batches.status().ToString();
    if (!batches.ok()) return ids;
    for (const RecordBatch& b : *batches) {
      for (size_t r = 0; r < b.num_rows(); ++r) {
        EXPECT_TRUE(ids.insert(b.column(4).int64s()[r]).second) << "row " << b.column(4).int64s()[r] << " twice";
      }
    }
  }
  return ids;
}

TEST(BackupConcurrentTest, BackupsWhileWritingAndFlushingRestoreAPrefixOfTheAcknowledgedAppends) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  init.wal_segment_bytes = 64 << 10;  // many segments: flushes delete some while a backup copies
  ASSERT_TRUE(Database::Init(root, init).ok());
  auto opened = Database::Open(root, Options{});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Database> db = std::move(*opened);
  TableDef def;
  def.name = "trades";
  def.schema = *Schema::Template("trades");
  ASSERT_TRUE(db->CreateTable(def).ok());
  auto appender = *db->NewAppender("trades");

  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int k = 0; !stop.load(); ++k) {
      ASSERT_TRUE(appender->Append(MakeBatch(appender->schema(), k)).ok());
      acked.store(k + 1);
    }
  });
  std::thread flusher([&] {  // a flush per 40 new batches: segments get deleted, files added
    int flushed_at = 0;
    while (!stop.load()) {
      if (acked.load() < flushed_at + 40) {
        std::this_thread::yield();
        continue;
      }
      flushed_at = acked.load();
      auto r = db->Flush();
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  });
  while (acked.load() < 200) std::this_thread::yield();

  struct Taken {
    int acked_before, acked_after;
    std::string dest;
  };
  std::vector<Taken> taken;
  for (int i = 0; i < 3; ++i) {
    Taken t;
    t.dest = dir.Join("backup" + std::to_string(i));
    t.acked_before = acked.load();
    backup::CreateOptions o;
    o.root = root;
    o.fs = DefaultFileSystem();
    auto r = backup::CreateBackup(o, {t.dest});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->status().ok()) << r->status().ToString();
    t.acked_after = acked.load();
    taken.push_back(t);
  }
  stop.store(true);
  writer.join();
  flusher.join();
  ASSERT_TRUE(db->Close().ok());

  for (size_t i = 0; i < taken.size(); ++i) {
    SCOPED_TRACE("backup " + std::to_string(i));
    const std::string target = dir.Join("restored" + std::to_string(i));
    auto restored = backup::RestoreBackup(DefaultFileSystem(), taken[i].dest, std::nullopt, target, nullptr);
    ASSERT_TRUE(restored.ok()) << restored.status().ToString();
    auto rdb = Database::Open(target, Options{});
    ASSERT_TRUE(rdb.ok()) << rdb.status().ToString();
    std::set<int64_t> ids = Ids(rdb->get());
    ASSERT_FALSE(ids.empty());
    // A prefix: ids 0 .. n-1, whole batches.
    const int64_t n = static_cast<int64_t>(ids.size());
    EXPECT_EQ(*ids.begin(), 0);
    EXPECT_EQ(*ids.rbegin(), n - 1) << "a gap: " << ids.size() << " ids up to " << *ids.rbegin();
    EXPECT_EQ(n % kRowsPerBatch, 0);
    const int64_t batches = n / kRowsPerBatch;
    EXPECT_GE(batches, taken[i].acked_before) << "an acknowledged batch is missing";
    EXPECT_LE(batches, taken[i].acked_after);
    auto verify = (*rdb)->Verify(VerifyOptions{});
    ASSERT_TRUE(verify.ok()) << verify.status().ToString();
    EXPECT_TRUE(verify->ok()) << verify->problems.size() << " problems, first: " << verify->problems[0].uri << " "
                              << verify->problems[0].detail;
    ASSERT_TRUE((*rdb)->Close().ok());
  }
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
