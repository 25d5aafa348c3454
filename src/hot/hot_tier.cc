#include "hot/hot_tier.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "hot/row_grouper.h"
#include "hot/series_buffer.h"

namespace strata {
namespace {

struct SeriesKey {
  uint32_t table_id;
  std::string symbol;
};
// The lookup form of SeriesKey: finding a series allocates no string.
struct SeriesKeyView {
  uint32_t table_id;
  std::string_view symbol;
};

struct SeriesKeyHash {
  using is_transparent = void;
  size_t operator()(const SeriesKeyView& k) const {
    return std::hash<std::string_view>{}(k.symbol) ^ (size_t{k.table_id} * 0x9E3779B97F4A7C15ull);
  }
  size_t operator()(const SeriesKey& k) const { return (*this)(SeriesKeyView{k.table_id, k.symbol}); }
};

struct SeriesKeyEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return a.table_id == b.table_id && std::string_view(a.symbol) == std::string_view(b.symbol);
  }
};

std::string FieldToString(const Field& f) { return f.name + ":" + FieldTypeName(f) + (f.nullable ? "?" : ""); }

// Rows stored in the typed vector a column of this type uses.
size_t StoredRows(const Column& col) {
  switch (col.type()) {
    case ColumnType::kTimestamp:
    case ColumnType::kInt64: return col.int64s().size();
    case ColumnType::kInt32: return col.int32s().size();
    case ColumnType::kFloat32:
    case ColumnType::kFloat64: return col.doubles().size();
    case ColumnType::kBool: return col.bools().size();
    case ColumnType::kSymbol:
    case ColumnType::kString: return col.offsets().empty() ? 0 : col.offsets().size() - 1;
  }
  return 0;
}

// The checks that keep Insert from reading out of bounds: fields, and every column's vectors the
// same length (and string offsets ending at the characters' end). O(columns).
Status CheckShape(const RecordBatch& batch, const Schema& schema, uint32_t table_id) {
  const std::vector<Field>& fields = batch.fields();
  if (fields.size() != schema.num_fields()) {
    return Status::InvalidArgument("hot tier: batch has " + std::to_string(fields.size()) + " columns but table " +
                                   std::to_string(table_id) + " has " + std::to_string(schema.num_fields()) + " (" +
                                   schema.ToString() + ")");
  }
  const size_t n = batch.num_rows();
  for (size_t c = 0; c < fields.size(); ++c) {
    if (fields[c] != schema.field(c)) {
      return Status::InvalidArgument("hot tier: batch column " + std::to_string(c) + " is " + FieldToString(fields[c]) +
                                     " but table " + std::to_string(table_id) + " has " +
                                     FieldToString(schema.field(c)));
    }
    const Column& col = batch.column(c);
    bool ok = col.type() == fields[c].type && col.size() == n && StoredRows(col) == n &&
              (col.validity().empty() || col.validity().size() == n);
    if (ok && IsStringLike(col.type())) ok = col.offsets().back() == col.chars().size();
    if (!ok) {
      return Status::InvalidArgument("hot tier: batch column '" + fields[c].name + "' is malformed (" +
                                     std::to_string(StoredRows(col)) + " values for " + std::to_string(n) + " rows)");
    }
  }
  return Status::OK();
}

}  // namespace

struct HotTier::State {
  struct Table {
    uint32_t id = 0;
    Schema schema;
    std::vector<SeriesBuffer*> series;  // guarded by State::mu
  };

  explicit State(size_t pool_bytes) : pool(pool_bytes) {}

  ChunkPool pool;  // declared first: destroyed after every series that gives buffers back to it
  // Guards both maps and Table::series. Tables and series are never removed, so the raw pointers
  // handed out stay valid for the HotTier's lifetime and are used without holding `mu`.
  mutable std::shared_mutex mu;
  std::unordered_map<uint32_t, std::unique_ptr<Table>> tables;
  std::unordered_map<SeriesKey, std::unique_ptr<SeriesBuffer>, SeriesKeyHash, SeriesKeyEq> series;
  // Tables and series replaced by ReplaceSchema: readers may still hold them.
  std::vector<std::unique_ptr<Table>> old_tables;
  std::vector<std::unique_ptr<SeriesBuffer>> old_series;

