#include "gen/market_gen.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "gen/mid_walk.h"
#include "gen/sampling.h"
#include "strata/timestamp.h"

namespace strata {
namespace {

using gen::ExpSource;
using gen::IntradayShape;
using gen::MidWalk;
using gen::Rng;
using gen::SplitMix;
using gen::u128;

constexpr int64_t kSessionOpen = 14 * kNanosPerHour + 30 * kNanosPerMinute;
constexpr int64_t kSessionLength = 6 * kNanosPerHour + 30 * kNanosPerMinute;
constexpr int kSessionSeconds = static_cast<int>(kSessionLength / kNanosPerSecond);

const char* const kTickers[] = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM",  "V",   "XOM",
                                "UNH",  "JNJ",  "WMT",  "PG",   "MA",    "HD",   "CVX",  "KO",   "PEP", "ABBV",
                                "MRK",  "AVGO", "COST", "LLY",  "BAC",   "ADBE", "CRM",  "NFLX", "AMD", "INTC",
                                "CSCO", "ORCL", "DIS",  "NKE",  "MCD",   "QCOM", "TXN",  "IBM",  "GS",  "CAT"};
constexpr int kNumTickers = sizeof(kTickers) / sizeof(kTickers[0]);

// Rows per symbol: shares ~ 1/(i+1)^0.75, at least one each when rows >= n, summing to rows.
std::vector<int64_t> SplitRows(int64_t rows, int n) {
  std::vector<double> weight(static_cast<size_t>(n));
  double total = 0;
  for (int i = 0; i < n; ++i) {
    const double root = std::sqrt(static_cast<double>(i + 1));
    const double w = 1.0 / (root * std::sqrt(root));
    weight[static_cast<size_t>(i)] = w;
    total += w;
  }
  std::vector<int64_t> counts(static_cast<size_t>(n), 0);
  if (rows < n) {
    for (int64_t i = 0; i < rows; ++i) counts[static_cast<size_t>(i)] = 1;
    return counts;
  }
  int64_t assigned = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double share = static_cast<double>(rows) * weight[i];
    counts[i] = std::max<int64_t>(1, static_cast<int64_t>(share / total));
    assigned += counts[i];
  }
  // Flooring leaves fewer than n rows over; the minimum of one can overshoot, taken back from
  // the busiest symbols (counts are non-increasing in i, and rows >= n keeps this finite).
  for (size_t i = 0; assigned < rows; i = (i + 1) % counts.size(), ++assigned) ++counts[i];
  for (size_t i = 0; assigned > rows; i = (i + 1) % counts.size()) {
    if (counts[i] > 1) {
      --counts[i];
      --assigned;
    }
  }
  return counts;
}

constexpr uint64_t kTradeSalt = 0x7472616465ull;  // "trade"
constexpr uint64_t kQuoteSalt = 0x71756f7465ull;  // "quote"
constexpr uint64_t kWalkSalt = 0x57414c4bull;     // "WALK"
constexpr uint64_t kTimeSalt = 0x54494d45ull;     // "TIME"
constexpr uint64_t kDaySalt = 0x444159ull;        // "DAY"

// Days from 1970-01-01 (floor, so days before 1970 are negative).
int64_t DayNumber(int64_t day_start_ns) {
  int64_t d = day_start_ns / kNanosPerDay;
  if (day_start_ns % kNanosPerDay < 0) --d;
  return d;
}

// The price (cents) symbol opens at on day `day`: a walk of one step a day, up to +-1% of `base`,
// from `base` on 2026-01-01, kept within [base/2, 2*base] by reflection. Integer only
// ("identical on every platform"); walks at most kMaxDays steps, so far-away dates cost the same.
int64_t DayOpenCents(uint64_t sym_seed, int64_t base, int64_t day) {
  constexpr int64_t kAnchorDay = 20454;  // 2026-01-01
  constexpr int64_t kMaxDays = 20000;
  const int64_t steps = std::min<int64_t>(kMaxDays, day >= kAnchorDay ? day - kAnchorDay : kAnchorDay - day);
  const uint64_t dir_salt = day >= kAnchorDay ? 1 : 2;
  const int64_t lo = std::max<int64_t>(100, base / 2), hi = std::max<int64_t>(lo + 1, 2 * base);
  const int64_t max_step = std::max<int64_t>(1, base / 100);
  int64_t price = base;
  uint64_t state = SplitMix(sym_seed ^ kDaySalt ^ dir_salt);
  for (int64_t k = 0; k < steps; ++k) {
    state = SplitMix(state);
    price += static_cast<int64_t>(state % static_cast<uint64_t>(2 * max_step + 1)) - max_step;
    if (price < lo) price = 2 * lo - price;
    if (price > hi) price = 2 * hi - price;
    price = std::clamp(price, lo, hi);
  }
  return price;
}

