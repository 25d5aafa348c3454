// Readiness checks: what `GET /ready` answers and `strata doctor` prints.
//
// Each check is pass/fail with one line of detail: free space on the disk that holds the root
// (statvfs; the probe is injectable so tests can pretend the disk is full), the WAL directory
// writable (a probe file created, fsynced and removed), the catalog's SQLite integrity
// (PRAGMA quick_check, on a read-only connection of its own), and the flush lag (WAL bytes not yet
// covered by warm files) under a limit, and with a WAL archive set (point-in-time recovery) the
// archive lag: WAL bytes not archived yet, under a limit.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "strata/database.h"
#include "strata/status.h"

namespace strata::server {

struct HealthOptions {
  uint64_t min_free_bytes = 1ull << 30;       // ready needs at least this much free space under the root
  uint64_t max_flush_lag_bytes = 8ull << 30;  // WAL bytes not yet flushed to warm files
  // WAL bytes not archived yet (the active segment included), when a WAL archive is set: past it,
  // a restore to now would lose that much; also what wal/ holds that flushes may not delete.
  uint64_t max_archive_lag_bytes = 4ull << 30;
  // Free bytes of the file system holding `path` (default: statvfs f_bavail * f_frsize).
  std::function<Result<uint64_t>(const std::string& path)> free_space_probe;
};

struct HealthCheck {
  std::string name;  // "disk_free", "wal_writable", "catalog_integrity", "flush_lag", "archive_lag"
  bool ok = false;
  std::string detail;
};

// Free bytes by statvfs(path).
Result<uint64_t> StatvfsFreeBytes(const std::string& path);

// Runs every check for the database at `root`. `db` (open, writer or reader) gives the WAL and
// flush figures; when null, the flush lag check is skipped. `check_wal_write` false skips the
// WAL write probe (a read-only doctor beside a running server must not write).
std::vector<HealthCheck> RunHealthChecks(const std::string& root, Database* db, const HealthOptions& options,
                                         bool check_wal_write = true);

// true when every check passed.
bool AllOk(const std::vector<HealthCheck>& checks);

}  // namespace strata::server