  Table* FindTable(uint32_t id) const {
    auto it = tables.find(id);
    return it == tables.end() ? nullptr : it->second.get();
  }
  // The table's series, copied so the caller can read them without holding `mu`.
  std::vector<SeriesBuffer*> SeriesOf(const Table& t) const {
    std::shared_lock lock(mu);
    return t.series;
  }
};

HotTier::HotTier(Options options)
    : options_(std::move(options)), state_(std::make_unique<State>(options_.chunk_pool_bytes)) {}
HotTier::~HotTier() = default;

Status HotTier::AddTable(uint32_t table_id, const Schema& schema) {
  if (schema.ts_index() < 0 || schema.symbol_index() < 0) {
    return Status::InvalidArgument("hot tier: table " + std::to_string(table_id) +
                                   " needs a timestamp and a symbol column (schema: " + schema.ToString() + ")");
  }
  std::unique_lock lock(state_->mu);
  auto [it, inserted] = state_->tables.try_emplace(table_id, nullptr);
  if (!inserted) {
    if (it->second->schema == schema) return Status::OK();
    return Status::InvalidArgument("hot tier: table " + std::to_string(table_id) + " is registered with schema " +
                                   it->second->schema.ToString() + ", not " + schema.ToString());
  }
  it->second = std::make_unique<State::Table>();
  it->second->id = table_id;
  it->second->schema = schema;
  return Status::OK();
}

Status HotTier::ReplaceSchema(uint32_t table_id, const Schema& schema) {
  if (schema.ts_index() < 0 || schema.symbol_index() < 0) {
    return Status::InvalidArgument("hot tier: table " + std::to_string(table_id) +
                                   " needs a timestamp and a symbol column (schema: " + schema.ToString() + ")");
  }
  std::unique_lock lock(state_->mu);
  auto it = state_->tables.find(table_id);
  if (it == state_->tables.end()) return Status::NotFound("hot tier has no table " + std::to_string(table_id));
  for (const SeriesBuffer* s : it->second->series) {
    if (s->rows() > 0) {
      return Status::Busy("hot tier: table " + std::to_string(table_id) + " still holds rows of series '" +
                          s->symbol() + "'; flush it before changing its schema");
    }
  }
  size_t freed = 0;  // the empty series' headers leave the count (kept only for readers)
  for (SeriesBuffer* s : it->second->series) {
    auto found = state_->series.find(SeriesKeyView{table_id, s->symbol()});
    if (found == state_->series.end()) continue;
    freed += found->second->allocated_bytes();
    state_->old_series.push_back(std::move(found->second));
    state_->series.erase(found);
  }
  used_bytes_.fetch_sub(freed, std::memory_order_relaxed);
  auto table = std::make_unique<State::Table>();
  table->id = table_id;
  table->schema = schema;
  state_->old_tables.push_back(std::move(it->second));
  it->second = std::move(table);
  return Status::OK();
}

