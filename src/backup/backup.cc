// Backup create, list, verify, prune and restore (backup.h).
#include "backup/backup.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "artifacts/cold_store.h"
#include "artifacts/model_store_internal.h"
#include "artifacts/pack.h"
#include "backup/wal_archive.h"
#include "catalog/catalog.h"
#include "catalog/layout.h"
#include "catalog/statement.h"
#include "io/sha256.h"
#include "objstore/object_store.h"
#include "strata/timestamp.h"
#include "tier/tier_files.h"
#include "wal/wal.h"
#include "wal/wal_format.h"

namespace strata::backup {
namespace {

using artifacts::kColdPackPrefix;
using artifacts::kModelsColdLocationSetting;
using artifacts::PackFileName;
using wal_internal::ListSegments;
using wal_internal::SegmentFile;
using wal_internal::SegmentFileName;

constexpr char kBlobPrefix[] = "blobs/";
constexpr char kManifestPrefix[] = "backups/";
constexpr char kManifestSuffix[] = ".json";
constexpr char kColdPackPathPrefix[] = "models-cold/";
constexpr size_t kReadBlock = 1 << 20;
constexpr uint64_t kWholeFileLimit = 256ull << 20;

std::string NewBackupId(int64_t now_ns) {
  const time_t secs = static_cast<time_t>(now_ns / 1'000'000'000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  // The sub-second part and the pid tell apart backups started within one second.
  const uint64_t salt = static_cast<uint64_t>(now_ns % 1'000'000'000) * 31 + static_cast<uint64_t>(getpid());
  char tail[16];
  std::snprintf(tail, sizeof(tail), "-%08x", static_cast<unsigned>(salt & 0xffffffffu));
  return std::string(buf) + tail;
}

std::string ManifestKey(std::string_view id) {
  return std::string(kManifestPrefix) + std::string(id) + kManifestSuffix;
}

// Reads [0, size) of `file` through `fn` in blocks.
Status ForEachBlock(const RandomAccessFile& file, uint64_t size, const std::function<Status(std::string_view)>& fn) {
  std::string buf(kReadBlock, '\0');
  uint64_t off = 0;
  while (off < size) {
    ASSIGN_OR_RETURN(size_t got,
                     file.Read(off, static_cast<size_t>(std::min<uint64_t>(buf.size(), size - off)), buf.data()));
    if (got == 0)
      return Status::IOError(file.path() + ": ends at byte " + std::to_string(off) + ", expected " +
                             std::to_string(size));
    RETURN_IF_ERROR(fn(std::string_view(buf.data(), got)));
    off += got;
  }
  return Status::OK();
}

// Where one object of the source is read from.
struct SourceObject {
  BackupObject object;
  std::string local_path;  // set: a file on the local file system (whole file)
  ObjectStore* store = nullptr;
  std::string store_key;     // set with store: an object of the cold store (whole object)
  std::string staged_bytes;  // neither: bytes already read (a pack's committed prefix, a WAL copy)
  bool hash_known = false;   // object.sha256 came from the catalog and still needs checking
};

// A snapshot of the source: the objects of one consistent backup.
struct Snapshot {
  uint64_t flushed_lsn = 0, wal_lsn = 0, max_flushed_lsn = 0;
  std::string wal_archive;
  std::vector<SourceObject> objects;
};

Result<std::unique_ptr<ObjectStore>> OpenColdStore(FileSystem* fs, const std::string& root, Catalog* catalog,
                                                   const char* setting) {
  ASSIGN_OR_RETURN(auto location, catalog->GetSetting(setting));
  if (!location || location->empty()) return NewLocalObjectStore(fs, layout::ColdDir(root));
  auto store = OpenObjectStore(*location, fs);
  if (!store.ok()) return store.status().WithContext("opening the cold store at " + *location);
  return std::move(*store);
}

struct SourceStores {
  std::unique_ptr<ObjectStore> tier_cold, model_cold;
};

// Copies the WAL segments into memory (the newest one is still growing: its bytes up to now).
// A segment deleted meanwhile was flushed before the catalog snapshot that follows is taken.
Status StageWal(FileSystem* fs, const std::string& root, Snapshot* snap) {
  ASSIGN_OR_RETURN(auto segments, ListSegments(fs, layout::WalDir(root)));
  for (const SegmentFile& seg : segments) {
    auto file = fs->NewRandomAccessFile(seg.path);
    if (!file.ok() && file.status().IsNotFound()) continue;
    if (!file.ok()) return file.status().WithContext("backing up the WAL");
    ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
    SourceObject o;
    o.object.kind = "wal";
    o.object.path = std::string(layout::kWalDirName) + "/" + SegmentFileName(seg.seq);
    RETURN_IF_ERROR(ForEachBlock(**file, size, [&](std::string_view b) {
      o.staged_bytes.append(b);
      return Status::OK();
    }));
    snap->objects.push_back(std::move(o));
  }
  return Status::OK();
}

// Drops the staged segments whose records are all at or below `flushed_lsn` (in tier files the
// catalog snapshot lists). Besides saving space this matters for correctness of the check below:
// a flush may have deleted a segment between the listing and its copy, leaving a gap in the
// staged log, but only below the flushed LSN of the (later) catalog snapshot.
void DropFlushedSegments(uint64_t flushed_lsn, Snapshot* snap) {
  std::vector<size_t> wal;  // indexes of staged segments, oldest first
  std::vector<uint64_t> first_lsn;
  for (size_t i = 0; i < snap->objects.size(); ++i) {
    const SourceObject& o = snap->objects[i];
    if (o.object.kind != "wal") continue;
    auto header = wal_internal::DecodeSegmentHeader(o.staged_bytes);
    if (!header.ok()) continue;  // a segment being created: the check below decides
    wal.push_back(i);
    first_lsn.push_back(header->first_lsn);
  }
  std::vector<bool> drop(snap->objects.size(), false);
  for (size_t k = 0; k + 1 < wal.size(); ++k) {
    // Segment k holds LSNs [first_lsn[k], first_lsn[k+1]).
    if (first_lsn[k + 1] <= flushed_lsn + 1) drop[wal[k]] = true;
  }
  std::vector<SourceObject> kept;
  for (size_t i = 0; i < snap->objects.size(); ++i) {
    if (!drop[i]) kept.push_back(std::move(snap->objects[i]));
  }
  snap->objects = std::move(kept);
}

// When no staged record is above the flushed LSN, the newest segment (still being appended to,
// never deleted by a flush) would be copied for nothing: it is replaced by its header alone,
// starting right after `last_lsn`, which tells recovery where the log stands.
void KeepOnlyAnEmptySegment(uint64_t last_lsn, Snapshot* snap) {
  std::vector<SourceObject> kept;
  SourceObject* newest = nullptr;
  for (SourceObject& o : snap->objects) {
    if (o.object.kind == "wal") {
      newest = &o;
      continue;
    }
    kept.push_back(std::move(o));
  }
  if (newest != nullptr) {
    SourceObject seg = std::move(*newest);
    seg.staged_bytes.assign(wal_internal::kSegmentHeaderSize, '\0');
    wal_internal::EncodeSegmentHeader(last_lsn + 1, seg.staged_bytes.data());
    kept.push_back(std::move(seg));
  }
  snap->objects = std::move(kept);
}

// Reads the staged WAL as recovery would (without repairing): it must hold every record after
// the snapshot's flushed LSN. Returns the last LSN, the one the backup is consistent at.
Result<uint64_t> CheckStagedWal(FileSystem* fs, const std::string& staging, const Snapshot& snap,
                                uint64_t flushed_lsn) {
  const std::string dir = JoinPath(staging, layout::kWalDirName);
  RETURN_IF_ERROR(fs->RemoveAll(dir));
  RETURN_IF_ERROR(fs->CreateDirs(dir));
  for (const SourceObject& o : snap.objects) {
    if (o.object.kind != "wal") continue;
    ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(JoinPath(staging, o.object.path), OpenMode::kTruncate));
    RETURN_IF_ERROR(f->Append(o.staged_bytes));
    RETURN_IF_ERROR(f->Close());
  }
  WalReadOptions ro;
  ro.fs = fs;
  ro.dir = dir;
  ro.after_lsn = flushed_lsn;
  ro.repair = false;
  auto read = ReadWal(ro, [](uint64_t, std::string_view) { return Status::OK(); });
  if (!read.ok()) return read.status().WithContext("the WAL copied for the backup");
  return std::max(read->last_lsn, flushed_lsn);
}

Status AddTierFiles(FileSystem* fs, const std::string& root, Catalog* catalog, SourceStores* stores, Snapshot* snap) {
  FileQuery q;  // live files of every table
  ASSIGN_OR_RETURN(std::vector<FileRecord> files, catalog->ListFiles(q));
  // A flush's quarantined series: acknowledged rows no longer in the WAL, only in these files.
  ASSIGN_OR_RETURN(std::vector<QuarantineRecord> quarantined, catalog->ListQuarantine());
  for (const QuarantineRecord& q : quarantined) {
    SourceObject o;
    o.object.kind = "quarantine";
    o.object.path = q.uri;
    o.object.size = static_cast<uint64_t>(q.bytes);
    o.object.sha256 = q.sha256;
    o.hash_known = !q.sha256.empty();
    o.local_path = JoinPath(root, q.uri);
    snap->objects.push_back(std::move(o));
  }
  for (const FileRecord& f : files) {
    SourceObject o;
    o.object.path = f.uri;
    o.object.size = static_cast<uint64_t>(f.bytes);
    o.object.sha256 = f.sha256;
    o.hash_known = !f.sha256.empty();
    if (f.tier == Tier::kWarm) {
      o.object.kind = "warm";
      o.local_path = JoinPath(root, f.uri);
    } else {
      o.object.kind = "cold";
      if (!stores->tier_cold) {
        ASSIGN_OR_RETURN(stores->tier_cold, OpenColdStore(fs, root, catalog, layout::kColdLocationSetting));
      }
      o.store = stores->tier_cold.get();
      o.store_key = tier::ColdKeyOf(*o.store, f.uri);
    }
    snap->objects.push_back(std::move(o));
  }
  return Status::OK();
}

Status AddPacks(FileSystem* fs, const std::string& root, Catalog* catalog, SourceStores* stores, Snapshot* snap) {
  auto packs = catalog->ListPacks();
  if (!packs.ok()) {
    // A catalog without the model store's tables has no packs.
    if (packs.status().message().find("no such table") != std::string::npos) return Status::OK();
    return packs.status();
  }
  for (const PackRecord& p : *packs) {
    const std::string name = PackFileName(p.id);
    SourceObject o;
    o.object.size = p.bytes;
    if (p.location == "cold") {
      if (!stores->model_cold) {
        auto models = catalog->GetSetting(kModelsColdLocationSetting);
        const char* setting =
            models.ok() && *models && !(*models)->empty() ? kModelsColdLocationSetting : layout::kColdLocationSetting;
        ASSIGN_OR_RETURN(stores->model_cold, OpenColdStore(fs, root, catalog, setting));
      }
      o.object.kind = "cold-pack";
      o.object.path = std::string(kColdPackPathPrefix) + name;
      o.store = stores->model_cold.get();
      o.store_key = std::string(kColdPackPrefix) + name;
      o.object.sha256 = p.sha256;
      o.hash_known = !p.sha256.empty();
    } else {
      // The newest local pack may still grow past its committed length: copy only that prefix.
      o.object.kind = "pack";
      o.object.path = std::string(layout::kArtifactsDirName) + "/packs/" + name;
      ASSIGN_OR_RETURN(auto file, fs->NewRandomAccessFile(JoinPath(root, o.object.path)));
      RETURN_IF_ERROR(ForEachBlock(*file, p.bytes, [&](std::string_view b) {
        o.staged_bytes.append(b);
        return Status::OK();
      }));
    }
    snap->objects.push_back(std::move(o));
  }
  return Status::OK();
}

// Live-state snapshots (src/state: <root>/state/<table>/..., the catalog's state_snapshots
// table). A file the catalog lists that is gone is skipped: a snapshot only saves replay time,
// and readers rebuild from the events without it.
Status AddStateSnapshots(FileSystem* fs, const std::string& root, Catalog* catalog, Snapshot* snap) {
  return catalog->InTransaction([&]() -> Status {
    sqlite::Statement has(catalog->db(),
                          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state_snapshots'",
                          catalog->path(), "look for state_snapshots");
    ASSIGN_OR_RETURN(bool exists, has.Step());
    if (!exists) return Status::OK();
    sqlite::Statement s(catalog->db(), "SELECT uri, bytes FROM state_snapshots ORDER BY id", catalog->path(),
                        "list the state snapshots");
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return Status::OK();
      SourceObject o;
      o.object.kind = "state";
      o.object.path = s.Text(0);
      o.object.size = static_cast<uint64_t>(s.Int(1));
      o.local_path = JoinPath(root, o.object.path);
      ASSIGN_OR_RETURN(bool there, fs->Exists(o.local_path));
      if (there) snap->objects.push_back(std::move(o));
    }
  });
}

// WAL first, catalog second: every record after the catalog's flushed LSN is in a segment that
// existed when the WAL was copied (segments are deleted only after a later flushed LSN commits).
Result<Snapshot> TakeSnapshot(FileSystem* fs, const std::string& root, const std::string& staging,
                              SourceStores* stores) {
  Snapshot snap;
  RETURN_IF_ERROR(StageWal(fs, root, &snap));
  const std::string catalog_copy = JoinPath(staging, "catalog.db");
  fs->RemoveFile(catalog_copy).IgnoreError();
  {
    ASSIGN_OR_RETURN(auto live, Catalog::Open(layout::CatalogPath(root), /*read_only=*/true));
    RETURN_IF_ERROR(live->BackupTo(catalog_copy));
  }
  WalState wal;
  {
    ASSIGN_OR_RETURN(auto copy, Catalog::Open(catalog_copy, /*read_only=*/false));
    ASSIGN_OR_RETURN(wal, copy->GetWalState());
    snap.flushed_lsn = wal.flushed_lsn;
    snap.max_flushed_lsn = wal.flushed_lsn;
    ASSIGN_OR_RETURN(auto tables, copy->GetTableFlushedLsns());
    for (const auto& [table, lsn] : tables) snap.max_flushed_lsn = std::max(snap.max_flushed_lsn, lsn);
    ASSIGN_OR_RETURN(auto archive, copy->GetSetting(layout::kWalArchiveSetting));
    snap.wal_archive = archive.value_or("");
    DropFlushedSegments(wal.flushed_lsn, &snap);
    ASSIGN_OR_RETURN(snap.wal_lsn, CheckStagedWal(fs, staging, snap, wal.flushed_lsn));
    if (snap.wal_lsn == wal.flushed_lsn) KeepOnlyAnEmptySegment(snap.wal_lsn, &snap);
    // A clean close between the WAL copy and the catalog snapshot may have recorded a durable LSN
    // past the copy's end; the backup is consistent at wal_lsn, so that is what its catalog says
    // (or the restored root's first open would refuse the log as ending too early).
    if (wal.durable_lsn > snap.wal_lsn) RETURN_IF_ERROR(copy->SetDurableLsn(snap.wal_lsn));
    RETURN_IF_ERROR(copy->Checkpoint());
  }
  ASSIGN_OR_RETURN(auto catalog, Catalog::Open(catalog_copy, /*read_only=*/true));
  RETURN_IF_ERROR(AddTierFiles(fs, root, catalog.get(), stores, &snap));
  RETURN_IF_ERROR(AddPacks(fs, root, catalog.get(), stores, &snap));
  RETURN_IF_ERROR(AddStateSnapshots(fs, root, catalog.get(), &snap));
  SourceObject c;
  c.object.kind = "catalog";
  c.object.path = layout::kCatalogFileName;
  c.local_path = catalog_copy;
  snap.objects.push_back(std::move(c));
  return snap;
}

// Brings every object's bytes into a form that can be hashed and stored: hashes local files and
// store objects (checking them against the catalog's hash when it has one), hashes staged bytes.
// NotFound when a listed file is gone (deleted after the snapshot: take a new one).
Status Resolve(FileSystem* fs, SourceObject* o) {
  if (!o->local_path.empty()) {
    // Files up to kWholeFileLimit are read once: hashed in memory and written from there (one
    // read instead of a hashing pass plus the store's own read).
    auto file = fs->NewRandomAccessFile(o->local_path);
    if (!file.ok()) return file.status().WithContext("backing up " + o->object.path);
    ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
    if (size <= kWholeFileLimit) {
      auto bytes = fs->ReadFile(o->local_path);
      if (!bytes.ok()) return bytes.status().WithContext("backing up " + o->object.path);
      o->staged_bytes = std::move(*bytes);
      o->local_path.clear();
    }
  }
  if (!o->local_path.empty()) {
    std::string hex;
    uint64_t size = 0;
    Status st = Sha256File(fs, o->local_path, &hex, &size);
    if (!st.ok()) return st.WithContext("backing up " + o->object.path);
    if (o->hash_known && (hex != o->object.sha256 || size != o->object.size)) {
      return Status::Corruption("backing up " + o->object.path + ": the file has " + std::to_string(size) +
                                " bytes with sha256 " + hex + ", the catalog says " + std::to_string(o->object.size) +
                                " bytes with " + o->object.sha256 + " (run strata verify)");
    }
    o->object.sha256 = hex;
    o->object.size = size;
    return Status::OK();
  }
  if (o->store != nullptr) {
    auto data = o->store->Get(o->store_key);
    if (!data.ok()) return data.status().WithContext("backing up " + o->store->Uri(o->store_key));
    o->staged_bytes = std::move(*data);
  }
  const std::string hex = Sha256Hex(o->staged_bytes);
  if (o->hash_known && (hex != o->object.sha256 || o->staged_bytes.size() != o->object.size)) {
    return Status::Corruption("backing up " + o->object.path + ": " + std::to_string(o->staged_bytes.size()) +
                              " bytes with sha256 " + hex + ", the catalog says " + std::to_string(o->object.size) +
                              " bytes with " + o->object.sha256);
  }
  o->object.sha256 = hex;
  o->object.size = o->staged_bytes.size();
  return Status::OK();
}

Status CopyToDestination(FileSystem* fs, const SourceObject& o, ObjectStore* dest, DestinationResult* r) {
  const std::string key = BlobKey(o.object.sha256);
  auto have = dest->Size(key);
  if (have.ok() && *have == o.object.size) return Status::OK();
  if (!have.ok() && !have.status().IsNotFound()) return have.status();
  if (!o.local_path.empty()) {
    RETURN_IF_ERROR(dest->PutFile(key, fs, o.local_path));
  } else {
    RETURN_IF_ERROR(dest->Put(key, o.staged_bytes));
  }
  ++r->objects_copied;
  r->bytes_copied += o.object.size;
  return Status::OK();
}

Result<std::string> MakeStagingDir(FileSystem* fs) {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : "/tmp";
  const std::string dir =
      JoinPath(base, "strata-backup-" + std::to_string(getpid()) + "-" + std::to_string(WallClockNs() % 1'000'000'007));
  RETURN_IF_ERROR(fs->CreateDirs(dir));
  return dir;
}

void Say(const std::function<void(std::string_view)>& progress, const std::string& line) {
  if (progress) progress(line);
}

}  // namespace

std::string BlobKey(std::string_view sha256_hex) {
  return std::string(kBlobPrefix) + std::string(sha256_hex.substr(0, 2)) + "/" + std::string(sha256_hex);
}

uint64_t BackupManifest::bytes() const {
  uint64_t total = 0;
  for (const BackupObject& o : objects) total += o.size;
  return total;
}

std::string BackupManifest::ToJson() const {
  nlohmann::json j;
  j["format"] = "strata-backup-1";
  j["id"] = id;
  j["created_at_ns"] = created_at_ns;
  j["source_root"] = source_root;
  j["flushed_lsn"] = flushed_lsn;
  j["wal_lsn"] = wal_lsn;
  j["max_flushed_lsn"] = max_flushed_lsn;
  if (!wal_archive.empty()) j["wal_archive"] = wal_archive;
  j["objects"] = nlohmann::json::array();
  for (const BackupObject& o : objects) {
    j["objects"].push_back({{"path", o.path}, {"kind", o.kind}, {"size", o.size}, {"sha256", o.sha256}});
  }
  return j.dump(1);
}

Result<BackupManifest> BackupManifest::FromJson(std::string_view text, std::string_view where) {
  auto bad = [&](const std::string& what) {
    return Status::Corruption("backup manifest " + std::string(where) + ": " + what);
  };
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (j.value("format", "") != "strata-backup-1") return bad("unknown format (expected strata-backup-1)");
  BackupManifest m;
  try {
    m.id = j.at("id").get<std::string>();
    m.created_at_ns = j.at("created_at_ns").get<int64_t>();
    m.source_root = j.at("source_root").get<std::string>();
    m.flushed_lsn = j.at("flushed_lsn").get<uint64_t>();
    m.wal_lsn = j.at("wal_lsn").get<uint64_t>();
    m.max_flushed_lsn = j.value("max_flushed_lsn", m.wal_lsn);
    m.wal_archive = j.value("wal_archive", "");
    for (const auto& o : j.at("objects")) {
      BackupObject b;
      b.path = o.at("path").get<std::string>();
      b.kind = o.at("kind").get<std::string>();
      b.size = o.at("size").get<uint64_t>();
      b.sha256 = o.at("sha256").get<std::string>();
      if (b.sha256.size() != 64 || b.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
        return bad("object " + b.path + " has a malformed sha256");
      }
      if (b.kind != "catalog" && b.kind != "cold" && b.kind != "cold-pack" && b.kind != "wal") {
        RETURN_IF_ERROR(CheckObjectKey(b.path).WithContext("backup manifest " + std::string(where)));
      }
      m.objects.push_back(std::move(b));
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("missing or mistyped field (") + e.what() + ")");
  }
  return m;
}

Result<CreateResult> CreateBackup(const CreateOptions& options, const std::vector<std::string>& destinations) {
  if (destinations.empty()) return Status::InvalidArgument("backup create: name at least one destination");
  FileSystem* fs = options.fs;
  std::vector<std::unique_ptr<ObjectStore>> stores;
  for (const std::string& d : destinations) {
    auto store = OpenObjectStore(d, fs);
    if (!store.ok()) return store.status().WithContext("backup destination " + d);
    stores.push_back(std::move(*store));
  }
  ASSIGN_OR_RETURN(bool has_catalog, fs->Exists(layout::CatalogPath(options.root)));
  if (!has_catalog) {
    return Status::NotFound("no database at " + options.root + " (no " + layout::kCatalogFileName + ")");
  }
  ASSIGN_OR_RETURN(std::string staging, MakeStagingDir(fs));
  struct Cleanup {
    FileSystem* fs;
    std::string dir;
    ~Cleanup() { fs->RemoveAll(dir).IgnoreError(); }
  } cleanup{fs, staging};

  CreateResult result;
  result.destinations.resize(destinations.size());
  for (size_t i = 0; i < destinations.size(); ++i) result.destinations[i].dest = stores[i]->Uri("");
  SourceStores sources;
  Snapshot snap;
  for (int attempt = 1;; ++attempt) {
    result.attempts = attempt;
    Say(options.progress, "snapshot " + std::to_string(attempt) + ": WAL, then the catalog");
    ASSIGN_OR_RETURN(snap, TakeSnapshot(fs, options.root, staging, &sources));
    Say(options.progress, "snapshot at LSN " + std::to_string(snap.wal_lsn) + " (flushed " +
                              std::to_string(snap.flushed_lsn) + "): " + std::to_string(snap.objects.size()) +
                              " objects");
    // Several objects at once: a local destination's put ends in an fsync each, and an S3 put is
    // a round trip; overlapping them is what brings a backup near the speed of a plain copy.
    Status st;
    std::mutex mu;
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (;;) {
        const size_t i = next.fetch_add(1);
        if (i >= snap.objects.size()) return;
        {
          std::lock_guard lock(mu);
          if (!st.ok()) return;
        }
        SourceObject& o = snap.objects[i];
        Status resolved = Resolve(fs, &o);
        if (!resolved.ok()) {
          std::lock_guard lock(mu);
          if (st.ok()) st = resolved;
          return;
        }
        for (size_t d = 0; d < stores.size(); ++d) {
          DestinationResult& r = result.destinations[d];
          {
            std::lock_guard lock(mu);
            if (!r.status.ok()) continue;
          }
          DestinationResult mine;
          Status copied = CopyToDestination(fs, o, stores[d].get(), &mine);
          std::lock_guard lock(mu);
          r.objects_copied += mine.objects_copied;
          r.bytes_copied += mine.bytes_copied;
          if (!copied.ok() && r.status.ok()) r.status = copied.WithContext("backup destination " + r.dest);
        }
        // The bytes are in every destination now; memory stays at a few objects at a time.
        std::string().swap(o.staged_bytes);
      }
    };
    std::vector<std::thread> threads;
    for (int t = 1; t < options.threads; ++t) threads.emplace_back(worker);
    worker();
    for (std::thread& t : threads) t.join();
    if (st.ok()) break;
    if (!st.IsNotFound() || attempt >= options.max_attempts) return st;
    Say(options.progress, st.message() + "; a file was retired meanwhile, taking a new snapshot");
  }

  BackupManifest& m = result.manifest;
  m.created_at_ns = WallClockNs();
  m.id = NewBackupId(m.created_at_ns);
  m.source_root = options.root;
  m.flushed_lsn = snap.flushed_lsn;
  m.wal_lsn = snap.wal_lsn;
  m.max_flushed_lsn = snap.max_flushed_lsn;
  m.wal_archive = snap.wal_archive;
  for (const SourceObject& o : snap.objects) m.objects.push_back(o.object);
  const std::string manifest = m.ToJson();
  for (size_t d = 0; d < stores.size(); ++d) {
    DestinationResult& r = result.destinations[d];
    r.objects = m.objects.size();
    r.bytes = m.bytes();
    if (r.status.ok()) {
      r.status = stores[d]->Put(ManifestKey(m.id), manifest).WithContext("backup destination " + r.dest);
    }
  }
  return result;
}

Status CreateResult::status() const {
  std::string msg;
  for (const DestinationResult& r : destinations) {
    if (!r.status.ok()) msg += (msg.empty() ? "" : "; ") + r.status.message();
  }
  return msg.empty() ? Status::OK() : Status::IOError(msg);
}

Result<std::vector<BackupManifest>> ListBackups(FileSystem* fs, const std::string& dest) {
  ASSIGN_OR_RETURN(auto store, OpenObjectStore(dest, fs));
  ASSIGN_OR_RETURN(auto objects, store->List(kManifestPrefix));
  std::vector<BackupManifest> out;
  for (const ObjectInfo& info : objects) {
    if (info.key.size() <= sizeof(kManifestSuffix) ||
        info.key.compare(info.key.size() - (sizeof(kManifestSuffix) - 1), std::string::npos, kManifestSuffix) != 0) {
      continue;
    }
    ASSIGN_OR_RETURN(std::string text, store->Get(info.key));
    ASSIGN_OR_RETURN(BackupManifest m, BackupManifest::FromJson(text, store->Uri(info.key)));
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(), [](const BackupManifest& a, const BackupManifest& b) {
    return a.created_at_ns != b.created_at_ns ? a.created_at_ns < b.created_at_ns : a.id < b.id;
  });
  return out;
}

namespace {

// Streams blob `key` and checks it against `want`. Returns the problem, or "" when whole.
Result<std::string> CheckBlob(ObjectStore* store, const BackupObject& want, uint64_t* bytes_read, std::string* keep) {
  const std::string key = BlobKey(want.sha256);
  auto file = store->OpenRead(key);
  if (!file.ok()) {
    if (file.status().IsNotFound()) return std::string("missing");
    return file.status();
  }
  ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
  if (size != want.size) return "size " + std::to_string(size) + " instead of " + std::to_string(want.size);
  Sha256 h;
  RETURN_IF_ERROR(ForEachBlock(**file, size, [&](std::string_view b) {
    h.Update(b);
    if (keep) keep->append(b);
    return Status::OK();
  }));
  *bytes_read += size;
  const std::string got = DigestHex(h.Finish());
  if (got != want.sha256) return "sha256 " + got + " instead of " + want.sha256;
  return std::string();
}

}  // namespace

Result<VerifyReport> VerifyBackups(FileSystem* fs, const std::string& dest, std::optional<std::string> id) {
  ASSIGN_OR_RETURN(auto store, OpenObjectStore(dest, fs));
  ASSIGN_OR_RETURN(auto backups, ListBackups(fs, dest));
  VerifyReport report;
  std::map<std::string, std::string> checked;  // sha256 -> problem ("" when whole)
  bool found = !id.has_value();
  for (const BackupManifest& m : backups) {
    if (id && m.id != *id) continue;
    found = true;
    ++report.backups;
    for (const BackupObject& o : m.objects) {
      auto it = checked.find(o.sha256);
      if (it == checked.end()) {
        ASSIGN_OR_RETURN(std::string problem, CheckBlob(store.get(), o, &report.bytes_checked, nullptr));
        ++report.blobs_checked;
        it = checked.emplace(o.sha256, problem).first;
      }
      if (!it->second.empty()) report.problems.push_back({m.id, o.path, BlobKey(o.sha256), it->second});
    }
  }
  if (!found) return Status::NotFound("no backup " + *id + " in " + store->Uri(""));
  return report;
}

Result<PruneResult> PruneBackups(FileSystem* fs, const std::string& dest, int keep_last, int keep_daily) {
  if (keep_last < 0 || keep_daily < 0) return Status::InvalidArgument("backup prune: counts must be >= 0");
  if (keep_last == 0 && keep_daily == 0) {
    return Status::InvalidArgument(
        "backup prune: --keep-last and --keep-daily are both 0, which would remove every "
        "backup; keep at least one");
  }
  ASSIGN_OR_RETURN(auto store, OpenObjectStore(dest, fs));
  ASSIGN_OR_RETURN(auto backups, ListBackups(fs, dest));
  std::set<std::string> keep;
  for (size_t i = 0; i < backups.size() && i < static_cast<size_t>(keep_last); ++i) {
    keep.insert(backups[backups.size() - 1 - i].id);
  }
  std::set<int64_t> days;
  for (auto it = backups.rbegin(); it != backups.rend() && days.size() < static_cast<size_t>(keep_daily); ++it) {
    const int64_t day = it->created_at_ns / (86'400LL * 1'000'000'000);
    if (days.insert(day).second) keep.insert(it->id);
  }
  PruneResult r;
  std::set<std::string> needed;
  for (const BackupManifest& m : backups) {
    if (keep.count(m.id)) {
      r.kept.push_back(m.id);
      for (const BackupObject& o : m.objects) needed.insert(BlobKey(o.sha256));
    }
  }
  // Manifests first: a crash after this leaves unreferenced blobs (removed by the next prune),
  // never a listed backup with a blob missing.
  for (const BackupManifest& m : backups) {
    if (keep.count(m.id)) continue;
    RETURN_IF_ERROR(store->Delete(ManifestKey(m.id)));
    r.removed.push_back(m.id);
  }
  ASSIGN_OR_RETURN(auto blobs, store->List(kBlobPrefix));
  for (const ObjectInfo& b : blobs) {
    if (needed.count(b.key)) continue;
    RETURN_IF_ERROR(store->Delete(b.key));
    ++r.blobs_removed;
    r.bytes_removed += b.size;
  }
  return r;
}

namespace {
// Stages, checks and places backup `m` into `target` (absent or empty), the catalog last.
Result<RestoreResult> RestoreInto(FileSystem* fs, ObjectStore* store, const BackupManifest* m,
                                  const std::string& target, const std::function<void(std::string_view)>& progress,
                                  const BeforeCatalogHook& before_catalog);
}  // namespace

Status TakeBackRestore(FileSystem* fs, const std::string& target, bool existed) {
  if (!existed) return fs->RemoveAll(target);
  ASSIGN_OR_RETURN(auto names, fs->ListDir(target));
  for (const std::string& n : names) RETURN_IF_ERROR(fs->RemoveAll(JoinPath(target, n)));
  return Status::OK();
}

Result<RestoreResult> RestoreBackup(FileSystem* fs, const std::string& dest, std::optional<std::string> id,
                                    const std::string& target, const std::function<void(std::string_view)>& progress,
                                    const BeforeCatalogHook& before_catalog) {
  ASSIGN_OR_RETURN(auto store, OpenObjectStore(dest, fs));
  ASSIGN_OR_RETURN(auto backups, ListBackups(fs, dest));
  if (backups.empty()) return Status::NotFound("no backups in " + store->Uri(""));
  const BackupManifest* m = &backups.back();
  if (id) {
    m = nullptr;
    for (const BackupManifest& b : backups) {
      if (b.id == *id) m = &b;
    }
    if (m == nullptr) return Status::NotFound("no backup " + *id + " in " + store->Uri(""));
  }
  ASSIGN_OR_RETURN(bool exists, fs->Exists(target));
  if (exists) {
    ASSIGN_OR_RETURN(auto names, fs->ListDir(target));
    ASSIGN_OR_RETURN(bool has_catalog, fs->Exists(layout::CatalogPath(target)));
    const bool interrupted = std::find(names.begin(), names.end(), ".restore-tmp") != names.end();
    if (has_catalog && interrupted) {
      // Interrupted after the catalog (placed last) was in place: the restore is complete but for
      // removing its staging directory.
      Say(progress, "restore target " + target + " holds a complete restore; removing its leftover .restore-tmp");
      RETURN_IF_ERROR(fs->RemoveAll(JoinPath(target, ".restore-tmp")));
      RestoreResult done;
      done.manifest = *m;
      return done;
    }
    if (!has_catalog && interrupted) {
      // An interrupted restore (the catalog is placed last): start it over.
      Say(progress, "restore target " + target + " holds an interrupted restore; starting it over");
      for (const std::string& n : names) RETURN_IF_ERROR(fs->RemoveAll(JoinPath(target, n)));
      RETURN_IF_ERROR(fs->SyncDir(target));
      names.clear();
    }
    if (!names.empty()) {
      return Status::AlreadyExists("restore target " + target +
                                   " is not empty; a restore never writes into an existing database, name a new "
                                   "directory");
    }
  }
  // A restore that fails (a missing or corrupt object, a WAL archive gap, ...) takes back what it
  // placed: the target is left as it was found (absent, or empty). A crash instead leaves
  // .restore-tmp, which the rerun clears.
  Result<RestoreResult> placed = RestoreInto(fs, store.get(), m, target, progress, before_catalog);
  if (placed.ok()) return placed;
  Status undo = TakeBackRestore(fs, target, exists);
  if (!undo.ok()) {
    return Status(placed.status().code(), placed.status().message() + " (and removing the partial restore from " +
                                              target + " failed: " + undo.ToString() + ")");
  }
  return placed;
}

namespace {
Result<RestoreResult> RestoreInto(FileSystem* fs, ObjectStore* store, const BackupManifest* m,
                                  const std::string& target, const std::function<void(std::string_view)>& progress,
                                  const BeforeCatalogHook& before_catalog) {
  RestoreResult result;
  result.manifest = *m;
  const std::string stage = JoinPath(target, ".restore-tmp");
  RETURN_IF_ERROR(fs->CreateDirs(stage));
  // The staging directory marks an interrupted restore for the rerun: durable (and the target's
  // own entry in its parent) before anything is placed beside it.
  RETURN_IF_ERROR(fs->SyncDir(DirName(target)));
  RETURN_IF_ERROR(fs->SyncDir(target));
  Say(progress, "restoring backup " + m->id + " (consistent at LSN " + std::to_string(m->wal_lsn) + ", " +
                    std::to_string(m->objects.size()) + " objects)");

  // Pass 1: every blob whole (fetched and hashed) before anything is placed.
  std::vector<std::string> staged_paths(m->objects.size());
  std::unique_ptr<ObjectStore> cold_target;
  for (size_t i = 0; i < m->objects.size(); ++i) {
    const BackupObject& o = m->objects[i];
    std::string bytes;
    uint64_t read = 0;
    ASSIGN_OR_RETURN(std::string problem, CheckBlob(store, o, &read, &bytes));
    if (!problem.empty()) {
      return Status::Corruption("restore of backup " + m->id + ": " + o.path + " (" + store->Uri(BlobKey(o.sha256)) +
                                ") is " + problem + "; nothing was restored");
    }
    staged_paths[i] = JoinPath(stage, std::to_string(i));
    ASSIGN_OR_RETURN(auto f, fs->NewWritableFile(staged_paths[i], OpenMode::kTruncate));
    RETURN_IF_ERROR(f->Append(bytes));
    RETURN_IF_ERROR(f->Sync());
    RETURN_IF_ERROR(f->Close());
    result.bytes_written += bytes.size();
  }
  // Pass 2: place the files. Tier files and packs go under the target root at their paths, the
  // catalog last so that a crash before it leaves no openable database.
  size_t catalog_index = m->objects.size();
  std::set<std::string> dirs_to_sync;
  for (size_t i = 0; i < m->objects.size(); ++i) {
    const BackupObject& o = m->objects[i];
    if (o.kind == "catalog") {
      catalog_index = i;
      continue;
    }
    std::string rel = o.path;
    if (o.kind == "cold-pack") {
      rel = std::string(layout::kColdDirName) + "/" + kColdPackPrefix + o.path.substr(sizeof(kColdPackPathPrefix) - 1);
    }
    if (rel.find("://") != std::string::npos || (!rel.empty() && rel[0] == '/')) {
      return Status::Unsupported("restore of backup " + m->id + ": " + o.path +
                                 " lives outside the database root (a cold store elsewhere); restoring those is not "
                                 "supported yet, nothing was restored");
    }
    const std::string to = JoinPath(target, rel);
    if (dirs_to_sync.insert(DirName(to)).second) {
      RETURN_IF_ERROR(fs->CreateDirs(DirName(to)));
      // Every directory created on the way, so that its entry in its parent is durable too (the
      // target's own entries are synced after the catalog is placed).
      for (std::string d = DirName(DirName(to)); d.size() > target.size(); d = DirName(d)) dirs_to_sync.insert(d);
    }
    RETURN_IF_ERROR(fs->Rename(staged_paths[i], to));
    ++result.objects_written;
  }
  for (const std::string& dir : dirs_to_sync) RETURN_IF_ERROR(fs->SyncDir(dir));
  if (catalog_index == m->objects.size()) {
    return Status::Corruption("backup " + m->id + " has no catalog object");
  }
  RETURN_IF_ERROR(ForgetArchiveInRestoredCatalog(staged_paths[catalog_index]));
  if (before_catalog) RETURN_IF_ERROR(before_catalog(*m, target, staged_paths[catalog_index]));
  const std::string catalog_to = layout::CatalogPath(target);
  RETURN_IF_ERROR(fs->Rename(staged_paths[catalog_index], catalog_to));
  RETURN_IF_ERROR(fs->SyncDir(target));
  ++result.objects_written;
  fs->RemoveDir(stage).IgnoreError();
  Say(progress, "restored " + std::to_string(result.objects_written) + " objects into " + target);
  return result;
}

}  // namespace

}  // namespace strata::backup
