// Replicas by log shipping (`strata replica`, src/backup/replica.h): two roots on this machine,
// the primary written by real `strata` processes (and one forked writer that is killed with
// SIGKILL), the replica a real `strata replica` process following a backup destination and the
// WAL archive.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "strata/database.h"
#include "testutil/cli_roots.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;

class ReplicaCliTest : public testing::CliRootsTest {
 protected:
  void SetUp() override {
    primary_ = dir_.Join("primary");
    replica_ = dir_.Join("replica");
    dest_ = dir_.Join("backups");
    archive_ = dir_.Join("archive");
    rows_ = testing::Sanitized() ? 30 : 60;
  }
  // `n` CSV files of rows_ trades each, distinct rows (one generated file split).
  std::vector<std::string> Chunks(int n) { return GeneratedChunks(n, rows_, dir_.Join("gen")); }
  void InitPrimary() {
    Ok(primary_, "init --fsync none --wal-archive " + archive_);
    Ok(primary_, "table create trades --template trades");
  }
  // The archived segment files, oldest first.
  std::vector<std::string> ArchivedSegments() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(archive_ + "/wal")) {
      if (e.path().extension() == ".seg") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string primary_, replica_, dest_, archive_;
  int rows_ = 60;
};

// Ingest on the primary and `archive push`; the running replica ships the new segments, answers
// queries meanwhile, refuses writers, and ends row-for-row equal to the primary.
TEST_F(ReplicaCliTest, ConvergesRowForRowAndServesReadsWhileFollowing) {
  InitPrimary();
  const std::vector<std::string> chunks = Chunks(4);
  Ok(primary_, "ingest trades " + chunks[0]);
  Ok(primary_, "backup create " + dest_);
  testing::StrataProcess follower("--root " + replica_ + " replica --from " + dest_ + " --interval-ms 20");
  ASSERT_TRUE(follower.WaitForLine("at LSN")) << "the replica did not start";
  EXPECT_EQ(Rows(replica_), Rows(primary_));  // the backup, restored

  for (int k = 1; k < 4; ++k) {
    Ok(primary_, "ingest trades " + chunks[k]);
    if (k == 2) Ok(primary_, "flush");    // flushed rows reach the replica through the log too
    Ok(primary_, "archive push --seal");  // no writer holds the primary: the newest is sealed
    const uint64_t lsn = LastLsn(primary_);
    ASSERT_TRUE(follower.WaitForLine("at LSN " + std::to_string(lsn) + ","))
        << "waiting for LSN " << lsn << "; the replica printed:\n"
        << ::testing::PrintToString(follower.lines());
    // A read while the replica keeps following: every shipped row, and a note with the lag.
    CliRun q = At(replica_, "query trades --format csv");
    ASSERT_EQ(q.exit_code, 0) << q.err;
    EXPECT_EQ(SortedLines(q.out), Rows(primary_)) << "after chunk " << k;
    EXPECT_NE(q.err.find("read-only replica of " + dest_), std::string::npos) << q.err;
  }
  EXPECT_EQ(Rows(replica_).size(), static_cast<size_t>(4 * rows_ + 1));  // the header line too

  // Writers are refused, saying what the root is and how to promote it.
  CliRun w = At(replica_, "ingest trades " + chunks[0]);
  EXPECT_NE(w.exit_code, 0);
  EXPECT_NE(w.err.find("is a read-only replica of " + dest_), std::string::npos) << w.err;
  EXPECT_NE(w.err.find("strata replica promote --root " + replica_), std::string::npos) << w.err;

  CliRun st = At(replica_, "replica status");
  ASSERT_EQ(st.exit_code, 0) << st.err;
  const std::string lsn = std::to_string(LastLsn(primary_));
  EXPECT_NE(st.out.find("applied LSN:   " + lsn), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("source LSN:    " + lsn + " (the archive's newest, listed now)"), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("lag:           0 LSN(s)"), std::string::npos) << st.out;

  // Promotion is refused while the replica process follows into the root.
  for (const char* help : {"replica --help", "replica promote --help", "archive push --help"}) {
    CliRun h = At(replica_, help);
    EXPECT_EQ(h.exit_code, 0) << help;
    EXPECT_NE(h.out.find("Example"), std::string::npos) << help << ":\n" << h.out;
  }

  CliRun busy = At(replica_, "replica promote");
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_NE(busy.err.find("still follows into"), std::string::npos) << busy.err;
  follower.Stop();
  Ok(replica_, "verify");
}

