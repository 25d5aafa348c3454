// The streaming cross-tier scan (Database::NewScan) end to end: the same queries — plain scans, a
// --where filter, 1-minute bars and an as-of join — answered identically whether the rows are in
// the hot, warm or cold tier or split across all three, checked against answers computed directly
// from the generated data; bounded memory; pruning counters; a cursor alive during a migration.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "db/scan.h"
#include "gen/market_gen.h"
#include "lake_test_util.h"
#include "query/asof.h"
#include "query/bars.h"
#include "query/cursor_stream.h"
#include "query/filter.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::kDayNs;
using testing::TempDir;
using testing::TestOptions;

constexpr int64_t kHourNs = 3'600'000'000'000;
constexpr int64_t kMinuteNs = 60'000'000'000;

int64_t Day(int y, int m, int d) { return DaysFromCivil(y, m, d) * kDayNs; }

// The generated rows of one day in arrival order, as batches: trades get, every 50th row, a second
// row at the same ts (another trade id and price), right after the day's rows.
std::vector<RecordBatch> GenDay(GenKind kind, int64_t day_start, int64_t rows, int symbols, uint64_t seed) {
  GenOptions o;
  o.kind = kind;
  o.symbols = symbols;
  o.rows = rows;
  o.day_start_ns = day_start;
  o.seed = seed;
  o.batch_rows = 1000;
  MarketGenerator gen(o);
  std::vector<RecordBatch> out;
  RecordBatch b;
  while (gen.Next(&b)) out.push_back(b);
  if (kind == GenKind::kTrades) {
    // Trade ids unique across days too (the dedup key): days are generated with other seeds.
    for (RecordBatch& x : out) {
      for (int64_t& id : x.column(4).int64s()) id += static_cast<int64_t>(seed) * 10'000'000;
    }
    RecordBatch dups(out[0].fields());
    for (const RecordBatch& x : out) {
      for (size_t r = 0; r < x.num_rows(); r += 50) {
        RecordBatch row = x.Slice(r, 1);
        row.column(2).doubles()[0] += 0.01;
        row.column(4).int64s()[0] += 500'000'000'000;
        EXPECT_TRUE(dups.Append(row).ok());
      }
    }
    out.push_back(std::move(dups));
  }
  return out;
}

// Rows of `all` (arrival order) per symbol, stably sorted by ts, restricted to the range.
std::map<std::string, RecordBatch> ExpectedBySymbol(const std::vector<RecordBatch>& all, int64_t from, int64_t to) {
  std::map<std::string, RecordBatch> out;
  for (RecordBatch& b : testing::Expected(all)) {
    std::vector<uint32_t> keep;
    const auto& ts = b.column(0).int64s();
    for (size_t r = 0; r < b.num_rows(); ++r) {
      if (ts[r] >= from && ts[r] < to) keep.push_back(static_cast<uint32_t>(r));
    }
    if (!keep.empty()) out[std::string(b.column(1).GetString(0))] = b.Take(keep);
  }
  return out;
}

std::vector<RecordBatch> ExpectedScan(const std::vector<RecordBatch>& all, const std::set<std::string>& symbols,
                                      int64_t from, int64_t to) {
  std::vector<RecordBatch> out;
  for (auto& [sym, b] : ExpectedBySymbol(all, from, to)) {
    if (symbols.empty() || symbols.count(sym)) out.push_back(std::move(b));
  }
  return out;
}

enum class Layout { kHot, kWarm, kCold, kSplit };
const char* LayoutName(Layout l) {
  switch (l) {
    case Layout::kHot: return "hot";
    case Layout::kWarm: return "warm";
    case Layout::kCold: return "cold";
    case Layout::kSplit: return "split";
  }
  return "?";
}

// Four trading days across a month boundary (Thu Feb 26, Fri Feb 27, Mon Mar 2, Tue Mar 3).
const std::vector<int64_t>& Days() {
  static const std::vector<int64_t> days = {Day(2026, 2, 26), Day(2026, 2, 27), Day(2026, 3, 2), Day(2026, 3, 3)};
  return days;
}

