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

// Orders, over-fills and cash through PositionsAt: random fills of random orders against a
// reference that keeps each order's filled quantity, the positions' quantity and the cash.
TEST(Positions, RandomFillsOfKnownOrdersRefuseOverFillsAndKeepCash) {
  strata::testing::TempDir dir;
  const std::string root = dir.Join("db");
  InitOptions init;
  init.fsync = "none";
  ASSERT_OK(Database::Init(root, init));
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK(db->CreateTable({"fills", *Schema::Template("fills"), "fill_id"}));
  ASSERT_OK(db->CreateTable({"orders", *Schema::Template("orders")}));
  ASSERT_OK(db->CreateTable({"cash", *Schema::Template("cash")}));
  const int64_t t0 = 1'780'000'000'000'000'000;
  std::mt19937_64 rng(7);
  RecordBatch orders(*Schema::Template("orders")), fills(*Schema::Template("fills")), cash(*Schema::Template("cash"));
  struct Ref {
    double qty = 0, filled = 0;
    std::string account, symbol;
  };
  std::map<std::string, Ref> ref_orders;
  std::map<std::pair<std::string, std::string>, double> ref_qty;
  std::map<std::string, double> ref_cash;
  uint64_t over = 0, applied = 0;
  const int n = strata::testing::Sanitized() ? 300 : 1500;
  for (int i = 0; i < n; ++i) {
    const int64_t ts = t0 + i * 1000;
    const std::string acct = "A" + std::to_string(rng() % 2), sym = "S" + std::to_string(rng() % 2);
    const uint64_t what = rng() % 10;
    if (what < 2) {  // a new order
      const std::string id = "o" + std::to_string(i);
      const double qty = static_cast<double>(1 + rng() % 20);
      orders.column(0).AppendInt64(ts);
      orders.column(1).AppendString(sym);
      orders.column(2).AppendString(acct);
      orders.column(3).AppendString(id);
      orders.column(4).AppendString(rng() % 2 ? "buy" : "sell");
      orders.column(5).AppendDouble(qty);
      orders.column(6).AppendNull();
      orders.column(7).AppendString("new");
      ref_orders[id] = {qty, 0, acct, sym};
    } else if (what < 3) {  // cash
      const double amount = static_cast<double>(1 + rng() % 1000);
      const bool dep = rng() % 3 != 0;
      cash.column(0).AppendInt64(ts);
      cash.column(1).AppendString("USD");
      cash.column(2).AppendString(acct);
      cash.column(3).AppendString(dep ? "deposit" : "withdrawal");
      cash.column(4).AppendDouble(amount);
      ref_cash[acct] += dep ? amount : -amount;
    } else {  // a fill: of a known order of the symbol (maybe over-filling it), or standalone
      std::string oid = "none" + std::to_string(i);
      std::string oacct = acct, osym = sym;
      std::string side = rng() % 2 ? "buy" : "sell";
      for (auto& [id, r] : ref_orders) {
        if (rng() % 4 == 0) {
          oid = id;  // an order's fills are of its account and symbol
          oacct = r.account;
          osym = r.symbol;
          break;
        }
      }
      const double qty = static_cast<double>(1 + rng() % 8), price = 100 + static_cast<double>(rng() % 100);
      fills.column(0).AppendInt64(ts);
      fills.column(1).AppendString(osym);
      fills.column(2).AppendString(oacct);
      fills.column(3).AppendString(side);
      fills.column(4).AppendDouble(qty);
      fills.column(5).AppendDouble(price);
      fills.column(6).AppendDouble(0.25);
      fills.column(7).AppendString(oid);
      fills.column(8).AppendString("f" + std::to_string(i));
      auto it = ref_orders.find(oid);
      if (it != ref_orders.end() && it->second.filled + qty > it->second.qty) {
        ++over;
        continue;
      }
      if (it != ref_orders.end()) it->second.filled += qty;
      ++applied;
      const double s = side == "buy" ? 1 : -1;
      ref_qty[{oacct, osym}] += s * qty;
      ref_cash[oacct] -= s * qty * price + 0.25;
    }
  }
  ASSERT_OK(db->Append("orders", orders));
  ASSERT_OK(db->Append("fills", fills.Slice(0, fills.num_rows() / 2)));
  ASSERT_OK(db->Flush().status());  // half the fills warm, half hot
  ASSERT_OK(db->Append("fills", fills.Slice(fills.num_rows() / 2, fills.num_rows() - fills.num_rows() / 2)));
  ASSERT_OK(db->Append("cash", cash));

  PositionsRequest req;
  req.table = "fills";
  req.orders_table = "orders";
  req.cash_table = "cash";
  ASSERT_OK_AND_ASSIGN(PositionsResult r, PositionsAt(db.get(), req));
  ASSERT_GT(over, 0u);
  EXPECT_EQ(r.over_fills, over);
  EXPECT_EQ(r.fills, applied);
  EXPECT_EQ(r.over_fill_ids.size(), std::min<uint64_t>(over, 100));
  for (const Position& p : r.positions) EXPECT_NEAR(p.qty, (ref_qty[{p.account, p.symbol}]), 1e-9);
  ASSERT_EQ(r.orders.size(), ref_orders.size());
  for (const Order& ord : r.orders) {
    EXPECT_DOUBLE_EQ(ord.filled, ref_orders[ord.order_id].filled) << ord.order_id;
    EXPECT_LE(ord.filled, ord.qty);
    EXPECT_EQ(ord.open(), ord.filled < ord.qty);
  }
  ASSERT_EQ(r.accounts.size(), 2u);
  for (const AccountCash& a : r.accounts) EXPECT_NEAR(a.cash, ref_cash[a.account], 1e-6) << a.account;
}

