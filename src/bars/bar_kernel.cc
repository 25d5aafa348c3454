#include "bars/bar_kernel.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "strata/timestamp.h"

namespace strata::bars {

Result<int64_t> ParseBarInterval(std::string_view text) {
  auto parsed = ParseDuration(text);
  if (!parsed.ok())
    return Status::InvalidArgument("bar interval '" + std::string(text) + "': " + parsed.status().message());
  int64_t ns = *parsed;
  if (ns < kMinBarInterval || ns > kMaxBarInterval) {
    return Status::InvalidArgument("bar interval '" + std::string(text) + "' is outside 1s..1d");
  }
  if (ns % kNanosPerSecond != 0) {
    return Status::InvalidArgument("bar interval '" + std::string(text) + "' is not a whole number of seconds");
  }
  return ns;
}

std::string BarIntervalName(int64_t ns) {
  if (ns % kNanosPerDay == 0) return std::to_string(ns / kNanosPerDay) + "d";
  if (ns % kNanosPerHour == 0) return std::to_string(ns / kNanosPerHour) + "h";
  if (ns % (60 * kNanosPerSecond) == 0) return std::to_string(ns / (60 * kNanosPerSecond)) + "m";
  if (ns % kNanosPerSecond == 0) return std::to_string(ns / kNanosPerSecond) + "s";
  return std::to_string(ns) + "ns";
}

std::vector<Field> BarFields() {
  return {{"ts", ColumnType::kTimestamp, false}, {"symbol", ColumnType::kSymbol, false},
          {"open", ColumnType::kFloat64, false}, {"high", ColumnType::kFloat64, false},
          {"low", ColumnType::kFloat64, false},  {"close", ColumnType::kFloat64, false},
          {"volume", ColumnType::kInt64, false}, {"vwap", ColumnType::kFloat64, true},
          {"count", ColumnType::kInt64, true}};
}

namespace {

// The bucket start; saturates at INT64_MIN for the partial first bucket of the int64 range.
inline int64_t FloorTo(int64_t ts, int64_t interval) { return FloorToMultiple(ts, interval); }

// t (>= start) lies past the bucket [start, start + interval): unsigned, so the bucket end never
// overflows near INT64_MAX.
inline bool PastBucket(int64_t t, int64_t start, int64_t interval) {
  return static_cast<uint64_t>(t) - static_cast<uint64_t>(start) >= static_cast<uint64_t>(interval);
}

// Reads an integer column (i64 or i32) as int64.
inline int64_t IntAt(const Column& c, size_t r) {
  return c.type() == ColumnType::kInt32 ? c.int32s()[r] : c.int64s()[r];
}

bool IsInt(ColumnType t) { return t == ColumnType::kInt64 || t == ColumnType::kInt32; }

int Find(const std::vector<Field>& f, std::string_view name) {
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int FirstOfType(const std::vector<Field>& f, ColumnType t) {
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i].type == t) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

Result<BarInput> DetectBarInput(const std::vector<Field>& f) {
  BarInput c;
  c.ts = Find(f, "ts");
  if (c.ts < 0 || f[c.ts].type != ColumnType::kTimestamp) c.ts = FirstOfType(f, ColumnType::kTimestamp);
  c.symbol = FirstOfType(f, ColumnType::kSymbol);
  if (c.ts < 0 || c.symbol < 0) return Status::InvalidArgument("bars: the input needs a timestamp and a symbol column");
  auto typed = [&](const char* name, bool want_int) {
    int i = Find(f, name);
    if (i < 0) return -1;
    return (want_int ? IsInt(f[i].type) : f[i].type == ColumnType::kFloat64) ? i : -2;
  };
  c.price = typed("price", false);
  c.size = typed("size", true);
  if (c.price >= 0 && c.size >= 0) {
    c.mode = BarInput::Mode::kTrades;
    return c;
  }
  c.open = typed("open", false);
  c.high = typed("high", false);
  c.low = typed("low", false);
  c.close = typed("close", false);
  c.volume = typed("volume", true);
  c.vwap = typed("vwap", false);
  c.count = typed("count", true);
  if (c.open < 0 || c.high < 0 || c.low < 0 || c.close < 0 || c.volume < 0 || c.vwap == -2 || c.count == -2) {
    return Status::InvalidArgument(
        "bars: the input needs either price:f64 and size:i64 (trades) or open, high, low, close:f64 and "
        "volume:i64 (bars)");
  }
  c.mode = BarInput::Mode::kBars;
  return c;
}

BarBuilder::BarBuilder(BarInput input, int64_t interval_ns) : c_(input), interval_(interval_ns) {}

Status BarBuilder::Consume(const RecordBatch& b, RecordBatch* out) {
  const size_t n = b.num_rows();
  if (n == 0) return Status::OK();
  const Column& sym = b.column(c_.symbol);
  const std::vector<int64_t>& ts = b.column(c_.ts).int64s();
  size_t a = 0;
  while (a < n) {
    // The run of rows with row a's symbol (the column is sorted in a grouped stream).
    std::string_view s = sym.GetString(a);
    const size_t end = sym.StringRunEnd(a);
    if (!have_symbol_ || s != symbol_) {
      if (have_symbol_ && s < symbol_) {
        return Status::InvalidArgument("bars: input is not grouped by symbol in ascending order ('" + std::string(s) +
                                       "' after '" + symbol_ + "')");
      }
      Emit(out);
      symbol_.assign(s);
      have_symbol_ = true;
      last_ts_ = INT64_MIN;
    }
    if (ts[a] < last_ts_) return UnsortedError(ts[a]);
    for (size_t r = a + 1; r < end; ++r) {
      if (ts[r] < ts[r - 1]) return UnsortedError(ts[r]);
    }
    last_ts_ = ts[end - 1];
    if (c_.mode == BarInput::Mode::kTrades) {
      ConsumeTrades(b, a, end, out);
    } else {
      ConsumeBars(b, a, end, out);
    }
    a = end;
  }
  return Status::OK();
}

void BarBuilder::Finish(RecordBatch* out) { Emit(out); }

Status BarBuilder::UnsortedError(int64_t ts) const {
  return Status::InvalidArgument("bars: input is not sorted by ts within symbol '" + symbol_ + "' (at " +
                                 FormatTimestamp(ts) + ")");
}

void BarBuilder::ConsumeTrades(const RecordBatch& b, size_t a, size_t end, RecordBatch* out) {
  const int64_t* ts = b.column(c_.ts).int64s().data();
  const Column& pc = b.column(c_.price);
  const Column& sc = b.column(c_.size);
  const double* price = pc.doubles().data();
  const bool nulls = pc.has_nulls() || sc.has_nulls();
  const bool size32 = sc.type() == ColumnType::kInt32;
  for (size_t r = a; r < end; ++r) {
    if (nulls && (pc.IsNull(r) || sc.IsNull(r))) continue;
    const double p = price[r];
    const int64_t q = size32 ? sc.int32s()[r] : sc.int64s()[r];
    const int64_t t = ts[r];
    if (!open_ || PastBucket(t, bar_.start, interval_)) {
      Emit(out);
      StartBar(FloorTo(t, interval_), p);
    }
    bar_.close = p;
    bar_.volume += q;
    ++bar_.count;
    bar_.pv += p * static_cast<double>(q);  // NaN from a NaN price on, as SQL's sum(price*size)
    bar_.pv_volume += q;
    MergeHighLow(p, p);
  }
}

// NaN is the largest double (SQL's and DuckDB's order): a NaN high stays, a NaN low gives way to
// any number. Not order-dependent, unlike plain < and > with NaN.
void BarBuilder::MergeHighLow(double high, double low) {
  if (std::isnan(high) || high > bar_.high) bar_.high = high;
  if (low < bar_.low || std::isnan(bar_.low)) bar_.low = low;
}

void BarBuilder::ConsumeBars(const RecordBatch& b, size_t a, size_t end, RecordBatch* out) {
  const int64_t* ts = b.column(c_.ts).int64s().data();
  const Column& o = b.column(c_.open);
  const Column& h = b.column(c_.high);
  const Column& l = b.column(c_.low);
  const Column& cl = b.column(c_.close);
  const Column& v = b.column(c_.volume);
  const Column* vw = c_.vwap >= 0 ? &b.column(c_.vwap) : nullptr;
  const Column* cnt = c_.count >= 0 ? &b.column(c_.count) : nullptr;
  for (size_t r = a; r < end; ++r) {
    if (o.IsNull(r) || h.IsNull(r) || l.IsNull(r) || cl.IsNull(r) || v.IsNull(r)) continue;
    const int64_t t = ts[r];
    if (!open_ || PastBucket(t, bar_.start, interval_)) {
      Emit(out);
      StartBar(FloorTo(t, interval_), o.doubles()[r]);
      bar_.high = h.doubles()[r];
      bar_.low = l.doubles()[r];
      bar_.count_valid = cnt != nullptr;
    }
    MergeHighLow(h.doubles()[r], l.doubles()[r]);
    bar_.close = cl.doubles()[r];
    const int64_t vol = IntAt(v, r);
    bar_.volume += vol;
    if (vw != nullptr && !vw->IsNull(r)) {
      bar_.pv += vw->doubles()[r] * static_cast<double>(vol);
      bar_.pv_volume += vol;
    }
    if (cnt != nullptr) {
      if (cnt->IsNull(r)) {
        bar_.count_valid = false;
      } else {
        bar_.count += IntAt(*cnt, r);
      }
    }
  }
}

void BarBuilder::StartBar(int64_t start, double open) {
  bar_ = Bar();
  bar_.start = start;
  bar_.open = bar_.high = bar_.low = bar_.close = open;
  open_ = true;
}

void BarBuilder::Emit(RecordBatch* out) {
  if (!open_) return;
  open_ = false;
  RecordBatch& o = *out;
  o.column(0).AppendInt64(bar_.start);
  o.column(1).AppendString(symbol_);
  o.column(2).AppendDouble(bar_.open);
  o.column(3).AppendDouble(bar_.high);
  o.column(4).AppendDouble(bar_.low);
  o.column(5).AppendDouble(bar_.close);
  o.column(6).AppendInt64(bar_.volume);
  if (bar_.pv_volume != 0) {
    o.column(7).AppendDouble(bar_.pv / static_cast<double>(bar_.pv_volume));
  } else {
    o.column(7).AppendNull();
  }
  if (bar_.count_valid) {
    o.column(8).AppendInt64(bar_.count);
  } else {
    o.column(8).AppendNull();
  }
}

Result<RecordBatch> ComputeBars(const RecordBatch& input, int64_t interval_ns) {
  if (interval_ns < kMinBarInterval || interval_ns > kMaxBarInterval) {
    return Status::InvalidArgument("bar interval of " + std::to_string(interval_ns) + " ns is outside 1s..1d");
  }
  ASSIGN_OR_RETURN(BarInput in, DetectBarInput(input.fields()));
  BarBuilder builder(in, interval_ns);
  RecordBatch out(BarFields());
  RETURN_IF_ERROR(builder.Consume(input, &out));
  builder.Finish(&out);
  return out;
}

}  // namespace strata::bars
