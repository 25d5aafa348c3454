#include "sql/system_tables.h"

#include <algorithm>
#include <map>

#include "artifacts/model_store.h"
#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "query/batch_stream.h"

namespace strata::sql {
namespace {

constexpr ColumnType kStr = ColumnType::kString;
constexpr ColumnType kI64 = ColumnType::kInt64;
constexpr ColumnType kTs = ColumnType::kTimestamp;

std::vector<SystemTable> MakeTables() {
  std::vector<SystemTable> t;
  t.push_back({"strata_tables",
               {{"name", kStr, false},
                {"columns", kStr, false},
                {"ts_column", kStr, false},
                {"symbol_column", kStr, false},
                {"dedup_key", kStr, true},
                {"policy", kStr, false},
                {"rows", kI64, false},
                {"hot_rows", kI64, false},
                {"warm_rows", kI64, false},
                {"cold_rows", kI64, false},
                {"hot_bytes", kI64, false},
                {"warm_bytes", kI64, false},
                {"cold_bytes", kI64, false},
                {"warm_files", kI64, false},
                {"cold_files", kI64, false},
                {"quarantined_rows", kI64, false}},
               "tables: schema, dedup key, tier policy, rows, bytes and files per tier"});
  t.push_back({"strata_files",
               {{"id", kI64, false},
                {"table_name", kStr, false},
                {"tier", kStr, false},
                {"symbol", kStr, false},
                {"path", kStr, false},
                {"min_ts", kTs, false},
                {"max_ts", kTs, false},
                {"rows", kI64, false},
                {"bytes", kI64, false},
                {"max_lsn", kI64, false},
                {"sha256", kStr, false},
                {"created_at", kTs, true},
                {"verified_at", kTs, true}},
               "live warm and cold files: table, tier, path, symbol, time range, rows, bytes"});
  t.push_back({"strata_runs",
               {{"id", kI64, false},
                {"kind", kStr, false},
                {"status", kStr, false},
                {"started_at", kTs, true},
                {"finished_at", kTs, true},
                {"seconds", ColumnType::kFloat64, true},
                {"inputs", kStr, false},
                {"config", kStr, false},
                {"outputs", kStr, false},
                {"error", kStr, true}},
               "runs (lineage): id, kind, status, start and finish, inputs, config, outputs"});
  t.push_back({"strata_models",
               {{"name", kStr, false},
                {"version", kI64, false},
                {"stage", kStr, false},
                {"bytes", kI64, false},
                {"sha256", kStr, false},
                {"chunks", kI64, false},
                {"aliases", kStr, false},
                {"run_id", kI64, true},
                {"created_at", kTs, true},
                {"meta", kStr, false},
                {"metrics", kStr, false}},
               "model versions: name, version, stage, size, hash, aliases, run"});
  return t;
}

// Builds one batch row by row.
class Rows {
 public:
  explicit Rows(const std::vector<Field>& fields) : batch_(fields) {}
  Rows& S(std::string_view v) {
    batch_.column(col_++).AppendString(v);
    return *this;
  }
  Rows& I(int64_t v) {
    batch_.column(col_++).AppendInt64(v);
    return *this;
  }
  Rows& D(double v) {
    batch_.column(col_++).AppendDouble(v);
    return *this;
  }
  Rows& Null() {
    batch_.column(col_++).AppendNull();
    return *this;
  }
  // A timestamp that is unknown when 0 (and for nullopt).
  Rows& T(std::optional<int64_t> ns) {
    if (!ns || *ns == 0) return Null();
    return I(*ns);
  }
  void End() { col_ = 0; }
  std::unique_ptr<query::BatchStream> Stream() {
    std::vector<RecordBatch> batches;
    const std::vector<Field> fields = batch_.fields();
    if (batch_.num_rows() > 0) batches.push_back(std::move(batch_));
    return query::MakeVectorStream(fields, std::move(batches));
  }

