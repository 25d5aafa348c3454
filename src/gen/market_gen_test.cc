#include "gen/market_gen.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "io/fault_injection_fs.h"
#include "strata/timestamp.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

const int64_t kDay = *ParseTimestamp("2026-03-02");
const int64_t kOpen = kDay + 14 * kNanosPerHour + 30 * kNanosPerMinute;
const int64_t kClose = kDay + 21 * kNanosPerHour;

GenOptions Opts(GenKind kind, int symbols, int64_t rows, uint64_t seed, size_t batch_rows = 65536) {
  GenOptions o;
  o.kind = kind;
  o.symbols = symbols;
  o.rows = rows;
  o.day_start_ns = kDay;
  o.seed = seed;
  o.batch_rows = batch_rows;
  return o;
}

RecordBatch All(const GenOptions& options) {
  MarketGenerator gen(options);
  RecordBatch all(gen.schema()), b;
  while (gen.Next(&b)) {
    EXPECT_GT(b.num_rows(), 0u);
    EXPECT_LE(b.num_rows(), std::max<size_t>(1, options.batch_rows));
    EXPECT_OK(b.ValidateAgainst(gen.schema()));
    EXPECT_OK(all.Append(b));
  }
  EXPECT_EQ(b.num_rows(), 0u) << "the final false leaves the batch empty";
  EXPECT_FALSE(gen.Next(&b)) << "stays exhausted";
  EXPECT_EQ(gen.rows_produced(), static_cast<int64_t>(all.num_rows()));
  return all;
}

int64_t Ts(const RecordBatch& b, size_t r) { return b.column(0).int64s()[r]; }
std::string Sym(const RecordBatch& b, size_t r) { return std::string(b.column(1).GetString(r)); }
double F64(const RecordBatch& b, size_t c, size_t r) { return b.column(c).doubles()[r]; }
int64_t I64(const RecordBatch& b, size_t c, size_t r) { return b.column(c).int64s()[r]; }
bool OnCentGrid(double v) { return std::fabs(v * 100 - std::round(v * 100)) < 1e-6; }

// An in-memory WritableFile: records each Append, can fail the n-th one.
class StringSink : public WritableFile {
 public:
  Status Append(std::string_view data) override {
    if (++appends_ == fail_at_) return Status::IOError("sink refused write " + std::to_string(appends_));
    pieces.push_back(data.size());
    text.append(data);
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Status Close() override { return Status::OK(); }
  uint64_t Size() const override { return text.size(); }
  const std::string& path() const override { return path_; }
  void FailAppend(int n) { fail_at_ = n; }

  std::string text;
  std::vector<size_t> pieces;

 private:
  std::string path_ = "mem://sink.csv";
  int appends_ = 0;
  int fail_at_ = -1;
};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t pos = 0;;) {
    size_t next = s.find(sep, pos);
    out.push_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) return out;
    pos = next + 1;
  }
}

TEST(GenSymbolName, TickersThenSynthetic) {
  EXPECT_EQ(GenSymbolName(0), "AAPL");
  EXPECT_EQ(GenSymbolName(1), "MSFT");
  EXPECT_EQ(GenSymbolName(39), "CAT");
  EXPECT_EQ(GenSymbolName(40), "S0040");
  EXPECT_EQ(GenSymbolName(41), "S0041");
  EXPECT_EQ(GenSymbolName(12345), "S12345");
  std::set<std::string> names;
  for (int i = 0; i < 500; ++i) names.insert(GenSymbolName(i));
  EXPECT_EQ(names.size(), 500u);
}

TEST(MarketGen, DeterministicForSeedAndIndependentOfBatchSize) {
  RecordBatch a = All(Opts(GenKind::kTrades, 5, 50000, 7, 4096));
  RecordBatch b = All(Opts(GenKind::kTrades, 5, 50000, 7, 4096));
  RecordBatch c = All(Opts(GenKind::kTrades, 5, 50000, 7, 777));
  RecordBatch d = All(Opts(GenKind::kTrades, 5, 50000, 8, 4096));
  ASSERT_EQ(a.num_rows(), 50000u);
  EXPECT_TRUE(a.Equals(b));
  EXPECT_TRUE(a.Equals(c)) << "batch_rows only changes how rows are cut";
  EXPECT_FALSE(a.Equals(d));
  EXPECT_NE(Ts(a, 0), Ts(d, 0));
  EXPECT_TRUE(All(Opts(GenKind::kQuotes, 3, 9999, 5)).Equals(All(Opts(GenKind::kQuotes, 3, 9999, 5, 100))));
}

