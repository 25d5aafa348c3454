// LivePositions (strata/state.h): positions, orders and cash kept up to date by an append listener,
// with per-symbol snapshots (kind "positions") like the books'.
//
// Per symbol of the fills table a SymbolState holds that symbol's positions (every account) and
// orders, fed with the symbol's fills and order events; it keeps the snapshot schedule the way
// BookBuilder does (taken between timestamps: the state after every event with ts <= the
// snapshot's ts). Rebuilding a symbol reads its latest snapshot and applies its order events and
// fills after it merged by ts (order events first at a tie: PositionsAt's order), through the
// same SymbolState code. Cash events are few: replayed whole at Attach, not snapshotted.
#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "state/positions.h"
#include "state/snapshot_store.h"
#include "state/snapshot_writer.h"
#include "strata/state.h"

namespace strata::state {
namespace {

constexpr char kPositionsKind[] = "positions";

// Snapshot rows: one per position (kind "position") and per order (kind "order") of the symbol.
Schema PositionsSnapshotSchema() {
  return *Schema::Parse(
      "ts:timestamp,symbol:symbol,row_kind:string,account:string,order_id:string?,side:string?,status:string?,"
      "qty:f64,avg_cost:f64,realized_pnl:f64,fees:f64,cash_flow:f64,fills:i64,limit_price:f64?,filled:f64,"
      "over_fills:i64,event_ts:i64");
}

struct PositionsCapture {
  std::string symbol;
  int64_t ts = 0;
  RecordBatch rows;
  std::string meta_json;
  uint64_t events = 0;
};

class SymbolState {
 public:
  SymbolState(std::string symbol, const LivePositionsOptions* schedule)
      : symbol_(std::move(symbol)), schedule_(schedule) {}

  bool ApplyFill(const RecordBatch& b, size_t row, const FillColumns& cols, PositionsCapture* capture) {
    const bool captured = Advance(b.column(static_cast<size_t>(cols.ts)).int64s()[row], capture);
    book_.ApplyRow(b, row, cols, &orders_);
    return Counted(captured);
  }
  bool ApplyOrder(const RecordBatch& b, size_t row, const OrderColumns& cols, PositionsCapture* capture) {
    const bool captured = Advance(b.column(static_cast<size_t>(cols.ts)).int64s()[row], capture);
    orders_.ApplyRow(b, row, cols);
    return Counted(captured);
  }

  Status Load(const SnapshotRecord& rec, const RecordBatch& rows) {
    const Schema schema = PositionsSnapshotSchema();
    if (rows.num_columns() != schema.num_fields()) {
      return Status::Corruption("state snapshot " + rec.uri + " has " + std::to_string(rows.num_columns()) +
                                " columns, a positions snapshot has " + std::to_string(schema.num_fields()));
    }
    for (size_t i = 0; i < rows.num_rows(); ++i) {
      auto str = [&](size_t c) {
        return rows.column(c).IsNull(i) ? std::string() : std::string(rows.column(c).GetString(i));
      };
      auto f64 = [&](size_t c) { return rows.column(c).doubles()[i]; };
      auto i64 = [&](size_t c) { return rows.column(c).int64s()[i]; };
      if (str(2) == "position") {
        Position p;
        p.account = str(3);
        p.symbol = symbol_;
        p.qty = f64(7);
        p.avg_cost = f64(8);
        p.realized_pnl = f64(9);
        p.fees = f64(10);
        p.cash_flow = f64(11);
        p.fills = static_cast<uint64_t>(i64(12));
        book_.Load(p);
      } else {
        Order o;
        o.order_id = str(4);
        o.account = str(3);
        o.symbol = symbol_;
        o.side = str(5);
        o.status = str(6);
        o.qty = f64(7);
        if (!rows.column(13).IsNull(i)) o.limit_price = f64(13);
        o.filled = f64(14);
        o.over_fills = static_cast<uint64_t>(i64(15));
        o.ts = i64(16);
        orders_.Load(o);
      }
    }
    auto meta = nlohmann::json::parse(rec.meta_json, nullptr, false);
    if (meta.is_discarded() || !meta.is_object()) {
      return Status::Corruption("state snapshot " + rec.uri + ": its meta_json is not a JSON object");
    }
    book_.SetCounters(meta.value("fills", uint64_t{0}), meta.value("refused", uint64_t{0}),
                      meta.value("over_fills", uint64_t{0}));
    orders_.set_refused(meta.value("orders_refused", uint64_t{0}));
    last_ts_ = snap_ts_ = rec.ts;
    any_ = true;
    events_ = rec.events;
    return Status::OK();
  }

