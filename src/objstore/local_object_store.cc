#include <unistd.h>

#include <algorithm>
#include <set>

#include "objstore/object_store.h"

namespace strata {
namespace {

constexpr std::string_view kTempMarker = ".tmp-";
constexpr size_t kCopyBlock = 4 << 20;

class LocalObjectStore final : public ObjectStore {
 public:
  LocalObjectStore(FileSystem* fs, std::string root) : fs_(fs), root_(std::move(root)) {}

  std::string Uri(std::string_view key) const override { return JoinPath(root_, key); }

  Status Put(std::string_view key, std::string_view data) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string path = Uri(key);
    RETURN_IF_ERROR(MakeParentDirs(path));
    return fs_->WriteFileAtomic(path, data);
  }

  Status PutAll(const std::vector<std::pair<std::string, std::string>>& objects) override {
    std::set<std::string> dirs;
    for (const auto& object : objects) {
      // Not a structured binding: clang 14 (the sanitizer trees) cannot capture one in the lambda.
      const std::string& key = object.first;
      const std::string& data = object.second;
      RETURN_IF_ERROR(CheckObjectKey(key));
      const std::string path = Uri(key);
      RETURN_IF_ERROR(MakeParentDirs(path));
      // WriteFileAtomic without its directory fsync: temp file, fsync, rename.
      RETURN_IF_ERROR(CheckReplaceableByRename(path));
      const std::string tmp = path + std::string(kTempMarker) + std::to_string(::getpid());
      Status st = [&]() -> Status {
        ASSIGN_OR_RETURN(auto file, fs_->NewWritableFile(tmp, OpenMode::kTruncate));
        RETURN_IF_ERROR(file->Append(data));
        RETURN_IF_ERROR(file->Sync());
        return file->Close();
      }();
      if (st.ok()) st = fs_->Rename(tmp, path);
      if (!st.ok()) {
        fs_->RemoveFile(tmp).IgnoreError();
        return st;
      }
      dirs.insert(DirName(path));
    }
    for (const std::string& dir : dirs) RETURN_IF_ERROR(fs_->SyncDir(dir));
    return Status::OK();
  }

  Status DeleteGarbage(const std::vector<std::string>& keys) override {
    for (const std::string& key : keys) {
      RETURN_IF_ERROR(CheckObjectKey(key));
      Status st = fs_->RemoveFile(Uri(key));
      if (!st.ok() && !st.IsNotFound()) return st;
    }
    return Status::OK();
  }

  Status PutFile(std::string_view key, FileSystem* src_fs, const std::string& src_path) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    const std::string path = Uri(key);
    RETURN_IF_ERROR(MakeParentDirs(path));
    ASSIGN_OR_RETURN(auto in, src_fs->NewRandomAccessFile(src_path));
    ASSIGN_OR_RETURN(uint64_t size, in->Size());
    const std::string tmp = path + std::string(kTempMarker) + std::to_string(::getpid());
    Status st = CopyTo(*in, size, tmp);
    if (st.ok()) st = fs_->Rename(tmp, path);
    if (!st.ok()) {
      fs_->RemoveFile(tmp).IgnoreError();
      return st;
    }
    return fs_->SyncDir(DirName(path));
  }

  Result<std::unique_ptr<RandomAccessFile>> OpenRead(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    return fs_->NewRandomAccessFile(Uri(key));
  }

  Result<std::unique_ptr<MappedFile>> MapRead(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    return fs_->MapFile(Uri(key));
  }

  Result<std::string> Get(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    return fs_->ReadFile(Uri(key));
  }

  Result<uint64_t> Size(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    return fs_->FileSize(Uri(key));
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    std::vector<ObjectInfo> out;
    RETURN_IF_ERROR(Walk("", prefix, &out));
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(CheckObjectKey(key));
    Status st = fs_->RemoveFile(Uri(key));
    if (st.IsNotFound()) return Status::OK();
    RETURN_IF_ERROR(st);
    return fs_->SyncDir(DirName(Uri(key)));
  }

 private:
  // Creates the directories above `path` and makes their entries durable: a new directory is
  // only a name in its parent until the parent is fsynced, and a power cut would take the
  // object with it.
  Status MakeParentDirs(const std::string& path) {
    std::string dir = DirName(path);
    ASSIGN_OR_RETURN(bool exists, fs_->Exists(dir));
    if (exists) return Status::OK();
    RETURN_IF_ERROR(fs_->CreateDirs(dir));
    const std::string stop = DirName(root_);
    while (dir != stop && dir.size() > 1 && dir != ".") {
      dir = DirName(dir);
      RETURN_IF_ERROR(fs_->SyncDir(dir));
    }
    return Status::OK();
  }

  Status CopyTo(RandomAccessFile& in, uint64_t size, const std::string& tmp) {
    ASSIGN_OR_RETURN(auto out, fs_->NewWritableFile(tmp, OpenMode::kTruncate));
    std::string block(std::min<uint64_t>(size, kCopyBlock), '\0');
    for (uint64_t offset = 0; offset < size;) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(block.size(), size - offset));
      ASSIGN_OR_RETURN(size_t got, in.Read(offset, want, block.data()));
      if (got != want) {
        return Status::IOError(in.path() + ": file shrank while being stored (read " + std::to_string(got) + " of " +
                               std::to_string(want) + " bytes at offset " + std::to_string(offset) + ")");
      }
      RETURN_IF_ERROR(out->Append(std::string_view(block.data(), got)));
      offset += got;
    }
    RETURN_IF_ERROR(out->Sync());
    return out->Close();
  }

  // Collects files under root_/dir whose keys start with `prefix`, pruning directories that
  // cannot hold such keys. An entry that lists is a directory; one that doesn't is a file.
  Status Walk(const std::string& dir, std::string_view prefix, std::vector<ObjectInfo>* out) {
    auto names = fs_->ListDir(dir.empty() ? root_ : JoinPath(root_, dir));
    if (!names.ok()) {
      if (names.status().IsNotFound()) return Status::OK();
      return names.status();
    }
    for (const std::string& name : *names) {
      const std::string key = dir.empty() ? name : dir + "/" + name;
      const size_t common = std::min(key.size(), prefix.size());
      if (key.compare(0, common, prefix.substr(0, common)) != 0) continue;
      if (fs_->ListDir(JoinPath(root_, key)).ok()) {
        RETURN_IF_ERROR(Walk(key, prefix, out));
        continue;
      }
      if (key.size() < prefix.size() || IsTemporaryObjectKey(key)) continue;
      ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(JoinPath(root_, key)));
      out->push_back({key, size});
    }
    return Status::OK();
  }

  FileSystem* fs_;
  std::string root_;
};

}  // namespace

bool IsTemporaryObjectKey(std::string_view key) {
  const size_t slash = key.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  return name.find(kTempMarker) != std::string_view::npos;
}

std::unique_ptr<ObjectStore> NewLocalObjectStore(FileSystem* fs, std::string root) {
  return std::make_unique<LocalObjectStore>(fs, std::move(root));
}

}  // namespace strata
