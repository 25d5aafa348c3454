#include "query/stats_aggregate.h"

#include <algorithm>

#include "query/cursor_stream.h"
#include "strata/database.h"

namespace strata::query {
namespace {

bool IsPlainColumn(const Expr& e) { return e != nullptr && e->kind == ExprKind::kColumn; }

// What the summarized files add up to: rows, and per aggregate the non-null count (count(c)) or
// each file's bounds (min, max), a pair of values per file.
struct Summaries {
  int64_t rows = 0;
  size_t files = 0;
  std::vector<int64_t> counts;  // per aggregate
  std::vector<Column> bounds;   // per aggregate (min / max)
  std::vector<int> column_of;   // per aggregate: its column's index in summary_columns, or -1
};

void AppendValue(const Column& from, size_t row, Column* to) {
  if (from.IsNull(row)) {
    to->AppendNull();
    return;
  }
  switch (from.type()) {
    case ColumnType::kInt32: to->AppendInt32(from.int32s()[row]); break;
    case ColumnType::kBool: to->AppendBool(from.bools()[row] != 0); break;
    case ColumnType::kFloat64:
    case ColumnType::kFloat32: to->AppendDouble(from.doubles()[row]); break;
    case ColumnType::kSymbol:
    case ColumnType::kString: to->AppendString(from.GetString(row)); break;
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: to->AppendInt64(from.int64s()[row]); break;
  }
}

class StatsAggregateStream final : public BatchStream {
 public:
  StatsAggregateStream(std::unique_ptr<BatchStream> rows, std::shared_ptr<Summaries> sums,
                       std::vector<AggregateSpec> aggs, std::unique_ptr<QueryPlan> owned)
      : owned_(std::move(owned)), rows_(std::move(rows)), sums_(std::move(sums)), aggs_(std::move(aggs)) {}

  const std::vector<Field>& fields() const override { return rows_->fields(); }

  Result<bool> Next(RecordBatch* out) override {
    if (done_) return false;
    done_ = true;
    RecordBatch scanned;
    ASSIGN_OR_RETURN(bool any, rows_->Next(&scanned));
    if (!any || scanned.num_rows() != 1) return Status::Internal("a global aggregate gave no row");
    // Min and max: the scanned rows' answer and every summarized file's bounds, through the same
    // aggregate (so NaN, signed zeros and string order follow its rules).
    std::vector<Field> fields;
    std::vector<Column> cols;
    std::vector<AggregateSpec> combine;
    // Every min/max column: the scanned answer, then two bounds per summarized file.
    const size_t n = 1 + 2 * sums_->files;
    for (size_t i = 0; i < aggs_.size(); ++i) {
      if (aggs_[i].kind != AggKind::kMin && aggs_[i].kind != AggKind::kMax) continue;
      const std::string name = "__s" + std::to_string(i);
      const Field& f = scanned.fields()[i];
      Column c(f.type);
      AppendValue(scanned.column(i), 0, &c);
      const Column& b = sums_->bounds[i];
      for (size_t r = 0; r < b.size(); ++r) AppendValue(b, r, &c);
      if (c.size() != n) return Status::Internal("file bounds of unequal lengths");
      fields.push_back({name, f.type, true});
      cols.push_back(std::move(c));
      AggregateSpec s;
      s.kind = aggs_[i].kind;
      s.arg = Col(name);
      s.name = aggs_[i].name;
      combine.push_back(std::move(s));
    }
    RecordBatch result = std::move(scanned);
    if (!combine.empty()) {
      std::vector<RecordBatch> one;
      one.emplace_back(fields, std::move(cols));
      ASSIGN_OR_RETURN(auto agg, MakeHashAggregateStream(MakeVectorStream(fields, std::move(one)), {}, combine));
      ASSIGN_OR_RETURN(RecordBatch combined, Collect(agg.get()));
      for (size_t i = 0, j = 0; i < aggs_.size(); ++i) {
        if (aggs_[i].kind != AggKind::kMin && aggs_[i].kind != AggKind::kMax) continue;
        result.column(i) = std::move(combined.column(j++));
      }
    }
    for (size_t i = 0; i < aggs_.size(); ++i) {
      if (aggs_[i].kind != AggKind::kCountStar && aggs_[i].kind != AggKind::kCount) continue;
      const int64_t add = aggs_[i].kind == AggKind::kCountStar ? sums_->rows : sums_->counts[i];
      result.column(i).int64s()[0] += add;
    }
    *out = std::move(result);
    return true;
  }