  const PositionBook& book() const { return book_; }
  const OrderTracker& orders() const { return orders_; }
  uint64_t late() const { return late_; }

 private:
  bool Advance(int64_t ts, PositionsCapture* capture) {
    bool captured = false;
    if (any_ && ts < last_ts_) {
      ++late_;  // applied where it arrives; a rebuild orders by ts
    } else if (any_ && ts > last_ts_ && due_) {
      Capture(capture);
      captured = true;
      due_ = false;
      snap_ts_ = last_ts_;
      since_snap_ = 0;
    }
    if (!any_) {
      snap_ts_ = last_ts_ = ts;
      any_ = true;
    }
    last_ts_ = std::max(last_ts_, ts);
    return captured;
  }
  bool Counted(bool captured) {
    ++since_snap_;
    ++events_;
    if (schedule_ != nullptr &&
        ((schedule_->snapshot_every_events > 0 && since_snap_ >= schedule_->snapshot_every_events) ||
         (schedule_->snapshot_every_ns > 0 && last_ts_ - snap_ts_ >= schedule_->snapshot_every_ns))) {
      due_ = true;
    }
    return captured;
  }

  void Capture(PositionsCapture* out) const {
    out->symbol = symbol_;
    out->ts = last_ts_;
    out->events = events_;
    RecordBatch rows(PositionsSnapshotSchema());
    auto common = [&](const char* kind, const std::string& account) {
      rows.column(0).AppendInt64(last_ts_);
      rows.column(1).AppendString(symbol_);
      rows.column(2).AppendString(kind);
      rows.column(3).AppendString(account);
    };
    for (const auto& [key, p] : book_.positions()) {
      common("position", p.account);
      for (size_t c : {4, 5, 6}) rows.column(c).AppendNull();
      const double values[] = {p.qty, p.avg_cost, p.realized_pnl, p.fees, p.cash_flow};
      for (size_t k = 0; k < 5; ++k) rows.column(7 + k).AppendDouble(values[k]);
      rows.column(12).AppendInt64(static_cast<int64_t>(p.fills));
      rows.column(13).AppendNull();
      rows.column(14).AppendDouble(0);
      rows.column(15).AppendInt64(0);
      rows.column(16).AppendInt64(0);
    }
    for (const auto& [id, o] : orders_.orders()) {
      common("order", o.account);
      rows.column(4).AppendString(o.order_id);
      rows.column(5).AppendString(o.side);
      rows.column(6).AppendString(o.status);
      rows.column(7).AppendDouble(o.qty);
      for (size_t c : {8, 9, 10, 11}) rows.column(c).AppendDouble(0);
      rows.column(12).AppendInt64(0);
      if (o.limit_price) {
        rows.column(13).AppendDouble(*o.limit_price);
      } else {
        rows.column(13).AppendNull();
      }
      rows.column(14).AppendDouble(o.filled);
      rows.column(15).AppendInt64(static_cast<int64_t>(o.over_fills));
      rows.column(16).AppendInt64(o.ts);
    }
    out->rows = std::move(rows);
    nlohmann::json meta = {{"fills", book_.fills()},
                           {"refused", book_.refused()},
                           {"over_fills", book_.over_fills()},
                           {"orders_refused", orders_.refused()},
                           {"late", late_}};
    out->meta_json = meta.dump();
  }