class QueryTiersTest : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    testing::PreferMemoryTmpDir();
    dir_ = std::make_unique<TempDir>();
    root_ = dir_->Join("db");
    ASSERT_OK(Database::Init(root_, {.fsync = "none"}));
    auto db = Database::Open(root_, TestOptions());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_OK(db_->CreateTable({"trades", *Schema::Template("trades"), "trade_id", "{}"}));
    ASSERT_OK(db_->CreateTable({"quotes", *Schema::Template("quotes"), std::nullopt, "{}"}));
    for (size_t d = 0; d < Days().size(); ++d) {
      trades_.push_back(GenDay(GenKind::kTrades, Days()[d], 4000, 3, 100 + d));
      quotes_.push_back(GenDay(GenKind::kQuotes, Days()[d], 8000, 3, 100 + d));
    }
    for (const auto& day : trades_) all_trades_.insert(all_trades_.end(), day.begin(), day.end());
    for (const auto& day : quotes_) all_quotes_.insert(all_quotes_.end(), day.begin(), day.end());
    Load(GetParam());
  }

  void AppendDay(size_t d, size_t first = 0, size_t last = SIZE_MAX) {
    for (size_t i = first; i < std::min(last, trades_[d].size()); ++i) ASSERT_OK(db_->Append("trades", trades_[d][i]));
    for (size_t i = first; i < std::min(last, quotes_[d].size()); ++i) ASSERT_OK(db_->Append("quotes", quotes_[d][i]));
  }

  void Load(Layout layout) {
    MigrateOptions all;
    all.all = true;
    all.apply_policy = false;
    switch (layout) {
      case Layout::kHot:
        for (size_t d = 0; d < Days().size(); ++d) AppendDay(d);
        break;
      case Layout::kWarm:
        for (size_t d = 0; d < Days().size(); ++d) AppendDay(d);
        ASSERT_OK(db_->Flush());
        break;
      case Layout::kCold:
        for (size_t d = 0; d < Days().size(); ++d) AppendDay(d);
        ASSERT_OK(db_->Flush());
        ASSERT_OK(db_->Migrate(all));
        break;
      case Layout::kSplit: {
        // February in cold, Mar 2 and the first half of Mar 3 in warm, the rest of Mar 3 hot.
        AppendDay(0);
        AppendDay(1);
        ASSERT_OK(db_->Flush());
        ASSERT_OK(db_->Migrate(all));
        AppendDay(2);
        AppendDay(3, 0, 3);
        ASSERT_OK(db_->Flush());
        AppendDay(3, 3);
        EXPECT_GT(testing::TierRows(db_.get(), "cold"), 0u);
        EXPECT_GT(testing::TierRows(db_.get(), "warm"), 0u);
        EXPECT_GT(testing::TierRows(db_.get(), "hot"), 0u);
        break;
      }
    }
  }

  std::unique_ptr<ScanCursor> Cursor(ScanRequest req) {
    auto c = db_->NewScan(req);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  std::unique_ptr<TempDir> dir_;
  std::string root_;
  std::unique_ptr<Database> db_;
  std::vector<std::vector<RecordBatch>> trades_, quotes_;
  std::vector<RecordBatch> all_trades_, all_quotes_;
};

struct Range {
  int64_t from, to;
  std::set<std::string> symbols;
};

std::vector<Range> Ranges() {
  const int64_t feb27 = Day(2026, 2, 27), mar2 = Day(2026, 3, 2), mar3 = Day(2026, 3, 3);
  return {
      {INT64_MIN, INT64_MAX, {}},                                             // everything
      {feb27 + 20 * kHourNs, mar2 + 15 * kHourNs, {}},                        // across a weekend and a month
      {feb27 + 20 * kHourNs, mar3 + 15 * kHourNs, {"MSFT", "AAPL"}},          // two symbols, three days
      {mar3 + 14 * kHourNs + 30 * kMinuteNs, mar3 + 15 * kHourNs, {"NVDA"}},  // half an hour
      {mar2 + 2 * kHourNs, mar2 + 3 * kHourNs, {}},                           // no rows (night)
  };
}