// A writer of the primary is killed with SIGKILL; promotion is refused while it holds the
// primary's lock, then the replica is promoted, holds every archived row and takes writes.
TEST_F(ReplicaCliTest, PromotedAfterThePrimaryIsKilledHoldsEveryArchivedRow) {
  InitPrimary();
  const std::vector<std::string> chunks = Chunks(3);
  Ok(primary_, "ingest trades " + chunks[0]);
  Ok(primary_, "backup create " + dest_);
  Ok(replica_, "replica --from " + dest_ + " --once");
  Ok(primary_, "ingest trades " + chunks[1]);

  // A writer process on the primary: appends, says so, and waits to be killed.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t writer = ::fork();
  if (writer == 0) {
    ::close(fds[0]);
    Options o;
    o.fsync = "none";
    o.background_flush = false;
    auto db = Database::Open(primary_, o);
    if (!db.ok()) ::_exit(2);
    if (!(*db)->Append("trades", testing::MakeTrades(25, 2, 1'900'000'000'000'000'000, 7)).ok()) ::_exit(3);
    if (::write(fds[1], "k", 1) != 1) ::_exit(4);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  char c = 0;
  ASSERT_EQ(::read(fds[0], &c, 1), 1) << "the writer failed";
  ::close(fds[0]);

  // While the writer holds the primary, its segment may still grow: --seal leaves it alone.
  Ok(primary_, "archive push --seal");
  Ok(replica_, "replica --from " + dest_ + " --once");
  EXPECT_EQ(Rows(replica_).size(), static_cast<size_t>(2 * rows_ + 1));

  CliRun refused = At(replica_, "replica promote");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("the primary " + primary_ + " is still open for writing"), std::string::npos)
      << refused.err;
  CliRun still = At(replica_, "ingest trades " + chunks[2]);
  EXPECT_NE(still.exit_code, 0) << "not promoted: still a replica";

  ::kill(writer, SIGKILL);
  ::waitpid(writer, nullptr, 0);
  Ok(primary_, "archive push --seal");  // what the killed writer acknowledged is archived
  const std::vector<std::string> archived = Rows(primary_);
  ASSERT_EQ(archived.size(), static_cast<size_t>(2 * rows_ + 25 + 1));

  CliRun promoted = At(replica_, "replica promote");
  ASSERT_EQ(promoted.exit_code, 0) << promoted.out << promoted.err;
  EXPECT_NE(promoted.out.find("holds no writer lock"), std::string::npos) << promoted.out;
  EXPECT_EQ(Rows(replica_), archived);
  Ok(replica_, "ingest trades " + chunks[2]);  // a writable primary now
  EXPECT_EQ(Rows(replica_).size(), archived.size() + rows_);
  CliRun st = At(replica_, "replica status");
  EXPECT_NE(st.exit_code, 0);
  EXPECT_NE(st.err.find("is not a replica"), std::string::npos) << st.err;
  Ok(replica_, "verify");
}

// A corrupt archived segment stops the replica with an error naming it; the replica keeps the
// segments before it and stays readable. A primary that is not on this machine needs --force.
TEST_F(ReplicaCliTest, ACorruptArchivedSegmentStopsTheReplicaWhichKeepsWhatItHas) {
  InitPrimary();
  const std::vector<std::string> chunks = Chunks(3);
  Ok(primary_, "ingest trades " + chunks[0]);
  Ok(primary_, "backup create " + dest_);
  Ok(replica_, "replica --from " + dest_ + " --once");
  Ok(primary_, "ingest trades " + chunks[1]);
  Ok(primary_, "archive push --seal");
  const std::vector<std::string> good = Rows(primary_);
  const uint64_t good_lsn = LastLsn(primary_);
  Ok(primary_, "ingest trades " + chunks[2]);
  Ok(primary_, "archive push --seal");
  const std::vector<std::string> segments = ArchivedSegments();
  ASSERT_GE(segments.size(), 2u);  // the newest holds chunk 2's rows alone
  {                                // flip one byte in the middle of the newest archived segment
    std::fstream f(segments.back(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const std::streamoff mid = f.tellg() / 2;
    f.seekg(mid);
    char b = 0;
    f.read(&b, 1);
    b = static_cast<char>(b ^ 0x5a);
    f.seekp(mid);
    f.write(&b, 1);
  }
  CliRun r = At(replica_, "replica --from " + dest_ + " --once");
  EXPECT_EQ(r.exit_code, 1);
  const std::string name = std::filesystem::path(segments.back()).filename().string();
  EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is corrupt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("keeps what it has (up to LSN " + std::to_string(good_lsn) + ")"), std::string::npos) << r.err;
  EXPECT_EQ(Rows(replica_), good);  // the segment before the damaged one was applied
  CliRun st = At(replica_, "replica status");
  ASSERT_EQ(st.exit_code, 0) << st.err;
  EXPECT_NE(st.out.find("applied LSN:   " + std::to_string(good_lsn)), std::string::npos) << st.out;

  // The primary's root gone from this machine: strata cannot tell whether it runs.
  std::filesystem::rename(primary_, dir_.Join("primary-elsewhere"));
  CliRun cannot = At(replica_, "replica promote --no-catch-up");
  EXPECT_NE(cannot.exit_code, 0);
  EXPECT_NE(cannot.err.find("cannot tell whether the primary"), std::string::npos) << cannot.err;
  EXPECT_NE(cannot.err.find("--force"), std::string::npos) << cannot.err;
  Ok(replica_, "replica promote --no-catch-up --force");
  EXPECT_EQ(Rows(replica_), good);
  Ok(replica_, "ingest trades " + chunks[2]);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
