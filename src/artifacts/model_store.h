// The model store: versioned, deduplicated, compressed, verified model files.
//
// Layers (see README.md in this folder):
//   Chunker (FastCDC) -> chunk id = SHA-256 -> per-chunk codec choice -> pack files (pack.h)
//   catalog tables (migration "artifacts"): packs, chunks, models, versions, manifests
//   (model_version_chunks), aliases, loads
//   loading: RAM cache (ModelCache, LRU by bytes) -> local packs -> ColdStore (a seam, below)
//
// Consistency: a put writes new chunks to a pack, fsyncs it, and only then commits the version
// (its manifest, the chunk rows and the pack's new committed length) in one catalog
// transaction; a crash at any point leaves the version either wholly visible or absent. Bytes
// written but never committed are cut off by the next put or removed by gc.
//
// gc while others read: gc copies live chunks out of packs that hold dead ones, commits the new
// locations, then deletes the old packs. A reader that finds a pack gone (NotFound) re-reads the
// chunk's location from the catalog and retries; a reader that already opened the old pack keeps
// reading it (POSIX keeps an unlinked open file). Puts and gc are serialised by a writer lock
// (a mutex in the process and the file <root>/artifacts/LOCK across processes).
//
// Thread-safety: every method may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "artifacts/chunker.h"
#include "artifacts/pack.h"
#include "catalog/model_records.h"
#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {
class Catalog;
}