TEST_P(QueryTiersTest, PlainScansMatchTheGeneratedRows) {
  for (const Range& r : Ranges()) {
    ScanRequest req;
    req.table = "trades";
    req.symbols.assign(r.symbols.begin(), r.symbols.end());
    req.from_ts = r.from;
    req.to_ts = r.to;
    ASSERT_OK_AND_ASSIGN(auto got, db_->Scan(req));
    EXPECT_TRUE(testing::SameRows(got, ExpectedScan(all_trades_, r.symbols, r.from, r.to)))
        << LayoutName(GetParam()) << " range " << r.from << ".." << r.to;
    // The same through small batches: every batch one symbol, at most max_batch_rows rows.
    req.max_batch_rows = 333;
    auto c = Cursor(req);
    ASSERT_NE(c, nullptr);
    std::vector<RecordBatch> per_symbol;
    std::string last;
    RecordBatch b;
    while (true) {
      ASSERT_OK_AND_ASSIGN(bool more, c->Next(&b));
      if (!more) break;
      ASSERT_GT(b.num_rows(), 0u);
      ASSERT_LE(b.num_rows(), 333u);
      for (size_t i = 0; i < b.num_rows(); ++i) ASSERT_EQ(b.column(1).GetString(i), c->symbol());
      if (per_symbol.empty() || c->symbol() != last) {
        if (!per_symbol.empty()) {
          ASSERT_LT(last, c->symbol()) << "symbols ascending";
        }
        per_symbol.push_back(b);
        last = c->symbol();
      } else {
        ASSERT_OK(per_symbol.back().Append(b));
      }
    }
    EXPECT_TRUE(testing::SameRows(per_symbol, ExpectedScan(all_trades_, r.symbols, r.from, r.to)))
        << LayoutName(GetParam());
    EXPECT_EQ(c->stats().rows_returned, [&] {
      size_t n = 0;
      for (const auto& x : per_symbol) n += x.num_rows();
      return n;
    }());
  }
  // A projection without ts and symbol.
  ScanRequest req;
  req.table = "trades";
  req.columns = {"price", "trade_id"};
  ASSERT_OK_AND_ASSIGN(auto got, db_->Scan(req));
  std::vector<RecordBatch> want;
  for (RecordBatch& b : ExpectedScan(all_trades_, {}, INT64_MIN, INT64_MAX)) {
    ASSERT_OK_AND_ASSIGN(RecordBatch p, b.Project({"price", "trade_id"}));
    want.push_back(std::move(p));
  }
  EXPECT_TRUE(testing::SameRows(got, want));
  // The symbol without ts: files do not decode it, the scan makes it from the catalog.
  req.columns = {"symbol", "price"};
  ASSERT_OK_AND_ASSIGN(got, db_->Scan(req));
  want.clear();
  for (RecordBatch& b : ExpectedScan(all_trades_, {}, INT64_MIN, INT64_MAX)) {
    ASSERT_OK_AND_ASSIGN(RecordBatch p, b.Project({"symbol", "price"}));
    want.push_back(std::move(p));
  }
  EXPECT_TRUE(testing::SameRows(got, want));
}

TEST_P(QueryTiersTest, FilterMatchesBruteForce) {
  const Range r = Ranges()[1];
  ScanRequest req;
  req.table = "trades";
  req.from_ts = r.from;
  req.to_ts = r.to;
  auto c = Cursor(req);
  ASSERT_NE(c, nullptr);
  ASSERT_OK_AND_ASSIGN(auto expr, query::FilterExpr::Parse("size >= 100 and exchange in ('XNAS', 'ARCX')"));
  ASSERT_OK_AND_ASSIGN(auto filter, query::Filter::Bind(expr, c->fields()));
  auto stream = query::MakeFilterStream(query::MakeCursorStream(std::move(c), nullptr), filter);
  ASSERT_OK_AND_ASSIGN(RecordBatch got, query::Collect(stream.get()));
  RecordBatch want(all_trades_[0].fields());
  for (const RecordBatch& b : ExpectedScan(all_trades_, {}, r.from, r.to)) {
    std::vector<uint32_t> keep;
    for (size_t i = 0; i < b.num_rows(); ++i) {
      const std::string_view ex = b.column(5).GetString(i);
      if (b.column(3).int64s()[i] >= 100 && (ex == "XNAS" || ex == "ARCX")) keep.push_back(static_cast<uint32_t>(i));
    }
    ASSERT_OK(want.Append(b.Take(keep)));
  }
  ASSERT_GT(want.num_rows(), 100u);
  EXPECT_TRUE(testing::SameRows({got}, {want})) << LayoutName(GetParam());
}

