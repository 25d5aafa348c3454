// ModelStore: opening, put, and the registry (resolve, list, promote, aliases, remove).
// Loading is in model_load.cc; gc, stats and verify in model_maintenance.cc.
#include "artifacts/model_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_set>

#include "artifacts/cold_store.h"
#include "artifacts/model_store_internal.h"
#include "catalog/layout.h"
#include "io/sha256.h"

namespace strata::artifacts {
namespace {

Status ValidateName(std::string_view name) {
  if (name.empty() || name.size() > 200) return Status::InvalidArgument("model name must be 1..200 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == '/';
    if (!ok) {
      return Status::InvalidArgument("model name '" + std::string(name) + "' may use only letters, digits and _ - . /");
    }
  }
  return Status::OK();
}

Status ValidateJsonObject(std::string_view text, std::string_view what) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object, got '" + std::string(text) + "'");
  }
  return Status::OK();
}

bool IsDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// One chunk of the input: where it is and its id.
struct PendingChunk {
  uint64_t offset;
  uint32_t len;
  Sha256Digest id;
};

// Whether an order-0 entropy estimate of an 8 KiB sample says entropy coding would save > 3%.
// Trial compression of random float weights costs more than the store's whole put budget for no
// gain; a histogram costs a few microseconds. (A plug-in estimate from 8 KiB reads random bytes
// as ~7.98 bits/byte, well above the 7.76 threshold.) Data that only compresses by long matches
// with high byte entropy is stored raw: rare in model files, and duplicates dedupe anyway.
bool EntropySuggestsSavings(std::string_view raw) {
  std::string_view sample = raw.size() <= (8 << 10) ? raw : raw.substr(raw.size() / 2 - (4 << 10), 8 << 10);
  uint32_t counts[256] = {};
  for (unsigned char c : sample) counts[c]++;
  double bits = 0;
  const double n = static_cast<double>(sample.size());
  for (uint32_t c : counts) {
    if (c != 0) bits -= c * std::log2(c / n);
  }
  return bits / n < 8.0 * 0.97;
}

// Picks a codec for one chunk and fills *out with the stored bytes when it is compressed.
CompressionType Compress(std::string_view raw, std::string_view mode, Codec* zstd, Codec* lz4, std::string* out) {
  out->clear();
  if (mode == "none" || raw.size() < 512) return CompressionType::kNone;
  Codec* codec = mode == "lz4" ? lz4 : zstd;
  if (mode == "auto" && raw.size() > (16 << 10) && !EntropySuggestsSavings(raw)) return CompressionType::kNone;
  if (!codec->Compress(raw, out).ok() || out->size() * 100 > raw.size() * 97) {
    out->clear();
    return CompressionType::kNone;
  }
  return codec->type();
}

}  // namespace

Result<ModelRef> ParseModelRef(std::string_view text) {
  ModelRef ref;
  size_t at = text.find('@');
  ref.name = std::string(text.substr(0, at));
  if (at != std::string_view::npos) {
    ref.ref = std::string(text.substr(at + 1));
    if (ref.ref.empty())
      return Status::InvalidArgument("model reference '" + std::string(text) + "' has nothing after @");
  }
  RETURN_IF_ERROR(ValidateName(ref.name));
  return ref;
}

// ---- writer lock, background worker ----

