// ModelStore maintenance: gc, stats, verify, diff.
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "artifacts/model_store_internal.h"
#include "io/sha256.h"

namespace strata::artifacts {
namespace {

struct ChunkRow {
  std::string id;
  ChunkLocation loc;
};

Result<std::vector<ChunkRow>> ToChunkRows(Result<std::vector<ChunkRecord>> records) {
  if (!records.ok()) return records.status();
  std::vector<ChunkRow> out;
  out.reserve(records->size());
  for (ChunkRecord& r : *records) out.push_back({std::move(r.chunk_id), ToLocation(r)});
  return out;
}

}  // namespace

Status VerifyReport::ToStatus() const {
  if (corrupt.empty() && cold_problems.empty()) return Status::OK();
  std::string msg = std::to_string(corrupt.size()) + " corrupt chunk reference(s)" +
                    (cold_problems.empty() ? "" : ", " + std::to_string(cold_problems.size()) + " bad cold pack(s)") +
                    ":";
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
  for (size_t i = 0; i < cold_problems.size() && i < 5; ++i) {
    msg += (i || !corrupt.empty() ? "; " : " ") + std::string("cold pack ") + cold_problems[i].pack + ": " +
           cold_problems[i].error;
  }
  if (cold_problems.size() > 5) msg += "; ...";
  return Status::Corruption(msg);
}

Result<GcResult> ModelStore::Gc() {
  Impl& impl = *impl_;
  GcResult result;
  ASSIGN_OR_RETURN(auto writer_lock, WriterLock::Acquire(&impl, "strata model gc"));
  RETURN_IF_ERROR(GcCold(&result));

  std::map<int64_t, uint64_t> packs;  // id -> committed bytes
  std::vector<ChunkRow> dead, live_in_victims;
  std::set<int64_t> victims;
  int64_t next_pack = 1;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    // Cold-only packs are not rewritten (GcCold deleted their dead chunks' rows), and a local file
    // of one (an archive that crashed before removing it) counts as an orphan below.
    ASSIGN_OR_RETURN(std::vector<PackRecord> all_packs, catalog_->ListPacks());
    for (const PackRecord& p : all_packs) {
      if (p.location != "cold") packs[p.id] = p.bytes;
    }
    ASSIGN_OR_RETURN(dead, ToChunkRows(catalog_->ListUnreferencedChunks()));
    for (const ChunkRow& c : dead) victims.insert(c.loc.pack_id);
    for (int64_t id : victims) {
      ASSIGN_OR_RETURN(std::vector<ChunkRow> live, ToChunkRows(catalog_->ListReferencedChunksInPack(id)));
      live_in_victims.insert(live_in_victims.end(), std::make_move_iterator(live.begin()),
                             std::make_move_iterator(live.end()));
    }
    ASSIGN_OR_RETURN(next_pack, catalog_->NextPackId());
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
    const int64_t now = NowNs();
    for (const auto& [id, bytes] : new_packs) RETURN_IF_ERROR(catalog_->AddPack(id, PackFileName(id), bytes, now));
    for (const Moved& m : moved) RETURN_IF_ERROR(catalog_->MoveChunk(m.row->id, m.loc.pack_id, m.loc.offset));
    for (const ChunkRow& c : dead) RETURN_IF_ERROR(catalog_->RemoveChunk(c.id));
    for (int64_t id : victims) RETURN_IF_ERROR(catalog_->RemovePack(id));
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

Status ModelStore::GcCold(GcResult* result) {
  Impl& impl = *impl_;
  ASSIGN_OR_RETURN(std::vector<PackRow> packs, catalog_->ListPacks());
  const bool any_cold = std::any_of(packs.begin(), packs.end(), [](const PackRow& p) { return p.location != "local"; });
  auto cold = cold_store();
  if (!cold.ok()) {
    if (any_cold) return cold.status().WithContext("gc of the packs in the cold store");
    return Status::OK();  // nothing was ever archived: gc works without the cold tier
  }
  // Archived packs are sealed and not rewritten: their dead chunks' rows go, and a pack with no
  // live chunk left goes whole (row first, then the object and any local copy).
  std::vector<PackRow> dead_packs;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(uint64_t removed, catalog_->RemoveUnreferencedArchivedChunks());
    result->chunks_removed += removed;
    ASSIGN_OR_RETURN(std::vector<int64_t> empty, catalog_->EmptyArchivedPacks());
    const std::set<int64_t> ids(empty.begin(), empty.end());
    for (const PackRow& p : packs) {
      if (!ids.count(p.id)) continue;
      dead_packs.push_back(p);
      RETURN_IF_ERROR(catalog_->RemovePack(p.id));
    }
    return Status::OK();
  }));
  for (const PackRow& p : dead_packs) {
    const std::string name = PackFileName(p.id);
    RETURN_IF_ERROR((*cold)->DeletePack(name).WithContext("gc: committed, but deleting cold pack " + name + " failed"));
    result->cold_packs_removed++;
    result->cold_bytes_reclaimed += p.bytes;
    Status st = impl.fs->RemoveFile(JoinPath(impl.packs_dir, name));  // its local copy, if "both"
    if (!st.ok() && !st.IsNotFound()) return st.WithContext("gc: removing the local copy of " + name);
  }
  // Uploads an archive's process died in the middle of (invisible, but stored and billed). A
  // store that cannot list them (s3rver) is no reason to fail the gc.
  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto aborted = (*cold)->AbortStaleUploads(now_s, impl.options.stale_upload_age_s); aborted.ok()) {
    result->cold_uploads_aborted += *aborted;
  }
  // Objects the catalog does not know: an upload whose archive crashed before its commit.
  auto listed = (*cold)->ListPacks();
  if (!listed.ok()) {
    if (any_cold) return listed.status().WithContext("gc: listing the cold store");
    return Status::OK();
  }
  std::set<std::string> known;
  for (const PackRow& p : packs) {
    if (p.location != "local") known.insert(PackFileName(p.id));
  }
  for (const PackRow& p : dead_packs) known.erase(PackFileName(p.id));
  for (const std::string& name : *listed) {
    if (known.count(name) || name.rfind("pack-", 0) != 0) continue;
    RETURN_IF_ERROR((*cold)->DeletePack(name).WithContext("gc: deleting orphan cold pack " + name));
    result->cold_orphans_removed++;
  }
  return Status::OK();
}

