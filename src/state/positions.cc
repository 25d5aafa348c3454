#include "state/positions.h"

#include <algorithm>
#include <cmath>

#include "state/order_book.h"

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
  c.qty_is_int = schema.field(static_cast<size_t>(c.qty)).type == ColumnType::kInt64;
  return c;
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
  ++p.fills;
  ++fills_;
  return true;
}

bool PositionBook::ApplyRow(const RecordBatch& batch, size_t row, const FillColumns& cols) {
  const Column& side_col = batch.column(static_cast<size_t>(cols.side));
  const Column& qty_col = batch.column(static_cast<size_t>(cols.qty));
  const Column& price_col = batch.column(static_cast<size_t>(cols.price));
  const Column& acct_col = batch.column(static_cast<size_t>(cols.account));
  int side = 0;
  if (!side_col.IsNull(row)) {
    auto s = ParseBookSide(side_col.GetString(row));  // buy/b/bid, sell/s/ask/offer
    if (s) side = *s == BookSide::kBid ? 1 : -1;
    if (side_col.GetString(row) == "s" || side_col.GetString(row) == "S") side = -1;
  }
  if (side == 0 || qty_col.IsNull(row) || price_col.IsNull(row) || acct_col.IsNull(row)) {
    ++refused_;
    return false;
  }
  const double qty = cols.qty_is_int ? static_cast<double>(qty_col.int64s()[row]) : qty_col.doubles()[row];
  double fee = 0;
  if (cols.fee >= 0) {
    const Column& fee_col = batch.column(static_cast<size_t>(cols.fee));
    if (!fee_col.IsNull(row)) fee = fee_col.doubles()[row];
  }
  return Apply(acct_col.GetString(row), batch.column(static_cast<size_t>(cols.symbol)).GetString(row), side, qty,
               price_col.doubles()[row], fee);
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

Result<PositionsResult> PositionsAt(Database* db, const PositionsRequest& request) {
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(request.table));
  ASSIGN_OR_RETURN(state::FillColumns cols, state::FillColumns::Resolve(request.table, def.schema));
  std::optional<TableDef> marks;
  if (!request.marks_table.empty()) {
    ASSIGN_OR_RETURN(marks, db->GetTable(request.marks_table));
    const Schema& ms = marks->schema;
    if (!(ms.FieldIndex("bid") >= 0 && ms.FieldIndex("ask") >= 0) && ms.FieldIndex("price") < 0) {
      return Status::InvalidArgument("marks table " + request.marks_table +
                                     " has neither bid and ask columns (quotes) nor a price column (trades)");
    }
  }
  state::PositionBook book;
  ScanRequest req;
  req.table = request.table;
  req.to_ts = request.at_ts == std::numeric_limits<int64_t>::max() ? request.at_ts : request.at_ts + 1;
  ASSIGN_OR_RETURN(auto cursor, db->NewScan(req));
  RecordBatch batch;
  // Each symbol's fills come in ts order; positions are per (account, symbol), so symbol order
  // across the scan does not matter.
  for (;;) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&batch));
    if (!more) break;
    const Column& acct = batch.column(static_cast<size_t>(cols.account));
    for (size_t i = 0; i < batch.num_rows(); ++i) {
      if (!request.account.empty() && (acct.IsNull(i) || acct.GetString(i) != request.account)) continue;
      book.ApplyRow(batch, i, cols);
    }
  }
  PositionsResult out;
  out.fills = book.fills();
  out.refused = book.refused();
  for (const auto& [key, p] : book.positions()) {
    Position q = p;
    if (marks) {
      ASSIGN_OR_RETURN(q.mark, MarkAt(db, request.marks_table, marks->schema, q.symbol, request.at_ts));
    }
    out.positions.push_back(std::move(q));
  }
  return out;
}

}  // namespace strata