Result<std::unique_ptr<WriterLock>> WriterLock::Acquire(ModelStore::Impl* impl, std::string_view what) {
  auto lock = std::unique_ptr<WriterLock>(new WriterLock);
  lock->local_ = std::unique_lock<std::mutex>(impl->writer_mu);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl->options.lock_wait_ms);
  std::string note = std::string(what) + " (pid " + std::to_string(::getpid()) + ")";
  for (;;) {
    auto file = impl->fs->TryLock(impl->lock_path, note);
    if (file.ok()) {
      lock->file_ = std::move(*file);
      return lock;
    }
    if (file.status().code() != StatusCode::kBusy || std::chrono::steady_clock::now() > deadline) {
      return file.status().WithContext("model store writer lock " + impl->lock_path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void ModelStore::Impl::Submit(std::function<void()> fn) {
  {
    std::lock_guard lock(work_mu);
    work.push_back(std::move(fn));
  }
  work_cv.notify_one();
}

void ModelStore::Impl::WorkerLoop() {
  for (;;) {
    std::function<void()> fn;
    {
      std::unique_lock lock(work_mu);
      work_cv.wait(lock, [&] { return stopping || !work.empty(); });
      if (work.empty()) return;
      fn = std::move(work.front());
      work.pop_front();
    }
    fn();
  }
}

// ---- open ----

Result<std::unique_ptr<ModelStore>> ModelStore::Open(const std::string& root, const ModelStoreOptions& options) {
  std::unique_ptr<ModelStore> store(new ModelStore);
  store->root_ = root;
  store->impl_ = std::make_unique<Impl>();
  Impl& impl = *store->impl_;
  impl.fs = options.fs ? options.fs : DefaultFileSystem();
  impl.options = options;
  if (impl.options.load_threads < 1) impl.options.load_threads = 1;
  if (impl.options.load_threads > 2) impl.options.load_threads = 2;
  if (options.compression != "auto" && options.compression != "zstd" && options.compression != "lz4" &&
      options.compression != "none") {
    return Status::InvalidArgument("model store compression must be auto, zstd, lz4 or none, got '" +
                                   options.compression + "'");
  }
  ASSIGN_OR_RETURN(Chunker chunker, Chunker::Make(options.chunker));
  impl.chunker = chunker;
  const std::string catalog_path = JoinPath(root, "catalog.db");
  ASSIGN_OR_RETURN(bool exists, impl.fs->Exists(catalog_path));
  if (!exists) {
    if (!options.create_if_missing) {
      return Status::NotFound("no database at " + root + " (create one with `strata init --root " + root + "`)");
    }
    RETURN_IF_ERROR(impl.fs->CreateDirs(root));
  }
  ASSIGN_OR_RETURN(store->catalog_, Catalog::Open(catalog_path, /*read_only=*/false));
  impl.artifacts_dir = JoinPath(root, layout::kArtifactsDirName);
  impl.packs_dir = JoinPath(impl.artifacts_dir, "packs");
  impl.lock_path = JoinPath(impl.artifacts_dir, "LOCK");
  ASSIGN_OR_RETURN(bool packs_exist, impl.fs->Exists(impl.packs_dir));
  if (!packs_exist) {
    RETURN_IF_ERROR(impl.fs->CreateDirs(impl.packs_dir));
    RETURN_IF_ERROR(impl.fs->SyncDir(impl.artifacts_dir));
    RETURN_IF_ERROR(impl.fs->SyncDir(root));
  }
  if (options.cold_store != nullptr) {
    impl.cold = options.cold_store;
  } else {
    std::string location = options.cold_location;
    for (const char* key : {kModelsColdLocationSetting, layout::kColdLocationSetting}) {
      if (!location.empty()) break;
      ASSIGN_OR_RETURN(auto stored, store->catalog_->GetSetting(key));
      location = stored.value_or("");
    }
    if (location.empty()) location = layout::ColdDir(root);
    auto objects = OpenObjectStore(location, impl.fs, S3Options{});
    if (objects.ok()) {
      impl.owned_cold = std::make_unique<ObjectColdStore>(std::move(*objects));
      impl.cold = impl.owned_cold.get();
    } else {
      impl.cold_error = objects.status().WithContext("opening the model store's cold tier at " + location);
    }
  }
  impl.cache = std::make_unique<ModelCache>(options.cache_budget_bytes);
  impl.pool = std::make_shared<BufferPool>(options.buffer_pool_bytes);
  impl.worker = std::thread([&impl] { impl.WorkerLoop(); });
  return store;
}

ModelStore::~ModelStore() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->work_mu);
    impl_->stopping = true;
  }
  impl_->work_cv.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
  FlushLoadLog().IgnoreError();  // best effort: load records are statistics
}

