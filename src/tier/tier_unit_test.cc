#include <gtest/gtest.h>

#include <cmath>

#include "strata/timestamp.h"
#include "testutil/testutil.h"
#include "tier/dedup.h"
#include "tier/derived_bars.h"
#include "tier/lake.h"
#include "tier/policy.h"
#include "tier/ts_sort.h"

namespace strata::tier {
namespace {

TEST(LakePaths, HivePartitionedNames) {
  const int64_t day = DaysFromCivil(2026, 3, 2);
  EXPECT_EQ(WarmRelPath("trades", day, "AAPL", 3), "warm/trades/date=2026-03-02/symbol=AAPL/part-000003.parquet");
  const int64_t month = MonthOf(day * kNanosPerDay + 5);
  EXPECT_EQ(ColdKey("trades", month, "BRK/B", 12), "trades/year=2026/month=03/symbol=BRK%2FB/part-000012.parquet");
  EXPECT_EQ(MonthStartNs(month), DaysFromCivil(2026, 3, 1) * kNanosPerDay);
  EXPECT_EQ(MonthOf(-1), -1);  // December 1969
  EXPECT_EQ(MonthStartNs(-1), DaysFromCivil(1969, 12, 1) * kNanosPerDay);
  EXPECT_EQ(EscapePartitionValue(".."), "%..");
  EXPECT_EQ(EscapePartitionValue("a b=c"), "a%20b%3Dc");
  EXPECT_EQ(PartSeq("x/part-000042.parquet"), 42);
  EXPECT_EQ(PartSeq("x/part-.parquet"), std::nullopt);
  EXPECT_EQ(PartSeq("x/part-12a.parquet"), std::nullopt);
  EXPECT_EQ(PartSeq("x/stray.parquet"), std::nullopt);
}

TEST(LakePaths, DayAndMonthBoundsSaturateAtTheEdgesOfInt64) {
  // Inside the range every bound is exact.
  const int64_t first_day = DayOf(kMinTimestampNs), last_day = DayOf(kMaxTimestampNs);
  EXPECT_EQ(DayStartNs(first_day), kMinTimestampNs);
  EXPECT_EQ(DayLastNs(last_day), kMaxTimestampNs);
  EXPECT_EQ(DayLastNs(0), kNanosPerDay - 1);
  EXPECT_EQ(DayLastNs(-1), -1);
  EXPECT_EQ(MonthStartNs(MonthOf(kMaxTimestampNs) + 1), kMaxTimestampNs + 1);
  EXPECT_EQ(MonthStartNs(MonthOf(kMinTimestampNs)), kMinTimestampNs);
  // The partial days at the ends of int64: the bounds saturate instead of wrapping.
  EXPECT_EQ(DayLastNs(DayOf(INT64_MAX)), INT64_MAX);
  EXPECT_EQ(DayStartNs(DayOf(INT64_MAX) + 1), INT64_MAX);
  EXPECT_EQ(DayStartNs(DayOf(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(DayLastNs(DayOf(INT64_MIN)), DayStartNs(DayOf(INT64_MIN) + 1) - 1);
  EXPECT_EQ(MonthStartNs(MonthOf(INT64_MAX) + 1), INT64_MAX);
  EXPECT_EQ(MonthStartNs(MonthOf(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(MonthStartNs(INT64_MAX), INT64_MAX);
  EXPECT_EQ(MonthStartNs(INT64_MIN), INT64_MIN);
  EXPECT_EQ(WarmSeriesDayDir("t", DayOf(INT64_MIN), "A"), "warm/t/date=1677-09-21/symbol=A");
}

TEST(LakePaths, TheLongestValidSymbolMakesA255ByteDirectoryName) {
  for (const std::string& sym :
       {std::string(kMaxEscapedSymbolBytes, 'A'), std::string(kMaxEscapedSymbolBytes / 3, '/')}) {
    ASSERT_OK(ValidateSymbol(sym));
    EXPECT_LE(("symbol=" + EscapePartitionValue(sym)).size(), 255u);
  }
}

TEST(LakeRows, StableSortAndDedup) {
  Schema schema = *Schema::Template("trades");
  RecordBatch b(schema);
  auto add = [&](int64_t ts, int64_t id, double px) {
    b.column(0).AppendInt64(ts);
    b.column(1).AppendString("X");
    b.column(2).AppendDouble(px);
    b.column(3).AppendInt64(1);
    b.column(4).AppendInt64(id);
    b.column(5).AppendString("E");
  };
  add(30, 3, 1.0);
  add(10, 1, 1.0);
  add(30, 4, 2.0);
  add(10, 1, 9.0);  // same key as row 1: dropped (the first in ts order wins)
  add(20, 2, 1.0);
  RecordBatch sorted = SortByTs(b, 0);
  EXPECT_EQ(sorted.column(4).int64s(), (std::vector<int64_t>{1, 1, 2, 3, 4}));
  EXPECT_EQ(sorted.column(2).doubles()[1], 9.0);  // stable
  RecordBatch by_key = sorted;
  EXPECT_EQ(Dedup(&by_key, 4), 1u);
  EXPECT_EQ(by_key.column(2).doubles(), (std::vector<double>{1.0, 1.0, 1.0, 2.0}));
  RecordBatch exact = sorted;
  EXPECT_EQ(Dedup(&exact, -1), 0u);  // no two rows equal in every column
  RecordBatch twice = sorted;
  ASSERT_OK(twice.Append(sorted));
  twice = SortByTs(twice, 0);
  EXPECT_EQ(Dedup(&twice, -1), 5u);
  EXPECT_TRUE(twice.Equals(sorted));
}

// A key identifies a row at its timestamp (dedup.h): the same key at another time is another row.
TEST(LakeRows, DedupKeyIsPerTimestamp) {
  Schema schema = *Schema::Template("trades");
  RecordBatch b(schema);
  auto add = [&](int64_t ts, int64_t id, double px) {
    b.column(0).AppendInt64(ts);
    b.column(1).AppendString("X");
    b.column(2).AppendDouble(px);
    b.column(3).AppendInt64(1);
    b.column(4).AppendInt64(id);
    b.column(5).AppendString("E");
  };
  for (int i = 0; i < 100; ++i) add(5, i, 1.0);  // a run of 100 rows at one ts: the hashed path
  for (int i = 0; i < 100; ++i) add(5, i, 2.0);  // their replay, other prices: the first arrival wins
  add(7, 3, 3.0);                                // key 3 again at another ts: kept
  add(7, 3, 3.0);                                // and its duplicate: dropped
  EXPECT_EQ(Dedup(&b, 4), 101u);
  ASSERT_EQ(b.num_rows(), 101u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.column(2).doubles()[static_cast<size_t>(i)], 1.0);
  EXPECT_EQ(b.column(0).int64s()[100], 7);
  RecordBatch none(schema);
  EXPECT_EQ(Dedup(&none, 4), 0u);
}

// Without a key every column counts: null equals null, floats compare bitwise.
TEST(LakeRows, DedupWithoutKeyComparesEveryColumn) {
  Schema schema = *Schema::Parse("ts:timestamp,symbol:symbol,px:f64,note:string?");
  RecordBatch b(schema);
  auto add = [&](double px, const char* note) {
    b.column(0).AppendInt64(1);
    b.column(1).AppendString("X");
    b.column(2).AppendDouble(px);
    if (note == nullptr) {
      b.column(3).AppendNull();
    } else {
      b.column(3).AppendString(note);
    }
  };
  add(1.0, nullptr);
  add(1.0, nullptr);  // dropped
  add(1.0, "a");
  add(1.0, "a");  // dropped
  add(0.0, "a");
  add(-0.0, "a");  // another bit pattern: kept
  EXPECT_EQ(Dedup(&b, -1), 2u);
  ASSERT_EQ(b.num_rows(), 4u);
  EXPECT_TRUE(b.column(3).IsNull(0));
  EXPECT_EQ(b.column(3).GetString(1), "a");
  EXPECT_EQ(std::signbit(b.column(2).doubles()[3]), true);
}

TEST(TablePolicyTest, ParseValidateRoundTrip) {
  ASSERT_OK_AND_ASSIGN(TablePolicy p, TablePolicy::Parse(R"({"warm_days":7,"cold_days":3650,"warm_codec":"lz4_raw"})"));
  EXPECT_EQ(*p.warm_days, 7);
  EXPECT_EQ(*p.cold_days, 3650);
  EXPECT_EQ(*p.WarmCompression(), CompressionType::kLz4Raw);
  EXPECT_EQ(p.ColdZstdLevel(), 9);
  EXPECT_EQ(p.MaxWarmParts(), 4);
  ASSERT_OK_AND_ASSIGN(TablePolicy back, TablePolicy::Parse(p.ToJson()));
  EXPECT_EQ(back.ToJson(), p.ToJson());
  ASSERT_OK_AND_ASSIGN(TablePolicy empty, TablePolicy::Parse("{}"));
  EXPECT_FALSE(empty.warm_days || empty.cold_days || empty.warm_max_bytes);
  EXPECT_EQ(*empty.WarmCompression(), CompressionType::kSnappy);
  TablePolicy update;
  update.cold_days = 10;
  p.MergeFrom(update);
  EXPECT_EQ(*p.cold_days, 10);
  EXPECT_EQ(*p.warm_days, 7);
  for (const char* bad : {"[]", "nope", R"({"warm_days":"7"})", R"({"warm_days":-1})", R"({"x":1})",
                          R"({"cold_zstd_level":40})", R"({"warm_codec":"gzip"})", R"({"flush_rows":0})"}) {
    EXPECT_FALSE(TablePolicy::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace strata::tier

namespace strata::tier {
namespace {

TEST(PolicyBars, ParsesValidatesAndRoundTrips) {
  ASSERT_OK_AND_ASSIGN(TablePolicy p, TablePolicy::Parse(R"({"bars": ["1d", "60s", "1m", "5m"]})"));
  ASSERT_TRUE(p.bars.has_value());
  EXPECT_EQ(*p.bars, (std::vector<std::string>{"1m", "5m", "1d"}));  // canonical, unique, ascending
  EXPECT_EQ(p.BarIntervals(), (std::vector<int64_t>{kNanosPerMinute, 5 * kNanosPerMinute, kNanosPerDay}));
  ASSERT_OK_AND_ASSIGN(TablePolicy back, TablePolicy::Parse(p.ToJson()));
  EXPECT_EQ(back.bars, p.bars);
  for (const char* bad : {R"({"bars": "1m"})", R"({"bars": [60]})", R"({"bars": ["7m"]})", R"({"bars": ["2d"]})",
                          R"({"bars": ["500ms"]})", R"({"derived_from": "trades"})",
                          R"({"derived_from": "t", "bar_interval": "1m", "bars": ["1m"]})"}) {
    EXPECT_FALSE(TablePolicy::Parse(bad).ok()) << bad;
  }
  TablePolicy merged;
  merged.MergeFrom(p);
  EXPECT_EQ(merged.bars, p.bars);
}

TEST(PolicyBars, DerivedTableDefs) {
  TableDef trades{"trades", *Schema::Template("trades"), std::nullopt, R"({"bars": ["1m", "1d"]})"};
  ASSERT_OK_AND_ASSIGN(auto defs, DerivedBarTableDefs(trades));
  ASSERT_EQ(defs.size(), 2u);
  EXPECT_EQ(defs[0].name, "trades_bars_1m");
  EXPECT_EQ(defs[1].name, "trades_bars_1d");
  ASSERT_OK_AND_ASSIGN(TablePolicy d, TablePolicy::Parse(defs[0].policy_json));
  EXPECT_TRUE(d.IsDerived());
  EXPECT_EQ(*d.derived_from, "trades");
  EXPECT_EQ(defs[0].schema.ToString(),
            "ts:timestamp,symbol:symbol,open:f64,high:f64,low:f64,close:f64,volume:i64,"
            "vwap:f64?,count:i64?");
  TableDef quotes{"quotes", *Schema::Template("quotes"), std::nullopt, R"({"bars": ["1m"]})"};
  EXPECT_FALSE(DerivedBarTableDefs(quotes).ok());
  TableDef plain{"trades", *Schema::Template("trades"), std::nullopt, "{}"};
  ASSERT_OK_AND_ASSIGN(defs, DerivedBarTableDefs(plain));
  EXPECT_TRUE(defs.empty());
}

}  // namespace
}  // namespace strata::tier
