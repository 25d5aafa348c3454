// FaultInjectionFileSystem: injection in Inject(), durability in two maps per directory (entries
// now / entries as of the last SyncDir) and two strings per file (bytes now / bytes as of the last
// Sync). Power loss rewrites the disk from the durable side. Files and directories are identified by
// node ids rather than paths, because that is what POSIX syncs: a handle keeps writing the same file
// after a rename, and a directory removed and recreated under the same name is a different one.
#include "io/fault_injection_fs.h"

#include <algorithm>
#include <utility>

namespace strata {
namespace {

// "a//b/./c/" -> "a/b/c", "/x/" -> "/x", "" and "./" -> ".".
std::string Normalize(std::string_view path) {
  std::string out = !path.empty() && path[0] == '/' ? "/" : "";
  size_t i = 0;
  while (i < path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(i, end - i);
    if (!part.empty() && part != ".") {
      if (!out.empty() && out.back() != '/') out += '/';
      out += part;
    }
    i = end + 1;
  }
  return out.empty() ? "." : out;
}

std::string Child(const std::string& dir, const std::string& name) { return dir == "." ? name : JoinPath(dir, name); }

// `st` is the base's answer to an op we expected to fail (its directory cannot be listed, or the
// path names the wrong kind of entry); the base's error names the caller's path, so it is the one to
// report. Success would mean a change we cannot track.
Status ExpectFailure(Status st, const std::string& what) {
  if (!st.ok()) return st;
  return Status::Internal(what + ": succeeded on a path FaultInjectionFileSystem cannot track");
}

Status WriteWhole(FileSystem* fs, const std::string& path, const std::string& data) {
  ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(path, OpenMode::kTruncate));
  RETURN_IF_ERROR(file->Append(data));
  return file->Close();
}

Status Stale(const std::string& what) {
  return Status::Aborted(what + ": the file was opened before a simulated power loss");
}

}  // namespace

std::string_view FsOpName(FsOp op) {
  switch (op) {
    case FsOp::kWrite: return "write";
    case FsOp::kSync: return "sync";
    case FsOp::kRename: return "rename";
    case FsOp::kCreate: return "create";
    case FsOp::kRemove: return "remove";
    case FsOp::kSyncDir: return "sync_dir";
    case FsOp::kTruncate: return "truncate";
    case FsOp::kCreateDir: return "create_dir";
  }
  return "unknown_op";
}

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionFileSystem* fs, std::unique_ptr<WritableFile> base, int inode, uint64_t epoch,
                    std::string normalized_path)
      : fs_(fs), base_(std::move(base)), inode_(inode), epoch_(epoch), normalized_path_(std::move(normalized_path)) {}

  Status Append(std::string_view data) override {
    return fs_->FileAppend(inode_, epoch_, normalized_path_, data, base_.get());
  }
  Status Sync() override { return fs_->FileSync(inode_, epoch_, normalized_path_, base_.get()); }
  Status Close() override { return fs_->FileClose(epoch_, normalized_path_, base_.get()); }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionFileSystem* const fs_;
  const std::unique_ptr<WritableFile> base_;
  const int inode_;
  const uint64_t epoch_;
  const std::string normalized_path_;
};

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* base) : base_(base) {}
FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

void FaultInjectionFileSystem::FailNth(FsOp op, int n, Status error) {
  if (n < 1) return;
  std::lock_guard lock(mu_);
  faults_.push_back({op, n, std::move(error), std::nullopt});
}

void FaultInjectionFileSystem::FailPathsContaining(FsOp op, std::string fragment, Status error) {
  std::lock_guard lock(mu_);
  if (fragment.empty()) {
    std::erase_if(path_faults_, [&](const PathFault& f) { return f.op == op; });
    return;
  }
  path_faults_.push_back({op, std::move(fragment), std::move(error)});
}

