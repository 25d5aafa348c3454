#include "io/fault_injection_fs.h"

#include <algorithm>

namespace strata {

std::string_view FsOpName(FsOp op) {
  switch (op) {
    case FsOp::kWrite: return "write";
    case FsOp::kSync: return "sync";
    case FsOp::kRename: return "rename";
    case FsOp::kCreate: return "create";
    case FsOp::kRemove: return "remove";
    case FsOp::kSyncDir: return "syncdir";
    case FsOp::kTruncate: return "truncate";
    case FsOp::kCreateDir: return "mkdir";
  }
  return "?";
}

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionFileSystem* fs, std::unique_ptr<WritableFile> base)
      : fs_(fs), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    RETURN_IF_ERROR(fs_->Check(FsOp::kWrite, path()));
    size_t allowed = data.size();
    Status injected = fs_->OnWrite(path(), data, &allowed);
    if (allowed > 0) RETURN_IF_ERROR(base_->Append(data.substr(0, allowed)));
    return injected;
  }
  Status Sync() override {
    RETURN_IF_ERROR(fs_->Check(FsOp::kSync, path()));
    RETURN_IF_ERROR(base_->Sync());
    fs_->OnSynced(path());
    return Status::OK();
  }
  Status Close() override { return base_->Close(); }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  FaultInjectionFileSystem* fs_;
  std::unique_ptr<WritableFile> base_;
};

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* base) : base_(base) {}

void FaultInjectionFileSystem::FailNth(FsOp op, int n, Status error) {
  std::lock_guard lock(mu_);
  planned_.push_back({op, counts_[op] + n, std::move(error)});
}

void FaultInjectionFileSystem::ShortWriteNth(int n, size_t bytes, Status error) {
  std::lock_guard lock(mu_);
  short_write_at_ = counts_[FsOp::kWrite] + n;
  short_write_bytes_ = bytes;
  short_write_error_ = std::move(error);
}

void FaultInjectionFileSystem::SetSpaceLimit(uint64_t bytes) {
  std::lock_guard lock(mu_);
  space_limit_ = bytes;
}

void FaultInjectionFileSystem::CrashAtOp(int n) {
  std::lock_guard lock(mu_);
  crash_at_ = ops_ + n;
}

bool FaultInjectionFileSystem::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

int FaultInjectionFileSystem::mutating_ops() const {
  std::lock_guard lock(mu_);
  return ops_;
}

void FaultInjectionFileSystem::ResetCounters() {
  std::lock_guard lock(mu_);
  ops_ = 0;
  counts_.clear();
  planned_.clear();
  crash_at_ = 0;
  short_write_at_ = 0;
}

Status FaultInjectionFileSystem::CheckAlive() const {
  std::lock_guard lock(mu_);
  if (crashed_) return Status::Aborted("crashed at " + crash_what_);
  return Status::OK();
}