Status HotTier::Insert(uint32_t table_id, const RecordBatch& batch, uint64_t lsn) {
  State::Table* table = nullptr;
  {
    std::shared_lock lock(state_->mu);
    table = state_->FindTable(table_id);
  }
  if (table == nullptr) return Status::NotFound("hot tier: insert into unknown table id " + std::to_string(table_id));
  RETURN_IF_ERROR(CheckShape(batch, table->schema, table_id));
  if (batch.num_rows() == 0) return Status::OK();

  // Per-thread scratch: steady-state inserts allocate nothing here.
  thread_local RowGrouper grouper;
  thread_local std::vector<SeriesBuffer*> targets;
  RETURN_IF_ERROR(grouper.Split(batch.column(static_cast<size_t>(table->schema.symbol_index())))
                      .WithContext("insert into table " + std::to_string(table_id)));
  const std::vector<RowGrouper::Group>& groups = grouper.groups();
  targets.assign(groups.size(), nullptr);
  bool missing = false;
  {
    std::shared_lock lock(state_->mu);
    for (size_t i = 0; i < groups.size(); ++i) {
      auto it = state_->series.find(SeriesKeyView{table_id, groups[i].symbol});
      if (it != state_->series.end()) {
        targets[i] = it->second.get();
      } else {
        missing = true;
      }
    }
  }
  int64_t delta = 0;
  if (missing) {
    std::unique_lock lock(state_->mu);
    for (size_t i = 0; i < groups.size(); ++i) {
      if (targets[i] != nullptr) continue;
      auto [it, inserted] = state_->series.try_emplace(SeriesKey{table_id, std::string(groups[i].symbol)}, nullptr);
      if (inserted) {
        it->second = std::make_unique<SeriesBuffer>(std::string(groups[i].symbol), &table->schema, &state_->pool);
        table->series.push_back(it->second.get());
        delta += static_cast<int64_t>(it->second->allocated_bytes());
      }
      targets[i] = it->second.get();
    }
  }
  const uint32_t* rows = grouper.rows();
  for (size_t i = 0; i < groups.size(); ++i) {
    delta += targets[i]->Append(batch, rows ? rows + groups[i].begin : nullptr, groups[i].count, lsn);
  }
  const size_t used = used_bytes_.fetch_add(static_cast<size_t>(delta), std::memory_order_relaxed) +
                      static_cast<size_t>(delta);  // unsigned wrap-around adds a negative delta
  if (used > options_.memory_budget_bytes && options_.on_pressure) options_.on_pressure(used);
  return Status::OK();
}

Status HotTier::Latest(uint32_t table_id, std::string_view symbol, RecordBatch* out, bool* tied,
                       int64_t* flushed_max_ts) const {
  const SeriesBuffer* series = nullptr;
  {
    std::shared_lock lock(state_->mu);
    auto it = state_->series.find(SeriesKeyView{table_id, symbol});
    if (it != state_->series.end()) {
      series = it->second.get();
    } else if (state_->FindTable(table_id) == nullptr) {
      return Status::NotFound("hot tier: latest of unknown table id " + std::to_string(table_id));
    }
  }
  if (series != nullptr) {
    if (out->fields() != series->schema().fields()) *out = RecordBatch(series->schema());
    // Before the row: a DropUpTo raising it after the copy only makes the caller check more.
    if (flushed_max_ts != nullptr) *flushed_max_ts = series->flushed_max_ts();
    if (series->CopyLatest(out, tied)) return Status::OK();
  }
  return Status::NotFound("hot tier: table " + std::to_string(table_id) + " has no rows for symbol '" +
                          std::string(symbol) + "'");
}

void HotTier::SetFlushedMaxTs(uint32_t table_id, std::string_view symbol, int64_t ts) {
  std::shared_lock lock(state_->mu);
  auto it = state_->series.find(SeriesKeyView{table_id, symbol});
  if (it != state_->series.end()) it->second->SetFlushedMaxTs(ts);
}

Result<std::vector<RecordBatch>> HotTier::Scan(const HotScanRequest& request) const {
  const State::Table* table = nullptr;
  std::vector<const SeriesBuffer*> chosen;
  {
    std::shared_lock lock(state_->mu);
    table = state_->FindTable(request.table_id);
    if (table == nullptr) {
      return Status::NotFound("hot tier: scan of unknown table id " + std::to_string(request.table_id));
    }
    if (request.symbols.empty()) {
      chosen.assign(table->series.begin(), table->series.end());
    } else {
      for (const std::string& s : request.symbols) {
        auto it = state_->series.find(SeriesKeyView{request.table_id, s});
        if (it != state_->series.end()) chosen.push_back(it->second.get());
      }
    }
  }
  const Schema& schema = table->schema;
  std::vector<int> cols;
  std::vector<Field> fields;
  if (request.columns.empty()) {
    for (size_t c = 0; c < schema.num_fields(); ++c) cols.push_back(static_cast<int>(c));
  } else {
    for (const std::string& name : request.columns) {
      int c = schema.FieldIndex(name);
      if (c < 0) {
        return Status::InvalidArgument("hot tier: table " + std::to_string(request.table_id) + " has no column '" +
                                       name + "' (columns: " + schema.ToString() + ")");
      }
      cols.push_back(c);
    }
  }
  for (int c : cols) fields.push_back(schema.field(static_cast<size_t>(c)));
  std::sort(chosen.begin(), chosen.end(), [](auto* a, auto* b) { return a->symbol() < b->symbol(); });
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());

  std::vector<RecordBatch> out;
  for (const SeriesBuffer* series : chosen) {
    RecordBatch batch(fields);
    series->Scan(request.from_ts, request.to_ts, cols, &batch);
    if (batch.num_rows() > 0) out.push_back(std::move(batch));
  }
  return out;
}