void FaultInjectionFileSystem::ShortWriteNth(int n, size_t bytes, Status error) {
  if (n < 1) return;
  std::lock_guard lock(mu_);
  faults_.push_back({FsOp::kWrite, n, std::move(error), bytes});
}

void FaultInjectionFileSystem::SetSpaceLimit(uint64_t bytes) {
  std::lock_guard lock(mu_);
  space_limit_ = bytes;
}

uint64_t FaultInjectionFileSystem::bytes_written() const {
  std::lock_guard lock(mu_);
  return bytes_written_;
}

void FaultInjectionFileSystem::CrashAtOp(int n) {
  std::lock_guard lock(mu_);
  crash_countdown_ = std::max(n, 0);
}

bool FaultInjectionFileSystem::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

int FaultInjectionFileSystem::mutating_ops() const {
  std::lock_guard lock(mu_);
  return ops_;
}

int FaultInjectionFileSystem::ops(FsOp op) const {
  std::lock_guard lock(mu_);
  return ops_by_kind_[static_cast<size_t>(op)];
}

void FaultInjectionFileSystem::ResetCounters() {
  std::lock_guard lock(mu_);
  ops_ = 0;
  ops_by_kind_.fill(0);
}

Status FaultInjectionFileSystem::Refused(std::string_view what) const {
  return Status::Aborted(crash_message_ + "; " + std::string(what) + " refused after the crash");
}

Status FaultInjectionFileSystem::Inject(FsOp op, const std::string& what, std::optional<Fault>* short_write) {
  ++ops_;
  ++ops_by_kind_[static_cast<size_t>(op)];
  if (crashed_) return Refused(what);
  if (crash_countdown_ > 0 && --crash_countdown_ == 0) {
    crashed_ = true;
    crash_message_ = "crashed at " + what;
    return Status::Aborted(crash_message_);
  }
  Status failure;
  for (auto it = faults_.begin(); it != faults_.end();) {
    if (it->op != op || --it->countdown > 0) {
      ++it;
      continue;
    }
    if (it->short_write_bytes) {
      if (short_write != nullptr) *short_write = std::move(*it);
    } else if (failure.ok()) {
      failure = it->error.ok() ? Status::IOError(what + ": injected I/O error") : std::move(it->error);
    }
    it = faults_.erase(it);
  }
  for (const PathFault& f : path_faults_) {
    if (failure.ok() && f.op == op && what.find(f.fragment) != std::string::npos) {
      failure = f.error.ok() ? Status::IOError(what + ": injected I/O error") : f.error;
    }
  }
  return failure;
}

Result<int> FaultInjectionFileSystem::TrackDir(const std::string& dir) {
  if (auto it = dir_at_.find(dir); it != dir_at_.end()) return it->second;
  ASSIGN_OR_RETURN(std::vector<std::string> names, base_->ListDir(dir));
  const int id = static_cast<int>(dirs_.size());
  DirNode& node = dirs_.emplace_back();
  for (const std::string& name : names) {
    Entry e;  // kOriginal
    if (auto child = dir_at_.find(Child(dir, name)); child != dir_at_.end()) e = {Entry::kDir, child->second};
    node.live[name] = e;
  }
  node.durable = node.live;
  dir_at_[dir] = id;
  // A tracked parent must restore us through our node from now on: it listed us as kOriginal, or,
  // if something else made us after it listed, not at all (then we count as durable, as found).
  const std::string parent = DirName(dir);
  if (auto p = dir_at_.find(parent); parent != dir && p != dir_at_.end()) {
    DirNode& pn = dirs_[p->second];
    const std::string name = BaseName(dir);
    auto live = pn.live.find(name);
    if (live == pn.live.end()) {
      pn.live[name] = {Entry::kDir, id};
      pn.durable.try_emplace(name, Entry{Entry::kDir, id});
    } else if (live->second.kind == Entry::kOriginal) {
      live->second = {Entry::kDir, id};
      if (auto d = pn.durable.find(name); d != pn.durable.end() && d->second.kind == Entry::kOriginal) {
        d->second = {Entry::kDir, id};
      }
    }
  }
  return id;
}