// ---- put ----

Result<PutResult> ModelStore::Put(std::string_view name, const std::string& path, const PutOptions& options) {
  ASSIGN_OR_RETURN(auto mapped, impl_->fs->MapFile(path));
  auto result = PutBytes(name, mapped->data(), options);
  if (!result.ok()) return result.status().WithContext("model put " + std::string(name) + " from " + path);
  return result;
}

Result<PutResult> ModelStore::PutBytes(std::string_view name, std::string_view data, const PutOptions& options) {
  RETURN_IF_ERROR(ValidateName(name));
  RETURN_IF_ERROR(ValidateJsonObject(options.meta_json, "metadata"));
  RETURN_IF_ERROR(ValidateJsonObject(options.metrics_json, "metrics"));
  if (options.version && *options.version < 1) {
    return Status::InvalidArgument("model version must be >= 1, got " + std::to_string(*options.version));
  }
  Impl& impl = *impl_;

  // 1. Chunk and hash, without any lock.
  std::vector<PendingChunk> chunks;
  chunks.reserve(data.size() / impl.chunker->options().avg_size + 2);
  PutResult result;
  result.size = data.size();
  // The whole file's SHA-256 is a second full hashing pass: on a helper thread when allowed
  // (put_threads = 2), overlapping chunking, hashing and pack writes; else inline, chunk by chunk
  // while each is hot in cache.
  Sha256 chunk_hasher, file_hasher;
  std::thread file_hash_thread;
  const bool hash_file_apart = impl.options.put_threads > 1 && data.size() >= (4 << 20);
  if (hash_file_apart) file_hash_thread = std::thread([&] { file_hasher.Update(data); });
  struct JoinOnExit {
    std::thread* t;
    ~JoinOnExit() {
      if (t->joinable()) t->join();
    }
  } join_on_exit{&file_hash_thread};
  for (uint64_t off = 0; off < data.size();) {
    std::string_view rest = data.substr(off);
    size_t len = impl.chunker->NextCut(rest);
    std::string_view piece = rest.substr(0, len);
    chunks.push_back({off, static_cast<uint32_t>(len), chunk_hasher.Digest(piece)});
    if (!hash_file_apart) file_hasher.Update(piece);
    off += len;
  }
  result.chunks = chunks.size();
  std::vector<std::string> hex(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) hex[i] = DigestHex(chunks[i].id);

  // 2. Under the writer lock: which chunks are new, and where to append them.
  ASSIGN_OR_RETURN(auto writer_lock, WriterLock::Acquire(&impl, "strata model put " + std::string(name)));
  std::vector<bool> is_new(chunks.size(), false);
  int64_t current_pack = 0, next_pack = 1;
  uint64_t current_bytes = 0;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    if (options.version) {
      ASSIGN_OR_RETURN(bool taken, catalog_->ModelVersionExists(name, *options.version));
      if (taken) {
        return Status::AlreadyExists("model " + std::string(name) + " version " + std::to_string(*options.version) +
                                     " already exists");
      }
    }
    // A chunk stored only in the cold store is stored again locally (its row then points at the
    // new copy): a new version never depends on archived bytes to load at local speed.
    std::unordered_set<std::string_view> seen;
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (!seen.insert(hex[i]).second) continue;  // repeated within this file: stored once
      ASSIGN_OR_RETURN(std::string location, catalog_->ChunkPackLocation(hex[i]));
      is_new[i] = location.empty() || location == "cold";
    }
    // Appends go to the newest pack while it is local only; an archived pack is sealed.
    ASSIGN_OR_RETURN(std::optional<PackRecord> newest, catalog_->NewestPack());
    if (newest && newest->location == "local") {
      current_pack = newest->id;
      current_bytes = newest->bytes;
    }
    ASSIGN_OR_RETURN(next_pack, catalog_->NextPackId());
    return Status::OK();
  }));

  // 3. Append the new chunks to packs and make them durable.
  struct NewChunk {
    size_t index;
    ChunkLocation loc;
  };
  std::vector<NewChunk> new_chunks;
  struct PackUpdate {
    int64_t id;
    uint64_t bytes;
    bool created;
  };
  std::vector<PackUpdate> pack_updates;
  std::unique_ptr<PackWriter> writer;
  auto finish_writer = [&]() -> Status {
    if (!writer) return Status::OK();
    RETURN_IF_ERROR(writer->Finish());
    pack_updates.push_back({writer->pack_id(), writer->size(), writer->created()});
    writer.reset();
    return Status::OK();
  };
  ASSIGN_OR_RETURN(auto zstd, MakeCodec(CompressionType::kZstd, 1));
  ASSIGN_OR_RETURN(auto lz4, MakeCodec(CompressionType::kLz4Raw));
  std::string compressed;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (!is_new[i]) continue;
    std::string_view raw = data.substr(chunks[i].offset, chunks[i].len);
    CompressionType codec = Compress(raw, impl.options.compression, zstd.get(), lz4.get(), &compressed);
    std::string_view payload = codec == CompressionType::kNone ? raw : std::string_view(compressed);
    if (writer && writer->size() + kRecordHeaderSize + payload.size() > impl.options.pack_roll_bytes &&
        writer->size() > kPackHeaderSize) {
      RETURN_IF_ERROR(finish_writer());
    }
    if (!writer) {
      if (current_pack != 0 && pack_updates.empty() &&
          current_bytes + kRecordHeaderSize + payload.size() <= impl.options.pack_roll_bytes) {
        ASSIGN_OR_RETURN(writer, PackWriter::Open(impl.fs, impl.packs_dir, current_pack, false, current_bytes));
      } else {
        ASSIGN_OR_RETURN(writer, PackWriter::Open(impl.fs, impl.packs_dir, next_pack++, true, 0));
      }
    }
    ASSIGN_OR_RETURN(uint64_t offset, writer->Add(chunks[i].id, codec, chunks[i].len, payload));
    new_chunks.push_back(
        {i, ChunkLocation{writer->pack_id(), offset, static_cast<uint32_t>(payload.size()), chunks[i].len, codec}});
    result.new_chunks++;
    result.new_raw_bytes += chunks[i].len;
    result.new_stored_bytes += payload.size();
  }
  RETURN_IF_ERROR(finish_writer());

  if (file_hash_thread.joinable()) file_hash_thread.join();
  result.sha256 = DigestHex(file_hasher.Finish());

  // 4. Commit: packs' lengths, chunk rows, the version and its manifest, all at once.
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    const int64_t now = NowNs();
    for (const PackUpdate& u : pack_updates) {
      RETURN_IF_ERROR(u.created ? catalog_->AddPack(u.id, PackFileName(u.id), u.bytes, now)
                                : catalog_->SetPackBytes(u.id, u.bytes));
    }
    for (const NewChunk& c : new_chunks) {
      RETURN_IF_ERROR(catalog_->PutChunk({hex[c.index], c.loc.pack_id, c.loc.offset, c.loc.stored_len, c.loc.raw_len,
                                          static_cast<uint8_t>(c.loc.codec)}));
    }
    if (options.run_id) {  // lineage links what exists: a run id nobody started is refused
      ASSIGN_OR_RETURN(bool exists, catalog_->RunExists(*options.run_id));
      if (!exists) {
        return Status::NotFound("no run " + std::to_string(*options.run_id) + " for model " + std::string(name) +
                                " (start one with `strata run start KIND`; `strata run list` lists them)");
      }
    }
    NewModelVersionRecord version;
    version.model = std::string(name);
    version.version = options.version;
    version.size = result.size;
    version.sha256 = result.sha256;
    version.meta_json = options.meta_json;
    version.metrics_json = options.metrics_json;
    version.run_id = options.run_id;
    version.chunk_ids = hex;
    ASSIGN_OR_RETURN(auto added, catalog_->AddModelVersion(version, now));
    result.version = added.first;
    return Status::OK();
  }));
  return result;
}

