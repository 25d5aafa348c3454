// Live trading state derived from event tables (src/state/README.md).
//
// State is a materialised view over an event table: every appended event row (from any writer of
// the process, through Database::AddAppendListener) is applied to an in-memory object for its
// symbol. Snapshots of that state are written now and then as Parquet under
// <root>/state/<table>/ and recorded in the catalog, so that rebuilding the state after a restart,
// or as it was at any past time T, costs the latest snapshot plus the events after it.
//
// Order books: a `book` table (Schema::Template("book"): ts, symbol, side bid|ask, price f64,
// size f64, action add|update|delete|clear) builds one L2 book per symbol.
//
//   auto books = LiveBooks::Attach(db.get(), "l2", {}).value();
//   appender->Append(updates);            // applied before Append returns
//   BookView v = books->Book("BTC-USD", 10).value();
//   BookView then = BookAt(db.get(), "l2", "BTC-USD", t, 10).value();   // any tier
//   auto reader = BookReader::Open(db.get(), "l2").value();              // many times: one open
//   for (int64_t t : times) use(reader->At("BTC-USD", t, 10).value());
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/database.h"
#include "strata/status.h"

namespace strata {

struct BookLevel {
  double price = 0;
  double size = 0;
  bool operator==(const BookLevel&) const = default;
};

// What a book saw besides its levels. None of these change a level.
struct BookCounters {
  uint64_t events = 0;           // updates applied (refused ones not included)
  uint64_t crossed = 0;          // updates after which the best bid was above the best ask
  uint64_t locked = 0;           // ... equal to the best ask
  uint64_t missing_deletes = 0;  // deletes (or size-0 updates) of a level that was not there
  uint64_t refused = 0;          // unknown side or action, price not finite, size negative or not finite
  uint64_t late = 0;             // events older than the symbol's newest (applied live in arrival order)
  bool operator==(const BookCounters&) const = default;
};

// One symbol's book as a reader sees it: the best `depth` levels per side, best first.
struct BookView {
  std::string symbol;
  int64_t ts = 0;  // the newest event applied (0: none)
  std::vector<BookLevel> bids, asks;
  BookCounters counters;
  std::optional<double> spread() const;
  std::optional<double> mid() const;
  // (bid size - ask size) / (bid size + ask size) over the levels held; 0 when empty.
  double imbalance() const;
  bool crossed() const { return !bids.empty() && !asks.empty() && bids[0].price > asks[0].price; }
};

struct BookOptions {
  // Where snapshot files are written and read: the file system the database was opened with
  // (Options::fs); nullptr = the default.
  FileSystem* fs = nullptr;
  // Per symbol: a snapshot once this many events were applied since the last one (0 = never by
  // count), or once the events' time moved this far past the last one (0 = never by time).
  // Snapshots are taken between timestamps: the state after every event at or before a ts.
  uint64_t snapshot_every_events = 100'000;
  int64_t snapshot_every_ns = 60'000'000'000;
  // Receives errors of the background snapshot writer (a snapshot that could not be written is
  // skipped; the next one is tried as usual). Default: stderr.
  std::function<void(std::string_view)> on_warning;
};

struct LiveBooksStats {
  uint64_t symbols = 0;
  uint64_t events_applied = 0;     // since Attach, live
  uint64_t events_replayed = 0;    // at Attach: events after the snapshots
  uint64_t snapshots_loaded = 0;   // at Attach
  uint64_t snapshots_written = 0;  // since Attach
  uint64_t snapshot_failures = 0;
};

// The live books of one book table in a writing process.
class LiveBooks {
 public:
  // Rebuilds every symbol's book from its latest snapshot and the events after it (appends wait
  // meanwhile), then follows every append to the table. InvalidArgument when the table lacks the
  // book columns or the database is read-only.
  static Result<std::shared_ptr<LiveBooks>> Attach(Database* db, std::string_view table, const BookOptions& options);
  virtual ~LiveBooks() = default;

