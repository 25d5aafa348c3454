// OHLCV in SQL (SAMPLE BY, GROUP BY time_bucket) is answered by the engine's bars when the
// aggregates map onto them (binder_sample.cc TryBars). That fast path must answer exactly as the
// hash aggregate does: rows on bucket edges, NaN prices (a value in SQL: the largest double, counted,
// possibly the open or close), rows of one minute split between warm files and the hot tier, and
// duplicates dropped across the tiers.
#include <gtest/gtest.h>

#include <cmath>

#include "lake_test_util.h"
#include "query/batch_stream.h"
#include "sql/binder.h"
#include "sql/parser.h"
#include "testutil/testutil.h"

namespace strata::sql {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kM0 = 1'772'445'600'000'000'000;  // 2026-03-02 10:00:00Z

// A fresh database with the table "trades" (dedup key trade_id).
class SampleBarsTest : public strata::testing::TradesDbTest {
 protected:
  // One trade.
  void Add(RecordBatch* b, int64_t ts, const char* sym, double price, int64_t size, int64_t id) {
    for (size_t c = 0; c < b->num_columns(); ++c) {
      const std::string& n = b->fields()[c].name;
      Column& col = b->column(c);
      if (n == "ts") {
        col.AppendInt64(ts);
      } else if (n == "symbol") {
        col.AppendString(sym);
      } else if (n == "price") {
        col.AppendDouble(price);
      } else if (n == "size") {
        col.AppendInt64(size);
      } else if (n == "trade_id") {
        col.AppendInt64(id);
      } else {
        col.AppendString("X");
      }
    }
  }

  std::string Rows(const std::string& sql, size_t columns) {
    auto stream = RunSql(db_.get(), sql);
    EXPECT_TRUE(stream.ok()) << sql << ": " << stream.status().ToString();
    if (!stream.ok()) return "";
    auto all = query::Collect(stream->get());
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    std::string out;
    for (size_t r = 0; all.ok() && r < all->num_rows(); ++r) {
      for (size_t c = 0; c < columns; ++c) {
        const Column& col = all->column(c);
        if (col.IsNull(r)) {
          out += "NULL";
        } else if (col.type() == ColumnType::kFloat64) {
          const double d = col.doubles()[r];
          out += std::isnan(d) ? "NaN" : std::to_string(d);
        } else if (col.type() == ColumnType::kString || col.type() == ColumnType::kSymbol) {
          out += std::string(col.GetString(r));
        } else {
          out += std::to_string(col.int64s()[r]);
        }
        out += c + 1 < columns ? "|" : "\n";
      }
    }
    return out;
  }