// ---- registry (its rows: Catalog's model calls, catalog/model_records.h) ----

Result<VersionInfo> ModelStore::Resolve(std::string_view name, std::string_view ref) {
  RETURN_IF_ERROR(ValidateName(name));
  ModelVersionRef which;
  if (ref.empty() || ref == "latest") {
    which.kind = ModelVersionRef::Kind::kLatest;
  } else if (IsDigits(ref)) {
    which.kind = ModelVersionRef::Kind::kNumber;
    which.number = static_cast<int64_t>(std::stoll(std::string(ref)));
  } else {
    which.kind = ModelVersionRef::Kind::kAlias;
    which.alias = std::string(ref);
  }
  return catalog_->ResolveModelVersion(name, which);
}

Result<std::vector<ModelSummary>> ModelStore::ListModels() { return catalog_->ListModelSummaries(); }

Result<std::vector<VersionInfo>> ModelStore::ListVersions(std::string_view name) {
  return catalog_->ListModelVersions(name);
}

Status ModelStore::Promote(std::string_view name, std::string_view ref, std::string_view stage) {
  if (stage != "staging" && stage != "production" && stage != "archived") {
    return Status::InvalidArgument("stage must be staging, production or archived, got '" + std::string(stage) + "'");
  }
  return catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(VersionInfo v, Resolve(name, ref));
    RETURN_IF_ERROR(catalog_->SetModelVersionStage(v.version_id, stage));
    if (stage == "production") return SetAlias(name, "production", std::to_string(v.version));
    if (std::find(v.aliases.begin(), v.aliases.end(), "production") != v.aliases.end()) {
      return SetAlias(name, "production", "");
    }
    return Status::OK();
  });
}

