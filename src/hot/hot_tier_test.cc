#include "hot/hot_tier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "testutil/testutil.h"

namespace strata {
namespace {

using testing::MakeTrades;

Schema Trades() { return Schema::Template("trades").value(); }

// Rows of `batch` for `symbol` with ts in [from, to), stably sorted by ts: the expected scan.
RecordBatch Expected(const RecordBatch& batch, const std::string& symbol, int64_t from = INT64_MIN,
                     int64_t to = INT64_MAX) {
  std::vector<uint32_t> rows;
  int sc = batch.FieldIndex("symbol"), tc = batch.FieldIndex("ts");
  for (uint32_t r = 0; r < batch.num_rows(); ++r) {
    int64_t t = batch.column(tc).int64s()[r];
    if (batch.column(sc).GetString(r) == symbol && t >= from && t < to) rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [&](uint32_t a, uint32_t b) { return batch.column(tc).int64s()[a] < batch.column(tc).int64s()[b]; });
  return batch.Take(rows);
}

// A batch of every column type, nulls in the nullable ones, timestamps out of order with ties.
RecordBatch EveryType(const Schema& schema, int rows, uint64_t seed) {
  RecordBatch batch(schema);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < rows; ++i) {
    batch.column(0).AppendInt64(static_cast<int64_t>(rng() % 100000) - 50000);
    batch.column(1).AppendString(i % 3 == 0 ? "AAA" : "BB");
    batch.column(2).AppendInt32(i);
    if (i % 7 == 0)
      batch.column(3).AppendNull();
    else
      batch.column(3).AppendInt64(-i);
    batch.column(4).AppendDouble(i * 0.5);
    if (i % 5 == 0)
      batch.column(5).AppendNull();
    else
      batch.column(5).AppendString(std::string(i % 40, 'x'));
    batch.column(6).AppendBool(i % 2 == 0);
    batch.column(7).AppendString(i % 11 == 0 ? "" : "long string value " + std::to_string(rng()));
    if (i % 13 == 0)
      batch.column(8).AppendNull();
    else
      batch.column(8).AppendBool(i % 3 == 0);
  }
  return batch;
}

Schema EveryTypeSchema() {
  return Schema::Parse("ts:timestamp,symbol:symbol,a:i32,b:i64?,c:f64,d:string?,e:bool,f:string,g:bool?").value();
}

TEST(HotTier, InsertScanRoundTripWithNullsAndEveryType) {
  HotTier hot({});
  Schema schema = EveryTypeSchema();
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch batch = EveryType(schema, 5000, 3);
  ASSERT_OK(hot.Insert(1, batch.Slice(0, 3000), 1));
  ASSERT_OK(hot.Insert(1, batch.Slice(3000, 2000), 2));
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].Equals(Expected(batch, "AAA")));
  EXPECT_TRUE(out[1].Equals(Expected(batch, "BB")));
  EXPECT_TRUE(out[0].column(3).has_nulls());
  EXPECT_TRUE(out[0].column(5).has_nulls());
  EXPECT_EQ(hot.Symbols(1), (std::vector<std::string>{"AAA", "BB"}));
}

TEST(HotTier, NullableColumnsWithoutNullsComeBackWithoutValidity) {
  HotTier hot({});
  Schema schema = Schema::Parse("ts:timestamp,symbol:symbol,v:i64?").value();
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch batch(schema);
  for (int i = 0; i < 10; ++i) {
    batch.column(0).AppendInt64(i);
    batch.column(1).AppendString("X");
    batch.column(2).AppendInt64(i);
  }
  ASSERT_OK(hot.Insert(1, batch, 1));
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].column(2).validity().empty());
  EXPECT_OK(out[0].ValidateAgainst(schema));
  EXPECT_TRUE(out[0].Equals(batch));
}

