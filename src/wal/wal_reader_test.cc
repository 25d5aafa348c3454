// Recovery: torn tails of every kind versus corruption, LSN continuity, reader options.
#include <gtest/gtest.h>

#include "wal/wal.h"
#include "wal/wal_test_util.h"

namespace strata {
namespace {

using wal_test::BuildSegment;
using wal_test::MakeRecords;
using wal_test::ReadAll;
using wal_test::Record;
using wal_test::SegPath;

class WalReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(DefaultFileSystem()->CreateDirs(dir_)); }

  void Write(uint64_t seq, const std::string& bytes) { testing::WriteTextFile(SegPath(dir_, seq), bytes); }
  std::string Read(uint64_t seq) { return testing::ReadTextFile(SegPath(dir_, seq)); }
  uint64_t Size(uint64_t seq) { return *DefaultFileSystem()->FileSize(SegPath(dir_, seq)); }

  // Two segments: records 1..10 and 11..20. Returns the second segment's bytes.
  std::string WriteTwoSegments() {
    Write(1, BuildSegment(1, MakeRecords(1, 10)));
    std::string second = BuildSegment(11, MakeRecords(11, 10));
    Write(2, second);
    return second;
  }

  // Checks the torn tail: repair=false stops quietly and modifies nothing; repair=true keeps
  // records 1..20, truncates to `good_size` (or removes the segment when it is 0) with a warning
  // naming the segment and offset; a writer then continues at 21.
  void ExpectTornTail(uint64_t seq, uint64_t good_size, const std::string& warning) {
    std::string before = Read(seq);
    ASSERT_OK_AND_ASSIGN(auto ro, ReadAll(dir_, false));
    EXPECT_EQ(ro.second, MakeRecords(1, 20));
    EXPECT_EQ(ro.first.last_lsn, 20u);
    EXPECT_TRUE(ro.first.warnings.empty());
    EXPECT_EQ(Read(seq), before) << "a read-only reader modified the log";

    ASSERT_OK_AND_ASSIGN(auto rw, ReadAll(dir_, true));
    EXPECT_EQ(rw.second, MakeRecords(1, 20));
    EXPECT_EQ(rw.first.last_lsn, 20u);
    ASSERT_EQ(rw.first.warnings.size(), 1u);
    EXPECT_NE(rw.first.warnings[0].find(SegPath(dir_, seq) + ": " + warning), std::string::npos)
        << rw.first.warnings[0];
    if (good_size == 0) {
      EXPECT_FALSE(*DefaultFileSystem()->Exists(SegPath(dir_, seq)));
    } else {
      EXPECT_EQ(Size(seq), good_size);
    }

    WalOptions o;
    o.fs = DefaultFileSystem();
    o.dir = dir_;
    ASSERT_OK_AND_ASSIGN(auto w, WalWriter::Open(o, rw.first.last_lsn + 1));
    ASSERT_OK_AND_ASSIGN(uint64_t lsn, w->Append("continued"));
    EXPECT_EQ(lsn, 21u);
    ASSERT_OK(w->Close());
    ASSERT_OK_AND_ASSIGN(auto after, ReadAll(dir_, true));
    EXPECT_EQ(after.second.size(), 21u);
    EXPECT_EQ(after.second.back(), (Record{21, "continued"}));
    EXPECT_TRUE(after.first.warnings.empty());
  }

  void ExpectCorruption(const std::string& needle, uint64_t after_lsn = 0) {
    for (bool repair : {false, true}) {
      auto r = ReadAll(dir_, repair, after_lsn);
      ASSERT_FALSE(r.ok()) << "repair=" << repair;
      EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
      EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().ToString();
    }
  }

  testing::TempDir tmp_;
  std::string dir_ = tmp_.Join("wal");
};

TEST_F(WalReaderTest, ReadsAValidLogAndFiltersByLsn) {
  std::string second = WriteTwoSegments();
  testing::WriteTextFile(JoinPath(dir_, "notes.txt"), "not a segment");  // ignored
  ASSERT_OK_AND_ASSIGN(auto all, ReadAll(dir_, true));
  EXPECT_EQ(all.second, MakeRecords(1, 20));
  EXPECT_EQ(all.first.records, 20u);
  EXPECT_EQ(all.first.segments, 2u);
  EXPECT_EQ(all.first.bytes, Size(1) + Size(2));
  ASSERT_OK_AND_ASSIGN(auto tail, ReadAll(dir_, true, 15));
  EXPECT_EQ(tail.second, MakeRecords(16, 5));
  EXPECT_EQ(tail.first.records, 5u);
  EXPECT_EQ(tail.first.last_lsn, 20u);
  ASSERT_OK_AND_ASSIGN(auto none, ReadAll(dir_, true, 20));
  EXPECT_TRUE(none.second.empty());
  EXPECT_EQ(none.first.last_lsn, 20u);
}

