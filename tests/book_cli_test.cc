// `strata book`, `strata tail` and `strata positions` end to end.
// book: book updates ingested from CSV, split over cold, warm and hot; the
// book now and at past times (with and without snapshots) equals applying every event up to that
// time to a fresh book.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>

#include "bars/order_book.h"
#include "state/state_test_util.h"
#include "strata/timestamp.h"
#include "testutil/cli_runner.h"
#include "testutil/testutil.h"

namespace strata {
namespace STRATA_UNITY_ID {

using testing::CliRun;
using testing::RunStrata;

constexpr int64_t kStart = 1'780'000'000'000'000'000;  // 2026-05-28
constexpr int64_t kStep = 86'400'000'000'000 / 500;    // ~3 days of events over 3 parts

class BookCli : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = "--root " + tmp_.Join("db") + " ";
    ASSERT_EQ(Run("init").exit_code, 0);
    ASSERT_EQ(Run("table create l2 --template book").exit_code, 0);
    std::mt19937_64 rng(21);
    int64_t ts = kStart;
    const size_t rows = testing::Sanitized() ? 300 : 500;
    for (int part = 0; part < 3; ++part) {
      RecordBatch b = state::testing::MakeBookEvents(rng, 2, rows, &ts, kStep);
      std::string csv = "ts,symbol,side,price,size,action\n";
      for (size_t i = 0; i < b.num_rows(); ++i) {
        char price[64];
        std::snprintf(price, sizeof price, "%.17g", b.column(3).doubles()[i]);
        csv += FormatTimestamp(b.column(0).int64s()[i]) + "," + std::string(b.column(1).GetString(i)) + "," +
               std::string(b.column(2).GetString(i)) + "," + price + "," +
               std::to_string(static_cast<int>(b.column(4).doubles()[i])) + "," +
               std::string(b.column(5).GetString(i)) + "\n";
      }
      const std::string path = tmp_.Join("part" + std::to_string(part) + ".csv");
      testing::WriteTextFile(path, csv);
      CliRun in = Run("ingest -q --allow-nan l2 " + path);  // NaN prices: counted as refused
      ASSERT_EQ(in.exit_code, 0) << in.err;
      events_.push_back(std::move(b));
      if (part == 0) {
        ASSERT_EQ(Run("flush").exit_code, 0);
        ASSERT_EQ(Run("migrate -q --all").exit_code, 0);
      }
      if (part == 1) {
        ASSERT_EQ(Run("flush").exit_code, 0);
      }
    }
    end_ = ts;
  }
  CliRun Run(const std::string& args) { return RunStrata(scratch_, root_ + args); }

  // side,level,price,size of `symbol` after every event at or before `at`, best `depth` levels.
  std::string Expected(const std::string& symbol, int64_t at, size_t depth) {
    state::OrderBook book;
    for (const RecordBatch& b : events_) {
      for (size_t i = 0; i < b.num_rows(); ++i) {
        if (b.column(1).GetString(i) != symbol || b.column(0).int64s()[i] > at) continue;
        auto side = state::ParseBookSide(b.column(2).GetString(i));
        auto action = state::ParseBookAction(b.column(5).GetString(i));
        if (side && action) book.Apply(*side, *action, b.column(3).doubles()[i], b.column(4).doubles()[i]);
      }
    }
    std::string out = "side,level,price,size\n";
    std::vector<BookLevel> levels;
    for (auto [side, name] : {std::pair{state::BookSide::kBid, "bid"}, std::pair{state::BookSide::kAsk, "ask"}}) {
      book.Top(side, depth, &levels);
      for (size_t i = 0; i < levels.size(); ++i) {
        char line[128];
        std::snprintf(line, sizeof line, "%s,%zu,%.10g,%.10g\n", name, i + 1, levels[i].price, levels[i].size);
        out += line;
      }
    }
    return out;
  }

  testing::TempDir tmp_, scratch_;
  std::string root_;
  std::vector<RecordBatch> events_;
  int64_t end_ = 0;
};