TEST(HotTier, TimeRangeAndSymbolFilters) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  RecordBatch batch = MakeTrades(200000, 3, 0, 1);  // 1 ms apart, in order: many chunks per series
  for (size_t off = 0; off < batch.num_rows(); off += 1000) ASSERT_OK(hot.Insert(1, batch.Slice(off, 1000), off + 1));
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, 1},         {5'000'000, 5'000'001},      {65'535'000'000, 65'537'000'001},   {199'999'000'000, INT64_MAX},
      {-5, 0},        {INT64_MIN, INT64_MAX},      {100'000'000'000, 100'000'000'000}, {7, 3},
      {0, 1'000'000}, {199'999'000'001, INT64_MAX}};
  for (auto [from, to] : ranges) {
    ASSERT_OK_AND_ASSIGN(
        auto out, hot.Scan({.table_id = 1, .symbols = {"S2", "S0", "nope", "S2"}, .from_ts = from, .to_ts = to}));
    std::vector<RecordBatch> want;
    for (const char* s : {"S0", "S2"}) {
      RecordBatch w = Expected(batch, s, from, to);
      if (w.num_rows() > 0) want.push_back(std::move(w));
    }
    ASSERT_EQ(out.size(), want.size()) << from << " " << to;
    for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(out[i].Equals(want[i])) << from << " " << to;
  }
  ASSERT_OK_AND_ASSIGN(auto none, hot.Scan({.table_id = 1, .symbols = {"nope"}}));
  EXPECT_TRUE(none.empty());
}

TEST(HotTier, ProjectionKeepsRequestedOrder) {
  HotTier hot({});
  Schema schema = EveryTypeSchema();
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch batch = EveryType(schema, 2000, 9);
  ASSERT_OK(hot.Insert(1, batch, 1));
  std::vector<std::string> cols = {"f", "symbol", "b", "ts", "g", "d"};
  ASSERT_OK_AND_ASSIGN(
      auto out, hot.Scan({.table_id = 1, .symbols = {"BB"}, .from_ts = -20000, .to_ts = 30000, .columns = cols}));
  ASSERT_EQ(out.size(), 1u);
  ASSERT_OK_AND_ASSIGN(RecordBatch want, Expected(batch, "BB", -20000, 30000).Project(cols));
  EXPECT_TRUE(out[0].Equals(want));
  EXPECT_EQ(out[0].fields()[0].name, "f");
}

TEST(HotTier, OutOfOrderRowsComeBackSortedAndStableOnTies) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  // In order for a while (the sorted prefix), then late and tied rows, over several inserts.
  RecordBatch all(Trades());
  std::mt19937_64 rng(5);
  for (int i = 0; i < 30000; ++i) {
    int64_t ts = i < 20000 ? i * 10 : static_cast<int64_t>(rng() % 300000);
    if (i % 100 == 7) ts = 1000;  // ties across the prefix and the tail
    all.column(0).AppendInt64(ts);
    all.column(1).AppendString("X");
    all.column(2).AppendDouble(1.5);
    all.column(3).AppendInt64(i % 9);
    all.column(4).AppendInt64(i);  // arrival number: makes stability visible
    all.column(5).AppendString(i % 2 ? "XNAS" : "ARCX");
  }
  for (size_t off = 0; off < all.num_rows(); off += 2500) ASSERT_OK(hot.Insert(1, all.Slice(off, 2500), off + 1));
  for (auto [from, to] : std::vector<std::pair<int64_t, int64_t>>{
           {INT64_MIN, INT64_MAX}, {1000, 1001}, {50'000, 150'000}, {199'990, 200'000}, {250'000, 260'000}}) {
    ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1, .from_ts = from, .to_ts = to}));
    ASSERT_EQ(out.size(), 1u) << from;
    EXPECT_TRUE(out[0].Equals(Expected(all, "X", from, to))) << from << " " << to;
  }
}

