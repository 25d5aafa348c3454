// WAL archiving and point-in-time restore (src/backup/wal_archive.h): real processes for the
// database, in-process calls with a fault-injecting file system for crashes during archiving and
// restoring.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backup/wal_archive.h"
#include "catalog/layout.h"
#include "io/fault_injection_fs.h"
#include "io/sha256.h"
#include "lake_test_util.h"
#include "objstore/object_store.h"
#include "s3_suite_server.h"
#include "strata/timestamp.h"
#include "testutil/cli_roots.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"
#include "wal/wal_format.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

// Every file under `dir` with its SHA-256: what a failed restore must leave as it was.
std::map<std::string, std::string> TreeDigest(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const std::string& path : testing::FilesUnder(dir)) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    out[path] = Sha256Hex(bytes.str());
  }
  return out;
}

class PitrTest : public testing::CliRootsTest {
 protected:
  void SetUp() override {
    root_ = dir_.Join("db");
    dest_ = dir_.Join("backups");
    archive_ = dir_.Join("archive");
  }
  CliRun Strata(const std::string& args) { return At(root_, args); }
  // `n` CSV files of `rows` trades each (one generated file split; a header on each).
  std::vector<std::string> Chunks(int n, int rows) { return GeneratedChunks(n, rows, root_); }
  size_t WalSegments(const std::string& root) { return testing::FilesUnder(layout::WalDir(root)).size(); }

  std::string root_, dest_, archive_;
};

// Random LSN and time targets across flushes, a tier migration and two backups: each restore
// holds exactly the rows acknowledged up to its target and passes `strata verify`.
TEST_F(PitrTest, RandomTargetsAcrossFlushesAndMigrations) {
  const int steps = testing::Sanitized() ? 4 : 6;
  const int restores = testing::Sanitized() ? 2 : 4;
  Ok(root_, "init --fsync none --wal-archive " + archive_);
  Ok(root_, "table create trades --template trades");
  const std::vector<std::string> chunks = Chunks(steps + 1, 40);
  Ok(root_, "backup create " + dest_);
  std::vector<uint64_t> lsn(steps);
  std::vector<int64_t> before(steps + 1), after(steps + 1);
  std::vector<std::vector<std::string>> want(steps);
  for (int k = 0; k <= steps; ++k) {
    before[k] = WallClockNs();
    Ok(root_, "ingest trades " + chunks[k]);
    after[k] = WallClockNs();
    if (k == steps) break;  // seals the last target's segment
    lsn[k] = LastLsn(root_);
    want[k] = Rows(root_);
    if (k == 1) Ok(root_, "flush");
    if (k == 2) {
      Ok(root_, "migrate --all --table trades");
      Ok(root_, "backup create " + dest_);
    }
    if (k == 3) {
      Ok(root_, "archive push");
      Ok(root_, "flush");
    }
  }
  Ok(root_, "archive push");
  // PITR_SEED=N reruns one seed.
  const char* forced = std::getenv("PITR_SEED");
  const unsigned seed = forced ? static_cast<unsigned>(std::stoul(forced)) : static_cast<unsigned>(WallClockNs());
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int i = 0; i < restores; ++i) {
    const int k = static_cast<int>(rng() % steps);
    const bool by_time = (i % 2) == 1;
    const std::string target = dir_.Join("restored" + std::to_string(i));
    // A time between the acknowledgement of step k and the start of step k + 1.
    const int64_t t = after[k] + (before[k + 1] - after[k]) / 2;
    const std::string how = by_time ? "--to-time " + FormatTimestamp(t) : "--to-lsn " + std::to_string(lsn[k]);
    SCOPED_TRACE("step " + std::to_string(k) + " " + how);
    CliRun r = Strata("restore " + dest_ + " --target " + target + " " + how);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("up to WAL LSN"), std::string::npos) << r.out;
    EXPECT_EQ(Rows(target), want[k]);
    CliRun v = At(target, "verify");
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }
  // A target before every backup's flushed rows is refused by name; so is one past the archive.
  CliRun far = Strata("restore " + dest_ + " --target " + dir_.Join("far") + " --to-lsn 999999");
  EXPECT_NE(far.exit_code, 0);
  EXPECT_NE(far.err.find("not the target LSN 999999"), std::string::npos) << far.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("far/catalog.db")));
}

