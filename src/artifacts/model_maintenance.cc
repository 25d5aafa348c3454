// ModelStore maintenance: gc, stats, verify, diff.
#include <sqlite3.h>

#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "artifacts/model_store_internal.h"
#include "catalog/statement.h"

namespace strata::artifacts {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct ChunkRow {
  std::string id;
  ChunkLocation loc;
};

ChunkRow RowToChunk(const sql::Statement& s) {
  ChunkRow r;
  r.id = s.Text(0);
  r.loc.pack_id = s.Int(1);
  r.loc.offset = static_cast<uint64_t>(s.Int(2));
  r.loc.stored_len = static_cast<uint32_t>(s.Int(3));
  r.loc.raw_len = static_cast<uint32_t>(s.Int(4));
  r.loc.codec = static_cast<CompressionType>(s.Int(5));
  return r;
}

constexpr char kChunkColumns[] = "SELECT chunk_id, pack_id, offset, stored_len, raw_len, codec FROM artifact_chunks ";
constexpr char kUnreferenced[] =
    "NOT EXISTS (SELECT 1 FROM model_version_chunks m WHERE m.chunk_id = artifact_chunks.chunk_id)";

}  // namespace

Status VerifyReport::ToStatus() const {
  if (corrupt.empty()) return Status::OK();
  std::string msg = std::to_string(corrupt.size()) + " corrupt chunk reference(s):";
  for (size_t i = 0; i < corrupt.size() && i < 5; ++i) {
    const CorruptChunk& c = corrupt[i];
    msg += (i ? "; " : " ");
    if (c.model.empty()) {
      msg += "unreferenced chunk " + c.chunk_id;
    } else {
      msg += "model " + c.model + " version " + std::to_string(c.version) + " chunk " + std::to_string(c.seq) + " (" +
             c.chunk_id + ")";
    }
    msg += ": " + c.error;
  }
  if (corrupt.size() > 5) msg += "; ...";
  return Status::Corruption(msg);
}

