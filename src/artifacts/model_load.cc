// Loading model versions: RAM cache -> local packs -> cold store, verified, and the load log.
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>
#include <unordered_map>

#include "artifacts/model_store_internal.h"
#include "artifacts/safetensors.h"
#include "io/sha256.h"

namespace strata::artifacts {
namespace {

constexpr size_t kHugePage = 2 << 20;

int CodecSlot(CompressionType t) { return static_cast<int>(t); }

}  // namespace

BufferPool::~BufferPool() {
  for (auto& [p, n] : free_) std::free(p);
}

char* BufferPool::Take(size_t size, size_t* alloc_size) {
  {
    std::lock_guard lock(mu_);
    size_t best = free_.size();
    for (size_t i = 0; i < free_.size(); ++i) {
      if (free_[i].second >= size && free_[i].second - size <= std::max(size / 8, kHugePage) &&
          (best == free_.size() || free_[i].second < free_[best].second)) {
        best = i;
      }
    }
    if (best != free_.size()) {
      char* p = free_[best].first;
      *alloc_size = free_[best].second;
      bytes_ -= *alloc_size;
      free_.erase(free_.begin() + best);
      return p;
    }
  }
  char* p = nullptr;
  // Large buffers on 2 MiB boundaries with transparent huge pages: a 1 GiB load then takes 512
  // page faults instead of 262,144.
  if (size >= kHugePage) {
    *alloc_size = (size + kHugePage - 1) / kHugePage * kHugePage;
    p = static_cast<char*>(std::aligned_alloc(kHugePage, *alloc_size));
    if (p != nullptr) ::madvise(p, *alloc_size, MADV_HUGEPAGE);
  } else {
    *alloc_size = size == 0 ? 1 : size;
    p = static_cast<char*>(std::malloc(*alloc_size));
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void BufferPool::Give(char* data, size_t alloc_size) {
  {
    std::lock_guard lock(mu_);
    if (alloc_size >= kHugePage && bytes_ + alloc_size <= budget_) {
      free_.push_back({data, alloc_size});
      bytes_ += alloc_size;
      return;
    }
  }
  std::free(data);
}

uint64_t BufferPool::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

ModelBuffer::ModelBuffer(size_t size, std::shared_ptr<BufferPool> pool) : pool_(std::move(pool)), size_(size) {
  if (pool_) {
    data_ = pool_->Take(size, &alloc_size_);
  } else {
    BufferPool none(0);
    data_ = none.Take(size, &alloc_size_);
  }
}

ModelBuffer::~ModelBuffer() {
  if (pool_) {
    pool_->Give(data_, alloc_size_);
  } else {
    std::free(data_);
  }
}

Status ReadChunkInto(const RandomAccessFile& pack, const ChunkLocation& loc, const Sha256Digest& id, char* dest,
                     std::string* scratch, Sha256* hasher, std::unique_ptr<Codec>* codecs) {
  auto where = [&] { return "pack " + pack.path() + " offset " + std::to_string(loc.offset); };
  if (loc.codec == CompressionType::kNone) {
    if (loc.stored_len != loc.raw_len) {
      return Status::Corruption(where() + ": raw chunk with stored length " + std::to_string(loc.stored_len) +
                                " != raw length " + std::to_string(loc.raw_len));
    }
    ASSIGN_OR_RETURN(size_t n, pack.Read(loc.offset, loc.raw_len, dest));
    if (n != loc.raw_len) return Status::Corruption(where() + ": pack ends inside the chunk (truncated pack)");
  } else {
    scratch->resize(loc.stored_len);
    ASSIGN_OR_RETURN(size_t n, pack.Read(loc.offset, loc.stored_len, scratch->data()));
    if (n != loc.stored_len) return Status::Corruption(where() + ": pack ends inside the chunk (truncated pack)");
    std::unique_ptr<Codec>& codec = codecs[CodecSlot(loc.codec)];
    if (!codec) {
      auto made = MakeCodec(loc.codec);
      if (!made.ok()) return made.status().WithContext(where());
      codec = std::move(*made);
    }
    RETURN_IF_ERROR(codec->Decompress(*scratch, dest, loc.raw_len).WithContext(where()));
  }
  if (hasher->Digest(std::string_view(dest, loc.raw_len)) != id) {
    return Status::Corruption(where() + ": content does not match its SHA-256 (corrupt chunk)");
  }
  return Status::OK();
}

Result<std::vector<ManifestEntry>> ReadManifest(Catalog* catalog, int64_t version_id) {
  // One transaction: a version removed since it was resolved is NotFound, not an empty
  // (corrupt-looking) manifest.
  std::optional<std::vector<ManifestRecord>> records;
  RETURN_IF_ERROR(catalog->InTransaction([&]() -> Status {
    ASSIGN_OR_RETURN(records, catalog->ReadModelManifest(version_id));
    return Status::OK();
  }));
  if (!records) return Status::NotFound("the version was removed while it was being loaded");
  std::vector<ManifestEntry> out;
  out.reserve(records->size());
  for (ManifestRecord& r : *records) {
    if (!r.chunk) {
      return Status::Corruption("catalog " + catalog->path() + ": chunk " + r.chunk_id + " (number " +
                                std::to_string(out.size()) + " of the manifest) is not stored");
    }
    out.push_back({std::move(r.chunk_id), ToLocation(*r.chunk)});
  }
  return out;
}

Result<ChunkLocation> LocateChunk(Catalog* catalog, const std::string& chunk_id) {
  ASSIGN_OR_RETURN(std::optional<ChunkRecord> chunk, catalog->FindChunk(chunk_id));
  if (!chunk) return Status::NotFound("chunk " + chunk_id + " is no longer stored");
  return ToLocation(*chunk);
}

namespace {

// A cold pack read through windows: a read outside the current window fetches
// [offset, offset + window) with one ranged read (one GET on S3) and later reads inside it are
// copies. A version's chunks sit mostly in pack order, so one window serves many chunks.
class ReadaheadFile final : public RandomAccessFile {
 public:
  ReadaheadFile(std::unique_ptr<RandomAccessFile> base, uint64_t window) : base_(std::move(base)), window_(window) {}
  Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    if (offset >= start_ && offset + n <= start_ + buf_.size()) {
      std::memcpy(scratch, buf_.data() + (offset - start_), n);
      return n;
    }
    if (n >= window_) return base_->Read(offset, n, scratch);
    buf_.resize(window_);
    auto read = base_->Read(offset, window_, buf_.data());
    if (!read.ok()) {
      buf_.clear();  // no stale window
      return read.status();
    }
    const size_t got = *read;
    buf_.resize(got);
    start_ = offset;
    const size_t give = std::min(n, got);
    std::memcpy(scratch, buf_.data(), give);
    return give;
  }
  Result<uint64_t> Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  const uint64_t window_;
  mutable std::string buf_;
  mutable uint64_t start_ = 0;
};

// Reads chunks [begin, end) of a manifest into the buffer. Each worker has its own open packs,
// scratch and codecs.
struct ChunkReader {
  ModelStore::Impl* impl = nullptr;
  Catalog* catalog = nullptr;
  const VersionInfo* version = nullptr;
  bool used_cold = false;
  std::unordered_map<int64_t, std::unique_ptr<RandomAccessFile>> packs;
  std::string scratch;
  Sha256 hasher;
  std::unique_ptr<Codec> codecs[8];

  Result<const RandomAccessFile*> OpenPack(int64_t pack_id) {
    auto it = packs.find(pack_id);
    if (it != packs.end()) return it->second.get();
    const std::string name = PackFileName(pack_id);
    auto file = impl->fs->NewRandomAccessFile(JoinPath(impl->packs_dir, name));
    if (!file.ok() && file.status().IsNotFound() && impl->cold != nullptr) {
      file = impl->cold->OpenPack(name);
      if (file.ok()) {
        used_cold = true;
        const uint64_t window = impl->options.cold_readahead_bytes.value_or(impl->cold->Remote() ? 8ull << 20 : 0);
        if (window > 0) {
          file = std::unique_ptr<RandomAccessFile>(std::make_unique<ReadaheadFile>(std::move(*file), window));
        }
      } else if (file.status().IsNotFound()) {
        file = Status::NotFound("pack " + name + " is neither on local disk nor in the cold store (" +
                                impl->cold->PackUri(name) + "): " + file.status().message());
      }
    }
    if (!file.ok()) return file.status();
    return (packs[pack_id] = std::move(*file)).get();
  }

  Status Read(size_t seq, const ManifestEntry& entry, char* dest) {
    ChunkLocation loc = entry.loc;
    ASSIGN_OR_RETURN(Sha256Digest id, ParseDigestHex(entry.chunk_id));
    Status st;
    // A pack that vanished was rewritten by gc: the catalog has the chunk's new home.
    for (int attempt = 0; attempt < 4; ++attempt) {
      auto pack = OpenPack(loc.pack_id);
      if (pack.ok()) {
        st = ReadChunkInto(**pack, loc, id, dest, &scratch, &hasher, codecs);
        if (st.ok()) return st;
        if (!st.IsNotFound()) break;
      } else {
        st = pack.status();
        if (!st.IsNotFound()) break;
      }
      auto moved = LocateChunk(catalog, entry.chunk_id);
      if (!moved.ok()) {
        st = moved.status();
        break;
      }
      loc = *moved;
    }
    return Status(st.code(), "model " + version->model + " version " + std::to_string(version->version) + ": chunk " +
                                 std::to_string(seq) + " (" + entry.chunk_id + "): " + st.message());
  }
};

}  // namespace

Result<std::shared_ptr<const LoadedModel>> ModelStore::Load(std::string_view name, std::string_view ref) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t started = NowNs();
  Impl& impl = *impl_;
  ASSIGN_OR_RETURN(VersionInfo v, Resolve(name, ref));
  auto record = [&](const std::string& tier) {
    const int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    bool queue = false;
    {
      std::lock_guard lock(impl.log_mu);
      impl.load_log.push_back({v.model, v.version, tier, v.size, ns, started});
      queue = !impl.log_flush_queued;
      impl.log_flush_queued = true;
    }
    if (queue) impl.Submit([this] { FlushLoadLog().IgnoreError(); });
    return ns;
  };
  if (auto hit = impl.cache->Get(v.version_id)) {
    auto out = std::make_shared<LoadedModel>(*hit);
    out->tier = "ram";
    out->seconds = record("ram") / 1e9;
    return std::shared_ptr<const LoadedModel>(std::move(out));
  }

  auto read = ReadManifest(catalog_.get(), v.version_id);
  if (!read.ok()) return read.status().WithContext("model " + v.model + " version " + std::to_string(v.version));
  std::vector<ManifestEntry> manifest = std::move(*read);
  std::vector<uint64_t> dest(manifest.size() + 1, 0);
  for (size_t i = 0; i < manifest.size(); ++i) dest[i + 1] = dest[i] + manifest[i].loc.raw_len;
  if (manifest.size() != v.chunk_count || dest.back() != v.size) {
    return Status::Corruption("model " + v.model + " version " + std::to_string(v.version) + ": manifest has " +
                              std::to_string(manifest.size()) + " chunks of " + std::to_string(dest.back()) +
                              " bytes, the version says " + std::to_string(v.chunk_count) + " chunks of " +
                              std::to_string(v.size) + " bytes");
  }
  auto buffer = std::make_shared<ModelBuffer>(v.size, impl.pool);
  char* base = buffer->mutable_data();
  const int threads = manifest.size() >= 64 ? impl.options.load_threads : 1;
  std::vector<ChunkReader> readers(threads);
  for (ChunkReader& r : readers) {
    r.impl = &impl;
    r.catalog = catalog_.get();
    r.version = &v;
  }
  std::vector<Status> status(threads);
  auto run = [&](int t) {
    // Contiguous halves by bytes: each thread streams through its own part of the packs.
    size_t begin = 0, end = manifest.size();
    if (threads > 1) {
      uint64_t cut = v.size / threads;
      size_t mid = static_cast<size_t>(std::lower_bound(dest.begin(), dest.end(), cut) - dest.begin());
      if (mid > manifest.size()) mid = manifest.size();
      begin = t == 0 ? 0 : mid;
      end = t == 0 ? mid : manifest.size();
    }
    for (size_t i = begin; i < end; ++i) {
      Status st = readers[t].Read(i, manifest[i], base + dest[i]);
      if (!st.ok()) {
        status[t] = st;
        return;
      }
    }
  };
  if (threads > 1) {
    std::thread helper(run, 1);
    run(0);
    helper.join();
  } else {
    run(0);
  }
  for (const Status& st : status) RETURN_IF_ERROR(st);
  bool cold = false;
  for (const ChunkReader& r : readers) cold = cold || r.used_cold;
  auto loaded = std::make_shared<LoadedModel>();
  loaded->model = v.model;
  loaded->version = v.version;
  loaded->sha256 = v.sha256;
  loaded->buffer = std::move(buffer);
  loaded->tier = cold ? "cold" : "local";
  loaded->seconds = record(loaded->tier) / 1e9;
  impl.cache->Put(v.version_id, loaded, v.size);
  return std::shared_ptr<const LoadedModel>(std::move(loaded));
}

Result<std::shared_ptr<const LoadedModel>> ModelStore::LoadTensors(std::string_view name, std::string_view ref,
                                                                   const std::vector<std::string>& tensors) {
  const auto t0 = std::chrono::steady_clock::now();
  Impl& impl = *impl_;
  ASSIGN_OR_RETURN(VersionInfo v, Resolve(name, ref));
  if (auto hit = impl.cache->Get(v.version_id)) {
    auto out = std::make_shared<LoadedModel>(*hit);
    out->tier = "ram";
    out->bytes_read = 0;
    return std::shared_ptr<const LoadedModel>(std::move(out));
  }
  const std::string label = v.model + " version " + std::to_string(v.version);
  auto read = ReadManifest(catalog_.get(), v.version_id);
  if (!read.ok()) return read.status().WithContext("model " + label);
  std::vector<ManifestEntry> manifest = std::move(*read);
  std::vector<uint64_t> dest(manifest.size() + 1, 0);
  for (size_t i = 0; i < manifest.size(); ++i) dest[i + 1] = dest[i] + manifest[i].loc.raw_len;
  if (dest.back() != v.size) {
    return Status::Corruption("model " + label + ": manifest has " + std::to_string(dest.back()) +
                              " bytes, the version says " + std::to_string(v.size));
  }
  auto buffer = std::make_shared<ModelBuffer>(v.size, impl.pool);
  char* base = buffer->mutable_data();
  ChunkReader reader;
  reader.impl = &impl;
  reader.catalog = catalog_.get();
  reader.version = &v;
  std::vector<bool> have(manifest.size(), false);
  uint64_t bytes_read = 0;
  // Reads every chunk overlapping [begin, end) of the file not read yet.
  auto need = [&](uint64_t begin, uint64_t end) -> Status {
    if (end > v.size) return Status::Corruption("model " + label + ": tensor bytes past the end of the file");
    size_t i = static_cast<size_t>(std::upper_bound(dest.begin(), dest.end(), begin) - dest.begin());
    for (i = i == 0 ? 0 : i - 1; i < manifest.size() && dest[i] < end; ++i) {
      if (have[i]) continue;
      RETURN_IF_ERROR(reader.Read(i, manifest[i], base + dest[i]));
      have[i] = true;
      bytes_read += manifest[i].loc.raw_len;
    }
    return Status::OK();
  };
  if (v.size < 8)
    return Status::Corruption("model " + label + ": " + std::to_string(v.size) + " bytes is no safetensors file");
  RETURN_IF_ERROR(need(0, 8));
  uint64_t header_len = 0;
  for (int b = 7; b >= 0; --b) header_len = (header_len << 8) | static_cast<uint8_t>(base[b]);
  if (header_len > v.size - 8)
    return Status::Corruption("model " + label + ": safetensors header longer than the file");
  RETURN_IF_ERROR(need(8, 8 + header_len));
  ASSIGN_OR_RETURN(SafetensorsHeader header, ParseSafetensors(buffer->view(), label));
  for (const std::string& t : tensors) {
    auto it =
        std::find_if(header.tensors.begin(), header.tensors.end(), [&](const TensorView& x) { return x.name == t; });
    if (it == header.tensors.end()) return Status::NotFound("no tensor '" + t + "' in model " + label);
    const uint64_t begin = static_cast<uint64_t>(it->data.data() - base);
    RETURN_IF_ERROR(need(begin, begin + it->data.size()));
  }
  auto loaded = std::make_shared<LoadedModel>();
  loaded->model = v.model;
  loaded->version = v.version;
  loaded->sha256 = v.sha256;
  loaded->buffer = std::move(buffer);
  loaded->tier = reader.used_cold ? "cold" : "local";
  loaded->partial = true;
  loaded->bytes_read = bytes_read;
  loaded->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return std::shared_ptr<const LoadedModel>(std::move(loaded));
}

std::shared_future<Status> ModelStore::Prefetch(std::string_view name, std::string_view ref) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::shared_future<Status> future = promise->get_future().share();
  impl_->Submit([this, promise, n = std::string(name), r = std::string(ref)] {
    auto loaded = Load(n, r);
    promise->set_value(loaded.status());
  });
  return future;
}