// With an archive set, a flush deletes only archived segments; `archive push` archives the sealed
// ones (not the newest), `stats` and `archive show` report the lag.
TEST_F(PitrTest, FlushKeepsUnarchivedSegments) {
  Ok(root_, "init --fsync none --wal-archive " + archive_);
  Ok(root_, "table create trades --template trades");
  const std::vector<std::string> chunks = Chunks(2, 20);
  for (const std::string& c : chunks) Ok(root_, "ingest trades " + c);
  ASSERT_EQ(WalSegments(root_), 3u);  // the table's create record, then each ingest's rows
  Ok(root_, "flush");
  EXPECT_EQ(WalSegments(root_), 3u) << "a flush deleted a segment that was never archived";
  CliRun s = Strata("stats");
  EXPECT_NE(s.out.find("not archived yet: 3 segment(s)"), std::string::npos) << s.out;
  CliRun p = Strata("archive push");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("archived 2 segment(s)"), std::string::npos) << p.out;
  Ok(root_, "flush");
  EXPECT_EQ(WalSegments(root_), 1u);
  CliRun show = Strata("archive show");
  EXPECT_NE(show.out.find("not archived yet: 1 segment(s)"), std::string::npos) << show.out;
  Ok(root_, "archive off");
  CliRun off = Strata("archive push");
  EXPECT_NE(off.exit_code, 0);
  EXPECT_NE(off.err.find("strata archive set URI"), std::string::npos) << off.err;
}

// A corrupt or missing archived segment is named, and nothing is restored.
TEST_F(PitrTest, MissingOrCorruptArchivedSegmentIsNamed) {
  Ok(root_, "init --fsync none --wal-archive " + archive_);
  Ok(root_, "table create trades --template trades");
  Ok(root_, "backup create " + dest_);
  const std::vector<std::string> chunks = Chunks(4, 20);
  std::vector<std::string> first_rows;
  uint64_t first_lsn = 0;
  for (const std::string& c : chunks) {
    Ok(root_, "ingest trades " + c);
    if (first_rows.empty()) {
      first_rows = Rows(root_);
      first_lsn = LastLsn(root_);
    }
  }
  Ok(root_, "archive push");
  const uint64_t last = LastLsn(root_);
  std::vector<std::string> segs = testing::FilesUnder(archive_ + "/wal");
  std::sort(segs.begin(), segs.end());
  ASSERT_EQ(segs.size(), 4u);  // the table's create record's, then three ingests'
  const std::string middle = segs[2];
  CliRun v = Strata("archive verify");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("4 segment(s)"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("all whole"), std::string::npos) << v.out;
  {
    std::fstream f(middle, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x7f');
  }
  // `archive verify` names the damaged segment (the archive given by URI here).
  v = At(root_, "archive verify " + archive_);
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.out.find("PROBLEM: " + archive_), std::string::npos) << v.out;
  EXPECT_NE(v.out.find(std::filesystem::path(middle).filename().string() + " is corrupt"), std::string::npos) << v.out;
  const auto archive_before = TreeDigest(archive_), backups_before = TreeDigest(dest_);
  const std::string target = dir_.Join("r1");
  CliRun r = Strata("restore " + dest_ + " --target " + target + " --to-lsn " + std::to_string(last - 1));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(std::filesystem::path(middle).filename().string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is corrupt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was restored"), std::string::npos) << r.err;
  // A failed restore changes nothing: no target left behind, the archive and backups as they were.
  EXPECT_FALSE(std::filesystem::exists(target)) << "a failed restore left " << target;
  EXPECT_EQ(TreeDigest(archive_), archive_before);
  EXPECT_EQ(TreeDigest(dest_), backups_before);
  // An empty directory given as the target stays, empty.
  std::filesystem::create_directories(target);
  r = Strata("restore " + dest_ + " --target " + target + " --to-lsn " + std::to_string(last - 1));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(std::filesystem::is_empty(target));
  std::filesystem::remove(middle);
  // A gap in the archive (a segment lost): named by the LSNs it held.
  const auto gap = backup::ParseArchiveSegmentKey("wal/" + std::filesystem::path(middle).filename().string());
  ASSERT_TRUE(gap.has_value());
  v = Strata("archive verify");
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.out.find("no archived segment holds LSN " + std::to_string(gap->first_lsn) + ".." +
                       std::to_string(gap->last_lsn)),
            std::string::npos)
      << v.out;
  r = Strata("restore " + dest_ + " --target " + dir_.Join("r2") + " --to-lsn " + std::to_string(last - 1));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(
      r.err.find("has no segment holding LSN " + std::to_string(gap->first_lsn) + ".." + std::to_string(gap->last_lsn)),
      std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("r2")));
  // The restore before the hole still works.
  r = Strata("restore " + dest_ + " --target " + dir_.Join("r3") + " --to-lsn " + std::to_string(first_lsn));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Rows(dir_.Join("r3")), first_rows);
}