TEST_P(QueryTiersTest, BarsMatchBruteForce) {
  const Range r = Ranges()[2];
  ScanRequest req;
  req.table = "trades";
  req.symbols.assign(r.symbols.begin(), r.symbols.end());
  req.from_ts = r.from;
  req.to_ts = r.to;
  req.columns = {"ts", "symbol", "price", "size"};
  req.max_batch_rows = 500;
  auto c = Cursor(req);
  ASSERT_NE(c, nullptr);
  ASSERT_OK_AND_ASSIGN(auto bars, query::MakeBarsStream(query::MakeCursorStream(std::move(c), nullptr), kMinuteNs));
  ASSERT_OK_AND_ASSIGN(RecordBatch got, query::Collect(bars.get()));

  struct Bar {
    double open, high, low, close;
    int64_t volume = 0, count = 0;
  };
  std::map<std::pair<std::string, int64_t>, Bar> want;
  for (const RecordBatch& b : ExpectedScan(all_trades_, r.symbols, r.from, r.to)) {
    for (size_t i = 0; i < b.num_rows(); ++i) {
      const int64_t t = b.column(0).int64s()[i];
      const double p = b.column(2).doubles()[i];
      auto [it, fresh] = want.try_emplace({std::string(b.column(1).GetString(i)), t - t % kMinuteNs});
      Bar& bar = it->second;
      if (fresh) bar.open = bar.high = bar.low = p;
      bar.high = std::max(bar.high, p);
      bar.low = std::min(bar.low, p);
      bar.close = p;
      bar.volume += b.column(3).int64s()[i];
      ++bar.count;
    }
  }
  ASSERT_EQ(got.num_rows(), want.size()) << LayoutName(GetParam());
  const int ts = got.FieldIndex("ts"), sym = got.FieldIndex("symbol"), open = got.FieldIndex("open"),
            high = got.FieldIndex("high"), low = got.FieldIndex("low"), close = got.FieldIndex("close"),
            volume = got.FieldIndex("volume"), count = got.FieldIndex("count");
  size_t i = 0;
  for (const auto& [key, bar] : want) {  // (symbol, minute) order = the grouped stream's order
    ASSERT_EQ(got.column(sym).GetString(i), key.first) << i;
    ASSERT_EQ(got.column(ts).int64s()[i], key.second) << i;
    EXPECT_EQ(got.column(open).doubles()[i], bar.open) << i;
    EXPECT_EQ(got.column(high).doubles()[i], bar.high) << i;
    EXPECT_EQ(got.column(low).doubles()[i], bar.low) << i;
    EXPECT_EQ(got.column(close).doubles()[i], bar.close) << i;
    EXPECT_EQ(got.column(volume).int64s()[i], bar.volume) << i;
    EXPECT_EQ(got.column(count).int64s()[i], bar.count) << i;
    ++i;
  }
}

