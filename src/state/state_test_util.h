// Book events for the state tests: random L2 update streams and a from-scratch reference replay.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bars/order_book.h"
#include "strata/batch.h"
#include "strata/database.h"
#include "strata/schema.h"
#include "strata/state.h"

namespace strata::state::testing {

// `rows` book updates over symbols B0..B<symbols-1>, timestamps from *next_ts on, `ts_step` apart
// (advanced); mostly near a mid of 100, with deletes (some of missing levels), clears, crossing
// updates and a few bad rows (unknown side or action, NaN price, negative size).
inline RecordBatch MakeBookEvents(std::mt19937_64& rng, int symbols, size_t rows, int64_t* next_ts,
                                  int64_t ts_step = 1'000'000) {
  RecordBatch b(*Schema::Template("book"));
  for (size_t i = 0; i < rows; ++i) {
    const bool bid = rng() % 2 == 0;
    const uint64_t r = rng() % 200;
    double price = 100 + (bid ? -1.0 : 1.0) * (0.25 + static_cast<double>(rng() % 20) * 0.25);
    if (r < 4) price = 100 + (bid ? 1.0 : -1.0) * static_cast<double>(rng() % 3) * 0.25;  // crossing
    double size = static_cast<double>(1 + rng() % 9);
    std::string action = r < 120 ? "add" : r < 160 ? "update" : r < 196 ? "delete" : "clear";
    std::string side = bid ? "bid" : "ask";
    if (r == 150) side = "middle";
    if (r == 151) action = "cancel";
    if (r == 152) price = std::numeric_limits<double>::quiet_NaN();
    if (r == 153) size = -3;
    b.column(0).AppendInt64(*next_ts);
    *next_ts += ts_step;
    b.column(1).AppendString("B" + std::to_string(rng() % static_cast<uint64_t>(symbols)));
    b.column(2).AppendString(side);
    b.column(3).AppendDouble(price);
    b.column(4).AppendDouble(size);
    b.column(5).AppendString(action);
  }
  return b;
}

// Every event of the table up to at_ts (all tiers), applied to fresh books, one per symbol:
// the from-scratch answer that snapshots must reproduce.
inline std::map<std::string, BookView> ReplayFromScratch(Database* db, const std::string& table, int64_t at_ts,
                                                         size_t depth) {
  std::map<std::string, OrderBook> books;
  std::map<std::string, int64_t> last;
  ScanRequest req;
  req.table = table;
  req.to_ts = at_ts == std::numeric_limits<int64_t>::max() ? at_ts : at_ts + 1;
  auto batches = db->Scan(req);
  if (!batches.ok()) return {};  // the callers' comparisons then fail, naming what is missing
  for (const RecordBatch& b : *batches) {
    for (size_t i = 0; i < b.num_rows(); ++i) {
      const std::string sym(b.column(1).GetString(i));
      OrderBook& book = books[sym];
      last[sym] = b.column(0).int64s()[i];
      auto side = ParseBookSide(b.column(2).GetString(i));
      auto action = ParseBookAction(b.column(5).GetString(i));
      if (!side || !action) {
        book.CountRefused();
        continue;
      }
      book.Apply(*side, *action, b.column(3).doubles()[i], b.column(4).doubles()[i]);
    }
  }
  std::map<std::string, BookView> out;
  for (auto& [sym, book] : books) {
    BookView v;
    v.symbol = sym;
    v.ts = last[sym];
    book.Top(BookSide::kBid, depth, &v.bids);
    book.Top(BookSide::kAsk, depth, &v.asks);
    v.counters = book.counters();
    out[sym] = std::move(v);
  }
  return out;
}

inline std::string ViewText(const BookView& v) {
  std::string s = v.symbol + " ts=" + std::to_string(v.ts) + " events=" + std::to_string(v.counters.events) + " bids:";
  for (const BookLevel& l : v.bids) s += " " + std::to_string(l.price) + "x" + std::to_string(l.size);
  s += " asks:";
  for (const BookLevel& l : v.asks) s += " " + std::to_string(l.price) + "x" + std::to_string(l.size);
  return s;
}

// Levels, last ts and counters equal.
inline bool SameBook(const BookView& a, const BookView& b) {
  return a.ts == b.ts && a.bids == b.bids && a.asks == b.asks && a.counters == b.counters;
}

}  // namespace strata::state::testing
