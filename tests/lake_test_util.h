// Helpers shared by the tier tests (tests/tier_*_test.cc, tests/lake_*_test.cc).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/fault_injection_fs.h"
#include "strata/database.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"
#include "tier/lake.h"
#include "tier/ts_sort.h"

namespace strata::testing {

inline constexpr int64_t kDayNs = 86'400'000'000'000;
// 2026-03-02T00:00:00Z
inline const int64_t kMar2 = DaysFromCivil(2026, 3, 2) * kDayNs;

// MakeTrades with trade ids offset by id_base, so batches made with different bases never share
// a (symbol, trade_id).
inline RecordBatch Trades(size_t rows, int symbols, int64_t start_ns, uint64_t seed, int64_t id_base) {
  RecordBatch b = MakeTrades(rows, symbols, start_ns, seed);
  for (int64_t& id : b.column(4).int64s()) id += id_base;
  return b;
}

// Per symbol, the rows of `batches` sorted by ts (stable), as Scan returns them.
inline std::vector<RecordBatch> Expected(const std::vector<RecordBatch>& batches) {
  std::map<std::string, std::vector<uint32_t>> rows_of;
  RecordBatch all(batches.at(0).fields());
  for (const RecordBatch& b : batches) EXPECT_TRUE(all.Append(b).ok());
  for (size_t r = 0; r < all.num_rows(); ++r) rows_of[std::string(all.column(1).GetString(r))].push_back(r);
  std::vector<RecordBatch> out;
  for (auto& [sym, rows] : rows_of) out.push_back(tier::SortByTs(all.Take(rows), 0));
  return out;
}

inline std::vector<RecordBatch> ScanAll(Database* db, const std::string& table = "trades") {
  ScanRequest req;
  req.table = table;
  auto r = db->Scan(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<RecordBatch>{};
}

// Gtest-friendly comparison of Scan output with expected batches.
inline ::testing::AssertionResult SameRows(const std::vector<RecordBatch>& got, const std::vector<RecordBatch>& want) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << "got " << got.size() << " symbols, want " << want.size();
  }
  for (size_t i = 0; i < got.size(); ++i) {
    if (!got[i].Equals(want[i])) {
      auto f = ::testing::AssertionFailure();
      f << "symbol batch " << i << ": got " << got[i].num_rows() << " rows, want " << want[i].num_rows();
      for (size_t r = 0; r < std::min(got[i].num_rows(), want[i].num_rows()); ++r) {
        if (got[i].RowToString(r) != want[i].RowToString(r)) {
          f << "; first difference at row " << r << ": got " << got[i].RowToString(r) << " want "
            << want[i].RowToString(r);
          break;
        }
      }
      return f;
    }
  }
  return ::testing::AssertionSuccess();
}

// The regular files below `dir` (e.g. root + "/warm"), sorted; none when it does not exist.
inline std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline uint64_t TierRows(Database* db, const std::string& tier, const std::string& table = "trades") {
  auto stats = db->Stats();
  EXPECT_TRUE(stats.ok());
  if (!stats.ok()) return 0;
  for (const TableStats& t : stats->tables) {
    if (t.table != table) continue;
    for (const TierStats& s : t.tiers) {
      if (s.tier == tier) return s.rows;
    }
  }
  return 0;
}

inline uint64_t TierFiles(Database* db, const std::string& tier, const std::string& table = "trades") {
  auto stats = db->Stats();
  if (!stats.ok()) return 0;
  for (const TableStats& t : stats->tables) {
    if (t.table != table) continue;
    for (const TierStats& s : t.tiers) {
      if (s.tier == tier) return s.files;
    }
  }
  return 0;
}

// The crash tests model durability in the fault-injecting file system, so real fsyncs only cost
// time: put their temporary directories on tmpfs when there is one and TMPDIR is not set.
inline void PreferMemoryTmpDir() {
  if (getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) setenv("TMPDIR", "/dev/shm", 0);
}

inline Options TestOptions(FileSystem* fs = nullptr) {
  Options o;
  o.fs = fs;
  o.background_flush = false;
  o.on_warning = [](std::string_view) {};
  return o;
}

