// SQL joins, ASOF JOIN, SAMPLE BY and LATEST ON in strata, compared with DuckDB over the same lake
// value for value, and QuestDB's fills against hand-checked answers.
//
// Tables, each split across the tiers: `trades` (price, size, exchange nullable) and `quotes` over
// three days, the first migrated to cold, the second flushed to warm, the third (and a late part of
// the second) hot; `ref`, a small reference table (a symbol twice, one never traded, null values),
// warm; `ticks` (price and size never null) with a derived bar table of 1 minute, so that OHLCV
// SAMPLE BY / time_bucket queries are answered from bars; `sparse`, a few hand-placed trades for
// the fills. DuckDB (from npm, tools/interop/setup.sh) reads the cold and warm Parquet files with
// hive_partitioning plus the hot rows written to a Parquet file with our writer. QuestDB forms
// are compared with their DuckDB equivalents (ASOF JOIN ON (symbol) = ASOF LEFT JOIN; LATEST ON =
// a join with the max(ts) per partition). Without node or DuckDB the test fails: it never skips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lake_test_util.h"
#include "parquet/parquet_writer.h"
#include "query/batch_stream.h"
#include "query/plan.h"
#include "sql/binder.h"
#include "sql/binder_internal.h"
#include "sql/parser.h"
#include "testutil/duckdb_peer.h"
#include "testutil/node_runner.h"