// Bad order and cash events are refused and counted; an over-fill never changes a position.
TEST(Positions, BadOrderAndCashEventsAreRefused) {
  OrderTracker t;
  OrderColumns oc{0, 1, 2, 3, 4, 5, 6, 7};
  RecordBatch o(*Schema::Template("orders"));
  auto order = [&](const char* id, const char* side, double qty, const char* status) {
    o.column(0).AppendInt64(1);
    o.column(1).AppendString("X");
    o.column(2).AppendString("A");
    o.column(3).AppendString(id);
    o.column(4).AppendString(side);
    o.column(5).AppendDouble(qty);
    o.column(6).AppendDouble(10);
    o.column(7).AppendString(status);
  };
  order("o1", "buy", 5, "new");
  order("o2", "hold", 5, "new");
  order("o3", "buy", -5, "new");
  order("o4", "buy", 5, "lost");
  order("o1", "buy", 5, "PARTIALLY_FILLED");
  for (size_t i = 0; i < o.num_rows(); ++i) t.ApplyRow(o, i, oc);
  EXPECT_EQ(t.refused(), 3u);
  ASSERT_EQ(t.orders().size(), 1u);
  EXPECT_EQ(t.orders().at("o1").status, "partially_filled");
  EXPECT_TRUE(t.TakeFill("o1", "A", "X", 3));
  EXPECT_FALSE(t.TakeFill("o1", "A", "X", 3));  // 6 > 5
  EXPECT_TRUE(t.TakeFill("o1", "A", "X", 2));
  EXPECT_TRUE(t.TakeFill("unknown", "A", "X", 100));
  EXPECT_TRUE(t.TakeFill("o1", "A", "Y", 100));  // not o1's symbol: not its order
  EXPECT_TRUE(t.TakeFill("o1", "B", "X", 100));  // nor its account
  EXPECT_EQ(t.orders().at("o1").over_fills, 1u);
  EXPECT_FALSE(t.orders().at("o1").open());

  CashBook c;
  CashColumns cc{0, 1, 2, 3, 4};
  RecordBatch b(*Schema::Template("cash"));
  auto ev = [&](const char* kind, double amount) {
    b.column(0).AppendInt64(1);
    b.column(1).AppendString("USD");
    b.column(2).AppendString("A");
    b.column(3).AppendString(kind);
    b.column(4).AppendDouble(amount);
  };
  ev("deposit", 100);
  ev("Withdrawal", 30);
  ev("gift", 5);
  ev("deposit", -5);
  ev("deposit", std::nan(""));
  for (size_t i = 0; i < b.num_rows(); ++i) c.ApplyRow(b, i, cc);
  EXPECT_EQ(c.refused(), 3u);
  EXPECT_DOUBLE_EQ(c.accounts().at("A").cash, 70);
  EXPECT_EQ(c.accounts().at("A").currency, "USD");
}

}  // namespace
}  // namespace strata::state
