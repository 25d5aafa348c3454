// FileSystem conveniences and path helpers, written once over the primitives.
#include "strata/file_system.h"

#include <sys/stat.h>
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

Status CheckOutputIsNotInput(const std::string& output, const std::vector<std::string>& inputs) {
  struct stat out;
  if (output.empty() || output == "-" || ::stat(output.c_str(), &out) != 0) return Status::OK();
  for (const std::string& input : inputs) {
    struct stat in;
    if (input.empty() || input == "-" || ::stat(input.c_str(), &in) != 0) continue;
    if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      return Status::InvalidArgument("refusing to write " + output + ": it is the same file as the input " + input +
                                     " (writing would destroy the input); choose another output path");
    }
  }
  return Status::OK();
}

Status CheckReplaceableByRename(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return Status::OK();  // nothing there (or unreadable: the write says)
  const char* what = nullptr;
  if (S_ISLNK(st.st_mode)) {
    what = "a symbolic link";
  } else if (S_ISFIFO(st.st_mode)) {
    what = "a FIFO";
  } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    what = "a device";
  } else if (S_ISSOCK(st.st_mode)) {
    what = "a socket";
  } else if (S_ISDIR(st.st_mode)) {
    what = "a directory";
  }
  if (what == nullptr) return Status::OK();
  return Status::InvalidArgument("refusing to write " + path + ": it is " + what +
                                 ", which the write (a temporary file renamed over the path) would replace with a "
                                 "regular file; give the path of a regular file" +
                                 (S_ISLNK(st.st_mode) ? " (such as the link's target)" : ""));
}

Status FileSystem::WriteFileAtomic(const std::string& path, std::string_view data) {
  RETURN_IF_ERROR(CheckReplaceableByRename(path));
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
