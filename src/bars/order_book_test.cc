#include "bars/order_book.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

namespace strata::state {
namespace {

// The simplest correct book: a std::map per side.
struct ReferenceBook {
  std::map<double, double, std::greater<>> bids;
  std::map<double, double> asks;
  BookCounters c;

  template <typename M>
  void ApplySide(M& m, BookAction a, double price, double size) {
    if (a == BookAction::kClear) {
      m.clear();
    } else if (a == BookAction::kDelete || size == 0) {
      if (m.erase(price) == 0) ++c.missing_deletes;
    } else {
      m[price] = size;
    }
  }
  void Apply(BookSide s, BookAction a, double price, double size) {
    if (a != BookAction::kClear && (!std::isfinite(price) || !(size >= 0) || !std::isfinite(size))) {
      ++c.refused;
      return;
    }
    if (s == BookSide::kBid) {
      ApplySide(bids, a, price, size);
    } else {
      ApplySide(asks, a, price, size);
    }
    ++c.events;
    if (!bids.empty() && !asks.empty()) {
      if (bids.begin()->first > asks.begin()->first) ++c.crossed;
      if (bids.begin()->first == asks.begin()->first) ++c.locked;
    }
  }
};

template <typename M>
std::vector<BookLevel> Levels(const M& m) {
  std::vector<BookLevel> out;
  for (const auto& [p, s] : m) out.push_back({p, s});
  return out;
}

TEST(OrderBook, RandomStreamsMatchAReferenceBook) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    OrderBook book;
    ReferenceBook ref;
    std::vector<BookLevel> top;
    for (int i = 0; i < 5000; ++i) {
      const BookSide side = rng() % 2 ? BookSide::kBid : BookSide::kAsk;
      const uint64_t r = rng() % 100;
      // Mostly near a mid of 100 (bids below, asks above), sometimes crossing, deep, or bad.
      double price = 100 + (side == BookSide::kBid ? -1.0 : 1.0) * static_cast<double>(rng() % 40) * 0.25;
      if (r < 5) price = 100 + (side == BookSide::kBid ? 1.0 : -1.0) * static_cast<double>(rng() % 4) * 0.25;
      if (r == 5) price = 100 + (side == BookSide::kBid ? -1.0 : 1.0) * static_cast<double>(200 + rng() % 500);
      double size = static_cast<double>(rng() % 10);
      BookAction action = r < 60 ? BookAction::kAdd : r < 80 ? BookAction::kUpdate : BookAction::kDelete;
      if (r == 99 && rng() % 10 == 0) action = BookAction::kClear;
      if (r == 98) price = std::numeric_limits<double>::quiet_NaN();
      if (r == 97) size = -1;
      if (r == 96) size = std::numeric_limits<double>::infinity();
      book.Apply(side, action, price, size);
      ref.Apply(side, action, price, size);
      if (i % 97 == 0 || i == 4999) {
        book.Top(BookSide::kBid, 1000, &top);
        ASSERT_EQ(top, Levels(ref.bids)) << "seed " << seed << " step " << i;
        book.Top(BookSide::kAsk, 1000, &top);
        ASSERT_EQ(top, Levels(ref.asks)) << "seed " << seed << " step " << i;
        ASSERT_EQ(book.counters(), ref.c) << "seed " << seed << " step " << i;
      }
    }
    EXPECT_GT(ref.c.crossed + ref.c.locked, 0u);
    EXPECT_GT(ref.c.missing_deletes, 0u);
    EXPECT_GT(ref.c.refused, 0u);
  }
}

TEST(OrderBook, ReadsOfTheTop) {
  OrderBook book;
  EXPECT_FALSE(book.BestBid());
  EXPECT_FALSE(book.Spread());
  EXPECT_EQ(book.Imbalance(5), 0);
  book.Apply(BookSide::kBid, BookAction::kAdd, 99.5, 10);
  book.Apply(BookSide::kBid, BookAction::kAdd, 99.0, 30);
  book.Apply(BookSide::kAsk, BookAction::kAdd, 100.5, 20);
  book.Apply(BookSide::kAsk, BookAction::kAdd, 101.0, 5);
  EXPECT_EQ(*book.BestBid(), (BookLevel{99.5, 10}));
  EXPECT_EQ(*book.BestAsk(), (BookLevel{100.5, 20}));
  EXPECT_DOUBLE_EQ(*book.Spread(), 1.0);
  EXPECT_DOUBLE_EQ(*book.Mid(), 100.0);
  EXPECT_DOUBLE_EQ(book.Imbalance(1), (10.0 - 20.0) / 30.0);
  EXPECT_DOUBLE_EQ(book.Imbalance(2), (40.0 - 25.0) / 65.0);
  EXPECT_EQ(book.SizeAt(BookSide::kBid, 99.0), 30);
  EXPECT_EQ(book.SizeAt(BookSide::kBid, 98.0), 0);
  // A crossed update is applied, counted, and touches no other level.
  book.Apply(BookSide::kBid, BookAction::kAdd, 101.0, 1);
  EXPECT_TRUE(book.Crossed());
  EXPECT_EQ(book.counters().crossed, 1u);
  EXPECT_EQ(book.Levels(BookSide::kAsk), 2u);
  book.Apply(BookSide::kBid, BookAction::kDelete, 101.0, 0);
  book.Apply(BookSide::kBid, BookAction::kDelete, 42.0, 0);  // not there
  EXPECT_EQ(book.counters().missing_deletes, 1u);
  EXPECT_EQ(book.Levels(BookSide::kBid), 2u);
  book.Apply(BookSide::kAsk, BookAction::kClear, 0, 0);
  EXPECT_EQ(book.Levels(BookSide::kAsk), 0u);
  EXPECT_EQ(book.Levels(BookSide::kBid), 2u);
}

TEST(OrderBook, ParsesSidesAndActions) {
  EXPECT_EQ(ParseBookSide("bid"), BookSide::kBid);
  EXPECT_EQ(ParseBookSide("ASK"), BookSide::kAsk);
  EXPECT_FALSE(ParseBookSide("middle"));
  EXPECT_EQ(ParseBookAction("Delete"), BookAction::kDelete);
  EXPECT_EQ(ParseBookAction("clear"), BookAction::kClear);
  EXPECT_FALSE(ParseBookAction("cancel"));
  EXPECT_FALSE(ParseBookAction(""));
}

}  // namespace
}  // namespace strata::state
