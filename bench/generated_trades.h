// The generated trades (src/gen) the Parquet benchmarks write and read: 8 symbols over one session
// of 2026-03-02, STRATA_BENCH_ROWS rows (or `default_rows`), made once per process.
#pragma once

#include <cstdint>
#include <cstdlib>

#include "gen/market_gen.h"
#include "strata/batch.h"

namespace strata::bench {

inline const RecordBatch& GeneratedTrades(int64_t default_rows) {
  static RecordBatch* batch = [default_rows] {
    const char* env = std::getenv("STRATA_BENCH_ROWS");
    GenOptions o;
    o.rows = env ? std::atoll(env) : default_rows;
    o.symbols = 8;
    o.day_start_ns = 1772409600000000000LL;  // 2026-03-02
    o.batch_rows = 1 << 20;
    MarketGenerator gen(o);
    auto* all = new RecordBatch(gen.schema());
    RecordBatch b;
    while (gen.Next(&b)) all->Append(b).IgnoreError();
    return all;
  }();
  return *batch;
}

}  // namespace strata::bench
