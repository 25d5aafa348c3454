// Positions from fills: per (account, symbol) signed quantity, average cost, realised P&L and
// fees, by the AVERAGE-COST method (src/state/README.md).
//
// A buy adds to a long position at the weighted average price; a sell of a long position realises
// (price - average cost) * quantity sold and keeps the average; a trade through zero closes the
// old side at its average and opens the rest at the trade's price. Shorts mirror this. Fees are
// summed separately (not in the average cost, not in realised P&L).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "strata/batch.h"
#include "strata/schema.h"
#include "strata/state.h"
#include "strata/status.h"

namespace strata::state {

// Where the fills columns are: account, side (buy|sell), qty, price, fee (optional).
struct FillColumns {
  int ts = -1, symbol = -1, account = -1, side = -1, qty = -1, price = -1, fee = -1;
  bool qty_is_int = false;
  static Result<FillColumns> Resolve(std::string_view table, const Schema& schema);
};

class PositionBook {
 public:
  // Applies one fill: side +1 (buy) or -1 (sell). Refused and counted (nothing changes): a
  // quantity that is not positive and finite, a price or fee that is not finite.
  bool Apply(std::string_view account, std::string_view symbol, int side, double qty, double price, double fee);
  // Applies row `row` of a fills batch (unknown side: refused).
  bool ApplyRow(const RecordBatch& batch, size_t row, const FillColumns& cols);

  const std::map<std::pair<std::string, std::string>, Position>& positions() const { return positions_; }
  uint64_t refused() const { return refused_; }
  uint64_t fills() const { return fills_; }

 private:
  std::map<std::pair<std::string, std::string>, Position> positions_;
  uint64_t refused_ = 0, fills_ = 0;
};

}  // namespace strata::state