// Pins the exact output for one seed: "identical on every platform" means these bytes. If the
// generator changes on purpose, update the expected lines (and expect benchmark data to shift).
TEST(MarketGen, GoldenOutput) {
  auto csv_lines = [](GenKind kind) {
    MarketGenerator gen(Opts(kind, 3, 1000, 42));
    StringSink sink;
    EXPECT_OK(WriteCsv(&gen, &sink));
    std::vector<std::string> lines;
    for (std::string_view line : Split(sink.text, '\n')) lines.emplace_back(line);
    return lines;
  };
  std::vector<std::string> t = csv_lines(GenKind::kTrades);
  ASSERT_EQ(t.size(), 1002u);
  EXPECT_EQ(t[1], "2026-03-02T14:30:13.603690797Z,AAPL,31.21,100,1000065671,BATS");
  EXPECT_EQ(t[500], "2026-03-02T18:18:24.766343799Z,NVDA,103.75,300,3000373210,BATS");
  EXPECT_EQ(t[1000], "2026-03-02T20:59:58.989289315Z,AAPL,30.59,32,1000066665,ARCX");
  std::vector<std::string> q = csv_lines(GenKind::kQuotes);
  ASSERT_EQ(q.size(), 1002u);
  EXPECT_EQ(q[1], "2026-03-02T14:30:04.400653714Z,MSFT,342.75,342.76,500,300");
  EXPECT_EQ(q[1000], "2026-03-02T20:59:36.792947178Z,AAPL,30.59,30.60,1000,200");
}

// Every byte of a larger output, as a digest (FNV-1a): catches changes the lines above miss.
TEST(MarketGen, GoldenDigest) {
  auto digest = [](GenKind kind) {
    MarketGenerator gen(Opts(kind, 8, 20000, 7));
    StringSink sink;
    EXPECT_OK(WriteCsv(&gen, &sink));
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : sink.text) h = (h ^ c) * 0x100000001b3ull;
    return h;
  };
  EXPECT_EQ(digest(GenKind::kTrades), 14648892841204454133ull);
  EXPECT_EQ(digest(GenKind::kQuotes), 17805421406644695329ull);
}

TEST(MarketGen, ExactRowCounts) {
  for (int64_t rows : {0, 1, 2, 3, 7, 100, 1001, 65536, 65537}) {
    for (int symbols : {1, 3, 8, 50}) {
      for (size_t batch : {size_t{1000}, size_t{65536}}) {
        if (batch == 1000 && rows > 2000) continue;  // keep the matrix cheap
        EXPECT_EQ(All(Opts(GenKind::kTrades, symbols, rows, 3, batch)).num_rows(), static_cast<size_t>(rows))
            << rows << " rows, " << symbols << " symbols, batch " << batch;
      }
    }
  }
  EXPECT_EQ(All(Opts(GenKind::kQuotes, 13, 123457, 1)).num_rows(), 123457u);
}

TEST(MarketGen, ZeroRowsProducesNothing) {
  MarketGenerator gen(Opts(GenKind::kQuotes, 4, 0, 1));
  RecordBatch b;
  EXPECT_FALSE(gen.Next(&b));
  EXPECT_EQ(b.fields(), gen.schema().fields()) << "the batch is reset to the schema even when empty";
  EXPECT_EQ(b.num_rows(), 0u);
}

TEST(MarketGen, OutOfRangeOptionsAreClamped) {
  RecordBatch none = All(Opts(GenKind::kTrades, 4, -5, 1));
  EXPECT_EQ(none.num_rows(), 0u);
  GenOptions o = Opts(GenKind::kTrades, 0, 10, 1, 0);
  MarketGenerator gen(o);
  EXPECT_EQ(gen.options().symbols, 1);
  EXPECT_EQ(gen.options().batch_rows, 1u);
  RecordBatch b;
  int batches = 0;
  while (gen.Next(&b)) {
    ASSERT_EQ(b.num_rows(), 1u);
    EXPECT_EQ(Sym(b, 0), "AAPL");
    ++batches;
  }
  EXPECT_EQ(batches, 10);
}