// Every LSN from 1 to the newest local segment's start is in a whole archived segment or a
// local one: nothing was deleted unarchived.
void ExpectLogCovered(const std::string& root, const std::string& archive) {
  FileSystem* fs = DefaultFileSystem();
  std::vector<std::pair<uint64_t, uint64_t>> have;  // [first, last]
  auto store = OpenObjectStore(archive, fs);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto listed = (*store)->List("wal/");
  ASSERT_TRUE(listed.ok());
  for (const ObjectInfo& o : *listed) {
    auto a = backup::ParseArchiveSegmentKey(o.key);
    if (!a) continue;
    auto bytes = (*store)->Get(o.key);
    ASSERT_TRUE(bytes.ok());
    if (Sha256Hex(*bytes) != a->sha256) continue;  // a torn copy the catalog never recorded
    have.push_back({a->first_lsn, a->last_lsn});
  }
  auto local = wal_internal::ListSegments(fs, layout::WalDir(root));
  ASSERT_TRUE(local.ok());
  uint64_t newest_first = 1;
  std::vector<uint64_t> firsts;
  for (const auto& s : *local) {
    auto bytes = fs->ReadFile(s.path);
    ASSERT_TRUE(bytes.ok());
    auto h = wal_internal::DecodeSegmentHeader(*bytes);
    ASSERT_TRUE(h.ok());
    firsts.push_back(h->first_lsn);
  }
  for (size_t i = 0; i < firsts.size(); ++i) {
    have.push_back({firsts[i], i + 1 < firsts.size() ? firsts[i + 1] - 1 : UINT64_MAX});
    newest_first = firsts[i];
  }
  std::sort(have.begin(), have.end());
  uint64_t next = 1;
  for (const auto& [first, last] : have) {
    if (first > next) break;
    next = std::max(next, last == UINT64_MAX ? last : last + 1);
  }
  EXPECT_GE(next, newest_first) << "LSN " << next << " is neither archived nor in wal/";
}

// A crash at every file operation of `archive push` (then power loss): the catalog never records
// a segment whose archived copy is not whole, and a flush afterwards deletes nothing unarchived.
TEST_F(PitrTest, CrashDuringArchivingLeavesNoSegmentDeletedUnarchived) {
  const std::string tmpl = dir_.Join("template");
  Ok(tmpl, "init --fsync none --wal-archive " + archive_);
  Ok(tmpl, "table create trades --template trades");
  root_ = tmpl;
  const std::vector<std::string> chunks = Chunks(3, 10);
  for (const std::string& c : chunks) Ok(tmpl, "ingest trades " + c);
  const int step = testing::Sanitized() ? 3 : 1;
  bool finished = false;
  for (int k = 1; k < 200 && !finished; k += step) {
    SCOPED_TRACE("crash at op " + std::to_string(k));
    const std::string root = dir_.Join("db" + std::to_string(k));
    const std::string archive = dir_.Join("archive" + std::to_string(k));
    std::filesystem::copy(tmpl, root, std::filesystem::copy_options::recursive);
    ASSERT_TRUE(backup::SetWalArchive(DefaultFileSystem(), root, archive).ok());
    {
      FaultInjectionFileSystem fault(DefaultFileSystem());
      fault.CrashAtOp(k);
      auto r = backup::ArchiveWal(&fault, root, {});
      finished = r.ok() && !fault.crashed();
      ASSERT_TRUE(fault.DropUnsyncedData().ok());
    }
    // What the catalog counts as archived is whole there.
    auto lag = backup::GetArchiveLag(DefaultFileSystem(), root);
    ASSERT_TRUE(lag.ok());
    auto store = OpenObjectStore(archive, DefaultFileSystem());
    ASSERT_TRUE(store.ok());
    auto listed = (*store)->List("wal/");
    ASSERT_TRUE(listed.ok());
    uint64_t whole_to = 0;
    for (const ObjectInfo& o : *listed) {
      auto a = backup::ParseArchiveSegmentKey(o.key);
      if (!a) continue;
      auto bytes = (*store)->Get(o.key);
      ASSERT_TRUE(bytes.ok());
      if (Sha256Hex(*bytes) == a->sha256) whole_to = std::max(whole_to, a->last_lsn);
    }
    EXPECT_LE(lag->archived_lsn, whole_to) << "the catalog records a segment the archive does not hold whole";
    Ok(root, "flush");
    ExpectLogCovered(root, archive);
  }
  EXPECT_TRUE(finished);
}