// Spreads in ticks: mostly 1-2, up to 5.
constexpr int kSpreadTicks[16] = {1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 4, 5};

}  // namespace

std::string GenSymbolName(int i) {
  if (i >= 0 && i < kNumTickers) return kTickers[i];
  char buf[24];
  std::snprintf(buf, sizeof buf, "S%04d", i);
  return buf;
}

struct MarketGenerator::SymbolState {
  explicit SymbolState(uint64_t time_seed) : gaps(time_seed) {}

  std::string name;
  // Arrivals: the k-th of n sorted points is cum_k / total, with cum the running sum of n+1
  // exponential spacings (their sum `total` was drawn in a first pass with an identical source),
  // mapped through the intraday shape. O(1) memory per symbol.
  ExpSource gaps;
  int64_t n = 0;
  int64_t k = 0;
  uint64_t total = 0;
  uint64_t cum = 0;
  int64_t prev_t = -1;
  // Row attributes (sizes, sides, spreads): independent of the arrival stream.
  Rng rng;
  MidWalk mid;
  int64_t trade_id = 0;

  // The next arrival as an offset into the session. REQUIRES k < n.
  int64_t NextArrival() {
    cum += gaps.Next();
    const double u = static_cast<double>(cum) / static_cast<double>(total);  // < 1 up to rounding
    const uint64_t u48 = std::min<uint64_t>(static_cast<uint64_t>(u * 0x1p48), (uint64_t{1} << 48) - 1);
    const uint64_t x48 = IntradayShape::Get().InverseQ48(u48);
    int64_t t = static_cast<int64_t>((static_cast<u128>(x48) * kSessionLength) >> 48);
    // Strictly increasing and room left for the rows still to come (n <= session ns is far
    // beyond any realistic row count).
    t = std::min(std::max(t, prev_t + 1), kSessionLength - (n - k));
    ++k;
    return prev_t = t;
  }
};

MarketGenerator::MarketGenerator(GenOptions options) : options_(std::move(options)) {
  options_.symbols = std::max(1, options_.symbols);
  options_.rows = std::max<int64_t>(0, options_.rows);
  options_.batch_rows = std::max<size_t>(1, options_.batch_rows);
  const bool trades = options_.kind == GenKind::kTrades;
  schema_ = *Schema::Template(trades ? "trades" : "quotes");
  const std::vector<int64_t> counts = SplitRows(options_.rows, options_.symbols);
  for (int i = 0; i < options_.symbols; ++i) {
    // Everything about a symbol derives from (seed, i); the kind only salts the streams that
    // differ between trades and quotes, so both share the start price and the walk.
    const uint64_t sym_seed = SplitMix(SplitMix(options_.seed) ^ (static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull));
    // The day salts every stream (arrivals, sizes, the walk) and moves the open, so the days of one
    // seed differ as real days do; the symbol's price level stays its own across days.
    const int64_t day = DayNumber(options_.day_start_ns);
    const uint64_t day_seed = SplitMix(sym_seed ^ (static_cast<uint64_t>(day) * 0xD1B54A32D192ED03ull));
    const uint64_t kind_salt = trades ? kTradeSalt : kQuoteSalt;
    const uint64_t time_seed = SplitMix(day_seed ^ kTimeSalt ^ kind_salt);
    auto s = std::make_unique<SymbolState>(time_seed);
    s->name = GenSymbolName(i);
    s->rng = Rng(SplitMix(day_seed ^ kind_salt));
    // $20-$900, more names at the low end (u^2), as in the real cross-section.
    const uint64_t u = (sym_seed >> 20) % 1000;
    const int64_t base = 2000 + static_cast<int64_t>(u * u * 88000 / 1'000'000);
    const int64_t start = DayOpenCents(sym_seed, base, day);
    // Daily volatility ~1.5% of price: per-second variance (0.015 P)^2 / 23400 ticks^2 over a
    // mean squared move of 21/8 ticks^2 gives the chance of a move per second, which is capped
    // at 90% for pricey names (steps stay small) and is at least 1/256 for cheap ones.
    const u128 p = static_cast<u128>(start);
    const u128 p256 = p * p * 225 * 256 * 8 / (u128{1'000'000} * kSessionSeconds * 21);
    s->mid = MidWalk(SplitMix(day_seed ^ kWalkSalt), start, static_cast<int>(std::clamp<u128>(p256, 1, 230)));
    s->trade_id = static_cast<int64_t>(i + 1) * 1'000'000'000 + static_cast<int64_t>(sym_seed % 1'000'000);
    s->n = counts[static_cast<size_t>(i)];
    if (s->n > 0) {
      ExpSource pass1(time_seed);
      uint64_t total = 0;
      for (int64_t j = 0; j <= s->n; ++j) total += pass1.Next();
      s->total = total;
      heap_.emplace_back(s->NextArrival(), i);
    }
    symbols_.push_back(std::move(s));
  }
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
}

