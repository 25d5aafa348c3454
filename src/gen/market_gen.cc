#include "gen/market_gen.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "strata/timestamp.h"

namespace strata {
namespace {

constexpr int64_t kSessionOpen = 14 * kNanosPerHour + 30 * kNanosPerMinute;
constexpr int64_t kSessionLength = 6 * kNanosPerHour + 30 * kNanosPerMinute;
constexpr int kSessionSeconds = static_cast<int>(kSessionLength / kNanosPerSecond);

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// xoshiro256**: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& w : s_) w = seed = SplitMix(seed);
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

const char* const kTickers[] = {"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "V",    "XOM",
                                "UNH",  "JNJ",  "WMT",  "PG",   "MA",    "HD",   "CVX",  "KO",  "PEP",  "ABBV",
                                "MRK",  "AVGO", "COST", "LLY",  "BAC",   "ADBE", "CRM",  "NFLX", "AMD", "INTC",
                                "CSCO", "ORCL", "DIS",  "NKE",  "MCD",   "QCOM", "TXN",  "IBM", "GS",   "CAT"};
constexpr int kNumTickers = sizeof(kTickers) / sizeof(kTickers[0]);

// Inverse CDF of the U-shaped intensity 1 + 3(2x-1)^2 on [0, 1], tabulated.
class UShape {
 public:
  UShape() {
    // F(x) = (x + ((2x-1)^3 + 1) / 2) / 2; invert by bisection at table points.
    for (int i = 0; i <= kN; ++i) {
      double u = static_cast<double>(i) / kN, lo = 0, hi = 1;
      for (int it = 0; it < 60; ++it) {
        double mid = (lo + hi) / 2, y = 2 * mid - 1;
        ((mid + (y * y * y + 1) / 2) / 2 < u ? lo : hi) = mid;
      }
      table_[i] = lo;
    }
  }
  double Inverse(double u) const {
    double x = u * kN;
    int i = std::min(static_cast<int>(x), kN - 1);
    return table_[i] + (table_[i + 1] - table_[i]) * (x - i);
  }

 private:
  static constexpr int kN = 4096;
  double table_[kN + 1];
};

const UShape& Shape() {
  static const UShape* shape = new UShape();
  return *shape;
}

}  // namespace

std::string GenSymbolName(int i) {
  if (i < kNumTickers) return kTickers[i];
  char buf[16];
  std::snprintf(buf, sizeof buf, "S%04d", i);
  return buf;
}

struct MarketGenerator::SymbolState {
  std::string name;
  std::vector<int64_t> times;  // sorted arrival times of this symbol's rows
  size_t next = 0;
  Rng rng{0};
  // The mid price walk, shared by trades and quotes of the same seed.
  uint64_t walk_seed = 0;
  int walk_second = -1;
  int64_t mid_ticks = 0;
  int64_t trade_id = 0;