// The right scan either starts at the beginning of time or at each symbol's last quote before the
// range (from_last_before, what `strata query --asof` without a tolerance asks for): the same
// answer either way.
TEST_P(QueryTiersTest, AsofJoinMatchesBruteForce) {
  for (const bool last_before : {false, true}) {
    SCOPED_TRACE(last_before ? "from_last_before" : "from the beginning");
    const Range r = Ranges()[1];
    ScanRequest left;
    left.table = "trades";
    left.from_ts = r.from;
    left.to_ts = r.to;
    left.max_batch_rows = 700;
    ScanRequest right = left;
    right.table = "quotes";
    right.from_ts = last_before ? r.from : INT64_MIN;  // a prev match may lie before the range
    right.from_last_before = last_before;
    right.max_batch_rows = 900;
    auto lc = Cursor(left), rc = Cursor(right);
    ASSERT_NE(lc, nullptr);
    ASSERT_NE(rc, nullptr);
    ASSERT_OK_AND_ASSIGN(auto join, query::MakeAsofJoinStream(query::MakeCursorStream(std::move(lc), nullptr),
                                                              query::MakeCursorStream(std::move(rc), nullptr)));
    ASSERT_OK_AND_ASSIGN(RecordBatch got, query::Collect(join.get()));

    auto quotes = ExpectedBySymbol(all_quotes_, INT64_MIN, r.to);
    const int bid = got.FieldIndex("bid"), ask = got.FieldIndex("ask"), rts = got.FieldIndex("right_ts");
    ASSERT_GE(bid, 0);
    ASSERT_GE(rts, 0);
    size_t row = 0, matched = 0, unmatched = 0;
    for (const RecordBatch& t : ExpectedScan(all_trades_, {}, r.from, r.to)) {
      const RecordBatch& q = quotes[std::string(t.column(1).GetString(0))];
      const auto& qts = q.column(0).int64s();
      for (size_t i = 0; i < t.num_rows(); ++i, ++row) {
        ASSERT_LT(row, got.num_rows());
        ASSERT_EQ(got.column(0).int64s()[row], t.column(0).int64s()[i]) << row;
        ASSERT_EQ(got.column(4).int64s()[row], t.column(4).int64s()[i]) << row;
        // The last quote at or before the trade.
        auto it = std::upper_bound(qts.begin(), qts.end(), t.column(0).int64s()[i]);
        if (it == qts.begin()) {
          EXPECT_TRUE(got.column(bid).IsNull(row)) << row;
          ++unmatched;
          continue;
        }
        const size_t j = static_cast<size_t>(it - qts.begin()) - 1;
        ASSERT_FALSE(got.column(bid).IsNull(row)) << row;
        EXPECT_EQ(got.column(rts).int64s()[row], qts[j]) << row;
        EXPECT_EQ(got.column(bid).doubles()[row], q.column(2).doubles()[j]) << row;
        EXPECT_EQ(got.column(ask).doubles()[row], q.column(3).doubles()[j]) << row;
        ++matched;
      }
    }
    EXPECT_EQ(row, got.num_rows());
    EXPECT_GT(matched, 1000u) << LayoutName(GetParam());
  }
}

// from_last_before: each symbol's rows are a suffix of its rows before `to` that holds every row
// from `from` on and its last row before `from`, and does not reach back to the first row.
TEST_P(QueryTiersTest, FromLastBeforeStartsAtTheLastRowBeforeTheRange) {
  const int64_t mar3 = Day(2026, 3, 3);
  for (const int64_t from : {Day(2026, 3, 2) + 15 * kHourNs, mar3, mar3 + 14 * kHourNs + 30 * kMinuteNs}) {
    ScanRequest req;
    req.table = "quotes";
    req.from_ts = from;
    req.to_ts = mar3 + 20 * kHourNs;
    req.from_last_before = true;
    ASSERT_OK_AND_ASSIGN(auto got, db_->Scan(req));
    auto all = ExpectedBySymbol(all_quotes_, INT64_MIN, req.to_ts);
    ASSERT_EQ(got.size(), all.size()) << from;
    for (const RecordBatch& g : got) {
      const std::string sym(g.column(1).GetString(0));
      const RecordBatch& want = all.at(sym);
      const auto& ts = want.column(0).int64s();
      const size_t at_from = static_cast<size_t>(std::lower_bound(ts.begin(), ts.end(), from) - ts.begin());
      ASSERT_GT(at_from, 0u) << sym << ": the data has rows before " << from;
      ASSERT_GE(g.num_rows(), ts.size() - at_from + 1) << sym << " " << from;
      const size_t start = ts.size() - g.num_rows();
      EXPECT_TRUE(g.Equals(want.Slice(start, g.num_rows()))) << sym << " " << from;
      // Not from the beginning of time: the data starts on Feb 27, in files of its own.
      EXPECT_LT(g.num_rows() - (ts.size() - at_from), at_from) << sym << " " << from << ": too far back";
    }
  }
}

