// LivePositions: equal to a full replay (PositionsAt) live, after a restart from snapshots, and
// after kill -9 of the writing process at random moments (the crash harness of tests/crash_test.cc).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <set>

#include "strata/state.h"
#include "testutil/testutil.h"

namespace strata {
namespace {

constexpr int64_t kT0 = 1'780'000'000'000'000'000;
constexpr int kFillsPerBatch = 12;

// Batch `id` of fills: ts increasing with id, fill_id "f<id>-<i>", every third fill of a known order.
RecordBatch FillBatch(int64_t id) {
  RecordBatch b(*Schema::Template("fills"));
  std::mt19937_64 rng(static_cast<uint64_t>(id) * 7919 + 1);
  for (int i = 0; i < kFillsPerBatch; ++i) {
    const int sym = static_cast<int>(rng() % 3);
    b.column(0).AppendInt64(kT0 + id * 1'000'000 + i);
    b.column(1).AppendString("S" + std::to_string(sym));
    b.column(2).AppendString("A" + std::to_string(rng() % 2));
    b.column(3).AppendString(rng() % 2 ? "buy" : "sell");
    b.column(4).AppendDouble(static_cast<double>(1 + rng() % 9));
    b.column(5).AppendDouble(90 + static_cast<double>(rng() % 2000) / 100);
    b.column(6).AppendDouble(0.125);
    b.column(7).AppendString(i % 3 == 0 ? "o" + std::to_string(sym) + "-" + std::to_string(rng() % 4) : "none");
    b.column(8).AppendString("f" + std::to_string(id) + "-" + std::to_string(i));
  }
  return b;
}

// Orders o<sym>-<k> of symbol S<sym>, known from the start; small enough that fills over-fill them.
RecordBatch Orders() {
  RecordBatch b(*Schema::Template("orders"));
  for (int sym = 0; sym < 3; ++sym) {
    for (int k = 0; k < 4; ++k) {
      b.column(0).AppendInt64(kT0 - 1000);
      b.column(1).AppendString("S" + std::to_string(sym));
      b.column(2).AppendString("A0");
      b.column(3).AppendString("o" + std::to_string(sym) + "-" + std::to_string(k));
      b.column(4).AppendString("buy");
      b.column(5).AppendDouble(5 + k * 5);
      b.column(6).AppendNull();
      b.column(7).AppendString("new");
    }
  }
  return b;
}

RecordBatch Cash(int64_t ts, const char* account, const char* kind, double amount) {
  RecordBatch b(*Schema::Template("cash"));
  b.column(0).AppendInt64(ts);
  b.column(1).AppendString("USD");
  b.column(2).AppendString(account);
  b.column(3).AppendString(kind);
  b.column(4).AppendDouble(amount);
  return b;
}

// `counters`: also the fill counters (LivePositions counts them for every account).
void ExpectSame(const PositionsResult& live, const PositionsResult& replay, const std::string& where,
                bool counters = true) {
  if (counters) {
    EXPECT_EQ(live.fills, replay.fills) << where;
    EXPECT_EQ(live.refused, replay.refused) << where;
    EXPECT_EQ(live.over_fills, replay.over_fills) << where;
  }
  ASSERT_EQ(live.positions.size(), replay.positions.size()) << where;
  for (size_t i = 0; i < live.positions.size(); ++i) {
    const Position &a = live.positions[i], &b = replay.positions[i];
    const std::string at = where + " " + a.account + "/" + a.symbol;
    EXPECT_EQ(a.account, b.account) << at;
    EXPECT_EQ(a.symbol, b.symbol) << at;
    EXPECT_EQ(a.qty, b.qty) << at;
    EXPECT_EQ(a.avg_cost, b.avg_cost) << at;
    EXPECT_EQ(a.realized_pnl, b.realized_pnl) << at;
    EXPECT_EQ(a.fees, b.fees) << at;
    EXPECT_EQ(a.cash_flow, b.cash_flow) << at;
    EXPECT_EQ(a.fills, b.fills) << at;
  }
  ASSERT_EQ(live.orders.size(), replay.orders.size()) << where;
  for (size_t i = 0; i < live.orders.size(); ++i) {
    EXPECT_EQ(live.orders[i].order_id, replay.orders[i].order_id) << where;
    EXPECT_EQ(live.orders[i].filled, replay.orders[i].filled) << where << " " << live.orders[i].order_id;
    EXPECT_EQ(live.orders[i].over_fills, replay.orders[i].over_fills) << where << " " << live.orders[i].order_id;
    EXPECT_EQ(live.orders[i].status, replay.orders[i].status) << where;
  }
  ASSERT_EQ(live.accounts.size(), replay.accounts.size()) << where;
  for (size_t i = 0; i < live.accounts.size(); ++i) {
    EXPECT_EQ(live.accounts[i].account, replay.accounts[i].account) << where;
    EXPECT_DOUBLE_EQ(live.accounts[i].cash, replay.accounts[i].cash) << where << " " << live.accounts[i].account;
    EXPECT_DOUBLE_EQ(live.accounts[i].realized_pnl, replay.accounts[i].realized_pnl) << where;
  }
}

PositionsResult Replay(Database* db) {
  PositionsRequest req;
  req.table = "fills";
  req.orders_table = "orders";
  req.cash_table = "cash";
  auto r = PositionsAt(db, req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : PositionsResult{};
}

LivePositionsOptions LiveOptions() {
  LivePositionsOptions o;
  o.orders_table = "orders";
  o.cash_table = "cash";
  o.snapshot_every_events = 15;
  o.snapshot_every_ns = 0;
  return o;
}

Status CreateTables(Database* db) {
  RETURN_IF_ERROR(db->CreateTable({"fills", *Schema::Template("fills"), "fill_id"}));
  RETURN_IF_ERROR(db->CreateTable({"orders", *Schema::Template("orders")}));
  RETURN_IF_ERROR(db->CreateTable({"cash", *Schema::Template("cash")}));
  RETURN_IF_ERROR(db->Append("orders", Orders()));
  return db->Append("cash", Cash(kT0 - 1, "A0", "deposit", 1e6));
}

TEST(LivePositions, EqualsAReplayLiveAndAfterARestartFromSnapshots) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "none"}));
  const int batches = testing::Sanitized() ? 10 : 30;
  uint64_t written = 0;
  {
    Options o;
    o.background_flush = false;
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
    ASSERT_OK(CreateTables(db.get()));
    ASSERT_OK_AND_ASSIGN(auto live, LivePositions::Attach(db.get(), "fills", LiveOptions()));
    for (int64_t id = 0; id < batches; ++id) {
      ASSERT_OK(db->Append("fills", FillBatch(id)));
      if (id == batches / 2) {
        ASSERT_OK(db->Flush().status());
        ASSERT_OK(db->Append("cash", Cash(kT0 + id * 1'000'000, "A1", "deposit", 500)));
        ASSERT_OK(db->Append("cash", Cash(kT0 + id * 1'000'000, "A0", "withdrawal", 250)));
      }
      ExpectSame(live->Positions(), Replay(db.get()), "live after batch " + std::to_string(id));
    }
    const PositionsResult now = live->Positions();
    EXPECT_GT(now.over_fills, 0u);
    ExpectSame(
        live->Positions("A1"),
        [&] {
          PositionsRequest req{"fills", "A1"};
          req.orders_table = "orders";
          req.cash_table = "cash";
          return *PositionsAt(db.get(), req);
        }(),
        "account A1", /*counters=*/false);
    ASSERT_OK(live->WaitForSnapshots());
    written = live->stats().snapshots_written;
    EXPECT_GT(written, 0u);
    ASSERT_OK(live->Detach());
  }
  Options o;
  o.background_flush = false;
  ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
  ASSERT_OK_AND_ASSIGN(auto live, LivePositions::Attach(db.get(), "fills", LiveOptions()));
  ExpectSame(live->Positions(), Replay(db.get()), "after restart");
  const LiveBooksStats s = live->stats();
  EXPECT_EQ(s.snapshots_loaded, 3u);                                              // one per symbol
  EXPECT_LT(s.events_replayed, static_cast<uint64_t>(batches) * kFillsPerBatch);  // not from the start
  ASSERT_OK(db->Append("fills", FillBatch(batches)));
  ExpectSame(live->Positions(), Replay(db.get()), "after restart + 1");
  ASSERT_OK(live->Detach());
}

