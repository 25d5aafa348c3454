// Crash safety of the write path.
//
// 1. kill -9: a child process appends batches with fsync=always from several threads and reports
//    each acknowledged batch on a pipe; the parent kills it after a random number of acks, reopens
//    the database, and checks that every acknowledged batch is there exactly once, and nothing else
//    but whole batches. 25 rounds on one database.
// 2. Simulated power loss: the same workload on the fault-injecting file system, crashing at every
//    mutating file operation of a short run and dropping everything not fsynced.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

constexpr int kRowsPerBatch = 50;

// Batch `id`: rows whose trade_id is id * kRowsPerBatch + i, so each row names its batch.
RecordBatch MakeBatch(int64_t id) {
  Schema schema = *Schema::Template("trades");
  RecordBatch b(schema);
  for (int i = 0; i < kRowsPerBatch; ++i) {
    b.column(0).AppendInt64(id * 1'000'000 + i);
    b.column(1).AppendString("S" + std::to_string(id % 7));
    b.column(2).AppendDouble(100.0 + static_cast<double>(id % 100) / 100);
    b.column(3).AppendInt64(100);
    b.column(4).AppendInt64(id * kRowsPerBatch + i);
    b.column(5).AppendString("XNAS");
  }
  return b;
}

// Batch id -> rows found. Fails the test on a row that is not part of a well-formed batch.
std::map<int64_t, int> BatchesIn(Database* db) {
  ScanRequest req;
  req.table = "trades";
  auto batches = db->Scan(req);
  EXPECT_TRUE(batches.ok()) << batches.status().ToString();
  std::map<int64_t, int> rows;
  std::set<int64_t> seen_ids;
  if (!batches.ok()) return rows;
  for (const RecordBatch& b : *batches) {
    for (size_t r = 0; r < b.num_rows(); ++r) {
      int64_t trade_id = b.column(4).int64s()[r];
      EXPECT_TRUE(seen_ids.insert(trade_id).second) << "row with trade_id " << trade_id << " appears twice";
      int64_t id = trade_id / kRowsPerBatch;
      int i = static_cast<int>(trade_id % kRowsPerBatch);
      EXPECT_EQ(b.column(0).int64s()[r], id * 1'000'000 + i) << "row " << trade_id << " has the wrong ts";
      EXPECT_EQ(b.column(1).GetString(r), "S" + std::to_string(id % 7));
      ++rows[id];
    }
  }
  return rows;
}

void ChildAppendForever(const std::string& root, int64_t first_id, int write_fd) {
  Options options;
  options.fsync = "always";
  auto db = Database::Open(root, options);
  if (!db.ok()) _exit(3);
  std::atomic<int64_t> next{first_id};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      auto appender = (*db)->NewAppender("trades");
      if (!appender.ok()) _exit(4);
      while (true) {
        int64_t id = next.fetch_add(1);
        if (!(*appender)->Append(MakeBatch(id)).ok()) _exit(5);
        std::string line = std::to_string(id) + "\n";
        if (::write(write_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

TEST(CrashTest, KillNineNeverLosesAnAcknowledgedBatch) {
  testing::TempDir dir;
  std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "always", .wal_segment_bytes = 64 << 10}));
  {
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, {}));
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), "trade_id"}));
    ASSERT_OK(db->Close());
  }
  std::mt19937 rng(20261123);
  std::set<int64_t> acked;
  int64_t next_id = 0;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ChildAppendForever(root, next_id, fds[1]);
    }
    ::close(fds[1]);
    // Kill after a random number of acknowledgements: no sleeps, the moment depends on the acks.
    const int kill_after = 1 + static_cast<int>(rng() % 60);
    int acks_this_round = 0;
    std::string pending;
    char buf[4096];
    bool killed = false;
    while (true) {
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        acked.insert(std::stoll(pending.substr(0, nl)));
        pending.erase(0, nl + 1);
        ++acks_this_round;
      }
      if (!killed && acks_this_round >= kill_after) {
        ::kill(pid, SIGKILL);
        killed = true;  // keep reading: acks written before the kill still count
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << WEXITSTATUS(status);
    next_id += 100000;  // ids of the next child never collide with in-flight ones of this child

    std::vector<std::string> warnings;
    Options options;
    options.on_warning = [&](std::string_view w) { warnings.emplace_back(w); };
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, options));
    std::map<int64_t, int> found = BatchesIn(db.get());
    for (int64_t id : acked) {
      auto it = found.find(id);
      ASSERT_TRUE(it != found.end()) << "round " << round << ": acknowledged batch " << id << " is lost";
    }
    for (auto [id, rows] : found) {
      ASSERT_EQ(rows, kRowsPerBatch) << "round " << round << ": batch " << id << " is torn";
    }
    // Unacknowledged batches that made it are fine, but count them as acked from now on: they
    // are durable and must stay.
    for (auto [id, rows] : found) acked.insert(id);
    ASSERT_OK(db->Close());
  }
  EXPECT_GE(acked.size(), size_t{kRounds});
}

