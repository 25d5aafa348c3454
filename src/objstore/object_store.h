// Where the cold tier (and later the model store's cold copies) keeps whole files: a local
// directory or an S3-compatible bucket, behind one small interface keyed by relative paths
// ("trades/year=2026/month=03/symbol=AAPL/part-000001.parquet").
//
// Every implementation makes a Put all-or-nothing: a reader sees the old object (or none) or
// the whole new one, never a prefix. That is what lets a migration write first, commit the
// catalog second and retire the old files last.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "objstore/s3_options.h"
#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

// A multipart upload begun and neither completed nor aborted: what a process that died in the
// middle of a large PutFile leaves behind. Invisible to readers and to List, but its parts are
// stored (and billed) until it is aborted.
struct IncompleteUpload {
  std::string key;  // relative to the store, like ObjectInfo::key
  std::string upload_id;
  int64_t initiated_unix_s = 0;  // when it began, by the server's clock
};

// S3 Object Lock retention for an object being stored: the server refuses to delete or overwrite
// that version before `retain_until_unix_s` (compliance: nobody can; governance: only with the
// s3:BypassGovernanceRetention permission). The bucket must have Object Lock enabled.
struct ObjectLock {
  std::string mode = "compliance";  // "compliance" or "governance"
  int64_t retain_until_unix_s = 0;

  // x-amz-object-lock-retain-until-date: ISO 8601 UTC, "2027-03-02T00:00:00.000Z".
  std::string RetainUntilIso8601() const;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The full location of `key` ("/data/cold/trades/..." or "s3://bucket/prefix/trades/..."), for
  // the catalog's uris and for error messages.
  virtual std::string Uri(std::string_view key) const = 0;

  // Stores `data` under `key`, replacing any object there, atomically.
  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // Stores several objects, each atomically as Put does, all of them durable when it returns; on
  // failure some may be stored. A local store fsyncs each file and then each directory once (Put
  // fsyncs the directory per object), so a commit of several new files pays one directory fsync.
  virtual Status PutAll(const std::vector<std::pair<std::string, std::string>>& objects) {
    for (const auto& [key, data] : objects) RETURN_IF_ERROR(Put(key, data));
    return Status::OK();
  }
  // Removes several objects (OK for those already gone). Not durable by itself: for garbage whose
  // reappearance after a crash is harmless (a local store fsyncs no directory).
  virtual Status DeleteGarbage(const std::vector<std::string>& keys) {
    for (const std::string& key : keys) RETURN_IF_ERROR(Delete(key));
    return Status::OK();
  }
  // Stores the local file `path` (read through `fs`) under `key`, atomically, streaming it
  // (large files go up in parts on S3) instead of holding it in memory.
  virtual Status PutFile(std::string_view key, FileSystem* fs, const std::string& path) = 0;
  // PutFile with Object Lock retention on the stored object (S3: the x-amz-object-lock-mode and
  // x-amz-object-lock-retain-until-date headers). Stores without object lock (the local one) store
  // it as PutFile does: there the lock is the catalog's (src/tier records retain-until per file).
  virtual Status PutFileLocked(std::string_view key, FileSystem* fs, const std::string& path, const ObjectLock& lock) {
    (void)lock;
    return PutFile(key, fs, path);
  }

  // Random access to an object for ranged reads (the Parquet reader asks for the footer first,
  // then only the column chunks it needs). NotFound when there is no such object.
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenRead(std::string_view key) = 0;
  // A read-only memory map of the object, for stores on this machine's file system (zero-copy
  // reads that several threads may share); Unsupported for remote stores and empty objects.
  virtual Result<std::unique_ptr<MappedFile>> MapRead(std::string_view key) {
    return Status::Unsupported("cannot map " + Uri(key) + ": not a local object store");
  }
  // The whole object. NotFound when there is no such object.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // The object's size in bytes. NotFound when there is no such object.
  virtual Result<uint64_t> Size(std::string_view key) = 0;

  // Every object whose key starts with `prefix`, sorted by key (recursive; "" lists all).
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // Removes the object; OK when it is already gone.
  virtual Status Delete(std::string_view key) = 0;

  // The incomplete multipart uploads whose key starts with `prefix`. Stores without multipart
  // uploads (the local one: its temporaries are files, see IsTemporaryObjectKey) have none.
  virtual Result<std::vector<IncompleteUpload>> ListIncompleteUploads(std::string_view prefix) {
    (void)prefix;
    return std::vector<IncompleteUpload>{};
  }
  // Aborts one, freeing its parts; OK when it is already gone (completed or aborted).
  virtual Status AbortIncompleteUpload(const IncompleteUpload& upload) {
    (void)upload;
    return Status::OK();
  }
};

// OK for a relative path of non-empty components other than "." and ".." (what every store
// accepts as a key); InvalidArgument naming the key otherwise.
Status CheckObjectKey(std::string_view key);

// A directory on a FileSystem as an object store: key "a/b.parquet" is file `root`/a/b.parquet.
// Puts go to a temporary name ("<file>.tmp-<pid>"), are fsynced, renamed and the directory
// fsynced. List skips those temporaries (a crash may leave one; callers clean them with
// ListTemporaries + Delete).
std::unique_ptr<ObjectStore> NewLocalObjectStore(FileSystem* fs, std::string root);

// True for the temporary names a local Put uses before its rename.
bool IsTemporaryObjectKey(std::string_view key);

// The store for a cold-tier location:
//   "/data/cold", "rel/dir", "file:///data/cold"  -> NewLocalObjectStore(fs, path)
//   "s3://bucket", "s3://bucket/some/prefix"       -> an S3 store (src/objstore/s3_object_store.h)
//     on that bucket and key prefix; everything else from `s3_defaults`, whose empty fields come
//     from the AWS environment variables (AWS_ENDPOINT_URL[_S3], AWS_REGION, AWS_ACCESS_KEY_ID, ...;
//     see s3_options.h).
// InvalidArgument for an empty location, an unknown scheme, a file:// URI with a host, or a
// malformed s3:// URI. Opening does not contact the server.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view location, FileSystem* fs,
                                                     const S3Options& s3_defaults = {});

}  // namespace strata
