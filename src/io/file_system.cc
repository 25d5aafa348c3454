// FileSystem conveniences and path helpers, written once over the primitives.
#include "strata/file_system.h"

#include <unistd.h>

namespace strata {

Result<std::string> FileSystem::ReadFile(const std::string& path) {
  ASSIGN_OR_RETURN(auto file, NewRandomAccessFile(path));
  ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string data(size, '\0');
  ASSIGN_OR_RETURN(size_t n, file->Read(0, size, data.data()));
  data.resize(n);
  return data;
}

Status FileSystem::WriteFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    ASSIGN_OR_RETURN(auto file, NewWritableFile(tmp, OpenMode::kTruncate));
    Status st = file->Append(data);
    if (st.ok()) st = file->Sync();
    if (st.ok()) st = file->Close();
    if (!st.ok()) {
      RemoveFile(tmp).IgnoreError();
      return st;
    }
  }
  Status st = Rename(tmp, path);
  if (!st.ok()) {
    RemoveFile(tmp).IgnoreError();
    return st;
  }
  return SyncDir(DirName(path));
}

Status FileSystem::RemoveAll(const std::string& dir) {
  // Unlink first: it removes files and symlinks (never what a symlink points to), and fails on a
  // real directory. Listing first would follow a symlink to a directory and empty its target.
  Status unlinked = RemoveFile(dir);
  if (unlinked.ok() || unlinked.IsNotFound()) return Status::OK();
  auto entries = ListDir(dir);
  if (!entries.ok()) return unlinked;  // not a directory: the unlink error is the real one
  for (const std::string& name : *entries) RETURN_IF_ERROR(RemoveAll(JoinPath(dir, name)));
  return RemoveDir(dir);
}

std::string JoinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  out += b;
  return out;
}

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace strata