MarketGenerator::~MarketGenerator() = default;

void MarketGenerator::AppendRow(SymbolState& s, int64_t t, RecordBatch* b) {
  const int64_t mid = s.mid.At(t / kNanosPerSecond);
  const uint64_t r = s.rng.Next();
  const int64_t spread = kSpreadTicks[r & 15];
  const int64_t bid = std::max<int64_t>(mid - spread / 2, 1);
  b->column(0).AppendInt64(options_.day_start_ns + kSessionOpen + t);
  b->column(1).AppendString(s.name);
  if (options_.kind == GenKind::kQuotes) {
    static constexpr int kQuoteLots[16] = {1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 8, 10, 20};
    b->column(2).AppendDouble(static_cast<double>(bid) / 100.0);
    b->column(3).AppendDouble(static_cast<double>(bid + spread) / 100.0);
    b->column(4).AppendInt64(100 * kQuoteLots[(r >> 8) & 15]);
    b->column(5).AppendInt64(100 * kQuoteLots[(r >> 12) & 15]);
    return;
  }
  // Trades hit the bid or lift the ask of a quote around the same mid; some print inside.
  // Each choice reads its own 16 bits of r (spread: bits 0-3), so choices are independent.
  const uint64_t side = ((r >> 4) & 0xFFFF) % 20;
  const int64_t px = side < 9 ? bid : side < 18 ? bid + spread : mid;
  b->column(2).AppendDouble(static_cast<double>(px) / 100.0);
  static constexpr int kRoundLots[10] = {1, 1, 1, 1, 2, 2, 3, 4, 5, 10};
  static constexpr int kBlocks[10] = {5000, 5000, 5000, 7500, 10000, 10000, 15000, 20000, 25000, 50000};
  const uint64_t kind = ((r >> 20) & 0xFFFF) % 100, pick = ((r >> 36) & 0xFFFF) % 990;
  int64_t size;
  if (kind < 72) {
    size = 100 * kRoundLots[pick % 10];
  } else if (kind < 97) {
    size = 1 + static_cast<int64_t>(pick % 99);  // odd lot
  } else if (kind < 99) {
    size = 100 * (11 + static_cast<int64_t>(pick % 40));  // 1,100-5,000
  } else {
    size = kBlocks[pick % 10];  // heavy tail
  }
  b->column(3).AppendInt64(size);
  const uint64_t r2 = s.rng.Next();
  s.trade_id += 1 + static_cast<int64_t>((r2 & 0xFFFF) % 3);  // gaps: ids also number other events
  b->column(4).AppendInt64(s.trade_id);
  static constexpr const char* kExchanges[6] = {"XNAS", "XNYS", "ARCX", "BATS", "IEXG", "EDGX"};
  static constexpr int kCumPercent[6] = {35, 55, 70, 82, 90, 100};
  const int e_pick = static_cast<int>(((r2 >> 16) & 0xFFFF) % 100);
  int e = 0;
  while (e_pick >= kCumPercent[e]) ++e;
  b->column(5).AppendString(kExchanges[e]);
}

bool MarketGenerator::Next(RecordBatch* batch) {
  if (batch->fields() != schema_.fields()) *batch = RecordBatch(schema_);
  batch->Clear();
  if (heap_.empty()) return false;
  batch->Reserve(std::min<size_t>(options_.batch_rows, static_cast<size_t>(options_.rows - produced_)));
  while (batch->num_rows() < options_.batch_rows && !heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    auto& [t, i] = heap_.back();
    SymbolState& s = *symbols_[static_cast<size_t>(i)];
    AppendRow(s, t, batch);
    ++produced_;
    if (s.k < s.n) {
      t = s.NextArrival();
      std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    } else {
      heap_.pop_back();
    }
  }
  return true;
}

}  // namespace strata
