#include "state/book_builder.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace strata::state {

Result<BookColumns> BookColumns::Resolve(std::string_view table, const Schema& schema) {
  BookColumns c;
  c.ts = schema.ts_index();
  c.symbol = schema.symbol_index();
  auto need = [&](const char* name, std::initializer_list<ColumnType> types, int* index) -> Status {
    *index = schema.FieldIndex(name);
    if (*index < 0) {
      return Status::InvalidArgument("table " + std::string(table) + " has no column '" + name +
                                     "': a book table needs ts, symbol, side, price, size, action (create one with "
                                     "`strata table create NAME --template book`)");
    }
    const ColumnType t = schema.field(static_cast<size_t>(*index)).type;
    if (std::find(types.begin(), types.end(), t) == types.end()) {
      return Status::InvalidArgument("table " + std::string(table) + ": column '" + name + "' is " +
                                     std::string(ColumnTypeName(t)) + ", a book table needs " +
                                     std::string(ColumnTypeName(*types.begin())));
    }
    return Status::OK();
  };
  RETURN_IF_ERROR(need("side", {ColumnType::kString}, &c.side));
  RETURN_IF_ERROR(need("price", {ColumnType::kFloat64}, &c.price));
  RETURN_IF_ERROR(need("size", {ColumnType::kFloat64, ColumnType::kInt64}, &c.size));
  RETURN_IF_ERROR(need("action", {ColumnType::kString}, &c.action));
  c.size_is_int = schema.field(static_cast<size_t>(c.size)).type == ColumnType::kInt64;
  return c;
}

bool BookBuilder::ApplyRow(const RecordBatch& batch, size_t row, const BookColumns& cols, BookCapture* capture) {
  const int64_t ts = batch.column(static_cast<size_t>(cols.ts)).int64s()[row];
  bool captured = false;
  if (any_ && ts < last_ts_) {
    book_.CountLate();  // applied where it arrives; a rebuild orders by ts (README)
  } else if (any_ && ts > last_ts_ && due_) {
    Capture(capture);
    captured = true;
    due_ = false;
    snap_ts_ = last_ts_;
    since_snap_ = 0;
  }
  if (!any_) {
    snap_ts_ = ts;
    last_ts_ = ts;
    any_ = true;
  }
  const Column& side_col = batch.column(static_cast<size_t>(cols.side));
  const Column& action_col = batch.column(static_cast<size_t>(cols.action));
  const Column& price_col = batch.column(static_cast<size_t>(cols.price));
  const Column& size_col = batch.column(static_cast<size_t>(cols.size));
  auto side = side_col.IsNull(row) ? std::nullopt : ParseBookSide(side_col.GetString(row));
  auto action = action_col.IsNull(row) ? std::nullopt : ParseBookAction(action_col.GetString(row));
  if (!side || !action || price_col.IsNull(row) || size_col.IsNull(row)) {
    book_.CountRefused();
  } else {
    const double size = cols.size_is_int ? static_cast<double>(size_col.int64s()[row]) : size_col.doubles()[row];
    book_.Apply(*side, *action, price_col.doubles()[row], size);
  }
  last_ts_ = std::max(last_ts_, ts);
  ++since_snap_;
  if (schedule_ != nullptr) {
    if ((schedule_->snapshot_every_events > 0 && since_snap_ >= schedule_->snapshot_every_events) ||
        (schedule_->snapshot_every_ns > 0 && last_ts_ - snap_ts_ >= schedule_->snapshot_every_ns)) {
      due_ = true;
    }
  }
  return captured;
}

void BookBuilder::Capture(BookCapture* out) const {
  out->symbol = symbol_;
  out->ts = last_ts_;
  book_.Top(BookSide::kBid, book_.Levels(BookSide::kBid), &out->bids);
  book_.Top(BookSide::kAsk, book_.Levels(BookSide::kAsk), &out->asks);
  out->counters = book_.counters();
}

BookView BookBuilder::View(size_t depth) const {
  BookView v;
  v.symbol = symbol_;
  v.ts = any_ ? last_ts_ : 0;
  book_.Top(BookSide::kBid, depth, &v.bids);
  book_.Top(BookSide::kAsk, depth, &v.asks);
  v.counters = book_.counters();
  return v;
}

Schema BookSnapshotSchema() {
  static const Schema schema =
      Schema::Parse("ts:timestamp,symbol:symbol,side:string,level:i32,price:f64,size:f64").value();
  return schema;
}

RecordBatch CaptureRows(const BookCapture& c) {
  RecordBatch b(BookSnapshotSchema());
  b.Reserve(c.bids.size() + c.asks.size());
  auto add = [&](const char* side, const std::vector<BookLevel>& levels) {
    for (size_t i = 0; i < levels.size(); ++i) {
      b.column(0).AppendInt64(c.ts);
      b.column(1).AppendString(c.symbol);
      b.column(2).AppendString(side);
      b.column(3).AppendInt32(static_cast<int32_t>(i + 1));
      b.column(4).AppendDouble(levels[i].price);
      b.column(5).AppendDouble(levels[i].size);
    }
  };
  add("bid", c.bids);
  add("ask", c.asks);
  return b;
}

std::string CountersJson(const BookCounters& c) {
  nlohmann::json j = {{"events", c.events},   {"crossed", c.crossed},
                      {"locked", c.locked},   {"missing_deletes", c.missing_deletes},
                      {"refused", c.refused}, {"late", c.late}};
  return j.dump();
}

Status BookBuilder::Load(const SnapshotRecord& rec, const RecordBatch& rows) {
  const std::string where = "state snapshot " + rec.uri;
  if (rows.num_columns() != 6 || rows.fields()[2].name != "side" || rows.fields()[4].name != "price") {
    return Status::Corruption(where + " does not have the book snapshot columns " + BookSnapshotSchema().ToString());
  }
  std::vector<std::pair<int32_t, BookLevel>> bids, asks;
  for (size_t i = 0; i < rows.num_rows(); ++i) {
    auto side = ParseBookSide(rows.column(2).GetString(i));
    if (!side) return Status::Corruption(where + ": row " + std::to_string(i) + " has an unknown side");
    auto& dst = *side == BookSide::kBid ? bids : asks;
    dst.push_back({rows.column(3).int32s()[i], BookLevel{rows.column(4).doubles()[i], rows.column(5).doubles()[i]}});
  }
  auto load = [&](BookSide side, std::vector<std::pair<int32_t, BookLevel>>& levels) {
    std::sort(levels.begin(), levels.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<BookLevel> best_first;
    for (auto& [level, l] : levels) best_first.push_back(l);
    book_.LoadSide(side, best_first);
  };
  load(BookSide::kBid, bids);
  load(BookSide::kAsk, asks);
  BookCounters c;
  auto j = nlohmann::json::parse(rec.meta_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    c.events = j.value("events", uint64_t{0});
    c.crossed = j.value("crossed", uint64_t{0});
    c.locked = j.value("locked", uint64_t{0});
    c.missing_deletes = j.value("missing_deletes", uint64_t{0});
    c.refused = j.value("refused", uint64_t{0});
    c.late = j.value("late", uint64_t{0});
  }
  book_.mutable_counters() = c;
  last_ts_ = rec.ts;
  snap_ts_ = rec.ts;
  since_snap_ = 0;
  due_ = false;
  any_ = true;
  return Status::OK();
}

}  // namespace strata::state
