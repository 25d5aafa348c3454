#include "hot/hot_tier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "testutil/testutil.h"

namespace strata {
namespace {

using testing::MakeTrades;

// Rows of `batch` for `symbol` with ts in [from, to), stably sorted by ts: the expected scan.
RecordBatch Expected(const RecordBatch& batch, const std::string& symbol, int64_t from = INT64_MIN,
                     int64_t to = INT64_MAX) {
  std::vector<uint32_t> rows;
  int sc = batch.FieldIndex("symbol"), tc = batch.FieldIndex("ts");
  for (uint32_t r = 0; r < batch.num_rows(); ++r) {
    int64_t t = batch.column(tc).int64s()[r];
    if (batch.column(sc).GetString(r) == symbol && t >= from && t < to) rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
    return batch.column(tc).int64s()[a] < batch.column(tc).int64s()[b];
  });
  return batch.Take(rows);
}

TEST(HotTier, InsertScanRoundTripWithNullsAndEveryType) {
  HotTier hot({});
  ASSERT_OK_AND_ASSIGN(Schema schema,
                       Schema::Parse("ts:timestamp,symbol:symbol,a:i32,b:i64?,c:f64,d:string?,e:bool,f:string"));
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch batch(schema);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    batch.column(0).AppendInt64(static_cast<int64_t>(rng() % 100000));  // out of order, with ties
    batch.column(1).AppendString(i % 3 == 0 ? "AAA" : "BB");
    batch.column(2).AppendInt32(i);
    if (i % 7 == 0) batch.column(3).AppendNull(); else batch.column(3).AppendInt64(-i);
    batch.column(4).AppendDouble(i * 0.5);
    if (i % 5 == 0) batch.column(5).AppendNull(); else batch.column(5).AppendString(std::string(i % 40, 'x'));
    batch.column(6).AppendBool(i % 2 == 0);
    batch.column(7).AppendString(i % 11 == 0 ? "" : "long string value " + std::to_string(i));
  }
  ASSERT_OK(hot.Insert(1, batch.Slice(0, 3000), 1));
  ASSERT_OK(hot.Insert(1, batch.Slice(3000, 2000), 2));
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].Equals(Expected(batch, "AAA")));
  EXPECT_TRUE(out[1].Equals(Expected(batch, "BB")));

  ASSERT_OK_AND_ASSIGN(auto ranged,
                       hot.Scan({.table_id = 1, .symbols = {"BB", "nope"}, .from_ts = 2000, .to_ts = 60000,
                                 .columns = {"f", "ts"}}));
  ASSERT_EQ(ranged.size(), 1u);
  ASSERT_OK_AND_ASSIGN(RecordBatch want, Expected(batch, "BB", 2000, 60000).Project({"f", "ts"}));
  EXPECT_TRUE(ranged[0].Equals(want));
  EXPECT_FALSE(hot.Scan({.table_id = 1, .columns = {"zz"}}).ok());
  EXPECT_TRUE(hot.Scan({.table_id = 9}).status().IsNotFound());
  EXPECT_EQ(hot.Symbols(1), (std::vector<std::string>{"AAA", "BB"}));
}

TEST(HotTier, SortedAppendsUseBinarySearchRanges) {
  HotTier hot({});
  Schema schema = *Schema::Template("trades");
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch batch = MakeTrades(200000, 1, 0, 1);  // 1 ms apart, in order, many chunks
  for (size_t off = 0; off < batch.num_rows(); off += 1000) ASSERT_OK(hot.Insert(1, batch.Slice(off, 1000), off + 1));
  for (auto [from, to] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 1}, {5'000'000, 5'000'001}, {65'535'000'000, 65'537'000'001}, {199'999'000'000, INT64_MAX}, {-5, 0}}) {
    ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1, .from_ts = from, .to_ts = to}));
    RecordBatch want = Expected(batch, "S0", from, to);
    if (want.num_rows() == 0) {
      EXPECT_TRUE(out.empty());
    } else {
      ASSERT_EQ(out.size(), 1u);
      EXPECT_TRUE(out[0].Equals(want)) << from << " " << to;
    }
  }
}

TEST(HotTier, LatestIsGreatestTsLaterArrivalOnTies) {
  HotTier hot({});
  Schema schema = *Schema::Template("trades");
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch b(schema);
  auto add = [&](int64_t ts, int64_t id) {
    b.column(0).AppendInt64(ts);
    b.column(1).AppendString("X");
    b.column(2).AppendDouble(1);
    b.column(3).AppendInt64(1);
    b.column(4).AppendInt64(id);
    b.column(5).AppendString("E");
  };
  add(10, 1);
  add(30, 2);
  add(20, 3);
  add(30, 4);
  add(5, 5);
  ASSERT_OK(hot.Insert(1, b, 1));
  RecordBatch out;
  ASSERT_OK(hot.Latest(1, "X", &out));
  ASSERT_EQ(out.num_rows(), 1u);
  EXPECT_EQ(out.column(4).int64s()[0], 4);
  EXPECT_TRUE(hot.Latest(1, "Y", &out).IsNotFound());
  EXPECT_TRUE(hot.Latest(7, "X", &out).IsNotFound());
}