TEST(MarketGen, SchemaIsTheTemplateAndForeignBatchesAreReset) {
  MarketGenerator trades(Opts(GenKind::kTrades, 2, 10, 1));
  MarketGenerator quotes(Opts(GenKind::kQuotes, 2, 10, 1));
  EXPECT_EQ(trades.schema().fields(), Schema::Template("trades")->fields());
  EXPECT_EQ(quotes.schema().fields(), Schema::Template("quotes")->fields());
  RecordBatch b(*Schema::Template("bars"));
  ASSERT_TRUE(quotes.Next(&b));
  EXPECT_EQ(b.fields(), quotes.schema().fields());
  EXPECT_EQ(b.num_rows(), 10u);
  ASSERT_OK(b.ValidateAgainst(quotes.schema()));
}

TEST(MarketGen, TimestampsInSessionOrderedGloballyStrictlyPerSymbol) {
  for (GenKind kind : {GenKind::kTrades, GenKind::kQuotes}) {
    RecordBatch t = All(Opts(kind, 20, 200000, 11));
    std::map<std::string, int64_t> last;
    int round_micros = 0;
    for (size_t r = 0; r < t.num_rows(); ++r) {
      const int64_t ts = Ts(t, r);
      ASSERT_GE(ts, kOpen);
      ASSERT_LT(ts, kClose);
      if (r > 0) {
        ASSERT_LE(Ts(t, r - 1), ts) << "global time order at row " << r;
      }
      auto [it, fresh] = last.try_emplace(Sym(t, r), ts);
      if (!fresh) {
        ASSERT_LT(it->second, ts) << "per-symbol strictly increasing at row " << r;
        it->second = ts;
      }
      round_micros += ts % 1000 == 0;
    }
    EXPECT_LT(round_micros, static_cast<int>(t.num_rows() / 100)) << "nanosecond timestamps, not rounded";
  }
}

TEST(MarketGen, StrictPerSymbolOrderEvenWhenDenselyPacked) {
  // 300k rows of one symbol: arrivals near the open are microseconds apart, so collisions of
  // the mapped times would show up here.
  RecordBatch t = All(Opts(GenKind::kQuotes, 1, 300000, 2));
  for (size_t r = 1; r < t.num_rows(); ++r) ASSERT_LT(Ts(t, r - 1), Ts(t, r)) << r;
}

TEST(MarketGen, IntradayUShape) {
  RecordBatch t = All(Opts(GenKind::kTrades, 8, 400000, 1));
  std::vector<int> per_minute(390, 0);
  for (size_t r = 0; r < t.num_rows(); ++r) ++per_minute[static_cast<size_t>((Ts(t, r) - kOpen) / kNanosPerMinute)];
  auto sum = [&](int from, int to) {
    int s = 0;
    for (int m = from; m < to; ++m) s += per_minute[static_cast<size_t>(m)];
    return s;
  };
  const int open = sum(0, 30), midday = sum(180, 210), close = sum(360, 390);
  EXPECT_GT(open, 3 * midday) << open << " vs " << midday;
  EXPECT_GT(close, 3 * midday) << close << " vs " << midday;
  EXPECT_GT(close, open) << "the close is the busiest half hour";
  // Midday is flat-ish, not empty: every minute of the session sees trades.
  for (int m = 0; m < 390; ++m) EXPECT_GT(per_minute[static_cast<size_t>(m)], 0) << "minute " << m;
}

TEST(MarketGen, EverySymbolGetsRowsUnevenly) {
  RecordBatch t = All(Opts(GenKind::kTrades, 200, 1000, 9));
  std::map<std::string, int> per_symbol;
  for (size_t r = 0; r < t.num_rows(); ++r) ++per_symbol[Sym(t, r)];
  EXPECT_EQ(per_symbol.size(), 200u);
  EXPECT_TRUE(per_symbol.count("S0199"));

  RecordBatch u = All(Opts(GenKind::kTrades, 8, 100000, 9));
  std::map<std::string, int> counts;
  for (size_t r = 0; r < u.num_rows(); ++r) ++counts[Sym(u, r)];
  ASSERT_EQ(counts.size(), 8u);
  EXPECT_GT(counts["AAPL"], 3 * counts["JPM"] / 2) << "Zipf-like activity";
  EXPECT_GT(counts["MSFT"], counts["NVDA"]);

  // Fewer rows than symbols: the first symbols get one row each.
  RecordBatch few = All(Opts(GenKind::kTrades, 5, 3, 9));
  std::set<std::string> names;
  for (size_t r = 0; r < few.num_rows(); ++r) names.insert(Sym(few, r));
  EXPECT_EQ(names, (std::set<std::string>{"AAPL", "MSFT", "NVDA"}));
}

