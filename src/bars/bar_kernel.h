// The OHLCV bar kernel: resampling trades (or finer bars) to bars of a fixed interval. Pure
// computation over RecordBatches, with no I/O, so that both the query operators (src/query/bars.h,
// a stream over it) and the tiers (src/tier/derived_bars.h, which keeps derived bar tables such as
// trades_bars_1m up to date during flush and migration) compute bars with the same code and get
// bit-identical results.
//
// A bar covers [ts, ts + interval) with ts a multiple of the interval counted from the Unix epoch
// (UTC; so "1d" bars are UTC days and "1h" bars start on the hour). Only intervals with at least
// one usable input row produce a bar.
//
// From trades (input has f64 `price` and integer `size`): open/close = price of the first/last
// trade in ts order, high/low = max/min price, volume = sum of size, vwap = sum(price*size) /
// volume (null when volume is 0), count = number of trades. Rows whose price or size is null are
// skipped. A NaN price (stored with `ingest --allow-nan`) is a value, as in SQL's aggregates and
// DuckDB's order, where NaN is the largest double: the row counts, adds its size to the volume,
// can be the open or the close, makes the high NaN, is the low only when every price of the bar
// is NaN, and makes the vwap NaN (sum(price*size) is NaN). So the bars are those SQL computes
// from the rows (first/last/max/min(price), sum(size), count(*), sum(price*size)/sum(size)),
// they do not depend on the order of rows with equal ts beyond open and close, and bars of bars
// are exact (a derived bar table, src/tier/derived_bars.h, rolls up to the same answer).
// From bars (input has open, high, low, close, volume; vwap and count optional): open = first
// open, high = max, low = min, close = last close, volume = sum, vwap = volume-weighted mean of
// the input vwaps (over input bars whose vwap is not null), count = sum (null when the input
// has no count column); NaNs order as above (a NaN high makes the high NaN, a NaN low is the low
// only when every low is NaN, a NaN vwap makes the vwap NaN). Input bars with a null
// open/high/low/close/volume are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/batch.h"
#include "strata/status.h"

namespace strata::bars {

inline constexpr int64_t kMinBarInterval = 1'000'000'000LL;             // 1 s
inline constexpr int64_t kMaxBarInterval = 86'400LL * 1'000'000'000LL;  // 1 day

// "1s", "5m", "1h", "1d", "90s", ... -> ns. InvalidArgument outside [1s, 1d] or when not a
// whole number of seconds.
Result<int64_t> ParseBarInterval(std::string_view text);
// The canonical short name of an interval: "1d", "4h", "1m", "90s" (largest unit that divides it).
std::string BarIntervalName(int64_t interval_ns);

// ts:timestamp, symbol:symbol, open, high, low, close:f64, volume:i64, vwap:f64?, count:i64?
std::vector<Field> BarFields();

// Which columns of an input feed the kernel.
struct BarInput {
  enum class Mode { kTrades, kBars };
  Mode mode = Mode::kTrades;
  int ts = -1, symbol = -1;
  int price = -1, size = -1;                                                           // trades
  int open = -1, high = -1, low = -1, close = -1, volume = -1, vwap = -1, count = -1;  // bars
};

// Trades when the fields have price:f64 and size:i64|i32, else bars (open, high, low, close:f64,
// volume:int; vwap:f64 and count:int optional). InvalidArgument otherwise.
Result<BarInput> DetectBarInput(const std::vector<Field>& fields);

// Incremental resampler. The input must be grouped: symbols ascending, ts non-decreasing within
// a symbol (InvalidArgument otherwise). Memory: one open bar.
class BarBuilder {
 public:
  BarBuilder(BarInput input, int64_t interval_ns);

  // Consumes one batch; bars completed by it are appended to *out (fields BarFields()).
  Status Consume(const RecordBatch& batch, RecordBatch* out);
  // Appends the open bar, if any.
  void Finish(RecordBatch* out);

 private:
  struct Bar {
    int64_t start = 0;
    double open = 0, high = 0, low = 0, close = 0;
    int64_t volume = 0;
    double pv = 0;          // sum of price*size (or vwap*volume)
    int64_t pv_volume = 0;  // volume behind pv
    int64_t count = 0;
    bool count_valid = true;
  };
  Status UnsortedError(int64_t ts) const;
  void ConsumeTrades(const RecordBatch& b, size_t a, size_t end, RecordBatch* out);
  void ConsumeBars(const RecordBatch& b, size_t a, size_t end, RecordBatch* out);
  void StartBar(int64_t start, double open);
  void MergeHighLow(double high, double low);
  void Emit(RecordBatch* out);

  BarInput c_;
  int64_t interval_;
  bool have_symbol_ = false;
  std::string symbol_;
  int64_t last_ts_ = INT64_MIN;
  bool open_ = false;
  Bar bar_;
};

// Bars of a whole grouped batch at once.
Result<RecordBatch> ComputeBars(const RecordBatch& input, int64_t interval_ns);

}  // namespace strata::bars