namespace strata::artifacts {

class ModelCache;

// Where packs go when they leave local disk: ObjectColdStore (cold_store.h) on the database's
// cold object store (a local directory or S3). Only OpenPack is needed to load; archive, restore,
// gc and verify use the rest (the defaults say Unsupported).
class ColdStore {
 public:
  virtual ~ColdStore() = default;
  // The pack named `pack_name` (e.g. "pack-0000000003.pack"), NotFound if the cold store lacks it.
  // Reads of the returned file are ranged reads (ranged GETs on S3).
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenPack(const std::string& pack_name) = 0;
  // Stores the local file `path` as pack `pack_name`, atomically (all or nothing).
  virtual Status PutPack(const std::string& pack_name, FileSystem* fs, const std::string& path);
  // The stored pack's size; NotFound if absent.
  virtual Result<uint64_t> PackSize(const std::string& pack_name);
  // Removes the pack; OK if already gone.
  virtual Status DeletePack(const std::string& pack_name);
  // Names of every stored pack.
  virtual Result<std::vector<std::string>> ListPacks();
  // Where the pack lives, for the catalog and error messages ("s3://bucket/db/models/packs/...").
  virtual std::string PackUri(const std::string& pack_name) const;
  // Aborts the incomplete multipart uploads of packs (an archive whose process died while a large
  // pack went up) begun at least `min_age_s` before `now_unix_s`, by the server's clock; returns
  // how many. Stores without multipart uploads have none.
  virtual Result<uint64_t> AbortStaleUploads(int64_t now_unix_s, int64_t min_age_s);
  // Whether reads pay a round trip each (S3): loads then read windows of cold_readahead_bytes
  // around the chunks they need. A local directory reads faster one chunk at a time.
  virtual bool Remote() const { return true; }
};

struct ModelStoreOptions {
  FileSystem* fs = nullptr;  // nullptr = DefaultFileSystem()
  ChunkerOptions chunker;
  // Per chunk: "auto" (zstd level 1 if a sample's byte entropy says it saves > 3%, else raw), "zstd", "lz4",
  // "none". Whatever is chosen, a chunk is stored raw when compressing does not save > 3%.
  std::string compression = "auto";
  uint64_t pack_roll_bytes = 256ull << 20;
  uint64_t cache_budget_bytes = 4ull << 30;  // RAM cache; 0 disables it
  int load_threads = 2;                      // threads that read and verify one load (1 or 2)
  uint64_t buffer_pool_bytes = 1ull << 30;   // released model memory kept for reuse; 0 = none
  int put_threads = 2;                       // 2: the file's SHA-256 on a helper thread; 1: everything on the caller's
  // The cold tier. nullptr: the store opens its own on `cold_location` if set, else on the
  // catalog setting "models_cold_location", else "cold_location" (the tiers'), else <root>/cold.
  // A location that cannot be opened (say S3 without credentials) only fails what needs it.
  ColdStore* cold_store = nullptr;  // not owned
  std::string cold_location;
  // Loading from the cold tier reads whole windows of this many bytes around the chunks it needs
  // (one ranged GET serves many consecutive chunks); 0 = one ranged read per chunk. Unset: 8 MiB
  // windows on a remote store (S3: 9x faster than a GET per chunk), per chunk on a local
  // directory (windows made it slower there: 0.46 vs 0.64 GB/s).
  std::optional<uint64_t> cold_readahead_bytes;
  bool create_if_missing = false;  // create <root> and its catalog if absent
  // gc aborts the cold store's incomplete pack uploads begun at least this long ago (the margin
  // covers clock skew and an archive still uploading).
  int64_t stale_upload_age_s = 3600;
  int lock_wait_ms = 60'000;  // how long a put or gc waits for another writer
};

struct PutOptions {
  std::optional<int64_t> version;  // default: one more than the highest so far (1 for a new model)
  std::string meta_json = "{}";    // a JSON object: format, framework, dtype, tags, anything
  std::string metrics_json = "{}";
  std::optional<int64_t> run_id;  // lineage: the run that produced it
};

struct PutResult {
  int64_t version = 0;
  uint64_t size = 0;
  std::string sha256;
  uint64_t chunks = 0;
  uint64_t new_chunks = 0;
  uint64_t new_raw_bytes = 0;     // bytes of chunks the store did not have yet
  uint64_t new_stored_bytes = 0;  // what they took in the pack, after compression
};

// A version of a model and a model at a glance: the catalog's records (catalog/model_records.h).
using VersionInfo = ModelVersionRecord;
using ModelSummary = ModelSummaryRecord;

struct DiffResult {
  uint64_t a_bytes = 0, b_bytes = 0;
  uint64_t shared_bytes = 0;  // bytes of B in chunks that A also has
  uint64_t new_bytes = 0;     // bytes of B in chunks A lacks
  uint64_t shared_chunks = 0, new_chunks = 0;
};

struct StoreStats {
  uint64_t models = 0, versions = 0, chunks = 0, packs = 0;
  uint64_t logical_bytes = 0;     // sum of the versions' file sizes
  uint64_t unique_raw_bytes = 0;  // sum of distinct chunks' raw sizes
  uint64_t stored_bytes = 0;      // sum of distinct chunks' stored (compressed) sizes
  uint64_t pack_bytes = 0;        // committed pack bytes (stored + record headers + dead chunks)
  // Where the packs are: only on local disk, on both, only in the cold store.
  uint64_t local_packs = 0, both_packs = 0, cold_packs = 0;
  uint64_t local_pack_bytes = 0, both_pack_bytes = 0, cold_pack_bytes = 0;
  uint64_t local_disk_bytes() const { return local_pack_bytes + both_pack_bytes; }
  uint64_t cold_store_bytes() const { return cold_pack_bytes + both_pack_bytes; }
  double dedup_ratio() const { return unique_raw_bytes ? double(logical_bytes) / unique_raw_bytes : 1.0; }
  double compression_ratio() const { return stored_bytes ? double(unique_raw_bytes) / stored_bytes : 1.0; }
};

struct GcResult {
  uint64_t chunks_removed = 0;
  uint64_t bytes_reclaimed = 0;  // pack bytes freed
  uint64_t packs_rewritten = 0;
  uint64_t orphan_files_removed = 0;
  uint64_t cold_packs_removed = 0;  // packs in the cold store no version uses any more
  uint64_t cold_bytes_reclaimed = 0;
  uint64_t cold_orphans_removed = 0;  // cold objects the catalog does not know (an archive that crashed)
  uint64_t cold_uploads_aborted = 0;  // incomplete pack uploads of an archive that died mid-upload
};

// `strata model archive`: which versions go to the cold store.
struct ArchiveOptions {
  // A model name: with `ref`, that one version; without, every version of it that is not in
  // production. Empty name with all = every non-production version of every model. Empty name
  // without all = the versions already at stage "archived" (set by promote).
  std::string name;
  std::optional<std::string> ref;
  bool all = false;
  // Keep the local pack files (the cold copy is then a backup).
  bool keep_local = false;
};

struct ArchiveResult {
  std::vector<std::string> versions;  // "name@version", now at stage archived
  uint64_t packs_uploaded = 0, bytes_uploaded = 0;
  uint64_t packs_already_cold = 0;
  uint64_t packs_removed_local = 0, bytes_removed_local = 0;
  // Packs uploaded but kept on local disk: a version not archived (or --keep-local) still uses them.
  uint64_t packs_kept_local = 0;
};

struct RestoreResult {
  uint64_t packs_restored = 0, bytes_restored = 0;
};

struct CorruptChunk {
  std::string model;  // empty if no version references the chunk
  int64_t version = 0;
  int64_t seq = 0;  // index in the version's manifest
  std::string chunk_id;
  std::string pack;
  uint64_t offset = 0;
  std::string error;
};

// A pack in the cold store that is missing or not what the catalog recorded.
struct ColdPackProblem {
  std::string pack;
  std::string uri;
  std::string error;  // "missing: ..." or "corrupt: ..."
};

struct VerifyReport {
  uint64_t chunks_checked = 0;
  uint64_t bytes_checked = 0;
  uint64_t cold_packs_checked = 0;
  std::vector<CorruptChunk> corrupt;
  std::vector<ColdPackProblem> cold_problems;
  // OK, or Corruption naming the first few corrupt chunks (model, version, chunk) and cold packs.
  Status ToStatus() const;
};

// Memory for model buffers that have been released, kept for the next load: touching fresh
// memory costs a page fault per page (slow in VMs), so swapping one model for another of about
// the same size reuses the old one's pages. Thread-safe; shared by a store and its buffers.
class BufferPool {
 public:
  explicit BufferPool(uint64_t budget_bytes) : budget_(budget_bytes) {}
  ~BufferPool();
  // A block of at least `size` bytes: a pooled one at most max(size/8, 2 MiB) larger, or a new one
  // (2 MiB-aligned with transparent huge pages when large). Sets *alloc_size.
  char* Take(size_t size, size_t* alloc_size);
  // Keeps the block if the pool stays within budget, else frees it.
  void Give(char* data, size_t alloc_size);
  uint64_t bytes() const;

