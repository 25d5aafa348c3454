// OrderBook: the price-level (L2) book of one symbol, built from book-table events.
//
// Each side is a vector of (price, size) sorted so that the best level is the LAST element
// (bids ascending, asks descending). Updates of a live feed land near the top of the book, so a
// level is found by scanning back from the end (a few compares) and inserted or erased with a
// memmove of the levels above it, which are few; best bid/ask is back(). A level far from the
// top falls back to a binary search. See src/state/README.md for the numbers.
//
// Not thread-safe: LiveBooks (state.h) guards each book with its own lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "strata/state.h"

namespace strata::state {

enum class BookSide : uint8_t { kBid, kAsk };
enum class BookAction : uint8_t { kAdd, kUpdate, kDelete, kClear };

// "bid"/"ask" (also "b"/"a", "buy"/"sell"; any case) and "add"/"update"/"delete"/"clear".
std::optional<BookSide> ParseBookSide(std::string_view text);
std::optional<BookAction> ParseBookAction(std::string_view text);

class OrderBook {
 public:
  // One update. add and update set the level's size (size 0 removes it); delete removes it;
  // clear empties the side (price and size ignored). Refused and counted (the book unchanged):
  // a price that is not finite (add/update/delete), a size that is negative or not finite.
  // Deletes of a level that does not exist are counted and change nothing. After the update the
  // book is checked for crossed (best bid > best ask) and locked (equal) states, counted too.
  // Returns false when refused.
  bool Apply(BookSide side, BookAction action, double price, double size);
  void CountRefused() { ++counters_.refused; }
  void CountLate() { ++counters_.late; }

  std::optional<BookLevel> BestBid() const {
    if (bids_.empty()) return std::nullopt;
    return bids_.back();
  }
  std::optional<BookLevel> BestAsk() const {
    if (asks_.empty()) return std::nullopt;
    return asks_.back();
  }
  size_t Levels(BookSide side) const { return Side(side).size(); }
  // The best n levels of a side, best first, into *out (cleared first).
  void Top(BookSide side, size_t n, std::vector<BookLevel>* out) const;
  // The size resting at `price` on a side; 0 when there is no such level.
  double SizeAt(BookSide side, double price) const;
  std::optional<double> Spread() const;
  std::optional<double> Mid() const;
  // (bid size - ask size) / (bid size + ask size) over the best n levels of each side; 0 when both
  // are empty.
  double Imbalance(size_t n) const;
  bool Crossed() const { return !bids_.empty() && !asks_.empty() && bids_.back().price > asks_.back().price; }

  const BookCounters& counters() const { return counters_; }
  BookCounters& mutable_counters() { return counters_; }
  // Every level of a side, best LAST (the stored order).
  const std::vector<BookLevel>& side_levels(BookSide side) const { return Side(side); }
  // Replaces a side with `levels` given best first (a snapshot being loaded).
  void LoadSide(BookSide side, const std::vector<BookLevel>& best_first);

 private:
  std::vector<BookLevel>& Side(BookSide s) { return s == BookSide::kBid ? bids_ : asks_; }
  const std::vector<BookLevel>& Side(BookSide s) const { return s == BookSide::kBid ? bids_ : asks_; }
  // The index of `price` on the side, or where it would go (levels[i] is the first level at or
  // nearer the top than price); *found tells which.
  static size_t Find(const std::vector<BookLevel>& levels, BookSide side, double price, bool* found);

  std::vector<BookLevel> bids_;  // ascending price: best (highest) last
  std::vector<BookLevel> asks_;  // descending price: best (lowest) last
  BookCounters counters_;
};

}  // namespace strata::state