TEST(MarketGen, TradesLookReal) {
  RecordBatch t = All(Opts(GenKind::kTrades, 8, 200000, 1));
  std::map<std::string, int64_t> last_id;
  std::map<std::string, double> first_px, min_px, max_px;
  std::map<std::string, int> exchanges;
  int round_lots = 0, odd_lots = 0, blocks = 0;
  int64_t max_size = 0;
  for (size_t r = 0; r < t.num_rows(); ++r) {
    const std::string sym = Sym(t, r);
    const double px = F64(t, 2, r);
    ASSERT_GT(px, 0);
    ASSERT_TRUE(OnCentGrid(px)) << px;
    first_px.try_emplace(sym, px);
    auto [lo, lo_fresh] = min_px.try_emplace(sym, px);
    lo->second = std::min(lo->second, px);
    auto [hi, hi_fresh] = max_px.try_emplace(sym, px);
    hi->second = std::max(hi->second, px);
    const int64_t size = I64(t, 3, r);
    ASSERT_GT(size, 0);
    round_lots += size % 100 == 0;
    odd_lots += size < 100;
    blocks += size >= 5000;
    max_size = std::max(max_size, size);
    const int64_t id = I64(t, 4, r);
    auto [it, fresh] = last_id.try_emplace(sym, id);
    if (!fresh) {
      ASSERT_GT(id, it->second) << "trade ids increase per symbol";
      it->second = id;
    }
    ++exchanges[std::string(t.column(5).GetString(r))];
  }
  const int n = static_cast<int>(t.num_rows());
  EXPECT_GT(round_lots, n * 6 / 10);
  EXPECT_GT(odd_lots, n / 10);
  EXPECT_GT(blocks, n / 400);
  EXPECT_LT(blocks, n / 30);
  EXPECT_LE(max_size, 50000);
  EXPECT_EQ(exchanges.size(), 6u);
  for (const auto& [code, count] : exchanges) {
    EXPECT_TRUE(code == "XNAS" || code == "XNYS" || code == "ARCX" || code == "BATS" || code == "IEXG" ||
                code == "EDGX")
        << code;
    if (code != "XNAS") {
      EXPECT_GT(exchanges["XNAS"], count) << "XNAS is the busiest venue";
    }
  }
  std::set<double> starts;
  for (const auto& [sym, px] : first_px) {
    starts.insert(px);
    EXPECT_GE(px, 19.0) << sym;
    EXPECT_LE(px, 901.0) << sym;
    // A day's range is a few percent, not a crash or a moonshot.
    EXPECT_LT(max_px[sym] / min_px[sym], 1.25) << sym;
    EXPECT_GT(max_px[sym], min_px[sym]) << sym << " never moved";
  }
  EXPECT_EQ(starts.size(), first_px.size()) << "start prices differ per symbol";
}

TEST(MarketGen, QuotesLookReal) {
  RecordBatch q = All(Opts(GenKind::kQuotes, 6, 100000, 4));
  int tight = 0;
  for (size_t r = 0; r < q.num_rows(); ++r) {
    const double bid = F64(q, 2, r), ask = F64(q, 3, r);
    ASSERT_GT(bid, 0);
    ASSERT_LT(bid, ask) << "row " << r;
    ASSERT_TRUE(OnCentGrid(bid) && OnCentGrid(ask)) << bid << " " << ask;
    const int64_t spread_ticks = std::llround((ask - bid) * 100);
    ASSERT_GE(spread_ticks, 1);
    ASSERT_LE(spread_ticks, 5);
    tight += spread_ticks <= 2;
    for (size_t c : {4, 5}) {
      ASSERT_GT(I64(q, c, r), 0);
      ASSERT_EQ(I64(q, c, r) % 100, 0) << "round lots";
    }
  }
  EXPECT_GT(tight, static_cast<int>(q.num_rows() * 6 / 10)) << "spreads mostly 1-2 ticks";
}

