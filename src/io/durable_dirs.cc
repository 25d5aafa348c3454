#include "io/durable_dirs.h"

#include <vector>

namespace strata {

Status CreateDirsDurably(FileSystem* fs, const std::string& durable_root, const std::string& dir) {
  // Find the first missing level, create everything, then fsync each parent from there down.
  std::vector<std::string> levels;  // dir, its parent, ... up to (excluding) durable_root
  for (std::string d = dir; d.size() > durable_root.size() && d != durable_root; d = DirName(d)) {
    levels.push_back(d);
  }
  size_t missing = 0;  // levels[0..missing) do not exist
  for (; missing < levels.size(); ++missing) {
    ASSIGN_OR_RETURN(bool exists, fs->Exists(levels[missing]));
    if (exists) break;
  }
  if (missing == 0) return Status::OK();
  RETURN_IF_ERROR(fs->CreateDirs(dir));
  for (size_t i = missing; i-- > 0;) RETURN_IF_ERROR(fs->SyncDir(DirName(levels[i])));
  return Status::OK();
}

}  // namespace strata