TEST_F(WalReaderTest, MissingDirectoryIsAnEmptyLog) {
  ASSERT_OK_AND_ASSIGN(auto r, ReadAll(tmp_.Join("nowhere"), true, 5));
  EXPECT_EQ(r.first.last_lsn, 0u);
  EXPECT_EQ(r.first.segments, 0u);
  EXPECT_TRUE(r.second.empty());
}

TEST_F(WalReaderTest, ErrorFromTheCallbackStopsTheRead) {
  WriteTwoSegments();
  WalReadOptions o;
  o.fs = DefaultFileSystem();
  o.dir = dir_;
  int calls = 0;
  auto r = ReadWal(o, [&](uint64_t lsn, std::string_view) {
    ++calls;
    return lsn == 12 ? Status::Aborted("stop at 12") : Status::OK();
  });
  EXPECT_EQ(r.status(), Status::Aborted("stop at 12"));
  EXPECT_EQ(calls, 12);
}

TEST_F(WalReaderTest, TornTailFewerBytesThanARecordHeader) {
  std::string second = WriteTwoSegments();
  Write(2, second + "\x07\x01\x02");
  ExpectTornTail(2, second.size(), "torn tail at offset " + std::to_string(second.size()) + " (3 bytes) truncated");
}

TEST_F(WalReaderTest, TornTailLengthRunsPastTheEnd) {
  std::string second = WriteTwoSegments();
  // Record 21 lost its last five bytes: its length field points past the end of the file.
  std::string with21 = BuildSegment(11, MakeRecords(11, 11));
  Write(2, with21.substr(0, with21.size() - 5));
  ExpectTornTail(2, second.size(),
                 "torn tail at offset " + std::to_string(second.size()) + " (" +
                     std::to_string(with21.size() - 5 - second.size()) + " bytes) truncated: record length");
}

TEST_F(WalReaderTest, TornTailOfZeros) {
  std::string second = WriteTwoSegments();
  Write(2, second + std::string(5000, '\0'));
  ExpectTornTail(2, second.size(), "torn tail at offset " + std::to_string(second.size()) + " (5000 bytes) truncated");
}

TEST_F(WalReaderTest, TornTailBadRecordEndingExactlyAtTheEnd) {
  std::string second = WriteTwoSegments();
  // A complete-looking record 21 whose payload did not fully persist: CRC mismatch, ends at EOF.
  std::string extra = BuildSegment(11, MakeRecords(11, 11)).substr(second.size());
  extra[extra.size() - 3] ^= 0x55;
  Write(2, second + extra);
  ExpectTornTail(2, second.size(),
                 "torn tail at offset " + std::to_string(second.size()) + " (" + std::to_string(extra.size()) +
                     " bytes) truncated: record CRC mismatch");
}

TEST_F(WalReaderTest, TornSegmentHeaderIsRemoved) {
  WriteTwoSegments();
  std::string header = BuildSegment(21, {});
  Write(3, header.substr(0, 10));
  ExpectTornTail(3, 0, "torn segment header (10 bytes) removed");
}

TEST_F(WalReaderTest, EmptyNewestSegmentIsRemoved) {
  WriteTwoSegments();
  Write(3, "");
  ExpectTornTail(3, 0, "torn segment header (0 bytes) removed");
}

TEST_F(WalReaderTest, NewestSegmentWithOnlyAHeaderImpliesItsFirstLsn) {
  WriteTwoSegments();
  Write(3, BuildSegment(21, {}));
  ASSERT_OK_AND_ASSIGN(auto r, ReadAll(dir_, true));
  EXPECT_EQ(r.first.last_lsn, 20u);
  EXPECT_TRUE(r.first.warnings.empty());
  // After removal of older segments only the header-only one may remain: its header still says
  // where LSNs continue.
  ASSERT_OK(DefaultFileSystem()->RemoveFile(SegPath(dir_, 1)));
  ASSERT_OK(DefaultFileSystem()->RemoveFile(SegPath(dir_, 2)));
  ASSERT_OK_AND_ASSIGN(auto only, ReadAll(dir_, true, 20));
  EXPECT_EQ(only.first.last_lsn, 20u);
  EXPECT_TRUE(only.second.empty());
}

TEST_F(WalReaderTest, CorruptRecordMidSegmentNamesSegmentAndOffset) {
  std::string second = WriteTwoSegments();
  // Damage the payload of record 13 (the third record of segment 2).
  std::vector<Record> recs = MakeRecords(11, 10);
  uint64_t offset = 24;
  for (int i = 0; i < 2; ++i) offset += 16 + recs[i].payload.size();
  second[offset + 16 + 2] ^= 0x01;
  Write(2, second);
  ExpectCorruption("0000000002.log offset " + std::to_string(offset) + ": record CRC mismatch");
  EXPECT_EQ(Read(2), second) << "corruption must not be repaired";
}

