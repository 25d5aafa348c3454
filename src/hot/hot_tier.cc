#include "hot/hot_tier.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "hot/series_buffer.h"

namespace strata {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct HotTier::Table {
  uint32_t id;
  Schema schema;
  mutable std::shared_mutex mu;  // guards `series` (the map, not the buffers)
  std::unordered_map<std::string, std::unique_ptr<SeriesBuffer>, StringHash, std::equal_to<>> series;
};

HotTier::HotTier(Options options) : options_(std::move(options)) {}
HotTier::~HotTier() = default;

Status HotTier::AddTable(uint32_t table_id, const Schema& schema) {
  std::unique_lock lock(tables_mu_);
  auto it = tables_.find(table_id);
  if (it != tables_.end()) {
    if (it->second->schema == schema) return Status::OK();
    return Status::InvalidArgument("hot tier: table id " + std::to_string(table_id) + " registered with another schema");
  }
  auto t = std::make_unique<Table>();
  t->id = table_id;
  t->schema = schema;
  tables_.emplace(table_id, std::move(t));
  return Status::OK();
}

Result<HotTier::Table*> HotTier::FindTable(uint32_t table_id) const {
  std::shared_lock lock(tables_mu_);
  auto it = tables_.find(table_id);
  if (it == tables_.end()) return Status::NotFound("hot tier: no table with id " + std::to_string(table_id));
  return it->second.get();
}

SeriesBuffer* HotTier::GetOrCreateSeries(Table* table, std::string_view symbol) {
  {
    std::shared_lock lock(table->mu);
    auto it = table->series.find(symbol);
    if (it != table->series.end()) return it->second.get();
  }
  std::unique_lock lock(table->mu);
  auto [it, inserted] = table->series.try_emplace(std::string(symbol), nullptr);
  if (inserted) it->second = std::make_unique<SeriesBuffer>(std::string(symbol), &table->schema);
  return it->second.get();
}

Status HotTier::Insert(uint32_t table_id, const RecordBatch& batch, uint64_t lsn) {
  ASSIGN_OR_RETURN(Table * table, FindTable(table_id));
  if (batch.fields() != table->schema.fields()) {
    return Status::InvalidArgument("hot tier: batch columns do not match table " + std::to_string(table_id));
  }
  const size_t n = batch.num_rows();
  if (n == 0) return Status::OK();
  const Column& sym = batch.column(static_cast<size_t>(table->schema.symbol_index()));
  // Group rows by symbol; feeds often repeat a symbol, so compare with the previous row first.
  std::map<std::string_view, std::vector<uint32_t>> groups;
  std::string_view prev;
  std::vector<uint32_t>* group = nullptr;
  for (uint32_t r = 0; r < n; ++r) {
    std::string_view s = sym.GetString(r);
    if (group == nullptr || s != prev) {
      group = &groups[s];
      prev = s;
    }
    group->push_back(r);
  }
  size_t added = 0;
  for (auto& [symbol, rows] : groups) {
    if (symbol.empty()) return Status::InvalidArgument("hot tier: empty symbol in a batch");
    SeriesBuffer* series = GetOrCreateSeries(table, symbol);
    added += series->Append(batch, rows.data(), rows.size(), lsn);
  }
  size_t used = used_bytes_.fetch_add(added, std::memory_order_relaxed) + added;
  if (used > options_.memory_budget_bytes && options_.on_pressure) options_.on_pressure(used);
  return Status::OK();
}

Status HotTier::Latest(uint32_t table_id, std::string_view symbol, RecordBatch* out) const {
  ASSIGN_OR_RETURN(Table * table, FindTable(table_id));
  const SeriesBuffer* series = nullptr;
  {
    std::shared_lock lock(table->mu);
    auto it = table->series.find(symbol);
    if (it != table->series.end()) series = it->second.get();
  }
  if (out->fields() != table->schema.fields()) *out = RecordBatch(table->schema);
  if (series == nullptr || !series->CopyLatest(out)) {
    return Status::NotFound("no rows for symbol '" + std::string(symbol) + "'");
  }
  return Status::OK();
}

Result<std::vector<RecordBatch>> HotTier::Scan(const HotScanRequest& request) const {
  ASSIGN_OR_RETURN(Table * table, FindTable(request.table_id));
  const Schema& schema = table->schema;
  std::vector<int> cols;
  std::vector<Field> fields;
  if (request.columns.empty()) {
    for (size_t c = 0; c < schema.num_fields(); ++c) cols.push_back(static_cast<int>(c));
  } else {
    for (const std::string& name : request.columns) {
      int c = schema.FieldIndex(name);
      if (c < 0) return Status::InvalidArgument("no column '" + name + "' (columns: " + schema.ToString() + ")");
      cols.push_back(c);
    }
  }
  for (int c : cols) fields.push_back(schema.field(static_cast<size_t>(c)));

  std::vector<const SeriesBuffer*> chosen;
  {
    std::shared_lock lock(table->mu);
    if (request.symbols.empty()) {
      for (const auto& [name, series] : table->series) chosen.push_back(series.get());
    } else {
      for (const std::string& s : request.symbols) {
        auto it = table->series.find(s);
        if (it != table->series.end()) chosen.push_back(it->second.get());
      }
    }
  }
  std::sort(chosen.begin(), chosen.end(), [](auto* a, auto* b) { return a->symbol() < b->symbol(); });
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  std::vector<RecordBatch> out;
  for (const SeriesBuffer* series : chosen) {
    SeriesBuffer::Snapshot snap = series->Take();
    RecordBatch batch(fields);
    SeriesBuffer::CopyRange(snap, schema, cols, request.from_ts, request.to_ts, series->symbol(), &batch);
    if (batch.num_rows() > 0) out.push_back(std::move(batch));
  }
  return out;
}

std::vector<std::string> HotTier::Symbols(uint32_t table_id) const {
  std::vector<std::string> out;
  auto table = FindTable(table_id);
  if (!table.ok()) return out;
  std::shared_lock lock((*table)->mu);
  for (const auto& [name, series] : (*table)->series) {
    if (series->rows() > 0) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<HotTableStats> HotTier::Stats() const {
  std::vector<HotTableStats> out;
  std::shared_lock lock(tables_mu_);
  for (const auto& [id, table] : tables_) {
    HotTableStats s;
    s.table_id = id;
    std::shared_lock series_lock(table->mu);
    for (const auto& [name, series] : table->series) {
      uint64_t rows = series->rows();
      if (rows == 0) continue;
      s.rows += rows;
      s.bytes += series->allocated_bytes();
      s.max_lsn = std::max(s.max_lsn, series->max_lsn());
      ++s.series;
    }
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.table_id < b.table_id; });
  return out;
}

Status HotTier::DropUpTo(uint64_t lsn) {
  std::shared_lock lock(tables_mu_);
  for (const auto& [id, table] : tables_) {
    std::shared_lock series_lock(table->mu);
    for (const auto& [name, series] : table->series) {
      int64_t delta = series->DropUpTo(lsn);
      used_bytes_.fetch_add(static_cast<size_t>(delta), std::memory_order_relaxed);  // wraps: adds a negative
    }
  }
  return Status::OK();
}

}  // namespace strata