// Runs the scenario on `fs`: open, append `batches` batches one at a time, close. Returns the ids
// acknowledged before the first failure.
std::set<int64_t> RunShortWorkload(FileSystem* fs, const std::string& root, int batches, int64_t first_id) {
  std::set<int64_t> acked;
  Options options;
  options.fs = fs;
  options.fsync = "always";
  options.on_warning = [](std::string_view) {};
  auto db = Database::Open(root, options);
  if (!db.ok()) return acked;
  for (int i = 0; i < batches; ++i) {
    if (!(*db)->Append("trades", MakeBatch(first_id + i)).ok()) break;
    acked.insert(first_id + i);
  }
  (*db)->Close().IgnoreError();
  return acked;
}

TEST(CrashTest, PowerLossAtEveryFileOperation) {
  testing::TempDir dir;
  std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "always", .wal_segment_bytes = 16 << 10}));
  {
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, {}));
    ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
    ASSERT_OK(db->Close());
  }
  constexpr int kBatches = 12;  // ~3 KB each: the run rolls WAL segments
  // Count the mutating operations of one run on a scratch copy of the layout.
  int total_ops;
  {
    testing::TempDir scratch;
    std::string r2 = scratch.Join("db");
    ASSERT_OK(Database::Init(r2, {.fsync = "always", .wal_segment_bytes = 16 << 10}));
    {
      ASSERT_OK_AND_ASSIGN(auto db, Database::Open(r2, {}));
      ASSERT_OK(db->CreateTable({"trades", *Schema::Template("trades"), std::nullopt}));
      ASSERT_OK(db->Close());
    }
    FaultInjectionFileSystem counter(DefaultFileSystem());
    std::set<int64_t> all = RunShortWorkload(&counter, r2, kBatches, 0);
    ASSERT_EQ(all.size(), size_t{kBatches});
    total_ops = counter.mutating_ops();
  }
  ASSERT_GT(total_ops, kBatches);

  std::set<int64_t> durable;  // acknowledged in earlier iterations: must survive every later crash
  int64_t next_id = 0;
  for (int crash_at = 1; crash_at <= total_ops; ++crash_at) {
    FaultInjectionFileSystem fs(DefaultFileSystem());
    fs.CrashAtOp(crash_at);
    std::set<int64_t> acked = RunShortWorkload(&fs, root, kBatches, next_id);
    next_id += kBatches;
    ASSERT_OK(fs.DropUnsyncedData());
    Options options;
    options.on_warning = [](std::string_view) {};
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, options));
    std::map<int64_t, int> found = BatchesIn(db.get());
    for (int64_t id : acked) ASSERT_TRUE(found.count(id)) << "crash at op " << crash_at << ": lost batch " << id;
    for (int64_t id : durable) ASSERT_TRUE(found.count(id)) << "crash at op " << crash_at << ": lost old batch " << id;
    for (auto [id, rows] : found) ASSERT_EQ(rows, kRowsPerBatch) << "crash at op " << crash_at << ": torn batch " << id;
    for (auto [id, rows] : found) durable.insert(id);
    ASSERT_OK(db->Close());
  }
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