namespace strata {
namespace STRATA_UNITY_ID {

using json = nlohmann::json;
using testing::kDayNs;
using testing::kMar2;

constexpr int64_t kOpen = 34'200'000'000'000LL;  // 09:30
constexpr int64_t kSec = 1'000'000'000LL;

Schema JTradesSchema() {
  return *Schema::Parse("ts:timestamp,symbol:symbol,price:f64?,size:i64?,id:i64,exchange:string?");
}
Schema JQuotesSchema() { return *Schema::Parse("ts:timestamp,symbol:symbol,bid:f64,ask:f64"); }
Schema JRefSchema() { return *Schema::Parse("ts:timestamp,symbol:symbol,sector:string?,venue:string?"); }
Schema JTicksSchema() { return *Schema::Parse("ts:timestamp,symbol:symbol,price:f64,size:i64"); }

// Trades of S0..S3 every 700.001 ms from 09:30, nulls by id.
RecordBatch JTrades(size_t n, int64_t start, uint64_t seed, int64_t* next_id) {
  RecordBatch g = ::strata::testing::MakeTrades(n, 4, 0, seed);
  RecordBatch b(JTradesSchema());
  for (size_t r = 0; r < n; ++r) {
    const int64_t id = (*next_id)++;
    b.column(0).AppendInt64(start + static_cast<int64_t>(r) * 700'001'000);
    b.column(1).AppendString(g.column(1).GetString(r));
    if (id % 13 == 5) {
      b.column(2).AppendNull();
    } else {
      b.column(2).AppendDouble(g.column(2).doubles()[r]);
    }
    if (id % 17 == 3) {
      b.column(3).AppendNull();
    } else {
      b.column(3).AppendInt64(g.column(3).int64s()[r]);
    }
    b.column(4).AppendInt64(id);
    if (id % 11 == 0) {
      b.column(5).AppendNull();
    } else {
      b.column(5).AppendString(g.column(5).GetString(r));
    }
  }
  return b;
}

// Quotes of S0, S1, S2 and S4 (never traded; S3 is never quoted) from 09:30:05, each symbol every
// 1.600012 s (unique times within a symbol, so that every as-of match is unambiguous).
RecordBatch JQuotes(size_t n, int64_t day, uint64_t seed) {
  static const char* kSyms[] = {"S0", "S1", "S2", "S4"};
  std::mt19937_64 rng(seed);
  RecordBatch b(JQuotesSchema());
  for (size_t i = 0; i < n; ++i) {
    const double mid = 100.0 + static_cast<double>(rng() % 10000) / 100.0;
    b.column(0).AppendInt64(day + kOpen + 5 * kSec + static_cast<int64_t>(i) * 400'003'000);
    b.column(1).AppendString(kSyms[i % 4]);
    b.column(2).AppendDouble(mid - 0.01);
    b.column(3).AppendDouble(mid + 0.01);
  }
  return b;
}

RecordBatch JTicks(size_t n, int64_t day, uint64_t seed) {
  std::mt19937_64 rng(seed);
  RecordBatch b(JTicksSchema());
  for (size_t i = 0; i < n; ++i) {
    b.column(0).AppendInt64(day + kOpen + static_cast<int64_t>(i) * 2'500'007'000);
    b.column(1).AppendString("S" + std::to_string(rng() % 3));
    b.column(2).AppendDouble(50.0 + static_cast<double>(rng() % 5000) / 100.0);
    b.column(3).AppendInt64(static_cast<int64_t>(1 + rng() % 500));
  }
  return b;
}

struct JCase {
  std::string name;
  std::string sql;       // @TRADES, @QUOTES, @REF, @TICKS name the tables
  std::string duck_sql;  // DuckDB's text when it differs (first/last in time order, QuestDB forms)
  bool approx = false;   // doubles that are sums in another order: 1e-12 relative
};

std::string CompareJ(const RecordBatch& ours, const json& peer, bool approx) {
  if (peer.contains("error")) return "DuckDB error: " + peer["error"].get<std::string>();
  const json& cols = peer["columns"];
  const json& rows = peer["rows"];
  if (cols.size() != ours.num_columns()) return "DuckDB has " + std::to_string(cols.size()) + " columns";
  for (size_t c = 0; c < cols.size(); ++c) {
    if (cols[c] != ours.fields()[c].name) return "column " + std::to_string(c) + " is " + cols[c].dump() + " in DuckDB";
  }
  if (rows.size() != ours.num_rows()) {
    return "DuckDB has " + std::to_string(rows.size()) + " rows, we " + std::to_string(ours.num_rows());
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < cols.size(); ++c) {
      const Column& col = ours.column(c);
      const json& v = rows[r][c];
      const std::string where = "row " + std::to_string(r) + " column " + cols[c].get<std::string>() +
                                " (ours: " + ours.RowToString(r) + "; DuckDB: " + rows[r].dump() + ")";
      if (v.is_null() || col.IsNull(r)) {
        if (v.is_null() != col.IsNull(r)) return "null mismatch at " + where;
        continue;
      }
      const std::string s = v.get<std::string>();
      bool same = false;
      switch (col.type()) {
        case ColumnType::kInt64: same = std::strtoll(s.c_str(), nullptr, 10) == col.int64s()[r]; break;
        case ColumnType::kInt32: same = std::strtoll(s.c_str(), nullptr, 10) == col.int32s()[r]; break;
        case ColumnType::kFloat64: {
          const double d = std::strtod(s.c_str(), nullptr), o = col.doubles()[r];
          same = approx ? std::fabs(d - o) <= 1e-12 * std::max(1.0, std::fabs(d)) : d == o;
          break;
        }
        case ColumnType::kBool: same = s == (col.bools()[r] ? "true" : "false"); break;
        case ColumnType::kTimestamp: return "compare timestamps as epoch_ns(...) at " + where;
        default: same = s == col.GetString(r);
      }
      if (!same) return "differs at " + where;
    }
  }
  return "";
}

// One row per line, values separated by '|', NULL for nulls, doubles with %.10g.
std::string Rows(const RecordBatch& b) {
  std::string out;
  for (size_t r = 0; r < b.num_rows(); ++r) {
    for (size_t c = 0; c < b.num_columns(); ++c) {
      const Column& col = b.column(c);
      if (c > 0) out += "|";
      if (col.IsNull(r)) {
        out += "NULL";
        continue;
      }
      char buf[64];
      switch (col.type()) {
        case ColumnType::kFloat64: std::snprintf(buf, sizeof buf, "%.10g", col.doubles()[r]); break;
        case ColumnType::kInt32: std::snprintf(buf, sizeof buf, "%d", col.int32s()[r]); break;
        case ColumnType::kInt64:
        case ColumnType::kTimestamp: std::snprintf(buf, sizeof buf, "%lld", (long long)col.int64s()[r]); break;
        default: std::snprintf(buf, sizeof buf, "%s", std::string(col.GetString(r)).c_str());
      }
      out += buf;
    }
    out += "\n";
  }
  return out;
}

std::vector<JCase> JoinCases() {
  return {
      {"inner_ref",
       "SELECT t.id, t.symbol, r.sector, t.price FROM @TRADES t JOIN @REF r ON t.symbol = r.symbol WHERE t.ts < "
       "'2026-03-02 10:00' ORDER BY t.id, r.sector NULLS FIRST"},
      {"left_ref",
       "SELECT t.id, t.symbol, r.sector, r.venue FROM @TRADES t LEFT JOIN @REF r ON t.symbol = r.symbol WHERE "
       "t.ts >= '2026-03-03 09:40' AND t.ts < '2026-03-03 10:00' ORDER BY t.id, r.sector NULLS FIRST"},
      {"null_keys_left",
       "SELECT t.id, t.exchange, r.symbol AS rs FROM @TRADES t LEFT JOIN @REF r ON t.exchange = r.venue WHERE "
       "t.ts < '2026-03-02 09:45' ORDER BY t.id, rs"},
      {"null_keys_inner",
       "SELECT r.venue, count(*) AS n FROM @TRADES t JOIN @REF r ON t.exchange = r.venue GROUP BY r.venue "
       "ORDER BY r.venue"},
      {"two_keys",
       "SELECT t.id, r.sector FROM @TRADES t JOIN @REF r ON t.symbol = r.symbol AND t.exchange = r.venue ORDER BY "
       "t.id"},
      {"using",
       "SELECT symbol, count(*) AS n, min(r.sector) AS s, sum(t.size) AS v FROM @TRADES t JOIN @REF r USING "
       "(symbol) GROUP BY symbol ORDER BY symbol"},
      {"group_over_join",
       "SELECT r.sector, count(*) AS n, sum(t.size) AS v, max(t.price) AS hi FROM @TRADES t LEFT JOIN @REF r ON "
       "t.symbol = r.symbol GROUP BY r.sector ORDER BY r.sector NULLS FIRST"},
      {"star_of_subquery",
       "SELECT s.*, r.sector FROM (SELECT id, symbol, size FROM @TRADES WHERE ts < '2026-03-02 09:35') s JOIN "
       "@REF r ON s.symbol = r.symbol ORDER BY s.id, r.sector"},
      {"cte_per_symbol",
       "WITH per AS (SELECT symbol, max(price) AS hi, count(*) AS n FROM @TRADES GROUP BY symbol) SELECT t.id, "
       "per.hi - t.price AS below, per.n FROM @TRADES t JOIN per ON t.symbol = per.symbol WHERE t.symbol IN "
       "('S1', 'S2') AND t.ts >= '2026-03-03 10:00' AND t.ts < '2026-03-03 10:30' ORDER BY t.id"},
      {"three_way",
       "WITH per AS (SELECT symbol, count(*) AS n FROM @TRADES WHERE ts < '2026-03-03' GROUP BY symbol) SELECT "
       "r.symbol, r.sector, per.n FROM @REF r LEFT JOIN per ON r.symbol = per.symbol JOIN @REF r2 ON r.symbol = "
       "r2.symbol AND r.sector = r2.sector ORDER BY r.symbol, r.sector"},
      {"filter_in_on",
       "SELECT t.id, r.sector FROM @TRADES t JOIN @REF r ON t.symbol = r.symbol AND t.size > 800 WHERE t.ts < "
       "'2026-03-02 10:30' ORDER BY t.id, r.sector"},
      {"empty_right_inner",
       "SELECT t.id, r.sector FROM @TRADES t JOIN @REF r ON t.symbol = r.symbol WHERE r.symbol = 'NOPE' ORDER BY "
       "t.id"},
      {"empty_right_left",
       "SELECT t.id, r.sector FROM @TRADES t LEFT JOIN (SELECT symbol, sector FROM @REF WHERE sector = 'none') r "
       "ON t.symbol = r.symbol WHERE t.ts < '2026-03-02 09:35' ORDER BY t.id"},
      {"empty_left",
       "SELECT t.id, r.sector FROM @TRADES t LEFT JOIN @REF r ON t.symbol = r.symbol WHERE t.ts >= '2026-03-04' "
       "AND t.ts < '2026-03-03' ORDER BY t.id"},
      {"join_on_timestamps",
       "SELECT t.id, t.symbol FROM @TRADES t JOIN (SELECT symbol, max(ts) AS m FROM @TRADES GROUP BY symbol) l ON "
       "t.symbol = l.symbol AND t.ts = l.m ORDER BY t.symbol"},
  };
}

std::vector<JCase> AsofCases() {
  return {
      {"asof_prev",
       "SELECT t.id, t.symbol, q.symbol AS qs, q.bid, q.ask, epoch_ns(q.ts) AS qts FROM @TRADES t ASOF JOIN @QUOTES q "
       "ON t.symbol = "
       "q.symbol AND t.ts >= q.ts ORDER BY t.id"},
      {"asof_left",
       "SELECT t.id, q.symbol AS qs, q.bid, epoch_ns(q.ts) AS qts FROM @TRADES t ASOF LEFT JOIN @QUOTES q ON "
       "t.symbol = q.symbol AND t.ts >= q.ts WHERE t.symbol IN ('S0', 'S3') AND t.ts < '2026-03-03 09:40' "
       "ORDER BY t.id"},
      {"asof_next",
       "SELECT t.id, q.ask, epoch_ns(q.ts) AS qts FROM @TRADES t ASOF JOIN @QUOTES q ON t.symbol = q.symbol AND "
       "t.ts <= q.ts WHERE t.ts >= '2026-03-04' ORDER BY t.id"},
      {"asof_next_left",
       "SELECT t.id, q.ask FROM @TRADES t ASOF LEFT JOIN @QUOTES q ON t.symbol = q.symbol AND t.ts <= q.ts WHERE "
       "t.symbol = 'S2' ORDER BY t.id"},
      {"asof_reversed",
       "SELECT t.id, q.bid FROM @TRADES t ASOF JOIN @QUOTES q ON q.symbol = t.symbol AND q.ts <= t.ts WHERE "
       "t.ts >= '2026-03-03 10:00' AND t.ts < '2026-03-03 11:00' ORDER BY t.id"},
      {"asof_residual",
       "SELECT t.id, q.bid FROM @TRADES t ASOF JOIN @QUOTES q ON t.symbol = q.symbol AND t.ts >= q.ts WHERE "
       "q.bid > 150 AND t.price < 160 ORDER BY t.id"},
      {"asof_agg",
       "SELECT t.symbol, count(*) AS n, sum(t.size) AS v, max(q.ask - t.price) AS worst FROM @TRADES t ASOF JOIN "
       "@QUOTES q ON t.symbol = q.symbol AND t.ts >= q.ts GROUP BY t.symbol ORDER BY t.symbol"},
      {"asof_subquery",
       "SELECT t.id, q.bid, q.symbol AS qs FROM @TRADES t ASOF LEFT JOIN (SELECT ts, symbol, bid FROM @QUOTES WHERE "
       "bid > 120) q ON "
       "t.symbol = q.symbol AND t.ts >= q.ts WHERE t.ts < '2026-03-03' ORDER BY t.id"},
      {"asof_empty",
       "SELECT t.id, q.bid FROM @TRADES t ASOF JOIN @QUOTES q ON t.symbol = q.symbol AND t.ts >= q.ts WHERE "
       "t.symbol = 'NOPE' ORDER BY t.id"},
      {"asof_questdb", "SELECT t.id, q.bid, q.ask FROM @TRADES t ASOF JOIN @QUOTES q ON (symbol) ORDER BY t.id",
       "SELECT t.id, q.bid, q.ask FROM @TRADES t ASOF LEFT JOIN @QUOTES q ON t.symbol = q.symbol AND t.ts >= q.ts "
       "ORDER BY t.id"},
      {"asof_questdb_star",
       "SELECT id, symbol, bid FROM @TRADES ASOF JOIN @QUOTES ON (symbol) WHERE symbol = 'S3' ORDER BY id",
       "SELECT t.id, t.symbol, q.bid FROM @TRADES t ASOF LEFT JOIN @QUOTES q ON t.symbol = q.symbol AND "
       "t.ts >= q.ts WHERE t.symbol = 'S3' ORDER BY t.id"},
  };
}

std::vector<JCase> SampleCases() {
  const std::string ohlcv_duck =
      "epoch_ns(time_bucket(INTERVAL '5 minutes', ts)) AS b, first(price ORDER BY ts) AS o, max(price) AS h, "
      "min(price) AS l, last(price ORDER BY ts) AS c, sum(size) AS v, count(*) AS n";
  return {
      {"sample_one_symbol",
       "SELECT epoch_ns(b) AS b, o, h, l, c, v, n FROM (SELECT ts AS b, first(price) AS o, max(price) AS h, "
       "min(price) AS l, last(price) AS c, sum(size) AS v, count(*) AS n FROM @TRADES WHERE symbol = 'S1' SAMPLE "
       "BY 5m) s",
       "SELECT " + ohlcv_duck + " FROM @TRADES WHERE symbol = 'S1' GROUP BY 1 ORDER BY 1"},
      {"sample_keyed",
       "SELECT symbol, epoch_ns(b) AS b, n, v FROM (SELECT symbol, ts AS b, count(*) AS n, sum(size) AS v FROM "
       "@TRADES SAMPLE BY 1h) s",
       "SELECT symbol, epoch_ns(time_bucket(INTERVAL '1 hour', ts)) AS b, count(*) AS n, sum(size) AS v FROM "
       "@TRADES GROUP BY 1, 2 ORDER BY 2, 1"},
      {"sample_where_order_limit",
       "SELECT epoch_ns(b) AS b, n FROM (SELECT ts AS b, count(*) AS n FROM @TRADES WHERE size > 500 AND ts >= "
       "'2026-03-03' SAMPLE BY 1m ORDER BY n DESC, b LIMIT 5) s",
       "SELECT epoch_ns(time_bucket(INTERVAL '1 minute', ts)) AS b, count(*) AS n FROM @TRADES WHERE size > 500 "
       "AND ts >= '2026-03-03' GROUP BY 1 ORDER BY n DESC, b LIMIT 5"},
      {"bars_sample",
       "SELECT symbol, epoch_ns(b) AS b, o, h, l, c, v, n FROM (SELECT symbol, ts AS b, first(price) AS o, "
       "max(price) AS h, min(price) AS l, last(price) AS c, sum(size) AS v, count(*) AS n FROM @TICKS SAMPLE BY "
       "5m) s",
       "SELECT symbol, " + ohlcv_duck + " FROM @TICKS GROUP BY 1, 2 ORDER BY 2, 1"},
      {"bars_time_bucket",
       "SELECT symbol, epoch_ns(time_bucket(INTERVAL '1 hour', ts)) AS b, max(price) AS h, sum(size) AS v FROM "
       "@TICKS WHERE ts >= '2026-03-02 10:10' AND ts < '2026-03-04 10:00' GROUP BY 1, 2 ORDER BY 2, 1"},
  };
}

std::vector<JCase> LatestCases() {
  const std::string last = "(SELECT symbol, max(ts) AS m FROM @TRADES GROUP BY symbol)";
  return {
      {"latest_all", "SELECT id, symbol, price FROM @TRADES LATEST ON ts PARTITION BY symbol ORDER BY symbol",
       "SELECT t.id, t.symbol, t.price FROM @TRADES t JOIN " + last +
           " l ON t.symbol = l.symbol AND t.ts = l.m ORDER BY t.symbol"},
      {"latest_symbols",
       "SELECT symbol, id, epoch_ns(ts) AS t FROM @TRADES WHERE symbol IN ('S1', 'S3', 'NOPE') LATEST ON ts "
       "PARTITION BY symbol ORDER BY symbol",
       "SELECT t.symbol, t.id, epoch_ns(t.ts) AS t FROM @TRADES t JOIN " + last +
           " l ON t.symbol = l.symbol AND t.ts = l.m WHERE t.symbol IN ('S1', 'S3') ORDER BY t.symbol"},
      {"latest_filtered",
       "SELECT symbol, id FROM @TRADES WHERE price > 150 AND ts < '2026-03-03' LATEST ON ts PARTITION BY symbol "
       "ORDER BY symbol",
       "SELECT t.symbol, t.id FROM @TRADES t JOIN (SELECT symbol, max(ts) AS m FROM @TRADES WHERE price > 150 AND "
       "ts < '2026-03-03' GROUP BY symbol) l ON t.symbol = l.symbol AND t.ts = l.m ORDER BY t.symbol"},
      {"latest_two_columns",
       "SELECT symbol, exchange, id FROM @TRADES LATEST ON ts PARTITION BY symbol, exchange ORDER BY symbol, "
       "exchange NULLS FIRST",
       "SELECT t.symbol, t.exchange, t.id FROM @TRADES t JOIN (SELECT symbol, exchange, max(ts) AS m FROM @TRADES "
       "GROUP BY ALL) l ON t.symbol = l.symbol AND t.exchange IS NOT DISTINCT FROM l.exchange AND t.ts = l.m "
       "ORDER BY t.symbol, t.exchange NULLS FIRST"},
      {"latest_then_aggregate",
       "SELECT count(*) AS n, max(id) AS m FROM (SELECT id FROM @TRADES LATEST ON ts PARTITION BY symbol) s",
       "SELECT count(*) AS n, max(t.id) AS m FROM @TRADES t JOIN " + last + " l ON t.symbol = l.symbol AND t.ts = l.m"},
  };
}

class SqlJoinVsDuckDB : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new State();
    State& s = *state_;
    s.npm = ::strata::testing::NpmDir();
    s.error = ::strata::testing::PrepareDuckDbPeer(s.npm, __FILE__);
    if (!s.error.empty()) return;
    s.root = s.tmp.Join("db");
    Status st = Database::Init(s.root, {.fsync = "none"});
    auto db =
        st.ok() ? Database::Open(s.root, ::strata::testing::TestOptions()) : Result<std::unique_ptr<Database>>(st);
    if (!db.ok()) {
      s.error = db.status().ToString();
      return;
    }
    s.db = std::move(*db);
    auto must = [&](Status x) {
      if (!x.ok() && s.error.empty()) s.error = x.ToString();
    };
    const size_t n = ::strata::testing::Sanitized() ? 1200 : 4000;
    int64_t id = 0;
    must(s.db->CreateTable({"trades", JTradesSchema(), std::nullopt, "{}"}));
    must(s.db->CreateTable({"quotes", JQuotesSchema(), std::nullopt, "{}"}));
    must(s.db->CreateTable({"ref", JRefSchema(), std::nullopt, "{}"}));
    must(s.db->CreateTable({"ticks", JTicksSchema(), std::nullopt, "{\"bars\": [\"1m\"]}"}));
    must(s.db->CreateTable({"sparse", JTradesSchema(), std::nullopt, "{}"}));
    std::map<std::string, RecordBatch> hot;
    for (const auto& [name, schema] : std::vector<std::pair<std::string, Schema>>{
             {"trades", JTradesSchema()}, {"quotes", JQuotesSchema()}, {"ticks", JTicksSchema()}}) {
      hot.emplace(name, RecordBatch(schema));
    }
    // Day 1: cold.
    must(s.db->Append("trades", JTrades(n, kMar2 + kOpen, 1, &id)));
    must(s.db->Append("quotes", JQuotes(n, kMar2, 11)));
    must(s.db->Append("ticks", JTicks(n / 2, kMar2, 21)));
    must(s.db->Flush().status());
    MigrateOptions all;
    all.all = true;
    all.apply_policy = false;
    must(s.db->Migrate(all).status());
    // Day 2: warm, with the reference table and the first sparse rows.
    must(s.db->Append("trades", JTrades(n, kMar2 + kDayNs + kOpen, 2, &id)));
    must(s.db->Append("quotes", JQuotes(n, kMar2 + kDayNs, 12)));
    must(s.db->Append("ticks", JTicks(n / 2, kMar2 + kDayNs, 22)));
    RecordBatch ref(JRefSchema());
    const char* rows[][3] = {{"S0", "tech", "XNAS"},
                             {"S1", "fin", "XNYS"},
                             {"S1", "fin2", "ARCX"},
                             {"S2", nullptr, nullptr},
                             {"S9", "other", "BATS"}};
    for (auto& row : rows) {
      ref.column(0).AppendInt64(kMar2);
      ref.column(1).AppendString(row[0]);
      for (int c = 1; c < 3; ++c) {
        if (row[c] == nullptr) {
          ref.column(c + 1).AppendNull();
        } else {
          ref.column(c + 1).AppendString(row[c]);
        }
      }
    }
    must(s.db->Append("ref", ref));
    must(s.db->Append("sparse", Sparse(0, 3)));
    must(s.db->Flush().status());
    // Day 2 late and day 3: hot.
    RecordBatch late = JTrades(n / 4, kMar2 + kDayNs + kOpen + 3500 * kSec, 3, &id);
    RecordBatch day3 = JTrades(n / 2, kMar2 + 2 * kDayNs + kOpen, 4, &id);
    RecordBatch q3 = JQuotes(n / 2, kMar2 + 2 * kDayNs, 13), t3 = JTicks(n / 4, kMar2 + 2 * kDayNs, 23);
    must(s.db->Append("trades", late));
    must(s.db->Append("trades", day3));
    must(s.db->Append("quotes", q3));
    must(s.db->Append("ticks", t3));
    must(s.db->Append("sparse", Sparse(3, 5)));
    must(hot.at("trades").Append(late));
    must(hot.at("trades").Append(day3));
    must(hot.at("quotes").Append(q3));
    must(hot.at("ticks").Append(t3));
    parquet::WriterOptions o;
    o.timestamp_adjusted_to_utc = false;
    for (auto& [name, batch] : hot) {
      const std::string path = s.tmp.Join("hot_" + name + ".parquet");
      must(parquet::WriteParquetFile(DefaultFileSystem(), path, batch, o));
      s.hot[name] = path;
    }
    if (!s.error.empty()) return;
    std::vector<JCase> every;
    for (auto* cases : {JoinCases, AsofCases, SampleCases, LatestCases}) {
      for (JCase& c : cases()) every.push_back(std::move(c));
    }
    s.error = AskDuckDb(every);
  }
  static void TearDownTestSuite() { delete state_; }
  void SetUp() override { ASSERT_TRUE(state_->error.empty()) << state_->error; }