TEST_F(BookCli, BookNowAndAtPastTimesEqualsReplayingEveryEventWithAndWithoutSnapshots) {
  std::vector<int64_t> grid;
  for (int64_t t = kStart + kStep * 7; t < end_; t += kStep * 197) grid.push_back(t);
  auto check_all = [&] {
    for (const std::string sym : {"B0", "B1"}) {
      CliRun now = Run("book l2 " + sym + " --depth 8 --format csv");
      ASSERT_EQ(now.exit_code, 0) << now.err;
      EXPECT_EQ(now.out, Expected(sym, end_, 8));
      for (int64_t t : grid) {
        CliRun at = Run("book l2 " + sym + " --depth 8 --format csv --at " + FormatTimestamp(t));
        ASSERT_EQ(at.exit_code, 0) << at.err;
        ASSERT_EQ(at.out, Expected(sym, t, 8)) << "at " << FormatTimestamp(t);
      }
    }
  };
  check_all();
  CliRun snap = Run("book l2 --write-snapshots --snapshot-events 50 --snapshot-every 0");
  ASSERT_EQ(snap.exit_code, 0) << snap.err;
  EXPECT_NE(snap.out.find("book snapshots of l2"), std::string::npos) << snap.out;
  check_all();

  CliRun table = Run("book l2 B0 --depth 3");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("spread"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("refused"), std::string::npos) << table.out;  // the stream has bad rows
  CliRun json = Run("book l2 B0 --depth 3 --format json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"missing_deletes\":"), std::string::npos) << json.out;

  CliRun missing = Run("book l2 NOPE");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no events for NOPE"), std::string::npos) << missing.err;
  CliRun wrong = Run("book nosuchtable B0");
  EXPECT_NE(wrong.exit_code, 0);
}

// --book-snapshots: every row of l2_book_1s holds the book after every event at or before its
// second (the columns of the levels as the reference replay gives them; empty = NULL: no level),
// one row per second with events; a second run appends nothing.
TEST_F(BookCli, BookSnapshotsAsRowsEqualReplayingEveryEventUpToEachSecond) {
  CliRun made = Run("book l2 --book-snapshots 1s --depth 2");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  ASSERT_EQ(made.out.rfind("appended ", 0), 0u) << made.out;
  std::string count = made.out.substr(9, made.out.find(" row") - 9);
  std::erase(count, ',');  // 1,234
  const size_t appended = std::stoul(count);
  EXPECT_NE(made.out.find(" to l2_book_1s (2 symbols)"), std::string::npos) << made.out;
  CliRun q = Run("query l2_book_1s --format csv");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = q.out.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(q.out.substr(at, nl - at));
  }
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0],
            "ts,symbol,bid_price_1,bid_size_1,bid_price_2,bid_size_2,ask_price_1,ask_size_1,ask_price_2,ask_size_2,"
            "mid,spread");
  ASSERT_EQ(lines.size() - 1, appended);
  ASSERT_GT(appended, 100u);
  for (size_t r = 1; r < lines.size(); ++r) {
    std::vector<std::string> f;
    for (size_t at = 0;;) {
      const size_t comma = lines[r].find(',', at);
      f.push_back(lines[r].substr(at, comma - at));
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
    ASSERT_EQ(f.size(), 12u) << lines[r];
    ASSERT_OK_AND_ASSIGN(int64_t at, ParseTimestamp(f[0]));
    EXPECT_EQ(at % 1'000'000'000, 0) << lines[r];
    // Expected() lists side,level,price,size per level: into the row's columns.
    std::string want[8];
    const std::string book = Expected(f[1], at, 2);
    for (size_t p = book.find('\n') + 1, nl; (nl = book.find('\n', p)) != std::string::npos; p = nl + 1) {
      const std::string line = book.substr(p, nl - p);
      const size_t c1 = line.find(','), c2 = line.find(',', c1 + 1), c3 = line.find(',', c2 + 1);
      const size_t slot =
          (line.substr(0, c1) == "bid" ? 0 : 4) + 2 * (std::stoul(line.substr(c1 + 1, c2 - c1 - 1)) - 1);
      want[slot] = line.substr(c2 + 1, c3 - c2 - 1);
      want[slot + 1] = line.substr(c3 + 1);
    }
    for (size_t k = 0; k < 8; ++k) ASSERT_EQ(f[2 + k], want[k]) << "column " << k << " of " << lines[r];
  }
  CliRun again = Run("book l2 --book-snapshots 1s --depth 2");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out.rfind("appended 0 rows", 0), 0u) << again.out;
  EXPECT_NE(Run("book l2 --book-snapshots 1s --depth 3").exit_code, 0);  // the table has depth 2
  EXPECT_NE(Run("book l2 --book-snapshots 100ms").exit_code, 0);
  EXPECT_NE(Run("book l2 B0 --book-snapshots 1s").exit_code, 0);
}

