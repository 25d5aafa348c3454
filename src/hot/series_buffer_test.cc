#include "hot/series_buffer.h"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "hot/row_grouper.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

Schema NoteSchema() { return Schema::Parse("ts:timestamp,symbol:symbol,n:i64,note:string?").value(); }

RecordBatch Notes(const std::vector<size_t>& lengths, int64_t first_ts) {
  RecordBatch b(NoteSchema());
  for (size_t i = 0; i < lengths.size(); ++i) {
    b.column(0).AppendInt64(first_ts + static_cast<int64_t>(i));
    b.column(1).AppendString("X");
    b.column(2).AppendInt64(first_ts + static_cast<int64_t>(i));
    if (lengths[i] == 1) {
      b.column(3).AppendNull();
    } else {
      std::string s(lengths[i], 'a');
      for (size_t k = 0; k < s.size(); k += 7) s[k] = static_cast<char>('a' + (i + k) % 26);
      b.column(3).AppendString(s);
    }
  }
  return b;
}

RecordBatch ScanAll(const SeriesBuffer& series) {
  RecordBatch out(series.schema());
  std::vector<int> cols(series.schema().num_fields());
  std::iota(cols.begin(), cols.end(), 0);
  series.Scan(INT64_MIN, INT64_MAX, cols, &out);
  return out;
}

TEST(SeriesBuffer, ChunksStartSmallAndDoubleUpToTheCap) {
  Schema schema = Schema::Template("trades").value();
  SeriesBuffer series("S0", &schema);
  RecordBatch one = testing::MakeTrades(1, 1, 0, 1);
  series.Append(one, nullptr, 1, 1);
  EXPECT_EQ(series.num_chunks(), 1u);
  const size_t first = series.allocated_bytes();
  EXPECT_LT(first, 2048u) << "a one-row series takes a small first chunk";
  // 16 + 16 + 32 + ... + 8192 + 16384 = 32768 rows in 12 chunks; then 16384-row chunks.
  RecordBatch many = testing::MakeTrades(32767 + 16384 * 2, 1, 1'000'000, 2);
  for (size_t off = 0; off < many.num_rows(); off += 10) {  // appends smaller than the chunks
    size_t n = std::min<size_t>(10, many.num_rows() - off);
    RecordBatch part = many.Slice(off, n);
    series.Append(part, nullptr, n, 2);
  }
  EXPECT_EQ(series.rows(), 32768u + 16384 * 2);
  EXPECT_EQ(series.num_chunks(), 14u);
  RecordBatch want = one;
  ASSERT_OK(want.Append(many));
  EXPECT_TRUE(ScanAll(series).Equals(want));
}

TEST(SeriesBuffer, AFirstLargeAppendSizesItsFirstChunk) {
  Schema schema = Schema::Template("trades").value();
  SeriesBuffer series("S0", &schema);
  RecordBatch b = testing::MakeTrades(1000, 1, 0, 1);
  series.Append(b, nullptr, 1000, 1);
  EXPECT_EQ(series.num_chunks(), 1u);
  EXPECT_TRUE(ScanAll(series).Equals(b));
}

TEST(SeriesBuffer, StringArenasGrowBlockByBlockAndSealChunksWhenOut) {
  Schema schema = NoteSchema();
  SeriesBuffer series("X", &schema);
  // Short strings first (the arena is sized for them), then ever longer ones: each append needs a
  // new block until the chunk runs out of blocks and is sealed early.
  RecordBatch all(schema);
  int64_t ts = 0;
  for (size_t len : {2, 3, 50, 400, 3000, 20000, 100000, 0, 5, 300000, 1000000, 7}) {
    std::vector<size_t> lengths(len == 1000000 ? 2 : 9, len);
    lengths[0] = 1;  // a null in every append
    RecordBatch b = Notes(lengths, ts);
    ts += static_cast<int64_t>(lengths.size());
    series.Append(b, nullptr, b.num_rows(), 1);
    ASSERT_OK(all.Append(b));
  }
  EXPECT_GT(series.num_chunks(), 1u) << "some chunk ran out of string blocks";
  RecordBatch out = ScanAll(series);
  ASSERT_EQ(out.num_rows(), all.num_rows());
  EXPECT_TRUE(out.Equals(all));
  RecordBatch latest(schema);
  ASSERT_TRUE(series.CopyLatest(&latest));
  EXPECT_EQ(latest.RowToString(0), all.RowToString(all.num_rows() - 1));
  // Allocation stays proportional to the bytes stored.
  size_t chars = all.column(3).chars().size();
  EXPECT_LT(series.allocated_bytes(), chars * 2 + 64 * 1024);
}

