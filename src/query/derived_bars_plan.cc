#include "query/derived_bars_plan.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>

#include "bars/bar_kernel.h"
#include "strata/timestamp.h"
#include "tier/derived_bars.h"
#include "tier/lake.h"
#include "tier/policy.h"
#include "tier/ts_sort.h"

namespace strata::query {
namespace {

constexpr int64_t kMinTs = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTs = std::numeric_limits<int64_t>::max();

int64_t FloorTo(int64_t ts, int64_t d) { return FloorToMultiple(ts, d); }
int64_t CeilTo(int64_t ts, int64_t d) {
  const int64_t f = FloorTo(ts, d);
  if (f == ts) return ts;
  return f > kMaxTs - d ? kMaxTs : f + d;
}

}  // namespace

Result<std::unique_ptr<BatchStream>> DerivedBarsPipeline(Database* db, const TableDef& def, const DerivedBarsRequest& r,
                                                         QueryPlan* plan) {
  std::unique_ptr<BatchStream> none;
  if (r.tiers.size() != 3) return none;
  auto policy = tier::TablePolicy::Parse(def.policy_json);
  if (!policy.ok()) return none;
  int64_t d = 0;
  std::string derived_name;
  for (int64_t iv : policy->BarIntervals()) {
    if (r.interval % iv != 0) continue;
    std::string name = tier::DerivedBarTableName(def.name, iv);
    if (!db->GetTable(name).ok()) continue;
    d = iv;  // ascending: the last that fits is the largest
    derived_name = std::move(name);
  }
  if (d == 0) return none;
  const auto t0 = std::chrono::steady_clock::now();
  const ScanRequest& q = r.request;
  const Schema& schema = def.schema;
  const std::string ts_name = schema.field(schema.ts_index()).name;
  const std::string sym_name = schema.field(schema.symbol_index()).name;
  const std::vector<std::string> raw_cols = {ts_name, sym_name, "price", "size"};
  const int64_t a = q.from_ts == kMinTs ? kMinTs : CeilTo(q.from_ts, d);
  const int64_t b = q.to_ts == kMaxTs ? kMaxTs : std::max(a, FloorTo(q.to_ts, d));

  auto scan = [&](const std::string& table, std::vector<std::string> symbols, int64_t from, int64_t to,
                  std::vector<std::string> cols, std::vector<std::string> tiers,
                  ScanCounters* counters) -> Result<std::map<std::string, RecordBatch>> {
    if (from >= to) return std::map<std::string, RecordBatch>{};
    ScanRequest s;
    s.table = table;
    s.symbols = std::move(symbols);
    s.from_ts = from;
    s.to_ts = to;
    s.columns = std::move(cols);
    s.tiers = std::move(tiers);
    s.decode_threads = q.decode_threads;
    ASSIGN_OR_RETURN(std::unique_ptr<ScanCursor> cursor, db->NewScan(s));
    std::map<std::string, RecordBatch> out;  // one batch per symbol
    RecordBatch b;
    while (true) {
      ASSIGN_OR_RETURN(bool more, cursor->Next(&b));
      if (!more) break;
      if (b.num_rows() == 0) continue;
      auto [it, fresh] = out.try_emplace(cursor->symbol());
      if (fresh) {
        it->second = std::move(b);
        b = RecordBatch();
      } else {
        RETURN_IF_ERROR(it->second.Append(b));
      }
    }
    ScanStats seen;
    AccumulateScanStats(cursor->stats(), &seen, &counters->stats);
    ++counters->cursors;
    return out;
  };
  ScanCounters* raw_counters = plan->AddScan(def.name);
  raw_counters->tiers = r.tiers;
  raw_counters->columns = raw_cols;
  ScanCounters* bar_counters = plan->AddScan(derived_name);
  bar_counters->tiers = r.tiers;

  // Series-days of the interior with hot rows: computed from raw rows.
  ASSIGN_OR_RETURN(auto hot, scan(def.name, q.symbols, a, b, {ts_name, sym_name}, {"hot"}, raw_counters));
  std::map<std::string, std::set<int64_t>> hot_days;
  for (const auto& [sym, rows] : hot) {
    for (int64_t t : rows.column(0).int64s()) hot_days[sym].insert(DayOf(t));
  }
  ASSIGN_OR_RETURN(auto derived, scan(derived_name, q.symbols, a, b, {}, {}, bar_counters));
  ASSIGN_OR_RETURN(auto head, scan(def.name, q.symbols, q.from_ts, std::min(a, q.to_ts), raw_cols, {}, raw_counters));
  ASSIGN_OR_RETURN(auto tail, scan(def.name, q.symbols, std::max(b, q.from_ts), q.to_ts, raw_cols, {}, raw_counters));

  std::set<std::string> symbols;
  for (auto* m : {&hot, &derived, &head, &tail}) {
    for (const auto& [sym, rows] : *m) symbols.insert(sym);
  }
  uint64_t derived_bars = 0, raw_rows = 0, raw_days = 0;
  std::vector<std::unique_ptr<BatchStream>> per_symbol;
  for (const std::string& sym : symbols) {
    // d-bars of every piece, each piece's bars tagged with its start for ordering.
    std::vector<RecordBatch> pieces;
    auto add_raw = [&](const RecordBatch& rows) -> Status {
      if (rows.num_rows() == 0) return Status::OK();
      raw_rows += rows.num_rows();
      ASSIGN_OR_RETURN(RecordBatch bars, bars::ComputeBars(rows, d));
      pieces.push_back(std::move(bars));
      return Status::OK();
    };
    if (auto it = head.find(sym); it != head.end()) RETURN_IF_ERROR(add_raw(it->second));
    const std::set<int64_t>& days = hot_days[sym];
    if (auto it = derived.find(sym); it != derived.end()) {
      const RecordBatch& bars = it->second;
      const std::vector<int64_t>& ts = bars.column(0).int64s();
      std::vector<uint32_t> keep;
      for (size_t i = 0; i < ts.size(); ++i) {
        if (!days.count(DayOf(ts[i]))) keep.push_back(static_cast<uint32_t>(i));
      }
      derived_bars += keep.size();
      pieces.push_back(keep.size() == ts.size() ? bars : bars.Take(keep));
    }
    for (int64_t day : days) {
      const int64_t from = std::max(a, tier::DayStartNs(day)), to = std::min(b, tier::DayStartNs(day + 1));
      ASSIGN_OR_RETURN(auto rows, scan(def.name, {sym}, from, to, raw_cols, {}, raw_counters));
      ++raw_days;
      if (auto it = rows.find(sym); it != rows.end()) RETURN_IF_ERROR(add_raw(it->second));
    }
    if (auto it = tail.find(sym); it != tail.end()) RETURN_IF_ERROR(add_raw(it->second));
    RecordBatch all(bars::BarFields());
    for (const RecordBatch& p : pieces) RETURN_IF_ERROR(all.Append(p));
    all = tier::SortByTs(std::move(all), 0);  // pieces cover disjoint ranges: this only orders them
    if (d != r.interval) {
      ASSIGN_OR_RETURN(all, bars::ComputeBars(all, r.interval));
    }
    per_symbol.push_back(MakeVectorStream(bars::BarFields(), {std::move(all)}));
  }
  if (per_symbol.empty()) per_symbol.push_back(MakeVectorStream(bars::BarFields(), {}));
  StageStats* stage = plan->AddStage("bars " + bars::BarIntervalName(r.interval) + " from " + derived_name,
                                     std::to_string(derived_bars) + " derived " + bars::BarIntervalName(d) + " bars; " +
                                         std::to_string(raw_rows) + " raw rows (range edges and " +
                                         std::to_string(raw_days) + " series-day(s) with hot rows) resampled");
  stage->self_ns = stage->inclusive_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  std::unique_ptr<BatchStream> out =
      r.merge ? MakeMergeByTsStream(std::move(per_symbol)) : MakeConcatStream(std::move(per_symbol));
  out = MakeTimedStream(std::move(out), stage);
  return out;
}

}  // namespace strata::query
