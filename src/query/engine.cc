// Execute (include/strata/query.h): a LogicalPlan resolved against the catalog and built into one
// streaming pipeline of the operators of this module.
#include <algorithm>

#include "bars/bar_kernel.h"
#include "query/asof.h"
#include "query/bars.h"
#include "query/batch_stream.h"
#include "query/cursor_stream.h"
#include "query/derived_bars_plan.h"
#include "query/filter.h"
#include "query/plan.h"
#include "strata/database.h"
#include "strata/query.h"
#include "strata/timestamp.h"

namespace strata::query {
namespace {

const std::vector<std::string>& AllTiers() {
  static const std::vector<std::string> all = {"hot", "warm", "cold"};
  return all;
}

// The plan resolved to scan requests and operator options.
struct Spec {
  ScanRequest left;
  std::optional<ScanRequest> right;  // as-of
  std::vector<std::string> tiers;    // never empty
  std::vector<std::string> output_columns;
  std::optional<FilterExpr> where;
  int64_t bar_interval = 0;
  bool allow_derived_bars = true;
  AsofOptions asof;
  uint64_t limit = UINT64_MAX;
  bool merge = false;
};

void AddUnique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

Result<Spec> MakeSpec(const LogicalPlan& p) {
  Spec s;
  s.left.table = p.table;
  s.left.symbols = p.symbols;
  s.left.from_ts = p.from_ts;
  s.left.to_ts = p.to_ts;
  s.left.decode_threads = p.decode_threads;
  for (const std::string& t : p.tiers) AddUnique(&s.tiers, t);
  if (s.tiers.empty()) s.tiers = AllTiers();
  s.output_columns = p.columns;
  if (!p.where.empty()) {
    ASSIGN_OR_RETURN(FilterExpr e, FilterExpr::Parse(p.where));
    s.where.emplace(std::move(e));
  }
  s.bar_interval = p.bar_interval_ns;
  s.allow_derived_bars = p.allow_derived_bars;
  if (p.asof) {
    s.asof.direction = p.asof->direction;
    s.asof.tolerance_ns = p.asof->tolerance_ns;
    // The right rows that can match a left row in [from, to). Without a tolerance a "prev" match
    // may lie anywhere before `from`: the right scan starts at each symbol's last row before it.
    ScanRequest r;
    r.table = p.asof->table;
    r.symbols = p.symbols;
    r.decode_threads = p.decode_threads;
    const int64_t tol = s.asof.tolerance_ns.value_or(-1);
    if (s.asof.direction == AsofDirection::kPrev) {
      r.from_ts = tol < 0 ? p.from_ts : (p.from_ts < INT64_MIN + tol ? INT64_MIN : p.from_ts - tol);
      r.from_last_before = tol < 0;
      r.to_ts = p.to_ts;
    } else {
      r.from_ts = p.from_ts;
      r.to_ts = tol < 0 ? INT64_MAX : (p.to_ts > INT64_MAX - tol ? INT64_MAX : p.to_ts + tol);
    }
    s.right = r;
  }
  s.limit = p.limit.value_or(UINT64_MAX);
  s.merge = p.merge;
  return s;
}

// Chooses the columns the left scan reads: what the operators and the output need (bars and the
// as-of join key on ts and symbol); a final projection drops what was not asked for.
Status ResolveColumns(const TableDef& def, const TableDef* right_def, Spec* s) {
  const Schema& schema = def.schema;
  auto need = [&](const std::string& c) -> Status {
    if (schema.FieldIndex(c) < 0) {
      return Status::InvalidArgument("table " + def.name + " has no column '" + c + "' (columns: " + schema.ToString() +
                                     ")");
    }
    AddUnique(&s->left.columns, c);
    return Status::OK();
  };
  std::vector<std::string> where_cols = s->where ? s->where->Columns() : std::vector<std::string>{};
  if (s->bar_interval) {
    s->left.columns.clear();
    RETURN_IF_ERROR(need(schema.field(schema.ts_index()).name));
    RETURN_IF_ERROR(need(schema.field(schema.symbol_index()).name));
    if (schema.FieldIndex("price") >= 0 && schema.FieldIndex("size") >= 0) {
      RETURN_IF_ERROR(need("price"));
      RETURN_IF_ERROR(need("size"));
    } else {
      for (const char* c : {"open", "high", "low", "close", "volume"}) RETURN_IF_ERROR(need(c));
      for (const char* c : {"vwap", "count"}) {
        if (schema.FieldIndex(c) >= 0) RETURN_IF_ERROR(need(c));
      }
    }
    for (const std::string& c : where_cols) RETURN_IF_ERROR(need(c));
  } else if (!s->right && !s->output_columns.empty()) {
    // No operator keys on ts or symbol here: the scan reads only the output's and the filter's
    // columns (it carries ts internally to merge its sources; a file's symbol column, which is
    // made for every row, costs ~15% of a one-column scan). Merging across symbols needs ts.
    if (s->merge) RETURN_IF_ERROR(need(schema.field(schema.ts_index()).name));
    for (const std::string& c : s->output_columns) RETURN_IF_ERROR(need(c));
    for (const std::string& c : where_cols) RETURN_IF_ERROR(need(c));
  } else if (s->right && right_def != nullptr && !s->output_columns.empty()) {
    // As-of: each side reads its key columns and what the output names. A right column keeps the
    // name the join gives it over the whole left table (`right_<c>` when the left table has a
    // `c`), so a left column of that name is read too, for the join to rename the same way.
    const Schema& rs = right_def->schema;
    std::vector<std::string> right_cols = {rs.field(rs.ts_index()).name, rs.field(rs.symbol_index()).name};
    std::vector<std::string> left_cols = {schema.field(schema.ts_index()).name,
                                          schema.field(schema.symbol_index()).name};
    for (const std::string& c : where_cols) AddUnique(&left_cols, c);
    for (const std::string& c : s->output_columns) {
      if (schema.FieldIndex(c) >= 0) {
        AddUnique(&left_cols, c);
        continue;
      }
      const std::string prefix = s->asof.right_prefix;
      if (c.rfind(prefix, 0) == 0 && schema.FieldIndex(c.substr(prefix.size())) >= 0 &&
          rs.FieldIndex(c.substr(prefix.size())) >= 0) {
        AddUnique(&right_cols, c.substr(prefix.size()));
        AddUnique(&left_cols, c.substr(prefix.size()));
      } else if (rs.FieldIndex(c) >= 0) {
        AddUnique(&right_cols, c);
      }
      // Anything else: the final projection names it as unknown.
    }
    for (const std::string& c : left_cols) RETURN_IF_ERROR(need(c));
    s->right->columns = right_cols;
  }
  return Status::OK();
}

std::vector<Field> ScanFields(const TableDef& def, const ScanRequest& request) {
  if (request.columns.empty()) return def.schema.fields();
  std::vector<Field> out;
  for (const std::string& c : request.columns) out.push_back(def.schema.field(def.schema.FieldIndex(c)));
  return out;
}

std::string AsofDetail(const Spec& s) {
  std::string d = s.right->table + " (" + (s.asof.direction == AsofDirection::kPrev ? "prev" : "next");
  if (s.asof.tolerance_ns) d += ", tolerance " + std::to_string(*s.asof.tolerance_ns) + " ns";
  return d + ")";
}

// THE read path of every query: a streaming cross-tier scan (Database::NewScan) as a grouped
// stream — symbols ascending, ts order within a symbol, batches of at most a row group or so —
// adding what it read to `counters`.
Result<std::unique_ptr<BatchStream>> OpenScan(Database* db, const ScanRequest& request,
                                              const std::vector<std::string>& tiers, ScanCounters* counters) {
  counters->tiers = tiers;
  counters->columns = request.columns;
  ScanRequest with_tiers = request;
  with_tiers.tiers = tiers;
  ASSIGN_OR_RETURN(std::unique_ptr<ScanCursor> cursor, db->NewScan(with_tiers));
  return MakeCursorStream(std::move(cursor), counters);
}

// The symbols a merged query reads: the requested ones, or every symbol of the table.
Result<std::vector<std::string>> MergeSymbols(Database* db, const Spec& s) {
  if (!s.left.symbols.empty()) {
    std::vector<std::string> v = s.left.symbols;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }
  return db->Symbols(s.left.table);
}

// The operators before the final projection and limit: cursor -> filter -> bars | as-of, once
// or (merge) once per symbol interleaved by ts.
Result<std::unique_ptr<BatchStream>> RawPipeline(Database* db, const Spec& s, const TableDef& left_def,
                                                 QueryPlan* plan) {
  std::shared_ptr<const Filter> filter;
  if (s.where) {
    ASSIGN_OR_RETURN(filter, Filter::Bind(*s.where, ScanFields(left_def, s.left)));
  }
  StageStats* scan_stage = plan->AddStage("scan " + s.left.table);
  StageStats* filter_stage = filter ? plan->AddStage("filter", filter->ToString()) : nullptr;
  StageStats* bars_stage = s.bar_interval ? plan->AddStage("bars " + bars::BarIntervalName(s.bar_interval)) : nullptr;
  StageStats* rscan_stage = s.right ? plan->AddStage("scan " + s.right->table) : nullptr;
  StageStats* asof_stage = s.right ? plan->AddStage("asof", AsofDetail(s)) : nullptr;
  ScanCounters* left_counters = plan->AddScan(s.left.table);
  ScanCounters* right_counters = s.right ? plan->AddScan(s.right->table) : nullptr;

  // One pipeline over the given symbols (all the query's when `symbols` is empty).
  auto pipeline = [&](const std::vector<std::string>* symbols) -> Result<std::unique_ptr<BatchStream>> {
    ScanRequest left = s.left;
    if (symbols) left.symbols = *symbols;
    ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> st, OpenScan(db, left, s.tiers, left_counters));
    st = MakeTimedStream(std::move(st), scan_stage);
    if (filter) st = MakeTimedStream(MakeFilterStream(std::move(st), filter), filter_stage);
    if (bars_stage) {
      ASSIGN_OR_RETURN(auto bars, MakeBarsStream(std::move(st), s.bar_interval));
      st = MakeTimedStream(std::move(bars), bars_stage);
    }
    if (s.right) {
      ScanRequest right = *s.right;
      if (symbols) right.symbols = *symbols;
      ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> rs, OpenScan(db, right, s.tiers, right_counters));
      rs = MakeTimedStream(std::move(rs), rscan_stage);
      ASSIGN_OR_RETURN(auto join, MakeAsofJoinStream(std::move(st), std::move(rs), s.asof));
      st = MakeTimedStream(std::move(join), asof_stage);
    }
    return st;
  };