TEST(HotTier, LatestWithTiesOutOfOrderAndReusedOutput) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  RecordBatch b(Trades());
  auto add = [&](int64_t ts, int64_t id, const char* sym = "X") {
    b.column(0).AppendInt64(ts);
    b.column(1).AppendString(sym);
    b.column(2).AppendDouble(1);
    b.column(3).AppendInt64(1);
    b.column(4).AppendInt64(id);
    b.column(5).AppendString("E" + std::to_string(id));
  };
  add(10, 1);
  add(30, 2);
  add(20, 3, "Y");
  add(30, 4);
  add(5, 5);
  ASSERT_OK(hot.Insert(1, b, 1));
  RecordBatch out;  // no fields yet: Latest gives it the table's
  ASSERT_OK(hot.Latest(1, "X", &out));
  ASSERT_EQ(out.num_rows(), 1u);
  EXPECT_EQ(out.column(4).int64s()[0], 4);
  EXPECT_EQ(out.column(1).GetString(0), "X");
  EXPECT_EQ(out.column(5).GetString(0), "E4");
  ASSERT_OK(hot.Latest(1, "Y", &out));
  EXPECT_EQ(out.column(0).int64s()[0], 20);
  EXPECT_EQ(out.column(1).GetString(0), "Y");
  EXPECT_EQ(out.column(4).int64s()[0], 3);

  // A later insert with an older ts does not move the latest; an equal ts does.
  b.Clear();
  add(29, 6);
  ASSERT_OK(hot.Insert(1, b, 2));
  const int64_t* storage = out.column(0).int64s().data();
  ASSERT_OK(hot.Latest(1, "X", &out));
  EXPECT_EQ(out.column(4).int64s()[0], 4);
  EXPECT_EQ(out.column(0).int64s().data(), storage) << "a reused output keeps its storage";
  b.Clear();
  add(30, 7);
  ASSERT_OK(hot.Insert(1, b, 3));
  ASSERT_OK(hot.Latest(1, "X", &out));
  EXPECT_EQ(out.column(4).int64s()[0], 7);

  // An output batch of other fields is replaced.
  RecordBatch other(Schema::Parse("ts:timestamp,symbol:symbol").value());
  ASSERT_OK(hot.Latest(1, "X", &other));
  EXPECT_EQ(other.fields(), Trades().fields());
  EXPECT_EQ(other.num_rows(), 1u);
}

TEST(HotTier, LatestOfNullableRow) {
  HotTier hot({});
  Schema schema = EveryTypeSchema();
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch batch = EveryType(schema, 1000, 4);
  ASSERT_OK(hot.Insert(1, batch, 1));
  for (const char* sym : {"AAA", "BB"}) {
    RecordBatch want = Expected(batch, sym);
    RecordBatch out;
    ASSERT_OK(hot.Latest(1, sym, &out));
    EXPECT_EQ(out.RowToString(0), want.RowToString(want.num_rows() - 1));
    EXPECT_TRUE(out.Equals(want.Slice(want.num_rows() - 1, 1)));
  }
}

TEST(HotTier, UnknownTableSeriesAndColumnAreErrors) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  ASSERT_OK(hot.AddTable(1, Trades()));  // idempotent
  EXPECT_EQ(hot.AddTable(1, EveryTypeSchema()).code(), StatusCode::kInvalidArgument);
  RecordBatch trades = MakeTrades(10, 2, 0, 1);
  EXPECT_TRUE(hot.Insert(2, trades, 1).IsNotFound());
  ASSERT_OK(hot.Insert(1, trades, 1));

  RecordBatch out;
  EXPECT_TRUE(hot.Latest(2, "S0", &out).IsNotFound());
  Status missing = hot.Latest(1, "ZZZ", &out);
  EXPECT_TRUE(missing.IsNotFound());
  EXPECT_NE(missing.message().find("ZZZ"), std::string::npos) << missing.ToString();
  EXPECT_TRUE(hot.Scan({.table_id = 9}).status().IsNotFound());
  auto bad_col = hot.Scan({.table_id = 1, .columns = {"price", "zz"}});
  EXPECT_EQ(bad_col.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_col.status().message().find("'zz'"), std::string::npos) << bad_col.status().ToString();
  EXPECT_TRUE(hot.Symbols(9).empty());
}

TEST(HotTier, InsertRejectsMismatchedOrMalformedBatchesWithoutInsertingAnything) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  RecordBatch other = EveryType(EveryTypeSchema(), 10, 1);
  Status st = hot.Insert(1, other, 1);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);

  RecordBatch renamed(Schema::Parse("ts:timestamp,symbol:symbol,price:f64,size:i64,trade_id:i64,venue:string").value());
  st = hot.Insert(1, renamed, 1);
  EXPECT_NE(st.message().find("venue"), std::string::npos) << st.ToString();

  RecordBatch torn = MakeTrades(10, 2, 0, 1);
  torn.column(3).int64s().pop_back();  // a column shorter than the batch
  st = hot.Insert(1, torn, 1);
  EXPECT_NE(st.message().find("'size'"), std::string::npos) << st.ToString();

  RecordBatch empty_symbol = MakeTrades(10, 2, 0, 1);
  empty_symbol.column(1) = Column(ColumnType::kSymbol);
  for (int i = 0; i < 10; ++i) empty_symbol.column(1).AppendString(i == 6 ? "" : "S0");
  st = hot.Insert(1, empty_symbol, 1);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("row 6"), std::string::npos) << st.ToString();

  EXPECT_TRUE(hot.Symbols(1).empty());
  EXPECT_EQ(hot.used_bytes(), 0u);
  ASSERT_OK(hot.Insert(1, RecordBatch(Trades()), 1));  // no rows: nothing to do
  EXPECT_EQ(hot.used_bytes(), 0u);
}

