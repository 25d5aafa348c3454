// TierStore's crash cleanup and verification: what is on storage against what the catalog says.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <map>
#include <set>

#include "tier/lake.h"
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
bool InFlightTemporary(std::string_view rel) {
  const size_t at = rel.rfind(".tmp-");
  if (at == std::string_view::npos || at + 5 == rel.size()) return false;
  long long pid = 0;
  for (char c : rel.substr(at + 5)) {
    if (c < '0' || c > '9' || pid > (1ll << 40)) return false;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// True when the writer named in the database's lock file (db/layout.h LockPath: "process <pid>
// ...") is running: a writer holds the database now, perhaps this very process.
bool WriterRunning(FileSystem* fs, const std::string& root) {
  auto note = fs->ReadFile(JoinPath(root, "LOCK"));
  constexpr std::string_view kPrefix = "process ";
  if (!note.ok() || note->rfind(kPrefix, 0) != 0) return false;
  long long pid = 0;
  for (size_t i = kPrefix.size(); i < note->size() && (*note)[i] >= '0' && (*note)[i] <= '9'; ++i) {
    if (pid > (1ll << 40)) return false;
    pid = pid * 10 + ((*note)[i] - '0');
  }
  if (pid <= 0 || pid > std::numeric_limits<pid_t>::max()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace

Result<std::vector<std::string>> TierStore::ListWarmFiles() { return WalkIfExists(fs_, options_.root, kWarmDirName); }

Status TierStore::CleanupOnOpen() {
  // 1. Files retired by a committed change whose deletion did not finish.
  FileQuery retired_q;
  retired_q.state = "retired";
  ASSIGN_OR_RETURN(auto retired, catalog_->ListFiles(retired_q));
  if (!retired.empty()) {
    Warn("removing " + std::to_string(retired.size()) + " retired file(s) left by an interrupted operation");
    RETURN_IF_ERROR(DeleteRetired(retired));
  }
  // 2. Files on storage that the catalog does not know: written but never committed, or removed
  //    from the catalog by retention before their storage was deleted.
  FileQuery all_q;
  all_q.state = std::nullopt;
  ASSIGN_OR_RETURN(auto known_files, catalog_->ListFiles(all_q));
  std::set<std::string> known;
  for (const FileRecord& f : known_files) known.insert(f.uri);
  ASSIGN_OR_RETURN(auto warm, ListWarmFiles());
  for (const std::string& rel : warm) {
    if (known.count(rel)) continue;
    Warn("removing orphan " + rel);
    const std::string path = JoinPath(options_.root, rel);
    RETURN_IF_ERROR(fs_->RemoveFile(path));
    RETURN_IF_ERROR(fs_->SyncDir(DirName(path)));
  }
  ASSIGN_OR_RETURN(auto staged, WalkIfExists(fs_, options_.root, kTmpDirName));
  for (const std::string& rel : staged) RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(options_.root, rel)));
  ASSIGN_OR_RETURN(auto objects, options_.cold->List(""));
  for (const ObjectInfo& o : objects) {
    if (known.count(ColdUri(o.key))) continue;
    Warn("removing orphan " + ColdUri(o.key));
    RETURN_IF_ERROR(options_.cold->Delete(o.key));
  }
  // A local cold store's temporaries (an interrupted Put) are not objects; remove them by name.
  if (options_.cold->Uri("x").find("://") == std::string::npos) {
    ASSIGN_OR_RETURN(auto cold_files, WalkIfExists(fs_, options_.root, kColdDirName));
    for (const std::string& rel : cold_files) {
      if (IsTemporaryObjectKey(rel)) RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(options_.root, rel)));
    }
  }
  return Status::OK();
}

Result<VerifyReport> TierStore::Verify(const VerifyOptions& options) {
  VerifyReport report;
  bool want_warm = options.tier.empty() || options.tier == "warm";
  bool want_cold = options.tier.empty() || options.tier == "cold";
  if (!want_warm && !want_cold) {
    return Status::InvalidArgument("verify: unknown tier '" + options.tier + "' (warm, cold)");
  }
  FileQuery all_q;
  all_q.state = std::nullopt;
  ASSIGN_OR_RETURN(auto files, catalog_->ListFiles(all_q));
  std::set<std::string> known;
  for (const FileRecord& f : files) known.insert(f.uri);
  size_t n = 0;
  for (const FileRecord& f : files) {
    if (f.state != "live") continue;
    if ((f.tier == Tier::kWarm && !want_warm) || (f.tier == Tier::kCold && !want_cold)) continue;
    ++n;
    if (options.on_progress) {
      options.on_progress("checking " + f.uri + " (" + std::to_string(n) + ")");
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
      for (int rg = 0; rg < reader->num_row_groups(); ++rg) RETURN_IF_ERROR(reader->ReadRowGroup(rg, {}).status());
      return Status::OK();
    }();
    if (!st.ok()) {
      report.problems.push_back({"corrupt", f.uri, st.message()});
      continue;
    }
    report.rows_checked += static_cast<uint64_t>(f.row_count);
    if (!catalog_->read_only()) catalog_->MarkVerified(f.id, 0).IgnoreError();
  }
  // Storage is listed after the catalog: a file a writer committed in between is in the catalog
  // read again below, a temporary it is writing is skipped (InFlightTemporary).
  std::vector<std::string> unknown;
  if (want_warm) {
    ASSIGN_OR_RETURN(auto warm, ListWarmFiles());
    for (std::string& rel : warm) {
      if (!known.count(rel) && !InFlightTemporary(rel)) unknown.push_back(std::move(rel));
    }
  }
  if (want_cold) {
    ASSIGN_OR_RETURN(auto objects, options_.cold->List(""));
    for (const ObjectInfo& o : objects) {
      if (!known.count(ColdUri(o.key))) unknown.push_back(ColdUri(o.key));
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
    const bool writer = WriterRunning(fs_, options_.root);
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