  std::string symbol_;
  const LivePositionsOptions* schedule_;
  PositionBook book_;
  OrderTracker orders_;
  int64_t last_ts_ = 0, snap_ts_ = 0;
  bool any_ = false, due_ = false;
  uint64_t since_snap_ = 0, events_ = 0, late_ = 0;
};

// Merges a symbol's order events and fills after `after` by ts (order events first at a tie).
struct EventRef {
  int64_t ts;
  bool fill;
  size_t batch, row;
};

Status ScanSymbol(Database* db, const std::string& table, const std::string& symbol, int64_t after,
                  std::vector<RecordBatch>* batches) {
  ScanRequest req;
  req.table = table;
  req.symbols = {symbol};
  req.from_ts = after == std::numeric_limits<int64_t>::min() ? after : after + 1;
  ASSIGN_OR_RETURN(auto cursor, db->NewScan(req));
  RecordBatch batch;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&batch));
    if (!more) return Status::OK();
    batches->push_back(std::move(batch));
    batch = RecordBatch();
  }
}

class LivePositionsImpl final : public LivePositions, public AppendListener {
 public:
  LivePositionsImpl(Database* db, std::string fills, LivePositionsOptions options, std::unique_ptr<SnapshotStore> store,
                    int64_t table_id, FillColumns fcols, std::optional<OrderColumns> ocols,
                    std::optional<CashColumns> ccols)
      : db_(db),
        fills_(std::move(fills)),
        options_(std::move(options)),
        store_(std::move(store)),
        table_id_(table_id),
        fcols_(fcols),
        ocols_(ocols),
        ccols_(ccols),
        writer_({db, store_.get(), fills_, table_id, kPositionsKind, options_.on_warning}) {}

  void StartWriter() { writer_.Start(); }

  Status OnAttach(uint64_t) override {
    ASSIGN_OR_RETURN(std::vector<std::string> symbols, db_->Symbols(fills_));
    if (ocols_) {
      ASSIGN_OR_RETURN(std::vector<std::string> more, db_->Symbols(options_.orders_table));
      symbols.insert(symbols.end(), more.begin(), more.end());
    }
    ASSIGN_OR_RETURN(std::vector<std::string> snapped, store_->Symbols(table_id_, kPositionsKind));
    symbols.insert(symbols.end(), snapped.begin(), snapped.end());
    std::sort(symbols.begin(), symbols.end());
    symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
    std::lock_guard lock(mu_);
    for (const std::string& sym : symbols) RETURN_IF_ERROR(Rebuild(sym));
    if (ccols_) {
      std::vector<RecordBatch> batches;
      ScanRequest req;
      req.table = options_.cash_table;
      ASSIGN_OR_RETURN(batches, db_->Scan(req));
      for (const RecordBatch& b : batches) {
        for (size_t i = 0; i < b.num_rows(); ++i) cash_.ApplyRow(b, i, *ccols_);
      }
    }
    return Status::OK();
  }

  void OnAppend(const AppendEvent& event) override {
    const bool fills = event.table == fills_;
    const bool orders = ocols_ && event.table == options_.orders_table;
    const bool cash = ccols_ && event.table == options_.cash_table;
    if (!fills && !orders && !cash) return;
    const RecordBatch& b = *event.batch;
    std::lock_guard lock(mu_);
    PositionsCapture capture;
    for (size_t i = 0; i < b.num_rows(); ++i) {
      if (cash) {
        cash_.ApplyRow(b, i, *ccols_);
        continue;
      }
      const int sym_col = fills ? fcols_.symbol : ocols_->symbol;
      SymbolState& st = Find(b.column(static_cast<size_t>(sym_col)).GetString(i));
      const bool captured = fills ? st.ApplyFill(b, i, fcols_, &capture) : st.ApplyOrder(b, i, *ocols_, &capture);
      if (captured) Enqueue(std::move(capture));
    }
    applied_ += b.num_rows();
  }

