#include "tier/derived_bars.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "bars/bar_kernel.h"
#include "bars/book_rows.h"
#include "strata/state.h"
#include "strata/timestamp.h"
#include "tier/dedup.h"
#include "tier/lake.h"
#include "tier/ts_sort.h"

namespace strata::tier {
namespace {

// Files a change adds have no catalog id yet: they sort after every existing file, in the
// change's order, under ids from here up.
constexpr int64_t kAddedIds = std::numeric_limits<int64_t>::max() / 2;

constexpr char kBookCarryKey[] = "strata.book_carry";

// Book samples are kept per "sample-day": sample-day D holds the rows with ts in (D, D+1] (days
// as DayOf counts them), from the events with ts in the same range.
int64_t SampleDayOf(int64_t ts) { return DayOf(ts - 1); }
int64_t SampleDayFrom(int64_t day) { return DayStartNs(day) + 1; }    // first ts of the sample-day
int64_t SampleDayTo(int64_t day) { return DayStartNs(day + 1) + 1; }  // exclusive

// The live catalog files of (table, symbol) with rows in [from, to) (unbounded where not given).
Result<std::vector<FileRecord>> SeriesFiles(Catalog* catalog, int64_t table_id, const std::string& symbol,
                                            std::optional<int64_t> from, std::optional<int64_t> to) {
  FileQuery q;
  q.table_id = table_id;
  q.symbol = symbol;
  q.from_ts = from;
  q.to_ts = to;
  return catalog->ListFiles(q);
}

}  // namespace

std::string DerivedBarTableName(std::string_view source, int64_t interval_ns) {
  return std::string(source) + "_bars_" + bars::BarIntervalName(interval_ns);
}

Result<std::vector<TableDef>> DerivedBarTableDefs(const TableDef& source) {
  ASSIGN_OR_RETURN(TablePolicy policy, TablePolicy::Parse(source.policy_json));
  std::vector<TableDef> out;
  const std::vector<int64_t> intervals = policy.BarIntervals();
  const std::vector<int64_t> book_intervals = policy.BookSampleIntervals();
  if (intervals.empty() && book_intervals.empty()) return out;
  if (policy.IsDerived()) {
    return Status::InvalidArgument("table " + source.name + " is a derived table; it cannot declare derived tables");
  }
  const Schema& s = source.schema;
  if (!intervals.empty()) {
    const int price = s.FieldIndex("price"), size = s.FieldIndex("size");
    if (price < 0 || size < 0 || s.field(price).type != ColumnType::kFloat64 ||
        (s.field(size).type != ColumnType::kInt64 && s.field(size).type != ColumnType::kInt32)) {
      return Status::InvalidArgument("table " + source.name + " cannot have derived bars: it needs price:f64 and " +
                                     "size:i64 columns (columns: " + s.ToString() + ")");
    }
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
  if (!book_intervals.empty()) {
    auto cols = state::BookColumns::Resolve(source.name, s);
    if (!cols.ok()) return cols.status().WithContext("table " + source.name + " cannot have book samples");
  }
  for (int64_t iv : book_intervals) {
    TableDef d;
    d.name = BookSamplesTableName(source.name, iv);
    d.schema = BookSamplesSchema(static_cast<size_t>(policy.BookDepth()));
    TablePolicy p;
    p.derived_from = source.name;
    p.book_interval = bars::BarIntervalName(iv);
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
    for (int64_t iv : policy->BookSampleIntervals()) {
      const std::string name = BookSamplesTableName(src.table.def.name, iv);
      auto t = options_.catalog->GetTable(name);
      if (!t.ok()) {
        return t.status().WithContext("derived book-sample table " + name + " of " + src.table.def.name +
                                      " (set the policy through the database to create it)");
      }
      src.book_targets.push_back({std::move(*t), iv, static_cast<size_t>(policy->BookDepth())});
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

Status DerivedBars::ReadSource(const Source& src, const std::string& symbol, int64_t from, int64_t to,
                               const CatalogChange& change, const std::set<int64_t>& gone_ids, size_t source_adds,
                               std::vector<std::string> columns, RecordBatch* rows, size_t* files) {
  // The source files holding rows in [from, to) after the change, in scan order: cold first, then
  // by id (files the change adds get ids after every existing one, in the change's order).
  ASSIGN_OR_RETURN(auto live, SeriesFiles(options_.catalog, src.table.id, symbol, from, to));
  std::vector<std::tuple<bool, int64_t, const FileRecord*>> order;
  for (const FileRecord& f : live) {
    if (!gone_ids.count(f.id)) order.emplace_back(f.tier != Tier::kCold, f.id, &f);
  }
  for (size_t i = 0; i < source_adds; ++i) {
    const FileRecord& f = change.add[i];
    if (f.table_id != src.table.id || f.symbol != symbol || f.min_ts >= to || f.max_ts < from) continue;
    order.emplace_back(f.tier != Tier::kCold, kAddedIds + static_cast<int64_t>(i), &f);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a)) < std::tie(std::get<0>(b), std::get<1>(b));
  });
  *files = order.size();
  *rows = RecordBatch();
  const Schema& schema = src.table.def.schema;
  const std::string ts_name = schema.field(schema.ts_index()).name;
  parquet::ReadOptions ro;
  ro.columns = std::move(columns);
  // Duplicates across the files are dropped as a scan drops them (dedup.h): by the key, or for a
  // table without one by every column (then all are read).
  const std::optional<std::string>& key = src.table.def.dedup_key;
  if (key && !ro.columns.empty() && std::find(ro.columns.begin(), ro.columns.end(), *key) == ro.columns.end()) {
    ro.columns.push_back(*key);
  } else if (!key) {
    ro.columns.clear();
  }
  ro.time_range = parquet::TimeRange{ts_name, from, to};
  bool first = true;
  for (const auto& [warm, id, f] : order) {
    ASSIGN_OR_RETURN(RecordBatch b, options_.read(*f, ro));
    if (first) {
      *rows = std::move(b);
      first = false;
    } else {
      RETURN_IF_ERROR(rows->Append(b).WithContext("rows of " + src.table.def.name + " " + symbol));
    }
  }
  if (rows->num_columns() > 0) {
    const int ts_col = rows->FieldIndex(ts_name);
    if (order.size() > 1) *rows = SortByTs(std::move(*rows), ts_col);
    Dedup(rows, key ? rows->FieldIndex(*key) : -1);
  }
  return Status::OK();
}

Status DerivedBars::PrepareSeriesDay(const Source& src, const std::string& symbol, int64_t day, CatalogChange* change,
                                     const std::set<int64_t>& gone_ids, size_t source_adds,
                                     const Precomputed* precomputed, Pending* pending) {
  const int64_t from = DayStartNs(day), to = DayStartNs(day + 1);
  ++pending->days_rebuilt;
  // The series-day's only source is a file this change adds, whose bars the caller computed from
  // the rows it wrote (the first flush of a day): no need to read them back.
  const std::map<int64_t, RecordBatch>* ready = nullptr;
  if (precomputed) {
    std::vector<size_t> adds;
    for (size_t i = 0; i < source_adds; ++i) {
      const FileRecord& f = change->add[i];
      if (f.table_id == src.table.id && f.symbol == symbol && f.min_ts < to && f.max_ts >= from) adds.push_back(i);
    }
    if (adds.size() == 1) {
      ASSIGN_OR_RETURN(auto live, SeriesFiles(options_.catalog, src.table.id, symbol, from, to));
      bool other = false;
      for (const FileRecord& f : live) other = other || !gone_ids.count(f.id);
      auto it = precomputed->find(adds[0]);
      if (!other && it != precomputed->end()) ready = &it->second;
      for (const Target& t : src.targets) {
        if (ready && !ready->count(t.interval)) ready = nullptr;
      }
    }
  }
  RecordBatch rows;
  if (!ready) {
    ++pending->days_read;
    const Schema& schema = src.table.def.schema;
    size_t files = 0;
    RETURN_IF_ERROR(
        ReadSource(src, symbol, from, to, *change, gone_ids, source_adds,
                   {schema.field(schema.ts_index()).name, schema.field(schema.symbol_index()).name, "price", "size"},
                   &rows, &files));
  }
  for (const Target& t : src.targets) {
    // The bar files this replaces (whatever their tier).
    ASSIGN_OR_RETURN(auto old, SeriesFiles(options_.catalog, t.table.id, symbol, from, to));
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
    auto rec = options_.write_warm(t.table, symbol, day, bars, {});
    if (!rec.ok()) return rec.status().WithContext("writing the bars of " + t.table.def.name);
    pending->written.push_back(*rec);
    change->add.push_back(std::move(*rec));
  }
  return Status::OK();
}

Status DerivedBars::PrepareBookSamples(const Source& src, const BookTarget& t, const std::string& symbol,
                                       std::set<int64_t> days, CatalogChange* change, const std::set<int64_t>& gone_ids,
                                       size_t source_adds, Pending* pending) {
  if (days.empty()) return Status::OK();
  ASSIGN_OR_RETURN(state::BookColumns cols, state::BookColumns::Resolve(src.table.def.name, src.table.def.schema));
  // The live sample files of the symbol overlapping [from, to), minus those the change retires.
  auto sample_files = [&](std::optional<int64_t> from, std::optional<int64_t> to) -> Result<std::vector<FileRecord>> {
    ASSIGN_OR_RETURN(auto files, SeriesFiles(options_.catalog, t.table.id, symbol, from, to));
    std::vector<FileRecord> out;
    for (FileRecord& f : files) {
      if (std::find(change->retire.begin(), change->retire.end(), f.id) == change->retire.end()) {
        out.push_back(std::move(f));
      }
    }
    return out;
  };
  auto carry_of = [&](const FileRecord& f) -> Result<std::string> {
    ASSIGN_OR_RETURN(auto kvs, options_.read_key_values(f));
    for (const parquet::KeyValue& kv : kvs) {
      if (kv.key == kBookCarryKey && kv.value) return *kv.value;
    }
    return Status::Corruption("book-sample file " + f.uri + " has no " + kBookCarryKey);
  };
  // The source files of the symbol after the change.
  auto source_files = [&](std::optional<int64_t> from, std::optional<int64_t> to) -> Result<std::vector<FileRecord>> {
    ASSIGN_OR_RETURN(auto files, SeriesFiles(options_.catalog, src.table.id, symbol, from, to));
    std::vector<FileRecord> out;
    for (FileRecord& f : files) {
      if (!gone_ids.count(f.id)) out.push_back(std::move(f));
    }
    for (size_t i = 0; i < source_adds; ++i) {
      const FileRecord& f = change->add[i];
      if (f.table_id != src.table.id || f.symbol != symbol) continue;
      if ((to && f.min_ts >= *to) || (from && f.max_ts < *from)) continue;
      out.push_back(f);
    }
    return out;
  };
  // What the first sample-day starts from is the carry of the latest sample file before it. That
  // file's sample-day is recomputed when its last boundary was pending (the events touched now are
  // after it, so they close it), and so is every sample-day between it and the first one that has
  // events but no file (the newest sample-day, while all its events are in its open boundary).
  {
    const int64_t first = *days.begin();
    ASSIGN_OR_RETURN(auto prior, sample_files(std::nullopt, SampleDayFrom(first)));
    const FileRecord* prev = nullptr;
    for (const FileRecord& f : prior) {
      if (!prev || f.min_ts > prev->min_ts) prev = &f;
    }
    std::optional<int64_t> lo;  // the first ts after the prev file's sample-day
    if (prev) {
      const int64_t prev_day = SampleDayOf(prev->min_ts);
      lo = SampleDayTo(prev_day);
      ASSIGN_OR_RETURN(std::string carry, carry_of(*prev));
      state::OrderBook unused;
      std::optional<int64_t> open;
      RETURN_IF_ERROR(state::DecodeBookCarry(carry, &unused, &open).WithContext(prev->uri));
      if (open) days.insert(prev_day);
    }
    ASSIGN_OR_RETURN(auto between, source_files(lo, SampleDayFrom(first)));
    for (const FileRecord& f : between) {
      const int64_t from = lo ? std::max(f.min_ts, *lo) : f.min_ts;
      const int64_t to = std::min(f.max_ts, SampleDayFrom(first) - 1);
      for (int64_t d = SampleDayOf(from); d <= SampleDayOf(to); ++d) days.insert(d);
    }
  }
  std::map<int64_t, std::string> computed;  // sample-day -> the carry at its end, as recomputed
  while (!days.empty()) {
    const int64_t day = *days.begin();
    days.erase(days.begin());
    // The carry in: the latest recomputed sample-day before this one, or the latest file before it.
    state::OrderBook book;
    std::optional<int64_t> open;
    std::string carry_in;
    bool have_carry = false;
    int64_t carry_day = std::numeric_limits<int64_t>::min();
    if (auto it = computed.lower_bound(day); it != computed.begin()) {
      --it;
      carry_day = it->first;
      carry_in = it->second;
      have_carry = true;
    }
    ASSIGN_OR_RETURN(auto before, sample_files(std::nullopt, SampleDayFrom(day)));
    const FileRecord* prev = nullptr;
    for (const FileRecord& f : before) {
      if (SampleDayOf(f.min_ts) < day && (!prev || f.min_ts > prev->min_ts)) prev = &f;
    }
    if (prev && SampleDayOf(prev->min_ts) > carry_day) {
      ASSIGN_OR_RETURN(carry_in, carry_of(*prev));
      have_carry = true;
    }
    if (have_carry) RETURN_IF_ERROR(state::DecodeBookCarry(carry_in, &book, &open).WithContext("book carry"));
    // The files this replaces, and the carry they ended with.
    ASSIGN_OR_RETURN(auto old, sample_files(SampleDayFrom(day), SampleDayTo(day)));
    std::optional<std::string> old_carry;
    for (FileRecord& f : old) {
      if (old.size() == 1) {
        ASSIGN_OR_RETURN(old_carry, carry_of(f));
      }
      change->retire.push_back(f.id);
      pending->replaced.push_back(std::move(f));
    }
    ++pending->days_rebuilt;
    ++pending->days_read;
    RecordBatch rows;
    size_t nfiles = 0;
    RETURN_IF_ERROR(ReadSource(src, symbol, SampleDayFrom(day), SampleDayTo(day), *change, gone_ids, source_adds, {},
                               &rows, &nfiles));
    std::string carry_out;
    if (rows.num_rows() == 0) {
      // Its rows are gone (retention): its samples go, and the days after keep the book those rows
      // built (the carry passes through unchanged, so they are not recomputed).
      carry_out = old_carry ? *old_carry : carry_in;
      computed[day] = carry_out;
      continue;
    }
    state::BookSampler sampler(symbol, t.interval, t.depth);
    sampler.set_pending(open);
    const Column& ts_col = rows.column(static_cast<size_t>(cols.ts));
    for (size_t i = 0; i < rows.num_rows(); ++i) {
      sampler.BeforeEvent(ts_col.int64s()[i], book);
      state::ApplyBookRow(&book, rows, i, cols);
    }
    // The last boundary is written once an event at or after it exists: in this sample-day, or later.
    ASSIGN_OR_RETURN(auto later, source_files(SampleDayTo(day), std::nullopt));
    sampler.Finish(book, later.empty() ? ts_col.int64s()[rows.num_rows() - 1] : std::numeric_limits<int64_t>::max());
    carry_out = state::EncodeBookCarry(book, sampler.pending());
    computed[day] = carry_out;
    RecordBatch samples = sampler.TakeRows();
    // No row yet (every event in the still open last boundary): no file; the next change that
    // touches a later day recomputes this one first.
    if (samples.num_rows() > 0) {
      auto rec = options_.write_warm(t.table, symbol, day, samples, {{kBookCarryKey, carry_out}});
      if (!rec.ok()) return rec.status().WithContext("writing the book samples of " + t.table.def.name);
      pending->written.push_back(*rec);
      change->add.push_back(std::move(*rec));
    }
    // The next sample-day with a file started from this one's old carry: recompute it if that changed.
    if (!old_carry || *old_carry != carry_out) {
      ASSIGN_OR_RETURN(auto after, sample_files(SampleDayTo(day), std::nullopt));
      std::optional<int64_t> next;
      for (const FileRecord& f : after) {
        const int64_t d = SampleDayOf(f.min_ts);
        if (d > day && (!next || d < *next)) next = d;
      }
      if (next) days.insert(*next);
    }
  }
  return Status::OK();
}

Status DerivedBars::Prepare(CatalogChange* change, const std::vector<FileRecord>& gone, Pending* pending,
                            const Precomputed* precomputed) {
  sources_.clear();
  std::set<std::tuple<int64_t, std::string, int64_t>> touched;               // (source table, symbol, day)
  std::map<std::pair<int64_t, std::string>, std::set<int64_t>> sample_days;  // (source table, symbol) -> sample-days
  auto touch = [&](const FileRecord& f) -> Status {
    ASSIGN_OR_RETURN(const Source* src, SourceOf(f.table_id));
    if (!src->targets.empty()) {
      for (int64_t d = DayOf(f.min_ts); d <= DayOf(f.max_ts); ++d) touched.emplace(f.table_id, f.symbol, d);
    }
    if (!src->book_targets.empty()) {
      auto& days = sample_days[{f.table_id, f.symbol}];
      for (int64_t d = SampleDayOf(f.min_ts); d <= SampleDayOf(f.max_ts); ++d) days.insert(d);
    }
    return Status::OK();
  };
  for (const FileRecord& f : change->add) RETURN_IF_ERROR(touch(f));
  for (const FileRecord& f : gone) RETURN_IF_ERROR(touch(f));
  if (touched.empty() && sample_days.empty()) return Status::OK();
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
  for (const auto& [key, days] : sample_days) {
    if (!st.ok()) break;
    const Source& src = sources_.at(key.first);
    for (const BookTarget& t : src.book_targets) {
      st = PrepareBookSamples(src, t, key.second, days, change, gone_ids, source_adds, &mine);
      if (!st.ok()) {
        st = st.WithContext("book samples " + t.table.def.name + " of " + key.second);
        break;
      }
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
  if (!src->derives()) return retired;
  std::set<std::pair<std::string, int64_t>> days;
  FileQuery q;
  q.table_id = source.id;
  ASSIGN_OR_RETURN(auto files, options_.catalog->ListFiles(q));
  for (const FileRecord& f : files) {
    if (src->targets.empty()) break;
    for (int64_t d = DayOf(f.min_ts); d <= DayOf(f.max_ts); ++d) days.emplace(f.symbol, d);
  }
  for (const Target& t : src->targets) {
    FileQuery bq;
    bq.table_id = t.table.id;
    ASSIGN_OR_RETURN(auto bar_files, options_.catalog->ListFiles(bq));
    for (const FileRecord& f : bar_files) days.emplace(f.symbol, DayOf(f.min_ts));
  }
  // Prepares one change with `prepare` and commits it.
  auto commit_one = [&](const std::string& what,
                        const std::function<Status(CatalogChange*, Pending*)>& prepare) -> Status {
    CatalogChange change;
    Pending pending;
    Status st = prepare(&change, &pending);
    if (!st.ok()) {
      Abandon(pending);
      return st.WithContext(what);
    }
    // A failed commit may still be durable: the files it names stay (the next open decides).
    st = options_.commit ? options_.commit(change) : options_.catalog->Commit(change).status();
    if (!st.ok()) return st.WithContext(what);
    retired.insert(retired.end(), pending.replaced.begin(), pending.replaced.end());
    return Status::OK();
  };
  // One transaction per series-day keeps each commit small; each is exact on its own.
  // (Named copies, not structured bindings, in the lambdas: clang 14, the sanitizer trees' compiler,
  // cannot capture bindings.)
  for (const auto& series_day : days) {
    const std::string& symbol = series_day.first;
    const int64_t day = series_day.second;
    RETURN_IF_ERROR(
        commit_one("rebuilding the bars of " + source.def.name + " " + symbol + " " + FormatDate(DayStartNs(day)),
                   [&](CatalogChange* change, Pending* pending) {
                     return PrepareSeriesDay(*src, symbol, day, change, {}, 0, nullptr, pending);
                   }));
  }
  // Book samples: every sample-day of a symbol in one transaction, each from the one before.
  for (const BookTarget& t : src->book_targets) {
    std::map<std::string, std::set<int64_t>> sample_days;
    for (const FileRecord& f : files) {
      for (int64_t d = SampleDayOf(f.min_ts); d <= SampleDayOf(f.max_ts); ++d) sample_days[f.symbol].insert(d);
    }
    FileQuery bq;
    bq.table_id = t.table.id;
    ASSIGN_OR_RETURN(auto sample_files, options_.catalog->ListFiles(bq));
    for (const FileRecord& f : sample_files) sample_days[f.symbol].insert(SampleDayOf(f.min_ts));
    for (const auto& series : sample_days) {
      const std::string& symbol = series.first;
      const std::set<int64_t>& sdays = series.second;
      RETURN_IF_ERROR(commit_one("rebuilding the book samples " + t.table.def.name + " of " + symbol,
                                 [&](CatalogChange* change, Pending* pending) {
                                   return PrepareBookSamples(*src, t, symbol, sdays, change, {}, 0, pending);
                                 }));
    }
  }
  return retired;
}

}  // namespace strata::tier