TEST(HotTier, StatsCountRowsSeriesBytesAndMaxLsnPerTable) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  ASSERT_OK(hot.AddTable(2, Trades()));
  ASSERT_OK(hot.Insert(1, MakeTrades(1000, 4, 0, 1), 7));
  ASSERT_OK(hot.Insert(1, MakeTrades(500, 2, 0, 2), 9));
  ASSERT_OK(hot.Insert(2, MakeTrades(10, 1, 0, 3), 8));
  std::vector<HotTableStats> stats = hot.Stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].table_id, 1u);
  EXPECT_EQ(stats[0].rows, 1500u);
  EXPECT_EQ(stats[0].series, 4u);
  EXPECT_EQ(stats[0].max_lsn, 9u);
  EXPECT_EQ(stats[1].rows, 10u);
  EXPECT_EQ(stats[1].series, 1u);
  EXPECT_EQ(stats[1].max_lsn, 8u);
  EXPECT_EQ(stats[0].bytes + stats[1].bytes, hot.used_bytes());
  EXPECT_GT(stats[0].bytes, 1500u * 40);
}

TEST(HotTier, DropUpToRemovesFlushedRowsOnly) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  RecordBatch all = MakeTrades(3000, 2, 0, 5);
  // LSNs arrive out of order (concurrent appenders): 1, 3, 2.
  ASSERT_OK(hot.Insert(1, all.Slice(0, 1000), 1));
  ASSERT_OK(hot.Insert(1, all.Slice(1000, 1000), 3));
  ASSERT_OK(hot.Insert(1, all.Slice(2000, 1000), 2));
  EXPECT_EQ(hot.Stats()[0].max_lsn, 3u);
  const size_t before = hot.used_bytes();
  ASSERT_OK(hot.DropUpTo(0));  // nothing that old
  EXPECT_EQ(hot.used_bytes(), before);

  ASSERT_OK(hot.DropUpTo(2));
  EXPECT_LT(hot.used_bytes(), before);
  RecordBatch rest = all.Slice(1000, 1000);
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].Equals(Expected(rest, "S0")));
  EXPECT_TRUE(out[1].Equals(Expected(rest, "S1")));
  RecordBatch latest;
  ASSERT_OK(hot.Latest(1, "S0", &latest));
  RecordBatch want = Expected(rest, "S0");
  EXPECT_EQ(latest.RowToString(0), want.RowToString(want.num_rows() - 1));
  EXPECT_EQ(hot.Stats()[0].max_lsn, 3u);
  EXPECT_EQ(hot.Stats()[0].bytes, hot.used_bytes());

  // Inserts continue after a drop, and a later drop of an older LSN than some kept rows works.
  ASSERT_OK(hot.Insert(1, all.Slice(2000, 1000), 4));
  ASSERT_OK(hot.DropUpTo(3));
  ASSERT_OK_AND_ASSIGN(out, hot.Scan({.table_id = 1}));
  rest = all.Slice(2000, 1000);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].Equals(Expected(rest, "S0")));

  ASSERT_OK(hot.DropUpTo(4));
  EXPECT_TRUE(hot.Scan({.table_id = 1})->empty());
  EXPECT_TRUE(hot.Symbols(1).empty());
  EXPECT_TRUE(hot.Latest(1, "S0", &latest).IsNotFound());
  EXPECT_EQ(hot.Stats()[0].series, 0u);
  EXPECT_EQ(hot.Stats()[0].max_lsn, 0u);
  EXPECT_LT(hot.used_bytes(), 2 * 1024u) << "emptied series keep only their headers";
  EXPECT_EQ(hot.Stats()[0].bytes, hot.used_bytes());
}

