#include <gtest/gtest.h>
#include <sys/mman.h>

#include <map>
#include <set>
#include <thread>

#include "wal/wal.h"
#include "wal/wal_test_util.h"

namespace strata {
namespace {

using wal_test::FaultyFileSystem;
using wal_test::ReadAll;
using wal_test::Record;
using wal_test::WaitUntil;

// "t<thread>-<i>", built by appending (GCC 12 misreports -Wrestrict on chained operator+).
std::string PayloadOf(int thread, int i) {
  std::string s = "t";
  s.append(std::to_string(thread)).append("-").append(std::to_string(i));
  return s;
}

class WalWriterTest : public ::testing::Test {
 protected:
  WalOptions Options(std::string_view policy = "none", uint64_t segment_bytes = 64ull << 20) {
    WalOptions o;
    o.fs = &fs_;
    o.dir = dir_;
    auto p = SyncPolicy::Parse(policy);
    EXPECT_TRUE(p.ok());
    o.sync = *p;
    o.segment_bytes = segment_bytes;
    return o;
  }

  std::vector<std::string> Names() {
    auto names = DefaultFileSystem()->ListDir(dir_);
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    return names.ok() ? *names : std::vector<std::string>{};
  }

  uint64_t DirBytes() {
    uint64_t total = 0;
    for (const std::string& n : Names()) total += *DefaultFileSystem()->FileSize(JoinPath(dir_, n));
    return total;
  }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.Join("wal");
  FaultyFileSystem fs_;
};

TEST_F(WalWriterTest, RoundTripsManyRecordsOverSeveralSegments) {
  std::vector<Record> expect = wal_test::MakeRecords(1, 2000);
  expect[5].payload.clear();  // empty payloads are records too
  {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none", 4096), 1));
    for (const Record& r : expect) {
      ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append(r.payload));
      ASSERT_EQ(lsn, r.lsn);
    }
    EXPECT_EQ(w->last_lsn(), 2000u);
    ASSERT_OK(w->Close());
    EXPECT_EQ(w->synced_lsn(), 2000u);
    EXPECT_EQ(w->bytes_written(), DirBytes());
  }
  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, true));
  EXPECT_EQ(read.second, expect);
  EXPECT_EQ(read.first.last_lsn, 2000u);
  EXPECT_EQ(read.first.records, 2000u);
  EXPECT_GT(read.first.segments, 10u);
  EXPECT_EQ(read.first.bytes, DirBytes());
  EXPECT_TRUE(read.first.warnings.empty());
  // No segment grew past the limit (each record is far smaller than a segment).
  for (const std::string& n : Names()) {
    EXPECT_LE(*DefaultFileSystem()->FileSize(JoinPath(dir_, n)), 4096u) << n;
  }
}

TEST_F(WalWriterTest, ReopenAfterRecoveryContinuesLsnsInANewSegment) {
  {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), 1));
    for (int i = 0; i < 100; ++i) ASSERT_OK(w->Append("first run " + std::to_string(i)));
  }  // the destructor closes
  ASSERT_OK_AND_ASSIGN(auto first, ReadAll(dir_, true));
  EXPECT_EQ(first.first.last_lsn, 100u);
  {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), first.first.last_lsn + 1));
    ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append("second run"));
    EXPECT_EQ(lsn, 101u);
    ASSERT_OK(w->Close());
  }
  EXPECT_TRUE(*DefaultFileSystem()->Exists(wal_test::SegPath(dir_, 2)));
  ASSERT_OK_AND_ASSIGN(auto all, ReadAll(dir_, true, 99));
  ASSERT_EQ(all.second.size(), 2u);
  EXPECT_EQ(all.second[0], (Record{100, "first run 99"}));
  EXPECT_EQ(all.second[1], (Record{101, "second run"}));
  EXPECT_EQ(all.first.segments, 2u);

  // A writer that opens and closes without appending adds no segment (its first append would
  // create it), however often that happens.
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(i == 1 ? "interval=5" : "always"), 102));
    EXPECT_EQ(w->last_lsn(), 101u);
    ASSERT_OK(w->Sync());
    ASSERT_OK(w->RemoveSegmentsUpTo(101));  // the newest existing segment still says where LSNs are
    ASSERT_OK(w->Close());
  }
  EXPECT_FALSE(*DefaultFileSystem()->Exists(wal_test::SegPath(dir_, 3)));
  ASSERT_OK_AND_ASSIGN(auto again, ReadAll(dir_, true));
  EXPECT_EQ(again.first.segments, 1u);  // segment 1 went: segment 2 holds LSNs from 101 on
  EXPECT_EQ(again.first.last_lsn, 101u);
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), 102));
  ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append("third run"));
  EXPECT_EQ(lsn, 102u);
  ASSERT_OK(w->Close());
  EXPECT_TRUE(*DefaultFileSystem()->Exists(wal_test::SegPath(dir_, 3)));
  ASSERT_OK_AND_ASSIGN(auto third, ReadAll(dir_, true, 100));
  EXPECT_EQ(third.second, (std::vector<Record>{{101, "second run"}, {102, "third run"}}));
}

