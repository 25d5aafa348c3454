#include "io/hashing_file_system.h"

#include "io/sha256.h"

namespace strata {

class HashingFileSystem::File final : public WritableFile {
 public:
  File(HashingFileSystem* owner, std::unique_ptr<WritableFile> base) : owner_(owner), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    Status st = base_->Append(data);
    if (!st.ok()) {
      poisoned_ = true;  // a prefix may have landed: what is on disk is unknown
      return st;
    }
    if (!poisoned_) sha_.Update(data);
    bytes_ += data.size();
    return Status::OK();
  }
  Status Sync() override { return base_->Sync(); }
  Status Close() override {
    Status st = base_->Close();
    if (done_) return st;
    done_ = true;
    Entry e;
    e.poisoned = poisoned_ || !st.ok();
    e.digest.bytes = bytes_;
    if (!e.poisoned) e.digest.sha256 = DigestHex(sha_.Finish());
    owner_->Record(base_->path(), std::move(e));
    return st;
  }
  uint64_t Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  HashingFileSystem* owner_;
  std::unique_ptr<WritableFile> base_;
  Sha256 sha_;
  uint64_t bytes_ = 0;
  bool poisoned_ = false;
  bool done_ = false;
};

HashingFileSystem::HashingFileSystem(FileSystem* base) : base_(base) {}
HashingFileSystem::~HashingFileSystem() = default;

void HashingFileSystem::Record(const std::string& path, Entry entry) {
  std::lock_guard lock(mu_);
  digests_[path] = std::move(entry);
}

Result<FileDigest> HashingFileSystem::DigestOf(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = digests_.find(path);
  if (it == digests_.end())
    return Status::NotFound("no SHA-256 recorded for " + path + " (not written through the hashing file system)");
  if (it->second.poisoned) return Status::IOError("SHA-256 of " + path + " is unknown: a write to it failed");
  return it->second.digest;
}

Result<std::unique_ptr<WritableFile>> HashingFileSystem::NewWritableFile(const std::string& path, OpenMode mode) {
  ASSIGN_OR_RETURN(auto file, base_->NewWritableFile(path, mode));
  {
    std::lock_guard lock(mu_);
    digests_.erase(path);
  }
  if (mode == OpenMode::kAppend) return file;  // bytes we never saw: no digest
  return std::unique_ptr<WritableFile>(new File(this, std::move(file)));
}

Status HashingFileSystem::RemoveFile(const std::string& path) {
  RETURN_IF_ERROR(base_->RemoveFile(path));
  std::lock_guard lock(mu_);
  digests_.erase(path);
  return Status::OK();
}

Status HashingFileSystem::Rename(const std::string& from, const std::string& to) {
  RETURN_IF_ERROR(base_->Rename(from, to));
  std::lock_guard lock(mu_);
  auto it = digests_.find(from);
  if (it == digests_.end()) {
    digests_.erase(to);
  } else {
    digests_[to] = std::move(it->second);
    digests_.erase(from);
  }
  return Status::OK();
}

Status HashingFileSystem::Truncate(const std::string& path, uint64_t size) {
  RETURN_IF_ERROR(base_->Truncate(path, size));
  std::lock_guard lock(mu_);
  digests_.erase(path);
  return Status::OK();
}

}  // namespace strata