 private:
  const uint64_t budget_;
  mutable std::mutex mu_;
  std::vector<std::pair<char*, size_t>> free_;
  uint64_t bytes_ = 0;
};

// An immutable model image in memory; shared by the cache and every caller that holds it.
class ModelBuffer {
 public:
  // `pool` may be null (plain allocation).
  ModelBuffer(size_t size, std::shared_ptr<BufferPool> pool);
  ~ModelBuffer();
  ModelBuffer(const ModelBuffer&) = delete;
  ModelBuffer& operator=(const ModelBuffer&) = delete;
  char* mutable_data() { return data_; }
  std::span<const std::byte> bytes() const { return {reinterpret_cast<const std::byte*>(data_), size_}; }
  std::string_view view() const { return {data_, size_}; }

 private:
  std::shared_ptr<BufferPool> pool_;
  char* data_;
  size_t size_;
  size_t alloc_size_;
};

// A loaded model: a read-only view of a shared buffer (no copy, whoever else holds it).
struct LoadedModel {
  std::string model;
  int64_t version = 0;
  std::string sha256;
  std::string tier;  // where it came from: "ram", "local" or "cold"
  double seconds = 0;
  bool partial = false;     // LoadTensors: only the header and the named tensors' bytes are defined
  uint64_t bytes_read = 0;  // raw bytes read from packs by this load (0 from the RAM cache)
  std::shared_ptr<const ModelBuffer> buffer;
  std::span<const std::byte> bytes() const { return buffer->bytes(); }
  std::string_view view() const { return buffer->view(); }
};

// "NAME", "NAME@3", "NAME@production" -> name and reference ("" = latest).
struct ModelRef {
  std::string name;
  std::string ref;
};
Result<ModelRef> ParseModelRef(std::string_view text);

class ModelStore {
 public:
  // Opens the store of the database at `root` (its catalog, creating the artifact tables by
  // migration, and <root>/artifacts/packs/).
  static Result<std::unique_ptr<ModelStore>> Open(const std::string& root, const ModelStoreOptions& options);
  ~ModelStore();  // waits for prefetches and flushes the load log