// strata tail and strata positions on small tables ingested from CSV.
TEST(StateCli, TailAndPositions) {
  testing::TempDir tmp, scratch;
  const std::string root = "--root " + tmp.Join("db") + " ";
  auto run = [&](const std::string& args) { return RunStrata(scratch, root + args); };
  ASSERT_EQ(run("init").exit_code, 0);
  ASSERT_EQ(run("table create fills --template fills --dedup-key fill_id").exit_code, 0);
  ASSERT_EQ(run("table create quotes --template quotes").exit_code, 0);
  testing::WriteTextFile(tmp.Join("f.csv"),
                         "ts,symbol,account,side,qty,price,fee,order_id,fill_id\n"
                         "2026-03-02T10:00:00,X,A,buy,10,100,0.5,o1,f1\n"
                         "2026-03-02T10:00:01,X,B,sell,4,101,0.5,o2,f2\n"
                         "2026-03-02T10:00:02,X,A,sell,4,103,0.5,o1,f3\n"
                         "2026-03-02T10:00:03,Y,A,buy,1,50,0,o3,f4\n");
  testing::WriteTextFile(tmp.Join("q.csv"),
                         "ts,symbol,bid,ask,bid_size,ask_size\n"
                         "2026-03-02T10:00:01,X,99,101,1,1\n"
                         "2026-03-02T10:00:05,X,104,106,1,1\n");
  ASSERT_EQ(run("ingest -q fills " + tmp.Join("f.csv")).exit_code, 0);
  ASSERT_EQ(run("flush").exit_code, 0);
  ASSERT_EQ(run("ingest -q quotes " + tmp.Join("q.csv")).exit_code, 0);

  CliRun pos = run("positions fills --marks quotes --format csv");
  ASSERT_EQ(pos.exit_code, 0) << pos.err;
  EXPECT_EQ(pos.out,
            "account,symbol,qty,avg_cost,realized_pnl,fees,fills,mark,unrealized_pnl\n"
            "A,X,6,100,12,1,2,105,30\n"
            "A,Y,1,50,0,0,1,,\n"
            "B,X,-4,101,0,0.5,1,105,-16\n");
  CliRun at = run("positions fills --account A --at 2026-03-02T10:00:01 --format csv");
  ASSERT_EQ(at.exit_code, 0) << at.err;
  EXPECT_EQ(at.out, "account,symbol,qty,avg_cost,realized_pnl,fees,fills\nA,X,10,100,0,0.5,1\n");
  EXPECT_NE(run("positions quotes").exit_code, 0);

  CliRun tail = run("tail fills X -n 2 --format csv");
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_EQ(tail.out,
            "ts,symbol,account,side,qty,price,fee,order_id,fill_id\n"
            "2026-03-02T10:00:01Z,X,B,sell,4,101,0.5,o2,f2\n"
            "2026-03-02T10:00:02Z,X,A,sell,4,103,0.5,o1,f3\n");
  CliRun all = run("tail quotes -n 1 --format csv");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "ts,symbol,bid,ask,bid_size,ask_size\n2026-03-02T10:00:05Z,X,104,106,1,1\n");
}

