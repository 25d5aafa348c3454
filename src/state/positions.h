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
#include <vector>

#include "strata/batch.h"
#include "strata/schema.h"
#include "strata/state.h"
#include "strata/status.h"

namespace strata::state {

// Where the fills columns are: account, side (buy|sell), qty, price, fee (optional).
struct FillColumns {
  int ts = -1, symbol = -1, account = -1, side = -1, qty = -1, price = -1, fee = -1;
  int order_id = -1, fill_id = -1;  // optional string columns
  bool qty_is_int = false;
  static Result<FillColumns> Resolve(std::string_view table, const Schema& schema);
};

// Where the orders columns are (template `orders`).
struct OrderColumns {
  int ts = -1, symbol = -1, account = -1, order_id = -1, side = -1, qty = -1, limit_price = -1, status = -1;
  static Result<OrderColumns> Resolve(std::string_view table, const Schema& schema);
};

// The orders of an orders table, by order_id. An order's first event creates it; later events
// set its status (and its qty and limit price: an amendment).
class OrderTracker {
 public:
  // Refused and counted: unknown side or status, NULL order_id, qty not positive and finite.
  bool ApplyRow(const RecordBatch& batch, size_t row, const OrderColumns& cols);
  // A fill of `qty` of (account, symbol) for `order_id`: true (and the order's filled quantity
  // grows) when the order is unknown (or of another account or symbol: then it is not this fill's
  // order) or the fill keeps filled <= qty; false for an over-fill (counted on the order).
  bool TakeFill(std::string_view order_id, std::string_view account, std::string_view symbol, double qty);
  // Snapshots: puts back an order and the refused count as they were.
  void Load(const Order& o) { orders_[o.order_id] = o; }
  void set_refused(uint64_t n) { refused_ = n; }
  const std::map<std::string, Order, std::less<>>& orders() const { return orders_; }
  uint64_t refused() const { return refused_; }

 private:
  std::map<std::string, Order, std::less<>> orders_;
  uint64_t refused_ = 0;
};

class PositionBook {
 public:
  // Applies one fill: side +1 (buy) or -1 (sell). Refused and counted (nothing changes): a
  // quantity that is not positive and finite, a price or fee that is not finite.
  bool Apply(std::string_view account, std::string_view symbol, int side, double qty, double price, double fee);
  // Applies row `row` of a fills batch (unknown side: refused). With `orders`, a fill that would
  // over-fill its known order is refused and counted in over_fills().
  bool ApplyRow(const RecordBatch& batch, size_t row, const FillColumns& cols, OrderTracker* orders = nullptr);
  uint64_t over_fills() const { return over_fills_; }
  // Snapshots: puts back a position and the counters as they were.
  void Load(const Position& p) { positions_[{p.account, p.symbol}] = p; }
  void SetCounters(uint64_t fills, uint64_t refused, uint64_t over_fills) {
    fills_ = fills;
    refused_ = refused;
    over_fills_ = over_fills;
  }
  const std::vector<std::string>& over_fill_ids() const { return over_fill_ids_; }

  const std::map<std::pair<std::string, std::string>, Position>& positions() const { return positions_; }
  uint64_t refused() const { return refused_; }
  uint64_t fills() const { return fills_; }

 private:
  std::map<std::pair<std::string, std::string>, Position> positions_;
  uint64_t refused_ = 0, fills_ = 0, over_fills_ = 0;
  std::vector<std::string> over_fill_ids_;
};

// Deposits and withdrawals per account (template `cash`).
struct CashColumns {
  int ts = -1, symbol = -1, account = -1, kind = -1, amount = -1;
  static Result<CashColumns> Resolve(std::string_view table, const Schema& schema);
};
class CashBook {
 public:
  // Refused and counted: kind not deposit|withdrawal (any case), amount not positive and finite.
  bool ApplyRow(const RecordBatch& batch, size_t row, const CashColumns& cols);
  const std::map<std::string, AccountCash>& accounts() const { return accounts_; }
  uint64_t refused() const { return refused_; }

 private:
  std::map<std::string, AccountCash> accounts_;
  uint64_t refused_ = 0;
};

}  // namespace strata::state
