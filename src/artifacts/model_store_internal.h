// Shared between model_store.cc (open, put, registry), model_load.cc (load, cache, prefetch)
// and model_maintenance.cc (gc, stats, verify). Not part of the API.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "artifacts/model_cache.h"
#include "artifacts/model_store.h"
#include "catalog/catalog.h"

namespace strata::artifacts {

// Wall-clock time in ns since the epoch (catalog timestamps, load log).
inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline ChunkLocation ToLocation(const ChunkRecord& c) {
  return {c.pack_id, c.offset, c.stored_len, c.raw_len, static_cast<CompressionType>(c.codec)};
}

struct ManifestEntry {
  std::string chunk_id;  // hex
  ChunkLocation loc;
};

using LoadRecord = ModelLoadRecord;  // catalog/pack_records.h

struct ModelStore::Impl {
  FileSystem* fs = nullptr;
  ModelStoreOptions options;
  std::string artifacts_dir, packs_dir, lock_path;
  std::optional<Chunker> chunker;
  std::unique_ptr<ModelCache> cache;
  std::shared_ptr<BufferPool> pool;

  // The cold tier: options.cold_store, or one opened on the cold location (owned_cold); null
  // with cold_error set when that location could not be opened.
  ColdStore* cold = nullptr;
  std::unique_ptr<ColdStore> owned_cold;
  Status cold_error;

  // Serialises puts and gc of this process (the LOCK file does it across processes).
  std::mutex writer_mu;

  // Background worker: prefetches and load-log flushes.
  std::mutex work_mu;
  std::condition_variable work_cv;
  std::deque<std::function<void()>> work;
  bool stopping = false;
  std::thread worker;

  std::mutex log_mu;
  // Held for a whole FlushLoadLog, so one that finds nothing queued still waits for the flush on
  // the background thread that took the records before it (callers expect them written).
  std::mutex log_flush_mu;
  std::vector<LoadRecord> load_log;
  bool log_flush_queued = false;

  void Submit(std::function<void()> fn);
  void WorkerLoop();
};

// Holds the cross-process writer lock (and the in-process mutex) for a put or gc.
class WriterLock {
 public:
  static Result<std::unique_ptr<WriterLock>> Acquire(ModelStore::Impl* impl, std::string_view what);
  ~WriterLock() = default;

 private:
  std::unique_lock<std::mutex> local_;
  std::unique_ptr<FileLock> file_;
};

// Reads one chunk (payload at loc) into dest[0, loc.raw_len), decompressing as needed, and
// checks its SHA-256 against `id`. `scratch` holds compressed payloads. Corruption names the
// pack and offset; NotFound if the pack is gone.
Status ReadChunkInto(const RandomAccessFile& pack, const ChunkLocation& loc, const Sha256Digest& id, char* dest,
                     std::string* scratch, Sha256* hasher, std::unique_ptr<Codec>* codecs);

// A pack as the catalog records it (catalog/pack_records.h).
using PackRow = PackRecord;

// Streams the cold copy of `pack` and checks its size and SHA-256 against the catalog's. If
// `keep` is set the bytes are also returned there. NotFound if missing, Corruption if different;
// both name the object's URI.
Status CheckColdPack(ColdStore* cold, const PackRow& pack, std::string* keep);

// A RandomAccessFile over bytes in memory (a cold pack fetched whole).
class StringFile final : public RandomAccessFile {
 public:
  StringFile(std::string data, std::string path) : data_(std::move(data)), path_(std::move(path)) {}
  Result<size_t> Read(uint64_t offset, size_t n, char* scratch) const override;
  Result<uint64_t> Size() const override { return data_.size(); }
  const std::string& path() const override { return path_; }

 private:
  std::string data_, path_;
};

// Manifest of a version with every chunk's current location, in order.
Result<std::vector<ManifestEntry>> ReadManifest(Catalog* catalog, int64_t version_id);
// Current location of one chunk; NotFound if no longer stored.
Result<ChunkLocation> LocateChunk(Catalog* catalog, const std::string& chunk_id);

}  // namespace strata::artifacts