TEST(HotTier, PendingUpToAndOneTableDrop) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  ASSERT_OK(hot.AddTable(2, Trades()));
  RecordBatch a = MakeTrades(1000, 2, 0, 5), b = MakeTrades(600, 3, 0, 6);
  ASSERT_OK(hot.Insert(1, a.Slice(0, 500), 1));
  ASSERT_OK(hot.Insert(2, b, 2));
  ASSERT_OK(hot.Insert(1, a.Slice(500, 500), 3));
  // The largest series of each table, for the per-series flush triggers.
  for (const HotTableStats& st : hot.Stats()) {
    uint64_t largest = 0;
    ASSERT_OK_AND_ASSIGN(auto per_symbol, hot.Scan({.table_id = st.table_id}));
    for (const RecordBatch& s : per_symbol) largest = std::max<uint64_t>(largest, s.num_rows());
    EXPECT_EQ(st.max_series_rows, largest);
    EXPECT_GT(st.max_series_bytes, 0u);
    EXPECT_LE(st.max_series_bytes, st.bytes);
  }
  // Loads copy each series' rows at or below the LSN in arrival order, for every table or just one.
  auto rows_of = [](const RecordBatch& batch, std::string_view symbol) {
    std::vector<uint32_t> idx;
    for (size_t i = 0; i < batch.num_rows(); ++i) {
      if (batch.column(1).GetString(i) == symbol) idx.push_back(static_cast<uint32_t>(i));
    }
    return batch.Take(idx);
  };
  const auto lazy = hot.PendingUpTo(2);
  ASSERT_EQ(lazy.size(), 5u);  // every series with rows, even those with none at or below the LSN
  size_t loaded = 0;
  std::pair<uint32_t, std::string> last{0, ""};
  for (const auto& p : lazy) {
    EXPECT_LT(last, std::make_pair(p.table_id, p.symbol)) << "ordered by table, then symbol";
    last = {p.table_id, p.symbol};
    RecordBatch rows(Trades());
    p.load(&rows);
    const RecordBatch want = rows_of(p.table_id == 1 ? a.Slice(0, 500) : b, p.symbol);
    EXPECT_TRUE(rows.Equals(want)) << p.table_id << " " << p.symbol;
    loaded += rows.num_rows();
  }
  EXPECT_EQ(loaded, 500u + 600u);
  const auto only2 = hot.PendingUpTo(3, 2u);
  ASSERT_EQ(only2.size(), 3u);
  for (const auto& p : only2) EXPECT_EQ(p.table_id, 2u);
  // Dropping table 1 only leaves table 2 whole.
  ASSERT_OK(hot.DropUpTo(3, 1u));
  EXPECT_TRUE(hot.Scan({.table_id = 1})->empty());
  ASSERT_OK_AND_ASSIGN(auto rest, hot.Scan({.table_id = 2}));
  size_t rows = 0;
  for (const RecordBatch& r : rest) rows += r.num_rows();
  EXPECT_EQ(rows, 600u);
  EXPECT_TRUE(hot.DropUpTo(3, 7u).IsNotFound());
}

TEST(HotTier, DropUpToKeepsOutOfOrderAndStringRowsIntact) {
  HotTier hot({});
  Schema schema = EveryTypeSchema();
  ASSERT_OK(hot.AddTable(1, schema));
  RecordBatch all = EveryType(schema, 6000, 8);
  for (int i = 0; i < 6; ++i) ASSERT_OK(hot.Insert(1, all.Slice(i * 1000, 1000), i % 2 ? 10 + i : i));
  ASSERT_OK(hot.DropUpTo(9));  // keeps the odd inserts: LSNs 11, 13, 15
  RecordBatch kept = all.Slice(1000, 1000);
  ASSERT_OK(kept.Append(all.Slice(3000, 1000)));
  ASSERT_OK(kept.Append(all.Slice(5000, 1000)));
  ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].Equals(Expected(kept, "AAA")));
  EXPECT_TRUE(out[1].Equals(Expected(kept, "BB")));
  ASSERT_OK(hot.DropUpTo(13));
  ASSERT_OK_AND_ASSIGN(out, hot.Scan({.table_id = 1}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[1].Equals(Expected(all.Slice(5000, 1000), "BB")));
}

// Raw bytes of a batch's columns as the brief counts them: 8 per int64/double, 4 per i32, 1 per
// bool, string characters + 4-byte offsets; the symbol column is stored once per series.
uint64_t RawBytes(const RecordBatch& b) {
  uint64_t raw = 0;
  for (size_t c = 0; c < b.num_columns(); ++c) {
    if (b.fields()[c].type != ColumnType::kSymbol) raw += b.column(c).ByteSize();
  }
  return raw;
}

