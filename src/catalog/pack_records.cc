// Catalog: the model store's packs, chunks, manifests and load log (pack_records.h). Each call
// is one statement or a few, under the catalog's lock; inside the model store's InTransaction
// they join its transaction.
#include "catalog/catalog.h"
#include "catalog/statement.h"

namespace strata {
namespace {

constexpr char kChunkColumns[] = "SELECT chunk_id, pack_id, offset, stored_len, raw_len, codec FROM artifact_chunks ";
// A chunk no version's manifest names (gc removes it).
constexpr char kUnreferenced[] =
    "NOT EXISTS (SELECT 1 FROM model_version_chunks m WHERE m.chunk_id = artifact_chunks.chunk_id)";

ChunkRecord RowToChunk(const sqlite::Statement& s, int first) {
  ChunkRecord c;
  c.chunk_id = s.Text(first);
  c.pack_id = s.Int(first + 1);
  c.offset = static_cast<uint64_t>(s.Int(first + 2));
  c.stored_len = static_cast<uint32_t>(s.Int(first + 3));
  c.raw_len = static_cast<uint32_t>(s.Int(first + 4));
  c.codec = static_cast<uint8_t>(s.Int(first + 5));
  return c;
}

Result<std::vector<ChunkRecord>> CollectChunks(sqlite::Statement& s) {
  std::vector<ChunkRecord> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(RowToChunk(s, 0));
  }
  return out;
}

Result<std::vector<int64_t>> CollectIds(sqlite::Statement& s) {
  std::vector<int64_t> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(s.Int(0));
  }
  return out;
}

}  // namespace

// --- Packs ------------------------------------------------------------------------------------

Result<std::vector<PackRecord>> Catalog::ListPacks() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "SELECT id, bytes, location, COALESCE(sha256, '') FROM artifact_packs ORDER BY id", path_,
                      "list packs");
  std::vector<PackRecord> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Int(0), static_cast<uint64_t>(s.Int(1)), s.Text(2), s.Text(3)});
  }
  return out;
}

Result<std::optional<PackRecord>> Catalog::NewestPack() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "SELECT id, bytes, location, COALESCE(sha256, '') FROM artifact_packs ORDER BY id DESC LIMIT 1",
                      path_, "newest pack");
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<PackRecord>();
  return std::optional<PackRecord>(PackRecord{s.Int(0), static_cast<uint64_t>(s.Int(1)), s.Text(2), s.Text(3)});
}

Result<int64_t> Catalog::NextPackId() {
  std::lock_guard lock(mu_);
  // AUTOINCREMENT's high-water mark: a removed pack's id (and file name) is never reused.
  sqlite::Statement s(db_, "SELECT seq FROM sqlite_sequence WHERE name = 'artifact_packs'", path_, "next pack id");
  ASSIGN_OR_RETURN(bool row, s.Step());
  return (row ? s.Int(0) : 0) + 1;
}

Status Catalog::AddPack(int64_t id, std::string_view name, uint64_t bytes, int64_t now_ns) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "INSERT INTO artifact_packs (id, name, bytes, created_at) VALUES (?, ?, ?, ?)", path_,
                      "record pack");
  s.Bind(1, id);
  s.Bind(2, name);
  s.Bind(3, static_cast<int64_t>(bytes));
  s.Bind(4, now_ns);
  return s.Run();
}

Status Catalog::SetPackBytes(int64_t id, uint64_t bytes) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "UPDATE artifact_packs SET bytes = ? WHERE id = ?", path_, "record pack length");
  s.Bind(1, static_cast<int64_t>(bytes));
  s.Bind(2, id);
  return s.Run();
}

Status Catalog::MarkPackArchived(int64_t id, std::string_view sha256, std::string_view cold_uri, int64_t now_ns) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "UPDATE artifact_packs SET location = 'both', sha256 = ?, cold_uri = ?, archived_at = ? WHERE id "
                      "= ? AND location = 'local'",
                      path_, "record archived pack");
  s.Bind(1, sha256);
  s.Bind(2, cold_uri);
  s.Bind(3, now_ns);
  s.Bind(4, id);
  return s.Run();
}

