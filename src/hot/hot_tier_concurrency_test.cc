// Writers, readers and DropUpTo running at once: every view a reader gets must be a consistent
// prefix (each Insert's part of a series wholly in or out, per writer a prefix of its inserts),
// sorted, and made of untorn rows.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "hot/hot_tier.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

constexpr int kWriters = 4;
const char* const kShared[] = {"S0", "S1", "S2"};

Schema TestSchema() {
  return Schema::Parse("ts:timestamp,symbol:symbol,writer:i32,seq:i64,idx:i32,n:i32,lsn:i64,note:string?").value();
}

// Everything about a row follows from (writer, seq, idx), so a reader can tell a torn row.
int64_t TsOf(int w, int64_t seq, int idx) { return seq * 1000 + ((idx * 7) % 13) * 10 + w; }
bool NoteIsNull(int idx) { return idx % 11 == 3; }
std::string NoteOf(int w, int64_t seq, int idx) {
  std::string unit = "w" + std::to_string(w) + "s" + std::to_string(seq) + "i" + std::to_string(idx) + ";";
  std::string s;
  for (int k = 0; k <= idx % 4; ++k) s += unit;
  return s;
}
int PartSize(int w, int64_t seq, int sym) { return 1 + static_cast<int>((seq * 7 + w * 3 + sym * 5) % 40); }

// Writer w's batch `seq`: a part for each shared symbol and for the writer's own one, interleaved.
RecordBatch WriterBatch(const Schema& schema, int w, int64_t seq, uint64_t lsn) {
  std::vector<std::string> symbols(std::begin(kShared), std::end(kShared));
  symbols.push_back("W" + std::to_string(w));
  std::vector<int> left(symbols.size()), next(symbols.size(), 0);
  for (size_t s = 0; s < symbols.size(); ++s) left[s] = PartSize(w, seq, static_cast<int>(s));
  RecordBatch b(schema);
  for (bool more = true; more;) {
    more = false;
    for (size_t s = 0; s < symbols.size(); ++s) {
      if (left[s] == 0) continue;
      more = true;
      int idx = next[s]++;
      --left[s];
      b.column(0).AppendInt64(TsOf(w, seq, idx));
      b.column(1).AppendString(symbols[s]);
      b.column(2).AppendInt32(w);
      b.column(3).AppendInt64(seq);
      b.column(4).AppendInt32(idx);
      b.column(5).AppendInt32(PartSize(w, seq, static_cast<int>(s)));
      b.column(6).AppendInt64(static_cast<int64_t>(lsn));
      if (NoteIsNull(idx))
        b.column(7).AppendNull();
      else
        b.column(7).AppendString(NoteOf(w, seq, idx));
    }
  }
  return b;
}

// Collects the first failure; checks are cheap enough to run in every reader iteration.
class Checker {
 public:
  void Fail(const std::string& what) {
    std::lock_guard lock(mu_);
    if (first_.empty()) first_ = what;
    ++failures_;
  }
  std::string first() const { return first_; }
  int failures() const { return failures_; }

