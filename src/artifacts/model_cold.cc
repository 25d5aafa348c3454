// ModelStore and the cold store: archive, restore, and the helpers gc and verify share.
//
// A pack's life: "local" (only in <root>/artifacts/packs, the newest one still growing) ->
// archive uploads it, reads the upload back (size and SHA-256) and commits "both" with the hash
// (the pack is sealed from then on: puts start new packs) -> once only archived versions use it,
// archive commits "cold" and then deletes the local file. Restore fetches a cold pack, checks it,
// writes it under a temporary name, fsyncs, renames, and commits "both". The catalog is always
// committed after the bytes it points at are durable and before the bytes it no longer needs are
// deleted, so every version stays loadable at every instant; a crash leaves at worst an extra
// copy (a local file of a cold pack, a temporary, an uncommitted cold object) that gc removes.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>

#include "artifacts/model_store_internal.h"
#include "io/sha256.h"

namespace strata::artifacts {
namespace {

constexpr size_t kBlock = 8 << 20;

bool IsProduction(const VersionInfo& v) {
  return v.stage == "production" || std::find(v.aliases.begin(), v.aliases.end(), "production") != v.aliases.end();
}

// SHA-256 of the first `bytes` bytes of a local file.
Result<std::string> HashLocalPack(FileSystem* fs, const std::string& path, uint64_t bytes) {
  ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(path));
  std::string block(static_cast<size_t>(std::min<uint64_t>(bytes, kBlock)), '\0');
  Sha256 hasher;
  for (uint64_t off = 0; off < bytes;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(block.size(), bytes - off));
    ASSIGN_OR_RETURN(size_t got, file->Read(off, want, block.data()));
    if (got != want) {
      return Status::Corruption("pack " + path + " ends at " + std::to_string(off + got) + " bytes, the catalog says " +
                                std::to_string(bytes) + " are committed");
    }
    hasher.Update(std::string_view(block.data(), got));
    off += got;
  }
  return DigestHex(hasher.Finish());
}

}  // namespace

Result<size_t> StringFile::Read(uint64_t offset, size_t n, char* scratch) const {
  if (offset >= data_.size()) return size_t{0};
  n = static_cast<size_t>(std::min<uint64_t>(n, data_.size() - offset));
  std::memcpy(scratch, data_.data() + offset, n);
  return n;
}

Status CheckColdPack(ColdStore* cold, const PackRow& pack, std::string* keep) {
  const std::string name = PackFileName(pack.id);
  const std::string uri = cold->PackUri(name);
  auto opened = cold->OpenPack(name);
  if (!opened.ok()) {
    if (opened.status().IsNotFound()) {
      return Status::NotFound("cold pack " + uri + " is missing (" + opened.status().message() + ")");
    }
    return opened.status().WithContext("cold pack " + uri);
  }
  std::unique_ptr<RandomAccessFile> file = std::move(*opened);
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  if (size != pack.bytes) {
    return Status::Corruption("cold pack " + uri + " has " + std::to_string(size) + " bytes, the catalog says " +
                              std::to_string(pack.bytes));
  }
  std::string block;
  if (keep != nullptr) {
    keep->resize(size);
  } else {
    block.resize(static_cast<size_t>(std::min<uint64_t>(size, kBlock)));
  }
  Sha256 hasher;
  for (uint64_t off = 0; off < size;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kBlock, size - off));
    char* dest = keep != nullptr ? keep->data() + off : block.data();
    auto got = file->Read(off, want, dest);
    if (!got.ok()) return got.status().WithContext("reading cold pack " + uri);
    if (*got != want) {
      return Status::Corruption("cold pack " + uri + " ends at " + std::to_string(off + *got) + " bytes, expected " +
                                std::to_string(size));
    }
    hasher.Update(std::string_view(dest, want));
    off += want;
  }
  const std::string sha = DigestHex(hasher.Finish());
  if (!pack.sha256.empty() && sha != pack.sha256) {
    return Status::Corruption("cold pack " + uri + " does not match its SHA-256 (catalog " + pack.sha256 + ", got " +
                              sha + ")");
  }
  return Status::OK();
}