Status Catalog::SetPackLocation(int64_t id, std::string_view location, std::string_view only_from) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      only_from.empty() ? "UPDATE artifact_packs SET location = ?1 WHERE id = ?2"
                                        : "UPDATE artifact_packs SET location = ?1 WHERE id = ?2 AND location = ?3",
                      path_, "set pack location");
  s.Bind(1, location);
  s.Bind(2, id);
  if (!only_from.empty()) s.Bind(3, only_from);
  return s.Run();
}

Status Catalog::RemovePack(int64_t id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "DELETE FROM artifact_packs WHERE id = ?", path_, "remove pack");
  s.Bind(1, id);
  return s.Run();
}

Result<std::vector<int64_t>> Catalog::PacksOnlyArchivedVersionsUse() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "SELECT p.id FROM artifact_packs p WHERE p.location = 'both' AND NOT EXISTS (SELECT 1 FROM "
                      "artifact_chunks c JOIN model_version_chunks m ON m.chunk_id = c.chunk_id JOIN model_versions v "
                      "ON v.id = m.version_id WHERE c.pack_id = p.id AND v.stage != 'archived') ORDER BY p.id",
                      path_, "packs only archived versions use");
  return CollectIds(s);
}

Result<std::vector<int64_t>> Catalog::EmptyArchivedPacks() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "SELECT id FROM artifact_packs p WHERE location != 'local' AND NOT EXISTS (SELECT 1 FROM "
                      "artifact_chunks c WHERE c.pack_id = p.id) ORDER BY id",
                      path_, "dead archived packs");
  return CollectIds(s);
}

// --- Chunks -----------------------------------------------------------------------------------

Result<std::optional<ChunkRecord>> Catalog::FindChunk(std::string_view chunk_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, std::string(kChunkColumns) + "WHERE chunk_id = ?", path_, "locate chunk");
  s.Bind(1, chunk_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<ChunkRecord>();
  return std::optional<ChunkRecord>(RowToChunk(s, 0));
}

Result<std::string> Catalog::ChunkPackLocation(std::string_view chunk_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "SELECT p.location FROM artifact_chunks c JOIN artifact_packs p ON p.id = c.pack_id WHERE "
                      "c.chunk_id = ?",
                      path_, "find chunk");
  s.Bind(1, chunk_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Text(0) : std::string();
}

Result<std::vector<ChunkRecord>> Catalog::ListChunks() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, std::string(kChunkColumns) + "ORDER BY pack_id, offset", path_, "list chunks");
  return CollectChunks(s);
}

Result<std::vector<ChunkRecord>> Catalog::ListUnreferencedChunks() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, std::string(kChunkColumns) + "WHERE " + kUnreferenced, path_, "dead chunks");
  return CollectChunks(s);
}

Result<std::vector<ChunkRecord>> Catalog::ListReferencedChunksInPack(int64_t pack_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      std::string(kChunkColumns) + "WHERE pack_id = ? AND NOT " + kUnreferenced + " ORDER BY offset",
                      path_, "live chunks");
  s.Bind(1, pack_id);
  return CollectChunks(s);
}

Status Catalog::PutChunk(const ChunkRecord& c) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "INSERT OR REPLACE INTO artifact_chunks (chunk_id, pack_id, offset, stored_len, raw_len, codec) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      path_, "record chunk");
  s.Bind(1, c.chunk_id);
  s.Bind(2, c.pack_id);
  s.Bind(3, static_cast<int64_t>(c.offset));
  s.Bind(4, static_cast<int64_t>(c.stored_len));
  s.Bind(5, static_cast<int64_t>(c.raw_len));
  s.Bind(6, static_cast<int64_t>(c.codec));
  return s.Run();
}

Status Catalog::MoveChunk(std::string_view chunk_id, int64_t pack_id, uint64_t offset) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "UPDATE artifact_chunks SET pack_id = ?, offset = ? WHERE chunk_id = ?", path_,
                      "move chunk");
  s.Bind(1, pack_id);
  s.Bind(2, static_cast<int64_t>(offset));
  s.Bind(3, chunk_id);
  return s.Run();
}

Status Catalog::RemoveChunk(std::string_view chunk_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "DELETE FROM artifact_chunks WHERE chunk_id = ?", path_, "remove chunk");
  s.Bind(1, chunk_id);
  return s.Run();
}

