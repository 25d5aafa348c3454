// Synthetic market data that looks like a day of US equities: deterministic for a seed and
// identical on every platform (own PRNG, no <random> distributions).
//
// - Session 14:30-21:00 UTC. Arrivals per symbol follow a U-shaped intraday intensity (about
//   four times busier at the open and close than at midday); symbols differ in activity
//   (Zipf-like weights) but every symbol gets rows. Timestamps are in ns, non-decreasing per
//   symbol, and batches come in global time order, as a feed would deliver them.
// - A per-symbol mid price walks on the 0.01 tick grid second by second, derived from (seed,
//   symbol) only, so trades and quotes generated with the same seed fit together.
// - Trades: price = mid +- a tick, mostly round-lot sizes with odd lots and rare blocks, trade ids
//   strictly increasing per symbol, skewed exchange codes. Quotes: bid < ask, spreads 1-5 ticks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/batch.h"
#include "strata/file_system.h"

namespace strata {

enum class GenKind { kTrades, kQuotes };

struct GenOptions {
  GenKind kind = GenKind::kTrades;
  int symbols = 8;
  int64_t rows = 1'000'000;  // total across all symbols
  int64_t day_start_ns = 0;  // midnight UTC of the trading day
  uint64_t seed = 42;
  size_t batch_rows = 65536;
};

// AAPL, MSFT, NVDA, ... for the first 40 symbols, then S0040, S0041, ...
std::string GenSymbolName(int i);

class MarketGenerator {
 public:
  explicit MarketGenerator(GenOptions options);
  ~MarketGenerator();
  const Schema& schema() const { return schema_; }
  // Refills *batch with the next up to batch_rows rows; false when all rows were produced.
  bool Next(RecordBatch* batch);

 private:
  struct SymbolState;
  void AppendRow(SymbolState& s, RecordBatch* batch);

  GenOptions options_;
  Schema schema_;
  std::vector<std::unique_ptr<SymbolState>> symbols_;
  std::vector<std::pair<int64_t, int>> heap_;  // (next ts, symbol), a min-heap
  int64_t produced_ = 0;
};

// Writes all of the generator's rows as CSV with a header: timestamps with 9 fractional digits
// and 'Z', prices with 2 decimals, columns in schema order.
Status WriteCsv(MarketGenerator* gen, WritableFile* out);

}  // namespace strata