  int64_t MidAt(int64_t ts_in_session) {
    int second = static_cast<int>(ts_in_session / kNanosPerSecond);
    while (walk_second < second) {
      ++walk_second;
      uint64_t h = SplitMix(walk_seed ^ static_cast<uint64_t>(walk_second));
      // Mostly still; moves of 1-3 ticks either way.
      int step = static_cast<int>(h % 16);
      int delta = step < 8 ? 0 : step < 12 ? 1 : step < 14 ? 2 : 3;
      mid_ticks += (h >> 8) & 1 ? delta : -delta;
      if (mid_ticks < 100) mid_ticks = 100;
    }
    return mid_ticks;
  }
};

MarketGenerator::MarketGenerator(GenOptions options) : options_(std::move(options)) {
  schema_ = *Schema::Template(options_.kind == GenKind::kTrades ? "trades" : "quotes");
  const int n = std::max(1, options_.symbols);
  // Zipf-like activity weights; every symbol gets at least one row when rows >= symbols.
  std::vector<double> w(n);
  double total = 0;
  for (int i = 0; i < n; ++i) total += w[i] = 1.0 / std::pow(i + 1.0, 0.7);
  std::vector<int64_t> counts(n, 0);
  int64_t assigned = 0;
  for (int i = 0; i < n; ++i) {
    counts[i] = options_.rows >= n ? std::max<int64_t>(1, static_cast<int64_t>(options_.rows * w[i] / total)) : 0;
    assigned += counts[i];
  }
  for (int i = 0; assigned < options_.rows; i = (i + 1) % n, ++assigned) ++counts[i];
  for (int i = n - 1; assigned > options_.rows; i = (i + n - 1) % n) {
    if (counts[i] > 1) {
      --counts[i];
      --assigned;
    }
  }
  const uint64_t kind_salt = options_.kind == GenKind::kTrades ? 0x7472616465ull : 0x71756f7465ull;
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<SymbolState>();
    s->name = GenSymbolName(i);
    uint64_t sym_seed = SplitMix(options_.seed * 1000003 + static_cast<uint64_t>(i));
    s->walk_seed = SplitMix(sym_seed ^ 0x57414c4bull);
    s->mid_ticks = 2000 + static_cast<int64_t>(sym_seed % 88000);  // $20 - $900
    s->trade_id = static_cast<int64_t>(i + 1) * 1'000'000'000 + static_cast<int64_t>(sym_seed % 1'000'000);
    s->rng = Rng(SplitMix(sym_seed ^ kind_salt));
    // Sorted uniforms from cumulative exponential spacings, mapped through the U-shape.
    std::vector<double> cum(static_cast<size_t>(counts[i]) + 1);
    double acc = 0;
    for (double& c : cum) c = acc += -std::log(1.0 - s->rng.Uniform());
    s->times.resize(static_cast<size_t>(counts[i]));
    int64_t prev = 0;
    for (size_t k = 0; k < s->times.size(); ++k) {
      double x = Shape().Inverse(cum[k] / acc);
      int64_t t = std::min(static_cast<int64_t>(x * static_cast<double>(kSessionLength)), kSessionLength - 1);
      s->times[k] = prev = std::max(prev, t);
    }
    if (!s->times.empty()) heap_.emplace_back(s->times[0], i);
    symbols_.push_back(std::move(s));
  }
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
}

MarketGenerator::~MarketGenerator() = default;

void MarketGenerator::AppendRow(SymbolState& s, RecordBatch* b) {
  int64_t t = s.times[s.next++];
  int64_t mid = s.MidAt(t);
  Rng& rng = s.rng;
  b->column(0).AppendInt64(options_.day_start_ns + kSessionOpen + t);
  b->column(1).AppendString(s.name);
  if (options_.kind == GenKind::kTrades) {
    uint64_t r = rng.Next();
    int64_t px = mid + static_cast<int64_t>(r % 3) - 1;
    b->column(2).AppendDouble(static_cast<double>(std::max<int64_t>(px, 1)) / 100.0);
    static constexpr int kLots[] = {1, 1, 1, 1, 2, 2, 3, 4, 5, 10};
    uint64_t kind = (r >> 8) % 100;
    int64_t size;
    if (kind < 72) size = 100 * kLots[(r >> 16) % 10];
    else if (kind < 97) size = 1 + static_cast<int64_t>((r >> 16) % 99);
    else if (kind < 99) size = 100 * (11 + static_cast<int64_t>((r >> 16) % 40));
    else size = 5000 + 100 * static_cast<int64_t>((r >> 16) % 451);  // blocks up to 50,000
    b->column(3).AppendInt64(size);
    s.trade_id += 1 + static_cast<int64_t>((r >> 40) % 3);
    b->column(4).AppendInt64(s.trade_id);
    static const char* kExchanges[] = {"XNAS", "XNYS", "ARCX", "BATS", "IEXG", "EDGX"};
    static constexpr int kCum[] = {35, 55, 70, 82, 90, 100};
    int pick = static_cast<int>((r >> 48) % 100), e = 0;
    while (pick >= kCum[e]) ++e;
    b->column(5).AppendString(kExchanges[e]);
  } else {
    uint64_t r = rng.Next();
    static constexpr int kSpread[] = {1, 1, 1, 1, 1, 2, 2, 2, 3, 4, 5};
    int64_t spread = kSpread[r % 11];
    int64_t bid = std::max<int64_t>(mid - spread / 2, 1);
    b->column(2).AppendDouble(static_cast<double>(bid) / 100.0);
    b->column(3).AppendDouble(static_cast<double>(bid + spread) / 100.0);
    b->column(4).AppendInt64(100 * (1 + static_cast<int64_t>((r >> 8) % 20)));
    b->column(5).AppendInt64(100 * (1 + static_cast<int64_t>((r >> 16) % 20)));
  }
}

