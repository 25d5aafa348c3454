#include "tier/derived_bars.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "bars/bar_kernel.h"
#include "strata/timestamp.h"
#include "tier/dedup.h"
#include "tier/lake.h"
#include "tier/ts_sort.h"

namespace strata::tier {
namespace {

// Files a change adds have no catalog id yet: they sort after every existing file, in the
// change's order, under ids from here up.
constexpr int64_t kAddedIds = std::numeric_limits<int64_t>::max() / 2;

}  // namespace

std::string DerivedBarTableName(std::string_view source, int64_t interval_ns) {
  return std::string(source) + "_bars_" + bars::BarIntervalName(interval_ns);
}

Result<std::vector<TableDef>> DerivedBarTableDefs(const TableDef& source) {
  ASSIGN_OR_RETURN(TablePolicy policy, TablePolicy::Parse(source.policy_json));
  std::vector<TableDef> out;
  const std::vector<int64_t> intervals = policy.BarIntervals();
  if (intervals.empty()) return out;
  if (policy.IsDerived()) {
    return Status::InvalidArgument("table " + source.name + " is a derived bar table; it cannot declare bars");
  }
  const Schema& s = source.schema;
  const int price = s.FieldIndex("price"), size = s.FieldIndex("size");
  if (price < 0 || size < 0 || s.field(price).type != ColumnType::kFloat64 ||
      (s.field(size).type != ColumnType::kInt64 && s.field(size).type != ColumnType::kInt32)) {
    return Status::InvalidArgument("table " + source.name + " cannot have derived bars: it needs price:f64 and " +
                                   "size:i64 columns (columns: " + s.ToString() + ")");
  }
  ASSIGN_OR_RETURN(Schema bar_schema, Schema::Make(bars::BarFields()));
  for (int64_t iv : intervals) {
    TableDef d;
    d.name = DerivedBarTableName(source.name, iv);
    d.schema = bar_schema;
    TablePolicy p;
    p.derived_from = source.name;
    p.bar_interval = bars::BarIntervalName(iv);
    d.policy_json = p.ToJson();
    out.push_back(std::move(d));
  }
  return out;
}

DerivedBars::DerivedBars(DerivedBarsOptions options) : options_(std::move(options)) {}

Result<const DerivedBars::Source*> DerivedBars::SourceOf(int64_t table_id) {
  auto it = sources_.find(table_id);
  if (it != sources_.end()) return &it->second;
  Source src;
  ASSIGN_OR_RETURN(src.table, options_.catalog->GetTableById(table_id));
  auto policy = TablePolicy::Parse(src.table.def.policy_json);
  if (!policy.ok()) return policy.status().WithContext("table " + src.table.def.name);
  if (!policy->IsDerived()) {
    for (int64_t iv : policy->BarIntervals()) {
      const std::string name = DerivedBarTableName(src.table.def.name, iv);
      auto t = options_.catalog->GetTable(name);
      if (!t.ok()) {
        return t.status().WithContext("derived bar table " + name + " of " + src.table.def.name +
                                      " (set the policy through the database to create it)");
      }
      src.targets.push_back({std::move(*t), iv});
    }
  }
  return &sources_.emplace(table_id, std::move(src)).first->second;
}

Result<std::vector<int64_t>> DerivedBars::Intervals(int64_t table_id) {
  ASSIGN_OR_RETURN(const Source* src, SourceOf(table_id));
  std::vector<int64_t> out;
  for (const Target& t : src->targets) out.push_back(t.interval);
  return out;
}

Status DerivedBars::PrepareSeriesDay(const Source& src, const std::string& symbol, int64_t day, CatalogChange* change,
                                     const std::set<int64_t>& gone_ids, size_t source_adds,
                                     const Precomputed* precomputed, Pending* pending) {
  const int64_t from = DayStartNs(day), to = DayStartNs(day + 1);
  // The catalog's files of `table_id` holding rows of this series-day.
  auto series_day_files = [&](int64_t table_id) {
    FileQuery q;
    q.table_id = table_id;
    q.symbol = symbol;
    q.from_ts = from;
    q.to_ts = to;
    return options_.catalog->ListFiles(q);
  };
  // The source files holding the series-day after the change, in scan order: cold first, then by
  // id (files the change adds get ids after every existing one, in the change's order).
  ASSIGN_OR_RETURN(auto live, series_day_files(src.table.id));
  std::vector<std::tuple<bool, int64_t, const FileRecord*>> order;
  for (const FileRecord& f : live) {
    if (!gone_ids.count(f.id)) order.emplace_back(f.tier != Tier::kCold, f.id, &f);
  }
  for (size_t i = 0; i < source_adds; ++i) {
    const FileRecord& f = change->add[i];
    if (f.table_id != src.table.id || f.symbol != symbol || f.min_ts >= to || f.max_ts < from) continue;
    order.emplace_back(f.tier != Tier::kCold, kAddedIds + static_cast<int64_t>(i), &f);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  ++pending->days_rebuilt;
  // The series-day's only source is a file this change adds, whose bars the caller computed from
  // the rows it wrote (the first flush of a day): no need to read them back.
  const std::map<int64_t, RecordBatch>* ready = nullptr;
  if (precomputed && order.size() == 1 && std::get<1>(order[0]) >= kAddedIds) {
    auto it = precomputed->find(static_cast<size_t>(std::get<1>(order[0]) - kAddedIds));
    if (it != precomputed->end()) ready = &it->second;
    for (const Target& t : src.targets) {
      if (ready && !ready->count(t.interval)) ready = nullptr;
    }
  }
  RecordBatch rows;
  if (!ready) {
    ++pending->days_read;
    const Schema& schema = src.table.def.schema;
    const std::string ts_name = schema.field(schema.ts_index()).name;
    parquet::ReadOptions ro;
    ro.columns = {ts_name, schema.field(schema.symbol_index()).name, "price", "size"};
    // Duplicates across the day's files are dropped as a scan drops them (dedup.h): by the key,
    // or for a table without one by every column (then all are read).
    const std::optional<std::string>& key = src.table.def.dedup_key;
    if (key && std::find(ro.columns.begin(), ro.columns.end(), *key) == ro.columns.end()) {
      ro.columns.push_back(*key);
    } else if (!key) {
      ro.columns.clear();
    }
    ro.time_range = parquet::TimeRange{ts_name, from, to};
    bool first = true;
    for (const auto& [warm, id, f] : order) {
      ASSIGN_OR_RETURN(RecordBatch b, options_.read(*f, ro));
      if (first) {
        rows = std::move(b);
        first = false;
      } else {
        RETURN_IF_ERROR(rows.Append(b).WithContext("bars of " + src.table.def.name + " " + symbol));
      }
    }
    if (rows.num_columns() > 0) {
      const int ts_col = rows.FieldIndex(ts_name);
      if (order.size() > 1) rows = SortByTs(std::move(rows), ts_col);
      Dedup(&rows, key ? rows.FieldIndex(*key) : -1);
    }
  }
  for (const Target& t : src.targets) {
    // The bar files this replaces (whatever their tier).
    ASSIGN_OR_RETURN(auto old, series_day_files(t.table.id));
    for (FileRecord& f : old) {
      change->retire.push_back(f.id);
      pending->replaced.push_back(std::move(f));
    }
    RecordBatch computed;
    if (!ready) {
      if (rows.num_rows() == 0) continue;
      ASSIGN_OR_RETURN(computed, bars::ComputeBars(rows, t.interval));
    }
    const RecordBatch& bars = ready ? ready->at(t.interval) : computed;
    if (bars.num_rows() == 0) continue;
    auto rec = options_.write_warm(t.table, symbol, day, bars);
    if (!rec.ok()) return rec.status().WithContext("writing the bars of " + t.table.def.name);
    pending->written.push_back(*rec);
    change->add.push_back(std::move(*rec));
  }
  return Status::OK();
}

Status DerivedBars::Prepare(CatalogChange* change, const std::vector<FileRecord>& gone, Pending* pending,
                            const Precomputed* precomputed) {
  sources_.clear();
  std::set<std::tuple<int64_t, std::string, int64_t>> touched;  // (source table, symbol, day)
  auto touch = [&](const FileRecord& f) -> Status {
    ASSIGN_OR_RETURN(const Source* src, SourceOf(f.table_id));
    if (src->targets.empty()) return Status::OK();
    for (int64_t d = DayOf(f.min_ts); d <= DayOf(f.max_ts); ++d) touched.emplace(f.table_id, f.symbol, d);
    return Status::OK();
  };
  for (const FileRecord& f : change->add) RETURN_IF_ERROR(touch(f));
  for (const FileRecord& f : gone) RETURN_IF_ERROR(touch(f));
  if (touched.empty()) return Status::OK();
  std::set<int64_t> gone_ids(change->retire.begin(), change->retire.end());
  gone_ids.insert(change->remove.begin(), change->remove.end());
  for (const FileRecord& f : gone) gone_ids.insert(f.id);
  const size_t source_adds = change->add.size();
  const size_t retire_before = change->retire.size();
  Pending mine;
  Status st;
  for (const auto& [table_id, symbol, day] : touched) {
    st = PrepareSeriesDay(sources_.at(table_id), symbol, day, change, gone_ids, source_adds, precomputed, &mine);
    if (!st.ok()) {
      st = st.WithContext("derived bars of " + sources_.at(table_id).table.def.name + " " + symbol + " " +
                          FormatDate(DayStartNs(day)));
      break;
    }
  }
  if (!st.ok()) {
    Abandon(mine);
    change->add.resize(source_adds);
    change->retire.resize(retire_before);
    return st;
  }
  pending->written.insert(pending->written.end(), mine.written.begin(), mine.written.end());
  pending->replaced.insert(pending->replaced.end(), mine.replaced.begin(), mine.replaced.end());
  pending->days_rebuilt += mine.days_rebuilt;
  pending->days_read += mine.days_read;
  return Status::OK();
}

void DerivedBars::Abandon(const Pending& pending) {
  for (const FileRecord& f : pending.written) options_.fs->RemoveFile(JoinPath(options_.root, f.uri)).IgnoreError();
}

Result<std::vector<FileRecord>> DerivedBars::Rebuild(const TableInfo& source) {
  sources_.clear();
  ASSIGN_OR_RETURN(const Source* src, SourceOf(source.id));
  std::vector<FileRecord> retired;
  if (src->targets.empty()) return retired;
  std::set<std::pair<std::string, int64_t>> days;
  FileQuery q;
  q.table_id = source.id;
  ASSIGN_OR_RETURN(auto files, options_.catalog->ListFiles(q));
  for (const FileRecord& f : files) {
    for (int64_t d = DayOf(f.min_ts); d <= DayOf(f.max_ts); ++d) days.emplace(f.symbol, d);
  }
  for (const Target& t : src->targets) {
    FileQuery bq;
    bq.table_id = t.table.id;
    ASSIGN_OR_RETURN(auto bar_files, options_.catalog->ListFiles(bq));
    for (const FileRecord& f : bar_files) days.emplace(f.symbol, DayOf(f.min_ts));
  }
  // One transaction per series-day keeps each commit small; each is exact on its own.
  for (const auto& [symbol, day] : days) {
    CatalogChange change;
    Pending pending;
    const std::string what =
        "rebuilding the bars of " + source.def.name + " " + symbol + " " + FormatDate(DayStartNs(day));
    Status st = PrepareSeriesDay(*src, symbol, day, &change, {}, 0, nullptr, &pending);
    if (!st.ok()) {
      Abandon(pending);
      return st.WithContext(what);
    }
    // A failed commit may still be durable: the files it names stay (the next open decides).
    st = options_.commit ? options_.commit(change) : options_.catalog->Commit(change).status();
    if (!st.ok()) return st.WithContext(what);
    retired.insert(retired.end(), pending.replaced.begin(), pending.replaced.end());
  }
  return retired;
}

}  // namespace strata::tier