  PositionsResult Positions(std::string_view account) const override {
    std::lock_guard lock(mu_);
    PositionsResult out;
    std::map<std::string, AccountCash> accounts;
    for (const auto& [name, a] : cash_.accounts()) {
      if (account.empty() || name == account) accounts[name] = a;
    }
    out.cash_refused = cash_.refused();
    for (const auto& [sym, st] : symbols_) {
      out.fills += st->book().fills();
      out.refused += st->book().refused();
      out.over_fills += st->book().over_fills();
      out.orders_refused += st->orders().refused();
      for (const auto& [key, p] : st->book().positions()) {
        if (account.empty() || p.account == account) out.positions.push_back(p);
      }
      for (const auto& [id, o] : st->orders().orders()) {
        if (account.empty() || o.account == account) out.orders.push_back(o);
      }
    }
    std::sort(out.positions.begin(), out.positions.end(), [](const Position& a, const Position& b) {
      return std::tie(a.account, a.symbol) < std::tie(b.account, b.symbol);
    });
    std::sort(out.orders.begin(), out.orders.end(),
              [](const Order& a, const Order& b) { return a.order_id < b.order_id; });
    // Summed in (account, symbol) order, as PositionsAt does: the same floating-point sums.
    for (const Position& p : out.positions) {
      AccountCash& a = accounts[p.account];
      a.account = p.account;
      a.cash += p.cash_flow;
      a.realized_pnl += p.realized_pnl;
      a.fees += p.fees;
    }
    for (auto& [name, a] : accounts) out.accounts.push_back(std::move(a));
    return out;
  }

  LiveBooksStats stats() const override {
    LiveBooksStats s;
    {
      std::lock_guard lock(mu_);
      s.symbols = symbols_.size();
      s.events_applied = applied_;
      s.events_replayed = replayed_;
      s.snapshots_loaded = loaded_;
    }
    s.snapshots_written = writer_.written();
    s.snapshot_failures = writer_.failures();
    return s;
  }

  Status WaitForSnapshots() override { return writer_.WaitIdle(); }

  Status Detach() override {
    if (detached_.exchange(true)) return Status::OK();
    Status st = db_->RemoveAppendListener(this);
    if (st.IsNotFound()) st = Status::OK();
    Status wait = WaitForSnapshots();
    writer_.Stop();
    return st.ok() ? wait : st;
  }

 private:
  SymbolState& Find(std::string_view sym) {
    auto it = symbols_.find(sym);
    if (it == symbols_.end()) {
      it = symbols_.emplace(std::string(sym), std::make_unique<SymbolState>(std::string(sym), &options_)).first;
    }
    return *it->second;
  }

  // The symbol's state from its latest snapshot and the events after it (mu_ held).
  Status Rebuild(const std::string& sym) {
    SymbolState& st = Find(sym);
    int64_t after = std::numeric_limits<int64_t>::min();
    ASSIGN_OR_RETURN(auto snap, store_->Latest(table_id_, kPositionsKind, sym, std::numeric_limits<int64_t>::max()));
    if (snap) {
      Result<RecordBatch> rows = store_->Read(*snap);
      if (rows.ok()) {
        RETURN_IF_ERROR(st.Load(*snap, *rows));
        after = snap->ts;
        ++loaded_;
      } else if (!rows.status().IsNotFound()) {
        return rows.status();
      }
    }
    std::vector<RecordBatch> fills, orders;
    RETURN_IF_ERROR(ScanSymbol(db_, fills_, sym, after, &fills));
    if (ocols_) RETURN_IF_ERROR(ScanSymbol(db_, options_.orders_table, sym, after, &orders));
    std::vector<EventRef> events;
    for (size_t b = 0; b < orders.size(); ++b) {
      for (size_t r = 0; r < orders[b].num_rows(); ++r) {
        events.push_back({orders[b].column(static_cast<size_t>(ocols_->ts)).int64s()[r], false, b, r});
      }
    }
    for (size_t b = 0; b < fills.size(); ++b) {
      for (size_t r = 0; r < fills[b].num_rows(); ++r) {
        events.push_back({fills[b].column(static_cast<size_t>(fcols_.ts)).int64s()[r], true, b, r});
      }
    }
    // Stable: each table's rows keep their scan order; order events before fills at a tie.
    std::stable_sort(events.begin(), events.end(), [](const EventRef& a, const EventRef& b) {
      return a.ts != b.ts ? a.ts < b.ts : (!a.fill && b.fill);
    });
    PositionsCapture capture;
    for (const EventRef& e : events) {
      const bool captured = e.fill ? st.ApplyFill(fills[e.batch], e.row, fcols_, &capture)
                                   : st.ApplyOrder(orders[e.batch], e.row, *ocols_, &capture);
      if (captured) Enqueue(std::move(capture));
    }
    replayed_ += events.size();
    return Status::OK();
  }

