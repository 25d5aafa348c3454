// Creating directories so that they survive a power loss.
#pragma once

#include <string>

#include "strata/file_system.h"
#include "strata/status.h"

namespace strata {

// Creates `dir` (and parents) and makes every level from `durable_root` down durable (fsync of
// each parent), so that a file renamed into `dir` and a SyncDir(dir) survive power loss.
// REQUIRES: dir is inside durable_root, which exists durably.
Status CreateDirsDurably(FileSystem* fs, const std::string& durable_root, const std::string& dir);

}  // namespace strata
