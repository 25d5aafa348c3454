// Book-table rows applied to an OrderBook, and book samples ("the book every X as rows"): the
// code that LiveBooks, BookAt and `strata book --book-snapshots` (src/state) and the derived
// book-sample tables kept by every flush (src/tier/derived_bars.h) share, so both compute the same
// rows from the same events.
//
// Book samples of a symbol at interval I: one row per boundary S (a multiple of I) that had events
// in (S - I, S]: the book after every event with ts <= S (ts, symbol, bid_price_1, bid_size_1, ...,
// ask_..., mid, spread; BookSamplesSchema in strata/state.h). The last boundary is written once no
// event can come before it: when an event at or after it exists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bars/order_book.h"
#include "strata/batch.h"
#include "strata/schema.h"
#include "strata/status.h"

namespace strata::state {

// Where the book columns are in a table's rows.
struct BookColumns {
  int ts = -1, symbol = -1, side = -1, price = -1, size = -1, action = -1;
  bool size_is_int = false;
  // InvalidArgument naming the table and the missing or mistyped column.
  static Result<BookColumns> Resolve(std::string_view table, const Schema& schema);
};

// Applies row `row` of `batch` to `book`: a row with an unknown side or action or a NULL is
// counted as refused (OrderBook::Apply refuses the rest).
void ApplyBookRow(OrderBook* book, const RecordBatch& batch, size_t row, const BookColumns& cols);

// The smallest multiple of `interval` at or after t.
int64_t BoundaryAtOrAfter(int64_t t, int64_t interval);

// The sample rows of one symbol, built while its events are applied in ts order.
class BookSampler {
 public:
  BookSampler(std::string symbol, int64_t interval, size_t depth);

  // Call before the event at `ts` is applied to `book`: when it belongs to a later boundary than
  // the events so far, the row of their boundary (the book now) is added.
  void BeforeEvent(int64_t ts, const OrderBook& book);
  // The boundary of the events applied since the last row, if any.
  std::optional<int64_t> pending() const { return pending_; }
  void set_pending(std::optional<int64_t> p) { pending_ = p; }
  // Adds the row of the pending boundary (the book now) when it is <= `newest` (an event at or
  // after it exists).
  void Finish(const OrderBook& book, int64_t newest);

  RecordBatch* rows() { return &rows_; }
  // The rows so far; starts a new batch.
  RecordBatch TakeRows();

 private:
  void Emit(const OrderBook& book, int64_t at);

  std::string symbol_;
  int64_t interval_;
  size_t depth_;
  Schema schema_;
  RecordBatch rows_;
  std::optional<int64_t> pending_;
  std::vector<BookLevel> levels_;
};

// The state a derived book-sample table carries from one series-day to the next (in the key-value
// metadata of each day's file): every level of the book and the pending boundary.
std::string EncodeBookCarry(const OrderBook& book, std::optional<int64_t> pending);
Status DecodeBookCarry(std::string_view text, OrderBook* book, std::optional<int64_t>* pending);

}  // namespace strata::state