Result<GcResult> ModelStore::Gc() {
  Impl& impl = *impl_;
  const std::string where = catalog_->path();
  GcResult result;
  ASSIGN_OR_RETURN(auto writer_lock, WriterLock::Acquire(&impl, "strata model gc"));

  std::map<int64_t, uint64_t> packs;  // id -> committed bytes
  std::vector<ChunkRow> dead, live_in_victims;
  std::set<int64_t> victims;
  int64_t next_pack = 1;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sql::Statement p(catalog_->db(), "SELECT id, bytes FROM artifact_packs", where, "list packs");
    for (;;) {
      ASSIGN_OR_RETURN(bool row, p.Step());
      if (!row) break;
      packs[p.Int(0)] = static_cast<uint64_t>(p.Int(1));
    }
    sql::Statement d(catalog_->db(), std::string(kChunkColumns) + "WHERE " + kUnreferenced, where, "dead chunks");
    for (;;) {
      ASSIGN_OR_RETURN(bool row, d.Step());
      if (!row) break;
      dead.push_back(RowToChunk(d));
      victims.insert(dead.back().loc.pack_id);
    }
    sql::Statement l(catalog_->db(),
                     std::string(kChunkColumns) + "WHERE pack_id = ? AND NOT " + kUnreferenced + " ORDER BY offset",
                     where, "live chunks");
    for (int64_t id : victims) {
      l.Reset();
      l.Bind(1, id);
      for (;;) {
        ASSIGN_OR_RETURN(bool row, l.Step());
        if (!row) break;
        live_in_victims.push_back(RowToChunk(l));
      }
    }
    sql::Statement s(catalog_->db(), "SELECT seq FROM sqlite_sequence WHERE name = 'artifact_packs'", where,
                     "next pack id");
    ASSIGN_OR_RETURN(bool has_seq, s.Step());
    next_pack = (has_seq ? s.Int(0) : 0) + 1;
    return Status::OK();
  }));

  // Files the catalog does not know (a put or gc that crashed before its commit) and tails past
  // a pack's committed length go first: nothing can refer to them.
  std::set<std::string> known;
  for (const auto& [id, bytes] : packs) known.insert(PackFileName(id));
  ASSIGN_OR_RETURN(auto names, impl.fs->ListDir(impl.packs_dir));
  bool removed_any = false;
  for (const std::string& name : names) {
    const std::string path = JoinPath(impl.packs_dir, name);
    if (!known.count(name)) {
      ASSIGN_OR_RETURN(uint64_t size, impl.fs->FileSize(path));
      RETURN_IF_ERROR(impl.fs->RemoveFile(path));
      result.orphan_files_removed++;
      result.bytes_reclaimed += size;
      removed_any = true;
    }
  }
  for (const auto& [id, bytes] : packs) {
    if (victims.count(id)) continue;
    const std::string path = JoinPath(impl.packs_dir, PackFileName(id));
    auto size = impl.fs->FileSize(path);
    if (size.ok() && *size > bytes) {
      RETURN_IF_ERROR(impl.fs->Truncate(path, bytes));
      result.bytes_reclaimed += *size - bytes;
    }
  }
  if (removed_any) RETURN_IF_ERROR(impl.fs->SyncDir(impl.packs_dir));
  if (victims.empty()) return result;

  // Copy the live chunks of every pack that holds dead ones into new packs.
  struct Moved {
    const ChunkRow* row;
    ChunkLocation loc;
  };
  std::vector<Moved> moved;
  std::vector<std::pair<int64_t, uint64_t>> new_packs;
  std::unique_ptr<PackWriter> writer;
  std::unordered_map<int64_t, std::unique_ptr<RandomAccessFile>> open;
  std::string payload;
  for (const ChunkRow& c : live_in_victims) {
    if (writer && writer->size() + kRecordHeaderSize + c.loc.stored_len > impl.options.pack_roll_bytes) {
      RETURN_IF_ERROR(writer->Finish());
      new_packs.push_back({writer->pack_id(), writer->size()});
      writer.reset();
    }
    if (!writer) {
      ASSIGN_OR_RETURN(writer, PackWriter::Open(impl.fs, impl.packs_dir, next_pack++, true, 0));
    }
    auto& file = open[c.loc.pack_id];
    if (!file) {
      ASSIGN_OR_RETURN(file, impl.fs->NewRandomAccessFile(JoinPath(impl.packs_dir, PackFileName(c.loc.pack_id))));
    }
    payload.resize(c.loc.stored_len);
    ASSIGN_OR_RETURN(size_t n, file->Read(c.loc.offset, c.loc.stored_len, payload.data()));
    if (n != c.loc.stored_len) {
      return Status::Corruption("gc: pack " + file->path() + " ends inside chunk " + c.id + " at offset " +
                                std::to_string(c.loc.offset));
    }
    // Copied verbatim: a corrupt chunk stays detectable by its id (verify, load), never laundered.
    ASSIGN_OR_RETURN(Sha256Digest id, ParseDigestHex(c.id));
    ASSIGN_OR_RETURN(uint64_t offset, writer->Add(id, c.loc.codec, c.loc.raw_len, payload));
    ChunkLocation loc = c.loc;
    loc.pack_id = writer->pack_id();
    loc.offset = offset;
    moved.push_back({&c, loc});
  }
  if (writer) {
    RETURN_IF_ERROR(writer->Finish());
    new_packs.push_back({writer->pack_id(), writer->size()});
  }
  open.clear();

  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sqlite3* db = catalog_->db();
    for (const auto& [id, bytes] : new_packs) {
      sql::Statement s(db, "INSERT INTO artifact_packs (id, name, bytes, created_at) VALUES (?, ?, ?, ?)", where,
                       "record pack");
      s.Bind(1, id);
      s.Bind(2, PackFileName(id));
      s.Bind(3, static_cast<int64_t>(bytes));
      s.Bind(4, NowNs());
      RETURN_IF_ERROR(s.Run());
    }
    sql::Statement u(db, "UPDATE artifact_chunks SET pack_id = ?, offset = ? WHERE chunk_id = ?", where, "move chunk");
    for (const Moved& m : moved) {
      u.Reset();
      u.Bind(1, m.loc.pack_id);
      u.Bind(2, static_cast<int64_t>(m.loc.offset));
      u.Bind(3, m.row->id);
      RETURN_IF_ERROR(u.Run());
    }
    sql::Statement d(db, "DELETE FROM artifact_chunks WHERE chunk_id = ?", where, "remove chunk");
    for (const ChunkRow& c : dead) {
      d.Reset();
      d.Bind(1, c.id);
      RETURN_IF_ERROR(d.Run());
    }
    sql::Statement p(db, "DELETE FROM artifact_packs WHERE id = ?", where, "remove pack");
    for (int64_t id : victims) {
      p.Reset();
      p.Bind(1, id);
      RETURN_IF_ERROR(p.Run());
    }
    return Status::OK();
  }));
  result.chunks_removed = dead.size();
  result.packs_rewritten = victims.size();
  uint64_t written = 0;
  for (const auto& [id, bytes] : new_packs) written += bytes;
  uint64_t freed = 0;
  for (int64_t id : victims) {
    // Readers that opened the pack keep reading it; new readers find the chunks' new homes.
    const std::string path = JoinPath(impl.packs_dir, PackFileName(id));
    auto size = impl.fs->FileSize(path);
    if (size.ok()) freed += *size;
    Status st = impl.fs->RemoveFile(path);
    if (!st.ok() && !st.IsNotFound()) return st.WithContext("gc: committed, but removing the old pack failed");
  }
  RETURN_IF_ERROR(impl.fs->SyncDir(impl.packs_dir));
  result.bytes_reclaimed += freed > written ? freed - written : 0;
  return result;
}