  // Symbol A: 10:00:10 (10, 1), 10:00:50 (12, 2), 10:03:20 (20, 3); B: 10:01:05 (5, 1), 10:02:00 (7, 1).
  static RecordBatch Sparse(size_t from, size_t to) {
    struct R {
      int64_t sec;
      const char* sym;
      double price;
      int64_t size;
    };
    const R rows[] = {{10, "A", 10, 1}, {50, "A", 12, 2}, {200, "A", 20, 3}, {65, "B", 5, 1}, {120, "B", 7, 1}};
    RecordBatch b(JTradesSchema());
    for (size_t i = from; i < to; ++i) {
      b.column(0).AppendInt64(kMar2 + 36'000 * kSec + rows[i].sec * kSec);
      b.column(1).AppendString(rows[i].sym);
      b.column(2).AppendDouble(rows[i].price);
      b.column(3).AppendInt64(rows[i].size);
      b.column(4).AppendInt64(static_cast<int64_t>(i));
      b.column(5).AppendString("XNAS");
    }
    return b;
  }

  static std::string DuckTable(const std::string& table, const std::string& cols) {
    std::string out = "(";
    bool first = true;
    for (const char* tier : {"cold", "warm"}) {
      const std::string dir = state_->root + "/" + tier + "/" + table;
      if (!std::filesystem::exists(dir)) continue;
      out += std::string(first ? "" : " UNION ALL ") + "SELECT " + cols + " FROM read_parquet('" + dir +
             "/**/*.parquet', hive_partitioning = true)";
      first = false;
    }
    if (state_->hot.count(table)) {
      out += std::string(first ? "" : " UNION ALL ") + "SELECT " + cols + " FROM read_parquet('" +
             state_->hot.at(table) + "')";
    }
    return out + ")";
  }

  static std::string Replace(std::string sql, bool duck) {
    const std::map<std::string, std::pair<std::string, std::string>> tables = {
        {"@TRADES", {"trades", "ts, symbol, price, size, id, exchange"}},
        {"@QUOTES", {"quotes", "ts, symbol, bid, ask"}},
        {"@REF", {"ref", "ts, symbol, sector, venue"}},
        {"@TICKS", {"ticks", "ts, symbol, price, size"}},
    };
    for (const auto& [token, t] : tables) {
      const std::string with = duck ? DuckTable(t.first, t.second) : t.first;
      for (size_t at; (at = sql.find(token)) != std::string::npos;) sql.replace(at, token.size(), with);
    }
    return sql;
  }

  static RecordBatch Run(const std::string& sql) {
    auto stream = sql::RunSql(state_->db.get(), Replace(sql, false));
    EXPECT_TRUE(stream.ok()) << sql << ": " << stream.status().ToString();
    if (!stream.ok()) return RecordBatch();
    auto rows = query::Collect(stream->get());
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
    return rows.ok() ? std::move(*rows) : RecordBatch();
  }

  // Asks DuckDB every case of every test at once (one Node process: its start and the first read of
  // the files dominate).
  static std::string AskDuckDb(const std::vector<JCase>& cases) {
    json spec = json::array();
    for (const JCase& c : cases) {
      spec.push_back({{"name", c.name}, {"sql", Replace(c.duck_sql.empty() ? c.sql : c.duck_sql, true)}});
    }
    const std::string spec_path = state_->tmp.Join("spec.json");
    ::strata::testing::WriteTextFile(spec_path, spec.dump());
    auto out = ::strata::testing::AskDuckDbSpec(state_->npm, spec_path);
    if (!out.ok()) return out.status().ToString();
    std::istringstream lines(*out);
    for (std::string line; std::getline(lines, line);) {
      json j = json::parse(line);
      state_->answers[j["name"].get<std::string>()] = j;
    }
    return "";
  }

  static void Check(const std::vector<JCase>& cases) {
    auto& answers = state_->answers;
    for (const JCase& c : cases) {
      auto stream = sql::RunSql(state_->db.get(), Replace(c.sql, false));
      ASSERT_TRUE(stream.ok()) << c.name << ": " << stream.status().ToString();
      auto ours = query::Collect(stream->get());
      ASSERT_TRUE(ours.ok()) << c.name << ": " << ours.status().ToString();
      ASSERT_TRUE(answers.count(c.name)) << c.name;
      EXPECT_GT(answers[c.name].value("rows", json::array()).size() + (c.name.find("empty") != std::string::npos), 0u)
          << c.name << ": the case should not be empty";
      EXPECT_EQ(CompareJ(*ours, answers[c.name], c.approx), "") << c.name << ": " << c.sql;
    }
  }

  struct State {
    std::string npm, error, root;
    std::map<std::string, std::string> hot;
    std::map<std::string, json> answers;
    ::strata::testing::TempDir tmp;
    std::unique_ptr<Database> db;
  };
  static State* state_;
};
SqlJoinVsDuckDB::State* SqlJoinVsDuckDB::state_ = nullptr;

TEST_F(SqlJoinVsDuckDB, TheTablesSpanEveryTier) {
  for (const char* t : {"trades", "quotes", "ticks"}) {
    for (const char* tier : {"cold", "warm", "hot"}) {
      EXPECT_GT(::strata::testing::TierRows(state_->db.get(), tier, t), 0u) << t << " " << tier;
    }
  }
}

TEST_F(SqlJoinVsDuckDB, InnerAndLeftJoins) { Check(JoinCases()); }

TEST_F(SqlJoinVsDuckDB, AsofJoins) { Check(AsofCases()); }

TEST_F(SqlJoinVsDuckDB, SampleByAndBarsAnswerAsTimeBucket) { Check(SampleCases()); }

TEST_F(SqlJoinVsDuckDB, DerivedBarsAnswerTheBarsQueries) {
  ASSERT_OK_AND_ASSIGN(sql::Statement st,
                       sql::ParseStatement("SELECT ts, symbol, max(price), count(*) FROM ticks SAMPLE BY 5m"));
  sql::TableLookup lookup = [](std::string_view name) { return state_->db->GetTable(name); };
  ASSERT_OK_AND_ASSIGN(sql::BoundSelect b, sql::BindSelect(*st.query, lookup));
  ASSERT_NE(b.bars, nullptr);
  query::QueryPlan plan;
  ASSERT_OK_AND_ASSIGN(auto stream, query::Execute(state_->db.get(), b.bars->plan, &plan));
  ASSERT_OK(query::Collect(stream.get()).status());
  EXPECT_NE(plan.ToString().find("ticks_bars_1m"), std::string::npos) << plan.ToString();
}

TEST_F(SqlJoinVsDuckDB, SampleByFillsAsQuestDbDoes) {
  // Buckets 10:00 .. 10:03 (epoch ns): A has 10:00 and 10:03, B has 10:01 and 10:02.
  const int64_t m0 = kMar2 + 36'000 * kSec;
  auto at = [&](int i) { return std::to_string(m0 + i * 60 * kSec); };
  const std::string q =
      "SELECT epoch_ns(b) AS b, symbol, o, h, v FROM (SELECT ts AS b, symbol, first(price) AS o, "
      "max(price) AS h, sum(size) AS v FROM sparse WHERE symbol = 'A' SAMPLE BY 1m ";
  EXPECT_EQ(Rows(Run(q + ") s")), at(0) + "|A|10|12|3\n" + at(3) + "|A|20|20|3\n");
  EXPECT_EQ(Rows(Run(q + "FILL(NONE)) s")), at(0) + "|A|10|12|3\n" + at(3) + "|A|20|20|3\n");
  EXPECT_EQ(Rows(Run(q + "FILL(NULL)) s")), at(0) + "|A|10|12|3\n" + at(1) + "|A|NULL|NULL|NULL\n" + at(2) +
                                                "|A|NULL|NULL|NULL\n" + at(3) + "|A|20|20|3\n");
  EXPECT_EQ(Rows(Run(q + "FILL(PREV)) s")),
            at(0) + "|A|10|12|3\n" + at(1) + "|A|10|12|3\n" + at(2) + "|A|10|12|3\n" + at(3) + "|A|20|20|3\n");
  // Linear: open 10 -> 20 and high 12 -> 20 over three steps; the integer sum 3 -> 3.
  EXPECT_EQ(Rows(Run(q + "FILL(LINEAR)) s")), at(0) + "|A|10|12|3\n" + at(1) + "|A|13.33333333|14.66666667|3\n" +
                                                  at(2) + "|A|16.66666667|17.33333333|3\n" + at(3) + "|A|20|20|3\n");
  EXPECT_EQ(Rows(Run(q + "FILL(0)) s")),
            at(0) + "|A|10|12|3\n" + at(1) + "|A|0|0|0\n" + at(2) + "|A|0|0|0\n" + at(3) + "|A|20|20|3\n");
  // One fill per aggregate column.
  EXPECT_EQ(Rows(Run(q + "FILL(PREV, -1.5, NULL)) s")), at(0) + "|A|10|12|3\n" + at(1) + "|A|10|-1.5|NULL\n" + at(2) +
                                                            "|A|10|-1.5|NULL\n" + at(3) + "|A|20|20|3\n");
  // Keyed: every key gets every bucket between the first and the last of all keys.
  EXPECT_EQ(Rows(Run("SELECT epoch_ns(ts) AS b, symbol, n FROM (SELECT ts, symbol, count(*) AS n FROM sparse "
                     "SAMPLE BY 1m FILL(PREV)) s")),
            at(0) + "|A|2\n" + at(0) + "|B|NULL\n" + at(1) + "|A|2\n" + at(1) + "|B|1\n" + at(2) + "|A|2\n" + at(2) +
                "|B|1\n" + at(3) + "|A|1\n" + at(3) + "|B|1\n");
  // A FILL value that does not fit the column is an error, not a wrong answer.
  auto bad =
      sql::RunSql(state_->db.get(), "SELECT ts, count(*) FROM sparse WHERE ts > '2030-01-01' SAMPLE BY 1m FILL('x')");
  Status st = bad.ok() ? query::Collect(bad->get()).status() : bad.status();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("FILL value 'x' does not fit a column of type i64"), std::string::npos) << st.ToString();
}

TEST_F(SqlJoinVsDuckDB, LatestOnIsTheLastRowOfEachPartition) {
  Check(LatestCases());
  // By hand: A's last row (id 2, 10:03:20) is warm, B's (id 4, 10:02:00) hot; the fast path (the
  // engine's Latest) and the scan (a residual WHERE) agree.
  const std::string fast = "SELECT symbol, id, price FROM sparse LATEST ON ts PARTITION BY symbol ORDER BY symbol";
  EXPECT_EQ(Rows(Run(fast)), "A|2|20\nB|4|7\n");
  EXPECT_EQ(Rows(Run("SELECT symbol, id, price FROM sparse WHERE size > 0 LATEST ON ts PARTITION BY symbol ORDER "
                     "BY symbol")),
            "A|2|20\nB|4|7\n");
  EXPECT_EQ(Rows(Run("SELECT symbol, id FROM sparse WHERE price < 15 LATEST ON ts PARTITION BY symbol ORDER BY 1")),
            "A|1\nB|4\n");
  EXPECT_EQ(Rows(Run("SELECT id FROM sparse WHERE symbol = 'B' LATEST ON ts PARTITION BY symbol")), "4\n");
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