// A fresh database in a temporary directory (fsync off) with the table "trades" (dedup key
// trade_id): the fixture of the lake tests.
class TradesDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PreferMemoryTmpDir();
    dir_ = std::make_unique<TempDir>();
    root_ = dir_->Join("db");
    ASSERT_OK(Database::Init(root_, {.fsync = "none"}));
    Reopen();
    ASSERT_OK(db_->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
  }
  // Closes the database and opens it again (as the next process would).
  void Reopen(Options options = TestOptions()) {
    db_.reset();
    auto db = Database::Open(root_, options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  std::unique_ptr<TempDir> dir_;
  std::string root_;
  std::unique_ptr<Database> db_;
};

// A tier operation crashed at every mutating file-system operation it does. It runs once on a
// fresh database to count them (N), then for each k = 1..N on another fresh database with a
// crash at the k-th one followed by power loss (what was not fsynced is dropped). After each
// crash the reopened database must hold exactly the rows appended and verify clean.
struct CrashScenario {
  // Runs on the freshly opened database before counting starts (tables, rows, earlier flushes);
  // appends to *appended every batch it appends.
  std::function<void(Database*, std::vector<RecordBatch>*)> setup;
  // The operation under test.
  std::function<Status(Database*)> run;
  int min_ops = 3;  // the operation must do more mutating file operations than this
  // Some crash makes `run` fail. false: it may report success whichever op crashed (it commits
  // before its first file operation, which are all best effort).
  bool a_crash_shows = true;
  // Checked on the counting run's database after `run` succeeded.
  std::function<void(Database*)> after_success;
  // More checks on the database reopened after each crash.
  std::function<void(Database*, const std::vector<RecordBatch>& appended)> after_crash;
};

inline void CrashAtEveryOp(const CrashScenario& s) {
  PreferMemoryTmpDir();
  auto init = [](const std::string& root) {
    return Database::Init(root, {.fsync = "always", .wal_segment_bytes = 4096});
  };
  int n = 0;
  {
    TempDir dir;
    const std::string root = dir.Join("db");
    ASSERT_OK(init(root));
    FaultInjectionFileSystem fs(DefaultFileSystem());
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, TestOptions(&fs)));
    std::vector<RecordBatch> appended;
    s.setup(db.get(), &appended);
    fs.ResetCounters();
    ASSERT_OK(s.run(db.get()));
    n = fs.mutating_ops();
    EXPECT_TRUE(SameRows(ScanAll(db.get()), Expected(appended)));
    ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
    EXPECT_TRUE(report.ok());
    if (s.after_success) s.after_success(db.get());
  }
  ASSERT_GT(n, s.min_ops) << "the operation does too little file I/O to crash in";
  int completed = 0;
  for (int k : ::strata::testing::CrashPoints(n)) {
    SCOPED_TRACE("crash at mutating op " + std::to_string(k) + " of " + std::to_string(n));
    TempDir dir;
    const std::string root = dir.Join("db");
    ASSERT_OK(init(root));
    FaultInjectionFileSystem fs(DefaultFileSystem());
    std::vector<RecordBatch> appended;
    {
      ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, TestOptions(&fs)));
      s.setup(db.get(), &appended);
      fs.ResetCounters();
      fs.CrashAtOp(k);
      if (s.run(db.get()).ok()) ++completed;  // a crash in a best-effort step (a last delete) may go unseen
    }                                         // the process "dies": nothing after the crash reaches the disk
    ASSERT_OK(fs.DropUnsyncedData());
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, TestOptions(&fs)));
    ASSERT_TRUE(SameRows(ScanAll(db.get()), Expected(appended)));
    ASSERT_OK_AND_ASSIGN(VerifyReport report, db->Verify({}));
    for (const VerifyProblem& p : report.problems) ADD_FAILURE() << p.kind << " " << p.uri << ": " << p.detail;
    // Every crash leftover is provably redundant (deleted), none is kept as doubtful.
    EXPECT_FALSE(std::filesystem::exists(root + "/quarantine")) << "a crash leftover was quarantined";
    if (s.after_crash) s.after_crash(db.get(), appended);
  }
  if (s.a_crash_shows) {
    EXPECT_LT(completed, n);
  }
}

}  // namespace strata::testing