bool MarketGenerator::Next(RecordBatch* batch) {
  if (batch->fields() != schema_.fields()) *batch = RecordBatch(schema_);
  batch->Clear();
  if (heap_.empty()) return false;
  batch->Reserve(options_.batch_rows);
  while (batch->num_rows() < options_.batch_rows && !heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    int i = heap_.back().second;
    SymbolState& s = *symbols_[static_cast<size_t>(i)];
    AppendRow(s, batch);
    ++produced_;
    if (s.next < s.times.size()) {
      heap_.back().first = s.times[s.next];
      std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    } else {
      heap_.pop_back();
    }
  }
  return true;
}

namespace {

void AppendCents(double v, std::string* out) {
  int64_t cents = std::llround(v * 100);
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, cents / 100);
  out->append(buf, p);
  out->push_back('.');
  out->push_back(static_cast<char>('0' + cents % 100 / 10));
  out->push_back(static_cast<char>('0' + cents % 10));
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, p);
}

// "2026-03-02T14:30:00.123456789Z": always 9 digits, the date cached per day.
void AppendTs9(int64_t ns, int64_t* cached_day, std::string* cached_date, std::string* out) {
  int64_t day = DayOf(ns);
  if (day != *cached_day) {
    *cached_day = day;
    *cached_date = FormatDate(ns);
  }
  int64_t in_day = ns - day * kNanosPerDay, secs = in_day / kNanosPerSecond, frac = in_day % kNanosPerSecond;
  char buf[20] = "T00:00:00.000000000";
  auto two = [&](int at, int64_t v) {
    buf[at] = static_cast<char>('0' + v / 10);
    buf[at + 1] = static_cast<char>('0' + v % 10);
  };
  two(1, secs / 3600);
  two(4, secs / 60 % 60);
  two(7, secs % 60);
  for (int i = 18; i >= 10; --i, frac /= 10) buf[i] = static_cast<char>('0' + frac % 10);
  out->append(*cached_date);
  out->append(buf, 19);
  out->push_back('Z');
}

}  // namespace

Status WriteCsv(MarketGenerator* gen, WritableFile* out) {
  const Schema& schema = gen->schema();
  std::string buf;
  for (size_t c = 0; c < schema.num_fields(); ++c) {
    if (c) buf.push_back(',');
    buf += schema.field(c).name;
  }
  buf.push_back('\n');
  int64_t cached_day = INT64_MIN;
  std::string cached_date;
  RecordBatch batch;
  while (gen->Next(&batch)) {
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        if (c) buf.push_back(',');
        const Column& col = batch.column(c);
        switch (col.type()) {
          case ColumnType::kTimestamp: AppendTs9(col.int64s()[r], &cached_day, &cached_date, &buf); break;
          case ColumnType::kFloat64: AppendCents(col.doubles()[r], &buf); break;
          case ColumnType::kInt64: AppendInt(col.int64s()[r], &buf); break;
          default: buf.append(col.GetString(r));
        }
      }
      buf.push_back('\n');
      if (buf.size() >= (4 << 20)) {
        RETURN_IF_ERROR(out->Append(buf));
        buf.clear();
      }
    }
  }
  return out->Append(buf);
}

}  // namespace strata