// A crash at file operations of a point-in-time restore (then power loss): the target never
// opens as a database half restored, and a rerun completes it with exactly the target's rows.
TEST_F(PitrTest, CrashDuringRestoreThenRerunCompletes) {
  Ok(root_, "init --fsync none --wal-archive " + archive_);
  Ok(root_, "table create trades --template trades");
  Ok(root_, "backup create " + dest_);
  const std::vector<std::string> chunks = Chunks(3, 10);
  Ok(root_, "ingest trades " + chunks[0]);
  const uint64_t lsn = LastLsn(root_);
  const std::vector<std::string> want = Rows(root_);
  Ok(root_, "flush");
  Ok(root_, "ingest trades " + chunks[1]);
  Ok(root_, "ingest trades " + chunks[2]);
  Ok(root_, "archive push");
  backup::PointInTimeOptions po;
  po.dest = dest_;
  po.to_lsn = lsn;
  const int step = testing::Sanitized() ? 7 : 3;
  bool finished = false;
  for (int k = 1; k < 400 && !finished; k += step) {
    SCOPED_TRACE("crash at op " + std::to_string(k));
    po.target = dir_.Join("restored" + std::to_string(k));
    {
      FaultInjectionFileSystem fault(DefaultFileSystem());
      fault.CrashAtOp(k);
      auto r = backup::RestoreToPoint(&fault, po);
      finished = r.ok() && !fault.crashed();
      ASSERT_TRUE(fault.DropUnsyncedData().ok());
    }
    // Never a half restore that opens: a catalog in place means every file is there.
    if (!finished && std::filesystem::exists(po.target + "/catalog.db")) {
      EXPECT_EQ(Rows(po.target), want);
    }
    if (!finished) {
      auto again = backup::RestoreToPoint(DefaultFileSystem(), po);
      ASSERT_TRUE(again.ok()) << again.status().ToString();
    }
    EXPECT_EQ(Rows(po.target), want);
  }
  EXPECT_TRUE(finished);
}

// `archive prune --keep-for DEST` deletes only segments that no backup in DEST can need: every
// target from the oldest kept backup on still restores exactly; older ones are refused by name.
TEST_F(PitrTest, ArchivePruneKeepsWhatBackupsNeed) {
  Ok(root_, "init --fsync none --wal-archive " + archive_);
  Ok(root_, "table create trades --template trades");
  CliRun none = Strata("archive prune --keep-for " + dest_);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("holds no backup"), std::string::npos) << none.err;
  Ok(root_, "backup create " + dest_);
  const std::vector<std::string> chunks = Chunks(5, 10);
  std::vector<uint64_t> lsn;
  std::vector<std::vector<std::string>> want;
  for (int k = 0; k < 5; ++k) {
    Ok(root_, "ingest trades " + chunks[k]);
    lsn.push_back(LastLsn(root_));
    want.push_back(Rows(root_));
    if (k == 2) {
      Ok(root_, "archive push");
      Ok(root_, "flush");
      Ok(root_, "backup create " + dest_);
    }
  }
  Ok(root_, "archive push");
  const size_t archived = testing::FilesUnder(archive_ + "/wal").size();
  ASSERT_EQ(archived, 5u);  // the segment of the table's create record, then four ingests' segments
  // With the first backup (flushed LSN 0) still kept, nothing goes.
  CliRun p = Strata("archive prune --keep-for " + dest_);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("deleted 0 archived segment(s)"), std::string::npos) << p.out;
  Ok(root_, "backup prune " + dest_ + " --keep-last 1");
  // The kept backup's flushed LSN bounds both what prune may delete and the targets it serves.
  CliRun list = Strata("backup list " + dest_);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("flushed"), std::string::npos) << list.out;
  {
    std::istringstream lines(list.out);
    std::string header, row, id, day, wal_lsn, flushed;
    std::getline(lines, header);
    std::getline(lines, row);
    std::istringstream(row) >> id >> day >> wal_lsn >> flushed;
    flushed.erase(std::remove(flushed.begin(), flushed.end(), ','), flushed.end());
    EXPECT_EQ(flushed, std::to_string(lsn[2])) << list.out;
  }
  p = Strata("archive prune --keep-for " + dest_);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("deleted 4 archived segment(s)"), std::string::npos) << p.out;
  EXPECT_EQ(testing::FilesUnder(archive_ + "/wal").size(), archived - 4);
  CliRun v = Strata("archive verify");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  for (int k : {2, 3}) {
    const std::string target = dir_.Join("after" + std::to_string(k));
    CliRun r = Strata("restore " + dest_ + " --target " + target + " --to-lsn " + std::to_string(lsn[k]));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(Rows(target), want[k]);
  }
  CliRun old = Strata("restore " + dest_ + " --target " + dir_.Join("before") + " --to-lsn " + std::to_string(lsn[0]));
  EXPECT_NE(old.exit_code, 0);
  EXPECT_NE(old.err.find("lies before the target"), std::string::npos) << old.err;
}