Result<std::optional<FaultInjectionFileSystem::Entry>> FaultInjectionFileSystem::Resolve(int dir_id,
                                                                                         const std::string& dir,
                                                                                         const std::string& name) {
  using MaybeEntry = std::optional<Entry>;
  auto it = dirs_[dir_id].live.find(name);
  const bool listed = it != dirs_[dir_id].live.end();
  if (listed && it->second.kind != Entry::kOriginal) return MaybeEntry(it->second);
  const std::string path = Child(dir, name);
  if (!listed) {
    // Not there when we listed the directory: absent, or made since by something else.
    ASSIGN_OR_RETURN(bool exists, base_->Exists(path));
    if (!exists) return MaybeEntry();
  }
  Entry e;
  if (auto sub = TrackDir(path); sub.ok()) {
    e = {Entry::kDir, *sub};
  } else {
    ASSIGN_OR_RETURN(std::string contents, base_->ReadFile(path));
    e = {Entry::kFile, static_cast<int>(inodes_.size())};
    inodes_.push_back({contents, contents});
  }
  DirNode& node = dirs_[dir_id];
  node.live[name] = e;
  auto d = node.durable.find(name);
  if (d == node.durable.end() ? !listed : d->second.kind == Entry::kOriginal) node.durable[name] = e;
  return MaybeEntry(e);
}

void FaultInjectionFileSystem::ForgetDirsUnder(const std::string& path) {
  std::erase_if(dir_at_, [&](const auto& kv) {
    const std::string& p = kv.first;
    return p == path || (p.size() > path.size() && p.compare(0, path.size(), path) == 0 && p[path.size()] == '/');
  });
}

// ---- WritableFile operations ----

Status FaultInjectionFileSystem::FileAppend(int inode, uint64_t epoch, const std::string& path, std::string_view data,
                                            WritableFile* base) {
  std::lock_guard lock(mu_);
  const std::string what = "write " + base->path();
  if (epoch != epoch_) return Stale(what);
  std::optional<Fault> short_write;
  RETURN_IF_ERROR(Inject(FsOp::kWrite, what, &short_write));
  size_t n = data.size();
  Status injected;
  if (short_write) {
    n = std::min(*short_write->short_write_bytes, n);
    injected = short_write->error.ok() ? Status::IOError(what + ": injected short write (" + std::to_string(n) +
                                                         " of " + std::to_string(data.size()) + " bytes written)")
                                       : short_write->error;
  }
  if (n > space_limit_ - std::min(space_limit_, bytes_written_)) {
    n = static_cast<size_t>(space_limit_ - std::min(space_limit_, bytes_written_));
    injected = Status::NoSpace(what + ": No space left on device (injected: space limit of " +
                               std::to_string(space_limit_) + " bytes reached)");
  }
  if (n == 0) return injected;
  Status st = base->Append(data.substr(0, n));
  if (!st.ok()) {
    // Some unknown prefix may have landed: re-read what the file holds now, if we can still find it.
    if (auto d = dir_at_.find(DirName(path)); d != dir_at_.end()) {
      auto e = dirs_[d->second].live.find(BaseName(path));
      if (e != dirs_[d->second].live.end() && e->second == Entry{Entry::kFile, inode}) {
        if (auto now = base_->ReadFile(path); now.ok()) inodes_[inode].live = std::move(*now);
      }
    }
    return st;
  }
  bytes_written_ += n;
  inodes_[inode].live.append(data.data(), n);
  return injected;
}