Status ModelStore::Get(std::string_view name, std::string_view ref, const std::string& out_path) {
  ASSIGN_OR_RETURN(auto loaded, Load(name, ref));
  Sha256 hasher;
  if (DigestHex(hasher.Digest(loaded->view())) != loaded->sha256) {
    return Status::Corruption("model " + loaded->model + " version " + std::to_string(loaded->version) +
                              ": the assembled file does not match its SHA-256 " + loaded->sha256);
  }
  FileSystem* fs = impl_->fs;
  RETURN_IF_ERROR(CheckReplaceableByRename(out_path).WithContext("model get " + std::string(name)));
  const std::string tmp = out_path + ".tmp";
  ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(tmp, OpenMode::kTruncate));
  Status st = file->Append(loaded->view());
  if (st.ok()) st = file->Sync();
  if (st.ok()) st = file->Close();
  if (st.ok()) st = fs->Rename(tmp, out_path);
  if (!st.ok()) {
    fs->RemoveFile(tmp).IgnoreError();
    return st.WithContext("model get " + std::string(name) + " to " + out_path);
  }
  return fs->SyncDir(DirName(out_path));
}

uint64_t ModelStore::buffer_pool_bytes() const { return impl_->pool->bytes(); }

Status ModelStore::FlushLoadLog() {
  std::lock_guard flushing(impl_->log_flush_mu);
  std::vector<LoadRecord> records;
  {
    std::lock_guard lock(impl_->log_mu);
    records.swap(impl_->load_log);
    impl_->log_flush_queued = false;
  }
  if (records.empty()) return Status::OK();
  return catalog_->InTransaction([&]() -> Status { return catalog_->RecordModelLoads(records); });
}

}  // namespace strata::artifacts