  if (!s.merge) return pipeline(nullptr);
  // One cursor per symbol, interleaved by ts.
  ASSIGN_OR_RETURN(std::vector<std::string> symbols, MergeSymbols(db, s));
  std::vector<std::unique_ptr<BatchStream>> per_symbol;
  for (const std::string& sym : symbols) {
    std::vector<std::string> one = {sym};
    ASSIGN_OR_RETURN(auto st, pipeline(&one));
    per_symbol.push_back(std::move(st));
  }
  if (per_symbol.empty()) {
    std::vector<std::string> none = {""};
    ASSIGN_OR_RETURN(auto st, pipeline(&none));  // no rows, but the pipeline's fields
    per_symbol.push_back(std::move(st));
  }
  return MakeMergeByTsStream(std::move(per_symbol));
}

Result<std::unique_ptr<BatchStream>> BuildPipeline(Database* db, const Spec& s, const TableDef& left_def,
                                                   QueryPlan* plan) {
  std::unique_ptr<BatchStream> out;
  if (s.bar_interval && s.allow_derived_bars && !s.where && !s.right) {  // derived_bars_plan.h
    ASSIGN_OR_RETURN(out, DerivedBarsPipeline(db, left_def, {s.left, s.tiers, s.bar_interval, s.merge}, plan));
  }
  if (!out) {
    ASSIGN_OR_RETURN(out, RawPipeline(db, s, left_def, plan));
  }
  if (!s.output_columns.empty()) {
    std::vector<std::string> names;
    for (const Field& f : out->fields()) names.push_back(f.name);
    if (names != s.output_columns) {
      ASSIGN_OR_RETURN(out, MakeProjectStream(std::move(out), s.output_columns));
    }
  }
  if (s.limit != UINT64_MAX) out = MakeLimitStream(std::move(out), s.limit);
  return out;
}