TEST_P(QueryTiersTest, UnknownSymbolIsEmptyAndBackwardsRangeIsAnError) {
  ScanRequest req;
  req.table = "trades";
  req.symbols = {"NOPE"};
  ASSERT_OK_AND_ASSIGN(auto got, db_->Scan(req));
  EXPECT_TRUE(got.empty());
  auto c = Cursor(req);
  ASSERT_NE(c, nullptr);
  RecordBatch b;
  ASSERT_OK_AND_ASSIGN(bool more, c->Next(&b));
  EXPECT_FALSE(more);
  EXPECT_EQ(c->fields(), Schema::Template("trades")->fields());

  req.symbols.clear();
  req.from_ts = Day(2026, 3, 3);
  req.to_ts = Day(2026, 3, 2);
  auto bad = db_->NewScan(req);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("backwards"), std::string::npos) << bad.status().ToString();
  EXPECT_FALSE(db_->Scan(req).ok());

  req.from_ts = req.to_ts;  // empty, not an error
  ASSERT_OK_AND_ASSIGN(got, db_->Scan(req));
  EXPECT_TRUE(got.empty());
  req.from_ts = INT64_MIN;
  req.to_ts = INT64_MAX;
  req.columns = {"nope"};
  EXPECT_EQ(db_->NewScan(req).status().code(), StatusCode::kInvalidArgument);
  req.columns.clear();
  req.tiers = {"lukewarm"};
  EXPECT_EQ(db_->NewScan(req).status().code(), StatusCode::kInvalidArgument);
  req.tiers.clear();
  req.table = "nope";
  EXPECT_FALSE(db_->NewScan(req).ok());
}

INSTANTIATE_TEST_SUITE_P(Layouts, QueryTiersTest,
                         ::testing::Values(Layout::kHot, Layout::kWarm, Layout::kCold, Layout::kSplit),
                         [](const auto& info) { return std::string(LayoutName(info.param)); });

class ScanLakeTest : public testing::TradesDbTest {
 protected:
  // `days` consecutive days from Mar 2, `rows` trades a day over `symbols` symbols, flushed warm.
  void LoadWarm(int days, int64_t rows, int symbols) {
    for (int d = 0; d < days; ++d) {
      for (RecordBatch& b : GenDay(GenKind::kTrades, Day(2026, 3, 2) + d * kDayNs, rows, symbols, 7 + d)) {
        ASSERT_OK(db_->Append("trades", b));
        all_.push_back(std::move(b));
      }
    }
    ASSERT_OK(db_->Flush());
  }
  std::vector<std::string> WarmFiles() { return testing::FilesUnder(root_ + "/warm"); }

  std::vector<RecordBatch> all_;
};

// A month of warm files streams through a buffer of about one file's row group, not the month.
TEST_F(ScanLakeTest, PeakRowsBufferedStaysBounded) {
  LoadWarm(24, 3000, 2);
  ScanRequest req;
  req.table = "trades";
  ASSERT_OK_AND_ASSIGN(auto cursor, db_->NewScan(req));
  RecordBatch b;
  uint64_t rows = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, cursor->Next(&b));
    if (!more) break;
    rows += b.num_rows();
  }
  // The biggest series-day (one file, one row group).
  size_t biggest = 0;
  for (const auto& [sym, day_rows] : [&] {
         std::map<std::pair<std::string, int64_t>, size_t> n;
         for (const RecordBatch& x : all_) {
           for (size_t i = 0; i < x.num_rows(); ++i) {
             ++n[{std::string(x.column(1).GetString(i)), x.column(0).int64s()[i] / kDayNs}];
           }
         }
         return n;
       }()) {
    biggest = std::max(biggest, day_rows);
  }
  const ScanStats& st = cursor->stats();
  EXPECT_EQ(rows, st.rows_returned);
  size_t total = 0;
  for (const RecordBatch& x : all_) total += x.num_rows();
  EXPECT_EQ(rows, total);
  EXPECT_EQ(st.files_read, 48u);
  EXPECT_GT(st.peak_rows_buffered, 0u);
  EXPECT_LE(st.peak_rows_buffered, 2 * biggest) << "biggest file " << biggest << ", total " << total;
  EXPECT_EQ(st.merged_rows, 0u) << "day files do not overlap: no merge work";
}