Result<ArchiveResult> ModelStore::Archive(const ArchiveOptions& options) {
  Impl& impl = *impl_;
  if (options.all && !options.name.empty()) {
    return Status::InvalidArgument("model archive takes a model name or --all, not both");
  }
  if (options.ref && options.name.empty()) return Status::InvalidArgument("model archive: a version needs a name");
  ASSIGN_OR_RETURN(ColdStore * cold, cold_store());
  ASSIGN_OR_RETURN(auto writer_lock, WriterLock::Acquire(&impl, "strata model archive"));

  // 1. The versions.
  std::vector<VersionInfo> chosen;
  if (!options.name.empty() && options.ref) {
    ASSIGN_OR_RETURN(VersionInfo v, Resolve(options.name, *options.ref));
    if (IsProduction(v)) {
      return Status::InvalidArgument("model " + v.model + " version " + std::to_string(v.version) +
                                     " is in production and stays on local disk (promote another version to "
                                     "production, or this one to staging, first)");
    }
    chosen.push_back(std::move(v));
  } else {
    std::vector<std::string> names;
    if (!options.name.empty()) {
      names.push_back(options.name);
    } else {
      ASSIGN_OR_RETURN(auto models, ListModels());
      for (const ModelSummary& m : models) names.push_back(m.name);
    }
    for (const std::string& n : names) {
      ASSIGN_OR_RETURN(auto versions, ListVersions(n));
      for (VersionInfo& v : versions) {
        if (IsProduction(v)) continue;
        if (options.name.empty() && !options.all && v.stage != "archived") continue;
        chosen.push_back(std::move(v));
      }
    }
  }

  // 2. Their packs.
  std::set<int64_t> used;
  for (const VersionInfo& v : chosen) {
    auto manifest = ReadManifest(catalog_.get(), v.version_id);
    if (!manifest.ok())
      return manifest.status().WithContext("model " + v.model + " version " + std::to_string(v.version));
    for (const ManifestEntry& e : *manifest) used.insert(e.loc.pack_id);
  }
  ASSIGN_OR_RETURN(std::vector<PackRow> rows, catalog_->ListPacks());
  std::map<int64_t, PackRow> packs;
  for (PackRow& r : rows) packs[r.id] = std::move(r);

  // 3. Upload every local-only one, read it back, commit "both".
  ArchiveResult result;
  for (int64_t id : used) {
    auto it = packs.find(id);
    if (it == packs.end()) return Status::Internal("pack " + std::to_string(id) + " vanished under the writer lock");
    PackRow& pack = it->second;
    if (pack.location != "local") {
      result.packs_already_cold++;
      continue;
    }
    const std::string name = PackFileName(id);
    const std::string path = JoinPath(impl.packs_dir, name);
    const std::string uri = cold->PackUri(name);
    // Bytes past the committed length were written by a put that never committed: not uploaded.
    ASSIGN_OR_RETURN(uint64_t on_disk, impl.fs->FileSize(path));
    if (on_disk > pack.bytes) RETURN_IF_ERROR(impl.fs->Truncate(path, pack.bytes));
    ASSIGN_OR_RETURN(pack.sha256, HashLocalPack(impl.fs, path, pack.bytes));
    RETURN_IF_ERROR(cold->PutPack(name, impl.fs, path).WithContext("archiving pack " + path + " to " + uri));
    RETURN_IF_ERROR(CheckColdPack(cold, pack, nullptr).WithContext("checking the upload of pack " + name));
    RETURN_IF_ERROR(catalog_->MarkPackArchived(id, pack.sha256, uri, NowNs()));
    pack.location = "both";
    result.packs_uploaded++;
    result.bytes_uploaded += pack.bytes;
  }

  // 4. The versions are archived.
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    for (const VersionInfo& v : chosen) RETURN_IF_ERROR(catalog_->SetModelVersionStage(v.version_id, "archived"));
    return Status::OK();
  }));
  for (const VersionInfo& v : chosen) result.versions.push_back(v.model + "@" + std::to_string(v.version));

  // 5. Local copies that only archived versions use go, cold copy first checked to be there.
  std::vector<int64_t> drop;
  if (!options.keep_local) {
    ASSIGN_OR_RETURN(drop, catalog_->PacksOnlyArchivedVersionsUse());
    for (int64_t id : drop) {
      const std::string name = PackFileName(id);
      auto size = cold->PackSize(name);
      if (!size.ok() || *size != packs[id].bytes) {
        return Status::Corruption(
            "cold copy of pack " + name + " at " + cold->PackUri(name) +
            (size.ok() ? " has " + std::to_string(*size) + " bytes, the catalog says " + std::to_string(packs[id].bytes)
                       : ": " + size.status().message()) +
            "; its local file is kept (run `strata model verify`)");
      }
    }
    RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
      for (int64_t id : drop) RETURN_IF_ERROR(catalog_->SetPackLocation(id, "cold", /*only_from=*/"both"));
      return Status::OK();
    }));
    for (int64_t id : drop) {
      const std::string path = JoinPath(impl.packs_dir, PackFileName(id));
      auto size = impl.fs->FileSize(path);
      Status st = impl.fs->RemoveFile(path);
      if (!st.ok() && !st.IsNotFound()) {
        return st.WithContext("archive: committed pack " + PackFileName(id) +
                              " as cold, but removing its local file failed (gc will)");
      }
      if (st.ok()) {
        result.packs_removed_local++;
        result.bytes_removed_local += size.ok() ? *size : 0;
      }
    }
    // Local files of packs already cold: left by an archive that crashed after its commit.
    bool leftovers = false;
    for (int64_t id : used) {
      if (packs[id].location != "cold") continue;
      Status st = impl.fs->RemoveFile(JoinPath(impl.packs_dir, PackFileName(id)));
      if (!st.ok() && !st.IsNotFound()) return st.WithContext("archive: removing the local copy of a cold pack");
      leftovers = leftovers || st.ok();
    }
    if (!drop.empty() || leftovers) RETURN_IF_ERROR(impl.fs->SyncDir(impl.packs_dir));
  }
  for (int64_t id : used) {
    if (packs[id].location == "both" && std::find(drop.begin(), drop.end(), id) == drop.end()) {
      result.packs_kept_local++;
    }
  }
  return result;
}