Status ModelStore::SetAlias(std::string_view name, std::string_view alias, std::string_view ref) {
  if (alias.empty() || alias == "latest" || IsDigits(alias) || alias.find('@') != std::string_view::npos) {
    return Status::InvalidArgument("alias '" + std::string(alias) +
                                   "' is reserved or malformed (not empty, 'latest', digits or containing @)");
  }
  return catalog_->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(std::optional<int64_t> model_id, catalog_->FindModel(name));
    if (!model_id) return Status::NotFound("no model named '" + std::string(name) + "'");
    if (ref.empty()) return catalog_->SetModelAlias(*model_id, alias, std::nullopt);
    // Removed before `ref` is resolved: an alias cannot be set to itself.
    RETURN_IF_ERROR(catalog_->SetModelAlias(*model_id, alias, std::nullopt));
    ASSIGN_OR_RETURN(VersionInfo v, Resolve(name, ref));
    return catalog_->SetModelAlias(*model_id, alias, v.version_id);
  });
}

Status ModelStore::Remove(std::string_view name, std::optional<std::string_view> ref) {
  std::vector<int64_t> removed;
  RETURN_IF_ERROR(catalog_->InTransaction([&]() -> Status {
    std::vector<VersionInfo> versions;
    if (ref) {
      ASSIGN_OR_RETURN(VersionInfo v, Resolve(name, *ref));
      versions.push_back(v);
    } else {
      ASSIGN_OR_RETURN(versions, ListVersions(name));
    }
    for (const VersionInfo& v : versions) {
      RETURN_IF_ERROR(catalog_->RemoveModelVersion(v.version_id));
      removed.push_back(v.version_id);
    }
    if (!ref) RETURN_IF_ERROR(catalog_->RemoveModel(name));
    return Status::OK();
  }));
  for (int64_t id : removed) impl_->cache->Erase(id);
  return Status::OK();
}

uint64_t ModelStore::cache_bytes() const { return impl_->cache->bytes(); }

Result<ColdStore*> ModelStore::cold_store() {
  if (impl_->cold == nullptr) {
    if (!impl_->cold_error.ok()) return impl_->cold_error;
    return Status::NotFound("the model store has no cold tier");
  }
  return impl_->cold;
}

}  // namespace strata::artifacts
