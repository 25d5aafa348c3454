#include "bars/order_book.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace strata::state {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// How many levels from the top a lookup scans before it binary-searches the rest.
constexpr size_t kLinearScan = 8;

}  // namespace

std::optional<BookSide> ParseBookSide(std::string_view text) {
  if (IEquals(text, "bid") || IEquals(text, "b") || IEquals(text, "buy")) return BookSide::kBid;
  if (IEquals(text, "ask") || IEquals(text, "a") || IEquals(text, "sell") || IEquals(text, "offer")) {
    return BookSide::kAsk;
  }
  return std::nullopt;
}

std::optional<BookAction> ParseBookAction(std::string_view text) {
  if (IEquals(text, "add") || IEquals(text, "new")) return BookAction::kAdd;
  if (IEquals(text, "update") || IEquals(text, "change")) return BookAction::kUpdate;
  if (IEquals(text, "delete") || IEquals(text, "remove")) return BookAction::kDelete;
  if (IEquals(text, "clear") || IEquals(text, "reset")) return BookAction::kClear;
  return std::nullopt;
}

size_t OrderBook::Find(const std::vector<BookLevel>& levels, BookSide side, double price, bool* found) {
  // Levels run from the worst to the best; `better(a, b)`: a is nearer the top than b.
  const bool bid = side == BookSide::kBid;
  auto better = [bid](double a, double b) { return bid ? a > b : a < b; };
  size_t i = levels.size();
  const size_t stop = i > kLinearScan ? i - kLinearScan : 0;
  while (i > stop && better(levels[i - 1].price, price)) --i;
  if (i > stop || i == 0) {
    // levels[i - 1] (if any) is at or below price.
    *found = i > 0 && levels[i - 1].price == price;
    return *found ? i - 1 : i;
  }
  // Deeper than the linear window: binary search [0, stop) for the first level better than price.
  auto it = std::upper_bound(levels.begin(), levels.begin() + static_cast<std::ptrdiff_t>(stop), price,
                             [&](double p, const BookLevel& l) { return better(l.price, p); });
  i = static_cast<size_t>(it - levels.begin());
  *found = i > 0 && levels[i - 1].price == price;
  return *found ? i - 1 : i;
}

bool OrderBook::Apply(BookSide side, BookAction action, double price, double size) {
  std::vector<BookLevel>& levels = Side(side);
  if (action == BookAction::kClear) {
    levels.clear();
  } else {
    if (!std::isfinite(price) || !(size >= 0) || !std::isfinite(size)) {  // NaN fails size >= 0
      ++counters_.refused;
      return false;
    }
    bool found = false;
    const size_t i = Find(levels, side, price, &found);
    if (action == BookAction::kDelete || size == 0) {
      if (found) {
        levels.erase(levels.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++counters_.missing_deletes;
      }
    } else if (found) {
      levels[i].size = size;
    } else {
      levels.insert(levels.begin() + static_cast<std::ptrdiff_t>(i), BookLevel{price, size});
    }
  }
  ++counters_.events;
  if (!bids_.empty() && !asks_.empty()) {
    const double b = bids_.back().price, a = asks_.back().price;
    if (b > a) {
      ++counters_.crossed;
    } else if (b == a) {
      ++counters_.locked;
    }
  }
  return true;
}

void OrderBook::Top(BookSide side, size_t n, std::vector<BookLevel>* out) const {
  const std::vector<BookLevel>& levels = Side(side);
  out->clear();
  const size_t k = std::min(n, levels.size());
  out->reserve(k);
  for (size_t j = 0; j < k; ++j) out->push_back(levels[levels.size() - 1 - j]);
}

double OrderBook::SizeAt(BookSide side, double price) const {
  bool found = false;
  const std::vector<BookLevel>& levels = Side(side);
  const size_t i = Find(levels, side, price, &found);
  return found ? levels[i].size : 0;
}

std::optional<double> OrderBook::Spread() const {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  return asks_.back().price - bids_.back().price;
}

std::optional<double> OrderBook::Mid() const {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  return (asks_.back().price + bids_.back().price) / 2;
}

double OrderBook::Imbalance(size_t n) const {
  double b = 0, a = 0;
  for (size_t j = 0; j < std::min(n, bids_.size()); ++j) b += bids_[bids_.size() - 1 - j].size;
  for (size_t j = 0; j < std::min(n, asks_.size()); ++j) a += asks_[asks_.size() - 1 - j].size;
  return a + b == 0 ? 0 : (b - a) / (b + a);
}

void OrderBook::LoadSide(BookSide side, const std::vector<BookLevel>& best_first) {
  std::vector<BookLevel>& levels = Side(side);
  levels.assign(best_first.rbegin(), best_first.rend());
}

}  // namespace strata::state