// A writer told to start above the log's end marks its segment so that readers accept the gap.
TEST_F(WalWriterTest, OpenAfterGapMarksTheNewSegment) {
  {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), 1));
    for (int i = 0; i < 5; ++i) ASSERT_OK(w->Append("before " + std::to_string(i)));
    ASSERT_OK(w->Close());
  }
  {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), 20, /*after_gap=*/true));
    ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append("after"));
    EXPECT_EQ(lsn, 20u);
    ASSERT_OK(w->Close());
  }
  ASSERT_OK_AND_ASSIGN(auto all, ReadAll(dir_, true, 3));
  EXPECT_EQ(all.second, (std::vector<Record>{{4, "before 3"}, {5, "before 4"}, {20, "after"}}));
  EXPECT_EQ(all.first.last_lsn, 20u);
  // Without the mark the same layout is corruption.
  {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), 30));
    ASSERT_OK(w->Append("unmarked"));
    ASSERT_OK(w->Close());
  }
  auto bad = ReadAll(dir_, true, 3);
  ASSERT_TRUE(bad.status().IsCorruption()) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("segment starts at LSN 30 but the previous segment ended at LSN 20 (gap)"),
            std::string::npos)
      << bad.status().ToString();
}

TEST_F(WalWriterTest, OpenRejectsBadArguments) {
  WalOptions o = Options();
  EXPECT_EQ(WalWriter::Open(o, 0).status().code(), StatusCode::kInvalidArgument);
  o.fs = nullptr;
  EXPECT_EQ(WalWriter::Open(o, 1).status().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.dir.clear();
  EXPECT_EQ(WalWriter::Open(o, 1).status().code(), StatusCode::kInvalidArgument);
  o = Options("interval=10");
  o.sync.interval_ms = 0;
  EXPECT_EQ(WalWriter::Open(o, 1).status().code(), StatusCode::kInvalidArgument);

  {
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), 50));
    ASSERT_OK(w->Append("fifty"));
  }
  auto r = WalWriter::Open(Options(), 10);  // would repeat LSNs 50..
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("0000000001.log already starts at LSN 50"), std::string::npos)
      << r.status().ToString();
}

TEST_F(WalWriterTest, OpenRefusesAnUnrecoveredSegment) {
  ASSERT_OK(DefaultFileSystem()->CreateDirs(dir_));
  testing::WriteTextFile(wal_test::SegPath(dir_, 1), "garbage that is no header");
  auto r = WalWriter::Open(Options(), 1);
  ASSERT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("0000000001.log offset 0: not a WAL segment"), std::string::npos)
      << r.status().ToString();
}

TEST_F(WalWriterTest, AppendManyAssignsConsecutiveLsns) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("always"), 7));
  ASSERT_OK_AND_ASSIGN(uint64_t last, w->AppendMany({"a", "bb", "", "dddd"}));
  EXPECT_EQ(last, 10u);
  ASSERT_OK_AND_ASSIGN(uint64_t same, w->AppendMany({}));
  EXPECT_EQ(same, 10u);
  ASSERT_OK_AND_ASSIGN(uint64_t next, w->Append("e"));
  EXPECT_EQ(next, 11u);
  EXPECT_EQ(w->synced_lsn(), 11u);
  ASSERT_OK(w->Close());
  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, true));
  EXPECT_EQ(read.second, (std::vector<Record>{{7, "a"}, {8, "bb"}, {9, ""}, {10, "dddd"}, {11, "e"}}));
}