// Trades and quotes of the same seed quote the same symbol around the same prices at the same
// times: an as-of join puts nearly every trade within a few ticks of the prevailing quote.
TEST(MarketGen, TradesAndQuotesOfOneSeedFitTogether) {
  RecordBatch t = All(Opts(GenKind::kTrades, 4, 40000, 21));
  // The share of trades (with a prevailing quote) priced within 10 cents of the quote.
  auto near_share = [&](const RecordBatch& q) {
    std::map<std::string, std::pair<double, double>> prevailing;  // symbol -> (bid, ask)
    size_t qi = 0;
    int joined = 0, near = 0;
    for (size_t r = 0; r < t.num_rows(); ++r) {
      for (; qi < q.num_rows() && Ts(q, qi) <= Ts(t, r); ++qi) prevailing[Sym(q, qi)] = {F64(q, 2, qi), F64(q, 3, qi)};
      auto it = prevailing.find(Sym(t, r));
      if (it == prevailing.end()) continue;
      ++joined;
      const double px = F64(t, 2, r);
      near += px >= it->second.first - 0.10 && px <= it->second.second + 0.10;
    }
    EXPECT_GT(joined, static_cast<int>(t.num_rows() * 9 / 10));
    return static_cast<double>(near) / joined;
  };
  // More symbols on the quote side: a symbol's walk does not depend on how many there are.
  EXPECT_GT(near_share(All(Opts(GenKind::kQuotes, 9, 200000, 21))), 0.95);
  // Quotes of another seed walk elsewhere.
  EXPECT_LT(near_share(All(Opts(GenKind::kQuotes, 9, 200000, 22))), 0.2);
}

// The days of one seed differ (arrivals and prices), yet a symbol's consecutive days open within
// about 1% of each other: a month of generated days looks like a month, not one day repeated.
TEST(MarketGen, DaysOfOneSeedDifferAndContinue) {
  auto day = [](int64_t d) {
    GenOptions o = Opts(GenKind::kTrades, 3, 3000, 42);
    o.day_start_ns = kDay + d * kNanosPerDay;
    return All(o);
  };
  auto first_price = [](const RecordBatch& b, const std::string& sym) {
    for (size_t r = 0; r < b.num_rows(); ++r)
      if (Sym(b, r) == sym) return F64(b, 2, r);
    return -1.0;
  };
  RecordBatch prev = day(0);
  for (int64_t d = 1; d <= 5; ++d) {
    RecordBatch cur = day(d);
    ASSERT_EQ(cur.num_rows(), prev.num_rows());
    EXPECT_NE(Ts(cur, 0) - d * kNanosPerDay, Ts(prev, 0) - (d - 1) * kNanosPerDay) << "day " << d;
    const double a = first_price(prev, "AAPL"), b = first_price(cur, "AAPL");
    ASSERT_GT(a, 0);
    EXPECT_NE(a, b) << "day " << d;
    EXPECT_LT(std::abs(b - a) / a, 0.06) << "day " << d << ": " << a << " -> " << b;
    prev = std::move(cur);
  }
  // Far-away dates still give sane prices (the open walk is bounded and costs the same).
  for (int64_t d : {-100000, 80000}) {
    RecordBatch far = day(d);
    ASSERT_EQ(far.num_rows(), 3000u);
    EXPECT_GE(first_price(far, "AAPL"), 1.0);
  }
}