Result<StoreStats> ModelStore::Stats() {
  ModelStoreTotalsRecord t;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {  // one snapshot for both of its statements
    ASSIGN_OR_RETURN(t, catalog_->ModelStoreTotals());
    return Status::OK();
  }));
  StoreStats st;
  st.models = t.models;
  st.versions = t.versions;
  st.chunks = t.chunks;
  st.packs = t.packs;
  st.logical_bytes = t.logical_bytes;
  st.unique_raw_bytes = t.unique_raw_bytes;
  st.stored_bytes = t.stored_bytes;
  st.pack_bytes = t.pack_bytes;
  st.local_packs = t.local_packs;
  st.both_packs = t.both_packs;
  st.cold_packs = t.cold_packs;
  st.local_pack_bytes = t.local_pack_bytes;
  st.both_pack_bytes = t.both_pack_bytes;
  st.cold_pack_bytes = t.cold_pack_bytes;
  return st;
}

Result<VerifyReport> ModelStore::Verify() {
  Impl& impl = *impl_;
  ASSIGN_OR_RETURN(std::vector<ChunkRow> chunks, ToChunkRows(catalog_->ListChunks()));
  VerifyReport report;
  ASSIGN_OR_RETURN(std::vector<PackRow> pack_rows, catalog_->ListPacks());
  std::unordered_map<int64_t, PackRow> pack_info;
  for (const PackRow& p : pack_rows) pack_info[p.id] = p;
  std::set<int64_t> cold_checked;
  std::unordered_map<int64_t, Status> cold_missing;  // checked once, not again per chunk
  // Checks the cold copy of a pack once; with `keep`, returns its bytes for the chunk checks.
  auto check_cold = [&](const PackRow& p, std::string* keep) {
    cold_checked.insert(p.id);
    report.cold_packs_checked++;
    const std::string name = PackFileName(p.id);
    Status st = impl.cold ? CheckColdPack(impl.cold, p, keep) : impl.cold_error;
    if (!st.ok()) {
      report.cold_problems.push_back({name, impl.cold ? impl.cold->PackUri(name) : "",
                                      (st.IsNotFound() ? "missing: " : "corrupt: ") + st.message()});
    }
    return st;
  };
  for (const PackRow& p : pack_rows) {
    if (p.location == "both") check_cold(p, nullptr).IgnoreError();
  }
  std::unordered_map<int64_t, std::unique_ptr<RandomAccessFile>> open;
  auto open_pack = [&](int64_t pack_id) -> Result<std::unique_ptr<RandomAccessFile>> {
    const std::string name = PackFileName(pack_id);
    auto f = impl.fs->NewRandomAccessFile(JoinPath(impl.packs_dir, name));
    if (f.ok() || !f.status().IsNotFound() || impl.cold == nullptr) return f;
    auto info = pack_info.find(pack_id);
    if (info == pack_info.end() || info->second.location == "local") return impl.cold->OpenPack(name);
    // An archived pack: fetched whole once, its size and hash checked, then its chunks (a corrupt
    // object's chunks are still checked one by one, to name the versions it breaks).
    auto missing = cold_missing.find(pack_id);
    if (missing != cold_missing.end()) return missing->second;
    std::string data;
    Status st = check_cold(info->second, &data);
    if (st.IsNotFound() || data.size() != info->second.bytes) {
      cold_missing[pack_id] = st.ok() ? Status::Corruption("cold pack " + name + " is incomplete") : st;
      return cold_missing[pack_id];
    }
    return std::unique_ptr<RandomAccessFile>(std::make_unique<StringFile>(std::move(data), impl.cold->PackUri(name)));
  };
  std::string scratch, raw;
  Sha256 hasher;
  std::unique_ptr<Codec> codecs[8];
  int64_t previous_pack = 0;
  for (const ChunkRow& c : chunks) {
    ChunkLocation loc = c.loc;
    if (loc.pack_id != previous_pack) {
      open.erase(previous_pack);  // chunks come in pack order: one pack (or fetched cold pack) at a time
      previous_pack = loc.pack_id;
    }
    Status st;
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto& file = open[loc.pack_id];
      if (!file) {
        auto f = open_pack(loc.pack_id);
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
    ASSIGN_OR_RETURN(std::vector<ChunkUserRecord> users, catalog_->ChunkUsers(c.id));
    for (const ChunkUserRecord& u : users) {
      report.corrupt.push_back({u.model, u.version, u.seq, c.id, PackFileName(loc.pack_id), loc.offset, st.message()});
    }
    if (report.corrupt.size() == before) {
      report.corrupt.push_back({"", 0, 0, c.id, PackFileName(loc.pack_id), loc.offset, st.message()});
    }
  }
  for (const PackRow& p : pack_rows) {  // cold packs no chunk led to
    if (p.location == "cold" && !cold_checked.count(p.id)) check_cold(p, nullptr).IgnoreError();
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
