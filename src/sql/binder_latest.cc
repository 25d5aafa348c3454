// QuestDB's LATEST ON ts PARTITION BY cols: the row with the greatest ts of each partition, after
// WHERE. Partitioned by the symbol alone with no other condition than on the symbol, it is the
// engine's Latest per symbol (no scan); otherwise a hash aggregate of last(col ORDER BY ts).
#include <algorithm>

#include "query/aggregate.h"
#include "query/batch_stream.h"
#include "sql/binder_internal.h"
#include "sql/printer.h"
#include "strata/database.h"

namespace strata::sql::internal {

Status BindLatest(const Query& query, Scope& s, const TableDef& def, BoundSelect* b) {
  const LatestOn& lo = *query.latest_on;
  if (!b->from_table) return NotYet(lo.pos, "LATEST ON over a subquery or a join");
  if (!IsColumn(*lo.timestamp, s.ts_column, s)) {
    return Err(lo.timestamp->pos, "LATEST ON takes the table's timestamp column (" + s.ts_column + "), not '" +
                                      ToSql(*lo.timestamp) + "'");
  }
  auto latest = std::make_shared<BoundLatest>();
  latest->ts = s.ts_column;
  Scope check = s;
  check.clause = "PARTITION BY";
  for (const ExprPtr& p : lo.partition_by) {
    if (p->kind != ExprKind::kColumnRef) return NotYet(p->pos, "PARTITION BY an expression ('" + ToSql(*p) + "')");
    RETURN_IF_ERROR(Translate(*p, check).status());
    const std::string& col = p->name.back();
    if (std::find(latest->partition.begin(), latest->partition.end(), col) == latest->partition.end()) {
      latest->partition.push_back(col);
    }
  }
  const std::string& sym = def.schema.field(def.schema.symbol_index()).name;
  latest->fast = latest->partition == std::vector<std::string>{sym} && !b->where &&
                 b->scan.from_ts == std::numeric_limits<int64_t>::min() &&
                 b->scan.to_ts == std::numeric_limits<int64_t>::max() && b->scan.tiers.empty();
  latest->symbols = b->scan.symbols;
  b->latest = std::move(latest);
  return Status::OK();
}

Result<std::unique_ptr<q::BatchStream>> LatestSource(Database* db, const BoundSelect& b) {
  const BoundLatest& l = *b.latest;
  std::vector<std::string> symbols = l.symbols;
  if (symbols.empty()) {
    ASSIGN_OR_RETURN(symbols, db->Symbols(b.scan.table));
    std::sort(symbols.begin(), symbols.end());
  }
  ASSIGN_OR_RETURN(TableDef def, db->GetTable(b.scan.table));
  RecordBatch all(def.schema);
  RecordBatch one(def.schema);
  for (const std::string& sym : symbols) {
    Status st = db->Latest(b.scan.table, sym, &one);
    if (st.code() == StatusCode::kNotFound) continue;
    RETURN_IF_ERROR(st);
    RETURN_IF_ERROR(all.Append(one));
  }
  std::vector<q::NamedExpr> cols;
  for (const std::string& c : b.scan.columns) cols.push_back({c, q::Col(c)});
  std::vector<RecordBatch> batches;
  if (all.num_rows() > 0) batches.push_back(std::move(all));
  return q::MakeComputeStream(q::MakeVectorStream(def.schema.fields(), std::move(batches)), cols);
}

Result<std::unique_ptr<q::BatchStream>> ApplyLatest(Database* /*db*/, std::unique_ptr<q::BatchStream> in,
                                                    const BoundSelect& b) {
  const BoundLatest& l = *b.latest;
  std::vector<q::NamedExpr> keys;
  for (const std::string& p : l.partition) keys.push_back({p, q::Col(p)});
  std::vector<q::AggregateSpec> aggs;
  for (const Field& f : in->fields()) {
    if (std::find(l.partition.begin(), l.partition.end(), f.name) != l.partition.end()) continue;
    q::AggregateSpec a;
    a.kind = q::AggKind::kLast;
    a.arg = q::Col(f.name);
    a.order = q::Col(l.ts);
    a.name = f.name;
    aggs.push_back(std::move(a));
  }
  return q::MakeHashAggregateStream(std::move(in), keys, aggs);
}

}  // namespace strata::sql::internal