// Parses every CSV line back and compares it with the generator's batches, field by field.
void ExpectCsvMatches(const GenOptions& o, const std::string& text) {
  RecordBatch want = All(o);
  const Schema schema = *Schema::Template(o.kind == GenKind::kTrades ? "trades" : "quotes");
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  auto lines = Split(std::string_view(text).substr(0, text.size() - 1), '\n');
  ASSERT_EQ(lines.size(), want.num_rows() + 1);
  std::string header;
  for (size_t c = 0; c < schema.num_fields(); ++c) header += (c ? "," : "") + schema.field(c).name;
  EXPECT_EQ(lines[0], header);
  for (size_t r = 0; r < want.num_rows(); ++r) {
    const std::string_view line = lines[r + 1];
    auto f = Split(line, ',');
    ASSERT_EQ(f.size(), schema.num_fields()) << line;
    ASSERT_EQ(f[0].size(), 30u) << "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ: " << line;
    ASSERT_EQ(f[0][19], '.') << line;
    ASSERT_EQ(f[0].back(), 'Z') << line;
    ASSERT_OK_AND_ASSIGN(int64_t ts, ParseTimestamp(f[0]));
    ASSERT_EQ(ts, Ts(want, r)) << line;
    ASSERT_EQ(f[1], want.column(1).GetString(r)) << line;
    for (size_t c = 2; c < schema.num_fields(); ++c) {
      switch (schema.field(c).type) {
        case ColumnType::kFloat64: {
          ASSERT_GE(f[c].size(), 4u) << line;
          ASSERT_EQ(f[c][f[c].size() - 3], '.') << "exactly 2 decimals: " << line;
          const int64_t cents = std::stoll(std::string(f[c].substr(0, f[c].size() - 3))) * 100 +
                                std::stoll(std::string(f[c].substr(f[c].size() - 2)));
          ASSERT_EQ(cents, std::llround(F64(want, c, r) * 100)) << line;
          break;
        }
        case ColumnType::kInt64: ASSERT_EQ(std::stoll(std::string(f[c])), I64(want, c, r)) << line; break;
        default: ASSERT_EQ(f[c], want.column(c).GetString(r)) << line;
      }
    }
  }
}

TEST(WriteCsv, TradesParseBack) {
  GenOptions o = Opts(GenKind::kTrades, 5, 20000, 3, 1000);
  MarketGenerator gen(o);
  StringSink sink;
  ASSERT_OK(WriteCsv(&gen, &sink));
  ExpectCsvMatches(o, sink.text);
}

TEST(WriteCsv, QuotesParseBackThroughTheFileSystem) {
  testing::TempDir dir;
  GenOptions o = Opts(GenKind::kQuotes, 3, 5000, 8);
  MarketGenerator gen(o);
  {
    ASSERT_OK_AND_ASSIGN(auto f, DefaultFileSystem()->NewWritableFile(dir.Join("q.csv"), OpenMode::kTruncate));
    ASSERT_OK(WriteCsv(&gen, f.get()));
    ASSERT_OK(f->Close());
  }
  ExpectCsvMatches(o, testing::ReadTextFile(dir.Join("q.csv")));
}

TEST(WriteCsv, EmptyGeneratorWritesOnlyTheHeader) {
  MarketGenerator gen(Opts(GenKind::kQuotes, 3, 0, 8));
  StringSink sink;
  ASSERT_OK(WriteCsv(&gen, &sink));
  EXPECT_EQ(sink.text, "ts,symbol,bid,ask,bid_size,ask_size\n");
}

TEST(WriteCsv, AppendsInMiBPieces) {
  MarketGenerator gen(Opts(GenKind::kTrades, 8, 60000, 3));
  StringSink sink;
  ASSERT_OK(WriteCsv(&gen, &sink));
  ASSERT_GE(sink.pieces.size(), 3u) << sink.text.size() << " bytes";
  for (size_t i = 0; i + 1 < sink.pieces.size(); ++i) {
    EXPECT_GE(sink.pieces[i], size_t{1} << 20);
    EXPECT_LT(sink.pieces[i], (size_t{1} << 20) + 256);
  }
}

TEST(WriteCsv, ReportsWriteErrorsWithPathAndOffset) {
  MarketGenerator gen(Opts(GenKind::kTrades, 8, 60000, 3));
  StringSink sink;
  sink.FailAppend(2);
  Status st = WriteCsv(&gen, &sink);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("mem://sink.csv"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("at byte " + std::to_string(sink.pieces[0])), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("sink refused write 2"), std::string::npos) << st.ToString();
}

TEST(WriteCsv, FullDiskIsNoSpace) {
  testing::TempDir dir;
  FaultInjectionFileSystem fs(DefaultFileSystem());
  fs.SetSpaceLimit(100000);
  MarketGenerator gen(Opts(GenKind::kQuotes, 8, 50000, 3));
  ASSERT_OK_AND_ASSIGN(auto f, fs.NewWritableFile(dir.Join("full.csv"), OpenMode::kTruncate));
  Status st = WriteCsv(&gen, f.get());
  EXPECT_EQ(st.code(), StatusCode::kNoSpace) << st.ToString();
  EXPECT_NE(st.message().find(dir.Join("full.csv")), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace strata