TEST_F(WalWriterTest, OversizedPayloadIsRejectedWithoutPoisoning) {
  // Address space only: the writer must refuse by size before touching a byte.
  size_t huge = kMaxWalPayload + 1;
  void* p = mmap(nullptr, huge, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options(), 1));
  std::string_view big(static_cast<const char*>(p), huge);
  auto r = w->Append(big);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("exceeds the limit"), std::string::npos);
  EXPECT_EQ(w->AppendMany({"ok", big}).status().code(), StatusCode::kInvalidArgument);
  munmap(p, huge);
  ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append("still fine"));
  EXPECT_EQ(lsn, 1u);
}

TEST_F(WalWriterTest, CloseSyncsAndLaterAppendsFail) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none"), 1));
  ASSERT_OK(w->Append("x"));
  EXPECT_EQ(w->synced_lsn(), 0u);  // kNone never fsyncs on its own
  int syncs_before = fs_.syncs;
  ASSERT_OK(w->Close());
  EXPECT_GT(fs_.syncs, syncs_before);
  EXPECT_EQ(w->synced_lsn(), 1u);
  EXPECT_EQ(w->Append("y").status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK(w->Close());
  ASSERT_OK(w->Sync());
}

TEST_F(WalWriterTest, AlwaysPolicyFsyncsBeforeReturning) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("always"), 1));
  for (int i = 1; i <= 20; ++i) {
    int before = fs_.syncs;
    ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append("r"));
    EXPECT_EQ(w->synced_lsn(), lsn);
    EXPECT_EQ(fs_.syncs, before + 1);
  }
}

TEST_F(WalWriterTest, NonePolicySyncsOnlyWhenAsked) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none"), 1));
  int before = fs_.syncs;
  for (int i = 0; i < 20; ++i) ASSERT_OK(w->Append("r"));
  EXPECT_EQ(fs_.syncs, before);
  EXPECT_EQ(w->synced_lsn(), 0u);
  ASSERT_OK(w->Sync());
  EXPECT_EQ(w->synced_lsn(), 20u);
  EXPECT_EQ(fs_.syncs, before + 1);
  ASSERT_OK(w->Sync());  // nothing new: no fsync
  EXPECT_EQ(fs_.syncs, before + 1);
}

TEST_F(WalWriterTest, IntervalPolicySyncsInTheBackground) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("interval=2"), 1));
  for (int i = 0; i < 20; ++i) ASSERT_OK(w->Append("r"));
  EXPECT_EQ(w->last_lsn(), 20u);
  // Nobody calls Sync: the background thread must catch up by itself.
  EXPECT_TRUE(WaitUntil([&] { return w->synced_lsn() == 20; })) << "synced " << w->synced_lsn();
  EXPECT_GE(fs_.syncs, 1);
}

TEST_F(WalWriterTest, RemoveSegmentsUpToKeepsWhatIsNeeded) {
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none", 2048), 1));
  for (const Record& r : wal_test::MakeRecords(1, 600)) ASSERT_OK(w->Append(r.payload));
  ASSERT_OK(w->Sync());
  size_t segments_before = Names().size();
  ASSERT_GT(segments_before, 5u);

  ASSERT_OK(w->RemoveSegmentsUpTo(0));  // nothing flushed: nothing goes
  EXPECT_EQ(Names().size(), segments_before);

  ASSERT_OK(w->RemoveSegmentsUpTo(300));
  size_t segments_after = Names().size();
  EXPECT_LT(segments_after, segments_before);
  EXPECT_EQ(w->bytes_written(), DirBytes());
  // Everything after the flushed LSN is still there, starting no later than 301.
  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, false, 300));
  ASSERT_EQ(read.second.size(), 300u);
  EXPECT_EQ(read.second.front().lsn, 301u);
  ASSERT_OK_AND_ASSIGN(auto all, ReadAll(dir_, false, 0));
  EXPECT_LE(all.second.front().lsn, 301u);
  EXPECT_GT(all.second.front().lsn, 1u);

  // Even with everything flushed the active segment stays, and appends continue.
  ASSERT_OK(w->RemoveSegmentsUpTo(w->last_lsn()));
  EXPECT_EQ(Names().size(), 1u);
  ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append("after removal"));
  EXPECT_EQ(lsn, 601u);
  ASSERT_OK(w->Close());
  ASSERT_OK_AND_ASSIGN(auto tail, ReadAll(dir_, true, 600));
  EXPECT_EQ(tail.second, (std::vector<Record>{{601, "after removal"}}));
  EXPECT_EQ(w->bytes_written(), DirBytes());
}