// `strata tail -f` in one process while other processes append (`strata ingest`) and flush (which
// deletes the WAL segments the follower reads): every appended row is printed once, in order.
// No sleeps: the test reads the follower's output until the expected lines came, with a deadline.
TEST(StateCli, TailFollowPrintsRowsOfAnotherWriterProcessAcrossRolloversAndFlushes) {
  testing::TempDir tmp, scratch;
  const std::string root = "--root " + tmp.Join("db") + " ";
  auto run = [&](const std::string& args) { return RunStrata(scratch, root + args); };
  ASSERT_EQ(run("init --wal-segment-mb 1").exit_code, 0);
  ASSERT_EQ(run("table create trades --template trades").exit_code, 0);
  ASSERT_EQ(run("table create quotes --template quotes").exit_code, 0);
  auto csv = [&](int part, int rows) {
    std::string text = "ts,symbol,price,size,trade_id,exchange\n";
    for (int i = 0; i < rows; ++i) {
      const int id = part * 1000 + i;
      text += "2026-03-02T10:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "." +
              std::to_string(100 + part) + "," + (i % 2 == 0 ? "A" : "B") + "," + std::to_string(100 + i) + ",1," +
              std::to_string(id) + ",X\n";
    }
    const std::string path = tmp.Join("t" + std::to_string(part) + ".csv");
    testing::WriteTextFile(path, text);
    return path;
  };
  ASSERT_EQ(run("ingest -q trades " + csv(0, 3)).exit_code, 0);
  const std::string header = "ts,symbol,price,size,trade_id,exchange";

  testing::StrataProcess all(root + "tail trades -f -n 1");
  testing::StrataProcess only_a(root + "tail trades A -f -n 0 --format csv");
  std::vector<std::string> seen = all.WaitForLines(3, std::chrono::seconds(20));
  // The header and the last row of each symbol; then it follows.
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], header);
  ASSERT_EQ(only_a.WaitForLines(1, std::chrono::seconds(20)), std::vector<std::string>{header});

  const int parts = testing::Sanitized() ? 3 : 6, rows = 20;
  std::vector<std::string> expect_all = seen, expect_a = {header};
  for (int part = 1; part <= parts; ++part) {
    CliRun in = run("ingest -q trades " + csv(part, rows));
    ASSERT_EQ(in.exit_code, 0) << in.err;
    // Rows of another table are not printed.
    testing::WriteTextFile(tmp.Join("q.csv"), "ts,symbol,bid,ask,bid_size,ask_size\n2026-03-02T10:00:01,A,1,2,1,1\n");
    ASSERT_EQ(run("ingest -q quotes " + tmp.Join("q.csv")).exit_code, 0);
    for (int i = 0; i < rows; ++i) {
      const int id = part * 1000 + i;
      std::string line = "2026-03-02T10:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "." +
                         std::to_string(100 + part) + "Z," + (i % 2 == 0 ? "A" : "B") + "," + std::to_string(100 + i) +
                         ",1," + std::to_string(id) + ",X";
      expect_all.push_back(line);
      if (i % 2 == 0) expect_a.push_back(line);
    }
    // The follower reads this part before the flush deletes its segment, or after: both work.
    if (part % 2 == 0) {
      ASSERT_EQ(run("flush").exit_code, 0);
    }
    if (part == 2) {
      // Wait for the part's rows (the follower then has the segment open), then flush again.
      EXPECT_EQ(all.WaitForLines(expect_all.size(), std::chrono::seconds(20)).size(), expect_all.size());
    }
  }
  EXPECT_EQ(all.WaitForLines(expect_all.size(), std::chrono::seconds(20)), expect_all);
  EXPECT_EQ(only_a.WaitForLines(expect_a.size(), std::chrono::seconds(20)), expect_a);
}