Result<RestoreResult> ModelStore::Restore(std::string_view name, std::string_view ref) {
  Impl& impl = *impl_;
  ASSIGN_OR_RETURN(auto writer_lock, WriterLock::Acquire(&impl, "strata model restore " + std::string(name)));
  ASSIGN_OR_RETURN(VersionInfo v, Resolve(name, ref));
  const std::string what = "restoring model " + v.model + " version " + std::to_string(v.version);
  auto manifest = ReadManifest(catalog_.get(), v.version_id);
  if (!manifest.ok()) return manifest.status().WithContext(what);
  std::set<int64_t> used;
  for (const ManifestEntry& e : *manifest) used.insert(e.loc.pack_id);
  ASSIGN_OR_RETURN(std::vector<PackRow> rows, catalog_->ListPacks());
  RestoreResult result;
  for (const PackRow& pack : rows) {
    if (!used.count(pack.id) || pack.location == "local") continue;
    const std::string pack_name = PackFileName(pack.id);
    const std::string path = JoinPath(impl.packs_dir, pack_name);
    auto local_size = impl.fs->FileSize(path);
    const bool have_local = local_size.ok() && *local_size == pack.bytes;
    if (!have_local) {
      auto cold = cold_store();
      if (!cold.ok()) return cold.status().WithContext(what);
      std::string data;
      RETURN_IF_ERROR(CheckColdPack(*cold, pack, &data).WithContext(what));
      const std::string tmp = path + ".restore";
      ASSIGN_OR_RETURN(auto out, impl.fs->NewWritableFile(tmp, OpenMode::kTruncate));
      Status st = out->Append(data);
      if (st.ok()) st = out->Sync();
      if (st.ok()) st = out->Close();
      if (st.ok()) st = impl.fs->Rename(tmp, path);
      if (st.ok()) st = impl.fs->SyncDir(impl.packs_dir);
      if (!st.ok()) {
        impl.fs->RemoveFile(tmp).IgnoreError();
        return st.WithContext(what);
      }
      result.packs_restored++;
      result.bytes_restored += pack.bytes;
    }
    if (pack.location == "cold") {
      RETURN_IF_ERROR(catalog_->SetPackLocation(pack.id, "both"));
    }
  }
  if (v.stage == "archived") {
    RETURN_IF_ERROR(catalog_->SetModelVersionStage(v.version_id, "staging"));
  }
  return result;
}

}  // namespace strata::artifacts