  bool UsesBars(const std::string& sql) {
    auto st = ParseStatement(sql);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    TableLookup lookup = [&](std::string_view name) { return db_->GetTable(name); };
    auto b = BindSelect(*st->query, lookup);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() && b->bars != nullptr;
  }
};

TEST_F(SampleBarsTest, BarsAnswerAsTheHashAggregate) {
  const double nan = std::nan("");
  RecordBatch warm(*Schema::Template("trades"));
  int64_t id = 0;
  // Minute 0: A opens on the bucket's first nanosecond, a NaN in the middle, the last row one
  // nanosecond before minute 1. Minute 1: A's first price NaN. Minute 2: every A price NaN.
  // Minute 3: A's last price NaN. B: numbers only, on every edge.
  Add(&warm, kM0, "A", 10, 1, ++id);
  Add(&warm, kM0 + 20 * kSec, "A", nan, 2, ++id);
  Add(&warm, kM0 + 60 * kSec - 1, "A", 9, 3, ++id);
  Add(&warm, kM0 + 60 * kSec, "A", nan, 4, ++id);
  Add(&warm, kM0 + 70 * kSec, "A", 11, 5, ++id);
  Add(&warm, kM0 + 120 * kSec, "A", nan, 6, ++id);
  Add(&warm, kM0 + 150 * kSec, "A", nan, 7, ++id);
  Add(&warm, kM0 + 180 * kSec, "A", 12, 8, ++id);
  Add(&warm, kM0 + 239 * kSec, "A", nan, 9, ++id);
  for (int i = 0; i < 8; ++i) Add(&warm, kM0 + i * 30 * kSec - (i % 2), "B", 100 + i, 10 + i, ++id);
  ASSERT_OK(db_->Append("trades", warm));
  ASSERT_OK(db_->Flush());
  // Hot rows in the same minutes (A's minute 0 and 1, B's minute 2), and duplicates of warm
  // rows (same trade_id and ts), which the scan drops.
  RecordBatch hot(*Schema::Template("trades"));
  Add(&hot, kM0 + 30 * kSec, "A", 8, 11, ++id);
  Add(&hot, kM0 + 90 * kSec, "A", nan, 12, ++id);
  Add(&hot, kM0 + 125 * kSec, "B", 99, 13, ++id);
  Add(&hot, kM0, "A", 10, 1, 1);                     // the first warm row again
  Add(&hot, kM0 + 30 * kSec - 1, "B", 101, 11, 11);  // a warm B row on an edge again
  ASSERT_OK(db_->Append("trades", hot));
  ASSERT_EQ(Rows("SELECT count(*) FROM trades", 1), "20\n");

  const std::string ohlcv =
      "first(price) AS o, max(price) AS h, min(price) AS l, last(price) AS c, "
      "sum(size) AS v, count(*) AS n, count(price) AS np";
  for (const std::string where : {"", "WHERE symbol = 'A' ", "WHERE ts >= '2026-03-02 10:01:00' "}) {
    const std::string sample = "SELECT ts, symbol, " + ohlcv + " FROM trades " + where + "SAMPLE BY 1m";
    const std::string sample_hash =
        "SELECT ts, symbol, " + ohlcv + ", avg(size) AS a FROM trades " + where + "SAMPLE BY 1m";
    EXPECT_TRUE(UsesBars(sample)) << sample;
    EXPECT_FALSE(UsesBars(sample_hash)) << sample_hash;
    const std::string want = Rows(sample_hash, 9);
    EXPECT_NE(want, "");
    EXPECT_EQ(Rows(sample, 9), want) << sample;
    const std::string bucket = "SELECT time_bucket(INTERVAL '1 minute', ts) AS t, symbol, " + ohlcv;
    const std::string order = "GROUP BY t, symbol ORDER BY t, symbol";
    EXPECT_TRUE(UsesBars(bucket + " FROM trades " + where + order));
    EXPECT_EQ(Rows(bucket + " FROM trades " + where + order, 9),
              Rows(bucket + ", avg(size) AS a FROM trades " + where + order, 9))
        << where;
  }
  // Hand-checked: A's minutes (NaN is the largest double; min skips it unless every price is NaN).
  auto at = [](int64_t sec) { return std::to_string(kM0 + sec * kSec); };
  EXPECT_EQ(Rows("SELECT ts, " + ohlcv + " FROM trades WHERE symbol = 'A' SAMPLE BY 1m", 8),
            at(0) + "|10.000000|NaN|8.000000|9.000000|17|4|4\n" + at(60) + "|NaN|NaN|11.000000|NaN|21|3|3\n" + at(120) +
                "|NaN|NaN|NaN|NaN|13|2|2\n" + at(180) + "|12.000000|NaN|12.000000|NaN|17|2|2\n");
}

// A derived bar table (policy {"bars": ["1m"]}) is written by flush with the kernel; on a table
// holding NaN prices its bars must be those SQL computes from the rows, both read directly and
// when SAMPLE BY rolls them up (it answers 1m and 5m from trades_bars_1m).
TEST_F(SampleBarsTest, DerivedBarTableWithNaNPricesAnswersAsTheRows) {
  ASSERT_OK(db_->CreateTable({"nt", *Schema::Template("trades"), "trade_id", R"({"bars":["1m"]})"}));
  const double nan = std::nan("");
  RecordBatch rows(*Schema::Template("trades"));
  int64_t id = 0;
  // A: a NaN among numbers (minute 0), only NaNs (minute 1), a NaN open (minute 3), a NaN close
  // (minute 6). B: numbers only.
  Add(&rows, kM0, "A", 10, 1, ++id);
  Add(&rows, kM0 + 20 * kSec, "A", nan, 2, ++id);
  Add(&rows, kM0 + 40 * kSec, "A", 8, 3, ++id);
  Add(&rows, kM0 + 60 * kSec, "A", nan, 4, ++id);
  Add(&rows, kM0 + 61 * kSec, "A", nan, 5, ++id);
  Add(&rows, kM0 + 180 * kSec, "A", nan, 6, ++id);
  Add(&rows, kM0 + 200 * kSec, "A", 12, 7, ++id);
  Add(&rows, kM0 + 360 * kSec, "A", 7, 8, ++id);
  Add(&rows, kM0 + 419 * kSec, "A", nan, 9, ++id);
  for (int i = 0; i < 6; ++i) Add(&rows, kM0 + i * 70 * kSec, "B", 100 + i, 10 + i, ++id);
  ASSERT_OK(db_->Append("nt", rows));
  ASSERT_OK(db_->Flush());  // every row warm: the derived table covers them all

  const std::string ohlcv =
      "first(price) AS o, max(price) AS h, min(price) AS l, last(price) AS c, sum(size) AS v, count(*) AS n";
  const std::string from_rows =
      Rows("SELECT ts, symbol, " + ohlcv + ", avg(size) AS a FROM nt SAMPLE BY 1m ORDER BY symbol, ts", 8);
  ASSERT_NE(from_rows, "");
  EXPECT_NE(from_rows.find("NaN"), std::string::npos);
  // The derived table itself.
  EXPECT_EQ(Rows("SELECT ts, symbol, open, high, low, close, volume, count FROM nt_bars_1m ORDER BY symbol, ts", 8),
            from_rows);
  // SAMPLE BY answered from it (1m as stored, 5m rolled up) against the hash aggregate.
  for (const std::string step : {"1m", "5m"}) {
    const std::string bars = "SELECT ts, symbol, " + ohlcv + " FROM nt SAMPLE BY " + step + " ORDER BY symbol, ts";
    const std::string hash =
        "SELECT ts, symbol, " + ohlcv + ", avg(size) AS a FROM nt SAMPLE BY " + step + " ORDER BY symbol, ts";
    EXPECT_TRUE(UsesBars(bars)) << bars;
    EXPECT_EQ(Rows(bars, 8), Rows(hash, 8)) << step;
  }
}

}  // namespace
}  // namespace strata::sql
