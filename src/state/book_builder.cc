#include "state/book_builder.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace strata::state {

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
  ApplyBookRow(&book_, batch, row, cols);
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

RecordBatch SnapshotOf(const BookCapture& c, SnapshotRecord* rec) {
  rec->ts = c.ts;
  rec->events = c.counters.events;
  rec->meta_json = CountersJson(c.counters);
  return CaptureRows(c);
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