  void Enqueue(PositionsCapture&& c) {
    std::string sym = c.symbol;
    writer_.Enqueue(std::move(sym), [c = std::move(c)](SnapshotRecord* rec) mutable {
      rec->ts = c.ts;
      rec->events = c.events;
      rec->meta_json = c.meta_json;
      return std::move(c.rows);
    });
  }

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  Database* db_;
  const std::string fills_;
  const LivePositionsOptions options_;
  std::unique_ptr<SnapshotStore> store_;
  const int64_t table_id_;
  const FillColumns fcols_;
  const std::optional<OrderColumns> ocols_;
  const std::optional<CashColumns> ccols_;

  mutable std::mutex mu_;  // the state: symbols_, cash_, counters
  std::unordered_map<std::string, std::unique_ptr<SymbolState>, Hash, std::equal_to<>> symbols_;
  CashBook cash_;
  uint64_t applied_ = 0, replayed_ = 0, loaded_ = 0;
  std::atomic<bool> detached_{false};
  SnapshotWriter writer_;  // last: stopped (joined) first on destruction
};

}  // namespace
}  // namespace strata::state

namespace strata {

Result<std::shared_ptr<LivePositions>> LivePositions::Attach(Database* db, std::string_view fills_table,
                                                             const LivePositionsOptions& options) {
  if (db->read_only()) {
    return Status::InvalidArgument("live positions of " + std::string(fills_table) + " need a writer (the database " +
                                   db->root() + " is open read-only); use PositionsAt for a read-only view");
  }
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(fills_table));
  ASSIGN_OR_RETURN(state::FillColumns fcols, state::FillColumns::Resolve(fills_table, def.schema));
  std::optional<state::OrderColumns> ocols;
  if (!options.orders_table.empty()) {
    ASSIGN_OR_RETURN(TableDef odef, db->GetTable(options.orders_table));
    ASSIGN_OR_RETURN(ocols, state::OrderColumns::Resolve(options.orders_table, odef.schema));
  }
  std::optional<state::CashColumns> ccols;
  if (!options.cash_table.empty()) {
    ASSIGN_OR_RETURN(TableDef cdef, db->GetTable(options.cash_table));
    ASSIGN_OR_RETURN(ccols, state::CashColumns::Resolve(options.cash_table, cdef.schema));
  }
  ASSIGN_OR_RETURN(auto store, state::SnapshotStore::Open(db, options.fs));
  ASSIGN_OR_RETURN(int64_t table_id, store->TableId(fills_table));
  auto live = std::make_shared<state::LivePositionsImpl>(db, std::string(fills_table), options, std::move(store),
                                                         table_id, fcols, ocols, ccols);
  live->StartWriter();
  RETURN_IF_ERROR(db->AddAppendListener(live).status());
  return std::shared_ptr<LivePositions>(live);
}

}  // namespace strata