// Keeps the plan the stages record into alive as long as the stream, when the caller gave none.
class PlanOwningStream final : public BatchStream {
 public:
  PlanOwningStream(std::unique_ptr<QueryPlan> plan, std::unique_ptr<BatchStream> input)
      : plan_(std::move(plan)), input_(std::move(input)) {}
  const std::vector<Field>& fields() const override { return input_->fields(); }
  Result<bool> Next(RecordBatch* out) override { return input_->Next(out); }

 private:
  std::unique_ptr<QueryPlan> plan_;  // destroyed after input_, which points into it
  std::unique_ptr<BatchStream> input_;
};

}  // namespace

Status Validate(const LogicalPlan& p) {
  if (p.table.empty()) return Status::InvalidArgument("query: no table given");
  if (p.from_ts > p.to_ts) {
    return Status::InvalidArgument("time range is backwards: from " + FormatTimestamp(p.from_ts) + " is after to " +
                                   FormatTimestamp(p.to_ts) + " (the range is [from, to))");
  }
  for (const std::string& t : p.tiers) {
    if (std::find(AllTiers().begin(), AllTiers().end(), t) == AllTiers().end()) {
      return Status::InvalidArgument("unknown tier '" + t + "' (hot, warm, cold)");
    }
  }
  if (!p.where.empty()) RETURN_IF_ERROR(FilterExpr::Parse(p.where).status());
  if (p.bar_interval_ns != 0) {
    const int64_t iv = p.bar_interval_ns;
    if (iv < kMinBarInterval || iv > kMaxBarInterval || iv % kMinBarInterval != 0) {
      return Status::InvalidArgument("bar interval " + bars::BarIntervalName(iv) +
                                     " is not a whole number of seconds in 1s..1d");
    }
  }
  if (p.asof) {
    if (p.bar_interval_ns != 0)
      return Status::InvalidArgument("bars and an as-of join cannot be combined in one query");
    if (p.asof->table.empty()) return Status::InvalidArgument("as-of join: no right table given");
    if (p.asof->tolerance_ns && *p.asof->tolerance_ns < 0) {
      return Status::InvalidArgument("as-of join: the tolerance must not be negative");
    }
  }
  if (p.decode_threads < 0) return Status::InvalidArgument("decode threads must be 0 (one per core) or more");
  return Status::OK();
}

Result<std::unique_ptr<BatchStream>> Execute(Database* db, const LogicalPlan& plan, QueryPlan* explain) {
  RETURN_IF_ERROR(Validate(plan));
  ASSIGN_OR_RETURN(Spec spec, MakeSpec(plan));
  ASSIGN_OR_RETURN(TableDef left_def, db->GetTable(spec.left.table));
  std::optional<TableDef> right_def;
  if (spec.right) {
    ASSIGN_OR_RETURN(right_def, db->GetTable(spec.right->table));
  }
  RETURN_IF_ERROR(ResolveColumns(left_def, right_def ? &*right_def : nullptr, &spec));
  if (explain != nullptr) return BuildPipeline(db, spec, left_def, explain);
  auto owned = std::make_unique<QueryPlan>();
  ASSIGN_OR_RETURN(std::unique_ptr<BatchStream> out, BuildPipeline(db, spec, left_def, owned.get()));
  return std::unique_ptr<BatchStream>(std::make_unique<PlanOwningStream>(std::move(owned), std::move(out)));
}

}  // namespace strata::query