TEST_F(WalReaderTest, CorruptLengthMidSegmentIsNotATornTail) {
  std::string second = WriteTwoSegments();
  second[24] = 0x7f;  // first record's length: small change, still inside the file
  Write(2, second);
  ExpectCorruption("0000000002.log offset 24: record CRC mismatch");
}

// The length field has no CRC of its own: damaged to point past the end of the newest segment,
// it looks like a cut-short last write. The valid records after it say otherwise.
TEST_F(WalReaderTest, CorruptLengthPointingPastTheEndIsNotATornTailWhenRecordsFollow) {
  std::string second = WriteTwoSegments();
  std::vector<Record> recs = MakeRecords(11, 10);
  const uint64_t third = 24 + 2 * 16 + recs[0].payload.size() + recs[1].payload.size();  // record 13
  const uint64_t fourth = third + 16 + recs[2].payload.size();
  wal_internal::PutFixed32(second.data() + third, 100000);  // past the end of the file
  Write(2, second);
  ExpectCorruption("0000000002.log offset " + std::to_string(third) +
                   ": record length 100000 runs past the end of the segment (" + std::to_string(second.size()) +
                   " bytes), but a valid record (LSN 14) follows at offset " + std::to_string(fourth));
  EXPECT_EQ(Read(2), second) << "corruption must not be repaired";

  // The last record's length damaged the same way: nothing valid follows, a torn tail.
  std::string last = BuildSegment(11, MakeRecords(11, 10));
  const uint64_t tenth = last.size() - 16 - recs[9].payload.size();
  wal_internal::PutFixed32(last.data() + tenth, 100000);
  Write(2, last);
  ASSERT_OK_AND_ASSIGN(auto rw, ReadAll(dir_, true));
  EXPECT_EQ(rw.second, MakeRecords(1, 19));
  EXPECT_EQ(Size(2), tenth);
}

// A writer that had to start above the log's end (a power failure lost records below a flushed
// cut) marks its segment; readers accept that gap, and only that one.
TEST_F(WalReaderTest, SegmentMarkedAfterGapIsAccepted) {
  Write(1, BuildSegment(1, MakeRecords(1, 10)));
  Write(2, BuildSegment(15, MakeRecords(15, 3), wal_internal::kSegmentAfterGap));
  for (bool repair : {false, true}) {
    ASSERT_OK_AND_ASSIGN(auto r, ReadAll(dir_, repair, 4));
    std::vector<Record> want = MakeRecords(5, 6);
    for (const Record& rec : MakeRecords(15, 3)) want.push_back(rec);
    EXPECT_EQ(r.second, want);
    EXPECT_EQ(r.first.last_lsn, 17u);
  }
  // The marked segment as the oldest one, above the flushed LSN: accepted as well.
  ASSERT_OK(DefaultFileSystem()->RemoveFile(SegPath(dir_, 1)));
  ASSERT_OK_AND_ASSIGN(auto only, ReadAll(dir_, true, 4));
  EXPECT_EQ(only.second, MakeRecords(15, 3));
  // A marked segment still may not go backwards.
  Write(1, BuildSegment(1, MakeRecords(1, 10)));
  Write(2, BuildSegment(10, MakeRecords(10, 3), wal_internal::kSegmentAfterGap));
  ExpectCorruption("segment starts at LSN 10 but the previous segment ended at LSN 10 (repeat)");
  // Unknown flags and versions are refused, not ignored.
  std::string header = BuildSegment(11, {}, 2);
  Write(2, header + BuildSegment(11, MakeRecords(11, 1)).substr(24));
  ExpectCorruption("0000000002.log offset 0: segment header has unknown flags 2");
}

TEST_F(WalReaderTest, DamageInAnEarlierSegmentIsCorruptionEvenAtItsEnd) {
  WriteTwoSegments();
  std::string first = Read(1);
  Write(1, first.substr(0, first.size() - 4));  // a "torn tail", but not in the newest segment
  uint64_t last_record = first.size() - (16 + MakeRecords(10, 1)[0].payload.size());
  ExpectCorruption("0000000001.log offset " + std::to_string(last_record) + ": record length");

  Write(1, first + std::string(100, '\0'));
  ExpectCorruption("0000000001.log offset " + std::to_string(first.size()) + ": record CRC mismatch");

  std::string flipped = first;
  flipped[30] ^= 0x10;
  Write(1, flipped);
  ExpectCorruption("0000000001.log offset 24: record CRC mismatch");
}