// strata orders and strata positions --orders --cash --accounts, numbers worked out by hand.
TEST(StateCli, OrdersOverFillsCashAndEquity) {
  testing::TempDir tmp, scratch;
  const std::string root = "--root " + tmp.Join("db") + " ";
  auto run = [&](const std::string& args) { return RunStrata(scratch, root + args); };
  ASSERT_EQ(run("init").exit_code, 0);
  ASSERT_EQ(run("table create fills --template fills --dedup-key fill_id").exit_code, 0);
  ASSERT_EQ(run("table create orders --template orders").exit_code, 0);
  ASSERT_EQ(run("table create cash --template cash").exit_code, 0);
  ASSERT_EQ(run("table create quotes --template quotes").exit_code, 0);
  testing::WriteTextFile(tmp.Join("f.csv"),
                         "ts,symbol,account,side,qty,price,fee,order_id,fill_id\n"
                         "2026-03-02T10:00:00,X,A,buy,10,100,0.5,o1,f1\n"
                         "2026-03-02T10:00:01,X,B,sell,4,101,0.5,o2,f2\n"
                         "2026-03-02T10:00:02,X,A,sell,4,103,0.5,o3,f3\n"
                         "2026-03-02T10:00:03,X,A,buy,5,100,0,o1,f4\n");  // o1: 10 + 5 > 12
  testing::WriteTextFile(tmp.Join("o.csv"),
                         "ts,symbol,account,order_id,side,qty,limit_price,status\n"
                         "2026-03-02T09:59:59,X,A,o1,buy,12,100,new\n"
                         "2026-03-02T10:00:00.5,X,A,o1,buy,12,100,partially_filled\n"
                         "2026-03-02T09:59:59,X,B,o2,sell,4,,new\n"
                         "2026-03-02T10:00:05,X,A,o4,sell,3,110,new\n"
                         "2026-03-02T10:00:06,X,A,o5,buy,1,90,new\n"
                         "2026-03-02T10:00:07,X,A,o5,buy,1,90,cancelled\n");
  testing::WriteTextFile(tmp.Join("c.csv"),
                         "ts,symbol,account,kind,amount\n"
                         "2026-03-02T09:00:00,USD,A,deposit,10000\n"
                         "2026-03-02T09:00:00,USD,B,deposit,500\n"
                         "2026-03-02T11:00:00,USD,A,withdrawal,1000\n");
  testing::WriteTextFile(tmp.Join("q.csv"), "ts,symbol,bid,ask,bid_size,ask_size\n2026-03-02T10:00:05,X,104,106,1,1\n");
  for (const char* t : {"fills f", "orders o", "cash c", "quotes q"}) {
    const std::string table(t, std::string_view(t).find(' ')), file(std::string(t).substr(table.size() + 1));
    CliRun in = run("ingest -q " + table + " " + tmp.Join(file + ".csv"));
    ASSERT_EQ(in.exit_code, 0) << in.err;
  }
  ASSERT_EQ(run("flush").exit_code, 0);

  CliRun pos = run("positions fills --orders orders --marks quotes --format csv");
  ASSERT_EQ(pos.exit_code, 0) << pos.err;
  EXPECT_EQ(pos.out,
            "account,symbol,qty,avg_cost,realized_pnl,fees,fills,mark,unrealized_pnl\n"
            "A,X,6,100,12,1,2,105,30\n"
            "B,X,-4,101,0,0.5,1,105,-16\n");
  EXPECT_NE(pos.err.find("1 fill(s) of fills refused: they would over-fill their order (f4)"), std::string::npos)
      << pos.err;
  // Without the orders table, f4 stands on its own.
  CliRun bare = run("positions fills --account A --format csv");
  EXPECT_EQ(bare.out,
            "account,symbol,qty,avg_cost,realized_pnl,fees,fills\n"
            "A,X,11,100,12,1,3\n");

  // Cash: A 10000 - 1000 - 1000.5 + 411.5 = 8411; B 500 + 403.5. Equity = cash + qty x mark.
  CliRun acc = run("positions fills --orders orders --cash cash --marks quotes --accounts --format csv");
  ASSERT_EQ(acc.exit_code, 0) << acc.err;
  EXPECT_EQ(acc.out,
            "account,currency,cash,deposits,withdrawals,realized_pnl,fees,unrealized_pnl,market_value,equity\n"
            "A,USD,8411,10000,1000,12,1,30,630,9041\n"
            "B,USD,903.5,500,0,0,0.5,-16,-420,483.5\n");
  // Without --orders, f4 (buy 5 at 100) applies: 10000 - 1000.5 + 411.5 - 500.
  CliRun before = run("positions fills --cash cash --accounts --at 2026-03-02T10:30:00 --account A --format csv");
  EXPECT_EQ(before.out,
            "account,currency,cash,deposits,withdrawals,realized_pnl,fees\n"
            "A,USD,8911,10000,0,12,1\n");

  CliRun orders = run("orders orders --fills fills --format csv");
  ASSERT_EQ(orders.exit_code, 0) << orders.err;
  EXPECT_EQ(orders.out,
            "order_id,account,symbol,side,qty,limit_price,status,filled,remaining,over_fills,ts\n"
            "o1,A,X,buy,12,100,partially_filled,10,2,1,2026-03-02T10:00:00.500Z\n"
            "o2,B,X,sell,4,,new,4,0,0,2026-03-02T09:59:59Z\n"
            "o4,A,X,sell,3,110,new,0,3,0,2026-03-02T10:00:05Z\n"
            "o5,A,X,buy,1,90,cancelled,0,0,0,2026-03-02T10:00:07Z\n");
  CliRun open = run("orders orders --fills fills --open --format csv");
  EXPECT_EQ(open.out,
            "order_id,account,symbol,side,qty,limit_price,status,filled,remaining,over_fills,ts\n"
            "o1,A,X,buy,12,100,partially_filled,10,2,1,2026-03-02T10:00:00.500Z\n"
            "o4,A,X,sell,3,110,new,0,3,0,2026-03-02T10:00:05Z\n");
  CliRun at = run("orders orders --open --at 2026-03-02T10:00:00 --format csv");  // no fills table
  EXPECT_EQ(at.out,
            "order_id,account,symbol,side,qty,limit_price,status,filled,remaining,over_fills,ts\n"
            "o1,A,X,buy,12,100,new,0,12,0,2026-03-02T09:59:59Z\n"
            "o2,B,X,sell,4,,new,0,4,0,2026-03-02T09:59:59Z\n");
  CliRun wrong = run("orders fills");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("has no column 'status'"), std::string::npos) << wrong.err;
}

