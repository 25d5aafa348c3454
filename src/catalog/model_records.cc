// Catalog: the model registry's tables (model_records.h). Each call is one statement or a few,
// under the catalog's lock; inside the model store's InTransaction they join its transaction.
#include "catalog/catalog.h"
#include "catalog/statement.h"

namespace strata {
namespace {

constexpr char kVersionColumns[] =
    "SELECT m.name, v.version, v.id, v.size, v.sha256, v.chunk_count, v.meta_json, v.metrics_json, v.run_id, "
    "v.stage, v.created_at FROM model_versions v JOIN artifact_models m ON m.id = v.model_id ";

ModelVersionRecord RowToVersion(const sqlite::Statement& s) {
  ModelVersionRecord v;
  v.model = s.Text(0);
  v.version = s.Int(1);
  v.version_id = s.Int(2);
  v.size = static_cast<uint64_t>(s.Int(3));
  v.sha256 = s.Text(4);
  v.chunk_count = static_cast<uint64_t>(s.Int(5));
  v.meta_json = s.Text(6);
  v.metrics_json = s.Text(7);
  v.run_id = s.OptionalInt(8);
  v.stage = s.Text(9);
  v.created_at_ns = s.Int(10);
  return v;
}

Status FillAliases(sqlite3* db, const std::string& where, ModelVersionRecord* v) {
  sqlite::Statement a(db, "SELECT alias FROM model_aliases WHERE version_id = ? ORDER BY alias", where, "aliases");
  a.Bind(1, v->version_id);
  for (;;) {
    ASSIGN_OR_RETURN(bool row, a.Step());
    if (!row) break;
    v->aliases.push_back(a.Text(0));
  }
  return Status::OK();
}

}  // namespace

Result<std::optional<int64_t>> Catalog::FindModel(std::string_view name) {
  std::lock_guard lock(mu_);
  sqlite::Statement m(db_, "SELECT id FROM artifact_models WHERE name = ?", path_, "find model");
  m.Bind(1, name);
  ASSIGN_OR_RETURN(bool found, m.Step());
  if (!found) return std::optional<int64_t>();
  return std::optional<int64_t>(m.Int(0));
}

Result<ModelVersionRecord> Catalog::ResolveModelVersion(std::string_view name, const ModelVersionRef& ref) {
  std::lock_guard lock(mu_);
  std::string sql = kVersionColumns;
  switch (ref.kind) {
    case ModelVersionRef::Kind::kLatest: sql += "WHERE m.name = ? ORDER BY v.version DESC LIMIT 1"; break;
    case ModelVersionRef::Kind::kNumber: sql += "WHERE m.name = ? AND v.version = ?"; break;
    case ModelVersionRef::Kind::kAlias:
      sql += "JOIN model_aliases a ON a.version_id = v.id WHERE m.name = ? AND a.alias = ?";
      break;
  }
  sqlite::Statement s(db_, sql, path_, "resolve model");
  s.Bind(1, name);
  if (ref.kind == ModelVersionRef::Kind::kNumber) s.Bind(2, ref.number);
  if (ref.kind == ModelVersionRef::Kind::kAlias) s.Bind(2, ref.alias);
  ASSIGN_OR_RETURN(bool found, s.Step());
  if (!found) {
    ASSIGN_OR_RETURN(std::optional<int64_t> model, FindModel(name));
    if (!model) return Status::NotFound("no model named '" + std::string(name) + "'");
    switch (ref.kind) {
      case ModelVersionRef::Kind::kLatest: return Status::NotFound("model '" + std::string(name) + "' has no versions");
      case ModelVersionRef::Kind::kNumber:
        return Status::NotFound("model '" + std::string(name) + "' has no version " + std::to_string(ref.number));
      case ModelVersionRef::Kind::kAlias:
        return Status::NotFound("model '" + std::string(name) + "' has no alias " + ref.alias);
    }
  }
  ModelVersionRecord out = RowToVersion(s);
  RETURN_IF_ERROR(FillAliases(db_, path_, &out));
  return out;
}

Result<std::vector<ModelVersionRecord>> Catalog::ListModelVersions(std::string_view name) {
  std::lock_guard lock(mu_);
  std::vector<ModelVersionRecord> out;
  sqlite::Statement s(db_, std::string(kVersionColumns) + "WHERE m.name = ? ORDER BY v.version", path_,
                      "list versions");
  s.Bind(1, name);
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(RowToVersion(s));
    RETURN_IF_ERROR(FillAliases(db_, path_, &out.back()));
  }
  if (out.empty()) {
    ASSIGN_OR_RETURN(std::optional<int64_t> model, FindModel(name));
    if (!model) return Status::NotFound("no model named '" + std::string(name) + "'");
  }
  return out;
}

Result<std::vector<ModelSummaryRecord>> Catalog::ListModelSummaries() {
  std::lock_guard lock(mu_);
  std::vector<ModelSummaryRecord> out;
  sqlite::Statement s(
      db_,
      "SELECT m.name, COUNT(v.id), COALESCE(MAX(v.version), 0), COALESCE(SUM(v.size), 0) FROM artifact_models "
      "m LEFT JOIN model_versions v ON v.model_id = m.id GROUP BY m.id ORDER BY m.name",
      path_, "list models");
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Int(1), s.Int(2), static_cast<uint64_t>(s.Int(3))});
  }
  return out;
}

Status Catalog::SetModelVersionStage(int64_t version_id, std::string_view stage) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "UPDATE model_versions SET stage = ? WHERE id = ?", path_, "set stage");
  s.Bind(1, stage);
  s.Bind(2, version_id);
  return s.Run();
}

Status Catalog::SetModelAlias(int64_t model_id, std::string_view alias, std::optional<int64_t> version_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement d(db_, "DELETE FROM model_aliases WHERE model_id = ? AND alias = ?", path_, "remove alias");
  d.Bind(1, model_id);
  d.Bind(2, alias);
  RETURN_IF_ERROR(d.Run());
  if (!version_id) return Status::OK();
  sqlite::Statement s(db_, "INSERT INTO model_aliases (model_id, alias, version_id) VALUES (?, ?, ?)", path_,
                      "set alias");
  s.Bind(1, model_id);
  s.Bind(2, alias);
  s.Bind(3, *version_id);
  return s.Run();
}

Status Catalog::RemoveModelVersion(int64_t version_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement d(db_, "DELETE FROM model_versions WHERE id = ?", path_, "remove version");
  d.Bind(1, version_id);
  return d.Run();
}

Status Catalog::RemoveModel(std::string_view name) {
  std::lock_guard lock(mu_);
  sqlite::Statement a(db_, "DELETE FROM model_aliases WHERE model_id = (SELECT id FROM artifact_models WHERE name = ?)",
                      path_, "remove aliases");
  a.Bind(1, name);
  RETURN_IF_ERROR(a.Run());
  sqlite::Statement d(db_, "DELETE FROM artifact_models WHERE name = ?", path_, "remove model");
  d.Bind(1, name);
  return d.Run();
}

}  // namespace strata