  // The book of `symbol` now (NotFound when it never had an event). Safe from any thread, beside
  // appends: a reader never sees half an event.
  virtual Result<BookView> Book(std::string_view symbol, size_t depth) const = 0;
  virtual std::vector<std::string> Symbols() const = 0;
  virtual LiveBooksStats stats() const = 0;
  // Writes the snapshots that are due now and waits until every queued one is written (tests,
  // a clean shutdown). Returns the first error since the last call.
  virtual Status WaitForSnapshots() = 0;
  // Stops following appends and finishes the queued snapshots. Call before closing the database.
  virtual Status Detach() = 0;
};

// The book of `symbol` in `table` as it was after every event with ts <= at_ts, from the latest
// snapshot at or before at_ts plus the events after it, whichever tiers hold them.
Result<BookView> BookAt(Database* db, std::string_view table, std::string_view symbol, int64_t at_ts, size_t depth,
                        FileSystem* fs = nullptr);

// BookAt for many (symbol, time) pairs of one table: what BookAt opens on every call (the table's
// columns, a connection to the snapshot catalog, about a third of a call's CPU) is opened once.
// Not thread-safe: one reader per thread.
class BookReader {
 public:
  static Result<std::unique_ptr<BookReader>> Open(Database* db, std::string_view table, FileSystem* fs = nullptr);
  virtual ~BookReader() = default;
  virtual Result<BookView> At(std::string_view symbol, int64_t at_ts, size_t depth) = 0;
};

// Writes the snapshots a LiveBooks with `options` would have written for the events already in
// `table` after each symbol's latest snapshot (for history appended or ingested without a
// LiveBooks attached), so that BookAt over that history is cheap. Returns how many were written.
Result<uint64_t> WriteBookSnapshots(Database* db, std::string_view table, const BookOptions& options);

// Book samples ("book snapshots every X as rows", `strata book TABLE --book-snapshots 1s`): the
// derived table <table>_book_<interval> (BookSamplesTableName) with columns ts, symbol,
// bid_price_1, bid_size_1, ... bid_price_<depth>, bid_size_<depth>, the same for ask, mid and
// spread (NULL where a side has fewer levels). One row per symbol and boundary S (a multiple of
// interval_ns since the epoch) that had events in (S - interval, S]: the book after every event
// with ts <= S, exactly BookAt(S). A boundary without events gets no row: the book did not change,
// so an as-of join at any t still finds the book then in the row of the latest boundary <= t.
// A boundary is written once the symbol has an event at or after it, so a later run never has to
// revise it (only late events, older than the newest, would). Incremental: a symbol continues
// after its latest row (BookAt from the snapshots, then the events after it). Creates the table
// (InvalidArgument when it exists with another depth); appends go through the WAL like any rows.
struct BookSamplesResult {
  std::string table;  // the derived table
  uint64_t symbols = 0;
  uint64_t rows = 0;  // appended by this call
};
std::string BookSamplesTableName(std::string_view table, int64_t interval_ns);  // "l2_book_1s"
Schema BookSamplesSchema(size_t depth);
Result<BookSamplesResult> WriteBookSamples(Database* db, std::string_view table, int64_t interval_ns, size_t depth,
                                           FileSystem* fs = nullptr);

// The last `n` rows of `symbol` in `table` (any table), oldest first: the same rows as the last n
// of a full scan of the series, whichever tiers hold them. Reads back from the newest row in
// windows of event time that grow 8x until they hold n rows (or the whole series), so the cost
// follows n, not the length of the day. NotFound when the symbol has no rows.
Result<RecordBatch> Tail(Database* db, std::string_view table, std::string_view symbol, size_t n);

// Following a table: `strata tail -f`.
struct FollowOptions {
  std::string symbol;        // only this symbol's rows (empty: every symbol)
  size_t last = 0;           // first deliver the last `last` rows of each symbol (Tail)
  FileSystem* fs = nullptr;  // the file system the database was opened with (nullptr: the default)
  int poll_ms = 20;          // read-only opens: how often the WAL is looked at
  // Checked between deliveries (and at least every poll_ms): true ends Follow with OK.
  std::function<bool()> stop;
  // Rows an in-process follower may hold that `fn` has not taken yet; beyond, Follow fails
  // with Aborted rather than hold up the writer or grow without bound.
  size_t max_queued_rows = 1'000'000;
  // Told when rows could not be followed (read-only: a WAL segment deleted before it was read).
  std::function<void(std::string_view)> on_warning;
};

// Calls fn with the rows of `table` as appends are acknowledged, in LSN order, until
// options.stop() or fn returns an error. First, with options.last > 0, the last rows of each
// symbol (oldest first). A writer `db` follows through an append listener (every writer path of
// this process); a read-only `db` (another process writes) follows the writer's WAL segments
// from the LSN the open saw, across rollovers and flushes (src/wal/wal_follower.h), so every row
// acknowledged after the open is delivered once, also rows already flushed to warm files.
Status Follow(Database* db, std::string_view table, const FollowOptions& options,
              const std::function<Status(const RecordBatch&)>& fn);

// Positions from a fills table (template `fills`: ts, symbol, account, side buy|sell, qty, price,
// fee, order_id, fill_id; create it with --dedup-key fill_id), per account and symbol, by the
// average-cost method (src/state/README.md).
struct Position {
  std::string account, symbol;
  double qty = 0;           // signed: long > 0, short < 0
  double avg_cost = 0;      // average price of the open quantity (0 when flat)
  double realized_pnl = 0;  // fees not included
  double fees = 0;
  uint64_t fills = 0;
  // Cash the fills moved: + qty x price for sells, - for buys, - fees.
  double cash_flow = 0;
  std::optional<double> mark;  // with a marks table: its latest price at the time
  std::optional<double> unrealized_pnl() const {
    if (!mark) return std::nullopt;
    return qty * (*mark - avg_cost);
  }
};

struct PositionsRequest {
  std::string table;    // the fills table (empty: none; orders_table alone lists orders with nothing filled)
  std::string account;  // empty = every account
  int64_t at_ts = std::numeric_limits<int64_t>::max();  // after every fill at or before this
  // A table of marks: its latest row at or before at_ts per symbol gives the mark: the mid of
  // bid/ask columns (quotes), else the price column (trades). Empty: no marks.
  std::string marks_table;
  // An orders table (template `orders`). Its orders are tracked (status, filled and remaining
  // quantity), and a fill of a known order that would take the order's filled quantity past its
  // quantity is an over-fill: REFUSED (not applied to positions or cash), counted and listed.
  // Fills of orders not in the table stand on their own. Empty: no orders.
  std::string orders_table;
  // A cash table (template `cash`: ts, symbol = currency, account, kind deposit|withdrawal,
  // amount > 0): cash and equity per account. Empty: cash is the fills' cash flow alone.
  std::string cash_table;
};

// One order (PositionsRequest::orders_table), after its events and fills up to the time.
struct Order {
  std::string order_id, account, symbol;
  std::string side;  // "buy" or "sell"
  double qty = 0;
  std::optional<double> limit_price;
  std::string status;  // new|partially_filled|filled|cancelled|rejected: its latest event
  double filled = 0;   // by the fills applied
  int64_t ts = 0;      // its latest event
  uint64_t over_fills = 0;
  bool open() const { return (status == "new" || status == "partially_filled") && remaining() > 0; }
  double remaining() const { return qty > filled ? qty - filled : 0; }
};

// Cash and equity of one account.
struct AccountCash {
  std::string account;
  std::string currency;  // the cash table's symbol ("" without deposits)
  double deposits = 0, withdrawals = 0;
  double cash = 0;  // deposits - withdrawals + the cash flow of every fill (fees included)
  double realized_pnl = 0, fees = 0;
  // With marks: the open positions valued at their marks, and cash + that. nullopt when a
  // position has no mark.
  std::optional<double> market_value, equity, unrealized_pnl;
};

struct PositionsResult {
  std::vector<Position> positions;         // by account, then symbol
  uint64_t fills = 0;                      // applied
  uint64_t refused = 0;                    // bad fills (unknown side, qty <= 0, price or fee not finite)
  uint64_t over_fills = 0;                 // fills refused because they over-filled a known order
  std::vector<std::string> over_fill_ids;  // their fill_id (the first 100)
  std::vector<Order> orders;               // with orders_table: by order_id
  uint64_t orders_refused = 0;             // order events with an unknown side or status, qty <= 0
  std::vector<AccountCash> accounts;       // every account with a fill or a cash event
  uint64_t cash_refused = 0;               // cash events with an unknown kind or amount <= 0
};

// Replays the fills up to at_ts (every tier): exact at any T.
Result<PositionsResult> PositionsAt(Database* db, const PositionsRequest& request);

// Live positions of a fills table in a writing process (src/state/README.md): every append to the
// fills, orders and cash tables is applied as it is acknowledged (the same code PositionsAt
// replays with), and per symbol a snapshot of its positions and orders is written now and then
// (kind "positions", under <root>/state/<fills table>/), so Attach after a restart or a crash
// costs the snapshots plus the events after them.
struct LivePositionsOptions {
  std::string orders_table;  // optional (over-fill checks, open orders)
  std::string cash_table;    // optional (cash per account; replayed whole at Attach, not snapshotted)
  FileSystem* fs = nullptr;
  uint64_t snapshot_every_events = 100'000;          // per symbol (0 = never by count)
  int64_t snapshot_every_ns = 60'000'000'000;        // per symbol, event time (0 = never by time)
  std::function<void(std::string_view)> on_warning;  // snapshot writer errors; default stderr
};

class LivePositions {
 public:
  static Result<std::shared_ptr<LivePositions>> Attach(Database* db, std::string_view fills_table,
                                                       const LivePositionsOptions& options);
  virtual ~LivePositions() = default;
  // The state now (positions, orders, accounts; no marks), of `account` or of all; the counters
  // (fills, refused, over_fills, ...) are of every account.
  // Safe from any thread beside appends: never half an event.
  virtual PositionsResult Positions(std::string_view account = "") const = 0;
  virtual LiveBooksStats stats() const = 0;
  virtual Status WaitForSnapshots() = 0;
  virtual Status Detach() = 0;
};

// The last `n` rows of `symbol` with ts <= at_ts (Tail, at a past time).
Result<RecordBatch> TailAt(Database* db, std::string_view table, std::string_view symbol, size_t n, int64_t at_ts);

// Feature windows: a table of feature vectors (ts, symbol and any number of f64 columns; any
// table works, every column is returned). The latest row of `symbol` (Database::Latest: O(1), no
// scan). NotFound when it has none.
Result<RecordBatch> LatestFeatures(Database* db, std::string_view table, std::string_view symbol);
// The window of `symbol` ending at its latest row, oldest first, as one batch (each column one
// contiguous vector): with last_n > 0 the last last_n rows (Tail), else with duration_ns > 0 the
// rows with ts in (latest - duration_ns, latest]. Only the window is read, never the day.
Result<RecordBatch> FeatureWindow(Database* db, std::string_view table, std::string_view symbol, size_t last_n,
                                  int64_t duration_ns);

// Walk-forward folds over [from, to): fold k trains on [from + k*step, + train) and tests on the
// test_ns after it; folds whose test range would pass `to` are not made. Each range is one scan
// (FoldScan). InvalidArgument for non-positive lengths, from >= to, or more than 1,000,000 folds.
// No fold fits (train + test longer than the range): an empty list.
struct Fold {
  int index = 0;
  int64_t train_from = 0, train_to = 0;  // [from, to)
  int64_t test_from = 0, test_to = 0;    // [from, to); test_from == train_to
};
Result<std::vector<Fold>> WalkForwardFolds(int64_t from, int64_t to, int64_t train_ns, int64_t test_ns,
                                           int64_t step_ns);
// The scan of a fold's train (or test) range of `table`.
ScanRequest FoldScan(std::string_view table, const Fold& fold, bool train);

}  // namespace strata