 private:
  RecordBatch batch_;
  size_t col_ = 0;
};

Result<std::unique_ptr<Catalog>> OpenCatalog(Database* db) {
  return Catalog::Open(layout::CatalogPath(db->root()), /*read_only=*/true);
}

Result<std::unique_ptr<query::BatchStream>> Tables(Database* db, const SystemTable& t) {
  ASSIGN_OR_RETURN(std::vector<TableDef> defs, db->ListTables());
  ASSIGN_OR_RETURN(DatabaseStats stats, db->Stats());
  std::sort(defs.begin(), defs.end(), [](const TableDef& a, const TableDef& b) { return a.name < b.name; });
  Rows rows(t.fields);
  for (const TableDef& d : defs) {
    std::map<std::string, TierStats> tiers;
    uint64_t quarantined = 0;
    for (const TableStats& ts : stats.tables) {
      if (ts.table != d.name) continue;
      for (const TierStats& s : ts.tiers) tiers[s.tier] = s;
      quarantined = ts.quarantined_rows;
    }
    const TierStats &hot = tiers["hot"], &warm = tiers["warm"], &cold = tiers["cold"];
    rows.S(d.name).S(d.schema.ToString());
    rows.S(d.schema.field(d.schema.ts_index()).name).S(d.schema.field(d.schema.symbol_index()).name);
    if (d.dedup_key) {
      rows.S(*d.dedup_key);
    } else {
      rows.Null();
    }
    rows.S(d.policy_json);
    rows.I(static_cast<int64_t>(hot.rows + warm.rows + cold.rows));
    rows.I(static_cast<int64_t>(hot.rows)).I(static_cast<int64_t>(warm.rows)).I(static_cast<int64_t>(cold.rows));
    rows.I(static_cast<int64_t>(hot.bytes)).I(static_cast<int64_t>(warm.bytes)).I(static_cast<int64_t>(cold.bytes));
    rows.I(static_cast<int64_t>(warm.files)).I(static_cast<int64_t>(cold.files));
    rows.I(static_cast<int64_t>(quarantined));
    rows.End();
  }
  return rows.Stream();
}

Result<std::unique_ptr<query::BatchStream>> Files(Database* db, const SystemTable& t) {
  ASSIGN_OR_RETURN(std::unique_ptr<Catalog> catalog, OpenCatalog(db));
  ASSIGN_OR_RETURN(std::vector<TableInfo> tables, catalog->ListTables());
  std::map<int64_t, std::string> names;
  for (const TableInfo& ti : tables) names[ti.id] = ti.def.name;
  ASSIGN_OR_RETURN(std::vector<FileRecord> files, catalog->ListFiles(FileQuery{}));
  Rows rows(t.fields);
  for (const FileRecord& f : files) {
    rows.I(f.id).S(names[f.table_id]).S(TierName(f.tier)).S(f.symbol).S(f.uri);
    rows.I(f.min_ts).I(f.max_ts).I(f.row_count).I(f.bytes).I(static_cast<int64_t>(f.max_lsn)).S(f.sha256);
    rows.T(f.created_at_ns).T(f.verified_at_ns);
    rows.End();
  }
  return rows.Stream();
}

Result<std::unique_ptr<query::BatchStream>> Runs(Database* db, const SystemTable& t) {
  ASSIGN_OR_RETURN(std::unique_ptr<Catalog> catalog, OpenCatalog(db));
  ASSIGN_OR_RETURN(std::vector<RunRecord> runs, catalog->ListRuns(std::nullopt, 0));
  std::reverse(runs.begin(), runs.end());  // oldest first, by id
  Rows rows(t.fields);
  for (const RunRecord& r : runs) {
    rows.I(r.id).S(r.kind).S(r.status).T(r.started_at_ns).T(r.finished_at_ns);
    if (r.finished_at_ns && r.started_at_ns != 0) {
      rows.D(static_cast<double>(*r.finished_at_ns - r.started_at_ns) / 1e9);
    } else {
      rows.Null();
    }
    rows.S(r.inputs_json).S(r.config_json).S(r.outputs_json);
    if (r.error.empty()) {
      rows.Null();
    } else {
      rows.S(r.error);
    }
    rows.End();
  }
  return rows.Stream();
}

Result<std::unique_ptr<query::BatchStream>> Models(Database* db, const SystemTable& t) {
  artifacts::ModelStoreOptions options;
  options.cache_budget_bytes = 0;  // listing only: nothing is loaded
  options.buffer_pool_bytes = 0;
  ASSIGN_OR_RETURN(std::unique_ptr<artifacts::ModelStore> store, artifacts::ModelStore::Open(db->root(), options));
  ASSIGN_OR_RETURN(std::vector<artifacts::ModelSummary> models, store->ListModels());
  Rows rows(t.fields);
  for (const artifacts::ModelSummary& m : models) {
    ASSIGN_OR_RETURN(std::vector<artifacts::VersionInfo> versions, store->ListVersions(m.name));
    for (const artifacts::VersionInfo& v : versions) {
      std::string aliases;
      for (const std::string& a : v.aliases) aliases += (aliases.empty() ? "" : ",") + a;
      rows.S(v.model).I(v.version).S(v.stage).I(static_cast<int64_t>(v.size)).S(v.sha256);
      rows.I(static_cast<int64_t>(v.chunk_count)).S(aliases);
      if (v.run_id) {
        rows.I(*v.run_id);
      } else {
        rows.Null();
      }
      rows.T(v.created_at_ns).S(v.meta_json).S(v.metrics_json);
      rows.End();
    }
  }
  return rows.Stream();
}

}  // namespace

const std::vector<SystemTable>& SystemTables() {
  static const std::vector<SystemTable> tables = MakeTables();
  return tables;
}

const SystemTable* FindSystemTable(std::string_view name) {
  for (const SystemTable& t : SystemTables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<std::unique_ptr<query::BatchStream>> ScanSystemTable(Database* db, std::string_view name) {
  const SystemTable* t = FindSystemTable(name);
  if (t == nullptr) return Status::NotFound("no system table '" + std::string(name) + "'");
  if (t->name == "strata_tables") return Tables(db, *t);
  if (t->name == "strata_files") return Files(db, *t);
  if (t->name == "strata_runs") return Runs(db, *t);
  return Models(db, *t);
}

}  // namespace strata::sql