Status FaultInjectionFileSystem::FileSync(int inode, uint64_t epoch, const std::string& /*path*/, WritableFile* base) {
  std::lock_guard lock(mu_);
  const std::string what = "sync " + base->path();
  if (epoch != epoch_) return Stale(what);
  Inode& node = inodes_[inode];
  Status st = Inject(FsOp::kSync, what);
  if (st.ok()) st = base->Sync();
  if (!st.ok()) {
    // A crash changes nothing (power loss drops the unsynced bytes anyway); a failed writeback
    // loses them even if a later Sync succeeds.
    if (!crashed_ && node.live.size() > node.durable.size())
      node.lost.emplace_back(node.durable.size(), node.live.size());
    return st;
  }
  node.durable = node.live;
  for (const auto& [first, end] : node.lost) {
    for (size_t i = first; i < end && i < node.durable.size(); ++i) node.durable[i] = '\0';
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::FileClose(uint64_t epoch, const std::string& /*path*/, WritableFile* base) {
  std::lock_guard lock(mu_);
  Status st = base->Close();  // always: the descriptor must not leak, crash or not
  if (epoch != epoch_) return Stale("close " + base->path());
  if (crashed_) return Refused("close " + base->path());
  return st;
}

// ---- FileSystem operations ----

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewWritableFile(const std::string& path,
                                                                                OpenMode mode) {
  std::lock_guard lock(mu_);
  const std::string what = "create " + path;
  RETURN_IF_ERROR(Inject(FsOp::kCreate, what));
  const std::string p = Normalize(path);
  const std::string dir = DirName(p), name = BaseName(p);
  auto dir_id = TrackDir(dir);
  if (!dir_id.ok()) return ExpectFailure(base_->NewWritableFile(path, mode).status(), what);
  ASSIGN_OR_RETURN(std::optional<Entry> entry, Resolve(*dir_id, dir, name));
  if (entry && entry->kind == Entry::kDir) return ExpectFailure(base_->NewWritableFile(path, mode).status(), what);
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewWritableFile(path, mode));
  int inode;
  if (entry) {
    inode = entry->id;
    if (mode == OpenMode::kTruncate) inodes_[inode].live.clear();
  } else {
    inode = static_cast<int>(inodes_.size());
    inodes_.emplace_back();
    dirs_[*dir_id].live[name] = {Entry::kFile, inode};
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, std::move(file), inode, epoch_, p));
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectionFileSystem::NewRandomAccessFile(const std::string& path) {
  std::lock_guard lock(mu_);
  if (crashed_) return Refused("open " + path);
  return base_->NewRandomAccessFile(path);
}

Result<std::unique_ptr<MappedFile>> FaultInjectionFileSystem::MapFile(const std::string& path) {
  std::lock_guard lock(mu_);
  if (crashed_) return Refused("map " + path);
  return base_->MapFile(path);
}

Result<bool> FaultInjectionFileSystem::Exists(const std::string& path) {
  std::lock_guard lock(mu_);
  if (crashed_) return Refused("stat " + path);
  return base_->Exists(path);
}

Result<uint64_t> FaultInjectionFileSystem::FileSize(const std::string& path) {
  std::lock_guard lock(mu_);
  if (crashed_) return Refused("stat " + path);
  return base_->FileSize(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (crashed_) return Refused("list directory " + dir);
  return base_->ListDir(dir);
}

Result<std::unique_ptr<FileLock>> FaultInjectionFileSystem::TryLock(const std::string& path,
                                                                    std::string_view owner_note) {
  std::lock_guard lock(mu_);
  if (crashed_) return Refused("lock " + path);
  return base_->TryLock(path, owner_note);
}

Status FaultInjectionFileSystem::CreateDirs(const std::string& dir) {
  std::lock_guard lock(mu_);
  const std::string what = "create_dir " + dir;
  RETURN_IF_ERROR(Inject(FsOp::kCreateDir, what));
  // The missing directories, deepest first, up to the first one that exists.
  std::vector<std::string> missing;
  for (std::string q = Normalize(dir); !dir_at_.count(q);) {
    ASSIGN_OR_RETURN(bool exists, base_->Exists(q));
    if (exists) break;
    missing.push_back(q);
    const std::string parent = DirName(q);
    if (parent == q) break;
    q = parent;
  }
  // Nothing missing: done, or a file is in the way, which the base reports.
  if (missing.empty()) return base_->CreateDirs(dir);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    auto parent_id = TrackDir(DirName(*it));
    if (!parent_id.ok()) return ExpectFailure(base_->CreateDirs(dir), what);
    RETURN_IF_ERROR(base_->CreateDirs(*it));  // one level: its parent exists
    const int id = static_cast<int>(dirs_.size());
    dirs_.emplace_back();  // new and empty, now and durably
    dir_at_[*it] = id;
    dirs_[*parent_id].live[BaseName(*it)] = {Entry::kDir, id};
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard lock(mu_);
  const std::string what = "remove " + path;
  RETURN_IF_ERROR(Inject(FsOp::kRemove, what));
  const std::string p = Normalize(path);
  const std::string dir = DirName(p), name = BaseName(p);
  auto dir_id = TrackDir(dir);
  if (!dir_id.ok()) return ExpectFailure(base_->RemoveFile(path), what);
  ASSIGN_OR_RETURN(std::optional<Entry> entry, Resolve(*dir_id, dir, name));
  if (!entry) return ExpectFailure(base_->RemoveFile(path), what);
  RETURN_IF_ERROR(base_->RemoveFile(path));
  dirs_[*dir_id].live.erase(name);
  // Unlinking what looked like a directory means it was a symlink to one: forget what we saw through it.
  if (entry->kind == Entry::kDir) ForgetDirsUnder(p);
  return Status::OK();
}

Status FaultInjectionFileSystem::RemoveDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  const std::string what = "remove " + dir;
  RETURN_IF_ERROR(Inject(FsOp::kRemove, what));
  const std::string p = Normalize(dir);
  const std::string parent = DirName(p), name = BaseName(p);
  auto parent_id = TrackDir(parent);
  if (!parent_id.ok()) return ExpectFailure(base_->RemoveDir(dir), what);
  ASSIGN_OR_RETURN(std::optional<Entry> entry, Resolve(*parent_id, parent, name));
  if (!entry || entry->kind != Entry::kDir) return ExpectFailure(base_->RemoveDir(dir), what);
  RETURN_IF_ERROR(base_->RemoveDir(dir));
  dirs_[*parent_id].live.erase(name);
  dirs_[entry->id].live.clear();  // rmdir succeeded, so it was empty
  ForgetDirsUnder(p);
  return Status::OK();
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  const std::string what = "rename " + from + " -> " + to;
  RETURN_IF_ERROR(Inject(FsOp::kRename, what));
  const std::string fp = Normalize(from), tp = Normalize(to);
  const std::string from_dir = DirName(fp), from_name = BaseName(fp);
  const std::string to_dir = DirName(tp), to_name = BaseName(tp);
  auto from_id = TrackDir(from_dir);
  if (!from_id.ok()) return ExpectFailure(base_->Rename(from, to), what);
  auto to_id = TrackDir(to_dir);
  if (!to_id.ok()) return ExpectFailure(base_->Rename(from, to), what);
  ASSIGN_OR_RETURN(std::optional<Entry> source, Resolve(*from_id, from_dir, from_name));
  if (!source) return ExpectFailure(base_->Rename(from, to), what);
  if (source->kind == Entry::kDir) {
    return Status::Unsupported(what + ": FaultInjectionFileSystem does not model renaming a directory");
  }
  // Load the file being replaced: power loss may bring it back.
  ASSIGN_OR_RETURN(std::optional<Entry> target, Resolve(*to_id, to_dir, to_name));
  if (target && target->kind == Entry::kDir) return ExpectFailure(base_->Rename(from, to), what);
  RETURN_IF_ERROR(base_->Rename(from, to));
  if (fp == tp) return Status::OK();
  dirs_[*from_id].live.erase(from_name);
  dirs_[*to_id].live[to_name] = *source;
  return Status::OK();
}

Status FaultInjectionFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  const std::string what = "truncate " + path;
  RETURN_IF_ERROR(Inject(FsOp::kTruncate, what));
  const std::string p = Normalize(path);
  const std::string dir = DirName(p), name = BaseName(p);
  auto dir_id = TrackDir(dir);
  if (!dir_id.ok()) return ExpectFailure(base_->Truncate(path, size), what);
  ASSIGN_OR_RETURN(std::optional<Entry> entry, Resolve(*dir_id, dir, name));
  if (!entry || entry->kind != Entry::kFile) return ExpectFailure(base_->Truncate(path, size), what);
  RETURN_IF_ERROR(base_->Truncate(path, size));
  Inode& node = inodes_[entry->id];
  node.live.resize(size, '\0');
  // Bytes written again past the new end are new dirty pages: a later Sync writes them.
  std::erase_if(node.lost, [&](const auto& r) { return r.first >= size; });
  for (auto& r : node.lost) r.second = std::min<size_t>(r.second, size);
  return Status::OK();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(Inject(FsOp::kSyncDir, "sync_dir " + dir));
  RETURN_IF_ERROR(base_->SyncDir(dir));
  // An untracked directory has had no entry changed through us: nothing to record.
  if (auto it = dir_at_.find(Normalize(dir)); it != dir_at_.end()) {
    DirNode& node = dirs_[it->second];
    node.durable = node.live;
  }
  return Status::OK();
}