 private:
  std::unique_ptr<QueryPlan> owned_;  // destroyed after rows_, which points into it
  std::unique_ptr<BatchStream> rows_;
  std::shared_ptr<Summaries> sums_;
  std::vector<AggregateSpec> aggs_;
  bool done_ = false;
};

}  // namespace

bool StatsAnswerable(const std::vector<AggregateSpec>& aggs) {
  if (aggs.empty()) return false;
  for (const AggregateSpec& a : aggs) {
    if (a.distinct) return false;
    switch (a.kind) {
      case AggKind::kCountStar: break;
      case AggKind::kCount:
      case AggKind::kMin:
      case AggKind::kMax:
        if (!IsPlainColumn(a.arg)) return false;
        break;
      default: return false;
    }
  }
  return true;
}

Result<std::unique_ptr<BatchStream>> ExecuteStatsAggregate(Database* db, const LogicalPlan& scan,
                                                           const std::vector<AggregateSpec>& aggs, QueryPlan* explain) {
  if (!StatsAnswerable(aggs)) {
    return Status::InvalidArgument("statistics answer only count(*), count(c), min(c) and max(c) of columns");
  }
  if (!scan.where.empty() || scan.bar_interval_ns != 0 || scan.asof || scan.merge || scan.limit) {
    return Status::InvalidArgument("an aggregate from statistics takes a plain scan (no where, bars, as-of or limit)");
  }
  RETURN_IF_ERROR(Validate(scan));
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(scan.table));
  const Schema& schema = def.schema;
  ScanRequest req;
  req.table = scan.table;
  req.symbols = scan.symbols;
  req.from_ts = scan.from_ts;
  req.to_ts = scan.to_ts;
  req.tiers = scan.tiers;
  req.decode_threads = scan.decode_threads;
  auto sums = std::make_shared<Summaries>();
  sums->counts.assign(aggs.size(), 0);
  sums->column_of.assign(aggs.size(), -1);
  for (size_t i = 0; i < aggs.size(); ++i) {
    const AggregateSpec& a = aggs[i];
    if (a.kind == AggKind::kCountStar) continue;
    const std::string& c = a.arg->name;
    const int fi = schema.FieldIndex(c);
    if (fi < 0) {
      return Status::InvalidArgument("table " + def.name + " has no column '" + c + "' (columns: " + schema.ToString() +
                                     ")");
    }
    auto it = std::find(req.summary_columns.begin(), req.summary_columns.end(), c);
    if (it == req.summary_columns.end()) it = req.summary_columns.insert(it, c);
    sums->column_of[i] = static_cast<int>(it - req.summary_columns.begin());
    if (std::find(req.columns.begin(), req.columns.end(), c) == req.columns.end()) req.columns.push_back(c);
  }
  // count(*) alone: the scan reads the ts column (it has to read one).
  if (req.columns.empty()) req.columns.push_back(schema.field(schema.ts_index()).name);
  sums->bounds.resize(aggs.size());
  for (size_t i = 0; i < aggs.size(); ++i) {
    if (sums->column_of[i] >= 0) sums->bounds[i] = Column(schema.field(schema.FieldIndex(aggs[i].arg->name)).type);
  }
  req.summarize = true;
  std::unique_ptr<QueryPlan> owned;
  if (explain == nullptr) {
    owned = std::make_unique<QueryPlan>();
    explain = owned.get();
  }
  StageStats* stage = explain->AddStage("scan " + scan.table, "files wholly in the range answered from statistics");
  ScanCounters* counters = explain->AddScan(scan.table);
  counters->tiers = req.tiers.empty() ? std::vector<std::string>{"hot", "warm", "cold"} : req.tiers;
  counters->columns = req.columns;
  ASSIGN_OR_RETURN(std::unique_ptr<ScanCursor> cursor, db->NewScan(req));
  for (const FileSummary& f : cursor->summarized()) {
    if (f.columns.size() != req.summary_columns.size()) return Status::Internal("a file summary lacks columns");
    sums->rows += f.rows;
    ++sums->files;
    for (size_t i = 0; i < aggs.size(); ++i) {
      const int c = sums->column_of[i];
      if (c < 0) continue;
      const ColumnSummary& cs = f.columns[static_cast<size_t>(c)];
      sums->counts[i] += f.rows - cs.null_count;
      Column& b = sums->bounds[i];
      for (size_t r = 0; r < 2; ++r) {
        if (cs.bounds.size() == 2) {
          AppendValue(cs.bounds, r, &b);
        } else {
          b.AppendNull();
        }
      }
    }
  }
  std::unique_ptr<BatchStream> rows = MakeTimedStream(MakeCursorStream(std::move(cursor), counters), stage);
  ASSIGN_OR_RETURN(rows, MakeHashAggregateStream(std::move(rows), {}, aggs));
  return std::unique_ptr<BatchStream>(
      std::make_unique<StatsAggregateStream>(std::move(rows), std::move(sums), aggs, std::move(owned)));
}

}  // namespace strata::query
