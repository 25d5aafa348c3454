#include "state/positions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "testutil/testutil.h"

namespace strata::state {
namespace {

TEST(Positions, AverageCostThroughZeroByHand) {
  PositionBook book;
  ASSERT_TRUE(book.Apply("A", "X", +1, 10, 100, 1));
  ASSERT_TRUE(book.Apply("A", "X", +1, 10, 110, 1));
  const Position* p = &book.positions().begin()->second;
  EXPECT_DOUBLE_EQ(p->qty, 20);
  EXPECT_DOUBLE_EQ(p->avg_cost, 105);
  ASSERT_TRUE(book.Apply("A", "X", -1, 15, 120, 1));  // realise 15 * (120 - 105)
  EXPECT_DOUBLE_EQ(p->realized_pnl, 225);
  EXPECT_DOUBLE_EQ(p->avg_cost, 105);
  ASSERT_TRUE(book.Apply("A", "X", -1, 10, 100, 1));  // close 5 at -5 each, open 5 short at 100
  EXPECT_DOUBLE_EQ(p->realized_pnl, 200);
  EXPECT_DOUBLE_EQ(p->qty, -5);
  EXPECT_DOUBLE_EQ(p->avg_cost, 100);
  ASSERT_TRUE(book.Apply("A", "X", +1, 5, 90, 1));  // the short gains 5 * 10
  EXPECT_DOUBLE_EQ(p->realized_pnl, 250);
  EXPECT_DOUBLE_EQ(p->qty, 0);
  EXPECT_DOUBLE_EQ(p->avg_cost, 0);
  EXPECT_DOUBLE_EQ(p->fees, 5);
  // Bad fills change nothing.
  EXPECT_FALSE(book.Apply("A", "X", +1, -3, 90, 0));
  EXPECT_FALSE(book.Apply("A", "X", +1, 0, 90, 0));
  EXPECT_FALSE(book.Apply("A", "X", +1, 3, std::nan(""), 0));
  EXPECT_FALSE(book.Apply("A", "X", +1, 3, 90, std::numeric_limits<double>::infinity()));
  EXPECT_EQ(book.refused(), 4u);
  EXPECT_EQ(book.fills(), 5u);
  EXPECT_DOUBLE_EQ(p->qty, 0);
}

// Random fills crossing zero: under average cost, realised P&L = cash flow + qty * avg_cost
// (everything bought and sold, with the open quantity valued at its cost), checked after every fill
// against a separately kept cash flow and quantity.
TEST(Positions, RandomFillsKeepTheAverageCostIdentity) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::mt19937_64 rng(seed);
    PositionBook book;
    std::map<std::pair<std::string, std::string>, std::pair<double, double>> cash_qty;
    for (int i = 0; i < 2000; ++i) {
      const std::string acct = "A" + std::to_string(rng() % 2), sym = "S" + std::to_string(rng() % 3);
      const int side = rng() % 2 ? 1 : -1;
      const double qty = static_cast<double>(1 + rng() % 50);
      const double price = 50 + static_cast<double>(rng() % 10000) / 100;
      ASSERT_TRUE(book.Apply(acct, sym, side, qty, price, 0.01));
      auto& [cash, q] = cash_qty[{acct, sym}];
      cash -= side * qty * price;
      q += side * qty;
      const Position& p = book.positions().at({acct, sym});
      ASSERT_NEAR(p.qty, q, 1e-9) << seed << " " << i;
      ASSERT_NEAR(p.realized_pnl, cash + p.qty * p.avg_cost, 1e-6 * (1 + std::abs(cash))) << seed << " " << i;
      if (p.qty == 0) {
        ASSERT_EQ(p.avg_cost, 0);
      }
    }
  }
}

TEST(Positions, PositionsAtTReplaysTheFillsWithMarks) {
  strata::testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"fills", *Schema::Template("fills"), "fill_id"}));
  ASSERT_OK(db->CreateTable({"quotes", *Schema::Template("quotes")}));
  const int64_t t0 = 1'780'000'000'000'000'000;
  RecordBatch f(*Schema::Template("fills"));
  auto fill = [&](int64_t dt, const char* acct, const char* side, double qty, double price, const char* id) {
    f.column(0).AppendInt64(t0 + dt);
    f.column(1).AppendString("X");
    f.column(2).AppendString(acct);
    f.column(3).AppendString(side);
    f.column(4).AppendDouble(qty);
    f.column(5).AppendDouble(price);
    f.column(6).AppendDouble(0.5);
    f.column(7).AppendString("o1");
    f.column(8).AppendString(id);
  };
  fill(1, "A", "buy", 10, 100, "f1");
  fill(2, "B", "sell", 4, 101, "f2");
  fill(3, "A", "sell", 4, 103, "f3");
  fill(3, "A", "sell", 4, 103, "f3");  // the same fill twice: one (dedup key fill_id)
  fill(4, "A", "hold", 4, 103, "f4");  // refused
  ASSERT_OK(db->Append("fills", f));
  ASSERT_OK(db->Flush().status());
  RecordBatch q(*Schema::Template("quotes"));
  for (int64_t dt : {2, 5}) {
    q.column(0).AppendInt64(t0 + dt);
    q.column(1).AppendString("X");
    q.column(2).AppendDouble(dt == 2 ? 99 : 104);
    q.column(3).AppendDouble(dt == 2 ? 101 : 106);
    q.column(4).AppendInt64(1);
    q.column(5).AppendInt64(1);
  }
  ASSERT_OK(db->Append("quotes", q));

  PositionsRequest req;
  req.table = "fills";
  req.marks_table = "quotes";
  ASSERT_OK_AND_ASSIGN(PositionsResult now, PositionsAt(db.get(), req));
  ASSERT_EQ(now.positions.size(), 2u);
  EXPECT_EQ(now.fills, 3u);
  EXPECT_EQ(now.refused, 1u);
  const Position& a = now.positions[0];
  EXPECT_EQ(a.account, "A");
  EXPECT_DOUBLE_EQ(a.qty, 6);
  EXPECT_DOUBLE_EQ(a.realized_pnl, 12);
  EXPECT_DOUBLE_EQ(*a.mark, 105);
  EXPECT_DOUBLE_EQ(*a.unrealized_pnl(), 30);
  EXPECT_DOUBLE_EQ(now.positions[1].qty, -4);

  req.at_ts = t0 + 2;
  req.account = "A";
  ASSERT_OK_AND_ASSIGN(PositionsResult then, PositionsAt(db.get(), req));
  ASSERT_EQ(then.positions.size(), 1u);
  EXPECT_DOUBLE_EQ(then.positions[0].qty, 10);
  EXPECT_DOUBLE_EQ(then.positions[0].realized_pnl, 0);
  EXPECT_DOUBLE_EQ(*then.positions[0].mark, 100);

  req.marks_table = "fills";  // no bid/ask, but a price column: the last fill's price
  req.at_ts = std::numeric_limits<int64_t>::max();
  ASSERT_OK_AND_ASSIGN(PositionsResult by_fill, PositionsAt(db.get(), req));
  EXPECT_DOUBLE_EQ(*by_fill.positions[0].mark, 103);
  ASSERT_OK(db->CreateTable({"bare", *Schema::Parse("ts:timestamp,symbol:symbol,v:i64")}));
  req.marks_table = "bare";
  EXPECT_EQ(PositionsAt(db.get(), req).status().code(), StatusCode::kInvalidArgument);
  req.table = "quotes";
  req.marks_table = "";
  EXPECT_EQ(PositionsAt(db.get(), req).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata::state