  // One symbol's scan result. With `prefix`, each writer's parts must be a prefix of its inserts.
  void CheckSeries(const RecordBatch& b, bool prefix) {
    std::map<std::pair<int, int64_t>, std::set<int>> parts;
    for (size_t r = 0; r < b.num_rows(); ++r) {
      int w = b.column(2).int32s()[r];
      int64_t seq = b.column(3).int64s()[r];
      int idx = b.column(4).int32s()[r];
      if (b.column(0).int64s()[r] != TsOf(w, seq, idx)) return Fail("torn ts in " + b.RowToString(r));
      bool null = b.column(7).IsNull(r);
      if (null != NoteIsNull(idx) || (!null && b.column(7).GetString(r) != NoteOf(w, seq, idx))) {
        return Fail("torn note in " + b.RowToString(r));
      }
      if (r > 0 && b.column(0).int64s()[r - 1] > b.column(0).int64s()[r])
        return Fail("unsorted at " + b.RowToString(r));
      if (!parts[{w, seq}].insert(idx).second) return Fail("duplicate row " + b.RowToString(r));
      if (idx >= b.column(5).int32s()[r]) return Fail("bad idx in " + b.RowToString(r));
    }
    std::map<int, int64_t> next_seq;
    for (const auto& [key, idxs] : parts) {
      // Find the part size from any row of the part: all carry it.
      int n = 0;
      for (size_t r = 0; r < b.num_rows() && n == 0; ++r) {
        if (b.column(2).int32s()[r] == key.first && b.column(3).int64s()[r] == key.second) n = b.column(5).int32s()[r];
      }
      if (static_cast<int>(idxs.size()) != n) {
        return Fail("partial insert: writer " + std::to_string(key.first) + " seq " + std::to_string(key.second) +
                    " shows " + std::to_string(idxs.size()) + " of " + std::to_string(n) + " rows of " +
                    std::string(b.column(1).GetString(0)));
      }
      if (prefix) {
        int64_t& want = next_seq[key.first];
        if (key.second != want)
          return Fail("writer " + std::to_string(key.first) + " seq " + std::to_string(want) + " missing before seq " +
                      std::to_string(key.second));
        ++want;
      }
    }
  }

 private:
  std::mutex mu_;
  std::string first_;
  int failures_ = 0;
};

TEST(HotTierConcurrency, WritersAndReadersSeeConsistentSortedPrefixes) {
  HotTier hot({});
  Schema schema = TestSchema();
  ASSERT_OK(hot.AddTable(1, schema));
  constexpr int kBatches = 150;
  std::atomic<int> running{kWriters};
  std::atomic<uint64_t> lsn{0};
  Checker check;
  std::atomic<int> scans{0}, latests{0};

  std::thread scanner([&] {
    do {
      auto out = hot.Scan({.table_id = 1});
      if (!out.ok()) return check.Fail(out.status().ToString());
      for (const RecordBatch& b : *out) check.CheckSeries(b, /*prefix=*/true);
      ++scans;
    } while (running.load() > 0);
  });
  std::thread latest_reader([&] {
    std::map<std::string, int64_t> last;
    RecordBatch out;
    do {
      for (std::string sym : {"S0", "S1", "S2", "W0", "W3"}) {
        Status st = hot.Latest(1, sym, &out);
        if (st.IsNotFound()) continue;
        if (!st.ok()) return check.Fail(st.ToString());
        int w = out.column(2).int32s()[0], idx = out.column(4).int32s()[0];
        int64_t seq = out.column(3).int64s()[0], ts = out.column(0).int64s()[0];
        if (ts != TsOf(w, seq, idx) || out.column(7).IsNull(0) != NoteIsNull(idx)) {
          return check.Fail("torn latest " + out.RowToString(0));
        }
        auto [it, fresh] = last.try_emplace(sym, ts);
        if (!fresh && ts < it->second) return check.Fail("latest of " + sym + " went back in time");
        it->second = ts;
        ++latests;
      }
    } while (running.load() > 0);
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int64_t seq = 0; seq < kBatches; ++seq) {
        uint64_t l = ++lsn;
        Status st = hot.Insert(1, WriterBatch(schema, w, seq, l), l);
        if (!st.ok()) check.Fail(st.ToString());
      }
      --running;
    });
  }
  for (auto& t : writers) t.join();
  scanner.join();
  latest_reader.join();
  EXPECT_EQ(check.failures(), 0) << check.first();
  EXPECT_GT(scans.load(), 0);
  EXPECT_GT(latests.load(), 0);

  // Everything arrived: each series holds every part of every writer.
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  ASSERT_EQ(out.size(), 3u + kWriters);
  for (const RecordBatch& b : out) check.CheckSeries(b, true);
  EXPECT_EQ(check.failures(), 0) << check.first();
  for (size_t s = 0; s < out.size(); ++s) {
    std::string sym(out[s].column(1).GetString(0));
    size_t want = 0;
    for (int w = 0; w < kWriters; ++w) {
      for (int64_t seq = 0; seq < kBatches; ++seq) {
        if (s < 3) want += static_cast<size_t>(PartSize(w, seq, static_cast<int>(s)));
        if (sym == "W" + std::to_string(w)) want += static_cast<size_t>(PartSize(w, seq, 3));
      }
    }
    EXPECT_EQ(out[s].num_rows(), want) << sym;
  }
}