Status FaultInjectionFileSystem::Check(FsOp op, const std::string& path) {
  std::lock_guard lock(mu_);
  if (crashed_) return Status::Aborted("crashed at " + crash_what_);
  ++ops_;
  int n = ++counts_[op];
  std::string what = std::string(FsOpName(op)) + " " + path;
  if (crash_at_ != 0 && ops_ >= crash_at_) {
    crashed_ = true;
    crash_what_ = what + " (op " + std::to_string(ops_) + ")";
    return Status::Aborted("crashed at " + crash_what_);
  }
  for (auto it = planned_.begin(); it != planned_.end(); ++it) {
    if (it->op == op && it->at == n) {
      Status error = it->error.ok() ? Status::IOError("injected fault: " + what) : it->error;
      planned_.erase(it);
      return error;
    }
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::OnWrite(const std::string& path, std::string_view data, size_t* allowed) {
  std::lock_guard lock(mu_);
  Status result;
  if (short_write_at_ != 0 && counts_[FsOp::kWrite] == short_write_at_) {
    short_write_at_ = 0;
    *allowed = std::min(short_write_bytes_, data.size());
    result = short_write_error_.ok() ? Status::IOError("injected short write: " + path) : short_write_error_;
  }
  if (bytes_written_ + *allowed > space_limit_) {
    *allowed = static_cast<size_t>(space_limit_ - std::min(space_limit_, bytes_written_));
    result = Status::NoSpace("write " + path + ": No space left on device (injected)");
  }
  bytes_written_ += *allowed;
  files_.try_emplace(path);  // a file opened before we tracked it: durable = its synced prefix
  return result;
}

void FaultInjectionFileSystem::OnSynced(const std::string& path) {
  auto size = base_->FileSize(path);
  std::lock_guard lock(mu_);
  Durable& d = files_[path];
  d.saved = false;
  d.contents.clear();
  if (size.ok()) d.synced_size = *size;
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::NewWritableFile(const std::string& path,
                                                                                OpenMode mode) {
  ASSIGN_OR_RETURN(bool existed, base_->Exists(path));
  RETURN_IF_ERROR(Check(FsOp::kCreate, path));
  std::optional<std::string> old;
  if (existed && mode == OpenMode::kTruncate) {
    ASSIGN_OR_RETURN(std::string contents, base_->ReadFile(path));
    old = std::move(contents);
  }
  uint64_t existing_size = 0;
  if (existed && mode == OpenMode::kAppend) {
    ASSIGN_OR_RETURN(existing_size, base_->FileSize(path));
  }
  ASSIGN_OR_RETURN(auto file, base_->NewWritableFile(path, mode));
  std::lock_guard lock(mu_);
  if (!existed) {
    dir_ops_.push_back({DirOp::kCreated, path, "", std::nullopt, std::nullopt});
    files_[path] = Durable{};
  } else if (!files_.count(path)) {
    Durable d;
    if (old) {
      d.saved = true;
      d.contents = std::move(*old);
    } else {
      d.synced_size = existing_size;  // we assume bytes present before we started are durable
    }
    files_[path] = std::move(d);
  } else if (old) {
    Durable& d = files_[path];
    if (!d.saved) {
      d.saved = true;
      d.contents = old->substr(0, d.synced_size);
    }
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, std::move(file)));
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectionFileSystem::NewRandomAccessFile(const std::string& path) {
  RETURN_IF_ERROR(CheckAlive());
  return base_->NewRandomAccessFile(path);
}

Result<std::unique_ptr<MappedFile>> FaultInjectionFileSystem::MapFile(const std::string& path) {
  RETURN_IF_ERROR(CheckAlive());
  return base_->MapFile(path);
}

Result<bool> FaultInjectionFileSystem::Exists(const std::string& path) {
  RETURN_IF_ERROR(CheckAlive());
  return base_->Exists(path);
}

Result<uint64_t> FaultInjectionFileSystem::FileSize(const std::string& path) {
  RETURN_IF_ERROR(CheckAlive());
  return base_->FileSize(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::ListDir(const std::string& dir) {
  RETURN_IF_ERROR(CheckAlive());
  return base_->ListDir(dir);
}

Status FaultInjectionFileSystem::CreateDirs(const std::string& dir) {
  RETURN_IF_ERROR(Check(FsOp::kCreateDir, dir));
  return base_->CreateDirs(dir);
}

Status FaultInjectionFileSystem::RemoveFile(const std::string& path) {
  RETURN_IF_ERROR(Check(FsOp::kRemove, path));
  ASSIGN_OR_RETURN(std::string contents, base_->ReadFile(path));
  RETURN_IF_ERROR(base_->RemoveFile(path));
  std::lock_guard lock(mu_);
  DirOp op{DirOp::kRemoved, path, "", std::move(contents), std::nullopt};
  if (auto it = files_.find(path); it != files_.end()) {
    op.durable = it->second;
    files_.erase(it);
  }
  dir_ops_.push_back(std::move(op));
  return Status::OK();
}

Status FaultInjectionFileSystem::RemoveDir(const std::string& dir) {
  RETURN_IF_ERROR(Check(FsOp::kRemove, dir));
  return base_->RemoveDir(dir);
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  RETURN_IF_ERROR(Check(FsOp::kRename, from + " -> " + to));
  std::optional<std::string> old_target;
  ASSIGN_OR_RETURN(bool target_exists, base_->Exists(to));
  if (target_exists) {
    ASSIGN_OR_RETURN(std::string contents, base_->ReadFile(to));
    old_target = std::move(contents);
  }
  RETURN_IF_ERROR(base_->Rename(from, to));
  std::lock_guard lock(mu_);
  if (auto it = files_.find(from); it != files_.end()) {
    files_[to] = std::move(it->second);
    files_.erase(from);
  } else {
    files_.erase(to);
  }
  dir_ops_.push_back({DirOp::kRenamed, to, from, std::move(old_target), std::nullopt});
  return Status::OK();
}

Status FaultInjectionFileSystem::Truncate(const std::string& path, uint64_t size) {
  RETURN_IF_ERROR(Check(FsOp::kTruncate, path));
  RETURN_IF_ERROR(base_->Truncate(path, size));
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end() && !it->second.saved) it->second.synced_size = std::min(it->second.synced_size, size);
  return Status::OK();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  RETURN_IF_ERROR(Check(FsOp::kSyncDir, dir));
  RETURN_IF_ERROR(base_->SyncDir(dir));
  std::lock_guard lock(mu_);
  // Entries in `dir` are now durable. (A rename across directories needs both synced; we keep
  // it simple and treat the target directory's sync as enough.)
  std::erase_if(dir_ops_, [&](const DirOp& op) { return DirName(op.path) == DirName(JoinPath(dir, "x")); });
  return Status::OK();
}

Result<std::unique_ptr<FileLock>> FaultInjectionFileSystem::TryLock(const std::string& path,
                                                                    std::string_view owner_note) {
  RETURN_IF_ERROR(CheckAlive());
  return base_->TryLock(path, owner_note);
}

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard lock(mu_);
  // Undo directory changes that were never made durable, newest first.
  for (auto it = dir_ops_.rbegin(); it != dir_ops_.rend(); ++it) {
    switch (it->kind) {
      case DirOp::kCreated:
        base_->RemoveFile(it->path).IgnoreError();
        files_.erase(it->path);
        break;
      case DirOp::kRenamed: {
        RETURN_IF_ERROR(base_->Rename(it->path, it->from));
        if (auto f = files_.find(it->path); f != files_.end()) {
          files_[it->from] = std::move(f->second);
          files_.erase(it->path);
        }
        if (it->old_target) {
          RETURN_IF_ERROR(base_->WriteFileAtomic(it->path, *it->old_target));
        }
        break;
      }
      case DirOp::kRemoved:
        RETURN_IF_ERROR(base_->WriteFileAtomic(it->path, *it->old_target));
        if (it->durable) files_[it->path] = *it->durable;
        break;
    }
  }
  dir_ops_.clear();
  // Revert every tracked file to what was synced.
  for (auto& [path, d] : files_) {
    ASSIGN_OR_RETURN(bool exists, base_->Exists(path));
    if (!exists) continue;
    if (d.saved) {
      RETURN_IF_ERROR(base_->WriteFileAtomic(path, d.contents));
    } else {
      ASSIGN_OR_RETURN(uint64_t size, base_->FileSize(path));
      if (size > d.synced_size) RETURN_IF_ERROR(base_->Truncate(path, d.synced_size));
    }
  }
  files_.clear();
  crashed_ = false;
  crash_at_ = 0;
  planned_.clear();
  return Status::OK();
}

}  // namespace strata
