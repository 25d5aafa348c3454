// TierStore's crash cleanup and verification: what is on storage against what the catalog says.
//
// Both look only at the tier's own namespace: warm/<table>/ and the cold keys <table>/ of the
// catalog's tables, and there only at names of the tier's own shapes (tier_files.h). Whatever
// else shares the directory or the cold store (the model store's packs under models/packs/, a
// user's notes) is not theirs to judge. Cleanup deletes only what it can prove is a leftover of
// its own protocol: the Parquet writer's and the object store's temporaries, staged cold files,
// and unlisted files whose every row is provably elsewhere (their footer says so, see
// ProvenLeftover). Any other unlisted file goes to <root>/quarantine/ with a warning.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <limits>
#include <map>
#include <set>

#include "catalog/layout.h"
#include "core/schema_text.h"
#include "io/durable_dirs.h"
#include "io/sha256.h"
#include "parquet/schema_mapping.h"
#include "strata/timestamp.h"
#include "tier/lake.h"
#include "tier/tier_files.h"
#include "tier/tier_store.h"

namespace strata::tier {
namespace {

// Every file below root/<dir>, as paths relative to root. Directories are told from files by
// whether they list.
Status Walk(FileSystem* fs, const std::string& root, const std::string& rel, std::vector<std::string>* out) {
  ASSIGN_OR_RETURN(auto names, fs->ListDir(JoinPath(root, rel)));
  for (const std::string& n : names) {
    const std::string child = rel + "/" + n;
    auto sub = fs->ListDir(JoinPath(root, child));
    if (sub.ok()) {
      RETURN_IF_ERROR(Walk(fs, root, child, out));
    } else {
      out->push_back(child);
    }
  }
  return Status::OK();
}

Result<std::vector<std::string>> WalkIfExists(FileSystem* fs, const std::string& root, const std::string& rel) {
  std::vector<std::string> out;
  ASSIGN_OR_RETURN(bool exists, fs->Exists(JoinPath(root, rel)));
  if (exists) RETURN_IF_ERROR(Walk(fs, root, rel, &out));
  return out;
}

// A temporary of the write protocol (parquet::WriterOptions::atomic, WriteFileAtomically:
// "<final name>.tmp-<pid>") whose writer process is still running: work in progress, not an
// orphan. A temporary of a process that is gone is a crash's leftover.
// True when `digits` is a process id (decimal digits only) of a running process.
bool ProcessRunning(std::string_view digits) {
  if (digits.empty()) return false;
  long long pid = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || pid > (1ll << 40)) return false;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

bool InFlightTemporary(std::string_view rel) {
  const size_t at = rel.rfind(".tmp-");
  return at != std::string_view::npos && ProcessRunning(rel.substr(at + 5));
}

// True when the writer named in the database's lock file (catalog/layout.h LockPath: "process <pid>
// ...") is running: a writer holds the database now, perhaps this very process.
bool WriterRunning(FileSystem* fs, const std::string& root) {
  auto note = fs->ReadFile(layout::LockPath(root));
  constexpr std::string_view kPrefix = "process ";
  if (!note.ok() || note->rfind(kPrefix, 0) != 0) return false;
  const std::string_view rest = std::string_view(*note).substr(kPrefix.size());
  return ProcessRunning(rest.substr(0, rest.find_first_not_of("0123456789")));
}

}  // namespace

Result<std::vector<std::string>> TierStore::ListWarmFiles() {
  return WalkIfExists(fs_, options_.root, layout::kWarmDirName);
}

Result<std::vector<std::string>> TierStore::ListTierFiles(const std::vector<TableInfo>& tables, Tier tier) {
  std::vector<std::string> out;
  for (const TableInfo& t : tables) {
    if (tier == Tier::kWarm) {
      ASSIGN_OR_RETURN(auto files,
                       WalkIfExists(fs_, options_.root, std::string(layout::kWarmDirName) + "/" + t.def.name));
      out.insert(out.end(), files.begin(), files.end());
    } else {
      ASSIGN_OR_RETURN(auto objects, options_.cold->List(t.def.name + "/"));
      for (const ObjectInfo& o : objects) out.push_back(o.key);
    }
  }
  return out;
}

bool TierStore::IsTierUriOf(const FileRecord& file, const std::string& table_name) const {
  if (file.tier == Tier::kWarm) {
    auto t = WarmPathTable(file.uri);
    return t && *t == table_name;
  }
  const std::string key = ColdKeyOf(file.uri);
  auto t = ColdKeyTable(key);
  return t && *t == table_name && ColdUri(key) == file.uri;
}

Result<bool> TierStore::ProvenLeftover(const std::string& uri, Tier tier, const TableInfo& table,
                                       const std::set<std::string>& live, uint64_t flushed_lsn) {
  Result<std::unique_ptr<parquet::ParquetReader>> reader = Status::NotFound("");
  if (tier == Tier::kWarm) {
    auto src = parquet::OpenFileRangeSource(fs_, JoinPath(options_.root, uri));
    if (!src.ok()) return false;
    reader = parquet::ParquetReader::Open(std::move(*src));
  } else {
    auto data = options_.cold->Get(ColdKeyOf(uri));
    if (!data.ok()) return false;
    reader = parquet::ParquetReader::Open(parquet::MakeStringRangeSource(std::move(*data), uri));
  }
  if (!reader.ok()) return false;
  auto meta = ParseTierFileMeta((*reader)->metadata());
  if (!meta.ok() || meta->table.name != table.def.name || meta->tier != tier) return false;
  // A derived bar table's files hold nothing but what its source's rows recompute.
  if (auto policy = PolicyOf(table); policy.ok() && policy->IsDerived()) return true;
  if (!meta->replaces.empty()) {
    // A compaction or migration output that was never committed: its inputs are still live.
    for (const std::string& r : meta->replaces) {
      if (!live.count(r)) return false;
    }
    return true;
  }
  // A flush output that was never committed: its rows are after the flushed LSN, so still in the
  // write-ahead log, and this open has replayed them.
  return tier == Tier::kWarm && meta->max_lsn > flushed_lsn;
}

Status TierStore::Quarantine(const std::string& uri, Tier tier) {
  const std::string rel = tier == Tier::kWarm ? uri : std::string(layout::kColdDirName) + "/" + ColdKeyOf(uri);
  std::string dest = JoinPath(JoinPath(options_.root, layout::kQuarantineDirName), rel);
  for (int n = 1;; ++n) {
    ASSIGN_OR_RETURN(bool taken, fs_->Exists(dest));
    if (!taken) break;
    dest = JoinPath(JoinPath(options_.root, layout::kQuarantineDirName), rel) + "." + std::to_string(n);
  }
  RETURN_IF_ERROR(CreateDirsDurably(fs_, options_.root, DirName(dest)));
  if (tier == Tier::kWarm) {
    const std::string src = JoinPath(options_.root, uri);
    RETURN_IF_ERROR(fs_->Rename(src, dest));
    RETURN_IF_ERROR(fs_->SyncDir(DirName(dest)));
    RETURN_IF_ERROR(fs_->SyncDir(DirName(src)));
  } else {
    // Copied out durably before the object is deleted.
    const std::string key = ColdKeyOf(uri);
    ASSIGN_OR_RETURN(std::string data, options_.cold->Get(key));
    const std::string tmp = dest + ".tmp-quarantine";
    {
      ASSIGN_OR_RETURN(auto f, fs_->NewWritableFile(tmp, OpenMode::kTruncate));
      RETURN_IF_ERROR(f->Append(data));
      RETURN_IF_ERROR(f->Sync());
      RETURN_IF_ERROR(f->Close());
    }
    RETURN_IF_ERROR(fs_->Rename(tmp, dest));
    RETURN_IF_ERROR(fs_->SyncDir(DirName(dest)));
    RETURN_IF_ERROR(options_.cold->Delete(key));
  }
  Warn("moved " + uri + ", which the catalog does not list, to " + dest.substr(options_.root.size() + 1) +
       " (kept, not deleted: nothing proves it is a crash leftover; inspect it with `strata parquet inspect` and "
       "delete it when it holds nothing you need)");
  return Status::OK();
}

Result<int> TierStore::FinishInterruptedRuns() {
  int n = 0;
  for (const char* kind : {"flush", "compact", "migrate", "retention"}) {
    ASSIGN_OR_RETURN(auto runs, catalog_->ListRuns(std::string(kind), 0));
    for (const RunRecord& r : runs) {
      if (r.status != "running") continue;
      RETURN_IF_ERROR(catalog_->FinishRun(
          r.id, false, "{}",
          "interrupted: the process ended before this " + r.kind +
              " finished (a kill or a crash); the next writable open recovered from the catalog's state"));
      ++n;
    }
  }
  if (n > 0) Warn("marked " + std::to_string(n) + " tier operation(s) a crash interrupted as failed in the runs table");
  return n;
}

Status TierStore::AbortStaleUploads(const TableInfo& table, bool* cannot_list) {
  if (*cannot_list) return Status::OK();
  const std::string prefix = table.def.name + "/";
  auto uploads = options_.cold->ListIncompleteUploads(prefix);
  if (!uploads.ok()) {
    *cannot_list = true;
    Warn("cannot list the incomplete uploads under " + ColdUri(prefix) + " (" + uploads.status().message() +
         "): parts of uploads an interrupted migration began may stay stored; abort them with the store's tools or a "
         "lifecycle rule (AbortIncompleteMultipartUpload)");
    return Status::OK();
  }
  const int64_t now_s = (options_.clock ? options_.clock() : WallClockNs()) / 1'000'000'000;
  for (const IncompleteUpload& u : *uploads) {
    auto owner = ColdKeyTable(u.key);
    if (!owner || *owner != table.def.name) continue;                        // not a key the tier writes: not ours
    if (u.initiated_unix_s > now_s - options_.stale_upload_age_s) continue;  // may still be in flight
    Status aborted = options_.cold->AbortIncompleteUpload(u);
    if (!aborted.ok()) {  // say so, but do not refuse the open over leaked parts
      Warn("cannot abort the incomplete upload " + u.upload_id + " of " + ColdUri(u.key) + ": " + aborted.message());
      continue;
    }
    Warn("aborted the incomplete upload " + u.upload_id + " of " + ColdUri(u.key) +
         ", begun by a migration that did not finish");
  }
  return Status::OK();
}

Status TierStore::CleanupOnOpen() {
  // 1. Files retired by a committed change whose deletion did not finish.
  FileQuery retired_q;
  retired_q.state = "retired";
  ASSIGN_OR_RETURN(auto retired, catalog_->ListFiles(retired_q));
  if (!retired.empty()) {
    Warn("removing " + std::to_string(retired.size()) + " retired file(s) left by an interrupted operation");
    RETURN_IF_ERROR(DeleteRetired(retired));
  }
  // 2. Files in the tiers' namespace that the catalog does not know: written but never
  //    committed, or
  //    unknown for a reason we cannot tell (a damaged catalog row).
  FileQuery all_q;
  all_q.state = std::nullopt;
  ASSIGN_OR_RETURN(auto known_files, catalog_->ListFiles(all_q));
  std::set<std::string> known, live;
  for (const FileRecord& f : known_files) {
    known.insert(f.uri);
    if (f.state == "live") live.insert(f.uri);
  }
  ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
  ASSIGN_OR_RETURN(WalState wal, catalog_->GetWalState());
  ASSIGN_OR_RETURN(auto table_lsns, catalog_->GetTableFlushedLsns());
  bool cannot_list_uploads = false;
  for (const TableInfo& t : tables) {
    uint64_t flushed = wal.flushed_lsn;
    if (auto it = table_lsns.find(t.id); it != table_lsns.end()) flushed = std::max(flushed, it->second);
    auto handle = [&](const std::string& uri, Tier tier) -> Status {
      ASSIGN_OR_RETURN(bool proven, ProvenLeftover(uri, tier, t, live, flushed));
      if (!proven) return Quarantine(uri, tier);
      Warn("removing " + uri + ", written by an operation that did not commit (its rows are in " +
           (tier == Tier::kWarm ? "the write-ahead log or live files)" : "live files)"));
      if (tier == Tier::kCold) return options_.cold->Delete(ColdKeyOf(uri));
      const std::string path = JoinPath(options_.root, uri);
      RETURN_IF_ERROR(fs_->RemoveFile(path));
      return fs_->SyncDir(DirName(path));
    };
    ASSIGN_OR_RETURN(auto warm, ListTierFiles({t}, Tier::kWarm));
    for (const std::string& rel : warm) {
      if (known.count(rel)) continue;
      if (IsWarmTempPath(rel)) {  // the Parquet writer's temporary: never renamed into place
        RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(options_.root, rel)));
        continue;
      }
      auto owner = WarmPathTable(rel);
      if (!owner || *owner != t.def.name) continue;  // not a name the tier writes: not ours
      RETURN_IF_ERROR(handle(rel, Tier::kWarm));
    }
    ASSIGN_OR_RETURN(auto cold, ListTierFiles({t}, Tier::kCold));
    for (const std::string& key : cold) {
      if (known.count(ColdUri(key))) continue;
      auto owner = ColdKeyTable(key);
      if (!owner || *owner != t.def.name) continue;
      RETURN_IF_ERROR(handle(ColdUri(key), Tier::kCold));
    }
    RETURN_IF_ERROR(AbortStaleUploads(t, &cannot_list_uploads));
    // A local cold store's temporaries (an interrupted Put) are not objects; remove them by name.
    if (options_.cold->Uri("x").find("://") == std::string::npos) {
      ASSIGN_OR_RETURN(auto cold_files,
                       WalkIfExists(fs_, options_.root, std::string(layout::kColdDirName) + "/" + t.def.name));
      for (const std::string& rel : cold_files) {
        if (IsTemporaryObjectKey(rel)) RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(options_.root, rel)));
      }
    }
  }
  // Cold files staged for upload by an interrupted migration.
  ASSIGN_OR_RETURN(auto staged, WalkIfExists(fs_, options_.root, layout::kTmpDirName));
  for (const std::string& rel : staged) {
    if (IsStagedColdPath(rel)) RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(options_.root, rel)));
  }
  return Status::OK();
}