TEST(HotTier, MemoryStaysWithinTwentyPercentOfRawColumns) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  uint64_t raw = 0;
  for (int i = 0; i < 200; ++i) {  // 2M trades over 10 symbols
    RecordBatch b = MakeTrades(10000, 10, int64_t{i} * 10'000'000'000, i);
    raw += RawBytes(b);
    ASSERT_OK(hot.Insert(1, b, static_cast<uint64_t>(i + 1)));
  }
  const double ratio = static_cast<double>(hot.used_bytes()) / static_cast<double>(raw);
  EXPECT_LE(ratio, 1.2) << "hot bytes " << hot.used_bytes() << " raw " << raw;
  // Every value, end offset and character is stored; only the per-batch extra offset is not.
  EXPECT_GE(ratio, 0.9999) << "used_bytes must count what is allocated";
  uint64_t stats_bytes = 0;
  for (const auto& s : hot.Stats()) stats_bytes += s.bytes;
  EXPECT_EQ(stats_bytes, hot.used_bytes());
}

TEST(HotTier, ThinSeriesDoNotEachTakeABigChunk) {
  HotTier hot({});
  ASSERT_OK(hot.AddTable(1, Trades()));
  RecordBatch b(Trades());
  for (int s = 0; s < 2000; ++s) {
    b.column(0).AppendInt64(s);
    b.column(1).AppendString("SYM" + std::to_string(s));
    b.column(2).AppendDouble(1);
    b.column(3).AppendInt64(1);
    b.column(4).AppendInt64(s);
    b.column(5).AppendString("XNAS");
  }
  ASSERT_OK(hot.Insert(1, b, 1));
  EXPECT_EQ(hot.Symbols(1).size(), 2000u);
  EXPECT_LT(hot.used_bytes() / 2000, 2048u) << "bytes per one-row series";
}

TEST(HotTier, PressureHookFiresOnlyOverBudget) {
  std::vector<size_t> seen;
  HotTier hot({.memory_budget_bytes = 200'000, .on_pressure = [&](size_t used) { seen.push_back(used); }});
  ASSERT_OK(hot.AddTable(1, Trades()));
  ASSERT_OK(hot.Insert(1, MakeTrades(100, 1, 0, 1), 1));
  EXPECT_TRUE(seen.empty());
  ASSERT_OK(hot.Insert(1, MakeTrades(20000, 1, 0, 1), 2));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_GT(seen[0], 200'000u);
  EXPECT_EQ(seen[0], hot.used_bytes());
  ASSERT_OK(hot.Insert(1, MakeTrades(10, 1, 0, 1), 3));  // still over: called again
  EXPECT_EQ(seen.size(), 2u);
  ASSERT_OK(hot.DropUpTo(3));
  ASSERT_OK(hot.Insert(1, MakeTrades(100, 1, 0, 1), 4));
  EXPECT_EQ(seen.size(), 2u);
}

TEST(HotTier, DroppedChunkMemoryIsReusedUpToThePoolLimit) {
  RecordBatch trades = MakeTrades(200000, 4, 0, 1);
  for (size_t limit : {size_t{0}, size_t{300'000}, size_t{256} << 20}) {
    HotTier hot({.chunk_pool_bytes = limit});
    ASSERT_OK(hot.AddTable(1, Trades()));
    ASSERT_OK(hot.Insert(1, trades, 1));
    EXPECT_EQ(hot.pooled_bytes(), 0u);
    const size_t used = hot.used_bytes();
    ASSERT_OK(hot.DropUpTo(1));
    const size_t pooled = hot.pooled_bytes();
    EXPECT_LE(pooled, limit);
    if (limit == 0) {
      EXPECT_EQ(pooled, 0u);
    } else if (limit > used) {
      EXPECT_GT(pooled, used / 2) << "most chunk memory is kept";
    }
    ASSERT_OK(hot.Insert(1, trades, 2));
    EXPECT_EQ(hot.used_bytes(), used) << "the same rows take the same memory";
    if (pooled > 0) {
      EXPECT_LT(hot.pooled_bytes(), pooled) << "inserts take pooled buffers";
    }
    ASSERT_OK_AND_ASSIGN(auto out, hot.Scan({.table_id = 1, .symbols = {"S1"}}));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].Equals(Expected(trades, "S1")));
  }
}

}  // namespace
}  // namespace strata
