// Test helpers for the query operators: small batches from rows, splitting into random pieces.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "query/batch_stream.h"

namespace strata::query::testing {

inline std::vector<Field> TradeFields() {
  return {{"ts", ColumnType::kTimestamp, false},
          {"symbol", ColumnType::kSymbol, false},
          {"price", ColumnType::kFloat64, true},
          {"size", ColumnType::kInt64, true}};
}
inline std::vector<Field> QuoteFields() {
  return {{"ts", ColumnType::kTimestamp, false},
          {"symbol", ColumnType::kSymbol, false},
          {"bid", ColumnType::kFloat64, true},
          {"venue", ColumnType::kString, true}};
}

struct TradeRow {
  int64_t ts;
  std::string symbol;
  double price;
  int64_t size;
  bool price_null = false;
  bool size_null = false;
};

inline RecordBatch Trades(const std::vector<TradeRow>& rows) {
  RecordBatch b(TradeFields());
  for (const TradeRow& r : rows) {
    b.column(0).AppendInt64(r.ts);
    b.column(1).AppendString(r.symbol);
    if (r.price_null) {
      b.column(2).AppendNull();
    } else {
      b.column(2).AppendDouble(r.price);
    }
    if (r.size_null) {
      b.column(3).AppendNull();
    } else {
      b.column(3).AppendInt64(r.size);
    }
  }
  return b;
}

// Cuts `all` into pieces of random sizes (1..max_piece rows).
inline std::vector<RecordBatch> Split(const RecordBatch& all, std::mt19937_64* rng, size_t max_piece) {
  std::vector<RecordBatch> out;
  size_t pos = 0;
  while (pos < all.num_rows()) {
    size_t n = std::min<size_t>(all.num_rows() - pos, 1 + (*rng)() % max_piece);
    out.push_back(all.Slice(pos, n));
    pos += n;
  }
  return out;
}

inline std::unique_ptr<BatchStream> StreamOf(const RecordBatch& all, std::mt19937_64* rng, size_t max_piece) {
  return MakeVectorStream(all.fields(), Split(all, rng, max_piece));
}

}  // namespace strata::query::testing