// ---- Power loss ----

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard lock(mu_);
  // Start from the tracked directories whose parent is untracked (so existed before us, durably);
  // the others are reached through their parent's entries.
  for (const auto& [path, id] : dir_at_) {
    const std::string parent = DirName(path);
    if (parent != path && dir_at_.count(parent)) continue;
    RETURN_IF_ERROR(RestoreDir(path, id, /*recreated=*/false));
  }
  inodes_.clear();
  dirs_.clear();
  dir_at_.clear();
  faults_.clear();
  crash_countdown_ = 0;
  crashed_ = false;
  crash_message_.clear();
  ++epoch_;
  return Status::OK();
}

// Makes directory `path` (node `dir_id`) hold its durable entries with their durable contents.
// `recreated`: the directory was just created empty, whatever node.live says.
Status FaultInjectionFileSystem::RestoreDir(const std::string& path, int dir_id, bool recreated) {
  const DirNode& node = dirs_[dir_id];
  if (!recreated) {
    // What exists now but not durably goes: a directory with everything in it.
    for (const auto& [name, e] : node.live) {
      auto d = node.durable.find(name);
      if ((d != node.durable.end() && d->second == e) || e.kind == Entry::kOriginal) continue;
      const std::string child = Child(path, name);
      Status st = e.kind == Entry::kDir ? base_->RemoveAll(child) : base_->RemoveFile(child);
      if (!st.ok() && !st.IsNotFound()) return st.WithContext("simulating power loss");
    }
  }
  // What is durable comes back, with its durable contents.
  for (const auto& [name, e] : node.durable) {
    const std::string child = Child(path, name);
    auto l = node.live.find(name);
    const bool same = !recreated && l != node.live.end() && l->second == e;
    if (e.kind == Entry::kFile) {
      const Inode& file = inodes_[e.id];
      if (same && file.live == file.durable) continue;
      RETURN_IF_ERROR(WriteWhole(base_, child, file.durable).WithContext("simulating power loss"));
    } else if (e.kind == Entry::kDir) {
      if (!same) RETURN_IF_ERROR(base_->CreateDirs(child).WithContext("simulating power loss"));
      RETURN_IF_ERROR(RestoreDir(child, e.id, !same));
    }
    // kOriginal: untouched since we listed it.
  }
  return Status::OK();
}

}  // namespace strata