Result<VerifyReport> TierStore::Verify(const VerifyOptions& options, const std::function<void()>& after_snapshot) {
  VerifyReport report;
  bool want_warm = options.tier.empty() || options.tier == "warm";
  bool want_cold = options.tier.empty() || options.tier == "cold";
  if (!want_warm && !want_cold) {
    return Status::InvalidArgument("verify: unknown tier '" + options.tier + "' (warm, cold)");
  }
  ASSIGN_OR_RETURN(auto tables, catalog_->ListTables());
  std::map<int64_t, const TableInfo*> table_by_id;
  for (const TableInfo& t : tables) table_by_id[t.id] = &t;
  FileQuery all_q;
  all_q.state = std::nullopt;
  ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(all_q));
  std::set<std::string> known;
  for (const FileRecord& f : files) known.insert(f.uri);
  // Storage is listed after the catalog: a file a writer committed in between is in the catalog
  // read again below, a temporary it is writing is skipped (InFlightTemporary).
  std::vector<std::string> unknown;
  if (want_warm) {
    ASSIGN_OR_RETURN(auto warm, ListTierFiles(tables, Tier::kWarm));
    for (std::string& rel : warm) {
      if (known.count(rel) || InFlightTemporary(rel)) continue;
      if (WarmPathTable(rel) || IsWarmTempPath(rel)) unknown.push_back(std::move(rel));
    }
  }
  if (want_cold) {
    ASSIGN_OR_RETURN(auto objects, ListTierFiles(tables, Tier::kCold));
    for (const std::string& key : objects) {
      if (!known.count(ColdUri(key)) && ColdKeyTable(key)) unknown.push_back(ColdUri(key));
    }
  }
  if (!unknown.empty()) {
    ASSIGN_OR_RETURN(auto now, catalog_->ListFiles(all_q));
    std::map<std::string, int64_t> max_seq;  // by directory, over the catalog's files
    for (const FileRecord& f : now) {
      known.insert(f.uri);
      if (auto seq = PartSeq(f.uri)) {
        int64_t& m = max_seq[DirName(f.uri)];
        m = std::max(m, *seq);
      }
    }
    // A running writer renames a part to its final name before it commits it: a part numbered
    // after every part of its directory that the catalog knows may be one it is about to commit.
    // (Without a writer it is a crash's leftover: the next writable open removes it.)
    // A writable store is the only writer (the lock) and its database takes this snapshot between
    // tier operations (under its tier-operation mutex, released by after_snapshot): nothing of its
    // own is in flight.
    const bool writer = catalog_->read_only() && WriterRunning(fs_, options_.root);
    for (const std::string& uri : unknown) {
      if (known.count(uri)) continue;
      if (writer) {
        auto seq = PartSeq(uri);
        auto it = max_seq.find(DirName(uri));
        if (seq && (it == max_seq.end() || *seq > it->second)) continue;
      }
      report.problems.push_back({"orphan", uri, "on storage but not in the catalog"});
    }
  }
  // The snapshot ends here: the catalog's files and storage's unknown files are listed. The
  // checks of the files below run beside tier operations (a writable database releases its
  // tier-operation mutex now); a file retired and deleted meanwhile is sorted out at the end.
  if (after_snapshot) after_snapshot();
  size_t n = 0;
  for (const FileRecord& f : files) {
    if (f.state != "live") continue;
    if ((f.tier == Tier::kWarm && !want_warm) || (f.tier == Tier::kCold && !want_cold)) continue;
    ++n;
    if (options.on_progress) {
      options.on_progress("checking " + f.uri + " (" + std::to_string(n) + ")");
    }
    const TableInfo* table = table_by_id.count(f.table_id) ? table_by_id[f.table_id] : nullptr;
    if (table == nullptr || !IsTierUriOf(f, table->def.name)) {
      // Never read through a path that is not one the tier writes (a damaged row could name any file).
      report.problems.push_back({"corrupt", f.uri,
                                 "the catalog's path is not a " + std::string(TierName(f.tier)) + " file path of " +
                                     (table ? "table " + table->def.name : "a known table")});
      continue;
    }
    Result<std::string> data =
        f.tier == Tier::kWarm ? fs_->ReadFile(JoinPath(options_.root, f.uri)) : options_.cold->Get(ColdKeyOf(f.uri));
    if (!data.ok()) {
      bool missing = data.status().code() == StatusCode::kNotFound;
      if (f.tier == Tier::kWarm) {
        auto exists = fs_->Exists(JoinPath(options_.root, f.uri));
        missing = exists.ok() && !*exists;
      }
      report.problems.push_back({missing ? "missing" : "corrupt", f.uri, data.status().message()});
      continue;
    }
    ++report.files_checked;
    report.bytes_checked += data->size();
    if (data->size() != static_cast<uint64_t>(f.bytes)) {
      report.problems.push_back(
          {"corrupt", f.uri,
           "size " + std::to_string(data->size()) + " bytes, catalog says " + std::to_string(f.bytes)});
      continue;
    }
    if (Sha256Hex(*data) != f.sha256) {
      report.problems.push_back({"corrupt", f.uri, "SHA-256 differs from the catalog's " + f.sha256});
      continue;
    }
    Status st = [&]() -> Status {
      ASSIGN_OR_RETURN(auto reader,
                       parquet::ParquetReader::Open(parquet::MakeStringRangeSource(std::move(*data), f.uri)));
      if (reader->num_rows() != f.row_count) {
        return Status::Corruption("has " + std::to_string(reader->num_rows()) + " rows, catalog says " +
                                  std::to_string(f.row_count));
      }
      for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
        ASSIGN_OR_RETURN(RecordBatch b, reader->ReadRowGroup(rg, {}));
        // A file written before columns were added: a prefix of them (doc/schema_evolution.md).
        if (!IsEarlierSchema(b.fields(), table->def.schema.fields())) {
          return Status::Corruption("its columns (" + FieldsToString(b.fields()) + ") are not those of table " +
                                    table->def.name + " (" + table->def.schema.ToString() + ")");
        }
      }
      return Status::OK();
    }();
    if (!st.ok()) {
      report.problems.push_back({"corrupt", f.uri, st.message()});
      continue;
    }
    report.rows_checked += static_cast<uint64_t>(f.row_count);
    report.verified_file_ids.push_back(f.id);
    // A read-only catalog cannot take these; the database records them through a handle of its own.
    if (options.record_verified_at && !catalog_->read_only()) {
      report.verified_at_recorded = catalog_->MarkVerified(f.id, WallClockNs()).ok();
    }
  }
  // A live file found missing may have been retired and deleted by a writer since the catalog was
  // read (a compaction or migration beside this verify): only what is still live is missing.
  if (std::any_of(report.problems.begin(), report.problems.end(),
                  [](const VerifyProblem& p) { return p.kind == "missing"; })) {
    ASSIGN_OR_RETURN(auto live, catalog_->ListFiles(FileQuery{}));
    std::set<std::string> live_uris;
    for (const FileRecord& f : live) live_uris.insert(f.uri);
    std::erase_if(report.problems,
                  [&](const VerifyProblem& p) { return p.kind == "missing" && !live_uris.count(p.uri); });
  }
  return report;
}

}  // namespace strata::tier