TEST(HotTier, ConcurrentWritersAndReadersSeeSortedPrefixes) {
  HotTier hot({});
  Schema schema = *Schema::Template("trades");
  ASSERT_OK(hot.AddTable(1, schema));
  constexpr int kWriters = 4, kBatches = 200, kRows = 100;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto out = hot.Scan({.table_id = 1, .columns = {"ts", "trade_id"}});
      if (!out.ok()) {
        ++bad;
        continue;
      }
      for (const RecordBatch& b : *out) {
        for (size_t r = 1; r < b.num_rows(); ++r) {
          if (b.column(0).int64s()[r - 1] > b.column(0).int64s()[r]) ++bad;
        }
      }
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kBatches; ++i) {
        RecordBatch b = MakeTrades(kRows, 3, (int64_t{w} * kBatches + i) * kRows * 1'000'000, w * 10000 + i);
        if (!hot.Insert(1, b, static_cast<uint64_t>(w * kBatches + i + 1)).ok()) ++bad;
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  size_t rows = 0;
  for (const auto& b : out) rows += b.num_rows();
  EXPECT_EQ(rows, size_t{kWriters * kBatches * kRows});
}

TEST(HotTier, DropUpToRemovesFlushedRowsOnly) {
  HotTier hot({});
  Schema schema = *Schema::Template("trades");
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch all = MakeTrades(3000, 2, 0, 5);
  ASSERT_OK(hot.Insert(1, all.Slice(0, 1000), 1));
  ASSERT_OK(hot.Insert(1, all.Slice(1000, 1000), 2));
  ASSERT_OK(hot.Insert(1, all.Slice(2000, 1000), 3));
  size_t before = hot.used_bytes();
  ASSERT_OK(hot.DropUpTo(2));
  EXPECT_LT(hot.used_bytes(), before);
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  RecordBatch rest = all.Slice(2000, 1000);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].Equals(Expected(rest, "S0")));
  EXPECT_TRUE(out[1].Equals(Expected(rest, "S1")));
  RecordBatch latest;
  ASSERT_OK(hot.Latest(1, "S0", &latest));
  EXPECT_EQ(latest.RowToString(0), Expected(rest, "S0").RowToString(Expected(rest, "S0").num_rows() - 1));
  ASSERT_OK(hot.DropUpTo(3));
  EXPECT_TRUE(hot.Scan({.table_id = 1})->empty());
  EXPECT_TRUE(hot.Symbols(1).empty());
  EXPECT_EQ(hot.used_bytes(), 0u);
}

TEST(HotTier, MemoryStaysWithinTwentyPercentOfRawColumns) {
  HotTier hot({});
  Schema schema = *Schema::Template("trades");
  ASSERT_OK(hot.AddTable(1, schema));
  uint64_t raw = 0;
  for (int i = 0; i < 200; ++i) {
    RecordBatch b = MakeTrades(10000, 10, int64_t{i} * 10'000'000'000, i);
    for (size_t c = 0; c < b.num_columns(); ++c) {
      if (b.fields()[c].type != ColumnType::kSymbol) raw += b.column(c).ByteSize();
    }
    ASSERT_OK(hot.Insert(1, b, static_cast<uint64_t>(i + 1)));
  }
  double ratio = static_cast<double>(hot.used_bytes()) / static_cast<double>(raw);
  EXPECT_LE(ratio, 1.2) << "hot bytes " << hot.used_bytes() << " raw " << raw;
  EXPECT_GE(ratio, 0.9) << "used_bytes must count what is allocated";
  uint64_t stats_bytes = 0;
  for (const auto& s : hot.Stats()) stats_bytes += s.bytes;
  EXPECT_EQ(stats_bytes, hot.used_bytes());
}

TEST(HotTier, PressureHookFiresOverBudget) {
  size_t seen = 0;
  HotTier hot({.memory_budget_bytes = 100'000, .on_pressure = [&](size_t used) { seen = used; }});
  ASSERT_OK(hot.AddTable(1, *Schema::Template("trades")));
  ASSERT_OK(hot.Insert(1, MakeTrades(100, 1, 0, 1), 1));
  EXPECT_EQ(seen, 0u);
  ASSERT_OK(hot.Insert(1, MakeTrades(20000, 1, 0, 1), 2));
  EXPECT_GT(seen, 100'000u);
}

}  // namespace
}  // namespace strata