TEST_F(PitrTest, SchedulesRunFromMaintain) {
  Ok(root_, "init --fsync none --wal-archive " + archive_);
  Ok(root_, "table create trades --template trades");
  const std::vector<std::string> chunks = Chunks(2, 10);
  for (const std::string& c : chunks) Ok(root_, "ingest trades " + c);
  Ok(root_, "backup schedule add --job wal-archive --every 5m");
  Ok(root_, "backup schedule add --job backup --every 1h --dest " + dest_);
  Ok(root_, "backup schedule add --job verify --every 1d --dest " + dest_);
  CliRun bad = Strata("backup schedule add --job backup --every 1h");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("needs --dest"), std::string::npos) << bad.err;
  CliRun m = Strata("maintain");
  ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
  EXPECT_NE(m.out.find("(wal-archive): 2 segment(s) archived"), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("(backup " + dest_ + "): backup "), std::string::npos) << m.out;
  EXPECT_NE(m.out.find("all whole"), std::string::npos) << m.out;
  // Nothing is due on a second pass.
  m = Strata("maintain");
  EXPECT_EQ(m.out.find("schedule "), std::string::npos) << m.out;
  CliRun list = Strata("backup schedule list");
  EXPECT_NE(list.out.find("ok"), std::string::npos) << list.out;
  Ok(root_, "backup schedule remove 1");
  CliRun gone = Strata("backup schedule remove 1");
  EXPECT_NE(gone.exit_code, 0);
}

// The archive and the backups in S3 (a local S3-compatible server, the AWS_* variables a user's
// shell would set): a point-in-time restore from there is exact, and `archive verify` and
// `archive prune` work on the bucket.
class PitrS3Test : public PitrTest {
 protected:
  static void SetUpTestSuite() { s3_.Start(); }
  static void TearDownTestSuite() { s3_.Stop(); }
  static testing::SuiteS3Server s3_;
};
testing::SuiteS3Server PitrS3Test::s3_;

TEST_F(PitrS3Test, RestoreToLsnFromS3) {
  std::string bucket;
  s3_.NewBucket("pitr", &bucket);
  ASSERT_FALSE(HasFatalFailure());
  const std::string archive = "s3://" + bucket + "/wal-archive", dest = "s3://" + bucket + "/backups";
  Ok(root_, "init --fsync none --wal-archive " + archive);
  Ok(root_, "table create trades --template trades");
  Ok(root_, "backup create " + dest);
  const std::vector<std::string> chunks = Chunks(4, 10);
  std::vector<uint64_t> lsn;
  std::vector<std::vector<std::string>> want;
  for (const std::string& c : chunks) {
    Ok(root_, "ingest trades " + c);
    lsn.push_back(LastLsn(root_));
    want.push_back(Rows(root_));
    if (lsn.size() == 2) Ok(root_, "flush");  // keeps the unarchived segments
  }
  Ok(root_, "archive push");
  CliRun v = Strata("archive verify");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("4 segment(s)"), std::string::npos) << v.out;  // with the create record's
  const std::string target = dir_.Join("from-s3");
  CliRun r = Strata("restore " + dest + " --target " + target + " --to-lsn " + std::to_string(lsn[2]));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Rows(target), want[2]);
  CliRun ok = At(target, "verify");
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  // Past the archive (the newest segment is not sealed yet): refused, nothing left behind.
  r = Strata("restore " + dest + " --target " + dir_.Join("past") + " --to-lsn " + std::to_string(lsn[3]));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("strata archive push"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("past")));
  // The only backup has flushed LSN 0: nothing may go.
  CliRun p = Strata("archive prune --keep-for " + dest);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("deleted 0 archived segment(s)"), std::string::npos) << p.out;
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