// One hour of one symbol on a multi-day lake: one file, one row group, a few pages.
TEST_F(ScanLakeTest, OneHourReadsOneFileAndFewPages) {
  LoadWarm(3, 150'000, 1);
  const int64_t from = Day(2026, 3, 3) + 17 * kHourNs, to = from + kHourNs;
  ScanRequest req;
  req.table = "trades";
  req.symbols = {"AAPL"};
  req.from_ts = from;
  req.to_ts = to;
  req.columns = {"price"};
  ASSERT_OK_AND_ASSIGN(auto cursor, db_->NewScan(req));
  RecordBatch b;
  double sum = 0;
  uint64_t n = 0;
  while (true) {
    ASSERT_OK_AND_ASSIGN(bool more, cursor->Next(&b));
    if (!more) break;
    ASSERT_EQ(b.num_columns(), 1u);
    for (double p : b.column(0).doubles()) sum += p;
    n += b.num_rows();
  }
  double want_sum = 0;
  uint64_t want_n = 0;
  for (const RecordBatch& x : all_) {
    for (size_t i = 0; i < x.num_rows(); ++i) {
      const int64_t t = x.column(0).int64s()[i];
      if (t >= from && t < to) {
        want_sum += x.column(2).doubles()[i];
        ++want_n;
      }
    }
  }
  ASSERT_GT(want_n, 1000u);
  EXPECT_EQ(n, want_n);
  EXPECT_NEAR(sum / static_cast<double>(n), want_sum / static_cast<double>(want_n), 1e-9);
  const ScanStats& st = cursor->stats();
  EXPECT_EQ(st.files_listed, 1u);
  EXPECT_EQ(st.files_read, 1u);
  EXPECT_EQ(st.row_groups_read, 1u);
  EXPECT_GT(st.pages_total, 0u);
  EXPECT_LE(st.pages_read * 3, st.pages_total) << st.pages_read << " of " << st.pages_total;
  // One day file is ~1/3 of the lake; the hour needs a fraction of it.
  uint64_t lake_bytes = 0;
  for (const std::string& f : WarmFiles()) lake_bytes += std::filesystem::file_size(f);
  EXPECT_LT(st.bytes_read * 10, lake_bytes) << st.bytes_read << " of " << lake_bytes;
}

// Row groups of 100k rows, warm and then cold (both on local disk, memory-mapped): decoded on two
// threads they give exactly the rows one thread gives.
TEST_F(ScanLakeTest, ParallelDecodingGivesTheSameRows) {
  LoadWarm(2, 100'000, 1);
  auto scan = [&](int threads, ScanStats* stats) {
    ScanRequest req;
    req.table = "trades";
    req.from_ts = Day(2026, 3, 2) + 30 * kMinuteNs;  // a partial first day: the filtered path too
    req.decode_threads = threads;
    std::vector<RecordBatch> rows;
    auto cursor = db_->NewScan(req);
    EXPECT_TRUE(cursor.ok()) << cursor.status().ToString();
    if (!cursor.ok()) return rows;
    auto drained = db::DrainScan(cursor->get());
    EXPECT_TRUE(drained.ok()) << drained.status().ToString();
    *stats = (*cursor)->stats();
    if (drained.ok()) rows = std::move(*drained);
    return rows;
  };
  for (const char* tier : {"warm", "cold"}) {
    if (std::string(tier) == "cold") {
      MigrateOptions all;
      all.all = true;
      ASSERT_OK(db_->Migrate(all));
    }
    ScanStats one, two;
    scan(1, &one);  // opens the files: both timed scans then find their footers cached
    std::vector<RecordBatch> a = scan(1, &one), b = scan(2, &two);
    ASSERT_EQ(a.size(), 1u) << tier;
    ASSERT_GT(a[0].num_rows(), 100'000u) << tier;
    EXPECT_TRUE(testing::SameRows(a, b)) << tier;
    EXPECT_EQ(one.row_groups_parallel, 0u) << tier;
    EXPECT_GT(two.row_groups_parallel, 0u) << tier;
    EXPECT_EQ(one.bytes_read, two.bytes_read) << tier;
  }
}

// A cursor opened before a migration (and a flush) still returns every row once; the files the
// migration retired stay on disk until the cursor is gone.
TEST_F(ScanLakeTest, CursorSurvivesConcurrentMigration) {
  LoadWarm(4, 4000, 3);
  // Some hot rows too, flushed while the cursor is open.
  const int64_t day5 = Day(2026, 3, 2) + 4 * kDayNs;
  for (RecordBatch& b : GenDay(GenKind::kTrades, day5, 2000, 3, 99)) {
    ASSERT_OK(db_->Append("trades", b));
    all_.push_back(std::move(b));
  }
  const auto want = testing::Expected(all_);
  const size_t warm_files = WarmFiles().size();
  ASSERT_GT(warm_files, 0u);

  ScanRequest req;
  req.table = "trades";
  req.max_batch_rows = 256;
  ASSERT_OK_AND_ASSIGN(auto cursor, db_->NewScan(req));
  std::vector<RecordBatch> got;
  auto take = [&](int batches) {
    RecordBatch b;
    for (int i = 0; batches < 0 || i < batches; ++i) {
      auto more = cursor->Next(&b);
      ASSERT_TRUE(more.ok()) << more.status().ToString();
      if (!*more) return;
      if (got.empty() || got.back().column(1).GetString(0) != cursor->symbol()) {
        got.push_back(b);
      } else {
        ASSERT_OK(got.back().Append(b));
      }
    }
  };
  take(3);
  MigrateOptions m;
  m.all = true;
  m.apply_policy = false;
  ASSERT_OK_AND_ASSIGN(TierRunResult r, db_->Migrate(m));
  EXPECT_GT(r.files_in, 0u);
  ASSERT_OK(db_->Flush());                               // the hot rows become warm files the cursor does not know
  EXPECT_EQ(testing::TierFiles(db_.get(), "warm"), 3u);  // the flushed day
  EXPECT_GT(WarmFiles().size(), 3u) << "retired warm files are kept while the cursor may read them";
  take(-1);
  EXPECT_TRUE(testing::SameRows(got, want));
  cursor.reset();

  // A new scan reads cold + warm; a writer's next open removes the deferred files.
  EXPECT_TRUE(testing::SameRows(testing::ScanAll(db_.get()), want));
  Reopen();
  EXPECT_EQ(WarmFiles().size(), 3u);
  EXPECT_TRUE(testing::SameRows(testing::ScanAll(db_.get()), want));
}

// The same from another thread: the migration runs while the cursor is being drained.
TEST_F(ScanLakeTest, CursorAndMigrationOnTwoThreads) {
  LoadWarm(6, 3000, 2);
  const auto want = testing::Expected(all_);
  ScanRequest req;
  req.table = "trades";
  req.max_batch_rows = 100;
  ASSERT_OK_AND_ASSIGN(auto cursor, db_->NewScan(req));
  std::thread migrate([&] {
    MigrateOptions m;
    m.all = true;
    m.apply_policy = false;
    EXPECT_OK(db_->Migrate(m));
  });
  auto got = db::DrainScan(cursor.get());
  migrate.join();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(testing::SameRows(*got, want));
  EXPECT_TRUE(testing::SameRows(testing::ScanAll(db_.get()), want));
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
