// Where things live under a database root. See doc/layout.md.
#pragma once

#include <string>

#include "strata/file_system.h"

namespace strata::layout {

inline std::string CatalogPath(const std::string& root) { return JoinPath(root, "catalog.db"); }
inline std::string WalDir(const std::string& root) { return JoinPath(root, "wal"); }
inline std::string LockPath(const std::string& root) { return JoinPath(root, "LOCK"); }
inline std::string WarmDir(const std::string& root) { return JoinPath(root, "warm"); }
inline std::string ColdDir(const std::string& root) { return JoinPath(root, "cold"); }

// Catalog settings keys.
inline constexpr char kFsyncSetting[] = "fsync";
inline constexpr char kSegmentBytesSetting[] = "wal_segment_bytes";
inline constexpr char kColdLocationSetting[] = "cold_location";

}  // namespace strata::layout
