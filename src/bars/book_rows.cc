#include "bars/book_rows.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bars/bar_kernel.h"
#include "strata/state.h"

namespace strata {

std::string BookSamplesTableName(std::string_view table, int64_t interval_ns) {
  return std::string(table) + "_book_" + bars::BarIntervalName(interval_ns);
}

Schema BookSamplesSchema(size_t depth) {
  std::vector<Field> fields = {{"ts", ColumnType::kTimestamp}, {"symbol", ColumnType::kSymbol}};
  for (const char* side : {"bid", "ask"}) {
    for (size_t l = 1; l <= depth; ++l) {
      fields.push_back({std::string(side) + "_price_" + std::to_string(l), ColumnType::kFloat64, true});
      fields.push_back({std::string(side) + "_size_" + std::to_string(l), ColumnType::kFloat64, true});
    }
  }
  fields.push_back({"mid", ColumnType::kFloat64, true});
  fields.push_back({"spread", ColumnType::kFloat64, true});
  return *Schema::Make(std::move(fields));
}

namespace state {

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

void ApplyBookRow(OrderBook* book, const RecordBatch& batch, size_t row, const BookColumns& cols) {
  const Column& side_col = batch.column(static_cast<size_t>(cols.side));
  const Column& action_col = batch.column(static_cast<size_t>(cols.action));
  const Column& price_col = batch.column(static_cast<size_t>(cols.price));
  const Column& size_col = batch.column(static_cast<size_t>(cols.size));
  auto side = side_col.IsNull(row) ? std::nullopt : ParseBookSide(side_col.GetString(row));
  auto action = action_col.IsNull(row) ? std::nullopt : ParseBookAction(action_col.GetString(row));
  if (!side || !action || price_col.IsNull(row) || size_col.IsNull(row)) {
    book->CountRefused();
    return;
  }
  const double size = cols.size_is_int ? static_cast<double>(size_col.int64s()[row]) : size_col.doubles()[row];
  book->Apply(*side, *action, price_col.doubles()[row], size);
}

int64_t BoundaryAtOrAfter(int64_t t, int64_t interval) {
  int64_t q = t / interval;  // truncates toward zero: for negative t that is already >= t / interval
  if (q * interval < t) ++q;
  return q * interval;
}

BookSampler::BookSampler(std::string symbol, int64_t interval, size_t depth)
    : symbol_(std::move(symbol)),
      interval_(interval),
      depth_(depth),
      schema_(BookSamplesSchema(depth)),
      rows_(schema_) {}

void BookSampler::BeforeEvent(int64_t ts, const OrderBook& book) {
  const int64_t boundary = BoundaryAtOrAfter(ts, interval_);
  if (pending_ && boundary > *pending_) Emit(book, *pending_);  // every event <= *pending_ applied, none after
  pending_ = boundary;
}

void BookSampler::Finish(const OrderBook& book, int64_t newest) {
  if (pending_ && *pending_ <= newest) {
    Emit(book, *pending_);
    pending_.reset();
  }
}

RecordBatch BookSampler::TakeRows() {
  RecordBatch out = std::move(rows_);
  rows_ = RecordBatch(schema_);
  return out;
}

void BookSampler::Emit(const OrderBook& book, int64_t at) {
  rows_.column(0).AppendInt64(at);
  rows_.column(1).AppendString(symbol_);
  size_t c = 2;
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
    book.Top(side, depth_, &levels_);
    for (size_t l = 0; l < depth_; ++l, c += 2) {
      if (l < levels_.size()) {
        rows_.column(c).AppendDouble(levels_[l].price);
        rows_.column(c + 1).AppendDouble(levels_[l].size);
      } else {
        rows_.column(c).AppendNull();
        rows_.column(c + 1).AppendNull();
      }
    }
  }
  if (auto m = book.Mid()) {
    rows_.column(c).AppendDouble(*m);
    rows_.column(c + 1).AppendDouble(*book.Spread());
  } else {
    rows_.column(c).AppendNull();
    rows_.column(c + 1).AppendNull();
  }
}

std::string EncodeBookCarry(const OrderBook& book, std::optional<int64_t> pending) {
  nlohmann::json j = nlohmann::json::object();
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
    nlohmann::json levels = nlohmann::json::array();
    std::vector<BookLevel> best_first;
    book.Top(side, book.Levels(side), &best_first);
    for (const BookLevel& l : best_first) levels.push_back({l.price, l.size});
    j[side == BookSide::kBid ? "bids" : "asks"] = std::move(levels);
  }
  if (pending) j["pending"] = *pending;
  return j.dump();
}

Status DecodeBookCarry(std::string_view text, OrderBook* book, std::optional<int64_t>* pending) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption("book carry is not a JSON object");
  for (BookSide side : {BookSide::kBid, BookSide::kAsk}) {
    auto it = j.find(side == BookSide::kBid ? "bids" : "asks");
    if (it == j.end() || !it->is_array()) return Status::Corruption("book carry has no bids or asks");
    std::vector<BookLevel> best_first;
    for (const auto& l : *it) {
      if (!l.is_array() || l.size() != 2 || !l[0].is_number() || !l[1].is_number()) {
        return Status::Corruption("book carry has a level that is not [price, size]");
      }
      best_first.push_back({l[0].get<double>(), l[1].get<double>()});
    }
    book->LoadSide(side, best_first);
  }
  pending->reset();
  if (auto it = j.find("pending"); it != j.end()) {
    if (!it->is_number_integer()) return Status::Corruption("book carry: pending is not an integer");
    *pending = it->get<int64_t>();
  }
  return Status::OK();
}

}  // namespace state
}  // namespace strata