  // Stores the file at `path` as a new version of model `name` (created if new).
  Result<PutResult> Put(std::string_view name, const std::string& path, const PutOptions& options);
  // The same from bytes in memory.
  Result<PutResult> PutBytes(std::string_view name, std::string_view data, const PutOptions& options);

  // The version `ref` names: "" or "latest" = the highest, digits = that version, else an alias.
  Result<VersionInfo> Resolve(std::string_view name, std::string_view ref);
  Result<std::vector<ModelSummary>> ListModels();
  Result<std::vector<VersionInfo>> ListVersions(std::string_view name);

  // Loads a version into memory through the cache; every chunk read from disk is verified.
  // Corruption names the model, version, chunk and pack.
  Result<std::shared_ptr<const LoadedModel>> Load(std::string_view name, std::string_view ref);
  // Only the bytes of the named safetensors tensors (and the header): a RAM-cached version is
  // returned whole; otherwise only the chunks that hold the header or a named tensor are read
  // (verified) into a buffer of the version's size, `partial` is set, the other bytes are
  // undefined, and nothing is cached. NotFound names a tensor the model lacks.
  Result<std::shared_ptr<const LoadedModel>> LoadTensors(std::string_view name, std::string_view ref,
                                                         const std::vector<std::string>& tensors);
  // Starts loading in the background; the future says how it went.
  std::shared_future<Status> Prefetch(std::string_view name, std::string_view ref);
  // Writes a version to `out_path` (atomically: temp file, fsync, rename) and checks its SHA-256.
  Status Get(std::string_view name, std::string_view ref, const std::string& out_path);

  Result<DiffResult> Diff(std::string_view a_name, std::string_view a_ref, std::string_view b_name,
                          std::string_view b_ref);
  // Sets a version's stage (staging, production, archived); production also moves the
  // "production" alias to it.
  Status Promote(std::string_view name, std::string_view ref, std::string_view stage);
  // Points alias (not "latest" or digits) at a version; an empty ref removes the alias.
  Status SetAlias(std::string_view name, std::string_view alias, std::string_view ref);
  // Removes one version (ref set) or the whole model (ref empty). Chunks stay until gc.
  Status Remove(std::string_view name, std::optional<std::string_view> ref);

  // Copies the packs of the chosen versions to the cold store (each upload read back and checked:
  // size and SHA-256), records them in the catalog, sets the versions' stage to "archived", and
  // then deletes the local files of the packs that only archived versions use (unless
  // keep_local). Production versions are never archived. Crash-safe: a pack's local file goes
  // only after its verified cold copy is committed, so every version stays loadable throughout.
  // A pack that has been archived is sealed: later puts start new packs.
  Result<ArchiveResult> Archive(const ArchiveOptions& options);
  // Brings the cold-only packs of one version back to local disk (verified), and sets its stage
  // from archived back to staging.
  Result<RestoreResult> Restore(std::string_view name, std::string_view ref);

  // Removes unreferenced chunks: rewrites local packs that hold some, deletes cold packs that
  // hold only such (and cold objects the catalog does not know).
  Result<GcResult> Gc();
  Result<StoreStats> Stats();
  // Re-reads every stored chunk and checks its hash (no cache), and every cold pack's size and
  // SHA-256 (missing or corrupt cold packs listed). Corrupt chunks are listed with every model
  // version that uses them; the report is OK only if nothing is wrong.
  Result<VerifyReport> Verify();

  // Load records written so far are flushed to the catalog (model_loads) before this returns.
  Status FlushLoadLog();
  uint64_t cache_bytes() const;
  uint64_t buffer_pool_bytes() const;
  // The cold tier in use, or the error that kept it from opening.
  Result<ColdStore*> cold_store();
  Catalog* catalog() { return catalog_.get(); }
  const std::string& root() const { return root_; }

  struct Impl;  // model_store_internal.h

 private:
  ModelStore() = default;
  Status GcCold(GcResult* result);
  std::string root_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Impl> impl_;
};

// For `strata verify`: verifies every chunk of the model store of the database at `root`
// (NotFound if there is no database). Opens the catalog for writing like every ModelStore (it
// applies pending migrations, so a database without models gets empty artifact tables and an
// empty report). Uses no cache and takes no writer lock: safe while puts, loads and gc run.
Result<VerifyReport> VerifyModelStore(const std::string& root, FileSystem* fs = nullptr);

}  // namespace strata::artifacts