TEST(HotTierConcurrency, DropUpToRacingWritersAndReadersKeepsWholeParts) {
  HotTier hot({});
  Schema schema = TestSchema();
  ASSERT_OK(hot.AddTable(1, schema));
  constexpr int kBatches = 120;
  std::atomic<int> running{kWriters};
  std::atomic<uint64_t> lsn{0};
  std::atomic<uint64_t> dropped{0};
  Checker check;
  std::atomic<int> drops{0};

  std::thread scanner([&] {
    do {
      auto out = hot.Scan({.table_id = 1});
      if (!out.ok()) return check.Fail(out.status().ToString());
      for (const RecordBatch& b : *out) check.CheckSeries(b, /*prefix=*/false);
    } while (running.load() > 0);
  });
  std::thread dropper([&] {
    do {
      uint64_t upto = lsn.load();
      upto = upto > 40 ? upto - 40 : 0;
      if (!hot.DropUpTo(upto).ok()) check.Fail("DropUpTo failed");
      dropped.store(upto);
      ++drops;
    } while (running.load() > 0);
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int64_t seq = 0; seq < kBatches; ++seq) {
        uint64_t l = ++lsn;
        if (!hot.Insert(1, WriterBatch(schema, w, seq, l), l).ok()) check.Fail("insert failed");
      }
      --running;
    });
  }
  for (auto& t : writers) t.join();
  scanner.join();
  dropper.join();
  EXPECT_EQ(check.failures(), 0) << check.first();
  EXPECT_GT(drops.load(), 0);

  // Every row newer than the last drop is still there (older ones may be too: an insert that took
  // its LSN before a drop and finished after it is kept).
  const uint64_t last = dropped.load();
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  std::set<std::tuple<int, int64_t, std::string>> present;
  for (const RecordBatch& b : out) {
    check.CheckSeries(b, false);
    for (size_t r = 0; r < b.num_rows(); ++r) {
      present.insert({b.column(2).int32s()[r], b.column(3).int64s()[r], std::string(b.column(1).GetString(r))});
    }
  }
  EXPECT_EQ(check.failures(), 0) << check.first();
  uint64_t stats_bytes = 0;
  for (const auto& s : hot.Stats()) stats_bytes += s.bytes;
  EXPECT_EQ(stats_bytes, hot.used_bytes());
  size_t newer = 0;
  for (const RecordBatch& b : out) {
    for (size_t r = 0; r < b.num_rows(); ++r) newer += static_cast<uint64_t>(b.column(6).int64s()[r]) > last;
  }
  // Each insert with an LSN above `last` must have survived with all of its parts.
  std::map<std::pair<int, int64_t>, int64_t> lsn_of;  // (writer, seq) -> LSN, from any surviving row
  for (const RecordBatch& b : out) {
    for (size_t r = 0; r < b.num_rows(); ++r)
      lsn_of[{b.column(2).int32s()[r], b.column(3).int64s()[r]}] = b.column(6).int64s()[r];
  }
  size_t batches_newer = 0;
  for (const auto& [key, l] : lsn_of) {
    if (static_cast<uint64_t>(l) <= last) continue;
    ++batches_newer;
    for (const char* s : kShared) {
      EXPECT_TRUE(present.count({key.first, key.second, s})) << "writer " << key.first << " seq " << key.second;
    }
    EXPECT_TRUE(present.count({key.first, key.second, "W" + std::to_string(key.first)}));
  }
  EXPECT_EQ(batches_newer, lsn.load() - last) << "every insert newer than the last drop survives";
  EXPECT_GT(newer, 0u);

  ASSERT_OK(hot.DropUpTo(lsn.load()));
  EXPECT_TRUE(hot.Scan({.table_id = 1})->empty());
  EXPECT_LT(hot.used_bytes(), 8 * 1024u);
}

}  // namespace
}  // namespace strata