Result<StoreStats> ModelStore::Stats() {
  StoreStats st;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sql::Statement s(catalog_->db(),
                     "SELECT (SELECT COUNT(*) FROM artifact_models), (SELECT COUNT(*) FROM model_versions), "
                     "(SELECT COALESCE(SUM(size), 0) FROM model_versions), (SELECT COUNT(*) FROM artifact_chunks), "
                     "(SELECT COALESCE(SUM(raw_len), 0) FROM artifact_chunks), "
                     "(SELECT COALESCE(SUM(stored_len), 0) FROM artifact_chunks), (SELECT COUNT(*) FROM "
                     "artifact_packs), (SELECT COALESCE(SUM(bytes), 0) FROM artifact_packs)",
                     catalog_->path(), "stats");
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::Internal("stats query returned no row");
    st.models = s.Int(0);
    st.versions = s.Int(1);
    st.logical_bytes = s.Int(2);
    st.chunks = s.Int(3);
    st.unique_raw_bytes = s.Int(4);
    st.stored_bytes = s.Int(5);
    st.packs = s.Int(6);
    st.pack_bytes = s.Int(7);
    return Status::OK();
  }));
  return st;
}

Result<VerifyReport> ModelStore::Verify() {
  Impl& impl = *impl_;
  const std::string where = catalog_->path();
  std::vector<ChunkRow> chunks;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    sql::Statement s(catalog_->db(), std::string(kChunkColumns) + "ORDER BY pack_id, offset", where, "list chunks");
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      chunks.push_back(RowToChunk(s));
    }
    return Status::OK();
  }));
  VerifyReport report;
  std::unordered_map<int64_t, std::unique_ptr<RandomAccessFile>> open;
  std::string scratch, raw;
  Sha256 hasher;
  std::unique_ptr<Codec> codecs[8];
  for (const ChunkRow& c : chunks) {
    ChunkLocation loc = c.loc;
    Status st;
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto& file = open[loc.pack_id];
      if (!file) {
        const std::string name = PackFileName(loc.pack_id);
        auto f = impl.fs->NewRandomAccessFile(JoinPath(impl.packs_dir, name));
        if (!f.ok() && f.status().IsNotFound() && impl.options.cold_store) f = impl.options.cold_store->OpenPack(name);
        if (f.ok()) file = std::move(*f);
        st = f.status();
      }
      if (file) {
        auto id = ParseDigestHex(c.id);
        if (!id.ok()) {
          st = id.status();
          break;
        }
        raw.resize(loc.raw_len);
        st = ReadChunkInto(*file, loc, *id, raw.data(), &scratch, &hasher, codecs);
      }
      if (!st.IsNotFound()) break;
      open.erase(loc.pack_id);
      auto moved = LocateChunk(catalog_.get(), c.id);  // gc moved it meanwhile
      if (!moved.ok()) {
        st = moved.status().IsNotFound() ? Status::OK() : moved.status();  // gc removed it: nothing to check
        break;
      }
      loc = *moved;
    }
    report.chunks_checked++;
    report.bytes_checked += loc.raw_len;
    if (st.ok()) continue;
    // Name every model version that uses the chunk.
    size_t before = report.corrupt.size();
    RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
      sql::Statement r(
          catalog_->db(),
          "SELECT m.name, v.version, mc.seq FROM model_version_chunks mc JOIN model_versions v ON v.id = "
          "mc.version_id JOIN artifact_models m ON m.id = v.model_id WHERE mc.chunk_id = ? ORDER BY m.name, "
          "v.version, mc.seq",
          where, "chunk users");
      r.Bind(1, c.id);
      for (;;) {
        ASSIGN_OR_RETURN(bool row, r.Step());
        if (!row) break;
        report.corrupt.push_back(
            {r.Text(0), r.Int(1), r.Int(2), c.id, PackFileName(loc.pack_id), loc.offset, st.message()});
      }
      return Status::OK();
    }));
    if (report.corrupt.size() == before) {
      report.corrupt.push_back({"", 0, 0, c.id, PackFileName(loc.pack_id), loc.offset, st.message()});
    }
  }
  return report;
}

Result<DiffResult> ModelStore::Diff(std::string_view a_name, std::string_view a_ref, std::string_view b_name,
                                    std::string_view b_ref) {
  ASSIGN_OR_RETURN(VersionInfo a, Resolve(a_name, a_ref));
  ASSIGN_OR_RETURN(VersionInfo b, Resolve(b_name, b_ref));
  ASSIGN_OR_RETURN(auto am, ReadManifest(catalog_.get(), a.version_id));
  ASSIGN_OR_RETURN(auto bm, ReadManifest(catalog_.get(), b.version_id));
  std::unordered_set<std::string> in_a;
  for (const ManifestEntry& e : am) in_a.insert(e.chunk_id);
  DiffResult d;
  d.a_bytes = a.size;
  d.b_bytes = b.size;
  for (const ManifestEntry& e : bm) {
    if (in_a.count(e.chunk_id)) {
      d.shared_bytes += e.loc.raw_len;
      d.shared_chunks++;
    } else {
      d.new_bytes += e.loc.raw_len;
      d.new_chunks++;
    }
  }
  return d;
}

Result<VerifyReport> VerifyModelStore(const std::string& root, FileSystem* fs) {
  ModelStoreOptions options;
  options.fs = fs;
  options.cache_budget_bytes = 0;
  ASSIGN_OR_RETURN(auto store, ModelStore::Open(root, options));
  return store->Verify();
}

}  // namespace strata::artifacts