TEST_F(WalReaderTest, BadSegmentHeaderIsCorruption) {
  std::string second = WriteTwoSegments();
  std::string first = Read(1);
  first[0] = 'X';
  Write(1, first);
  ExpectCorruption("0000000001.log offset 0: not a WAL segment (bad magic)");

  Write(1, BuildSegment(1, MakeRecords(1, 10)));
  second[9] ^= 0x01;  // first LSN field: header CRC no longer matches; records follow, not torn
  Write(2, second);
  ExpectCorruption("0000000002.log offset 0: segment header CRC mismatch");
}

TEST_F(WalReaderTest, LsnGapBetweenSegmentsIsCorruption) {
  Write(1, BuildSegment(1, MakeRecords(1, 10)));
  Write(2, BuildSegment(12, MakeRecords(12, 5)));
  ExpectCorruption("0000000002.log offset 0: segment starts at LSN 12 but the previous segment ended at LSN 10 (gap)");
  Write(2, BuildSegment(10, MakeRecords(10, 5)));
  ExpectCorruption("segment starts at LSN 10 but the previous segment ended at LSN 10 (repeat)");
}

TEST_F(WalReaderTest, LsnGapOrRepeatInsideASegmentIsCorruption) {
  std::vector<Record> recs = MakeRecords(1, 5);
  recs[3].lsn = 6;  // 1, 2, 3, 6, 5: valid CRCs, wrong order
  Write(1, BuildSegment(1, recs));
  uint64_t offset = 24;
  for (int i = 0; i < 3; ++i) offset += 16 + recs[i].payload.size();
  ExpectCorruption("0000000001.log offset " + std::to_string(offset) + ": record has LSN 6, expected 4 (gap)");

  recs = MakeRecords(1, 5);
  recs[4].lsn = 4;  // ... in the last record of the newest segment: still not a torn tail
  Write(1, BuildSegment(1, recs));
  ExpectCorruption("record has LSN 4, expected 5 (repeat)");

  Write(1, BuildSegment(3, MakeRecords(1, 2)));  // header says 3, records say 1
  ExpectCorruption("0000000001.log offset 24: record has LSN 1, expected 3");
}

TEST_F(WalReaderTest, RecordsRemovedBeyondTheFlushedLsnAreCorruption) {
  Write(5, BuildSegment(10, MakeRecords(10, 5)));
  ExpectCorruption("0000000005.log offset 0: the log starts at LSN 10, so records 3..9 are missing", 2);
  ASSERT_OK_AND_ASSIGN(auto fine, ReadAll(dir_, true, 9));
  EXPECT_EQ(fine.second, MakeRecords(10, 5));
  ASSERT_OK_AND_ASSIGN(auto from_start, ReadAll(dir_, true, 0));  // 0: whatever the log holds
  EXPECT_EQ(from_start.second, MakeRecords(10, 5));
}

TEST_F(WalReaderTest, HugeLengthFieldsAreCheckedBeforeAllocating) {
  std::string second = WriteTwoSegments();
  // A length of 4 GiB - 1 in the middle of the newest segment: it runs past the end, but valid
  // records follow, so it is corruption there as in an older segment. Neither allocates 4 GiB.
  std::string bad = second;
  uint64_t offset = 24 + 16 + MakeRecords(11, 1)[0].payload.size();
  for (int i = 0; i < 4; ++i) bad[offset + i] = '\xff';
  Write(1, BuildSegment(1, MakeRecords(1, 10)));
  Write(2, bad);
  ExpectCorruption("0000000002.log offset " + std::to_string(offset) +
                   ": record length 4294967295 exceeds the limit of 1073741824, but a valid record (LSN 13) follows");
  // The same length in the last record of the newest segment is a torn tail.
  std::string last = BuildSegment(11, MakeRecords(11, 2));
  for (int i = 0; i < 4; ++i) last[offset + i] = '\xff';
  Write(2, last);
  ASSERT_OK_AND_ASSIGN(auto r, ReadAll(dir_, false));
  EXPECT_EQ(r.second, MakeRecords(1, 11));
  Write(2, bad);
  Write(3, BuildSegment(21, {}));
  ExpectCorruption("0000000002.log offset " + std::to_string(offset) + ": record length 4294967295 exceeds the limit");
}

TEST_F(WalReaderTest, StatWalDirCountsSegmentsOnly) {
  ASSERT_OK_AND_ASSIGN(WalDirStats none, StatWalDir(DefaultFileSystem(), dir_ + "/missing"));
  EXPECT_EQ(none.segments, 0u);
  EXPECT_EQ(none.bytes, 0u);
  WriteTwoSegments();
  testing::WriteTextFile(dir_ + "/notes.log", "not a segment");
  testing::WriteTextFile(dir_ + "/0000000003.log.tmp", "not a segment either");
  ASSERT_OK_AND_ASSIGN(WalDirStats stats, StatWalDir(DefaultFileSystem(), dir_));
  EXPECT_EQ(stats.segments, 2u);
  EXPECT_EQ(stats.bytes, Size(1) + Size(2));
}

}  // namespace
}  // namespace strata
