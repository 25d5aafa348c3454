#include "server/health.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "backup/wal_archive.h"
#include "catalog/layout.h"

namespace strata::server {
namespace {

std::string Bytes(uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(b) / (1ull << 30));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1ull << 20));
  }
  return buf;
}

HealthCheck DiskFree(const std::string& root, const HealthOptions& o) {
  HealthCheck c{"disk_free", false, ""};
  auto probe = o.free_space_probe ? o.free_space_probe : StatvfsFreeBytes;
  auto free_bytes = probe(root);
  if (!free_bytes.ok()) {
    c.detail = free_bytes.status().message();
    return c;
  }
  c.ok = *free_bytes >= o.min_free_bytes;
  c.detail = Bytes(*free_bytes) + " free under " + root + (c.ok ? " (minimum " : " is below the minimum ") +
             Bytes(o.min_free_bytes) + (c.ok ? ")" : "; free space or move the root");
  return c;
}

HealthCheck WalWritable(const std::string& root) {
  HealthCheck c{"wal_writable", false, ""};
  const std::string path = JoinPath(layout::WalDir(root), ".ready-probe");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    c.detail = "cannot create a file in " + layout::WalDir(root) + ": " + std::strerror(errno);
    return c;
  }
  const bool wrote = ::write(fd, "x", 1) == 1 && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  ::unlink(path.c_str());
  c.ok = wrote;
  c.detail =
      wrote ? layout::WalDir(root) + " takes writes and fsync" : "writing " + path + " failed: " + std::strerror(err);
  return c;
}

HealthCheck CatalogIntegrity(const std::string& root) {
  HealthCheck c{"catalog_integrity", false, ""};
  const std::string path = layout::CatalogPath(root);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    c.detail = "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return c;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      if (!result.empty()) result += "; ";
      result += t ? reinterpret_cast<const char*>(t) : "";
      if (result.size() > 300) break;
    }
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  c.ok = result == "ok";
  c.detail = c.ok ? path + " passes quick_check"
                  : path + " fails quick_check: " + result + " (see doc/durability.md, strata recover)";
  return c;
}

HealthCheck FlushLag(Database* db, const HealthOptions& o) {
  HealthCheck c{"flush_lag", false, ""};
  auto stats = db->Stats();
  if (!stats.ok()) {
    c.detail = "stats: " + stats.status().message();
    return c;
  }
  c.ok = stats->wal_bytes <= o.max_flush_lag_bytes;
  c.detail = Bytes(stats->wal_bytes) + " of WAL not yet flushed (last LSN " + std::to_string(stats->last_lsn) +
             ", flushed " + std::to_string(stats->flushed_lsn) + (c.ok ? "; limit " : ") is over the limit ") +
             Bytes(o.max_flush_lag_bytes) + (c.ok ? ")" : "; is the flush failing? see `strata stats`");
  return c;
}

// Only with a WAL archive set (src/backup): nothing to check otherwise.
std::optional<HealthCheck> ArchiveLag(const std::string& root, const HealthOptions& o) {
  auto lag = backup::GetArchiveLag(DefaultFileSystem(), root);
  if (lag.ok() && lag->uri.empty()) return std::nullopt;
  HealthCheck c{"archive_lag", false, ""};
  if (!lag.ok()) {
    c.detail = "WAL archive: " + lag.status().message();
    return c;
  }
  c.ok = lag->bytes <= o.max_archive_lag_bytes;
  c.detail = Bytes(lag->bytes) + " of WAL in " + std::to_string(lag->segments) + " segment(s) not archived to " +
             lag->uri + " yet (archived up to LSN " + std::to_string(lag->archived_lsn) +
             (c.ok ? "; limit " : ") is over the limit ") + Bytes(o.max_archive_lag_bytes) +
             (c.ok ? ")" : "; is archiving failing? see `strata archive show` and `strata archive push`");
  return c;
}

}  // namespace

Result<uint64_t> StatvfsFreeBytes(const std::string& path) {
  struct statvfs vfs;
  if (::statvfs(path.c_str(), &vfs) != 0) {
    return Status::IOError("statvfs " + path + ": " + std::strerror(errno));
  }
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

std::vector<HealthCheck> RunHealthChecks(const std::string& root, Database* db, const HealthOptions& options,
                                         bool check_wal_write) {
  std::vector<HealthCheck> checks;
  checks.push_back(DiskFree(root, options));
  if (check_wal_write) checks.push_back(WalWritable(root));
  checks.push_back(CatalogIntegrity(root));
  if (db != nullptr) checks.push_back(FlushLag(db, options));
  if (auto archive = ArchiveLag(root, options)) checks.push_back(std::move(*archive));
  return checks;
}

bool AllOk(const std::vector<HealthCheck>& checks) {
  for (const auto& c : checks) {
    if (!c.ok) return false;
  }
  return true;
}

}  // namespace strata::server