Result<uint64_t> Catalog::RemoveUnreferencedArchivedChunks() {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "DELETE FROM artifact_chunks WHERE pack_id IN (SELECT id FROM artifact_packs WHERE location != "
                      "'local') AND " +
                          std::string(kUnreferenced),
                      path_, "remove dead archived chunks");
  RETURN_IF_ERROR(s.Run());
  return static_cast<uint64_t>(s.changes());
}

Result<std::vector<ChunkUserRecord>> Catalog::ChunkUsers(std::string_view chunk_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(
      db_,
      "SELECT m.name, v.version, mc.seq FROM model_version_chunks mc JOIN model_versions v ON v.id = "
      "mc.version_id JOIN artifact_models m ON m.id = v.model_id WHERE mc.chunk_id = ? ORDER BY m.name, "
      "v.version, mc.seq",
      path_, "chunk users");
  s.Bind(1, chunk_id);
  std::vector<ChunkUserRecord> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Text(0), s.Int(1), s.Int(2)});
  }
  return out;
}

// --- Versions and their manifests ---------------------------------------------------------------

Result<bool> Catalog::ModelVersionExists(std::string_view model, int64_t version) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_,
                      "SELECT 1 FROM model_versions v JOIN artifact_models m ON m.id = v.model_id WHERE m.name = ? AND "
                      "v.version = ?",
                      path_, "check version");
  s.Bind(1, model);
  s.Bind(2, version);
  return s.Step();
}

Result<std::optional<std::vector<ManifestRecord>>> Catalog::ReadModelManifest(int64_t version_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement v(db_, "SELECT 1 FROM model_versions WHERE id = ?", path_, "find version");
  v.Bind(1, version_id);
  ASSIGN_OR_RETURN(bool exists, v.Step());
  if (!exists) return std::optional<std::vector<ManifestRecord>>();
  sqlite::Statement s(db_,
                      "SELECT m.chunk_id, c.chunk_id, c.pack_id, c.offset, c.stored_len, c.raw_len, c.codec FROM "
                      "model_version_chunks m LEFT JOIN artifact_chunks c ON c.chunk_id = m.chunk_id WHERE "
                      "m.version_id = ? ORDER BY m.seq",
                      path_, "read manifest");
  s.Bind(1, version_id);
  std::vector<ManifestRecord> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ManifestRecord r;
    r.chunk_id = s.Text(0);
    if (!s.IsNull(1)) r.chunk = RowToChunk(s, 1);
    out.push_back(std::move(r));
  }
  return std::optional<std::vector<ManifestRecord>>(std::move(out));
}

Result<std::pair<int64_t, int64_t>> Catalog::AddModelVersion(const NewModelVersionRecord& v, int64_t now_ns) {
  std::lock_guard lock(mu_);
  sqlite::Statement m(db_, "INSERT OR IGNORE INTO artifact_models (name, created_at) VALUES (?, ?)", path_,
                      "add model");
  m.Bind(1, v.model);
  m.Bind(2, now_ns);
  RETURN_IF_ERROR(m.Run());
  sqlite::Statement mid(db_,
                        "SELECT id, (SELECT MAX(version) FROM model_versions WHERE model_id = artifact_models.id) FROM "
                        "artifact_models WHERE name = ?",
                        path_, "find model");
  mid.Bind(1, v.model);
  ASSIGN_OR_RETURN(bool found, mid.Step());
  if (!found) return Status::Internal("model " + v.model + " vanished while its version was added");
  const int64_t model_id = mid.Int(0);
  const int64_t number = v.version ? *v.version : mid.OptionalInt(1).value_or(0) + 1;
  sqlite::Statement ins(db_,
                        "INSERT INTO model_versions (model_id, version, size, sha256, chunk_count, meta_json, "
                        "metrics_json, run_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        path_, "add version");
  ins.Bind(1, model_id);
  ins.Bind(2, number);
  ins.Bind(3, static_cast<int64_t>(v.size));
  ins.Bind(4, v.sha256);
  ins.Bind(5, static_cast<int64_t>(v.chunk_ids.size()));
  ins.Bind(6, v.meta_json);
  ins.Bind(7, v.metrics_json);
  ins.Bind(8, v.run_id);
  ins.Bind(9, now_ns);
  Status st = ins.Run();
  if (st.code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("model " + v.model + " version " + std::to_string(number) + " already exists");
  }
  RETURN_IF_ERROR(st);
  const int64_t version_id = ins.last_insert_rowid();
  sqlite::Statement mc(db_, "INSERT INTO model_version_chunks (version_id, seq, chunk_id) VALUES (?, ?, ?)", path_,
                       "add manifest");
  for (size_t i = 0; i < v.chunk_ids.size(); ++i) {
    mc.Reset();
    mc.Bind(1, version_id);
    mc.Bind(2, static_cast<int64_t>(i));
    mc.Bind(3, v.chunk_ids[i]);
    RETURN_IF_ERROR(mc.Run());
  }
  return std::make_pair(number, version_id);
}

Result<bool> Catalog::RunExists(int64_t run_id) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(db_, "SELECT 1 FROM runs WHERE id = ?", path_, "find run");
  s.Bind(1, run_id);
  return s.Step();
}

