// Synthetic market data that looks like a day of US equities: deterministic for a seed and
// identical on every platform (own PRNG and integer/fixed-point sampling; no <random>
// distributions, no libm transcendental functions on any path that shapes the output).
//
// What the output guarantees (tests check each of these):
// - Exactly `rows` rows in total, in batches of up to `batch_rows` rows, in global time order
//   (timestamps non-decreasing across the whole output; ties are broken by symbol index), the
//   rows of all symbols interleaved as a feed would deliver them. The rows do not depend on
//   batch_rows: only how they are cut into batches does.
// - Timestamps lie in the session [day_start + 14:30, day_start + 21:00) UTC with nanosecond
//   resolution and are STRICTLY increasing per symbol (no two rows of a symbol share a ts).
// - Arrivals per symbol follow an inhomogeneous Poisson process (conditioned on the row count)
//   with a U-shaped intraday intensity: about 4x the midday rate at the open, 5x at the close.
// - Symbol i gets a Zipf-like share ~ 1/(i+1)^0.75 of the rows; when rows >= symbols every
//   symbol gets at least one row (with fewer rows, the first `rows` symbols get one each).
// - A per-symbol mid price walks on the 0.01 tick grid second by second (steps of 1-3 ticks,
//   more often for higher-priced names), never below $1.00. The open and the walk depend only on
//   (seed, symbol index, day), not on kind, rows or symbols, so trades and quotes made with the
//   same seed and date put a symbol at the same prices at the same times. Each symbol has a price
//   level ($20-$900, from seed and index); the day's open moves from it by a walk of at most 1%
//   of the level a day (kept within half to twice the level), so consecutive days of one seed
//   open close to each other and no two dates give the same rows.
// - Trades: price at the bid, the ask or the mid of a 1-5 tick spread around that mid; sizes
//   mostly round lots, ~25% odd lots (1-99), ~1% blocks of 5,000-50,000; trade_id strictly
//   increasing per symbol from a per-symbol base ((i+1) * 1e9 + a seed-dependent offset; like an
//   exchange's, the ids restart each day);
//   exchange one of XNAS, XNYS, ARCX, BATS, IEXG, EDGX with skewed frequencies.
// - Quotes: bid < ask always, spread 1-5 ticks (mostly 1-2), bid/ask sizes round lots of 100.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/batch.h"
#include "strata/file_system.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata {

enum class GenKind { kTrades, kQuotes };

struct GenOptions {
  GenKind kind = GenKind::kTrades;
  int symbols = 8;           // REQUIRES >= 1 (values below are treated as 1)
  int64_t rows = 1'000'000;  // total across all symbols; negative is treated as 0
  int64_t day_start_ns = 0;  // midnight UTC of the trading day
  uint64_t seed = 42;
  size_t batch_rows = 65536;  // 0 is treated as 1
};

// AAPL, MSFT, NVDA, AMZN, GOOGL, ... for the first 40 symbols (i = 0..39), then "S0040",
// "S0041", ... (at least four digits). REQUIRES i >= 0.
std::string GenSymbolName(int i);

// Not thread-safe; one generator is used by one thread at a time. Memory is O(symbols), not
// O(rows): arrival times are produced on the fly (construction pre-draws each symbol's arrival
// spacings once to normalize them, ~15% of the total time). Rows per symbol must stay below
// ~10^11 (fixed-point sums), far beyond any practical use.
class MarketGenerator {
 public:
  explicit MarketGenerator(GenOptions options);
  ~MarketGenerator();
  MarketGenerator(const MarketGenerator&) = delete;
  MarketGenerator& operator=(const MarketGenerator&) = delete;

  // Schema::Template("trades") or Schema::Template("quotes").
  const Schema& schema() const { return schema_; }
  const GenOptions& options() const { return options_; }
  // Rows handed out by Next() so far.
  int64_t rows_produced() const { return produced_; }

  // Replaces *batch's contents with the next 1..batch_rows rows (fields = schema(); a batch with
  // other fields is re-created) and returns true; returns false, leaving *batch empty, once
  // all `rows` rows have been produced.
  bool Next(RecordBatch* batch);

 private:
  struct SymbolState;
  void AppendRow(SymbolState& s, int64_t t, RecordBatch* batch);

  GenOptions options_;
  Schema schema_;
  std::vector<std::unique_ptr<SymbolState>> symbols_;
  std::vector<std::pair<int64_t, int>> heap_;  // (next ts in session, symbol): a min-heap
  int64_t produced_ = 0;
};

// Writes all of the generator's remaining rows to `out` as CSV: a header row of the schema's
// field names, then one line per row in schema column order; ts as ISO-8601 UTC with exactly 9
// fractional digits and 'Z' ("2026-03-02T14:30:00.123456789Z"), prices with exactly 2 decimals,
// integers and names verbatim, '\n' line ends. Appends in pieces of about 1 MiB; returns the
// first Append error (naming the file). Does not Sync or Close `out`.
Status WriteCsv(MarketGenerator* gen, WritableFile* out);

}  // namespace strata