std::vector<std::string> HotTier::Symbols(uint32_t table_id) const {
  std::vector<std::string> out;
  const State::Table* table = nullptr;
  {
    std::shared_lock lock(state_->mu);
    table = state_->FindTable(table_id);
  }
  if (table == nullptr) return out;
  for (const SeriesBuffer* s : state_->SeriesOf(*table)) {
    if (s->rows() > 0) out.push_back(s->symbol());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<HotTableStats> HotTier::Stats() const {
  std::vector<const State::Table*> tables;
  {
    std::shared_lock lock(state_->mu);
    for (const auto& [id, table] : state_->tables) tables.push_back(table.get());
  }
  std::vector<HotTableStats> out;
  for (const State::Table* table : tables) {
    HotTableStats s;
    s.table_id = table->id;
    for (const SeriesBuffer* series : state_->SeriesOf(*table)) {
      s.bytes += series->allocated_bytes();  // empty series too: used_bytes() counts them
      const uint64_t rows = series->rows();
      if (rows == 0) continue;
      s.rows += rows;
      s.max_lsn = std::max(s.max_lsn, series->max_lsn());
      s.max_series_rows = std::max(s.max_series_rows, rows);
      s.max_series_bytes = std::max<uint64_t>(s.max_series_bytes, series->allocated_bytes());
      ++s.series;
    }
    out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.table_id < b.table_id; });
  return out;
}

size_t HotTier::pooled_bytes() const { return state_->pool.pooled_bytes(); }

std::vector<HotTier::PendingSeries> HotTier::PendingUpTo(uint64_t lsn, std::optional<uint32_t> table_id) const {
  std::vector<std::pair<const State::Table*, const SeriesBuffer*>> all;
  {
    std::shared_lock lock(state_->mu);
    for (const auto& [id, table] : state_->tables) {
      if (table_id && id != *table_id) continue;
      for (const SeriesBuffer* series : table->series) all.emplace_back(table.get(), series);
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first->id != b.first->id ? a.first->id < b.first->id : a.second->symbol() < b.second->symbol();
  });
  std::vector<PendingSeries> out;
  for (const auto& [table, series] : all) {
    if (series->max_lsn() == 0) continue;
    out.push_back({table->id, series->symbol(),
                   [series = series, lsn](RecordBatch* rows) { series->CopyUpTo(lsn, rows); }, series->rows()});
  }
  return out;
}

Status HotTier::DropUpTo(uint64_t lsn, std::optional<uint32_t> table_id) {
  std::vector<SeriesBuffer*> all;
  if (table_id) {
    const State::Table* table = nullptr;
    {
      std::shared_lock lock(state_->mu);
      table = state_->FindTable(*table_id);
    }
    if (table == nullptr) return Status::NotFound("hot tier has no table " + std::to_string(*table_id));
    all = state_->SeriesOf(*table);
  } else {
    std::shared_lock lock(state_->mu);
    for (const auto& [key, series] : state_->series) all.push_back(series.get());
  }
  for (SeriesBuffer* series : all) {
    const int64_t delta = series->DropUpTo(lsn);
    used_bytes_.fetch_add(static_cast<size_t>(delta), std::memory_order_relaxed);  // wraps: adds a negative
  }
  return Status::OK();
}

}  // namespace strata
