// BookBuilder: one symbol's OrderBook fed with book-table rows, and the snapshot schedule
// (BookOptions) over them. LiveBooks, BookAt and WriteBookSnapshots all build books with it, so a
// book rebuilt from snapshots and replay goes through exactly the code the live one went through.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bars/book_rows.h"
#include "bars/order_book.h"
#include "state/snapshot_store.h"
#include "strata/batch.h"
#include "strata/schema.h"
#include "strata/state.h"

namespace strata::state {

// A snapshot taken between timestamps: the book after every event with ts <= `ts`.
struct BookCapture {
  std::string symbol;
  int64_t ts = 0;
  std::vector<BookLevel> bids, asks;  // best first
  BookCounters counters;
};

class BookBuilder {
 public:
  // `schedule` nullptr: never due (BookAt).
  BookBuilder(std::string symbol, const BookOptions* schedule) : symbol_(std::move(symbol)), schedule_(schedule) {}

  // Applies row `row` of `batch`. When a snapshot was due and this row starts a new timestamp, the
  // book before the row is captured into *capture first (returns true then).
  bool ApplyRow(const RecordBatch& batch, size_t row, const BookColumns& cols, BookCapture* capture);
  // Starts from a snapshot (its rows as written by CaptureRows).
  Status Load(const SnapshotRecord& rec, const RecordBatch& rows);

  const OrderBook& book() const { return book_; }
  int64_t last_ts() const { return last_ts_; }
  BookView View(size_t depth) const;
  void Capture(BookCapture* out) const;

 private:
  std::string symbol_;
  const BookOptions* schedule_;
  OrderBook book_;
  int64_t last_ts_ = 0;
  bool any_ = false;         // an event (or a snapshot) was applied
  int64_t snap_ts_ = 0;      // ts of the last snapshot (or of the first event)
  uint64_t since_snap_ = 0;  // events since it
  bool due_ = false;
};

// The rows of a snapshot file: ts, symbol, side ("bid"/"ask"), level (1 = best), price, size.
Schema BookSnapshotSchema();
RecordBatch CaptureRows(const BookCapture& c);
std::string CountersJson(const BookCounters& c);
// The snapshot of a capture: fills rec's ts, events and meta_json and returns its rows.
RecordBatch SnapshotOf(const BookCapture& c, SnapshotRecord* rec);

}  // namespace strata::state
