#include "state/positions.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <limits>
#include <unordered_map>
#include <vector>

#include "bars/order_book.h"

namespace strata::state {

Result<FillColumns> FillColumns::Resolve(std::string_view table, const Schema& schema) {
  FillColumns c;
  c.ts = schema.ts_index();
  c.symbol = schema.symbol_index();
  auto need = [&](const char* name, std::initializer_list<ColumnType> types, bool optional, int* index) -> Status {
    *index = schema.FieldIndex(name);
    if (*index < 0) {
      if (optional) return Status::OK();
      return Status::InvalidArgument("table " + std::string(table) + " has no column '" + name +
                                     "': a fills table needs ts, symbol, account, side, qty, price (create one with "
                                     "`strata table create NAME --template fills --dedup-key fill_id`)");
    }
    const ColumnType t = schema.field(static_cast<size_t>(*index)).type;
    if (std::find(types.begin(), types.end(), t) == types.end()) {
      return Status::InvalidArgument("table " + std::string(table) + ": column '" + name + "' is " +
                                     std::string(ColumnTypeName(t)) + ", a fills table needs " +
                                     std::string(ColumnTypeName(*types.begin())));
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(need("account", {ColumnType::kString}, false, &c.account));
  RETURN_IF_ERROR(need("side", {ColumnType::kString}, false, &c.side));
  RETURN_IF_ERROR(need("qty", {ColumnType::kFloat64, ColumnType::kInt64}, false, &c.qty));
  RETURN_IF_ERROR(need("price", {ColumnType::kFloat64}, false, &c.price));
  RETURN_IF_ERROR(need("fee", {ColumnType::kFloat64}, true, &c.fee));
  RETURN_IF_ERROR(need("order_id", {ColumnType::kString}, true, &c.order_id));
  RETURN_IF_ERROR(need("fill_id", {ColumnType::kString}, true, &c.fill_id));
  c.qty_is_int = schema.field(static_cast<size_t>(c.qty)).type == ColumnType::kInt64;
  return c;
}

namespace {

// Column `name` of one of `types`; -1 when optional and missing. `what` names the table kind and
// how to create one, for the error.
Status NeedColumn(std::string_view table, const Schema& schema, const char* name,
                  std::initializer_list<ColumnType> types, bool optional, const std::string& what, int* index) {
  *index = schema.FieldIndex(name);
  if (*index < 0) {
    if (optional) return Status::OK();
    return Status::InvalidArgument("table " + std::string(table) + " has no column '" + name + "': " + what);
  }
  const ColumnType t = schema.field(static_cast<size_t>(*index)).type;
  if (std::find(types.begin(), types.end(), t) == types.end()) {
    return Status::InvalidArgument("table " + std::string(table) + ": column '" + name + "' is " +
                                   std::string(ColumnTypeName(t)) + ", " + what);
  }
  return Status::OK();
}

std::optional<int> ParseSide(std::string_view s) {
  auto side = ParseBookSide(s);  // buy/b/bid, sell/ask/offer
  if (s == "s" || s == "S") return -1;
  if (!side) return std::nullopt;
  return *side == BookSide::kBid ? 1 : -1;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

double NumberAt(const Column& c, size_t row) {
  return c.type() == ColumnType::kInt64 ? static_cast<double>(c.int64s()[row]) : c.doubles()[row];
}

}  // namespace

Result<OrderColumns> OrderColumns::Resolve(std::string_view table, const Schema& schema) {
  OrderColumns c;
  c.ts = schema.ts_index();
  c.symbol = schema.symbol_index();
  const std::string what =
      "an orders table needs ts, symbol, account, order_id, side, qty, limit_price (optional), status (create one "
      "with `strata table create NAME --template orders`)";
  RETURN_IF_ERROR(NeedColumn(table, schema, "account", {ColumnType::kString}, false, what, &c.account));
  RETURN_IF_ERROR(NeedColumn(table, schema, "order_id", {ColumnType::kString}, false, what, &c.order_id));
  RETURN_IF_ERROR(NeedColumn(table, schema, "side", {ColumnType::kString}, false, what, &c.side));
  RETURN_IF_ERROR(NeedColumn(table, schema, "qty", {ColumnType::kFloat64, ColumnType::kInt64}, false, what, &c.qty));
  RETURN_IF_ERROR(NeedColumn(table, schema, "limit_price", {ColumnType::kFloat64}, true, what, &c.limit_price));
  RETURN_IF_ERROR(NeedColumn(table, schema, "status", {ColumnType::kString}, false, what, &c.status));
  return c;
}

bool OrderTracker::ApplyRow(const RecordBatch& batch, size_t row, const OrderColumns& cols) {
  const Column& id = batch.column(static_cast<size_t>(cols.order_id));
  const Column& side_col = batch.column(static_cast<size_t>(cols.side));
  const Column& qty_col = batch.column(static_cast<size_t>(cols.qty));
  const Column& status_col = batch.column(static_cast<size_t>(cols.status));
  const Column& acct = batch.column(static_cast<size_t>(cols.account));
  if (id.IsNull(row) || side_col.IsNull(row) || qty_col.IsNull(row) || status_col.IsNull(row) || acct.IsNull(row)) {
    ++refused_;
    return false;
  }
  const std::optional<int> side = ParseSide(side_col.GetString(row));
  const double qty = NumberAt(qty_col, row);
  std::string status;
  for (const char* known : {"new", "partially_filled", "filled", "cancelled", "rejected"}) {
    if (EqualsNoCase(status_col.GetString(row), known)) status = known;
  }
  if (status_col.GetString(row) == "canceled") status = "cancelled";
  if (!side || !(qty > 0) || !std::isfinite(qty) || status.empty()) {
    ++refused_;
    return false;
  }
  auto it = orders_.find(id.GetString(row));
  if (it == orders_.end()) {
    Order o;
    o.order_id = std::string(id.GetString(row));
    o.account = std::string(acct.GetString(row));
    o.symbol = std::string(batch.column(static_cast<size_t>(cols.symbol)).GetString(row));
    o.side = *side > 0 ? "buy" : "sell";
    it = orders_.emplace(o.order_id, std::move(o)).first;
  }
  Order& o = it->second;
  o.qty = qty;
  o.status = std::move(status);
  o.ts = batch.column(static_cast<size_t>(cols.ts)).int64s()[row];
  if (cols.limit_price >= 0) {
    const Column& lp = batch.column(static_cast<size_t>(cols.limit_price));
    o.limit_price = lp.IsNull(row) ? std::nullopt : std::optional<double>(lp.doubles()[row]);
  }
  return true;
}

bool OrderTracker::TakeFill(std::string_view order_id, std::string_view account, std::string_view symbol, double qty) {
  auto it = orders_.find(order_id);
  if (it == orders_.end() || it->second.symbol != symbol || it->second.account != account) return true;
  Order& o = it->second;
  // A relative tolerance for float sums of partial fills.
  if (o.filled + qty > o.qty * (1 + 1e-12) + 1e-12) {
    ++o.over_fills;
    return false;
  }
  o.filled += qty;
  return true;
}

Result<CashColumns> CashColumns::Resolve(std::string_view table, const Schema& schema) {
  CashColumns c;
  c.ts = schema.ts_index();
  c.symbol = schema.symbol_index();
  const std::string what =
      "a cash table needs ts, symbol (the currency), account, kind (deposit|withdrawal), amount (create one with "
      "`strata table create NAME --template cash`)";
  RETURN_IF_ERROR(NeedColumn(table, schema, "account", {ColumnType::kString}, false, what, &c.account));
  RETURN_IF_ERROR(NeedColumn(table, schema, "kind", {ColumnType::kString}, false, what, &c.kind));
  RETURN_IF_ERROR(
      NeedColumn(table, schema, "amount", {ColumnType::kFloat64, ColumnType::kInt64}, false, what, &c.amount));
  return c;
}

bool CashBook::ApplyRow(const RecordBatch& batch, size_t row, const CashColumns& cols) {
  const Column& acct = batch.column(static_cast<size_t>(cols.account));
  const Column& kind = batch.column(static_cast<size_t>(cols.kind));
  const Column& amount_col = batch.column(static_cast<size_t>(cols.amount));
  if (acct.IsNull(row) || kind.IsNull(row) || amount_col.IsNull(row)) {
    ++refused_;
    return false;
  }
  const double amount = NumberAt(amount_col, row);
  const bool deposit = EqualsNoCase(kind.GetString(row), "deposit");
  const bool withdrawal = EqualsNoCase(kind.GetString(row), "withdrawal");
  if ((!deposit && !withdrawal) || !(amount > 0) || !std::isfinite(amount)) {
    ++refused_;
    return false;
  }
  AccountCash& a = accounts_[std::string(acct.GetString(row))];
  if (a.account.empty()) a.account = std::string(acct.GetString(row));
  a.currency = std::string(batch.column(static_cast<size_t>(cols.symbol)).GetString(row));
  (deposit ? a.deposits : a.withdrawals) += amount;
  a.cash += deposit ? amount : -amount;
  return true;
}

bool PositionBook::Apply(std::string_view account, std::string_view symbol, int side, double qty, double price,
                         double fee) {
  if (!(qty > 0) || !std::isfinite(qty) || !std::isfinite(price) || !std::isfinite(fee) || (side != 1 && side != -1)) {
    ++refused_;
    return false;
  }
  auto key = std::make_pair(std::string(account), std::string(symbol));  // short names: no allocation (SSO)
  auto it = positions_.find(key);
  if (it == positions_.end()) {
    Position p;
    p.account = key.first;
    p.symbol = key.second;
    it = positions_.emplace(std::move(key), std::move(p)).first;
  }
  Position& p = it->second;
  const double signed_qty = side * qty;
  if (p.qty == 0 || (p.qty > 0) == (side > 0)) {
    // Opening or adding: the average moves to the weighted price.
    const double open = std::abs(p.qty);
    p.avg_cost = (open * p.avg_cost + qty * price) / (open + qty);
    p.qty += signed_qty;
  } else {
    // Reducing: realise against the average; through zero, the rest opens at this price.
    const double closed = std::min(qty, std::abs(p.qty));
    const double dir = p.qty > 0 ? 1.0 : -1.0;
    p.realized_pnl += dir * closed * (price - p.avg_cost);
    p.qty += signed_qty;
    if (std::abs(p.qty) < 1e-12 * std::max(1.0, qty)) p.qty = 0;  // float dust of a full close
    if (p.qty == 0) {
      p.avg_cost = 0;
    } else if ((p.qty > 0) != (dir > 0)) {
      p.avg_cost = price;
    }
  }
  p.fees += fee;
  p.cash_flow -= signed_qty * price + fee;
  ++p.fills;
  ++fills_;
  return true;
}

bool PositionBook::ApplyRow(const RecordBatch& batch, size_t row, const FillColumns& cols, OrderTracker* orders) {
  const Column& side_col = batch.column(static_cast<size_t>(cols.side));
  const Column& qty_col = batch.column(static_cast<size_t>(cols.qty));
  const Column& price_col = batch.column(static_cast<size_t>(cols.price));
  const Column& acct_col = batch.column(static_cast<size_t>(cols.account));
  std::optional<int> side;
  if (!side_col.IsNull(row)) side = ParseSide(side_col.GetString(row));
  if (!side || qty_col.IsNull(row) || price_col.IsNull(row) || acct_col.IsNull(row)) {
    ++refused_;
    return false;
  }
  const double qty = cols.qty_is_int ? static_cast<double>(qty_col.int64s()[row]) : qty_col.doubles()[row];
  const double price = price_col.doubles()[row];
  double fee = 0;
  if (cols.fee >= 0) {
    const Column& fee_col = batch.column(static_cast<size_t>(cols.fee));
    if (!fee_col.IsNull(row)) fee = fee_col.doubles()[row];
  }
  if (!(qty > 0) || !std::isfinite(qty) || !std::isfinite(price) || !std::isfinite(fee)) {
    ++refused_;
    return false;
  }
  if (orders != nullptr && cols.order_id >= 0) {
    const Column& oid = batch.column(static_cast<size_t>(cols.order_id));
    if (!oid.IsNull(row) && !orders->TakeFill(oid.GetString(row), acct_col.GetString(row),
                                              batch.column(static_cast<size_t>(cols.symbol)).GetString(row), qty)) {
      ++over_fills_;
      if (over_fill_ids_.size() < 100) {
        const Column* fid = cols.fill_id >= 0 ? &batch.column(static_cast<size_t>(cols.fill_id)) : nullptr;
        over_fill_ids_.push_back(fid != nullptr && !fid->IsNull(row) ? std::string(fid->GetString(row))
                                                                     : "order " + std::string(oid.GetString(row)));
      }
      return false;
    }
  }
  return Apply(acct_col.GetString(row), batch.column(static_cast<size_t>(cols.symbol)).GetString(row), *side, qty,
               price, fee);
}

}  // namespace strata::state

namespace strata {

namespace {

// The mark of `symbol` at `at_ts` from a quotes-like (bid/ask: mid) or trades-like (price) table.
Result<std::optional<double>> MarkAt(Database* db, const std::string& table, const Schema& schema,
                                     const std::string& symbol, int64_t at_ts) {
  auto last = TailAt(db, table, symbol, 1, at_ts);
  if (!last.ok() && last.status().IsNotFound()) return std::optional<double>();
  if (!last.ok()) return last.status();
  if (last->num_rows() == 0) return std::optional<double>();
  const int bid = schema.FieldIndex("bid"), ask = schema.FieldIndex("ask"), price = schema.FieldIndex("price");
  auto f64 = [&](int i) -> std::optional<double> {
    if (i < 0 || schema.field(static_cast<size_t>(i)).type != ColumnType::kFloat64) return std::nullopt;
    const Column& c = last->column(static_cast<size_t>(i));
    if (c.IsNull(0)) return std::nullopt;
    return c.doubles()[0];
  };
  if (auto b = f64(bid), a = f64(ask); b && a) return std::optional<double>((*b + *a) / 2);
  return f64(price);
}

}  // namespace

namespace {

// Every row of `table` up to at_ts (of `account` when set), batch by batch.
Status ScanUpTo(Database* db, const std::string& table, int64_t at_ts,
                const std::function<void(const RecordBatch&)>& fn) {
  ScanRequest req;
  req.table = table;
  req.to_ts = at_ts == std::numeric_limits<int64_t>::max() ? at_ts : at_ts + 1;
  ASSIGN_OR_RETURN(auto cursor, db->NewScan(req));
  RecordBatch batch;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&batch));
    if (!more) return Status::OK();
    fn(batch);
  }
}

bool OfAccount(const RecordBatch& b, int col, size_t row, const std::string& account) {
  if (account.empty()) return true;
  const Column& c = b.column(static_cast<size_t>(col));
  return !c.IsNull(row) && c.GetString(row) == account;
}

}  // namespace

Result<PositionsResult> PositionsAt(Database* db, const PositionsRequest& request) {
  std::optional<state::FillColumns> cols;  // none: orders (or cash) only
  if (!request.table.empty()) {
    ASSIGN_OR_RETURN(TableDef def, db->GetTable(request.table));
    ASSIGN_OR_RETURN(cols, state::FillColumns::Resolve(request.table, def.schema));
  }
  std::optional<TableDef> marks;
  if (!request.marks_table.empty()) {
    ASSIGN_OR_RETURN(marks, db->GetTable(request.marks_table));
    const Schema& ms = marks->schema;
    if (!(ms.FieldIndex("bid") >= 0 && ms.FieldIndex("ask") >= 0) && ms.FieldIndex("price") < 0) {
      return Status::InvalidArgument("marks table " + request.marks_table +
                                     " has neither bid and ask columns (quotes) nor a price column (trades)");
    }
  }
  // Order events per symbol in ts order, applied before the fills of their symbol at or after
  // them: an order is known to a fill when its first event is at or before the fill.
  state::OrderTracker tracker;
  std::optional<state::OrderColumns> ocols;
  std::vector<RecordBatch> order_batches;
  struct Pending {
    std::vector<std::pair<size_t, size_t>> rows;  // (batch, row) in ts order
    size_t next = 0;
  };
  std::unordered_map<std::string, Pending> pending;
  auto apply_orders = [&](const std::string& symbol, int64_t up_to) {
    auto it = pending.find(symbol);
    if (it == pending.end()) return;
    Pending& p = it->second;
    for (; p.next < p.rows.size(); ++p.next) {
      const auto [b, r] = p.rows[p.next];
      if (order_batches[b].column(static_cast<size_t>(ocols->ts)).int64s()[r] > up_to) break;
      tracker.ApplyRow(order_batches[b], r, *ocols);
    }
  };
  if (!request.orders_table.empty()) {
    ASSIGN_OR_RETURN(TableDef odef, db->GetTable(request.orders_table));
    ASSIGN_OR_RETURN(ocols, state::OrderColumns::Resolve(request.orders_table, odef.schema));
    RETURN_IF_ERROR(ScanUpTo(db, request.orders_table, request.at_ts, [&](const RecordBatch& b) {
      order_batches.push_back(b);
      const size_t bi = order_batches.size() - 1;
      const Column& sym = b.column(static_cast<size_t>(ocols->symbol));
      for (size_t i = 0; i < b.num_rows(); ++i) {
        if (OfAccount(b, ocols->account, i, request.account)) {
          pending[std::string(sym.GetString(i))].rows.emplace_back(bi, i);
        }
      }
    }));
  }
  state::PositionBook book;
  // Each symbol's fills come in ts order; positions are per (account, symbol) and an order has one
  // symbol, so symbol order across the scan does not matter.
  if (cols) {
    RETURN_IF_ERROR(ScanUpTo(db, request.table, request.at_ts, [&](const RecordBatch& batch) {
      const Column& sym = batch.column(static_cast<size_t>(cols->symbol));
      const Column& ts = batch.column(static_cast<size_t>(cols->ts));
      for (size_t i = 0; i < batch.num_rows(); ++i) {
        if (!OfAccount(batch, cols->account, i, request.account)) continue;
        if (ocols) apply_orders(std::string(sym.GetString(i)), ts.int64s()[i]);
        book.ApplyRow(batch, i, *cols, ocols ? &tracker : nullptr);
      }
    }));
  }
  for (auto& [symbol, p] : pending) apply_orders(symbol, std::numeric_limits<int64_t>::max());

  state::CashBook cash;
  if (!request.cash_table.empty()) {
    ASSIGN_OR_RETURN(TableDef cdef, db->GetTable(request.cash_table));
    ASSIGN_OR_RETURN(state::CashColumns ccols, state::CashColumns::Resolve(request.cash_table, cdef.schema));
    RETURN_IF_ERROR(ScanUpTo(db, request.cash_table, request.at_ts, [&](const RecordBatch& b) {
      for (size_t i = 0; i < b.num_rows(); ++i) {
        if (OfAccount(b, ccols.account, i, request.account)) cash.ApplyRow(b, i, ccols);
      }
    }));
  }

  PositionsResult out;
  out.fills = book.fills();
  out.refused = book.refused();
  out.over_fills = book.over_fills();
  out.over_fill_ids = book.over_fill_ids();
  out.orders_refused = tracker.refused();
  out.cash_refused = cash.refused();
  for (const auto& [id, o] : tracker.orders()) out.orders.push_back(o);
  std::map<std::string, AccountCash> accounts = cash.accounts();
  std::map<std::string, bool> all_marked;
  for (const auto& [key, p] : book.positions()) {
    Position q = p;
    if (marks) {
      ASSIGN_OR_RETURN(q.mark, MarkAt(db, request.marks_table, marks->schema, q.symbol, request.at_ts));
    }
    AccountCash& a = accounts[q.account];
    a.account = q.account;
    a.cash += q.cash_flow;
    a.realized_pnl += q.realized_pnl;
    a.fees += q.fees;
    if (marks) {
      auto [it, fresh] = all_marked.emplace(q.account, true);
      if (q.qty != 0 && !q.mark) it->second = false;
      if (it->second) {
        a.market_value = a.market_value.value_or(0) + (q.qty != 0 ? q.qty * *q.mark : 0);
        a.unrealized_pnl = a.unrealized_pnl.value_or(0) + (q.qty != 0 ? *q.unrealized_pnl() : 0);
      } else {
        a.market_value.reset();
        a.unrealized_pnl.reset();
      }
    }
    out.positions.push_back(std::move(q));
  }
  for (auto& [name, a] : accounts) {
    if (marks && !all_marked.count(name)) {
      a.market_value = 0;  // cash only
      a.unrealized_pnl = 0;
    }
    if (a.market_value) a.equity = a.cash + *a.market_value;
    out.accounts.push_back(std::move(a));
  }
  return out;
}

}  // namespace strata
