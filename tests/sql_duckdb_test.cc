// SQL in strata and in DuckDB over the same lake, compared value for value.
//
// A table `trades` (price, size and exchange nullable) over three days: two days flushed to the
// warm tier (Hive-partitioned Parquet), then more rows of the second day and a third day appended
// and left in the hot tier. strata runs each query of the corpus with `sql::RunSql`; DuckDB (from
// npm, tools/interop/setup.sh) runs the same text over read_parquet(<root>/warm/trades/**/*.parquet,
// hive_partitioning = true) UNION ALL the hot rows (written to a Parquet file with our writer).
// Integers and strings must be equal; doubles too, except sums of doubles (sum, avg, var, stddev of
// price), whose addition order differs between the engines: those agree to 1e-12 relative.
// Without node or DuckDB the test fails, loudly: it never skips.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lake_test_util.h"
#include "parquet/parquet_writer.h"
#include "query/batch_stream.h"
#include "sql/binder.h"
#include "testutil/node_runner.h"

namespace strata {
namespace STRATA_UNITY_ID {

using json = nlohmann::json;
namespace fs = std::filesystem;
using testing::kDayNs;
using testing::kMar2;

Schema TradesSchema() {
  return *Schema::Parse("ts:timestamp,symbol:symbol,price:f64?,size:i64?,id:i64,exchange:string?");
}

// ts (every 700.001 ms from 09:30), symbol S0..S3, price? size? id exchange?; nulls by id.
RecordBatch Rows(size_t n, int64_t day_start, uint64_t seed, int64_t* next_id) {
  RecordBatch g = ::strata::testing::MakeTrades(n, 4, 0, seed);
  RecordBatch b(TradesSchema());
  for (size_t r = 0; r < n; ++r) {
    const int64_t id = (*next_id)++;
    b.column(0).AppendInt64(day_start + 34'200'000'000'000LL + static_cast<int64_t>(r) * 700'001'000);
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

struct Case {
  std::string name;
  std::string sql;       // TRADES is the table
  std::string duck_sql;  // when DuckDB needs other text (first/last in time order); else sql
  bool approx = false;   // doubles that are sums in another order
};

std::string Compare(const RecordBatch& ours, const json& peer, bool approx) {
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

class SqlVsDuckDB : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    state_ = new State();
    State& s = *state_;
    s.npm = ::strata::testing::NpmDir();
    const std::string hint = " -- run tools/interop/setup.sh (it installs DuckDB into " + s.npm + ")";
    if (std::system("node --version > /dev/null 2>&1") != 0) {
      s.error = "node is not installed" + hint;
      return;
    }
    if (!fs::exists(s.npm + "/node_modules/@duckdb/node-api")) {
      s.error = "npm package @duckdb/node-api is missing" + hint;
      return;
    }
    fs::path scripts = fs::path(__FILE__).parent_path().parent_path() / "tools" / "interop";
    std::error_code ec;
    for (const char* f : {"canon.mjs", "query_duckdb.mjs"}) {
      fs::copy_file(scripts / f, fs::path(s.npm) / f, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        s.error = "cannot copy " + (scripts / f).string() + ": " + ec.message();
        return;
      }
    }
    s.root = s.tmp.Join("db");
    Status st = Database::Init(s.root, {.fsync = "none"});
    auto db =
        st.ok() ? Database::Open(s.root, ::strata::testing::TestOptions()) : Result<std::unique_ptr<Database>>(st);
    if (!db.ok()) {
      s.error = db.status().ToString();
      return;
    }
    s.db = std::move(*db);
    const size_t n = ::strata::testing::Sanitized() ? 3000 : 12000;
    int64_t id = 0;
    RecordBatch day1 = Rows(n, kMar2, 1, &id), day2 = Rows(n, kMar2 + kDayNs, 2, &id);
    RecordBatch day2_late = Rows(n / 4, kMar2 + kDayNs + 350'000'000'000LL, 3, &id);
    RecordBatch day3 = Rows(n / 2, kMar2 + 2 * kDayNs, 4, &id);
    auto must = [&](Status x) {
      if (!x.ok() && s.error.empty()) s.error = x.ToString();
    };
    must(s.db->CreateTable({"trades", TradesSchema(), std::nullopt, "{}"}));
    must(s.db->Append("trades", day1));
    must(s.db->Append("trades", day2));
    must(s.db->Flush().status());
    must(s.db->Append("trades", day2_late));  // day 2 split across warm and hot
    must(s.db->Append("trades", day3));
    RecordBatch hot(TradesSchema());
    must(hot.Append(day2_late));
    must(hot.Append(day3));
    parquet::WriterOptions o;
    o.timestamp_adjusted_to_utc = false;
    s.hot_path = s.tmp.Join("hot.parquet");
    must(parquet::WriteParquetFile(DefaultFileSystem(), s.hot_path, hot, o));
  }
  static void TearDownTestSuite() { delete state_; }
  void SetUp() override { ASSERT_TRUE(state_->error.empty()) << state_->error; }

  // Runs each case in both engines and compares.
  static void Check(const std::vector<Case>& cases) {
    const std::string cols = "ts, symbol, price, size, id, exchange";
    const std::string duck_trades = "(SELECT " + cols + " FROM read_parquet('" + state_->root +
                                    "/warm/trades/**/*.parquet', hive_partitioning = true) UNION ALL SELECT " + cols +
                                    " FROM read_parquet('" + state_->hot_path + "'))";
    json spec = json::array();
    for (const Case& c : cases) {
      std::string sql = c.duck_sql.empty() ? c.sql : c.duck_sql;
      for (size_t at; (at = sql.find("TRADES")) != std::string::npos;) sql.replace(at, 6, duck_trades);
      spec.push_back({{"name", c.name}, {"sql", sql}});
    }
    const std::string spec_path = state_->tmp.Join("spec.json");
    ::strata::testing::WriteTextFile(spec_path, spec.dump());
    auto out = ::strata::testing::AskDuckDbSpec(state_->npm, spec_path);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    std::map<std::string, json> answers;
    std::istringstream lines(*out);
    for (std::string line; std::getline(lines, line);) {
      json j = json::parse(line);
      answers[j["name"].get<std::string>()] = j;
    }
    for (const Case& c : cases) {
      std::string sql = c.sql;
      for (size_t at; (at = sql.find("TRADES")) != std::string::npos;) sql.replace(at, 6, "trades");
      auto stream = sql::RunSql(state_->db.get(), sql);
      ASSERT_TRUE(stream.ok()) << c.name << ": " << stream.status().ToString();
      auto ours = query::Collect(stream->get());
      ASSERT_TRUE(ours.ok()) << c.name << ": " << ours.status().ToString();
      ASSERT_TRUE(answers.count(c.name)) << c.name;
      EXPECT_EQ(Compare(*ours, answers[c.name], c.approx), "") << c.name << ": " << c.sql;
    }
  }

  struct State {
    std::string npm, error, root, hot_path;
    ::strata::testing::TempDir tmp;
    std::unique_ptr<Database> db;
  };
  static State* state_;
};
SqlVsDuckDB::State* SqlVsDuckDB::state_ = nullptr;

TEST_F(SqlVsDuckDB, TheDataIsInHotAndWarm) {
  EXPECT_GT(::strata::testing::TierRows(state_->db.get(), "warm"), 0u);
  EXPECT_GT(::strata::testing::TierRows(state_->db.get(), "hot"), 0u);
}

TEST_F(SqlVsDuckDB, Filters) {
  Check({
      {"symbol_and_range",
       "SELECT id, symbol, price, size, exchange, epoch_ns(ts) AS t FROM TRADES WHERE symbol = 'S1' AND "
       "ts >= TIMESTAMP '2026-03-03 09:35:00' AND ts < '2026-03-03 10:10:00' ORDER BY id"},
      {"in_between_and_residual",
       "SELECT id, price * size AS notional FROM TRADES WHERE symbol IN ('S0', 'S3') AND ts BETWEEN "
       "'2026-03-02 11:00:00' AND '2026-03-04 09:31:00' AND size >= 500 AND exchange <> 'XNAS' ORDER BY id"},
      {"or_not_like",
       "SELECT id, exchange FROM TRADES WHERE (price > 195 OR NOT size < 900) AND exchange LIKE 'X%' "
       "ORDER BY id DESC LIMIT 50"},
      {"case_cast",
       "SELECT id, CASE WHEN price IS NULL THEN 'none' WHEN price < 150 THEN 'low' ELSE 'high' END AS "
       "band, CAST(size AS DOUBLE) / 100 AS lots, size % 300 AS m FROM TRADES WHERE ts > "
       "'2026-03-04 09:40:00' ORDER BY id LIMIT 200 OFFSET 10"},
      {"edges",
       "SELECT id, symbol FROM TRADES WHERE ts >= TIMESTAMP '2026-03-03 09:30:00.700001' AND "
       "ts <= '2026-03-03 10:05:00.003' OR ts > '2026-03-02 09:30:00' AND ts < '2026-03-02 09:30:02.100003' "
       "ORDER BY id"},
      {"edges_pushed",
       "SELECT id FROM TRADES WHERE ts > '2026-03-02 09:30:00' AND ts <= '2026-03-02 09:30:02.100003' "
       "ORDER BY id"},
      {"empty", "SELECT id, price FROM TRADES WHERE symbol = 'NOPE' ORDER BY id"},
      {"empty_range",
       "SELECT count(*) AS n, sum(size) AS s FROM TRADES WHERE ts >= '2026-03-04' AND ts < '2026-03-03'"},
  });
}

TEST_F(SqlVsDuckDB, EachAggregateGroupedBySymbol) {
  Check({
      {"exact",
       "SELECT symbol, count(*) AS n, count(price) AS np, count(DISTINCT size) AS nd, sum(size) AS ss, "
       "avg(size) AS av, min(price) AS lo, max(price) AS hi, min(exchange) AS ex, arg_min(id, price) AS id_lo, "
       "arg_max(price, size) AS p_hi FROM TRADES GROUP BY symbol ORDER BY symbol"},
      {"first_last",
       "SELECT symbol, first(price) AS o, last(price) AS c, first(size) AS fs, last(exchange) AS le FROM TRADES "
       "GROUP BY symbol ORDER BY symbol",
       "SELECT symbol, first(price ORDER BY ts) AS o, last(price ORDER BY ts) AS c, first(size ORDER BY ts) AS fs, "
       "last(exchange ORDER BY ts) AS le FROM TRADES GROUP BY symbol ORDER BY symbol"},
      {"sums",
       "SELECT symbol, sum(price) AS sp, avg(price) AS ap, stddev_samp(price) AS sd, var_samp(size) AS vs, "
       "sum(price * size) / sum(size) AS vwap FROM TRADES GROUP BY symbol ORDER BY symbol",
       "", true},
      {"global", "SELECT count(*) AS n, count(size) AS ns, sum(size) AS s, max(id) AS m FROM TRADES"},
      {"global_empty",
       "SELECT count(*) AS n, sum(size) AS s, min(price) AS lo, avg(size) AS a FROM TRADES WHERE size < 0"},
      {"having",
       "SELECT symbol, exchange, count(*) AS n FROM TRADES WHERE ts < '2026-03-03' GROUP BY 1, 2 "
       "HAVING count(*) > 700 ORDER BY n DESC, symbol, exchange NULLS FIRST"},
  });
}

// count / min / max over whole warm files come from their statistics (day 1: the hot rows of day 2
// overlap day 2's files, so those and the hot rows are scanned); the answers stay DuckDB's.
TEST_F(SqlVsDuckDB, AggregatesFromStatistics) {
  const std::string all =
      "SELECT count(*) AS n, count(price) AS np, min(price) AS lo, max(price) AS hi, min(size) AS s0, "
      "max(size) AS s1, min(exchange) AS e0, max(exchange) AS e1, min(symbol) AS y0, max(symbol) AS y1, "
      "epoch_ns(min(ts)) AS t0, epoch_ns(max(ts)) AS t1, max(id) - min(id) AS span FROM TRADES";
  Check({
      {"whole_table", all},
      {"day_one", all + " WHERE ts >= '2026-03-02' AND ts < '2026-03-03'"},
      {"one_symbol_cut", all + " WHERE symbol = 'S2' AND ts >= '2026-03-02' AND ts < '2026-03-03 10:00'"},
      {"nothing", all + " WHERE symbol = 'NOPE'"},
      // What keeps the statistics out: a filter on another column, grouping, DISTINCT, an
      // expression; and what comes after the aggregate (HAVING, ORDER BY, LIMIT).
      {"residual_filter", all + " WHERE price > 150 AND ts < '2026-03-03'"},
      {"null_filter", all + " WHERE exchange IS NULL"},
      {"grouped",
       "SELECT symbol, count(*) AS n, min(price) AS lo, max(size) AS hi FROM TRADES GROUP BY symbol ORDER BY symbol"},
      {"distinct_expr",
       "SELECT count(DISTINCT exchange) AS d, min(price * 2) AS lo2, max(size + 1) AS hi1 FROM TRADES"},
      {"having_kept", "SELECT count(*) AS n, max(id) AS top FROM TRADES HAVING count(*) > 10"},
      {"having_dropped", "SELECT count(*) AS n FROM TRADES WHERE ts < '2026-03-03' HAVING min(size) > 1000000"},
      {"order_limit", "SELECT min(price) AS lo, max(price) AS hi FROM TRADES ORDER BY lo LIMIT 1"},
  });
  // EXPLAIN ANALYZE counts the files answered from statistics: day 1's four (one per symbol).
  auto count_from_stats = [](const std::string& sql) -> int {
    auto stream = sql::RunSql(state_->db.get(), "EXPLAIN ANALYZE " + sql);
    EXPECT_TRUE(stream.ok()) << stream.status().ToString();
    if (!stream.ok()) return -1;
    auto plan = query::Collect(stream->get());
    EXPECT_TRUE(plan.ok());
    if (!plan.ok()) return -1;
    std::string text;
    for (size_t r = 0; r < plan->num_rows(); ++r) text += std::string(plan->column(0).GetString(r)) + "\n";
    // The scan's counters: "files: N listed, ... read (...), K answered from statistics".
    const size_t at = text.find(" answered from statistics", text.find("  files: "));
    EXPECT_NE(at, std::string::npos) << text;
    if (at == std::string::npos) return -1;
    return std::atoi(text.c_str() + text.rfind(' ', at - 1) + 1);
  };
  EXPECT_EQ(count_from_stats("SELECT count(*), min(price), max(size) FROM trades"), 4);
  EXPECT_EQ(count_from_stats("SELECT count(*) FROM trades WHERE symbol = 'S1' AND ts < '2026-03-03'"), 1);
  // 09:40 is inside day 1's rows at either data size (from 09:30, 0.7 s apart): it cuts every file.
  EXPECT_EQ(count_from_stats("SELECT count(*) FROM trades WHERE ts < '2026-03-02 09:40'"), 0);
  EXPECT_EQ(count_from_stats("SELECT sum(size) FROM trades"), 0);                   // not from statistics
  EXPECT_EQ(count_from_stats("SELECT count(*) FROM trades WHERE price > 150"), 0);  // a residual filter
  EXPECT_EQ(count_from_stats("SELECT symbol, count(*) FROM trades GROUP BY symbol"), 0);
  EXPECT_EQ(count_from_stats("SELECT count(DISTINCT symbol) FROM trades"), 0);
  EXPECT_EQ(count_from_stats("SELECT min(price + 0) FROM trades"), 0);
  EXPECT_EQ(count_from_stats("SELECT count(*) FROM trades HAVING count(*) > 0"), 4);
}

TEST_F(SqlVsDuckDB, TimeBuckets) {
  Check({
      {"time_bucket",
       "SELECT symbol, epoch_ns(time_bucket(INTERVAL '5 minutes', ts)) AS b, count(*) AS n, min(price) AS lo, "
       "max(price) AS hi, sum(size) AS v FROM TRADES WHERE symbol IN ('S2') GROUP BY symbol, b ORDER BY b"},
      {"date_trunc",
       "SELECT epoch_ns(date_trunc('hour', ts)) AS h, count(*) AS n, count(DISTINCT symbol) AS syms, "
       "max(size) AS mx FROM TRADES GROUP BY 1 ORDER BY 1 DESC LIMIT 7"},
      {"bucket_ohlc",
       "SELECT epoch_ns(time_bucket(INTERVAL '1 hour', ts)) AS b, first(price) AS o, max(price) AS h, "
       "min(price) AS l, last(price) AS c FROM TRADES WHERE symbol = 'S0' GROUP BY b ORDER BY b",
       "SELECT epoch_ns(time_bucket(INTERVAL '1 hour', ts)) AS b, first(price ORDER BY ts) AS o, max(price) AS h, "
       "min(price) AS l, last(price ORDER BY ts) AS c FROM TRADES WHERE symbol = 'S0' GROUP BY b ORDER BY b"},
  });
}

TEST_F(SqlVsDuckDB, OrderLimitNullsSubqueriesAndCtes) {
  Check({
      {"top", "SELECT id, price FROM TRADES ORDER BY price DESC NULLS LAST, id LIMIT 20"},
      {"nulls_first", "SELECT id, size FROM TRADES WHERE ts < '2026-03-02 09:35' ORDER BY size NULLS FIRST, id"},
      {"limit_only", "SELECT count(*) AS n FROM (SELECT id FROM TRADES LIMIT 37) AS s"},
      {"is_null",
       "SELECT symbol, count(*) AS n FROM TRADES WHERE price IS NULL OR exchange IS NULL GROUP BY symbol "
       "ORDER BY symbol"},
      {"coalesce",
       "SELECT id, coalesce(price, -1.0) AS p, size + 1 AS s1 FROM TRADES WHERE ts >= '2026-03-04' "
       "ORDER BY id LIMIT 100"},
      {"distinct",
       "SELECT DISTINCT symbol, exchange FROM TRADES WHERE ts < '2026-03-02 10:00' ORDER BY symbol, "
       "exchange NULLS FIRST"},
      {"distinct_expr", "SELECT DISTINCT size % 300 AS b FROM TRADES ORDER BY b DESC NULLS FIRST"},
      {"cte",
       "WITH per AS (SELECT symbol, sum(size) AS v FROM TRADES GROUP BY symbol) SELECT symbol, v * 2 AS v2 "
       "FROM per WHERE v > 0 ORDER BY v DESC"},
      {"subquery", "SELECT max(n) AS most FROM (SELECT symbol, count(*) AS n FROM TRADES GROUP BY symbol) s"},
  });
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