// --- Totals and the load log ------------------------------------------------------------------

Result<ModelStoreTotalsRecord> Catalog::ModelStoreTotals() {
  std::lock_guard lock(mu_);
  ModelStoreTotalsRecord t;
  sqlite::Statement s(db_,
                      "SELECT (SELECT COUNT(*) FROM artifact_models), (SELECT COUNT(*) FROM model_versions), "
                      "(SELECT COALESCE(SUM(size), 0) FROM model_versions), (SELECT COUNT(*) FROM artifact_chunks), "
                      "(SELECT COALESCE(SUM(raw_len), 0) FROM artifact_chunks), "
                      "(SELECT COALESCE(SUM(stored_len), 0) FROM artifact_chunks), (SELECT COUNT(*) FROM "
                      "artifact_packs), (SELECT COALESCE(SUM(bytes), 0) FROM artifact_packs)",
                      path_, "model store totals");
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("catalog " + path_ + ": the model store totals query returned no row");
  t.models = static_cast<uint64_t>(s.Int(0));
  t.versions = static_cast<uint64_t>(s.Int(1));
  t.logical_bytes = static_cast<uint64_t>(s.Int(2));
  t.chunks = static_cast<uint64_t>(s.Int(3));
  t.unique_raw_bytes = static_cast<uint64_t>(s.Int(4));
  t.stored_bytes = static_cast<uint64_t>(s.Int(5));
  t.packs = static_cast<uint64_t>(s.Int(6));
  t.pack_bytes = static_cast<uint64_t>(s.Int(7));
  sqlite::Statement l(db_, "SELECT location, COUNT(*), COALESCE(SUM(bytes), 0) FROM artifact_packs GROUP BY location",
                      path_, "packs by location");
  for (;;) {
    ASSIGN_OR_RETURN(bool more, l.Step());
    if (!more) break;
    const std::string loc = l.Text(0);
    const auto n = static_cast<uint64_t>(l.Int(1)), bytes = static_cast<uint64_t>(l.Int(2));
    if (loc == "local") {
      t.local_packs = n;
      t.local_pack_bytes = bytes;
    } else if (loc == "both") {
      t.both_packs = n;
      t.both_pack_bytes = bytes;
    } else {
      t.cold_packs = n;
      t.cold_pack_bytes = bytes;
    }
  }
  return t;
}

Status Catalog::RecordModelLoads(std::span<const ModelLoadRecord> loads) {
  std::lock_guard lock(mu_);
  sqlite::Statement s(
      db_, "INSERT INTO model_loads (model, version, tier, bytes, duration_ns, started_at) VALUES (?, ?, ?, ?, ?, ?)",
      path_, "record load");
  for (const ModelLoadRecord& r : loads) {
    s.Reset();
    s.Bind(1, r.model);
    s.Bind(2, r.version);
    s.Bind(3, r.tier);
    s.Bind(4, static_cast<int64_t>(r.bytes));
    s.Bind(5, r.duration_ns);
    s.Bind(6, r.started_at_ns);
    RETURN_IF_ERROR(s.Run());
  }
  return Status::OK();
}

}  // namespace strata
