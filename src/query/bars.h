// Bars: OHLCV resampling of trades (or of finer bars) per symbol, streaming. The arithmetic is
// the kernel in src/bars/bar_kernel.h (shared with the derived bar tables of src/tier).
//
// A bar covers [ts, ts + interval) with ts a multiple of the interval counted from the Unix epoch
// (UTC; so "1d" bars are UTC days and "1h" bars start on the hour). Only intervals with at least
// one usable input row produce a bar.
//
// From trades (input has f64 `price` and integer `size`): open/close = price of the first/last
// trade in ts order, high/low = max/min price, volume = sum of size, vwap = sum(price*size) /
// volume (null when volume is 0), count = number of trades. Rows whose price or size is null are
// skipped; a NaN price is a value, as in SQL (the largest double; bar_kernel.h).
// From bars (input has open, high, low, close, volume; vwap and count optional): open = first
// open, high = max, low = min, close = last close, volume = sum, vwap = volume-weighted mean of
// the input vwaps (over input bars whose vwap is not null), count = sum (null when the input
// has no count column). Input bars with a null open/high/low/close/volume are skipped.
//
// The input must be a grouped stream (see batch_stream.h): symbols ascending, ts non-decreasing
// within a symbol; InvalidArgument otherwise. Memory: one open bar plus one output batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "bars/bar_kernel.h"
#include "query/batch_stream.h"

namespace strata::query {

inline constexpr int64_t kMinBarInterval = bars::kMinBarInterval;  // 1 s
inline constexpr int64_t kMaxBarInterval = bars::kMaxBarInterval;  // 1 day

// "1s", "5m", "1h", "1d", "90s", ... -> ns. InvalidArgument outside [1s, 1d] or when not a
// whole number of seconds.
Result<int64_t> ParseBarInterval(std::string_view text);

// ts:timestamp, symbol:symbol, open, high, low, close:f64, volume:i64, vwap:f64?, count:i64?
std::vector<Field> BarFields();

// Resamples `input` (trades or bars, detected from its columns) to bars of `interval_ns`.
// InvalidArgument when the input has neither price+size nor open/high/low/close/volume, or a
// bad interval.
Result<std::unique_ptr<BatchStream>> MakeBarsStream(std::unique_ptr<BatchStream> input, int64_t interval_ns,
                                                    size_t batch_rows = 8192);

}  // namespace strata::query