// `strata features` and `strata windows` over a feature table split over cold, warm and hot,
// against hand-worked rows and counts.
TEST(StateCli, FeaturesAndWalkForwardWindows) {
  testing::TempDir tmp, scratch;
  const std::string root = "--root " + tmp.Join("db") + " ";
  auto run = [&](const std::string& args) { return RunStrata(scratch, root + args); };
  ASSERT_EQ(run("init").exit_code, 0);
  CliRun create = run("table create feats --schema ts:timestamp,symbol:symbol,f0:f64,f1:f64");
  ASSERT_EQ(create.exit_code, 0) << create.err;
  // A: one row a second from 10:00:00 to 10:00:09, f0 = i, f1 = i / 2. B: two rows.
  auto rows = [](int from, int to) {
    std::string csv = "ts,symbol,f0,f1\n";
    for (int i = from; i < to; ++i) {
      csv +=
          "2026-03-02T10:00:0" + std::to_string(i) + ",A," + std::to_string(i) + "," + std::to_string(i * 0.5) + "\n";
    }
    return csv;
  };
  testing::WriteTextFile(tmp.Join("p0.csv"), rows(0, 4) + "2026-03-02T10:00:01,B,100,200\n");
  testing::WriteTextFile(tmp.Join("p1.csv"), rows(4, 7) + "2026-03-02T10:00:05,B,101,201\n");
  testing::WriteTextFile(tmp.Join("p2.csv"), rows(7, 10));
  ASSERT_EQ(run("ingest -q feats " + tmp.Join("p0.csv")).exit_code, 0);
  ASSERT_EQ(run("flush").exit_code, 0);
  ASSERT_EQ(run("migrate -q --all").exit_code, 0);  // cold
  ASSERT_EQ(run("ingest -q feats " + tmp.Join("p1.csv")).exit_code, 0);
  ASSERT_EQ(run("flush").exit_code, 0);                                  // warm
  ASSERT_EQ(run("ingest -q feats " + tmp.Join("p2.csv")).exit_code, 0);  // hot

  CliRun latest = run("features feats A --format csv");
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(latest.out, "ts,symbol,f0,f1\n2026-03-02T10:00:09Z,A,9,4.5\n");
  CliRun last6 = run("features feats A --window 6 --format csv");
  ASSERT_EQ(last6.exit_code, 0) << last6.err;
  EXPECT_EQ(last6.out,
            "ts,symbol,f0,f1\n"
            "2026-03-02T10:00:04Z,A,4,2\n"
            "2026-03-02T10:00:05Z,A,5,2.5\n"
            "2026-03-02T10:00:06Z,A,6,3\n"
            "2026-03-02T10:00:07Z,A,7,3.5\n"
            "2026-03-02T10:00:08Z,A,8,4\n"
            "2026-03-02T10:00:09Z,A,9,4.5\n");
  // (10:00:09 - 3s, 10:00:09]: 10:00:06 is out.
  CliRun last3s = run("features feats A --window 3s --format csv");
  ASSERT_EQ(last3s.exit_code, 0) << last3s.err;
  EXPECT_EQ(last3s.out,
            "ts,symbol,f0,f1\n"
            "2026-03-02T10:00:07Z,A,7,3.5\n"
            "2026-03-02T10:00:08Z,A,8,4\n"
            "2026-03-02T10:00:09Z,A,9,4.5\n");
  CliRun b = run("features feats B --window 1d --format csv");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(b.out, "ts,symbol,f0,f1\n2026-03-02T10:00:01Z,B,100,200\n2026-03-02T10:00:05Z,B,101,201\n");
  CliRun none = run("features feats C");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("C"), std::string::npos) << none.err;
  EXPECT_NE(run("features feats A --window 0").exit_code, 0);
  CliRun huge = run("features feats A --window 99999999999999999999999");  // out of range: an error, not a crash
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_NE(huge.err.find("--window must be a row count"), std::string::npos) << huge.err;
  EXPECT_NE(run("features feats A --window -5s").exit_code, 0);

  // Fold 0: train [:00, :04) = A 0-3 + B@:01, test [:04, :06) = A 4, 5 + B@:05.
  // Fold 1: train [:03, :07) = A 3-6 + B@:05, test [:07, :09) = A 7, 8. Fold 2 would test past --to.
  CliRun folds =
      run("windows feats --from 2026-03-02T10:00:00 --to 2026-03-02T10:00:10 --train 4s --test 2s --step 3s --count "
          "--format csv");
  ASSERT_EQ(folds.exit_code, 0) << folds.err;
  EXPECT_EQ(folds.out,
            "fold,train_from,train_to,test_from,test_to,train_rows,test_rows\n"
            "0,2026-03-02T10:00:00Z,2026-03-02T10:00:04Z,2026-03-02T10:00:04Z,2026-03-02T10:00:06Z,5,3\n"
            "1,2026-03-02T10:00:03Z,2026-03-02T10:00:07Z,2026-03-02T10:00:07Z,2026-03-02T10:00:09Z,5,2\n");
  CliRun nofit = run("windows feats --from 2026-03-02 --to 2026-03-03 --train 1d --test 1h --step 1h --format csv");
  ASSERT_EQ(nofit.exit_code, 0) << nofit.err;
  EXPECT_EQ(nofit.out, "fold,train_from,train_to,test_from,test_to\n");
  EXPECT_NE(nofit.err.find("no fold fits"), std::string::npos) << nofit.err;
  EXPECT_NE(run("windows feats --from 2026-03-02 --to 2026-03-03 --train 0s --test 1h --step 1h").exit_code, 0);
  EXPECT_NE(run("windows feats --from 2026-03-03 --to 2026-03-02 --train 1h --test 1h --step 1h").exit_code, 0);
  EXPECT_NE(run("windows nosuch --from 2026-03-02 --to 2026-03-03 --train 1h --test 1h --step 1h").exit_code, 0);
}

}  // namespace STRATA_UNITY_ID
}  // namespace strata