[[noreturn]] void ChildAppendFills(const std::string& root, int64_t first_id, int fd) {
  Options o;
  o.fsync = "always";
  o.on_warning = [](std::string_view) {};
  auto db = Database::Open(root, o);
  if (!db.ok()) _exit(3);
  auto live = LivePositions::Attach(db->get(), "fills", LiveOptions());
  if (!live.ok()) _exit(4);
  for (int64_t id = first_id;; ++id) {
    if (!(*db)->Append("fills", FillBatch(id)).ok()) _exit(5);
    const std::string line = std::to_string(id) + "\n";
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
  }
}

// kill -9 of the writer at random moments: reopening and attaching gives exactly the state a full
// replay of what is in the tables gives, and every acknowledged fill is in it.
TEST(LivePositions, ExactAfterKillNineOfTheWriter) {
  testing::TempDir dir;
  const std::string root = dir.Join("db");
  ASSERT_OK(Database::Init(root, {.fsync = "always", .wal_segment_bytes = 64 << 10}));
  {
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, {}));
    ASSERT_OK(CreateTables(db.get()));
    ASSERT_OK(db->Close());
  }
  std::mt19937 rng(2026);
  std::set<int64_t> acked;
  int64_t next_id = 0;
  uint64_t loaded = 0;  // snapshots the reopened states started from
  const int rounds = testing::Sanitized() ? 3 : 6;
  for (int round = 0; round < rounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      ChildAppendFills(root, next_id, fds[1]);
    }
    ::close(fds[1]);
    const int kill_after = 1 + static_cast<int>(rng() % 25);
    int acks = 0;
    bool killed = false;
    std::string pending;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      pending.append(buf, static_cast<size_t>(n));
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
        acked.insert(std::stoll(pending.substr(0, nl)));
        pending.erase(0, nl + 1);
        ++acks;
      }
      if (!killed && acks >= kill_after) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    next_id += 10'000;

    Options o;
    o.on_warning = [](std::string_view) {};
    o.background_flush = false;
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open(root, o));
    ASSERT_OK_AND_ASSIGN(auto live, LivePositions::Attach(db.get(), "fills", LiveOptions()));
    const PositionsResult replay = Replay(db.get());
    ExpectSame(live->Positions(), replay, "round " + std::to_string(round));
    loaded += live->stats().snapshots_loaded;
    // Every acknowledged fill is there (applied, refused as an over-fill, or bad: counted).
    ScanRequest req;
    req.table = "fills";
    ASSERT_OK_AND_ASSIGN(auto rows, db->Scan(req));
    std::set<std::string> ids;
    for (const RecordBatch& b : rows) {
      for (size_t i = 0; i < b.num_rows(); ++i) ids.emplace(b.column(8).GetString(i));
    }
    for (int64_t id : acked) {
      for (int i = 0; i < kFillsPerBatch; ++i) {
        ASSERT_TRUE(ids.count("f" + std::to_string(id) + "-" + std::to_string(i)))
            << "round " << round << ": acknowledged fill of batch " << id << " is lost";
      }
    }
    EXPECT_EQ(replay.fills + replay.over_fills + replay.refused, ids.size());
    if (round % 2 == 1) ASSERT_OK(db->Flush().status());
    ASSERT_OK(live->Detach());
    ASSERT_OK(db->Close());
  }
  EXPECT_GE(acked.size(), static_cast<size_t>(rounds));
  EXPECT_GT(loaded, 0u);
}

}  // namespace
}  // namespace strata