TEST_F(WalWriterTest, ConcurrentAppendersGetDenseUniqueLsns) {
  constexpr int kThreads = 8, kPerThread = 2000;
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("interval=1", 64 << 10), 1));
  std::vector<std::vector<uint64_t>> lsns(kThreads);
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string payload = PayloadOf(t, i);
        auto r = (i % 10 == 9) ? w->AppendMany({payload}) : w->Append(payload);
        if (!r.ok()) {
          failed = true;
          return;
        }
        lsns[t].push_back(*r);
      }
    });
  }
  // Stats, syncs and removals run beside the appenders.
  std::thread side([&] {
    for (int i = 0; i < 50; ++i) {
      EXPECT_OK(w->Sync());
      EXPECT_LE(w->synced_lsn(), w->last_lsn());
      (void)w->bytes_written();
    }
  });
  for (auto& th : threads) th.join();
  side.join();
  ASSERT_FALSE(failed);
  ASSERT_OK(w->Close());

  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, true));
  ASSERT_EQ(read.second.size(), size_t{kThreads} * kPerThread);
  std::map<std::string, uint64_t> by_payload;
  for (size_t i = 0; i < read.second.size(); ++i) {
    ASSERT_EQ(read.second[i].lsn, i + 1);  // dense, in order
    ASSERT_TRUE(by_payload.emplace(read.second[i].payload, read.second[i].lsn).second) << "duplicate";
  }
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      auto it = by_payload.find(PayloadOf(t, i));
      ASSERT_NE(it, by_payload.end());
      ASSERT_EQ(it->second, lsns[t][i]) << "Append returned a different LSN than the log holds";
      if (i > 0) {
        ASSERT_GT(lsns[t][i], lsns[t][i - 1]);
      }
    }
  }
  EXPECT_GT(read.first.segments, 3u);
}

TEST_F(WalWriterTest, ReadOnlyReadersSeeAConsistentPrefixWhileAWriterAppends) {
  constexpr size_t kRecords = 3000;
  std::vector<Record> expect = wal_test::MakeRecords(1, kRecords);
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("none", 16 << 10), 1));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (const Record& r : expect) EXPECT_OK(w->Append(r.payload));
    done = true;
  });
  do {
    // A torn tail (a write in flight, a segment just created) must end the read quietly.
    auto r = ReadAll(dir_, false);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const std::vector<Record>& got = r->second;
    ASSERT_LE(got.size(), kRecords);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expect[i]);
  } while (!done);
  writer.join();
  ASSERT_OK(w->Close());
  ASSERT_OK_AND_ASSIGN(auto all, ReadAll(dir_, false));
  EXPECT_EQ(all.second, expect);
}

TEST_F(WalWriterTest, GroupCommitSharesOneFsyncAmongWaitingAppenders) {
  constexpr int kThreads = 8;
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("always"), 1));
  // Hold the first record's fsync until every other thread has queued its record behind it.
  std::atomic<bool> held{false};
  WalWriter* raw = w.get();
  fs_.before_sync = [&] {
    if (!held.exchange(true)) WaitUntil([&] { return raw->last_lsn() >= kThreads; });
  };
  int syncs_before = fs_.syncs;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      if (w->Append("x").ok()) ++ok;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, kThreads);
  EXPECT_EQ(w->synced_lsn(), uint64_t{kThreads});
  // The first leader's fsync plus one shared by the seven that queued behind it.
  EXPECT_EQ(fs_.syncs - syncs_before, 2);
  ASSERT_OK(w->Close());
  fs_.before_sync = nullptr;
}

TEST_F(WalWriterTest, ManyThreadsUnderAlwaysAreAllDurableOnReturn) {
  constexpr int kThreads = 8, kPerThread = 250;
  ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(Options("always", 256 << 10), 1));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = w->Append(std::string(100, 'z'));
        EXPECT_TRUE(r.ok());
        if (r.ok()) {
          EXPECT_GE(w->synced_lsn(), *r);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(w->synced_lsn(), uint64_t{kThreads * kPerThread});
  ASSERT_OK(w->Close());
  ASSERT_OK_AND_ASSIGN(auto read, ReadAll(dir_, true));
  EXPECT_EQ(read.second.size(), size_t{kThreads * kPerThread});
}

}  // namespace
}  // namespace strata