TEST(SeriesBuffer, RandomStringLengthsRoundTripThroughSelections) {
  Schema schema = NoteSchema();
  SeriesBuffer series("X", &schema);
  std::mt19937_64 rng(11);
  RecordBatch want(schema);
  int64_t ts = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<size_t> lengths(1 + rng() % 700);
    for (size_t& l : lengths) l = rng() % 8 == 0 ? rng() % 3000 : rng() % 20;
    RecordBatch b = Notes(lengths, ts);
    ts += static_cast<int64_t>(lengths.size() + lengths.size() % 2);  // even: ts parity == row parity
    // Append every other row through a row selection, then the rest densely as a second append.
    std::vector<uint32_t> even, odd;
    for (uint32_t r = 0; r < b.num_rows(); ++r) (r % 2 ? odd : even).push_back(r);
    series.Append(b, even.data(), even.size(), 1);
    RecordBatch odd_rows = b.Take(odd);
    series.Append(odd_rows, nullptr, odd_rows.num_rows(), 2);
    ASSERT_OK(want.Append(b.Take(even)));
    ASSERT_OK(want.Append(odd_rows));
  }
  // Rows went in out of ts order; a scan sorts them, stably.
  std::vector<uint32_t> order(want.num_rows());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return want.column(0).int64s()[a] < want.column(0).int64s()[b]; });
  EXPECT_TRUE(ScanAll(series).Equals(want.Take(order)));

  // Drop the LSN-1 rows: the LSN-2 rows remain, in arrival order, with their strings.
  EXPECT_LT(series.DropUpTo(1), 0);
  std::vector<uint32_t> odd_rows;
  for (uint32_t r = 0; r < want.num_rows(); ++r) {
    if (want.column(2).int64s()[r] % 2 != 0) odd_rows.push_back(r);  // n == ts; odd rows were LSN 2
  }
  EXPECT_TRUE(ScanAll(series).Equals(want.Take(odd_rows)));  // odd ts rows are in order
  EXPECT_EQ(series.max_lsn(), 2u);
}

TEST(SeriesBuffer, ScanOfAnEmptySeriesOrEmptyRangeAddsNothing) {
  Schema schema = NoteSchema();
  SeriesBuffer series("X", &schema);
  EXPECT_EQ(ScanAll(series).num_rows(), 0u);
  RecordBatch latest(schema);
  EXPECT_FALSE(series.CopyLatest(&latest));
  RecordBatch b = Notes({3, 4, 5}, 100);
  series.Append(b, nullptr, 3, 1);
  RecordBatch out(schema);
  series.Scan(200, 300, {0, 1, 2, 3}, &out);
  EXPECT_EQ(out.num_rows(), 0u);
  series.Scan(101, 101, {0, 1, 2, 3}, &out);
  EXPECT_EQ(out.num_rows(), 0u);
  series.Scan(101, 102, {0, 1, 2, 3}, &out);
  EXPECT_EQ(out.num_rows(), 1u);
}

TEST(RowGrouper, SplitsBySymbolKeepingArrivalOrder) {
  RowGrouper g;
  Column sym(ColumnType::kSymbol);
  for (const char* s : {"B", "B", "A", "B", "C", "A", "A"}) sym.AppendString(s);
  ASSERT_OK(g.Split(sym));
  ASSERT_EQ(g.groups().size(), 3u);
  const uint32_t* rows = g.rows();
  ASSERT_NE(rows, nullptr);
  auto rows_of = [&](size_t i) {
    const auto& grp = g.groups()[i];
    return std::vector<uint32_t>(rows + grp.begin, rows + grp.begin + grp.count);
  };
  EXPECT_EQ(g.groups()[0].symbol, "B");
  EXPECT_EQ(rows_of(0), (std::vector<uint32_t>{0, 1, 3}));
  EXPECT_EQ(g.groups()[1].symbol, "A");
  EXPECT_EQ(rows_of(1), (std::vector<uint32_t>{2, 5, 6}));
  EXPECT_EQ(rows_of(2), (std::vector<uint32_t>{4}));

  // One symbol: a dense group and no row list.
  Column one(ColumnType::kSymbol);
  for (int i = 0; i < 5; ++i) one.AppendString("Z");
  ASSERT_OK(g.Split(one));
  ASSERT_EQ(g.groups().size(), 1u);
  EXPECT_EQ(g.groups()[0].count, 5u);
  EXPECT_EQ(g.rows(), nullptr);
}

TEST(RowGrouper, ManySymbolsGrowTheTableAndReuseIsClean) {
  RowGrouper g;
  for (int round = 0; round < 3; ++round) {
    Column sym(ColumnType::kSymbol);
    const int distinct = round == 1 ? 5000 : 40;
    for (int r = 0; r < 20000; ++r) sym.AppendString("S" + std::to_string((r * 7919) % distinct));
    ASSERT_OK(g.Split(sym));
    ASSERT_EQ(g.groups().size(), static_cast<size_t>(distinct));
    size_t total = 0;
    for (const auto& grp : g.groups()) {
      for (uint32_t k = 0; k < grp.count; ++k) {
        ASSERT_EQ(sym.GetString(g.rows()[grp.begin + k]), grp.symbol);
        if (k > 0) {
          ASSERT_LT(g.rows()[grp.begin + k - 1], g.rows()[grp.begin + k]);
        }
      }
      total += grp.count;
    }
    EXPECT_EQ(total, 20000u);
  }
}

TEST(RowGrouper, RejectsAnEmptySymbolNamingTheRow) {
  RowGrouper g;
  Column sym(ColumnType::kSymbol);
  sym.AppendString("A");
  sym.AppendNull();
  Status st = g.Split(sym);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("row 1"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace strata
